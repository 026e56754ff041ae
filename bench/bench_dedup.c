/* Dedup benchmarks: sl_dedup against DPDK's rte_hash on the same stream, and
 * the cost of computing a tag.
 *
 * Workload (both sides): bursts of 32 tags, half new, half duplicates of tags
 * still inside the window (age uniform over the whole window, never a copy from
 * the same burst), on a cache pre-filled to capacity, so every new tag also
 * evicts the oldest. New tag number j is mix(j), a bijection, so the stream
 * knows exactly which tags the cache holds: mix(J - capacity) .. mix(J - 1)
 * after J new tags. The stream is generated ahead in blocks, outside the timed
 * region. One benchmark iteration = one burst of 32; items = tags.
 *
 * rte_hash baseline, at its fastest single-writer settings: extra_flag 0 (no
 * multi-writer, no read/write concurrency, no lock-free, no extendable
 * buckets), hash rte_hash_crc (the SSE4.2 crc32 instruction on 8 bytes),
 * entries = 2 * capacity so its buckets are at load 0.5 like our index (at
 * entries = capacity, cuckoo inserts fail near full). Per burst:
 * rte_hash_lookup_bulk on the 32 keys, then for each miss rte_hash_del_key of
 * the oldest key (a FIFO of keys beside the table, as our ring) and
 * rte_hash_add_key, so the table stays at `capacity` keys. Both sides live in
 * memory of the same kind: the sl_dedup cache is built by sl_dedup_new in
 * rte_malloc memory, like rte_hash's tables, so huge pages (or their absence)
 * are the same for both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "cbench.h"
#include "sl_dedup.h"

#define BURST 32u
#define STREAM_BLOCK (BURST * 2048u)
#define CAPACITY_1M (1u << 20)
#define CAPACITY_16M (1u << 24)
#define MAX_INSTANCES 4 /* capacities registered below */

static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint64_t rng_next(uint64_t *s)
{
	return mix64(*s += 0x9E3779B97F4A7C15ull);
}

/* The stream of tags fed to one cache, generated a block at a time. */
struct stream {
	uint64_t capacity;
	uint64_t new_count; /* J: new tags generated so far */
	uint64_t rng;
	unsigned pos;
	uint64_t tags[STREAM_BLOCK];
};

static void stream_init(struct stream *s, uint64_t capacity)
{
	s->capacity = capacity;
	s->new_count = capacity; /* the pre-fill holds mix(0 .. capacity-1) */
	s->rng = 0x5eed;
	s->pos = STREAM_BLOCK;
}

static void stream_refill(struct stream *s)
{
	for (unsigned b = 0; b < STREAM_BLOCK; b += BURST) {
		uint64_t burst_start = s->new_count;
		for (unsigned i = 0; i < BURST; i++) {
			uint64_t r = rng_next(&s->rng);
			if (r & 1) {
				s->tags[b + i] = mix64(s->new_count++);
			} else {
				/* a tag from before this burst, still in the window */
				uint64_t span = s->capacity - (s->new_count - burst_start);
				uint64_t age = (s->new_count - burst_start) + ((r >> 1) % span);
				s->tags[b + i] = mix64(s->new_count - 1 - age);
			}
		}
	}
	s->pos = 0;
}

/* Next burst, refilling (untimed) when the block is used up. */
static const uint64_t *stream_burst(cbench_state_t *st, struct stream *s)
{
	if (s->pos == STREAM_BLOCK) {
		cbench_pause_timing(st);
		stream_refill(s);
		cbench_resume_timing(st);
	}
	const uint64_t *b = &s->tags[s->pos];
	s->pos += BURST;
	return b;
}

/* Set-up is expensive (pre-fill to capacity) and the stream must continue
 * across calls, so each kind keeps one instance per capacity: its slot here. */
