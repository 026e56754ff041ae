/* sl_pipeline driven in-process through a net_ring port (sl_port): hand-built frames
 * (valid, duplicate, forged signature, malformed at every layer, gossip from
 * peers with good and bad tokens) go in through rte_eth_rx_burst; the test
 * checks every counter, and every frame the tx side put on the ring, byte by
 * byte. The live peer table (sl_tables) is applied from a peertab the test
 * writes as sluiced would: token rotation, a peer down, and tables flipped
 * by another thread while bursts flow. Runs in a few seconds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <sodium.h>

#include "sl_config.h"
#include "sl_eal.h"
#include "sl_peers.h"
#include "sl_peertab.h"
#include "sl_pipeline.h"
#include "sl_port.h"
#include "sl_pkt_build.h"
#include "sl_tables.h"
#include "sl_telemetry.h"
#include "sl_txn_build.h"
#include "sluice/sl_pkt_sanity.h"

static const char cfg_text[] =
	"[relay]\nname=t\nip=10.99.0.11\nttl=4\nbatch_size=4\n"
	"batch_timeout_us=1000000\n"
	"[port]\ntype=ring\n"
	"[peer b]\nkind=relay\nip=10.99.0.12\nport=8004\nmac=02:00:00:00:00:0c\ntoken_out=1111\ntoken_in=2222\n"
	"[peer c]\nkind=relay\nip=10.99.0.13\nport=9004\nmac=02:00:00:00:00:0d\ntoken_out=3333\ntoken_in=4444\n"
	"[peer sink]\nkind=validator\nip=10.99.0.20\nport=8001\nmac=02:00:00:00:00:14\n";

/* IPv6 peers after them (setup_ip6_peers): relay d, validator sink6. */
static const char cfg_peers6[] =
	"[peer d]\nkind=relay\nip=fd00:99::d\nport=7004\nmac=02:00:00:00:00:0e\ntoken_out=7777\n"
	"token_in=8888\n"
	"[peer sink6]\nkind=validator\nip=fd00:99::14\nport=8001\nmac=02:00:00:00:00:15\n";

enum { PEER_B, PEER_C, PEER_SINK, PEER_D, PEER_SINK6 };

static const uint8_t my_mac[6] = {2, 0, 0, 0, 0, 0x0b};
static const uint8_t peer_macs[5][6] = {{2, 0, 0, 0, 0, 0x0c}, {2, 0, 0, 0, 0, 0x0d},
					{2, 0, 0, 0, 0, 0x14}, {2, 0, 0, 0, 0, 0x0e},
					{2, 0, 0, 0, 0, 0x15}};

/* The relay's live peer table, as sluiced and sluice-dp share it. */
struct live {
	char name[SL_CFG_NAME_MAX];
	struct sl_peertab *tab;
	sl_tables_t *tables;
};

struct fixture {
	sl_config_t cfg;
	sl_port_t port;
	sl_pipeline_t *p;
	sl_keypair_t kp;
	uint64_t nonce;
	struct live live; /* tables NULL: none */
};

static struct rte_mempool *pool;
static unsigned port_seq;

static uint64_t counter(const sl_pipeline_t *p, const char *name)
{
	sl_stats_t s;
	sl_pipeline_stats(p, &s);
	for (unsigned i = 0; i < SL_C__COUNT; i++)
		if (sl_stats_name(i) && strcmp(sl_stats_name(i), name) == 0)
			return s.c[i];
	fail_msg("no counter %s", name);
	return 0;
}

struct want {
	const char *name;
	uint64_t value;
};

/* Each named counter has its value (cmocka names the first that differs). */
static void assert_counters_(const sl_pipeline_t *p, const struct want *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (counter(p, w[i].name) != w[i].value)
			fail_msg("%s: %llu, want %llu", w[i].name,
				 (unsigned long long)counter(p, w[i].name),
				 (unsigned long long)w[i].value);
}
#define assert_counters(p, ...)                                                      \
	assert_counters_(p, (const struct want[]){__VA_ARGS__},                     \
			 sizeof((const struct want[]){__VA_ARGS__}) / sizeof(struct want))

static uint64_t peer_counter(const sl_pipeline_t *p, unsigned peer, unsigned which)
{
	sl_stats_t s;
	sl_pipeline_stats(p, &s);
	return s.peer[peer][which];
}

static void assert_every_packet_accounted(const sl_pipeline_t *p)
{
	sl_stats_t s;
	sl_pipeline_stats(p, &s);
	assert_int_equal(s.c[SL_C_rx_packets], s.c[SL_C_forwarded_txns] + sl_stats_drops(&s));
}

/* extra: [relay] keys, just before [port]; peers: more peers at the end */
static int setup_peers(void **state, const char *extra, const char *peers, uint16_t tx_queues)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char text[2048];
	const char *at = strstr(cfg_text, "[port]");
	snprintf(text, sizeof(text), "%.*s%s%s%s", (int)(at - cfg_text), cfg_text, extra, at,
		 peers);
	assert_int_equal(sl_config_parse(text, strlen(text), "t.ini", &f->cfg,
					 sl_config_report_print, stderr), 0);
	/* a fresh vdev name per test */
	snprintf(f->cfg.name, sizeof(f->cfg.name), "t%u", port_seq++);
	/* ring port: tx queue q loops into rx queue q. The test injects on
	 * queue 0, the pipeline sends on queues 1.., the test reads those. */
	uint16_t nq = (uint16_t)(1 + f->cfg.workers);
	char err[256];
	if (sl_port_open(&f->port, &f->cfg, nq, nq, pool, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	struct sl_pipeline_conf pc = {
		.cfg = &f->cfg, .my_mac = my_mac, .peer_macs = peer_macs, .tx_port = f->port.id,
		.tx_queue_base = 1, .tx_queues = tx_queues, .pool = pool, .socket = 0,
	};
	f->p = sl_pipeline_create(&pc);
	assert_non_null(f->p);
	crypto_sign_keypair(f->kp.pk, f->kp.sk);
	*state = f;
	return 0;
}

static int setup_with(void **state, const char *extra, uint16_t tx_queues)
{
	return setup_peers(state, extra, "", tx_queues);
}

static int setup(void **state)
{
	return setup_with(state, "dedup_capacity=1024\n", 0);
}

static int setup_two_workers(void **state)
{
	return setup_with(state, "dedup_capacity=1024\nworkers=2\n", 0);
}

/* The relay with an IPv6 address for its clients. */
static int setup_ip6(void **state)
{
	return setup_with(state, "dedup_capacity=1024\nip6=fd00:99::b\n", 0);
}

/* The relay with an ip6 and IPv6 peers beside the IPv4 ones. */
static int setup_ip6_peers(void **state)
{
	return setup_peers(state, "dedup_capacity=1024\nip6=fd00:99::b\n", cfg_peers6, 0);
}

/* Two workers, one tx queue (as on a one-queue af_xdp port): the workers
 * hand their frames to the rx stage. */
static int setup_two_workers_one_txq(void **state)
{
	return setup_with(state, "dedup_capacity=1024\nworkers=2\n", 1);
}

/* Free every frame the pipeline sent; returns how many there were. */
static unsigned drain_sent(struct fixture *f)
{
	struct rte_mbuf *m[64];
	unsigned total = 0;
	for (uint16_t q = 1; q < f->port.nb_rxq; q++) {
		uint16_t n;
		while ((n = rte_eth_rx_burst(f->port.id, q, m, 64)) > 0) {
			rte_pktmbuf_free_bulk(m, n);
			total += n;
		}
	}
	return total;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (unsigned i = 0; i < sl_pipeline_workers(f->p); i++)
		sl_pipeline_worker_drain(f->p, i);
	sl_pipeline_tx_poll(f->p);
	sl_pipeline_destroy(f->p);
	if (f->live.tables) { /* after the pipeline, which may point into it */
		sl_tables_destroy(f->live.tables);
		sl_peertab_close(f->live.tab);
		assert_int_equal(sl_peertab_unlink(f->live.name), 0);
	}
	drain_sent(f);
	sl_port_close(&f->port);
	/* every mbuf the pipeline took or made has gone back to the pool */
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
	free(f);
	return 0;
}

/* ---- traffic ----------------------------------------------------------- */

static const sl_udp4_addr_t from_client = {
	.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
	.src_ip = 0x0a630001, .dst_ip = 0x0a63000b, .src_port = 40000, .dst_port = 8003,
};

static sl_udp4_addr_t from_peer(unsigned last_octet)
{
	sl_udp4_addr_t a = from_client;
	a.src_ip = (a.src_ip & ~0xffu) | last_octet;
	a.dst_port = 8004;
	return a;
}

static void inject(struct fixture *f, const sl_udp4_addr_t *a, const uint8_t *payload,
		   size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	assert_non_null(m);
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(SL_PKT_HDRS_SZ + len));
	assert_int_equal(sl_pkt_build_udp4(d, SL_PKT_HDRS_SZ + len, a, 0, payload, len),
			 SL_PKT_HDRS_SZ + len);
	assert_int_equal(rte_eth_tx_burst(f->port.id, 0, &m, 1), 1);
}

static void inject_raw(struct fixture *f, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	assert_int_equal(rte_eth_tx_burst(f->port.id, 0, &m, 1), 1);
}

/* The relay's ip6 (setup_ip6) and a client's. */
static const sl_udp6_addr_t from_client6 = {
	.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
	.src_ip = {0xfd, 0, 0, 0x99, [15] = 1}, .dst_ip = {0xfd, 0, 0, 0x99, [15] = 0x0b},
	.src_port = 40000, .dst_port = 8003,
};

