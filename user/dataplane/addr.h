/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Interface addresses over rtnetlink (libmnl): the VIPs and who holds them. */
#ifndef IKELB_ADDR_H
#define IKELB_ADDR_H

#include <stdbool.h>

#include "config/config.h"

/* Adds ip/32 or ip/128 (IPv6 without DAD) to ifindex; 0 if added or present. */
int addr_add(int ifindex, const struct ip_addr *ip);
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

/* A socket that reports address changes (for vrrp = external). */
int addr_watch_open(void);
/* Reads what is pending; returns 1 if an address was added or removed. */
int addr_watch_drain(int fd);

#endif
