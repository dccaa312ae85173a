// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The member table: replay window, ageing on a fake clock, and which
 * members may be targets.  Reports go through the real encoder and the
 * datagram path, as they would from the network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "base/log.h"
#include "cluster/members.h"

#define DEAD 3000
/* the wall clock of the tests: 2023-11-14, ms since 1970 */
#define WALL 1700000000000ull
#define FORGET 30000

static struct cluster_key key(uint8_t fill)
{
	struct cluster_key k = { .len = 32 };

	memset(k.bytes, fill, 32);
	return k;
}

static struct in_addr vip4;
static struct in6_addr vip6;

static struct members *table(unsigned capacity)
{
	struct cluster_key k = key(0x5a);
	struct members_params p = {
		.cluster = "lab", .key = &k, .self_id = "me", .dead_after_ms = DEAD,
		.forget_after_ms = FORGET, .vip4 = &vip4, .vip6 = &vip6, .capacity = capacity,
	};

	inet_pton(AF_INET, "198.18.0.100", &vip4);
	inet_pton(AF_INET6, "2001:db8::100", &vip6);
	return members_new(&p);
}

static struct load_report report(const char *node, uint64_t epoch, uint64_t seq,
				   uint32_t tunnels)
{
	struct load_report r = { .epoch = epoch, .seq = seq, .tunnels = tunnels,
				   .max_tunnels = 100, .state = REPORT_ACTIVE };

	strcpy(r.cluster, "lab");
	strcpy(r.node_id, node);
	r.address.type = IKE_GW_ID_IPV4;
	r.address.len = 4;
	inet_pton(AF_INET, "198.18.0.11", r.address.data);
	return r;
}

static enum members_verdict deliver_with(struct members *m, const struct load_report *r,
					 uint8_t key_fill, uint64_t now)
{
	struct cluster_key k = key(key_fill);
	uint8_t msg[REPORT_MAX];
	int len = report_encode(r, &k, msg, sizeof(msg));

	assert_true(len > 0);
	return members_handle_datagram(m, msg, (size_t)len, now, WALL);
}

static enum members_verdict deliver(struct members *m, const struct load_report *r,
				    uint64_t now)
{
	return deliver_with(m, r, 0x5a, now);
}

static struct member_info get(struct members *m, const char *node, uint64_t now)
{
	struct member_info i;

	assert_true(members_find(m, node, now, &i));
	return i;
}

static uint64_t cnt(struct members *m, enum members_verdict v)
{
	return members_counters(m)->verdict[v];
}

static void assert_counters_add_up(struct members *m)
{
	const struct members_counters *c = members_counters(m);
	uint64_t sum = 0;

	for (int v = 0; v < MEMBERS_VERDICT_MAX; v++)
		sum += c->verdict[v];
	assert_true(c->received == sum);
}

static int quiet(void **state)
{
	(void)state;
	log_set_level(LOG_LVL_ERR);
	return 0;
}

/* ---- replay window ------------------------------------------------------- */

static void test_first_report(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 1000, 1, 7);
	struct member_info i;

	(void)state;
	assert_int_equal(members_listed(m), 0);
	assert_int_equal(deliver(m, &r, 500), MEMBERS_ACCEPTED);
	i = get(m, "gw-a", 700);
	assert_string_equal(i.node_id, "gw-a");
	assert_int_equal(i.tunnels, 7);
	assert_int_equal(i.max_tunnels, 100);
	assert_int_equal(i.address->type, IKE_GW_ID_IPV4);
	assert_true(i.epoch == 1000 && i.seq == 1);
	assert_true(i.age_ms == 200);
	assert_true(i.alive && i.usable && !i.self);
	assert_int_equal(i.why, MEMBER_USABLE);
	assert_int_equal(members_listed(m), 1);
	assert_true(members_counters(m)->received == 1);
	assert_true(cnt(m, MEMBERS_ACCEPTED) == 1);
	members_free(m);
}

static void test_same_seq_is_replay(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 1000, 5, 7);
	uint64_t gen;

	(void)state;
	assert_int_equal(deliver(m, &r, 100), MEMBERS_ACCEPTED);
	gen = members_generation(m);
	/* the identical datagram again */
	assert_int_equal(deliver(m, &r, 200), MEMBERS_DROP_REPLAYED);
	/* a genuine message (right key) with the same seq and other values */
	r.tunnels = 99;
	assert_int_equal(deliver(m, &r, 300), MEMBERS_DROP_REPLAYED);
	assert_int_equal(get(m, "gw-a", 300).tunnels, 7);
	assert_true(get(m, "gw-a", 300).report_ms == 100);
	assert_true(members_generation(m) == gen);
	assert_true(cnt(m, MEMBERS_DROP_REPLAYED) == 2);
	assert_counters_add_up(m);
	members_free(m);
}

static void test_older_seq_is_replay(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 1000, 5, 7);

	(void)state;
	assert_int_equal(deliver(m, &r, 100), MEMBERS_ACCEPTED);
	r.seq = 4;
	r.tunnels = 1;
	assert_int_equal(deliver(m, &r, 200), MEMBERS_DROP_REPLAYED);
	r.seq = 1;
	assert_int_equal(deliver(m, &r, 200), MEMBERS_DROP_REPLAYED);
	assert_int_equal(get(m, "gw-a", 200).tunnels, 7);
	/* a gap is fine: losses happen */
	r.seq = 9;
	r.tunnels = 8;
	assert_int_equal(deliver(m, &r, 300), MEMBERS_ACCEPTED);
	assert_int_equal(get(m, "gw-a", 300).tunnels, 8);
	/* and now 6..8 are old too */
	r.seq = 6;
	assert_int_equal(deliver(m, &r, 400), MEMBERS_DROP_REPLAYED);
	members_free(m);
}

