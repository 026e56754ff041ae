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

/* Is the table at m (size bytes) of this build's layout? */
static bool layout_ok(const struct sl_peertab *m, off_t size)
{
	return size == (off_t)sizeof(*m) && m->magic == SL_PEERTAB_MAGIC &&
	       m->version == SL_PEERTAB_VERSION && m->size == sizeof(*m);
}

/* A fresh table, stamped, in place of the file at path: written under a
 * temporary name and renamed over it, so that a process opening path
 * meanwhile finds the old file or the new one, never a half-made one. */
static int replace(const char *path, char *err, size_t errsz)
{
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.%ld.new", path, (long)getpid());
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	struct sl_peertab *t = NULL;
	int rc = -1;
	if (ftruncate(fd, sizeof(*t)) == 0) {
		void *m = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED) {
			t = m;
			t->magic = SL_PEERTAB_MAGIC;
			t->version = SL_PEERTAB_VERSION;
			t->size = sizeof(*t);
			munmap(m, sizeof(*t));
			rc = rename(tmp, path);
		}
	}
	if (rc != 0) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
	}
	close(fd);
	return rc;
}

enum { OPENED, AGAIN, FAILED };

/* One try at the file at path: OPENED with *t mapped; AGAIN when it was
 * replaced meanwhile, by another process or (note set) by this one; FAILED
 * with err set. */
static int open_once(const char *path, struct sl_peertab **t, char *note, size_t notesz,
		     char *err, size_t errsz)
{
	*t = NULL;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return FAILED;
	}
	int rc = FAILED;
	struct stat st, now;
	/* Both processes may create it at once: the first to lock sizes and
	 * stamps it, the other finds it stamped. */
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (stat(path, &now) != 0 || now.st_ino != st.st_ino) {
		rc = AGAIN; /* replaced while this one waited for the lock */
		goto out;
	}
	const bool fresh = st.st_size == 0;
	if (fresh && ftruncate(fd, sizeof(**t)) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fresh || st.st_size == (off_t)sizeof(**t)) {
		void *m = mmap(NULL, sizeof(**t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			snprintf(err, errsz, "%s: mmap: %s", path, strerror(errno));
			goto out;
		}
		*t = m;
		if (fresh) {
			(*t)->magic = SL_PEERTAB_MAGIC;
			(*t)->version = SL_PEERTAB_VERSION;
			(*t)->size = sizeof(**t);
		}
		if (fresh || layout_ok(*t, st.st_size)) {
			rc = OPENED;
			goto out;
		}
		munmap(*t, sizeof(**t));
		*t = NULL;
	}
	/* Another build's table (an upgrade): it holds runtime state that both
	 * processes rebuild, so a fresh one takes its place; no reader ever
	 * reinterprets it. Its version, for the note, where every layout has
	 * kept it: after the magic. */
	uint32_t version = 0;
	if (pread(fd, &version, sizeof(version), 8) != (ssize_t)sizeof(version))
		version = 0;
	snprintf(note, notesz, "%s: replaced a peer table of another layout (%lld bytes, version "
		 "%u) with a fresh one of layout %d", path, (long long)st.st_size, version,
		 SL_PEERTAB_VERSION);
	rc = replace(path, err, errsz) == 0 ? AGAIN : FAILED;
out:
	/* Unlock explicitly: the mapping holds the open file, and with it a
	 * flock, until munmap; close alone would keep the other process out. */
	flock(fd, LOCK_UN);
	close(fd);
	return rc;
}

struct sl_peertab *sl_peertab_open(const char *relay_name, char *err, size_t errsz)
{
	char path[128], note[300] = "";
	path_of(relay_name, path, sizeof(path));
	err[0] = '\0';
	for (int tries = 0; tries < 4; tries++) {
		struct sl_peertab *t;
		int rc = open_once(path, &t, note, sizeof(note), err, errsz);
		if (rc == FAILED)
			return NULL;
		if (rc == OPENED) {
			snprintf(err, errsz, "%s", note);
			return t;
		}
	}
	snprintf(err, errsz, "%s: replaced by other processes again and again", path);
	return NULL;
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
