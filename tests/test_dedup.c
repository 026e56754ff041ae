/* sl_dedup: exactness inside the window, eviction order, the window figure,
 * burst == sequential against a reference model, memory contract, tags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sl_dedup.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* splitmix64's output function is a bijection of the counter: distinct tags. */
static uint64_t distinct_tag(uint64_t i)
{
	uint64_t s = i - 0x9E3779B97F4A7C15ull;
	return splitmix64(&s);
}

static void *cache_mem(uint64_t capacity)
{
	size_t bytes = sl_dedup_footprint(capacity);
	assert_true(bytes > 0);
	void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	assert_non_null(mem);
	return mem;
}

static void test_footprint(void **state)
{
	(void)state;
	assert_int_equal(sl_dedup_footprint(0), 0);
	assert_int_equal(sl_dedup_footprint(SL_DEDUP_CAPACITY_MIN - 1), 0);
	assert_int_equal(sl_dedup_footprint((uint64_t)SL_DEDUP_CAPACITY_MAX + 1), 0);
	assert_int_equal(sl_dedup_footprint(UINT64_MAX), 0);
	/* 256 + 16 * capacity + 8 * (smallest power of two >= 2 * capacity) */
	assert_int_equal(sl_dedup_footprint(16), 256 + 16 * 16 + 8 * 32);
	assert_int_equal(sl_dedup_footprint(17), 256 + 16 * 17 + 8 * 64);
	assert_int_equal(sl_dedup_footprint(1000), 256 + 16 * 1000 + 8 * 2048);
	assert_int_equal(sl_dedup_footprint(1u << 24), 256 + (32ull << 24));
	assert_int_equal(sl_dedup_footprint(SL_DEDUP_CAPACITY_MAX),
			 256 + 32ull * SL_DEDUP_CAPACITY_MAX);
}

static void test_new_rejects_bad_arguments(void **state)
{
	(void)state;
	void *mem = cache_mem(64);
	assert_null(sl_dedup_new(mem, 0, 1));
	assert_null(sl_dedup_new(mem, SL_DEDUP_CAPACITY_MIN - 1, 1));
	assert_null(sl_dedup_new(mem, (uint64_t)SL_DEDUP_CAPACITY_MAX + 1, 1));
	assert_null(sl_dedup_new(NULL, 64, 1));
	assert_null(sl_dedup_new((char *)mem + 8, 32, 1));
	assert_null(sl_dedup_new((char *)mem + 32, 32, 1));

	sl_dedup_t *d = sl_dedup_new(mem, 64, 1);
	assert_ptr_equal(d, mem);
	assert_int_equal(sl_dedup_capacity(d), 64);
	assert_int_equal(sl_dedup_count(d), 0);
	assert_int_equal(sl_dedup_window(d, 12345), 0);
	sl_dedup_destroy(d); /* caller memory: must leave it alone */
	assert_int_equal(sl_dedup_insert(d, 42, 0), 1);
	free(mem);
}

/* Every tag of the last `capacity` is reported seen, no fresh or evicted one
 * is reported seen, over several capacities (powers of two and not). */
static void test_exact_inside_window(void **state)
{
	(void)state;
	static const uint64_t caps[] = {16, 17, 100, 1000, 4096, 65536, 100003};
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint64_t cap = caps[c];
		void *mem = cache_mem(cap);
		sl_dedup_t *d = sl_dedup_new(mem, cap, 0x1234 + c);
		assert_non_null(d);
		uint64_t total = 3 * cap + 7;
		for (uint64_t i = 0; i < total; i++) {
			assert_int_equal(sl_dedup_insert(d, distinct_tag(i), i), 1);
			/* a recent tag (still inside the window) is a duplicate */
			uint64_t back = (i * 7919) % (i + 1 < cap ? i + 1 : cap);
			assert_int_equal(sl_dedup_insert(d, distinct_tag(i - back), i), 0);
		}
		assert_int_equal(sl_dedup_count(d), cap);
		for (uint64_t i = total - cap; i < total; i++)
			assert_int_equal(sl_dedup_insert(d, distinct_tag(i), 0), 0);
		/* Each of these evicts one more of the window's oldest, never one of
		 * the tags still to be checked (those are older than the window). */
		for (uint64_t i = 0; i < total - cap && i < cap; i++)
			assert_int_equal(sl_dedup_insert(d, distinct_tag(i), 0), 1);
		free(mem);
	}
}

