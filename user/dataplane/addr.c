// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef INFINITY_LIFE_TIME
#define INFINITY_LIFE_TIME 0xFFFFFFFFu /* include/net/addrconf.h */
#endif

#include <libmnl/libmnl.h>

#include "dataplane/addr.h"
#include "base/log.h"


/* One request, acks and errors read back; dump replies go to cb. */
static int talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned seq = (unsigned)time(NULL), portid;
	int ret = -1;

	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0)
			goto out;
		ret = mnl_cb_run(buf, n, seq, portid, cb, data);
		if (ret <= MNL_CB_STOP)
			break;
	}
	ret = ret < 0 ? -1 : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

static struct nlmsghdr *addr_msg(char *buf, int type, int flags, int ifindex,
				 const struct ip_addr *ip)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = ip->family;
	ifa->ifa_prefixlen = ip->family == AF_INET ? 32 : 128;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, ip_addr_len(ip), &ip->v6);
	mnl_attr_put(nlh, IFA_ADDRESS, ip_addr_len(ip), &ip->v6);
	if (ip->family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return nlh;
}

int addr_add(int ifindex, const struct ip_addr *ip, uint32_t lifetime_s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], s[INET6_ADDRSTRLEN];
	struct ifa_cacheinfo ci = { .ifa_prefered = lifetime_s ? lifetime_s : INFINITY_LIFE_TIME,
				    .ifa_valid = lifetime_s ? lifetime_s : INFINITY_LIFE_TIME };
	struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, ip);

	/* the kernel counts the lifetime from this request on, for an
	 * address it had already too */
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	if (talk(nlh, NULL, NULL) && errno != EEXIST) {
		log_err("cannot add %s to ifindex %d: %s", ip_addr_str(ip, s, sizeof(s)),
			ifindex, strerror(errno));
		return -1;
	}
	return 0;
}

int addr_del(int ifindex, const struct ip_addr *ip)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], s[INET6_ADDRSTRLEN];

	if (talk(addr_msg(buf, RTM_DELADDR, 0, ifindex, ip), NULL, NULL) &&
	    errno != EADDRNOTAVAIL && errno != ENODEV) {
		log_err("cannot remove %s from ifindex %d: %s",
			ip_addr_str(ip, s, sizeof(s)), ifindex, strerror(errno));
		return -1;
	}
	return 0;
}

struct dump {
	int ifindex, family;
	const struct ip_addr *skip;
	unsigned n_skip;
	bool link_local; /* IPv6: only fe80::/10 */
	bool found;
	struct ip_addr first;
	const struct ip_addr *want;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct dump *d = data;
	struct nlattr *a;
	struct ip_addr ip = { .family = ifa->ifa_family };

	if ((int)ifa->ifa_index != d->ifindex || ifa->ifa_family != d->family)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		int t = mnl_attr_get_type(a);

		if ((t == IFA_LOCAL || (t == IFA_ADDRESS && ip.family == AF_INET6)) &&
		    mnl_attr_get_payload_len(a) == ip_addr_len(&ip))
			memcpy(&ip.v6, mnl_attr_get_payload(a), ip_addr_len(&ip));
	}
	if (d->want) {
		if (ip_addr_eq(&ip, d->want))
			d->found = true;
		return MNL_CB_OK;
	}
	if (d->found)
		return MNL_CB_OK;
	for (unsigned i = 0; i < d->n_skip; i++)
		if (ip_addr_eq(&ip, &d->skip[i]))
			return MNL_CB_OK;
	if (ip.family == AF_INET6 && (ip.v6.s6_addr[0] != 0xfe ||
				       (ip.v6.s6_addr[1] & 0xc0) != 0x80))
		return MNL_CB_OK;
	d->first = ip;
	d->found = true;
	return MNL_CB_OK;
}

static int dump_addrs(struct dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = d->family;
	return talk(nlh, addr_cb, d);
}

int addr_present(int ifindex, const struct ip_addr *ip)
{
	struct dump d = { .ifindex = ifindex, .family = ip->family, .want = ip };

	if (dump_addrs(&d))
		return -1;
	return d.found;
}

int addr_own_mac(int ifindex, uint8_t mac[6])
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1, err;

	if (fd >= 0 && if_indextoname((unsigned)ifindex, ifr.ifr_name) &&
	    !ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
		rc = 0;
	}
	err = errno;
	if (fd >= 0)
		close(fd);
	errno = err;
	return rc;
}

int addr_first(int ifindex, int family, const struct ip_addr *skip, unsigned n_skip,
	       struct ip_addr *out)
{
	struct dump d = { .ifindex = ifindex, .family = family, .skip = skip,
			  .n_skip = n_skip };

	if (dump_addrs(&d) || !d.found)
		return -1;
	*out = d.first;
	return 0;
}

struct neigh_dump {
	int ifindex;
	const struct ip_addr *want;
	bool found;
	uint8_t mac[6];
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const uint16_t usable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
				NUD_PERMANENT | NUD_NOARP;
	struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct neigh_dump *d = data;
	const void *dst = NULL, *ll = NULL;
	struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != d->ifindex ||
	    nd->ndm_family != d->want->family || !(nd->ndm_state & usable))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		if (mnl_attr_get_type(a) == NDA_DST &&
		    mnl_attr_get_payload_len(a) == ip_addr_len(d->want))
			dst = mnl_attr_get_payload(a);
		else if (mnl_attr_get_type(a) == NDA_LLADDR && mnl_attr_get_payload_len(a) == 6)
			ll = mnl_attr_get_payload(a);
	}
	if (dst && ll && !memcmp(dst, &d->want->v6, ip_addr_len(d->want))) {
		memcpy(d->mac, ll, 6);
		d->found = true;
	}
	return MNL_CB_OK;
}

int addr_neigh_mac(int ifindex, const struct ip_addr *ip, uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct neigh_dump d = { .ifindex = ifindex, .want = ip };
	struct ndmsg *nd;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = (uint8_t)ip->family;
	nd->ndm_ifindex = ifindex;
	if (talk(nlh, neigh_cb, &d) || !d.found)
		return -1;
	memcpy(mac, d.mac, 6);
	return 0;
}

int addr_watch_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int fd;

	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID)) {
		mnl_socket_close(nl);
		return -1;
	}
	/* The daemon keeps only the fd; the mnl wrapper is a small struct. */
	fd = dup(mnl_socket_get_fd(nl));
	mnl_socket_close(nl);
	return fd;
}

int addr_watch_drain(int fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int changed = 0;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int len = (int)n;

		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR)
				changed = 1;
	}
	if (n < 0 && errno == ENOBUFS)
		changed = 1; /* lost events: the caller re-reads the state */
	return changed;
}
