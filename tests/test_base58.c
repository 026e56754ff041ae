#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sl_base58.h"

/* Vectors from Bitcoin Core's src/test/data/base58_encode_decode.json. */
static const struct {
	const char *hex;
	const char *b58;
} vectors[] = {
	{"", ""},
	{"61", "2g"},
	{"626262", "a3gV"},
	{"636363", "aPEr"},
	{"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
	{"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
	{"516b6fcd0f", "ABnLTmg"},
	{"bf4f89001e670274dd", "3SEo3LWLoPntC"},
	{"572e4794", "3EFU7m"},
	{"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
	{"10c8511e", "Rt5zm"},
	{"00000000000000000000", "1111111111"},
};

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void test_known_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		uint8_t bin[64], back[64];
		char txt[128];
		size_t n = unhex(vectors[i].hex, bin);
		size_t len = sl_base58_encode(bin, n, txt, sizeof(txt));
		assert_int_equal(len, strlen(vectors[i].b58));
		assert_string_equal(txt, vectors[i].b58);
		assert_int_equal(sl_base58_decode(vectors[i].b58, back, sizeof(back)), (ssize_t)n);
		assert_memory_equal(back, bin, n);
	}
}

static void test_round_trip_random(void **state)
{
	(void)state;
	srand(7);
	for (int iter = 0; iter < 2000; iter++) {
		uint8_t bin[64], back[64];
		char txt[SL_BASE58_SIG_STRLEN];
		size_t n = (size_t)(rand() % 65);
		for (size_t i = 0; i < n; i++)
			bin[i] = (uint8_t)(iter % 5 == 0 && i < 3 ? 0 : rand());
		size_t len = sl_base58_encode(bin, n, txt, sizeof(txt));
		assert_true(len > 0 || n == 0);
		assert_int_equal(sl_base58_decode(txt, back, sizeof(back)), (ssize_t)n);
		assert_memory_equal(back, bin, n);
	}
}

static void test_sizes_and_errors(void **state)
{
	(void)state;
	uint8_t sig[64];
	memset(sig, 0xff, sizeof(sig));
	char txt[SL_BASE58_SIG_STRLEN];
	/* The largest 64-byte value needs the full documented buffer. */
	assert_int_equal(sl_base58_encode(sig, 64, txt, sizeof(txt)), 88);
	assert_int_equal(sl_base58_encode(sig, 64, txt, 88), 0);

	uint8_t out[4];
	assert_int_equal(sl_base58_decode("0OIl", out, sizeof(out)), -1); /* not in the alphabet */
	assert_int_equal(sl_base58_decode("2g ", out, sizeof(out)), -1);
	assert_int_equal(sl_base58_decode("2cFupjhnEsSn59qHXstmK2ffpLv2", out, sizeof(out)), -1);
	assert_int_equal(sl_base58_decode("", out, sizeof(out)), 0);

	/* Found by fuzz_base58: a long text must not decode past the 256-byte
	 * bound that encode enforces. */
	char big_txt[400];
	memset(big_txt, 'z', sizeof(big_txt) - 1);
	big_txt[sizeof(big_txt) - 1] = '\0';
	uint8_t big[512];
	assert_int_equal(sl_base58_decode(big_txt, big, sizeof(big)), -1);
	big_txt[349] = '\0'; /* 349 'z' = 58^349 - 1, which needs 256 bytes */
	assert_int_equal(sl_base58_decode(big_txt, big, sizeof(big)), 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_sizes_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
