/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config file parser: tokens from config_lex.c, keys and their types
 * from the table in config_table.c.  Every problem is collected as
 * "FILE:LINE: message"; cross-field checks run after the whole file is
 * read, find the keys they relate by field offset, and name the line of
 * the offending key.
 */
#include "config/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_lex.h"
#include "config/config_table.h"

#define CFG_MAX_FILE_SIZE (1024 * 1024)
#define WHY_MAX 512 /* a value parser's message */

#define C(f) offsetof(struct config, f)
#define T(f) offsetof(struct cfg_target, f)
#define FLAG(base, off) ((bool *)((char *)(base) + (off)))

/* What the parser saw of one key. */
struct keystate {
	int line; /* 0: not given */
	bool bad; /* given, but its value was rejected */
};

struct ctx {
	struct config *c;
	struct cfg_errors *errs;
	int *err_lines; /* parallel to errs->msg, for sorting */
	const char *file;
	unsigned n_reported; /* errors reported, including dropped ones */
	bool oom;
	bool content; /* saw a header or a key */

	/* where we are: sec NULL before the first header and after a bad one */
	const struct cfg_section *sec;
	bool skip; /* after a bad header: its keys are not checked (no cascade) */
	unsigned target; /* with a named section */
	char label[CFG_NAME_MAX + 16]; /* "[cluster]", "[target gw2]" */

	int *section_line; /* per cfg_sections[] row: its first header's line */
	struct keystate *ks; /* per cfg_keys[] row: singleton sections */
	struct keystate *tks; /* cfg_n_keys per target */
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
		    asprintf(&msg, "%s:%d: too many errors, not reporting more", x->file, line) >= 0)
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

__attribute__((format(printf, 3, 4))) static void err_at(struct ctx *x, int line,
							  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(x, line, fmt, ap);
	va_end(ap);
}

/* ---- rows and their state ---------------------------------------------- */

static size_t row(const struct cfg_key *k)
{
	return (size_t)(k - cfg_keys);
}

static size_t section_row(const struct cfg_section *s)
{
	return (size_t)(s - cfg_sections);
}

static struct keystate *target_ks(const struct ctx *x, unsigned target)
{
	return &x->tks[(size_t)target * cfg_n_keys];
}

/* The state of the key at off in struct config; the row must exist. */
static const struct keystate *state_of(const struct ctx *x, size_t off)
{
	const struct cfg_key *k = cfg_key_at(off, false);

	if (!k)
		abort(); /* a check names a field no row stores: a bug here */
	return &x->ks[row(k)];
}

static const struct keystate *target_state_of(const struct ctx *x, unsigned target, size_t off)
{
	const struct cfg_key *k = cfg_key_at(off, true);

	if (!k)
		abort();
	return &target_ks(x, target)[row(k)];
}

static bool given(const struct ctx *x, size_t off)
{
	return state_of(x, off)->line != 0;
}

static bool good(const struct ctx *x, size_t off)
{
	return given(x, off) && !state_of(x, off)->bad;
}

static int line_of(const struct ctx *x, size_t off)
{
	return state_of(x, off)->line;
}

static int header_line(const struct ctx *x, const char *section)
{
	return x->section_line[section_row(cfg_section_find(section))];
}

static void apply_defaults(const char *section, void *base)
{
	char why[WHY_MAX];

	for (size_t i = 0; i < cfg_n_keys; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		/* a default the table's own type refuses is a bug in the table */
		if (k->def && !strcmp(k->section, section) &&
		    !k->type->parse(k, k->def, base, why, sizeof(why)))
			abort();
	}
}

/* ---- sections ---------------------------------------------------------- */

