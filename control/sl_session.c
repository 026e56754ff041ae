#include "sl_session.h"

#include <sodium.h>
#include <string.h>

const char *sl_peer_state_name(sl_peer_state_t st)
{
	switch (st) {
	case SL_PS_DOWN: return "down";
	case SL_PS_HELLO_SENT: return "hello_sent";
	case SL_PS_WELCOME_SENT: return "welcome_sent";
	case SL_PS_UP: return "up";
	case SL_PS_CUT_OFF: return "cut_off";
	}
	return "unknown";
}

static uint64_t mono_ms(sl_now_t now)
{
	return now.mono_us / 1000;
}

static uint64_t random_u64(void)
{
	uint64_t v;
	randombytes_buf(&v, sizeof(v));
	return v;
}

void sl_sessions_init(sl_sessions_t *s, const sl_identity_t *id, const sl_session_params_t *prm,
		      sl_session_send_fn send, void *send_ctx)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->prm = *prm;
	s->send = send;
	s->send_ctx = send_ctx;
}

int sl_sessions_find_name(const sl_sessions_t *s, const char *name)
{
	for (unsigned i = 0; i < SL_SESSION_PEERS_MAX; i++)
		if (s->peers[i].in_use && strcmp(s->peers[i].name, name) == 0)
			return (int)i;
	return -1;
}

static sl_session_peer_t *find_key(sl_sessions_t *s, const uint8_t pk[SL_PUBKEY_SZ])
{
	for (unsigned i = 0; i < SL_SESSION_PEERS_MAX; i++)
		if (s->peers[i].in_use && memcmp(s->peers[i].pk, pk, SL_PUBKEY_SZ) == 0)
			return &s->peers[i];
	return NULL;
}

int sl_sessions_add(sl_sessions_t *s, int slot, const char *name, const uint8_t pk[SL_PUBKEY_SZ],
		    const sl_addr_t *ip, uint16_t ctl_port, sl_now_t now)
{
	if (strlen(name) >= SL_CFG_NAME_MAX || sl_sessions_find_name(s, name) >= 0 ||
	    find_key(s, pk) != NULL || slot >= SL_SESSION_PEERS_MAX)
		return -1;
	for (unsigned i = slot < 0 ? 0 : (unsigned)slot; i < SL_SESSION_PEERS_MAX; i++) {
		sl_session_peer_t *p = &s->peers[i];
		if (p->in_use) {
			if (slot >= 0)
				return -1;
			continue;
		}
		memset(p, 0, sizeof(*p));
		p->in_use = true;
		strcpy(p->name, name);
		memcpy(p->pk, pk, SL_PUBKEY_SZ);
		p->ip = *ip;
		p->ctl_port = ctl_port;
		p->state = SL_PS_DOWN;
		p->next_try_ms = mono_ms(now);
		p->backoff_ms = s->prm.retry_min_ms;
		s->changed = true;
		return (int)i;
	}
	return -1;
}

void sl_sessions_remove(sl_sessions_t *s, unsigned slot)
{
	if (slot < SL_SESSION_PEERS_MAX && s->peers[slot].in_use) {
		memset(&s->peers[slot], 0, sizeof(s->peers[slot]));
		s->changed = true;
	}
}

static void send_msg(sl_sessions_t *s, sl_session_peer_t *p, sl_ctl_type_t type,
		     const uint8_t *echo, uint8_t nonce_out[SL_CTL_NONCE_SZ], sl_now_t now)
{
	sl_ctl_msg_t m;
	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	memcpy(m.to, p->pk, SL_PUBKEY_SZ);
	m.time_ms = now.wall_ms;
	do
		randombytes_buf(m.nonce, sizeof(m.nonce));
	while (sodium_is_zero(m.nonce, sizeof(m.nonce)));
	if (echo != NULL)
		memcpy(m.echo, echo, SL_CTL_NONCE_SZ);
	m.token = type == SL_CTL_HELLO ? 0 : p->token_in;
	sl_ctl_seal(&m, s->id);
	if (nonce_out != NULL)
		memcpy(nonce_out, m.nonce, SL_CTL_NONCE_SZ);
	p->tx[type]++;
	s->send(s->send_ctx, p, &m);
}

