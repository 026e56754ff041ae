/* The prefilter's pinned maps and the sluicectl commands that use them. The
 * object (build/bpf/sl_prefilter.bpf.o) is loaded with libbpf, configured
 * as sluice-dp does it and pinned under a test relay's name; then the real
 * sluicectl binary blocks, unblocks, lists, allows, lists, disallows, sets the
 * rate and reads the counters, and each change is checked in the maps and
 * on frames run with bpf_prog_test_run_opts. Also: stale pins replaced, a
 * layout sluicectl does not read, no pins, bad input, no BPF file system
 * (in a mount namespace of its own), the list writers' lock, unpinning. Needs root and a BPF file
 * system at /sys/fs/bpf (mounted here when absent); exits 77 without. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <linux/bpf.h>
#include <linux/magic.h>

#include "sl_pkt_build.h"
#include "sl_prefilter.h"
#include "sl_test_xdp_run.h"
#include "sl_test_cidr.h"

#define MY_IP      0x0a63000bu /* 10.99.0.11 */
#define BLOCKED_IP 0x0a630705u /* 10.99.7.5, in 10.99.7.0/24 */
#define LIMITED_IP 0x0a630505u /* 10.99.5.5, in 10.99.5.0/28 */
#define PAYLOAD_SZ 200

static struct {
	struct bpf_object *obj;
	int prog_fd;
	sl_prefilter_t pf;
	struct sl_pf_conf conf;
	char relay[SL_CFG_NAME_MAX], dir[128];
	char tmp[64], cfg[128], other_cfg[128], errfile[128];
	char ctl[4096];
} fx = {.prog_fd = -1};

/* ---- sluicectl ---- */

struct ctl_out {
	int rc;
	char out[16384], err[4096];
};

/* Runs sluicectl with the arguments (NULL-terminated) and returns its exit
 * status, stdout and stderr. */
