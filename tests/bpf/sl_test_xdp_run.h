/* Runs one frame through a loaded prefilter (bpf_prog_test_run_opts) and
 * asserts that exactly one counter slot moved, by one: the prefilter's rule
 * that every frame lands in one bucket. For the cmocka tests of tests/bpf. */
#ifndef SL_TEST_XDP_RUN_H
#define SL_TEST_XDP_RUN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sl_prefilter.h"

/* Returns the XDP action; *moved is the slot that moved. */
static inline int sl_test_xdp_run(int prog_fd, const sl_prefilter_t *pf, const uint8_t *f,
				  size_t len, unsigned *moved)
{
	uint64_t before[SL_PF__COUNT], after[SL_PF__COUNT];
	assert_int_equal(sl_prefilter_counters(pf, before), 0);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)len, .repeat = 1);
	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &o), 0);
	assert_int_equal(sl_prefilter_counters(pf, after), 0);
	unsigned n = 0;
	for (unsigned i = 0; i < SL_PF__COUNT; i++) {
		if (after[i] == before[i])
			continue;
		assert_int_equal(after[i] - before[i], 1);
		*moved = i;
		n++;
	}
	assert_int_equal(n, 1);
	return (int)o.retval;
}

#endif
