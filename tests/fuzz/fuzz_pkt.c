/* libFuzzer target for the packet sanity rules (include/sluice/sl_pkt_sanity.h),
 * which every frame off the wire meets first, in the dataplane and in the
 * XDP prefilter:
 *   - sl_pkt_check reads only inside the frame (the frame is an exact-size
 *     heap copy, so ASan sees a read past its end) and, on OK, describes
 *     parts that lie inside it, for IPv4 and IPv6, tagged (802.1Q) or not;
 *   - sl_pkt_src_addr stays inside the frame too, and on an accepted frame
 *     finds the view's family and source;
 *   - sl_pkt_check_fast, the rx path's shortcut, accepts only what
 *     sl_pkt_check accepts and describes it identically;
 *   - sl_pkt_check_const, the prefilter's in-place judge, reads only the
 *     first SL_PKT_FAST_MAX bytes (it gets an exact-size copy of those)
 *     and gives sl_pkt_check's verdict and view, or SL_PKT_ASK for an
 *     IPv4 header whose IHL is not 5;
 *   - sl_pkt_src_fast, on the same copy of a frame that long, finds
 *     sl_pkt_src_addr's family and source;
 *   - sl_gossip_check on an accepted payload stays inside it.
 * The IPv4 header checksum would stop almost every mutation at the L3
 * rules, so when the first input byte is odd the target writes the right
 * checksum into the frame (the rest of the input; the header found behind
 * a tag too) before checking it; when it is even the frame is checked as it
 * came. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/sl_pkt_sanity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_pkt: %s\n", why);
	abort();
}

/* Writes the checksum that makes the IPv4 header's sum 0xffff, when the
 * frame holds a whole header of the length its IHL says. */
static void fix_ipv4_csum(uint8_t *f, size_t len)
{
	unsigned type = 0, l3 = sl_pkt_l3(f, (uint32_t)len, &type);
	if (l3 == 0 || type != SL_ETH_P_IPV4 || len < l3 + SL_IPV4_HLEN_MIN)
		return;
	uint8_t *ip = f + l3;
	unsigned hlen = (unsigned)(ip[0] & 0x0f) * 4;
	if (hlen < SL_IPV4_HLEN_MIN || l3 + hlen > len)
		return;
	ip[10] = ip[11] = 0;
	unsigned sum = 0xffffu & ~(unsigned)sl_pkt_ipv4_csum_fold(ip, hlen);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	size_t len = size - 1;
	uint8_t *f = malloc(len ? len : 1);
	if (!f)
		return 0;
	memcpy(f, data + 1, len);
	if (data[0] & 1)
		fix_ipv4_csum(f, len);

	sl_pkt_view_t v, vf;
	sl_pkt_verdict_t verdict = sl_pkt_check(f, (uint32_t)len, &v);
	if ((unsigned)verdict >= SL_PKT__COUNT)
		fail("verdict out of range");
	if (sl_pkt_check_fast(f, (uint32_t)len, &vf)) {
		if (verdict != SL_PKT_OK)
			fail("sl_pkt_check_fast accepts a frame that sl_pkt_check rejects");
		if (memcmp(&v, &vf, sizeof(v)) != 0)
			fail("sl_pkt_check_fast describes the frame differently");
	}
	const size_t head = len < SL_PKT_FAST_MAX ? len : SL_PKT_FAST_MAX;
	uint8_t *h = malloc(head ? head : 1);
	if (h) {
		sl_pkt_view_t vc;
		memcpy(h, f, head);
		sl_pkt_verdict_t c = sl_pkt_check_const(h, (uint32_t)len, &vc);
		if (len >= SL_PKT_FAST_MAX) {
			uint8_t a[16] = {0};
			sl_pkt_view_t vs;
			const unsigned family = sl_pkt_src_addr(f, (uint32_t)len, a);
			if (sl_pkt_src_fast(h, &vs) != family ||
			    (family == 4 && vs.src_ip != sl_pkt_rd_le32(a)) ||
			    (family == 6 && memcmp(vs.src6, a, 16) != 0))
				fail("sl_pkt_src_fast finds another source than sl_pkt_src_addr");
		}
		free(h);
		unsigned type = 0, l3 = sl_pkt_l3(f, (uint32_t)len, &type);
		if (c == SL_PKT_ASK) {
			if (l3 == 0 || type != SL_ETH_P_IPV4 || len <= l3 || (f[l3] & 0x0f) == 5)
				fail("sl_pkt_check_const asks about a frame it could judge");
		} else if (c != verdict || memcmp(&vc, &v, sizeof(v)) != 0) {
			fail("sl_pkt_check_const judges the frame differently");
		}
	}
	uint8_t src[16] = {0};
	unsigned family = sl_pkt_src_addr(f, (uint32_t)len, src);
	if (verdict == SL_PKT_OK) {
		static const uint8_t zero[16];
		if (v.l3_off != SL_ETH_HLEN + (v.vlan ? SL_VLAN_HLEN : 0) ||
		    v.payload_off != v.l4_off + SL_UDP_HLEN ||
		    (size_t)v.payload_off + v.payload_len > len)
			fail("an accepted frame's parts do not lie inside it");
		if (v.vlan ? v.vlan_tci != sl_pkt_rd_be16(f + SL_ETH_HLEN) : v.vlan_tci != 0)
			fail("the VLAN tag is misreported");
		if (family != v.family)
			fail("sl_pkt_src_addr finds another family than sl_pkt_check");
		if (v.family == 4 &&
		    (v.l4_off < v.l3_off + SL_IPV4_HLEN_MIN || v.src_ip != sl_pkt_rd_le32(src) ||
		     memcmp(v.src6, zero, 16) != 0 || memcmp(v.dst6, zero, 16) != 0))
			fail("an accepted IPv4 frame is described wrong");
		if (v.family == 6 &&
		    (v.l4_off != v.l3_off + SL_IPV6_HLEN || v.src_ip != 0 || v.dst_ip != 0 ||
		     memcmp(v.src6, src, 16) != 0 || memcmp(v.dst6, f + v.l3_off + 24, 16) != 0))
			fail("an accepted IPv6 frame is described wrong");
		if (v.family != 4 && v.family != 6)
			fail("an accepted frame has no family");
		/* The payload alone, exact size: a read past it is an ASan report. */
		uint8_t *payload = malloc(v.payload_len ? v.payload_len : 1);
		if (payload) {
			memcpy(payload, f + v.payload_off, v.payload_len);
			if (sl_gossip_check(payload, v.payload_len) == SL_GOSSIP_OK &&
			    v.payload_len <= sizeof(struct sl_gossip_hdr))
				fail("a gossip frame without a transaction is accepted");
			free(payload);
		}
	}
	free(f);
	return 0;
}
