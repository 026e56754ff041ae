/* sl_srcaddr: a source as the dataplane counts and blocks it (sl_srcdrops,
 * sl_autoblock): an IPv4 client's address, or an IPv6 client's prefix of
 * [prefilter] ip6_prefix bits. IPv6 sources are taken by prefix because a
 * host owns its /64 and may send from any address in it; the XDP prefilter
 * rate-limits and counts them by the same prefix (sl_pf_mask6), so both
 * name a source alike and a block of the prefix stops the whole host.
 *
 * One form for both families, so that tables compare, hash and copy every
 * source the same way: 16 address bytes (network order) -- an IPv4 address
 * as its IPv4-mapped IPv6 address ::ffff:a.b.c.d, an IPv6 prefix with every
 * bit past it 0 -- and the prefix length in the family's own terms: 32 for
 * IPv4, 1..128 for IPv6. The length also tells the families apart where the
 * bytes alone cannot: an IPv6 source at ::ffff:a.b.c.d (never sent by an
 * honest host: RFC 4291 2.5.5.2) keeps its ffff only under a length over
 * 80, and an IPv6 /32 holds no ffff, so no IPv6 source has both the mapped
 * bytes and the length 32 of an IPv4 one: a forger cannot get an IPv4
 * address blocked by sending over IPv6.
 *
 * The constructors, the compare and the hash are inline, branch-light and
 * touch no memory but their operands: the workers call them per bad packet. */
#ifndef SL_SRCADDR_H
#define SL_SRCADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_cidr.h"
#include "sluice/sl_prefilter.h"

typedef struct sl_srcaddr {
	union {
		uint8_t b[16];  /* network order */
		uint64_t w[2];  /* the same bytes: compares, the hash, seqlocked copies */
	};
	uint32_t prefixlen; /* 32 (IPv4), or the IPv6 prefix's length, 1..128 */
} sl_srcaddr_t;

/* An IPv4 source; ip in sl_pkt_view_t form (sl_pkt_rd_le32 of the address
 * bytes: address byte i is ip >> 8i, whatever the host's order). */
static inline sl_srcaddr_t sl_srcaddr_from_v4(uint32_t ip)
{
	sl_srcaddr_t a = {.b = {[10] = 0xff, [11] = 0xff}, .prefixlen = 32};
	for (unsigned i = 0; i < 4; i++)
		a.b[12 + i] = (uint8_t)(ip >> 8 * i);
	return a;
}

/* An IPv6 source: addr (network order) masked to prefixlen bits. A length
 * outside 1..128 is taken as 64, as the prefilter takes it
 * (sl_pf_ip6_prefix): never /0, which would make one source of every IPv6
 * client. */
static inline sl_srcaddr_t sl_srcaddr_from_v6(const uint8_t addr[16], unsigned prefixlen)
{
	sl_srcaddr_t a;
	if (prefixlen - 1u >= 128u)
		prefixlen = 64;
	for (unsigned i = 0; i < 16; i++)
		a.b[i] = addr[i];
	sl_pf_mask6(a.b, prefixlen);
	a.prefixlen = prefixlen;
	return a;
}

static inline bool sl_srcaddr_eq(const sl_srcaddr_t *a, const sl_srcaddr_t *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->prefixlen == b->prefixlen;
}

/* A 32-bit hash of the source under key, for picking a set by its top
 * bits: two multiplications, each of which carries every bit of its operand
 * into the top bits. Without the key nobody outside can aim sources at one
 * set. */
static inline uint32_t sl_srcaddr_hash(const sl_srcaddr_t *a, uint32_t key)
{
	const uint64_t m = 0x9e3779b97f4a7c15ull; /* 2^64 / golden ratio, odd */
	uint64_t h = (a->w[0] ^ key) * m;
	h = (h ^ a->w[1] ^ a->prefixlen) * m;
	return (uint32_t)(h >> 32);
}

/* Is it an IPv4 source (sl_srcaddr_from_v4)? */
bool sl_srcaddr_is_v4(const sl_srcaddr_t *a);

/* The prefix it stands for, as the blocklist and allowlist take it: the
 * IPv4 address /32, or the IPv6 prefix with its length. */
void sl_srcaddr_cidr(const sl_srcaddr_t *a, sl_cidr_t *c);

/* As operators read it, and as --stats-json, telemetry and /metrics name
 * it: "10.0.0.1" for IPv4 (no length), "2001:db8:1:2::/64" for IPv6. */
#define SL_SRCADDR_STR_SZ SL_CIDR_STR_SZ
void sl_srcaddr_str(const sl_srcaddr_t *a, char out[SL_SRCADDR_STR_SZ]);

#endif