static bool add_target(struct ctx *x, const char *name, int line)
{
	struct config *c = x->c;
	struct cfg_target *t;

	if (c->n_targets == x->targets_cap) {
		unsigned cap = x->targets_cap ? x->targets_cap * 2 : 8;
		struct keystate *ks;

		t = realloc(c->targets, cap * sizeof(*t));
		if (!t)
			return false;
		c->targets = t;
		ks = realloc(x->tks, (size_t)cap * cfg_n_keys * sizeof(*ks));
		if (!ks)
			return false;
		x->tks = ks;
		x->targets_cap = cap;
	}
	x->target = c->n_targets++;
	t = &c->targets[x->target];
	memset(t, 0, sizeof(*t));
	memset(target_ks(x, x->target), 0, cfg_n_keys * sizeof(struct keystate));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->line = line;
	apply_defaults("target", t);
	return true;
}

static void named_header(struct ctx *x, const struct cfg_section *sec, const char *name,
			 int line)
{
	struct config *c = x->c;
	char q[CFG_QUOTE_BUF];
	unsigned i;

	if (!*name) {
		err_at(x, line, "section [%s] needs a name: [%s NAME]", sec->name, sec->name);
		return;
	}
	if (!cfg_valid_name(name)) {
		err_at(x, line,
		       "[%s NAME]: %s is not a valid name (1 to 32 characters from A-Z a-z "
		       "0-9 _ -)",
		       sec->name, cfg_quote(name, q, sizeof(q)));
		return;
	}
	for (i = 0; i < c->n_targets; i++) {
		if (!strcmp(c->targets[i].name, name)) {
			err_at(x, line, "duplicate section [%s %s] (first at line %d)", sec->name,
			       name, c->targets[i].line);
			return;
		}
	}
	if (c->n_targets == CFG_MAX_TARGETS) {
		err_at(x, line, "[%s %s]: more than %d targets", sec->name, name, CFG_MAX_TARGETS);
		return;
	}
	if (!add_target(x, name, line)) {
		x->oom = true;
		return;
	}
	x->sec = sec;
	x->skip = false;
	snprintf(x->label, sizeof(x->label), "[%s %s]", sec->name, name);
}

static void unknown_section(struct ctx *x, const char *word, int line)
{
	char list[256] = "", q[CFG_QUOTE_BUF];

	for (size_t i = 0; i < cfg_n_sections; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s%s",
			 !i ? "" : i + 1 == cfg_n_sections ? " or " : ", ", cfg_sections[i].name,
			 cfg_sections[i].named ? " NAME" : "");
	err_at(x, line, "unknown section [%s] (expected %s)", cfg_escape(word, q, sizeof(q)),
	       list);
}

static void on_section(struct ctx *x, const struct cfg_token *t)
{
	const struct cfg_section *sec = cfg_section_find(t->section);
	const char *shown = t->section;
	char q[CFG_QUOTE_BUF];
	size_t i;

	x->content = true;
	x->sec = NULL;
	x->skip = true;
	if (!sec && (sec = cfg_section_renamed(t->section))) {
		/* still read as the new section, so that renamed keys in it are
		 * named in the same run */
		err_at(x, t->line, "section [%s] is now called [%s]", t->section, sec->name);
	} else if (!sec) {
		unknown_section(x, t->section, t->line);
		return;
	} else {
		shown = sec->name;
	}
	if (sec->named) {
		named_header(x, sec, t->name, t->line);
		return;
	}
	if (*t->name) {
		err_at(x, t->line, "section [%s] takes no name, got %s", shown,
		       cfg_quote(t->name, q, sizeof(q)));
		return;
	}
	i = section_row(sec);
	if (x->section_line[i]) {
		err_at(x, t->line, "duplicate section [%s] (first at line %d)", sec->name,
		       x->section_line[i]);
		return;
	}
	x->section_line[i] = t->line;
	x->sec = sec;
	x->skip = false;
	snprintf(x->label, sizeof(x->label), "[%s]", shown);
	if (sec->off_present)
		*FLAG(x->c, sec->off_present) = true;
}

/* ---- keys -------------------------------------------------------------- */

