// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The rules a gateway moves its clients by (ike/migrate_sas.h), on a fake
 * clock: which SAs are moved first, tried, held or left; the hold time,
 * for clients seen to come by a redirect and for those that came up before
 * anyone listened (charon's age in whole seconds); what charon's refusal,
 * an SA going down and a rekeying do; and the pace, which never lets a
 * second hold more than `rate` redirects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ike/migrate_sas.h"

#define HOLD 6000

static struct migsa_table *tab;
static struct ip_addr vips[IKELB_FAMILIES];

static int setup(void **state)
{
	(void)state;
	tab = calloc(1, sizeof(*tab));
	memset(vips, 0, sizeof(vips));
	vips[IKELB_FAM_V4].family = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", &vips[IKELB_FAM_V4].v4);
	vips[IKELB_FAM_V6].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &vips[IKELB_FAM_V6].v6);
	return tab ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(tab);
	return 0;
}

/* A client's established IKEv2 SA at local (this gateway's address), age
 * in seconds (-1: not given). */
static struct auth_sa sa_at(uint32_t id, const char *local, int age)
{
	struct auth_sa sa = { .id = id, .established = true, .version = 2 };

	if (strchr(local, ':')) {
		sa.local.family = AF_INET6;
		inet_pton(AF_INET6, local, &sa.local.v6);
	} else {
		sa.local.family = AF_INET;
		inet_pton(AF_INET, local, &sa.local.v4);
	}
	sa.has_age = age >= 0;
	sa.age_s = age >= 0 ? (uint64_t)age : 0;
	return sa;
}

static enum migsa_class classify(const struct auth_sa *sa, uint64_t now, int *fam)
{
	return migsa_classify(tab, sa, vips, HOLD, now, fam);
}

static void test_support(void **state)
{
	struct auth_sa yes = sa_at(1, "198.18.0.11", 100), no = sa_at(2, "198.18.0.11", 100),
		       unknown = sa_at(3, "2001:db8::11", 100), v1 = sa_at(4, "198.18.0.11", 100);
	int fam = -1;

	(void)state;
	migsa_init_seen(tab, 1, true, false, 1000);
	migsa_init_seen(tab, 2, false, false, 1000);
	v1.version = 1;
	assert_int_equal(classify(&yes, 200000, &fam), MIGSA_MOVE);
	assert_int_equal(fam, IKELB_FAM_V4);
	assert_int_equal(classify(&no, 200000, &fam), MIGSA_LEFT);
	/* set up before anyone listened: tried, to an IPv6 identity */
	assert_int_equal(classify(&unknown, 200000, &fam), MIGSA_TRY);
	assert_int_equal(fam, IKELB_FAM_V6);
	assert_int_equal(classify(&v1, 200000, &fam), MIGSA_LEFT);
	assert_string_equal(migsa_class_name(MIGSA_TRY), "try");
}

static void test_not_ours(void **state)
{
	struct auth_sa at_vip = sa_at(5, "198.18.0.1", 100), at_vip6 = sa_at(6, "2001:db8::1", 100),
		       initiated = sa_at(7, "198.18.0.11", 100),
		       connecting = sa_at(8, "198.18.0.11", 100), nowhere = sa_at(9, "198.18.0.11", 100);
	int fam;

	(void)state;
	initiated.initiator = true;
	connecting.established = false;
	nowhere.local.family = 0;
	/* SAs at a VIP are auth mode's clients, not this gateway's */
	assert_int_equal(classify(&at_vip, 200000, &fam), MIGSA_NOT_OURS);
	assert_int_equal(classify(&at_vip6, 200000, &fam), MIGSA_NOT_OURS);
	assert_int_equal(classify(&initiated, 200000, &fam), MIGSA_NOT_OURS);
	assert_int_equal(classify(&connecting, 200000, &fam), MIGSA_NOT_OURS);
	assert_int_equal(classify(&nowhere, 200000, &fam), MIGSA_NOT_OURS);
}

