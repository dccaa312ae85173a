/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * vrrp = on: one VRRPv3 speaker (vrrp_speaker.h) per VIP family decides
 * who holds that VIP.  The election runs the speakers on the loop (their
 * socket, their timers, a retry while a speaker cannot open, e.g. before
 * the interface has its IPv6 link-local address) and reports every role
 * change through its hook, after the advert that goes with it was sent.
 */
#ifndef IKELB_ELECTION_H
#define IKELB_ELECTION_H

#include <stdbool.h>
#include <stdio.h>

#include "base/ip.h"
#include "config/config.h"

struct loop;
struct json_object;

#define ELECTION_RETRY_MS 1000

struct election_hooks {
	void *ctx;
	/*
	 * fam's speaker became master (master true) or not.  silent_master is
	 * NULL, or the address of the master this node takes over from
	 * because its adverts stopped (not a resignation): its node most
	 * likely died, gateway included.
	 */
	void (*on_role)(void *ctx, int fam, bool master, const char *reason,
			const struct ip_addr *silent_master);
};

/* c must stay valid until election_free (a reload may not change [vrrp]). */
struct election *election_new(struct loop *l, const struct config *c,
			      const struct election_hooks *h);
/* Opens and starts a speaker per configured VIP (vrrp = on only); a
 * speaker that cannot open yet is retried every ELECTION_RETRY_MS. */
void election_start(struct election *e);
/* A master resigns (priority 0, backups take over at once); then closes. */
void election_stop(struct election *e);
void election_free(struct election *e);
/* The new config (its [vrrp] settings are those of the running one: a
 * reload may not change them). */
void election_reload(struct election *e, const struct config *c);
/* An interface address changed: the primary address may have. */
void election_addr_changed(struct election *e);

/*
 * fam's speaker is backup and its master has said nothing for more than
 * two of its advert intervals: true with the master's address.  When one
 * family's master is found dead, the other family's master is most likely
 * the same node, whose adverts stopped at the same moment but whose
 * master-down timer has not run out yet.
 */
bool election_master_silent(const struct election *e, int fam, struct ip_addr *addr);
/* The master of fam's virtual router as far as known (this node when
 * master): true with its address and priority. */
bool election_master(const struct election *e, int fam, struct ip_addr *addr,
		     unsigned *priority);

void election_text(const struct election *e, FILE *out);
struct json_object *election_json(const struct election *e);

#endif
