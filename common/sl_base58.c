#include "sl_base58.h"

#include <string.h>

static const char sl_b58_alphabet[] =
	"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Inputs are keys and signatures: bounded so the work buffers live on the
 * stack. */
#define SL_B58_MAX_BYTES 256
#define SL_B58_MAX_CHARS 352 /* ceil(256 * log(256)/log(58)) + 1 */

size_t sl_base58_encode(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	if (n > SL_B58_MAX_BYTES)
		return 0;
	size_t zeros = 0;
	while (zeros < n && in[zeros] == 0)
		zeros++;

	/* Little-endian base-58 digits of the big-endian input number. */
	uint8_t digits[SL_B58_MAX_CHARS];
	size_t ndigits = 0;
	for (size_t i = zeros; i < n; i++) {
		unsigned carry = in[i];
		for (size_t j = 0; j < ndigits; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		while (carry > 0) {
			digits[ndigits++] = (uint8_t)(carry % 58);
			carry /= 58;
		}
	}

	size_t len = zeros + ndigits;
	if (len + 1 > outsz)
		return 0;
	memset(out, '1', zeros);
	for (size_t i = 0; i < ndigits; i++)
		out[zeros + i] = sl_b58_alphabet[digits[ndigits - 1 - i]];
	out[len] = '\0';
	return len;
}

static int sl_b58_value(char c)
{
	const char *p = c ? strchr(sl_b58_alphabet, c) : NULL;
	return p ? (int)(p - sl_b58_alphabet) : -1;
}

ssize_t sl_base58_decode(const char *in, uint8_t *out, size_t outsz)
{
	size_t n = strlen(in);
	if (n > SL_B58_MAX_CHARS)
		return -1;
	size_t zeros = 0;
	while (zeros < n && in[zeros] == '1')
		zeros++;

	/* Little-endian base-256 bytes of the base-58 number. */
	uint8_t bytes[SL_B58_MAX_CHARS];
	size_t nbytes = 0;
	for (size_t i = zeros; i < n; i++) {
		int v = sl_b58_value(in[i]);
		if (v < 0)
			return -1;
		unsigned carry = (unsigned)v;
		for (size_t j = 0; j < nbytes; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
		while (carry > 0) {
			bytes[nbytes++] = (uint8_t)(carry & 0xff);
			carry >>= 8;
		}
	}

	size_t len = zeros + nbytes;
	if (len > outsz || len > SL_B58_MAX_BYTES)
		return -1;
	memset(out, 0, zeros);
	for (size_t i = 0; i < nbytes; i++)
		out[zeros + i] = bytes[nbytes - 1 - i];
	return (ssize_t)len;
}
