#include "sl_pipeline.h"

#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sl_dedup.h"
#include "sl_idcache.h"
#include "sl_peers.h"
#include "sl_ring.h"
#include "sl_srcdrops.h"
#include "sl_txn.h"
#include "sl_verify.h"
#include "sluice/sl_pkt_sanity.h"

_Static_assert(SL_CFG_DEDUP_CAPACITY_MIN == SL_DEDUP_CAPACITY_MIN &&
		       SL_CFG_DEDUP_CAPACITY_MAX == SL_DEDUP_CAPACITY_MAX,
	       "the config admits exactly the capacities sl_dedup takes");
_Static_assert(SL_CFG_BATCH_MAX == SL_VERIFY_BATCH_MAX,
	       "the config admits exactly the batch sizes sl_verify takes");

#define SL_BURST_MAX   64   /* largest rx burst the stages take at once */
#define SL_TX_BUF      64   /* frames gathered before a tx burst */
#define SL_STEER_RING  4096 /* per worker */
#define SL_FANOUT_MAX  SL_PEERS_MAX

_Static_assert(SL_CFG_WORKERS_MAX <= SL_SRCDROPS_MERGE_MAX, "every worker's table is merged");

static int meta_offset = -1;

static inline sl_pkt_meta_t *meta_of(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, meta_offset, sl_pkt_meta_t *);
}

typedef struct sl_worker {
	sl_stats_t stats; /* first: cache-aligned, written only by this worker */
	/* The peer table of this turn (sl_pipeline_worker_poll, a burst with
	 * one worker, the drain), loaded once from *live at its start: a
	 * turn never sees two tables. Between turns the lcore is quiescent
	 * and holds no table: the batch keeps peer indexes, not pointers. */
	const sl_peers_t *cur;
	const sl_peers_t *const *live;
	sl_dedup_t *dedup;    /* tags of every transaction's bytes seen */
	sl_idcache_t *verified; /* ids of the transactions verified valid */
	sl_verifier_t *verifier;
	struct rte_ring *ring; /* from the rx stage; NULL with one worker */
	struct rte_ring *txr;  /* frames to the rx stage to send; NULL: send */
	struct rte_mempool *pool;
	uint16_t tx_port, tx_queue;
	unsigned batch_max;
	uint64_t batch_timeout; /* TSC ticks */
	double ns_per_tick;

	unsigned bn, ni;        /* transactions and signatures in the batch */
	uint64_t batch_t0;      /* arrival of the oldest one */
	struct rte_mbuf *bm[SL_VERIFY_BATCH_MAX];
	sl_txn_t bt[SL_VERIFY_BATCH_MAX];
	sl_verify_item_t items[SL_VERIFY_BATCH_MAX];
	uint8_t ok[SL_VERIFY_BATCH_MAX];

	unsigned tn;
	struct rte_mbuf *tx[SL_TX_BUF];

	/* ingest clients' parse and signature drops, IPv6 clients by their
	 * /ip6_prefix ([prefilter], as XDP counts them); last, out of the way
	 * of the fields every burst touches */
	unsigned ip6_prefix;
	sl_srcdrops_t srcdrops;
} SL_ALIGNED(SL_CACHE_LINE) sl_worker_t;

struct sl_pipeline {
	sl_stats_t rx_stats; /* the rx stage's counters */
	/* The peer table the fast path uses: loaded once per burst (acquire),
	 * replaced whole by sl_pipeline_publish_peers (release); the old one
	 * is reused only after an RCU grace period over the readers below. */
	const sl_peers_t *live;
	uint64_t key_seed; /* of the keys (random: nobody outside can aim them) */
	uint16_t tx_port, tx_queue; /* where the rx stage sends workers' frames */
	unsigned nworkers;
	sl_worker_t *w[SL_CFG_WORKERS_MAX];

	/* slow path: the readers' grace periods, the names for counters */
	struct rte_rcu_qsbr *qs;
	unsigned nreaders;
	rte_spinlock_t names_lock;
	sl_peer_names_t names; /* of *live, copied when it is published */
	sl_peers_t static_peers; /* the config's: the first *live */
};

/* ---- rx stage ----------------------------------------------------------- */

static const uint8_t layer_counter[5] = {
	[2] = SL_C_drop_l2, [3] = SL_C_drop_l3, [4] = SL_C_drop_l4,
};

/* Is the IPv6 datagram the view describes to this relay's ip6? Never when
 * the relay has none. Word compares, not
 * memcmp: a call anywhere in the rx loop makes the compiler keep the fast
 * path's values out of the registers a call clobbers (gcc spilled one
 * through a store-forwarding stall, and pipeline/dup_drop, all untagged
 * IPv4, took 6% longer). */
static inline bool for_my_ip6(const sl_peers_t *t, const sl_pkt_view_t *v)
{
	return t->has_ip6 && ((sl_pkt_rd_le64(v->dst6) ^ t->my_ip6[0]) |
			      (sl_pkt_rd_le64(v->dst6 + 8) ^ t->my_ip6[1])) == 0;
}

