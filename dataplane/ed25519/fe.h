/* fe: arithmetic in GF(2^255 - 19), radix 2^51 (five 64-bit limbs), products
 * in unsigned __int128 (clang and gcc emit mulx with -mbmi2).
 *
 * Limb bounds: fe_mul/fe_sq/fe_sub/fe_carry return limbs < 2^51 + 2^13;
 * fe_add does not carry, so its output is < 2^53 when its inputs are carried.
 * fe_mul, fe_sq and fe_sub accept inputs with limbs < 2^54. Only fe_tobytes
 * gives the canonical value (0 <= x < p). Not constant time: verification
 * handles public data only. */
#ifndef SL_ED25519_FE_H
#define SL_ED25519_FE_H

#include <stdint.h>
#include <string.h>

typedef struct fe {
	uint64_t v[5];
} fe_t;

typedef unsigned __int128 fe_u128;

/* gcc does not inline the field operations into the point formulas on its
 * own (they are long), and then runs 1.5x slower than clang. */
#define FE_INLINE static inline __attribute__((always_inline))

#define FE_MASK51 ((UINT64_C(1) << 51) - 1)

extern const fe_t fe_d;      /* d = -121665/121666 */
extern const fe_t fe_d2;     /* 2d */
extern const fe_t fe_sqrtm1; /* sqrt(-1), the even root 2^((p-1)/4) */

static inline void fe_0(fe_t *h)
{
	memset(h, 0, sizeof(*h));
}

static inline void fe_1(fe_t *h)
{
	fe_0(h);
	h->v[0] = 1;
}

static inline void fe_copy(fe_t *h, const fe_t *f)
{
	*h = *f;
}

FE_INLINE void fe_carry(fe_t *h)
{
	uint64_t *v = h->v;
	uint64_t c;
	c = v[0] >> 51; v[0] &= FE_MASK51; v[1] += c;
	c = v[1] >> 51; v[1] &= FE_MASK51; v[2] += c;
	c = v[2] >> 51; v[2] &= FE_MASK51; v[3] += c;
	c = v[3] >> 51; v[3] &= FE_MASK51; v[4] += c;
	c = v[4] >> 51; v[4] &= FE_MASK51; v[0] += c * 19;
}

FE_INLINE void fe_add(fe_t *h, const fe_t *f, const fe_t *g)
{
	for (int i = 0; i < 5; i++)
		h->v[i] = f->v[i] + g->v[i];
}

/* f - g computed as (f + 16p) - g, so any g with limbs < 2^54 is fine. */
FE_INLINE void fe_sub(fe_t *h, const fe_t *f, const fe_t *g)
{
	h->v[0] = (f->v[0] + UINT64_C(36028797018963664)) - g->v[0];
	h->v[1] = (f->v[1] + UINT64_C(36028797018963952)) - g->v[1];
	h->v[2] = (f->v[2] + UINT64_C(36028797018963952)) - g->v[2];
	h->v[3] = (f->v[3] + UINT64_C(36028797018963952)) - g->v[3];
	h->v[4] = (f->v[4] + UINT64_C(36028797018963952)) - g->v[4];
	fe_carry(h);
}

static inline void fe_neg(fe_t *h, const fe_t *f)
{
	fe_t z;
	fe_0(&z);
	fe_sub(h, &z, f);
}

/* Fold the ten-word product (column sums c0..c4, already multiplied by 19
 * where they wrapped) into five carried limbs. */
FE_INLINE void fe_reduce128(fe_t *h, fe_u128 c0, fe_u128 c1, fe_u128 c2, fe_u128 c3,
				fe_u128 c4)
{
	uint64_t r0, r1, r2, r3, r4;
	c1 += (uint64_t)(c0 >> 51); r0 = (uint64_t)c0 & FE_MASK51;
	c2 += (uint64_t)(c1 >> 51); r1 = (uint64_t)c1 & FE_MASK51;
	c3 += (uint64_t)(c2 >> 51); r2 = (uint64_t)c2 & FE_MASK51;
	c4 += (uint64_t)(c3 >> 51); r3 = (uint64_t)c3 & FE_MASK51;
	uint64_t carry = (uint64_t)(c4 >> 51); r4 = (uint64_t)c4 & FE_MASK51;
	r0 += carry * 19;
	r1 += r0 >> 51; r0 &= FE_MASK51;
	h->v[0] = r0; h->v[1] = r1; h->v[2] = r2; h->v[3] = r3; h->v[4] = r4;
}

