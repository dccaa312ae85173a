// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Role changes: see role.h for the order of the steps and why. */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"
#include "dataplane/role.h"
#include "dataplane/vip_record.h"

struct role {
	struct loop *loop;
	const struct config *cfg;
	const struct dataplane *dp;
	struct role_hooks hooks;
	bool xdp_answers; /* auth mode may turn the XDP answers off */
	bool stopping; /* no VIP goes to lo any more */
	bool cookies; /* the program asks for cookies (dataplane/cookies.h decides) */
	struct vip_state vip[IKELB_FAMILIES];
	struct loop_timer announce[IKELB_FAMILIES];
	struct loop_timer refresh[IKELB_FAMILIES]; /* the VIP's lifetime */
};

struct announce_arg {
	struct role *r;
	int fam;
};

const char *role_name(enum vip_role r)
{
	return r == ROLE_MASTER ? "MASTER" : "BACKUP";
}

static const char *fam_name(int fam)
{
	return fam == IKELB_FAM_V6 ? "IPv6" : "IPv4";
}

const struct vip_state *role_vip(const struct role *r, int fam)
{
	return &r->vip[fam];
}

bool role_any_master(const struct role *r)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		if (r->vip[fam].configured && r->vip[fam].role == ROLE_MASTER)
			return true;
	return false;
}

/* The XDP program answers for a VIP only while this node holds it. */
static bool answers(const struct role *r, int fam)
{
	const struct vip_state *v = &r->vip[fam];

	return v->configured && v->role == ROLE_MASTER && r->xdp_answers;
}

