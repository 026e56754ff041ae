/* ge: the edwards25519 group, -x^2 + y^2 = 1 + d x^2 y^2, in the
 * representations of ref10 / "Twisted Edwards curves revisited":
 *   ge_p2     (X:Y:Z)            projective, input of doubling
 *   ge_p3     (X:Y:Z:T), XY = ZT extended, input of addition
 *   ge_p1p1   ((X:Z),(Y:T))      completed, output of add and double
 *   ge_cached (Y+X, Y-X, 2Z, 2dT) a point ready to be added (8M per add)
 *   ge_niels  (y+x, y-x, 2dxy)   an affine point ready to be added (7M)
 * Variable time: verification handles public data only. */
#ifndef SL_ED25519_GE_H
#define SL_ED25519_GE_H

#include <stdint.h>

#include "fe.h"

typedef struct ge_p2 { fe_t X, Y, Z; } ge_p2_t;
typedef struct ge_p3 { fe_t X, Y, Z, T; } ge_p3_t;
typedef struct ge_p1p1 { fe_t X, Y, Z, T; } ge_p1p1_t;
typedef struct ge_cached { fe_t YplusX, YminusX, Z2, T2d; } ge_cached_t;
typedef struct ge_niels { fe_t yplusx, yminusx, xy2d; } ge_niels_t;

/* Odd multiples B, 3B, ..., 127B of the base point, and the same for
 * 2^128 B, for width-8 NAF (built at load time). */
#define GE_BASE_TABLE_SZ 64
extern ge_niels_t ge_base_table[GE_BASE_TABLE_SZ];
extern ge_niels_t ge_base128_table[GE_BASE_TABLE_SZ];
/* The same two tables as ge_cached_t (Z = 1), for the IFMA path. */
extern ge_cached_t ge_base_ctable[GE_BASE_TABLE_SZ];
extern ge_cached_t ge_base128_ctable[GE_BASE_TABLE_SZ];
extern const ge_p3_t ge_base;

/* Odd multiples P, 3P, ..., 15P of a variable point, for width-5 NAF. */
#define GE_VAR_TABLE_SZ 8

static inline void ge_p3_0(ge_p3_t *h)
{
	fe_0(&h->X); fe_1(&h->Y); fe_1(&h->Z); fe_0(&h->T);
}

static inline void ge_p2_0(ge_p2_t *h)
{
	fe_0(&h->X); fe_1(&h->Y); fe_1(&h->Z);
}

static inline void ge_p1p1_to_p2(ge_p2_t *r, const ge_p1p1_t *p)
{
	fe_mul(&r->X, &p->X, &p->T);
	fe_mul(&r->Y, &p->Y, &p->Z);
	fe_mul(&r->Z, &p->Z, &p->T);
}

static inline void ge_p1p1_to_p3(ge_p3_t *r, const ge_p1p1_t *p)
{
	fe_mul(&r->X, &p->X, &p->T);
	fe_mul(&r->Y, &p->Y, &p->Z);
	fe_mul(&r->Z, &p->Z, &p->T);
	fe_mul(&r->T, &p->X, &p->Y);
}

static inline void ge_p3_to_p2(ge_p2_t *r, const ge_p3_t *p)
{
	r->X = p->X; r->Y = p->Y; r->Z = p->Z;
}

static inline void ge_p3_to_cached(ge_cached_t *r, const ge_p3_t *p)
{
	fe_add(&r->YplusX, &p->Y, &p->X);
	fe_sub(&r->YminusX, &p->Y, &p->X);
	fe_add(&r->Z2, &p->Z, &p->Z);
	fe_mul(&r->T2d, &p->T, &fe_d2);
}

static inline void ge_p2_dbl(ge_p1p1_t *r, const ge_p2_t *p)
{
	fe_t t0;
	fe_sq(&r->X, &p->X);
	fe_sq(&r->Z, &p->Y);
	fe_sq(&r->T, &p->Z);
	fe_add(&r->T, &r->T, &r->T);
	fe_add(&r->Y, &p->X, &p->Y);
	fe_sq(&t0, &r->Y);
	fe_add(&r->Y, &r->Z, &r->X);
	fe_sub(&r->Z, &r->Z, &r->X);
	fe_sub(&r->X, &t0, &r->Y);
	fe_sub(&r->T, &r->T, &r->Z);
}

