#include "sl_tables.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sl_ticker.h"

#define SL_TABLES_BUFS 2

/* What sl_pf_peers (family 4) or sl_pf_peers6 holds for a slot, as this
 * module last wrote it. */
struct pf_entry {
	bool set;
	sl_addr_t ip;
	uint64_t token_in, token_in_prev;
};

struct sl_tables {
	sl_pipeline_t *p;
	struct sl_peertab *tab;
	const sl_prefilter_t *pf;

	uint64_t seq;      /* of entries[] */
	uint64_t prev_until_ms; /* earliest overlap end still honoured; UINT64_MAX: none */
	uint64_t dp_written_ms;
	uint64_t published; /* tables published (atomic: tests read it) */
	uint64_t applied_seq;

	/* Two tables: the one published (or the pipeline's static one at
	 * first) and the one to build next, reusable once the grace period
	 * that began when it was replaced has passed. */
	sl_peers_t buf[SL_TABLES_BUFS];
	bool retired[SL_TABLES_BUFS];
	uint64_t grace_token[SL_TABLES_BUFS];
	unsigned next;

	struct pf_entry pf_now[SL_PEERTAB_SLOTS];
	struct sl_peertab_entry entries[SL_PEERTAB_SLOTS]; /* the last consistent copy */
	struct sl_peertab_entry scratch[SL_PEERTAB_SLOTS]; /* a copy being taken */
	sl_stats_t stats; /* summed for the dp area */

	sl_ticker_t ticker;
};

uint64_t sl_tables_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

sl_tables_t *sl_tables_create(const struct sl_tables_conf *c)
{
	/* Cache-line aligned, as its sl_stats_t is declared: calloc's 16
	 * bytes let an optimiser's aligned vector stores fault. */
	size_t sz = (sizeof(sl_tables_t) + SL_CACHE_LINE - 1) / SL_CACHE_LINE * SL_CACHE_LINE;
	sl_tables_t *t = aligned_alloc(SL_CACHE_LINE, sz);
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->p = c->p;
	t->tab = c->tab;
	t->pf = c->pf;
	t->prev_until_ms = UINT64_MAX;
	return t;
}

void sl_tables_destroy(sl_tables_t *t)
{
	if (!t)
		return;
	sl_tables_stop(t);
	free(t);
}

/* A free buffer: the one not published, once no reader can hold it. */
static sl_peers_t *take_buffer(sl_tables_t *t)
{
	unsigned b = t->next;
	if (t->retired[b]) {
		sl_pipeline_grace_done(t->p, t->grace_token[b], true);
		t->retired[b] = false;
	}
	return &t->buf[b];
}

static bool pf_wanted(const struct pf_entry *want, const struct pf_entry *e)
{
	for (unsigned k = 0; k < SL_PEERTAB_SLOTS; k++)
		if (want[k].set && sl_addr_eq(&want[k].ip, &e->ip))
			return true;
	return false;
}

/* The XDP mirror, before the table is published: up peers in with both
 * tokens (only entries that changed are written). */
static void pf_put(sl_tables_t *t, const struct pf_entry *want)
{
	for (unsigned k = 0; k < SL_PEERTAB_SLOTS; k++) {
		const struct pf_entry *w = &want[k], *h = &t->pf_now[k];
		if (!w->set || (h->set && sl_addr_eq(&w->ip, &h->ip) && w->token_in == h->token_in &&
				h->token_in_prev == w->token_in_prev))
			continue;
		if (sl_prefilter_put_peer(t->pf, w->ip.family, w->ip.b, w->token_in, w->token_in_prev) != 0) {
			fprintf(stderr, "sluice-dp: peertab slot %u into %s: %s\n", k,
				w->ip.family == 6 ? SL_PF_PEERS6_MAP : SL_PF_PEERS_MAP, strerror(errno));
			continue; /* its gossip drops in XDP until a later apply */
		}
		t->pf_now[k] = *w;
	}
}

/* ... and after: the addresses no up peer has any more out. */
static void pf_delete(sl_tables_t *t, const struct pf_entry *want)
{
	for (unsigned k = 0; k < SL_PEERTAB_SLOTS; k++) {
		struct pf_entry *h = &t->pf_now[k];
		if (!h->set || (want[k].set && sl_addr_eq(&want[k].ip, &h->ip)))
			continue;
		if (!pf_wanted(want, h) && sl_prefilter_del_peer(t->pf, h->ip.family, h->ip.b) != 0) {
			fprintf(stderr, "sluice-dp: peertab slot %u out of %s: %s\n", k,
				h->ip.family == 6 ? SL_PF_PEERS6_MAP : SL_PF_PEERS_MAP, strerror(errno));
			continue;
		}
		h->set = false;
	}
}

