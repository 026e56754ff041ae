/* sl_cidr: an IPv4 or IPv6 prefix as operators write it ("10.0.0.0/8",
 * "10.1.2.3", "2001:db8::/32", "2001:db8::1"), for the blocklist and the
 * allowlist (sluicectl, the config, the prefilter's user side); and a host
 * address of either family (sl_addr_t: a managed relay peer's, in
 * sluiced's sessions, its state file and the operator's commands).
 *
 * Contract: sl_cidr_parse() accepts exactly an address in inet_pton()'s
 * text form, optionally followed by "/N" with 0 <= N <= 32 (IPv4) or 128
 * (IPv6) in decimal without sign or leading zeros; no address means the
 * host prefix (/32, /128). Host bits set past the prefix are an error, not
 * silently cleared, so that "10.1.2.3/24" is not taken for 10.1.2.0/24
 * unseen. On error it returns -1, writes why into err and leaves *c zeroed.
 * No allocation; reads at most SL_CIDR_TEXT_MAX bytes of s. */
#ifndef SL_CIDR_H
#define SL_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct sl_cidr {
	uint8_t family;    /* 4 or 6 */
	uint8_t prefixlen; /* 0..32 or 0..128 */
	uint8_t addr[16];  /* network order; IPv4 in addr[0..4), the rest 0;
			    * every bit past prefixlen 0 */
} sl_cidr_t;

/* Longest text sl_cidr_parse() reads, and sl_cidr_str()'s buffer: an IPv6
 * address in its longest form, "/128" and the NUL. */
#define SL_CIDR_TEXT_MAX 64
#define SL_CIDR_STR_SZ   64

int sl_cidr_parse(const char *s, sl_cidr_t *c, char *err, size_t errlen);

/* "10.0.0.0/8", "2001:db8::/32"; the prefix is always written. */
void sl_cidr_str(const sl_cidr_t *c, char out[SL_CIDR_STR_SZ]);

/* Does c cover the address `addr` (4 or 16 bytes, network order) of
 * `family` (4 or 6)? A prefix of the other family covers nothing. */
bool sl_cidr_contains(const sl_cidr_t *c, unsigned family, const uint8_t *addr);

/* A host's address, either family. */
typedef struct sl_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t b[16];  /* network order; IPv4 in b[0..4), the rest 0 */
} sl_addr_t;

/* sl_addr_str()'s buffer: INET6_ADDRSTRLEN. */
#define SL_ADDR_STR_SZ 46

/* The address of `family` (4 or 6) whose 4 or 16 bytes are at bytes. */
sl_addr_t sl_addr_make(unsigned family, const uint8_t *bytes);

/* A host address alone, as sl_cidr_parse() reads one, without "/N"; the
 * unspecified address (0.0.0.0, ::) is no host's and is refused. 0, or -1
 * with why in err and *a zeroed. */
int sl_addr_parse(const char *s, sl_addr_t *a, char *err, size_t errlen);

/* "10.1.2.3", "2001:db8::1". */
void sl_addr_str(const sl_addr_t *a, char out[SL_ADDR_STR_SZ]);

/* "10.1.2.3:9464", "[::1]:9464": an address and a port as URLs and
 * configs write them. */
#define SL_ADDR_PORT_STR_SZ (SL_ADDR_STR_SZ + 8)
void sl_addr_port_str(const sl_addr_t *a, uint16_t port, char out[SL_ADDR_PORT_STR_SZ]);

bool sl_addr_eq(const sl_addr_t *x, const sl_addr_t *y);

/* An IPv6 link-local address (fe80::/10): it names a host only together
 * with an interface, which a peer's address here does not carry. */
bool sl_addr_link_local(const sl_addr_t *a);

/* The socket address of a at port (host order) in *ss; its length. */
socklen_t sl_addr_sockaddr(const sl_addr_t *a, uint16_t port, struct sockaddr_storage *ss);

/* The address of *ss (AF_INET, or AF_INET6 where an IPv4-mapped address
 * is the IPv4 one); -1 for another family. */
int sl_addr_of_sockaddr(const struct sockaddr_storage *ss, sl_addr_t *a);

#endif
