// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <json-c/json.h>

#include "base/json_out.h"
#include "base/log.h"
#include "base/loop.h"
#include "cluster/keyfile.h"
#include "cluster/members.h"
#include "cluster/reports.h"
#include "cluster/report_socket.h"
#include "ike/tunnel_reader.h"

struct reports {
	struct loop *loop;
	const struct config *cfg;
	struct reports_hooks hooks;
	char node_id[CFG_NODE_ID_MAX + 1];
	bool draining;

	/* the report protocol (key_file set) */
	bool enabled;
	struct cluster_key key, key_previous; /* previous: receive only */
	struct cluster_key next_key, next_previous; /* read by reports_prepare */
	bool prepared;
	struct members *members;
	uint64_t members_gen; /* members_generation() when the hook last ran */
	struct report_socket net;
	struct loop_io net_io;
	struct load_report self;

	/* this node's tunnel count */
	bool have_source;
	struct tunnel_reader *reader; /* NULL: the source could not be set up */
	struct tunnel_reading last;
	bool have_reading;
	uint64_t asked_ms; /* when the reading in progress was asked for */
	bool waiting; /* this interval's report waits for a reading */
	bool last_ok_logged; /* to log a source's failures and recoveries once */
	bool mac_failed; /* the steering label went without a MAC: logged once */

	struct loop_timer tick; /* every interval: a reading, then a report */
	struct loop_timer answer; /* the report goes without a fresh reading */
};

static uint32_t answer_ms(const struct reports *r)
{
	return r->cfg->reports_interval_ms / 2;
}

/* A failing source is logged when it starts and stops failing. */
static void log_source_change(struct reports *r, bool ok, uint64_t n, const char *why)
{
	if (!r->have_reading)
		return;
	if (ok && !r->last_ok_logged)
		log_info("tunnels source ok: %llu tunnels", (unsigned long long)n);
	else if (!ok && r->last_ok_logged)
		log_warn("tunnels source failing, reporting unhealthy: %s", why);
	r->last_ok_logged = ok;
}

bool reports_self_load(struct reports *r, bool *known, uint64_t *tunnels, char *why,
		       size_t whylen)
{
	uint64_t now = loop_now(r->loop);

	*known = r->have_source;
	*tunnels = 0;
	if (!r->have_source)
		return false;
	if (!r->reader) {
		snprintf(why, whylen, "the tunnels source cannot be set up");
		return false;
	}
	if (!r->have_reading) {
		snprintf(why, whylen, "not read yet");
		return false;
	}
	*tunnels = r->last.count;
	snprintf(why, whylen, "%s", r->last.ok ? "" : r->last.why);
	if (r->last.ok && tunnel_reader_busy(r->reader) && now >= r->asked_ms + answer_ms(r)) {
		/* the source hangs: a number it gave earlier is not current */
		snprintf(why, whylen, "tunnels source has not answered for %llu ms",
			 (unsigned long long)(now - r->asked_ms));
		return false;
	}
	return r->last.ok;
}

const char *reports_node_id(const struct reports *r)
{
	return r->node_id;
}

void reports_master_silent(struct reports *r, const struct ip_addr *addr)
{
	if (r->enabled)
		members_declare_dead(r->members, addr, loop_now(r->loop));
}

uint64_t reports_epoch(const struct reports *r)
{
	return r->enabled ? r->self.epoch : 0;
}

const struct cluster_key *reports_key(const struct reports *r)
{
	return r->enabled ? &r->key : NULL;
}

const struct cluster_key *reports_key_previous(const struct reports *r)
{
	return r->enabled ? &r->key_previous : NULL;
}

void reports_send(struct reports *r, const uint8_t *msg, size_t len)
{
	if (r->enabled)
		report_socket_send(&r->net, msg, len);
}

static bool claim(void *ctx, const uint8_t *buf, size_t len)
{
	struct reports *r = ctx;

	return r->hooks.claim && r->hooks.claim(r->hooks.ctx, buf, len);
}

struct members *reports_members(struct reports *r)
{
	return r->enabled ? r->members : NULL;
}

