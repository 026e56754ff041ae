#include "sl_config.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_base58.h"
#include "sluice/sl_compiler.h"
#include "sluice/sl_prefilter.h"
#include "sluice/sl_wire.h"

/* [relay] to [autoblock] may each appear once; [peer NAME] once per peer. */
enum sec {
	SEC_NONE, SEC_BAD, SEC_RELAY, SEC_PORT, SEC_CONTROL, SEC_SCORE, SEC_METRICS, SEC_PREFILTER,
	SEC_AUTOBLOCK, SEC_PEER,
	SEC__COUNT
};

/* struct key's `open`: decimal bounds that are not themselves allowed. */
#define OPEN_LO 1u
#define OPEN_HI 2u

struct pctx;
struct key;
typedef int (*set_fn)(struct pctx *c, const struct key *k, void *field, const char *val);

/* One configuration key: where it lives and how its value is read. */
struct key {
	const char *name;
	enum sec sec;
	set_fn set;
	size_t off;    /* in sl_config_t, or in sl_cfg_peer_t for SEC_PEER */
	size_t size;   /* field size, for integers and strings */
	uint64_t lo, hi;  /* integers (set_uint): inclusive bounds */
	double dlo, dhi;  /* decimals (set_double): bounds, inclusive */
	unsigned open;    /* unless `open` says */
	bool may_be_empty; /* an empty value is a setting (a path's "none"), not a mistake */
};

/* Parser state; inih calls back into it one key at a time. */
struct pctx {
	sl_config_t *cfg;
	const char *file;
	sl_config_report_fn report;
	void *rctx;
	unsigned errors;

	const char *text; /* the reader's cursor over the input */
	size_t len, pos;
	unsigned lineno;

	enum sec sec;
	unsigned sec_line;
	sl_cfg_peer_t *peer;       /* current [peer NAME] */
	unsigned sec_first[SEC__COUNT]; /* [relay] to [autoblock]: line of its header, 0: absent */
	unsigned key_line[64];     /* key of [relay] to [autoblock] -> line it was set on */
	uint64_t peer_seen[SL_CFG_PEERS_MAX]; /* per peer: keys set, by index */
};

static void vreport(sl_config_report_fn report, void *ctx, const char *file, unsigned line,
		    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void vreport(sl_config_report_fn report, void *ctx, const char *file, unsigned line,
		    const char *fmt, va_list ap)
{
	char msg[320];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (report)
		report(ctx, file, line, msg);
}

void sl_config_reportf(sl_config_report_fn report, void *ctx, const char *file, unsigned line,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(report, ctx, file, line, fmt, ap);
	va_end(ap);
}

static void problem(struct pctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct pctx *c, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(c->report, c->rctx, c->file, line, fmt, ap);
	va_end(ap);
	c->errors++;
}

/* ---- value readers ------------------------------------------------------ */

/* Decimal, or hexadecimal after 0x; no sign, no spaces, no overflow. */
static int read_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Decimal: [+-]digits[.digits][e[+-]digits] (digits on at least one side
 * of the point); no spaces, hexadecimal, nan or inf. An overflow reads as
 * inf, which no range admits. strtod converts what this grammar admits; a
 * locale with another decimal point fails the end check, never misreads. */
static int read_double(const char *s, double *out)
{
	const char *p = s;
	size_t digits = 0;
	if (*p == '-' || *p == '+')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		digits++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (digits == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return -1;
	char *end;
	*out = strtod(s, &end);
	return end == p ? 0 : -1;
}

/* One message for every range, integer or decimal: '(' or ')' marks an
 * end that is not allowed itself. */
static int out_of_range(struct pctx *c, const struct key *k, const char *val, const char *lo,
			const char *hi)
{
	problem(c, c->lineno, "%s: %s is out of range %c%s, %s%c", k->name, val,
		k->open & OPEN_LO ? '(' : '[', lo, hi, k->open & OPEN_HI ? ')' : ']');
	return -1;
}

static int set_double(struct pctx *c, const struct key *k, void *field, const char *val)
{
	double v;
	if (read_double(val, &v) != 0) {
		problem(c, c->lineno, "%s: '%s' is not a decimal number", k->name, val);
		return -1;
	}
	/* written so that a NaN would fail both */
	if (!(k->open & OPEN_LO ? v > k->dlo : v >= k->dlo) ||
	    !(k->open & OPEN_HI ? v < k->dhi : v <= k->dhi)) {
		char lo[32], hi[32];
		snprintf(lo, sizeof(lo), "%g", k->dlo);
		snprintf(hi, sizeof(hi), "%g", k->dhi);
		return out_of_range(c, k, val, lo, hi);
	}
	*(double *)field = v;
	return 0;
}

static int set_uint(struct pctx *c, const struct key *k, void *field, const char *val)
{
	uint64_t v;
	if (read_u64(val, &v) != 0) {
		problem(c, c->lineno, "%s: '%s' is not an unsigned integer", k->name, val);
		return -1;
	}
	if (v < k->lo || v > k->hi) {
		char lo[24], hi[24];
		snprintf(lo, sizeof(lo), "%llu", (unsigned long long)k->lo);
		snprintf(hi, sizeof(hi), "%llu", (unsigned long long)k->hi);
		return out_of_range(c, k, val, lo, hi);
	}
	switch (k->size) {
	case 1: *(uint8_t *)field = (uint8_t)v; break;
	case 2: *(uint16_t *)field = (uint16_t)v; break;
	case 4: *(uint32_t *)field = (uint32_t)v; break;
	default: *(uint64_t *)field = v; break;
	}
	return 0;
}

/* set_uint into a 32-bit field, and a power of two. */
static int set_pow2(struct pctx *c, const struct key *k, void *field, const char *val)
{
	struct key k64 = *k;
	uint64_t v;
	k64.size = sizeof(v);
	if (set_uint(c, &k64, &v, val) != 0)
		return -1;
	if ((v & (v - 1)) != 0) {
		problem(c, c->lineno, "%s: %s is not a power of two", k->name, val);
		return -1;
	}
	*(uint32_t *)field = (uint32_t)v;
	return 0;
}

/* 0.0.0.0 is no host's: neither this relay's nor a peer's (frames to it
 * would go nowhere), as :: is not (set_ip6). */
static int set_ip(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (inet_pton(AF_INET, val, field) != 1) {
		problem(c, c->lineno, "%s: '%s' is not an IPv4 address (a.b.c.d)", k->name, val);
		return -1;
	}
	if (*(const uint32_t *)field == 0) {
		problem(c, c->lineno, "%s: '%s' is the unspecified address, no host's", k->name, val);
		return -1;
	}
	return 0;
}

static int set_ip6(struct pctx *c, const struct key *k, void *field, const char *val)
{
	static const uint8_t unspecified[16];
	if (inet_pton(AF_INET6, val, field) != 1 || memcmp(field, unspecified, 16) == 0) {
		problem(c, c->lineno, "%s: '%s' is not an IPv6 address (e.g. 2001:db8::1)", k->name,
			val);
		return -1;
	}
	c->cfg->has_ip6 = true;
	return 0;
}

/* A peer's address, either family: IPv6 when it has a colon. */
static int set_peer_ip(struct pctx *c, const struct key *k, void *field, const char *val)
{
	static const uint8_t unspecified[16];
	sl_cfg_peer_t *p = c->peer;
	if (!strchr(val, ':')) {
		p->family = 4;
		return set_ip(c, k, field, val);
	}
	p->family = 6;
	if (inet_pton(AF_INET6, val, p->ip6) != 1 || memcmp(p->ip6, unspecified, 16) == 0) {
		problem(c, c->lineno, "%s: '%s' is neither an IPv4 (a.b.c.d) nor an IPv6 address "
			"(e.g. 2001:db8::1)", k->name, val);
		return -1;
	}
	return 0;
}

static int set_bool(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0) {
		*(bool *)field = val[0] == 't';
		return 0;
	}
	problem(c, c->lineno, "%s: '%s' is not true or false", k->name, val);
	return -1;
}

static int read_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++, s++) {
			char ch = *s;
			unsigned d;
			if (ch >= '0' && ch <= '9')
				d = (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				d = (unsigned)(ch - 'a' + 10);
			else if (ch >= 'A' && ch <= 'F')
				d = (unsigned)(ch - 'A' + 10);
			else
				return -1;
			v = v << 4 | d;
		}
		mac[i] = (uint8_t)v;
		if (*s != (i == 5 ? '\0' : ':'))
			return -1;
		if (i < 5)
			s++;
	}
	return 0;
}

