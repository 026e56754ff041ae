/* libFuzzer target for sl_top (sluicectl top): the JSON parsers of
 * sluice-dp's telemetry answers and of sluiced's `stats json`, and the frame
 * drawn from what they kept. The input: a byte of columns, a byte of rows, a
 * byte of flags, then up to five texts split at NUL bytes, given in turn to
 * the stats, prefilter, sources, peers and sluiced parsers. Any bytes: each
 * parser returns 0 or -1, and -1 leaves the sample as it was; every count
 * stays within its array and every kept name and state is a C string of
 * its field; the frame has at most the rows asked and no line wider than
 * the columns asked (each clamped to the screen's maxima). And
 * sl_dptel_value, which sluicectl stats applies to such answers, returns
 * a string inside the answer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_dptelemetry.h"
#include "sl_top.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
	fprintf(stderr, "sl_top invariant broken: %s\n", what);
	abort();
}

static void check_string(const char *s, size_t size, const char *what)
{
	if (memchr(s, '\0', size) == NULL)
		broken(what);
}

static void check_sample(const sl_top_sample_t *s)
{
	if (s->ncounters > SL_TOP_COUNTERS_MAX || s->npeers > SL_TOP_PEERS_MAX ||
	    s->nsources > SL_TOP_SOURCES_MAX)
		broken("a count past its array");
	check_string(s->relay, sizeof(s->relay), "relay name");
	for (unsigned i = 0; i < s->ncounters; i++)
		check_string(s->counter[i].name, sizeof(s->counter[i].name), "counter name");
	for (unsigned i = 0; i < s->npeers; i++) {
		check_string(s->peer[i].name, sizeof(s->peer[i].name), "peer name");
		check_string(s->peer[i].state, sizeof(s->peer[i].state), "peer state");
	}
	for (unsigned i = 0; i < s->nsources; i++)
		check_string(s->source[i].ip, sizeof(s->source[i].ip), "source name");
}

typedef int (*parse_fn)(sl_top_sample_t *s, const char *json);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const parse_fn parsers[] = {sl_top_parse_stats, sl_top_parse_prefilter,
					   sl_top_parse_sources, sl_top_parse_dp_peers,
					   sl_top_parse_sluiced};
	static const char *const cmds[] = {"/sluice/stats", "/sluice/prefilter",
					   "/sluice/sources", "/sluice/peers", "stats json"};
	static sl_top_sample_t prev, cur, before;
	static sl_top_screen_t scr;
	if (size < 3)
		return 0;
	const unsigned cols = data[0], rows = data[1], flags = data[2];
	char *text = malloc(size - 3 + 1); /* the texts, NUL-terminated */
	if (text == NULL)
		return 0;
	memcpy(text, data + 3, size - 3);
	text[size - 3] = '\0';

	sl_top_sample_init(&cur, 2000000000ull);
	const char *t = text, *end = text + (size - 3);
	for (unsigned i = 0; i < sizeof(parsers) / sizeof(parsers[0]) && t <= end; i++) {
		before = cur;
		const int rc = parsers[i](&cur, t);
		if (rc != 0 && rc != -1)
			broken("a parser returned neither 0 nor -1");
		if (rc == -1 && memcmp(&before, &cur, sizeof(cur)) != 0)
			broken("a refused answer changed the sample");
		check_sample(&cur);
		const size_t n = strlen(t);
		char *copy = malloc(n + 1);
		if (copy != NULL) {
			memcpy(copy, t, n + 1);
			const char *v = sl_dptel_value(copy, cmds[i]);
			if (v < copy || v > copy + n || strlen(v) > n - (size_t)(v - copy))
				broken("sl_dptel_value outside the answer");
			free(copy);
		}
		t += n + 1;
	}
	free(text);

	/* the previous sample: none, empty (the totals become rates), or the
	 * same counters a second earlier (every rate 0) */
	const sl_top_sample_t *p = NULL;
	if (flags % 3 == 1) {
		sl_top_sample_init(&prev, 1000000000ull);
		p = &prev;
	} else if (flags % 3 == 2) {
		prev = cur;
		prev.t_ns = 1000000000ull;
		p = &prev;
	}
	sl_top_render(p, &cur, cols, rows, (flags & 4) ? "14:02:03" : NULL, &scr);
	const unsigned max_rows = rows < SL_TOP_ROWS_MAX ? rows : SL_TOP_ROWS_MAX;
	const unsigned max_cols = cols < SL_TOP_COLS_MAX ? cols : SL_TOP_COLS_MAX;
	if (scr.n > max_rows)
		broken("more lines than rows");
	for (unsigned i = 0; i < scr.n; i++) {
		check_string(scr.line[i], sizeof(scr.line[i]), "a line without its NUL");
		if (strlen(scr.line[i]) > max_cols)
			broken("a line wider than the columns");
	}
	return 0;
}
