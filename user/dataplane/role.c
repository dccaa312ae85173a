// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Role changes: see role.h for the order of the steps and why. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/rundir.h"
#include "dataplane/role.h"

struct role {
	struct loop *loop;
	const struct config *cfg;
	const struct dataplane *dp;
	struct role_hooks hooks;
	bool xdp_answers; /* auth mode may turn the XDP answers off */
	bool cookies; /* the program asks for cookies (dataplane/cookies.h decides) */
	struct vip_state vip[IKELB_FAMILIES];
	struct loop_timer announce[IKELB_FAMILIES];
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

/* Which VIPs we added, so that the next start can remove them after a crash. */
static void save_added(struct role *r)
{
	char path[128], tmp[140], s[INET6_ADDRSTRLEN];
	FILE *f;

	rundir_path(path, sizeof(path), r->cfg->name, "vips");
	if (!r->vip[IKELB_FAM_V4].added && !r->vip[IKELB_FAM_V6].added) {
		unlink(path);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%d\n", r->dp->ifindex);
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		if (r->vip[fam].added)
			fprintf(f, "%s\n", ip_addr_str(&r->vip[fam].ip, s, sizeof(s)));
	fclose(f);
	rename(tmp, path);
}

void role_clean_stale(struct role *r)
{
	char path[128], line[128];
	int ifindex = -1;
	FILE *f;

	rundir_path(path, sizeof(path), r->cfg->name, "vips");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		ifindex = atoi(line);
	if (ifindex != r->dp->ifindex)
		log_warn("%s names VIPs of interface index %d, not of %s: left alone", path,
			 ifindex, r->cfg->interface);
	/* the record is of this interface: its VIPs go through the data path */
	while (ifindex == r->dp->ifindex && fgets(line, sizeof(line), f)) {
		struct ip_addr ip = {};

		line[strcspn(line, "\n")] = 0;
		ip.family = strchr(line, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(ip.family, line, &ip.v6) != 1)
			continue;
		if (r->dp->ops->addr_present(r->dp->ctx, &ip) == 1) {
			log_info("removing VIP %s left behind by a previous run", line);
			r->dp->ops->addr_del(r->dp->ctx, &ip);
		}
	}
	fclose(f);
	unlink(path);
}

static void run_notify(struct role *r, int fam, enum vip_role to)
{
	const char *script = r->cfg->notify;
	char vip[INET6_ADDRSTRLEN];
	pid_t pid;

	if (!script[0])
		return;
	ip_addr_str(&r->vip[fam].ip, vip, sizeof(vip));
	pid = fork();
	if (pid == 0) {
		/* SIGCHLD is ignored in the daemon, so no zombie is left behind. */
		signal(SIGCHLD, SIG_DFL);
		execl(script, script, role_name(to), fam_name(fam), vip, (char *)NULL);
		_exit(127);
	}
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
	if (present == 0 && dp->ops->addr_add(dp->ctx, &v->ip) == 0) {
		v->added = true;
		save_added(r);
	} else if (present == 1 && owns_vip(r) && !v->added) {
		/* already there (a hand-made VIP, a lost record): VRRP owns it */
		v->added = true;
		save_added(r);
	}
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
	role_push_config(r);
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
		args[fam] = (struct announce_arg){ r, fam };
		loop_timer_init(&r->announce[fam], l, on_announce, &args[fam]);
	}
	if (role_push_config(r)) {
		role_free(r);
		return NULL;
	}
	return r;
}

int role_reload(struct role *r, const struct config *c)
{
	r->cfg = c;
	return role_push_config(r);
}

void role_free(struct role *r)
{
	if (!r)
		return;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		loop_timer_stop(&r->announce[fam]);
	free(r);
}
