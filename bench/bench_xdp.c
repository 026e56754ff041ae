/* The XDP prefilter's cost per packet (issue 11; bench/README.md, "XDP
 * prefilter"): the real object (bpf/sl_prefilter.bpf.o) run by the kernel
 * with bpf_prog_test_run_opts on one frame per case, a large repeat per
 * call, beside xdp/pass (bpf/sl_pass.bpf.o, a program that only returns
 * XDP_PASS) in the same run. The budget: every case at most 3x xdp/pass.
 * Beside them, xdp/part/<name> (bpf/sl_parts.bpf.o): each building block
 * of the prefilter's paths (a map lookup, an atomic add, a clock read, the
 * redirect) alone on an empty program, to read a case as the sum of its
 * parts.
 *
 * Each case loads its own copy of the object (fresh maps, so no case sees
 * another's state), fills the maps it needs through dataplane/sl_prefilter.h
 * as sluice-dp does, builds its frame, and runs it once: unless the action
 * and the one counter slot that moved are the case's, the case reports an
 * error, not a number. After the timed calls every frame must have landed
 * in that slot too (rate_limited: but for the tokens its rate refilled
 * meanwhile). Needs root: without it, or when the object does not load,
 * each case is an error.
 *
 * What is timed: the harness's clocks around each call of REPEAT frames,
 * one iteration per frame (cbench_keep_running_batch). The figure is the
 * CPU time: the process's, which counts the system time in which the kernel
 * runs the program, and not other processes' time slices, which the real
 * time takes in on a busy machine (the kernel's loop yields at every
 * reschedule). What a call adds beyond its frames (the system call, one
 * copy of the frame in and out, one page) is under 0.01 ns per frame at
 * this repeat. The kernel's own figure (duration, its average per repeat
 * without the call) is kept as the counter kernel_ns for comparison; it is
 * not the reported time because the kernel truncates it to whole ns per
 * call, too coarse for xdp/pass's few.
 *
 * The ratio: after each timed call a case also runs sl_pass on the same
 * frame, with timing paused, and reports x_pass (its CPU time over those
 * calls') and pass_ns: the two see the same load, which the ratio of two
 * separate benchmarks (xdp/pass runs first, once) does not. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "cbench.h"
#include "sl_bad_frame.h"
#include "sl_cidr.h"
#include "sl_pkt_build.h"
#include "sl_prefilter.h"
#include "sluice/sl_wire.h"

/* Frames per bpf_prog_test_run_opts call: tens of ms of kernel time per
 * call, so the fixed cost of a call is negligible per frame. */
#define REPEAT 1000000

#define MY_IP      0x0a63000bu /* 10.99.0.11: this relay (host order) */
#define PEER_IP    0x0a630001u /* 10.99.0.1: a relay peer */
#define CLIENT_IP  0x0a630101u /* 10.99.1.1: an ingest client */
#define PEER_TOKEN 1234u
/* 2001:db8:99::b, this relay's IPv6 address; 2001:db8:99:1::1, a client */
static const uint8_t my_ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, [15] = 0x0b};
static const uint8_t client_ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, 0x00, 0x01, [15] = 0x01};
/* The VLAN id of the tagged case: any; a port carries one. */
#define VLAN_TCI 100
/* A transaction of typical size; the prefilter copies and reads headers only. */
#define TXN_SZ 300

typedef enum xdp_case {
	XDP_PASS_ONLY, /* xdp/pass: sl_pass.bpf.o */
	INGEST_REDIRECT,
	GOSSIP_REDIRECT,
	RATE_LIMITED,
	BLOCKLISTED_V4,
	BLOCKLISTED_V6,
	IPV6_INGEST,
	VLAN_INGEST,
	NOT_OURS_PASS,
	BAD_IPV4,
	/* xdp/part/: bpf/sl_parts.bpf.o, one program each */
	PART_SRC_SLOT,
	PART_LPM_LOOKUP,
	PART_JIFFIES,
	PART_COARSE_CLOCK,
	PART_REDIRECT,
} xdp_case_t;

