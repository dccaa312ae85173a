// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Test tool: records the VRRP adverts seen on an interface, with the
 * kernel's receive time, so that a test can measure the gaps between a
 * master's adverts.  Reads the IPv4 header and the advert's first bytes by
 * hand (RFC 791, RFC 5798 section 5): nothing from the daemon.
 *
 *   vrrp_capture [-l] -i IF -t SECONDS
 *
 * One line per advert on stdout: "USEC SRC VRID PRIO", USEC the receive
 * time in microseconds (CLOCK_REALTIME), until SECONDS have passed.
 *
 * -l: on the sender's own interface (a packet socket), the adverts this
 * host sends too, stamped when they were handed to the interface: the
 * sender's timing alone, without the receiving host's scheduling (a busy
 * machine may run the receiver's softirq late).
 *
 * The stamps are the kernel's, so a capture that reads late loses nothing
 * but what overflows its socket's buffer: it asks for 8 MiB (as root), so
 * that a busy machine that does not run it for seconds shows no gap the
 * sender did not make.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define VRRP_PROTO 112

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL;
	struct ip_mreqn mr = { 0 };
	double secs = 0;
	uint64_t end;
	int fd, on = 1, o, local = 0;

	while ((o = getopt(argc, argv, "li:t:")) != -1) {
		if (o == 'l')
			local = 1;
		else if (o == 'i')
			ifname = optarg;
		else if (o == 't')
			secs = atof(optarg);
		else
			break;
	}
	if (!ifname || secs <= 0) {
		fprintf(stderr, "usage: vrrp_capture [-l] -i IF -t SECONDS\n");
		return 2;
	}
	if (local) {
		/* ETH_P_ALL: the kernel hands frames being sent only to taps of
		 * every protocol; the IPv4 check below does the rest */
		struct sockaddr_ll sll = { .sll_family = AF_PACKET,
					   .sll_protocol = htons(ETH_P_ALL),
					   .sll_ifindex = (int)if_nametoindex(ifname) };

		fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
		if (fd < 0 || !sll.sll_ifindex ||
		    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
		    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on))) {
			perror("vrrp_capture: packet socket");
			return 1;
		}
		goto capture;
	}
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, VRRP_PROTO);
	mr.imr_ifindex = (int)if_nametoindex(ifname);
	inet_pton(AF_INET, "224.0.0.18", &mr.imr_multiaddr);
	if (fd < 0 || !mr.imr_ifindex ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		perror("vrrp_capture: socket");
		return 1;
	}
capture:
	{
		int sz = 8 << 20;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	end = now_us() + (uint64_t)(secs * 1e6);
	for (uint64_t t; (t = now_us()) < end;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint8_t buf[2048];
		union {
			char b[CMSG_SPACE(sizeof(struct timespec))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct sockaddr_ll from = { 0 };
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
				      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
				      .msg_controllen = sizeof(ctl) };
		uint64_t at = 0;
		char src[INET_ADDRSTRLEN];
		ssize_t n;
		size_t ihl;

		if (poll(&p, 1, (int)((end - t) / 1000) + 1) <= 0)
			continue;
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 20)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				at = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
			}
		}
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		/* a packet socket sees every IPv4 packet: only VRRP adverts */
		if ((size_t)n < ihl + 4 || (buf[0] >> 4) != 4 || buf[9] != VRRP_PROTO ||
		    (local && from.sll_protocol != htons(ETH_P_IP)))
			continue;
		inet_ntop(AF_INET, buf + 12, src, sizeof(src));
		/* version/type, VRID, priority */
		printf("%llu %s %u %u\n", (unsigned long long)(at ? at : now_us()), src,
		       buf[ihl + 1], buf[ihl + 2]);
		fflush(stdout);
	}
	return 0;
}
