/* batch: random linear combination, bisection, adaptive switch. */
#include "batch.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "fe_many.h"
#include "keycache.h"
#include "msm.h"
#include "sc.h"
#include "single.h"

/* Above this recent invalid rate (of the signatures that reach the
 * equation) a batch costs more than single checks, which run eight at a
 * time in IFMA lanes. Measured with verify/batch/64/invalid_pct:P: batches
 * only give 58k/s at 1 %, 28k/s at 10 %, 16k/s at 50 %; single checks give
 * 53k/s at any rate (libsodium: 20k/s). Q16 fixed point. */
#define ED25519_SWITCH_RATE_Q16 (65536 / 50)
/* Larger equations save few doublings and their tables fall out of cache;
 * smaller ones bisect faster. */
#define ED25519_MSM_CHUNK 64
/* A pass of eight single checks in IFMA lanes costs about as much as four
 * scalar ones; below that, scalar. */
#define ED25519_LANES_MIN 4
/* Two signatures cost as much in one full-size equation (253 doublings) as
 * in two half-size single checks (128 each); one costs less singly. */
#define ED25519_BATCH_MIN 3
/* The rate follows the last calls with weight 1/4 each. */
#define ED25519_RATE_SHIFT 2

struct ed25519_batch {
	ed25519_prep_t prep[ED25519_BATCH_MAX];
	ed25519_pending_t pend[ED25519_BATCH_MAX];
	fe_t w[2 * ED25519_BATCH_MAX]; /* square-root exponentiations */
	uint16_t wofs[ED25519_BATCH_MAX]; /* item's R in w[], its A next (on a miss) */
	const ed25519_key_entry_t *key[ED25519_BATCH_MAX]; /* cache hit or NULL */
	const ge_cached_t *tab_a_of[ED25519_BATCH_MAX]; /* tab_a[i] or the cache's */
	ge_cached_t tab_a[ED25519_BATCH_MAX][GE_VAR_TABLE_SZ];
	ge_cached_t tab_r[ED25519_BATCH_MAX][GE_VAR_TABLE_SZ];
	int8_t naf_a[ED25519_BATCH_MAX][256];
	int8_t naf_r[ED25519_BATCH_MAX][256];
	int top_a[ED25519_BATCH_MAX], top_r[ED25519_BATCH_MAX];
	uint64_t z[ED25519_BATCH_MAX][2];
	uint16_t idx[ED25519_BATCH_MAX]; /* items that passed ed25519_prepare */
	msm_term_t terms[2 * ED25519_BATCH_MAX];
	ed25519_eq_t eq[8]; /* the single checks in IFMA lanes */
	uint8_t *ok;
	uint8_t rng_key[randombytes_SEEDBYTES];
	uint32_t rate_q16;
	int force;
	ed25519_batch_stats_t stats;
	ed25519_keycache_t keys;
};

ed25519_batch_t *ed25519_batch_create(void)
{
	ed25519_batch_t *b = aligned_alloc(64, (sizeof(*b) + 63) & ~(size_t)63);
	if (b == NULL)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->force = -1;
	ed25519_keycache_init(&b->keys);
	if (getrandom(b->rng_key, sizeof(b->rng_key), 0) != (ssize_t)sizeof(b->rng_key)) {
		free(b);
		return NULL;
	}
	return b;
}

void ed25519_batch_destroy(ed25519_batch_t *b)
{
	if (b != NULL)
		sodium_memzero(b->rng_key, sizeof(b->rng_key));
	free(b);
}

void ed25519_batch_stats(const ed25519_batch_t *b, ed25519_batch_stats_t *st)
{
	*st = b->stats;
	st->invalid_rate_q16 = b->rate_q16;
	st->key_hits = b->keys.hits;
	st->key_misses = b->keys.misses;
}

void ed25519_batch_force(ed25519_batch_t *b, int mode)
{
	b->force = mode;
}

/* n coefficients of 128 bits, and a new key: the output of one call cannot
 * be recomputed from the state after it. */
