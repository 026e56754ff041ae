/* sl_jiffies: CLOCK_MONOTONIC as the kernel's jiffies counter gives it, for
 * the XDP prefilter. Reading jiffies in a BPF program is one load (the
 * verifier inlines bpf_jiffies64), where bpf_ktime_get_coarse_ns is a helper
 * call that costs half of a frame's other checks (bench/README.md, xdp/).
 * The kernel advances jiffies in step with CLOCK_MONOTONIC: one jiffy per
 * TICK_NSEC (1e9 / HZ, rounded) of it, counted from the ticks' own times
 * (kernel/time/tick-sched.c), so CLOCK_MONOTONIC at the last tick is
 * base_ns + jiffies * tick_ns, exactly, for the kernel's life.
 *
 * Contract: sl_jiffies_clock() finds tick_ns and base_ns by reading jiffies
 * through a ten-instruction XDP program run with bpf_prog_test_run (root,
 * or CAP_BPF and CAP_NET_ADMIN) across tick edges, 30 to 40 ms, once per
 * process; later calls return the same. It accepts only a tick of a HZ the
 * kernel can be built with; otherwise (or without the rights) it returns
 * -1 and callers use the coarse clock. */
#ifndef SL_JIFFIES_H
#define SL_JIFFIES_H

#include <stdint.h>

int sl_jiffies_clock(uint64_t *tick_ns, uint64_t *base_ns);

/* jiffies64 now, through the same program. 0, or -1 with errno. */
int sl_jiffies_read(uint64_t *j);

#endif
