/* sl_pkt_sanity: each rule rejects what it should with its own verdict, on
 * hand-built frames and on real captured frames (shared/vectors/xdp-frames). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sl_test_vectors.h"
#include "sluice/sl_pkt_sanity.h"

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void fix_ip_csum(uint8_t *ip)
{
	unsigned hlen = (ip[0] & 0xfu) * 4;
	put16(ip + 10, 0);
	uint32_t sum = 0;
	for (unsigned i = 0; i < hlen; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
}

/* Ethernet + IPv4 (ihl words) + UDP + payload_len bytes; returns the length. */
static uint32_t build(uint8_t *f, unsigned ihl, unsigned payload_len)
{
	memset(f, 0, 2048);
	memset(f, 0x02, 12);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	unsigned hlen = ihl * 4;
	ip[0] = (uint8_t)(0x40 | ihl);
	put16(ip + 2, hlen + 8 + payload_len);
	put16(ip + 6, 0x4000); /* DF is fine */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, (uint8_t[]){10, 99, 0, 1}, 4);
	memcpy(ip + 16, (uint8_t[]){10, 99, 0, 11}, 4);
	fix_ip_csum(ip);
	uint8_t *udp = ip + hlen;
	put16(udp, 40000);
	put16(udp + 2, 8003);
	put16(udp + 4, 8 + payload_len);
	for (unsigned i = 0; i < payload_len; i++)
		udp[8 + i] = (uint8_t)i;
	return 14 + hlen + 8 + payload_len;
}

static void test_accepts_udp(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	uint32_t len = build(f, 5, 100);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
	assert_int_equal(v.l3_off, 14);
	assert_int_equal(v.l4_off, 34);
	assert_int_equal(v.payload_off, 42);
	assert_int_equal(v.payload_len, 100);
	assert_int_equal(v.src_ip, sl_pkt_rd_le32((const uint8_t[]){10, 99, 0, 1}));
	assert_int_equal(v.dst_ip, sl_pkt_rd_le32((const uint8_t[]){10, 99, 0, 11}));
	assert_int_equal(v.dst_port, sl_pkt_rd_le16((const uint8_t[]){8003 >> 8, 8003 & 0xff}));
	assert_int_equal(v.src_port, sl_pkt_rd_le16((const uint8_t[]){40000 >> 8, 40000 & 0xff}));

	/* IPv4 options, Ethernet padding after the datagram, empty payload */
	len = build(f, 15, 3);
	assert_int_equal(sl_pkt_check(f, len + 20, &v), SL_PKT_OK);
	assert_int_equal(v.payload_off, 14 + 60 + 8);
	assert_int_equal(v.payload_len, 3);
	len = build(f, 5, 0);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
	assert_int_equal(v.payload_len, 0);
}

static void test_every_truncation_is_rejected(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	uint32_t len = build(f, 6, 10);
	for (uint32_t cut = 0; cut < len; cut++)
		assert_int_not_equal(sl_pkt_check(f, cut, &v), SL_PKT_OK);
	assert_int_equal(sl_pkt_check(f, 13, &v), SL_PKT_SHORT_ETH);
	assert_int_equal(sl_pkt_check(f, 14 + 19, &v), SL_PKT_SHORT_IPV4);
	assert_int_equal(sl_pkt_check(f, 14 + 20, &v), SL_PKT_BAD_IHL);      /* ihl 6 */
	assert_int_equal(sl_pkt_check(f, len - 1, &v), SL_PKT_BAD_TOTAL_LEN);
}

static void test_each_rule(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	uint32_t len;
	uint8_t *ip = f + 14, *udp = f + 34;

	len = build(f, 5, 10);
	put16(f + 12, 0x86dd);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_IPV4);
	len = build(f, 5, 10);
	put16(f + 12, 0x8100); /* VLAN tags are not taken */
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_IPV4);

	len = build(f, 5, 10);
	ip[0] = 0x65;
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_VERSION);
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		len = build(f, 5, 10);
		ip[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_IHL);
	}

	len = build(f, 5, 10);
	put16(ip + 2, 19);
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_TOTAL_LEN);
	put16(ip + 2, len - 14 + 1);
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_TOTAL_LEN);

	static const unsigned frags[] = {0x2000, 0x0001, 0x1fff, 0x3000};
	for (unsigned i = 0; i < 4; i++) {
		len = build(f, 5, 10);
		put16(ip + 6, frags[i]);
		fix_ip_csum(ip);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_FRAGMENT);
	}

	len = build(f, 5, 10);
	ip[11] ^= 1;
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_IP_CSUM);
	len = build(f, 7, 10);
	f[14 + 25] ^= 0x80; /* an option byte is covered too */
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_IP_CSUM);

	len = build(f, 5, 10);
	ip[9] = 6;
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_UDP);

	len = build(f, 5, 10);
	put16(ip + 2, 20 + 7);
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_SHORT_UDP);

	len = build(f, 5, 10);
	put16(udp + 4, 17);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_UDP_LEN);
	put16(udp + 4, 19);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_UDP_LEN);
	put16(udp + 4, 7);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_UDP_LEN);
}

