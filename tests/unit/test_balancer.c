// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The balancer's slot tables from given loads.  Every expected slot count
 * is worked out by hand in the comment above its assertion, from the rules
 * in balancer.h/.c: water-filling of a batch B toward equal levels, B =
 * max(min_batch, 1 % of eligible capacity, rate * horizon), largest
 * remainder rounding with at least one slot per non-zero share (ties to
 * the lower index).  The burst tests run the simulation of balance_sim.c.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/balance_sim.h"
#include "cluster/balancer.h"

#define V4 IKELB_FAM_V4
#define V6 IKELB_FAM_V6

/* n reported members with both families, eligible, report at time 0. */
static void members(struct balancer_input *in, unsigned n, const uint32_t *max,
		    const uint32_t *tunnels)
{
	memset(in, 0, n * sizeof(*in));
	for (unsigned i = 0; i < n; i++) {
		in[i].kind = BALANCER_REPORTED;
		in[i].family[V4] = in[i].family[V6] = true;
		in[i].eligible = true;
		in[i].max_tunnels = max[i];
		in[i].tunnels = tunnels ? tunnels[i] : 0;
	}
}

static unsigned slots_of(const struct balancer *b, unsigned fam, uint32_t idx)
{
	const uint32_t *t = balancer_table(b, fam);
	unsigned c = 0;

	for (unsigned s = 0; s < IKELB_SLOTS; s++)
		c += t[s] == idx;
	return c;
}

static struct balancer *make(enum balancer_policy policy, uint32_t min_batch)
{
	struct balancer_opts o;
	struct balancer *b;

	balancer_opts_default(&o);
	o.policy = policy;
	o.min_batch = min_batch;
	b = balancer_new(&o);
	assert_non_null(b);
	return b;
}

/* Every slot names a target or NONE, and the counts match the figures. */
static void check_consistent(const struct balancer *b, unsigned n)
{
	for (unsigned f = 0; f < IKELB_FAMILIES; f++) {
		unsigned total = 0;

		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(slots_of(b, f, i), balancer_figures(b, i)->slots[f]);
			total += slots_of(b, f, i);
		}
		assert_true(total == IKELB_SLOTS || total == 0);
		assert_int_equal(total + slots_of(b, f, IKELB_SLOT_NONE), IKELB_SLOTS);
	}
}

static void test_equal_loads_equal_slots(void **state)
{
	const uint32_t max[] = { 1000, 1000, 1000, 1000 }, tun[] = { 100, 100, 100, 100 };
	struct balancer_input in[4];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 4, max, tun);
	assert_int_equal(balancer_refill(b, 1000, in, 4, NULL), 2 * IKELB_SLOTS);
	/* Equal levels: the split of any batch is 1:1:1:1 -> 1024 / 4. */
	for (unsigned f = 0; f < IKELB_FAMILIES; f++)
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(slots_of(b, f, i), 256);
	assert_true(fabs(balancer_figures(b, 2)->utilization - 0.1) < 1e-12);
	assert_true(fabs(balancer_figures(b, 2)->share[V4] - 0.25) < 1e-12);
	check_consistent(b, 4);
	balancer_free(b);
}

static void test_capacities_1124_at_zero_load(void **state)
{
	const uint32_t max[] = { 1000, 1000, 2000, 4000 };
	struct balancer_input in[4];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 4, max, NULL);
	balancer_refill(b, 0, in, 4, NULL);
	/* Levels all 0: split by max, 1024 * 1/8, 1/8, 2/8, 4/8. */
	assert_int_equal(slots_of(b, V4, 0), 128);
	assert_int_equal(slots_of(b, V4, 1), 128);
	assert_int_equal(slots_of(b, V4, 2), 256);
	assert_int_equal(slots_of(b, V4, 3), 512);
	assert_int_equal(slots_of(b, V6, 3), 512);
	check_consistent(b, 4);
	balancer_free(b);
}

static void test_ineligible_absent_get_no_slot(void **state)
{
	const uint32_t max[] = { 1000, 1000, 1000, 1000, 1000 };
	struct balancer_input in[5];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 5, max, NULL);
	in[1].eligible = false; /* full, draining, dead: the caller's verdict */
	in[3].kind = BALANCER_ABSENT; /* no member at this index */
	in[4].max_tunnels = 0; /* nonsense capacity: never a target */
	balancer_refill(b, 0, in, 5, NULL);
	/* Two left at equal level: 512 each. */
	assert_int_equal(slots_of(b, V4, 0), 512);
	assert_int_equal(slots_of(b, V4, 2), 512);
	assert_int_equal(slots_of(b, V4, 1), 0);
	assert_int_equal(slots_of(b, V4, 3), 0);
	assert_int_equal(slots_of(b, V4, 4), 0);
	assert_int_equal(balancer_summary(b)->eligible[V4], 2);
	check_consistent(b, 5);
	balancer_free(b);
}

static void test_one_of_three_ineligible(void **state)
{
	const uint32_t max[] = { 1000, 1000, 1000, 1000 };
	struct balancer_input in[4];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 4, max, NULL);
	in[1].eligible = false;
	balancer_refill(b, 0, in, 4, NULL);
	/* 1024 / 3 = 341.33 each; the one leftover slot to the lowest index. */
	assert_int_equal(slots_of(b, V4, 0), 342);
	assert_int_equal(slots_of(b, V4, 2), 341);
	assert_int_equal(slots_of(b, V4, 3), 341);
	balancer_free(b);
}