/* After capacity + k distinct inserts exactly the first k are forgotten, and
 * seeing a tag again does not make it younger. */
static void test_eviction_order(void **state)
{
	(void)state;
	const uint64_t cap = 50, k = 13;
	void *mem = cache_mem(cap);
	sl_dedup_t *d = sl_dedup_new(mem, cap, 99);
	for (uint64_t i = 0; i < cap + k; i++) {
		assert_int_equal(sl_dedup_insert(d, distinct_tag(i), i), 1);
		/* re-seeing the very first tags keeps them oldest */
		if (i >= 1 && i < k)
			assert_int_equal(sl_dedup_insert(d, distinct_tag(0), i), 0);
		assert_int_equal(sl_dedup_count(d), i + 1 < cap ? i + 1 : cap);
	}
	for (uint64_t i = k; i < cap + k; i++)
		assert_int_equal(sl_dedup_insert(d, distinct_tag(i), 0), 0);
	for (uint64_t i = 0; i < k; i++)
		assert_int_equal(sl_dedup_insert(d, distinct_tag(i), 0), 1);
	free(mem);
}

static void test_window(void **state)
{
	(void)state;
	const uint64_t cap = 16;
	void *mem = cache_mem(cap);
	sl_dedup_t *d = sl_dedup_new(mem, cap, 7);
	assert_int_equal(sl_dedup_window(d, 1000), 0);
	/* insertion i happens at time 100 + 10 i */
	for (uint64_t i = 0; i < cap; i++) {
		sl_dedup_insert(d, distinct_tag(i), 100 + 10 * i);
		assert_int_equal(sl_dedup_window(d, 1000), 900);
	}
	/* a duplicate neither inserts nor changes the window */
	assert_int_equal(sl_dedup_insert(d, distinct_tag(0), 5000), 0);
	assert_int_equal(sl_dedup_window(d, 5000), 4900);
	for (uint64_t i = cap; i < 3 * cap; i++) {
		sl_dedup_insert(d, distinct_tag(i), 100 + 10 * i);
		uint64_t oldest = i + 1 - cap;
		assert_int_equal(sl_dedup_window(d, 100000), 100000 - (100 + 10 * oldest));
	}
	/* the same through the burst call, all at one time */
	uint64_t tags[cap];
	uint8_t is_new[cap];
	for (uint64_t i = 0; i < cap; i++)
		tags[i] = distinct_tag(1000 + i);
	assert_int_equal(sl_dedup_insert_burst(d, tags, cap, 777777, is_new), cap);
	assert_int_equal(sl_dedup_window(d, 800000), 800000 - 777777);
	free(mem);
}

/* Reference: a FIFO of the last `cap` distinct tags, searched linearly. */
struct model {
	uint64_t *fifo;
	uint64_t cap, count, next;
};

static int model_insert(struct model *m, uint64_t tag)
{
	for (uint64_t i = 0; i < m->count; i++)
		if (m->fifo[i] == tag)
			return 0;
	m->fifo[m->next] = tag;
	m->next = (m->next + 1) % m->cap;
	if (m->count < m->cap)
		m->count++;
	return 1;
}

/* Random bursts over a small pool of tags (lots of duplicates, evictions, long
 * probe chains, tag 0 included): the burst call, single inserts and the model
 * give the same answers. */
static void test_burst_matches_sequential_and_model(void **state)
{
	(void)state;
	static const uint64_t caps[] = {16, 37, 256, 1000};
	uint64_t rng = 2024;
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint64_t cap = caps[c];
		void *mem_b = cache_mem(cap), *mem_s = cache_mem(cap);
		sl_dedup_t *burst = sl_dedup_new(mem_b, cap, 5);
		sl_dedup_t *seq = sl_dedup_new(mem_s, cap, 5);
		struct model m = {.fifo = calloc(cap, sizeof(uint64_t)), .cap = cap};
		assert_non_null(m.fifo);
		uint64_t pool = 3 * cap;
		for (int round = 0; round < 2000; round++) {
			uint64_t tags[64];
			uint8_t is_new[64];
			unsigned n = (unsigned)(splitmix64(&rng) % 65);
			for (unsigned i = 0; i < n; i++) {
				uint64_t r = splitmix64(&rng) % pool;
				tags[i] = r == 0 ? 0 : distinct_tag(r);
			}
			uint64_t now = (uint64_t)round;
			unsigned fresh = sl_dedup_insert_burst(burst, tags, n, now, is_new);
			unsigned expect_fresh = 0;
			for (unsigned i = 0; i < n; i++) {
				int want = model_insert(&m, tags[i]);
				assert_int_equal(sl_dedup_insert(seq, tags[i], now), want);
				assert_int_equal(is_new[i], want);
				expect_fresh += (unsigned)want;
			}
			assert_int_equal(fresh, expect_fresh);
			assert_int_equal(sl_dedup_count(burst), m.count);
			assert_int_equal(sl_dedup_window(burst, 1u << 20),
					 sl_dedup_window(seq, 1u << 20));
		}
		free(m.fifo);
		free(mem_b);
		free(mem_s);
	}
}

