/* sl_prefilter: what the XDP prefilter (bpf/sl_prefilter.bpf.c) and user
 * space (dataplane/sl_prefilter.c, the tests) share: map names and bounds,
 * the config map's value (with the ingest rate limit), the keys and values
 * of the rate, blocklist and allowlist maps of both families, and the
 * counter slots (bpf/README.md). */
#ifndef SL_PREFILTER_H
#define SL_PREFILTER_H

#include <stdint.h>

#include "sluice/sl_pkt_sanity.h"
#include "sluice/sl_wire.h"

/* Map names (BPF object names: at most 15 characters). The config, the
 * lists' generation and the peers' cache are the program's global data,
 * sections .data.conf, .data.gen and .data.peerc: libbpf makes each a
 * one-entry ARRAY map (BPF_F_MMAPABLE) named after its section; they are
 * pinned as SL_PF_CONF_PIN, SL_PF_GEN_PIN and SL_PF_PEERC_PIN, every other
 * map under its own name. */
#define SL_PF_CONF_MAP      ".data.conf"
#define SL_PF_CONF_PIN      "sl_pf_conf"
#define SL_PF_PEERS_MAP     "sl_pf_peers"
#define SL_PF_CPU_MAP       "sl_pf_cpu"
#define SL_PF_SRCS_MAP      "sl_pf_srcs"
#define SL_PF_GEN_MAP       ".data.gen"
#define SL_PF_GEN_PIN       "sl_pf_gen"
#define SL_PF_FINE6_MAP     "sl_pf_fine6"
#define SL_PF_PEERC_MAP     ".data.peerc"
#define SL_PF_PEERC_PIN     "sl_pf_peerc"
#define SL_PF_BLOCK_MAP     "sl_pf_block"
#define SL_PF_ALLOW_MAP     "sl_pf_allow"
/* Their IPv6 twins. */
#define SL_PF_PEERS6_MAP     "sl_pf_peers6"
#define SL_PF_BLOCK6_MAP     "sl_pf_block6"
#define SL_PF_ALLOW6_MAP     "sl_pf_allow6"

/* xsks_map slots: one per rx queue the af_xdp PMD may bind. */
#define SL_PF_QUEUES_MAX 64
/* Relay peers sl_pf_peers (and sl_pf_peers6, IPv6) can hold. sluice-dp puts in the config's static
 * relay peers (at most SL_CFG_PEERS_MAX, 32) and mirrors the live peer
 * table's up peers (at most 32 more); the rest is room. A full trie refuses
 * new peers (the writer sees ENOSPC), it never evicts one. */
#define SL_PF_PEERS_MAX 1024
/* Sources the program keeps a slot for (sl_pf_srcs, struct sl_pf_srcset):
 * 2^src_sets_bits sets (sl_pf_conf) of SL_PF_SRC_WAYS slots, a source's set
 * chosen by a keyed hash; within its set the least recently seen source
 * gives way to a new one, which starts afresh (a full bucket, no drops).
 * The object declares SL_PF_SRC_SETS sets (65536 × 128 B, 8 MiB of kernel
 * memory); sluice-dp hands the PMD a copy sized by [prefilter] sources
 * (dataplane/sl_bpfobj.h), from 2^SL_PF_SRC_SETS_BITS_MIN to
 * 2^SL_PF_SRC_SETS_BITS_MAX sets (128 KiB to 256 MiB). */
#define SL_PF_SRC_SETS_BITS     16
#define SL_PF_SRC_SETS          (1u << SL_PF_SRC_SETS_BITS)
#define SL_PF_SRC_SETS_BITS_MIN 10
#define SL_PF_SRC_SETS_BITS_MAX 21
#define SL_PF_SRC_WAYS          2
/* Prefixes the blocklist and the allowlist (LPM_TRIEs) of each family can
 * hold; a full trie refuses inserts (sl_prefilter_block and _allow say
 * E2BIG), it never evicts. */
#define SL_PF_BLOCK_MAX 16384
#define SL_PF_ALLOW_MAX 1024

/* The one entry of sl_pf_conf, written by user space. Values are in the
 * form sl_pkt_view_t holds them (the frame's bytes read little-endian), so
 * the program compares without swapping. Until ingest_port is non-zero the
 * program passes every frame to the kernel: the PMD attaches it before
 * sluice-dp can fill the map. sluice-dp fills sl_pf_peers first, so that no
 * peer's gossip is dropped for want of its entry. */
