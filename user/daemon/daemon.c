// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * `ikelb-load run`: set up, run the event loop, and leave nothing behind.
 * One thread runs the loop; the modules are instances wired here.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <systemd/sd-daemon.h>

#include "base/log.h"
#include "base/loop.h"
#include "cluster/cluster.h"
#include "cluster/members.h"
#include "cluster/migration.h"
#include "cluster/rebalance.h"
#include "cluster/reports.h"
#include "daemon/ctl.h"
#include "daemon/daemon.h"
#include "daemon/metrics_view.h"
#include "daemon/drain.h"
#include "daemon/status_view.h"
#include "dataplane/addr.h"
#include "dataplane/arp_sysctl.h"
#include "dataplane/cookies.h"
#include "dataplane/dataplane.h"
#include "dataplane/role.h"
#include "dataplane/top_sources.h"
#include "dataplane/xdp.h"
#include "ike/authmode.h"
#include "ike/migrate.h"
#include "metrics/metrics_server.h"
#include "vrrp/election.h"

struct daemon {
	struct loop *loop;
	char cfg_path[PATH_MAX];
	struct config *cfg;
	const struct dataplane *dp;
	struct xdp_state *xdp;
	struct role *role;
	struct cookies *cookies;
	struct top_sources *top_sources;
	struct election *election;
	struct reports *reports;
	struct cluster *cluster;
	struct authmode *authmode; /* mode = auth only */
	struct migration *migration; /* requests and grants of targets */
	struct migrate *migrate; /* moving this gateway's clients */
	struct rebalance rebalance;
	struct drain drain;
	time_t started;
	uint64_t reloads, reload_failures;
};

static void print_errors(const struct cfg_errors *e)
{
	for (unsigned i = 0; i < e->n; i++)
		log_err("%s", e->msg[i]);
}

/* A config on the heap: modules keep a pointer to it until a reload.
 * Its file and its notify script must be trusted (config_check_files). */
static struct config *load_config(const char *path)
{
	struct cfg_errors e = {};
	struct config *c = malloc(sizeof(*c));

	if (!c) {
		log_err("out of memory");
		return NULL;
	}
	if (config_load(path, c, &e)) {
		print_errors(&e);
		cfg_errors_free(&e);
		free(c);
		return NULL;
	}
	cfg_errors_free(&e);
	if (config_check_files(c, &e)) {
		print_errors(&e);
		cfg_errors_free(&e);
		config_free(c);
		free(c);
		return NULL;
	}
	return c;
}

static void free_config(struct config *c)
{
	if (!c)
		return;
	config_free(c);
	free(c);
}

/* ---- hooks: who tells whom ------------------------------------------------ */

static void on_vrrp_role(void *ctx, int fam, bool master, const char *reason,
			 const struct ip_addr *silent_master)
{
	struct daemon *d = ctx;

	if (silent_master) {
		struct ip_addr other;

		/* Before the VIP arrives: no client may be sent to the gateway
		 * of the node that just died -- found by the address it sends
		 * its reports from, which may be its master address of the
		 * other family only (an IPv6 master speaks from link-local) */
		reports_master_silent(d->reports, silent_master);
		for (int f = 0; f < IKELB_FAMILIES; f++)
			if (f != fam && election_master_silent(d->election, f, &other))
				reports_master_silent(d->reports, &other);
		cluster_refill(d->cluster);
	}
	role_set(d->role, fam, master ? ROLE_MASTER : ROLE_BACKUP, reason);
}

static void on_role_changed(void *ctx, int fam, enum vip_role r)
{
	struct daemon *d = ctx;

	if (d->authmode)
		authmode_role_changed(d->authmode, fam, r == ROLE_MASTER);
}

static void on_members_changed(void *ctx)
{
	struct daemon *d = ctx;

	if (d->cluster)
		cluster_refill(d->cluster);
}

static int own_mac(void *ctx, uint8_t mac[6])
{
	struct daemon *d = ctx;

	return addr_own_mac(d->dp->ifindex, mac);
}

static bool self_load(void *ctx, bool *known, uint64_t *tunnels, char *why, size_t whylen)
{
	struct daemon *d = ctx;

	return reports_self_load(d->reports, known, tunnels, why, whylen);
}

static void on_xdp_answers(void *ctx, bool answers)
{
	struct daemon *d = ctx;

	role_set_xdp_answers(d->role, answers);
}

static void on_cookies(void *ctx, bool on)
{
	struct daemon *d = ctx;

	role_set_cookies(d->role, on);
}

