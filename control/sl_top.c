/* sl_top: samples from JSON, frames from two samples (sl_top.h). */
#include "sl_top.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* sluice-dp's and the peer table's names of the per-peer counters. */
static const char *const peer_counter_names[SL_TOP_PC__COUNT] = {
	"frames_in", "first_deliveries", "duplicates", "invalid", "malformed", "frames_out",
};

void sl_top_sample_init(sl_top_sample_t *s, uint64_t t_ns)
{
	memset(s, 0, sizeof(*s));
	s->t_ns = t_ns;
}

/* ---- parsing ---------------------------------------------------------------- */

/* The answer's value: {"CMD": VALUE} with a key starting in '/' is
 * unwrapped. NULL (and *root NULL) when it is not JSON. */
static json_t *load(const char *text, json_t **root)
{
	*root = json_loads(text, JSON_DECODE_ANY, NULL);
	json_t *v = *root;
	if (json_is_object(v) && json_object_size(v) == 1) {
		const char *key = json_object_iter_key(json_object_iter(v));
		if (key[0] == '/')
			v = json_object_iter_value(json_object_iter(v));
	}
	return v;
}

static void copy_name(char *dst, size_t dstsz, const char *src)
{
	snprintf(dst, dstsz, "%s", src ? src : "");
}

static void add_counter(sl_top_sample_t *s, const char *prefix, const char *name, uint64_t v)
{
	if (s->ncounters == SL_TOP_COUNTERS_MAX)
		return;
	sl_top_counter_t *c = &s->counter[s->ncounters++];
	snprintf(c->name, sizeof(c->name), "%s%s", prefix, name);
	c->v = v;
}

static uint64_t u64(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* {"NAME": N, ...} into the sample's counters, each name after prefix. */
static int add_counters(sl_top_sample_t *s, const char *prefix, const json_t *dict)
{
	const char *name;
	json_t *v;
	if (!json_is_object(dict))
		return -1;
	json_object_foreach((json_t *)dict, name, v)
		if (json_is_integer(v))
			add_counter(s, prefix, name, u64(v));
	return 0;
}

static void set_relay(sl_top_sample_t *s, const json_t *v)
{
	const json_t *r = json_object_get(v, "relay");
	if (json_is_string(r) && s->relay[0] == '\0')
		copy_name(s->relay, sizeof(s->relay), json_string_value(r));
}

int sl_top_parse_stats(sl_top_sample_t *s, const char *json)
{
	json_t *root, *v = load(json, &root);
	int rc = json_is_object(v) ? add_counters(s, "", json_object_get(v, "counters")) : -1;
	if (rc == 0)
		set_relay(s, v);
	json_decref(root);
	return rc;
}

static sl_top_source_t *source(sl_top_sample_t *s, const char *ip)
{
	for (unsigned i = 0; i < s->nsources; i++)
		if (strcmp(s->source[i].ip, ip) == 0)
			return &s->source[i];
	if (s->nsources == SL_TOP_SOURCES_MAX)
		return NULL;
	sl_top_source_t *src = &s->source[s->nsources++];
	copy_name(src->ip, sizeof(src->ip), ip);
	return src;
}

int sl_top_parse_prefilter(sl_top_sample_t *s, const char *json)
{
	json_t *root, *v = load(json, &root);
	int rc = json_is_object(v) ? add_counters(s, "xdp ", json_object_get(v, "counters")) : -1;
	const json_t *ips = json_object_get(v, "top_sources"), *drops = json_object_get(v, "top_drops");
	for (size_t i = 0; rc == 0 && i < json_array_size(ips); i++) {
		sl_top_source_t *src = json_is_string(json_array_get(ips, i)) ?
			source(s, json_string_value(json_array_get(ips, i))) : NULL;
		if (src)
			src->xdp = u64(json_array_get(drops, i));
	}
	/* the lists: all four counts, or none (each capacity may be missing) */
	static const char *const lists[2] = {"blocklist", "allowlist"};
	uint64_t n[2][2], cap[2];
	bool all = rc == 0;
	for (unsigned l = 0; l < 2; l++) {
		char key[32];
		for (unsigned f = 0; f < 2; f++) {
			snprintf(key, sizeof(key), "%s_ipv%c", lists[l], f ? '6' : '4');
			const json_t *j = json_object_get(v, key);
			all = all && json_is_integer(j);
			n[l][f] = u64(j);
		}
		snprintf(key, sizeof(key), "%s_capacity", lists[l]);
		cap[l] = u64(json_object_get(v, key));
	}
	if (all) {
		memcpy(s->list_entries, n, sizeof(n));
		memcpy(s->list_capacity, cap, sizeof(cap));
		s->lists_known = true;
	}
	json_decref(root);
	return rc;
}

int sl_top_parse_sources(sl_top_sample_t *s, const char *json)
{
	json_t *root, *v = load(json, &root);
	const json_t *ips = json_object_get(v, "sources"), *mal = json_object_get(v, "malformed"),
		     *inv = json_object_get(v, "invalid_sig");
	int rc = json_is_array(ips) ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < json_array_size(ips); i++) {
		sl_top_source_t *src = json_is_string(json_array_get(ips, i)) ?
			source(s, json_string_value(json_array_get(ips, i))) : NULL;
		if (src) {
			src->malformed = u64(json_array_get(mal, i));
			src->invalid_sig = u64(json_array_get(inv, i));
		}
	}
	json_decref(root);
	return rc;
}

