/* sluiced's operator socket (control/README.md): one request line per
 * connection on the root-only unix socket, one answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sl_operator.h"

#include "sl_file.h"
#include "sl_statefile.h"

/* ---- the operator's socket ------------------------------------------------ */

/* {"truncated":N,...}: every drop reason but "ok". */
static void json_drops(FILE *out, const uint64_t drops[SL_CTL_DROP__COUNT])
{
	for (unsigned r = 1; r < SL_CTL_DROP__COUNT; r++)
		fprintf(out, "%s\"%s\":%llu", r > 1 ? "," : "{", sl_ctl_drop_name(r),
			(unsigned long long)drops[r]);
	fputc('}', out);
}

void reply_peers(const struct daemon *d, FILE *out, bool json, sl_now_t now)
{
	const uint64_t t = now.mono_us / 1000;
	if (json)
		fputs("{\"relay\":", out);
	if (json)
		fprintf(out, "\"%s\",\"peers\":[", d->cfg.name);
	/* the address column as wide as its widest (IPv6) entry */
	int width = 15;
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		char ip[SL_ADDR_STR_SZ];
		if (!d->s.peers[k].in_use)
			continue;
		sl_addr_str(&d->s.peers[k].ip, ip);
		if ((int)strlen(ip) > width)
			width = (int)strlen(ip);
	}
	if (!json)
		fprintf(out, "%-15s %-44s %-*s %-12s %9s %9s %10s %10s %7s\n", "peer", "key", width,
			"address", "state", "rtt_ms", "srtt_ms", "token_age", "score", "cutoffs");
	bool first = true;
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		const sl_session_peer_t *p = &d->s.peers[k];
		if (!p->in_use)
			continue;
		char key[SL_PUBKEY_B58_MAX], ip[SL_ADDR_STR_SZ];
		sl_pubkey_to_b58(p->pk, key);
		sl_addr_str(&p->ip, ip);
		const double age = p->token_in ? (double)(t - p->token_issued_ms) / 1000.0 : -1;
		const sl_score_t *sc = &d->score[k];
		if (!json) {
			fprintf(out, "%-15s %-44s %-*s %-12s %9.3f %9.3f %10.0f %10.1f %7llu\n", p->name,
				key, width, ip, sl_peer_state_name(p->state), (double)p->rtt_last_us / 1000.0,
				(double)p->rtt_srtt_us / 1000.0, age, sc->score,
				(unsigned long long)sc->cutoffs);
			continue;
		}
		fprintf(out,
			"%s{\"name\":\"%s\",\"slot\":%u,\"key\":\"%s\",\"ip\":\"%s\",\"control_port\":%u,"
			"\"state\":\"%s\",\"rtt_ms\":%.3f,\"srtt_ms\":%.3f,\"token_age_s\":%.1f,"
			"\"next_hop\":%s,\"handshakes\":%llu,\"downs\":%llu,\"score\":%.3f,"
			"\"offences\":%u,\"cutoffs\":%llu,\"drops\":",
			first ? "" : ",", p->name, k, key, ip, p->ctl_port, sl_peer_state_name(p->state),
			(double)p->rtt_last_us / 1000.0, (double)p->rtt_srtt_us / 1000.0, age,
			d->nh_ok[k] ? "true" : "false", (unsigned long long)p->handshakes,
			(unsigned long long)p->downs, sc->score, sc->offences,
			(unsigned long long)sc->cutoffs);
		json_drops(out, p->drops);
		fputs("}", out);
		first = false;
	}
	if (json) {
		fprintf(out, "],\"accepted\":%llu,\"drops\":", (unsigned long long)d->s.accepted);
		json_drops(out, d->s.drops);
		fputs("}\n", out);
	}
}

static FILE *ok(FILE *out)
{
	fputs("ok\n", out);
	return out;
}

