/* sc: Barrett reduction modulo L with 64-bit words (HAC 14.42, b = 2^64,
 * k = 4, mu = floor(2^512 / L)). */
#include "sc.h"

#include <string.h>

typedef unsigned __int128 u128;

static const uint64_t sc_L[4] = {0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL};
static const uint64_t sc_mu[5] = {0xed9ce5a30a2c131bULL, 0x2106215d086329a7ULL,
				  0xffffffffffffffebULL, 0xffffffffffffffffULL, 0xfULL};

/* r = a - b over n words, returns the borrow. */
static uint64_t sc_sub_words(uint64_t *r, const uint64_t *a, const uint64_t *b, int n)
{
	uint64_t borrow = 0;
	for (int i = 0; i < n; i++) {
		u128 d = (u128)a[i] - b[i] - borrow;
		r[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	return borrow;
}

int sc_is_canonical(const uint8_t s[32])
{
	uint64_t x[4], r[4];
	memcpy(x, s, 32);
	return sc_sub_words(r, x, sc_L, 4) != 0;
}

/* r[0..nr) = a * b, schoolbook (na + nb <= nr; the words above are 0). */
static inline void sc_mul_words(uint64_t *r, int nr, const uint64_t *a, int na, const uint64_t *b,
				int nb)
{
	memset(r, 0, (size_t)nr * sizeof(uint64_t));
	for (int i = 0; i < na; i++) {
		uint64_t carry = 0;
		for (int j = 0; j < nb; j++) {
			u128 t = (u128)a[i] * b[j] + r[i + j] + carry;
			r[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		r[i + nb] = carry;
	}
}

void sc_reduce_words(uint8_t out[32], const uint64_t x[8])
{
	/* q1 = x >> 192 (5 words); q3 = (q1 * mu) >> 320 */
	uint64_t q2[10];
	sc_mul_words(q2, 10, x + 3, 5, sc_mu, 5);
	const uint64_t *q3 = q2 + 5;
	/* r2 = (q3 * L) mod 2^320: the low 5 words of the product */
	uint64_t r2[9];
	sc_mul_words(r2, 9, q3, 5, sc_L, 4);
	uint64_t r[5];
	sc_sub_words(r, x, r2, 5); /* mod 2^320; the true r is below 3L */
	uint64_t L5[5] = {sc_L[0], sc_L[1], sc_L[2], sc_L[3], 0}, t[5];
	for (int k = 0; k < 2; k++)
		if (sc_sub_words(t, r, L5, 5) == 0)
			memcpy(r, t, sizeof(r));
	memcpy(out, r, 32);
}

void sc_reduce64(uint8_t out[32], const uint8_t in[64])
{
	uint64_t x[8];
	memcpy(x, in, 64);
	sc_reduce_words(out, x);
}

void sc_mul(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	uint64_t aw[4], bw[4], r[8];
	memcpy(aw, a, 32);
	memcpy(bw, b, 32);
	sc_mul_words(r, 8, aw, 4, bw, 4);
	sc_reduce_words(out, r);
}

void sc_neg(uint8_t out[32], const uint8_t a[32])
{
	uint64_t aw[4], r[4];
	memcpy(aw, a, 32);
	if ((aw[0] | aw[1] | aw[2] | aw[3]) == 0) {
		memset(out, 0, 32);
		return;
	}
	sc_sub_words(r, sc_L, aw, 4);
	memcpy(out, r, 32);
}

void sc_acc_muladd128(sc_acc_t *acc, const uint64_t a[2], const uint8_t b[32])
{
	uint64_t bw[4], p[8];
	memcpy(bw, b, 32);
	sc_mul_words(p, 8, a, 2, bw, 4);
	uint64_t carry = 0;
	for (int i = 0; i < 8; i++) {
		u128 t = (u128)acc->w[i] + p[i] + carry;
		acc->w[i] = (uint64_t)t;
		carry = (uint64_t)(t >> 64);
	}
}

typedef struct u256 {
	u128 lo, hi;
} u256_t;

static int u256_bitlen(u256_t a)
{
	if (a.hi != 0) {
		uint64_t h = (uint64_t)(a.hi >> 64);
		return h ? 256 - __builtin_clzll(h) : 192 - __builtin_clzll((uint64_t)a.hi);
	}
	uint64_t h = (uint64_t)(a.lo >> 64);
	if (h)
		return 128 - __builtin_clzll(h);
	return a.lo ? 64 - __builtin_clzll((uint64_t)a.lo) : 0;
}

static u256_t u256_shl(u256_t a, int s)
{
	if (s == 0)
		return a;
	if (s >= 128)
		return (u256_t){ 0, a.lo << (s - 128) };
	return (u256_t){ a.lo << s, (a.hi << s) | (a.lo >> (128 - s)) };
}

static int u256_geq(u256_t a, u256_t b)
{
	return a.hi != b.hi ? a.hi > b.hi : a.lo >= b.lo;
}

static u256_t u256_sub(u256_t a, u256_t b)
{
	return (u256_t){ a.lo - b.lo, a.hi - b.hi - (a.lo < b.lo) };
}

int sc_split_half(uint8_t c0[32], uint8_t c1_abs[32], const uint8_t k[32])
{
	uint64_t w[4];
	memcpy(w, k, 32);
	u256_t r_prev = { ((u128)sc_L[1] << 64) | sc_L[0], ((u128)sc_L[3] << 64) | sc_L[2] };
	u256_t r_cur = { ((u128)w[1] << 64) | w[0], ((u128)w[3] << 64) | w[2] };
	/* |t| of the coefficients of k; their signs alternate, t_0 = 1 > 0, so
	 * |t_{i+1}| = |t_{i-1}| + q |t_i| and |t_{i+1}| r_i <= L < 2^253 keeps
	 * every |t| below 2^127 while r_i >= 2^126. */
	u128 t_prev = 0, t_cur = 1;
	int neg = 0;
	const int stop = 126;
	while (u256_bitlen(r_cur) > stop) {
		int s = u256_bitlen(r_prev) - u256_bitlen(r_cur);
		u128 t_next = t_prev;
		for (; s >= 0; s--) {
			u256_t sh = u256_shl(r_cur, s);
			if (u256_geq(r_prev, sh)) {
				r_prev = u256_sub(r_prev, sh);
				t_next += t_cur << s;
			}
		}
		u256_t r = r_prev;
		r_prev = r_cur;
		r_cur = r;
		t_prev = t_cur;
		t_cur = t_next;
		neg ^= 1;
	}
	memset(c0, 0, 32);
	memset(c1_abs, 0, 32);
	memcpy(c0, &r_cur.lo, 16);
	memcpy(c1_abs, &t_cur, 16);
	return neg;
}
