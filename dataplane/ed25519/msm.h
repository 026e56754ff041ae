/* msm: multi-scalar multiplication sum([s_i]P_i) + [b0]B + [b1](2^128 B) by
 * Straus' method: width-5 NAF digits for the variable points (tables of odd
 * multiples, built by the caller once and reused across the sub-batches of
 * a bisection), width-8 NAF for the two fixed points (ge_base_table,
 * ge_base128_table). The doublings are shared, so a point costs only its
 * additions; for the relay's 8..256 signatures this beat Pippenger's
 * buckets in our estimate and measurement (see batch.c). */
#ifndef SL_ED25519_MSM_H
#define SL_ED25519_MSM_H

#include <stddef.h>
#include <stdint.h>

#include "ge.h"

typedef struct msm_term {
	const ge_cached_t *table; /* GE_VAR_TABLE_SZ odd multiples of P */
	const int8_t *naf;        /* width-5 NAF of s (ge_wnaf) */
	int top;                  /* ge_wnaf's return */
} msm_term_t;

/* A fixed-base part: a width-8 NAF against one of the ge_base tables. */
typedef struct msm_base {
	const ge_niels_t *table;
	const int8_t *naf;
	int top;
} msm_base_t;

/* out = sum over i < n of [s_i]P_i + sum over j < nb of [b_j]base_j */
void msm_straus(ge_p3_t *out, const msm_term_t *terms, size_t n, const msm_base_t *bases,
		size_t nb);

#endif
