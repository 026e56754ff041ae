/* sluiced: the control daemon of one relay (control/README.md).
 *
 *   sluiced -c CONFIG [--check]
 *
 * One thread, one poll loop: the control port (UDP, the kernel's stack),
 * netlink's neighbour and route events, the operator's unix socket and the
 * signals. Sessions (sl_session) handshake with, ping and rotate tokens for
 * the config's managed relay peers; every change goes to the relay's peer
 * table (sl_peertab), which sluice-dp applies. Nothing here links DPDK.
 * Killing sluiced stops nothing: sluice-dp keeps the last table, and a new
 * sluiced takes its sessions over from it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sl_config.h"
#include "sl_nexthop.h"
#include "sl_peertab.h"
#include "sl_session.h"
#include "sluiced.h"
#include "sl_operator.h"

void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("sluiced: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static sl_now_t now_get(void)
{
	struct timespec w, m;
	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return (sl_now_t){
		.wall_ms = (uint64_t)w.tv_sec * 1000 + (uint64_t)w.tv_nsec / 1000000,
		.mono_us = (uint64_t)m.tv_sec * 1000000 + (uint64_t)m.tv_nsec / 1000,
	};
}

static void send_udp(void *ctx, const sl_session_peer_t *p, const sl_ctl_msg_t *m)
{
	const struct daemon *d = ctx;
	struct sockaddr_storage to;
	const socklen_t tl = sl_addr_sockaddr(&p->ip, p->ctl_port, &to);
	const int fd = p->ip.family == 6 ? d->udp6 : d->udp;
	/* A full socket buffer loses this message; the session's timers retry.
	 * (The config gives an IPv6 peer only to a relay with an ip6.) */
	if (fd >= 0)
		(void)sendto(fd, m, sizeof(*m), MSG_DONTWAIT, (const struct sockaddr *)&to, tl);
}

static sl_session_params_t params_of(const sl_config_t *c)
{
	return (sl_session_params_t){
		.clock_window_ms = (uint64_t)c->control.clock_window_s * 1000,
		.ping_interval_ms = c->control.ping_interval_ms,
		.ping_misses = c->control.ping_misses,
		.retry_min_ms = c->control.retry_min_ms,
		.retry_max_ms = c->control.retry_max_ms,
		.token_rotate_ms = (uint64_t)c->control.token_rotate_s * 1000,
		.token_overlap_ms = (uint64_t)c->control.token_overlap_s * 1000,
	};
}

/* ---- the peer table ----------------------------------------------------- */

static uint8_t table_state(sl_peer_state_t st)
{
	return st == SL_PS_UP ? SL_PT_UP : st == SL_PS_CUT_OFF ? SL_PT_CUT_OFF : SL_PT_DOWN;
}

static void publish(struct daemon *d)
{
	struct sl_peertab *t = d->pt;
	sl_peertab_write_begin(&t->seq);
	t->writer_pid = (uint64_t)getpid();
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		const sl_session_peer_t *p = &d->s.peers[k];
		struct sl_peertab_entry *e = &t->peers[k];
		memset(e, 0, sizeof(*e));
		if (!p->in_use)
			continue;
		e->state = table_state(p->state);
		e->port = d->gossip_port[k];
		e->family = p->ip.family;
		memcpy(e->ip, p->ip.b, sizeof(e->ip));
		if (d->nh_ok[k]) {
			memcpy(e->mac, d->nh[k].mac, 6);
			e->ifindex = d->nh[k].ifindex;
		}
		e->ctl_port = p->ctl_port;
		memcpy(e->name, p->name, sizeof(e->name));
		memcpy(e->pubkey, p->pk, SL_PUBKEY_SZ);
		e->token_in = p->token_in;
		e->token_in_prev = p->token_in_prev;
		e->token_prev_until_ms = p->token_prev_until_ms;
		e->token_issued_ms = p->token_issued_ms;
		e->token_out = p->token_out;
		e->last_rx_wall_ms = p->last_rx_wall_ms;
	}
	sl_peertab_write_end(&t->seq);
}

/* A session the previous sluiced left up, with a token that has not
 * expired, is taken over: no new handshake. */
