/* cbench: registration, the timed loop, and the runner that picks iteration
 * counts, repeats, aggregates and hands rows to the reporters. */
#include "cbench_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct cbench_instance {
	bool has_arg;
	const char *arg_name;
	int64_t arg;
} cbench_instance_t;

struct cbench_bench {
	const char *name;
	cbench_fn_t fn;
	int64_t iterations; /* 0: grow to min time */
	double min_time; /* 0: the flag's */
	bool use_real_time;
	int ninstances;
	cbench_instance_t *instances;
};

static struct {
	int n;
	cbench_bench_t **benches;
} registry;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (q == NULL) {
		fputs("cbench: out of memory while registering benchmarks\n", stderr);
		abort();
	}
	return q;
}

cbench_bench_t *cbench_register(const char *name, cbench_fn_t fn)
{
	/* Short enough that "name/ARGNAME:ARG/real_time" always fits. */
	if (name == NULL || fn == NULL || strlen(name) > 128) {
		fprintf(stderr, "cbench: bad registration of '%s'\n", name ? name : "(null)");
		abort();
	}
	cbench_bench_t *b = xrealloc(NULL, sizeof(*b));
	memset(b, 0, sizeof(*b));
	b->name = name;
	b->fn = fn;
	registry.benches = xrealloc(registry.benches, (size_t)(registry.n + 1) * sizeof(b));
	registry.benches[registry.n++] = b;
	return b;
}

static cbench_bench_t *add_instance(cbench_bench_t *b, const char *arg_name, int64_t arg)
{
	if (arg_name != NULL && strlen(arg_name) > 64) {
		fprintf(stderr, "cbench: argument name too long in '%s'\n", b->name);
		abort();
	}
	b->instances = xrealloc(b->instances, (size_t)(b->ninstances + 1) * sizeof(*b->instances));
	b->instances[b->ninstances++] = (cbench_instance_t){ true, arg_name, arg };
	return b;
}

cbench_bench_t *cbench_arg(cbench_bench_t *b, int64_t arg)
{
	return add_instance(b, NULL, arg);
}

cbench_bench_t *cbench_arg_named(cbench_bench_t *b, const char *arg_name, int64_t arg)
{
	return add_instance(b, arg_name, arg);
}

cbench_bench_t *cbench_iterations(cbench_bench_t *b, int64_t iters)
{
	b->iterations = iters > 0 ? iters : 0;
	return b;
}

cbench_bench_t *cbench_min_time(cbench_bench_t *b, double seconds)
{
	b->min_time = seconds > 0 ? seconds : 0;
	return b;
}

cbench_bench_t *cbench_use_real_time(cbench_bench_t *b)
{
	b->use_real_time = true;
	return b;
}

/* ---- inside a benchmark ---- */

/* Integer nanoseconds, so that differences keep full precision however long
 * the machine has been up. */
static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Process CPU time, as Google Benchmark: work that a benchmark hands to
 * other threads (lcores) counts too. Reading it is a system call, so it is
 * read outside the wall-clock window (a vDSO read): a pause/resume pair then
 * adds tens of nanoseconds to the real time, not the cost of two syscalls. */
static void timer_start(cbench_state_t *st)
{
	st->cpu_start = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	st->real_start = clock_ns(CLOCK_MONOTONIC);
}

static void timer_stop(cbench_state_t *st)
{
	st->real_used += (double)(clock_ns(CLOCK_MONOTONIC) - st->real_start) * 1e-9;
	st->cpu_used += (double)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - st->cpu_start) * 1e-9;
}

/* The first call of a loop: the timer starts, unless there is nothing to
 * run (an error before the loop, or no iterations). */
static bool loop_start(cbench_state_t *st)
{
	st->started = true;
	if (st->error || st->max_iterations <= 0) {
		st->finished = true;
		return false;
	}
	st->remaining = st->max_iterations;
	timer_start(st);
	return true;
}

