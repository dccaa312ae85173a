/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config file parser.  inih splits "key = value" lines and calls us per
 * key; a reader in front of it does what Debian's build of inih cannot:
 *  - count lines (the library is built without INI_HANDLER_LINENO);
 *  - see every section header itself, so an unknown, duplicate or empty
 *    section is reported with its line (inih also truncates long section
 *    names silently);
 *  - strip "#" and ";" comments after values (inih only knows ";");
 *  - refuse continuation lines instead of letting inih call us twice for
 *    one key, and refuse "name: value" (inih splits at ":" too);
 *  - pass values longer than inih's fixed 200-byte line buffer around it,
 *    since inih would cut them short without telling anyone.
 * Every problem is collected as "FILE:LINE: message"; cross-field checks
 * run after the whole file is read and name the line of the offending key.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_MAX_FILE_SIZE (1024 * 1024)
#define KEY_MAX_LEN 40 /* longer keys are unknown, and inih truncates at 50 */
#define QUOTE_MAX 64 /* value bytes shown in a message */
#define ITEM_MAX 64 /* longest list item (an IPv6 address is 45) */

_Static_assert(sizeof(enum cfg_vrrp) == sizeof(int) &&
		       sizeof(enum ikelb_action) == sizeof(int),
	       "enum-valued keys are stored through an int pointer");

enum section {
	SEC_NONE, /* before the first header */
	SEC_CLUSTER,
	SEC_VRRP,
	SEC_REDIRECT,
	SEC_STATUS,
	SEC_GATEWAY,
	SEC_TARGET,
	SEC_SKIP, /* a bad header: its keys are not checked (no cascade) */
	SEC_COUNT,
};

static const char *const section_names[SEC_COUNT] = {
	[SEC_CLUSTER] = "cluster",   [SEC_VRRP] = "vrrp",
	[SEC_REDIRECT] = "redirect", [SEC_STATUS] = "status",
	[SEC_GATEWAY] = "gateway",   [SEC_TARGET] = "target",
};

/* Keys of the singleton sections; their lines are kept for messages. */
enum key_id {
	K_NAME, K_INTERFACE, K_VIP4, K_VIP6, K_VRRP, K_XDP_MODE, K_NODE_ID,
	K_VRID, K_PRIORITY, K_ADVERT, K_PREEMPT, K_VRRP_PEERS, K_NOTIFY,
	K_ANNOUNCE_COUNT, K_ANNOUNCE_INTERVAL,
	K_PORTS, K_NATT_PORTS, K_UNSUPPORTED, K_NO_TARGET, K_POLICY, K_MODE,
	K_VICI, K_AUTH_FALLBACK, K_AUTH_CONNECTION,
	K_KEY_FILE, K_STATUS_GROUP, K_STATUS_PORT, K_STATUS_PEERS,
	K_STATUS_INTERVAL, K_DEAD_AFTER,
	K_GW_ADDRESS, K_GW_ADDRESS6, K_GW_MAX_TUNNELS, K_TUNNELS,
	K_COUNT,
};

/* Keys of a [target NAME] section, kept per target. */
enum target_key_id { TK_ADDRESS, TK_ADDRESS6, TK_MAX_TUNNELS, TK_COUNT };

struct keystate {
	int line; /* 0: not given */
	bool bad; /* given, but its value was rejected */
};

struct target_meta {
	struct keystate ks[TK_COUNT];
};

struct ctx {
	struct config *c;
	struct cfg_errors *errs;
	int *err_lines; /* parallel to errs->msg, for sorting */
	const char *file;
	unsigned n_reported; /* errors reported, including dropped ones */
	bool oom;

	/* input, one line per reader call */
	const char *p, *end;
	int line;
	char *scratch;
	size_t scratch_size;
	const char *long_value; /* set when the value bypasses inih */
	bool content; /* saw a header or a key */

	/* where we are */
	enum section sec;
	unsigned target; /* with SEC_TARGET */
	char label[CFG_NAME_MAX + 16]; /* "[cluster]", "[target gw2]" */
	int section_line[SEC_COUNT]; /* first header of singleton sections */

	struct keystate ks[K_COUNT];
	struct target_meta *tm; /* parallel to c->targets */
	unsigned targets_cap;
};

/* ---- errors ------------------------------------------------------------ */

static bool errs_add(struct ctx *x, int line, char *msg)
{
	char **m;
	int *l;

	if (!msg) {
		x->oom = true;
		return false;
	}
	m = realloc(x->errs->msg, (x->errs->n + 1) * sizeof(*m));
	if (m)
		x->errs->msg = m;
	l = realloc(x->err_lines, (x->errs->n + 1) * sizeof(*l));
	if (l)
		x->err_lines = l;
	if (!m || !l) {
		free(msg);
		x->oom = true;
		return false;
	}
	m[x->errs->n] = msg;
	l[x->errs->n++] = line;
	return true;
}

/* Cross-field errors are found after the file is read; show all in file
 * order (stable, so one line's errors keep their order). */
static void errs_sort(struct ctx *x)
{
	char **m = x->errs->msg;
	int *l = x->err_lines;
	unsigned i, j;

	for (i = 1; i < x->errs->n; i++) {
		char *msg = m[i];
		int line = l[i];

		for (j = i; j > 0 && l[j - 1] > line; j--) {
			m[j] = m[j - 1];
			l[j] = l[j - 1];
		}
		m[j] = msg;
		l[j] = line;
	}
}

static void verr(struct ctx *x, int line, const char *fmt, va_list ap)
{
	char *body = NULL, *msg = NULL;

	if (++x->n_reported > CFG_MAX_ERRORS) {
		if (x->n_reported == CFG_MAX_ERRORS + 1 &&
		    asprintf(&msg, "%s:%d: too many errors, not reporting more",
			     x->file, line) >= 0)
			errs_add(x, INT_MAX, msg);
		return;
	}
	if (vasprintf(&body, fmt, ap) < 0) {
		x->oom = true;
		return;
	}
	if (line > 0) {
		if (asprintf(&msg, "%s:%d: %s", x->file, line, body) < 0)
			msg = NULL;
	} else if (asprintf(&msg, "%s: %s", x->file, body) < 0) {
		msg = NULL;
	}
	free(body);
	errs_add(x, line, msg);
}

__attribute__((format(printf, 3, 4))) static void
err_at(struct ctx *x, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(x, line, fmt, ap);
	va_end(ap);
}

/*
 * Escapes text from the file for a message: printable ASCII as is, anything
 * else as \xHH, long text cut, so a message is one readable line whatever
 * the input was.  quote() adds double quotes around it.
 */
