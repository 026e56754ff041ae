/* batch: many Ed25519 signatures at once, each verdict equal to the single
 * rule's (single.h) except with probability 2^-128 per equation checked.
 *
 * The signatures that pass the encoding checks are combined with random
 * 128-bit coefficients z_i (ChaCha20 keyed from getrandom, re-keyed every
 * call) into one cofactored equation
 *     [8]( sum [z_i]R_i + [z_i k_i]A_i - [sum z_i S_i]B ) = identity.
 * When it fails, the set is bisected: a half that holds is valid, and when
 * the left half holds the right half is known to hold a bad signature, so
 * its own check is skipped. When the recent invalid rate makes this a loss,
 * the signatures are checked singly instead. Public keys seen in batches
 * are kept decoded in a bounded cache (keycache.h). */
#ifndef SL_ED25519_BATCH_H
#define SL_ED25519_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "sl_verify.h"

#define ED25519_BATCH_MAX SL_VERIFY_BATCH_MAX

typedef struct ed25519_batch ed25519_batch_t;

/* NULL when out of memory or when getrandom fails. */
ed25519_batch_t *ed25519_batch_create(void);
void ed25519_batch_destroy(ed25519_batch_t *b);

/* n in 0..ED25519_BATCH_MAX; ok[i] = 1 iff item i is valid; returns the
 * number of valid items. Never allocates. */
size_t ed25519_batch_verify(ed25519_batch_t *b, const sl_verify_item_t *items, size_t n,
			    uint8_t *ok);

/* How the last call decided, for tests and benchmarks. */
typedef struct ed25519_batch_stats {
	uint64_t equations;  /* multi-scalar equations checked */
	uint64_t singles;    /* signatures checked singly by the adaptive switch */
	uint32_t invalid_rate_q16; /* recent invalid rate, 1.0 = 65536 */
	uint64_t key_hits, key_misses; /* decoded-key cache (keycache.h) */
} ed25519_batch_stats_t;

void ed25519_batch_stats(const ed25519_batch_t *b, ed25519_batch_stats_t *st);

/* Force the strategy (tests): -1 adaptive (default), 0 always batch,
 * 1 always single. */
void ed25519_batch_force(ed25519_batch_t *b, int mode);

#endif