/* A fresh token_in; the current one stays acceptable for the overlap, so
 * that frames the peer sent before it learnt the new one still pass. */
static void issue_token(sl_sessions_t *s, sl_session_peer_t *p, sl_now_t now)
{
	uint64_t t;
	do
		t = random_u64();
	while (t == 0 || t == p->token_in || t == p->token_in_prev);
	if (p->token_in != 0) {
		p->token_in_prev = p->token_in;
		p->token_prev_until_ms = mono_ms(now) + s->prm.token_overlap_ms;
	}
	p->token_in = t;
	p->token_issued_ms = mono_ms(now);
	s->changed = true;
}

/* The next retry in [backoff/2, backoff], then the back-off doubles up to
 * its maximum: peers that went down together do not retry together. */
static void schedule_retry(sl_sessions_t *s, sl_session_peer_t *p, sl_now_t now)
{
	uint64_t b = p->backoff_ms ? p->backoff_ms : s->prm.retry_min_ms;
	uint64_t half = b / 2;
	p->next_try_ms = mono_ms(now) + half + (half ? random_u64() % (half + 1) : 0);
	p->backoff_ms = b * 2 < s->prm.retry_max_ms ? b * 2 : s->prm.retry_max_ms;
}

static void set_state(sl_sessions_t *s, sl_session_peer_t *p, sl_peer_state_t st)
{
	if (p->state != st)
		s->changed = true;
	p->state = st;
}

static void go_down(sl_sessions_t *s, sl_session_peer_t *p, sl_now_t now)
{
	if (p->state == SL_PS_UP)
		p->downs++;
	set_state(s, p, SL_PS_DOWN);
	p->ping_pending = false;
	p->misses = 0;
	schedule_retry(s, p, now);
}

static void go_up(sl_sessions_t *s, sl_session_peer_t *p, uint64_t token_out, sl_now_t now)
{
	set_state(s, p, SL_PS_UP);
	p->token_out = token_out;
	p->handshakes++;
	p->up_since_ms = mono_ms(now);
	p->backoff_ms = s->prm.retry_min_ms;
	p->ping_pending = false;
	p->misses = 0;
	p->next_ping_ms = mono_ms(now) + s->prm.ping_interval_ms;
}

static void send_hello(sl_sessions_t *s, sl_session_peer_t *p, sl_now_t now)
{
	send_msg(s, p, SL_CTL_HELLO, NULL, p->hs_nonce, now);
	p->hs_sent_ms = mono_ms(now);
	set_state(s, p, SL_PS_HELLO_SENT);
}

static uint64_t nonce_key(const uint8_t nonce[SL_CTL_NONCE_SZ])
{
	uint64_t k;
	memcpy(&k, nonce, sizeof(k));
	return k;
}

static bool seen_before(const sl_session_peer_t *p, const sl_ctl_msg_t *m)
{
	if (m->time_ms <= p->seen_floor_ms)
		return true;
	const uint64_t k = nonce_key(m->nonce);
	for (unsigned i = 0; i < p->seen_n; i++)
		if (p->seen[i].nonce == k)
			return true;
	return false;
}

static void remember(sl_session_peer_t *p, const sl_ctl_msg_t *m)
{
	if (p->seen_n == SL_SESSION_SEEN) {
		uint64_t t = p->seen[p->seen_next].time_ms;
		if (t > p->seen_floor_ms)
			p->seen_floor_ms = t;
	} else {
		p->seen_n++;
	}
	p->seen[p->seen_next].nonce = nonce_key(m->nonce);
	p->seen[p->seen_next].time_ms = m->time_ms;
	p->seen_next = (p->seen_next + 1) % SL_SESSION_SEEN;
	if (m->time_ms > p->last_rx_wall_ms)
		p->last_rx_wall_ms = m->time_ms;
}

