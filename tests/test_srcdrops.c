/* sl_srcdrops: exact counts while no set overflows, the eviction guarantee
 * under a flood of one-off sources, readers against a writer (a set caught
 * mid-update, and a live writer thread), the top-N merge of tables, and
 * IPv6 sources by prefix beside IPv4 ones. */
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

/* An IPv4 source from its sl_pkt_view_t form. */
static sl_srcaddr_t v4(uint32_t ip)
{
	return sl_srcaddr_from_v4(ip);
}

/* The IPv6 source of host `host` in the /64 2001:db8:<net>::/64 (net: the
 * prefix's 32 bits after 2001:db8). */
static sl_srcaddr_t v6(uint32_t net, uint16_t host)
{
	const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, net >> 24, net >> 16 & 0xff, net >> 8 & 0xff,
			       net & 0xff, [14] = host >> 8, [15] = host & 0xff};
	return sl_srcaddr_from_v6(a, 64);
}

/* The first `n` IPv4 sources from address `from` on that go to set `set`. */
static void addrs_in_set(const sl_srcdrops_t *t, unsigned set, uint32_t from,
			 sl_srcaddr_t *out, unsigned n)
{
	for (uint32_t ip = from; n; ip++) {
		sl_srcaddr_t a = v4(ip);
		if (sl_srcdrops_set_of(t, &a) == set) {
			*out++ = a;
			n--;
		}
	}
}

static void count_n(sl_srcdrops_t *t, sl_srcaddr_t a, enum sl_src_class c, unsigned n)
{
	while (n--)
		sl_srcdrops_count(t, &a, c);
}

static void assert_src(const struct sl_srcdrops_src *s, sl_srcaddr_t a)
{
	assert_true(sl_srcaddr_eq(&s->addr, &a));
}

/* WAYS sources in every set, each with its own counts: every one is kept,
 * exactly. */
