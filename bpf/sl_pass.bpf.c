/* sl_pass: an XDP program that only passes every frame to the kernel. The
 * baseline of the prefilter's cost benchmarks (bench/bench_xdp.c,
 * xdp/pass): what bpf_prog_test_run's loop and an empty program cost per
 * packet, measured in the same run, so that a case's cost is read as a
 * ratio to it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int sl_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
