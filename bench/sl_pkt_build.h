/* sl_pkt_build: Ethernet/IPv4/UDP headers (with checksums) and sluice gossip
 * frames, written into a caller's buffer, for sluice-gen (pcap and the DPDK
 * line-rate mode), the pipeline benchmarks and the tests. Also parses the
 * address notations the tools take on their command lines. */
#ifndef SL_PKT_BUILD_H
#define SL_PKT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/sl_pkt_sanity.h"

/* What these builders write: no VLAN tag, no IPv4 options. */
#define SL_PKT_ETH_SZ  SL_ETH_HLEN
#define SL_PKT_IP4_SZ  SL_IPV4_HLEN_MIN
#define SL_PKT_UDP_SZ  SL_UDP_HLEN
#define SL_PKT_HDRS_SZ (SL_PKT_ETH_SZ + SL_PKT_IP4_SZ + SL_PKT_UDP_SZ)

typedef struct sl_udp4_addr {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t src_ip; /* host order */
	uint32_t dst_ip; /* host order */
	uint16_t src_port;
	uint16_t dst_port;
} sl_udp4_addr_t;

/* Internet checksum (RFC 1071) of len bytes, starting from a partial sum. */
uint16_t sl_inet_csum(const void *data, size_t len, uint32_t sum);

/* UDP checksum over the IPv4 pseudo-header and udp (header + payload, with its
 * checksum field as it is); 0 is sent as 0xffff (RFC 768). */
uint16_t sl_udp4_csum(uint32_t src_ip, uint32_t dst_ip, const uint8_t *udp, size_t udp_len);

/* Ethernet + IPv4 (DF, TTL 64, id ip_id) + UDP + payload into frame, all
 * checksums filled in. Returns the frame size, or 0 when it does not fit in
 * cap or the datagram exceeds an IPv4 total length. */
size_t sl_pkt_build_udp4(uint8_t *frame, size_t cap, const sl_udp4_addr_t *a, uint16_t ip_id,
			 const uint8_t *payload, size_t len);

/* Gossip frame (sl_gossip_hdr, then the transaction) into buf; returns its
 * size or 0 when it does not fit. */
size_t sl_gossip_frame_build(uint8_t *buf, size_t cap, uint8_t ttl, uint64_t token,
			     const uint8_t *txn, size_t sz);

/* "02:00:00:00:00:11" */
int sl_parse_mac(const char *s, uint8_t mac[6]);
/* "10.99.0.11" (host order out) */
int sl_parse_ip4(const char *s, uint32_t *ip);
/* "10.99.0.11:8003"; with port_optional, "10.99.0.11" leaves *port as is. */
int sl_parse_ip4_port(const char *s, uint32_t *ip, uint16_t *port, int port_optional);

#endif