static void members_maybe_changed(struct reports *r)
{
	uint64_t gen = members_generation(r->members);

	if (gen == r->members_gen)
		return;
	r->members_gen = gen;
	if (r->hooks.on_members_changed)
		r->hooks.on_members_changed(r->hooks.ctx);
}

/*
 * Our epoch's boot time lies ahead of our clock beyond what any receiver
 * takes: the clock was stepped back since the start (e.g. NTP fixed a clock
 * that ran ahead at boot).  A new epoch from the corrected clock: receivers
 * that took the old one forget it as not genuine (members.h).
 */
static void renew_epoch_if_ahead(struct reports *r, uint64_t wall_ms)
{
	uint64_t old = r->self.epoch, e;

	if (!report_epoch_ahead(old, wall_ms))
		return;
	e = report_epoch_new_at(wall_ms);
	if (!e)
		return;
	r->self.epoch = e;
	r->self.seq = 0;
	log_warn("this node's clock went back by more than %u s since the start: new boot "
		 "epoch %#llx (was %#llx)",
		 REPORT_EPOCH_AHEAD_MAX_MS / 1000, (unsigned long long)e,
		 (unsigned long long)old);
}

/*
 * The steering label and the MAC steered frames are sent to: read every
 * report (an interface's MAC can change).  Without a MAC the label is not
 * reported, and this gateway is not steered to.
 */
