/* sluice-sigcheck: Ed25519 verdicts under the relay's signature rule for
 * lines "PUBKEY_HEX SIGNATURE_HEX MESSAGE_HEX" on standard input (the
 * message may be empty), one "ok" or "bad" per line on standard output, in
 * order. Singly by default, or in batches of N with --batch N.
 *
 * Exit status: 0 when every line was read, 1 on a malformed line (after the
 * verdicts of the lines before it, with an error naming the line), 2 on a
 * usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_verify.h"

static const char *prog = "sluice-sigcheck";

typedef struct line_item {
	uint8_t pk[32], sig[64];
	uint8_t *msg;
	size_t msg_sz;
} line_item_t;

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [--batch N] [--backend sluice|sodium] < lines\n"
		"  each line: PUBKEY_HEX SIGNATURE_HEX MESSAGE_HEX (64, 128 and any even\n"
		"  number of hex digits); prints ok or bad per line.\n"
		"  --batch N   verify in batches of N (1..%d); default: one at a time\n",
		prog, SL_VERIFY_BATCH_MAX);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly len hex digits of s into out; -1 on a non-hex digit. */
static int unhex(uint8_t *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Split the line into fields on blanks; returns the count (at most max). */
static int split(char *line, char **f, size_t *flen, int max)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return max + 1;
		f[n] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		flen[n] = (size_t)(p - f[n]);
		n++;
	}
}

/* Parse one line into it; on error, a message in err and -1. */
static int parse_line(char *line, line_item_t *it, char *err, size_t errsz)
{
	char *f[3];
	size_t flen[3];
	int n = split(line, f, flen, 3);
	if (n > 3) {
		snprintf(err, errsz, "more than 3 fields");
		return -1;
	}
	if (n < 2) {
		snprintf(err, errsz, "expected PUBKEY_HEX SIGNATURE_HEX MESSAGE_HEX, found %d field%s",
			 n, n == 1 ? "" : "s");
		return -1;
	}
	if (flen[0] != 64 || unhex(it->pk, f[0], 64) != 0) {
		snprintf(err, errsz, "public key is not 64 hex digits (32 bytes)");
		return -1;
	}
	if (flen[1] != 128 || unhex(it->sig, f[1], 128) != 0) {
		snprintf(err, errsz, "signature is not 128 hex digits (64 bytes)");
		return -1;
	}
	size_t mlen = n == 3 ? flen[2] : 0;
	if (mlen % 2 != 0) {
		snprintf(err, errsz, "message has an odd number of hex digits");
		return -1;
	}
	free(it->msg);
	it->msg = malloc(mlen / 2 + 1);
	if (it->msg == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (mlen > 0 && unhex(it->msg, f[2], mlen) != 0) {
		snprintf(err, errsz, "message is not hex");
		return -1;
	}
	it->msg_sz = mlen / 2;
	return 0;
}

static void flush(sl_verifier_t *v, sl_verify_backend_t backend, line_item_t *pending, size_t n)
{
	static sl_verify_item_t items[SL_VERIFY_BATCH_MAX]; /* static: zeroed for gcc */
	uint8_t ok[SL_VERIFY_BATCH_MAX];
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		items[i] = (sl_verify_item_t){ pending[i].sig, pending[i].pk, pending[i].msg,
					       pending[i].msg_sz };
	if (v != NULL)
		sl_verify_batch(v, items, n, ok);
	else
		for (size_t i = 0; i < n; i++)
			ok[i] = (uint8_t)sl_verify_one(backend, &items[i]);
	for (size_t i = 0; i < n; i++)
		fputs(ok[i] ? "ok\n" : "bad\n", stdout);
}

int main(int argc, char **argv)
{
	size_t batch = 0;
	sl_verify_backend_t backend = SL_VERIFY_SLUICE;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			long n = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || n < 1 || n > SL_VERIFY_BATCH_MAX) {
				fprintf(stderr, "%s: --batch wants 1..%d, got '%s'\n", prog,
					SL_VERIFY_BATCH_MAX, argv[i]);
				return 2;
			}
			batch = (size_t)n;
		} else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "sluice") == 0) {
				backend = SL_VERIFY_SLUICE;
			} else if (strcmp(argv[i], "sodium") == 0) {
				backend = SL_VERIFY_SODIUM;
			} else {
				fprintf(stderr, "%s: unknown backend '%s'\n", prog, argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		} else {
			fprintf(stderr, "%s: unknown argument '%s'\n", prog, argv[i]);
			usage();
			return 2;
		}
	}

	sl_verifier_t *v = NULL;
	if (batch > 0 && (v = sl_verifier_create(backend)) == NULL) {
		fprintf(stderr, "%s: cannot create a verifier\n", prog);
		return 1;
	}
	size_t room = batch > 0 ? batch : 1;
	line_item_t *pending = calloc(room, sizeof(*pending));
	if (pending == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0, np = 0;
	unsigned long lineno = 0;
	int status = 0;
	while (getline(&line, &cap, stdin) != -1) {
		lineno++;
		char err[128];
		if (parse_line(line, &pending[np], err, sizeof(err)) != 0) {
			flush(v, backend, pending, np);
			np = 0;
			fflush(stdout);
			fprintf(stderr, "%s: line %lu: %s\n", prog, lineno, err);
			status = 1;
			break;
		}
		if (++np == room) {
			flush(v, backend, pending, np);
			np = 0;
		}
	}
	if (status == 0)
		flush(v, backend, pending, np);
	for (size_t i = 0; i < room; i++)
		free(pending[i].msg);
	free(pending);
	free(line);
	sl_verifier_destroy(v);
	return status;
}