/* A verified, fresh message from p: what it means in p's state. */
static sl_ctl_drop_t handle(sl_sessions_t *s, sl_session_peer_t *p, const sl_ctl_msg_t *m,
			    sl_now_t now)
{
	switch ((sl_ctl_type_t)m->type) {
	case SL_CTL_HELLO:
		/* Both opened at once: the smaller key stays initiator. */
		if (p->state == SL_PS_HELLO_SENT && memcmp(s->id->pk, p->pk, SL_PUBKEY_SZ) < 0)
			return SL_CTL_DROP_UNEXPECTED;
		/* Any other state: the peer lost its session (it restarted, or it
		 * timed us out); a new handshake replaces ours. */
		issue_token(s, p, now);
		send_msg(s, p, SL_CTL_WELCOME, m->nonce, p->hs_nonce, now);
		p->hs_sent_ms = mono_ms(now);
		set_state(s, p, SL_PS_WELCOME_SENT);
		return SL_CTL_OK;
	case SL_CTL_WELCOME:
		if (p->state != SL_PS_HELLO_SENT || memcmp(m->echo, p->hs_nonce, SL_CTL_NONCE_SZ) != 0)
			return SL_CTL_DROP_UNEXPECTED;
		issue_token(s, p, now);
		send_msg(s, p, SL_CTL_ACK, m->nonce, NULL, now);
		go_up(s, p, m->token, now);
		return SL_CTL_OK;
	case SL_CTL_ACK:
		if (p->state != SL_PS_WELCOME_SENT || memcmp(m->echo, p->hs_nonce, SL_CTL_NONCE_SZ) != 0)
			return SL_CTL_DROP_UNEXPECTED;
		go_up(s, p, m->token, now);
		return SL_CTL_OK;
	case SL_CTL_PING:
		if (p->state == SL_PS_WELCOME_SENT)
			go_up(s, p, m->token, now); /* our ACK was lost; the PING is signed */
		else if (p->state != SL_PS_UP)
			return SL_CTL_DROP_UNEXPECTED;
		if (p->token_out != m->token) {
			p->token_out = m->token;
			s->changed = true;
		}
		send_msg(s, p, SL_CTL_PONG, m->nonce, NULL, now);
		return SL_CTL_OK;
	case SL_CTL_PONG:
		if (p->state != SL_PS_UP || !p->ping_pending ||
		    memcmp(m->echo, p->ping_nonce, SL_CTL_NONCE_SZ) != 0)
			return SL_CTL_DROP_UNEXPECTED;
		p->ping_pending = false;
		p->misses = 0;
		p->rtt_last_us = now.mono_us - p->ping_sent_us;
		p->rtt_srtt_us = p->rtt_srtt_us == 0 ? p->rtt_last_us
						      : (7 * p->rtt_srtt_us + p->rtt_last_us) / 8;
		if (p->token_out != m->token) {
			p->token_out = m->token;
			s->changed = true;
		}
		return SL_CTL_OK;
	case SL_CTL__TYPE_END:
		break;
	}
	return SL_CTL_DROP_MALFORMED; /* sl_ctl_decode let no other type through */
}

static sl_ctl_drop_t count(sl_sessions_t *s, sl_session_peer_t *p, sl_ctl_drop_t d)
{
	if (d == SL_CTL_OK)
		s->accepted++;
	else
		s->drops[d]++;
	if (p != NULL && d != SL_CTL_OK)
		p->drops[d]++;
	return d;
}