FE_INLINE void fe_mul(fe_t *h, const fe_t *f, const fe_t *g)
{
	const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
	const uint64_t g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19;
	fe_u128 c0 = (fe_u128)f0 * g0 + (fe_u128)f1 * g4_19 + (fe_u128)f2 * g3_19 +
		     (fe_u128)f3 * g2_19 + (fe_u128)f4 * g1_19;
	fe_u128 c1 = (fe_u128)f0 * g1 + (fe_u128)f1 * g0 + (fe_u128)f2 * g4_19 +
		     (fe_u128)f3 * g3_19 + (fe_u128)f4 * g2_19;
	fe_u128 c2 = (fe_u128)f0 * g2 + (fe_u128)f1 * g1 + (fe_u128)f2 * g0 +
		     (fe_u128)f3 * g4_19 + (fe_u128)f4 * g3_19;
	fe_u128 c3 = (fe_u128)f0 * g3 + (fe_u128)f1 * g2 + (fe_u128)f2 * g1 +
		     (fe_u128)f3 * g0 + (fe_u128)f4 * g4_19;
	fe_u128 c4 = (fe_u128)f0 * g4 + (fe_u128)f1 * g3 + (fe_u128)f2 * g2 +
		     (fe_u128)f3 * g1 + (fe_u128)f4 * g0;
	fe_reduce128(h, c0, c1, c2, c3, c4);
}

FE_INLINE void fe_sq(fe_t *h, const fe_t *f)
{
	const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	const uint64_t f0_2 = f0 * 2, f1_2 = f1 * 2;
	const uint64_t f1_38 = f1 * 38, f2_38 = f2 * 38, f3_38 = f3 * 38;
	const uint64_t f3_19 = f3 * 19, f4_19 = f4 * 19;
	fe_u128 c0 = (fe_u128)f0 * f0 + (fe_u128)f1_38 * f4 + (fe_u128)f2_38 * f3;
	fe_u128 c1 = (fe_u128)f0_2 * f1 + (fe_u128)f2_38 * f4 + (fe_u128)f3_19 * f3;
	fe_u128 c2 = (fe_u128)f0_2 * f2 + (fe_u128)f1 * f1 + (fe_u128)f3_38 * f4;
	fe_u128 c3 = (fe_u128)f0_2 * f3 + (fe_u128)f1_2 * f2 + (fe_u128)f4_19 * f4;
	fe_u128 c4 = (fe_u128)f0_2 * f4 + (fe_u128)f1_2 * f3 + (fe_u128)f2 * f2;
	fe_reduce128(h, c0, c1, c2, c3, c4);
}

/* h = f^(2^n) */
static inline void fe_sqn(fe_t *h, const fe_t *f, int n)
{
	fe_sq(h, f);
	for (int i = 1; i < n; i++)
		fe_sq(h, h);
}

/* Little-endian 32 bytes; the top bit is ignored, the value is not reduced. */
static inline void fe_frombytes(fe_t *h, const uint8_t s[32])
{
	uint64_t w[4];
	memcpy(w, s, 32); /* x86-64 is little-endian, as the encoding */
	h->v[0] = w[0] & FE_MASK51;
	h->v[1] = ((w[0] >> 51) | (w[1] << 13)) & FE_MASK51;
	h->v[2] = ((w[1] >> 38) | (w[2] << 26)) & FE_MASK51;
	h->v[3] = ((w[2] >> 25) | (w[3] << 39)) & FE_MASK51;
	h->v[4] = (w[3] >> 12) & FE_MASK51;
}

void fe_tobytes(uint8_t s[32], const fe_t *f);
void fe_invert(fe_t *out, const fe_t *z);
void fe_pow22523(fe_t *out, const fe_t *z); /* z^((p-5)/8) */

static inline int fe_iszero(const fe_t *f)
{
	uint8_t s[32];
	fe_tobytes(s, f);
	uint8_t acc = 0;
	for (int i = 0; i < 32; i++)
		acc |= s[i];
	return acc == 0;
}

static inline int fe_isnegative(const fe_t *f)
{
	uint8_t s[32];
	fe_tobytes(s, f);
	return s[0] & 1;
}

static inline int fe_equal(const fe_t *f, const fe_t *g)
{
	fe_t t;
	fe_sub(&t, f, g);
	return fe_iszero(&t);
}

#endif
