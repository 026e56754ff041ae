/* sl_txn_build: builds a signed Solana legacy transaction into a caller's
 * buffer (for sluice-gen, the pipeline benchmarks and the tests).
 *
 * The transaction is a system transfer of `lamports` from signer 0 to `to`,
 * followed, when memo_sz > 0, by a memo instruction carrying `memo` and
 * naming every signer. Every signer signs the message bytes with
 * crypto_sign_detached. Nothing is allocated; no size limit is applied other
 * than `cap`, so that oversize transactions can be built on purpose. */
#ifndef SL_TXN_BUILD_H
#define SL_TXN_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define SL_TXN_BUILD_SIGNERS_MAX 12

typedef struct sl_keypair {
	uint8_t pk[32];
	uint8_t sk[64]; /* libsodium layout: seed || pk */
} sl_keypair_t;

typedef struct sl_txn_spec {
	const sl_keypair_t *signers[SL_TXN_BUILD_SIGNERS_MAX]; /* distinct keys */
	unsigned nsig;            /* 1..SL_TXN_BUILD_SIGNERS_MAX */
	uint8_t to[32];           /* recipient, distinct from every signer */
	uint8_t blockhash[32];
	uint64_t lamports;
	const uint8_t *memo;
	size_t memo_sz;           /* 0: no memo instruction */
} sl_txn_spec_t;

/* Deterministic keypair from a 32-byte seed (crypto_sign_seed_keypair). */
void sl_keypair_from_seed(sl_keypair_t *kp, const uint8_t seed[32]);

/* Writes the transaction into buf; returns its size, or 0 when the spec is
 * out of range or the transaction does not fit in cap. */
size_t sl_txn_build_legacy(uint8_t *buf, size_t cap, const sl_txn_spec_t *spec);

/* Where the fields of the transaction that spec describes will be. */
typedef struct sl_txn_layout {
	size_t sz;        /* whole transaction */
	size_t msg_off;   /* the signed message */
	size_t instr_off; /* first instruction (after the count) */
} sl_txn_layout_t;

/* Fills *out and returns 0, or -1 when the spec is out of range. */
int sl_txn_build_layout(const sl_txn_spec_t *spec, sl_txn_layout_t *out);

/* Compact-u16 ("short_vec" length) encoding of v into out (3 bytes room);
 * returns the number of bytes, 1..3. */
size_t sl_compact_u16_put(uint8_t *out, uint16_t v);

#endif
