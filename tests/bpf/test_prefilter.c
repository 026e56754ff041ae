/* The XDP prefilter (bpf/sl_prefilter.bpf.o) run with bpf_prog_test_run_opts
 * on good frames, every sl_bad_frame kind, gossip from a peer with its
 * token, with another token and from strangers, and every frame of
 * vectors/xdp-frames, over IPv4 and IPv6, untagged and behind an 802.1Q
 * tag: its action must be what user-space sl_pkt_check(),
 * sl_gossip_check() and the peer table decide under bpf/README.md's policy,
 * and exactly one counter must move (plus, for a drop, the source's: its
 * IPv4 address or its IPv6 prefix). Rate limit, blocklist and allowlist of
 * both families. The
 * maps are reached and filled the way sluice-dp does it (sl_prefilter.c);
 * the top-sources walk runs on an LRU map of the program's layout. Needs
 * root. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "sl_bad_frame.h"
#include "sl_pkt_build.h"
#include "sl_prefilter.h"
#include "sl_test_vectors.h"
#include "sl_test_xdp_run.h"
#include "sluice/sl_pkt_sanity.h"

#define MY_IP      0x0a63000bu /* 10.99.0.11 */
#define PEER_IP    0x0a630001u /* 10.99.0.1: relay peer "b" */
#define PEER_TOKEN 1234u       /* its token_in */
#define VAL_IP     0x0a630002u /* 10.99.0.2: validator peer "v" */
#define OTHER_IP   0x0a630009u /* 10.99.0.9: no peer */
#define TXN_SZ     300
/* The program reads the clock as of the last tick for expiries (1-10 ms
 * behind the precise one): an entry "in the past" is this far back. */
#define SL_PF_TICK_SLACK_NS (50 * 1000000ull)
/* This relay's IPv6 address: 2001:db8:99::b */
static const uint8_t my_ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, [15] = 0x0b};
/* Relay peer "b6" at 2001:db8:99::1 (its token_in PEER6_TOKEN), validator
 * "v6" at 2001:db8:99::2. */
static const uint8_t peer_ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, [15] = 0x01};
static const uint8_t val_ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, [15] = 0x02};
#define PEER6_TOKEN 5678u

struct fixture {
	struct bpf_object *obj;
	int prog_fd;
	sl_prefilter_t pf;
	struct sl_pf_conf conf; /* with my_ip6 */
	struct sl_pf_conf cur;  /* what configure() wrote last */
	sl_config_t cfg;        /* its peers */
};

static struct fixture fx = {.prog_fd = -1, .pf = SL_PREFILTER_CLOSED};
static uint8_t txn[SL_TXN_MTU + sizeof(struct sl_gossip_hdr) + 1];

static void set_peers(uint64_t token_in)
{
	const char *fmt = "[relay]\nname=a\nip=10.99.0.11\nip6=2001:db8:99::b\n[port]\ntype=null\n"
			  "[peer b]\nkind=relay\nip=10.99.0.1\nport=8004\nmac=resolve\n"
			  "token_out=1\ntoken_in=%llu\n"
			  "[peer v]\nkind=validator\nip=10.99.0.2\nport=8001\nmac=resolve\n"
			  "[peer b6]\nkind=relay\nip=2001:db8:99::1\nport=8004\n"
			  "mac=02:00:00:00:00:06\ntoken_out=1\ntoken_in=%u\n"
			  "[peer v6]\nkind=validator\nip=2001:db8:99::2\nport=8001\n"
			  "mac=02:00:00:00:00:07\n";
	char text[1024];
	int n = snprintf(text, sizeof text, fmt, (unsigned long long)token_in, PEER6_TOKEN);
	assert_int_equal(sl_config_parse(text, (size_t)n, "peers", &fx.cfg, NULL, NULL), 0);
	char err[256];
	if (sl_prefilter_set_peers(&fx.pf, &fx.cfg, err, sizeof err) != 0)
		fail_msg("sl_prefilter_set_peers: %s", err);
}

/* The token_in of the relay peer at v's source, of either family; 0 and
 * false for a source that is none. */
static int relay_peer(const sl_pkt_view_t *v, uint64_t *token_in)
{
	for (unsigned i = 0; i < fx.cfg.npeers; i++) {
		const sl_cfg_peer_t *p = &fx.cfg.peers[i];
		int same = p->family != v->family ? 0
			   : v->family == 4      ? sl_pkt_rd_le32(p->ip) == v->src_ip
						 : memcmp(p->ip6, v->src6, 16) == 0;
		if (p->kind == SL_PEER_RELAY && same) {
			*token_in = p->token_in;
			return 1;
		}
	}
	*token_in = 0;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof txn; i++)
		txn[i] = (uint8_t)(i * 13 + 1);
	const uint8_t ip[4] = {10, 99, 0, 11};
	fx.conf = sl_pf_conf_make(ip, SL_PORT_INGEST, SL_PORT_GOSSIP);
	memcpy(fx.conf.ip6, my_ip6, 16);
	if (geteuid() != 0)
		return 0; /* each test skips */
	char path[4096];
	snprintf(path, sizeof path, "%s/bpf/sl_prefilter.bpf.o", getenv("SLUICE_BUILD_DIR"));
	fx.obj = bpf_object__open_file(path, NULL);
	if (!fx.obj || bpf_object__load(fx.obj) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, strerror(errno));
		return -1;
	}
	fx.prog_fd = bpf_program__fd(bpf_object__find_program_by_name(fx.obj, "sl_prefilter"));
	char err[256];
	if (sl_prefilter_open_prog(&fx.pf, fx.prog_fd, err, sizeof err) != 0) {
		fprintf(stderr, "sl_prefilter_open_prog: %s\n", err);
		return -1;
	}
	set_peers(PEER_TOKEN);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sl_prefilter_close(&fx.pf);
	bpf_object__close(fx.obj);
	return 0;
}

static void need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: loading BPF programs needs root\n");
		skip();
	}
}

enum outcome { TO_KERNEL, DROPPED, TO_SOCKET };

/* The policy of bpf/README.md, from the user-space rules. */
static enum outcome expected(const uint8_t *f, size_t len, sl_pkt_verdict_t *verdict)
{
	sl_pkt_view_t v;
	*verdict = sl_pkt_check(f, (uint32_t)len, &v);
	switch (*verdict) {
	case SL_PKT_OK:
		break;
	case SL_PKT_NOT_IP:
	case SL_PKT_NOT_UDP:
		return TO_KERNEL;
	default:
		return DROPPED;
	}
	static const uint8_t none[16];
	const struct sl_pf_conf *c = &fx.cur;
	int to_us = v.family == 4 ? v.dst_ip == c->ip
				  : memcmp(v.dst6, c->ip6, 16) == 0 && memcmp(c->ip6, none, 16) != 0;
	if (!to_us)
		return TO_KERNEL;
	if (v.dst_port == c->ingest_port)
		return v.payload_len > SL_TXN_MTU ? DROPPED : TO_SOCKET;
	if (v.dst_port == c->gossip_port) {
		if (v.payload_len > SL_TXN_MTU + sizeof(struct sl_gossip_hdr))
			return DROPPED;
		const uint8_t *g = f + v.payload_off;
		if (sl_gossip_check(g, v.payload_len) != SL_GOSSIP_OK)
			return DROPPED;
		uint64_t token_in;
		if (!relay_peer(&v, &token_in))
			return DROPPED;
		return sl_gossip_token(g) == token_in ? TO_SOCKET : DROPPED;
	}
	return TO_KERNEL;
}

/* The drops counted so far against the source f claims: its IPv4 address,
 * or its IPv6 address's prefix of the configured ip6_prefix bits. */
static uint64_t claimed_drops(const uint8_t *f, size_t len)
{
	uint8_t a[16] = {0};
	if (sl_pkt_src_addr(f, (uint32_t)len, a) == 6)
		return sl_prefilter_src_drops6(&fx.pf, a, sl_pf_ip6_prefix(&fx.cur));
	return sl_prefilter_src_drops(&fx.pf, sl_pkt_rd_le32(a));
}

/* Runs one frame; returns the XDP action and the counter that moved. */
static int run(const uint8_t *f, size_t len, unsigned *moved)
{
	return sl_test_xdp_run(fx.prog_fd, &fx.pf, f, len, moved);
}

/* Asserts the program treats the frame as the user-space rules say;
 * returns the counter that moved. */
static unsigned check_frame(const char *what, const uint8_t *f, size_t len)
{
	sl_pkt_verdict_t verdict;
	enum outcome want = expected(f, len, &verdict);
	uint64_t src_before = claimed_drops(f, len);
	unsigned moved = SL_PF__COUNT;
	int action = run(f, len, &moved);
	const char *name = sl_prefilter_counter_name(moved);
	print_message("%-32s %5zu bytes: action %d, %s\n", what, len, action, name);
	uint64_t src_drops = claimed_drops(f, len) - src_before;
	/* No socket in xsks_map: bpf_redirect_map falls back to XDP_PASS. */
	static const struct {
		int action;
		const char *counter; /* its name or the prefix of its name */
		uint64_t src_drops;
	} rule[] = {
		[TO_SOCKET] = {XDP_PASS, "redirected", 0},
		[TO_KERNEL] = {XDP_PASS, "pass_", 0},
		[DROPPED] = {XDP_DROP, "drop_", 1},
	};
	assert_int_equal(action, rule[want].action);
	assert_memory_equal(name, rule[want].counter, strlen(rule[want].counter));
	if (verdict != SL_PKT_OK)
		assert_int_equal(moved, sl_pf_pkt_slot(verdict));
	assert_int_equal(src_drops, rule[want].src_drops);
	return moved;
}

static sl_udp4_addr_t addr(uint16_t dst_port)
{
	return (sl_udp4_addr_t){
		.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
		.src_ip = PEER_IP, .dst_ip = MY_IP, .src_port = 40000, .dst_port = dst_port,
	};
}

static size_t udp_frame_from(uint8_t *f, uint32_t src_ip, uint16_t dst_port,
			     const uint8_t *payload, size_t len)
{
	sl_udp4_addr_t a = addr(dst_port);
	a.src_ip = src_ip;
	size_t n = sl_pkt_build_udp4(f, SL_BAD_FRAME_CAP, &a, 7, payload, len);
	assert_true(n > 0);
	return n;
}

static size_t udp_frame(uint8_t *f, uint16_t dst_port, const uint8_t *payload, size_t len)
{
	return udp_frame_from(f, PEER_IP, dst_port, payload, len);
}

static size_t gossip_frame_from(uint8_t *f, uint32_t src_ip, uint64_t token, size_t txn_sz)
{
	uint8_t g[sizeof txn + sizeof(struct sl_gossip_hdr)];
	size_t n = sl_gossip_frame_build(g, sizeof g, 2, token, txn, txn_sz);
	assert_true(n > 0);
	return udp_frame_from(f, src_ip, SL_PORT_GOSSIP, g, n);
}

static size_t gossip_frame(uint8_t *f, size_t txn_sz)
{
	return gossip_frame_from(f, PEER_IP, PEER_TOKEN, txn_sz);
}

static void configure(const struct sl_pf_conf *c)
{
	assert_int_equal(sl_prefilter_configure(&fx.pf, c), 0);
	fx.cur = *c;
}

static void test_unconfigured_passes_all(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&(struct sl_pf_conf){0});
	unsigned moved;
	size_t n = udp_frame(f, SL_PORT_INGEST, txn, TXN_SZ);
	assert_int_equal(run(f, n, &moved), XDP_PASS);
	assert_int_equal(moved, SL_PF_PASS_UNCONFIGURED);
	sl_udp4_addr_t a = addr(SL_PORT_INGEST);
	n = sl_bad_frame_build(SL_BAD_FRAME_IP_CSUM, f, sizeof f, &a, SL_PORT_GOSSIP, txn, TXN_SZ);
	assert_int_equal(run(f, n, &moved), XDP_PASS);
	assert_int_equal(moved, SL_PF_PASS_UNCONFIGURED);
}

static void test_good_frames(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	size_t n = udp_frame(f, SL_PORT_INGEST, txn, TXN_SZ);
	check_frame("ingest", f, n);
	n = udp_frame(f, SL_PORT_INGEST, txn, SL_TXN_MTU);
	check_frame("ingest, largest transaction", f, n);
	n = gossip_frame(f, TXN_SZ);
	check_frame("gossip", f, n);
	n = gossip_frame(f, SL_TXN_MTU);
	assert_int_equal(check_frame("gossip, largest transaction", f, n), SL_PF_REDIRECTED);

	n = udp_frame(f, SL_PORT_CONTROL, txn, TXN_SZ);
	assert_int_equal(check_frame("control port", f, n), SL_PF_PASS_NOT_OURS);
}

static void test_oversize(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	size_t n = udp_frame(f, SL_PORT_INGEST, txn, SL_TXN_MTU + 1);
	assert_int_equal(check_frame("ingest, transaction + 1", f, n), SL_PF_DROP_OVERSIZE);
	n = gossip_frame(f, SL_TXN_MTU + 1);
	assert_int_equal(check_frame("gossip, transaction + 1", f, n), SL_PF_DROP_OVERSIZE);
}

