/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The control socket RUN_DIR/<cluster>.sock: `ikelb-load status` and
 * `drain` talk to the running daemon through it.  A request is one line
 * ("status", "status json", "drain on", "drain off"); the reply is text
 * whose first line is "ok" or "error: ...", then the body; then EOF.
 *
 * The server lives on the event loop and never blocks it: each client
 * has its own buffers, is read and written only when its socket is
 * ready, and is dropped at CTL_DEADLINE_MS after it connected, whatever
 * it did by then.  A client that connects and says nothing costs a slot
 * until its deadline; with CTL_MAX_CLIENTS slots taken, new connections
 * wait in the listen backlog.
 */
#ifndef IKELB_CTL_H
#define IKELB_CTL_H

#include <stdio.h>

#include "base/rundir.h"

#define CTL_REQ_MAX 256
#define CTL_MAX_CLIENTS 16
#define CTL_DEADLINE_MS 2000

struct loop;

/* Writes the reply body to out; returns 0 (ok) or -1 (the body is the error). */
typedef int (*ctl_handler)(void *ctx, const char *request, FILE *out);

/* Takes RUN_DIR/<cluster>.lock; -1 with a message if another daemon has it. */
int ctl_lock(const char *cluster);

/* Listens on the cluster's socket (a stale one is replaced); NULL (logged)
 * on failure. */
struct ctl_server *ctl_server_new(struct loop *l, const char *cluster, ctl_handler h,
				  void *ctx);
/* Drops every client, closes and removes the socket. */
void ctl_server_free(struct ctl_server *s);
/* Clients being served now. */
unsigned ctl_server_clients(const struct ctl_server *s);

/* Client: sends request, copies the body to out.  Returns 0 ok, 1 when the
 * daemon answered an error, 2 when no daemon runs, -1 on other failures. */
int ctl_request(const char *cluster, const char *request, FILE *out);

#endif
