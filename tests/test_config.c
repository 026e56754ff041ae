/* sl_config: a good file parses to the right values; every kind of problem is
 * reported with its line and reason, and all of them are reported. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sl_base58.h"
#include "sl_config.h"

struct reports {
	unsigned n;
	unsigned line[16];
	char msg[16][320];
};

static void collect(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct reports *r = ctx;
	assert_string_equal(file, "t.ini");
	if (r->n < 16) {
		r->line[r->n] = line;
		snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
	}
	r->n++;
}

static unsigned parse(const char *text, sl_config_t *cfg, struct reports *r)
{
	memset(r, 0, sizeof(*r));
	unsigned n = sl_config_parse(text, strlen(text), "t.ini", cfg, collect, r);
	assert_int_equal(n, r->n);
	return n;
}

static const char good[] =
	"# a relay\n"
	"[relay]\n"
	"name = a                 ; inline comment\n"
	"ip = 10.99.0.11\n"
	"mac = 02:00:00:00:00:11\n"
	"ingest_port = 9003\n"
	"gossip_port = 9004\n"
	"ttl = 3\n"
	"dedup_capacity = 4096\n"
	"batch_size = 32\n"
	"batch_timeout_us = 150\n"
	"idle_sleep_us = 0\n"
	"workers = 2\n"
	"verify_backend = sodium\n"
	"\n"
	"[port]\n"
	"  type = af_xdp\n"
	"iface = veth-a\n"
	"queues = 2\n"
	"xdp_prog = /usr/lib/sluice/prefilter.o\n"
	"[peer b]\n"
	"kind = relay\n"
	"ip = 10.99.0.12\n"
	"port = 8004\n"
	"mac = 02:00:00:00:00:12\n"
	"token_out = 1111\n"
	"token_in = 0x8AE\n"
	"[ peer sink ]\r\n"
	"kind = validator\r\n"
	"ip = 10.99.0.20\r\n"
	"port = 8001\r\n"
	"mac = resolve\r\n";

static void test_good_file(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	assert_int_equal(parse(good, &cfg, &r), 0);
	assert_string_equal(cfg.name, "a");
	const uint8_t ip[4] = {10, 99, 0, 11};
	assert_memory_equal(cfg.ip, ip, 4);
	assert_true(cfg.has_mac);
	assert_int_equal(cfg.mac[5], 0x11);
	assert_int_equal(cfg.ingest_port, 9003);
	assert_int_equal(cfg.gossip_port, 9004);
	assert_int_equal(cfg.ttl, 3);
	assert_int_equal(cfg.dedup_capacity, 4096);
	assert_int_equal(cfg.batch_size, 32);
	assert_int_equal(cfg.batch_timeout_us, 150);
	assert_int_equal(cfg.idle_sleep_us, 0);
	assert_int_equal(cfg.workers, 2);
	assert_int_equal(cfg.verify_backend, SL_VERIFY_SODIUM);
	assert_int_equal(cfg.port_type, SL_PORT_AF_XDP);
	assert_string_equal(cfg.iface, "veth-a");
	assert_int_equal(cfg.queues, 2);
	assert_string_equal(cfg.xdp_prog, "/usr/lib/sluice/prefilter.o");
	assert_int_equal(cfg.npeers, 2);
	assert_string_equal(cfg.peers[0].name, "b");
	assert_int_equal(cfg.peers[0].kind, SL_PEER_RELAY);
	assert_int_equal(cfg.peers[0].port, 8004);
	assert_int_equal(cfg.peers[0].mac[5], 0x12);
	assert_false(cfg.peers[0].mac_resolve);
	assert_int_equal(cfg.peers[0].token_out, 1111);
	assert_int_equal(cfg.peers[0].token_in, 2222);
	assert_int_equal(cfg.peers[0].line, 21);
	assert_string_equal(cfg.peers[1].name, "sink");
	assert_int_equal(cfg.peers[1].kind, SL_PEER_VALIDATOR);
	assert_true(cfg.peers[1].mac_resolve);
}

/* cfg's [control] and [score] are c's and s's, field by field (cmocka names
 * the first that differs). */
static void assert_tunables(const sl_config_t *cfg, const sl_cfg_control_t *c,
			    const sl_cfg_score_t *s)
{
	assert_string_equal(cfg->control.socket, c->socket);
	assert_string_equal(cfg->control.state_file, c->state_file);
	assert_int_equal(cfg->control.ping_interval_ms, c->ping_interval_ms);
	assert_int_equal(cfg->control.ping_misses, c->ping_misses);
	assert_int_equal(cfg->control.retry_min_ms, c->retry_min_ms);
	assert_int_equal(cfg->control.retry_max_ms, c->retry_max_ms);
	assert_int_equal(cfg->control.clock_window_s, c->clock_window_s);
	assert_int_equal(cfg->control.token_rotate_s, c->token_rotate_s);
	assert_int_equal(cfg->control.token_overlap_s, c->token_overlap_s);
	const double got[] = {cfg->score.first_delivery_weight, cfg->score.invalid_weight,
			      cfg->score.malformed_weight, cfg->score.duplicate_weight,
			      cfg->score.duplicate_allowance, cfg->score.score_cap,
			      cfg->score.cutoff_threshold};
	const double want[] = {s->first_delivery_weight, s->invalid_weight, s->malformed_weight,
			       s->duplicate_weight, s->duplicate_allowance, s->score_cap,
			       s->cutoff_threshold};
	for (unsigned i = 0; i < sizeof(got) / sizeof(got[0]); i++)
		if (got[i] != want[i])
			fail_msg("score value %u: %g, want %g", i, got[i], want[i]);
	assert_int_equal(cfg->score.half_life_s, s->half_life_s);
	assert_int_equal(cfg->score.cutoff_s, s->cutoff_s);
	assert_int_equal(cfg->score.cutoff_max_s, s->cutoff_max_s);
}