/* A part's program in sl_parts.bpf.o, by case. */
static const char *part_prog(xdp_case_t k)
{
	switch (k) {
	case PART_SRC_SLOT: return "sl_part_src_slot";
	case PART_JIFFIES: return "sl_part_jiffies";
	case PART_LPM_LOOKUP: return "sl_part_lpm_lookup";
	case PART_COARSE_CLOCK: return "sl_part_coarse_clock";
	case PART_REDIRECT: return "sl_part_redirect";
	default: return NULL;
	}
}

/* The one case loaded at a time: cbench runs every call and repetition of
 * an instance before the next instance. */
static struct fixture {
	int loaded; /* an xdp_case_t; -1: none, and obj and pf hold nothing */
	struct bpf_object *obj;
	int prog_fd;
	/* sl_pass, run between the case's timed calls (not for xdp/pass) */
	struct bpf_object *pass_obj;
	int pass_fd;
	sl_prefilter_t pf; /* the prefilter's maps (only for xdp/prefilter/) */
	uint8_t frame[SL_BAD_FRAME_CAP];
	uint32_t len;
	int action;       /* the XDP action the frame must get */
	int slot;         /* the counter it must move; -1: xdp/pass, none */
	int stray_slot;   /* rate_limited: where refilled tokens' frames go; else -1 */
	uint32_t stray_pps, stray_burst; /* how many may go there */
	char error[256];  /* why the case cannot run; "" when it can */
} fx = {.loaded = -1};

static uint8_t txn[SL_TXN_MTU];

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fx.error, sizeof fx.error, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *action_name(int action)
{
	return action == XDP_PASS ? "XDP_PASS" : action == XDP_DROP ? "XDP_DROP" : "another action";
}

/* The process's CPU time: the system time in which the kernel runs the
 * program counts, other processes' time slices do not. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* From src (host order) to this relay's dst_port. */
static sl_udp4_addr_t addr4(uint32_t src, uint16_t dst_port)
{
	return (sl_udp4_addr_t){
		.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
		.src_ip = src, .dst_ip = MY_IP, .src_port = 40000, .dst_port = dst_port,
	};
}

/* An ingest or other UDP frame from src (host order) to this relay. */
static int udp_frame(uint32_t src, uint16_t dst_port, const uint8_t *payload, size_t len)
{
	const sl_udp4_addr_t a = addr4(src, dst_port);
	size_t n = sl_pkt_build_udp4(fx.frame, sizeof fx.frame, &a, 7, payload, len);
	if (n == 0)
		return fail("sl_pkt_build_udp4 failed");
	fx.len = (uint32_t)n;
	return 0;
}

/* An IPv6 ingest frame from the client to this relay. */
static int udp6_ingest_frame(void)
{
	sl_udp6_addr_t a = {
		.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
		.src_port = 40000, .dst_port = SL_PORT_INGEST,
	};
	memcpy(a.src_ip, client_ip6, sizeof a.src_ip);
	memcpy(a.dst_ip, my_ip6, sizeof a.dst_ip);
	size_t n = sl_pkt_build_udp6(fx.frame, sizeof fx.frame, &a, txn, TXN_SZ);
	if (n == 0)
		return fail("sl_pkt_build_udp6 failed");
	fx.len = (uint32_t)n;
	return 0;
}

/* Blocks c for an hour: a live entry. */
static int block_for_an_hour(const sl_cidr_t *c)
{
	if (sl_prefilter_block(&fx.pf, c, sl_prefilter_now_ns() + 3600 * SL_PF_NS) != 0)
		return fail("sl_prefilter_block: %s", strerror(errno));
	return 0;
}

static int counters(uint64_t c[SL_PF__COUNT])
{
	if (sl_prefilter_counters(&fx.pf, c) != 0)
		return fail("sl_prefilter_counters: %s", strerror(errno));
	return 0;
}

/* Runs the frame once: it must get the case's action and move exactly the
 * case's counter slot, by one. */
