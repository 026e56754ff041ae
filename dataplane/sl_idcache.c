/* sl_idcache: buckets of 8 keys in one cache line, so a lookup is one line
 * and eight compares (vectorised), with no probe chain to follow and no
 * eviction bookkeeping beyond a per-bucket cursor that only insertions
 * touch. Lossy on purpose: it only has to be fast for the duplicates of
 * transactions that were just forwarded, the bulk of gossip traffic; the
 * exact sl_dedup behind it answers for everything else. */
#include "sl_idcache.h"

#include <string.h>

#include "sl_bigmem.h"
#include "sluice/sl_compiler.h"

struct sl_idcache {
	uint64_t (*bucket)[SL_IDCACHE_WAYS];
	uint8_t *next; /* per bucket: the way the next insertion takes */
	uint64_t slots;
	unsigned shift; /* 64 - log2(buckets) */
	uint8_t pad[SL_CACHE_LINE - 2 * sizeof(void *) - sizeof(uint64_t) - sizeof(unsigned)];
};

_Static_assert(sizeof(struct sl_idcache) == SL_CACHE_LINE, "footprint in sl_idcache.h");

static uint64_t slots_for(uint64_t capacity)
{
	uint64_t slots = SL_IDCACHE_WAYS;
	while (slots < capacity)
		slots <<= 1;
	return slots;
}

size_t sl_idcache_footprint(uint64_t capacity)
{
	if (capacity == 0 || capacity > (1ull << 30))
		return 0;
	uint64_t slots = slots_for(capacity);
	return sizeof(struct sl_idcache) + slots * sizeof(uint64_t) + slots / SL_IDCACHE_WAYS;
}

sl_idcache_t *sl_idcache_create(uint64_t capacity)
{
	size_t bytes = sl_idcache_footprint(capacity);
	if (bytes == 0)
		return NULL;
	uint8_t *mem = sl_bigmem_map(bytes);
	if (!mem)
		return NULL;
	/* every page taken now, not on the fast path */
	memset(mem, 0, bytes);
	sl_idcache_t *c = (sl_idcache_t *)mem;
	c->slots = slots_for(capacity);
	c->bucket = (uint64_t (*)[SL_IDCACHE_WAYS])(mem + sizeof(*c));
	c->next = mem + sizeof(*c) + c->slots * sizeof(uint64_t);
	c->shift = 64u - (unsigned)__builtin_ctzll(c->slots / SL_IDCACHE_WAYS);
	return c;
}

void sl_idcache_destroy(sl_idcache_t *c)
{
	if (c)
		sl_bigmem_unmap(c, sl_idcache_footprint(c->slots));
}

/* Fibonacci hashing, as sl_dedup: structured keys (tests, counters) spread
 * too. With one bucket the shift is 64, which C leaves undefined. */
static inline uint64_t bucket_of(const sl_idcache_t *c, uint64_t key)
{
	return c->shift == 64 ? 0 : (key * 0x9E3779B97F4A7C15ull) >> c->shift;
}

static inline unsigned present(const uint64_t *b, uint64_t key)
{
	unsigned hit = 0;
	for (unsigned k = 0; k < SL_IDCACHE_WAYS; k++)
		hit |= b[k] == key;
	return hit;
}

void sl_idcache_insert(sl_idcache_t *c, uint64_t key)
{
	uint64_t i = bucket_of(c, key);
	if (key == 0 || present(c->bucket[i], key))
		return;
	c->bucket[i][c->next[i]] = key;
	c->next[i] = (uint8_t)((c->next[i] + 1) % SL_IDCACHE_WAYS);
}

unsigned sl_idcache_lookup_burst(const sl_idcache_t *c, const uint64_t *keys, unsigned n,
				 uint8_t *hit)
{
	for (unsigned i = 0; i < n; i++)
		__builtin_prefetch(c->bucket[bucket_of(c, keys[i])], 0);
	unsigned hits = 0;
	for (unsigned i = 0; i < n; i++) {
		/* an empty way holds 0, which no stored key is */
		hit[i] = (uint8_t)(present(c->bucket[bucket_of(c, keys[i])], keys[i]) & (keys[i] != 0));
		hits += hit[i];
	}
	return hits;
}
