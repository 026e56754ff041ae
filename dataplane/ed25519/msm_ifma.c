/* msm_ifma: Straus with eight accumulators, one per lane (see msm.h). The
 * point formulas are ge.h's on fe8 (fe8.h); a lane's table entry is
 * gathered by address, a negative digit swaps Y+X and Y-X (by address)
 * and the sign of 2dT (by a blend). */
#include <stddef.h>
#include <stdint.h>

#include "fe8.h"
#include "msm.h"

typedef struct ge8_p3 { fe8_t X, Y, Z, T; } ge8_p3_t;
typedef struct ge8_p2 { fe8_t X, Y, Z; } ge8_p2_t;

/* Y+X = 1, Y-X = 1, 2Z = 2, 2dT = 0 */
static const ge_cached_t msm_identity_cached = {
	.YplusX = {{ 1, 0, 0, 0, 0 }},
	.YminusX = {{ 1, 0, 0, 0, 0 }},
	.Z2 = {{ 2, 0, 0, 0, 0 }},
	.T2d = {{ 0, 0, 0, 0, 0 }},
};

IFMA_INLINE void ge8_p1p1_to_p3(ge8_p3_t *r, const ge8_p3_t *p)
{
	fe8_mul(&r->X, &p->X, &p->T);
	fe8_mul(&r->Y, &p->Y, &p->Z);
	fe8_mul(&r->Z, &p->Z, &p->T);
	fe8_mul(&r->T, &p->X, &p->Y);
}

IFMA_INLINE void ge8_p1p1_to_p2(ge8_p2_t *r, const ge8_p3_t *p)
{
	fe8_mul(&r->X, &p->X, &p->T);
	fe8_mul(&r->Y, &p->Y, &p->Z);
	fe8_mul(&r->Z, &p->Z, &p->T);
}

/* completed result in r (X, Y, Z, T as ge_p1p1_t) */
IFMA_INLINE void ge8_p2_dbl(ge8_p3_t *r, const ge8_p2_t *p)
{
	fe8_t t0, a;
	fe8_sq(&r->X, &p->X);
	fe8_sq(&r->Z, &p->Y);
	fe8_sq(&r->T, &p->Z);
	fe8_add(&r->T, &r->T, &r->T);
	fe8_add(&a, &p->X, &p->Y);
	fe8_sq(&t0, &a);
	fe8_add(&r->Y, &r->Z, &r->X);
	fe8_sub(&r->Z, &r->Z, &r->X);
	fe8_sub(&r->X, &t0, &r->Y);
	fe8_sub(&r->T, &r->T, &r->Z);
}

/* Gather limb k of the field element at byte offset off of each lane's
 * entry (addresses in addr). */
IFMA_INLINE void fe8_gather(fe8_t *h, __m512i addr, int off)
{
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 5; k++)
		h->v[k] = _mm512_i64gather_epi64(
			_mm512_add_epi64(addr, _mm512_set1_epi64(off + 8 * k)), (const void *)0, 1);
}

/* r = p + q_lane or p - q_lane (lanes in neg), q at the addresses addr. */
IFMA_INLINE void ge8_add_gathered(ge8_p3_t *r, const ge8_p3_t *p, __m512i addr, __mmask8 neg)
{
	const int o_p = (int)offsetof(ge_cached_t, YplusX), o_m = (int)offsetof(ge_cached_t, YminusX);
	fe8_t qp, qm, qz, qt, a, b, c, d, zp, zm;
	/* a negative digit reads Y-X where Y+X goes and the other way round */
	__m512i swap = _mm512_maskz_mov_epi64(neg, _mm512_set1_epi64(o_m - o_p));
	fe8_gather(&qp, _mm512_add_epi64(addr, swap), o_p);
	fe8_gather(&qm, _mm512_sub_epi64(addr, swap), o_m);
	fe8_gather(&qz, addr, (int)offsetof(ge_cached_t, Z2));
	fe8_gather(&qt, addr, (int)offsetof(ge_cached_t, T2d));
	fe8_add(&a, &p->Y, &p->X);
	fe8_sub(&b, &p->Y, &p->X);
	fe8_mul(&a, &a, &qp);
	fe8_mul(&b, &b, &qm);
	fe8_mul(&c, &qt, &p->T);
	fe8_mul(&d, &p->Z, &qz);
	fe8_sub(&r->X, &a, &b);
	fe8_add(&r->Y, &a, &b);
	fe8_add(&zp, &d, &c);
	fe8_sub(&zm, &d, &c);
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 5; k++) {
		r->Z.v[k] = _mm512_mask_blend_epi64(neg, zp.v[k], zm.v[k]);
		r->T.v[k] = _mm512_mask_blend_epi64(neg, zm.v[k], zp.v[k]);
	}
}

typedef struct msm_lane_term {
	const int8_t *naf;
	const ge_cached_t *tab;
} msm_lane_term_t;