static int run_check(int action, int slot)
{
	uint64_t before[SL_PF__COUNT], after[SL_PF__COUNT];
	if (slot >= 0 && counters(before) != 0)
		return -1;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = fx.frame, .data_size_in = fx.len, .repeat = 1);
	int rc = bpf_prog_test_run_opts(fx.prog_fd, &o);
	if (rc != 0)
		return fail("bpf_prog_test_run_opts: %s", strerror(-rc));
	if ((int)o.retval != action)
		return fail("the frame got %s (%u), not %s", action_name((int)o.retval), o.retval,
			    action_name(action));
	if (slot < 0)
		return 0;
	if (counters(after) != 0)
		return -1;
	for (unsigned i = 0; i < SL_PF__COUNT; i++) {
		uint64_t d = after[i] - before[i], want = (int)i == slot ? 1 : 0;
		if (d != want)
			return fail("counter %s moved by %llu: the frame did not take the path of %s",
				    sl_prefilter_counter_name(i), (unsigned long long)d,
				    sl_prefilter_counter_name((unsigned)slot));
	}
	return 0;
}

static int configure(const struct sl_pf_conf *conf)
{
	if (sl_prefilter_configure(&fx.pf, conf) != 0)
		return fail("sl_prefilter_configure: %s", strerror(errno));
	return 0;
}

/* The case's frame: ingest from a client unless the case says otherwise. */
static int build_frame(xdp_case_t k)
{
	switch (k) {
	case GOSSIP_REDIRECT: {
		uint8_t g[sizeof(struct sl_gossip_hdr) + TXN_SZ];
		size_t n = sl_gossip_frame_build(g, sizeof g, 2, PEER_TOKEN, txn, TXN_SZ);
		if (n == 0)
			return fail("sl_gossip_frame_build failed");
		return udp_frame(PEER_IP, SL_PORT_GOSSIP, g, n);
	}
	case NOT_OURS_PASS:
		/* to the control port: the kernel's */
		return udp_frame(CLIENT_IP, SL_PORT_CONTROL, txn, TXN_SZ);
	case BAD_IPV4: {
		/* a bad header checksum: the last IPv4 header rule, so all
		 * the others have run */
		const sl_udp4_addr_t a = addr4(CLIENT_IP, SL_PORT_INGEST);
		size_t n = sl_bad_frame_build(SL_BAD_FRAME_IP_CSUM, fx.frame, sizeof fx.frame, &a,
					      SL_PORT_GOSSIP, txn, TXN_SZ);
		if (n == 0)
			return fail("sl_bad_frame_build failed");
		fx.len = (uint32_t)n;
		return 0;
	}
	case BLOCKLISTED_V6:
	case IPV6_INGEST:
		return udp6_ingest_frame();
	case VLAN_INGEST: {
		/* IPv4 ingest behind one 802.1Q tag */
		if (udp_frame(CLIENT_IP, SL_PORT_INGEST, txn, TXN_SZ) != 0)
			return -1;
		size_t n = sl_pkt_vlan_tag(fx.frame, fx.len, sizeof fx.frame, VLAN_TCI);
		if (n == 0)
			return fail("sl_pkt_vlan_tag failed");
		fx.len = (uint32_t)n;
		return 0;
	}
	default:
		return udp_frame(CLIENT_IP, SL_PORT_INGEST, txn, TXN_SZ);
	}
}

/* The entries the parts' lookups must find (bpf/sl_parts.bpf.c): the
 * client's slot in set 12345 (SL_PART_SET), its /24 in the trie. */
static int fill_part_maps(void)
{
	const struct bpf_map *srcs = bpf_object__find_map_by_name(fx.obj, "sl_part_srcs");
	const struct bpf_map *lpm = bpf_object__find_map_by_name(fx.obj, "sl_part_lpm");
	if (srcs == NULL || lpm == NULL)
		return fail("sl_parts.bpf.o lacks its maps");
	uint32_t src = __builtin_bswap32(CLIENT_IP), set = 12345;
	struct sl_pf_srcset ss = {.way[0] = {.key = sl_pf_srckey4(src), .epoch = 1}};
	struct sl_pf_lpm_key k = {.prefixlen = 24, .addr = src};
	struct sl_pf_block blk = {.prefixlen = 24};
	if (bpf_map_update_elem(bpf_map__fd(srcs), &set, &ss, BPF_ANY) != 0 ||
	    bpf_map_update_elem(bpf_map__fd(lpm), &k, &blk, BPF_ANY) != 0)
		return fail("filling sl_parts.bpf.o's maps: %s", strerror(errno));
	return 0;
}

/* The map entries that send the case's frame down its path, and what the
 * frame must then do. */
