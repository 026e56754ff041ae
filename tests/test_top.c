/* sl_top (sluicectl top): samples from the JSON that sluice-dp's telemetry
 * and sluiced answer, rates from two samples, the drop reasons most first,
 * the peers from either source, and every frame within its columns and
 * rows with "+N more" for what does not fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sl_dptelemetry.h"
#include "sl_top.h"

#define SECOND 1000000000ull

static sl_top_sample_t prev, cur;
static sl_top_screen_t scr;

/* The line holding `text`, or -1. */
static int find(const char *text)
{
	for (unsigned i = 0; i < scr.n; i++)
		if (strstr(scr.line[i], text))
			return (int)i;
	return -1;
}

static void print_screen(void)
{
	for (unsigned i = 0; i < scr.n; i++)
		printf("|%s|\n", scr.line[i]);
}

/* /sluice/stats as sluice-dp's telemetry answers it. */
static void stats(sl_top_sample_t *s, uint64_t t, uint64_t rx, uint64_t fwd, uint64_t dup,
		  uint64_t bad_sig, uint64_t sigs, uint64_t batches)
{
	char json[1024];
	sl_top_sample_init(s, t);
	snprintf(json, sizeof(json),
		 "{\"/sluice/stats\": {\"relay\": \"a\", \"counters\": {\"rx_packets\": %llu, "
		 "\"forwarded_txns\": %llu, \"drop_duplicate\": %llu, \"drop_invalid_sig\": %llu, "
		 "\"drop_l2\": 0, \"drop_parse_too_short\": 7, \"verify_sigs\": %llu, "
		 "\"verify_batches\": %llu}, \"dedup_window_ns\": 5}}",
		 (unsigned long long)rx, (unsigned long long)fwd, (unsigned long long)dup,
		 (unsigned long long)bad_sig, (unsigned long long)sigs, (unsigned long long)batches);
	assert_int_equal(sl_top_parse_stats(s, json), 0);
}

static void test_parse_stats(void **state)
{
	(void)state;
	stats(&cur, SECOND, 1000, 600, 300, 100, 700, 20);
	assert_string_equal(cur.relay, "a");
	assert_int_equal(sl_top_counter(&cur, "rx_packets"), 1000);
	assert_int_equal(sl_top_counter(&cur, "drop_parse_too_short"), 7);
	assert_int_equal(sl_top_counter(&cur, "no_such_counter"), 0);
	/* Not JSON, or not the shape: refused, nothing added. */
	sl_top_sample_init(&cur, 0);
	assert_int_equal(sl_top_parse_stats(&cur, "{\"/sluice/stats\": null}"), -1);
	assert_int_equal(sl_top_parse_stats(&cur, "garbage"), -1);
	assert_int_equal(sl_top_parse_prefilter(&cur, "{\"/sluice/prefilter\": null}"), -1);
	assert_int_equal(sl_top_parse_sluiced(&cur, "{\"relay\": \"a\"}"), -1);
	assert_int_equal(cur.ncounters, 0);
}

/* Rates are differences over the samples' time apart; verify rate and
 * batch fill from verify_sigs and verify_batches. */
static void test_rates(void **state)
{
	(void)state;
	stats(&prev, 10 * SECOND, 1000, 600, 300, 100, 700, 20);
	stats(&cur, 12 * SECOND, 3000, 1600, 1100, 300, 1900, 50); /* 2 s later */
	sl_top_render(&prev, &cur, 80, 24, "12:00:00", &scr);
	print_screen();
	assert_int_equal(find("sluice top: relay a at 12:00:00, rates over 2.0 s"), 0);
	assert_true(strstr(scr.line[0], "q: quit") != NULL);
	assert_int_equal(find("rx 1000/s  forwarded 500/s  dropped 500/s"), 1);
	/* 1200 signatures in 30 batches over 2 s. */
	assert_int_equal(find("verify 600 sig/s  batch fill 40.0 sig/batch"), 2);
	/* A counter lower than before: sluice-dp restarted, counted from 0. */
	stats(&cur, 11 * SECOND, 50, 10, 0, 0, 0, 0);
	sl_top_render(&prev, &cur, 80, 24, NULL, &scr);
	assert_true(find("rx 50/s  forwarded 10/s  dropped 0/s") >= 0);
	assert_true(find("batch fill - sig/batch") >= 0);
	assert_true(find("drops: none") >= 0);
}