/* Gossip goes on only from a relay peer's address with the token issued to
 * it; ingest is anyone's. A rewritten entry takes effect at once. */
static void test_peer_and_token(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	size_t n = gossip_frame_from(f, PEER_IP, PEER_TOKEN, TXN_SZ);
	assert_int_equal(check_frame("gossip, peer, its token", f, n), SL_PF_REDIRECTED);
	n = gossip_frame_from(f, PEER_IP, PEER_TOKEN + 1, TXN_SZ);
	assert_int_equal(check_frame("gossip, peer, another token", f, n), SL_PF_DROP_BAD_TOKEN);
	n = gossip_frame_from(f, OTHER_IP, PEER_TOKEN, TXN_SZ);
	assert_int_equal(check_frame("gossip, no peer", f, n), SL_PF_DROP_UNKNOWN_PEER);
	n = gossip_frame_from(f, VAL_IP, 0, TXN_SZ);
	assert_int_equal(check_frame("gossip, a validator", f, n), SL_PF_DROP_UNKNOWN_PEER);
	n = udp_frame_from(f, OTHER_IP, SL_PORT_INGEST, txn, TXN_SZ);
	assert_int_equal(check_frame("ingest, no peer", f, n), SL_PF_REDIRECTED);

	set_peers(PEER_TOKEN + 1);
	n = gossip_frame_from(f, PEER_IP, PEER_TOKEN, TXN_SZ);
	assert_int_equal(check_frame("gossip, peer, old token", f, n), SL_PF_DROP_BAD_TOKEN);
	n = gossip_frame_from(f, PEER_IP, PEER_TOKEN + 1, TXN_SZ);
	assert_int_equal(check_frame("gossip, peer, new token", f, n), SL_PF_REDIRECTED);
	set_peers(PEER_TOKEN);
}

/* The peers' cache (sl_pf_peerc), whole, and the number of ip's slot in it
 * (ip in host order). */
static unsigned peerc_read(struct sl_pf_peerc c[1u << SL_PF_PEERC_BITS], uint32_t ip)
{
	struct sl_pf_conf conf;
	const uint32_t zero = 0;
	assert_int_equal(sl_prefilter_read_conf(&fx.pf, &conf), 0);
	assert_int_equal(bpf_map_lookup_elem(fx.pf.peerc_fd, &zero, c), 0);
	const struct sl_pf_srckey k = sl_pf_srckey4(__builtin_bswap32(ip));
	return (unsigned)(sl_pf_src_hash(&conf, &k) >> (64 - SL_PF_PEERC_BITS));
}

static void peerc_write(const struct sl_pf_peerc c[1u << SL_PF_PEERC_BITS])
{
	const uint32_t zero = 0;
	assert_int_equal(bpf_map_update_elem(fx.pf.peerc_fd, &zero, c, BPF_ANY), 0);
}

/* Has ip (host order) a slot in sl_pf_srcs? 1 with its number in *idx. */
static int src_slot_of(uint32_t ip, uint32_t *idx)
{
	const uint8_t a[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8),
			      (uint8_t)ip};
	struct sl_pf_srcslot s;
	return sl_prefilter_src_slot(&fx.pf, 4, a, 32, &s, idx) == 1;
}

/* Did the last frame from ip take the whole path? Only that path gives a
 * source a slot in sl_pf_srcs; ip's slot is emptied before each frame. */
static void empty_src_slot(uint32_t ip)
{
	uint32_t idx;
	if (src_slot_of(ip, &idx)) {
		struct sl_pf_srcset set;
		const uint32_t n = idx / SL_PF_SRC_WAYS;
		assert_int_equal(bpf_map_lookup_elem(fx.pf.srcs_fd, &n, &set), 0);
		memset(&set.way[idx % SL_PF_SRC_WAYS], 0, sizeof(set.way[0]));
		assert_int_equal(bpf_map_update_elem(fx.pf.srcs_fd, &n, &set, BPF_ANY), 0);
	}
}

static int took_whole_path(uint32_t ip)
{
	uint32_t idx;
	return src_slot_of(ip, &idx);
}

/* Was the frame passed to the socket (and only the redirect counted)? */
static int redirected(const uint8_t *f, size_t n)
{
	unsigned moved = SL_PF__COUNT; /* run() sets it; gcc -O3 cannot tell */
	return run(f, n, &moved) == XDP_PASS && moved == SL_PF_REDIRECTED;
}

/* A peer's gossip that passed fills its slot of the peers' cache, by which
 * its next frame passes without the whole path; a slot that does not
 * check, of another generation or of another source passes nothing by
 * itself, and a slot whose tokens are wrong drops nothing: the trie
 * decides. A block of the peer, a rotation and a removal (each raises the
 * generation) take effect at once. */
static void test_peer_cache(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	static struct sl_pf_peerc c[1u << SL_PF_PEERC_BITS];
	configure(&fx.conf);
	const size_t n = gossip_frame_from(f, PEER_IP, PEER_TOKEN, TXN_SZ);

	/* the first frame takes the whole path and fills the slot */
	empty_src_slot(PEER_IP);
	assert_int_equal(redirected(f, n), 1);
	assert_true(took_whole_path(PEER_IP));
	struct sl_pf_conf conf;
	assert_int_equal(sl_prefilter_read_conf(&fx.pf, &conf), 0);
	const unsigned i = peerc_read(c, PEER_IP);
	const struct sl_pf_srckey pk = sl_pf_srckey4(__builtin_bswap32(PEER_IP));
	assert_memory_equal(&c[i].key, &pk, sizeof(pk));
	assert_int_equal(c[i].peer.token_in, PEER_TOKEN);
	assert_int_equal(c[i].check, sl_pf_peerc_check(&conf, &c[i]));
	const struct sl_pf_peerc filled = c[i];

	/* the next one passes by it */
	empty_src_slot(PEER_IP);
	assert_int_equal(redirected(f, n), 1);
	assert_false(took_whole_path(PEER_IP));

	/* a slot that does not check, of an older generation, or of another
	 * source: the whole path */
	struct sl_pf_peerc bad[3] = {filled, filled, filled};
	bad[0].check ^= 1;
	bad[1].gen -= 1;
	bad[1].check = sl_pf_peerc_check(&conf, &bad[1]);
	bad[2].key = sl_pf_srckey4(__builtin_bswap32(OTHER_IP));
	bad[2].check = sl_pf_peerc_check(&conf, &bad[2]);
	for (unsigned b = 0; b < 3; b++) {
		peerc_read(c, PEER_IP);
		c[i] = bad[b];
		peerc_write(c);
		empty_src_slot(PEER_IP);
		assert_int_equal(redirected(f, n), 1);
		assert_true(took_whole_path(PEER_IP));
		peerc_read(c, PEER_IP);
		assert_memory_equal(&c[i], &filled, sizeof(filled)); /* filled again */
	}

	/* a slot with tokens that are not the peer's: the trie passes the
	 * frame, and the slot takes the peer's tokens */
	peerc_read(c, PEER_IP);
	c[i].peer = (struct sl_pf_peer){.token_in = PEER_TOKEN + 7};
	c[i].check = sl_pf_peerc_check(&conf, &c[i]);
	peerc_write(c);
	assert_int_equal(check_frame("gossip, peer, wrong tokens cached", f, n), SL_PF_REDIRECTED);
	peerc_read(c, PEER_IP);
	assert_memory_equal(&c[i], &filled, sizeof(filled));

	/* blocked while cached: dropped at once, and passed after the unblock */
	const sl_cidr_t peer32 = {.family = 4, .prefixlen = 32,
				  .addr = {PEER_IP >> 24, (uint8_t)(PEER_IP >> 16),
					   (uint8_t)(PEER_IP >> 8), (uint8_t)PEER_IP}};
	assert_int_equal(sl_prefilter_block(&fx.pf, &peer32, 0), 0);
	unsigned moved;
	assert_int_equal(run(f, n, &moved), XDP_DROP);
	assert_int_equal(moved, SL_PF_DROP_BLOCKLISTED);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, &peer32), 0);
	assert_int_equal(check_frame("gossip, peer, unblocked", f, n), SL_PF_REDIRECTED);
	assert_int_equal(check_frame("gossip, peer, cached again", f, n), SL_PF_REDIRECTED);

	/* a new token while cached: the old one fails at once */
	assert_int_equal(sl_prefilter_put_peer(&fx.pf, 4, peer32.addr, PEER_TOKEN + 1, 0), 0);
	assert_int_equal(run(f, n, &moved), XDP_DROP);
	assert_int_equal(moved, SL_PF_DROP_BAD_TOKEN);
	set_peers(PEER_TOKEN);
}

/* Puts a source with its drops into the free way of its set in the
 * sources' array of pf (hashed by conf): as the program would have. Its
 * slot number. */
static uint32_t place_src(const sl_prefilter_t *pf, const struct sl_pf_conf *conf,
			  const struct sl_pf_srckey *k, uint64_t drops)
{
	struct sl_pf_srcset set;
	uint32_t n = sl_pf_src_set(conf, sl_pf_src_hash(conf, k));
	assert_int_equal(bpf_map_lookup_elem(pf->srcs_fd, &n, &set), 0);
	for (unsigned w = 0; w < SL_PF_SRC_WAYS; w++)
		if (set.way[w].epoch == 0) {
			set.way[w] = (struct sl_pf_srcslot){.key = *k, .drops = drops, .epoch = 1};
			assert_int_equal(bpf_map_update_elem(pf->srcs_fd, &n, &set, BPF_ANY), 0);
			return n * SL_PF_SRC_WAYS + w;
		}
	fail_msg("set %u is full", n);
	return 0;
}

/* One pass over the sources' array (sl_prefilter_create_maps) finds the
 * SL_PF_TOP_MAX largest counts of both families, with what the CPUs still
 * hold for a slot. */
static void test_top_sources(void **state)
{
	(void)state;
	need_root();
	sl_prefilter_t pf;
	assert_int_equal(sl_prefilter_create_maps(&pf), 0);
	struct sl_pf_conf conf = fx.conf; /* ip6_prefix 64 */
	conf.src_sets_bits = SL_PF_SRC_SETS_BITS; /* as configure writes it */
	conf.src_mul[0] = 0x9e3779b97f4a7c15ull;
	conf.src_mul[1] = 0xc2b2ae3d27d4eb4full;
	uint32_t zero = 0;
	assert_int_equal(bpf_map_update_elem(pf.conf_fd, &zero, &conf, BPF_ANY), 0);
	sl_pf_top_t top;
	assert_int_equal(sl_prefilter_top_sources(&pf, &top), 0);
	assert_int_equal(top.n, 0);
	/* IPv4 sources get the even counts 2..2N, IPv6 /64s the odd ones; the
	 * largest IPv4 count is 5 short in its slot, 5 pending on CPU 0 */
	enum { N = 1000, HELD = 5 };
	uint32_t top_ip = 0;
	for (uint32_t k = 0; k < N; k++) {
		uint32_t ip = __builtin_bswap32(0x0a000000u + k);
		uint64_t drops = 2 * ((k * 7919u) % N) + 2; /* scrambled */
		struct sl_pf_srckey k4 = sl_pf_srckey4(ip);
		if (drops == 2 * N) {
			top_ip = ip;
			int ncpu = libbpf_num_possible_cpus();
			assert_true(ncpu > 0);
			struct sl_pf_cpu cpus[ncpu];
			memset(cpus, 0, sizeof(cpus));
			cpus[0].pend = (struct sl_pf_srcpend){
				.slot = place_src(&pf, &conf, &k4, drops - HELD), .epoch = 1, .n = HELD};
			assert_int_equal(bpf_map_update_elem(pf.cpu_fd, &zero, cpus, BPF_ANY), 0);
		} else {
			place_src(&pf, &conf, &k4, drops);
		}
		const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, (uint8_t)(k >> 8), (uint8_t)k};
		struct sl_pf_srckey k6;
		memcpy(&k6, a6, sizeof(k6));
		place_src(&pf, &conf, &k6, drops - 1);
	}
	assert_int_equal(sl_prefilter_top_sources(&pf, &top), 0);
	assert_int_equal(top.n, SL_PF_TOP_MAX);
	for (unsigned i = 0; i < SL_PF_TOP_MAX; i++) {
		const struct sl_pf_src *src = &top.src[i];
		assert_int_equal(src->drops, 2 * N - i);
		assert_int_equal(src->family, i % 2 ? 6 : 4);
		if (src->family == 4) {
			uint32_t ip;
			memcpy(&ip, src->addr, 4);
			assert_int_equal(src->prefixlen, 32);
			assert_int_equal(sl_prefilter_src_drops(&pf, ip), src->drops);
			if (i == 0)
				assert_int_equal(ip, top_ip);
		} else {
			assert_int_equal(src->prefixlen, 64);
			assert_int_equal(sl_prefilter_src_drops6(&pf, src->addr, 64), src->drops);
		}
	}
	/* every set is read: the first, the last, and those where the pass's
	 * batches of 1024 sets meet (a slot written there directly, with a
	 * count above all the others) */
	const uint32_t edges[] = {0, 1023, 1024, 2048, SL_PF_SRC_SETS - 1};
	for (unsigned e = 0; e < sizeof(edges) / sizeof(edges[0]); e++) {
		struct sl_pf_srcset set;
		assert_int_equal(bpf_map_lookup_elem(pf.srcs_fd, &edges[e], &set), 0);
		const struct sl_pf_srcset was = set;
		set.way[SL_PF_SRC_WAYS - 1] = (struct sl_pf_srcslot){
			.key = sl_pf_srckey4(0x01020304u + e), .drops = 10 * N, .epoch = 7};
		assert_int_equal(bpf_map_update_elem(pf.srcs_fd, &edges[e], &set, BPF_ANY), 0);
		assert_int_equal(sl_prefilter_top_sources(&pf, &top), 0);
		assert_int_equal(top.src[0].drops, 10 * N);
		uint32_t ip;
		memcpy(&ip, top.src[0].addr, 4);
		assert_int_equal(ip, 0x01020304u + e);
		assert_int_equal(bpf_map_update_elem(pf.srcs_fd, &edges[e], &was, BPF_ANY), 0);
	}
	sl_prefilter_close(&pf);
}

