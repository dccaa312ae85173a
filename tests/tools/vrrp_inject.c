// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Test tool: sends hand-made VRRP advertisements, well-formed or broken on
 * purpose, so that namespace tests can check what a receiver does with them.
 * Built from RFC 5798 section 5 alone (its own encoder and checksum, nothing
 * from the daemon), so the daemon's decoder is checked against an
 * independent sender.
 *
 *   vrrp_inject -i IF -s SRC [-d DST] [-r VRID] [-p PRIO] [-a INTERVAL_CS]
 *               [-t TTL] [-V VERSION] [-T TYPE] [-x] [-n COUNT] [-w MS]
 *               [-A ADDR]...
 *
 * SRC is bound as the source (an IPv6 one must be link-local); DST defaults
 * to 224.0.0.18 / ff02::12.  -x sends a wrong checksum (the right one with
 * its lowest bit flipped).  -A adds a virtual address to the advert (none:
 * Count IPvX Addr 0).  -n COUNT adverts, -w MS apart.  Defaults: VRID 51,
 * priority 100, interval 100 cs, TTL 255, version 3, type 1, one advert.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lib/pkt.h"

#define VRRP_PROTO 112
#define MAX_ADDRS 16

struct opts {
	const char *ifname, *src, *dst;
	unsigned vrid, prio, interval_cs, ttl, version, type, count, wait_ms;
	bool bad_csum;
	const char *addrs[MAX_ADDRS];
	unsigned n_addrs;
};

static void usage(void)
{
	fprintf(stderr, "usage: vrrp_inject -i IF -s SRC [-d DST] [-r VRID] [-p PRIO] "
			"[-a INTERVAL_CS] [-t TTL] [-V VERSION] [-T TYPE] [-x] [-n COUNT] "
			"[-w MS] [-A ADDR]...\n");
	exit(2);
}

static unsigned num(const char *s, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "vrrp_inject: bad number \"%s\" (0..%u)\n", s, max);
		exit(2);
	}
	return (unsigned)v;
}

/* RFC 5798 5.2.8: the pseudo-header of RFC 768 (IPv4) / RFC 8200 8.1 (IPv6)
 * with protocol 112, followed by the VRRP message. */
static uint16_t vrrp_csum(int af, const void *src, const void *dst, const uint8_t *msg,
			  size_t len)
{
	size_t alen = af == AF_INET ? 4 : 16;
	uint8_t tail[8] = { 0 };
	uint16_t sum;

	sum = pkt_csum_fold(src, alen, 0);
	sum = pkt_csum_fold(dst, alen, sum);
	if (af == AF_INET) {
		tail[1] = VRRP_PROTO;
		tail[2] = (uint8_t)(len >> 8);
		tail[3] = (uint8_t)len;
		sum = pkt_csum_fold(tail, 4, sum);
	} else {
		tail[2] = (uint8_t)(len >> 8);
		tail[3] = (uint8_t)len;
		tail[7] = VRRP_PROTO;
		sum = pkt_csum_fold(tail, 8, sum);
	}
	return (uint16_t)~pkt_csum_fold(msg, len, sum);
}

static void parse(struct opts *o, int argc, char **argv)
{
	int c;

	*o = (struct opts){ .vrid = 51, .prio = 100, .interval_cs = 100, .ttl = 255,
			    .version = 3, .type = 1, .count = 1, .wait_ms = 100 };
	while ((c = getopt(argc, argv, "i:s:d:r:p:a:t:V:T:xn:w:A:")) != -1) {
		switch (c) {
		case 'i': o->ifname = optarg; break;
		case 's': o->src = optarg; break;
		case 'd': o->dst = optarg; break;
		case 'r': o->vrid = num(optarg, 255); break;
		case 'p': o->prio = num(optarg, 255); break;
		case 'a': o->interval_cs = num(optarg, 4095); break;
		case 't': o->ttl = num(optarg, 255); break;
		case 'V': o->version = num(optarg, 15); break;
		case 'T': o->type = num(optarg, 15); break;
		case 'x': o->bad_csum = true; break;
		case 'n': o->count = num(optarg, 100000); break;
		case 'w': o->wait_ms = num(optarg, 60000); break;
		case 'A':
			if (o->n_addrs == MAX_ADDRS)
				usage();
			o->addrs[o->n_addrs++] = optarg;
			break;
		default: usage();
		}
	}
	if (!o->ifname || !o->src || optind != argc)
		usage();
}