static void on_key(struct ctx *x, const struct cfg_token *t)
{
	const struct cfg_key *k;
	struct keystate *ks;
	char q[CFG_QUOTE_BUF], why[WHY_MAX];
	void *base;

	x->content = true;
	if (x->skip)
		return;
	if (!x->sec) {
		err_at(x, t->line, "key %s is outside of any section",
		       cfg_quote(t->key, q, sizeof(q)));
		return;
	}
	k = cfg_key_find(x->sec->name, t->key);
	if (!k) {
		k = cfg_key_renamed(x->sec->name, t->key);
		if (k)
			err_at(x, t->line, "%s key %s is now called \"%s\"", x->label,
			       cfg_quote(t->key, q, sizeof(q)), k->name);
		else
			err_at(x, t->line, "%s unknown key %s", x->label,
			       cfg_quote(t->key, q, sizeof(q)));
		return;
	}
	if (x->sec->named) {
		ks = &target_ks(x, x->target)[row(k)];
		base = &x->c->targets[x->target];
	} else {
		ks = &x->ks[row(k)];
		base = x->c;
	}
	if (ks->line) {
		err_at(x, t->line, "%s duplicate key \"%s\" (first at line %d)", x->label, k->name,
		       ks->line);
		return;
	}
	ks->line = t->line;
	ks->bad = !k->type->parse(k, t->value, base, why, sizeof(why));
	if (ks->bad)
		err_at(x, t->line, "%s %s: %s", x->label, k->name, why);
	else if (k->off_given)
		*FLAG(base, k->off_given) = true;
}

/* ---- cross-field checks ------------------------------------------------ */

/* The keys a section's rows mark required, reported at its header. */
static void check_required(struct ctx *x, const char *section, const char *label, int hdr,
			   const struct keystate *ks)
{
	for (size_t i = 0; i < cfg_n_keys; i++)
		if (cfg_keys[i].required && !strcmp(cfg_keys[i].section, section) && !ks[i].line)
			err_at(x, hdr, "%s %s is required", label, cfg_keys[i].name);
}

static void check_cluster(struct ctx *x)
{
	int hdr = header_line(x, "cluster");

	if (!hdr) {
		err_at(x, 1, "[cluster] section is missing (name, interface and virtual_ip or "
			     "virtual_ip6 are required)");
		return;
	}
	check_required(x, "cluster", "[cluster]", hdr, x->ks);
	if (!given(x, C(vip4)) && !given(x, C(vip6)))
		err_at(x, hdr, "[cluster] virtual_ip or virtual_ip6 is required");
}

static void check_lifetime(struct ctx *x)
{
	struct config *c = x->c;
	uint32_t ms;

	if (given(x, C(vip_lifetime_ms))) {
		if (good(x, C(vip_lifetime_ms)) && c->vip_lifetime_ms &&
		    c->vip_lifetime_ms < CFG_VIP_LIFETIME_MIN_MS)
			err_at(x, line_of(x, C(vip_lifetime_ms)),
			       "[vrrp] vip_lifetime_ms: %u is neither 0 (forever) nor at least %u",
			       c->vip_lifetime_ms, CFG_VIP_LIFETIME_MIN_MS);
		return;
	}
	if (given(x, C(advert_interval_ms)) && !good(x, C(advert_interval_ms)))
		return;
	/* derived default: about when a backup takes over from a crashed
	 * master, in the kernel's whole seconds */
	ms = (3 * c->advert_interval_ms + 999) / 1000 * 1000;
	c->vip_lifetime_ms = ms < CFG_VIP_LIFETIME_MIN_MS ? CFG_VIP_LIFETIME_MIN_MS : ms;
}

