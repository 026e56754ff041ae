/* Unit tests of the generator's builders (bench/sl_txn_build, sl_txn_malformed,
 * sl_pkt_build): built transactions parse with the project's parser and verify
 * with libsodium; each malformed kind is rejected for its own reason; frame
 * checksums match an independent implementation (scapy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "sl_bad_frame.h"
#include "sl_gen_addr.h"
#include "sl_gen_mix.h"
#include "sl_pkt_build.h"
#include "sluice/sl_pkt_sanity.h"
#include "sl_rng.h"
#include "sl_txn.h"
#include "sl_txn_build.h"
#include "sl_txn_malformed.h"

#define BUF_CAP (SL_TXN_MTU + 256)

static sl_keypair_t keys[SL_TXN_BUILD_SIGNERS_MAX];
static uint8_t memo[600];

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	for (unsigned k = 0; k < SL_TXN_BUILD_SIGNERS_MAX; k++) {
		uint8_t seed[32] = { (uint8_t)k, 0x5a };
		sl_keypair_from_seed(&keys[k], seed);
	}
	for (size_t i = 0; i < sizeof memo; i++)
		memo[i] = (uint8_t)(i * 7);
	return 0;
}

static sl_txn_spec_t make_spec(unsigned nsig, size_t memo_sz)
{
	sl_txn_spec_t s = { .nsig = nsig, .lamports = 1000 + nsig, .memo = memo, .memo_sz = memo_sz };
	for (unsigned k = 0; k < nsig; k++)
		s.signers[k] = &keys[k];
	memset(s.to, 0xab, sizeof s.to);
	memset(s.blockhash, 0xcd, sizeof s.blockhash);
	return s;
}

static void assert_verifies(const uint8_t *buf, const sl_txn_t *t)
{
	for (unsigned k = 0; k < t->nsig; k++)
		assert_int_equal(crypto_sign_verify_detached(sl_txn_sig(buf, t, k), sl_txn_msg(buf, t),
							     sl_txn_msg_sz(t), sl_txn_signer(buf, t, k)),
				 0);
}

static void test_keypair_rfc8032(void **state)
{
	(void)state;
	/* RFC 8032 section 7.1, TEST 1. */
	static const uint8_t seed[32] = {
		0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
		0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
	};
	static const uint8_t pk[32] = {
		0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
		0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
	};
	sl_keypair_t kp;
	sl_keypair_from_seed(&kp, seed);
	assert_memory_equal(kp.pk, pk, 32);
}

