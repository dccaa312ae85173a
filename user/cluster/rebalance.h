/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Rebalancing: whether this gateway holds so many more clients than the
 * cluster's mean that it should move some of them elsewhere (ike/migrate.c
 * moves them), and how many.  Pure: it reads the cluster view's pool
 * (cluster.h) and takes the time as a parameter.
 *
 * The mean is the cluster's utilisation: the reported tunnels of every
 * gateway that is alive and active (or full), this one included, over
 * their max_tunnels together.  Static targets (no reports) and draining,
 * unhealthy or dead gateways do not count.  With threshold t (a fraction):
 *
 *   idle     --> pending  this gateway's utilisation is above mean + t
 *   pending  --> idle     it is not any more
 *   pending  --> moving   it has stayed above mean + t for hold_ms
 *   moving   --> idle     it is at or below mean + t/2
 *
 * While moving, the clients to move are those above mean + t/2 (at least
 * one).  Stopping halfway below the threshold, not at the mean, leaves
 * room for what the reports do not show yet (clients on their way) without
 * moving anyone back and forth.
 */
#ifndef IKELB_REBALANCE_H
#define IKELB_REBALANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/cluster.h"

enum rebalance_phase { REBALANCE_IDLE, REBALANCE_PENDING, REBALANCE_MOVING };

struct rebalance_params {
	uint32_t threshold_pct; /* percentage points above the mean */
	uint32_t hold_ms;
};

struct rebalance {
	enum rebalance_phase phase;
	uint64_t since_ms; /* when the phase began */
	bool known; /* the last update found this gateway and a mean */
	double mean, level; /* utilisations of the last update */
	uint32_t excess; /* clients to move (moving only) */
};

void rebalance_init(struct rebalance *rb);
/* Recomputes from the pool (n entries); returns rb->excess. */
uint32_t rebalance_update(struct rebalance *rb, const struct pool_entry *pool, unsigned n,
			  const struct rebalance_params *p, uint64_t now_ms);
const char *rebalance_phase_name(enum rebalance_phase ph);

#endif