/* A client that came by a redirect stays hold_ms where it landed. */
static void test_hold_after_redirect(void **state)
{
	struct auth_sa sa = sa_at(10, "198.18.0.11", 0), local = sa_at(11, "198.18.0.11", 0);
	int fam;

	(void)state;
	migsa_init_seen(tab, 10, true, true, 50000);
	migsa_init_seen(tab, 11, true, false, 50000);
	assert_int_equal(classify(&sa, 50000, &fam), MIGSA_HELD);
	assert_int_equal(migsa_held_until(tab, &sa, HOLD, 50000), 50000 + HOLD);
	sa.age_s = 5;
	assert_int_equal(classify(&sa, 50000 + HOLD - 1, &fam), MIGSA_HELD);
	assert_int_equal(classify(&sa, 50000 + HOLD, &fam), MIGSA_MOVE);
	/* one that came straight here is not held, however young */
	assert_int_equal(classify(&local, 50000, &fam), MIGSA_MOVE);
	assert_int_equal(migsa_held_until(tab, &local, HOLD, 50000), 50000);
}

/*
 * An SA set up before anyone listened may have come by a redirect: held
 * until surely hold_ms old.  charon's age is a difference of whole seconds,
 * up to a second more than the real age: 6 whole seconds may be 5.001.
 */
static void test_hold_unseen(void **state)
{
	struct auth_sa sa = sa_at(12, "198.18.0.11", 0), ageless = sa_at(13, "198.18.0.11", -1);
	int fam;

	(void)state;
	for (int age = 0; age <= HOLD / 1000; age++) {
		sa.age_s = (uint64_t)age;
		assert_int_equal(classify(&sa, 1000, &fam), MIGSA_HELD);
		/* listed again when it ripens */
		assert_int_equal(migsa_held_until(tab, &sa, HOLD, 1000),
				 1000 + (uint64_t)(HOLD / 1000 + 1 - age) * 1000);
	}
	sa.age_s = HOLD / 1000 + 1;
	assert_int_equal(classify(&sa, 1000, &fam), MIGSA_TRY);
	/* no age given: nothing says it is young */
	assert_int_equal(classify(&ageless, 1000, &fam), MIGSA_TRY);
}

static void test_redirect_refused_down(void **state)
{
	struct auth_sa sa = sa_at(20, "198.18.0.11", 100);
	uint32_t target;
	bool accepted;
	int fam;

	(void)state;
	/* unknown support: tried; charon refuses after accepting the command */
	migsa_redirecting(tab, 20, 3);
	assert_int_equal(classify(&sa, 1, &fam), MIGSA_MOVING);
	assert_true(migsa_accepted(tab, 20));
	assert_true(migsa_refused(tab, 20, &accepted));
	assert_true(accepted);
	assert_int_equal(classify(&sa, 1, &fam), MIGSA_LEFT);
	/* a refusal of an SA we did not redirect is not ours to count */
	assert_false(migsa_refused(tab, 21, &accepted));
	assert_false(migsa_accepted(tab, 20));
	/* the refusal may come before the command's answer */
	migsa_redirecting(tab, 22, 4);
	assert_true(migsa_refused(tab, 22, &accepted));
	assert_false(accepted);
	assert_false(migsa_accepted(tab, 22));
	/* a failed command gives the SA back */
	migsa_redirecting(tab, 23, 5);
	migsa_give_back(tab, 23);
	sa.id = 23;
	assert_int_equal(classify(&sa, 1, &fam), MIGSA_TRY);
	/* moved: it goes down after the redirect */
	migsa_redirecting(tab, 24, 6);
	assert_true(migsa_accepted(tab, 24));
	assert_int_equal(migsa_down(tab, 24, &target, &accepted), MIGSA_REDIRECTED);
	assert_int_equal(target, 6);
	assert_true(accepted);
	assert_null(migsa_find(tab, 24));
	assert_int_equal(migsa_down(tab, 25, &target, &accepted), MIGSA_NONE);
}