/* Eligible by its report, but the redirects since make it full. */
static void test_full_by_estimate_gets_nothing_while_others_have_room(void **state)
{
	const uint32_t max[] = { 1000, 1000, 1000 }, tun[] = { 900, 500, 500 };
	struct balancer_input in[3];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 3, max, tun);
	balancer_refill(b, 0, in, 3, NULL);
	in[0].redirects = 100; /* sent since its report at time 0 */
	balancer_refill(b, 100, in, 3, NULL);
	assert_int_equal(balancer_figures(b, 0)->since_report, 100);
	assert_true(fabs(balancer_figures(b, 0)->est_tunnels - 1000) < 1e-9);
	/* Rate 100 / 0.1 s = 1000/s, horizon 200 ms: B = 200 (floor 30).
	 * Targets 1, 2 at 0.5 reach level 0.6 with 100 each; target 0 is at
	 * 1.0: 0 : 512 : 512. */
	assert_int_equal(slots_of(b, V4, 0), 0);
	assert_int_equal(slots_of(b, V4, 1), 512);
	assert_int_equal(slots_of(b, V4, 2), 512);
	balancer_free(b);
}

static void test_batch_beyond_free_capacity_splits_by_free(void **state)
{
	const uint32_t max[] = { 100, 100 }, tun[] = { 90, 50 };
	struct balancer_input in[2];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 1000);

	(void)state;
	members(in, 2, max, tun);
	balancer_refill(b, 0, in, 2, NULL);
	/* B = 1000 > free 10 + 50: shares 10/60, 50/60 of 1024 = 170.67,
	 * 853.33 -> 170 + 853 = 1023, leftover to the larger remainder (0). */
	assert_int_equal(slots_of(b, V4, 0), 171);
	assert_int_equal(slots_of(b, V4, 1), 853);
	balancer_free(b);
}

static void test_everyone_full_by_estimate_still_levelled(void **state)
{
	const uint32_t max[] = { 100, 300 }, tun[] = { 90, 280 };
	struct balancer_input in[2];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 400);

	(void)state;
	members(in, 2, max, tun);
	balancer_refill(b, 0, in, 2, NULL);
	in[0].redirects = 20;
	in[1].redirects = 40;
	balancer_refill(b, 100, in, 2, NULL);
	/* Estimates 110 and 320, no free capacity; the reports still say not
	 * full.  B = max(400, 600/s * 0.2 s) = 400; unbounded levelling:
	 * 400 L = 400 + 430 -> L = 2.075; 207.5 - 110 = 97.5, 622.5 - 320 =
	 * 302.5: 1024 * 0.24375 = 249.6, * 0.75625 = 774.4 -> 250, 774. */
	assert_int_equal(slots_of(b, V4, 0), 250);
	assert_int_equal(slots_of(b, V4, 1), 774);
	balancer_free(b);
}

static void test_ipv4_only_target_has_no_ipv6_slot(void **state)
{
	const uint32_t max[] = { 1000, 1000 };
	struct balancer_input in[2];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 2, max, NULL);
	in[0].family[V6] = false;
	balancer_refill(b, 0, in, 2, NULL);
	assert_int_equal(slots_of(b, V4, 0), 512);
	assert_int_equal(slots_of(b, V4, 1), 512);
	assert_int_equal(slots_of(b, V6, 0), 0);
	assert_int_equal(slots_of(b, V6, 1), IKELB_SLOTS);
	/* No target has IPv4 now: that table empties. */
	in[1].family[V4] = false;
	in[0].family[V4] = false;
	balancer_refill(b, 100, in, 2, NULL);
	assert_int_equal(slots_of(b, V4, IKELB_SLOT_NONE), IKELB_SLOTS);
	assert_int_equal(slots_of(b, V6, 1), IKELB_SLOTS);
	balancer_free(b);
}

static void test_nobody_eligible_all_none(void **state)
{
	static uint32_t out[IKELB_FAMILIES][IKELB_SLOTS];
	const uint32_t max[] = { 1000, 1000, 1000 };
	struct balancer_input in[3];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 3, max, NULL);
	balancer_refill(b, 0, in, 3, out);
	assert_int_equal(out[V4][0] < 3, 1);
	for (unsigned i = 0; i < 3; i++)
		in[i].eligible = false;
	assert_int_equal(balancer_refill(b, 100, in, 3, out), 2 * IKELB_SLOTS);
	for (unsigned f = 0; f < IKELB_FAMILIES; f++)
		for (unsigned s = 0; s < IKELB_SLOTS; s++)
			assert_int_equal(out[f][s], IKELB_SLOT_NONE);
	/* No targets at all. */
	assert_int_equal(balancer_refill(b, 200, NULL, 0, out), 0);
	assert_int_equal(out[V6][IKELB_SLOTS - 1], IKELB_SLOT_NONE);
	balancer_free(b);
}

static void test_least_tunnels_picks_fewest(void **state)
{
	const uint32_t max[] = { 1000, 4000 }, tun[] = { 300, 600 };
	struct balancer_input in[2];
	struct balancer *lt = make(BALANCER_LEAST_TUNNELS, 8);
	struct balancer *lu = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 2, max, tun);
	balancer_refill(lt, 0, in, 2, NULL);
	balancer_refill(lu, 0, in, 2, NULL);
	/* B = 1 % of 5000 = 50.  Tunnels: 300 + 50 stays under 600, so all to
	 * target 0.  Utilisation: 0.3 vs 0.15; 0.15 + 50/4000 < 0.3, so all
	 * to target 1. */
	assert_int_equal(slots_of(lt, V4, 0), IKELB_SLOTS);
	assert_int_equal(slots_of(lu, V4, 1), IKELB_SLOTS);
	balancer_free(lt);
	balancer_free(lu);
}

/* The classic policy: every slot of both tables to the target with the
 * fewest reported tunnels, whatever was sent to it since; ties to the
 * lowest index; ineligible targets never. */
