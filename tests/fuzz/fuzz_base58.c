/* libFuzzer target for sl_base58_decode: any string gets a length or -1, and
 * whatever decodes re-encodes to the same text (base58 has one spelling per
 * byte string, leading '1's standing for leading zero bytes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_base58.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	uint8_t bin[512];
	ssize_t n = sl_base58_decode(text, bin, sizeof(bin));
	if (n < 0)
		return 0;
	char back[1024];
	size_t len = sl_base58_encode(bin, (size_t)n, back, sizeof(back));
	if ((n > 0 && len == 0) || strcmp(back, text) != 0) {
		fprintf(stderr, "base58 round trip broken: '%s' -> %zd bytes -> '%s'\n", text, n, back);
		abort();
	}
	return 0;
}