/* The final counter of a packet the rx stage rejects, or 0 to keep it and
 * fill *meta. */
static unsigned classify(const sl_pipeline_t *p, const sl_peers_t *t, struct rte_mbuf *m,
			 sl_pkt_meta_t *meta, sl_stats_t *st)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	if (SL_UNLIKELY(m->nb_segs != 1))
		return SL_C_drop_l2; /* a jumbo chain: no transaction is that big */
	sl_pkt_view_t v;
	/* Nearly every frame (IPv4 without options or IPv6 without extension
	 * headers, tagged or not) takes the fast check; the others pay for the
	 * rule-by-rule one, which names what is wrong. */
	if (SL_UNLIKELY(!sl_pkt_check_fast(d, rte_pktmbuf_data_len(m), &v))) {
		sl_pkt_verdict_t verdict = sl_pkt_check(d, rte_pktmbuf_data_len(m), &v);
		if (verdict != SL_PKT_OK)
			return layer_counter[sl_pkt_verdict_layer(verdict)];
	}
	if (SL_UNLIKELY(v.family == 6 ? !for_my_ip6(t, &v) : v.dst_ip != t->my_ip))
		return SL_C_drop_not_for_us;

	if (v.dst_port == t->ingest_port) {
		meta->src_peer = SL_PEER_NONE;
		meta->out_ttl = t->ttl;
		meta->txn_off = v.payload_off;
		meta->txn_len = v.payload_len;
		st->c[SL_C_ingest_txns]++;
	} else if (v.dst_port == t->gossip_port) {
		const uint8_t *g = d + v.payload_off;
		if (sl_gossip_check(g, v.payload_len) != SL_GOSSIP_OK)
			return SL_C_drop_gossip_hdr;
		unsigned peer = v.family == 4 ? sl_peers_find_relay(t, v.src_ip)
					      : sl_peers_find_relay6(t, v.src6);
		if (peer == SL_PEER_NONE)
			return SL_C_drop_unknown_peer;
		if (SL_UNLIKELY(!t->p[peer].up))
			return SL_C_drop_peer_down;
		if (!sl_peers_token_ok(&t->p[peer], sl_gossip_token(g)))
			return SL_C_drop_bad_token;
		st->peer[peer][SL_PC_frames_in]++;
		meta->src_peer = (uint8_t)peer;
		meta->out_ttl = (uint8_t)(g[6] - 1);
		meta->txn_off = (uint16_t)(v.payload_off + sizeof(struct sl_gossip_hdr));
		meta->txn_len = (uint16_t)(v.payload_len - sizeof(struct sl_gossip_hdr));
		st->c[SL_C_gossip_txns]++;
	} else {
		return SL_C_drop_not_for_us;
	}
	const uint8_t *txn = d + meta->txn_off;
	const uint8_t *id = sl_txn_id_peek(txn, meta->txn_len);
	meta->has_id = id != NULL;
	/* A constant length: the compiler inlines XXH3's 17-128 byte path.
	 * Without an id (bytes that cannot parse) any function of the bytes
	 * steers them consistently; their first 64 bytes are the cheapest. */
	meta->key = id ? XXH3_64bits_withSeed(id, SL_TXN_SIG_SZ, p->key_seed)
		       : XXH3_64bits_withSeed(txn, RTE_MIN(meta->txn_len, (uint16_t)SL_TXN_SIG_SZ),
					      p->key_seed);
	return 0;
}

/* The headers and the first signature: what the checks and the key read
 * (gossip: 42 + 16 + 1 + 64 bytes, at any offset within a line). Fetched a
 * couple of packets ahead, not the whole burst at once:
 * frames that start at the same offset in 4 KiB buffers (af_xdp's UMEM
 * frames, mbufs one per page) share L1 sets, and a burst's worth of them
 * evicts its own first packets before they are read. */
#define SL_PREFETCH_AHEAD 2u
static inline void prefetch_frame(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	rte_prefetch0(d);
	rte_prefetch0(d + RTE_CACHE_LINE_SIZE);
	rte_prefetch0(d + 2 * RTE_CACHE_LINE_SIZE - 1);
}

/* The rest of a transaction that the rx stage did not fetch, for the worker
 * that hashes all of it (up to 256 bytes more: most transactions). */
static inline void prefetch_txn(const struct rte_mbuf *m, const sl_pkt_meta_t *meta)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned end = RTE_MIN((unsigned)meta->txn_off + meta->txn_len, 6u * RTE_CACHE_LINE_SIZE);
	for (unsigned at = 2 * RTE_CACHE_LINE_SIZE; at < end; at += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(d + at);
}

