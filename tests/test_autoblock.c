/* sl_autoblock: the threshold within a window and not across windows, each
 * class's threshold (0: never), repeat offences doubling up to the cap,
 * protected sources (also when the block finds them so), a failed block
 * tried again, a blocked source left
 * alone, drops summed over the workers' tables, the stats and log line,
 * the thread (sweeps whether or not it blocks); IPv6 sources by their /64,
 * blocked as it; and the relay's protect policy (sl_autoblock_protected,
 * with sl_prefilter_allow_overlaps) and the loop's block
 * (sl_prefilter_block_unless_allowed) over real BPF maps (root; skipped
 * without). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "sl_autoblock.h"
#include "sl_test_cidr.h"

#define KEY 0x5eed1234u
#define MS  1000000ull
#define S   1000000000ull
#define T0  (1000 * S) /* a CLOCK_MONOTONIC time well past 0 */

/* The IPv4 source 10.0.0.x (x < 2^24: 10.x's three bytes). */
static sl_srcaddr_t IP(unsigned x)
{
	const uint8_t b[4] = {10, (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
	return sl_srcaddr_from_v4(sl_pkt_rd_le32(b));
}

/* The IPv6 host 2001:db8:1:<net>::<host>, counted by its /64 as the
 * workers count it by default. */
static sl_srcaddr_t IP6(uint16_t net, uint16_t host)
{
	const uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, (uint8_t)(net >> 8), (uint8_t)net,
			       [14] = (uint8_t)(host >> 8), (uint8_t)host};
	return sl_srcaddr_from_v6(b, 64);
}

struct fake {
	unsigned calls;
	sl_srcaddr_t src[16];
	uint64_t until[16];
	int fail;           /* the next block calls fail, with errno fail_errno */
	int fail_errno;
	int late_protect;   /* the next block calls find the source protected (1) */
	sl_srcaddr_t protected_src; /* prefixlen 0: none */
	/* when set, the protect callback is the relay's policy over these */
	const sl_config_t *cfg;
	const sl_prefilter_t *pf;
	unsigned sweeps;
};

static int fake_block(void *ctx, const sl_srcaddr_t *src, uint64_t until_ns)
{
	struct fake *f = ctx;
	if (f->fail) {
		f->fail--;
		errno = f->fail_errno;
		return -1;
	}
	if (f->late_protect) {
		f->late_protect--;
		return 1;
	}
	if (f->calls < 16) {
		f->src[f->calls] = *src;
		f->until[f->calls] = until_ns;
	}
	f->calls++;
	return 0;
}

static bool fake_protect(void *ctx, const sl_srcaddr_t *src)
{
	const struct fake *f = ctx;
	if (f->cfg)
		return sl_autoblock_protected(f->cfg, f->pf, src);
	return sl_srcaddr_eq(src, &f->protected_src);
}

static void assert_blocked(const struct fake *f, unsigned call, sl_srcaddr_t src)
{
	assert_true(call < f->calls);
	assert_true(sl_srcaddr_eq(&f->src[call], &src));
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

static void drops(struct rig *r, unsigned table, sl_srcaddr_t src, enum sl_src_class c,
		  unsigned n)
{
	while (n--)
		sl_srcdrops_count(r->w[table], &src, c);
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
	assert_blocked(&r->f, 0, IP(1));
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
	assert_blocked(&r->f, 0, IP(4));
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
	r->f.protected_src = IP(6);
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
	r->f.fail = 2;
	r->f.fail_errno = E2BIG; /* what a full trie answers */
	drops(r, 0, IP(7), SL_SRC_invalid_sig, 5);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 0);
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.errors, 1);
	assert_non_null(strstr(log_text(r), "cannot block 10.0.0.7: the IPv4 blocklist is full"));
	r->f.fail_errno = EPERM;
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 50 * MS), 0);
	assert_non_null(strstr(log_text(r), "cannot block 10.0.0.7: Operation not permitted"));
	/* no new drop needed: it is still over the threshold in its window */
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 100 * MS), 1);
	assert_blocked(&r->f, 0, IP(7));
	rig_free(r);
}

/* A block that finds the source protected after all (an allow written
 * after protect looked): counted and logged as protected, once a window,
 * and no block. */
static void test_protected_at_block(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	r->f.late_protect = 2;
	drops(r, 0, IP(8), SL_SRC_invalid_sig, 5);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 0);
	drops(r, 0, IP(8), SL_SRC_invalid_sig, 5);
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 100 * MS), 0);
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.protected_sources, 1);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(st.errors, 0);
	assert_non_null(strstr(log_text(r), "not blocking 10.0.0.8 (protected"));
	assert_null(strstr(log_text(r), "blocked 10.0.0.8"));
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
	assert_blocked(&r->f, 0, IP(8));
	rig_free(r);
}

