// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	struct cluster_key key;
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
	report_socket_handle_readable(&r->net, r->members, loop_now(r->loop));
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
	loop_io_init(&r->net_io, r->loop, report_socket_fd(&r->net), on_net_readable, r);
	return loop_io_start(&r->net_io, LOOP_IN);
}

static int start_protocol(struct reports *r)
{
	char err[256];

	if (keyfile_load(r->cfg->key_file, &r->key, err, sizeof(err))) {
		log_err("%s", err);
		return -1;
	}
	r->self.epoch = report_epoch_new();
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
	loop_timer_init(&r->tick, l, on_tick, r);
	loop_timer_init(&r->answer, l, on_answer_overdue, r);
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
	free(r);
}

int reports_reload(struct reports *r, const struct config *c)
{
	const struct config *old = r->cfg;
	int rc = 0;

	r->cfg = c;
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

void reports_text(const struct reports *r, FILE *out)
{
	char buf[512];

	if (!r->enabled) {
		fprintf(out, "\nload reports off (no key_file)\n");
		return;
	}
	fprintf(out, "\nload reports: node %s, %llu sent, %llu send errors\n", r->node_id,
		(unsigned long long)r->net.stats.sent, (unsigned long long)r->net.stats.send_errors);
	fprintf(out, "reports received: %s\n", members_counters_str(r->members, buf, sizeof(buf)));
}

struct json_object *reports_json(const struct reports *r)
{
	json_object *o = json_object_new_object(), *rx;
	const struct members_counters *c;

	json_add_bool(o, "enabled", r->enabled);
	json_add_str(o, "node_id", r->node_id);
	if (!r->enabled)
		return o;
	json_add_u64(o, "sent", r->net.stats.sent);
	json_add_u64(o, "send_errors", r->net.stats.send_errors);
	rx = json_object_new_object();
	c = members_counters(r->members);
	json_add_u64(rx, "received", c->received);
	for (int v = 0; v < MEMBERS_VERDICT_MAX; v++)
		json_add_u64(rx, members_verdict_str(v), c->verdict[v]);
	json_add_u64(rx, "vip_identity", c->vip_identity);
	json_object_object_add(o, "receiver", rx);
	return o;
}
