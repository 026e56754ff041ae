/* cbench: a C benchmark harness that speaks Google Benchmark's command line
 * and JSON, so compare.py and existing dashboards read its output.
 *
 * A benchmark is a function that times its body inside
 *     while (cbench_keep_running(st)) { ... }
 * and is registered from a CBENCH_REGISTER block with a name "area/case" and
 * optional arguments; each argument makes one instance named "area/case/ARG"
 * (or "area/case/NAME:ARG" when the argument has a name). The harness picks the
 * iteration count (until --benchmark_min_time is reached), repeats, and prints
 * console or JSON. A benchmark may be called several times per instance, so it
 * keeps expensive set-up in static state or between pause/resume. */
#ifndef CBENCH_H
#define CBENCH_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cbench_state cbench_state_t;
typedef struct cbench_bench cbench_bench_t;
typedef void (*cbench_fn_t)(cbench_state_t *st);

/* Counter flags, as Google Benchmark's benchmark::Counter. */
enum {
	CBENCH_COUNTER_DEFAULT = 0,
	CBENCH_COUNTER_IS_RATE = 1, /* value divided by the elapsed seconds */
	CBENCH_COUNTER_AVG_ITERATIONS = 2, /* value divided by iterations */
};

/* Registration (call from a CBENCH_REGISTER block). */
cbench_bench_t *cbench_register(const char *name, cbench_fn_t fn);
/* Add one instance with argument `arg`; `arg_name` may be NULL. */
cbench_bench_t *cbench_arg(cbench_bench_t *b, int64_t arg);
cbench_bench_t *cbench_arg_named(cbench_bench_t *b, const char *arg_name, int64_t arg);
/* Fix the iteration count instead of growing it to the minimum time. */
cbench_bench_t *cbench_iterations(cbench_bench_t *b, int64_t iters);
/* Minimum time for this benchmark, seconds (overrides the flag default). */
cbench_bench_t *cbench_min_time(cbench_bench_t *b, double seconds);
/* Judge the minimum time and compute rates by wall-clock instead of process
 * CPU time, for benchmarks that wait on other lcores or devices. As Google
 * Benchmark's UseRealTime, instance names gain the suffix "/real_time". */
cbench_bench_t *cbench_use_real_time(cbench_bench_t *b);

/* Inside a benchmark. */
bool cbench_keep_running(cbench_state_t *st);
/* As Google Benchmark's KeepRunningBatch: for a body that does n iterations'
 * work per pass (a system call that runs n packets), so that the reported
 * time is per iteration. The last pass may take the run past the iteration
 * count the harness asked for; cbench_iterations_run() counts what ran,
 * always a multiple of n. */
bool cbench_keep_running_batch(cbench_state_t *st, int64_t n);
int64_t cbench_range(const cbench_state_t *st); /* this instance's argument, 0 if none */
int64_t cbench_iterations_run(const cbench_state_t *st); /* iterations of this run */
void cbench_pause_timing(cbench_state_t *st);
void cbench_resume_timing(cbench_state_t *st);
void cbench_set_items_processed(cbench_state_t *st, int64_t items);
void cbench_set_bytes_processed(cbench_state_t *st, int64_t bytes);
void cbench_counter(cbench_state_t *st, const char *name, double value, int flags);
/* Mark the run as failed with a message (reported as "error_message"). */
void cbench_skip_with_error(cbench_state_t *st, const char *msg);

/* Keep the compiler from discarding a value or reordering memory around it. */
#define cbench_do_not_optimize(v) __asm__ volatile("" : : "r,m"(v) : "memory")
#define cbench_clobber_memory() __asm__ volatile("" : : : "memory")

/* Add "key": "value" to the JSON "context" and a "key: value" line to the
 * console header, as Google Benchmark's AddCustomContext: for what the
 * machine's description lacks and the numbers depend on. Call before
 * cbench_main; strings are copied. Returns -1 when the key is already
 * there, is one of the standard context keys, or the table is full. */
int cbench_add_custom_context(const char *key, const char *value);

/* Parse --benchmark_* flags (unknown --benchmark_ flags are an error, other
 * arguments are left in argv and counted in the return), run, print.
 * Returns a process exit status. */
int cbench_main(int argc, char **argv);

#define CBENCH_CONCAT_(a, b) a##b
#define CBENCH_CONCAT(a, b) CBENCH_CONCAT_(a, b)
#define CBENCH_REGISTER                                                          \
	static void CBENCH_CONCAT(cbench_reg_, __LINE__)(void)                   \
		__attribute__((constructor));                                    \
	static void CBENCH_CONCAT(cbench_reg_, __LINE__)(void)

#endif