static int set_mac(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (read_mac(val, field) != 0) {
		problem(c, c->lineno, "%s: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
			k->name, val);
		return -1;
	}
	return 0;
}

static int set_relay_mac(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (set_mac(c, k, field, val) != 0)
		return -1;
	c->cfg->has_mac = true;
	return 0;
}

static int set_peer_mac(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (strcmp(val, "resolve") == 0) {
		c->peer->mac_resolve = true;
		return 0;
	}
	if (read_mac(val, field) != 0) {
		problem(c, c->lineno, "%s: '%s' is neither a MAC address (xx:xx:xx:xx:xx:xx) nor 'resolve'",
			k->name, val);
		return -1;
	}
	return 0;
}

/* A peer's identity key. `managed` is set even when the value is bad, so
 * that the tokens and mac it makes optional are not reported as missing
 * too: one problem, one report. */
static int set_pubkey(struct pctx *c, const struct key *k, void *field, const char *val)
{
	uint8_t buf[256]; /* sl_base58's most; a line holds fewer characters */
	c->peer->managed = true;
	ssize_t n = sl_base58_decode(val, buf, sizeof(buf));
	if (n < 0) {
		problem(c, c->lineno, "%s: '%s' is not base58", k->name, val);
		return -1;
	}
	if (n != SL_CFG_PUBKEY_LEN) {
		problem(c, c->lineno, "%s: '%s' decodes to %zd bytes, not %d (an Ed25519 public key)",
			k->name, val, n, SL_CFG_PUBKEY_LEN);
		return -1;
	}
	memcpy(field, buf, SL_CFG_PUBKEY_LEN);
	return 0;
}

static int set_str(struct pctx *c, const struct key *k, void *field, const char *val)
{
	size_t n = strlen(val);
	if ((n == 0 && !k->may_be_empty) || n >= k->size) {
		problem(c, c->lineno, "%s: must be 1 to %zu characters", k->name, k->size - 1);
		return -1;
	}
	memcpy(field, val, n + 1);
	return 0;
}

/* Values that become DPDK device arguments ("key=value,key=value"): a ','
 * or '=' in them would smuggle in arguments of their own. */
