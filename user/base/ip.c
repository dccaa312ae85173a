// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/ip.h"

size_t ip_addr_len(const struct ip_addr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

bool ip_addr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && !memcmp(&a->v6, &b->v6, ip_addr_len(a));
}

int ip_addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	/* network order bytes compare as big-endian numbers */
	return memcmp(&a->v6, &b->v6, ip_addr_len(a));
}

const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t len)
{
	if (!ip_addr_len(a) || !inet_ntop(a->family, &a->v6, buf, (socklen_t)len))
		snprintf(buf, len, "-");
	return buf;
}

bool ip_addr_is_local(const struct ip_addr *a)
{
	struct ifaddrs *list;
	bool found = false;

	if (!ip_addr_len(a) || getifaddrs(&list) < 0)
		return false;
	for (const struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		struct ip_addr b = { .family = a->family };

		if (!sa || sa->sa_family != a->family)
			continue;
		if (a->family == AF_INET)
			b.v4 = ((const struct sockaddr_in *)sa)->sin_addr;
		else
			b.v6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		found = ip_addr_eq(a, &b);
	}
	freeifaddrs(list);
	return found;
}
