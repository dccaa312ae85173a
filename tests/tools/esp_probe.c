// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * esp_probe: raw ESP frames for the steering tests, where the kernel has
 * no ESP (no SA could be installed): they are sent as bytes, and counted
 * as frames where they arrive.  Written from RFC 4303 (the ESP header:
 * SPI, sequence number) and RFC 3948 (ESP in UDP on port 4500, no marker).
 *
 *   esp_probe send DST SPI COUNT [udp]
 *       COUNT ESP packets to DST (IPv4 or IPv6), SPI in hex, sequence 1..
 *       COUNT, 64 bytes standing for the encrypted payload; "udp": in UDP
 *       to port 4500 instead; "keepalive": COUNT NAT-T keepalives (one
 *       byte 0xff) to DST port 4500 (SPI ignored)
 *   esp_probe recv IF SECONDS DST
 *       for SECONDS, counts the frames that IF receives for itself
 *       (PACKET_HOST) carrying ESP or ESP in UDP (port 4500, a non-zero
 *       first word) to DST; prints "SPI COUNT" per SPI (hex), then "end"
 *
 * Exit status 0, or 1 with a reason on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SPIS 64

static void die(const char *what)
{
	fprintf(stderr, "esp_probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int dst_of(const char *s, struct sockaddr_storage *ss, socklen_t *len, uint16_t port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	fprintf(stderr, "esp_probe: %s is not an address\n", s);
	exit(1);
}

static int do_send(const char *dst, uint32_t spi, unsigned count, const char *how)
{
	bool udp = how && !strcmp(how, "udp"), keepalive = how && !strcmp(how, "keepalive");
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = dst_of(dst, &ss, &len, udp || keepalive ? 4500 : 0);
	int fd = udp || keepalive ? socket(fam, SOCK_DGRAM, 0) : socket(fam, SOCK_RAW, IPPROTO_ESP);
	uint8_t msg[72];

	if (fd < 0)
		die("socket");
	for (unsigned i = 1; i <= count; i++) {
		uint32_t be_spi = htonl(spi), be_seq = htonl(i);
		size_t n = sizeof(msg);

		memcpy(msg, &be_spi, 4);
		memcpy(msg + 4, &be_seq, 4);
		for (size_t k = 8; k < sizeof(msg); k++)
			msg[k] = (uint8_t)(k * 29 + i);
		if (keepalive) {
			msg[0] = 0xff;
			n = 1;
		}
		if (sendto(fd, msg, n, 0, (struct sockaddr *)&ss, len) != (ssize_t)n)
			die("sendto");
	}
	close(fd);
	return 0;
}

struct seen {
	uint32_t spi;
	unsigned n;
};

static void count(struct seen *s, unsigned *ns, uint32_t spi)
{
	for (unsigned i = 0; i < *ns; i++)
		if (s[i].spi == spi) {
			s[i].n++;
			return;
		}
	if (*ns < MAX_SPIS)
		s[(*ns)++] = (struct seen){ spi, 1 };
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The SPI of an ESP or ESP-in-UDP packet to dst in frame f (from its IP
 * header on: a packet socket of type SOCK_DGRAM), or 0. */
static uint32_t spi_of(const uint8_t *f, size_t n, const uint8_t *dst, int fam)
{
	size_t l4;
	uint8_t proto;

	if (fam == AF_INET) {
		if (n < 20 || f[0] >> 4 != 4 || memcmp(f + 16, dst, 4) ||
		    (f[6] & 0x3f) | f[7]) /* fragments are not counted */
			return 0;
		l4 = (size_t)(f[0] & 15) * 4;
		proto = f[9];
	} else {
		if (n < 40 || f[0] >> 4 != 6 || memcmp(f + 24, dst, 16))
			return 0;
		l4 = 40;
		proto = f[6];
	}
	if (proto == IPPROTO_ESP && n >= l4 + 8)
		return be32(f + l4);
	if (proto == IPPROTO_UDP && n >= l4 + 16 && f[l4 + 2] == 0x11 && f[l4 + 3] == 0x94)
		return be32(f + l4 + 8);
	return 0;
}

static int do_recv(const char *ifname, unsigned seconds, const char *dst)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fam = dst_of(dst, &ss, &len, 0);
	const uint8_t *d = fam == AF_INET ? (const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr
					  : (const uint8_t *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(fam == AF_INET ? ETH_P_IP : ETH_P_IPV6));
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(fam == AF_INET ? ETH_P_IP : ETH_P_IPV6),
				  .sll_ifindex = (int)if_nametoindex(ifname) };
	struct seen seen[MAX_SPIS];
	unsigned ns = 0;
	struct timespec t0, t;
	uint8_t buf[4096];

	if (fd < 0 || !ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)))
		die(ifname);
	/* ready: the caller waits for this line before it sends */
	printf("ready\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		long left;
		ssize_t n;
		uint32_t spi;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = (long)seconds * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
					       (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0 || from.sll_pkttype != PACKET_HOST)
			continue;
		spi = spi_of(buf, (size_t)n, d, fam);
		if (spi)
			count(seen, &ns, spi);
	}
	for (unsigned i = 0; i < ns; i++)
		printf("%08x %u\n", seen[i].spi, seen[i].n);
	printf("end\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "send"))
		return do_send(argv[2], (uint32_t)strtoul(argv[3], NULL, 16),
			       (unsigned)strtoul(argv[4], NULL, 10), argc > 5 ? argv[5] : NULL);
	if (argc == 5 && !strcmp(argv[1], "recv"))
		return do_recv(argv[2], (unsigned)strtoul(argv[3], NULL, 10), argv[4]);
	fprintf(stderr, "usage: esp_probe send DST SPI COUNT [udp|keepalive]\n"
			"       esp_probe recv IF SECONDS DST\n");
	return 2;
}
