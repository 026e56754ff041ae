/* sluiced's parts share the daemon's state (control/README.md): sluiced.c
 * owns the loop, the sessions and the peer table; sl_operator.c answers the
 * operator's socket. */
#ifndef SLUICED_H
#define SLUICED_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_config.h"
#include "sl_identity.h"
#include "sl_nexthop.h"
#include "sl_peertab.h"
#include "sl_score.h"
#include "sl_session.h"
#include "sl_statefile.h"

struct daemon {
	const char *cfg_path;
	sl_config_t cfg;
	sl_identity_t id;
	sl_sessions_t s;
	struct sl_peertab *pt;
	sl_nl_t *nl;
	int udp, udp6, ctl, sig; /* udp6: -1 without [relay] ip6 */
	uint16_t gossip_port[SL_SESSION_PEERS_MAX];
	sl_nexthop_t nh[SL_SESSION_PEERS_MAX];
	bool nh_ok[SL_SESSION_PEERS_MAX];
	bool dirty;
	uint64_t next_resolve_ms;
	/* Per slot, the score of the peer whose key is score_pk (another key in
	 * the slot: a fresh score). */
	sl_score_t score[SL_SESSION_PEERS_MAX];
	uint8_t score_pk[SL_SESSION_PEERS_MAX][SL_PUBKEY_SZ];
	uint64_t next_score_ms;
	/* The peers added at run time (sluicectl peer add), as the state file
	 * holds them (sl_operator.c). */
	sl_statefile_t added;
	bool stop;
};

/* A peer into the sessions, in the slot `old` (the peer table as found at
 * start, or NULL) had it in if free, else the first free one; its gossip
 * port is `port`. Returns the slot, or -1 (a duplicate name or key, no room). */
int daemon_add_peer(struct daemon *d, const struct sl_peertab_entry *old, const char *name,
		    const uint8_t pk[SL_PUBKEY_SZ], const sl_addr_t *ip, uint16_t ctl_port,
		    uint16_t port, sl_now_t now);

/* One line "sluiced: ..." on stderr. */
void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
