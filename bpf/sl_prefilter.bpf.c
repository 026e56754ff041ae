/* sl_prefilter: the XDP program in front of sluice's AF_XDP sockets
 * (bpf/README.md). The shared rules of sl_pkt_sanity.h, a size bound, the
 * gossip header rules, the blocklist, for gossip the sender's entry in the
 * peer table with its token (or the peers' cache) and for ingest the
 * per-source rate limit decide; what passes them and is for sluice's ports goes to
 * the socket of its rx queue, other traffic to the kernel, and every drop is
 * counted by reason and by source. IPv4 and IPv6 frames, tagged or not, take
 * the same decisions; each family has its own source maps, and an IPv4
 * frame touches none of the IPv6 ones. The helpers below take the view's
 * family as fam, apart from the view, so that decide() can make it a
 * constant. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sluice/sl_prefilter.h"

/* The af_xdp PMD puts its socket for queue q at xsks_map[q]; it finds the
 * map by this name. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SL_PF_QUEUES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* The config, and below the lists' generation, are global data: libbpf
 * makes each section a one-entry ARRAY map named after it (sl_prefilter.h,
 * SL_PF_CONF_MAP), and the program reads the value at an address fixed at
 * load, where a lookup would cost a key on the stack, a load of it back
 * and a bounds check. */
struct sl_pf_conf sl_pf_conf SEC(".data.conf");

/* Relay peers: a /32 entry per address (sl_pkt_view_t form) -> the tokens
 * they may carry. An LPM trie of full-length entries only, so a match is
 * the address's own: its lookup costs less than a hash map's, and a
 * replaced node is freed after an RCU grace period (sl_prefilter.h, struct
 * sl_pf_peer). Written by user space only; the program only looks up. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_PEERS_MAX);
	__type(key, struct sl_pf_lpm_key);
	__type(value, struct sl_pf_peer);
} sl_pf_peers SEC(".maps");

/* IPv6 relay peers: the same, a /128 entry each. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_PEERS_MAX);
	__type(key, struct sl_pf_lpm6_key);
	__type(value, struct sl_pf_peer);
} sl_pf_peers6 SEC(".maps");

/* Each CPU's counters and pending drops (struct sl_pf_cpu), looked up
 * once per frame. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_pf_cpu);
} sl_pf_cpu SEC(".maps");

/* Every source the program has seen lately: its bucket, its drops, its
 * cached list verdicts (sl_prefilter.h, struct sl_pf_srcslot). An array,
 * so a lookup is inlined to an address computation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_PF_SRC_SETS);
	__type(key, __u32);
	__type(value, struct sl_pf_srcset);
} sl_pf_srcs SEC(".maps");

/* The lists' generation (SL_PF_GEN_LISTS). */
__u64 sl_pf_gen SEC(".data.gen");

/* IPv6 sources' prefixes that hold a narrower list entry (SL_PF_V_FINE);
 * looked up only when a slot's verdicts are asked. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_FINE6_MAX);
	__type(key, struct sl_pf_srckey);
	__type(value, __u32);
} sl_pf_fine6 SEC(".maps");

/* The peers the program found in sl_pf_peers(6) lately (struct
 * sl_pf_peerc); written by the program only. Global data, as the config:
 * a slot's address is computed, not looked up. */
struct sl_pf_peerc sl_pf_peerc[1u << SL_PF_PEERC_BITS] SEC(".data.peerc");

/* Blocked prefixes, on every port of ours; written by user space only. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_BLOCK_MAX);
	__type(key, struct sl_pf_lpm_key);
	__type(value, struct sl_pf_block);
} sl_pf_block SEC(".maps");

/* Prefixes exempt from the rate limit (value unused: 1); user space only. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_ALLOW_MAX);
	__type(key, struct sl_pf_lpm_key);
	__type(value, __u32);
} sl_pf_allow SEC(".maps");

/* The IPv6 blocklist and allowlist: the same values and rules. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_BLOCK_MAX);
	__type(key, struct sl_pf_lpm6_key);
	__type(value, struct sl_pf_block);
} sl_pf_block6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_ALLOW_MAX);
	__type(key, struct sl_pf_lpm6_key);
	__type(value, __u32);
} sl_pf_allow6 SEC(".maps");

/* Every byte the shared rules may read: Ethernet, an 802.1Q tag, the
 * larger of the largest IPv4 header and the IPv6 header, UDP, a gossip
 * header. */