static void on_redirect(void *ctx, uint32_t idx)
{
	struct daemon *d = ctx;

	cluster_note_redirect(d->cluster, idx);
}

static int pick(void *ctx, int fam, uint64_t spi_raw, uint32_t *idx, struct ikelb_gw_id *id)
{
	struct daemon *d = ctx;

	return cluster_pick(d->cluster, fam, spi_raw, idx, id);
}

/* ---- hooks of migration: moving established clients ---------------------- */

static bool claim_migration(void *ctx, const uint8_t *buf, size_t len)
{
	struct daemon *d = ctx;

	if (!migration_is_ours(buf, len) || !d->migration)
		return false;
	migration_handle_datagram(d->migration, buf, len);
	return true;
}

static void send_migration(void *ctx, const uint8_t *msg, size_t len)
{
	struct daemon *d = ctx;

	reports_send(d->reports, msg, len);
}

/* The node that answers migration requests holds the VIP of the first
 * configured family: one master even when the families' masters differ. */
static bool answers_migrations(void *ctx)
{
	struct daemon *d = ctx;
	int fam = d->cfg->has_vip4 ? IKELB_FAM_V4 : IKELB_FAM_V6;

	return role_vip(d->role, fam)->role == ROLE_MASTER;
}

static bool member_epoch(void *ctx, const char *node_id, uint64_t *epoch)
{
	struct daemon *d = ctx;
	struct members *m = reports_members(d->reports);
	struct member_info mi;

	if (!m || !members_find(m, node_id, loop_now(d->loop), &mi) || !mi.alive)
		return false;
	*epoch = mi.epoch;
	return true;
}

static unsigned grant(void *ctx, enum migration_purpose purpose, const char *from,
		      const uint8_t wanted[IKELB_FAMILIES], struct cluster_grant *out,
		      unsigned max, enum migration_answer *answer)
{
	struct daemon *d = ctx;

	return cluster_grant(d->cluster, purpose, from, wanted, out, max, answer);
}

static void on_migration_answer(void *ctx, int err, enum migration_answer answer,
				const struct migration_entry *e, unsigned n)
{
	struct daemon *d = ctx;

	migrate_answer(d->migrate, err, answer, e, n);
}

static int ask_targets(void *ctx, enum migration_purpose purpose,
		       const uint8_t wanted[IKELB_FAMILIES])
{
	struct daemon *d = ctx;

	return migration_ask(d->migration, purpose, wanted);
}

/* After each own report: whether this gateway holds too many clients. */
static void on_own_report(void *ctx)
{
	struct daemon *d = ctx;
	const struct pool_entry *pool;
	unsigned n = cluster_pool(d->cluster, &pool);
	struct rebalance_params p = { d->cfg->rebalance_threshold, d->cfg->rebalance_hold_ms };

	if (!d->migrate)
		return;
	/* a clock stepped back makes reports renew the epoch (reports.c) */
	migration_set_epoch(d->migration, reports_epoch(d->reports));
	if (!d->cfg->rebalance || d->drain.on) {
		rebalance_init(&d->rebalance);
		if (migrate_mode(d->migrate) == MIGRATE_REBALANCE)
			migrate_rebalance(d->migrate, 0);
		return;
	}
	migrate_rebalance(d->migrate, rebalance_update(&d->rebalance, pool, n, &p,
						       loop_now(d->loop)));
}

/* ---- the modules ---------------------------------------------------------- */

/* Priority 255 claims to own the address: it must be the interface's own. */
static int check_owner(struct daemon *d)
{
	char s[INET6_ADDRSTRLEN];

	if (d->cfg->vrrp != CFG_VRRP_ON || d->cfg->priority != 255)
		return 0;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		const struct vip_state *v = role_vip(d->role, fam);

		if (!v->configured || d->dp->ops->addr_present(d->dp->ctx, &v->ip) == 1)
			continue;
		log_err("priority 255 means this node owns %s, but it is not an address of %s",
			ip_addr_str(&v->ip, s, sizeof(s)), d->cfg->interface);
		return -1;
	}
	return 0;
}

/* Steering holds the IPv4 VIP on lo: never with ARP settings that would
 * let this node claim it on the LAN (dataplane/arp_sysctl.h). */
static int check_steering_host(const struct config *c)
{
	char why[512];

	if (!config_steering(c) || !c->has_vip4 ||
	    arp_sysctl_check(c->interface, why, sizeof(why)) == 0)
		return 0;
	log_err("[redirect] unsupported = steer: %s", why);
	return -1;
}

