#include "sl_metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <rte_lcore.h>

#include "sl_pipeline.h"
#include "sluice/sl_compiler.h"

#ifndef SL_VERSION
#define SL_VERSION "unknown"
#endif

/* ---- the families ------------------------------------------------------- */

struct fam {
	const char *name, *type, *help;
};

enum {
	F_BUILD, F_START, F_UPTIME, F_WORKERS, F_DROPS, F_DEDUP_CAP, F_DEDUP_FILL, F_DEDUP_WINDOW,
	F_SOURCES, F_PF_LOADED, F_PF_PACKETS, F_PF_SOURCES, F_PF_LIST_ENTRIES, F_PF_LIST_CAP,
	F_AB_BLOCKS, F_AB_PROTECTED, F_AB_ERRORS, F_AB_ACTIVE, F__COUNT
};

static const struct fam fixed[F__COUNT] = {
	[F_BUILD] = {"sluice_build_info", "gauge",
		     "Always 1: the relay's name, sluice's version and the verify backend."},
	[F_START] = {"sluice_start_time_seconds", "gauge", "Unix time sluice-dp started."},
	[F_UPTIME] = {"sluice_uptime_seconds", "gauge", "Seconds since sluice-dp started."},
	[F_WORKERS] = {"sluice_workers", "gauge", "Dedup and verify workers (shards)."},
	[F_DROPS] = {"sluice_drops_total", "counter",
		     "Packets dropped, by reason: with sluice_forwarded_txns_total, the one final "
		     "bucket of every packet taken in (sluice_rx_packets_total)."},
	[F_DEDUP_CAP] = {"sluice_dedup_capacity_entries", "gauge",
			 "Entries the dedup caches hold, summed over the workers: bytes (every "
			 "transaction's bytes seen, exact) and verified_ids (ids verified valid, lossy)."},
	[F_DEDUP_FILL] = {"sluice_dedup_fill_entries", "gauge",
			  "Entries the exact dedup cache holds now, summed over the workers."},
	[F_DEDUP_WINDOW] = {"sluice_dedup_window_seconds", "gauge",
			    "Dedup window: age of the oldest remembered transaction in the "
			    "shard that remembers least (0: none yet)."},
	[F_SOURCES] = {"sluice_source_drops_total", "counter",
		       "Ingest clients with the most malformed and bad-signature drops (at most 16 "
		       "sources: IPv4 addresses, IPv6 prefixes), by class."},
	[F_PF_LOADED] = {"sluice_prefilter_loaded", "gauge",
			 "1 when an XDP prefilter is attached and its maps were read."},
	[F_PF_PACKETS] = {"sluice_prefilter_packets_total", "counter",
			  "What the XDP prefilter did with each frame, by reason."},
	[F_PF_SOURCES] = {"sluice_prefilter_source_drops_total", "counter",
			  "Sources the XDP prefilter dropped most (at most 16)."},
	[F_PF_LIST_ENTRIES] = {"sluice_prefilter_list_entries", "gauge",
			       "Entries of the XDP prefilter's blocklist and allowlist, by family "
			       "(expired blocks not yet swept among them)."},
	[F_PF_LIST_CAP] = {"sluice_prefilter_list_capacity_entries", "gauge",
			   "Entries each family's blocklist and allowlist hold at most; a full "
			   "list refuses more (see sluice_autoblock_errors_total)."},
	[F_AB_BLOCKS] = {"sluice_autoblock_blocks_total", "counter",
			 "Sources the autoblock loop put on the XDP blocklist, by the class of "
			 "drops that crossed its threshold."},
	[F_AB_PROTECTED] = {"sluice_autoblock_protected_total", "counter",
			    "Windows in which a protected source (own address, peer, allowlisted) "
			    "crossed a threshold and was not blocked."},
	[F_AB_ERRORS] = {"sluice_autoblock_errors_total", "counter",
			 "Blocks the autoblock loop could not write (e.g. a full blocklist)."},
	[F_AB_ACTIVE] = {"sluice_autoblock_active", "gauge",
			 "The autoblock loop's blocks not yet expired."},
};

/* A stage counter i is the family sluice_<name>_total; drop_* counters go
 * to sluice_drops_total instead. */