static void test_defaults(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	assert_int_equal(parse("[relay]\nname=x\nip=1.2.3.4\n[port]\ntype=null\n", &cfg, &r), 0);
	assert_int_equal(cfg.ingest_port, 8003);
	assert_int_equal(cfg.gossip_port, 8004);
	assert_int_equal(cfg.ttl, 4);
	assert_int_equal(cfg.dedup_capacity, 1u << 20);
	assert_int_equal(cfg.batch_size, 64);
	assert_int_equal(cfg.batch_timeout_us, 200);
	assert_int_equal(cfg.idle_sleep_us, 50);
	assert_int_equal(cfg.workers, 1);
	assert_int_equal(cfg.queues, 1);
	/* Our own Ed25519 is the hot-path verifier; libsodium is the oracle. */
	assert_int_equal(cfg.verify_backend, SL_VERIFY_SLUICE);
	assert_false(cfg.has_mac);
	assert_int_equal(cfg.npeers, 0);
	assert_int_equal(cfg.port_type, SL_PORT_NULL);
	/* what the control daemon reads */
	assert_string_equal(cfg.key_file, "");
	assert_int_equal(cfg.control_port, 8005);
	/* sluice-dp's Prometheus endpoint: on, loopback only */
	assert_true(cfg.metrics.enabled);
	assert_true(sl_addr_eq(&cfg.metrics.addr, &(sl_addr_t){4, {127, 0, 0, 1}}));
	assert_int_equal(cfg.metrics.port, 9464);
	assert_tunables(&cfg,
			&(sl_cfg_control_t){
				.socket = "/run/sluice/x.sock", .state_file = "/var/lib/sluice/x.peers",
				.ping_interval_ms = 1000, .ping_misses = 3, .retry_min_ms = 1000,
				.retry_max_ms = 60000, .clock_window_s = 30, .token_rotate_s = 600,
				.token_overlap_s = 30},
			&(sl_cfg_score_t){
				.first_delivery_weight = 1.0, .invalid_weight = 50.0,
				.malformed_weight = 50.0, .duplicate_weight = 0.05,
				.duplicate_allowance = 4.0, .half_life_s = 60, .score_cap = 1000.0,
				.cutoff_threshold = -100.0, .cutoff_s = 30, .cutoff_max_s = 3600});
}

/* Every key of [relay] (new ones), [control] and [score] set to a value
 * other than its default; the decimal forms the parser admits. */
static void test_control_and_score_keys(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	static const char text[] =
		"[score]\n"
		"first_delivery_weight = 2.5\n"
		"invalid_weight = 1e3\n"
		"malformed_weight = +7.\n"
		"duplicate_weight = .25\n"
		"duplicate_allowance = 0\n"
		"half_life_s = 86400\n"
		"score_cap = 1E-3\n"
		"cutoff_threshold = -0.5e2\n"
		"cutoff_s = 5\n"
		"cutoff_max_s = 5\n"
		"[relay]\nname=r-1\nip=1.2.3.4\n"
		"key = /etc/sluice/r-1.key\n"
		"control_port = 7000\n"
		"[port]\ntype=null\n"
		"[control]\n"
		"socket = /tmp/s.sock\n"
		"state_file = peers.state\n"
		"ping_interval_ms = 10\n"
		"ping_misses = 100\n"
		"retry_min_ms = 500\n"
		"retry_max_ms = 500\n"
		"clock_window_s = 3600\n"
		"token_rotate_s = 2\n"
		"token_overlap_s = 1\n";
	assert_int_equal(parse(text, &cfg, &r), 0);
	assert_string_equal(cfg.key_file, "/etc/sluice/r-1.key");
	assert_int_equal(cfg.control_port, 7000);
	assert_tunables(&cfg,
			&(sl_cfg_control_t){
				.socket = "/tmp/s.sock", .state_file = "peers.state",
				.ping_interval_ms = 10, .ping_misses = 100, .retry_min_ms = 500,
				.retry_max_ms = 500, .clock_window_s = 3600, .token_rotate_s = 2,
				.token_overlap_s = 1},
			&(sl_cfg_score_t){
				.first_delivery_weight = 2.5, .invalid_weight = 1000.0,
				.malformed_weight = 7.0, .duplicate_weight = 0.25,
				.duplicate_allowance = 0.0, .half_life_s = 86400, .score_cap = 1e-3,
				.cutoff_threshold = -50.0, .cutoff_s = 5, .cutoff_max_s = 5});

	/* the daemon's default paths follow the name wherever [relay] is */
	assert_int_equal(parse("[control]\nping_misses=4\n[relay]\nname=late\nip=1.2.3.4\n"
			       "[port]\ntype=null\n", &cfg, &r), 0);
	assert_string_equal(cfg.control.socket, "/run/sluice/late.sock");
	assert_string_equal(cfg.control.state_file, "/var/lib/sluice/late.peers");
}

#define PK_B "HJKn6qA9YRo7xnsLYETVa5A3Bye8BfQrvZm3JeSCGiYY"
#define PK_C "FpqgVXorTSgMVhkXkyuV5Q5cEZ75nfDhr7YESPjEdUnk"
#define PK_31 "NjdZwPki2xEPyZhQp57Wz1u5UpLJH4cP7DdRU1woSf"  /* 31 bytes */
#define PK_33 "r9cKrEbWHvJEfcrFKtK9RM9nvD7KvQr4d3tnBDRUvJCn6" /* 33 bytes */

static void assert_pubkey(const sl_cfg_peer_t *p, const char *b58)
{
	char s[SL_BASE58_KEY_STRLEN];
	assert_true(sl_base58_encode(p->pubkey, sizeof(p->pubkey), s, sizeof(s)) > 0);
	assert_string_equal(s, b58);
}

/* A relay peer with a pubkey is managed: tokens and mac may be left to the
 * control daemon; the flags say what the file gave. */
static void test_managed_peers(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	static const char text[] =
		"[relay]\nname=x\nip=10.0.0.1\n[port]\ntype=null\n"
		"[peer b]\nkind=relay\nip=10.0.0.2\nport=8004\npubkey=" PK_B "\n"
		"[peer c]\nkind=relay\nip=10.0.0.3\nport=8004\npubkey=" PK_C "\n"
		"control_port=9005\nmac=resolve\ntoken_in=0\ntoken_out=7\n"
		"[peer d]\nkind=relay\nip=10.0.0.4\nport=8004\nmac=02:00:00:00:00:04\n"
		"token_in=1\ntoken_out=2\n"
		"[peer v]\nkind=validator\nip=10.0.0.5\nport=8001\nmac=resolve\n"
		/* the system program's id: 32 zero bytes, a key like any other here */
		"[peer z]\nkind=relay\nip=10.0.0.6\nport=8004\n"
		"pubkey=11111111111111111111111111111111\n";
	assert_int_equal(parse(text, &cfg, &r), 0);
	assert_int_equal(cfg.npeers, 5);
	const sl_cfg_peer_t *b = &cfg.peers[0], *c = &cfg.peers[1], *d = &cfg.peers[2],
			    *v = &cfg.peers[3], *z = &cfg.peers[4];
	assert_true(b->managed);
	assert_pubkey(b, PK_B);
	assert_false(b->has_tokens);
	assert_false(b->has_mac);
	assert_false(b->mac_resolve);
	assert_int_equal(b->token_in, 0);
	assert_int_equal(b->token_out, 0);
	static const uint8_t zero[32];
	assert_memory_equal(b->mac, zero, 6);
	assert_int_equal(b->control_port, 8005);

	assert_true(c->managed);
	assert_pubkey(c, PK_C);
	assert_true(c->has_tokens);
	assert_int_equal(c->token_in, 0);
	assert_int_equal(c->token_out, 7);
	assert_true(c->has_mac);
	assert_true(c->mac_resolve);
	assert_int_equal(c->control_port, 9005);

	assert_false(d->managed); /* as before */
	assert_memory_equal(d->pubkey, zero, 32);
	assert_true(d->has_tokens);
	assert_true(d->has_mac);
	assert_int_equal(d->control_port, 8005);

	assert_false(v->managed);
	assert_false(v->has_tokens);
	assert_true(v->has_mac);

	assert_true(z->managed);
	assert_memory_equal(z->pubkey, zero, 32);

	/* a bad pubkey is one problem: the peer is still taken as managed, so
	 * its absent tokens and mac are not reported too */
	assert_int_equal(parse("[relay]\nname=x\nip=10.0.0.1\n[port]\ntype=null\n"
			       "[peer b]\nkind=relay\nip=10.0.0.2\nport=8004\npubkey=" PK_31 "\n",
			       &cfg, &r), 1);
	assert_int_equal(r.line[0], 10);
	assert_non_null(strstr(r.msg[0], "decodes to 31 bytes"));
}