static void ed25519_batch_draw(ed25519_batch_t *b, size_t n)
{
	uint8_t buf[randombytes_SEEDBYTES + ED25519_BATCH_MAX * 16];
	size_t len = randombytes_SEEDBYTES + n * 16;
	randombytes_buf_deterministic(buf, len, b->rng_key);
	memcpy(b->rng_key, buf, randombytes_SEEDBYTES);
	memcpy(b->z, buf + randombytes_SEEDBYTES, n * 16);
	for (size_t i = 0; i < n; i++)
		if ((b->z[i][0] | b->z[i][1]) == 0)
			b->z[i][0] = 1; /* probability 2^-128; keep every term */
	sodium_memzero(buf, len);
}

/* The combination over idx[lo..hi):
 *     sum [z_i]R_i + [z_i k_i]A_i - [sum z_i S_i]B
 * (its [8] is the identity iff the equation holds). */
static void ed25519_batch_sum(ed25519_batch_t *b, size_t lo, size_t hi, ge_p3_t *sum)
{
	sc_acc_t acc;
	sc_acc_init(&acc);
	size_t nt = 0;
	for (size_t j = lo; j < hi; j++) {
		unsigned i = b->idx[j];
		sc_acc_muladd128(&acc, b->z[i], b->prep[i].S);
		b->terms[nt++] = (msm_term_t){ b->tab_r[i], b->naf_r[i], b->top_r[i] };
		b->terms[nt++] = (msm_term_t){ b->tab_a_of[i], b->naf_a[i], b->top_a[i] };
	}
	uint8_t s[32], neg_s[32];
	int8_t bnaf[256];
	sc_acc_reduce(s, &acc);
	sc_neg(neg_s, s);
	msm_base_t base = { ge_base_table, ge_base_ctable, bnaf, ge_wnaf(bnaf, neg_s, 8) };
	msm_straus(sum, b->terms, nt, &base, 1);
	b->stats.equations++;
}

/* Decide idx[lo..hi) into ok[], given the set's combination. The sums are
 * linear in the signatures, so the right half's is the set's minus the
 * left half's: one multi-scalar multiplication per level, on the left half
 * only (1 bad signature in 64 costs 64 + 32 + ... + 1). */
static void ed25519_batch_bisect(ed25519_batch_t *b, size_t lo, size_t hi, const ge_p3_t *sum)
{
	if (ed25519_sum_holds(sum)) {
		for (size_t j = lo; j < hi; j++)
			b->ok[b->idx[j]] = 1;
		return;
	}
	if (hi - lo == 1) {
		b->ok[b->idx[lo]] = 0;
		return;
	}
	size_t mid = lo + (hi - lo) / 2;
	ge_p3_t left, right;
	ge_cached_t lc;
	ge_p1p1_t t;
	ed25519_batch_sum(b, lo, mid, &left);
	ge_p3_to_cached(&lc, &left);
	ge_add_cached(&t, sum, &lc, 1);
	ge_p1p1_to_p3(&right, &t);
	ed25519_batch_bisect(b, lo, mid, &left);
	ed25519_batch_bisect(b, mid, hi, &right);
}

/* Each of idx[0..np) by its own equation: eight at a time in IFMA lanes
 * when the CPU has them. */
static void ed25519_batch_singles(ed25519_batch_t *b, size_t np, uint8_t *ok)
{
	size_t j = 0;
	while (fe_many_has_ifma() && np - j >= ED25519_LANES_MIN) {
		size_t m = np - j < 8 ? np - j : 8;
		msm_group_t groups[8];
		ge_p3_t sums[8];
		for (size_t g = 0; g < m; g++) {
			ed25519_eq_t *eq = &b->eq[g];
			ed25519_equation_terms(eq, &b->prep[b->idx[j + g]]);
			groups[g] = (msm_group_t){ eq->terms, 2, eq->bases, 2 };
		}
		msm_straus_groups_ifma(sums, groups, m);
		for (size_t g = 0; g < m; g++)
			ok[b->idx[j + g]] = (uint8_t)ed25519_sum_holds(&sums[g]);
		j += m;
	}
	for (; j < np; j++)
		ok[b->idx[j]] = (uint8_t)ed25519_check_equation(&b->prep[b->idx[j]]);
}

