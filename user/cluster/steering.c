// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Steering labels: see steering.h. */
#include <stdio.h>
#include <string.h>

#include "cluster/steering.h"

const char *steering_state_name(enum ikelb_steer_state s)
{
	switch (s) {
	case IKELB_STEER_TX:
		return "mac";
	case IKELB_STEER_LOCAL:
		return "local";
	case IKELB_STEER_DEAD:
		return "dead";
	case IKELB_STEER_NO_MAC:
		return "no_mac";
	default:
		return "none";
	}
}

static enum ikelb_steer_state state_of(const struct steer_input *e)
{
	if (e->self)
		return IKELB_STEER_LOCAL;
	if (e->dead)
		return IKELB_STEER_DEAD;
	return e->has_mac ? IKELB_STEER_TX : IKELB_STEER_NO_MAC;
}

/* The input that holds label l: the only live claimant, else the first of
 * the dead ones when no live one claims it; -1 for none, -2 for two or
 * more live claimants. */
static int holder(const struct steer_input *in, unsigned n, uint8_t l)
{
	int live = -1, dead = -1;

	for (unsigned i = 0; i < n; i++) {
		if (in[i].label != l)
			continue;
		if (in[i].dead && !in[i].self) {
			if (dead < 0)
				dead = (int)i;
		} else if (live >= 0) {
			return -2;
		} else {
			live = (int)i;
		}
	}
	return live >= 0 ? live : dead;
}

void steering_fill(const struct steer_input *in, unsigned n,
		   struct ikelb_steer table[IKELB_STEER_LABELS], struct steer_result *out)
{
	memset(table, 0, sizeof(*table) * IKELB_STEER_LABELS);
	for (unsigned i = 0; i < n; i++) {
		const struct steer_input *e = &in[i];
		struct steer_result *r = &out[i];
		int h;

		memset(r, 0, sizeof(*r));
		if (!e->label) {
			snprintf(r->why, sizeof(r->why), "no steer_label");
			continue;
		}
		h = holder(in, n, e->label);
		if (h == -2) {
			/* two live gateways: neither gets the label's packets */
			unsigned k;

			for (k = 0; k < n; k++)
				if (k != i && in[k].label == e->label && (!in[k].dead || in[k].self))
					break;
			snprintf(r->why, sizeof(r->why), "steer_label %u also claimed by %s",
				 e->label, k < n ? in[k].name : "?");
			continue;
		}
		if (h != (int)i) {
			snprintf(r->why, sizeof(r->why), "steer_label %u is %s's", e->label,
				 in[h].name);
			continue;
		}
		r->state = state_of(e);
		table[e->label].state = (uint8_t)r->state;
		table[e->label].target = e->target;
		if (r->state == IKELB_STEER_TX)
			memcpy(table[e->label].mac, e->mac, 6);
		else if (r->state == IKELB_STEER_DEAD)
			snprintf(r->why, sizeof(r->why), "dead: its SAs' packets are dropped");
		else if (r->state == IKELB_STEER_NO_MAC)
			snprintf(r->why, sizeof(r->why), "MAC not known");
	}
}
