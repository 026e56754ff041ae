#include "sl_peers.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "gossip headers are written with a host-order memcpy");

static void build_header(sl_peer_fast_t *p, const sl_config_t *cfg, const sl_cfg_peer_t *cp,
			 const uint8_t my_mac[6], const uint8_t peer_mac[6])
{
	uint8_t *h = p->hdr;
	memset(h, 0, sizeof(p->hdr));
	memcpy(h, peer_mac, 6);
	memcpy(h + 6, my_mac, 6);
	sl_peers_put_be16(h + 12, SL_ETH_P_IPV4);
	uint8_t *ip = h + SL_ETH_HLEN;
	ip[0] = 0x45;
	sl_peers_put_be16(ip + 6, 0x4000); /* DF: a transaction is never fragmented */
	ip[8] = SL_IP_TTL;
	ip[9] = SL_IPPROTO_UDP;
	memcpy(ip + 12, cfg->ip, 4);
	memcpy(ip + 16, cp->ip, 4);
	uint8_t *udp = ip + SL_IPV4_HLEN_MIN;
	sl_peers_put_be16(udp, cfg->gossip_port);
	sl_peers_put_be16(udp + 2, cp->port);
	/* UDP checksum 0: none, allowed over IPv4; the payload is signed. */

	uint32_t sum = 0;
	for (unsigned i = 0; i < SL_IPV4_HLEN_MIN; i += 2)
		sum += sl_pkt_rd_be16(ip + i);
	p->ip_sum = sum;
}

void sl_peers_build(sl_peers_t *t, const sl_config_t *cfg, const uint8_t my_mac[6],
		    const uint8_t (*peer_macs)[6])
{
	memset(t, 0, sizeof(*t));
	uint8_t port[2];
	t->my_ip = sl_pkt_rd_le32(cfg->ip);
	sl_peers_put_be16(port, cfg->ingest_port);
	t->ingest_port = sl_pkt_rd_le16(port);
	sl_peers_put_be16(port, cfg->gossip_port);
	t->gossip_port = sl_pkt_rd_le16(port);
	t->ttl = cfg->ttl;
	t->n = cfg->npeers;
	for (unsigned i = 0; i < cfg->npeers; i++) {
		const sl_cfg_peer_t *cp = &cfg->peers[i];
		sl_peer_fast_t *p = &t->p[i];
		if (cp->managed) {
			p->kind = SL_PEER_INACTIVE;
			continue;
		}
		p->kind = (uint8_t)cp->kind;
		p->token_in = cp->token_in;
		p->token_out = cp->token_out;
		build_header(p, cfg, cp, my_mac, peer_macs[i]);
		if (cp->kind == SL_PEER_RELAY) {
			t->relay_ip[t->nrelay] = sl_pkt_rd_le32(cp->ip);
			t->relay_idx[t->nrelay++] = (uint8_t)i;
		}
	}
}
