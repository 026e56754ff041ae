/* cbench internals shared by cbench.c and its unit test: the run state, the
 * flags, the result of one run, and the pure helpers (naming, filtering,
 * iteration prediction, aggregates, JSON escaping, number formatting). */
#ifndef CBENCH_INTERNAL_H
#define CBENCH_INTERNAL_H

#include "cbench.h"

#include <regex.h>
#include <stddef.h>
#include <stdio.h>

#define CBENCH_MAX_COUNTERS 16
#define CBENCH_NAME_MAX 256
#define CBENCH_MSG_MAX 256

typedef struct cbench_counter {
	char name[64];
	double value;
	int flags;
} cbench_counter_t;

struct cbench_state {
	int64_t remaining; /* iterations still to hand out; 0 routes to the slow path */
	int64_t max_iterations;
	int64_t batch_leftover; /* the last batch's iterations past max_iterations */
	int64_t range;
	bool started, finished, paused;
	int64_t real_start, cpu_start; /* ns, when the timer last (re)started */
	double real_used, cpu_used; /* seconds accumulated while timing */
	int64_t items, bytes; /* -1: not set */
	int ncounters;
	cbench_counter_t counters[CBENCH_MAX_COUNTERS];
	bool error;
	char error_msg[CBENCH_MSG_MAX];
};

enum cbench_format { CBENCH_FORMAT_CONSOLE, CBENCH_FORMAT_JSON };

typedef struct cbench_filter {
	bool match_all;
	bool negate;
	bool compiled;
	regex_t re;
} cbench_filter_t;

typedef struct cbench_options {
	const char *filter; /* NULL: all */
	enum cbench_format format;
	const char *out_path; /* NULL: no file */
	enum cbench_format out_format;
	int repetitions;
	bool report_aggregates_only;
	bool display_aggregates_only;
	double min_time; /* seconds */
	int64_t min_iterations; /* from --benchmark_min_time=Nx; 0: by time */
	bool list_tests;
	bool help;
	const char *time_unit; /* "ns", "us", "ms" or "s" */
} cbench_options_t;

/* One reported row: an iteration run or an aggregate over repetitions. */
typedef struct cbench_run {
	char name[CBENCH_NAME_MAX + 16]; /* run_name plus "_" aggregate_name */
	char run_name[CBENCH_NAME_MAX];
	int family_index, per_family_instance_index;
	bool aggregate;
	const char *aggregate_name; /* "mean", "median", "stddev", "cv" */
	bool aggregate_is_percentage; /* aggregate_unit "percentage" (cv) */
	int repetitions, repetition_index;
	int64_t iterations;
	double real_time, cpu_time; /* seconds per iteration (cv: a ratio) */
	int ncounters;
	cbench_counter_t counters[CBENCH_MAX_COUNTERS]; /* sorted by name, finished */
	bool error;
	char error_msg[CBENCH_MSG_MAX];
} cbench_run_t;

#define CBENCH_NUM_AGGREGATES 4

/* "base", "base/ARG" or "base/NAME:ARG" into buf; -1 when it does not fit. */
int cbench_instance_name(char *buf, size_t len, const char *base, bool has_arg,
			 const char *arg_name, int64_t arg);

/* Google Benchmark filter: empty, "all" or "." match everything; a leading '-'
 * negates; otherwise a POSIX extended regex searched anywhere in the name.
 * Returns 0, or -1 with a message in err. */
int cbench_filter_init(cbench_filter_t *f, const char *expr, char *err, size_t errlen);
bool cbench_filter_match(const cbench_filter_t *f, const char *name);
void cbench_filter_free(cbench_filter_t *f);

/* Defaults, then parse and remove --benchmark_* flags (and --help) from argv.
 * Returns 0, or -1 after printing why to err. */
void cbench_options_default(cbench_options_t *o);
int cbench_parse_flags(cbench_options_t *o, int *argc, char **argv, FILE *err);

/* Next iteration count after `iters` took `seconds` against `min_time`, as
 * Google Benchmark predicts it (grow at most 10x, at least by one). */
int64_t cbench_predict_iterations(int64_t iters, double seconds, double min_time);

/* Turn a finished state into a run: per-iteration times, items/bytes rates
 * and counter flags applied (rates per CPU second, or per wall-clock second
 * when real_time_rates), counters sorted by name. */
void cbench_finish_run(cbench_run_t *run, const cbench_state_t *st, int64_t iterations,
		       bool real_time_rates);

/* mean, median, stddev, cv over the non-error runs (n >= 1) into out[4];
 * returns how many aggregates were written (0 when fewer than 2 valid runs). */
int cbench_aggregate(const cbench_run_t *runs, int n, cbench_run_t out[CBENCH_NUM_AGGREGATES]);

/* Write s as the inside of a JSON string. */
void cbench_json_escape(FILE *out, const char *s);

/* Google Benchmark's human-readable counter value: 1.5k, 812.3M, 2.1m... */
void cbench_human_number(char *buf, size_t len, double v);

/* Unit name -> seconds-to-unit multiplier; 0 for an unknown unit. */
double cbench_time_unit_multiplier(const char *unit);

/* What the run happened on, for the JSON "context" and the console header. */
#define CBENCH_MAX_CACHES 8
#define CBENCH_MAX_CUSTOM_CONTEXT 16
typedef struct cbench_cache {
	char type[16]; /* "Data", "Instruction", "Unified" */
	int level;
	int64_t size; /* bytes */
	int num_sharing;
} cbench_cache_t;

typedef struct cbench_context {
	char date[40];
	char host_name[256];
	const char *executable;
	int num_cpus;
	double mhz_per_cpu;
	bool cpu_scaling_enabled;
	int ncaches;
	cbench_cache_t caches[CBENCH_MAX_CACHES];
	int nload;
	double load_avg[3];
	const char *library_build_type;
	int ncustom; /* cbench_add_custom_context, in the order added */
	const char *custom[CBENCH_MAX_CUSTOM_CONTEXT][2];
} cbench_context_t;

void cbench_context_read(cbench_context_t *c, const char *executable);

/* A reporter writes one format to one stream; `err` gets the console
 * format's machine header, as Google Benchmark prints it to stderr. */
typedef struct cbench_reporter {
	enum cbench_format format;
	FILE *out, *err;
	int name_width;
	const char *time_unit;
	double unit_multiplier;
	bool first_run, header_printed;
} cbench_reporter_t;

void cbench_report_begin(cbench_reporter_t *r, const cbench_context_t *c);
void cbench_report_runs(cbench_reporter_t *r, const cbench_run_t *runs, int n);
void cbench_report_end(cbench_reporter_t *r);

#endif