struct sl_pf_conf {
	uint32_t ip;          /* this relay's address */
	uint16_t ingest_port;
	uint16_t gossip_port;
	/* The per-source rate limit on the ingest port (IPv4 sources not in
	 * sl_pf_allow, IPv6 prefixes of ip6_prefix bits whose source is not in
	 * sl_pf_allow6): rate_pps packets a second, bursts of up to burst.
	 * Set all four with sl_pf_conf_rate(); the program reads only the
	 * derived token_ns and bucket_ns, so it needs no division. Default 0:
	 * no limit (token_ns 0), as sl_pf_conf_make() leaves it. */
	uint32_t rate_pps;   /* informative: what token_ns was derived from */
	uint32_t burst;      /* informative: what bucket_ns was derived from */
	uint64_t token_ns;   /* ns of refill one packet costs: 1e9 / rate_pps; 0: off */
	uint64_t bucket_ns;  /* the bucket's depth: burst * token_ns */
	/* This relay's IPv6 address (network order); all 0: none, and no IPv6
	 * frame is ours. */
	uint8_t ip6[16];
	/* IPv6 sources are rate limited and counted per prefix of this many
	 * bits (1..128; [prefilter] ip6_prefix, default 64: one host's /64;
	 * the program takes any other value as 64: sl_pf_ip6_prefix). */
	uint32_t ip6_prefix;
	/* SL_PF_LAYOUT, written with the rest: a reader of the pinned maps
	 * (sluicectl) refuses maps whose conf carries another value. */
	uint16_t layout;
	/* log2 of sl_pf_srcs' sets: sl_prefilter_configure() writes it from
	 * the map's size. */
	uint16_t src_sets_bits;
	/* The clock of buckets and expiries: CLOCK_MONOTONIC ns at the last
	 * tick is jiffy_base_ns + jiffies * jiffy_ns (dataplane/sl_jiffies.h:
	 * one load in the program, where the coarse clock's helper costs a
	 * third of a frame's checks). jiffy_ns 0: bpf_ktime_get_coarse_ns, the
	 * same clock, instead. sl_prefilter_configure() fills both. */
	uint64_t jiffy_ns;
	uint64_t jiffy_base_ns;
	/* The key of the sources' hash (sl_pf_src_hash): two odd multipliers
	 * drawn at random, so that a sender cannot choose addresses that share
	 * a set. sl_prefilter_configure() draws them when the map has none
	 * yet, and keeps them after. */
	uint64_t src_mul[2];
	/* ip6_prefix as a mask of an IPv6 source key's two words
	 * (sl_pf_ip6_mask): the program keys a source with two ANDs.
	 * sl_prefilter_configure() derives it from ip6_prefix. */
	uint64_t ip6_mask[2];
};

/* The layout of the maps below and of their values; raise it with any
 * change to them, so that a sluicectl of another build refuses pinned maps
 * it would misread. */
#define SL_PF_LAYOUT 8u

/* Where sluice-dp pins the maps: SL_PF_PIN_ROOT/<relay name>/<map name>;
 * removed at a clean exit. */
#define SL_PF_PIN_ROOT "/sys/fs/bpf/sluice"

/* The value of sl_pf_peers (an LPM trie of /32 entries only, keyed by a
 * struct sl_pf_lpm_key with the peer's address in sl_pkt_view_t form) and
 * of sl_pf_peers6 (/128 entries, struct sl_pf_lpm6_key): the token this
 * relay issued to that peer, which its gossip frames must carry
 * (sl_gossip_token), and during a rotation the token it replaced (0: none).
 *
 * What holds (kernel/bpf/lpm_trie.c): bpf_map_update_elem fills a new node
 * completely, puts it in the old one's place under the trie's lock and
 * frees the old one after an RCU grace period, so a program finds the
 * whole old value or the whole new one, and what it found stays as it was
 * while it reads it. The dataplane repeats the peer and token check against
 * its own RCU-protected table all the same; user space writes only the
 * entries that changed. */
struct sl_pf_peer {
	uint64_t token_in;
	uint64_t token_in_prev;
};

