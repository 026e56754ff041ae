/* sl_cidr: what parses (both families, with and without a length, the
 * bounds), what is refused and why (host bits, lengths, junk, over-long
 * text, which is not read past its bound), the text form, and coverage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "sl_cidr.h"

static void test_parses(void **state)
{
	(void)state;
	static const struct {
		const char *in, *str;
		unsigned family, prefixlen;
		uint8_t addr[16];
	} ok[] = {
		{"10.0.0.0/8", "10.0.0.0/8", 4, 8, {10}},
		{"10.1.2.3", "10.1.2.3/32", 4, 32, {10, 1, 2, 3}},
		{"10.1.2.3/32", "10.1.2.3/32", 4, 32, {10, 1, 2, 3}},
		{"0.0.0.0/0", "0.0.0.0/0", 4, 0, {0}},
		{"192.168.4.0/22", "192.168.4.0/22", 4, 22, {192, 168, 4, 0}},
		{"255.255.255.254/31", "255.255.255.254/31", 4, 31, {255, 255, 255, 254}},
		{"2001:db8::/32", "2001:db8::/32", 6, 32, {0x20, 0x01, 0x0d, 0xb8}},
		{"2001:db8::1", "2001:db8::1/128", 6, 128,
		 {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{"2001:DB8:0:0::/64", "2001:db8::/64", 6, 64, {0x20, 0x01, 0x0d, 0xb8}},
		{"::/0", "::/0", 6, 0, {0}},
		{"::", "::/128", 6, 128, {0}},
		{"::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104", 6, 104,
		 {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10}},
		{"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 6, 128,
		 {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff}},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		sl_cidr_t c;
		char err[128] = "", s[SL_CIDR_STR_SZ];
		if (sl_cidr_parse(ok[i].in, &c, err, sizeof(err)) != 0)
			fail_msg("%s: refused: %s", ok[i].in, err);
		assert_int_equal(c.family, ok[i].family);
		assert_int_equal(c.prefixlen, ok[i].prefixlen);
		assert_memory_equal(c.addr, ok[i].addr, 16);
		sl_cidr_str(&c, s);
		assert_string_equal(s, ok[i].str);
		sl_cidr_t back;
		assert_int_equal(sl_cidr_parse(s, &back, err, sizeof(err)), 0);
		assert_memory_equal(&back, &c, sizeof(c));
	}
}

static void test_refuses(void **state)
{
	(void)state;
	static const struct {
		const char *in, *why; /* a part of the reason */
	} bad[] = {
		{"", "empty"},
		{"/8", "no address"},
		{"10.1.2.3/24", "host bits set past /24 (the prefix is 10.1.2.0/24)"},
		{"10.0.0.1/0", "host bits set past /0 (the prefix is 0.0.0.0/0)"},
		{"2001:db8::1/64", "host bits set past /64 (the prefix is 2001:db8::/64)"},
		{"10.0.0.0/33", "over 32"},
		{"10.0.0.0/4294967304", "over 32"}, /* 2^32 + 8: no wrap to 8 */
		{"2001:db8::/129", "over 128"},
		{"10.0.0.0/", "missing"},
		{"10.0.0.0/08", "leading zero"},
		{"10.0.0.0/00", "leading zero"},
		{"10.0.0.0/+8", "not a decimal"},
		{"10.0.0.0/-8", "not a decimal"},
		{"10.0.0.0/8 ", "not a decimal"},
		{"10.0.0.0/8/8", "not a decimal"},
		{"10.0.0.0/0x8", "not a decimal"},
		{"10.0.0.0 /8", "not an IPv4"},
		{"10.0.0", "not an IPv4"},
		{"10.0.0.256", "not an IPv4"},
		{"010.0.0.0/8", "not an IPv4"},
		{" 10.0.0.0", "not an IPv4"},
		{"10.0.0.0x", "not an IPv4"},
		{"host.example", "not an IPv4"},
		{"2001:db8:::/32", "not an IPv6"},
		{"fe80::1%eth0", "not an IPv6"},
		{"10.0.0.1:80", "not an IPv6"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_cidr_t c, zero = {0};
		memset(&c, 0xa5, sizeof(c));
		char err[128] = "";
		assert_int_equal(sl_cidr_parse(bad[i].in, &c, err, sizeof(err)), -1);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': reason '%s' should say '%s'", bad[i].in, err, bad[i].why);
		assert_memory_equal(&c, &zero, sizeof(c));
	}
}