/* The two halves of migration: asking for and granting targets
 * (cluster/migration.h), and moving this gateway's clients (ike/migrate.h). */
static int new_migration(struct daemon *d)
{
	struct migration_params mp = { .cluster = d->cfg->name,
				       .node_id = reports_node_id(d->reports),
				       .epoch = reports_epoch(d->reports),
				       .key = reports_key(d->reports),
				       .key_previous = reports_key_previous(d->reports) };
	struct migration_hooks mh = { .ctx = d,
				      .send = send_migration,
				      .is_master = answers_migrations,
				      .member_epoch = member_epoch,
				      .grant = grant,
				      .on_answer = on_migration_answer };
	struct migrate_hooks gh = { .ctx = d, .ask = ask_targets };

	rebalance_init(&d->rebalance);
	d->migration = migration_new(d->loop, &mp, &mh);
	d->migrate = d->migration ? migrate_new(d->loop, d->cfg, &gh) : NULL;
	return d->migrate ? 0 : -1;
}

struct daemon *daemon_new(struct loop *l, const char *cfg_path, struct config *cfg,
			  const struct dataplane *dp, struct xdp_state *xdp)
{
	struct daemon *d = calloc(1, sizeof(*d));
	struct role_hooks rh;
	struct reports_hooks ph;
	struct cluster_hooks ch;
	struct cluster_params cp;
	struct authmode_hooks ah;
	struct election_hooks eh;
	struct cookies_hooks kh;

	if (!d) {
		log_err("out of memory");
		free_config(cfg);
		return NULL;
	}
	d->loop = l;
	d->cfg = cfg;
	d->dp = dp;
	d->xdp = xdp;
	d->started = time(NULL);
	snprintf(d->cfg_path, sizeof(d->cfg_path), "%s", cfg_path);
	rh = (struct role_hooks){ .ctx = d, .on_changed = on_role_changed };
	if (check_steering_host(cfg))
		goto fail;
	d->role = role_new(l, cfg, dp, &rh);
	if (!d->role || check_owner(d))
		goto fail;
	role_clean_stale(d->role);
	kh = (struct cookies_hooks){ .ctx = d, .on_change = on_cookies };
	d->cookies = cookies_new(l, cfg, dp, &kh);
	d->top_sources = top_sources_new(l, dp);
	if (!d->cookies || !d->top_sources)
		goto fail;
	ph = (struct reports_hooks){ .ctx = d, .on_members_changed = on_members_changed,
				     .on_own_report = on_own_report, .claim = claim_migration,
				     .own_mac = own_mac };
	d->reports = reports_new(l, cfg, &ph);
	if (!d->reports)
		goto fail;
	cp = (struct cluster_params){ .cfg = cfg, .dp = dp,
				      .members = reports_members(d->reports),
				      .node_id = reports_node_id(d->reports) };
	ch = (struct cluster_hooks){ .ctx = d, .self_load = self_load };
	d->cluster = cluster_new(l, &cp, &ch);
	if (!d->cluster)
		goto fail;
	if (cfg->mode == CFG_MODE_AUTH) {
		ah = (struct authmode_hooks){ .ctx = d, .on_xdp_answers = on_xdp_answers,
					      .on_redirect = on_redirect, .pick = pick };
		d->authmode = authmode_new(l, cfg, &ah);
		if (!d->authmode)
			goto fail;
	}
	if (new_migration(d))
		goto fail;
	eh = (struct election_hooks){ .ctx = d, .on_role = on_vrrp_role };
	d->election = election_new(l, cfg, &eh);
	if (!d->election)
		goto fail;
	/* a gateway drained before a stop or a crash stays drained: before
	 * its first report and the first table */
	drain_init(&d->drain, cfg->state_dir, cfg->name);
	if (drain_restore(&d->drain)) {
		log_info("drain on, restored from %s (%s)", d->drain.path, d->drain.reason);
		reports_set_draining(d->reports, true);
		cluster_set_draining(d->cluster, true);
		/* moving the clients goes on where the config says a drain
		 * does; one asked for on the command line ended with the run */
		if (cfg->drain_migrate && migrate_available(d->migrate, NULL))
			migrate_drain(d->migrate, 0);
	}
	return d;
fail:
	daemon_free(d);
	return NULL;
}

