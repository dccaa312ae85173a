/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config table: the value types, then one row per section and per key
 * (config_table.h says what a row holds).  The rows are the reference for
 * ikelb-load(8) and scripts/ikelb.conf.example.
 */
#include "config/config_table.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config_lex.h"

#define ITEM_MAX 64 /* longest list item (an IPv6 address is 45) */

_Static_assert(sizeof(enum cfg_vrrp) == sizeof(int) && sizeof(enum ikelb_action) == sizeof(int),
	       "enum-valued keys are stored through an int pointer");
/* offset 0 means "no flag" in off_given and off_present */
_Static_assert(offsetof(struct config, path) == 0, "path is the first field of struct config");

/* ---- characters, numbers, addresses --------------------------------------- */

static bool is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static unsigned hexval(char ch)
{
	return is_digit(ch) ? (unsigned)(ch - '0') : (unsigned)((ch | 0x20) - 'a' + 10);
}

/* 1..max characters, each alphanumeric or in extra. */
static bool valid_token(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && !strchr(extra, s[i]))
			return false;
	return true;
}

bool cfg_valid_name(const char *s)
{
	return valid_token(s, CFG_NAME_MAX, "_-");
}

/* What the kernel's dev_valid_name() accepts, printable ASCII only. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '/' || s[i] == ':')
			return false;
	return true;
}

enum num_res { NUM_OK, NUM_SYNTAX, NUM_RANGE };

/* Decimal digits only: no sign, no spaces, no trailing junk. */
static enum num_res parse_num(const char *s, size_t n, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return NUM_SYNTAX;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return NUM_SYNTAX;
		if (v <= UINT32_MAX) /* saturates: anything above is out of range */
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > max)
		return NUM_RANGE;
	*out = (uint32_t)v;
	return NUM_OK;
}

static bool ip4_usable(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	/* not 0/8, loopback, multicast, reserved or broadcast */
	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) < 0xe;
}

static bool ip6_usable(const struct in6_addr *a, bool allow_link_local)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_V4MAPPED(a) &&
	       (allow_link_local || !IN6_IS_ADDR_LINKLOCAL(a));
}

/* RFC 1123 host name; the last label must not be all digits (RFC 3696). */
static bool valid_hostname(const char *s)
{
	size_t label = 0, i;
	bool numeric = true;

	for (i = 0;; i++) {
		char ch = s[i];

		if (ch == '.' || ch == '\0') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			if (ch == '\0')
				return !numeric;
			label = 0;
			numeric = true;
			continue;
		}
		if (!is_alnum(ch) && ch != '-')
			return false;
		if (label == 0 && ch == '-')
			return false;
		if (++label > 63)
			return false;
		numeric = numeric && is_digit(ch);
	}
}

enum gw_res { GW_OK, GW_BAD_V4, GW_BAD_V6, GW_BAD_NAME, GW_LONG_NAME, GW_NOT_UNICAST };

static enum gw_res gw_parse(const char *s, struct cfg_gw_addr *out)
{
	size_t n = strlen(s);

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->data) == 1) {
		struct in_addr a;

		memcpy(&a, out->data, 4);
		out->type = IKE_GW_ID_IPV4;
		out->len = 4;
		return ip4_usable(a) ? GW_OK : GW_NOT_UNICAST;
	}
	if (inet_pton(AF_INET6, s, out->data) == 1) {
		struct in6_addr a;

		memcpy(&a, out->data, 16);
		out->type = IKE_GW_ID_IPV6;
		out->len = 16;
		return ip6_usable(&a, false) ? GW_OK : GW_NOT_UNICAST;
	}
	if (strchr(s, ':'))
		return GW_BAD_V6;
	if (n > 0 && strspn(s, "0123456789.") == n)
		return GW_BAD_V4;
	if (n > IKE_GW_ID_MAX_LEN)
		return GW_LONG_NAME;
	if (!valid_hostname(s))
		return GW_BAD_NAME;
	out->type = IKE_GW_ID_FQDN;
	out->len = (uint8_t)n;
	memcpy(out->data, s, n + 1);
	return GW_OK;
}

int cfg_parse_gw_addr(const char *s, struct cfg_gw_addr *out)
{
	if (gw_parse(s, out) == GW_OK)
		return 0;
	memset(out, 0, sizeof(*out));
	return -1;
}

const char *cfg_policy_name(enum cfg_policy p)
{
	static const char *const n[] = { "least-utilization", "least-tunnels",
					 "fewest-reported-tunnels" };

	return (unsigned)p < sizeof(n) / sizeof(n[0]) ? n[p] : "?";
}

const char *cfg_gw_addr_str(const struct cfg_gw_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (a->type == IKE_GW_ID_IPV4 && a->len == 4) {
		if (!inet_ntop(AF_INET, a->data, buf, (socklen_t)len))
			buf[0] = '\0';
	} else if (a->type == IKE_GW_ID_IPV6 && a->len == 16) {
		if (!inet_ntop(AF_INET6, a->data, buf, (socklen_t)len))
			buf[0] = '\0';
	} else if (a->type == IKE_GW_ID_FQDN) {
		snprintf(buf, len, "%.*s", (int)a->len, (const char *)a->data);
	}
	return buf;
}

