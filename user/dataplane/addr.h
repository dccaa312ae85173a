/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Interface addresses over rtnetlink (libmnl): the VIPs and who holds them. */
#ifndef IKELB_ADDR_H
#define IKELB_ADDR_H

#include <stdbool.h>

#include "config/config.h"

/*
 * Adds ip/32 or ip/128 (IPv6 without DAD) to ifindex, or, when it is
 * there, replaces its lifetimes; 0 on success.  lifetime_s: the valid
 * and preferred lifetime in seconds, after which the kernel removes the
 * address unless it is added again; 0: forever.
 */
int addr_add(int ifindex, const struct ip_addr *ip, uint32_t lifetime_s);
/* Removes it; 0 if removed or absent. */
int addr_del(int ifindex, const struct ip_addr *ip);
/* 1 present, 0 absent, -1 error. */
int addr_present(int ifindex, const struct ip_addr *ip);
/* First address of the family on ifindex that is not one of skip[]: the
 * primary address (IPv4) or the link-local address (IPv6, fe80::/10). */
/* The interface's own MAC address (6 bytes); 0 or -1 with errno. */
int addr_own_mac(int ifindex, uint8_t mac[6]);
int addr_first(int ifindex, int family, const struct ip_addr *skip, unsigned n_skip,
	       struct ip_addr *out);

/*
 * The MAC the kernel's neighbour table (ARP / NDP) holds for ip on
 * ifindex, if it holds a usable one (reachable, stale, delayed, probed or
 * permanent); 0, or -1 when there is none.
 */
int addr_neigh_mac(int ifindex, const struct ip_addr *ip, uint8_t mac[6]);

/* A socket that reports address changes (for vrrp = external). */
int addr_watch_open(void);
/* Reads what is pending; returns 1 if an address was added or removed. */
int addr_watch_drain(int fd);

#endif
