#include "sl_peertab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void path_of(const char *relay_name, char *buf, size_t n)
{
	snprintf(buf, n, SL_PEERTAB_PATH_FMT, relay_name);
}

struct sl_peertab *sl_peertab_open(const char *relay_name, char *err, size_t errsz)
{
	char path[128];
	path_of(relay_name, path, sizeof(path));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct sl_peertab *t = NULL;
	struct stat st;
	/* Both processes may create it at once: the first to lock sizes and
	 * stamps it, the other finds it stamped. */
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	const bool fresh = st.st_size == 0;
	if (fresh && ftruncate(fd, sizeof(*t)) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!fresh && st.st_size != (off_t)sizeof(*t)) {
		snprintf(err, errsz, "%s: %lld bytes, not a peer table of layout %d (%zu bytes)",
			 path, (long long)st.st_size, SL_PEERTAB_VERSION, sizeof(*t));
		goto out;
	}
	void *m = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		snprintf(err, errsz, "%s: mmap: %s", path, strerror(errno));
		goto out;
	}
	t = m;
	if (fresh) {
		t->magic = SL_PEERTAB_MAGIC;
		t->version = SL_PEERTAB_VERSION;
		t->size = sizeof(*t);
	} else if (t->magic != SL_PEERTAB_MAGIC || t->version != SL_PEERTAB_VERSION ||
		   t->size != sizeof(*t)) {
		snprintf(err, errsz, "%s: not a peer table of layout %d (version %u)", path,
			 SL_PEERTAB_VERSION, t->version);
		munmap(m, sizeof(*t));
		t = NULL;
	}
out:
	/* Unlock explicitly: the mapping holds the open file, and with it a
	 * flock, until munmap; close alone would keep the other process out. */
	flock(fd, LOCK_UN);
	close(fd);
	return t;
}

void sl_peertab_close(struct sl_peertab *t)
{
	if (t != NULL)
		munmap(t, sizeof(*t));
}

int sl_peertab_unlink(const char *relay_name)
{
	char path[128];
	path_of(relay_name, path, sizeof(path));
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}
