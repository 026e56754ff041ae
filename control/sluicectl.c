/* sluicectl: the operator's command line for a relay. One table of
 * subcommands; each declares its operands and flags, and the shared parser
 * gives every one the same --help, the same usage errors and exit codes.
 * Links no DPDK (sluice_common_dep, and libbpf for the prefilter's pinned
 * maps), so it runs beside a live relay.
 *
 * A command is one word or two ("peer add"); a flag is boolean or takes a
 * value ("--pubkey K" or "--pubkey=K"), and may be required.
 *
 * Exit status: 0 done, 1 refused (a bad key file, an existing file, an I/O
 * error, sluiced saying no), 2 usage error; every error is one line on
 * stderr (config check prints each problem of the file on stdout). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sl_cidr.h"
#include "sl_config.h"
#include "sl_dptelemetry.h"
#include "sl_identity.h"
#include "sl_prefilter.h"
#include "sl_top.h"

enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

#define CMD_OPERANDS_MAX 4
#define CMD_FLAGS_MAX 4

static const char *prog = "sluicectl";

struct cmd_flag {
	const char *name;  /* "--force" */
	const char *value; /* NULL: a boolean flag; else it takes a value, named so in usage ("K") */
	bool required;
	const char *help;
};

struct cmd_args {
	const char *operand[CMD_OPERANDS_MAX];
	bool flag[CMD_FLAGS_MAX];          /* indexed as the command's flags */
	const char *value[CMD_FLAGS_MAX];  /* a flag's value, NULL when not given */
};

struct cmd {
	const char *name;     /* one word, or two ("peer add") */
	const char *operands; /* for usage: "FILE" */
	int noperands;        /* exactly this many */
	const char *summary;
	const char *detail;   /* more lines for the command's --help, or NULL */
	struct cmd_flag flags[CMD_FLAGS_MAX];
	int (*run)(const struct cmd *c, const struct cmd_args *a);
};

/* Prints the public key, and reports a failed write to stdout (a full disk
 * or a closed pipe would otherwise lose the key silently). */
static int print_pubkey(const struct cmd *c, const uint8_t pk[SL_PUBKEY_SZ])
{
	char b58[SL_PUBKEY_B58_MAX];
	sl_pubkey_to_b58(pk, b58);
	if (printf("%s\n", b58) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "%s: %s: writing the public key: %s\n", prog, c->name,
			strerror(errno));
		return EXIT_REFUSED;
	}
	return EXIT_DONE;
}

static int cmd_keygen(const struct cmd *c, const struct cmd_args *a)
{
	const char *path = a->operand[0];
	bool force = a->flag[0];
	sl_identity_t id;
	char err[512];
	if (sl_identity_generate(&id) != 0) {
		fprintf(stderr, "%s: %s: libsodium failed to initialise\n", prog, c->name);
		return EXIT_REFUSED;
	}
	if (sl_identity_save(path, &id, force, err, sizeof(err)) != 0) {
		bool exists = errno == EEXIST;
		sl_identity_wipe(&id);
		fprintf(stderr, "%s: %s: %s%s\n", prog, c->name, err,
			exists ? " (--force replaces it)" : "");
		return EXIT_REFUSED;
	}
	int rc = print_pubkey(c, id.pk);
	sl_identity_wipe(&id);
	return rc;
}

static int cmd_pubkey(const struct cmd *c, const struct cmd_args *a)
{
	sl_identity_t id;
	char err[512];
	if (sl_identity_load(a->operand[0], &id, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, c->name, err);
		return EXIT_REFUSED;
	}
	int rc = print_pubkey(c, id.pk);
	sl_identity_wipe(&id);
	return rc;
}

/* Ask the relay's sluiced one request over its unix socket (the config
 * names it). The first answer line is "ok" or "error: ..."; what follows
 * "ok" is the body, in *body (malloc'd, NUL-terminated). c NULL: no
 * message on stderr when it fails. */
static int ask_daemon(const struct cmd *c, const sl_config_t *cfg, const char *request,
		      char **body)
{
	*body = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cfg->control.socket);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const struct timeval tmo = {.tv_sec = 5};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		if (c != NULL)
			fprintf(stderr, "%s: %s: sluiced at %s: %s\n", prog, c->name, sa.sun_path,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_REFUSED;
	}
	FILE *in = fdopen(fd, "r");
	char line[4096];
	size_t blen = 0;
	FILE *b = open_memstream(body, &blen);
	int rc = EXIT_REFUSED;
	if (in != NULL && b != NULL && fgets(line, sizeof(line), in) != NULL) {
		if (strcmp(line, "ok\n") == 0) {
			rc = EXIT_DONE;
			size_t n;
			while ((n = fread(line, 1, sizeof(line), in)) > 0)
				fwrite(line, 1, n, b);
		} else if (c != NULL) {
			fprintf(stderr, "%s: %s: sluiced: %s%s", prog, c->name, line,
				strchr(line, '\n') ? "" : "\n");
		}
	} else if (c != NULL) {
		fprintf(stderr, "%s: %s: sluiced at %s gave no answer\n", prog, c->name, sa.sun_path);
	}
	if (b != NULL)
		fclose(b);
	if (in != NULL)
		fclose(in);
	else
		close(fd);
	if (rc != EXIT_DONE) {
		free(*body);
		*body = NULL;
	}
	return rc;
}

/* The config, loaded (its problems on stderr), then the request; the body
 * of a yes goes to stdout. */
static int ask_and_print(const struct cmd *c, const char *config, const char *request)
{
	static sl_config_t cfg;
	char *body;
	if (sl_config_load(config, &cfg, sl_config_report_print, stderr) != 0)
		return EXIT_REFUSED;
	int rc = ask_daemon(c, &cfg, request, &body);
	if (rc == EXIT_DONE)
		fputs(body, stdout);
	free(body);
	return rc;
}

static int cmd_peers(const struct cmd *c, const struct cmd_args *a)
{
	return ask_and_print(c, a->operand[0], a->flag[0] ? "peers json\n" : "peers\n");
}

