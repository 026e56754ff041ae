/* sl_peers: the fast path's view of this relay and its peers: addresses in
 * the form packets are compared in, and one prebuilt Ethernet/IPv4/UDP header
 * per peer so that a fanout frame costs one copy and two length fields.
 *
 * Contract: sl_peers_build() derives the static part from a validated config
 * and this relay's MAC: peer i here is peer i of the config, for every peer
 * that is not `managed` (a managed config peer's index stays unused).
 * sl_peers_set_managed() adds the control daemon's peers, peertab slot k at
 * index SL_PEERTAB_DP_BASE + k (dataplane/README.md, "Live peer table"). A
 * table is never changed once published to the fast path: the table thread
 * (sl_tables) builds a new one and swaps the pipeline's pointer. Indexes are
 * stable across tables: a peer's index never changes, so an index held
 * across bursts (a verify batch) stays meaningful. Relay peers have distinct
 * addresses (sl_config checks; a managed entry at a static peer's address is
 * left out), so the source address of a gossip frame names its peer.
 * Peers are IPv4 only, in both directions: this relay's IPv6 address
 * (my_ip6) takes ingest datagrams from clients and names no peer. */
#ifndef SL_PEERS_H
#define SL_PEERS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sl_config.h"
#include "sl_peertab.h"
#include "sluice/sl_compiler.h"
#include "sluice/sl_pkt_sanity.h"

#define SL_PEER_NONE 0xff /* source of an ingest datagram: no peer */
/* Static peers below SL_PEERTAB_DP_BASE, the peertab's slots above. */
#define SL_PEERS_MAX (SL_PEERTAB_DP_BASE + SL_PEERTAB_SLOTS)
#define SL_FRAME_HDR_SZ (SL_ETH_HLEN + SL_IPV4_HLEN_MIN + SL_UDP_HLEN)
#define SL_IP_TTL 64

_Static_assert(SL_CFG_PEERS_MAX <= SL_PEERTAB_DP_BASE, "static indexes stay below the peertab's");
_Static_assert(SL_PEERS_MAX <= SL_PEER_NONE, "a peer index fits in a byte beside SL_PEER_NONE");

typedef struct sl_peer_fast {
	uint8_t hdr[SL_FRAME_HDR_SZ]; /* lengths and checksum left zero */
	uint8_t kind;                 /* sl_peer_kind_t */
	uint8_t up;                   /* gossip accepted (static peers: always) */
	uint32_t ip_sum;              /* ones' complement sum of hdr's IPv4 words */
	uint64_t token_in;
	uint64_t token_in_prev;       /* also accepted while not 0 (a rotation) */
	uint64_t token_out;
} sl_peer_fast_t;

/* The peers that have counters to show, by index (static ones first, then
 * the peertab's slots in order), with their names. */
typedef struct sl_peer_names {
	unsigned n;
	uint8_t idx[SL_PEERS_MAX];
	char name[SL_PEERS_MAX][SL_CFG_NAME_MAX];
} sl_peer_names_t;

typedef struct sl_peers {
	uint32_t my_ip;          /* sl_pkt_rd_le32 of the address bytes */
	uint64_t my_ip6[2];      /* [relay] ip6: sl_pkt_rd_le64 of each half */
	bool has_ip6;            /* false: every IPv6 datagram is not for us */
	uint16_t ingest_port;    /* sl_pkt_rd_le16 of the big-endian port */
	uint16_t gossip_port;
	uint8_t ttl;             /* for frames this relay originates */
	unsigned nfan;           /* fanout: every peer frames go to, by index */
	uint8_t fan[SL_PEERS_MAX];
	unsigned nrelay;         /* every relay peer gossip may come from */
	uint32_t relay_ip[SL_PEERS_MAX]; /* compact list for the lookup */
	uint8_t relay_idx[SL_PEERS_MAX];
	sl_peer_fast_t p[SL_PEERS_MAX];
	/* cold: for building managed entries and for the counters' names */
	uint8_t my_mac[6];
	sl_peer_names_t names;
} sl_peers_t;

/* peer_macs[i]: the next-hop MAC of config peer i (resolved by the caller
 * when the config says "resolve"; not read for managed peers). */
void sl_peers_build(sl_peers_t *t, const sl_config_t *cfg, const uint8_t my_mac[6],
		    const uint8_t (*peer_macs)[6]);

/* Adds the peertab's slot k (e: not SL_PT_EMPTY) at index SL_PEERTAB_DP_BASE
 * + k, with token_in_prev as given (the caller drops an expired one). Up:
 * state SL_PT_UP; fanout only when up with a non-zero MAC. Returns false,
 * adding nothing, when a relay peer of t already has e's address. */
bool sl_peers_set_managed(sl_peers_t *t, unsigned k, const struct sl_peertab_entry *e,
			  uint64_t token_in_prev);

/* Index of the relay peer at source address `ip`, or SL_PEER_NONE. */
static inline unsigned sl_peers_find_relay(const sl_peers_t *t, uint32_t ip)
{
	for (unsigned i = 0; i < t->nrelay; i++)
		if (t->relay_ip[i] == ip)
			return t->relay_idx[i];
	return SL_PEER_NONE;
}

/* A gossip frame's token is the peer's token_in, or, during a rotation, the
 * token it replaced (0 there means none). */
static inline bool sl_peers_token_ok(const sl_peer_fast_t *p, uint64_t token)
{
	return token == p->token_in || (token == p->token_in_prev && p->token_in_prev != 0);
}

static inline uint16_t sl_peers_frame_len(const sl_peer_fast_t *p, uint16_t txn_len)
{
	return (uint16_t)(SL_FRAME_HDR_SZ + txn_len +
			  (p->kind == SL_PEER_RELAY ? sizeof(struct sl_gossip_hdr) : 0));
}

static inline void sl_peers_put_be16(uint8_t *d, uint16_t v)
{
	d[0] = (uint8_t)(v >> 8);
	d[1] = (uint8_t)v;
}

/* Write the frame for peer p carrying txn into dst (room for
 * sl_peers_frame_len bytes): a gossip frame with `ttl` for a relay peer, the
 * bare transaction for a validator. */
static inline void sl_peers_write_frame(const sl_peer_fast_t *p, uint8_t *dst, const uint8_t *txn,
					uint16_t txn_len, uint8_t ttl)
{
	uint16_t len = sl_peers_frame_len(p, txn_len);
	uint16_t ip_len = (uint16_t)(len - SL_ETH_HLEN);
	memcpy(dst, p->hdr, SL_FRAME_HDR_SZ);
	uint8_t *ip = dst + SL_ETH_HLEN;
	uint32_t sum = p->ip_sum + ip_len;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sl_peers_put_be16(ip + 2, ip_len);
	sl_peers_put_be16(ip + 10, (uint16_t)~sum);
	sl_peers_put_be16(ip + SL_IPV4_HLEN_MIN + 4, (uint16_t)(ip_len - SL_IPV4_HLEN_MIN));
	uint8_t *payload = dst + SL_FRAME_HDR_SZ;
	if (p->kind == SL_PEER_RELAY) {
		struct sl_gossip_hdr h = {
			.magic = SL_GOSSIP_MAGIC, .version = SL_GOSSIP_VERSION,
			.kind = SL_GOSSIP_KIND_TX, .ttl = ttl, .flags = 0, .token = p->token_out,
		};
		memcpy(payload, &h, sizeof(h)); /* little-endian host, as the wire */
		payload += sizeof(h);
	}
	memcpy(payload, txn, txn_len);
}

#endif
