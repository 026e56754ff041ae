/* sl_statefile: sluiced's state file of the peers added at run time --
 * the round trip, every rejected line reported by its line number and
 * skipped (the good ones kept), and the atomic write: a crash before the
 * rename (a torn temporary file beside it) leaves the old content, a crash
 * after it the new one, never a mix; the folder made for a save; a peer
 * found by name or key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sl_file.h"
#include "sl_statefile.h"

#define SL_TMPDIR_PREFIX "/tmp/sl-statefile-XXXXXX"
#define SL_TMPDIR_FILE "relay.peers"
#include "sl_test_tmpdir.h"

struct reports {
	unsigned n;
	unsigned line[16];
	char msg[16][256];
};

static void collect(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct reports *r = ctx;
	(void)file;
	if (r->n < 16) {
		r->line[r->n] = line;
		snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
	}
	r->n++;
}

/* A peer with a key made from `seed` (any 32 bytes are a key to the parser). */
static sl_state_peer_t peer(const char *name, uint8_t seed, uint8_t ip_last, uint16_t port)
{
	sl_state_peer_t p;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	for (unsigned i = 0; i < SL_PUBKEY_SZ; i++)
		p.pubkey[i] = (uint8_t)(seed + i * 7);
	const uint8_t ip[4] = {10, 0, 0, ip_last};
	p.ip = sl_addr_make(4, ip);
	p.ctl_port = port;
	return p;
}

/* The same at 2001:db8:1234:5678:9abc:def0:1234:<ip_last>: an IPv6 address
 * in one of its longest texts. */
static sl_state_peer_t peer6(const char *name, uint8_t seed, uint8_t ip_last, uint16_t port)
{
	sl_state_peer_t p = peer(name, seed, ip_last, port);
	const uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
				0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x01, ip_last};
	p.ip = sl_addr_make(6, ip);
	return p;
}

