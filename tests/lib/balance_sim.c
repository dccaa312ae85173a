// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Burst simulation for tests and benchmark 3; see balance_sim.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "balance_sim.h"

struct gw {
	uint32_t tunnels; /* actual */
	uint32_t reported; /* in its last report */
	uint64_t report_ms; /* when that report was received */
	uint64_t next_report_us;
	uint64_t redirects; /* what XDP counted for it */
};

struct sim {
	const struct balance_sim_params *p;
	struct gw gw[BALANCE_SIM_MAX_GW];
	uint32_t table[IKELB_FAMILIES][IKELB_SLOTS];
	uint32_t spill[IKELB_SLOTS]; /* IPv4 only, like the arrivals */
	uint64_t until[BALANCE_SIM_MAX_GW]; /* budgets, as the daemon sets them */
	struct balancer *bal;
	uint64_t rng;
	struct balance_sim_result *r;
	uint8_t *dest; /* gateway of each redirected client */
	uint32_t arrived, connected; /* clients [connected, arrived) in flight */
};

void balance_sim_defaults(struct balance_sim_params *p)
{
	static const uint32_t max[] = { 2000, 2000, 4000, 8000 };

	memset(p, 0, sizeof(*p));
	p->n_gw = 4;
	memcpy(p->max_tunnels, max, sizeof(max));
	p->clients = 10000;
	p->rate = 1000;
	p->report_ms = 1000;
	p->refill_ms = 100;
	p->stagger = true;
	p->seed = 0x1ce1b;
	p->policy = BALANCE_SIM_BALANCER;
	balancer_opts_default(&p->opts);
}

double balance_sim_deviation(const uint32_t *tunnels, const uint32_t *max, unsigned n)
{
	double sum_t = 0, sum_m = 0, ideal, dev = 0;

	for (unsigned i = 0; i < n; i++)
		sum_t += tunnels[i], sum_m += max[i];
	if (sum_m <= 0)
		return 0;
	ideal = sum_t / sum_m;
	for (unsigned i = 0; i < n; i++)
		dev = fmax(dev, fabs((double)tunnels[i] / max[i] - ideal));
	return dev * 100;
}

