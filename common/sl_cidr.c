#include "sl_cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* Bytes of the address for a family: 4 or 16. */
static unsigned addr_len(unsigned family)
{
	return family == 4 ? 4 : 16;
}

/* Is bit i (from the most significant of addr[0]) set? */
static bool bit(const uint8_t *addr, unsigned i)
{
	return addr[i / 8] >> (7 - i % 8) & 1;
}

/* The first set bit at or past `from`, or the address's width. */
static unsigned first_set_from(const uint8_t *addr, unsigned width, unsigned from)
{
	while (from < width && !bit(addr, from))
		from++;
	return from;
}

static int fail(sl_cidr_t *c, char *err, size_t errlen, const char *why)
{
	*c = (sl_cidr_t){0};
	snprintf(err, errlen, "%s", why);
	return -1;
}

/* "/N": decimal, no sign, no leading zero, at most max. -1 when not so,
 * with the reason in why. */
static int parse_prefixlen(const char *s, unsigned max, const char **why)
{
	size_t digits = strspn(s, "0123456789");
	if (s[0] == '\0') {
		*why = "nothing after '/': a prefix length is missing";
		return -1;
	}
	if (s[digits] != '\0') {
		*why = "the prefix length is not a decimal number";
		return -1;
	}
	if (s[0] == '0' && digits > 1) {
		*why = "the prefix length has a leading zero";
		return -1;
	}
	unsigned n = 0;
	for (size_t i = 0; i < digits && n <= max; i++) /* n <= max: no overflow */
		n = n * 10 + (unsigned)(s[i] - '0');
	if (n > max) {
		*why = max == 32 ? "prefix length over 32 for an IPv4 address"
				 : "prefix length over 128 for an IPv6 address";
		return -1;
	}
	return (int)n;
}

int sl_cidr_parse(const char *s, sl_cidr_t *c, char *err, size_t errlen)
{
	/* strnlen bounds every later read: nothing past s[len] is looked at. */
	size_t len = strnlen(s, SL_CIDR_TEXT_MAX);
	if (len == SL_CIDR_TEXT_MAX)
		return fail(c, err, errlen, "too long for a prefix (more than 63 characters)");
	if (len == 0)
		return fail(c, err, errlen, "empty: expected an address or address/length");
	char text[SL_CIDR_TEXT_MAX];
	memcpy(text, s, len + 1);
	char *slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (text[0] == '\0')
		return fail(c, err, errlen, "no address before '/'");

	sl_cidr_t r = {0};
	r.family = strchr(text, ':') ? 6 : 4;
	if (inet_pton(r.family == 4 ? AF_INET : AF_INET6, text, r.addr) != 1)
		return fail(c, err, errlen, r.family == 4 ? "not an IPv4 address (a.b.c.d)"
							   : "not an IPv6 address");
	const unsigned width = addr_len(r.family) * 8;
	r.prefixlen = (uint8_t)width;
	if (slash) {
		const char *why;
		int n = parse_prefixlen(slash + 1, width, &why);
		if (n < 0)
			return fail(c, err, errlen, why);
		r.prefixlen = (uint8_t)n;
	}
	if (first_set_from(r.addr, width, r.prefixlen) < width) {
		/* Name the prefix the operator may have meant. */
		sl_cidr_t meant = r;
		for (unsigned i = r.prefixlen; i < width; i++)
			meant.addr[i / 8] &= (uint8_t)~(0x80u >> i % 8);
		char m[SL_CIDR_STR_SZ], why[SL_CIDR_STR_SZ + 64];
		sl_cidr_str(&meant, m);
		snprintf(why, sizeof(why), "host bits set past /%u (the prefix is %s)", r.prefixlen, m);
		return fail(c, err, errlen, why);
	}
	*c = r;
	return 0;
}

void sl_cidr_str(const sl_cidr_t *c, char out[SL_CIDR_STR_SZ])
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a));
	snprintf(out, SL_CIDR_STR_SZ, "%s/%u", a, c->prefixlen);
}

bool sl_cidr_contains(const sl_cidr_t *c, unsigned family, const uint8_t *addr)
{
	if (family != c->family)
		return false;
	unsigned whole = c->prefixlen / 8, rest = c->prefixlen % 8;
	if (memcmp(c->addr, addr, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (c->addr[whole] & mask) == (addr[whole] & mask);
}

sl_addr_t sl_addr_make(unsigned family, const uint8_t *bytes)
{
	sl_addr_t a = {.family = (uint8_t)family};
	memcpy(a.b, bytes, addr_len(family));
	return a;
}

int sl_addr_parse(const char *s, sl_addr_t *a, char *err, size_t errlen)
{
	static const uint8_t unspecified[16];
	sl_cidr_t c;
	*a = (sl_addr_t){0};
	if (sl_cidr_parse(s, &c, err, errlen) != 0)
		return -1;
	if (strchr(s, '/')) {
		snprintf(err, errlen, "an address, not a prefix: no '/'");
		return -1;
	}
	if (memcmp(c.addr, unspecified, sizeof(c.addr)) == 0) {
		snprintf(err, errlen, "the unspecified address is no host's");
		return -1;
	}
	*a = sl_addr_make(c.family, c.addr);
	return 0;
}

void sl_addr_str(const sl_addr_t *a, char out[SL_ADDR_STR_SZ])
{
	if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, out, SL_ADDR_STR_SZ) == NULL)
		snprintf(out, SL_ADDR_STR_SZ, "?");
}

void sl_addr_port_str(const sl_addr_t *a, uint16_t port, char out[SL_ADDR_PORT_STR_SZ])
{
	char s[SL_ADDR_STR_SZ];
	sl_addr_str(a, s);
	snprintf(out, SL_ADDR_PORT_STR_SZ, a->family == 6 ? "[%s]:%u" : "%s:%u", s, port);
}

bool sl_addr_eq(const sl_addr_t *x, const sl_addr_t *y)
{
	return x->family == y->family && memcmp(x->b, y->b, addr_len(x->family)) == 0;
}

bool sl_addr_link_local(const sl_addr_t *a)
{
	return a->family == 6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

socklen_t sl_addr_sockaddr(const sl_addr_t *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, a->b, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	memcpy(&in6->sin6_addr, a->b, 16);
	return sizeof(*in6);
}

int sl_addr_of_sockaddr(const struct sockaddr_storage *ss, sl_addr_t *a)
{
	if (ss->ss_family == AF_INET) {
		*a = sl_addr_make(4, (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr);
		return 0;
	}
	if (ss->ss_family != AF_INET6)
		return -1;
	const struct in6_addr *in6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	*a = IN6_IS_ADDR_V4MAPPED(in6) ? sl_addr_make(4, in6->s6_addr + 12)
				       : sl_addr_make(6, in6->s6_addr);
	return 0;
}
