/* sl_session: the handshake between two relays, each rejection counted by
 * its reason, liveness and back-off, token rotation and overlap, cut-off,
 * take-over; two session tables wired back to back through a queue, with a
 * clock the test moves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "sl_session.h"

#define QMAX 64

struct wire {
	unsigned n;
	struct {
		sl_ctl_msg_t m;
		sl_addr_t to_ip;
	} q[QMAX];
};

struct relay {
	sl_identity_t id;
	sl_sessions_t s;
	struct wire out;
	sl_addr_t ip;
};

static struct relay A, B;
static sl_now_t now;

static const sl_session_params_t prm = {
	.clock_window_ms = 30000,
	.ping_interval_ms = 1000,
	.ping_misses = 3,
	.retry_min_ms = 1000,
	.retry_max_ms = 60000,
	.token_rotate_ms = 600000,
	.token_overlap_ms = 30000,
};

static void capture(void *ctx, const sl_session_peer_t *p, const sl_ctl_msg_t *m)
{
	struct wire *w = ctx;
	assert_true(w->n < QMAX);
	w->q[w->n].m = *m;
	w->q[w->n].to_ip = p->ip;
	w->n++;
}

/* A relay at 10.0.0.<last>, or (family 6) 2001:db8::<last>. */
static void relay_init(struct relay *r, uint8_t last, unsigned family)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(sl_identity_generate(&r->id), 0);
	const uint8_t ip[4] = {10, 0, 0, last}, ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = last};
	r->ip = sl_addr_make(family, family == 6 ? ip6 : ip);
	sl_sessions_init(&r->s, &r->id, &prm, capture, &r->out);
}

/* A and B, each the other's only peer, in slot 0; A's key the smaller, so
 * A is the initiator when both open at once. Both of the family. */
static void pair(unsigned family)
{
	now = (sl_now_t){.wall_ms = 1800000000000ull, .mono_us = 5000000000ull};
	relay_init(&A, 1, family);
	relay_init(&B, 2, family);
	if (memcmp(A.id.pk, B.id.pk, SL_PUBKEY_SZ) > 0) {
		struct relay t = A;
		A = B;
		B = t;
		A.s.send_ctx = &A.out;
		B.s.send_ctx = &B.out;
		A.s.id = &A.id;
		B.s.id = &B.id;
	}
	assert_int_equal(sl_sessions_add(&A.s, -1, "b", B.id.pk, &B.ip, 8005, now), 0);
	assert_int_equal(sl_sessions_add(&B.s, -1, "a", A.id.pk, &A.ip, 8005, now), 0);
}

static int setup(void **state)
{
	(void)state;
	pair(4);
	return 0;
}

static int setup6(void **state)
{
	(void)state;
	pair(6);
	return 0;
}

static void advance_ms(uint64_t ms)
{
	now.wall_ms += ms;
	now.mono_us += ms * 1000;
}

/* Deliver everything `from` has queued to `to`; return how many were
 * dropped. */
static unsigned deliver(struct relay *from, struct relay *to)
{
	unsigned dropped = 0, n = from->out.n;
	struct wire w = from->out;
	from->out.n = 0;
	for (unsigned i = 0; i < n; i++)
		dropped += sl_sessions_receive(&to->s, &w.q[i].m, SL_CTL_MSG_SZ, &from->ip, now) != SL_CTL_OK;
	return dropped;
}

static void exchange(void)
{
	for (int round = 0; round < 6 && (A.out.n || B.out.n); round++) {
		deliver(&A, &B);
		deliver(&B, &A);
	}
}

static void assert_paired(void)
{
	const sl_session_peer_t *a = &A.s.peers[0], *b = &B.s.peers[0];
	assert_int_equal(a->state, SL_PS_UP);
	assert_int_equal(b->state, SL_PS_UP);
	assert_true(a->token_in != 0 && b->token_in != 0);
	assert_true(a->token_out == b->token_in);
	assert_true(b->token_out == a->token_in);
}

static void handshake(void)
{
	sl_sessions_tick(&A.s, now); /* A opens */
	assert_int_equal(A.out.n, 1);
	assert_int_equal(A.out.q[0].m.type, SL_CTL_HELLO);
	exchange();
	assert_paired();
}