static void test_compact_u16(void **state)
{
	(void)state;
	struct { uint16_t v; size_t n; uint8_t b[3]; } cases[] = {
		{ 0, 1, { 0 } },           { 127, 1, { 0x7f } },          { 128, 2, { 0x80, 0x01 } },
		{ 16383, 2, { 0xff, 0x7f } }, { 16384, 3, { 0x80, 0x80, 0x01 } }, { 65535, 3, { 0xff, 0xff, 0x03 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t out[3];
		assert_int_equal(sl_compact_u16_put(out, cases[i].v), cases[i].n);
		assert_memory_equal(out, cases[i].b, cases[i].n);
	}
}

static void test_built_txns_parse_and_verify(void **state)
{
	(void)state;
	static const size_t memo_sizes[] = { 0, 1, 50, 127, 128, 300 };
	for (unsigned nsig = 1; nsig <= SL_TXN_BUILD_SIGNERS_MAX; nsig++) {
		for (size_t m = 0; m < sizeof memo_sizes / sizeof memo_sizes[0]; m++) {
			sl_txn_spec_t s = make_spec(nsig, memo_sizes[m]);
			sl_txn_layout_t l;
			uint8_t buf[BUF_CAP];
			assert_int_equal(sl_txn_build_layout(&s, &l), 0);
			size_t sz = sl_txn_build_legacy(buf, sizeof buf, &s);
			if (l.sz > sizeof buf) {
				assert_int_equal(sz, 0);
				continue;
			}
			assert_int_equal(sz, l.sz);
			sl_txn_t t;
			if (sz > SL_TXN_MTU) {
				assert_int_equal(sl_txn_parse(buf, sz, &t), SL_TXN_ERR_TOO_LARGE);
				continue;
			}
			assert_int_equal(sl_txn_parse(buf, sz, &t), SL_TXN_OK);
			assert_int_equal(t.sz, sz);
			assert_int_equal(t.version, SL_TXN_V_LEGACY);
			assert_int_equal(t.nsig, nsig);
			assert_int_equal(t.msg_off, l.msg_off);
			assert_int_equal(t.instr_off, l.instr_off);
			assert_int_equal(t.ninstr, memo_sizes[m] ? 2 : 1);
			assert_memory_equal(sl_txn_signer(buf, &t, nsig - 1), keys[nsig - 1].pk, 32);
			assert_verifies(buf, &t);
			/* Same spec, same bytes: the generator is deterministic. */
			uint8_t again[BUF_CAP];
			assert_int_equal(sl_txn_build_legacy(again, sizeof again, &s), sz);
			assert_memory_equal(again, buf, sz);
		}
	}
}

static void test_build_rejects(void **state)
{
	(void)state;
	uint8_t buf[BUF_CAP];
	sl_txn_spec_t s = make_spec(1, 10);
	sl_txn_layout_t l;
	assert_int_equal(sl_txn_build_layout(&s, &l), 0);
	assert_int_equal(sl_txn_build_legacy(buf, l.sz - 1, &s), 0);
	s.nsig = 0;
	assert_int_equal(sl_txn_build_legacy(buf, sizeof buf, &s), 0);
	s.nsig = SL_TXN_BUILD_SIGNERS_MAX + 1;
	assert_int_equal(sl_txn_build_legacy(buf, sizeof buf, &s), 0);
}

static void test_malformed_kinds(void **state)
{
	(void)state;
	static const sl_txn_err_t want[SL_TXN_MALFORMED__COUNT] = {
		[SL_TXN_MALFORMED_TRUNCATED] = SL_TXN_ERR_TRUNCATED,
		[SL_TXN_MALFORMED_OVERLONG_U16] = SL_TXN_ERR_BAD_COMPACT_U16,
		[SL_TXN_MALFORMED_TRAILING] = SL_TXN_ERR_TRAILING_BYTES,
		[SL_TXN_MALFORMED_OVERSIZE] = SL_TXN_ERR_TOO_LARGE,
		[SL_TXN_MALFORMED_NO_SIGNATURES] = SL_TXN_ERR_NO_SIGNATURES,
		[SL_TXN_MALFORMED_SIG_COUNT] = SL_TXN_ERR_SIG_COUNT_MISMATCH,
		[SL_TXN_MALFORMED_BAD_PROGRAM_INDEX] = SL_TXN_ERR_BAD_PROGRAM_INDEX,
		[SL_TXN_MALFORMED_EMPTY] = SL_TXN_ERR_TRUNCATED,
	};
	sl_rng_t rng = sl_rng_seed(42, 0);
	for (unsigned kind = 0; kind < SL_TXN_MALFORMED__COUNT; kind++) {
		assert_string_not_equal(sl_txn_malformed_name(kind), "unknown");
		for (int round = 0; round < 100; round++) {
			sl_txn_spec_t s = make_spec(1 + (unsigned)sl_rng_below(&rng, 4), sl_rng_below(&rng, 200));
			uint8_t buf[BUF_CAP];
			long sz = sl_txn_build_malformed(kind, buf, sizeof buf, &s, &rng);
			assert_true(sz >= 0);
			sl_txn_t t;
			sl_txn_err_t err = sl_txn_parse(buf, (size_t)sz, &t);
			assert_int_not_equal(err, SL_TXN_OK);
			if (kind != SL_TXN_MALFORMED_GARBAGE)
				assert_string_equal(sl_txn_err_name(err), sl_txn_err_name(want[kind]));
			if (kind == SL_TXN_MALFORMED_OVERSIZE) {
				assert_in_range(sz, SL_TXN_MTU + 1, SL_TXN_MTU + 200);
				/* Well formed and signed apart from its size. */
				assert_int_equal(sl_txn_parse(buf, SL_TXN_MTU, &t), SL_TXN_ERR_TRUNCATED);
			}
		}
	}
	assert_string_equal(sl_txn_malformed_name(SL_TXN_MALFORMED__COUNT), "unknown");
	/* Twelve signers with no memo are already over the limit. */
	{
		sl_txn_spec_t s12 = make_spec(SL_TXN_BUILD_SIGNERS_MAX, 0);
		uint8_t buf[BUF_CAP];
		long sz = sl_txn_build_malformed(SL_TXN_MALFORMED_OVERSIZE, buf, sizeof buf, &s12, &rng);
		assert_true(sz > SL_TXN_MTU);
		sl_txn_t t;
		assert_int_equal(sl_txn_parse(buf, (size_t)sz, &t), SL_TXN_ERR_TOO_LARGE);
	}
	uint8_t small[64];
	sl_txn_spec_t s = make_spec(1, 0);
	assert_int_equal(sl_txn_build_malformed(SL_TXN_MALFORMED_TRAILING, small, sizeof small, &s, &rng), -1);
	assert_int_equal(sl_txn_build_malformed(SL_TXN_MALFORMED_OVERSIZE, small, sizeof small, &s, &rng), -1);
}

static void test_flip_sig_bit(void **state)
{
	(void)state;
	sl_rng_t rng = sl_rng_seed(7, 1);
	for (int round = 0; round < 50; round++) {
		sl_txn_spec_t s = make_spec(1 + (unsigned)sl_rng_below(&rng, 3), 20);
		uint8_t buf[BUF_CAP];
		size_t sz = sl_txn_build_legacy(buf, sizeof buf, &s);
		uint8_t orig[BUF_CAP];
		memcpy(orig, buf, sz);
		unsigned bit = sl_txn_flip_sig_bit(buf, s.nsig, &rng);
		assert_true(bit < 512 * s.nsig);
		assert_int_equal(buf[1 + bit / 8] ^ orig[1 + bit / 8], 1u << (bit % 8));
		sl_txn_t t;
		assert_int_equal(sl_txn_parse(buf, sz, &t), SL_TXN_OK);
		unsigned bad = bit / 512;
		assert_int_not_equal(crypto_sign_verify_detached(sl_txn_sig(buf, &t, bad), sl_txn_msg(buf, &t),
								 sl_txn_msg_sz(&t), sl_txn_signer(buf, &t, bad)),
				     0);
	}
}

static void test_udp4_frame_matches_scapy(void **state)
{
	(void)state;
	/* Ether(02:..:01 -> 02:..:11)/IP(10.99.0.1 -> 10.99.0.11, id=1, DF, ttl 64)/
	 * UDP(40000 -> 8003)/"hello sluice", bytes from scapy 2.5. */
	static const uint8_t want[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x11, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
		0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x25, 0xf3, 0x0a, 0x63, 0x00, 0x01, 0x0a, 0x63,
		0x00, 0x0b, 0x9c, 0x40, 0x1f, 0x43, 0x00, 0x14, 0x9f, 0x43, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20,
		0x73, 0x6c, 0x75, 0x69, 0x63, 0x65,
	};
	sl_udp4_addr_t a = { .src_port = 40000, .dst_port = 8003 };
	assert_int_equal(sl_parse_mac("02:00:00:00:00:01", a.src_mac), 0);
	assert_int_equal(sl_parse_mac("02:00:00:00:00:11", a.dst_mac), 0);
	assert_int_equal(sl_parse_ip4("10.99.0.1", &a.src_ip), 0);
	assert_int_equal(sl_parse_ip4("10.99.0.11", &a.dst_ip), 0);
	uint8_t frame[128];
	const char *msg = "hello sluice";
	size_t sz = sl_pkt_build_udp4(frame, sizeof frame, &a, 1, (const uint8_t *)msg, strlen(msg));
	assert_int_equal(sz, sizeof want);
	assert_memory_equal(frame, want, sz);
	assert_int_equal(sl_pkt_build_udp4(frame, sz - 1, &a, 1, (const uint8_t *)msg, strlen(msg)), 0);
}

static void test_udp4_checksums_verify(void **state)
{
	(void)state;
	sl_rng_t rng = sl_rng_seed(3, 3);
	for (int round = 0; round < 200; round++) {
		sl_udp4_addr_t a = { .src_ip = (uint32_t)sl_rng_next(&rng), .dst_ip = (uint32_t)sl_rng_next(&rng),
				     .src_port = (uint16_t)sl_rng_next(&rng), .dst_port = (uint16_t)sl_rng_next(&rng) };
		uint8_t payload[1500], frame[1600];
		size_t len = sl_rng_below(&rng, sizeof payload);
		sl_rng_fill(&rng, payload, len);
		size_t sz = sl_pkt_build_udp4(frame, sizeof frame, &a, (uint16_t)round, payload, len);
		assert_int_equal(sz, SL_PKT_HDRS_SZ + len);
		/* A header with its checksum in place sums to zero. */
		assert_int_equal(sl_inet_csum(frame + SL_PKT_ETH_SZ, SL_PKT_IP4_SZ, 0), 0);
		uint32_t pseudo = (a.src_ip >> 16) + (a.src_ip & 0xffff) + (a.dst_ip >> 16) + (a.dst_ip & 0xffff) +
				  17 + (uint32_t)(SL_PKT_UDP_SZ + len);
		assert_int_equal(sl_inet_csum(frame + SL_PKT_ETH_SZ + SL_PKT_IP4_SZ, SL_PKT_UDP_SZ + len, pseudo), 0);
		assert_memory_equal(frame + SL_PKT_HDRS_SZ, payload, len);
	}
}

/* RFC 1071 one 16-bit big-endian word at a time: the reference. */
static uint16_t csum_ref(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void test_inet_csum_matches_reference(void **state)
{
	(void)state;
	sl_rng_t rng = sl_rng_seed(11, 0);
	uint8_t buf[1600];
	for (int round = 0; round < 2000; round++) {
		size_t off = sl_rng_below(&rng, 8), len = sl_rng_below(&rng, sizeof buf - 8);
		uint32_t sum = (uint32_t)sl_rng_below(&rng, 0x40000);
		sl_rng_fill(&rng, buf, sizeof buf);
		if (round % 10 == 0)
			memset(buf, 0xff, sizeof buf); /* carries on every word */
		assert_int_equal(sl_inet_csum(buf + off, len, sum), csum_ref(buf + off, len, sum));
	}
}

/* The IPv6 frame against bytes computed apart (Python's ipaddress and
 * struct, RFC 8200's pseudo-header): 2001:db8::1 -> 2001:db8::b,
 * UDP(40000 -> 8003)/"hello sluice". */
static void test_udp6_frame_matches_reference(void **state)
{
	(void)state;
	static const uint8_t want[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x11, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x9c, 0x40, 0x1f, 0x43, 0x00, 0x14, 0x58, 0x97, 0x68, 0x65,
		0x6c, 0x6c, 0x6f, 0x20, 0x73, 0x6c, 0x75, 0x69, 0x63, 0x65,
	};
	sl_udp6_addr_t a = { .src_port = 40000, .dst_port = 8003,
			     .src_ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
			     .dst_ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0b } };
	assert_int_equal(sl_parse_mac("02:00:00:00:00:01", a.src_mac), 0);
	assert_int_equal(sl_parse_mac("02:00:00:00:00:11", a.dst_mac), 0);
	uint8_t frame[128];
	const char *msg = "hello sluice";
	size_t sz = sl_pkt_build_udp6(frame, sizeof frame, &a, (const uint8_t *)msg, strlen(msg));
	assert_int_equal(sz, sizeof want);
	assert_memory_equal(frame, want, sz);
	assert_int_equal(sl_pkt_build_udp6(frame, sz - 1, &a, (const uint8_t *)msg, strlen(msg)), 0);
	static uint8_t big[0x10000 + 64];
	assert_int_equal(sl_pkt_build_udp6(big, sizeof big, &a, big, 0xffff - 8), SL_PKT_HDRS6_SZ + 0xffff - 8);
	assert_int_equal(sl_pkt_build_udp6(big, sizeof big, &a, big, 0xffff - 7), 0);
}

/* Random IPv6 datagrams sum to zero with their pseudo-header, pass the
 * sanity rules and keep their payload; a checksum that sums to 0 is sent as
 * 0xffff, never 0. */
static void test_udp6_checksums_verify(void **state)
{
	(void)state;
	sl_rng_t rng = sl_rng_seed(6, 6);
	for (int round = 0; round < 200; round++) {
		sl_udp6_addr_t a = { .src_port = (uint16_t)sl_rng_next(&rng),
				     .dst_port = (uint16_t)sl_rng_next(&rng) };
		sl_rng_fill(&rng, a.src_ip, 16);
		sl_rng_fill(&rng, a.dst_ip, 16);
		uint8_t payload[1500], frame[1600];
		size_t len = sl_rng_below(&rng, sizeof payload);
		sl_rng_fill(&rng, payload, len);
		size_t sz = sl_pkt_build_udp6(frame, sizeof frame, &a, payload, len);
		assert_int_equal(sz, SL_PKT_HDRS6_SZ + len);
		uint32_t pseudo = 17 + (uint32_t)(SL_PKT_UDP_SZ + len);
		for (unsigned i = 0; i < 16; i += 2)
			pseudo += (uint32_t)(a.src_ip[i] << 8 | a.src_ip[i + 1]) +
				  (uint32_t)(a.dst_ip[i] << 8 | a.dst_ip[i + 1]);
		const uint8_t *udp = frame + SL_PKT_ETH_SZ + SL_PKT_IP6_SZ;
		assert_int_equal(csum_ref(udp, SL_PKT_UDP_SZ + len, pseudo), 0);
		sl_pkt_view_t v;
		assert_int_equal(sl_pkt_check(frame, (uint32_t)sz, &v), SL_PKT_OK);
		assert_int_equal(v.family, 6);
		assert_memory_equal(v.src6, a.src_ip, 16);
		assert_memory_equal(v.dst6, a.dst_ip, 16);
		assert_int_equal(v.payload_len, len);
		assert_memory_equal(frame + v.payload_off, payload, len);
	}
	/* a payload word that brings the sum to 0xffff: checksum 0 -> 0xffff */
	sl_udp6_addr_t a = { .src_port = 1, .dst_port = 2, .src_ip = { 0xfd }, .dst_ip = { 0xfd, [15] = 1 } };
	uint8_t frame[128], payload[2] = { 0, 0 };
	sl_pkt_build_udp6(frame, sizeof frame, &a, payload, 2);
	const uint8_t *udp = frame + SL_PKT_ETH_SZ + SL_PKT_IP6_SZ;
	payload[0] = udp[6];
	payload[1] = udp[7];
	sl_pkt_build_udp6(frame, sizeof frame, &a, payload, 2);
	assert_int_equal(udp[6] << 8 | udp[7], 0xffff);
	assert_int_equal(sl_udp6_csum(a.src_ip, a.dst_ip, udp, 10), 0xffff);
}

/* A tag put into a frame of either family: what sl_pkt_check takes as one
 * tagged frame, with the same datagram at offsets 4 bytes on. */
static void test_vlan_tag(void **state)
{
	(void)state;
	uint8_t payload[100], frame[256];
	for (unsigned i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)i;
	sl_udp4_addr_t a4 = { .src_ip = 0x0a630001, .dst_ip = 0x0a63000b, .src_port = 40000, .dst_port = 8003 };
	sl_udp6_addr_t a6 = { .src_ip = { 0xfd, [15] = 1 }, .dst_ip = { 0xfd, [15] = 0x0b },
			      .src_port = 40000, .dst_port = 8003 };
	for (unsigned family = 4; family <= 6; family += 2) {
		size_t sz = family == 4 ? sl_pkt_build_udp4(frame, sizeof frame, &a4, 1, payload, sizeof payload)
					: sl_pkt_build_udp6(frame, sizeof frame, &a6, payload, sizeof payload);
		sl_pkt_view_t plain, tagged;
		assert_int_equal(sl_pkt_check(frame, (uint32_t)sz, &plain), SL_PKT_OK);
		assert_int_equal(sl_pkt_vlan_tag(frame, sz, sz + 3, 0x3005), 0); /* no room */
		size_t tsz = sl_pkt_vlan_tag(frame, sz, sizeof frame, 0x3005);
		assert_int_equal(tsz, sz + 4);
		assert_int_equal(frame[12] << 8 | frame[13], 0x8100);
		assert_int_equal(sl_pkt_check(frame, (uint32_t)tsz, &tagged), SL_PKT_OK);
		assert_int_equal(tagged.family, family);
		assert_int_equal(tagged.vlan, 1);
		assert_int_equal(tagged.vlan_tci, 0x3005);
		assert_int_equal(tagged.l3_off, plain.l3_off + 4);
		assert_int_equal(tagged.payload_off, plain.payload_off + 4);
		assert_int_equal(tagged.payload_len, sizeof payload);
		assert_int_equal(tagged.src_ip, plain.src_ip);
		assert_memory_equal(tagged.src6, plain.src6, 16);
		assert_memory_equal(frame + tagged.payload_off, payload, sizeof payload);
	}
	assert_int_equal(sl_pkt_vlan_tag(frame, 13, sizeof frame, 1), 0);
}

static void test_gossip_frame(void **state)
{
	(void)state;
	uint8_t txn[40], buf[64];
	memset(txn, 0x11, sizeof txn);
	size_t sz = sl_gossip_frame_build(buf, sizeof buf, 3, 0x0102030405060708ull, txn, sizeof txn);
	assert_int_equal(sz, 16 + sizeof txn);
	static const uint8_t hdr[16] = { 'S', 'L', 'C', '1', 1, 1, 3, 0, 8, 7, 6, 5, 4, 3, 2, 1 };
	assert_memory_equal(buf, hdr, sizeof hdr);
	assert_memory_equal(buf + 16, txn, sizeof txn);
	assert_int_equal(sl_gossip_frame_build(buf, 16 + sizeof txn - 1, 3, 1, txn, sizeof txn), 0);
}

static void test_parse_addresses(void **state)
{
	(void)state;
	uint8_t mac[6];
	uint32_t ip = 0;
	uint16_t port = 7;
	assert_int_equal(sl_parse_mac("02:00:00:00:00:1f", mac), 0);
	assert_int_equal(mac[5], 0x1f);
	assert_int_equal(sl_parse_mac("02:00:00:00:00", mac), -1);
	assert_int_equal(sl_parse_mac("02:00:00:00:00:11:22", mac), -1);
	assert_int_equal(sl_parse_ip4_port("10.99.0.11:8003", &ip, &port, 0), 0);
	assert_int_equal(ip, 0x0a63000b);
	assert_int_equal(port, 8003);
	assert_int_equal(sl_parse_ip4_port("10.99.0.12", &ip, &port, 1), 0);
	assert_int_equal(ip, 0x0a63000c);
	assert_int_equal(port, 8003);
	assert_int_equal(sl_parse_ip4_port("10.99.0.12", &ip, &port, 0), -1);
	assert_int_equal(sl_parse_ip4_port("10.99.0.12:", &ip, &port, 0), -1);
	assert_int_equal(sl_parse_ip4_port("10.99.0.12:70000", &ip, &port, 0), -1);
	assert_int_equal(sl_parse_ip4_port("10.99.0.12:80x", &ip, &port, 0), -1);
	assert_int_equal(sl_parse_ip4_port("10.99.0:80", &ip, &port, 0), -1);
	assert_int_equal(sl_parse_ip4("256.1.1.1", &ip), -1);
}

/* sluice-gen's --dst and --src in both families; each error names the text. */
static void test_parse_endpoints(void **state)
{
	(void)state;
	sl_gen_addr_t a;
	char err[256];
	static const uint8_t v4[16] = { 10, 99, 0, 11 };
	static const uint8_t v6[16] = { 0xfd, 0, 0, 0x99, [15] = 0x0b };
	assert_int_equal(sl_gen_addr_parse("10.99.0.11:8003", 1, &a, err, sizeof err), 0);
	assert_int_equal(a.family, 4);
	assert_memory_equal(a.ip, v4, 16);
	assert_int_equal(a.port, 8003);
	assert_int_equal(sl_gen_addr_parse("10.99.0.11", 0, &a, err, sizeof err), 0);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.port, 0);
	assert_int_equal(sl_gen_addr_parse("[fd00:99::b]:8003", 1, &a, err, sizeof err), 0);
	assert_int_equal(a.family, 6);
	assert_memory_equal(a.ip, v6, 16);
	assert_int_equal(a.port, 8003);
	assert_int_equal(sl_gen_addr_parse("[fd00:99::b]", 0, &a, err, sizeof err), 0);
	assert_int_equal(a.family, 6);
	assert_memory_equal(a.ip, v6, 16);
	assert_int_equal(a.port, 0);
	/* bare, its last group is never a port */
	assert_int_equal(sl_gen_addr_parse("fd00:99::b:8003", 0, &a, err, sizeof err), 0);
	assert_int_equal(a.family, 6);
	assert_int_equal(a.ip[14] << 8 | a.ip[15], 0x8003);
	assert_int_equal(a.port, 0);
	assert_int_equal(sl_gen_addr_parse("[::ffff:10.99.0.11]:1", 1, &a, err, sizeof err), 0);
	assert_int_equal(a.family, 6);
	assert_int_equal(a.port, 1);

	static const struct { const char *s; int port_required; const char *why; } bad[] = {
		{ "fd00:99::b", 1, "'fd00:99::b' has no port: write [fd00:99::b]:PORT" },
		{ "[fd00:99::b]", 1, "'[fd00:99::b]' has no port: write [fd00:99::b]:PORT" },
		{ "[fd00:99::b]:", 1, "'[fd00:99::b]:': '' is not a port (1..65535)" },
		{ "[fd00:99::b]:0", 1, "'[fd00:99::b]:0': '0' is not a port (1..65535)" },
		{ "[fd00:99::b]:65536", 1, "'[fd00:99::b]:65536': '65536' is not a port (1..65535)" },
		{ "[fd00:99::b]:-1", 1, "'[fd00:99::b]:-1': '-1' is not a port (1..65535)" },
		{ "[fd00:99::b]:80x", 0, "'[fd00:99::b]:80x': '80x' is not a port (1..65535)" },
		{ "[fd00:99::b]8003", 0, "'[fd00:99::b]8003': after ']' comes ':PORT' or nothing" },
		{ "[fd00:99::b:8003", 0, "'[fd00:99::b:8003': no ']' after the IPv6 address" },
		{ "[fd00::99::b]:80", 0, "'[fd00::99::b]:80': 'fd00::99::b' is not an IPv6 address" },
		{ "[10.99.0.11]:80", 0, "'[10.99.0.11]:80': '10.99.0.11' is not an IPv6 address" },
		{ "[]:80", 0, "'[]:80': '' is not an IPv6 address" },
		{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa", 0,
		  "'1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa': the address is too long for IPv6" },
		{ "10.99.0.11", 1, "'10.99.0.11' is not IP:PORT or [IPV6]:PORT" },
		{ "10.99.0:80", 0, "'10.99.0:80' is not IP, IP:PORT, IPV6 or [IPV6]:PORT" },
		{ "", 0, "'' is not IP, IP:PORT, IPV6 or [IPV6]:PORT" },
	};
	static const sl_gen_addr_t zero;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(sl_gen_addr_parse(bad[i].s, bad[i].port_required, &a, err, sizeof err), -1);
		assert_string_equal(err, bad[i].why);
		assert_memory_equal(&a, &zero, sizeof a);
	}
}

