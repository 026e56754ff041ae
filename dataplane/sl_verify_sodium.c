/* SL_VERIFY_SODIUM: libsodium 1.0.18, completed to the signature rule.
 *
 * crypto_sign_verify_detached accepts a subset of what the rule accepts (it
 * checks S < L, canonical A, blocklists small-order A and R, and decides the
 * cofactorless equation by re-encoding [S]B - [k]A and comparing it with R's
 * bytes). Its acceptance is final. When it rejects, the rule is decided here
 * clause by clause with libsodium's ed25519 core primitives; that path only
 * runs for signatures that are invalid or that hold cofactored only. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sl_verify_backend.h"

enum { SL_PT = 32 };

static const uint8_t sl_ed25519_identity[SL_PT] = { 1 };
static const uint8_t sl_scalar_eight[32] = { 8 };

static void sl_sodium_init(void) __attribute__((constructor));
static void sl_sodium_init(void)
{
	/* libsodium must be initialised before use; doing it once at load time
	 * keeps its mutex off the per-signature path. */
	if (sodium_init() < 0)
		abort();
}

/* out = [8]P by three doublings. crypto_core_ed25519_add accepts any point on
 * the curve (small or mixed order too), and Edwards addition is complete, so
 * this is exact; it fails only when P does not decompress. */
static int sl_point_times8(uint8_t out[SL_PT], const uint8_t p[SL_PT])
{
	if (crypto_core_ed25519_add(out, p, p) != 0)
		return 0;
	return crypto_core_ed25519_add(out, out, out) == 0 &&
	       crypto_core_ed25519_add(out, out, out) == 0;
}

/* k = SHA-512(R || A || M) mod L */
static void sl_challenge(uint8_t k[32], const sl_verify_item_t *it)
{
	crypto_hash_sha512_state h;
	uint8_t digest[crypto_hash_sha512_BYTES];
	crypto_hash_sha512_init(&h);
	crypto_hash_sha512_update(&h, it->sig, 32);
	crypto_hash_sha512_update(&h, it->pk, 32);
	crypto_hash_sha512_update(&h, it->msg, it->msg_sz);
	crypto_hash_sha512_final(&h, digest);
	crypto_core_ed25519_scalar_reduce(k, digest);
}

/* libsodium's noclamp scalar multiplications return -1 for a zero scalar or
 * an identity result (and for a point outside the prime-order subgroup,
 * which the callers never pass). With a scalar in [1, L) and a point of
 * order L the result is never the identity, so -1 means the identity
 * exactly when the scalar is zero; any other -1 is refused. */
static int sl_result_or_identity(uint8_t out[SL_PT], int rc, const uint8_t scalar[32])
{
	if (rc == 0)
		return 1;
	if (!sodium_is_zero(scalar, 32))
		return 0;
	memcpy(out, sl_ed25519_identity, SL_PT);
	return 1;
}

/* The rule for a signature that libsodium rejected. Clause 4, needed only
 * when A or R carries a torsion component, is decided as
 * [8S mod L]B == [8]R + [k]([8]A): multiplying by 8 first moves R and A into
 * the prime-order subgroup, where libsodium's scalar multiplication works. */
static int sl_sodium_rule_slow(const sl_verify_item_t *it)
{
	const uint8_t *r = it->sig, *s = it->sig + 32, *a = it->pk;
	uint8_t r8[SL_PT], a8[SL_PT], k[32], s8[32], lhs[SL_PT], ka8[SL_PT], rhs[SL_PT];

	if (!sl_ed25519_scalar_is_canonical(s) || !sl_ed25519_y_is_canonical(a) ||
	    !sl_ed25519_y_is_canonical(r))
		return 0;
	/* With clauses 1-2 holding, libsodium can only have refused a small-order
	 * point or the cofactorless equation. If A and R are both in the
	 * prime-order subgroup (and not the identity), so is [S]B - R - [k]A,
	 * and multiplying it by 8 cannot make it the identity: libsodium's
	 * verdict is the rule's. This is the common invalid signature (honest key
	 * and R, wrong S or message), and the check costs two [L]P products
	 * instead of the cofactored equation below. */
	if (crypto_core_ed25519_is_valid_point(a) && crypto_core_ed25519_is_valid_point(r))
		return 0;
	/* Clause 3: P is of small order iff [8]P is the identity. */
	if (!sl_point_times8(a8, a) || !sl_point_times8(r8, r))
		return 0;
	if (memcmp(a8, sl_ed25519_identity, SL_PT) == 0 ||
	    memcmp(r8, sl_ed25519_identity, SL_PT) == 0)
		return 0;

	sl_challenge(k, it);
	crypto_core_ed25519_scalar_mul(s8, s, sl_scalar_eight);
	if (!sl_result_or_identity(lhs, crypto_scalarmult_ed25519_base_noclamp(lhs, s8), s8))
		return 0;
	if (!sl_result_or_identity(ka8, crypto_scalarmult_ed25519_noclamp(ka8, k, a8), k))
		return 0;
	if (crypto_core_ed25519_add(rhs, r8, ka8) != 0)
		return 0;
	return memcmp(lhs, rhs, SL_PT) == 0;
}

static int sl_sodium_one(const sl_verify_item_t *it)
{
	if (crypto_sign_verify_detached(it->sig, it->msg, it->msg_sz, it->pk) == 0)
		return 1;
	return sl_sodium_rule_slow(it);
}

/* Signature by signature: each verdict is the single rule by construction. */
static size_t sl_sodium_batch(void *state, const sl_verify_item_t *items, size_t n, uint8_t *ok)
{
	(void)state;
	size_t valid = 0;
	for (size_t i = 0; i < n; i++) {
		ok[i] = (uint8_t)sl_sodium_one(&items[i]);
		valid += ok[i];
	}
	return valid;
}

const struct sl_verify_ops sl_verify_sodium_ops = {
	.create = NULL,
	.destroy = NULL,
	.batch = sl_sodium_batch,
	.one = sl_sodium_one,
};
