/* ge: point decoding and encoding, small-order test, tables, the
 * double-scalar multiplication of single verification. */
#include "ge.h"

#include <string.h>

const ge_p3_t ge_base = {
	.X = {{0x62d608f25d51aULL, 0x412a4b4f6592aULL, 0x75b7171a4b31dULL, 0x1ff60527118feULL,
	       0x216936d3cd6e5ULL}},
	.Y = {{0x6666666666658ULL, 0x4ccccccccccccULL, 0x1999999999999ULL, 0x3333333333333ULL,
	       0x6666666666666ULL}},
	.Z = {{1, 0, 0, 0, 0}},
	.T = {{0x68ab3a5b7dda3ULL, 0x00eea2a5eadbbULL, 0x2af8df483c27eULL, 0x332b375274732ULL,
	       0x67875f0fd78b7ULL}},
};

ge_niels_t ge_base_table[GE_BASE_TABLE_SZ];

int ge_decode_start(ge_decode_t *d, const uint8_t s[32])
{
	uint8_t canon[32];
	fe_t one;
	fe_frombytes(&d->y, s);
	fe_tobytes(canon, &d->y);
	if (memcmp(canon, s, 31) != 0 || canon[31] != (s[31] & 0x7f))
		return -1; /* y >= p */
	fe_1(&one);
	fe_sq(&d->u, &d->y);
	fe_mul(&d->v, &d->u, &fe_d);
	fe_sub(&d->u, &d->u, &one); /* u = y^2 - 1 */
	fe_add(&d->v, &d->v, &one); /* v = d y^2 + 1 */
	fe_sq(&d->v3, &d->v);
	fe_mul(&d->v3, &d->v3, &d->v);
	fe_sq(&d->w, &d->v3);
	fe_mul(&d->w, &d->w, &d->v);
	fe_mul(&d->w, &d->w, &d->u); /* u v^7 */
	return 0;
}

int ge_decode_finish(ge_p3_t *h, const ge_decode_t *d, const fe_t *w_pow, const uint8_t s[32])
{
	fe_t vxx, check;
	/* x = u v^3 (u v^7)^((p-5)/8) */
	fe_mul(&h->X, w_pow, &d->v3);
	fe_mul(&h->X, &h->X, &d->u);
	fe_sq(&vxx, &h->X);
	fe_mul(&vxx, &vxx, &d->v);
	fe_sub(&check, &vxx, &d->u);
	if (!fe_iszero(&check)) {
		fe_add(&check, &vxx, &d->u);
		if (!fe_iszero(&check))
			return -1; /* not on the curve */
		fe_mul(&h->X, &h->X, &fe_sqrtm1);
	}
	int sign = s[31] >> 7;
	if (fe_iszero(&h->X) && sign)
		return -1; /* x = 0 with the sign bit set */
	if (fe_isnegative(&h->X) != sign)
		fe_neg(&h->X, &h->X);
	h->Y = d->y;
	fe_1(&h->Z);
	fe_mul(&h->T, &h->X, &h->Y);
	return 0;
}

int ge_frombytes(ge_p3_t *h, const uint8_t s[32])
{
	ge_decode_t d;
	fe_t w;
	if (ge_decode_start(&d, s) != 0)
		return -1;
	fe_pow22523(&w, &d.w);
	return ge_decode_finish(h, &d, &w, s);
}

void ge_p2_tobytes(uint8_t s[32], const ge_p2_t *h)
{
	fe_t recip, x, y;
	fe_invert(&recip, &h->Z);
	fe_mul(&x, &h->X, &recip);
	fe_mul(&y, &h->Y, &recip);
	fe_tobytes(s, &y);
	s[31] ^= (uint8_t)(fe_isnegative(&x) << 7);
}

void ge_tobytes(uint8_t s[32], const ge_p3_t *h)
{
	ge_p2_t p;
	ge_p3_to_p2(&p, h);
	ge_p2_tobytes(s, &p);
}

int ge_is_identity(const ge_p3_t *h)
{
	return fe_iszero(&h->X) && fe_equal(&h->Y, &h->Z);
}

void ge_mul8(ge_p3_t *r, const ge_p3_t *h)
{
	ge_p1p1_t t;
	ge_p2_t q;
	ge_p3_dbl(&t, h);
	ge_p1p1_to_p2(&q, &t);
	ge_p2_dbl(&t, &q);
	ge_p1p1_to_p2(&q, &t);
	ge_p2_dbl(&t, &q);
	ge_p1p1_to_p3(r, &t);
}

