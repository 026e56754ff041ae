#include "sl_autoblock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_prefilter.h"
#include "sl_ticker.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull

/* What the loop remembers of a source. */
struct track {
	sl_srcaddr_t src;
	uint32_t blocks;               /* how often it was blocked: the next block's doubling */
	bool used;
	bool protected_noted;          /* this window's crossing was counted */
	uint64_t base[SL_SRC__COUNT];  /* its counts when its window opened */
	uint64_t last[SL_SRC__COUNT];  /* its counts at the last poll */
	uint64_t window_end_ns;        /* 0: no window open */
	uint64_t last_drop_ns;         /* when its counts last grew: for eviction */
	uint64_t until_ns;             /* blocked until (0: never blocked) */
};
/* The size the header and dataplane/README.md ("Autoblock") state. */
_Static_assert(sizeof(struct track) == 88, "a tracked source's size changed: update the docs");

struct sl_autoblock {
	struct sl_autoblock_conf c;
	uint32_t key;
	sl_autoblock_stats_t st; /* written by the poller only, read atomically */
	sl_ticker_t ticker;
	uint64_t next_sweep_ns;
	struct track t[SL_AUTOBLOCK_SETS][SL_AUTOBLOCK_WAYS];
};

sl_autoblock_t *sl_autoblock_create(const struct sl_autoblock_conf *c)
{
	sl_autoblock_t *ab = calloc(1, sizeof(*ab));
	if (!ab)
		return NULL;
	ab->c = *c;
	/* the workers' key, so that nobody outside can aim sources at a set;
	 * changed so that the two tables' sets do not coincide */
	ab->key = c->ntables ? c->tables[0]->key ^ 0x5bd1e995u : 0;
	return ab;
}

void sl_autoblock_destroy(sl_autoblock_t *ab)
{
	if (!ab)
		return;
	sl_autoblock_stop(ab);
	free(ab);
}

static void stat_add(uint64_t *field, uint64_t n)
{
	__atomic_store_n(field, *field + n, __ATOMIC_RELAXED);
}

/* The source's entry, made if need be; NULL when every way of its set
 * holds a source that is blocked now (it is looked at again next poll). */
static struct track *find(sl_autoblock_t *ab, const sl_srcaddr_t *src, uint64_t now_ns)
{
	unsigned set = sl_srcaddr_hash(src, ab->key) >> (32 - SL_AUTOBLOCK_SETS_LOG2);
	struct track *ways = ab->t[set], *victim = NULL;
	for (unsigned w = 0; w < SL_AUTOBLOCK_WAYS; w++) {
		if (ways[w].used && sl_srcaddr_eq(&ways[w].src, src))
			return &ways[w];
		if (!ways[w].used) {
			if (!victim || victim->used)
				victim = &ways[w];
		} else if (ways[w].until_ns <= now_ns &&
			   (!victim || (victim->used && ways[w].last_drop_ns < victim->last_drop_ns))) {
			victim = &ways[w];
		}
	}
	if (victim)
		*victim = (struct track){.src = *src, .used = true};
	return victim;
}

static uint64_t block_ns(const sl_cfg_autoblock_t *cfg, uint32_t earlier)
{
	uint64_t s = cfg->block_s;
	for (uint32_t i = 0; i < earlier && s < cfg->block_max_s; i++)
		s *= 2;
	return (s < cfg->block_max_s ? s : cfg->block_max_s) * NS_PER_S;
}

/* The class whose growth in this window reached its threshold, or -1. */
static int crossed(const sl_cfg_autoblock_t *cfg, const struct track *t, const uint64_t *n)
{
	const uint32_t thr[SL_SRC__COUNT] = {[SL_SRC_malformed] = cfg->malformed,
					     [SL_SRC_invalid_sig] = cfg->invalid_sig};
	for (unsigned c = 0; c < SL_SRC__COUNT; c++)
		if (thr[c] && n[c] - t->base[c] >= thr[c])
			return (int)c;
	return -1;
}

/* A protected source over its threshold: counted and logged once a window. */
static void note_protected(sl_autoblock_t *ab, struct track *t, const uint64_t *n, unsigned c,
			   const char *name)
{
	if (t->protected_noted)
		return;
	t->protected_noted = true;
	stat_add(&ab->st.protected_sources, 1);
	if (ab->c.log)
		fprintf(ab->c.log, "sluice-dp: autoblock: not blocking %s (protected: own address, "
			"peer or allowlisted; %s: %llu in %u ms)\n", name, sl_srcdrops_class_name(c),
			(unsigned long long)(n[c] - t->base[c]), ab->c.cfg->window_ms);
}

