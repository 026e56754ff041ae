#include "sl_jiffies.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

/* Stores bpf_jiffies64() in the frame's first 8 bytes: test_run hands the
 * frame back, so all 64 bits arrive (the return value has 32). */
static int jiffies_prog(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_6, .src_reg = BPF_REG_1},
		{.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_jiffies64},
		{.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_6,
		 .off = offsetof(struct xdp_md, data)},
		{.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_6,
		 .off = offsetof(struct xdp_md, data_end)},
		{.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_3, .src_reg = BPF_REG_1},
		{.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_3, .imm = 8},
		{.code = BPF_JMP | BPF_JGT | BPF_X, .dst_reg = BPF_REG_3, .src_reg = BPF_REG_2, .off = 1},
		{.code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_0},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "sl_jiffies", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), NULL);
}

static int read_with(int fd, uint64_t *j)
{
	uint8_t in[64] = {0}, out[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = sizeof in,
		    .data_out = out, .data_size_out = sizeof out, .repeat = 1);
	if (bpf_prog_test_run_opts(fd, &o) != 0)
		return -1;
	memcpy(j, out, sizeof *j);
	return 0;
}

int sl_jiffies_read(uint64_t *j)
{
	int fd = jiffies_prog();
	if (fd < 0)
		return -1;
	int rc = read_with(fd, j);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Polls until jiffies moves past `after`; *t: CLOCK_MONOTONIC just before
 * the read that saw it, so at most one read after the tick. A bounded
 * wait: 100 ms without a tick is no kernel we can use. */
static int next_tick(int fd, uint64_t after, uint64_t *j, uint64_t *t)
{
	const uint64_t give_up = mono_ns() + 100000000u;
	do {
		*t = mono_ns();
		if (read_with(fd, j) != 0)
			return -1;
		if (*j != after)
			return 0;
	} while (*t < give_up);
	errno = ETIMEDOUT;
	return -1;
}

/* The HZ values x86 and arm64 kernels can be built with (kernel/Kconfig.hz),
 * at least 20% apart: a tick measured over a few of them, each seen late by
 * an interrupt's latency, still lands within 5% of its own. */
static const unsigned hz_choices[] = {100, 250, 300, 1000};

/* The kernel's TICK_NSEC for the HZ whose tick lies within 5% of a
 * measured one, or 0. */
static uint64_t snap_tick(double measured_ns)
{
	for (size_t i = 0; i < sizeof(hz_choices) / sizeof(hz_choices[0]); i++) {
		const uint64_t hz = hz_choices[i], tick = (1000000000u + hz / 2) / hz;
		if (measured_ns > 0.95 * (double)tick && measured_ns < 1.05 * (double)tick)
			return tick;
	}
	return 0;
}

static int calibrate(uint64_t *tick_ns, uint64_t *base_ns)
{
	int fd = jiffies_prog();
	if (fd < 0)
		return -1;
	enum { EDGES_MAX = 64 };
	uint64_t j0, j[EDGES_MAX], t[EDGES_MAX];
	unsigned n = 0;
	int rc = -1;
	/* tick edges for at least 30 ms: 3 to 30 ticks at the HZ above */
	if (read_with(fd, &j0) == 0 && next_tick(fd, j0, &j[0], &t[0]) == 0)
		for (n = 1; n < EDGES_MAX && next_tick(fd, j[n - 1], &j[n], &t[n]) == 0; n++)
			if (t[n] - t[0] >= 30000000u) {
				rc = 0;
				n++;
				break;
			}
	int e = errno;
	close(fd);
	if (rc != 0) {
		errno = e;
		return -1;
	}
	const uint64_t tick = snap_tick((double)(t[n - 1] - t[0]) / (double)(j[n - 1] - j[0]));
	if (tick == 0) {
		errno = ERANGE;
		return -1;
	}
	/* Each edge is seen late (the tick's interrupt, our read), never
	 * early: the least late gives the base (modulo 2^64, as the program
	 * computes). */
	uint64_t base = t[0] - j[0] * tick;
	for (unsigned i = 1; i < n; i++)
		if ((int64_t)(t[i] - j[i] * tick - base) < 0)
			base = t[i] - j[i] * tick;
	*tick_ns = tick;
	*base_ns = base;
	return 0;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int cal_rc, cal_errno;
static uint64_t cal_tick, cal_base;

/* A preempted read sees an edge late by a time slice, which can push the
 * measured tick out of every HZ's 5% on a loaded machine: tried again, a
 * few times, before the coarse clock. */
static void calibrate_once(void)
{
	for (int tries = 0; tries < 3; tries++) {
		cal_rc = calibrate(&cal_tick, &cal_base);
		cal_errno = errno;
		if (cal_rc == 0 || cal_errno != ERANGE)
			break;
	}
}

int sl_jiffies_clock(uint64_t *tick_ns, uint64_t *base_ns)
{
	pthread_once(&once, calibrate_once);
	if (cal_rc != 0) {
		errno = cal_errno;
		return -1;
	}
	*tick_ns = cal_tick;
	*base_ns = cal_base;
	return 0;
}
