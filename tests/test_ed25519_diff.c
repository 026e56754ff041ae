/* Differential test of our Ed25519 verification against libsodium 1.0.18 on
 * random cases (SLUICE_DIFF_CASES per run, default 500000 per shard; meson
 * runs two shards: 10^6 per CI run): valid signatures, bit flips in R, S, A
 * and M, wrong keys, S >= L, small-order and non-canonical encodings of A
 * and R, mixed-order keys and commitments. On every case:
 *   libsodium accepts => our single and our batch path accept;
 *   single == batch (rounds of 1..64: forced batch, forced single, adaptive);
 *   single == the rule's verdict where the construction fixes it.
 * Built without sanitizers (tests/meson.build). Usage: test_ed25519_diff
 * SHARD; SLUICE_DIFF_SEED replays a run (the seed is printed). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ed25519/batch.h"
#include "sl_test_sign.h"
#include "ed25519/single.h"

#define ROUND 64
#define NKEYS 64

enum kind {
	K_VALID, K_FLIP_R, K_FLIP_S, K_FLIP_A, K_FLIP_M, K_WRONG_KEY, K_S_PLUS_L, K_S_HIGH,
	K_SMALL_R, K_SMALL_A, K_MIXED_A, K_MIXED_R, K_NONCANON_A, K_NONCANON_R, K__COUNT
};
/* The rule's verdict by construction, or -1 when the case decides. */
static const int kind_rule[K__COUNT] = { 1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 0, 0 };

typedef struct dcase {
	uint8_t sig[64], pk[32], msg[128];
	size_t msg_sz;
	int kind;
} dcase_t;

static const uint8_t torsion8[32] = {
	0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
};
static const uint8_t L_bytes[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

/* small-order encodings: 8 canonical, then non-canonical ones (y + p for
 * y = 0 and 1 with both signs; x = 0 with the sign bit for y = 1, -1) */
static uint8_t small_enc[14][32];
static uint8_t pks[NKEYS][32], sks[NKEYS][64], secret[NKEYS][32];
static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t bound)
{
	return (uint32_t)(rnd64() % bound);
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd64();
}

static void rnd_scalar(uint8_t s[32])
{
	uint8_t wide[64];
	rnd_bytes(wide, 64);
	crypto_core_ed25519_scalar_reduce(s, wide);
}

static int die(const char *what)
{
	fprintf(stderr, "test_ed25519_diff: %s\n", what);
	exit(1);
}

static void setup(void)
{
	static const uint8_t id[32] = { 1 };
	memcpy(small_enc[0], id, 32);
	for (int j = 1; j < 8; j++)
		if (crypto_core_ed25519_add(small_enc[j], small_enc[j - 1], torsion8) != 0)
			die("torsion setup");
	/* p + 0 and p + 1, with and without the sign bit */
	for (int j = 0; j < 4; j++) {
		memset(small_enc[8 + j], 0xff, 32);
		small_enc[8 + j][0] = (uint8_t)(0xed + (j & 1));
		small_enc[8 + j][31] = (j & 2) ? 0xff : 0x7f;
	}
	memcpy(small_enc[12], small_enc[0], 32); /* (0, 1), sign set */
	small_enc[12][31] |= 0x80;
	memcpy(small_enc[13], small_enc[4], 32); /* (0, -1), sign set */
	small_enc[13][31] |= 0x80;
	for (int i = 0; i < NKEYS; i++) {
		uint8_t seed[32], h[64];
		rnd_bytes(seed, 32);
		crypto_sign_seed_keypair(pks[i], sks[i], seed);
		crypto_hash_sha512(h, seed, 32);
		h[0] &= 248;
		h[31] &= 127;
		h[31] |= 64;
		uint8_t wide[64] = { 0 };
		memcpy(wide, h, 32);
		crypto_core_ed25519_scalar_reduce(secret[i], wide);
	}
}

/* c->sig over c->msg, R and A as given (sl_test_sign_raw). */
static void sign_raw(dcase_t *c, const uint8_t r[32], const uint8_t r_enc[32], const uint8_t a[32],
		     const uint8_t a_enc[32])
{
	sl_test_sign_raw(c->sig, r, r_enc, a, a_enc, c->msg, c->msg_sz, NULL);
	memcpy(c->pk, a_enc, 32);
}

