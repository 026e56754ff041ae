/* sl_dedup: bounded "have I seen these bytes?" cache (ARCHITECTURE.md,
 * "Dedup").
 *
 * Contract: a tag is a keyed 64-bit XXH3 of the whole transaction; the key
 * (a seed, and XXH3's 192-byte secret derived from it) is per cache (random
 * unless the caller fixes it, e.g. in tests), so nobody outside the process
 * can aim collisions. The cache remembers the last
 * `capacity` distinct tags exactly (a ring in arrival order plus an
 * open-addressed index); inserting into a full cache evicts the oldest tag.
 * All memory is sized by sl_dedup_footprint() and taken at creation; nothing
 * is allocated afterwards. Single writer: one cache per dedup shard/lcore.
 * `now` is any monotonic clock the caller chooses (TSC ticks, ns); the cache
 * only stores and subtracts it. */
#ifndef SL_DEDUP_H
#define SL_DEDUP_H

#include <stddef.h>
#include <stdint.h>

typedef struct sl_dedup sl_dedup_t;

#define SL_DEDUP_CAPACITY_MIN 16u
#define SL_DEDUP_CAPACITY_MAX (1u << 30)

/* Bytes of memory a cache of `capacity` tags uses (0 if out of range):
 * exactly 256 + 16 * capacity (the ring: tag and time) + 8 * 2^k (the index,
 * 2^k = smallest power of two >= 2 * capacity); for a power-of-two capacity
 * that is 256 + 32 * capacity, e.g. 512 MiB + 256 B for 16M tags. */
size_t sl_dedup_footprint(uint64_t capacity);

/* Build a cache in caller-provided memory (footprint bytes, 64-byte aligned).
 * Returns NULL on a bad capacity or alignment. */
sl_dedup_t *sl_dedup_new(void *mem, uint64_t capacity, uint64_t seed);

/* Convenience: allocate (mmap, 2 MiB huge pages when the system has them,
 * else transparent huge pages if allowed) and build; seed from getrandom().
 * NULL on a bad capacity or when memory or randomness is not available.
 * sl_dedup_destroy unmaps what create mapped; on a cache built by
 * sl_dedup_new it does nothing (the caller owns that memory). */
sl_dedup_t *sl_dedup_create(uint64_t capacity);
void sl_dedup_destroy(sl_dedup_t *d);

/* Over 64 bytes: XXH3's long-input kernel keyed with the derived secret,
 * at every length (XXH3_hashLong_64b_withSecret; above 240 bytes this is
 * XXH3_64bits_withSeed(buf, sz, seed)); up to 64 bytes, which no valid
 * transaction is: XXH3_64bits_withSeed. */
uint64_t sl_dedup_tag(const sl_dedup_t *d, const void *buf, size_t sz);

/* 1 when `tag` was not in the cache (it is now), 0 when it was. */
int sl_dedup_insert(sl_dedup_t *d, uint64_t tag, uint64_t now);

/* The same over a burst, with the index probes prefetched ahead: is_new[i]
 * is what sl_dedup_insert(d, tags[i], now) would return in order i = 0..n-1
 * (so the second copy of a tag inside one burst is a duplicate). Returns the
 * number of new tags. */
unsigned sl_dedup_insert_burst(sl_dedup_t *d, const uint64_t *tags, unsigned n,
			       uint64_t now, uint8_t *is_new);

/* Effective dedup window: now minus the insertion time of the oldest tag
 * still remembered (0 when empty). */
uint64_t sl_dedup_window(const sl_dedup_t *d, uint64_t now);

uint64_t sl_dedup_count(const sl_dedup_t *d);    /* tags remembered now */
uint64_t sl_dedup_capacity(const sl_dedup_t *d);

#endif