static void test_fewest_reported_takes_the_last_report(void **state)
{
	const uint32_t max[] = { 1000, 4000, 2000 }, tun[] = { 300, 600, 300 };
	struct balancer_input in[3];
	struct balancer *b = make(BALANCER_FEWEST_REPORTED, 8);
	const uint32_t *spill;

	(void)state;
	members(in, 3, max, tun);
	balancer_refill(b, 0, in, 3, NULL);
	/* 300 = 300 < 600: the lowest index of the tie, capacity aside */
	assert_int_equal(slots_of(b, V4, 0), IKELB_SLOTS);
	assert_int_equal(slots_of(b, V6, 0), IKELB_SLOTS);
	spill = balancer_spill(b, V4);
	for (unsigned k = 0; k < IKELB_SLOTS; k++)
		assert_int_equal(spill[k], 0);
	check_consistent(b, 3);
	/* 5000 redirects to target 0 since that report change nothing: the
	 * report is all this policy looks at */
	in[0].redirects = 5000;
	balancer_refill(b, 100, in, 3, NULL);
	assert_int_equal(slots_of(b, V4, 0), IKELB_SLOTS);
	/* a new report moves everything at once */
	in[0].tunnels = 301;
	in[0].report_ms = 200;
	balancer_refill(b, 200, in, 3, NULL);
	assert_int_equal(slots_of(b, V4, 2), IKELB_SLOTS);
	/* never an ineligible one */
	in[2].eligible = false;
	balancer_refill(b, 300, in, 3, NULL);
	assert_int_equal(slots_of(b, V4, 0), IKELB_SLOTS);
	/* nobody eligible: nothing */
	in[0].eligible = in[1].eligible = false;
	balancer_refill(b, 400, in, 3, NULL);
	assert_int_equal(slots_of(b, V4, IKELB_SLOT_NONE), IKELB_SLOTS);
	check_consistent(b, 3);
	balancer_free(b);
}

static void test_least_tunnels_ignores_capacity_at_equal_counts(void **state)
{
	const uint32_t max[] = { 1000, 4000 };
	struct balancer_input in[2];
	struct balancer *b = make(BALANCER_LEAST_TUNNELS, 8);

	(void)state;
	members(in, 2, max, NULL);
	balancer_refill(b, 0, in, 2, NULL);
	/* Equal counts: 1:1, unlike least-utilization's 1:4. */
	assert_int_equal(slots_of(b, V4, 0), 512);
	assert_int_equal(slots_of(b, V4, 1), 512);
	/* Switching the policy takes effect at the next refill. */
	balancer_set_policy(b, BALANCER_LEAST_UTILIZATION);
	balancer_refill(b, 100, in, 2, NULL);
	assert_int_equal(slots_of(b, V4, 0), 205); /* 204.8 */
	assert_int_equal(slots_of(b, V4, 1), 819); /* 819.2 */
	balancer_free(b);
}

static void test_stability_member_leaves_and_returns(void **state)
{
	const uint32_t max[] = { 1000, 1000, 1000, 1000 };
	uint32_t before[IKELB_SLOTS];
	struct balancer_input in[4];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);
	unsigned kept = 0;

	(void)state;
	members(in, 4, max, NULL);
	for (unsigned i = 0; i < 4; i++)
		in[i].family[V6] = false;
	balancer_refill(b, 0, in, 4, NULL);
	memcpy(before, balancer_table(b, V4), sizeof(before));
	in[3].eligible = false;
	/* Only target 3's 256 slots may move. */
	assert_int_equal(balancer_refill(b, 100, in, 4, NULL), 256);
	for (unsigned s = 0; s < IKELB_SLOTS; s++) {
		if (before[s] != 3) {
			assert_int_equal(balancer_table(b, V4)[s], before[s]);
			kept++;
		}
	}
	assert_int_equal(kept, 768);
	/* Back to 256 each: 342 - 256 + 2 * (341 - 256) = 256 slots move. */
	in[3].eligible = true;
	assert_int_equal(balancer_refill(b, 200, in, 4, NULL), 256);
	assert_int_equal(slots_of(b, V4, 3), 256);
	balancer_free(b);
}

static void test_stability_small_change_moves_few(void **state)
{
	const uint32_t max[] = { 1000, 1000, 1000, 1000 }, tun[] = { 500, 500, 500, 500 };
	uint32_t before[IKELB_SLOTS];
	struct balancer_input in[4];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 4000);
	unsigned differ = 0;

	(void)state;
	members(in, 4, max, tun);
	balancer_refill(b, 0, in, 4, NULL);
	memcpy(before, balancer_table(b, V4), sizeof(before));
	in[0].tunnels = 510;
	in[0].report_ms = 100;
	/* B = 4000 > free 490 + 3 * 500: split by free capacity,
	 * 1024 * 490/1990 = 252.14, * 500/1990 = 257.29: 252 257 257 257 = 1023,
	 * leftover to target 1 (equal remainders, lowest index): 4 slots of
	 * target 0 move, the least possible. */
	balancer_refill(b, 100, in, 4, NULL);
	assert_int_equal(slots_of(b, V4, 0), 252);
	assert_int_equal(slots_of(b, V4, 1), 258);
	assert_int_equal(slots_of(b, V4, 2), 257);
	assert_int_equal(slots_of(b, V4, 3), 257);
	assert_int_equal(balancer_summary(b)->moved[V4], 4);
	for (unsigned s = 0; s < IKELB_SLOTS; s++)
		differ += balancer_table(b, V4)[s] != before[s];
	assert_int_equal(differ, 4);
	balancer_free(b);
}