static void check_vrrp(struct ctx *x)
{
	const struct config *c = x->c;
	unsigned i;

	if (good(x, C(vrrp)) && c->vrrp == CFG_VRRP_ON) {
		if (!given(x, C(vrid)))
			err_at(x, line_of(x, C(vrrp)), "[cluster] vrrp: \"on\" needs [vrrp] vrid");
		if (!given(x, C(key_file)))
			err_at(x, line_of(x, C(vrrp)),
			       "[cluster] vrrp: \"on\" needs [reports] key_file");
	}
	for (i = 0; good(x, C(vrrp_allow)) && i < c->n_vrrp_allow; i++) {
		const struct ip_addr *a = &c->vrrp_allow[i];
		char s[INET6_ADDRSTRLEN];

		if (a->family == AF_INET6 && !IN6_IS_ADDR_LINKLOCAL(&a->v6)) {
			err_at(x, line_of(x, C(vrrp_allow)),
			       "[vrrp] vrrp_allow: %s is not link-local (IPv6 adverts come from "
			       "link-local addresses, RFC 5798)",
			       ip_addr_str(a, s, sizeof(s)));
			break;
		}
	}
	check_lifetime(x);
	if (!good(x, C(vrrp_peers)))
		return;
	for (i = 0; i < c->n_vrrp_peers; i++) {
		int fam = c->vrrp_peers[i].family;

		if (fam == AF_INET && !c->has_vip4 && !given(x, C(vip4))) {
			err_at(x, line_of(x, C(vrrp_peers)),
			       "[vrrp] vrrp_peers: an IPv4 peer needs virtual_ip");
			return;
		}
		if (fam == AF_INET6 && !c->has_vip6 && !given(x, C(vip6))) {
			err_at(x, line_of(x, C(vrrp_peers)),
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

/* A bucket must hold what the rate brings within one tick of the program's
 * clock (CFG_MIN_BURST_DIV), or the rate is never reached. */
static void check_burst(struct ctx *x, size_t rate_off, size_t burst_off, const char *rate_key,
			const char *burst_key)
{
	uint32_t rate = *(const uint32_t *)((const char *)x->c + rate_off);
	uint32_t burst = *(const uint32_t *)((const char *)x->c + burst_off);
	uint32_t need = (rate + CFG_MIN_BURST_DIV - 1) / CFG_MIN_BURST_DIV;

	if ((given(x, rate_off) && !good(x, rate_off)) || (given(x, burst_off) && !good(x, burst_off)))
		return;
	if (rate && burst < need)
		err_at(x, line_of(x, given(x, burst_off) ? burst_off : rate_off),
		       "[redirect] %s: %u is less than %s / %d (%u): the XDP program's clock "
		       "moves a jiffy (up to 10 ms) at a time, and within one a bucket hands out "
		       "no more than its burst",
		       burst_key, burst, rate_key, CFG_MIN_BURST_DIV, need);
}

static void check_limits(struct ctx *x)
{
	struct config *c = x->c;

	/* derived default: one second's worth */
	if (!given(x, C(burst_total)) && (!given(x, C(rate_total)) || good(x, C(rate_total))))
		c->burst_total = c->rate_total ? c->rate_total : 1;
	check_burst(x, C(rate_per_source), C(burst_per_source), "rate_per_source",
		    "burst_per_source");
	check_burst(x, C(rate_total), C(burst_total), "rate_total", "burst_total");
}

static void check_redirect(struct ctx *x)
{
	struct config *c = x->c;
	bool ports_ok = !given(x, C(ports)) || good(x, C(ports));
	unsigned i;

	/* derived default: 4500 carries the non-ESP marker if it is a port */
	if (!given(x, C(natt_ports)) && ports_ok) {
		c->n_natt_ports = 0;
		if (has_port(c->ports, c->n_ports, IKE_NATT_PORT))
			c->natt_ports[c->n_natt_ports++] = IKE_NATT_PORT;
	}
	if (good(x, C(natt_ports)) && ports_ok) {
		for (i = 0; i < c->n_natt_ports; i++) {
			if (!has_port(c->ports, c->n_ports, c->natt_ports[i])) {
				err_at(x, line_of(x, C(natt_ports)),
				       "[redirect] natt_ports: %u is not in ports",
				       c->natt_ports[i]);
				break;
			}
		}
	}
	if (good(x, C(mode)) && c->mode == CFG_MODE_AUTH && !given(x, C(vici)))
		err_at(x, line_of(x, C(mode)),
		       "[redirect] mode: \"auth\" needs vici (the strongSwan vici socket path)");
	check_limits(x);
}

static void check_reports(struct ctx *x)
{
	struct config *c = x->c;
	bool interval_ok = !given(x, C(reports_interval_ms)) || good(x, C(reports_interval_ms));
	bool port_ok = !given(x, C(reports_port)) || good(x, C(reports_port));

	/* derived default: three intervals */
	if (!given(x, C(dead_after_ms))) {
		if (interval_ok)
			c->dead_after_ms = 3 * c->reports_interval_ms;
	} else if (good(x, C(dead_after_ms)) && interval_ok &&
		   c->dead_after_ms <= c->reports_interval_ms) {
		err_at(x, line_of(x, C(dead_after_ms)),
		       "[reports] dead_after_ms: %u must be more than interval_ms (%u)",
		       c->dead_after_ms, c->reports_interval_ms);
	}
	if (given(x, C(key_file_previous)) && !given(x, C(key_file)))
		err_at(x, line_of(x, C(key_file_previous)),
		       "[reports] key_file_previous: needs key_file");
	if (given(x, C(reports_peers)) && given(x, C(reports_group)))
		err_at(x, line_of(x, C(reports_peers)),
		       "[reports] peers: use either peers or group, not both");
	if (config_reports_enabled(c) && (!given(x, C(ports)) || good(x, C(ports))) && port_ok &&
	    has_port(c->ports, c->n_ports, c->reports_port)) {
		if (given(x, C(reports_port)))
			err_at(x, line_of(x, C(reports_port)),
			       "[reports] port: %u is also in [redirect] ports", c->reports_port);
		else
			err_at(x, line_of(x, C(ports)),
			       "[redirect] ports: %u is also the [reports] port", c->reports_port);
	}
}

static void check_gateway(struct ctx *x)
{
	const struct config *c = x->c;
	int hdr = header_line(x, "gateway");

	if (good(x, C(tunnels)) && !given(x, C(key_file)))
		err_at(x, line_of(x, C(tunnels)),
		       "[gateway] tunnels: needs [reports] key_file (load reports carry the "
		       "count)");
	if (!hdr)
		return;
	check_required(x, "gateway", "[gateway]", hdr, x->ks);
	if (given(x, C(key_file)) && !given(x, C(tunnels)))
		err_at(x, hdr,
		       "[gateway] tunnels is required when [reports] key_file is set (vici:PATH, "
		       "xfrm, file:PATH or static:N)");
	if (good(x, C(gw_address)) && good(x, C(gw_address6)) &&
	    c->gw_address.type == IKE_GW_ID_IPV6)
		err_at(x, line_of(x, C(gw_address6)),
		       "[gateway] address6: not allowed when address is an IPv6 address");
	/* clients are moved by asking charon over VICI (ike/migrate.h) */
	if (good(x, C(drain_migrate)) && c->drain_migrate &&
	    (!given(x, C(tunnels)) || (good(x, C(tunnels)) && c->tunnels != CFG_TUNNELS_VICI)))
		err_at(x, line_of(x, C(drain_migrate)),
		       "[gateway] drain_migrate: needs tunnels = vici:PATH (clients are moved "
		       "by asking strongSwan over VICI)");
}

static void check_targets(struct ctx *x)
{
	const struct config *c = x->c;
	char label[CFG_NAME_MAX + 16];
	unsigned i;

	for (i = 0; i < c->n_targets; i++) {
		const struct cfg_target *t = &c->targets[i];
		const struct keystate *a = target_state_of(x, i, T(address));
		const struct keystate *a6 = target_state_of(x, i, T(address6));

		snprintf(label, sizeof(label), "[target %s]", t->name);
		check_required(x, "target", label, t->line, target_ks(x, i));
		if (a->line && !a->bad && a6->line && !a6->bad && t->address.type == IKE_GW_ID_IPV6)
			err_at(x, a6->line,
			       "%s address6: not allowed when address is an IPv6 address", label);
	}
	if (!c->has_gateway && c->n_targets == 0 && !given(x, C(key_file)) &&
	    !(good(x, C(vrrp)) && c->vrrp == CFG_VRRP_ON))
		err_at(x, 1,
		       "no targets: add a [gateway] or [target NAME] section, or set [reports] "
		       "key_file so that gateways report themselves");
}

/* Where clients may be sent, with the key that says so. */
struct addr_ref {
	const struct cfg_gw_addr *a;
	char owner[CFG_NAME_MAX + 16];
	const char *key;
	int line;
};

static void addr_ref_add(struct addr_ref *refs, unsigned *n, const struct cfg_gw_addr *a,
			 const char *owner, const char *key, const struct keystate *ks)
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
	if (a->type == IKE_GW_ID_IPV4 && c->has_vip4 && !memcmp(a->data, &c->vip4, 4))
		return "virtual_ip";
	if (a->type == IKE_GW_ID_IPV6 && c->has_vip6 && !memcmp(a->data, &c->vip6, 16))
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
		     state_of(x, C(gw_address)));
	addr_ref_add(refs, &n, &c->gw_address6, "[gateway]", "address6",
		     state_of(x, C(gw_address6)));
	for (i = 0; i < c->n_targets; i++) {
		snprintf(owner, sizeof(owner), "[target %s]", c->targets[i].name);
		addr_ref_add(refs, &n, &c->targets[i].address, owner, "address",
			     target_state_of(x, i, T(address)));
		addr_ref_add(refs, &n, &c->targets[i].address6, owner, "address6",
			     target_state_of(x, i, T(address6)));
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
			       "%s %s: %s is the cluster's %s (a VIP is never a target)",
			       refs[i].owner, refs[i].key, buf, vip);
			continue;
		}
		for (j = 0; j < i; j++) {
			if (cfg_gw_addr_equal(refs[i].a, refs[j].a)) {
				err_at(x, refs[i].line, "%s %s: %s is already the %s of %s (line %d)",
				       refs[i].owner, refs[i].key, buf, refs[j].key, refs[j].owner,
				       refs[j].line);
				break;
			}
		}
	}
	free(refs);
}

