/* msm: multi-scalar multiplication sum([s_i]P_i) + [b0]B + [b1](2^128 B) by
 * Straus' method: width-5 NAF digits for the variable points (tables of odd
 * multiples, built by the caller once and reused across the sub-batches of
 * a bisection), width-8 NAF for the two fixed points (ge_base_table,
 * ge_base128_table). The doublings are shared, so a point costs only its
 * additions: about 21 for a 128-bit coefficient, 42 for a 253-bit scalar,
 * 7 for its table, near 77 per signature whatever the batch size. Signed-
 * bucket Pippenger needs about 32 windows x (points + 2 x buckets) additions,
 * over 170 per signature at 64 and still over 80 at 256, so Straus is the
 * choice for the relay's 8..256 (estimated, not implemented; measured: the
 * rate per signature of Straus is flat from 32 to 256, verify/batch/N). */
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

/* A fixed-base part: a width-8 NAF against one of the ge_base tables (and
 * the same table in cached form, for the IFMA path). */
typedef struct msm_base {
	const ge_niels_t *table;
	const ge_cached_t *ctable;
	const int8_t *naf;
	int top;
} msm_base_t;

/* out = sum over i < n of [s_i]P_i + sum over j < nb of [b_j]base_j.
 * n + nb <= MSM_MAX_TERMS. From MSM_IFMA_MIN terms on, and when the CPU
 * has AVX-512 IFMA (fe_many_has_ifma), msm_straus_ifma does the work. */
#define MSM_MAX_TERMS (2 * 256 + 2)
#define MSM_IFMA_MIN 16
void msm_straus(ge_p3_t *out, const msm_term_t *terms, size_t n, const msm_base_t *bases,
		size_t nb);

/* Up to eight independent sums at once, one per lane of AVX-512 IFMA
 * registers: out[g] = the sum of groups[g]'s terms, g < ng <= 8, each group
 * at most MSM_LANE_MAX terms. Only when fe_many_has_ifma(). */
#define MSM_LANE_MAX ((MSM_MAX_TERMS + 7) / 8)
typedef struct msm_group {
	const msm_term_t *terms;
	size_t n;
	const msm_base_t *bases;
	size_t nb;
} msm_group_t;
void msm_straus_groups_ifma(ge_p3_t out[8], const msm_group_t *groups, size_t ng);

/* The same sum by eight Straus accumulators in the lanes of AVX-512 IFMA
 * registers, each over every eighth term, added together at the end. Per
 * bit position, a lane with fewer nonzero digits than the busiest adds the
 * identity. Only when fe_many_has_ifma(). */
void msm_straus_ifma(ge_p3_t *out, const msm_term_t *terms, size_t n, const msm_base_t *bases,
		     size_t nb);

#endif
