/* sl_identity: key files (round trip, mode, every refusal), signatures,
 * base58 public keys, and a key file from RFC 8032's first test vector in the
 * form solana-keygen writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sl_identity.h"

/* RFC 8032 section 7.1, TEST 1. */
static const char rfc_seed_hex[] =
	"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char rfc_pk_hex[] =
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char rfc_pk_b58[] = "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z";

#define SL_TMPDIR_PREFIX "/tmp/sl-identity-XXXXXX"
#define SL_TMPDIR_FILE "key.json"
#include "sl_test_tmpdir.h"

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Writes `text` to `path` with `mode` (chmod, so the umask does not cut it). */
static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* The JSON array of n bytes as solana-keygen writes it (no spaces, no
 * newline), `extra` appended inside the brackets. */
static void json_array(const uint8_t *b, size_t n, const char *extra, char *out, size_t outsz)
{
	size_t at = (size_t)snprintf(out, outsz, "[");
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(out + at, outsz - at, "%s%u", i ? "," : "", b[i]);
	snprintf(out + at, outsz - at, "%s]", extra);
}

/* The key pair of the RFC vector as bytes: seed || pk. */
static void rfc_keypair(uint8_t sk[SL_SECKEY_SZ])
{
	unhex(rfc_seed_hex, sk, SL_SEED_SZ);
	unhex(rfc_pk_hex, sk + SL_SEED_SZ, SL_PUBKEY_SZ);
}

static void assert_refused(const char *path, const char *what)
{
	sl_identity_t id;
	char err[512] = "";
	assert_int_equal(sl_identity_load(path, &id, err, sizeof(err)), -1);
	if (strstr(err, path) == NULL || strstr(err, what) == NULL || strchr(err, '\n') != NULL)
		fail_msg("error '%s' should name %s and say '%s' on one line", err, path, what);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	sl_identity_t a, b, c;
	char err[512] = "";
	assert_int_equal(sl_identity_generate(&a), 0);
	assert_int_equal(sl_identity_generate(&c), 0);
	assert_memory_not_equal(a.pk, c.pk, SL_PUBKEY_SZ);
	assert_memory_equal(a.sk + SL_SEED_SZ, a.pk, SL_PUBKEY_SZ);

	/* 0600 whatever the umask, even one that would cut it to 0400. */
	mode_t old = umask(0277);
	int rc = sl_identity_save(f->path, &a, false, err, sizeof(err));
	umask(old);
	assert_int_equal(rc, 0);
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(sl_identity_load(f->path, &b, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));

	/* No temporary file is left beside it. */
	DIR *d = opendir(f->dir);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1);

	/* What save writes is what solana-keygen writes, plus a newline. */
	char want[1024], got[1024] = "";
	json_array(a.sk, SL_SECKEY_SZ, "", want, sizeof(want));
	strcat(want, "\n");
	FILE *fp = fopen(f->path, "r");
	assert_non_null(fp);
	size_t len = fread(got, 1, sizeof(got) - 1, fp);
	fclose(fp);
	got[len] = '\0';
	assert_string_equal(got, want);
}

