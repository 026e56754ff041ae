/* sl_ticker: ticks while it runs, none after stop returns, start and stop
 * twice harmless, a tick's argument passed through. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "sl_ticker.h"

static void count_tick(void *arg)
{
	__atomic_add_fetch((unsigned *)arg, 1, __ATOMIC_RELAXED);
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static void test_ticks_until_stopped(void **state)
{
	(void)state;
	unsigned n = 0;
	sl_ticker_t k = {.tick = count_tick, .arg = &n, .period_ms = 5, .name = "sl-test"};
	sl_ticker_stop(&k); /* not running: nothing */
	assert_int_equal(sl_ticker_start(&k), 0);
	assert_int_equal(sl_ticker_start(&k), 0); /* running: nothing */
	/* wait for a few ticks, however slow the machine (bounded: 10 s) */
	for (unsigned i = 0; i < 1000 && __atomic_load_n(&n, __ATOMIC_RELAXED) < 3; i++)
		sleep_ms(10);
	sl_ticker_stop(&k);
	unsigned at_stop = __atomic_load_n(&n, __ATOMIC_RELAXED);
	assert_true(at_stop >= 3);
	sleep_ms(30);
	assert_int_equal(__atomic_load_n(&n, __ATOMIC_RELAXED), at_stop); /* no tick after stop */
	sl_ticker_stop(&k);
	/* and again */
	assert_int_equal(sl_ticker_start(&k), 0);
	for (unsigned i = 0; i < 1000 && __atomic_load_n(&n, __ATOMIC_RELAXED) == at_stop; i++)
		sleep_ms(10);
	sl_ticker_stop(&k);
	assert_true(n > at_stop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks_until_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