static void adopt_from_table(struct daemon *d, const struct sl_peertab_entry *old, sl_now_t now)
{
	const uint64_t t = now.mono_us / 1000;
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		const struct sl_peertab_entry *e = &old[k];
		if (e->state != SL_PT_UP || e->token_in == 0 || e->token_out == 0 ||
		    t >= e->token_issued_ms + d->s.prm.token_rotate_ms + d->s.prm.token_overlap_ms)
			continue;
		/* daemon_add_peer put the peer back in its old slot: only that
		 * slot's session can be this entry's. */
		const sl_session_peer_t *p = &d->s.peers[k];
		const sl_addr_t ip = sl_peertab_entry_addr(e);
		if (!p->in_use || memcmp(p->pk, e->pubkey, SL_PUBKEY_SZ) != 0 ||
		    !sl_addr_eq(&p->ip, &ip))
			continue;
		sl_sessions_adopt(&d->s, k, e->token_in, e->token_in_prev, e->token_prev_until_ms,
				  e->token_issued_ms, e->token_out, e->last_rx_wall_ms, now);
		logf_("peer %s: session taken over (up, token age %llu s)", p->name,
		      (unsigned long long)((t - e->token_issued_ms) / 1000));
	}
}

/* One peer in the slot the table had it in (so that a restart keeps every
 * index), else in a free slot. Returns the slot, or -1 (a duplicate name or
 * key, or no room). */
int daemon_add_peer(struct daemon *d, const struct sl_peertab_entry *old, const char *name,
		    const uint8_t pk[SL_PUBKEY_SZ], const sl_addr_t *ip, uint16_t ctl_port,
		    uint16_t port, sl_now_t now)
{
	int slot = -1;
	for (unsigned k = 0; old != NULL && k < SL_SESSION_PEERS_MAX; k++)
		if (old[k].state != SL_PT_EMPTY && memcmp(old[k].pubkey, pk, SL_PUBKEY_SZ) == 0 &&
		    !d->s.peers[k].in_use)
			slot = (int)k;
	int got = sl_sessions_add(&d->s, slot, name, pk, ip, ctl_port, now);
	if (got < 0 && slot >= 0)
		got = sl_sessions_add(&d->s, -1, name, pk, ip, ctl_port, now);
	if (got >= 0) {
		d->gossip_port[got] = port;
		d->nh_ok[got] = false;
	}
	return got;
}

/* The config's managed peers. */
static void add_config_peers(struct daemon *d, const struct sl_peertab_entry *old, sl_now_t now)
{
	for (unsigned i = 0; i < d->cfg.npeers; i++) {
		const sl_cfg_peer_t *cp = &d->cfg.peers[i];
		if (!cp->managed || sl_sessions_find_name(&d->s, cp->name) >= 0)
			continue;
		const sl_addr_t ip = sl_cfg_peer_addr(cp);
		if (daemon_add_peer(d, old, cp->name, cp->pubkey, &ip, cp->control_port, cp->port,
				    now) < 0)
			logf_("peer %s: no room in the peer table", cp->name);
	}
}

/* SIGHUP: peers gone from the config are removed, new ones added, changed
 * ones (key, address, ports) replaced; the others, and the peers added at
 * run time, keep their sessions. */
static void reload(struct daemon *d, sl_now_t now)
{
	sl_config_t next;
	if (sl_config_load(d->cfg_path, &next, sl_config_report_print, stderr) != 0) {
		logf_("reload: %s has problems; keeping the running config", d->cfg_path);
		return;
	}
	/* the control sockets are bound at start */
	if (memcmp(next.ip, d->cfg.ip, 4) != 0 || next.has_ip6 != d->cfg.has_ip6 ||
	    memcmp(next.ip6, d->cfg.ip6, 16) != 0 || next.control_port != d->cfg.control_port)
		logf_("reload: [relay] ip, ip6 or control_port changed: the control port stays where "
		      "it is until sluiced restarts");
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		const sl_session_peer_t *p = &d->s.peers[k];
		if (!p->in_use)
			continue;
		bool keep = false;
		for (unsigned i = 0; i < next.npeers; i++) {
			const sl_cfg_peer_t *cp = &next.peers[i];
			const sl_addr_t ip = sl_cfg_peer_addr(cp);
			keep |= cp->managed && strcmp(cp->name, p->name) == 0 &&
				memcmp(cp->pubkey, p->pk, SL_PUBKEY_SZ) == 0 &&
				sl_addr_eq(&ip, &p->ip) && cp->control_port == p->ctl_port &&
				cp->port == d->gossip_port[k];
		}
		keep |= runtime_peer_keep(d, &next, k);
		if (!keep) {
			logf_("reload: peer %s removed or changed", p->name);
			sl_sessions_remove(&d->s, k);
		}
	}
	d->cfg = next;
	struct sl_peertab_entry none[SL_SESSION_PEERS_MAX];
	memset(none, 0, sizeof(none));
	add_config_peers(d, none, now);
	runtime_peers_add(d, none, now);
	d->dirty = true;
	d->next_resolve_ms = 0;
	logf_("reload: %s applied", d->cfg_path);
}

