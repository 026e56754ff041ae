/* sl_pipeline: the per-burst fast path of sluice-dp, as library code that
 * sluice-dp, the benchmarks and the tests drive in-process (ARCHITECTURE.md,
 * "The path of a packet").
 *
 *   rx stage (one lcore):  L2/L3/L4 sanity -> ingest datagram or gossip frame
 *                          (magic, version, TTL, peer, token) -> key (of the
 *                          transaction's id, its first signature) -> with
 *                          one worker: drop duplicates of transactions
 *                          verified valid, hand the rest over directly;
 *                          with several: steer by key (rte_ring)
 *   worker (one per shard): dedup (its own shard, single writer): the id of
 *                          a transaction already verified valid is a
 *                          duplicate; else the bytes are looked up -> parse
 *                          (only what is new: same bytes, same verdict)
 *                          -> batch verify (flush when batch_size is reached,
 *                          when the oldest waits batch_timeout_us, or when rx
 *                          is idle) -> fanout, one frame per peer but the
 *                          sender -> tx burst on the worker's own tx queue
 *                          (or, with fewer tx queues than workers -- one
 *                          af_xdp queue -- back to the rx stage through an
 *                          SPSC ring, and the rx stage sends them)
 *
 * Contract: every packet handed to sl_pipeline_process_burst() is owned by
 * the pipeline from then on and ends in exactly one final counter --
 * forwarded_txns or one drop_* -- and is freed; frames that cannot be sent
 * are freed and counted in tx_dropped. Transactions with one id (so
 * identical ones too) always reach the same shard. Nothing is allocated after sl_pipeline_create(); per
 * packet there are no syscalls, locks or atomics (the steering rings are
 * single-producer single-consumer). Counters are per stage instance.
 *
 * The peer table (sl_peers_t) is read through one pointer, loaded once per
 * burst / worker turn (acquire) and replaced whole by the table thread
 * (sl_tables; sl_pipeline_publish_peers, release). A table is reused only
 * after an RCU grace period (rte_rcu_qsbr) over the pipeline's readers: a
 * thread that runs pipeline calls is a reader; it comes online, reports
 * sl_pipeline_quiescent() between calls (once per loop iteration: it then
 * holds no table), and goes offline when it stops. A reader left offline
 * (tests and benchmarks on one thread) is not waited for. */
#ifndef SL_PIPELINE_H
#define SL_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "sl_config.h"
#include "sl_peers.h"
#include "sl_srcdrops.h"
#include "sl_stats.h"

/* What the rx stage learned about a packet, kept in an mbuf dynamic field
 * for the worker. */
typedef struct sl_pkt_meta {
	uint64_t key;      /* steering key: keyed tag of the transaction id (its
			    * first signature) or, when it has none, of its
			    * first 64 bytes */
	uint16_t txn_off;  /* from the start of the frame */
	uint16_t txn_len;
	uint8_t src_peer;  /* peer index (sl_peers.h), SL_PEER_NONE for ingest */
	uint8_t out_ttl;   /* TTL of the gossip frames it would cause */
	uint8_t dst_peer;  /* of a fanout frame: the peer it goes to */
	uint8_t has_id;    /* the key is of a first signature (sl_txn_id_peek) */
} sl_pkt_meta_t;

typedef struct sl_pipeline sl_pipeline_t;

struct sl_pipeline_conf {
	const sl_config_t *cfg;        /* validated; workers, batch, dedup, peers */
	const uint8_t *my_mac;         /* source MAC of the frames we send */
	const uint8_t (*peer_macs)[6]; /* next hop of config peer i */
	uint16_t tx_port;
	uint16_t tx_queue_base;        /* worker i sends on tx_queue_base + i ... */
	uint16_t tx_queues;            /* ... when there are that many (0: as many as
					* workers); otherwise workers pass their
					* frames to the rx stage, which sends them
					* on tx_queue_base (sl_pipeline_tx_poll) */
	struct rte_mempool *pool;      /* for fanout frames */
	int socket;
};

/* NULL (after printing why to stderr) when memory, the verifier or the mbuf
 * dynamic field cannot be had. */
sl_pipeline_t *sl_pipeline_create(const struct sl_pipeline_conf *c);
/* Frees what the pipeline still holds (call sl_pipeline_drain first to send it). */
void sl_pipeline_destroy(sl_pipeline_t *p);

