/* sl_gen_addr: the endpoints sluice-gen takes on its command line (--dst,
 * --src), of either family:
 *   IPv4: "10.99.0.11" or "10.99.0.11:8003" (sl_parse_ip4_port);
 *   IPv6: "[fd00:99::b]:8003", "[fd00:99::b]", or the bare "fd00:99::b",
 *         which never carries a port: its last group could be read as one,
 *         so a port needs the brackets (RFC 3986's form).
 * On error it returns -1 and writes why (naming the text) into err; *a is
 * then zeroed. Header-only: sluice-gen and tests/test_gen_build.c include
 * it, and it needs nothing beyond sl_pkt_build. */
#ifndef SL_GEN_ADDR_H
#define SL_GEN_ADDR_H

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_pkt_build.h"

typedef struct sl_gen_addr {
	unsigned family; /* 4 or 6 */
	uint8_t ip[16];  /* network order; IPv4 in ip[0..4), the rest 0 */
	uint16_t port;   /* 0: none given */
} sl_gen_addr_t;

static inline int sl_gen_addr_fail(sl_gen_addr_t *a, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int sl_gen_addr_fail(sl_gen_addr_t *a, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	*a = (sl_gen_addr_t){ 0 };
	return -1;
}

/* s into *a; with port_required, an endpoint without a port is an error. */
static inline int sl_gen_addr_parse(const char *s, int port_required, sl_gen_addr_t *a, char *err,
				    size_t errlen)
{
	*a = (sl_gen_addr_t){ 0 };
	const char *first = strchr(s, ':');
	if (s[0] != '[' && (first == NULL || first == strrchr(s, ':'))) {
		/* At most one colon: IPv4, whose rules are sl_pkt_build's. */
		uint32_t ip;
		if (sl_parse_ip4_port(s, &ip, &a->port, !port_required) != 0)
			return sl_gen_addr_fail(a, err, errlen, "'%s' is not %s", s,
						port_required ? "IP:PORT or [IPV6]:PORT"
							      : "IP, IP:PORT, IPV6 or [IPV6]:PORT");
		a->family = 4;
		ip = htonl(ip);
		memcpy(a->ip, &ip, 4);
		return 0;
	}
	char host[INET6_ADDRSTRLEN];
	const char *h = s, *port = NULL;
	size_t hl = strlen(s);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL)
			return sl_gen_addr_fail(a, err, errlen, "'%s': no ']' after the IPv6 address", s);
		if (close[1] != '\0' && close[1] != ':')
			return sl_gen_addr_fail(a, err, errlen, "'%s': after ']' comes ':PORT' or nothing", s);
		h = s + 1;
		hl = (size_t)(close - h);
		port = close[1] == ':' ? close + 2 : NULL;
	}
	if (hl >= sizeof host)
		return sl_gen_addr_fail(a, err, errlen, "'%s': the address is too long for IPv6", s);
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET6, host, a->ip) != 1)
		return sl_gen_addr_fail(a, err, errlen, "'%s': '%s' is not an IPv6 address", s, host);
	a->family = 6;
	if (port != NULL) {
		char *end = NULL;
		unsigned long p = port[0] >= '0' && port[0] <= '9' ? strtoul(port, &end, 10) : 0;
		if (p == 0 || p > 0xffff || *end != '\0')
			return sl_gen_addr_fail(a, err, errlen, "'%s': '%s' is not a port (1..65535)", s, port);
		a->port = (uint16_t)p;
	} else if (port_required) {
		return sl_gen_addr_fail(a, err, errlen, "'%s' has no port: write [%s]:PORT", s, host);
	}
	return 0;
}

#endif