static const char *const stage_family[] = {
#define SL_STAGE_FAMILY(name) "sluice_" #name "_total",
	SL_COUNTERS(SL_STAGE_FAMILY)
#undef SL_STAGE_FAMILY
};

static const char *const stage_help[SL_C__COUNT] = {
	[SL_C_rx_packets] = "Frames taken from the port.",
	[SL_C_rx_bytes] = "Bytes of the frames taken from the port.",
	[SL_C_rx_missed] = "Frames the port lost before rx (ring full); not in rx_packets.",
	[SL_C_rx_nombuf] = "Frames the port lost before rx for want of an mbuf.",
	[SL_C_rx_errors] = "Bad frames the port itself dropped.",
	[SL_C_ingest_txns] = "Transactions accepted from the ingest port.",
	[SL_C_gossip_txns] = "Transactions accepted from relay peers.",
	[SL_C_parsed_txns] = "Transactions parsed.",
	[SL_C_dup_verified_id] = "Of the duplicate drops: the id of a transaction already verified "
				 "valid.",
	[SL_C_unique_txns] = "First sightings, sent to verification.",
	[SL_C_verify_batches] = "Signature verification batches.",
	[SL_C_verify_sigs] = "Signatures verified.",
	[SL_C_verify_singles] = "Of the signatures verified: checked singly, not in a batch equation "
				"(small batches, or many invalid: the batch verifier's fallback).",
	[SL_C_forwarded_txns] = "Valid transactions forwarded the first time: the good final bucket.",
	[SL_C_fanout_ttl_expired] = "Valid transactions not re-gossiped: outgoing TTL 0.",
	[SL_C_tx_frames] = "Frames the port accepted.",
	[SL_C_tx_bytes] = "Bytes of the frames the port accepted.",
	[SL_C_tx_dropped] = "Frames built but not sent (port full, no mbuf).",
	[SL_C_tx_nombuf] = "Of tx_dropped: no mbuf to build the frame in.",
};

static const char *const peer_family[SL_PC__COUNT] = {
#define SL_PEER_FAMILY(name) "sluice_peer_" #name "_total",
	SL_PEER_COUNTERS(SL_PEER_FAMILY)
#undef SL_PEER_FAMILY
};

static const char *const peer_help[SL_PC__COUNT] = {
	[SL_PC_frames_in] = "Gossip frames accepted from the peer.",
	[SL_PC_first_deliveries] = "Valid transactions the peer delivered first.",
	[SL_PC_duplicates] = "Duplicates the peer sent.",
	[SL_PC_invalid] = "Transactions with a bad signature the peer sent.",
	[SL_PC_malformed] = "Malformed transactions the peer sent.",
	[SL_PC_frames_out] = "Frames sent to the peer.",
};

static bool is_drop(unsigned i)
{
	const char *name = sl_stats_name(i);
	return name && strncmp(name, "drop_", 5) == 0;
}

const char *sl_metrics_family(unsigned i)
{
	for (unsigned k = 0; k < F__COUNT; k++)
		if (i-- == 0)
			return fixed[k].name;
	for (unsigned k = 0; k < SL_ARRAY_LEN(stage_family); k++)
		if (!is_drop(k) && i-- == 0)
			return stage_family[k];
	for (unsigned k = 0; k < SL_PC__COUNT; k++)
		if (i-- == 0)
			return peer_family[k];
	return NULL;
}

/* ---- rendering ---------------------------------------------------------- */

struct out {
	char *b;
	size_t cap, len;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->b + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void head_fixed(struct out *o, unsigned f)
{
	head(o, fixed[f].name, fixed[f].type, fixed[f].help);
}

size_t sl_metrics_escape_label(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
		size_t k = rep ? 2 : 1;
		if (n + k >= cap)
			return 0;
		if (rep)
			memcpy(out + n, rep, 2);
		else
			out[n] = *s;
		n += k;
	}
	if (n >= cap)
		return 0;
	out[n] = '\0';
	return n;
}

/* `name{label="value"} v`, the value escaped. */
#define SL_LABEL_MAX 128
static void sample1(struct out *o, const char *name, const char *label, const char *value,
		    uint64_t v)
{
	char esc[SL_LABEL_MAX];
	if (!sl_metrics_escape_label(value, esc, sizeof(esc)))
		snprintf(esc, sizeof(esc), "?");
	put(o, "%s{%s=\"%s\"} %llu\n", name, label, esc, (unsigned long long)v);
}