static int fill_maps(xdp_case_t k)
{
	const uint8_t my_ip[4] = {10, 99, 0, 11};
	struct sl_pf_conf conf = sl_pf_conf_make(my_ip, SL_PORT_INGEST, SL_PORT_GOSSIP);
	memcpy(conf.ip6, my_ip6, sizeof conf.ip6); /* a relay of both families */
	/* redirected: with no socket in xsks_map (test_run), XDP_PASS */
	fx.action = XDP_PASS;
	fx.slot = SL_PF_REDIRECTED;
	fx.stray_slot = -1;
	fx.stray_pps = fx.stray_burst = 0;
	switch (k) {
	case XDP_PASS_ONLY:
		fx.slot = -1; /* no maps */
		return 0;
	case PART_SRC_SLOT:
	case PART_LPM_LOOKUP:
	case PART_JIFFIES:
	case PART_COARSE_CLOCK:
	case PART_REDIRECT:
		fx.slot = -1; /* no counters: XDP_PASS says the part did its work */
		return fill_part_maps();
	case GOSSIP_REDIRECT:
		if (sl_prefilter_put_peer(&fx.pf, 4, (const uint8_t[]){10, 99, 0, 1}, PEER_TOKEN, 0) != 0)
			return fail("sl_prefilter_put_peer: %s", strerror(errno));
		break;
	case RATE_LIMITED:
		/* 1 a second, burst 1: the first frame spends the bucket;
		 * over a run of ~1e8 frames the refill lets a few through */
		sl_pf_conf_rate(&conf, 1, 1);
		if (configure(&conf) != 0 || run_check(XDP_PASS, SL_PF_REDIRECTED) != 0)
			return -1;
		fx.action = XDP_DROP;
		fx.slot = SL_PF_DROP_RATE_LIMITED;
		fx.stray_slot = SL_PF_REDIRECTED;
		fx.stray_pps = conf.rate_pps;
		fx.stray_burst = conf.burst;
		return 0;
	case BLOCKLISTED_V4: {
		/* the client's /24 */
		const sl_cidr_t c = {.family = 4, .prefixlen = 24, .addr = {10, 99, 1, 0}};
		if (block_for_an_hour(&c) != 0)
			return -1;
		fx.action = XDP_DROP;
		fx.slot = SL_PF_DROP_BLOCKLISTED;
		break;
	}
	case BLOCKLISTED_V6: {
		/* the client's /64 */
		sl_cidr_t c = {.family = 6, .prefixlen = 64};
		memcpy(c.addr, client_ip6, 8);
		if (block_for_an_hour(&c) != 0)
			return -1;
		fx.action = XDP_DROP;
		fx.slot = SL_PF_DROP_BLOCKLISTED;
		break;
	}
	case NOT_OURS_PASS:
		fx.slot = SL_PF_PASS_NOT_OURS;
		break;
	case BAD_IPV4:
		fx.action = XDP_DROP;
		fx.slot = (int)sl_pf_pkt_slot(SL_PKT_BAD_IP_CSUM);
		break;
	default: /* ingest_redirect, ipv6_ingest, vlan_ingest: as sluice-dp
		  * runs them, no rate limit */
		break;
	}
	return configure(&conf);
}

/* Opens and loads the object at path; its program prog's fd, or -1 (and
 * fx.error says why). *obj is the object either way (NULL when it did not
 * open), for bpf_object__close. */
static int open_prog(const char *path, const char *prog, struct bpf_object **obj)
{
	*obj = bpf_object__open_file(path, NULL);
	if (*obj == NULL)
		return fail("cannot open %s: %s", path, strerror(errno));
	int rc = bpf_object__load(*obj);
	if (rc != 0)
		return fail("cannot load %s: %s", path, strerror(-rc));
	const struct bpf_program *p = bpf_object__find_program_by_name(*obj, prog);
	int fd = p ? bpf_program__fd(p) : -1;
	if (fd < 0)
		return fail("%s has no program %s", path, prog);
	return fd;
}

static void unload(void)
{
	if (fx.loaded < 0)
		return;
	sl_prefilter_close(&fx.pf);
	bpf_object__close(fx.obj);
	bpf_object__close(fx.pass_obj);
	fx.loaded = -1;
}

/* Loads the case's object, fills its maps, runs its frame once; on failure
 * fx.error says why. */
