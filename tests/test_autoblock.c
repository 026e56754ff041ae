/* sl_autoblock: the threshold within a window and not across windows, each
 * class's threshold (0: never), repeat offences doubling up to the cap,
 * protected sources, a failed block tried again, a blocked source left
 * alone, drops summed over the workers' tables, the stats and log line,
 * and the thread (sweeps whether or not it blocks). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <time.h>

#include "sl_autoblock.h"

#define KEY 0x5eed1234u
#define MS  1000000ull
#define S   1000000000ull
#define T0  (1000 * S) /* a CLOCK_MONOTONIC time well past 0 */

/* 10.0.0.x in sl_pkt_view_t form (the address bytes read little-endian) */
#define IP(x) (0x0000000au | (uint32_t)(x) << 24)

struct fake {
	unsigned calls;
	uint32_t ip[16];
	uint64_t until[16];
	int fail;           /* the next block calls fail */
	uint32_t protected_ip;
	unsigned sweeps;
};

static int fake_block(void *ctx, uint32_t ip, uint64_t until_ns)
{
	struct fake *f = ctx;
	if (f->fail) {
		f->fail--;
		return -1;
	}
	if (f->calls < 16) {
		f->ip[f->calls] = ip;
		f->until[f->calls] = until_ns;
	}
	f->calls++;
	return 0;
}

static bool fake_protect(void *ctx, uint32_t ip)
{
	return ip == ((struct fake *)ctx)->protected_ip;
}

static void fake_sweep(void *ctx, uint64_t now_ns)
{
	(void)now_ns;
	__atomic_add_fetch(&((struct fake *)ctx)->sweeps, 1, __ATOMIC_RELAXED);
}

struct rig {
	sl_srcdrops_t *w[2];
	const sl_srcdrops_t *tables[2];
	sl_cfg_autoblock_t cfg;
	struct fake f;
	sl_autoblock_t *ab;
	char *log;
	size_t loglen;
	FILE *logf;
};

static struct rig *rig_new(unsigned ntables)
{
	struct rig *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	for (unsigned i = 0; i < ntables; i++) {
		r->w[i] = malloc(sizeof(*r->w[i]));
		assert_non_null(r->w[i]);
		sl_srcdrops_init(r->w[i], KEY);
		r->tables[i] = r->w[i];
	}
	r->cfg = (sl_cfg_autoblock_t){.enabled = true, .malformed = 10, .invalid_sig = 5,
				      .window_ms = 1000, .block_s = 3, .block_max_s = 10};
	r->logf = open_memstream(&r->log, &r->loglen);
	assert_non_null(r->logf);
	r->ab = sl_autoblock_create(&(struct sl_autoblock_conf){
		.cfg = &r->cfg, .tables = r->tables, .ntables = ntables, .block = fake_block,
		.protect = fake_protect, .sweep = fake_sweep, .ctx = &r->f, .log = r->logf});
	assert_non_null(r->ab);
	return r;
}

static void rig_free(struct rig *r)
{
	sl_autoblock_destroy(r->ab);
	fclose(r->logf);
	free(r->log);
	free(r->w[0]);
	free(r->w[1]);
	free(r);
}

static void drops(struct rig *r, unsigned table, uint32_t ip, enum sl_src_class c, unsigned n)
{
	while (n--)
		sl_srcdrops_count(r->w[table], ip, c);
}

static const char *log_text(struct rig *r)
{
	fflush(r->logf);
	return r->log ? r->log : "";
}

static void test_threshold_in_window(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	drops(r, 0, IP(1), SL_SRC_invalid_sig, 4);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 0);
	drops(r, 0, IP(1), SL_SRC_invalid_sig, 1); /* the 5th in the window */
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 100 * MS), 1);
	assert_int_equal(r->f.calls, 1);
	assert_int_equal(r->f.ip[0], IP(1));
	assert_int_equal(r->f.until[0], T0 + 100 * MS + 3 * S);
	assert_non_null(strstr(log_text(r), "sluice-dp: autoblock: blocked 10.0.0.1/32 for 3 s "
				       "(invalid_sig: 5 in 1000 ms, offence 1)"));
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.blocks, 1);
	assert_int_equal(st.blocks_by[SL_SRC_invalid_sig], 1);
	assert_int_equal(st.blocks_by[SL_SRC_malformed], 0);
	assert_int_equal(st.active, 1);
	/* polls while it is blocked: in-flight drops do not block it again */
	drops(r, 0, IP(1), SL_SRC_invalid_sig, 20);
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 200 * MS), 0);
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.blocks, 1);
	/* expired: nothing new, nothing happens; it is no longer active */
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 4 * S), 0);
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.active, 0);
	rig_free(r);
}

/* 4 a window, windows apart: never 5 in one. */
static void test_not_across_windows(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	for (unsigned k = 0; k < 5; k++) {
		drops(r, 0, IP(2), SL_SRC_invalid_sig, 4);
		assert_int_equal(sl_autoblock_poll(r->ab, T0 + k * 1100 * MS), 0);
	}
	/* and with polls in between that see nothing new */
	drops(r, 0, IP(2), SL_SRC_invalid_sig, 4);
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 10 * S), 0);
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 10 * S + 500 * MS), 0);
	drops(r, 0, IP(2), SL_SRC_invalid_sig, 1); /* the 5th of that window */
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 10 * S + 900 * MS), 1);
	assert_int_equal(r->f.calls, 1);
	rig_free(r);
}