static void ctl(struct ctl_out *o, ...)
{
	const char *argv[16] = {fx.ctl};
	va_list ap;
	va_start(ap, o);
	for (int i = 1; i < 15 && (argv[i] = va_arg(ap, const char *)) != NULL; i++)
		;
	va_end(ap);
	argv[15] = NULL;
	int out[2];
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int err = open(fx.errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(out[1], STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		close(out[0]);
		execv(fx.ctl, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	size_t n = 0;
	ssize_t r;
	while ((r = read(out[0], o->out + n, sizeof(o->out) - 1 - n)) > 0)
		n += (size_t)r;
	o->out[n] = '\0';
	close(out[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	o->rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	FILE *f = fopen(fx.errfile, "r");
	assert_non_null(f);
	n = fread(o->err, 1, sizeof(o->err) - 1, f);
	o->err[n] = '\0';
	fclose(f);
	print_message("sluicectl %s %s -> %d\n%s%s", argv[1], argv[2] ? argv[2] : "", o->rc, o->out,
		      o->err);
}

/* ---- frames ---- */

/* One ingest datagram from src (host order) through the program: its
 * action, and the counter slot that moved (exactly one must). */
static int run_from(uint32_t src, unsigned *moved)
{
	static const uint8_t payload[PAYLOAD_SZ] = {1, 2, 3};
	uint8_t f[256];
	sl_udp4_addr_t a = {
		.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
		.src_ip = src, .dst_ip = MY_IP, .src_port = 40000, .dst_port = SL_PORT_INGEST,
	};
	size_t len = sl_pkt_build_udp4(f, sizeof(f), &a, 7, payload, sizeof(payload));
	assert_true(len > 0);
	return sl_test_xdp_run(fx.prog_fd, &fx.pf, f, len, moved);
}

/* No socket in xsks_map: a redirect falls back to XDP_PASS. */
static void expect_passes(uint32_t src)
{
	unsigned moved;
	assert_int_equal(run_from(src, &moved), XDP_PASS);
	assert_string_equal(sl_prefilter_counter_name(moved), "redirected");
}

static void expect_dropped(uint32_t src, unsigned counter)
{
	unsigned moved;
	assert_int_equal(run_from(src, &moved), XDP_DROP);
	assert_string_equal(sl_prefilter_counter_name(moved), sl_prefilter_counter_name(counter));
}

static uint32_t view(uint32_t host_order_ip)
{
	const uint8_t b[4] = {(uint8_t)(host_order_ip >> 24), (uint8_t)(host_order_ip >> 16),
			      (uint8_t)(host_order_ip >> 8), (uint8_t)host_order_ip};
	return sl_pkt_rd_le32(b);
}

/* ---- the blocklist as the maps hold it ---- */

static int block_entry(const char *prefix, sl_pf_block_entry_t *found)
{
	static sl_pf_block_entry_t e[64];
	int n = sl_prefilter_blocklist(&fx.pf, e, 64);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		char s[SL_CIDR_STR_SZ];
		sl_cidr_str(&e[i].cidr, s);
		if (strcmp(s, prefix) == 0) {
			*found = e[i];
			return 1;
		}
	}
	return 0;
}

/* ---- fixture ---- */

static void write_config(const char *path, const char *relay)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[relay]\nname = %s\nip = 10.99.0.11\n[port]\ntype = null\n", relay);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	const char *build = getenv("SLUICE_BUILD_DIR");
	snprintf(fx.ctl, sizeof(fx.ctl), "%s/control/sluicectl", build ? build : "build");
	snprintf(fx.relay, sizeof(fx.relay), "pintest%d", (int)(getpid() % 100000));
	snprintf(fx.dir, sizeof(fx.dir), "%s/%s", SL_PF_PIN_ROOT, fx.relay);
	snprintf(fx.tmp, sizeof(fx.tmp), "/tmp/sl-pin-XXXXXX");
	if (mkdtemp(fx.tmp) == NULL)
		return -1;
	snprintf(fx.cfg, sizeof(fx.cfg), "%s/relay.ini", fx.tmp);
	snprintf(fx.other_cfg, sizeof(fx.other_cfg), "%s/other.ini", fx.tmp);
	snprintf(fx.errfile, sizeof(fx.errfile), "%s/stderr", fx.tmp);
	write_config(fx.cfg, fx.relay);
	write_config(fx.other_cfg, "nopins");

	char path[4096], err[256];
	snprintf(path, sizeof(path), "%s/bpf/sl_prefilter.bpf.o", build ? build : "build");
	fx.obj = bpf_object__open_file(path, NULL);
	if (!fx.obj || bpf_object__load(fx.obj) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, strerror(errno));
		return -1;
	}
	fx.prog_fd = bpf_program__fd(bpf_object__find_program_by_name(fx.obj, "sl_prefilter"));
	if (sl_prefilter_open_prog(&fx.pf, fx.prog_fd, err, sizeof(err)) != 0) {
		fprintf(stderr, "sl_prefilter_open_prog: %s\n", err);
		return -1;
	}
	/* As sluice-dp: configured, then pinned. */
	const uint8_t ip[4] = {10, 99, 0, 11};
	fx.conf = sl_pf_conf_make(ip, SL_PORT_INGEST, SL_PORT_GOSSIP);
	if (sl_prefilter_configure(&fx.pf, &fx.conf) != 0 ||
	    sl_prefilter_read_conf(&fx.pf, &fx.conf) != 0 || /* with its clock */
	    sl_prefilter_pin(&fx.pf, fx.relay, err, sizeof(err)) != 0) {
		fprintf(stderr, "configure and pin: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sl_prefilter_unpin(fx.relay);
	sl_prefilter_close(&fx.pf);
	bpf_object__close(fx.obj);
	unlink(fx.cfg);
	unlink(fx.other_cfg);
	unlink(fx.errfile);
	rmdir(fx.tmp);
	return 0;
}

/* ---- tests ---- */

static const char *const v4_maps[] = {SL_PF_CONF_PIN,    SL_PF_PEERS_MAP,   SL_PF_CPU_MAP,
				      SL_PF_SRCS_MAP,    SL_PF_GEN_PIN,
				      SL_PF_BLOCK_MAP,   SL_PF_ALLOW_MAP};

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

/* Every map is pinned, and what a reader opens are the program's maps. */
static void test_pinned(void **state)
{
	(void)state;
	char path[256], err[256];
	for (size_t i = 0; i < sizeof(v4_maps) / sizeof(v4_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fx.dir, v4_maps[i]);
		struct stat st;
		if (stat(path, &st) != 0)
			fail_msg("%s: %s", path, strerror(errno));
	}
	sl_prefilter_t p;
	if (sl_prefilter_open_pinned(&p, fx.relay, err, sizeof(err)) != 0)
		fail_msg("sl_prefilter_open_pinned: %s", err);
	/* Slot by slot: every map fd of the handle, the IPv6 maps' too; then
	 * the writers' lock, the relay's folder. */
	const int *mine = (const int *)&p, *prog = (const int *)&fx.pf;
	_Static_assert(sizeof(sl_prefilter_t) % sizeof(int) == 0, "sl_prefilter_t holds fds only");
	unsigned nmaps = offsetof(sl_prefilter_t, lock_fd) / sizeof(int), files = 0;
	for (unsigned i = 0; i < nmaps; i++) {
		assert_true(mine[i] >= 0);
		assert_int_equal(map_id(mine[i]), map_id(prog[i]));
	}
	struct stat lock, dir;
	assert_int_equal(fstat(p.lock_fd, &lock), 0);
	assert_int_equal(stat(fx.dir, &dir), 0);
	assert_true(lock.st_ino == dir.st_ino && lock.st_dev == dir.st_dev);
	assert_int_equal(fstat(fx.pf.lock_fd, &lock), 0);
	assert_true(lock.st_ino == dir.st_ino && lock.st_dev == dir.st_dev);
	sl_prefilter_close(&p);
	assert_int_equal(p.lock_fd, -1);
	DIR *d = opendir(fx.dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, nmaps);

	/* A crashed run's pins, one of a map this build does not have among
	 * them, are replaced. */
	int stale = bpf_map_create(BPF_MAP_TYPE_ARRAY, "stale", 4, 4, 1, NULL);
	assert_true(stale >= 0);
	snprintf(path, sizeof(path), "%s/stale", fx.dir);
	assert_int_equal(bpf_obj_pin(stale, path), 0);
	close(stale);
	if (sl_prefilter_pin(&fx.pf, fx.relay, err, sizeof(err)) != 0)
		fail_msg("pin again: %s", err);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(sl_prefilter_open_pinned(&p, fx.relay, err, sizeof(err)), 0);
	assert_int_equal(map_id(p.block_fd), map_id(fx.pf.block_fd));
	sl_prefilter_close(&p);

	/* A relay name becomes a path component: only names the config takes. */
	assert_int_equal(sl_prefilter_pin(&fx.pf, "../x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a relay name"));
	assert_int_equal(sl_prefilter_open_pinned(&p, "a/b", err, sizeof(err)), -1);
	assert_int_equal(sl_prefilter_unpin(".."), -1);
	assert_int_equal(errno, EINVAL);
}

/* The last word of the blocklist line of prefix. */
static const char *remaining(const char *out, const char *prefix)
{
	static char word[64];
	char head[80];
	snprintf(head, sizeof(head), "\n  %s ", prefix);
	const char *l = strstr(out, head);
	if (l == NULL)
		fail_msg("blocklist: no line for %s", prefix);
	const char *end = strchr(l + 1, '\n');
	assert_non_null(end);
	const char *w = end;
	while (w[-1] != ' ')
		w--;
	snprintf(word, sizeof(word), "%.*s", (int)(end - w), w);
	return word;
}

static void test_block(void **state)
{
	(void)state;
	struct ctl_out o;
	sl_pf_block_entry_t e;
	expect_passes(BLOCKED_IP);

	ctl(&o, "block", fx.cfg, "10.99.7.0/24", NULL);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.out, "10.99.7.0/24 blocked (permanent)\n");
	assert_true(block_entry("10.99.7.0/24", &e));
	assert_int_equal(e.expiry_ns, 0);
	expect_dropped(BLOCKED_IP, SL_PF_DROP_BLOCKLISTED);
	expect_passes(BLOCKED_IP + 0x100); /* 10.99.8.5: outside */

	const uint64_t before = sl_prefilter_now_ns();
	ctl(&o, "block", fx.cfg, "--for", "10m", "10.99.8.0/24", NULL);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.out, "10.99.8.0/24 blocked for 10m\n");
	assert_true(block_entry("10.99.8.0/24", &e));
	assert_true(e.expiry_ns >= before + 600 * SL_PF_NS);
	assert_true(e.expiry_ns <= sl_prefilter_now_ns() + 600 * SL_PF_NS);
	expect_dropped(BLOCKED_IP + 0x100, SL_PF_DROP_BLOCKLISTED);

	ctl(&o, "block", fx.cfg, "2001:db8::/32", "--for=1d", NULL);
	assert_int_equal(o.rc, 0);
	assert_true(block_entry("2001:db8::/32", &e));
	assert_int_equal(e.cidr.family, 6);

	/* Expired, as sluicectl lists it: written directly, a second ago. */
	const sl_cidr_t old = sl_test_cidr("10.99.9.0/24");
	assert_int_equal(sl_prefilter_block(&fx.pf, &old, sl_prefilter_now_ns() - SL_PF_NS), 0);
	expect_passes(BLOCKED_IP + 0x200);

	ctl(&o, "blocklist", fx.cfg, "--json", NULL);
	assert_int_equal(o.rc, 0);
	json_error_t jerr;
	json_t *j = json_loads(o.out, 0, &jerr);
	if (j == NULL)
		fail_msg("blocklist --json: %s: %s", jerr.text, o.out);
	assert_string_equal(json_string_value(json_object_get(j, "relay")), fx.relay);
	json_t *list = json_object_get(j, "blocklist");
	assert_int_equal(json_array_size(list), 4);
	unsigned seen = 0;
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *x = json_array_get(list, i);
		const char *prefix = json_string_value(json_object_get(x, "prefix"));
		const char *st = json_string_value(json_object_get(x, "state"));
		json_t *left = json_object_get(x, "remaining_s");
		assert_non_null(prefix);
		assert_non_null(st);
		if (strcmp(prefix, "10.99.7.0/24") == 0) {
			assert_string_equal(st, "permanent");
			assert_true(json_is_null(left));
			seen |= 1;
		} else if (strcmp(prefix, "10.99.8.0/24") == 0) {
			assert_string_equal(st, "active");
			assert_true(json_integer_value(left) > 590 && json_integer_value(left) <= 600);
			seen |= 2;
		} else if (strcmp(prefix, "10.99.9.0/24") == 0) {
			assert_string_equal(st, "expired");
			assert_int_equal(json_integer_value(left), 0);
			seen |= 4;
		} else {
			assert_string_equal(prefix, "2001:db8::/32");
			assert_string_equal(st, "active");
			assert_true(json_integer_value(left) > 86390 && json_integer_value(left) <= 86400);
			seen |= 8;
		}
	}
	assert_int_equal(seen, 15);
	/* IPv4 first. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 3), "prefix")),
			    "2001:db8::/32");
	json_decref(j);

	ctl(&o, "blocklist", fx.cfg, NULL);
	assert_int_equal(o.rc, 0);
	assert_non_null(strstr(o.out, "4 prefixes"));
	assert_non_null(strstr(o.out, "10.99.7.0/24"));
	/* Whole seconds left, rounded up: 10m, or 9m59s on a slow machine. */
	const char *left = remaining(o.out, "10.99.8.0/24");
	assert_true(strcmp(left, "10m") == 0 || strncmp(left, "9m5", 3) == 0);
	left = remaining(o.out, "2001:db8::/32");
	assert_true(strcmp(left, "1d") == 0 || strncmp(left, "23h59m", 6) == 0);
	assert_string_equal(remaining(o.out, "10.99.7.0/24"), "permanent");
	assert_string_equal(remaining(o.out, "10.99.9.0/24"), "expired");

	ctl(&o, "unblock", fx.cfg, "10.99.7.0/24", NULL);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.out, "10.99.7.0/24 unblocked\n");
	assert_false(block_entry("10.99.7.0/24", &e));
	expect_passes(BLOCKED_IP);
	ctl(&o, "unblock", fx.cfg, "10.99.7.0/24", NULL); /* absent: no error */
	assert_int_equal(o.rc, 0);
	const char *rest[] = {"10.99.8.0/24", "10.99.9.0/24", "2001:db8::/32"};
	for (size_t i = 0; i < 3; i++) {
		ctl(&o, "unblock", fx.cfg, rest[i], NULL);
		assert_int_equal(o.rc, 0);
	}
	ctl(&o, "blocklist", fx.cfg, "--json", NULL);
	assert_int_equal(o.rc, 0);
	char empty[128];
	snprintf(empty, sizeof(empty), "{\"relay\":\"%s\",\"blocklist\":[]}\n", fx.relay);
	assert_string_equal(o.out, empty);
}

