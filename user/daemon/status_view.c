// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The status view: see status_view.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/log.h"
#include "base/loop.h"
#include "cluster/cluster.h"
#include "cluster/migration.h"
#include "cluster/rebalance.h"
#include "cluster/reports.h"
#include "cluster/steering.h"
#include "daemon/drain.h"
#include "daemon/status_view.h"
#include "dataplane/cookies.h"
#include "dataplane/dataplane.h"
#include "dataplane/role.h"
#include "dataplane/top_sources.h"
#include "dataplane/xdp.h"
#include "ike/authmode.h"
#include "ike/migrate.h"
#include "vrrp/election.h"

#define STATUS_SCHEMA 2 /* 2: "status_protocol" is "reports" */

static const char *const counter_names[] = IKELB_COUNTER_NAMES;

static const char *vrrp_mode(const struct config *c)
{
	return c->vrrp == CFG_VRRP_ON ? "on" : c->vrrp == CFG_VRRP_EXTERNAL ? "external" : "off";
}

static const char *kind_name(enum pool_kind k)
{
	return k == POOL_SELF ? "self" : k == POOL_STATIC ? "static" : "member";
}

static void fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!t) {
		snprintf(buf, len, "-");
		return;
	}
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static double util_of(const struct pool_entry *e)
{
	return e->max_tunnels ? (double)e->tunnels / (double)e->max_tunnels : 0;
}

/* A ten-cell bar of the utilisation: [######....] */
static void load_bar(double u, char *buf)
{
	int n = (int)(u * 10 + 0.5);

	n = n < 0 ? 0 : n > 10 ? 10 : n;
	buf[0] = '[';
	for (int i = 0; i < 10; i++)
		buf[1 + i] = i < n ? '#' : '.';
	buf[11] = ']';
	buf[12] = 0;
}

static bool master_of(const struct status_sources *s, int fam, struct ip_addr *m,
		      unsigned *prio)
{
	return s->election && election_master(s->election, fam, m, prio);
}

static void text_roles(const struct status_sources *s, FILE *out)
{
	char ip[INET6_ADDRSTRLEN], since[32], ms[INET6_ADDRSTRLEN];
	struct ip_addr m;
	unsigned prio;

	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		const struct vip_state *v = role_vip(s->role, fam);

		if (!v->configured)
			continue;
		fmt_time(v->since, since, sizeof(since));
		fprintf(out, "VIP %-22s %-6s since %s (%s)", ip_addr_str(&v->ip, ip, sizeof(ip)),
			role_name(v->role), since, v->reason[0] ? v->reason : "-");
		if (master_of(s, fam, &m, &prio))
			fprintf(out, ", master %s priority %u", ip_addr_str(&m, ms, sizeof(ms)), prio);
		fputc('\n', out);
	}
}

static void text_targets(const struct status_sources *s, FILE *out)
{
	const struct pool_entry *p;
	unsigned n = cluster_pool(s->cluster, &p);
	char bar[16], tun[24], age[24];

	fprintf(out, "\n%-16s %-7s %-24s %-9s %8s %8s %6s %-12s %6s %10s %8s\n", "TARGET",
		"KIND", "ADDRESS", "STATE", "TUNNELS", "MAX", "UTIL", "LOAD", "SLOTS",
		"REDIRECTS", "AGE");
	for (unsigned i = 0; i < n; i++) {
		const struct pool_entry *e = &p[i];

		load_bar(e->has_load ? util_of(e) : e->est_util, bar);
		snprintf(tun, sizeof(tun), e->has_load ? "%llu" : "-",
			 (unsigned long long)e->tunnels);
		snprintf(age, sizeof(age), e->age_ms >= 0 ? "%.1fs" : "-", e->age_ms / 1000.0);
		fprintf(out, "%-16s %-7s %-24s %-9s %8s %8llu %5.1f%% %-12s %6u %10llu %8s\n",
			e->name, kind_name(e->kind), e->address, pool_state_name(e->state), tun,
			(unsigned long long)e->max_tunnels,
			100.0 * (e->has_load ? util_of(e) : e->est_util), bar,
			e->slots[0] + e->slots[1], (unsigned long long)e->redirects, age);
		if (e->reason[0])
			fprintf(out, "%-16s   reason: %s\n", "", e->reason);
	}
	if (!n)
		fprintf(out, "(no targets)\n");
}

static void fmt_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Steering: each labelled target, where its label's packets go, and why a
 * target is not steered to. */
