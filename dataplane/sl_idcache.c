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

_Static_assert(sizeof(sl_idcache_t) == SL_CACHE_LINE, "footprint in sl_idcache.h");

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
	return sizeof(sl_idcache_t) + slots * sizeof(uint64_t) + slots / SL_IDCACHE_WAYS;
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

void sl_idcache_insert(sl_idcache_t *c, uint64_t key)
{
	if (key == 0 || sl_idcache_contains(c, key))
		return;
	uint64_t i = sl_idcache_index(c, key);
	c->bucket[i][c->next[i]] = key;
	c->next[i] = (uint8_t)((c->next[i] + 1) % SL_IDCACHE_WAYS);
}

unsigned sl_idcache_lookup_burst(const sl_idcache_t *c, const uint64_t *keys, unsigned n,
				 uint8_t *hit)
{
	for (unsigned i = 0; i < n; i++)
		sl_idcache_prefetch(c, keys[i]);
	unsigned hits = 0;
	for (unsigned i = 0; i < n; i++) {
		hit[i] = (uint8_t)sl_idcache_contains(c, keys[i]);
		hits += hit[i];
	}
	return hits;
}
