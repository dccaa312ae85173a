// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Cookies on the daemon's side: the "auto" rule (dataplane/cookie_auto.h)
 * sample by sample, then the cookies module (dataplane/cookies.h) on a
 * fake clock and a fake data path: the secrets it writes at the start and
 * at each rotation (versions, entries, the three writes), and the switch
 * it tells its hook for off, on and auto under counters the test moves.
 * Expected times are worked out here from the rule as cookie_auto.h
 * words it: on above the threshold of new requests per second over the
 * last second, off once at or below half of it for 10 s.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/loop.h"
#include "dataplane/cookie_auto.h"
#include "dataplane/cookies.h"
#include "../lib/fake_dataplane.h"
#include "../lib/unit_env.h"

/* ---- the rule ------------------------------------------------------------ */

/* Samples every 100 ms from t to t + ms at `per_s` new requests a second;
 * *n is the running count; returns the time of the first switch, or 0. */
static uint64_t feed(struct cookie_auto *a, uint64_t *t, uint64_t *n, uint64_t ms,
		     uint64_t per_s, uint32_t threshold)
{
	uint64_t switched = 0;

	for (uint64_t end = *t + ms; *t < end;) {
		*t += 100;
		*n += per_s / 10;
		if (cookie_auto_sample(a, *t, *n, threshold) && !switched)
			switched = *t;
	}
	return switched;
}

static void test_rule_on_and_off(void **state)
{
	struct cookie_auto a;
	uint64_t t = 1000, n = 0;

	(void)state;
	cookie_auto_init(&a);
	assert_false(cookie_auto_sample(&a, t, n, 1000));
	/* 900/s for a minute: below the threshold, off */
	assert_int_equal(feed(&a, &t, &n, 60000, 900, 1000), 0);
	assert_false(a.on);
	assert_int_equal(a.rate, 900);
	/* a flood of 100,000/s: on at its first sample (the last second then
	 * holds 10,000 of them and 810 of the others) */
	assert_int_equal(feed(&a, &t, &n, 5000, 100000, 1000), 61100);
	assert_true(a.on);
	assert_int_equal(a.rate, 100000);
	/* back to 900/s: above half the threshold, stays on */
	assert_int_equal(feed(&a, &t, &n, 60000, 900, 1000), 0);
	assert_true(a.on);
	/* 500/s (half): the window's last second holds more than 500 for
	 * 900 ms more (9 samples of 90 and one of 50 at first, then 40 less
	 * at each sample), so the last sample above half is at 126900; off
	 * 10 s after it */
	assert_int_equal(t, 126000);
	assert_int_equal(feed(&a, &t, &n, 20000, 500, 1000), 136900);
	assert_false(a.on);
	assert_int_equal(a.rate, 500);
}

static void test_rule_no_flap(void **state)
{
	struct cookie_auto a;
	uint64_t t = 0, n = 0;

	(void)state;
	cookie_auto_init(&a);
	/* bursts of 3 s at 5000/s with pauses of 8 s: on at the second
	 * sample of the first (the first has no span), and never off between
	 * them (each pause is shorter than the hold) */
	assert_int_equal(feed(&a, &t, &n, 3000, 5000, 1000), 200);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(feed(&a, &t, &n, 8000, 0, 1000), 0);
		assert_int_equal(feed(&a, &t, &n, 3000, 5000, 1000), 0);
		assert_true(a.on);
	}
	/* then quiet: off 10 s after the last sample whose last second held
	 * more than 500 requests (the burst ended at t0; 800 ms later the
	 * window holds two of its samples, 1000 requests, then one) */
	uint64_t t0 = t;

	assert_int_equal(feed(&a, &t, &n, 15000, 0, 1000), t0 + 800 + 10000);
	/* exactly at the threshold is not above it */
	assert_int_equal(feed(&a, &t, &n, 30000, 1000, 1000), 0);
	assert_false(a.on);
	t0 = t;
	assert_int_equal(feed(&a, &t, &n, 1000, 1010, 1000), t0 + 100);
}

static void test_rule_edges(void **state)
{
	struct cookie_auto a;

	(void)state;
	cookie_auto_init(&a);
	/* the first sample has no span: no rate */
	assert_false(cookie_auto_sample(&a, 500, 1000000, 10));
	assert_int_equal(a.rate, 0);
	/* 200 in the first 100 ms: 2000/s, over 1000 */
	assert_true(cookie_auto_sample(&a, 600, 1000200, 1000));
	assert_int_equal(a.rate, 2000);
	/* a count that goes back (never from the program) is no change, and a
	 * time that goes back is taken as the last one */
	assert_false(cookie_auto_sample(&a, 550, 5, 1000));
	assert_int_equal(a.rate, 0);
	/* a loop that stalled 5 s: the rate over the whole gap */
	cookie_auto_init(&a);
	cookie_auto_sample(&a, 0, 0, 1000);
	cookie_auto_sample(&a, 100, 100, 1000);
	assert_false(cookie_auto_sample(&a, 5100, 5100, 1000));
	assert_int_equal(a.rate, 1000);
}