static void fail(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(FILE *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("error: ", out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	va_end(ap);
}

/* {"hello":N,...}: a counter per control-message type. */
static void json_types(FILE *out, const uint64_t n[SL_CTL__TYPE_END])
{
	for (unsigned t = 1; t < SL_CTL__TYPE_END; t++)
		fprintf(out, "%s\"%s\":%llu", t > 1 ? "," : "{", sl_ctl_type_name(t),
			(unsigned long long)n[t]);
	fputc('}', out);
}

/* ---- stats ------------------------------------------------------------------ */

/* sluice-dp's area of the peer table, as sl_peertab.h lays it out after dp_seq. */
struct dp_copy {
	uint64_t pid, applied_seq, updated_ms;
	struct sl_peertab_dp_peer dp[SL_PEERTAB_SLOTS];
};
_Static_assert(offsetof(struct sl_peertab, dp_applied_seq) - offsetof(struct sl_peertab, dp_pid) ==
		       offsetof(struct dp_copy, applied_seq) &&
	       offsetof(struct sl_peertab, dp_updated_ms) - offsetof(struct sl_peertab, dp_pid) ==
		       offsetof(struct dp_copy, updated_ms) &&
	       offsetof(struct sl_peertab, dp) - offsetof(struct sl_peertab, dp_pid) ==
		       offsetof(struct dp_copy, dp),
	       "struct dp_copy follows struct sl_peertab");

#define DP_COUNTERS 6
static const char *const dp_names[DP_COUNTERS] = {
	"frames_in", "first_deliveries", "duplicates", "invalid", "malformed", "frames_out",
};
_Static_assert(sizeof(struct sl_peertab_dp_peer) == DP_COUNTERS * sizeof(uint64_t),
	       "dp_names names every counter of struct sl_peertab_dp_peer");

/* The copy, consistent; all zero when sluice-dp never wrote (returns false). */
static bool read_dp(const struct daemon *d, struct dp_copy *c)
{
	const size_t n = offsetof(struct sl_peertab, dp) + sizeof(d->pt->dp) -
			 offsetof(struct sl_peertab, dp_pid);
	if (sl_peertab_read(&d->pt->dp_seq, c, &d->pt->dp_pid, n, 100) != 0)
		return true;
	memset(c, 0, sizeof(*c));
	return false;
}

void reply_stats(const struct daemon *d, FILE *out, bool json, sl_now_t now)
{
	static struct dp_copy dp;
	const uint64_t t = now.mono_us / 1000;
	const bool written = read_dp(d, &dp);
	const bool alive = written && dp.pid != 0 && (kill((pid_t)dp.pid, 0) == 0 || errno == EPERM);
	uint64_t rx[SL_CTL__TYPE_END] = {0}, tx[SL_CTL__TYPE_END] = {0};
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++)
		for (unsigned m = 0; d->s.peers[k].in_use && m < SL_CTL__TYPE_END; m++) {
			rx[m] += d->s.peers[k].rx[m];
			tx[m] += d->s.peers[k].tx[m];
		}
	if (json) {
		fprintf(out, "{\"relay\":\"%s\",\"control\":{\"accepted\":%llu,\"drops\":", d->cfg.name,
			(unsigned long long)d->s.accepted);
		json_drops(out, d->s.drops);
		fputs(",\"rx\":", out);
		json_types(out, rx);
		fputs(",\"tx\":", out);
		json_types(out, tx);
		fprintf(out, "},\"dataplane\":{\"written\":%s,\"pid\":%llu,\"alive\":%s,"
			"\"applied_seq\":%llu,\"age_ms\":%lld},\"peers\":[",
			written ? "true" : "false", (unsigned long long)dp.pid, alive ? "true" : "false",
			(unsigned long long)dp.applied_seq,
			written ? (long long)(t - dp.updated_ms) : -1LL);
	} else {
		fprintf(out, "relay %s: control messages accepted %llu, dropped", d->cfg.name,
			(unsigned long long)d->s.accepted);
		for (unsigned r = 1; r < SL_CTL_DROP__COUNT; r++)
			fprintf(out, " %s %llu", sl_ctl_drop_name(r), (unsigned long long)d->s.drops[r]);
		if (written)
			fprintf(out, "\ndataplane counters: from sluice-dp pid %llu (%s), %llu ms old\n",
				(unsigned long long)dp.pid, alive ? "running" : "gone",
				(unsigned long long)(t - dp.updated_ms));
		else
			fputs("\ndataplane counters: none (sluice-dp has not written the peer table): 0\n",
			      out);
		fprintf(out, "%-15s %-12s %9s %9s %8s %8s %8s", "peer", "state", "srtt_ms", "token_age",
			"ctl_rx", "ctl_tx", "ctl_drop");
		for (unsigned i = 0; i < DP_COUNTERS; i++)
			fprintf(out, " %16s", dp_names[i]);
		fputc('\n', out);
	}
	bool first = true;
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++) {
		const sl_session_peer_t *p = &d->s.peers[k];
		if (!p->in_use)
			continue;
		uint64_t v[DP_COUNTERS], nrx = 0, ntx = 0, ndrop = 0;
		memcpy(v, &dp.dp[k], sizeof(v));
		for (unsigned m = 0; m < SL_CTL__TYPE_END; m++) {
			nrx += p->rx[m];
			ntx += p->tx[m];
		}
		for (unsigned r = 1; r < SL_CTL_DROP__COUNT; r++)
			ndrop += p->drops[r];
		const double age = p->token_in ? (double)(t - p->token_issued_ms) / 1000.0 : -1;
		if (json) {
			fprintf(out, "%s{\"name\":\"%s\",\"slot\":%u,\"state\":\"%s\",\"rtt_ms\":%.3f,"
				"\"srtt_ms\":%.3f,\"token_age_s\":%.1f,\"handshakes\":%llu,\"downs\":%llu,"
				"\"rx\":",
				first ? "" : ",", p->name, k, sl_peer_state_name(p->state),
				(double)p->rtt_last_us / 1000.0, (double)p->rtt_srtt_us / 1000.0, age,
				(unsigned long long)p->handshakes, (unsigned long long)p->downs);
			json_types(out, p->rx);
			fputs(",\"tx\":", out);
			json_types(out, p->tx);
			fputs(",\"drops\":", out);
			json_drops(out, p->drops);
			for (unsigned i = 0; i < DP_COUNTERS; i++)
				fprintf(out, "%s\"%s\":%llu", i ? "," : ",\"dp\":{", dp_names[i],
					(unsigned long long)v[i]);
			fputs("}}", out);
		} else {
			fprintf(out, "%-15s %-12s %9.3f %9.0f %8llu %8llu %8llu", p->name,
				sl_peer_state_name(p->state), (double)p->rtt_srtt_us / 1000.0, age,
				(unsigned long long)nrx, (unsigned long long)ntx,
				(unsigned long long)ndrop);
			for (unsigned i = 0; i < DP_COUNTERS; i++)
				fprintf(out, " %16llu", (unsigned long long)v[i]);
			fputc('\n', out);
		}
		first = false;
	}
	if (json)
		fputs("]}\n", out);
}