static void test_good_frame_passes_sanity(void **state)
{
	(void)state;
	sl_udp4_addr_t a = { .src_ip = 0x0a630001, .dst_ip = 0x0a63000b, .src_port = 40000, .dst_port = 8003 };
	uint8_t payload[300], frame[400];
	memset(payload, 0x42, sizeof payload);
	size_t sz = sl_pkt_build_udp4(frame, sizeof frame, &a, 9, payload, sizeof payload);
	sl_pkt_view_t v;
	assert_int_equal(sl_pkt_check(frame, (uint32_t)sz, &v), SL_PKT_OK);
	assert_int_equal(v.payload_off, SL_PKT_HDRS_SZ);
	assert_int_equal(v.payload_len, sizeof payload);
	assert_int_equal(sl_pkt_rd_be16(frame + v.l4_off + 2), 8003);
}

/* Each bad frame breaks exactly the rule its name says, as judged by the
 * sanity rules that the XDP program and the dataplane share. */
static void test_bad_frames(void **state)
{
	(void)state;
	static const struct { sl_pkt_verdict_t pkt; int gossip; } want[SL_BAD_FRAME__COUNT] = {
		[SL_BAD_FRAME_RUNT] = { SL_PKT_SHORT_ETH, -1 },
		[SL_BAD_FRAME_NOT_IP] = { SL_PKT_NOT_IP, -1 },
		[SL_BAD_FRAME_IP_VERSION] = { SL_PKT_BAD_VERSION, -1 },
		[SL_BAD_FRAME_IHL_SHORT] = { SL_PKT_BAD_IHL, -1 },
		[SL_BAD_FRAME_IHL_PAST_END] = { SL_PKT_BAD_IHL, -1 },
		[SL_BAD_FRAME_TOTLEN_PAST_END] = { SL_PKT_BAD_TOTAL_LEN, -1 },
		[SL_BAD_FRAME_TOTLEN_BELOW_HDR] = { SL_PKT_BAD_TOTAL_LEN, -1 },
		[SL_BAD_FRAME_IP_CSUM] = { SL_PKT_BAD_IP_CSUM, -1 },
		[SL_BAD_FRAME_FRAG_FIRST] = { SL_PKT_FRAGMENT, -1 },
		[SL_BAD_FRAME_FRAG_LATER] = { SL_PKT_FRAGMENT, -1 },
		[SL_BAD_FRAME_NOT_UDP] = { SL_PKT_NOT_UDP, -1 },
		[SL_BAD_FRAME_UDP_LEN_PAST_END] = { SL_PKT_BAD_UDP_LEN, -1 },
		[SL_BAD_FRAME_UDP_LEN_BELOW_8] = { SL_PKT_BAD_UDP_LEN, -1 },
		[SL_BAD_FRAME_UDP_LEN_SHORT] = { SL_PKT_BAD_UDP_LEN, -1 },
		[SL_BAD_FRAME_JUMBO] = { SL_PKT_OK, -1 },
		[SL_BAD_FRAME_NOT_FOR_US_IP] = { SL_PKT_OK, -1 },
		[SL_BAD_FRAME_NOT_FOR_US_PORT] = { SL_PKT_OK, -1 },
		[SL_BAD_FRAME_GOSSIP_TRUNCATED] = { SL_PKT_OK, SL_GOSSIP_SHORT },
		[SL_BAD_FRAME_GOSSIP_NO_TXN] = { SL_PKT_OK, SL_GOSSIP_SHORT },
		[SL_BAD_FRAME_GOSSIP_MAGIC] = { SL_PKT_OK, SL_GOSSIP_BAD_MAGIC },
		[SL_BAD_FRAME_GOSSIP_VERSION] = { SL_PKT_OK, SL_GOSSIP_BAD_VERSION },
		[SL_BAD_FRAME_GOSSIP_KIND] = { SL_PKT_OK, SL_GOSSIP_BAD_KIND },
		[SL_BAD_FRAME_GOSSIP_TTL0] = { SL_PKT_OK, SL_GOSSIP_TTL_ZERO },
		[SL_BAD_FRAME_GOSSIP_UNKNOWN_PEER] = { SL_PKT_OK, SL_GOSSIP_OK },
		[SL_BAD_FRAME_IP6_SHORT] = { SL_PKT_SHORT_IPV6, -1 },
		[SL_BAD_FRAME_IP6_VERSION] = { SL_PKT_BAD_VERSION, -1 },
		[SL_BAD_FRAME_IP6_PLEN_PAST_END] = { SL_PKT_BAD_TOTAL_LEN, -1 },
		[SL_BAD_FRAME_IP6_PLEN_BELOW_8] = { SL_PKT_SHORT_UDP, -1 },
		[SL_BAD_FRAME_UDP6_LEN_SHORT] = { SL_PKT_BAD_UDP_LEN, -1 },
		[SL_BAD_FRAME_UDP6_ZERO_CSUM] = { SL_PKT_BAD_UDP_CSUM, -1 },
		[SL_BAD_FRAME_IP6_HOP_BY_HOP] = { SL_PKT_NOT_UDP, -1 },
		[SL_BAD_FRAME_VLAN_IP_CSUM] = { SL_PKT_BAD_IP_CSUM, -1 },
		[SL_BAD_FRAME_VLAN_UDP6_ZERO_CSUM] = { SL_PKT_BAD_UDP_CSUM, -1 },
		[SL_BAD_FRAME_VLAN_QINQ] = { SL_PKT_NOT_IP, -1 },
	};
	sl_udp4_addr_t a = { .src_ip = 0x0a630001, .dst_ip = 0x0a63000b, .src_port = 40000, .dst_port = 8003 };
	sl_txn_spec_t s = make_spec(2, 40);
	uint8_t txn[BUF_CAP];
	size_t tsz = sl_txn_build_legacy(txn, sizeof txn, &s);
	static uint8_t frame[SL_BAD_FRAME_CAP];
	for (unsigned k = 0; k < SL_BAD_FRAME__COUNT; k++) {
		assert_string_not_equal(sl_bad_frame_name(k), "unknown");
		size_t sz = sl_bad_frame_build(k, frame, sizeof frame, &a, 8004, txn, tsz);
		assert_true(sz > 0);
		sl_pkt_view_t v;
		sl_pkt_verdict_t got = sl_pkt_check(frame, (uint32_t)sz, &v);
		if (got != want[k].pkt)
			fail_msg("%s: sanity verdict %d, want %d", sl_bad_frame_name(k), got, want[k].pkt);
		/* the source it claims: a's, in the IPv6 kinds as fd00:99::<a.src_ip> */
		uint8_t src[16];
		unsigned family = sl_pkt_src_addr(frame, (uint32_t)sz, src);
		if (family == 6)
			assert_memory_equal(src, ((const uint8_t[16]){ 0xfd, 0, 0, 0x99, [12] = 10, 99, 0, 1 }), 16);
		else if (family == 4)
			assert_int_equal(sl_pkt_rd_be16(src) << 16 | sl_pkt_rd_be16(src + 2), a.src_ip);
		assert_int_equal(family, k == SL_BAD_FRAME_RUNT || k == SL_BAD_FRAME_NOT_IP || k == SL_BAD_FRAME_VLAN_QINQ ? 0
					 : k >= SL_BAD_FRAME_IP6_SHORT && k != SL_BAD_FRAME_VLAN_IP_CSUM ? 6 : 4);
		if (k == SL_BAD_FRAME_VLAN_QINQ) {
			/* without its outer tag: one tag, a good frame to a's
			 * address and another port; without both, the same */
			memmove(frame + 12, frame + 16, sz - 16);
			assert_int_equal(sl_pkt_check(frame, (uint32_t)sz - 4, &v), SL_PKT_OK);
			assert_int_equal(v.vlan, 1);
			assert_int_equal(v.dst_port, sl_pkt_rd_le16((const uint8_t[]){ 0, 9 }));
			memmove(frame + 12, frame + 16, sz - 20);
			assert_int_equal(sl_pkt_check(frame, (uint32_t)sz - 8, &v), SL_PKT_OK);
			assert_int_equal(v.vlan, 0);
			assert_int_equal(v.dst_ip, sl_pkt_rd_le32((const uint8_t[]){ 10, 99, 0, 11 }));
		}
		if (got != SL_PKT_OK)
			continue;
		uint32_t dst_ip = (uint32_t)frame[30] << 24 | (uint32_t)frame[31] << 16 | frame[32] << 8 | frame[33];
		unsigned dst_port = sl_pkt_rd_be16(frame + v.l4_off + 2);
		if (k == SL_BAD_FRAME_NOT_FOR_US_IP)
			assert_int_not_equal(dst_ip, a.dst_ip);
		else
			assert_int_equal(dst_ip, a.dst_ip);
		if (k == SL_BAD_FRAME_JUMBO) {
			assert_int_equal(sz, SL_BAD_FRAME_JUMBO_SZ);
			sl_txn_t t;
			assert_int_equal(sl_txn_parse(frame + v.payload_off, v.payload_len, &t), SL_TXN_ERR_TOO_LARGE);
		}
		if (want[k].gossip < 0) {
			assert_int_equal(dst_port, k == SL_BAD_FRAME_NOT_FOR_US_PORT ? 9 : 8003);
			continue;
		}
		assert_int_equal(dst_port, 8004);
		assert_int_equal(sl_gossip_check(frame + v.payload_off, v.payload_len), want[k].gossip);
	}
	assert_string_equal(sl_bad_frame_name(SL_BAD_FRAME__COUNT), "unknown");
	assert_int_equal(sl_bad_frame_build(SL_BAD_FRAME_RUNT, frame, 1500, &a, 8004, txn, tsz), 0);
}

