/* sl_metrics' rendering: every family has # HELP and # TYPE, label values
 * are escaped, the drops family is the one-bucket rule's drops, at most 16
 * source labels, and the largest snapshot fits the buffer.
 *
 *   test_metrics                  the cmocka tests
 *   test_metrics --dump FILE      writes a full rendering to FILE (the
 *                                 Grafana dashboard's test reads it) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sl_metrics.h"

static sl_config_t cfg;
static sl_stats_t stats;
static sl_peer_names_t peers;
static sl_srcdrops_top_t sources;
static sl_pf_snapshot_t pf;
static sl_autoblock_stats_t ab;
static char buf[SL_METRICS_BUF_MAX];

/* A snapshot with every part filled: nfull peers, 16 sources each side. */
static sl_metrics_view_t full_view(unsigned npeers, uint64_t base)
{
	static const char conf[] = "[relay]\nname=relay-a_1\nip=10.0.0.1\nworkers=4\n"
				   "dedup_capacity=65536\n[port]\ntype=null\n";
	assert_int_equal(sl_config_parse(conf, sizeof(conf) - 1, "t.ini", &cfg, NULL, NULL), 0);
	memset(&stats, 0, sizeof(stats));
	for (unsigned i = 0; i < SL_C__COUNT; i++)
		stats.c[i] = base ? base : 1000 + i;
	stats.dedup_window_ns = 1500000000ull;
	stats.dedup_fill = 777;
	memset(&peers, 0, sizeof(peers));
	peers.n = npeers;
	for (unsigned k = 0; k < npeers; k++) {
		peers.idx[k] = (uint8_t)k;
		snprintf(peers.name[k], sizeof(peers.name[k]), "peer-%010u", k);
		for (unsigned i = 0; i < SL_PC__COUNT; i++)
			stats.peer[k][i] = base ? base : 10 * k + i;
	}
	memset(&sources, 0, sizeof(sources));
	sources.n = SL_SRCDROPS_TOP_MAX;
	for (unsigned i = 0; i < sources.n; i++) {
		/* both families: IPv4 i.255.255.255, IPv6 of the longest text,
		 * ffff:...:ffff:ff<i>/128 */
		uint8_t b6[16];
		memset(b6, 0xff, sizeof(b6));
		b6[15] = (uint8_t)i;
		sources.src[i].addr = i % 2 ? sl_srcaddr_from_v6(b6, 128)
					    : sl_srcaddr_from_v4(0xffffff00u | i);
		for (unsigned c = 0; c < SL_SRC__COUNT; c++)
			sources.src[i].n[c] = base ? base : 100 - i;
	}
	memset(&pf, 0, sizeof(pf));
	for (unsigned i = 0; i < SL_PF__COUNT; i++)
		pf.c[i] = base ? base : 5 + i;
	pf.top.n = SL_PF_TOP_MAX;
	for (unsigned i = 0; i < pf.top.n; i++) {
		/* both families: IPv4 254.254.254.i, IPv6 2001:db8:0:i::/64 */
		struct sl_pf_src *src = &pf.top.src[i];
		src->family = i % 2 ? 6 : 4;
		src->prefixlen = i % 2 ? 64 : 32;
		memcpy(src->addr, i % 2 ? (uint8_t[4]){0x20, 0x01, 0x0d, 0xb8} : (uint8_t[4]){254, 254, 254}, 4);
		src->addr[i % 2 ? 7 : 3] = (uint8_t)i;
		src->drops = base ? base : 50 - i;
	}
	for (unsigned l = 0; l < SL_PF_LISTS; l++)
		for (unsigned f = 0; f < 2; f++) /* full in the worst case */
			pf.list_entries[l][f] = base ? sl_pf_list_capacity(l) : 3 + 2 * l + f;
	ab = (sl_autoblock_stats_t){.blocks = base ? base : 7,
				    .blocks_by = {base ? base : 3, base ? base : 4},
				    .protected_sources = base ? base : 2, .errors = base ? base : 1,
				    .active = base ? base : 5};
	return (sl_metrics_view_t){
		.cfg = &cfg, .stats = &stats, .peers = &peers, .sources = &sources,
		.prefilter_loaded = true, .prefilter = &pf, .autoblock = &ab, .uptime_s = 12.5,
		.start_time_s = 1700000000.25,
	};
}

