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

int ge_frombytes(ge_p3_t *h, const uint8_t s[32])
{
	fe_t u, v, v3, vxx, check;
	uint8_t canon[32];

	fe_frombytes(&h->Y, s);
	fe_tobytes(canon, &h->Y);
	if (memcmp(canon, s, 31) != 0 || canon[31] != (s[31] & 0x7f))
		return -1; /* y >= p */
	fe_1(&h->Z);
	fe_sq(&u, &h->Y);
	fe_mul(&v, &u, &fe_d);
	fe_sub(&u, &u, &h->Z); /* u = y^2 - 1 */
	fe_add(&v, &v, &h->Z); /* v = d y^2 + 1 */

	/* x = u v^3 (u v^7)^((p-5)/8) */
	fe_sq(&v3, &v);
	fe_mul(&v3, &v3, &v);
	fe_sq(&h->X, &v3);
	fe_mul(&h->X, &h->X, &v);
	fe_mul(&h->X, &h->X, &u);
	fe_pow22523(&h->X, &h->X);
	fe_mul(&h->X, &h->X, &v3);
	fe_mul(&h->X, &h->X, &u);

	fe_sq(&vxx, &h->X);
	fe_mul(&vxx, &vxx, &v);
	fe_sub(&check, &vxx, &u);
	if (!fe_iszero(&check)) {
		fe_add(&check, &vxx, &u);
		if (!fe_iszero(&check))
			return -1; /* not on the curve */
		fe_mul(&h->X, &h->X, &fe_sqrtm1);
	}
	int sign = s[31] >> 7;
	if (fe_iszero(&h->X) && sign)
		return -1; /* x = 0 with the sign bit set */
	if (fe_isnegative(&h->X) != sign)
		fe_neg(&h->X, &h->X);
	fe_mul(&h->T, &h->X, &h->Y);
	return 0;
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

static inline void ge_add_var_digit(ge_p1p1_t *t, const ge_p3_t *u, const ge_cached_t *tab,
				    int8_t d)
{
	if (d > 0)
		ge_add_cached(t, u, &tab[d / 2], 0);
	else
		ge_add_cached(t, u, &tab[(-d) / 2], 1);
}

static inline void ge_add_base_digit(ge_p1p1_t *t, const ge_p3_t *u, int8_t d)
{
	if (d > 0)
		ge_add_niels(t, u, &ge_base_table[d / 2], 0);
	else
		ge_add_niels(t, u, &ge_base_table[(-d) / 2], 1);
}

void ge_double_scalarmult_base(ge_p3_t *r, const uint8_t a[32], const ge_p3_t *A,
			       const uint8_t b[32])
{
	int8_t anaf[256], bnaf[256];
	ge_cached_t at[GE_VAR_TABLE_SZ];
	int top_a = ge_wnaf(anaf, a, 5);
	int top_b = ge_wnaf(bnaf, b, 8);
	int top = top_a > top_b ? top_a : top_b;
	ge_var_table(at, A);

	ge_p1p1_t t;
	ge_p2_t acc;
	ge_p3_t u;
	ge_p3_0(r);
	ge_p2_0(&acc);
	for (int i = top - 1; i >= 0; i--) {
		ge_p2_dbl(&t, &acc);
		if (anaf[i]) {
			ge_p1p1_to_p3(&u, &t);
			ge_add_var_digit(&t, &u, at, anaf[i]);
		}
		if (bnaf[i]) {
			ge_p1p1_to_p3(&u, &t);
			ge_add_base_digit(&t, &u, bnaf[i]);
		}
		if (i == 0)
			ge_p1p1_to_p3(r, &t);
		else
			ge_p1p1_to_p2(&acc, &t);
	}
}

void ge_scalarmult(ge_p3_t *r, const uint8_t a[32], const ge_p3_t *A)
{
	static const uint8_t zero[32];
	ge_double_scalarmult_base(r, a, A, zero);
}

/* The base table does not depend on anything: build it once at load time
 * (64 inversions, well under a millisecond). */
__attribute__((constructor)) static void ge_base_table_init(void)
{
	ge_p1p1_t t;
	ge_p3_t b2, u = ge_base;
	ge_cached_t c2;
	ge_p3_dbl(&t, &ge_base);
	ge_p1p1_to_p3(&b2, &t);
	ge_p3_to_cached(&c2, &b2);
	for (int i = 0; i < GE_BASE_TABLE_SZ; i++) {
		fe_t recip, x, y;
		fe_invert(&recip, &u.Z);
		fe_mul(&x, &u.X, &recip);
		fe_mul(&y, &u.Y, &recip);
		fe_add(&ge_base_table[i].yplusx, &y, &x);
		fe_carry(&ge_base_table[i].yplusx);
		fe_sub(&ge_base_table[i].yminusx, &y, &x);
		fe_mul(&ge_base_table[i].xy2d, &x, &y);
		fe_mul(&ge_base_table[i].xy2d, &ge_base_table[i].xy2d, &fe_d2);
		ge_add_cached(&t, &u, &c2, 0);
		ge_p1p1_to_p3(&u, &t);
	}
}
