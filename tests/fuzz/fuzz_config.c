/* libFuzzer target for the config parser (sluice-dp's and the control
 * daemon's): any bytes get a verdict without reading out of bounds; the count
 * returned equals the problems reported; an accepted config keeps every
 * documented bound and rule (the [control] and [score] ranges and orders,
 * the control port apart from the others, managed peers' keys and flags,
 * IPv6 peers' rules);
 * and parsing is deterministic (the same bytes give the same config). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_config.h"
#include "sluice/sl_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)file;
	(void)line;
	if (msg[0] == '\0')
		abort();
	++*(unsigned *)ctx;
}

static void broken(const char *what)
{
	fprintf(stderr, "sl_config invariant broken: %s\n", what);
	abort();
}

/* A NUL-terminated string of 1..n-1 characters in a char[n]. */
static int is_str(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	return len > 0 && len < n;
}

static int in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi; /* false for NaN */
}

static void check_tunables(const sl_config_t *a)
{
	if (!a->control_port || a->control_port == a->ingest_port ||
	    a->control_port == a->gossip_port)
		broken("control_port");
	if (a->key_file[0] && !is_str(a->key_file, sizeof(a->key_file)))
		broken("key");
	const sl_cfg_control_t *c = &a->control;
	if (!is_str(c->socket, sizeof(c->socket)) || !is_str(c->state_file, sizeof(c->state_file)))
		broken("control socket/state_file");
	/* empty is "none"; else a NUL-terminated path */
	if (strnlen(a->prefilter.state_file, sizeof(a->prefilter.state_file)) ==
	    sizeof(a->prefilter.state_file))
		broken("prefilter state_file");
	if (c->ping_interval_ms < 10 || c->ping_interval_ms > 60000 || c->ping_misses < 1 ||
	    c->ping_misses > 100 || c->clock_window_s < 1 || c->clock_window_s > 3600)
		broken("control ping/clock");
	if (c->retry_min_ms < 10 || c->retry_min_ms > c->retry_max_ms || c->retry_max_ms > 3600000)
		broken("control retry_min_ms <= retry_max_ms");
	if (c->token_overlap_s < 1 || c->token_overlap_s >= c->token_rotate_s ||
	    c->token_rotate_s > 86400)
		broken("control token_overlap_s < token_rotate_s");
	const sl_cfg_score_t *s = &a->score;
	const double w[] = {s->first_delivery_weight, s->invalid_weight, s->malformed_weight,
			    s->duplicate_weight, s->duplicate_allowance};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!in_range(w[i], 0, SL_CFG_SCORE_MAX))
			broken("score weight");
	if (!in_range(s->score_cap, 0, SL_CFG_SCORE_MAX) || s->score_cap == 0)
		broken("score_cap");
	if (!in_range(s->cutoff_threshold, -SL_CFG_SCORE_MAX, 0) || s->cutoff_threshold == 0)
		broken("cutoff_threshold");
	if (s->half_life_s < 1 || s->half_life_s > 86400 || s->cutoff_s < 1 ||
	    s->cutoff_s > s->cutoff_max_s || s->cutoff_max_s > 604800)
		broken("score half_life_s/cutoff_s");
}

static void check_peers(const sl_config_t *a)
{
	static const uint8_t zero[SL_CFG_PUBKEY_LEN];
	for (unsigned i = 0; i < a->npeers; i++) {
		const sl_cfg_peer_t *p = &a->peers[i];
		if (!p->name[0] || !p->port || !p->control_port)
			broken("peer");
		if (p->managed && p->kind != SL_PEER_RELAY)
			broken("managed peer not a relay");
		if (!p->managed && (memcmp(p->pubkey, zero, sizeof(zero)) != 0 ||
				    p->control_port != SL_PORT_CONTROL))
			broken("pubkey or control_port on an unmanaged peer");
		if (p->kind == SL_PEER_RELAY && !p->managed && (!p->has_tokens || !p->has_mac))
			broken("unmanaged relay peer without tokens or mac");
		if (p->kind == SL_PEER_VALIDATOR && (p->has_tokens || !p->has_mac || p->token_in ||
						     p->token_out))
			broken("validator's tokens or mac");
		if (!p->has_tokens && (p->token_in || p->token_out))
			broken("tokens without has_tokens");
		if (!p->has_mac && (p->mac_resolve || memcmp(p->mac, zero, 6) != 0))
			broken("mac without has_mac");
		static const uint8_t no_ip[16];
		if (p->family == 6 ? p->managed || p->mac_resolve || !a->has_ip6 ||
					     memcmp(p->ip, no_ip, 4) != 0 ||
					     memcmp(p->ip6, no_ip, 16) == 0
				   : p->family != 4 || memcmp(p->ip6, no_ip, 16) != 0)
			broken("peer family: IPv6 only static, without resolve, with [relay] ip6");
		for (unsigned j = 0; j < i; j++)
			if (p->managed && a->peers[j].managed &&
			    memcmp(p->pubkey, a->peers[j].pubkey, sizeof(p->pubkey)) == 0)
				broken("two managed peers with one pubkey");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sl_config_t a, b;
	unsigned reported = 0;
	unsigned n = sl_config_parse((const char *)data, size, "fuzz.ini", &a, count, &reported);
	if (n != reported)
		broken("return value differs from problems reported");
	if (n != 0)
		return 0;
	if (!a.name[0] || strlen(a.name) >= SL_CFG_NAME_MAX)
		broken("relay name");
	if (a.ingest_port == a.gossip_port || !a.ingest_port || !a.gossip_port)
		broken("ports");
	if (a.batch_size < 1 || a.batch_size > SL_CFG_BATCH_MAX)
		broken("batch_size");
	if (a.workers < 1 || a.workers > SL_CFG_WORKERS_MAX || a.queues < 1 ||
	    a.queues > SL_CFG_QUEUES_MAX)
		broken("workers/queues");
	if (a.dedup_capacity < SL_CFG_DEDUP_CAPACITY_MIN || a.dedup_capacity > SL_CFG_DEDUP_CAPACITY_MAX)
		broken("dedup_capacity");
	if (a.ttl == 0 || a.npeers > SL_CFG_PEERS_MAX)
		broken("ttl/npeers");
	if (a.port_type == SL_PORT_AF_XDP && !a.iface[0])
		broken("af_xdp without iface");
	if (a.port_type == SL_PORT_PCAP && (!a.rx_pcap[0] || !a.tx_pcap[0]))
		broken("pcap without files");
	check_tunables(&a);
	check_peers(&a);
	if (sl_config_parse((const char *)data, size, "fuzz.ini", &b, NULL, NULL) != 0 ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		broken("not deterministic");
	return 0;
}
