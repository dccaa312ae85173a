// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon.h"
#include "keyfile.h"
#include "log.h"
#include "members.h"
#include "reports.h"
#include "status_net.h"
#include "tunnels.h"

/* What the reader thread last saw; guarded by mu. */
struct tunnel_reading {
	bool ok;
	uint64_t count;
	char why[160];
	uint64_t at_ms;
};

struct reports {
	bool enabled; /* status protocol */
	char node_id[CFG_NODE_ID_MAX + 1];
	struct cluster_key key;
	struct members *members;
	struct status_net net;
	struct status_report self;
	uint64_t next_send_ms;

	/*
	 * Tunnel reader thread.  Each report carries a reading taken for it:
	 * the master adds only the redirects sent after a report's arrival, so
	 * an older count would lose the clients sent in between.  The loop asks
	 * (want), the thread reads and says so through done_fd (an eventfd in
	 * the epoll loop); a reading that takes longer than answer_ms makes the
	 * report say unhealthy instead of waiting.
	 */
	bool have_source;
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool quit, want;
	int done_fd;
	bool pending; /* a reading was asked for and not yet reported */
	uint64_t asked_ms;
	uint32_t answer_ms;
	struct tunnels_src src;
	struct tunnel_reading last;
	bool last_ok_logged; /* to log a source's failures and recoveries once */
};

static struct reports R;

