/* sluiced's operator socket: the requests of sluicectl (control/README.md,
 * "The operator's protocol"), and the peers added at run time with their
 * state file. */
#ifndef SL_OPERATOR_H
#define SL_OPERATOR_H

#include <stdbool.h>
#include <stdio.h>

#include "sluiced.h"

/* The longest `peer ban` (ten years): sluicectl's ban without --for. */
#define SL_OPERATOR_BAN_MAX_S 315360000u

/* Accepts one connection on d->ctl, reads its request line, answers. */
void serve_operator(struct daemon *d, sl_now_t now);

/* The "peers" answer's body: a table, or one JSON object. */
void reply_peers(const struct daemon *d, FILE *out, bool json, sl_now_t now);

/* The "stats" answer's body: control-message counters, each peer's state,
 * and sluice-dp's per-peer counters from the peer table (0 when it never
 * wrote them). */
void reply_stats(const struct daemon *d, FILE *out, bool json, sl_now_t now);

/* Start: the state file's peers into d->added and, after the config's,
 * into the sessions (a peer whose name or key the config has is skipped,
 * with a log line; a bad line is one log line and skipped). */
void runtime_peers_load(struct daemon *d, const struct sl_peertab_entry *old, sl_now_t now);

/* d->added's peers that are not in the sessions yet (reload). */
void runtime_peers_add(struct daemon *d, const struct sl_peertab_entry *old, sl_now_t now);

/* Reload: whether the session in `slot` is a peer added at run time that
 * the config `next` leaves alone. */
bool runtime_peer_keep(const struct daemon *d, const sl_config_t *next, unsigned slot);

#endif