static void expect_conf(uint32_t rate, uint32_t burst)
{
	struct sl_pf_conf c, want = fx.conf;
	sl_pf_conf_rate(&want, rate, burst);
	assert_int_equal(sl_prefilter_read_conf(&fx.pf, &c), 0);
	/* the rest kept as written, the clock too: sluicectl does not
	 * calibrate its own */
	assert_memory_equal(&c, &want, sizeof(c));
}

static void test_ratelimit_and_allow(void **state)
{
	(void)state;
	struct ctl_out o;
	ctl(&o, "ratelimit", fx.cfg, "1", "2", NULL);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.out, "rate limit: 1/s per source, bursts of 2\n");
	expect_conf(1, 2);
	expect_passes(LIMITED_IP);
	expect_passes(LIMITED_IP);
	expect_dropped(LIMITED_IP, SL_PF_DROP_RATE_LIMITED);

	ctl(&o, "allow", fx.cfg, "10.99.5.0/28", NULL);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.out, "10.99.5.0/28 allowed (exempt from the rate limit)\n");
	const uint8_t a[4] = {10, 99, 5, 5}, outside[4] = {10, 99, 5, 16};
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 4, a), 1);
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 4, outside), 0);
	for (int i = 0; i < 5; i++)
		expect_passes(LIMITED_IP);
	expect_passes(0x0a630510u); /* 10.99.5.16: its own, full bucket */
	expect_passes(0x0a630510u);
	expect_dropped(0x0a630510u, SL_PF_DROP_RATE_LIMITED);

	ctl(&o, "disallow", fx.cfg, "10.99.5.0/28", NULL);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.out, "10.99.5.0/28 disallowed\n");
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 4, a), 0);
	expect_dropped(LIMITED_IP, SL_PF_DROP_RATE_LIMITED);

	ctl(&o, "allow", fx.cfg, "2001:db8:1::/48", NULL);
	assert_int_equal(o.rc, 0);
	const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0xff};
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 6, a6), 1);
	/* allowlist: both families, IPv4 first; the text and the JSON */
	ctl(&o, "allow", fx.cfg, "10.99.6.0/24", NULL);
	assert_int_equal(o.rc, 0);
	ctl(&o, "allowlist", fx.cfg, NULL);
	assert_int_equal(o.rc, 0);
	char want[256];
	snprintf(want, sizeof(want),
		 "allowlist of relay %s: 2 prefixes\n  10.99.6.0/24\n  2001:db8:1::/48\n", fx.relay);
	assert_string_equal(o.out, want);
	ctl(&o, "allowlist", fx.cfg, "--json", NULL);
	assert_int_equal(o.rc, 0);
	snprintf(want, sizeof(want),
		 "{\"relay\":\"%s\",\"allowlist\":[\"10.99.6.0/24\",\"2001:db8:1::/48\"]}\n",
		 fx.relay);
	assert_string_equal(o.out, want);
	ctl(&o, "disallow", fx.cfg, "10.99.6.0/24", NULL);
	assert_int_equal(o.rc, 0);
	ctl(&o, "disallow", fx.cfg, "2001:db8:1::/48", NULL);
	assert_int_equal(o.rc, 0);
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 6, a6), 0);

	ctl(&o, "allowlist", fx.cfg, NULL);
	snprintf(want, sizeof(want), "allowlist of relay %s: 0 prefixes\n", fx.relay);
	assert_string_equal(o.out, want);

	ctl(&o, "ratelimit", fx.cfg, "0", "0", NULL);
	assert_int_equal(o.rc, 0);
	assert_string_equal(o.out, "rate limit: off\n");
	expect_conf(0, 0);
	for (int i = 0; i < 4; i++)
		expect_passes(LIMITED_IP);
}

