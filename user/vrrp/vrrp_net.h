/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * VRRP sockets: one raw IPPROTO_VRRP socket per family, bound to the
 * interface, joined to 224.0.0.18 / ff02::12 there (or sending to unicast
 * peers instead), sending with TTL / hop limit 255 from the primary
 * address, non-blocking for the caller's epoll loop.
 */
#ifndef IKELB_VRRP_NET_H
#define IKELB_VRRP_NET_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "vrrp/vrrp_proto.h"

#define VRRP_NET_MAX_VIPS 8

struct vrrp_net_config {
	int family; /* AF_INET or AF_INET6 */
	const char *ifname;
	/* Unicast peers; when any is of this family, adverts go to them and
	 * the multicast group is not joined.  Peers of the other family and
	 * this host's own addresses are skipped. */
	const struct ip_addr *peers;
	unsigned n_peers;
	/* Addresses never chosen as the primary address (the VIPs). */
	const struct ip_addr *exclude;
	unsigned n_exclude;
};

struct vrrp_net {
	int fd; /* -1 when closed; put it in epoll for EPOLLIN */
	int family;
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct ip_addr primary; /* source of adverts; the FSM's tie-breaker */
	struct ip_addr group; /* 224.0.0.18 or ff02::12 */
	struct ip_addr peers[CFG_MAX_PEERS];
	unsigned n_peers;
	struct ip_addr exclude[VRRP_NET_MAX_VIPS];
	unsigned n_exclude;
	bool send_failing; /* logged once until a send works again */
	uint8_t buf[VRRP_PKT_MAX + 64]; /* room for a full IPv4 header */
};

/* A received packet: the VRRP message and what the IP layer said. */
struct vrrp_packet {
	const uint8_t *data; /* points into vrrp_net.buf until the next recv */
	size_t len;
	int ttl; /* TTL / hop limit; -1 when unknown */
	struct ip_addr src, dst;
};

/*
 * The primary address of ifname: IPv4, the first address that is not
 * excluded; IPv6, the first link-local one.  0, or -1 with errno
 * (EADDRNOTAVAIL: none yet).
 */
int vrrp_primary_address(int family, const char *ifname, const struct ip_addr *exclude,
			 unsigned n_exclude, struct ip_addr *out);

/*
 * IPv4 raw sockets deliver the IP header: checks it (version, IHL, total
 * length) and points pkt->data / len at the payload, fills src, dst and,
 * when pkt->ttl < 0, the TTL.  False when the header is unusable.
 */
bool vrrp_ipv4_strip(const uint8_t *b, size_t n, struct vrrp_packet *pkt);

/* Opens the socket; 0, or -1 with errno set and the cause logged. */
int vrrp_net_open(struct vrrp_net *n, const struct vrrp_net_config *c);
void vrrp_net_close(struct vrrp_net *n);
/* Looks the primary address up again (after an address change); 0 / -1. */
int vrrp_net_refresh_primary(struct vrrp_net *n);

/* Encodes and sends *a (family, addrs set by the caller) to the group or
 * every peer; counts sent / send_errors.  0 when every copy was sent. */
int vrrp_net_send(struct vrrp_net *n, const struct vrrp_advert *a, struct vrrp_counters *cnt);

/*
 * Reads the next packet.  1: *pkt is filled (counted as received); 0: no
 * more packets for now.  Packets unusable before VRRP decoding (bad IPv4
 * header: bad_length; our own: own) and socket errors (recv_errors) are
 * counted and skipped.
 */
int vrrp_net_recv(struct vrrp_net *n, struct vrrp_packet *pkt, struct vrrp_counters *cnt);

#endif
