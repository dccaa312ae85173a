/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What a gateway knows about its own clients' IKE SAs when it moves them
 * to other gateways (ike/migrate.c), and the rules it moves them by.  Pure:
 * no I/O, the time is a parameter, so every rule is unit-tested on a fake
 * clock.
 *
 *   - per SA, by charon's unique id: whether its client announced redirect
 *     support, from charon's log of its IKE_SA_INIT request (N(REDIR_SUP),
 *     or N(REDIR_FROM) for a client that came by a redirect) or from
 *     charon's refusal of a redirect; whether and when it came by a
 *     redirect; and whether we redirected it;
 *   - the class of an SA in a listing: move it, try it, hold it (it moved
 *     too recently), leave it (its client cannot follow), or not ours;
 *   - the pace: at most `rate` redirects per second, evenly spaced.
 *
 * The log lines are only seen for SAs set up while ikelb-load listened.
 * An SA set up before is of unknown support: it is tried (charon refuses
 * to redirect a client that did not announce support, and says so in a
 * log line, which makes it "left"), after the SAs known to support it.
 * Its arrival is unknown too: it is held until it is hold_ms old.
 */
#ifndef IKELB_MIGRATE_SAS_H
#define IKELB_MIGRATE_SAS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ip.h"
#include "ike/authmode_events.h"
#include "ikelb.h"

/* charon numbers SAs 1, 2, ...: entry id % size; an SA this many ids
 * younger takes an entry over (the older one's support becomes unknown,
 * which only costs a refused try). */
#define MIGSA_TABLE_SIZE 16384u

enum migsa_support { MIGSA_UNKNOWN, MIGSA_YES, MIGSA_NO };
enum migsa_fate {
	MIGSA_NONE,
	MIGSA_REDIRECTED, /* redirect sent; the client deletes it from its target */
	MIGSA_REFUSED, /* charon did not redirect it: the client cannot follow */
};

struct migsa_entry {
	uint32_t id; /* 0: free */
	uint8_t support; /* enum migsa_support */
	uint8_t fate; /* enum migsa_fate */
	bool seen_init; /* its IKE_SA_INIT request was logged while we listened */
	bool by_redirect; /* ... and carried N(REDIR_FROM) */
	uint64_t init_ms; /* when that was logged */
	bool accepted; /* with fate REDIRECTED: charon accepted the command */
	uint32_t target; /* with fate REDIRECTED: the caller's number of the target */
};

struct migsa_table {
	struct migsa_entry e[MIGSA_TABLE_SIZE];
};

void migsa_clear(struct migsa_table *t);
/* The entry of id, or NULL. */
struct migsa_entry *migsa_find(struct migsa_table *t, uint32_t id);
/* charon logged the IKE_SA_INIT request of a new SA id (a fresh entry). */
void migsa_init_seen(struct migsa_table *t, uint32_t id, bool supported, bool by_redirect,
		     uint64_t now_ms);
/* A redirect of id to target (the caller's number) is on its way. */
void migsa_redirecting(struct migsa_table *t, uint32_t id, uint32_t target);
/* The redirect command failed: id may be tried again. */
void migsa_give_back(struct migsa_table *t, uint32_t id);
/* charon accepted the redirect of id: true when it is still on its way
 * (not refused meanwhile: the refusal may come first, on the other
 * connection). */
bool migsa_accepted(struct migsa_table *t, uint32_t id);
/* charon refused to redirect id: true when we had asked it to (the entry
 * is REFUSED now); *was_accepted: the command's answer came before. */
bool migsa_refused(struct migsa_table *t, uint32_t id, bool *was_accepted);
/* id went down: its fate before (MIGSA_REDIRECTED: the client left for
 * *target; *was_accepted as above); the entry is forgotten. */
enum migsa_fate migsa_down(struct migsa_table *t, uint32_t id, uint32_t *target,
			   bool *was_accepted);
/* id was rekeyed into new_id, which keeps what was known. */
void migsa_rekeyed(struct migsa_table *t, uint32_t id, uint32_t new_id);

enum migsa_class {
	MIGSA_MOVE, /* announced support: move it */
	MIGSA_TRY, /* support unknown: try it (after the MOVE ones) */
	MIGSA_HELD, /* came by a redirect, or arrived unseen, less than hold_ms ago */
	MIGSA_LEFT, /* its client cannot follow a redirect (or it is IKEv1) */
	MIGSA_MOVING, /* redirected; not gone yet */
	MIGSA_NOT_OURS, /* not a client's established IKE SA at our own address */
};

/*
 * What to do with an SA of a listing.  vips[fam].family is 0 for a VIP not
 * configured (SAs at a VIP are auth mode's).  *fam: the family of the
 * client's address (the identity to send it to), with MOVE, TRY and HELD.
 */
enum migsa_class migsa_classify(const struct migsa_table *t, const struct auth_sa *sa,
				const struct ip_addr vips[IKELB_FAMILIES], uint32_t hold_ms,
				uint64_t now_ms, int *fam);
const char *migsa_class_name(enum migsa_class c);
/* When a HELD SA may move (charon's age has a resolution of a second). */
uint64_t migsa_held_until(const struct migsa_table *t, const struct auth_sa *sa,
			  uint32_t hold_ms, uint64_t now_ms);

/* ---- the pace ----------------------------------------------------------- */

/*
 * Redirects on a schedule of slots 1000/rate ms apart (kept exactly, in
 * units of 1/rate ms, so no rounding to whole ms slows the rate down), each
 * sent in the first whole ms of its slot.  One sent late starts the
 * schedule anew from when it went: a pause is never caught up with a
 * burst.  So the slots are at least 1000/rate ms apart, and no 1000 ms ever
 * hold more than rate redirects.
 */
struct migsa_pace {
	uint32_t rate; /* redirects per second, >= 1 */
	bool any; /* one was sent */
	uint64_t next_units; /* the next slot, in ms * rate */
};

void migsa_pace_set(struct migsa_pace *p, uint32_t rate);
/* The earliest time (ms) the next redirect may go. */
uint64_t migsa_pace_next(const struct migsa_pace *p);
bool migsa_pace_due(const struct migsa_pace *p, uint64_t now_ms);
void migsa_pace_took(struct migsa_pace *p, uint64_t now_ms);

#endif
