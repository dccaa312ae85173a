/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The control socket /run/ikelb/<cluster>.sock: `ikelb-load status` and
 * `drain` talk to the running daemon through it.  A request is one line
 * ("status", "status json", "drain on", "drain off"); the reply is text
 * whose first line is "ok" or "error: ...", then the body; then EOF.
 */
#ifndef IKELB_CTL_H
#define IKELB_CTL_H

#include <stdio.h>

#define CTL_RUN_DIR "/run/ikelb"
#define CTL_REQ_MAX 256

/* Writes the reply body to out; returns 0 (ok) or -1 (the body is the error). */
typedef int (*ctl_handler)(void *ctx, const char *request, FILE *out);

void ctl_path(char *buf, size_t len, const char *cluster, const char *suffix);
/* Takes /run/ikelb/<cluster>.lock; -1 with a message if another daemon has it. */
int ctl_lock(const char *cluster);
/* Listening socket (non-blocking); -1 on error. */
int ctl_listen(const char *cluster);
/* Serves one pending connection. */
void ctl_serve_one(int listen_fd, ctl_handler h, void *ctx);
void ctl_unlink(const char *cluster);

/* Client: sends request, copies the body to out.  Returns 0 ok, 1 when the
 * daemon answered an error, 2 when no daemon runs, -1 on other failures. */
int ctl_request(const char *cluster, const char *request, FILE *out);

#endif
