/* sl_prefilter: the XDP program in front of sluice's AF_XDP sockets
 * (bpf/README.md). The shared rules of sl_pkt_sanity.h, a size bound, the
 * gossip header rules, the blocklist, for gossip the sender's entry in the
 * peer table with its token and for ingest the per-source rate limit
 * decide; what passes them and is for sluice's ports goes to
 * the socket of its rx queue, other traffic to the kernel, and every drop is
 * counted by reason and by source. */
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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_PF__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} sl_pf_counters SEC(".maps");

/* Key: the source address as sl_pkt_view_t holds it; 0 for frames too
 * short to carry one. Value: drops. Shared by all CPUs, hence atomic adds. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_PF_SRC_DROPS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_pf_src_drops SEC(".maps");

/* Ingest sources' token buckets (sl_prefilter.h, struct sl_pf_bucket). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SL_PF_RATE_MAX);
	__type(key, __u32);
	__type(value, struct sl_pf_bucket);
} sl_pf_rate SEC(".maps");

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

/* Every byte the shared rules may read: Ethernet, the largest IPv4 header,
 * UDP, a gossip header. */
#define SL_PF_HDRS_MAX (SL_ETH_HLEN + SL_IPV4_HLEN_MAX + SL_UDP_HLEN + sizeof(struct sl_gossip_hdr))

static __always_inline void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&sl_pf_counters, &slot);
	if (c)
		(*c)++;
}

static __always_inline int drop(__u32 slot, __u32 src)
{
	count(slot);
	__u64 one = 1, *n = bpf_map_lookup_elem(&sl_pf_src_drops, &src);
	if (n) {
		__sync_fetch_and_add(n, 1);
	} else if (bpf_map_update_elem(&sl_pf_src_drops, &src, &one, BPF_NOEXIST) != 0) {
		/* another CPU inserted it meanwhile */
		n = bpf_map_lookup_elem(&sl_pf_src_drops, &src);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return XDP_DROP;
}

/* The source a rejected frame claims: where IPv4 keeps it, if the frame
 * reaches that far. */
static __always_inline __u32 claimed_src(const __u8 *hdrs, __u32 len)
{
	if (len < SL_ETH_HLEN + SL_IPV4_HLEN_MIN)
		return 0;
	return sl_pkt_src_ip(hdrs);
}

/* Does a live blocklist entry cover src? The longest match decides unless
 * it has expired; then the next shorter one is looked up, and so on (at
 * most 33 lookups, each for a shorter prefix). */
static __always_inline int blocked(__u32 src)
{
	struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = src};
	__u64 now = bpf_ktime_get_ns();
	for (int i = 0; i < 33; i++) {
		const struct sl_pf_block *b = bpf_map_lookup_elem(&sl_pf_block, &k);
		if (!b)
			return 0;
		if (sl_pf_block_live(b, now))
			return 1;
		if (b->prefixlen == 0 || b->prefixlen > k.prefixlen)
			return 0; /* a /0 has nothing shorter; > : not our writer's */
		k.prefixlen = b->prefixlen - 1;
	}
	return 0;
}

/* Takes one packet from src's bucket; 0 when it is empty. Refill and cost
 * are in ns (sl_prefilter.h): no division, no floating point. */
static __always_inline int take_token(const struct sl_pf_conf *conf, __u32 src)
{
	__u64 cost = conf->token_ns, depth = conf->bucket_ns, now = bpf_ktime_get_ns();
	struct sl_pf_bucket *b = bpf_map_lookup_elem(&sl_pf_rate, &src);
	if (!b) {
		/* a new (or evicted) source: a full bucket, less this packet;
		 * if another CPU inserted it meanwhile, this one packet is free */
		struct sl_pf_bucket nb = {.tokens = depth > cost ? depth - cost : 0, .last_ns = now};
		bpf_map_update_elem(&sl_pf_rate, &src, &nb, BPF_NOEXIST);
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

static __always_inline int rate_ok(const struct sl_pf_conf *conf, __u32 src)
{
	if (conf->token_ns == 0)
		return 1;
	struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = src};
	if (bpf_map_lookup_elem(&sl_pf_allow, &k))
		return 1;
	return take_token(conf, src);
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

	/* The shared rules take (data, len) and read only the headers: they
	 * run on a copy of those, with the frame's true length, because the
	 * verifier cannot bound packet reads by a scalar length. The copy is
	 * zeroed first so that every byte the rules might reach is initialised
	 * in the verifier's eyes (they never read past len). */
	__u8 hdrs[SL_PF_HDRS_MAX];
	__builtin_memset(hdrs, 0, sizeof(hdrs));
	__u32 len = (__u32)bpf_xdp_get_buff_len(ctx);
	/* 64-bit: from a 32-bit n clang hands the helper a register whose
	 * upper half the verifier cannot bound. */
	__u64 n = len;
	if (n > sizeof(hdrs))
		n = sizeof(hdrs);
	if (n && bpf_xdp_load_bytes(ctx, 0, hdrs, n) != 0)
		len = 0; /* n <= len, so this cannot fail; if it did, nothing is known */

	sl_pkt_view_t v;
	sl_pkt_verdict_t verdict = sl_pkt_check(hdrs, len, &v);
	if (verdict != SL_PKT_OK) {
		__u32 slot = sl_pf_pkt_slot(verdict);
		if (sl_pf_pkt_passes(verdict)) {
			count(slot);
			return XDP_PASS;
		}
		return drop(slot, claimed_src(hdrs, len));
	}

	int ingest = v.dst_port == conf->ingest_port;
	int gossip = conf->gossip_port && v.dst_port == conf->gossip_port;
	if (v.dst_ip != conf->ip || !(ingest || gossip)) {
		count(SL_PF_PASS_NOT_OURS);
		return XDP_PASS;
	}
	if (blocked(v.src_ip))
		return drop(SL_PF_DROP_BLOCKLISTED, v.src_ip);
	if (v.payload_len > (gossip ? SL_PF_GOSSIP_MAX : SL_PF_INGEST_MAX))
		return drop(SL_PF_DROP_OVERSIZE, v.src_ip);
	if (gossip) {
		const __u8 *g = hdrs + v.payload_off;
		if (sl_gossip_check(g, v.payload_len) != SL_GOSSIP_OK)
			return drop(SL_PF_DROP_GOSSIP_HDR, v.src_ip);
		const struct sl_pf_peer *peer = bpf_map_lookup_elem(&sl_pf_peers, &v.src_ip);
		if (!peer)
			return drop(SL_PF_DROP_UNKNOWN_PEER, v.src_ip);
		if (!sl_pf_token_ok(peer, sl_gossip_token(g)))
			return drop(SL_PF_DROP_BAD_TOKEN, v.src_ip);
	} else if (!rate_ok(conf, v.src_ip)) {
		return drop(SL_PF_DROP_RATE_LIMITED, v.src_ip);
	}
	count(SL_PF_REDIRECTED);
	/* No socket on this queue (or under bpf_prog_test_run): the kernel. */
	return (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