/* An IPv6 datagram, behind an 802.1Q tag when tci is not 0. */
static void inject6(struct fixture *f, const sl_udp6_addr_t *a, const uint8_t *payload,
		    size_t len, uint16_t tci)
{
	uint8_t fr[2048];
	size_t n = sl_pkt_build_udp6(fr, sizeof(fr), a, payload, len);
	assert_int_equal(n, SL_PKT_HDRS6_SZ + len);
	if (tci)
		assert_int_equal(n = sl_pkt_vlan_tag(fr, n, sizeof(fr), tci), SL_PKT_HDRS6_SZ + 4 + len);
	inject_raw(f, fr, n);
}

/* An IPv4 datagram behind an 802.1Q tag. */
static void inject_tagged(struct fixture *f, const sl_udp4_addr_t *a, const uint8_t *payload,
			  size_t len, uint16_t tci)
{
	uint8_t fr[2048];
	size_t n = sl_pkt_build_udp4(fr, sizeof(fr), a, 0, payload, len);
	assert_int_equal(n = sl_pkt_vlan_tag(fr, n, sizeof(fr), tci), SL_PKT_HDRS_SZ + 4 + len);
	inject_raw(f, fr, n);
}

/* A valid transaction, different from every other one (the amount). */
static size_t new_txn(struct fixture *f, uint8_t *buf)
{
	sl_txn_spec_t spec = {.signers = {&f->kp}, .nsig = 1, .lamports = ++f->nonce};
	memset(spec.to, 0x33, 32);
	memset(spec.blockhash, 0x22, 32);
	size_t n = sl_txn_build_legacy(buf, 256, &spec);
	assert_true(n > 0);
	return n;
}

/* out = txn with byte `at` xor `flip`: other bytes under the same id. */
static const uint8_t *forge(const uint8_t *txn, size_t len, size_t at, uint8_t flip, uint8_t *out)
{
	memcpy(out, txn, len);
	out[at] ^= flip;
	return out;
}

/* Receive everything queued, run it through, flush the batches. */
static void run(struct fixture *f)
{
	struct rte_mbuf *pkts[32];
	uint16_t n;
	while ((n = rte_eth_rx_burst(f->port.id, 0, pkts, 32)) > 0)
		sl_pipeline_process_burst(f->p, pkts, n, rte_rdtsc());
	for (unsigned i = 0; i < sl_pipeline_workers(f->p); i++)
		sl_pipeline_worker_poll(f->p, i, rte_rdtsc(), true);
	sl_pipeline_tx_poll(f->p);
}

/* Take one sent frame, whatever its peer; check it is well-formed. */
static unsigned take_frame_any(struct fixture *f, uint8_t *out)
{
	struct rte_mbuf *m;
	assert_int_equal(rte_eth_rx_burst(f->port.id, 1, &m, 1), 1);
	unsigned len = rte_pktmbuf_pkt_len(m);
	memcpy(out, rte_pktmbuf_mtod(m, void *), len);
	rte_pktmbuf_free(m);
	sl_pkt_view_t v;
	assert_int_equal(sl_pkt_check(out, len, &v), SL_PKT_OK);
	return len;
}

/* Take one sent frame; check it is well-formed and goes to peer `to`. */
static unsigned take_frame(struct fixture *f, uint8_t *out, unsigned to)
{
	unsigned len = take_frame_any(f, out);
	assert_memory_equal(out, peer_macs[to], 6);
	assert_memory_equal(out + 6, my_mac, 6);
	assert_memory_equal(out + 26, f->cfg.ip, 4);
	assert_memory_equal(out + 30, f->cfg.peers[to].ip, 4);
	assert_int_equal(out[36] << 8 | out[37], f->cfg.peers[to].port);
	assert_int_equal(out[34] << 8 | out[35], 8004);
	return len;
}

/* Take one sent frame; it must be, byte for byte, what the frame builder
 * makes of payload for IPv6 peer `to`: the template's fields (hop limit 64,
 * no traffic class or flow label, relay ip6 to peer), both lengths and the
 * UDP checksum over the pseudo-header (sl_udp6_csum). */
static void take_frame6(struct fixture *f, unsigned to, const uint8_t *payload, size_t len)
{
	uint8_t out[2048], want[2048];
	unsigned n = take_frame_any(f, out);
	sl_udp6_addr_t a = {.src_port = 8004, .dst_port = f->cfg.peers[to].port};
	memcpy(a.src_mac, my_mac, 6);
	memcpy(a.dst_mac, peer_macs[to], 6);
	memcpy(a.src_ip, f->cfg.ip6, 16);
	memcpy(a.dst_ip, f->cfg.peers[to].ip6, 16);
	assert_int_equal(sl_pkt_build_udp6(want, sizeof(want), &a, payload, len), n);
	assert_memory_equal(out, want, n);
	uint8_t *udp = out + SL_PKT_HDRS6_SZ - 8;
	uint16_t sum = (uint16_t)(udp[6] << 8 | udp[7]);
	udp[6] = udp[7] = 0;
	assert_int_equal(sl_udp6_csum(a.src_ip, a.dst_ip, udp, 8 + len), sum);
}

static void assert_gossip_frame(const uint8_t *frame, unsigned len, uint8_t ttl, uint64_t token,
				const uint8_t *txn, size_t txn_len)
{
	assert_int_equal(len, 42 + 16 + txn_len);
	assert_int_equal(sl_gossip_check(frame + 42, len - 42), SL_GOSSIP_OK);
	assert_int_equal(frame[42 + 6], ttl);
	assert_int_equal(sl_pkt_rd_le64(frame + 42 + 8), token);
	assert_memory_equal(frame + 58, txn, txn_len);
}

static void assert_raw_frame(const uint8_t *frame, unsigned len, const uint8_t *txn,
			     size_t txn_len)
{
	assert_int_equal(len, 42 + txn_len);
	assert_memory_equal(frame + 42, txn, txn_len);
}

static void assert_tx_empty(struct fixture *f)
{
	assert_int_equal(drain_sent(f), 0);
}

/* ---- tests ------------------------------------------------------------- */

static void test_valid_ingest_fans_out(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], frame[2048];
	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	run(f);
	assert_int_equal(counter(f->p, "forwarded_txns"), 1);
	assert_int_equal(counter(f->p, "ingest_txns"), 1);
	assert_int_equal(counter(f->p, "tx_frames"), 3);
	assert_int_equal(counter(f->p, "tx_bytes"), 2 * (42 + 16 + len) + 42 + len);
	assert_int_equal(counter(f->p, "verify_batches"), 1);
	unsigned n = take_frame(f, frame, PEER_B);
	assert_gossip_frame(frame, n, 4, 1111, txn, len);
	n = take_frame(f, frame, PEER_C);
	assert_gossip_frame(frame, n, 4, 3333, txn, len);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn, len);
	assert_tx_empty(f);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_frames_out), 1);
	assert_int_equal(peer_counter(f->p, PEER_SINK, SL_PC_frames_out), 1);
	assert_every_packet_accounted(f->p);
}

static void test_duplicates_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], g[512];
	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	inject(f, &from_client, txn, len); /* same burst */
	run(f);
	sl_udp4_addr_t b = from_peer(12);
	inject(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, len)); /* later, via a peer */
	run(f);
	assert_int_equal(counter(f->p, "forwarded_txns"), 1);
	assert_int_equal(counter(f->p, "drop_duplicate"), 2);
	/* the copy in the same burst came before the verdict: by its bytes;
	 * the later one by the id of a transaction verified valid */
	assert_int_equal(counter(f->p, "dup_verified_id"), 1);
	assert_int_equal(counter(f->p, "unique_txns"), 1);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_frames_in), 1);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_duplicates), 1);
	assert_int_equal(drain_sent(f), 3);
	assert_every_packet_accounted(f->p);
}

/* After a transaction is verified valid, other bytes under its id (its
 * first signature) are its duplicates: they cannot be another valid
 * transaction, and nothing is verified again. */
static void test_same_id_other_bytes_after_verdict(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], forged[256];
	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	run(f);
	assert_int_equal(drain_sent(f), 3);
	inject(f, &from_client, forge(txn, len, len - 1, 1, forged), len); /* the message */
	inject(f, &from_client, forge(txn, len, len - 5, 0x80, forged), len - 3); /* cut short */
	run(f);
	assert_counters(f->p, {"drop_duplicate", 2}, {"dup_verified_id", 2}, {"verify_sigs", 1},
			{"drop_invalid_sig", 0});
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}

/* Garbage sent first under a real transaction's id suppresses nothing: it
 * fails on its own bytes, and the real one is still verified and sent. */
static void test_forged_id_first_suppresses_nothing(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], forged[256];
	size_t len = new_txn(f, txn);
	forge(txn, len, len - 1, 1, forged);
	inject(f, &from_client, forged, len);
	run(f);
	inject(f, &from_client, forged, len - 1); /* unparseable, same id */
	inject(f, &from_client, txn, len);
	run(f);
	/* other bytes again: now a duplicate by id */
	inject(f, &from_client, forge(txn, len, len - 2, 1, forged), len);
	run(f);
	assert_counters(f->p, {"drop_invalid_sig", 1}, {"drop_parse_truncated", 1},
			{"forwarded_txns", 1}, {"drop_duplicate", 1}, {"dup_verified_id", 1});
	assert_int_equal(drain_sent(f), 3);
	assert_every_packet_accounted(f->p);
}

/* The id cache holds only verified transactions, so a flood of unique junk
 * that pushes a transaction out of the byte cache (16 here) leaves its id:
 * a late copy is still a duplicate, not a second delivery. */
static void test_id_outlives_byte_window(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], junk[256];
	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	run(f);
	for (unsigned i = 0; i < 64; i++) {
		size_t n = new_txn(f, junk);
		inject(f, &from_client, junk, n - 1);
	}
	run(f);
	assert_int_equal(counter(f->p, "drop_parse_truncated"), 64);
	inject(f, &from_client, txn, len);
	run(f);
	assert_counters(f->p, {"forwarded_txns", 1}, {"dup_verified_id", 1});
	assert_int_equal(drain_sent(f), 3);
	assert_every_packet_accounted(f->p);
}

