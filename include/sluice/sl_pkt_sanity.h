/* sl_pkt_sanity: the packet sanity rules that the XDP prefilter and the
 * dataplane both apply, written once (ARCHITECTURE.md, "The path of a
 * packet" and "The XDP prefilter").
 *
 * Contract: every function reads only inside the span [data, data + len),
 * never writes, and uses no DPDK, libc or kernel types, so that it compiles
 * for user space and for BPF alike. sl_pkt_check() accepts exactly the
 * Ethernet / IPv4 or IPv6 / UDP frames that sluice can take in:
 *   - Ethernet: at least 14 bytes (18 with a tag); EtherType 0x0800 or
 *     0x86dd, either straight or behind exactly one 802.1Q tag (TPID 0x8100).
 *     Anything else is not IP to us (SL_PKT_NOT_IP, the kernel's): ARP, and
 *     also QinQ, an outer 0x88a8 or a second 0x8100 tag, which a relay's
 *     port never carries and which would need a deeper header copy in XDP;
 *   - IPv4: version 4, 5 <= IHL, header inside the frame, total length covers
 *     the header and fits in the frame (Ethernet padding after it is
 *     allowed), not a fragment (MF clear, offset 0: a transaction is one
 *     datagram), valid header checksum, protocol UDP;
 *   - IPv6: version 6, the 40-byte header inside the frame, payload length
 *     fits in the frame (padding after it allowed), next header UDP. Any
 *     other next header is SL_PKT_NOT_UDP, for the kernel: ICMPv6 (neighbour
 *     discovery among it), TCP, and every extension header, which is not
 *     walked. MLD reports carry a hop-by-hop header and must reach the
 *     kernel; UDP behind an extension header reaches it too, and the kernel
 *     has no socket on sluice's ports (no sender of ours adds one). This
 *     keeps the header copy of the prefilter at 40 bytes and the rules
 *     loop-free;
 *   - UDP: length field equals the IP payload length (IPv4: total length
 *     less the header; IPv6: the payload length) and is >= 8; over IPv6 its
 *     checksum is not 0 (RFC 8200 8.1: a zero checksum is illegal there;
 *     SL_PKT_BAD_UDP_CSUM).
 * Checksum policy: the IPv4 header checksum is always checked (it is cheap
 * and always filled in). The UDP checksum is not verified, over either
 * family: veth and NICs with tx offload hand over frames whose UDP checksum
 * is left partial (CHECKSUM_PARTIAL), the payload is authenticated by its
 * signatures anyway, and summing up to 1232 bytes of payload would blow the
 * prefilter's per-packet cost budget. Only the illegal zero is refused. */
#ifndef SL_PKT_SANITY_H
#define SL_PKT_SANITY_H

#include <stdint.h>

#include "sluice/sl_wire.h"

#define SL_ETH_HLEN      14
#define SL_ETH_P_IPV4    0x0800
#define SL_ETH_P_IPV6    0x86dd
#define SL_ETH_P_8021Q   0x8100
#define SL_VLAN_HLEN     4
#define SL_IPV4_HLEN_MIN 20
#define SL_IPV4_HLEN_MAX 60
#define SL_IPV6_HLEN     40
#define SL_IPPROTO_UDP   17
#define SL_UDP_HLEN      8
#define SL_IPV4_MF       0x2000
#define SL_IPV4_OFF_MASK 0x1fff

/* X-macro: verdict, name, the layer whose counter it feeds. BAD_VERSION,
 * BAD_TOTAL_LEN (IPv6: the payload length), SHORT_UDP and BAD_UDP_LEN serve
 * both families. */
#define SL_PKT_VERDICTS(X)                   \
	X(OK, "ok", 0)                       \
	X(SHORT_ETH, "short_eth", 2)         \
	X(NOT_IP, "not_ip", 2)               \
	X(SHORT_IPV4, "short_ipv4", 3)       \
	X(SHORT_IPV6, "short_ipv6", 3)       \
	X(BAD_VERSION, "bad_version", 3)     \
	X(BAD_IHL, "bad_ihl", 3)             \
	X(BAD_TOTAL_LEN, "bad_total_len", 3) \
	X(FRAGMENT, "fragment", 3)           \
	X(BAD_IP_CSUM, "bad_ip_csum", 3)     \
	X(NOT_UDP, "not_udp", 4)             \
	X(SHORT_UDP, "short_udp", 4)         \
	X(BAD_UDP_LEN, "bad_udp_len", 4)     \
	X(BAD_UDP_CSUM, "zero_udp_csum", 4)

