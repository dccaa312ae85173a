// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/ip.h"
#include "dataplane/announce.h"
#include "base/log.h"

struct garp {
	struct arphdr h;
	uint8_t sha[ETH_ALEN];
	uint8_t spa[4];
	uint8_t tha[ETH_ALEN];
	uint8_t tpa[4];
} __attribute__((packed));

static int hw_addr(int fd, int ifindex, uint8_t mac[ETH_ALEN])
{
	struct ifreq ifr = {};

	if (!if_indextoname(ifindex, ifr.ifr_name) || ioctl(fd, SIOCGIFHWADDR, &ifr))
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	return 0;
}

/* A broadcast ARP request for the VIP from the VIP: what keepalived sends.
 * The socket is opened with protocol 0, so that it receives nothing while
 * it is kept; the frame's protocol is in the address it is sent to. */
static int send_garp(int *fd, int ifindex, const struct in_addr *vip)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = ifindex, .sll_halen = ETH_ALEN };
	struct garp g = { .h = { .ar_hrd = htons(ARPHRD_ETHER), .ar_pro = htons(ETH_P_IP),
				 .ar_hln = ETH_ALEN, .ar_pln = 4, .ar_op = htons(ARPOP_REQUEST) } };

	if (*fd < 0)
		*fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (*fd < 0 || hw_addr(*fd, ifindex, g.sha))
		return -1;
	memcpy(g.spa, vip, 4);
	memcpy(g.tpa, vip, 4);
	memset(to.sll_addr, 0xff, ETH_ALEN);
	return sendto(*fd, &g, sizeof(g), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -1 : 0;
}

struct una {
	struct nd_neighbor_advert na;
	struct nd_opt_hdr opt;
	uint8_t mac[ETH_ALEN];
} __attribute__((packed));

/* Unsolicited NA to all-nodes with the override flag (RFC 4861 7.2.6). */
static int send_una(int ifindex, const struct in6_addr *vip)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = ifindex };
	struct sockaddr_in6 from = { .sin6_family = AF_INET6, .sin6_addr = *vip };
	struct una m = {};
	int hops = 255, fd, ret = -1;

	/* a raw socket closes without waiting (a packet socket would not) */
	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -1;
	if (hw_addr(fd, ifindex, m.mac))
		goto out;
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	m.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	m.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	m.na.nd_na_target = *vip;
	m.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	m.opt.nd_opt_len = 1;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) ||
	    bind(fd, (struct sockaddr *)&from, sizeof(from)))
		goto out;
	ret = sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -1 : 0;
out:
	close(fd);
	return ret;
}

int announce_vip(int *packet_fd, int ifindex, const struct ip_addr *ip)
{
	char s[INET6_ADDRSTRLEN];
	int ret = ip->family == AF_INET ? send_garp(packet_fd, ifindex, &ip->v4) :
					  send_una(ifindex, &ip->v6);

	if (ret)
		log_warn("cannot announce %s: %s", ip_addr_str(ip, s, sizeof(s)), strerror(errno));
	return ret;
}

void announce_close(int *packet_fd)
{
	if (*packet_fd >= 0)
		close(*packet_fd);
	*packet_fd = -1;
}