static const char *escape(const char *s, char *buf, size_t size)
{
	size_t o = 0, i;

	for (i = 0; s[i] && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '"' || ch == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

static const char *quote(const char *s, char *buf, size_t size)
{
	buf[0] = '"';
	escape(s, buf + 1, size - 2);
	strcat(buf, "\"");
	return buf;
}

#define QBUF (QUOTE_MAX * 4 + 16)

/* ---- small value checks -------------------------------------------------- */

static bool is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' ||
	       ch == '\v';
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

static bool valid_name(const char *s)
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
static enum num_res parse_num(const char *s, size_t n, uint32_t min,
			      uint32_t max, uint32_t *out)
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

enum gw_res { GW_OK, GW_BAD_V4, GW_BAD_V6, GW_BAD_NAME, GW_LONG_NAME,
	      GW_NOT_UNICAST };

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

static bool gw_equal(const struct cfg_gw_addr *a, const struct cfg_gw_addr *b)
{
	if (a->type != b->type || a->len != b->len)
		return false;
	if (a->type == IKE_GW_ID_FQDN)
		return strncasecmp((const char *)a->data, (const char *)b->data,
				   a->len) == 0;
	return memcmp(a->data, b->data, a->len) == 0;
}

bool config_status_enabled(const struct config *c)
{
	return c->key_file[0] != '\0';
}

/* ---- keys ---------------------------------------------------------------- */

struct key_def;
typedef bool (*key_parser)(struct ctx *x, const struct key_def *k,
			   const char *v, void *field);

struct key_def {
	enum section sec;
	const char *name;
	int id; /* enum key_id, or enum target_key_id in [target] */
	key_parser parse;
	size_t off; /* of the field in struct config or struct cfg_target */
	size_t off_count; /* lists: of the unsigned count */
	uint32_t min, max, step; /* numbers; max: list length */
	const char *const *names; /* enums: value i is names[i] */
	const char *what; /* names, tokens: what the value must be */
};

/* "[section] key: " then the message, at the current line. */
__attribute__((format(printf, 3, 4))) static void
key_err(struct ctx *x, const struct key_def *k, const char *fmt, ...)
{
	char *body = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&body, fmt, ap) < 0)
		body = NULL;
	va_end(ap);
	if (!body) {
		x->oom = true;
		return;
	}
	err_at(x, x->line, "%s %s: %s", x->label, k->name, body);
	free(body);
}

static bool bad_value(struct ctx *x, const struct key_def *k, const char *v,
		      const char *what)
{
	char q[QBUF];

	key_err(x, k, "%s %s", quote(v, q, sizeof(q)), what);
	return false;
}

static bool bad_number(struct ctx *x, const struct key_def *k, const char *v,
		       enum num_res r, uint32_t min, uint32_t max)
{
	char q[QBUF];

	if (r == NUM_SYNTAX)
		key_err(x, k, "%s is not a number (expected %u..%u)",
			quote(v, q, sizeof(q)), min, max);
	else
		key_err(x, k, "%s is out of range (%u..%u)",
			quote(v, q, sizeof(q)), min, max);
	return false;
}

static bool p_u32(struct ctx *x, const struct key_def *k, const char *v,
		  void *field)
{
	enum num_res r;
	uint32_t n;
	char q[QBUF];

	r = parse_num(v, strlen(v), k->min, k->max, &n);
	if (r != NUM_OK)
		return bad_number(x, k, v, r, k->min, k->max);
	if (k->step > 1 && n % k->step) {
		key_err(x, k, "%s is not a multiple of %u",
			quote(v, q, sizeof(q)), k->step);
		return false;
	}
	*(uint32_t *)field = n;
	return true;
}

static bool p_port(struct ctx *x, const struct key_def *k, const char *v,
		   void *field)
{
	enum num_res r;
	uint32_t n;

	r = parse_num(v, strlen(v), 1, 65535, &n);
	if (r != NUM_OK)
		return bad_number(x, k, v, r, 1, 65535);
	*(uint16_t *)field = (uint16_t)n;
	return true;
}

static bool p_bool(struct ctx *x, const struct key_def *k, const char *v,
		   void *field)
{
	static const char *const yes[] = { "yes", "true", "on" };
	static const char *const no[] = { "no", "false", "off" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*(bool *)field = !strcmp(v, yes[i]);
			return true;
		}
	}
	return bad_value(x, k, v, "is not a boolean (yes/no, true/false, on/off)");
}

