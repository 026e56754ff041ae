/* sl_gen_mix: the traffic of sluice-gen, built whole before it is sent (so
 * that signing never paces the sender), reproducible from a seed, and
 * self-checked: every valid/dup datagram parses (sl_txn_parse) and verifies,
 * every bad_sig one parses and fails, every malformed one fails to parse.
 * Shared by the UDP/pcap generator and a DPDK line-rate mode.
 *
 * Valid transactions come from the client's own stream (--seed) and, for
 * `share` of them, from a stream shared by every client with the same
 * shared_seed (a fixed shape, so that clients agree whatever their other
 * parameters). A memo tag (domain, seed, index) makes each one unique. */
#ifndef SL_GEN_MIX_H
#define SL_GEN_MIX_H

#include <stddef.h>
#include <stdint.h>

#include "sl_base58.h"
#include "sl_pkt_build.h"

#define SL_GEN_SIGNERS_MAX 8  /* more leave no room for a memo under 1232 bytes */
#define SL_GEN_MEMO_MIN    16 /* the uniqueness tag */
#define SL_GEN_MEMO_MAX    1000

#define SL_GEN_KINDS(X)                                                          \
	X(VALID, "valid")         /* first send of a valid transaction */       \
	X(DUP, "dup")             /* resend of an earlier valid one */          \
	X(BAD_SIG, "bad_sig")     /* one signature bit flipped */               \
	X(MALFORMED, "malformed") /* sl_txn_malformed, kinds in turn */         \
	X(GOSSIP_SPAM, "gossip_spam") /* a valid txn in a gossip frame with a   \
				       * random token, from the sender (not a   \
				       * peer), to the gossip port */            \
	X(BAD_FRAME, "bad_frame") /* a whole frame from sl_bad_frame */         \
	X(RAW_FRAME, "raw_frame") /* a whole frame given by the caller */

typedef enum sl_gen_kind {
#define SL_GEN_KIND_ENUM(name, str) SL_GEN_##name,
	SL_GEN_KINDS(SL_GEN_KIND_ENUM)
#undef SL_GEN_KIND_ENUM
	SL_GEN__KINDS
} sl_gen_kind_t;

const char *sl_gen_kind_name(sl_gen_kind_t kind);

typedef struct sl_gen_dgram {
	uint8_t kind;   /* sl_gen_kind_t */
	uint32_t sz;
	uint8_t *bytes; /* a UDP payload, or a whole frame for the *_FRAME kinds */
	char id[SL_BASE58_SIG_STRLEN]; /* base58 first signature, "-" if none */
	char detail[48];               /* own/shared, malformed kind, bit, frame kind */
	uint16_t dst_port;             /* 0: the sender's destination port */
} sl_gen_dgram_t;

/* The UDP port a datagram goes to, given the sender's destination port. */
static inline uint16_t sl_gen_dgram_port(const sl_gen_dgram_t *d, uint16_t dst_port)
{
	return d->dst_port ? d->dst_port : dst_port;
}

/* Whole frames go out as they are; the others get Ethernet/IPv4/UDP headers. */
static inline int sl_gen_dgram_is_frame(const sl_gen_dgram_t *d)
{
	return d->kind == SL_GEN_BAD_FRAME || d->kind == SL_GEN_RAW_FRAME;
}

typedef struct sl_gen_params {
	uint64_t seed, shared_seed;
	unsigned valid, dup_pct, bad_sig, malformed, share, gossip_spam;
	unsigned signers_max, nkeys, memo_max;
	int bad_frames;            /* append one frame of every sl_bad_frame kind, */
	sl_udp4_addr_t frame_addr; /* addressed so */
	uint16_t gossip_port;
	/* Non-zero: every transaction (valid, dup, bad_sig, malformed) goes in a
	 * gossip frame with this token to gossip_port, as a relay peer that
	 * holds it would send it (sluice-gen --as-peer). */
	uint64_t peer_token;
} sl_gen_params_t;

/* Defaults of every field: seed 1, shared_seed 1000, signers_max 2, nkeys 64,
 * memo_max 64, gossip port 8004, nothing to build. */
sl_gen_params_t sl_gen_params_default(void);

typedef struct sl_gen_mix {
	sl_gen_dgram_t *d; /* in sending order */
	size_t n, cap;
	uint8_t *arena;
} sl_gen_mix_t;

/* Builds the mix of p into *m; returns 0, or -1 with the reason in err (bad
 * parameters, out of memory, a failed self-check). */
int sl_gen_mix_build(const sl_gen_params_t *p, sl_gen_mix_t *m, char *err, size_t errsz);

/* Appends a copy of a caller's frame (kind RAW_FRAME); 0 or -1 (memory). */
int sl_gen_mix_add_frame(sl_gen_mix_t *m, const uint8_t *frame, size_t sz, const char *detail);

void sl_gen_mix_free(sl_gen_mix_t *m);

#endif
