/* A test's prefix from its text (sl_cidr_parse), failing the test on a bad
 * one. Include after <cmocka.h>. */
#ifndef SL_TEST_CIDR_H
#define SL_TEST_CIDR_H

#include "sl_cidr.h"

static inline sl_cidr_t sl_test_cidr(const char *text)
{
	sl_cidr_t c;
	char err[128];
	if (sl_cidr_parse(text, &c, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	return c;
}

#endif
