/* sl_srcdrops: exact counts while no set overflows, the eviction guarantee
 * under a flood of one-off sources, readers against a writer (a set caught
 * mid-update, and a live writer thread), and the top-N merge of tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>

#include "sl_srcdrops.h"

#define KEY 0x5eed1234u

static sl_srcdrops_t *table_new(void)
{
	sl_srcdrops_t *t = malloc(sizeof(*t));
	assert_non_null(t);
	sl_srcdrops_init(t, KEY);
	return t;
}

/* The first `n` addresses from `from` on that go to set `set`. */
static void addrs_in_set(const sl_srcdrops_t *t, unsigned set, uint32_t from, uint32_t *out,
			 unsigned n)
{
	for (uint32_t ip = from; n; ip++)
		if (sl_srcdrops_set_of(t, ip) == set) {
			*out++ = ip;
			n--;
		}
}

static void count_n(sl_srcdrops_t *t, uint32_t ip, enum sl_src_class c, unsigned n)
{
	while (n--)
		sl_srcdrops_count(t, ip, c);
}

/* WAYS sources in every set, each with its own counts: every one is kept,
 * exactly. */
static void test_exact_until_full(void **state)
{
	(void)state;
	sl_srcdrops_t *t = table_new();
	enum { N = SL_SRCDROPS_SETS * SL_SRCDROPS_WAYS };
	static uint32_t ips[N];
	for (unsigned s = 0; s < SL_SRCDROPS_SETS; s++)
		addrs_in_set(t, s, 1, &ips[s * SL_SRCDROPS_WAYS], SL_SRCDROPS_WAYS);
	for (unsigned k = 0; k < N; k++) {
		count_n(t, ips[k], SL_SRC_malformed, k % 5 + 1);
		count_n(t, ips[k], SL_SRC_invalid_sig, k % 3);
	}
	for (unsigned k = 0; k < N; k++) {
		const sl_srcdrops_set_t *set = &t->set[sl_srcdrops_set_of(t, ips[k])];
		unsigned found = 0;
		for (unsigned w = 0; w < SL_SRCDROPS_WAYS; w++)
			if (set->ip[w] == ips[k]) {
				found++;
				assert_int_equal(set->n[w][SL_SRC_malformed], k % 5 + 1);
				assert_int_equal(set->n[w][SL_SRC_invalid_sig], k % 3);
			}
		assert_int_equal(found, 1);
	}
	/* the largest totals (7: k % 15 == 14) come first */
	sl_srcdrops_top_t top;
	const sl_srcdrops_t *tables[] = {t};
	sl_srcdrops_top(tables, 1, SL_SRCDROPS_TOP_MAX, &top);
	assert_int_equal(top.n, SL_SRCDROPS_TOP_MAX);
	assert_int_equal(top.skipped_sets, 0);
	for (unsigned i = 0; i < top.n; i++) {
		assert_int_equal(top.src[i].total, 7);
		assert_int_equal(top.src[i].n[SL_SRC_malformed], 5);
	}
	free(t);
}

/* The documented guarantee: WAYS-1 sources with 2 or more drops in one set
 * survive any number of one-off sources, with exact counts; a one-off
 * source does not. */
