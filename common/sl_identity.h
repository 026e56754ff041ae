/* sl_identity: a relay's Ed25519 identity key pair, its key file and the
 * base58 text of its public key. Linked by sluiced and sluicectl (no DPDK).
 *
 * Contract: the key file is Solana CLI's keypair file (solana-keygen), a
 * JSON array of the 64 secret-key bytes (32-byte seed, then the 32-byte
 * public key) as decimal numbers, so an operator can use a key made by the
 * Solana tools and the other way round. Load refuses a file that group or
 * others may read or write, anything but that exact array, and a public half
 * that is not the seed's. Every refusal is -1 and one line in `err` naming the
 * file and the problem. Secrets are wiped from the stack before returning;
 * the caller wipes its sl_identity_t with sl_identity_wipe(). Crypto is
 * libsodium's. */
#ifndef SL_IDENTITY_H
#define SL_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_base58.h"

#define SL_PUBKEY_SZ 32
#define SL_SEED_SZ 32
#define SL_SECKEY_SZ 64
#define SL_SIG_SZ 64
#define SL_PUBKEY_B58_MAX SL_BASE58_KEY_STRLEN /* 44 chars + NUL */
/* Larger files are refused unread: a key file is at most ~260 bytes, and the
 * bound keeps the read on the stack. */
#define SL_IDENTITY_FILE_MAX 4096
/* The canonical text, "[" 64 numbers "]\n" with NUL: 1 + 64*3 + 63 + 2 + 1. */
#define SL_IDENTITY_TEXT_MAX 259

typedef struct sl_identity {
	uint8_t pk[SL_PUBKEY_SZ];
	uint8_t sk[SL_SECKEY_SZ]; /* libsodium's seed||pk, also the key file's bytes */
} sl_identity_t;

int sl_identity_generate(sl_identity_t *id); /* 0 ok, -1 libsodium failed */
void sl_identity_wipe(sl_identity_t *id);

/* The write is atomic and durable (temporary file in the same folder, mode
 * 0600, fsync, rename, fsync of the folder), so a crash leaves the old file
 * or the new one, never a half key. Without `replace` an existing `path` is
 * refused (errno EEXIST), also when it appears during the write. */
int sl_identity_save(const char *path, const sl_identity_t *id, bool replace,
		     char *err, size_t errsz);
int sl_identity_load(const char *path, sl_identity_t *id, char *err, size_t errsz);

/* The key file's text; load's parser, exposed for the fuzz target. `text`
 * needs no NUL. Format returns the length written (the text ends in a
 * newline), or 0 when `outsz` < SL_IDENTITY_TEXT_MAX; the caller wipes `out`. */
int sl_identity_parse(const char *text, size_t len, sl_identity_t *id, char *err, size_t errsz);
size_t sl_identity_format(const sl_identity_t *id, char *out, size_t outsz);

void sl_identity_sign(const sl_identity_t *id, const uint8_t *msg, size_t len,
		      uint8_t sig[SL_SIG_SZ]);
bool sl_identity_verify(const uint8_t pk[SL_PUBKEY_SZ], const uint8_t *msg, size_t len,
			const uint8_t sig[SL_SIG_SZ]);

/* Solana's text form of a public key. */
void sl_pubkey_to_b58(const uint8_t pk[SL_PUBKEY_SZ], char out[SL_PUBKEY_B58_MAX]);
int sl_pubkey_from_b58(const char *s, uint8_t pk[SL_PUBKEY_SZ]); /* 0 ok, -1 not a 32-byte key */

#endif
