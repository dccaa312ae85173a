// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Rebalancing: see rebalance.h. */
#include <math.h>
#include <string.h>

#include "cluster/rebalance.h"

void rebalance_init(struct rebalance *rb)
{
	memset(rb, 0, sizeof(*rb));
}

const char *rebalance_phase_name(enum rebalance_phase ph)
{
	static const char *const n[] = { "idle", "pending", "moving" };

	return (unsigned)ph < 3 ? n[ph] : "?";
}

static bool counts(const struct pool_entry *e)
{
	return e->kind != POOL_STATIC && e->has_load && e->max_tunnels &&
	       (e->state == POOL_ACTIVE || e->state == POOL_FULL);
}

static void enter(struct rebalance *rb, enum rebalance_phase ph, uint64_t now_ms)
{
	if (rb->phase != ph)
		rb->since_ms = now_ms;
	rb->phase = ph;
}

uint32_t rebalance_update(struct rebalance *rb, const struct pool_entry *pool, unsigned n,
			  const struct rebalance_params *p, uint64_t now_ms)
{
	const struct pool_entry *self = NULL;
	double tunnels = 0, capacity = 0, th = p->threshold_pct / 100.0, stop;
	unsigned gateways = 0;

	for (unsigned i = 0; i < n; i++) {
		if (pool[i].kind == POOL_SELF)
			self = &pool[i];
		if (!counts(&pool[i]))
			continue;
		tunnels += (double)pool[i].tunnels;
		capacity += (double)pool[i].max_tunnels;
		gateways++;
	}
	rb->excess = 0;
	rb->known = self && counts(self) && gateways >= 2;
	if (!rb->known) {
		enter(rb, REBALANCE_IDLE, now_ms);
		return 0;
	}
	rb->mean = tunnels / capacity;
	rb->level = (double)self->tunnels / (double)self->max_tunnels;
	stop = rb->mean + th / 2;
	switch (rb->phase) {
	case REBALANCE_IDLE:
	case REBALANCE_PENDING:
		if (rb->level <= rb->mean + th) {
			enter(rb, REBALANCE_IDLE, now_ms);
			break;
		}
		enter(rb, REBALANCE_PENDING, now_ms);
		if (now_ms - rb->since_ms >= p->hold_ms)
			enter(rb, REBALANCE_MOVING, now_ms);
		break;
	case REBALANCE_MOVING:
		if (rb->level <= stop)
			enter(rb, REBALANCE_IDLE, now_ms);
		break;
	}
	if (rb->phase == REBALANCE_MOVING) {
		double over = (double)self->tunnels - stop * (double)self->max_tunnels;

		rb->excess = over < 1 ? 1 : (uint32_t)ceil(over - 1e-9);
	}
	return rb->excess;
}
