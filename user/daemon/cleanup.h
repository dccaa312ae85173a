/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * `ikelb-load cleanup`: what a daemon that died without stopping (SIGKILL,
 * a crash) left behind, removed by whoever comes after it -- the units run
 * it as ExecStopPost=, which systemd runs after every exit of the daemon,
 * a crash included, and before a restart.  A master that died this way
 * still has the VIP on its interface: two hosts would answer ARP / ND for
 * it once a backup takes over (after the master-down interval), and this
 * one hands IKE to its own stack with no XDP program.  So: the VIPs the
 * dead run recorded (dataplane/vip_record.h) are removed, then its pinned
 * maps, its control socket and its lock file.  The XDP program needs
 * nothing: it hangs on a BPF link that died with the process.
 *
 * Refused while a daemon of the cluster runs (it holds the lock): what is
 * there then is its own.
 */
#ifndef IKELB_CLEANUP_H
#define IKELB_CLEANUP_H

/* The exit status: 0 (done, or nothing to do), 1 (a daemon runs, or the
 * config names no cluster); every step is logged. */
int cleanup_run(const char *cfg_path);

#endif