static void test_gen_mix(void **state)
{
	(void)state;
	sl_gen_params_t p = sl_gen_params_default();
	p.valid = 40, p.dup_pct = 50, p.bad_sig = 7, p.malformed = 18, p.share = 10, p.signers_max = 8;
	p.gossip_spam = 5;
	p.memo_max = SL_GEN_MEMO_MAX, p.bad_frames = 1;
	sl_gen_mix_t m;
	char err[128];
	assert_int_equal(sl_gen_mix_build(&p, &m, err, sizeof err), 0);
	size_t count[SL_GEN__KINDS] = { 0 };
	for (size_t i = 0; i < m.n; i++) {
		const sl_gen_dgram_t *g = &m.d[i];
		count[g->kind]++;
		sl_txn_t t;
		const uint8_t *txn = g->bytes;
		size_t sz = g->sz;
		assert_int_equal(sl_gen_dgram_port(g, 8003), g->kind == SL_GEN_GOSSIP_SPAM ? 8004 : 8003);
		if (g->kind == SL_GEN_GOSSIP_SPAM) {
			assert_int_equal(sl_gossip_check(txn, (uint32_t)sz), SL_GOSSIP_OK);
			txn += 16, sz -= 16;
		}
		sl_txn_err_t e = sl_txn_parse(txn, sz, &t);
		if (g->kind <= SL_GEN_BAD_SIG || g->kind == SL_GEN_GOSSIP_SPAM) {
			assert_int_equal(e, SL_TXN_OK);
			char id[SL_BASE58_SIG_STRLEN];
			sl_base58_encode(sl_txn_id(txn, &t), 64, id, sizeof id);
			assert_string_equal(id, g->id);
		} else {
			assert_string_equal(g->id, "-");
		}
		if (g->kind == SL_GEN_MALFORMED)
			assert_int_not_equal(e, SL_TXN_OK);
	}
	assert_int_equal(count[SL_GEN_VALID], 40);
	assert_int_equal(count[SL_GEN_DUP], 20);
	assert_int_equal(count[SL_GEN_BAD_SIG], 7);
	assert_int_equal(count[SL_GEN_MALFORMED], 18);
	assert_int_equal(count[SL_GEN_GOSSIP_SPAM], 5);
	assert_int_equal(count[SL_GEN_BAD_FRAME], SL_BAD_FRAME__COUNT);
	assert_int_equal(m.d[m.n - 1].kind, SL_GEN_BAD_FRAME);
	uint8_t raw[3] = { 1, 2, 3 };
	for (int i = 0; i < 40; i++)
		assert_int_equal(sl_gen_mix_add_frame(&m, raw, sizeof raw, "raw.bin"), 0);
	assert_int_equal(m.d[m.n - 1].kind, SL_GEN_RAW_FRAME);
	assert_memory_equal(m.d[m.n - 1].bytes, raw, sizeof raw);
	assert_string_equal(m.d[m.n - 1].detail, "raw.bin");
	sl_gen_mix_free(&m);
	assert_null(m.d);

	sl_gen_params_t bad[5];
	for (int i = 0; i < 5; i++)
		bad[i] = sl_gen_params_default();
	bad[0].signers_max = SL_GEN_SIGNERS_MAX + 1;
	bad[1].nkeys = 1, bad[1].signers_max = 2;
	bad[2].memo_max = SL_GEN_MEMO_MIN - 1;
	bad[3].valid = 1, bad[3].share = 2;
	bad[4].dup_pct = 10;
	for (int i = 0; i < 5; i++) {
		err[0] = 0;
		assert_int_equal(sl_gen_mix_build(&bad[i], &m, err, sizeof err), -1);
		assert_true(strlen(err) > 0);
		assert_null(m.d);
	}
	assert_string_equal(sl_gen_kind_name(SL_GEN_DUP), "dup");
	assert_string_equal(sl_gen_kind_name(SL_GEN__KINDS), "unknown");
}

