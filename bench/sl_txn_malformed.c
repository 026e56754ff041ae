#include "sl_txn_malformed.h"

#include <string.h>

#include "sluice/sl_wire.h"

static const char *const names[] = {
#define SL_TXN_MALFORMED_NAME(name, str) str,
	SL_TXN_MALFORMED_KINDS(SL_TXN_MALFORMED_NAME)
#undef SL_TXN_MALFORMED_NAME
};

const char *sl_txn_malformed_name(sl_txn_malformed_t kind)
{
	return (unsigned)kind < SL_TXN_MALFORMED__COUNT ? names[kind] : "unknown";
}

unsigned sl_txn_flip_sig_bit(uint8_t *buf, unsigned nsig, sl_rng_t *rng)
{
	unsigned bit = (unsigned)sl_rng_below(rng, 512u * nsig);
	buf[1 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	return bit;
}

/* An oversize transaction is signed and well formed apart from its size: the
 * memo grows until the whole is 1..200 bytes over the limit. */
static long build_oversize(uint8_t *buf, size_t cap, const sl_txn_spec_t *spec, sl_rng_t *rng)
{
	static const uint8_t filler[SL_TXN_MTU + 256];
	sl_txn_spec_t big = *spec;
	sl_txn_layout_t l;
	big.memo = filler;
	big.memo_sz = 1;
	if (sl_txn_build_layout(&big, &l) != 0)
		return -1;
	size_t want = SL_TXN_MTU + 1 + sl_rng_below(rng, 200);
	if (l.sz < want) { /* else many signers made it oversize already */
		big.memo_sz = want - l.sz + 1;
		/* The memo length prefix grows from 1 to 2 bytes past 127. */
		if (sl_txn_build_layout(&big, &l) == 0 && l.sz > want)
			big.memo_sz -= l.sz - want;
	}
	size_t sz = sl_txn_build_legacy(buf, cap, &big);
	return sz ? (long)sz : -1;
}

long sl_txn_build_malformed(sl_txn_malformed_t kind, uint8_t *buf, size_t cap,
			    const sl_txn_spec_t *spec, sl_rng_t *rng)
{
	if (kind == SL_TXN_MALFORMED_OVERSIZE)
		return build_oversize(buf, cap, spec, rng);
	sl_txn_layout_t l;
	if (sl_txn_build_layout(spec, &l) != 0 || l.sz + 16 > cap)
		return -1;
	size_t sz = sl_txn_build_legacy(buf, cap, spec);
	switch (kind) {
	case SL_TXN_MALFORMED_TRUNCATED:
		return 1 + (long)sl_rng_below(rng, sz - 1);
	case SL_TXN_MALFORMED_GARBAGE: {
		size_t n = 1 + sl_rng_below(rng, sz);
		sl_rng_fill(rng, buf, n);
		return (long)n;
	}
	case SL_TXN_MALFORMED_OVERLONG_U16:
		/* nsig (< 0x80) as two bytes: n | 0x80, 0x00. */
		memmove(buf + 2, buf + 1, sz - 1);
		buf[0] |= 0x80;
		buf[1] = 0;
		return (long)sz + 1;
	case SL_TXN_MALFORMED_TRAILING: {
		size_t n = 1 + sl_rng_below(rng, 16);
		sl_rng_fill(rng, buf + sz, n);
		return (long)(sz + n);
	}
	case SL_TXN_MALFORMED_NO_SIGNATURES:
		memmove(buf + 1, buf + l.msg_off, sz - l.msg_off);
		buf[0] = 0;
		return (long)(1 + sz - l.msg_off);
	case SL_TXN_MALFORMED_SIG_COUNT:
		buf[l.msg_off] = (uint8_t)(buf[l.msg_off] + 1);
		return (long)sz;
	case SL_TXN_MALFORMED_BAD_PROGRAM_INDEX:
		buf[l.instr_off] = 0xff;
		return (long)sz;
	case SL_TXN_MALFORMED_EMPTY:
		return 0;
	default:
		return -1;
	}
}