/* Does a gossip token pass a peer's entry? */
static inline int sl_pf_token_ok(const struct sl_pf_peer *p, uint64_t token)
{
	return token == p->token_in || (p->token_in_prev != 0 && token == p->token_in_prev);
}

/* ip: the address bytes (network order); ports in host order. */
static inline struct sl_pf_conf sl_pf_conf_make(const uint8_t ip[4], uint16_t ingest_port,
						uint16_t gossip_port)
{
	const uint8_t in[2] = {(uint8_t)(ingest_port >> 8), (uint8_t)ingest_port};
	const uint8_t go[2] = {(uint8_t)(gossip_port >> 8), (uint8_t)gossip_port};
	return (struct sl_pf_conf){
		.ip = sl_pkt_rd_le32(ip),
		.ingest_port = sl_pkt_rd_le16(in),
		.gossip_port = sl_pkt_rd_le16(go),
		.ip6_prefix = 64,
		.layout = SL_PF_LAYOUT,
	};
}

/* The rate limit of a config entry: rate_pps packets a second per source
 * (0: none; above 1e9 it is 1e9), bursts of burst packets (0: 1). Integer
 * nanoseconds per token, rounded to nearest: the rate is exact to 0.5 ns a
 * packet. The program refills by the clock as of the last tick (jiffy_ns
 * above: a precise read costs more than the rest of the checks on a VM),
 * which advances a tick at a time, at most SL_PF_TICK_NS_MAX (HZ 100); a bucket
 * shallower than a tick's refill would lose refill at every tick, so the
 * bucket is never shallower: at high rates the burst is at least 10 ms of
 * the rate. */
#define SL_PF_NS 1000000000ull
#define SL_PF_TICK_NS_MAX 10000000ull
static inline void sl_pf_conf_rate(struct sl_pf_conf *c, uint32_t rate_pps, uint32_t burst)
{
	if (rate_pps > SL_PF_NS)
		rate_pps = (uint32_t)SL_PF_NS;
	if (burst == 0)
		burst = 1;
	c->rate_pps = rate_pps;
	c->burst = rate_pps ? burst : 0;
	c->token_ns = rate_pps ? (SL_PF_NS + rate_pps / 2) / rate_pps : 0;
	c->bucket_ns = c->token_ns * c->burst;
	if (rate_pps && c->bucket_ns < SL_PF_TICK_NS_MAX)
		c->bucket_ns = SL_PF_TICK_NS_MAX;
}

/* The prefix length IPv6 sources are limited and counted by: the conf's
 * ip6_prefix, 64 when it is outside 1..128 (a conf written without it). */
static inline unsigned sl_pf_ip6_prefix(const struct sl_pf_conf *c)
{
	return c->ip6_prefix - 1u < 128u ? c->ip6_prefix : 64u;
}

/* A source as the program keys it: an IPv4 address as the IPv4-mapped
 * IPv6 address ::ffff:a.b.c.d, an IPv6 source masked to the conf's
 * ip6_prefix bits (sl_pf_srckey_mask); both in network order, read as two
 * 64-bit words. A key in ::ffff:0:0/96 is an IPv4 source's. */
struct sl_pf_srckey {
	uint64_t w[2];
};

/* The IPv4 source ip (sl_pkt_view_t form: its value is the address's
 * bytes read little-endian) as a key: bytes 10, 11 0xff, the address in
 * bytes 12..15. */
static inline __attribute__((always_inline)) struct sl_pf_srckey sl_pf_srckey4(uint32_t ip)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (struct sl_pf_srckey){{0, 0xffff0000ull | (uint64_t)ip << 32}};
#else
	return (struct sl_pf_srckey){{0, 0xffff00000000ull | __builtin_bswap32(ip)}};
#endif
}

/* Clears the bits of a key past prefixlen (0..128), a word at a time, each
 * mask in the bytes' order. */
static inline __attribute__((always_inline)) void sl_pf_srckey_mask(struct sl_pf_srckey *k,
								     unsigned prefixlen)
{
	for (unsigned i = 0; i < 2; i++) {
		unsigned bits = prefixlen > 64 * i ? prefixlen - 64 * i : 0;
		if (bits >= 64)
			continue;
		uint64_t m = bits ? ~0ull << (64 - bits) : 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		m = __builtin_bswap64(m);
#endif
		k->w[i] &= m;
	}
}