/* An operand or value sent to sluiced as one word of the request line. */
static bool one_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int usage_error(const struct cmd *c, const char *what, const char *arg);

/* Each of the n strings must be one word; else a usage error naming it. */
static int check_words(const struct cmd *c, const char *const *w, int n)
{
	char q[300];
	for (int i = 0; i < n; i++)
		if (!one_word(w[i])) {
			snprintf(q, sizeof(q), "'%.256s'", w[i]);
			return usage_error(c, "not one word (no spaces or control characters):", q);
		}
	return EXIT_DONE;
}

static int cmd_peer_add(const struct cmd *c, const struct cmd_args *a)
{
	const char *name = a->operand[1], *key = a->value[0], *ip = a->value[1];
	const char *port = a->value[2] ? a->value[2] : "8005";
	const char *w[] = {name, key, ip, port};
	char *end, req[512];
	errno = 0;
	unsigned long p = port[0] >= '1' && port[0] <= '9' ? strtoul(port, &end, 10) : 0;
	if (p == 0 || errno != 0 || *end != '\0' || p > 65535)
		return usage_error(c, "--port: not 1 to 65535:", port);
	if (check_words(c, w, 4) != EXIT_DONE)
		return EXIT_USAGE;
	snprintf(req, sizeof(req), "peer add %s %s %s %lu\n", name, key, ip, p);
	return ask_and_print(c, a->operand[0], req);
}

/* "peer remove", "peer unban": the request is the command and NAME. */
static int cmd_peer_named(const struct cmd *c, const struct cmd_args *a)
{
	char req[512];
	if (check_words(c, &a->operand[1], 1) != EXIT_DONE)
		return EXIT_USAGE;
	snprintf(req, sizeof(req), "%s %s\n", c->name, a->operand[1]);
	return ask_and_print(c, a->operand[0], req);
}

/* A ban without --for lasts this long (ten years, sluiced's longest): in
 * effect until `peer unban` or a restart of sluiced. */
#define BAN_FOREVER_S 315360000ull

/* "30s", "10m", "2h", "1d" or plain seconds; 0 when malformed or too long. */
static unsigned long long parse_duration(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long n = s[0] >= '0' && s[0] <= '9' ? strtoull(s, &end, 10) : 0;
	if (n == 0 || errno != 0)
		return 0;
	unsigned long long unit = strcmp(end, "") == 0 || strcmp(end, "s") == 0 ? 1 :
				  strcmp(end, "m") == 0 ? 60 :
				  strcmp(end, "h") == 0 ? 3600 :
				  strcmp(end, "d") == 0 ? 86400 : 0;
	return unit != 0 && n <= BAN_FOREVER_S / unit ? n * unit : 0;
}

static int cmd_peer_ban(const struct cmd *c, const struct cmd_args *a)
{
	char req[512];
	unsigned long long secs = a->value[0] ? parse_duration(a->value[0]) : BAN_FOREVER_S;
	if (secs == 0)
		return usage_error(c, "--for: not a duration (30s, 10m, 2h, 1d; at most 10 years):",
				   a->value[0]);
	if (check_words(c, &a->operand[1], 1) != EXIT_DONE)
		return EXIT_USAGE;
	snprintf(req, sizeof(req), "peer ban %s %llu\n", a->operand[1], secs);
	return ask_and_print(c, a->operand[0], req);
}

/* ---- DPDK telemetry: sluice-dp's own counters (sl_dptelemetry) ---- */

static int cmd_stats(const struct cmd *c, const struct cmd_args *a)
{
	static sl_config_t cfg;
	static char tel[65536];
	const char *cmd = "/sluice/stats";
	char *body, path[SL_DPTEL_PATH_MAX];
	const bool json = a->flag[0];
	if (sl_config_load(a->operand[0], &cfg, sl_config_report_print, stderr) != 0)
		return EXIT_REFUSED;
	int rc = ask_daemon(c, &cfg, json ? "stats json\n" : "stats\n", &body);
	if (rc != EXIT_DONE)
		return rc;
	sl_dptel_path(cfg.name, path, sizeof(path));
	const int got = sl_dptel_ask(path, cmd, tel, sizeof(tel));
	if (json) {
		/* sluiced's object, one more member: "sluice_dp". */
		size_t n = strlen(body);
		while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '}'))
			if (body[--n] == '}')
				break;
		printf("%.*s,\"sluice_dp\":{\"running\":%s,\"telemetry\":\"%s\"", (int)n, body,
		       got > 0 ? "true" : "false", path);
		if (got > 0)
			printf(",\"stats\":%s}}\n", sl_dptel_value(tel, cmd));
		else if (got < 0)
			printf(",\"error\":\"%s\"}}\n", tel);
		else
			printf("}}\n");
	} else {
		fputs(body, stdout);
		if (got > 0)
			printf("sluice-dp: running; telemetry %s: %s\n", cmd, sl_dptel_value(tel, cmd));
		else if (got < 0)
			printf("sluice-dp: telemetry at %s: %s\n", path, tel);
		else
			printf("sluice-dp: not running (no telemetry socket at %s)\n", path);
	}
	free(body);
	return EXIT_DONE;
}

/* ---- top: a live view of the relay (sl_top renders, this draws) ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct top {
	const sl_config_t *cfg;
	char path[SL_DPTEL_PATH_MAX];
	sl_dptel_t tel; /* kept open between samples */
	char err[SL_DPTEL_PATH_MAX + 128];
	char buf[65536];
};

/* One telemetry command into t->buf (the connection made again once when
 * it broke): 1, 0 when sluice-dp does not run, -1; the reason in t->err. */
