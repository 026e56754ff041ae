/* cbench's command line: Google Benchmark's --benchmark_* flags and its
 * benchmark filter. */
#include "cbench_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cbench_filter_init(cbench_filter_t *f, const char *expr, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	if (expr == NULL || expr[0] == '\0' || strcmp(expr, "all") == 0 || strcmp(expr, ".") == 0) {
		f->match_all = true;
		return 0;
	}
	if (expr[0] == '-') {
		f->negate = true;
		expr++;
	}
	int rc = regcomp(&f->re, expr, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];
		regerror(rc, &f->re, why, sizeof(why));
		snprintf(err, errlen, "invalid --benchmark_filter regex '%s': %s", expr, why);
		return -1;
	}
	f->compiled = true;
	return 0;
}

bool cbench_filter_match(const cbench_filter_t *f, const char *name)
{
	if (f->match_all)
		return true;
	bool found = regexec(&f->re, name, 0, NULL, 0) == 0;
	return found != f->negate;
}

void cbench_filter_free(cbench_filter_t *f)
{
	if (f->compiled)
		regfree(&f->re);
	f->compiled = false;
}

void cbench_options_default(cbench_options_t *o)
{
	memset(o, 0, sizeof(*o));
	o->format = CBENCH_FORMAT_CONSOLE;
	o->out_format = CBENCH_FORMAT_JSON;
	o->repetitions = 1;
	o->min_time = 0.5;
	o->time_unit = "ns";
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "t", "y", "on" };
	static const char *const no[] = { "false", "0", "no", "f", "n", "off" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int parse_format(const char *v, enum cbench_format *out)
{
	if (strcmp(v, "console") == 0)
		*out = CBENCH_FORMAT_CONSOLE;
	else if (strcmp(v, "json") == 0)
		*out = CBENCH_FORMAT_JSON;
	else
		return -1;
	return 0;
}

/* "0.5", "0.5s" (seconds) or "100x" (iterations), as Google Benchmark. */
static int parse_min_time(const char *v, cbench_options_t *o)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || errno != 0 || !(d >= 0))
		return -1;
	if (*end == 'x' && end[1] == '\0') {
		if (d < 1 || d != (double)(int64_t)d)
			return -1;
		o->min_iterations = (int64_t)d;
		return 0;
	}
	if (!(*end == '\0' || (*end == 's' && end[1] == '\0')))
		return -1;
	o->min_time = d;
	o->min_iterations = 0;
	return 0;
}

static int parse_repetitions(const char *v, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || n < 1 || n > 100000)
		return -1;
	*out = (int)n;
	return 0;
}

/* The value of "--NAME=VALUE" or bare "--NAME" (then "true" for booleans). */
static const char *flag_value(const char *arg, const char *name, bool boolean)
{
	size_t n = strlen(name);
	if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, n) != 0)
		return NULL;
	const char *rest = arg + 2 + n;
	if (*rest == '=')
		return rest + 1;
	if (*rest == '\0' && boolean)
		return "true";
	return NULL;
}

static int parse_one(cbench_options_t *o, const char *arg, FILE *err)
{
	const char *v;
	bool b;
	if ((v = flag_value(arg, "benchmark_filter", false)) != NULL) {
		o->filter = v;
		return 0;
	}
	if ((v = flag_value(arg, "benchmark_format", false)) != NULL) {
		if (parse_format(v, &o->format) == 0)
			return 0;
	} else if ((v = flag_value(arg, "benchmark_out_format", false)) != NULL) {
		if (parse_format(v, &o->out_format) == 0)
			return 0;
	} else if ((v = flag_value(arg, "benchmark_out", false)) != NULL) {
		if (v[0] != '\0') {
			o->out_path = v;
			return 0;
		}
	} else if ((v = flag_value(arg, "benchmark_repetitions", false)) != NULL) {
		if (parse_repetitions(v, &o->repetitions) == 0)
			return 0;
	} else if ((v = flag_value(arg, "benchmark_report_aggregates_only", true)) != NULL) {
		if (parse_bool(v, &b) == 0) {
			o->report_aggregates_only = b;
			return 0;
		}
	} else if ((v = flag_value(arg, "benchmark_display_aggregates_only", true)) != NULL) {
		if (parse_bool(v, &b) == 0) {
			o->display_aggregates_only = b;
			return 0;
		}
	} else if ((v = flag_value(arg, "benchmark_min_time", false)) != NULL) {
		if (parse_min_time(v, o) == 0)
			return 0;
	} else if ((v = flag_value(arg, "benchmark_list_tests", true)) != NULL) {
		if (parse_bool(v, &b) == 0) {
			o->list_tests = b;
			return 0;
		}
	} else if ((v = flag_value(arg, "benchmark_color", true)) != NULL) {
		/* Output is never colored; the flag is accepted for scripts that pass it. */
		if (parse_bool(v, &b) == 0 || strcmp(v, "auto") == 0)
			return 0;
	} else if ((v = flag_value(arg, "benchmark_time_unit", false)) != NULL) {
		if (cbench_time_unit_multiplier(v) > 0) {
			o->time_unit = v;
			return 0;
		}
	} else {
		fprintf(err, "error: unrecognized flag '%s' (see --help)\n", arg);
		return -1;
	}
	fprintf(err, "error: invalid value in '%s' (see --help)\n", arg);
	return -1;
}

int cbench_parse_flags(cbench_options_t *o, int *argc, char **argv, FILE *err)
{
	int kept = *argc > 0 ? 1 : 0;
	for (int i = kept; i < *argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->help = true;
			continue;
		}
		if (strncmp(a, "--benchmark_", 12) != 0) {
			argv[kept++] = argv[i];
			continue;
		}
		if (parse_one(o, a, err) != 0)
			return -1;
	}
	*argc = kept;
	argv[kept] = NULL;
	return 0;
}
