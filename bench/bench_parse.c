/* Parse benchmarks: sl_txn_parse over a realistic mix of transactions, legacy
 * and v0 apart, each against a baseline measured in the same run: copying the
 * same bytes once (the least a dataplane does with a packet).
 *
 * The mix is the @solana/web3.js vector corpus when SLUICE_VECTORS_DIR holds
 * it, else transactions built here in the same shapes (transfers and memos by
 * 1-3 signers; v0 with one lookup table), so a user's clone still runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbench.h"
#include "sl_txn.h"

#define SET_MAX 1024

struct txn_set {
	size_t n, bytes;
	uint32_t off[SET_MAX];
	uint16_t sz[SET_MAX];
	uint8_t data[SET_MAX * SL_TXN_MTU];
};

static struct txn_set sets[2]; /* indexed by enum sl_txn_version */
static int loaded;

/* Keeps a transaction that parses, in the set of its version. */
static void set_add(const uint8_t *b, size_t sz)
{
	sl_txn_t t;
	if (sl_txn_parse(b, sz, &t) != SL_TXN_OK)
		return;
	struct txn_set *s = &sets[t.version];
	if (s->n == SET_MAX)
		return;
	s->off[s->n] = (uint32_t)s->bytes;
	s->sz[s->n] = (uint16_t)sz;
	memcpy(s->data + s->bytes, b, sz);
	s->bytes += sz;
	s->n++;
}

static int load_web3js(void)
{
	const char *dir = getenv("SLUICE_VECTORS_DIR");
	if (dir == NULL)
		return 0;
	char path[4096];
	snprintf(path, sizeof(path), "%s/solana-web3js/txs.bin", dir);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	uint8_t hdr[2], buf[SL_TXN_MTU];
	while (fread(hdr, 1, 2, f) == 2) {
		const size_t sz = hdr[0] | (size_t)hdr[1] << 8;
		if (sz > sizeof(buf) || fread(buf, 1, sz, f) != sz)
			break;
		set_add(buf, sz);
	}
	fclose(f);
	return sets[0].n > 0 && sets[1].n > 0;
}

/* ---- Synthetic transactions in the corpus's shapes ---- */

struct writer {
	uint8_t b[SL_TXN_MTU];
	size_t n;
	uint32_t seed;
};

static void put(struct writer *w, unsigned v)
{
	w->b[w->n++] = (uint8_t)v;
}

static void put_random(struct writer *w, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		w->seed = w->seed * 1103515245u + 12345u;
		put(w, w->seed >> 24);
	}
}

/* Every count in these shapes is below 128: one compact-u16 byte. */
static void synth_one(unsigned nsig, int v0, unsigned ninstr, uint32_t seed)
{
	struct writer w = { .seed = seed };
	const unsigned nacct = nsig + 3; /* signers, recipient, 2 programs */
	const unsigned prog_transfer = nsig + 1, prog_memo = nsig + 2;
	put(&w, nsig);
	put_random(&w, (size_t)SL_TXN_SIG_SZ * nsig);
	if (v0)
		put(&w, 0x80);
	put(&w, nsig);
	put(&w, 0);
	put(&w, 2);
	put(&w, nacct);
	put_random(&w, (size_t)SL_TXN_PUBKEY_SZ * nacct + SL_TXN_HASH_SZ);
	put(&w, ninstr);
	for (unsigned k = 0; k < ninstr; k++) {
		if (k % 2 == 0) { /* transfer: payer -> recipient (or a table key) */
			put(&w, prog_transfer);
			put(&w, 2);
			put(&w, 0);
			put(&w, v0 ? nacct + k % 4 : nsig);
			put(&w, 12);
			put_random(&w, 12);
		} else { /* memo signed by every signer */
			put(&w, prog_memo);
			put(&w, nsig);
			for (unsigned s = 0; s < nsig; s++)
				put(&w, s);
			put(&w, 40);
			put_random(&w, 40);
		}
	}
	if (v0) {
		put(&w, 1);
		put_random(&w, SL_TXN_PUBKEY_SZ);
		put(&w, 4);
		for (unsigned k = 0; k < 4; k++)
			put(&w, k);
		put(&w, 2);
		put(&w, 4);
		put(&w, 5);
	}
	set_add(w.b, w.n);
}

static void load_synthetic(void)
{
	for (uint32_t k = 0; k < 256; k++)
		synth_one(1 + k % 3, (int)(k & 1), 1 + (k >> 1) % 4, k);
}

static void load_once(void)
{
	if (loaded)
		return;
	loaded = 1;
	const char *source = "web3js vectors";
	if (!load_web3js()) {
		memset(sets, 0, sizeof(sets));
		load_synthetic();
		source = "synthetic transactions (SLUICE_VECTORS_DIR unset or without web3js)";
	}
	fprintf(stderr, "bench_parse: %s: %zu legacy, %zu v0\n", source, sets[0].n, sets[1].n);
}

/* ---- Benchmarks ---- */

static const struct txn_set *set_for(cbench_state_t *st, enum sl_txn_version v)
{
	load_once();
	if (sets[v].n == 0) {
		cbench_skip_with_error(st, "no transactions of this version");
		return NULL;
	}
	return &sets[v];
}

static void report(cbench_state_t *st, const struct txn_set *s)
{
	const int64_t iters = cbench_iterations_run(st);
	cbench_set_items_processed(st, iters * (int64_t)s->n);
	cbench_set_bytes_processed(st, iters * (int64_t)s->bytes);
	cbench_counter(st, "txn_bytes_avg", (double)s->bytes / (double)s->n, CBENCH_COUNTER_DEFAULT);
}

static void parse_set(cbench_state_t *st, enum sl_txn_version v)
{
	const struct txn_set *s = set_for(st, v);
	if (s == NULL)
		return;
	size_t ok = 0;
	while (cbench_keep_running(st)) {
		for (size_t k = 0; k < s->n; k++) {
			sl_txn_t t;
			ok += sl_txn_parse(s->data + s->off[k], s->sz[k], &t) == SL_TXN_OK;
			sl_txn_t *tp = &t; /* the caller reads what the parser wrote */
			cbench_do_not_optimize(tp);
		}
	}
	if (ok != (size_t)cbench_iterations_run(st) * s->n) {
		cbench_skip_with_error(st, "a transaction that parsed at load failed");
		return;
	}
	report(st, s);
}

static void copy_set(cbench_state_t *st, enum sl_txn_version v)
{
	const struct txn_set *s = set_for(st, v);
	if (s == NULL)
		return;
	static uint8_t scratch[SL_TXN_MTU];
	while (cbench_keep_running(st)) {
		for (size_t k = 0; k < s->n; k++) {
			memcpy(scratch, s->data + s->off[k], s->sz[k]);
			uint8_t *p = scratch; /* escapes, so the copy must happen */
			cbench_do_not_optimize(p);
		}
	}
	report(st, s);
}

static void bench_parse_legacy(cbench_state_t *st) { parse_set(st, SL_TXN_V_LEGACY); }
static void bench_parse_v0(cbench_state_t *st) { parse_set(st, SL_TXN_V0); }
static void bench_copy_legacy(cbench_state_t *st) { copy_set(st, SL_TXN_V_LEGACY); }
static void bench_copy_v0(cbench_state_t *st) { copy_set(st, SL_TXN_V0); }

CBENCH_REGISTER
{
	cbench_register("parse/legacy", bench_parse_legacy);
	cbench_register("parse/v0", bench_parse_v0);
	cbench_register("parse/baseline_copy_legacy", bench_copy_legacy);
	cbench_register("parse/baseline_copy_v0", bench_copy_v0);
}