/*
 * Steering: every label names one gateway (the master would otherwise send
 * one gateway's SAs to another); a MAC is only of use with a label; auth
 * mode has charon at the VIP, not the XDP program.
 */
static void check_steering(struct ctx *x)
{
	const struct config *c = x->c;
	unsigned i, j;

	if (good(x, C(unsupported)) && c->unsupported == IKELB_ACT_STEER &&
	    good(x, C(mode)) && c->mode == CFG_MODE_AUTH)
		err_at(x, line_of(x, C(unsupported)),
		       "[redirect] unsupported: \"steer\" needs mode = init (in auth mode charon "
		       "terminates IKE at the VIP)");
	for (i = 0; i < c->n_targets; i++) {
		const struct cfg_target *t = &c->targets[i];
		const struct keystate *ls = target_state_of(x, i, T(steer_label));
		const struct keystate *ms = target_state_of(x, i, T(mac));

		if (ms->line && !ms->bad && !ls->line)
			err_at(x, ms->line, "[target %s] mac: needs steer_label (a MAC is only used "
					    "to steer to the target)", t->name);
		if (!ls->line || ls->bad)
			continue;
		if (good(x, C(gw_steer_label)) && c->gw_steer_label == t->steer_label) {
			err_at(x, ls->line, "[target %s] steer_label: %u is already the [gateway]'s "
					    "(line %d)", t->name, t->steer_label,
			       line_of(x, C(gw_steer_label)));
			continue;
		}
		for (j = 0; j < i; j++) {
			const struct keystate *o = target_state_of(x, j, T(steer_label));

			if (o->line && !o->bad && c->targets[j].steer_label == t->steer_label) {
				err_at(x, ls->line, "[target %s] steer_label: %u is already the one of "
						    "[target %s] (line %d)", t->name, t->steer_label,
				       c->targets[j].name, o->line);
				break;
			}
		}
	}
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
	check_reports(x);
	check_gateway(x);
	check_targets(x);
	check_addresses(x);
	check_steering(x);
}