static bool known_family(const char *name, size_t len)
{
	for (unsigned i = 0; sl_metrics_family(i); i++)
		if (strlen(sl_metrics_family(i)) == len && strncmp(sl_metrics_family(i), name, len) == 0)
			return true;
	return false;
}

/* Every sample's family was declared by # HELP then # TYPE, once, before
 * it; every declared family is in sl_metrics_family's list. Returns the
 * number of families. */
static unsigned check_exposition(const char *text)
{
	char fam[128] = "";
	char seen[64][128];
	unsigned nseen = 0;
	const char *line = text;
	while (*line) {
		const char *end = strchr(line, '\n');
		assert_non_null(end); /* every line ends in a newline */
		size_t len = (size_t)(end - line);
		char l[1024];
		assert_true(len < sizeof(l));
		memcpy(l, line, len);
		l[len] = '\0';
		if (strncmp(l, "# HELP ", 7) == 0) {
			char name[128];
			assert_int_equal(sscanf(l + 7, "%127s", name), 1);
			assert_true(known_family(name, strlen(name)));
			for (unsigned i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], name); /* declared once */
			assert_true(nseen < 64);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
			/* the next line is its TYPE */
			const char *t = end + 1;
			char want[160];
			snprintf(want, sizeof(want), "# TYPE %s ", name);
			assert_memory_equal(t, want, strlen(want));
			const char *type = t + strlen(want);
			assert_true(strncmp(type, "counter\n", 8) == 0 || strncmp(type, "gauge\n", 6) == 0);
			bool counter = strncmp(type, "counter\n", 8) == 0;
			size_t n = strlen(name);
			/* counters end in _total, gauges do not */
			assert_true(counter == (n > 6 && strcmp(name + n - 6, "_total") == 0));
			snprintf(fam, sizeof(fam), "%s", name);
			line = strchr(t, '\n') + 1;
			continue;
		}
		assert_true(l[0] != '#');
		size_t nlen = strcspn(l, "{ ");
		assert_true(fam[0] && nlen == strlen(fam) && strncmp(l, fam, nlen) == 0);
		line = end + 1;
	}
	/* every family is written, samples or not */
	for (unsigned i = 0; sl_metrics_family(i); i++) {
		char want[160];
		snprintf(want, sizeof(want), "# HELP %s ", sl_metrics_family(i));
		if (!strstr(text, want))
			fail_msg("family %s not written", sl_metrics_family(i));
	}
	return nseen;
}

