// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/sock.h"
#include "vrrp/vrrp_net.h"

/* DSCP CS6, network control, as routers and keepalived send VRRP */
#define VRRP_TOS 0xc0

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29 /* linux/in6.h, Linux 4.20 */
#endif

static bool is_excluded(const struct ip_addr *a, const struct ip_addr *ex, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ip_addr_eq(a, &ex[i]))
			return true;
	return false;
}

/* The address of an ifaddrs entry of the given family; false otherwise. */
static bool ifa_ip(const struct ifaddrs *i, int family, struct ip_addr *a)
{
	if (!i->ifa_addr || i->ifa_addr->sa_family != family)
		return false;
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET)
		a->v4 = ((const struct sockaddr_in *)i->ifa_addr)->sin_addr;
	else
		a->v6 = ((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
	return true;
}

int vrrp_primary_address(int family, const char *ifname, const struct ip_addr *exclude,
			 unsigned n_exclude, struct ip_addr *out)
{
	struct ifaddrs *ifa, *i;
	bool found = false;
	struct ip_addr a;

	if (getifaddrs(&ifa) < 0)
		return -1;
	/* getifaddrs lists an interface's addresses in the kernel's order,
	 * primary first */
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (strcmp(i->ifa_name, ifname) != 0 || !ifa_ip(i, family, &a) ||
		    (family == AF_INET6 && !IN6_IS_ADDR_LINKLOCAL(&a.v6)) ||
		    is_excluded(&a, exclude, n_exclude))
			continue;
		*out = a;
		found = true;
	}
	freeifaddrs(ifa);
	if (!found) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}

static int setopt(int fd, int level, int name, const void *val, socklen_t len, const char *what)
{
	return sock_setopt(fd, level, name, val, len, "vrrp", what);
}

static int setint(int fd, int level, int name, int val, const char *what)
{
	return sock_setint(fd, level, name, val, "vrrp", what);
}

static int setup_v4(struct vrrp_net *n)
{
	struct ip_mreqn mr = { .imr_ifindex = n->ifindex };
	int fd = n->fd;

	if (setopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr), "IP_MULTICAST_IF") ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL, "IP_MULTICAST_TTL") ||
	    setint(fd, IPPROTO_IP, IP_TTL, VRRP_TTL, "IP_TTL") ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP") ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL") ||
	    setint(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL") ||
	    setint(fd, IPPROTO_IP, IP_TOS, VRRP_TOS, "IP_TOS"))
		return -1;
	if (n->n_peers)
		return 0;
	mr.imr_multiaddr = n->group.v4;
	return setopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr), "IP_ADD_MEMBERSHIP");
}

static int setup_v6(struct vrrp_net *n)
{
	struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned)n->ifindex };
	int fd = n->fd;

	if (setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, n->ifindex, "IPV6_MULTICAST_IF") ||
	    setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL, "IPV6_MULTICAST_HOPS") ||
	    setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL, "IPV6_UNICAST_HOPS") ||
	    setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP") ||
	    setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT") ||
	    setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO") ||
	    setint(fd, IPPROTO_IPV6, IPV6_TCLASS, VRRP_TOS, "IPV6_TCLASS"))
		return -1;
	/* only the groups this socket joined (ignored by old kernels) */
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &(int){ 0 }, sizeof(int));
	if (n->n_peers)
		return 0;
	mr.ipv6mr_multiaddr = n->group.v6;
	return setopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr),
		      "IPV6_ADD_MEMBERSHIP");
}