/* Only the reasons that moved, the fastest first; the prefilter's too. */
static void test_drops_sorted(void **state)
{
	(void)state;
	stats(&prev, 0, 0, 0, 0, 0, 0, 0);
	stats(&cur, SECOND, 1000, 100, 700, 200, 0, 0);
	assert_int_equal(sl_top_parse_prefilter(&prev, "{\"/sluice/prefilter\": {\"relay\": \"a\", "
					"\"counters\": {\"redirected\": 0, \"drop_bad_token\": 0}, "
					"\"top_sources\": [], \"top_drops\": []}}"), 0);
	assert_int_equal(sl_top_parse_prefilter(&cur, "{\"/sluice/prefilter\": {\"relay\": \"a\", "
					"\"counters\": {\"redirected\": 1000, \"drop_bad_token\": 400}, "
					"\"top_sources\": [\"10.99.0.12\"], \"top_drops\": [400]}}"), 0);
	sl_top_render(&prev, &cur, 80, 24, NULL, &scr);
	print_screen();
	const int dup = find("drop_duplicate "), bad = find("xdp drop_bad_token "),
		  sig = find("drop_invalid_sig ");
	assert_true(dup > 0 && bad == dup + 1 && sig == bad + 1);
	assert_true(strstr(scr.line[dup], " 700 ") != NULL);
	/* Unchanged counters are not listed (drop_parse_too_short stays 7). */
	assert_int_equal(find("drop_parse_too_short"), -1);
	assert_int_equal(find("drop_l2"), -1);
	/* The prefilter's drops happen before rx: not in "dropped". */
	assert_true(find("dropped 900/s") >= 0);
	assert_true(find("10.99.0.12") > sig);
}

/* IPv6 sources are prefixes, longer than any IPv4 address: each is kept
 * whole, so two that differ late are two rows, and the prefilter's drops
 * of one join the dataplane's row of the same prefix. */
static void test_ipv6_sources(void **state)
{
	(void)state;
	static const char sources[] =
		"{\"/sluice/sources\": {\"relay\": \"a\", \"sources\": "
		"[\"2001:db8:aaaa:bbbb::/64\", \"2001:db8:aaaa:bbbc::/64\", \"10.99.0.1\"], "
		"\"malformed\": [%u, 0, 0], \"invalid_sig\": [0, %u, %u]}}";
	static const char prefilter[] =
		"{\"/sluice/prefilter\": {\"relay\": \"a\", \"counters\": {\"redirected\": 0}, "
		"\"top_sources\": [\"2001:db8:aaaa:bbbc::/64\"], \"top_drops\": [%u]}}";
	char json[1024];
	sl_top_sample_t *s[2] = {&prev, &cur};
	for (unsigned k = 0; k < 2; k++) {
		stats(s[k], k * SECOND, 0, 0, 0, 0, 0, 0);
		snprintf(json, sizeof(json), sources, 30 * k, 20 * k, 10 * k);
		assert_int_equal(sl_top_parse_sources(s[k], json), 0);
		snprintf(json, sizeof(json), prefilter, 7 * k);
		assert_int_equal(sl_top_parse_prefilter(s[k], json), 0);
	}
	assert_int_equal(cur.nsources, 3);
	assert_string_equal(cur.source[1].ip, "2001:db8:aaaa:bbbc::/64");
	assert_int_equal(cur.source[1].invalid_sig, 20);
	assert_int_equal(cur.source[1].xdp, 7);
	sl_top_render(&prev, &cur, 100, 24, NULL, &scr);
	print_screen();
	const int a = find("2001:db8:aaaa:bbbb::/64 "), b = find("2001:db8:aaaa:bbbc::/64 ");
	assert_true(a > 0 && b == a + 1); /* by rate: 30/s, then 20/s + 7/s */
	assert_true(strstr(scr.line[b], " 27") != NULL); /* its total, both sides */
	assert_true(find("10.99.0.1 ") == b + 1);
	/* the numbers line up under their heads, whatever the name's length */
	const char *head = scr.line[find("sources (drops)")];
	const size_t col = (size_t)(strstr(head, "malformed/s") - head) + strlen("malformed/s");
	for (int i = a; i <= b + 1; i++) {
		assert_true(strlen(scr.line[i]) > col);
		assert_true(scr.line[i][col - 1] != ' ' && scr.line[i][col] == ' ');
	}
}

