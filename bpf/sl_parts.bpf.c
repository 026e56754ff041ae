/* sl_parts: the building blocks of the prefilter's paths, one per program,
 * each alone on an otherwise empty XDP program: the map operations and
 * helpers that bpf/sl_prefilter.bpf.c does per frame, on maps of the same
 * types, sizes and key shapes. The benchmarks xdp/part/<name>
 * (bench/bench_xdp.c) run them beside xdp/pass, so that a prefilter case's
 * cost can be read as the sum of the parts its path needs. Each program
 * passes the frame only when its operation did what the prefilter needs of
 * it (a lookup hit); the benchmark checks that, so a miss is an error, not
 * a cheaper number. Not installed. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sluice/sl_prefilter.h"

/* The key every lookup looks for; the benchmark puts it in the maps. */
#define SL_PART_KEY 0x0101630au /* 10.99.1.1 in sl_pkt_view_t form */
#define SL_PART_SET 12345u      /* where sl_part_srcs holds it */

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SL_PF_QUEUES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* as sl_pf_srcs: the sources' sets of slots */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_PF_SRC_SETS);
	__type(key, __u32);
	__type(value, struct sl_pf_srcset);
} sl_part_srcs SEC(".maps");

/* as sl_pf_block: a prefix covering the key */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SL_PF_BLOCK_MAX);
	__type(key, struct sl_pf_lpm_key);
	__type(value, struct sl_pf_block);
} sl_part_lpm SEC(".maps");

/* A source's slot found in its set: the set (SL_PART_SET) looked up and
 * the key compared with the first way's. */
SEC("xdp")
int sl_part_src_slot(struct xdp_md *ctx)
{
	(void)ctx;
	__u32 set = SL_PART_SET;
	const struct sl_pf_srckey k = sl_pf_srckey4(SL_PART_KEY);
	struct sl_pf_srcset *ss = bpf_map_lookup_elem(&sl_part_srcs, &set);
	if (!ss)
		return XDP_DROP;
	const struct sl_pf_srcslot *s = &ss->way[0];
	return s->key.w[0] == k.w[0] && s->key.w[1] == k.w[1] ? XDP_PASS : XDP_DROP;
}

/* One LPM trie lookup of a /32 that a shorter prefix covers: the
 * blocklist's or the allowlist's. */
SEC("xdp")
int sl_part_lpm_lookup(struct xdp_md *ctx)
{
	(void)ctx;
	struct sl_pf_lpm_key k = {.prefixlen = 32, .addr = SL_PART_KEY};
	return bpf_map_lookup_elem(&sl_part_lpm, &k) ? XDP_PASS : XDP_DROP;
}

/* The clock the prefilter reads for expiries and buckets: jiffies, and the
 * coarse clock where user space found no tick. */
SEC("xdp")
int sl_part_jiffies(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_jiffies64() ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int sl_part_coarse_clock(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_ktime_get_coarse_ns() ? XDP_PASS : XDP_DROP;
}

/* The redirect of every accepted frame (no socket under test_run: the
 * flags' XDP_PASS). */
SEC("xdp")
int sl_part_redirect(struct xdp_md *ctx)
{
	return (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