static void apply(sl_tables_t *t, uint64_t now_ms)
{
	sl_peers_t *nt = take_buffer(t);
	*nt = *sl_pipeline_static_peers(t->p);
	struct pf_entry want[SL_PEERTAB_SLOTS];
	memset(want, 0, sizeof(want));
	uint64_t until = UINT64_MAX;
	for (unsigned k = 0; k < SL_PEERTAB_SLOTS; k++) {
		const struct sl_peertab_entry *e = &t->entries[k];
		if (e->state == SL_PT_EMPTY)
			continue;
		uint64_t prev = e->token_in_prev;
		if (prev && now_ms >= e->token_prev_until_ms)
			prev = 0; /* the overlap is over, whether or not sluiced is */
		else if (prev && e->token_prev_until_ms < until)
			until = e->token_prev_until_ms;
		/* a managed entry at a static relay peer's address is left out */
		if (sl_peers_set_managed(nt, k, e, prev) && e->state == SL_PT_UP) {
			want[k] = (struct pf_entry){.set = true, .ip = sl_peertab_entry_addr(e),
						    .token_in = e->token_in, .token_in_prev = prev};
		}
	}
	if (t->pf)
		pf_put(t, want);
	const sl_peers_t *old = sl_pipeline_publish_peers(t->p, nt);
	for (unsigned b = 0; b < SL_TABLES_BUFS; b++)
		if (old == &t->buf[b]) {
			t->retired[b] = true;
			t->grace_token[b] = sl_pipeline_grace_start(t->p);
		}
	t->next = (unsigned)(nt - t->buf) ^ 1u;
	if (t->pf)
		pf_delete(t, want);
	t->prev_until_ms = until;
	__atomic_store_n(&t->applied_seq, t->seq, __ATOMIC_RELEASE);
	__atomic_store_n(&t->published, t->published + 1, __ATOMIC_RELEASE);
}

static void write_dp(sl_tables_t *t, uint64_t now_ms)
{
	struct sl_peertab *tab = t->tab;
	sl_pipeline_stage_stats(t->p, &t->stats);
	sl_peertab_write_begin(&tab->dp_seq);
	tab->dp_pid = (uint64_t)getpid();
	tab->dp_applied_seq = t->seq;
	tab->dp_updated_ms = now_ms;
	for (unsigned k = 0; k < SL_PEERTAB_SLOTS; k++) {
		const uint64_t *c = t->stats.peer[SL_PEERTAB_DP_BASE + k];
		tab->dp[k] = (struct sl_peertab_dp_peer){
			.frames_in = c[SL_PC_frames_in],
			.first_deliveries = c[SL_PC_first_deliveries],
			.duplicates = c[SL_PC_duplicates],
			.invalid = c[SL_PC_invalid],
			.malformed = c[SL_PC_malformed],
			.frames_out = c[SL_PC_frames_out],
		};
	}
	sl_peertab_write_end(&tab->dp_seq);
	t->dp_written_ms = now_ms;
}

int sl_tables_poll(sl_tables_t *t, uint64_t now_ms)
{
	bool changed = false;
	uint64_t s = atomic_load_explicit(&t->tab->seq, memory_order_acquire);
	if (s != t->seq && !(s & 1)) {
		uint64_t got = sl_peertab_read(&t->tab->seq, t->scratch, t->tab->peers,
					       sizeof(t->scratch), SL_TABLES_READ_TRIES);
		if (got) {
			memcpy(t->entries, t->scratch, sizeof(t->entries));
			t->seq = got;
			changed = true;
		}
	}
	/* An overlap ended: the previous token goes, even if sluiced is gone. */
	if (now_ms >= t->prev_until_ms)
		changed = true;
	if (changed)
		apply(t, now_ms);
	if (changed || !t->dp_written_ms || now_ms - t->dp_written_ms >= SL_TABLES_DP_MS)
		write_dp(t, now_ms);
	return changed;
}

static void table_tick(void *arg)
{
	sl_tables_poll(arg, sl_tables_now_ms());
}

int sl_tables_start(sl_tables_t *t)
{
	t->ticker = (sl_ticker_t){.tick = table_tick, .arg = t, .period_ms = SL_TABLES_POLL_MS,
				  .name = "sl-tables"};
	return sl_ticker_start(&t->ticker);
}

void sl_tables_stop(sl_tables_t *t)
{
	sl_ticker_stop(&t->ticker);
}

uint64_t sl_tables_published(const sl_tables_t *t)
{
	return __atomic_load_n(&t->published, __ATOMIC_ACQUIRE);
}

uint64_t sl_tables_applied_seq(const sl_tables_t *t)
{
	return __atomic_load_n(&t->applied_seq, __ATOMIC_ACQUIRE);
}
