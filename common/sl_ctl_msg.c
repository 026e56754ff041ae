#include "sl_ctl_msg.h"

#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "control messages are read and written with host-order copies");

static const char *const drop_names[SL_CTL_DROP__COUNT] = {
	[SL_CTL_OK] = "ok",
#define SL_CTL_DROP_STR(name, str) [SL_CTL_DROP_##name] = str,
	SL_CTL_DROPS(SL_CTL_DROP_STR)
#undef SL_CTL_DROP_STR
};

const char *sl_ctl_drop_name(sl_ctl_drop_t d)
{
	return (unsigned)d < SL_CTL_DROP__COUNT ? drop_names[d] : "unknown";
}

const char *sl_ctl_type_name(unsigned type)
{
	switch (type) {
#define SL_CTL_TYPE_STR(name, val, str) \
	case val:                       \
		return str;
		SL_CTL_TYPES(SL_CTL_TYPE_STR)
#undef SL_CTL_TYPE_STR
	default:
		return "unknown";
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

sl_ctl_drop_t sl_ctl_decode(const void *buf, size_t len, sl_ctl_msg_t *m)
{
	if (len < SL_CTL_MSG_SZ)
		return SL_CTL_DROP_TRUNCATED;
	if (len > SL_CTL_MSG_SZ)
		return SL_CTL_DROP_OVERSIZE;
	memcpy(m, buf, SL_CTL_MSG_SZ);
	if (m->magic != SL_CTL_MAGIC || m->version != SL_CTL_VERSION || m->flags != 0 ||
	    m->type < SL_CTL_HELLO || m->type >= SL_CTL__TYPE_END)
		return SL_CTL_DROP_MALFORMED;
	/* A zero nonce is what an uninitialised sender would send; the session
	 * matches answers by nonce, so it must mean "none". */
	if (all_zero(m->nonce, sizeof(m->nonce)))
		return SL_CTL_DROP_MALFORMED;
	const bool answers = m->type == SL_CTL_WELCOME || m->type == SL_CTL_ACK ||
			     m->type == SL_CTL_PONG;
	if (answers == all_zero(m->echo, sizeof(m->echo)))
		return SL_CTL_DROP_MALFORMED;
	if ((m->type == SL_CTL_HELLO) != (m->token == 0))
		return SL_CTL_DROP_MALFORMED;
	return SL_CTL_OK;
}

void sl_ctl_seal(sl_ctl_msg_t *m, const sl_identity_t *id)
{
	m->magic = SL_CTL_MAGIC;
	m->version = SL_CTL_VERSION;
	m->flags = 0;
	memcpy(m->from, id->pk, SL_PUBKEY_SZ);
	sl_identity_sign(id, (const uint8_t *)m, SL_CTL_SIGNED_SZ, m->sig);
}

bool sl_ctl_sig_ok(const sl_ctl_msg_t *m)
{
	return sl_identity_verify(m->from, (const uint8_t *)m, SL_CTL_SIGNED_SZ, m->sig);
}