static void test_xdp_stats(void **state)
{
	(void)state;
	struct ctl_out o;
	/* Drops against one source, to be the top one. */
	const sl_cidr_t c = sl_test_cidr("10.99.7.5");
	assert_int_equal(sl_prefilter_block(&fx.pf, &c, 0), 0);
	for (int i = 0; i < 3; i++)
		expect_dropped(BLOCKED_IP, SL_PF_DROP_BLOCKLISTED);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, &c), 0);
	uint64_t want[SL_PF__COUNT];
	assert_int_equal(sl_prefilter_counters(&fx.pf, want), 0);
	/* the lists' entries by family, as the lists themselves give them,
	 * with one IPv6 block at least */
	const sl_cidr_t c6 = sl_test_cidr("2001:db8:77::/48");
	assert_int_equal(sl_prefilter_block(&fx.pf, &c6, 0), 0);
	static sl_pf_block_entry_t blocks[2 * SL_PF_BLOCK_MAX];
	static sl_cidr_t allows[2 * SL_PF_ALLOW_MAX];
	unsigned lists[SL_PF_LISTS][2] = {{0}};
	const int nb = sl_prefilter_blocklist(&fx.pf, blocks, 2 * SL_PF_BLOCK_MAX);
	const int na = sl_prefilter_allowlist(&fx.pf, allows, 2 * SL_PF_ALLOW_MAX);
	assert_true(nb >= 1 && na >= 0);
	for (int i = 0; i < nb; i++)
		lists[SL_PF_LIST_BLOCK][blocks[i].cidr.family == 6]++;
	for (int i = 0; i < na; i++)
		lists[SL_PF_LIST_ALLOW][allows[i].family == 6]++;
	assert_true(lists[SL_PF_LIST_BLOCK][1] >= 1);

	ctl(&o, "xdp-stats", fx.cfg, "--json", NULL);
	assert_int_equal(o.rc, 0);
	json_error_t jerr;
	json_t *j = json_loads(o.out, 0, &jerr);
	if (j == NULL)
		fail_msg("xdp-stats --json: %s: %s", jerr.text, o.out);
	assert_string_equal(json_string_value(json_object_get(j, "relay")), fx.relay);
	assert_int_equal(json_integer_value(json_object_get(j, "rate_pps")), 0);
	json_t *p = json_object_get(j, "prefilter");
	for (unsigned i = 0; i < SL_PF__COUNT; i++) {
		json_t *v = json_object_get(p, sl_prefilter_counter_name(i));
		if (!json_is_integer(v))
			fail_msg("xdp-stats --json: no counter %s", sl_prefilter_counter_name(i));
		assert_int_equal((uint64_t)json_integer_value(v), want[i]);
	}
	assert_true(want[SL_PF_DROP_BLOCKLISTED] >= 5); /* 2 in test_block, 3 here */
	assert_true(want[SL_PF_DROP_RATE_LIMITED] >= 3);
	json_t *top = json_object_get(p, "top_sources");
	const uint64_t drops = sl_prefilter_src_drops(&fx.pf, view(BLOCKED_IP));
	assert_true(drops >= 4);
	assert_int_equal((uint64_t)json_integer_value(json_object_get(top, "10.99.7.5")), drops);
	json_t *jl = json_object_get(j, "prefilter_lists");
	for (unsigned l = 0; l < SL_PF_LISTS; l++) {
		json_t *e = json_object_get(jl, sl_pf_list_name(l));
		assert_int_equal(json_integer_value(json_object_get(e, "ipv4")), lists[l][0]);
		assert_int_equal(json_integer_value(json_object_get(e, "ipv6")), lists[l][1]);
		assert_int_equal(json_integer_value(json_object_get(e, "capacity")),
				 sl_pf_list_capacity(l));
	}
	json_decref(j);

	ctl(&o, "xdp-stats", fx.cfg, NULL);
	assert_int_equal(o.rc, 0);
	assert_non_null(strstr(o.out, "rate limit: off\n"));
	for (unsigned i = 0; i < SL_PF__COUNT; i++) {
		char line[128];
		snprintf(line, sizeof(line), "  %-26s %20llu\n", sl_prefilter_counter_name(i),
			 (unsigned long long)want[i]);
		if (strstr(o.out, line) == NULL)
			fail_msg("xdp-stats: no line '%s'", line);
	}
	char line[128];
	snprintf(line, sizeof(line), "  %-44s %20llu\n", "10.99.7.5", (unsigned long long)drops);
	assert_non_null(strstr(o.out, line));
	snprintf(line, sizeof(line), "\nblocklist: %u IPv4, %u IPv6 entries (of %u each)\n",
		 lists[SL_PF_LIST_BLOCK][0], lists[SL_PF_LIST_BLOCK][1], SL_PF_BLOCK_MAX);
	assert_non_null(strstr(o.out, line));
	assert_int_equal(sl_prefilter_unblock(&fx.pf, &c6), 0);
}

