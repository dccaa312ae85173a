/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Tells the LAN that this node now holds a VIP: gratuitous ARP (IPv4) or an
 * unsolicited neighbour advertisement (IPv6), so switches and neighbours
 * move traffic for the VIP here at once. */
#ifndef IKELB_ANNOUNCE_H
#define IKELB_ANNOUNCE_H

#include "config/config.h"

/* Sends one announcement of ip out of ifindex; 0 or -1 (logged). */
int announce_vip(int ifindex, const struct ip_addr *ip);

#endif