static void test_class_thresholds(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	r->cfg.invalid_sig = 0; /* never for this class */
	drops(r, 0, IP(3), SL_SRC_invalid_sig, 1000);
	drops(r, 0, IP(4), SL_SRC_malformed, 9);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 0);
	drops(r, 0, IP(4), SL_SRC_malformed, 1);
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 100 * MS), 1);
	assert_int_equal(r->f.ip[0], IP(4));
	assert_non_null(strstr(log_text(r), "(malformed: 10 in 1000 ms, offence 1)"));
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.blocks_by[SL_SRC_malformed], 1);
	rig_free(r);
}

/* 3 s, 6 s, then the 10 s cap. */
static void test_repeat_offences(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	uint64_t now = T0;
	const uint64_t want[] = {3 * S, 6 * S, 10 * S, 10 * S};
	for (unsigned k = 0; k < 4; k++) {
		drops(r, 0, IP(5), SL_SRC_invalid_sig, 5);
		assert_int_equal(sl_autoblock_poll(r->ab, now), 1);
		assert_int_equal(r->f.until[k], now + want[k]);
		now += want[k] + 1 * S; /* past the block and the window */
	}
	assert_non_null(strstr(log_text(r), "for 10 s (invalid_sig: 5 in 1000 ms, offence 4)"));
	rig_free(r);
}

static void test_protected(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	r->f.protected_ip = IP(6);
	drops(r, 0, IP(6), SL_SRC_invalid_sig, 50);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 0);
	drops(r, 0, IP(6), SL_SRC_invalid_sig, 50);
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 100 * MS), 0); /* same window */
	drops(r, 0, IP(6), SL_SRC_invalid_sig, 50);
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 2 * S), 0); /* a new window */
	assert_int_equal(r->f.calls, 0);
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.protected_sources, 2);
	assert_int_equal(st.blocks, 0);
	assert_non_null(strstr(log_text(r), "not blocking 10.0.0.6 (protected"));
	rig_free(r);
}

static void test_failed_block_retried(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	r->f.fail = 1;
	drops(r, 0, IP(7), SL_SRC_invalid_sig, 5);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 0);
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.errors, 1);
	assert_non_null(strstr(log_text(r), "cannot block 10.0.0.7"));
	/* no new drop needed: it is still over the threshold in its window */
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 100 * MS), 1);
	assert_int_equal(r->f.ip[0], IP(7));
	rig_free(r);
}

/* A source spread over two workers: its drops are summed. */
static void test_summed_over_workers(void **state)
{
	(void)state;
	struct rig *r = rig_new(2);
	drops(r, 0, IP(8), SL_SRC_invalid_sig, 3);
	drops(r, 1, IP(8), SL_SRC_invalid_sig, 2);
	drops(r, 1, IP(9), SL_SRC_invalid_sig, 4);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 1);
	assert_int_equal(r->f.calls, 1);
	assert_int_equal(r->f.ip[0], IP(8));
	rig_free(r);
}

/* Many sources at once, all over: each blocked once. */
static void test_many_sources(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	enum { N = 300 };
	for (unsigned k = 0; k < N; k++)
		drops(r, 0, IP(10) + (k << 8), SL_SRC_invalid_sig, 5); /* distinct addresses */
	assert_int_equal(sl_autoblock_poll(r->ab, T0), N);
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.blocks, N);
	assert_int_equal(st.active, N);
	rig_free(r);
}

static void test_json(void **state)
{
	(void)state;
	sl_autoblock_stats_t st = {.blocks = 3, .blocks_by = {1, 2}, .protected_sources = 4,
				   .errors = 5, .active = 6};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	sl_autoblock_write_json(f, &st);
	fclose(f);
	assert_string_equal(buf, "\"autoblock\": {\"blocks\": 3, \"blocks_malformed\": 1, "
				 "\"blocks_invalid_sig\": 2, \"protected\": 4, \"errors\": 5, "
				 "\"active\": 6}");
	free(buf);
}

/* The thread sweeps at once and then every second; disabled, it blocks
 * nothing; enabled, it blocks within a poll or two. */
static void test_thread(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	r->cfg.enabled = false;
	drops(r, 0, IP(11), SL_SRC_invalid_sig, 50);
	assert_int_equal(sl_autoblock_start(r->ab), 0);
	struct timespec ts = {0, 350 * (long)MS};
	nanosleep(&ts, NULL);
	sl_autoblock_stop(r->ab);
	assert_true(__atomic_load_n(&r->f.sweeps, __ATOMIC_RELAXED) >= 1);
	assert_int_equal(r->f.calls, 0);

	r->cfg.enabled = true;
	assert_int_equal(sl_autoblock_start(r->ab), 0);
	for (unsigned i = 0; i < 50 && __atomic_load_n(&r->f.calls, __ATOMIC_ACQUIRE) == 0; i++)
		nanosleep(&(struct timespec){0, 20 * (long)MS}, NULL);
	sl_autoblock_stop(r->ab);
	assert_int_equal(r->f.calls, 1);
	assert_int_equal(r->f.ip[0], IP(11));
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_in_window),
		cmocka_unit_test(test_not_across_windows),
		cmocka_unit_test(test_class_thresholds),
		cmocka_unit_test(test_repeat_offences),
		cmocka_unit_test(test_protected),
		cmocka_unit_test(test_failed_block_retried),
		cmocka_unit_test(test_summed_over_workers),
		cmocka_unit_test(test_many_sources),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
