/* sl_dedup: ring of (tag, time) in arrival order + linear-probing index.
 *
 * The index holds full 64-bit tags, 0 meaning an empty slot, in 2^k slots
 * with 2^k >= 2 * capacity, so probe chains stay short (load <= 0.5) and a
 * lookup rarely leaves the slot's cache line. Tag 0 cannot live in the index;
 * it is remembered by a flag instead, which keeps the cache exact over all
 * 2^64 tags at the cost of one predictable branch.
 *
 * Eviction removes the oldest tag from the index with backward-shift deletion
 * (Knuth 6.4, algorithm R): later members of the chain move back into the hole,
 * so there are no tombstones and chains never grow with age.
 *
 * At millions of entries every probe is a cache and TLB miss; the burst call
 * first prefetches the home slots of all tags it will look up and of all the
 * oldest tags it may evict, so those misses overlap instead of queueing. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sl_dedup.h"

#include "sl_bigmem.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "sluice/sl_compiler.h"

struct sl_dedup_entry {
	uint64_t tag;
	uint64_t time;
};

struct sl_dedup {
	/* XXH3's secret derived from the seed once, instead of on every long tag. */
	unsigned char secret[XXH3_SECRET_DEFAULT_SIZE] SL_ALIGNED(64);
	struct sl_dedup_entry *ring; /* the index sits right after this header */
	uint64_t index_mask;
	unsigned index_shift; /* 64 - log2(index slots) */
	uint8_t zero_present; /* tag 0 is in the ring */
	uint64_t capacity;
	uint64_t count;
	uint64_t next; /* ring slot of the next insertion (the oldest when full) */
	uint64_t seed;
	size_t map_len; /* bytes mapped by sl_dedup_create, 0 for caller memory */
};

#define SL_DEDUP_HEADER_BYTES 256u
_Static_assert(sizeof(struct sl_dedup) == SL_DEDUP_HEADER_BYTES,
	       "header size is part of the footprint documented in sl_dedup.h");

#define SL_DEDUP_PREFETCH_SLOTS 4 /* see index_prefetch */

static inline uint64_t *index_slots(const sl_dedup_t *d)
{
	return (uint64_t *)(d + 1);
}

static unsigned index_log2_slots(uint64_t capacity)
{
	/* smallest k with 2^k >= 2 * capacity */
	return 64u - (unsigned)__builtin_clzll(2 * capacity - 1);
}

size_t sl_dedup_footprint(uint64_t capacity)
{
	if (capacity < SL_DEDUP_CAPACITY_MIN || capacity > SL_DEDUP_CAPACITY_MAX)
		return 0;
	return SL_DEDUP_HEADER_BYTES + (sizeof(uint64_t) << index_log2_slots(capacity)) +
	       capacity * sizeof(struct sl_dedup_entry);
}

sl_dedup_t *sl_dedup_new(void *mem, uint64_t capacity, uint64_t seed)
{
	size_t bytes = sl_dedup_footprint(capacity);
	if (bytes == 0 || mem == NULL || ((uintptr_t)mem & (SL_CACHE_LINE - 1)) != 0)
		return NULL;
	/* Writing every byte now also takes every page now, not on the fast path. */
	memset(mem, 0, bytes);

	sl_dedup_t *d = mem;
	unsigned k = index_log2_slots(capacity);
	d->ring = (struct sl_dedup_entry *)(index_slots(d) + (1ull << k));
	d->index_mask = (1ull << k) - 1;
	d->index_shift = 64u - k;
	d->capacity = capacity;
	d->seed = seed;
	XXH3_generateSecret_fromSeed(d->secret, seed);
	return d;
}

sl_dedup_t *sl_dedup_create(uint64_t capacity)
{
	size_t bytes = sl_dedup_footprint(capacity);
	if (bytes == 0)
		return NULL;
	uint64_t seed;
	ssize_t got;
	do
		got = getrandom(&seed, sizeof(seed), 0);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(seed))
		return NULL;

	void *mem = sl_bigmem_map(bytes);
	if (!mem)
		return NULL;
	sl_dedup_t *d = sl_dedup_new(mem, capacity, seed);
	d->map_len = bytes;
	return d;
}

void sl_dedup_destroy(sl_dedup_t *d)
{
	if (d != NULL && d->map_len != 0)
		sl_bigmem_unmap(d, d->map_len);
}

/* XXH3_64bits_withSeed switches to its long-input kernel only above 240
 * bytes; from 129 to 240 it runs a scalar loop of 128-bit multiplies keyed
 * by the seed alone, 17 ns for a 215-byte transaction on the benchmark
 * machine against 6 ns for the kernel's vector stripes keyed with the whole
 * secret (dedup/tag/bytes:215), and most transactions are that size. The
 * kernel needs more than one 64-byte stripe; shorter inputs cannot be valid
 * transactions and keep the seeded short-input hash. */
