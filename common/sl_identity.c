#include "sl_identity.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sl_file.h"

/* sodium_init() returns -1 only when libsodium cannot take its own lock. */
static bool sodium_ready(void)
{
	return sodium_init() >= 0;
}

int sl_identity_generate(sl_identity_t *id)
{
	if (!sodium_ready())
		return -1;
	crypto_sign_keypair(id->pk, id->sk);
	return 0;
}

void sl_identity_wipe(sl_identity_t *id)
{
	sodium_memzero(id, sizeof(*id));
}

/* ---- the key file's text ---- */

static bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_space(const char *t, size_t len, size_t at)
{
	while (at < len && is_json_space(t[at]))
		at++;
	return at;
}

/* Read one JSON number 0..255 at t[*at]; strict JSON: no sign, no leading
 * zero, no fraction or exponent. */
static int parse_byte(const char *t, size_t len, size_t *at, uint8_t *out, char *err, size_t errsz)
{
	size_t i = *at;
	if (i >= len || t[i] < '0' || t[i] > '9') {
		if (i >= len)
			snprintf(err, errsz, "ends before the closing ']'");
		else
			snprintf(err, errsz, "byte %zu: expected a number 0..255", i);
		return -1;
	}
	unsigned v = 0;
	size_t start = i;
	while (i < len && t[i] >= '0' && t[i] <= '9') {
		v = v * 10 + (unsigned)(t[i] - '0');
		if (v > 255) {
			snprintf(err, errsz, "byte %zu: a number above 255", start);
			return -1;
		}
		i++;
	}
	if (i - start > 1 && t[start] == '0') {
		snprintf(err, errsz, "byte %zu: a number with a leading zero", start);
		return -1;
	}
	if (i < len && (t[i] == '.' || t[i] == 'e' || t[i] == 'E')) {
		snprintf(err, errsz, "byte %zu: expected a whole number 0..255", start);
		return -1;
	}
	*out = (uint8_t)v;
	*at = i;
	return 0;
}

/* Fills sk only; wipes what it read when it fails. */
static int parse_array(const char *t, size_t len, uint8_t sk[SL_SECKEY_SZ], char *err, size_t errsz)
{
	size_t at = skip_space(t, len, 0);
	if (at >= len) {
		snprintf(err, errsz, "empty; expected a JSON array of %d numbers", SL_SECKEY_SZ);
		return -1;
	}
	if (t[at] != '[') {
		snprintf(err, errsz, "byte %zu: expected '[' (a JSON array of %d numbers)", at,
			 SL_SECKEY_SZ);
		return -1;
	}
	at = skip_space(t, len, at + 1);
	size_t n = 0;
	if (at < len && t[at] == ']')
		goto closed;
	for (;;) {
		uint8_t v;
		if (parse_byte(t, len, &at, &v, err, errsz) != 0)
			goto fail;
		if (n == SL_SECKEY_SZ) {
			snprintf(err, errsz, "more than %d numbers", SL_SECKEY_SZ);
			goto fail;
		}
		sk[n++] = v;
		at = skip_space(t, len, at);
		if (at >= len) {
			snprintf(err, errsz, "ends before the closing ']'");
			goto fail;
		}
		if (t[at] == ']')
			break;
		if (t[at] != ',') {
			snprintf(err, errsz, "byte %zu: expected ',' or ']'", at);
			goto fail;
		}
		at = skip_space(t, len, at + 1);
	}
closed:
	at = skip_space(t, len, at + 1);
	if (at < len) {
		snprintf(err, errsz, "byte %zu: text after the closing ']'", at);
		goto fail;
	}
	if (n != SL_SECKEY_SZ) {
		snprintf(err, errsz, "%zu numbers; a key pair file has %d", n, SL_SECKEY_SZ);
		goto fail;
	}
	return 0;
fail:
	sodium_memzero(sk, SL_SECKEY_SZ);
	return -1;
}

int sl_identity_parse(const char *text, size_t len, sl_identity_t *id, char *err, size_t errsz)
{
	uint8_t sk[SL_SECKEY_SZ], pk[SL_PUBKEY_SZ], derived[SL_SECKEY_SZ];
	if (!sodium_ready()) {
		snprintf(err, errsz, "libsodium failed to initialise");
		return -1;
	}
	if (parse_array(text, len, sk, err, errsz) != 0)
		return -1;
	/* libsodium signs with the public half as stored, so a wrong one would
	 * make signatures nobody can verify under the key we announce. */
	crypto_sign_seed_keypair(pk, derived, sk);
	int rc = 0;
	if (memcmp(pk, sk + SL_SEED_SZ, SL_PUBKEY_SZ) != 0) {
		snprintf(err, errsz, "the public key (bytes 33..64) does not match the secret seed");
		rc = -1;
	} else {
		memcpy(id->pk, pk, SL_PUBKEY_SZ);
		memcpy(id->sk, sk, SL_SECKEY_SZ);
	}
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(derived, sizeof(derived));
	return rc;
}

