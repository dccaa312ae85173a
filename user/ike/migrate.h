/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Moving this gateway's established clients to other gateways: an RFC 5685
 * redirect of a live IKE SA, which charon sends on command over VICI
 * (`redirect`: INFORMATIONAL { N(REDIRECT) }); the client opens a new IKE
 * SA with the gateway it is named and deletes the old one.  `drain on
 * --migrate` moves every client that can follow; rebalancing moves the
 * clients the rebalance rule says (cluster/rebalance.h).  Where each client
 * goes is the master's decision: this module asks for targets through its
 * ask hook (cluster/migration.h) and sends clients only where it is told.
 *
 * Only with [gateway] tunnels = vici:PATH: that charon is this gateway's.
 * Two asynchronous VICI connections on the loop (events: log, ike-updown,
 * ike-rekey; commands: list-sas, redirect), reconnected with backoff
 * (0.5 s doubling to 10 s).  They stay up while the daemon runs, so that
 * charon's log of every new SA's IKE_SA_INIT request says whether its
 * client can follow a redirect and whether it came by one (migrate_sas.h).
 *
 * The rules (migrate_sas.h for the pure parts):
 *   - at most `rate` redirects per second, one at a time, evenly spaced
 *     (default [gateway] migrate_rate), so the receiving gateways see a
 *     steady trickle of new IKE SAs, never a burst;
 *   - a client that came by a redirect less than [cluster]
 *     rebalance_hold_ms ago is held: never moved twice within the hold
 *     time (an SA set up before ikelb-load listened is held until it is
 *     that old);
 *   - clients that did not announce REDIRECT_SUPPORTED are left and
 *     counted; those of unknown support (set up before ikelb-load
 *     listened) are tried last, and charon's refusal makes them left;
 *   - SAs at a VIP (auth mode's), SAs charon initiated and IKEv1 SAs are
 *     not moved;
 *   - targets granted by the master are used within MIGRATE_GRANT_TTL_MS
 *     or dropped (the cluster may have changed).
 * A client counts as moved once its old SA is gone after the redirect.
 */
#ifndef IKELB_MIGRATE_H
#define IKELB_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cluster/migration_codec.h"
#include "config/config.h"

struct loop;
struct json_object;

#define MIGRATE_RATE_MAX 100 /* clients per second; [gateway] migrate_rate's max */
#define MIGRATE_GRANT_SPAN_MS 500 /* a request asks for this much of the rate */
#define MIGRATE_GRANT_TTL_MS 2000
#define MIGRATE_ASK_RETRY_MS 1000 /* after no answer or no target */
#define MIGRATE_LIST_EVERY_MS 5000 /* list the SAs again while moving */
#define MIGRATE_LIST_IDLE_MS 30000 /* ... once nothing is left to move */

enum migrate_mode { MIGRATE_OFF, MIGRATE_DRAIN, MIGRATE_REBALANCE };

struct migrate_hooks {
	void *ctx;
	/* Asks the master for up to wanted[fam] targets (migration_ask):
	 * 0, then the answer comes through migrate_answer; or -1. */
	int (*ask)(void *ctx, enum migration_purpose purpose,
		   const uint8_t wanted[IKELB_FAMILIES]);
};

/* Always made; without a VICI tunnels source it only says why it cannot
 * move clients (migrate_available).  c must stay valid until
 * migrate_reload or migrate_free. */
struct migrate *migrate_new(struct loop *l, const struct config *c,
			    const struct migrate_hooks *h);
void migrate_free(struct migrate *m);
/* A new config: the rate and hold time; a changed VICI path reconnects. */
void migrate_reload(struct migrate *m, const struct config *c);

/* Whether clients can be moved; why not, if not. */
bool migrate_available(const struct migrate *m, const char **why);
/* Draining: move every client that can follow, at rate per second (0:
 * [gateway] migrate_rate).  -1 (errno ENOTSUP) when not available. */
int migrate_drain(struct migrate *m, uint32_t rate);
/* Rebalancing: this gateway's last load report (the tunnel count just
 * read) holds `clients` too many: move up to that many, less those on
 * their way and those gone since (0: stop), at [gateway] migrate_rate.
 * Ignored while draining. */
void migrate_rebalance(struct migrate *m, uint32_t clients);
/* Stops moving (drain off); clients on their way go on. */
void migrate_stop(struct migrate *m);
enum migrate_mode migrate_mode(const struct migrate *m);
/* The master's answer to the last ask (migration.h, on_answer). */
void migrate_answer(struct migrate *m, int err, enum migration_answer answer,
		    const struct migration_entry *e, unsigned n);

/* Counts since the daemon started, and the state of the last listing. */
struct migrate_counters {
	uint64_t moved; /* redirected, and the old SA went away */
	uint64_t sent; /* redirects charon accepted */
	uint64_t refused; /* charon did not redirect: the client cannot follow */
	uint64_t failed; /* redirect commands that failed */
	uint64_t no_target; /* answers without targets (or none in time) */
	uint64_t expired; /* granted targets not used in time */
	uint32_t moving; /* redirected, old SA still up */
	uint32_t remaining; /* clients still to move (held included) */
	uint32_t held; /* ... of them waiting for their hold time */
	uint32_t left; /* clients that stay: they cannot follow a redirect */
};
const struct migrate_counters *migrate_counters(const struct migrate *m);
void migrate_text(const struct migrate *m, FILE *out);
struct json_object *migrate_json(const struct migrate *m);

#endif