/* The advert (RFC 5798 5.1) for af, with its checksum; returns its length. */
static size_t build(const struct opts *o, int af, const void *src, const void *dst,
		    uint8_t *msg)
{
	size_t alen = af == AF_INET ? 4 : 16, len = 8 + o->n_addrs * alen;
	uint16_t cs;

	msg[0] = (uint8_t)(o->version << 4 | o->type);
	msg[1] = (uint8_t)o->vrid;
	msg[2] = (uint8_t)o->prio;
	msg[3] = (uint8_t)o->n_addrs;
	msg[4] = (uint8_t)(o->interval_cs >> 8); /* 4 reserved bits, zero */
	msg[5] = (uint8_t)o->interval_cs;
	msg[6] = msg[7] = 0;
	for (unsigned i = 0; i < o->n_addrs; i++)
		if (inet_pton(af, o->addrs[i], msg + 8 + i * alen) != 1) {
			fprintf(stderr, "vrrp_inject: bad address %s\n", o->addrs[i]);
			exit(2);
		}
	cs = vrrp_csum(af, src, dst, msg, len);
	if (o->bad_csum)
		cs ^= 1;
	msg[6] = (uint8_t)(cs >> 8);
	msg[7] = (uint8_t)cs;
	return len;
}

static int setint(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* A raw socket of af on the interface, bound to the source address, that
 * sends with TTL / hop limit ttl. */
static int open_socket(const struct opts *o, int af, const void *src, unsigned ifindex)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_scope_id = ifindex };
	int fd = socket(af, SOCK_RAW, VRRP_PROTO), ttl = (int)o->ttl, bad;

	if (fd < 0)
		return -1;
	if (af == AF_INET) {
		struct ip_mreqn mr = { .imr_ifindex = (int)ifindex };

		memcpy(&s4.sin_addr, src, 4);
		bad = setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
		      setint(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl) ||
		      setint(fd, IPPROTO_IP, IP_TTL, ttl) ||
		      bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	} else {
		memcpy(&s6.sin6_addr, src, 16);
		bad = setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)ifindex) ||
		      setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl) ||
		      setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl) ||
		      bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	}
	if (bad || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->ifname,
			      (socklen_t)strlen(o->ifname))) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct opts o;
	uint8_t src[16], dst[16], msg[8 + MAX_ADDRS * 16];
	unsigned ifindex;
	int af, fd;
	size_t len;

	parse(&o, argc, argv);
	af = strchr(o.src, ':') ? AF_INET6 : AF_INET;
	if (!o.dst)
		o.dst = af == AF_INET ? "224.0.0.18" : "ff02::12";
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex || inet_pton(af, o.src, src) != 1 || inet_pton(af, o.dst, dst) != 1) {
		fprintf(stderr, "vrrp_inject: bad interface or address\n");
		return 2;
	}
	len = build(&o, af, src, dst, msg);
	fd = open_socket(&o, af, src, ifindex);
	if (fd < 0) {
		fprintf(stderr, "vrrp_inject: socket: %s\n", strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < o.count; i++) {
		struct sockaddr_in d4 = { .sin_family = AF_INET };
		struct sockaddr_in6 d6 = { .sin6_family = AF_INET6, .sin6_scope_id = ifindex };
		struct timespec ts = { o.wait_ms / 1000, (long)(o.wait_ms % 1000) * 1000000 };
		ssize_t n;

		memcpy(&d4.sin_addr, dst, 4);
		memcpy(&d6.sin6_addr, dst, 16);
		n = af == AF_INET ? sendto(fd, msg, len, 0, (struct sockaddr *)&d4, sizeof(d4))
				  : sendto(fd, msg, len, 0, (struct sockaddr *)&d6, sizeof(d6));
		if (n != (ssize_t)len) {
			fprintf(stderr, "vrrp_inject: send: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		if (i + 1 < o.count)
			nanosleep(&ts, NULL);
	}
	close(fd);
	return 0;
}
