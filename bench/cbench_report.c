/* cbench's two output formats, byte for byte in the layout of Google
 * Benchmark's json_reporter.cc and console_reporter.cc, so compare.py and
 * people used to Google Benchmark read them unchanged. */
#include "cbench_internal.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void cbench_json_escape(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
}

void cbench_human_number(char *buf, size_t len, double v)
{
	static const char big[] = "kMGTPEZY";
	static const char small[] = "munpfazy";
	const char *sign = v < 0 ? "-" : "";
	double a = fabs(v);
	/* Thresholds of Google Benchmark's HumanReadableNumber (base 1000). */
	const double big_threshold = 1000, small_threshold = 1.0, simple = 0.01;
	if (a > big_threshold) {
		double scaled = a;
		for (size_t i = 0; i < sizeof(big) - 1; i++) {
			scaled /= 1000;
			if (scaled <= big_threshold) {
				snprintf(buf, len, "%s%g%c", sign, scaled, big[i]);
				return;
			}
		}
	} else if (a < small_threshold && a < simple && a > 0) {
		double scaled = a;
		for (size_t i = 0; i < sizeof(small) - 1; i++) {
			scaled *= 1000;
			if (scaled >= small_threshold) {
				snprintf(buf, len, "%s%g%c", sign, scaled, small[i]);
				return;
			}
		}
	}
	snprintf(buf, len, "%s%g", sign, a);
}

static void json_kv_str(FILE *out, const char *indent, const char *key, const char *v)
{
	fprintf(out, "%s\"", indent);
	cbench_json_escape(out, key);
	fputs("\": \"", out);
	cbench_json_escape(out, v);
	fputc('"', out);
}

static void json_double(FILE *out, double v)
{
	if (isnan(v))
		fputs("NaN", out);
	else if (isinf(v))
		fputs(v < 0 ? "-Infinity" : "Infinity", out);
	else
		fprintf(out, "%.16e", v); /* max_digits10 - 1 fractional digits */
}

static void json_kv_double(FILE *out, const char *indent, const char *key, double v)
{
	fprintf(out, "%s\"", indent);
	cbench_json_escape(out, key);
	fputs("\": ", out);
	json_double(out, v);
}

static void json_context(FILE *out, const cbench_context_t *c)
{
	fputs("{\n  \"context\": {\n", out);
	json_kv_str(out, "    ", "date", c->date);
	fputs(",\n", out);
	json_kv_str(out, "    ", "host_name", c->host_name);
	fputs(",\n", out);
	if (c->executable != NULL) {
		json_kv_str(out, "    ", "executable", c->executable);
		fputs(",\n", out);
	}
	fprintf(out, "    \"num_cpus\": %d,\n", c->num_cpus);
	fprintf(out, "    \"mhz_per_cpu\": %" PRId64 ",\n", (int64_t)(c->mhz_per_cpu + 0.5));
	fprintf(out, "    \"cpu_scaling_enabled\": %s,\n", c->cpu_scaling_enabled ? "true" : "false");
	fputs("    \"caches\": [\n", out);
	for (int i = 0; i < c->ncaches; i++) {
		const cbench_cache_t *ci = &c->caches[i];
		fputs("      {\n", out);
		json_kv_str(out, "        ", "type", ci->type);
		fprintf(out, ",\n        \"level\": %d,\n", ci->level);
		fprintf(out, "        \"size\": %" PRId64 ",\n", ci->size);
		fprintf(out, "        \"num_sharing\": %d\n", ci->num_sharing);
		fprintf(out, "      }%s\n", i + 1 < c->ncaches ? "," : "");
	}
	fputs("    ],\n    \"load_avg\": [", out);
	for (int i = 0; i < c->nload; i++)
		fprintf(out, "%s%g", i ? "," : "", c->load_avg[i]);
	fputs("],\n", out);
	json_kv_str(out, "    ", "library_build_type", c->library_build_type);
	for (int i = 0; i < c->ncustom; i++) {
		fputs(",\n", out);
		json_kv_str(out, "    ", c->custom[i][0], c->custom[i][1]);
	}
	fputs(",\n    \"json_schema_version\": 1\n  },\n  \"benchmarks\": [\n", out);
}

static void json_run(cbench_reporter_t *r, const cbench_run_t *run)
{
	FILE *out = r->out;
	const char *in = "      ";
	if (!r->first_run)
		fputs(",\n", out);
	r->first_run = false;
	fputs("    {\n", out);
	json_kv_str(out, in, "name", run->name);
	fprintf(out, ",\n%s\"family_index\": %d", in, run->family_index);
	fprintf(out, ",\n%s\"per_family_instance_index\": %d,\n", in, run->per_family_instance_index);
	json_kv_str(out, in, "run_name", run->run_name);
	fputs(",\n", out);
	json_kv_str(out, in, "run_type", run->aggregate ? "aggregate" : "iteration");
	fprintf(out, ",\n%s\"repetitions\": %d", in, run->repetitions);
	if (!run->aggregate)
		fprintf(out, ",\n%s\"repetition_index\": %d", in, run->repetition_index);
	fprintf(out, ",\n%s\"threads\": 1", in);
	if (run->aggregate) {
		fputs(",\n", out);
		json_kv_str(out, in, "aggregate_name", run->aggregate_name);
		fputs(",\n", out);
		json_kv_str(out, in, "aggregate_unit", run->aggregate_is_percentage ? "percentage" : "time");
	}
	if (run->error) {
		fprintf(out, ",\n%s\"error_occurred\": true,\n", in);
		json_kv_str(out, in, "error_message", run->error_msg);
	}
	fprintf(out, ",\n%s\"iterations\": %" PRId64 ",\n", in, run->iterations);
	/* A percentage aggregate (cv) is a ratio, not a time. */
	double mult = run->aggregate_is_percentage ? 1.0 : r->unit_multiplier;
	json_kv_double(out, in, "real_time", run->real_time * mult);
	fputs(",\n", out);
	json_kv_double(out, in, "cpu_time", run->cpu_time * mult);
	fputs(",\n", out);
	json_kv_str(out, in, "time_unit", r->time_unit);
	for (int i = 0; i < run->ncounters; i++) {
		fputs(",\n", out);
		json_kv_double(out, in, run->counters[i].name, run->counters[i].value);
	}
	fputs("\n    }", out);
}