/* One Straus run per lane over lt[lane][0..lcnt[lane]); out[lane] its sum. */
IFMA_TARGET static void msm_lanes(ge_p3_t out[8], const msm_lane_term_t lt[8][MSM_LANE_MAX],
				  const int lcnt[8], int top)
{
	ge8_p3_t acc, t;
	ge8_p2_t p2;
	const __m512i one = _mm512_set1_epi64(1);
	for (int k = 0; k < 5; k++) {
		__m512i limb = k == 0 ? one : _mm512_setzero_si512();
		p2.X.v[k] = _mm512_setzero_si512();
		p2.Y.v[k] = limb;
		p2.Z.v[k] = limb;
	}
	if (top == 0) {
		for (int lane = 0; lane < 8; lane++)
			ge_p3_0(&out[lane]);
		return;
	}
	ge8_p2_dbl(&t, &p2);
	for (int pos = top - 1; pos >= 0; pos--) {
		if (pos != top - 1) {
			ge8_p1p1_to_p2(&p2, &t);
			ge8_p2_dbl(&t, &p2);
		}
		/* this position's entries, lane by lane */
		uint64_t addr[MSM_LANE_MAX][8] __attribute__((aligned(64)));
		uint8_t negs[MSM_LANE_MAX] = { 0 };
		int rounds = 0;
		for (int lane = 0; lane < 8; lane++) {
			int c = 0;
			for (int i = 0; i < lcnt[lane]; i++) {
				int8_t d = lt[lane][i].naf[pos];
				if (d == 0)
					continue;
				if (c >= rounds) {
					for (int l = 0; l < 8; l++)
						addr[c][l] = (uint64_t)(uintptr_t)&msm_identity_cached;
					negs[c] = 0;
					rounds = c + 1;
				}
				addr[c][lane] = (uint64_t)(uintptr_t)&lt[lane][i].tab[(d > 0 ? d : -d) / 2];
				if (d < 0)
					negs[c] |= (uint8_t)(1u << lane);
				c++;
			}
		}
		for (int r = 0; r < rounds; r++) {
			ge8_p1p1_to_p3(&acc, &t);
			ge8_add_gathered(&t, &acc, _mm512_load_si512(addr[r]), negs[r]);
		}
	}
	ge8_p1p1_to_p3(&acc, &t);

	uint64_t lanes[4][5][8] __attribute__((aligned(64)));
	const fe8_t *coord[4] = { &acc.X, &acc.Y, &acc.Z, &acc.T };
	for (int c = 0; c < 4; c++)
		for (int k = 0; k < 5; k++)
			_mm512_store_si512(lanes[c][k], coord[c]->v[k]);
	for (int lane = 0; lane < 8; lane++) {
		fe_t *pc[4] = { &out[lane].X, &out[lane].Y, &out[lane].Z, &out[lane].T };
		for (int c = 0; c < 4; c++)
			for (int k = 0; k < 5; k++)
				pc[c]->v[k] = lanes[c][k][lane];
	}
}

static void msm_lane_add(msm_lane_term_t lt[8][MSM_LANE_MAX], int lcnt[8], int *top, int lane,
			 const int8_t *naf, const ge_cached_t *tab, int t)
{
	lt[lane][lcnt[lane]++] = (msm_lane_term_t){ naf, tab };
	if (t > *top)
		*top = t;
}

void msm_straus_ifma(ge_p3_t *out, const msm_term_t *terms, size_t n, const msm_base_t *bases,
		     size_t nb)
{
	msm_lane_term_t lt[8][MSM_LANE_MAX];
	int lcnt[8] = { 0 }, top = 0;
	for (size_t i = 0; i < n; i++)
		msm_lane_add(lt, lcnt, &top, (int)(i % 8), terms[i].naf, terms[i].table, terms[i].top);
	for (size_t j = 0; j < nb; j++)
		msm_lane_add(lt, lcnt, &top, (int)((n + j) % 8), bases[j].naf, bases[j].ctable,
			     bases[j].top);
	ge_p3_t part[8];
	msm_lanes(part, lt, lcnt, top);
	/* the eight lanes' sums, added as scalar points */
	ge_p3_t sum = part[0];
	for (int lane = 1; lane < 8; lane++) {
		ge_cached_t c;
		ge_p1p1_t r;
		ge_p3_to_cached(&c, &part[lane]);
		ge_add_cached(&r, &sum, &c, 0);
		ge_p1p1_to_p3(&sum, &r);
	}
	*out = sum;
}

void msm_straus_groups_ifma(ge_p3_t out[8], const msm_group_t *groups, size_t ng)
{
	msm_lane_term_t lt[8][MSM_LANE_MAX];
	int lcnt[8] = { 0 }, top = 0;
	for (size_t g = 0; g < ng; g++) {
		const msm_group_t *gr = &groups[g];
		for (size_t i = 0; i < gr->n; i++)
			msm_lane_add(lt, lcnt, &top, (int)g, gr->terms[i].naf, gr->terms[i].table,
				     gr->terms[i].top);
		for (size_t j = 0; j < gr->nb; j++)
			msm_lane_add(lt, lcnt, &top, (int)g, gr->bases[j].naf, gr->bases[j].ctable,
				     gr->bases[j].top);
	}
	msm_lanes(out, lt, lcnt, top);
}