static void assert_same(const sl_statefile_t *a, const sl_statefile_t *b)
{
	assert_int_equal(a->n, b->n);
	for (unsigned i = 0; i < a->n; i++)
		assert_memory_equal(&a->peers[i], &b->peers[i], sizeof(a->peers[i]));
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	sl_statefile_t st = {0}, back;
	struct reports r = {0};
	char err[256];
	/* Missing: an empty list, no problem. */
	assert_int_equal(sl_statefile_load(f->path, &back, collect, &r), 0);
	assert_int_equal(back.n, 0);
	for (unsigned i = 0; i < SL_STATEFILE_PEERS_MAX; i++) {
		char name[16];
		snprintf(name, sizeof(name), "relay-%02u_x", i);
		/* every other one IPv6: the longest file there can be */
		st.peers[st.n++] = (i % 2 ? peer6 : peer)(name, (uint8_t)(i * 3 + 1), (uint8_t)(i + 1),
							   (uint16_t)(i == 0 ? 65535 : 8005 + i));
	}
	assert_int_equal(sl_statefile_save(f->path, &st, err, sizeof(err)), 0);
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_int_equal(sl_statefile_load(f->path, &back, collect, &r), 0);
	assert_int_equal(r.n, 0);
	assert_same(&st, &back);
	/* The empty list round-trips too, and the folder holds only the file. */
	st.n = 0;
	assert_int_equal(sl_statefile_save(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(sl_statefile_load(f->path, &back, collect, &r), 0);
	assert_int_equal(back.n, 0);
	DIR *d = opendir(f->dir);
	struct dirent *e;
	unsigned files = 0;
	while ((e = readdir(d)) != NULL)
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);
}

static void test_bad_lines(void **state)
{
	(void)state;
	sl_state_peer_t a = peer("a", 1, 1, 8005);
	char key[SL_PUBKEY_B58_MAX], text[4096];
	sl_pubkey_to_b58(a.pubkey, key);
	snprintf(text, sizeof(text),
		 "# comment\n"
		 "\n"
		 "peer a %s 10.0.0.1 8005\r\n"           /* 3: good (CRLF) */
		 "peer b %s 10.0.0.2 8005\n"             /* 4: a's key */
		 "peer a 11111111111111111111111111111111 10.0.0.3 8005\n" /* 5: a's name */
		 "peer c notbase58!! 10.0.0.4 8005\n"    /* 6 */
		 "peer d %s 10.0.0.256 8005\n"           /* 7 */
		 "peer e %s 10.0.0.5 0\n"                /* 8 */
		 "peer f %s 10.0.0.5 65536\n"            /* 9 */
		 "peer g/h %s 10.0.0.5 8005\n"           /* 10 */
		 "peer i %s 10.0.0.5\n"                  /* 11 */
		 "peer j %s 10.0.0.5 8005 extra\n"       /* 12 */
		 "node k %s 10.0.0.5 8005\n"             /* 13 */
		 "peer 11111111111111111111111111111111 10.0.0.5 8005\n" /* 14: no name */
		 "  peer\tk\t11111111111111111111111111111112 10.0.0.6 +8005\n" /* 15 */
		 "peer l 11111111111111111111111111111113 2001:db8::/64 8005\n" /* 16: a prefix */
		 "peer m 11111111111111111111111111111113 :: 8005\n" /* 17: unspecified */
		 "peer o 11111111111111111111111111111113 fe80::1 8005\n" /* 18: link-local */
		 "peer n 11111111111111111111111111111113 2001:db8::7 8005\n" /* 19: good */
		 "  peer\tk\t11111111111111111111111111111112 10.0.0.6 8006", /* 20: good, no newline */
		 key, key, key, key, key, key, key, key, key);
	sl_statefile_t st;
	struct reports r = {0};
	unsigned n = sl_statefile_parse(text, strlen(text), "x.peers", &st, collect, &r);
	static const unsigned want[] = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_int_equal(r.n, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(r.line[i], want[i]);
	assert_non_null(strstr(r.msg[0], "key"));
	assert_non_null(strstr(r.msg[1], "name"));
	assert_non_null(strstr(r.msg[12], "not a prefix"));
	assert_non_null(strstr(r.msg[13], "unspecified"));
	assert_non_null(strstr(r.msg[14], "link-local"));
	assert_int_equal(st.n, 3);
	assert_memory_equal(&st.peers[0], &a, sizeof(a));
	assert_string_equal(st.peers[1].name, "n");
	const uint8_t n6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};
	const sl_addr_t want6 = sl_addr_make(6, n6);
	assert_true(sl_addr_eq(&st.peers[1].ip, &want6));
	assert_string_equal(st.peers[2].name, "k");
	assert_int_equal(st.peers[2].ctl_port, 8006);
	/* A NUL inside a line, and a line too long: reported, not read past. */
	char nul[] = "peer a\0b x 1.2.3.4 1\npeer";
	r.n = 0;
	assert_int_equal(sl_statefile_parse(nul, sizeof(nul) - 1, "x", &st, collect, &r), 2);
	assert_int_equal(st.n, 0);
	char longl[400];
	memset(longl, 'a', sizeof(longl));
	r.n = 0;
	assert_int_equal(sl_statefile_parse(longl, sizeof(longl), "x", &st, collect, &r), 1);
	assert_int_equal(r.line[0], 1);
}

static void test_too_many(void **state)
{
	(void)state;
	static char text[SL_STATEFILE_TEXT_MAX * 2];
	size_t n = 0;
	for (unsigned i = 0; i <= SL_STATEFILE_PEERS_MAX; i++) {
		char name[16], key[SL_PUBKEY_B58_MAX];
		snprintf(name, sizeof(name), "p%u", i);
		sl_state_peer_t p = peer(name, (uint8_t)i, 1, 1);
		sl_pubkey_to_b58(p.pubkey, key);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "peer %s %s 1.2.3.4 1\n", name, key);
	}
	sl_statefile_t st;
	struct reports r = {0};
	assert_int_equal(sl_statefile_parse(text, n, "x", &st, collect, &r), 1);
	assert_int_equal(r.line[0], SL_STATEFILE_PEERS_MAX + 1);
	assert_int_equal(st.n, SL_STATEFILE_PEERS_MAX);
}

/* A temporary file as sl_file_write_atomic names it, holding part of `text`. */
static void torn_temp(const char *path, const char *text, size_t part)
{
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s.tmp-AbC123", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, part), (ssize_t)part);
	close(fd);
}

