/* sl_prefilter: user space's side of the XDP prefilter (bpf/README.md).
 *
 * Contract: sl_prefilter_open_iface() finds the maps of the XDP program
 * attached to an interface (the af_xdp PMD attached it from xdp_prog=);
 * sl_prefilter_open_prog() does the same for a program fd (tests). Both
 * check that the maps have the layout of include/sluice/sl_prefilter.h, so
 * a stale object is refused rather than misread. The handle holds map fds
 * only; the program stays attached after sl_prefilter_close(). Reading the
 * counters and the top sources costs syscalls (the top sources read the
 * whole sources' array, 8 MiB by default, in batches of 1024 sets): slow path only (shutdown,
 * telemetry). Every list writer raises the lists' generation after its
 * change (bpf/README.md, "Sources"). */
#ifndef SL_PREFILTER_USER_H
#define SL_PREFILTER_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_cidr.h"
#include "sl_config.h"
#include "sluice/sl_prefilter.h"

typedef struct sl_prefilter {
	int conf_fd, peers_fd, cpu_fd, srcs_fd, gen_fd, block_fd, allow_fd;
	int peers6_fd, block6_fd, allow6_fd; /* the IPv6 twins */
	int fine6_fd, peerc_fd;
	/* The relay's pin folder, whose flock (LOCK_EX) every list writer of
	 * every process holds while it reads and writes the lists (sluice-dp's
	 * closed loop and sweep, sluicectl): -1 while the maps are not pinned,
	 * when this handle is their only writer. A writer that cannot take
	 * it within SL_PF_LOCK_WAIT_MS fails with EAGAIN. */
	int lock_fd;
} sl_prefilter_t;

#define SL_PF_LOCK_WAIT_MS 2000

#define SL_PREFILTER_CLOSED ((sl_prefilter_t){-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1})

/* A source as the program counts its drops: an IPv4 address (prefixlen
 * 32), or an IPv6 prefix (the source masked to the conf's ip6_prefix). */
struct sl_pf_src {
	uint8_t family;    /* 4 or 6 */
	uint8_t prefixlen; /* 32, or the IPv6 prefix's length */
	uint8_t addr[16];  /* network order; IPv4 in addr[0..4), the rest 0 */
	uint64_t drops;
};

/* Sources of both families by drops, most first; ties keep the order they
 * were added in. */
#define SL_PF_TOP_MAX 16
typedef struct sl_pf_top {
	unsigned n;
	struct sl_pf_src src[SL_PF_TOP_MAX];
} sl_pf_top_t;

/* The lists, by index: each is a trie per family of sl_pf_list_capacity()
 * entries, and a full one refuses more (a block or allow fails with E2BIG;
 * autoblock logs it). */
enum { SL_PF_LIST_BLOCK, SL_PF_LIST_ALLOW, SL_PF_LISTS };

/* "blocklist", "allowlist"; NULL past the last. */
const char *sl_pf_list_name(unsigned list);

/* Entries each family's trie of the list holds at most (0 past the last). */
unsigned sl_pf_list_capacity(unsigned list);

/* What the program counted: per reason, and the sources it dropped most;
 * and how full the lists are: entries per list and family (0 IPv4, 1
 * IPv6), a block that expired but is not swept yet among them, since it
 * takes room until it is; counted at the lists' generation lists_gen. */
typedef struct sl_pf_snapshot {
	uint64_t c[SL_PF__COUNT];
	sl_pf_top_t top;
	uint32_t list_entries[SL_PF_LISTS][2];
	bool lists_counted;
	uint64_t lists_gen;
} sl_pf_snapshot_t;

int sl_prefilter_open_iface(sl_prefilter_t *pf, const char *iface, char *err, size_t errlen);
int sl_prefilter_open_prog(sl_prefilter_t *pf, int prog_fd, char *err, size_t errlen);
void sl_prefilter_close(sl_prefilter_t *pf);

