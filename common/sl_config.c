#include "sl_config.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/sl_compiler.h"
#include "sluice/sl_wire.h"

enum sec { SEC_NONE, SEC_BAD, SEC_RELAY, SEC_PORT, SEC_PEER };

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
	uint64_t lo, hi;
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
	unsigned relay_line, port_line;
	unsigned key_line[32];     /* [relay]/[port] key -> line it was set on */
	uint32_t peer_seen[SL_CFG_PEERS_MAX];
};

static void problem(struct pctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct pctx *c, unsigned line, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->errors++;
	if (c->report)
		c->report(c->rctx, c->file, line, msg);
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

static int set_uint(struct pctx *c, const struct key *k, void *field, const char *val)
{
	uint64_t v;
	if (read_u64(val, &v) != 0) {
		problem(c, c->lineno, "%s: '%s' is not an unsigned integer", k->name, val);
		return -1;
	}
	if (v < k->lo || v > k->hi) {
		problem(c, c->lineno, "%s: %s is out of range [%llu, %llu]", k->name, val,
			(unsigned long long)k->lo, (unsigned long long)k->hi);
		return -1;
	}
	switch (k->size) {
	case 1: *(uint8_t *)field = (uint8_t)v; break;
	case 2: *(uint16_t *)field = (uint16_t)v; break;
	case 4: *(uint32_t *)field = (uint32_t)v; break;
	default: *(uint64_t *)field = v; break;
	}
	return 0;
}

static int set_ip(struct pctx *c, const struct key *k, void *field, const char *val)
{
	if (inet_pton(AF_INET, val, field) != 1) {
		problem(c, c->lineno, "%s: '%s' is not an IPv4 address (a.b.c.d)", k->name, val);
		return -1;
	}
	return 0;
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

static int set_str(struct pctx *c, const struct key *k, void *field, const char *val)
{
	size_t n = strlen(val);
	if (n == 0 || n >= k->size) {
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
static int valid_name(const char *s)
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
	if (!valid_name(val)) {
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

/* ---- the keys ----------------------------------------------------------- */

#define CFG(f) offsetof(sl_config_t, f), sizeof(((sl_config_t *)0)->f)
#define PEER(f) offsetof(sl_cfg_peer_t, f), sizeof(((sl_cfg_peer_t *)0)->f)

static const struct key keys[] = {
	{"name", SEC_RELAY, set_name, CFG(name), 0, 0},
	{"ip", SEC_RELAY, set_ip, CFG(ip), 0, 0},
	{"mac", SEC_RELAY, set_relay_mac, CFG(mac), 0, 0},
	{"ingest_port", SEC_RELAY, set_uint, CFG(ingest_port), 1, 65535},
	{"gossip_port", SEC_RELAY, set_uint, CFG(gossip_port), 1, 65535},
	{"ttl", SEC_RELAY, set_uint, CFG(ttl), 1, 255},
	{"dedup_capacity", SEC_RELAY, set_uint, CFG(dedup_capacity), SL_CFG_DEDUP_CAPACITY_MIN,
	 SL_CFG_DEDUP_CAPACITY_MAX},
	{"batch_size", SEC_RELAY, set_uint, CFG(batch_size), 1, SL_CFG_BATCH_MAX},
	{"batch_timeout_us", SEC_RELAY, set_uint, CFG(batch_timeout_us), 1, 1000000},
	{"idle_sleep_us", SEC_RELAY, set_uint, CFG(idle_sleep_us), 0, 1000000},
	{"workers", SEC_RELAY, set_uint, CFG(workers), 1, SL_CFG_WORKERS_MAX},
	{"verify_backend", SEC_RELAY, set_backend, CFG(verify_backend), 0, 0},

	{"type", SEC_PORT, set_port_type, CFG(port_type), 0, 0},
	{"iface", SEC_PORT, set_devarg, CFG(iface), 0, 0},
	{"queues", SEC_PORT, set_uint, CFG(queues), 1, SL_CFG_QUEUES_MAX},
	{"xdp_prog", SEC_PORT, set_devarg, CFG(xdp_prog), 0, 0},
	{"rx_pcap", SEC_PORT, set_devarg, CFG(rx_pcap), 0, 0},
	{"tx_pcap", SEC_PORT, set_devarg, CFG(tx_pcap), 0, 0},

	{"kind", SEC_PEER, set_peer_kind, PEER(kind), 0, 0},
	{"ip", SEC_PEER, set_ip, PEER(ip), 0, 0},
	{"port", SEC_PEER, set_uint, PEER(port), 1, 65535},
	{"mac", SEC_PEER, set_peer_mac, PEER(mac), 0, 0},
	{"token_out", SEC_PEER, set_uint, PEER(token_out), 0, UINT64_MAX},
	{"token_in", SEC_PEER, set_uint, PEER(token_in), 0, UINT64_MAX},
};

_Static_assert(SL_ARRAY_LEN(keys) <= 32, "seen-key masks are 32 bits");

static int key_index(enum sec sec, const char *name)
{
	for (unsigned i = 0; i < SL_ARRAY_LEN(keys); i++)
		if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *sec_name(enum sec s)
{
	return s == SEC_RELAY ? "[relay]" : s == SEC_PORT ? "[port]" : "[peer]";
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
	uint32_t *seen = c->sec == SEC_PEER ? &c->peer_seen[c->peer - c->cfg->peers] : NULL;
	unsigned prev = 0;
	if (seen) {
		if (*seen & (1u << ki))
			prev = 1;
	} else {
		prev = c->key_line[ki];
	}
	if (prev) {
		problem(c, c->lineno, "duplicate key '%s' in %s", name, sec_name(c->sec));
		return 1;
	}
	if (*value == '\0') {
		problem(c, c->lineno, "%s: empty value", name);
		return 1;
	}
	const struct key *k = &keys[ki];
	char *base = c->sec == SEC_PEER ? (char *)c->peer : (char *)c->cfg;
	if (k->set(c, k, base + k->off, value) == 0) {
		if (seen)
			*seen |= 1u << ki;
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
	if (strcmp(body, "relay") == 0 || strcmp(body, "port") == 0) {
		int relay = body[0] == 'r';
		unsigned *line = relay ? &c->relay_line : &c->port_line;
		if (*line) {
			problem(c, c->lineno, "duplicate section [%s] (first on line %u)", body, *line);
			return;
		}
		*line = c->lineno;
		c->sec = relay ? SEC_RELAY : SEC_PORT;
		return;
	}
	if (strncmp(body, "peer", 4) == 0 && (body[4] == ' ' || body[4] == '\t')) {
		const char *name = body + 5;
		while (*name == ' ' || *name == '\t')
			name++;
		if (!valid_name(name)) {
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
		p->line = c->lineno;
		c->peer = p;
		c->sec = SEC_PEER;
		return;
	}
	problem(c, c->lineno, "unknown section [%s] (expected [relay], [port] or [peer NAME])", body);
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

static void validate(struct pctx *c)
{
	sl_config_t *cfg = c->cfg;
	if (!c->relay_line) {
		problem(c, c->lineno, "missing section [relay]");
	} else {
		static const char *const need[] = {"name", "ip"};
		for (unsigned i = 0; i < SL_ARRAY_LEN(need); i++)
			if (!seen_line(c, need[i], SEC_RELAY))
				problem(c, c->relay_line, "[relay] needs '%s'", need[i]);
		if (cfg->ingest_port == cfg->gossip_port)
			problem(c, c->relay_line, "ingest_port and gossip_port are both %u",
				cfg->ingest_port);
	}

	if (!c->port_line) {
		problem(c, c->lineno, "missing section [port]");
	} else if (!seen_line(c, "type", SEC_PORT)) {
		problem(c, c->port_line, "[port] needs 'type'");
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
				problem(c, c->port_line, "type %s needs '%s'",
					sl_port_type_name(only[i].type), only[i].key);
		}
	}

	for (unsigned i = 0; i < cfg->npeers; i++) {
		const sl_cfg_peer_t *p = &cfg->peers[i];
		static const char *const need[] = {"kind", "ip", "port", "mac"};
		int complete = 1;
		for (unsigned k = 0; k < SL_ARRAY_LEN(need); k++)
			if (!peer_has(c, i, need[k])) {
				problem(c, p->line, "peer %s needs '%s'", p->name, need[k]);
				complete = 0;
			}
		if (!complete)
			continue;
		static const char *const tokens[] = {"token_in", "token_out"};
		for (unsigned k = 0; k < SL_ARRAY_LEN(tokens); k++) {
			int has = peer_has(c, i, tokens[k]);
			if (p->kind == SL_PEER_RELAY && !has)
				problem(c, p->line, "relay peer %s needs '%s'", p->name, tokens[k]);
			if (p->kind == SL_PEER_VALIDATOR && has)
				problem(c, p->line, "'%s' is only for relay peers (%s is a validator)",
					tokens[k], p->name);
		}
		if (memcmp(p->ip, cfg->ip, 4) == 0 &&
		    (p->port == cfg->ingest_port || p->port == cfg->gossip_port))
			problem(c, p->line, "peer %s is this relay itself", p->name);
		for (unsigned j = 0; j < i; j++) {
			const sl_cfg_peer_t *q = &cfg->peers[j];
			if (memcmp(p->ip, q->ip, 4) == 0 && p->port == q->port)
				problem(c, p->line, "peer %s has the same address as peer %s", p->name,
					q->name);
			else if (memcmp(p->ip, q->ip, 4) == 0 && p->kind == SL_PEER_RELAY &&
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
	cfg->queues = 1;
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