/* ---- peers added at run time, and the state file ---------------------------- */

/* The config's peer with this name, or a managed one with this key; NULL if none. */
static const sl_cfg_peer_t *config_clash(const sl_config_t *cfg, const char *name,
					 const uint8_t pk[SL_PUBKEY_SZ])
{
	for (unsigned i = 0; i < cfg->npeers; i++) {
		const sl_cfg_peer_t *cp = &cfg->peers[i];
		if (strcmp(cp->name, name) == 0 ||
		    (cp->managed && memcmp(cp->pubkey, pk, SL_PUBKEY_SZ) == 0))
			return cp;
	}
	return NULL;
}

/* The session with this key; -1 if none. */
static int session_of_key(const struct daemon *d, const uint8_t pk[SL_PUBKEY_SZ])
{
	for (unsigned k = 0; k < SL_SESSION_PEERS_MAX; k++)
		if (d->s.peers[k].in_use && memcmp(d->s.peers[k].pk, pk, SL_PUBKEY_SZ) == 0)
			return (int)k;
	return -1;
}

static void log_state_problem(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	logf_("state file %s:%u: %s (skipped)", file, line, msg);
}

void runtime_peers_add(struct daemon *d, const struct sl_peertab_entry *old, sl_now_t now)
{
	for (unsigned i = 0; i < d->added.n; i++) {
		const sl_state_peer_t *sp = &d->added.peers[i];
		const int k = sl_sessions_find_name(&d->s, sp->name);
		if (k >= 0 && memcmp(d->s.peers[k].pk, sp->pubkey, SL_PUBKEY_SZ) == 0 &&
		    config_clash(&d->cfg, sp->name, sp->pubkey) == NULL)
			continue; /* there already (a reload) */
		const sl_cfg_peer_t *cp = config_clash(&d->cfg, sp->name, sp->pubkey);
		if (cp != NULL) {
			logf_("state file %s: peer %s skipped: the config has %s as peer %s",
			      d->cfg.control.state_file, sp->name,
			      strcmp(cp->name, sp->name) == 0 ? "its name" : "its key", cp->name);
			continue;
		}
		if (k >= 0 || session_of_key(d, sp->pubkey) >= 0) {
			logf_("state file %s: peer %s skipped: its name or key is taken",
			      d->cfg.control.state_file, sp->name);
			continue;
		}
		if (sp->ip.family == 6 && !d->cfg.has_ip6) {
			logf_("state file %s: peer %s skipped: its address is IPv6 and [relay] has no "
			      "ip6", d->cfg.control.state_file, sp->name);
			continue;
		}
		if (daemon_add_peer(d, old, sp->name, sp->pubkey, &sp->ip, sp->ctl_port,
				    d->cfg.gossip_port, now) < 0)
			logf_("state file %s: peer %s: no room in the peer table",
			      d->cfg.control.state_file, sp->name);
	}
}

