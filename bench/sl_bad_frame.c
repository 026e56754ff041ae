#include "sl_bad_frame.h"

#include <string.h>

#include "sluice/sl_wire.h"

static const char *const names[] = {
#define SL_BAD_FRAME_NAME(name, str) str,
	SL_BAD_FRAME_KINDS(SL_BAD_FRAME_NAME)
#undef SL_BAD_FRAME_NAME
};

const char *sl_bad_frame_name(sl_bad_frame_t kind)
{
	return (unsigned)kind < SL_BAD_FRAME__COUNT ? names[kind] : "unknown";
}

static uint8_t *ip_of(uint8_t *frame)
{
	return frame + SL_PKT_ETH_SZ;
}

static void put_be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get_be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* After an edit of the IPv4 header, so that its checksum is not a second defect. */
static void ip_csum_refresh(uint8_t *frame)
{
	uint8_t *ip = ip_of(frame);
	put_be16(ip + 10, 0);
	put_be16(ip + 10, sl_inet_csum(ip, SL_PKT_IP4_SZ, 0));
}

static size_t gossip_frame(sl_bad_frame_t kind, uint8_t *frame, size_t cap, const sl_udp4_addr_t *a,
			   uint16_t gossip_port, const uint8_t *txn, size_t sz)
{
	uint8_t payload[sizeof(struct sl_gossip_hdr) + SL_TXN_MTU];
	size_t n = sl_gossip_frame_build(payload, sizeof payload, 2, 0, txn, sz);
	switch (kind) {
	case SL_BAD_FRAME_GOSSIP_TRUNCATED:
		n = 10;
		break;
	case SL_BAD_FRAME_GOSSIP_NO_TXN:
		n = sizeof(struct sl_gossip_hdr);
		break;
	case SL_BAD_FRAME_GOSSIP_MAGIC:
		payload[3] = '2';
		break;
	case SL_BAD_FRAME_GOSSIP_VERSION:
		payload[4] = SL_GOSSIP_VERSION + 1;
		break;
	case SL_BAD_FRAME_GOSSIP_KIND:
		payload[5] = SL_GOSSIP_KIND_TX + 1;
		break;
	case SL_BAD_FRAME_GOSSIP_TTL0:
		payload[6] = 0;
		break;
	default: /* GOSSIP_UNKNOWN_PEER: well formed, from a non-peer */
		break;
	}
	sl_udp4_addr_t g = *a;
	g.dst_port = gossip_port;
	return sl_pkt_build_udp4(frame, cap, &g, 0, payload, n);
}

/* The IPv6 twin of an IPv4 address (host order): fd00:99::<its 32 bits>. */
static void ip6_of(uint32_t ip, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfd;
	out[3] = 0x99;
	for (int i = 0; i < 4; i++)
		out[12 + i] = (uint8_t)(ip >> (24 - 8 * i));
}

static size_t ip6_frame(sl_bad_frame_t kind, uint8_t *frame, size_t cap, const sl_udp4_addr_t *a,
			const uint8_t *txn, size_t sz)
{
	sl_udp6_addr_t a6 = {.src_port = a->src_port, .dst_port = a->dst_port};
	memcpy(a6.src_mac, a->src_mac, 6);
	memcpy(a6.dst_mac, a->dst_mac, 6);
	ip6_of(a->src_ip, a6.src_ip);
	ip6_of(a->dst_ip, a6.dst_ip);
	size_t n = sl_pkt_build_udp6(frame, cap, &a6, txn, sz);
	uint8_t *ip = ip_of(frame), *udp = ip + SL_PKT_IP6_SZ;
	switch (kind) {
	case SL_BAD_FRAME_IP6_SHORT:
		return SL_PKT_ETH_SZ + SL_PKT_IP6_SZ - 10;
	case SL_BAD_FRAME_IP6_VERSION:
		ip[0] = 0x40;
		break;
	case SL_BAD_FRAME_IP6_PLEN_PAST_END:
		put_be16(ip + 4, get_be16(ip + 4) + 100);
		break;
	case SL_BAD_FRAME_IP6_PLEN_BELOW_8:
		put_be16(ip + 4, 4);
		break;
	case SL_BAD_FRAME_UDP6_LEN_SHORT:
		put_be16(udp + 4, get_be16(udp + 4) - 10);
		break;
	case SL_BAD_FRAME_IP6_HOP_BY_HOP: {
		/* a well-formed datagram behind an 8-byte hop-by-hop header
		 * (one PadN option): UDP the prefilter does not walk to */
		static const uint8_t hbh[8] = {SL_IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0};
		memmove(udp + sizeof hbh, udp, n - SL_PKT_HDRS6_SZ + SL_PKT_UDP_SZ);
		memcpy(udp, hbh, sizeof hbh);
		ip[6] = 0;
		put_be16(ip + 4, get_be16(ip + 4) + sizeof hbh);
		return n + sizeof hbh;
	}
	default: /* UDP6_ZERO_CSUM, VLAN_UDP6_ZERO_CSUM */
		put_be16(udp + 6, 0);
		break;
	}
	return n;
}

