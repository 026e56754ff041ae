#include "sl_pkt_build.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/sl_wire.h"

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static uint64_t fold16(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The one's-complement sum does not depend on byte order (RFC 1071): add
 * native 32-bit words (2^16 = 1 modulo 0xffff), fold, and swap once. */
uint16_t sl_inet_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = 0;
	for (; len >= 4; p += 4, len -= 4) {
		uint32_t w;
		memcpy(&w, p, sizeof w);
		s += w;
	}
	s = fold16(s);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = __builtin_bswap16((uint16_t)s);
#endif
	if (len >= 2) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	return (uint16_t)~fold16(s + sum);
}

uint16_t sl_udp4_csum(uint32_t src_ip, uint32_t dst_ip, const uint8_t *udp, size_t udp_len)
{
	uint32_t pseudo = (src_ip >> 16) + (src_ip & 0xffff) + (dst_ip >> 16) + (dst_ip & 0xffff) +
			  17 /* IPPROTO_UDP */ + (uint32_t)udp_len;
	uint16_t c = sl_inet_csum(udp, udp_len, pseudo);
	return c == 0 ? 0xffff : c;
}

size_t sl_pkt_build_udp4(uint8_t *frame, size_t cap, const sl_udp4_addr_t *a, uint16_t ip_id,
			 const uint8_t *payload, size_t len)
{
	size_t ip_len = SL_PKT_IP4_SZ + SL_PKT_UDP_SZ + len;
	if (ip_len > 0xffff || SL_PKT_ETH_SZ + ip_len > cap)
		return 0;
	uint8_t *eth = frame, *ip = frame + SL_PKT_ETH_SZ, *udp = ip + SL_PKT_IP4_SZ;
	memcpy(eth, a->dst_mac, 6);
	memcpy(eth + 6, a->src_mac, 6);
	put_be16(eth + 12, 0x0800);

	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, (uint16_t)ip_len);
	put_be16(ip + 4, ip_id);
	put_be16(ip + 6, 0x4000); /* DF, offset 0 */
	ip[8] = 64;
	ip[9] = 17;
	put_be16(ip + 10, 0);
	put_be32(ip + 12, a->src_ip);
	put_be32(ip + 16, a->dst_ip);
	put_be16(ip + 10, sl_inet_csum(ip, SL_PKT_IP4_SZ, 0));

	put_be16(udp, a->src_port);
	put_be16(udp + 2, a->dst_port);
	put_be16(udp + 4, (uint16_t)(SL_PKT_UDP_SZ + len));
	put_be16(udp + 6, 0);
	memmove(udp + SL_PKT_UDP_SZ, payload, len);
	put_be16(udp + 6, sl_udp4_csum(a->src_ip, a->dst_ip, udp, SL_PKT_UDP_SZ + len));
	return SL_PKT_ETH_SZ + ip_len;
}

uint16_t sl_udp6_csum(const uint8_t src_ip[16], const uint8_t dst_ip[16], const uint8_t *udp,
		      size_t udp_len)
{
	uint32_t pseudo = (uint32_t)(udp_len >> 16) + (uint32_t)(udp_len & 0xffff) + 17;
	for (unsigned i = 0; i < 16; i += 2)
		pseudo += ((uint32_t)src_ip[i] << 8 | src_ip[i + 1]) +
			  ((uint32_t)dst_ip[i] << 8 | dst_ip[i + 1]);
	uint16_t c = sl_inet_csum(udp, udp_len, pseudo);
	return c == 0 ? 0xffff : c;
}

size_t sl_pkt_build_udp6(uint8_t *frame, size_t cap, const sl_udp6_addr_t *a,
			 const uint8_t *payload, size_t len)
{
	size_t udp_len = SL_PKT_UDP_SZ + len;
	if (udp_len > 0xffff || SL_PKT_ETH_SZ + SL_PKT_IP6_SZ + udp_len > cap)
		return 0;
	uint8_t *eth = frame, *ip = frame + SL_PKT_ETH_SZ, *udp = ip + SL_PKT_IP6_SZ;
	memcpy(eth, a->dst_mac, 6);
	memcpy(eth + 6, a->src_mac, 6);
	put_be16(eth + 12, SL_ETH_P_IPV6);

	put_be32(ip, 0x60000000); /* version 6, traffic class 0, flow label 0 */
	put_be16(ip + 4, (uint16_t)udp_len);
	ip[6] = SL_IPPROTO_UDP;
	ip[7] = 64;
	memcpy(ip + 8, a->src_ip, 16);
	memcpy(ip + 24, a->dst_ip, 16);

	put_be16(udp, a->src_port);
	put_be16(udp + 2, a->dst_port);
	put_be16(udp + 4, (uint16_t)udp_len);
	put_be16(udp + 6, 0);
	memmove(udp + SL_PKT_UDP_SZ, payload, len);
	put_be16(udp + 6, sl_udp6_csum(a->src_ip, a->dst_ip, udp, udp_len));
	return SL_PKT_ETH_SZ + SL_PKT_IP6_SZ + udp_len;
}

size_t sl_pkt_vlan_tag(uint8_t *frame, size_t len, size_t cap, uint16_t tci)
{
	if (len < SL_PKT_ETH_SZ || len + SL_VLAN_HLEN > cap)
		return 0;
	memmove(frame + 12 + SL_VLAN_HLEN, frame + 12, len - 12);
	put_be16(frame + 12, SL_ETH_P_8021Q);
	put_be16(frame + 14, tci);
	return len + SL_VLAN_HLEN;
}

size_t sl_gossip_frame_build(uint8_t *buf, size_t cap, uint8_t ttl, uint64_t token,
			     const uint8_t *txn, size_t sz)
{
	struct sl_gossip_hdr h = {
		.magic = SL_GOSSIP_MAGIC,
		.version = SL_GOSSIP_VERSION,
		.kind = SL_GOSSIP_KIND_TX,
		.ttl = ttl,
		.flags = 0,
		.token = token,
	};
	if (sizeof h + sz > cap)
		return 0;
	memmove(buf + sizeof h, txn, sz);
	/* The wire is little-endian; store field by field so that the frame is
	 * right on any host. */
	uint8_t *p = buf;
	for (int b = 0; b < 4; b++)
		*p++ = (uint8_t)(h.magic >> (8 * b));
	*p++ = h.version;
	*p++ = h.kind;
	*p++ = h.ttl;
	*p++ = h.flags;
	for (int b = 0; b < 8; b++)
		*p++ = (uint8_t)(h.token >> (8 * b));
	return sizeof h + sz;
}

int sl_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int k = 0; k < 6; k++)
		mac[k] = (uint8_t)v[k];
	return 0;
}

int sl_parse_ip4(const char *s, uint32_t *ip)
{
	struct in_addr in;
	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*ip = ntohl(in.s_addr);
	return 0;
}

int sl_parse_ip4_port(const char *s, uint32_t *ip, uint16_t *port, int port_optional)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t hl = colon ? (size_t)(colon - s) : strlen(s);
	if (hl >= sizeof host || (!colon && !port_optional))
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (sl_parse_ip4(host, ip) != 0)
		return -1;
	if (colon) {
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);
		if (colon[1] == 0 || *end != 0 || p == 0 || p > 0xffff)
			return -1;
		*port = (uint16_t)p;
	}
	return 0;
}