/* The slot of an IPv4 (view form) or IPv6 source (masked to prefixlen) in
 * the program's array; it must have one. */
static struct sl_pf_srcslot get_slot(unsigned family, const void *addr, unsigned prefixlen,
				     uint32_t *idx)
{
	struct sl_pf_srcslot s;
	assert_int_equal(sl_prefilter_src_slot(&fx.pf, family, addr, prefixlen, &s, idx), 1);
	return s;
}

/* Writes slot number idx back. */
static void put_slot(uint32_t idx, const struct sl_pf_srcslot *s)
{
	struct sl_pf_srcset set;
	uint32_t n = idx / SL_PF_SRC_WAYS;
	assert_int_equal(bpf_map_lookup_elem(fx.pf.srcs_fd, &n, &set), 0);
	set.way[idx % SL_PF_SRC_WAYS] = *s;
	assert_int_equal(bpf_map_update_elem(fx.pf.srcs_fd, &n, &set, BPF_ANY), 0);
}

/* 10.99.<c>.<d> in sl_pkt_view_t form, and as udp_frame_from() takes it. */
static uint32_t host_ip(unsigned c, unsigned d)
{
	return 0x0a630000u | c << 8 | d;
}

static uint32_t view_ip(uint32_t host)
{
	return __builtin_bswap32(host);
}

/* The IPv4 prefix host/len (host order, 0 <= len <= 32), its bits past
 * len cleared; valid until the next call. */
static const sl_cidr_t *cidr4(uint32_t host, unsigned len)
{
	static sl_cidr_t c;
	uint32_t masked = len ? host & ~0u << (32 - len) : 0;
	c = (sl_cidr_t){.family = 4, .prefixlen = (uint8_t)len,
			.addr = {(uint8_t)(masked >> 24), (uint8_t)(masked >> 16),
				 (uint8_t)(masked >> 8), (uint8_t)masked}};
	return &c;
}

/* Sends the frame n times; each must end as `slot`, with the action that
 * goes with it and, if a drop, one drop more for the source it claims. */
static void send_n(const uint8_t *f, size_t len, unsigned n, unsigned slot)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t d0 = claimed_drops(f, len);
		unsigned moved = SL_PF__COUNT;
		int action = run(f, len, &moved);
		if (moved != slot)
			fail_msg("frame %u of %u: %s, not %s", i + 1, n, sl_prefilter_counter_name(moved),
				 sl_prefilter_counter_name(slot));
		int dropped = strncmp(sl_prefilter_counter_name(slot), "drop_", 5) == 0;
		assert_int_equal(action, dropped ? XDP_DROP : XDP_PASS);
		assert_int_equal(claimed_drops(f, len) - d0, dropped);
	}
}

/* Sends n ingest frames from src (host order); each must end as `slot`. */
static void ingest_n(uint32_t src, unsigned n, unsigned slot)
{
	static uint8_t f[SL_BAD_FRAME_CAP];
	send_n(f, udp_frame_from(f, src, SL_PORT_INGEST, txn, TXN_SZ), n, slot);
}

/* Frames f until one is rate limited: how many passed first (at most
 * cap + 1 tries). */
static unsigned passes_until_limited(const uint8_t *f, size_t len, unsigned cap)
{
	for (unsigned i = 0; i <= cap; i++) {
		unsigned moved = SL_PF__COUNT;
		int action = run(f, len, &moved);
		if (moved == SL_PF_DROP_RATE_LIMITED) {
			assert_int_equal(action, XDP_DROP);
			return i;
		}
		assert_int_equal(moved, SL_PF_REDIRECTED);
	}
	return cap + 1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The derived fields: no division in the program. */
static void test_rate_conf(void **state)
{
	(void)state;
	struct sl_pf_conf c = {0};
	sl_pf_conf_rate(&c, 0, 5);
	assert_true(c.token_ns == 0 && c.bucket_ns == 0 && c.burst == 0);
	sl_pf_conf_rate(&c, 1, 4);
	assert_true(c.token_ns == 1000000000u && c.bucket_ns == 4000000000u);
	sl_pf_conf_rate(&c, 3, 0); /* burst 0: 1; 333333333.3 rounds down */
	assert_true(c.burst == 1 && c.token_ns == 333333333u && c.bucket_ns == 333333333u);
	sl_pf_conf_rate(&c, 2000000000u, 10); /* capped at 1e9/s: 1 ns a packet */
	assert_true(c.rate_pps == 1000000000u && c.token_ns == 1);
	assert_true(c.bucket_ns == SL_PF_TICK_NS_MAX); /* 10 ns: shallower than a tick */
	sl_pf_conf_rate(&c, 1000, 5); /* 5 ms of refill: raised to a tick, 10 */
	assert_true(c.token_ns == 1000000u && c.bucket_ns == SL_PF_TICK_NS_MAX);
	sl_pf_conf_rate(&c, 1000, 11); /* 11 ms: as asked */
	assert_true(c.bucket_ns == 11000000u);
	sl_pf_conf_rate(&c, 1, UINT32_MAX); /* the largest bucket fits */
	assert_true(c.bucket_ns == 1000000000ull * UINT32_MAX);
}

/* Masking to a prefix clears exactly the bits past it; an ip6_prefix
 * outside 1..128 counts as 64. */
static void test_mask6(void **state)
{
	(void)state;
	for (unsigned len = 0; len <= 128; len++) {
		uint8_t a[16];
		memset(a, 0xff, sizeof a);
		sl_pf_mask6(a, len);
		for (unsigned bit = 0; bit < 128; bit++)
			assert_int_equal(a[bit / 8] >> (7 - bit % 8) & 1, bit < len);
	}
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 9, 9, 9, 9, 9, 9, 9, 9};
	sl_pf_mask6(a, 52);
	static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x50};
	assert_memory_equal(a, want, 16);
	struct sl_pf_conf c = {0};
	assert_int_equal(sl_pf_ip6_prefix(&c), 64);
	c.ip6_prefix = 1;
	assert_int_equal(sl_pf_ip6_prefix(&c), 1);
	c.ip6_prefix = 128;
	assert_int_equal(sl_pf_ip6_prefix(&c), 128);
	c.ip6_prefix = 129;
	assert_int_equal(sl_pf_ip6_prefix(&c), 64);
	assert_int_equal(sl_pf_ip6_prefix(&fx.conf), 64); /* sl_pf_conf_make's default */
	/* sl_pf_ip6_mask: the same bits as the words a source key is ANDed with */
	for (unsigned len = 0; len <= 128; len++) {
		uint8_t m[16];
		memset(m, 0xff, sizeof m);
		sl_pf_mask6(m, len);
		const struct sl_pf_srckey w = sl_pf_ip6_mask(len);
		assert_memory_equal(&w, m, sizeof m);
	}
}

/* The policy helpers the program and user space share (no BPF needed): a
 * block lives until its expiry (0: for ever), a peer's entry passes its
 * token and its previous one (0: none), and only frames that are not
 * UDP over IP are the kernel's. */
static void test_shared_helpers(void **state)
{
	(void)state;
	const struct sl_pf_block forever = {.expiry_ns = 0}, until = {.expiry_ns = 1000};
	assert_true(sl_pf_block_live(&forever, 0) && sl_pf_block_live(&forever, UINT64_MAX));
	assert_true(sl_pf_block_live(&until, 999));
	assert_false(sl_pf_block_live(&until, 1000));
	assert_false(sl_pf_block_live(&until, 5000));
	const struct sl_pf_peer one = {.token_in = 7}, two = {.token_in = 7, .token_in_prev = 5};
	assert_true(sl_pf_token_ok(&one, 7));
	assert_false(sl_pf_token_ok(&one, 5));
	assert_false(sl_pf_token_ok(&one, 0)); /* no previous token is no token 0 */
	assert_true(sl_pf_token_ok(&two, 7) && sl_pf_token_ok(&two, 5));
	assert_false(sl_pf_token_ok(&two, 6));
	for (unsigned v = SL_PKT_OK; v < SL_PKT__COUNT; v++)
		assert_int_equal(sl_pf_pkt_passes((sl_pkt_verdict_t)v),
				 v == SL_PKT_NOT_IP || v == SL_PKT_NOT_UDP);
}

/* A source gets exactly its burst, then every frame drops until the bucket
 * refills; k tokens' worth of time lets exactly k more through. The limit
 * is the ingest port's only; rate 0 turns it off. */
static void test_rate_limit(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	struct sl_pf_conf c = fx.conf;
	sl_pf_conf_rate(&c, 1, 4); /* 1/s: nothing refills during the test */
	configure(&c);
	const uint32_t s1 = host_ip(1, 1), s2 = host_ip(1, 2);
	ingest_n(s2, 3, SL_PF_REDIRECTED); /* below the burst */
	ingest_n(s1, 4, SL_PF_REDIRECTED); /* at it */
	ingest_n(s1, 3, SL_PF_DROP_RATE_LIMITED); /* over it */
	ingest_n(s2, 1, SL_PF_REDIRECTED);       /* its own bucket: the 4th */
	ingest_n(s2, 1, SL_PF_DROP_RATE_LIMITED);
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(s1)), 3);

	/* gossip and other ports are not limited */
	unsigned moved;
	size_t n = gossip_frame(f, TXN_SZ);
	for (int i = 0; i < 6; i++) {
		run(f, n, &moved);
		assert_int_equal(moved, SL_PF_REDIRECTED);
	}
	n = udp_frame_from(f, s1, SL_PORT_CONTROL, txn, TXN_SZ);
	assert_int_equal(run(f, n, &moved), XDP_PASS);
	assert_int_equal(moved, SL_PF_PASS_NOT_OURS);

	/* Refill, on the program's clock: s1's bucket emptied, last seen 2.5
	 * tokens (2.5 s) ago; the test would have to stall 0.5 s for a 3rd. */
	uint32_t key = view_ip(s1), idx;
	struct sl_pf_srcslot b = get_slot(4, &key, 32, &idx);
	assert_true(b.tokens < c.token_ns);
	b.tokens = 0;
	b.last_ns = sl_prefilter_now_ns() - 2500000000u;
	put_slot(idx, &b);
	ingest_n(s1, 2, SL_PF_REDIRECTED);
	ingest_n(s1, 1, SL_PF_DROP_RATE_LIMITED);
	/* a long silence refills to the burst, never past it */
	b = get_slot(4, &key, 32, &idx);
	b.tokens = 0;
	b.last_ns = sl_prefilter_now_ns() - 3600 * SL_PF_NS;
	put_slot(idx, &b);
	ingest_n(s1, 4, SL_PF_REDIRECTED);
	ingest_n(s1, 1, SL_PF_DROP_RATE_LIMITED);

	/* Refill in real time: 4/s (250 ms a token), burst 2. After 600 ms
	 * (2.4 tokens) the bucket is full: exactly 2 pass, unless the test
	 * stalls 250 ms between two frames. */
	sl_pf_conf_rate(&c, 4, 2);
	configure(&c);
	const uint32_t s3 = host_ip(1, 3);
	size_t n3 = udp_frame_from(f, s3, SL_PORT_INGEST, txn, TXN_SZ);
	assert_int_equal(passes_until_limited(f, n3, 10), 2);
	sleep_ms(600);
	assert_int_equal(passes_until_limited(f, n3, 10), 2);

	/* rate 0: off, for the sources already limited too */
	configure(&fx.conf);
	ingest_n(s1, 5, SL_PF_REDIRECTED);
	ingest_n(s3, 5, SL_PF_REDIRECTED);
}

