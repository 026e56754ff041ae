/* sl_pkt_sanity: each rule rejects what it should with its own verdict, for
 * IPv4 and IPv6, with and without an 802.1Q tag, on hand-built frames and on
 * real captured frames (shared/vectors/xdp-frames). */
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

/* Ethernet + IPv6 + UDP (checksum 0x1234: not verified) + payload_len
 * bytes, from 2001:db8::1 to 2001:db8::b; returns the length. */
static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b};
static uint32_t build6(uint8_t *f, unsigned payload_len)
{
	memset(f, 0, 2048);
	memset(f, 0x02, 12);
	put16(f + 12, 0x86dd);
	uint8_t *ip = f + 14;
	ip[0] = 0x60;
	put16(ip + 4, 8 + payload_len);
	ip[6] = 17;
	ip[7] = 64;
	memcpy(ip + 8, src6, 16);
	memcpy(ip + 24, dst6, 16);
	uint8_t *udp = ip + 40;
	put16(udp, 40000);
	put16(udp + 2, 8003);
	put16(udp + 4, 8 + payload_len);
	put16(udp + 6, 0x1234);
	for (unsigned i = 0; i < payload_len; i++)
		udp[8 + i] = (uint8_t)i;
	return 14 + 40 + 8 + payload_len;
}

/* The frame f of len bytes with an 802.1Q tag (tpid, tci) put in after the
 * MAC addresses; returns the new length. */
static uint32_t tag(uint8_t *f, uint32_t len, unsigned tpid, unsigned tci)
{
	memmove(f + 16, f + 12, len - 12);
	put16(f + 12, tpid);
	put16(f + 14, tci);
	return len + 4;
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
	assert_int_equal(v.family, 4);
	assert_int_equal(v.vlan, 0);
	assert_int_equal(v.vlan_tci, 0);
	static const uint8_t zero[16];
	assert_memory_equal(v.src6, zero, 16);
	assert_memory_equal(v.dst6, zero, 16);
}

static void test_accepts_udp6(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	uint32_t len = build6(f, 100);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
	assert_int_equal(v.family, 6);
	assert_int_equal(v.l3_off, 14);
	assert_int_equal(v.l4_off, 54);
	assert_int_equal(v.payload_off, 62);
	assert_int_equal(v.payload_len, 100);
	assert_memory_equal(v.src6, src6, 16);
	assert_memory_equal(v.dst6, dst6, 16);
	assert_int_equal(v.src_ip, 0); /* the IPv4 fields stay 0 */
	assert_int_equal(v.dst_ip, 0);
	assert_int_equal(v.dst_port, sl_pkt_rd_le16((const uint8_t[]){8003 >> 8, 8003 & 0xff}));
	assert_int_equal(v.src_port, sl_pkt_rd_le16((const uint8_t[]){40000 >> 8, 40000 & 0xff}));
	assert_int_equal(v.vlan, 0);
	assert_int_equal(f[v.payload_off + 99], 99);
	/* Ethernet padding after the datagram; an empty payload */
	assert_int_equal(sl_pkt_check(f, len + 20, &v), SL_PKT_OK);
	assert_int_equal(v.payload_len, 100);
	len = build6(f, 0);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
	assert_int_equal(v.payload_len, 0);
}

/* One 802.1Q tag in front of either family moves every offset by 4 and is
 * reported; QinQ (an 802.1ad outer tag, or a second tag) is not IP to us. */
