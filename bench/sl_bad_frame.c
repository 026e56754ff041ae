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

size_t sl_bad_frame_build(sl_bad_frame_t kind, uint8_t *frame, size_t cap, const sl_udp4_addr_t *a,
			  uint16_t gossip_port, const uint8_t *txn, size_t sz)
{
	if (cap < SL_BAD_FRAME_CAP || sz > SL_TXN_MTU || (unsigned)kind >= SL_BAD_FRAME__COUNT)
		return 0;
	if (kind >= SL_BAD_FRAME_GOSSIP_TRUNCATED)
		return gossip_frame(kind, frame, cap, a, gossip_port, txn, sz);

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
	case SL_BAD_FRAME_NOT_IPV4:
		put_be16(frame + 12, 0x86dd);
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