int role_push_config(struct role *r)
{
	const struct config *cfg = r->cfg;
	struct ikelb_config c = {};

	if (cfg->has_vip4)
		c.vip4 = cfg->vip4.s_addr;
	if (cfg->has_vip6)
		memcpy(c.vip6, &cfg->vip6, 16);
	c.vip4_active = answers(r, IKELB_FAM_V4);
	c.vip6_active = answers(r, IKELB_FAM_V6);
	c.unsupported_action = cfg->unsupported;
	c.no_target_action = cfg->no_target;
	c.rate_per_source = cfg->rate_per_source;
	c.burst_per_source = cfg->burst_per_source;
	c.rate_total = cfg->rate_total;
	c.burst_total = cfg->burst_total;
	c.answer_tagged = cfg->answer_tagged;
	c.cookie_mode = r->cookies ? IKELB_COOKIES_ON : IKELB_COOKIES_OFF;
	for (unsigned i = 0; i < cfg->n_ports && i < IKELB_MAX_PORTS; i++) {
		c.ports[i] = htons(cfg->ports[i]);
		for (unsigned j = 0; j < cfg->n_natt_ports; j++)
			if (cfg->natt_ports[j] == cfg->ports[i])
				c.port_natt[i] = 1;
	}
	if (r->dp->ops->set_config(r->dp->ctx, &c)) {
		log_err("cannot write the XDP config map: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void role_set_xdp_answers(struct role *r, bool answers)
{
	if (r->xdp_answers == answers)
		return;
	r->xdp_answers = answers;
	role_push_config(r);
}

void role_set_cookies(struct role *r, bool on)
{
	if (r->cookies == on)
		return;
	r->cookies = on;
	role_push_config(r);
}

/* Which VIPs we added, so that whoever comes after a crash removes them. */
static void save_added(struct role *r)
{
	struct vip_record rec = { .ifindex = r->dp->ifindex };

	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		if (r->vip[fam].added)
			rec.ips[rec.n++] = r->vip[fam].ip;
		if (r->vip[fam].on_lo)
			rec.lo_ips[rec.n_lo++] = r->vip[fam].ip;
	}
	vip_record_save(r->cfg->name, &rec);
}

void role_clean_stale(struct role *r)
{
	struct vip_record rec;
	char s[INET6_ADDRSTRLEN];

	if (vip_record_load(r->cfg->name, &rec) != 1)
		return;
	if (rec.ifindex != r->dp->ifindex)
		log_warn("the VIP record of cluster %s names interface index %d, not %s: left alone",
			 r->cfg->name, rec.ifindex, r->cfg->interface);
	/* the record is of this interface: its VIPs go through the data path */
	for (unsigned i = 0; rec.ifindex == r->dp->ifindex && i < rec.n; i++) {
		if (r->dp->ops->addr_present(r->dp->ctx, &rec.ips[i]) == 1) {
			log_info("removing VIP %s left behind by a previous run",
				 ip_addr_str(&rec.ips[i], s, sizeof(s)));
			r->dp->ops->addr_del(r->dp->ctx, &rec.ips[i]);
		}
	}
	/* the ones on lo (steering) whatever the interface */
	for (unsigned i = 0; i < rec.n_lo; i++) {
		if (r->dp->ops->lo_present(r->dp->ctx, &rec.lo_ips[i]) == 1) {
			log_info("removing VIP %s from lo, left behind by a previous run",
				 ip_addr_str(&rec.lo_ips[i], s, sizeof(s)));
			r->dp->ops->lo_del(r->dp->ctx, &rec.lo_ips[i]);
		}
	}
	vip_record_remove(r->cfg->name);
}

/*
 * The notify script runs with what a program started from a shell would
 * have: default signal dispositions (the daemon ignores SIGPIPE and
 * SIGCHLD), an empty signal mask (it blocks SIGTERM, SIGINT and SIGHUP
 * for its signalfd), so that the script can be stopped and its pipes
 * behave, and normal scheduling (the daemon may run at a real-time
 * priority: a script must not).  fork, not posix_spawn: glibc's posix_spawn leaves its two
 * internal signals (32 and 33) ignored in the child, and an ignored signal
 * stays ignored across exec.  The child calls only async-signal-safe
 * functions (the tunnel reader is another thread).  The file is checked
 * again before each run: the check when the config was read does not
 * cover a chmod since.
 */
static void run_notify(struct role *r, int fam, enum vip_role to)
{
	const char *script = r->cfg->notify;
	char vip[INET6_ADDRSTRLEN], why[256];
	char *argv[5];
	pid_t pid;

	if (!script[0])
		return;
	if (config_file_trusted(script, why, sizeof(why)) ||
	    (access(script, X_OK) && snprintf(why, sizeof(why), "%s", strerror(errno)))) {
		log_err("notify script %s not run: %s", script, why);
		return;
	}
	ip_addr_str(&r->vip[fam].ip, vip, sizeof(vip));
	argv[0] = (char *)script;
	argv[1] = (char *)role_name(to);
	argv[2] = (char *)fam_name(fam);
	argv[3] = vip;
	argv[4] = NULL;
	pid = fork();
	if (pid == 0) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		struct sched_param normal = { .sched_priority = 0 };
		sigset_t none;

		sched_setscheduler(0, SCHED_OTHER, &normal);
		/* SIGKILL, SIGSTOP and glibc's own refuse: they are default */
		for (int sig = 1; sig < NSIG; sig++)
			sigaction(sig, &dfl, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(script, argv, environ);
		_exit(127);
	}
	/* SIGCHLD is ignored in the daemon, so no zombie is left behind. */
	if (pid < 0)
		log_warn("cannot run notify script %s: %s", script, strerror(errno));
}

/*
 * With vrrp = on the role owns the VIP: a backup never keeps it, whoever put
 * it there (two holders would both answer ARP/ND).  Not the address owner's
 * (priority 255: the VIP is the interface's own address), and with vrrp =
 * off or external an address someone else added stays.
 */
static bool owns_vip(const struct role *r)
{
	return r->cfg->vrrp == CFG_VRRP_ON && r->cfg->priority != 255;
}

static void on_announce(void *arg)
{
	struct announce_arg *a = arg;
	struct role *r = a->r;
	struct vip_state *v = &r->vip[a->fam];

	if (v->role != ROLE_MASTER || !v->announce_left)
		return;
	r->dp->ops->announce(r->dp->ctx, &v->ip);
	if (--v->announce_left)
		loop_timer_after(&r->announce[a->fam], r->cfg->announce_interval_ms);
}

/*
 * The valid lifetime of a VIP this node adds, in seconds (0: forever):
 * only where VRRP owns the VIP.  The daemon renews it every third of it
 * while it holds the VIP, so that only a dead daemon's VIP expires: the
 * kernel removes it by itself, with no systemd, cleanup command or restart
 * needed (the units' ExecStopPost= cleanup is quicker; this is the
 * backstop).
 */
static uint32_t lifetime_s(const struct role *r)
{
	return owns_vip(r) ? r->cfg->vip_lifetime_ms / 1000 : 0;
}

static void on_refresh(void *arg)
{
	struct announce_arg *a = arg;
	struct role *r = a->r;
	struct vip_state *v = &r->vip[a->fam];
	char s[INET6_ADDRSTRLEN];

	if (v->role != ROLE_MASTER || !v->added)
		return;
	if (r->dp->ops->addr_refresh(r->dp->ctx, &v->ip, lifetime_s(r)))
		log_warn("cannot renew the lifetime of VIP %s", ip_addr_str(&v->ip, s, sizeof(s)));
}

/* The refresh timer of fam's VIP, after it was added or a reload. */
static void arm_refresh(struct role *r, int fam)
{
	uint32_t life = lifetime_s(r);

	if (r->vip[fam].role != ROLE_MASTER || !r->vip[fam].added || !life) {
		loop_timer_stop(&r->refresh[fam]);
		return;
	}
	loop_timer_every(&r->refresh[fam], life * 1000u / 3u);
}

/* Steering: a node that is not master holds the VIP on lo (role.h).  No
 * lifetime there: a dead daemon's goes with the record (the cleanup, or
 * the next start), and meanwhile its gateway's steered SAs keep working. */
static bool holds_on_lo(const struct role *r)
{
	return config_steering(r->cfg) && !r->stopping;
}

static void lo_hold(struct role *r, int fam)
{
	const struct dataplane *dp = r->dp;
	struct vip_state *v = &r->vip[fam];
	char s[INET6_ADDRSTRLEN];
	int present;

	if (!v->configured || v->on_lo)
		return;
	present = dp->ops->lo_present(dp->ctx, &v->ip);
	/* one put there by hand stays the operator's */
	if (present != 0)
		return;
	if (dp->ops->lo_add(dp->ctx, &v->ip)) {
		log_err("cannot hold VIP %s on lo: steered clients cannot reach this gateway",
			ip_addr_str(&v->ip, s, sizeof(s)));
		return;
	}
	v->on_lo = true;
	save_added(r);
}

static void lo_release(struct role *r, int fam)
{
	struct vip_state *v = &r->vip[fam];

	if (v->on_lo && r->dp->ops->lo_del(r->dp->ctx, &v->ip) == 0) {
		v->on_lo = false;
		save_added(r);
	}
}

void role_hold_backups(struct role *r)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		if (!holds_on_lo(r))
			lo_release(r, fam);
		else if (r->vip[fam].configured && r->vip[fam].role == ROLE_BACKUP)
			lo_hold(r, fam);
	}
}