/* A duplicate of a transaction verified valid, dropped by the rx stage. */
static void drop_verified_dup(sl_stats_t *st, struct rte_mbuf *m, const sl_pkt_meta_t *meta)
{
	st->c[SL_C_drop_duplicate]++;
	st->c[SL_C_dup_verified_id]++;
	if (meta->src_peer != SL_PEER_NONE)
		st->peer[meta->src_peer][SL_PC_duplicates]++;
	rte_pktmbuf_free(m);
}

/* Keeps the accepted packets of pkts[0..n) in pkts, in order, with what
 * was learned of each in meta[] (the mbufs' own fields are written only
 * when a packet goes on); returns how many.
 *
 * With `ids` (one worker: this lcore owns the id cache) it also drops the
 * duplicates of verified transactions, one packet behind the checks: the
 * bucket is prefetched when the key is known and read after the next
 * packet's checks, and the mbuf is freed while its lines are still in L1.
 * Freed a burst later, as the worker does, most of them would have to be
 * fetched again (in 4 KiB buffers only about eight of a burst's mbufs stay
 * in L1), and that refetch was about half of dup_drop's extra cost. */
static unsigned rx_stage(sl_pipeline_t *p, const sl_peers_t *t, struct rte_mbuf **pkts,
			 unsigned n, sl_pkt_meta_t *meta, const sl_idcache_t *ids)
{
	sl_stats_t *st = &p->rx_stats;
	unsigned kept = 0;
	int pending = -1; /* kept slot whose id is still to be looked up */
	for (unsigned i = 0; i < RTE_MIN(n, 2 * SL_PREFETCH_AHEAD); i++)
		rte_prefetch0(pkts[i]);
	for (unsigned i = 0; i < RTE_MIN(n, SL_PREFETCH_AHEAD); i++)
		prefetch_frame(pkts[i]);
	uint64_t bytes = 0;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		/* The frame's address is in its mbuf: fetch that line earlier
		 * still, or the frame's prefetch waits for it. */
		if (i + 2 * SL_PREFETCH_AHEAD < n)
			rte_prefetch0(pkts[i + 2 * SL_PREFETCH_AHEAD]);
		if (i + SL_PREFETCH_AHEAD < n)
			prefetch_frame(pkts[i + SL_PREFETCH_AHEAD]);
		bytes += rte_pktmbuf_pkt_len(m);
		unsigned drop = classify(p, t, m, &meta[kept], st);
		if (SL_UNLIKELY(drop)) {
			st->c[drop]++;
			rte_pktmbuf_free(m);
			continue;
		}
		pkts[kept] = m;
		if (ids && meta[kept].has_id)
			sl_idcache_prefetch(ids, meta[kept].key);
		if (pending >= 0 && sl_idcache_contains(ids, meta[pending].key)) {
			drop_verified_dup(st, pkts[pending], &meta[pending]);
			pkts[pending] = m; /* the one just kept moves down */
			meta[pending] = meta[kept];
			kept = (unsigned)pending;
		}
		pending = ids && meta[kept].has_id ? (int)kept : -1;
		kept++;
	}
	if (pending >= 0 && sl_idcache_contains(ids, meta[pending].key)) {
		drop_verified_dup(st, pkts[pending], &meta[pending]);
		kept--;
	}
	st->c[SL_C_rx_packets] += n;
	st->c[SL_C_rx_bytes] += bytes;
	return kept;
}

/* ---- worker: fanout and tx ---------------------------------------------- */

/* Send frames[0..n) (n <= SL_TX_BUF) on a queue; count what went, free and
 * count the rest. What a frame's counters need is read before the burst:
 * a sent mbuf belongs to the PMD, which may free it at once. */
static void tx_send(sl_stats_t *st, uint16_t port, uint16_t queue, struct rte_mbuf **frames,
		    unsigned n)
{
	uint8_t to[SL_TX_BUF];
	uint16_t len[SL_TX_BUF];
	for (unsigned i = 0; i < n; i++) {
		to[i] = meta_of(frames[i])->dst_peer;
		len[i] = rte_pktmbuf_data_len(frames[i]);
	}
	uint16_t sent = rte_eth_tx_burst(port, queue, frames, (uint16_t)n);
	for (unsigned i = 0; i < sent; i++) {
		st->peer[to[i]][SL_PC_frames_out]++;
		st->c[SL_C_tx_bytes] += len[i];
	}
	st->c[SL_C_tx_frames] += sent;
	for (unsigned i = sent; i < n; i++)
		rte_pktmbuf_free(frames[i]);
	st->c[SL_C_tx_dropped] += n - sent;
}

static void tx_flush(sl_worker_t *w)
{
	if (!w->tn)
		return;
	if (!w->txr) {
		tx_send(&w->stats, w->tx_port, w->tx_queue, w->tx, w->tn);
	} else {
		unsigned q = sl_ring_put_burst(w->txr, w->tx, w->tn);
		for (unsigned i = q; i < w->tn; i++)
			rte_pktmbuf_free(w->tx[i]);
		w->stats.c[SL_C_tx_dropped] += w->tn - q;
	}
	w->tn = 0;
}