static int set_devarg(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (strpbrk(val, ",=")) {
		problem(c, c->lineno, "%s: ',' and '=' are not allowed (device arguments)", k->name);
		return -1;
	}
	return set_str(c, k, field, val);
}

/* Names end up in file prefixes, telemetry keys and JSON: keep them plain. */
bool sl_config_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= SL_CFG_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int set_name(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (!sl_config_valid_name(val)) {
		problem(c, c->lineno, "%s: '%s' must be 1 to %d of [A-Za-z0-9_-]", k->name, val,
			SL_CFG_NAME_MAX - 1);
		return -1;
	}
	memcpy(field, val, strlen(val) + 1);
	return 0;
}

static int set_port_type(struct pctx *c, const struct key *k, void *field, const char *val)
{
	for (int t = SL_PORT_AF_XDP; t <= SL_PORT_RING; t++)
		if (strcmp(val, sl_port_type_name((sl_port_type_t)t)) == 0) {
			*(sl_port_type_t *)field = (sl_port_type_t)t;
			return 0;
		}
	problem(c, c->lineno, "%s: '%s' is not one of af_xdp, pcap, null, ring", k->name, val);
	return -1;
}

static int set_peer_kind(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (strcmp(val, "relay") == 0)
		*(sl_peer_kind_t *)field = SL_PEER_RELAY;
	else if (strcmp(val, "validator") == 0)
		*(sl_peer_kind_t *)field = SL_PEER_VALIDATOR;
	else {
		problem(c, c->lineno, "%s: '%s' is not one of relay, validator", k->name, val);
		return -1;
	}
	return 0;
}

static int set_backend(struct pctx *c, const struct key *k, void *field, const char *val)
{
	char names[128] = "";
	for (int b = 0; b < SL_VERIFY__COUNT; b++) {
		const char *name = sl_verify_backend_name((sl_verify_backend_t)b);
		if (strcmp(val, name) == 0) {
			*(sl_verify_backend_t *)field = (sl_verify_backend_t)b;
			return 0;
		}
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 b ? ", " : "", name);
	}
	problem(c, c->lineno, "%s: '%s' is not a built-in backend (%s)", k->name, val, names);
	return -1;
}

/* [metrics] listen: "off", or ADDR:PORT: an IPv4 address, or an IPv6 one
 * in brackets ([::1]:9464), and a port 1 to 65535. Any address the socket
 * can take, 0.0.0.0 and :: (all of the host's) included. */
static int set_listen(struct pctx *c, const struct key *k, void *field, const char *val)
{
	sl_cfg_metrics_t *m = field;
	if (strcmp(val, "off") == 0) {
		m->enabled = false;
		return 0;
	}
	const char *colon = strrchr(val, ':');
	const bool v6 = val[0] == '[';
	char addr[INET6_ADDRSTRLEN];
	uint64_t port;
	/* the address's text: between the brackets, or before the colon */
	const char *a = v6 ? val + 1 : val;
	const size_t alen = colon ? (size_t)(colon - a) - (v6 ? 1 : 0) : 0;
	if (!colon || colon == val || (v6 && colon[-1] != ']') || alen == 0 ||
	    alen >= sizeof(addr) || colon[1] == '\0' || !strchr("123456789", colon[1]) ||
	    read_u64(colon + 1, &port) != 0 || port > 65535) {
		problem(c, c->lineno, "%s: '%s' is not ADDR:PORT (an IPv4 address or an IPv6 one in "
			"brackets, a port 1 to 65535) or off", k->name, val);
		return -1;
	}
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	sl_addr_t ip = {.family = v6 ? 6 : 4};
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, ip.b) != 1) {
		problem(c, c->lineno, "%s: '%s' is not an %s", k->name, addr,
			v6 ? "IPv6 address" : "IPv4 address (a.b.c.d; IPv6 in brackets: [::1]:9464)");
		return -1;
	}
	m->enabled = true;
	m->addr = ip;
	m->port = (uint16_t)port;
	return 0;
}

/* ---- the keys ----------------------------------------------------------- */

#define CFG(f) offsetof(sl_config_t, f), sizeof(((sl_config_t *)0)->f)
#define PEER(f) offsetof(sl_cfg_peer_t, f), sizeof(((sl_cfg_peer_t *)0)->f)
/* A key's bounds: none, an integer's, a decimal's; or none, and an empty
 * value allowed */
#define NONE 0, 0, 0, 0, 0, false
#define INT(lo, hi) lo, hi, 0, 0, 0, false
#define DEC(lo, hi, open) 0, 0, lo, hi, open, false
#define EMPTY_OK 0, 0, 0, 0, 0, true