static void test_burst_in_burst_duplicates(void **state)
{
	(void)state;
	void *mem = cache_mem(16);
	sl_dedup_t *d = sl_dedup_new(mem, 16, 3);
	const uint64_t tags[] = {5, 7, 5, 5, 0, 9, 7, 0, 11};
	const uint8_t want[] = {1, 1, 0, 0, 1, 1, 0, 0, 1};
	uint8_t is_new[9];
	assert_int_equal(sl_dedup_insert_burst(d, tags, 9, 0, is_new), 5);
	assert_memory_equal(is_new, want, sizeof(want));
	assert_int_equal(sl_dedup_insert_burst(d, tags, 9, 0, is_new), 0);
	assert_int_equal(sl_dedup_insert_burst(d, tags, 0, 0, is_new), 0);
	assert_int_equal(sl_dedup_count(d), 5);
	free(mem);
}

static void test_tag(void **state)
{
	(void)state;
	static const size_t lens[] = {0, 1, 3, 8, 16, 17, 128, 129, 240, 241, 256, 1232};
	uint8_t buf[1232];
	uint64_t rng = 77;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)splitmix64(&rng);

	void *mem_a = cache_mem(16), *mem_b = cache_mem(16);
	sl_dedup_t *a = sl_dedup_new(mem_a, 16, 0xDEADBEEF);
	sl_dedup_t *b = sl_dedup_new(mem_b, 16, 0xDEADBEF0);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];
		uint64_t t = sl_dedup_tag(a, buf, n);
		assert_int_equal(t, XXH3_64bits_withSeed(buf, n, 0xDEADBEEF));
		uint8_t copy[1232];
		memcpy(copy, buf, n);
		assert_int_equal(sl_dedup_tag(a, copy, n), t);
		assert_int_not_equal(sl_dedup_tag(b, buf, n), t);
		if (n > 0) {
			copy[n / 2] ^= 1;
			assert_int_not_equal(sl_dedup_tag(a, copy, n), t);
		}
	}
	free(mem_a);
	free(mem_b);
}

static void test_create_destroy(void **state)
{
	(void)state;
	assert_null(sl_dedup_create(0));
	assert_null(sl_dedup_create((uint64_t)SL_DEDUP_CAPACITY_MAX + 1));
	sl_dedup_destroy(NULL);

	sl_dedup_t *a = sl_dedup_create(1000);
	sl_dedup_t *b = sl_dedup_create(1000);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(((uintptr_t)a) & 63, 0);
	assert_int_equal(sl_dedup_capacity(a), 1000);
	assert_int_equal(sl_dedup_count(a), 0);
	/* random seeds: the same bytes get different tags in different caches */
	static const char txn[] = "the same transaction bytes";
	assert_int_not_equal(sl_dedup_tag(a, txn, sizeof(txn)), sl_dedup_tag(b, txn, sizeof(txn)));
	for (uint64_t i = 0; i < 2500; i++)
		assert_int_equal(sl_dedup_insert(a, distinct_tag(i), i), 1);
	assert_int_equal(sl_dedup_count(a), 1000);
	assert_int_equal(sl_dedup_window(a, 2500), 1000);
	sl_dedup_destroy(a);
	sl_dedup_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_footprint),
		cmocka_unit_test(test_new_rejects_bad_arguments),
		cmocka_unit_test(test_exact_inside_window),
		cmocka_unit_test(test_eviction_order),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_burst_matches_sequential_and_model),
		cmocka_unit_test(test_burst_in_burst_duplicates),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_create_destroy),
	};
	return cmocka_run_group_tests_name("sl_dedup", tests, NULL, NULL);
}