/* Host names compare without case, as DNS does. */
bool cfg_gw_addr_equal(const struct cfg_gw_addr *a, const struct cfg_gw_addr *b)
{
	if (a->type != b->type || a->len != b->len)
		return false;
	if (a->type == IKE_GW_ID_FQDN)
		return strncasecmp((const char *)a->data, (const char *)b->data, a->len) == 0;
	return memcmp(a->data, b->data, a->len) == 0;
}

/* ---- messages --------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static bool fail(char *why, size_t len, const char *fmt,
						       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return false;
}

static bool bad_value(char *why, size_t len, const char *v, const char *what)
{
	char q[CFG_QUOTE_BUF];

	return fail(why, len, "%s %s", cfg_quote(v, q, sizeof(q)), what);
}

static bool bad_number(char *why, size_t len, const char *v, enum num_res r, uint32_t min,
		       uint32_t max)
{
	char q[CFG_QUOTE_BUF];

	if (r == NUM_SYNTAX)
		return fail(why, len, "%s is not a number (expected %u..%u)",
			    cfg_quote(v, q, sizeof(q)), min, max);
	return fail(why, len, "%s is out of range (%u..%u)", cfg_quote(v, q, sizeof(q)), min, max);
}

#define FIELD(base, off, type) ((type *)((char *)(base) + (off)))
#define CFIELD(base, off, type) ((const type *)((const char *)(base) + (off)))

/* ---- the types ---------------------------------------------------------------- */

static bool p_u32(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	char q[CFG_QUOTE_BUF];
	enum num_res r;
	uint32_t n;

	r = parse_num(v, strlen(v), k->min, k->max, &n);
	if (r != NUM_OK)
		return bad_number(why, len, v, r, k->min, k->max);
	if (k->step > 1 && n % k->step)
		return fail(why, len, "%s is not a multiple of %u", cfg_quote(v, q, sizeof(q)),
			    k->step);
	*FIELD(base, k->off, uint32_t) = n;
	return true;
}

static bool same_u32(const struct cfg_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k->off, uint32_t) == *CFIELD(b, k->off, uint32_t);
}

const struct cfg_type cfg_u32 = { p_u32, same_u32 };

static bool p_port(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	enum num_res r;
	uint32_t n;

	r = parse_num(v, strlen(v), 1, 65535, &n);
	if (r != NUM_OK)
		return bad_number(why, len, v, r, 1, 65535);
	*FIELD(base, k->off, uint16_t) = (uint16_t)n;
	return true;
}

static bool same_u16(const struct cfg_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k->off, uint16_t) == *CFIELD(b, k->off, uint16_t);
}

const struct cfg_type cfg_port = { p_port, same_u16 };

static bool p_bool(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	static const char *const yes[] = { "yes", "true", "on" };
	static const char *const no[] = { "no", "false", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*FIELD(base, k->off, bool) = !strcmp(v, yes[i]);
			return true;
		}
	}
	return bad_value(why, len, v, "is not a boolean (yes/no, true/false, on/off)");
}

static bool same_bool(const struct cfg_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k->off, bool) == *CFIELD(b, k->off, bool);
}

const struct cfg_type cfg_bool = { p_bool, same_bool };

static bool p_enum(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	char list[128] = "", q[CFG_QUOTE_BUF];
	size_t i;

	for (i = 0; k->names[i]; i++) {
		if (!strcmp(v, k->names[i])) {
			*FIELD(base, k->off, int) = (int)i;
			return true;
		}
	}
	for (i = 0; k->names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 k->names[i]);
	return fail(why, len, "%s is not one of %s", cfg_quote(v, q, sizeof(q)), list);
}

static bool same_int(const struct cfg_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k->off, int) == *CFIELD(b, k->off, int);
}

const struct cfg_type cfg_enum = { p_enum, same_int };

static bool same_str(const struct cfg_key *k, const void *a, const void *b)
{
	return !strcmp(CFIELD(a, k->off, char), CFIELD(b, k->off, char));
}

/* A NUL-terminated field of k->max bytes: 1..max-1 of A-Z a-z 0-9 . _ -. */
static bool p_token(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	if (!valid_token(v, k->max - 1, "._-"))
		return bad_value(why, len, v, k->what);
	memcpy(FIELD(base, k->off, char), v, strlen(v) + 1);
	return true;
}

const struct cfg_type cfg_token = { p_token, same_str };

static bool p_name(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	if (!cfg_valid_name(v))
		return bad_value(why, len, v,
				 "is not a valid name (1 to 32 characters from A-Z a-z 0-9 _ -)");
	memcpy(FIELD(base, k->off, char), v, strlen(v) + 1);
	return true;
}

const struct cfg_type cfg_name = { p_name, same_str };

static bool p_ifname(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	if (!valid_ifname(v))
		return bad_value(why, len, v,
				 "is not an interface name (1 to 15 characters, no spaces, \"/\" "
				 "or \":\")");
	memcpy(FIELD(base, k->off, char), v, strlen(v) + 1);
	return true;
}

