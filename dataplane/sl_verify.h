/* sl_verify: Ed25519 signature verification under the relay's signature rule
 * (ARCHITECTURE.md, "Signature rule"): S < L; A and R canonical; neither A
 * nor R of small order; [8]([S]B - R - [k]A) = identity with
 * k = SHA-512(R||A||M) mod L.
 *
 * Contract: sl_verify_batch() writes one verdict per item (1 valid, 0 not)
 * that equals the single-signature rule for that item, whatever else is in
 * the batch, and returns the number of valid items. A verifier is owned by
 * one thread; it holds the backend's scratch and RNG state, sized at
 * creation. The backends are interchangeable: every one implements the rule. */
#ifndef SL_VERIFY_H
#define SL_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "sl_backend.h"
#include "sl_txn.h"

typedef struct sl_verify_item {
	const uint8_t *sig; /* 64 bytes: R || S */
	const uint8_t *pk;  /* 32 bytes: A */
	const uint8_t *msg;
	size_t msg_sz;
} sl_verify_item_t;

typedef struct sl_verifier sl_verifier_t;

/* Largest batch one call takes; larger inputs are split by the caller. */
#define SL_VERIFY_BATCH_MAX 256

sl_verifier_t *sl_verifier_create(sl_verify_backend_t backend);
void sl_verifier_destroy(sl_verifier_t *v);

/* Signatures this verifier's batches checked singly (small batches, or a
 * high invalid rate that makes batch equations a loss), since creation,
 * not counting those refused at decoding, before any check; 0
 * for a backend without batch equations. Cheap: a field read. */
uint64_t sl_verifier_singles(const sl_verifier_t *v);
/* n may be 0..SL_VERIFY_BATCH_MAX. */
size_t sl_verify_batch(sl_verifier_t *v, const sl_verify_item_t *items, size_t n, uint8_t *ok);

/* One signature under the rule, without a verifier (no batch state). */
int sl_verify_one(sl_verify_backend_t backend, const sl_verify_item_t *item);

/* Append the nsig items of a parsed transaction to items[] (room for
 * t->nsig entries) and return how many were written. */
static inline unsigned sl_verify_txn_items(const uint8_t *buf, const sl_txn_t *t,
					   sl_verify_item_t *items)
{
	const uint8_t *msg = sl_txn_msg(buf, t);
	size_t msg_sz = sl_txn_msg_sz(t);
	for (unsigned i = 0; i < t->nsig; i++) {
		items[i].sig = sl_txn_sig(buf, t, i);
		items[i].pk = sl_txn_signer(buf, t, i);
		items[i].msg = msg;
		items[i].msg_sz = msg_sz;
	}
	return t->nsig;
}

/* 1 iff every signature of the parsed transaction is valid. */
int sl_verify_txn(sl_verifier_t *v, const uint8_t *buf, const sl_txn_t *t);

#endif