typedef enum sl_pkt_verdict {
#define SL_PKT_VERDICT_ENUM(name, str, layer) SL_PKT_##name,
	SL_PKT_VERDICTS(SL_PKT_VERDICT_ENUM)
#undef SL_PKT_VERDICT_ENUM
	SL_PKT__COUNT
} sl_pkt_verdict_t;

/* Where the parts of an accepted frame are. Addresses and ports are the
 * frame's bytes read as little-endian numbers (sl_pkt_rd_le*), not swapped
 * to host values: compare them only with values read the same way from
 * network-order bytes (the config does so), which needs no swap per packet. */
typedef struct __attribute__((aligned(8))) sl_pkt_view {
	uint16_t l3_off;      /* 14, or 18 behind an 802.1Q tag */
	uint16_t l4_off;
	uint16_t payload_off; /* UDP payload */
	uint16_t payload_len;
	uint32_t src_ip;      /* IPv4: sl_pkt_rd_le32 of the address bytes; IPv6: 0 */
	uint32_t dst_ip;
	uint16_t src_port;    /* sl_pkt_rd_le16 of the port bytes */
	uint16_t dst_port;
	uint8_t family;       /* 4 or 6 */
	uint8_t vlan;         /* 1: behind an 802.1Q tag, whose TCI is vlan_tci */
	uint16_t vlan_tci;    /* host order (PCP, DEI, VLAN id); 0 untagged */
	uint8_t src6[16];     /* IPv6: the address bytes (network order); IPv4: 0 */
	uint8_t dst6[16];
} sl_pkt_view_t;
/* No padding: sl_pkt_check and sl_pkt_check_fast fill views that compare
 * equal byte for byte (the fuzzer and the tests compare them whole). */
_Static_assert(sizeof(sl_pkt_view_t) == 56, "sl_pkt_view_t has padding");

/* Word loads where the host is little-endian (every user-space target):
 * the byte-wise forms below are not always merged into one load, and the
 * rx path reads a dozen fields per packet. BPF keeps the byte-wise form,
 * which the verifier accepts at any alignment. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(__bpf__)
#define SL_PKT_LOAD_LE 1
#endif

static inline uint16_t sl_pkt_rd_be16(const uint8_t *p)
{
#ifdef SL_PKT_LOAD_LE
	uint16_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
#else
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
#endif
}

/* Little-endian loads: sluice's own wire integers, and the "unswapped" form
 * of network-order fields used for equality tests. */
static inline uint16_t sl_pkt_rd_le16(const uint8_t *p)
{
#ifdef SL_PKT_LOAD_LE
	uint16_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
#else
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
#endif
}

