// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The sources limited most often (dataplane/top_sources.h) on a fake clock
 * and a fake sources map: a sweep starts only when drop_rate_source moved,
 * reads at most TOP_SOURCES_BATCH entries per tick, and at its end shows
 * the TOP_SOURCES_N most limited (ties: the first read stays ahead); the
 * addresses as people read them (an IPv4 address, an IPv6 /64).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/loop.h"
#include "dataplane/top_sources.h"
#include "../lib/fake_dataplane.h"

#define N_SOURCES 10000

static struct ikelb_source_key key4(uint32_t host_order)
{
	struct ikelb_source_key k = { .family = IKELB_FAM_V4 };
	uint32_t be = htonl(host_order);

	memcpy(k.prefix, &be, 4);
	return k;
}

static void test_sweep(void **state)
{
	struct ikelb_source_key *keys = calloc(N_SOURCES, sizeof(*keys));
	struct ikelb_source_state *vals = calloc(N_SOURCES, sizeof(*vals));
	struct loop *l = loop_new_fake(1000);
	struct fake_dataplane f;
	struct top_sources *t;
	struct top_sources_view v;
	char buf[64];

	(void)state;
	assert_non_null(keys);
	assert_non_null(vals);
	fake_dataplane_init(&f);
	/* 198.19.0.0 + i, limited (i * 7919) % 10007 times: the top ten are
	 * the i with the largest such values; one IPv6 /64 on top */
	for (uint32_t i = 0; i < N_SOURCES; i++) {
		keys[i] = key4(0xc6130000u + i);
		vals[i].limited = (uint64_t)i * 7919 % 10007;
	}
	keys[4321] = (struct ikelb_source_key){ .family = IKELB_FAM_V6,
						.prefix = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2 } };
	vals[4321].limited = 1000000;
	f.source_keys = keys;
	f.source_vals = vals;
	f.n_sources = N_SOURCES;
	t = top_sources_new(l, &f.dp);
	assert_non_null(t);

	/* nothing held back yet: no sweep, no list */
	loop_advance(l, 1000);
	assert_int_equal(f.source_reads, 0);
	top_sources_view(t, &v);
	assert_int_equal(v.age_ms, -1);
	assert_int_equal(v.n, 0);

	/* the counter moves: a sweep of 3 ticks (4096, 4096, 1808 entries) */
	f.counters[IKELB_CNT_DROP_RATE_SOURCE] = 5;
	loop_advance(l, 200);
	assert_int_equal(f.source_reads, 2);
	top_sources_view(t, &v);
	assert_int_equal(v.age_ms, -1); /* not done yet */
	loop_advance(l, 100);
	assert_int_equal(f.source_reads, 3);
	top_sources_view(t, &v);
	assert_int_equal(v.age_ms, 0);
	assert_int_equal(v.seen, N_SOURCES);
	assert_int_equal(v.n, TOP_SOURCES_N);
	assert_string_equal(top_source_str(&v.top[0].key, buf, sizeof(buf)), "2001:db8:1:2::/64");
	assert_int_equal(v.top[0].limited, 1000000);
	/* then i * 7919 % 10007 = 10006, 10005, ..., 9998 (for i = 1040,
	 * 2080, ..., 9360: 1040 * 7919 = 823 * 10007 - 1) */
	assert_string_equal(top_source_str(&v.top[1].key, buf, sizeof(buf)), "198.19.4.16");
	assert_string_equal(top_source_str(&v.top[9].key, buf, sizeof(buf)), "198.19.36.144");
	for (unsigned j = 1; j < TOP_SOURCES_N; j++) {
		uint64_t want = 10007 - j;

		assert_int_equal(v.top[j].limited, want);
		assert_int_equal(v.top[j - 1].limited >= v.top[j].limited, 1);
	}
	/* the counter stands still: no more reads; the list ages */
	loop_advance(l, 2000);
	assert_int_equal(f.source_reads, 3);
	top_sources_view(t, &v);
	assert_int_equal(v.age_ms, 2000);

	/* it moves again: a new sweep sees the new counts */
	vals[0].limited = 2000000;
	f.counters[IKELB_CNT_DROP_RATE_SOURCE] = 6;
	loop_advance(l, 300);
	assert_int_equal(f.source_reads, 6);
	top_sources_view(t, &v);
	assert_string_equal(top_source_str(&v.top[0].key, buf, sizeof(buf)), "198.19.0.0");
	assert_int_equal(v.top[0].limited, 2000000);
	assert_int_equal(v.top[1].limited, 1000000);

	/* a map that cannot be read: the last list stays, the sweep starts
	 * over once it can */
	f.counters[IKELB_CNT_DROP_RATE_SOURCE] = 7;
	f.fail_counters = 1;
	loop_advance(l, 500);
	assert_int_equal(f.source_reads, 6);
	f.fail_counters = 0;
	loop_advance(l, 300);
	assert_int_equal(f.source_reads, 9);

	top_sources_free(t);
	loop_free(l);
	free(keys);
	free(vals);
}

static void test_ties_and_few(void **state)
{
	struct ikelb_source_key keys[4];
	struct ikelb_source_state vals[4] = { { .limited = 3 }, { .limited = 0 }, { .limited = 3 },
					      { .limited = 9 } };
	struct loop *l = loop_new_fake(0);
	struct fake_dataplane f;
	struct top_sources *t;
	struct top_sources_view v;
	char buf[64];

	(void)state;
	for (uint32_t i = 0; i < 4; i++)
		keys[i] = key4(0xc6120000u + i); /* 198.18.0.i */
	fake_dataplane_init(&f);
	f.source_keys = keys;
	f.source_vals = vals;
	f.n_sources = 4;
	f.counters[IKELB_CNT_DROP_RATE_SOURCE] = 1;
	t = top_sources_new(l, &f.dp);
	loop_advance(l, 100);
	top_sources_view(t, &v);
	/* a source never limited is not listed; equal counts keep map order */
	assert_int_equal(v.n, 3);
	assert_int_equal(v.seen, 4);
	assert_string_equal(top_source_str(&v.top[0].key, buf, sizeof(buf)), "198.18.0.3");
	assert_string_equal(top_source_str(&v.top[1].key, buf, sizeof(buf)), "198.18.0.0");
	assert_string_equal(top_source_str(&v.top[2].key, buf, sizeof(buf)), "198.18.0.2");
	top_sources_free(t);
	loop_free(l);
}

static void test_str(void **state)
{
	struct ikelb_source_key k6 = { .family = IKELB_FAM_V6,
				       .prefix = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0 } };
	struct ikelb_source_key k6b = { .family = IKELB_FAM_V6,
					.prefix = { 0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0x12, 0x34 } };
	char buf[64];

	(void)state;
	assert_string_equal(top_source_str(&k6, buf, sizeof(buf)), "2001:db8::/64");
	assert_string_equal(top_source_str(&k6b, buf, sizeof(buf)), "2001:db8:abcd:1234::/64");
	struct ikelb_source_key k4 = key4(0xc0000201u);

	assert_string_equal(top_source_str(&k4, buf, sizeof(buf)), "192.0.2.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_ties_and_few),
		cmocka_unit_test(test_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