static void fanout(sl_worker_t *w, struct rte_mbuf *m)
{
	const sl_pkt_meta_t *meta = meta_of(m);
	const sl_peers_t *t = w->cur;
	const uint8_t *txn = rte_pktmbuf_mtod(m, const uint8_t *) + meta->txn_off;
	uint8_t to[SL_FANOUT_MAX];
	unsigned nto = 0;
	for (unsigned k = 0; k < t->nfan; k++) {
		unsigned i = t->fan[k];
		if (i == meta->src_peer)
			continue;
		if (t->p[i].kind == SL_PEER_RELAY && meta->out_ttl == 0)
			continue;
		to[nto++] = (uint8_t)i;
	}
	if (meta->out_ttl == 0)
		w->stats.c[SL_C_fanout_ttl_expired]++;
	if (!nto)
		return;

	struct rte_mbuf *out[SL_FANOUT_MAX];
	if (SL_UNLIKELY(rte_pktmbuf_alloc_bulk(w->pool, out, nto) != 0)) {
		w->stats.c[SL_C_tx_nombuf] += nto;
		w->stats.c[SL_C_tx_dropped] += nto;
		return;
	}
	for (unsigned k = 0; k < nto; k++) {
		const sl_peer_fast_t *peer = &t->p[to[k]];
		uint16_t len = sl_peers_frame_len(peer, meta->txn_len);
		struct rte_mbuf *f = out[k];
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(f, len);
		sl_peers_write_frame(peer, d, txn, meta->txn_len, meta->out_ttl);
		meta_of(f)->dst_peer = to[k];
		if (w->tn == SL_TX_BUF)
			tx_flush(w);
		w->tx[w->tn++] = f;
	}
}

/* ---- worker: verify batch ----------------------------------------------- */

/* The dedup gauges (window, fill), refreshed at each batch and whenever rx
 * idles: never per packet. */
static void publish_window(sl_worker_t *w, uint64_t now)
{
	w->stats.dedup_window_ns = (uint64_t)((double)sl_dedup_window(w->dedup, now) * w->ns_per_tick);
	w->stats.dedup_fill = sl_dedup_count(w->dedup);
}

/* A transaction that failed to parse or verify: against its relay peer, or,
 * from the ingest port, against the client's address, an IPv6 client's
 * masked to its /ip6_prefix (the frame's headers were just read with the
 * transaction, so they are still in cache). */
static void count_bad_source(sl_worker_t *w, struct rte_mbuf *m, unsigned src_peer,
			     enum sl_peer_counter peer_counter, enum sl_src_class src_class)
{
	uint8_t src[16];
	if (src_peer != SL_PEER_NONE) {
		w->stats.peer[src_peer][peer_counter]++;
		return;
	}
	sl_srcaddr_t a;
	switch (sl_pkt_src_addr(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), src)) {
	case 4:
		a = sl_srcaddr_from_v4(sl_pkt_rd_le32(src));
		break;
	case 6:
		a = sl_srcaddr_from_v6(src, w->ip6_prefix);
		break;
	default: /* not IP: the rx stage lets no such frame through */
		return;
	}
	sl_srcdrops_count(&w->srcdrops, &a, src_class);
}

static void flush_batch(sl_worker_t *w, uint64_t now)
{
	if (!w->bn)
		return;
	sl_stats_t *st = &w->stats;
	sl_verify_batch(w->verifier, w->items, w->ni, w->ok);
	st->c[SL_C_verify_batches]++;
	st->c[SL_C_verify_sigs] += w->ni;
	st->c[SL_C_verify_singles] = sl_verifier_singles(w->verifier); /* this worker's, cumulative */
	unsigned item = 0;
	for (unsigned i = 0; i < w->bn; i++) {
		struct rte_mbuf *m = w->bm[i];
		unsigned nsig = w->bt[i].nsig, good = 1;
		for (unsigned k = 0; k < nsig; k++)
			good &= w->ok[item + k];
		item += nsig;
		unsigned src = meta_of(m)->src_peer;
		if (good) {
			/* parsed, so it has an id (sl_txn_id_peek) */
			sl_idcache_insert(w->verified, meta_of(m)->key);
			st->c[SL_C_forwarded_txns]++;
			if (src != SL_PEER_NONE)
				st->peer[src][SL_PC_first_deliveries]++;
			fanout(w, m);
		} else {
			st->c[SL_C_drop_invalid_sig]++;
			count_bad_source(w, m, src, SL_PC_invalid, SL_SRC_invalid_sig);
		}
		rte_pktmbuf_free(m);
	}
	w->bn = w->ni = 0;
	tx_flush(w);
	publish_window(w, now);
}

