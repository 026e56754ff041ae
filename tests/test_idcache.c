/* sl_idcache: no false hits (never-inserted keys, key 0, an empty cache),
 * oldest-first replacement in a bucket against a FIFO model, the last 8
 * insertions always present, the footprint (slots rounded up), a big cache holding
 * random and structured keys at half load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sl_idcache.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The burst lookup's answer, which the single one must give too. */
static int has(const sl_idcache_t *c, uint64_t key)
{
	uint8_t hit;
	unsigned n = sl_idcache_lookup_burst(c, &key, 1, &hit);
	assert_int_equal(n, hit);
	sl_idcache_prefetch(c, key);
	assert_int_equal(sl_idcache_contains(c, key), hit);
	return hit;
}

static void test_footprint(void **state)
{
	(void)state;
	assert_int_equal(sl_idcache_footprint(0), 0);
	assert_int_equal(sl_idcache_footprint((1ull << 30) + 1), 0);
	assert_null(sl_idcache_create(0));
	assert_int_equal(sl_idcache_footprint(1), 64 + 8 * 8 + 1);
	assert_int_equal(sl_idcache_footprint(1u << 20), 64 + (8u << 20) + (1u << 17));
	static const uint64_t cap[][2] = {{1, 8}, {8, 8}, {9, 16}, {1000, 1024}, {1024, 1024}};
	for (unsigned i = 0; i < sizeof(cap) / sizeof(cap[0]); i++) {
		sl_idcache_t *c = sl_idcache_create(cap[i][0]);
		assert_non_null(c);
		assert_int_equal(sl_idcache_footprint(cap[i][0]),
				 64 + 8 * cap[i][1] + cap[i][1] / 8);
		sl_idcache_destroy(c);
	}
	sl_idcache_destroy(NULL);
}

/* Empty ways hold 0: neither a fresh cache nor an inserted 0 may say yes. */
static void test_zero_never_present(void **state)
{
	(void)state;
	sl_idcache_t *c = sl_idcache_create(64);
	assert_false(has(c, 0));
	sl_idcache_insert(c, 0);
	assert_false(has(c, 0));
	uint64_t s = 1;
	for (unsigned i = 0; i < 64; i++)
		assert_false(has(c, splitmix64(&s)));
	sl_idcache_destroy(c);
}

/* One bucket (8 slots): exactly a FIFO of the last 8 distinct keys, and a
 * key inserted again while present keeps its place. */
static void test_one_bucket_is_a_fifo(void **state)
{
	(void)state;
	sl_idcache_t *c = sl_idcache_create(8);
	uint64_t fifo[8], s = 7, keys[40];
	unsigned nf = 0, head = 0;
	for (unsigned i = 0; i < 40; i++)
		keys[i] = splitmix64(&s);
	for (unsigned step = 0; step < 200; step++) {
		uint64_t k = keys[(step * 7 + step / 3) % 40];
		int in_model = 0;
		for (unsigned j = 0; j < nf; j++)
			in_model |= fifo[(head + j) % 8] == k;
		assert_int_equal(has(c, k), in_model);
		sl_idcache_insert(c, k);
		if (!in_model) {
			if (nf < 8)
				fifo[(head + nf++) % 8] = k;
			else
				fifo[head] = k, head = (head + 1) % 8;
		}
		uint8_t hit[40];
		unsigned expect = 0;
		for (unsigned i = 0; i < 40; i++) {
			int m = 0;
			for (unsigned j = 0; j < nf; j++)
				m |= fifo[(head + j) % 8] == keys[i];
			expect += (unsigned)m;
		}
		assert_int_equal(sl_idcache_lookup_burst(c, keys, 40, hit), expect);
		for (unsigned i = 0; i < 40; i++) {
			int m = 0;
			for (unsigned j = 0; j < nf; j++)
				m |= fifo[(head + j) % 8] == keys[i];
			assert_int_equal(hit[i], m);
		}
	}
	sl_idcache_destroy(c);
}

/* Whatever the bucket layout: the last 8 keys inserted are all present
 * (no bucket can have had 8 later insertions), and keys never inserted
 * are absent. */
static void test_recent_present_strangers_absent(void **state)
{
	(void)state;
	sl_idcache_t *c = sl_idcache_create(256);
	uint64_t s = 99, t = 12345, recent[8];
	for (unsigned i = 0; i < 5000; i++) {
		recent[i % 8] = splitmix64(&s);
		sl_idcache_insert(c, recent[i % 8]);
		for (unsigned j = 0; j < 8 && j <= i; j++)
			assert_true(has(c, recent[j]));
		assert_false(has(c, splitmix64(&t) | 1ull << 63 | 1)); /* another stream */
	}
	sl_idcache_destroy(c);
}

/* Half load: random and structured keys (multiples of 2^32, which need
 * the bucket hash to spread) stay nearly all present. */
static void test_half_load_holds(void **state)
{
	(void)state;
	for (unsigned structured = 0; structured < 2; structured++) {
		sl_idcache_t *c = sl_idcache_create(1u << 16);
		uint64_t s = 5, n = (1u << 16) / 2;
		for (uint64_t i = 1; i <= n; i++)
			sl_idcache_insert(c, structured ? i << 32 : splitmix64(&s));
		s = 5;
		uint64_t present = 0;
		for (uint64_t i = 1; i <= n; i++)
			present += (uint64_t)has(c, structured ? i << 32 : splitmix64(&s));
		assert_true(present * 100 >= n * 99);
		sl_idcache_destroy(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_footprint),
		cmocka_unit_test(test_zero_never_present),
		cmocka_unit_test(test_one_bucket_is_a_fifo),
		cmocka_unit_test(test_recent_present_strangers_absent),
		cmocka_unit_test(test_half_load_holds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