static void test_handshake(void **state)
{
	(void)state;
	A.s.changed = B.s.changed = false;
	sl_sessions_tick(&A.s, now);
	assert_int_equal(deliver(&A, &B), 0);
	assert_int_equal(B.out.n, 1);
	assert_int_equal(B.out.q[0].m.type, SL_CTL_WELCOME);
	assert_int_equal(B.s.peers[0].state, SL_PS_WELCOME_SENT);
	assert_int_equal(deliver(&B, &A), 0);
	assert_int_equal(A.out.q[0].m.type, SL_CTL_ACK);
	assert_int_equal(A.s.peers[0].state, SL_PS_UP);
	assert_int_equal(deliver(&A, &B), 0);
	assert_paired();
	assert_true(A.s.changed && B.s.changed);
	assert_int_equal(A.s.peers[0].handshakes, 1);
	assert_int_equal(B.s.peers[0].handshakes, 1);
	assert_int_equal(A.s.accepted, 1);
	assert_int_equal(B.s.accepted, 2);
	for (unsigned d = 1; d < SL_CTL_DROP__COUNT; d++)
		assert_int_equal(A.s.drops[d] + B.s.drops[d], 0);
}

/* Peers at IPv6 addresses: messages go to each one's IPv6 address, the
 * handshake completes, and the same bytes from an IPv4 address (or another
 * IPv6 one) are the wrong address's. */
static void test_handshake6(void **state)
{
	(void)state;
	sl_sessions_tick(&A.s, now);
	assert_int_equal(A.out.n, 1);
	assert_true(sl_addr_eq(&A.out.q[0].to_ip, &B.ip));
	assert_int_equal(A.out.q[0].to_ip.family, 6);
	const sl_ctl_msg_t hello = A.out.q[0].m;
	const sl_addr_t v4 = {4, {0x20, 0x01, 0x0d, 0xb8}}, other = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = 3}};
	assert_int_equal(sl_sessions_receive(&B.s, &hello, SL_CTL_MSG_SZ, &v4, now),
			 SL_CTL_DROP_WRONG_ADDRESS);
	assert_int_equal(sl_sessions_receive(&B.s, &hello, SL_CTL_MSG_SZ, &other, now),
			 SL_CTL_DROP_WRONG_ADDRESS);
	exchange();
	assert_paired();
	assert_int_equal(B.s.peers[0].drops[SL_CTL_DROP_WRONG_ADDRESS], 2);
}

static void test_simultaneous_open(void **state)
{
	(void)state;
	sl_sessions_tick(&A.s, now);
	sl_sessions_tick(&B.s, now);
	exchange();
	assert_paired();
	/* B's HELLO was answered; A's own HELLO met B's and A stayed initiator. */
	assert_int_equal(B.s.drops[SL_CTL_DROP_UNEXPECTED], 0);
	assert_int_equal(A.s.drops[SL_CTL_DROP_UNEXPECTED], 1);
}

/* A signed message from A to B built field by field. */
static sl_ctl_msg_t forge(const sl_identity_t *signer, const uint8_t to[SL_PUBKEY_SZ], uint8_t type,
			  const uint8_t *echo, uint64_t token, uint64_t time_ms)
{
	sl_ctl_msg_t m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	memcpy(m.to, to, SL_PUBKEY_SZ);
	m.time_ms = time_ms;
	randombytes_buf(m.nonce, sizeof(m.nonce));
	if (echo)
		memcpy(m.echo, echo, SL_CTL_NONCE_SZ);
	m.token = token;
	sl_ctl_seal(&m, signer);
	return m;
}

static void expect_drop(const void *buf, size_t len, const sl_addr_t *ip, sl_ctl_drop_t want)
{
	uint64_t before = B.s.drops[want];
	sl_session_peer_t snapshot = B.s.peers[0];
	sl_ctl_drop_t got = sl_sessions_receive(&B.s, buf, len, ip, now);
	if (got != want)
		fail_msg("wanted %s, got %s", sl_ctl_drop_name(want), sl_ctl_drop_name(got));
	assert_int_equal(B.s.drops[want], before + 1);
	/* A message dropped before its signature held leaves the peer as it was
	 * but for the counter. */
	if (want < SL_CTL_DROP_REPLAY) {
		snapshot.drops[want] = B.s.peers[0].drops[want];
		assert_memory_equal(&snapshot, &B.s.peers[0], sizeof(snapshot));
	}
}

