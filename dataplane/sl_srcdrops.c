#include "sl_srcdrops.h"

#include <string.h>

#include "sl_table.h"

/* The size the header and dataplane/README.md ("Memory") state. */
_Static_assert(sizeof(sl_srcdrops_t) == 172040, "sl_srcdrops_t's size changed: update the docs");

/* A writer holds a set for a few stores; a reader that finds it busy this
 * many times in a row leaves it out rather than wait. */
#define SL_SRCDROPS_READ_TRIES 8

static const char *const class_names[SL_SRC__COUNT] = {
#define SL_SRC_CLASS_NAME(name) #name,
	SL_SRC_CLASSES(SL_SRC_CLASS_NAME)
#undef SL_SRC_CLASS_NAME
};

const char *sl_srcdrops_class_name(unsigned c)
{
	return c < SL_SRC__COUNT ? class_names[c] : NULL;
}

void sl_srcdrops_init(sl_srcdrops_t *t, uint32_t key)
{
	memset(t, 0, sizeof(*t));
	t->key = key;
}

static uint64_t way_total(const sl_srcdrops_set_t *s, unsigned w)
{
	uint64_t total = 0;
	for (unsigned c = 0; c < SL_SRC__COUNT; c++)
		total += s->n[w][c];
	return total;
}

/* A source's fields, one word at a time: a reader's copy and a writer's
 * store must each be atomic per word (the seqlock then makes them whole). */
static void addr_store(sl_srcaddr_t *dst, const sl_srcaddr_t *src)
{
	__atomic_store_n(&dst->w[0], src->w[0], __ATOMIC_RELAXED);
	__atomic_store_n(&dst->w[1], src->w[1], __ATOMIC_RELAXED);
	__atomic_store_n(&dst->prefixlen, src->prefixlen, __ATOMIC_RELAXED);
}

static void addr_load(sl_srcaddr_t *dst, const sl_srcaddr_t *src)
{
	dst->w[0] = __atomic_load_n(&src->w[0], __ATOMIC_RELAXED);
	dst->w[1] = __atomic_load_n(&src->w[1], __ATOMIC_RELAXED);
	dst->prefixlen = __atomic_load_n(&src->prefixlen, __ATOMIC_RELAXED);
}

/* Only the writer runs this, so its own plain reads of the set cannot race;
 * its stores are atomic because readers load concurrently. */
