/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Drain: this gateway takes no new clients; its tunnels stay.  The state
 * is kept in a file, <state_dir>/<cluster>.drain ([cluster] state_dir,
 * the units' StateDirectory=), so that a restart -- the units'
 * Restart=on-failure after a crash included -- keeps a drained gateway
 * drained.  The file's existence is the state (it is written whole under
 * another name and renamed, or removed); its text says since when and why,
 * for people.
 *
 * One small state with a reason, so that whatever else drains or hooks
 * onto draining (the daemon applies it to the reports and the cluster
 * view) reads and sets the same thing.
 */
#ifndef IKELB_DRAIN_H
#define IKELB_DRAIN_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>

#define DRAIN_REASON_MAX 128

struct drain {
	bool on;
	time_t since; /* of the last change; 0: never */
	char reason[DRAIN_REASON_MAX];
	char path[PATH_MAX]; /* the state file */
	bool saved; /* the file says what `on` says */
	char error[PATH_MAX + 128]; /* why the last save failed */
};

/* The state file of cluster in state_dir; off, nothing read yet. */
void drain_init(struct drain *d, const char *state_dir, const char *cluster);
/* Reads the state file: on when it exists (since and reason from its
 * text, when readable).  Returns d->on. */
bool drain_restore(struct drain *d);
/*
 * Sets the state and saves it (the directory is made when missing).  0, or
 * -1 when the file could not be written or removed: the state holds in
 * memory, a restart would lose it, d->error says why.
 */
int drain_set(struct drain *d, bool on, const char *reason, time_t now);

#endif