static void text_steering(const struct status_sources *s, FILE *out)
{
	const struct pool_entry *p;
	unsigned n = cluster_pool(s->cluster, &p);
	char mac[24];

	fprintf(out, "\nsteering %s\n%-16s %5s %-17s %-7s %s\n",
		config_steering(s->cfg) ? "on (unsupported = steer)" : "off", "TARGET", "LABEL",
		"MAC", "STEER", "REASON");
	for (unsigned i = 0; i < n; i++) {
		const struct pool_entry *e = &p[i];
		char label[8] = "-";

		if (e->steer_label)
			snprintf(label, sizeof(label), "%u", e->steer_label);
		if (e->has_mac)
			fmt_mac(e->mac, mac, sizeof(mac));
		else
			snprintf(mac, sizeof(mac), "-");
		fprintf(out, "%-16s %5s %-17s %-7s %s\n", e->name, label, mac,
			steering_state_name(e->steer), e->steer_why[0] ? e->steer_why : "-");
	}
}

static bool xdp_attached_now(const struct status_sources *s)
{
	return s->dp->ops->attached(s->dp->ctx);
}

static int read_counters(const struct status_sources *s, uint64_t c[IKELB_CNT_MAX])
{
	return s->xdp ? xdp_read_counters(s->xdp, c) : -1;
}

static void text_counters(const struct status_sources *s, FILE *out)
{
	uint64_t c[IKELB_CNT_MAX];

	if (read_counters(s, c))
		return;
	fprintf(out, "\nXDP counters:\n");
	for (int i = 0; i < IKELB_CNT_MAX; i++)
		fprintf(out, "  %-22s %12llu\n", counter_names[i], (unsigned long long)c[i]);
}

static void text_rate(FILE *out, uint32_t rate, uint32_t burst)
{
	if (rate)
		fprintf(out, "%u/s, burst %u", rate, burst);
	else
		fprintf(out, "none");
}

/* The answer limits and cookies, and the sources held back most often. */
static void text_defence(const struct status_sources *s, FILE *out)
{
	const struct config *c = s->cfg;
	uint64_t cnt[IKELB_CNT_MAX];
	struct top_sources_view tv;
	struct cookies_view kv;
	char since[32], rotated[32], src[64];

	if (read_counters(s, cnt))
		memset(cnt, 0, sizeof(cnt));
	fprintf(out, "\nAnswer limits: per source ");
	text_rate(out, c->rate_per_source, c->burst_per_source);
	fprintf(out, "; node ");
	text_rate(out, c->rate_total, c->burst_total);
	fprintf(out, "; tagged frames %s\n", c->answer_tagged ? "answered" : "passed");
	fprintf(out, "  dropped over the limit: %llu (source), %llu (node)\n",
		(unsigned long long)cnt[IKELB_CNT_DROP_RATE_SOURCE],
		(unsigned long long)cnt[IKELB_CNT_DROP_RATE_TOTAL]);
	if (s->cookies) {
		cookies_view(s->cookies, &kv);
		fmt_time(kv.since, since, sizeof(since));
		fmt_time(kv.rotated, rotated, sizeof(rotated));
		fprintf(out, "Cookies: %s%s since %s (%llu new requests/s, threshold %u)\n",
			kv.setting == CFG_COOKIES_AUTO ? "auto: " : "", kv.on ? "on" : "off", since,
			(unsigned long long)kv.rate, kv.threshold);
		fprintf(out, "  secret version %u, new every %.0f s, last %s\n", kv.version,
			kv.rotation_ms / 1000.0, rotated);
	}
	fprintf(out, "  requests %llu, cookies sent %llu, valid %llu, invalid %llu\n",
		(unsigned long long)cnt[IKELB_CNT_REQUESTS],
		(unsigned long long)cnt[IKELB_CNT_COOKIE_SENT],
		(unsigned long long)cnt[IKELB_CNT_COOKIE_VALID],
		(unsigned long long)cnt[IKELB_CNT_COOKIE_INVALID]);
	if (!s->top_sources)
		return;
	top_sources_view(s->top_sources, &tv);
	if (tv.age_ms < 0) {
		fprintf(out, "Sources limited most often: none\n");
		return;
	}
	fprintf(out, "Sources limited most often (of %u in the map %.1f s ago):\n", tv.seen,
		tv.age_ms / 1000.0);
	for (unsigned i = 0; i < tv.n; i++)
		fprintf(out, "  %-42s %12llu\n", top_source_str(&tv.top[i].key, src, sizeof(src)),
			(unsigned long long)tv.top[i].limited);
	if (!tv.n)
		fprintf(out, "  (none)\n");
}