static bool p_enum(struct ctx *x, const struct key_def *k, const char *v,
		   void *field)
{
	char list[128] = "", q[QBUF];
	size_t i;

	for (i = 0; k->names[i]; i++) {
		if (!strcmp(v, k->names[i])) {
			*(int *)field = (int)i;
			return true;
		}
	}
	for (i = 0; k->names[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", k->names[i]);
	key_err(x, k, "%s is not one of %s", quote(v, q, sizeof(q)), list);
	return false;
}

/* A NUL-terminated field of k->max bytes: 1..max-1 characters. */
static bool p_token(struct ctx *x, const struct key_def *k, const char *v,
		    void *field)
{
	if (!valid_token(v, k->max - 1, "._-"))
		return bad_value(x, k, v, k->what);
	memcpy(field, v, strlen(v) + 1);
	return true;
}

static bool p_name(struct ctx *x, const struct key_def *k, const char *v,
		   void *field)
{
	if (!valid_name(v))
		return bad_value(x, k, v,
				 "is not a valid name (1 to 32 characters from "
				 "A-Z a-z 0-9 _ -)");
	memcpy(field, v, strlen(v) + 1);
	return true;
}

static bool p_ifname(struct ctx *x, const struct key_def *k, const char *v,
		     void *field)
{
	if (!valid_ifname(v))
		return bad_value(x, k, v,
				 "is not an interface name (1 to 15 characters, "
				 "no spaces, \"/\" or \":\")");
	memcpy(field, v, strlen(v) + 1);
	return true;
}

static bool p_path(struct ctx *x, const struct key_def *k, const char *v,
		   void *field)
{
	if (v[0] != '/')
		return bad_value(x, k, v, "is not an absolute path");
	if (strlen(v) >= PATH_MAX)
		return bad_value(x, k, v, "is too long (at most 4095 characters)");
	memcpy(field, v, strlen(v) + 1);
	return true;
}

static bool p_vip4(struct ctx *x, const struct key_def *k, const char *v,
		   void *field)
{
	struct in_addr a;
	struct in6_addr a6;

	if (inet_pton(AF_INET, v, &a) != 1)
		return bad_value(x, k, v,
				 inet_pton(AF_INET6, v, &a6) == 1 ?
					 "is not an IPv4 address (an IPv6 VIP "
					 "goes in virtual_ip6)" :
					 "is not an IPv4 address");
	if (!ip4_usable(a))
		return bad_value(x, k, v, "is not a unicast IPv4 address");
	*(struct in_addr *)field = a;
	x->c->has_vip4 = true;
	return true;
}

static bool p_vip6(struct ctx *x, const struct key_def *k, const char *v,
		   void *field)
{
	struct in6_addr a;
	struct in_addr a4;

	if (inet_pton(AF_INET6, v, &a) != 1)
		return bad_value(x, k, v,
				 inet_pton(AF_INET, v, &a4) == 1 ?
					 "is not an IPv6 address (an IPv4 VIP "
					 "goes in virtual_ip)" :
					 "is not an IPv6 address");
	if (!ip6_usable(&a, false))
		return bad_value(x, k, v, "is not a global unicast IPv6 address");
	*(struct in6_addr *)field = a;
	x->c->has_vip6 = true;
	return true;
}

static bool p_gw_addr(struct ctx *x, const struct key_def *k, const char *v,
		      void *field)
{
	switch (gw_parse(v, field)) {
	case GW_OK:
		return true;
	case GW_BAD_V4:
		return bad_value(x, k, v, "is not an IPv4 address");
	case GW_BAD_V6:
		return bad_value(x, k, v, "is not an IPv6 address");
	case GW_LONG_NAME:
		return bad_value(x, k, v,
				 "is too long for a host name (at most 255 "
				 "characters)");
	case GW_NOT_UNICAST:
		return bad_value(x, k, v, "is not a usable unicast address");
	case GW_BAD_NAME:
	default:
		return bad_value(x, k, v,
				 "is not an IP address or a valid host name "
				 "(RFC 1123)");
	}
}

static bool p_gw_addr6(struct ctx *x, const struct key_def *k, const char *v,
		       void *field)
{
	struct cfg_gw_addr *a = field;
	enum gw_res r = gw_parse(v, a);

	if (r == GW_NOT_UNICAST && a->type == IKE_GW_ID_IPV6)
		return bad_value(x, k, v, "is not a usable unicast address");
	if (r != GW_OK || a->type != IKE_GW_ID_IPV6) {
		memset(a, 0, sizeof(*a));
		return bad_value(x, k, v, "is not an IPv6 address");
	}
	return true;
}

static bool p_mcast(struct ctx *x, const struct key_def *k, const char *v,
		    void *field)
{
	struct ip_addr *ip = field;
	struct in_addr a4;
	struct in6_addr a6;

	/* Not 224.0.0.0/24 (local network control, VRRP lives there), and
	 * IPv6 at least link-local scope. */
	if (inet_pton(AF_INET, v, &a4) == 1 && (ntohl(a4.s_addr) >> 28) == 0xe &&
	    (ntohl(a4.s_addr) >> 8) != 0xe00000) {
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
	return bad_value(x, k, v,
			 "is not a multicast group (e.g. 239.255.75.1 or "
			 "ff02::4510)");
}

static bool p_tunnels(struct ctx *x, const struct key_def *k, const char *v,
		      void *field)
{
	struct config *c = x->c;
	const char *arg;

	(void)field;
	if (!strcmp(v, "xfrm")) {
		c->tunnels = CFG_TUNNELS_XFRM;
		return true;
	}
	if (!strncmp(v, "static:", 7)) {
		arg = v + 7;
		if (parse_num(arg, strlen(arg), 0, CFG_MAX_TUNNELS,
			      &c->tunnels_static) != NUM_OK)
			return bad_value(x, k, v,
					 "is not a tunnel source: N in static:N "
					 "must be a number 0..10000000");
		c->tunnels = CFG_TUNNELS_STATIC;
		return true;
	}
	if (!strncmp(v, "vici:", 5) || !strncmp(v, "file:", 5)) {
		arg = v + 5;
		if (arg[0] != '/' || strlen(arg) >= PATH_MAX)
			return bad_value(x, k, v,
					 "is not a tunnel source: PATH must be "
					 "an absolute path");
		memcpy(c->tunnels_path, arg, strlen(arg) + 1);
		c->tunnels = v[0] == 'v' ? CFG_TUNNELS_VICI : CFG_TUNNELS_FILE;
		return true;
	}
	return bad_value(x, k, v,
			 "is not a tunnel source (vici:PATH, xfrm, file:PATH "
			 "or static:N)");
}

/*
 * List items are separated by spaces and/or one comma; an empty item
 * ("500,,4500", ",500", "500,") is an error.  Returns 1 with an item, 0 at
 * the end, -1 on an empty item.
 */
static int list_next(const char **p, const char **item, size_t *len)
{
	const char *s = *p;

	while (is_space(*s))
		s++;
	if (*s == '\0')
		return 0;
	if (*s == ',')
		return -1;
	*item = s;
	while (*s && !is_space(*s) && *s != ',')
		s++;
	*len = (size_t)(s - *item);
	while (is_space(*s))
		s++;
	if (*s == ',') {
		s++;
		while (is_space(*s))
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

static bool p_ports(struct ctx *x, const struct key_def *k, const char *v,
		    void *field)
{
	uint16_t *ports = field;
	unsigned *n = (unsigned *)((char *)x->c + k->off_count);
	const char *p = v, *item;
	char buf[ITEM_MAX], q[QBUF];
	size_t len;
	uint32_t port;
	unsigned i;
	int r;

	*n = 0;
	while ((r = list_next(&p, &item, &len)) == 1) {
		enum num_res nr = parse_num(item, len, 1, 65535, &port);

		list_item(item, len, buf);
		if (nr != NUM_OK)
			return bad_number(x, k, buf, nr, 1, 65535);
		for (i = 0; i < *n; i++) {
			if (ports[i] == port) {
				key_err(x, k, "port %u is listed twice", port);
				return false;
			}
		}
		if (*n == IKELB_MAX_PORTS) {
			key_err(x, k, "more than %d ports", IKELB_MAX_PORTS);
			return false;
		}
		ports[(*n)++] = (uint16_t)port;
	}
	if (r < 0) {
		key_err(x, k, "%s has an empty list item",
			quote(v, q, sizeof(q)));
		return false;
	}
	if (*n == 0 && k->min > 0) {
		key_err(x, k, "empty list, expected 1 to %d ports",
			IKELB_MAX_PORTS);
		return false;
	}
	return true;
}

/* Unicast peers of either family; IPv6 link-local is fine on one LAN. */
static bool p_peers(struct ctx *x, const struct key_def *k, const char *v,
		    void *field)
{
	struct ip_addr *ips = field, ip;
	unsigned *n = (unsigned *)((char *)x->c + k->off_count);
	const char *p = v, *item;
	char buf[ITEM_MAX], q[QBUF];
	size_t len;
	unsigned i;
	int r;

	*n = 0;
	while ((r = list_next(&p, &item, &len)) == 1) {
		bool fits = list_item(item, len, buf);

		memset(&ip, 0, sizeof(ip));
		if (!fits)
			return bad_value(x, k, buf, "is not an IP address");
		if (inet_pton(AF_INET, buf, &ip.v4) == 1)
			ip.family = AF_INET;
		else if (inet_pton(AF_INET6, buf, &ip.v6) == 1)
			ip.family = AF_INET6;
		else
			return bad_value(x, k, buf, "is not an IP address");
		if (ip.family == AF_INET ? !ip4_usable(ip.v4) :
					   !ip6_usable(&ip.v6, true))
			return bad_value(x, k, buf,
					 "is not a usable unicast address");
		for (i = 0; i < *n; i++) {
			if (ip_addr_eq(&ips[i], &ip)) {
				key_err(x, k, "%s is listed twice",
					quote(buf, q, sizeof(q)));
				return false;
			}
		}
		if (*n == CFG_MAX_PEERS) {
			key_err(x, k, "more than %d addresses", CFG_MAX_PEERS);
			return false;
		}
		ips[(*n)++] = ip;
	}
	if (r < 0) {
		key_err(x, k, "%s has an empty list item",
			quote(v, q, sizeof(q)));
		return false;
	}
	return true;
}

static const char *const vrrp_names[] = { "off", "on", "external", NULL };
static const char *const xdp_names[] = { "auto", "native", "generic", NULL };
static const char *const action_names[] = { "pass", "drop", NULL };
static const char *const policy_names[] = { "least-utilization",
					    "least-tunnels", NULL };
static const char *const mode_names[] = { "init", "auth", NULL };
static const char *const fallback_names[] = { "pass", "init", NULL };

_Static_assert(CFG_VRRP_EXTERNAL == 2 && CFG_XDP_GENERIC == 2 &&
		       IKELB_ACT_DROP == 1 && CFG_POLICY_LEAST_TUNNELS == 1 &&
		       CFG_MODE_AUTH == 1 && CFG_FALLBACK_INIT == 1,
	       "the name tables follow the enum values");

#define C(f) offsetof(struct config, f)
#define T(f) offsetof(struct cfg_target, f)

/* Section, key, id, parser, field offset, then the parser's extras. */
#define KEY(s, n, i, p, o, ...) \
	{ .sec = s, .name = n, .id = i, .parse = p, .off = o, __VA_ARGS__ }

static const struct key_def keys[] = {
	KEY(SEC_CLUSTER, "name", K_NAME, p_name, C(name)),
	KEY(SEC_CLUSTER, "interface", K_INTERFACE, p_ifname, C(interface)),
	KEY(SEC_CLUSTER, "virtual_ip", K_VIP4, p_vip4, C(vip4)),
	KEY(SEC_CLUSTER, "virtual_ip6", K_VIP6, p_vip6, C(vip6)),
	KEY(SEC_CLUSTER, "vrrp", K_VRRP, p_enum, C(vrrp), .names = vrrp_names),
	KEY(SEC_CLUSTER, "xdp_mode", K_XDP_MODE, p_enum, C(xdp_mode),
	    .names = xdp_names),
	KEY(SEC_CLUSTER, "node_id", K_NODE_ID, p_token, C(node_id),
	    .max = CFG_NODE_ID_MAX + 1,
	    .what = "is not a valid node id (1 to 63 characters from "
		    "A-Z a-z 0-9 . _ -)"),

	KEY(SEC_VRRP, "vrid", K_VRID, p_u32, C(vrid), .min = 1, .max = 255),
	KEY(SEC_VRRP, "priority", K_PRIORITY, p_u32, C(priority), .min = 1,
	    .max = 255),
	KEY(SEC_VRRP, "advert_interval_ms", K_ADVERT, p_u32,
	    C(advert_interval_ms), .min = 10, .max = 40950, .step = 10),
	KEY(SEC_VRRP, "preempt", K_PREEMPT, p_bool, C(preempt)),
	KEY(SEC_VRRP, "vrrp_peers", K_VRRP_PEERS, p_peers, C(vrrp_peers),
	    .off_count = C(n_vrrp_peers)),
	KEY(SEC_VRRP, "notify", K_NOTIFY, p_path, C(notify)),
	KEY(SEC_VRRP, "announce_count", K_ANNOUNCE_COUNT, p_u32,
	    C(announce_count), .min = 1, .max = 10),
	KEY(SEC_VRRP, "announce_interval_ms", K_ANNOUNCE_INTERVAL, p_u32,
	    C(announce_interval_ms), .min = 10, .max = 10000),

	KEY(SEC_REDIRECT, "ports", K_PORTS, p_ports, C(ports),
	    .off_count = C(n_ports), .min = 1),
	KEY(SEC_REDIRECT, "natt_ports", K_NATT_PORTS, p_ports, C(natt_ports),
	    .off_count = C(n_natt_ports)),
	KEY(SEC_REDIRECT, "unsupported", K_UNSUPPORTED, p_enum, C(unsupported),
	    .names = action_names),
	KEY(SEC_REDIRECT, "no_target", K_NO_TARGET, p_enum, C(no_target),
	    .names = action_names),
	KEY(SEC_REDIRECT, "policy", K_POLICY, p_enum, C(policy),
	    .names = policy_names),
	KEY(SEC_REDIRECT, "mode", K_MODE, p_enum, C(mode), .names = mode_names),
	KEY(SEC_REDIRECT, "vici", K_VICI, p_path, C(vici)),
	KEY(SEC_REDIRECT, "auth_fallback", K_AUTH_FALLBACK, p_enum,
	    C(auth_fallback), .names = fallback_names),
	KEY(SEC_REDIRECT, "auth_connection", K_AUTH_CONNECTION, p_token,
	    C(auth_connection), .max = CFG_NAME_MAX * 2 + 1,
	    .what = "is not a valid connection name (1 to 64 characters from "
		    "A-Z a-z 0-9 . _ -)"),

	KEY(SEC_STATUS, "key_file", K_KEY_FILE, p_path, C(key_file)),
	KEY(SEC_STATUS, "status_group", K_STATUS_GROUP, p_mcast,
	    C(status_group)),
	KEY(SEC_STATUS, "status_port", K_STATUS_PORT, p_port, C(status_port)),
	KEY(SEC_STATUS, "status_peers", K_STATUS_PEERS, p_peers,
	    C(status_peers), .off_count = C(n_status_peers)),
	KEY(SEC_STATUS, "status_interval_ms", K_STATUS_INTERVAL, p_u32,
	    C(status_interval_ms), .min = 50, .max = 60000),
	KEY(SEC_STATUS, "dead_after_ms", K_DEAD_AFTER, p_u32, C(dead_after_ms),
	    .min = 1, .max = CFG_DEAD_AFTER_MAX),

	KEY(SEC_GATEWAY, "address", K_GW_ADDRESS, p_gw_addr, C(gw_address)),
	KEY(SEC_GATEWAY, "address6", K_GW_ADDRESS6, p_gw_addr6,
	    C(gw_address6)),
	KEY(SEC_GATEWAY, "max_tunnels", K_GW_MAX_TUNNELS, p_u32,
	    C(gw_max_tunnels), .min = 1, .max = CFG_MAX_TUNNELS),
	KEY(SEC_GATEWAY, "tunnels", K_TUNNELS, p_tunnels, C(tunnels)),

	KEY(SEC_TARGET, "address", TK_ADDRESS, p_gw_addr, T(address)),
	KEY(SEC_TARGET, "address6", TK_ADDRESS6, p_gw_addr6, T(address6)),
	KEY(SEC_TARGET, "max_tunnels", TK_MAX_TUNNELS, p_u32, T(max_tunnels),
	    .min = 1, .max = CFG_MAX_TUNNELS),
};

static const struct key_def *find_key(enum section sec, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].sec == sec && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static void unknown_key(struct ctx *x, const char *key)
{
	char q[QBUF];

	if (x->sec == SEC_SKIP)
		return;
	if (x->sec == SEC_NONE)
		err_at(x, x->line, "key %s is outside of any section",
		       quote(key, q, sizeof(q)));
	else
		err_at(x, x->line, "%s unknown key %s", x->label,
		       quote(key, q, sizeof(q)));
}

/* inih's callback, once per "key=value" line the reader handed it. */
static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct ctx *x = user;
	const char *v = x->long_value ? x->long_value : value;
	const struct key_def *k;
	struct keystate *ks;
	char *base;

	(void)section; /* the reader tracks sections itself */
	if (x->sec == SEC_SKIP || x->sec == SEC_NONE ||
	    !(k = find_key(x->sec, name))) {
		unknown_key(x, name);
		return 1;
	}
	if (x->sec == SEC_TARGET) {
		ks = &x->tm[x->target].ks[k->id];
		base = (char *)&x->c->targets[x->target];
	} else {
		ks = &x->ks[k->id];
		base = (char *)x->c;
	}
	if (ks->line) {
		err_at(x, x->line, "%s duplicate key \"%s\" (first at line %d)",
		       x->label, k->name, ks->line);
		return 1;
	}
	ks->line = x->line;
	ks->bad = !k->parse(x, k, v, base + k->off);
	return 1;
}

/* ---- the reader: lines, comments, section headers ------------------------ */

static bool add_target(struct ctx *x, const char *name)
{
	struct config *c = x->c;

	if (c->n_targets == x->targets_cap) {
		unsigned cap = x->targets_cap ? x->targets_cap * 2 : 8;
		struct cfg_target *t;
		struct target_meta *m;

		t = realloc(c->targets, cap * sizeof(*t));
		if (!t)
			return false;
		c->targets = t;
		m = realloc(x->tm, cap * sizeof(*m));
		if (!m)
			return false;
		x->tm = m;
		x->targets_cap = cap;
	}
	x->target = c->n_targets++;
	memset(&c->targets[x->target], 0, sizeof(c->targets[0]));
	memset(&x->tm[x->target], 0, sizeof(x->tm[0]));
	snprintf(c->targets[x->target].name, sizeof(c->targets[0].name), "%s",
		 name);
	c->targets[x->target].line = x->line;
	return true;
}

static void target_header(struct ctx *x, const char *name)
{
	struct config *c = x->c;
	char q[QBUF];
	unsigned i;

	if (!*name) {
		err_at(x, x->line, "section [target] needs a name: [target NAME]");
		return;
	}
	if (!valid_name(name)) {
		err_at(x, x->line,
		       "[target NAME]: %s is not a valid name (1 to 32 "
		       "characters from A-Z a-z 0-9 _ -)",
		       quote(name, q, sizeof(q)));
		return;
	}
	for (i = 0; i < c->n_targets; i++) {
		if (!strcmp(c->targets[i].name, name)) {
			err_at(x, x->line,
			       "duplicate section [target %s] (first at line %d)",
			       name, c->targets[i].line);
			return;
		}
	}
	if (c->n_targets == CFG_MAX_TARGETS) {
		err_at(x, x->line, "[target %s]: more than %d targets", name,
		       CFG_MAX_TARGETS);
		return;
	}
	if (!add_target(x, name)) {
		x->oom = true;
		return;
	}
	x->sec = SEC_TARGET;
	snprintf(x->label, sizeof(x->label), "[target %s]", name);
}

/* s: a trimmed line starting with '['. */
static void section_header(struct ctx *x, char *s)
{
	size_t n = strlen(s);
	char *inner, *rest, q[QBUF];
	int sec;

	x->sec = SEC_SKIP;
	x->content = true;
	if (s[n - 1] != ']') {
		err_at(x, x->line, "%s is not a section header (no \"]\" at the end)",
		       quote(s, q, sizeof(q)));
		return;
	}
	s[n - 1] = '\0';
	inner = s + 1;
	while (is_space(*inner))
		inner++;
	rest = inner + strcspn(inner, " \t");
	if (*rest) {
		*rest++ = '\0';
		while (is_space(*rest))
			rest++;
		n = strlen(rest);
		while (n && is_space(rest[n - 1]))
			rest[--n] = '\0';
	}
	for (sec = SEC_CLUSTER; sec <= SEC_TARGET; sec++)
		if (!strcmp(inner, section_names[sec]))
			break;
	if (sec > SEC_TARGET) {
		err_at(x, x->line,
		       "unknown section [%s] (expected cluster, vrrp, redirect, "
		       "status, gateway or target NAME)",
		       escape(inner, q, sizeof(q)));
		return;
	}
	if (sec == SEC_TARGET) {
		target_header(x, rest);
		return;
	}
	if (*rest) {
		err_at(x, x->line, "section [%s] takes no name, got %s",
		       section_names[sec], quote(rest, q, sizeof(q)));
		return;
	}
	if (x->section_line[sec]) {
		err_at(x, x->line, "duplicate section [%s] (first at line %d)",
		       section_names[sec], x->section_line[sec]);
		return;
	}
	x->section_line[sec] = x->line;
	x->sec = sec;
	snprintf(x->label, sizeof(x->label), "[%s]", section_names[sec]);
	if (sec == SEC_GATEWAY)
		x->c->has_gateway = true;
}

static bool valid_key_chars(const char *k)
{
	return valid_token(k, KEY_MAX_LEN, "_.-");
}

/* s: a trimmed, comment-free line that is not a header. */
static void key_line(struct ctx *x, char *s, bool indented, char *buf,
		     size_t size)
{
	char *eq = strchr(s, '='), *key = s, *value, q[QBUF];
	size_t n;

	x->content = true;
	if (!eq) {
		if (indented)
			err_at(x, x->line,
			       "continuation lines are not supported; put the "
			       "value on one line");
		else
			err_at(x, x->line,
			       "expected \"key = value\", a [section] or a "
			       "comment, got %s",
			       quote(s, q, sizeof(q)));
		return;
	}
	*eq = '\0';
	n = strlen(key);
	while (n && is_space(key[n - 1]))
		key[--n] = '\0';
	value = eq + 1;
	while (is_space(*value))
		value++;
	if (n == 0) {
		err_at(x, x->line, "missing key before \"=\"");
		return;
	}
	/* inih would split "a:b = c" at ":" and take 50 bytes of a name */
	if (!valid_key_chars(key)) {
		unknown_key(x, key);
		return;
	}
	if (n + strlen(value) + 3 <= size) {
		snprintf(buf, size, "%s=%s\n", key, value);
	} else {
		snprintf(buf, size, "%s=\n", key);
		x->long_value = value;
	}
}

/* Copies the next line to scratch; false at the end of the input. */
static char *next_line(struct ctx *x, bool *indented)
{
	const char *start = x->p, *nl;
	size_t len, i;
	char *s;

	if (x->p >= x->end)
		return NULL;
	nl = memchr(start, '\n', (size_t)(x->end - start));
	len = (size_t)((nl ? nl : x->end) - start);
	x->p = nl ? nl + 1 : x->end;
	x->line++;
	if (len + 1 > x->scratch_size) {
		char *b = realloc(x->scratch, len + 1);

		if (!b) {
			x->oom = true;
			x->p = x->end;
			return NULL;
		}
		x->scratch = b;
		x->scratch_size = len + 1;
	}
	s = x->scratch;
	memcpy(s, start, len);
	s[len] = '\0';
	if (memchr(start, '\0', len)) {
		err_at(x, x->line, "the line contains a NUL byte");
		s[0] = '\0';
		return s;
	}
	if (x->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3; /* UTF-8 byte order mark */
	/* A comment starts at "#" or ";" at the start or after a blank. */
	for (i = 0; s[i]; i++) {
		if ((s[i] == '#' || s[i] == ';') && (i == 0 || is_space(s[i - 1]))) {
			s[i] = '\0';
			break;
		}
	}
	*indented = is_space(s[0]);
	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len && is_space(s[len - 1]))
		s[--len] = '\0';
	return s;
}

/*
 * inih's reader: hands it one line per call so inih's and our line numbers
 * agree.  Headers, comments and bad lines become empty lines for inih.
 */
static char *read_line(char *buf, int num, void *stream)
{
	struct ctx *x = stream;
	bool indented = false;
	char *s;

	x->long_value = NULL;
	if (num < 2 || !(s = next_line(x, &indented)))
		return NULL;
	buf[0] = '\n';
	buf[1] = '\0';
	if (s[0] == '[')
		section_header(x, s);
	else if (s[0])
		key_line(x, s, indented, buf, (size_t)num);
	return buf;
}

/* ---- cross-field checks ---------------------------------------------------- */

static bool given(const struct ctx *x, enum key_id k)
{
	return x->ks[k].line != 0;
}

static bool good(const struct ctx *x, enum key_id k)
{
	return x->ks[k].line != 0 && !x->ks[k].bad;
}

static void check_cluster(struct ctx *x)
{
	int hdr = x->section_line[SEC_CLUSTER];

	if (!hdr) {
		err_at(x, 1, "[cluster] section is missing (name, interface "
			     "and virtual_ip or virtual_ip6 are required)");
		return;
	}
	if (!given(x, K_NAME))
		err_at(x, hdr, "[cluster] name is required");
	if (!given(x, K_INTERFACE))
		err_at(x, hdr, "[cluster] interface is required");
	if (!given(x, K_VIP4) && !given(x, K_VIP6))
		err_at(x, hdr, "[cluster] virtual_ip or virtual_ip6 is required");
}

static void check_vrrp(struct ctx *x)
{
	const struct config *c = x->c;
	unsigned i;

	if (good(x, K_VRRP) && c->vrrp == CFG_VRRP_ON) {
		if (!given(x, K_VRID))
			err_at(x, x->ks[K_VRRP].line,
			       "[cluster] vrrp: \"on\" needs [vrrp] vrid");
		if (!given(x, K_KEY_FILE))
			err_at(x, x->ks[K_VRRP].line,
			       "[cluster] vrrp: \"on\" needs [status] key_file");
	}
	if (!good(x, K_VRRP_PEERS))
		return;
	for (i = 0; i < c->n_vrrp_peers; i++) {
		int fam = c->vrrp_peers[i].family;

		if (fam == AF_INET && !c->has_vip4 && !given(x, K_VIP4)) {
			err_at(x, x->ks[K_VRRP_PEERS].line,
			       "[vrrp] vrrp_peers: an IPv4 peer needs virtual_ip");
			return;
		}
		if (fam == AF_INET6 && !c->has_vip6 && !given(x, K_VIP6)) {
			err_at(x, x->ks[K_VRRP_PEERS].line,
			       "[vrrp] vrrp_peers: an IPv6 peer needs virtual_ip6");
			return;
		}
	}
}

static bool has_port(const uint16_t *ports, unsigned n, uint16_t port)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

static void check_redirect(struct ctx *x)
{
	struct config *c = x->c;
	unsigned i;

	bool ports_ok = !given(x, K_PORTS) || good(x, K_PORTS);

	if (!given(x, K_NATT_PORTS) && ports_ok) {
		c->n_natt_ports = 0;
		if (has_port(c->ports, c->n_ports, IKE_NATT_PORT))
			c->natt_ports[c->n_natt_ports++] = IKE_NATT_PORT;
	}
	if (good(x, K_NATT_PORTS) && ports_ok) {
		for (i = 0; i < c->n_natt_ports; i++) {
			if (!has_port(c->ports, c->n_ports, c->natt_ports[i])) {
				err_at(x, x->ks[K_NATT_PORTS].line,
				       "[redirect] natt_ports: %u is not in ports",
				       c->natt_ports[i]);
				break;
			}
		}
	}
	if (good(x, K_MODE) && c->mode == CFG_MODE_AUTH && !given(x, K_VICI))
		err_at(x, x->ks[K_MODE].line,
		       "[redirect] mode: \"auth\" needs vici (the strongSwan "
		       "vici socket path)");
}

static void check_status(struct ctx *x)
{
	struct config *c = x->c;

	if (!given(x, K_DEAD_AFTER)) {
		if (!given(x, K_STATUS_INTERVAL) || good(x, K_STATUS_INTERVAL))
			c->dead_after_ms = 3 * c->status_interval_ms;
	} else if (good(x, K_DEAD_AFTER) &&
		   (!given(x, K_STATUS_INTERVAL) || good(x, K_STATUS_INTERVAL)) &&
		   c->dead_after_ms <= c->status_interval_ms) {
		err_at(x, x->ks[K_DEAD_AFTER].line,
		       "[status] dead_after_ms: %u must be more than "
		       "status_interval_ms (%u)",
		       c->dead_after_ms, c->status_interval_ms);
	}
	if (given(x, K_STATUS_PEERS) && given(x, K_STATUS_GROUP))
		err_at(x, x->ks[K_STATUS_PEERS].line,
		       "[status] status_peers: use either status_peers or "
		       "status_group, not both");
	if (config_status_enabled(c) && (!given(x, K_PORTS) || good(x, K_PORTS)) &&
	    (good(x, K_STATUS_PORT) || !given(x, K_STATUS_PORT)) &&
	    has_port(c->ports, c->n_ports, c->status_port)) {
		if (given(x, K_STATUS_PORT))
			err_at(x, x->ks[K_STATUS_PORT].line,
			       "[status] status_port: %u is also in [redirect] "
			       "ports",
			       c->status_port);
		else
			err_at(x, x->ks[K_PORTS].line,
			       "[redirect] ports: %u is also the [status] "
			       "status_port",
			       c->status_port);
	}
}

static void check_gateway(struct ctx *x)
{
	const struct config *c = x->c;
	int hdr = x->section_line[SEC_GATEWAY];

	if (good(x, K_TUNNELS) && !given(x, K_KEY_FILE))
		err_at(x, x->ks[K_TUNNELS].line,
		       "[gateway] tunnels: needs [status] key_file (the status "
		       "protocol carries the count)");
	if (!hdr)
		return;
	if (!given(x, K_GW_ADDRESS))
		err_at(x, hdr, "[gateway] address is required");
	if (!given(x, K_GW_MAX_TUNNELS))
		err_at(x, hdr, "[gateway] max_tunnels is required");
	if (given(x, K_KEY_FILE) && !given(x, K_TUNNELS))
		err_at(x, hdr,
		       "[gateway] tunnels is required when [status] key_file "
		       "is set (vici:PATH, xfrm, file:PATH or static:N)");
	if (good(x, K_GW_ADDRESS) && good(x, K_GW_ADDRESS6) &&
	    c->gw_address.type == IKE_GW_ID_IPV6)
		err_at(x, x->ks[K_GW_ADDRESS6].line,
		       "[gateway] address6: not allowed when address is an "
		       "IPv6 address");
}

static void check_targets(struct ctx *x)
{
	const struct config *c = x->c;
	unsigned i;

	for (i = 0; i < c->n_targets; i++) {
		const struct cfg_target *t = &c->targets[i];
		const struct keystate *ks = x->tm[i].ks;

		if (!ks[TK_ADDRESS].line)
			err_at(x, t->line, "[target %s] address is required",
			       t->name);
		if (!ks[TK_MAX_TUNNELS].line)
			err_at(x, t->line, "[target %s] max_tunnels is required",
			       t->name);
		if (ks[TK_ADDRESS].line && !ks[TK_ADDRESS].bad &&
		    ks[TK_ADDRESS6].line && !ks[TK_ADDRESS6].bad &&
		    t->address.type == IKE_GW_ID_IPV6)
			err_at(x, ks[TK_ADDRESS6].line,
			       "[target %s] address6: not allowed when address "
			       "is an IPv6 address",
			       t->name);
	}
	if (!c->has_gateway && c->n_targets == 0 && !given(x, K_KEY_FILE) &&
	    !(good(x, K_VRRP) && c->vrrp == CFG_VRRP_ON))
		err_at(x, 1,
		       "no targets: add a [gateway] or [target NAME] section, "
		       "or set [status] key_file so that gateways report "
		       "themselves");
}

/* Where clients may be sent, with the key that says so. */
struct addr_ref {
	const struct cfg_gw_addr *a;
	char owner[CFG_NAME_MAX + 16];
	const char *key;
	int line;
};

static void addr_ref_add(struct addr_ref *refs, unsigned *n,
			 const struct cfg_gw_addr *a, const char *owner,
			 const char *key, const struct keystate *ks)
{
	if (!ks->line || ks->bad)
		return;
	refs[*n].a = a;
	snprintf(refs[*n].owner, sizeof(refs[*n].owner), "%s", owner);
	refs[*n].key = key;
	refs[*n].line = ks->line;
	(*n)++;
}

static const char *vip_name(const struct config *c, const struct cfg_gw_addr *a)
{
	if (a->type == IKE_GW_ID_IPV4 && c->has_vip4 &&
	    !memcmp(a->data, &c->vip4, 4))
		return "virtual_ip";
	if (a->type == IKE_GW_ID_IPV6 && c->has_vip6 &&
	    !memcmp(a->data, &c->vip6, 16))
		return "virtual_ip6";
	return NULL;
}

static void check_addresses(struct ctx *x)
{
	const struct config *c = x->c;
	struct addr_ref *refs;
	char owner[CFG_NAME_MAX + 16], buf[IKE_GW_ID_MAX_LEN + 1];
	unsigned n = 0, i, j;
	const char *vip;

	refs = calloc(2 * (c->n_targets + 1), sizeof(*refs));
	if (!refs) {
		x->oom = true;
		return;
	}
	addr_ref_add(refs, &n, &c->gw_address, "[gateway]", "address",
		     &x->ks[K_GW_ADDRESS]);
	addr_ref_add(refs, &n, &c->gw_address6, "[gateway]", "address6",
		     &x->ks[K_GW_ADDRESS6]);
	for (i = 0; i < c->n_targets; i++) {
		snprintf(owner, sizeof(owner), "[target %s]", c->targets[i].name);
		addr_ref_add(refs, &n, &c->targets[i].address, owner, "address",
			     &x->tm[i].ks[TK_ADDRESS]);
		addr_ref_add(refs, &n, &c->targets[i].address6, owner,
			     "address6", &x->tm[i].ks[TK_ADDRESS6]);
	}
	/* file order, so a duplicate is reported where it is repeated */
	for (i = 1; i < n; i++) {
		struct addr_ref r = refs[i];

		for (j = i; j > 0 && refs[j - 1].line > r.line; j--)
			refs[j] = refs[j - 1];
		refs[j] = r;
	}
	for (i = 0; i < n; i++) {
		cfg_gw_addr_str(refs[i].a, buf, sizeof(buf));
		vip = vip_name(c, refs[i].a);
		if (vip) {
			err_at(x, refs[i].line,
			       "%s %s: %s is the cluster's %s (a VIP is never "
			       "a target)",
			       refs[i].owner, refs[i].key, buf, vip);
			continue;
		}
		for (j = 0; j < i; j++) {
			if (gw_equal(refs[i].a, refs[j].a)) {
				err_at(x, refs[i].line,
				       "%s %s: %s is already the %s of %s "
				       "(line %d)",
				       refs[i].owner, refs[i].key, buf,
				       refs[j].key, refs[j].owner, refs[j].line);
				break;
			}
		}
	}
	free(refs);
}

static void validate(struct ctx *x)
{
	if (!x->content && x->errs->n == 0) {
		err_at(x, 1, "the file is empty (only comments and blank lines)");
		return;
	}
	check_cluster(x);
	check_vrrp(x);
	check_redirect(x);
	check_status(x);
	check_gateway(x);
	check_targets(x);
	check_addresses(x);
}

/* ---- API ------------------------------------------------------------------ */

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->vrrp = CFG_VRRP_OFF;
	c->xdp_mode = CFG_XDP_AUTO;
	c->priority = 100;
	c->advert_interval_ms = 1000;
	c->preempt = true;
	c->announce_count = 3;
	c->announce_interval_ms = 500;
	c->ports[0] = IKE_PORT;
	c->ports[1] = IKE_NATT_PORT;
	c->n_ports = 2;
	c->natt_ports[0] = IKE_NATT_PORT;
	c->n_natt_ports = 1;
	c->unsupported = IKELB_ACT_PASS;
	c->no_target = IKELB_ACT_PASS;
	c->policy = CFG_POLICY_LEAST_UTILIZATION;
	c->mode = CFG_MODE_INIT;
	c->auth_fallback = CFG_FALLBACK_PASS;
	c->status_group.family = AF_INET;
	c->status_group.v4.s_addr = htonl(0xefff4b01); /* 239.255.75.1 */
	c->status_port = 4510;
	c->status_interval_ms = 1000;
	c->dead_after_ms = 3000;
	c->tunnels = CFG_TUNNELS_NONE;
}

void config_free(struct config *c)
{
	free(c->targets);
	c->targets = NULL;
	c->n_targets = 0;
}

void cfg_errors_free(struct cfg_errors *errs)
{
	unsigned i;

	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
}

static int parse_buffer(const char *text, size_t len, const char *file,
			struct config *c, struct cfg_errors *errs)
{
	struct ctx x = {
		.c = c, .errs = errs, .file = file, .p = text, .end = text + len,
	};
	int r;

	r = ini_parse_stream(read_line, &x, on_key, &x);
	if (r > 0) /* cannot happen: the reader hands inih only clean lines */
		err_at(&x, r, "syntax error");
	else if (r < 0)
		x.oom = true;
	if (!x.oom)
		validate(&x);
	errs_sort(&x);
	free(x.err_lines);
	free(x.scratch);
	free(x.tm);
	if (errs->n || x.oom) {
		config_free(c);
		return -1;
	}
	return 0;
}

static void start(const char *file, struct config *c, struct cfg_errors *errs)
{
	config_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", file);
	errs->msg = NULL;
	errs->n = 0;
}

int config_parse_string(const char *text, const char *name, struct config *c,
			struct cfg_errors *errs)
{
	if (!name)
		name = "<string>";
	start(name, c, errs);
	return parse_buffer(text, strlen(text), name, c, errs);
}

int config_load(const char *path, struct config *c, struct cfg_errors *errs)
{
	struct ctx x = { .c = c, .errs = errs, .file = path };
	char *buf = NULL;
	size_t n = 0, got;
	FILE *f;
	int r = -1;

	start(path, c, errs);
	f = fopen(path, "re");
	if (!f) {
		err_at(&x, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	buf = malloc(CFG_MAX_FILE_SIZE + 1);
	if (!buf) {
		err_at(&x, 0, "out of memory");
		goto out;
	}
	while ((got = fread(buf + n, 1, CFG_MAX_FILE_SIZE + 1 - n, f)) > 0)
		n += got;
	if (ferror(f))
		err_at(&x, 0, "cannot read: %s", strerror(errno));
	else if (n > CFG_MAX_FILE_SIZE)
		err_at(&x, 0, "larger than %d bytes", CFG_MAX_FILE_SIZE);
	else
		r = parse_buffer(buf, n, path, c, errs);
out:
	free(x.err_lines);
	free(buf);
	if (f)
		fclose(f);
	return r;
}

/*
 * Only [cluster] name, read leniently: `status` and `drain` must reach the
 * daemon even while the file on disk has errors (e.g. a rejected reload).
 */
int config_cluster_name(const char *path, char *out, size_t len)
{
	char line[512], section[64] = "";
	FILE *f = fopen(path, "r");
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		char *p = line, *k, *v;

		p += strspn(p, " \t\r\n");
		if (*p == '[') {
			snprintf(section, sizeof(section), "%.*s", (int)strcspn(p + 1, "]"), p + 1);
			continue;
		}
		if (strcmp(section, "cluster") || !(v = strchr(p, '=')))
			continue;
		k = p;
		*v++ = 0;
		k[strcspn(k, " \t")] = 0;
		if (strcmp(k, "name"))
			continue;
		v += strspn(v, " \t");
		for (char *c = v; *c; c++) /* a comment starts after a blank */
			if ((*c == '#' || *c == ';') && (c == v || c[-1] == ' ' || c[-1] == '\t'))
				*c = 0;
		for (size_t n = strlen(v); n && strchr(" \t\r\n", v[n - 1]); n--)
			v[n - 1] = 0;
		if (!*v || strlen(v) > CFG_NAME_MAX || strspn(v, "abcdefghijklmnopqrstuvwxyz"
				"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(v))
			break;
		snprintf(out, len, "%s", v);
		found = 0;
	}
	fclose(f);
	return found;
}