#define SL_PF_L3_MAX   (SL_IPV4_HLEN_MAX > SL_IPV6_HLEN ? SL_IPV4_HLEN_MAX : SL_IPV6_HLEN)
#define SL_PF_HDRS_MAX (SL_ETH_HLEN + SL_VLAN_HLEN + SL_PF_L3_MAX + SL_UDP_HLEN + \
			sizeof(struct sl_gossip_hdr))

static __always_inline void count(struct sl_pf_cpu *pc, __u32 slot)
{
	if (slot < SL_PF__COUNT)
		pc->counters[slot]++;
}

/* CLOCK_MONOTONIC ns at the last tick (struct sl_pf_conf, jiffy_ns): one
 * load and a multiply; the coarse clock's helper when user space found no
 * tick to count by. A block of seconds may well last one tick (1-10 ms)
 * longer. */
static __always_inline __u64 now_ns(const struct sl_pf_conf *conf)
{
	if (conf->jiffy_ns)
		return conf->jiffy_base_ns + bpf_jiffies64() * conf->jiffy_ns;
	return bpf_ktime_get_coarse_ns();
}

/* The key of an IPv6 source (8-aligned) masked to the conf's prefix:
 * two word loads and two ANDs with the conf's mask of it. */
_Static_assert(__builtin_offsetof(sl_pkt_view_t, src6) % 8 == 0, "key6() reads src6 in words");
static __always_inline struct sl_pf_srckey key6(const struct sl_pf_conf *conf, const __u8 a[16])
{
	struct sl_pf_srckey k = sl_pf_srckey6(a, 128);
	k.w[0] &= conf->ip6_mask[0];
	k.w[1] &= conf->ip6_mask[1];
	return k;
}

/* The slot of the source k (hash h): the one of its set that holds it, or
 * else the set's empty or least recently seen one, taken for it afresh.
 * *idx: the slot's number (set * SL_PF_SRC_WAYS + way). NULL only if the
 * array lookup fails, which no set number the conf's src_sets_bits give
 * does (sl_prefilter_configure writes them from the map's size). */
static __always_inline struct sl_pf_srcslot *src_slot(const struct sl_pf_conf *conf,
						       const struct sl_pf_srckey *k, __u64 h,
						       __u32 *idx)
{
	__u32 set = sl_pf_src_set(conf, h);
	struct sl_pf_srcset *ss = bpf_map_lookup_elem(&sl_pf_srcs, &set);
	if (!ss)
		return NULL;
	const __u32 now = (__u32)bpf_jiffies64();
	struct sl_pf_srcslot *a = &ss->way[0], *b = &ss->way[1], *s;
	_Static_assert(SL_PF_SRC_WAYS == 2, "src_slot() looks at two ways");
	if (a->epoch && a->key.w[0] == k->w[0] && a->key.w[1] == k->w[1]) {
		s = a;
		*idx = set * SL_PF_SRC_WAYS;
	} else if (b->epoch && b->key.w[0] == k->w[0] && b->key.w[1] == k->w[1]) {
		s = b;
		*idx = set * SL_PF_SRC_WAYS + 1;
	} else {
		/* modulo 2^32 jiffies: right for ages under 24 days at HZ 1000 */
		int use_b = a->epoch && (!b->epoch || (__s32)(b->seen - a->seen) < 0);
		s = use_b ? b : a;
		*idx = set * SL_PF_SRC_WAYS + (__u32)use_b;
		s->key = *k;
		s->tokens = 0;
		s->last_ns = 0; /* with tokens 0: a full bucket (take_token) */
		s->drops = 0;
		s->vkey = ~0ull; /* no generation's: the verdicts are asked */
		s->verdict = 0;
		s->epoch = s->epoch + 1 ? s->epoch + 1 : 1;
		s->seen = now;
		return s;
	}
	if (s->seen != now) /* a store per tick, not per frame */
		s->seen = now;
	return s;
}

