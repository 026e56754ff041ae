/* sl_bigmem: refuses 0 bytes; gives zeroed, writable, 2 MiB-aligned memory
 * of the size asked (ordinary pages here, or hugetlbfs pages where some are
 * reserved), which unmap returns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sl_bigmem.h"

static void test_map(void **state)
{
	(void)state;
	assert_null(sl_bigmem_map(0));
	static const size_t sizes[] = {1, 4096, (2u << 20) - 1, 2u << 20, (3u << 20) + 5};
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *m = sl_bigmem_map(sizes[i]);
		assert_non_null(m);
		assert_int_equal((uintptr_t)m & ((2u << 20) - 1), 0);
		for (size_t at = 0; at < sizes[i]; at += 4096)
			assert_int_equal(m[at], 0);
		assert_int_equal(m[sizes[i] - 1], 0);
		memset(m, 0xa5, sizes[i]);
		sl_bigmem_unmap(m, sizes[i]);
	}
	sl_bigmem_unmap(NULL, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
