/* cbench's arithmetic: instance names, iteration prediction, turning a timed
 * state into per-iteration figures, and the aggregates over repetitions —
 * each as Google Benchmark computes it, so numbers compare across the two. */
#include "cbench_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int cbench_instance_name(char *buf, size_t len, const char *base, bool has_arg,
			 const char *arg_name, int64_t arg)
{
	int n;
	if (!has_arg)
		n = snprintf(buf, len, "%s", base);
	else if (arg_name != NULL && arg_name[0] != '\0')
		n = snprintf(buf, len, "%s/%s:%" PRId64, base, arg_name, arg);
	else
		n = snprintf(buf, len, "%s/%" PRId64, base, arg);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/* Iterations never exceed this, as Google Benchmark's kMaxIterations. */
#define CBENCH_MAX_ITERATIONS 1000000000LL

int64_t cbench_predict_iterations(int64_t iters, double seconds, double min_time)
{
	/* Aim 40% past min_time so the next run most likely is the last. */
	double multiplier = min_time * 1.4 / (seconds > 1e-9 ? seconds : 1e-9);
	/* A run under a tenth of min_time is too noisy to extrapolate from. */
	bool significant = seconds / min_time > 0.1;
	if (multiplier > 10.0 || !significant)
		multiplier = 10.0;
	double next = (double)iters * multiplier;
	if (next > (double)CBENCH_MAX_ITERATIONS)
		next = (double)CBENCH_MAX_ITERATIONS;
	int64_t n = (int64_t)(next + 0.5);
	if (n <= iters)
		n = iters + 1;
	return n < CBENCH_MAX_ITERATIONS ? n : CBENCH_MAX_ITERATIONS;
}

static int counter_cmp(const void *a, const void *b)
{
	return strcmp(((const cbench_counter_t *)a)->name, ((const cbench_counter_t *)b)->name);
}

static void add_counter(cbench_run_t *run, const char *name, double value, int flags)
{
	if (run->ncounters >= CBENCH_MAX_COUNTERS)
		return;
	cbench_counter_t *c = &run->counters[run->ncounters++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->value = value;
	c->flags = flags;
}

void cbench_finish_run(cbench_run_t *run, const cbench_state_t *st, int64_t iterations,
		       bool real_time_rates)
{
	run->iterations = iterations;
	run->error = st->error;
	snprintf(run->error_msg, sizeof(run->error_msg), "%s", st->error_msg);
	double div = iterations > 0 ? (double)iterations : 1.0;
	run->real_time = st->real_used / div;
	run->cpu_time = st->cpu_used / div;

	/* Rates divide by CPU seconds unless asked otherwise, as Google Benchmark. */
	double seconds = real_time_rates ? st->real_used : st->cpu_used;
	run->ncounters = 0;
	for (int i = 0; i < st->ncounters; i++)
		add_counter(run, st->counters[i].name, st->counters[i].value, st->counters[i].flags);
	if (st->items >= 0)
		add_counter(run, "items_per_second", (double)st->items, CBENCH_COUNTER_IS_RATE);
	if (st->bytes >= 0)
		add_counter(run, "bytes_per_second", (double)st->bytes, CBENCH_COUNTER_IS_RATE);
	for (int i = 0; i < run->ncounters; i++) {
		cbench_counter_t *c = &run->counters[i];
		if ((c->flags & CBENCH_COUNTER_IS_RATE) && seconds > 0)
			c->value /= seconds;
		if (c->flags & CBENCH_COUNTER_AVG_ITERATIONS)
			c->value /= div;
	}
	qsort(run->counters, (size_t)run->ncounters, sizeof(run->counters[0]), counter_cmp);
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double stat_mean(const double *v, int n)
{
	double s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s / n;
}

static double stat_median(const double *v, int n)
{
	double *c = malloc((size_t)n * sizeof(*c));
	if (c == NULL)
		return NAN;
	memcpy(c, v, (size_t)n * sizeof(*c));
	qsort(c, (size_t)n, sizeof(*c), double_cmp);
	double m = (n % 2) ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2.0;
	free(c);
	return m;
}

/* Sample standard deviation (n - 1), 0 for a single value. */
static double stat_stddev(const double *v, int n)
{
	if (n < 2)
		return 0.0;
	double mean = stat_mean(v, n), ss = 0;
	for (int i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	return sqrt(ss / (n - 1));
}

static double stat_cv(const double *v, int n)
{
	if (n < 2)
		return 0.0;
	return stat_stddev(v, n) / stat_mean(v, n);
}

static const struct {
	const char *name;
	double (*fn)(const double *v, int n);
	bool percentage;
} aggregates[CBENCH_NUM_AGGREGATES] = {
	{ "mean", stat_mean, false },
	{ "median", stat_median, false },
	{ "stddev", stat_stddev, false },
	{ "cv", stat_cv, true },
};

/* The value of counter `name` in run r, or NAN when r does not have it. */
static double counter_value(const cbench_run_t *r, const char *name)
{
	for (int i = 0; i < r->ncounters; i++)
		if (strcmp(r->counters[i].name, name) == 0)
			return r->counters[i].value;
	return NAN;
}

int cbench_aggregate(const cbench_run_t *runs, int n, cbench_run_t out[CBENCH_NUM_AGGREGATES])
{
	const cbench_run_t *first = NULL;
	int valid = 0;
	for (int i = 0; i < n; i++) {
		if (runs[i].error)
			continue;
		if (first == NULL)
			first = &runs[i];
		valid++;
	}
	if (valid < 2)
		return 0;

	double *real = malloc((size_t)valid * sizeof(double));
	double *cpu = malloc((size_t)valid * sizeof(double));
	double *cv = malloc((size_t)valid * sizeof(double));
	if (real == NULL || cpu == NULL || cv == NULL) {
		free(real);
		free(cpu);
		free(cv);
		return 0;
	}
	for (int i = 0, k = 0; i < n; i++) {
		if (runs[i].error)
			continue;
		real[k] = runs[i].real_time;
		cpu[k] = runs[i].cpu_time;
		k++;
	}

	for (int a = 0; a < CBENCH_NUM_AGGREGATES; a++) {
		cbench_run_t *o = &out[a];
		memset(o, 0, sizeof(*o));
		snprintf(o->run_name, sizeof(o->run_name), "%s", first->run_name);
		snprintf(o->name, sizeof(o->name), "%s_%s", first->run_name, aggregates[a].name);
		o->family_index = first->family_index;
		o->per_family_instance_index = first->per_family_instance_index;
		o->aggregate = true;
		o->aggregate_name = aggregates[a].name;
		o->aggregate_is_percentage = aggregates[a].percentage;
		o->repetitions = first->repetitions;
		o->repetition_index = -1;
		/* An aggregate is over the repetitions, not their iterations. */
		o->iterations = n;
		o->real_time = aggregates[a].fn(real, valid);
		o->cpu_time = aggregates[a].fn(cpu, valid);
		for (int c = 0; c < first->ncounters; c++) {
			int k = 0;
			for (int i = 0; i < n; i++)
				if (!runs[i].error)
					cv[k++] = counter_value(&runs[i], first->counters[c].name);
			o->counters[c] = first->counters[c];
			o->counters[c].value = aggregates[a].fn(cv, valid);
		}
		o->ncounters = first->ncounters;
	}
	free(real);
	free(cpu);
	free(cv);
	return CBENCH_NUM_AGGREGATES;
}

double cbench_time_unit_multiplier(const char *unit)
{
	if (strcmp(unit, "ns") == 0)
		return 1e9;
	if (strcmp(unit, "us") == 0)
		return 1e6;
	if (strcmp(unit, "ms") == 0)
		return 1e3;
	if (strcmp(unit, "s") == 0)
		return 1.0;
	return 0.0;
}
