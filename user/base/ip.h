/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The one IP address type of ikelb, and what every module does with one:
 * compare, order, print, and ask whether this host has it.  An address of
 * either family; family 0 means "unset".  The bytes are in network order,
 * so v4 and v6 can go straight into sockaddrs and packets.
 */
#ifndef IKELB_BASE_IP_H
#define IKELB_BASE_IP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

struct ip_addr {
	int family; /* AF_INET, AF_INET6 or 0 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* 4 for IPv4, 16 for IPv6, 0 when unset. */
size_t ip_addr_len(const struct ip_addr *a);
/* Same family and same bytes (two unset addresses are equal). */
bool ip_addr_eq(const struct ip_addr *a, const struct ip_addr *b);
/* As unsigned big-endian numbers within a family (<0, 0, >0); different
 * families order by family.  VRRP breaks priority ties with this. */
int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
/* "198.18.0.1", "2001:db8::1"; "-" when unset.  INET6_ADDRSTRLEN fits. */
const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t len);
/* True when an interface of this host (network namespace) has a. */
bool ip_addr_is_local(const struct ip_addr *a);

#endif