/* The example configs: the old ones parse as before, with the new keys at
 * their defaults and no peer managed; managed.ini has its managed peers. */
static void test_example_configs(void **state)
{
	(void)state;
	const char *src = getenv("SLUICE_SOURCE_DIR");
	if (!src)
		src = ".";
	static const char *const old[] = {"relay-a.ini", "pcap.ini", "ring.ini", "ipv6.ini"};
	for (unsigned i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/tests/configs/%s", src, old[i]);
		sl_config_t cfg;
		assert_int_equal(sl_config_load(path, &cfg, sl_config_report_print, stderr), 0);
		assert_int_equal(cfg.control_port, 8005);
		assert_string_equal(cfg.key_file, "");
		assert_true(cfg.npeers > 0);
		for (unsigned k = 0; k < cfg.npeers; k++) {
			const sl_cfg_peer_t *p = &cfg.peers[k];
			assert_false(p->managed);
			assert_true(p->has_mac);
			assert_true(p->has_tokens == (p->kind == SL_PEER_RELAY));
		}
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/tests/configs/managed.ini", src);
	sl_config_t cfg;
	assert_int_equal(sl_config_load(path, &cfg, sl_config_report_print, stderr), 0);
	assert_string_equal(cfg.key_file, "/etc/sluice/a.key");
	assert_int_equal(cfg.npeers, 4);
	assert_true(cfg.peers[0].managed && !cfg.peers[0].has_tokens && !cfg.peers[0].has_mac);
	assert_true(cfg.peers[1].managed && cfg.peers[1].mac_resolve);
	assert_int_equal(cfg.peers[1].control_port, 9005);
	assert_true(!cfg.peers[2].managed && cfg.peers[2].has_tokens);
	assert_int_equal(cfg.peers[3].kind, SL_PEER_VALIDATOR);
}

/* A minimal valid head to which each case appends one bad part. */
#define HEAD "[relay]\nname=x\nip=1.2.3.4\n[port]\ntype=null\n" /* lines 1-5 */
#define HEAD6 "[relay]\nname=x\nip=1.2.3.4\nip6=fd00::b\n[port]\ntype=null\n" /* lines 1-6 */
#define PEER "[peer p]\nkind=relay\nip=5.6.7.8\nport=1\nmac=02:00:00:00:00:01\ntoken_in=1\ntoken_out=2\n"

static const struct bad_case {
	const char *text;
	unsigned line;
	const char *reason; /* a substring of the message */
} bad[] = {
	/* syntax */
	{HEAD "just words\n", 6, "expected 'key = value'"},
	{HEAD "[relay\n", 6, "without ']'"},
	{HEAD "[peer q] junk\n", 6, "text after section header"},
	{HEAD "= 3\n", 6, "missing key"},
	{HEAD "k ; = 3\n", 6, "expected 'key = value'"},
	{HEAD "[peer q]\nkind=relay\nname=\x01\0x\n", 8, "NUL byte"},
	{HEAD "# aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 6, "line longer than"},
	/* sections */
	{"k=1\n" HEAD, 1, "outside any section"},
	{HEAD "[relay]\n", 6, "duplicate section [relay]"},
	{HEAD "[port]\n", 6, "duplicate section [port]"},
	{HEAD "[peers x]\n", 6, "unknown section [peers x]"},
	{HEAD "[peer a.b]\n", 6, "peer name 'a.b'"},
	{HEAD PEER "[peer p]\n", 13, "duplicate peer 'p' (first on line 6)"},
	{"[port]\ntype=null\n", 2, "missing section [relay]"},
	{"[relay]\nname=x\nip=1.2.3.4\n", 3, "missing section [port]"},
	/* keys */
	{HEAD "colour = red\n", 6, "unknown key 'colour' in [port]"},
	{HEAD "[relay]\n", 6, "duplicate section"},
	{"[relay]\nname=x\nname=y\nip=1.2.3.4\n[port]\ntype=null\n", 3, "duplicate key 'name'"},
	{HEAD "[peer q]\nport=1\nport=2\n", 8, "duplicate key 'port' in [peer]"},
	{HEAD "queues=\n", 6, "empty value"},
	/* values */
	{"[relay]\nname=a b\nip=1.2.3.4\n[port]\ntype=null\n", 2, "must be 1 to 15"},
	{"[relay]\nname=abcdefghijklmnop\nip=1.2.3.4\n[port]\ntype=null\n", 2, "must be 1 to 15"},
	{"[relay]\nname=x\nip=1.2.3\n[port]\ntype=null\n", 3, "not an IPv4 address"},
	{"[relay]\nname=x\nip=0.0.0.0\n[port]\ntype=null\n", 3,
	 "ip: '0.0.0.0' is the unspecified address, no host's"},
	{"[relay]\nname=x\nip=1.2.3.4\nmac=02:00:00:00:00\n[port]\ntype=null\n", 4, "not a MAC"},
	{"[relay]\nname=x\nip=1.2.3.4\nmac=02:00:00:00:00:0g\n[port]\ntype=null\n", 4, "not a MAC"},
	{"[relay]\nname=x\nip=1.2.3.4\nttl=0\n[port]\ntype=null\n", 4, "out of range [1, 255]"},
	{"[relay]\nname=x\nip=1.2.3.4\nttl=-1\n[port]\ntype=null\n", 4, "not an unsigned integer"},
	{"[relay]\nname=x\nip=1.2.3.4\ningest_port=65536\n[port]\ntype=null\n", 4, "out of range"},
	{"[relay]\nname=x\nip=1.2.3.4\nbatch_size=257\n[port]\ntype=null\n", 4, "out of range [1, 256]"},
	{"[relay]\nname=x\nip=1.2.3.4\ndedup_capacity=15\n[port]\ntype=null\n", 4, "out of range"},
	{"[relay]\nname=x\nip=1.2.3.4\nworkers=0x\n[port]\ntype=null\n", 4, "not an unsigned integer"},
	{"[relay]\nname=x\nip=1.2.3.4\nworkers=99999999999999999999\n[port]\ntype=null\n", 4,
	 "not an unsigned integer"},
	{"[relay]\nname=x\nip=1.2.3.4\nbatch_timeout_us=0\n[port]\ntype=null\n", 4, "out of range"},
	{"[relay]\nname=x\nip=1.2.3.4\nverify_backend=fast\n[port]\ntype=null\n", 4,
	 "not a built-in backend (sodium"},
	{"[relay]\nname=x\nip=1.2.3.4\n[port]\ntype=tap\n", 5, "not one of af_xdp, pcap, null, ring"},
	{HEAD "queues=17\n", 6, "out of range"},
	{"[relay]\nname=x\nip=1.2.3.4\n[port]\ntype=pcap\nrx_pcap=a.pcap,iface=eth0\ntx_pcap=b\n", 6,
	 "rx_pcap: ',' and '=' are not allowed"},
	{"[relay]\nname=x\nip=1.2.3.4\n[port]\ntype=af_xdp\niface=eth0=1\n", 6,
	 "iface: ',' and '=' are not allowed"},
	{HEAD "[peer q]\nkind=client\n", 7, "not one of relay, validator"},
	{HEAD "[peer q]\nmac=later\n", 7, "nor 'resolve'"},
	{HEAD "[peer q]\ntoken_in=1.5\n", 7, "not an unsigned integer"},
	/* whole-file rules */
	{"[relay]\nip=1.2.3.4\n[port]\ntype=null\n", 1, "[relay] needs 'name'"},
	{"[relay]\nname=x\n[port]\ntype=null\n", 1, "[relay] needs 'ip'"},
	{"[relay]\nname=x\nip=1.2.3.4\ngossip_port=8003\n[port]\ntype=null\n", 1,
	 "ingest_port and gossip_port are both 8003"},
	{"[relay]\nname=x\nip=1.2.3.4\n[port]\n", 4, "[port] needs 'type'"},
	{"[relay]\nname=x\nip=1.2.3.4\n[port]\ntype=af_xdp\n", 4, "type af_xdp needs 'iface'"},
	{"[relay]\nname=x\nip=1.2.3.4\n[port]\ntype=pcap\nrx_pcap=a\n", 4, "type pcap needs 'tx_pcap'"},
	{HEAD "iface=eth0\n", 6, "'iface' is only for type af_xdp"},
	{HEAD "tx_pcap=o.pcap\n", 6, "'tx_pcap' is only for type pcap"},
	{HEAD "xdp_prog=p.o\n", 6, "'xdp_prog' is only for type af_xdp"},
	{"[relay]\nname=x\nip=1.2.3.4\nip6=1.2.3.4\n[port]\ntype=null\n", 4, "not an IPv6 address"},
	{"[relay]\nname=x\nip=1.2.3.4\nip6=::\n[port]\ntype=null\n", 4, "not an IPv6 address"},
	{HEAD "[prefilter]\nrate=1000000001\n", 7, "out of range [0, 1000000000]"},
	{HEAD "[prefilter]\nip6_prefix=0\n", 7, "out of range [1, 128]"},
	{HEAD "[prefilter]\nip6_prefix=129\n", 7, "out of range [1, 128]"},
	{HEAD "[prefilter]\nsources=1024\n", 7, "out of range [2048, 4194304]"},
	{HEAD "[prefilter]\nsources=8388608\n", 7, "out of range [2048, 4194304]"},
	{HEAD "[prefilter]\nsources=3000\n", 7, "sources: 3000 is not a power of two"},
	{HEAD "[autoblock]\nenabled=yes\n", 7, "not true or false"},
	{HEAD "[autoblock]\nwindow_ms=99\n", 7, "out of range [100, 3600000]"},
	{HEAD "[autoblock]\nblock_s=0\n", 7, "out of range [1, 31536000]"},
	{HEAD "[autoblock]\nblock_s=10\nblock_max_s=5\n", 8, "block_s (10) is over block_max_s (5)"},
	{HEAD "[autoblock]\n[autoblock]\n", 7, "duplicate section [autoblock]"},
	{HEAD "[peer q]\nip=5.6.7.8\nport=1\nmac=resolve\n", 6, "peer q needs 'kind'"},
	{HEAD "[peer q]\nkind=relay\nip=5.6.7.8\nport=1\nmac=resolve\ntoken_in=1\n", 6,
	 "relay peer q needs 'token_out'"},
	{HEAD "[peer q]\nkind=validator\nip=5.6.7.8\nport=1\nmac=resolve\ntoken_in=1\n", 6,
	 "'token_in' is only for relay peers"},
	{HEAD "[peer q]\nkind=validator\nip=1.2.3.4\nport=8004\nmac=resolve\n", 6,
	 "peer q is this relay itself"},
	{HEAD PEER "[peer q]\nkind=validator\nip=5.6.7.8\nport=1\nmac=resolve\n", 13,
	 "same address as peer p"},
	{HEAD PEER "[peer q]\nkind=relay\nip=5.6.7.8\nport=2\nmac=resolve\ntoken_in=1\ntoken_out=1\n", 13,
	 "share an ip"},
	/* an unmanaged relay peer needs its mac and tokens, as before */
	{HEAD "[peer q]\nkind=relay\nip=5.6.7.8\nport=1\ntoken_in=1\ntoken_out=1\n", 6,
	 "peer q needs 'mac'"},
	{HEAD "[peer q]\nkind=relay\nip=5.6.7.8\nport=1\nmac=resolve\n", 6,
	 "relay peer q needs 'token_in'"},

	/* [relay]: key, control_port */
	{"[relay]\nname=x\nip=1.2.3.4\nkey=\n[port]\ntype=null\n", 4, "key: empty value"},
	{"[relay]\nname=x\nip=1.2.3.4\nkey=a\nkey=b\n[port]\ntype=null\n", 5,
	 "duplicate key 'key' in [relay]"},
	{"[relay]\nname=x\nip=1.2.3.4\ncontrol_port=0\n[port]\ntype=null\n", 4,
	 "control_port: 0 is out of range [1, 65535]"},
	{"[relay]\nname=x\nip=1.2.3.4\ncontrol_port=8003\n[port]\ntype=null\n", 4,
	 "control_port and ingest_port are both 8003"},
	{"[relay]\nname=x\nip=1.2.3.4\ngossip_port=8005\n[port]\ntype=null\n", 4,
	 "control_port and gossip_port are both 8005"},
	{"[relay]\nname=x\ncontrol_port=9000\nip=1.2.3.4\ningest_port=9000\n[port]\ntype=null\n", 5,
	 "control_port and ingest_port are both 9000"},

	/* [control] */
	{HEAD "[control]\n[control]\n", 7, "duplicate section [control] (first on line 6)"},
	{HEAD "[control]\ncolour=red\n", 7, "unknown key 'colour' in [control]"},
	{HEAD "[control]\nping_misses=2\nping_misses=2\n", 8, "duplicate key 'ping_misses' in [control]"},
	{HEAD "[control]\nsocket=/run/sluice/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n", 7, "socket: must be 1 to 107 characters"},
	{HEAD "[control]\nstate_file=\n", 7, "state_file: empty value"},
	{HEAD "[control]\nping_interval_ms=9\n", 7, "ping_interval_ms: 9 is out of range [10, 60000]"},
	{HEAD "[control]\nping_interval_ms=60001\n", 7, "ping_interval_ms: 60001 is out of range"},
	{HEAD "[control]\nping_misses=0\n", 7, "ping_misses: 0 is out of range [1, 100]"},
	{HEAD "[control]\nping_misses=101\n", 7, "ping_misses: 101 is out of range"},
	{HEAD "[control]\nretry_min_ms=9\n", 7, "retry_min_ms: 9 is out of range"},
	{HEAD "[control]\nretry_max_ms=3600001\n", 7, "retry_max_ms: 3600001 is out of range"},
	{HEAD "[control]\nretry_min_ms=2000\nretry_max_ms=1000\n", 8,
	 "retry_min_ms (2000) is over retry_max_ms (1000)"},
	{HEAD "[control]\nretry_max_ms=1000\nretry_min_ms=2000\n", 8, "retry_min_ms (2000) is over"},
	{HEAD "[control]\nretry_min_ms=70000\n", 7, "retry_min_ms (70000) is over retry_max_ms (60000)"},
	{HEAD "[control]\nclock_window_s=0\n", 7, "clock_window_s: 0 is out of range [1, 3600]"},
	{HEAD "[control]\nclock_window_s=3601\n", 7, "clock_window_s: 3601 is out of range"},
	{HEAD "[control]\nclock_window_s=1.5\n", 7, "clock_window_s: '1.5' is not an unsigned integer"},
	{HEAD "[control]\ntoken_rotate_s=0\n", 7, "token_rotate_s: 0 is out of range [1, 86400]"},
	{HEAD "[control]\ntoken_rotate_s=86401\n", 7, "token_rotate_s: 86401 is out of range"},
	{HEAD "[control]\ntoken_overlap_s=0\n", 7, "token_overlap_s: 0 is out of range [1, 86400]"},
	{HEAD "[control]\ntoken_overlap_s=600\n", 7,
	 "token_overlap_s (600) must be under token_rotate_s (600)"},
	{HEAD "[control]\ntoken_rotate_s=20\n", 7,
	 "token_overlap_s (30) must be under token_rotate_s (20)"},

	/* [score] */
	{HEAD "[score]\n[score]\n", 7, "duplicate section [score] (first on line 6)"},
	{HEAD "[score]\nweight=1\n", 7, "unknown key 'weight' in [score]"},
	{HEAD "[score]\ncutoff_s=1\ncutoff_s=1\n", 8, "duplicate key 'cutoff_s' in [score]"},
	{HEAD "[score]\nfirst_delivery_weight=-1\n", 7,
	 "first_delivery_weight: -1 is out of range [0, 1e+09]"},
	{HEAD "[score]\nfirst_delivery_weight=nan\n", 7,
	 "first_delivery_weight: 'nan' is not a decimal number"},
	{HEAD "[score]\ninvalid_weight=inf\n", 7, "invalid_weight: 'inf' is not a decimal number"},
	{HEAD "[score]\ninvalid_weight=-infinity\n", 7, "invalid_weight: '-infinity' is not a decimal"},
	{HEAD "[score]\ninvalid_weight=1e999\n", 7, "invalid_weight: 1e999 is out of range"},
	{HEAD "[score]\ninvalid_weight=1000000001\n", 7, "invalid_weight: 1000000001 is out of range"},
	{HEAD "[score]\nmalformed_weight=-0.1\n", 7, "malformed_weight: -0.1 is out of range"},
	{HEAD "[score]\nmalformed_weight=1.2.3\n", 7, "malformed_weight: '1.2.3' is not a decimal"},
	{HEAD "[score]\nmalformed_weight=0x10\n", 7, "malformed_weight: '0x10' is not a decimal"},
	{HEAD "[score]\nduplicate_weight=1e\n", 7, "duplicate_weight: '1e' is not a decimal"},
	{HEAD "[score]\nduplicate_weight=.\n", 7, "duplicate_weight: '.' is not a decimal"},
	{HEAD "[score]\nduplicate_weight=-\n", 7, "duplicate_weight: '-' is not a decimal"},
	{HEAD "[score]\nduplicate_weight=1 2\n", 7, "duplicate_weight: '1 2' is not a decimal"},
	{HEAD "[score]\nduplicate_weight=5%\n", 7, "duplicate_weight: '5%' is not a decimal"},
	{HEAD "[score]\nduplicate_allowance=-1\n", 7, "duplicate_allowance: -1 is out of range"},
	{HEAD "[score]\nhalf_life_s=0\n", 7, "half_life_s: 0 is out of range [1, 86400]"},
	{HEAD "[score]\nhalf_life_s=86401\n", 7, "half_life_s: 86401 is out of range"},
	{HEAD "[score]\nscore_cap=0\n", 7, "score_cap: 0 is out of range (0, 1e+09]"},
	{HEAD "[score]\nscore_cap=-5\n", 7, "score_cap: -5 is out of range (0, 1e+09]"},
	{HEAD "[score]\ncutoff_threshold=0\n", 7, "cutoff_threshold: 0 is out of range [-1e+09, 0)"},
	{HEAD "[score]\ncutoff_threshold=-0\n", 7, "cutoff_threshold: -0 is out of range"},
	{HEAD "[score]\ncutoff_threshold=5\n", 7, "cutoff_threshold: 5 is out of range"},
	{HEAD "[score]\ncutoff_threshold=-2e9\n", 7, "cutoff_threshold: -2e9 is out of range"},
	{HEAD "[score]\ncutoff_s=0\n", 7, "cutoff_s: 0 is out of range [1, 604800]"},
	{HEAD "[score]\ncutoff_max_s=604801\n", 7, "cutoff_max_s: 604801 is out of range"},
	{HEAD "[score]\ncutoff_max_s=10\n", 7, "cutoff_s (30) is over cutoff_max_s (10)"},
	{HEAD "[score]\ncutoff_s=7200\n", 7, "cutoff_s (7200) is over cutoff_max_s (3600)"},

	/* [peer]: pubkey, control_port */
	{HEAD "[peer q]\npubkey=0OIl\n", 7, "pubkey: '0OIl' is not base58"},
	{HEAD "[peer q]\npubkey=" PK_31 "\n", 7, "pubkey: '" PK_31 "' decodes to 31 bytes, not 32"},
	{HEAD "[peer q]\npubkey=" PK_33 "\n", 7, "decodes to 33 bytes, not 32"},
	{HEAD "[peer q]\npubkey=" PK_B "\npubkey=" PK_B "\n", 8, "duplicate key 'pubkey' in [peer]"},
	{HEAD "[peer q]\ncontrol_port=0\n", 7, "control_port: 0 is out of range [1, 65535]"},
	{HEAD "[peer q]\nkind=validator\nip=5.6.7.8\nport=1\nmac=resolve\npubkey=" PK_B "\n", 6,
	 "'pubkey' is only for relay peers (q is a validator)"},
	{HEAD "[peer q]\nkind=validator\nip=5.6.7.8\nport=1\npubkey=" PK_B "\n", 6,
	 "peer q needs 'mac'"},
	{HEAD "[peer q]\nkind=validator\nip=5.6.7.8\nport=1\nmac=resolve\ncontrol_port=8005\n", 6,
	 "'control_port' is only for relay peers (q is a validator)"},
	{HEAD PEER "control_port=9005\n", 6,
	 "'control_port' is only for managed relay peers (p has no 'pubkey')"},
	{HEAD "[peer q]\nkind=relay\nip=5.6.7.8\nport=1\npubkey=" PK_B "\ntoken_in=1\n", 6,
	 "managed relay peer q has 'token_in' without 'token_out'"},
	{HEAD "[peer q]\nkind=relay\nip=5.6.7.8\nport=1\npubkey=" PK_B "\ntoken_out=1\n", 6,
	 "managed relay peer q has 'token_out' without 'token_in'"},
	{HEAD "[peer q]\nkind=relay\nip=5.6.7.8\nport=1\npubkey=" PK_B "\n"
	      "[peer r]\nkind=relay\nip=5.6.7.9\nport=1\npubkey=" PK_B "\n", 11,
	 "peer r has the same pubkey as peer q"},
	{HEAD "[peer q]\nkind=relay\nip=1.2.3.4\nport=9004\npubkey=" PK_B "\n", 6,
	 "peer q is this relay itself (control_port 8005)"},

	/* IPv6 peers */
	{HEAD "[peer q]\nkind=validator\nip=fd00::zz\nport=1\nmac=02:00:00:00:00:01\n", 8,
	 "ip: 'fd00::zz' is neither an IPv4 (a.b.c.d) nor an IPv6 address"},
	{HEAD "[peer q]\nkind=validator\nip=::\nport=1\nmac=02:00:00:00:00:01\n", 8,
	 "ip: '::' is neither an IPv4"},
	{HEAD "[peer q]\nkind=validator\nip=0.0.0.0\nport=1\nmac=02:00:00:00:00:01\n", 8,
	 "ip: '0.0.0.0' is the unspecified address, no host's"},
	{HEAD "[peer q]\nkind=validator\nip=fd00::1\nport=1\nmac=02:00:00:00:00:01\n", 6,
	 "peer q has an IPv6 address: [relay] needs 'ip6' (the source address of frames to it)"},
	{HEAD "[peer q]\nkind=relay\nip=fd00::1\nport=1\npubkey=" PK_B "\n", 6,
	 "peer q has an IPv6 address: [relay] needs 'ip6'"},
	{HEAD6 "[peer q]\nkind=relay\nip=fe80::1\nport=1\npubkey=" PK_B "\n", 7,
	 "peer q: a link-local address needs an interface"},
	{HEAD6 "[peer q]\nkind=relay\nip=fd00::b\nport=9004\npubkey=" PK_B "\n", 7,
	 "peer q is this relay itself (control_port 8005)"},
	{HEAD6 "[peer q]\nkind=validator\nip=fd00::b\nport=8003\nmac=02:00:00:00:00:01\n", 7,
	 "peer q is this relay itself"},
	{HEAD6 "[peer q]\nkind=validator\nip=fd00::1\nport=1\nmac=02:00:00:00:00:01\n"
	       "[peer r]\nkind=validator\nip=fd00:0::1\nport=1\nmac=02:00:00:00:00:01\n", 12,
	 "peer r has the same address as peer q"},
	{HEAD6 "[peer q]\nkind=relay\nip=fd00::1\nport=1\nmac=02:00:00:00:00:01\ntoken_in=1\n"
	       "token_out=2\n[peer r]\nkind=relay\nip=fd00::1\nport=2\nmac=02:00:00:00:00:01\n"
	       "token_in=3\ntoken_out=4\n", 14,
	 "relay peers q and r share an ip"},

	/* [metrics] */
	{HEAD "[metrics]\n[metrics]\n", 7, "duplicate section [metrics] (first on line 6)"},
	{HEAD "[metrics]\nport=9464\n", 7, "unknown key 'port' in [metrics]"},
	{HEAD "[metrics]\nlisten=off\nlisten=off\n", 8, "duplicate key 'listen' in [metrics]"},
	{HEAD "[metrics]\nlisten=\n", 7, "listen: empty value"},
	{HEAD "[metrics]\nlisten=9464\n", 7, "listen: '9464' is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=127.0.0.1\n", 7, "listen: '127.0.0.1' is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=127.0.0.1:\n", 7, "is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=127.0.0.1:0\n", 7, "listen: '127.0.0.1:0' is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=127.0.0.1:65536\n", 7, "is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=127.0.0.1:0x10\n", 7, "is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=127.0.0.1:-1\n", 7, "is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=127.0.0.1:94a\n", 7, "is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=localhost:9464\n", 7,
	 "listen: 'localhost' is not an IPv4 address"},
	{HEAD "[metrics]\nlisten=::1:9464\n", 7,
	 "listen: '::1' is not an IPv4 address (a.b.c.d; IPv6 in brackets: [::1]:9464)"},
	{HEAD "[metrics]\nlisten=[10.1.2.3]:9464\n", 7, "listen: '10.1.2.3' is not an IPv6 address"},
	{HEAD "[metrics]\nlisten=[fe80::1%eth0]:9464\n", 7, "is not an IPv6 address"},
	{HEAD "[metrics]\nlisten=[::1]9464\n", 7, "is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=[::1]:\n", 7, "is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=[]:9464\n", 7, "is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=:9464\n", 7, "listen: ':9464' is not ADDR:PORT"},
	{HEAD "[metrics]\nlisten=Off\n", 7, "listen: 'Off' is not ADDR:PORT"},
	{HEAD "[metric]\n", 6, "unknown section [metric] (expected [relay], [port], [control], "
				"[score], [metrics], [prefilter], [autoblock] or [peer NAME])"},
};

/* [metrics] listen: ADDR:PORT or off. */
static void test_metrics_listen(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	assert_int_equal(parse(HEAD "[metrics]\nlisten = 10.1.2.3:9100\n", &cfg, &r), 0);
	assert_true(cfg.metrics.enabled);
	assert_true(sl_addr_eq(&cfg.metrics.addr, &(sl_addr_t){4, {10, 1, 2, 3}}));
	assert_int_equal(cfg.metrics.port, 9100);
	assert_int_equal(parse(HEAD "[metrics]\nlisten = 0.0.0.0:65535\n", &cfg, &r), 0);
	assert_int_equal(cfg.metrics.port, 65535);
	/* IPv6 in brackets, :: (all of the host's) too */
	assert_int_equal(parse(HEAD "[metrics]\nlisten = [::1]:9100\n", &cfg, &r), 0);
	assert_true(sl_addr_eq(&cfg.metrics.addr, &(sl_addr_t){6, {[15] = 1}}));
	assert_int_equal(cfg.metrics.port, 9100);
	assert_int_equal(parse(HEAD "[metrics]\nlisten = [::]:1\n", &cfg, &r), 0);
	assert_true(sl_addr_eq(&cfg.metrics.addr, &(sl_addr_t){6, {0}}));
	assert_int_equal(parse(HEAD "[metrics]\nlisten = off\n", &cfg, &r), 0);
	assert_false(cfg.metrics.enabled);
	/* an empty section keeps the default */
	assert_int_equal(parse(HEAD "[metrics]\n", &cfg, &r), 0);
	assert_true(cfg.metrics.enabled);
	assert_int_equal(cfg.metrics.port, 9464);
}

/* [prefilter], [autoblock] and [relay] ip6: defaults, every key set. */
static void test_spam_keys(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	assert_int_equal(parse(HEAD, &cfg, &r), 0);
	assert_int_equal(cfg.prefilter.rate, 0); /* off: a NATed gateway is one source */
	assert_int_equal(cfg.prefilter.burst, 0);
	assert_int_equal(cfg.prefilter.ip6_prefix, 64);
	assert_int_equal(cfg.prefilter.sources, 131072); /* the object's own */
	assert_string_equal(cfg.prefilter.state_file, "/var/lib/sluice/x.prefilter");
	assert_false(cfg.has_ip6);
	assert_true(cfg.autoblock.enabled);
	assert_int_equal(cfg.autoblock.malformed, 100);
	assert_int_equal(cfg.autoblock.invalid_sig, 20);
	assert_int_equal(cfg.autoblock.window_ms, 1000);
	assert_int_equal(cfg.autoblock.block_s, 60);
	assert_int_equal(cfg.autoblock.block_max_s, 86400);

	assert_int_equal(parse("[relay]\nname=x\nip=1.2.3.4\nip6 = 2001:db8::b\n[port]\ntype=null\n"
			       "[prefilter]\nrate = 250\nburst = 1000\nip6_prefix = 56\n"
			       "sources = 2048\nstate_file = lists/x.prefilter\n"
			       "[autoblock]\nenabled = false\nmalformed = 0\ninvalid_sig = 5\n"
			       "window_ms = 500\nblock_s = 3\nblock_max_s = 3\n",
			       &cfg, &r), 0);
	assert_true(cfg.has_ip6);
	assert_memory_equal(cfg.ip6, ((uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b}), 16);
	assert_int_equal(cfg.prefilter.rate, 250);
	assert_int_equal(cfg.prefilter.burst, 1000);
	assert_int_equal(cfg.prefilter.ip6_prefix, 56);
	assert_int_equal(cfg.prefilter.sources, 2048);
	assert_string_equal(cfg.prefilter.state_file, "lists/x.prefilter"); /* as given */
	assert_false(cfg.autoblock.enabled);
	assert_int_equal(cfg.autoblock.malformed, 0);
	assert_int_equal(cfg.autoblock.invalid_sig, 5);
	assert_int_equal(cfg.autoblock.window_ms, 500);
	assert_int_equal(cfg.autoblock.block_s, 3);
	assert_int_equal(cfg.autoblock.block_max_s, 3);
}

/* [prefilter] state_file: the default follows the relay's name wherever
 * [relay] is; an empty value (with or without a comment after it) turns it
 * off, where [control]'s paths call it a mistake. */
static void test_prefilter_state_file(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	assert_int_equal(parse("[prefilter]\nrate = 5\n[relay]\nname=late\nip=1.2.3.4\n"
			       "[port]\ntype=null\n", &cfg, &r), 0);
	assert_string_equal(cfg.prefilter.state_file, "/var/lib/sluice/late.prefilter");
	assert_int_equal(parse(HEAD "[prefilter]\nstate_file =\n", &cfg, &r), 0);
	assert_string_equal(cfg.prefilter.state_file, "");
	assert_int_equal(parse(HEAD "[prefilter]\nstate_file = ; none\n", &cfg, &r), 0);
	assert_string_equal(cfg.prefilter.state_file, "");
	assert_int_equal(parse(HEAD "[prefilter]\nstate_file = /srv/a b.prefilter\n", &cfg, &r), 0);
	assert_string_equal(cfg.prefilter.state_file, "/srv/a b.prefilter");
	/* the longest a line allows (198 characters): the field has room */
	char text[400];
	snprintf(text, sizeof(text), HEAD "[prefilter]\nstate_file = /%0184d\n", 0);
	assert_int_equal(parse(text, &cfg, &r), 0);
	assert_int_equal(strlen(cfg.prefilter.state_file), 185);
	assert_int_equal(parse(HEAD "[prefilter]\nstate_file =\nstate_file = b\n", &cfg, &r), 1);
	assert_string_equal(r.msg[0], "duplicate key 'state_file' in [prefilter]");
}

/* [peer] ip: IPv4 or IPv6, the family stored with it; an IPv6 peer and an
 * IPv4 one are different addresses, whatever their bytes; an
 * IPv6 peer's MAC may be resolved, and a managed relay peer may be IPv6. */
static void test_ip6_peers(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	assert_int_equal(parse(HEAD6 "[peer v6]\nkind=relay\nip = fd00:99::2\nport=8004\n"
				     "mac=02:00:00:00:00:12\ntoken_in=1\ntoken_out=2\n"
				     "[peer sink]\nkind=validator\nip=fd00:99::3\nport=8001\n"
				     "mac=resolve\n"
				     "[peer v4]\nkind=relay\nip=0.0.0.9\nport=8004\n"
				     "mac=02:00:00:00:00:14\ntoken_in=3\ntoken_out=4\n"
				     "[peer m6]\nkind=relay\nip=fd00:99::4\nport=8004\npubkey=" PK_B "\n",
			       &cfg, &r), 0);
	assert_int_equal(cfg.npeers, 4);
	const uint8_t want[16] = {0xfd, 0, 0, 0x99, [15] = 2};
	assert_int_equal(cfg.peers[0].family, 6);
	assert_memory_equal(cfg.peers[0].ip6, want, 16);
	assert_memory_equal(cfg.peers[0].ip, ((uint8_t[4]){0}), 4);
	assert_true(cfg.peers[0].has_tokens);
	assert_int_equal(cfg.peers[1].family, 6);
	assert_int_equal(cfg.peers[1].ip6[15], 3);
	assert_true(cfg.peers[1].mac_resolve); /* the kernel's IPv6 neighbours (sl_nexthop) */
	assert_int_equal(cfg.peers[2].family, 4);
	assert_memory_equal(cfg.peers[2].ip6, ((uint8_t[16]){0}), 16);
	/* a managed relay peer at an IPv6 address: sluiced's sessions to it
	 * come from ip6 */
	assert_true(cfg.peers[3].managed);
	const sl_addr_t m6 = sl_cfg_peer_addr(&cfg.peers[3]), want_m6 = sl_addr_make(6, (const uint8_t[16]){0xfd, 0, 0, 0x99, [15] = 4});
	assert_true(sl_addr_eq(&m6, &want_m6));
	/* the good file's peers are IPv4 */
	assert_int_equal(parse(good, &cfg, &r), 0);
	assert_int_equal(cfg.peers[0].family, 4);
	assert_int_equal(cfg.peers[1].family, 4);
}

static void test_each_problem(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_config_t cfg;
		struct reports r;
		/* the NUL case has a NUL in it: measure to the real end */
		size_t len = strlen(bad[i].text);
		if (strstr(bad[i].reason, "NUL"))
			len += 1 + strlen(bad[i].text + len + 1);
		memset(&r, 0, sizeof(r));
		unsigned n = sl_config_parse(bad[i].text, len, "t.ini", &cfg, collect, &r);
		if (n == 0)
			fail_msg("case %zu (%s): accepted", i, bad[i].reason);
		int found = 0;
		for (unsigned k = 0; k < r.n && k < 16; k++)
			if (r.line[k] == bad[i].line && strstr(r.msg[k], bad[i].reason))
				found = 1;
		if (!found)
			fail_msg("case %zu: wanted line %u '%s', first report: line %u '%s'", i,
				 bad[i].line, bad[i].reason, r.line[0], r.msg[0]);
	}
}

/* Every bad line is reported, not only the first; parsing goes on after. */
static void test_reports_every_line(void **state)
{
	(void)state;
	sl_config_t cfg;
	struct reports r;
	unsigned n = parse("[relay]\nname=x\nip=300.1.1.1\nttl=0\nnonsense\n[port]\ntype=null\n"
			   "colour=red\n", &cfg, &r);
	assert_int_equal(n, 5); /* ip, ttl, nonsense, colour, and ip never set */
	assert_int_equal(r.line[0], 3);
	assert_int_equal(r.line[1], 4);
	assert_int_equal(r.line[2], 5);
	assert_int_equal(r.line[3], 8);
	assert_int_equal(r.line[4], 1);
	assert_non_null(strstr(r.msg[4], "needs 'ip'"));
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/sl_config_testXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, sizeof(good) - 1), (ssize_t)(sizeof(good) - 1));
	close(fd);
	sl_config_t cfg;
	assert_int_equal(sl_config_load(path, &cfg, NULL, NULL), 0);
	assert_int_equal(cfg.npeers, 2);
	unlink(path);

	char msg[512];
	FILE *mem = fmemopen(msg, sizeof(msg), "w");
	assert_int_equal(sl_config_load(path, &cfg, sl_config_report_print, mem), 1);
	fclose(mem);
	assert_non_null(strstr(msg, "sl_config_test"));
	assert_non_null(strstr(msg, ":0: cannot read"));
}