static void test_vlan(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	uint32_t len = tag(f, build(f, 5, 100), 0x8100, 0x2064); /* PCP 1, VLAN 100 */
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
	assert_int_equal(v.family, 4);
	assert_int_equal(v.vlan, 1);
	assert_int_equal(v.vlan_tci, 0x2064);
	assert_int_equal(v.l3_off, 18);
	assert_int_equal(v.l4_off, 38);
	assert_int_equal(v.payload_off, 46);
	assert_int_equal(v.payload_len, 100);
	assert_int_equal(v.src_ip, sl_pkt_rd_le32((const uint8_t[]){10, 99, 0, 1}));
	assert_int_equal(v.dst_ip, sl_pkt_rd_le32((const uint8_t[]){10, 99, 0, 11}));
	assert_int_equal(f[v.payload_off + 7], 7);
	sl_pkt_view_t fast;
	assert_true(sl_pkt_check_fast(f, len, &fast)); /* tagged frames take the fast path too */
	assert_memory_equal(&fast, &v, sizeof(v));

	len = tag(f, build(f, 15, 3), 0x8100, 0x0fff); /* options behind a tag */
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
	assert_int_equal(v.payload_off, 18 + 60 + 8);
	assert_int_equal(v.vlan_tci, 0x0fff);

	len = tag(f, build6(f, 50), 0x8100, 7);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
	assert_int_equal(v.family, 6);
	assert_int_equal(v.vlan, 1);
	assert_int_equal(v.vlan_tci, 7);
	assert_int_equal(v.l3_off, 18);
	assert_int_equal(v.payload_off, 18 + 40 + 8);
	assert_int_equal(v.payload_len, 50);
	assert_memory_equal(v.dst6, dst6, 16);

	/* QinQ, either way, and a tag around something not IP: the kernel's */
	static const unsigned outer[] = {0x88a8, 0x8100, 0x9100};
	for (unsigned i = 0; i < 3; i++) {
		len = tag(f, tag(f, build(f, 5, 10), 0x8100, 5), outer[i], 6);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_IP);
		len = tag(f, build6(f, 10), outer[i], 6);
		assert_int_equal(sl_pkt_check(f, len, &v), i == 1 ? SL_PKT_OK : SL_PKT_NOT_IP);
	}
	len = tag(f, build(f, 5, 10), 0x8100, 5);
	put16(f + 16, 0x0806);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_IP);
	/* a tag cut short */
	len = tag(f, build(f, 5, 10), 0x8100, 5);
	for (uint32_t cut = 14; cut < 18; cut++)
		assert_int_equal(sl_pkt_check(f, cut, &v), SL_PKT_SHORT_ETH);
	assert_int_equal(sl_pkt_check(f, 18, &v), SL_PKT_SHORT_IPV4);
	assert_int_equal(sl_pkt_check(f, 18 + 19, &v), SL_PKT_SHORT_IPV4);
	assert_int_equal(sl_pkt_check(f, 18 + 20, &v), SL_PKT_BAD_TOTAL_LEN);
	len = tag(f, build6(f, 10), 0x8100, 5);
	assert_int_equal(sl_pkt_check(f, 18 + 39, &v), SL_PKT_SHORT_IPV6);
	assert_int_equal(sl_pkt_check(f, 18 + 40, &v), SL_PKT_BAD_TOTAL_LEN);
}

static const uint8_t zero16[16];

/* sl_pkt_l3 and sl_pkt_src_addr: where the L3 header and the claimed
 * source are, whatever else is wrong with the frame. */
static void test_src_addr(void **state)
{
	(void)state;
	uint8_t f[2048], a[16];
	unsigned type = 0;
	uint32_t len = build(f, 5, 10);
	assert_int_equal(sl_pkt_l3(f, len, &type), 14);
	assert_int_equal(type, 0x0800);
	f[14] = 0x65; /* a broken header still names its source */
	assert_int_equal(sl_pkt_src_addr(f, 34, a), 4);
	assert_memory_equal(a, ((const uint8_t[]){10, 99, 0, 1}), 4);
	assert_int_equal(sl_pkt_src_addr(f, 33, a), 0);
	len = tag(f, build(f, 5, 10), 0x8100, 9);
	assert_int_equal(sl_pkt_l3(f, len, &type), 18);
	assert_int_equal(type, 0x0800);
	memset(a, 0, sizeof a);
	assert_int_equal(sl_pkt_src_addr(f, 38, a), 4);
	assert_memory_equal(a, ((const uint8_t[]){10, 99, 0, 1}), 4);
	assert_int_equal(sl_pkt_src_addr(f, 37, a), 0);
	assert_int_equal(sl_pkt_l3(f, 17, &type), 0);
	assert_int_equal(sl_pkt_l3(f, 13, &type), 0);

	len = build6(f, 10);
	assert_int_equal(sl_pkt_src_addr(f, 14 + 24, a), 6);
	assert_memory_equal(a, src6, 16);
	assert_int_equal(sl_pkt_src_addr(f, 14 + 23, a), 0);
	len = tag(f, build6(f, 10), 0x8100, 9);
	memset(a, 0, sizeof a);
	assert_int_equal(sl_pkt_src_addr(f, len, a), 6);
	assert_memory_equal(a, src6, 16);
	assert_int_equal(sl_pkt_src_addr(f, 18 + 23, a), 0);

	len = tag(f, tag(f, build6(f, 10), 0x8100, 9), 0x88a8, 1); /* QinQ */
	assert_int_equal(sl_pkt_l3(f, len, &type), 14);
	assert_int_equal(type, 0x88a8);
	assert_int_equal(sl_pkt_src_addr(f, len, a), 0);
	len = tag(f, tag(f, build6(f, 10), 0x8100, 9), 0x8100, 1); /* two 802.1Q tags */
	assert_int_equal(sl_pkt_l3(f, len, &type), 18);
	assert_int_equal(type, 0x8100);
	assert_int_equal(sl_pkt_src_addr(f, len, a), 0);
	len = build(f, 5, 10);
	put16(f + 12, 0x0806);
	assert_int_equal(sl_pkt_src_addr(f, len, a), 0);
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
	put16(f + 12, 0x0806);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_IP);
	len = build(f, 5, 10);
	put16(f + 12, 0x86dd); /* an IPv4 header under the IPv6 EtherType */
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_SHORT_IPV6);
	assert_int_equal(sl_pkt_check(f, 14 + 40, &v), SL_PKT_BAD_VERSION);

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

