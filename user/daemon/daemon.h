/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The running daemon: its state and the pieces that share it. */
#ifndef IKELB_DAEMON_H
#define IKELB_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "cluster/targets.h"
#include "dataplane/xdp.h"

enum role { ROLE_BACKUP, ROLE_MASTER };

/* The VIP of one address family and who holds it. */
struct vip_state {
	bool configured;
	struct ip_addr ip;
	enum role role;
	bool added; /* we added the address (and remove it when we stop) */
	time_t since; /* wall clock of the last role change */
	char reason[160];
	struct ip_addr master; /* current master's address, if known */
	uint32_t master_prio;
	unsigned announce_left; /* gratuitous ARP / NA still to send */
	uint64_t next_announce_ms;
	uint64_t transitions;
};

struct daemon {
	struct config cfg;
	char cfg_path[PATH_MAX];
	int ifindex;
	struct xdp_state xdp;
	struct targets tg;
	struct vip_state vip[IKELB_FAMILIES];
	bool draining;
	time_t started;

	int epfd, sigfd, ctl_fd, lock_fd, addr_fd;
	bool stop;
	uint64_t next_refill_ms;
	uint64_t reloads, reload_failures;
};

uint64_t now_ms(void);
/* Adds fd to the event loop (readable events go to the module that owns it). */
int daemon_watch(struct daemon *d, int fd);

/* role.c: the one transition that moves a VIP and XDP together. */
int role_set(struct daemon *d, int fam, enum role r, const char *reason);
/* Writes the XDP config map from the config and the VIPs held. */
int role_push_config(struct daemon *d);
/* Removes VIPs a crashed run left behind (recorded in /run/ikelb). */
void role_clean_stale(struct daemon *d);
const char *role_name(enum role r);

/* report.c: `ikelb-load status` output, text and JSON. */
void report_text(struct daemon *d, FILE *out);
void report_json(struct daemon *d, FILE *out);

/* daemon.c */
int daemon_run(const char *cfg_path);

#endif