static int top_ask(struct top *t, const char *cmd)
{
	for (int tries = 0; tries < 2; tries++) {
		if (t->tel.fd < 0) {
			int rc = sl_dptel_connect(&t->tel, t->path, t->buf, sizeof(t->buf));
			if (rc <= 0) {
				snprintf(t->err, sizeof(t->err), rc == 0 ?
					 "not running (no telemetry socket at %s)" : "telemetry at %s: %.100s",
					 t->path, t->buf);
				return rc;
			}
		}
		if (sl_dptel_command(&t->tel, cmd, t->buf, sizeof(t->buf)) > 0)
			return 1;
		snprintf(t->err, sizeof(t->err), "telemetry at %s: %.100s", t->path, t->buf);
	}
	return -1;
}

/* sluice-dp's counters, peers and sources, and sluiced's view of the peers
 * when it answers: 1, 0 sluice-dp not running, -1 (t->err says why). */
static int top_sample(struct top *t, sl_top_sample_t *s)
{
	int rc = top_ask(t, "/sluice/stats");
	if (rc <= 0)
		return rc;
	sl_top_sample_init(s, mono_ns());
	if (sl_top_parse_stats(s, t->buf) != 0) {
		snprintf(t->err, sizeof(t->err), "telemetry at %s: /sluice/stats: %.60s", t->path, t->buf);
		return -1;
	}
	if (top_ask(t, "/sluice/peers") > 0)
		sl_top_parse_dp_peers(s, t->buf);
	if (top_ask(t, "/sluice/sources") > 0)
		sl_top_parse_sources(s, t->buf);
	if (top_ask(t, "/sluice/prefilter") > 0) /* null without the prefilter */
		sl_top_parse_prefilter(s, t->buf);
	char *body;
	if (ask_daemon(NULL, t->cfg, "stats json\n", &body) == EXIT_DONE)
		sl_top_parse_sluiced(s, body);
	free(body);
	return 1;
}

static void top_render(const sl_top_sample_t *prev, const sl_top_sample_t *cur, unsigned cols,
		       unsigned rows, sl_top_screen_t *scr)
{
	char clock[16];
	const time_t now = time(NULL);
	struct tm tm;
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&now, &tm));
	sl_top_render(prev, cur, cols, rows, clock, scr);
}

static volatile sig_atomic_t top_signal;

static void top_on_signal(int sig)
{
	top_signal = sig;
}

/* The terminal's size; 80x24 when it does not say. */
static void top_size(unsigned *cols, unsigned *rows)
{
	struct winsize ws;
	bool ok = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0;
	*cols = ok ? ws.ws_col : 80;
	*rows = ok ? ws.ws_row : 24;
}

/* Plain ANSI: home, each line then erase to its end, erase below; no
 * newline after the last line, so that the screen never scrolls. */
static void top_draw(const sl_top_screen_t *scr)
{
	fputs("\033[H", stdout);
	for (unsigned i = 0; i < scr->n; i++)
		printf("%s\033[K%s", scr->line[i], i + 1 < scr->n ? "\r\n" : "");
	fputs("\033[J", stdout);
	fflush(stdout);
}

/* Redraws every second until q (or Q), SIGINT, SIGTERM or SIGHUP; keeps
 * the last frame, its title replaced, while sluice-dp does not answer. */
