/* sl_peertab: the live peer table, in a shared-memory file that sluiced
 * writes and sluice-dp reads (ARCHITECTURE.md, "The control daemon").
 *
 * One file per relay, SL_PEERTAB_PATH_FMT (tmpfs: it outlives either
 * process, not a reboot). Two areas, each with one writer and a sequence
 * counter (a seqlock: odd while the writer is inside; a reader copies the
 * area and keeps the copy only if the counter was even and unchanged):
 *   - `peers`, written by sluiced: the managed relay peers (named by key in
 *     the config or added with sluicectl), each in a fixed slot: address,
 *     ports, next hop, tokens, state. sluice-dp's peer index for slot k is
 *     SL_PEERTAB_DP_BASE + k; static peers (tokens and MAC in the config)
 *     keep their config index below it and are not in this table.
 *   - `dp`, written by sluice-dp: its per-peer counters for those slots, so
 *     that sluiced can score the peers, and the `peers` sequence it applied.
 * Neither process waits for the other; either may be restarted: sluice-dp
 * applies what the file holds at start, a restarted sluiced takes the
 * sessions over from it. `magic`, `version` and `size` are checked by every
 * opener: a file of another layout (an older build's) is never
 * reinterpreted but replaced by a fresh table, which costs the sessions
 * a new handshake and loses nothing else.
 *
 * Token times are CLOCK_MONOTONIC milliseconds, which both processes read
 * alike on one machine; sluice-dp drops token_in_prev itself once
 * token_prev_until_ms has passed, so a token outlives its overlap by at most
 * its poll period even when sluiced is gone. */
#ifndef SL_PEERTAB_H
#define SL_PEERTAB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sl_config.h"
#include "sl_identity.h"

#define SL_PEERTAB_MAGIC   0x3142415452454550ull /* "PEERTAB1" little-endian */
#define SL_PEERTAB_VERSION 2 /* 2: IPv6 peers (family, ip[16]) */
#define SL_PEERTAB_PATH_FMT "/dev/shm/sluice-%s.peers" /* %s: the relay's name */
#define SL_PEERTAB_SLOTS   SL_CFG_PEERS_MAX
#define SL_PEERTAB_DP_BASE SL_CFG_PEERS_MAX /* sluice-dp's index of slot 0 */

enum sl_peertab_state {
	SL_PT_EMPTY = 0, /* no peer in this slot */
	SL_PT_DOWN,      /* known, no session: no fanout, gossip dropped */
	SL_PT_UP,        /* fanout and gossip with the tokens below */
	SL_PT_CUT_OFF,   /* by score or operator: as down */
};

struct sl_peertab_entry {
	uint8_t state;    /* enum sl_peertab_state */
	uint8_t family;   /* 4 or 6: ip's */
	uint16_t port;    /* the peer's gossip port, host order */
	uint8_t ip[16];   /* network order; IPv4 in ip[0..4), the rest 0 */
	uint8_t mac[6];   /* next hop; all zero: unresolved (no fanout) */
	uint16_t ctl_port;
	uint32_t ifindex; /* egress interface of the route to ip */
	char name[SL_CFG_NAME_MAX];
	uint8_t pubkey[SL_PUBKEY_SZ];
	uint64_t token_in;      /* frames from the peer carry it */
	uint64_t token_in_prev; /* ... or this one, until token_prev_until_ms */
	uint64_t token_prev_until_ms;
	uint64_t token_issued_ms;
	uint64_t token_out;     /* frames to the peer carry it */
	uint64_t last_rx_wall_ms; /* newest control message accepted (replay floor) */
};

/* The entry's address; a family other than 6 reads as IPv4, as in every
 * reader of the table. */
static inline sl_addr_t sl_peertab_entry_addr(const struct sl_peertab_entry *e)
{
	return sl_addr_make(e->family == 6 ? 6 : 4, e->ip);
}

/* tests/netns/test_e2e_sluiced.sh reads entries at these offsets. */
_Static_assert(sizeof(struct sl_peertab_entry) == 128 &&
		       offsetof(struct sl_peertab_entry, name) == 32 &&
		       offsetof(struct sl_peertab_entry, token_out) == 112,
	       "the layout test_e2e_sluiced.sh reads (raise SL_PEERTAB_VERSION and update it)");

/* sluice-dp's counters of one peer (as sl_stats' per-peer block). */
struct sl_peertab_dp_peer {
	uint64_t frames_in;
	uint64_t first_deliveries;
	uint64_t duplicates;
	uint64_t invalid;
	uint64_t malformed;
	uint64_t frames_out;
};

struct sl_peertab {
	uint64_t magic;
	uint32_t version;
	uint32_t size; /* sizeof(struct sl_peertab) */

	_Atomic uint64_t seq; /* over peers[] and writer_pid */
	uint64_t writer_pid;  /* sluiced's, 0 when none has written */
	struct sl_peertab_entry peers[SL_PEERTAB_SLOTS];

	_Atomic uint64_t dp_seq __attribute__((aligned(64))); /* over the rest */
	uint64_t dp_pid;
	uint64_t dp_applied_seq; /* the `seq` whose peers sluice-dp forwards with */
	uint64_t dp_updated_ms;  /* CLOCK_MONOTONIC of this copy */
	struct sl_peertab_dp_peer dp[SL_PEERTAB_SLOTS];
};

/* Seqlock halves. The writer's stores in between may be plain: readers
 * copy and check, and release/acquire order the copy against the counter. */
static inline void sl_peertab_write_begin(_Atomic uint64_t *seq)
{
	atomic_store_explicit(seq, atomic_load_explicit(seq, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static inline void sl_peertab_write_end(_Atomic uint64_t *seq)
{
	atomic_store_explicit(seq, atomic_load_explicit(seq, memory_order_relaxed) + 1,
			      memory_order_release);
}

/* Copy n bytes at src (an area guarded by seq) to dst, consistently; up to
 * `tries` attempts. Returns the sequence copied (even), or 0 when every try
 * met the writer (sequence 0 is "never written": nothing to copy either). */
static inline uint64_t sl_peertab_read(const _Atomic uint64_t *seq, void *dst, const void *src,
				       size_t n, unsigned tries)
{
	while (tries-- > 0) {
		uint64_t s0 = atomic_load_explicit(seq, memory_order_acquire);
		if (s0 & 1)
			continue;
		memcpy(dst, src, n);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(seq, memory_order_relaxed) == s0)
			return s0;
	}
	return 0;
}

/* Map the relay's table, creating and initialising it when absent, empty
 * or of another layout. Returns NULL with one line in err when the file
 * cannot be opened or replaced; else the table, with err "" or, when it
 * replaced a file of another layout, a line that says so (to log).
 * (common/sl_peertab.c) */
struct sl_peertab *sl_peertab_open(const char *relay_name, char *err, size_t errsz);
void sl_peertab_close(struct sl_peertab *t);
/* Remove the relay's file (tests, and an operator resetting a relay). */
int sl_peertab_unlink(const char *relay_name);

#endif