const struct cfg_type cfg_ifname = { p_ifname, same_str };

static bool p_path(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	if (v[0] != '/')
		return bad_value(why, len, v, "is not an absolute path");
	if (strlen(v) >= PATH_MAX)
		return bad_value(why, len, v, "is too long (at most 4095 characters)");
	memcpy(FIELD(base, k->off, char), v, strlen(v) + 1);
	return true;
}

const struct cfg_type cfg_path = { p_path, same_str };

static bool p_ipv4(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	struct in_addr a;
	struct in6_addr a6;

	if (inet_pton(AF_INET, v, &a) != 1)
		return bad_value(why, len, v,
				 inet_pton(AF_INET6, v, &a6) == 1 ?
					 "is not an IPv4 address (an IPv6 VIP goes in "
					 "virtual_ip6)" :
					 "is not an IPv4 address");
	if (!ip4_usable(a))
		return bad_value(why, len, v, "is not a unicast IPv4 address");
	*FIELD(base, k->off, struct in_addr) = a;
	return true;
}

static bool same_ipv4(const struct cfg_key *k, const void *a, const void *b)
{
	return CFIELD(a, k->off, struct in_addr)->s_addr ==
	       CFIELD(b, k->off, struct in_addr)->s_addr;
}

const struct cfg_type cfg_ipv4 = { p_ipv4, same_ipv4 };

static bool p_ipv6(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	struct in6_addr a;
	struct in_addr a4;

	if (inet_pton(AF_INET6, v, &a) != 1)
		return bad_value(why, len, v,
				 inet_pton(AF_INET, v, &a4) == 1 ?
					 "is not an IPv6 address (an IPv4 VIP goes in "
					 "virtual_ip)" :
					 "is not an IPv6 address");
	if (!ip6_usable(&a, false))
		return bad_value(why, len, v, "is not a global unicast IPv6 address");
	*FIELD(base, k->off, struct in6_addr) = a;
	return true;
}

static bool same_ipv6(const struct cfg_key *k, const void *a, const void *b)
{
	return IN6_ARE_ADDR_EQUAL(CFIELD(a, k->off, struct in6_addr),
				  CFIELD(b, k->off, struct in6_addr));
}

const struct cfg_type cfg_ipv6 = { p_ipv6, same_ipv6 };

static bool p_gw_addr(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	switch (gw_parse(v, FIELD(base, k->off, struct cfg_gw_addr))) {
	case GW_OK:
		return true;
	case GW_BAD_V4:
		return bad_value(why, len, v, "is not an IPv4 address");
	case GW_BAD_V6:
		return bad_value(why, len, v, "is not an IPv6 address");
	case GW_LONG_NAME:
		return bad_value(why, len, v, "is too long for a host name (at most 255 characters)");
	case GW_NOT_UNICAST:
		return bad_value(why, len, v, "is not a usable unicast address");
	case GW_BAD_NAME:
	default:
		return bad_value(why, len, v, "is not an IP address or a valid host name (RFC 1123)");
	}
}

static bool same_gw_addr(const struct cfg_key *k, const void *a, const void *b)
{
	const struct cfg_gw_addr *x = CFIELD(a, k->off, struct cfg_gw_addr);
	const struct cfg_gw_addr *y = CFIELD(b, k->off, struct cfg_gw_addr);

	/* exact, not cfg_gw_addr_equal: a host name's new case is a change */
	return x->type == y->type && x->len == y->len && !memcmp(x->data, y->data, x->len);
}

const struct cfg_type cfg_gw_addr = { p_gw_addr, same_gw_addr };

/* An IPv6 literal only: the address the IPv6 VIP's clients are sent to. */
static bool p_gw_addr6(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	struct cfg_gw_addr *a = FIELD(base, k->off, struct cfg_gw_addr);
	enum gw_res r = gw_parse(v, a);

	if (r == GW_NOT_UNICAST && a->type == IKE_GW_ID_IPV6)
		return bad_value(why, len, v, "is not a usable unicast address");
	if (r != GW_OK || a->type != IKE_GW_ID_IPV6) {
		memset(a, 0, sizeof(*a));
		return bad_value(why, len, v, "is not an IPv6 address");
	}
	return true;
}

const struct cfg_type cfg_gw_addr6 = { p_gw_addr6, same_gw_addr };

/* Not 224.0.0.0/24 (local network control, VRRP lives there), and IPv6 of
 * at least link-local scope. */
static bool p_mcast(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	struct ip_addr *ip = FIELD(base, k->off, struct ip_addr);
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, v, &a4) == 1 && (ntohl(a4.s_addr) >> 28) == 0xe &&
	    (ntohl(a4.s_addr) >> 8) != 0xe00000) {
		memset(ip, 0, sizeof(*ip));
		ip->family = AF_INET;
		ip->v4 = a4;
		return true;
	}
	if (inet_pton(AF_INET6, v, &a6) == 1 && IN6_IS_ADDR_MULTICAST(&a6) &&
	    (a6.s6_addr[1] & 0x0f) >= 2) {
		ip->family = AF_INET6;
		ip->v6 = a6;
		return true;
	}
	return bad_value(why, len, v, "is not a multicast group (e.g. 239.255.75.1 or ff02::4510)");
}