static void batch_add(sl_worker_t *w, struct rte_mbuf *m, const sl_txn_t *t, uint64_t now)
{
	if (w->ni + t->nsig > SL_VERIFY_BATCH_MAX)
		flush_batch(w, now);
	if (!w->bn)
		w->batch_t0 = now;
	const uint8_t *txn = rte_pktmbuf_mtod(m, const uint8_t *) + meta_of(m)->txn_off;
	w->ni += sl_verify_txn_items(txn, t, &w->items[w->ni]);
	w->bt[w->bn] = *t;
	w->bm[w->bn++] = m;
	if (w->bn == w->batch_max)
		flush_batch(w, now);
}

/* Dedup runs before the parser, in two steps. A transaction whose id (first
 * signature) is that of one already verified valid is a duplicate whatever
 * its other bytes: a signature binds its message, so the rest can only be
 * the same transaction or an invalid one, and the ledger admits one
 * transaction per id either way. That check needs only the 64 bytes the rx
 * stage read; it is how most duplicates go. Everything else is looked up
 * by a tag of all its bytes (ARCHITECTURE.md, "Dedup"): identical bytes
 * always parse and verify alike, so a copy of bytes already seen needs no
 * second parse, and garbage sent first under a real transaction's id
 * suppresses nothing but itself. The byte cache also remembers bytes that
 * failed to parse, so a repeated malformed datagram counts once as
 * drop_parse_<reason>, then as drop_duplicate. */
static void worker_admit(sl_worker_t *w, struct rte_mbuf **pkts, const sl_pkt_meta_t *meta,
			 unsigned n, uint64_t now, bool ids_checked)
{
	sl_stats_t *st = &w->stats;
	uint64_t tags[SL_BURST_MAX] = {0}; /* gcc cannot see that n <= SL_BURST_MAX */
	uint8_t dup[SL_BURST_MAX], is_new[SL_BURST_MAX], rest[SL_BURST_MAX];
	if (!n)
		return;
	if (ids_checked) {
		memset(dup, 0, n);
	} else {
		uint64_t keys[SL_BURST_MAX] = {0};
		for (unsigned i = 0; i < n; i++)
			keys[i] = meta[i].key;
		sl_idcache_lookup_burst(w->verified, keys, n, dup);
	}
	unsigned by_id = 0, nrest = 0;
	for (unsigned i = 0; i < n; i++) {
		dup[i] &= meta[i].has_id;
		by_id += dup[i];
		if (!dup[i])
			rest[nrest++] = (uint8_t)i;
	}
	for (unsigned k = 0; k < RTE_MIN(nrest, SL_PREFETCH_AHEAD); k++)
		prefetch_txn(pkts[rest[k]], &meta[rest[k]]);
	for (unsigned k = 0; k < nrest; k++) {
		unsigned i = rest[k];
		if (k + SL_PREFETCH_AHEAD < nrest)
			prefetch_txn(pkts[rest[k + SL_PREFETCH_AHEAD]], &meta[rest[k + SL_PREFETCH_AHEAD]]);
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *) + meta[i].txn_off;
		tags[k] = sl_dedup_tag(w->dedup, d, meta[i].txn_len);
	}
	unsigned fresh = sl_dedup_insert_burst(w->dedup, tags, nrest, now, is_new);
	for (unsigned k = 0; k < nrest; k++)
		dup[rest[k]] = !is_new[k];
	st->c[SL_C_drop_duplicate] += n - fresh;
	st->c[SL_C_dup_verified_id] += by_id;
	/* Duplicates are freed last packet first: the rx stage has just read
	 * the last ones' mbufs, which are still in L1 (in 4 KiB-aligned
	 * buffers only about eight of a burst's mbufs are). */
	for (unsigned i = n; i-- > 0;) {
		if (!dup[i])
			continue;
		unsigned src = meta[i].src_peer;
		if (src != SL_PEER_NONE)
			st->peer[src][SL_PC_duplicates]++;
		rte_pktmbuf_free(pkts[i]);
	}
	for (unsigned k = 0; k < nrest; k++) {
		if (!is_new[k])
			continue;
		unsigned i = rest[k];
		struct rte_mbuf *m = pkts[i];
		unsigned src = meta[i].src_peer;
		sl_txn_t txn;
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *) + meta[i].txn_off;
		sl_txn_err_t err = sl_txn_parse(d, meta[i].txn_len, &txn);
		if (SL_UNLIKELY(err != SL_TXN_OK)) {
			st->c[SL_C_PARSE_BASE + err]++;
			count_bad_source(w, m, src, SL_PC_malformed, SL_SRC_malformed);
			rte_pktmbuf_free(m);
			continue;
		}
		st->c[SL_C_parsed_txns]++;
		st->c[SL_C_unique_txns]++;
		*meta_of(m) = meta[i]; /* for the batch and the fanout */
		batch_add(w, m, &txn, now);
	}
}

