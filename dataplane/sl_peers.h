/* sl_peers: the fast path's view of this relay and its peers: addresses in
 * the form packets are compared in, and one prebuilt Ethernet/IPv4/UDP or
 * Ethernet/IPv6/UDP header per peer so that a fanout frame costs one copy,
 * its length fields and checksum (IPv4: the header's; IPv6: UDP's, which
 * IPv6 makes mandatory, over the payload).
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
 * Static peers may be IPv4 or IPv6 (frames to an IPv6 peer leave from
 * my_ip6; sl_config requires it); the control daemon's managed peers are
 * IPv4. */
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
#define SL_FRAME_HDR6_SZ (SL_ETH_HLEN + SL_IPV6_HLEN + SL_UDP_HLEN)
#define SL_IP_TTL 64

_Static_assert(SL_CFG_PEERS_MAX <= SL_PEERTAB_DP_BASE, "static indexes stay below the peertab's");
_Static_assert(SL_PEERS_MAX <= SL_PEER_NONE, "a peer index fits in a byte beside SL_PEER_NONE");

typedef struct sl_peer_fast {
	/* IPv4: the first SL_FRAME_HDR_SZ bytes; lengths and checksums left 0 */
	uint8_t hdr[SL_FRAME_HDR6_SZ];
	uint8_t kind;                 /* sl_peer_kind_t */
	uint8_t up;                   /* gossip accepted (static peers: always) */
	uint8_t family;               /* 4 or 6: the frame's IP header */
	/* IPv4: ones' complement sum of hdr's IPv4 words. IPv6: the frame's
	 * constant part of the UDP checksum (the pseudo-header's addresses and
	 * next header, the ports), folded, in sl_peers_csum_le's byte order. */
	uint32_t ip_sum;
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
	/* IPv6 relay peers, looked up for IPv6 gossip only */
	unsigned nrelay6;
	uint64_t relay_ip6[SL_PEERS_MAX][2]; /* sl_pkt_rd_le64 of each half */
	uint8_t relay6_idx[SL_PEERS_MAX];
	sl_peer_fast_t p[SL_PEERS_MAX];
	/* cold: for building managed entries and for the counters' names */
	uint8_t my_mac[6];
	sl_peer_names_t names;
} sl_peers_t;

/* peer_macs[i]: the next-hop MAC of config peer i (resolved by the caller
 * when the config says "resolve"; not read for managed peers). */
void sl_peers_build(sl_peers_t *t, const sl_config_t *cfg, const uint8_t my_mac[6],
		    const uint8_t (*peer_macs)[6]);

/* Adds the peertab's slot k (e: not SL_PT_EMPTY; IPv4 or IPv6) at index
 * SL_PEERTAB_DP_BASE + k, with token_in_prev as given (the caller drops an
 * expired one). Up: state SL_PT_UP; fanout only when up with a non-zero
 * MAC. Returns false, adding nothing, when a relay peer of t already has
 * e's address, or e is IPv6 and this relay has no ip6 to send it from. */
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

/* Index of the relay peer at IPv6 source address ip (16 bytes, network
 * order), or SL_PEER_NONE. Word compares: no call on the rx path. */
static inline unsigned sl_peers_find_relay6(const sl_peers_t *t, const uint8_t *ip)
{
	uint64_t a = sl_pkt_rd_le64(ip), b = sl_pkt_rd_le64(ip + 8);
	for (unsigned i = 0; i < t->nrelay6; i++)
		if (((t->relay_ip6[i][0] ^ a) | (t->relay_ip6[i][1] ^ b)) == 0)
			return t->relay6_idx[i];
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
	return (uint16_t)((p->family == 6 ? SL_FRAME_HDR6_SZ : SL_FRAME_HDR_SZ) + txn_len +
			  (p->kind == SL_PEER_RELAY ? sizeof(struct sl_gossip_hdr) : 0));
}

static inline void sl_peers_put_be16(uint8_t *d, uint16_t v)
{
	d[0] = (uint8_t)(v >> 8);
	d[1] = (uint8_t)v;
}

/* Ones' complement sum of n bytes read as little-endian 16-bit words (the
 * last byte, if n is odd, padded with 0), not folded: as RFC 1071 2(B)
 * allows, summed in the host's byte order and swapped (or, little-endian,
 * stored) once at the end. 32-bit halves of 64-bit loads into a 64-bit
 * accumulator: no carry is lost below 2^32 words. */
static inline uint64_t sl_peers_csum_le(const uint8_t *b, size_t n)
{
	uint64_t s = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x = sl_pkt_rd_le64(b + i);
		s += (x & 0xffffffffu) + (x >> 32);
	}
	if (n - i >= 4) {
		s += sl_pkt_rd_le32(b + i);
		i += 4;
	}
	if (n - i >= 2) {
		s += sl_pkt_rd_le16(b + i);
		i += 2;
	}
	if (n - i)
		s += b[i];
	return s;
}

/* A 64-bit ones' complement sum folded to 16 bits. */
static inline uint16_t sl_peers_csum_fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The UDP payload after the headers: the gossip header for a relay peer,
 * then the transaction. */
static inline void sl_peers_write_payload(const sl_peer_fast_t *p, uint8_t *payload,
					  const uint8_t *txn, uint16_t txn_len, uint8_t ttl)
{
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

/* An IPv6 peer's frame: the payload length twice (IPv6, UDP) and the UDP
 * checksum, the template's constant sum plus the lengths (pseudo-header and
 * UDP header) plus the payload, read back from dst while it is in cache. */
static inline void sl_peers_write_frame6(const sl_peer_fast_t *p, uint8_t *dst,
					 const uint8_t *txn, uint16_t txn_len, uint8_t ttl)
{
	uint16_t udp_len = (uint16_t)(sl_peers_frame_len(p, txn_len) - SL_ETH_HLEN - SL_IPV6_HLEN);
	memcpy(dst, p->hdr, SL_FRAME_HDR6_SZ);
	uint8_t *udp = dst + SL_ETH_HLEN + SL_IPV6_HLEN;
	sl_peers_put_be16(dst + SL_ETH_HLEN + 4, udp_len);
	sl_peers_put_be16(udp + 4, udp_len);
	uint8_t *payload = udp + SL_UDP_HLEN;
	sl_peers_write_payload(p, payload, txn, txn_len, ttl);
	uint16_t len_le = (uint16_t)((udp_len >> 8) | (udp_len << 8));
	uint16_t sum = (uint16_t)~sl_peers_csum_fold(p->ip_sum + 2u * len_le +
						     sl_peers_csum_le(payload, udp_len - SL_UDP_HLEN));
	if (sum == 0)
		sum = 0xffff; /* 0 would say "no checksum", which IPv6 forbids */
	udp[6] = (uint8_t)sum; /* little-endian order, the sum's */
	udp[7] = (uint8_t)(sum >> 8);
}

/* Write the frame for peer p carrying txn into dst (room for
 * sl_peers_frame_len bytes): a gossip frame with `ttl` for a relay peer, the
 * bare transaction for a validator. */
static inline void sl_peers_write_frame(const sl_peer_fast_t *p, uint8_t *dst, const uint8_t *txn,
					uint16_t txn_len, uint8_t ttl)
{
	if (SL_UNLIKELY(p->family == 6)) {
		sl_peers_write_frame6(p, dst, txn, txn_len, ttl);
		return;
	}
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
	sl_peers_write_payload(p, dst + SL_FRAME_HDR_SZ, txn, txn_len, ttl);
}

#endif
