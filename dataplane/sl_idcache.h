/* sl_idcache: "was a transaction with this id verified valid lately?"
 * (dataplane/README.md, "Dedup").
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

typedef struct sl_idcache sl_idcache_t;

#define SL_IDCACHE_WAYS 8u

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

/* hit[i] = 1 when keys[i] is present; the n buckets are prefetched first.
 * Returns the number of hits. */
unsigned sl_idcache_lookup_burst(const sl_idcache_t *c, const uint64_t *keys, unsigned n,
				 uint8_t *hit);

#endif
