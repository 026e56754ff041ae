/* libFuzzer target: the control-message parser and the session state
 * machine behind it (common/sl_ctl_msg, control/sl_session). First byte:
 *   even: the rest is a datagram as it comes off the wire (from the peer's
 *         address or another), through decode, key, address, clock,
 *         signature and replay checks;
 *   odd:  the rest fills a message's fields, which the test signs with the
 *         peer's key, so that the state machine behind the signature check
 *         is reached too; several messages and timer ticks per input.
 * Oracle: every datagram is accepted or dropped for exactly one counted
 * reason; decode accepts only what re-encodes to the same bytes; the table
 * keeps its invariants (state in range, an up session has tokens, the nonce
 * ring within bounds). */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_session.h"

static sl_identity_t me, peer;
static sl_sessions_t s;
/* The peer's address, another IPv4 one, and an IPv6 one whose first bytes
 * are the peer's: a datagram from either of the others is the wrong
 * address's. */
static const sl_addr_t peer_ip = {4, {10, 0, 0, 2}}, other_ip = {4, {10, 0, 0, 3}},
		       other6 = {6, {10, 0, 0, 2}};

static const sl_addr_t *sender(uint8_t bits)
{
	return (bits & 2) ? ((bits & 4) ? &other6 : &other_ip) : &peer_ip;
}
static const sl_session_params_t prm = {
	.clock_window_ms = 30000, .ping_interval_ms = 1000, .ping_misses = 3,
	.retry_min_ms = 1000, .retry_max_ms = 60000, .token_rotate_ms = 5000,
	.token_overlap_ms = 2000,
};

static void broken(const char *what)
{
	fprintf(stderr, "fuzz_ctl_msg: %s\n", what);
	abort();
}

static void drop_sent(void *ctx, const sl_session_peer_t *p, const sl_ctl_msg_t *m)
{
	(void)ctx;
	(void)p;
	if (!sl_ctl_sig_ok(m))
		broken("sent a message that does not verify");
}

static void keypair(sl_identity_t *id, uint8_t seed_byte)
{
	uint8_t seed[32];
	memset(seed, seed_byte, sizeof(seed));
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
}

static uint64_t total(void)
{
	uint64_t n = s.accepted;
	for (unsigned d = 0; d < SL_CTL_DROP__COUNT; d++)
		n += s.drops[d];
	return n;
}

static void receive(const void *buf, size_t len, const sl_addr_t *ip, sl_now_t now)
{
	sl_ctl_msg_t m;
	if (sl_ctl_decode(buf, len, &m) == SL_CTL_OK && memcmp(&m, buf, SL_CTL_MSG_SZ) != 0)
		broken("decode changed the bytes");
	const uint64_t before = total();
	sl_ctl_drop_t d = sl_sessions_receive(&s, buf, len, ip, now);
	if ((unsigned)d >= SL_CTL_DROP__COUNT || total() != before + 1)
		broken("a datagram not counted exactly once");
	const sl_session_peer_t *p = &s.peers[0];
	if (p->state > SL_PS_CUT_OFF || p->seen_n > SL_SESSION_SEEN ||
	    p->seen_next >= SL_SESSION_SEEN)
		broken("session table invariant");
	if (p->state == SL_PS_UP && (p->token_in == 0 || p->token_out == 0))
		broken("an up session without tokens");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		if (sodium_init() < 0)
			abort();
		keypair(&me, 1);
		keypair(&peer, 2);
		ready = 1;
	}
	sl_now_t now = {.wall_ms = 1800000000000ull, .mono_us = 1000000000ull};
	sl_sessions_init(&s, &me, &prm, drop_sent, NULL);
	if (sl_sessions_add(&s, -1, "b", peer.pk, &peer_ip, 8005, now) != 0)
		broken("add");
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		receive(data + 1, size - 1, sender(data[0]), now);
		return 0;
	}
	/* Records of 1 (what) + 1 (type) + 2 (clock offset, s) + 16 (echo, or
	 * index of the last nonce sent) + 8 (token) + 2 (time step, ms). */
	enum { REC = 30 };
	for (size_t at = 1; at + REC <= size; at += REC) {
		const uint8_t *r = data + at;
		sl_ctl_msg_t m;
		memset(&m, 0, sizeof(m));
		m.type = r[1] % 7; /* 0 and 6: out of range */
		memcpy(m.to, (r[0] & 4) ? peer.pk : me.pk, SL_PUBKEY_SZ);
		int16_t off;
		memcpy(&off, r + 2, 2);
		m.time_ms = now.wall_ms + (int64_t)off * 1000;
		randombytes_buf(m.nonce, sizeof(m.nonce));
		/* Answers mostly echo what we sent last, so that WELCOME, ACK and
		 * PONG get past the nonce check. */
		if (r[0] & 8)
			memcpy(m.echo, s.peers[0].hs_nonce, SL_CTL_NONCE_SZ);
		else if (r[0] & 16)
			memcpy(m.echo, s.peers[0].ping_nonce, SL_CTL_NONCE_SZ);
		else
			memcpy(m.echo, r + 4, SL_CTL_NONCE_SZ);
		memcpy(&m.token, r + 20, 8);
		sl_ctl_seal(&m, (r[0] & 32) ? &me : &peer);
		if (r[0] & 64)
			m.sig[r[1] % SL_SIG_SZ] ^= 1;
		receive(&m, SL_CTL_MSG_SZ, sender(r[0]), now);
		if (r[0] & 128) /* the same bytes again */
			receive(&m, SL_CTL_MSG_SZ, &peer_ip, now);
		uint16_t step;
		memcpy(&step, r + 28, 2);
		now.wall_ms += step;
		now.mono_us += (uint64_t)step * 1000;
		sl_sessions_tick(&s, now);
		if (s.peers[0].state > SL_PS_CUT_OFF)
			broken("tick: state");
	}
	return 0;
}
