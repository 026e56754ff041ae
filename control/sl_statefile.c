#include "sl_statefile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_file.h"

static const char *const SEP = " \t";

int sl_state_peer_parse(const char *fields, sl_state_peer_t *p, char *why, size_t whysz)
{
	char buf[SL_STATEFILE_LINE_MAX];
	if (strlen(fields) >= sizeof(buf)) {
		snprintf(why, whysz, "longer than %d characters", SL_STATEFILE_LINE_MAX - 1);
		return -1;
	}
	strcpy(buf, fields);
	char *f[5], *save = NULL;
	unsigned n = 0;
	for (char *t = strtok_r(buf, SEP, &save); t != NULL; t = strtok_r(NULL, SEP, &save))
		if (n++ < 5)
			f[n - 1] = t;
	if (n != 4) {
		snprintf(why, whysz, "want NAME PUBKEY IP CONTROL_PORT, got %u field%s", n,
			 n == 1 ? "" : "s");
		return -1;
	}
	memset(p, 0, sizeof(*p));
	if (!sl_config_valid_name(f[0])) {
		snprintf(why, whysz, "name '%.40s' must be 1 to %d of [A-Za-z0-9_-]", f[0],
			 SL_CFG_NAME_MAX - 1);
		return -1;
	}
	strcpy(p->name, f[0]);
	if (sl_pubkey_from_b58(f[1], p->pubkey) != 0) {
		snprintf(why, whysz, "key '%.60s' is not a base58 32-byte public key", f[1]);
		return -1;
	}
	char e[SL_CIDR_STR_SZ + 64];
	if (sl_addr_parse(f[2], &p->ip, e, sizeof(e)) != 0) {
		snprintf(why, whysz, "address '%.46s': %s", f[2], e);
		return -1;
	}
	if (sl_addr_link_local(&p->ip)) {
		snprintf(why, whysz, "address '%.46s' is link-local: it needs an interface, which "
			 "sluiced does not take; give a global or unique-local one", f[2]);
		return -1;
	}
	char *end;
	errno = 0;
	unsigned long port = f[3][0] >= '1' && f[3][0] <= '9' ? strtoul(f[3], &end, 10) : 0;
	if (port == 0 || errno != 0 || *end != '\0' || port > 65535) {
		snprintf(why, whysz, "control port '%.20s' is not 1 to 65535", f[3]);
		return -1;
	}
	p->ctl_port = (uint16_t)port;
	return 0;
}

int sl_statefile_find(const sl_statefile_t *st, const char *name, const uint8_t *pk)
{
	for (unsigned i = 0; i < st->n; i++)
		if ((name != NULL && strcmp(st->peers[i].name, name) == 0) ||
		    (pk != NULL && memcmp(st->peers[i].pubkey, pk, SL_PUBKEY_SZ) == 0))
			return (int)i;
	return -1;
}

/* One line (no newline); 0 kept or blank, 1 reported. */
static unsigned parse_line(const char *line, size_t len, const char *file, unsigned lineno,
			   sl_statefile_t *st, sl_config_report_fn report, void *ctx)
{
	char buf[SL_STATEFILE_LINE_MAX], why[200];
	if (len >= sizeof(buf)) {
		sl_config_reportf(report, ctx, file, lineno, "longer than %d characters",
				  SL_STATEFILE_LINE_MAX - 1);
		return 1;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		sl_config_reportf(report, ctx, file, lineno, "a NUL byte");
		return 1;
	}
	const char *s = buf + strspn(buf, SEP);
	if (*s == '\0' || *s == '#')
		return 0;
	if (strncmp(s, "peer", 4) != 0 || (s[4] != ' ' && s[4] != '\t')) {
		sl_config_reportf(report, ctx, file, lineno,
				  "not a 'peer NAME PUBKEY IP CONTROL_PORT' line");
		return 1;
	}
	sl_state_peer_t p;
	if (sl_state_peer_parse(s + 5, &p, why, sizeof(why)) != 0) {
		sl_config_reportf(report, ctx, file, lineno, "%s", why);
		return 1;
	}
	int dup = sl_statefile_find(st, p.name, p.pubkey);
	if (dup >= 0) {
		sl_config_reportf(report, ctx, file, lineno, "peer %s: its %s is peer %s's already",
				  p.name, strcmp(st->peers[dup].name, p.name) == 0 ? "name" : "key",
				  st->peers[dup].name);
		return 1;
	}
	if (st->n == SL_STATEFILE_PEERS_MAX) {
		sl_config_reportf(report, ctx, file, lineno, "peer %s: more than %d peers", p.name,
				  SL_STATEFILE_PEERS_MAX);
		return 1;
	}
	st->peers[st->n++] = p;
	return 0;
}

unsigned sl_statefile_parse(const char *text, size_t len, const char *file, sl_statefile_t *st,
			    sl_config_report_fn report, void *ctx)
{
	memset(st, 0, sizeof(*st));
	unsigned problems = 0, lineno = 0;
	size_t at = 0;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		problems += parse_line(text + at, end - at, file, ++lineno, st, report, ctx);
		at = end + 1;
	}
	return problems;
}

size_t sl_statefile_format(const sl_statefile_t *st, char *out, size_t outsz)
{
	if (outsz < SL_STATEFILE_TEXT_MAX)
		return 0;
	size_t n = (size_t)snprintf(out, outsz,
				    "# sluiced: relay peers added with 'sluicectl peer add'; sluiced\n"
				    "# rewrites this file (control/README.md, \"The state file\").\n");
	for (unsigned i = 0; i < st->n && i < SL_STATEFILE_PEERS_MAX; i++) {
		const sl_state_peer_t *p = &st->peers[i];
		char key[SL_PUBKEY_B58_MAX], ip[SL_ADDR_STR_SZ];
		sl_pubkey_to_b58(p->pubkey, key);
		sl_addr_str(&p->ip, ip);
		n += (size_t)snprintf(out + n, outsz - n, "peer %.*s %s %s %u\n",
				      SL_CFG_NAME_MAX - 1, p->name, key, ip, p->ctl_port);
	}
	return n;
}

unsigned sl_statefile_load(const char *path, sl_statefile_t *st, sl_config_report_fn report,
			   void *ctx)
{
	memset(st, 0, sizeof(*st));
	FILE *f = fopen(path, "rb");
	if (f == NULL && errno == ENOENT)
		return 0;
	static char text[SL_STATEFILE_FILE_MAX + 1];
	const char *why = NULL;
	if (f == NULL) {
		why = strerror(errno);
	} else {
		size_t len = fread(text, 1, sizeof(text), f);
		why = ferror(f) ? strerror(errno) : len > SL_STATEFILE_FILE_MAX ? "over 64 KiB" : NULL;
		fclose(f);
		if (why == NULL)
			return sl_statefile_parse(text, len, path, st, report, ctx);
	}
	sl_config_reportf(report, ctx, path, 0, "cannot read the file (%s)", why);
	return 1;
}

int sl_statefile_save(const char *path, const sl_statefile_t *st, char *err, size_t errsz)
{
	static char text[SL_STATEFILE_TEXT_MAX];
	size_t len = sl_statefile_format(st, text, sizeof(text));
	return sl_file_write_atomic(path, text, len, 0644, true, err, errsz);
}
