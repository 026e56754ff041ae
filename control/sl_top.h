/* sl_top: what `sluicectl top` shows (control/README.md, "sluicectl top"),
 * as pure functions: samples of a relay's counters are filled from the
 * JSON answers of sluice-dp's telemetry and of sluiced's `stats json`, and
 * two samples become the lines of one frame. No I/O here: sluicectl takes
 * the samples and draws the lines. */
#ifndef SL_TOP_H
#define SL_TOP_H

#include <stdbool.h>
#include <stdint.h>

#define SL_TOP_NAME_MAX     40  /* a counter's name, with the NUL */
#define SL_TOP_PEER_NAME_MAX 16 /* SL_CFG_NAME_MAX */
#define SL_TOP_COUNTERS_MAX 128 /* sluice-dp's, and the prefilter's as "xdp drop_..." */
#define SL_TOP_PEERS_MAX    96  /* sluice-dp's 64 peer indexes, sluiced's 32 slots */
#define SL_TOP_SOURCES_MAX  32  /* 16 ingest clients, 16 prefilter sources */
/* A source's name, with the NUL: an IPv4 address, or an IPv6 prefix in its
 * longest form, "ffff:...:ffff/128" (sl_srcaddr_str, sl_pf_src_str): names
 * are matched whole, so two prefixes never merge into one row. */
#define SL_TOP_SOURCE_NAME_MAX 64
#define SL_TOP_ROWS_MAX     200
#define SL_TOP_COLS_MAX     250

/* A peer's dataplane counters, in the order of sluice-dp's per-peer counters. */
enum { SL_TOP_FRAMES_IN, SL_TOP_FIRST, SL_TOP_DUPS, SL_TOP_INVALID, SL_TOP_MALFORMED,
       SL_TOP_FRAMES_OUT, SL_TOP_PC__COUNT };

typedef struct sl_top_counter {
	char name[SL_TOP_NAME_MAX];
	uint64_t v;
} sl_top_counter_t;

typedef struct sl_top_peer {
	char name[SL_TOP_PEER_NAME_MAX];
	char state[16];   /* sluiced's ("up", "down", ...), "static", or "" unknown */
	double srtt_ms;   /* < 0: unknown */
	uint64_t c[SL_TOP_PC__COUNT];
} sl_top_peer_t;

typedef struct sl_top_source {
	char ip[SL_TOP_SOURCE_NAME_MAX];
	uint64_t malformed, invalid_sig; /* sluice-dp's drops of its transactions */
	uint64_t xdp;                    /* the prefilter's drops of its frames */
} sl_top_source_t;

typedef struct sl_top_sample {
	uint64_t t_ns;  /* when the counters were read (CLOCK_MONOTONIC) */
	char relay[SL_TOP_PEER_NAME_MAX];
	bool sluiced;   /* the peers' state came from sluiced */
	unsigned ncounters, npeers, nsources;
	/* the prefilter's lists (/sluice/prefilter): entries [blocklist,
	 * allowlist][IPv4, IPv6] and each family's capacity (0: not said) */
	bool lists_known;
	uint64_t list_entries[2][2], list_capacity[2];
	sl_top_counter_t counter[SL_TOP_COUNTERS_MAX];
	sl_top_peer_t peer[SL_TOP_PEERS_MAX];
	sl_top_source_t source[SL_TOP_SOURCES_MAX];
} sl_top_sample_t;

/* An empty sample taken at t_ns. */
void sl_top_sample_init(sl_top_sample_t *s, uint64_t t_ns);

/* Each takes a telemetry answer ({"CMD": VALUE}, or VALUE alone) or
 * sluiced's body and adds what it holds to s; 0, or -1 when it is not JSON
 * of the expected shape (a null answer, e.g. /sluice/prefilter without the
 * prefilter, is -1 and adds nothing).
 *   /sluice/stats: the counters; /sluice/prefilter: its counters, named
 *   "xdp NAME", its top sources and its lists' entries (when it has all
 *   four); /sluice/sources: the ingest clients;
 *   /sluice/peers: each peer's counters (state unknown);
 *   sluiced's `stats json`: each managed peer's state and RTT, its counters
 *   from the peer table when sluice-dp's telemetry did not list it; a peer
 *   sluice-dp lists and sluiced does not is then a static one. Call it after
 *   the /sluice/peers one. */
int sl_top_parse_stats(sl_top_sample_t *s, const char *json);
int sl_top_parse_prefilter(sl_top_sample_t *s, const char *json);
int sl_top_parse_sources(sl_top_sample_t *s, const char *json);
int sl_top_parse_dp_peers(sl_top_sample_t *s, const char *json);
int sl_top_parse_sluiced(sl_top_sample_t *s, const char *json);

/* A counter's value, 0 when the sample lacks it. */
uint64_t sl_top_counter(const sl_top_sample_t *s, const char *name);

typedef struct sl_top_screen {
	unsigned n;
	char line[SL_TOP_ROWS_MAX][SL_TOP_COLS_MAX + 1];
} sl_top_screen_t;

/* One frame from two samples of the same relay (prev older than cur): at
 * most `rows` lines of at most `cols` characters (clamped to the maxima
 * above); a section that does not fit ends in "+N more". clock: the wall
 * time shown in the title ("14:02:03"), or NULL. */
void sl_top_render(const sl_top_sample_t *prev, const sl_top_sample_t *cur, unsigned cols,
		   unsigned rows, const char *clock, sl_top_screen_t *out);

#endif