size_t sl_identity_format(const sl_identity_t *id, char *out, size_t outsz)
{
	if (outsz < SL_IDENTITY_TEXT_MAX)
		return 0;
	size_t at = 0;
	out[at++] = '[';
	for (size_t i = 0; i < SL_SECKEY_SZ; i++) {
		/* Digits by hand: snprintf may keep copies of the secret in its
		 * own buffers. */
		unsigned v = id->sk[i];
		if (i > 0)
			out[at++] = ',';
		if (v >= 100)
			out[at++] = (char)('0' + v / 100);
		if (v >= 10)
			out[at++] = (char)('0' + v / 10 % 10);
		out[at++] = (char)('0' + v % 10);
	}
	out[at++] = ']';
	out[at++] = '\n';
	out[at] = '\0';
	return at;
}

/* ---- the key file ---- */

int sl_identity_load(const char *path, sl_identity_t *id, char *err, size_t errsz)
{
	/* O_NONBLOCK: a FIFO named as the key file is refused, not waited on. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	/* fstat of the open file: the mode checked is the mode of what is read. */
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* A secret others could read is no longer secret; one others could
	 * write is no longer ours. */
	if (st.st_mode & 077) {
		snprintf(err, errsz, "%s: mode %04o lets group or others read or write the secret key; "
			 "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	char text[SL_IDENTITY_FILE_MAX + 1];
	size_t len = 0;
	int rc = 0;
	while (len < sizeof(text)) {
		ssize_t r = read(fd, text + len, sizeof(text) - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (rc == 0 && len > SL_IDENTITY_FILE_MAX) {
		snprintf(err, errsz, "%s: larger than %d bytes, not a key pair file", path,
			 SL_IDENTITY_FILE_MAX);
		rc = -1;
	}
	if (rc == 0) {
		char why[160];
		rc = sl_identity_parse(text, len, id, why, sizeof(why));
		if (rc != 0)
			snprintf(err, errsz, "%s: %s", path, why);
	}
	sodium_memzero(text, sizeof(text));
	return rc;
}

int sl_identity_save(const char *path, const sl_identity_t *id, bool replace,
		     char *err, size_t errsz)
{
	struct stat st;
	if (!replace && lstat(path, &st) == 0) {
		snprintf(err, errsz, "%s: already exists, not replaced", path);
		errno = EEXIST;
		return -1;
	}
	char text[SL_IDENTITY_TEXT_MAX];
	size_t len = sl_identity_format(id, text, sizeof(text));
	/* The folder's sync matters: a new identity whose public key was
	 * already handed out must not be lost. */
	int rc = sl_file_write_atomic(path, text, len, 0600, replace, err, errsz);
	sodium_memzero(text, sizeof(text));
	return rc;
}

/* ---- signatures and public keys ---- */

void sl_identity_sign(const sl_identity_t *id, const uint8_t *msg, size_t len,
		      uint8_t sig[SL_SIG_SZ])
{
	/* No signature is better than one made by a library half started. */
	if (!sodium_ready())
		abort();
	crypto_sign_detached(sig, NULL, msg, len, id->sk);
}

bool sl_identity_verify(const uint8_t pk[SL_PUBKEY_SZ], const uint8_t *msg, size_t len,
			const uint8_t sig[SL_SIG_SZ])
{
	return sodium_ready() && crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

void sl_pubkey_to_b58(const uint8_t pk[SL_PUBKEY_SZ], char out[SL_PUBKEY_B58_MAX])
{
	sl_base58_encode(pk, SL_PUBKEY_SZ, out, SL_PUBKEY_B58_MAX);
}

int sl_pubkey_from_b58(const char *s, uint8_t pk[SL_PUBKEY_SZ])
{
	/* Decoded aside: a refused string leaves pk as it was. */
	uint8_t buf[SL_PUBKEY_SZ];
	if (sl_base58_decode(s, buf, sizeof(buf)) != SL_PUBKEY_SZ)
		return -1;
	memcpy(pk, buf, SL_PUBKEY_SZ);
	return 0;
}
