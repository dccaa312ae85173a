// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The rebalancing rule (cluster/rebalance.h) on a fake clock: the mean of
 * the active reporting gateways, the threshold that must hold for the
 * hold time before anything moves, how many clients are above half the
 * threshold, when it stops, and what does not count (static targets,
 * draining and dead gateways, a lone gateway).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cluster/rebalance.h"

static const struct rebalance_params P = { .threshold_pct = 10, .hold_ms = 3000 };

static struct pool_entry gw(enum pool_kind kind, const char *name, uint64_t tunnels,
			    uint64_t max, enum pool_state state)
{
	struct pool_entry e = { .kind = kind, .has_load = kind != POOL_STATIC,
				.tunnels = tunnels, .max_tunnels = max, .state = state };

	strcpy(e.name, name);
	return e;
}

/* self 60 of 100, others 30/100 and 0/200 (joined empty): mean 90/400 */
static void cluster_of(struct pool_entry p[4], uint64_t self)
{
	p[0] = gw(POOL_SELF, "gw1", self, 100, POOL_ACTIVE);
	p[1] = gw(POOL_MEMBER, "gw2", 30, 100, POOL_ACTIVE);
	p[2] = gw(POOL_MEMBER, "gw3", 0, 200, POOL_ACTIVE);
	p[3] = gw(POOL_STATIC, "st", 0, 1000, POOL_ACTIVE); /* not in the mean */
}

static void test_hold_then_move_then_stop(void **state)
{
	struct pool_entry p[4];
	struct rebalance rb;

	(void)state;
	rebalance_init(&rb);
	cluster_of(p, 60);
	/* mean 0.225, level 0.6 > 0.325: pending, nothing moves yet */
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 1000), 0);
	assert_int_equal(rb.phase, REBALANCE_PENDING);
	assert_true(rb.known);
	assert_true(rb.mean > 0.2249 && rb.mean < 0.2251);
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 3999), 0);
	assert_int_equal(rb.phase, REBALANCE_PENDING);
	/* held for hold_ms: move down to mean + threshold / 2 = 0.275: 33 */
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 4000), 33);
	assert_int_equal(rb.phase, REBALANCE_MOVING);
	assert_string_equal(rebalance_phase_name(rb.phase), "moving");
	/* clients left (and arrived elsewhere): fewer to move */
	p[0].tunnels = 40;
	p[2].tunnels = 20;
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 4500), 13);
	/* below the threshold but above half of it: keeps moving */
	p[0].tunnels = 30;
	p[2].tunnels = 30;
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 5000), 3);
	/* at mean + threshold / 2: done */
	p[0].tunnels = 27;
	p[2].tunnels = 33;
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 5500), 0);
	assert_int_equal(rb.phase, REBALANCE_IDLE);
}

/* An imbalance that ends before the hold time moves nobody, and the next
 * one waits the full hold time again. */
static void test_short_imbalance(void **state)
{
	struct pool_entry p[4];
	struct rebalance rb;

	(void)state;
	rebalance_init(&rb);
	cluster_of(p, 60);
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 1000), 0);
	p[0].tunnels = 20; /* mean 0.125: 0.2 <= 0.225, gone */
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 2000), 0);
	assert_int_equal(rb.phase, REBALANCE_IDLE);
	p[0].tunnels = 60;
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 4000), 0);
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 6999), 0);
	assert_true(rebalance_update(&rb, p, 4, &P, 7000) > 0);
}

/* Within the threshold nothing happens; exactly one client above half the
 * threshold still moves one. */
static void test_within_threshold(void **state)
{
	struct pool_entry p[2] = { gw(POOL_SELF, "a", 55, 100, POOL_ACTIVE),
				   gw(POOL_MEMBER, "b", 45, 100, POOL_ACTIVE) };
	struct rebalance rb;

	(void)state;
	rebalance_init(&rb);
	/* mean 0.5, self 0.55: within 10 points */
	assert_int_equal(rebalance_update(&rb, p, 2, &P, 1000), 0);
	assert_int_equal(rb.phase, REBALANCE_IDLE);
	p[0].tunnels = 80; /* mean 0.625, 0.8 > 0.725 */
	p[1].tunnels = 45;
	rebalance_update(&rb, p, 2, &P, 1000);
	assert_int_equal(rebalance_update(&rb, p, 2, &P, 4000), 13); /* 80 - 67.5 */
	p[0].tunnels = 68;
	p[1].tunnels = 57;
	assert_int_equal(rebalance_update(&rb, p, 2, &P, 4500), 1);
}

/* Who counts: draining, unhealthy and dead gateways do not; full ones do;
 * a gateway that is not active itself never rebalances; one alone never. */
static void test_who_counts(void **state)
{
	struct pool_entry p[4];
	struct rebalance rb;

	(void)state;
	rebalance_init(&rb);
	cluster_of(p, 60);
	p[2].state = POOL_DRAINING; /* only gw1 and gw2: mean 0.45, 0.6 > 0.55 */
	rebalance_update(&rb, p, 4, &P, 0);
	assert_true(rb.mean > 0.449 && rb.mean < 0.451);
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 3000), 10); /* 60 - 50 */
	p[1].state = POOL_FULL; /* still counted */
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 3100), 10);
	p[1].state = POOL_DEAD; /* gw1 alone */
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 3200), 0);
	assert_false(rb.known);
	assert_int_equal(rb.phase, REBALANCE_IDLE);
	cluster_of(p, 60);
	p[0].state = POOL_DRAINING;
	assert_int_equal(rebalance_update(&rb, p, 4, &P, 9000), 0);
	assert_false(rb.known);
	assert_int_equal(rebalance_update(&rb, p, 0, &P, 9000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_then_move_then_stop),
		cmocka_unit_test(test_short_imbalance),
		cmocka_unit_test(test_within_threshold),
		cmocka_unit_test(test_who_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