/* Maps of the program's layout with no program (needs CAP_BPF): for tests
 * of the writers and readers. 0, or -1 with errno (and none left open). */
int sl_prefilter_create_maps(sl_prefilter_t *pf);

/* Puts cfg's static relay peers (not `managed`), each with its token_in,
 * into sl_pf_peers, or sl_pf_peers6 for an IPv6 one (both empty in the object the PMD has just loaded). Call it
 * before sl_prefilter_configure(): from then on gossip from other sources
 * drops. Managed peers are the table thread's (sl_tables). */
int sl_prefilter_set_peers(const sl_prefilter_t *pf, const sl_config_t *cfg, char *err,
			   size_t errlen);

/* One peer's entry (ip: 4 bytes, network order, into sl_pf_peers; family
 * 6: 16 into sl_pf_peers6; prev 0: none) inserted or replaced, or removed
 * (absent is no error). 0, or -1 with errno. Each peer writer then raises
 * the lists' generation, which retires what the program cached of the
 * peers (sl_pf_peerc). */
int sl_prefilter_put_peer(const sl_prefilter_t *pf, unsigned family, const uint8_t *ip,
			  uint64_t token_in, uint64_t token_in_prev);
int sl_prefilter_del_peer(const sl_prefilter_t *pf, unsigned family, const uint8_t *ip);
/* Does the peer map of c's family hold an address inside the prefix c? A
 * bounded walk (at most SL_PF_PEERS_MAX steps): slow path. 1 yes, 0 no, -1
 * with errno (EINVAL: not a valid sl_cidr_t). */
int sl_prefilter_peer_within(const sl_prefilter_t *pf, const sl_cidr_t *c);

/* Writes the config entry, with the clock's jiffy_ns and jiffy_base_ns
 * and the sources' hash key kept from the map when it has them, else the
 * clock from sl_jiffies_clock() (0 when it finds none: the program then
 * reads the coarse clock) and a random key, src_sets_bits from
 * sl_pf_srcs' size and ip6_mask from ip6_prefix: from then on the program
 * redirects. */
int sl_prefilter_configure(const sl_prefilter_t *pf, const struct sl_pf_conf *conf);

/* The blocklists (sl_pf_block, sl_pf_block6) and the allowlists
 * (sl_pf_allow, sl_pf_allow6): the prefix c (either family; sl_cidr.h)
 * inserted or replaced, or removed (absent is no error). A blocklist entry
 * holds until expiry_ns (CLOCK_MONOTONIC ns, the clock of
 * bpf_ktime_get_ns: sl_prefilter_now_ns), 0 for ever. 0, or -1 with errno
 * (EINVAL: not a valid sl_cidr_t; E2BIG: full). */
int sl_prefilter_block(const sl_prefilter_t *pf, const sl_cidr_t *c, uint64_t expiry_ns);
/* sl_prefilter_block, unless an allowlist entry overlaps c
 * (sl_prefilter_allow_overlaps): both under one hold of the writers' lock,
 * so that an allow written after a caller's own check still wins (the
 * closed loop's block). 0 blocked, 1 not (an entry overlaps; nothing
 * written), -1 with errno. */
int sl_prefilter_block_unless_allowed(const sl_prefilter_t *pf, const sl_cidr_t *c,
				      uint64_t expiry_ns);
int sl_prefilter_unblock(const sl_prefilter_t *pf, const sl_cidr_t *c);
int sl_prefilter_allow(const sl_prefilter_t *pf, const sl_cidr_t *c);
int sl_prefilter_unallow(const sl_prefilter_t *pf, const sl_cidr_t *c);

/* The entries of both blocklists (IPv4 first), expired ones included, at
 * most max of them into out; and of both allowlists. Bounded walks (at
 * most SL_PF_BLOCK_MAX / SL_PF_ALLOW_MAX steps per family). Returns how
 * many were written, or -1 with errno. Slow path. */