static void test_rounding_minimum_one_slot(void **state)
{
	const uint32_t max[] = { 100000, 100000, 1 };
	struct balancer_input in[3];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 3, max, NULL);
	balancer_refill(b, 0, in, 3, NULL);
	/* 1024 * 100000/200001 = 511.997 twice, 0.005 for target 2 -> 1;
	 * 511 + 511 + 1 = 1023, the leftover to target 0. */
	assert_int_equal(slots_of(b, V4, 0), 512);
	assert_int_equal(slots_of(b, V4, 1), 511);
	assert_int_equal(slots_of(b, V4, 2), 1);
	balancer_free(b);
}

static void test_redirects_since_report(void **state)
{
	const uint32_t max[] = { 1000 };
	struct balancer_input in[1];
	struct balancer_opts o;
	struct balancer *b, *s;

	(void)state;
	members(in, 1, max, (const uint32_t[]){ 10 });
	balancer_opts_default(&o);
	b = balancer_new(&o);
	o.settle_ms = 50;
	s = balancer_new(&o);
	assert_non_null(b);
	assert_non_null(s);
	balancer_refill(b, 0, in, 1, NULL);
	balancer_refill(s, 0, in, 1, NULL);
	in[0].redirects = 50;
	balancer_refill(b, 100, in, 1, NULL);
	balancer_refill(s, 100, in, 1, NULL);
	assert_int_equal(balancer_figures(b, 0)->since_report, 50);
	assert_true(fabs(balancer_figures(b, 0)->est_tunnels - 60) < 1e-9);
	/* A report received at 150, seen at the refill at 200 (counter 80):
	 * the counter at 150 is interpolated between 50 (t 100) and 80
	 * (t 200) = 65, so 15 since.  With settle 50 ms: at 100, 50 -> 30. */
	in[0].redirects = 80;
	in[0].tunnels = 70;
	in[0].report_ms = 150;
	balancer_refill(b, 200, in, 1, NULL);
	balancer_refill(s, 200, in, 1, NULL);
	assert_int_equal(balancer_figures(b, 0)->since_report, 15);
	assert_true(fabs(balancer_figures(b, 0)->est_tunnels - 85) < 1e-9);
	assert_int_equal(balancer_figures(s, 0)->since_report, 30);
	/* The count at the report stays fixed until the next report. */
	in[0].redirects = 90;
	balancer_refill(b, 300, in, 1, NULL);
	assert_int_equal(balancer_figures(b, 0)->since_report, 25);
	/* A counter that went backwards (map recreated) counts from zero. */
	in[0].redirects = 5;
	balancer_refill(b, 400, in, 1, NULL);
	assert_int_equal(balancer_figures(b, 0)->since_report, 5);
	balancer_free(b);
	balancer_free(s);
}

static void statics(struct balancer_input *in, unsigned n, const uint32_t *max)
{
	members(in, n, max, NULL);
	for (unsigned i = 0; i < n; i++)
		in[i].kind = BALANCER_STATIC;
}

static void test_static_targets_by_weight_and_redirects(void **state)
{
	const uint32_t max[] = { 1000, 3000 };
	struct balancer_input in[2];
	struct balancer_opts o;
	struct balancer *b;

	(void)state;
	balancer_opts_default(&o);
	o.horizon_ms = 500;
	b = balancer_new(&o);
	assert_non_null(b);
	statics(in, 2, max);
	balancer_refill(b, 0, in, 2, NULL);
	assert_int_equal(slots_of(b, V4, 0), 256);
	assert_int_equal(slots_of(b, V4, 1), 768);
	/* A burst put 100 on each (target 0 got more than its weight).
	 * Rate 200 / 0.1 s = 2000/s, horizon 500 ms: B = 1000.  Levels
	 * 100/1000 and 100/3000: 4000 L - 200 = 1000, L = 0.3: 200 and 800,
	 * 1024 * 0.2 = 204.8 -> 205, 819.2 -> 819. */
	in[0].redirects = in[1].redirects = 100;
	balancer_refill(b, 100, in, 2, NULL);
	assert_true(fabs(balancer_summary(b)->rate - 2000) < 1e-9);
	assert_true(fabs(balancer_summary(b)->batch[V4] - 1000) < 1e-9);
	assert_int_equal(slots_of(b, V4, 0), 205);
	assert_int_equal(slots_of(b, V4, 1), 819);
	balancer_free(b);
}

static void test_static_estimate_decays(void **state)
{
	const uint32_t max[] = { 100, 100 };
	struct balancer_input in[2];
	struct balancer_opts o;
	struct balancer *b;

	(void)state;
	balancer_opts_default(&o);
	o.static_tau_ms = 1000;
	b = balancer_new(&o);
	assert_non_null(b);
	statics(in, 2, max);
	balancer_refill(b, 0, in, 2, NULL);
	in[0].redirects = in[1].redirects = 1000;
	balancer_refill(b, 1, in, 2, NULL);
	assert_true(fabs(balancer_figures(b, 0)->est_tunnels - 1000) < 1e-9);
	/* Never full by estimate: 10 x max each, still 1:1. */
	assert_int_equal(slots_of(b, V4, 0), 512);
	assert_int_equal(slots_of(b, V4, 1), 512);
	/* One time constant later: 1000 / e, in two steps. */
	balancer_refill(b, 501, in, 2, NULL);
	balancer_refill(b, 1001, in, 2, NULL);
	assert_true(fabs(balancer_figures(b, 0)->est_tunnels - 1000 / M_E) < 1e-6);
	/* The index now names another target: start from zero. */
	balancer_forget(b, 1);
	balancer_refill(b, 1002, in, 2, NULL);
	assert_true(fabs(balancer_figures(b, 1)->est_tunnels) < 1e-9);
	balancer_free(b);
}

