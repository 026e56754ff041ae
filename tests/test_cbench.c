/* Unit tests of the cbench harness: naming, filtering, flags, iteration
 * prediction, run finishing, aggregates, JSON escaping, number formatting,
 * the timed loop, and cbench_main end to end on benchmarks registered here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cbench_internal.h"

static void test_instance_name(void **ctx)
{
	(void)ctx;
	char buf[64];
	assert_int_equal(cbench_instance_name(buf, sizeof(buf), "area/case", false, NULL, 0), 0);
	assert_string_equal(buf, "area/case");
	assert_int_equal(cbench_instance_name(buf, sizeof(buf), "area/case", true, NULL, 64), 0);
	assert_string_equal(buf, "area/case/64");
	assert_int_equal(cbench_instance_name(buf, sizeof(buf), "area/case", true, "batch", 8), 0);
	assert_string_equal(buf, "area/case/batch:8");
	assert_int_equal(cbench_instance_name(buf, sizeof(buf), "a", true, "", -3), 0);
	assert_string_equal(buf, "a/-3");
	char small[8];
	assert_int_equal(cbench_instance_name(small, sizeof(small), "area/case", true, NULL, 1), -1);
}

static bool filter_matches(const char *expr, const char *name)
{
	cbench_filter_t f;
	char err[128];
	assert_int_equal(cbench_filter_init(&f, expr, err, sizeof(err)), 0);
	bool m = cbench_filter_match(&f, name);
	cbench_filter_free(&f);
	return m;
}

static void test_filter(void **ctx)
{
	(void)ctx;
	/* Empty, "all" and "." select everything. */
	assert_true(filter_matches(NULL, "x/y"));
	assert_true(filter_matches("", "x/y"));
	assert_true(filter_matches("all", "x/y"));
	assert_true(filter_matches(".", "x/y"));
	/* A search anywhere in the name, not a whole-name match. */
	assert_true(filter_matches("dedup", "bench/dedup/insert/64"));
	assert_false(filter_matches("^dedup", "bench/dedup/insert/64"));
	assert_true(filter_matches("^bench/", "bench/dedup/insert/64"));
	/* Extended syntax: alternation, groups, anchors. */
	assert_true(filter_matches("n:(16|256)$", "harness/dependent_adds/n:256"));
	assert_false(filter_matches("n:(16|256)$", "harness/dependent_adds/n:2560"));
	assert_true(filter_matches("parse|verify", "txn/verify/1"));
	/* A leading '-' negates. */
	assert_false(filter_matches("-dedup", "bench/dedup/insert/64"));
	assert_true(filter_matches("-dedup", "txn/parse/legacy"));
	assert_true(filter_matches("-^txn/", "harness/noop"));

	cbench_filter_t f;
	char err[128] = "";
	assert_int_equal(cbench_filter_init(&f, "(", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid --benchmark_filter"));
	assert_int_equal(cbench_filter_init(&f, "-[", err, sizeof(err)), -1);
}

/* Parse argv (NULL-terminated list) and return the rc; the error text, if
 * any, lands in errbuf. */
static int parse(cbench_options_t *o, int *argc, char **argv, char *errbuf, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&text, &len);
	assert_non_null(err);
	cbench_options_default(o);
	int rc = cbench_parse_flags(o, argc, argv, err);
	fclose(err);
	snprintf(errbuf, errlen, "%s", text);
	free(text);
	return rc;
}

static int parse1(cbench_options_t *o, const char *flag, char *errbuf, size_t errlen)
{
	char *argv[] = { "prog", (char *)flag, NULL };
	int argc = 2;
	return parse(o, &argc, argv, errbuf, errlen);
}