static void test_new_epoch_accepted_older_refused(void **state)
{
	struct members *m = table(0);
	uint64_t old = report_epoch_make(1700000000000ull, 0xfffff);
	uint64_t new = report_epoch_make(1700000000001ull, 0);
	struct load_report r = report("gw-a", old, 40, 7);
	struct member_info i;

	(void)state;
	assert_int_equal(deliver(m, &r, 100), MEMBERS_ACCEPTED);
	/* the node restarted: a new epoch, its sequence starts at 1 again */
	r = report("gw-a", new, 1, 3);
	assert_int_equal(deliver(m, &r, 200), MEMBERS_ACCEPTED);
	i = get(m, "gw-a", 200);
	assert_true(i.epoch == new && i.seq == 1);
	assert_int_equal(i.tunnels, 3);
	assert_true(i.reports == 1);
	/* a recording of the previous boot, even with a higher sequence */
	r = report("gw-a", old, 41, 50);
	assert_int_equal(deliver(m, &r, 300), MEMBERS_DROP_OLD_EPOCH);
	r = report("gw-a", old, UINT64_MAX, 50);
	assert_int_equal(deliver(m, &r, 300), MEMBERS_DROP_OLD_EPOCH);
	assert_int_equal(get(m, "gw-a", 300).tunnels, 3);
	assert_true(cnt(m, MEMBERS_DROP_OLD_EPOCH) == 2);
	/* the same epoch continues */
	r = report("gw-a", new, 2, 4);
	assert_int_equal(deliver(m, &r, 400), MEMBERS_ACCEPTED);
	assert_int_equal(get(m, "gw-a", 400).reports, 2);
	assert_counters_add_up(m);
	members_free(m);
}

static void test_replay_refused_after_forget(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 2000, 10, 7);
	struct member_info i;

	(void)state;
	assert_int_equal(deliver(m, &r, 0), MEMBERS_ACCEPTED);
	members_tick(m, FORGET);
	assert_false(members_find(m, "gw-a", FORGET, &i));
	assert_int_equal(members_listed(m), 0);
	/* a recording replayed once the member is forgotten */
	assert_int_equal(deliver(m, &r, FORGET + 1), MEMBERS_DROP_REPLAYED);
	r = report("gw-a", 1999, 500, 7);
	assert_int_equal(deliver(m, &r, FORGET + 1), MEMBERS_DROP_OLD_EPOCH);
	assert_false(members_find(m, "gw-a", FORGET + 1, &i));
	/* the real node coming back is accepted */
	r = report("gw-a", 2000, 11, 9);
	assert_int_equal(deliver(m, &r, FORGET + 2), MEMBERS_ACCEPTED);
	assert_int_equal(get(m, "gw-a", FORGET + 2).tunnels, 9);
	members_free(m);
}

static void test_nodes_are_independent(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 5000, 10, 1), b = report("gw-b", 10, 1, 2);

	(void)state;
	assert_int_equal(deliver(m, &a, 0), MEMBERS_ACCEPTED);
	/* a lower epoch and seq than gw-a's is fine for another node */
	assert_int_equal(deliver(m, &b, 0), MEMBERS_ACCEPTED);
	assert_int_equal(members_listed(m), 2);
	members_free(m);
}

/* ---- drops change nothing and are counted ----------------------------------- */

static void test_drops_counted(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 1000, 1, 7), x;
	uint8_t msg[REPORT_MAX];
	struct cluster_key k = key(0x5a);
	uint64_t gen;
	int len;

	(void)state;
	assert_int_equal(deliver(m, &r, 0), MEMBERS_ACCEPTED);
	gen = members_generation(m);
	/* forged: right everything, wrong key, tempting numbers */
	x = report("gw-a", 1000, 2, 0);
	assert_int_equal(deliver_with(m, &x, 0x5b, 10), MEMBERS_DROP_BAD_MAC);
	x = report("gw-new", 1000, 1, 0);
	assert_int_equal(deliver_with(m, &x, 0x5b, 10), MEMBERS_DROP_BAD_MAC);
	/* another cluster, even with our key */
	x = report("gw-a", 1000, 2, 0);
	strcpy(x.cluster, "lab2");
	assert_int_equal(deliver(m, &x, 10), MEMBERS_DROP_OTHER_CLUSTER);
	/* our own node id coming back from the network */
	x = report("me", 1000, 1, 0);
	assert_int_equal(deliver(m, &x, 10), MEMBERS_DROP_SELF);
	/* garbage, truncated, oversized, other version */
	len = report_encode(&r, &k, msg, sizeof(msg));
	assert_int_equal(members_handle_datagram(m, msg, (size_t)len - 1, 10, WALL),
			 MEMBERS_DROP_MALFORMED);
	assert_int_equal(members_handle_datagram(m, msg, 0, 10, WALL), MEMBERS_DROP_MALFORMED);
	assert_int_equal(members_handle_datagram(m, msg, 2000, 10, WALL), MEMBERS_DROP_OVERSIZED);
	members_note_dropped(m, MEMBERS_DROP_OVERSIZED);
	msg[4] = 9;
	assert_int_equal(members_handle_datagram(m, msg, (size_t)len, 10, WALL),
			 MEMBERS_DROP_BAD_VERSION);
	msg[0] = 'X';
	assert_int_equal(members_handle_datagram(m, msg, (size_t)len, 10, WALL),
			 MEMBERS_DROP_BAD_MAGIC);

	assert_true(members_generation(m) == gen);
	assert_int_equal(members_listed(m), 1);
	assert_int_equal(get(m, "gw-a", 10).tunnels, 7);
	assert_true(get(m, "gw-a", 10).seq == 1);
	assert_true(cnt(m, MEMBERS_DROP_BAD_MAC) == 2);
	assert_true(cnt(m, MEMBERS_DROP_OTHER_CLUSTER) == 1);
	assert_true(cnt(m, MEMBERS_DROP_SELF) == 1);
	assert_true(cnt(m, MEMBERS_DROP_MALFORMED) == 2);
	assert_true(cnt(m, MEMBERS_DROP_OVERSIZED) == 2);
	assert_true(cnt(m, MEMBERS_DROP_BAD_VERSION) == 1);
	assert_true(cnt(m, MEMBERS_DROP_BAD_MAGIC) == 1);
	assert_true(cnt(m, MEMBERS_ACCEPTED) == 1);
	assert_true(members_counters(m)->received == 11);
	assert_counters_add_up(m);
	members_free(m);
}

static void test_counters_str(void **state)
{
	struct members *m = table(0);
	struct load_report x = report("gw-a", 1000, 2, 0);
	char buf[512];

	(void)state;
	assert_int_equal(deliver_with(m, &x, 0x5b, 10), MEMBERS_DROP_BAD_MAC);
	members_counters_str(m, buf, sizeof(buf));
	assert_non_null(strstr(buf, "received=1 accepted=0 "));
	assert_non_null(strstr(buf, " bad_mac=1 "));
	assert_non_null(strstr(buf, " other_cluster=0 "));
	assert_non_null(strstr(buf, " vip_identity=0"));
	members_free(m);
}