static void test_rejections(void **state)
{
	(void)state;
	const uint8_t echo[SL_CTL_NONCE_SZ] = {1};
	sl_ctl_msg_t good = forge(&A.id, B.id.pk, SL_CTL_HELLO, NULL, 0, now.wall_ms);
	uint8_t big[SL_CTL_MSG_SZ + 1] = {0};
	memcpy(big, &good, SL_CTL_MSG_SZ);

	expect_drop(&good, SL_CTL_MSG_SZ - 1, &A.ip, SL_CTL_DROP_TRUNCATED);
	expect_drop(&good, 0, &A.ip, SL_CTL_DROP_TRUNCATED);
	expect_drop(big, sizeof(big), &A.ip, SL_CTL_DROP_OVERSIZE);

	sl_ctl_msg_t m = good;
	m.magic ^= 1;
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = good, m.version = 2;
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = good, m.type = 0;
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = good, m.type = SL_CTL__TYPE_END;
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = good, m.flags = 1;
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = good, memset(m.nonce, 0, sizeof(m.nonce));
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = forge(&A.id, B.id.pk, SL_CTL_HELLO, echo, 0, now.wall_ms); /* HELLO answers nothing */
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = forge(&A.id, B.id.pk, SL_CTL_HELLO, NULL, 7, now.wall_ms); /* nor carries a token */
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = forge(&A.id, B.id.pk, SL_CTL_PONG, NULL, 7, now.wall_ms); /* an answer without echo */
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);
	m = forge(&A.id, B.id.pk, SL_CTL_PING, NULL, 0, now.wall_ms); /* a PING without token */
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_MALFORMED);

	m = forge(&A.id, A.id.pk, SL_CTL_HELLO, NULL, 0, now.wall_ms);
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_NOT_FOR_US);

	sl_identity_t stranger;
	assert_int_equal(sl_identity_generate(&stranger), 0);
	m = forge(&stranger, B.id.pk, SL_CTL_HELLO, NULL, 0, now.wall_ms);
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_UNKNOWN_KEY);

	const sl_addr_t elsewhere = {4, {10, 0, 0, 99}};
	expect_drop(&good, SL_CTL_MSG_SZ, &elsewhere, SL_CTL_DROP_WRONG_ADDRESS);
	/* A's four bytes, as the start of an IPv6 address: another address */
	const sl_addr_t other_family = {6, {10, 0, 0, 1}};
	expect_drop(&good, SL_CTL_MSG_SZ, &other_family, SL_CTL_DROP_WRONG_ADDRESS);
	assert_int_equal(B.s.peers[0].drops[SL_CTL_DROP_WRONG_ADDRESS], 2);

	m = forge(&A.id, B.id.pk, SL_CTL_HELLO, NULL, 0, now.wall_ms + prm.clock_window_ms + 1);
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_CLOCK_SKEW);
	m = forge(&A.id, B.id.pk, SL_CTL_HELLO, NULL, 0, now.wall_ms - prm.clock_window_ms - 1);
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_CLOCK_SKEW);

	m = good;
	m.sig[5] ^= 0x20;
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_BAD_SIGNATURE);
	m = forge(&stranger, B.id.pk, SL_CTL_HELLO, NULL, 0, now.wall_ms);
	memcpy(m.from, A.id.pk, SL_PUBKEY_SZ); /* A's name, a stranger's signature */
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_BAD_SIGNATURE);

	/* At the edge of the window it is accepted: a WELCOME goes back. */
	m = forge(&A.id, B.id.pk, SL_CTL_HELLO, NULL, 0, now.wall_ms - prm.clock_window_ms);
	assert_int_equal(sl_sessions_receive(&B.s, &m, SL_CTL_MSG_SZ, &A.ip, now), SL_CTL_OK);
	assert_int_equal(B.out.n, 1);
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_REPLAY);
	B.out.n = 0;

	/* A WELCOME that answers no HELLO of B's, an ACK with a wrong echo. */
	m = forge(&A.id, B.id.pk, SL_CTL_WELCOME, echo, 9, now.wall_ms);
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_UNEXPECTED);
	m = forge(&A.id, B.id.pk, SL_CTL_ACK, echo, 9, now.wall_ms);
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_UNEXPECTED);
	assert_int_equal(B.s.peers[0].state, SL_PS_WELCOME_SENT);
	m = forge(&A.id, B.id.pk, SL_CTL_PONG, echo, 9, now.wall_ms); /* B is not up */
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_UNEXPECTED);

	sl_sessions_cut_off(&B.s, 0, 5000, now);
	m = forge(&A.id, B.id.pk, SL_CTL_HELLO, NULL, 0, now.wall_ms);
	expect_drop(&m, SL_CTL_MSG_SZ, &A.ip, SL_CTL_DROP_CUT_OFF);
	assert_int_equal(B.out.n, 0);
	assert_int_equal(B.s.accepted, 1);
}

