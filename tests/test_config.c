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
}

/* A minimal valid head to which each case appends one bad part. */
#define HEAD "[relay]\nname=x\nip=1.2.3.4\n[port]\ntype=null\n" /* lines 1-5 */
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
};

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
		cmocka_unit_test(test_each_problem),
		cmocka_unit_test(test_reports_every_line),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_port_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
