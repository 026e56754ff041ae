/* sl_prefilter: the XDP program in front of sluice's AF_XDP sockets
 * (bpf/README.md). The shared rules of sl_pkt_sanity.h, a size bound, the
 * gossip header rules, the blocklist, for gossip the sender's entry in the
 * peer table with its token and for ingest the per-source rate limit
 * decide; what passes them and is for sluice's ports goes to
 * the socket of its rx queue, other traffic to the kernel, and every drop is
 * counted by reason and by source. IPv4 and IPv6 frames, tagged or not, take
 * the same decisions; each family has its own source maps, and an IPv4
 * frame touches none of the IPv6 ones. */
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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_pf_conf);
} sl_pf_conf SEC(".maps");

/* Relay peers: address (sl_pkt_view_t form) -> the tokens they may carry.
 * Written by user space only; the program only looks up. Not preallocated
 * (what a reader may see of an update: sl_prefilter.h, struct sl_pf_peer). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_PEERS_MAX);
	__type(key, __u32);
	__type(value, struct sl_pf_peer);
} sl_pf_peers SEC(".maps");

/* IPv6 relay peers: the same, keyed by the 16 address bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_PEERS_MAX);
	__type(key, struct sl_pf_key6);
	__type(value, struct sl_pf_peer);
} sl_pf_peers6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_PF__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} sl_pf_counters SEC(".maps");

/* Key: the source address as sl_pkt_view_t holds it; 0 for frames too
 * short to carry one (or not IP). Value: drops. Shared by all CPUs, hence
 * atomic adds. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_PF_SRC_DROPS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_pf_src_drops SEC(".maps");

/* IPv6 sources' drops, per ip6_prefix-masked address with that length. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_PF_SRC_DROPS_MAX);
	__type(key, struct sl_pf_lpm6_key);
	__type(value, __u64);
} sl_pf_srcdrops6 SEC(".maps");

/* Ingest sources' token buckets (sl_prefilter.h, struct sl_pf_bucket). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_PF_RATE_MAX);
	__type(key, __u32);
	__type(value, struct sl_pf_bucket);
} sl_pf_rate SEC(".maps");

/* IPv6 ingest sources' token buckets, per ip6_prefix-masked address. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_PF_RATE_MAX);
	__type(key, struct sl_pf_key6);
	__type(value, struct sl_pf_bucket);
} sl_pf_rate6 SEC(".maps");

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

static __always_inline void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&sl_pf_counters, &slot);
	if (c)
		(*c)++;
}

/* One more drop for a source in a drops map. */
static __always_inline void count_src(void *map, const void *key)
{
	__u64 one = 1, *n = bpf_map_lookup_elem(map, key);
	if (n) {
		__sync_fetch_and_add(n, 1);
	} else if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) != 0) {
		/* another CPU inserted it meanwhile */
		n = bpf_map_lookup_elem(map, key);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
}

/* A drop, counted by reason and against the IPv4 source src. */
static __always_inline int drop(__u32 slot, __u32 src)
{
	count(slot);
	count_src(&sl_pf_src_drops, &src);
	return XDP_DROP;
}

/* A drop, counted by reason and against the IPv6 source src's prefix. */
static __always_inline int drop6(const struct sl_pf_conf *conf, __u32 slot, const __u8 src[16])
{
	count(slot);
	struct sl_pf_lpm6_key k = {.prefixlen = sl_pf_ip6_prefix(conf)};
	__builtin_memcpy(k.addr, src, sizeof(k.addr));
	sl_pf_mask6(k.addr, k.prefixlen);
	count_src(&sl_pf_srcdrops6, &k);
	return XDP_DROP;
}

/* A frame that sl_pkt_check() rejected and that is not the kernel's: dropped
 * against the source it claims, in its family's map (0.0.0.0 when it
 * reaches no source field). */
