/* sl_tables: sluice-dp's side of the live peer table (common/sl_peertab.h;
 * dataplane/README.md, "Live peer table").
 *
 * A table thread polls the relay's peertab every SL_TABLES_POLL_MS. When its
 * `seq` moved (a consistent copy, sl_peertab_read) or a previous token's
 * overlap ended, it builds a new sl_peers_t -- the pipeline's static peers,
 * then peertab slot k at index SL_PEERTAB_DP_BASE + k -- in one of two
 * buffers allocated at create, mirrors the managed peers into the XDP
 * prefilter's sl_pf_peers (inserts and updates before the table is
 * published, deletions after), publishes it (sl_pipeline_publish_peers) and
 * reuses the table it replaced only after an RCU grace period. It writes
 * back `dp_applied_seq` and, every SL_TABLES_DP_MS, the per-peer counters
 * of the managed slots, summed over the workers, into the `dp` area.
 *
 * Contract: one thread calls sl_tables_poll() (the table thread, or a test
 * instead of it); nothing is allocated after create; a peertab that is
 * never written leaves the static table in place; the peertab is never
 * waited for (a read that keeps meeting its writer is retried next poll). */
#ifndef SL_TABLES_H
#define SL_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "sl_peertab.h"
#include "sl_pipeline.h"
#include "sl_prefilter.h"

#define SL_TABLES_POLL_MS 10
#define SL_TABLES_DP_MS 100
#define SL_TABLES_READ_TRIES 4

typedef struct sl_tables sl_tables_t;

struct sl_tables_conf {
	sl_pipeline_t *p;
	struct sl_peertab *tab;   /* the relay's, mapped (sl_peertab_open); not NULL */
	const sl_prefilter_t *pf; /* the XDP prefilter's maps; NULL: none */
};

/* NULL when out of memory. The pipeline, peertab and prefilter must outlive
 * it; the pipeline's table may be one of its buffers until it is
 * destroyed, so destroy the pipeline's users first. */
sl_tables_t *sl_tables_create(const struct sl_tables_conf *c);
/* Stops the thread if it runs; unmaps nothing. */
void sl_tables_destroy(sl_tables_t *t);

/* One poll at now_ms (CLOCK_MONOTONIC milliseconds, sl_tables_now_ms()).
 * Returns 1 when it published a new table, 0 otherwise. May wait for a
 * grace period of the pipeline's online readers. */
int sl_tables_poll(sl_tables_t *t, uint64_t now_ms);

/* The table thread: sl_tables_poll every SL_TABLES_POLL_MS until stopped.
 * 0, or -1 with errno. */
int sl_tables_start(sl_tables_t *t);
void sl_tables_stop(sl_tables_t *t);

/* Tables published so far, and the peertab `seq` of the last one. */
uint64_t sl_tables_published(const sl_tables_t *t);
uint64_t sl_tables_applied_seq(const sl_tables_t *t);

uint64_t sl_tables_now_ms(void);

#endif