static void test_exact_until_full(void **state)
{
	(void)state;
	sl_srcdrops_t *t = table_new();
	enum { N = SL_SRCDROPS_SETS * SL_SRCDROPS_WAYS };
	static sl_srcaddr_t ips[N];
	for (unsigned s = 0; s < SL_SRCDROPS_SETS; s++)
		addrs_in_set(t, s, 1, &ips[s * SL_SRCDROPS_WAYS], SL_SRCDROPS_WAYS);
	for (unsigned k = 0; k < N; k++) {
		count_n(t, ips[k], SL_SRC_malformed, k % 5 + 1);
		count_n(t, ips[k], SL_SRC_invalid_sig, k % 3);
	}
	for (unsigned k = 0; k < N; k++) {
		const sl_srcdrops_set_t *set = &t->set[sl_srcdrops_set_of(t, &ips[k])];
		unsigned found = 0;
		for (unsigned w = 0; w < SL_SRCDROPS_WAYS; w++)
			if (sl_srcaddr_eq(&set->addr[w], &ips[k])) {
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
	sl_srcaddr_t heavy[HEAVY + 1], lone;
	addrs_in_set(t, 7, 1, heavy, HEAVY + 1);
	lone = heavy[HEAVY];
	for (unsigned h = 0; h < HEAVY; h++) {
		count_n(t, heavy[h], SL_SRC_malformed, 2 + h);
		count_n(t, heavy[h], SL_SRC_invalid_sig, h);
	}
	count_n(t, lone, SL_SRC_invalid_sig, 1);
	/* 200000 one-off sources, about 200 of them in set 7, of both families */
	for (uint32_t ip = 0x10000000; ip < 0x10000000 + 100000; ip++)
		count_n(t, v4(ip), SL_SRC_malformed, 1);
	for (uint32_t k = 0; k < 100000; k++)
		count_n(t, v6(0x10000 + k, 1), SL_SRC_malformed, 1);
	/* the heavy hitters again, between one-offs */
	for (unsigned h = 0; h < HEAVY; h++)
		count_n(t, heavy[h], SL_SRC_invalid_sig, 1);

	sl_srcdrops_top_t top;
	const sl_srcdrops_t *tables[] = {t};
	sl_srcdrops_top(tables, 1, SL_SRCDROPS_TOP_MAX, &top);
	for (unsigned h = 0; h < HEAVY; h++) {
		unsigned i = HEAVY - 1 - h; /* more drops, earlier */
		assert_src(&top.src[i], heavy[h]);
		assert_int_equal(top.src[i].n[SL_SRC_malformed], 2 + h);
		assert_int_equal(top.src[i].n[SL_SRC_invalid_sig], h + 1);
	}
	for (unsigned i = 0; i < top.n; i++)
		assert_false(sl_srcaddr_eq(&top.src[i].addr, &lone));
	assert_int_equal(top.src[HEAVY].total, 1);
	free(t);
}

static void test_top_merges_tables(void **state)
{
	(void)state;
	sl_srcdrops_t *t1 = table_new(), *t2 = table_new();
	/* a: least in each table, most in the sum */
	const sl_srcaddr_t a = v4(0x0100000a), b = v4(0x0200000a), c = v4(0x0300000a);
	count_n(t1, a, SL_SRC_malformed, 3);
	count_n(t2, a, SL_SRC_invalid_sig, 4);
	count_n(t1, b, SL_SRC_malformed, 5);
	count_n(t2, c, SL_SRC_invalid_sig, 6);
	const sl_srcdrops_t *tables[] = {t1, t2};
	sl_srcdrops_top_t top;
	sl_srcdrops_top(tables, 2, 2, &top);
	assert_int_equal(top.n, 2);
	assert_src(&top.src[0], a);
	assert_int_equal(top.src[0].n[SL_SRC_malformed], 3);
	assert_int_equal(top.src[0].n[SL_SRC_invalid_sig], 4);
	assert_int_equal(top.src[0].total, 7);
	assert_src(&top.src[1], c);
	sl_srcdrops_top(tables, 2, SL_SRCDROPS_TOP_MAX + 5, &top);
	assert_int_equal(top.n, 3);
	assert_src(&top.src[2], b);
	assert_int_equal(top.src[2].total, 5);
	sl_srcdrops_top(tables, 2, 0, &top);
	assert_int_equal(top.n, 0);
	free(t1);
	free(t2);
}

/* IPv6 sources are their /64: two hosts in one /64 are one source, summed
 * over the tables; another /64 is another source; an IPv4 source and an
 * IPv6 one with the same mapped bytes (::ffff:10.0.0.1/128) are two. The
 * JSON and the table name each as sl_srcaddr_str does. */
static void test_ipv6_sources_by_prefix(void **state)
{
	(void)state;
	sl_srcdrops_t *t1 = table_new(), *t2 = table_new();
	count_n(t1, v6(1, 1), SL_SRC_invalid_sig, 3);
	count_n(t2, v6(1, 0xbeef), SL_SRC_invalid_sig, 2);
	count_n(t1, v6(1, 2), SL_SRC_malformed, 1);
	count_n(t1, v6(2, 1), SL_SRC_malformed, 4);
	const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1};
	count_n(t2, sl_srcaddr_from_v6(mapped, 128), SL_SRC_malformed, 2);
	count_n(t1, v4(0x0100000a), SL_SRC_malformed, 1); /* 10.0.0.1 */
	const sl_srcdrops_t *tables[] = {t1, t2};
	sl_srcdrops_top_t top;
	sl_srcdrops_top(tables, 2, SL_SRCDROPS_TOP_MAX, &top);
	assert_int_equal(top.n, 4);
	assert_src(&top.src[0], v6(1, 0));
	assert_int_equal(top.src[0].n[SL_SRC_invalid_sig], 5);
	assert_int_equal(top.src[0].n[SL_SRC_malformed], 1);
	assert_int_equal(top.src[0].total, 6);
	assert_src(&top.src[1], v6(2, 0));
	assert_int_equal(top.src[1].total, 4);
	assert_int_equal(top.src[2].total, 2);
	assert_false(sl_srcaddr_is_v4(&top.src[2].addr));
	assert_src(&top.src[3], v4(0x0100000a));

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	sl_srcdrops_write_json(f, &top);
	fclose(f);
	assert_string_equal(buf, "\"sources\": {"
				 "\"2001:db8:0:1::/64\": {\"malformed\": 1, \"invalid_sig\": 5}, "
				 "\"2001:db8:0:2::/64\": {\"malformed\": 4, \"invalid_sig\": 0}, "
				 "\"::ffff:10.0.0.1/128\": {\"malformed\": 2, \"invalid_sig\": 0}, "
				 "\"10.0.0.1\": {\"malformed\": 1, \"invalid_sig\": 0}}");
	free(buf);
	f = open_memstream(&buf, &len);
	sl_srcdrops_print_table(f, &top);
	fclose(f);
	assert_non_null(strstr(buf, "\n  2001:db8:0:1::/64                1                5\n"));
	assert_non_null(strstr(buf, "\n  10.0.0.1                        1                0\n"));
	free(buf);
	free(t1);
	free(t2);
}

/* A set whose writer is inside an update (odd sequence) is left out, not
 * read half-written; once the update ends it is read with it. */
static void test_reader_skips_set_mid_update(void **state)
{
	(void)state;
	sl_srcdrops_t *t = table_new();
	const sl_srcaddr_t ip = v4(0x0400000a);
	count_n(t, ip, SL_SRC_malformed, 2);
	sl_srcdrops_set_t *set = &t->set[sl_srcdrops_set_of(t, &ip)];
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
	sl_srcaddr_t ip[SL_SRCDROPS_SETS][CHURN];
	uint64_t rounds;
	int stop;
};

static void *writer(void *p)
{
	struct writer_arg *a = p;
	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned s = 0; s < SL_SRCDROPS_SETS; s++) {
			if (s != CHURN_SET) {
				sl_srcdrops_count(a->t, &a->ip[s][0], SL_SRC_malformed);
				sl_srcdrops_count(a->t, &a->ip[s][0], SL_SRC_invalid_sig);
				continue;
			}
			for (unsigned k = 0; k < 256; k++)
				for (unsigned j = 0; j < CHURN; j++)
					sl_srcdrops_count(a->t, &a->ip[s][j], j & 1 ? SL_SRC_invalid_sig
										 : SL_SRC_malformed);
		}
		a->rounds++;
	}
	return NULL;
}

