/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * An asynchronous VICI connection (vici_conn.h) run by the event loop: its
 * fd watched for what the connection asks (readable, writable) and its
 * earliest request deadline on a timer, through the connection's watch
 * callback.  The owner keeps using the connection as usual (connect,
 * queue, close); it only calls vici_loop_stop before freeing it.
 */
#ifndef IKELB_VICI_LOOP_H
#define IKELB_VICI_LOOP_H

#include <stdint.h>

#include "base/loop.h"

struct vic_conn;

struct vici_loop {
	struct loop *loop;
	struct vic_conn *conn;
	struct loop_io io;
	struct loop_timer timer;
};

/* Takes over c's watch callback; name: the loop's name of its callbacks
 * (base/loop.h), the fd's and the deadline's. */
void vici_loop_init(struct vici_loop *vl, struct loop *l, struct vic_conn *c, const char *name);
/* Stops watching (before vic_conn_free). */
void vici_loop_stop(struct vici_loop *vl);

#endif
