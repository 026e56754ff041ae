/* sl_prefilter: user space's side of the XDP prefilter (bpf/README.md).
 *
 * Contract: sl_prefilter_open_iface() finds the maps of the XDP program
 * attached to an interface (the af_xdp PMD attached it from xdp_prog=);
 * sl_prefilter_open_prog() does the same for a program fd (tests). Both
 * check that the maps have the layout of include/sluice/sl_prefilter.h, so
 * a stale object is refused rather than misread. The handle holds map fds
 * only; the program stays attached after sl_prefilter_close(). Reading the
 * counters and the top sources costs syscalls (up to two per tracked
 * source): slow path only (shutdown, telemetry). */
#ifndef SL_PREFILTER_USER_H
#define SL_PREFILTER_USER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_config.h"
#include "sluice/sl_prefilter.h"

typedef struct sl_prefilter {
	int conf_fd, peers_fd, counters_fd, src_drops_fd, rate_fd, block_fd, allow_fd;
} sl_prefilter_t;

#define SL_PREFILTER_CLOSED ((sl_prefilter_t){-1, -1, -1, -1, -1, -1, -1})

/* Sources by drops, most first; ties keep the order they were added in. */
#define SL_PF_TOP_MAX 16
typedef struct sl_pf_top {
	unsigned n;
	struct sl_pf_src {
		uint32_t ip; /* sl_pkt_view_t form */
		uint64_t drops;
	} src[SL_PF_TOP_MAX];
} sl_pf_top_t;

/* What the program counted: per reason, and the sources it dropped most. */
typedef struct sl_pf_snapshot {
	uint64_t c[SL_PF__COUNT];
	sl_pf_top_t top;
} sl_pf_snapshot_t;

int sl_prefilter_open_iface(sl_prefilter_t *pf, const char *iface, char *err, size_t errlen);
int sl_prefilter_open_prog(sl_prefilter_t *pf, int prog_fd, char *err, size_t errlen);
void sl_prefilter_close(sl_prefilter_t *pf);

/* Puts cfg's static relay peers (not `managed`), each with its token_in,
 * into sl_pf_peers (empty in the object the PMD has just loaded). Call it
 * before sl_prefilter_configure(): from then on gossip from other sources
 * drops. Managed peers are the table thread's (sl_tables). */
int sl_prefilter_set_peers(const sl_prefilter_t *pf, const sl_config_t *cfg, char *err,
			   size_t errlen);

/* One peer's entry (ip in sl_pkt_view_t form; prev 0: none) inserted or
 * replaced, or removed (absent is no error). 0, or -1 with errno. */
int sl_prefilter_put_peer(const sl_prefilter_t *pf, uint32_t ip, uint64_t token_in,
			  uint64_t token_in_prev);
int sl_prefilter_del_peer(const sl_prefilter_t *pf, uint32_t ip);

/* Writes the config entry: from then on the program redirects. */
int sl_prefilter_configure(const sl_prefilter_t *pf, const struct sl_pf_conf *conf);

/* The blocklist (sl_pf_block) and the allowlist (sl_pf_allow): the prefix
 * addr/prefixlen (addr in sl_pkt_view_t form, prefixlen 0..32) inserted or
 * replaced, or removed (absent is no error). Only the first prefixlen bits
 * of addr count, in lookups and in telling entries apart. A blocklist
 * entry holds until expiry_ns (CLOCK_MONOTONIC ns, the clock of
 * bpf_ktime_get_ns: sl_prefilter_now_ns), 0 for ever. 0, or -1 with errno
 * (EINVAL: prefixlen > 32; E2BIG: full). */
int sl_prefilter_block(const sl_prefilter_t *pf, uint32_t addr, uint32_t prefixlen,
		       uint64_t expiry_ns);
int sl_prefilter_unblock(const sl_prefilter_t *pf, uint32_t addr, uint32_t prefixlen);
int sl_prefilter_allow(const sl_prefilter_t *pf, uint32_t addr, uint32_t prefixlen);
int sl_prefilter_unallow(const sl_prefilter_t *pf, uint32_t addr, uint32_t prefixlen);

/* CLOCK_MONOTONIC in ns: the program's clock. */
uint64_t sl_prefilter_now_ns(void);

/* Removes the blocklist entries expired at now_ns (they drop nothing
 * already; this frees their room). Slow path: up to SL_PF_BLOCK_MAX steps
 * of bpf_map_get_next_key per batch of 256 removals. Returns how many it
 * removed, or -1 with errno. Call it now and then from the thread that
 * writes the blocklist: an entry renewed by another thread between the
 * walk and the delete would go. Nothing calls it yet (sluice-dp has no
 * writer of the blocklist). */
int sl_prefilter_sweep_blocklist(const sl_prefilter_t *pf, uint64_t now_ns);

/* c[i] = counter slot i summed over every CPU. */
int sl_prefilter_counters(const sl_prefilter_t *pf, uint64_t c[SL_PF__COUNT]);

/* Drops counted against src (sl_pkt_view_t form); 0 when it has no entry. */
uint64_t sl_prefilter_src_drops(const sl_prefilter_t *pf, uint32_t src);

/* The SL_PF_TOP_MAX sources with the most drops in sl_pf_src_drops. The
 * walk takes at most SL_PF_SRC_DROPS_MAX steps, so a map that changes under
 * it (a key evicted restarts the walk) cannot keep it going. */
int sl_prefilter_top_sources(const sl_prefilter_t *pf, sl_pf_top_t *top);

/* Counters and top sources. */
int sl_prefilter_snapshot(const sl_prefilter_t *pf, sl_pf_snapshot_t *s);

/* Offers (ip, drops) to the top list: kept if it beats the least of a full list. */
void sl_pf_top_add(sl_pf_top_t *t, uint32_t ip, uint64_t drops);

/* "10.99.0.3" from the sl_pkt_view_t form. */
#define SL_PF_IP_STR_SZ 16
void sl_pf_ip_str(uint32_t ip, char out[SL_PF_IP_STR_SZ]);

/* "redirected", "drop_bad_ihl", "pass_not_ipv4", ... */
const char *sl_prefilter_counter_name(unsigned i);

/* `"prefilter": {...}` (no surrounding braces): the counters by name and
 * "top_sources": {"10.99.0.3": drops, ...}, most first; and the shutdown
 * table's section (zero drop reasons left out). */
void sl_prefilter_write_json(FILE *f, const sl_pf_snapshot_t *s);
void sl_prefilter_print_table(FILE *f, const sl_pf_snapshot_t *s);

#endif
