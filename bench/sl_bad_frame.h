/* sl_bad_frame: Ethernet frames that a relay must drop at layers 2-4 or at the
 * gossip header, each carrying an otherwise valid transaction so that the one
 * defect named by its kind is the only reason to drop it; and a few that are
 * not sluice's at all (ARP, TCP, IPv6 extension headers, QinQ), which the
 * prefilter passes to the kernel. The IPv6 kinds (ip6_*, udp6_*) go from
 * fd00:99::<a->src_ip> to fd00:99::<a->dst_ip> (the IPv4 addresses as the
 * last 32 bits); the vlan_* kinds carry one 802.1Q tag (QinQ: two). For the
 * malformed-input tests (sluice-gen --bad-frames) and the prefilter
 * benchmarks. */
#ifndef SL_BAD_FRAME_H
#define SL_BAD_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "sl_pkt_build.h"

#define SL_BAD_FRAME_JUMBO_SZ 9000
#define SL_BAD_FRAME_CAP      (SL_BAD_FRAME_JUMBO_SZ + 64)

#define SL_BAD_FRAME_KINDS(X)                                                  \
	X(RUNT, "runt_ethernet")                                               \
	X(NOT_IP, "ethertype_arp")                                             \
	X(IP_VERSION, "ip_version_6")                                          \
	X(IHL_SHORT, "ip_ihl_below_5")                                         \
	X(IHL_PAST_END, "ip_ihl_past_end")                                     \
	X(TOTLEN_PAST_END, "ip_total_length_past_end")                         \
	X(TOTLEN_BELOW_HDR, "ip_total_length_below_header")                    \
	X(IP_CSUM, "ip_bad_checksum")                                          \
	X(FRAG_FIRST, "ip_fragment_first")                                     \
	X(FRAG_LATER, "ip_fragment_later")                                     \
	X(NOT_UDP, "ip_proto_tcp")                                             \
	X(UDP_LEN_PAST_END, "udp_length_past_end")                             \
	X(UDP_LEN_BELOW_8, "udp_length_below_8")                               \
	X(UDP_LEN_SHORT, "udp_length_short_of_ip")                             \
	X(JUMBO, "jumbo_9000")                                                 \
	X(NOT_FOR_US_IP, "wrong_dst_ip")                                       \
	X(NOT_FOR_US_PORT, "wrong_dst_port")                                   \
	X(GOSSIP_TRUNCATED, "gossip_header_truncated")                         \
	X(GOSSIP_NO_TXN, "gossip_header_only")                                 \
	X(GOSSIP_MAGIC, "gossip_bad_magic")                                    \
	X(GOSSIP_VERSION, "gossip_bad_version")                                \
	X(GOSSIP_KIND, "gossip_bad_kind")                                      \
	X(GOSSIP_TTL0, "gossip_ttl_0")                                         \
	X(GOSSIP_UNKNOWN_PEER, "gossip_from_unknown_peer")                     \
	X(IP6_SHORT, "ip6_short")                                              \
	X(IP6_VERSION, "ip6_version_4")                                        \
	X(IP6_PLEN_PAST_END, "ip6_payload_length_past_end")                    \
	X(IP6_PLEN_BELOW_8, "ip6_payload_length_below_8")                      \
	X(UDP6_LEN_SHORT, "udp6_length_short_of_ip")                           \
	X(UDP6_ZERO_CSUM, "udp6_zero_checksum")                                \
	X(IP6_HOP_BY_HOP, "ip6_hop_by_hop_udp")                                \
	X(VLAN_IP_CSUM, "vlan_ip_bad_checksum")                                \
	X(VLAN_UDP6_ZERO_CSUM, "vlan_udp6_zero_checksum")                      \
	X(VLAN_QINQ, "vlan_qinq")

typedef enum sl_bad_frame {
#define SL_BAD_FRAME_ENUM(name, str) SL_BAD_FRAME_##name,
	SL_BAD_FRAME_KINDS(SL_BAD_FRAME_ENUM)
#undef SL_BAD_FRAME_ENUM
	SL_BAD_FRAME__COUNT
} sl_bad_frame_t;

const char *sl_bad_frame_name(sl_bad_frame_t kind);

/* The frame of `kind` from a (ingest port a->dst_port; the gossip kinds go
 * to gossip_port from a->src_ip, which must not be a peer of the receiver)
 * around the sz-byte transaction txn. Returns the frame size, or 0 when
 * cap < SL_BAD_FRAME_CAP or sz > SL_TXN_MTU. */
size_t sl_bad_frame_build(sl_bad_frame_t kind, uint8_t *frame, size_t cap, const sl_udp4_addr_t *a,
			  uint16_t gossip_port, const uint8_t *txn, size_t sz);

#endif
