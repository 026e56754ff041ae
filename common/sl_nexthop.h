/* sl_nexthop: an address's next hop from the kernel -- the route to it
 * (egress interface, gateway if any), then the neighbour entry of the
 * gateway or of the address itself (the MAC) -- over rtnetlink with libmnl,
 * for IPv4 and IPv6. sluice-dp resolves its static peers' `mac = resolve`
 * with it at start; sluiced its managed peers', again on every change.
 *
 * Contract: sl_nexthop_lookup() asks the kernel now (two requests on a
 * blocking socket; slow path only) in the network namespace the caller is
 * in. A neighbour entry counts when it holds a link-layer address in a
 * usable state (reachable, stale, delay, probe, permanent, noarp); an
 * incomplete or failed one does not. No probe of its own: traffic the
 * kernel sends to the address (sluiced's control messages) makes it
 * resolve (or retry) the neighbour. sl_nexthop_events_fd() is a socket
 * subscribed to neighbour and route changes of both families;
 * sl_nexthop_events_drain() empties it and says whether anything arrived,
 * so the caller looks its addresses up again only then (and while one is
 * unresolved). */
#ifndef SL_NEXTHOP_H
#define SL_NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_nexthop {
	uint32_t ifindex;
	uint8_t via[16]; /* the gateway, or the address itself when on-link
			  * (network order; IPv4: the first 4 bytes, the rest 0) */
	uint8_t mac[6];
} sl_nexthop_t;

typedef struct sl_nl sl_nl_t;

sl_nl_t *sl_nexthop_open(void); /* NULL with errno set */
void sl_nexthop_close(sl_nl_t *nl);

/* The next hop of ip (network order: 4 bytes for family 4, 16 for 6).
 * 0: *out is complete; -1: no route, no usable neighbour entry yet, or a
 * family that is neither (out->ifindex and out->via are set when the route
 * was found). A route whose gateway is of the other family (an IPv4 route
 * via an IPv6 next hop, RTA_VIA) is not followed: -1, with out->ifindex
 * set and out->via 0. */
int sl_nexthop_lookup(sl_nl_t *nl, unsigned family, const uint8_t *ip, sl_nexthop_t *out);

int sl_nexthop_events_fd(const sl_nl_t *nl);
bool sl_nexthop_events_drain(sl_nl_t *nl);

#endif
