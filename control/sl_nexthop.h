/* sl_nexthop: a peer's next hop from the kernel -- the route to its address
 * (egress interface, gateway if any), then the neighbour entry of the
 * gateway or of the address itself (the MAC) -- over rtnetlink with libmnl.
 *
 * Contract: sl_nexthop_lookup() asks the kernel now (two requests on a
 * blocking socket; slow path only). A neighbour entry counts when it holds
 * a link-layer address in a usable state (reachable, stale, delay, probe,
 * permanent, noarp); an incomplete or failed one does not. sluiced needs no
 * probe of its own: its control messages to the peer go through the
 * kernel, which resolves (or retries) the neighbour as it sends them.
 * sl_nexthop_events_fd() is a socket subscribed to neighbour and route
 * changes; sl_nexthop_events_drain() empties it and says whether anything
 * arrived, so the caller looks its peers up again only then (and while one
 * is unresolved). */
#ifndef SL_NEXTHOP_H
#define SL_NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_nexthop {
	uint32_t ifindex;
	uint8_t via[4]; /* the gateway, or the peer's own address when on-link */
	uint8_t mac[6];
} sl_nexthop_t;

typedef struct sl_nl sl_nl_t;

sl_nl_t *sl_nexthop_open(void); /* NULL with errno set */
void sl_nexthop_close(sl_nl_t *nl);

/* 0: *out is complete; -1: no route, or no usable neighbour entry yet
 * (out->ifindex and out->via are set when the route was found). */
int sl_nexthop_lookup(sl_nl_t *nl, const uint8_t ip[4], sl_nexthop_t *out);

int sl_nexthop_events_fd(const sl_nl_t *nl);
bool sl_nexthop_events_drain(sl_nl_t *nl);

#endif