/* Allowlisted prefixes are exempt from the rate limit (and only from it). */
static void test_allowlist(void **state)
{
	(void)state;
	need_root();
	struct sl_pf_conf c = fx.conf;
	sl_pf_conf_rate(&c, 1, 1);
	configure(&c);
	const uint32_t s1 = host_ip(2, 1), s2 = host_ip(2, 7), s3 = host_ip(3, 1);
	assert_int_equal(sl_prefilter_allow(&fx.pf, cidr4(s1, 32)), 0);
	assert_int_equal(sl_prefilter_allow(&fx.pf, cidr4(host_ip(2, 0), 28)), 0); /* .0-.15 */
	ingest_n(s1, 5, SL_PF_REDIRECTED);
	ingest_n(s2, 5, SL_PF_REDIRECTED);
	ingest_n(s3, 1, SL_PF_REDIRECTED);
	ingest_n(s3, 1, SL_PF_DROP_RATE_LIMITED);
	ingest_n(host_ip(2, 16), 1, SL_PF_REDIRECTED); /* outside the /28 */
	ingest_n(host_ip(2, 16), 1, SL_PF_DROP_RATE_LIMITED);
	/* the /28 gone, s2 is limited; s1 keeps its /32 */
	assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr4(host_ip(2, 0), 28)), 0);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr4(host_ip(2, 0), 28)), 0);
	ingest_n(s2, 1, SL_PF_REDIRECTED);
	ingest_n(s2, 1, SL_PF_DROP_RATE_LIMITED);
	ingest_n(s1, 3, SL_PF_REDIRECTED);
	/* allowed, yet blocklisted: dropped */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(s1, 32), 0), 0);
	ingest_n(s1, 1, SL_PF_DROP_BLOCKLISTED);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(s1, 32)), 0);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr4(s1, 32)), 0);
	ingest_n(s1, 1, SL_PF_REDIRECTED);
	ingest_n(s1, 1, SL_PF_DROP_RATE_LIMITED);
	errno = 0;
	assert_int_equal(sl_prefilter_allow(&fx.pf, &(sl_cidr_t){.family = 4, .prefixlen = 33}), -1);
	assert_int_equal(errno, EINVAL);
	configure(&fx.conf);
}

/* The lists' generation (SL_PF_GEN_LISTS). */
static uint64_t lists_gen(void)
{
	uint32_t gi = SL_PF_GEN_LISTS;
	uint64_t gen = 0;
	assert_int_equal(bpf_map_lookup_elem(fx.pf.gen_fd, &gi, &gen), 0);
	return gen;
}

static unsigned map_entries(int fd)
{
	struct sl_pf_lpm_key k;
	const struct sl_pf_lpm_key *prev = NULL;
	unsigned n = 0;
	while (bpf_map_get_next_key(fd, prev, &k) == 0) {
		n++;
		prev = &k;
	}
	return n;
}

/* Blocked sources drop on both ports; the longest live prefix decides;
 * expired entries drop nothing until swept, and hide nothing. */
static void test_blocklist(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	unsigned moved;
	const uint64_t now = sl_prefilter_now_ns(), past = now - SL_PF_TICK_SLACK_NS, future = now + 3600 * SL_PF_NS;

	/* hit and miss, ingest */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(4, 0), 24), 0), 0);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(4, 77), 24), 0), 0); /* the same */
	assert_int_equal(map_entries(fx.pf.block_fd), 1);
	ingest_n(host_ip(4, 5), 2, SL_PF_DROP_BLOCKLISTED);
	ingest_n(host_ip(5, 5), 1, SL_PF_REDIRECTED);
	/* gossip from a peer with its token, the peer blocked */
	size_t n = gossip_frame(f, TXN_SZ);
	run(f, n, &moved);
	assert_int_equal(moved, SL_PF_REDIRECTED);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(PEER_IP, 32), future), 0);
	uint64_t d0 = sl_prefilter_src_drops(&fx.pf, view_ip(PEER_IP));
	assert_int_equal(run(f, n, &moved), XDP_DROP);
	assert_int_equal(moved, SL_PF_DROP_BLOCKLISTED);
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(PEER_IP)) - d0, 1);
	/* not our port: the kernel's */
	n = udp_frame_from(f, host_ip(4, 5), SL_PORT_CONTROL, txn, TXN_SZ);
	assert_int_equal(run(f, n, &moved), XDP_PASS);
	assert_int_equal(moved, SL_PF_PASS_NOT_OURS);
	/* expiry: an expired entry drops nothing */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(PEER_IP, 32), past), 0);
	n = gossip_frame(f, TXN_SZ);
	run(f, n, &moved);
	assert_int_equal(moved, SL_PF_REDIRECTED);

	/* longest prefix: a live /32 in an expired /24 ... */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(6, 0), 24), past), 0);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(6, 7), 32), future), 0);
	ingest_n(host_ip(6, 7), 1, SL_PF_DROP_BLOCKLISTED);
	ingest_n(host_ip(6, 8), 1, SL_PF_REDIRECTED);
	/* ... an expired /28 in a live /24: the /24 still blocks ... */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(7, 0), 24), future), 0);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(7, 0), 28), past), 0);
	ingest_n(host_ip(7, 3), 1, SL_PF_DROP_BLOCKLISTED);
	ingest_n(host_ip(7, 200), 1, SL_PF_DROP_BLOCKLISTED);
	/* ... and a live /16 under both, found past two expired ones */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(6, 0), 28), past), 0);
	ingest_n(host_ip(6, 3), 1, SL_PF_REDIRECTED);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(0, 0), 16), 0), 0);
	ingest_n(host_ip(6, 3), 1, SL_PF_DROP_BLOCKLISTED);
	ingest_n(host_ip(9, 9), 1, SL_PF_DROP_BLOCKLISTED);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(host_ip(0, 0), 16)), 0);
	ingest_n(host_ip(6, 3), 1, SL_PF_REDIRECTED);

	/* expiry in real time: blocked for 300 ms */
	const uint32_t s = host_ip(8, 9);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(s, 32), sl_prefilter_now_ns() + 300000000u), 0);
	ingest_n(s, 1, SL_PF_DROP_BLOCKLISTED);
	sleep_ms(350);
	ingest_n(s, 1, SL_PF_REDIRECTED);

	/* the sweep takes the expired entries (peer /32, 6.0/24, 7.0/28,
	 * 6.0/28, 8.9/32) and keeps the live ones (4.0/24, 6.7/32, 7.0/24) */
	assert_int_equal(map_entries(fx.pf.block_fd), 8);
	uint64_t g0 = lists_gen();
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, sl_prefilter_now_ns(), NULL), 5);
	assert_int_equal(map_entries(fx.pf.block_fd), 3);
	assert_true(lists_gen() != g0); /* entries gone: a generation */
	g0 = lists_gen();
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, sl_prefilter_now_ns(), NULL), 0);
	assert_int_equal(lists_gen(), g0); /* none gone: none */
	ingest_n(host_ip(4, 5), 1, SL_PF_DROP_BLOCKLISTED);
	ingest_n(host_ip(7, 3), 1, SL_PF_DROP_BLOCKLISTED);
	ingest_n(host_ip(6, 7), 1, SL_PF_DROP_BLOCKLISTED);
	/* in batches: more expired entries than one batch holds */
	for (unsigned i = 0; i < 600; i++)
		assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(0x0b000000u + i, 32), past), 0);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, sl_prefilter_now_ns(), NULL), 600);
	assert_int_equal(map_entries(fx.pf.block_fd), 3);
	/* at `future`, 6.7/32 and 7.0/24 have expired; 4.0/24 is for ever */
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, future, NULL), 2);
	assert_int_equal(map_entries(fx.pf.block_fd), 1);
	ingest_n(host_ip(6, 7), 1, SL_PF_REDIRECTED);
	ingest_n(host_ip(4, 5), 1, SL_PF_DROP_BLOCKLISTED);

	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(host_ip(4, 0), 24)), 0);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(host_ip(7, 0), 24)), 0); /* absent */
	assert_int_equal(map_entries(fx.pf.block_fd), 0);
	errno = 0;
	assert_int_equal(sl_prefilter_block(&fx.pf, &(sl_cidr_t){.family = 4, .prefixlen = 33}, 0), -1);
	assert_int_equal(errno, EINVAL);
	ingest_n(host_ip(4, 5), 1, SL_PF_REDIRECTED);
}

/* 2001:db8:<a>:<b>::<h> */
static void ip6_set(uint8_t out[16], unsigned a, unsigned b, unsigned h)
{
	const uint8_t v[16] = {0x20, 0x01, 0x0d, 0xb8, (uint8_t)(a >> 8), (uint8_t)a,
			       (uint8_t)(b >> 8), (uint8_t)b, [14] = (uint8_t)(h >> 8), (uint8_t)h};
	memcpy(out, v, 16);
}

static size_t udp6_frame_to(uint8_t *f, const uint8_t src[16], const uint8_t dst[16],
			    uint16_t dst_port, const uint8_t *payload, size_t len)
{
	sl_udp6_addr_t a = {.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
			    .src_port = 40000, .dst_port = dst_port};
	memcpy(a.src_ip, src, 16);
	memcpy(a.dst_ip, dst, 16);
	size_t n = sl_pkt_build_udp6(f, SL_BAD_FRAME_CAP, &a, payload, len);
	assert_true(n > 0);
	return n;
}

static size_t udp6_frame_from(uint8_t *f, const uint8_t src[16], uint16_t dst_port,
			      const uint8_t *payload, size_t len)
{
	return udp6_frame_to(f, src, my_ip6, dst_port, payload, len);
}

static size_t gossip6_token_from(uint8_t *f, const uint8_t src[16], uint8_t ttl, uint64_t token)
{
	uint8_t g[sizeof txn + sizeof(struct sl_gossip_hdr)];
	size_t n = sl_gossip_frame_build(g, sizeof g, ttl, token, txn, TXN_SZ);
	assert_true(n > 0);
	return udp6_frame_from(f, src, SL_PORT_GOSSIP, g, n);
}

static size_t gossip6_frame_from(uint8_t *f, const uint8_t src[16], uint8_t ttl)
{
	return gossip6_token_from(f, src, ttl, PEER_TOKEN);
}

/* A gossip frame from relay peer "b" (fam 4) or "b6" (6) with token. */
static size_t peer_gossip(uint8_t *f, unsigned fam, uint64_t token)
{
	return fam == 4 ? gossip_frame_from(f, PEER_IP, token, TXN_SZ)
			: gossip6_token_from(f, peer_ip6, 2, token);
}

/* During a token rotation (the live peer table's), the token a peer's entry
 * replaced passes too; any third one does not; a removed entry is no peer.
 * The entries are written as sluice-dp's table thread writes them, a
 * managed peer of either family. */
static void prev_token(unsigned fam)
{
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	const uint8_t ip4[4] = {PEER_IP >> 24, (uint8_t)(PEER_IP >> 16), (uint8_t)(PEER_IP >> 8),
				(uint8_t)PEER_IP};
	const uint8_t *ip = fam == 4 ? ip4 : peer_ip6;
	const sl_cidr_t host = {.family = (uint8_t)fam, .prefixlen = fam == 4 ? 32 : 128};
	sl_cidr_t net = host; /* the host's /24 or /64 */
	memcpy(net.addr, ip, fam == 4 ? 3 : 8);
	net.prefixlen = fam == 4 ? 24 : 64;
	unsigned moved;
	assert_int_equal(sl_prefilter_put_peer(&fx.pf, fam, ip, PEER_TOKEN + 1, PEER_TOKEN), 0);
	size_t n = peer_gossip(f, fam, PEER_TOKEN + 1);
	run(f, n, &moved);
	assert_int_equal(moved, SL_PF_REDIRECTED);
	n = peer_gossip(f, fam, PEER_TOKEN);
	run(f, n, &moved);
	assert_int_equal(moved, SL_PF_REDIRECTED);
	n = peer_gossip(f, fam, PEER_TOKEN + 2);
	assert_int_equal(run(f, n, &moved), XDP_DROP);
	assert_int_equal(moved, SL_PF_DROP_BAD_TOKEN);
	/* the overlap over: prev 0 means none, so a frame with token 0 fails */
	assert_int_equal(sl_prefilter_put_peer(&fx.pf, fam, ip, PEER_TOKEN + 1, 0), 0);
	n = peer_gossip(f, fam, PEER_TOKEN);
	run(f, n, &moved);
	assert_int_equal(moved, SL_PF_DROP_BAD_TOKEN);
	n = peer_gossip(f, fam, 0);
	run(f, n, &moved);
	assert_int_equal(moved, SL_PF_DROP_BAD_TOKEN);
	/* a peer that is no longer up: out of the map */
	assert_int_equal(sl_prefilter_peer_within(&fx.pf, &net), 1);
	assert_int_equal(sl_prefilter_del_peer(&fx.pf, fam, ip), 0);
	assert_int_equal(sl_prefilter_peer_within(&fx.pf, &net), 0);
	assert_int_equal(sl_prefilter_del_peer(&fx.pf, fam, ip), 0); /* absent: no error */
	n = peer_gossip(f, fam, PEER_TOKEN + 1);
	run(f, n, &moved);
	assert_int_equal(moved, SL_PF_DROP_UNKNOWN_PEER);
	/* a family neither 4 nor 6, and a prefix with host bits: refused */
	assert_int_equal(sl_prefilter_put_peer(&fx.pf, 5, ip, PEER_TOKEN, 0), -1);
	sl_cidr_t bad = net;
	bad.prefixlen = 8;
	assert_int_equal(sl_prefilter_peer_within(&fx.pf, &bad), -1);
	set_peers(PEER_TOKEN);
}

