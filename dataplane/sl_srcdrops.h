/* sl_srcdrops: the dataplane's costly drops counted by source
 * (dataplane/README.md "Counters"): an IPv4 client's address or an IPv6
 * client's /ip6_prefix (sl_srcaddr), so that a client that sends malformed
 * transactions or bad signatures to the ingest port can be named and shut
 * out. Duplicates are not counted here: clients legitimately send the same
 * transaction to several relays.
 *
 * Table: SL_SRCDROPS_SETS sets of SL_SRCDROPS_WAYS entries {source, count
 * per class}, fixed size (sizeof(sl_srcdrops_t): 172040 bytes, 168 KiB, a
 * set 168 bytes; checked at build), nothing allocated. A source goes to one set, chosen by
 * a keyed hash (sl_srcaddr_hash); a new source in a full set takes the way
 * with the smallest total (the first such), and its count restarts at 0.
 * Hence, exactly:
 *   - a source is evicted only when a source not in its set drops a
 *     packet and no other way of the set has a smaller total; so while some
 *     other source of its set has a strictly smaller total it stays, and a
 *     flood of one-off sources (one drop each) never evicts a source with 2
 *     or more drops from a set that holds at most WAYS-1 such sources;
 *   - a source's counts are exact since it last entered the table, and never
 *     more than what it sent: exact for every source while no set has had
 *     more than WAYS distinct sources.
 *
 * Concurrency: one writer per table (the worker lcore that owns it), plain
 * arithmetic, no locks, no read-modify-write atomics, no syscalls (a count
 * compares at most WAYS sources of three words each). Readers on
 * other threads copy a set under its sequence counter (odd while the writer
 * is inside an update), retrying a few times, and skip a set that stays
 * busy; a copied set is exactly as it was before or after each update. The
 * counter and fields are accessed with __atomic relaxed operations and
 * release/acquire fences (the seqlock pattern of the C11 model); on x86-64
 * (TSO) they compile to plain loads and stores. */
#ifndef SL_SRCDROPS_H
#define SL_SRCDROPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_srcaddr.h"

#define SL_SRCDROPS_SETS_LOG2 10
#define SL_SRCDROPS_SETS      (1u << SL_SRCDROPS_SETS_LOG2)
#define SL_SRCDROPS_WAYS      4

#define SL_SRC_CLASSES(X) \
	X(malformed)      /* drop_parse_*: the transaction does not parse */ \
	X(invalid_sig)    /* drop_invalid_sig */

enum sl_src_class {
#define SL_SRC_CLASS_ENUM(name) SL_SRC_##name,
	SL_SRC_CLASSES(SL_SRC_CLASS_ENUM)
#undef SL_SRC_CLASS_ENUM
	SL_SRC__COUNT
};

typedef struct sl_srcdrops_set {
	uint32_t seq;                           /* odd: an update is in progress */
	sl_srcaddr_t addr[SL_SRCDROPS_WAYS];
	uint64_t n[SL_SRCDROPS_WAYS][SL_SRC__COUNT]; /* all 0: the way is free */
} sl_srcdrops_set_t;

typedef struct sl_srcdrops {
	uint32_t key; /* of the set hash: same key, same set in every table */
	sl_srcdrops_set_t set[SL_SRCDROPS_SETS];
} sl_srcdrops_t;

/* Empties t. Tables merged by sl_srcdrops_top must share the key; a random
 * key keeps senders from aiming many sources at one set. */
void sl_srcdrops_init(sl_srcdrops_t *t, uint32_t key);

/* The set a source goes to. */
static inline unsigned sl_srcdrops_set_of(const sl_srcdrops_t *t, const sl_srcaddr_t *a)
{
	return sl_srcaddr_hash(a, t->key) >> (32 - SL_SRCDROPS_SETS_LOG2);
}

/* One drop of class c by source a. Only the table's writer calls it. */
void sl_srcdrops_count(sl_srcdrops_t *t, const sl_srcaddr_t *a, enum sl_src_class c);

/* Readers, from any thread. */

/* A copy of set `set` as it was between two updates; false when the writer
 * was inside an update at every try. */
bool sl_srcdrops_read_set(const sl_srcdrops_t *t, unsigned set, sl_srcdrops_set_t *out);

#define SL_SRCDROPS_TOP_MAX 16
typedef struct sl_srcdrops_top {
	unsigned n;
	unsigned skipped_sets; /* busy on every try: left out */
	struct sl_srcdrops_src {
		sl_srcaddr_t addr;
		uint64_t n[SL_SRC__COUNT];
		uint64_t total;
	} src[SL_SRCDROPS_TOP_MAX];
} sl_srcdrops_top_t;

/* The (at most) max <= SL_SRCDROPS_TOP_MAX sources with the most drops over
 * tables[0..ntables) (ntables <= SL_SRCDROPS_MERGE_MAX, one key), each
 * summed over every table, most first. Tables sharing the key put a
 * source in the same set, so the merge goes set by set on the stack. */
#define SL_SRCDROPS_MERGE_MAX 16
void sl_srcdrops_top(const sl_srcdrops_t *const *tables, unsigned ntables, unsigned max,
		     sl_srcdrops_top_t *top);

/* The sources of set `set` summed over tables[0..ntables) (ntables <=
 * SL_SRCDROPS_MERGE_MAX, one key), at most SL_SRCDROPS_MERGE_SET_MAX, into
 * out; returns how many. A table whose set stayed busy is left out and
 * counted in *busy. */
#define SL_SRCDROPS_MERGE_SET_MAX (SL_SRCDROPS_MERGE_MAX * SL_SRCDROPS_WAYS)
unsigned sl_srcdrops_merge_set(const sl_srcdrops_t *const *tables, unsigned ntables,
			       unsigned set, struct sl_srcdrops_src *out, unsigned *busy);

/* "malformed", "invalid_sig"; NULL past the last. */
const char *sl_srcdrops_class_name(unsigned c);

/* `"sources": {"10.0.0.1": {"malformed": 1, "invalid_sig": 0},
 * "2001:db8:1:2::/64": {...}, ...}` (sl_srcaddr_str), most first, and the
 * shutdown table's section (nothing when top is empty). */
void sl_srcdrops_write_json(FILE *f, const sl_srcdrops_top_t *top);
void sl_srcdrops_print_table(FILE *f, const sl_srcdrops_top_t *top);

#endif