/* How the state files' parsers report: formatted, cut at 319 characters,
 * nowhere without a report function. */
static void test_reportf(void **state)
{
	(void)state;
	struct reports r = {0};
	sl_config_reportf(collect, &r, "t.ini", 9, "line %u: %s", 9u, "why");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.line[0], 9);
	assert_string_equal(r.msg[0], "line 9: why");
	char long_msg[400];
	memset(long_msg, 'x', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	sl_config_reportf(collect, &r, "t.ini", 1, "%s", long_msg);
	assert_int_equal(strlen(r.msg[1]), 319);
	sl_config_reportf(NULL, NULL, "t.ini", 1, "nowhere");
	assert_int_equal(r.n, 2);
}

static void test_port_type_names(void **state)
{
	(void)state;
	assert_string_equal(sl_port_type_name(SL_PORT_AF_XDP), "af_xdp");
	assert_string_equal(sl_port_type_name(SL_PORT_PCAP), "pcap");
	assert_string_equal(sl_port_type_name(SL_PORT_NULL), "null");
	assert_string_equal(sl_port_type_name(SL_PORT_RING), "ring");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_control_and_score_keys),
		cmocka_unit_test(test_managed_peers),
		cmocka_unit_test(test_example_configs),
		cmocka_unit_test(test_metrics_listen),
		cmocka_unit_test(test_spam_keys),
		cmocka_unit_test(test_prefilter_state_file),
		cmocka_unit_test(test_ip6_peers),
		cmocka_unit_test(test_each_problem),
		cmocka_unit_test(test_reports_every_line),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_reportf),
		cmocka_unit_test(test_port_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