/* Slots of one worker's lossy id cache (sl_idcache_footprint's rule). */
static uint64_t idcache_slots(uint64_t cap)
{
	uint64_t s = 8;
	while (s < cap)
		s <<= 1;
	return s;
}

static void render_process(struct out *o, const sl_metrics_view_t *v)
{
	char relay[SL_LABEL_MAX], ver[SL_LABEL_MAX], backend[SL_LABEL_MAX];
	if (!sl_metrics_escape_label(v->cfg->name, relay, sizeof(relay)) ||
	    !sl_metrics_escape_label(SL_VERSION, ver, sizeof(ver)) ||
	    !sl_metrics_escape_label(sl_verify_backend_name(v->cfg->verify_backend), backend,
				     sizeof(backend)))
		o->full = true;
	head_fixed(o, F_BUILD);
	put(o, "%s{relay=\"%s\",version=\"%s\",verify_backend=\"%s\"} 1\n", fixed[F_BUILD].name,
	    relay, ver, backend);
	head_fixed(o, F_START);
	put(o, "%s %.3f\n", fixed[F_START].name, v->start_time_s);
	head_fixed(o, F_UPTIME);
	put(o, "%s %.3f\n", fixed[F_UPTIME].name, v->uptime_s);
	head_fixed(o, F_WORKERS);
	put(o, "%s %u\n", fixed[F_WORKERS].name, v->cfg->workers);
}

static void render_counters(struct out *o, const sl_metrics_view_t *v)
{
	const sl_stats_t *s = v->stats;
	for (unsigned i = 0; i < SL_ARRAY_LEN(stage_family); i++) {
		if (is_drop(i))
			continue;
		head(o, stage_family[i], "counter",
		     stage_help[i] ? stage_help[i] : "A sluice-dp stage counter.");
		put(o, "%s %llu\n", stage_family[i], (unsigned long long)s->c[i]);
	}
	head_fixed(o, F_DROPS);
	for (unsigned i = 0; i < SL_C__COUNT; i++)
		if (is_drop(i))
			sample1(o, fixed[F_DROPS].name, "reason", sl_stats_name(i) + 5, s->c[i]);

	/* each worker's caches are capacity / workers (sl_pipeline) */
	uint64_t per = v->cfg->dedup_capacity / v->cfg->workers;
	head_fixed(o, F_DEDUP_CAP);
	sample1(o, fixed[F_DEDUP_CAP].name, "cache", "bytes", per * v->cfg->workers);
	sample1(o, fixed[F_DEDUP_CAP].name, "cache", "verified_ids",
		idcache_slots(per) * v->cfg->workers);
	head_fixed(o, F_DEDUP_FILL);
	sample1(o, fixed[F_DEDUP_FILL].name, "cache", "bytes", s->dedup_fill);
	head_fixed(o, F_DEDUP_WINDOW);
	put(o, "%s %.9f\n", fixed[F_DEDUP_WINDOW].name, (double)s->dedup_window_ns / 1e9);
}

static void render_peers(struct out *o, const sl_metrics_view_t *v)
{
	for (unsigned i = 0; i < SL_PC__COUNT; i++) {
		head(o, peer_family[i], "counter", peer_help[i]);
		for (unsigned k = 0; k < v->peers->n; k++)
			sample1(o, peer_family[i], "peer", v->peers->name[k],
				v->stats->peer[v->peers->idx[k]][i]);
	}
}

static void render_sources(struct out *o, const sl_metrics_view_t *v)
{
	head_fixed(o, F_SOURCES);
	unsigned n = v->sources->n < SL_SRCDROPS_TOP_MAX ? v->sources->n : SL_SRCDROPS_TOP_MAX;
	for (unsigned i = 0; i < n; i++) {
		char src[SL_SRCADDR_STR_SZ];
		sl_srcaddr_str(&v->sources->src[i].addr, src);
		for (unsigned c = 0; c < SL_SRC__COUNT; c++)
			put(o, "%s{source=\"%s\",class=\"%s\"} %llu\n", fixed[F_SOURCES].name, src,
			    sl_srcdrops_class_name(c), (unsigned long long)v->sources->src[i].n[c]);
	}
}