/* --as-peer: every transaction behind a gossip header with the peer's
 * token, to the gossip port; the same transactions as without it. */
static void test_gen_mix_as_peer(void **state)
{
	(void)state;
	sl_gen_params_t p = sl_gen_params_default();
	p.valid = 5, p.bad_sig = 5, p.malformed = 3;
	sl_gen_mix_t plain, peer;
	char err[128];
	assert_int_equal(sl_gen_mix_build(&p, &plain, err, sizeof err), 0);
	p.peer_token = 0x1122334455667788ull;
	assert_int_equal(sl_gen_mix_build(&p, &peer, err, sizeof err), 0);
	assert_int_equal(plain.n, peer.n);
	for (size_t i = 0; i < peer.n; i++) {
		const sl_gen_dgram_t *g = &peer.d[i], *o = &plain.d[i];
		assert_int_equal(sl_gen_dgram_port(g, 8003), 8004);
		assert_int_equal(g->sz, o->sz + 16);
		assert_int_equal(sl_gossip_check(g->bytes, g->sz), SL_GOSSIP_OK);
		assert_int_equal(sl_gossip_token(g->bytes), p.peer_token);
		assert_memory_equal(g->bytes + 16, o->bytes, o->sz);
		assert_string_equal(g->id, o->id);
	}
	sl_gen_mix_free(&plain);
	sl_gen_mix_free(&peer);
}