/* Replays of messages older than the nonces B still remembers are refused
 * by the floor: 200 fresh messages push the first out of the ring. */
static void test_replay_floor(void **state)
{
	(void)state;
	handshake();
	sl_ctl_msg_t first = forge(&A.id, B.id.pk, SL_CTL_PING, NULL, A.s.peers[0].token_in, now.wall_ms);
	assert_int_equal(sl_sessions_receive(&B.s, &first, SL_CTL_MSG_SZ, &A.ip, now), SL_CTL_OK);
	for (int i = 0; i < 200; i++) {
		advance_ms(10);
		sl_ctl_msg_t m = forge(&A.id, B.id.pk, SL_CTL_PING, NULL, A.s.peers[0].token_in,
				       now.wall_ms);
		assert_int_equal(sl_sessions_receive(&B.s, &m, SL_CTL_MSG_SZ, &A.ip, now), SL_CTL_OK);
		B.out.n = 0; /* the PONGs */
	}
	assert_true(B.s.peers[0].seen_floor_ms >= first.time_ms);
	assert_int_equal(sl_sessions_receive(&B.s, &first, SL_CTL_MSG_SZ, &A.ip, now),
			 SL_CTL_DROP_REPLAY);
	assert_int_equal(B.s.peers[0].seen_n, SL_SESSION_SEEN);
}

static void test_ping_rtt(void **state)
{
	(void)state;
	handshake();
	advance_ms(1000);
	sl_sessions_tick(&A.s, now);
	assert_int_equal(A.out.n, 1);
	assert_int_equal(A.out.q[0].m.type, SL_CTL_PING);
	deliver(&A, &B);
	advance_ms(7);
	assert_int_equal(deliver(&B, &A), 0);
	assert_int_equal(A.s.peers[0].rtt_last_us, 7000);
	assert_int_equal(A.s.peers[0].rtt_srtt_us, 7000);
	advance_ms(993);
	sl_sessions_tick(&A.s, now);
	deliver(&A, &B);
	advance_ms(15);
	deliver(&B, &A);
	assert_int_equal(A.s.peers[0].rtt_last_us, 15000);
	assert_int_equal(A.s.peers[0].rtt_srtt_us, (7 * 7000 + 15000) / 8);
	assert_int_equal(A.s.peers[0].misses, 0);
}

/* B goes silent: A counts misses, is down after ping_misses, retries with
 * a back-off in [b/2, b] that doubles to the maximum, and is up again
 * through a new handshake once B answers. */
static void test_misses_backoff(void **state)
{
	(void)state;
	handshake();
	/* The first tick sends a PING; each later one finds the last unanswered. */
	for (unsigned i = 0; i <= prm.ping_misses; i++) {
		assert_int_equal(A.s.peers[0].state, SL_PS_UP);
		advance_ms(1000);
		sl_sessions_tick(&A.s, now);
	}
	assert_int_equal(A.s.peers[0].state, SL_PS_DOWN);
	assert_int_equal(A.s.peers[0].downs, 1);
	A.out.n = 0;
	uint64_t b = prm.retry_min_ms;
	for (int attempt = 0; attempt < 10; attempt++) {
		const uint64_t t0 = now.mono_us / 1000, due = A.s.peers[0].next_try_ms;
		assert_true(due >= t0 + b / 2 && due <= t0 + b);
		b = b * 2 < prm.retry_max_ms ? b * 2 : prm.retry_max_ms;
		assert_int_equal(A.s.peers[0].backoff_ms, b);
		advance_ms(due - t0 - 1);
		sl_sessions_tick(&A.s, now);
		assert_int_equal(A.out.n, 0); /* not before it is due */
		advance_ms(1);
		sl_sessions_tick(&A.s, now);
		assert_int_equal(A.out.n, 1);
		assert_int_equal(A.out.q[0].m.type, SL_CTL_HELLO);
		A.out.n = 0; /* lost */
		advance_ms(prm.ping_interval_ms * prm.ping_misses);
		sl_sessions_tick(&A.s, now); /* the HELLO timed out */
		assert_int_equal(A.s.peers[0].state, SL_PS_DOWN);
	}
	assert_int_equal(b, prm.retry_max_ms);
	advance_ms(A.s.peers[0].next_try_ms - now.mono_us / 1000);
	sl_sessions_tick(&A.s, now);
	B.s.peers[0].state = SL_PS_DOWN; /* B timed A out too */
	exchange();
	assert_paired();
	assert_int_equal(A.s.peers[0].backoff_ms, prm.retry_min_ms);
}