static int top_live(struct top *t, sl_top_sample_t *prev, sl_top_sample_t *cur)
{
	static sl_top_screen_t scr;
	struct termios saved, raw;
	const bool keys = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (keys) {
		raw = saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO); /* ISIG stays: ^C quits too */
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	struct sigaction sa = {.sa_handler = top_on_signal};
	const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	fputs("\033[?1049h\033[?25l", stdout); /* the alternate screen, no cursor */
	unsigned cols, rows;
	top_size(&cols, &rows);
	snprintf(scr.line[0], sizeof(scr.line[0]), "sluice top: relay %.15s: sampling for 1 s ...",
		 t->cfg->name);
	scr.n = 1;
	top_draw(&scr);
	bool have = false, quit = false;
	int in = keys ? STDIN_FILENO : -1;
	uint64_t next = mono_ns() + 1000000000u;
	while (!quit) {
		if (top_signal == SIGWINCH) {
			top_signal = 0;
			top_size(&cols, &rows);
			if (have) {
				top_render(prev, cur, cols, rows, &scr);
				top_draw(&scr);
			}
		} else if (top_signal != 0) {
			break;
		}
		const uint64_t now = mono_ns();
		struct pollfd pfd = {.fd = in, .events = POLLIN};
		if (now < next && poll(&pfd, 1, (int)((next - now) / 1000000u) + 1) > 0) {
			char k[64];
			ssize_t n = read(STDIN_FILENO, k, sizeof(k));
			if (n <= 0)
				in = -1; /* stdin gone: only signals end it now */
			for (ssize_t i = 0; i < n; i++)
				quit = quit || k[i] == 'q' || k[i] == 'Q';
			continue;
		}
		if (mono_ns() < next)
			continue;
		next = mono_ns() + 1000000000u;
		if (top_sample(t, cur) > 0) {
			top_render(prev, cur, cols, rows, &scr);
			sl_top_sample_t *x = prev;
			prev = cur;
			cur = x;
			have = true;
		} else {
			snprintf(scr.line[0], sizeof(scr.line[0]), "sluice top: relay %.15s: sluice-dp %.200s",
				 t->cfg->name, t->err);
			scr.line[0][cols < SL_TOP_COLS_MAX ? cols : SL_TOP_COLS_MAX] = '\0';
			scr.n = scr.n ? scr.n : 1;
		}
		top_draw(&scr);
	}
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	if (keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return EXIT_DONE;
}

static int cmd_top(const struct cmd *c, const struct cmd_args *a)
{
	static sl_config_t cfg;
	static struct top t = {.tel = {.fd = -1}};
	static sl_top_sample_t s[2];
	static sl_top_screen_t scr;
	if (sl_config_load(a->operand[0], &cfg, sl_config_report_print, stderr) != 0)
		return EXIT_REFUSED;
	t.cfg = &cfg;
	sl_dptel_path(cfg.name, t.path, sizeof(t.path));
	if (top_sample(&t, &s[0]) <= 0) {
		fprintf(stderr, "%s: %s: sluice-dp of relay %s: %s\n", prog, c->name, cfg.name, t.err);
		sl_dptel_close(&t.tel);
		return EXIT_REFUSED;
	}
	int rc = EXIT_DONE;
	if (!a->flag[0] && isatty(STDOUT_FILENO)) {
		rc = top_live(&t, &s[0], &s[1]);
	} else {
		/* One frame from two samples a second apart, at 80x24. */
		struct timespec second = {.tv_sec = 1};
		while (nanosleep(&second, &second) != 0 && errno == EINTR)
			;
		if (top_sample(&t, &s[1]) <= 0) {
			fprintf(stderr, "%s: %s: sluice-dp of relay %s: %s\n", prog, c->name, cfg.name,
				t.err);
			rc = EXIT_REFUSED;
		} else {
			top_render(&s[0], &s[1], 80, 24, &scr);
			for (unsigned i = 0; i < scr.n; i++)
				puts(scr.line[i]);
		}
	}
	sl_dptel_close(&t.tel);
	return rc;
}

/* ---- The XDP prefilter, through the maps sluice-dp pins (no sluiced) ---- */

/* The relay's config, for its name, then its pinned maps; the relay's name
 * into relay. */
static int open_prefilter(const struct cmd *c, const char *config, sl_prefilter_t *pf,
			  char relay[SL_CFG_NAME_MAX])
{
	static sl_config_t cfg;
	char err[512];
	if (sl_config_load(config, &cfg, sl_config_report_print, stderr) != 0)
		return EXIT_REFUSED;
	if (sl_prefilter_open_pinned(pf, cfg.name, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, c->name, err);
		return EXIT_REFUSED;
	}
	if (relay != NULL)
		snprintf(relay, SL_CFG_NAME_MAX, "%s", cfg.name);
	return EXIT_DONE;
}

/* The CIDR operand; a usage error naming what is wrong with it. */
static int parse_cidr(const struct cmd *c, const char *s, sl_cidr_t *cidr)
{
	char err[128], what[128];
	if (sl_cidr_parse(s, cidr, err, sizeof(err)) == 0)
		return EXIT_DONE;
	snprintf(what, sizeof(what), "bad CIDR '%.64s':", s);
	return usage_error(c, what, err);
}

/* 1d2h, 2h5m, 9m58s, 42s: the two largest units, as operators read it. */
static void fmt_secs(unsigned long long s, char *out, size_t outsz)
{
	static const struct {
		unsigned long long secs;
		char unit;
	} u[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
	size_t i = 0;
	while (i + 1 < sizeof(u) / sizeof(u[0]) && s < u[i].secs)
		i++;
	if (i + 1 == sizeof(u) / sizeof(u[0]) || s % u[i].secs / u[i + 1].secs == 0)
		snprintf(out, outsz, "%llu%c", s / u[i].secs, u[i].unit);
	else
		snprintf(out, outsz, "%llu%c%llu%c", s / u[i].secs, u[i].unit,
			 s % u[i].secs / u[i + 1].secs, u[i + 1].unit);
}

/* After a write to a list: 0 done, else why (the trie's size when full). */
static int list_result(const struct cmd *c, int rc, const sl_cidr_t *cidr, const char *list,
		       unsigned max, const char *done)
{
	char s[SL_CIDR_STR_SZ];
	sl_cidr_str(cidr, s);
	if (rc == 0) {
		printf("%s %s\n", s, done);
		return EXIT_DONE;
	}
	if (errno == E2BIG)
		fprintf(stderr, "%s: %s: %s: the IPv%u %s is full (%u prefixes)\n", prog, c->name, s,
			cidr->family, list, max);
	else if (errno == EAGAIN)
		fprintf(stderr, "%s: %s: %s: another writer of the lists held them for %d ms "
			"(a sluicectl stopped at a terminal?); try again\n", prog, c->name, s,
			SL_PF_LOCK_WAIT_MS);
	else
		fprintf(stderr, "%s: %s: %s: %s\n", prog, c->name, s, strerror(errno));
	return EXIT_REFUSED;
}

static int cmd_block(const struct cmd *c, const struct cmd_args *a)
{
	sl_cidr_t cidr;
	sl_prefilter_t pf;
	char done[96] = "blocked (permanent)", t[48];
	const unsigned long long secs = a->value[0] ? parse_duration(a->value[0]) : 0;
	if (a->value[0] && secs == 0)
		return usage_error(c, "--for: not a duration (30s, 10m, 2h, 1d; at most 10 years):",
				   a->value[0]);
	if (parse_cidr(c, a->operand[1], &cidr) != EXIT_DONE)
		return EXIT_USAGE;
	if (open_prefilter(c, a->operand[0], &pf, NULL) != EXIT_DONE)
		return EXIT_REFUSED;
	if (secs) {
		fmt_secs(secs, t, sizeof(t));
		snprintf(done, sizeof(done), "blocked for %s", t);
	}
	const uint64_t expiry = secs ? sl_prefilter_now_ns() + secs * 1000000000ull : 0;
	int rc = list_result(c, sl_prefilter_block(&pf, &cidr, expiry), &cidr, "blocklist",
			     SL_PF_BLOCK_MAX, done);
	sl_prefilter_close(&pf);
	return rc;
}

/* unblock, allow, disallow: op on one prefix. */
static int change_list(const struct cmd *c, const struct cmd_args *a,
		       int (*op)(const sl_prefilter_t *, const sl_cidr_t *), const char *list,
		       unsigned max, const char *done)
{
	sl_cidr_t cidr;
	sl_prefilter_t pf;
	if (parse_cidr(c, a->operand[1], &cidr) != EXIT_DONE)
		return EXIT_USAGE;
	if (open_prefilter(c, a->operand[0], &pf, NULL) != EXIT_DONE)
		return EXIT_REFUSED;
	int rc = list_result(c, op(&pf, &cidr), &cidr, list, max, done);
	sl_prefilter_close(&pf);
	return rc;
}

static int cmd_unblock(const struct cmd *c, const struct cmd_args *a)
{
	return change_list(c, a, sl_prefilter_unblock, "blocklist", SL_PF_BLOCK_MAX, "unblocked");
}

static int cmd_allow(const struct cmd *c, const struct cmd_args *a)
{
	return change_list(c, a, sl_prefilter_allow, "allowlist", SL_PF_ALLOW_MAX,
			   "allowed (exempt from the rate limit)");
}

static int cmd_disallow(const struct cmd *c, const struct cmd_args *a)
{
	return change_list(c, a, sl_prefilter_unallow, "allowlist", SL_PF_ALLOW_MAX, "disallowed");
}

static int cmd_blocklist(const struct cmd *c, const struct cmd_args *a)
{
	/* Both families' tries full: 2 x 16384 entries, about 1 MiB. */
	static sl_pf_block_entry_t e[2 * SL_PF_BLOCK_MAX];
	sl_prefilter_t pf;
	char relay[SL_CFG_NAME_MAX];
	const bool json = a->flag[0];
	if (open_prefilter(c, a->operand[0], &pf, relay) != EXIT_DONE)
		return EXIT_REFUSED;
	const int n = sl_prefilter_blocklist(&pf, e, sizeof(e) / sizeof(e[0]));
	const int why = errno;
	const uint64_t now = sl_prefilter_now_ns();
	sl_prefilter_close(&pf);
	if (n < 0) {
		fprintf(stderr, "%s: %s: reading the blocklist: %s\n", prog, c->name, strerror(why));
		return EXIT_REFUSED;
	}
	if (json)
		printf("{\"relay\":\"%s\",\"blocklist\":[", relay);
	else
		printf("blocklist of relay %s: %d prefix%s\n", relay, n, n == 1 ? "" : "es");
	for (int i = 0; i < n; i++) {
		char s[SL_CIDR_STR_SZ], left[32];
		sl_cidr_str(&e[i].cidr, s);
		const bool forever = e[i].expiry_ns == 0, expired = !forever && e[i].expiry_ns <= now;
		/* Whole seconds, rounded up: "1s" until the last nanosecond. */
		const unsigned long long secs = forever || expired ? 0 :
			(e[i].expiry_ns - now + 999999999u) / 1000000000u;
		if (json) {
			printf("%s{\"prefix\":\"%s\",\"state\":\"%s\",\"remaining_s\":", i ? "," : "",
			       s, forever ? "permanent" : expired ? "expired" : "active");
			if (forever)
				printf("null}");
			else
				printf("%llu}", secs);
			continue;
		}
		fmt_secs(secs, left, sizeof(left));
		printf("  %-44s %s\n", s, forever ? "permanent" : expired ? "expired" : left);
	}
	if (json)
		printf("]}\n");
	return EXIT_DONE;
}

static int cmd_allowlist(const struct cmd *c, const struct cmd_args *a)
{
	static sl_cidr_t e[2 * SL_PF_ALLOW_MAX]; /* both families' tries full */
	sl_prefilter_t pf;
	char relay[SL_CFG_NAME_MAX];
	const bool json = a->flag[0];
	if (open_prefilter(c, a->operand[0], &pf, relay) != EXIT_DONE)
		return EXIT_REFUSED;
	const int n = sl_prefilter_allowlist(&pf, e, sizeof(e) / sizeof(e[0]));
	const int why = errno;
	sl_prefilter_close(&pf);
	if (n < 0) {
		fprintf(stderr, "%s: %s: reading the allowlist: %s\n", prog, c->name, strerror(why));
		return EXIT_REFUSED;
	}
	if (json)
		printf("{\"relay\":\"%s\",\"allowlist\":[", relay);
	else
		printf("allowlist of relay %s: %d prefix%s\n", relay, n, n == 1 ? "" : "es");
	for (int i = 0; i < n; i++) {
		char s[SL_CIDR_STR_SZ];
		sl_cidr_str(&e[i], s);
		if (json)
			printf("%s\"%s\"", i ? "," : "", s);
		else
			printf("  %s\n", s);
	}
	if (json)
		printf("]}\n");
	return EXIT_DONE;
}

/* A decimal operand from 0 to max, no sign; a usage error naming it. */
static int parse_uint(const struct cmd *c, const char *what, const char *s, unsigned long max,
		      unsigned long *v)
{
	char *end, w[96];
	const bool digit = s[0] >= '0' && s[0] <= '9'; /* strtoul would take a sign */
	errno = 0;
	*v = digit ? strtoul(s, &end, 10) : 0;
	if (digit && errno == 0 && *end == '\0' && *v <= max)
		return EXIT_DONE;
	snprintf(w, sizeof(w), "%s: not a whole number from 0 to %lu:", what, max);
	return usage_error(c, w, s);
}

static void print_rate(const struct sl_pf_conf *conf)
{
	if (conf->token_ns == 0)
		printf("rate limit: off\n");
	else
		printf("rate limit: %u/s per source, bursts of %u\n", conf->rate_pps, conf->burst);
}

static int cmd_ratelimit(const struct cmd *c, const struct cmd_args *a)
{
	unsigned long rate, burst;
	sl_prefilter_t pf;
	struct sl_pf_conf conf;
	if (parse_uint(c, "RATE", a->operand[1], SL_PF_NS, &rate) != EXIT_DONE ||
	    parse_uint(c, "BURST", a->operand[2], UINT32_MAX, &burst) != EXIT_DONE)
		return EXIT_USAGE;
	if (rate > 0 && burst == 0)
		return usage_error(c, "BURST: at least 1 with a rate:", a->operand[2]);
	if (open_prefilter(c, a->operand[0], &pf, NULL) != EXIT_DONE)
		return EXIT_REFUSED;
	int rc = EXIT_DONE;
	/* Only the rate changes: the addresses and ports stay as sluice-dp
	 * wrote them. */
	if (sl_prefilter_read_conf(&pf, &conf) != 0) {
		fprintf(stderr, "%s: %s: reading %s: %s\n", prog, c->name, SL_PF_CONF_PIN,
			strerror(errno));
		rc = EXIT_REFUSED;
	} else {
		sl_pf_conf_rate(&conf, (uint32_t)rate, (uint32_t)burst);
		if (sl_prefilter_configure(&pf, &conf) != 0) {
			fprintf(stderr, "%s: %s: writing %s: %s\n", prog, c->name, SL_PF_CONF_PIN,
				strerror(errno));
			rc = EXIT_REFUSED;
		} else {
			print_rate(&conf);
		}
	}
	sl_prefilter_close(&pf);
	return rc;
}

static int cmd_xdp_stats(const struct cmd *c, const struct cmd_args *a)
{
	static sl_pf_snapshot_t s;
	sl_prefilter_t pf;
	struct sl_pf_conf conf;
	char relay[SL_CFG_NAME_MAX];
	if (open_prefilter(c, a->operand[0], &pf, relay) != EXIT_DONE)
		return EXIT_REFUSED;
	const int rc = sl_prefilter_snapshot(&pf, &s) != 0 ? -1 : sl_prefilter_read_conf(&pf, &conf);
	const int why = errno;
	sl_prefilter_close(&pf);
	if (rc != 0) {
		fprintf(stderr, "%s: %s: reading the prefilter's maps: %s\n", prog, c->name,
			strerror(why));
		return EXIT_REFUSED;
	}
	if (a->flag[0]) {
		printf("{\"relay\":\"%s\",\"rate_pps\":%u,\"burst\":%u,\"source_slots\":%u,", relay,
		       conf.rate_pps, conf.burst, SL_PF_SRC_WAYS << conf.src_sets_bits);
		sl_prefilter_write_json(stdout, &s);
		printf("}\n");
		return EXIT_DONE;
	}
	printf("prefilter (XDP) of relay %s\n", relay);
	print_rate(&conf);
	printf("source slots: %u ([prefilter] sources)\n", SL_PF_SRC_WAYS << conf.src_sets_bits);
	for (unsigned i = 0; i < SL_PF__COUNT; i++)
		printf("  %-26s %20llu\n", sl_prefilter_counter_name(i), (unsigned long long)s.c[i]);
	printf("top sources by drops%s\n", s.top.n ? "" : ": none");
	for (unsigned i = 0; i < s.top.n; i++) {
		char src[SL_PF_SRC_STR_SZ];
		sl_pf_src_str(&s.top.src[i], src);
		printf("  %-44s %20llu\n", src, (unsigned long long)s.top.src[i].drops);
	}
	sl_prefilter_print_lists(stdout, "", &s);
	return EXIT_DONE;
}

static int cmd_config_check(const struct cmd *c, const struct cmd_args *a)
{
	static sl_config_t cfg;
	(void)c;
	if (sl_config_load(a->operand[0], &cfg, sl_config_report_print, stdout) != 0)
		return EXIT_REFUSED;
	puts("config OK");
	return EXIT_DONE;
}

static const char key_file_help[] =
	"  FILE is a Solana CLI keypair file (as solana-keygen writes it): a JSON\n"
	"  array of the 64 secret-key bytes, the 32-byte seed then the public key,\n"
	"  e.g. [12,34,...]; it must not be readable or writable by group or others.\n";

static const char daemon_help[] =
	"  sluiced answers on the unix socket of CONFIG's [control] socket (root only).\n";

/* The help of the commands on the prefilter's pinned maps. */
#define PINNED_HELP                                                                   \
	"  Works on the XDP prefilter's maps that sluice-dp (with [port] xdp_prog) pins\n" \
	"  under " SL_PF_PIN_ROOT "/<relay>; sluiced is not needed. Root only.\n"
#define KEPT_HELP                                                                      \
	"  sluice-dp keeps its lists in its [prefilter] state_file, within a second of a\n" \
	"  change: they outlive its restarts (a block with the time it has left).\n"
#define CIDR_HELP                                                                      \
	"  CIDR: an IPv4 or IPv6 address, or a prefix with no host bits set: 10.1.2.3,\n" \
	"  10.1.2.0/24, 2001:db8::/32.\n"

static const struct cmd commands[] = {
	{
		.name = "keygen", .operands = "FILE", .noperands = 1,
		.summary = "write a new identity key pair to FILE (mode 0600), print its public key",
		.detail = key_file_help,
		.flags = { { "--force", NULL, false, "replace FILE if it exists" } },
		.run = cmd_keygen,
	},
	{
		.name = "pubkey", .operands = "FILE", .noperands = 1,
		.summary = "print the public key (base58) of the key pair file FILE",
		.detail = key_file_help,
		.run = cmd_pubkey,
	},
	{
		.name = "peers", .operands = "CONFIG", .noperands = 1,
		.summary = "each managed peer of the relay CONFIG names, from its sluiced: key, address,\n"
			   "      state, RTT (last, smoothed), token age, control-message drops",
		.detail = daemon_help,
		.flags = { { "--json", NULL, false, "one JSON object, with every counter" } },
		.run = cmd_peers,
	},
	{
		.name = "peer add", .operands = "CONFIG NAME", .noperands = 2,
		.summary = "add a relay peer to the running sluiced; kept in its state file across restarts",
		.detail = "  NAME: 1 to 15 of [A-Za-z0-9_-], not a peer of the config. The peer's gossip\n"
			  "  port is this relay's gossip_port. Refused (exit 1): a name or key taken,\n"
			  "  a bad key or address, a full peer table.\n",
		.flags = { { "--pubkey", "K", true, "the peer relay's identity key (base58)" },
			   { "--ip", "A", true, "its IPv4 or IPv6 address (IPv6: the relay needs an ip6)" },
			   { "--port", "P", false, "its control port (default 8005)" } },
		.run = cmd_peer_add,
	},
	{
		.name = "peer remove", .operands = "CONFIG NAME", .noperands = 2,
		.summary = "remove a peer: one added at run time for good (state file), one of the\n"
			   "      config until sluiced restarts or reloads (SIGHUP)",
		.detail = daemon_help,
		.run = cmd_peer_named,
	},
	{
		.name = "peer ban", .operands = "CONFIG NAME", .noperands = 2,
		.summary = "cut the peer off (no fanout, its gossip and control messages dropped),\n"
			   "      then a new handshake",
		.detail = "  Without --for: until 'peer unban' or a restart of sluiced (bans are not\n"
			  "  kept in the state file).\n",
		.flags = { { "--for", "DURATION", false, "how long: 30s, 10m, 2h, 1d (plain numbers are seconds)" } },
		.run = cmd_peer_ban,
	},
	{
		.name = "peer unban", .operands = "CONFIG NAME", .noperands = 2,
		.summary = "end a peer's cut-off (by ban or by score) now: a new handshake follows",
		.detail = daemon_help,
		.run = cmd_peer_named,
	},
	{
		.name = "stats", .operands = "CONFIG", .noperands = 1,
		.summary = "sluiced's control-message counters, each peer's state, RTT and token age,\n"
			   "      sluice-dp's per-peer counters (peer table) and its own (DPDK telemetry)",
		.detail = "  sluice-dp not running is no error: its per-peer counters read 0 (or their\n"
			  "  last values) and the output says so.\n",
		.flags = { { "--json", NULL, false, "one JSON object, with sluice-dp's telemetry under \"sluice_dp\"" } },
		.run = cmd_stats,
	},
	{
		.name = "top", .operands = "CONFIG", .noperands = 1,
		.summary = "a live view of the running relay, redrawn every second (q quits): rates of\n"
			   "      rx, forwarded and each drop reason, verify rate and batch fill, peers, sources",
		.detail = "  Reads sluice-dp's DPDK telemetry (exit 1 when sluice-dp does not run) and,\n"
			  "  when sluiced runs, its peers' state. Not on a terminal, or with --once: one\n"
			  "  frame (80x24) from two samples a second apart.\n",
		.flags = { { "--once", NULL, false, "print one frame and exit" } },
		.run = cmd_top,
	},
	{
		.name = "block", .operands = "CONFIG CIDR", .noperands = 2,
		.summary = "drop a source prefix's traffic to the relay in XDP, for a while or for good",
		.detail = CIDR_HELP
			  "  The source's frames to the ingest and gossip ports drop in XDP\n"
			  "  (drop_blocklisted). Blocking a prefix again sets its new duration. An\n"
			  "  expired entry drops nothing; it is listed as expired until removed.\n"
			  KEPT_HELP PINNED_HELP,
		.flags = { { "--for", "DURATION", false, "how long: 30s, 10m, 2h, 1d (plain numbers are seconds); default: permanent" } },
		.run = cmd_block,
	},
	{
		.name = "unblock", .operands = "CONFIG CIDR", .noperands = 2,
		.summary = "remove a prefix from the blocklist (the exact prefix; absent is no error)",
		.detail = CIDR_HELP KEPT_HELP PINNED_HELP,
		.run = cmd_unblock,
	},
	{
		.name = "blocklist", .operands = "CONFIG", .noperands = 1,
		.summary = "the blocked prefixes, each with its remaining time, 'permanent' or 'expired'",
		.detail = PINNED_HELP,
		.flags = { { "--json", NULL, false, "{\"relay\", \"blocklist\": [{\"prefix\", \"state\", \"remaining_s\"}]}" } },
		.run = cmd_blocklist,
	},
	{
		.name = "allow", .operands = "CONFIG CIDR", .noperands = 2,
		.summary = "exempt a source prefix from the ingest rate limit (not from the blocklist)",
		.detail = CIDR_HELP KEPT_HELP PINNED_HELP,
		.run = cmd_allow,
	},
	{
		.name = "disallow", .operands = "CONFIG CIDR", .noperands = 2,
		.summary = "remove a prefix from the allowlist (the exact prefix; absent is no error)",
		.detail = CIDR_HELP KEPT_HELP PINNED_HELP,
		.run = cmd_disallow,
	},
	{
		.name = "allowlist", .operands = "CONFIG", .noperands = 1,
		.summary = "the prefixes exempt from the ingest rate limit",
		.detail = PINNED_HELP,
		.flags = { { "--json", NULL, false, "{\"relay\", \"allowlist\": [prefix, ...]}" } },
		.run = cmd_allowlist,
	},
	{
		.name = "ratelimit", .operands = "CONFIG RATE BURST", .noperands = 3,
		.summary = "limit each ingest source to RATE packets a second, bursts of BURST, in XDP;\n"
			   "      RATE 0 turns the limit off",
		.detail = "  RATE: 0 to 1000000000; BURST: at least 1 (any value with RATE 0). Sources\n"
			  "  on the allowlist and gossip from peers are not limited. A restarted\n"
			  "  sluice-dp sets its config's rate ([prefilter] rate, burst) again.\n"
			  PINNED_HELP,
		.run = cmd_ratelimit,
	},
	{
		.name = "xdp-stats", .operands = "CONFIG", .noperands = 1,
		.summary = "the XDP prefilter's counters, every one by name, the rate limit and the\n"
			   "      sources with the most drops",
		.detail = PINNED_HELP,
		.flags = { { "--json", NULL, false, "{\"relay\", \"rate_pps\", \"burst\", \"source_slots\", \"prefilter\": {counters..., \"top_sources\"}}" } },
		.run = cmd_xdp_stats,
	},
	{
		.name = "config check", .operands = "FILE", .noperands = 1,
		.summary = "check the relay config FILE with the relays' parser: 'config OK', or each\n"
			   "      problem as FILE:LINE: reason on stdout and exit 1",
		.run = cmd_config_check,
	},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "--force", "--ip A". */
static const char *flag_text(const struct cmd_flag *fl, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s%s%s", fl->name, fl->value ? " " : "", fl->value ? fl->value : "");
	return buf;
}

static void cmd_synopsis(FILE *f, const struct cmd *c)
{
	char t[64];
	fprintf(f, "%s %s", c->name, c->operands);
	for (int i = 0; i < CMD_FLAGS_MAX && c->flags[i].name; i++)
		fprintf(f, c->flags[i].required ? " %s" : " [%s]", flag_text(&c->flags[i], t, sizeof(t)));
}

/* The commands whose first word is `group` (all when NULL). */
static void list_commands(FILE *f, const char *group)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		size_t gl = group ? strlen(group) : 0;
		if (group && (strncmp(commands[i].name, group, gl) != 0 || commands[i].name[gl] != ' '))
			continue;
		fputs("  ", f);
		cmd_synopsis(f, &commands[i]);
		fprintf(f, "\n      %s\n", commands[i].summary);
	}
}

static const char exit_help[] =
	"exit status: 0 done, 1 refused (bad file, existing file, I/O, sluiced says no, no pinned\n"
	"maps), 2 usage error\n";

static void usage(FILE *f)
{
	fprintf(f, "usage: %s COMMAND [ARGS...]\n"
		   "       %s COMMAND --help\n"
		   "commands:\n", prog, prog);
	list_commands(f, NULL);
	fputs(exit_help, f);
}

static void cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: %s ", prog);
	cmd_synopsis(f, c);
	fprintf(f, "\n  %s\n", c->summary);
	if (c->detail)
		fputs(c->detail, f);
	char t[64];
	for (int i = 0; i < CMD_FLAGS_MAX && c->flags[i].name; i++)
		fprintf(f, "  %-14s %s\n", flag_text(&c->flags[i], t, sizeof(t)), c->flags[i].help);
}