void runtime_peers_load(struct daemon *d, const struct sl_peertab_entry *old, sl_now_t now)
{
	sl_statefile_load(d->cfg.control.state_file, &d->added, log_state_problem, NULL);
	runtime_peers_add(d, old, now);
}

bool runtime_peer_keep(const struct daemon *d, const sl_config_t *next, unsigned slot)
{
	const sl_session_peer_t *p = &d->s.peers[slot];
	const int i = sl_statefile_find(&d->added, p->name, NULL);
	if (i < 0 || config_clash(next, p->name, p->pk) != NULL)
		return false;
	const sl_state_peer_t *sp = &d->added.peers[i];
	return memcmp(sp->pubkey, p->pk, SL_PUBKEY_SZ) == 0 && sl_addr_eq(&sp->ip, &p->ip) &&
	       sp->ctl_port == p->ctl_port && d->gossip_port[slot] == next->gossip_port;
}

/* The state file becomes *next (and d->added with it), or nothing changes
 * and the answer is an error. */
static int save_added(struct daemon *d, FILE *out, const sl_statefile_t *next)
{
	char err[512];
	const char *path = d->cfg.control.state_file;
	if (sl_file_make_parent(path, 0755) != 0) {
		fail(out, "state file %s: cannot create its folder: %s", path, strerror(errno));
		return -1;
	}
	if (sl_statefile_save(path, next, err, sizeof(err)) != 0) {
		fail(out, "state file: %s", err);
		return -1;
	}
	d->added = *next;
	return 0;
}

/* Splits s in place on spaces into at most `max` words; returns the count,
 * or max + 1 when there are more. */