static void test_heavy_hitters_survive_one_offs(void **state)
{
	(void)state;
	sl_srcdrops_t *t = table_new();
	enum { HEAVY = SL_SRCDROPS_WAYS - 1 };
	uint32_t heavy[HEAVY], lone;
	addrs_in_set(t, 7, 1, heavy, HEAVY);
	addrs_in_set(t, 7, heavy[HEAVY - 1] + 1, &lone, 1);
	for (unsigned h = 0; h < HEAVY; h++) {
		count_n(t, heavy[h], SL_SRC_malformed, 2 + h);
		count_n(t, heavy[h], SL_SRC_invalid_sig, h);
	}
	sl_srcdrops_count(t, lone, SL_SRC_invalid_sig);
	/* 200000 one-off sources, about 200 of them in set 7 */
	for (uint32_t ip = 0x10000000; ip < 0x10000000 + 200000; ip++)
		sl_srcdrops_count(t, ip, SL_SRC_malformed);
	/* the heavy hitters again, between one-offs */
	for (unsigned h = 0; h < HEAVY; h++)
		sl_srcdrops_count(t, heavy[h], SL_SRC_invalid_sig);

	sl_srcdrops_top_t top;
	const sl_srcdrops_t *tables[] = {t};
	sl_srcdrops_top(tables, 1, SL_SRCDROPS_TOP_MAX, &top);
	for (unsigned h = 0; h < HEAVY; h++) {
		unsigned i = HEAVY - 1 - h; /* more drops, earlier */
		assert_int_equal(top.src[i].ip, heavy[h]);
		assert_int_equal(top.src[i].n[SL_SRC_malformed], 2 + h);
		assert_int_equal(top.src[i].n[SL_SRC_invalid_sig], h + 1);
	}
	for (unsigned i = 0; i < top.n; i++)
		assert_int_not_equal(top.src[i].ip, lone);
	assert_int_equal(top.src[HEAVY].total, 1);
	free(t);
}

static void test_top_merges_tables(void **state)
{
	(void)state;
	sl_srcdrops_t *t1 = table_new(), *t2 = table_new();
	/* a: least in each table, most in the sum */
	const uint32_t a = 0x0100000a, b = 0x0200000a, c = 0x0300000a;
	count_n(t1, a, SL_SRC_malformed, 3);
	count_n(t2, a, SL_SRC_invalid_sig, 4);
	count_n(t1, b, SL_SRC_malformed, 5);
	count_n(t2, c, SL_SRC_invalid_sig, 6);
	const sl_srcdrops_t *tables[] = {t1, t2};
	sl_srcdrops_top_t top;
	sl_srcdrops_top(tables, 2, 2, &top);
	assert_int_equal(top.n, 2);
	assert_int_equal(top.src[0].ip, a);
	assert_int_equal(top.src[0].n[SL_SRC_malformed], 3);
	assert_int_equal(top.src[0].n[SL_SRC_invalid_sig], 4);
	assert_int_equal(top.src[0].total, 7);
	assert_int_equal(top.src[1].ip, c);
	sl_srcdrops_top(tables, 2, SL_SRCDROPS_TOP_MAX + 5, &top);
	assert_int_equal(top.n, 3);
	assert_int_equal(top.src[2].ip, b);
	assert_int_equal(top.src[2].total, 5);
	sl_srcdrops_top(tables, 2, 0, &top);
	assert_int_equal(top.n, 0);
	free(t1);
	free(t2);
}

/* A set whose writer is inside an update (odd sequence) is left out, not
 * read half-written; once the update ends it is read with it. */
static void test_reader_skips_set_mid_update(void **state)
{
	(void)state;
	sl_srcdrops_t *t = table_new();
	const uint32_t ip = 0x0400000a;
	count_n(t, ip, SL_SRC_malformed, 2);
	sl_srcdrops_set_t *set = &t->set[sl_srcdrops_set_of(t, ip)];
	const sl_srcdrops_t *tables[] = {t};
	sl_srcdrops_top_t top;

	set->seq++; /* the writer has begun an update ... */
	set->n[0][SL_SRC_invalid_sig]++;
	sl_srcdrops_top(tables, 1, 4, &top);
	assert_int_equal(top.n, 0);
	assert_int_equal(top.skipped_sets, 1);
	set->seq++; /* ... and ended it */
	sl_srcdrops_top(tables, 1, 4, &top);
	assert_int_equal(top.n, 1);
	assert_int_equal(top.skipped_sets, 0);
	assert_int_equal(top.src[0].n[SL_SRC_malformed], 2);
	assert_int_equal(top.src[0].n[SL_SRC_invalid_sig], 1);
	free(t);
}

/* A writer thread works round after round until the reader is done. In
 * every set but CHURN_SET it counts malformed then invalid_sig for one
 * source: each copy shows both counts equal or malformed one ahead. In
 * CHURN_SET, many times a round, it counts one drop for each of WAYS + 1
 * sources, malformed for even-numbered ones and invalid_sig for odd-numbered
 * ones, so drops keep replacing ways; a copy torn between a replacement's
 * fields would show a source with the other parity's count, and so would a
 * replacement that kept the old counts. The reader reads every set READS
 * times and CHURN_SET far more often. (A writer that skipped its odd
 * sequence mark still passes nearly always: its window is a few stores.) */
