/* sl_txn_malformed: every way the generator breaks a transaction, each built
 * from a valid one described by a spec, so that the break is the only defect.
 * Shared by sluice-gen (--malformed, --bad-sig), the bad-frame builder and
 * the tests. */
#ifndef SL_TXN_MALFORMED_H
#define SL_TXN_MALFORMED_H

#include <stddef.h>
#include <stdint.h>

#include "sl_rng.h"
#include "sl_txn_build.h"

#define SL_TXN_MALFORMED_KINDS(X)                                                  \
	X(TRUNCATED, "truncated")         /* a proper prefix */                        \
	X(GARBAGE, "garbage")             /* random bytes */                           \
	X(OVERLONG_U16, "overlong_compact_u16") /* signature count not minimal */     \
	X(TRAILING, "trailing_bytes")     /* bytes after the last instruction */       \
	X(OVERSIZE, "oversize")           /* well formed and signed, > 1232 bytes */   \
	X(NO_SIGNATURES, "no_signatures") /* count 0, signatures removed */            \
	X(SIG_COUNT, "sig_count_mismatch") /* header requires one more signer */       \
	X(BAD_PROGRAM_INDEX, "bad_program_index")                                     \
	X(EMPTY, "empty")                 /* zero-length datagram */

typedef enum sl_txn_malformed {
#define SL_TXN_MALFORMED_ENUM(name, str) SL_TXN_MALFORMED_##name,
	SL_TXN_MALFORMED_KINDS(SL_TXN_MALFORMED_ENUM)
#undef SL_TXN_MALFORMED_ENUM
	SL_TXN_MALFORMED__COUNT
} sl_txn_malformed_t;

const char *sl_txn_malformed_name(sl_txn_malformed_t kind);

/* Builds the transaction of spec, then breaks it the `kind` way (random
 * choices from rng). Returns the size (0 for EMPTY), or -1 when it does not
 * fit in cap (cap >= SL_TXN_MTU + 256 always fits) or spec is out of range. */
long sl_txn_build_malformed(sl_txn_malformed_t kind, uint8_t *buf, size_t cap,
			    const sl_txn_spec_t *spec, sl_rng_t *rng);

/* Flips one random bit of one random signature of the sz-byte legacy
 * transaction in buf (nsig signatures); returns the bit's index from the
 * first signature's first bit. */
unsigned sl_txn_flip_sig_bit(uint8_t *buf, unsigned nsig, sl_rng_t *rng);

#endif