static __always_inline int drop_claimed(const struct sl_pf_conf *conf, __u32 slot,
					 const __u8 *hdrs, __u32 len)
{
	__u8 src[16] = {0};
	if (sl_pkt_src_addr(hdrs, len, src) == 6)
		return drop6(conf, slot, src);
	return drop(slot, sl_pkt_rd_le32(src));
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

/* Does a live entry of a blocklist (sl_pf_block with a struct
 * sl_pf_lpm_key, sl_pf_block6 with a struct sl_pf_lpm6_key, both with the
 * prefix length first and set to the address's full length, max_len)
 * cover the key's address? The longest match decides unless it has
 * expired; then the next shorter one is looked up, and so on (at most
 * max_len + 1 lookups, each for a shorter prefix). */
static __always_inline int blocked(const struct sl_pf_conf *conf, void *map, void *key,
				   __u32 max_len)
{
	__u32 *prefixlen = key;
	__u64 now = 0;
	for (__u32 i = 0; i <= max_len; i++) {
		const struct sl_pf_block *b = bpf_map_lookup_elem(map, key);
		if (!b)
			return 0;
		/* The clock only for a match that can expire, and the tick's:
		 * on a VM a precise read (kvm-clock) costs more than the rest
		 * of a frame's checks (bench/README.md, xdp/). */
		if (b->expiry_ns != 0 && now == 0)
			now = now_ns(conf);
		if (sl_pf_block_live(b, now))
			return 1;
		if (b->prefixlen == 0 || b->prefixlen > *prefixlen)
			return 0; /* a /0 has nothing shorter; > : not our writer's */
		*prefixlen = b->prefixlen - 1;
	}
	return 0;
}

/* Takes one packet from the bucket of key in map (sl_pf_rate or
 * sl_pf_rate6); 0 when it is empty. Refill and cost are in ns
 * (sl_prefilter.h): no division, no floating point. */
static __always_inline int take_token(const struct sl_pf_conf *conf, void *map, const void *key)
{
	/* the tick's clock: sl_pf_conf_rate() makes every bucket hold a tick */
	__u64 cost = conf->token_ns, depth = conf->bucket_ns, now = now_ns(conf);
	struct sl_pf_bucket *b = bpf_map_lookup_elem(map, key);
	if (!b) {
		/* a new (or evicted) source: a full bucket, less this packet;
		 * if another CPU inserted it meanwhile, this one packet is free */
		struct sl_pf_bucket nb = {.tokens = depth > cost ? depth - cost : 0, .last_ns = now};
		bpf_map_update_elem(map, key, &nb, BPF_NOEXIST);
		return 1;
	}
	__u64 tokens = b->tokens, last = b->last_ns;
	if (now > last) {
		__u64 elapsed = now - last;
		tokens = tokens >= depth || elapsed >= depth - tokens ? depth : tokens + elapsed;
		b->last_ns = now;
	}
	if (tokens < cost) {
		b->tokens = tokens;
		return 0;
	}
	b->tokens = tokens - cost;
	return 1;
}

/* Do an ingest frame's source (v4 or v6) and the rate limit let it in? An
 * IPv6 source's bucket is its ip6_prefix's; its allowlist entry may be
 * narrower. */
static __always_inline int rate_ok(const struct sl_pf_conf *conf, const sl_pkt_view_t *v)
{
	if (conf->token_ns == 0)
		return 1;
	if (v->family == 4) {
		struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = v->src_ip};
		if (bpf_map_lookup_elem(&sl_pf_allow, &k))
			return 1;
		return take_token(conf, &sl_pf_rate, &v->src_ip);
	}
	struct sl_pf_lpm6_key k = {.prefixlen = 128};
	__builtin_memcpy(k.addr, v->src6, sizeof(k.addr));
	if (bpf_map_lookup_elem(&sl_pf_allow6, &k))
		return 1;
	struct sl_pf_key6 bucket;
	__builtin_memcpy(bucket.addr, v->src6, sizeof(bucket.addr));
	sl_pf_mask6(bucket.addr, sl_pf_ip6_prefix(conf));
	return take_token(conf, &sl_pf_rate6, &bucket);
}

/* Is the frame to this relay's address of its family? While the conf's
 * ip6 is all zero, no IPv6 frame is (not even one to ::). */
_Static_assert(__builtin_offsetof(struct sl_pf_conf, ip6) % 8 == 0, "to_us() reads conf->ip6 in 64-bit halves");
_Static_assert(__builtin_offsetof(sl_pkt_view_t, dst6) % 8 == 0, "to_us() reads dst6 in 64-bit halves");
static __always_inline int to_us(const struct sl_pf_conf *conf, const sl_pkt_view_t *v)
{
	if (v->family == 4)
		return v->dst_ip == conf->ip;
	/* two 64-bit halves (memcpy: the bytes keep their type); conf->ip6
	 * and the view's dst6 are both 8-aligned, so each is one load */
	__u64 d[2], ip6[2];
	__builtin_memcpy(d, v->dst6, sizeof(d));
	__builtin_memcpy(ip6, conf->ip6, sizeof(ip6));
	return ((d[0] ^ ip6[0]) | (d[1] ^ ip6[1])) == 0 && (ip6[0] | ip6[1]) != 0;
}

/* Is the source in a live blocklist entry of its family? */
static __always_inline int src_blocked(const struct sl_pf_conf *conf, const sl_pkt_view_t *v)
{
	if (v->family == 4) {
		struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = v->src_ip};
		return blocked(conf, &sl_pf_block, &k, 32);
	}
	struct sl_pf_lpm6_key k = {.prefixlen = 128};
	__builtin_memcpy(k.addr, v->src6, sizeof(k.addr));
	return blocked(conf, &sl_pf_block6, &k, 128);
}

