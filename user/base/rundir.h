/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The daemon's run-time files, one set per cluster in RUN_DIR:
 * <cluster>.sock (control socket), <cluster>.lock (one daemon per
 * cluster), <cluster>.vips (the VIPs this run added, removed by the next
 * start after a crash).
 */
#ifndef IKELB_BASE_RUNDIR_H
#define IKELB_BASE_RUNDIR_H

#include <stddef.h>

#define RUN_DIR "/run/ikelb"

/* "RUN_DIR/<cluster>.<suffix>" into buf. */
void rundir_path(char *buf, size_t len, const char *cluster, const char *suffix);

#endif
