/* sl_ctl_msg: the control channel's messages (UDP on the control port, the
 * kernel's stack), exchanged by the control daemons of two relays.
 *
 * Every message has one size, SL_CTL_MSG_SZ, and one layout: both identity
 * keys, the sender's wall clock, a fresh nonce, the nonce it answers, the
 * gossip token the sender wants in frames the receiver sends it, and an
 * Ed25519 signature by the sender over every byte before it. One size makes
 * "truncated" and "oversize" a length compare, and a stranger's datagram
 * costs no allocation and no parse beyond fixed offsets.
 *
 * Contract: sl_ctl_decode() checks what needs no key and no state (length,
 * magic, version, type, the fields each type must or must not set) and is
 * total: any bytes give a message or a reason. sl_ctl_sig_ok() checks the
 * signature. Replay, clock and who-may-send-what are the session's
 * (control/sl_session.h). Integers are little-endian on the wire, as the
 * host's (checked at compile time). */
#ifndef SL_CTL_MSG_H
#define SL_CTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_identity.h"

#define SL_CTL_MAGIC   0x43434c53u /* "SLCC" read as a little-endian u32 */
#define SL_CTL_VERSION 1
#define SL_CTL_NONCE_SZ 16

/* HELLO opens a handshake; WELCOME answers it with the responder's token;
 * ACK answers WELCOME with the initiator's token. PING and PONG keep a live
 * session and carry the sender's current token (which is how a rotated
 * token reaches the peer). */
#define SL_CTL_TYPES(X)        \
	X(HELLO, 1, "hello")     \
	X(WELCOME, 2, "welcome") \
	X(ACK, 3, "ack")         \
	X(PING, 4, "ping")       \
	X(PONG, 5, "pong")

typedef enum sl_ctl_type {
#define SL_CTL_TYPE_ENUM(name, val, str) SL_CTL_##name = val,
	SL_CTL_TYPES(SL_CTL_TYPE_ENUM)
#undef SL_CTL_TYPE_ENUM
	SL_CTL__TYPE_END
} sl_ctl_type_t;

typedef struct sl_ctl_msg {
	uint32_t magic;
	uint8_t version;
	uint8_t type;
	uint16_t flags; /* none defined: 0 */
	uint8_t from[SL_PUBKEY_SZ];
	uint8_t to[SL_PUBKEY_SZ];
	uint64_t time_ms; /* sender's wall clock, Unix milliseconds */
	uint8_t nonce[SL_CTL_NONCE_SZ];
	uint8_t echo[SL_CTL_NONCE_SZ]; /* the nonce answered; zero in HELLO and PING */
	uint64_t token;                /* zero in HELLO only */
	uint8_t sig[SL_SIG_SZ];
} __attribute__((packed)) sl_ctl_msg_t;

#define SL_CTL_MSG_SZ 184
#define SL_CTL_SIGNED_SZ (SL_CTL_MSG_SZ - SL_SIG_SZ)
_Static_assert(sizeof(sl_ctl_msg_t) == SL_CTL_MSG_SZ, "control message layout");

/* Why a datagram on the control port was dropped: each has a counter. The
 * first three are sl_ctl_decode's; the rest the session's, checked in this
 * order, the signature after the cheap checks and before any state is
 * touched. */
#define SL_CTL_DROPS(X)                                                          \
	X(TRUNCATED, "truncated")         /* shorter than a message */             \
	X(OVERSIZE, "oversize")           /* longer than a message */              \
	X(MALFORMED, "malformed")         /* magic, version, type or a field */    \
	X(NOT_FOR_US, "not_for_us")       /* `to` is not this relay's key */        \
	X(UNKNOWN_KEY, "unknown_key")     /* `from` is no configured peer */       \
	X(WRONG_ADDRESS, "wrong_address") /* the key's peer has another address */ \
	X(CLOCK_SKEW, "clock_skew")       /* time_ms outside the clock window */  \
	X(BAD_SIGNATURE, "bad_signature")                                          \
	X(REPLAY, "replay")               /* nonce seen, or older than remembered */ \
	X(CUT_OFF, "cut_off")             /* the peer is cut off: ignored */       \
	X(UNEXPECTED, "unexpected")       /* valid, but not in the session's state */

typedef enum sl_ctl_drop {
	SL_CTL_OK = 0,
#define SL_CTL_DROP_ENUM(name, str) SL_CTL_DROP_##name,
	SL_CTL_DROPS(SL_CTL_DROP_ENUM)
#undef SL_CTL_DROP_ENUM
	SL_CTL_DROP__COUNT
} sl_ctl_drop_t;

const char *sl_ctl_drop_name(sl_ctl_drop_t d); /* "ok" for SL_CTL_OK */
const char *sl_ctl_type_name(unsigned type);   /* "unknown" outside the enum */

/* The stateless checks; on SL_CTL_OK *m holds the message (unverified). */
sl_ctl_drop_t sl_ctl_decode(const void *buf, size_t len, sl_ctl_msg_t *m);

/* Fill magic, version, flags and `from`, and sign. The caller has set
 * type, to, time_ms, nonce, echo and token. */
void sl_ctl_seal(sl_ctl_msg_t *m, const sl_identity_t *id);

bool sl_ctl_sig_ok(const sl_ctl_msg_t *m);

#endif