/* A drop of an accepted frame, against its source. */
static __always_inline int drop_src(const struct sl_pf_conf *conf, __u32 slot,
				    const sl_pkt_view_t *v)
{
	return v->family == 4 ? drop(slot, v->src_ip) : drop6(conf, slot, v->src6);
}

SEC("xdp")
int sl_prefilter(struct xdp_md *ctx)
{
	__u32 zero = 0;
	const struct sl_pf_conf *conf = bpf_map_lookup_elem(&sl_pf_conf, &zero);
	if (!conf || conf->ingest_port == 0) {
		count(SL_PF_PASS_UNCONFIGURED);
		return XDP_PASS;
	}

	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *data_end = (const __u8 *)(long)ctx->data_end;
	/* The whole frame: a program not loaded as xdp.frags sees one linear
	 * buffer, so no helper call is needed for its length. */
	__u32 len = (__u32)(data_end - data);
	/* 8-aligned: to_us() reads its IPv6 addresses in 64-bit halves */
	sl_pkt_view_t v __attribute__((aligned(8)));
	const __u8 *g; /* where a gossip header would be */
	/* Nearly every frame is IPv4 without options or IPv6 without
	 * extension headers, tagged or not: sl_pkt_check_fast() reads those
	 * in place at constant offsets, once the frame is known to hold them,
	 * without the copy below. The gossip header lies inside any frame it
	 * accepts; the verifier is told so by the second compare. */
	if (data + SL_PKT_FAST_MAX <= data_end && sl_pkt_check_fast(data, len, &v)) {
		g = data + v.payload_off;
		if (g + sizeof(struct sl_gossip_hdr) <= data_end)
			goto checked;
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
	if (data + sizeof(hdrs64) <= data_end) {
		for (unsigned i = 0; i < sizeof(hdrs64) / 8; i++)
			hdrs64[i] = *(const __u64 *)(const void *)(data + 8 * i);
	} else {
		__builtin_memset(hdrs64, 0, sizeof(hdrs64));
		/* 64-bit: from a 32-bit n clang hands the helper a register
		 * whose upper half the verifier cannot bound. */
		__u64 n = len;
		if (n > sizeof(hdrs64))
			n = sizeof(hdrs64);
		if (n && bpf_xdp_load_bytes(ctx, 0, hdrs, n) != 0)
			len = 0; /* n <= len: cannot fail; if it did, nothing is known */
	}

	sl_pkt_verdict_t verdict = sl_pkt_check(hdrs, len, &v);
	if (verdict != SL_PKT_OK) {
		__u32 slot = sl_pf_pkt_slot(verdict);
		if (sl_pf_pkt_passes(verdict)) {
			count(slot);
			return XDP_PASS;
		}
		return drop_claimed(conf, slot, hdrs, len);
	}
	/* payload_off is at most 18 + 60 + 8, so the gossip header lies
	 * inside the copy; the clamp says so to the verifier, which loses
	 * the bound when the view comes back from the stack. */
	__u32 off = v.payload_off;
	if (off > SL_PF_HDRS_MAX - sizeof(struct sl_gossip_hdr))
		off = SL_PF_HDRS_MAX - sizeof(struct sl_gossip_hdr);
	g = hdrs + off;

checked:;

	int ingest = v.dst_port == conf->ingest_port;
	int gossip = conf->gossip_port && v.dst_port == conf->gossip_port;
	if (!(ingest || gossip) || !to_us(conf, &v)) {
		count(SL_PF_PASS_NOT_OURS);
		return XDP_PASS;
	}
	if (src_blocked(conf, &v))
		return drop_src(conf, SL_PF_DROP_BLOCKLISTED, &v);
	if (v.payload_len > (gossip ? SL_PF_GOSSIP_MAX : SL_PF_INGEST_MAX))
		return drop_src(conf, SL_PF_DROP_OVERSIZE, &v);
	if (gossip) {
		if (sl_gossip_check(g, v.payload_len) != SL_GOSSIP_OK)
			return drop_src(conf, SL_PF_DROP_GOSSIP_HDR, &v);
		const struct sl_pf_peer *peer =
			v.family == 4 ? bpf_map_lookup_elem(&sl_pf_peers, &v.src_ip)
				      : bpf_map_lookup_elem(&sl_pf_peers6, v.src6);
		if (!peer)
			return drop_src(conf, SL_PF_DROP_UNKNOWN_PEER, &v);
		if (!sl_pf_token_ok(peer, sl_gossip_token(g)))
			return drop_src(conf, SL_PF_DROP_BAD_TOKEN, &v);
	} else if (!rate_ok(conf, &v)) {
		return drop_src(conf, SL_PF_DROP_RATE_LIMITED, &v);
	}
	count(SL_PF_REDIRECTED);
	/* No socket on this queue (or under bpf_prog_test_run): the kernel. */
	return (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