static void test_crash(void **state)
{
	struct fixture *f = *state;
	sl_statefile_t old = {0}, next, back;
	struct reports r = {0};
	char err[256], text[SL_STATEFILE_TEXT_MAX];
	old.peers[old.n++] = peer("old1", 1, 1, 8005);
	old.peers[old.n++] = peer("old2", 2, 2, 8005);
	assert_int_equal(sl_statefile_save(f->path, &old, err, sizeof(err)), 0);
	next = old;
	next.peers[1] = peer("new2", 9, 9, 9000);
	next.peers[next.n++] = peer("new3", 10, 10, 9001);
	size_t len = sl_statefile_format(&next, text, sizeof(text));
	assert_true(len > 0);
	/* A crash mid-write: the temporary file holds half of the new text (cut
	 * inside a line) and was never renamed. The old file is what loads. */
	for (size_t part = 0; part < len; part += len / 7 + 1) {
		torn_temp(f->path, text, part);
		assert_int_equal(sl_statefile_load(f->path, &back, collect, &r), 0);
		assert_same(&old, &back);
	}
	/* The crash came after the rename: the new content, whole. A leftover
	 * temporary file from an earlier crash changes nothing either. */
	assert_int_equal(sl_statefile_save(f->path, &next, err, sizeof(err)), 0);
	assert_int_equal(sl_statefile_load(f->path, &back, collect, &r), 0);
	assert_same(&next, &back);
	assert_int_equal(r.n, 0);
	/* A torn file in place of the real one (what a plain write could leave):
	 * the cut line is reported, and not taken as a peer. */
	FILE *w = fopen(f->path, "w");
	fwrite(text, 1, len - 5, w);
	fclose(w);
	assert_int_equal(sl_statefile_load(f->path, &back, collect, &r), 1);
	assert_int_equal(back.n, next.n - 1);
}

static void test_save_refused(void **state)
{
	struct fixture *f = *state;
	sl_statefile_t st = {0};
	char err[256] = "", path[256];
	snprintf(path, sizeof(path), "%s/missing/relay.peers", f->dir);
	assert_int_equal(sl_statefile_save(path, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing"));
	/* A folder where the file should be: unreadable, one problem at line 0. */
	struct reports r = {0};
	assert_int_equal(sl_statefile_load(f->dir, &st, collect, &r), 1);
	assert_int_equal(r.line[0], 0);
}

/* sl_file_make_parent makes the one missing folder a save needs (sluiced
 * calls it before each save), keeps an existing one, and refuses when more
 * than one level is missing. */
static void test_make_parent(void **state)
{
	struct fixture *f = *state;
	sl_statefile_t st = {0};
	char err[256] = "", path[256], deep[256];
	struct stat sb;
	snprintf(path, sizeof(path), "%s/missing/relay.peers", f->dir);
	assert_int_equal(sl_file_make_parent(path, 0755), 0);
	snprintf(deep, sizeof(deep), "%s/missing", f->dir);
	assert_int_equal(stat(deep, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sl_file_make_parent(path, 0755), 0); /* there already */
	assert_int_equal(sl_statefile_save(path, &st, err, sizeof(err)), 0);
	snprintf(deep, sizeof(deep), "%s/a/b/relay.peers", f->dir);
	errno = 0;
	assert_int_equal(sl_file_make_parent(deep, 0755), -1);
	assert_int_equal(errno, ENOENT);
	unlink(path);
	snprintf(deep, sizeof(deep), "%s/missing", f->dir);
	rmdir(deep);
}

/* sl_statefile_find: by name, by key, by either; -1 for neither. */
static void test_find(void **state)
{
	(void)state;
	sl_statefile_t st = {0};
	st.peers[st.n++] = peer("c", 1, 3, 8005);
	st.peers[st.n++] = peer("d", 2, 4, 8005);
	const sl_state_peer_t other = peer("e", 3, 5, 8005);
	assert_int_equal(sl_statefile_find(&st, "d", NULL), 1);
	assert_int_equal(sl_statefile_find(&st, NULL, st.peers[0].pubkey), 0);
	assert_int_equal(sl_statefile_find(&st, "e", st.peers[1].pubkey), 1); /* its key */
	assert_int_equal(sl_statefile_find(&st, "c", other.pubkey), 0);        /* its name */
	assert_int_equal(sl_statefile_find(&st, "e", other.pubkey), -1);
	assert_int_equal(sl_statefile_find(&st, NULL, NULL), -1);
	st.n = 0;
	assert_int_equal(sl_statefile_find(&st, "c", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test_setup_teardown(test_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_make_parent, setup, teardown),
		cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
