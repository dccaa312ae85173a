// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The master's smooth pick of migration targets (cluster/migration_pick.h):
 * picks in proportion to the weights, every prefix of the sequence within
 * one of the exact share, across calls too; zero weights never picked; the
 * families apart; credits kept bounded when the weights change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "cluster/migration_pick.h"

/* Picks one at a time (as requests of one client each would), checking
 * after each that every target is within one pick of its exact share. */
static void picks_stay_fair(const uint32_t w[IKELB_MAX_TARGETS], unsigned k)
{
	struct migration_pick p;
	uint32_t n[IKELB_MAX_TARGETS] = { 0 };
	double total = 0;

	migration_pick_init(&p);
	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++)
		total += w[i];
	for (unsigned j = 1; j <= k; j++) {
		assert_int_equal(migration_pick(&p, 0, w, 1, n), 1);
		for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++) {
			double exact = j * w[i] / total;

			assert_true(fabs(n[i] - exact) < 1.0 + 1e-9);
		}
	}
}

static void test_in_proportion(void **state)
{
	uint32_t w[IKELB_MAX_TARGETS] = { 0 }, n[IKELB_MAX_TARGETS] = { 0 };
	struct migration_pick p;

	(void)state;
	/* the drain of the lab: gw2 40 free, gw3 80 free */
	w[1] = 341;
	w[2] = 683;
	migration_pick_init(&p);
	/* 30 clients asked for in requests of 5 */
	for (int r = 0; r < 6; r++)
		assert_int_equal(migration_pick(&p, 0, w, 5, n), 5);
	assert_int_equal(n[0], 0);
	assert_int_equal(n[1], 10);
	assert_int_equal(n[2], 20);
	picks_stay_fair(w, 100);
	memset(w, 0, sizeof(w));
	w[3] = 1, w[7] = 2, w[9] = 3, w[127] = 1018;
	picks_stay_fair(w, 2048);
}

static void test_nothing_to_pick(void **state)
{
	uint32_t w[IKELB_MAX_TARGETS] = { 0 }, n[IKELB_MAX_TARGETS] = { 0 };
	struct migration_pick p;

	(void)state;
	migration_pick_init(&p);
	assert_int_equal(migration_pick(&p, 0, w, 5, n), 0);
	assert_int_equal(migration_pick(&p, IKELB_FAMILIES, w, 5, n), 0);
	w[4] = 1;
	assert_int_equal(migration_pick(&p, 1, w, 0, n), 0);
	assert_int_equal(migration_pick(&p, 1, w, 3, n), 3);
	assert_int_equal(n[4], 3);
}

/* A target whose weight drops to 0 is never picked and loses its credit;
 * the families keep their credits apart. */
static void test_weights_change(void **state)
{
	uint32_t w[IKELB_MAX_TARGETS] = { 0 }, n[IKELB_MAX_TARGETS] = { 0 };
	struct migration_pick p;

	(void)state;
	migration_pick_init(&p);
	w[0] = 1000, w[1] = 1;
	migration_pick(&p, 0, w, 3, n);
	migration_pick(&p, 1, w, 3, n);
	assert_int_equal(n[0], 6);
	/* target 1 built up credit; now target 0 goes (draining) */
	w[0] = 0;
	memset(n, 0, sizeof(n));
	migration_pick(&p, 0, w, 4, n);
	assert_int_equal(n[0], 0);
	assert_int_equal(n[1], 4);
	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++)
		assert_true(p.credit[0][i] <= 1 && p.credit[0][i] >= -1);
	/* back with a new weight: the old credit does not make a burst */
	w[0] = 1;
	memset(n, 0, sizeof(n));
	migration_pick(&p, 0, w, 10, n);
	assert_int_equal(n[0], 5);
	assert_int_equal(n[1], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_proportion),
		cmocka_unit_test(test_nothing_to_pick),
		cmocka_unit_test(test_weights_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
