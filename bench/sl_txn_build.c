/* Legacy transaction layout (Solana wire format):
 *   compact-u16 nsig | nsig * 64-byte signatures | message
 * message:
 *   header [nsig, readonly_signed = 0, readonly_unsigned] |
 *   compact-u16 nacct | keys: signers.., to, system program[, memo program] |
 *   recent blockhash | compact-u16 ninstr | instructions
 * instruction: program index | compact-u16 n | account indices | compact-u16 len | data */
#include "sl_txn_build.h"

#include <string.h>

#include <sodium.h>

#define SYSTEM_TRANSFER_DATA_SZ 12 /* u32 instruction tag 2 + u64 lamports */

/* MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr; the system program is all zero. */
static const uint8_t memo_program[32] = {
	0x05, 0x4a, 0x53, 0x5a, 0x99, 0x29, 0x21, 0x06, 0x4d, 0x24, 0xe8, 0x71, 0x60, 0xda, 0x38, 0x7c,
	0x7c, 0x35, 0xb5, 0xdd, 0xbc, 0x92, 0xbb, 0x81, 0xe4, 0x1f, 0xa8, 0x40, 0x41, 0x05, 0x44, 0x8d,
};

void sl_keypair_from_seed(sl_keypair_t *kp, const uint8_t seed[32])
{
	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
}

size_t sl_compact_u16_put(uint8_t *out, uint16_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

static size_t compact_u16_len(size_t v)
{
	return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
}

static int spec_ok(const sl_txn_spec_t *s)
{
	return s->nsig >= 1 && s->nsig <= SL_TXN_BUILD_SIGNERS_MAX && s->memo_sz <= 0xffff &&
	       (s->memo_sz == 0 || s->memo != NULL);
}

static unsigned account_count(const sl_txn_spec_t *s)
{
	return s->nsig + 2 + (s->memo_sz > 0);
}

int sl_txn_build_layout(const sl_txn_spec_t *s, sl_txn_layout_t *out)
{
	if (!spec_ok(s))
		return -1;
	out->msg_off = 1 + 64 * (size_t)s->nsig;
	out->instr_off = out->msg_off + 3 + 1 + 32 * (size_t)account_count(s) + 32 + 1;
	out->sz = out->instr_off + 1 + 1 + 2 + 1 + SYSTEM_TRANSFER_DATA_SZ;
	if (s->memo_sz > 0)
		out->sz += 1 + 1 + s->nsig + compact_u16_len(s->memo_sz) + s->memo_sz;
	return 0;
}

size_t sl_txn_build_legacy(uint8_t *buf, size_t cap, const sl_txn_spec_t *s)
{
	sl_txn_layout_t l;
	if (sl_txn_build_layout(s, &l) != 0 || l.sz > cap)
		return 0;
	unsigned nacct = account_count(s);
	size_t i = 0;
	buf[i++] = (uint8_t)s->nsig;
	i += 64 * (size_t)s->nsig;

	buf[i++] = (uint8_t)s->nsig;
	buf[i++] = 0;
	buf[i++] = (uint8_t)(nacct - s->nsig - 1); /* programs are read-only */
	buf[i++] = (uint8_t)nacct;
	for (unsigned k = 0; k < s->nsig; k++, i += 32)
		memcpy(buf + i, s->signers[k]->pk, 32);
	memcpy(buf + i, s->to, 32), i += 32;
	memset(buf + i, 0, 32), i += 32;
	if (s->memo_sz > 0)
		memcpy(buf + i, memo_program, 32), i += 32;
	memcpy(buf + i, s->blockhash, 32), i += 32;

	buf[i++] = (uint8_t)(s->memo_sz > 0 ? 2 : 1);
	buf[i++] = (uint8_t)(s->nsig + 1); /* the system program's index */
	buf[i++] = 2;
	buf[i++] = 0;
	buf[i++] = (uint8_t)s->nsig;
	buf[i++] = SYSTEM_TRANSFER_DATA_SZ;
	const uint32_t transfer = 2;
	for (int b = 0; b < 4; b++)
		buf[i++] = (uint8_t)(transfer >> (8 * b));
	for (int b = 0; b < 8; b++)
		buf[i++] = (uint8_t)(s->lamports >> (8 * b));
	if (s->memo_sz > 0) {
		buf[i++] = (uint8_t)(s->nsig + 2);
		buf[i++] = (uint8_t)s->nsig;
		for (unsigned k = 0; k < s->nsig; k++)
			buf[i++] = (uint8_t)k;
		i += sl_compact_u16_put(buf + i, (uint16_t)s->memo_sz);
		memcpy(buf + i, s->memo, s->memo_sz), i += s->memo_sz;
	}

	for (unsigned k = 0; k < s->nsig; k++)
		crypto_sign_detached(buf + 1 + 64 * (size_t)k, NULL, buf + l.msg_off, l.sz - l.msg_off,
				     s->signers[k]->sk);
	return l.sz;
}
