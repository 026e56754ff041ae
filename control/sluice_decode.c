/* sluice-decode: print what sluice makes of raw transactions, one JSON object
 * per transaction per line.
 *
 *   sluice-decode [--verify] [--records] FILE...
 *
 * A FILE ("-" is standard input) holds one transaction, or with --records a
 * sequence of records "u16 little-endian length, then that many bytes".
 * Exit status: 0 when every transaction parsed (and with --verify, every one
 * verified), 1 when one did not, 2 on a usage or I/O error (a truncated
 * record file is one). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_base58.h"
#include "sl_txn.h"
#include "sl_verify.h"

enum { EXIT_REJECTED = 1, EXIT_USAGE_IO = 2 };

struct decode_opts {
	bool verify;
	bool records;
};

static void usage(FILE *out)
{
	fputs("usage: sluice-decode [--verify] [--records] FILE...\n"
	      "  Prints one JSON object per transaction: file, index (records), ok,\n"
	      "  reason (when not ok); when parsed: version, nsig, id, signers,\n"
	      "  msg_len, and with --verify, verified.\n"
	      "  --records  FILE holds records: u16 little-endian length + bytes\n"
	      "  --verify   check every signature (the relay's signature rule)\n"
	      "  FILE '-' is standard input (reported as \"<stdin>\").\n"
	      "exit: 0 all parsed (and verified), 1 some did not, 2 usage or I/O error\n",
	      out);
}

/* JSON string with the escapes RFC 8259 requires. */
static void put_json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void put_base58(const uint8_t *bytes, size_t n)
{
	char text[SL_BASE58_SIG_STRLEN];
	sl_base58_encode(bytes, n, text, sizeof(text));
	printf("\"%s\"", text);
}

/* One transaction's line; returns whether it counts as good for the exit
 * status. `index` < 0 for a whole-file transaction. */
static bool decode_one(const struct decode_opts *o, sl_verifier_t *v, const char *file, long index,
		       const uint8_t *tx, size_t sz)
{
	sl_txn_t t;
	sl_txn_err_t err = sl_txn_parse(tx, sz, &t);
	fputs("{\"file\":", stdout);
	put_json_str(file);
	if (index >= 0)
		printf(",\"index\":%ld", index);
	printf(",\"ok\":%s", err == SL_TXN_OK ? "true" : "false");
	if (err != SL_TXN_OK) {
		printf(",\"reason\":\"%s\"}\n", sl_txn_err_name(err));
		return false;
	}
	printf(",\"version\":\"%s\",\"nsig\":%u,\"id\":", t.version == SL_TXN_V0 ? "v0" : "legacy",
	       t.nsig);
	put_base58(sl_txn_id(tx, &t), SL_TXN_SIG_SZ);
	fputs(",\"signers\":[", stdout);
	for (unsigned i = 0; i < t.nsig; i++) {
		if (i > 0)
			putchar(',');
		put_base58(sl_txn_signer(tx, &t, i), SL_TXN_PUBKEY_SZ);
	}
	printf("],\"msg_len\":%zu", sl_txn_msg_sz(&t));
	bool good = true;
	if (o->verify) {
		good = sl_verify_txn(v, tx, &t);
		printf(",\"verified\":%s", good ? "true" : "false");
	}
	fputs("}\n", stdout);
	return good;
}

/* The whole of `f` in a malloc'd buffer; NULL (errno set) on a read error. */
static uint8_t *read_all(FILE *f, size_t *sz)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf != NULL) {
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			free(buf);
			return NULL;
		}
		if (n < cap) {
			*sz = n;
			return buf;
		}
		uint8_t *bigger = realloc(buf, cap *= 2);
		if (bigger == NULL)
			free(buf);
		buf = bigger;
	}
	return NULL;
}

enum file_status { FILE_GOOD, FILE_REJECTED, FILE_ERROR };

static enum file_status decode_file(const struct decode_opts *o, sl_verifier_t *v, const char *path)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "sluice-decode: %s: %s\n", name, strerror(errno));
		return FILE_ERROR;
	}
	size_t sz = 0;
	uint8_t *buf = read_all(f, &sz);
	int read_errno = errno;
	if (!is_stdin)
		fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "sluice-decode: %s: read error: %s\n", name, strerror(read_errno));
		return FILE_ERROR;
	}

	enum file_status st = FILE_GOOD;
	if (!o->records) {
		if (!decode_one(o, v, name, -1, buf, sz))
			st = FILE_REJECTED;
		free(buf);
		return st;
	}
	size_t off = 0;
	for (long index = 0; off < sz; index++) {
		if (sz - off < 2) {
			fprintf(stderr, "sluice-decode: %s: truncated record %ld at offset %zu: "
					"length prefix needs 2 bytes, %zu left\n",
				name, index, off, sz - off);
			st = FILE_ERROR;
			break;
		}
		size_t len = (size_t)buf[off] | (size_t)buf[off + 1] << 8;
		if (len > sz - off - 2) {
			fprintf(stderr, "sluice-decode: %s: truncated record %ld at offset %zu: "
					"length %zu, %zu bytes left\n",
				name, index, off, len, sz - off - 2);
			st = FILE_ERROR;
			break;
		}
		if (!decode_one(o, v, name, index, buf + off + 2, len))
			st = FILE_REJECTED;
		off += 2 + len;
	}
	free(buf);
	return st;
}

int main(int argc, char **argv)
{
	struct decode_opts o = { 0 };
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--verify") == 0) {
			o.verify = true;
		} else if (strcmp(argv[i], "--records") == 0) {
			o.records = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "sluice-decode: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE_IO;
		}
	}
	if (i == argc) {
		fputs("sluice-decode: no FILE given\n", stderr);
		usage(stderr);
		return EXIT_USAGE_IO;
	}

	sl_verifier_t *v = NULL;
	if (o.verify && (v = sl_verifier_create(SL_VERIFY_SODIUM)) == NULL) {
		fputs("sluice-decode: cannot create the signature verifier\n", stderr);
		return EXIT_USAGE_IO;
	}
	bool rejected = false, failed = false;
	for (; i < argc; i++) {
		enum file_status st = decode_file(&o, v, argv[i]);
		rejected |= st == FILE_REJECTED;
		failed |= st == FILE_ERROR;
	}
	sl_verifier_destroy(v);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sluice-decode: writing the output: %s\n", strerror(errno));
		return EXIT_USAGE_IO;
	}
	return failed ? EXIT_USAGE_IO : rejected ? EXIT_REJECTED : 0;
}
