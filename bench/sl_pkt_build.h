/* sl_pkt_build: Ethernet/IPv4/UDP and Ethernet/IPv6/UDP headers (with
 * checksums), 802.1Q tags and sluice gossip frames, written into a caller's
 * buffer, for sluice-gen (pcap and the DPDK line-rate mode), the pipeline
 * benchmarks and the tests. Also parses the address notations the tools
 * take on their command lines. */
#ifndef SL_PKT_BUILD_H
#define SL_PKT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/sl_pkt_sanity.h"

/* What these builders write: no VLAN tag (sl_pkt_vlan_tag adds one), no
 * IPv4 options, no IPv6 extension headers. */
#define SL_PKT_ETH_SZ   SL_ETH_HLEN
#define SL_PKT_IP4_SZ   SL_IPV4_HLEN_MIN
#define SL_PKT_IP6_SZ   SL_IPV6_HLEN
#define SL_PKT_UDP_SZ   SL_UDP_HLEN
#define SL_PKT_HDRS_SZ  (SL_PKT_ETH_SZ + SL_PKT_IP4_SZ + SL_PKT_UDP_SZ)
#define SL_PKT_HDRS6_SZ (SL_PKT_ETH_SZ + SL_PKT_IP6_SZ + SL_PKT_UDP_SZ)

typedef struct sl_udp4_addr {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t src_ip; /* host order */
	uint32_t dst_ip; /* host order */
	uint16_t src_port;
	uint16_t dst_port;
} sl_udp4_addr_t;

typedef struct sl_udp6_addr {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint8_t src_ip[16]; /* network order */
	uint8_t dst_ip[16];
	uint16_t src_port;
	uint16_t dst_port;
} sl_udp6_addr_t;

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

/* UDP checksum over the IPv6 pseudo-header (RFC 8200 8.1) and udp, as
 * sl_udp4_csum; never 0, which IPv6 forbids. */
uint16_t sl_udp6_csum(const uint8_t src_ip[16], const uint8_t dst_ip[16], const uint8_t *udp,
		      size_t udp_len);

/* Ethernet + IPv6 (traffic class and flow label 0, hop limit 64, next
 * header UDP) + UDP + payload into frame, the UDP checksum filled in.
 * Returns the frame size, or 0 when it does not fit in cap or the datagram
 * exceeds an IPv6 payload length. */
size_t sl_pkt_build_udp6(uint8_t *frame, size_t cap, const sl_udp6_addr_t *a,
			 const uint8_t *payload, size_t len);

/* Puts an 802.1Q tag (TPID 0x8100, tci) into the len-byte frame after its
 * MAC addresses, moving the rest 4 bytes on: a tagged frame of either
 * family. Returns the new size, or 0 when len is below an Ethernet header
 * or the result does not fit in cap. */
size_t sl_pkt_vlan_tag(uint8_t *frame, size_t len, size_t cap, uint16_t tci);

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
