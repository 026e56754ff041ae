#include "sl_srcaddr.h"

#include <arpa/inet.h>
#include <string.h>

bool sl_srcaddr_is_v4(const sl_srcaddr_t *a)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	return a->prefixlen == 32 && memcmp(a->b, mapped, sizeof(mapped)) == 0;
}

void sl_srcaddr_cidr(const sl_srcaddr_t *a, sl_cidr_t *c)
{
	memset(c, 0, sizeof(*c));
	if (sl_srcaddr_is_v4(a)) {
		c->family = 4;
		c->prefixlen = 32;
		memcpy(c->addr, a->b + 12, 4);
		return;
	}
	c->family = 6;
	c->prefixlen = (uint8_t)a->prefixlen;
	memcpy(c->addr, a->b, sizeof(c->addr));
}

void sl_srcaddr_str(const sl_srcaddr_t *a, char out[SL_SRCADDR_STR_SZ])
{
	sl_cidr_t c;
	sl_srcaddr_cidr(a, &c);
	/* an IPv4 source is one address: named without its /32, as before
	 * IPv6 sources were counted (tests and dashboards match on it) */
	if (c.family == 4)
		inet_ntop(AF_INET, c.addr, out, SL_SRCADDR_STR_SZ);
	else
		sl_cidr_str(&c, out);
}
