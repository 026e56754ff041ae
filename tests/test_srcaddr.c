/* sl_srcaddr: IPv4 sources in mapped form, IPv6 sources masked to their
 * prefix (any host of a prefix is the prefix; a bad length is /64), the
 * families never confused, equality over address and length, the keyed
 * hash (spread, and moved by the key), the prefix a source stands for and
 * its text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sl_srcaddr.h"

/* 2001:db8:1:2:a:b:c:d */
static const uint8_t host6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0xa, 0, 0xb, 0, 0xc, 0, 0xd};

static void test_v4_is_mapped(void **state)
{
	(void)state;
	const uint8_t bytes[4] = {10, 99, 0, 7};
	sl_srcaddr_t a = sl_srcaddr_from_v4(sl_pkt_rd_le32(bytes));
	const uint8_t want[16] = {[10] = 0xff, [11] = 0xff, 10, 99, 0, 7};
	assert_memory_equal(a.b, want, 16);
	assert_int_equal(a.prefixlen, 32);
	assert_true(sl_srcaddr_is_v4(&a));
	sl_cidr_t c;
	sl_srcaddr_cidr(&a, &c);
	assert_int_equal(c.family, 4);
	assert_int_equal(c.prefixlen, 32);
	assert_memory_equal(c.addr, bytes, 4);
	assert_memory_equal(c.addr + 4, (uint8_t[12]){0}, 12);
	char s[SL_SRCADDR_STR_SZ];
	sl_srcaddr_str(&a, s);
	assert_string_equal(s, "10.99.0.7");
	a = sl_srcaddr_from_v4(0xffffffffu);
	sl_srcaddr_str(&a, s);
	assert_string_equal(s, "255.255.255.255");
}

static void test_v6_is_its_prefix(void **state)
{
	(void)state;
	sl_srcaddr_t a = sl_srcaddr_from_v6(host6, 64);
	const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2};
	assert_memory_equal(a.b, want, 16);
	assert_int_equal(a.prefixlen, 64);
	assert_false(sl_srcaddr_is_v4(&a));
	char s[SL_SRCADDR_STR_SZ];
	sl_srcaddr_str(&a, s);
	assert_string_equal(s, "2001:db8:1:2::/64");
	sl_cidr_t c;
	sl_srcaddr_cidr(&a, &c);
	assert_int_equal(c.family, 6);
	assert_int_equal(c.prefixlen, 64);
	assert_memory_equal(c.addr, want, 16);
	assert_true(sl_cidr_contains(&c, 6, host6));

	/* another host of the /64 is the same source; of the next /64 not */
	uint8_t other[16];
	memcpy(other, host6, 16);
	other[15] ^= 0xff;
	other[8] = 0x80;
	sl_srcaddr_t b = sl_srcaddr_from_v6(other, 64);
	assert_true(sl_srcaddr_eq(&a, &b));
	other[7] ^= 1;
	b = sl_srcaddr_from_v6(other, 64);
	assert_false(sl_srcaddr_eq(&a, &b));

	/* a length that is not a whole byte: /60 keeps 4 bits of byte 7 */
	a = sl_srcaddr_from_v6(host6, 60);
	sl_srcaddr_str(&a, s);
	assert_string_equal(s, "2001:db8:1::/60");
	b = sl_srcaddr_from_v6(other, 60);
	assert_true(sl_srcaddr_eq(&a, &b)); /* 2001:db8:1:3:: is in the same /60 */
	/* the same bytes under another length: another source */
	b = sl_srcaddr_from_v6(host6, 64);
	assert_false(sl_srcaddr_eq(&a, &b));

	/* /128: the host itself; the longest text */
	a = sl_srcaddr_from_v6(host6, 128);
	sl_srcaddr_str(&a, s);
	assert_string_equal(s, "2001:db8:1:2:a:b:c:d/128");
	uint8_t ones[16];
	memset(ones, 0xff, sizeof(ones));
	a = sl_srcaddr_from_v6(ones, 128);
	sl_srcaddr_str(&a, s);
	assert_string_equal(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");

	/* no length, or one past 128, is the prefilter's default /64, never
	 * a /0 that makes every IPv6 client one source */
	sl_srcaddr_t d = sl_srcaddr_from_v6(host6, 64);
	a = sl_srcaddr_from_v6(host6, 0);
	assert_true(sl_srcaddr_eq(&a, &d));
	a = sl_srcaddr_from_v6(host6, 129);
	assert_true(sl_srcaddr_eq(&a, &d));
	a = sl_srcaddr_from_v6(host6, 1);
	assert_int_equal(a.prefixlen, 1);
	assert_int_equal(a.b[0], 0);
}

