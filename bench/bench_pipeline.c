/* Pipeline benchmarks: whole bursts through sl_pipeline in one process, on a
 * net_ring port (rx) and a net_null port (tx), in packets per second.
 *
 *   pipeline/io_forward      rx burst -> tx burst, nothing else: the ceiling
 *                            of the same port set-up (the baseline)
 *   pipeline/dup_drop        every packet a duplicate of a valid transaction
 *                            (dup_verified_id: how many the id cache caught)
 *   pipeline/malformed_drop  every packet a new, truncated transaction
 *   pipeline/verify_forward  unique valid transactions, fanout to 4 peers
 *   pipeline/verify_only     sl_verify_batch alone on the same transactions,
 *                            in batches of the same size (verify_forward's
 *                            baseline)
 *   pipeline/fanout_copy     one frame to each of the 4 peers, built as
 *                            sl_pipeline does: template + transaction copy
 *   pipeline/fanout_copy6    the same to the same peers at IPv6 addresses:
 *                            the IPv6 template and the UDP checksum, summed
 *                            over each frame's payload
 *   pipeline/fanout_indirect the same as a header mbuf chained to an
 *                            indirect mbuf on the received transaction: the
 *                            zero-copy alternative (not usable on af_xdp,
 *                            whose tx takes single-segment mbufs only)
 *
 * Every timed iteration injects one burst of prebuilt frames into the ring
 * port (tx queue 0 loops into rx queue 0), receives it, and hands it on.
 * Frames are reused: each injection takes a reference, and the pipeline's
 * free drops it. Transactions are signed once, before timing. */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <sodium.h>

#include "cbench.h"
#include "sl_config.h"
#include "sl_peers.h"
#include "sl_pipeline.h"
#include "sl_pkt_build.h"
#include "sl_port.h"
#include "sl_txn_build.h"
#include "sl_verify.h"

#define BURST 32
#define NTXN 2048 /* unique transactions for verify_forward */

static const char relay_cfg[] =
	"[relay]\nname=bench\nip=10.99.0.11\ndedup_capacity=65536\nbatch_size=64\n"
	"[port]\ntype=null\n"
	"[peer b]\nkind=relay\nip=10.99.0.12\nport=8004\nmac=02:00:00:00:00:0c\ntoken_out=1\ntoken_in=2\n"
	"[peer c]\nkind=relay\nip=10.99.0.13\nport=8004\nmac=02:00:00:00:00:0d\ntoken_out=3\ntoken_in=4\n"
	"[peer d]\nkind=relay\nip=10.99.0.14\nport=8004\nmac=02:00:00:00:00:0e\ntoken_out=5\ntoken_in=6\n"
	"[peer sink]\nkind=validator\nip=10.99.0.20\nport=8001\nmac=02:00:00:00:00:14\n";
/* The same peers, in the same order, at IPv6 addresses. */
static const char relay_cfg6[] =
	"[relay]\nname=bench\nip=10.99.0.11\nip6=fd00:99::b\n"
	"[port]\ntype=null\n"
	"[peer b]\nkind=relay\nip=fd00:99::c\nport=8004\nmac=02:00:00:00:00:0c\ntoken_out=1\ntoken_in=2\n"
	"[peer c]\nkind=relay\nip=fd00:99::d\nport=8004\nmac=02:00:00:00:00:0d\ntoken_out=3\ntoken_in=4\n"
	"[peer d]\nkind=relay\nip=fd00:99::e\nport=8004\nmac=02:00:00:00:00:0e\ntoken_out=5\ntoken_in=6\n"
	"[peer sink]\nkind=validator\nip=fd00:99::14\nport=8001\nmac=02:00:00:00:00:14\n";

static struct {
	bool ready;
	const char *error;
	sl_config_t cfg, ring_cfg, cfg6;
	sl_port_t ring, null;
	struct rte_mempool *pool;
	uint8_t peer_macs[SL_CFG_PEERS_MAX][6];
	struct rte_mbuf *valid[NTXN];     /* ingest frames of unique valid txns */
	struct rte_mbuf *malformed[NTXN]; /* the same, cut short: unparseable */
	uint8_t txn[NTXN][256];
	size_t txn_sz[NTXN];
	sl_verify_item_t items[NTXN];     /* one signature each */
} B;

