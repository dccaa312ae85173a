/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Steering labels: which gateway each label names, as the XDP program's
 * map "labels" says it (include/ikelb.h, docs/xdp.md "Steering").  Pure:
 * the cluster view (cluster.c) passes what it knows of each target and
 * writes the table this fills.
 *
 * A label names one gateway.  That gateway is this node (its own stack
 * takes the packets), one whose MAC is known (they are sent there), one
 * whose MAC is not known, or a dead one (its SAs died with it: their
 * packets are dropped, never given to a gateway that cannot know them).
 * Two live gateways that claim one label make it name neither; a live
 * gateway wins a label over dead ones (a replaced node's label).
 */
#ifndef IKELB_STEERING_H
#define IKELB_STEERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikelb.h"

#define STEER_WHY_MAX 96

/* What the cluster view knows of one target. */
struct steer_input {
	const char *name; /* for the reasons */
	uint8_t label; /* 0: none */
	bool self; /* this node */
	bool dead;
	bool has_mac;
	uint8_t mac[6];
	uint32_t target; /* its target index */
};

/* What became of it. */
struct steer_result {
	enum ikelb_steer_state state; /* IKELB_STEER_NONE: its label names nobody */
	char why[STEER_WHY_MAX]; /* why it is not steered to; "" when it is */
};

/*
 * Fills table (every label) and out[0..n-1] from in[0..n-1]; labels no
 * input claims are IKELB_STEER_NONE.
 */
void steering_fill(const struct steer_input *in, unsigned n,
		   struct ikelb_steer table[IKELB_STEER_LABELS], struct steer_result *out);

/* "local", "mac", "dead", "no_mac", "none": the states as `status` shows them. */
const char *steering_state_name(enum ikelb_steer_state s);

#endif
