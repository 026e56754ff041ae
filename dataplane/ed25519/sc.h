/* sc: scalars modulo the group order L = 2^252 + 27742317777372353535851937790883648493,
 * little-endian 32-byte encodings, as in RFC 8032. */
#ifndef SL_ED25519_SC_H
#define SL_ED25519_SC_H

#include <stddef.h>
#include <stdint.h>

/* 1 iff s < L */
int sc_is_canonical(const uint8_t s[32]);
/* out = x mod L for a little-endian x of 8 64-bit words (a 512-bit value). */
void sc_reduce_words(uint8_t out[32], const uint64_t x[8]);
/* out = in mod L for a 64-byte little-endian value (a SHA-512 digest). */
void sc_reduce64(uint8_t out[32], const uint8_t in[64]);
/* out = a * b mod L, with a and b below 2^256. */
void sc_mul(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
/* out = (L - a) mod L, with a < L. */
void sc_neg(uint8_t out[32], const uint8_t a[32]);

/* A 512-bit accumulator of products, reduced once at the end. */
typedef struct sc_acc {
	uint64_t w[8];
} sc_acc_t;

static inline void sc_acc_init(sc_acc_t *acc)
{
	for (int i = 0; i < 8; i++)
		acc->w[i] = 0;
}

/* acc += a * b for a of 2 words (a 128-bit coefficient) and b below 2^256.
 * The sum of up to 2^120 such products cannot overflow. */
void sc_acc_muladd128(sc_acc_t *acc, const uint64_t a[2], const uint8_t b[32]);

static inline void sc_acc_reduce(uint8_t out[32], const sc_acc_t *acc)
{
	sc_reduce_words(out, acc->w);
}

#endif

/* Split a challenge for half-size verification (Pornin, "Optimized lattice
 * basis reduction in dimension 2", 2020; here by the extended Euclidean
 * algorithm on (L, k)): c0 = c1 k mod L with 0 <= c0 < 2^126 and
 * 0 < |c1| < 2^127. c1_abs receives |c1|, the return is 1 iff c1 < 0.
 * Both are 32-byte little-endian scalars. */
int sc_split_half(uint8_t c0[32], uint8_t c1_abs[32], const uint8_t k[32]);
