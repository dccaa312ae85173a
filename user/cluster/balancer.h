/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The balancer turns what the master knows about its targets (reported
 * tunnels, capacities, the XDP program's redirect counts) into the two slot
 * tables the XDP program reads (include/ikelb.h).  Pure logic: no BPF calls,
 * no clock reads; the caller passes the time and the counters.
 *
 * Anti-herding: a target's estimated load is its reported tunnels plus the
 * redirects XDP sent to it since that report was received, so clients
 * redirected between two reports are not all sent to the one target that
 * looked emptiest at the last report.  Shares are computed by water-filling
 * the next batch of expected arrivals toward equal estimated utilisation
 * (or equal tunnels), and slots move only as far as the new shares require.
 *
 * Usage: balancer_new(), then balancer_refill() every 50-100 ms and on every
 * load report or membership change, writing straight into the mmapped
 * slots map if you like (only slots whose value changes are stored, each
 * with one aligned 32-bit store, so XDP always reads a valid index).
 */
#ifndef IKELB_BALANCER_H
#define IKELB_BALANCER_H

#include <stdbool.h>
#include <stdint.h>

#include "ikelb.h"

enum balancer_policy {
	BALANCER_LEAST_UTILIZATION, /* toward equal tunnels / max_tunnels */
	BALANCER_LEAST_TUNNELS, /* toward equal tunnel counts */
	/*
	 * The classic policy, for comparison (benchmark 3): every new client to
	 * the eligible target with the fewest tunnels in its last report (a
	 * static target: its estimate), the lowest index on ties; no accounting
	 * of the redirects sent since, no shares: every slot of both tables
	 * names that one target until the next refill.
	 */
	BALANCER_FEWEST_REPORTED,
};

enum balancer_kind {
	BALANCER_ABSENT = 0, /* no target at this index */
	BALANCER_REPORTED, /* a member that sends load reports */
	BALANCER_STATIC, /* a [target] without reports: load = its redirects */
};

struct balancer_opts {
	enum balancer_policy policy;
	/*
	 * The batch B of arrivals each refill plans for is
	 *   max(min_batch, min_batch_ppm * eligible capacity / 1e6,
	 *       recent redirect rate * max(horizon_ms, 2 * refill period))
	 * (see balancer.c, "Choosing the batch").
	 */
	uint32_t horizon_ms; /* default 200 */
	uint32_t min_batch; /* default 8 */
	uint32_t min_batch_ppm; /* of the family's eligible max_tunnels; default 10000 (1 %) */
	/*
	 * Redirects sent in the settle_ms before a report was received are
	 * assumed not yet counted in it (a redirected client needs time to
	 * set up its tunnel).  Default 0: the report is taken as exact.
	 */
	uint32_t settle_ms;
	/*
	 * A static target's estimated load is its redirect count decayed with
	 * this time constant: the number of its tunnels still up if they last
	 * static_tau_ms on average (exponentially).  Default 600000 (10 min).
	 */
	uint32_t static_tau_ms;
};

/* What the caller knows about one target index, as of now. */
struct balancer_input {
	enum balancer_kind kind;
	bool family[IKELB_FAMILIES]; /* has a GW identity for that VIP family */
	/* Alive, state active, not full by its report, not draining, not the
	 * VIP: the caller decides.  Ineligible targets never get a slot. */
	bool eligible;
	uint32_t max_tunnels; /* >= 1; 0 makes the target ineligible */
	uint32_t tunnels; /* reported (BALANCER_REPORTED only) */
	uint64_t report_ms; /* when that report was received (same clock as now) */
	uint64_t redirects; /* XDP's monotonic total for this index, all CPUs */
};

/* Per-target figures of the last refill, for `status`. */
struct balancer_figures {
	double est_tunnels; /* reported + redirects since, or static estimate */
	double utilization; /* est_tunnels / max_tunnels */
	uint64_t since_report; /* redirects since the report (reported only) */
	uint32_t slots[IKELB_FAMILIES];
	double share[IKELB_FAMILIES]; /* slots / IKELB_SLOTS */
};

/* Balancer-wide figures of the last refill. */
struct balancer_summary {
	double rate; /* redirects per second used for the batch */
	uint32_t horizon_ms; /* horizon_ms, or twice the refill period if longer */
	double batch[IKELB_FAMILIES]; /* B, arrivals the shares were planned for */
	uint32_t eligible[IKELB_FAMILIES]; /* targets that could get slots */
	uint32_t moved[IKELB_FAMILIES]; /* slots that changed target */
};

struct balancer;

void balancer_opts_default(struct balancer_opts *o);
/* opts may be NULL for the defaults.  NULL (errno set) on failure. */
struct balancer *balancer_new(const struct balancer_opts *opts);
void balancer_free(struct balancer *b);
/* Takes effect at the next refill. */
void balancer_set_policy(struct balancer *b, enum balancer_policy policy);

/*
 * Recomputes both tables from in[0..n-1] (index i = target index i;
 * indices >= n are absent).  now_ms must not go backwards (a smaller value
 * is taken as the previous one).  out may be NULL, or the slot tables to
 * update in place (e.g. the mmapped map); only changed entries are stored.
 * Returns the number of slots that changed target (both families), or -1
 * with errno EINVAL on bad arguments.
 */
int balancer_refill(struct balancer *b, uint64_t now_ms, const struct balancer_input *in,
		    unsigned n, uint32_t out[IKELB_FAMILIES][IKELB_SLOTS]);

/* The table of the last refill: IKELB_SLOTS target indices or IKELB_SLOT_NONE. */
const uint32_t *balancer_table(const struct balancer *b, unsigned family);
/* The spill table of the last refill (include/ikelb.h: in proportion to free
 * capacity; used for a target once it has had its budget). */
const uint32_t *balancer_spill(const struct balancer *b, unsigned family);
/* Target idx's budget: the arrivals the last refill's plan gives it, both
 * families together, until the next refill. */
uint32_t balancer_budget(const struct balancer *b, unsigned idx);
/* Figures of target idx at the last refill (zeroes for an absent index). */
const struct balancer_figures *balancer_figures(const struct balancer *b, unsigned idx);
const struct balancer_summary *balancer_summary(const struct balancer *b);
/* Forget what was learnt about idx (e.g. the index now names another target). */
void balancer_forget(struct balancer *b, unsigned idx);

#endif