static const char dp_peers[] =
	"{\"/sluice/peers\": {\"sink\": {\"frames_in\": 0, \"first_deliveries\": 0, "
	"\"duplicates\": 0, \"invalid\": 0, \"malformed\": 0, \"frames_out\": %u}, "
	"\"b\": {\"frames_in\": %u, \"first_deliveries\": %u, \"duplicates\": 0, \"invalid\": %u, "
	"\"malformed\": 0, \"frames_out\": %u}}}";

static const char sluiced_stats[] =
	"{\"relay\":\"a\",\"control\":{\"accepted\":5},\"dataplane\":{\"written\":true},"
	"\"peers\":[{\"name\":\"b\",\"slot\":0,\"state\":\"up\",\"rtt_ms\":0.5,\"srtt_ms\":0.25,"
	"\"dp\":{\"frames_in\":1,\"first_deliveries\":1,\"duplicates\":0,\"invalid\":0,"
	"\"malformed\":0,\"frames_out\":1}},"
	"{\"name\":\"c\",\"slot\":1,\"state\":\"cut_off\",\"srtt_ms\":1.5,"
	"\"dp\":{\"frames_in\":%u,\"first_deliveries\":0,\"duplicates\":0,\"invalid\":%u,"
	"\"malformed\":0,\"frames_out\":0}}]}";

static void peers(sl_top_sample_t *s, uint64_t t, unsigned k, bool sluiced)
{
	char json[2048];
	stats(s, t, 100 * k, 0, 0, 0, 0, 0);
	snprintf(json, sizeof(json), dp_peers, 30 * k, 20 * k, 10 * k, 2 * k, 40 * k);
	assert_int_equal(sl_top_parse_dp_peers(s, json), 0);
	if (sluiced) {
		snprintf(json, sizeof(json), sluiced_stats, 8 * k, 4 * k);
		assert_int_equal(sl_top_parse_sluiced(s, json), 0);
	}
}

/* Without sluiced: sluice-dp's peers, state unknown. */
static void test_peers_from_dataplane(void **state)
{
	(void)state;
	peers(&prev, 0, 1, false);
	peers(&cur, SECOND, 3, false);
	assert_false(cur.sluiced);
	assert_int_equal(cur.npeers, 2);
	sl_top_render(&prev, &cur, 80, 24, NULL, &scr);
	print_screen();
	const int head = find("peers "), sink = find("  sink "), b = find("  b ");
	assert_true(head > 0 && sink == head + 1 && b == head + 2);
	assert_int_equal(find("(sluiced)"), -1);
	/* state and srtt unknown; in 40/s, first 20/s, bad 4/s, out 80/s */
	char want[128];
	snprintf(want, sizeof(want), "  %-15s %-12s %7s %7s %7s %7s %7s %7s", "b", "-", "-", "40",
		 "20", "0", "4.0", "80");
	assert_string_equal(scr.line[b], want);
}

/* With sluiced: its state and RTT for the managed peers (counters from
 * the telemetry when it lists the peer, else from the peer table), the
 * peers only sluice-dp lists are static. */
