/* Where tests find ../shared/vectors, and what they do when it is absent
 * (shared/README.md): skip with a message, or fail when
 * SLUICE_REQUIRE_VECTORS=1. Include after <cmocka.h>. */
#ifndef SL_TEST_VECTORS_H
#define SL_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Full path of `rel` under the vectors folder into buf, or NULL (after
 * skipping or failing the current cmocka test) when it is absent. skip()
 * jumps out of the test: call it before allocating anything. */
static inline const char *sl_test_vector_path(char *buf, size_t bufsz, const char *rel)
{
	const char *dir = getenv("SLUICE_VECTORS_DIR");
	struct stat st;
	snprintf(buf, bufsz, "%s/%s", dir ? dir : "(SLUICE_VECTORS_DIR unset)", rel);
	if (dir == NULL || stat(buf, &st) != 0) {
		const char *req = getenv("SLUICE_REQUIRE_VECTORS");
		if (req != NULL && strcmp(req, "1") == 0)
			fail_msg("test vectors %s are absent and SLUICE_REQUIRE_VECTORS=1", buf);
		fprintf(stderr, "skip: test vectors %s are absent (../shared/vectors)\n", buf);
		skip();
		return NULL;
	}
	return buf;
}

#endif
