/* Test-only readers for the shared vector files: whole-file reads, hex, and a
 * key scanner for the flat JSON layouts of the Ed25519 vector sets (not a
 * general JSON parser: keys are found in document order). Include after
 * <cmocka.h>. */
#ifndef SL_TEST_TEXT_H
#define SL_TEST_TEXT_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whole file, NUL-terminated; fails the test when it cannot be read. */
static inline char *sl_test_read_file(const char *path, size_t *sz)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	if (sz != NULL)
		*sz = (size_t)n;
	return buf;
}

static inline int sl_test_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode `n` hex digits into out (n/2 bytes); fails on a non-hex digit. */
static inline size_t sl_test_unhex(const char *hex, size_t n, uint8_t *out)
{
	assert_int_equal(n % 2, 0);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = sl_test_hexval(hex[2 * i]), lo = sl_test_hexval(hex[2 * i + 1]);
		assert_true(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

/* Position just after `"key":` at or after p, or NULL. */
static inline const char *sl_json_key(const char *p, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	while ((p = strstr(p, pat)) != NULL) {
		const char *q = p + strlen(pat);
		while (isspace((unsigned char)*q))
			q++;
		if (*q == ':') {
			q++;
			while (isspace((unsigned char)*q))
				q++;
			return q;
		}
		p = q;
	}
	return NULL;
}

/* The string value at p (which points at its opening quote): its start and
 * length, without unescaping (the vector files use none but \" and \\, which
 * only occur in comments this reader never decodes). */
static inline const char *sl_json_str(const char *p, size_t *len)
{
	assert_true(*p == '"');
	const char *s = ++p;
	while (*p != '"') {
		assert_true(*p != '\0');
		p += (*p == '\\') ? 2 : 1;
	}
	*len = (size_t)(p - s);
	return s;
}

#endif