static void *reader_main(void *arg)
{
	struct reports *r = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct tunnel_reading t = {};

		while (!r->want && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->quit)
			break;
		r->want = false;
		pthread_mutex_unlock(&r->mu);
		t.ok = tunnels_read(&r->src, &t.count, t.why, sizeof(t.why)) == 0;
		t.at_ms = now_ms();
		pthread_mutex_lock(&r->mu);
		r->last = t;
		if (write(r->done_fd, &one, sizeof(one)) < 0)
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static int start_reader(struct daemon *d)
{
	R.have_source = d->cfg.has_gateway && d->cfg.tunnels != CFG_TUNNELS_NONE;
	if (!R.have_source)
		return 0;
	/* tunnels_init_config also leaves SAs at the VIPs out in auth mode */
	if (tunnels_init_config(&R.src, &d->cfg)) {
		log_err("cannot set up the tunnels source of [gateway]");
		return -1;
	}
	R.answer_ms = d->cfg.reports_interval_ms / 2;
	R.last = (struct tunnel_reading){ .ok = false, .why = "not read yet" };
	R.quit = R.want = R.pending = false;
	if (R.done_fd < 0) {
		R.done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (R.done_fd < 0 || daemon_watch(d, R.done_fd)) {
			log_err("cannot make the tunnel reader's eventfd: %s", strerror(errno));
			if (R.done_fd >= 0)
				close(R.done_fd);
			R.done_fd = -1;
			tunnels_close(&R.src);
			return -1;
		}
	}
	pthread_cond_init(&R.cv, NULL);
	pthread_mutex_init(&R.mu, NULL);
	if (pthread_create(&R.thread, NULL, reader_main, &R)) {
		log_err("cannot start the tunnel reader thread");
		tunnels_close(&R.src);
		return -1;
	}
	R.thread_running = true;
	return 0;
}

/* Asks the reader for a fresh count (for the report due now). */
static void ask_reading(uint64_t now)
{
	pthread_mutex_lock(&R.mu);
	R.want = true;
	pthread_cond_signal(&R.cv);
	pthread_mutex_unlock(&R.mu);
	R.pending = true;
	R.asked_ms = now;
}

static void drain_done_fd(void)
{
	uint64_t n;

	if (R.done_fd >= 0 && read(R.done_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("tunnel reader's eventfd: %s", strerror(errno));
}

static void stop_reader(void)
{
	if (!R.thread_running)
		return;
	pthread_mutex_lock(&R.mu);
	R.quit = true;
	pthread_cond_signal(&R.cv);
	pthread_mutex_unlock(&R.mu);
	pthread_join(R.thread, NULL);
	R.thread_running = false;
	tunnels_close(&R.src);
	/* a reading that finished meanwhile is no answer to the next reader's
	 * request, and left unread it would wake the level-triggered loop
	 * forever once no source reads it */
	drain_done_fd();
}

static struct tunnel_reading reading(void)
{
	struct tunnel_reading t;

	pthread_mutex_lock(&R.mu);
	t = R.last;
	pthread_mutex_unlock(&R.mu);
	return t;
}

/* A failing source is logged when it starts and stops failing. */
static void log_source_change(const struct tunnel_reading *t)
{
	if (t->ok && !R.last_ok_logged)
		log_info("tunnels source ok: %llu tunnels", (unsigned long long)t->count);
	else if (!t->ok && R.last_ok_logged)
		log_warn("tunnels source failing, reporting unhealthy: %s", t->why);
	R.last_ok_logged = t->ok;
}

bool reports_self_load(struct daemon *d, bool *known, uint64_t *tunnels, char *why,
		       size_t whylen)
{
	struct tunnel_reading t;

	(void)d;
	*known = R.have_source;
	if (!R.have_source)
		return false;
	t = reading();
	if (t.at_ms)
		log_source_change(&t);
	*tunnels = t.count;
	snprintf(why, whylen, "%s", t.ok ? "" : t.why);
	if (t.ok && R.pending && now_ms() >= R.asked_ms + R.answer_ms) {
		/* the source hangs: a number it gave earlier is not current */
		snprintf(why, whylen, "tunnels source has not answered for %llu ms",
			 (unsigned long long)(now_ms() - R.asked_ms));
		return false;
	}
	return t.ok;
}

const char *reports_node_id(struct daemon *d)
{
	(void)d;
	return R.node_id;
}

void reports_master_silent(struct daemon *d, const struct cfg_ip *addr)
{
	(void)d;
	if (R.enabled)
		members_declare_dead(R.members, addr, now_ms());
}

struct members *reports_members(struct daemon *d)
{
	(void)d;
	return R.enabled ? R.members : NULL;
}

static void fill_self(struct daemon *d)
{
	struct status_report *s = &R.self;
	bool known;
	uint64_t n = 0;
	char why[160];
	bool ok = reports_self_load(d, &known, &n, why, sizeof(why));

	snprintf(s->cluster, sizeof(s->cluster), "%s", d->cfg.name);
	snprintf(s->node_id, sizeof(s->node_id), "%s", R.node_id);
	s->address = d->cfg.gw_address;
	s->address6 = d->cfg.gw_address6;
	s->max_tunnels = d->cfg.gw_max_tunnels;
	s->tunnels = (uint32_t)(n > STATUS_MAX_TUNNELS ? STATUS_MAX_TUNNELS : n);
	s->reason[0] = 0;
	if (known && !ok) {
		s->state = STATUS_UNHEALTHY;
		snprintf(s->reason, sizeof(s->reason), "%.*s", STATUS_REASON_MAX, why);
	} else {
		s->state = d->draining ? STATUS_DRAINING : STATUS_ACTIVE;
	}
}

static void send_report(struct daemon *d, uint64_t now)
{
	if (!d->cfg.has_gateway)
		return;
	fill_self(d);
	R.self.seq++;
	if (status_net_send_report(&R.net, &R.self, &R.key) < 0)
		log_warn("cannot encode this node's status report");
	members_update_self(R.members, &R.self, now);
}

static int open_members(struct daemon *d)
{
	struct members_params p = {
		.cluster = d->cfg.name,
		.key = &R.key,
		.self_id = R.node_id,
		.dead_after_ms = d->cfg.dead_after_ms,
		.vip4 = d->cfg.has_vip4 ? &d->cfg.vip4 : NULL,
		.vip6 = d->cfg.has_vip6 ? &d->cfg.vip6 : NULL,
	};

	R.members = members_new(&p);
	return R.members ? 0 : -1;
}

static int open_net(struct daemon *d)
{
	struct status_net_params p = {
		.ifname = d->cfg.interface,
		.group = d->cfg.reports_group,
		.peers = d->cfg.reports_peers,
		.n_peers = d->cfg.n_reports_peers,
		.port = d->cfg.reports_port,
	};

	if (status_net_open(&R.net, &p))
		return -1;
	return daemon_watch(d, status_net_fd(&R.net));
}

static int start_status(struct daemon *d)
{
	char err[256];

	if (keyfile_load(d->cfg.key_file, &R.key, err, sizeof(err))) {
		log_err("%s", err);
		return -1;
	}
	R.self.epoch = status_epoch_new();
	if (!R.self.epoch) {
		log_err("cannot make a boot epoch (no randomness)");
		return -1;
	}
	R.self.seq = 0;
	if (open_members(d) || open_net(d))
		return -1;
	R.enabled = true;
	R.next_send_ms = now_ms();
	return 0;
}

int reports_start(struct daemon *d)
{
	memset(&R, 0, sizeof(R));
	R.net.fd = -1;
	R.done_fd = -1;
	snprintf(R.node_id, sizeof(R.node_id), "%s", d->cfg.node_id);
	if (!R.node_id[0] && gethostname(R.node_id, sizeof(R.node_id) - 1))
		snprintf(R.node_id, sizeof(R.node_id), "node");
	if (start_reader(d))
		return -1;
	return config_reports_enabled(&d->cfg) ? start_status(d) : 0;
}

void reports_stop(struct daemon *d)
{
	(void)d;
	stop_reader();
	if (R.done_fd >= 0)
		close(R.done_fd);
	R.done_fd = -1;
	if (R.net.fd >= 0)
		status_net_close(&R.net);
	members_free(R.members);
	R.members = NULL;
	cluster_key_clear(&R.key);
	R.enabled = false;
}

int reports_config_changed(struct daemon *d)
{
	/* The source may have changed: restart the reader with the new one,
	 * and take a reading for the next report at once. */
	stop_reader();
	R.pending = false;
	R.next_send_ms = now_ms();
	return start_reader(d);
}

uint64_t reports_next_deadline(struct daemon *d, uint64_t t)
{
	(void)d;
	if (!R.enabled && !R.have_source)
		return t;
	if (R.pending)
		return R.asked_ms + R.answer_ms < t ? R.asked_ms + R.answer_ms : t;
	return R.next_send_ms < t ? R.next_send_ms : t;
}

/* The report that was due, now that its reading is in (or overdue). */
static void report_due(struct daemon *d, uint64_t now)
{
	if (!R.enabled)
		return;
	send_report(d, now);
	members_tick(R.members, now);
}

void reports_timers(struct daemon *d, uint64_t now)
{
	if (R.pending && now >= R.asked_ms + R.answer_ms) {
		report_due(d, now); /* unhealthy: see reports_self_load */
		R.pending = false;
	}
	if (R.pending || now < R.next_send_ms || (!R.enabled && !R.have_source))
		return;
	R.next_send_ms = now + d->cfg.reports_interval_ms;
	if (R.have_source)
		ask_reading(now);
	else
		report_due(d, now);
}

bool reports_fd_ready(struct daemon *d, int fd)
{
	uint64_t n;

	if (R.done_fd >= 0 && fd == R.done_fd) {
		if (read(R.done_fd, &n, sizeof(n)) == sizeof(n) && R.have_source && R.pending) {
			R.pending = false;
			report_due(d, now_ms());
		}
		return true;
	}
	if (!R.enabled || fd != status_net_fd(&R.net))
		return false;
	status_net_handle_readable(&R.net, R.members, now_ms());
	return true;
}

void reports_text(struct daemon *d, FILE *out)
{
	char buf[512];

	(void)d;
	if (!R.enabled) {
		fprintf(out, "\nstatus protocol off (no key_file)\n");
		return;
	}
	fprintf(out, "\nstatus protocol: node %s, %llu sent, %llu send errors\n", R.node_id,
		(unsigned long long)R.net.stats.sent, (unsigned long long)R.net.stats.send_errors);
	fprintf(out, "status receiver: %s\n", members_counters_str(R.members, buf, sizeof(buf)));
}

struct json_object *reports_json(struct daemon *d)
{
	json_object *o = json_object_new_object(), *rx;
	const struct members_counters *c;

	(void)d;
	json_object_object_add(o, "enabled", json_object_new_boolean(R.enabled));
	json_object_object_add(o, "node_id", json_object_new_string(R.node_id));
	if (!R.enabled)
		return o;
	json_object_object_add(o, "sent", json_object_new_uint64(R.net.stats.sent));
	json_object_object_add(o, "send_errors", json_object_new_uint64(R.net.stats.send_errors));
	rx = json_object_new_object();
	c = members_counters(R.members);
	json_object_object_add(rx, "received", json_object_new_uint64(c->received));
	for (int v = 0; v < MEMBERS_VERDICT_MAX; v++)
		json_object_object_add(rx, members_verdict_str(v),
				       json_object_new_uint64(c->verdict[v]));
	json_object_object_add(rx, "vip_identity", json_object_new_uint64(c->vip_identity));
	json_object_object_add(o, "receiver", rx);
	return o;
}