static void block(sl_autoblock_t *ab, struct track *t, const uint64_t *n, unsigned c,
		  uint64_t now_ns)
{
	const sl_cfg_autoblock_t *cfg = ab->c.cfg;
	char name[SL_SRCADDR_STR_SZ];
	sl_srcaddr_str(&t->src, name);
	if (ab->c.protect(ab->c.ctx, &t->src)) {
		note_protected(ab, t, n, c, name);
		return;
	}
	uint64_t dur = block_ns(cfg, t->blocks);
	const int rc = ab->c.block(ab->c.ctx, &t->src, now_ns + dur);
	if (rc > 0) {
		note_protected(ab, t, n, c, name);
		return;
	}
	if (rc != 0) {
		/* a full trie answers E2BIG: say so, and how full, not "Argument
		 * list too long" */
		const int e = errno;
		sl_cidr_t src;
		sl_srcaddr_cidr(&t->src, &src);
		stat_add(&ab->st.errors, 1);
		if (ab->c.log && e == E2BIG)
			fprintf(ab->c.log, "sluice-dp: autoblock: cannot block %s: the IPv%u blocklist is "
				"full (%u prefixes; expired ones go within a second)\n", name,
				src.family, SL_PF_BLOCK_MAX);
		else if (ab->c.log)
			fprintf(ab->c.log, "sluice-dp: autoblock: cannot block %s: %s\n", name,
				strerror(e));
		return;
	}
	t->blocks++;
	t->until_ns = now_ns + dur;
	stat_add(&ab->st.blocks, 1);
	stat_add(&ab->st.blocks_by[c], 1);
	if (ab->c.log) {
		/* the prefix blocked: an IPv4 address /32, an IPv6 prefix */
		sl_cidr_t blocked;
		char prefix[SL_CIDR_STR_SZ];
		sl_srcaddr_cidr(&t->src, &blocked);
		sl_cidr_str(&blocked, prefix);
		fprintf(ab->c.log, "sluice-dp: autoblock: blocked %s for %llu s (%s: %llu in %u ms, "
			"offence %u)\n", prefix, (unsigned long long)(dur / NS_PER_S),
			sl_srcdrops_class_name(c), (unsigned long long)(n[c] - t->base[c]),
			cfg->window_ms, t->blocks);
	}
	/* what it sent before the block no longer counts */
	memcpy(t->base, n, sizeof(t->base));
}

static unsigned observe(sl_autoblock_t *ab, const struct sl_srcdrops_src *s, uint64_t now_ns)
{
	struct track *t = find(ab, &s->addr, now_ns);
	if (!t)
		return 0;
	uint64_t was = 0;
	bool grew = false;
	for (unsigned c = 0; c < SL_SRC__COUNT; c++) {
		was += t->last[c];
		grew |= s->n[c] != t->last[c];
	}
	if (s->total < was) {
		/* the workers' table evicted it and counts it afresh */
		memset(t->base, 0, sizeof(t->base));
		t->window_end_ns = 0;
	}
	if (grew)
		t->last_drop_ns = now_ns;
	if (now_ns >= t->window_end_ns) {
		if (!grew)
			return 0;
		/* a window opens with the first drops after the last one closed:
		 * those drops (counted since the last poll) are its first */
		if (t->window_end_ns)
			memcpy(t->base, t->last, sizeof(t->base));
		t->window_end_ns = now_ns + ab->c.cfg->window_ms * NS_PER_MS;
		t->protected_noted = false;
	}
	memcpy(t->last, s->n, sizeof(t->last));
	if (now_ns < t->until_ns)
		return 0; /* blocked: what was in flight still lands here */
	int c = crossed(ab->c.cfg, t, s->n);
	if (c < 0)
		return 0;
	uint64_t before = ab->st.blocks;
	block(ab, t, s->n, (unsigned)c, now_ns);
	return (unsigned)(ab->st.blocks - before);
}

