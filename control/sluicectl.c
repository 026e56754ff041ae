/* sluicectl: the operator's command line for a relay. One table of
 * subcommands; each declares its operands and flags, and the shared parser
 * gives every one the same --help, the same usage errors and exit codes.
 * Links no DPDK (sluice_common_dep only), so it runs beside a live relay.
 *
 * Exit status: 0 done, 1 refused (a bad key file, an existing file, an I/O
 * error), 2 usage error; every error is one line on stderr. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sl_config.h"
#include "sl_identity.h"

enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

#define CMD_OPERANDS_MAX 4
#define CMD_FLAGS_MAX 4

static const char *prog = "sluicectl";

struct cmd_flag {
	const char *name; /* "--force" */
	const char *help;
};

struct cmd_args {
	const char *operand[CMD_OPERANDS_MAX];
	bool flag[CMD_FLAGS_MAX]; /* indexed as the command's flags */
};

struct cmd {
	const char *name;
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
 * names it) and copy the answer to stdout. The first answer line is "ok"
 * or "error: ..."; only what follows "ok" is printed. */
static int ask_daemon(const struct cmd *c, const char *config, const char *request)
{
	static sl_config_t cfg;
	if (sl_config_load(config, &cfg, sl_config_report_print, stderr) != 0)
		return EXIT_REFUSED;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cfg.control.socket);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const struct timeval tmo = {.tv_sec = 5};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		fprintf(stderr, "%s: %s: sluiced at %s: %s\n", prog, c->name, sa.sun_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_REFUSED;
	}
	FILE *in = fdopen(fd, "r");
	char line[4096];
	int rc = EXIT_REFUSED;
	if (in != NULL && fgets(line, sizeof(line), in) != NULL) {
		if (strcmp(line, "ok\n") == 0) {
			rc = EXIT_DONE;
			size_t n;
			while ((n = fread(line, 1, sizeof(line), in)) > 0)
				fwrite(line, 1, n, stdout);
		} else {
			fprintf(stderr, "%s: %s: sluiced: %s", prog, c->name, line);
		}
	} else {
		fprintf(stderr, "%s: %s: sluiced at %s gave no answer\n", prog, c->name, sa.sun_path);
	}
	if (in != NULL)
		fclose(in);
	else
		close(fd);
	return rc;
}

static int cmd_peers(const struct cmd *c, const struct cmd_args *a)
{
	return ask_daemon(c, a->operand[0], a->flag[0] ? "peers json\n" : "peers\n");
}

static const char key_file_help[] =
	"  FILE is a Solana CLI keypair file (as solana-keygen writes it): a JSON\n"
	"  array of the 64 secret-key bytes, the 32-byte seed then the public key,\n"
	"  e.g. [12,34,...]; it must not be readable or writable by group or others.\n";

static const struct cmd commands[] = {
	{
		.name = "keygen", .operands = "FILE", .noperands = 1,
		.summary = "write a new identity key pair to FILE (mode 0600), print its public key",
		.detail = key_file_help,
		.flags = { { "--force", "replace FILE if it exists" } },
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
		.detail = "  sluiced answers on the unix socket of CONFIG's [control] socket (root only).\n",
		.flags = { { "--json", "one JSON object, with every counter" } },
		.run = cmd_peers,
	},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_synopsis(FILE *f, const struct cmd *c)
{
	fprintf(f, "%s %s", c->name, c->operands);
	for (int i = 0; i < CMD_FLAGS_MAX && c->flags[i].name; i++)
		fprintf(f, " [%s]", c->flags[i].name);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s COMMAND [ARGS...]\n"
		   "       %s COMMAND --help\n"
		   "commands:\n", prog, prog);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		fputs("  ", f);
		cmd_synopsis(f, &commands[i]);
		fprintf(f, "\n      %s\n", commands[i].summary);
	}
	fputs("exit status: 0 done, 1 refused (bad file, existing file, I/O), 2 usage error\n", f);
}

static void cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: %s ", prog);
	cmd_synopsis(f, c);
	fprintf(f, "\n  %s\n", c->summary);
	if (c->detail)
		fputs(c->detail, f);
	for (int i = 0; i < CMD_FLAGS_MAX && c->flags[i].name; i++)
		fprintf(f, "  %-10s %s\n", c->flags[i].name, c->flags[i].help);
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

/* Flags may stand before or after the operands; "--" ends the flags. */
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
			int f = 0;
			while (f < CMD_FLAGS_MAX && c->flags[f].name && strcmp(s, c->flags[f].name) != 0)
				f++;
			if (f == CMD_FLAGS_MAX || c->flags[f].name == NULL)
				return usage_error(c, "unknown option", quoted(s, q, sizeof(q)));
			a.flag[f] = true;
			continue;
		}
		if (n == c->noperands)
			return usage_error(c, "unexpected argument", quoted(s, q, sizeof(q)));
		a.operand[n++] = s;
	}
	if (n < c->noperands)
		return usage_error(c, "missing", c->operands);
	return c->run(c, &a);
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
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return run_cmd(&commands[i], argc - 2, argv + 2);
	if (name[0] == '-')
		return usage_error(NULL, "unknown option", quoted(name, q, sizeof(q)));
	return usage_error(NULL, "unknown command", quoted(name, q, sizeof(q)));
}
