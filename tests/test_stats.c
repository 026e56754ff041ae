/* sl_stats: names, sums across stage instances, the drop total, the JSON
 * document (parsed back by a strict reader: python's json in the tool test,
 * here checked for its keys) and the table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_ethdev.h>

#include "sl_prefilter.h"
#include "sl_stats.h"

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sl_stats_name(SL_C_rx_packets), "rx_packets");
	assert_string_equal(sl_stats_name(SL_C_drop_duplicate), "drop_duplicate");
	assert_string_equal(sl_stats_name(SL_C_PARSE_BASE + SL_TXN_ERR_TRUNCATED),
			    "drop_parse_truncated");
	assert_null(sl_stats_name(SL_C_PARSE_BASE + SL_TXN_OK));
	assert_null(sl_stats_name(SL_C__COUNT));
	assert_string_equal(sl_stats_peer_name(SL_PC_first_deliveries), "first_deliveries");
	assert_null(sl_stats_peer_name(SL_PC__COUNT));
	/* every name is unique */
	for (unsigned i = 0; i < SL_C__COUNT; i++)
		for (unsigned j = i + 1; j < SL_C__COUNT; j++)
			if (sl_stats_name(i) && sl_stats_name(j))
				assert_string_not_equal(sl_stats_name(i), sl_stats_name(j));
}

static void test_sum_and_drops(void **state)
{
	(void)state;
	static sl_stats_t a, b, out;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.c[SL_C_rx_packets] = 10;
	a.c[SL_C_drop_l3] = 2;
	b.c[SL_C_drop_duplicate] = 3;
	b.c[SL_C_PARSE_BASE + SL_TXN_ERR_TRAILING_BYTES] = 1;
	b.c[SL_C_forwarded_txns] = 4;
	b.c[SL_C_tx_dropped] = 7; /* not a final bucket of a packet in */
	a.peer[1][SL_PC_frames_in] = 5;
	b.peer[1][SL_PC_frames_in] = 6;
	a.dedup_window_ns = 0; /* no traffic yet: not the minimum */
	b.dedup_window_ns = 900;
	const sl_stats_t *parts[] = {&a, &b};
	sl_stats_sum(parts, 2, &out);
	assert_int_equal(out.c[SL_C_rx_packets], 10);
	assert_int_equal(out.peer[1][SL_PC_frames_in], 11);
	assert_int_equal(out.dedup_window_ns, 900);
	assert_int_equal(sl_stats_drops(&out), 6);
	assert_int_equal(out.c[SL_C_rx_packets], out.c[SL_C_forwarded_txns] + sl_stats_drops(&out));
}

/* The port's losses land in their own counters and never in a final bucket:
 * they were never taken in. */
static void test_port_losses(void **state)
{
	(void)state;
	static sl_stats_t s;
	memset(&s, 0, sizeof(s));
	s.c[SL_C_rx_packets] = 4;
	s.c[SL_C_forwarded_txns] = 4;
	struct rte_eth_stats port = { .ipackets = 4, .imissed = 11, .rx_nombuf = 22, .ierrors = 33 };
	sl_stats_set_port_losses(&s, &port);
	assert_int_equal(s.c[SL_C_rx_missed], 11);
	assert_int_equal(s.c[SL_C_rx_nombuf], 22);
	assert_int_equal(s.c[SL_C_rx_errors], 33);
	assert_int_equal(sl_stats_drops(&s), 0);
	assert_string_equal(sl_stats_name(SL_C_rx_missed), "rx_missed");
}

static sl_peers_t peers; /* the names the counters are shown under */

/* A prefilter top source: an IPv4 address in sl_pkt_view_t form ... */
static struct sl_pf_src pf_src4(uint32_t ip, uint64_t drops)
{
	struct sl_pf_src s = {.family = 4, .prefixlen = 32, .drops = drops};
	memcpy(s.addr, &ip, 4);
	return s;
}

/* ... or an IPv6 prefix, 2001:db8:<a>:<b>::/len */
static struct sl_pf_src pf_src6(unsigned a, unsigned b, unsigned len, uint64_t drops)
{
	struct sl_pf_src s = {.family = 6, .prefixlen = (uint8_t)len, .drops = drops,
			      .addr = {0x20, 0x01, 0x0d, 0xb8, (uint8_t)(a >> 8), (uint8_t)a,
				       (uint8_t)(b >> 8), (uint8_t)b}};
	return s;
}