static void test_peers_from_sluiced(void **state)
{
	(void)state;
	peers(&prev, 0, 1, true);
	peers(&cur, 2 * SECOND, 3, true);
	assert_true(cur.sluiced);
	assert_int_equal(cur.npeers, 3);
	sl_top_render(&prev, &cur, 80, 24, NULL, &scr);
	print_screen();
	const int head = find("peers (sluiced)");
	assert_true(head > 0);
	char want[128];
	snprintf(want, sizeof(want), "  %-15s %-12s %7s %7s %7s %7s %7s %7s", "sink", "static", "-",
		 "0", "0", "0", "0", "30");
	assert_string_equal(scr.line[head + 1], want);
	snprintf(want, sizeof(want), "  %-15s %-12s %7s %7s %7s %7s %7s %7s", "b", "up", "0.25",
		 "20", "10", "0", "2.0", "40");
	assert_string_equal(scr.line[head + 2], want);
	/* c: only sluiced knows it (cut off, sluice-dp has not listed it). */
	snprintf(want, sizeof(want), "  %-15s %-12s %7s %7s %7s %7s %7s %7s", "c", "cut_off", "1.50",
		 "8.0", "0", "0", "4.0", "0");
	assert_string_equal(scr.line[head + 3], want);
}

/* Many reasons, peers and sources in 80x24: every line within 80
 * columns, 24 rows, each section cut with "+N more", and a tall terminal
 * shows them all. */
static void test_truncation(void **state)
{
	(void)state;
	char json[16384], *p;
	sl_top_sample_t *s[2] = {&prev, &cur};
	for (unsigned k = 0; k < 2; k++) {
		sl_top_sample_init(s[k], k * SECOND);
		p = json + sprintf(json, "{\"relay\": \"a-very-long-nam\", \"counters\": {\"rx_packets\": %u",
				   k * 123456789);
		for (unsigned i = 0; i < 20; i++)
			p += sprintf(p, ", \"drop_parse_reason_with_a_long_name_%02u\": %u", i, k * (i + 1));
		sprintf(p, "}}");
		assert_int_equal(sl_top_parse_stats(s[k], json), 0);
		p = json + sprintf(json, "{");
		for (unsigned i = 0; i < 40; i++)
			p += sprintf(p, "%s\"peer-%02u-longname\": {\"frames_in\": %u}", i ? ", " : "", i,
				     k * 1000000 * i);
		sprintf(p, "}");
		assert_int_equal(sl_top_parse_dp_peers(s[k], json), 0);
		p = json + sprintf(json, "{\"relay\": \"a\", \"sources\": [");
		for (unsigned i = 0; i < 16; i++)
			p += sprintf(p, "%s\"10.0.0.%u\"", i ? ", " : "", i);
		p += sprintf(p, "], \"malformed\": [");
		for (unsigned i = 0; i < 16; i++)
			p += sprintf(p, "%s%u", i ? ", " : "", k * i);
		p += sprintf(p, "], \"invalid_sig\": [");
		for (unsigned i = 0; i < 16; i++)
			p += sprintf(p, "%s%u", i ? ", " : "", k * 1000000000u);
		sprintf(p, "]}");
		assert_int_equal(sl_top_parse_sources(s[k], json), 0);
	}
	sl_top_render(&prev, &cur, 80, 24, "23:59:59", &scr);
	print_screen();
	assert_int_equal(scr.n, 24);
	for (unsigned i = 0; i < scr.n; i++)
		assert_true(strlen(scr.line[i]) <= 80);
	assert_true(strstr(scr.line[0], "q: quit") != NULL);
	assert_true(find("rx 123.46M/s") >= 0);
	/* 18 rows for 20 reasons, 40 peers, 16 sources: 6 each, 5 and a "+N more". */
	assert_true(find("  +15 more reasons") >= 0);
	assert_true(find("  +35 more peers") >= 0);
	assert_true(find("  +11 more sources") >= 0);
	/* the fastest reason first; the sources by rate: 10.0.0.15 first */
	const int d = find("drops (most first)");
	assert_true(strstr(scr.line[d + 1], "drop_parse_reason_with_a_long_name_19") != NULL);
	assert_true(strstr(scr.line[find("sources (drops)") + 1], "10.0.0.15 ") != NULL);
	/* Narrow and short: still within bounds. */
	sl_top_render(&prev, &cur, 40, 8, NULL, &scr);
	assert_int_equal(scr.n, 8);
	for (unsigned i = 0; i < scr.n; i++)
		assert_true(strlen(scr.line[i]) <= 40);
	/* Tall enough: nothing cut. */
	sl_top_render(&prev, &cur, 120, 100, NULL, &scr);
	assert_int_equal(scr.n, 3 + 3 + 20 + 40 + 16);
	assert_int_equal(find("more"), -1);
}

