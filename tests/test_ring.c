/* Tests of sl_ring: bursts go through a single-producer single-consumer
 * ring whole and in order, a full ring takes the first ones only, and a
 * dequeue takes at most what it is given room for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sl_eal.h"
#include "sl_ring.h"

/* The ring never dereferences what it carries: distinct addresses do. */
static struct rte_mbuf bufs[16];
static struct rte_ring *ring;

static int setup(void **state)
{
	(void)state;
	char name[32];
	snprintf(name, sizeof(name), "test_ring_%d", (int)getpid());
	/* 8 slots, 7 usable (not RING_F_EXACT_SZ) */
	ring = rte_ring_create(name, 8, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	return ring ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rte_ring_free(ring);
	return 0;
}

static void test_burst_in_order(void **state)
{
	(void)state;
	struct rte_mbuf *in[5], *out[8] = {0};
	for (unsigned i = 0; i < 5; i++)
		in[i] = &bufs[i];
	assert_int_equal(sl_ring_put_burst(ring, in, 5), 5);
	assert_int_equal(sl_ring_get_burst(ring, out, 3), 3); /* at most max */
	assert_ptr_equal(out[0], &bufs[0]);
	assert_ptr_equal(out[2], &bufs[2]);
	assert_null(out[3]); /* nothing written past max */
	assert_int_equal(sl_ring_get_burst(ring, out, 8), 2);
	assert_ptr_equal(out[0], &bufs[3]);
	assert_ptr_equal(out[1], &bufs[4]);
	assert_int_equal(sl_ring_get_burst(ring, out, 8), 0); /* empty */
	assert_int_equal(sl_ring_put_burst(ring, in, 0), 0);
}

static void test_full_ring_takes_the_first(void **state)
{
	(void)state;
	struct rte_mbuf *in[10], *out[10];
	for (unsigned i = 0; i < 10; i++)
		in[i] = &bufs[i];
	assert_int_equal(sl_ring_put_burst(ring, in, 10), 7);
	assert_int_equal(sl_ring_put_burst(ring, in + 7, 3), 0);
	assert_int_equal(sl_ring_get_burst(ring, out, 10), 7);
	for (unsigned i = 0; i < 7; i++)
		assert_ptr_equal(out[i], &bufs[i]);
	/* wrapping round the ring's end keeps the order */
	assert_int_equal(sl_ring_put_burst(ring, in + 3, 6), 6);
	assert_int_equal(sl_ring_get_burst(ring, out, 10), 6);
	for (unsigned i = 0; i < 6; i++)
		assert_ptr_equal(out[i], &bufs[3 + i]);
}

int main(void)
{
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "test_ring_%d", (int)getpid());
	struct sl_eal_opts o = {.prog = "test_ring", .mem_mb = 64, .file_prefix = prefix};
	if (sl_eal_init_opts(&o) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_burst_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_ring_takes_the_first, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sl_eal_cleanup();
	return rc;
}