int vrrp_net_open(struct vrrp_net *n, const struct vrrp_net_config *c)
{
	int err;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	n->family = c->family;
	if ((c->family != AF_INET && c->family != AF_INET6) || !c->ifname ||
	    strlen(c->ifname) >= sizeof(n->ifname) || c->n_exclude > VRRP_NET_MAX_VIPS) {
		errno = EINVAL;
		return -1;
	}
	strcpy(n->ifname, c->ifname);
	n->ifindex = (int)if_nametoindex(c->ifname);
	if (!n->ifindex) {
		log_err("vrrp: interface %s: %s", c->ifname, strerror(errno));
		return -1;
	}
	memcpy(n->exclude, c->exclude, c->n_exclude * sizeof(*c->exclude));
	n->n_exclude = c->n_exclude;
	if (vrrp_net_refresh_primary(n) < 0)
		return -1;
	n->group.family = c->family;
	if (c->family == AF_INET)
		n->group.v4.s_addr = htonl(VRRP_GROUP4);
	else
		inet_pton(AF_INET6, VRRP_GROUP6_STR, &n->group.v6);
	/* every node may share one peer list: leave ourselves out */
	for (unsigned i = 0; i < c->n_peers && n->n_peers < CFG_MAX_PEERS; i++)
		if (c->peers[i].family == c->family && !ip_addr_is_local(&c->peers[i]))
			n->peers[n->n_peers++] = c->peers[i];

	n->fd = socket(c->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IPPROTO);
	if (n->fd < 0) {
		log_err("vrrp: raw socket: %s", strerror(errno));
		return -1;
	}
	if (setopt(n->fd, SOL_SOCKET, SO_BINDTODEVICE, n->ifname, (socklen_t)strlen(n->ifname),
		   "SO_BINDTODEVICE") ||
	    (c->family == AF_INET ? setup_v4(n) : setup_v6(n))) {
		err = errno;
		vrrp_net_close(n);
		errno = err;
		return -1;
	}
	return 0;
}

void vrrp_net_close(struct vrrp_net *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

int vrrp_net_refresh_primary(struct vrrp_net *n)
{
	struct ip_addr p;

	if (vrrp_primary_address(n->family, n->ifname, n->exclude, n->n_exclude, &p) < 0) {
		log_err("vrrp: no %s address on %s to send adverts from",
			n->family == AF_INET ? "IPv4" : "IPv6 link-local", n->ifname);
		return -1;
	}
	n->primary = p;
	return 0;
}

static int send_one(struct vrrp_net *n, const struct vrrp_advert *a, const struct ip_addr *dst)
{
	uint8_t pkt[VRRP_PKT_MAX];
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} to = { 0 };
	union {
		char v4[CMSG_SPACE(sizeof(struct in_pktinfo))];
		char v6[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl = { 0 };
	struct iovec iov = { .iov_base = pkt };
	struct msghdr msg = { .msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = &ctl };
	struct cmsghdr *cm = (struct cmsghdr *)&ctl;
	int len = vrrp_encode(pkt, sizeof(pkt), a, &n->primary, dst);

	if (len < 0) {
		errno = EINVAL;
		return -1;
	}
	iov.iov_len = (size_t)len;
	/* the source must be the primary address the checksum covers */
	if (n->family == AF_INET) {
		struct in_pktinfo pi = { .ipi_ifindex = n->ifindex, .ipi_spec_dst = n->primary.v4 };

		to.v4.sin_family = AF_INET;
		to.v4.sin_addr = dst->v4;
		msg.msg_namelen = sizeof(to.v4);
		msg.msg_controllen = sizeof(ctl.v4);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_addr = n->primary.v6,
					  .ipi6_ifindex = (unsigned)n->ifindex };

		to.v6.sin6_family = AF_INET6;
		to.v6.sin6_addr = dst->v6;
		if (IN6_IS_ADDR_LINKLOCAL(&dst->v6) || IN6_IS_ADDR_MC_LINKLOCAL(&dst->v6))
			to.v6.sin6_scope_id = (uint32_t)n->ifindex;
		msg.msg_namelen = sizeof(to.v6);
		msg.msg_controllen = sizeof(ctl.v6);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	return sendmsg(n->fd, &msg, MSG_DONTWAIT) == len ? 0 : -1;
}

int vrrp_net_send(struct vrrp_net *n, const struct vrrp_advert *a, struct vrrp_counters *cnt)
{
	const struct ip_addr *dst = n->n_peers ? n->peers : &n->group;
	unsigned count = n->n_peers ? n->n_peers : 1;
	int rc = 0;

	for (unsigned i = 0; i < count; i++) {
		if (send_one(n, a, &dst[i]) == 0) {
			cnt->sent++;
			continue;
		}
		cnt->send_errors++;
		rc = -1;
		/* once per failure streak; send_errors has the rate */
		if (!n->send_failing)
			log_warn("vrrp: sending adverts on %s fails: %s", n->ifname,
				 strerror(errno));
		n->send_failing = true;
	}
	if (rc == 0 && n->send_failing) {
		log_info("vrrp: sending adverts on %s works again", n->ifname);
		n->send_failing = false;
	}
	return rc;
}

bool vrrp_ipv4_strip(const uint8_t *b, size_t n, struct vrrp_packet *pkt)
{
	size_t ihl, tot;

	if (n < 20 || b[0] >> 4 != 4)
		return false;
	ihl = (size_t)(b[0] & 0x0f) * 4;
	tot = (size_t)b[2] << 8 | b[3];
	/* options are skipped by IHL; bytes past the total length are link
	 * padding */
	if (ihl < 20 || tot < ihl || tot > n)
		return false;
	if (pkt->ttl < 0)
		pkt->ttl = b[8];
	pkt->src.family = pkt->dst.family = AF_INET;
	memcpy(&pkt->src.v4, b + 12, 4);
	memcpy(&pkt->dst.v4, b + 16, 4);
	pkt->data = b + ihl;
	pkt->len = tot - ihl;
	return true;
}

static void read_cmsgs(struct msghdr *msg, struct vrrp_packet *pkt)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		int v;

		if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) ||
		    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			pkt->ttl = v;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			pkt->dst.family = AF_INET6;
			pkt->dst.v6 = pi.ipi6_addr;
		}
	}
}

