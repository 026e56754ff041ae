/* sl_neigh: next-hop MACs from the kernel's IPv4 neighbour table, for peers
 * configured with "mac = resolve". Read once at start (not on the fast path),
 * from /proc/net/arp of the namespace sluice-dp runs in. */
#ifndef SL_NEIGH_H
#define SL_NEIGH_H

#include <stdint.h>

/* 0 and mac filled when `table` (NULL: /proc/net/arp) has a complete entry
 * for ip (network order); -1 otherwise. */
int sl_neigh_lookup(const char *table, const uint8_t ip[4], uint8_t mac[6]);

#endif