static void test_save_refuses_existing(void **state)
{
	struct fixture *f = *state;
	sl_identity_t a, b, got;
	char err[512] = "";
	assert_int_equal(sl_identity_generate(&a), 0);
	assert_int_equal(sl_identity_generate(&b), 0);
	assert_int_equal(sl_identity_save(f->path, &a, false, err, sizeof(err)), 0);

	errno = 0;
	assert_int_equal(sl_identity_save(f->path, &b, false, err, sizeof(err)), -1);
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(err, f->path));
	assert_int_equal(sl_identity_load(f->path, &got, err, sizeof(err)), 0);
	assert_memory_equal(got.pk, a.pk, SL_PUBKEY_SZ);

	assert_int_equal(sl_identity_save(f->path, &b, true, err, sizeof(err)), 0);
	assert_int_equal(sl_identity_load(f->path, &got, err, sizeof(err)), 0);
	assert_memory_equal(got.pk, b.pk, SL_PUBKEY_SZ);

	/* A folder that does not exist: refused, one line naming the path. */
	char bad[256];
	snprintf(bad, sizeof(bad), "%s/no-such-folder/key.json", f->dir);
	assert_int_equal(sl_identity_save(bad, &a, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no-such-folder"));
}

static void test_missing_and_mode(void **state)
{
	struct fixture *f = *state;
	assert_refused(f->path, "No such file");

	uint8_t sk[SL_SECKEY_SZ];
	char text[1024];
	rfc_keypair(sk);
	json_array(sk, SL_SECKEY_SZ, "", text, sizeof(text));
	write_file(f->path, text, 0640);
	assert_refused(f->path, "mode 0640");
	assert_int_equal(chmod(f->path, 0604), 0);
	assert_refused(f->path, "mode 0604");
	assert_int_equal(chmod(f->path, 0602), 0);
	assert_refused(f->path, "mode 0602");
	/* 0400 is stricter than 0600, and fine. */
	assert_int_equal(chmod(f->path, 0400), 0);
	sl_identity_t id;
	char err[512] = "";
	assert_int_equal(sl_identity_load(f->path, &id, err, sizeof(err)), 0);

	/* A folder is not a key file. */
	assert_refused(f->dir, "not a regular file");
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	uint8_t sk[SL_SECKEY_SZ + 1];
	rfc_keypair(sk);
	sk[SL_SECKEY_SZ] = 7;
	char good[1024], text[8192];
	json_array(sk, SL_SECKEY_SZ, "", good, sizeof(good));

	static const struct {
		const char *name, *what;
	} cases[] = {
		{ "63 numbers", "63 numbers" },
		{ "65 numbers", "more than 64" },
		{ "a 256", "above 255" },
		{ "a letter", "expected" },
		{ "truncated", "ends before" },
		{ "truncated in a number", "ends before" },
		{ "trailing comma", "expected a number" },
		{ "empty", "empty" },
		{ "an object", "expected '['" },
		{ "a negative", "expected a number" },
		{ "a fraction", "whole number" },
		{ "a leading zero", "leading zero" },
		{ "text after", "after the closing" },
		{ "two arrays", "after the closing" },
		{ "a NUL", "expected" },
		{ "too large", "larger than 4096" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		switch (i) {
		case 0: json_array(sk, 63, "", text, sizeof(text)); break;
		case 1: json_array(sk, 65, "", text, sizeof(text)); break;
		case 2: json_array(sk, 63, ",256", text, sizeof(text)); break;
		case 3: json_array(sk, 63, ",1a", text, sizeof(text)); break;
		case 4: snprintf(text, sizeof(text), "%.*s", (int)strlen(good) - 1, good); break;
		case 5: snprintf(text, sizeof(text), "%.*s", (int)strlen(good) - 2, good); break;
		case 6: json_array(sk, 64, ",", text, sizeof(text)); break;
		case 7: snprintf(text, sizeof(text), " \n"); break;
		case 8: snprintf(text, sizeof(text), "{\"key\": %s}", good); break;
		case 9: json_array(sk, 63, ",-1", text, sizeof(text)); break;
		case 10: json_array(sk, 63, ",1.0", text, sizeof(text)); break;
		case 11: json_array(sk, 63, ",017", text, sizeof(text)); break;
		case 12: snprintf(text, sizeof(text), "%s x", good); break;
		case 13: snprintf(text, sizeof(text), "%s%s", good, good); break;
		case 14: break;
		case 15:
			len = (size_t)snprintf(text, sizeof(text), "%s", good);
			memset(text + len, ' ', SL_IDENTITY_FILE_MAX + 1 - len);
			text[SL_IDENTITY_FILE_MAX + 1] = '\0';
			break;
		}
		if (i == 14) {
			/* Through the parser: a NUL inside the text is not white space. */
			sl_identity_t id;
			char err[256] = "";
			memcpy(text, good, strlen(good) + 1);
			text[1] = '\0';
			assert_int_equal(sl_identity_parse(text, strlen(good), &id, err, sizeof(err)), -1);
			assert_non_null(strstr(err, cases[i].what));
			continue;
		}
		print_message("case: %s\n", cases[i].name);
		write_file(f->path, text, 0600);
		assert_refused(f->path, cases[i].what);
	}

	/* White space anywhere between tokens is fine, and so is no newline. */
	size_t at = (size_t)snprintf(text, sizeof(text), " \r\n\t[ ");
	for (size_t i = 0; i < SL_SECKEY_SZ; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%s%u\n", i ? " ,\t" : "", sk[i]);
	snprintf(text + at, sizeof(text) - at, "] \r\n");
	write_file(f->path, text, 0600);
	sl_identity_t id;
	char err[512] = "";
	assert_int_equal(sl_identity_load(f->path, &id, err, sizeof(err)), 0);
	assert_memory_equal(id.sk, sk, SL_SECKEY_SZ);

	/* Exactly the largest file read. */
	size_t len = (size_t)snprintf(text, sizeof(text), "%s", good);
	memset(text + len, '\n', SL_IDENTITY_FILE_MAX - len);
	text[SL_IDENTITY_FILE_MAX] = '\0';
	write_file(f->path, text, 0600);
	assert_int_equal(sl_identity_load(f->path, &id, err, sizeof(err)), 0);
}

static void test_mismatched_public_half(void **state)
{
	struct fixture *f = *state;
	uint8_t sk[SL_SECKEY_SZ];
	char text[1024];
	rfc_keypair(sk);
	sk[SL_SECKEY_SZ - 1] ^= 1;
	json_array(sk, SL_SECKEY_SZ, "", text, sizeof(text));
	write_file(f->path, text, 0600);
	assert_refused(f->path, "does not match");

	/* Another key pair's public half. */
	sl_identity_t other;
	assert_int_equal(sl_identity_generate(&other), 0);
	rfc_keypair(sk);
	memcpy(sk + SL_SEED_SZ, other.pk, SL_PUBKEY_SZ);
	json_array(sk, SL_SECKEY_SZ, "", text, sizeof(text));
	write_file(f->path, text, 0600);
	assert_refused(f->path, "does not match");
}

static void test_rfc8032_vector(void **state)
{
	struct fixture *f = *state;
	uint8_t sk[SL_SECKEY_SZ], pk[SL_PUBKEY_SZ];
	char text[1024], err[512] = "", b58[SL_PUBKEY_B58_MAX];
	rfc_keypair(sk);
	unhex(rfc_pk_hex, pk, SL_PUBKEY_SZ);
	json_array(sk, SL_SECKEY_SZ, "", text, sizeof(text));
	write_file(f->path, text, 0600);

	sl_identity_t id;
	assert_int_equal(sl_identity_load(f->path, &id, err, sizeof(err)), 0);
	assert_memory_equal(id.pk, pk, SL_PUBKEY_SZ);
	assert_memory_equal(id.sk, sk, SL_SECKEY_SZ);
	sl_pubkey_to_b58(id.pk, b58);
	assert_string_equal(b58, rfc_pk_b58);

	/* RFC 8032's signature of the empty message. */
	uint8_t sig[SL_SIG_SZ], want[SL_SIG_SZ];
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", want, SL_SIG_SZ);
	sl_identity_sign(&id, (const uint8_t *)"", 0, sig);
	assert_memory_equal(sig, want, SL_SIG_SZ);
}

static void test_sign_verify(void **state)
{
	(void)state;
	sl_identity_t id, other;
	assert_int_equal(sl_identity_generate(&id), 0);
	assert_int_equal(sl_identity_generate(&other), 0);
	uint8_t msg[100], sig[SL_SIG_SZ];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	sl_identity_sign(&id, msg, sizeof(msg), sig);
	assert_true(sl_identity_verify(id.pk, msg, sizeof(msg), sig));
	assert_false(sl_identity_verify(other.pk, msg, sizeof(msg), sig));
	assert_false(sl_identity_verify(id.pk, msg, sizeof(msg) - 1, sig));
	for (size_t bit = 0; bit < 8 * SL_SIG_SZ; bit += 37) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_false(sl_identity_verify(id.pk, msg, sizeof(msg), sig));
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	msg[50] ^= 0x10;
	assert_false(sl_identity_verify(id.pk, msg, sizeof(msg), sig));
	msg[50] ^= 0x10;
	assert_true(sl_identity_verify(id.pk, msg, sizeof(msg), sig));

	sl_identity_wipe(&id);
	uint8_t zero[sizeof(id)] = { 0 };
	assert_memory_equal(&id, zero, sizeof(id));
}

static void test_base58(void **state)
{
	(void)state;
	uint8_t pk[SL_PUBKEY_SZ], back[SL_PUBKEY_SZ];
	char b58[SL_PUBKEY_B58_MAX];
	for (int round = 0; round < 100; round++) {
		sl_identity_t id;
		assert_int_equal(sl_identity_generate(&id), 0);
		sl_pubkey_to_b58(id.pk, b58);
		assert_in_range(strlen(b58), 32, 44);
		assert_int_equal(sl_pubkey_from_b58(b58, back), 0);
		assert_memory_equal(back, id.pk, SL_PUBKEY_SZ);
	}
	/* The extremes: all zero bytes (32 '1's) and all 0xff (44 chars). */
	memset(pk, 0, sizeof(pk));
	sl_pubkey_to_b58(pk, b58);
	assert_string_equal(b58, "11111111111111111111111111111111");
	memset(pk, 0xff, sizeof(pk));
	sl_pubkey_to_b58(pk, b58);
	assert_int_equal(strlen(b58), 44);
	assert_int_equal(sl_pubkey_from_b58(b58, back), 0);
	assert_memory_equal(back, pk, SL_PUBKEY_SZ);

	/* Refused, and pk left as it was. */
	memset(back, 0xaa, sizeof(back));
	char bad[64];
	static const char not_alphabet[] = "0OIl+/ ";
	for (size_t i = 0; i < strlen(not_alphabet); i++) {
		snprintf(bad, sizeof(bad), "%s", rfc_pk_b58);
		bad[10] = not_alphabet[i];
		assert_int_equal(sl_pubkey_from_b58(bad, back), -1);
	}
	/* 31 bytes: one '1' (a zero byte) fewer than the all-zero key; 33 bytes:
	 * a leading zero byte before a full key. */
	assert_int_equal(sl_pubkey_from_b58("1111111111111111111111111111111", back), -1);
	snprintf(bad, sizeof(bad), "1%s", rfc_pk_b58);
	assert_int_equal(sl_pubkey_from_b58(bad, back), -1);
	/* 31 and 33 bytes without leading zeros. */
	uint8_t b33[33];
	memset(b33, 0x5a, sizeof(b33));
	char t[64];
	assert_true(sl_base58_encode(b33, 31, t, sizeof(t)) > 0);
	assert_int_equal(sl_pubkey_from_b58(t, back), -1);
	assert_true(sl_base58_encode(b33, 33, t, sizeof(t)) > 0);
	assert_int_equal(sl_pubkey_from_b58(t, back), -1);
	assert_int_equal(sl_pubkey_from_b58("", back), -1);
	uint8_t untouched[SL_PUBKEY_SZ];
	memset(untouched, 0xaa, sizeof(untouched));
	assert_memory_equal(back, untouched, SL_PUBKEY_SZ);

	assert_int_equal(sl_pubkey_from_b58(rfc_pk_b58, back), 0);
	unhex(rfc_pk_hex, pk, SL_PUBKEY_SZ);
	assert_memory_equal(back, pk, SL_PUBKEY_SZ);
}

static void test_format_bound(void **state)
{
	(void)state;
	sl_identity_t id;
	memset(&id, 255, sizeof(id));
	char text[SL_IDENTITY_TEXT_MAX];
	assert_int_equal(sl_identity_format(&id, text, sizeof(text) - 1), 0);
	assert_int_equal(sl_identity_format(&id, text, sizeof(text)), SL_IDENTITY_TEXT_MAX - 1);
	assert_int_equal(strlen(text), SL_IDENTITY_TEXT_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_refuses_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mismatched_public_half, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc8032_vector, setup, teardown),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_base58),
		cmocka_unit_test(test_format_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