/* After token_rotate_ms A issues a new token; B learns it from A's next
 * PING; A takes both until the overlap ends, then only the new one. */
static void test_token_rotation(void **state)
{
	(void)state;
	handshake();
	const uint64_t old = A.s.peers[0].token_in;
	for (uint64_t t = 0; t < prm.token_rotate_ms; t += 1000) {
		advance_ms(1000);
		sl_sessions_tick(&A.s, now);
		sl_sessions_tick(&B.s, now);
		exchange();
	}
	const sl_session_peer_t *a = &A.s.peers[0];
	assert_true(a->token_in != old && a->token_in != 0);
	assert_int_equal(a->token_in_prev, old);
	assert_int_equal(a->token_prev_until_ms, a->token_issued_ms + prm.token_overlap_ms);
	assert_int_equal(B.s.peers[0].token_out, a->token_in); /* learnt within a ping */
	assert_int_equal(a->state, SL_PS_UP);
	advance_ms(prm.token_overlap_ms - 1);
	sl_sessions_tick(&A.s, now);
	assert_int_equal(a->token_in_prev, old);
	advance_ms(1);
	A.s.changed = false;
	sl_sessions_tick(&A.s, now);
	assert_int_equal(a->token_in_prev, 0);
	assert_true(A.s.changed);
}

static void test_cut_off_and_back(void **state)
{
	(void)state;
	handshake();
	sl_sessions_cut_off(&B.s, 0, 10000, now);
	assert_int_equal(B.s.peers[0].state, SL_PS_CUT_OFF);
	/* A keeps pinging, B ignores it, A marks B down. */
	for (unsigned i = 0; i <= prm.ping_misses; i++) {
		advance_ms(1000);
		sl_sessions_tick(&A.s, now);
		sl_sessions_tick(&B.s, now);
		exchange();
	}
	assert_int_equal(A.s.peers[0].state, SL_PS_DOWN);
	assert_true(B.s.peers[0].drops[SL_CTL_DROP_CUT_OFF] > 0);
	assert_int_equal(B.s.peers[0].state, SL_PS_CUT_OFF);
	advance_ms(10000);
	sl_sessions_tick(&B.s, now); /* the cut is over: B opens */
	exchange();
	assert_paired();
}

static void test_adopt(void **state)
{
	(void)state;
	handshake();
	sl_ctl_msg_t old = forge(&A.id, B.id.pk, SL_CTL_PING, NULL, A.s.peers[0].token_in, now.wall_ms);
	const sl_session_peer_t was = B.s.peers[0];
	/* B's daemon restarts: a new table, the session taken from the dataplane's. */
	sl_sessions_init(&B.s, &B.id, &prm, capture, &B.out);
	assert_int_equal(sl_sessions_add(&B.s, -1, "a", A.id.pk, &A.ip, 8005, now), 0);
	sl_sessions_adopt(&B.s, 0, was.token_in, 0, 0, was.token_issued_ms, was.token_out,
			  now.wall_ms, now);
	assert_int_equal(B.s.peers[0].state, SL_PS_UP);
	assert_int_equal(B.s.peers[0].handshakes, 0);
	assert_int_equal(sl_sessions_receive(&B.s, &old, SL_CTL_MSG_SZ, &A.ip, now), SL_CTL_DROP_REPLAY);
	advance_ms(1000);
	sl_sessions_tick(&A.s, now);
	sl_sessions_tick(&B.s, now);
	exchange();
	assert_paired();
	assert_int_equal(A.s.peers[0].misses + B.s.peers[0].misses, 0);
	assert_int_equal(B.s.drops[SL_CTL_DROP_UNEXPECTED], 0);
}

