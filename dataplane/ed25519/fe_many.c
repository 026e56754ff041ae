/* fe_many: the 8-lane IFMA exponentiation.
 *
 * Lanes hold radix-2^51 limbs, as fe_t, so no conversion is needed: IFMA
 * multiplies the low 52 bits of its operands (our limbs are below 2^52
 * after a carry) and splits the 104-bit product at bit 52. With limbs at
 * 51-bit weights the high half lands at weight 2^(51(i+j+1)) times 2, so a
 * column sum is lo + 2 hi. Columns 5..9 fold into 0..4 with 2^255 = 19. */
#include "fe_many.h"

#include <immintrin.h>

#define IFMA_TARGET __attribute__((target("avx512f,avx512ifma")))
#define IFMA_INLINE IFMA_TARGET static inline __attribute__((always_inline))

/* Every loop below is unrolled so that the column arrays become registers
 * (gcc keeps them in memory otherwise, 3x slower). */
typedef struct fe8 {
	__m512i v[5];
} fe8_t;

static int fe_many_ifma = -1; /* unknown until the first call */

int fe_many_has_ifma(void)
{
	if (fe_many_ifma < 0) {
		__builtin_cpu_init();
		fe_many_ifma = __builtin_cpu_supports("avx512f") &&
			       __builtin_cpu_supports("avx512ifma");
	}
	return fe_many_ifma;
}

void fe_many_force_scalar(int on)
{
	fe_many_ifma = -1;
	if (on)
		fe_many_ifma = 0;
}

IFMA_INLINE __m512i fe8_times19(__m512i t)
{
	return _mm512_add_epi64(_mm512_add_epi64(_mm512_slli_epi64(t, 4), _mm512_slli_epi64(t, 1)), t);
}

/* c[0..9]: column sums below 2^57 -> five limbs, c1 below 2^51 + 2^13, the
 * rest below 2^51. */
IFMA_INLINE void fe8_reduce(fe8_t *h, __m512i c[10])
{
	const __m512i mask = _mm512_set1_epi64((long long)FE_MASK51);
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 5; k++)
		c[k] = _mm512_add_epi64(c[k], fe8_times19(c[k + 5]));
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
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 5; k++)
		h->v[k] = c[k];
}

IFMA_INLINE void fe8_mul(fe8_t *h, const fe8_t *f, const fe8_t *g)
{
	__m512i lo[10], hi[10], c[10];
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
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 10; k++)
		c[k] = _mm512_add_epi64(lo[k], _mm512_slli_epi64(hi[k], 1));
	fe8_reduce(h, c);
}

IFMA_INLINE void fe8_sq(fe8_t *h, const fe8_t *f)
{
	/* cross products once, then doubled, then the diagonal: 18 live
	 * accumulators, so everything stays in the 32 zmm registers */
	__m512i lo[10], hi[10], c[10];
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
	_Pragma("GCC unroll 16")
	for (int k = 0; k < 10; k++)
		c[k] = _mm512_add_epi64(lo[k], _mm512_slli_epi64(hi[k], 1));
	fe8_reduce(h, c);
}

IFMA_TARGET static inline void fe8_sqn(fe8_t *h, const fe8_t *f, int n)
{
	fe8_sq(h, f);
	for (int i = 1; i < n; i++)
		fe8_sq(h, h);
}

/* The chain of fe.c's fe_pow22523 (ref10's), on eight lanes. */
IFMA_TARGET static void fe8_pow22523(fe8_t *out, const fe8_t *z)
{
	fe8_t t0, t1, t2, t3, z11;
	fe8_sq(&t0, z);
	fe8_sqn(&t1, &t0, 2);
	fe8_mul(&t1, z, &t1);
	fe8_mul(&z11, &t0, &t1);
	fe8_sq(&t2, &z11);
	fe8_mul(&t1, &t1, &t2);
	fe8_sqn(&t2, &t1, 5);
	fe8_mul(&t1, &t2, &t1);
	fe8_sqn(&t2, &t1, 10);
	fe8_mul(&t2, &t2, &t1);
	fe8_sqn(&t3, &t2, 20);
	fe8_mul(&t2, &t3, &t2);
	fe8_sqn(&t2, &t2, 10);
	fe8_mul(&t1, &t2, &t1);
	fe8_sqn(&t2, &t1, 50);
	fe8_mul(&t2, &t2, &t1);
	fe8_sqn(&t3, &t2, 100);
	fe8_mul(&t2, &t3, &t2);
	fe8_sqn(&t2, &t2, 50);
	fe8_mul(&t1, &t2, &t1);
	fe8_sqn(&t1, &t1, 2);
	fe8_mul(out, &t1, z);
}

IFMA_TARGET static void fe_pow22523_ifma8(fe_t *out, const fe_t *in, size_t n)
{
	uint64_t lanes[5][8] __attribute__((aligned(64)));
	fe8_t z, r;
	for (size_t l = 0; l < 8; l++) {
		fe_t t = in[l < n ? l : 0];
		fe_carry(&t); /* IFMA reads 52 bits: limbs below 2^52 */
		for (int k = 0; k < 5; k++)
			lanes[k][l] = t.v[k];
	}
	for (int k = 0; k < 5; k++)
		z.v[k] = _mm512_load_si512(lanes[k]);
	fe8_pow22523(&r, &z);
	for (int k = 0; k < 5; k++)
		_mm512_store_si512(lanes[k], r.v[k]);
	for (size_t l = 0; l < n; l++)
		for (int k = 0; k < 5; k++)
			out[l].v[k] = lanes[k][l];
}

void fe_pow22523_many(fe_t *out, const fe_t *in, size_t n)
{
	if (fe_many_has_ifma()) {
		for (size_t i = 0; i < n; i += 8)
			fe_pow22523_ifma8(out + i, in + i, n - i < 8 ? n - i : 8);
		return;
	}
	for (size_t i = 0; i < n; i++)
		fe_pow22523(&out[i], &in[i]);
}