static void resolve(struct daemon *d, bool all)
{
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		const sl_session_peer_t *p = &d->s.peers[k];
		if (!p->in_use || (!all && d->nh_ok[k]))
			continue;
		sl_nexthop_t nh;
		bool ok = sl_nexthop_lookup(d->nl, p->ip.family, p->ip.b, &nh) == 0;
		if (ok != d->nh_ok[k] || (ok && memcmp(&nh, &d->nh[k], sizeof(nh)) != 0)) {
			d->nh[k] = nh;
			d->nh_ok[k] = ok;
			d->dirty = true;
		}
	}
}

/* ---- scores (control/README.md, "Scoring") ------------------------------ */

/* Once a second: sluice-dp's counters, copied consistently; each up peer's
 * score updated from them, and a peer at or under the threshold cut off.
 * Nothing is scored while sluice-dp has never written its counters. */
static void score_tick(struct daemon *d, sl_now_t now)
{
	static struct sl_peertab_dp_peer dp[SL_PEERTAB_SLOTS];
	const uint64_t t = now.mono_us / 1000;
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		const sl_session_peer_t *p = &d->s.peers[k];
		static const uint8_t none[SL_PUBKEY_SZ];
		const uint8_t *pk = p->in_use ? p->pk : none;
		if (memcmp(d->score_pk[k], pk, SL_PUBKEY_SZ) != 0) { /* another peer in the slot */
			sl_score_reset(&d->score[k]);
			memcpy(d->score_pk[k], pk, SL_PUBKEY_SZ);
		}
	}
	if (sl_peertab_read(&d->pt->dp_seq, dp, d->pt->dp, sizeof(dp), 4) == 0)
		return;
	const sl_cfg_score_t *cfg = &d->cfg.score;
	uint64_t relay_first = 0;
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++)
		relay_first += dp[k].first_deliveries;
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		const sl_session_peer_t *p = &d->s.peers[k];
		if (!p->in_use || p->state != SL_PS_UP)
			continue;
		sl_score_t *st = &d->score[k];
		sl_score_update(st, cfg, &dp[k], relay_first, t);
		const double score = st->score;
		const uint64_t ms = sl_score_verdict(st, cfg, t);
		if (ms == 0)
			continue;
		sl_sessions_cut_off(&d->s, k, ms, now);
		logf_("peer %s: score %.1f under %.1f: cut off for %llu s (offence %u)", p->name, score,
		      cfg->cutoff_threshold, (unsigned long long)(ms / 1000), st->offences);
	}
}

/* ---- start -------------------------------------------------------------- */

