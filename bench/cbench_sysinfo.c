/* What a benchmark ran on, read as Google Benchmark's sysinfo.cc reads it on
 * Linux: CPU count, MHz, frequency scaling, caches, load, date, host. */
#include "cbench_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char *ok = fgets(buf, (int)len, f);
	fclose(f);
	if (ok == NULL)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static double read_mhz(void)
{
	char line[256];
	/* The TSC frequency is the steady one; cpu MHz moves with scaling. */
	if (read_line("/sys/devices/system/cpu/cpu0/tsc_freq_khz", line, sizeof(line)) == 0)
		return atof(line) / 1000.0;
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f == NULL)
		return 0;
	double mhz = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "cpu MHz", 7) == 0) {
			const char *colon = strchr(line, ':');
			if (colon != NULL)
				mhz = atof(colon + 1);
			break;
		}
	}
	fclose(f);
	return mhz;
}

/* Scaling counts as enabled when cpu0's governor is not "performance". */
static bool read_scaling_enabled(void)
{
	char gov[64];
	if (read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", gov, sizeof(gov)) != 0)
		return false;
	return strcmp(gov, "performance") != 0;
}

/* "32K" / "1024K" / "32M" -> bytes. */
static int64_t parse_cache_size(const char *s)
{
	char *end;
	int64_t v = strtoll(s, &end, 10);
	if (*end == 'K')
		v *= 1024;
	else if (*end == 'M')
		v *= 1024 * 1024;
	else if (*end == 'G')
		v *= 1024LL * 1024 * 1024;
	return v;
}

/* Number of CPUs in a shared_cpu_map such as "00000003" or "ff,ffffffff". */
static int count_cpus_in_map(const char *map)
{
	int n = 0;
	for (const char *p = map; *p != '\0'; p++) {
		char c = *p;
		int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
			: (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 0;
		n += __builtin_popcount((unsigned)v);
	}
	return n;
}

static void read_caches(cbench_context_t *c)
{
	c->ncaches = 0;
	for (int i = 0; c->ncaches < CBENCH_MAX_CACHES; i++) {
		char path[128], buf[256];
		cbench_cache_t *ci = &c->caches[c->ncaches];
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (read_line(path, buf, sizeof(buf)) != 0)
			break;
		snprintf(ci->type, sizeof(ci->type), "%.*s", (int)sizeof(ci->type) - 1, buf);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		ci->level = read_line(path, buf, sizeof(buf)) == 0 ? atoi(buf) : 0;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		ci->size = read_line(path, buf, sizeof(buf)) == 0 ? parse_cache_size(buf) : 0;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_map", i);
		ci->num_sharing = read_line(path, buf, sizeof(buf)) == 0 ? count_cpus_in_map(buf) : 0;
		c->ncaches++;
	}
}

/* ISO 8601 local time with a "+hh:mm" offset, as Google Benchmark prints. */
static void local_date(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char tz[8];
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(tz, sizeof(tz), "%z", &tm); /* "+0000" */
	if (strlen(tz) == 5)
		snprintf(buf + n, len - n, "%.3s:%.2s", tz, tz + 3);
}

static struct {
	int n;
	char kv[CBENCH_MAX_CUSTOM_CONTEXT][2][128];
} custom;

int cbench_add_custom_context(const char *key, const char *value)
{
	static const char *const standard[] = {
		"date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
		"caches", "load_avg", "library_build_type", "json_schema_version",
	};
	if (custom.n == CBENCH_MAX_CUSTOM_CONTEXT || strlen(key) >= sizeof(custom.kv[0][0]) ||
	    strlen(value) >= sizeof(custom.kv[0][1]))
		return -1;
	for (size_t i = 0; i < sizeof(standard) / sizeof(standard[0]); i++)
		if (strcmp(key, standard[i]) == 0)
			return -1;
	for (int i = 0; i < custom.n; i++)
		if (strcmp(key, custom.kv[i][0]) == 0)
			return -1;
	snprintf(custom.kv[custom.n][0], sizeof(custom.kv[0][0]), "%s", key);
	snprintf(custom.kv[custom.n][1], sizeof(custom.kv[0][1]), "%s", value);
	custom.n++;
	return 0;
}

void cbench_context_read(cbench_context_t *c, const char *executable)
{
	memset(c, 0, sizeof(*c));
	local_date(c->date, sizeof(c->date));
	if (gethostname(c->host_name, sizeof(c->host_name) - 1) != 0)
		snprintf(c->host_name, sizeof(c->host_name), "unknown");
	c->executable = executable;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	c->num_cpus = ncpu > 0 ? (int)ncpu : 1;
	c->mhz_per_cpu = read_mhz();
	c->cpu_scaling_enabled = read_scaling_enabled();
	read_caches(c);
	c->nload = getloadavg(c->load_avg, 3);
	if (c->nload < 0)
		c->nload = 0;
#ifdef NDEBUG
	c->library_build_type = "release";
#else
	c->library_build_type = "debug";
#endif
	for (int i = 0; i < custom.n; i++) {
		c->custom[i][0] = custom.kv[i][0];
		c->custom[i][1] = custom.kv[i][1];
	}
	c->ncustom = custom.n;
}
