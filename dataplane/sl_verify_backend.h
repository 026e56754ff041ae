/* sl_verify_backend: what a signature backend provides to sl_verify.
 *
 * Adding a backend takes one enum value in sl_verify.h, one file that defines
 * its `const struct sl_verify_ops`, one line in sl_verify.c's table and one
 * line in meson.build. Every backend implements the signature rule exactly
 * (ARCHITECTURE.md, "Signature rule"); sl_verify's tests run each one over
 * the same vectors. */
#ifndef SL_VERIFY_BACKEND_H
#define SL_VERIFY_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "sl_verify.h"

struct sl_verify_ops {
	/* Per-verifier state (scratch, RNG), allocated once by sl_verifier_create.
	 * NULL create means the backend keeps no state and gets state == NULL. */
	void *(*create)(void);
	void (*destroy)(void *state);
	/* n in 1..SL_VERIFY_BATCH_MAX; writes ok[0..n), returns how many are 1.
	 * Must not allocate. */
	size_t (*batch)(void *state, const sl_verify_item_t *items, size_t n, uint8_t *ok);
	/* 1 iff the item is valid under the rule; no state, no allocation. */
	int (*one)(const sl_verify_item_t *item);
	/* Signatures that batch() checked one at a time instead of in a batch
	 * equation, since create (NULL: the backend has no batch equation). */
	uint64_t (*singles)(const void *state);
};

extern const struct sl_verify_ops sl_verify_sodium_ops;
extern const struct sl_verify_ops sl_verify_sluice_ops;

/* The encoding clauses of the rule, written once for every backend. */

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t sl_ed25519_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/* Clause 1: S < L (little-endian compare from the top byte). */
static inline int sl_ed25519_scalar_is_canonical(const uint8_t s[32])
{
	for (int i = 31; i >= 0; i--) {
		if (s[i] != sl_ed25519_l[i])
			return s[i] < sl_ed25519_l[i];
	}
	return 0;
}

/* Clause 2, y part: y < p = 2^255 - 19, ignoring the sign bit. The "x = 0
 * with the sign bit set" part only concerns (0, 1) and (0, -1), which are of
 * small order, so clause 3 rejects them whatever their sign bit. */
static inline int sl_ed25519_y_is_canonical(const uint8_t e[32])
{
	if ((e[31] & 0x7f) != 0x7f)
		return 1;
	for (int i = 30; i >= 1; i--) {
		if (e[i] != 0xff)
			return 1;
	}
	return e[0] < 0xed;
}

#endif