static sl_top_peer_t *peer(sl_top_sample_t *s, const char *name, bool add)
{
	for (unsigned i = 0; i < s->npeers; i++)
		if (strncmp(s->peer[i].name, name, sizeof(s->peer[i].name) - 1) == 0)
			return &s->peer[i];
	if (!add || s->npeers == SL_TOP_PEERS_MAX)
		return NULL;
	sl_top_peer_t *p = &s->peer[s->npeers++];
	copy_name(p->name, sizeof(p->name), name);
	p->srtt_ms = -1;
	return p;
}

static void peer_counters(sl_top_peer_t *p, const json_t *dict)
{
	for (unsigned i = 0; i < SL_TOP_PC__COUNT; i++)
		p->c[i] = u64(json_object_get(dict, peer_counter_names[i]));
}

int sl_top_parse_dp_peers(sl_top_sample_t *s, const char *json)
{
	json_t *root, *v = load(json, &root), *c;
	const char *name;
	int rc = json_is_object(v) ? 0 : -1;
	if (rc == 0)
		json_object_foreach(v, name, c) {
			sl_top_peer_t *p = json_is_object(c) ? peer(s, name, true) : NULL;
			if (p)
				peer_counters(p, c);
		}
	json_decref(root);
	return rc;
}

int sl_top_parse_sluiced(sl_top_sample_t *s, const char *json)
{
	json_t *root, *v = load(json, &root);
	const json_t *peers = json_object_get(v, "peers");
	if (!json_is_array(peers)) {
		json_decref(root);
		return -1;
	}
	bool known[SL_TOP_PEERS_MAX] = {0};
	const unsigned from_dp = s->npeers;
	for (size_t i = 0; i < json_array_size(peers); i++) {
		const json_t *jp = json_array_get(peers, i), *name = json_object_get(jp, "name");
		if (!json_is_string(name))
			continue;
		sl_top_peer_t *p = peer(s, json_string_value(name), false);
		if (p == NULL && (p = peer(s, json_string_value(name), true)) != NULL)
			peer_counters(p, json_object_get(jp, "dp")); /* not in sluice-dp's list (yet) */
		if (p == NULL)
			continue;
		known[p - s->peer] = true;
		copy_name(p->state, sizeof(p->state), json_string_value(json_object_get(jp, "state")));
		const json_t *rtt = json_object_get(jp, "srtt_ms");
		p->srtt_ms = json_is_number(rtt) ? json_number_value(rtt) : -1;
	}
	for (unsigned i = 0; i < from_dp; i++)
		if (!known[i])
			copy_name(s->peer[i].state, sizeof(s->peer[i].state), "static");
	s->sluiced = true;
	set_relay(s, v);
	json_decref(root);
	return 0;
}

uint64_t sl_top_counter(const sl_top_sample_t *s, const char *name)
{
	for (unsigned i = 0; i < s->ncounters; i++)
		if (strcmp(s->counter[i].name, name) == 0)
			return s->counter[i].v;
	return 0;
}