/* Many sources at once, all over: each blocked once. */
static void test_many_sources(void **state)
{
	(void)state;
	struct rig *r = rig_new(1);
	enum { N = 300 };
	for (unsigned k = 0; k < N; k++)
		drops(r, 0, IP(10 + (k << 8)), SL_SRC_invalid_sig, 5); /* distinct addresses */
	assert_int_equal(sl_autoblock_poll(r->ab, T0), N);
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.blocks, N);
	assert_int_equal(st.active, N);
	rig_free(r);
}

/* An IPv6 source is its /64: hosts of one /64, on two workers, add up and
 * the /64 is blocked; another /64 is counted apart; IPv4 sources beside it
 * are blocked as their /32, as before. */
static void test_ipv6_blocked_as_prefix(void **state)
{
	(void)state;
	struct rig *r = rig_new(2);
	drops(r, 0, IP6(2, 1), SL_SRC_invalid_sig, 3);
	drops(r, 1, IP6(2, 0x99), SL_SRC_invalid_sig, 2);
	drops(r, 0, IP6(3, 1), SL_SRC_invalid_sig, 4);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 1);
	assert_blocked(&r->f, 0, IP6(2, 0));
	sl_cidr_t c;
	sl_srcaddr_cidr(&r->f.src[0], &c);
	const uint8_t net[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2};
	assert_int_equal(c.family, 6);
	assert_int_equal(c.prefixlen, 64);
	assert_memory_equal(c.addr, net, 16);
	assert_non_null(strstr(log_text(r), "sluice-dp: autoblock: blocked 2001:db8:1:2::/64 for 3 s "
				       "(invalid_sig: 5 in 1000 ms, offence 1)\n"));
	drops(r, 1, IP(1), SL_SRC_invalid_sig, 5);
	drops(r, 1, IP6(3, 0xfe), SL_SRC_invalid_sig, 1); /* its /64's 5th */
	assert_int_equal(sl_autoblock_poll(r->ab, T0 + 100 * MS), 2);
	assert_non_null(strstr(log_text(r), "blocked 10.0.0.1/32 for 3 s (invalid_sig: 5 in "));
	assert_non_null(strstr(log_text(r), "blocked 2001:db8:1:3::/64 for 3 s (invalid_sig: 5 in "));
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.blocks, 3);
	assert_int_equal(st.active, 3);
	rig_free(r);
}

/* ---- the relay's protect policy, over real maps ---- */

/* The relay t: ip 10.99.0.11, ip6 in 2001:db8:1:b::/64; peers b (IPv4
 * relay), d (IPv6 relay, in 2001:db8:1:d::/64) and v (IPv6 validator, in
 * 2001:db8:1:e::/64). */
static const char policy_cfg[] =
	"[relay]\nname=t\nip=10.99.0.11\nip6=2001:db8:1:b::11\n[port]\ntype=null\n"
	"[peer b]\nkind=relay\nip=10.99.0.12\nport=8004\nmac=02:00:00:00:00:0c\ntoken_out=1\n"
	"token_in=2\n"
	"[peer d]\nkind=relay\nip=2001:db8:1:d::d\nport=8004\nmac=02:00:00:00:00:0e\ntoken_out=3\n"
	"token_in=4\n"
	"[peer v]\nkind=validator\nip=2001:db8:1:e::14\nport=8001\nmac=02:00:00:00:00:14\n";

static sl_config_t pcfg;
static sl_prefilter_t ppf = SL_PREFILTER_CLOSED;
static int map_errno; /* why a map could not be made */

/* The prefilter's maps (sl_prefilter_create_maps); creating maps needs
 * root (CAP_BPF). */
static int policy_setup(void **state)
{
	(void)state;
	assert_int_equal(sl_config_parse(policy_cfg, sizeof(policy_cfg) - 1, "t.ini", &pcfg,
					 sl_config_report_print, stderr), 0);
	map_errno = sl_prefilter_create_maps(&ppf) != 0 ? errno : 0;
	return 0;
}

static int policy_teardown(void **state)
{
	(void)state;
	sl_prefilter_close(&ppf);
	return 0;
}

static void need_maps(void)
{
	if (ppf.allow_fd < 0 || ppf.allow6_fd < 0 || ppf.peers_fd < 0) {
		print_message("no BPF maps (%s): needs root\n", strerror(map_errno));
		skip();
	}
}