/* At most SL_CIDR_TEXT_MAX bytes are read: a text without a NUL in them is
 * refused, and the bytes after them (here: not ours to read) are never
 * touched (ASan would stop the test). */
static void test_length_bound(void **state)
{
	(void)state;
	char *text = malloc(SL_CIDR_TEXT_MAX);
	assert_non_null(text);
	memset(text, '1', SL_CIDR_TEXT_MAX);
	sl_cidr_t c;
	char err[128];
	assert_int_equal(sl_cidr_parse(text, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	/* 63 characters and the NUL fit the bound: refused for what they say. */
	text[SL_CIDR_TEXT_MAX - 1] = '\0';
	assert_int_equal(sl_cidr_parse(text, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an IPv4"));
	free(text);
	/* A reason cut to a small buffer stays a terminated string. */
	char small[8];
	assert_int_equal(sl_cidr_parse("10.1.2.3/24", &c, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_contains(void **state)
{
	(void)state;
	sl_cidr_t c;
	char err[128];
	assert_int_equal(sl_cidr_parse("10.1.0.0/17", &c, err, sizeof(err)), 0);
	const uint8_t in[4] = {10, 1, 127, 255}, out[4] = {10, 1, 128, 0}, other[4] = {11, 1, 0, 0};
	assert_true(sl_cidr_contains(&c, 4, in));
	assert_false(sl_cidr_contains(&c, 4, out));
	assert_false(sl_cidr_contains(&c, 4, other));
	uint8_t v6[16] = {10, 1, 0, 0};
	assert_false(sl_cidr_contains(&c, 6, v6)); /* the other family: nothing */

	assert_int_equal(sl_cidr_parse("0.0.0.0/0", &c, err, sizeof(err)), 0);
	assert_true(sl_cidr_contains(&c, 4, other));
	assert_int_equal(sl_cidr_parse("10.1.2.3", &c, err, sizeof(err)), 0);
	const uint8_t host[4] = {10, 1, 2, 3}, next[4] = {10, 1, 2, 2};
	assert_true(sl_cidr_contains(&c, 4, host));
	assert_false(sl_cidr_contains(&c, 4, next));

	assert_int_equal(sl_cidr_parse("2001:db8:8000::/33", &c, err, sizeof(err)), 0);
	uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, 0x80, 0x00, 0xff};
	assert_true(sl_cidr_contains(&c, 6, a));
	a[4] = 0x7f;
	assert_false(sl_cidr_contains(&c, 6, a));
	assert_false(sl_cidr_contains(&c, 4, a));
	assert_int_equal(sl_cidr_parse("::/0", &c, err, sizeof(err)), 0);
	assert_true(sl_cidr_contains(&c, 6, a));
	assert_int_equal(sl_cidr_parse("2001:db8::1", &c, err, sizeof(err)), 0);
	uint8_t h[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	assert_true(sl_cidr_contains(&c, 6, h));
	h[15] = 3;
	assert_false(sl_cidr_contains(&c, 6, h));
}

/* sl_addr: a host address alone, either family: parsed (not a prefix, not
 * the unspecified address), written, compared with its family, and to and
 * from socket addresses (an IPv4-mapped IPv6 one is the IPv4 address). */
static void test_addr(void **state)
{
	(void)state;
	sl_addr_t a, b;
	char err[128], s[SL_ADDR_STR_SZ];
	assert_int_equal(sl_addr_parse("10.1.2.3", &a, err, sizeof(err)), 0);
	assert_int_equal(a.family, 4);
	assert_memory_equal(a.b, ((uint8_t[16]){10, 1, 2, 3}), 16);
	sl_addr_str(&a, s);
	assert_string_equal(s, "10.1.2.3");
	assert_int_equal(sl_addr_parse("2001:db8::1", &b, err, sizeof(err)), 0);
	assert_int_equal(b.family, 6);
	sl_addr_str(&b, s);
	assert_string_equal(s, "2001:db8::1");
	assert_false(sl_addr_eq(&a, &b));
	/* the same bytes, the other family: another address */
	const sl_addr_t a6 = sl_addr_make(6, a.b);
	assert_false(sl_addr_eq(&a, &a6));
	assert_true(sl_addr_eq(&a, &(sl_addr_t){4, {10, 1, 2, 3}}));
	static const char *const bad[][2] = {
		{"10.1.2.3/32", "not a prefix"}, {"2001:db8::1/128", "not a prefix"},
		{"0.0.0.0", "unspecified"},      {"::", "unspecified"},
		{"10.1.2", "not an IPv4"},       {"", "empty"},
		{"fe80::1%eth0", "not an IPv6"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.family = 9;
		assert_int_equal(sl_addr_parse(bad[i][0], &a, err, sizeof(err)), -1);
		assert_int_equal(a.family, 0);
		if (strstr(err, bad[i][1]) == NULL)
			fail_msg("'%s': '%s' does not say '%s'", bad[i][0], err, bad[i][1]);
	}

	struct sockaddr_storage ss;
	assert_int_equal(sl_addr_parse("10.1.2.3", &a, err, sizeof(err)), 0);
	assert_int_equal(sl_addr_sockaddr(&a, 8005, &ss), sizeof(struct sockaddr_in));
	const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 8005);
	assert_int_equal(sl_addr_of_sockaddr(&ss, &b), 0);
	assert_true(sl_addr_eq(&a, &b));
	assert_int_equal(sl_addr_parse("2001:db8::1", &a, err, sizeof(err)), 0);
	assert_int_equal(sl_addr_sockaddr(&a, 9, &ss), sizeof(struct sockaddr_in6));
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
	assert_int_equal(in6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 9);
	assert_memory_equal(&in6->sin6_addr, a.b, 16);
	assert_int_equal(sl_addr_of_sockaddr(&ss, &b), 0);
	assert_true(sl_addr_eq(&a, &b));
	/* ::ffff:10.1.2.3, as a dual-stack socket reports an IPv4 sender */
	assert_int_equal(sl_addr_parse("::ffff:10.1.2.3", &a, err, sizeof(err)), 0);
	assert_int_equal(sl_addr_sockaddr(&a, 9, &ss), sizeof(struct sockaddr_in6));
	assert_int_equal(sl_addr_of_sockaddr(&ss, &b), 0);
	assert_true(sl_addr_eq(&b, &(sl_addr_t){4, {10, 1, 2, 3}}));
	ss.ss_family = AF_UNIX;
	assert_int_equal(sl_addr_of_sockaddr(&ss, &b), -1);
	char ap[SL_ADDR_PORT_STR_SZ];
	sl_addr_port_str(&(sl_addr_t){4, {10, 1, 2, 3}}, 9464, ap);
	assert_string_equal(ap, "10.1.2.3:9464");
	sl_addr_port_str(&(sl_addr_t){6, {[15] = 1}}, 65535, ap);
	assert_string_equal(ap, "[::1]:65535");

	/* link-local: fe80::/10 only, IPv6 only */
	static const char *const ll[] = {"fe80::1", "febf:ffff::1"}, *const not_ll[] = {
		"fec0::1", "fe7f::1", "fd00::1", "2001:db8::1", "254.128.0.1"};
	for (size_t i = 0; i < sizeof(ll) / sizeof(ll[0]); i++) {
		assert_int_equal(sl_addr_parse(ll[i], &a, err, sizeof(err)), 0);
		assert_true(sl_addr_link_local(&a));
	}
	for (size_t i = 0; i < sizeof(not_ll) / sizeof(not_ll[0]); i++) {
		assert_int_equal(sl_addr_parse(not_ll[i], &a, err, sizeof(err)), 0);
		assert_false(sl_addr_link_local(&a));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
