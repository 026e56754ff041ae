/* sl_file: replacing a small file so that a crash leaves the old file or the
 * new one, never a torn one (the identity key, sluiced's state file). */
#ifndef SL_FILE_H
#define SL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes `len` bytes to a temporary file beside `path` ("PATH.tmp-XXXXXX",
 * mode `mode` whatever the umask), fsyncs it, renames it over `path` and
 * fsyncs the folder. Without `replace` an existing `path` is refused (errno
 * EEXIST), also when it appears during the write. Returns 0, or -1 with
 * errno set and one line in err naming the file and the step that failed
 * (the temporary file is removed). */
int sl_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 bool replace, char *err, size_t errsz);

/* Creates the folder holding `path` (one level) when it is missing.
 * Returns 0 when it exists afterwards, else -1 with errno set. */
int sl_file_make_parent(const char *path, mode_t mode);

#endif