static int instance_slot(cbench_state_t *st, uint64_t caps[MAX_INSTANCES])
{
	uint64_t cap = (uint64_t)cbench_range(st);
	for (int k = 0; k < MAX_INSTANCES; k++) {
		if (caps[k] == cap || caps[k] == 0) {
			caps[k] = cap;
			return k;
		}
	}
	cbench_skip_with_error(st, "bench_dedup: more capacities than MAX_INSTANCES");
	return -1;
}

static void report(cbench_state_t *st, uint64_t fresh)
{
	int64_t items = cbench_iterations_run(st) * BURST;
	cbench_set_items_processed(st, items);
	/* proves the workload: about 0.5 on both sides */
	cbench_counter(st, "new_fraction", items ? (double)fresh / (double)items : 0, 0);
}

/* ---- sl_dedup ---- */

struct dedup_bench {
	sl_dedup_t *cache;
	uint64_t now; /* the cache's clock: one tick per burst */
	struct stream stream;
};

static struct dedup_bench *dedup_setup(cbench_state_t *st)
{
	static uint64_t caps[MAX_INSTANCES];
	static struct dedup_bench *built[MAX_INSTANCES];
	int k = instance_slot(st, caps);
	if (k < 0 || built[k] != NULL)
		return k < 0 ? NULL : built[k];
	uint64_t cap = caps[k];
	struct dedup_bench *b = rte_zmalloc("bench_dedup", sizeof(*b), 64);
	void *mem = rte_malloc("bench_dedup_cache", sl_dedup_footprint(cap), 64);
	if (b == NULL || mem == NULL) {
		rte_free(b);
		rte_free(mem);
		cbench_skip_with_error(st, "rte_malloc failed (is the EAL up, with enough memory?)");
		return NULL;
	}
	b->cache = sl_dedup_new(mem, cap, 0x0123456789abcdefull);
	for (uint64_t j = 0; j < cap; j++)
		sl_dedup_insert(b->cache, mix64(j), b->now);
	stream_init(&b->stream, cap);
	return built[k] = b;
}

static void bench_dedup_insert_burst(cbench_state_t *st)
{
	struct dedup_bench *b = dedup_setup(st);
	if (b == NULL)
		return;
	uint8_t is_new[BURST];
	uint64_t fresh = 0;
	while (cbench_keep_running(st)) {
		const uint64_t *tags = stream_burst(st, &b->stream);
		fresh += sl_dedup_insert_burst(b->cache, tags, BURST, ++b->now, is_new);
	}
	report(st, fresh);
}

/* The same stream one tag at a time: what the burst's prefetching buys. */
static void bench_dedup_insert(cbench_state_t *st)
{
	struct dedup_bench *b = dedup_setup(st);
	if (b == NULL)
		return;
	uint64_t fresh = 0;
	while (cbench_keep_running(st)) {
		const uint64_t *tags = stream_burst(st, &b->stream);
		++b->now;
		for (unsigned i = 0; i < BURST; i++)
			fresh += (uint64_t)sl_dedup_insert(b->cache, tags[i], b->now);
	}
	report(st, fresh);
}

/* ---- rte_hash ---- */

struct rte_hash_bench {
	struct rte_hash *hash;
	uint64_t *fifo; /* keys in insertion order, like sl_dedup's ring */
	uint64_t fifo_next; /* the oldest key once full */
	struct stream stream;
};

