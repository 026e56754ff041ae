/* sl_port: the configured port, opened as a DPDK virtual device so that
 * af_xdp, pcap, null and ring ports all take the same path
 * (ARCHITECTURE.md, "Ports").
 *
 * Contract: sl_port_open() creates a vdev "<driver><n>" with the
 * config's arguments, configures nb_rxq rx and nb_txq tx queues (rx mbufs
 * from `pool`), starts it and reads its MAC; on failure it undoes what it did
 * and writes the reason into err. Ring ports loop tx queue q back into rx
 * queue q, which the tests use to inject and to read back. */
#ifndef SL_PORT_H
#define SL_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "sl_config.h"

typedef struct sl_port {
	uint16_t id;
	uint16_t nb_rxq, nb_txq;
	uint8_t mac[6];
	char dev[64];
} sl_port_t;

/* rx queues the config asks for (af_xdp: queues; else 1). */
unsigned sl_port_rx_queues(const sl_config_t *cfg);

int sl_port_open(sl_port_t *port, const sl_config_t *cfg, uint16_t nb_rxq, uint16_t nb_txq,
		 struct rte_mempool *pool, char *err, size_t errlen);
void sl_port_close(sl_port_t *port);

#endif
