/* sl_eal: the EAL command line a fresh machine can run with (see sl_eal.h). */
#include "sl_eal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

/* Appends strings into a caller's buffer and pointers into its argv. */
struct argv_writer {
	char **argv;
	int argc, max_args;
	char *buf;
	size_t used, len;
	bool overflow;
};

static char *writer_push(struct argv_writer *w, const char *s, size_t n)
{
	if (w->argc + 1 >= w->max_args || w->used + n + 1 > w->len) {
		w->overflow = true;
		return NULL;
	}
	char *dst = w->buf + w->used;
	memcpy(dst, s, n);
	dst[n] = '\0';
	w->used += n + 1;
	w->argv[w->argc++] = dst;
	w->argv[w->argc] = NULL;
	return dst;
}

static void writer_add(struct argv_writer *w, const char *fmt_or_s, const char *v)
{
	char tmp[512];
	int n = v ? snprintf(tmp, sizeof(tmp), fmt_or_s, v) : snprintf(tmp, sizeof(tmp), "%s", fmt_or_s);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		w->overflow = true;
		return;
	}
	writer_push(w, tmp, (size_t)n);
}

/* Whether the SLUICE_EAL_ARGS words contain a flag: "--long" matches itself
 * and "--long=..."; "-x" matches "-x" and "-xVALUE". */
static bool env_has(const char *env, const char *flag)
{
	size_t fl = strlen(flag);
	const char *p = env;
	while (p != NULL && *p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		size_t n = strcspn(p, " \t\n\r\f\v");
		if (n >= fl && strncmp(p, flag, fl) == 0 &&
		    (n == fl || (flag[1] == '-' ? p[fl] == '=' : true)))
			return true;
		p += n;
	}
	return false;
}

int sl_eal_build_argv(const struct sl_eal_opts *o, bool huge, const char *env, char **argv,
		      int max_args, char *buf, size_t buflen)
{
	struct argv_writer w = { .argv = argv, .max_args = max_args, .buf = buf, .len = buflen };
	if (max_args < 1)
		return -1;
	argv[0] = NULL;
	if (env == NULL)
		env = "";
	char mem[32];
	snprintf(mem, sizeof(mem), "%u", o->mem_mb ? o->mem_mb : SL_EAL_DEFAULT_MEM_MB);
	bool env_mem = env_has(env, "-m") || env_has(env, "--socket-mem");

	writer_add(&w, o->prog ? o->prog : "sluice", NULL);
	if (env_has(env, "--no-huge"))
		huge = false;
	if (huge) {
		/* No hugepage files or shared config: parallel processes never collide. */
		writer_add(&w, "--in-memory", NULL);
	} else {
		/* --in-memory would conflict with --no-huge; --no-shconf gives the
		 * same independence from other processes. */
		writer_add(&w, "--no-huge", NULL);
		writer_add(&w, "--no-shconf", NULL);
		if (!env_mem) {
			writer_add(&w, "-m", NULL);
			writer_add(&w, mem, NULL);
		}
	}
	bool env_pci = env_has(env, "-a") || env_has(env, "--allow") || env_has(env, "-b") ||
		       env_has(env, "--block");
	if (!o->pci && !env_pci)
		writer_add(&w, "--no-pci", NULL);
	if (!o->telemetry && !env_has(env, "--telemetry"))
		writer_add(&w, "--no-telemetry", NULL);
	if (o->lcores != NULL && !env_has(env, "-l") && !env_has(env, "--lcores") && !env_has(env, "-c")) {
		writer_add(&w, "-l", NULL);
		writer_add(&w, o->lcores, NULL);
	}
	if (o->file_prefix != NULL && !env_has(env, "--file-prefix"))
		writer_add(&w, "--file-prefix=%s", o->file_prefix);
	writer_add(&w, "--log-level=%s", o->log_level ? o->log_level : "error");
	for (int i = 0; i < o->argc_extra; i++)
		writer_add(&w, o->argv_extra[i], NULL);
	for (const char *p = env; *p != '\0';) {
		while (isspace((unsigned char)*p))
			p++;
		size_t n = strcspn(p, " \t\n\r\f\v");
		if (n > 0)
			writer_push(&w, p, n);
		p += n;
	}
	return w.overflow ? -1 : w.argc;
}

/* Free hugepage memory in MB from /proc/meminfo, and whether hugetlbfs is
 * mounted anywhere. */
bool sl_eal_hugepages_available(unsigned mem_mb)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (f == NULL)
		return false;
	char line[256];
	unsigned long free_pages = 0, page_kb = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &page_kb);
	}
	fclose(f);
	if ((unsigned long long)free_pages * page_kb / 1024 < mem_mb || free_pages == 0)
		return false;
	f = fopen("/proc/mounts", "r");
	if (f == NULL)
		return false;
	bool mounted = false;
	while (!mounted && fgets(line, sizeof(line), f) != NULL) {
		char dev[128], dir[128], type[64];
		if (sscanf(line, "%127s %127s %63s", dev, dir, type) == 3 && strcmp(type, "hugetlbfs") == 0)
			mounted = true;
	}
	fclose(f);
	return mounted;
}

int sl_eal_init_opts(const struct sl_eal_opts *o)
{
	static bool started;
	if (started)
		return 0;
	unsigned mem = o->mem_mb ? o->mem_mb : SL_EAL_DEFAULT_MEM_MB;
	char *argv[SL_EAL_MAX_ARGS + 1];
	char buf[4096];
	int argc = sl_eal_build_argv(o, sl_eal_hugepages_available(mem), getenv("SLUICE_EAL_ARGS"),
				     argv, SL_EAL_MAX_ARGS, buf, sizeof(buf));
	if (argc < 0) {
		fprintf(stderr, "sl_eal: too many EAL arguments\n");
		return -1;
	}
	/* rte_eal_init permutes argv; keep ours for the error message. */
	char *copy[SL_EAL_MAX_ARGS + 1];
	memcpy(copy, argv, sizeof(argv[0]) * (size_t)(argc + 1));
	if (rte_eal_init(argc, copy) < 0) {
		fprintf(stderr, "sl_eal: rte_eal_init failed: %s\n  EAL arguments:",
			rte_strerror(rte_errno));
		for (int i = 0; i < argc; i++)
			fprintf(stderr, " %s", argv[i]);
		fputs("\n  (add or override flags with SLUICE_EAL_ARGS)\n", stderr);
		return -1;
	}
	started = true;
	return 0;
}

void sl_eal_cleanup(void)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	(void)rmdir(dir); /* fails, harmlessly, when not empty */
}

int sl_eal_init(const char *prog, int argc_extra, char **argv_extra)
{
	struct sl_eal_opts o = { .prog = prog, .argc_extra = argc_extra, .argv_extra = argv_extra };
	return sl_eal_init_opts(&o);
}
