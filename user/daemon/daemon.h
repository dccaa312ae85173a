/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The daemon: makes the modules with the loop, the config and the data
 * path, and wires their hooks together.  It is the only place that knows
 * every module; no module knows the daemon.
 *
 *   election --on_role--> reports (a silent master's member is dead),
 *                         cluster (refill), role (the transition)
 *   role     --on_changed--> authmode (a VIP held or given up)
 *   reports  --on_members_changed--> cluster (refill)
 *   cluster  <--self_load-- reports (this node's own load)
 *   authmode --on_xdp_answers--> role; --on_redirect--> cluster;
 *            <--pick-- cluster (the target for an SA)
 *
 * daemon_run is `ikelb-load run`: the real loop, the XDP program, the
 * control socket, signals; daemon_new/daemon_start/daemon_free are the
 * wiring alone, which unit tests drive with a fake data path and clock.
 */
#ifndef IKELB_DAEMON_H
#define IKELB_DAEMON_H

#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"

struct loop;
struct drain;
struct dataplane;
struct xdp_state;

/* `ikelb-load run -c cfg_path`: returns the exit status. */
int daemon_run(const char *cfg_path);

/*
 * The modules for config cfg (taken over: the daemon frees it), path for
 * reloads.  xdp may be NULL (no program details in `status`).  NULL
 * (logged) when a module cannot be made.
 */
struct daemon *daemon_new(struct loop *l, const char *cfg_path, struct config *cfg,
			  const struct dataplane *dp, struct xdp_state *xdp);
/* Takes the roles this node has from the start (vrrp = off: attach and
 * hold every VIP; external: the VIPs on the interface), fills the
 * tables, starts VRRP.  0, or -1 (logged). */
int daemon_start(struct daemon *d);
/* Resigns where master (VRRP priority 0) and gives the VIPs up; what that
 * asks of charon (auth mode) may still be on its way: daemon_busy. */
void daemon_resign(struct daemon *d);
bool daemon_busy(const struct daemon *d);
/* Resigns (if not done), frees every module. */
void daemon_free(struct daemon *d);

/* A control request ("status", "status json", "drain", "drain on|off"):
 * the reply body to out; 0, or -1 when the body is an error. */
int daemon_request(void *daemon, const char *req, FILE *out);
/* GET /metrics: every metric (daemon/metrics_view.h) from the same
 * snapshot as `status --json`; 0. */
int daemon_metrics(void *daemon, FILE *out);
/*
 * Drain on or off (daemon/drain.h), why for the log and the state file:
 * saved, told to the reports and the cluster view.  0, or -1 when the
 * state could not be saved (it holds until a restart; logged).
 */
int daemon_set_drain(struct daemon *d, bool on, const char *reason);
const struct drain *daemon_drain(const struct daemon *d);
/* SIGHUP: the config file again; a bad one or one that changes what a
 * reload may not change is refused and the running config stays. */
void daemon_reload(struct daemon *d);
/* The interface's addresses changed. */
void daemon_addr_changed(struct daemon *d);

#endif