/* ---- the module ---------------------------------------------------------- */

#define CONF                                                                            \
	"[cluster]\nname = t\ninterface = lo\nvirtual_ip = 198.18.0.1\n"               \
	"[target a]\naddress = 198.18.0.50\nmax_tunnels = 10\n[redirect]\n"

struct seen {
	int calls;
	bool on;
	uint64_t at[8];
};

struct env {
	struct loop *l;
	struct config *cfg;
	struct fake_dataplane f;
	struct seen seen;
	struct cookies *k;
};

static void on_change(void *ctx, bool on)
{
	struct env *e = ctx;

	if (e->seen.calls < 8)
		e->seen.at[e->seen.calls] = loop_now(e->l);
	e->seen.calls++;
	e->seen.on = on;
}

static struct env *make(const char *redirect)
{
	static struct env e;
	struct cookies_hooks h = { .ctx = &e, .on_change = on_change };
	char text[512];

	memset(&e, 0, sizeof(e));
	snprintf(text, sizeof(text), CONF "%s", redirect);
	e.l = loop_new_fake(10000);
	e.cfg = unit_config(text);
	assert_non_null(e.cfg);
	fake_dataplane_init(&e.f);
	e.k = cookies_new(e.l, e.cfg, &e.f.dp, &h);
	assert_non_null(e.k);
	return &e;
}

static void done(struct env *e)
{
	cookies_free(e->k);
	unit_config_free(e->cfg);
	loop_free(e->l);
}

static bool key_zero(const struct ikelb_cookie_secret *s)
{
	return !s->key[0] && !s->key[1];
}

static void test_secrets(void **state)
{
	struct env *e = make("cookie_rotation_ms = 2000\n");
	struct ikelb_cookie_secret first;
	struct cookies_view v;

	(void)state;
	/* version 1 in entry 1; entry 0 written as nothing valid */
	assert_int_equal(e->f.secrets[1].version, 1);
	assert_int_equal(e->f.secrets[1].valid, 1);
	assert_false(key_zero(&e->f.secrets[1]));
	assert_int_equal(e->f.secrets[0].valid, 0);
	first = e->f.secrets[1];
	cookies_view(e->k, &v);
	assert_int_equal(v.version, 1);
	assert_int_equal(v.rotations, 1);
	assert_int_equal(v.rotation_ms, 2000);
	/* no rotation before the interval */
	unsigned writes = e->f.secret_writes;

	loop_advance(e->l, 1999);
	assert_int_equal(e->f.secret_writes, writes);
	/* version 2 into entry 0, in three writes; version 1 stays */
	loop_advance(e->l, 1);
	assert_int_equal(e->f.secret_writes, writes + 3);
	assert_int_equal(e->f.secrets[0].version, 2);
	assert_int_equal(e->f.secrets[0].valid, 1);
	assert_memory_equal(&e->f.secrets[1], &first, sizeof(first));
	assert_memory_not_equal(e->f.secrets[0].key, first.key, sizeof(first.key));
	/* version 3 replaces version 1 in entry 1 */
	loop_advance(e->l, 2000);
	assert_int_equal(e->f.secrets[1].version, 3);
	assert_int_equal(e->f.secrets[1].valid, 1);
	assert_memory_not_equal(e->f.secrets[1].key, first.key, sizeof(first.key));
	assert_int_equal(e->f.secrets[0].version, 2);
	/* a map that refuses the write: the other secret stays current, the
	 * failure is counted, and the next rotation makes up for it */
	e->f.fail_secrets = 1;
	loop_advance(e->l, 2000);
	cookies_view(e->k, &v);
	assert_int_equal(v.version, 3);
	assert_int_equal(v.rotation_failures, 1);
	e->f.fail_secrets = 0;
	loop_advance(e->l, 2000);
	assert_int_equal(e->f.secrets[0].version, 4);
	assert_int_equal(e->f.secrets[0].valid, 1);
	cookies_view(e->k, &v);
	assert_int_equal(v.version, 4);
	assert_int_equal(v.rotations, 4);
	/* 256 rotations later the version byte has wrapped: 4 again, entry 0 */
	for (int i = 0; i < 256; i++)
		assert_int_equal(cookies_rotate(e->k), 0);
	assert_int_equal(e->f.secrets[0].version, 4);
	assert_int_equal(e->f.secrets[1].version, 3);
	/* a shorter interval on reload */
	struct config *next = unit_config(CONF "cookie_rotation_ms = 1000\n");

	assert_non_null(next);
	cookies_reload(e->k, next);
	unit_config_free(e->cfg);
	e->cfg = next;
	writes = e->f.secret_writes;
	loop_advance(e->l, 1000);
	assert_int_equal(e->f.secret_writes, writes + 3);
	assert_int_equal(e->f.secrets[1].version, 5);
	done(e);
}