/* One burst mixing duplicates by id with new transactions, in every
 * order around them: the rx stage drops the duplicates as it goes and
 * keeps the new ones, in order, with their own headers. */
static void test_id_dups_interleaved_in_a_burst(void **state)
{
	struct fixture *f = *state;
	uint8_t old[3][256], fresh[2][256], forged[256], frame[2048];
	size_t old_len[3], fresh_len[2];
	for (unsigned i = 0; i < 3; i++) {
		old_len[i] = new_txn(f, old[i]);
		inject(f, &from_client, old[i], old_len[i]);
	}
	run(f);
	assert_int_equal(drain_sent(f), 9);
	for (unsigned i = 0; i < 2; i++)
		fresh_len[i] = new_txn(f, fresh[i]);
	sl_udp4_addr_t b = from_peer(12);
	uint8_t g[512];
	inject(f, &from_client, old[0], old_len[0]);
	inject(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, fresh[0], fresh_len[0]));
	inject(f, &from_client, forge(old[1], old_len[1], old_len[1] - 1, 1, forged), old_len[1]);
	inject(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, old[2], old_len[2]));
	inject(f, &from_client, fresh[1], fresh_len[1]);
	inject(f, &from_client, old[2], old_len[2]);
	run(f);
	assert_counters(f->p, {"forwarded_txns", 5}, {"drop_duplicate", 4}, {"dup_verified_id", 4});
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_duplicates), 1);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_first_deliveries), 1);
	assert_every_packet_accounted(f->p);
	if (sl_pipeline_workers(f->p) > 1) { /* two tx queues: no one order */
		assert_int_equal(drain_sent(f), 5);
		return;
	}
	/* fresh[0] came from b: to c and the sink; fresh[1] to all three */
	unsigned n = take_frame(f, frame, PEER_C);
	assert_gossip_frame(frame, n, 2, 3333, fresh[0], fresh_len[0]);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, fresh[0], fresh_len[0]);
	n = take_frame(f, frame, PEER_B);
	assert_gossip_frame(frame, n, 4, 1111, fresh[1], fresh_len[1]);
	assert_int_equal(drain_sent(f), 2);
}

static int setup_small_dedup(void **state)
{
	return setup_with(state, "dedup_capacity=16\n", 0);
}

static void test_bad_signature_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], g[512];
	size_t len = new_txn(f, txn);
	txn[10] ^= 0x40; /* inside the signature */
	inject(f, &from_client, txn, len);
	len = new_txn(f, txn);
	txn[len - 1] ^= 1; /* the signed message changed */
	sl_udp4_addr_t c = from_peer(13);
	inject(f, &c, g, sl_gossip_frame_build(g, sizeof(g), 2, 4444, txn, len));
	run(f);
	assert_int_equal(counter(f->p, "drop_invalid_sig"), 2);
	assert_int_equal(counter(f->p, "forwarded_txns"), 0);
	assert_int_equal(counter(f->p, "verify_sigs"), 2);
	/* Batches under the batch verifier's minimum are checked singly (the
	 * sluice backend, the default): the second for sure; the first only if
	 * its altered R still decodes (else it is refused before any check). */
	assert_in_range(counter(f->p, "verify_singles"), 1, 2);
	assert_int_equal(peer_counter(f->p, PEER_C, SL_PC_invalid), 1);
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}

static void test_gossip_not_sent_back_and_ttl(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], g[512], frame[2048];
	sl_udp4_addr_t b = from_peer(12);

	size_t len = new_txn(f, txn);
	inject(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, len));
	run(f);
	/* to c with TTL 2 and to the sink; not back to b */
	unsigned n = take_frame(f, frame, PEER_C);
	assert_gossip_frame(frame, n, 2, 3333, txn, len);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn, len);
	assert_tx_empty(f);

	/* TTL 1: delivered to the validator, not re-gossiped */
	len = new_txn(f, txn);
	inject(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 1, 2222, txn, len));
	run(f);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn, len);
	assert_tx_empty(f);
	assert_int_equal(counter(f->p, "fanout_ttl_expired"), 1);
	assert_int_equal(counter(f->p, "forwarded_txns"), 2);
	assert_int_equal(counter(f->p, "gossip_txns"), 2);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_first_deliveries), 2);
	assert_every_packet_accounted(f->p);
}

static void test_malformed_each_reason(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], g[512], fr[2048];
	size_t len = new_txn(f, txn);

	inject(f, &from_client, txn, len - 1);             /* drop_parse_* */
	inject(f, &from_client, txn, 0);                   /* empty datagram */
	sl_udp4_addr_t a = from_client;
	a.dst_port = 9999;
	inject(f, &a, txn, len);                           /* drop_not_for_us (port) */
	a = from_client;
	a.dst_ip = 0x0a630063;
	inject(f, &a, txn, len);                           /* drop_not_for_us (address) */
	size_t fl = sl_pkt_build_udp4(fr, sizeof(fr), &from_client, 0, txn, len);
	fr[12] = 0x86;                                     /* drop_l2 */
	inject_raw(f, fr, fl);
	fl = sl_pkt_build_udp4(fr, sizeof(fr), &from_client, 0, txn, len);
	fr[14 + 10] ^= 1;                                  /* drop_l3: checksum */
	inject_raw(f, fr, fl);
	fl = sl_pkt_build_udp4(fr, sizeof(fr), &from_client, 0, txn, len);
	fr[14 + 20 + 5] ^= 1;                              /* drop_l4: UDP length */
	inject_raw(f, fr, fl);
	inject_raw(f, fr, 10);                             /* drop_l2: runt */

	sl_udp4_addr_t b = from_peer(12);
	size_t gl = sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, len);
	g[0] = 'X';
	inject(f, &b, g, gl);                              /* drop_gossip_hdr: magic */
	gl = sl_gossip_frame_build(g, sizeof(g), 0, 2222, txn, len);
	inject(f, &b, g, gl);                              /* drop_gossip_hdr: TTL 0 */
	gl = sl_gossip_frame_build(g, sizeof(g), 3, 2223, txn, len);
	inject(f, &b, g, gl);                              /* drop_bad_token */
	sl_udp4_addr_t x = from_peer(77);
	gl = sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, len);
	inject(f, &x, g, gl);                              /* drop_unknown_peer */
	sl_udp4_addr_t sink = from_peer(20);
	inject(f, &sink, g, gl);                           /* a validator is no gossip peer */
	gl = sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, 70);
	inject(f, &b, g, gl);                              /* malformed from b */
	run(f);

	assert_int_equal(counter(f->p, "rx_packets"), 14);
	assert_int_equal(counter(f->p, "drop_parse_truncated"), 3);
	assert_int_equal(counter(f->p, "drop_not_for_us"), 2);
	assert_int_equal(counter(f->p, "drop_l2"), 2);
	assert_int_equal(counter(f->p, "drop_l3"), 1);
	assert_int_equal(counter(f->p, "drop_l4"), 1);
	assert_int_equal(counter(f->p, "drop_gossip_hdr"), 2);
	assert_int_equal(counter(f->p, "drop_bad_token"), 1);
	assert_int_equal(counter(f->p, "drop_unknown_peer"), 2);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_malformed), 1);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_frames_in), 1);
	assert_int_equal(counter(f->p, "forwarded_txns"), 0);
	assert_int_equal(counter(f->p, "parsed_txns"), 0);
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}

/* Source i of top: its name (sl_srcaddr_str) and counts. */
static void assert_source_named(const sl_srcdrops_top_t *top, unsigned i, const char *name,
				uint64_t malformed, uint64_t invalid_sig)
{
	assert_true(i < top->n);
	char got[SL_SRCADDR_STR_SZ];
	sl_srcaddr_str(&top->src[i].addr, got);
	assert_string_equal(got, name);
	assert_int_equal(top->src[i].n[SL_SRC_malformed], malformed);
	assert_int_equal(top->src[i].n[SL_SRC_invalid_sig], invalid_sig);
}

/* The same for an IPv4 source, by its address in host order
 * (sl_udp4_addr_t's). */
static void assert_source(const sl_srcdrops_top_t *top, unsigned i, uint32_t ip,
			  uint64_t malformed, uint64_t invalid_sig)
{
	char name[SL_SRCADDR_STR_SZ];
	snprintf(name, sizeof(name), "%u.%u.%u.%u", ip >> 24, ip >> 16 & 0xff, ip >> 8 & 0xff,
		 ip & 0xff);
	assert_source_named(top, i, name, malformed, invalid_sig);
}

/* Ingest clients' malformed and forged transactions count against their
 * addresses; duplicates, valid ones and a relay peer's bad ones do not. */
static void test_drops_by_source(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], g[512];
	sl_udp4_addr_t c1 = from_client, c2 = from_client;
	c1.src_ip = 0x0a630001;
	c2.src_ip = 0x0a630002;
	size_t len;
	for (unsigned k = 0; k < 2; k++) { /* c1: two malformed, one repeated */
		len = new_txn(f, txn);
		inject(f, &c1, txn, len - 1);
	}
	inject(f, &c1, txn, len - 1);
	len = new_txn(f, txn); /* c1: one forged, sent twice */
	txn[10] ^= 0x40;
	inject(f, &c1, txn, len);
	inject(f, &c1, txn, len);
	len = new_txn(f, txn); /* c1: one valid */
	inject(f, &c1, txn, len);
	len = new_txn(f, txn); /* c2: one malformed, three forged */
	inject(f, &c2, txn, 70);
	for (unsigned k = 0; k < 3; k++) {
		len = new_txn(f, txn);
		txn[len - 1] ^= 1;
		inject(f, &c2, txn, len);
	}
	sl_udp4_addr_t b = from_peer(12); /* b: malformed and forged, per peer only */
	len = new_txn(f, txn);
	inject(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, 70));
	txn[10] ^= 0x40;
	inject(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, len));
	run(f);

	assert_int_equal(counter(f->p, "drop_duplicate"), 2);
	assert_int_equal(counter(f->p, "drop_invalid_sig"), 5);
	assert_int_equal(counter(f->p, "forwarded_txns"), 1);
	sl_srcdrops_top_t top;
	sl_pipeline_sources(f->p, SL_SRCDROPS_TOP_MAX, &top);
	assert_int_equal(top.n, 2);
	assert_source(&top, 0, c2.src_ip, 1, 3);
	assert_source(&top, 1, c1.src_ip, 2, 1);
	sl_pipeline_sources(f->p, 1, &top);
	assert_int_equal(top.n, 1);
	assert_source(&top, 0, c2.src_ip, 1, 3);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_malformed), 1);
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_invalid), 1);
	drain_sent(f);
	assert_every_packet_accounted(f->p);
}