static int ed25519_batch_use_single(const ed25519_batch_t *b, size_t np)
{
	if (b->force >= 0)
		return b->force;
	return np < ED25519_BATCH_MIN || b->rate_q16 > ED25519_SWITCH_RATE_Q16;
}

size_t ed25519_batch_verify(ed25519_batch_t *b, const sl_verify_item_t *items, size_t n,
			    uint8_t *ok)
{
	/* decode every R and every uncached A, their square roots together */
	size_t ns = 0, np = 0, nw = 0;
	for (size_t i = 0; i < n; i++) {
		ok[i] = 0;
		b->key[i] = ed25519_keycache_find(&b->keys, items[i].pk);
		const ge_p3_t *A_dec = b->key[i] != NULL ? &b->key[i]->A : NULL;
		if (ed25519_prepare_start(&b->pend[i], items[i].sig, items[i].pk, A_dec) != 0)
			continue;
		b->idx[ns++] = (uint16_t)i;
		b->wofs[i] = (uint16_t)nw;
		b->w[nw++] = b->pend[i].dr.w;
		if (A_dec == NULL)
			b->w[nw++] = b->pend[i].da.w;
	}
	fe_pow22523_many(b->w, b->w, nw);
	for (size_t j = 0; j < ns; j++) {
		unsigned i = b->idx[j];
		const ge_p3_t *A_dec = b->key[i] != NULL ? &b->key[i]->A : NULL;
		if (ed25519_prepare_finish(&b->prep[i], &b->pend[i], &b->w[b->wofs[i]], items[i].sig,
					   items[i].pk, A_dec, items[i].msg, items[i].msg_sz) == 0)
			b->idx[np++] = (uint16_t)i;
	}
	if (np == 0)
		return 0;

	if (ed25519_batch_use_single(b, np)) {
		ed25519_batch_singles(b, np, ok);
		b->stats.singles += np;
	} else {
		ed25519_batch_draw(b, n);
		for (size_t j = 0; j < np; j++) {
			unsigned i = b->idx[j];
			ed25519_prep_t *p = &b->prep[i];
			uint8_t z[32] = {0}, zk[32];
			memcpy(z, b->z[i], 16);
			sc_mul(zk, z, p->k);
			b->top_r[i] = ge_wnaf(b->naf_r[i], z, 5);
			b->top_a[i] = ge_wnaf(b->naf_a[i], zk, 5);
			ge_var_table(b->tab_r[i], &p->R);
			if (b->key[i] != NULL) {
				b->tab_a_of[i] = b->key[i]->tab;
			} else {
				ge_var_table(b->tab_a[i], &p->A);
				b->tab_a_of[i] = b->tab_a[i];
			}
		}
		b->ok = ok;
		for (size_t lo = 0; lo < np; lo += ED25519_MSM_CHUNK) {
			size_t hi = np - lo < ED25519_MSM_CHUNK ? np : lo + ED25519_MSM_CHUNK;
			ge_p3_t sum;
			ed25519_batch_sum(b, lo, hi, &sum);
			ed25519_batch_bisect(b, lo, hi, &sum);
		}
		b->ok = NULL;
		/* only now: an entry in use by this call must not be replaced */
		for (size_t j = 0; j < np; j++) {
			unsigned i = b->idx[j];
			if (b->key[i] == NULL)
				ed25519_keycache_put(&b->keys, items[i].pk, &b->prep[i].A, b->tab_a[i]);
		}
	}

	size_t valid = 0;
	for (size_t i = 0; i < n; i++)
		valid += ok[i];
	uint32_t rate = (uint32_t)(((uint64_t)(np - (valid)) << 16) / np);
	b->rate_q16 = b->rate_q16 - (b->rate_q16 >> ED25519_RATE_SHIFT) + (rate >> ED25519_RATE_SHIFT);
	return valid;
}