static void test_table_full(void **state)
{
	struct members *m = table(2);
	struct load_report a = report("gw-a", 1, 1, 0), b = report("gw-b", 1, 1, 0),
			     c = report("gw-c", 1, 1, 0);

	(void)state;
	assert_int_equal(deliver(m, &a, 0), MEMBERS_ACCEPTED);
	assert_int_equal(deliver(m, &b, 10), MEMBERS_ACCEPTED);
	assert_int_equal(deliver(m, &c, 20), MEMBERS_DROP_TABLE_FULL);
	assert_true(cnt(m, MEMBERS_DROP_TABLE_FULL) == 1);
	/* gw-a forgotten (gw-b still listed): its slot is reused */
	members_tick(m, FORGET);
	assert_int_equal(members_listed(m), 1);
	assert_int_equal(deliver(m, &c, FORGET + 1), MEMBERS_ACCEPTED);
	assert_int_equal(members_listed(m), 2);
	assert_counters_add_up(m);
	members_free(m);
}

/* ---- own report ---------------------------------------------------------------- */

static void test_self(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("me", 77, 1, 4);
	struct member_info i;

	(void)state;
	assert_int_equal(members_update_self(m, &r, 100), MEMBERS_ACCEPTED);
	i = get(m, "me", 100);
	assert_true(i.self && i.usable);
	/* not a network datagram: the receiver counters stay zero */
	assert_true(members_counters(m)->received == 0);
	r.seq = 2;
	r.tunnels = 5;
	assert_int_equal(members_update_self(m, &r, 200), MEMBERS_ACCEPTED);
	/* someone else claiming our id over the network changes nothing */
	r.seq = 3;
	r.tunnels = 60;
	assert_int_equal(deliver(m, &r, 300), MEMBERS_DROP_SELF);
	assert_int_equal(get(m, "me", 300).tunnels, 5);
	/* the own report must carry the own node id and cluster */
	r = report("gw-a", 77, 1, 4);
	assert_int_equal(members_update_self(m, &r, 300), MEMBERS_DROP_ERROR);
	r = report("me", 77, 9, 4);
	strcpy(r.cluster, "other");
	assert_int_equal(members_update_self(m, &r, 300), MEMBERS_DROP_OTHER_CLUSTER);
	r = report("me", 77, 9, 4);
	r.max_tunnels = 0;
	assert_int_equal(members_update_self(m, &r, 300), MEMBERS_DROP_MALFORMED);
	members_free(m);
}

/* ---- ageing -------------------------------------------------------------------- */

static void test_ageing(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 1, 1, 0);
	struct member_info i;
	uint64_t gen;

	(void)state;
	assert_int_equal(deliver(m, &r, 1000), MEMBERS_ACCEPTED);
	i = get(m, "gw-a", 1000 + DEAD - 1);
	assert_true(i.alive && i.usable);
	/* exactly dead_after_ms without a report: dead, still listed */
	i = get(m, "gw-a", 1000 + DEAD);
	assert_false(i.alive);
	assert_false(i.usable);
	assert_int_equal(i.why, MEMBER_DEAD);
	assert_true(i.age_ms == DEAD);
	gen = members_generation(m);
	members_tick(m, 1000 + DEAD);
	assert_true(members_generation(m) == gen + 1);
	members_tick(m, 1000 + DEAD + 500); /* logged once */
	assert_true(members_generation(m) == gen + 1);
	assert_int_equal(members_listed(m), 1);
	/* a fresh report brings it back */
	r.seq = 2;
	assert_int_equal(deliver(m, &r, 1000 + DEAD + 600), MEMBERS_ACCEPTED);
	assert_true(get(m, "gw-a", 1000 + DEAD + 600).alive);
	/* then silence until forgotten: listed as dead until forget_after_ms */
	members_tick(m, 1000 + DEAD + 600 + FORGET - 1);
	assert_true(members_find(m, "gw-a", 1000 + DEAD + 600 + FORGET - 1, &i));
	assert_false(i.alive);
	members_tick(m, 1000 + DEAD + 600 + FORGET);
	assert_false(members_find(m, "gw-a", 1000 + DEAD + 600 + FORGET, &i));
	assert_int_equal(members_listed(m), 0);
	members_free(m);
}

static void test_clock_before_report(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 1, 1, 0);

	(void)state;
	/* a caller's "now" before the report time is age 0, not a huge age */
	assert_int_equal(deliver(m, &r, 5000), MEMBERS_ACCEPTED);
	assert_true(get(m, "gw-a", 4000).age_ms == 0);
	assert_true(get(m, "gw-a", 4000).alive);
	members_free(m);
}

/* ---- usable ------------------------------------------------------------------- */

static enum member_why why_after(struct load_report r)
{
	struct members *m = table(0);
	enum member_why w;
	struct member_info i;

	assert_int_equal(deliver(m, &r, 0), MEMBERS_ACCEPTED);
	i = get(m, r.node_id, 10);
	w = i.why;
	assert_int_equal(i.usable, w == MEMBER_USABLE);
	assert_true(i.alive);
	members_free(m);
	return w;
}

static void test_usable_decisions(void **state)
{
	struct load_report r;

	(void)state;
	r = report("gw-a", 1, 1, 99);
	assert_int_equal(why_after(r), MEMBER_USABLE);
	r = report("gw-a", 1, 1, 100); /* tunnels == max */
	assert_int_equal(why_after(r), MEMBER_FULL);
	r = report("gw-a", 1, 1, 250); /* over max */
	assert_int_equal(why_after(r), MEMBER_FULL);
	r = report("gw-a", 1, 1, 0);
	r.state = REPORT_DRAINING;
	assert_int_equal(why_after(r), MEMBER_DRAINING);
	r = report("gw-a", 1, 1, 0);
	r.state = REPORT_UNHEALTHY;
	strcpy(r.reason, "vici: connect failed");
	assert_int_equal(why_after(r), MEMBER_UNHEALTHY);
	r.max_tunnels = 1;
	r.tunnels = 1;
	assert_int_equal(why_after(r), MEMBER_UNHEALTHY);
}