static void fill_steering(struct reports *r, struct load_report *s)
{
	uint8_t *m = s->mac;
	bool ok;

	s->steer_label = 0;
	memset(m, 0, sizeof(s->mac));
	if (!r->cfg->gw_steer_label)
		return;
	ok = r->hooks.own_mac && r->hooks.own_mac(r->hooks.ctx, m) == 0 && !(m[0] & 1) &&
	     (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
	if (!ok) {
		memset(m, 0, sizeof(s->mac));
		if (!r->mac_failed)
			log_warn("no usable MAC on %s: the load report leaves steer_label out, "
				 "nothing is steered to this gateway", r->cfg->interface);
		r->mac_failed = true;
		return;
	}
	if (r->mac_failed)
		log_info("the MAC of %s is known again: steer_label %u reported",
			 r->cfg->interface, r->cfg->gw_steer_label);
	r->mac_failed = false;
	s->steer_label = (uint8_t)r->cfg->gw_steer_label;
}

static void fill_self(struct reports *r)
{
	const struct config *c = r->cfg;
	struct load_report *s = &r->self;
	bool known;
	uint64_t n = 0;
	char why[160];
	bool ok = reports_self_load(r, &known, &n, why, sizeof(why));

	if (known)
		log_source_change(r, ok, n, why);
	snprintf(s->cluster, sizeof(s->cluster), "%s", c->name);
	snprintf(s->node_id, sizeof(s->node_id), "%s", r->node_id);
	s->address = c->gw_address;
	s->address6 = c->gw_address6;
	s->max_tunnels = c->gw_max_tunnels;
	s->tunnels = (uint32_t)(n > REPORT_MAX_TUNNELS ? REPORT_MAX_TUNNELS : n);
	s->reason[0] = 0;
	fill_steering(r, s);
	if (known && !ok) {
		s->state = REPORT_UNHEALTHY;
		snprintf(s->reason, sizeof(s->reason), "%.*s", REPORT_REASON_MAX, why);
	} else {
		s->state = r->draining ? REPORT_DRAINING : REPORT_ACTIVE;
	}
}

/* The report that was due, now that its reading is in (or overdue). */
static void report_due(struct reports *r)
{
	uint64_t now = loop_now(r->loop);

	if (!r->enabled) {
		if (r->have_source) { /* only the log of a failing source */
			bool known;
			uint64_t n;
			char why[160];
			bool ok = reports_self_load(r, &known, &n, why, sizeof(why));

			log_source_change(r, ok, n, why);
		}
		return;
	}
	if (r->cfg->has_gateway) {
		renew_epoch_if_ahead(r, loop_wall_ms(r->loop));
		fill_self(r);
		r->self.seq++;
		if (report_socket_send_report(&r->net, &r->self, &r->key) < 0)
			log_warn("cannot encode this node's load report");
		members_update_self(r->members, &r->self, now);
	}
	members_tick(r->members, now);
	members_maybe_changed(r);
	if (r->cfg->has_gateway && r->hooks.on_own_report)
		r->hooks.on_own_report(r->hooks.ctx);
}

static void on_reading(void *arg, const struct tunnel_reading *t)
{
	struct reports *r = arg;

	r->last = *t;
	r->have_reading = true;
	if (!r->waiting)
		return;
	r->waiting = false;
	loop_timer_stop(&r->answer);
	report_due(r);
}

static void on_answer_overdue(void *arg)
{
	struct reports *r = arg;

	if (!r->waiting)
		return;
	r->waiting = false;
	report_due(r); /* unhealthy: see reports_self_load */
}

static void on_tick(void *arg)
{
	struct reports *r = arg;
	uint64_t now = loop_now(r->loop);

	loop_timer_after(&r->tick, r->cfg->reports_interval_ms);
	if (!r->have_source || !r->reader) {
		report_due(r);
		return;
	}
	/* a reader still busy with an earlier request is not asked again:
	 * that reading's age decides */
	if (tunnel_reader_ask(r->reader))
		r->asked_ms = now;
	r->waiting = true;
	loop_timer_at(&r->answer, r->asked_ms + answer_ms(r));
}

static void on_net_readable(void *arg, int fd, uint32_t events)
{
	struct reports *r = arg;

	(void)fd;
	(void)events;
	report_socket_handle_readable(&r->net, r->members, loop_now(r->loop),
				      loop_wall_ms(r->loop));
	members_maybe_changed(r);
}

static int start_reader(struct reports *r)
{
	const struct config *c = r->cfg;

	r->have_source = c->has_gateway && c->tunnels != CFG_TUNNELS_NONE;
	r->have_reading = false;
	r->waiting = false;
	loop_timer_stop(&r->answer);
	if (!r->have_source)
		return 0;
	r->reader = tunnel_reader_new(r->loop, c, on_reading, r);
	return r->reader ? 0 : -1;
}

static int open_members(struct reports *r)
{
	const struct config *c = r->cfg;
	struct members_params p = {
		.cluster = c->name,
		.key = &r->key,
		.key_previous = &r->key_previous,
		.self_id = r->node_id,
		.dead_after_ms = c->dead_after_ms,
		.vip4 = c->has_vip4 ? &c->vip4 : NULL,
		.vip6 = c->has_vip6 ? &c->vip6 : NULL,
	};

	r->members = members_new(&p);
	return r->members ? 0 : -1;
}

static int open_net(struct reports *r)
{
	const struct config *c = r->cfg;
	struct report_socket_params p = {
		.ifname = c->interface,
		.group = c->reports_group,
		.peers = c->reports_peers,
		.n_peers = c->n_reports_peers,
		.port = c->reports_port,
	};

	if (report_socket_open(&r->net, &p))
		return -1;
	r->net.claim = claim;
	r->net.claim_ctx = r;
	loop_io_init(&r->net_io, r->loop, "reports.recv", report_socket_fd(&r->net),
		     on_net_readable, r);
	return loop_io_start(&r->net_io, LOOP_IN);
}

/* The keys c names: key_file, and key_file_previous when set. */
static int load_keys(const struct config *c, struct cluster_key *key,
		     struct cluster_key *previous, char *err, size_t errlen)
{
	char why[300];

	cluster_key_clear(previous);
	if (keyfile_load(c->key_file, key, err, errlen))
		return -1;
	if (!c->key_file_previous[0])
		return 0;
	if (keyfile_load(c->key_file_previous, previous, why, sizeof(why))) {
		snprintf(err, errlen, "[reports] key_file_previous: %s", why);
		cluster_key_clear(key);
		return -1;
	}
	return 0;
}

static bool same_key(const struct cluster_key *a, const struct cluster_key *b)
{
	return a->len == b->len && CRYPTO_memcmp(a->bytes, b->bytes, a->len) == 0;
}

static int start_protocol(struct reports *r)
{
	char err[512];

	if (load_keys(r->cfg, &r->key, &r->key_previous, err, sizeof(err))) {
		log_err("%s", err);
		return -1;
	}
	if (r->key_previous.len)
		log_info("reports: key_file_previous loaded: accepted on receive, never sent with");
	r->self.epoch = report_epoch_new_at(loop_wall_ms(r->loop));
	if (!r->self.epoch) {
		log_err("cannot make a boot epoch (no randomness)");
		return -1;
	}
	r->self.seq = 0;
	if (open_members(r) || open_net(r))
		return -1;
	r->members_gen = members_generation(r->members);
	r->enabled = true;
	return 0;
}

struct reports *reports_new(struct loop *l, const struct config *c,
			    const struct reports_hooks *h)
{
	struct reports *r = calloc(1, sizeof(*r));

	if (!r) {
		log_err("out of memory");
		return NULL;
	}
	r->loop = l;
	r->cfg = c;
	if (h)
		r->hooks = *h;
	r->net.fd = -1;
	loop_timer_init(&r->tick, l, "reports.tick", on_tick, r);
	loop_timer_init(&r->answer, l, "reports.answer", on_answer_overdue, r);
	snprintf(r->node_id, sizeof(r->node_id), "%s", c->node_id);
	if (!r->node_id[0] && gethostname(r->node_id, sizeof(r->node_id) - 1))
		snprintf(r->node_id, sizeof(r->node_id), "node");
	if (start_reader(r) || (config_reports_enabled(c) && start_protocol(r))) {
		reports_free(r);
		return NULL;
	}
	loop_timer_after(&r->tick, 0);
	return r;
}

void reports_free(struct reports *r)
{
	if (!r)
		return;
	loop_timer_stop(&r->tick);
	loop_timer_stop(&r->answer);
	tunnel_reader_free(r->reader);
	if (r->net.fd >= 0) {
		loop_io_stop(&r->net_io);
		report_socket_close(&r->net);
	}
	members_free(r->members);
	cluster_key_clear(&r->key);
	cluster_key_clear(&r->key_previous);
	cluster_key_clear(&r->next_key);
	cluster_key_clear(&r->next_previous);
	free(r);
}

int reports_prepare(struct reports *r, const struct config *c, char *err, size_t errlen)
{
	r->prepared = false;
	if (!r->enabled)
		return 0;
	if (load_keys(c, &r->next_key, &r->next_previous, err, errlen))
		return -1;
	r->prepared = true;
	return 0;
}

/* The keys reports_prepare read, compared by content (a key rotated in
 * place keeps its path). */
static void apply_keys(struct reports *r)
{
	bool key_changed = !same_key(&r->key, &r->next_key);
	bool prev_changed = !same_key(&r->key_previous, &r->next_previous);

	if (!r->prepared)
		return;
	r->prepared = false;
	if (key_changed)
		log_info("reports: key_file holds a new key: reports are sent with it from now on");
	if (prev_changed)
		log_info("reports: key_file_previous %s", r->next_previous.len
			 ? "holds another key: accepted on receive, never sent with"
			 : "dropped: only key_file's key is accepted");
	r->key = r->next_key;
	r->key_previous = r->next_previous;
	cluster_key_clear(&r->next_key);
	cluster_key_clear(&r->next_previous);
	if (key_changed || prev_changed)
		members_set_keys(r->members, &r->key, &r->key_previous);
}

int reports_reload(struct reports *r, const struct config *c)
{
	const struct config *old = r->cfg;
	int rc = 0;

	r->cfg = c;
	if (r->enabled)
		apply_keys(r);
	if (!tunnel_reader_same_source(old, c)) {
		/* the old reader may hang in a read: it is left to finish alone */
		tunnel_reader_free(r->reader);
		r->reader = NULL;
		rc = start_reader(r);
	}
	loop_timer_after(&r->tick, 0);
	return rc;
}

void reports_set_draining(struct reports *r, bool draining)
{
	if (r->draining == draining)
		return;
	r->draining = draining;
	loop_timer_after(&r->tick, 0);
}

static void text_conflict(const struct member_info *i, uint64_t now, FILE *out)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	fprintf(out, "conflict: node id %s claimed by %s (epoch %#llx) and %s (epoch %#llx): "
		"%s evidence, for %.1f s, last %.1f s ago%s\n",
		i->node_id, i->self ? "this node" : i->src ? ip_addr_str(i->src, a, sizeof(a)) : "?",
		(unsigned long long)i->epoch,
		i->other_src ? ip_addr_str(i->other_src, b, sizeof(b)) : "?",
		(unsigned long long)i->other_epoch, member_conflict_str(i->conflict_kind),
		(double)(now - i->conflict_since_ms) / 1000.0,
		(double)(now - i->conflict_heard_ms) / 1000.0,
		i->self ? "; this node keeps its own entry" : "; it is no target");
}

