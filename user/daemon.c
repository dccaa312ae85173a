// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * `ikelb-load run`: set up, run the event loop, and leave nothing behind.
 * One thread, one epoll loop; every module is driven by fds and deadlines.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "addr.h"
#include "announce.h"
#include "authmode.h"
#include "cluster.h"
#include "ctl.h"
#include "daemon.h"
#include "election.h"
#include "log.h"

#define REFILL_MS 100

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_errors(const struct cfg_errors *e)
{
	for (unsigned i = 0; i < e->n; i++)
		log_err("%s", e->msg[i]);
}

static int load_config(const char *path, struct config *c)
{
	struct cfg_errors e = {};
	int rc = config_load(path, c, &e);

	if (rc)
		print_errors(&e);
	cfg_errors_free(&e);
	return rc;
}

static void init_vips(struct daemon *d)
{
	struct vip_state *v4 = &d->vip[IKELB_FAM_V4], *v6 = &d->vip[IKELB_FAM_V6];

	v4->configured = d->cfg.has_vip4;
	v4->ip = (struct cfg_ip){ .family = AF_INET, .v4 = d->cfg.vip4 };
	v6->configured = d->cfg.has_vip6;
	v6->ip = (struct cfg_ip){ .family = AF_INET6, .v6 = d->cfg.vip6 };
}

static int epoll_add(struct daemon *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int daemon_watch(struct daemon *d, int fd)
{
	if (epoll_add(d, fd)) {
		log_err("epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_signals(struct daemon *d)
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
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->sigfd < 0 ? -1 : epoll_add(d, d->sigfd);
}

/* vrrp = off: this node always holds the VIPs; external: whoever put the
 * VIP on the interface (keepalived, ...) decides. */
static void follow_static_roles(struct daemon *d, const char *why)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct vip_state *v = &d->vip[fam];

		if (!v->configured)
			continue;
		if (d->cfg.vrrp == CFG_VRRP_OFF) {
			role_set(d, fam, ROLE_MASTER, "vrrp = off");
		} else if (d->cfg.vrrp == CFG_VRRP_EXTERNAL) {
			int present = addr_present(d->ifindex, &v->ip);

			if (present == 1 && v->role != ROLE_MASTER)
				role_set(d, fam, ROLE_MASTER, why);
			else if (present == 0 && v->role == ROLE_MASTER)
				role_set(d, fam, ROLE_BACKUP, why);
		}
	}
}

static void reload(struct daemon *d)
{
	struct config next;
	const char *what;

	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)now_ms() * 1000);
	log_info("reloading %s", d->cfg_path);
	if (load_config(d->cfg_path, &next)) {
		log_err("new config rejected; the running config stays in force");
		d->reload_failures++;
	} else if ((what = config_reload_refusal(&d->cfg, &next))) {
		log_err("new config changes %s, which needs a restart; the running config "
			"stays in force", what);
		config_free(&next);
		d->reload_failures++;
	} else {
		config_free(&d->cfg);
		d->cfg = next;
		role_push_config(d);
		cluster_config_changed(d);
		d->reloads++;
		log_info("config reloaded");
	}
	sd_notify(0, "READY=1");
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(d);
		} else {
			log_info("%s received, stopping", strsignal(si.ssi_signo));
			d->stop = true;
		}
	}
}

static int handle_ctl(void *ctx, const char *req, FILE *out)
{
	struct daemon *d = ctx;

	if (!strcmp(req, "status")) {
		report_text(d, out);
		return 0;
	}
	if (!strcmp(req, "status json")) {
		report_json(d, out);
		return 0;
	}
	if (!strcmp(req, "drain on") || !strcmp(req, "drain off")) {
		d->draining = !strcmp(req, "drain on");
		log_info("drain %s", d->draining ? "on: no new clients for this gateway" : "off");
		cluster_config_changed(d);
		fprintf(out, "drain %s\n", d->draining ? "on" : "off");
		return 0;
	}
	if (!strcmp(req, "drain")) {
		fprintf(out, "drain %s\n", d->draining ? "on" : "off");
		return 0;
	}
	fprintf(out, "unknown request \"%s\"\n", req);
	return -1;
}

static void announce_due(struct daemon *d, uint64_t now)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct vip_state *v = &d->vip[fam];

		if (v->role != ROLE_MASTER || !v->announce_left || now < v->next_announce_ms)
			continue;
		announce_vip(d->ifindex, &v->ip);
		v->announce_left--;
		v->next_announce_ms = now + d->cfg.announce_interval_ms;
	}
}

static uint64_t next_deadline(struct daemon *d)
{
	uint64_t t = d->next_refill_ms;

	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		if (d->vip[fam].announce_left && d->vip[fam].next_announce_ms < t)
			t = d->vip[fam].next_announce_ms;
	t = cluster_next_deadline(d, t);
	t = authmode_deadline(d, t);
	return election_deadline(d, t);
}