static void allow(const char *text)
{
	sl_cidr_t c = sl_test_cidr(text);
	assert_int_equal(sl_prefilter_allow(&ppf, &c), 0);
}

static void unallow(const char *text)
{
	sl_cidr_t c = sl_test_cidr(text);
	assert_int_equal(sl_prefilter_unallow(&ppf, &c), 0);
}

static bool protected6(uint16_t net)
{
	sl_srcaddr_t s = IP6(net, 1);
	return sl_autoblock_protected(&pcfg, &ppf, &s);
}

static bool protected4(uint8_t last)
{
	const uint8_t b[4] = {10, 99, 0, last};
	sl_srcaddr_t s = sl_srcaddr_from_v4(sl_pkt_rd_le32(b));
	return sl_autoblock_protected(&pcfg, &ppf, &s);
}

static int overlaps(const char *text)
{
	sl_cidr_t c = sl_test_cidr(text);
	return sl_prefilter_allow_overlaps(&ppf, &c);
}

/* An allowlist entry overlaps a prefix when it covers it or lies inside
 * it, in the prefix's family only. */
static void test_allow_overlaps(void **state)
{
	(void)state;
	need_maps();
	assert_int_equal(overlaps("2001:db8:1:f::/64"), 0); /* empty */
	allow("2001:db8:1:f::77/128");
	allow("10.99.0.0/24");
	assert_int_equal(overlaps("2001:db8:1:f::/64"), 1);   /* inside it */
	assert_int_equal(overlaps("2001:db8::/32"), 1);       /* inside it */
	assert_int_equal(overlaps("2001:db8:1:f::77/128"), 1); /* the same */
	assert_int_equal(overlaps("2001:db8:1:f::78/128"), 0);
	assert_int_equal(overlaps("2001:db8:1:10::/64"), 0);
	assert_int_equal(overlaps("10.99.0.5/32"), 1);        /* covered */
	assert_int_equal(overlaps("10.0.0.0/8"), 1);          /* inside it */
	assert_int_equal(overlaps("10.99.1.0/24"), 0);
	assert_int_equal(overlaps("::a63:0/120"), 0);         /* 10.99.0.0's bytes, IPv6 */
	sl_cidr_t bad = sl_test_cidr("2001:db8:1:f::/64");
	bad.addr[15] = 1; /* a host bit past the prefix */
	errno = 0;
	assert_int_equal(sl_prefilter_allow_overlaps(&ppf, &bad), -1);
	assert_int_equal(errno, EINVAL);
	unallow("2001:db8:1:f::77/128");
	unallow("10.99.0.0/24");
}

/* The closed loop's block: refused (1, nothing written) while an
 * allowlist entry overlaps the prefix, written (0) when none does. */
static void test_block_unless_allowed(void **state)
{
	(void)state;
	need_maps();
	sl_cidr_t c4 = sl_test_cidr("10.99.0.5/32"), c6 = sl_test_cidr("2001:db8:1:f::/64");
	allow("10.99.0.0/24");
	allow("2001:db8:1:f::77/128");
	assert_int_equal(sl_prefilter_block_unless_allowed(&ppf, &c4, 0), 1);
	assert_int_equal(sl_prefilter_block_unless_allowed(&ppf, &c6, 0), 1);
	sl_pf_block_entry_t e[4];
	assert_int_equal(sl_prefilter_blocklist(&ppf, e, 4), 0);
	unallow("10.99.0.0/24");
	unallow("2001:db8:1:f::77/128");
	assert_int_equal(sl_prefilter_block_unless_allowed(&ppf, &c4, 0), 0);
	assert_int_equal(sl_prefilter_block_unless_allowed(&ppf, &c6, 0), 0);
	assert_int_equal(sl_prefilter_blocklist(&ppf, e, 4), 2);
	assert_int_equal(sl_prefilter_unblock(&ppf, &c4), 0);
	assert_int_equal(sl_prefilter_unblock(&ppf, &c6), 0);
}

/* IPv6: the /64 holding the relay's ip6, an IPv6 relay peer or validator,
 * or an allowlisted /128 is protected, as is one an allowlisted /48
 * covers, or one a live relay peer (sl_pf_peers6) is in; any other /64
 * is not. IPv4, as before: the relay's address, a configured peer, a live
 * peer (sl_pf_peers), an allowlisted prefix. */