static inline void ge_p3_dbl(ge_p1p1_t *r, const ge_p3_t *p)
{
	ge_p2_t q;
	ge_p3_to_p2(&q, p);
	ge_p2_dbl(r, &q);
}

/* The common end of the mixed additions: from a = (Y+X)*q1, b = (Y-X)*q2,
 * c = T*q's 2dT term and dd = the Z product, the p1p1 sum (or difference). */
static inline void ge_add_finish(ge_p1p1_t *r, const fe_t *a, const fe_t *b, const fe_t *c,
				 const fe_t *dd, int neg)
{
	fe_sub(&r->X, a, b);
	fe_add(&r->Y, a, b);
	if (neg) {
		fe_sub(&r->Z, dd, c);
		fe_add(&r->T, dd, c);
	} else {
		fe_add(&r->Z, dd, c);
		fe_sub(&r->T, dd, c);
	}
}

/* r = p + q (neg = 0) or p - q (neg = 1). */
static inline void ge_add_cached(ge_p1p1_t *r, const ge_p3_t *p, const ge_cached_t *q, int neg)
{
	fe_t a, b, c, dd;
	fe_add(&a, &p->Y, &p->X);
	fe_sub(&b, &p->Y, &p->X);
	fe_mul(&a, &a, neg ? &q->YminusX : &q->YplusX);
	fe_mul(&b, &b, neg ? &q->YplusX : &q->YminusX);
	fe_mul(&c, &q->T2d, &p->T);
	fe_mul(&dd, &p->Z, &q->Z2);
	ge_add_finish(r, &a, &b, &c, &dd, neg);
}

static inline void ge_add_niels(ge_p1p1_t *r, const ge_p3_t *p, const ge_niels_t *q, int neg)
{
	fe_t a, b, c, dd;
	fe_add(&a, &p->Y, &p->X);
	fe_sub(&b, &p->Y, &p->X);
	fe_mul(&a, &a, neg ? &q->yminusx : &q->yplusx);
	fe_mul(&b, &b, neg ? &q->yplusx : &q->yminusx);
	fe_mul(&c, &q->xy2d, &p->T);
	fe_add(&dd, &p->Z, &p->Z);
	ge_add_finish(r, &a, &b, &c, &dd, neg);
}

/* Decode a point under the signature rule's encoding checks: y < p, and not
 * x = 0 with the sign bit set. Returns 0 and the point, or -1. */
int ge_frombytes(ge_p3_t *h, const uint8_t s[32]);

/* ge_frombytes in two halves around its square-root exponentiation, so
 * that many decodings share fe_pow22523_many:
 *   ge_decode_start(&d, s) == 0, then w = d.w^((p-5)/8),
 *   then ge_decode_finish(h, &d, &w, s) == 0  <=>  ge_frombytes(h, s) == 0 */
typedef struct ge_decode {
	fe_t y, u, v, v3, w; /* u = y^2 - 1, v = d y^2 + 1, v3 = v^3, w = u v^7 */
} ge_decode_t;
int ge_decode_start(ge_decode_t *d, const uint8_t s[32]);
int ge_decode_finish(ge_p3_t *h, const ge_decode_t *d, const fe_t *w_pow, const uint8_t s[32]);
void ge_tobytes(uint8_t s[32], const ge_p3_t *h);
void ge_p2_tobytes(uint8_t s[32], const ge_p2_t *h);

/* 1 iff h is the neutral element. */
int ge_is_identity(const ge_p3_t *h);
/* 1 iff [8]h is the neutral element (h is one of the eight torsion points). */
int ge_has_small_order(const ge_p3_t *h);
/* r = [8]h */
void ge_mul8(ge_p3_t *r, const ge_p3_t *h);

/* table[i] = (2i+1) p, i < GE_VAR_TABLE_SZ */
void ge_var_table(ge_cached_t table[GE_VAR_TABLE_SZ], const ge_p3_t *p);

static inline void ge_p3_neg(ge_p3_t *r, const ge_p3_t *p)
{
	fe_neg(&r->X, &p->X);
	r->Y = p->Y;
	r->Z = p->Z;
	fe_neg(&r->T, &p->T);
}

/* Width-w NAF of a 256-bit scalar (< 2^255): naf[i] odd in (-2^(w-1), 2^(w-1))
 * or 0, at least w-1 zeros after each nonzero digit. Returns 1 + the index of
 * the highest nonzero digit (0 for the zero scalar). */
int ge_wnaf(int8_t naf[256], const uint8_t s[32], int w);

#endif