static void test_vip_is_never_usable(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 1, 1, 0);
	struct member_info i;

	(void)state;
	/* IPv4 address equal to the IPv4 VIP */
	inet_pton(AF_INET, "198.18.0.100", r.address.data);
	assert_int_equal(deliver(m, &r, 0), MEMBERS_ACCEPTED);
	i = get(m, "gw-a", 0);
	assert_false(i.usable);
	assert_int_equal(i.why, MEMBER_IS_VIP);
	assert_true(members_counters(m)->vip_identity == 1);
	/* fixed in the next report: usable again */
	r.seq = 2;
	inet_pton(AF_INET, "198.18.0.11", r.address.data);
	assert_int_equal(deliver(m, &r, 10), MEMBERS_ACCEPTED);
	assert_true(get(m, "gw-a", 10).usable);
	/* address6 equal to the IPv6 VIP */
	r.seq = 3;
	r.address6.type = IKE_GW_ID_IPV6;
	r.address6.len = 16;
	inet_pton(AF_INET6, "2001:db8::100", r.address6.data);
	assert_int_equal(deliver(m, &r, 20), MEMBERS_ACCEPTED);
	assert_int_equal(get(m, "gw-a", 20).why, MEMBER_IS_VIP);
	/* the IPv4 VIP written as an IPv4-mapped IPv6 address */
	r.seq = 4;
	inet_pton(AF_INET6, "::ffff:198.18.0.100", r.address6.data);
	assert_int_equal(deliver(m, &r, 30), MEMBERS_ACCEPTED);
	assert_int_equal(get(m, "gw-a", 30).why, MEMBER_IS_VIP);
	/* an IPv6 address as the first identity */
	r.seq = 5;
	r.address = r.address6;
	r.address6.type = 0;
	r.address6.len = 0;
	inet_pton(AF_INET6, "2001:db8::100", r.address.data);
	assert_int_equal(deliver(m, &r, 40), MEMBERS_ACCEPTED);
	assert_int_equal(get(m, "gw-a", 40).why, MEMBER_IS_VIP);
	/* a neighbour of the VIP is fine */
	r.seq = 6;
	inet_pton(AF_INET6, "2001:db8::101", r.address.data);
	assert_int_equal(deliver(m, &r, 50), MEMBERS_ACCEPTED);
	assert_true(get(m, "gw-a", 50).usable);
	/* reports 1, 3, 4 and 5 named a VIP */
	assert_true(members_counters(m)->vip_identity == 4);
	/* dead outranks everything */
	assert_int_equal(get(m, "gw-a", 50 + DEAD).why, MEMBER_DEAD);
	members_free(m);
}

static void test_no_vips_configured(void **state)
{
	struct cluster_key k = key(0x5a);
	struct members_params p = { .cluster = "lab", .key = &k, .dead_after_ms = DEAD };
	struct members *m = members_new(&p);
	struct load_report r = report("gw-a", 1, 1, 0);

	(void)state;
	assert_non_null(m);
	inet_pton(AF_INET, "198.18.0.100", r.address.data);
	assert_int_equal(deliver(m, &r, 0), MEMBERS_ACCEPTED);
	assert_true(get(m, "gw-a", 0).usable);
	/* no self id: any node id is taken from the network */
	r = report("me", 1, 1, 0);
	assert_int_equal(deliver(m, &r, 0), MEMBERS_ACCEPTED);
	members_free(m);
}

static void test_iterate(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1, 1, 0), b = report("gw-b", 1, 1, 0);
	struct member_info i;
	unsigned seen = 0;

	(void)state;
	deliver(m, &a, 0);
	deliver(m, &b, 0);
	for (unsigned s = 0; s < members_capacity(m); s++) {
		if (!members_get(m, s, 0, &i))
			continue;
		assert_int_equal(i.index, s);
		seen |= strcmp(i.node_id, "gw-a") == 0 ? 1 : strcmp(i.node_id, "gw-b") == 0 ? 2 : 4;
	}
	assert_int_equal(seen, 3);
	assert_false(members_get(m, members_capacity(m), 0, &i));
	members_free(m);
}

static void test_new_refuses_bad_params(void **state)
{
	struct cluster_key k = key(1), short_key = key(1);
	struct members_params p = { .cluster = "lab", .key = &k, .dead_after_ms = DEAD };

	(void)state;
	short_key.len = 31;
	p.key = &short_key;
	assert_null(members_new(&p));
	p.key = NULL;
	assert_null(members_new(&p));
	p.key = &k;
	p.cluster = "";
	assert_null(members_new(&p));
	p.cluster = "lab";
	p.dead_after_ms = 0;
	assert_null(members_new(&p));
	p.dead_after_ms = DEAD;
	members_free(members_new(&p));
}

/* ---- declared dead: the VRRP master at an address went silent --------------- */

/* A monotonic clock well past dead_after_ms, as the daemon's is (seconds
 * since boot). */
#define T 1000000u

static struct ip_addr ip(const char *s)
{
	struct ip_addr a = { .family = strchr(s, ':') ? AF_INET6 : AF_INET };

	assert_int_equal(inet_pton(a.family, s, a.family == AF_INET ? (void *)&a.v4 : &a.v6), 1);
	return a;
}

/* A datagram signed with the key of fill byte key_fill, sent from src. */
static enum members_verdict deliver_signed_from(struct members *m, const struct load_report *r,
						uint8_t key_fill, uint64_t now, const char *src)
{
	struct cluster_key k = key(key_fill);
	struct ip_addr a = ip(src);
	uint8_t msg[REPORT_MAX];
	int len = report_encode(r, &k, msg, sizeof(msg));

	assert_true(len > 0);
	return members_handle_datagram_from(m, msg, (size_t)len, now, WALL, &a);
}

static enum members_verdict deliver_from(struct members *m, const struct load_report *r,
					 uint64_t now, const char *src)
{
	return deliver_signed_from(m, r, 0x5a, now, src);
}

static unsigned declare_dead(struct members *m, const char *src, uint64_t now)
{
	struct ip_addr a = ip(src);

	return members_declare_dead(m, &a, now);
}

static bool alive(struct members *m, const char *node, uint64_t now)
{
	return get(m, node, now).alive;
}