static const struct key keys[] = {
	{"name", SEC_RELAY, set_name, CFG(name), NONE},
	{"ip", SEC_RELAY, set_ip, CFG(ip), NONE},
	{"ip6", SEC_RELAY, set_ip6, CFG(ip6), NONE},
	{"mac", SEC_RELAY, set_relay_mac, CFG(mac), NONE},
	{"ingest_port", SEC_RELAY, set_uint, CFG(ingest_port), INT(1, 65535)},
	{"gossip_port", SEC_RELAY, set_uint, CFG(gossip_port), INT(1, 65535)},
	{"ttl", SEC_RELAY, set_uint, CFG(ttl), INT(1, 255)},
	{"dedup_capacity", SEC_RELAY, set_uint, CFG(dedup_capacity),
	 INT(SL_CFG_DEDUP_CAPACITY_MIN, SL_CFG_DEDUP_CAPACITY_MAX)},
	{"batch_size", SEC_RELAY, set_uint, CFG(batch_size), INT(1, SL_CFG_BATCH_MAX)},
	{"batch_timeout_us", SEC_RELAY, set_uint, CFG(batch_timeout_us), INT(1, 1000000)},
	{"idle_sleep_us", SEC_RELAY, set_uint, CFG(idle_sleep_us), INT(0, 1000000)},
	{"workers", SEC_RELAY, set_uint, CFG(workers), INT(1, SL_CFG_WORKERS_MAX)},
	{"verify_backend", SEC_RELAY, set_backend, CFG(verify_backend), NONE},
	{"key", SEC_RELAY, set_str, CFG(key_file), NONE},
	{"control_port", SEC_RELAY, set_uint, CFG(control_port), INT(1, 65535)},

	{"type", SEC_PORT, set_port_type, CFG(port_type), NONE},
	{"iface", SEC_PORT, set_devarg, CFG(iface), NONE},
	{"queues", SEC_PORT, set_uint, CFG(queues), INT(1, SL_CFG_QUEUES_MAX)},
	{"xdp_prog", SEC_PORT, set_devarg, CFG(xdp_prog), NONE},
	{"rx_pcap", SEC_PORT, set_devarg, CFG(rx_pcap), NONE},
	{"tx_pcap", SEC_PORT, set_devarg, CFG(tx_pcap), NONE},

	{"socket", SEC_CONTROL, set_str, CFG(control.socket), NONE},
	{"state_file", SEC_CONTROL, set_str, CFG(control.state_file), NONE},
	{"ping_interval_ms", SEC_CONTROL, set_uint, CFG(control.ping_interval_ms), INT(10, 60000)},
	{"ping_misses", SEC_CONTROL, set_uint, CFG(control.ping_misses), INT(1, 100)},
	{"retry_min_ms", SEC_CONTROL, set_uint, CFG(control.retry_min_ms), INT(10, 3600000)},
	{"retry_max_ms", SEC_CONTROL, set_uint, CFG(control.retry_max_ms), INT(10, 3600000)},
	{"clock_window_s", SEC_CONTROL, set_uint, CFG(control.clock_window_s), INT(1, 3600)},
	{"token_rotate_s", SEC_CONTROL, set_uint, CFG(control.token_rotate_s), INT(1, 86400)},
	{"token_overlap_s", SEC_CONTROL, set_uint, CFG(control.token_overlap_s), INT(1, 86400)},

	{"first_delivery_weight", SEC_SCORE, set_double, CFG(score.first_delivery_weight),
	 DEC(0, SL_CFG_SCORE_MAX, 0)},
	{"invalid_weight", SEC_SCORE, set_double, CFG(score.invalid_weight),
	 DEC(0, SL_CFG_SCORE_MAX, 0)},
	{"malformed_weight", SEC_SCORE, set_double, CFG(score.malformed_weight),
	 DEC(0, SL_CFG_SCORE_MAX, 0)},
	{"duplicate_weight", SEC_SCORE, set_double, CFG(score.duplicate_weight),
	 DEC(0, SL_CFG_SCORE_MAX, 0)},
	{"duplicate_allowance", SEC_SCORE, set_double, CFG(score.duplicate_allowance),
	 DEC(0, SL_CFG_SCORE_MAX, 0)},
	{"half_life_s", SEC_SCORE, set_uint, CFG(score.half_life_s), INT(1, 86400)},
	{"score_cap", SEC_SCORE, set_double, CFG(score.score_cap),
	 DEC(0, SL_CFG_SCORE_MAX, OPEN_LO)},
	{"cutoff_threshold", SEC_SCORE, set_double, CFG(score.cutoff_threshold),
	 DEC(-SL_CFG_SCORE_MAX, 0, OPEN_HI)},
	{"cutoff_s", SEC_SCORE, set_uint, CFG(score.cutoff_s), INT(1, 604800)},
	{"cutoff_max_s", SEC_SCORE, set_uint, CFG(score.cutoff_max_s), INT(1, 604800)},

	{"listen", SEC_METRICS, set_listen, CFG(metrics), NONE},

	{"rate", SEC_PREFILTER, set_uint, CFG(prefilter.rate), INT(0, 1000000000)},
	{"burst", SEC_PREFILTER, set_uint, CFG(prefilter.burst), INT(0, 1000000000)},
	{"ip6_prefix", SEC_PREFILTER, set_uint, CFG(prefilter.ip6_prefix), INT(1, 128)},
	{"sources", SEC_PREFILTER, set_pow2, CFG(prefilter.sources),
	 INT(SL_PF_SRC_WAYS << SL_PF_SRC_SETS_BITS_MIN, SL_PF_SRC_WAYS << SL_PF_SRC_SETS_BITS_MAX)},
	{"state_file", SEC_PREFILTER, set_str, CFG(prefilter.state_file), EMPTY_OK},

	{"enabled", SEC_AUTOBLOCK, set_bool, CFG(autoblock.enabled), NONE},
	{"malformed", SEC_AUTOBLOCK, set_uint, CFG(autoblock.malformed), INT(0, 1000000000)},
	{"invalid_sig", SEC_AUTOBLOCK, set_uint, CFG(autoblock.invalid_sig), INT(0, 1000000000)},
	{"window_ms", SEC_AUTOBLOCK, set_uint, CFG(autoblock.window_ms), INT(100, 3600000)},
	{"block_s", SEC_AUTOBLOCK, set_uint, CFG(autoblock.block_s), INT(1, 31536000)},
	{"block_max_s", SEC_AUTOBLOCK, set_uint, CFG(autoblock.block_max_s), INT(1, 31536000)},

	{"kind", SEC_PEER, set_peer_kind, PEER(kind), NONE},
	{"ip", SEC_PEER, set_peer_ip, PEER(ip), NONE},
	{"port", SEC_PEER, set_uint, PEER(port), INT(1, 65535)},
	{"mac", SEC_PEER, set_peer_mac, PEER(mac), NONE},
	{"token_out", SEC_PEER, set_uint, PEER(token_out), INT(0, UINT64_MAX)},
	{"token_in", SEC_PEER, set_uint, PEER(token_in), INT(0, UINT64_MAX)},
	{"pubkey", SEC_PEER, set_pubkey, PEER(pubkey), NONE},
	{"control_port", SEC_PEER, set_uint, PEER(control_port), INT(1, 65535)},
};