size_t sl_bad_frame_build(sl_bad_frame_t kind, uint8_t *frame, size_t cap, const sl_udp4_addr_t *a,
			  uint16_t gossip_port, const uint8_t *txn, size_t sz)
{
	if (cap < SL_BAD_FRAME_CAP || sz > SL_TXN_MTU || (unsigned)kind >= SL_BAD_FRAME__COUNT)
		return 0;
	if (kind >= SL_BAD_FRAME_GOSSIP_TRUNCATED && kind <= SL_BAD_FRAME_GOSSIP_UNKNOWN_PEER)
		return gossip_frame(kind, frame, cap, a, gossip_port, txn, sz);
	if (kind >= SL_BAD_FRAME_IP6_SHORT && kind <= SL_BAD_FRAME_IP6_HOP_BY_HOP)
		return ip6_frame(kind, frame, cap, a, txn, sz);
	switch (kind) {
	case SL_BAD_FRAME_VLAN_IP_CSUM:
		return sl_pkt_vlan_tag(frame, sl_bad_frame_build(SL_BAD_FRAME_IP_CSUM, frame, cap, a,
								 gossip_port, txn, sz),
				       cap, 100);
	case SL_BAD_FRAME_VLAN_UDP6_ZERO_CSUM:
		return sl_pkt_vlan_tag(frame, ip6_frame(kind, frame, cap, a, txn, sz), cap, 100);
	case SL_BAD_FRAME_VLAN_QINQ: {
		/* A good frame behind an 802.1Q tag in an 802.1ad one, to a port
		 * not ours: a link with rx VLAN offload (a NIC, a bridge's veth)
		 * strips the outer tag into metadata, and XDP then sees one tag,
		 * which it takes; the frame must still not be sluice traffic. */
		sl_udp4_addr_t to = *a;
		to.dst_port = 9;
		size_t n = sl_pkt_build_udp4(frame, cap, &to, 0, txn, sz);
		n = sl_pkt_vlan_tag(frame, sl_pkt_vlan_tag(frame, n, cap, 100), cap, 10);
		put_be16(frame + 12, 0x88a8);
		return n;
	}
	default:
		break;
	}

	sl_udp4_addr_t to = *a;
	if (kind == SL_BAD_FRAME_NOT_FOR_US_IP)
		to.dst_ip += 100;
	if (kind == SL_BAD_FRAME_NOT_FOR_US_PORT)
		to.dst_port = 9;
	if (kind == SL_BAD_FRAME_JUMBO) {
		/* A datagram that fills a 9000-byte frame: the transaction, then zeros. */
		size_t len = SL_BAD_FRAME_JUMBO_SZ - SL_PKT_HDRS_SZ;
		memmove(frame + SL_PKT_HDRS_SZ, txn, sz);
		memset(frame + SL_PKT_HDRS_SZ + sz, 0, len - sz);
		return sl_pkt_build_udp4(frame, cap, &to, 0, frame + SL_PKT_HDRS_SZ, len);
	}
	size_t n = sl_pkt_build_udp4(frame, cap, &to, 0, txn, sz);
	uint8_t *ip = ip_of(frame), *udp = ip + SL_PKT_IP4_SZ;
	switch (kind) {
	case SL_BAD_FRAME_RUNT:
		return 10;
	case SL_BAD_FRAME_NOT_IP:
		put_be16(frame + 12, 0x0806);
		return n;
	case SL_BAD_FRAME_IP_VERSION:
		ip[0] = 0x65;
		break;
	case SL_BAD_FRAME_IHL_SHORT:
		ip[0] = 0x44;
		break;
	case SL_BAD_FRAME_IHL_PAST_END:
		ip[0] = 0x4f;
		ip_csum_refresh(frame);
		return SL_PKT_ETH_SZ + 40;
	case SL_BAD_FRAME_TOTLEN_PAST_END:
		put_be16(ip + 2, get_be16(ip + 2) + 100);
		break;
	case SL_BAD_FRAME_TOTLEN_BELOW_HDR:
		put_be16(ip + 2, SL_PKT_IP4_SZ - 1);
		break;
	case SL_BAD_FRAME_IP_CSUM:
		ip[10] ^= 0x55;
		return n;
	case SL_BAD_FRAME_FRAG_FIRST:
		put_be16(ip + 6, 0x2000);
		break;
	case SL_BAD_FRAME_FRAG_LATER:
		put_be16(ip + 6, 185);
		break;
	case SL_BAD_FRAME_NOT_UDP:
		ip[9] = 6;
		break;
	case SL_BAD_FRAME_UDP_LEN_PAST_END:
		put_be16(udp + 4, get_be16(udp + 4) + 50);
		return n;
	case SL_BAD_FRAME_UDP_LEN_BELOW_8:
		put_be16(udp + 4, 4);
		return n;
	case SL_BAD_FRAME_UDP_LEN_SHORT:
		put_be16(udp + 4, get_be16(udp + 4) - 10);
		return n;
	default: /* NOT_FOR_US_*: a good frame to someone else */
		return n;
	}
	ip_csum_refresh(frame);
	return n;
}