static const char *quoted(const char *s, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "'%s'", s);
	return buf;
}

/* One line: what is wrong, and where the usage is. */
static int usage_error(const struct cmd *c, const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s%s%s (see %s%s%s --help)\n", prog, c ? c->name : "",
		c ? ": " : "", what, arg ? " " : "", arg ? arg : "", prog, c ? " " : "",
		c ? c->name : "");
	return EXIT_USAGE;
}

/* Flags may stand before or after the operands; "--" ends the flags. A flag
 * with a value takes the next argument, or what follows '=' ("--ip=A"). */
static int run_cmd(const struct cmd *c, int argc, char **argv)
{
	struct cmd_args a = { 0 };
	char q[256];
	int n = 0;
	bool flags_done = false;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!flags_done && s[0] == '-' && s[1] != '\0') {
			if (strcmp(s, "--") == 0) {
				flags_done = true;
				continue;
			}
			if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
				cmd_usage(stdout, c);
				return EXIT_DONE;
			}
			const char *eq = strchr(s, '=');
			size_t len = eq ? (size_t)(eq - s) : strlen(s);
			int f = 0;
			while (f < CMD_FLAGS_MAX && c->flags[f].name &&
			       (strncmp(s, c->flags[f].name, len) != 0 || c->flags[f].name[len] != '\0'))
				f++;
			if (f == CMD_FLAGS_MAX || c->flags[f].name == NULL || (eq && !c->flags[f].value))
				return usage_error(c, "unknown option", quoted(s, q, sizeof(q)));
			if (a.flag[f])
				return usage_error(c, "option given twice:", c->flags[f].name);
			a.flag[f] = true;
			if (c->flags[f].value) {
				if (!eq && i + 1 == argc)
					return usage_error(c, "missing the value of", c->flags[f].name);
				a.value[f] = eq ? eq + 1 : argv[++i];
			}
			continue;
		}
		if (n == c->noperands)
			return usage_error(c, "unexpected argument", quoted(s, q, sizeof(q)));
		a.operand[n++] = s;
	}
	if (n < c->noperands)
		return usage_error(c, "missing", c->operands);
	for (int f = 0; f < CMD_FLAGS_MAX && c->flags[f].name; f++)
		if (c->flags[f].required && !a.flag[f])
			return usage_error(c, "missing", flag_text(&c->flags[f], q, sizeof(q)));
	return c->run(c, &a);
}