static void text_rebalance(const struct status_sources *s, FILE *out)
{
	const struct config *c = s->cfg;
	const struct rebalance *rb = s->rebalance;

	if (!c->rebalance) {
		fprintf(out, "rebalance off\n");
		return;
	}
	fprintf(out, "rebalance on (threshold %u points, hold %u ms): %s", c->rebalance_threshold,
		c->rebalance_hold_ms, rebalance_phase_name(rb->phase));
	if (rb->known)
		fprintf(out, ", this gateway at %.1f%%, cluster mean %.1f%%", 100 * rb->level,
			100 * rb->mean);
	if (rb->phase == REBALANCE_MOVING)
		fprintf(out, ", %u clients above", rb->excess);
	fputc('\n', out);
}

static void text_migration(const struct status_sources *s, FILE *out)
{
	if (!s->migrate)
		return;
	migrate_text(s->migrate, out);
	if (s->rebalance)
		text_rebalance(s, out);
	if (s->migration)
		migration_text(s->migration, out);
}

void status_view_text(const struct status_sources *s, FILE *out)
{
	const struct config *c = s->cfg;

	fprintf(out, "cluster %s  interface %s  vrrp %s  mode %s  policy %s%s\n", c->name,
		c->interface, vrrp_mode(c), c->mode == CFG_MODE_AUTH ? "auth" : "init",
		cfg_policy_name(c->policy), s->drain->on ? "  DRAINING" : "");
	if (s->drain->on || !s->drain->saved) {
		char since[32];

		fmt_time(s->drain->since, since, sizeof(since));
		fprintf(out, "drain %s since %s (%s)%s%s\n", s->drain->on ? "on" : "off", since,
			s->drain->reason[0] ? s->drain->reason : "-",
			s->drain->saved ? "" : "; NOT SAVED: ", s->drain->saved ? "" : s->drain->error);
	}
	if (xdp_attached_now(s) && s->xdp)
		fprintf(out, "XDP attached, %s mode, program id %u\n", s->xdp->mode, s->xdp->prog_id);
	else if (xdp_attached_now(s))
		fprintf(out, "XDP attached\n");
	else
		fprintf(out, "XDP not attached\n");
	text_roles(s, out);
	if (s->election)
		election_text(s->election, out);
	text_targets(s, out);
	text_steering(s, out);
	reports_text(s->reports, out);
	if (s->authmode)
		authmode_text(s->authmode, out);
	text_migration(s, out);
	text_defence(s, out);
	text_counters(s, out);
	if (s->loop) {
		fputc('\n', out);
		loop_stats_text(loop_stats(s->loop), out);
	}
}