static void on_timers(struct daemon *d)
{
	uint64_t now = now_ms();

	election_timers(d, now);
	authmode_timers(d, now);
	announce_due(d, now);
	cluster_timers(d, now);
	if (now >= d->next_refill_ms) {
		cluster_refill(d, now);
		d->next_refill_ms = now + REFILL_MS;
	}
}

static void on_addr_change(struct daemon *d)
{
	if (!addr_watch_drain(d->addr_fd))
		return;
	if (d->cfg.vrrp == CFG_VRRP_EXTERNAL)
		follow_static_roles(d, "VIP address changed on the interface");
	else
		election_addr_changed(d);
}

static void loop(struct daemon *d)
{
	while (!d->stop) {
		struct epoll_event ev[16];
		uint64_t now = now_ms(), dl = next_deadline(d);
		int timeout = dl > now ? (int)(dl - now) : 0, n;

		n = epoll_wait(d->epfd, ev, 16, timeout);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == d->sigfd)
				on_signal(d);
			else if (fd == d->ctl_fd)
				ctl_serve_one(d->ctl_fd, handle_ctl, d);
			else if (fd == d->addr_fd)
				on_addr_change(d);
			else if (!election_fd_ready(d, fd) && !authmode_fd_ready(d, fd))
				cluster_fd_ready(d, fd);
		}
		on_timers(d);
	}
}

static int setup(struct daemon *d)
{
	d->ifindex = if_nametoindex(d->cfg.interface);
	if (!d->ifindex) {
		log_err("interface %s: %s", d->cfg.interface, strerror(errno));
		return -1;
	}
	d->lock_fd = ctl_lock(d->cfg.name);
	if (d->lock_fd < 0)
		return -1;
	init_vips(d);
	role_clean_stale(d);
	/* Refuse before touching anything: never take over another XDP user. */
	if (xdp_check_free(d->ifindex) || xdp_open(&d->xdp, d->cfg.name) ||
	    role_push_config(d))
		return -1;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0 || setup_signals(d))
		return -1;
	d->ctl_fd = ctl_listen(d->cfg.name);
	if (d->ctl_fd < 0 || epoll_add(d, d->ctl_fd))
		return -1;
	if (d->cfg.vrrp != CFG_VRRP_OFF) {
		d->addr_fd = addr_watch_open();
		if (d->addr_fd < 0 || epoll_add(d, d->addr_fd)) {
			log_err("cannot watch interface addresses: %s", strerror(errno));
			return -1;
		}
	}
	if (cluster_start(d) || authmode_start(d))
		return -1;
	return election_start(d);
}

/* vrrp = off: attach now, so that a failure stops the start before any VIP
 * is added (with VRRP a node attaches when it becomes master). */
static int attach_if_always_master(struct daemon *d)
{
	if (d->cfg.vrrp != CFG_VRRP_OFF)
		return 0;
	return xdp_attach(&d->xdp, d->ifindex, d->cfg.xdp_mode);
}

static void teardown(struct daemon *d)
{
	election_stop(d);
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		if (d->vip[fam].role == ROLE_MASTER)
			role_set(d, fam, ROLE_BACKUP, "stopping");
	authmode_stop(d);
	cluster_stop(d);
	if (d->xdp.skel)
		xdp_close(&d->xdp);
	if (d->ctl_fd > 0) {
		close(d->ctl_fd);
		ctl_unlink(d->cfg.name);
	}
	if (d->addr_fd > 0)
		close(d->addr_fd);
	if (d->sigfd > 0)
		close(d->sigfd);
	if (d->epfd > 0)
		close(d->epfd);
	if (d->lock_fd > 0)
		close(d->lock_fd);
}

int daemon_run(const char *cfg_path)
{
	static struct daemon d;
	int rc = 1;

	d.ctl_fd = d.lock_fd = d.addr_fd = d.sigfd = d.epfd = -1;
	snprintf(d.cfg_path, sizeof(d.cfg_path), "%s", cfg_path);
	if (load_config(cfg_path, &d.cfg))
		return 1;
	d.started = time(NULL);
	targets_init(&d.tg);
	if (setup(&d) == 0 && attach_if_always_master(&d) == 0) {
		follow_static_roles(&d, "VIP found on the interface");
		cluster_refill(&d, now_ms());
		d.next_refill_ms = now_ms() + REFILL_MS;
		sd_notifyf(0, "READY=1\nSTATUS=cluster %s on %s", d.cfg.name, d.cfg.interface);
		log_info("ikelb-load %s running: cluster %s, interface %s", IKELB_VERSION,
			 d.cfg.name, d.cfg.interface);
		loop(&d);
		rc = 0;
	}
	sd_notify(0, "STOPPING=1");
	teardown(&d);
	config_free(&d.cfg);
	return rc;
}