static void test_every_family_has_help_and_type(void **state)
{
	(void)state;
	sl_metrics_view_t v = full_view(3, 0);
	size_t n = sl_metrics_render(&v, buf, sizeof(buf));
	assert_true(n > 0 && n == strlen(buf));
	unsigned nf = check_exposition(buf);
	unsigned listed = 0;
	while (sl_metrics_family(listed))
		listed++;
	assert_int_equal(nf, listed);
	/* a few samples, exactly */
	assert_non_null(strstr(buf, "\nsluice_rx_packets_total 1000\n"));
	assert_non_null(strstr(buf, "\nsluice_drops_total{reason=\"l2\"} 1005\n"));
	assert_non_null(strstr(buf, "\nsluice_drops_total{reason=\"parse_truncated\"} "));
	assert_non_null(strstr(buf, "\nsluice_peer_frames_out_total{peer=\"peer-0000000002\"} 25\n"));
	assert_non_null(strstr(buf, "\nsluice_dedup_window_seconds 1.500000000\n"));
	assert_non_null(strstr(buf, "\nsluice_dedup_fill_entries{cache=\"bytes\"} 777\n"));
	assert_non_null(strstr(buf, "\nsluice_dedup_capacity_entries{cache=\"bytes\"} 65536\n"));
	assert_non_null(strstr(buf, "\nsluice_dedup_capacity_entries{cache=\"verified_ids\"} 65536\n"));
	assert_non_null(strstr(buf, "\nsluice_workers 4\n"));
	assert_non_null(strstr(buf, "sluice_build_info{relay=\"relay-a_1\",version=\""));
	assert_non_null(strstr(buf, "verify_backend=\"sluice\"} 1\n"));
	assert_non_null(strstr(buf, "\nsluice_uptime_seconds 12.500\n"));
	assert_non_null(strstr(buf, "\nsluice_source_drops_total{source=\"0.255.255.255\",class=\"malformed\"} 100\n"));
	assert_non_null(strstr(buf, "\nsluice_source_drops_total{source=\"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff01/128\","
				    "class=\"invalid_sig\"} 99\n"));
	assert_non_null(strstr(buf, "\nsluice_prefilter_loaded 1\n"));
	assert_non_null(strstr(buf, "\nsluice_prefilter_packets_total{reason=\"redirected\"} 5\n"));
	assert_non_null(strstr(buf, "\nsluice_prefilter_source_drops_total{source=\"254.254.254.0\"} 50\n"));
	assert_non_null(strstr(buf, "\nsluice_prefilter_source_drops_total{source=\"2001:db8:0:1::/64\"} 49\n"));
	assert_non_null(strstr(buf, "\nsluice_prefilter_list_entries{list=\"blocklist\",family=\"ipv4\"} 3\n"
				    "sluice_prefilter_list_entries{list=\"blocklist\",family=\"ipv6\"} 4\n"
				    "sluice_prefilter_list_entries{list=\"allowlist\",family=\"ipv4\"} 5\n"
				    "sluice_prefilter_list_entries{list=\"allowlist\",family=\"ipv6\"} 6\n"));
	assert_non_null(strstr(buf, "\nsluice_prefilter_list_capacity_entries{list=\"blocklist\",family=\"ipv6\"} 16384\n"));
	assert_non_null(strstr(buf, "\nsluice_prefilter_list_capacity_entries{list=\"allowlist\",family=\"ipv4\"} 1024\n"));
	assert_non_null(strstr(buf, "\nsluice_autoblock_blocks_total{class=\"malformed\"} 3\n"
				    "sluice_autoblock_blocks_total{class=\"invalid_sig\"} 4\n"));
	assert_non_null(strstr(buf, "\nsluice_autoblock_protected_total 2\n"));
	assert_non_null(strstr(buf, "\nsluice_autoblock_errors_total 1\n"));
	assert_non_null(strstr(buf, "\nsluice_autoblock_active 5\n"));
	/* drop_* stage counters are not families of their own */
	assert_null(strstr(buf, "sluice_drop_"));
	assert_null(strstr(buf, "sluice_drop_parse"));

	/* without a prefilter: none of its samples; loaded but unreadable: 0 */
	v.prefilter_loaded = false;
	v.prefilter = NULL;
	assert_true(sl_metrics_render(&v, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "sluice_prefilter"));
	v.prefilter_loaded = true;
	assert_true(sl_metrics_render(&v, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nsluice_prefilter_loaded 0\n"));
	assert_null(strstr(buf, "sluice_prefilter_packets_total{"));
	/* without the autoblock loop: none of its families */
	v.autoblock = NULL;
	assert_true(sl_metrics_render(&v, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "sluice_autoblock"));
}

static void test_label_escaping(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(sl_metrics_escape_label("plain-name_1", out, sizeof(out)), 12);
	assert_string_equal(out, "plain-name_1");
	assert_int_equal(sl_metrics_escape_label("a\"b\\c\nd", out, sizeof(out)), 10);
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	assert_int_equal(sl_metrics_escape_label("", out, sizeof(out)), 0); /* empty: "" fits */
	assert_string_equal(out, "");
	/* does not fit (the NUL included): 0, never a cut escape */
	assert_int_equal(sl_metrics_escape_label("abcd", out, 4), 0);
	assert_int_equal(sl_metrics_escape_label("ab\"", out, 4), 0);
	assert_int_equal(sl_metrics_escape_label("ab\"", out, 5), 4);
	assert_string_equal(out, "ab\\\"");
}

/* Sum of every sample of a family (label sets of the given prefix). */
static unsigned long long family_sum(const char *text, const char *prefix, unsigned *nsamples)
{
	unsigned long long sum = 0;
	*nsamples = 0;
	for (const char *p = text; (p = strstr(p, prefix)); p++) {
		if (p != text && p[-1] != '\n')
			continue;
		const char *sp = strchr(p, ' ');
		sum += strtoull(sp + 1, NULL, 10);
		(*nsamples)++;
	}
	return sum;
}

static void test_drops_one_bucket(void **state)
{
	(void)state;
	sl_metrics_view_t v = full_view(1, 0);
	/* the one-bucket rule: every packet taken in is forwarded or one drop */
	stats.c[SL_C_rx_packets] = stats.c[SL_C_forwarded_txns] + sl_stats_drops(&stats);
	assert_true(sl_metrics_render(&v, buf, sizeof(buf)) > 0);
	unsigned n;
	unsigned long long drops = family_sum(buf, "sluice_drops_total{", &n);
	assert_int_equal(drops, sl_stats_drops(&stats));
	unsigned reasons = 0;
	for (unsigned i = 0; i < SL_C__COUNT; i++)
		reasons += sl_stats_name(i) && strncmp(sl_stats_name(i), "drop_", 5) == 0;
	assert_int_equal(n, reasons); /* every reason, one sample each */
	unsigned k;
	unsigned long long rx = family_sum(buf, "sluice_rx_packets_total ", &k);
	unsigned long long fwd = family_sum(buf, "sluice_forwarded_txns_total ", &k);
	assert_int_equal(rx, fwd + drops);
}

static unsigned count_distinct_sources(const char *text, const char *family)
{
	char seen[64][SL_SRCADDR_STR_SZ];
	unsigned n = 0;
	for (const char *p = text; (p = strstr(p, family)); p++) {
		const char *s = strstr(p, "source=\"");
		if (!s || p[strlen(family)] != '{')
			continue;
		s += 8;
		size_t len = strcspn(s, "\"");
		char ip[SL_SRCADDR_STR_SZ];
		snprintf(ip, sizeof(ip), "%.*s", (int)len, s);
		bool dup = false;
		for (unsigned i = 0; i < n; i++)
			dup |= strcmp(seen[i], ip) == 0;
		if (!dup && n < 64)
			snprintf(seen[n++], sizeof(seen[0]), "%s", ip);
	}
	return n;
}

static void test_at_most_16_sources(void **state)
{
	(void)state;
	sl_metrics_view_t v = full_view(1, 0);
	assert_true(sl_metrics_render(&v, buf, sizeof(buf)) > 0);
	assert_int_equal(count_distinct_sources(buf, "sluice_source_drops_total"), 16);
	assert_int_equal(count_distinct_sources(buf, "sluice_prefilter_source_drops_total"), 16);
	/* a count above the arrays' size is clamped, never read past */
	sources.n = 1000;
	pf.top.n = 1000;
	assert_true(sl_metrics_render(&v, buf, sizeof(buf)) > 0);
	assert_int_equal(count_distinct_sources(buf, "sluice_source_drops_total"), 16);
	assert_int_equal(count_distinct_sources(buf, "sluice_prefilter_source_drops_total"), 16);
}

/* The largest snapshot: every peer slot with a name of the longest kind,
 * every value UINT64_MAX, the prefilter's and the sources' lists full. */
static void test_worst_case_fits(void **state)
{
	(void)state;
	sl_metrics_view_t v = full_view(SL_PEERS_MAX, UINT64_MAX);
	stats.dedup_window_ns = UINT64_MAX;
	v.uptime_s = 1e12;
	v.start_time_s = 1e12;
	size_t n = sl_metrics_render(&v, buf, sizeof(buf));
	assert_true(n > 0);
	assert_true(n < SL_METRICS_BUF_MAX / 2); /* room to spare */
	check_exposition(buf);
	/* too small a buffer: nothing, not a cut exposition */
	static char small[4096];
	assert_int_equal(sl_metrics_render(&v, small, sizeof(small)), 0);
	assert_string_equal(small, "");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--dump") == 0) {
		sl_metrics_view_t v = full_view(2, 0);
		size_t n = sl_metrics_render(&v, buf, sizeof(buf));
		FILE *f = fopen(argv[2], "w");
		if (!n || !f || fwrite(buf, 1, n, f) != n || fclose(f) != 0)
			return 1;
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_family_has_help_and_type),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_drops_one_bucket),
		cmocka_unit_test(test_at_most_16_sources),
		cmocka_unit_test(test_worst_case_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
