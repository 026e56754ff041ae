#include "sl_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder holding `path` ("." for a bare name), for its fsync. */
static void folder_of(const char *path, char *dir, size_t dirsz)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, dirsz, ".");
	else if (slash == path)
		snprintf(dir, dirsz, "/");
	else
		snprintf(dir, dirsz, "%.*s", (int)(slash - path), path);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* rename() without replacing: RENAME_NOREPLACE, or link()+unlink() where
 * the filesystem lacks it; both fail with EEXIST when `to` exists. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to) != 0)
		return -1;
	unlink(from);
	return 0;
}

/* Creates, fills and syncs the temporary file; on failure removes it. */
static int write_temp(char *tmp, const void *data, size_t len, mode_t mode, char *err,
		      size_t errsz)
{
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsz, "%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	/* mkostemp's 0600 is cut by the umask; set it whatever the umask. */
	const char *step = fchmod(fd, mode) != 0 ? "chmod" :
			   write_all(fd, data, len) != 0 ? "write" :
			   fsync(fd) != 0 ? "fsync" : NULL;
	int saved = errno;
	if (close(fd) != 0 && step == NULL) {
		step = "close";
		saved = errno;
	}
	if (step == NULL)
		return 0;
	snprintf(err, errsz, "%s: %s failed: %s", tmp, step, strerror(saved));
	unlink(tmp);
	errno = saved;
	return -1;
}

int sl_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 bool replace, char *err, size_t errsz)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= sizeof(tmp)) {
		snprintf(err, errsz, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (write_temp(tmp, data, len, mode, err, errsz) != 0)
		return -1;
	if ((replace ? rename(tmp, path) : rename_noreplace(tmp, path)) != 0) {
		int saved = errno;
		if (saved == EEXIST)
			snprintf(err, errsz, "%s: already exists, not replaced", path);
		else
			snprintf(err, errsz, "%s: cannot rename %s to it: %s", path, tmp,
				 strerror(saved));
		unlink(tmp);
		errno = saved;
		return -1;
	}
	/* Without this the rename may not survive a crash. */
	folder_of(path, dir, sizeof(dir));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		int saved = errno;
		snprintf(err, errsz, "%s: written, but syncing its folder %s failed: %s", path, dir,
			 strerror(saved));
		if (dfd >= 0)
			close(dfd);
		errno = saved;
		return -1;
	}
	close(dfd);
	return 0;
}

int sl_file_make_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX];
	folder_of(path, dir, sizeof(dir));
	return mkdir(dir, mode) == 0 || errno == EEXIST ? 0 : -1;
}