void role_stopping(struct role *r)
{
	r->stopping = true;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		lo_release(r, fam);
}

static void to_master(struct role *r, int fam)
{
	const struct dataplane *dp = r->dp;
	struct vip_state *v = &r->vip[fam];
	int present;

	/* Attaching can only fail here if another program appeared since the
	 * start; the VIP is still taken, so that clients reach this node's own
	 * gateway, and the error is in the log and in `status`. */
	if (!dp->ops->attached(dp->ctx) && dp->ops->attach(dp->ctx))
		log_err("holding the %s VIP without the XDP program: clients get no redirect",
			fam_name(fam));
	v->role = ROLE_MASTER;
	role_push_config(r);
	present = dp->ops->addr_present(dp->ctx, &v->ip);
	if (present == 0 && dp->ops->addr_add(dp->ctx, &v->ip, lifetime_s(r)) == 0) {
		v->added = true;
		save_added(r);
	} else if (present == 1 && owns_vip(r) && !v->added) {
		/* already there (a hand-made VIP, a lost record): VRRP owns it,
		 * its lifetime included */
		v->added = true;
		save_added(r);
		if (lifetime_s(r))
			dp->ops->addr_refresh(dp->ctx, &v->ip, lifetime_s(r));
	}
	arm_refresh(r, fam);
	/* on the interface now: it leaves lo, and was never missing */
	lo_release(r, fam);
	v->announce_left = r->cfg->announce_count ? r->cfg->announce_count : 1;
	loop_timer_after(&r->announce[fam], 0);
}

