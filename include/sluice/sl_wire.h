/* Wire formats that the XDP program, the dataplane and the control daemon all
 * speak (ARCHITECTURE.md, "Wire formats"). All integers are little-endian. */
#ifndef SL_WIRE_H
#define SL_WIRE_H

#include <stdint.h>

#define SL_PORT_INGEST  8003 /* raw Solana transaction per datagram */
#define SL_PORT_GOSSIP  8004 /* relay-to-relay frame: sl_gossip_hdr + txn */
#define SL_PORT_CONTROL 8005 /* signed handshake/keepalive, kernel stack */

/* Largest serialized transaction a validator accepts (IPv6 min MTU 1280
 * minus 40 bytes IPv6 header minus 8 bytes UDP header). */
#define SL_TXN_MTU 1232

#define SL_GOSSIP_MAGIC   0x31434c53u /* "SLC1" read as a little-endian u32 */
#define SL_GOSSIP_VERSION 1
#define SL_GOSSIP_KIND_TX 1

struct sl_gossip_hdr {
	uint32_t magic;
	uint8_t version;
	uint8_t kind;
	uint8_t ttl;
	uint8_t flags;
	uint64_t token; /* issued by the receiver to this sender at handshake */
} __attribute__((packed));

_Static_assert(sizeof(struct sl_gossip_hdr) == 16, "gossip header is 16 bytes on the wire");

#endif