/* One more drop against the slot s (number idx): this CPU's pending count
 * while its drops are all this source's; the pending count of the source
 * before goes into its slot, if the slot is still that source's. */
static __always_inline void count_src(struct sl_pf_cpu *pc, struct sl_pf_srcslot *s, __u32 idx)
{
	struct sl_pf_srcpend *p = &pc->pend;
	if (p->slot == idx && p->epoch == s->epoch) {
		p->n++;
		return;
	}
	if (p->n) {
		__u32 set = p->slot / SL_PF_SRC_WAYS;
		struct sl_pf_srcset *o = bpf_map_lookup_elem(&sl_pf_srcs, &set);
		if (o) {
			struct sl_pf_srcslot *os = &o->way[p->slot % SL_PF_SRC_WAYS];
			if (os->epoch == p->epoch)
				__sync_fetch_and_add(&os->drops, p->n);
		}
	}
	p->slot = idx;
	p->epoch = s->epoch;
	p->n = 1;
}

/* A drop, counted by reason and against the source's slot. */
static __always_inline int drop_at(struct sl_pf_cpu *pc, __u32 slot, struct sl_pf_srcslot *s,
				   __u32 idx)
{
	count(pc, slot);
	count_src(pc, s, idx);
	return XDP_DROP;
}

/* A drop counted against the source of key k. */
static __always_inline int drop_key(const struct sl_pf_conf *conf, struct sl_pf_cpu *pc,
				    __u32 slot, const struct sl_pf_srckey *k)
{
	__u32 idx;
	struct sl_pf_srcslot *s = src_slot(conf, k, sl_pf_src_hash(conf, k), &idx);
	if (!s) {
		count(pc, slot);
		return XDP_DROP;
	}
	return drop_at(pc, slot, s, idx);
}

/* A frame that sl_pkt_check() rejected and that is not the kernel's: dropped
 * against the source it claims (0.0.0.0 when it reaches no source field),
 * read at hdrs: in the packet (in_place: it holds SL_PKT_FAST_MAX bytes,
 * so sl_pkt_src_fast() finds what sl_pkt_src_addr() would, with word
 * loads) or in the header copy. */
static __always_inline int drop_claimed(const struct sl_pf_conf *conf, struct sl_pf_cpu *pc,
					 __u32 slot, const __u8 *hdrs, __u32 len, int in_place)
{
	struct sl_pf_srckey k;
	if (in_place) {
		sl_pkt_view_t c __attribute__((aligned(8)));
		const unsigned fam = sl_pkt_src_fast(hdrs, &c);
		k = fam == 6 ? key6(conf, c.src6) : sl_pf_srckey4(fam == 4 ? c.src_ip : 0);
	} else {
		__u8 src[16] __attribute__((aligned(8))) = {0};
		k = sl_pkt_src_addr(hdrs, len, src) == 6 ? key6(conf, src)
							   : sl_pf_srckey4(sl_pkt_rd_le32(src));
	}
	return drop_key(conf, pc, slot, &k);
}

/* Does a live entry of a blocklist (sl_pf_block with a struct
 * sl_pf_lpm_key, sl_pf_block6 with a struct sl_pf_lpm6_key, both with the
 * prefix length first and set to the address's full length, max_len)
 * cover the key's address at now? The longest match decides unless it has
 * expired; then the next shorter one is looked up, and so on (at most
 * max_len + 1 lookups, each for a shorter prefix). 0: no; else the live
 * match's end, ~0 for ever. */