static void test_out_written_and_deterministic(void **state)
{
	static uint32_t out[IKELB_FAMILIES][IKELB_SLOTS];
	const uint32_t max[] = { 700, 1300, 2100 }, tun[] = { 100, 400, 300 };
	struct balancer_input in[3];
	struct balancer *a = make(BALANCER_LEAST_UTILIZATION, 8);
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	memset(out, 0x5a, sizeof(out));
	members(in, 3, max, tun);
	for (unsigned k = 0; k < 5; k++) {
		for (unsigned i = 0; i < 3; i++)
			in[i].redirects += 7 * (i + 1) * k;
		balancer_refill(a, 100 * k, in, 3, out);
		balancer_refill(b, 100 * k, in, 3, NULL);
		for (unsigned f = 0; f < IKELB_FAMILIES; f++) {
			assert_memory_equal(out[f], balancer_table(a, f), sizeof(out[f]));
			assert_memory_equal(balancer_table(a, f), balancer_table(b, f),
					    sizeof(out[f]));
		}
		check_consistent(a, 3);
	}
	balancer_free(a);
	balancer_free(b);
}

static void test_bad_arguments(void **state)
{
	struct balancer_input in[IKELB_MAX_TARGETS + 1] = { 0 };
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	errno = 0;
	assert_int_equal(balancer_refill(b, 0, in, IKELB_MAX_TARGETS + 1, NULL), -1);
	assert_int_equal(errno, EINVAL);
	in[0].kind = (enum balancer_kind)7;
	errno = 0;
	assert_int_equal(balancer_refill(b, 0, in, 1, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(balancer_refill(b, 0, NULL, 1, NULL), -1);
	assert_null(balancer_table(b, IKELB_FAMILIES));
	assert_int_equal(balancer_figures(b, IKELB_MAX_TARGETS)->slots[V4], 0);
	balancer_free(b);
}

/* ---- burst simulations ----------------------------------------------------- */

static void sim(struct balance_sim_params *p, struct balance_sim_result *r, const char *what)
{
	assert_int_equal(balance_sim_run(p, r), 0);
	printf("# %s: final %.2f, max %.2f points (at %llu ms), ideal %.1f %%, "
	       "tunnels %u/%u/%u/%u, no target %llu\n",
	       what, r->final_dev, r->max_dev, (unsigned long long)r->max_dev_at_ms,
	       r->ideal_final, r->tunnels[0], r->tunnels[1], r->tunnels[2], r->tunnels[3],
	       (unsigned long long)r->no_target);
}

static void burst(uint32_t rate)
{
	struct balance_sim_params p;
	struct balance_sim_result ours, classic, classic_util;
	char what[64];

	balance_sim_defaults(&p);
	p.rate = rate;
	snprintf(what, sizeof(what), "balancer %u/s", rate);
	sim(&p, &ours, what);
	p.policy = BALANCE_SIM_CLASSIC;
	snprintf(what, sizeof(what), "classic fewest tunnels %u/s", rate);
	sim(&p, &classic, what);
	p.policy = BALANCE_SIM_CLASSIC_UTIL;
	snprintf(what, sizeof(what), "classic lowest utilisation %u/s", rate);
	sim(&p, &classic_util, what);
	assert_int_equal(ours.no_target, 0);
	assert_int_equal(ours.tunnels[0] + ours.tunnels[1] + ours.tunnels[2] + ours.tunnels[3],
			 10000);
	assert_true(ours.final_dev < 3.0);
	assert_true(ours.max_dev < 10.0);
	/* Herding: one gateway takes a whole report interval of arrivals. */
	assert_true(classic.max_dev > 20.0);
	assert_true(classic.max_dev > 5 * ours.max_dev);
	assert_true(classic_util.max_dev > 20.0);
	assert_true(classic_util.max_dev > 5 * ours.max_dev);
}

static void test_burst_1000_per_s(void **state)
{
	(void)state;
	burst(1000);
}

static void test_burst_5000_per_s(void **state)
{
	(void)state;
	burst(5000);
}

static void test_unequal_start_converges(void **state)
{
	struct balance_sim_params p;
	struct balance_sim_result r;
	double start;

	(void)state;
	balance_sim_defaults(&p);
	p.initial_tunnels[0] = 1000; /* 50 % */
	p.initial_tunnels[2] = 500; /* 12.5 % */
	start = balance_sim_deviation(p.initial_tunnels, p.max_tunnels, p.n_gw);
	/* Ideal at start 1500/16000 = 9.375 %: gateway 0 is 40.6 points off. */
	assert_true(fabs(start - 40.625) < 1e-9);
	sim(&p, &r, "unequal start 1000/s");
	assert_true(r.final_dev < 3.0);
	/* Gateway 0 already holds more than its share of the end state
	 * (11500 * 2000/16000 = 1437.5): it gets at most that many more. */
	assert_true(r.tunnels[0] <= 1000 + 438 + 30);
	p.rate = 5000;
	sim(&p, &r, "unequal start 5000/s");
	assert_true(r.final_dev < 3.0);
}

static void test_burst_with_connect_delay_and_settle(void **state)
{
	struct balance_sim_params p;
	struct balance_sim_result r;

	(void)state;
	balance_sim_defaults(&p);
	p.rate = 5000;
	p.connect_ms = 50;
	sim(&p, &r, "connect 50 ms, settle 0");
	assert_true(r.final_dev < 3.0 && r.max_dev < 10.0);
	p.opts.settle_ms = 50;
	sim(&p, &r, "connect 50 ms, settle 50 ms");
	assert_true(r.final_dev < 3.0 && r.max_dev < 10.0);
}

/* ---- the spill table and the budgets -------------------------------------- */

/*
 * balancer.c, fill_spill: the spill table water-fills a batch of half of
 * all free capacity (max_tunnels - estimate for reported targets,
 * max_tunnels for static ones) over the same candidates as the plan, and is
 * rounded like the plan (largest remainder, ties to the lower index).
 */
static unsigned spill_slots_of(const struct balancer *b, unsigned fam, uint32_t idx)
{
	const uint32_t *t = balancer_spill(b, fam);
	unsigned c = 0;

	for (unsigned s = 0; s < IKELB_SLOTS; s++)
		c += t[s] == idx;
	return c;
}

static void assert_near(unsigned got, unsigned want, unsigned tol)
{
	if (got + tol < want || got > want + tol)
		fail_msg("%u, expected %u +- %u", got, want, tol);
}

static void test_spill_equal_levels_by_free_capacity(void **state)
{
	const uint32_t max[] = { 200, 600, 1200 }, tun[] = { 100, 300, 600 };
	struct balancer_input in[3];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 3, max, tun);
	balancer_refill(b, 0, in, 3, NULL);
	/* Free 100 / 300 / 600, batch 500, all at level 0.5: a_j = (L - 0.5)
	 * max_j, so 50 / 150 / 300 (each within its free capacity), 1024 *
	 * 0.1 / 0.3 / 0.6 = 102.4 / 307.2 / 614.4 -> 102 + 307 + 614 = 1023,
	 * the last slot to a remainder of .4 (target 0 or 2). */
	for (unsigned f = 0; f < IKELB_FAMILIES; f++) {
		assert_near(spill_slots_of(b, f, 0), 102, 1);
		assert_near(spill_slots_of(b, f, 1), 307, 1);
		assert_near(spill_slots_of(b, f, 2), 614, 1);
		assert_int_equal(spill_slots_of(b, f, 0) + spill_slots_of(b, f, 1) +
					 spill_slots_of(b, f, 2),
				 IKELB_SLOTS);
	}
	balancer_free(b);
}

static void test_spill_unequal_levels(void **state)
{
	const uint32_t max[] = { 1000, 1000, 1000 }, tun[] = { 900, 500, 0 };
	struct balancer_input in[3];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 3, max, tun);
	balancer_refill(b, 0, in, 3, NULL);
	/* The plan: B = 1 % of 3000 = 30, target 2 alone (level 0 -> 0.03). */
	assert_int_equal(slots_of(b, V4, 2), IKELB_SLOTS);
	/* The spill: free 100 + 500 + 1000, batch 800.  Target 2 takes 500 to
	 * reach target 1's 0.5; the other 300 split 150 / 150 -> level 0.65,
	 * below target 0's 0.9: 0 / 150 / 650 of 800 = 0 / 192 / 832 slots. */
	for (unsigned f = 0; f < IKELB_FAMILIES; f++) {
		assert_int_equal(spill_slots_of(b, f, 0), 0);
		assert_int_equal(spill_slots_of(b, f, 1), 192);
		assert_int_equal(spill_slots_of(b, f, 2), 832);
	}
	balancer_free(b);
}