/* One recvmsg: 1 packet, 0 drained or failed, -1 read but unusable. */
static int recv_one(struct vrrp_net *n, struct vrrp_packet *pkt, struct vrrp_counters *cnt)
{
	struct sockaddr_in6 from;
	union {
		char b[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = n->buf, .iov_len = sizeof(n->buf) };
	struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			      .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	ssize_t r = recvmsg(n->fd, &msg, MSG_DONTWAIT);

	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			cnt->recv_errors++;
			log_debug("vrrp: recv on %s: %s", n->ifname, strerror(errno));
		}
		return 0;
	}
	cnt->received++;
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = n->buf;
	pkt->len = (size_t)r;
	pkt->ttl = -1;
	read_cmsgs(&msg, pkt);
	if (msg.msg_flags & MSG_TRUNC) {
		cnt->bad_length++;
		return -1;
	}
	if (n->family == AF_INET) {
		if (!vrrp_ipv4_strip(n->buf, (size_t)r, pkt)) {
			cnt->bad_length++;
			return -1;
		}
	} else {
		if (msg.msg_namelen < sizeof(from) || from.sin6_family != AF_INET6 ||
		    pkt->dst.family != AF_INET6) {
			cnt->recv_errors++; /* the kernel always gives both */
			return -1;
		}
		pkt->src.family = AF_INET6;
		pkt->src.v6 = from.sin6_addr;
	}
	if (ip_addr_eq(&pkt->src, &n->primary)) {
		cnt->own++;
		return -1;
	}
	return 1;
}

int vrrp_net_recv(struct vrrp_net *n, struct vrrp_packet *pkt, struct vrrp_counters *cnt)
{
	/* a bounded number of skips, so one flood cannot starve the loop */
	for (int i = 0; i < 64; i++) {
		int r = recv_one(n, pkt, cnt);

		if (r >= 0)
			return r;
	}
	return 0;
}