static __always_inline __u64 walk(void *map, void *key, __u32 max_len, __u64 now)
{
	__u32 *prefixlen = key;
	for (__u32 i = 0; i <= max_len; i++) {
		const struct sl_pf_block *b = bpf_map_lookup_elem(map, key);
		if (!b)
			return 0;
		if (sl_pf_block_live(b, now))
			return b->expiry_ns ? b->expiry_ns : ~0ull;
		if (b->prefixlen == 0 || b->prefixlen > *prefixlen)
			return 0; /* a /0 has nothing shorter; > : not our writer's */
		*prefixlen = b->prefixlen - 1;
	}
	return 0;
}

/* The walks of each family's blocklist, as global functions: the verifier
 * checks each once, where an inlined walk of up to 129 lookups would be
 * checked again for every path that reaches it (and exceed its budget). */
__attribute__((noinline)) __u64 sl_pf_walk4(struct sl_pf_lpm_key *k, __u64 now)
{
	return k ? walk(&sl_pf_block, k, 32, now) : 0;
}

__attribute__((noinline)) __u64 sl_pf_walk6(struct sl_pf_lpm6_key *k, __u64 now)
{
	return k ? walk(&sl_pf_block6, k, 128, now) : 0;
}

/* The source's verdict bits (SL_PF_V_BLOCKED with its end or
 * SL_PF_V_FOREVER, SL_PF_V_ALLOWED) from the tries: the blocklist and the
 * allowlist of its family, each for its whole address (an IPv6 list entry
 * may be narrower than its bucket's prefix). */
static __always_inline __u64 ask_tries(const struct sl_pf_conf *conf, const sl_pkt_view_t *v,
				       int fam, __u64 *now)
{
	__u64 vd = 0, end;
	int is_allowed;
	if (*now == 0)
		*now = now_ns(conf);
	if (fam == 4) {
		struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = v->src_ip};
		end = sl_pf_walk4(&k, *now);
		k.prefixlen = 32;
		is_allowed = bpf_map_lookup_elem(&sl_pf_allow, &k) != NULL;
	} else {
		struct sl_pf_lpm6_key k = {.prefixlen = 128};
		__builtin_memcpy(k.addr, v->src6, sizeof(k.addr));
		end = sl_pf_walk6(&k, *now);
		k.prefixlen = 128;
		is_allowed = bpf_map_lookup_elem(&sl_pf_allow6, &k) != NULL;
	}
	if (end == ~0ull) {
		vd = SL_PF_V_BLOCKED | SL_PF_V_FOREVER;
	} else if (end != 0) {
		/* its end rounded up to a unit, or the horizon if sooner */
		__u64 unit = (end + (1ull << SL_PF_V_UNIT_SHIFT) - 1) >> SL_PF_V_UNIT_SHIFT;
		__u64 horizon = (*now >> SL_PF_V_UNIT_SHIFT) + SL_PF_V_HORIZON;
		vd = SL_PF_V_BLOCKED | (unit < horizon ? unit : horizon) << 32;
	}
	if (is_allowed)
		vd |= SL_PF_V_ALLOWED;
	return vd;
}

/* The frame's source's verdict bits: from its slot while they are of
 * generation gen of the lists (and a cached block has not ended), else
 * from the tries, then cached. An IPv6 slot whose prefix (k) holds a
 * narrower list entry caches only that (SL_PF_V_FINE), and asks for every
 * frame. */