/* Packets steered through a ring carry their meta in the mbuf. */
static void worker_admit_ring(sl_worker_t *w, struct rte_mbuf **pkts, unsigned n, uint64_t now)
{
	sl_pkt_meta_t meta[SL_BURST_MAX];
	for (unsigned at = 0; at < n; at += SL_BURST_MAX) {
		unsigned k = RTE_MIN(n - at, (unsigned)SL_BURST_MAX);
		for (unsigned i = 0; i < k; i++)
			meta[i] = *meta_of(pkts[at + i]);
		worker_admit(w, pkts + at, meta, k, now, false);
	}
}

/* ---- the pipeline ------------------------------------------------------- */

/* High key bits pick the shard; the caches index with the low ones. Keyed
 * by id, so every transaction with one id meets the same verified set, and
 * identical bytes the same byte cache. */
static inline unsigned shard_of(uint64_t key, unsigned n)
{
	return (unsigned)(((key >> 32) * n) >> 32);
}

static void steer(sl_pipeline_t *p, struct rte_mbuf **pkts, const sl_pkt_meta_t *meta,
		  unsigned n)
{
	struct rte_mbuf *by[SL_CFG_WORKERS_MAX][SL_BURST_MAX];
	unsigned cnt[SL_CFG_WORKERS_MAX] = {0};
	for (unsigned i = 0; i < n; i++) {
		unsigned s = shard_of(meta[i].key, p->nworkers);
		*meta_of(pkts[i]) = meta[i];
		by[s][cnt[s]++] = pkts[i];
	}
	for (unsigned s = 0; s < p->nworkers; s++) {
		if (!cnt[s])
			continue;
		unsigned q = sl_ring_put_burst(p->w[s]->ring, by[s], cnt[s]);
		for (unsigned i = q; i < cnt[s]; i++)
			rte_pktmbuf_free(by[s][i]);
		p->rx_stats.c[SL_C_drop_steer_full] += cnt[s] - q;
	}
}

static inline const sl_peers_t *live_peers(const sl_peers_t *const *live)
{
	return __atomic_load_n(live, __ATOMIC_ACQUIRE);
}

void sl_pipeline_process_burst(sl_pipeline_t *p, struct rte_mbuf **pkts, unsigned n,
			       uint64_t now_tsc)
{
	/* one table for the whole burst, and for worker 0's part of it */
	const sl_peers_t *t = live_peers(&p->live);
	if (p->nworkers == 1)
		p->w[0]->cur = t;
	for (unsigned at = 0; at < n; at += SL_BURST_MAX) {
		unsigned k = RTE_MIN(n - at, (unsigned)SL_BURST_MAX);
		sl_pkt_meta_t meta[SL_BURST_MAX];
		/* one worker: this lcore owns its id cache */
		const sl_idcache_t *ids = p->nworkers == 1 ? p->w[0]->verified : NULL;
		unsigned kept = rx_stage(p, t, pkts + at, k, meta, ids);
		if (ids)
			worker_admit(p->w[0], pkts + at, meta, kept, now_tsc, true);
		else
			steer(p, pkts + at, meta, kept);
	}
}

unsigned sl_pipeline_worker_poll(sl_pipeline_t *p, unsigned i, uint64_t now_tsc, bool rx_idle)
{
	sl_worker_t *w = p->w[i];
	unsigned n = 0;
	w->cur = live_peers(w->live);
	if (w->ring) {
		struct rte_mbuf *pkts[SL_BURST_MAX];
		n = sl_ring_get_burst(w->ring, pkts, SL_BURST_MAX);
		worker_admit_ring(w, pkts, n, now_tsc);
		rx_idle = rx_idle || n == 0;
	}
	if (w->bn && (rx_idle || now_tsc - w->batch_t0 >= w->batch_timeout))
		flush_batch(w, now_tsc);
	else if (rx_idle)
		publish_window(w, now_tsc);
	return n;
}

unsigned sl_pipeline_tx_poll(sl_pipeline_t *p)
{
	unsigned total = 0;
	for (unsigned i = 0; i < p->nworkers; i++) {
		struct rte_ring *r = p->w[i]->txr;
		struct rte_mbuf *frames[SL_TX_BUF];
		unsigned n;
		while (r && (n = sl_ring_get_burst(r, frames, SL_TX_BUF))) {
			tx_send(&p->rx_stats, p->tx_port, p->tx_queue, frames, n);
			total += n;
		}
	}
	return total;
}

void sl_pipeline_worker_drain(sl_pipeline_t *p, unsigned i)
{
	sl_worker_t *w = p->w[i];
	w->cur = live_peers(w->live);
	if (w->ring) {
		struct rte_mbuf *pkts[SL_BURST_MAX];
		unsigned n;
		while ((n = sl_ring_get_burst(w->ring, pkts, SL_BURST_MAX)))
			worker_admit_ring(w, pkts, n, rte_rdtsc());
	}
	flush_batch(w, rte_rdtsc());
	tx_flush(w);
}

unsigned sl_pipeline_workers(const sl_pipeline_t *p)
{
	return p->nworkers;
}