static void test_prev_token(void **state)
{
	(void)state;
	prev_token(4);
}

static void test_prev_token6(void **state)
{
	(void)state;
	prev_token(6);
}

/* The frame f of n bytes with an 802.1Q tag (VLAN 100) put in. */
static size_t vlan(uint8_t *f, size_t n)
{
	size_t t = sl_pkt_vlan_tag(f, n, SL_BAD_FRAME_CAP, 100);
	assert_true(t == n + 4);
	return t;
}

static void ingest6_n(const uint8_t src[16], unsigned n, unsigned slot)
{
	static uint8_t f[SL_BAD_FRAME_CAP];
	send_n(f, udp6_frame_from(f, src, SL_PORT_INGEST, txn, TXN_SZ), n, slot);
}

/* IPv6 and tagged frames take the IPv4 frames' decisions: ingest to our
 * address redirected, oversize and broken gossip dropped (a datagram
 * shorter than a gossip header too, whose header would end past a frame
 * read in place), other ports and addresses the kernel's; IPv6 gossip from
 * an address that is no IPv6 relay peer's is unknown.
 * Without an IPv6 address in the conf, no IPv6 frame is ours. QinQ is the
 * kernel's. */
static void test_ipv6_and_vlan_frames(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	uint8_t s6[16], other6[16];
	ip6_set(s6, 1, 2, 3);
	ip6_set(other6, 0x99, 0, 0x0c);
	for (int tag = 0; tag < 2; tag++) {
#define T(n) (tag ? vlan(f, (n)) : (n))
		assert_int_equal(check_frame("ipv6 ingest", f, T(udp6_frame_from(f, s6, SL_PORT_INGEST, txn, TXN_SZ))),
				 SL_PF_REDIRECTED);
		assert_int_equal(check_frame("ipv6 ingest, largest", f,
					     T(udp6_frame_from(f, s6, SL_PORT_INGEST, txn, SL_TXN_MTU))),
				 SL_PF_REDIRECTED);
		assert_int_equal(check_frame("ipv6 ingest, oversize", f,
					     T(udp6_frame_from(f, s6, SL_PORT_INGEST, txn, SL_TXN_MTU + 1))),
				 SL_PF_DROP_OVERSIZE);
		assert_int_equal(check_frame("ipv6 gossip", f, T(gossip6_frame_from(f, s6, 2))),
				 SL_PF_DROP_UNKNOWN_PEER);
		assert_int_equal(check_frame("ipv6 gossip, ttl 0", f, T(gossip6_frame_from(f, s6, 0))),
				 SL_PF_DROP_GOSSIP_HDR);
		/* 70 (74) bytes: read in place, but the gossip header would
		 * end past the frame; the header copy decides */
		assert_int_equal(check_frame("ipv6 gossip, shorter than its header", f,
					     T(udp6_frame_from(f, s6, SL_PORT_GOSSIP, txn, 8))),
				 SL_PF_DROP_GOSSIP_HDR);
		assert_int_equal(check_frame("ipv6 ingest, 8 bytes", f,
					     T(udp6_frame_from(f, s6, SL_PORT_INGEST, txn, 8))),
				 SL_PF_REDIRECTED);
		assert_int_equal(check_frame("ipv6 control port", f,
					     T(udp6_frame_from(f, s6, SL_PORT_CONTROL, txn, TXN_SZ))),
				 SL_PF_PASS_NOT_OURS);
		assert_int_equal(check_frame("ipv6 to another address", f,
					     T(udp6_frame_to(f, s6, other6, SL_PORT_INGEST, txn, TXN_SZ))),
				 SL_PF_PASS_NOT_OURS);
		assert_int_equal(check_frame("ipv4 ingest", f, T(udp_frame(f, SL_PORT_INGEST, txn, TXN_SZ))),
				 SL_PF_REDIRECTED);
		assert_int_equal(check_frame("ipv4 ingest, oversize", f,
					     T(udp_frame(f, SL_PORT_INGEST, txn, SL_TXN_MTU + 1))),
				 SL_PF_DROP_OVERSIZE);
		assert_int_equal(check_frame("ipv4 gossip, peer", f, T(gossip_frame(f, TXN_SZ))),
				 SL_PF_REDIRECTED);
		assert_int_equal(check_frame("ipv4 gossip, another token", f,
					     T(gossip_frame_from(f, PEER_IP, PEER_TOKEN + 1, TXN_SZ))),
				 SL_PF_DROP_BAD_TOKEN);
		assert_int_equal(check_frame("ipv4 gossip, no peer", f,
					     T(gossip_frame_from(f, OTHER_IP, PEER_TOKEN, TXN_SZ))),
				 SL_PF_DROP_UNKNOWN_PEER);
		assert_int_equal(check_frame("ipv4 control port", f, T(udp_frame(f, SL_PORT_CONTROL, txn, TXN_SZ))),
				 SL_PF_PASS_NOT_OURS);
#undef T
	}
	/* QinQ: a good frame behind two tags */
	size_t n = vlan(f, vlan(f, udp_frame(f, SL_PORT_INGEST, txn, TXN_SZ)));
	f[12] = 0x88, f[13] = 0xa8;
	assert_int_equal(check_frame("qinq", f, n), sl_pf_pkt_slot(SL_PKT_NOT_IP));
	n = vlan(f, vlan(f, udp6_frame_from(f, s6, SL_PORT_INGEST, txn, TXN_SZ)));
	assert_int_equal(check_frame("two 802.1q tags", f, n), sl_pf_pkt_slot(SL_PKT_NOT_IP));

	/* no IPv6 address: not ours, to our old one or to :: */
	struct sl_pf_conf c = fx.conf;
	memset(c.ip6, 0, sizeof c.ip6);
	configure(&c);
	assert_int_equal(check_frame("ipv6, none configured", f,
				     udp6_frame_from(f, s6, SL_PORT_INGEST, txn, TXN_SZ)),
			 SL_PF_PASS_NOT_OURS);
	static const uint8_t any[16];
	assert_int_equal(check_frame("ipv6 to ::, none configured", f,
				     udp6_frame_to(f, s6, any, SL_PORT_INGEST, txn, TXN_SZ)),
			 SL_PF_PASS_NOT_OURS);
	configure(&fx.conf);
}

/* IPv6 gossip goes on only from an IPv6 relay peer's address (sl_pf_peers6,
 * filled by sl_prefilter_set_peers) with its token, tagged or not; an IPv4
 * peer's token from it, a validator's address, a stranger's drop. */
static void test_peer_and_token6(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	struct sl_pf_lpm6_key key = {.prefixlen = 128};
	struct sl_pf_peer v;
	memcpy(key.addr, peer_ip6, 16);
	assert_int_equal(bpf_map_lookup_elem(fx.pf.peers6_fd, &key, &v), 0);
	assert_int_equal(v.token_in, PEER6_TOKEN);
	assert_int_equal(v.token_in_prev, 0);
	assert_int_equal(map_entries(fx.pf.peers6_fd), 1);
	uint8_t s6[16];
	ip6_set(s6, 1, 2, 3);
	for (int tag = 0; tag < 2; tag++) {
#define T(n) (tag ? vlan(f, (n)) : (n))
		assert_int_equal(check_frame("ipv6 gossip, peer, its token", f,
					     T(gossip6_token_from(f, peer_ip6, 2, PEER6_TOKEN))),
				 SL_PF_REDIRECTED);
		assert_int_equal(check_frame("ipv6 gossip, peer, another token", f,
					     T(gossip6_token_from(f, peer_ip6, 2, PEER6_TOKEN + 1))),
				 SL_PF_DROP_BAD_TOKEN);
		assert_int_equal(check_frame("ipv6 gossip, peer, ipv4 peer's token", f,
					     T(gossip6_token_from(f, peer_ip6, 2, PEER_TOKEN))),
				 SL_PF_DROP_BAD_TOKEN);
		assert_int_equal(check_frame("ipv6 gossip, no peer", f,
					     T(gossip6_token_from(f, s6, 2, PEER6_TOKEN))),
				 SL_PF_DROP_UNKNOWN_PEER);
		assert_int_equal(check_frame("ipv6 gossip, a validator", f,
					     T(gossip6_token_from(f, val_ip6, 2, PEER6_TOKEN))),
				 SL_PF_DROP_UNKNOWN_PEER);
		assert_int_equal(check_frame("ipv6 gossip, peer, ttl 0", f,
					     T(gossip6_token_from(f, peer_ip6, 0, PEER6_TOKEN))),
				 SL_PF_DROP_GOSSIP_HDR);
		assert_int_equal(check_frame("ipv6 ingest, peer", f,
					     T(udp6_frame_from(f, peer_ip6, SL_PORT_INGEST, txn, TXN_SZ))),
				 SL_PF_REDIRECTED);
#undef T
	}
	/* an IPv4 gossip frame with the IPv6 peer's token is no one's */
	assert_int_equal(check_frame("ipv4 gossip, ipv6 peer's token", f,
				     gossip_frame_from(f, OTHER_IP, PEER6_TOKEN, TXN_SZ)),
			 SL_PF_DROP_UNKNOWN_PEER);
}

/* IPv6 sources share a bucket per ip6_prefix bits (64 by default, and for
 * a conf without a valid one); their drops count per prefix. */
static void test_rate_limit6(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	struct sl_pf_conf c = fx.conf;
	sl_pf_conf_rate(&c, 1, 2); /* 1/s: nothing refills during the test */
	configure(&c);
	uint8_t a1[16], a2[16], b1[16];
	ip6_set(a1, 7, 1, 1);
	ip6_set(a2, 7, 1, 2); /* a1's /64 */
	ip6_set(b1, 7, 2, 1); /* another /64, a1's /48 */
	ingest6_n(a1, 1, SL_PF_REDIRECTED);
	ingest6_n(a2, 1, SL_PF_REDIRECTED);
	ingest6_n(a2, 2, SL_PF_DROP_RATE_LIMITED);
	send_n(f, vlan(f, udp6_frame_from(f, a1, SL_PORT_INGEST, txn, TXN_SZ)), 1,
	       SL_PF_DROP_RATE_LIMITED); /* tagged: the same source */
	ingest6_n(b1, 2, SL_PF_REDIRECTED);
	ingest6_n(b1, 1, SL_PF_DROP_RATE_LIMITED);
	assert_int_equal(sl_prefilter_src_drops6(&fx.pf, a1, 64), 3);
	assert_int_equal(sl_prefilter_src_drops6(&fx.pf, b1, 64), 1);
	assert_int_equal(sl_prefilter_src_drops6(&fx.pf, a1, 128), 0);
	uint32_t idx;
	assert_true(get_slot(6, a2, 64, &idx).tokens < c.token_ns);
	ingest_n(host_ip(7, 1), 2, SL_PF_REDIRECTED); /* IPv4 keeps its own buckets */
	/* gossip is not limited */
	size_t n = gossip6_frame_from(f, a1, 2);
	send_n(f, n, 3, SL_PF_DROP_UNKNOWN_PEER);

	/* every address its own bucket */
	c.ip6_prefix = 128;
	configure(&c);
	ingest6_n(a1, 2, SL_PF_REDIRECTED);
	ingest6_n(a2, 2, SL_PF_REDIRECTED);
	ingest6_n(a2, 1, SL_PF_DROP_RATE_LIMITED);
	assert_int_equal(sl_prefilter_src_drops6(&fx.pf, a2, 128), 1);
	/* a /48: a1 and b1 share one */
	c.ip6_prefix = 48;
	configure(&c);
	ingest6_n(a1, 2, SL_PF_REDIRECTED);
	ingest6_n(b1, 1, SL_PF_DROP_RATE_LIMITED);
	assert_int_equal(sl_prefilter_src_drops6(&fx.pf, b1, 48), 1);
	/* 0 (no valid ip6_prefix): the default /64 */
	uint8_t d1[16], d2[16];
	ip6_set(d1, 7, 3, 1);
	ip6_set(d2, 7, 3, 2);
	c.ip6_prefix = 0;
	configure(&c);
	ingest6_n(d1, 2, SL_PF_REDIRECTED);
	ingest6_n(d2, 1, SL_PF_DROP_RATE_LIMITED);
	assert_int_equal(sl_prefilter_src_drops6(&fx.pf, d2, 64), 1);
	/* rate 0: off */
	configure(&fx.conf);
	ingest6_n(a1, 4, SL_PF_REDIRECTED);
}

