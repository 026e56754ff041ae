/* sl_idcache: "was a transaction with this id verified valid lately?"
 * (dataplane/README.md, "The path of a packet").
 *
 * Contract: a lossy set of 64-bit keys (keyed tags of transaction ids, so
 * nobody outside the process can aim them at one bucket). A key that was
 * never inserted is never reported present; an inserted one stays until 8
 * later insertions land in its bucket (buckets of 8 ways, one cache line,
 * replaced oldest first). So it is exact for a recent window and forgetful
 * beyond it: callers must keep an exact cache behind it (sl_dedup). Key 0 is
 * never stored (lookups of it miss). All memory is sized by
 * sl_idcache_footprint() and taken at creation. Single writer; lookups from
 * the writer's lcore. */
#ifndef SL_IDCACHE_H
#define SL_IDCACHE_H

#include <stddef.h>
#include <stdint.h>

#define SL_IDCACHE_WAYS 8u

/* Fields are private; here so that the per-packet check inlines. */
typedef struct sl_idcache {
	uint64_t (*bucket)[SL_IDCACHE_WAYS];
	uint8_t *next; /* per bucket: the way the next insertion takes */
	uint64_t slots;
	unsigned shift; /* 64 - log2(buckets), 64 for one bucket */
} __attribute__((aligned(64))) sl_idcache_t;

/* Bytes for at least `capacity` keys (0 when capacity is 0 or above 2^30):
 * 64 + 8 * slots + slots / 8, where slots is the smallest power of two
 * >= capacity and >= 8: 8 bytes a key, one byte a bucket for its cursor.
 * E.g. 8 MiB + 128 KiB + 64 B for 1M keys. */
size_t sl_idcache_footprint(uint64_t capacity);

/* Allocate (sl_bigmem) and build; NULL on a bad capacity or no memory. */
sl_idcache_t *sl_idcache_create(uint64_t capacity);
void sl_idcache_destroy(sl_idcache_t *c);

/* Add `key` (nothing when present or 0), evicting its bucket's oldest. */
void sl_idcache_insert(sl_idcache_t *c, uint64_t key);

/* Fibonacci hashing: structured keys (tests, counters) spread too. With
 * one bucket the shift is 64, which C leaves undefined. */
static inline uint64_t sl_idcache_index(const sl_idcache_t *c, uint64_t key)
{
	return c->shift == 64 ? 0 : (key * 0x9E3779B97F4A7C15ull) >> c->shift;
}

static inline const uint64_t *sl_idcache_bucket(const sl_idcache_t *c, uint64_t key)
{
	return c->bucket[sl_idcache_index(c, key)];
}

/* Start fetching the line sl_idcache_contains(c, key) will read. */
static inline void sl_idcache_prefetch(const sl_idcache_t *c, uint64_t key)
{
	__builtin_prefetch(sl_idcache_bucket(c, key), 0);
}

/* 1 when `key` is present: one line, eight compares. */
static inline int sl_idcache_contains(const sl_idcache_t *c, uint64_t key)
{
	const uint64_t *b = sl_idcache_bucket(c, key);
	unsigned hit = 0;
	for (unsigned k = 0; k < SL_IDCACHE_WAYS; k++)
		hit |= b[k] == key;
	/* an empty way holds 0, which no stored key is */
	return (int)(hit & (key != 0));
}

/* hit[i] = sl_idcache_contains(c, keys[i]), the n buckets prefetched first.
 * Returns the number of hits. */
unsigned sl_idcache_lookup_burst(const sl_idcache_t *c, const uint64_t *keys, unsigned n,
				 uint8_t *hit);

#endif
