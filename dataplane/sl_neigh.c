#include "sl_neigh.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define ATF_COM 0x02 /* complete entry (linux/if_arp.h) */

int sl_neigh_lookup(const char *table, const uint8_t ip[4], uint8_t mac[6])
{
	FILE *f = fopen(table ? table : "/proc/net/arp", "r");
	if (!f)
		return -1;
	char line[256];
	int found = -1;
	if (!fgets(line, sizeof(line), f)) /* the header */
		goto out;
	while (fgets(line, sizeof(line), f)) {
		char addr[64], hw[64];
		unsigned type, flags, m[6];
		uint8_t a[4];
		if (sscanf(line, "%63s %x %x %63s", addr, &type, &flags, hw) != 4)
			continue;
		if (inet_pton(AF_INET, addr, a) != 1 || memcmp(a, ip, 4) != 0 || !(flags & ATF_COM))
			continue;
		if (sscanf(hw, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
			continue;
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)m[i];
		found = 0;
		break;
	}
out:
	fclose(f);
	return found;
}
