#include "sl_peers.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "gossip headers are written with a host-order memcpy");

/* The Ethernet header and the UDP ports of p's template, the rest zeroed.
 * gossip_port of t holds the wire's bytes (read little-endian), so it is
 * copied as it is. */
static void build_eth_udp(sl_peer_fast_t *p, const sl_peers_t *t, const uint8_t peer_mac[6],
			  uint16_t ethertype, uint8_t *udp, uint16_t peer_port)
{
	uint8_t *h = p->hdr;
	memset(h, 0, sizeof(p->hdr));
	memcpy(h, peer_mac, 6);
	memcpy(h + 6, t->my_mac, 6);
	sl_peers_put_be16(h + 12, ethertype);
	memcpy(udp, &t->gossip_port, 2);
	sl_peers_put_be16(udp + 2, peer_port);
}

/* my_ip of t holds the wire's bytes, so it is copied as it is. */
static void build_header(sl_peer_fast_t *p, const sl_peers_t *t, const uint8_t peer_ip[4],
			 uint16_t peer_port, const uint8_t peer_mac[6])
{
	uint8_t *ip = p->hdr + SL_ETH_HLEN;
	uint8_t *udp = ip + SL_IPV4_HLEN_MIN;
	build_eth_udp(p, t, peer_mac, SL_ETH_P_IPV4, udp, peer_port);
	p->family = 4;
	ip[0] = 0x45;
	sl_peers_put_be16(ip + 6, 0x4000); /* DF: a transaction is never fragmented */
	ip[8] = SL_IP_TTL;
	ip[9] = SL_IPPROTO_UDP;
	memcpy(ip + 12, &t->my_ip, 4);
	memcpy(ip + 16, peer_ip, 4);
	/* UDP checksum 0: none, allowed over IPv4; the payload is signed. */

	uint32_t sum = 0;
	for (unsigned i = 0; i < SL_IPV4_HLEN_MIN; i += 2)
		sum += sl_pkt_rd_be16(ip + i);
	p->ip_sum = sum;
}

/* An IPv6 peer's template (version 6, no traffic class or flow label, next
 * header UDP, hop limit SL_IP_TTL) and its checksum's constant part; my_ip6
 * of t holds the wire's bytes. */
static void build_header6(sl_peer_fast_t *p, const sl_peers_t *t, const uint8_t peer_ip6[16],
			  uint16_t peer_port, const uint8_t peer_mac[6])
{
	uint8_t *ip = p->hdr + SL_ETH_HLEN;
	uint8_t *udp = ip + SL_IPV6_HLEN;
	build_eth_udp(p, t, peer_mac, SL_ETH_P_IPV6, udp, peer_port);
	p->family = 6;
	ip[0] = 0x60;
	ip[6] = SL_IPPROTO_UDP;
	ip[7] = SL_IP_TTL;
	memcpy(ip + 8, t->my_ip6, 16);
	memcpy(ip + 24, peer_ip6, 16);
	/* addresses and ports as they are; the pseudo-header's next header,
	 * big-endian 17, is 17 << 8 in little-endian order */
	uint64_t sum = sl_peers_csum_le(ip + 8, 32) + sl_peers_csum_le(udp, 4) +
		       (SL_IPPROTO_UDP << 8);
	p->ip_sum = sl_peers_csum_fold(sum);
}

/* name: a config's or a peertab entry's (which may lack its NUL). Kept to
 * the config's alphabet, [A-Za-z0-9_-] (others become '_'), so that JSON
 * and telemetry need no escaping whoever wrote the entry. */
static void add_name(sl_peers_t *t, unsigned idx, const char name[SL_CFG_NAME_MAX])
{
	sl_peer_names_t *n = &t->names;
	char *out = n->name[n->n];
	size_t len = strnlen(name, SL_CFG_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-';
		out[i] = ok ? c : '_';
	}
	out[len] = '\0';
	n->idx[n->n++] = (uint8_t)idx;
}