void reports_text(const struct reports *r, FILE *out)
{
	uint64_t now = loop_now(r->loop);
	struct member_info i;
	char buf[640];

	if (!r->enabled) {
		fprintf(out, "\nload reports off (no key_file)\n");
		return;
	}
	fprintf(out, "\nload reports: node %s, %llu sent, %llu send errors%s\n", r->node_id,
		(unsigned long long)r->net.stats.sent, (unsigned long long)r->net.stats.send_errors,
		r->key_previous.len ? ", key_file_previous accepted" : "");
	fprintf(out, "reports received: %s\n", members_counters_str(r->members, buf, sizeof(buf)));
	for (unsigned s = 0; s < members_capacity(r->members); s++)
		if (members_get(r->members, s, now, &i) && i.conflict)
			text_conflict(&i, now, out);
}

static json_object *jhex(uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%#llx", (unsigned long long)v);
	return json_object_new_string(b);
}

static json_object *jaddr(const struct ip_addr *a)
{
	char b[INET6_ADDRSTRLEN];

	return a ? json_object_new_string(ip_addr_str(a, b, sizeof(b))) : NULL;
}

static json_object *json_member(const struct member_info *i, uint64_t now)
{
	json_object *o = json_object_new_object(), *c = NULL;

	json_add_str(o, "node_id", i->node_id);
	json_add_bool(o, "self", i->self);
	json_object_object_add(o, "source", jaddr(i->src));
	json_object_object_add(o, "epoch", jhex(i->epoch));
	json_add_u64(o, "seq", i->seq);
	json_add_u64(o, "reports", i->reports);
	json_add_u64(o, "age_ms", i->age_ms);
	json_add_str(o, "state", member_why_str(i->why));
	if (i->conflict) {
		c = json_object_new_object();
		json_add_str(c, "kind", member_conflict_str(i->conflict_kind));
		json_object_object_add(c, "other_source", jaddr(i->other_src));
		json_object_object_add(c, "other_epoch", jhex(i->other_epoch));
		json_add_u64(c, "for_ms", now - i->conflict_since_ms);
		json_add_u64(c, "last_ms", now - i->conflict_heard_ms);
	}
	json_object_object_add(o, "conflict", c);
	return o;
}