/* Clears the bits of an IPv6 address (network order) past prefixlen
 * (0..128), as sl_pf_srckey_mask() does a key's: a prefix's address, as
 * the tries and the sources' keys hold it. */
static inline void sl_pf_mask6(uint8_t a[16], unsigned prefixlen)
{
	struct sl_pf_srckey k;
	__builtin_memcpy(&k, a, sizeof(k));
	sl_pf_srckey_mask(&k, prefixlen);
	__builtin_memcpy(a, &k, sizeof(k));
}

/* The mask of prefixlen bits (0..128) as a source key's two words. */
static inline struct sl_pf_srckey sl_pf_ip6_mask(unsigned prefixlen)
{
	struct sl_pf_srckey m = {{~0ull, ~0ull}};
	sl_pf_srckey_mask(&m, prefixlen);
	return m;
}

/* An IPv6 source (16 bytes in network order, 8-aligned: word loads, where
 * bytes of unknown alignment cost the program a load each) as the key of
 * its prefix of prefixlen bits. */
static inline __attribute__((always_inline)) struct sl_pf_srckey
sl_pf_srckey6(const uint8_t a[16], unsigned prefixlen)
{
	struct sl_pf_srckey k;
	__builtin_memcpy(&k, __builtin_assume_aligned(a, 8), sizeof(k));
	sl_pf_srckey_mask(&k, prefixlen);
	return k;
}

/* The hash that picks a source's set (its top src_sets_bits bits) and
 * tags its cached list verdicts (struct sl_pf_srcslot, vkey): one
 * multiply-add per word with the conf's random multipliers. */
static inline __attribute__((always_inline)) uint64_t
sl_pf_src_hash(const struct sl_pf_conf *c, const struct sl_pf_srckey *k)
{
	return k->w[0] * c->src_mul[0] + k->w[1] * c->src_mul[1];
}

/* Two shifts, so that no bits value (even 0, an unconfigured conf) is a
 * shift by 64. */
static inline __attribute__((always_inline)) uint32_t
sl_pf_src_set(const struct sl_pf_conf *c, uint64_t h)
{
	return (uint32_t)((h >> 32) >> (32 - (c->src_sets_bits & 31)));
}

/* One source's slot in sl_pf_srcs: its key, its token bucket, its drops,
 * and its list verdicts cached until the lists change.
 *
 * The bucket is in nanoseconds of refill (a packet takes token_ns of it; it
 * refills one ns a ns, up to bucket_ns) and last_ns is when it was last
 * refilled (the conf's clock); a new slot (both 0) is a full bucket. The
 * program updates it in place without a lock: two CPUs taking frames of one
 * source at the same instant may each spend the same token, so a source
 * spread over n rx queues may get up to n - 1 packets more per such race;
 * RSS keeps a source's flow on one queue.
 *
 * Drops: `drops` plus what CPUs hold for the slot in sl_pf_cpu (struct
 * sl_pf_srcpend) while its epoch is theirs.
 *
 * Verdicts: while `vkey` is (lists generation << 32 | the key's hash bits
 * 16..47) of this frame and `verdict` carries the same check bits, verdict
 * says whether the source is allowlisted and whether (until when) it is
 * blocked; otherwise the program asks the tries and writes both words. Each
 * word is written whole, and a pair written for one source is never taken
 * for another's: two CPUs that fill one slot for two sources at once leave
 * at worst a pair that does not check, which the next frame rewrites. */
struct sl_pf_srcslot {
	struct sl_pf_srckey key;
	uint64_t tokens;
	uint64_t last_ns;
	uint64_t drops;
	uint64_t vkey;
	uint64_t verdict; /* SL_PF_V_* */
	uint32_t epoch;   /* bumped when the slot takes another source; 0: never used */
	uint32_t seen;    /* jiffies (low 32 bits) when last seen: the set's LRU */
};
_Static_assert(sizeof(struct sl_pf_srcslot) == 64, "a slot is one cache line");

struct sl_pf_srcset {
	struct sl_pf_srcslot way[SL_PF_SRC_WAYS];
};

