/* Tests of sl_eal: the EAL command line in each memory mode, how
 * SLUICE_EAL_ARGS adds and overrides, and a real start in no-huge mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "sl_eal.h"

static char *argv_buf[SL_EAL_MAX_ARGS + 1];
static char str_buf[4096];

/* The built command line joined by spaces (without argv[0]). */
static const char *built(const struct sl_eal_opts *o, bool huge, const char *env)
{
	static char line[4096];
	int argc = sl_eal_build_argv(o, huge, env, argv_buf, SL_EAL_MAX_ARGS, str_buf, sizeof(str_buf));
	assert_true(argc >= 1);
	assert_null(argv_buf[argc]);
	line[0] = '\0';
	for (int i = 1; i < argc; i++) {
		strcat(line, i > 1 ? " " : "");
		strcat(line, argv_buf[i]);
	}
	return line;
}

static void test_no_huge_defaults(void **ctx)
{
	(void)ctx;
	struct sl_eal_opts o = { .prog = "bench" };
	assert_string_equal(built(&o, false, NULL),
			    "--no-huge --no-shconf -m 1024 --no-pci --no-telemetry --log-level=error");
	assert_string_equal(argv_buf[0], "bench");
	o.mem_mb = 4096;
	assert_string_equal(built(&o, false, ""),
			    "--no-huge --no-shconf -m 4096 --no-pci --no-telemetry --log-level=error");
}

static void test_huge_mode(void **ctx)
{
	(void)ctx;
	struct sl_eal_opts o = { 0 };
	/* Never --in-memory together with --no-huge, never --no-huge with hugepages. */
	const char *line = built(&o, true, NULL);
	assert_string_equal(line, "--in-memory --no-pci --no-telemetry --log-level=error");
	assert_string_equal(argv_buf[0], "sluice");
}

static void test_options(void **ctx)
{
	(void)ctx;
	char *extra[] = { "--vdev=net_null0", "--vdev=net_null1" };
	struct sl_eal_opts o = { .prog = "dp", .mem_mb = 256, .lcores = "0-1", .file_prefix = "sluice-dp0",
				 .log_level = "info", .pci = true, .telemetry = true,
				 .argc_extra = 2, .argv_extra = extra };
	assert_string_equal(built(&o, false, NULL),
			    "--no-huge --no-shconf -m 256 -l 0-1 --file-prefix=sluice-dp0 --log-level=info "
			    "--vdev=net_null0 --vdev=net_null1");
}

static void test_env_overrides(void **ctx)
{
	(void)ctx;
	struct sl_eal_opts o = { .lcores = "0" };
	/* Added last, so later flags win; conflicting defaults are dropped. */
	assert_string_equal(built(&o, true, "  --no-huge\t-m 512  "),
			    "--no-huge --no-shconf --no-pci --no-telemetry -l 0 --log-level=error --no-huge -m 512");
	assert_string_equal(built(&o, false, "--socket-mem=128 -l 1 -a 0000:01:00.0 --telemetry"),
			    "--no-huge --no-shconf --log-level=error --socket-mem=128 -l 1 -a 0000:01:00.0 --telemetry");
	assert_string_equal(built(&o, false, "--log-level=debug"),
			    "--no-huge --no-shconf -m 1024 --no-pci --no-telemetry -l 0 --log-level=error --log-level=debug");
	/* "-m" does not match other flags that begin with m-like letters. */
	assert_string_equal(built(&o, false, "--match-allocations"),
			    "--no-huge --no-shconf -m 1024 --no-pci --no-telemetry -l 0 --log-level=error --match-allocations");
}

static void test_too_small(void **ctx)
{
	(void)ctx;
	struct sl_eal_opts o = { 0 };
	char *argv[4];
	char buf[4096];
	assert_int_equal(sl_eal_build_argv(&o, false, NULL, argv, 4, buf, sizeof(buf)), -1);
	char *argv2[SL_EAL_MAX_ARGS + 1];
	char small[16];
	assert_int_equal(sl_eal_build_argv(&o, false, NULL, argv2, SL_EAL_MAX_ARGS, small, sizeof(small)), -1);
}

static void test_hugepages_check(void **ctx)
{
	(void)ctx;
	/* Nobody has a petabyte of free hugepages. */
	assert_false(sl_eal_hugepages_available(1u << 30));
}

static void test_real_start(void **ctx)
{
	(void)ctx;
	/* Keep this test small whatever the caller's environment says. */
	unsetenv("SLUICE_EAL_ARGS");
	struct sl_eal_opts o = { .prog = "test_sl_eal", .mem_mb = 128, .lcores = "0" };
	assert_int_equal(sl_eal_init_opts(&o), 0);
	assert_int_equal(rte_lcore_count(), 1);
	void *p = rte_zmalloc("test", 1 << 20, 64);
	assert_non_null(p);
	rte_free(p);
	/* A second start is a no-op. */
	assert_int_equal(sl_eal_init("test_sl_eal", 0, NULL), 0);
	/* No telemetry, no shared config: the runtime folder is empty, and
	 * goes with the EAL. */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	assert_int_equal(access(dir, F_OK), 0);
	sl_eal_cleanup();
	assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_huge_defaults),
		cmocka_unit_test(test_huge_mode),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_env_overrides),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_hugepages_check),
		cmocka_unit_test(test_real_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