struct json_object *reports_json(const struct reports *r)
{
	json_object *o = json_object_new_object(), *rx, *list;
	const struct members_counters *c;
	uint64_t now = loop_now(r->loop);
	struct member_info i;

	json_add_bool(o, "enabled", r->enabled);
	json_add_str(o, "node_id", r->node_id);
	if (!r->enabled)
		return o;
	json_add_u64(o, "sent", r->net.stats.sent);
	json_add_u64(o, "send_errors", r->net.stats.send_errors);
	json_add_bool(o, "key_previous", r->key_previous.len != 0);
	rx = json_object_new_object();
	c = members_counters(r->members);
	json_add_u64(rx, "received", c->received);
	for (int v = 0; v < MEMBERS_VERDICT_MAX; v++)
		json_add_u64(rx, members_verdict_str(v), c->verdict[v]);
	json_add_u64(rx, "vip_identity", c->vip_identity);
	json_add_u64(rx, "previous_key", c->previous_key);
	json_add_u64(rx, "conflicts", c->conflicts);
	json_object_object_add(o, "receiver", rx);
	list = json_object_new_array();
	for (unsigned s = 0; s < members_capacity(r->members); s++)
		if (members_get(r->members, s, now, &i))
			json_object_array_add(list, json_member(&i, now));
	json_object_object_add(o, "members", list);
	json_add_u64(o, "conflicts_now", members_conflicts(r->members, now));
	return o;
}