/* The call after the last iteration stops the timer. */
static bool loop_finish(cbench_state_t *st)
{
	if (!st->finished) {
		if (!st->paused)
			timer_stop(st);
		st->finished = true;
	}
	return false;
}

/* Every call but the first and the last only counts down. */
bool cbench_keep_running(cbench_state_t *st)
{
	if (__builtin_expect(st->remaining > 0, 1)) {
		st->remaining--;
		return true;
	}
	if (!st->started && loop_start(st)) {
		st->remaining--;
		return true;
	}
	return loop_finish(st);
}

/* As Google Benchmark's KeepRunningInternal(n, true): a pass that would go
 * past the count asked for still runs whole, and its excess is counted. */
bool cbench_keep_running_batch(cbench_state_t *st, int64_t n)
{
	if (n < 1)
		cbench_skip_with_error(st, "cbench_keep_running_batch: a batch of fewer than 1 iteration");
	if (!st->started && !loop_start(st))
		return false;
	if (st->remaining >= n) {
		st->remaining -= n;
		return true;
	}
	if (st->remaining > 0) {
		st->batch_leftover = n - st->remaining;
		st->remaining = 0;
		return true;
	}
	return loop_finish(st);
}

int64_t cbench_range(const cbench_state_t *st)
{
	return st->range;
}

int64_t cbench_iterations_run(const cbench_state_t *st)
{
	return st->started ? st->max_iterations - st->remaining + st->batch_leftover : 0;
}

void cbench_pause_timing(cbench_state_t *st)
{
	if (st->started && !st->finished && !st->paused) {
		timer_stop(st);
		st->paused = true;
	}
}

void cbench_resume_timing(cbench_state_t *st)
{
	if (st->paused) {
		st->paused = false;
		timer_start(st);
	}
}

void cbench_set_items_processed(cbench_state_t *st, int64_t items)
{
	st->items = items;
}

void cbench_set_bytes_processed(cbench_state_t *st, int64_t bytes)
{
	st->bytes = bytes;
}