static void test_flags_defaults_and_values(void **ctx)
{
	(void)ctx;
	cbench_options_t o;
	char err[256];
	char *argv[] = { "prog", "--benchmark_filter=dedup", "-l", "0-1", "--benchmark_format=json",
			 "--benchmark_out=/tmp/x.json", "--benchmark_out_format=console",
			 "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true",
			 "--benchmark_display_aggregates_only", "--benchmark_min_time=0.25s",
			 "--benchmark_time_unit=us", "--vdev=net_null0", NULL };
	int argc = 13;
	assert_int_equal(parse(&o, &argc, argv, err, sizeof(err)), 0);
	assert_string_equal(o.filter, "dedup");
	assert_int_equal(o.format, CBENCH_FORMAT_JSON);
	assert_string_equal(o.out_path, "/tmp/x.json");
	assert_int_equal(o.out_format, CBENCH_FORMAT_CONSOLE);
	assert_int_equal(o.repetitions, 5);
	assert_true(o.report_aggregates_only);
	assert_true(o.display_aggregates_only);
	assert_true(fabs(o.min_time - 0.25) < 1e-12);
	assert_string_equal(o.time_unit, "us");
	assert_false(o.list_tests);
	assert_false(o.help);
	/* Other arguments stay, in order, behind argv[0]. */
	assert_int_equal(argc, 4);
	assert_string_equal(argv[0], "prog");
	assert_string_equal(argv[1], "-l");
	assert_string_equal(argv[2], "0-1");
	assert_string_equal(argv[3], "--vdev=net_null0");
	assert_null(argv[4]);

	cbench_options_default(&o);
	assert_null(o.filter);
	assert_int_equal(o.format, CBENCH_FORMAT_CONSOLE);
	assert_int_equal(o.out_format, CBENCH_FORMAT_JSON);
	assert_int_equal(o.repetitions, 1);
	assert_true(fabs(o.min_time - 0.5) < 1e-12);
	assert_string_equal(o.time_unit, "ns");
}

static void test_flags_forms(void **ctx)
{
	(void)ctx;
	cbench_options_t o;
	char err[256];
	assert_int_equal(parse1(&o, "--benchmark_min_time=0.5", err, sizeof(err)), 0);
	assert_true(fabs(o.min_time - 0.5) < 1e-12);
	assert_int_equal(parse1(&o, "--benchmark_min_time=2s", err, sizeof(err)), 0);
	assert_true(fabs(o.min_time - 2.0) < 1e-12);
	assert_int_equal(parse1(&o, "--benchmark_min_time=100x", err, sizeof(err)), 0);
	assert_int_equal(o.min_iterations, 100);
	assert_int_equal(parse1(&o, "--benchmark_list_tests", err, sizeof(err)), 0);
	assert_true(o.list_tests);
	assert_int_equal(parse1(&o, "--benchmark_list_tests=false", err, sizeof(err)), 0);
	assert_false(o.list_tests);
	assert_int_equal(parse1(&o, "--benchmark_report_aggregates_only=false", err, sizeof(err)), 0);
	assert_false(o.report_aggregates_only);
	assert_int_equal(parse1(&o, "--help", err, sizeof(err)), 0);
	assert_true(o.help);
	assert_int_equal(parse1(&o, "--benchmark_color=auto", err, sizeof(err)), 0);
	assert_int_equal(parse1(&o, "--benchmark_color=false", err, sizeof(err)), 0);
	/* An empty filter is allowed and selects everything. */
	assert_int_equal(parse1(&o, "--benchmark_filter=", err, sizeof(err)), 0);
	assert_string_equal(o.filter, "");
}

