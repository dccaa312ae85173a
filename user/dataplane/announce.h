/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Tells the LAN that this node now holds a VIP: gratuitous ARP (IPv4) or an
 * unsolicited neighbour advertisement (IPv6), so switches and neighbours
 * move traffic for the VIP here at once. */
#ifndef IKELB_ANNOUNCE_H
#define IKELB_ANNOUNCE_H

#include "config/config.h"

/*
 * Sends one announcement of ip out of ifindex; 0 or -1 (logged).
 * *packet_fd is a packet socket kept between announcements (-1: made on
 * first use; announce_close closes it): closing a packet socket waits for
 * an RCU grace period in the kernel (synchronize_net), 5-20 ms on a busy
 * host, which the event loop must not wait for at every announcement.
 */
int announce_vip(int *packet_fd, int ifindex, const struct ip_addr *ip);
void announce_close(int *packet_fd);

#endif
