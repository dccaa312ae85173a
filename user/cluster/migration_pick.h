/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The master's choice of targets for clients a gateway moves away (a
 * migration grant): k picks among weighted targets -- the weights are the
 * plan's shares (balancer.h), so migrated clients spread exactly as new
 * clients would.  Smooth weighted round robin (as nginx balances upstreams):
 * every pick adds each weight to its target's credit and takes the target
 * with the most credit, which pays the sum of the weights.  Over any run
 * of picks each target's count is within one of its exact share, also
 * across requests (the credits persist per family), so a few clients per
 * request still end in proportion.  Pure and deterministic.
 */
#ifndef IKELB_MIGRATION_PICK_H
#define IKELB_MIGRATION_PICK_H

#include <stdint.h>

#include "ikelb.h"

struct migration_pick {
	int64_t credit[IKELB_FAMILIES][IKELB_MAX_TARGETS];
};

void migration_pick_init(struct migration_pick *p);
/*
 * k picks for family fam among w[0..IKELB_MAX_TARGETS-1] (0: not a
 * target); n[i] grows by target i's picks.  Returns the picks made: k, or
 * 0 when every weight is 0.  A target whose weight is 0 loses its credit.
 */
unsigned migration_pick(struct migration_pick *p, unsigned fam,
			const uint32_t w[IKELB_MAX_TARGETS], unsigned k,
			uint32_t n[IKELB_MAX_TARGETS]);

#endif