/* The verdict word: bit 0 blocked, bit 1 allowlisted, bit 2 blocked for
 * ever, bit 3 fine (an IPv6 slot whose prefix holds a narrower list entry,
 * sl_pf_fine6: its verdicts are asked per frame, per address), bits 4..31
 * check bits of vkey, bits 32..63 the block's end in units of 2^20 ns
 * (about 1 ms), compared modulo 2^32: a block further off than
 * SL_PF_V_HORIZON units is cached up to then and looked up again. */
#define SL_PF_V_BLOCKED    1ull
#define SL_PF_V_ALLOWED    2ull
#define SL_PF_V_FOREVER    4ull
#define SL_PF_V_FINE       8ull
#define SL_PF_V_CHECK_MASK 0xfffffff0ull
#define SL_PF_V_UNIT_SHIFT 20
#define SL_PF_V_HORIZON    (1u << 30)

static inline uint64_t sl_pf_v_check(uint64_t vkey)
{
	return (vkey ^ (vkey >> 32) ^ (vkey << 3)) & SL_PF_V_CHECK_MASK;
}

/* A CPU's pending drops (struct sl_pf_cpu): drops it counted against
 * the slot `slot` (set * SL_PF_SRC_WAYS + way) of epoch `epoch` and has not
 * yet added to its `drops`. A flood from one source costs a per-CPU add per
 * frame; the atomic add into the shared slot comes when the CPU drops
 * another source's frame. */
struct sl_pf_srcpend {
	uint32_t slot;
	uint32_t epoch;
	uint64_t n;
};

/* sl_pf_gen (SL_PF_GEN_MAP, one u64): [SL_PF_GEN_LISTS] the lists' generation,
 * which every writer of a blocklist or allowlist raises after its change
 * (sl_prefilter.c): a slot's cached verdicts of another generation are
 * asked again. */
#define SL_PF_GEN_LISTS 0u

/* sl_pf_fine6 (HASH): the IPv6 sources' prefixes (struct sl_pf_srckey,
 * masked to ip6_prefix) that hold a list entry longer than ip6_prefix (a
 * /128 blocked inside a /64): such a slot cannot stand for all of its
 * addresses, so its verdicts are asked per frame (SL_PF_V_FINE). Written
 * by the list writers before the entry and derived again from the tries
 * when such an entry goes or ip6_prefix changes; value 1. Room for every
 * entry of both IPv6 lists. */
#define SL_PF_FINE6_MAX (SL_PF_BLOCK_MAX + SL_PF_ALLOW_MAX)

/* A slot of sl_pf_peerc (2^SL_PF_PEERC_BITS of them, 48 KiB), the
 * program's cache of the relay peers whose gossip passed: a peer's next
 * frame passes by it without the source's slot or any trie (a fifth of a
 * gossip frame's time in XDP). It holds the source's address (as a source
 * key; an IPv6 one whole, not masked), the lists' generation (sl_pf_gen)
 * under which one of its frames passed every check, its peer entry as the
 * trie gave it then, and a check word (sl_pf_peerc_check). A source takes
 * the slot its hash's top bits name. A frame passes by the slot only from
 * that address, in that generation, with one of those tokens and a slot
 * that checks; any other frame takes the whole path, which may fill the
 * slot again. Every list and peer writer raises the generation, so a
 * blocked or changed peer is never passed by an old slot; the check word
 * keeps a slot that two CPUs filled at once (words of each) from passing
 * anything. */
#define SL_PF_PEERC_BITS 10
struct sl_pf_peerc {
	struct sl_pf_srckey key;
	uint64_t gen;
	struct sl_pf_peer peer;
	uint64_t check;
};

/* The check word of a peer cache slot: its other words mixed with the
 * conf's random multipliers (the sources' hash key), so that no mix of two
 * slots' words checks but by a 2^-64 chance no sender can steer. */
static inline __attribute__((always_inline)) uint64_t
sl_pf_peerc_check(const struct sl_pf_conf *c, const struct sl_pf_peerc *e)
{
	return (e->key.w[0] ^ e->peer.token_in) * c->src_mul[0] +
	       (e->key.w[1] ^ e->peer.token_in_prev ^ e->gen) * c->src_mul[1];
}

/* The key of sl_pf_block and sl_pf_allow (LPM_TRIE): the prefix length in
 * bits (0..32) and the address in sl_pkt_view_t form, whose bytes in
 * memory are the address in network order, as the trie matches them. */
