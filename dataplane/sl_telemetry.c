#include "sl_telemetry.h"

#include <rte_telemetry.h>

static const sl_config_t *tel_cfg;
static const sl_pipeline_t *tel_pipeline;
static const sl_prefilter_t *tel_pf;

static int cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
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
	return 0;
}

static int cmd_peers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	sl_stats_t s;
	sl_pipeline_stats(tel_pipeline, &s);
	rte_tel_data_start_dict(d);
	for (unsigned p = 0; p < tel_cfg->npeers; p++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		if (!c)
			return -1;
		rte_tel_data_start_dict(c);
		for (unsigned i = 0; i < SL_PC__COUNT; i++)
			rte_tel_data_add_dict_u64(c, sl_stats_peer_name(i), s.peer[p][i]);
		rte_tel_data_add_dict_container(d, tel_cfg->peers[p].name, c, 0);
	}
	return 0;
}

/* Telemetry dict names may not contain '.', so the top sources are two
 * arrays in step: top_sources[i] (dotted quad) dropped top_drops[i]. */
static int cmd_prefilter(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	sl_pf_snapshot_t s;
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
		char ip[SL_PF_IP_STR_SZ];
		sl_pf_ip_str(s.top.src[i].ip, ip);
		rte_tel_data_add_array_string(ips, ip);
		rte_tel_data_add_array_u64(drops, s.top.src[i].drops);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "relay", tel_cfg->name);
	rte_tel_data_add_dict_container(d, "counters", c, 0);
	rte_tel_data_add_dict_container(d, "top_sources", ips, 0);
	rte_tel_data_add_dict_container(d, "top_drops", drops, 0);
	return 0;
}

int sl_telemetry_register(const sl_config_t *cfg, const sl_pipeline_t *p,
			  const sl_prefilter_t *pf)
{
	tel_cfg = cfg;
	tel_pipeline = p;
	tel_pf = pf;
	if (rte_telemetry_register_cmd("/sluice/stats", cmd_stats,
				       "sluice-dp counters (all lcores summed). No parameters") != 0 ||
	    rte_telemetry_register_cmd("/sluice/peers", cmd_peers,
				       "sluice-dp per-peer counters. No parameters") != 0)
		return -1;
	return pf ? rte_telemetry_register_cmd("/sluice/prefilter", cmd_prefilter,
					       "XDP prefilter counters and the sources it dropped "
					       "most. No parameters")
		  : 0;
}
