/* sl_peertab_open: a missing or empty file becomes a fresh table; a file
 * of another layout (an older build's: another size, or this size with
 * another version) is replaced by a fresh one, and says so; a process
 * that waited for the lock while another replaced the file maps the new
 * one; a path that cannot be opened is an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "sl_peertab.h"

static char name_a[32], name_b[32];

static void path_of(const char *name, char *out, size_t n)
{
	snprintf(out, n, SL_PEERTAB_PATH_FMT, name);
}

static int setup(void **state)
{
	(void)state;
	snprintf(name_a, sizeof(name_a), "tpta%d", (int)getpid());
	snprintf(name_b, sizeof(name_b), "tptb%d", (int)getpid());
	sl_peertab_unlink(name_a);
	sl_peertab_unlink(name_b);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sl_peertab_unlink(name_a);
	sl_peertab_unlink(name_b);
	return 0;
}

static void assert_fresh(const struct sl_peertab *t)
{
	assert_non_null(t);
	assert_int_equal(t->magic, SL_PEERTAB_MAGIC);
	assert_int_equal(t->version, SL_PEERTAB_VERSION);
	assert_int_equal(t->size, sizeof(*t));
	for (unsigned k = 0; k < SL_PEERTAB_SLOTS; k++)
		assert_int_equal(t->peers[k].state, SL_PT_EMPTY);
}

/* Writes `size` bytes of 0x5a at the table's path, the first eight the
 * magic and the next four `version` (another build's stamp). */
static void write_other(const char *name, size_t size, uint32_t version)
{
	char path[128];
	path_of(name, path, sizeof(path));
	uint8_t *buf = malloc(size);
	assert_non_null(buf);
	memset(buf, 0x5a, size);
	const uint64_t magic = SL_PEERTAB_MAGIC;
	memcpy(buf, &magic, 8);
	memcpy(buf + 8, &version, 4);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, size, f), size);
	fclose(f);
	free(buf);
}

static void test_fresh_and_reopened(void **state)
{
	(void)state;
	char err[512] = "x";
	struct sl_peertab *t = sl_peertab_open(name_a, err, sizeof(err));
	assert_fresh(t);
	assert_string_equal(err, "");
	t->writer_pid = 77;
	sl_peertab_close(t);
	t = sl_peertab_open(name_a, err, sizeof(err)); /* the same table */
	assert_non_null(t);
	assert_string_equal(err, "");
	assert_int_equal(t->writer_pid, 77);
	sl_peertab_close(t);
}

static void test_other_layouts_replaced(void **state)
{
	(void)state;
	char err[512], path[128];
	path_of(name_a, path, sizeof(path));
	/* version 1's size and stamp, then this size with version 1 */
	const size_t sizes[] = {sizeof(struct sl_peertab) - 12 * SL_PEERTAB_SLOTS,
				sizeof(struct sl_peertab)};
	for (unsigned i = 0; i < 2; i++) {
		write_other(name_a, sizes[i], 1);
		struct sl_peertab *t = sl_peertab_open(name_a, err, sizeof(err));
		assert_fresh(t);
		if (strstr(err, "replaced a peer table of another layout") == NULL ||
		    strstr(err, "version 1") == NULL || strstr(err, path) == NULL)
			fail_msg("no note of the replacement: '%s'", err);
		assert_int_equal(t->writer_pid, 0);
		sl_peertab_close(t);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, sizeof(struct sl_peertab));
		/* nothing left beside it */
		char tmp[160];
		snprintf(tmp, sizeof(tmp), "%s.%ld.new", path, (long)getpid());
		assert_int_not_equal(access(tmp, F_OK), 0);
	}
}

/* A child holds the old file's lock, then renames another table over the
 * path and exits; this process, blocked on the old file's lock meanwhile,
 * must end up with the table now at the path (its writer_pid 4242). */
static void test_replaced_while_waiting(void **state)
{
	(void)state;
	char err[512], path_a[128], path_b[128];
	path_of(name_a, path_a, sizeof(path_a));
	path_of(name_b, path_b, sizeof(path_b));
	struct sl_peertab *t = sl_peertab_open(name_a, err, sizeof(err));
	assert_fresh(t);
	sl_peertab_close(t);
	t = sl_peertab_open(name_b, err, sizeof(err));
	assert_fresh(t);
	t->writer_pid = 4242;
	sl_peertab_close(t);
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int fd = open(path_a, O_RDWR);
		if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		_exit(rename(path_b, path_a) == 0 ? 0 : 1);
	}
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	t = sl_peertab_open(name_a, err, sizeof(err));
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_non_null(t);
	assert_string_equal(err, "");
	assert_int_equal(t->writer_pid, 4242);
	sl_peertab_close(t);
	close(ready[0]);
	close(ready[1]);
}

static void test_cannot_open(void **state)
{
	(void)state;
	char err[512];
	assert_null(sl_peertab_open("no-such-dir/x", err, sizeof(err)));
	assert_non_null(strstr(err, "No such file or directory"));
}

/* An entry's address: family 6 is IPv6, any other reads as IPv4 (a zeroed
 * entry too), as every reader of the table takes it. */
static void test_entry_addr(void **state)
{
	(void)state;
	struct sl_peertab_entry e = {.family = 4, .ip = {10, 99, 0, 12}};
	sl_addr_t a = sl_peertab_entry_addr(&e);
	const sl_addr_t v4 = sl_addr_make(4, (const uint8_t[]){10, 99, 0, 12});
	assert_true(sl_addr_eq(&a, &v4));
	e.family = 0;
	a = sl_peertab_entry_addr(&e);
	assert_true(sl_addr_eq(&a, &v4));
	const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x0c};
	e.family = 6;
	memcpy(e.ip, ip6, sizeof ip6);
	a = sl_peertab_entry_addr(&e);
	const sl_addr_t v6 = sl_addr_make(6, ip6);
	assert_true(sl_addr_eq(&a, &v6));
	assert_false(sl_addr_eq(&a, &v4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_and_reopened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_layouts_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_while_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_open, setup, teardown),
		cmocka_unit_test(test_entry_addr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
