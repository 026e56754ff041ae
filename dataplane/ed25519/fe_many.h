/* fe_many: z^((p-5)/8) for many independent field elements at once, the
 * square-root exponentiation of point decoding (about 250 squarings each).
 * With AVX-512 IFMA (checked at run time) eight elements go through one
 * chain of 52-bit multiply-adds, one per 64-bit lane; without it each
 * element takes the scalar fe_pow22523. Same results either way. */
#ifndef SL_ED25519_FE_MANY_H
#define SL_ED25519_FE_MANY_H

#include <stddef.h>

#include "fe.h"

/* out[i] = in[i]^((p-5)/8) for i < n; out and in may be the same array. */
void fe_pow22523_many(fe_t *out, const fe_t *in, size_t n);

/* 1 iff fe_pow22523_many uses AVX-512 IFMA on this CPU. */
int fe_many_has_ifma(void);

/* Tests: use the scalar path even when IFMA is there (0), or the default. */
void fe_many_force_scalar(int on);

#endif
