/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A discrete-event simulation of a burst of clients against a cluster, for
 * the unit tests (benchmark 3, bench/balance.sh, measures both policies in
 * the real lab): gateways with given capacities report their tunnels every
 * report_ms; clients arrive at a fixed rate, each with
 * a random SPIi that picks a slot (ikelb_slot_of_spi) in the current table,
 * as the XDP program does; the redirected client becomes a tunnel on its
 * gateway connect_ms later, and the next report of that gateway counts it.  The
 * master refills the table every refill_ms and on every report.
 *
 * Deviation: the largest |u_i - u*| over the gateways, in percentage points
 * of utilisation, where u_i = tunnels_i / max_i and u* = sum tunnels /
 * sum max (the ideal equal utilisation at that moment).
 */
#ifndef IKELB_BALANCE_SIM_H
#define IKELB_BALANCE_SIM_H

#include <stdint.h>

#include "cluster/balancer.h"

#define BALANCE_SIM_MAX_GW 16

enum balance_sim_policy {
	BALANCE_SIM_BALANCER, /* balancer.c with params.opts */
	/* Classic: every new client to the gateway with the fewest tunnels in
	 * its last report (lowest index on ties), no accounting in between. */
	BALANCE_SIM_CLASSIC,
	/* The same with the lowest utilisation in the last report. */
	BALANCE_SIM_CLASSIC_UTIL,
};

struct balance_sim_params {
	unsigned n_gw;
	uint32_t max_tunnels[BALANCE_SIM_MAX_GW];
	uint32_t initial_tunnels[BALANCE_SIM_MAX_GW];
	uint32_t clients;
	uint32_t rate; /* arrivals per second, evenly spaced */
	uint32_t report_ms; /* status interval of every gateway */
	uint32_t refill_ms; /* the master's periodic refill */
	/* A redirected client's tunnel is up (and counted by its gateway)
	 * connect_ms after the redirect; default 0. */
	uint32_t connect_ms;
	/* Gateway i reports at i * report_ms / n_gw + k * report_ms (as
	 * unsynchronised nodes do); every gateway also reports at time 0. */
	bool stagger;
	uint64_t seed; /* of the SPIi generator */
	enum balance_sim_policy policy;
	struct balancer_opts opts;
	/* Optional: called every refill_ms with the state after that refill. */
	void (*trace)(void *arg, uint64_t t_ms, const uint32_t *tunnels, unsigned n_gw,
		      double deviation);
	void *trace_arg;
};

struct balance_sim_result {
	double final_dev; /* percentage points, after the last arrival */
	double max_dev; /* over every moment (after each arrival), tunnels up */
	uint64_t max_dev_at_ms;
	double ideal_final; /* u* at the end, percent */
	uint32_t tunnels[BALANCE_SIM_MAX_GW]; /* at the end */
	uint64_t no_target; /* arrivals that found no target */
	uint64_t slots_moved; /* over all refills */
	uint64_t refills;
	uint64_t duration_ms;
};

/* 4 gateways 2000:2000:4000:8000, 10,000 clients at 1000/s, reports every
 * 1 s staggered, refill every 100 ms, the balancer's default options. */
void balance_sim_defaults(struct balance_sim_params *p);
/* 0, or -1 with errno (EINVAL: bad parameters, ENOMEM). */
int balance_sim_run(const struct balance_sim_params *p, struct balance_sim_result *r);
/* The deviation as defined above, for tunnels[0..n-1] against max[]. */
double balance_sim_deviation(const uint32_t *tunnels, const uint32_t *max, unsigned n);

#endif
