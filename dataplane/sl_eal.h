/* sl_eal: start the DPDK EAL without the user passing EAL flags.
 *
 * Hugepages are used when the machine has enough free ones on a hugetlbfs
 * mount (then --in-memory, so several sluice processes never share files);
 * otherwise the EAL runs on ordinary memory: --no-huge -m MB --no-shconf.
 * PCI probing and telemetry are off unless asked for, logging is quiet.
 * The environment variable SLUICE_EAL_ARGS (whitespace-separated EAL flags)
 * is appended last, so it adds flags or overrides the defaults; a --no-huge
 * there forces ordinary memory, a -m/--socket-mem there replaces ours. */
#ifndef SL_EAL_H
#define SL_EAL_H

#include <stdbool.h>
#include <stddef.h>

#define SL_EAL_DEFAULT_MEM_MB 1024u
#define SL_EAL_MAX_ARGS 64

struct sl_eal_opts {
	const char *prog; /* argv[0] for the EAL; NULL: "sluice" */
	unsigned mem_mb; /* memory the process needs; 0: SL_EAL_DEFAULT_MEM_MB */
	const char *lcores; /* "-l" list, e.g. "0-1"; NULL: DPDK's default */
	const char *file_prefix; /* NULL: DPDK's default */
	const char *log_level; /* NULL: "error" */
	bool pci; /* probe PCI devices for native PMDs */
	bool telemetry; /* serve DPDK telemetry */
	int argc_extra; /* more EAL flags (e.g. --vdev=...), before SLUICE_EAL_ARGS */
	char **argv_extra;
};

/* Start the EAL with the defaults and argv_extra[0..argc_extra). Returns 0
 * (also when it already runs), or -1 after printing why to stderr. */
int sl_eal_init(const char *prog, int argc_extra, char **argv_extra);
int sl_eal_init_opts(const struct sl_eal_opts *o);

/* rte_eal_cleanup, then remove this process's runtime folder
 * (/var/run/dpdk/PREFIX) if it is empty: DPDK leaves it behind even without
 * a shared config, and tools that take a per-process prefix (sluice-gen)
 * would leave one per run. A folder still holding files (the telemetry
 * socket) stays. */
void sl_eal_cleanup(void);

/* True when at least mem_mb of free hugepages sit on a hugetlbfs mount. */
bool sl_eal_hugepages_available(unsigned mem_mb);

/* The EAL argv that sl_eal_init_opts would pass, with `huge` deciding the
 * memory mode and `env` standing for SLUICE_EAL_ARGS (may be NULL). Strings
 * are written into buf. Returns argc, or -1 when argv/buf are too small. */
int sl_eal_build_argv(const struct sl_eal_opts *o, bool huge, const char *env, char **argv,
		      int max_args, char *buf, size_t buflen);

#endif