static void to_backup(struct role *r, int fam)
{
	const struct dataplane *dp = r->dp;
	struct vip_state *v = &r->vip[fam];

	v->role = ROLE_BACKUP;
	v->announce_left = 0;
	loop_timer_stop(&r->announce[fam]);
	loop_timer_stop(&r->refresh[fam]);
	role_push_config(r);
	/* on lo before it leaves the interface: never missing */
	if (holds_on_lo(r))
		lo_hold(r, fam);
	if ((v->added || (owns_vip(r) && dp->ops->addr_present(dp->ctx, &v->ip) == 1)) &&
	    dp->ops->addr_del(dp->ctx, &v->ip) == 0) {
		v->added = false;
		save_added(r);
	}
	if (!role_any_master(r))
		dp->ops->detach(dp->ctx);
}

int role_set(struct role *r, int fam, enum vip_role to, const char *reason)
{
	struct vip_state *v = &r->vip[fam];
	char s[INET6_ADDRSTRLEN];

	if (!v->configured)
		return 0;
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	if (v->role == to && v->since)
		return 0;
	if (to == ROLE_MASTER)
		to_master(r, fam);
	else
		to_backup(r, fam);
	v->since = time(NULL);
	v->transitions++;
	log_info("%s VIP %s: %s (%s)", fam_name(fam), ip_addr_str(&v->ip, s, sizeof(s)),
		 role_name(to), reason);
	if (r->hooks.on_changed)
		r->hooks.on_changed(r->hooks.ctx, fam, to);
	run_notify(r, fam, to);
	return 0;
}

void role_follow_interface(struct role *r, const char *why)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct vip_state *v = &r->vip[fam];
		int present;

		if (!v->configured)
			continue;
		if (r->cfg->vrrp == CFG_VRRP_OFF) {
			role_set(r, fam, ROLE_MASTER, "vrrp = off");
		} else if (r->cfg->vrrp == CFG_VRRP_EXTERNAL) {
			present = r->dp->ops->addr_present(r->dp->ctx, &v->ip);
			if (present == 1 && v->role != ROLE_MASTER)
				role_set(r, fam, ROLE_MASTER, why);
			else if (present == 0 && v->role == ROLE_MASTER)
				role_set(r, fam, ROLE_BACKUP, why);
		}
	}
}

struct role *role_new(struct loop *l, const struct config *c, const struct dataplane *dp,
		      const struct role_hooks *h)
{
	struct role *r = calloc(1, sizeof(*r) + IKELB_FAMILIES * sizeof(struct announce_arg));
	struct announce_arg *args;

	if (!r) {
		log_err("out of memory");
		return NULL;
	}
	args = (struct announce_arg *)(r + 1);
	r->loop = l;
	r->cfg = c;
	r->dp = dp;
	r->xdp_answers = true;
	if (h)
		r->hooks = *h;
	r->vip[IKELB_FAM_V4].configured = c->has_vip4;
	r->vip[IKELB_FAM_V4].ip = (struct ip_addr){ .family = AF_INET, .v4 = c->vip4 };
	r->vip[IKELB_FAM_V6].configured = c->has_vip6;
	r->vip[IKELB_FAM_V6].ip = (struct ip_addr){ .family = AF_INET6, .v6 = c->vip6 };
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		bool v6 = fam == IKELB_FAM_V6;

		args[fam] = (struct announce_arg){ r, fam };
		loop_timer_init(&r->announce[fam], l, v6 ? "role.announce.ipv6" : "role.announce.ipv4",
				on_announce, &args[fam]);
		loop_timer_init(&r->refresh[fam], l, v6 ? "role.refresh.ipv6" : "role.refresh.ipv4",
				on_refresh, &args[fam]);
	}
	if (role_push_config(r)) {
		role_free(r);
		return NULL;
	}
	return r;
}

int role_reload(struct role *r, const struct config *c)
{
	uint32_t old = lifetime_s(r);

	r->cfg = c;
	for (int fam = 0; fam < IKELB_FAMILIES && lifetime_s(r) != old; fam++) {
		/* the new lifetime (or none) at once, then its own period */
		if (r->vip[fam].role == ROLE_MASTER && r->vip[fam].added)
			r->dp->ops->addr_refresh(r->dp->ctx, &r->vip[fam].ip, lifetime_s(r));
		arm_refresh(r, fam);
	}
	/* steering turned on or off: the VIPs of a backup go to lo or leave */
	role_hold_backups(r);
	return role_push_config(r);
}

void role_free(struct role *r)
{
	if (!r)
		return;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		loop_timer_stop(&r->announce[fam]);
		loop_timer_stop(&r->refresh[fam]);
	}
	free(r);
}
