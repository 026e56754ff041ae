/* msm: multi-scalar multiplication sum([s_i]P_i) + [b]B by Straus' method
 * with width-5 NAF digits for the variable points (tables of odd multiples,
 * built by the caller once and reused across the sub-batches of a
 * bisection) and width-8 NAF for the base point (ge_base_table). All the
 * doublings are shared, so the cost per point is only its additions.
 *
 * Measured against Bos-Coster and Pippenger for the relay's 8..256: see
 * the report in batch.c. */
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

/* out = sum over i < n of [s_i]P_i, plus [b]B where bnaf is b's width-8 NAF. */
void msm_straus(ge_p3_t *out, const msm_term_t *terms, size_t n, const int8_t bnaf[256],
		int btop);

#endif
