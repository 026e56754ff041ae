/* sl_txn: one forward pass over the transaction, bounds checked before every
 * read, rules checked as soon as the fields they need are known.
 *
 * Order of the verdict (so that "the first rule broken" is well defined):
 * size; then fields in wire order, each field's truncation before its own
 * rules; instruction account indices need the lookup tables' key count, so
 * they are checked after the tables; trailing bytes last. A proper prefix of
 * a valid transaction therefore always gives TRUNCATED.
 *
 * Rules are those of Agave's Message/VersionedMessage sanitize and
 * Firedancer's fd_txn_parse, plus the duplicate-key rule that Agave applies
 * when it locks accounts: see sl_txn.h and the checks below. */
#include "sl_txn.h"

#include <string.h>

#include "sluice/sl_compiler.h"

/* i <= sz always holds; `n` may be large and untrusted, so never form i + n. */
#define NEED(n)                                                                  \
	do {                                                                     \
		if (SL_UNLIKELY((size_t)(n) > sz - i))                           \
			return SL_TXN_ERR_TRUNCATED;                             \
	} while (0)

#define REJECT_IF(cond, reason)                                                  \
	do {                                                                     \
		if (SL_UNLIKELY(cond))                                           \
			return SL_TXN_ERR_##reason;                              \
	} while (0)

/* Compact-u16 ("short_vec" length) in 2 or 3 bytes. Like the validator, it
 * rejects a non-minimal encoding (a last byte of 0), a value above 0xffff (a
 * third byte above 3) and a fourth byte. */
static sl_txn_err_t read_cu16_long(const uint8_t *buf, size_t sz, size_t *at, unsigned *val)
{
	size_t i = *at;
	NEED(2);
	unsigned b0 = buf[i] & 0x7fu, b1 = buf[i + 1];
	if (b1 < 0x80u) {
		REJECT_IF(b1 == 0, BAD_COMPACT_U16);
		*val = b0 | b1 << 7;
		*at = i + 2;
		return SL_TXN_OK;
	}
	NEED(3);
	unsigned b2 = buf[i + 2];
	REJECT_IF(b2 == 0 || b2 > 3, BAD_COMPACT_U16);
	*val = b0 | (b1 & 0x7fu) << 7 | b2 << 14;
	*at = i + 3;
	return SL_TXN_OK;
}

/* Almost every length on the wire is below 128: one byte, inlined. */
static inline sl_txn_err_t read_cu16(const uint8_t *buf, size_t sz, size_t *at, unsigned *val)
{
	size_t i = *at;
	NEED(1);
	if (SL_LIKELY(buf[i] < 0x80u)) {
		*val = buf[i];
		*at = i + 1;
		return SL_TXN_OK;
	}
	return read_cu16_long(buf, sz, at, val);
}

#define READ_CU16(var)                                                           \
	do {                                                                     \
		sl_txn_err_t e_ = read_cu16(buf, sz, &i, &(var));                \
		if (SL_UNLIKELY(e_ != SL_TXN_OK))                                \
			return e_;                                               \
	} while (0)

/* A validator rejects a transaction that names an account twice when it
 * locks its accounts (AccountLoadedTwice); catching it here saves the
 * signature checks. Only static keys can be compared: lookup-table keys are
 * not on the wire. The keys are in the buffer, which is at most the MTU, so
 * fewer than 64 of them: a 64-slot open-addressed table never fills. A
 * crafted set of colliding keys costs at most n*n/2 key compares. */
#define KEY_SLOTS 64
_Static_assert(SL_TXN_MTU / SL_TXN_PUBKEY_SZ < KEY_SLOTS, "key table must never fill");

static int has_duplicate_key(const uint8_t *keys, unsigned n)
{
	uint8_t slot[KEY_SLOTS] = { 0 }; /* key index + 1, 0 when free */
	for (unsigned k = 0; k < n; k++) {
		const uint8_t *key = keys + (size_t)SL_TXN_PUBKEY_SZ * k;
		uint64_t w;
		memcpy(&w, key, sizeof(w));
		unsigned h = (unsigned)((w * 0x9e3779b97f4a7c15ull) >> 58);
		for (;; h = (h + 1) % KEY_SLOTS) {
			if (slot[h] == 0) {
				slot[h] = (uint8_t)(k + 1);
				break;
			}
			if (memcmp(keys + (size_t)SL_TXN_PUBKEY_SZ * (slot[h] - 1u), key, SL_TXN_PUBKEY_SZ) == 0)
				return 1;
		}
	}
	return 0;
}

/* Largest of n account indices (0 when n is 0). */
static inline unsigned max_index(const uint8_t *idx, unsigned n)
{
	uint8_t m = 0;
	for (unsigned k = 0; k < n; k++)
		m = idx[k] > m ? idx[k] : m;
	return m;
}