int daemon_start(struct daemon *d)
{
	/* vrrp = off: attach now, so that a failure stops the start before
	 * any VIP is added (with VRRP a node attaches when it becomes master) */
	if (d->cfg->vrrp == CFG_VRRP_OFF && d->dp->ops->attach(d->dp->ctx))
		return -1;
	role_follow_interface(d->role, "VIP found on the interface");
	role_hold_backups(d->role);
	cluster_refill(d->cluster);
	election_start(d->election);
	return 0;
}

void daemon_resign(struct daemon *d)
{
	if (d->election)
		election_stop(d->election);
	if (d->role)
		role_stopping(d->role);
	for (int fam = 0; fam < IKELB_FAMILIES && d->role; fam++)
		if (role_vip(d->role, fam)->role == ROLE_MASTER)
			role_set(d->role, fam, ROLE_BACKUP, "stopping");
}

bool daemon_busy(const struct daemon *d)
{
	return d->authmode && authmode_busy(d->authmode);
}

void daemon_free(struct daemon *d)
{
	if (!d)
		return;
	daemon_resign(d);
	election_free(d->election);
	authmode_free(d->authmode);
	d->authmode = NULL;
	migrate_free(d->migrate);
	d->migrate = NULL;
	migration_free(d->migration);
	d->migration = NULL;
	cluster_free(d->cluster);
	d->cluster = NULL;
	reports_free(d->reports);
	top_sources_free(d->top_sources);
	cookies_free(d->cookies);
	role_free(d->role);
	free_config(d->cfg);
	free(d);
}

/* ---- control requests, reloads -------------------------------------------- */

static void sources(const struct daemon *d, struct status_sources *s)
{
	*s = (struct status_sources){
		.cfg = d->cfg,
		.dp = d->dp,
		.xdp = d->xdp,
		.role = d->role,
		.cookies = d->cookies,
		.top_sources = d->top_sources,
		.election = d->election,
		.cluster = d->cluster,
		.reports = d->reports,
		.authmode = d->authmode,
		.migrate = d->migrate,
		.migration = d->migration,
		.rebalance = &d->rebalance,
		.drain = &d->drain,
		.loop = d->loop,
		.started = d->started,
		.reloads = d->reloads,
		.reload_failures = d->reload_failures,
	};
}

int daemon_set_drain(struct daemon *d, bool on, const char *reason)
{
	bool was = d->drain.on;
	int rc = drain_set(&d->drain, on, reason, time(NULL));

	if (rc)
		log_err("drain %s, but %s: a restart would %s", on ? "on" : "off", d->drain.error,
			on ? "put this gateway back into service" : "drain it again");
	if (was == on)
		return rc;
	log_info("drain %s (%s)", on ? "on: no new clients for this gateway" : "off", reason);
	/* no reader restart, no waiting: the next report says so */
	reports_set_draining(d->reports, on);
	cluster_set_draining(d->cluster, on);
	return rc;
}

const struct drain *daemon_drain(const struct daemon *d)
{
	return &d->drain;
}

/*
 * "drain on", "drain on migrate [RATE]", "drain off": the drain itself,
 * then moving this gateway's clients: with migrate (or [gateway]
 * drain_migrate = yes) at RATE per second (or migrate_rate); drain off
 * stops it.
 */
static int drain_request(struct daemon *d, const char *req, FILE *out)
{
	bool on = strcmp(req, "drain off") != 0;
	bool asked = !strncmp(req, "drain on migrate", 16);
	bool migrate = asked || (on && d->cfg->drain_migrate);
	const char *why, *arg = req + 16;
	unsigned long rate = 0;
	char *end = NULL;
	bool saved;

	if (asked && *arg) {
		rate = *arg == ' ' && arg[1] >= '0' && arg[1] <= '9' ? strtoul(arg + 1, &end, 10) : 0;
		if (!rate || *end || rate > MIGRATE_RATE_MAX) {
			fprintf(out, "bad request \"%s\": the rate is 1..%d clients per second\n",
				req, MIGRATE_RATE_MAX);
			return -1;
		}
	}
	if (migrate && !migrate_available(d->migrate, &why)) {
		fprintf(out, "cannot move clients: %s\n", why);
		return -1;
	}
	saved = daemon_set_drain(d, on, !on ? "ikelb-load drain off"
				 : asked ? "ikelb-load drain on --migrate"
					 : "ikelb-load drain on") == 0;
	if (!on || !migrate) {
		migrate_stop(d->migrate);
		fprintf(out, "drain %s", on ? "on" : "off");
	} else {
		migrate_drain(d->migrate, (uint32_t)rate);
		fprintf(out, "drain on, moving clients at %u per second",
			rate ? (unsigned)rate : d->cfg->migrate_rate);
	}
	/* applied either way; the caller hears that a restart would undo it */
	if (!saved) {
		fprintf(out, " in memory only: %s\n", d->drain.error);
		return -1;
	}
	fputc('\n', out);
	return 0;
}

