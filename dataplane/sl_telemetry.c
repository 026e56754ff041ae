#include "sl_telemetry.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_rwlock.h>
#include <rte_telemetry.h>

/* What the commands read; NULL after sl_telemetry_detach. The lock keeps
 * sluice-dp from freeing them under a command in progress. */
static rte_rwlock_t tel_lock = RTE_RWLOCK_INITIALIZER;
static const sl_config_t *tel_cfg;
static const sl_pipeline_t *tel_pipeline;
static const sl_prefilter_t *tel_pf;

static int cmd_stats(struct rte_tel_data *d)
{
	sl_stats_t s;
	sl_pipeline_stats(tel_pipeline, &s);
	struct rte_tel_data *c = rte_tel_data_alloc();
	if (!c)
		return -1;
	rte_tel_data_start_dict(c);
	for (unsigned i = 0; i < SL_C__COUNT; i++)
		if (sl_stats_name(i))
			rte_tel_data_add_dict_u64(c, sl_stats_name(i), s.c[i]);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "relay", tel_cfg->name);
	rte_tel_data_add_dict_container(d, "counters", c, 0);
	rte_tel_data_add_dict_u64(d, "dedup_window_ns", s.dedup_window_ns);
	rte_tel_data_add_dict_u64(d, "dedup_fill", s.dedup_fill);
	return 0;
}

static int cmd_peers(struct rte_tel_data *d)
{
	sl_stats_t s;
	sl_peer_names_t names;
	sl_pipeline_stats(tel_pipeline, &s);
	sl_pipeline_peer_names(tel_pipeline, &names);
	rte_tel_data_start_dict(d);
	for (unsigned k = 0; k < names.n; k++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		if (!c)
			return -1;
		rte_tel_data_start_dict(c);
		for (unsigned i = 0; i < SL_PC__COUNT; i++)
			rte_tel_data_add_dict_u64(c, sl_stats_peer_name(i), s.peer[names.idx[k]][i]);
		rte_tel_data_add_dict_container(d, names.name[k], c, 0);
	}
	return 0;
}

/* Telemetry dict names may not contain '.', so the top sources are two
 * arrays in step: top_sources[i] (an IPv4 address or an IPv6
 * prefix, sl_pf_src_str) dropped top_drops[i]. */