void cbench_counter(cbench_state_t *st, const char *name, double value, int flags)
{
	for (int i = 0; i < st->ncounters; i++) {
		if (strcmp(st->counters[i].name, name) == 0) {
			st->counters[i].value = value;
			st->counters[i].flags = flags;
			return;
		}
	}
	if (st->ncounters >= CBENCH_MAX_COUNTERS - 2) { /* room for items/bytes */
		cbench_skip_with_error(st, "too many counters");
		return;
	}
	cbench_counter_t *c = &st->counters[st->ncounters++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->value = value;
	c->flags = flags;
}

void cbench_skip_with_error(cbench_state_t *st, const char *msg)
{
	if (!st->error) {
		st->error = true;
		snprintf(st->error_msg, sizeof(st->error_msg), "%s", msg ? msg : "");
	}
	/* End the loop at the next check, keeping the count of iterations begun. */
	st->max_iterations -= st->remaining;
	st->remaining = 0;
}

/* ---- the runner ---- */

typedef struct selected {
	const cbench_bench_t *bench;
	const cbench_instance_t *inst; /* NULL: the benchmark has no arguments */
	char name[CBENCH_NAME_MAX];
	int family_index, per_family_instance_index;
} selected_t;

static void run_once(const selected_t *s, int64_t iters, cbench_state_t *st)
{
	memset(st, 0, sizeof(*st));
	st->max_iterations = iters;
	st->range = s->inst ? s->inst->arg : 0;
	st->items = -1;
	st->bytes = -1;
	s->bench->fn(st);
	if (!st->error && !st->finished)
		cbench_skip_with_error(st, "the benchmark returned before cbench_keep_running() returned false");
}

/* One repetition. *iters is the count to start from (and, after the first
 * repetition, to reuse); it is updated to the count this run settled on. */
static void run_repetition(const selected_t *s, const cbench_options_t *o, int64_t *iters,
			   bool settle, cbench_run_t *run)
{
	double min_time = s->bench->min_time > 0 ? s->bench->min_time : o->min_time;
	cbench_state_t *st = malloc(sizeof(*st));
	if (st == NULL) {
		run->error = true;
		snprintf(run->error_msg, sizeof(run->error_msg), "out of memory");
		return;
	}
	for (;;) {
		run_once(s, *iters, st);
		if (!settle || st->error)
			break;
		/* Google Benchmark judges by CPU time (unless told to use real
		 * time), or by real time when the benchmark mostly waits. It
		 * extrapolates from the iterations that ran, which batches
		 * (cbench_keep_running_batch) may take past the count asked. */
		double seconds = s->bench->use_real_time ? st->real_used : st->cpu_used;
		int64_t ran = cbench_iterations_run(st);
		if (ran >= 1000000000LL || seconds >= min_time || st->real_used >= 5 * min_time)
			break;
		*iters = cbench_predict_iterations(ran, seconds, min_time);
	}
	cbench_finish_run(run, st, cbench_iterations_run(st), s->bench->use_real_time);
	free(st);
}

static void run_selected(const selected_t *s, const cbench_options_t *o,
			 cbench_reporter_t **reporters, const bool *aggregates_only, int nrep)
{
	int reps = o->repetitions;
	cbench_run_t *runs = calloc((size_t)reps + CBENCH_NUM_AGGREGATES, sizeof(*runs));
	if (runs == NULL) {
		fprintf(stderr, "cbench: out of memory running %s\n", s->name);
		return;
	}
	int64_t fixed = s->bench->iterations > 0 ? s->bench->iterations : o->min_iterations;
	int64_t iters = fixed > 0 ? fixed : 1;
	for (int r = 0; r < reps; r++) {
		cbench_run_t *run = &runs[r];
		run_repetition(s, o, &iters, fixed == 0 && r == 0, run);
		snprintf(run->name, sizeof(run->name), "%s", s->name);
		snprintf(run->run_name, sizeof(run->run_name), "%s", s->name);
		run->family_index = s->family_index;
		run->per_family_instance_index = s->per_family_instance_index;
		run->repetitions = reps;
		run->repetition_index = r;
	}
	int nagg = reps > 1 ? cbench_aggregate(runs, reps, runs + reps) : 0;
	for (int i = 0; i < nrep; i++) {
		if (!(aggregates_only[i] && nagg > 0))
			cbench_report_runs(reporters[i], runs, reps);
		cbench_report_runs(reporters[i], runs + reps, nagg);
	}
	free(runs);
}

static selected_t *select_instances(const cbench_filter_t *f, int *count)
{
	int total = 0;
	for (int i = 0; i < registry.n; i++)
		total += registry.benches[i]->ninstances > 0 ? registry.benches[i]->ninstances : 1;
	selected_t *sel = calloc((size_t)total + 1, sizeof(*sel));
	if (sel == NULL)
		return NULL;
	int n = 0, family = 0;
	for (int i = 0; i < registry.n; i++) {
		const cbench_bench_t *b = registry.benches[i];
		int ninst = b->ninstances > 0 ? b->ninstances : 1, in_family = 0;
		for (int k = 0; k < ninst; k++) {
			selected_t *s = &sel[n];
			s->bench = b;
			s->inst = b->ninstances > 0 ? &b->instances[k] : NULL;
			cbench_instance_name(s->name, sizeof(s->name), b->name, s->inst != NULL,
					     s->inst ? s->inst->arg_name : NULL, s->inst ? s->inst->arg : 0);
			if (b->use_real_time)
				strcat(s->name, "/real_time");
			if (!cbench_filter_match(f, s->name))
				continue;
			s->family_index = family;
			s->per_family_instance_index = in_family++;
			n++;
		}
		if (in_family > 0)
			family++;
	}
	*count = n;
	return sel;
}

static void print_help(const char *prog)
{
	printf("usage: %s [--benchmark_list_tests={true|false}]\n"
	       "          [--benchmark_filter=<regex>]\n"
	       "          [--benchmark_min_time=`<integer>x` OR `<float>s` ]\n"
	       "          [--benchmark_repetitions=<num_repetitions>]\n"
	       "          [--benchmark_report_aggregates_only={true|false}]\n"
	       "          [--benchmark_display_aggregates_only={true|false}]\n"
	       "          [--benchmark_format=<console|json>]\n"
	       "          [--benchmark_out=<filename>]\n"
	       "          [--benchmark_out_format=<json|console>]\n"
	       "          [--benchmark_time_unit={ns|us|ms|s}]\n"
	       "          [--benchmark_color={auto|true|false}] (accepted; output is never colored)\n"
	       "\n"
	       "The filter is a POSIX extended regex searched anywhere in the name;\n"
	       "a leading '-' runs the benchmarks that do NOT match.\n",
	       prog);
}

static int run_all(const cbench_options_t *o, const char *prog, const selected_t *sel, int n)
{
	int width = 10;
	for (int i = 0; i < n; i++) {
		int len = (int)strlen(sel[i].name);
		if (len > width)
			width = len;
	}
	if (o->repetitions > 1)
		width += (int)strlen("_median");

	cbench_context_t ctx;
	cbench_context_read(&ctx, prog);
	double mult = cbench_time_unit_multiplier(o->time_unit);
	cbench_reporter_t display = { .format = o->format, .out = stdout, .err = stderr,
				      .name_width = width, .time_unit = o->time_unit,
				      .unit_multiplier = mult };
	cbench_reporter_t file = display;
	cbench_reporter_t *reps[2] = { &display, &file };
	bool reps_many = o->repetitions > 1;
	bool aggregates_only[2] = {
		reps_many && (o->report_aggregates_only || o->display_aggregates_only),
		reps_many && o->report_aggregates_only,
	};
	int nrep = 1;
	FILE *out = NULL;
	if (o->out_path != NULL) {
		out = fopen(o->out_path, "w");
		if (out == NULL) {
			fprintf(stderr, "error: cannot open --benchmark_out file '%s': %m\n", o->out_path);
			return 1;
		}
		file.format = o->out_format;
		file.out = out;
		file.err = out;
		nrep = 2;
	}
	for (int i = 0; i < nrep; i++)
		cbench_report_begin(reps[i], &ctx);
	for (int i = 0; i < n; i++)
		run_selected(&sel[i], o, reps, aggregates_only, nrep);
	for (int i = 0; i < nrep; i++)
		cbench_report_end(reps[i]);
	if (out != NULL && fclose(out) != 0) {
		fprintf(stderr, "error: writing '%s' failed: %m\n", o->out_path);
		return 1;
	}
	return 0;
}

int cbench_main(int argc, char **argv)
{
	cbench_options_t o;
	cbench_options_default(&o);
	const char *prog = argc > 0 ? argv[0] : "cbench";
	if (cbench_parse_flags(&o, &argc, argv, stderr) != 0)
		return 1;
	if (o.help) {
		print_help(prog);
		return 0;
	}
	cbench_filter_t filter;
	char err[256];
	if (cbench_filter_init(&filter, o.filter, err, sizeof(err)) != 0) {
		fprintf(stderr, "error: %s\n", err);
		return 1;
	}
	int n = 0;
	selected_t *sel = select_instances(&filter, &n);
	cbench_filter_free(&filter);
	if (sel == NULL) {
		fputs("error: out of memory\n", stderr);
		return 1;
	}
	int rc = 0;
	if (n == 0) {
		fprintf(stderr, "Failed to match any benchmarks against regex: %s\n",
			o.filter ? o.filter : "");
		rc = 1;
	} else if (o.list_tests) {
		for (int i = 0; i < n; i++)
			printf("%s\n", sel[i].name);
	} else {
		rc = run_all(&o, prog, sel, n);
	}
	free(sel);
	return rc;
}
