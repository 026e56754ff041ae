/* libFuzzer target for sl_cidr_parse: any text gets 0, or -1 with a
 * one-line reason and a zeroed result; it never reads past the text's NUL
 * nor, without one, past SL_CIDR_TEXT_MAX bytes (exact-size heap copies:
 * ASan stops any read beyond); what parses has no host bits, covers its own
 * address and not the other family, and round-trips through sl_cidr_str;
 * sl_addr_parse agrees with it on the same text (addr_one). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_cidr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what, const char *text)
{
	if (!cond) {
		fprintf(stderr, "%s: '%s'\n", what, text);
		abort();
	}
}

static void check_parsed(const sl_cidr_t *c, const char *text)
{
	const unsigned width = c->family == 4 ? 32 : 128;
	check(c->family == 4 || c->family == 6, "family neither 4 nor 6", text);
	check(c->prefixlen <= width, "prefix length past the address", text);
	for (unsigned i = c->prefixlen; i < 128; i++)
		check(!(c->addr[i / 8] >> (7 - i % 8) & 1), "a host bit set", text);
	check(sl_cidr_contains(c, c->family, c->addr), "does not cover its own address", text);
	check(!sl_cidr_contains(c, c->family == 4 ? 6 : 4, c->addr), "covers the other family",
	      text);
	if (c->prefixlen > 0) {
		/* The last bit of the prefix flipped: outside. */
		uint8_t a[16];
		memcpy(a, c->addr, sizeof(a));
		a[(c->prefixlen - 1) / 8] ^= (uint8_t)(0x80u >> (c->prefixlen - 1) % 8);
		check(!sl_cidr_contains(c, c->family, a), "covers an address outside", text);
	}
	if (c->prefixlen < width) {
		/* The last host bit set: inside. */
		uint8_t a[16];
		memcpy(a, c->addr, sizeof(a));
		a[(width - 1) / 8] |= 1;
		check(sl_cidr_contains(c, c->family, a), "misses an address inside", text);
	}

	char s[SL_CIDR_STR_SZ], s2[SL_CIDR_STR_SZ], err[128] = "";
	sl_cidr_t back;
	sl_cidr_str(c, s);
	check(sl_cidr_parse(s, &back, err, sizeof(err)) == 0, "its text does not parse", s);
	check(memcmp(&back, c, sizeof(back)) == 0, "its text parses to another prefix", text);
	sl_cidr_str(&back, s2);
	check(strcmp(s, s2) == 0, "its text is not stable", s);
}

/* sl_addr_parse on the same text: an address exactly when sl_cidr_parse
 * finds a host prefix written without "/N" that is not all zero, the same
 * bytes, and its text parses back to it. */
static void addr_one(const char *text, int cidr_rc, const sl_cidr_t *c)
{
	static const uint8_t zero16[16];
	sl_addr_t a;
	char err[128];
	memset(err, 'x', sizeof(err));
	const int rc = sl_addr_parse(text, &a, err, sizeof(err));
	const int want = cidr_rc == 0 && strchr(text, '/') == NULL &&
			 memcmp(c->addr, zero16, sizeof(zero16)) != 0;
	check(rc == (want ? 0 : -1), "sl_addr_parse disagrees with sl_cidr_parse", text);
	if (rc != 0) {
		const sl_addr_t none = {0};
		check(memcmp(&a, &none, sizeof(a)) == 0, "address refused but not zeroed", text);
		check(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0' &&
		      strchr(err, '\n') == NULL, "address refused without a one-line reason", text);
		return;
	}
	check(a.family == c->family && memcmp(a.b, c->addr, sizeof(a.b)) == 0,
	      "the address is not the prefix's", text);
	char s[SL_ADDR_STR_SZ];
	sl_addr_t back;
	sl_addr_str(&a, s);
	check(sl_addr_parse(s, &back, err, sizeof(err)) == 0 && sl_addr_eq(&a, &back),
	      "the address's text does not parse back to it", s);
}

static void parse_one(char *text)
{
	sl_cidr_t c;
	char err[128];
	memset(err, 'x', sizeof(err));
	int rc = sl_cidr_parse(text, &c, err, sizeof(err));
	addr_one(text, rc, &c);
	if (rc == 0) {
		check_parsed(&c, text);
		return;
	}
	const sl_cidr_t zero = {0};
	check(rc == -1, "a result neither 0 nor -1", text);
	check(memcmp(&c, &zero, sizeof(c)) == 0, "refused but the result is not zeroed", text);
	check(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0' &&
	      strchr(err, '\n') == NULL, "refused without a one-line reason", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As a C string: the bytes up to the first NUL, then a NUL, and no
	 * byte more in the copy. */
	size_t len = strnlen((const char *)data, size);
	char *text = malloc(len + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	parse_one(text);
	free(text);

	/* Without a NUL in the first SL_CIDR_TEXT_MAX bytes: refused, and not
	 * a byte past them read. */
	if (len >= SL_CIDR_TEXT_MAX) {
		char *raw = malloc(SL_CIDR_TEXT_MAX);
		if (raw == NULL)
			return 0;
		memcpy(raw, data, SL_CIDR_TEXT_MAX);
		sl_cidr_t c;
		char err[128];
		check(sl_cidr_parse(raw, &c, err, sizeof(err)) == -1, "over-long text accepted", "");
		free(raw);
	}
	return 0;
}
