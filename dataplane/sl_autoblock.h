/* sl_autoblock: the closed loop from the dataplane's per-source drops to the
 * XDP prefilter's blocklist (dataplane/README.md, "Autoblock"), for sources
 * of both families: an IPv4 address, blocked as its /32, or an IPv6 prefix
 * of [prefilter] ip6_prefix bits, blocked as that prefix (sl_srcaddr).
 *
 * Every SL_AUTOBLOCK_POLL_MS its thread reads the workers' per-source
 * tables (sl_srcdrops: malformed and invalid-signature transactions from
 * ingest clients, merged over the workers) and keeps, per source, the
 * counts at the start of its current window. A source whose count of a
 * class grows by at least that class's threshold ([autoblock] malformed,
 * invalid_sig; 0: never) within one window of window_ms (fixed windows,
 * each opened by the source's first drop after the last one closed) is
 * blocked for block_s, doubled for each earlier block of the same source,
 * up to block_max_s -- unless it is protected (the relay's own address, a
 * configured or live relay peer, an allowlisted prefix, any of them inside
 * an IPv6 source's prefix: the `protect` callback, which sluice-dp makes
 * sl_autoblock_protected), which is counted instead, once per window. Each
 * block is one `block` call (the prefilter's sl_pf_block or sl_pf_block6
 * entry, with its expiry), one log line and counts by class. The thread also calls `sweep` every
 * SL_AUTOBLOCK_SWEEP_MS (expired blocklist entries), whether or not
 * blocking is enabled.
 *
 * So a source is blocked at most SL_AUTOBLOCK_POLL_MS (plus a poll's run)
 * after its drop that crossed the threshold was counted. Fixed windows may
 * miss a burst of up to twice the threshold that straddles two windows;
 * the next window catches a source that keeps on.
 *
 * Memory: SL_AUTOBLOCK_SETS x SL_AUTOBLOCK_WAYS tracked sources of 88 bytes
 * (fixed at create, 704 KiB); a new source in a full set takes the way least
 * recently dropped from that is not blocked now, so a flood of one-off
 * sources can make the loop forget an old offender's earlier blocks, never
 * unblock it (the blocklist entry carries its own expiry). Nothing is
 * allocated after create; no lock is taken on the fast path (the tables'
 * seqlocks are the workers'). */
#ifndef SL_AUTOBLOCK_H
#define SL_AUTOBLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_config.h"
#include "sl_prefilter.h"
#include "sl_srcaddr.h"
#include "sl_srcdrops.h"

#define SL_AUTOBLOCK_POLL_MS  100
#define SL_AUTOBLOCK_SWEEP_MS 1000
#define SL_AUTOBLOCK_SETS_LOG2 10
#define SL_AUTOBLOCK_SETS (1u << SL_AUTOBLOCK_SETS_LOG2)
#define SL_AUTOBLOCK_WAYS 8

typedef struct sl_autoblock sl_autoblock_t;

struct sl_autoblock_conf {
	const sl_cfg_autoblock_t *cfg;
	const sl_srcdrops_t *const *tables; /* the workers'; one key */
	unsigned ntables;                   /* <= SL_SRCDROPS_MERGE_MAX */
	/* Blocks the source's prefix (sl_srcaddr_cidr) until until_ns
	 * (CLOCK_MONOTONIC). 0; 1 when it found the source protected after
	 * all (an allowlist entry written since protect looked: counted and
	 * logged as protected); or -1 (counted as an error; the source is
	 * tried again at its next drop). */
	int (*block)(void *ctx, const sl_srcaddr_t *src, uint64_t until_ns);
	bool (*protect)(void *ctx, const sl_srcaddr_t *src);
	/* Removes expired blocklist entries; NULL: none. */
	void (*sweep)(void *ctx, uint64_t now_ns);
	void *ctx;
	FILE *log; /* a line per block; NULL: none */
};

typedef struct sl_autoblock_stats {
	uint64_t blocks;                   /* block calls that succeeded */
	uint64_t blocks_by[SL_SRC__COUNT]; /* by the class that crossed */
	uint64_t protected_sources;        /* windows in which a protected source crossed */
	uint64_t errors;                   /* block calls that failed */
	uint64_t active;                   /* blocks not yet expired (at the last poll) */
} sl_autoblock_stats_t;

/* NULL when out of memory. tables and ctx must outlive it. */
sl_autoblock_t *sl_autoblock_create(const struct sl_autoblock_conf *c);
/* Stops the thread if it runs. */
void sl_autoblock_destroy(sl_autoblock_t *ab);

/* One pass over every source at now_ns (CLOCK_MONOTONIC): the thread's
 * work, or a test's. Returns the blocks it made. One caller at a time. */
unsigned sl_autoblock_poll(sl_autoblock_t *ab, uint64_t now_ns);

/* The thread: poll every SL_AUTOBLOCK_POLL_MS (when cfg->enabled), sweep
 * every SL_AUTOBLOCK_SWEEP_MS, until stopped. 0, or -1 with errno. */
int sl_autoblock_start(sl_autoblock_t *ab);
void sl_autoblock_stop(sl_autoblock_t *ab);

/* From any thread; each field is read atomically, not all together. */
void sl_autoblock_stats(const sl_autoblock_t *ab, sl_autoblock_stats_t *s);

/* The relay's protect policy (sluice-dp's `protect` callback): is the
 * source's prefix (sl_srcaddr_cidr) one that must never be blocked? Yes
 * when it holds the relay's own address (`ip`, or `ip6` for an IPv6
 * source), the address of any [peer] of its family (relays and validators,
 * static or managed), a relay peer the live table has up inside it
 * (sl_pf_peers, sl_pf_peers6: a peer added with sluicectl is in no
 * config), or an allowlisted address: an
 * IPv4 source covered by sl_pf_allow, an IPv6 prefix that an sl_pf_allow6
 * entry covers or lies inside (a /128 allowlisted inside a /64 would die
 * with the /64). A map that cannot be read protects: a wrong block costs
 * more than a late one. Slow path (up to SL_PF_ALLOW_MAX steps of a walk). */
bool sl_autoblock_protected(const sl_config_t *cfg, const sl_prefilter_t *pf,
			    const sl_srcaddr_t *src);

/* `"autoblock": {...}` (no surrounding braces). */
void sl_autoblock_write_json(FILE *f, const sl_autoblock_stats_t *s);

#endif