/* ---- rendering -------------------------------------------------------------- */

/* The increase of a counter; a counter lower than before restarted from 0. */
static uint64_t delta(uint64_t before, uint64_t now)
{
	return now >= before ? now - before : now;
}

struct frame {
	sl_top_screen_t *out;
	unsigned cols, rows;
	double dt; /* seconds between the samples; 0: no rates */
};

static double rate(const struct frame *f, uint64_t before, uint64_t now)
{
	return f->dt > 0 ? (double)delta(before, now) / f->dt : 0;
}

static double counter_rate(const struct frame *f, const sl_top_sample_t *prev,
			   const sl_top_sample_t *cur, const char *name)
{
	return rate(f, prev ? sl_top_counter(prev, name) : 0, sl_top_counter(cur, name));
}

/* One line, cut to the frame's width; nothing past its height. */
static void put(struct frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct frame *f, const char *fmt, ...)
{
	if (f->out->n >= f->rows)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(f->out->line[f->out->n++], f->cols + 1, "%s", buf);
}

/* A rate in at most 8 characters: 0, 0.5, 812, 12.3k, 4.56M. */
static const char *fmt_rate(double r, char buf[16])
{
	if (r >= 1e6)
		snprintf(buf, 16, "%.2fM", r / 1e6);
	else if (r >= 1e5)
		snprintf(buf, 16, "%.1fk", r / 1e3);
	else if (r >= 10 || r == 0)
		snprintf(buf, 16, "%.0f", r);
	else
		snprintf(buf, 16, "%.1f", r);
	return buf;
}

struct drop_row {
	const char *name;
	double rate;
	uint64_t total;
};

