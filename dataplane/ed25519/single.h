/* single: one Ed25519 signature under the relay's rule (ARCHITECTURE.md,
 * "Signature rule"): S < L; A and R canonical; neither of small order;
 * [8]([S]B - R - [k]A) = identity with k = SHA-512(R || A || M) mod L.
 *
 * The checks are split in two so that the batch path shares the first:
 * ed25519_prepare() does everything but the group equation. */
#ifndef SL_ED25519_SINGLE_H
#define SL_ED25519_SINGLE_H

#include <stddef.h>
#include <stdint.h>

#include "ge.h"
#include "msm.h"

typedef struct ed25519_prep {
	ge_p3_t A;      /* decoded public key */
	ge_p3_t R;      /* decoded commitment */
	uint8_t k[32];  /* SHA-512(R || A || M) mod L */
	uint8_t S[32];
} ed25519_prep_t;

/* 0 when the signature passes every check before the equation (and p is
 * filled), -1 when it is invalid already. A may be passed pre-decoded
 * (A_dec != NULL, from a key cache); it must be the decoding of pk that
 * passed the encoding and small-order checks. */
int ed25519_prepare(ed25519_prep_t *p, const uint8_t sig[64], const uint8_t pk[32],
		    const ge_p3_t *A_dec, const uint8_t *msg, size_t msg_sz);

/* ed25519_prepare in two halves around the square roots of R's and A's
 * decoding, so that a batch computes them together (fe_pow22523_many):
 * start(q) == 0; w[0] = q.dr.w^((p-5)/8), w[1] = q.da.w^((p-5)/8) (the
 * latter only when A_dec is NULL); then finish(p, q, w, ...) == 0 iff
 * ed25519_prepare(p, ...) == 0. */
typedef struct ed25519_pending {
	ge_decode_t dr, da;
} ed25519_pending_t;
int ed25519_prepare_start(ed25519_pending_t *q, const uint8_t sig[64], const uint8_t pk[32],
			  const ge_p3_t *A_dec);
int ed25519_prepare_finish(ed25519_prep_t *p, const ed25519_pending_t *q, const fe_t w[2],
			   const uint8_t sig[64], const uint8_t pk[32], const ge_p3_t *A_dec,
			   const uint8_t *msg, size_t msg_sz);

/* 1 iff [8]([S]B - R - [k]A) is the identity, for a prepared signature. */
int ed25519_check_equation(const ed25519_prep_t *p);

/* The same equation as four multi-scalar terms with half-size scalars
 * (tables and digits held here): 1 iff [8] of their sum is the identity.
 * The batch path runs eight of these in the lanes of msm_straus_groups. */
typedef struct ed25519_eq {
	ge_cached_t ta[GE_VAR_TABLE_SZ], tr[GE_VAR_TABLE_SZ];
	int8_t naf[4][256];
	msm_term_t terms[2];
	msm_base_t bases[2];
} ed25519_eq_t;
void ed25519_equation_terms(ed25519_eq_t *eq, const ed25519_prep_t *p);

/* 1 iff [8]sum is the identity. */
int ed25519_sum_holds(const ge_p3_t *sum);

/* Decode a public key under the rule: canonical and not of small order.
 * 0 and the point, or -1. */
int ed25519_decode_key(ge_p3_t *A, const uint8_t pk[32]);

/* 1 iff the signature is valid under the rule. */
int ed25519_verify(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *msg,
		   size_t msg_sz);

#endif