/* A static target's free capacity is unknown: it counts with its
 * max_tunnels, under either policy. */
static void spill_static_case(enum balancer_policy policy, const char *what)
{
	const uint32_t max[] = { 1000, 1000 }, tun[] = { 500, 0 };
	struct balancer_input in[2];
	struct balancer *b = make(policy, 8);

	members(in, 2, max, tun);
	in[1].kind = BALANCER_STATIC; /* estimate 0: nothing sent yet */
	balancer_refill(b, 0, in, 2, NULL);
	/* Batch 500 / 2 (target 0's free) + 1000 / 2 (target 1's max) = 750.
	 * Either policy (equal max_tunnels): target 1 takes 500 to reach
	 * target 0's 500 tunnels, then 125 each: 125 / 625 of 750 = 170.67 /
	 * 853.33 -> 170 + 853, the last slot to target 0 (.67). */
	for (unsigned f = 0; f < IKELB_FAMILIES; f++)
		if (spill_slots_of(b, f, 0) != 171 || spill_slots_of(b, f, 1) != 853)
			fail_msg("%s: spill %u / %u, expected 171 / 853", what,
				 spill_slots_of(b, f, 0), spill_slots_of(b, f, 1));
	balancer_free(b);
}

static void test_spill_static_counts_with_max(void **state)
{
	(void)state;
	spill_static_case(BALANCER_LEAST_UTILIZATION, "least utilization");
}

/* Under least-tunnels too, the spill table weighs a static target by its
 * max_tunnels (a regression: it once used the policy's weight, 1, and the
 * static target took the whole spill batch). */
static void test_spill_static_counts_with_max_least_tunnels(void **state)
{
	(void)state;
	spill_static_case(BALANCER_LEAST_TUNNELS, "least tunnels");
}