static void load(xdp_case_t k)
{
	unload();
	fx.loaded = (int)k;
	fx.obj = fx.pass_obj = NULL;
	fx.prog_fd = fx.pass_fd = -1;
	fx.pf = SL_PREFILTER_CLOSED;
	fx.error[0] = '\0';
	for (size_t i = 0; i < sizeof txn; i++)
		txn[i] = (uint8_t)(i * 13 + 1);
	if (geteuid() != 0) {
		fail("needs root (loading and test-running XDP programs)");
		return;
	}
	/* SLUICE_BENCH_PREFILTER_OBJ: another build of the prefilter, of this
	 * layout, to compare with (scripts/xdp_ab.sh) */
	const char *other = getenv("SLUICE_BENCH_PREFILTER_OBJ");
	const char *path = k == XDP_PASS_ONLY ? SL_BENCH_PASS_OBJ
			   : part_prog(k)   ? SL_BENCH_PARTS_OBJ
			   : other && *other ? other
					    : SL_BENCH_PREFILTER_OBJ;
	const char *prog = k == XDP_PASS_ONLY ? "sl_pass" : part_prog(k) ? part_prog(k) : "sl_prefilter";
	fx.prog_fd = open_prog(path, prog, &fx.obj);
	if (fx.prog_fd < 0)
		return;
	if (k != XDP_PASS_ONLY) {
		fx.pass_fd = open_prog(SL_BENCH_PASS_OBJ, "sl_pass", &fx.pass_obj);
		if (fx.pass_fd < 0)
			return;
	}
	char err[256];
	if (k != XDP_PASS_ONLY && !part_prog(k) && sl_prefilter_open_prog(&fx.pf, fx.prog_fd, err, sizeof err) != 0) {
		fail("sl_prefilter_open_prog: %s", err);
		return;
	}
	if (build_frame(k) == 0 && fill_maps(k) == 0)
		run_check(fx.action, fx.slot);
}

/* After the timed calls: every frame in the case's slot (and the refill's
 * in the stray slot), none elsewhere. */
static int check_all(const uint64_t before[SL_PF__COUNT], uint64_t frames, double seconds)
{
	uint64_t after[SL_PF__COUNT];
	if (counters(after) != 0)
		return -1;
	uint64_t want = 0, strays = 0;
	for (unsigned i = 0; i < SL_PF__COUNT; i++) {
		uint64_t d = after[i] - before[i];
		if ((int)i == fx.slot)
			want = d;
		else if ((int)i == fx.stray_slot)
			strays = d;
		else if (d != 0)
			return fail("%llu of the frames went to %s", (unsigned long long)d,
				    sl_prefilter_counter_name(i));
	}
	double refill = seconds * fx.stray_pps + fx.stray_burst;
	if (want + strays != frames || (double)strays > refill)
		return fail("%llu of %llu frames took the path of %s, %llu went to %s",
			    (unsigned long long)want, (unsigned long long)frames,
			    sl_prefilter_counter_name((unsigned)fx.slot), (unsigned long long)strays,
			    fx.stray_slot >= 0 ? sl_prefilter_counter_name((unsigned)fx.stray_slot) : "-");
	return 0;
}