/* The IPv6 rules, each with its verdict, untagged and behind a tag. Every
 * next header but UDP -- extension headers, ICMPv6 with neighbour discovery
 * and MLD, TCP -- is the kernel's (SL_PKT_NOT_UDP). */
static void test_each_rule6(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	for (unsigned tagged = 0; tagged < 2; tagged++) {
		const unsigned l3 = tagged ? 18 : 14;
		uint8_t *ip = f + l3, *udp = ip + 40;
#define FRAME(n) (tagged ? tag(f, build6(f, n), 0x8100, 42) : build6(f, n))
		uint32_t len = FRAME(10);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
		assert_int_equal(v.vlan, tagged);
		for (uint32_t cut = 0; cut < len; cut++)
			assert_int_not_equal(sl_pkt_check(f, cut, &v), SL_PKT_OK);
		assert_int_equal(sl_pkt_check(f, l3 + 39, &v), SL_PKT_SHORT_IPV6);

		for (unsigned ver = 0; ver < 16; ver++) {
			len = FRAME(10);
			ip[0] = (uint8_t)(ver << 4 | 0x0a); /* traffic class bits: any */
			assert_int_equal(sl_pkt_check(f, len, &v),
					 ver == 6 ? SL_PKT_OK : SL_PKT_BAD_VERSION);
		}
		/* payload length past the frame; short of it: padding */
		len = FRAME(10);
		put16(ip + 4, 19);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_TOTAL_LEN);
		put16(ip + 4, 0xffff);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_TOTAL_LEN);
		len = FRAME(10);
		put16(ip + 4, 17);
		put16(udp + 4, 17);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
		assert_int_equal(v.payload_len, 9);

		/* not UDP: hop-by-hop (MLD reports carry one), TCP, routing,
		 * fragment, ESP, ICMPv6, no next header, destination options */
		static const uint8_t next[] = {0, 6, 43, 44, 50, 58, 59, 60};
		for (unsigned i = 0; i < sizeof next; i++) {
			len = FRAME(10);
			ip[6] = next[i];
			assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_UDP);
		}
		/* UDP behind a destination-options header: not walked */
		len = FRAME(10);
		ip[6] = 60;
		memmove(udp + 8, udp, 18);
		memset(udp, 0, 8);
		udp[0] = 17;
		put16(ip + 4, 8 + 18);
		assert_int_equal(sl_pkt_check(f, len + 8, &v), SL_PKT_NOT_UDP);

		/* the UDP length: below 8, not the payload length */
		len = FRAME(10);
		put16(ip + 4, 7);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_SHORT_UDP);
		put16(ip + 4, 0);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_SHORT_UDP);
		len = FRAME(10);
		put16(udp + 4, 17);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_UDP_LEN);
		put16(udp + 4, 19);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_UDP_LEN);
		put16(udp + 4, 7);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_UDP_LEN);
		/* a zero checksum is illegal over IPv6; any other is not checked */
		len = FRAME(10);
		put16(udp + 6, 0);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_UDP_CSUM);
		put16(udp + 6, 0xffff);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
		put16(udp + 6, 1);
		assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
#undef FRAME
	}
}

/* The same IPv4 defects behind a tag give the same verdicts. */
static void test_each_rule_tagged(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	uint8_t *ip = f + 18, *udp = ip + 20;
	uint32_t len = tag(f, build(f, 6, 10), 0x8100, 3);
	for (uint32_t cut = 0; cut < len; cut++)
		assert_int_not_equal(sl_pkt_check(f, cut, &v), SL_PKT_OK);
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	ip[0] = 0x65;
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_VERSION);
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	ip[0] = 0x44;
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_IHL);
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	put16(ip + 2, len - 18 + 1);
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_TOTAL_LEN);
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	put16(ip + 6, 0x2000);
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_FRAGMENT);
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	ip[11] ^= 1;
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_IP_CSUM);
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	ip[9] = 1;
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_UDP);
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	put16(ip + 2, 20 + 7);
	fix_ip_csum(ip);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_SHORT_UDP);
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	put16(udp + 4, 17);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_BAD_UDP_LEN);
	/* over IPv4 a zero UDP checksum means none: allowed */
	len = tag(f, build(f, 5, 10), 0x8100, 3);
	put16(udp + 6, 0);
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
}