sl_ctl_drop_t sl_sessions_receive(sl_sessions_t *s, const void *buf, size_t len,
				  const sl_addr_t *src_ip, sl_now_t now)
{
	sl_ctl_msg_t m;
	sl_ctl_drop_t d = sl_ctl_decode(buf, len, &m);
	if (d != SL_CTL_OK)
		return count(s, NULL, d);
	if (memcmp(m.to, s->id->pk, SL_PUBKEY_SZ) != 0)
		return count(s, NULL, SL_CTL_DROP_NOT_FOR_US);
	sl_session_peer_t *p = find_key(s, m.from);
	if (p == NULL)
		return count(s, NULL, SL_CTL_DROP_UNKNOWN_KEY);
	if (!sl_addr_eq(&p->ip, src_ip))
		return count(s, p, SL_CTL_DROP_WRONG_ADDRESS);
	const uint64_t skew = m.time_ms > now.wall_ms ? m.time_ms - now.wall_ms
						      : now.wall_ms - m.time_ms;
	if (skew > s->prm.clock_window_ms)
		return count(s, p, SL_CTL_DROP_CLOCK_SKEW);
	if (!sl_ctl_sig_ok(&m))
		return count(s, p, SL_CTL_DROP_BAD_SIGNATURE);
	if (seen_before(p, &m))
		return count(s, p, SL_CTL_DROP_REPLAY);
	remember(p, &m);
	if (p->state == SL_PS_CUT_OFF)
		return count(s, p, SL_CTL_DROP_CUT_OFF);
	p->rx[m.type]++;
	return count(s, p, handle(s, p, &m, now));
}

static void tick_peer(sl_sessions_t *s, sl_session_peer_t *p, sl_now_t now)
{
	const uint64_t t = mono_ms(now);
	const uint64_t hs_timeout = s->prm.ping_interval_ms * s->prm.ping_misses;
	if (p->token_in_prev != 0 && t >= p->token_prev_until_ms) {
		p->token_in_prev = 0;
		s->changed = true;
	}
	switch (p->state) {
	case SL_PS_CUT_OFF: /* the cut is over: a new handshake, as for a down peer */
	case SL_PS_DOWN:
		if (t >= p->next_try_ms)
			send_hello(s, p, now);
		break;
	case SL_PS_HELLO_SENT:
	case SL_PS_WELCOME_SENT:
		if (t - p->hs_sent_ms >= hs_timeout)
			go_down(s, p, now);
		break;
	case SL_PS_UP:
		if (t - p->token_issued_ms >= s->prm.token_rotate_ms)
			issue_token(s, p, now);
		if (t < p->next_ping_ms)
			break;
		if (p->ping_pending && ++p->misses >= s->prm.ping_misses) {
			go_down(s, p, now);
			break;
		}
		send_msg(s, p, SL_CTL_PING, NULL, p->ping_nonce, now);
		p->ping_pending = true;
		p->ping_sent_us = now.mono_us;
		p->next_ping_ms = t + s->prm.ping_interval_ms;
		break;
	}
}

void sl_sessions_tick(sl_sessions_t *s, sl_now_t now)
{
	for (unsigned i = 0; i < SL_SESSION_PEERS_MAX; i++)
		if (s->peers[i].in_use)
			tick_peer(s, &s->peers[i], now);
}

void sl_sessions_cut_off(sl_sessions_t *s, unsigned slot, uint64_t ms, sl_now_t now)
{
	if (slot >= SL_SESSION_PEERS_MAX || !s->peers[slot].in_use)
		return;
	sl_session_peer_t *p = &s->peers[slot];
	set_state(s, p, SL_PS_CUT_OFF);
	p->ping_pending = false;
	p->misses = 0;
	p->next_try_ms = mono_ms(now) + ms;
}

void sl_sessions_adopt(sl_sessions_t *s, unsigned slot, uint64_t token_in, uint64_t token_in_prev,
		       uint64_t token_prev_until_ms, uint64_t token_issued_ms, uint64_t token_out,
		       uint64_t floor_wall_ms, sl_now_t now)
{
	if (slot >= SL_SESSION_PEERS_MAX || !s->peers[slot].in_use)
		return;
	sl_session_peer_t *p = &s->peers[slot];
	p->token_in = token_in;
	p->token_in_prev = token_in_prev;
	p->token_prev_until_ms = token_prev_until_ms;
	p->token_issued_ms = token_issued_ms;
	p->seen_floor_ms = floor_wall_ms;
	p->last_rx_wall_ms = floor_wall_ms;
	go_up(s, p, token_out, now);
	p->handshakes--; /* taken over, not a new session */
}
