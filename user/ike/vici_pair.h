/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Two asynchronous VICI connections to one charon, kept up on the event
 * loop: a command connection, and an event connection subscribed to a
 * list of events; the pair is up once charon has confirmed every one of
 * them.  Auth mode (authmode.h) and migration (migrate.h) each keep such a
 * pair; this is the part they share: connecting, confirming, noticing a
 * loss, reconnecting with backoff, and saying why it is not up.  Nothing
 * here waits for charon (vici_conn.h, vici_loop.h).
 *
 * CONTRACT
 *
 * States: DOWN (both closed; a next try is due unless stopped),
 * CONNECTING (both open, the subscriptions not all confirmed), UP.
 *
 * vici_pair_start() (re)starts from DOWN: what was open is closed (no hook
 * is called), the backoff starts over, and the first try is made from
 * the next loop round.  A try opens both connections and subscribes to
 * each event with a deadline of 1 s.  Then:
 *   - every subscription confirmed: UP, on_up;
 *   - a connect refused, a subscription refused or not confirmed in time,
 *     or either connection closed meanwhile: DOWN, on_failed; the next try
 *     after twice the last backoff (0.5 s the first time), up to 10 s;
 *   - while UP, either connection closed on its own (an error, charon
 *     gone, a request that missed its deadline): DOWN, on_lost; the next
 *     try after 0.5 s if the pair was up for 5 s or more, else after twice
 *     the last backoff (up to 10 s): a charon that drops us soon after we
 *     came (refusing something of ours) is not hammered.
 * Before on_failed or on_lost the pair is DOWN and every request that was
 * pending on either connection has completed (with the connection's error,
 * or ECANCELED).  vici_pair_stop() closes both and makes no more tries (no
 * hook is called).
 *
 * Events of the list go to on_event from charon's confirmation of each
 * (possibly while others are still being confirmed) until the pair
 * closes.  Commands go on vici_pair_cmd(), a connection that stays the
 * same for the pair's life; requests on it are the owner's.
 *
 * Hooks are called from loop callbacks, never from inside a vici_pair_*
 * call.  A hook may call any vici_pair_* function but vici_pair_free.
 */
#ifndef IKELB_VICI_PAIR_H
#define IKELB_VICI_PAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ike/vici_conn.h"

struct loop;

enum vici_pair_state { VICI_PAIR_DOWN, VICI_PAIR_CONNECTING, VICI_PAIR_UP };

struct vici_pair_hooks {
	void *ctx;
	/* An event of the list (its name, its message). */
	vic_event_fn on_event;
	/* Every subscription is confirmed: commands may go out. */
	void (*on_up)(void *ctx);
	/* A try failed; the next is in retry_ms.  news: why is not the last
	 * reason (worth a warning once, not one per try). */
	void (*on_failed)(void *ctx, const char *why, unsigned retry_ms, bool news);
	/* The pair was up and is lost; the next try is in retry_ms. */
	void (*on_lost)(void *ctx, const char *why, unsigned retry_ms);
};

/* A pair that is DOWN and makes no tries yet, or NULL (ENOMEM).  name
 * prefixes its loop callbacks' names ("auth": auth.vici.events,
 * auth.vici.cmd, auth.retry); events[0..n_events) must stay valid for the
 * pair's life. */
struct vici_pair *vici_pair_new(struct loop *l, const char *name, const char *const *events,
				unsigned n_events, const struct vici_pair_hooks *h);
/* Closes both; pending requests complete with ECANCELED meanwhile. */
void vici_pair_free(struct vici_pair *p);

/* Connect to charon's socket at path, as described above. */
void vici_pair_start(struct vici_pair *p, const char *path);
/* The path for the next tries; what is open stays open. */
void vici_pair_set_path(struct vici_pair *p, const char *path);
/* DOWN and no more tries; reason says why (vici_pair_reason). */
void vici_pair_stop(struct vici_pair *p, const char *reason);

/* The command connection. */
struct vic_conn *vici_pair_cmd(const struct vici_pair *p);

enum vici_pair_state vici_pair_state(const struct vici_pair *p);
bool vici_pair_up(const struct vici_pair *p);
const char *vici_pair_path(const struct vici_pair *p);
/* Why it is not up ("" while up; "not connected yet" before the first
 * connect). */
const char *vici_pair_reason(const struct vici_pair *p);
/* Wall clock of the last connect or loss (or of vici_pair_new). */
time_t vici_pair_since(const struct vici_pair *p);
/* Until the next try (0 when due or none). */
uint64_t vici_pair_retry_in_ms(const struct vici_pair *p);
/* Times the pair came up, and was lost. */
uint64_t vici_pair_connects(const struct vici_pair *p);
uint64_t vici_pair_losses(const struct vici_pair *p);

#endif