static __always_inline __u64 lists(const struct sl_pf_conf *conf, const sl_pkt_view_t *v,
				   int fam, struct sl_pf_srcslot *s, const struct sl_pf_srckey *k,
				   __u64 h, __u64 gen, __u64 *now)
{
	const __u64 want = gen << 32 | (__u32)(h >> 16);
	if (s->vkey == want) {
		__u64 vd = s->verdict;
		if ((vd & SL_PF_V_CHECK_MASK) == sl_pf_v_check(want)) {
			/* the common case first: one test */
			if (!(vd & (SL_PF_V_FINE | SL_PF_V_BLOCKED)))
				return vd;
			if (vd & SL_PF_V_FINE)
				return ask_tries(conf, v, fam, now);
			if (!(vd & SL_PF_V_BLOCKED) || (vd & SL_PF_V_FOREVER))
				return vd;
			if (*now == 0)
				*now = now_ns(conf);
			if ((__s32)((__u32)(vd >> 32) - (__u32)(*now >> SL_PF_V_UNIT_SHIFT)) > 0)
				return vd;
			/* the cached block has ended: a shorter one may hold */
		}
	}
	__u64 vd = ask_tries(conf, v, fam, now);
	const __u64 fine = fam == 6 && bpf_map_lookup_elem(&sl_pf_fine6, k) ? SL_PF_V_FINE : 0;
	s->verdict = vd | fine | sl_pf_v_check(want);
	s->vkey = want;
	return vd;
}

/* Takes one packet from the slot's bucket at now; 0 when it is empty.
 * Refill and cost are in ns (sl_prefilter.h): no division, no floating
 * point. A new slot (last_ns 0) is a full bucket. */
static __always_inline int take_token(const struct sl_pf_conf *conf, struct sl_pf_srcslot *s,
				      __u64 now)
{
	/* sl_pf_conf_rate() makes every bucket hold a tick */
	__u64 cost = conf->token_ns, depth = conf->bucket_ns;
	__u64 tokens = s->tokens, last = s->last_ns;
	if (last == 0) {
		tokens = depth;
		s->last_ns = now;
	} else if (now > last) {
		__u64 elapsed = now - last;
		tokens = tokens >= depth || elapsed >= depth - tokens ? depth : tokens + elapsed;
		s->last_ns = now;
	}
	if (tokens < cost) {
		s->tokens = tokens;
		return 0;
	}
	s->tokens = tokens - cost;
	return 1;
}

/* A gossip source's key in the peers' cache: its whole address. */
static __always_inline struct sl_pf_srckey peer_key(const sl_pkt_view_t *v, int fam)
{
	return fam == 4 ? sl_pf_srckey4(v->src_ip) : sl_pf_srckey6(v->src6, 128);
}

/* The peers' cache slot of a source whose hash is h. */
static __always_inline struct sl_pf_peerc *peerc_at(__u64 h)
{
	return &sl_pf_peerc[h >> (64 - SL_PF_PEERC_BITS)];
}

/* Does the peers' cache pass a gossip frame from v's source (hash h) that
 * carries token, in the lists' generation gen (struct sl_pf_peerc)? */
static __always_inline int peerc_passes(const struct sl_pf_conf *conf, const sl_pkt_view_t *v,
					int fam, __u64 h, __u64 gen, __u64 token)
{
	const struct sl_pf_peerc *c = peerc_at(h);
	const struct sl_pf_srckey pk = peer_key(v, fam);
	return c->key.w[0] == pk.w[0] && c->key.w[1] == pk.w[1] && c->gen == gen &&
	       c->check == sl_pf_peerc_check(conf, c) && sl_pf_token_ok(&c->peer, token);
}

/* Does a gossip frame from v's source (hash h) carry one of its peer's
 * tokens? 1 yes, 0 no, -1 the source is no relay peer. Asks the trie; a
 * yes fills the source's slot in the peers' cache with the entry and gen,
 * the lists' generation the frame's checks ran in. */
static __always_inline int peer_token(const struct sl_pf_conf *conf, const sl_pkt_view_t *v,
				      int fam, __u64 h, __u64 gen, __u64 token)
{
	const struct sl_pf_peer *peer;
	if (fam == 4) {
		struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = v->src_ip};
		peer = bpf_map_lookup_elem(&sl_pf_peers, &k);
	} else {
		struct sl_pf_lpm6_key k = {.prefixlen = 128};
		__builtin_memcpy(k.addr, v->src6, sizeof(k.addr));
		peer = bpf_map_lookup_elem(&sl_pf_peers6, &k);
	}
	if (!peer)
		return -1;
	if (!sl_pf_token_ok(peer, token))
		return 0;
	/* the check word from this frame's own words, not read back: a
	 * slot another CPU writes at the same time must not check */
	struct sl_pf_peerc e = {.key = peer_key(v, fam), .gen = gen, .peer = *peer};
	e.check = sl_pf_peerc_check(conf, &e);
	*peerc_at(h) = e;
	return 1;
}

