/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Small helpers shared by the status test tools (header-only: every .c in
 * tests/tools/ is its own program). */
#ifndef IKELB_STATUS_TOOLS_H
#define IKELB_STATUS_TOOLS_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"

static inline uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline _Noreturn void die(const char *what, const char *arg)
{
	fprintf(stderr, "error: %s: %s\n", what, arg);
	exit(2);
}

static inline uint64_t num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-')
		die(what, s);
	return v;
}

static inline struct ip_addr ip_arg(const char *s)
{
	struct ip_addr ip = { 0 };

	if (inet_pton(AF_INET, s, &ip.v4) == 1)
		ip.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &ip.v6) == 1)
		ip.family = AF_INET6;
	else
		die("not an IP address", s);
	return ip;
}

/* IPv4 or IPv6 literal, else an FQDN (the decoder judges it). */
static inline struct cfg_gw_addr gw_arg(const char *s)
{
	struct cfg_gw_addr a = { 0 };
	size_t n = strlen(s);

	if (inet_pton(AF_INET, s, a.data) == 1) {
		a.type = IKE_GW_ID_IPV4;
		a.len = 4;
	} else if (inet_pton(AF_INET6, s, a.data) == 1) {
		a.type = IKE_GW_ID_IPV6;
		a.len = 16;
	} else if (n >= 1 && n <= IKE_GW_ID_MAX_LEN) {
		a.type = IKE_GW_ID_FQDN;
		a.len = (uint8_t)n;
		memcpy(a.data, s, n);
	} else {
		die("not a gateway address", s);
	}
	return a;
}

static inline const char *gw_str(const struct cfg_gw_addr *a, char *buf, size_t len)
{
	if (a->type == IKE_GW_ID_IPV4 || a->type == IKE_GW_ID_IPV6) {
		if (!inet_ntop(a->type == IKE_GW_ID_IPV4 ? AF_INET : AF_INET6, a->data, buf,
			       (socklen_t)len))
			snprintf(buf, len, "?");
	} else if (a->type == IKE_GW_ID_FQDN) {
		snprintf(buf, len, "%.*s", a->len, (const char *)a->data);
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}

#endif