static void test_layers(void **state)
{
	(void)state;
	assert_int_equal(sl_pkt_verdict_layer(SL_PKT_OK), 0);
	assert_int_equal(sl_pkt_verdict_layer(SL_PKT_SHORT_ETH), 2);
	assert_int_equal(sl_pkt_verdict_layer(SL_PKT_NOT_IPV4), 2);
	for (int v = SL_PKT_SHORT_IPV4; v <= SL_PKT_BAD_IP_CSUM; v++)
		assert_int_equal(sl_pkt_verdict_layer((sl_pkt_verdict_t)v), 3);
	for (int v = SL_PKT_NOT_UDP; v < SL_PKT__COUNT; v++)
		assert_int_equal(sl_pkt_verdict_layer((sl_pkt_verdict_t)v), 4);
}

static void test_gossip_header(void **state)
{
	(void)state;
	uint8_t g[40] = {'S', 'L', 'C', '1', 1, 1, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8};
	assert_int_equal(sl_gossip_check(g, sizeof(g)), SL_GOSSIP_OK);
	assert_int_equal(sl_pkt_rd_le64(g + 8), 0x0807060504030201ull);
	assert_int_equal(sl_gossip_check(g, 16), SL_GOSSIP_SHORT);
	g[3] = '2';
	assert_int_equal(sl_gossip_check(g, sizeof(g)), SL_GOSSIP_BAD_MAGIC);
	g[3] = '1';
	g[4] = 2;
	assert_int_equal(sl_gossip_check(g, sizeof(g)), SL_GOSSIP_BAD_VERSION);
	g[4] = 1;
	g[5] = 0;
	assert_int_equal(sl_gossip_check(g, sizeof(g)), SL_GOSSIP_BAD_KIND);
	g[5] = 1;
	g[6] = 0;
	assert_int_equal(sl_gossip_check(g, sizeof(g)), SL_GOSSIP_TTL_ZERO);
}

/* Real frames: the well-formed non-sluice ones get their precise verdict,
 * the malformed one is rejected, and no cut of any of them is read past. */
static void test_captured_frames(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		sl_pkt_verdict_t verdict;
	} frames[] = {
		{"arp_reply.bin", SL_PKT_NOT_IPV4},     {"arp_request.bin", SL_PKT_NOT_IPV4},
		{"dns_query_a.bin", SL_PKT_OK},         {"dns_query_a_gre.bin", SL_PKT_NOT_UDP},
		{"icmp_echo.bin", SL_PKT_NOT_UDP},      {"icmp_echo_gre.bin", SL_PKT_NOT_UDP},
		{"icmp_echo_reply.bin", SL_PKT_NOT_UDP}, {"ip4_ihl0.bin", SL_PKT_BAD_IHL},
		{"quic_initial.bin", SL_PKT_BAD_IP_CSUM}, /* its capture left the checksum to offload */        {"quic_initial_gre.bin", SL_PKT_NOT_UDP},
		{"tcp_ack.bin", SL_PKT_NOT_UDP},        {"tcp_syn.bin", SL_PKT_NOT_UDP},
		{"tcp_syn_ack_gre.bin", SL_PKT_NOT_UDP}, {"tcp_rst.bin", SL_PKT_NOT_UDP},
	};
	char path[1024];
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "xdp-frames/%s", frames[i].file);
		if (!sl_test_vector_path(path, sizeof(path), rel))
			return;
		FILE *fp = fopen(path, "rb");
		assert_non_null(fp);
		uint8_t buf[2048];
		size_t n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		sl_pkt_view_t v;
		if (sl_pkt_check(buf, (uint32_t)n, &v) != frames[i].verdict)
			fail_msg("%s: verdict %d, wanted %d", frames[i].file,
				 sl_pkt_check(buf, (uint32_t)n, &v), frames[i].verdict);
		if (frames[i].verdict == SL_PKT_OK)
			assert_true(v.payload_off + v.payload_len <= n);
		/* A heap copy of each prefix lets ASan catch any read past it. */
		for (size_t cut = 0; cut < n; cut++) {
			uint8_t *c = malloc(cut ? cut : 1);
			memcpy(c, buf, cut);
			sl_pkt_verdict_t r = sl_pkt_check(c, (uint32_t)cut, &v);
			if (r == SL_PKT_OK)
				assert_true(v.payload_off + v.payload_len <= cut);
			free(c);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_udp),
		cmocka_unit_test(test_every_truncation_is_rejected),
		cmocka_unit_test(test_each_rule),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_gossip_header),
		cmocka_unit_test(test_captured_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