struct sl_pf_lpm_key {
	uint32_t prefixlen;
	uint32_t addr;
};

/* The key of sl_pf_block6 and sl_pf_allow6 (LPM_TRIE): the prefix length
 * (0..128) and the address bytes in network order. */
struct sl_pf_lpm6_key {
	uint32_t prefixlen;
	uint8_t addr[16];
};

/* The value of sl_pf_block and sl_pf_block6: until when (bpf_ktime_get_ns, CLOCK_MONOTONIC
 * ns) the prefix is blocked, 0 for ever; and the entry's own prefix length,
 * so that when the longest match has expired the program looks for a
 * shorter one (an expired entry drops nothing, and hides nothing). Expired
 * entries stay until user space sweeps them (sl_prefilter_sweep_blocklist). */
struct sl_pf_block {
	uint64_t expiry_ns;
	uint32_t prefixlen;
	uint32_t pad; /* 0 */
};

/* Is a blocklist entry in force at now_ns? */
static inline int sl_pf_block_live(const struct sl_pf_block *b, uint64_t now_ns)
{
	return b->expiry_ns == 0 || now_ns < b->expiry_ns;
}

/* Counter slots of struct sl_pf_cpu. Every frame lands in exactly one:
 * the named slots below, or SL_PF_PKT_BASE + v - 1 for a frame that
 * sl_pkt_check() rejects with verdict v (passed or dropped as
 * sl_pf_pkt_passes() says). */
#define SL_PF_COUNTERS(X)                                                              \
	X(REDIRECTED, "redirected")               /* to xsks_map[rx queue]: sluice's */ \
	X(PASS_UNCONFIGURED, "pass_unconfigured") /* sl_pf_conf not filled yet */       \
	X(PASS_NOT_OURS, "pass_not_ours")         /* IP/UDP, not our address+port */    \
	X(DROP_OVERSIZE, "drop_oversize")         /* more than a (gossip) transaction */ \
	X(DROP_GOSSIP_HDR, "drop_gossip_hdr")     /* sl_gossip_check() rejects it */    \
	X(DROP_UNKNOWN_PEER, "drop_unknown_peer") /* gossip: source not in sl_pf_peers(6) */ \
	X(DROP_BAD_TOKEN, "drop_bad_token")       /* gossip: not the peer's tokens */ \
	X(DROP_BLOCKLISTED, "drop_blocklisted")   /* source in a live sl_pf_block entry */ \
	X(DROP_RATE_LIMITED, "drop_rate_limited") /* ingest: source over its rate */

enum sl_pf_counter {
#define SL_PF_COUNTER_ENUM(name, str) SL_PF_##name,
	SL_PF_COUNTERS(SL_PF_COUNTER_ENUM)
#undef SL_PF_COUNTER_ENUM
	SL_PF_PKT_BASE,
	SL_PF__COUNT = SL_PF_PKT_BASE + SL_PKT__COUNT - 1
};

static inline unsigned sl_pf_pkt_slot(sl_pkt_verdict_t v)
{
	return SL_PF_PKT_BASE + (unsigned)v - 1;
}

/* The one entry of sl_pf_cpu (PERCPU_ARRAY): what a CPU counted, by
 * reason, and its pending drops. One entry, so that the program looks it
 * up once per frame (a lookup stores its key, loads it back and checks
 * it); the reader sums the CPUs' counters. */
struct sl_pf_cpu {
	uint64_t counters[SL_PF__COUNT];
	struct sl_pf_srcpend pend;
};

/* Frames that are not IP (ARP, QinQ) or IP but not UDP (ICMP, ICMPv6, TCP,
 * IPv6 extension headers) belong to the kernel whatever their state. Every
 * other defect is a broken frame that claims to be IPv4 or IPv6 (or UDP):
 * the program drops it, as the kernel would, and counts it against the
 * source it claims. */
static inline int sl_pf_pkt_passes(sl_pkt_verdict_t v)
{
	return v == SL_PKT_NOT_IP || v == SL_PKT_NOT_UDP;
}

/* Largest UDP payload redirected to a port: a transaction, after the
 * gossip header on the gossip port. */
#define SL_PF_INGEST_MAX SL_TXN_MTU
#define SL_PF_GOSSIP_MAX (SL_TXN_MTU + sizeof(struct sl_gossip_hdr))

#endif
