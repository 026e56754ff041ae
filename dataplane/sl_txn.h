/* sl_txn: zero-copy parser for Solana transactions (legacy and v0 messages).
 *
 * Contract: sl_txn_parse() reads at most `sz` bytes of `buf`, never writes to
 * it, never allocates, and either fills `*out` and returns SL_TXN_OK or returns
 * the first rule the bytes break (one reason per rejection, counted per reason
 * by the dataplane). `*out` only holds offsets into `buf`, so `buf` must
 * outlive every use of `*out`. Enforces the limits a validator enforces. */
#ifndef SL_TXN_H
#define SL_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/sl_wire.h"

#define SL_TXN_SIG_SZ      64
#define SL_TXN_PUBKEY_SZ   32
#define SL_TXN_HASH_SZ     32
#define SL_TXN_SIG_MAX     127 /* a u8 header field, high bit marks versions */
#define SL_TXN_ACCT_MAX    128 /* static keys + keys loaded from lookup tables */
#define SL_TXN_INSTR_MAX   64
#define SL_TXN_LUT_MAX     127

enum sl_txn_version {
	SL_TXN_V_LEGACY = 0,
	SL_TXN_V0 = 1,
};

/* X-macro so that the enum, the names and the counters never drift apart. */
#define SL_TXN_ERRORS(X)                                                         \
	X(OK, "ok")                                                              \
	X(TOO_LARGE, "too_large")               /* more than SL_TXN_MTU bytes */  \
	X(TRUNCATED, "truncated")               /* a field runs past the end */   \
	X(BAD_COMPACT_U16, "bad_compact_u16")   /* overlong or > 0xffff */        \
	X(NO_SIGNATURES, "no_signatures")                                        \
	X(TOO_MANY_SIGNATURES, "too_many_signatures")                            \
	X(SIG_COUNT_MISMATCH, "sig_count_mismatch") /* != required signatures */ \
	X(UNKNOWN_VERSION, "unknown_version")                                    \
	X(BAD_HEADER, "bad_header")             /* read-only counts impossible */ \
	X(TOO_FEW_ACCOUNTS, "too_few_accounts") /* fewer keys than signers */     \
	X(TOO_MANY_ACCOUNTS, "too_many_accounts")                                \
	X(DUPLICATE_ACCOUNT, "duplicate_account") /* a static key twice */       \
	X(TOO_MANY_INSTRUCTIONS, "too_many_instructions")                        \
	X(BAD_PROGRAM_INDEX, "bad_program_index")                                \
	X(BAD_ACCOUNT_INDEX, "bad_account_index")                                \
	X(TOO_MANY_LOOKUP_TABLES, "too_many_lookup_tables")                      \
	X(EMPTY_LOOKUP_TABLE, "empty_lookup_table")                              \
	X(TRAILING_BYTES, "trailing_bytes")

typedef enum sl_txn_err {
#define SL_TXN_ERR_ENUM(name, str) SL_TXN_ERR_##name,
	SL_TXN_ERRORS(SL_TXN_ERR_ENUM)
#undef SL_TXN_ERR_ENUM
	SL_TXN_ERR__COUNT
} sl_txn_err_t;

#define SL_TXN_OK SL_TXN_ERR_OK

/* Offsets are from the start of the transaction; all fit in u16 since a
 * transaction is at most SL_TXN_MTU bytes. */
typedef struct sl_txn {
	uint16_t sz;             /* whole transaction */
	uint8_t version;         /* enum sl_txn_version */
	uint8_t nsig;            /* signatures == required signers */
	uint16_t sig_off;        /* signature i at sig_off + 64*i */
	uint16_t msg_off;        /* the signed message: [msg_off, sz) */
	uint16_t acct_off;       /* static account key i at acct_off + 32*i */
	uint8_t nacct;           /* static account keys */
	uint8_t readonly_signed;
	uint8_t readonly_unsigned;
	uint8_t ninstr;
	uint8_t nlut;            /* v0 address lookup tables (0 for legacy) */
	uint8_t nlut_acct;       /* accounts loaded through lookup tables */
	uint16_t blockhash_off;
	uint16_t instr_off;      /* first instruction (after its count) */
	uint16_t lut_off;        /* first lookup table (v0), else 0 */
} sl_txn_t;

sl_txn_err_t sl_txn_parse(const uint8_t *buf, size_t sz, sl_txn_t *out);

/* Stable lower-case name of a reason, for counters, JSON and logs. */
const char *sl_txn_err_name(sl_txn_err_t err);

static inline const uint8_t *sl_txn_sig(const uint8_t *buf, const sl_txn_t *t, unsigned i)
{
	return buf + t->sig_off + (size_t)SL_TXN_SIG_SZ * i;
}

/* Signer i's public key: signers are the first nsig static account keys. */
static inline const uint8_t *sl_txn_signer(const uint8_t *buf, const sl_txn_t *t, unsigned i)
{
	return buf + t->acct_off + (size_t)SL_TXN_PUBKEY_SZ * i;
}

static inline const uint8_t *sl_txn_msg(const uint8_t *buf, const sl_txn_t *t)
{
	return buf + t->msg_off;
}

static inline size_t sl_txn_msg_sz(const sl_txn_t *t)
{
	return (size_t)t->sz - t->msg_off;
}

/* The transaction id is its first signature. */
static inline const uint8_t *sl_txn_id(const uint8_t *buf, const sl_txn_t *t)
{
	return sl_txn_sig(buf, t, 0);
}

/* The first signature of raw bytes, found without parsing: where
 * sl_txn_id() would find it after sl_txn_parse() succeeds (a one-byte
 * signature count from 1 to SL_TXN_SIG_MAX, then the signatures), or NULL
 * when no parseable transaction could start this way. Every transaction
 * sl_txn_parse accepts has one, and it is the same bytes. */
static inline const uint8_t *sl_txn_id_peek(const uint8_t *buf, size_t sz)
{
	if (sz < 1 + SL_TXN_SIG_SZ || buf[0] == 0 || buf[0] > SL_TXN_SIG_MAX)
		return NULL;
	return buf + 1;
}

#endif