typedef struct sl_pf_block_entry {
	sl_cidr_t cidr;
	uint64_t expiry_ns; /* 0: for ever */
} sl_pf_block_entry_t;
int sl_prefilter_blocklist(const sl_prefilter_t *pf, sl_pf_block_entry_t *out, unsigned max);
int sl_prefilter_allowlist(const sl_prefilter_t *pf, sl_cidr_t *out, unsigned max);

/* Is the address (4 or 16 bytes, network order, of family 4 or 6) covered
 * by an allowlist entry? 1 yes, 0 no, -1 with errno. */
int sl_prefilter_allowed(const sl_prefilter_t *pf, unsigned family, const uint8_t *addr);

/* Does an allowlist entry of c's family overlap the prefix c: cover it, or
 * lie inside it? Blocking c would drop an allowlisted address in either
 * case, since the program looks at the blocklist first. A bounded walk (at
 * most SL_PF_ALLOW_MAX steps): slow path. 1 yes, 0 no, -1 with errno
 * (EINVAL: not a valid sl_cidr_t). */
int sl_prefilter_allow_overlaps(const sl_prefilter_t *pf, const sl_cidr_t *c);

/* CLOCK_MONOTONIC in ns: the clock of expiries and buckets (the program
 * reads it as of the last tick, at most a tick behind). */
uint64_t sl_prefilter_now_ns(void);

/* The lists' generation (SL_PF_GEN_LISTS): every writer of a list raises
 * it, a sweep that removed entries too, so while it stays the lists are as
 * they were. 0, or -1 with errno. */
int sl_prefilter_lists_gen(const sl_prefilter_t *pf, uint64_t *gen);

/* What a sweep left: the lists' generation after it and the soonest end
 * of a block it kept (UINT64_MAX: none ends), so that the next sweep can
 * tell that nothing is there to remove. Zeroed: not known. */
typedef struct sl_pf_sweep_state {
	bool known;
	uint64_t gen;
	uint64_t next_end_ns;
} sl_pf_sweep_state_t;

/* Removes the entries of both blocklists expired at now_ns (they drop
 * nothing already; this frees their room). Slow path: up to SL_PF_BLOCK_MAX steps
 * of bpf_map_get_next_key per batch of 256 removals, per family (over 100
 * ms a second when the lists are full). With st (NULL: always), the walks
 * are skipped, and 0 returned, while the generation is st's and now_ns is
 * before st's next end: nothing can have expired. Returns how many it
 * removed, or -1 with errno. sluice-dp's autoblock thread calls it every
 * second. It holds the writers' lock (lock_fd) from its walk to its last
 * delete, so an entry another writer (sluicectl) renews meanwhile waits for
 * it and stays. */
int sl_prefilter_sweep_blocklist(const sl_prefilter_t *pf, uint64_t now_ns,
				 sl_pf_sweep_state_t *st);

/* c[i] = counter slot i summed over every CPU. */
int sl_prefilter_counters(const sl_prefilter_t *pf, uint64_t c[SL_PF__COUNT]);

/* The slot of a source (family 4: addr holds 4 bytes, prefixlen ignored;
 * 6: 16 bytes, masked here to prefixlen, the ip6_prefix the program keys
 * it by): 1 and *out, with its number in *idx (set * SL_PF_SRC_WAYS +
 * way), when sl_pf_srcs holds it; 0 when not; -1 with errno. */
int sl_prefilter_src_slot(const sl_prefilter_t *pf, unsigned family, const uint8_t *addr,
			  unsigned prefixlen, struct sl_pf_srcslot *out, uint32_t *idx);

/* Drops counted against src (sl_pkt_view_t form): its slot's, with what
 * CPUs hold for it in sl_pf_cpu; 0 when it has no slot. */
uint64_t sl_prefilter_src_drops(const sl_prefilter_t *pf, uint32_t src);

/* Drops counted against the IPv6 prefix addr/prefixlen (addr in network
 * order, masked here; prefixlen the ip6_prefix the program counted it
 * under); 0 when it has no slot. */