static void test_rekey_keeps_knowledge(void **state)
{
	struct auth_sa sa = sa_at(31, "198.18.0.11", 0);
	int fam;

	(void)state;
	migsa_init_seen(tab, 30, true, true, 1000);
	migsa_rekeyed(tab, 30, 31);
	assert_null(migsa_find(tab, 30));
	assert_non_null(migsa_find(tab, 31));
	/* still held from its arrival, not from the rekeying */
	assert_int_equal(classify(&sa, 1000 + HOLD - 1, &fam), MIGSA_HELD);
	assert_int_equal(classify(&sa, 1000 + HOLD, &fam), MIGSA_MOVE);
	migsa_init_seen(tab, 32, false, false, 1000);
	migsa_rekeyed(tab, 32, 33);
	sa.id = 33;
	assert_int_equal(classify(&sa, 99999, &fam), MIGSA_LEFT);
}

/* A younger SA under the same slot takes it over: the older one's
 * support is unknown then (tried, which is harmless). */
static void test_table_wraps(void **state)
{
	struct auth_sa old = sa_at(40, "198.18.0.11", 100);
	int fam;

	(void)state;
	migsa_init_seen(tab, 40, false, false, 1);
	migsa_init_seen(tab, 40 + MIGSA_TABLE_SIZE, true, false, 2);
	assert_null(migsa_find(tab, 40));
	assert_int_equal(classify(&old, 200000, &fam), MIGSA_TRY);
	migsa_init_seen(tab, 0, true, false, 1);
	assert_null(migsa_find(tab, 0));
}

/* The pace on a fake clock: evenly spaced, never more than rate in any
 * second, for every rate. */
static void test_pace(void **state)
{
	(void)state;
	for (uint32_t rate = 1; rate <= 100; rate++) {
		struct migsa_pace p = { 0 };
		uint64_t t[400], now = 5000;
		unsigned n = 0;

		migsa_pace_set(&p, rate);
		assert_true(migsa_pace_due(&p, 0));
		/* take every chance during 3 s, polling each ms */
		for (; now < 8000 && n < 400; now++) {
			if (!migsa_pace_due(&p, now))
				continue;
			migsa_pace_took(&p, now);
			t[n++] = now;
		}
		for (unsigned i = 0; i < n; i++) {
			unsigned in_second = 0;

			for (unsigned j = i; j < n && t[j] < t[i] + 1000; j++)
				in_second++;
			assert_true(in_second <= rate);
		}
		/* ... and not slower: 3 s give 3 * rate, give or take one */
		assert_true(n + 1 >= 3 * rate && n <= 3 * rate + 1);
		assert_true(migsa_pace_next(&p) > t[n - 1]);
		assert_true(migsa_pace_next(&p) - t[n - 1] <= (1000 + rate - 1) / rate);
		/* a pause earns no burst: after 10 s idle, one now, then the pace */
		migsa_pace_took(&p, t[n - 1] + 10000);
		assert_false(migsa_pace_due(&p, t[n - 1] + 10000));
	}
}

/* Redirects that go late (charon answering slowly, a busy loop) start the
 * schedule anew: still never more than rate in any second. */
static void test_pace_late(void **state)
{
	uint64_t t[200], now = 0, lcg = 1;
	unsigned n = 0;

	(void)state;
	for (uint32_t rate = 3; rate <= 30; rate += 9) {
		struct migsa_pace p = { 0 };

		migsa_pace_set(&p, rate);
		n = 0;
		now = 1000;
		while (n < 200) {
			lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
			now = migsa_pace_next(&p) > now ? migsa_pace_next(&p) : now;
			now += (lcg >> 33) % 3 ? 0 : (lcg >> 40) % 150; /* late a third of the time */
			assert_true(migsa_pace_due(&p, now));
			migsa_pace_took(&p, now);
			t[n++] = now;
		}
		for (unsigned i = 0; i < n; i++) {
			unsigned in_second = 0;

			for (unsigned j = i; j < n && t[j] < t[i] + 1000; j++)
				in_second++;
			assert_true(in_second <= rate);
		}
		/* the next slot after a late one is a full slot later */
		migsa_pace_took(&p, now + 5000);
		assert_int_equal(migsa_pace_next(&p), now + 5000 + (1000 + rate - 1) / rate);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_support, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_after_redirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_unseen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redirect_refused_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_keeps_knowledge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_wraps, setup, teardown),
		cmocka_unit_test(test_pace),
		cmocka_unit_test(test_pace_late),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