static void test_spill_only_eligible(void **state)
{
	const uint32_t max[] = { 1000, 1000, 1000, 1000, 1000, 1000 };
	const uint32_t tun[] = { 500, 0, 0, 0, 0, 0 };
	struct balancer_input in[6];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 6, max, tun);
	balancer_refill(b, 0, in, 6, NULL);
	for (unsigned i = 1; i < 6; i++)
		assert_true(spill_slots_of(b, V4, i) > 0);
	/* The emptiest ones, but not targets: */
	in[1].eligible = false;
	in[2].kind = BALANCER_ABSENT;
	in[3].max_tunnels = 0;
	in[4].family[V6] = false;
	balancer_refill(b, 100, in, 6, NULL);
	for (unsigned f = 0; f < IKELB_FAMILIES; f++) {
		assert_int_equal(spill_slots_of(b, f, 1), 0);
		assert_int_equal(spill_slots_of(b, f, 2), 0);
		assert_int_equal(spill_slots_of(b, f, 3), 0);
		assert_int_equal(spill_slots_of(b, f, IKELB_SLOT_NONE), 0);
	}
	assert_int_equal(spill_slots_of(b, V6, 4), 0);
	/* IPv4: targets 0, 4, 5 (free 500, 1000, 1000), batch 1250: 4 and 5
	 * to 0.5 (1000), then 250 / 3 each: 83.3 / 583.3 / 583.3 of 1250 ->
	 * 68.3 / 477.9 / 477.9 slots. */
	assert_near(spill_slots_of(b, V4, 0), 68, 1);
	assert_near(spill_slots_of(b, V4, 4), 478, 1);
	assert_near(spill_slots_of(b, V4, 5), 478, 1);
	/* IPv6: targets 0 and 5, batch 750: 5 to 0.5 (500), then 125 each:
	 * 125 / 625 of 750 = 170.7 / 853.3. */
	assert_near(spill_slots_of(b, V6, 0), 171, 1);
	assert_near(spill_slots_of(b, V6, 5), 853, 1);
	/* Nobody eligible: the spill tables empty too. */
	for (unsigned i = 0; i < 6; i++)
		in[i].eligible = false;
	balancer_refill(b, 200, in, 6, NULL);
	for (unsigned f = 0; f < IKELB_FAMILIES; f++)
		assert_int_equal(spill_slots_of(b, f, IKELB_SLOT_NONE), IKELB_SLOTS);
	balancer_free(b);
}

/*
 * Target idx's budget against the hand-computed share (both families):
 * rounded up.  A whole-number share may come out one higher: the water
 * level is found by bisection from above, so a share of exactly 25 is
 * 25.0000000001 to the balancer (harmless: a budget is a bound, and the
 * daemon adds one per CPU anyway).
 */
static void assert_budget(const struct balancer *b, unsigned idx, double share)
{
	uint32_t want = (uint32_t)ceil(share - 1e-9), got = balancer_budget(b, idx);
	bool whole = fabs(share - round(share)) < 1e-9;

	if (got != want && !(whole && share > 0 && got == want + 1))
		fail_msg("target %u: budget %u, expected %u (share %.3f)", idx, got, want, share);
}

/* The budget is what the plan gives a target, both families added, rounded
 * up.  At the first refill the rate is 0, so B = max(min_batch, 1 % of the
 * family's eligible capacity). */
static void test_budget_is_the_plan(void **state)
{
	const uint32_t max[] = { 1000, 2000, 1000, 1000 }, tun[] = { 0, 0, 0, 100 };
	struct balancer_input in[4];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 100);

	(void)state;
	members(in, 4, max, tun);
	in[2].family[V6] = false;
	in[3].eligible = false;
	balancer_refill(b, 0, in, 4, NULL);
	/* B = max(100, 1 % of 4000 or 3000) = 100 per family, all levels 0.
	 * IPv4 by max 1:2:1: 25 / 50 / 25; IPv6 (no target 2) 1:2: 33.33 /
	 * 66.67.  Budgets: 58.33 -> 59, 116.67 -> 117, 25, and 0 for the
	 * ineligible target 3 and for indices that are not targets. */
	assert_true(fabs(balancer_summary(b)->batch[V4] - 100) < 1e-9);
	assert_true(fabs(balancer_summary(b)->batch[V6] - 100) < 1e-9);
	assert_budget(b, 0, 25 + 100.0 / 3);
	assert_budget(b, 1, 50 + 200.0 / 3);
	assert_budget(b, 2, 25);
	assert_int_equal(balancer_budget(b, 3), 0);
	assert_int_equal(balancer_budget(b, 4), 0);
	assert_int_equal(balancer_budget(b, IKELB_MAX_TARGETS), 0);
	/* Unequal levels: target 3 eligible at 0.1, target 2 gone.  B = 100
	 * (1 % of 4000 = 40 is less).  IPv4 and IPv6 alike: targets 0 and 1
	 * (max 1000 + 2000) at 0 reach 100 / 3000 = 0.033 < 0.1 with 33.33 /
	 * 66.67, nothing for target 3.  Budgets 66.67 -> 67, 133.33 -> 134. */
	in[2].kind = BALANCER_ABSENT;
	in[3].eligible = true;
	balancer_refill(b, 0, in, 4, NULL);
	assert_budget(b, 0, 200.0 / 3);
	assert_budget(b, 1, 400.0 / 3);
	assert_int_equal(balancer_budget(b, 2), 0);
	assert_int_equal(balancer_budget(b, 3), 0);
	balancer_free(b);
}

/*
 * The budget follows the batch once redirects are seen: rate 600 / 0.1 s
 * = 6000/s, horizon 200 ms: B = 1200 per family.
 */
static void test_budget_follows_the_rate(void **state)
{
	const uint32_t max[] = { 10000, 30000 };
	struct balancer_input in[2];
	struct balancer *b = make(BALANCER_LEAST_UTILIZATION, 8);

	(void)state;
	members(in, 2, max, NULL);
	for (unsigned i = 0; i < 2; i++)
		in[i].family[V6] = false;
	balancer_refill(b, 0, in, 2, NULL);
	/* B = 1 % of 40000 = 400: 100 / 300 */
	assert_budget(b, 0, 100);
	assert_budget(b, 1, 300);
	in[0].redirects = 150;
	in[1].redirects = 450;
	in[0].tunnels = 150, in[1].tunnels = 450;
	in[0].report_ms = in[1].report_ms = 100;
	balancer_refill(b, 100, in, 2, NULL);
	/* Both at level 0.015 (reports include the redirects): 1200 split
	 * 1:3 = 300 / 900. */
	assert_true(fabs(balancer_summary(b)->batch[V4] - 1200) < 1e-6);
	assert_budget(b, 0, 300);
	assert_budget(b, 1, 900);
	balancer_free(b);
}

