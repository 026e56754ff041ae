#include "sl_port.h"

#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#define SL_PORT_RXD 1024
#define SL_PORT_TXD 1024

unsigned sl_port_rx_queues(const sl_config_t *cfg)
{
	return cfg->port_type == SL_PORT_AF_XDP ? cfg->queues : 1;
}

static void vdev_args(const sl_config_t *cfg, uint16_t nq, char *args, size_t n)
{
	switch (cfg->port_type) {
	case SL_PORT_AF_XDP:
		snprintf(args, n, "iface=%s,start_queue=0,queue_count=%u%s%s", cfg->iface, nq,
			 cfg->xdp_prog[0] ? ",xdp_prog=" : "", cfg->xdp_prog);
		break;
	case SL_PORT_PCAP:
		snprintf(args, n, "rx_pcap=%s,tx_pcap=%s", cfg->rx_pcap, cfg->tx_pcap);
		break;
	case SL_PORT_NULL:
	case SL_PORT_RING:
		args[0] = '\0';
		break;
	}
}

int sl_port_open(sl_port_t *port, const sl_config_t *cfg, uint16_t nb_rxq, uint16_t nb_txq,
		 struct rte_mempool *pool, char *err, size_t errlen)
{
	char args[2 * SL_CFG_PATH_MAX + 64];
	const char *what;
	int rc;
	/* Short, process-unique names: the ring PMD puts the device name into
	 * ring names, which have 29 characters. */
	static unsigned seq;
	snprintf(port->dev, sizeof(port->dev), "net_%s%u", sl_port_type_name(cfg->port_type), seq++);
	port->nb_rxq = nb_rxq;
	port->nb_txq = nb_txq;
	vdev_args(cfg, RTE_MAX(nb_rxq, nb_txq), args, sizeof(args));
	if ((rc = rte_eal_hotplug_add("vdev", port->dev, args)) != 0) {
		snprintf(err, errlen, "cannot create %s (%s): %s", port->dev, args, rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(port->dev, &port->id) != 0) {
		what = "no ethdev";
		rc = -ENODEV;
		goto fail;
	}
	struct rte_eth_dev_info info;
	if ((rc = rte_eth_dev_info_get(port->id, &info)) != 0) {
		what = "device info";
		goto fail;
	}
	if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues) {
		snprintf(err, errlen, "%s has at most %u rx / %u tx queues; %u / %u wanted "
			 "(one tx queue per worker)", port->dev, info.max_rx_queues,
			 info.max_tx_queues, nb_rxq, nb_txq);
		rte_eal_hotplug_remove("vdev", port->dev);
		return -1;
	}
	struct rte_eth_conf conf = {0};
	if ((rc = rte_eth_dev_configure(port->id, nb_rxq, nb_txq, &conf)) != 0) {
		what = "configure";
		goto fail;
	}
	uint16_t rxd = SL_PORT_RXD, txd = SL_PORT_TXD;
	rte_eth_dev_adjust_nb_rx_tx_desc(port->id, &rxd, &txd);
	int socket = rte_eth_dev_socket_id(port->id);
	socket = socket < 0 ? 0 : socket;
	for (uint16_t q = 0; q < nb_rxq; q++)
		if ((rc = rte_eth_rx_queue_setup(port->id, q, rxd, (unsigned)socket, NULL, pool)) != 0) {
			what = "rx queue setup";
			goto fail;
		}
	for (uint16_t q = 0; q < nb_txq; q++)
		if ((rc = rte_eth_tx_queue_setup(port->id, q, txd, (unsigned)socket, NULL)) != 0) {
			what = "tx queue setup";
			goto fail;
		}
	if ((rc = rte_eth_dev_start(port->id)) != 0) {
		what = "start";
		goto fail;
	}
	struct rte_ether_addr mac;
	rte_eth_macaddr_get(port->id, &mac);
	memcpy(port->mac, mac.addr_bytes, 6);
	/* Frames for our configured MAC may differ from the device's own. */
	rte_eth_promiscuous_enable(port->id);
	return 0;
fail:
	snprintf(err, errlen, "%s (%s): %s failed: %s", port->dev, args, what, rte_strerror(-rc));
	rte_eal_hotplug_remove("vdev", port->dev);
	return -1;
}

void sl_port_close(sl_port_t *port)
{
	rte_eth_dev_stop(port->id);
	rte_eth_dev_close(port->id);
	rte_eal_hotplug_remove("vdev", port->dev);
}
