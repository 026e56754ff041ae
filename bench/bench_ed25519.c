/* Ed25519 verification: libsodium 1.0.18 (the baseline), OpenSSL 3, and our
 * own (dataplane/ed25519/) singly, in batches of 8..256, and in batches of
 * 64 with 1, 10, 50, 100 % invalid signatures (the adaptive switch at work).
 * items_per_second is signatures per CPU second. The sodium backend of
 * sl_verify is measured in bench_verify.c against the same verify/libsodium.
 *
 * The corpus: 1024 signatures by 1024 distinct keys over 200-byte messages
 * (a typical Solana message), so no key repeats within a batch; an invalid
 * signature has one message bit flipped (it fails only at the equation, the
 * most expensive way to be invalid). verify/batch/64/keys:16 signs the same
 * messages with 16 keys only, for the decoded-key cache. */
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#include "cbench.h"
#include "sl_verify.h"

#define CORPUS 1024
#define MSG_SZ 200

static struct {
	uint8_t pk[CORPUS][32];
	uint8_t sig[CORPUS][64];
	uint8_t msg[CORPUS][MSG_SZ];
	uint8_t bad_msg[CORPUS][MSG_SZ];
	sl_verify_item_t items[CORPUS];
	uint8_t few_pk[16][32];
	uint8_t few_sig[CORPUS][64];
	sl_verify_item_t few_items[CORPUS]; /* 16 keys in turn */
	int ready;
} corpus;

static void corpus_init(void)
{
	if (corpus.ready)
		return;
	if (sodium_init() < 0)
		abort();
	uint8_t few_sk[16][64];
	for (int k = 0; k < 16; k++)
		crypto_sign_keypair(corpus.few_pk[k], few_sk[k]);
	for (int i = 0; i < CORPUS; i++) {
		uint8_t sk[64];
		randombytes_buf(corpus.msg[i], MSG_SZ);
		crypto_sign_keypair(corpus.pk[i], sk);
		crypto_sign_detached(corpus.sig[i], NULL, corpus.msg[i], MSG_SZ, sk);
		memcpy(corpus.bad_msg[i], corpus.msg[i], MSG_SZ);
		corpus.bad_msg[i][i % MSG_SZ] ^= 0x01;
		corpus.items[i] = (sl_verify_item_t){ corpus.sig[i], corpus.pk[i], corpus.msg[i], MSG_SZ };
		crypto_sign_detached(corpus.few_sig[i], NULL, corpus.msg[i], MSG_SZ, few_sk[i % 16]);
		corpus.few_items[i] = (sl_verify_item_t){ corpus.few_sig[i], corpus.few_pk[i % 16],
							  corpus.msg[i], MSG_SZ };
	}
	corpus.ready = 1;
}

static void bench_verify_libsodium(cbench_state_t *st)
{
	corpus_init();
	size_t i = 0;
	while (cbench_keep_running(st)) {
		int r = crypto_sign_verify_detached(corpus.sig[i], corpus.msg[i], MSG_SZ, corpus.pk[i]);
		cbench_do_not_optimize(r);
		i = (i + 1) % CORPUS;
	}
	cbench_set_items_processed(st, cbench_iterations_run(st));
}

/* What a relay holding raw key bytes does with OpenSSL: a key object per
 * signature, then EVP_DigestVerify. */
static void bench_verify_openssl(cbench_state_t *st)
{
	corpus_init();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i = 0;
	while (cbench_keep_running(st)) {
		EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, corpus.pk[i], 32);
		int r = k != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
			EVP_DigestVerify(ctx, corpus.sig[i], 64, corpus.msg[i], MSG_SZ) == 1;
		cbench_do_not_optimize(r);
		EVP_PKEY_free(k);
		i = (i + 1) % CORPUS;
	}
	EVP_MD_CTX_free(ctx);
	cbench_set_items_processed(st, cbench_iterations_run(st));
}

static void bench_verify_single(cbench_state_t *st)
{
	corpus_init();
	size_t i = 0;
	while (cbench_keep_running(st)) {
		int r = sl_verify_one(SL_VERIFY_SLUICE, &corpus.items[i]);
		cbench_do_not_optimize(r);
		i = (i + 1) % CORPUS;
	}
	cbench_set_items_processed(st, cbench_iterations_run(st));
}

/* Batches of n through one verifier (its adaptive state carries over, as
 * on an lcore); items[] holds the corpus with pct % invalid at random
 * places. */
static void run_batches(cbench_state_t *st, size_t n, int pct, const sl_verify_item_t *from)
{
	static sl_verify_item_t items[CORPUS];
	uint32_t seed = 12345;
	for (int i = 0; i < CORPUS; i++) {
		seed = seed * 1103515245u + 12345u;
		int bad = (int)((seed >> 8) % 100) < pct;
		items[i] = from[i];
		if (bad)
			items[i].msg = corpus.bad_msg[i];
	}
	sl_verifier_t *v = sl_verifier_create(SL_VERIFY_SLUICE);
	if (v == NULL) {
		cbench_skip_with_error(st, "sl_verifier_create failed");
		return;
	}
	uint8_t ok[SL_VERIFY_BATCH_MAX];
	size_t off = 0;
	while (cbench_keep_running(st)) {
		size_t r = sl_verify_batch(v, items + off, n, ok);
		cbench_do_not_optimize(r);
		off = (off + n) % CORPUS;
	}
	sl_verifier_destroy(v);
	cbench_set_items_processed(st, cbench_iterations_run(st) * (int64_t)n);
}

static void bench_verify_batch(cbench_state_t *st)
{
	corpus_init();
	run_batches(st, (size_t)cbench_range(st), 0, corpus.items);
}

static void bench_verify_batch64_invalid(cbench_state_t *st)
{
	corpus_init();
	run_batches(st, 64, (int)cbench_range(st), corpus.items);
}

static void bench_verify_batch64_keys(cbench_state_t *st)
{
	corpus_init();
	run_batches(st, 64, 0, corpus.few_items);
}

CBENCH_REGISTER
{
	cbench_register("verify/libsodium", bench_verify_libsodium);
	cbench_register("verify/openssl", bench_verify_openssl);
	cbench_register("verify/single", bench_verify_single);
	cbench_bench_t *b = cbench_register("verify/batch", bench_verify_batch);
	for (int n = 8; n <= 256; n *= 2)
		cbench_arg(b, n);
	b = cbench_register("verify/batch/64", bench_verify_batch64_invalid);
	cbench_arg_named(b, "invalid_pct", 1);
	cbench_arg_named(b, "invalid_pct", 10);
	cbench_arg_named(b, "invalid_pct", 50);
	cbench_arg_named(b, "invalid_pct", 100);
	b = cbench_register("verify/batch/64", bench_verify_batch64_keys);
	cbench_arg_named(b, "keys", 16);
}