/* A time in the console's 10 columns, as Google Benchmark's FormatTime. */
static void console_time(char *buf, size_t len, double t)
{
	if (t < 1.0)
		snprintf(buf, len, "%10.3f", t);
	else if (t < 10.0)
		snprintf(buf, len, "%10.2f", t);
	else if (t < 100.0)
		snprintf(buf, len, "%10.1f", t);
	else if (t > 9999999999.0)
		snprintf(buf, len, "%1.4e", t);
	else
		snprintf(buf, len, "%10.0f", t);
}

static void console_context(FILE *err, const cbench_context_t *c)
{
	fprintf(err, "%s\n", c->date);
	if (c->executable != NULL)
		fprintf(err, "Running %s\n", c->executable);
	fprintf(err, "Run on (%d X %g MHz CPU%s)\n", c->num_cpus, c->mhz_per_cpu,
		c->num_cpus > 1 ? " s" : " ");
	if (c->ncaches > 0) {
		fputs("CPU Caches:\n", err);
		for (int i = 0; i < c->ncaches; i++) {
			const cbench_cache_t *ci = &c->caches[i];
			fprintf(err, "  L%d %s %" PRId64 " KiB", ci->level, ci->type, ci->size / 1024);
			if (ci->num_sharing != 0)
				fprintf(err, " (x%d)", c->num_cpus / ci->num_sharing);
			fputc('\n', err);
		}
	}
	if (c->nload > 0) {
		fputs("Load Average: ", err);
		for (int i = 0; i < c->nload; i++)
			fprintf(err, "%s%.2f", i ? ", " : "", c->load_avg[i]);
		fputc('\n', err);
	}
	for (int i = 0; i < c->ncustom; i++)
		fprintf(err, "%s: %s\n", c->custom[i][0], c->custom[i][1]);
	if (c->cpu_scaling_enabled)
		fputs("***WARNING*** CPU scaling is enabled, the benchmark real time measurements may "
		      "be noisy and will incur extra overhead.\n", err);
	if (strcmp(c->library_build_type, "debug") == 0)
		fputs("***WARNING*** Library was built as DEBUG. Timings may be affected.\n", err);
}

static void console_header(cbench_reporter_t *r, const cbench_run_t *run)
{
	char line[CBENCH_NAME_MAX + 128];
	int n = snprintf(line, sizeof(line), "%-*s %13s %15s %12s%s", r->name_width, "Benchmark",
			 "Time", "CPU", "Iterations", run->ncounters > 0 ? " UserCounters..." : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	for (int i = 0; i < n; i++)
		fputc('-', r->out);
	fprintf(r->out, "\n%s\n", line);
	for (int i = 0; i < n; i++)
		fputc('-', r->out);
	fputc('\n', r->out);
}

static void console_run(cbench_reporter_t *r, const cbench_run_t *run)
{
	FILE *out = r->out;
	if (!r->header_printed) {
		console_header(r, run);
		r->header_printed = true;
	}
	fprintf(out, "%-*s ", r->name_width, run->name);
	if (run->error) {
		fprintf(out, "ERROR OCCURRED: '%s'\n", run->error_msg);
		return;
	}
	if (run->aggregate_is_percentage) {
		fprintf(out, "%10.2f %-4s %10.2f %-4s ", 100.0 * run->real_time, "%",
			100.0 * run->cpu_time, "%");
	} else {
		char real[32], cpu[32];
		console_time(real, sizeof(real), run->real_time * r->unit_multiplier);
		console_time(cpu, sizeof(cpu), run->cpu_time * r->unit_multiplier);
		fprintf(out, "%s %-4s %s %-4s ", real, r->time_unit, cpu, r->time_unit);
	}
	fprintf(out, "%10" PRId64, run->iterations);
	for (int i = 0; i < run->ncounters; i++) {
		const cbench_counter_t *c = &run->counters[i];
		char v[48];
		const char *unit = "";
		if (run->aggregate_is_percentage) {
			snprintf(v, sizeof(v), "%.2f", 100.0 * c->value);
			unit = "%";
		} else {
			cbench_human_number(v, sizeof(v), c->value);
			if (c->flags & CBENCH_COUNTER_IS_RATE)
				unit = "/s";
		}
		fprintf(out, " %s=%s%s", c->name, v, unit);
	}
	fputc('\n', out);
}

void cbench_report_begin(cbench_reporter_t *r, const cbench_context_t *c)
{
	r->first_run = true;
	r->header_printed = false;
	if (r->format == CBENCH_FORMAT_JSON)
		json_context(r->out, c);
	else
		console_context(r->err, c);
}

void cbench_report_runs(cbench_reporter_t *r, const cbench_run_t *runs, int n)
{
	for (int i = 0; i < n; i++) {
		if (r->format == CBENCH_FORMAT_JSON)
			json_run(r, &runs[i]);
		else
			console_run(r, &runs[i]);
	}
	fflush(r->out);
}

void cbench_report_end(cbench_reporter_t *r)
{
	if (r->format == CBENCH_FORMAT_JSON)
		fputs("\n  ]\n}\n", r->out);
	fflush(r->out);
}