_Static_assert(SL_ARRAY_LEN(keys) <= 64, "seen-key masks are 64 bits");

static int key_index(enum sec sec, const char *name)
{
	for (unsigned i = 0; i < SL_ARRAY_LEN(keys); i++)
		if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *const sec_label[SEC__COUNT] = {
	[SEC_RELAY] = "[relay]", [SEC_PORT] = "[port]", [SEC_CONTROL] = "[control]",
	[SEC_SCORE] = "[score]", [SEC_METRICS] = "[metrics]", [SEC_PREFILTER] = "[prefilter]",
	[SEC_AUTOBLOCK] = "[autoblock]", [SEC_PEER] = "[peer]",
};

static const char *sec_name(enum sec s)
{
	return sec_label[s];
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *c = user;
	(void)section; /* the reader tracks sections itself, with their lines */
	if (c->sec == SEC_BAD)
		return 1; /* the section header was already reported */
	if (c->sec == SEC_NONE) {
		problem(c, c->lineno, "'%s' is outside any section", name);
		return 1;
	}
	int ki = key_index(c->sec, name);
	if (ki < 0) {
		problem(c, c->lineno, "unknown key '%s' in %s", name, sec_name(c->sec));
		return 1;
	}
	uint64_t *seen = c->sec == SEC_PEER ? &c->peer_seen[c->peer - c->cfg->peers] : NULL;
	unsigned prev = 0;
	if (seen) {
		if (*seen & (1ull << ki))
			prev = 1;
	} else {
		prev = c->key_line[ki];
	}
	if (prev) {
		problem(c, c->lineno, "duplicate key '%s' in %s", name, sec_name(c->sec));
		return 1;
	}
	const struct key *k = &keys[ki];
	if (*value == '\0' && !k->may_be_empty) {
		problem(c, c->lineno, "%s: empty value", name);
		return 1;
	}
	char *base = c->sec == SEC_PEER ? (char *)c->peer : (char *)c->cfg;
	if (k->set(c, k, base + k->off, value) == 0) {
		if (seen)
			*seen |= 1ull << ki;
		else
			c->key_line[ki] = c->lineno;
	}
	return 1;
}

/* ---- sections and lines ------------------------------------------------- */

static void open_section(struct pctx *c, char *body)
{
	/* body: what is between '[' and ']', not yet trimmed */
	while (*body == ' ' || *body == '\t')
		body++;
	size_t n = strlen(body);
	while (n && (body[n - 1] == ' ' || body[n - 1] == '\t'))
		body[--n] = '\0';

	c->sec = SEC_BAD;
	c->sec_line = c->lineno;
	for (enum sec s = SEC_RELAY; s < SEC_PEER; s++) {
		size_t len = strlen(sec_label[s]) - 2; /* without the brackets */
		if (strncmp(body, sec_label[s] + 1, len) != 0 || body[len] != '\0')
			continue;
		unsigned *line = &c->sec_first[s];
		if (*line) {
			problem(c, c->lineno, "duplicate section [%s] (first on line %u)", body, *line);
			return;
		}
		*line = c->lineno;
		c->sec = s;
		return;
	}
	if (strncmp(body, "peer", 4) == 0 && (body[4] == ' ' || body[4] == '\t')) {
		const char *name = body + 5;
		while (*name == ' ' || *name == '\t')
			name++;
		if (!sl_config_valid_name(name)) {
			problem(c, c->lineno, "peer name '%s' must be 1 to %d of [A-Za-z0-9_-]", name,
				SL_CFG_NAME_MAX - 1);
			return;
		}
		for (unsigned i = 0; i < c->cfg->npeers; i++)
			if (strcmp(c->cfg->peers[i].name, name) == 0) {
				problem(c, c->lineno, "duplicate peer '%s' (first on line %u)", name,
					c->cfg->peers[i].line);
				return;
			}
		if (c->cfg->npeers == SL_CFG_PEERS_MAX) {
			problem(c, c->lineno, "too many peers (at most %d)", SL_CFG_PEERS_MAX);
			return;
		}
		sl_cfg_peer_t *p = &c->cfg->peers[c->cfg->npeers++];
		memcpy(p->name, name, strlen(name) + 1);
		p->control_port = SL_PORT_CONTROL;
		p->line = c->lineno;
		c->peer = p;
		c->sec = SEC_PEER;
		return;
	}
	problem(c, c->lineno,
		"unknown section [%s] (expected [relay], [port], [control], [score], [metrics], "
		"[prefilter], [autoblock] or [peer NAME])",
		body);
}

/* Reject what inih would report only as "an error on line N" (or silently
 * truncate), so that every bad line gets its own reason; hand inih the line
 * without leading blanks so that nothing is taken as a continuation line. */
static int check_line(struct pctx *c, char *s)
{
	if (*s == '\0' || *s == ';' || *s == '#')
		return 0;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end) {
			problem(c, c->lineno, "section header without ']'");
			return -1;
		}
		const char *rest = end + 1;
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (*rest != '\0' && *rest != ';' && *rest != '#') {
			problem(c, c->lineno, "text after section header");
			return -1;
		}
		*end = '\0';
		open_section(c, s + 1);
		*end = ']';
		return 0;
	}
	const char *eq = strpbrk(s, "=:");
	const char *semi = strchr(s, ';');
	if (!eq || (semi && semi < eq)) {
		problem(c, c->lineno, "expected 'key = value', '[section]' or a comment");
		return -1;
	}
	if (eq == s) {
		problem(c, c->lineno, "missing key before '%c'", *eq);
		return -1;
	}
	return 0;
}