/* IPv6 allowlist entries exempt their addresses from the limit (whatever
 * the /64 bucket), only from it; what sl_prefilter_allowed() and
 * sl_prefilter_allowlist() say of both families. */
static void test_allowlist6(void **state)
{
	(void)state;
	need_root();
	struct sl_pf_conf c = fx.conf;
	sl_pf_conf_rate(&c, 1, 1);
	configure(&c);
	sl_cidr_t one = {.family = 6, .prefixlen = 128}, wide = {.family = 6, .prefixlen = 56};
	ip6_set(one.addr, 8, 1, 5);
	ip6_set(wide.addr, 8, 0x200, 0); /* 2001:db8:8:200::/56 */
	uint8_t s1b[16], s2[16], s3[16];
	ip6_set(s1b, 8, 1, 6);     /* one's /64, not one */
	ip6_set(s2, 8, 0x2ab, 1);  /* in wide */
	ip6_set(s3, 8, 0x300, 1);  /* outside it */
	assert_int_equal(sl_prefilter_allow(&fx.pf, &one), 0);
	assert_int_equal(sl_prefilter_allow(&fx.pf, &wide), 0);
	assert_int_equal(sl_prefilter_allow(&fx.pf, cidr4(host_ip(9, 1), 32)), 0);
	ingest6_n(one.addr, 5, SL_PF_REDIRECTED);
	ingest6_n(s1b, 1, SL_PF_REDIRECTED);
	ingest6_n(s1b, 1, SL_PF_DROP_RATE_LIMITED);
	ingest6_n(s2, 5, SL_PF_REDIRECTED);
	ingest6_n(s3, 1, SL_PF_REDIRECTED);
	ingest6_n(s3, 1, SL_PF_DROP_RATE_LIMITED);

	assert_int_equal(sl_prefilter_allowed(&fx.pf, 6, one.addr), 1);
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 6, s1b), 0);
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 6, s2), 1);
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 4, (const uint8_t[]){10, 99, 9, 1}), 1);
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 4, (const uint8_t[]){10, 99, 9, 2}), 0);
	sl_cidr_t list[8];
	assert_int_equal(sl_prefilter_allowlist(&fx.pf, list, 8), 3);
	assert_int_equal(list[0].family, 4); /* IPv4 first */
	assert_memory_equal(list[0].addr, ((const uint8_t[16]){10, 99, 9, 1}), 16);
	assert_int_equal(list[0].prefixlen, 32);
	assert_int_equal(list[1].family, 6);
	assert_int_equal(list[2].family, 6);
	int first = list[1].prefixlen == 128 ? 1 : 2; /* the trie's order */
	assert_memory_equal(&list[first], &one, sizeof one);
	assert_memory_equal(&list[3 - first], &wide, sizeof wide);
	assert_int_equal(sl_prefilter_allowlist(&fx.pf, list, 2), 2); /* at most max */
	assert_int_equal(sl_prefilter_allowlist(&fx.pf, list, 0), 0);

	/* the /56 gone, s2 is limited; allowed, yet blocklisted: dropped */
	assert_int_equal(sl_prefilter_unallow(&fx.pf, &wide), 0);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, &wide), 0); /* absent: no error */
	ingest6_n(s2, 1, SL_PF_REDIRECTED);
	ingest6_n(s2, 1, SL_PF_DROP_RATE_LIMITED);
	assert_int_equal(sl_prefilter_block(&fx.pf, &one, 0), 0);
	ingest6_n(one.addr, 1, SL_PF_DROP_BLOCKLISTED);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, &one), 0);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, &one), 0);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr4(host_ip(9, 1), 32)), 0);
	assert_int_equal(sl_prefilter_allowlist(&fx.pf, list, 8), 0);
	/* one's /64 bucket was s1b's: empty */
	ingest6_n(one.addr, 1, SL_PF_DROP_RATE_LIMITED);

	/* not valid sl_cidr_t: refused */
	sl_cidr_t bad = one;
	bad.prefixlen = 129;
	errno = 0;
	assert_int_equal(sl_prefilter_allow(&fx.pf, &bad), -1);
	assert_int_equal(errno, EINVAL);
	bad.prefixlen = 64; /* ::5 is past /64 */
	errno = 0;
	assert_int_equal(sl_prefilter_allow(&fx.pf, &bad), -1);
	assert_int_equal(errno, EINVAL);
	bad.family = 5;
	assert_int_equal(sl_prefilter_unallow(&fx.pf, &bad), -1);
	errno = 0;
	assert_int_equal(sl_prefilter_allowed(&fx.pf, 5, one.addr), -1);
	assert_int_equal(errno, EINVAL);
	configure(&fx.conf);
}

static const sl_cidr_t *cidr6(unsigned a, unsigned b, unsigned h, unsigned len)
{
	static sl_cidr_t c;
	c = (sl_cidr_t){.family = 6, .prefixlen = (uint8_t)len};
	ip6_set(c.addr, a, b, h);
	return &c;
}

/* Three IPv4 sources (host order) in 10.0.0.0/8 whose keys share a set
 * under the conf's hash. Scattered, not consecutive: the multiply-shift
 * hash spreads a /16's addresses over distinct sets. */
static void same_set(uint32_t out[3])
{
	struct sl_pf_conf c;
	assert_int_equal(sl_prefilter_read_conf(&fx.pf, &c), 0);
	static uint32_t first[SL_PF_SRC_SETS]; /* set -> host + 1 of the first, second */
	static uint32_t second[SL_PF_SRC_SETS];
	memset(first, 0, sizeof(first));
	memset(second, 0, sizeof(second));
	for (uint32_t d = 1; d < (1u << 20); d++) {
		const uint32_t host = 0x0a000000u | ((d * 2654435761u) & 0xffffffu);
		const struct sl_pf_srckey k = sl_pf_srckey4(view_ip(host));
		const uint32_t n = sl_pf_src_set(&c, sl_pf_src_hash(&c, &k));
		if (!first[n]) {
			first[n] = host + 1;
		} else if (!second[n]) {
			second[n] = host + 1;
		} else {
			out[0] = first[n] - 1;
			out[1] = second[n] - 1;
			out[2] = host;
			return;
		}
	}
	fail_msg("2^20 keys into %u sets and no three alike: not a hash", SL_PF_SRC_SETS);
}

/* A set holds SL_PF_SRC_WAYS sources; a third takes the slot of the one
 * seen longest ago, afresh, and the drops a CPU still held for the source
 * it replaced go to neither. */
static void test_source_slots(void **state)
{
	(void)state;
	need_root();
	configure(&fx.conf);
	uint32_t h[3] = {0}; /* same_set() fills it or fails */
	same_set(h);
	/* 10.0.0.0/8 blocked: each frame a drop against its source */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(0x0a000000u, 8), 0), 0);
	ingest_n(h[0], 3, SL_PF_DROP_BLOCKLISTED); /* held by this CPU */
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[0])), 3);
	sleep_ms(30); /* a few ticks: h[1] is seen later than h[0] */
	ingest_n(h[1], 2, SL_PF_DROP_BLOCKLISTED); /* h[0]'s 3 go into its slot */
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[0])), 3);
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[1])), 2);
	sleep_ms(30);
	ingest_n(h[2], 1, SL_PF_DROP_BLOCKLISTED); /* takes h[0]'s slot */
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[0])), 0);
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[1])), 2);
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[2])), 1);
	sleep_ms(30);
	/* h[0] back: h[1] is now the one seen longest ago; h[2]'s pending
	 * drop was for the slot h[0] takes back, so it goes nowhere */
	ingest_n(h[2], 2, SL_PF_DROP_BLOCKLISTED);
	sleep_ms(30);
	ingest_n(h[0], 1, SL_PF_DROP_BLOCKLISTED);
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[0])), 1);
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[1])), 0);
	assert_int_equal(sl_prefilter_src_drops(&fx.pf, view_ip(h[2])), 3);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(0x0a000000u, 8)), 0);
	/* a replaced source starts afresh: a full bucket */
	struct sl_pf_conf c = fx.conf;
	sl_pf_conf_rate(&c, 1, 2);
	configure(&c);
	ingest_n(h[1], 2, SL_PF_REDIRECTED);
	ingest_n(h[1], 1, SL_PF_DROP_RATE_LIMITED);
	configure(&fx.conf);
}

/* Where user space finds no tick (sl_jiffies_clock fails: jiffy_ns 0),
 * the program reads the coarse clock instead, for expiries and buckets
 * alike, in real time; a configure keeps a clock the map has. */
static void test_coarse_clock(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	struct sl_pf_conf c = fx.conf;
	sl_pf_conf_rate(&c, 4, 2); /* 250 ms a token */
	configure(&c);
	assert_int_equal(sl_prefilter_read_conf(&fx.pf, &c), 0);
	c.jiffy_ns = c.jiffy_base_ns = 0;
	uint32_t zero = 0;
	assert_int_equal(bpf_map_update_elem(fx.pf.conf_fd, &zero, &c, BPF_ANY), 0);
	const uint32_t s = host_ip(13, 1);
	size_t n = udp_frame_from(f, s, SL_PORT_INGEST, txn, TXN_SZ);
	assert_int_equal(passes_until_limited(f, n, 10), 2);
	sleep_ms(600);
	assert_int_equal(passes_until_limited(f, n, 10), 2);
	const uint32_t b = host_ip(13, 2);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(b, 32), sl_prefilter_now_ns() + 300000000u), 0);
	ingest_n(b, 1, SL_PF_DROP_BLOCKLISTED);
	sleep_ms(350);
	ingest_n(b, 1, SL_PF_REDIRECTED);
	configure(&fx.conf); /* the map has no clock: calibrated again */
	struct sl_pf_conf kept;
	assert_int_equal(sl_prefilter_read_conf(&fx.pf, &kept), 0);
	assert_true(kept.jiffy_ns != 0);
	/* a configure keeps a clock the map has (a later process's
	 * calibration may miss the tick) */
	c = kept;
	c.jiffy_base_ns += 12345;
	assert_int_equal(bpf_map_update_elem(fx.pf.conf_fd, &zero, &c, BPF_ANY), 0);
	configure(&fx.conf);
	assert_int_equal(sl_prefilter_read_conf(&fx.pf, &c), 0);
	assert_int_equal(c.jiffy_base_ns, kept.jiffy_base_ns + 12345);
	assert_int_equal(bpf_map_update_elem(fx.pf.conf_fd, &zero, &kept, BPF_ANY), 0);
}

/* A full list refuses another prefix with E2BIG and keeps what it holds. */
static void test_full_allowlist(void **state)
{
	(void)state;
	need_root();
	assert_int_equal(map_entries(fx.pf.allow_fd), 0); /* earlier tests leave none */
	for (unsigned i = 0; i < SL_PF_ALLOW_MAX; i++)
		assert_int_equal(sl_prefilter_allow(&fx.pf, cidr4(0x0b000000u + (i << 8), 24)), 0);
	assert_int_equal(sl_prefilter_allow(&fx.pf, cidr4(0x0c000000u, 24)), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(map_entries(fx.pf.allow_fd), SL_PF_ALLOW_MAX);
	for (unsigned i = 0; i < SL_PF_ALLOW_MAX; i++)
		assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr4(0x0b000000u + (i << 8), 24)), 0);
	assert_int_equal(map_entries(fx.pf.allow_fd), 0);
}

/* sl_pf_gen's entry i. */
static uint64_t gen_get(uint32_t i)
{
	uint64_t v;
	assert_int_equal(bpf_map_lookup_elem(fx.pf.gen_fd, &i, &v), 0);
	return v;
}

/* How many source prefixes sl_pf_fine6 holds, and whether it holds the
 * /64 of a. */
static unsigned fine6_count(void)
{
	struct sl_pf_srckey k, next;
	unsigned n = 0;
	for (int rc = bpf_map_get_next_key(fx.pf.fine6_fd, NULL, &next); rc == 0;
	     rc = bpf_map_get_next_key(fx.pf.fine6_fd, &k, &next)) {
		k = next;
		n++;
	}
	return n;
}

static int fine6_has(const uint8_t a[16])
{
	uint8_t al[16] __attribute__((aligned(8)));
	memcpy(al, a, sizeof(al));
	const struct sl_pf_srckey k = sl_pf_srckey6(al, 64);
	uint32_t v;
	return bpf_map_lookup_elem(fx.pf.fine6_fd, &k, &v) == 0;
}

/* The vkey the program caches the source k's verdicts under now. */
static uint64_t want_vkey(const struct sl_pf_srckey *k)
{
	struct sl_pf_conf c;
	assert_int_equal(sl_prefilter_read_conf(&fx.pf, &c), 0);
	return gen_get(SL_PF_GEN_LISTS) << 32 | (uint32_t)(sl_pf_src_hash(&c, k) >> 16);
}