void sl_pipeline_stage_stats(const sl_pipeline_t *p, sl_stats_t *out)
{
	const sl_stats_t *parts[1 + SL_CFG_WORKERS_MAX];
	parts[0] = &p->rx_stats;
	for (unsigned i = 0; i < p->nworkers; i++)
		parts[1 + i] = &p->w[i]->stats;
	sl_stats_sum(parts, 1 + p->nworkers, out);
}

void sl_pipeline_stats(const sl_pipeline_t *p, sl_stats_t *out)
{
	sl_pipeline_stage_stats(p, out);
	/* Frames the port lost before the rx burst saw them (e.g. the XSK rx
	 * ring full under overload) are invisible to the stages; the port
	 * counts them. A slow-path read (af_xdp asks the kernel). */
	struct rte_eth_stats es;
	if (rte_eth_stats_get(p->tx_port, &es) == 0)
		sl_stats_set_port_losses(out, &es);
}

unsigned sl_pipeline_srcdrops(const sl_pipeline_t *p,
			      const sl_srcdrops_t *tables[SL_CFG_WORKERS_MAX])
{
	for (unsigned i = 0; i < p->nworkers; i++)
		tables[i] = &p->w[i]->srcdrops;
	return p->nworkers;
}

void sl_pipeline_sources(const sl_pipeline_t *p, unsigned max, sl_srcdrops_top_t *top)
{
	const sl_srcdrops_t *tables[SL_CFG_WORKERS_MAX];
	sl_srcdrops_top(tables, sl_pipeline_srcdrops(p, tables), max, top);
}

/* ---- the peer table: publication and grace periods ---------------------- */

const sl_peers_t *sl_pipeline_peers(const sl_pipeline_t *p)
{
	return live_peers(&p->live);
}

const sl_peers_t *sl_pipeline_static_peers(const sl_pipeline_t *p)
{
	return &p->static_peers;
}

const sl_peers_t *sl_pipeline_publish_peers(sl_pipeline_t *p, const sl_peers_t *t)
{
	rte_spinlock_lock(&p->names_lock);
	p->names = t->names;
	const sl_peers_t *old = __atomic_exchange_n(&p->live, t, __ATOMIC_ACQ_REL);
	rte_spinlock_unlock(&p->names_lock);
	return old;
}

uint64_t sl_pipeline_grace_start(sl_pipeline_t *p)
{
	return rte_rcu_qsbr_start(p->qs);
}

bool sl_pipeline_grace_done(sl_pipeline_t *p, uint64_t token, bool wait)
{
	return rte_rcu_qsbr_check(p->qs, token, wait) == 1;
}

void sl_pipeline_peer_names(const sl_pipeline_t *p, sl_peer_names_t *out)
{
	/* the lock is not part of what const promises (the counters' readers
	 * hold a const pipeline) */
	rte_spinlock_t *lock = (rte_spinlock_t *)&p->names_lock;
	rte_spinlock_lock(lock);
	*out = p->names;
	rte_spinlock_unlock(lock);
}

unsigned sl_pipeline_readers(const sl_pipeline_t *p)
{
	return p->nreaders;
}

unsigned sl_pipeline_worker_reader(const sl_pipeline_t *p, unsigned i)
{
	return p->nworkers == 1 ? 0 : 1 + i;
}

void sl_pipeline_reader_online(sl_pipeline_t *p, unsigned reader)
{
	rte_rcu_qsbr_thread_online(p->qs, reader);
}

void sl_pipeline_reader_offline(sl_pipeline_t *p, unsigned reader)
{
	rte_rcu_qsbr_thread_offline(p->qs, reader);
}

void sl_pipeline_quiescent(sl_pipeline_t *p, unsigned reader)
{
	rte_rcu_qsbr_quiescent(p->qs, reader);
}