#define CHURN (SL_SRCDROPS_WAYS + 1)
#define CHURN_SET 1
struct writer_arg {
	sl_srcdrops_t *t;
	uint32_t ip[SL_SRCDROPS_SETS][CHURN];
	uint64_t rounds;
	int stop;
};

static void *writer(void *p)
{
	struct writer_arg *a = p;
	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned s = 0; s < SL_SRCDROPS_SETS; s++) {
			if (s != CHURN_SET) {
				sl_srcdrops_count(a->t, a->ip[s][0], SL_SRC_malformed);
				sl_srcdrops_count(a->t, a->ip[s][0], SL_SRC_invalid_sig);
				continue;
			}
			for (unsigned k = 0; k < 256; k++)
				for (unsigned j = 0; j < CHURN; j++)
					sl_srcdrops_count(a->t, a->ip[s][j], j & 1 ? SL_SRC_invalid_sig
										 : SL_SRC_malformed);
		}
		a->rounds++;
	}
	return NULL;
}

/* A way of a churned set: empty, or one of its sources with only the count
 * of its parity. */
static void assert_churned_way(const uint32_t *ips, uint32_t ip, uint64_t m, uint64_t i)
{
	if (m == 0 && i == 0)
		return;
	unsigned j = 0;
	while (j < CHURN && ips[j] != ip)
		j++;
	assert_true(j < CHURN);
	assert_int_equal(j & 1 ? m : i, 0);
}

/* Copies set s once, as a reader beside the writer; checks the copy (see
 * writer) and returns 1, or 0 when the read gave up. */
static unsigned check_copy(const struct writer_arg *a, unsigned s)
{
	sl_srcdrops_set_t set;
	if (!sl_srcdrops_read_set(a->t, s, &set))
		return 0;
	for (unsigned w = 0; w < SL_SRCDROPS_WAYS; w++) {
		uint64_t m = set.n[w][SL_SRC_malformed], i = set.n[w][SL_SRC_invalid_sig];
		if (s == CHURN_SET) {
			assert_churned_way(a->ip[s], set.ip[w], m, i);
			continue;
		}
		assert_true(m == i || m == i + 1);
		assert_true(set.ip[w] == a->ip[s][0] || m == 0);
	}
	return 1;
}

static void test_reader_against_live_writer(void **state)
{
	(void)state;
	enum { READS = 200, CHURN_READS = 2000000 };
	static struct writer_arg a;
	a.t = table_new();
	for (unsigned s = 0; s < SL_SRCDROPS_SETS; s++)
		addrs_in_set(a.t, s, 0x0a000000, a.ip[s], s == CHURN_SET ? CHURN : 1);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, writer, &a), 0);
	unsigned copies = 0;
	for (unsigned r = 0; r < READS; r++)
		for (unsigned s = 0; s < SL_SRCDROPS_SETS; s++)
			copies += check_copy(&a, s);
	for (unsigned r = 0; r < CHURN_READS; r++)
		copies += check_copy(&a, CHURN_SET);
	__atomic_store_n(&a.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	/* Writer gone: every drop of set 0's one source is there. */
	sl_srcdrops_set_t set;
	assert_true(sl_srcdrops_read_set(a.t, 0, &set));
	assert_int_equal(set.ip[0], a.ip[0][0]);
	assert_int_equal(set.n[0][SL_SRC_malformed], a.rounds);
	assert_int_equal(set.n[0][SL_SRC_invalid_sig], a.rounds);
	print_message("%u consistent copies of a set over %llu writer rounds\n", copies,
		      (unsigned long long)a.rounds);
	free(a.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_until_full),
		cmocka_unit_test(test_heavy_hitters_survive_one_offs),
		cmocka_unit_test(test_top_merges_tables),
		cmocka_unit_test(test_reader_skips_set_mid_update),
		cmocka_unit_test(test_reader_against_live_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