int ge_has_small_order(const ge_p3_t *h)
{
	ge_p3_t e;
	ge_mul8(&e, h);
	/* X = 0 is enough: after [8] only the neutral element has x = 0 */
	return fe_iszero(&e.X);
}

void ge_var_table(ge_cached_t table[GE_VAR_TABLE_SZ], const ge_p3_t *p)
{
	ge_p1p1_t t;
	ge_p3_t p2, u;
	ge_p3_dbl(&t, p);
	ge_p1p1_to_p3(&p2, &t);
	ge_p3_to_cached(&table[0], p);
	u = *p;
	for (int i = 1; i < GE_VAR_TABLE_SZ; i++) {
		ge_cached_t c2;
		ge_p3_to_cached(&c2, &p2);
		ge_add_cached(&t, &u, &c2, 0);
		ge_p1p1_to_p3(&u, &t);
		ge_p3_to_cached(&table[i], &u);
	}
}

int ge_wnaf(int8_t naf[256], const uint8_t s[32], int w)
{
	uint64_t x[5];
	memcpy(x, s, 32);
	x[4] = 0;
	memset(naf, 0, 256);
	const uint64_t width = UINT64_C(1) << w, mask = width - 1;
	uint64_t carry = 0;
	int pos = 0, top = 0;
	while (pos < 256) {
		int idx = pos / 64, bit = pos % 64;
		uint64_t buf = bit < 64 - w ? x[idx] >> bit
					    : (x[idx] >> bit) | (x[idx + 1] << (64 - bit));
		uint64_t window = carry + (buf & mask);
		if ((window & 1) == 0) {
			/* carry + even window: shifting by one keeps the NAF exact */
			pos++;
			continue;
		}
		if (window < width / 2) {
			carry = 0;
			naf[pos] = (int8_t)window;
		} else {
			carry = 1;
			naf[pos] = (int8_t)((int64_t)window - (int64_t)width);
		}
		top = pos + 1;
		pos += w;
	}
	return top;
}

ge_niels_t ge_base128_table[GE_BASE_TABLE_SZ];
ge_cached_t ge_base_ctable[GE_BASE_TABLE_SZ];
ge_cached_t ge_base128_ctable[GE_BASE_TABLE_SZ];

static void ge_niels_to_cached(ge_cached_t ct[GE_BASE_TABLE_SZ], const ge_niels_t t[GE_BASE_TABLE_SZ])
{
	for (int i = 0; i < GE_BASE_TABLE_SZ; i++) {
		ct[i].YplusX = t[i].yplusx;
		ct[i].YminusX = t[i].yminusx;
		fe_0(&ct[i].Z2);
		ct[i].Z2.v[0] = 2;
		ct[i].T2d = t[i].xy2d;
	}
}

static void ge_niels_table(ge_niels_t table[GE_BASE_TABLE_SZ], const ge_p3_t *p)
{
	ge_p1p1_t t;
	ge_p3_t p2, u = *p;
	ge_cached_t c2;
	ge_p3_dbl(&t, p);
	ge_p1p1_to_p3(&p2, &t);
	ge_p3_to_cached(&c2, &p2);
	for (int i = 0; i < GE_BASE_TABLE_SZ; i++) {
		fe_t recip, x, y;
		fe_invert(&recip, &u.Z);
		fe_mul(&x, &u.X, &recip);
		fe_mul(&y, &u.Y, &recip);
		fe_add(&table[i].yplusx, &y, &x);
		fe_carry(&table[i].yplusx);
		fe_sub(&table[i].yminusx, &y, &x);
		fe_mul(&table[i].xy2d, &x, &y);
		fe_mul(&table[i].xy2d, &table[i].xy2d, &fe_d2);
		ge_add_cached(&t, &u, &c2, 0);
		ge_p1p1_to_p3(&u, &t);
	}
}

/* The base tables do not depend on anything: build them once at load time
 * (128 inversions, about a millisecond). */
__attribute__((constructor)) static void ge_base_tables_init(void)
{
	ge_p3_t b128 = ge_base;
	ge_p1p1_t t;
	for (int i = 0; i < 128; i++) {
		ge_p3_dbl(&t, &b128);
		ge_p1p1_to_p3(&b128, &t);
	}
	ge_niels_table(ge_base_table, &ge_base);
	ge_niels_table(ge_base128_table, &b128);
	ge_niels_to_cached(ge_base_ctable, ge_base_table);
	ge_niels_to_cached(ge_base128_ctable, ge_base128_table);
}