static void test_declare_dead_by_source(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1, 1, 3), b = report("gw-b", 1, 1, 4);
	struct load_report c = report("gw-c", 1, 1, 5), d = report("gw-d", 1, 1, 6);
	struct load_report me = report("me", 1, 1, 7);
	struct member_info i;
	uint64_t gen;

	(void)state;
	assert_int_equal(deliver_from(m, &a, T + 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_int_equal(deliver_from(m, &b, T + 1000, "198.18.0.12"), MEMBERS_ACCEPTED);
	assert_int_equal(deliver_from(m, &c, T + 1000, "2001:db8::11"), MEMBERS_ACCEPTED);
	assert_int_equal(deliver(m, &d, T + 1000), MEMBERS_ACCEPTED); /* source unknown */
	assert_int_equal(members_update_self(m, &me, T + 1000), MEMBERS_ACCEPTED);
	gen = members_generation(m);
	/* well within dead_after_ms of the report: only gw-a goes */
	assert_int_equal(declare_dead(m, "198.18.0.11", T + 1500), 1);
	assert_true(members_generation(m) > gen);
	i = get(m, "gw-a", T + 1500);
	assert_false(i.alive);
	assert_false(i.usable);
	assert_int_equal(i.why, MEMBER_DEAD);
	assert_true(members_find(m, "gw-a", T + 1500, &i)); /* still listed */
	assert_true(alive(m, "gw-b", T + 1500) && get(m, "gw-b", T + 1500).usable);
	assert_true(alive(m, "gw-c", T + 1500) && alive(m, "gw-d", T + 1500));
	assert_true(alive(m, "me", T + 1500));
	assert_int_equal(members_listed(m), 5);
	/* the IPv6 source, exactly: a neighbouring address is nobody */
	assert_int_equal(declare_dead(m, "2001:db8::12", T + 1500), 0);
	assert_int_equal(declare_dead(m, "198.18.0.13", T + 1500), 0);
	assert_true(alive(m, "gw-c", T + 1500));
	assert_int_equal(declare_dead(m, "2001:db8::11", T + 1600), 1);
	assert_false(alive(m, "gw-c", T + 1600));
	assert_true(alive(m, "gw-b", T + 1600) && alive(m, "gw-d", T + 1600));
	assert_true(alive(m, "me", T + 1600));
	members_free(m);
}

static void test_declared_dead_revives_with_next_report(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1, 5, 3);
	uint64_t gen;

	(void)state;
	assert_int_equal(deliver_from(m, &a, T + 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_int_equal(declare_dead(m, "198.18.0.11", T + 1200), 1);
	assert_false(alive(m, "gw-a", T + 1200));
	/* stays dead as time passes, and the death was counted once */
	gen = members_generation(m);
	members_tick(m, T + 1300);
	assert_true(members_generation(m) == gen);
	assert_false(alive(m, "gw-a", T + 1300));
	/* a replay of its last report does not revive it */
	assert_int_equal(deliver_from(m, &a, T + 1400, "198.18.0.11"), MEMBERS_DROP_REPLAYED);
	assert_false(alive(m, "gw-a", T + 1400));
	/* its next valid report does, from whatever address */
	a.seq = 6;
	a.tunnels = 9;
	assert_int_equal(deliver_from(m, &a, T + 1500, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_true(alive(m, "gw-a", T + 1500) && get(m, "gw-a", T + 1500).usable);
	assert_int_equal(get(m, "gw-a", T + 1500).tunnels, 9);
	assert_true(get(m, "gw-a", T + 1500).report_ms == T + 1500);
	/* and it can be declared dead again */
	assert_int_equal(declare_dead(m, "198.18.0.11", T + 1600), 1);
	assert_false(alive(m, "gw-a", T + 1600));
	members_free(m);
}

/* What was already dead stays as it was: not counted, not re-dated. */
static void test_declare_dead_leaves_the_dead(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1, 1, 3);
	uint64_t gen;

	(void)state;
	assert_int_equal(deliver_from(m, &a, T + 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_int_equal(declare_dead(m, "198.18.0.11", T + 1200), 1);
	gen = members_generation(m);
	assert_int_equal(declare_dead(m, "198.18.0.11", T + 1300), 0);
	assert_true(members_generation(m) == gen);
	/* dead by age */
	a = report("gw-b", 1, 1, 3);
	assert_int_equal(deliver_from(m, &a, T + 1000, "198.18.0.12"), MEMBERS_ACCEPTED);
	members_tick(m, T + 1000 + DEAD + 500);
	gen = members_generation(m);
	assert_int_equal(declare_dead(m, "198.18.0.12", T + 1000 + DEAD + 500), 0);
	assert_true(members_generation(m) == gen);
	assert_true(get(m, "gw-b", T + 1000 + DEAD + 500).report_ms == T + 1000);
	assert_true(get(m, "gw-b", T + 1000 + DEAD + 500).age_ms == DEAD + 500);
	members_free(m);
}

/* members_declare_dead skips a member that is already dead by age, at
 * exactly dead_after_ms too: nothing changes, the generation stays. */
static void test_declare_dead_at_the_boundary(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1, 1, 3);
	uint64_t gen;

	(void)state;
	assert_int_equal(deliver_from(m, &a, T + 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_false(alive(m, "gw-a", T + 1000 + DEAD));
	members_tick(m, T + 1000 + DEAD);
	gen = members_generation(m);
	assert_int_equal(declare_dead(m, "198.18.0.11", T + 1000 + DEAD), 0);
	assert_true(members_generation(m) == gen);
	assert_true(get(m, "gw-a", T + 1000 + DEAD).report_ms == T + 1000);
	members_free(m);
}

/* members_declare_dead works while the clock is still below dead_after_ms
 * (a regression: it once dated the report back to 0, which is not old
 * enough, and the member stayed alive). */
static void test_declare_dead_early_clock(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1, 1, 3);

	(void)state;
	assert_int_equal(deliver_from(m, &a, 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_int_equal(declare_dead(m, "198.18.0.11", 1500), 1);
	assert_false(alive(m, "gw-a", 1500));
	members_free(m);
}

/* Our own member is never declared dead, even when a datagram carrying our
 * node id came from the silent address. */
static void test_declare_dead_not_self(void **state)
{
	struct members *m = table(0);
	struct load_report me = report("me", 1, 1, 7);

	(void)state;
	assert_int_equal(members_update_self(m, &me, T + 1000), MEMBERS_ACCEPTED);
	me.seq = 2;
	assert_int_equal(deliver_from(m, &me, T + 1000, "198.18.0.11"), MEMBERS_DROP_SELF);
	assert_int_equal(declare_dead(m, "198.18.0.11", T + 1100), 0);
	assert_true(alive(m, "me", T + 1100) && get(m, "me", T + 1100).self);
	members_free(m);
}

/* The source of the last accepted report counts: not an earlier one, not a
 * refused datagram's; every member from the address is marked. */
static void test_declare_dead_latest_source_and_count(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1, 1, 3), b = report("gw-b", 1, 1, 4);
	struct load_report c = report("gw-c", 1, 1, 5), e = report("gw-e", 1, 1, 6);

	(void)state;
	assert_int_equal(deliver_from(m, &a, T + 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_int_equal(deliver_from(m, &b, T + 1000, "198.18.0.12"), MEMBERS_ACCEPTED);
	assert_int_equal(deliver_from(m, &c, T + 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	/* gw-e moved from .11 to .15 */
	assert_int_equal(deliver_from(m, &e, T + 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	e.seq = 2;
	assert_int_equal(deliver_from(m, &e, T + 1100, "198.18.0.15"), MEMBERS_ACCEPTED);
	/* gw-b's replayed report arrives from .11: refused, gw-b stays .12 */
	assert_int_equal(deliver_from(m, &b, T + 1100, "198.18.0.11"), MEMBERS_DROP_REPLAYED);
	/* a forged one (wrong key) from .11 changes nothing either */
	b.seq = 9;
	assert_int_equal(deliver_signed_from(m, &b, 0x77, T + 1100, "198.18.0.11"),
			 MEMBERS_DROP_BAD_MAC);
	assert_int_equal(declare_dead(m, "198.18.0.11", T + 1200), 2);
	assert_false(alive(m, "gw-a", T + 1200));
	assert_false(alive(m, "gw-c", T + 1200));
	assert_true(alive(m, "gw-b", T + 1200));
	assert_true(alive(m, "gw-e", T + 1200));
	assert_int_equal(declare_dead(m, "198.18.0.15", T + 1200), 1);
	assert_false(alive(m, "gw-e", T + 1200));
	members_free(m);
}


/* ---- epochs from the future ---------------------------------------------------- */

/* An epoch of a boot at wall_ms + ahead_ms. */
static uint64_t epoch_at(int64_t ahead_ms)
{
	return report_epoch_make((uint64_t)((int64_t)WALL + ahead_ms), 0x12345);
}

static enum members_verdict deliver_at(struct members *m, const struct load_report *r,
				       uint64_t now, uint64_t wall, const char *src)
{
	struct cluster_key k = key(0x5a);
	struct ip_addr a = ip(src);
	uint8_t msg[REPORT_MAX];
	int len = report_encode(r, &k, msg, sizeof(msg));

	assert_true(len > 0);
	return members_handle_datagram_from(m, msg, (size_t)len, now, wall, &a);
}

static void test_future_epoch_refused(void **state)
{
	struct members *m = table(0);
	struct load_report r;
	struct member_info i;

	(void)state;
	/* right at the bound: a boot clock a little ahead is fine */
	r = report("gw-a", epoch_at(REPORT_EPOCH_AHEAD_MAX_MS), 1, 1);
	assert_int_equal(deliver_at(m, &r, T, WALL, "198.18.0.11"), MEMBERS_ACCEPTED);
	/* beyond it: refused, counted, and it pins nothing */
	r = report("gw-b", epoch_at(REPORT_EPOCH_AHEAD_MAX_MS + 1), 1, 1);
	assert_int_equal(deliver_at(m, &r, T, WALL, "198.18.0.12"), MEMBERS_DROP_FUTURE_EPOCH);
	assert_false(members_find(m, "gw-b", T, &i));
	r = report("gw-a", UINT64_MAX, 1, 99);
	assert_int_equal(deliver_at(m, &r, T + 10, WALL, "198.18.0.66"),
			 MEMBERS_DROP_FUTURE_EPOCH);
	/* gw-a's own reports still come in */
	r = report("gw-a", epoch_at(REPORT_EPOCH_AHEAD_MAX_MS), 2, 1);
	assert_int_equal(deliver_at(m, &r, T + 20, WALL + 20, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_true(cnt(m, MEMBERS_DROP_FUTURE_EPOCH) == 2);
	assert_true(get(m, "gw-a", T + 20).usable);
	/* gw-b, booted with its clock an hour ahead, is heard once NTP fixed
	 * it and it made a new epoch (reports.c) */
	r = report("gw-b", epoch_at(-1000), 1, 1);
	assert_int_equal(deliver_at(m, &r, T + 30, WALL + 30, "198.18.0.12"), MEMBERS_ACCEPTED);
	assert_counters_add_up(m);
	members_free(m);
}

static void test_recorded_future_epoch_forgotten(void **state)
{
	struct members *m = table(0);
	uint64_t boot = epoch_at(-60000);
	struct load_report r = report("gw-a", boot, 100, 1);
	struct member_info i;

	(void)state;
	assert_int_equal(deliver_at(m, &r, T, WALL, "198.18.0.11"), MEMBERS_ACCEPTED);
	/* our clock is stepped back an hour: the record now lies ahead */
	r = report("gw-a", boot, 101, 2);
	assert_int_equal(deliver_at(m, &r, T + 500, WALL - 3600000, "198.18.0.11"),
			 MEMBERS_DROP_FUTURE_EPOCH);
	/* gw-a restarted meanwhile with the right clock: a lower epoch,
	 * taken at once, with no restart of anyone */
	r = report("gw-a", report_epoch_make(WALL - 3600000 + 1000, 7), 1, 3);
	assert_int_equal(deliver_at(m, &r, T + 1000, WALL - 3600000 + 1000, "198.18.0.11"),
			 MEMBERS_ACCEPTED);
	i = get(m, "gw-a", T + 1000);
	assert_int_equal(i.tunnels, 3);
	assert_true(i.usable);
	/* but a replay of the forgotten epoch is refused as ever: ahead */
	r = report("gw-a", boot, 102, 2);
	assert_int_equal(deliver_at(m, &r, T + 1100, WALL - 3600000 + 1100, "198.18.0.11"),
			 MEMBERS_DROP_FUTURE_EPOCH);
	members_free(m);
}

/* ---- one node id, two senders ---------------------------------------------------- */

static void test_conflict_two_sources(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 50, 1, 1);
	struct member_info i;
	char s[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(deliver_from(m, &r, T, "198.18.0.11"), MEMBERS_ACCEPTED);
	r.seq = 2;
	assert_int_equal(deliver_from(m, &r, T + 500, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_true(get(m, "gw-a", T + 500).usable);
	assert_true(members_counters(m)->conflicts == 0);
	/* a fresh report from another address while gw-a is alive */
	r.seq = 3;
	assert_int_equal(deliver_from(m, &r, T + 600, "198.18.0.66"), MEMBERS_ACCEPTED);
	i = get(m, "gw-a", T + 600);
	assert_true(i.conflict);
	assert_false(i.usable);
	assert_int_equal(i.why, MEMBER_CONFLICT);
	assert_int_equal(i.conflict_kind, MEMBER_CONFLICT_SOURCE);
	/* the one taken last, and the other */
	assert_string_equal(ip_addr_str(i.src, s, sizeof(s)), "198.18.0.66");
	assert_string_equal(ip_addr_str(i.other_src, s, sizeof(s)), "198.18.0.11");
	assert_true(members_counters(m)->conflicts == 1);
	assert_int_equal(members_conflicts(m, T + 600), 1);
	/* back and forth: one conflict, still on */
	r.seq = 4;
	assert_int_equal(deliver_from(m, &r, T + 1000, "198.18.0.11"), MEMBERS_ACCEPTED);
	assert_true(members_counters(m)->conflicts == 1);
	/* only one sender for dead_after_ms: over */
	for (uint64_t t = T + 1500, q = 5; t < T + 1000 + DEAD + 1000; t += 500, q++) {
		r.seq = q;
		assert_int_equal(deliver_from(m, &r, t, "198.18.0.66"), MEMBERS_ACCEPTED);
		members_tick(m, t);
	}
	i = get(m, "gw-a", T + 1000 + DEAD + 500);
	assert_false(i.conflict);
	assert_true(i.usable);
	assert_int_equal(members_conflicts(m, T + 1000 + DEAD + 500), 0);
	members_free(m);
}

static void test_new_address_after_death_is_no_conflict(void **state)
{
	struct members *m = table(0);
	struct load_report r = report("gw-a", 50, 1, 1);

	(void)state;
	assert_int_equal(deliver_from(m, &r, T, "198.18.0.11"), MEMBERS_ACCEPTED);
	/* dead, then back with another address (a restart, DHCP): one sender */
	r = report("gw-a", 60, 1, 1);
	assert_int_equal(deliver_from(m, &r, T + DEAD, "198.18.0.12"), MEMBERS_ACCEPTED);
	assert_true(get(m, "gw-a", T + DEAD).usable);
	/* nor its other family (a dual-stack peers list) */
	r.seq = 2;
	assert_int_equal(deliver_from(m, &r, T + DEAD + 100, "2001:db8::12"), MEMBERS_ACCEPTED);
	assert_true(get(m, "gw-a", T + DEAD + 100).usable);
	assert_true(members_counters(m)->conflicts == 0);
	members_free(m);
}

/* Two machines with one node id and their own boot epochs, from one
 * address each: the later boot is taken as a restart, then the earlier
 * one goes on past what was heard of it. */
static void test_conflict_two_epochs_and_recovery(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1000, 40, 1), b = report("gw-a", 2000, 1, 2);
	struct member_info i;

	(void)state;
	assert_int_equal(deliver(m, &a, T), MEMBERS_ACCEPTED);
	assert_int_equal(deliver(m, &b, T + 100), MEMBERS_ACCEPTED); /* "restarted" */
	assert_true(get(m, "gw-a", T + 100).usable);
	/* a straggler of a real restart is not a clone */
	a.seq = 41;
	assert_int_equal(deliver(m, &a, T + 200), MEMBERS_DROP_OLD_EPOCH);
	assert_true(get(m, "gw-a", T + 200).usable);
	/* the earlier epoch goes on: two run */
	a.seq = 42;
	assert_int_equal(deliver(m, &a, T + 600), MEMBERS_DROP_OLD_EPOCH);
	i = get(m, "gw-a", T + 600);
	assert_true(i.conflict);
	assert_int_equal(i.why, MEMBER_CONFLICT);
	assert_int_equal(i.conflict_kind, MEMBER_CONFLICT_EPOCH);
	assert_true(i.other_epoch == 1000);
	/* replays of it (numbers heard already) are no evidence */
	assert_int_equal(deliver(m, &a, T + 700), MEMBERS_DROP_OLD_EPOCH);
	/* the later machine is switched off: its epoch goes silent, and the
	 * earlier one is taken back, with no restart of anyone */
	a.seq = 43;
	assert_int_equal(deliver(m, &a, T + 100 + DEAD), MEMBERS_ACCEPTED);
	i = get(m, "gw-a", T + 100 + DEAD);
	assert_true(i.epoch == 1000 && i.seq == 43);
	assert_int_equal(i.tunnels, 1);
	assert_true(i.conflict); /* until one sender was heard for dead_after_ms */
	for (uint64_t t = T + 600 + DEAD, q = 44; t <= T + 700 + 2 * DEAD; t += 500, q++) {
		a.seq = q;
		assert_int_equal(deliver(m, &a, t), MEMBERS_ACCEPTED);
		members_tick(m, t);
	}
	i = get(m, "gw-a", T + 700 + 2 * DEAD);
	assert_false(i.conflict);
	assert_true(i.usable);
	/* the later machine back: a conflict again (epoch 2000 > 1000 is a
	 * "restart", then 1000 goes on) */
	b.seq = 2;
	assert_int_equal(deliver(m, &b, T + 800 + 2 * DEAD), MEMBERS_ACCEPTED);
	a.seq = 100;
	deliver(m, &a, T + 900 + 2 * DEAD);
	a.seq = 101;
	deliver(m, &a, T + 1000 + 2 * DEAD);
	assert_true(get(m, "gw-a", T + 1000 + 2 * DEAD).conflict);
	assert_true(members_counters(m)->conflicts == 2);
	assert_counters_add_up(m);
	members_free(m);
}

static void test_recording_of_previous_boot_raises_nothing(void **state)
{
	struct members *m = table(0);
	struct load_report a = report("gw-a", 1000, 1, 1), b = report("gw-a", 2000, 1, 2);

	(void)state;
	for (uint64_t q = 1; q <= 10; q++) {
		a.seq = q;
		assert_int_equal(deliver(m, &a, T + q * 100), MEMBERS_ACCEPTED);
	}
	assert_int_equal(deliver(m, &b, T + 1100), MEMBERS_ACCEPTED);
	/* everything recorded of epoch 1000, replayed in order */
	for (uint64_t q = 1; q <= 10; q++) {
		a.seq = q;
		assert_int_equal(deliver(m, &a, T + 1200 + q * 10), MEMBERS_DROP_OLD_EPOCH);
	}
	assert_true(get(m, "gw-a", T + 1400).usable);
	assert_true(members_counters(m)->conflicts == 0);
	members_free(m);
}

static void test_own_node_id_from_the_network(void **state)
{
	struct members *m = table(0);
	struct load_report me = report("me", 77, 1, 4), other = report("me", 88, 1, 9);
	struct member_info i;

	(void)state;
	assert_int_equal(members_update_self(m, &me, T), MEMBERS_ACCEPTED);
	/* our own report coming back (a loop, a replay): nothing */
	me.seq = 1;
	assert_int_equal(deliver_from(m, &me, T + 10, "198.18.0.11"), MEMBERS_DROP_SELF);
	assert_false(get(m, "me", T + 10).conflict);
	/* another node with our id, going on */
	assert_int_equal(deliver_from(m, &other, T + 20, "198.18.0.99"), MEMBERS_DROP_SELF);
	other.seq = 2;
	assert_int_equal(deliver_from(m, &other, T + 520, "198.18.0.99"), MEMBERS_DROP_SELF);
	i = get(m, "me", T + 520);
	assert_true(i.conflict);
	assert_true(i.other_epoch == 88);
	/* shown, but our own entry stays a target */
	assert_true(i.usable);
	assert_int_equal(i.tunnels, 4);
	assert_int_equal(members_conflicts(m, T + 520), 1);
	members_free(m);
}

/* ---- keys ------------------------------------------------------------------------ */

static void test_previous_key_on_receive(void **state)
{
	struct cluster_key k = key(0x5a), prev = key(0x33), next = key(0x44);
	struct members_params p = { .cluster = "lab", .key = &k, .key_previous = &prev,
				    .dead_after_ms = DEAD };
	struct members *m = members_new(&p);
	struct load_report r = report("gw-a", 10, 1, 1);

	(void)state;
	assert_int_equal(deliver_with(m, &r, 0x5a, 0), MEMBERS_ACCEPTED);
	r.seq = 2;
	assert_int_equal(deliver_with(m, &r, 0x33, 10), MEMBERS_ACCEPTED);
	assert_true(members_counters(m)->previous_key == 1);
	r.seq = 3;
	assert_int_equal(deliver_with(m, &r, 0x44, 20), MEMBERS_DROP_BAD_MAC);
	/* the rotation moves on: the next key, the current one as previous */
	members_set_keys(m, &next, &k);
	r.seq = 4;
	assert_int_equal(deliver_with(m, &r, 0x44, 30), MEMBERS_ACCEPTED);
	r.seq = 5;
	assert_int_equal(deliver_with(m, &r, 0x5a, 40), MEMBERS_ACCEPTED);
	r.seq = 6;
	assert_int_equal(deliver_with(m, &r, 0x33, 50), MEMBERS_DROP_BAD_MAC);
	/* and ends: one key */
	members_set_keys(m, &next, NULL);
	r.seq = 7;
	assert_int_equal(deliver_with(m, &r, 0x5a, 60), MEMBERS_DROP_BAD_MAC);
	assert_true(members_counters(m)->previous_key == 2);
	members_free(m);
}

static void test_socket_drops_counted(void **state)
{
	struct members *m = table(0);
	char buf[640];

	(void)state;
	members_note_dropped(m, MEMBERS_DROP_BAD_TTL);
	members_note_dropped(m, MEMBERS_DROP_NOT_PEER);
	members_note_dropped(m, MEMBERS_DROP_NOT_PEER);
	members_note_dropped(m, MEMBERS_ACCEPTED); /* not a drop: an error */
	assert_true(cnt(m, MEMBERS_DROP_BAD_TTL) == 1);
	assert_true(cnt(m, MEMBERS_DROP_NOT_PEER) == 2);
	assert_true(cnt(m, MEMBERS_DROP_ERROR) == 1);
	assert_counters_add_up(m);
	members_counters_str(m, buf, sizeof(buf));
	assert_non_null(strstr(buf, " bad_ttl=1 not_peer=2 "));
	assert_non_null(strstr(buf, " future_epoch=0 "));
	assert_non_null(strstr(buf, " previous_key=0 conflicts=0"));
	members_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_report),
		cmocka_unit_test(test_same_seq_is_replay),
		cmocka_unit_test(test_older_seq_is_replay),
		cmocka_unit_test(test_new_epoch_accepted_older_refused),
		cmocka_unit_test(test_replay_refused_after_forget),
		cmocka_unit_test(test_nodes_are_independent),
		cmocka_unit_test(test_drops_counted),
		cmocka_unit_test(test_counters_str),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_ageing),
		cmocka_unit_test(test_clock_before_report),
		cmocka_unit_test(test_usable_decisions),
		cmocka_unit_test(test_vip_is_never_usable),
		cmocka_unit_test(test_no_vips_configured),
		cmocka_unit_test(test_iterate),
		cmocka_unit_test(test_new_refuses_bad_params),
		cmocka_unit_test(test_declare_dead_by_source),
		cmocka_unit_test(test_declared_dead_revives_with_next_report),
		cmocka_unit_test(test_declare_dead_leaves_the_dead),
		cmocka_unit_test(test_declare_dead_at_the_boundary),
		cmocka_unit_test(test_declare_dead_early_clock),
		cmocka_unit_test(test_declare_dead_not_self),
		cmocka_unit_test(test_declare_dead_latest_source_and_count),
		cmocka_unit_test(test_future_epoch_refused),
		cmocka_unit_test(test_recorded_future_epoch_forgotten),
		cmocka_unit_test(test_conflict_two_sources),
		cmocka_unit_test(test_new_address_after_death_is_no_conflict),
		cmocka_unit_test(test_conflict_two_epochs_and_recovery),
		cmocka_unit_test(test_recording_of_previous_boot_raises_nothing),
		cmocka_unit_test(test_own_node_id_from_the_network),
		cmocka_unit_test(test_previous_key_on_receive),
		cmocka_unit_test(test_socket_drops_counted),
	};

	return cmocka_run_group_tests(tests, quiet, NULL);
}