static void make_case(dcase_t *c, int kind)
{
	int key = (int)rnd(NKEYS);
	c->kind = kind;
	c->msg_sz = rnd(sizeof(c->msg) + 1);
	rnd_bytes(c->msg, c->msg_sz);
	uint8_t r[32], R[32], A[32];
	rnd_scalar(r);
	if (crypto_scalarmult_ed25519_base_noclamp(R, r) != 0)
		memcpy(R, small_enc[0], 32); /* r = 0: probability 2^-252 */
	switch (kind) {
	case K_SMALL_R:
		sign_raw(c, (uint8_t[32]){ 0 }, small_enc[rnd(14)], secret[key], pks[key]);
		return;
	case K_SMALL_A: /* a = 0: the cofactored equation holds, the rule rejects */
		sign_raw(c, r, R, (uint8_t[32]){ 0 }, small_enc[rnd(14)]);
		return;
	case K_MIXED_A:
		if (crypto_core_ed25519_add(A, pks[key], small_enc[1 + rnd(7)]) != 0)
			die("mixed A");
		sign_raw(c, r, R, secret[key], A);
		return;
	case K_MIXED_R:
		if (crypto_core_ed25519_add(R, R, small_enc[1 + rnd(7)]) != 0)
			die("mixed R");
		sign_raw(c, r, R, secret[key], pks[key]);
		return;
	default:
		break;
	}
	crypto_sign_detached(c->sig, NULL, c->msg, c->msg_sz, sks[key]);
	memcpy(c->pk, pks[key], 32);
	switch (kind) {
	case K_FLIP_R:
		c->sig[rnd(32)] ^= (uint8_t)(1u << rnd(8));
		break;
	case K_FLIP_S:
		c->sig[32 + rnd(32)] ^= (uint8_t)(1u << rnd(8));
		break;
	case K_FLIP_A:
		c->pk[rnd(32)] ^= (uint8_t)(1u << rnd(8));
		break;
	case K_FLIP_M:
		if (c->msg_sz > 0)
			c->msg[rnd((uint32_t)c->msg_sz)] ^= (uint8_t)(1u << rnd(8));
		else
			c->msg_sz = 1; /* a different message */
		break;
	case K_WRONG_KEY:
		memcpy(c->pk, pks[(key + 1 + rnd(NKEYS - 1)) % NKEYS], 32);
		break;
	case K_S_PLUS_L: {
		unsigned carry = 0;
		for (int i = 0; i < 32; i++) {
			carry += (unsigned)c->sig[32 + i] + L_bytes[i];
			c->sig[32 + i] = (uint8_t)carry;
			carry >>= 8;
		}
		break;
	}
	case K_S_HIGH:
		c->sig[63] |= (uint8_t)(0x10 << rnd(4)); /* >= 2^252 + 2^253 > L */
		c->sig[63] |= 0x20;
		break;
	case K_NONCANON_A:
		memcpy(c->pk, small_enc[8 + rnd(4)], 32);
		break;
	case K_NONCANON_R:
		memcpy(c->sig, small_enc[8 + rnd(6)], 32);
		break;
	default:
		break;
	}
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	unsigned shard = argc > 1 ? (unsigned)atoi(argv[1]) : 0;
	const char *e = getenv("SLUICE_DIFF_CASES");
	uint64_t ncases = e ? strtoull(e, NULL, 10) : 500000;
	e = getenv("SLUICE_DIFF_SEED");
	uint64_t seed = e ? strtoull(e, NULL, 0) : (uint64_t)time(NULL) * 1000003u + shard;
	printf("test_ed25519_diff: shard %u, %" PRIu64 " cases, SLUICE_DIFF_SEED=%" PRIu64 "\n",
	       shard, ncases, seed);
	rng_state = seed;
	setup();

	ed25519_batch_t *b = ed25519_batch_create();
	if (b == NULL)
		die("batch create");
	static dcase_t cs[ROUND];
	sl_verify_item_t items[ROUND];
	uint8_t ok[ROUND];
	uint64_t done = 0, sodium_ok = 0, ours_ok = 0, fails = 0, by_kind[K__COUNT] = { 0 };
	while (done < ncases) {
		/* A round: mostly valid (the common case) or mixed, in random
		 * positions, sizes 1..64. */
		size_t n = 1 + rnd(ROUND);
		int mixed = rnd(4) == 0;
		/* mostly the batch equation; sometimes the adaptive choice or
		 * the single checks (eight in IFMA lanes) */
		uint32_t mode = rnd(8);
		ed25519_batch_force(b, mode == 0 ? -1 : mode == 1 ? 1 : 0);
		for (size_t i = 0; i < n; i++) {
			int kind = (!mixed && rnd(8) != 0) ? K_VALID : (int)rnd(K__COUNT);
			make_case(&cs[i], kind);
			items[i] = (sl_verify_item_t){ cs[i].sig, cs[i].pk, cs[i].msg, cs[i].msg_sz };
		}
		ed25519_batch_verify(b, items, n, ok);
		for (size_t i = 0; i < n; i++) {
			const dcase_t *c = &cs[i];
			int so = crypto_sign_verify_detached(c->sig, c->msg, c->msg_sz, c->pk) == 0;
			int si = ed25519_verify(c->sig, c->pk, c->msg, c->msg_sz);
			int want = kind_rule[c->kind];
			by_kind[c->kind]++;
			sodium_ok += (uint64_t)so;
			ours_ok += (uint64_t)si;
			if ((so && !si) || si != ok[i] || (want >= 0 && si != want)) {
				if (fails++ < 10) {
					fprintf(stderr, "MISMATCH case %" PRIu64 " kind %d: sodium %d single %d batch %d rule %d\n  pk ",
						done + i, c->kind, so, si, ok[i], want);
					for (int j = 0; j < 32; j++)
						fprintf(stderr, "%02x", c->pk[j]);
					fprintf(stderr, " sig ");
					for (int j = 0; j < 64; j++)
						fprintf(stderr, "%02x", c->sig[j]);
					fprintf(stderr, " msg ");
					for (size_t j = 0; j < c->msg_sz; j++)
						fprintf(stderr, "%02x", c->msg[j]);
					fprintf(stderr, "\n");
				}
			}
		}
		done += n;
	}
	ed25519_batch_destroy(b);
	printf("cases %" PRIu64 ": libsodium accepted %" PRIu64 ", ours %" PRIu64 ", mismatches %" PRIu64 "\n",
	       done, sodium_ok, ours_ok, fails);
	printf("per kind:");
	for (int k = 0; k < K__COUNT; k++)
		printf(" %" PRIu64, by_kind[k]);
	printf("\n");
	return fails == 0 ? 0 : 1;
}
