/* The sodium backend of sl_verify (libsodium completed to the signature
 * rule) through sl_verify_batch, over 64 pre-signed ~200-byte messages per
 * iteration; items_per_second is signatures per second, to compare with
 * verify/libsodium (bench_ed25519.c), the plain crypto_sign_verify_detached.
 *
 * The argument is the share of invalid signatures (one bit of S flipped, so
 * S < L still holds and the rule must decide the equation): 0, and 50 for an
 * attacker that makes half of the traffic invalid. verify/sodium_rule_torsion
 * is that attacker's worst case for this backend: the invalid half also has
 * a torsion point added to R, which sends each through the full cofactored
 * equation instead of libsodium's verdict. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cbench.h"
#include "sl_verify.h"

enum { BATCH = 64, MSG_SZ = 200, SETS = 3 };

struct sig_set {
	uint8_t pk[BATCH][32];
	uint8_t sig[BATCH][64];
	uint8_t msg[BATCH][MSG_SZ];
	sl_verify_item_t items[BATCH];
};

/* [0]: all valid; [1]: every other one invalid; [2]: as [1], with torsion in
 * the invalid ones' R */
static struct sig_set sets[SETS];

/* A point of order 8. */
static const uint8_t torsion8[32] = {
	0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
};
static int signed_once;

static void sign_sets(void)
{
	if (signed_once)
		return;
	if (sodium_init() < 0)
		abort();
	for (int s = 0; s < SETS; s++) {
		for (int i = 0; i < BATCH; i++) {
			uint8_t seed[32] = { (uint8_t)i, (uint8_t)(i >> 8), 0x5e };
			uint8_t sk[64];
			crypto_sign_seed_keypair(sets[s].pk[i], sk, seed);
			for (int k = 0; k < MSG_SZ; k++)
				sets[s].msg[i][k] = (uint8_t)(i * 31 + k * 7);
			crypto_sign_detached(sets[s].sig[i], NULL, sets[s].msg[i], MSG_SZ, sk);
			if (s >= 1 && i % 2 == 1)
				sets[s].sig[i][40] ^= 0x01;
			if (s == 2 && i % 2 == 1 &&
			    crypto_core_ed25519_add(sets[s].sig[i], sets[s].sig[i], torsion8) != 0)
				abort();
			sets[s].items[i] = (sl_verify_item_t){ .sig = sets[s].sig[i], .pk = sets[s].pk[i],
							       .msg = sets[s].msg[i], .msg_sz = MSG_SZ };
		}
	}
	signed_once = 1;
}

static const struct sig_set *set_for(cbench_state_t *st)
{
	sign_sets();
	return &sets[cbench_range(st) == 50];
}

static void run_rule(cbench_state_t *st, const struct sig_set *s)
{
	sl_verifier_t *v = sl_verifier_create(SL_VERIFY_SODIUM);
	if (v == NULL) {
		cbench_skip_with_error(st, "sl_verifier_create failed");
		return;
	}
	uint8_t ok[BATCH];
	size_t want = cbench_range(st) == 50 ? BATCH / 2 : BATCH;
	while (cbench_keep_running(st)) {
		size_t valid = sl_verify_batch(v, s->items, BATCH, ok);
		if (valid != want) {
			cbench_skip_with_error(st, "sl_verify_batch: wrong number of valid signatures");
			break;
		}
		cbench_do_not_optimize(valid);
	}
	sl_verifier_destroy(v);
	cbench_set_items_processed(st, cbench_iterations_run(st) * BATCH);
}

static void bench_sodium_rule(cbench_state_t *st)
{
	run_rule(st, set_for(st));
}

static void bench_sodium_rule_torsion(cbench_state_t *st)
{
	sign_sets();
	run_rule(st, &sets[2]);
}

CBENCH_REGISTER
{
	cbench_bench_t *b = cbench_register("verify/sodium_rule", bench_sodium_rule);
	cbench_arg_named(b, "invalid_pct", 0);
	cbench_arg_named(b, "invalid_pct", 50);
	b = cbench_register("verify/sodium_rule_torsion", bench_sodium_rule_torsion);
	cbench_arg_named(b, "invalid_pct", 50);
}