static void test_rng_deterministic(void **state)
{
	(void)state;
	sl_rng_t a = sl_rng_seed(5, 0), b = sl_rng_seed(5, 0), c = sl_rng_seed(5, 1);
	int differ = 0;
	for (int i = 0; i < 100; i++) {
		uint64_t x = sl_rng_next(&a);
		assert_int_equal(x, sl_rng_next(&b));
		differ += x != sl_rng_next(&c);
	}
	assert_true(differ > 90);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keypair_rfc8032),
		cmocka_unit_test(test_compact_u16),
		cmocka_unit_test(test_built_txns_parse_and_verify),
		cmocka_unit_test(test_build_rejects),
		cmocka_unit_test(test_malformed_kinds),
		cmocka_unit_test(test_flip_sig_bit),
		cmocka_unit_test(test_udp4_frame_matches_scapy),
		cmocka_unit_test(test_udp4_checksums_verify),
		cmocka_unit_test(test_inet_csum_matches_reference),
		cmocka_unit_test(test_udp6_frame_matches_reference),
		cmocka_unit_test(test_udp6_checksums_verify),
		cmocka_unit_test(test_vlan_tag),
		cmocka_unit_test(test_gossip_frame),
		cmocka_unit_test(test_parse_addresses),
		cmocka_unit_test(test_parse_endpoints),
		cmocka_unit_test(test_good_frame_passes_sanity),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_gen_mix),
		cmocka_unit_test(test_gen_mix_as_peer),
		cmocka_unit_test(test_rng_deterministic),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