static int by_rate(const void *a, const void *b)
{
	const struct drop_row *x = a, *y = b;
	if (x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	return strcmp(x->name, y->name);
}

static bool is_drop(const char *name)
{
	return strncmp(name, "drop_", 5) == 0 || strncmp(name, "xdp drop_", 9) == 0;
}

struct source_row {
	const sl_top_source_t *src;
	double malformed, invalid, xdp;
};

static int by_source_rate(const void *a, const void *b)
{
	const struct source_row *x = a, *y = b;
	const double rx = x->malformed + x->invalid + x->xdp, ry = y->malformed + y->invalid + y->xdp;
	if (rx != ry)
		return rx < ry ? 1 : -1;
	const uint64_t tx = x->src->malformed + x->src->invalid_sig + x->src->xdp,
		       ty = y->src->malformed + y->src->invalid_sig + y->src->xdp;
	return tx != ty ? (tx < ty ? 1 : -1) : strcmp(x->src->ip, y->src->ip);
}

enum { SEC_DROPS, SEC_PEERS, SEC_SOURCES, SEC__COUNT };

/* Rows for each section's items out of `avail`: one each in turn while
 * any wants more, so that every section shows something. */
static void allot(const unsigned need[SEC__COUNT], unsigned avail, unsigned got[SEC__COUNT])
{
	bool more = true;
	memset(got, 0, SEC__COUNT * sizeof(got[0]));
	while (avail > 0 && more) {
		more = false;
		for (unsigned s = 0; s < SEC__COUNT && avail > 0; s++)
			if (got[s] < need[s]) {
				got[s]++;
				avail--;
				more = true;
			}
	}
}

/* How many of a section's `need` items to show in `rows` rows: all, or
 * rows - 1 and a "+N more" line. */
static unsigned shown(unsigned need, unsigned rows)
{
	return need <= rows ? need : rows > 0 ? rows - 1 : 0;
}

static void more_line(struct frame *f, unsigned need, unsigned rows, const char *what)
{
	if (need > rows && rows > 0)
		put(f, "  +%u more %s", need - shown(need, rows), what);
}

static const sl_top_peer_t *prev_peer(const sl_top_sample_t *prev, const char *name)
{
	for (unsigned i = 0; prev && i < prev->npeers; i++)
		if (strcmp(prev->peer[i].name, name) == 0)
			return &prev->peer[i];
	return NULL;
}

static const sl_top_source_t *prev_source(const sl_top_sample_t *prev, const char *ip)
{
	for (unsigned i = 0; prev && i < prev->nsources; i++)
		if (strcmp(prev->source[i].ip, ip) == 0)
			return &prev->source[i];
	return NULL;
}

void sl_top_render(const sl_top_sample_t *prev, const sl_top_sample_t *cur, unsigned cols,
		   unsigned rows, const char *clock, sl_top_screen_t *out)
{
	static const sl_top_peer_t no_peer;
	static const sl_top_source_t no_source;
	struct frame fr = {
		.out = out,
		.cols = cols < SL_TOP_COLS_MAX ? cols : SL_TOP_COLS_MAX,
		.rows = rows < SL_TOP_ROWS_MAX ? rows : SL_TOP_ROWS_MAX,
		.dt = prev && cur->t_ns > prev->t_ns ? (double)(cur->t_ns - prev->t_ns) / 1e9 : 0,
	};
	struct frame *f = &fr;
	char r1[16], r2[16], r3[16], r4[16], r5[16];
	out->n = 0;

	/* The drop reasons with a non-zero rate, most first. */
	struct drop_row drops[SL_TOP_COUNTERS_MAX];
	unsigned ndrops = 0;
	double dropped = 0;
	for (unsigned i = 0; i < cur->ncounters; i++) {
		const sl_top_counter_t *c = &cur->counter[i];
		const double r = counter_rate(f, prev, cur, c->name);
		if (!is_drop(c->name) || r <= 0)
			continue;
		drops[ndrops++] = (struct drop_row){c->name, r, c->v};
		if (c->name[0] == 'd')
			dropped += r;
	}
	qsort(drops, ndrops, sizeof(drops[0]), by_rate);

	struct source_row srcs[SL_TOP_SOURCES_MAX];
	for (unsigned i = 0; i < cur->nsources; i++) {
		const sl_top_source_t *s = &cur->source[i], *p = prev_source(prev, s->ip);
		p = p ? p : &no_source;
		srcs[i] = (struct source_row){s, rate(f, p->malformed, s->malformed),
					      rate(f, p->invalid_sig, s->invalid_sig), rate(f, p->xdp, s->xdp)};
	}
	qsort(srcs, cur->nsources, sizeof(srcs[0]), by_source_rate);

	char title[128];
	const int tl = snprintf(title, sizeof(title), "sluice top: relay %s%s%s, rates over %.1f s",
				cur->relay[0] ? cur->relay : "?", clock ? " at " : "",
				clock ? clock : "", fr.dt);
	put(f, "%-*s%s", (int)fr.cols > tl + 9 ? (int)fr.cols - 7 : tl + 2, title, "q: quit");
	put(f, "rx %s/s  forwarded %s/s  dropped %s/s  tx %s/s  unique %s/s",
	    fmt_rate(counter_rate(f, prev, cur, "rx_packets"), r1),
	    fmt_rate(counter_rate(f, prev, cur, "forwarded_txns"), r2), fmt_rate(dropped, r3),
	    fmt_rate(counter_rate(f, prev, cur, "tx_frames"), r4),
	    fmt_rate(counter_rate(f, prev, cur, "unique_txns"), r5));
	const double sigs = counter_rate(f, prev, cur, "verify_sigs"),
		     batches = counter_rate(f, prev, cur, "verify_batches");
	if (batches > 0)
		snprintf(r2, sizeof(r2), "%.1f", sigs / batches);
	else
		snprintf(r2, sizeof(r2), "-");
	put(f, "verify %s sig/s  batch fill %s sig/batch  rx_missed %s/s", fmt_rate(sigs, r1), r2,
	    fmt_rate(counter_rate(f, prev, cur, "rx_missed"), r3));
	if (cur->lists_known) {
		char cap[2][32];
		for (unsigned l = 0; l < 2; l++)
			if (cur->list_capacity[l])
				snprintf(cap[l], sizeof(cap[l]), " of %llu",
					 (unsigned long long)cur->list_capacity[l]);
			else
				cap[l][0] = '\0';
		put(f, "xdp lists: blocklist %llu+%llu%s, allowlist %llu+%llu%s (IPv4+IPv6)",
		    (unsigned long long)cur->list_entries[0][0],
		    (unsigned long long)cur->list_entries[0][1], cap[0],
		    (unsigned long long)cur->list_entries[1][0],
		    (unsigned long long)cur->list_entries[1][1], cap[1]);
	}

	/* Each section: a title line, then its rows. */
	const unsigned need[SEC__COUNT] = {ndrops, cur->npeers, cur->nsources};
	const unsigned fixed = out->n + SEC__COUNT;
	unsigned got[SEC__COUNT];
	allot(need, fr.rows > fixed ? fr.rows - fixed : 0, got);

	if (ndrops == 0)
		put(f, "drops: none");
	else
		put(f, "%-46s %10s %14s", "drops (most first)", "per s", "total");
	for (unsigned i = 0; i < shown(ndrops, got[SEC_DROPS]); i++)
		put(f, "  %-44.44s %10s %14llu", drops[i].name, fmt_rate(drops[i].rate, r1),
		    (unsigned long long)drops[i].total);
	more_line(f, ndrops, got[SEC_DROPS], "reasons");

	if (cur->npeers == 0)
		put(f, "peers: none");
	else
		put(f, "%-17s %-12s %7s %7s %7s %7s %7s %7s", cur->sluiced ? "peers (sluiced)" : "peers",
		    "state", "srtt_ms", "in/s", "first/s", "dup/s", "bad/s", "out/s");
	for (unsigned i = 0; i < shown(cur->npeers, got[SEC_PEERS]); i++) {
		const sl_top_peer_t *p = &cur->peer[i], *q = prev_peer(prev, p->name);
		q = q ? q : &no_peer;
		char rtt[16];
		if (p->srtt_ms > 0) /* sluiced says 0 before its first measurement */
			snprintf(rtt, sizeof(rtt), "%.2f", p->srtt_ms);
		else
			snprintf(rtt, sizeof(rtt), "-");
		const double bad = rate(f, q->c[SL_TOP_INVALID], p->c[SL_TOP_INVALID]) +
				   rate(f, q->c[SL_TOP_MALFORMED], p->c[SL_TOP_MALFORMED]);
		char r6[16];
		put(f, "  %-15.15s %-12.12s %7s %7s %7s %7s %7s %7s", p->name, p->state[0] ? p->state : "-",
		    rtt, fmt_rate(rate(f, q->c[SL_TOP_FRAMES_IN], p->c[SL_TOP_FRAMES_IN]), r1),
		    fmt_rate(rate(f, q->c[SL_TOP_FIRST], p->c[SL_TOP_FIRST]), r2),
		    fmt_rate(rate(f, q->c[SL_TOP_DUPS], p->c[SL_TOP_DUPS]), r3), fmt_rate(bad, r4),
		    fmt_rate(rate(f, q->c[SL_TOP_FRAMES_OUT], p->c[SL_TOP_FRAMES_OUT]), r6));
	}
	more_line(f, cur->npeers, got[SEC_PEERS], "peers");

	/* the name column as wide as the longest name shown (an IPv6 prefix
	 * is longer than any IPv4 address), so that the numbers line up */
	int width = 15;
	for (unsigned i = 0; i < shown(cur->nsources, got[SEC_SOURCES]); i++)
		if ((int)strlen(srcs[i].src->ip) > width)
			width = (int)strlen(srcs[i].src->ip);
	if (cur->nsources == 0)
		put(f, "sources: no drops by source");
	else
		put(f, "%-*s %11s %11s %9s %16s", width + 2, "sources (drops)", "malformed/s",
		    "invalid/s", "xdp/s", "total");
	for (unsigned i = 0; i < shown(cur->nsources, got[SEC_SOURCES]); i++) {
		const struct source_row *s = &srcs[i];
		put(f, "  %-*s %11s %11s %9s %16llu", width, s->src->ip, fmt_rate(s->malformed, r1),
		    fmt_rate(s->invalid, r2), fmt_rate(s->xdp, r3),
		    (unsigned long long)(s->src->malformed + s->src->invalid_sig + s->src->xdp));
	}
	more_line(f, cur->nsources, got[SEC_SOURCES], "sources");
}