static void top_add(sl_pf_top_t *t, struct sl_pf_src s)
{
	sl_pf_top_add(t, &s);
}

static uint32_t pf_ip4(const struct sl_pf_src *s)
{
	uint32_t ip;
	memcpy(&ip, s->addr, 4);
	return ip;
}

static void json_of(char *buf, size_t n, const sl_config_t *cfg, const sl_stats_t *s,
		    const sl_srcdrops_top_t *sources, const sl_pf_snapshot_t *prefilter,
		    const sl_autoblock_stats_t *autoblock)
{
	FILE *f = fmemopen(buf, n, "w");
	sl_stats_write_json(f, cfg, s, &peers.names, sources, prefilter, autoblock);
	fclose(f);
}

static void test_json_and_table(void **state)
{
	(void)state;
	static sl_config_t cfg;
	static sl_stats_t s;
	const char *text = "[relay]\nname=r1\nip=1.2.3.4\n[port]\ntype=null\n"
			   "[peer b]\nkind=validator\nip=5.6.7.8\nport=1\nmac=resolve\n";
	assert_int_equal(sl_config_parse(text, strlen(text), "t", &cfg, NULL, NULL), 0);
	static const uint8_t macs[1][6];
	sl_peers_build(&peers, &cfg, macs[0], macs);
	memset(&s, 0, sizeof(s));
	s.c[SL_C_rx_packets] = 42;
	s.peer[0][SL_PC_frames_out] = 7;
	s.dedup_window_ns = 123;
	char buf[8192];
	sl_srcdrops_top_t sources = {0};
	json_of(buf, sizeof(buf), &cfg, &s, &sources, NULL, NULL);
	assert_non_null(strstr(buf, "{\"relay\": \"r1\","));
	assert_non_null(strstr(buf, "\"rx_packets\": 42"));
	assert_non_null(strstr(buf, "\"drop_parse_bad_header\": 0"));
	assert_null(strstr(buf, "drop_parse_ok"));
	assert_non_null(strstr(buf, "\"dedup_window_ns\": 123"));
	assert_non_null(strstr(buf, "\"b\": {\"frames_in\": 0, \"first_deliveries\": 0, \"duplicates\": 0, "
				    "\"invalid\": 0, \"malformed\": 0, \"frames_out\": 7}"));
	assert_null(strstr(buf, "prefilter"));
	assert_non_null(strstr(buf, "\"frames_out\": 7}},\n \"sources\": {}}\n"));
	sources.n = 3;
	sources.src[0] = (struct sl_srcdrops_src){.addr = sl_srcaddr_from_v4(0x0100630a), .n = {3, 4},
						  .total = 7};
	/* an IPv6 client: its /64 */
	const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, [15] = 9};
	sources.src[1] = (struct sl_srcdrops_src){.addr = sl_srcaddr_from_v6(c6, 64), .n = {2, 0},
						  .total = 2};
	sources.src[2] = (struct sl_srcdrops_src){.addr = sl_srcaddr_from_v4(0x0200630a), .n = {0, 1},
						  .total = 1};
	json_of(buf, sizeof(buf), &cfg, &s, &sources, NULL, NULL);
	assert_non_null(strstr(buf, "\"sources\": {\"10.99.0.1\": {\"malformed\": 3, \"invalid_sig\": 4}, "
				    "\"2001:db8:1:2::/64\": {\"malformed\": 2, \"invalid_sig\": 0}, "
				    "\"10.99.0.2\": {\"malformed\": 0, \"invalid_sig\": 1}}}\n"));
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	sl_srcdrops_print_table(f, &sources);
	fclose(f);
	assert_non_null(strstr(buf, "  source                  malformed      invalid_sig\n"));
	assert_non_null(strstr(buf, "\n  2001:db8:1:2::/64                2                0\n"));
	assert_non_null(strstr(buf, "\n  10.99.0.2                       0                1\n"));
	sources.n = 0;

	sl_pf_snapshot_t pf = {.c = {[SL_PF_REDIRECTED] = 5, [SL_PF_DROP_BAD_TOKEN] = 4}};
	pf.c[sl_pf_pkt_slot(SL_PKT_BAD_IHL)] = 3;
	json_of(buf, sizeof(buf), &cfg, &s, &sources, &pf, NULL);
	assert_non_null(strstr(buf, "\"sources\": {},\n \"prefilter\": {\"redirected\": 5, "));
	assert_non_null(strstr(buf, "\"drop_bad_ihl\": 3"));
	assert_non_null(strstr(buf, "\"drop_unknown_peer\": 0, \"drop_bad_token\": 4"));
	assert_non_null(strstr(buf, "\"pass_not_ip\": 0"));
	assert_non_null(strstr(buf, "\"drop_zero_udp_csum\": 0"));
	assert_non_null(strstr(buf, ", \"top_sources\": {}}, \"prefilter_lists\": {\"blocklist\": "
				    "{\"ipv4\": 0, \"ipv6\": 0, \"capacity\": 16384}, \"allowlist\": "
				    "{\"ipv4\": 0, \"ipv6\": 0, \"capacity\": 1024}}}\n"));
	top_add(&pf.top, pf_src4(0x0300630a, 30)); /* 10.99.0.3 */
	top_add(&pf.top, pf_src6(1, 2, 64, 9));
	top_add(&pf.top, pf_src4(0xfe0000c0, 2)); /* 192.0.0.254 */
	json_of(buf, sizeof(buf), &cfg, &s, &sources, &pf, NULL);
	assert_non_null(strstr(buf, ", \"top_sources\": {\"10.99.0.3\": 30, "
				    "\"2001:db8:1:2::/64\": 9, \"192.0.0.254\": 2}}, "));
	assert_int_equal(sl_pf_list_capacity(SL_PF_LISTS), 0);
	assert_null(sl_pf_list_name(SL_PF_LISTS));
	sl_autoblock_stats_t ab = {.blocks = 2, .blocks_by = {[SL_SRC_invalid_sig] = 2}, .active = 1};
	json_of(buf, sizeof(buf), &cfg, &s, &sources, &pf, &ab);
	assert_non_null(strstr(buf, "\"capacity\": 1024}},\n \"autoblock\": {\"blocks\": 2, \"blocks_malformed\": 0, "
				    "\"blocks_invalid_sig\": 2, \"protected\": 0, \"errors\": 0, "
				    "\"active\": 1}}\n"));

	f = fmemopen(buf, sizeof(buf), "w");
	sl_stats_print_table(f, &cfg, &s, &peers.names);
	fclose(f);
	assert_non_null(strstr(buf, "rx_packets"));
	assert_null(strstr(buf, "drop_l2")); /* zero drop reasons are left out */
	assert_non_null(strstr(buf, "frames_out"));

	/* A managed peer (peertab slot 1: index SL_PEERTAB_DP_BASE + 1) is
	 * shown under its entry's name, after the static ones; a name outside
	 * the config's alphabet is kept to it. */
	struct sl_peertab_entry e = {.state = SL_PT_DOWN, .port = 8004, .ip = {10, 0, 0, 9},
				     .name = "m\"1"};
	assert_true(sl_peers_set_managed(&peers, 1, &e, 0));
	s.peer[SL_PEERTAB_DP_BASE + 1][SL_PC_frames_in] = 9;
	json_of(buf, sizeof(buf), &cfg, &s, &sources, NULL, NULL);
	assert_non_null(strstr(buf, "\"frames_out\": 7},\n  \"m_1\": {\"frames_in\": 9, "));
	f = fmemopen(buf, sizeof(buf), "w");
	sl_stats_print_table(f, &cfg, &s, &peers.names);
	fclose(f);
	assert_non_null(strstr(buf, "\n  m_1                             9 "));

	pf.list_entries[SL_PF_LIST_BLOCK][0] = 3;
	pf.list_entries[SL_PF_LIST_ALLOW][1] = 2;
	f = fmemopen(buf, sizeof(buf), "w");
	sl_prefilter_print_table(f, &pf);
	fclose(f);
	assert_non_null(strstr(buf, "\n    blocklist: 3 IPv4, 0 IPv6 entries (of 16384 each)\n"
				    "    allowlist: 0 IPv4, 2 IPv6 entries (of 1024 each)\n"));
	assert_non_null(strstr(buf, "drop_bad_token"));
	assert_null(strstr(buf, "drop_unknown_peer"));
	assert_non_null(strstr(buf, "top sources by drops\n      10.99.0.3 "));
	assert_non_null(strstr(buf, "\n      2001:db8:1:2::/64 "));
	assert_non_null(strstr(buf, "\n      192.0.0.254 "));
}