/* A transaction from an IPv6 client, untagged or behind an 802.1Q tag, is
 * an ingest transaction like an IPv4 one: the same frames to the same
 * (IPv4) peers, and the same dedup whichever family a copy comes by. */
static void test_ipv6_ingest_fans_out(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], txn2[256], frame[2048];
	size_t len = new_txn(f, txn);
	inject6(f, &from_client6, txn, len, 0);
	run(f);
	assert_counters(f->p, {"rx_packets", 1}, {"ingest_txns", 1}, {"forwarded_txns", 1},
			{"tx_frames", 3}, {"tx_bytes", 2 * (42 + 16 + len) + 42 + len});
	unsigned n = take_frame(f, frame, PEER_B);
	assert_gossip_frame(frame, n, 4, 1111, txn, len);
	n = take_frame(f, frame, PEER_C);
	assert_gossip_frame(frame, n, 4, 3333, txn, len);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn, len);
	assert_tx_empty(f);

	/* copies by IPv6 (tagged or not) and by IPv4; a new one in a tag */
	inject6(f, &from_client6, txn, len, 0);
	inject6(f, &from_client6, txn, len, 0x2007);
	inject(f, &from_client, txn, len);
	size_t len2 = new_txn(f, txn2);
	inject6(f, &from_client6, txn2, len2, 0x0064);
	run(f);
	assert_counters(f->p, {"rx_packets", 5}, {"ingest_txns", 5}, {"forwarded_txns", 2},
			{"drop_duplicate", 3}, {"dup_verified_id", 3}, {"tx_frames", 6});
	n = take_frame(f, frame, PEER_B);
	assert_gossip_frame(frame, n, 4, 1111, txn2, len2);
	assert_int_equal(drain_sent(f), 2);
	assert_every_packet_accounted(f->p);
}

/* IPv6 is for us only at the relay's ip6 and ports; this relay's peers are
 * IPv4, so IPv6 gossip is no peer's, whatever its token. Bad
 * transactions from IPv6 clients are dropped and counted against the
 * client's /64 (the default ip6_prefix). */
static void test_ipv6_only_ingest_at_our_address(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], g[512];
	size_t len = new_txn(f, txn);
	sl_udp6_addr_t a = from_client6;
	a.dst_ip[15] = 0x0c;
	inject6(f, &a, txn, len, 0);                  /* drop_not_for_us: address */
	inject6(f, &a, txn, len, 7);                  /* drop_not_for_us: address, tagged */
	a = from_client6;
	a.dst_port = 9999;
	inject6(f, &a, txn, len, 0);                  /* drop_not_for_us: port */
	a = from_client6;
	a.dst_port = 8004;
	inject6(f, &a, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, len), 0);
	inject6(f, &a, g, sl_gossip_frame_build(g, sizeof(g), 3, 4444, txn, len), 5);
	/* drop_unknown_peer: b's and c's tokens, untagged and tagged */
	inject6(f, &a, g, sl_gossip_frame_build(g, sizeof(g), 0, 2222, txn, len), 0);
	/* drop_gossip_hdr: TTL 0, before any peer lookup (as in XDP) */
	inject6(f, &from_client6, txn, len - 1, 0);   /* drop_parse_truncated */
	txn[10] ^= 0x40;
	inject6(f, &from_client6, txn, len, 0);       /* drop_invalid_sig */
	run(f);
	assert_counters(f->p, {"rx_packets", 8}, {"drop_not_for_us", 3}, {"drop_unknown_peer", 2},
			{"drop_gossip_hdr", 1}, {"ingest_txns", 2}, {"gossip_txns", 0},
			{"drop_parse_truncated", 1}, {"drop_invalid_sig", 1}, {"forwarded_txns", 0});
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_frames_in), 0);
	assert_int_equal(peer_counter(f->p, PEER_C, SL_PC_frames_in), 0);
	sl_srcdrops_top_t top;
	sl_pipeline_sources(f->p, SL_SRCDROPS_TOP_MAX, &top);
	assert_int_equal(top.n, 1);
	assert_source_named(&top, 0, "fd00:99::/64", 1, 1);
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}

/* The relay's ip6 and [prefilter] ip6_prefix = 48. */
static int setup_ip6_prefix48(void **state)
{
	return setup_peers(state, "dedup_capacity=1024\nip6=fd00:99::b\n",
			   "[prefilter]\nip6_prefix=48\n", 0);
}

/* IPv6 clients count by the configured prefix: hosts of different /64s in
 * one /48 are one source, tagged or not; another /48 is another source;
 * IPv4 clients count as before. */
static void test_ipv6_drops_by_prefix(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256];
	sl_udp6_addr_t h1 = from_client6, h2 = from_client6, other = from_client6;
	h2.src_ip[7] = 5;     /* fd00:99:0:5::1 */
	h2.src_ip[15] = 0x77;
	other.src_ip[3] = 0x98; /* fd00:98::1 */
	size_t len = new_txn(f, txn);
	inject6(f, &h1, txn, len - 1, 0);     /* malformed */
	len = new_txn(f, txn);
	txn[10] ^= 0x40;
	inject6(f, &h2, txn, len, 0x0064);    /* forged, tagged */
	len = new_txn(f, txn);
	txn[10] ^= 0x40;
	inject6(f, &h2, txn, len, 0);         /* forged */
	len = new_txn(f, txn);
	txn[10] ^= 0x40;
	inject6(f, &other, txn, len, 0);      /* forged */
	for (unsigned k = 0; k < 2; k++) {
		len = new_txn(f, txn);
		inject(f, &from_client, txn, len - 1); /* malformed, IPv4 */
	}
	run(f);
	assert_counters(f->p, {"rx_packets", 6}, {"drop_parse_truncated", 3},
			{"drop_invalid_sig", 3});
	sl_srcdrops_top_t top;
	sl_pipeline_sources(f->p, SL_SRCDROPS_TOP_MAX, &top);
	assert_int_equal(top.n, 3);
	assert_source_named(&top, 0, "fd00:99::/48", 1, 2);
	assert_source(&top, 1, from_client.src_ip, 2, 0);
	assert_source_named(&top, 2, "fd00:98::/48", 0, 1);
	assert_every_packet_accounted(f->p);
}

/* The gossip payload this relay sends a relay peer: header, transaction. */
static size_t gossip_payload(uint8_t *out, uint8_t ttl, uint64_t token, const uint8_t *txn,
			     size_t len)
{
	return sl_gossip_frame_build(out, 2048, ttl, token, txn, len);
}

/* IPv6 peers: each gets its frame (gossip or the bare transaction) behind
 * an IPv6 header with its UDP checksum; gossip from the IPv6 relay peer
 * with its token is taken (and not sent back), a wrong token or an IPv6
 * source that is no peer's drops as for IPv4. */
static void test_ipv6_peers(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], g[2048], pl[2048], frame[2048];
	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	run(f);
	assert_counters(f->p, {"rx_packets", 1}, {"forwarded_txns", 1}, {"tx_frames", 5},
			{"tx_bytes", 2 * (42 + 16 + len) + 42 + len + (62 + 16 + len) + 62 + len});
	unsigned n = take_frame(f, frame, PEER_B);
	assert_gossip_frame(frame, n, 4, 1111, txn, len);
	n = take_frame(f, frame, PEER_C);
	assert_gossip_frame(frame, n, 4, 3333, txn, len);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn, len);
	take_frame6(f, PEER_D, pl, gossip_payload(pl, 4, 7777, txn, len));
	take_frame6(f, PEER_SINK6, txn, len);
	assert_tx_empty(f);

	/* from d with its token: to everyone but d, TTL one less */
	sl_udp6_addr_t d = from_client6;
	d.src_ip[15] = 0x0d;
	d.dst_port = 8004;
	len = new_txn(f, txn);
	inject6(f, &d, g, sl_gossip_frame_build(g, sizeof(g), 3, 8888, txn, len), 0);
	run(f);
	assert_counters(f->p, {"gossip_txns", 1}, {"forwarded_txns", 2}, {"tx_frames", 9});
	assert_int_equal(peer_counter(f->p, PEER_D, SL_PC_frames_in), 1);
	assert_int_equal(peer_counter(f->p, PEER_D, SL_PC_first_deliveries), 1);
	n = take_frame(f, frame, PEER_B);
	assert_gossip_frame(frame, n, 2, 1111, txn, len);
	n = take_frame(f, frame, PEER_C);
	assert_gossip_frame(frame, n, 2, 3333, txn, len);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn, len);
	take_frame6(f, PEER_SINK6, txn, len);
	assert_tx_empty(f);

	/* TTL 1: the validators only */
	len = new_txn(f, txn);
	inject6(f, &d, g, sl_gossip_frame_build(g, sizeof(g), 1, 8888, txn, len), 0);
	/* a wrong token, b's token from d, and d's token from an IPv6 stranger */
	inject6(f, &d, g, sl_gossip_frame_build(g, sizeof(g), 3, 8889, txn, len), 0);
	inject6(f, &d, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn, len), 0);
	sl_udp6_addr_t e = d;
	e.src_ip[15] = 0x0e;
	inject6(f, &e, g, sl_gossip_frame_build(g, sizeof(g), 3, 8888, txn, len), 0);
	/* d's IPv6 address does not stand for an IPv4 peer, nor b's for d */
	sl_udp4_addr_t b = from_peer(12);
	inject(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 8888, txn, len));
	run(f);
	assert_counters(f->p, {"rx_packets", 7}, {"gossip_txns", 2}, {"drop_bad_token", 3},
			{"drop_unknown_peer", 1}, {"forwarded_txns", 3}, {"tx_frames", 11});
	assert_int_equal(peer_counter(f->p, PEER_D, SL_PC_frames_in), 2);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn, len);
	take_frame6(f, PEER_SINK6, txn, len);
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}