static sl_worker_t *worker_create(const sl_pipeline_t *p, const struct sl_pipeline_conf *c,
				  unsigned i, uint32_t srcdrops_key)
{
	const sl_config_t *cfg = c->cfg;
	sl_worker_t *w = rte_zmalloc_socket("sl_worker", sizeof(*w), SL_CACHE_LINE, c->socket);
	if (!w)
		return NULL;
	w->live = &p->live;
	w->cur = p->live;
	sl_srcdrops_init(&w->srcdrops, srcdrops_key);
	w->ip6_prefix = cfg->prefilter.ip6_prefix;
	w->pool = c->pool;
	w->tx_port = c->tx_port;
	w->tx_queue = (uint16_t)(c->tx_queue_base + i);
	bool tx_back = cfg->workers > 1 && c->tx_queues && c->tx_queues < cfg->workers;
	w->batch_max = cfg->batch_size;
	w->batch_timeout = rte_get_tsc_hz() * cfg->batch_timeout_us / 1000000;
	w->ns_per_tick = 1e9 / (double)rte_get_tsc_hz();
	uint64_t cap = cfg->dedup_capacity / cfg->workers;
	cap = cap < SL_DEDUP_CAPACITY_MIN ? SL_DEDUP_CAPACITY_MIN : cap;
	w->dedup = sl_dedup_create(cap);
	w->verified = sl_idcache_create(cap);
	w->verifier = sl_verifier_create(cfg->verify_backend);
	if (cfg->workers > 1) {
		char name[RTE_RING_NAMESIZE];
		snprintf(name, sizeof(name), "sl_rx_%p_%u", (const void *)p, i);
		w->ring = rte_ring_create(name, SL_STEER_RING, c->socket,
					  RING_F_SP_ENQ | RING_F_SC_DEQ);
	}
	if (tx_back) {
		char name[RTE_RING_NAMESIZE];
		snprintf(name, sizeof(name), "sl_tx_%p_%u", (const void *)p, i);
		w->txr = rte_ring_create(name, SL_STEER_RING, c->socket,
					 RING_F_SP_ENQ | RING_F_SC_DEQ);
	}
	if (!w->dedup || !w->verified || !w->verifier || (cfg->workers > 1 && !w->ring) ||
	    (tx_back && !w->txr)) {
		fprintf(stderr, "sluice: worker %u: cannot create its %s\n", i,
			!w->dedup || !w->verified ? "dedup caches" : !w->verifier ? "verifier" : "rings");
		sl_dedup_destroy(w->dedup);
		sl_idcache_destroy(w->verified);
		if (w->verifier)
			sl_verifier_destroy(w->verifier);
		rte_ring_free(w->ring);
		rte_ring_free(w->txr);
		rte_free(w);
		return NULL;
	}
	return w;
}

sl_pipeline_t *sl_pipeline_create(const struct sl_pipeline_conf *c)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "sluice_pkt_meta",
		.size = sizeof(sl_pkt_meta_t),
		.align = __alignof__(sl_pkt_meta_t),
	};
	meta_offset = rte_mbuf_dynfield_register(&desc);
	if (meta_offset < 0) {
		fprintf(stderr, "sluice: cannot register the mbuf field: %s\n",
			rte_strerror(rte_errno));
		return NULL;
	}
	sl_pipeline_t *p = rte_zmalloc_socket("sl_pipeline", sizeof(*p), SL_CACHE_LINE, c->socket);
	if (!p)
		return NULL;
	sl_peers_build(&p->static_peers, c->cfg, c->my_mac, c->peer_macs);
	p->live = &p->static_peers;
	p->names = p->static_peers.names;
	rte_spinlock_init(&p->names_lock);
	/* Readers of *live: the rx lcore (with one worker, the whole
	 * pipeline), then each worker's when there are several. They start
	 * offline: a thread that runs the pipeline comes online itself. */
	p->nreaders = c->cfg->workers == 1 ? 1 : 1 + c->cfg->workers;
	size_t qs_sz = rte_rcu_qsbr_get_memsize(p->nreaders);
	p->qs = rte_zmalloc_socket("sl_peers_rcu", qs_sz, RTE_CACHE_LINE_SIZE, c->socket);
	if (!p->qs || rte_rcu_qsbr_init(p->qs, p->nreaders) != 0) {
		fprintf(stderr, "sluice: cannot set up the peer table's RCU\n");
		sl_pipeline_destroy(p);
		return NULL;
	}
	for (unsigned r = 0; r < p->nreaders; r++)
		rte_rcu_qsbr_thread_register(p->qs, r);
	p->tx_port = c->tx_port;
	p->tx_queue = c->tx_queue_base;
	/* one key for every worker: sl_srcdrops_top merges set by set */
	uint32_t srcdrops_key = (uint32_t)rte_rand();
	p->key_seed = rte_rand();
	for (unsigned i = 0; i < c->cfg->workers; i++) {
		p->w[i] = worker_create(p, c, i, srcdrops_key);
		if (!p->w[i]) {
			sl_pipeline_destroy(p);
			return NULL;
		}
		p->nworkers++;
	}
	return p;
}

void sl_pipeline_destroy(sl_pipeline_t *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->nworkers; i++) {
		sl_worker_t *w = p->w[i];
		struct rte_mbuf *m;
		while (w->ring && sl_ring_get_burst(w->ring, &m, 1) == 1)
			rte_pktmbuf_free(m);
		while (w->txr && sl_ring_get_burst(w->txr, &m, 1) == 1)
			rte_pktmbuf_free(m);
		for (unsigned k = 0; k < w->bn; k++)
			rte_pktmbuf_free(w->bm[k]);
		for (unsigned k = 0; k < w->tn; k++)
			rte_pktmbuf_free(w->tx[k]);
		rte_ring_free(w->ring);
		rte_ring_free(w->txr);
		sl_verifier_destroy(w->verifier);
		sl_dedup_destroy(w->dedup);
		sl_idcache_destroy(w->verified);
		rte_free(w);
	}
	rte_free(p->qs);
	rte_free(p);
}