static void render_prefilter(struct out *o, const sl_metrics_view_t *v)
{
	const sl_pf_snapshot_t *pf = v->prefilter;
	head_fixed(o, F_PF_LOADED);
	put(o, "%s %d\n", fixed[F_PF_LOADED].name, pf != NULL);
	if (!pf)
		return;
	head_fixed(o, F_PF_PACKETS);
	for (unsigned i = 0; i < SL_PF__COUNT; i++)
		sample1(o, fixed[F_PF_PACKETS].name, "reason", sl_prefilter_counter_name(i), pf->c[i]);
	head_fixed(o, F_PF_SOURCES);
	unsigned n = pf->top.n < SL_PF_TOP_MAX ? pf->top.n : SL_PF_TOP_MAX;
	for (unsigned i = 0; i < n; i++) {
		char ip[SL_PF_SRC_STR_SZ];
		sl_pf_src_str(&pf->top.src[i], ip);
		sample1(o, fixed[F_PF_SOURCES].name, "source", ip, pf->top.src[i].drops);
	}
	/* the lists' entries, then their capacities, by list and family */
	static const char *const family[2] = {"ipv4", "ipv6"};
	static const unsigned fams[2] = {F_PF_LIST_ENTRIES, F_PF_LIST_CAP};
	for (unsigned k = 0; k < 2; k++) {
		head_fixed(o, fams[k]);
		for (unsigned l = 0; l < SL_PF_LISTS; l++)
			for (unsigned f = 0; f < 2; f++)
				put(o, "%s{list=\"%s\",family=\"%s\"} %u\n", fixed[fams[k]].name,
				    sl_pf_list_name(l), family[f],
				    k ? sl_pf_list_capacity(l) : pf->list_entries[l][f]);
	}
}

static void render_autoblock(struct out *o, const sl_metrics_view_t *v)
{
	const sl_autoblock_stats_t *ab = v->autoblock;
	head_fixed(o, F_AB_BLOCKS);
	for (unsigned c = 0; c < SL_SRC__COUNT; c++)
		sample1(o, fixed[F_AB_BLOCKS].name, "class", sl_srcdrops_class_name(c),
			ab->blocks_by[c]);
	head_fixed(o, F_AB_PROTECTED);
	put(o, "%s %llu\n", fixed[F_AB_PROTECTED].name, (unsigned long long)ab->protected_sources);
	head_fixed(o, F_AB_ERRORS);
	put(o, "%s %llu\n", fixed[F_AB_ERRORS].name, (unsigned long long)ab->errors);
	head_fixed(o, F_AB_ACTIVE);
	put(o, "%s %llu\n", fixed[F_AB_ACTIVE].name, (unsigned long long)ab->active);
}

size_t sl_metrics_render(const sl_metrics_view_t *v, char *buf, size_t cap)
{
	struct out o = {.b = buf, .cap = cap};
	if (!cap)
		return 0;
	buf[0] = '\0';
	render_process(&o, v);
	render_counters(&o, v);
	render_peers(&o, v);
	render_sources(&o, v);
	if (v->prefilter_loaded)
		render_prefilter(&o, v);
	if (v->autoblock)
		render_autoblock(&o, v);
	if (o.full) {
		buf[0] = '\0';
		return 0;
	}
	return o.len;
}

/* ---- the HTTP side ------------------------------------------------------ */

struct sl_metrics {
	sl_stats_t stats; /* first: cache-aligned */
	sl_peer_names_t names;
	sl_srcdrops_top_t sources;
	sl_pf_snapshot_t pf_snap;
	sl_autoblock_stats_t ab_snap;
	struct MHD_Daemon *d;
	pthread_t thread;
	bool stop;
	const sl_config_t *cfg;
	const struct sl_pipeline *p;
	const sl_prefilter_t *pf;
	const sl_autoblock_t *ab;
	struct timespec t0;
	double start_unix;
	char buf[SL_METRICS_BUF_MAX];
};