/* sl_peers_csum_le, folded and in network order, is the Internet checksum's
 * sum, for every length's tail (0 to 7 bytes after the 8-byte words). */
static void test_peers_csum(void **state)
{
	(void)state;
	uint8_t b[80];
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 0; n <= sizeof(b); n++) {
		uint16_t le = sl_peers_csum_fold(sl_peers_csum_le(b, n));
		assert_int_equal((uint16_t)(le >> 8 | le << 8), (uint16_t)~sl_inet_csum(b, n, 0));
	}
}

/* Without [relay] ip6 no IPv6 datagram is for us, not even one to the
 * unspecified address, which the relay's unset ip6 holds. */
static void test_ipv6_without_ip6_not_for_us(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256];
	size_t len = new_txn(f, txn);
	inject6(f, &from_client6, txn, len, 0);
	sl_udp6_addr_t a = from_client6;
	memset(a.dst_ip, 0, sizeof(a.dst_ip));
	inject6(f, &a, txn, len, 0);
	inject6(f, &a, txn, len, 9);
	run(f);
	assert_counters(f->p, {"rx_packets", 3}, {"drop_not_for_us", 3}, {"ingest_txns", 0});
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}

/* IPv4 behind an 802.1Q tag: ingest and a peer's gossip are taken as
 * untagged ones are; our address and ports still decide. */
static void test_vlan_ipv4(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], txn2[256], g[512], frame[2048];
	size_t len = new_txn(f, txn), len2 = new_txn(f, txn2);
	inject_tagged(f, &from_client, txn, len, 0x0064);
	sl_udp4_addr_t b = from_peer(12);
	inject_tagged(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 2222, txn2, len2), 0xe001);
	inject_tagged(f, &b, g, sl_gossip_frame_build(g, sizeof(g), 3, 2223, txn2, len2), 1);
	sl_udp4_addr_t a = from_client;
	a.dst_ip = 0x0a630063;
	inject_tagged(f, &a, txn, len, 1);            /* drop_not_for_us */
	run(f);
	assert_counters(f->p, {"rx_packets", 4}, {"ingest_txns", 1}, {"gossip_txns", 1},
			{"forwarded_txns", 2}, {"drop_bad_token", 1}, {"drop_not_for_us", 1},
			{"tx_frames", 3 + 2});
	assert_int_equal(peer_counter(f->p, PEER_B, SL_PC_frames_in), 1);
	unsigned n = take_frame(f, frame, PEER_B);
	assert_gossip_frame(frame, n, 4, 1111, txn, len);
	n = take_frame(f, frame, PEER_C);
	assert_gossip_frame(frame, n, 4, 3333, txn, len);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn, len);
	n = take_frame(f, frame, PEER_C); /* b's: on to c and the sink, not back */
	assert_gossip_frame(frame, n, 2, 3333, txn2, len2);
	n = take_frame(f, frame, PEER_SINK);
	assert_raw_frame(frame, n, txn2, len2);
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}

static void test_batch_waits_for_size_or_timeout(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256];
	struct rte_mbuf *pkts[8];
	uint64_t t0 = rte_rdtsc();

	/* three of a batch of four, rx busy, timeout not reached: held */
	for (int i = 0; i < 3; i++) {
		size_t len = new_txn(f, txn);
		inject(f, &from_client, txn, len);
	}
	uint16_t n = rte_eth_rx_burst(f->port.id, 0, pkts, 8);
	sl_pipeline_process_burst(f->p, pkts, n, t0);
	sl_pipeline_worker_poll(f->p, 0, t0 + 1, false);
	assert_int_equal(counter(f->p, "verify_batches"), 0);
	assert_tx_empty(f);
	/* the latency bound lets them go */
	sl_pipeline_worker_poll(f->p, 0, t0 + rte_get_tsc_hz(), false);
	assert_int_equal(counter(f->p, "verify_batches"), 1);
	assert_int_equal(counter(f->p, "forwarded_txns"), 3);

	/* a full batch goes at once, without any poll */
	drain_sent(f);
	for (int i = 0; i < 4; i++) {
		size_t len = new_txn(f, txn);
		inject(f, &from_client, txn, len);
	}
	n = rte_eth_rx_burst(f->port.id, 0, pkts, 8);
	sl_pipeline_process_burst(f->p, pkts, n, t0);
	assert_int_equal(counter(f->p, "verify_batches"), 2);
	assert_int_equal(counter(f->p, "forwarded_txns"), 7);
}

/* With room for 7 frames left on the port, what it refuses is freed and
 * counted. */
static void test_unsent_frames_counted(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256];
	enum { RING_ROOM = 1023, FILL = RING_ROOM - 7 };
	struct rte_mbuf *fill[FILL];
	assert_int_equal(rte_pktmbuf_alloc_bulk(pool, fill, FILL), 0);
	assert_int_equal(rte_eth_tx_burst(f->port.id, 1, fill, FILL), FILL);
	for (int i = 0; i < 4; i++) {
		size_t len = new_txn(f, txn);
		inject(f, &from_client, txn, len);
	}
	run(f);
	assert_int_equal(counter(f->p, "forwarded_txns"), 4);
	assert_int_equal(counter(f->p, "tx_frames"), 7);
	assert_int_equal(counter(f->p, "tx_dropped"), 12 - 7);
	assert_int_equal(drain_sent(f), RING_ROOM);
}

/* Two shards: each transaction sent twice must meet its first copy in the
 * same shard, or the second copy would be forwarded again. */
/* Copies reach the shard that saw the original, and so does every other
 * byte string under the same id (steering is by id): all 40 altered copies
 * are duplicates by id, none is verified. */
static void test_two_workers_steer_by_id(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sl_pipeline_workers(f->p), 2);
	uint8_t txn[40][256];
	size_t len[40];
	for (int i = 0; i < 40; i++) {
		len[i] = new_txn(f, txn[i]);
		inject(f, &from_client, txn[i], len[i]);
	}
	for (int i = 39; i >= 0; i--)
		inject(f, &from_client, txn[i], len[i]);
	struct rte_mbuf *pkts[32];
	uint16_t n;
	while ((n = rte_eth_rx_burst(f->port.id, 0, pkts, 32)) > 0) {
		sl_pipeline_process_burst(f->p, pkts, n, rte_rdtsc());
		for (unsigned w = 0; w < 2; w++)
			sl_pipeline_worker_poll(f->p, w, rte_rdtsc(), false);
		drain_sent(f);
	}
	for (unsigned w = 0; w < 2; w++)
		sl_pipeline_worker_drain(f->p, w);
	assert_int_equal(counter(f->p, "forwarded_txns"), 40);
	assert_int_equal(counter(f->p, "drop_duplicate"), 40);
	assert_int_equal(counter(f->p, "drop_steer_full"), 0);
	uint64_t by_id = counter(f->p, "dup_verified_id");
	for (int i = 0; i < 40; i++) {
		txn[i][len[i] - 1] ^= 1;
		inject(f, &from_client, txn[i], len[i]);
	}
	while ((n = rte_eth_rx_burst(f->port.id, 0, pkts, 32)) > 0)
		sl_pipeline_process_burst(f->p, pkts, n, rte_rdtsc());
	for (unsigned w = 0; w < 2; w++)
		sl_pipeline_worker_drain(f->p, w);
	assert_int_equal(counter(f->p, "drop_duplicate"), 80);
	assert_int_equal(counter(f->p, "dup_verified_id") - by_id, 40);
	assert_int_equal(counter(f->p, "verify_sigs"), 40);
	assert_every_packet_accounted(f->p);
}

static void test_workers_send_through_rx_stage(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[8][256], frame[2048];
	size_t len[8];
	for (int i = 0; i < 8; i++) {
		len[i] = new_txn(f, txn[i]);
		inject(f, &from_client, txn[i], len[i]);
	}
	struct rte_mbuf *pkts[32];
	uint16_t n = rte_eth_rx_burst(f->port.id, 0, pkts, 32);
	sl_pipeline_process_burst(f->p, pkts, n, rte_rdtsc());
	for (unsigned w = 0; w < 2; w++)
		sl_pipeline_worker_poll(f->p, w, rte_rdtsc(), true);
	assert_int_equal(counter(f->p, "forwarded_txns"), 8);
	assert_int_equal(counter(f->p, "tx_frames"), 0); /* not sent yet: in the rings */
	assert_int_equal(sl_pipeline_tx_poll(f->p), 24);
	assert_int_equal(counter(f->p, "tx_frames"), 24);
	assert_int_equal(peer_counter(f->p, PEER_C, SL_PC_frames_out), 8);
	unsigned seen = 0;
	for (int i = 0; i < 24; i++) {
		unsigned fl = take_frame_any(f, frame);
		for (int k = 0; k < 8; k++)
			if (fl == 42 + len[k] && memcmp(frame + 42, txn[k], len[k]) == 0)
				seen |= 1u << k;
	}
	assert_int_equal(seen, 0xff); /* every txn reached the sink */
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}


