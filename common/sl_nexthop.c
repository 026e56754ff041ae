#include "sl_nexthop.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct sl_nl {
	struct mnl_socket *req;    /* requests and their answers */
	struct mnl_socket *events; /* neighbour and route changes */
	unsigned seq;
};

void sl_nexthop_close(sl_nl_t *nl)
{
	if (nl == NULL)
		return;
	if (nl->req)
		mnl_socket_close(nl->req);
	if (nl->events)
		mnl_socket_close(nl->events);
	free(nl);
}

sl_nl_t *sl_nexthop_open(void)
{
	sl_nl_t *nl = calloc(1, sizeof(*nl));
	if (nl == NULL)
		return NULL;
	nl->seq = (unsigned)time(NULL);
	nl->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	nl->events = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (nl->req == NULL || nl->events == NULL ||
	    mnl_socket_bind(nl->req, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(nl->events,
			    (1u << (RTNLGRP_NEIGH - 1)) | (1u << (RTNLGRP_IPV4_ROUTE - 1)) |
				    (1u << (RTNLGRP_IPV6_ROUTE - 1)),
			    MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		sl_nexthop_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

int sl_nexthop_events_fd(const sl_nl_t *nl)
{
	return mnl_socket_get_fd(nl->events);
}

bool sl_nexthop_events_drain(sl_nl_t *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool any = false;
	/* ENOBUFS (events lost) also means "look again". */
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->events, buf, sizeof(buf));
		if (n > 0 || (n < 0 && errno == ENOBUFS))
			any = true;
		else
			return any;
	}
}

/* Send the request in buf and run cb on each answer until the kernel is
 * done (a dump: NLMSG_DONE) or has answered (a plain request: one
 * message, or an error). */
static int talk(sl_nl_t *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	const bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->req, nlh, nlh->nlmsg_len) < 0)
		return -1;
	const unsigned portid = mnl_socket_get_portid(nl->req);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->req, buf, sizeof(buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, (size_t)n, nl->seq, portid, cb, data);
	} while (dump && ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}

struct route_answer {
	unsigned alen; /* the family's address length */
	bool found;
	uint32_t oif;
	bool has_gw;
	bool gw_other; /* a gateway of the other family (RTA_VIA) */
	uint8_t gw[16];
};

static int route_attr(const struct nlattr *a, void *data)
{
	struct route_answer *r = data;
	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			r->oif = mnl_attr_get_u32(a);
			r->found = true;
		}
		break;
	case RTA_GATEWAY:
		if (mnl_attr_get_payload_len(a) == r->alen) {
			memcpy(r->gw, mnl_attr_get_payload(a), r->alen);
			r->has_gw = true;
		}
		break;
	case RTA_VIA:
		r->gw_other = true;
		break;
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWROUTE)
		mnl_attr_parse(nlh, sizeof(struct rtmsg), route_attr, data);
	return MNL_CB_OK;
}

struct neigh_query {
	uint8_t family; /* AF_INET or AF_INET6 */
	unsigned alen;
	uint32_t ifindex;
	uint8_t ip[16];
	bool found;
	uint8_t mac[6];
};

struct neigh_attrs {
	const struct nlattr *dst, *lladdr;
};

static int neigh_attr(const struct nlattr *a, void *data)
{
	struct neigh_attrs *t = data;
	if (mnl_attr_get_type(a) == NDA_DST)
		t->dst = a;
	else if (mnl_attr_get_type(a) == NDA_LLADDR)
		t->lladdr = a;
	return MNL_CB_OK;
}

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_query *q = data;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_family != q->family ||
	    (uint32_t)nd->ndm_ifindex != q->ifindex)
		return MNL_CB_OK;
	const unsigned usable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
				NUD_NOARP;
	if (!(nd->ndm_state & usable))
		return MNL_CB_OK;
	struct neigh_attrs t = {0};
	mnl_attr_parse(nlh, sizeof(*nd), neigh_attr, &t);
	if (t.dst == NULL || mnl_attr_get_payload_len(t.dst) != q->alen ||
	    memcmp(mnl_attr_get_payload(t.dst), q->ip, q->alen) != 0 || t.lladdr == NULL ||
	    mnl_attr_get_payload_len(t.lladdr) != 6)
		return MNL_CB_OK;
	memcpy(q->mac, mnl_attr_get_payload(t.lladdr), 6);
	q->found = true;
	return MNL_CB_OK;
}

int sl_nexthop_lookup(sl_nl_t *nl, unsigned family, const uint8_t *ip, sl_nexthop_t *out)
{
	memset(out, 0, sizeof(*out));
	if (family != 4 && family != 6)
		return -1;
	const uint8_t af = family == 4 ? AF_INET : AF_INET6;
	const unsigned alen = family == 4 ? 4 : 16;
	char buf[MNL_SOCKET_BUFFER_SIZE];

	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = af;
	rtm->rtm_dst_len = (unsigned char)(8 * alen);
	mnl_attr_put(nlh, RTA_DST, alen, ip);
	struct route_answer r = {.alen = alen};
	if (talk(nl, nlh, route_cb, &r) != 0 || !r.found)
		return -1;
	out->ifindex = r.oif;
	if (r.gw_other)
		return -1; /* its neighbour is in the other family's table */
	memcpy(out->via, r.has_gw ? r.gw : ip, alen);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = af;
	struct neigh_query q = {.family = af, .alen = alen, .ifindex = r.oif};
	memcpy(q.ip, out->via, alen);
	if (talk(nl, nlh, neigh_cb, &q) != 0 || !q.found)
		return -1;
	memcpy(out->mac, q.mac, 6);
	return 0;
}
