/* sl_metrics: sluice-dp's Prometheus endpoint (dataplane/README.md
 * "Metrics"): GET /metrics in the text exposition format (0.0.4), every
 * family with # HELP and # TYPE.
 *
 * Contract: sl_metrics_render() turns one snapshot -- what telemetry and
 * --stats-json read: sl_pipeline_stats, sl_pipeline_peer_names,
 * sl_pipeline_sources, sl_prefilter_snapshot -- into text in a caller's
 * buffer of bounded size; it allocates nothing and a snapshot of any content
 * fits in SL_METRICS_BUF_MAX. The HTTP side (libmicrohttpd) runs on one
 * control thread of its own (rte_ctrl_thread_create: the CPUs no lcore
 * uses), never on a worker lcore, and only reads; the fast path does no
 * work for it. A scraper is bounded: SL_METRICS_CONN_MAX connections,
 * SL_METRICS_PER_IP_MAX from one address, a request of at most
 * SL_METRICS_REQ_MAX bytes, SL_METRICS_TIMEOUT_S idle seconds; one scrape
 * is rendered at a time. */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_autoblock.h"
#include "sl_config.h"
#include "sl_prefilter.h"
#include "sl_srcdrops.h"
#include "sl_stats.h"

#define SL_METRICS_BUF_MAX   (256u * 1024)
#define SL_METRICS_CONN_MAX  32
#define SL_METRICS_PER_IP_MAX 8
#define SL_METRICS_TIMEOUT_S 3
#define SL_METRICS_REQ_MAX   (16u * 1024)

/* One scrape's worth of figures. */
typedef struct sl_metrics_view {
	const sl_config_t *cfg;
	const sl_stats_t *stats;           /* summed over the stages */
	const sl_peer_names_t *peers;
	const sl_srcdrops_top_t *sources;  /* at most SL_SRCDROPS_TOP_MAX */
	bool prefilter_loaded;             /* an XDP prefilter is attached */
	const sl_pf_snapshot_t *prefilter; /* NULL: not loaded, or unreadable */
	const sl_autoblock_stats_t *autoblock; /* NULL: no autoblock loop */
	double uptime_s;
	double start_time_s;               /* Unix time of the start */
} sl_metrics_view_t;

/* Writes the exposition of v into buf (cap bytes, NUL-terminated); returns
 * its length, or 0 when it does not fit. */
size_t sl_metrics_render(const sl_metrics_view_t *v, char *buf, size_t cap);

/* Name of family i ("sluice_rx_packets_total", "sluice_drops_total", ...),
 * every one the renderer may write; NULL past the last. */
const char *sl_metrics_family(unsigned i);

/* s with \, " and newline escaped as a label value wants; 0 when it does
 * not fit in out (cap bytes, with the NUL). */
size_t sl_metrics_escape_label(const char *s, char *out, size_t cap);

/* The endpoint of a running sluice-dp. */
struct sl_pipeline;
typedef struct sl_metrics sl_metrics_t;

/* Listens on cfg->metrics (NULL with err filled when it cannot, e.g. the
 * address is taken; also NULL, err "", when listen = off). cfg, p, pf
 * (NULL: no prefilter) and ab (NULL: no autoblock loop) must stay valid
 * until sl_metrics_stop. */
sl_metrics_t *sl_metrics_start(const sl_config_t *cfg, const struct sl_pipeline *p,
			       const sl_prefilter_t *pf, const sl_autoblock_t *ab, char *err,
			       size_t errlen);

/* Closes every connection and the listener; returns once the thread has
 * ended, so that what was passed to sl_metrics_start may be freed. NULL: no-op. */
void sl_metrics_stop(sl_metrics_t *m);

#endif