/* ---- the live peer table ---------------------------------------------- */

/* Managed peers: m (slot 0, index SL_PEERTAB_DP_BASE) at 10.99.0.14 and n
 * (slot 1) at 10.99.0.15. */
#define PEER_M SL_PEERTAB_DP_BASE
#define PEER_N (SL_PEERTAB_DP_BASE + 1)
static const uint8_t m_mac[6] = {2, 0, 0, 0, 0, 0x0e}, m_mac2[6] = {2, 0, 0, 0, 0, 0x1e};

static void live_open(struct fixture *f)
{
	struct live *l = &f->live;
	snprintf(l->name, sizeof(l->name), "tpt%d", (int)getpid());
	assert_int_equal(sl_peertab_unlink(l->name), 0);
	char err[256];
	l->tab = sl_peertab_open(l->name, err, sizeof(err));
	if (!l->tab)
		fail_msg("%s", err);
	struct sl_tables_conf tc = {.p = f->p, .tab = l->tab};
	l->tables = sl_tables_create(&tc);
	assert_non_null(l->tables);
}

static struct sl_peertab_entry entry(const char *name, uint8_t last_octet, uint8_t state,
				    const uint8_t mac[6], uint64_t in, uint64_t prev,
				    uint64_t prev_until_ms, uint64_t out)
{
	struct sl_peertab_entry e = {
		.state = state, .family = 4, .port = 8004, .ip = {10, 99, 0, last_octet}, .token_in = in,
		.token_in_prev = prev, .token_prev_until_ms = prev_until_ms, .token_out = out,
	};
	memcpy(e.mac, mac, 6);
	snprintf(e.name, sizeof(e.name), "%s", name);
	return e;
}

/* Slot k of the peertab, written as sluiced writes it. */
static void pt_write(struct sl_peertab *tab, unsigned k, const struct sl_peertab_entry *e)
{
	sl_peertab_write_begin(&tab->seq);
	tab->peers[k] = *e;
	tab->writer_pid = 1;
	sl_peertab_write_end(&tab->seq);
}

static void inject_gossip(struct fixture *f, uint8_t from, uint64_t token, const uint8_t *txn,
			  size_t len)
{
	uint8_t g[512];
	sl_udp4_addr_t a = from_peer(from);
	inject(f, &a, g, sl_gossip_frame_build(g, sizeof(g), 3, token, txn, len));
}

/* Takes every frame sent (from every worker's queue); copies the one frame
 * that `is_it` picks into out, its length into *len. Returns how many there
 * were. */
static unsigned take_frames_one(struct fixture *f, bool (*is_it)(const uint8_t *frame, unsigned arg),
				unsigned arg, uint8_t *out, unsigned *len)
{
	struct rte_mbuf *m[64];
	unsigned total = 0, found = 0;
	for (uint16_t q = 1; q < f->port.nb_rxq; q++) {
		uint16_t n;
		while ((n = rte_eth_rx_burst(f->port.id, q, m, 64)) > 0) {
			for (uint16_t i = 0; i < n; i++) {
				const uint8_t *d = rte_pktmbuf_mtod(m[i], const uint8_t *);
				if (!is_it(d, arg))
					continue;
				*len = rte_pktmbuf_pkt_len(m[i]);
				memcpy(out, d, *len);
				found++;
			}
			rte_pktmbuf_free_bulk(m, n);
			total += n;
		}
	}
	assert_int_equal(found, 1);
	return total;
}

static bool to_ipv4_last(const uint8_t *frame, unsigned last)
{
	return frame[33] == last;
}

/* ... the one to 10.99.0.<dst>. */
static unsigned take_frames_to(struct fixture *f, uint8_t dst, uint8_t *out, unsigned *len)
{
	return take_frames_one(f, to_ipv4_last, dst, out, len);
}

/* A new transaction from peer `from` (0: a client), run through. */
static void send_new(struct fixture *f, uint8_t from, uint64_t token)
{
	uint8_t txn[256];
	size_t len = new_txn(f, txn);
	if (from)
		inject_gossip(f, from, token, txn, len);
	else
		inject(f, &from_client, txn, len);
	run(f);
}

/* Gossip from a managed peer is accepted with its token_in, and with the
 * token it replaced while the overlap lasts; once the overlap ends the
 * table thread drops the old token by itself (no write needed); a peer
 * that is not up gets no fanout and its gossip is drop_peer_down; an
 * emptied slot is no peer at all. Its counters reach the dp area. */
static void test_live_tokens_and_state(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], frame[2048];
	live_open(f);
	struct live *l = &f->live;
	const uint64_t now = 1000;

	/* nothing written yet: the static table stays; sluice-dp says so */
	assert_int_equal(sl_tables_poll(l->tables, now), 0);
	assert_int_equal(l->tab->dp_pid, (uint64_t)getpid());
	assert_int_equal(l->tab->dp_applied_seq, 0);

	struct sl_peertab_entry m = entry("m", 14, SL_PT_UP, m_mac, 5555, 0, 0, 6666);
	pt_write(l->tab, 0, &m);
	assert_int_equal(sl_tables_poll(l->tables, now), 1);
	assert_int_equal(l->tab->dp_applied_seq, atomic_load(&l->tab->seq));
	assert_int_equal(sl_tables_poll(l->tables, now), 0); /* nothing new */

	/* an ingest transaction now goes to m too, with m's token_out */
	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	run(f);
	unsigned n = 0; /* gcc -O3 cannot see take_frames_to set it */
	assert_int_equal(take_frames_to(f, 14, frame, &n), 4);
	assert_memory_equal(frame, m_mac, 6);
	assert_memory_equal(frame + 30, m.ip, 4);
	assert_int_equal(frame[36] << 8 | frame[37], 8004);
	assert_gossip_frame(frame, n, 4, 6666, txn, len);

	/* m's gossip: forwarded to b, c and the sink, not back to m */
	send_new(f, 14, 5555);
	assert_int_equal(drain_sent(f), 3);
	assert_int_equal(peer_counter(f->p, PEER_M, SL_PC_frames_in), 1);
	assert_int_equal(peer_counter(f->p, PEER_M, SL_PC_first_deliveries), 1);
	assert_int_equal(peer_counter(f->p, PEER_M, SL_PC_frames_out), 1);

	/* rotation: 7777 in, 5555 still good until now + 500 */
	m = entry("m", 14, SL_PT_UP, m_mac, 7777, 5555, now + 500, 6666);
	pt_write(l->tab, 0, &m);
	assert_int_equal(sl_tables_poll(l->tables, now), 1);
	send_new(f, 14, 5555);
	send_new(f, 14, 7777);
	send_new(f, 14, 9999);
	assert_counters(f->p, {"forwarded_txns", 4}, {"drop_bad_token", 1});

	/* the overlap ends with no help from sluiced */
	assert_int_equal(sl_tables_poll(l->tables, now + 499), 0);
	assert_int_equal(sl_tables_poll(l->tables, now + 500), 1);
	send_new(f, 14, 5555);
	send_new(f, 14, 7777);
	assert_counters(f->p, {"forwarded_txns", 5}, {"drop_bad_token", 2});
	assert_int_equal(sl_tables_poll(l->tables, now + 600), 0); /* and stays over */

	/* down: no fanout to m, its gossip dropped as drop_peer_down */
	drain_sent(f);
	m.state = SL_PT_DOWN;
	pt_write(l->tab, 0, &m);
	assert_int_equal(sl_tables_poll(l->tables, now + 600), 1);
	send_new(f, 14, 7777);
	assert_counters(f->p, {"drop_peer_down", 1}, {"forwarded_txns", 5});
	uint64_t m_out = peer_counter(f->p, PEER_M, SL_PC_frames_out);
	send_new(f, 0, 0);
	assert_int_equal(drain_sent(f), 3);
	assert_int_equal(peer_counter(f->p, PEER_M, SL_PC_frames_out), m_out);
	/* cut off is down too; up with no next hop yet: gossip in, no fanout */
	m.state = SL_PT_CUT_OFF;
	pt_write(l->tab, 0, &m);
	sl_tables_poll(l->tables, now + 600);
	send_new(f, 14, 7777);
	assert_counters(f->p, {"drop_peer_down", 2});
	m = entry("m", 14, SL_PT_UP, (const uint8_t[6]){0}, 7777, 0, 0, 6666);
	pt_write(l->tab, 0, &m);
	sl_tables_poll(l->tables, now + 600);
	send_new(f, 14, 7777);
	send_new(f, 0, 0);
	assert_counters(f->p, {"forwarded_txns", 8}, {"drop_peer_down", 2});
	assert_int_equal(drain_sent(f), 3 + 3); /* neither goes to m */

	/* every 100 ms the dp area gets m's counters, summed over workers */
	sl_tables_poll(l->tables, now + 700);
	struct sl_peertab_dp_peer dp[SL_PEERTAB_SLOTS];
	assert_true(sl_peertab_read(&l->tab->dp_seq, dp, l->tab->dp, sizeof(dp), 4) != 0);
	assert_int_equal(dp[0].frames_in, peer_counter(f->p, PEER_M, SL_PC_frames_in));
	assert_int_equal(dp[0].frames_in, 5);
	assert_int_equal(dp[0].first_deliveries, 5);
	assert_int_equal(dp[0].frames_out, 1);
	assert_int_equal(l->tab->dp_updated_ms, now + 700);

	/* an emptied slot: no peer at that address */
	m.state = SL_PT_EMPTY;
	pt_write(l->tab, 0, &m);
	sl_tables_poll(l->tables, now + 700);
	send_new(f, 14, 7777);
	assert_counters(f->p, {"drop_unknown_peer", 1});
	assert_every_packet_accounted(f->p);
	drain_sent(f);
}

/* A managed entry at a static relay peer's address is left out: b keeps
 * its config tokens. The counters list the managed peers by their names. */