unsigned sl_autoblock_poll(sl_autoblock_t *ab, uint64_t now_ns)
{
	unsigned made = 0, busy = 0;
	for (unsigned s = 0; s < SL_SRCDROPS_SETS; s++) {
		struct sl_srcdrops_src merged[SL_SRCDROPS_MERGE_SET_MAX];
		unsigned nm = sl_srcdrops_merge_set(ab->c.tables, ab->c.ntables, s, merged, &busy);
		for (unsigned k = 0; k < nm; k++)
			made += observe(ab, &merged[k], now_ns);
	}
	uint64_t active = 0;
	for (unsigned s = 0; s < SL_AUTOBLOCK_SETS; s++)
		for (unsigned w = 0; w < SL_AUTOBLOCK_WAYS; w++)
			active += ab->t[s][w].used && now_ns < ab->t[s][w].until_ns;
	__atomic_store_n(&ab->st.active, active, __ATOMIC_RELAXED);
	return made;
}

static void autoblock_tick(void *arg)
{
	sl_autoblock_t *ab = arg;
	uint64_t now = sl_prefilter_now_ns();
	if (ab->c.cfg->enabled)
		sl_autoblock_poll(ab, now);
	if (ab->c.sweep && now >= ab->next_sweep_ns) {
		ab->c.sweep(ab->c.ctx, now);
		ab->next_sweep_ns = now + SL_AUTOBLOCK_SWEEP_MS * NS_PER_MS;
	}
}

int sl_autoblock_start(sl_autoblock_t *ab)
{
	ab->next_sweep_ns = 0; /* a sweep at once */
	ab->ticker = (sl_ticker_t){.tick = autoblock_tick, .arg = ab,
				   .period_ms = SL_AUTOBLOCK_POLL_MS, .name = "sl-autoblock"};
	return sl_ticker_start(&ab->ticker);
}

void sl_autoblock_stop(sl_autoblock_t *ab)
{
	sl_ticker_stop(&ab->ticker);
}

void sl_autoblock_stats(const sl_autoblock_t *ab, sl_autoblock_stats_t *s)
{
	s->blocks = __atomic_load_n(&ab->st.blocks, __ATOMIC_RELAXED);
	for (unsigned c = 0; c < SL_SRC__COUNT; c++)
		s->blocks_by[c] = __atomic_load_n(&ab->st.blocks_by[c], __ATOMIC_RELAXED);
	s->protected_sources = __atomic_load_n(&ab->st.protected_sources, __ATOMIC_RELAXED);
	s->errors = __atomic_load_n(&ab->st.errors, __ATOMIC_RELAXED);
	s->active = __atomic_load_n(&ab->st.active, __ATOMIC_RELAXED);
}

bool sl_autoblock_protected(const sl_config_t *cfg, const sl_prefilter_t *pf,
			    const sl_srcaddr_t *src)
{
	sl_cidr_t c;
	sl_srcaddr_cidr(src, &c);
	if (c.family == 4 ? sl_cidr_contains(&c, 4, cfg->ip)
			  : cfg->has_ip6 && sl_cidr_contains(&c, 6, cfg->ip6))
		return true;
	for (unsigned i = 0; i < cfg->npeers; i++) {
		const sl_cfg_peer_t *p = &cfg->peers[i];
		if (sl_cidr_contains(&c, p->family, p->family == 4 ? p->ip : p->ip6))
			return true;
	}
	/* a live managed relay peer inside; on a read error (-1), protect */
	if (sl_prefilter_peer_within(pf, &c) != 0)
		return true;
	if (c.family == 4)
		return sl_prefilter_allowed(pf, 4, c.addr) != 0;
	return sl_prefilter_allow_overlaps(pf, &c) != 0;
}

void sl_autoblock_write_json(FILE *f, const sl_autoblock_stats_t *s)
{
	fprintf(f, "\"autoblock\": {\"blocks\": %llu", (unsigned long long)s->blocks);
	for (unsigned c = 0; c < SL_SRC__COUNT; c++)
		fprintf(f, ", \"blocks_%s\": %llu", sl_srcdrops_class_name(c),
			(unsigned long long)s->blocks_by[c]);
	fprintf(f, ", \"protected\": %llu, \"errors\": %llu, \"active\": %llu}",
		(unsigned long long)s->protected_sources, (unsigned long long)s->errors,
		(unsigned long long)s->active);
}