int daemon_request(void *daemon, const char *req, FILE *out)
{
	struct daemon *d = daemon;
	struct status_sources s;

	if (!strcmp(req, "status") || !strcmp(req, "status json")) {
		sources(d, &s);
		if (strcmp(req, "status"))
			status_view_json(&s, out);
		else
			status_view_text(&s, out);
		return 0;
	}
	if (!strncmp(req, "drain on migrate", 16) || !strcmp(req, "drain on") ||
	    !strcmp(req, "drain off"))
		return drain_request(d, req, out);
	if (strcmp(req, "drain")) {
		fprintf(out, "unknown request \"%s\"\n", req);
		return -1;
	}
	fprintf(out, "drain %s\n", d->drain.on ? "on" : "off");
	return 0;
}

int daemon_metrics(void *daemon, FILE *out)
{
	struct daemon *d = daemon;
	struct status_sources s;
	struct json_object *snap;

	sources(d, &s);
	snap = status_view_snapshot(&s);
	metrics_view_write(snap, out);
	json_object_put(snap);
	return 0;
}

void daemon_reload(struct daemon *d)
{
	struct config *next, *old = d->cfg;
	const char *what;
	char err[600];

	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)loop_clock_ms() * 1000);
	log_info("reloading %s", d->cfg_path);
	next = load_config(d->cfg_path);
	if (!next) {
		log_err("new config rejected; the running config stays in force");
		d->reload_failures++;
	} else if ((what = config_reload_refusal(old, next))) {
		log_err("new config changes %s, which needs a restart; the running config "
			"stays in force", what);
		free_config(next);
		d->reload_failures++;
	} else if (check_steering_host(next)) {
		log_err("new config rejected; the running config stays in force");
		free_config(next);
		d->reload_failures++;
	} else if (reports_prepare(d->reports, next, err, sizeof(err))) {
		/* the key files are read again even when their paths stay:
		 * a key rotated in place must be taken, a broken one refused */
		log_err("%s; the running config and keys stay in force", err);
		free_config(next);
		d->reload_failures++;
	} else {
		/* every module moves to the new config before the old one goes */
		d->cfg = next;
		role_reload(d->role, next);
		cookies_reload(d->cookies, next);
		election_reload(d->election, next);
		if (reports_reload(d->reports, next))
			log_err("the new tunnels source failed to start; this gateway reports "
				"unhealthy");
		if (d->authmode)
			authmode_reload(d->authmode, next);
		migrate_reload(d->migrate, next);
		cluster_reload(d->cluster, next);
		free_config(old);
		d->reloads++;
		log_info("config reloaded");
	}
	sd_notify(0, "READY=1");
}

void daemon_addr_changed(struct daemon *d)
{
	if (d->cfg->vrrp == CFG_VRRP_EXTERNAL)
		role_follow_interface(d->role, "VIP address changed on the interface");
	else
		election_addr_changed(d->election);
}

/* ---- `ikelb-load run` ----------------------------------------------------- */

struct runtime {
	struct loop *loop;
	struct daemon *d;
	int lock_fd, sig_fd, addr_fd;
	struct loop_io sig_io, addr_io;
	struct ctl_server *ctl;
	struct metrics_server *metrics; /* [metrics] listen set */
	struct xdp_state xdp;
	struct dataplane dp;
	struct dataplane_xdp dp_xdp;
};

static void on_signal(void *arg, int fd, uint32_t events)
{
	struct runtime *rt = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			daemon_reload(rt->d);
		} else {
			log_info("%s received, stopping", strsignal(si.ssi_signo));
			loop_stop(rt->loop);
		}
	}
}

static void on_addr_change(void *arg, int fd, uint32_t events)
{
	struct runtime *rt = arg;

	(void)events;
	if (addr_watch_drain(fd))
		daemon_addr_changed(rt->d);
}

static int setup_signals(struct runtime *rt)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* notify scripts are reaped by the kernel */
	rt->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (rt->sig_fd < 0)
		return -1;
	loop_io_init(&rt->sig_io, rt->loop, "signals", rt->sig_fd, on_signal, rt);
	return loop_io_start(&rt->sig_io, LOOP_IN);
}