/* sl_dptel_value: the VALUE of {"CMD":VALUE}, cut in place; any other
 * shape (another command, no closing brace, too short) whole. */
static void test_dptel_value(void **state)
{
	(void)state;
	char a[] = "{\"/sluice/stats\":{\"relay\":\"a\"}}";
	assert_string_equal(sl_dptel_value(a, "/sluice/stats"), "{\"relay\":\"a\"}");
	char b[] = "{\"/sluice/peers\":{}}";
	assert_string_equal(sl_dptel_value(b, "/sluice/stats"), "{\"/sluice/peers\":{}}");
	char c[] = "{\"/sluice/stats\":null";
	assert_string_equal(sl_dptel_value(c, "/sluice/stats"), "{\"/sluice/stats\":null");
	char d[] = "{\"/x\":}";
	assert_string_equal(sl_dptel_value(d, "/x"), "{\"/x\":}"); /* no value: whole */
	char e[] = "{\"/x\":1}";
	assert_string_equal(sl_dptel_value(e, "/x"), "1");
	char f[] = "";
	assert_string_equal(sl_dptel_value(f, "/x"), "");
}

/* The prefilter's lists: a line of entries per family and capacity when
 * the answer has all four counts; none without them (an older sluice-dp,
 * or no prefilter). */
static void test_lists_line(void **state)
{
	(void)state;
	static const char with[] =
		"{\"/sluice/prefilter\": {\"relay\": \"a\", \"counters\": {\"redirected\": 1}, "
		"\"top_sources\": [], \"top_drops\": [], \"blocklist_ipv4\": 3, "
		"\"blocklist_ipv6\": 1, \"blocklist_capacity\": 16384, \"allowlist_ipv4\": 0, "
		"\"allowlist_ipv6\": 2, \"allowlist_capacity\": 1024}}";
	stats(&prev, 0, 0, 0, 0, 0, 0, 0);
	stats(&cur, SECOND, 0, 0, 0, 0, 0, 0);
	assert_int_equal(sl_top_parse_prefilter(&cur, with), 0);
	assert_true(cur.lists_known);
	sl_top_render(&prev, &cur, 100, 24, NULL, &scr);
	print_screen();
	assert_int_equal(find("xdp lists: blocklist 3+1 of 16384, allowlist 0+2 of 1024 (IPv4+IPv6)"),
			 3);
	assert_int_equal(find("drops"), 4); /* the sections after it */

	static const char three[] =
		"{\"/sluice/prefilter\": {\"counters\": {}, \"blocklist_ipv4\": 3, "
		"\"blocklist_ipv6\": 1, \"allowlist_ipv4\": 0}}";
	stats(&cur, SECOND, 0, 0, 0, 0, 0, 0);
	assert_int_equal(sl_top_parse_prefilter(&cur, three), 0);
	assert_false(cur.lists_known);
	sl_top_render(&prev, &cur, 100, 24, NULL, &scr);
	assert_int_equal(find("xdp lists"), -1);
	assert_int_equal(find("drops"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dptel_value),
		cmocka_unit_test(test_lists_line),
		cmocka_unit_test(test_parse_stats),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_drops_sorted),
		cmocka_unit_test(test_ipv6_sources),
		cmocka_unit_test(test_peers_from_dataplane),
		cmocka_unit_test(test_peers_from_sluiced),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