static int cmd_prefilter(struct rte_tel_data *d)
{
	/* kept, per telemetry thread: the lists are walked again only when
	 * they changed (sl_prefilter_snapshot) */
	static _Thread_local sl_pf_snapshot_t s;
	if (sl_prefilter_snapshot(tel_pf, &s) != 0)
		return -1;
	struct rte_tel_data *c = rte_tel_data_alloc(), *ips = rte_tel_data_alloc(),
			    *drops = rte_tel_data_alloc();
	if (!c || !ips || !drops) {
		rte_tel_data_free(c);
		rte_tel_data_free(ips);
		rte_tel_data_free(drops);
		return -1;
	}
	rte_tel_data_start_dict(c);
	for (unsigned i = 0; i < SL_PF__COUNT; i++)
		rte_tel_data_add_dict_u64(c, sl_prefilter_counter_name(i), s.c[i]);
	rte_tel_data_start_array(ips, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(drops, RTE_TEL_U64_VAL);
	for (unsigned i = 0; i < s.top.n; i++) {
		char ip[SL_PF_SRC_STR_SZ];
		sl_pf_src_str(&s.top.src[i], ip);
		rte_tel_data_add_array_string(ips, ip);
		rte_tel_data_add_array_u64(drops, s.top.src[i].drops);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "relay", tel_cfg->name);
	rte_tel_data_add_dict_container(d, "counters", c, 0);
	rte_tel_data_add_dict_container(d, "top_sources", ips, 0);
	rte_tel_data_add_dict_container(d, "top_drops", drops, 0);
	/* the lists' entries and capacities, flat: "blocklist_ipv4", ...,
	 * "blocklist_capacity" (each family's) */
	for (unsigned l = 0; l < SL_PF_LISTS; l++)
		for (unsigned f = 0; f < 3; f++) {
			char name[32];
			snprintf(name, sizeof(name), "%s_%s", sl_pf_list_name(l),
				 f == 2 ? "capacity" : f ? "ipv6" : "ipv4");
			rte_tel_data_add_dict_u64(d, name,
						  f == 2 ? sl_pf_list_capacity(l) : s.list_entries[l][f]);
		}
	return 0;
}

/* The ingest clients dropped most, as parallel arrays like the prefilter's
 * top sources: sources[i] (an IPv4 address or an IPv6 prefix,
 * sl_srcaddr_str) sent malformed[i] unparsable transactions and
 * invalid_sig[i] with bad signatures. */
static int cmd_sources(struct rte_tel_data *d)
{
	sl_srcdrops_top_t top;
	sl_pipeline_sources(tel_pipeline, SL_SRCDROPS_TOP_MAX, &top);
	struct rte_tel_data *ips = rte_tel_data_alloc(), *n[SL_SRC__COUNT] = {0};
	bool ok = ips != NULL;
	for (unsigned c = 0; c < SL_SRC__COUNT; c++)
		ok = (n[c] = rte_tel_data_alloc()) != NULL && ok;
	if (!ok) {
		rte_tel_data_free(ips);
		for (unsigned c = 0; c < SL_SRC__COUNT; c++)
			rte_tel_data_free(n[c]);
		return -1;
	}
	rte_tel_data_start_array(ips, RTE_TEL_STRING_VAL);
	for (unsigned c = 0; c < SL_SRC__COUNT; c++)
		rte_tel_data_start_array(n[c], RTE_TEL_U64_VAL);
	for (unsigned i = 0; i < top.n; i++) {
		char src[SL_SRCADDR_STR_SZ];
		sl_srcaddr_str(&top.src[i].addr, src);
		rte_tel_data_add_array_string(ips, src);
		for (unsigned c = 0; c < SL_SRC__COUNT; c++)
			rte_tel_data_add_array_u64(n[c], top.src[i].n[c]);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "relay", tel_cfg->name);
	rte_tel_data_add_dict_container(d, "sources", ips, 0);
	for (unsigned c = 0; c < SL_SRC__COUNT; c++)
		rte_tel_data_add_dict_container(d, sl_srcdrops_class_name(c), n[c], 0);
	return 0;
}

/* Every command, under the read lock; after sl_telemetry_detach each
 * answers null (what DPDK telemetry sends for a failed command). */
static int serve(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)params;
	int rc = -1;
	rte_rwlock_read_lock(&tel_lock);
	if (!tel_pipeline)
		rc = -1;
	else if (strcmp(cmd, "/sluice/stats") == 0)
		rc = cmd_stats(d);
	else if (strcmp(cmd, "/sluice/peers") == 0)
		rc = cmd_peers(d);
	else if (strcmp(cmd, "/sluice/sources") == 0)
		rc = cmd_sources(d);
	else if (strcmp(cmd, "/sluice/prefilter") == 0 && tel_pf)
		rc = cmd_prefilter(d);
	rte_rwlock_read_unlock(&tel_lock);
	return rc;
}

int sl_telemetry_register(const sl_config_t *cfg, const sl_pipeline_t *p,
			  const sl_prefilter_t *pf)
{
	rte_rwlock_write_lock(&tel_lock);
	tel_cfg = cfg;
	tel_pipeline = p;
	tel_pf = pf;
	rte_rwlock_write_unlock(&tel_lock);
	if (rte_telemetry_register_cmd("/sluice/stats", serve,
				       "sluice-dp counters (all lcores summed). No parameters") != 0 ||
	    rte_telemetry_register_cmd("/sluice/peers", serve,
				       "sluice-dp per-peer counters. No parameters") != 0 ||
	    rte_telemetry_register_cmd("/sluice/sources", serve,
				       "ingest clients with the most malformed and bad-signature "
				       "drops. No parameters") != 0)
		return -1;
	return pf ? rte_telemetry_register_cmd("/sluice/prefilter", serve,
					       "XDP prefilter counters and the sources it dropped "
					       "most. No parameters")
		  : 0;
}

void sl_telemetry_detach(void)
{
	rte_rwlock_write_lock(&tel_lock);
	tel_cfg = NULL;
	tel_pipeline = NULL;
	tel_pf = NULL;
	rte_rwlock_write_unlock(&tel_lock);
}