/* A source's list verdicts are cached in its slot under the lists'
 * generation, and decide while it holds; any list change asks the tries
 * again; a verdict whose check bits are not its vkey's is never taken; an
 * IPv6 slot (a prefix) stands for its addresses while its prefix holds no
 * narrower list entry (sl_pf_fine6: put with such an entry, derived again
 * when one goes, by unblock or sweep, or ip6_prefix changes), and only
 * that slot asks per frame. */
static void test_verdict_cache(void **state)
{
	(void)state;
	need_root();
	configure(&fx.conf);
	assert_int_equal(fine6_count(), 0); /* earlier tests removed their entries */
	const uint32_t s = host_ip(11, 1);
	uint32_t ip = view_ip(s), idx;
	const struct sl_pf_srckey k = sl_pf_srckey4(ip);
	ingest_n(s, 1, SL_PF_REDIRECTED);
	struct sl_pf_srcslot sl = get_slot(4, &ip, 32, &idx);
	assert_int_equal(sl.vkey, want_vkey(&k));
	assert_int_equal(sl.verdict, sl_pf_v_check(sl.vkey)); /* neither blocked nor allowed */

	/* the cache decides while its generation holds ... */
	sl.verdict = SL_PF_V_BLOCKED | SL_PF_V_FOREVER | sl_pf_v_check(sl.vkey);
	put_slot(idx, &sl);
	ingest_n(s, 2, SL_PF_DROP_BLOCKLISTED);
	/* ... until a list changes, any entry of any list */
	assert_int_equal(sl_prefilter_allow(&fx.pf, cidr4(host_ip(12, 0), 24)), 0);
	ingest_n(s, 1, SL_PF_REDIRECTED);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr4(host_ip(12, 0), 24)), 0);
	ingest_n(s, 1, SL_PF_REDIRECTED);
	/* a verdict that does not check is asked again, and rewritten */
	sl = get_slot(4, &ip, 32, &idx);
	sl.verdict = (SL_PF_V_BLOCKED | SL_PF_V_FOREVER | sl_pf_v_check(sl.vkey)) ^ 16; /* a check bit */
	put_slot(idx, &sl);
	ingest_n(s, 1, SL_PF_REDIRECTED);
	assert_int_equal(get_slot(4, &ip, 32, &idx).verdict, sl_pf_v_check(sl.vkey));
	/* real entries, cached: a block for ever, then an allow */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(s, 32), 0), 0);
	ingest_n(s, 2, SL_PF_DROP_BLOCKLISTED);
	sl = get_slot(4, &ip, 32, &idx);
	assert_int_equal(sl.vkey, want_vkey(&k));
	assert_int_equal(sl.verdict & 7, SL_PF_V_BLOCKED | SL_PF_V_FOREVER);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(s, 32)), 0);
	assert_int_equal(sl_prefilter_allow(&fx.pf, cidr4(s, 32)), 0);
	ingest_n(s, 1, SL_PF_REDIRECTED);
	assert_int_equal(get_slot(4, &ip, 32, &idx).verdict & 7, SL_PF_V_ALLOWED);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr4(s, 32)), 0);

	/* IPv6: one verdict per /64 while no entry is narrower */
	uint8_t a1[16], a2[16];
	ip6_set(a1, 11, 1, 1);
	ip6_set(a2, 11, 1, 2);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(11, 1, 0, 64), 0), 0);
	ingest6_n(a1, 1, SL_PF_DROP_BLOCKLISTED);
	ingest6_n(a2, 1, SL_PF_DROP_BLOCKLISTED);
	struct sl_pf_srckey k6;
	memcpy(&k6, a1, sizeof(k6));
	sl_pf_srckey_mask(&k6, 64);
	assert_int_equal(get_slot(6, a1, 64, &idx).vkey, want_vkey(&k6));
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr6(11, 1, 0, 64)), 0);
	assert_int_equal(fine6_count(), 0);
	/* a /128 inside it: that /64 decides per address from then on, and
	 * says so in its slot; another /64 stays cached */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(11, 1, 1, 128), 0), 0);
	assert_int_equal(fine6_count(), 1);
	assert_true(fine6_has(a1));
	ingest6_n(a2, 1, SL_PF_REDIRECTED);
	ingest6_n(a1, 1, SL_PF_DROP_BLOCKLISTED);
	ingest6_n(a2, 1, SL_PF_REDIRECTED);
	struct sl_pf_srcslot sl6 = get_slot(6, a1, 64, &idx);
	assert_int_equal(sl6.vkey, want_vkey(&k6));
	assert_int_equal(sl6.verdict & SL_PF_V_FINE, SL_PF_V_FINE);
	uint8_t b1[16];
	ip6_set(b1, 11, 3, 1);
	struct sl_pf_srckey kb;
	memcpy(&kb, b1, sizeof(kb));
	sl_pf_srckey_mask(&kb, 64);
	ingest6_n(b1, 1, SL_PF_REDIRECTED);
	sl6 = get_slot(6, b1, 64, &idx);
	assert_int_equal(sl6.vkey, want_vkey(&kb));
	assert_int_equal(sl6.verdict, sl_pf_v_check(sl6.vkey)); /* cached: nothing, not fine */
	/* the /128 goes: its /64 is cached again */
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr6(11, 1, 1, 128)), 0);
	assert_int_equal(fine6_count(), 0);
	ingest6_n(a1, 1, SL_PF_REDIRECTED);
	sl6 = get_slot(6, a1, 64, &idx);
	assert_int_equal(sl6.verdict, sl_pf_v_check(sl6.vkey));
	/* and so it is when the sweep takes an expired one */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(11, 1, 1, 128),
					    sl_prefilter_now_ns() + 1000000), 0);
	assert_true(fine6_has(a1));
	usleep(5000);
	const uint64_t gen1 = gen_get(SL_PF_GEN_LISTS);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, sl_prefilter_now_ns(), NULL), 1);
	assert_int_equal(fine6_count(), 0);
	assert_true(gen_get(SL_PF_GEN_LISTS) != gen1);

	/* a /96 allow entry: not narrower than ip6_prefix 128, narrower than
	 * 64; a configure that changes ip6_prefix derives the set again */
	struct sl_pf_conf c = fx.conf;
	c.ip6_prefix = 128;
	configure(&c);
	const uint64_t gen0 = gen_get(SL_PF_GEN_LISTS);
	assert_int_equal(sl_prefilter_allow(&fx.pf, cidr6(11, 2, 0, 96)), 0);
	assert_int_equal(fine6_count(), 0);
	configure(&fx.conf); /* back to 64 */
	uint8_t in96[16];
	ip6_set(in96, 11, 2, 7);
	assert_int_equal(fine6_count(), 1);
	assert_true(fine6_has(in96));
	assert_true(gen_get(SL_PF_GEN_LISTS) >= gen0 + 2);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr6(11, 2, 0, 96)), 0);
	assert_int_equal(fine6_count(), 0);
}

/* IPv6 blocklist: the IPv4 one's rules, on both ports of ours, tagged or
 * not; the listing and the sweep cover both families. */
static void test_blocklist6(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	const uint64_t now = sl_prefilter_now_ns(), past = now - SL_PF_TICK_SLACK_NS, future = now + 3600 * SL_PF_NS;
	uint8_t s[16];

	/* hit (ingest, tagged, gossip) and miss; other ports untouched */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(9, 1, 0, 64), 0), 0);
	ip6_set(s, 9, 1, 7);
	ingest6_n(s, 2, SL_PF_DROP_BLOCKLISTED);
	send_n(f, vlan(f, udp6_frame_from(f, s, SL_PORT_INGEST, txn, TXN_SZ)), 1, SL_PF_DROP_BLOCKLISTED);
	send_n(f, gossip6_frame_from(f, s, 2), 1, SL_PF_DROP_BLOCKLISTED);
	send_n(f, udp6_frame_from(f, s, SL_PORT_CONTROL, txn, TXN_SZ), 1, SL_PF_PASS_NOT_OURS);
	ip6_set(s, 9, 2, 7);
	ingest6_n(s, 1, SL_PF_REDIRECTED);
	/* an expired entry drops nothing */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(9, 3, 1, 128), past), 0);
	ip6_set(s, 9, 3, 1);
	ingest6_n(s, 1, SL_PF_REDIRECTED);

	/* longest prefix: a live /128 in an expired /64 ... */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(9, 4, 0, 64), past), 0);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(9, 4, 7, 128), future), 0);
	ip6_set(s, 9, 4, 7);
	ingest6_n(s, 1, SL_PF_DROP_BLOCKLISTED);
	ip6_set(s, 9, 4, 8);
	ingest6_n(s, 1, SL_PF_REDIRECTED);
	/* ... an expired /80 in a live /64: the /64 still blocks ... */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(9, 5, 0, 64), future), 0);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(9, 5, 0, 80), past), 0);
	ip6_set(s, 9, 5, 3);
	ingest6_n(s, 1, SL_PF_DROP_BLOCKLISTED);
	/* ... and a live /32 found past two expired longer ones */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(9, 4, 0, 96), past), 0);
	ip6_set(s, 9, 4, 3);
	ingest6_n(s, 1, SL_PF_REDIRECTED);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(0, 0, 0, 32), 0), 0);
	ingest6_n(s, 1, SL_PF_DROP_BLOCKLISTED);
	ip6_set(s, 0x77, 0, 1);
	ingest6_n(s, 1, SL_PF_DROP_BLOCKLISTED);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr6(0, 0, 0, 32)), 0);
	ingest6_n(s, 1, SL_PF_REDIRECTED);
	/* IPv4 frames never meet the IPv6 entries */
	ingest_n(host_ip(9, 9), 1, SL_PF_REDIRECTED);

	/* expiry in real time: blocked for 300 ms */
	ip6_set(s, 9, 8, 9);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(9, 8, 9, 128), sl_prefilter_now_ns() + 300000000u), 0);
	ingest6_n(s, 1, SL_PF_DROP_BLOCKLISTED);
	sleep_ms(350);
	ingest6_n(s, 1, SL_PF_REDIRECTED);

	/* the listing: both families, IPv4 first, expiry kept */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(4, 0), 24), past), 0);
	sl_pf_block_entry_t list[16];
	assert_int_equal(sl_prefilter_blocklist(&fx.pf, list, 16), 9);
	assert_int_equal(list[0].cidr.family, 4);
	assert_memory_equal(&list[0].cidr, cidr4(host_ip(4, 0), 24), sizeof(sl_cidr_t));
	assert_int_equal(list[0].expiry_ns, past);
	unsigned found = 0;
	for (unsigned i = 1; i < 9; i++) {
		assert_int_equal(list[i].cidr.family, 6);
		if (memcmp(&list[i].cidr, cidr6(9, 5, 0, 64), sizeof(sl_cidr_t)) == 0) {
			assert_int_equal(list[i].expiry_ns, future);
			found++;
		}
		if (memcmp(&list[i].cidr, cidr6(9, 1, 0, 64), sizeof(sl_cidr_t)) == 0) {
			assert_int_equal(list[i].expiry_ns, 0);
			found++;
		}
	}
	assert_int_equal(found, 2);
	assert_int_equal(sl_prefilter_blocklist(&fx.pf, list, 3), 3);

	/* the sweep, both families: expired 4.0/24, 9:3::1/128, 9:4::/64,
	 * 9:5::/80, 9:4::/96, 9:8::9/128; kept 9:1::/64, 9:4::7/128, 9:5::/64 */
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, sl_prefilter_now_ns(), NULL), 6);
	assert_int_equal(map_entries(fx.pf.block_fd), 0);
	assert_int_equal(sl_prefilter_blocklist(&fx.pf, list, 16), 3);
	ip6_set(s, 9, 4, 7);
	ingest6_n(s, 1, SL_PF_DROP_BLOCKLISTED);
	/* in batches */
	for (unsigned i = 0; i < 600; i++)
		assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(0xa, i, 1, 128), past), 0);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, sl_prefilter_now_ns(), NULL), 600);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, future, NULL), 2);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr6(9, 1, 0, 64)), 0);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr6(9, 1, 0, 64)), 0); /* absent */
	assert_int_equal(sl_prefilter_blocklist(&fx.pf, list, 16), 0);
	ip6_set(s, 9, 1, 7);
	ingest6_n(s, 1, SL_PF_REDIRECTED);

	sl_cidr_t bad = *cidr6(9, 1, 7, 128);
	bad.prefixlen = 129;
	errno = 0;
	assert_int_equal(sl_prefilter_block(&fx.pf, &bad, 0), -1);
	assert_int_equal(errno, EINVAL);
	bad.prefixlen = 64; /* host bits set */
	errno = 0;
	assert_int_equal(sl_prefilter_unblock(&fx.pf, &bad), -1);
	assert_int_equal(errno, EINVAL);
}

