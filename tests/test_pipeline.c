/* sl_pipeline driven in-process through a net_ring port (sl_port): hand-built frames
 * (valid, duplicate, forged signature, malformed at every layer, gossip from
 * peers with good and bad tokens) go in through rte_eth_rx_burst; the test
 * checks every counter, and every frame the tx side put on the ring, byte by
 * byte. Runs in well under a second. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
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
#include "sl_pipeline.h"
#include "sl_port.h"
#include "sl_pkt_build.h"
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

enum { PEER_B, PEER_C, PEER_SINK };

static const uint8_t my_mac[6] = {2, 0, 0, 0, 0, 0x0b};
static const uint8_t peer_macs[3][6] = {{2, 0, 0, 0, 0, 0x0c}, {2, 0, 0, 0, 0, 0x0d},
					{2, 0, 0, 0, 0, 0x14}};

struct fixture {
	sl_config_t cfg;
	sl_port_t port;
	sl_pipeline_t *p;
	sl_keypair_t kp;
	uint64_t nonce;
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

static int setup_with(void **state, const char *extra, uint16_t tx_queues)
{
	struct fixture *f = calloc(1, sizeof(*f));
	/* extra [relay] keys go just before [port] */
	char text[2048];
	const char *at = strstr(cfg_text, "[port]");
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - cfg_text), cfg_text, extra, at);
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

static int setup(void **state)
{
	return setup_with(state, "dedup_capacity=1024\n", 0);
}

static int setup_two_workers(void **state)
{
	return setup_with(state, "dedup_capacity=1024\nworkers=2\n", 0);
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

static void assert_source(const sl_srcdrops_top_t *top, unsigned i, uint32_t ip,
			  uint64_t malformed, uint64_t invalid_sig)
{
	assert_true(i < top->n);
	assert_int_equal(top->src[i].ip, __builtin_bswap32(ip)); /* sl_pkt_view_t form */
	assert_int_equal(top->src[i].n[SL_SRC_malformed], malformed);
	assert_int_equal(top->src[i].n[SL_SRC_invalid_sig], invalid_sig);
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
 * after, when sluice-dp is about to free the pipeline. */
static void test_telemetry_until_detached(void **state)
{
	struct fixture *f = *state;
	uint8_t txn[256];
	size_t len = new_txn(f, txn);
	inject(f, &from_client, txn, len);
	inject(f, &from_client, txn, len);
	inject(f, &from_client, txn, len - 1);
	run(f);
	assert_int_equal(sl_telemetry_register(&f->cfg, f->p, NULL), 0);
	char buf[16384];
	const char *stats = telemetry_ask("/sluice/stats", buf, sizeof(buf));
	assert_non_null(strstr(stats, "\"rx_packets\":3,"));
	assert_non_null(strstr(stats, "\"drop_duplicate\":1,"));
	assert_non_null(strstr(telemetry_ask("/sluice/peers", buf, sizeof(buf)),
			       "\"b\":{\"frames_in\":0,"));
	assert_non_null(strstr(telemetry_ask("/sluice/sources", buf, sizeof(buf)),
			       "\"sources\":[\"10.99.0.1\"],\"malformed\":[1],\"invalid_sig\":[0]}}"));
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
		cmocka_unit_test_setup_teardown(test_batch_waits_for_size_or_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsent_frames_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_workers_steer_by_id, setup_two_workers,
						teardown),
		cmocka_unit_test_setup_teardown(test_workers_send_through_rx_stage,
						setup_two_workers_one_txq, teardown),
		cmocka_unit_test_setup_teardown(test_telemetry_until_detached, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
