/* What must hold of every sl_txn_t that sl_txn_parse() accepted, whatever the
 * input: shared by the unit test and the fuzz target so both check the same
 * things. Returns NULL when all holds, else the broken invariant. */
#ifndef SL_TXN_CHECK_H
#define SL_TXN_CHECK_H

#include <stddef.h>

#include "sl_txn.h"

static inline const char *sl_txn_check(const sl_txn_t *t, size_t sz)
{
#define SL_TXN_EXPECT(cond)                                                      \
	do {                                                                     \
		if (!(cond))                                                     \
			return #cond;                                            \
	} while (0)
	/* The layout is fixed, so most offsets follow from the counts. */
	const size_t hdr = 3u + (t->version == SL_TXN_V0);
	const size_t min_instr_sz = 3; /* program index, two empty lengths */
	const size_t min_lut_sz = SL_TXN_PUBKEY_SZ + 2;

	SL_TXN_EXPECT(t->sz == sz && sz <= SL_TXN_MTU);
	SL_TXN_EXPECT(t->version == SL_TXN_V_LEGACY || t->version == SL_TXN_V0);
	SL_TXN_EXPECT(t->nsig >= 1 && t->nsig <= SL_TXN_SIG_MAX);
	SL_TXN_EXPECT(t->sig_off == 1); /* a count below 128 is one byte */
	SL_TXN_EXPECT((size_t)t->sig_off + (size_t)SL_TXN_SIG_SZ * t->nsig == t->msg_off);
	SL_TXN_EXPECT(t->msg_off < sz && sl_txn_msg_sz(t) == sz - t->msg_off);
	SL_TXN_EXPECT(t->nacct >= t->nsig && t->nacct <= SL_TXN_ACCT_MAX);
	SL_TXN_EXPECT(t->readonly_signed < t->nsig);
	SL_TXN_EXPECT((size_t)t->nsig + t->readonly_unsigned <= t->nacct);
	SL_TXN_EXPECT((size_t)t->nacct + t->nlut_acct <= SL_TXN_ACCT_MAX);
	SL_TXN_EXPECT(t->acct_off > t->msg_off + hdr && t->acct_off <= t->msg_off + hdr + 2);
	SL_TXN_EXPECT((size_t)t->acct_off + (size_t)SL_TXN_PUBKEY_SZ * t->nacct == t->blockhash_off);
	SL_TXN_EXPECT((size_t)t->blockhash_off + SL_TXN_HASH_SZ + 1 == t->instr_off);
	SL_TXN_EXPECT(t->ninstr <= SL_TXN_INSTR_MAX);
	SL_TXN_EXPECT((size_t)t->instr_off + min_instr_sz * t->ninstr <= sz);
	if (t->version == SL_TXN_V_LEGACY) {
		SL_TXN_EXPECT(t->nlut == 0 && t->nlut_acct == 0 && t->lut_off == 0);
	} else {
		SL_TXN_EXPECT(t->nlut <= SL_TXN_LUT_MAX && t->nlut_acct >= t->nlut);
		SL_TXN_EXPECT(t->lut_off >= (size_t)t->instr_off + min_instr_sz * t->ninstr + 1);
		SL_TXN_EXPECT((size_t)t->lut_off + min_lut_sz * t->nlut + t->nlut_acct <= sz);
	}
	return NULL;
#undef SL_TXN_EXPECT
}

#endif