static char *reader(char *str, int num, void *stream)
{
	struct pctx *c = stream;
	for (;;) {
		if (c->pos >= c->len)
			return NULL;
		const char *line = c->text + c->pos;
		size_t room = c->len - c->pos;
		const char *nl = memchr(line, '\n', room);
		size_t n = nl ? (size_t)(nl - line) : room;
		c->pos += n + (nl != NULL);
		c->lineno++;

		if (n && line[n - 1] == '\r')
			n--;
		while (n && (*line == ' ' || *line == '\t')) {
			line++;
			n--;
		}
		if (memchr(line, '\0', n)) {
			problem(c, c->lineno, "NUL byte in line");
			continue;
		}
		if (n >= (size_t)num - 1) {
			problem(c, c->lineno, "line longer than %d characters", num - 2);
			continue;
		}
		memcpy(str, line, n);
		str[n] = '\0';
		if (check_line(c, str) != 0)
			continue;
		return str;
	}
}

/* ---- whole-file rules --------------------------------------------------- */

static unsigned seen_line(const struct pctx *c, const char *name, enum sec sec)
{
	return c->key_line[key_index(sec, name)];
}

static int peer_has(const struct pctx *c, unsigned i, const char *name)
{
	return (c->peer_seen[i] >> key_index(SEC_PEER, name)) & 1;
}

/* Where a rule between two keys of a section is reported: the later of the
 * lines that set them (the one that made the contradiction), else the
 * section's header. */
static unsigned later_line(const struct pctx *c, enum sec sec, const char *a, const char *b)
{
	unsigned la = seen_line(c, a, sec), lb = seen_line(c, b, sec);
	unsigned line = la > lb ? la : lb;
	return line ? line : c->sec_first[sec];
}

/* Rules between the keys of [relay], [control], [score] and [autoblock]. */
static void validate_tunables(struct pctx *c)
{
	sl_config_t *cfg = c->cfg;
	static const char *const ports[] = {"ingest_port", "gossip_port"};
	for (unsigned i = 0; i < SL_ARRAY_LEN(ports); i++) {
		uint16_t port = i == 0 ? cfg->ingest_port : cfg->gossip_port;
		if (cfg->control_port == port)
			problem(c, later_line(c, SEC_RELAY, "control_port", ports[i]),
				"control_port and %s are both %u", ports[i], port);
	}
	const sl_cfg_control_t *cc = &cfg->control;
	if (cc->retry_min_ms > cc->retry_max_ms)
		problem(c, later_line(c, SEC_CONTROL, "retry_min_ms", "retry_max_ms"),
			"retry_min_ms (%u) is over retry_max_ms (%u)", cc->retry_min_ms,
			cc->retry_max_ms);
	if (cc->token_overlap_s >= cc->token_rotate_s)
		problem(c, later_line(c, SEC_CONTROL, "token_overlap_s", "token_rotate_s"),
			"token_overlap_s (%u) must be under token_rotate_s (%u)", cc->token_overlap_s,
			cc->token_rotate_s);
	const sl_cfg_score_t *sc = &cfg->score;
	if (sc->cutoff_s > sc->cutoff_max_s)
		problem(c, later_line(c, SEC_SCORE, "cutoff_s", "cutoff_max_s"),
			"cutoff_s (%u) is over cutoff_max_s (%u)", sc->cutoff_s, sc->cutoff_max_s);
	const sl_cfg_autoblock_t *ab = &cfg->autoblock;
	if (ab->block_s > ab->block_max_s)
		problem(c, later_line(c, SEC_AUTOBLOCK, "block_s", "block_max_s"),
			"block_s (%u) is over block_max_s (%u)", ab->block_s, ab->block_max_s);
	/* The daemon's paths by default follow the relay's name, a plain word. */
	if (cfg->name[0] && !cfg->control.socket[0])
		snprintf(cfg->control.socket, sizeof(cfg->control.socket), "/run/sluice/%s.sock",
			 cfg->name);
	if (cfg->name[0] && !cfg->control.state_file[0])
		snprintf(cfg->control.state_file, sizeof(cfg->control.state_file),
			 "/var/lib/sluice/%s.peers", cfg->name);
	/* Unlike those, this one can be turned off: set to nothing, it stays so. */
	if (cfg->name[0] && !seen_line(c, "state_file", SEC_PREFILTER))
		snprintf(cfg->prefilter.state_file, sizeof(cfg->prefilter.state_file),
			 "/var/lib/sluice/%s.prefilter", cfg->name);
}