/* The top list keeps the SL_PF_TOP_MAX largest, most first, whatever the
 * order they come in; a source offered again keeps only its newer count.
 * Sources are told apart by family, prefix and address. */
static void test_prefilter_top(void **state)
{
	(void)state;
	enum { N = 3 * SL_PF_TOP_MAX };
	sl_pf_top_t t = {0};
	/* drops 1..N in a scrambled order (7 is coprime to N = 48) */
	for (unsigned k = 0; k < N; k++) {
		uint64_t drops = (k * 7) % N + 1;
		top_add(&t, pf_src4((uint32_t)(1000 + drops), drops));
	}
	assert_int_equal(t.n, SL_PF_TOP_MAX);
	for (unsigned i = 0; i < SL_PF_TOP_MAX; i++) {
		assert_int_equal(t.src[i].drops, N - i);
		assert_int_equal(pf_ip4(&t.src[i]), 1000 + N - i);
	}
	/* a smaller count than the least: not taken */
	top_add(&t, pf_src4(7, N - SL_PF_TOP_MAX));
	assert_int_equal(t.src[SL_PF_TOP_MAX - 1].drops, N - SL_PF_TOP_MAX + 1);
	/* the top source again, now least but one: moves, no copy */
	top_add(&t, pf_src4(1000 + N, N - SL_PF_TOP_MAX + 2));
	assert_int_equal(t.n, SL_PF_TOP_MAX);
	assert_int_equal(pf_ip4(&t.src[0]), 1000 + N - 1);
	unsigned seen = 0;
	for (unsigned i = 0; i < t.n; i++)
		seen += pf_ip4(&t.src[i]) == 1000 + N;
	assert_int_equal(seen, 1);
	for (unsigned i = 1; i < t.n; i++)
		assert_true(t.src[i - 1].drops >= t.src[i].drops);
	/* a tie keeps the earlier first */
	sl_pf_top_t u = {0};
	top_add(&u, pf_src4(1, 5));
	top_add(&u, pf_src4(2, 5));
	assert_int_equal(pf_ip4(&u.src[0]), 1);
	assert_int_equal(pf_ip4(&u.src[1]), 2);

	/* The families merge; an IPv6 prefix is its address and its length,
	 * and the same bytes as an IPv4 address are another source. */
	sl_pf_top_t w = {0};
	struct sl_pf_src a64 = pf_src6(1, 0, 64, 4), a56 = pf_src6(1, 0, 56, 6);
	struct sl_pf_src v4 = pf_src4(0xb80d0120, 5); /* 32.1.13.184: a64's first bytes */
	sl_pf_top_add(&w, &a64);
	sl_pf_top_add(&w, &a56);
	sl_pf_top_add(&w, &v4);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.src[0].drops, 6);
	assert_int_equal(w.src[0].prefixlen, 56);
	assert_int_equal(w.src[1].family, 4);
	a64.drops = 7; /* offered again: replaced, now first */
	sl_pf_top_add(&w, &a64);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.src[0].prefixlen, 64);
	assert_int_equal(w.src[0].drops, 7);
	char str[SL_PF_SRC_STR_SZ];
	sl_pf_src_str(&w.src[0], str);
	assert_string_equal(str, "2001:db8:1::/64");
	sl_pf_src_str(&w.src[1], str);
	assert_string_equal(str, "2001:db8:1::/56");
	sl_pf_src_str(&w.src[2], str);
	assert_string_equal(str, "32.1.13.184");
	struct sl_pf_src full = {.family = 6, .prefixlen = 128};
	memset(full.addr, 0xff, sizeof(full.addr));
	sl_pf_src_str(&full, str); /* the longest text */
	assert_string_equal(str, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sum_and_drops),
		cmocka_unit_test(test_port_losses),
		cmocka_unit_test(test_json_and_table),
		cmocka_unit_test(test_prefilter_top),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