/* Everything before the modules: the lock, the program, the sockets. */
static int setup(struct runtime *rt, const struct config *c)
{
	int ifindex = (int)if_nametoindex(c->interface);

	if (!ifindex) {
		log_err("interface %s: %s", c->interface, strerror(errno));
		return -1;
	}
	rt->lock_fd = ctl_lock(c->name);
	if (rt->lock_fd < 0)
		return -1;
	/* Refuse before touching anything: never take over another XDP user. */
	if (xdp_check_free(ifindex) || xdp_open(&rt->xdp, c->name))
		return -1;
	if (dataplane_xdp_init(&rt->dp, &rt->dp_xdp, &rt->xdp, ifindex, c->xdp_mode))
		return -1;
	rt->loop = loop_new();
	if (!rt->loop || setup_signals(rt)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	if (c->vrrp != CFG_VRRP_OFF) {
		rt->addr_fd = addr_watch_open();
		loop_io_init(&rt->addr_io, rt->loop, "addr.watch", rt->addr_fd, on_addr_change,
			     rt);
		if (rt->addr_fd < 0 || loop_io_start(&rt->addr_io, LOOP_IN)) {
			log_err("cannot watch interface addresses: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* A master resigns and gives its VIPs up at once; what that asks of
 * charon gets STOP_GRACE_MS to go out. */
#define STOP_GRACE_MS 2000

static void teardown(struct runtime *rt, const char *cluster)
{
	if (rt->d) {
		uint64_t until = loop_clock_ms() + STOP_GRACE_MS;

		daemon_resign(rt->d);
		while (daemon_busy(rt->d) && loop_clock_ms() < until)
			loop_run_once(rt->loop, 50);
	}
	metrics_server_free(rt->metrics); /* it renders from the modules */
	daemon_free(rt->d);
	dataplane_xdp_close(&rt->dp_xdp); /* after the VIPs went */
	ctl_server_free(rt->ctl);
	if (rt->xdp.skel)
		xdp_close(&rt->xdp);
	if (rt->addr_fd >= 0) {
		loop_io_stop(&rt->addr_io);
		close(rt->addr_fd);
	}
	if (rt->sig_fd >= 0) {
		loop_io_stop(&rt->sig_io);
		close(rt->sig_fd);
	}
	loop_free(rt->loop);
	if (rt->lock_fd >= 0) {
		char lock[128];

		rundir_path(lock, sizeof(lock), cluster, "lock");
		unlink(lock);
		close(rt->lock_fd);
	}
}

int daemon_run(const char *cfg_path)
{
	struct runtime rt = { .lock_fd = -1, .sig_fd = -1, .addr_fd = -1,
			      .dp_xdp = { .packet_fd = -1 } };
	struct config *cfg = load_config(cfg_path);
	char name[CFG_NAME_MAX + 1], iface[IF_NAMESIZE];
	struct cfg_listen metrics;
	int rc = 1;

	if (!cfg)
		return 1;
	/* the loop logs: a reader of stderr that stalls must not stall it */
	log_never_block();
	snprintf(name, sizeof(name), "%s", cfg->name);
	snprintf(iface, sizeof(iface), "%s", cfg->interface);
	metrics = cfg->metrics_listen; /* a restart key: read once */
	if (setup(&rt, cfg)) {
		free_config(cfg);
	} else {
		rt.d = daemon_new(rt.loop, cfg_path, cfg, &rt.dp, &rt.xdp);
		if (rt.d)
			rt.ctl = ctl_server_new(rt.loop, name, daemon_request, rt.d);
		/* a configured endpoint that cannot listen stops the start: a
		 * cluster nobody can see is worse than one that says why */
		if (rt.ctl && metrics.port)
			rt.metrics = metrics_server_new(rt.loop, &metrics, daemon_metrics, rt.d);
		if (rt.ctl && (rt.metrics || !metrics.port) && daemon_start(rt.d) == 0) {
			sd_notifyf(0, "READY=1\nSTATUS=cluster %s on %s", name, iface);
			log_info("ikelb-load %s running: cluster %s, interface %s", IKELB_VERSION,
				 name, iface);
			rc = loop_run(rt.loop) ? 1 : 0;
		}
	}
	sd_notify(0, "STOPPING=1");
	teardown(&rt, name);
	return rc;
}