static void test_refusals(void **state)
{
	(void)state;
	struct ctl_out o;
	ctl(&o, "block", fx.cfg, "10.99.7.5/24", NULL);
	assert_int_equal(o.rc, 2);
	assert_string_equal(o.out, "");
	assert_non_null(strstr(o.err, "bad CIDR '10.99.7.5/24': host bits set past /24 "
				      "(the prefix is 10.99.7.0/24)"));
	ctl(&o, "allow", fx.cfg, "10.99.7.0/33", NULL);
	assert_int_equal(o.rc, 2);
	assert_non_null(strstr(o.err, "over 32"));
	ctl(&o, "unblock", fx.cfg, "example.com", NULL);
	assert_int_equal(o.rc, 2);
	assert_non_null(strstr(o.err, "not an IPv4 address"));
	ctl(&o, "block", fx.cfg, "10.99.7.0/24", "--for", "10x", NULL);
	assert_int_equal(o.rc, 2);
	assert_non_null(strstr(o.err, "--for: not a duration"));
	ctl(&o, "block", fx.cfg, "10.99.7.0/24", "--for", "0s", NULL);
	assert_int_equal(o.rc, 2);
	ctl(&o, "ratelimit", fx.cfg, "1000000001", "1", NULL);
	assert_int_equal(o.rc, 2);
	assert_non_null(strstr(o.err, "RATE: not a whole number from 0 to 1000000000"));
	ctl(&o, "ratelimit", fx.cfg, "10", "-1", NULL);
	assert_int_equal(o.rc, 2);
	ctl(&o, "ratelimit", fx.cfg, "10", "0", NULL);
	assert_int_equal(o.rc, 2);
	assert_non_null(strstr(o.err, "BURST: at least 1"));
	sl_pf_block_entry_t e;
	assert_false(block_entry("10.99.7.0/24", &e)); /* nothing written */

	/* A relay whose maps are not pinned. */
	char want[256];
	snprintf(want, sizeof(want), "sluicectl: blocklist: no pinned maps for relay nopins under "
		 "%s/nopins: is sluice-dp running with an xdp_prog?\n", SL_PF_PIN_ROOT);
	ctl(&o, "blocklist", fx.other_cfg, NULL);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.err, want);

	/* Maps of another layout: refused by every command, named as such. */
	struct sl_pf_conf c = fx.conf;
	c.layout = 1;
	assert_int_equal(sl_prefilter_configure(&fx.pf, &c), 0);
	char layout[64];
	snprintf(layout, sizeof(layout), "layout 1, this sluicectl reads %u", SL_PF_LAYOUT);
	const char *cmds[][4] = {{"xdp-stats", NULL}, {"blocklist", NULL},
				 {"block", "10.0.0.0/8", NULL}, {"ratelimit", "5", "5", NULL}};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ctl(&o, cmds[i][0], fx.cfg, cmds[i][1], cmds[i][2], NULL);
		assert_int_equal(o.rc, 1);
		assert_non_null(strstr(o.err, layout));
	}
	char err[256];
	sl_prefilter_t p;
	assert_int_equal(sl_prefilter_open_pinned(&p, fx.relay, err, sizeof(err)), -1);
	assert_non_null(strstr(err, layout));
	assert_int_equal(p.conf_fd, -1);
	assert_int_equal(sl_prefilter_configure(&fx.pf, &fx.conf), 0);
	assert_false(block_entry("10.0.0.0/8", &e));
	expect_conf(0, 0);
}