/* The control port at the relay's address ip (IPv6: that family only). */
static int open_udp(const sl_addr_t *ip, uint16_t port)
{
	int fd = socket(ip->family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (fd < 0)
		return -1;
	struct sockaddr_storage a;
	const socklen_t al = sl_addr_sockaddr(ip, port, &a);
	const int one = 1;
	if ((ip->family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (struct sockaddr *)&a, al) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Up to 256 datagrams from the control socket fd (bounded, so that a flood
 * cannot starve the timers) into the sessions. */
static void receive_udp(struct daemon *d, int fd, sl_now_t now)
{
	uint8_t buf[2048];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t n;
	for (int i = 0; i < 256 &&
			(n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) >= 0;
	     i++) {
		sl_addr_t src;
		if (sl_addr_of_sockaddr(&from, &src) == 0)
			sl_sessions_receive(&d->s, buf, (size_t)n, &src, now);
		fl = sizeof(from);
	}
}

static int open_operator_socket(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	char dir[sizeof(a.sun_path)];
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	/* Only root may open it: the umask makes the file 0600 from the start. */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (rc != 0 || listen(fd, 16) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void usage(FILE *f)
{
	fputs("usage: sluiced -c CONFIG [--check]\n"
	      "  the control daemon of the relay CONFIG names (control/README.md):\n"
	      "  handshakes, pings, tokens and next hops of its managed relay peers,\n"
	      "  written to the relay's peer table for sluice-dp.\n"
	      "  --check   check CONFIG and the key file, print 'config OK', exit\n",
	      f);
}

static int start(struct daemon *d)
{
	char err[512];
	if (d->cfg.key_file[0] == '\0') {
		fprintf(stderr, "sluiced: %s: [relay] key is not set: sluiced needs the relay's identity key\n",
			d->cfg_path);
		return 1;
	}
	if (sl_identity_load(d->cfg.key_file, &d->id, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluiced: %s\n", err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	bool check = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			d.cfg_path = argv[++i];
		} else if (strcmp(argv[i], "--check") == 0) {
			check = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "sluiced: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (d.cfg_path == NULL) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	if (sl_config_load(d.cfg_path, &d.cfg, sl_config_report_print, stderr) != 0)
		return 1;
	if (start(&d) != 0)
		return 1;
	if (check) {
		puts("config OK");
		return 0;
	}

	char err[512];
	d.pt = sl_peertab_open(d.cfg.name, err, sizeof(err));
	if (d.pt == NULL) {
		fprintf(stderr, "sluiced: %s\n", err);
		return 1;
	}
	if (err[0] != '\0')
		logf_("%s", err);
	const char *what = "netlink";
	const sl_addr_t ip4 = sl_addr_make(4, d.cfg.ip), ip6 = sl_addr_make(6, d.cfg.ip6);
	d.udp6 = -1;
	if ((d.nl = sl_nexthop_open()) == NULL ||
	    (what = "control port", d.udp = open_udp(&ip4, d.cfg.control_port)) < 0 ||
	    (what = "control port (ip6)",
	     d.cfg.has_ip6 && (d.udp6 = open_udp(&ip6, d.cfg.control_port)) < 0) ||
	    (what = d.cfg.control.socket, d.ctl = open_operator_socket(what)) < 0 ||
	    (what = "signalfd", d.sig = open_signals()) < 0) {
		fprintf(stderr, "sluiced: %s: %s\n", what, strerror(errno));
		return 1;
	}
	const sl_session_params_t prm = params_of(&d.cfg);
	sl_sessions_init(&d.s, &d.id, &prm, send_udp, &d);
	sl_now_t now = now_get();
	static struct sl_peertab_entry old[SL_SESSION_PEERS_MAX];
	if (sl_peertab_read(&d.pt->seq, old, d.pt->peers, sizeof(old), 100) == 0)
		memset(old, 0, sizeof(old));
	add_config_peers(&d, old, now);
	runtime_peers_load(&d, old, now);
	adopt_from_table(&d, old, now);
	resolve(&d, true);
	publish(&d);
	char pk[SL_PUBKEY_B58_MAX];
	sl_pubkey_to_b58(d.id.pk, pk);
	logf_("relay %s, key %s, control port %u, %s", d.cfg.name, pk, d.cfg.control_port,
	      d.cfg.control.socket);

	const int tick_ms = d.cfg.control.ping_interval_ms / 10 ? (int)(d.cfg.control.ping_interval_ms / 10) : 1;
	while (!d.stop) {
		struct pollfd fds[] = {
			{.fd = d.udp, .events = POLLIN},
			{.fd = sl_nexthop_events_fd(d.nl), .events = POLLIN},
			{.fd = d.ctl, .events = POLLIN},
			{.fd = d.sig, .events = POLLIN},
			{.fd = d.udp6, .events = POLLIN}, /* -1 (none): poll skips it */
		};
		poll(fds, 5, tick_ms < 100 ? tick_ms : 100);
		now = now_get();
		if (fds[0].revents & POLLIN)
			receive_udp(&d, d.udp, now);
		if (fds[4].revents & POLLIN)
			receive_udp(&d, d.udp6, now);
		if ((fds[1].revents & POLLIN) && sl_nexthop_events_drain(d.nl))
			resolve(&d, true);
		if (fds[2].revents & POLLIN)
			serve_operator(&d, now);
		if (fds[3].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(d.sig, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					reload(&d, now);
				else
					d.stop = true;
			}
		}
		sl_sessions_tick(&d.s, now);
		if (now.mono_us / 1000 >= d.next_resolve_ms) {
			resolve(&d, false); /* unresolved peers: the kernel may know them now */
			d.next_resolve_ms = now.mono_us / 1000 + 1000;
		}
		if (now.mono_us / 1000 >= d.next_score_ms) {
			score_tick(&d, now);
			d.next_score_ms = now.mono_us / 1000 + 1000;
		}
		if (d.s.changed || d.dirty) {
			d.s.changed = d.dirty = false;
			publish(&d);
		}
	}
	/* The table stays: sluice-dp forwards on with it, a new sluiced takes
	 * the sessions over. */
	logf_("stopping; the peer table stays for sluice-dp");
	unlink(d.cfg.control.socket);
	sl_identity_wipe(&d.id);
	return 0;
}