sl_txn_err_t sl_txn_parse(const uint8_t *buf, size_t sz, sl_txn_t *out)
{
	size_t i = 0;
	REJECT_IF(sz > SL_TXN_MTU, TOO_LARGE);

	unsigned nsig;
	READ_CU16(nsig);
	REJECT_IF(nsig == 0, NO_SIGNATURES); /* the fee payer signs */
	REJECT_IF(nsig > SL_TXN_SIG_MAX, TOO_MANY_SIGNATURES);
	const size_t sig_off = i;
	NEED((size_t)SL_TXN_SIG_SZ * nsig);
	i += (size_t)SL_TXN_SIG_SZ * nsig;

	const size_t msg_off = i;
	NEED(1);
	uint8_t version = SL_TXN_V_LEGACY;
	if (buf[i] & 0x80u) {
		REJECT_IF((buf[i] & 0x7fu) != 0, UNKNOWN_VERSION);
		version = SL_TXN_V0;
		i++;
	}
	NEED(3);
	const unsigned req_sig = buf[i], ro_signed = buf[i + 1], ro_unsigned = buf[i + 2];
	i += 3;
	REJECT_IF(req_sig != nsig, SIG_COUNT_MISMATCH);
	REJECT_IF(ro_signed >= req_sig, BAD_HEADER); /* the fee payer is writable */

	unsigned nacct;
	READ_CU16(nacct);
	REJECT_IF(nacct < nsig, TOO_FEW_ACCOUNTS); /* signers are static keys */
	REJECT_IF(nacct > SL_TXN_ACCT_MAX, TOO_MANY_ACCOUNTS);
	REJECT_IF(nsig + ro_unsigned > nacct, BAD_HEADER);
	const size_t acct_off = i;
	NEED((size_t)SL_TXN_PUBKEY_SZ * nacct);
	REJECT_IF(has_duplicate_key(buf + i, nacct), DUPLICATE_ACCOUNT);
	i += (size_t)SL_TXN_PUBKEY_SZ * nacct;

	const size_t blockhash_off = i;
	NEED(SL_TXN_HASH_SZ);
	i += SL_TXN_HASH_SZ;

	unsigned ninstr;
	READ_CU16(ninstr);
	REJECT_IF(ninstr > SL_TXN_INSTR_MAX, TOO_MANY_INSTRUCTIONS);
	const size_t instr_off = i;
	unsigned max_acct_idx = 0;
	for (unsigned k = 0; k < ninstr; k++) {
		NEED(1);
		const unsigned prog = buf[i++];
		/* Account 0 pays the fee, so it cannot be a program; programs
		 * cannot come from lookup tables. */
		REJECT_IF(prog == 0 || prog >= nacct, BAD_PROGRAM_INDEX);
		unsigned n;
		READ_CU16(n);
		NEED(n);
		const unsigned m = max_index(buf + i, n);
		max_acct_idx = m > max_acct_idx ? m : max_acct_idx;
		i += n;
		READ_CU16(n);
		NEED(n);
		i += n;
	}

	unsigned nlut = 0, nlut_acct = 0;
	size_t lut_off = 0;
	if (version == SL_TXN_V0) {
		READ_CU16(nlut);
		REJECT_IF(nlut > SL_TXN_LUT_MAX, TOO_MANY_LOOKUP_TABLES);
		lut_off = i;
		for (unsigned k = 0; k < nlut; k++) {
			NEED(SL_TXN_PUBKEY_SZ);
			i += SL_TXN_PUBKEY_SZ;
			unsigned nw, nr;
			READ_CU16(nw);
			NEED(nw);
			i += nw;
			READ_CU16(nr);
			NEED(nr);
			i += nr;
			REJECT_IF(nw + nr == 0, EMPTY_LOOKUP_TABLE);
			nlut_acct += nw + nr;
			REJECT_IF(nacct + nlut_acct > SL_TXN_ACCT_MAX, TOO_MANY_ACCOUNTS);
		}
	}

	REJECT_IF(max_acct_idx >= nacct + nlut_acct, BAD_ACCOUNT_INDEX);
	REJECT_IF(i != sz, TRAILING_BYTES);

	*out = (sl_txn_t){
		.sz = (uint16_t)sz,
		.version = version,
		.nsig = (uint8_t)nsig,
		.sig_off = (uint16_t)sig_off,
		.msg_off = (uint16_t)msg_off,
		.acct_off = (uint16_t)acct_off,
		.nacct = (uint8_t)nacct,
		.readonly_signed = (uint8_t)ro_signed,
		.readonly_unsigned = (uint8_t)ro_unsigned,
		.ninstr = (uint8_t)ninstr,
		.nlut = (uint8_t)nlut,
		.nlut_acct = (uint8_t)nlut_acct,
		.blockhash_off = (uint16_t)blockhash_off,
		.instr_off = (uint16_t)instr_off,
		.lut_off = (uint16_t)lut_off,
	};
	return SL_TXN_OK;
}

const char *sl_txn_err_name(sl_txn_err_t err)
{
	static const char *const names[] = {
#define SL_TXN_ERR_NAME(name, str) [SL_TXN_ERR_##name] = str,
		SL_TXN_ERRORS(SL_TXN_ERR_NAME)
#undef SL_TXN_ERR_NAME
	};
	if ((unsigned)err >= SL_ARRAY_LEN(names))
		return "invalid_reason";
	return names[err];
}