/* Do two peers have the same address (family and bytes)? */
static bool same_peer_ip(const sl_cfg_peer_t *p, const sl_cfg_peer_t *q)
{
	if (p->family != q->family)
		return false;
	return p->family == 6 ? memcmp(p->ip6, q->ip6, 16) == 0 : memcmp(p->ip, q->ip, 4) == 0;
}

/* Is a peer's address this relay's own, of its family? */
static bool peer_ip_is_mine(const sl_config_t *cfg, const sl_cfg_peer_t *p)
{
	if (p->family == 6)
		return cfg->has_ip6 && memcmp(p->ip6, cfg->ip6, 16) == 0;
	return memcmp(p->ip, cfg->ip, 4) == 0;
}

/* An IPv6 peer is sent frames (and a managed one control messages) from
 * [relay] ip6. */
static void validate_peer6(struct pctx *c, const sl_cfg_peer_t *p)
{
	const sl_addr_t a = sl_cfg_peer_addr(p);
	if (p->managed && sl_addr_link_local(&a))
		problem(c, p->line, "peer %s: a link-local address needs an interface, which the "
			"control daemon's sessions do not take; give a global or unique-local one",
			p->name);
	if (!c->cfg->has_ip6)
		problem(c, p->line, "peer %s has an IPv6 address: [relay] needs 'ip6' (the source "
			"address of frames to it)", p->name);
}

static void validate(struct pctx *c)
{
	sl_config_t *cfg = c->cfg;
	const unsigned relay_line = c->sec_first[SEC_RELAY], port_line = c->sec_first[SEC_PORT];
	if (!relay_line) {
		problem(c, c->lineno, "missing section [relay]");
	} else {
		static const char *const need[] = {"name", "ip"};
		for (unsigned i = 0; i < SL_ARRAY_LEN(need); i++)
			if (!seen_line(c, need[i], SEC_RELAY))
				problem(c, relay_line, "[relay] needs '%s'", need[i]);
		if (cfg->ingest_port == cfg->gossip_port)
			problem(c, relay_line, "ingest_port and gossip_port are both %u",
				cfg->ingest_port);
	}
	validate_tunables(c);

	if (!port_line) {
		problem(c, c->lineno, "missing section [port]");
	} else if (!seen_line(c, "type", SEC_PORT)) {
		problem(c, port_line, "[port] needs 'type'");
	} else {
		static const struct {
			const char *key;
			sl_port_type_t type;
			bool required;
		} only[] = {
			{"iface", SL_PORT_AF_XDP, true},
			{"queues", SL_PORT_AF_XDP, false},
			{"xdp_prog", SL_PORT_AF_XDP, false},
			{"rx_pcap", SL_PORT_PCAP, true},
			{"tx_pcap", SL_PORT_PCAP, true},
		};
		for (unsigned i = 0; i < SL_ARRAY_LEN(only); i++) {
			unsigned line = seen_line(c, only[i].key, SEC_PORT);
			if (line && cfg->port_type != only[i].type)
				problem(c, line, "'%s' is only for type %s", only[i].key,
					sl_port_type_name(only[i].type));
			else if (!line && only[i].required && cfg->port_type == only[i].type)
				problem(c, port_line, "type %s needs '%s'",
					sl_port_type_name(only[i].type), only[i].key);
		}
	}

	for (unsigned i = 0; i < cfg->npeers; i++) {
		sl_cfg_peer_t *p = &cfg->peers[i];
		p->has_mac = peer_has(c, i, "mac");
		p->has_tokens = peer_has(c, i, "token_in") && peer_has(c, i, "token_out");
		/* a managed relay peer's next hop may come from the control daemon */
		bool mac_optional = p->managed && (!peer_has(c, i, "kind") || p->kind == SL_PEER_RELAY);
		static const char *const need[] = {"kind", "ip", "port", "mac"};
		int complete = 1;
		for (unsigned k = 0; k < SL_ARRAY_LEN(need); k++)
			if (!peer_has(c, i, need[k]) && !(mac_optional && strcmp(need[k], "mac") == 0)) {
				problem(c, p->line, "peer %s needs '%s'", p->name, need[k]);
				complete = 0;
			}
		if (!complete)
			continue;
		static const char *const tokens[] = {"token_in", "token_out"};
		if (p->kind == SL_PEER_VALIDATOR) {
			static const char *const relay_only[] = {"token_in", "token_out", "pubkey",
								 "control_port"};
			for (unsigned k = 0; k < SL_ARRAY_LEN(relay_only); k++)
				if (peer_has(c, i, relay_only[k]))
					problem(c, p->line, "'%s' is only for relay peers (%s is a validator)",
						relay_only[k], p->name);
		} else if (!p->managed) {
			for (unsigned k = 0; k < SL_ARRAY_LEN(tokens); k++)
				if (!peer_has(c, i, tokens[k]))
					problem(c, p->line, "relay peer %s needs '%s'", p->name, tokens[k]);
			if (peer_has(c, i, "control_port"))
				problem(c, p->line,
					"'control_port' is only for managed relay peers (%s has no 'pubkey')",
					p->name);
		} else {
			for (unsigned k = 0; k < SL_ARRAY_LEN(tokens); k++)
				if (peer_has(c, i, tokens[k]) && !peer_has(c, i, tokens[k ^ 1]))
					problem(c, p->line,
						"managed relay peer %s has '%s' without '%s' (both, or neither "
						"for the control daemon to negotiate)",
						p->name, tokens[k], tokens[k ^ 1]);
			if (peer_ip_is_mine(cfg, p) && p->control_port == cfg->control_port)
				problem(c, p->line, "peer %s is this relay itself (control_port %u)", p->name,
					p->control_port);
		}
		if (p->family == 6)
			validate_peer6(c, p);
		if (peer_ip_is_mine(cfg, p) &&
		    (p->port == cfg->ingest_port || p->port == cfg->gossip_port))
			problem(c, p->line, "peer %s is this relay itself", p->name);
		for (unsigned j = 0; j < i; j++) {
			const sl_cfg_peer_t *q = &cfg->peers[j];
			if (peer_has(c, i, "pubkey") && peer_has(c, j, "pubkey") &&
			    memcmp(p->pubkey, q->pubkey, SL_CFG_PUBKEY_LEN) == 0)
				problem(c, p->line, "peer %s has the same pubkey as peer %s", p->name,
					q->name);
			if (same_peer_ip(p, q) && p->port == q->port)
				problem(c, p->line, "peer %s has the same address as peer %s", p->name,
					q->name);
			else if (same_peer_ip(p, q) && p->kind == SL_PEER_RELAY &&
				 q->kind == SL_PEER_RELAY)
				problem(c, p->line,
					"relay peers %s and %s share an ip (the source address names the peer)",
					q->name, p->name);
		}
	}
}

