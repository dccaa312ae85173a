/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Blocking use of an asynchronous VICI connection (vici_conn.h), for
 * threads that may wait -- a tunnel-count reader, a command-line tool --
 * and never for an event loop's thread.  It drives the connection with
 * poll(2) and CLOCK_MONOTONIC until a request completes; the requests' own
 * deadlines bound every wait.  Events that arrive meanwhile go to their
 * subscribers as usual.
 *
 *   struct vic_sync_result r = { 0 };
 *   rc = vic_sync_finish(c, vic_query_redirect(c, id, gw,
 *                        vic_sync_deadline(1000), vic_sync_done, &r), &r);
 *   if (rc) ... errno (= r.err) and r.why say what went wrong
 */
#ifndef IKELB_VICI_SYNC_H
#define IKELB_VICI_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/vici_conn.h"
#include "ike/vici_query.h"

struct vic_sync_result {
	bool finished;
	int err;
	char why[512];
	uint64_t count; /* vic_sync_count */
};

/* CLOCK_MONOTONIC in ms, and that plus timeout_ms: deadlines for requests
 * that vic_sync_finish waits for. */
uint64_t vic_sync_now(void);
uint64_t vic_sync_deadline(int timeout_ms);

/* Callbacks that fill a struct vic_sync_result (ctx). */
void vic_sync_done(void *ctx, int err, const char *why);
void vic_sync_count(void *ctx, int err, const char *why, uint64_t count);

/*
 * Waits until r is finished.  queued: what queuing the request returned
 * (-1: nothing to wait for; r then takes errno and vic_conn_error).  0, or
 * -1 with errno = r->err and the reason in r->why.
 */
int vic_sync_finish(struct vic_conn *c, int queued, struct vic_sync_result *r);

/* A command; *reply (free with vic_tree_free) may be NULL to drop it. */
int vic_sync_command(struct vic_conn *c, const char *cmd, const struct vic_builder *args,
		     int timeout_ms, struct vic_node **reply, struct vic_sync_result *r);
/* Subscribes and waits for charon's confirmation. */
int vic_sync_subscribe(struct vic_conn *c, const char *event, vic_event_fn fn, void *ctx,
		       int timeout_ms, struct vic_sync_result *r);

#endif