/* Without a BPF file system at /sys/fs/bpf (a tmpfs there, in a mount
 * namespace of the child's own) pinning says so. */
static void test_no_bpffs(void **state)
{
	(void)state;
	int out[2];
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256] = "";
		int ok = unshare(CLONE_NEWNS) == 0 &&
			 mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
			 mount("tmpfs", "/sys/fs/bpf", "tmpfs", 0, NULL) == 0;
		if (!ok)
			snprintf(err, sizeof(err), "setup: %s", strerror(errno));
		else if (sl_prefilter_pin(&fx.pf, "nobpffs", err, sizeof(err)) == 0)
			snprintf(err, sizeof(err), "pinned on a tmpfs");
		ssize_t w = write(out[1], err, strlen(err));
		_exit(w < 0);
	}
	close(out[1]);
	char err[257];
	ssize_t n = read(out[0], err, sizeof(err) - 1);
	close(out[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	err[n > 0 ? n : 0] = '\0';
	print_message("%s\n", err);
	assert_string_equal(err, "/sys/fs/bpf is not a BPF file system (mount -t bpf bpf "
				 "/sys/fs/bpf): cannot pin the prefilter's maps for sluicectl");
}

struct sweep_run {
	int removed;
	volatile int done;
};

static void *sweep_now(void *arg)
{
	struct sweep_run *r = arg;
	r->removed = sl_prefilter_sweep_blocklist(&fx.pf, sl_prefilter_now_ns(), NULL);
	r->done = 1;
	return NULL;
}

/* The list writers' lock: a sweep that starts while another process's
 * writer holds it (here another handle, as sluicectl's, renewing a block
 * that had expired) waits for it, walks after, and keeps the renewal,
 * where without the lock it would delete what it had found expired. */
static void test_sweep_waits_for_writers(void **state)
{
	(void)state;
	char err[256];
	sl_prefilter_t other;
	if (sl_prefilter_open_pinned(&other, fx.relay, err, sizeof(err)) != 0)
		fail_msg("sl_prefilter_open_pinned: %s", err);
	const sl_cidr_t c = sl_test_cidr("10.99.9.0/24");
	assert_int_equal(sl_prefilter_block(&fx.pf, &c, sl_prefilter_now_ns() + 1000000), 0);
	usleep(5000); /* expired */
	assert_int_equal(flock(other.lock_fd, LOCK_EX), 0);
	struct sweep_run r = {0};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, sweep_now, &r), 0);
	usleep(100000);
	assert_false(r.done); /* waiting for the lock */
	/* the renewal, as the lock's holder writes it */
	struct sl_pf_lpm_key k = {.prefixlen = 24, .addr = __builtin_bswap32(0x0a630900u)};
	struct sl_pf_block forever = {.expiry_ns = 0, .prefixlen = 24};
	assert_int_equal(bpf_map_update_elem(other.block_fd, &k, &forever, BPF_ANY), 0);
	assert_int_equal(flock(other.lock_fd, LOCK_UN), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.removed, 0);
	struct sl_pf_block got;
	assert_int_equal(bpf_map_lookup_elem(fx.pf.block_fd, &k, &got), 0);
	assert_int_equal(got.expiry_ns, 0);
	/* a writer gives up after SL_PF_LOCK_WAIT_MS on a lock held (by a
	 * stopped sluicectl, say) */
	assert_int_equal(flock(other.lock_fd, LOCK_EX), 0);
	const uint64_t t0 = sl_prefilter_now_ns();
	assert_int_equal(sl_prefilter_unblock(&fx.pf, &c), -1);
	assert_int_equal(errno, EAGAIN);
	assert_true(sl_prefilter_now_ns() - t0 >= SL_PF_LOCK_WAIT_MS * 1000000ull);
	struct ctl_out o;
	ctl(&o, "block", fx.cfg, "10.99.9.0/24", NULL);
	assert_int_equal(o.rc, 1);
	assert_non_null(strstr(o.err, "another writer of the lists held them"));
	assert_int_equal(flock(other.lock_fd, LOCK_UN), 0);
	/* the other handle's own writes take the lock and let go of it */
	assert_int_equal(sl_prefilter_unblock(&other, &c), 0);
	assert_int_not_equal(bpf_map_lookup_elem(fx.pf.block_fd, &k, &got), 0);
	sl_prefilter_close(&other);
}