/* The families are told apart by the length as well as the bytes: an IPv6
 * source at a mapped address is never an IPv4 source. */
static void test_families_apart(void **state)
{
	(void)state;
	const uint8_t v4b[4] = {10, 0, 0, 1};
	const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1};
	sl_srcaddr_t a4 = sl_srcaddr_from_v4(sl_pkt_rd_le32(v4b));
	sl_srcaddr_t m128 = sl_srcaddr_from_v6(mapped, 128);
	assert_memory_equal(a4.b, m128.b, 16);
	assert_false(sl_srcaddr_eq(&a4, &m128));
	assert_false(sl_srcaddr_is_v4(&m128));
	char s[SL_SRCADDR_STR_SZ];
	sl_srcaddr_str(&m128, s);
	assert_string_equal(s, "::ffff:10.0.0.1/128");
	/* masked to 32 bits it loses its ffff: no IPv4 look either */
	sl_srcaddr_t m32 = sl_srcaddr_from_v6(mapped, 32);
	assert_int_equal(m32.prefixlen, 32);
	assert_false(sl_srcaddr_is_v4(&m32));
	sl_srcaddr_str(&m32, s);
	assert_string_equal(s, "::/32");
	/* an IPv6 /32 is an IPv6 source, not an IPv4 one */
	sl_srcaddr_t p32 = sl_srcaddr_from_v6(host6, 32);
	assert_false(sl_srcaddr_is_v4(&p32));
	sl_cidr_t c;
	sl_srcaddr_cidr(&p32, &c);
	assert_int_equal(c.family, 6);
	assert_int_equal(c.prefixlen, 32);
}

/* Sources spread over the sets (as sl_srcdrops picks them: the top 10
 * bits), IPv4 addresses in a row and IPv6 /64s in a row alike; another key
 * sends them to other sets. */
static void test_hash(void **state)
{
	(void)state;
	enum { SETS = 1024, N = 16 * SETS };
	static unsigned per_set[2][SETS];
	memset(per_set, 0, sizeof(per_set));
	unsigned moved = 0;
	for (uint32_t k = 0; k < N; k++) {
		const uint8_t b4[4] = {10, (uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k};
		uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, (uint8_t)(k >> 8), (uint8_t)k, 9, 9};
		sl_srcaddr_t a[2] = {sl_srcaddr_from_v4(sl_pkt_rd_le32(b4)), sl_srcaddr_from_v6(b6, 64)};
		for (unsigned f = 0; f < 2; f++) {
			unsigned set = sl_srcaddr_hash(&a[f], 0x5eed1234u) >> 22;
			per_set[f][set]++;
			moved += set != sl_srcaddr_hash(&a[f], 0x5eed1235u) >> 22;
		}
		/* the same source, the same hash */
		sl_srcaddr_t again = sl_srcaddr_from_v6(b6, 64);
		assert_int_equal(sl_srcaddr_hash(&again, 1), sl_srcaddr_hash(&a[1], 1));
	}
	/* 16 a set on average; a uniform spread stays well within 2 to 40 */
	for (unsigned f = 0; f < 2; f++)
		for (unsigned s = 0; s < SETS; s++) {
			if (per_set[f][s] < 2 || per_set[f][s] > 40)
				fail_msg("family %u: set %u holds %u of %u sources", f ? 6 : 4, s,
					 per_set[f][s], N);
		}
	/* a key one bit apart moves nearly every source (1 in 1024 stays) */
	assert_true(moved > 2 * N * 99 / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_is_mapped),
		cmocka_unit_test(test_v6_is_its_prefix),
		cmocka_unit_test(test_families_apart),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
