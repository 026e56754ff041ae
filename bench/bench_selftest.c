/* The harness measuring itself: what one loop iteration costs, what a
 * pause/resume pair adds to the timed totals (the error in each paused
 * iteration, since the paused span itself is not counted), and a chain of
 * dependent adds whose time must grow with its length. */
#include "cbench.h"

static void bench_noop(cbench_state_t *st)
{
	while (cbench_keep_running(st))
		cbench_clobber_memory();
	cbench_set_items_processed(st, cbench_iterations_run(st));
}

static void bench_pause_resume(cbench_state_t *st)
{
	while (cbench_keep_running(st)) {
		cbench_pause_timing(st);
		cbench_resume_timing(st);
	}
}

static void bench_dependent_adds(cbench_state_t *st)
{
	int64_t n = cbench_range(st);
	uint64_t x = 1;
	while (cbench_keep_running(st)) {
		for (int64_t i = 0; i < n; i++) {
			x += (uint64_t)i;
			cbench_do_not_optimize(x);
		}
	}
	cbench_counter(st, "adds", (double)(n * cbench_iterations_run(st)), CBENCH_COUNTER_IS_RATE);
}

CBENCH_REGISTER
{
	cbench_register("harness/noop", bench_noop);
	cbench_register("harness/pause_resume", bench_pause_resume);
	cbench_bench_t *adds = cbench_register("harness/dependent_adds", bench_dependent_adds);
	cbench_arg_named(adds, "n", 16);
	cbench_arg_named(adds, "n", 256);
}