static void set_defaults(sl_config_t *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ingest_port = SL_PORT_INGEST;
	cfg->gossip_port = SL_PORT_GOSSIP;
	cfg->ttl = 4;
	cfg->dedup_capacity = 1u << 20;
	cfg->batch_size = 64;
	cfg->batch_timeout_us = 200;
	cfg->idle_sleep_us = 50;
	cfg->workers = 1;
	cfg->verify_backend = SL_VERIFY_SLUICE;
	cfg->control_port = SL_PORT_CONTROL;
	cfg->queues = 1;
	cfg->control = (sl_cfg_control_t){
		.ping_interval_ms = 1000, .ping_misses = 3, .retry_min_ms = 1000,
		.retry_max_ms = 60000, .clock_window_s = 30, .token_rotate_s = 600,
		.token_overlap_s = 30,
	};
	cfg->score = (sl_cfg_score_t){
		.first_delivery_weight = 1.0, .invalid_weight = 50.0, .malformed_weight = 50.0,
		.duplicate_weight = 0.05, .duplicate_allowance = 4.0, .half_life_s = 60,
		.score_cap = 1000, .cutoff_threshold = -100, .cutoff_s = 30, .cutoff_max_s = 3600,
	};
	cfg->metrics = (sl_cfg_metrics_t){
		.enabled = true, .addr = {4, {127, 0, 0, 1}}, .port = SL_METRICS_PORT_DEFAULT,
	};
	cfg->prefilter = (sl_cfg_prefilter_t){
		.rate = 0, .burst = 0, .ip6_prefix = 64, .sources = SL_PF_SRC_WAYS * SL_PF_SRC_SETS};
	cfg->autoblock = (sl_cfg_autoblock_t){
		.enabled = true, .malformed = 100, .invalid_sig = 20, .window_ms = 1000,
		.block_s = 60, .block_max_s = 86400,
	};
}

unsigned sl_config_parse(const char *text, size_t len, const char *file, sl_config_t *cfg,
			 sl_config_report_fn report, void *ctx)
{
	struct pctx c = {
		.cfg = cfg, .file = file, .report = report, .rctx = ctx,
		.text = text, .len = len,
	};
	set_defaults(cfg);
	/* Every problem inih could see is caught first by check_line(), so its
	 * own return value carries nothing new. */
	(void)ini_parse_stream(reader, &c, handler, &c);
	validate(&c);
	return c.errors;
}

unsigned sl_config_load(const char *path, sl_config_t *cfg, sl_config_report_fn report,
			void *ctx)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	if (f) {
		for (;;) {
			if (len == cap) {
				char *nb = cap < (1u << 20) ? realloc(buf, cap = cap ? cap * 2 : 4096) : NULL;
				if (!nb)
					break;
				buf = nb;
			}
			size_t got = fread(buf + len, 1, cap - len, f);
			len += got;
			if (got == 0)
				break;
		}
	}
	if (!f || ferror(f) || !feof(f)) {
		set_defaults(cfg);
		struct pctx c = {.file = path, .report = report, .rctx = ctx};
		problem(&c, 0, "cannot read the file (missing, unreadable or over 1 MiB)");
		if (f)
			fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	unsigned n = sl_config_parse(buf, len, path, cfg, report, ctx);
	free(buf);
	return n;
}

void sl_config_report_print(void *ctx, const char *file, unsigned line, const char *msg)
{
	fprintf(ctx, "%s:%u: %s\n", file, line, msg);
}

const char *sl_port_type_name(sl_port_type_t t)
{
	static const char *const names[] = {"af_xdp", "pcap", "null", "ring"};
	return (unsigned)t < SL_ARRAY_LEN(names) ? names[t] : "?";
}