/* A way of a churned set: empty, or one of its sources with only the count
 * of its parity. */
static void assert_churned_way(const sl_srcaddr_t *ips, const sl_srcaddr_t *ip, uint64_t m,
			       uint64_t i)
{
	if (m == 0 && i == 0)
		return;
	unsigned j = 0;
	while (j < CHURN && !sl_srcaddr_eq(&ips[j], ip))
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
			assert_churned_way(a->ip[s], &set.addr[w], m, i);
			continue;
		}
		assert_true(m == i || m == i + 1);
		assert_true(sl_srcaddr_eq(&set.addr[w], &a->ip[s][0]) || m == 0);
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
	assert_true(sl_srcaddr_eq(&set.addr[0], &a.ip[0][0]));
	assert_int_equal(set.n[0][SL_SRC_malformed], a.rounds);
	assert_int_equal(set.n[0][SL_SRC_invalid_sig], a.rounds);
	print_message("%u consistent copies of a set over %llu writer rounds\n", copies,
		      (unsigned long long)a.rounds);
	free(a.t);
}

/* The classes' names, as the telemetry and metrics print them. */
static void test_class_names(void **state)
{
	(void)state;
	assert_string_equal(sl_srcdrops_class_name(SL_SRC_malformed), "malformed");
	assert_string_equal(sl_srcdrops_class_name(SL_SRC_invalid_sig), "invalid_sig");
	assert_null(sl_srcdrops_class_name(SL_SRC__COUNT));
	assert_null(sl_srcdrops_class_name(~0u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_until_full),
		cmocka_unit_test(test_heavy_hitters_survive_one_offs),
		cmocka_unit_test(test_top_merges_tables),
		cmocka_unit_test(test_ipv6_sources_by_prefix),
		cmocka_unit_test(test_reader_skips_set_mid_update),
		cmocka_unit_test(test_reader_against_live_writer),
		cmocka_unit_test(test_class_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
