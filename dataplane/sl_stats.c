#include "sl_stats.h"

#include <string.h>

#include <rte_ethdev.h>

#include "sl_table.h"

static const char *const names[SL_C__COUNT] = {
#define SL_COUNTER_NAME(name) #name,
	SL_COUNTERS(SL_COUNTER_NAME)
#undef SL_COUNTER_NAME
#define SL_PARSE_NAME(name, str) "drop_parse_" str,
	SL_TXN_ERRORS(SL_PARSE_NAME)
#undef SL_PARSE_NAME
};

static const char *const peer_names[SL_PC__COUNT] = {
#define SL_PEER_COUNTER_NAME(name) #name,
	SL_PEER_COUNTERS(SL_PEER_COUNTER_NAME)
#undef SL_PEER_COUNTER_NAME
};

const char *sl_stats_name(unsigned i)
{
	if (i >= SL_C__COUNT || i == SL_C_PARSE_BASE + SL_TXN_OK)
		return NULL;
	return names[i];
}

const char *sl_stats_peer_name(unsigned i)
{
	return i < SL_PC__COUNT ? peer_names[i] : NULL;
}

void sl_stats_sum(const sl_stats_t *const *parts, unsigned n, sl_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; k < n; k++) {
		const sl_stats_t *s = parts[k];
		for (unsigned i = 0; i < SL_C__COUNT; i++)
			out->c[i] += s->c[i];
		for (unsigned p = 0; p < SL_PEERS_MAX; p++)
			for (unsigned i = 0; i < SL_PC__COUNT; i++)
				out->peer[p][i] += s->peer[p][i];
		out->dedup_fill += s->dedup_fill;
		if (s->dedup_window_ns &&
		    (!out->dedup_window_ns || s->dedup_window_ns < out->dedup_window_ns))
			out->dedup_window_ns = s->dedup_window_ns;
	}
}

void sl_stats_set_port_losses(sl_stats_t *s, const struct rte_eth_stats *port)
{
	s->c[SL_C_rx_missed] = port->imissed;
	s->c[SL_C_rx_nombuf] = port->rx_nombuf;
	s->c[SL_C_rx_errors] = port->ierrors;
}

uint64_t sl_stats_drops(const sl_stats_t *s)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < SL_C__COUNT; i++) {
		const char *name = sl_stats_name(i);
		if (name && strncmp(name, "drop_", 5) == 0)
			sum += s->c[i];
	}
	return sum;
}

void sl_stats_write_json(FILE *f, const sl_config_t *cfg, const sl_stats_t *s,
			 const sl_peer_names_t *peers, const sl_srcdrops_top_t *sources,
			 const sl_pf_snapshot_t *prefilter, const sl_autoblock_stats_t *autoblock)
{
	/* Names are [A-Za-z0-9_-] (sl_config checks; sl_peers keeps managed
	 * peers' names to it), so nothing needs escaping. */
	fprintf(f, "{\"relay\": \"%s\",\n \"counters\": {", cfg->name);
	const char *sep = "";
	for (unsigned i = 0; i < SL_C__COUNT; i++) {
		const char *name = sl_stats_name(i);
		if (!name)
			continue;
		fprintf(f, "%s\"%s\": %llu", sep, name, (unsigned long long)s->c[i]);
		sep = ", ";
	}
	fprintf(f, "},\n \"dedup_window_ns\": %llu,\n \"dedup_fill\": %llu,\n \"peers\": {",
		(unsigned long long)s->dedup_window_ns, (unsigned long long)s->dedup_fill);
	for (unsigned k = 0; k < peers->n; k++) {
		fprintf(f, "%s\n  \"%s\": {", k ? "," : "", peers->name[k]);
		for (unsigned i = 0; i < SL_PC__COUNT; i++)
			fprintf(f, "%s\"%s\": %llu", i ? ", " : "", peer_names[i],
				(unsigned long long)s->peer[peers->idx[k]][i]);
		fputc('}', f);
	}
	fprintf(f, "},\n ");
	sl_srcdrops_write_json(f, sources);
	if (prefilter) {
		fprintf(f, ",\n ");
		sl_prefilter_write_json(f, prefilter);
	}
	if (autoblock) {
		fprintf(f, ",\n ");
		sl_autoblock_write_json(f, autoblock);
	}
	fprintf(f, "}\n");
}

void sl_stats_print_table(FILE *f, const sl_config_t *cfg, const sl_stats_t *s,
			  const sl_peer_names_t *peers)
{
	fprintf(f, "sluice-dp %s: counters\n", cfg->name);
	for (unsigned i = 0; i < SL_C__COUNT; i++) {
		const char *name = sl_stats_name(i);
		if (!name || (s->c[i] == 0 && strncmp(name, "drop_", 5) == 0))
			continue;
		fprintf(f, "  %-28s %20llu\n", name, (unsigned long long)s->c[i]);
	}
	fprintf(f, "  %-28s %20llu\n", "(all drops)", (unsigned long long)sl_stats_drops(s));
	fprintf(f, "  %-28s %20llu\n", "dedup_window_ns", (unsigned long long)s->dedup_window_ns);
	if (!peers->n)
		return;
	sl_table_head(f, "peer", peer_names, SL_PC__COUNT);
	for (unsigned k = 0; k < peers->n; k++)
		sl_table_row(f, peers->name[k], s->peer[peers->idx[k]], SL_PC__COUNT);
}
