/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * This node's tunnel count (tunnels.h) read on a thread of its own, so
 * that a source that hangs -- an IKE daemon that does not answer, a file
 * on a hung file system -- never holds up the event loop and the VRRP
 * adverts it sends.
 *
 * The loop asks (tunnel_reader_ask); the thread reads and hands the
 * reading back through an eventfd watched by the loop, where the callback
 * runs.  tunnel_reader_free never waits for the thread: a thread stuck in
 * a read is told to quit and left to finish on its own, its late reading
 * dropped; the last of the two to let go frees the shared state.
 */
#ifndef IKELB_TUNNEL_READER_H
#define IKELB_TUNNEL_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct loop;

struct tunnel_reading {
	bool ok;
	uint64_t count; /* ok only */
	char why[160]; /* !ok: why the source failed */
};

/* On the loop, once per tunnel_reader_ask that got an answer. */
typedef void (*tunnel_reader_fn)(void *arg, const struct tunnel_reading *t);

/*
 * A reader of the [gateway] tunnels source of c (auth mode: the SAs at
 * the VIPs left out).  NULL (logged) when the source cannot be set up or
 * the thread not started.
 */
struct tunnel_reader *tunnel_reader_new(struct loop *l, const struct config *c,
					tunnel_reader_fn fn, void *arg);
/* Asks for a fresh reading; false (nothing asked) while the previous
 * one has not been answered. */
bool tunnel_reader_ask(struct tunnel_reader *r);
bool tunnel_reader_busy(const struct tunnel_reader *r);
/* Returns at once, whatever the thread is doing. */
void tunnel_reader_free(struct tunnel_reader *r);

/* True when two configs name the same tunnels source. */
bool tunnel_reader_same_source(const struct config *a, const struct config *b);

#endif