static bool same_ip(const struct cfg_key *k, const void *a, const void *b)
{
	return ip_addr_eq(CFIELD(a, k->off, struct ip_addr), CFIELD(b, k->off, struct ip_addr));
}

const struct cfg_type cfg_mcast = { p_mcast, same_ip };

/*
 * List items are separated by blanks and/or one comma; an empty item
 * ("500,,4500", ",500", "500,") is an error.  Returns 1 with an item, 0 at
 * the end, -1 on an empty item.
 */
static int list_next(const char **p, const char **item, size_t *len)
{
	const char *s = *p;

	while (cfg_is_blank(*s))
		s++;
	if (*s == '\0')
		return 0;
	if (*s == ',')
		return -1;
	*item = s;
	while (*s && !cfg_is_blank(*s) && *s != ',')
		s++;
	*len = (size_t)(s - *item);
	while (cfg_is_blank(*s))
		s++;
	if (*s == ',') {
		s++;
		while (cfg_is_blank(*s))
			s++;
		if (*s == '\0' || *s == ',')
			return -1;
	}
	*p = s;
	return 1;
}

/* Copies an item for parsing and messages; false when it is too long to
 * be a port or an address (the copy is then cut). */
static bool list_item(const char *item, size_t len, char *buf)
{
	bool fits = len < ITEM_MAX;

	if (!fits)
		len = ITEM_MAX - 1;
	memcpy(buf, item, len);
	buf[len] = '\0';
	return fits;
}

/* Ports: 1..IKELB_MAX_PORTS of them (min 0: the list may be empty). */
static bool p_ports(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	uint16_t *ports = FIELD(base, k->off, uint16_t);
	unsigned *n = FIELD(base, k->off_count, unsigned);
	const char *p = v, *item;
	char buf[ITEM_MAX], q[CFG_QUOTE_BUF];
	size_t ilen;
	uint32_t port;
	unsigned i;
	int r;

	*n = 0;
	while ((r = list_next(&p, &item, &ilen)) == 1) {
		enum num_res nr = parse_num(item, ilen, 1, 65535, &port);

		list_item(item, ilen, buf);
		if (nr != NUM_OK)
			return bad_number(why, len, buf, nr, 1, 65535);
		for (i = 0; i < *n; i++)
			if (ports[i] == port)
				return fail(why, len, "port %u is listed twice", port);
		if (*n == IKELB_MAX_PORTS)
			return fail(why, len, "more than %d ports", IKELB_MAX_PORTS);
		ports[(*n)++] = (uint16_t)port;
	}
	if (r < 0)
		return fail(why, len, "%s has an empty list item", cfg_quote(v, q, sizeof(q)));
	if (*n == 0 && k->min > 0)
		return fail(why, len, "empty list, expected 1 to %d ports", IKELB_MAX_PORTS);
	return true;
}

static bool same_ports(const struct cfg_key *k, const void *a, const void *b)
{
	unsigned n = *CFIELD(a, k->off_count, unsigned);

	return n == *CFIELD(b, k->off_count, unsigned) &&
	       !memcmp(CFIELD(a, k->off, uint16_t), CFIELD(b, k->off, uint16_t),
		       n * sizeof(uint16_t));
}

const struct cfg_type cfg_ports = { p_ports, same_ports };

/* Unicast peers of either family; IPv6 link-local is fine on one LAN. */
static bool p_peers(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	struct ip_addr *ips = FIELD(base, k->off, struct ip_addr), ip;
	unsigned *n = FIELD(base, k->off_count, unsigned);
	const char *p = v, *item;
	char buf[ITEM_MAX], q[CFG_QUOTE_BUF];
	size_t ilen;
	unsigned i;
	int r;

	*n = 0;
	while ((r = list_next(&p, &item, &ilen)) == 1) {
		bool fits = list_item(item, ilen, buf);

		memset(&ip, 0, sizeof(ip));
		if (!fits)
			return bad_value(why, len, buf, "is not an IP address");
		if (inet_pton(AF_INET, buf, &ip.v4) == 1)
			ip.family = AF_INET;
		else if (inet_pton(AF_INET6, buf, &ip.v6) == 1)
			ip.family = AF_INET6;
		else
			return bad_value(why, len, buf, "is not an IP address");
		if (ip.family == AF_INET ? !ip4_usable(ip.v4) : !ip6_usable(&ip.v6, true))
			return bad_value(why, len, buf, "is not a usable unicast address");
		for (i = 0; i < *n; i++)
			if (ip_addr_eq(&ips[i], &ip))
				return fail(why, len, "%s is listed twice",
					    cfg_quote(buf, q, sizeof(q)));
		if (*n == CFG_MAX_PEERS)
			return fail(why, len, "more than %d addresses", CFG_MAX_PEERS);
		ips[(*n)++] = ip;
	}
	if (r < 0)
		return fail(why, len, "%s has an empty list item", cfg_quote(v, q, sizeof(q)));
	return true;
}