void sl_peers_build(sl_peers_t *t, const sl_config_t *cfg, const uint8_t my_mac[6],
		    const uint8_t (*peer_macs)[6])
{
	memset(t, 0, sizeof(*t));
	uint8_t port[2];
	t->my_ip = sl_pkt_rd_le32(cfg->ip);
	t->my_ip6[0] = sl_pkt_rd_le64(cfg->ip6);
	t->my_ip6[1] = sl_pkt_rd_le64(cfg->ip6 + 8);
	t->has_ip6 = cfg->has_ip6;
	sl_peers_put_be16(port, cfg->ingest_port);
	t->ingest_port = sl_pkt_rd_le16(port);
	sl_peers_put_be16(port, cfg->gossip_port);
	t->gossip_port = sl_pkt_rd_le16(port);
	t->ttl = cfg->ttl;
	memcpy(t->my_mac, my_mac, 6);
	for (unsigned i = 0; i < cfg->npeers; i++) {
		const sl_cfg_peer_t *cp = &cfg->peers[i];
		if (cp->managed) /* only through the peertab */
			continue;
		sl_peer_fast_t *p = &t->p[i];
		p->kind = (uint8_t)cp->kind;
		p->up = 1;
		p->token_in = cp->token_in;
		p->token_out = cp->token_out;
		t->fan[t->nfan++] = (uint8_t)i;
		if (cp->family == 6) {
			build_header6(p, t, cp->ip6, cp->port, peer_macs[i]);
			if (cp->kind == SL_PEER_RELAY) {
				t->relay_ip6[t->nrelay6][0] = sl_pkt_rd_le64(cp->ip6);
				t->relay_ip6[t->nrelay6][1] = sl_pkt_rd_le64(cp->ip6 + 8);
				t->relay6_idx[t->nrelay6++] = (uint8_t)i;
			}
			add_name(t, i, cp->name);
			continue;
		}
		build_header(p, t, cp->ip, cp->port, peer_macs[i]);
		if (cp->kind == SL_PEER_RELAY) {
			t->relay_ip[t->nrelay] = sl_pkt_rd_le32(cp->ip);
			t->relay_idx[t->nrelay++] = (uint8_t)i;
		}
		add_name(t, i, cp->name);
	}
}

bool sl_peers_set_managed(sl_peers_t *t, unsigned k, const struct sl_peertab_entry *e,
			  uint64_t token_in_prev)
{
	const bool v6 = sl_peertab_entry_addr(e).family == 6;
	const uint32_t ip = sl_pkt_rd_le32(e->ip);
	if (k >= SL_PEERTAB_SLOTS || (v6 && !t->has_ip6) ||
	    (v6 ? sl_peers_find_relay6(t, e->ip) : sl_peers_find_relay(t, ip)) != SL_PEER_NONE)
		return false;
	unsigned idx = SL_PEERTAB_DP_BASE + k;
	static const uint8_t no_mac[6];
	sl_peer_fast_t *p = &t->p[idx];
	memset(p, 0, sizeof(*p));
	p->kind = SL_PEER_RELAY;
	p->up = e->state == SL_PT_UP;
	p->token_in = e->token_in;
	p->token_in_prev = token_in_prev;
	p->token_out = e->token_out;
	if (v6) {
		build_header6(p, t, e->ip, e->port, e->mac);
		t->relay_ip6[t->nrelay6][0] = sl_pkt_rd_le64(e->ip);
		t->relay_ip6[t->nrelay6][1] = sl_pkt_rd_le64(e->ip + 8);
		t->relay6_idx[t->nrelay6++] = (uint8_t)idx;
	} else {
		build_header(p, t, e->ip, e->port, e->mac);
		t->relay_ip[t->nrelay] = ip;
		t->relay_idx[t->nrelay++] = (uint8_t)idx;
	}
	if (p->up && memcmp(e->mac, no_mac, 6) != 0)
		t->fan[t->nfan++] = (uint8_t)idx;
	add_name(t, idx, e->name);
	return true;
}