static void test_setting_on_off(void **state)
{
	struct env *e = make("cookies = on\n");
	struct cookies_view v;

	(void)state;
	/* on: told at once, whatever the counters say */
	assert_int_equal(e->seen.calls, 1);
	assert_true(e->seen.on);
	assert_true(cookies_on(e->k));
	loop_advance(e->l, 30000);
	assert_int_equal(e->seen.calls, 1);
	cookies_view(e->k, &v);
	assert_int_equal(v.setting, CFG_COOKIES_ON);
	assert_true(v.on);
	done(e);

	e = make("cookies = off\n");
	/* off: never on, even under a flood */
	for (int i = 0; i < 50; i++) {
		e->f.counters[IKELB_CNT_REQUESTS] += 100000;
		loop_advance(e->l, 100);
	}
	assert_int_equal(e->seen.calls, 0);
	assert_false(cookies_on(e->k));
	cookies_view(e->k, &v);
	assert_int_equal(v.rate, 1000000); /* measured all the same */
	/* a reload to auto while the flood goes on: on at once */
	struct config *next = unit_config(CONF "cookies = auto\n");

	assert_non_null(next);
	cookies_reload(e->k, next);
	unit_config_free(e->cfg);
	e->cfg = next;
	assert_int_equal(e->seen.calls, 1);
	assert_true(e->seen.on);
	done(e);
}

/* Moves the fake clock in steps of 100 ms for ms, the program counting
 * `clients` new clients a second; with cookies on each sends its request
 * twice, the second time with a valid cookie. */
static void run(struct env *e, uint64_t ms, uint64_t clients)
{
	for (uint64_t t = 0; t < ms; t += 100) {
		uint64_t n = clients / 10;

		e->f.counters[IKELB_CNT_REQUESTS] += cookies_on(e->k) ? 2 * n : n;
		e->f.counters[IKELB_CNT_COOKIE_VALID] += cookies_on(e->k) ? n : 0;
		loop_advance(e->l, 100);
	}
}

static void test_auto(void **state)
{
	struct env *e = make("cookie_threshold = 2000\n");
	struct cookies_view v;

	(void)state;
	assert_int_equal(e->seen.calls, 0);
	/* 1500 clients/s: off */
	run(e, 10000, 1500);
	assert_int_equal(e->seen.calls, 0);
	cookies_view(e->k, &v);
	assert_int_equal(v.setting, CFG_COOKIES_AUTO);
	assert_int_equal(v.rate, 1500);
	assert_int_equal(v.threshold, 2000);
	/* a flood: on at the first sample that sees it (t = 20000 + 100) */
	run(e, 3000, 200000);
	assert_int_equal(e->seen.calls, 1);
	assert_true(e->seen.on);
	assert_int_equal(e->seen.at[0], 20100);
	/* 1500 clients/s with cookies: 3000 requests/s, yet 1500 new ones:
	 * above half the threshold, stays on */
	run(e, 30000, 1500);
	assert_int_equal(e->seen.calls, 1);
	cookies_view(e->k, &v);
	assert_int_equal(v.rate, 1500);
	/* 900/s: off 10 s after the last sample above 1000/s (at 53800: the
	 * window loses 60/s per sample from 1500/s) */
	run(e, 15000, 900);
	assert_int_equal(e->seen.calls, 2);
	assert_false(e->seen.on);
	assert_int_equal(e->seen.at[1], 63800);
	cookies_view(e->k, &v);
	assert_int_equal(v.switches, 2);
	assert_false(v.on);
	/* a read that catches cookie_valid ahead of requests (a CPU counted
	 * both between the two fields): no wrap-around, and no spike when the
	 * next read is whole again */
	uint64_t req = e->f.counters[IKELB_CNT_REQUESTS], val = e->f.counters[IKELB_CNT_COOKIE_VALID];

	e->f.counters[IKELB_CNT_COOKIE_VALID] = req + 3;
	loop_advance(e->l, 100);
	e->f.counters[IKELB_CNT_COOKIE_VALID] = val;
	run(e, 2000, 0);
	assert_int_equal(e->seen.calls, 2);
	cookies_view(e->k, &v);
	assert_int_equal(v.rate, 0);
	/* unreadable counters: no switch, nothing else happens */
	e->f.fail_counters = 1;
	run(e, 2000, 500000);
	assert_int_equal(e->seen.calls, 2);
	e->f.fail_counters = 0;
	done(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_on_and_off),
		cmocka_unit_test(test_rule_no_flap),
		cmocka_unit_test(test_rule_edges),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_setting_on_off),
		cmocka_unit_test(test_auto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