static struct rte_hash_bench *rte_hash_setup(cbench_state_t *st)
{
	static uint64_t caps[MAX_INSTANCES];
	static struct rte_hash_bench *built[MAX_INSTANCES];
	int k = instance_slot(st, caps);
	if (k < 0 || built[k] != NULL)
		return k < 0 ? NULL : built[k];
	uint64_t cap = caps[k];
	char name[32];
	snprintf(name, sizeof(name), "bench_dedup_%llu", (unsigned long long)cap);
	struct rte_hash_parameters params = {
		.name = name,
		.entries = (uint32_t)(2 * cap),
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = 0,
	};
	struct rte_hash_bench *b = rte_zmalloc("bench_rte_hash", sizeof(*b), 64);
	uint64_t *fifo = rte_malloc("bench_rte_hash_fifo", cap * sizeof(uint64_t), 64);
	struct rte_hash *h = rte_hash_create(&params);
	uint64_t j = 0;
	if (b != NULL && fifo != NULL && h != NULL) {
		for (; j < cap; j++) {
			fifo[j] = mix64(j);
			if (rte_hash_add_key(h, &fifo[j]) < 0)
				break;
		}
	}
	if (j < cap) {
		rte_free(b);
		rte_free(fifo);
		rte_hash_free(h);
		cbench_skip_with_error(st, "rte_hash_create, rte_malloc or the pre-fill failed "
					   "(is the EAL up, with enough memory?)");
		return NULL;
	}
	b->hash = h;
	b->fifo = fifo;
	b->fifo_next = 0;
	stream_init(&b->stream, cap);
	return built[k] = b;
}

static void bench_rte_hash_insert_burst(cbench_state_t *st)
{
	struct rte_hash_bench *b = rte_hash_setup(st);
	if (b == NULL)
		return;
	uint64_t cap = b->stream.capacity;
	const void *keys[BURST];
	int32_t positions[BURST];
	uint64_t fresh = 0;
	while (cbench_keep_running(st)) {
		const uint64_t *tags = stream_burst(st, &b->stream);
		for (unsigned i = 0; i < BURST; i++)
			keys[i] = &tags[i];
		rte_hash_lookup_bulk(b->hash, keys, BURST, positions);
		for (unsigned i = 0; i < BURST; i++) {
			if (positions[i] >= 0)
				continue;
			uint64_t *oldest = &b->fifo[b->fifo_next];
			if (rte_hash_del_key(b->hash, oldest) < 0 ||
			    rte_hash_add_key(b->hash, &tags[i]) < 0) {
				cbench_skip_with_error(st, "rte_hash_del_key/add_key failed");
				return;
			}
			*oldest = tags[i];
			b->fifo_next = b->fifo_next + 1 == cap ? 0 : b->fifo_next + 1;
			fresh++;
		}
	}
	report(st, fresh);
}

/* ---- tag computation ---- */

static void bench_dedup_tag(cbench_state_t *st)
{
	static sl_dedup_t *cache;
	static uint8_t txn[1232];
	if (cache == NULL) {
		static _Alignas(64) uint8_t mem[1024];
		cache = sl_dedup_new(mem, SL_DEDUP_CAPACITY_MIN, 42);
		uint64_t s = 1;
		for (size_t i = 0; i < sizeof(txn); i++)
			txn[i] = (uint8_t)rng_next(&s);
	}
	size_t len = (size_t)cbench_range(st);
	uint64_t acc = 0;
	while (cbench_keep_running(st)) {
		cbench_do_not_optimize(txn);
		acc += sl_dedup_tag(cache, txn, len);
	}
	cbench_do_not_optimize(acc);
	cbench_set_bytes_processed(st, cbench_iterations_run(st) * (int64_t)len);
}

CBENCH_REGISTER
{
	cbench_bench_t *b = cbench_register("dedup/insert_burst", bench_dedup_insert_burst);
	cbench_arg_named(b, "capacity", CAPACITY_1M);
	cbench_arg_named(b, "capacity", CAPACITY_16M);
	b = cbench_register("rte_hash/dedup_insert_burst", bench_rte_hash_insert_burst);
	cbench_arg_named(b, "capacity", CAPACITY_1M);
	cbench_arg_named(b, "capacity", CAPACITY_16M);
	b = cbench_register("dedup/insert", bench_dedup_insert);
	cbench_arg_named(b, "capacity", CAPACITY_16M);
	b = cbench_register("dedup/tag", bench_dedup_tag);
	cbench_arg_named(b, "bytes", 256);
	cbench_arg_named(b, "bytes", 1232);
}
