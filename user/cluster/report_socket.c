// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/sock.h"
#include "cluster/report_socket.h"

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
				(const void *)&((const struct sockaddr_in *)ss)->sin_addr :
				(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static int set_int(int fd, int level, int opt, int val, const char *name)
{
	return sock_setint(fd, level, opt, val, "reports", name);
}

static int new_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rcvbuf = REPORT_SOCKET_RCVBUF;

	if (fd < 0) {
		log_err("reports: socket: %s", strerror(errno));
		return -1;
	}
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR") < 0) {
		close(fd);
		return -1;
	}
	/* a burst from a large cluster must not overflow the default buffer;
	 * the kernel caps it at rmem_max, which is fine */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		log_debug("reports: SO_RCVBUF: %s", strerror(errno));
	return fd;
}

static int bind_or_log(int fd, const struct sockaddr_storage *ss, socklen_t len, uint16_t port)
{
	char b[INET6_ADDRSTRLEN];

	if (bind(fd, (const struct sockaddr *)ss, len) == 0)
		return 0;
	log_err("reports: bind to %s port %u: %s", addr_str(ss, b, sizeof(b)), port,
		strerror(errno));
	return -1;
}

/* ---- multicast ---------------------------------------------------------- */

static int join_v4(struct report_socket *n, const struct report_socket_params *p, int ifindex)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&n->dst[0];
	struct ip_mreqn mreq = { .imr_multiaddr = p->group.v4, .imr_ifindex = ifindex };

	sin->sin_family = AF_INET;
	sin->sin_addr = p->group.v4;
	sin->sin_port = htons(p->port);
	n->dst_len[0] = sizeof(*sin);
	if (bind_or_log(n->fd, &n->dst[0], n->dst_len[0], p->port) < 0 ||
	    set_int(n->fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL") < 0 ||
	    set_int(n->fd, IPPROTO_IP, IP_MULTICAST_TTL, REPORT_SOCKET_TTL, "IP_MULTICAST_TTL") < 0 ||
	    set_int(n->fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL") < 0 ||
	    set_int(n->fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP") < 0)
		return -1;
	if (setsockopt(n->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0 ||
	    setsockopt(n->fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq)) < 0) {
		log_err("reports: joining the group on %s: %s", p->ifname, strerror(errno));
		return -1;
	}
	return 0;
}

static int join_v6(struct report_socket *n, const struct report_socket_params *p, int ifindex)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&n->dst[0];
	struct ipv6_mreq mreq = { .ipv6mr_multiaddr = p->group.v6, .ipv6mr_interface = ifindex };

	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = p->group.v6;
	sin6->sin6_port = htons(p->port);
	sin6->sin6_scope_id = (uint32_t)ifindex; /* needed for link-local groups */
	n->dst_len[0] = sizeof(*sin6);
	if (set_int(n->fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY") < 0 ||
	    bind_or_log(n->fd, &n->dst[0], n->dst_len[0], p->port) < 0 ||
	    set_int(n->fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0, "IPV6_MULTICAST_ALL") < 0 ||
	    set_int(n->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, REPORT_SOCKET_TTL,
		    "IPV6_MULTICAST_HOPS") < 0 ||
	    set_int(n->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT") < 0 ||
	    set_int(n->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP") < 0 ||
	    set_int(n->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF") < 0)
		return -1;
	if (setsockopt(n->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq)) < 0) {
		log_err("reports: joining the group on %s: %s", p->ifname, strerror(errno));
		return -1;
	}
	return 0;
}

static bool is_multicast(const struct ip_addr *ip)
{
	if (ip->family == AF_INET)
		return IN_MULTICAST(ntohl(ip->v4.s_addr));
	return ip->family == AF_INET6 && IN6_IS_ADDR_MULTICAST(&ip->v6);
}

static int open_multicast(struct report_socket *n, const struct report_socket_params *p)
{
	char b[INET6_ADDRSTRLEN];
	int ifindex = p->ifname ? (int)if_nametoindex(p->ifname) : 0;

	if (!ifindex) {
		log_err("reports: interface %s: %s", p->ifname ? p->ifname : "(none)",
			p->ifname ? strerror(errno) : "not given");
		return -1;
	}
	if (!is_multicast(&p->group)) {
		log_err("reports: group %s is not a multicast address",
			p->group.family ? ip_addr_str(&p->group, b, sizeof(b)) : "(unset)");
		return -1;
	}
	n->family = p->group.family;
	n->multicast = true;
	n->fd = new_socket(n->family);
	if (n->fd < 0)
		return -1;
	/* only the group's traffic on this interface, sent out of it too */
	if (setsockopt(n->fd, SOL_SOCKET, SO_BINDTODEVICE, p->ifname, (socklen_t)strlen(p->ifname)) <
	    0) {
		log_err("reports: binding to interface %s: %s", p->ifname, strerror(errno));
		return -1;
	}
	if ((n->family == AF_INET ? join_v4 : join_v6)(n, p, ifindex) < 0)
		return -1;
	n->n_dst = 1;
	log_info("reports: multicast %s port %u on %s", ip_addr_str(&p->group, b, sizeof(b)), p->port,
		 p->ifname);
	return 0;
}

/* ---- unicast ------------------------------------------------------------ */

static void add_peer(struct report_socket *n, const struct ip_addr *ip, uint16_t port, int ifindex)
{
	struct sockaddr_storage *ss = &n->dst[n->n_dst];

	memset(ss, 0, sizeof(*ss));
	if (n->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = ip->v4;
		sin->sin_port = htons(port);
		n->dst_len[n->n_dst++] = sizeof(*sin);
		return;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (ip->family == AF_INET) {
		/* dual-stack socket: IPv4 peers as ::ffff:a.b.c.d */
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6->sin6_addr.s6_addr[12], &ip->v4, 4);
	} else {
		sin6->sin6_addr = ip->v6;
		if (IN6_IS_ADDR_LINKLOCAL(&ip->v6))
			sin6->sin6_scope_id = (uint32_t)ifindex;
	}
	n->dst_len[n->n_dst++] = sizeof(*sin6);
}

static int open_unicast(struct report_socket *n, const struct report_socket_params *p)
{
	struct sockaddr_storage any = { 0 };
	int ifindex = p->ifname ? (int)if_nametoindex(p->ifname) : 0;
	char b[INET6_ADDRSTRLEN];

	n->family = AF_INET;
	for (unsigned i = 0; i < p->n_peers; i++) {
		if (p->peers[i].family != AF_INET && p->peers[i].family != AF_INET6) {
			log_err("reports: peers entry %u has no address", i + 1);
			return -1;
		}
		if (p->peers[i].family == AF_INET6)
			n->family = AF_INET6;
	}
	n->fd = new_socket(n->family);
	if (n->fd < 0)
		return -1;
	any.ss_family = (sa_family_t)n->family;
	if (n->family == AF_INET) {
		((struct sockaddr_in *)&any)->sin_port = htons(p->port);
	} else {
		((struct sockaddr_in6 *)&any)->sin6_port = htons(p->port);
		if (set_int(n->fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY") < 0)
			return -1;
	}
	if (bind_or_log(n->fd, &any,
			n->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
			p->port) < 0)
		return -1;
	for (unsigned i = 0; i < p->n_peers; i++) {
		n->peers[n->n_peers++] = p->peers[i];
		if (ip_addr_is_local(&p->peers[i])) {
			n->skipped_local++;
			log_debug("reports: peer %s is this host; not sending to it",
				  ip_addr_str(&p->peers[i], b, sizeof(b)));
			continue;
		}
		add_peer(n, &p->peers[i], p->port, ifindex);
	}
	log_info("reports: unicast to %u peer(s), port %u", n->n_dst, p->port);
	return 0;
}

/* ---- public ------------------------------------------------------------- */

int report_socket_open(struct report_socket *n, const struct report_socket_params *p)
{
	int rc;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (p->n_peers > CFG_MAX_PEERS || (p->n_peers && !p->peers)) {
		log_err("reports: at most %d peers", CFG_MAX_PEERS);
		return -1;
	}
	rc = p->n_peers ? open_unicast(n, p) : open_multicast(n, p);
	if (rc < 0)
		report_socket_close(n);
	return rc;
}

void report_socket_close(struct report_socket *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

unsigned report_socket_send(struct report_socket *n, const void *msg, size_t len)
{
	char b[INET6_ADDRSTRLEN];
	unsigned ok = 0;

	for (unsigned i = 0; i < n->n_dst; i++) {
		if (sendto(n->fd, msg, len, 0, (const struct sockaddr *)&n->dst[i],
			   n->dst_len[i]) == (ssize_t)len) {
			ok++;
			continue;
		}
		n->stats.send_errors++;
		if (!n->send_failing)
			log_warn("reports: sending to %s failed: %s",
				 addr_str(&n->dst[i], b, sizeof(b)), strerror(errno));
		n->send_failing = true;
	}
	n->stats.sent += ok;
	if (ok == n->n_dst && n->send_failing) {
		log_info("reports: sending works again");
		n->send_failing = false;
	}
	return ok;
}

int report_socket_send_report(struct report_socket *n, const struct load_report *r,
			   const struct cluster_key *key)
{
	uint8_t msg[REPORT_LONGEST];
	int len = report_encode(r, key, msg, sizeof(msg));

	if (len < 0) {
		log_err("reports: cannot encode the report of %s (invalid field or key)",
			r->node_id);
		return -1;
	}
	return (int)report_socket_send(n, msg, (size_t)len);
}

ssize_t report_socket_recv(struct report_socket *n, uint8_t *buf, size_t size, bool *none,
			   struct sockaddr_storage *from, int *ttl)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = { .msg_name = from, .msg_namelen = sizeof(*from), .msg_iov = &iov,
			      .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	ssize_t r;

	*none = false;
	*ttl = -1;
	memset(from, 0, sizeof(*from));
	do
		r = recvmsg(n->fd, &msg, MSG_TRUNC);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		*none = true;
		return 0;
	}
	if (r < 0)
		return r;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if ((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TTL) ||
		    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT))
			memcpy(ttl, CMSG_DATA(cm), sizeof(*ttl));
	return r;
}

/* The datagram's source as an address (IPv4-mapped IPv6 as IPv4); NULL
 * when it has none. */
static const struct ip_addr *source_of(const struct sockaddr_storage *ss, struct ip_addr *ip)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET) {
		ip->family = AF_INET;
		ip->v4 = ((const struct sockaddr_in *)ss)->sin_addr;
	} else if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		if (!memcmp(a->s6_addr, mapped, sizeof(mapped))) {
			ip->family = AF_INET;
			memcpy(&ip->v4, a->s6_addr + 12, 4);
		} else {
			ip->family = AF_INET6;
			ip->v6 = *a;
		}
	}
	return ip->family ? ip : NULL;
}

enum members_verdict report_socket_admits(const struct report_socket *n,
					  const struct ip_addr *src, int ttl)
{
	if (n->multicast)
		return ttl == REPORT_SOCKET_TTL ? MEMBERS_ACCEPTED : MEMBERS_DROP_BAD_TTL;
	for (unsigned i = 0; src && i < n->n_peers; i++)
		if (ip_addr_eq(src, &n->peers[i]))
			return MEMBERS_ACCEPTED;
	return MEMBERS_DROP_NOT_PEER;
}

unsigned report_socket_handle_readable(struct report_socket *n, struct members *m,
				       uint64_t now_ms, uint64_t wall_ms)
{
	struct sockaddr_storage from;
	const struct ip_addr *src;
	struct ip_addr ip;
	enum members_verdict v;
	unsigned count;
	bool none;
	int ttl;

	for (count = 0; count < REPORT_SOCKET_BATCH; count++) {
		ssize_t r = report_socket_recv(n, n->buf, sizeof(n->buf), &none, &from, &ttl);

		if (none)
			break;
		if (r < 0) {
			n->stats.recv_errors++;
			log_debug("reports: receive: %s", strerror(errno));
			break;
		}
		src = source_of(&from, &ip);
		v = report_socket_admits(n, src, ttl);
		if (v != MEMBERS_ACCEPTED) {
			members_note_dropped(m, v);
			continue;
		}
		if ((size_t)r > REPORT_MAX) {
			n->stats.truncated++;
			members_note_dropped(m, MEMBERS_DROP_OVERSIZED);
			continue;
		}
		/* a migration message (its own magic): the socket's checks
		 * above were its too */
		if (n->claim && n->claim(n->claim_ctx, n->buf, (size_t)r))
			continue;
		members_handle_datagram_from(m, n->buf, (size_t)r, now_ms, wall_ms, src);
	}
	return count;
}