/* Neighbour discovery and MLD as a host sends them: the kernel's. */
static void test_icmpv6_passes(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	/* neighbour solicitation: ICMPv6 type 135, 24 bytes + an option */
	uint32_t len = build6(f, 24);
	uint8_t *ip = f + 14;
	put16(ip + 4, 32);
	ip[6] = 58;
	ip[7] = 255;
	ip[40] = 135;
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_UDP);
	assert_int_equal(sl_pkt_check(f, tag(f, len, 0x8100, 1), &v), SL_PKT_NOT_UDP);
	/* MLDv2 report: hop-by-hop (router alert), then ICMPv6 type 143 */
	len = build6(f, 20);
	put16(ip + 4, 8 + 20);
	ip[6] = 0;
	ip[7] = 1;
	static const uint8_t hbh[8] = {58, 0, 5, 2, 0, 0, 1, 0};
	memcpy(ip + 40, hbh, 8);
	ip[48] = 143;
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_NOT_UDP);
	assert_memory_equal(v.src6, zero16, 16); /* no view for a rejected frame */
}

static void test_layers(void **state)
{
	(void)state;
	assert_int_equal(sl_pkt_verdict_layer(SL_PKT_OK), 0);
	assert_int_equal(sl_pkt_verdict_layer(SL_PKT_SHORT_ETH), 2);
	assert_int_equal(sl_pkt_verdict_layer(SL_PKT_NOT_IP), 2);
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
	/* the word form: the same verdict for every change of each byte */
	g[6] = 4;
	for (unsigned off = 0; off < 8; off++) {
		for (unsigned val = 0; val < 256; val++) {
			uint8_t c[40];
			memcpy(c, g, sizeof(c));
			c[off] = (uint8_t)val;
			for (uint32_t len = 15; len <= 18; len++)
				assert_int_equal(sl_gossip_check_word(sl_pkt_rd_le64(c), len),
						 sl_gossip_check(c, len));
		}
	}
}

/* Is f an IPv4 frame (tagged or not) whose header has options, or a bad
 * IHL: the frames sl_pkt_check_const leaves to sl_pkt_check. */
static int ipv4_ihl_not_5(const uint8_t *f, uint32_t len)
{
	unsigned type = 0, l3 = sl_pkt_l3(f, len, &type);
	return l3 != 0 && type == SL_ETH_P_IPV4 && len > l3 && (f[l3] & 0x0f) != 5;
}

/* sl_pkt_src_fast on a frame of at least SL_PKT_FAST_MAX bytes (f holds
 * those only) finds the family and source sl_pkt_src_addr finds. */
static void assert_src_fast_agrees(const uint8_t *f, uint32_t len)
{
	uint8_t a[16] = {0};
	sl_pkt_view_t v;
	memset(&v, 0xa5, sizeof v);
	const unsigned family = sl_pkt_src_addr(f, len, a);
	assert_int_equal(sl_pkt_src_fast(f, &v), family);
	if (family == 4)
		assert_int_equal(v.src_ip, sl_pkt_rd_le32(a));
	if (family == 6)
		assert_memory_equal(v.src6, a, 16);
}

/* sl_pkt_check_fast may accept a frame only as sl_pkt_check does; and
 * sl_pkt_check_const judges every frame as sl_pkt_check does, but for
 * SL_PKT_ASK on IPv4 without an IHL of 5, reading only the first
 * SL_PKT_FAST_MAX bytes (a heap copy of those: ASan sees a read past); so
 * does sl_pkt_src_fast, on a frame that long, find sl_pkt_src_addr's
 * source. */