static void run_case(cbench_state_t *st, xdp_case_t k)
{
	if (fx.loaded != (int)k)
		load(k);
	uint64_t before[SL_PF__COUNT];
	if (fx.error[0] == '\0' && fx.slot >= 0)
		counters(before); /* on failure, fx.error says why */
	if (fx.error[0] != '\0') {
		cbench_skip_with_error(st, fx.error);
		return;
	}
	double t0 = now_s(), kernel_ns = 0, case_cpu = 0, pass_cpu = 0;
	int64_t calls = 0;
	while (cbench_keep_running_batch(st, REPEAT)) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = fx.frame, .data_size_in = fx.len,
			    .repeat = REPEAT);
		double c0 = cpu_s();
		int rc = bpf_prog_test_run_opts(fx.prog_fd, &o);
		case_cpu += cpu_s() - c0;
		if (rc == 0 && (int)o.retval == fx.action && fx.pass_fd >= 0) {
			/* xdp/pass once more, right after, out of the timing:
			 * the ratio of the two then sees the same load */
			cbench_pause_timing(st);
			LIBBPF_OPTS(bpf_test_run_opts, po, .data_in = fx.frame,
				    .data_size_in = fx.len, .repeat = REPEAT);
			c0 = cpu_s();
			rc = bpf_prog_test_run_opts(fx.pass_fd, &po);
			pass_cpu += cpu_s() - c0;
			cbench_resume_timing(st);
		}
		if (rc != 0 || (int)o.retval != fx.action) {
			if (rc != 0)
				fail("bpf_prog_test_run_opts: %s", strerror(-rc));
			else
				fail("a timed call got %s", action_name((int)o.retval));
			cbench_skip_with_error(st, fx.error);
			break;
		}
		kernel_ns += o.duration;
		calls++;
	}
	if (fx.error[0] == '\0' && fx.slot >= 0 &&
	    check_all(before, (uint64_t)calls * REPEAT, now_s() - t0) != 0) {
		cbench_skip_with_error(st, fx.error);
		return;
	}
	cbench_set_items_processed(st, cbench_iterations_run(st));
	cbench_counter(st, "kernel_ns", calls ? kernel_ns / (double)calls : 0, CBENCH_COUNTER_DEFAULT);
	if (pass_cpu > 0) {
		cbench_counter(st, "pass_ns", pass_cpu * 1e9 / ((double)calls * REPEAT),
			       CBENCH_COUNTER_DEFAULT);
		cbench_counter(st, "x_pass", case_cpu / pass_cpu, CBENCH_COUNTER_DEFAULT);
	}
}

#define XDP_BENCH(fn, k)                          \
	static void fn(cbench_state_t *st)        \
	{                                         \
		run_case(st, k);                  \
	}
XDP_BENCH(bench_pass, XDP_PASS_ONLY)
XDP_BENCH(bench_ingest_redirect, INGEST_REDIRECT)
XDP_BENCH(bench_gossip_redirect, GOSSIP_REDIRECT)
XDP_BENCH(bench_rate_limited, RATE_LIMITED)
XDP_BENCH(bench_blocklisted_v4, BLOCKLISTED_V4)
XDP_BENCH(bench_blocklisted_v6, BLOCKLISTED_V6)
XDP_BENCH(bench_ipv6_ingest, IPV6_INGEST)
XDP_BENCH(bench_vlan_ingest, VLAN_INGEST)
XDP_BENCH(bench_not_ours_pass, NOT_OURS_PASS)
XDP_BENCH(bench_bad_ipv4, BAD_IPV4)
XDP_BENCH(bench_part_src_slot, PART_SRC_SLOT)
XDP_BENCH(bench_part_lpm_lookup, PART_LPM_LOOKUP)
XDP_BENCH(bench_part_jiffies, PART_JIFFIES)
XDP_BENCH(bench_part_coarse_clock, PART_COARSE_CLOCK)
XDP_BENCH(bench_part_redirect, PART_REDIRECT)

CBENCH_REGISTER
{
	cbench_register("xdp/pass", bench_pass);
	cbench_register("xdp/prefilter/ingest_redirect", bench_ingest_redirect);
	cbench_register("xdp/prefilter/gossip_redirect", bench_gossip_redirect);
	cbench_register("xdp/prefilter/rate_limited", bench_rate_limited);
	cbench_register("xdp/prefilter/blocklisted_v4", bench_blocklisted_v4);
	cbench_register("xdp/prefilter/blocklisted_v6", bench_blocklisted_v6);
	cbench_register("xdp/prefilter/ipv6_ingest", bench_ipv6_ingest);
	cbench_register("xdp/prefilter/vlan_ingest", bench_vlan_ingest);
	cbench_register("xdp/prefilter/not_ours_pass", bench_not_ours_pass);
	cbench_register("xdp/prefilter/bad_ipv4", bench_bad_ipv4);
	cbench_register("xdp/part/src_slot", bench_part_src_slot);
	cbench_register("xdp/part/lpm_lookup", bench_part_lpm_lookup);
	cbench_register("xdp/part/jiffies", bench_part_jiffies);
	cbench_register("xdp/part/coarse_clock", bench_part_coarse_clock);
	cbench_register("xdp/part/redirect", bench_part_redirect);
}
