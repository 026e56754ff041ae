/* Frame building, as sluice-gen's DPDK mode does per frame: Ethernet/IPv4/UDP
 * headers with both checksums around a transaction (sl_pkt_build_udp4),
 * against a baseline measured in the same run: copying a frame of the same
 * size (what sending a prebuilt frame would cost). Argument: payload bytes. */
#include <string.h>

#include "cbench.h"
#include "sl_pkt_build.h"
#include "sluice/sl_wire.h"

#define RING 64 /* distinct payloads, so that no single line stays hot */

static uint8_t payload[RING][SL_TXN_MTU];
static uint8_t frames[RING][SL_PKT_HDRS_SZ + SL_TXN_MTU];
static uint8_t prebuilt[RING][SL_PKT_HDRS_SZ + SL_TXN_MTU];
static const sl_udp4_addr_t addr = {
	.src_mac = { 2, 0, 0, 0, 0, 1 }, .dst_mac = { 2, 0, 0, 0, 0, 0x0b },
	.src_ip = 0x0a630001, .dst_ip = 0x0a63000b, .src_port = 40000, .dst_port = SL_PORT_INGEST,
};

static void fill_payloads(void)
{
	for (int i = 0; i < RING; i++)
		for (int j = 0; j < SL_TXN_MTU; j++)
			payload[i][j] = (uint8_t)(i * 31 + j * 7);
}

static void bench_build(cbench_state_t *st)
{
	size_t len = (size_t)cbench_range(st);
	fill_payloads();
	unsigned i = 0;
	while (cbench_keep_running(st)) {
		size_t n = sl_pkt_build_udp4(frames[i], sizeof frames[i], &addr, (uint16_t)i, payload[i], len);
		cbench_do_not_optimize(n);
		i = (i + 1) % RING;
	}
	cbench_set_items_processed(st, cbench_iterations_run(st));
	cbench_set_bytes_processed(st, cbench_iterations_run(st) * (int64_t)(SL_PKT_HDRS_SZ + len));
}

static void bench_copy(cbench_state_t *st)
{
	size_t len = (size_t)cbench_range(st) + SL_PKT_HDRS_SZ;
	fill_payloads();
	for (int k = 0; k < RING; k++)
		sl_pkt_build_udp4(prebuilt[k], sizeof prebuilt[k], &addr, 0, payload[k], len - SL_PKT_HDRS_SZ);
	unsigned i = 0;
	while (cbench_keep_running(st)) {
		memcpy(frames[i], prebuilt[i], len);
		cbench_clobber_memory();
		i = (i + 1) % RING;
	}
	cbench_set_items_processed(st, cbench_iterations_run(st));
	cbench_set_bytes_processed(st, cbench_iterations_run(st) * (int64_t)len);
}

CBENCH_REGISTER
{
	cbench_arg(cbench_arg(cbench_register("pkt_build/udp4_frame", bench_build), 200), SL_TXN_MTU);
	cbench_arg(cbench_arg(cbench_register("pkt_build/baseline_copy", bench_copy), 200), SL_TXN_MTU);
}