/* ---- API ------------------------------------------------------------------ */

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < cfg_n_sections; i++)
		if (!cfg_sections[i].named)
			apply_defaults(cfg_sections[i].name, c);
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

bool config_reports_enabled(const struct config *c)
{
	return c->key_file[0] != '\0';
}

bool config_steering(const struct config *c)
{
	return c->unsupported == IKELB_ACT_STEER && c->mode == CFG_MODE_INIT;
}

const char *config_reload_refusal(const struct config *running, const struct config *next)
{
	for (size_t i = 0; i < cfg_n_keys; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (k->reload == CFG_LIVE || cfg_section_find(k->section)->named)
			continue;
		if (k->off_given && *FLAG(running, k->off_given) != *FLAG(next, k->off_given))
			return k->label;
		if (k->reload == CFG_RESTART && !k->type->same(k, running, next))
			return k->label;
	}
	return NULL;
}

static int parse_buffer(const char *text, size_t len, const char *file, struct config *c,
			struct cfg_errors *errs)
{
	struct ctx x = { .c = c, .errs = errs, .file = file };
	struct cfg_lexer lx;
	struct cfg_token t;

	x.section_line = calloc(cfg_n_sections, sizeof(*x.section_line));
	x.ks = calloc(cfg_n_keys, sizeof(*x.ks));
	x.oom = !x.section_line || !x.ks;
	cfg_lexer_init(&lx, text, len);
	while (!x.oom && cfg_lexer_next(&lx, &t) != CFG_TOK_END) {
		if (t.kind == CFG_TOK_SECTION) {
			on_section(&x, &t);
		} else if (t.kind == CFG_TOK_KEY) {
			on_key(&x, &t);
		} else {
			x.content = true;
			if (t.header) {
				x.sec = NULL;
				x.skip = true;
			}
			err_at(&x, t.line, "%s", t.error);
		}
	}
	x.oom = x.oom || lx.oom;
	cfg_lexer_free(&lx);
	if (!x.oom)
		validate(&x);
	errs_sort(&x);
	free(x.err_lines);
	free(x.section_line);
	free(x.ks);
	free(x.tks);
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

/* The whole file in a new buffer; 0, or -1 with the reason in err. */
static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t n = 0, got;
	FILE *f;
	int rc = -1;

	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	buf = malloc(CFG_MAX_FILE_SIZE + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while ((got = fread(buf + n, 1, CFG_MAX_FILE_SIZE + 1 - n, f)) > 0)
		n += got;
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
	} else if (n > CFG_MAX_FILE_SIZE) {
		snprintf(err, errlen, "larger than %d bytes", CFG_MAX_FILE_SIZE);
	} else {
		*out = buf;
		*len = n;
		buf = NULL;
		rc = 0;
	}
out:
	free(buf);
	fclose(f);
	return rc;
}

