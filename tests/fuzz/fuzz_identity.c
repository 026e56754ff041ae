/* libFuzzer target for sl_identity_parse, the key-file parser: any bytes get
 * 0 or -1 with a one-line reason, and an accepted key pair formats to a text
 * that parses back to the same bytes. A random text almost never carries a
 * matching public half, so the input's first 32 bytes also serve as a seed:
 * the key pair they make must survive format and parse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sl_identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const sl_identity_t *id, const char *what)
{
	char text[SL_IDENTITY_TEXT_MAX], err[256] = "";
	sl_identity_t back;
	size_t len = sl_identity_format(id, text, sizeof(text));
	if (len == 0 || sl_identity_parse(text, len, &back, err, sizeof(err)) != 0 ||
	    memcmp(id, &back, sizeof(back)) != 0) {
		fprintf(stderr, "%s: format/parse round trip broken (%s): %.*s\n", what, err,
			(int)len, text);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > SL_IDENTITY_FILE_MAX)
		return 0;
	/* An exact-size heap copy, so ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	sl_identity_t id;
	char err[256];
	memset(err, 'x', sizeof(err));
	int rc = sl_identity_parse(text, size, &id, err, sizeof(err));
	free(text);
	if (rc == 0) {
		round_trip(&id, "accepted input");
	} else if (rc != -1 || memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0' ||
		   strchr(err, '\n') != NULL) {
		fprintf(stderr, "parse returned %d with a bad reason\n", rc);
		abort();
	}

	if (size >= SL_SEED_SZ) {
		crypto_sign_seed_keypair(id.pk, id.sk, data);
		round_trip(&id, "key pair from the input's seed");
	}
	return 0;
}
