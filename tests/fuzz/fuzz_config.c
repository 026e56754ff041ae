/* libFuzzer target for the sluice-dp config parser: any bytes get a verdict
 * without reading out of bounds; the count returned equals the problems
 * reported; an accepted config keeps every documented bound; and parsing is
 * deterministic (the same bytes give the same config). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_config.h"

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
	for (unsigned i = 0; i < a.npeers; i++)
		if (!a.peers[i].name[0] || !a.peers[i].port)
			broken("peer");
	if (sl_config_parse((const char *)data, size, "fuzz.ini", &b, NULL, NULL) != 0 ||
	    memcmp(&a, &b, sizeof(a)) != 0)
		broken("not deterministic");
	return 0;
}