static bool same_peers(const struct cfg_key *k, const void *a, const void *b)
{
	const struct ip_addr *x = CFIELD(a, k->off, struct ip_addr);
	const struct ip_addr *y = CFIELD(b, k->off, struct ip_addr);
	unsigned n = *CFIELD(a, k->off_count, unsigned), i;

	if (n != *CFIELD(b, k->off_count, unsigned))
		return false;
	for (i = 0; i < n; i++)
		if (!ip_addr_eq(&x[i], &y[i]))
			return false;
	return true;
}

const struct cfg_type cfg_peers = { p_peers, same_peers };

/* A MAC address as ip(8) prints it: six pairs of hex digits separated by
 * ":"; unicast and not all zero (it is where frames are sent). */
static bool p_mac(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	uint8_t *mac = FIELD(base, k->off, uint8_t), m[6];
	unsigned i;

	for (i = 0; i < 6; i++) {
		const char *p = v + i * 3;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    p[2] != (i < 5 ? ':' : '\0'))
			return bad_value(why, len, v, "is not a MAC address (aa:bb:cc:dd:ee:ff)");
		m[i] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
	}
	if (m[0] & 1)
		return bad_value(why, len, v, "is a group MAC address, not a host's");
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return bad_value(why, len, v, "is not a usable MAC address (all zero)");
	memcpy(mac, m, 6);
	return true;
}

static bool same_mac(const struct cfg_key *k, const void *a, const void *b)
{
	return !memcmp(CFIELD(a, k->off, uint8_t), CFIELD(b, k->off, uint8_t), 6);
}

const struct cfg_type cfg_mac = { p_mac, same_mac };

/* [gateway] tunnels: three fields of struct config (tunnels, tunnels_path,
 * tunnels_static), so this type is for that one key only. */
static bool p_tunnels(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	struct config *c = base;
	const char *arg;

	(void)k;
	if (!strcmp(v, "xfrm")) {
		c->tunnels = CFG_TUNNELS_XFRM;
		return true;
	}
	if (!strncmp(v, "static:", 7)) {
		arg = v + 7;
		if (parse_num(arg, strlen(arg), 0, CFG_MAX_TUNNELS, &c->tunnels_static) != NUM_OK)
			return bad_value(why, len, v,
					 "is not a tunnel source: N in static:N must be a number "
					 "0..10000000");
		c->tunnels = CFG_TUNNELS_STATIC;
		return true;
	}
	if (!strncmp(v, "vici:", 5) || !strncmp(v, "file:", 5)) {
		arg = v + 5;
		if (arg[0] != '/' || strlen(arg) >= PATH_MAX)
			return bad_value(why, len, v,
					 "is not a tunnel source: PATH must be an absolute path");
		memcpy(c->tunnels_path, arg, strlen(arg) + 1);
		c->tunnels = v[0] == 'v' ? CFG_TUNNELS_VICI : CFG_TUNNELS_FILE;
		return true;
	}
	return bad_value(why, len, v,
			 "is not a tunnel source (vici:PATH, xfrm, file:PATH or static:N)");
}

static bool same_tunnels(const struct cfg_key *k, const void *a, const void *b)
{
	const struct config *x = a, *y = b;

	(void)k;
	return x->tunnels == y->tunnels && x->tunnels_static == y->tunnels_static &&
	       !strcmp(x->tunnels_path, y->tunnels_path);
}

const struct cfg_type cfg_tunnels = { p_tunnels, same_tunnels };

/*
 * A TCP listening address: "ADDR:PORT", an IPv6 address in brackets
 * ("[2001:db8::1]:9110"); 0.0.0.0 or [::] for every address.  Loopback is
 * fine (the usual place for a scraper on the same host); multicast,
 * broadcast and IPv6 link-local (which would need a scope) are not.
 */
static bool p_listen(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	static const char *const how = "is not ADDRESS:PORT (e.g. 127.0.0.1:9110, [::1]:9110)";
	struct cfg_listen *l = FIELD(base, k->off, struct cfg_listen);
	bool v6 = v[0] == '[';
	const char *host = v6 ? v + 1 : v;
	const char *end = v6 ? strchr(v, ']') : strchr(v, ':');
	char buf[ITEM_MAX];
	struct ip_addr ip = {};
	uint32_t port;

	/* the host part, then ":" and the port; no ":" in an IPv4 host */
	if (!end || (v6 && end[1] != ':') || (!v6 && strchr(end + 1, ':')))
		return bad_value(why, len, v,
				 !v6 && end ? "is not ADDRESS:PORT (an IPv6 address goes in "
					      "brackets: [2001:db8::1]:9110)"
					    : how);
	if (!list_item(host, (size_t)(end - host), buf))
		return bad_value(why, len, v, how);
	ip.family = v6 ? AF_INET6 : AF_INET;
	if (inet_pton(ip.family, buf, v6 ? (void *)&ip.v6 : (void *)&ip.v4) != 1)
		return bad_value(why, len, v, v6 ? "is not ADDRESS:PORT: not an IPv6 address "
						   "in the brackets"
						 : "is not ADDRESS:PORT: not an IPv4 address "
						   "before the colon");
	if (v6 ? IN6_IS_ADDR_MULTICAST(&ip.v6) || IN6_IS_ADDR_LINKLOCAL(&ip.v6) ||
			 IN6_IS_ADDR_V4MAPPED(&ip.v6)
	       : (ntohl(ip.v4.s_addr) >> 28) >= 0xe)
		return bad_value(why, len, v, "is not ADDRESS:PORT: the address must be one of "
					      "this host's, 0.0.0.0 or [::]");
	end += v6 ? 2 : 1;
	if (parse_num(end, strlen(end), 1, 65535, &port) != NUM_OK)
		return bad_value(why, len, v, "is not ADDRESS:PORT: the port must be 1..65535");
	l->addr = ip;
	l->port = (uint16_t)port;
	return true;
}