/* Last: the pins go, and with them sluicectl's access. */
static void test_unpin(void **state)
{
	(void)state;
	assert_int_equal(sl_prefilter_unpin(fx.relay), 0);
	assert_int_equal(access(fx.dir, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(sl_prefilter_unpin(fx.relay), 0); /* absent: no error */
	struct ctl_out o;
	ctl(&o, "xdp-stats", fx.cfg, NULL);
	assert_int_equal(o.rc, 1);
	assert_non_null(strstr(o.err, "no pinned maps for relay"));
	/* The program's maps are untouched. */
	uint64_t c[SL_PF__COUNT];
	assert_int_equal(sl_prefilter_counters(&fx.pf, c), 0);
}

/* Root, a BPF file system (mounted here when /sys/fs/bpf has none) and the
 * object: each missing is a skip with its reason. */
static int can_run(void)
{
	if (geteuid() != 0) {
		printf("skip: pinning BPF maps needs root\n");
		return 0;
	}
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, NULL);
	if (fd < 0) {
		printf("skip: BPF is not available here: %s\n", strerror(errno));
		return 0;
	}
	close(fd);
	struct statfs st;
	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 1;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL) != 0) {
		printf("skip: /sys/fs/bpf is no BPF file system and mounting one failed: %s\n",
		       strerror(errno));
		return 0;
	}
	printf("mounted a BPF file system at /sys/fs/bpf\n");
	return 1;
}

int main(void)
{
	if (!can_run())
		return 77;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_ratelimit_and_allow),
		cmocka_unit_test(test_xdp_stats),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_bpffs),
		cmocka_unit_test(test_sweep_waits_for_writers),
		cmocka_unit_test(test_unpin),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