/* Eight bytes as they lie, to be stored as they lay (addresses). */
static inline uint64_t sl_pkt_rd_raw64(const uint8_t *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t sl_pkt_rd_le32(const uint8_t *p)
{
#ifdef SL_PKT_LOAD_LE
	uint32_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
#else
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
#endif
}

/* sl_pkt_check_fast's loads. It reads the frame in place, and in BPF
 * that is the packet itself, where the verifier takes a word load at any
 * offset (x86 has no strict alignment; elsewhere NET_IP_ALIGN makes the
 * IPv4 fields aligned); the rules that run on the prefilter's stack copy
 * must stay byte-wise, since stack loads must be aligned. Byte-wise, the
 * fast check was a third of an ingest frame's time in XDP
 * (bench/README.md, xdp/). */
#ifdef __bpf__
/* In BPF the fast check is inlined whole, so that its offsets stay
 * constants the verifier can bound; in user space the compiler keeps the
 * rarer shapes out of line, off the untagged IPv4 path. */
#define SL_PKT_FAST_INLINE  __attribute__((always_inline))
#define SL_PKT_FAST_RAW64(p) (*(const uint64_t *)(const void *)(p))
#define SL_PKT_FAST_LE64(p) (*(const uint64_t *)(const void *)(p))
#define SL_PKT_FAST_LE32(p) (*(const uint32_t *)(const void *)(p))
#define SL_PKT_FAST_LE16(p) (*(const uint16_t *)(const void *)(p))
#define SL_PKT_FAST_BE16(p) __builtin_bswap16(SL_PKT_FAST_LE16(p))
#else
#define SL_PKT_FAST_INLINE
#define SL_PKT_FAST_RAW64(p) sl_pkt_rd_raw64(p)
#define SL_PKT_FAST_LE64(p) sl_pkt_rd_le64(p)
#define SL_PKT_FAST_LE32(p) sl_pkt_rd_le32(p)
#define SL_PKT_FAST_LE16(p) sl_pkt_rd_le16(p)
#define SL_PKT_FAST_BE16(p) sl_pkt_rd_be16(p)
#endif

/* Where a frame's L3 header starts -- after the Ethernet header and at
 * most one 802.1Q tag -- and its EtherType (*type); 0 when the frame is
 * shorter than that. The inner EtherType of a tagged frame may be a second
 * tag: the caller's "not IP". */
static inline unsigned sl_pkt_l3(const uint8_t *data, uint32_t len, unsigned *type)
{
	if (len < SL_ETH_HLEN)
		return 0;
	*type = sl_pkt_rd_be16(data + 12);
	if (*type != SL_ETH_P_8021Q)
		return SL_ETH_HLEN;
	if (len < SL_ETH_HLEN + SL_VLAN_HLEN)
		return 0;
	*type = sl_pkt_rd_be16(data + SL_ETH_HLEN + 2);
	return SL_ETH_HLEN + SL_VLAN_HLEN;
}

/* The source address a frame claims, as far as it reaches: the bytes
 * (network order) of the IPv4 (4 bytes) or IPv6 (16) header's source field
 * into addr, wherever that header sits (tagged or not), whatever else is
 * wrong with the frame. Returns the family the EtherType names (4 or 6),
 * or 0 when the frame is not IP or too short to hold the field. For the
 * prefilter's drops by source and the dataplane's bad sources. */
static inline __attribute__((always_inline)) unsigned
sl_pkt_src_addr_at(const uint8_t *data, uint32_t len, unsigned l3, unsigned type, uint8_t addr[16])
{
	if (type == SL_ETH_P_IPV4 && len >= l3 + SL_IPV4_HLEN_MIN) {
		for (unsigned i = 0; i < 4; i++)
			addr[i] = data[l3 + 12 + i];
		return 4;
	}
	if (type == SL_ETH_P_IPV6 && len >= l3 + 24) {
		for (unsigned i = 0; i < 16; i++)
			addr[i] = data[l3 + 8 + i];
		return 6;
	}
	return 0;
}

/* One call per L3 offset, each a constant, as in sl_pkt_check: the
 * prefilter reads a packet in place with it. */
static inline __attribute__((always_inline)) unsigned
sl_pkt_src_addr(const uint8_t *data, uint32_t len, uint8_t addr[16])
{
	unsigned type = 0, l3 = sl_pkt_l3(data, len, &type);
	if (l3 == SL_ETH_HLEN)
		return sl_pkt_src_addr_at(data, len, SL_ETH_HLEN, type, addr);
	if (l3 == SL_ETH_HLEN + SL_VLAN_HLEN)
		return sl_pkt_src_addr_at(data, len, SL_ETH_HLEN + SL_VLAN_HLEN, type, addr);
	return 0;
}

/* One's-complement sum of an IPv4 header of `hlen` bytes (20 <= hlen <= 60,
 * a multiple of 4); 0xffff when the checksum field is right. The fixed
 * 20 bytes are summed straight; the options loop has a constant bound so
 * that the BPF verifier accepts it. */
static inline uint16_t sl_pkt_ipv4_csum_fold(const uint8_t *ip, unsigned hlen)
{
	uint32_t sum = 0;
	for (unsigned i = 0; i < SL_IPV4_HLEN_MIN; i += 4)
		sum += sl_pkt_rd_be16(ip + i) + (uint32_t)sl_pkt_rd_be16(ip + i + 2);
	for (unsigned i = SL_IPV4_HLEN_MIN; i < SL_IPV4_HLEN_MAX; i += 4) {
		if (i >= hlen)
			break;
		sum += sl_pkt_rd_be16(ip + i) + (uint32_t)sl_pkt_rd_be16(ip + i + 2);
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Is the checksum of an IPv4 header without options right, as
 * sl_pkt_ipv4_csum_fold(ip, 20) == 0xffff says? Its five 32-bit words,
 * read with sl_pkt_check_fast's loads, are summed: the folded ones'
 * complement sum is 0xffff exactly when that sum is not 0 and a multiple
 * of 0xffff (65536 = 1 mod 0xffff, so every 16-bit word counts by its
 * value, in either byte order: a byte swap multiplies by 256, which is
 * prime to 0xffff). A multiple of the odd 0xffff is a number whose product
 * with 0xffff's inverse mod 2^64 is at most (2^64 - 1) / 0xffff: a
 * multiply and a compare where the folds take a dozen steps. */
#define SL_PKT_CSUM_INV 0xfffefffefffeffffull /* 0xffff * this = 1 mod 2^64 */
#define SL_PKT_CSUM_LIM 0x0001000100010001ull /* (2^64 - 1) / 0xffff */
static inline SL_PKT_FAST_INLINE int sl_pkt_ipv4_csum20_ok(const uint8_t *ip)
{
	const uint64_t sum = (uint64_t)SL_PKT_FAST_LE32(ip) + SL_PKT_FAST_LE32(ip + 4) +
			     SL_PKT_FAST_LE32(ip + 8) + SL_PKT_FAST_LE32(ip + 12) +
			     SL_PKT_FAST_LE32(ip + 16);
	return (sum != 0) & (sum * SL_PKT_CSUM_INV <= SL_PKT_CSUM_LIM);
}

/* What sl_pkt_check_const() returns for a frame whose offsets are not
 * constants (an IPv4 header with options): ask sl_pkt_check(). */
#define SL_PKT_ASK SL_PKT__COUNT

/* The IPv4 rules on the header at data + l3 (sl_pkt_check); fills the
 * view's L3/L4 part on SL_PKT_OK only. With options 0, a header whose IHL
 * is not 5 is SL_PKT_ASK, and every read is at a constant offset from data
 * when l3 is a constant (sl_pkt_check_const), the checksum's with
 * sl_pkt_check_fast's loads (sl_pkt_ipv4_csum20_ok). */
static inline __attribute__((always_inline)) sl_pkt_verdict_t
sl_pkt_check_ipv4(const uint8_t *data, uint32_t len, unsigned l3, int options, sl_pkt_view_t *v)
{
	const uint8_t *ip = data + l3;
	uint32_t ip_room = len - l3;
	if (ip_room < SL_IPV4_HLEN_MIN)
		return SL_PKT_SHORT_IPV4;
	if ((ip[0] >> 4) != 4)
		return SL_PKT_BAD_VERSION;
	unsigned hlen = (unsigned)(ip[0] & 0x0f) * 4;
	if (!options) {
		if (hlen != SL_IPV4_HLEN_MIN)
			return SL_PKT_ASK;
		hlen = SL_IPV4_HLEN_MIN; /* a constant from here on */
	}
	if (hlen < SL_IPV4_HLEN_MIN || hlen > ip_room)
		return SL_PKT_BAD_IHL;
	unsigned tot = sl_pkt_rd_be16(ip + 2);
	if (tot < hlen || tot > ip_room)
		return SL_PKT_BAD_TOTAL_LEN;
	unsigned frag = sl_pkt_rd_be16(ip + 6);
	if (frag & (SL_IPV4_MF | SL_IPV4_OFF_MASK))
		return SL_PKT_FRAGMENT;
	if (options ? sl_pkt_ipv4_csum_fold(ip, hlen) != 0xffff : !sl_pkt_ipv4_csum20_ok(ip))
		return SL_PKT_BAD_IP_CSUM;
	if (ip[9] != SL_IPPROTO_UDP)
		return SL_PKT_NOT_UDP;

	const uint8_t *udp = ip + hlen;
	unsigned udp_room = tot - hlen;
	if (udp_room < SL_UDP_HLEN)
		return SL_PKT_SHORT_UDP;
	if (sl_pkt_rd_be16(udp + 4) != udp_room)
		return SL_PKT_BAD_UDP_LEN;

	v->l3_off = (uint16_t)l3;
	v->l4_off = (uint16_t)(l3 + hlen);
	v->payload_off = (uint16_t)(v->l4_off + SL_UDP_HLEN);
	v->payload_len = (uint16_t)(udp_room - SL_UDP_HLEN);
	v->src_ip = sl_pkt_rd_le32(ip + 12);
	v->dst_ip = sl_pkt_rd_le32(ip + 16);
	v->src_port = sl_pkt_rd_le16(udp);
	v->dst_port = sl_pkt_rd_le16(udp + 2);
	v->family = 4;
	return SL_PKT_OK;
}

/* The IPv6 rules on the header at data + l3 (sl_pkt_check); fills the
 * view's L3/L4 part on SL_PKT_OK only. */
static inline __attribute__((always_inline)) sl_pkt_verdict_t
sl_pkt_check_ipv6(const uint8_t *data, uint32_t len, unsigned l3, sl_pkt_view_t *v)
{
	const uint8_t *ip = data + l3;
	uint32_t ip_room = len - l3;
	if (ip_room < SL_IPV6_HLEN)
		return SL_PKT_SHORT_IPV6;
	if ((ip[0] >> 4) != 6)
		return SL_PKT_BAD_VERSION;
	unsigned plen = sl_pkt_rd_be16(ip + 4);
	if (plen > ip_room - SL_IPV6_HLEN)
		return SL_PKT_BAD_TOTAL_LEN;
	if (ip[6] != SL_IPPROTO_UDP) /* extension headers too: see the top */
		return SL_PKT_NOT_UDP;

	const uint8_t *udp = ip + SL_IPV6_HLEN;
	if (plen < SL_UDP_HLEN)
		return SL_PKT_SHORT_UDP;
	if (sl_pkt_rd_be16(udp + 4) != plen)
		return SL_PKT_BAD_UDP_LEN;
	if (sl_pkt_rd_le16(udp + 6) == 0)
		return SL_PKT_BAD_UDP_CSUM;

	v->l3_off = (uint16_t)l3;
	v->l4_off = (uint16_t)(l3 + SL_IPV6_HLEN);
	v->payload_off = (uint16_t)(v->l4_off + SL_UDP_HLEN);
	v->payload_len = (uint16_t)(plen - SL_UDP_HLEN);
	v->src_port = sl_pkt_rd_le16(udp);
	v->dst_port = sl_pkt_rd_le16(udp + 2);
	v->family = 6;
	for (unsigned i = 0; i < 16; i++) {
		v->src6[i] = ip[8 + i];
		v->dst6[i] = ip[24 + i];
	}
	return SL_PKT_OK;
}

/* sl_pkt_check and sl_pkt_check_const: options 1 and 0. */
static inline __attribute__((always_inline)) sl_pkt_verdict_t
sl_pkt_check_opts(const uint8_t *data, uint32_t len, int options, sl_pkt_view_t *v)
{
	*v = (sl_pkt_view_t){0};
	unsigned type = 0, l3 = sl_pkt_l3(data, len, &type);
	if (l3 == 0)
		return SL_PKT_SHORT_ETH;
	if (type != SL_ETH_P_IPV4 && type != SL_ETH_P_IPV6)
		return SL_PKT_NOT_IP; /* ARP, QinQ, ... */
	/* One call per offset, each a constant: the compiler can then merge
	 * the byte-wise loads of fields it knows aligned. At a variable
	 * offset the BPF program (which must read its header copy byte-wise)
	 * kept every load a byte, measurably slower per packet. */
	if (l3 == SL_ETH_HLEN)
		return type == SL_ETH_P_IPV4 ? sl_pkt_check_ipv4(data, len, SL_ETH_HLEN, options, v)
					     : sl_pkt_check_ipv6(data, len, SL_ETH_HLEN, v);
	sl_pkt_verdict_t r = type == SL_ETH_P_IPV4
				     ? sl_pkt_check_ipv4(data, len, SL_ETH_HLEN + SL_VLAN_HLEN, options, v)
				     : sl_pkt_check_ipv6(data, len, SL_ETH_HLEN + SL_VLAN_HLEN, v);
	if (r == SL_PKT_OK) {
		v->vlan = 1;
		v->vlan_tci = sl_pkt_rd_be16(data + SL_ETH_HLEN);
	}
	return r;
}

/* Applies the rules above; fills *v on SL_PKT_OK and zeroes it otherwise. */
static inline sl_pkt_verdict_t sl_pkt_check(const uint8_t *data, uint32_t len,
					    sl_pkt_view_t *v)
{
	return sl_pkt_check_opts(data, len, 1, v);
}

/* sl_pkt_check, reading only below SL_PKT_FAST_MAX and at constant offsets
 * (below), but SL_PKT_ASK for an IPv4 header with options: the prefilter
 * judges a frame that holds SL_PKT_FAST_MAX bytes in place with it, which
 * the BPF verifier accepts only at constant offsets. */
static inline __attribute__((always_inline)) sl_pkt_verdict_t
sl_pkt_check_const(const uint8_t *data, uint32_t len, sl_pkt_view_t *v)
{
	return sl_pkt_check_opts(data, len, 0, v);
}

/* sl_pkt_check_fast's IPv4 part: the header at the constant l3, without
 * options, checked with a few word loads and one branch instead of a
 * branch per rule; 1 when sl_pkt_check() accepts it, with *v filled as it
 * fills an untagged frame's view. */
static inline SL_PKT_FAST_INLINE int
sl_pkt_fast_ipv4(const uint8_t *data, uint32_t len, unsigned l3, sl_pkt_view_t *v)
{
	const unsigned hdrs = l3 + SL_IPV4_HLEN_MIN + SL_UDP_HLEN;
	if (len < hdrs)
		return 0;
	const uint8_t *ip = data + l3;
	const uint8_t *udp = ip + SL_IPV4_HLEN_MIN;
	unsigned tot = SL_PKT_FAST_BE16(ip + 2);
	uint32_t bad = (uint32_t)ip[0] ^ 0x45; /* version 4, IHL 5 */
	bad |= (uint32_t)(tot - (SL_IPV4_HLEN_MIN + SL_UDP_HLEN) >
			  len - hdrs);                /* UDP header .. frame end */
	bad |= SL_PKT_FAST_BE16(ip + 6) & (SL_IPV4_MF | SL_IPV4_OFF_MASK);
	bad |= ip[9] ^ SL_IPPROTO_UDP;
	bad |= SL_PKT_FAST_BE16(udp + 4) ^ (tot - SL_IPV4_HLEN_MIN);
	bad |= (uint32_t)!sl_pkt_ipv4_csum20_ok(ip);
	if (bad)
		return 0;
	*v = (sl_pkt_view_t){
		.l3_off = (uint16_t)l3,
		.l4_off = (uint16_t)(l3 + SL_IPV4_HLEN_MIN),
		.payload_off = (uint16_t)hdrs,
		.payload_len = (uint16_t)(tot - (SL_IPV4_HLEN_MIN + SL_UDP_HLEN)),
		.src_ip = SL_PKT_FAST_LE32(ip + 12),
		.dst_ip = SL_PKT_FAST_LE32(ip + 16),
		.src_port = SL_PKT_FAST_LE16(udp),
		.dst_port = SL_PKT_FAST_LE16(udp + 2),
		.family = 4,
	};
	return 1;
}

/* sl_pkt_check_fast's IPv6 part: the header at the constant l3, UDP
 * straight after it; as sl_pkt_fast_ipv4. */
static inline SL_PKT_FAST_INLINE int
sl_pkt_fast_ipv6(const uint8_t *data, uint32_t len, unsigned l3, sl_pkt_view_t *v)
{
	const unsigned hdrs = l3 + SL_IPV6_HLEN + SL_UDP_HLEN;
	if (len < hdrs)
		return 0;
	const uint8_t *ip = data + l3;
	const uint8_t *udp = ip + SL_IPV6_HLEN;
	unsigned plen = SL_PKT_FAST_BE16(ip + 4);
	uint32_t bad = (uint32_t)(ip[0] >> 4) ^ 6;
	bad |= (uint32_t)(plen - SL_UDP_HLEN > len - hdrs); /* UDP header .. frame end */
	bad |= ip[6] ^ SL_IPPROTO_UDP;
	bad |= SL_PKT_FAST_BE16(udp + 4) ^ plen;
	bad |= SL_PKT_FAST_LE16(udp + 6) == 0;
	if (bad)
		return 0;
	/* zeroed, then the fields: in BPF cheaper than a new view with the
	 * addresses copied in (4 ns a frame in XDP) */
	*v = (sl_pkt_view_t){0};
	v->l3_off = (uint16_t)l3;
	v->l4_off = (uint16_t)(l3 + SL_IPV6_HLEN);
	v->payload_off = (uint16_t)hdrs;
	v->payload_len = (uint16_t)(plen - SL_UDP_HLEN);
	v->src_port = SL_PKT_FAST_LE16(udp);
	v->dst_port = SL_PKT_FAST_LE16(udp + 2);
	v->family = 6;
	/* 64-bit words into the 8-aligned view: its readers (the prefilter's
	 * source key, to_us) load them as such, and a word load of what two
	 * narrower stores wrote stalls the CPU */
	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t s = SL_PKT_FAST_RAW64(ip + 8 + i), d = SL_PKT_FAST_RAW64(ip + 24 + i);
		__builtin_memcpy(v->src6 + i, &s, 8);
		__builtin_memcpy(v->dst6 + i, &d, 8);
	}
	return 1;
}

/* The frames nearly every packet is -- IPv4 without options or IPv6
 * without extension headers, untagged or behind one 802.1Q tag -- checked
 * at constant offsets, each family's rules folded into one branch. Returns
 * 1 only when sl_pkt_check() would return SL_PKT_OK, with *v filled
 * exactly as it fills it; 0 says nothing (QinQ, IPv4 options, not IP, or a
 * rule broken): ask sl_pkt_check() for the verdict. The offsets are
 * constants so that the prefilter can run it on the packet in place, once
 * it knows the frame holds SL_PKT_FAST_MAX bytes. */
#define SL_PKT_FAST_MAX (SL_ETH_HLEN + SL_VLAN_HLEN + SL_IPV6_HLEN + SL_UDP_HLEN)
static inline __attribute__((always_inline)) int
sl_pkt_check_fast(const uint8_t *data, uint32_t len, sl_pkt_view_t *v)
{
	if (len < SL_ETH_HLEN + SL_IPV4_HLEN_MIN + SL_UDP_HLEN)
		return 0; /* the shortest frame accepted; also covers a tag's type */
	unsigned type = SL_PKT_FAST_BE16(data + 12);
	if (__builtin_expect(type == SL_ETH_P_IPV4, 1))
		return sl_pkt_fast_ipv4(data, len, SL_ETH_HLEN, v);
	if (type == SL_ETH_P_IPV6)
		return sl_pkt_fast_ipv6(data, len, SL_ETH_HLEN, v);
	if (type != SL_ETH_P_8021Q)
		return 0;
	type = SL_PKT_FAST_BE16(data + SL_ETH_HLEN + 2);
	int ok = type == SL_ETH_P_IPV4   ? sl_pkt_fast_ipv4(data, len, SL_ETH_HLEN + SL_VLAN_HLEN, v)
		 : type == SL_ETH_P_IPV6 ? sl_pkt_fast_ipv6(data, len, SL_ETH_HLEN + SL_VLAN_HLEN, v)
					 : 0;
	if (ok) {
		v->vlan = 1;
		v->vlan_tci = SL_PKT_FAST_BE16(data + SL_ETH_HLEN);
	}
	return ok;
}

/* sl_pkt_src_addr() for a frame that holds SL_PKT_FAST_MAX bytes (every
 * source field it could reach), read at constant offsets with
 * sl_pkt_check_fast()'s loads: the family it returns, with the address in
 * the view's src_ip or src6, in their forms (nothing else written; 0:
 * nothing). The prefilter keys a rejected frame read in place by it, where
 * sl_pkt_src_addr()'s bytes cost a load and a store each. */
static inline SL_PKT_FAST_INLINE unsigned
sl_pkt_src_fast_at(const uint8_t *data, unsigned l3, unsigned type, sl_pkt_view_t *v)
{
	if (type == SL_ETH_P_IPV4) {
		v->src_ip = SL_PKT_FAST_LE32(data + l3 + 12);
		return 4;
	}
	if (type == SL_ETH_P_IPV6) {
		for (unsigned i = 0; i < 16; i += 8) {
			uint64_t w = SL_PKT_FAST_RAW64(data + l3 + 8 + i);
			__builtin_memcpy(v->src6 + i, &w, 8);
		}
		return 6;
	}
	return 0;
}

_Static_assert(SL_PKT_FAST_MAX >= SL_ETH_HLEN + SL_VLAN_HLEN + 24,
	       "sl_pkt_src_fast() reaches every source field sl_pkt_src_addr() can");
static inline SL_PKT_FAST_INLINE unsigned sl_pkt_src_fast(const uint8_t *data, sl_pkt_view_t *v)
{
	const unsigned type = SL_PKT_FAST_BE16(data + 12);
	if (type != SL_ETH_P_8021Q)
		return sl_pkt_src_fast_at(data, SL_ETH_HLEN, type, v);
	return sl_pkt_src_fast_at(data, SL_ETH_HLEN + SL_VLAN_HLEN,
				  SL_PKT_FAST_BE16(data + SL_ETH_HLEN + 2), v);
}

/* Which layer (2, 3 or 4) a rejection belongs to; 0 for SL_PKT_OK. */
static inline unsigned sl_pkt_verdict_layer(sl_pkt_verdict_t v)
{
	switch (v) {
#define SL_PKT_VERDICT_LAYER(name, str, layer) case SL_PKT_##name: return layer;
		SL_PKT_VERDICTS(SL_PKT_VERDICT_LAYER)
#undef SL_PKT_VERDICT_LAYER
	default:
		return 0;
	}
}

static inline uint64_t sl_pkt_rd_le64(const uint8_t *p)
{
	return (uint64_t)sl_pkt_rd_le32(p) | (uint64_t)sl_pkt_rd_le32(p + 4) << 32;
}

/* Gossip frame header rules that need no peer state: magic, version, kind,
 * a non-zero TTL, and a transaction after the header. */
typedef enum sl_gossip_verdict {
	SL_GOSSIP_OK = 0,
	SL_GOSSIP_SHORT,
	SL_GOSSIP_BAD_MAGIC,
	SL_GOSSIP_BAD_VERSION,
	SL_GOSSIP_BAD_KIND,
	SL_GOSSIP_TTL_ZERO,
} sl_gossip_verdict_t;

/* sl_gossip_check on a header's first eight bytes read as one
 * little-endian word (w: sl_pkt_rd_le64 of them), for a caller that loads
 * them whole (the prefilter, from the packet in place). */
static inline __attribute__((always_inline)) sl_gossip_verdict_t
sl_gossip_check_word(uint64_t w, uint32_t len)
{
	if (len <= sizeof(struct sl_gossip_hdr))
		return SL_GOSSIP_SHORT;
	if ((uint32_t)w != SL_GOSSIP_MAGIC)
		return SL_GOSSIP_BAD_MAGIC;
	if ((uint8_t)(w >> 32) != SL_GOSSIP_VERSION)
		return SL_GOSSIP_BAD_VERSION;
	if ((uint8_t)(w >> 40) != SL_GOSSIP_KIND_TX)
		return SL_GOSSIP_BAD_KIND;
	if ((uint8_t)(w >> 48) == 0)
		return SL_GOSSIP_TTL_ZERO;
	return SL_GOSSIP_OK;
}

static inline __attribute__((always_inline)) sl_gossip_verdict_t sl_gossip_check(const uint8_t *data, uint32_t len)
{
	if (len <= sizeof(struct sl_gossip_hdr))
		return SL_GOSSIP_SHORT;
	return sl_gossip_check_word(sl_pkt_rd_le64(data), len);
}

/* The token of a gossip frame that sl_gossip_check() accepted: the value the
 * receiver issued to the sender (ARCHITECTURE.md, "Wire formats"). */
static inline __attribute__((always_inline)) uint64_t sl_gossip_token(const uint8_t *data)
{
	return sl_pkt_rd_le64(data + __builtin_offsetof(struct sl_gossip_hdr, token));
}

#endif