uint64_t sl_dedup_tag(const sl_dedup_t *d, const void *buf, size_t sz)
{
	if (SL_LIKELY(sz > XXH_STRIPE_LEN))
		return XXH3_hashLong_64b_withSecret(buf, sz, 0, d->secret, sizeof(d->secret));
	return XXH3_64bits_withSeed(buf, sz, d->seed);
}

/* Fibonacci hashing: callers may pass structured tags (counters, multiples of
 * a power of two); one multiply spreads them before the top bits are taken. */
static inline uint64_t index_home(const sl_dedup_t *d, uint64_t tag)
{
	return (tag * 0x9E3779B97F4A7C15ull) >> d->index_shift;
}

/* Slot holding `tag`, or the empty slot that ends its chain. Terminates because
 * the index is never more than half full. */
static inline uint64_t index_probe(const sl_dedup_t *d, uint64_t tag)
{
	const uint64_t *idx = index_slots(d);
	uint64_t i = index_home(d, tag);
	while (idx[i] != 0 && idx[i] != tag)
		i = (i + 1) & d->index_mask;
	return i;
}

static void index_remove(sl_dedup_t *d, uint64_t tag)
{
	uint64_t *idx = index_slots(d);
	uint64_t mask = d->index_mask;
	uint64_t hole = index_probe(d, tag);
	assert(idx[hole] == tag);
	for (uint64_t j = (hole + 1) & mask; idx[j] != 0; j = (j + 1) & mask) {
		/* An entry may fill the hole unless its home lies cyclically in
		 * (hole, j]: then moving it before its home would lose it. */
		uint64_t from_home = (j - index_home(d, idx[j])) & mask;
		if (from_home >= ((j - hole) & mask)) {
			idx[hole] = idx[j];
			hole = j;
		}
	}
	idx[hole] = 0;
}

/* Append to the ring, evicting the oldest tag when full. */
static inline void ring_push(sl_dedup_t *d, uint64_t tag, uint64_t now)
{
	struct sl_dedup_entry *e = &d->ring[d->next];
	if (d->count == d->capacity) {
		if (e->tag == 0)
			d->zero_present = 0;
		else
			index_remove(d, e->tag);
	} else {
		d->count++;
	}
	e->tag = tag;
	e->time = now;
	d->next = d->next + 1 == d->capacity ? 0 : d->next + 1;
}

/* Inlined into the burst loop too: a call per tag was a tenth of the
 * cost of dropping a duplicate. */
static inline __attribute__((always_inline)) int insert_one(sl_dedup_t *d, uint64_t tag,
							     uint64_t now)
{
	if (SL_UNLIKELY(tag == 0)) {
		if (d->zero_present)
			return 0;
		d->zero_present = 1;
	} else {
		uint64_t *idx = index_slots(d);
		uint64_t i = index_probe(d, tag);
		if (idx[i] == tag)
			return 0;
		/* Insert before evicting: the index has room for capacity + 1 and
		 * the eviction's backward shift then also keeps `tag` reachable. */
		idx[i] = tag;
	}
	ring_push(d, tag, now);
	return 1;
}

int sl_dedup_insert(sl_dedup_t *d, uint64_t tag, uint64_t now)
{
	return insert_one(d, tag, now);
}

/* A probe, and the backward shift after a removal, read a few slots from the
 * home on (about 2.5 at load 0.5): fetch the next cache line too when those
 * slots run into it, or that miss would be taken unprefetched. */
static inline void index_prefetch(const sl_dedup_t *d, uint64_t tag)
{
	const uint64_t *idx = index_slots(d);
	uint64_t home = index_home(d, tag);
	__builtin_prefetch(&idx[home], 1);
	__builtin_prefetch(&idx[(home + SL_DEDUP_PREFETCH_SLOTS) & d->index_mask], 1);
}

unsigned sl_dedup_insert_burst(sl_dedup_t *d, const uint64_t *tags, unsigned n,
			       uint64_t now, uint8_t *is_new)
{
	for (unsigned i = 0; i < n; i++)
		index_prefetch(d, tags[i]);

	/* Each new tag may evict one old tag, the oldest first, in ring order
	 * (at most n, since count <= capacity). */
	uint64_t evictions = d->count + n > d->capacity ? d->count + n - d->capacity : 0;
	uint64_t pos = d->next;
	for (uint64_t j = 0; j < evictions; j++) {
		index_prefetch(d, d->ring[pos].tag);
		pos = pos + 1 == d->capacity ? 0 : pos + 1;
	}

	unsigned fresh = 0;
	for (unsigned i = 0; i < n; i++) {
		is_new[i] = (uint8_t)insert_one(d, tags[i], now);
		fresh += is_new[i];
	}
	return fresh;
}

uint64_t sl_dedup_window(const sl_dedup_t *d, uint64_t now)
{
	if (d->count == 0)
		return 0;
	uint64_t oldest = d->count < d->capacity ? 0 : d->next;
	return now - d->ring[oldest].time;
}

uint64_t sl_dedup_count(const sl_dedup_t *d)
{
	return d->count;
}

uint64_t sl_dedup_capacity(const sl_dedup_t *d)
{
	return d->capacity;
}