static bool same_listen(const struct cfg_key *k, const void *a, const void *b)
{
	const struct cfg_listen *x = CFIELD(a, k->off, struct cfg_listen);
	const struct cfg_listen *y = CFIELD(b, k->off, struct cfg_listen);

	return x->port == y->port && ip_addr_eq(&x->addr, &y->addr);
}

const struct cfg_type cfg_listen = { p_listen, same_listen };

/* ---- the sections ---------------------------------------------------------- */

const struct cfg_section cfg_sections[] = {
	{ .name = "cluster" },
	{ .name = "vrrp" },
	{ .name = "redirect" },
	{ .name = "reports", .was = "status" },
	{ .name = "gateway", .off_present = offsetof(struct config, has_gateway) },
	{ .name = "target", .named = true },
	{ .name = "metrics" },
};

const size_t cfg_n_sections = sizeof(cfg_sections) / sizeof(cfg_sections[0]);

/* ---- the keys -------------------------------------------------------------- */

static const char *const vrrp_names[] = { "off", "on", "external", NULL };
static const char *const xdp_names[] = { "auto", "native", "generic", NULL };
static const char *const action_names[] = { "pass", "drop", NULL };
/* unsupported also steers (IKELB_ACT_STEER); no_target cannot */
static const char *const unsupported_names[] = { "pass", "drop", "steer", NULL };
static const char *const policy_names[] = { "least-utilization", "least-tunnels",
					     "fewest-reported-tunnels", NULL };
static const char *const mode_names[] = { "init", "auth", NULL };
static const char *const fallback_names[] = { "pass", "init", NULL };
static const char *const cookies_names[] = { "off", "on", "auto", NULL };

_Static_assert(CFG_VRRP_EXTERNAL == 2 && CFG_XDP_GENERIC == 2 && IKELB_ACT_DROP == 1 &&
		       IKELB_ACT_STEER == 2 &&
		       CFG_POLICY_LEAST_TUNNELS == 1 && CFG_POLICY_FEWEST_REPORTED == 2 &&
		       CFG_MODE_AUTH == 1 &&
		       CFG_FALLBACK_INIT == 1 && CFG_COOKIES_AUTO == 2,
	       "the name tables follow the enum values");
_Static_assert((int)CFG_COOKIES_OFF == (int)IKELB_COOKIES_OFF &&
		       (int)CFG_COOKIES_ON == (int)IKELB_COOKIES_ON,
	       "off and on are the program's cookie modes");

/* A number's default as the file would write it (the limits' defaults
 * live in include/ikelb.h, next to the program's reasons for them). */
#define STR_(x) #x
#define STR(x) STR_(x)

#define C(f) offsetof(struct config, f)
#define T(f) offsetof(struct cfg_target, f)

/* Section, key, type, field offset, reload, then the row's extras. */
#define KEY(s, n, t, o, r, ...)                                                              \
	{ .section = s, .name = n, .label = "[" s "] " n, .type = &t, .off = o, .reload = r, \
	  __VA_ARGS__ }