/* Is the frame to this relay's address of its family? While the conf's
 * ip6 is all zero, no IPv6 frame is (not even one to ::). */
_Static_assert(__builtin_offsetof(struct sl_pf_conf, ip6) % 8 == 0, "to_us() reads conf->ip6 in 64-bit halves");
_Static_assert(__builtin_offsetof(sl_pkt_view_t, dst6) % 8 == 0, "to_us() reads dst6 in 64-bit halves");
static __always_inline int to_us(const struct sl_pf_conf *conf, const sl_pkt_view_t *v, int fam)
{
	if (fam == 4)
		return v->dst_ip == conf->ip;
	/* two 64-bit halves (memcpy: the bytes keep their type); conf->ip6
	 * and the view's dst6 are both 8-aligned, so each is one load */
	__u64 d[2], ip6[2];
	__builtin_memcpy(d, v->dst6, sizeof(d));
	__builtin_memcpy(ip6, conf->ip6, sizeof(ip6));
	return ((d[0] ^ ip6[0]) | (d[1] ^ ip6[1])) == 0 && (ip6[0] | ip6[1]) != 0;
}

/* A frame the shared rules rejected, read at hdrs (the packet in place or
 * its header copy): the kernel's, or dropped against the source it claims. */
static __always_inline int reject(const struct sl_pf_conf *conf, struct sl_pf_cpu *pc,
				  sl_pkt_verdict_t verdict, const __u8 *hdrs, __u32 len, int in_place)
{
	__u32 slot = sl_pf_pkt_slot(verdict);
	if (sl_pf_pkt_passes(verdict)) {
		count(pc, slot);
		return XDP_PASS;
	}
	return drop_claimed(conf, pc, slot, hdrs, len, in_place);
}

/* A frame for sluice: to the socket of its rx queue. No socket on this
 * queue (or under bpf_prog_test_run): the kernel. */
