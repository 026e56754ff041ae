/* fe_many: the 8-lane IFMA exponentiation (fe8.h), or the scalar one. */
#include "fe_many.h"

#include "fe8.h"

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