const struct cfg_key cfg_keys[] = {
	/* [cluster]: which cluster, where its VIPs live, how roles are decided */
	KEY("cluster", "name", cfg_name, C(name), CFG_RESTART, .required = true),
	KEY("cluster", "interface", cfg_ifname, C(interface), CFG_RESTART, .required = true),
	KEY("cluster", "virtual_ip", cfg_ipv4, C(vip4), CFG_RESTART, .off_given = C(has_vip4)),
	KEY("cluster", "virtual_ip6", cfg_ipv6, C(vip6), CFG_RESTART, .off_given = C(has_vip6)),
	KEY("cluster", "vrrp", cfg_enum, C(vrrp), CFG_RESTART, .names = vrrp_names, .def = "off"),
	KEY("cluster", "xdp_mode", cfg_enum, C(xdp_mode), CFG_RESTART, .names = xdp_names,
	    .def = "auto"),
	KEY("cluster", "node_id", cfg_token, C(node_id), CFG_LIVE, .max = CFG_NODE_ID_MAX + 1,
	    .what = "is not a valid node id (1 to 63 characters from A-Z a-z 0-9 . _ -)"),
	KEY("cluster", "state_dir", cfg_path, C(state_dir), CFG_RESTART,
	    .def = CFG_DEFAULT_STATE_DIR),
	KEY("cluster", "rebalance", cfg_bool, C(rebalance), CFG_LIVE, .def = "off"),
	KEY("cluster", "rebalance_threshold", cfg_u32, C(rebalance_threshold), CFG_LIVE,
	    .min = 1, .max = 100, .def = "10"),
	KEY("cluster", "rebalance_hold_ms", cfg_u32, C(rebalance_hold_ms), CFG_LIVE,
	    .min = 1000, .max = 3600000, .def = "60000"),

	/* [vrrp] */
	KEY("vrrp", "vrid", cfg_u32, C(vrid), CFG_RESTART, .min = 1, .max = 255),
	KEY("vrrp", "priority", cfg_u32, C(priority), CFG_RESTART, .min = 1, .max = 255,
	    .def = "100"),
	KEY("vrrp", "advert_interval_ms", cfg_u32, C(advert_interval_ms), CFG_RESTART, .min = 10,
	    .max = 40950, .step = 10, .def = "1000"),
	KEY("vrrp", "preempt", cfg_bool, C(preempt), CFG_RESTART, .def = "yes"),
	KEY("vrrp", "vrrp_peers", cfg_peers, C(vrrp_peers), CFG_RESTART,
	    .off_count = C(n_vrrp_peers)),
	KEY("vrrp", "vrrp_allow", cfg_peers, C(vrrp_allow), CFG_LIVE,
	    .off_count = C(n_vrrp_allow)),
	KEY("vrrp", "notify", cfg_path, C(notify), CFG_LIVE),
	KEY("vrrp", "announce_count", cfg_u32, C(announce_count), CFG_LIVE, .min = 1, .max = 10,
	    .def = "3"),
	KEY("vrrp", "announce_interval_ms", cfg_u32, C(announce_interval_ms), CFG_LIVE,
	    .min = 10, .max = 10000, .def = "500"),
	/* default: 3 advert intervals, rounded up (config.c derives it) */
	KEY("vrrp", "vip_lifetime_ms", cfg_u32, C(vip_lifetime_ms), CFG_LIVE, .min = 0,
	    .max = 3600000, .step = 1000, .def = "3000"),

	/* [redirect] */
	KEY("redirect", "ports", cfg_ports, C(ports), CFG_LIVE, .off_count = C(n_ports),
	    .min = 1, .def = "500 4500"),
	/* default: 4500 if it is one of ports (config.c derives it) */
	KEY("redirect", "natt_ports", cfg_ports, C(natt_ports), CFG_LIVE,
	    .off_count = C(n_natt_ports), .def = "4500"),
	KEY("redirect", "unsupported", cfg_enum, C(unsupported), CFG_LIVE,
	    .names = unsupported_names, .def = "pass"),
	KEY("redirect", "no_target", cfg_enum, C(no_target), CFG_LIVE, .names = action_names,
	    .def = "pass"),
	KEY("redirect", "policy", cfg_enum, C(policy), CFG_LIVE, .names = policy_names,
	    .def = "least-utilization"),
	KEY("redirect", "mode", cfg_enum, C(mode), CFG_RESTART, .names = mode_names,
	    .def = "init"),
	KEY("redirect", "vici", cfg_path, C(vici), CFG_RESTART),
	KEY("redirect", "auth_fallback", cfg_enum, C(auth_fallback), CFG_LIVE,
	    .names = fallback_names, .def = "pass"),
	KEY("redirect", "auth_connection", cfg_token, C(auth_connection), CFG_LIVE,
	    .max = CFG_NAME_MAX * 2 + 1,
	    .what = "is not a valid connection name (1 to 64 characters from A-Z a-z 0-9 . _ -)"),
	/* the VIP under attack: answer limits, cookies, tags (docs/xdp.md) */
	KEY("redirect", "rate_per_source", cfg_u32, C(rate_per_source), CFG_LIVE, .min = 0,
	    .max = CFG_MAX_RATE, .def = STR(IKELB_DEFAULT_RATE_PER_SOURCE)),
	KEY("redirect", "burst_per_source", cfg_u32, C(burst_per_source), CFG_LIVE, .min = 1,
	    .max = CFG_MAX_BURST, .def = STR(IKELB_DEFAULT_BURST_PER_SOURCE)),
	KEY("redirect", "rate_total", cfg_u32, C(rate_total), CFG_LIVE, .min = 0,
	    .max = CFG_MAX_RATE, .def = STR(IKELB_DEFAULT_RATE_TOTAL)),
	/* default: rate_total, at least 1 (config.c derives it) */
	KEY("redirect", "burst_total", cfg_u32, C(burst_total), CFG_LIVE, .min = 1,
	    .max = CFG_MAX_BURST, .def = "1"),
	KEY("redirect", "cookies", cfg_enum, C(cookies), CFG_LIVE, .names = cookies_names,
	    .def = "auto"),
	KEY("redirect", "cookie_threshold", cfg_u32, C(cookie_threshold), CFG_LIVE, .min = 1,
	    .max = 10000000, .def = "1000"),
	KEY("redirect", "cookie_rotation_ms", cfg_u32, C(cookie_rotation_ms), CFG_LIVE,
	    .min = 1000, .max = 86400000, .def = "300000"),
	KEY("redirect", "answer_tagged", cfg_bool, C(answer_tagged), CFG_LIVE, .def = "no"),

	/* [reports]: signed load reports between the nodes */
	KEY("reports", "key_file", cfg_path, C(key_file), CFG_LIVE_WHILE_SET,
	    .off_given = C(has_key_file)),
	KEY("reports", "key_file_previous", cfg_path, C(key_file_previous), CFG_LIVE),
	KEY("reports", "group", cfg_mcast, C(reports_group), CFG_RESTART, .def = "239.255.75.1",
	    .was = "status_group"),
	KEY("reports", "port", cfg_port, C(reports_port), CFG_RESTART, .def = "4510",
	    .was = "status_port"),
	KEY("reports", "peers", cfg_peers, C(reports_peers), CFG_RESTART,
	    .off_count = C(n_reports_peers), .was = "status_peers"),
	KEY("reports", "interval_ms", cfg_u32, C(reports_interval_ms), CFG_LIVE, .min = 50,
	    .max = 60000, .def = "1000", .was = "status_interval_ms"),
	/* default: 3 * interval_ms (config.c derives it) */
	KEY("reports", "dead_after_ms", cfg_u32, C(dead_after_ms), CFG_LIVE, .min = 1,
	    .max = CFG_DEAD_AFTER_MAX, .def = "3000"),

	/* [gateway]: this node is a VPN gateway too */
	KEY("gateway", "address", cfg_gw_addr, C(gw_address), CFG_LIVE, .required = true),
	KEY("gateway", "address6", cfg_gw_addr6, C(gw_address6), CFG_LIVE),
	KEY("gateway", "max_tunnels", cfg_u32, C(gw_max_tunnels), CFG_LIVE, .min = 1,
	    .max = CFG_MAX_TUNNELS, .required = true),
	KEY("gateway", "tunnels", cfg_tunnels, C(tunnels), CFG_LIVE),
	KEY("gateway", "steer_label", cfg_u32, C(gw_steer_label), CFG_LIVE, .min = 1, .max = 255),
	/* max: MIGRATE_RATE_MAX (ike/migrate.h) */
	KEY("gateway", "migrate_rate", cfg_u32, C(migrate_rate), CFG_LIVE, .min = 1, .max = 100,
	    .def = "5"),
	KEY("gateway", "drain_migrate", cfg_bool, C(drain_migrate), CFG_LIVE, .def = "no"),

	/* [target NAME]: a gateway that does not run ikelb */
	KEY("target", "address", cfg_gw_addr, T(address), CFG_LIVE, .required = true),
	KEY("target", "address6", cfg_gw_addr6, T(address6), CFG_LIVE),
	KEY("target", "max_tunnels", cfg_u32, T(max_tunnels), CFG_LIVE, .min = 1,
	    .max = CFG_MAX_TUNNELS, .required = true),
	KEY("target", "steer_label", cfg_u32, T(steer_label), CFG_LIVE, .min = 1, .max = 255),
	KEY("target", "mac", cfg_mac, T(mac), CFG_LIVE, .off_given = T(has_mac)),

	/* [metrics]: Prometheus metrics over HTTP; unset: off */
	KEY("metrics", "listen", cfg_listen, C(metrics_listen), CFG_RESTART),
};