/* Every sl_bad_frame kind, as built and behind a tag, and the defects the
 * kinds lack (a short IPv4 header, a short UDP datagram, a cut tag): each
 * gets what the user-space rules say, and between them every verdict of
 * each family shows up, tagged and untagged. */
static void test_bad_frames(void **state)
{
	(void)state;
	need_root();
	static uint8_t f[SL_BAD_FRAME_CAP];
	configure(&fx.conf);
	sl_udp4_addr_t a = addr(SL_PORT_INGEST);
	enum { EXTRA = 3 };
	unsigned seen[2][3][SL_PKT__COUNT] = {{{0}}}; /* [tagged][family 0, 4, 6][verdict] */
	for (unsigned k = 0; k < SL_BAD_FRAME__COUNT + EXTRA; k++) {
		size_t n;
		const char *name = k < SL_BAD_FRAME__COUNT ? sl_bad_frame_name(k) : "extra";
		if (k < SL_BAD_FRAME__COUNT) {
			n = sl_bad_frame_build(k, f, sizeof f, &a, SL_PORT_GOSSIP, txn, TXN_SZ);
		} else if (k == SL_BAD_FRAME__COUNT) {
			n = SL_ETH_HLEN + SL_IPV4_HLEN_MIN - 1; /* a short IPv4 header */
			udp_frame(f, SL_PORT_INGEST, txn, TXN_SZ);
		} else if (k == SL_BAD_FRAME__COUNT + 1) {
			/* a total length that leaves 4 bytes for UDP */
			udp_frame(f, SL_PORT_INGEST, txn, TXN_SZ);
			uint8_t *ip = f + SL_ETH_HLEN;
			ip[2] = 0, ip[3] = SL_IPV4_HLEN_MIN + 4, ip[10] = ip[11] = 0;
			uint16_t sum = sl_inet_csum(ip, SL_IPV4_HLEN_MIN, 0);
			ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
			n = SL_ETH_HLEN + SL_IPV4_HLEN_MIN + 4;
		} else {
			n = SL_ETH_HLEN + 2; /* a tag cut short: tagged below */
			udp_frame(f, SL_PORT_INGEST, txn, TXN_SZ);
			f[12] = 0x81, f[13] = 0;
		}
		assert_true(n > 0);
		const int cut_tag = k == SL_BAD_FRAME__COUNT + EXTRA - 1; /* tagged as it is */
		for (int tag = cut_tag; tag < 2; tag++) {
			if (tag && n < SL_ETH_HLEN)
				break;
			size_t len = tag && !cut_tag ? vlan(f, n) : n;
			if (len < SL_ETH_HLEN) {
				/* bpf_prog_test_run refuses frames shorter than an
				 * Ethernet header, as every driver does. */
				LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len);
				assert_int_equal(bpf_prog_test_run_opts(fx.prog_fd, &o), -EINVAL);
				continue;
			}
			check_frame(name, f, len);
			sl_pkt_view_t v;
			uint8_t src[16];
			sl_pkt_verdict_t verdict = sl_pkt_check(f, (uint32_t)len, &v);
			unsigned family = v.family ? v.family : sl_pkt_src_addr(f, (uint32_t)len, src);
			if (verdict == SL_PKT_SHORT_IPV4)
				family = 4; /* too short for its source */
			seen[tag][family / 3][verdict]++;
		}
	}
	static const sl_pkt_verdict_t v4[] = {SL_PKT_SHORT_IPV4, SL_PKT_BAD_VERSION, SL_PKT_BAD_IHL,
					      SL_PKT_BAD_TOTAL_LEN, SL_PKT_FRAGMENT, SL_PKT_BAD_IP_CSUM,
					      SL_PKT_NOT_UDP, SL_PKT_SHORT_UDP, SL_PKT_BAD_UDP_LEN, SL_PKT_OK};
	static const sl_pkt_verdict_t v6[] = {SL_PKT_SHORT_IPV6, SL_PKT_BAD_VERSION, SL_PKT_BAD_TOTAL_LEN,
					      SL_PKT_NOT_UDP, SL_PKT_SHORT_UDP, SL_PKT_BAD_UDP_LEN,
					      SL_PKT_BAD_UDP_CSUM};
	for (int tag = 0; tag < 2; tag++) {
		for (unsigned i = 0; i < sizeof v4 / sizeof v4[0]; i++)
			if (!seen[tag][1][v4[i]])
				fail_msg("IPv4 %s: no frame got %d", tag ? "tagged" : "untagged", v4[i]);
		for (unsigned i = 0; i < sizeof v6 / sizeof v6[0]; i++)
			if (!seen[tag][2][v6[i]])
				fail_msg("IPv6 %s: no frame got %d", tag ? "tagged" : "untagged", v6[i]);
		assert_true(seen[tag][0][SL_PKT_NOT_IP] > 0);
	}
	/* untagged, a frame short of an Ethernet header never runs (above) */
	assert_true(seen[1][0][SL_PKT_SHORT_ETH] > 0);
}

static size_t read_frame(const char *path, uint8_t *f, size_t cap)
{
	FILE *in = fopen(path, "rb");
	assert_non_null(in);
	size_t n = fread(f, 1, cap, in);
	fclose(in);
	assert_true(n > 0 && n < cap);
	return n;
}

static void test_vectors(void **state)
{
	(void)state;
	need_root();
	char dir[4096];
	if (!sl_test_vector_path(dir, sizeof dir, "xdp-frames"))
		return;
	configure(&fx.conf);
	DIR *d = opendir(dir);
	assert_non_null(d);
	static uint8_t f[SL_BAD_FRAME_CAP];
	unsigned frames = 0, ihl0 = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t nl = strlen(e->d_name);
		if (nl < 4 || strcmp(e->d_name + nl - 4, ".bin") != 0)
			continue;
		char path[4096 + 256];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		size_t n = read_frame(path, f, sizeof f);
		unsigned moved = check_frame(e->d_name, f, n);
		frames++;
		/* IHL 0 claims IPv4: dropped as bad_ihl (check_frame saw XDP_DROP),
		 * and the verifier proved no read past the copied header. */
		if (strcmp(e->d_name, "ip4_ihl0.bin") == 0) {
			assert_int_equal(moved, sl_pf_pkt_slot(SL_PKT_BAD_IHL));
			ihl0++;
		}
	}
	closedir(d);
	assert_true(frames > 0);
	assert_int_equal(ihl0, 1);
}

/* sl_prefilter_snapshot counts each list's entries per family, and walks
 * the tries again only when the lists' generation moved: an entry written
 * without raising it (no writer of ours does that) stays uncounted until a
 * change raises it. */
static void test_snapshot_lists(void **state)
{
	(void)state;
	need_root();
	sl_pf_snapshot_t s = {0};
	assert_int_equal(sl_prefilter_snapshot(&fx.pf, &s), 0);
	assert_true(s.lists_counted);
	const uint32_t base[SL_PF_LISTS][2] = {
		{s.list_entries[0][0], s.list_entries[0][1]},
		{s.list_entries[1][0], s.list_entries[1][1]}};
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(40, 1), 32), 0), 0);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(40, 2), 32), 0), 0);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr6(0x40, 1, 0, 64), 0), 0);
	assert_int_equal(sl_prefilter_allow(&fx.pf, cidr6(0x41, 1, 0, 64)), 0);
	assert_int_equal(sl_prefilter_snapshot(&fx.pf, &s), 0);
	assert_int_equal(s.list_entries[SL_PF_LIST_BLOCK][0], base[SL_PF_LIST_BLOCK][0] + 2);
	assert_int_equal(s.list_entries[SL_PF_LIST_BLOCK][1], base[SL_PF_LIST_BLOCK][1] + 1);
	assert_int_equal(s.list_entries[SL_PF_LIST_ALLOW][0], base[SL_PF_LIST_ALLOW][0]);
	assert_int_equal(s.list_entries[SL_PF_LIST_ALLOW][1], base[SL_PF_LIST_ALLOW][1] + 1);
	assert_int_equal(s.lists_gen, lists_gen());
	/* straight into the map, no generation: the count stands ... */
	const struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = view_ip(host_ip(40, 3))};
	const struct sl_pf_block forever = {.prefixlen = 32};
	assert_int_equal(bpf_map_update_elem(fx.pf.block_fd, &k, &forever, BPF_NOEXIST), 0);
	assert_int_equal(sl_prefilter_snapshot(&fx.pf, &s), 0);
	assert_int_equal(s.list_entries[SL_PF_LIST_BLOCK][0], base[SL_PF_LIST_BLOCK][0] + 2);
	/* ... until a change raises it */
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(host_ip(40, 1), 32)), 0);
	assert_int_equal(sl_prefilter_snapshot(&fx.pf, &s), 0);
	assert_int_equal(s.list_entries[SL_PF_LIST_BLOCK][0], base[SL_PF_LIST_BLOCK][0] + 2);
	assert_int_equal(s.list_entries[SL_PF_LIST_BLOCK][1], base[SL_PF_LIST_BLOCK][1] + 1);
	/* a zeroed snapshot counts afresh */
	sl_pf_snapshot_t fresh = {0};
	assert_int_equal(sl_prefilter_snapshot(&fx.pf, &fresh), 0);
	assert_memory_equal(fresh.list_entries, s.list_entries, sizeof(s.list_entries));
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(host_ip(40, 2), 32)), 0);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(host_ip(40, 3), 32)), 0);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr6(0x40, 1, 0, 64)), 0);
	assert_int_equal(sl_prefilter_unallow(&fx.pf, cidr6(0x41, 1, 0, 64)), 0);
	assert_int_equal(sl_prefilter_snapshot(&fx.pf, &s), 0);
	assert_memory_equal(s.list_entries, base, sizeof(base));
}

/* A sweep with its state walks the blocklists only when something may
 * have expired: the generation moved, or a kept block's end came. An
 * expired entry put in past the API (no writer of ours does that) waits
 * for one of them. */
static void test_sweep_state(void **state)
{
	(void)state;
	need_root();
	sl_pf_sweep_state_t st = {0};
	const uint64_t now = sl_prefilter_now_ns(), end = now + SL_PF_NS;
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(41, 1), 32), end), 0);
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(41, 2), 32), 0), 0);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, now, &st), 0);
	assert_true(st.known);
	assert_true(st.next_end_ns == end);
	assert_int_equal(st.gen, lists_gen());
	const struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = view_ip(host_ip(41, 3))};
	const struct sl_pf_block ended = {.expiry_ns = 1, .prefixlen = 32};
	assert_int_equal(bpf_map_update_elem(fx.pf.block_fd, &k, &ended, BPF_NOEXIST), 0);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, end - 1, &st), 0); /* skipped */
	assert_int_equal(map_entries(fx.pf.block_fd), 3);
	/* the end came: walked; 41.1 and 41.3 go, and a generation with them */
	const uint64_t g = lists_gen();
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, end, &st), 2);
	assert_int_equal(map_entries(fx.pf.block_fd), 1);
	assert_true(lists_gen() != g && st.gen == lists_gen());
	assert_true(st.next_end_ns == UINT64_MAX); /* 41.2 is for ever */
	assert_int_equal(bpf_map_update_elem(fx.pf.block_fd, &k, &ended, BPF_NOEXIST), 0);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, end + SL_PF_NS, &st), 0);
	/* a change: walked */
	assert_int_equal(sl_prefilter_block(&fx.pf, cidr4(host_ip(41, 4), 32), 0), 0);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, end + SL_PF_NS, &st), 1);
	/* without a state: always walked */
	assert_int_equal(bpf_map_update_elem(fx.pf.block_fd, &k, &ended, BPF_NOEXIST), 0);
	assert_int_equal(sl_prefilter_sweep_blocklist(&fx.pf, end + SL_PF_NS, NULL), 1);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(host_ip(41, 2), 32)), 0);
	assert_int_equal(sl_prefilter_unblock(&fx.pf, cidr4(host_ip(41, 4), 32)), 0);
	assert_int_equal(map_entries(fx.pf.block_fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unconfigured_passes_all),
		cmocka_unit_test(test_good_frames),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_peer_and_token),
		cmocka_unit_test(test_prev_token),
		cmocka_unit_test(test_prev_token6),
		cmocka_unit_test(test_peer_cache),
		cmocka_unit_test(test_top_sources),
		cmocka_unit_test(test_rate_conf),
		cmocka_unit_test(test_mask6),
		cmocka_unit_test(test_shared_helpers),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_blocklist),
		cmocka_unit_test(test_snapshot_lists),
		cmocka_unit_test(test_sweep_state),
		cmocka_unit_test(test_ipv6_and_vlan_frames),
		cmocka_unit_test(test_peer_and_token6),
		cmocka_unit_test(test_rate_limit6),
		cmocka_unit_test(test_allowlist6),
		cmocka_unit_test(test_blocklist6),
		cmocka_unit_test(test_verdict_cache),
		cmocka_unit_test(test_source_slots),
		cmocka_unit_test(test_coarse_clock),
		cmocka_unit_test(test_full_allowlist),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_vectors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
