/* sl_testpkt: hand-built traffic for the pipeline tests and benchmarks:
 * signed legacy Solana transactions, gossip frames and Ethernet/IPv4/UDP
 * frames, all built from first principles (not with the code under test). */
#ifndef SL_TESTPKT_H
#define SL_TESTPKT_H

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "sluice/sl_wire.h"

/* Legacy message: 1 signer (the fee payer), 1 read-only program account,
 * a blockhash, one instruction carrying the 8-byte nonce as data; signed
 * with sk. Returns the transaction's size (fits in 200 bytes). */
static inline size_t sl_testpkt_txn(uint8_t *buf, const uint8_t sk[64], const uint8_t pk[32],
				    uint64_t nonce)
{
	uint8_t *p = buf;
	*p++ = 1;          /* compact-u16: one signature */
	uint8_t *sig = p;
	p += 64;
	uint8_t *msg = p;
	*p++ = 1;          /* required signatures */
	*p++ = 0;          /* read-only signed */
	*p++ = 1;          /* read-only unsigned: the program */
	*p++ = 2;          /* account keys */
	memcpy(p, pk, 32);
	p += 32;
	memset(p, 0x11, 32); /* program id */
	p += 32;
	memset(p, 0x22, 32); /* recent blockhash */
	p += 32;
	*p++ = 1;          /* instructions */
	*p++ = 1;          /* program index */
	*p++ = 1;          /* account indexes */
	*p++ = 0;
	*p++ = 8;          /* data */
	memcpy(p, &nonce, 8);
	p += 8;
	crypto_sign_detached(sig, NULL, msg, (unsigned long long)(p - msg), sk);
	return (size_t)(p - buf);
}

/* A gossip frame payload (header + txn) into buf; returns its size. */
static inline size_t sl_testpkt_gossip(uint8_t *buf, uint8_t ttl, uint64_t token,
				       const uint8_t *txn, size_t len)
{
	struct sl_gossip_hdr h = {.magic = SL_GOSSIP_MAGIC, .version = SL_GOSSIP_VERSION,
				  .kind = SL_GOSSIP_KIND_TX, .ttl = ttl, .token = token};
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), txn, len);
	return sizeof(h) + len;
}

struct sl_testpkt_addr {
	uint8_t src_mac[6], dst_mac[6];
	uint8_t src_ip[4], dst_ip[4];
	uint16_t src_port, dst_port;
};

static inline void sl_testpkt_be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 (valid header checksum) + UDP (no checksum) + payload. */
static inline size_t sl_testpkt_frame(uint8_t *f, const struct sl_testpkt_addr *a,
				      const uint8_t *payload, size_t len)
{
	memcpy(f, a->dst_mac, 6);
	memcpy(f + 6, a->src_mac, 6);
	sl_testpkt_be16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	sl_testpkt_be16(ip + 2, (unsigned)(20 + 8 + len));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, a->src_ip, 4);
	memcpy(ip + 16, a->dst_ip, 4);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sl_testpkt_be16(ip + 10, ~sum & 0xffff);
	uint8_t *udp = ip + 20;
	sl_testpkt_be16(udp, a->src_port);
	sl_testpkt_be16(udp + 2, a->dst_port);
	sl_testpkt_be16(udp + 4, (unsigned)(8 + len));
	sl_testpkt_be16(udp + 6, 0);
	memcpy(udp + 8, payload, len);
	return 42 + len;
}

#endif