static unsigned words(char *s, char **w, unsigned max)
{
	unsigned n = 0;
	char *save = NULL;
	for (char *t = strtok_r(s, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		w[n++] = t;
	}
	return n;
}

/* "NAME" or "NAME SECONDS": the slot of the named peer, or -1 with the
 * error answered. */
static int named_peer(const struct daemon *d, FILE *out, char *args, const char *what,
		      uint64_t *seconds)
{
	char *w[2] = {NULL, NULL}; /* gcc -O2 cannot see words() fill want of them */
	const unsigned want = seconds != NULL ? 2 : 1;
	if (words(args, w, 2) != want) {
		fail(out, "peer %s takes %s", what, seconds != NULL ? "NAME SECONDS" : "NAME");
		return -1;
	}
	if (!sl_config_valid_name(w[0])) {
		fail(out, "peer %s: '%.40s' is not a peer name", what, w[0]);
		return -1;
	}
	if (seconds != NULL) {
		char *end;
		errno = 0;
		*seconds = w[1][0] >= '1' && w[1][0] <= '9' ? strtoull(w[1], &end, 10) : 0;
		if (*seconds == 0 || errno != 0 || *end != '\0' || *seconds > SL_OPERATOR_BAN_MAX_S) {
			fail(out, "peer %s: seconds '%.20s' is not 1 to %u", what, w[1],
			     SL_OPERATOR_BAN_MAX_S);
			return -1;
		}
	}
	const int k = sl_sessions_find_name(&d->s, w[0]);
	if (k < 0)
		fail(out, "peer %s: no peer named '%s'", what, w[0]);
	return k;
}

static void peer_add(struct daemon *d, FILE *out, const char *args, sl_now_t now)
{
	sl_state_peer_t sp;
	char why[200], key[SL_PUBKEY_B58_MAX], ip[SL_ADDR_STR_SZ];
	if (sl_state_peer_parse(args, &sp, why, sizeof(why)) != 0) {
		fail(out, "peer add: %s", why);
		return;
	}
	const sl_cfg_peer_t *cp = config_clash(&d->cfg, sp.name, sp.pubkey);
	int k = sl_sessions_find_name(&d->s, sp.name), kk = session_of_key(d, sp.pubkey);
	const sl_addr_t mine = sl_addr_make(sp.ip.family, sp.ip.family == 6 ? d->cfg.ip6 : d->cfg.ip);
	if (memcmp(sp.pubkey, d->id.pk, SL_PUBKEY_SZ) == 0 ||
	    (sl_addr_eq(&sp.ip, &mine) && sp.ctl_port == d->cfg.control_port)) {
		fail(out, "peer add: %s is this relay itself", sp.name);
	} else if (sp.ip.family == 6 && !d->cfg.has_ip6) {
		fail(out, "peer add: %s has an IPv6 address: [relay] needs 'ip6' (the address "
		     "that sessions and frames to it come from)", sp.name);
	} else if (cp != NULL && !(strcmp(cp->name, sp.name) == 0 &&
				   memcmp(cp->pubkey, sp.pubkey, SL_PUBKEY_SZ) == 0)) {
		fail(out, "peer add: duplicate %s: the config has peer %s",
		     strcmp(cp->name, sp.name) == 0 ? "name" : "key", cp->name);
	} else if (k >= 0 || kk >= 0) {
		fail(out, "peer add: duplicate %s: peer %s has it", k >= 0 ? "name" : "key",
		     d->s.peers[k >= 0 ? k : kk].name);
	} else if (cp != NULL) {
		/* The config's own peer, removed at run time, back: a config peer
		 * again (the config has it at the next start; no state file). */
		if ((k = daemon_add_peer(d, NULL, sp.name, sp.pubkey, &sp.ip, sp.ctl_port, cp->port,
					 now)) < 0) {
			fail(out, "peer add: the peer table is full (%d peers)", SL_SESSION_PEERS_MAX);
			return;
		}
		d->next_resolve_ms = 0;
		logf_("operator: peer %s back (the config's peer, slot %d)", sp.name, k);
		fprintf(ok(out), "peer %s added in slot %d\n", sp.name, k);
	} else if (sl_statefile_find(&d->added, sp.name, sp.pubkey) < 0 &&
		   d->added.n == SL_STATEFILE_PEERS_MAX) {
		fail(out, "peer add: the state file is full (%d peers)", SL_STATEFILE_PEERS_MAX);
	} else if ((k = daemon_add_peer(d, NULL, sp.name, sp.pubkey, &sp.ip, sp.ctl_port,
					d->cfg.gossip_port, now)) < 0) {
		fail(out, "peer add: the peer table is full (%d peers)", SL_SESSION_PEERS_MAX);
	} else {
		/* A state-file entry of this name or key that was skipped at start
		 * (its name or key was taken then) gives way to this one. */
		sl_statefile_t next = d->added;
		int old = sl_statefile_find(&next, sp.name, sp.pubkey);
		next.peers[old >= 0 ? (unsigned)old : next.n++] = sp;
		if (save_added(d, out, &next) != 0) {
			sl_sessions_remove(&d->s, (unsigned)k);
			return;
		}
		d->next_resolve_ms = 0;
		sl_pubkey_to_b58(sp.pubkey, key);
		sl_addr_str(&sp.ip, ip);
		logf_("operator: peer %s added (key %s, %s, control port %u, slot %d)", sp.name, key,
		      ip, sp.ctl_port, k);
		fprintf(ok(out), "peer %s added in slot %d\n", sp.name, k);
	}
}

static void peer_remove(struct daemon *d, FILE *out, char *args)
{
	const int k = named_peer(d, out, args, "remove", NULL);
	if (k < 0)
		return;
	const sl_session_peer_t *p = &d->s.peers[k];
	sl_statefile_t next = d->added;
	const int i = sl_statefile_find(&next, p->name, NULL);
	const bool runtime = i >= 0 && memcmp(next.peers[i].pubkey, p->pk, SL_PUBKEY_SZ) == 0;
	if (runtime) {
		next.peers[i] = next.peers[--next.n];
		if (save_added(d, out, &next) != 0)
			return;
	}
	logf_("operator: peer %s removed%s", p->name,
	      runtime ? "" : " (a config peer: until a restart or reload)");
	fprintf(ok(out), "peer %s removed%s\n", p->name,
		runtime ? "" : " (a config peer: until sluiced restarts or reloads)");
	sl_sessions_remove(&d->s, (unsigned)k);
}

static void peer_ban(struct daemon *d, FILE *out, char *args, sl_now_t now)
{
	uint64_t s;
	const int k = named_peer(d, out, args, "ban", &s);
	if (k < 0)
		return;
	sl_sessions_cut_off(&d->s, (unsigned)k, s * 1000, now);
	logf_("operator: peer %s cut off for %llu s", d->s.peers[k].name, (unsigned long long)s);
	fprintf(ok(out), "peer %s cut off for %llu s\n", d->s.peers[k].name, (unsigned long long)s);
}

static void peer_unban(struct daemon *d, FILE *out, char *args, sl_now_t now)
{
	const int k = named_peer(d, out, args, "unban", NULL);
	if (k < 0)
		return;
	if (d->s.peers[k].state != SL_PS_CUT_OFF) {
		fail(out, "peer unban: peer %s is not cut off (%s)", d->s.peers[k].name,
		     sl_peer_state_name(d->s.peers[k].state));
		return;
	}
	sl_sessions_cut_off(&d->s, (unsigned)k, 0, now); /* over now: the next tick handshakes */
	logf_("operator: peer %s's cut-off lifted", d->s.peers[k].name);
	fprintf(ok(out), "peer %s's cut-off lifted\n", d->s.peers[k].name);
}

/* One request line per connection, one answer, then the socket closes
 * (control/README.md, "The operator's protocol"). The first answer line is
 * "ok" or "error: ..."; an error changes nothing. */
void serve_operator(struct daemon *d, sl_now_t now)
{
	int c = accept4(d->ctl, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	/* A client that sends nothing costs at most this, never the loop. */
	const struct timeval tmo = {.tv_sec = 0, .tv_usec = 200000};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	char req[256];
	ssize_t n = recv(c, req, sizeof(req) - 1, 0);
	FILE *out = fdopen(c, "w");
	if (out == NULL) {
		close(c);
		return;
	}
	req[n > 0 ? n : 0] = '\0';
	const size_t len = strcspn(req, "\r\n");
	const bool whole = req[len] != '\0' || (size_t)(n > 0 ? n : 0) < sizeof(req) - 1;
	const bool nul = n > 0 && memchr(req, '\0', (size_t)n) != NULL;
	req[len] = '\0';
	if (!whole)
		fail(out, "request longer than %zu bytes", sizeof(req) - 2);
	else if (nul)
		fail(out, "a NUL byte in the request");
	else if (strcmp(req, "peers") == 0 || strcmp(req, "peers json") == 0)
		reply_peers(d, ok(out), strcmp(req, "peers json") == 0, now);
	else if (strcmp(req, "stats") == 0 || strcmp(req, "stats json") == 0)
		reply_stats(d, ok(out), strcmp(req, "stats json") == 0, now);
	else if (strncmp(req, "peer add ", 9) == 0)
		peer_add(d, out, req + 9, now);
	else if (strncmp(req, "peer remove ", 12) == 0)
		peer_remove(d, out, req + 12);
	else if (strncmp(req, "peer ban ", 9) == 0)
		peer_ban(d, out, req + 9, now);
	else if (strncmp(req, "peer unban ", 11) == 0)
		peer_unban(d, out, req + 11, now);
	else
		fail(out, "unknown request '%.64s'", req);
	fclose(out);
}