/*
 * tests/lib/balance_sim.c plays the XDP program's part (budget, then the spill
 * table).  1000 clients in 20 ms (50000/s) onto max 250 / 250 / 500 / 1000
 * holding 125 / 25 / 50 / 0: no report and no periodic refill comes in
 * those 20 ms, so everything after the budget rides on the spill table of
 * the refill at time 0.
 */
static void fast_burst(struct balance_sim_params *p)
{
	static const uint32_t max[] = { 250, 250, 500, 1000 }, tun[] = { 125, 25, 50, 0 };

	balance_sim_defaults(p);
	memcpy(p->max_tunnels, max, sizeof(max));
	memcpy(p->initial_tunnels, tun, sizeof(tun));
	p->clients = 1000;
	p->rate = 50000;
}

static void test_spill_evens_a_fast_burst(void **state)
{
	struct balance_sim_params p;
	struct balance_sim_result r;
	struct balancer_input in[4];
	struct balancer *b;
	uint32_t plan_only[4] = { 125, 25, 50, 0 };
	uint64_t rng;
	double without;

	(void)state;
	fast_burst(&p);
	/* Without the spill, the plan of time 0 alone: B = max(8, 1 % of 2000)
	 * = 20, levels 0.5 / 0.1 / 0.1 / 0, all 20 to gateway 3 (0 -> 0.02):
	 * every slot is gateway 3's, and all 1000 land there.  Utilisation
	 * 50 / 10 / 10 / 100 %, ideal 1200 / 2000 = 60 %: 50 points off. */
	b = balancer_new(&p.opts);
	assert_non_null(b);
	memset(in, 0, sizeof(in));
	for (unsigned i = 0; i < 4; i++) {
		in[i].kind = BALANCER_REPORTED;
		in[i].family[V4] = in[i].eligible = true;
		in[i].max_tunnels = p.max_tunnels[i];
		in[i].tunnels = p.initial_tunnels[i];
	}
	balancer_refill(b, 0, in, 4, NULL);
	rng = 0x243f6a8885a308d3ull;
	for (unsigned k = 0; k < p.clients; k++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		plan_only[balancer_table(b, V4)[ikelb_slot_of_spi(rng)]]++;
	}
	balancer_free(b);
	without = balance_sim_deviation(plan_only, p.max_tunnels, 4);
	assert_true(fabs(without - 50) < 1e-9);

	/* With it: gateway 3's budget ~21, the other ~979 by the spill table,
	 * which water-fills 900 (half of 1800 free): 3 to 0.1 (100), 1, 2, 3
	 * to 0.5 (700), all four to 0.55 (100): 12.5 / 112.5 / 225 / 550 of
	 * 900.  Expected tunnels ~139 / 147 / 295 / 619, about 55 / 59 / 59 /
	 * 62 %, ideal 60 %: about 5 points off. */
	sim(&p, &r, "1000 at 50000/s onto 250/250/500/1000");
	assert_int_equal(r.no_target, 0);
	assert_int_equal(r.tunnels[0] + r.tunnels[1] + r.tunnels[2] + r.tunnels[3], 1200);
	assert_true(r.duration_ms < 100); /* no periodic refill took part */
	assert_true(r.final_dev < 12.0);
	assert_true(r.final_dev < without / 4);
	/* each gateway near its hand-computed share (about 4 sigma of the
	 * hashing noise) */
	assert_near(r.tunnels[0], 139, 16);
	assert_near(r.tunnels[1], 147, 40);
	assert_near(r.tunnels[2], 295, 55);
	assert_near(r.tunnels[3], 619, 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_loads_equal_slots),
		cmocka_unit_test(test_capacities_1124_at_zero_load),
		cmocka_unit_test(test_ineligible_absent_get_no_slot),
		cmocka_unit_test(test_one_of_three_ineligible),
		cmocka_unit_test(test_full_by_estimate_gets_nothing_while_others_have_room),
		cmocka_unit_test(test_batch_beyond_free_capacity_splits_by_free),
		cmocka_unit_test(test_everyone_full_by_estimate_still_levelled),
		cmocka_unit_test(test_ipv4_only_target_has_no_ipv6_slot),
		cmocka_unit_test(test_nobody_eligible_all_none),
		cmocka_unit_test(test_least_tunnels_picks_fewest),
		cmocka_unit_test(test_least_tunnels_ignores_capacity_at_equal_counts),
		cmocka_unit_test(test_stability_member_leaves_and_returns),
		cmocka_unit_test(test_stability_small_change_moves_few),
		cmocka_unit_test(test_rounding_minimum_one_slot),
		cmocka_unit_test(test_redirects_since_report),
		cmocka_unit_test(test_static_targets_by_weight_and_redirects),
		cmocka_unit_test(test_static_estimate_decays),
		cmocka_unit_test(test_out_written_and_deterministic),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_burst_1000_per_s),
		cmocka_unit_test(test_burst_5000_per_s),
		cmocka_unit_test(test_unequal_start_converges),
		cmocka_unit_test(test_burst_with_connect_delay_and_settle),
		cmocka_unit_test(test_spill_equal_levels_by_free_capacity),
		cmocka_unit_test(test_spill_unequal_levels),
		cmocka_unit_test(test_spill_static_counts_with_max),
		cmocka_unit_test(test_spill_static_counts_with_max_least_tunnels),
		cmocka_unit_test(test_spill_only_eligible),
		cmocka_unit_test(test_budget_is_the_plan),
		cmocka_unit_test(test_fewest_reported_takes_the_last_report),
		cmocka_unit_test(test_budget_follows_the_rate),
		cmocka_unit_test(test_spill_evens_a_fast_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