/* rx stage: take a burst. With one worker it also runs the worker's part. */
void sl_pipeline_process_burst(sl_pipeline_t *p, struct rte_mbuf **pkts, unsigned n,
			       uint64_t now_tsc);

/* Worker i's turn: take what the rx stage steered to it (several workers),
 * then flush the verify batch if it is due; `rx_idle` says the rx side found
 * nothing, so waiting longer cannot fill the batch. Returns the packets
 * taken from the ring. Called by worker i's lcore only. */
unsigned sl_pipeline_worker_poll(sl_pipeline_t *p, unsigned i, uint64_t now_tsc, bool rx_idle);

/* rx stage, when workers pass frames back (see tx_queues): send what they
 * passed. Returns the frames taken. */
unsigned sl_pipeline_tx_poll(sl_pipeline_t *p);

/* Shutdown, after the rx stage has stopped: worker i takes everything still
 * in its ring, verifies and sends its batch, and flushes its tx buffer. */
void sl_pipeline_worker_drain(sl_pipeline_t *p, unsigned i);

unsigned sl_pipeline_workers(const sl_pipeline_t *p);

/* The counters of every stage instance, summed, with the port's own losses
 * (safe from any thread; asks the port: slow path). */
void sl_pipeline_stats(const sl_pipeline_t *p, sl_stats_t *out);
/* The same without the port's losses: no syscall. */
void sl_pipeline_stage_stats(const sl_pipeline_t *p, sl_stats_t *out);

/* The (at most) max ingest clients (IPv4 addresses, IPv6 /ip6_prefix
 * prefixes: sl_srcaddr) with the most parse and signature drops, summed
 * over the workers (safe from any thread; walks every worker's
 * table: slow path). */
void sl_pipeline_sources(const sl_pipeline_t *p, unsigned max, sl_srcdrops_top_t *top);

/* The workers' per-source tables (read them from any thread with the
 * sl_srcdrops readers); returns how many. They live as long as p. */
unsigned sl_pipeline_srcdrops(const sl_pipeline_t *p,
			      const sl_srcdrops_t *tables[SL_CFG_WORKERS_MAX]);

/* ---- the peer table (the table thread's side; slow path) ---- */

/* The table published last (acquire): what a burst starting now uses. An
 * online reader may use it until its next sl_pipeline_quiescent(). */
const sl_peers_t *sl_pipeline_peers(const sl_pipeline_t *p);

/* The table built from the config at create: the first one published, and
 * the static part every later one copies. Never changes. */
const sl_peers_t *sl_pipeline_static_peers(const sl_pipeline_t *p);

/* Makes t the table of every burst that starts from now on (release) and
 * returns the one it replaces. Readers may still hold the old one: reuse it
 * only once sl_pipeline_grace_done() says so for a sl_pipeline_grace_start()
 * token taken after this call. t must stay unchanged while published. */
const sl_peers_t *sl_pipeline_publish_peers(sl_pipeline_t *p, const sl_peers_t *t);
uint64_t sl_pipeline_grace_start(sl_pipeline_t *p);
/* Every online reader has been quiescent since `token` was taken; with
 * `wait`, spins until so (offline readers are not waited for). */
bool sl_pipeline_grace_done(sl_pipeline_t *p, uint64_t token, bool wait);

/* The names of the peers of the table published last, by index: what the
 * counters are shown under (telemetry, shutdown). */
void sl_pipeline_peer_names(const sl_pipeline_t *p, sl_peer_names_t *out);

/* Readers: 0 is the rx lcore's (with one worker, the whole pipeline's);
 * with several workers, worker i's is sl_pipeline_worker_reader(p, i). Each
 * is called by its own thread only. */
unsigned sl_pipeline_readers(const sl_pipeline_t *p);
unsigned sl_pipeline_worker_reader(const sl_pipeline_t *p, unsigned i);
void sl_pipeline_reader_online(sl_pipeline_t *p, unsigned reader);
void sl_pipeline_reader_offline(sl_pipeline_t *p, unsigned reader);
void sl_pipeline_quiescent(sl_pipeline_t *p, unsigned reader);

#endif