int config_load(const char *path, struct config *c, struct cfg_errors *errs)
{
	struct ctx x = { .c = c, .errs = errs, .file = path };
	char *buf = NULL, err[256];
	size_t n = 0;
	int r;

	start(path, c, errs);
	if (read_file(path, &buf, &n, err, sizeof(err))) {
		err_at(&x, 0, "%s", err);
		free(x.err_lines);
		return -1;
	}
	r = parse_buffer(buf, n, path, c, errs);
	free(buf);
	return r;
}

/*
 * Only [cluster] name, read leniently: `status` and `drain` must reach the
 * daemon even while the file on disk has errors (e.g. a rejected reload).
 */
int config_cluster_name(const char *path, char *out, size_t len)
{
	struct cfg_lexer lx;
	struct cfg_token t;
	char *buf, err[256];
	size_t n;
	int found = -1;

	if (read_file(path, &buf, &n, err, sizeof(err)))
		return -1;
	cfg_lexer_init(&lx, buf, n);
	while (cfg_lexer_next(&lx, &t) != CFG_TOK_END) {
		if (t.kind != CFG_TOK_KEY || strcmp(t.section, "cluster") || *t.name ||
		    strcmp(t.key, "name"))
			continue;
		if (cfg_valid_name(t.value)) {
			snprintf(out, len, "%s", t.value);
			found = 0;
		}
		break;
	}
	cfg_lexer_free(&lx);
	free(buf);
	return found;
}