void sl_srcdrops_count(sl_srcdrops_t *t, const sl_srcaddr_t *a, enum sl_src_class c)
{
	sl_srcdrops_set_t *s = &t->set[sl_srcdrops_set_of(t, a)];
	unsigned way = SL_SRCDROPS_WAYS, victim = 0;
	uint64_t least = UINT64_MAX;
	for (unsigned w = 0; w < SL_SRCDROPS_WAYS; w++) {
		if (sl_srcaddr_eq(&s->addr[w], a)) {
			way = w;
			break;
		}
		uint64_t total = way_total(s, w);
		if (total < least) {
			least = total;
			victim = w;
		}
	}
	uint32_t seq = s->seq;
	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	/* the odd count is visible before any field changes */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (way == SL_SRCDROPS_WAYS) {
		way = victim;
		addr_store(&s->addr[way], a);
		for (unsigned k = 0; k < SL_SRC__COUNT; k++)
			__atomic_store_n(&s->n[way][k], 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&s->n[way][c], s->n[way][c] + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

bool sl_srcdrops_read_set(const sl_srcdrops_t *t, unsigned set, sl_srcdrops_set_t *out)
{
	const sl_srcdrops_set_t *s = &t->set[set];
	for (unsigned tries = 0; tries < SL_SRCDROPS_READ_TRIES; tries++) {
		uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (before & 1)
			continue;
		for (unsigned w = 0; w < SL_SRCDROPS_WAYS; w++) {
			addr_load(&out->addr[w], &s->addr[w]);
			for (unsigned c = 0; c < SL_SRC__COUNT; c++)
				out->n[w][c] = __atomic_load_n(&s->n[w][c], __ATOMIC_RELAXED);
		}
		/* the copy is complete before the count is checked again */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == before)
			return true;
	}
	return false;
}

/* Keeps the list sorted by total, most first; a newcomer goes after the
 * entries it ties with. */
static void top_offer(sl_srcdrops_top_t *top, unsigned max, const struct sl_srcdrops_src *src)
{
	unsigned at = top->n;
	while (at > 0 && top->src[at - 1].total < src->total)
		at--;
	if (at >= max)
		return;
	unsigned keep = top->n < max ? top->n : max - 1;
	memmove(&top->src[at + 1], &top->src[at], (keep - at) * sizeof(top->src[0]));
	top->src[at] = *src;
	top->n = keep + 1;
}

unsigned sl_srcdrops_merge_set(const sl_srcdrops_t *const *tables, unsigned ntables,
			       unsigned set, struct sl_srcdrops_src *out, unsigned *busy)
{
	unsigned nm = 0;
	if (ntables > SL_SRCDROPS_MERGE_MAX)
		ntables = SL_SRCDROPS_MERGE_MAX;
	for (unsigned t = 0; t < ntables; t++) {
		sl_srcdrops_set_t copy;
		if (!sl_srcdrops_read_set(tables[t], set, &copy)) {
			(*busy)++;
			continue;
		}
		for (unsigned w = 0; w < SL_SRCDROPS_WAYS; w++) {
			uint64_t total = way_total(&copy, w);
			if (!total)
				continue;
			unsigned k = 0;
			while (k < nm && !sl_srcaddr_eq(&out[k].addr, &copy.addr[w]))
				k++;
			if (k == nm)
				out[nm++] = (struct sl_srcdrops_src){.addr = copy.addr[w]};
			for (unsigned c = 0; c < SL_SRC__COUNT; c++)
				out[k].n[c] += copy.n[w][c];
			out[k].total += total;
		}
	}
	return nm;
}

void sl_srcdrops_top(const sl_srcdrops_t *const *tables, unsigned ntables, unsigned max,
		     sl_srcdrops_top_t *top)
{
	top->n = 0;
	top->skipped_sets = 0;
	if (max > SL_SRCDROPS_TOP_MAX)
		max = SL_SRCDROPS_TOP_MAX;
	for (unsigned s = 0; s < SL_SRCDROPS_SETS; s++) {
		struct sl_srcdrops_src merged[SL_SRCDROPS_MERGE_SET_MAX];
		unsigned nm = sl_srcdrops_merge_set(tables, ntables, s, merged, &top->skipped_sets);
		for (unsigned k = 0; k < nm; k++)
			top_offer(top, max, &merged[k]);
	}
}

void sl_srcdrops_write_json(FILE *f, const sl_srcdrops_top_t *top)
{
	fprintf(f, "\"sources\": {");
	for (unsigned i = 0; i < top->n; i++) {
		char src[SL_SRCADDR_STR_SZ];
		sl_srcaddr_str(&top->src[i].addr, src);
		fprintf(f, "%s\"%s\": {", i ? ", " : "", src);
		for (unsigned c = 0; c < SL_SRC__COUNT; c++)
			fprintf(f, "%s\"%s\": %llu", c ? ", " : "", class_names[c],
				(unsigned long long)top->src[i].n[c]);
		fputc('}', f);
	}
	fputc('}', f);
}

void sl_srcdrops_print_table(FILE *f, const sl_srcdrops_top_t *top)
{
	if (!top->n)
		return;
	sl_table_head(f, "source", class_names, SL_SRC__COUNT);
	for (unsigned i = 0; i < top->n; i++) {
		char src[SL_SRCADDR_STR_SZ];
		sl_srcaddr_str(&top->src[i].addr, src);
		sl_table_row(f, src, top->src[i].n, SL_SRC__COUNT);
	}
}