static void jadd(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static json_object *jstr(const char *s)
{
	return json_object_new_string(s);
}

static json_object *json_vips(const struct status_sources *s)
{
	json_object *a = json_object_new_array();
	char ip[INET6_ADDRSTRLEN];

	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		const struct vip_state *v = role_vip(s->role, fam);
		struct ip_addr m;
		unsigned prio;
		bool known = master_of(s, fam, &m, &prio);
		json_object *o;

		if (!v->configured)
			continue;
		o = json_object_new_object();
		jadd(o, "address", jstr(ip_addr_str(&v->ip, ip, sizeof(ip))));
		jadd(o, "family", jstr(fam == IKELB_FAM_V6 ? "ipv6" : "ipv4"));
		jadd(o, "role", jstr(v->role == ROLE_MASTER ? "master" : "backup"));
		jadd(o, "since", json_object_new_int64(v->since));
		jadd(o, "reason", jstr(v->reason));
		jadd(o, "transitions", json_object_new_uint64(v->transitions));
		jadd(o, "master", known ? jstr(ip_addr_str(&m, ip, sizeof(ip))) : NULL);
		jadd(o, "master_priority", known ? json_object_new_int64(prio) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

/* A ratio printed with 4 decimals, not json-c's 17 significant digits. */
static json_object *jratio(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.4f", v);
	return json_object_new_double_s(v, buf);
}

static json_object *json_targets(const struct status_sources *s)
{
	json_object *a = json_object_new_array();
	const struct pool_entry *p;
	unsigned n = cluster_pool(s->cluster, &p);

	for (unsigned i = 0; i < n; i++) {
		const struct pool_entry *e = &p[i];
		json_object *o = json_object_new_object();
		char mac[24];

		jadd(o, "name", jstr(e->name));
		jadd(o, "kind", jstr(kind_name(e->kind)));
		jadd(o, "address", jstr(e->address));
		jadd(o, "index", json_object_new_int(e->idx));
		jadd(o, "state", jstr(pool_state_name(e->state)));
		jadd(o, "reason", e->reason[0] ? jstr(e->reason) : NULL);
		jadd(o, "tunnels", e->has_load ? json_object_new_uint64(e->tunnels) : NULL);
		jadd(o, "max_tunnels", json_object_new_uint64(e->max_tunnels));
		jadd(o, "utilization", jratio(e->has_load ? util_of(e) : e->est_util));
		jadd(o, "report_age_ms", e->age_ms >= 0 ? json_object_new_int64(e->age_ms) : NULL);
		jadd(o, "redirects", json_object_new_uint64(e->redirects));
		jadd(o, "redirects_since_report", json_object_new_uint64(e->redirects_since_report));
		jadd(o, "migrations", json_object_new_uint64(e->migrations));
		jadd(o, "slots_ipv4", json_object_new_int(e->slots[0]));
		jadd(o, "slots_ipv6", json_object_new_int(e->slots[1]));
		jadd(o, "steer_label", e->steer_label ? json_object_new_int(e->steer_label) : NULL);
		if (e->has_mac)
			fmt_mac(e->mac, mac, sizeof(mac));
		jadd(o, "mac", e->has_mac ? jstr(mac) : NULL);
		jadd(o, "steer", jstr(steering_state_name(e->steer)));
		jadd(o, "steer_reason", e->steer_why[0] ? jstr(e->steer_why) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *json_rebalance(const struct status_sources *s)
{
	const struct config *c = s->cfg;
	const struct rebalance *rb = s->rebalance;
	json_object *o = json_object_new_object();

	jadd(o, "enabled", json_object_new_boolean(c->rebalance));
	jadd(o, "threshold", json_object_new_int64(c->rebalance_threshold));
	jadd(o, "hold_ms", json_object_new_int64(c->rebalance_hold_ms));
	jadd(o, "phase", jstr(rebalance_phase_name(rb->phase)));
	jadd(o, "mean", rb->known ? jratio(rb->mean) : NULL);
	jadd(o, "level", rb->known ? jratio(rb->level) : NULL);
	jadd(o, "excess", json_object_new_int64(rb->excess));
	return o;
}

static json_object *json_migration(const struct status_sources *s)
{
	json_object *o;

	if (!s->migrate)
		return NULL;
	o = migrate_json(s->migrate);
	if (s->rebalance)
		jadd(o, "rebalance", json_rebalance(s));
	if (s->migration)
		jadd(o, "messages", migration_json(s->migration));
	return o;
}

static json_object *json_counters(const struct status_sources *s)
{
	json_object *o = json_object_new_object();
	uint64_t c[IKELB_CNT_MAX];

	if (read_counters(s, c))
		memset(c, 0, sizeof(c));
	for (int i = 0; i < IKELB_CNT_MAX; i++)
		jadd(o, counter_names[i], json_object_new_uint64(c[i]));
	return o;
}

static json_object *json_limits(const struct status_sources *s)
{
	const struct config *c = s->cfg;
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	struct top_sources_view tv = { .age_ms = -1 };
	char src[64];

	jadd(o, "rate_per_source", json_object_new_uint64(c->rate_per_source));
	jadd(o, "burst_per_source", json_object_new_uint64(c->burst_per_source));
	jadd(o, "rate_total", json_object_new_uint64(c->rate_total));
	jadd(o, "burst_total", json_object_new_uint64(c->burst_total));
	jadd(o, "answer_tagged", json_object_new_boolean(c->answer_tagged));
	if (s->top_sources)
		top_sources_view(s->top_sources, &tv);
	for (unsigned i = 0; i < tv.n; i++) {
		json_object *e = json_object_new_object();
		bool v6 = tv.top[i].key.family == IKELB_FAM_V6;

		jadd(e, "source", jstr(top_source_str(&tv.top[i].key, src, sizeof(src))));
		jadd(e, "family", jstr(v6 ? "ipv6" : "ipv4"));
		jadd(e, "prefix_len", json_object_new_int(v6 ? 64 : 32));
		jadd(e, "limited", json_object_new_uint64(tv.top[i].limited));
		json_object_array_add(a, e);
	}
	jadd(o, "limited_sources", a);
	jadd(o, "limited_sources_age_ms", tv.age_ms >= 0 ? json_object_new_int64(tv.age_ms) : NULL);
	jadd(o, "sources_seen", tv.age_ms >= 0 ? json_object_new_uint64(tv.seen) : NULL);
	return o;
}

static json_object *json_cookies(const struct status_sources *s)
{
	json_object *o = json_object_new_object();
	struct cookies_view kv;

	if (!s->cookies)
		return NULL;
	cookies_view(s->cookies, &kv);
	jadd(o, "setting", jstr(cookies_setting_name(kv.setting)));
	jadd(o, "state", jstr(kv.on ? "on" : "off"));
	jadd(o, "since", json_object_new_int64(kv.since));
	jadd(o, "switches", json_object_new_uint64(kv.switches));
	jadd(o, "new_requests_per_s", json_object_new_uint64(kv.rate));
	jadd(o, "threshold", json_object_new_uint64(kv.threshold));
	jadd(o, "secret_version", json_object_new_int(kv.version));
	jadd(o, "rotation_ms", json_object_new_uint64(kv.rotation_ms));
	jadd(o, "rotated", json_object_new_int64(kv.rotated));
	jadd(o, "rotations", json_object_new_uint64(kv.rotations));
	jadd(o, "rotation_failures", json_object_new_uint64(kv.rotation_failures));
	return o;
}

static json_object *json_drain(const struct drain *d)
{
	json_object *o = json_object_new_object();

	jadd(o, "on", json_object_new_boolean(d->on));
	jadd(o, "since", d->since ? json_object_new_int64(d->since) : NULL);
	jadd(o, "reason", d->reason[0] ? jstr(d->reason) : NULL);
	jadd(o, "state_file", jstr(d->path));
	jadd(o, "saved", json_object_new_boolean(d->saved));
	jadd(o, "error", d->saved ? NULL : jstr(d->error));
	return o;
}

struct json_object *status_view_snapshot(const struct status_sources *s)
{
	const struct config *c = s->cfg;
	json_object *o = json_object_new_object(), *x = json_object_new_object();
	bool attached = xdp_attached_now(s), details = attached && s->xdp;

	jadd(o, "schema", json_object_new_int(STATUS_SCHEMA));
	jadd(o, "version", jstr(IKELB_VERSION));
	jadd(o, "cluster", jstr(c->name));
	jadd(o, "interface", jstr(c->interface));
	jadd(o, "vrrp", jstr(vrrp_mode(c)));
	jadd(o, "mode", jstr(c->mode == CFG_MODE_AUTH ? "auth" : "init"));
	jadd(o, "policy", jstr(cfg_policy_name(c->policy)));
	jadd(o, "draining", json_object_new_boolean(s->drain->on));
	jadd(o, "drain", json_drain(s->drain));
	jadd(o, "steering", json_object_new_boolean(config_steering(c)));
	jadd(o, "started", json_object_new_int64(s->started));
	jadd(o, "reloads", json_object_new_uint64(s->reloads));
	jadd(o, "reload_failures", json_object_new_uint64(s->reload_failures));
	jadd(o, "log_lines_dropped", json_object_new_uint64(log_dropped()));
	jadd(x, "attached", json_object_new_boolean(attached));
	jadd(x, "mode", details ? jstr(s->xdp->mode) : NULL);
	jadd(x, "prog_id", details ? json_object_new_int64(s->xdp->prog_id) : NULL);
	jadd(x, "pin_dir", s->xdp ? jstr(s->xdp->pin_dir) : NULL);
	jadd(o, "xdp", x);
	jadd(o, "vips", json_vips(s));
	jadd(o, "vrrp_speakers", s->election ? election_json(s->election) : json_object_new_array());
	jadd(o, "targets", json_targets(s));
	jadd(o, "counters", json_counters(s));
	jadd(o, "limits", json_limits(s));
	jadd(o, "cookies", json_cookies(s));
	jadd(o, "reports", reports_json(s->reports));
	jadd(o, "auth_mode", s->authmode ? authmode_json(s->authmode) : NULL);
	jadd(o, "migration", json_migration(s));
	jadd(o, "loop", s->loop ? loop_stats_json(loop_stats(s->loop)) : NULL);
	return o;
}

void status_view_json(const struct status_sources *s, FILE *out)
{
	json_object *o = status_view_snapshot(s);

	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