static void test_protect_policy(void **state)
{
	(void)state;
	need_maps();
	assert_true(protected6(0xb));  /* the relay's ip6 */
	assert_true(protected6(0xd));  /* relay peer d */
	assert_true(protected6(0xe));  /* validator v */
	assert_false(protected6(0xf));
	assert_false(protected6(0xc));
	allow("2001:db8:1:f::77/128");
	assert_true(protected6(0xf));
	assert_false(protected6(0xc));
	unallow("2001:db8:1:f::77/128");
	allow("2001:db8:1::/48");
	assert_true(protected6(0xf));
	assert_true(protected6(0xc));
	unallow("2001:db8:1::/48");
	assert_false(protected6(0xf));
	/* a shorter source prefix (ip6_prefix 48) holding an allowlisted /64 */
	const uint8_t wide[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 5, [15] = 1};
	sl_srcaddr_t s48 = sl_srcaddr_from_v6(wide, 48);
	assert_false(sl_autoblock_protected(&pcfg, &ppf, &s48));
	allow("2001:db8:2:5::/64");
	assert_true(sl_autoblock_protected(&pcfg, &ppf, &s48));
	unallow("2001:db8:2:5::/64");

	assert_true(protected4(11));  /* the relay */
	assert_true(protected4(12));  /* peer b */
	assert_false(protected4(50));
	const uint8_t live[4] = {10, 99, 0, 50};
	assert_int_equal(sl_prefilter_put_peer(&ppf, 4, live, 5, 0), 0);
	assert_true(protected4(50)); /* a live relay peer */
	assert_int_equal(sl_prefilter_del_peer(&ppf, 4, live), 0);
	assert_false(protected4(50));
	/* a live IPv6 relay peer (a managed one: in no config) inside a /64 */
	const uint8_t live6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0xc, [15] = 9};
	assert_int_equal(sl_prefilter_put_peer(&ppf, 6, live6, 5, 0), 0);
	assert_true(protected6(0xc));
	assert_false(protected6(0xf));
	assert_int_equal(sl_prefilter_del_peer(&ppf, 6, live6), 0);
	assert_false(protected6(0xc));
	allow("10.99.0.48/30");
	assert_true(protected4(50));
	assert_false(protected4(52));
	unallow("10.99.0.48/30");

	/* maps that cannot be read: protect, both families */
	const sl_prefilter_t none = SL_PREFILTER_CLOSED;
	sl_srcaddr_t s6 = IP6(0xf, 1), s4 = IP(50);
	assert_true(sl_autoblock_protected(&pcfg, &none, &s6));
	assert_true(sl_autoblock_protected(&pcfg, &none, &s4));
}

/* The loop with the policy as its protect callback: IPv6 sources past the
 * threshold whose /64 holds the relay's ip6 or an allowlisted host are
 * counted as protected; another is blocked as its /64. */
static void test_protect_policy_in_loop(void **state)
{
	(void)state;
	need_maps();
	struct rig *r = rig_new(1);
	r->f.cfg = &pcfg;
	r->f.pf = &ppf;
	allow("2001:db8:1:f::77/128");
	drops(r, 0, IP6(0xb, 5), SL_SRC_invalid_sig, 5);
	drops(r, 0, IP6(0xf, 1), SL_SRC_invalid_sig, 5);
	drops(r, 0, IP6(0x20, 1), SL_SRC_invalid_sig, 5);
	assert_int_equal(sl_autoblock_poll(r->ab, T0), 1);
	unallow("2001:db8:1:f::77/128");
	assert_int_equal(r->f.calls, 1);
	assert_blocked(&r->f, 0, IP6(0x20, 0));
	sl_autoblock_stats_t st;
	sl_autoblock_stats(r->ab, &st);
	assert_int_equal(st.protected_sources, 2);
	assert_int_equal(st.blocks, 1);
	assert_non_null(strstr(log_text(r), "not blocking 2001:db8:1:b::/64 (protected"));
	assert_non_null(strstr(log_text(r), "not blocking 2001:db8:1:f::/64 (protected"));
	assert_non_null(strstr(log_text(r), "blocked 2001:db8:1:20::/64 for 3 s"));
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
	assert_blocked(&r->f, 0, IP(11));
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
		cmocka_unit_test(test_protected_at_block),
		cmocka_unit_test(test_summed_over_workers),
		cmocka_unit_test(test_many_sources),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_thread),
		cmocka_unit_test(test_ipv6_blocked_as_prefix),
		cmocka_unit_test_setup_teardown(test_allow_overlaps, policy_setup, policy_teardown),
		cmocka_unit_test_setup_teardown(test_block_unless_allowed, policy_setup,
						policy_teardown),
		cmocka_unit_test_setup_teardown(test_protect_policy, policy_setup, policy_teardown),
		cmocka_unit_test_setup_teardown(test_protect_policy_in_loop, policy_setup,
						policy_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
