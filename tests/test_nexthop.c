/* sl_nexthop against the kernel's own tables: the test moves into a network
 * namespace of its own (root; it skips with 77 otherwise) and builds there,
 * with ip(8), a veth with IPv4 and IPv6 addresses, neighbour entries in
 * every state that matters and routes through gateways, then asks for
 * next hops of both families: on-link and via a gateway (IPv6: a
 * link-local one), no route, no usable neighbour entry (incomplete,
 * failed, none), a gateway of the other family, and the change events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>
#include <cmocka.h>

#include "sl_nexthop.h"

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"ip link add nh0 type veth peer name nh1",
	"ip link set nh0 up",
	"ip link set nh1 up",
	"ip addr add 10.77.0.1/24 dev nh0",
	"ip -6 addr add fd77::1/64 dev nh0 nodad",
	"ip neigh replace 10.77.0.2 lladdr 02:00:00:00:77:02 dev nh0 nud permanent",
	"ip neigh replace 10.77.0.3 lladdr 02:00:00:00:77:03 dev nh0 nud stale",
	"ip neigh replace 10.77.0.8 dev nh0 nud failed",
	"ip neigh replace 10.77.0.9 dev nh0 nud incomplete",
	"ip neigh replace fd77::2 lladdr 02:00:00:00:77:12 dev nh0 nud permanent",
	"ip neigh replace fe80::2 lladdr 02:00:00:00:77:22 dev nh0 nud permanent",
	"ip route add 10.88.0.0/16 via 10.77.0.2",
	"ip -6 route add fd88::/32 via fe80::2 dev nh0",
	"ip route add 10.99.0.0/16 via inet6 fe80::2 dev nh0",
};

static unsigned nh0; /* its ifindex */

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(setup_cmds) / sizeof(setup_cmds[0]); i++) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "%s >/dev/null 2>&1", setup_cmds[i]);
		if (system(cmd) != 0) {
			fprintf(stderr, "setup failed: %s\n", setup_cmds[i]);
			return -1;
		}
	}
	nh0 = if_nametoindex("nh0");
	return nh0 == 0 ? -1 : 0;
}

static void addr(unsigned family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, text, out), 1);
}

/* Looks text up; 0 or -1 as sl_nexthop_lookup returns, *nh filled. */
static int lookup(sl_nl_t *nl, unsigned family, const char *text, sl_nexthop_t *nh)
{
	uint8_t a[16];
	addr(family, text, a);
	memset(nh, 0xa5, sizeof(*nh));
	return sl_nexthop_lookup(nl, family, a, nh);
}

static void assert_hop(const sl_nexthop_t *nh, unsigned family, const char *via, uint8_t mac5)
{
	uint8_t v[16];
	addr(family, via, v);
	assert_int_equal(nh->ifindex, nh0);
	assert_memory_equal(nh->via, v, 16);
	const uint8_t mac[6] = {2, 0, 0, 0, 0x77, mac5};
	assert_memory_equal(nh->mac, mac, 6);
}

static void test_ipv4(void **state)
{
	(void)state;
	sl_nl_t *nl = sl_nexthop_open();
	assert_non_null(nl);
	sl_nexthop_t nh;
	assert_int_equal(lookup(nl, 4, "10.77.0.2", &nh), 0); /* on-link, permanent */
	assert_hop(&nh, 4, "10.77.0.2", 0x02);
	assert_int_equal(lookup(nl, 4, "10.77.0.3", &nh), 0); /* stale still counts */
	assert_hop(&nh, 4, "10.77.0.3", 0x03);
	assert_int_equal(lookup(nl, 4, "10.88.7.7", &nh), 0); /* via the gateway */
	assert_hop(&nh, 4, "10.77.0.2", 0x02);
	/* on-link, but no usable entry: failed, incomplete, none */
	static const char *const unusable[] = {"10.77.0.8", "10.77.0.9", "10.77.0.50"};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(lookup(nl, 4, unusable[i], &nh), -1);
		uint8_t v[16];
		addr(4, unusable[i], v);
		assert_int_equal(nh.ifindex, nh0);
		assert_memory_equal(nh.via, v, 16);
	}
	/* no route at all (no default route here) */
	assert_int_equal(lookup(nl, 4, "192.0.2.1", &nh), -1);
	assert_int_equal(nh.ifindex, 0);
	/* a route via an IPv6 gateway: not followed */
	assert_int_equal(lookup(nl, 4, "10.99.1.1", &nh), -1);
	assert_int_equal(nh.ifindex, nh0);
	assert_memory_equal(nh.via, ((const uint8_t[16]){0}), 16);
	sl_nexthop_close(nl);
}

static void test_ipv6(void **state)
{
	(void)state;
	sl_nl_t *nl = sl_nexthop_open();
	assert_non_null(nl);
	sl_nexthop_t nh;
	assert_int_equal(lookup(nl, 6, "fd77::2", &nh), 0);
	assert_hop(&nh, 6, "fd77::2", 0x12);
	assert_int_equal(lookup(nl, 6, "fd88::1:5", &nh), 0); /* via a link-local gateway */
	assert_hop(&nh, 6, "fe80::2", 0x22);
	assert_int_equal(lookup(nl, 6, "fd77::50", &nh), -1);
	assert_int_equal(nh.ifindex, nh0);
	assert_int_equal(lookup(nl, 6, "2001:db8::1", &nh), -1);
	assert_int_equal(nh.ifindex, 0);
	/* an IPv4 neighbour's bytes are no IPv6 address's: ::a4d:2 is not 10.77.0.2 */
	assert_int_equal(lookup(nl, 6, "::a4d:2", &nh), -1);
	/* a family that is neither */
	uint8_t a[16] = {0};
	assert_int_equal(sl_nexthop_lookup(nl, 5, a, &nh), -1);
	assert_int_equal(nh.ifindex, 0);
	sl_nexthop_close(nl);
}

/* A neighbour or route change of either family makes the events socket
 * readable, and a drain says so. */
static void test_events(void **state)
{
	(void)state;
	static const char *const changes[] = {
		"ip neigh replace 10.77.0.4 lladdr 02:00:00:00:77:04 dev nh0 nud permanent",
		"ip neigh replace fd77::4 lladdr 02:00:00:00:77:14 dev nh0 nud permanent",
		"ip route add 10.66.0.0/16 via 10.77.0.3",
		"ip -6 route add fd66::/32 via fd77::2",
	};
	sl_nl_t *nl = sl_nexthop_open();
	assert_non_null(nl);
	/* the kernel's own changes (the incomplete entry's probes failing)
	 * may come at any time: only that each change below is seen counts */
	sl_nexthop_events_drain(nl);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "%s >/dev/null 2>&1", changes[i]);
		assert_int_equal(system(cmd), 0);
		struct pollfd p = {.fd = sl_nexthop_events_fd(nl), .events = POLLIN};
		if (poll(&p, 1, 5000) != 1)
			fail_msg("no event for: %s", changes[i]);
		assert_true(sl_nexthop_events_drain(nl));
	}
	sl_nexthop_t nh;
	assert_int_equal(lookup(nl, 4, "10.66.1.1", &nh), 0);
	assert_hop(&nh, 4, "10.77.0.3", 0x03);
	sl_nexthop_close(nl);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skip: a network namespace of its own needs root\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		perror("skip: unshare(CLONE_NEWNET)");
		return 77;
	}
	if (system("ip -V >/dev/null 2>&1") != 0) {
		printf("skip: no ip(8)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