static struct rte_mbuf *frame_mbuf(const uint8_t *txn, size_t len)
{
	static const sl_udp4_addr_t a = {
		.src_mac = {2, 0, 0, 0, 0, 1}, .dst_mac = {2, 0, 0, 0, 0, 0x0b},
		.src_ip = 0x0a630001, .dst_ip = 0x0a63000b, .src_port = 40000, .dst_port = 8003,
	};
	struct rte_mbuf *m = rte_pktmbuf_alloc(B.pool);
	if (!m)
		return NULL;
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(SL_PKT_HDRS_SZ + len));
	sl_pkt_build_udp4(d, SL_PKT_HDRS_SZ + len, &a, 0, txn, len);
	return m;
}

static int setup(void)
{
	char err[256];
	if (sl_config_parse(relay_cfg, strlen(relay_cfg), "bench", &B.cfg, NULL, NULL) != 0 ||
	    sl_config_parse(relay_cfg6, strlen(relay_cfg6), "bench", &B.cfg6, NULL, NULL) != 0)
		return B.error = "bench config", -1;
	B.ring_cfg = B.cfg;
	B.ring_cfg.port_type = SL_PORT_RING;
	snprintf(B.ring_cfg.name, sizeof(B.ring_cfg.name), "benchring");
	for (unsigned i = 0; i < B.cfg.npeers; i++)
		memcpy(B.peer_macs[i], B.cfg.peers[i].mac, 6);
	B.pool = rte_pktmbuf_pool_create("bench_pipeline", 16383, 256, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!B.pool || sodium_init() < 0)
		return B.error = "mbuf pool", -1;
	if (sl_port_open(&B.ring, &B.ring_cfg, 1, 1, B.pool, err, sizeof(err)) != 0 ||
	    sl_port_open(&B.null, &B.cfg, 1, 1, B.pool, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_pipeline: %s\n", err);
		return B.error = "ports", -1;
	}
	sl_keypair_t kp;
	crypto_sign_keypair(kp.pk, kp.sk);
	for (unsigned i = 0; i < NTXN; i++) {
		sl_txn_spec_t spec = {.signers = {&kp}, .nsig = 1, .lamports = i + 1};
		memset(spec.to, 0x33, 32);
		memset(spec.blockhash, 0x22, 32);
		B.txn_sz[i] = sl_txn_build_legacy(B.txn[i], sizeof(B.txn[i]), &spec);
		B.valid[i] = frame_mbuf(B.txn[i], B.txn_sz[i]);
		sl_txn_t t;
		if (!B.valid[i] || sl_txn_parse(B.txn[i], B.txn_sz[i], &t) != SL_TXN_OK)
			return B.error = "frames", -1;
		sl_verify_txn_items(B.txn[i], &t, &B.items[i]);
	}
	for (unsigned i = 0; i < NTXN; i++)
		if (!(B.malformed[i] = frame_mbuf(B.txn[i], B.txn_sz[i] - 5)))
			return B.error = "frames", -1;
	B.ready = true;
	return 0;
}

static bool ready(cbench_state_t *st)
{
	if (!B.ready && !B.error)
		setup();
	if (!B.ready)
		cbench_skip_with_error(st, B.error);
	return B.ready;
}

static sl_pipeline_t *pipeline_new(void)
{
	struct sl_pipeline_conf pc = {
		.cfg = &B.cfg, .my_mac = (const uint8_t[6]){2, 0, 0, 0, 0, 0x0b},
		.peer_macs = (const uint8_t (*)[6])B.peer_macs, .tx_port = B.null.id,
		.tx_queue_base = 0, .pool = B.pool, .socket = (int)rte_socket_id(),
	};
	return sl_pipeline_create(&pc);
}

/* Inject frames[0..BURST) again and receive them: what every benchmark pays. */
static uint16_t rx_burst(struct rte_mbuf **frames, struct rte_mbuf **rx)
{
	for (unsigned i = 0; i < BURST; i++)
		rte_mbuf_refcnt_update(frames[i], 1);
	uint16_t in = rte_eth_tx_burst(B.ring.id, 0, frames, BURST);
	for (unsigned i = in; i < BURST; i++)
		rte_mbuf_refcnt_update(frames[i], -1);
	return rte_eth_rx_burst(B.ring.id, 0, rx, BURST);
}

static void bench_io_forward(cbench_state_t *st)
{
	if (!ready(st))
		return;
	struct rte_mbuf *rx[BURST];
	int64_t pkts = 0;
	while (cbench_keep_running(st)) {
		uint16_t n = rx_burst(B.valid, rx);
		uint16_t sent = rte_eth_tx_burst(B.null.id, 0, rx, n);
		if (sent < n)
			rte_pktmbuf_free_bulk(rx + sent, n - sent);
		pkts += n;
	}
	cbench_set_items_processed(st, pkts);
}

/* Drive bursts of frames[0..nframes) through a pipeline. With `prime`, the
 * frames go through once before timing, so that every timed packet is a
 * duplicate. Without, every timed packet is new to the cache: when all
 * nframes have been seen, a fresh pipeline (fresh dedup cache) is made
 * outside the timed region. */
static void run_pipeline(cbench_state_t *st, struct rte_mbuf **frames, unsigned nframes, bool prime)
{
	if (!ready(st))
		return;
	sl_pipeline_t *p = pipeline_new();
	struct rte_mbuf *rx[BURST];
	if (p && prime) {
		for (unsigned at = 0; at < nframes; at += BURST) {
			uint16_t n = rx_burst(frames + at, rx);
			sl_pipeline_process_burst(p, rx, n, rte_rdtsc());
		}
		sl_pipeline_worker_drain(p, 0);
	}
	int64_t pkts = 0;
	uint64_t fwd = 0;
	unsigned at = 0;
	while (p && cbench_keep_running(st)) {
		uint16_t n = rx_burst(frames + at, rx);
		sl_pipeline_process_burst(p, rx, n, rte_rdtsc());
		pkts += n;
		at += BURST;
		if (at == nframes) {
			at = 0;
			if (prime)
				continue;
			cbench_pause_timing(st);
			sl_pipeline_worker_drain(p, 0);
			sl_stats_t s;
			sl_pipeline_stats(p, &s);
			fwd += s.c[SL_C_forwarded_txns];
			sl_pipeline_destroy(p);
			p = pipeline_new();
			cbench_resume_timing(st);
		}
	}
	if (!p) {
		cbench_skip_with_error(st, "pipeline");
		return;
	}
	sl_pipeline_worker_drain(p, 0);
	sl_stats_t s;
	sl_pipeline_stats(p, &s);
	fwd += s.c[SL_C_forwarded_txns];
	sl_pipeline_destroy(p);
	cbench_set_items_processed(st, pkts);
	cbench_counter(st, "forwarded", (double)fwd, 0);
	cbench_counter(st, "dup_verified_id", (double)s.c[SL_C_dup_verified_id], 0);
}

static void bench_dup_drop(cbench_state_t *st)
{
	run_pipeline(st, B.valid, BURST, true);
}

static void bench_malformed_drop(cbench_state_t *st)
{
	run_pipeline(st, B.malformed, NTXN, false);
}

/* Fanout to 4 peers: forwarded * 4 frames go out. */
static void bench_verify_forward(cbench_state_t *st)
{
	run_pipeline(st, B.valid, NTXN, false);
}

static void bench_verify_only(cbench_state_t *st)
{
	if (!ready(st))
		return;
	sl_verifier_t *v = sl_verifier_create(B.cfg.verify_backend);
	if (!v) {
		cbench_skip_with_error(st, "verifier");
		return;
	}
	uint8_t ok[SL_VERIFY_BATCH_MAX];
	const unsigned batch = B.cfg.batch_size; /* divides NTXN */
	unsigned at = 0;
	int64_t sigs = 0;
	while (cbench_keep_running(st)) {
		sigs += (int64_t)sl_verify_batch(v, B.items + at, batch, ok);
		at = (at + batch) % NTXN;
	}
	sl_verifier_destroy(v);
	cbench_set_items_processed(st, sigs);
}

/* Frames per iteration: one per peer of cfg (B.cfg or B.cfg6, whose peers
 * have the same MACs), from an ingest txn. */
static void bench_fanout(cbench_state_t *st, bool indirect, const sl_config_t *cfg)
{
	if (!ready(st))
		return;
	static sl_peers_t peers;
	sl_peers_build(&peers, cfg, (const uint8_t[6]){2, 0, 0, 0, 0, 0x0b},
		       (const uint8_t (*)[6])B.peer_macs);
	struct rte_mbuf *rx = B.valid[0], *out[SL_CFG_PEERS_MAX];
	const uint16_t txn_off = SL_PKT_HDRS_SZ, txn_len = (uint16_t)B.txn_sz[0];
	const uint8_t *txn = rte_pktmbuf_mtod(rx, const uint8_t *) + txn_off;
	int64_t frames = 0;
	while (cbench_keep_running(st)) {
		if (rte_pktmbuf_alloc_bulk(B.pool, out, peers.nfan) != 0) {
			cbench_skip_with_error(st, "mbufs");
			return;
		}
		for (unsigned k = 0; k < peers.nfan; k++) {
			const sl_peer_fast_t *peer = &peers.p[peers.fan[k]];
			if (!indirect) {
				uint8_t *d = (uint8_t *)rte_pktmbuf_append(
					out[k], sl_peers_frame_len(peer, txn_len));
				sl_peers_write_frame(peer, d, txn, txn_len, 4);
				continue;
			}
			/* headers only in the first segment, the txn by reference */
			uint16_t hdr = (uint16_t)(sl_peers_frame_len(peer, txn_len) - txn_len);
			uint8_t frame[SL_FRAME_HDR6_SZ + sizeof(struct sl_gossip_hdr) + SL_TXN_MTU];
			sl_peers_write_frame(peer, frame, txn, 0, 4);
			memcpy(rte_pktmbuf_append(out[k], hdr), frame, hdr);
			struct rte_mbuf *ind = rte_pktmbuf_alloc(B.pool);
			if (!ind) {
				cbench_skip_with_error(st, "mbufs");
				return;
			}
			rte_pktmbuf_attach(ind, rx);
			rte_pktmbuf_adj(ind, txn_off);
			rte_pktmbuf_chain(out[k], ind);
		}
		cbench_do_not_optimize(out[0]);
		rte_pktmbuf_free_bulk(out, peers.nfan);
		frames += peers.nfan;
	}
	cbench_set_items_processed(st, frames);
}

static void bench_fanout_copy(cbench_state_t *st)
{
	bench_fanout(st, false, &B.cfg);
}

static void bench_fanout_copy6(cbench_state_t *st)
{
	bench_fanout(st, false, &B.cfg6);
}

static void bench_fanout_indirect(cbench_state_t *st)
{
	bench_fanout(st, true, &B.cfg);
}

CBENCH_REGISTER
{
	cbench_register("pipeline/io_forward", bench_io_forward);
	cbench_register("pipeline/dup_drop", bench_dup_drop);
	cbench_register("pipeline/malformed_drop", bench_malformed_drop);
	cbench_register("pipeline/verify_forward", bench_verify_forward);
	cbench_register("pipeline/verify_only", bench_verify_only);
	cbench_register("pipeline/fanout_copy", bench_fanout_copy);
	cbench_register("pipeline/fanout_copy6", bench_fanout_copy6);
	cbench_register("pipeline/fanout_indirect", bench_fanout_indirect);
}