const size_t cfg_n_keys = sizeof(cfg_keys) / sizeof(cfg_keys[0]);

/* ---- look-ups -------------------------------------------------------------- */

const struct cfg_key *cfg_key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < cfg_n_keys; i++)
		if (!strcmp(cfg_keys[i].section, section) && !strcmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

const struct cfg_key *cfg_key_renamed(const char *section, const char *name)
{
	for (size_t i = 0; i < cfg_n_keys; i++)
		if (cfg_keys[i].was && !strcmp(cfg_keys[i].section, section) &&
		    !strcmp(cfg_keys[i].was, name))
			return &cfg_keys[i];
	return NULL;
}

const struct cfg_section *cfg_section_find(const char *name)
{
	for (size_t i = 0; i < cfg_n_sections; i++)
		if (!strcmp(cfg_sections[i].name, name))
			return &cfg_sections[i];
	return NULL;
}

const struct cfg_section *cfg_section_renamed(const char *name)
{
	for (size_t i = 0; i < cfg_n_sections; i++)
		if (cfg_sections[i].was && !strcmp(cfg_sections[i].was, name))
			return &cfg_sections[i];
	return NULL;
}

const struct cfg_key *cfg_key_at(size_t off, bool named)
{
	for (size_t i = 0; i < cfg_n_keys; i++)
		if (cfg_keys[i].off == off && cfg_section_find(cfg_keys[i].section)->named == named)
			return &cfg_keys[i];
	return NULL;
}
