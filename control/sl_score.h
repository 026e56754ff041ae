/* sl_score: a score per managed peer from sluice-dp's per-peer counters, in
 * the spirit of gossipsub v1.1's peer scoring (control/README.md,
 * "Scoring"). Pure logic: no I/O, the time is the caller's.
 *
 * Every update (sluiced: once a second, for peers that are up):
 *
 *   score = score * 0.5^(dt / half_life)
 *         + first_delivery_weight * d_first
 *         - invalid_weight        * d_invalid
 *         - malformed_weight      * d_malformed
 *         - duplicate_weight      * max(0, d_dup - duplicate_allowance * d_new)
 *
 * d_new is the larger of the peer's own d_first and the first deliveries
 * of all managed peers together: in a mesh every peer but the fastest
 * relays each new transaction as a duplicate, so a peer's duplicates are
 * measured against what reached the relay at all, not against what it
 * happened to bring first (a peer always beaten by a shorter path would
 * otherwise sink for being redundant).
 *   then clamped to [SL_SCORE_FLOOR, score_cap]
 *
 * d_* are differences of the cumulative counters since the last update.
 * The first update after a reset only takes the counters as its base (a
 * slot given to another peer keeps counting where the last one left off).
 * A counter lower than last time means sluice-dp restarted (its counters
 * start from 0 again): every counter is taken as the new base and that
 * update adds nothing, so there is never a negative difference.
 *
 * Verdict: at or under cutoff_threshold the peer is cut off for
 * cutoff_s * 2^offences seconds, at most cutoff_max_s; offences then grows
 * by one and the score starts again from 0. One offence is forgiven per
 * cutoff_max_s without a cut-off, counted from the end of the last cut. */
#ifndef SL_SCORE_H
#define SL_SCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_config.h"
#include "sl_peertab.h"

/* The lowest a score goes, whatever the counts: finite, and at or under
 * every threshold the config accepts. */
#define SL_SCORE_FLOOR (-SL_CFG_SCORE_MAX)

typedef struct sl_score {
	double score;
	bool based;                    /* `last` holds counters to take differences from */
	struct sl_peertab_dp_peer last; /* the counters of the last update */
	uint64_t last_relay_first;     /* all managed peers' first deliveries then */
	uint64_t updated_ms;           /* time of the last update (decay) */
	unsigned offences;             /* cut-offs not yet forgiven */
	uint64_t clean_since_ms;       /* end of the last cut, or of the last forgiveness */
	uint64_t cutoffs;              /* cut-offs in all, for the operator */
} sl_score_t;

/* A fresh start: score 0, no base, no offences (a slot given to another peer). */
void sl_score_reset(sl_score_t *st);

/* Decay to now_ms, then add what the counters moved since the last update.
 * relay_first: the first deliveries of all managed peers together
 * (cumulative, as c's counters). */
void sl_score_update(sl_score_t *st, const sl_cfg_score_t *cfg, const struct sl_peertab_dp_peer *c,
		     uint64_t relay_first, uint64_t now_ms);

/* At or under the threshold: the cut-off's length in ms (offences counted,
 * the score back to 0); else 0. */
uint64_t sl_score_verdict(sl_score_t *st, const sl_cfg_score_t *cfg, uint64_t now_ms);

#endif