/* splitmix64: a small, well-mixed, reproducible SPIi generator. */
static uint64_t next_spi(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The daemon's side: members not full by their report are eligible. */
static void refill_balancer(struct sim *s, uint64_t now_ms)
{
	struct balancer_input in[BALANCE_SIM_MAX_GW] = { 0 };
	int moved;

	for (unsigned i = 0; i < s->p->n_gw; i++) {
		in[i].kind = BALANCER_REPORTED;
		in[i].family[IKELB_FAM_V4] = true;
		in[i].eligible = s->gw[i].reported < s->p->max_tunnels[i];
		in[i].max_tunnels = s->p->max_tunnels[i];
		in[i].tunnels = s->gw[i].reported;
		in[i].report_ms = s->gw[i].report_ms;
		in[i].redirects = s->gw[i].redirects;
	}
	moved = balancer_refill(s->bal, now_ms, in, s->p->n_gw, s->table);
	if (moved > 0)
		s->r->slots_moved += (uint64_t)moved;
	memcpy(s->spill, balancer_spill(s->bal, IKELB_FAM_V4), sizeof(s->spill));
	/* one CPU: the daemon's per-CPU share with ncpus = 1 */
	for (unsigned i = 0; i < s->p->n_gw; i++)
		s->until[i] = s->gw[i].redirects + balancer_budget(s->bal, i) + 1;
}

/* Classic: one winner by the last reports, all slots to it. */
static void refill_classic(struct sim *s)
{
	const struct balance_sim_params *p = s->p;
	int best = -1;
	uint32_t target;

	for (unsigned i = 0; i < p->n_gw; i++) {
		const struct gw *g = &s->gw[i];

		if (g->reported >= p->max_tunnels[i])
			continue;
		if (best < 0)
			best = (int)i;
		else if (p->policy == BALANCE_SIM_CLASSIC ? g->reported < s->gw[best].reported
							  : (uint64_t)g->reported * p->max_tunnels[best] <
								    (uint64_t)s->gw[best].reported *
									    p->max_tunnels[i])
			best = (int)i;
	}
	target = best < 0 ? IKELB_SLOT_NONE : (uint32_t)best;
	for (unsigned k = 0; k < IKELB_SLOTS; k++) {
		if (s->table[IKELB_FAM_V4][k] != target)
			s->r->slots_moved++;
		s->table[IKELB_FAM_V4][k] = target;
	}
}

static void refill(struct sim *s, uint64_t now_us)
{
	s->r->refills++;
	if (s->p->policy == BALANCE_SIM_BALANCER)
		refill_balancer(s, now_us / 1000);
	else
		refill_classic(s);
}

static uint64_t report_phase_us(const struct balance_sim_params *p, unsigned i)
{
	return p->stagger ? (uint64_t)i * p->report_ms * 1000 / p->n_gw : 0;
}

static uint64_t arrival_us(const struct balance_sim_params *p, uint32_t k)
{
	return (uint64_t)k * 1000000 / p->rate;
}

/* Redirected clients whose tunnel is up by t_us. */
static void connect_until(struct sim *s, uint64_t t_us)
{
	const struct balance_sim_params *p = s->p;

	while (s->connected < s->arrived &&
	       arrival_us(p, s->connected) + (uint64_t)p->connect_ms * 1000 <= t_us) {
		uint8_t g = s->dest[s->connected++];

		if (g < p->n_gw)
			s->gw[g].tunnels++;
	}
}

static void trace(struct sim *s, uint64_t now_us)
{
	const struct balance_sim_params *p = s->p;
	uint32_t t[BALANCE_SIM_MAX_GW];

	for (unsigned i = 0; i < p->n_gw; i++)
		t[i] = s->gw[i].tunnels;
	p->trace(p->trace_arg, now_us / 1000, t, p->n_gw,
		 balance_sim_deviation(t, p->max_tunnels, p->n_gw));
}

/* Reports and refills due by time t_us, in time order (a report first). */
static void run_events_until(struct sim *s, uint64_t t_us, uint64_t *next_refill_us)
{
	const struct balance_sim_params *p = s->p;

	for (;;) {
		uint64_t next = *next_refill_us;
		int who = -1;

		for (unsigned i = 0; i < p->n_gw; i++)
			if (s->gw[i].next_report_us <= next)
				next = s->gw[i].next_report_us, who = (int)i;
		if (next > t_us)
			return;
		if (who >= 0) {
			struct gw *g = &s->gw[who];

			connect_until(s, next);
			g->reported = g->tunnels;
			g->report_ms = next / 1000;
			g->next_report_us += (uint64_t)p->report_ms * 1000;
			refill(s, next);
			continue;
		}
		*next_refill_us += (uint64_t)p->refill_ms * 1000;
		connect_until(s, next);
		refill(s, next);
		if (p->trace)
			trace(s, next);
	}
}

static void arrive(struct sim *s, uint64_t t_us)
{
	const struct balance_sim_params *p = s->p;
	uint32_t slot = ikelb_slot_of_spi(next_spi(&s->rng));
	uint32_t target = s->table[IKELB_FAM_V4][slot];
	uint32_t tunnels[BALANCE_SIM_MAX_GW];
	double dev;

	/* as the XDP program: the spill table once the plan's target has had
	 * its budget (the classic policies set no budget) */
	if (p->policy == BALANCE_SIM_BALANCER && target < p->n_gw &&
	    s->gw[target].redirects >= s->until[target] && s->spill[slot] < p->n_gw)
		target = s->spill[slot];

	s->dest[s->arrived++] = target < p->n_gw ? (uint8_t)target : UINT8_MAX;
	if (target >= p->n_gw) {
		s->r->no_target++;
		return;
	}
	s->gw[target].redirects++;
	connect_until(s, t_us);
	for (unsigned i = 0; i < p->n_gw; i++)
		tunnels[i] = s->gw[i].tunnels;
	dev = balance_sim_deviation(tunnels, p->max_tunnels, p->n_gw);
	if (dev > s->r->max_dev) {
		s->r->max_dev = dev;
		s->r->max_dev_at_ms = t_us / 1000;
	}
}

static int check_params(const struct balance_sim_params *p)
{
	if (!p->n_gw || p->n_gw > BALANCE_SIM_MAX_GW || !p->rate || !p->report_ms ||
	    !p->refill_ms)
		return -1;
	for (unsigned i = 0; i < p->n_gw; i++)
		if (!p->max_tunnels[i])
			return -1;
	return 0;
}

int balance_sim_run(const struct balance_sim_params *p, struct balance_sim_result *r)
{
	struct sim s = { .p = p, .rng = p->seed, .r = r };
	uint64_t next_refill_us = 0, t_us = 0, sum_t = 0, sum_m = 0;

	if (!r || check_params(p)) {
		errno = EINVAL;
		return -1;
	}
	memset(r, 0, sizeof(*r));
	s.dest = malloc(p->clients ? p->clients : 1);
	if (!s.dest)
		return -1;
	if (p->policy == BALANCE_SIM_BALANCER && !(s.bal = balancer_new(&p->opts))) {
		free(s.dest);
		return -1;
	}
	for (unsigned f = 0; f < IKELB_FAMILIES; f++)
		for (unsigned k = 0; k < IKELB_SLOTS; k++)
			s.table[f][k] = IKELB_SLOT_NONE;
	for (unsigned i = 0; i < p->n_gw; i++) {
		s.gw[i].tunnels = s.gw[i].reported = p->initial_tunnels[i];
		s.gw[i].next_report_us = report_phase_us(p, i);
		if (!s.gw[i].next_report_us)
			s.gw[i].next_report_us = (uint64_t)p->report_ms * 1000;
	}
	r->max_dev = balance_sim_deviation(p->initial_tunnels, p->max_tunnels, p->n_gw);
	for (uint32_t k = 0; k < p->clients; k++) {
		t_us = arrival_us(p, k);
		run_events_until(&s, t_us, &next_refill_us);
		arrive(&s, t_us);
	}
	connect_until(&s, UINT64_MAX);
	balancer_free(s.bal);
	free(s.dest);
	for (unsigned i = 0; i < p->n_gw; i++) {
		r->tunnels[i] = s.gw[i].tunnels;
		sum_t += s.gw[i].tunnels;
		sum_m += p->max_tunnels[i];
	}
	r->final_dev = balance_sim_deviation(r->tunnels, p->max_tunnels, p->n_gw);
	r->ideal_final = 100.0 * (double)sum_t / (double)sum_m;
	r->duration_ms = t_us / 1000;
	return 0;
}