static __always_inline int redirect(struct xdp_md *ctx, struct sl_pf_cpu *pc)
{
	count(pc, SL_PF_REDIRECTED);
	return (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

/* The little-endian word at p: in the packet (in_place) one load at any
 * offset, in the header copy byte-wise (stack loads must be aligned). */
static __always_inline __u64 rd_le64(const __u8 *p, int in_place)
{
	return in_place ? SL_PKT_FAST_LE64(p) : sl_pkt_rd_le64(p);
}

/* The decisions on a frame to this relay's address and to its gossip port
 * (gossip) or its ingest port, of family fam (4 or 6; v->family), that the
 * shared rules accepted (view v) and that holds a gossip header's bytes at
 * g, where its UDP payload starts: in the packet (in_place: a word load at
 * any offset) or in the header copy (byte loads: stack loads must be
 * aligned). A peer's gossip that the peers' cache vouches for passes
 * before the source's slot. */
static __always_inline int admit(struct xdp_md *ctx, const struct sl_pf_conf *conf,
				  struct sl_pf_cpu *pc, const sl_pkt_view_t *v, int fam,
				  const __u8 *g, int in_place, int gossip)
{
	struct sl_pf_srckey k = fam == 4 ? sl_pf_srckey4(v->src_ip) : key6(conf, v->src6);
	const __u64 h = sl_pf_src_hash(conf, &k);
	/* read once, before any trie: what this frame's checks find is of
	 * this generation or a later one */
	const __u64 gen = sl_pf_gen;
	const __u8 *t = g + __builtin_offsetof(struct sl_gossip_hdr, token);
	if (gossip && v->payload_len <= SL_PF_GOSSIP_MAX &&
	    sl_gossip_check_word(rd_le64(g, in_place), v->payload_len) == SL_GOSSIP_OK &&
	    peerc_passes(conf, v, fam, h, gen, rd_le64(t, in_place)))
		return redirect(ctx, pc);
	__u32 idx;
	struct sl_pf_srcslot *s = src_slot(conf, &k, h, &idx);
	if (!s)
		return XDP_ABORTED; /* cannot be: src_slot() */
	__u64 now = 0; /* read once, when first needed */
	const __u64 vd = lists(conf, v, fam, s, &k, h, gen, &now);
	if (vd & SL_PF_V_BLOCKED)
		return drop_at(pc, SL_PF_DROP_BLOCKLISTED, s, idx);
	if (v->payload_len > (gossip ? SL_PF_GOSSIP_MAX : SL_PF_INGEST_MAX))
		return drop_at(pc, SL_PF_DROP_OVERSIZE, s, idx);
	if (gossip) {
		if (sl_gossip_check_word(rd_le64(g, in_place), v->payload_len) != SL_GOSSIP_OK)
			return drop_at(pc, SL_PF_DROP_GOSSIP_HDR, s, idx);
		const int ok = peer_token(conf, v, fam, h, gen, rd_le64(t, in_place));
		if (ok < 0)
			return drop_at(pc, SL_PF_DROP_UNKNOWN_PEER, s, idx);
		if (!ok)
			return drop_at(pc, SL_PF_DROP_BAD_TOKEN, s, idx);
	} else if (conf->token_ns != 0 && !(vd & SL_PF_V_ALLOWED)) {
		if (now == 0)
			now = now_ns(conf);
		if (!take_token(conf, s, now))
			return drop_at(pc, SL_PF_DROP_RATE_LIMITED, s, idx);
	}
	return redirect(ctx, pc);
}

/* A frame the shared rules accepted, as admit() takes it: admitted when
 * it is to this relay's address and one of its ports, else the kernel's.
 * Each call passes constants where it can: in_place, and the family of a
 * frame read in place; and this calls admit() with the port's kind as a
 * constant. Each inlined copy then holds only its own family's and port's
 * branches, and keeps its view in registers: an ingest frame costs about
 * 0.3x xdp/pass less than through one copy for both ports and families
 * (bench/README.md). Only the gossip port's decisions read the gossip
 * header at g: in place, where the frame ends at end, one that does not
 * hold all of it returns -1, for the header copy to decide on. */
static __always_inline int decide(struct xdp_md *ctx, const struct sl_pf_conf *conf,
				  struct sl_pf_cpu *pc, const sl_pkt_view_t *v, int fam,
				  const __u8 *g, const __u8 *end, int in_place)
{
	if (to_us(conf, v, fam)) {
		/* the config refuses one port for both (sl_config.c) */
		if (v->dst_port == conf->ingest_port)
			return admit(ctx, conf, pc, v, fam, g, in_place, 0);
		if (conf->gossip_port && v->dst_port == conf->gossip_port) {
			if (in_place && g + sizeof(struct sl_gossip_hdr) > end)
				return -1;
			return admit(ctx, conf, pc, v, fam, g, in_place, 1);
		}
	}
	count(pc, SL_PF_PASS_NOT_OURS);
	return XDP_PASS;
}

SEC("xdp")
int sl_prefilter(struct xdp_md *ctx)
{
	const struct sl_pf_conf *conf = &sl_pf_conf;
	__u32 zero = 0;
	struct sl_pf_cpu *pc = bpf_map_lookup_elem(&sl_pf_cpu, &zero);
	if (!pc)
		return XDP_PASS; /* cannot be: key 0 of a one-entry array */
	if (conf->ingest_port == 0) {
		count(pc, SL_PF_PASS_UNCONFIGURED);
		return XDP_PASS;
	}

	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *data_end = (const __u8 *)(long)ctx->data_end;
	/* The whole frame: a program not loaded as xdp.frags sees one linear
	 * buffer, so no helper call is needed for its length. */
	__u32 len = (__u32)(data_end - data);
	/* Nearly every frame is IPv4 without options or IPv6 without
	 * extension headers, tagged or not: sl_pkt_check_fast() reads those
	 * in place at constant offsets, once the frame is known to hold them,
	 * without the copy below, and so does sl_pkt_check_const() to judge
	 * the frames it refuses. A gossip frame whose gossip header is not all
	 * in the frame is left to the copy (decide() returns -1). */
	if (data + SL_PKT_FAST_MAX <= data_end) {
		/* what the compare says, for the compiler: it drops the length
		 * checks of sl_pkt_check_fast() that this one covers */
		__builtin_assume(len >= SL_PKT_FAST_MAX);
		/* 8-aligned: to_us() reads its IPv6 addresses in 64-bit halves */
		sl_pkt_view_t v __attribute__((aligned(8)));
		if (sl_pkt_check_fast(data, len, &v)) {
			const __u8 *g = data + v.payload_off;
			const int act = v.family == 4 /* a constant for each copy */
						? decide(ctx, conf, pc, &v, 4, g, data_end, 1)
						: decide(ctx, conf, pc, &v, 6, g, data_end, 1);
			if (act >= 0)
				return act;
		} else {
			sl_pkt_view_t none; /* apart from v, which stays in registers */
			sl_pkt_verdict_t verdict = sl_pkt_check_const(data, len, &none);
			if (verdict != SL_PKT_OK && verdict != SL_PKT_ASK)
				return reject(conf, pc, verdict, data, len, 1);
		}
	}

	/* The shared rules take (data, len) and read only the headers: they
	 * run on a copy of those, with the frame's true length, because the
	 * verifier cannot bound packet reads by a scalar length. A frame that
	 * holds all the headers could have (every real one) is copied with
	 * word loads; a shorter one by the helper, into a copy zeroed first
	 * so that every byte the rules might reach is initialised in the
	 * verifier's eyes (they never read past len). */
	__u64 hdrs64[(SL_PF_HDRS_MAX + 7) / 8];
	__u8 *hdrs = (__u8 *)hdrs64;
	_Static_assert(sizeof(hdrs64) <= 0x80, "n's mask below keeps every length under the copy's");
	if (data + sizeof(hdrs64) <= data_end) {
		for (unsigned i = 0; i < sizeof(hdrs64) / 8; i++)
			hdrs64[i] = *(const __u64 *)(const void *)(data + 8 * i);
	} else {
		__builtin_memset(hdrs64, 0, sizeof(hdrs64));
		/* 64-bit: from a 32-bit n clang hands the helper a register
		 * whose upper half the verifier cannot bound. The frame is
		 * shorter than the copy here, so the mask loses nothing; it
		 * tells the verifier, which with 32-bit arithmetic (-mcpu=v3)
		 * does not bound len's upper half either. */
		__u64 n = len & 0x7f;
		if (n > sizeof(hdrs64))
			n = sizeof(hdrs64);
		if (n && bpf_xdp_load_bytes(ctx, 0, hdrs, n) != 0)
			len = 0; /* n <= len: cannot fail; if it did, nothing is known */
	}

	sl_pkt_view_t v __attribute__((aligned(8)));
	sl_pkt_verdict_t verdict = sl_pkt_check(hdrs, len, &v);
	if (verdict != SL_PKT_OK)
		return reject(conf, pc, verdict, hdrs, len, 0);
	/* payload_off is at most 18 + 60 + 8, so the gossip header lies
	 * inside the copy; the clamp says so to the verifier, which loses
	 * the bound when the view comes back from the stack. */
	__u32 off = v.payload_off;
	if (off > SL_PF_HDRS_MAX - sizeof(struct sl_gossip_hdr))
		off = SL_PF_HDRS_MAX - sizeof(struct sl_gossip_hdr);
	return decide(ctx, conf, pc, &v, v.family, hdrs + off, NULL, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
