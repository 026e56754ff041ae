/* sl_session: one control session per relay peer -- the handshake, liveness,
 * gossip tokens and their rotation -- as a state machine with no sockets and
 * no clock of its own: sluiced feeds it datagrams (sl_sessions_receive) and
 * the time (sl_sessions_tick), and it sends through a callback. So every
 * path, each rejection included, is a unit test.
 *
 * Handshake (ARCHITECTURE.md, "The control channel"):
 *   I -> R  HELLO    nonce nI
 *   R -> I  WELCOME  nonce nR, echo nI, token tR (R accepts it from I from now)
 *   I -> R  ACK      nonce nA, echo nR, token tI
 * Each message is signed and names both keys, so each token is bound to
 * both keys and to the nonces of its handshake. When both sides open at
 * once, the side with the smaller key stays initiator.
 * A live session pings every interval; PING and PONG carry the sender's
 * current token, which is how a rotated token reaches the peer; a PING in
 * WELCOME_SENT stands for a lost ACK. After `ping_misses` unanswered pings
 * the peer is down and is retried with exponential back-off and jitter.
 *
 * Contract: memory is the fixed table; nothing a stranger sends changes any
 * state (strangers fail before the signature, and only a verified message
 * touches its peer's state). A message is dropped for the first reason in
 * SL_CTL_DROPS' order; each drop is counted once in `drops`, and on the
 * peer it names when it names one. `changed` is set whenever something the
 * dataplane's tables hold (state, tokens) changes; the caller clears it. */
#ifndef SL_SESSION_H
#define SL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_config.h"
#include "sl_ctl_msg.h"

#define SL_SESSION_PEERS_MAX SL_CFG_PEERS_MAX
/* Nonces remembered per peer. A peer sends about two messages a second (a
 * PING and a PONG), so 128 cover a minute; when one is forgotten, the floor
 * rises to its time, and nothing that old is accepted again. */
#define SL_SESSION_SEEN 128

typedef enum sl_peer_state {
	SL_PS_DOWN,         /* no session; a HELLO goes out at next_try_ms */
	SL_PS_HELLO_SENT,   /* we opened: waiting for WELCOME */
	SL_PS_WELCOME_SENT, /* they opened: waiting for ACK (or a PING) */
	SL_PS_UP,
	SL_PS_CUT_OFF,      /* by score or by an operator, until next_try_ms */
} sl_peer_state_t;

const char *sl_peer_state_name(sl_peer_state_t s);

typedef struct sl_session_params {
	uint64_t clock_window_ms;
	uint64_t ping_interval_ms;
	unsigned ping_misses;
	uint64_t retry_min_ms;
	uint64_t retry_max_ms;
	uint64_t token_rotate_ms;
	uint64_t token_overlap_ms;
} sl_session_params_t;

/* The two clocks: wall (message timestamps, the peer compares them with its
 * own) and monotonic (every timer and RTT; it does not jump). */
typedef struct sl_now {
	uint64_t wall_ms;
	uint64_t mono_us;
} sl_now_t;

typedef struct sl_session_peer {
	bool in_use;
	char name[SL_CFG_NAME_MAX];
	uint8_t pk[SL_PUBKEY_SZ];
	sl_addr_t ip; /* either family */
	uint16_t ctl_port;

	sl_peer_state_t state;
	uint8_t hs_nonce[SL_CTL_NONCE_SZ]; /* our HELLO's or WELCOME's, awaiting an answer */
	uint64_t hs_sent_ms;               /* monotonic */
	uint64_t next_try_ms;              /* DOWN: next HELLO; CUT_OFF: end of the cut */
	uint64_t backoff_ms;               /* the next retry's delay before jitter */
	uint64_t up_since_ms;

	uint64_t token_in;        /* we issued it: the peer's frames carry it */
	uint64_t token_in_prev;   /* the one before, accepted until token_prev_until_ms */
	uint64_t token_prev_until_ms;
	uint64_t token_issued_ms;
	uint64_t token_out;       /* the peer issued it: our frames to it carry it */

	uint8_t ping_nonce[SL_CTL_NONCE_SZ];
	bool ping_pending;
	uint64_t ping_sent_us;
	uint64_t next_ping_ms;
	unsigned misses;
	uint64_t rtt_last_us;
	uint64_t rtt_srtt_us; /* smoothed as TCP's SRTT: 7/8 old + 1/8 new */

	struct {
		uint64_t nonce; /* its first 8 bytes */
		uint64_t time_ms;
	} seen[SL_SESSION_SEEN];
	unsigned seen_next, seen_n;
	uint64_t seen_floor_ms; /* wall: nothing at or before it is accepted */
	uint64_t last_rx_wall_ms; /* newest accepted message's time_ms */

	uint64_t rx[SL_CTL__TYPE_END];
	uint64_t tx[SL_CTL__TYPE_END];
	uint64_t drops[SL_CTL_DROP__COUNT];
	uint64_t handshakes; /* sessions that came up */
	uint64_t downs;      /* sessions lost to missed pings or timeouts */
} sl_session_peer_t;

typedef void (*sl_session_send_fn)(void *ctx, const sl_session_peer_t *p, const sl_ctl_msg_t *m);

typedef struct sl_sessions {
	const sl_identity_t *id;
	sl_session_params_t prm;
	sl_session_send_fn send;
	void *send_ctx;
	bool changed;
	uint64_t accepted;
	uint64_t drops[SL_CTL_DROP__COUNT];
	sl_session_peer_t peers[SL_SESSION_PEERS_MAX];
} sl_sessions_t;

void sl_sessions_init(sl_sessions_t *s, const sl_identity_t *id, const sl_session_params_t *prm,
		      sl_session_send_fn send, void *send_ctx);

/* A peer in slot `slot` (-1: the first free one), DOWN, its first HELLO
 * due now. Returns its slot, or -1 when that slot is taken, the table is
 * full, or the key or name is there already (the slot is the peer's place
 * in the dataplane's table: it never moves). */
int sl_sessions_add(sl_sessions_t *s, int slot, const char *name, const uint8_t pk[SL_PUBKEY_SZ],
		    const sl_addr_t *ip, uint16_t ctl_port, sl_now_t now);
void sl_sessions_remove(sl_sessions_t *s, unsigned slot);
int sl_sessions_find_name(const sl_sessions_t *s, const char *name);

/* One datagram from src_ip. Returns SL_CTL_OK or why it
 * was dropped (counted). */
sl_ctl_drop_t sl_sessions_receive(sl_sessions_t *s, const void *buf, size_t len,
				  const sl_addr_t *src_ip, sl_now_t now);

/* Timers: HELLOs due, handshake timeouts, pings and misses, token rotation
 * and the end of a token's overlap, the end of a cut-off. Call it at least
 * every ping interval / 10. */
void sl_sessions_tick(sl_sessions_t *s, sl_now_t now);

/* Cut the peer off for `ms` (no fanout, its gossip dropped; its control
 * messages ignored), then back to DOWN and a new handshake. */
void sl_sessions_cut_off(sl_sessions_t *s, unsigned slot, uint64_t ms, sl_now_t now);

/* Take over a session a previous sluiced left in the dataplane's tables:
 * UP with these tokens, no handshake; messages at or before floor_wall_ms
 * are refused as replays (the old process may have seen them). */
void sl_sessions_adopt(sl_sessions_t *s, unsigned slot, uint64_t token_in, uint64_t token_in_prev,
		       uint64_t token_prev_until_ms, uint64_t token_issued_ms, uint64_t token_out,
		       uint64_t floor_wall_ms, sl_now_t now);

#endif