/* One snapshot, taken with the readers telemetry and --stats-json use. */
static size_t scrape(struct sl_metrics *m)
{
	sl_pipeline_stats(m->p, &m->stats);
	sl_pipeline_peer_names(m->p, &m->names);
	sl_pipeline_sources(m->p, SL_SRCDROPS_TOP_MAX, &m->sources);
	const sl_pf_snapshot_t *pf = NULL;
	if (m->pf && sl_prefilter_snapshot(m->pf, &m->pf_snap) == 0)
		pf = &m->pf_snap;
	if (m->ab)
		sl_autoblock_stats(m->ab, &m->ab_snap);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	sl_metrics_view_t v = {
		.cfg = m->cfg, .stats = &m->stats, .peers = &m->names, .sources = &m->sources,
		.prefilter_loaded = m->pf != NULL, .prefilter = pf,
		.autoblock = m->ab ? &m->ab_snap : NULL,
		.uptime_s = (double)(now.tv_sec - m->t0.tv_sec) +
			    (double)(now.tv_nsec - m->t0.tv_nsec) / 1e9,
		.start_time_s = m->start_unix,
	};
	return sl_metrics_render(&v, m->buf, sizeof(m->buf));
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_sz, void **con_cls)
{
	struct sl_metrics *m = cls;
	(void)version, (void)upload, (void)upload_sz, (void)con_cls;
	static const char text[] = "text/plain; charset=utf-8";
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		static const char msg[] = "sluice-dp: GET /metrics\n";
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, msg, sizeof(msg) - 1);
	}
	if (strcmp(url, "/metrics") != 0) {
		static const char msg[] = "sluice-dp: the metrics are at /metrics\n";
		return reply(c, MHD_HTTP_NOT_FOUND, text, msg, sizeof(msg) - 1);
	}
	size_t n = scrape(m);
	if (!n) {
		static const char msg[] = "sluice-dp: the metrics do not fit the buffer\n";
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, msg, sizeof(msg) - 1);
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", m->buf, n);
}

static void *serve(void *arg)
{
	struct sl_metrics *m = arg;
	while (!__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE))
		if (MHD_run_wait(m->d, 200) != MHD_YES)
			nanosleep(&(struct timespec){.tv_nsec = 200 * 1000 * 1000}, NULL); /* never spin */
	return NULL;
}

sl_metrics_t *sl_metrics_start(const sl_config_t *cfg, const struct sl_pipeline *p,
			       const sl_prefilter_t *pf, const sl_autoblock_t *ab, char *err,
			       size_t errlen)
{
	err[0] = '\0';
	if (!cfg->metrics.enabled)
		return NULL;
	size_t sz = (sizeof(struct sl_metrics) + SL_CACHE_LINE - 1) / SL_CACHE_LINE * SL_CACHE_LINE;
	struct sl_metrics *m = aligned_alloc(SL_CACHE_LINE, sz);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->p = p;
	m->pf = pf;
	m->ab = ab;
	clock_gettime(CLOCK_MONOTONIC, &m->t0);
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	m->start_unix = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;

	struct sockaddr_storage sa;
	sl_addr_sockaddr(&cfg->metrics.addr, cfg->metrics.port, &sa);
	char addr[SL_ADDR_PORT_STR_SZ];
	sl_addr_port_str(&cfg->metrics.addr, cfg->metrics.port, addr);
	/* No thread of MHD's own: ours (below) drives it, on the control CPUs.
	 * An IPv6 address: MHD_USE_IPv6 (an IPv6-only socket), or MHD would
	 * open an IPv4 one for it. */
	const unsigned flags = MHD_USE_EPOLL | (cfg->metrics.addr.family == 6 ? MHD_USE_IPv6 : 0);
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)SL_METRICS_CONN_MAX,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SL_METRICS_PER_IP_MAX,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SL_METRICS_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SL_METRICS_REQ_MAX,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)SL_METRICS_CONN_MAX,
				MHD_OPTION_END);
	if (!m->d) {
		snprintf(err, errlen, "cannot listen on %s (taken, or not an address here)", addr);
		free(m);
		return NULL;
	}
	int rc = rte_ctrl_thread_create(&m->thread, "sl-metrics", NULL, serve, m);
	if (rc != 0) {
		snprintf(err, errlen, "no thread: %s", strerror(rc < 0 ? -rc : rc));
		MHD_stop_daemon(m->d);
		free(m);
		return NULL;
	}
	return m;
}

void sl_metrics_stop(sl_metrics_t *m)
{
	if (!m)
		return;
	__atomic_store_n(&m->stop, true, __ATOMIC_RELEASE);
	pthread_join(m->thread, NULL);
	MHD_stop_daemon(m->d);
	free(m);
}