static void assert_fast_agrees(const uint8_t *f, uint32_t len)
{
	sl_pkt_view_t full, fast, cst;
	sl_pkt_verdict_t verdict = sl_pkt_check(f, len, &full);
	const uint32_t head = len < SL_PKT_FAST_MAX ? len : SL_PKT_FAST_MAX;
	uint8_t *h = malloc(head ? head : 1);
	assert_non_null(h);
	memcpy(h, f, head);
	sl_pkt_verdict_t c = sl_pkt_check_const(h, len, &cst);
	if (len >= SL_PKT_FAST_MAX)
		assert_src_fast_agrees(h, len);
	free(h);
	if (c == SL_PKT_ASK) {
		assert_true(ipv4_ihl_not_5(f, len));
	} else {
		assert_int_equal(c, verdict);
		assert_memory_equal(&cst, &full, sizeof(full));
	}
	if (!sl_pkt_check_fast(f, len, &fast))
		return;
	assert_int_equal(verdict, SL_PKT_OK);
	assert_memory_equal(&fast, &full, sizeof(full));
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
		{"arp_reply.bin", SL_PKT_NOT_IP},     {"arp_request.bin", SL_PKT_NOT_IP},
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
		assert_fast_agrees(buf, (uint32_t)n);
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

/* Every one-byte change to the first hdr_end bytes of f (each value at
 * each offset), each also with the IPv4 header checksum at csum_at made
 * right again (0: IPv6, none), and every cut of f, read from a heap copy
 * of its length so that ASan sees a read past it: the fast check agrees
 * with sl_pkt_check on all. Returns how many changed frames it accepted. */
static unsigned assert_fast_agrees_around(const uint8_t *f, uint32_t len, unsigned hdr_end,
					  unsigned csum_at)
{
	unsigned accepted = 0;
	sl_pkt_view_t v;
	for (unsigned off = 0; off < hdr_end; off++) {
		for (unsigned val = 0; val < 256; val++) {
			uint8_t g[2048];
			memcpy(g, f, sizeof(g));
			g[off] = (uint8_t)val;
			assert_fast_agrees(g, len);
			accepted += (unsigned)sl_pkt_check_fast(g, len, &v);
			if (csum_at) {
				fix_ip_csum(g + csum_at);
				assert_fast_agrees(g, len);
			}
		}
	}
	for (uint32_t cut = 0; cut < len + 40; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		memcpy(c, f, cut);
		assert_fast_agrees(cut <= len ? c : f, cut);
		free(c);
	}
	return accepted;
}

/* The fast check accepts only what sl_pkt_check accepts, with the same view,
 * and does accept the plain frames of both families, tagged or not:
 * checked on every one-byte change to their headers and every length. */
static void test_fast_check(void **state)
{
	(void)state;
	uint8_t f[2048];
	sl_pkt_view_t v;
	uint32_t len = build(f, 5, 100);
	assert_true(sl_pkt_check_fast(f, len, &v));
	assert_fast_agrees(f, len);
	assert_true(sl_pkt_check_fast(f, len + 20, &v)); /* Ethernet padding */
	/* accepted changes: e.g. a changed MAC or port */
	assert_true(assert_fast_agrees_around(f, len, 14 + 20 + 8, 14) > 0);
	len = tag(f, build(f, 5, 100), 0x8100, 1);
	assert_true(sl_pkt_check_fast(f, len, &v));
	assert_int_equal(v.vlan, 1);
	assert_true(assert_fast_agrees_around(f, len, 18 + 20 + 8, 18) > 0);
	len = build6(f, 100);
	assert_true(sl_pkt_check_fast(f, len, &v));
	assert_int_equal(v.family, 6);
	assert_true(assert_fast_agrees_around(f, len, 14 + 40 + 8, 0) > 0);
	len = tag(f, build6(f, 100), 0x8100, 1);
	assert_true(sl_pkt_check_fast(f, len, &v));
	assert_true(assert_fast_agrees_around(f, len, 18 + 40 + 8, 0) > 0);
	/* IPv4 options and QinQ are left to sl_pkt_check; options are the
	 * one thing sl_pkt_check_const asks it about */
	len = build(f, 6, 100);
	assert_false(sl_pkt_check_fast(f, len, &v));
	assert_int_equal(sl_pkt_check(f, len, &v), SL_PKT_OK);
	assert_int_equal(sl_pkt_check_const(f, len, &v), SL_PKT_ASK);
	assert_int_equal(assert_fast_agrees_around(f, len, 14 + 24 + 8, 14), 0);
	len = tag(f, tag(f, build(f, 5, 100), 0x8100, 1), 0x8100, 2);
	assert_false(sl_pkt_check_fast(f, len, &v));
	len = build(f, 5, 0);
	assert_true(sl_pkt_check_fast(f, len, &v));
	assert_int_equal(v.payload_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_udp),
		cmocka_unit_test(test_accepts_udp6),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_src_addr),
		cmocka_unit_test(test_each_rule6),
		cmocka_unit_test(test_each_rule_tagged),
		cmocka_unit_test(test_icmpv6_passes),
		cmocka_unit_test(test_every_truncation_is_rejected),
		cmocka_unit_test(test_each_rule),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_gossip_header),
		cmocka_unit_test(test_captured_frames),
		cmocka_unit_test(test_fast_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
