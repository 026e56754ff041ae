/* sl_gen_dpdk: sluice-gen's line-rate mode. Sends a built mix (sl_gen_mix)
 * as Ethernet frames through a DPDK port opened like sluice-dp's (sl_port:
 * af_xdp on any Linux interface, or null to measure the generator itself),
 * from one lcore, in bursts, paced to a rate or as fast as the port takes.
 * For test networks and NICs: unlike the kernel-socket mode it can flood. */
#ifndef SL_GEN_DPDK_H
#define SL_GEN_DPDK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_gen_mix.h"
#include "sl_pkt_build.h"

typedef struct sl_gen_dpdk_opts {
	const char *port;    /* "af_xdp:IFACE" or "null" */
	unsigned rate;       /* frames per second; 0: unpaced */
	uint64_t count;      /* frames to send (the mix repeats when loop) */
	double duration;     /* seconds; 0: no time bound */
	int loop;            /* repeat the mix until count or duration */
	volatile sig_atomic_t *stop; /* set by a signal handler: stop early */
	/* Optional: called from the send loop about every 100 ms with the frames
	 * sent so far and the seconds since the first (sluice-gen's progress
	 * line). */
	void (*progress)(void *arg, uint64_t frames, double seconds);
	void *progress_arg;
} sl_gen_dpdk_opts_t;

typedef struct sl_gen_dpdk_result {
	uint64_t frames, bytes;
	uint64_t tx_full; /* bursts the port did not take whole at once */
	uint64_t skipped; /* frames larger than an mbuf, not sent */
	double seconds;
} sl_gen_dpdk_result_t;

/* Does "af_xdp:IFACE" or "null" name a port this mode can open? */
int sl_gen_dpdk_port_ok(const char *port);

/* Where datagrams' headers come from: Ethernet/IPv6/UDP from a6 when it is
 * not NULL, else Ethernet/IPv4/UDP from a4. */
typedef struct sl_gen_dpdk_hdrs {
	const sl_udp4_addr_t *a4;
	const sl_udp6_addr_t *a6;
} sl_gen_dpdk_hdrs_t;

/* Starts the EAL, opens the port, sends, closes. Datagrams get headers from
 * h, built once before sending (an IPv6 frame's UDP checksum too); whole
 * frames go as they are. Returns 0, or -1 with the reason in err. */
int sl_gen_dpdk_send(const sl_gen_dpdk_opts_t *o, const sl_gen_mix_t *m, const sl_gen_dpdk_hdrs_t *h,
		     sl_gen_dpdk_result_t *r, char *err, size_t errsz);

#endif
