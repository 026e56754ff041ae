/* fe: the field operations too long to inline; constants. */
#include "fe.h"

const fe_t fe_d = {{0x34dca135978a3ULL, 0x1a8283b156ebdULL, 0x5e7a26001c029ULL,
		    0x739c663a03cbbULL, 0x52036cee2b6ffULL}};
const fe_t fe_d2 = {{0x69b9426b2f159ULL, 0x35050762add7aULL, 0x3cf44c0038052ULL,
		     0x6738cc7407977ULL, 0x2406d9dc56dffULL}};
const fe_t fe_sqrtm1 = {{0x61b274a0ea0b0ULL, 0x0d5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL,
			 0x78595a6804c9eULL, 0x2b8324804fc1dULL}};

void fe_tobytes(uint8_t s[32], const fe_t *f)
{
	fe_t t = *f;
	fe_carry(&t);
	fe_carry(&t); /* now t < 2^255 + small; the limbs are < 2^51 */
	/* q = 1 iff t >= p: add 19 and see whether it carries past 2^255. */
	uint64_t q = (t.v[0] + 19) >> 51;
	q = (t.v[1] + q) >> 51;
	q = (t.v[2] + q) >> 51;
	q = (t.v[3] + q) >> 51;
	q = (t.v[4] + q) >> 51;
	t.v[0] += 19 * q;
	t.v[1] += t.v[0] >> 51; t.v[0] &= FE_MASK51;
	t.v[2] += t.v[1] >> 51; t.v[1] &= FE_MASK51;
	t.v[3] += t.v[2] >> 51; t.v[2] &= FE_MASK51;
	t.v[4] += t.v[3] >> 51; t.v[3] &= FE_MASK51;
	t.v[4] &= FE_MASK51;
	uint64_t w[4];
	w[0] = t.v[0] | (t.v[1] << 51);
	w[1] = (t.v[1] >> 13) | (t.v[2] << 38);
	w[2] = (t.v[2] >> 26) | (t.v[3] << 25);
	w[3] = (t.v[3] >> 39) | (t.v[4] << 12);
	memcpy(s, w, 32);
}

/* The shared head of the inversion and square-root chains (ref10's):
 * returns z^(2^250 - 1) in t250 and z^11 in z11. */
static void fe_pow2250m1(fe_t *t250, fe_t *z11, const fe_t *z)
{
	fe_t t0, t1, t2, t3;
	fe_sq(&t0, z);             /* 2 */
	fe_sqn(&t1, &t0, 2);       /* 8 */
	fe_mul(&t1, z, &t1);       /* 9 */
	fe_mul(z11, &t0, &t1);     /* 11 */
	fe_sq(&t2, z11);           /* 22 */
	fe_mul(&t1, &t1, &t2);     /* 2^5 - 1 */
	fe_sqn(&t2, &t1, 5);
	fe_mul(&t1, &t2, &t1);     /* 2^10 - 1 */
	fe_sqn(&t2, &t1, 10);
	fe_mul(&t2, &t2, &t1);     /* 2^20 - 1 */
	fe_sqn(&t3, &t2, 20);
	fe_mul(&t2, &t3, &t2);     /* 2^40 - 1 */
	fe_sqn(&t2, &t2, 10);
	fe_mul(&t1, &t2, &t1);     /* 2^50 - 1 */
	fe_sqn(&t2, &t1, 50);
	fe_mul(&t2, &t2, &t1);     /* 2^100 - 1 */
	fe_sqn(&t3, &t2, 100);
	fe_mul(&t2, &t3, &t2);     /* 2^200 - 1 */
	fe_sqn(&t2, &t2, 50);
	fe_mul(t250, &t2, &t1);    /* 2^250 - 1 */
}

void fe_invert(fe_t *out, const fe_t *z)
{
	fe_t t250, z11;
	fe_pow2250m1(&t250, &z11, z);
	fe_sqn(&t250, &t250, 5);   /* 2^255 - 2^5 */
	fe_mul(out, &t250, &z11);  /* 2^255 - 21 = p - 2 */
}

void fe_pow22523(fe_t *out, const fe_t *z)
{
	fe_t t250, z11;
	fe_pow2250m1(&t250, &z11, z);
	fe_sqn(&t250, &t250, 2);   /* 2^252 - 4 */
	fe_mul(out, &t250, z);     /* 2^252 - 3 = (p - 5) / 8 */
}