/* An IPv6 view's IPv4 source reads 0.0.0.0: IPv6 gossip is still no
 * peer's when an up peer has that address and the frame its token. */
static void test_live_ipv6_gossip_is_no_peers(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], g[512];
	live_open(f);
	struct sl_peertab_entry m = entry("m", 0, SL_PT_UP, m_mac, 5555, 0, 0, 6666);
	m.ip[0] = m.ip[1] = 0;
	pt_write(f->live.tab, 0, &m);
	assert_int_equal(sl_tables_poll(f->live.tables, 1000), 1);
	size_t len = new_txn(f, txn);
	sl_udp6_addr_t a = from_client6;
	a.dst_port = 8004;
	inject6(f, &a, g, sl_gossip_frame_build(g, sizeof(g), 3, 5555, txn, len), 0);
	run(f);
	assert_counters(f->p, {"drop_unknown_peer", 1}, {"gossip_txns", 0});
	assert_int_equal(peer_counter(f->p, PEER_M, SL_PC_frames_in), 0);
	assert_tx_empty(f);
	assert_every_packet_accounted(f->p);
}

/* m6 at fd00:99::e, a managed relay peer of an IPv6 address. */
static const uint8_t m6_ip[16] = {0xfd, 0, 0, 0x99, [15] = 0x0e};

static struct sl_peertab_entry entry6(uint8_t state, uint64_t in, uint64_t out)
{
	struct sl_peertab_entry e = entry("m6", 0, state, m_mac, in, 0, 0, out);
	e.family = 6;
	memcpy(e.ip, m6_ip, 16);
	return e;
}

static bool to_m6(const uint8_t *frame, unsigned unused)
{
	(void)unused;
	return frame[12] == 0x86 && frame[13] == 0xdd && memcmp(frame + 38, m6_ip, 16) == 0;
}

/* A managed relay peer at an IPv6 address (sluiced's, over IPv6): it gets
 * the fanout as Ethernet/IPv6/UDP gossip from the relay's ip6 with its
 * token_out, its IPv6 gossip with its token_in goes on (with another
 * token it drops), and an emptied slot is no peer. */
static void test_live_ipv6_peer(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256], frame[2048], g[512];
	live_open(f);
	struct sl_peertab_entry m = entry6(SL_PT_UP, 5555, 6666);
	pt_write(f->live.tab, 0, &m);
	assert_int_equal(sl_tables_poll(f->live.tables, 1000), 1);

	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	run(f);
	unsigned n = 0;
	assert_int_equal(take_frames_one(f, to_m6, 0, frame, &n), 4);
	assert_int_equal(n, SL_PKT_HDRS6_SZ + 16 + len);
	assert_memory_equal(frame, m_mac, 6);
	assert_memory_equal(frame + 22, f->cfg.ip6, 16); /* from the relay's ip6 */
	assert_int_equal(frame[56] << 8 | frame[57], 8004);
	const uint8_t *gh = frame + SL_PKT_HDRS6_SZ;
	assert_int_equal(sl_gossip_check(gh, n - SL_PKT_HDRS6_SZ), SL_GOSSIP_OK);
	assert_int_equal(sl_pkt_rd_le64(gh + 8), 6666);
	assert_memory_equal(gh + 16, txn, len);

	sl_udp6_addr_t a = from_client6;
	memcpy(a.src_ip, m6_ip, 16);
	a.src_port = a.dst_port = 8004;
	for (uint64_t token = 5555; token <= 5556; token++) {
		len = new_txn(f, txn);
		inject6(f, &a, g, sl_gossip_frame_build(g, sizeof(g), 3, token, txn, len), 0);
		run(f);
	}
	assert_counters(f->p, {"forwarded_txns", 2}, {"gossip_txns", 1}, {"drop_bad_token", 1});
	assert_int_equal(peer_counter(f->p, PEER_M, SL_PC_frames_in), 1);
	assert_int_equal(peer_counter(f->p, PEER_M, SL_PC_first_deliveries), 1);
	sl_peer_names_t names;
	sl_pipeline_peer_names(f->p, &names);
	assert_string_equal(names.name[names.n - 1], "m6");

	m.state = SL_PT_EMPTY;
	pt_write(f->live.tab, 0, &m);
	sl_tables_poll(f->live.tables, 1000);
	len = new_txn(f, txn);
	inject6(f, &a, g, sl_gossip_frame_build(g, sizeof(g), 3, 5555, txn, len), 0);
	run(f);
	assert_counters(f->p, {"drop_unknown_peer", 1});
	assert_every_packet_accounted(f->p);
	drain_sent(f);
}

/* Without [relay] ip6 an IPv6 managed entry is left out: no frame could
 * come from the relay to it. */
static void test_live_ipv6_peer_needs_ip6(void **state)
{
	struct fixture *f = *state;
	live_open(f);
	struct sl_peertab_entry m = entry6(SL_PT_UP, 5555, 6666);
	pt_write(f->live.tab, 0, &m);
	sl_tables_poll(f->live.tables, 1000);
	sl_peer_names_t names;
	sl_pipeline_peer_names(f->p, &names);
	for (unsigned i = 0; i < names.n; i++)
		assert_string_not_equal(names.name[i], "m6");
	send_new(f, 0, 0);
	assert_int_equal(drain_sent(f), 3); /* b, c and the sink only */
}

static void test_live_entry_cannot_take_a_static_address(void **state)
{
	struct fixture *f = *state;
	live_open(f);
	struct live *l = &f->live;
	struct sl_peertab_entry e = entry("fake", 12, SL_PT_UP, m_mac, 1, 0, 0, 1);
	pt_write(l->tab, 0, &e);
	struct sl_peertab_entry m = entry("m", 14, SL_PT_DOWN, m_mac, 5555, 0, 0, 6666);
	pt_write(l->tab, 3, &m);
	sl_tables_poll(l->tables, 1);
	send_new(f, 12, 1);
	send_new(f, 12, 2222);
	assert_counters(f->p, {"drop_bad_token", 1}, {"forwarded_txns", 1});
	sl_peer_names_t names;
	sl_pipeline_peer_names(f->p, &names);
	assert_int_equal(names.n, 4);
	assert_string_equal(names.name[3], "m");
	assert_int_equal(names.idx[3], SL_PEERTAB_DP_BASE + 3);
	drain_sent(f);
}

/* The flip test: another thread rewrites m and n and applies each version
 * at once (sl_tables_poll, with real grace periods) while this one runs
 * bursts as the lcores do (online, quiescent between bursts). m's next hop
 * and token_out go round three versions (so that each of the two buffers
 * gets other contents each time), its token_in flips between two that are
 * both good in every version; n flips between up and down. Nothing in
 * flight may be lost, and no frame may mix two tables. */
enum { FLIPS = 150, FLIP_IN = 7001, FLIP_IN2 = 7002, FLIP_OUT = 8001, FLIP_VERSIONS = 3 };

static void flip_mac(unsigned version, uint8_t mac[6])
{
	memcpy(mac, m_mac, 6);
	mac[5] = (uint8_t)(0x30 + version);
}

struct flipper {
	struct live *l;
	unsigned flips;
	bool paced;          /* three flips per burst */
	unsigned iterations; /* of the burst loop (atomic) */
	int done;
};

static void *flip_tables(void *arg)
{
	struct flipper *fl = arg;
	unsigned seen = 0;
	for (unsigned i = 1; i <= fl->flips; i++) {
		/* a few flips per burst, while its workers run: the second
		 * rewrites the buffer the burst loaded, unless the grace period
		 * makes it wait */
		if (fl->paced && i % 3 == 1) {
			while (__atomic_load_n(&fl->iterations, __ATOMIC_ACQUIRE) == seen)
				sched_yield();
			seen = __atomic_load_n(&fl->iterations, __ATOMIC_ACQUIRE);
		}
		bool a = i % 2 == 0;
		unsigned version = i % FLIP_VERSIONS;
		uint8_t mac[6];
		flip_mac(version, mac);
		/* FLIP_IN passes in both: as token_in, then as the previous */
		struct sl_peertab_entry m =
			entry("m", 14, SL_PT_UP, mac, a ? FLIP_IN : FLIP_IN2, a ? FLIP_IN2 : FLIP_IN,
			      UINT64_MAX, FLIP_OUT + version);
		struct sl_peertab_entry n =
			entry("n", 15, a ? SL_PT_UP : SL_PT_DOWN, m_mac2, 1, 0, 0, 2);
		sl_peertab_write_begin(&fl->l->tab->seq);
		fl->l->tab->peers[0] = m;
		fl->l->tab->peers[1] = n;
		sl_peertab_write_end(&fl->l->tab->seq);
		if (sl_tables_poll(fl->l->tables, sl_tables_now_ms()) != 1)
			break;
	}
	__atomic_store_n(&fl->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Takes every frame sent; checks the ones to m carry one version's
 * (mac, token_out). Returns how many went to m; counts the frames that
 * are not so in *bad (no assert while the flipper runs). */
static unsigned drain_checked(struct fixture *f, unsigned *bad)
{
	struct rte_mbuf *m[64];
	unsigned to_m = 0;
	for (uint16_t q = 1; q < f->port.nb_rxq; q++) {
		uint16_t n;
		while ((n = rte_eth_rx_burst(f->port.id, q, m, 64)) > 0) {
			for (uint16_t i = 0; i < n; i++) {
				const uint8_t *d = rte_pktmbuf_mtod(m[i], const uint8_t *);
				sl_pkt_view_t v;
				if (sl_pkt_check(d, rte_pktmbuf_pkt_len(m[i]), &v) != SL_PKT_OK) {
					(*bad)++;
					continue;
				}
				if (d[33] != 14)
					continue;
				uint64_t version = sl_pkt_rd_le64(d + 42 + 8) - FLIP_OUT;
				uint8_t mac[6];
				flip_mac((unsigned)version, mac);
				*bad += version >= FLIP_VERSIONS || memcmp(d, mac, 6) != 0;
				to_m++;
			}
			rte_pktmbuf_free_bulk(m, n);
		}
	}
	return to_m;
}

/* The grace period itself: while an online reader holds a table (between
 * two quiescent reports), the table thread publishes one more but does not
 * rewrite the held one, however long the reader takes. */
static void test_live_table_held_until_quiescent(void **state)
{
	struct fixture *f = *state;
	live_open(f);
	uint8_t mac[6];
	flip_mac(0, mac);
	struct sl_peertab_entry m = entry("m", 14, SL_PT_UP, mac, FLIP_IN, 0, 0, FLIP_OUT);
	pt_write(f->live.tab, 0, &m);
	assert_int_equal(sl_tables_poll(f->live.tables, 1), 1);
	uint64_t published = sl_tables_published(f->live.tables);
	sl_pipeline_reader_online(f->p, 0);
	const sl_peers_t *held = sl_pipeline_peers(f->p);
	static sl_peers_t copy;
	copy = *held;
	struct flipper fl = {.l = &f->live, .flips = 3};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, flip_tables, &fl), 0);
	/* flip 1 goes into the other buffer; flip 2 would rewrite `held`
	 * (checked once the thread is joined: a failed check must not leave
	 * it running) */
	const struct timespec ms50 = {0, 50 * 1000000L};
	nanosleep(&ms50, NULL);
	uint64_t while_held = sl_tables_published(f->live.tables) - published;
	bool unchanged = memcmp(held, &copy, sizeof(copy)) == 0;
	sl_pipeline_quiescent(f->p, 0); /* held no more */
	sl_pipeline_reader_offline(f->p, 0); /* flip 3 waits for flip 2's grace */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(while_held, 1);
	assert_true(unchanged);
	assert_int_equal(sl_tables_published(f->live.tables) - published, 3);
}

