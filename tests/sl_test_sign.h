/* Test-only Ed25519 signer over chosen encodings, built from libsodium's
 * scalar and hash primitives: it signs with any R and A encodings (torsion,
 * non-canonical, small order) that crypto_sign would never produce, which
 * is what the signature rule's edge cases need. */
#ifndef SL_TEST_SIGN_H
#define SL_TEST_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

/* sig = r_enc || (r + k*a mod L) with k = SHA-512(r_enc || a_enc || m) mod
 * L, over the encodings as given; k also to k_out unless it is NULL. */
static inline void sl_test_sign_raw(uint8_t sig[64], const uint8_t r[32], const uint8_t r_enc[32],
				    const uint8_t a[32], const uint8_t a_enc[32], const uint8_t *m,
				    size_t n, uint8_t k_out[32])
{
	crypto_hash_sha512_state h;
	uint8_t d[64], k[32], ka[32];
	crypto_hash_sha512_init(&h);
	crypto_hash_sha512_update(&h, r_enc, 32);
	crypto_hash_sha512_update(&h, a_enc, 32);
	crypto_hash_sha512_update(&h, m, n);
	crypto_hash_sha512_final(&h, d);
	crypto_core_ed25519_scalar_reduce(k, d);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka);
	memcpy(sig, r_enc, 32);
	if (k_out != NULL)
		memcpy(k_out, k, 32);
}

#endif
