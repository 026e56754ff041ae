/* sl_stats: the dataplane's counters (dataplane/README.md "Counters").
 *
 * Contract: one sl_stats_t per stage instance (the rx stage, each worker),
 * written only by the lcore that owns it with plain increments -- no atomics
 * on the fast path. Readers (telemetry thread, shutdown) sum the instances
 * with sl_stats_sum(); a 64-bit aligned load never tears on the targets we
 * build for, so a live sum is at worst a few packets behind. Every packet
 * taken in ends in exactly one final bucket: forwarded_txns or one drop_*
 * counter; sl_stats_drops() sums the latter. */
#ifndef SL_STATS_H
#define SL_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "sl_autoblock.h"
#include "sl_config.h"
#include "sl_peers.h"
#include "sl_prefilter.h"
#include "sl_srcdrops.h"
#include "sl_txn.h"
#include "sluice/sl_compiler.h"

/* Stage counters and every drop reason but the parser's (added below). */
#define SL_COUNTERS(X)                                                         \
	X(rx_packets)         /* frames taken from the port */                    \
	X(rx_bytes)                                                                \
	X(rx_missed)          /* port: lost before rx (ring full), not in rx_packets */ \
	X(rx_nombuf)          /* port: lost before rx for want of an mbuf */      \
	X(rx_errors)          /* port: bad frames the port itself dropped */      \
	X(drop_l2)            /* not an untagged IPv4 Ethernet frame */            \
	X(drop_l3)            /* IPv4 header rules */                              \
	X(drop_l4)            /* not UDP, or UDP length rules */                   \
	X(drop_not_for_us)    /* wrong destination address or port */              \
	X(drop_gossip_hdr)    /* bad magic, version, kind, or TTL 0 */             \
	X(drop_unknown_peer)  /* gossip from an address that is no relay peer */   \
	X(drop_bad_token)     /* gossip from a peer's address with a wrong token */ \
	X(drop_peer_down)     /* gossip from a managed peer that is not up */      \
	X(drop_steer_full)    /* a worker's ring was full */                       \
	X(ingest_txns)        /* accepted from the ingest port */                  \
	X(gossip_txns)        /* accepted from relay peers */                      \
	X(parsed_txns)                                                             \
	X(drop_duplicate)                                                          \
	X(dup_verified_id)    /* of those: id of a txn already verified valid */   \
	X(unique_txns)        /* first sightings, sent to verification */          \
	X(verify_batches)                                                          \
	X(verify_sigs)                                                             \
	X(verify_singles)     /* of those: checked singly, not in a batch equation */ \
	X(drop_invalid_sig)                                                        \
	X(forwarded_txns)     /* valid, first time: the good final bucket */       \
	X(fanout_ttl_expired) /* valid txns not re-gossiped: outgoing TTL 0 */     \
	X(tx_frames)          /* frames the port accepted */                       \
	X(tx_bytes)           /* of the frames the port accepted */                \
	X(tx_dropped)         /* frames built but not sent (port full, no mbuf) */ \
	X(tx_nombuf)          /* of those: no mbuf to build the frame in */

enum sl_counter {
#define SL_COUNTER_ENUM(name) SL_C_##name,
	SL_COUNTERS(SL_COUNTER_ENUM)
#undef SL_COUNTER_ENUM
	SL_C_PARSE_BASE, /* + sl_txn_err_t: drop_parse_<reason> (slot of OK unused) */
	SL_C__COUNT = SL_C_PARSE_BASE + SL_TXN_ERR__COUNT
};

#define SL_PEER_COUNTERS(X) \
	X(frames_in)        \
	X(first_deliveries) \
	X(duplicates)       \
	X(invalid)          \
	X(malformed)        \
	X(frames_out)

enum sl_peer_counter {
#define SL_PEER_COUNTER_ENUM(name) SL_PC_##name,
	SL_PEER_COUNTERS(SL_PEER_COUNTER_ENUM)
#undef SL_PEER_COUNTER_ENUM
	SL_PC__COUNT
};

typedef struct sl_stats {
	uint64_t c[SL_C__COUNT];
	uint64_t peer[SL_PEERS_MAX][SL_PC__COUNT]; /* by peer index (sl_peers.h) */
	uint64_t dedup_window_ns; /* gauge, published by the shard's owner */
	uint64_t dedup_fill;      /* gauge, likewise: entries its exact cache holds */
} SL_ALIGNED(SL_CACHE_LINE) sl_stats_t;

/* Name of counter i ("rx_packets", "drop_parse_truncated"), or NULL for the
 * unused slot. */
const char *sl_stats_name(unsigned i);
const char *sl_stats_peer_name(unsigned i);

/* out = sum of parts[0..n) (the dedup fill too); the dedup window is the
 * smallest non-zero one (the guarantee every shard gives). */
void sl_stats_sum(const sl_stats_t *const *parts, unsigned n, sl_stats_t *out);

/* Copy the port's own loss counters (imissed, rx_nombuf, ierrors) into
 * rx_missed, rx_nombuf, rx_errors: frames lost before the rx burst, which
 * no stage sees and rx_packets does not include. */
struct rte_eth_stats;
void sl_stats_set_port_losses(sl_stats_t *s, const struct rte_eth_stats *port);

/* Sum of every drop_* counter. */
uint64_t sl_stats_drops(const sl_stats_t *s);

/* The --stats-json document (dataplane/README.md "Counters"): the peers
 * named in `peers` (sl_pipeline_peer_names), with the ingest clients
 * dropped most (sl_pipeline_sources), and what the XDP prefilter counted
 * (sl_prefilter_snapshot) when prefilter is not NULL, and what the
 * autoblock loop did when autoblock is not NULL. */
void sl_stats_write_json(FILE *f, const sl_config_t *cfg, const sl_stats_t *s,
			 const sl_peer_names_t *peers, const sl_srcdrops_top_t *sources,
			 const sl_pf_snapshot_t *prefilter, const sl_autoblock_stats_t *autoblock);

/* The human table printed at shutdown (zero drop reasons are left out). */
void sl_stats_print_table(FILE *f, const sl_config_t *cfg, const sl_stats_t *s,
			  const sl_peer_names_t *peers);

#endif