/* The words of argv that name a command: 1 or 2 when one matches, else 0
 * (*group is set when argv[0] is the first word of two-word commands). */
static int match_cmd(int argc, char **argv, const struct cmd *c, bool *group)
{
	const char *sp = strchr(c->name, ' ');
	size_t l1 = sp ? (size_t)(sp - c->name) : strlen(c->name);
	if (strncmp(argv[0], c->name, l1) != 0 || argv[0][l1] != '\0')
		return 0;
	if (sp == NULL)
		return 1;
	*group = true;
	return argc > 1 && strcmp(argv[1], sp + 1) == 0 ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "no command given", NULL);
	const char *name = argv[1];
	char q[256];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		usage(stdout);
		return EXIT_DONE;
	}
	bool group = false;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		int w = match_cmd(argc - 1, argv + 1, &commands[i], &group);
		if (w > 0)
			return run_cmd(&commands[i], argc - 1 - w, argv + 1 + w);
	}
	if (group && argc > 2 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
		fprintf(stdout, "usage: %s %s COMMAND ...\ncommands:\n", prog, name);
		list_commands(stdout, name);
		fputs(exit_help, stdout);
		return EXIT_DONE;
	}
	if (group) {
		snprintf(q, sizeof(q), "'%s %s'", name, argc > 2 ? argv[2] : "");
		return usage_error(NULL, argc > 2 ? "unknown command" : "missing a subcommand after",
				   argc > 2 ? q : quoted(name, q, sizeof(q)));
	}
	if (name[0] == '-')
		return usage_error(NULL, "unknown option", quoted(name, q, sizeof(q)));
	return usage_error(NULL, "unknown command", quoted(name, q, sizeof(q)));
}
