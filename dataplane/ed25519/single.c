/* single: prepare (scalar and encoding checks, decoding, the hash) and the
 * cofactored equation through one double-scalar multiplication. */
#include "single.h"

#include <sodium.h>
#include <string.h>

#include "sc.h"

int ed25519_decode_key(ge_p3_t *A, const uint8_t pk[32])
{
	if (ge_frombytes(A, pk) != 0 || ge_has_small_order(A))
		return -1;
	return 0;
}

int ed25519_prepare(ed25519_prep_t *p, const uint8_t sig[64], const uint8_t pk[32],
		    const ge_p3_t *A_dec, const uint8_t *msg, size_t msg_sz)
{
	if (!sc_is_canonical(sig + 32))
		return -1;
	if (ge_frombytes(&p->R, sig) != 0 || ge_has_small_order(&p->R))
		return -1;
	if (A_dec != NULL)
		p->A = *A_dec;
	else if (ed25519_decode_key(&p->A, pk) != 0)
		return -1;
	memcpy(p->S, sig + 32, 32);

	/* libsodium's SHA-512 is faster than OpenSSL's EVP for these short
	 * inputs (no per-call dispatch), see the report. */
	crypto_hash_sha512_state hs;
	uint8_t h[64];
	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, sig, 32);
	crypto_hash_sha512_update(&hs, pk, 32);
	crypto_hash_sha512_update(&hs, msg, msg_sz);
	crypto_hash_sha512_final(&hs, h);
	sc_reduce64(p->k, h);
	return 0;
}

int ed25519_check_equation(const ed25519_prep_t *p)
{
	ge_p3_t negA = p->A, q, e;
	ge_cached_t rc;
	ge_p1p1_t t;
	fe_neg(&negA.X, &negA.X);
	fe_neg(&negA.T, &negA.T);
	ge_double_scalarmult_base(&q, p->k, &negA, p->S); /* [S]B - [k]A */
	ge_p3_to_cached(&rc, &p->R);
	ge_add_cached(&t, &q, &rc, 1);
	ge_p1p1_to_p3(&q, &t);
	ge_mul8(&e, &q);
	return ge_is_identity(&e);
}

int ed25519_verify(const uint8_t sig[64], const uint8_t pk[32], const uint8_t *msg,
		   size_t msg_sz)
{
	ed25519_prep_t p;
	if (ed25519_prepare(&p, sig, pk, NULL, msg, msg_sz) != 0)
		return 0;
	return ed25519_check_equation(&p);
}
