/* sl_jiffies: the prefilter's clock from jiffies. What it must give is
 * CLOCK_MONOTONIC at the last tick: never ahead of the clock (beyond the
 * few microseconds a calibrating read may lag its tick), and never more
 * than a tick behind it, now and after time has passed (a wrong tick
 * length would drift). Needs root; skips otherwise, or where the kernel
 * has no tick it can count by (sl_jiffies_clock fails: the program then
 * reads the coarse clock). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sl_jiffies.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The calibrating reads' lag: how far the estimate may run ahead. */
#define SLACK_NS 2000000u

static void check_now(uint64_t tick, uint64_t base)
{
	uint64_t j;
	const uint64_t before = mono_ns();
	assert_int_equal(sl_jiffies_read(&j), 0);
	const uint64_t after = mono_ns(), est = base + j * tick;
	if (est > after + SLACK_NS)
		fail_msg("estimate %llu ns ahead of CLOCK_MONOTONIC",
			 (unsigned long long)(est - after));
	if (est + tick + SLACK_NS < before)
		fail_msg("estimate %llu ns behind CLOCK_MONOTONIC (tick %llu ns)",
			 (unsigned long long)(before - est), (unsigned long long)tick);
}

static void test_clock_follows_monotonic(void **state)
{
	(void)state;
	uint64_t tick, base;
	if (sl_jiffies_clock(&tick, &base) != 0) {
		print_message("no jiffies clock (%s): the program uses the coarse clock\n",
			      strerror(errno));
		skip();
	}
	/* a tick of a HZ Linux offers: 24..1200 */
	assert_in_range(tick, 1000000000u / 1200, 1000000000u / 24 + 1);
	check_now(tick, base);
	/* a second later: a tick length 1% off would be 10 ms off by now */
	const struct timespec pause = {.tv_sec = 1};
	nanosleep(&pause, NULL);
	check_now(tick, base);

	uint64_t tick2, base2;
	assert_int_equal(sl_jiffies_clock(&tick2, &base2), 0);
	assert_int_equal(tick2, tick); /* once per process */
	assert_int_equal(base2, base);
}

static void test_read_moves(void **state)
{
	(void)state;
	uint64_t a, b;
	if (sl_jiffies_read(&a) != 0) {
		print_message("cannot run a BPF program (%s)\n", strerror(errno));
		skip();
	}
	const struct timespec pause = {.tv_nsec = 50000000};
	nanosleep(&pause, NULL);
	assert_int_equal(sl_jiffies_read(&b), 0);
	assert_true(b > a); /* 50 ms is at least one tick at HZ 24 */
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skip: BPF programs need root\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_moves),
		cmocka_unit_test(test_clock_follows_monotonic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