uint64_t sl_prefilter_src_drops6(const sl_prefilter_t *pf, const uint8_t addr[16],
				 unsigned prefixlen);

/* The SL_PF_TOP_MAX sources with the most drops in sl_pf_srcs: one pass
 * over the array (8 MiB, read in batches) and the CPUs' pending counts. */
int sl_prefilter_top_sources(const sl_prefilter_t *pf, sl_pf_top_t *top);

/* Counters, top sources and the lists' entries. The entries take a walk of
 * each trie (two syscalls an entry: over 100 ms when they are full), so
 * they are counted only when the lists' generation moved since *s's count
 * (every writer raises it, a sweep that removed entries too): *s must be
 * zeroed before its first snapshot, and a later one of the same pf reuses
 * its counts while the lists stay as they were. */
int sl_prefilter_snapshot(const sl_prefilter_t *pf, sl_pf_snapshot_t *s);

/* Offers a source with its drops to the top list: kept if it beats the
 * least of a full list; an entry for the same source is replaced. */
void sl_pf_top_add(sl_pf_top_t *t, const struct sl_pf_src *s);

/* A top source as operators read it: "10.99.0.3", "2001:db8:1:2::/64". */
#define SL_PF_SRC_STR_SZ 52 /* INET6_ADDRSTRLEN, "/128" */
void sl_pf_src_str(const struct sl_pf_src *s, char out[SL_PF_SRC_STR_SZ]);

/* "redirected", "drop_bad_ihl", "pass_not_ip", ... */
const char *sl_prefilter_counter_name(unsigned i);

/* `"prefilter": {...}, "prefilter_lists": {...}` (two members, no
 * surrounding braces): the counters by name and "top_sources":
 * {"10.99.0.3": drops, "2001:db8:1:2::/64": drops, ...}, most first; then
 * {"blocklist": {"ipv4": N, "ipv6": N, "capacity": N}, "allowlist":
 * {...}}. And the shutdown table's section (zero drop reasons left out). */
void sl_prefilter_write_json(FILE *f, const sl_pf_snapshot_t *s);
void sl_prefilter_print_table(FILE *f, const sl_pf_snapshot_t *s);

/* A line per list: "<indent>blocklist: 3 IPv4, 0 IPv6 entries (of 16384
 * each)". */
void sl_prefilter_print_lists(FILE *f, const char *indent, const sl_pf_snapshot_t *s);

/* ---- Pinned maps: how sluicectl reaches a running relay's prefilter ----
 *
 * sl_prefilter_pin() pins every map of pf at SL_PF_PIN_ROOT/<relay>/<map
 * name> (folders made as needed, a crashed run's pins replaced); call it
 * after sl_prefilter_configure(), since readers check the layout in the
 * config entry. /sys/fs/bpf must be a BPF file system. A pin holds the map,
 * not the program: sl_prefilter_unpin() removes the pins and the relay's
 * folder at a clean exit (none is no error; -1 with errno); after a crash
 * they stay until the next run replaces them (they still hold that run's
 * maps). sl_prefilter_open_pinned() opens them for another
 * process, refusing maps of another layout (SL_PF_LAYOUT in sl_pf_conf, and
 * each map's type, sizes and flags). Both leave the relay's folder open in
 * pf->lock_fd, the list writers' lock. All need root; 0, or -1 with the
 * reason in err. relay: a config's relay name (sl_config_valid_name). */
int sl_prefilter_pin(sl_prefilter_t *pf, const char *relay, char *err, size_t errlen);
int sl_prefilter_unpin(const char *relay);
int sl_prefilter_open_pinned(sl_prefilter_t *pf, const char *relay, char *err, size_t errlen);

/* The config entry as the program sees it (to change one part of it, e.g.
 * the rate with sl_pf_conf_rate, and write it back with
 * sl_prefilter_configure). 0, or -1 with errno. */
int sl_prefilter_read_conf(const sl_prefilter_t *pf, struct sl_pf_conf *conf);

#endif
