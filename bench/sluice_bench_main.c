/* sluice-bench: every sluice benchmark in one binary. The --benchmark_* flags
 * (and --help) go to cbench; every other argument is an EAL flag. */
#include "cbench.h"
#include "sl_eal.h"

#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_log.h>

/* The dedup benchmarks build a 16M-entry rte_hash; without hugepages the EAL
 * needs this much ordinary memory (only the touched part becomes resident). */
#define SLUICE_BENCH_MEM_MB 4096u

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int main(int argc, char **argv)
{
	char **bench_argv = calloc((size_t)argc + 1, sizeof(char *));
	char **eal_argv = calloc((size_t)argc + 1, sizeof(char *));
	if (bench_argv == NULL || eal_argv == NULL)
		return 1;
	int nb = 0, ne = 0;
	bool help = false;
	bench_argv[nb++] = argv[0];
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--benchmark_", 12) == 0 || is_help(argv[i])) {
			bench_argv[nb++] = argv[i];
			help |= is_help(argv[i]);
		} else {
			eal_argv[ne++] = argv[i];
		}
	}
	struct sl_eal_opts eal = { .prog = argv[0], .mem_mb = SLUICE_BENCH_MEM_MB,
				   .argc_extra = ne, .argv_extra = eal_argv };
	/* stdout carries the JSON; the Linux EAL would log there. */
	rte_openlog_stream(stderr);
	if (!help && sl_eal_init_opts(&eal) != 0)
		return 1;
	/* The mbuf layout, hence every pipeline/ figure, depends on it
	 * (dataplane/README.md, "dup_drop against io_forward"). */
	if (!help)
		cbench_add_custom_context("sluice_eal_memory", rte_eal_has_hugepages()
					  ? "hugepages" : "4 KiB pages (--no-huge)");
	int rc = cbench_main(nb, bench_argv);
	if (!help)
		sl_eal_cleanup();
	free(bench_argv);
	free(eal_argv);
	return rc;
}