static void test_flags_errors(void **ctx)
{
	(void)ctx;
	static const char *const bad[] = {
		"--benchmark_colour=true", /* unknown */
		"--benchmark_filterx=a", /* unknown (not a prefix match) */
		"--benchmark_format=xml",
		"--benchmark_format",
		"--benchmark_out_format=csv",
		"--benchmark_out=",
		"--benchmark_repetitions=0",
		"--benchmark_repetitions=3x",
		"--benchmark_report_aggregates_only=maybe",
		"--benchmark_min_time=fast",
		"--benchmark_min_time=0.5ms",
		"--benchmark_min_time=-1",
		"--benchmark_min_time=0.5x",
		"--benchmark_time_unit=ps",
		"--benchmark_color=purple",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cbench_options_t o;
		char err[256] = "";
		if (parse1(&o, bad[i], err, sizeof(err)) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "error:"));
		assert_non_null(strstr(err, bad[i]));
	}
	cbench_options_t o;
	char err[256];
	assert_int_equal(parse1(&o, "--benchmark_colour=true", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unrecognized flag"));
}

static void test_predict_iterations(void **ctx)
{
	(void)ctx;
	/* Far below a tenth of min_time: grow 10x. */
	assert_int_equal(cbench_predict_iterations(1, 1e-7, 0.5), 10);
	assert_int_equal(cbench_predict_iterations(100, 0.001, 0.5), 1000);
	/* Significant: aim at 1.4 x min_time. */
	assert_int_equal(cbench_predict_iterations(1000, 0.1, 0.5), 7000);
	assert_int_equal(cbench_predict_iterations(1000, 0.35, 0.5), 2000);
	/* Always at least one more. */
	assert_int_equal(cbench_predict_iterations(1, 0.69, 0.5), 2);
	/* Never above Google Benchmark's kMaxIterations. */
	assert_int_equal(cbench_predict_iterations(500000000, 1e-6, 0.5), 1000000000);
}

static void test_finish_run(void **ctx)
{
	(void)ctx;
	cbench_state_t st;
	memset(&st, 0, sizeof(st));
	st.real_used = 2.0;
	st.cpu_used = 1.0;
	st.items = 1000;
	st.bytes = 64000;
	st.ncounters = 3;
	st.counters[0] = (cbench_counter_t){ "zeta", 10.0, CBENCH_COUNTER_DEFAULT };
	st.counters[1] = (cbench_counter_t){ "drops", 50.0, CBENCH_COUNTER_AVG_ITERATIONS };
	st.counters[2] = (cbench_counter_t){ "alpha", 300.0,
					     CBENCH_COUNTER_IS_RATE | CBENCH_COUNTER_AVG_ITERATIONS };
	cbench_run_t run;
	memset(&run, 0, sizeof(run));
	cbench_finish_run(&run, &st, 100, false);
	assert_int_equal(run.iterations, 100);
	assert_true(fabs(run.real_time - 0.02) < 1e-15);
	assert_true(fabs(run.cpu_time - 0.01) < 1e-15);
	assert_int_equal(run.ncounters, 5);
	/* Sorted by name, as Google Benchmark's std::map prints them. */
	const char *order[] = { "alpha", "bytes_per_second", "drops", "items_per_second", "zeta" };
	const double value[] = { 3.0, 64000.0, 0.5, 1000.0, 10.0 };
	for (int i = 0; i < 5; i++) {
		assert_string_equal(run.counters[i].name, order[i]);
		assert_true(fabs(run.counters[i].value - value[i]) < 1e-9);
	}
	assert_false(run.error);

	/* Rates by wall-clock seconds (2 s) on request. */
	cbench_finish_run(&run, &st, 100, true);
	assert_string_equal(run.counters[3].name, "items_per_second");
	assert_true(fabs(run.counters[3].value - 500.0) < 1e-9);
	assert_true(fabs(run.counters[0].value - 1.5) < 1e-9);
}

static cbench_run_t make_run(double real, double cpu, bool error)
{
	cbench_run_t r;
	memset(&r, 0, sizeof(r));
	snprintf(r.run_name, sizeof(r.run_name), "fam/case/8");
	snprintf(r.name, sizeof(r.name), "fam/case/8");
	r.family_index = 3;
	r.per_family_instance_index = 1;
	r.repetitions = 4;
	r.iterations = 1000;
	r.real_time = real;
	r.cpu_time = cpu;
	r.error = error;
	r.ncounters = 1;
	r.counters[0] = (cbench_counter_t){ "items_per_second", 1.0 / cpu, CBENCH_COUNTER_IS_RATE };
	return r;
}

static void test_aggregates(void **ctx)
{
	(void)ctx;
	cbench_run_t runs[4] = { make_run(1, 2, false), make_run(4, 8, false), make_run(2, 4, false),
				 make_run(3, 6, false) };
	cbench_run_t agg[CBENCH_NUM_AGGREGATES];
	assert_int_equal(cbench_aggregate(runs, 4, agg), 4);
	const char *names[] = { "mean", "median", "stddev", "cv" };
	for (int i = 0; i < 4; i++) {
		assert_string_equal(agg[i].aggregate_name, names[i]);
		char want[64];
		snprintf(want, sizeof(want), "fam/case/8_%s", names[i]);
		assert_string_equal(agg[i].name, want);
		assert_string_equal(agg[i].run_name, "fam/case/8");
		assert_true(agg[i].aggregate);
		assert_int_equal(agg[i].iterations, 4);
		assert_int_equal(agg[i].repetitions, 4);
		assert_int_equal(agg[i].family_index, 3);
		assert_int_equal(agg[i].per_family_instance_index, 1);
		assert_int_equal(agg[i].aggregate_is_percentage, i == 3);
		assert_int_equal(agg[i].ncounters, 1);
	}
	assert_true(fabs(agg[0].real_time - 2.5) < 1e-12);
	assert_true(fabs(agg[0].cpu_time - 5.0) < 1e-12);
	assert_true(fabs(agg[1].real_time - 2.5) < 1e-12); /* even count: mean of the middle two */
	double sd = sqrt(5.0 / 3.0); /* sample stddev of 1,2,3,4 */
	assert_true(fabs(agg[2].real_time - sd) < 1e-12);
	assert_true(fabs(agg[2].cpu_time - 2 * sd) < 1e-12);
	assert_true(fabs(agg[3].real_time - sd / 2.5) < 1e-12);
	assert_true(fabs(agg[3].cpu_time - sd / 2.5) < 1e-12);
	/* Counters aggregate too: mean of 1/2, 1/8, 1/4, 1/6. */
	assert_true(fabs(agg[0].counters[0].value - (0.5 + 0.125 + 0.25 + 1.0 / 6) / 4) < 1e-12);
	assert_int_equal(agg[0].counters[0].flags, CBENCH_COUNTER_IS_RATE);

	/* Odd count: the middle value; runs with errors are left out. */
	cbench_run_t odd[4] = { make_run(9, 1, false), make_run(100, 1, true), make_run(1, 1, false),
				make_run(5, 1, false) };
	assert_int_equal(cbench_aggregate(odd, 4, agg), 4);
	assert_true(fabs(agg[0].real_time - 5.0) < 1e-12);
	assert_true(fabs(agg[1].real_time - 5.0) < 1e-12);
	assert_true(fabs(agg[2].real_time - 4.0) < 1e-12);
	assert_true(fabs(agg[2].cpu_time) < 1e-12);
	assert_int_equal(agg[0].iterations, 4);

	/* Fewer than two good runs: no aggregates. */
	cbench_run_t few[2] = { make_run(1, 1, false), make_run(2, 2, true) };
	assert_int_equal(cbench_aggregate(few, 2, agg), 0);
	assert_int_equal(cbench_aggregate(few, 1, agg), 0);
}

static char *escaped(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	cbench_json_escape(f, s);
	fclose(f);
	return text;
}

static void test_json_escape(void **ctx)
{
	(void)ctx;
	struct {
		const char *in, *out;
	} cases[] = {
		{ "plain/name:8", "plain/name:8" },
		{ "say \"hi\"", "say \\\"hi\\\"" },
		{ "C:\\path", "C:\\\\path" },
		{ "a\nb\tc\r", "a\\nb\\tc\\r" },
		{ "\b\f", "\\b\\f" },
		{ "\x01\x1f", "\\u0001\\u001f" },
		{ "utf8 \xc3\xa9", "utf8 \xc3\xa9" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(cases[i].in);
		assert_string_equal(got, cases[i].out);
		free(got);
	}
}

static void test_human_number(void **ctx)
{
	(void)ctx;
	struct {
		double v;
		const char *out;
	} cases[] = {
		{ 0, "0" }, { 1, "1" }, { 1000, "1000" }, { 1100, "1.1k" }, { 1500, "1.5k" },
		{ 1e6, "1000k" },
		{ 2.5e6, "2.5M" }, { 812.5e6, "812.5M" }, { 1.25e9, "1.25G" }, { 0.5, "0.5" },
		{ 0.005, "5m" }, { 2e-6, "2u" }, { -1500, "-1.5k" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		cbench_human_number(buf, sizeof(buf), cases[i].v);
		if (strcmp(buf, cases[i].out) != 0)
			fail_msg("%g printed as '%s', want '%s'", cases[i].v, buf, cases[i].out);
	}
}

/* Print runs through a reporter of `format` into a string. */
static char *report(enum cbench_format format, const cbench_run_t *runs, int n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	FILE *err = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_non_null(err);
	cbench_context_t ctx;
	cbench_context_read(&ctx, "prog");
	cbench_reporter_t r = { .format = format, .out = f, .err = err, .name_width = 16,
				.time_unit = "ns", .unit_multiplier = 1e9 };
	cbench_report_begin(&r, &ctx);
	cbench_report_runs(&r, runs, n);
	cbench_report_end(&r);
	fclose(f);
	fclose(err);
	return text;
}

static void test_reporters(void **ctx)
{
	(void)ctx;
	cbench_run_t runs[3];
	runs[0] = make_run(1.5e-9, 250e-9, false);
	runs[0].repetition_index = 0;
	runs[1] = make_run(2e-6, 2e-6, false);
	runs[1].aggregate = true;
	runs[1].aggregate_name = "cv";
	runs[1].aggregate_is_percentage = true;
	runs[1].real_time = 0.5;
	runs[1].cpu_time = 0.25;
	runs[1].counters[0].value = 0.02;
	snprintf(runs[1].name, sizeof(runs[1].name), "fam/case/8_cv");
	runs[2] = make_run(1, 1, true);
	snprintf(runs[2].error_msg, sizeof(runs[2].error_msg), "no \"nic\"");

	char *con = report(CBENCH_FORMAT_CONSOLE, runs, 3);
	assert_non_null(strstr(con, "\nBenchmark                 Time             CPU   Iterations UserCounters...\n"));
	assert_non_null(strstr(con, "\nfam/case/8             1.50 ns          250 ns         1000 items_per_second=4M/s\n"));
	assert_non_null(strstr(con, "\nfam/case/8_cv         50.00 %         25.00 %          1000 items_per_second=2.00%\n"));
	assert_non_null(strstr(con, "\nfam/case/8       ERROR OCCURRED: 'no \"nic\"'\n"));
	free(con);

	char *json = report(CBENCH_FORMAT_JSON, runs, 3);
	assert_non_null(strstr(json, "\"real_time\": 1.5000000000000000e+00,\n"));
	assert_non_null(strstr(json, "\"cpu_time\": 2.5000000000000000e+02,\n"));
	assert_non_null(strstr(json, "\"items_per_second\": 4.0000000000000000e+06\n    }"));
	/* A percentage aggregate is a ratio, not scaled to the time unit. */
	assert_non_null(strstr(json, "\"real_time\": 5.0000000000000000e-01,\n"));
	assert_non_null(strstr(json, "\"aggregate_unit\": \"percentage\",\n"));
	assert_non_null(strstr(json, "\"error_occurred\": true,\n      \"error_message\": \"no \\\"nic\\\"\",\n"));
	assert_non_null(strstr(json, "\n  ]\n}\n"));
	free(json);
}

/* Custom context: in the JSON context (before json_schema_version, as a
 * string) and on the console header; standard and repeated keys refused. */
static void test_custom_context(void **ctx)
{
	(void)ctx;
	assert_int_equal(cbench_add_custom_context("nic", "net_null"), 0);
	assert_int_equal(cbench_add_custom_context("nic", "again"), -1);
	assert_int_equal(cbench_add_custom_context("num_cpus", "3"), -1);
	cbench_context_t c;
	cbench_context_read(&c, "prog");
	assert_int_equal(c.ncustom, 1);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	cbench_reporter_t r = { .format = CBENCH_FORMAT_JSON, .out = f, .err = f,
				.name_width = 16, .time_unit = "ns", .unit_multiplier = 1e9 };
	cbench_report_begin(&r, &c);
	r.format = CBENCH_FORMAT_CONSOLE;
	cbench_report_begin(&r, &c);
	fclose(f);
	assert_non_null(strstr(text, ",\n    \"nic\": \"net_null\",\n    \"json_schema_version\": 1\n"));
	assert_non_null(strstr(text, "\nnic: net_null\n"));
	free(text);
}

static void test_time_unit(void **ctx)
{
	(void)ctx;
	assert_true(cbench_time_unit_multiplier("ns") == 1e9);
	assert_true(cbench_time_unit_multiplier("us") == 1e6);
	assert_true(cbench_time_unit_multiplier("ms") == 1e3);
	assert_true(cbench_time_unit_multiplier("s") == 1.0);
	assert_true(cbench_time_unit_multiplier("min") == 0.0);
}

static cbench_state_t *new_state(int64_t iters)
{
	cbench_state_t *st = calloc(1, sizeof(*st));
	assert_non_null(st);
	st->max_iterations = iters;
	st->items = -1;
	st->bytes = -1;
	return st;
}

static void test_keep_running(void **ctx)
{
	(void)ctx;
	cbench_state_t *st = new_state(5);
	int n = 0;
	assert_int_equal(cbench_iterations_run(st), 0);
	while (cbench_keep_running(st)) {
		n++;
		assert_int_equal(cbench_iterations_run(st), n);
	}
	assert_int_equal(n, 5);
	assert_true(st->finished);
	assert_false(cbench_keep_running(st));
	assert_int_equal(cbench_iterations_run(st), 5);
	assert_true(st->real_used >= 0 && st->cpu_used >= 0);
	free(st);

	/* An error before the loop: the body never runs. */
	st = new_state(5);
	cbench_skip_with_error(st, "no device");
	assert_false(cbench_keep_running(st));
	assert_true(st->error);
	assert_string_equal(st->error_msg, "no device");
	free(st);

	/* An error inside the loop ends it at the next check; the first message stays. */
	st = new_state(100);
	n = 0;
	while (cbench_keep_running(st)) {
		if (++n == 3) {
			cbench_skip_with_error(st, "first");
			cbench_skip_with_error(st, "second");
		}
	}
	assert_int_equal(n, 3);
	assert_int_equal(cbench_iterations_run(st), 3);
	assert_string_equal(st->error_msg, "first");
	free(st);
}

static void test_keep_running_batch(void **ctx)
{
	(void)ctx;
	/* 10 asked for in batches of 4: the third pass runs whole (12). */
	cbench_state_t *st = new_state(10);
	int passes = 0;
	while (cbench_keep_running_batch(st, 4)) {
		passes++;
		assert_int_equal(cbench_iterations_run(st), 4 * passes);
	}
	assert_int_equal(passes, 3);
	assert_int_equal(cbench_iterations_run(st), 12);
	assert_true(st->finished);
	assert_false(cbench_keep_running_batch(st, 4));
	free(st);

	/* An exact multiple; and one batch larger than the whole count. */
	st = new_state(8);
	for (passes = 0; cbench_keep_running_batch(st, 4);)
		passes++;
	assert_int_equal(passes, 2);
	assert_int_equal(cbench_iterations_run(st), 8);
	free(st);
	st = new_state(1);
	for (passes = 0; cbench_keep_running_batch(st, 1000000);)
		passes++;
	assert_int_equal(passes, 1);
	assert_int_equal(cbench_iterations_run(st), 1000000);
	free(st);

	/* An error inside: the loop ends at the next check, the passes begun count. */
	st = new_state(100);
	for (passes = 0; cbench_keep_running_batch(st, 10);)
		if (++passes == 3)
			cbench_skip_with_error(st, "device gone");
	assert_int_equal(passes, 3);
	assert_int_equal(cbench_iterations_run(st), 30);
	free(st);

	/* A batch below 1 is an error, before any pass. */
	st = new_state(5);
	assert_false(cbench_keep_running_batch(st, 0));
	assert_true(st->error);
	assert_non_null(strstr(st->error_msg, "fewer than 1"));
	free(st);
}

static void test_pause_resume_and_counters(void **ctx)
{
	(void)ctx;
	cbench_state_t *st = new_state(3);
	st->range = 42;
	assert_int_equal(cbench_range(st), 42);
	while (cbench_keep_running(st)) {
		cbench_pause_timing(st);
		usleep(20000); /* excluded from the timed total */
		cbench_resume_timing(st);
	}
	/* 60 ms were paused; the timed part is tiny in comparison. */
	assert_true(st->real_used < 0.03);
	cbench_set_items_processed(st, 30);
	cbench_set_bytes_processed(st, 3000);
	cbench_counter(st, "hits", 1, CBENCH_COUNTER_DEFAULT);
	cbench_counter(st, "hits", 2, CBENCH_COUNTER_IS_RATE); /* replaces */
	assert_int_equal(st->items, 30);
	assert_int_equal(st->bytes, 3000);
	assert_int_equal(st->ncounters, 1);
	assert_true(st->counters[0].value == 2);
	assert_int_equal(st->counters[0].flags, CBENCH_COUNTER_IS_RATE);
	for (int i = 0; i < CBENCH_MAX_COUNTERS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "c%d", i);
		cbench_counter(st, name, i, 0);
	}
	assert_true(st->error);
	assert_string_equal(st->error_msg, "too many counters");
	free(st);
}

/* ---- cbench_main end to end, on benchmarks that only this test registers ---- */

static void bench_fixed(cbench_state_t *st)
{
	int64_t sum = 0;
	while (cbench_keep_running(st))
		sum += cbench_range(st);
	cbench_do_not_optimize(sum);
	cbench_set_items_processed(st, cbench_iterations_run(st) * cbench_range(st));
}

static void bench_fails(cbench_state_t *st)
{
	cbench_skip_with_error(st, "needs a \"device\"");
	while (cbench_keep_running(st))
		;
}

static void bench_batch(cbench_state_t *st)
{
	while (cbench_keep_running_batch(st, 3))
		cbench_clobber_memory();
}

/* Passes of 1000 iterations that take at least 2 ms of wall-clock time
 * each: the harness must extrapolate from the 1000 that ran, not from the 1
 * it asked for. So a second call, if the first was short of the minimum
 * time, asks for more than 1000 and runs at least two batches -- whatever
 * the load (extrapolating from 1 would ask for about 10: one batch). */
static int batch_grows_calls;
static int64_t batch_grows_second_ran;

static void bench_batch_grows(cbench_state_t *st)
{
	batch_grows_calls++;
	while (cbench_keep_running_batch(st, 1000))
		usleep(2000);
	if (batch_grows_calls == 2)
		batch_grows_second_ran = cbench_iterations_run(st);
}

static void bench_quits_early(cbench_state_t *st)
{
	(void)st; /* never runs the loop: an error the harness must report */
}

CBENCH_REGISTER
{
	cbench_arg_named(cbench_arg(cbench_iterations(cbench_register("cbtest/fixed", bench_fixed), 7), 2),
			 "k", 5);
	cbench_register("cbtest/fails", bench_fails);
	cbench_min_time(cbench_register("cbtest/quits_early", bench_quits_early), 0.001);
	cbench_arg(cbench_use_real_time(cbench_iterations(cbench_register("cbtest/wall", bench_fixed), 3)), 4);
	cbench_iterations(cbench_register("cbtest/batch", bench_batch), 5);
	cbench_min_time(cbench_use_real_time(cbench_register("cbtest/batch_grows", bench_batch_grows)),
			0.01);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int run_main(int argc, const char **argv)
{
	char *copy[16];
	for (int i = 0; i < argc; i++)
		copy[i] = (char *)argv[i];
	copy[argc] = NULL;
	fflush(stdout);
	return cbench_main(argc, copy);
}

static void test_main_end_to_end(void **ctx)
{
	(void)ctx;
	char path[] = "/tmp/test_cbench_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	char out_flag[64];
	snprintf(out_flag, sizeof(out_flag), "--benchmark_out=%s", path);
	const char *argv[] = { "test_cbench", "--benchmark_filter=^cbtest/", out_flag,
			       "--benchmark_repetitions=2", NULL };
	assert_int_equal(run_main(4, argv), 0);
	char *json = slurp(path);
	assert_non_null(strstr(json, "\"name\": \"cbtest/fixed/2\""));
	assert_non_null(strstr(json, "\"name\": \"cbtest/fixed/k:5_mean\""));
	assert_non_null(strstr(json, "\"per_family_instance_index\": 1"));
	assert_non_null(strstr(json, "\"iterations\": 7,"));
	assert_non_null(strstr(json, "\"items_per_second\": "));
	assert_non_null(strstr(json, "\"error_occurred\": true"));
	assert_non_null(strstr(json, "\"error_message\": \"needs a \\\"device\\\"\""));
	assert_non_null(strstr(json, "cbench_keep_running() returned false"));
	assert_non_null(strstr(json, "\"aggregate_name\": \"cv\""));
	assert_non_null(strstr(json, "\"name\": \"cbtest/wall/4/real_time\""));
	/* Errored benchmarks have no aggregates. */
	assert_null(strstr(json, "cbtest/fails_mean"));
	/* 5 asked for in batches of 3: 6 ran, and 6 are reported. */
	const char *batch = strstr(json, "\"name\": \"cbtest/batch\"");
	assert_non_null(batch);
	assert_non_null(strstr(batch, "\"iterations\": 6,"));
	free(json);

	const char *grows[] = { "test_cbench", "--benchmark_filter=^cbtest/batch_grows", NULL };
	batch_grows_calls = 0;
	batch_grows_second_ran = 0;
	assert_int_equal(run_main(2, grows), 0);
	assert_true(batch_grows_calls == 1 || batch_grows_second_ran >= 2000);

	/* Aggregates only, to the file; a negative filter. */
	const char *argv2[] = { "test_cbench", "--benchmark_filter=-fails|quits|harness",
				out_flag, "--benchmark_repetitions=3",
				"--benchmark_report_aggregates_only=true", "--benchmark_format=json",
				NULL };
	assert_int_equal(run_main(6, argv2), 0);
	json = slurp(path);
	assert_null(strstr(json, "\"run_type\": \"iteration\""));
	assert_non_null(strstr(json, "\"name\": \"cbtest/fixed/2_median\""));
	assert_null(strstr(json, "cbtest/fails"));
	free(json);
	unlink(path);

	const char *bad[] = { "test_cbench", "--benchmark_nope", NULL };
	assert_int_equal(run_main(2, bad), 1);
	const char *none[] = { "test_cbench", "--benchmark_filter=^no such benchmark$", NULL };
	assert_int_equal(run_main(2, none), 1);
	const char *list[] = { "test_cbench", "--benchmark_list_tests", "--benchmark_filter=cbtest", NULL };
	assert_int_equal(run_main(3, list), 0);
	const char *unwritable[] = { "test_cbench", "--benchmark_filter=cbtest/fixed",
				     "--benchmark_out=/nonexistent/dir/x.json", NULL };
	assert_int_equal(run_main(3, unwritable), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instance_name),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_flags_defaults_and_values),
		cmocka_unit_test(test_flags_forms),
		cmocka_unit_test(test_flags_errors),
		cmocka_unit_test(test_predict_iterations),
		cmocka_unit_test(test_finish_run),
		cmocka_unit_test(test_aggregates),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_human_number),
		cmocka_unit_test(test_reporters),
		cmocka_unit_test(test_custom_context),
		cmocka_unit_test(test_time_unit),
		cmocka_unit_test(test_keep_running),
		cmocka_unit_test(test_keep_running_batch),
		cmocka_unit_test(test_pause_resume_and_counters),
		cmocka_unit_test(test_main_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