/* Garbage and strangers' messages change no peer's state and allocate
 * nothing (the table is all the memory there is). */
static void test_strangers(void **state)
{
	(void)state;
	handshake();
	const sl_session_peer_t before = B.s.peers[0];
	sl_identity_t stranger;
	assert_int_equal(sl_identity_generate(&stranger), 0);
	uint8_t buf[SL_CTL_MSG_SZ + 8];
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(i % (int)sizeof(buf));
		randombytes_buf(buf, sizeof(buf));
		if (i % 4 == 0) {
			sl_ctl_msg_t m = forge(&stranger, B.id.pk, (uint8_t)(1 + i % 5), NULL,
					       (uint64_t)i, now.wall_ms);
			memcpy(buf, &m, sizeof(m));
			len = SL_CTL_MSG_SZ;
		}
		sl_ctl_drop_t d = sl_sessions_receive(&B.s, buf, len, &A.ip, now);
		assert_true(d != SL_CTL_OK && d < SL_CTL_DROP_REPLAY);
	}
	assert_memory_equal(&before, &B.s.peers[0], sizeof(before));
}

static void test_table(void **state)
{
	(void)state;
	const sl_addr_t ip = {4, {10, 0, 0, 3}};
	sl_identity_t c;
	assert_int_equal(sl_identity_generate(&c), 0);
	assert_int_equal(sl_sessions_add(&A.s, -1, "b", c.pk, &ip, 8005, now), -1); /* name taken */
	assert_int_equal(sl_sessions_add(&A.s, -1, "c", B.id.pk, &ip, 8005, now), -1); /* key taken */
	assert_int_equal(sl_sessions_add(&A.s, -1, "a-very-long-name", c.pk, &ip, 8005, now), -1);
	assert_int_equal(sl_sessions_add(&A.s, -1, "c", c.pk, &ip, 8005, now), 1);
	assert_int_equal(sl_sessions_find_name(&A.s, "c"), 1);
	sl_sessions_remove(&A.s, 0);
	assert_int_equal(sl_sessions_find_name(&A.s, "b"), -1);
	assert_int_equal(sl_sessions_add(&A.s, -1, "b", B.id.pk, &B.ip, 8005, now), 0); /* slot reused */
	for (unsigned i = 2; i < SL_SESSION_PEERS_MAX; i++) {
		char name[16];
		sl_identity_t k;
		assert_int_equal(sl_identity_generate(&k), 0);
		snprintf(name, sizeof(name), "p%u", i);
		assert_int_equal(sl_sessions_add(&A.s, -1, name, k.pk, &ip, 8005, now), (int)i);
	}
	assert_int_equal(sl_sessions_add(&A.s, -1, "full", c.pk, &ip, 8005, now), -1);
	sl_sessions_remove(&A.s, 5);
	sl_identity_t x;
	assert_int_equal(sl_identity_generate(&x), 0);
	assert_int_equal(sl_sessions_add(&A.s, 4, "x", x.pk, &ip, 8005, now), -1); /* taken */
	assert_int_equal(sl_sessions_add(&A.s, SL_SESSION_PEERS_MAX, "x", x.pk, &ip, 8005, now), -1);
	assert_int_equal(sl_sessions_add(&A.s, 5, "x", x.pk, &ip, 8005, now), 5);
	assert_string_equal(sl_peer_state_name(SL_PS_CUT_OFF), "cut_off");
	assert_string_equal(sl_ctl_drop_name(SL_CTL_DROP_REPLAY), "replay");
	assert_string_equal(sl_ctl_type_name(SL_CTL_PONG), "pong");
	assert_string_equal(sl_ctl_type_name(99), "unknown");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_handshake, setup),
		cmocka_unit_test_setup(test_handshake6, setup6),
		cmocka_unit_test_setup(test_simultaneous_open, setup),
		cmocka_unit_test_setup(test_rejections, setup),
		cmocka_unit_test_setup(test_replay_floor, setup),
		cmocka_unit_test_setup(test_ping_rtt, setup),
		cmocka_unit_test_setup(test_misses_backoff, setup),
		cmocka_unit_test_setup(test_token_rotation, setup),
		cmocka_unit_test_setup(test_cut_off_and_back, setup),
		cmocka_unit_test_setup(test_adopt, setup),
		cmocka_unit_test_setup(test_strangers, setup),
		cmocka_unit_test_setup(test_table, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
