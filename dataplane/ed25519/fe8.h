/* fe8: eight independent field elements, one per 64-bit lane of AVX-512
 * registers, for code compiled with IFMA_TARGET and called only when
 * fe_many_has_ifma() (fe_many.h).
 *
 * Lanes hold radix-2^51 limbs, as fe_t, so no conversion is needed: IFMA
 * multiplies the low 52 bits of its operands and splits the 104-bit
 * product at bit 52. With limbs at 51-bit weights the high half lands at
 * weight 2^(51(i+j+1)) times 2, so a column sum is lo + 2 hi. Columns 5..9
 * fold into 0..4 with 2^255 = 19. Every input of fe8_mul/fe8_sq must have
 * limbs below 2^52: all operations here return carried limbs. */
#ifndef SL_ED25519_FE8_H
#define SL_ED25519_FE8_H

#include <immintrin.h>

#include "fe.h"

#define IFMA_TARGET __attribute__((target("avx512f,avx512ifma")))
#define IFMA_INLINE IFMA_TARGET static inline __attribute__((always_inline))

/* Every loop is unrolled so that the column arrays become registers (gcc
 * keeps them in memory otherwise, 3x slower). */
typedef struct fe8 {
	__m512i v[5];
} fe8_t;

IFMA_INLINE __m512i fe8_times19(__m512i t)
{
	return _mm512_add_epi64(_mm512_add_epi64(_mm512_slli_epi64(t, 4), _mm512_slli_epi64(t, 1)), t);
}

/* Limbs below 2^62 -> carried (c1 below 2^51 + 2^13, the rest 2^51). */
IFMA_INLINE void fe8_carry(fe8_t *h)
{
	const __m512i mask = _mm512_set1_epi64((long long)FE_MASK51);
	__m512i *c = h->v;
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 4; k++) {
		c[k + 1] = _mm512_add_epi64(c[k + 1], _mm512_srli_epi64(c[k], 51));
		c[k] = _mm512_and_si512(c[k], mask);
	}
	__m512i top = _mm512_srli_epi64(c[4], 51);
	c[4] = _mm512_and_si512(c[4], mask);
	c[0] = _mm512_add_epi64(c[0], fe8_times19(top));
	c[1] = _mm512_add_epi64(c[1], _mm512_srli_epi64(c[0], 51));
	c[0] = _mm512_and_si512(c[0], mask);
}

/* c[0..9]: column sums below 2^57 -> five limbs, c1 below 2^51 + 2^13, the
 * rest below 2^51 (folding the top five at 19x keeps them below 2^62). */
IFMA_INLINE void fe8_reduce(fe8_t *h, __m512i c[10])
{
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 5; k++)
		h->v[k] = _mm512_add_epi64(c[k], fe8_times19(c[k + 5]));
	fe8_carry(h);
}

/* madd52 leaves each column as lo (bits 0..51) and hi (bits 52..103, taken
 * one column up): column k = lo[k] + 2 * hi[k] in radix 2^51. */
IFMA_INLINE void fe8_reduce_madd52(fe8_t *h, const __m512i lo[10], const __m512i hi[10])
{
	__m512i c[10];
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 10; k++)
		c[k] = _mm512_add_epi64(lo[k], _mm512_slli_epi64(hi[k], 1));
	fe8_reduce(h, c);
}

IFMA_INLINE void fe8_mul(fe8_t *h, const fe8_t *f, const fe8_t *g)
{
	__m512i lo[10], hi[10];
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 10; k++)
		lo[k] = hi[k] = _mm512_setzero_si512();
	_Pragma("GCC unroll 16")
	for (int i = 0; i < 5; i++)
		_Pragma("GCC unroll 16")
		for (int j = 0; j < 5; j++) {
			lo[i + j] = _mm512_madd52lo_epu64(lo[i + j], f->v[i], g->v[j]);
			hi[i + j + 1] = _mm512_madd52hi_epu64(hi[i + j + 1], f->v[i], g->v[j]);
		}
	fe8_reduce_madd52(h, lo, hi);
}

IFMA_INLINE void fe8_sq(fe8_t *h, const fe8_t *f)
{
	/* cross products once, then doubled, then the diagonal: 18 live
	 * accumulators, so everything stays in the 32 zmm registers */
	__m512i lo[10], hi[10];
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 10; k++)
		lo[k] = hi[k] = _mm512_setzero_si512();
	_Pragma("GCC unroll 16")
	for (int i = 0; i < 5; i++)
		_Pragma("GCC unroll 16")
		for (int j = i + 1; j < 5; j++) {
			lo[i + j] = _mm512_madd52lo_epu64(lo[i + j], f->v[i], f->v[j]);
			hi[i + j + 1] = _mm512_madd52hi_epu64(hi[i + j + 1], f->v[i], f->v[j]);
		}
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 10; k++) {
		lo[k] = _mm512_slli_epi64(lo[k], 1);
		hi[k] = _mm512_slli_epi64(hi[k], 1);
	}
	_Pragma("GCC unroll 16")
	for (int i = 0; i < 5; i++) {
		lo[2 * i] = _mm512_madd52lo_epu64(lo[2 * i], f->v[i], f->v[i]);
		hi[2 * i + 1] = _mm512_madd52hi_epu64(hi[2 * i + 1], f->v[i], f->v[i]);
	}
	fe8_reduce_madd52(h, lo, hi);
}

IFMA_INLINE void fe8_add(fe8_t *h, const fe8_t *f, const fe8_t *g)
{
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 5; k++)
		h->v[k] = _mm512_add_epi64(f->v[k], g->v[k]);
	fe8_carry(h);
}

/* (f + 4p) - g: g's limbs are below 2^52 < 4p's. */
IFMA_INLINE void fe8_sub(fe8_t *h, const fe8_t *f, const fe8_t *g)
{
	const __m512i p4_0 = _mm512_set1_epi64((long long)(4 * ((UINT64_C(1) << 51) - 19)));
	const __m512i p4_k = _mm512_set1_epi64((long long)(4 * ((UINT64_C(1) << 51) - 1)));
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 5; k++)
		h->v[k] = _mm512_sub_epi64(_mm512_add_epi64(f->v[k], k ? p4_k : p4_0), g->v[k]);
	fe8_carry(h);
}

#endif