static void test_live_flips_lose_nothing(void **state)
{
	struct fixture *f = *state;
	live_open(f);
	uint8_t mac[6];
	flip_mac(0, mac);
	struct sl_peertab_entry m = entry("m", 14, SL_PT_UP, mac, FLIP_IN, FLIP_IN2, UINT64_MAX,
					  FLIP_OUT);
	pt_write(f->live.tab, 0, &m);
	assert_int_equal(sl_tables_poll(f->live.tables, sl_tables_now_ms()), 1);
	uint64_t published = sl_tables_published(f->live.tables);

	unsigned readers = sl_pipeline_readers(f->p), nw = sl_pipeline_workers(f->p);
	for (unsigned r = 0; r < readers; r++)
		sl_pipeline_reader_online(f->p, r);
	struct flipper fl = {.l = &f->live, .flips = FLIPS, .paced = true};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, flip_tables, &fl), 0);
	unsigned ingest = 0, gossip = 0, to_m = 0, bad = 0;
	for (unsigned it = 0; !__atomic_load_n(&fl.done, __ATOMIC_ACQUIRE) || it < 8; it++) {
		uint8_t txn[256];
		for (unsigned k = 0; k < 3; k++, ingest++) {
			size_t len = new_txn(f, txn);
			inject(f, &from_client, txn, len);
		}
		for (unsigned k = 0; k < 3; k++, gossip++) {
			size_t len = new_txn(f, txn);
			inject_gossip(f, 14, FLIP_IN, txn, len);
		}
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(f->port.id, 0, pkts, 32);
		sl_pipeline_process_burst(f->p, pkts, n, rte_rdtsc());
		__atomic_store_n(&fl.iterations, it + 1, __ATOMIC_RELEASE);
		/* batches (4) are left to span bursts, and so tables */
		for (unsigned w = 0; w < nw; w++)
			sl_pipeline_worker_poll(f->p, w, rte_rdtsc(), it % 3 == 0);
		sl_pipeline_tx_poll(f->p);
		for (unsigned r = 0; r < readers; r++)
			sl_pipeline_quiescent(f->p, r);
		to_m += drain_checked(f, &bad);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	for (unsigned w = 0; w < nw; w++)
		sl_pipeline_worker_drain(f->p, w);
	sl_pipeline_tx_poll(f->p);
	to_m += drain_checked(f, &bad);
	for (unsigned r = 0; r < readers; r++)
		sl_pipeline_reader_offline(f->p, r);

	assert_int_equal(bad, 0);
	assert_int_equal(sl_tables_published(f->live.tables) - published, FLIPS);
	sl_stats_t s;
	sl_pipeline_stats(f->p, &s);
	assert_int_equal(s.c[SL_C_forwarded_txns], ingest + gossip);
	assert_int_equal(sl_stats_drops(&s), 0);
	assert_every_packet_accounted(f->p);
	assert_int_equal(s.peer[PEER_M][SL_PC_frames_in], gossip);
	assert_int_equal(s.peer[PEER_M][SL_PC_frames_out], ingest); /* not its own back */
	assert_int_equal(to_m, ingest);
	for (unsigned p = PEER_B; p <= PEER_SINK; p++)
		assert_int_equal(s.peer[p][SL_PC_frames_out], ingest + gossip);
	assert_true(s.peer[PEER_N][SL_PC_frames_out] <= ingest + gossip);
}

/* Ask this process's own DPDK telemetry socket, as dpdk-telemetry.py does:
 * read the greeting, send the command, return the reply. */
static const char *telemetry_ask(const char *cmd, char *buf, size_t n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_true(s >= 0);
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_true(read(s, buf, n - 1) > 0);
	assert_int_equal(write(s, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	ssize_t r = read(s, buf, n - 1);
	assert_true(r > 0);
	buf[r] = '\0';
	close(s);
	return buf;
}

/* sl_telemetry serves this pipeline's counters until detached, and null
 * after, when sluice-dp is about to free the pipeline. Sources of both
 * families: an IPv6 client's by its /64. */
static void test_telemetry_until_detached(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256];
	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	inject(f, &from_client, txn, len);
	inject(f, &from_client, txn, len - 1);
	for (unsigned k = 0; k < 2; k++) {
		len = new_txn(f, txn);
		txn[10] ^= 0x40;
		inject6(f, &from_client6, txn, len, 0);
	}
	run(f);
	assert_int_equal(sl_telemetry_register(&f->cfg, f->p, NULL), 0);
	char buf[16384];
	const char *stats = telemetry_ask("/sluice/stats", buf, sizeof(buf));
	assert_non_null(strstr(stats, "\"rx_packets\":5,"));
	assert_non_null(strstr(stats, "\"drop_duplicate\":1,"));
	assert_non_null(strstr(telemetry_ask("/sluice/peers", buf, sizeof(buf)),
			       "\"b\":{\"frames_in\":0,"));
	assert_non_null(strstr(telemetry_ask("/sluice/sources", buf, sizeof(buf)),
			       "\"sources\":[\"fd00:99::/64\",\"10.99.0.1\"],\"malformed\":[0,1],"
			       "\"invalid_sig\":[2,0]}}"));
	sl_telemetry_detach();
	assert_string_equal(telemetry_ask("/sluice/stats", buf, sizeof(buf)),
			    "{\"/sluice/stats\":null}");
	assert_string_equal(telemetry_ask("/sluice/peers", buf, sizeof(buf)),
			    "{\"/sluice/peers\":null}");
	assert_string_equal(telemetry_ask("/sluice/sources", buf, sizeof(buf)),
			    "{\"/sluice/sources\":null}");
	drain_sent(f);
}

static int group_setup(void **state)
{
	(void)state;
	/* Telemetry on, under a prefix of this process's own. */
	static char prefix[32];
	snprintf(prefix, sizeof(prefix), "test_pipeline_%d", (int)getpid());
	struct sl_eal_opts o = {.prog = "test_pipeline", .mem_mb = 256, .telemetry = true,
				.file_prefix = prefix};
	if (sl_eal_init_opts(&o) != 0 || sodium_init() < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("test_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return pool ? 0 : -1;
}

/* The telemetry socket and runtime folder that the EAL leaves behind. */
static int group_teardown(void **state)
{
	(void)state;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	unlink(path);
	rmdir(rte_eal_get_runtime_dir());
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_ingest_fans_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_id_other_bytes_after_verdict, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forged_id_first_suppresses_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_id_outlives_byte_window, setup_small_dedup,
						teardown),
		cmocka_unit_test_setup_teardown(test_id_dups_interleaved_in_a_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_id_dups_interleaved_in_a_burst,
						setup_two_workers, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gossip_not_sent_back_and_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_each_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drops_by_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drops_by_source, setup_two_workers, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_ingest_fans_out, setup_ip6, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_only_ingest_at_our_address, setup_ip6,
						teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_drops_by_prefix, setup_ip6_prefix48, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_without_ip6_not_for_us, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_ipv4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_peers, setup_ip6_peers, teardown),
		cmocka_unit_test(test_peers_csum),
		cmocka_unit_test_setup_teardown(test_batch_waits_for_size_or_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsent_frames_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_workers_steer_by_id, setup_two_workers,
						teardown),
		cmocka_unit_test_setup_teardown(test_workers_send_through_rx_stage,
						setup_two_workers_one_txq, teardown),
		cmocka_unit_test_setup_teardown(test_telemetry_until_detached, setup_ip6, teardown),
		cmocka_unit_test_setup_teardown(test_live_tokens_and_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_tokens_and_state, setup_two_workers,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_entry_cannot_take_a_static_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_live_ipv6_gossip_is_no_peers, setup_ip6, teardown),
		cmocka_unit_test_setup_teardown(test_live_ipv6_peer, setup_ip6, teardown),
		cmocka_unit_test_setup_teardown(test_live_ipv6_peer_needs_ip6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_table_held_until_quiescent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_flips_lose_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_flips_lose_nothing, setup_two_workers,
						teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
