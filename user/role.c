// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Role changes.  Becoming master: attach XDP, let it answer for the VIP, add
 * the VIP, announce it.  Becoming backup (or stopping): stop answering, drop
 * the VIP, detach XDP when no VIP is held.  DESIGN.md fixes this order so
 * that the VIP never arrives before the program that answers for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "announce.h"
#include "authmode.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"

const char *role_name(enum role r)
{
	return r == ROLE_MASTER ? "MASTER" : "BACKUP";
}

static const char *fam_name(int fam)
{
	return fam == IKELB_FAM_V6 ? "IPv6" : "IPv4";
}

/* The XDP program answers for a VIP only while this node holds it. */
static bool answers(const struct daemon *d, int fam)
{
	const struct vip_state *v = &d->vip[fam];

	return v->configured && v->role == ROLE_MASTER && authmode_xdp_answers(d);
}

/* The interface's own MAC: the XDP program answers only frames sent to it. */
static int own_mac(int ifindex, uint8_t mac[6])
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd >= 0 && if_indextoname((unsigned)ifindex, ifr.ifr_name) &&
	    !ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int role_push_config(struct daemon *d)
{
	const struct config *cfg = &d->cfg;
	struct ikelb_config c = {};

	if (cfg->has_vip4)
		c.vip4 = cfg->vip4.s_addr;
	if (cfg->has_vip6)
		memcpy(c.vip6, &cfg->vip6, 16);
	c.vip4_active = answers(d, IKELB_FAM_V4);
	c.vip6_active = answers(d, IKELB_FAM_V6);
	c.unsupported_action = cfg->unsupported;
	c.no_target_action = cfg->no_target;
	if (own_mac(d->ifindex, c.mac))
		log_err("cannot read the MAC of interface %d: %s (XDP answers nothing)",
			d->ifindex, strerror(errno));
	/* limits that never hold back a real client, cookies off */
	c.rate_per_source = IKELB_DEFAULT_RATE_PER_SOURCE;
	c.burst_per_source = IKELB_DEFAULT_BURST_PER_SOURCE;
	c.rate_total = IKELB_DEFAULT_RATE_TOTAL;
	c.burst_total = IKELB_DEFAULT_BURST_TOTAL;
	c.cookie_mode = IKELB_COOKIES_OFF;
	for (unsigned i = 0; i < cfg->n_ports && i < IKELB_MAX_PORTS; i++) {
		c.ports[i] = htons(cfg->ports[i]);
		for (unsigned j = 0; j < cfg->n_natt_ports; j++)
			if (cfg->natt_ports[j] == cfg->ports[i])
				c.port_natt[i] = 1;
	}
	if (xdp_set_config(&d->xdp, &c)) {
		log_err("cannot write the XDP config map: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Which VIPs we added, so that the next start can remove them after a crash. */
static void save_added(struct daemon *d)
{
	char path[128], tmp[140], s[INET6_ADDRSTRLEN];
	FILE *f;

	ctl_path(path, sizeof(path), d->cfg.name, "vips");
	if (!d->vip[IKELB_FAM_V4].added && !d->vip[IKELB_FAM_V6].added) {
		unlink(path);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%d\n", d->ifindex);
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		if (d->vip[fam].added)
			fprintf(f, "%s\n", cfg_ip_str(&d->vip[fam].ip, s, sizeof(s)));
	fclose(f);
	rename(tmp, path);
}

void role_clean_stale(struct daemon *d)
{
	char path[128], line[128];
	int ifindex = -1;
	FILE *f;

	ctl_path(path, sizeof(path), d->cfg.name, "vips");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		ifindex = atoi(line);
	while (ifindex > 0 && fgets(line, sizeof(line), f)) {
		struct cfg_ip ip = {};

		line[strcspn(line, "\n")] = 0;
		ip.family = strchr(line, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(ip.family, line, &ip.v6) != 1)
			continue;
		if (addr_present(ifindex, &ip) == 1) {
			log_info("removing VIP %s left behind by a previous run", line);
			addr_del(ifindex, &ip);
		}
	}
	fclose(f);
	unlink(path);
}

static void run_notify(struct daemon *d, int fam, enum role r)
{
	char vip[INET6_ADDRSTRLEN];
	pid_t pid;

	if (!d->cfg.notify[0])
		return;
	cfg_ip_str(&d->vip[fam].ip, vip, sizeof(vip));
	pid = fork();
	if (pid == 0) {
		/* SIGCHLD is ignored in the daemon, so no zombie is left behind. */
		signal(SIGCHLD, SIG_DFL);
		execl(d->cfg.notify, d->cfg.notify, role_name(r), fam_name(fam), vip,
		      (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		log_warn("cannot run notify script %s: %s", d->cfg.notify, strerror(errno));
}

static bool any_master(const struct daemon *d)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		if (d->vip[fam].configured && d->vip[fam].role == ROLE_MASTER)
			return true;
	return false;
}

/*
 * With vrrp = on the role owns the VIP: a backup never keeps it, whoever put
 * it there (two holders would both answer ARP/ND).  Not the address owner's
 * (priority 255: the VIP is the interface's own address), and with vrrp =
 * off or external an address someone else added stays.
 */
static bool owns_vip(const struct daemon *d)
{
	return d->cfg.vrrp == CFG_VRRP_ON && d->cfg.priority != 255;
}

static void to_master(struct daemon *d, int fam)
{
	struct vip_state *v = &d->vip[fam];

	/* Attaching can only fail here if another program appeared since the
	 * start; the VIP is still taken, so that clients reach this node's own
	 * gateway, and the error is in the log and in `status`. */
	if (!xdp_attached(&d->xdp) && xdp_attach(&d->xdp, d->ifindex, d->cfg.xdp_mode))
		log_err("holding the %s VIP without the XDP program: clients get no redirect",
			fam_name(fam));
	v->role = ROLE_MASTER;
	role_push_config(d);
	int present = addr_present(d->ifindex, &v->ip);

	if (present == 0 && addr_add(d->ifindex, &v->ip) == 0) {
		v->added = true;
		save_added(d);
	} else if (present == 1 && owns_vip(d) && !v->added) {
		/* already there (a hand-made VIP, a lost record): VRRP owns it */
		v->added = true;
		save_added(d);
	}
	v->announce_left = d->cfg.announce_count ? d->cfg.announce_count : 1;
	v->next_announce_ms = now_ms();
}

static void to_backup(struct daemon *d, int fam)
{
	struct vip_state *v = &d->vip[fam];

	v->role = ROLE_BACKUP;
	v->announce_left = 0;
	role_push_config(d);
	if ((v->added || (owns_vip(d) && addr_present(d->ifindex, &v->ip) == 1)) &&
	    addr_del(d->ifindex, &v->ip) == 0) {
		v->added = false;
		save_added(d);
	}
	if (!any_master(d))
		xdp_detach(&d->xdp);
}

int role_set(struct daemon *d, int fam, enum role r, const char *reason)
{
	struct vip_state *v = &d->vip[fam];
	char s[INET6_ADDRSTRLEN];

	if (!v->configured)
		return 0;
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	if (v->role == r && v->since)
		return 0;
	if (r == ROLE_MASTER)
		to_master(d, fam);
	else
		to_backup(d, fam);
	v->since = time(NULL);
	v->transitions++;
	log_info("%s VIP %s: %s (%s)", fam_name(fam), cfg_ip_str(&v->ip, s, sizeof(s)),
		 role_name(r), reason);
	authmode_role_changed(d, fam, r == ROLE_MASTER);
	run_notify(d, fam, r);
	return 0;
}
