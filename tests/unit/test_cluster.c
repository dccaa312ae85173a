// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The cluster view (cluster/cluster.h) on a fake data path and a fake
 * clock: the targets and slot tables it writes, its periodic refill,
 * draining and an unhealthy self, auth mode's redirects counted with
 * XDP's, the pick auth mode uses, and members that report and die.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/loop.h"
#include "cluster/cluster.h"
#include "cluster/members.h"
#include "../lib/fake_dataplane.h"
#include "../lib/unit_env.h"

#define STATIC_CONF                                                                        \
	"[cluster]\nname = lab\ninterface = lo\nvirtual_ip = 198.18.0.1\n"                 \
	"[gateway]\naddress = 198.18.0.11\nmax_tunnels = 100\n"                             \
	"[target a]\naddress = 198.18.0.21\nmax_tunnels = 100\n"                            \
	"[target b]\naddress = 198.18.0.22\nmax_tunnels = 300\n"

struct self {
	bool known, ok;
	uint64_t tunnels;
	int calls;
};

static bool self_load(void *ctx, bool *known, uint64_t *tunnels, char *why, size_t whylen)
{
	struct self *s = ctx;

	s->calls++;
	*known = s->known;
	*tunnels = s->tunnels;
	snprintf(why, whylen, "%s", s->ok ? "" : "tunnels source failing");
	return s->ok;
}

struct env {
	struct loop *l;
	struct config *cfg;
	struct fake_dataplane f;
	struct self self;
	struct members *m;
	struct cluster *c;
};

static struct env *make(const char *conf, struct members *m)
{
	static struct env e;
	struct cluster_hooks h = { .ctx = &e.self, .self_load = self_load };
	struct cluster_params p;

	memset(&e, 0, sizeof(e));
	e.l = loop_new_fake(10000);
	e.cfg = unit_config(conf);
	assert_non_null(e.cfg);
	fake_dataplane_init(&e.f);
	e.m = m;
	p = (struct cluster_params){ .cfg = e.cfg, .dp = &e.f.dp, .members = m, .node_id = "gw1" };
	e.c = cluster_new(e.l, &p, &h);
	assert_non_null(e.c);
	return &e;
}

static void done(struct env *e)
{
	cluster_free(e->c);
	members_free(e->m);
	unit_config_free(e->cfg);
	loop_free(e->l);
}

static const struct pool_entry *entry(struct env *e, const char *name)
{
	const struct pool_entry *p;
	unsigned n = cluster_pool(e->c, &p);

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return &p[i];
	fail_msg("no entry %s", name);
	return NULL;
}

static unsigned plan_slots(struct env *e, const char *name)
{
	return fake_dataplane_slots_of(&e->f, IKELB_TABLE_PLAN, IKELB_FAM_V4,
				       (uint32_t)entry(e, name)->idx);
}

static void test_tables_written(void **state)
{
	struct env *e = make(STATIC_CONF, NULL);
	const struct pool_entry *p;
	unsigned total;

	(void)state;
	cluster_refill(e->c);
	assert_int_equal(cluster_pool(e->c, &p), 3);
	assert_int_equal(entry(e, "gw1")->kind, POOL_SELF);
	assert_int_equal(entry(e, "a")->kind, POOL_STATIC);
	assert_int_equal(entry(e, "b")->state, POOL_ACTIVE);
	/* each target's identity in the map, active */
	for (unsigned i = 0; i < 3; i++) {
		const struct ikelb_target *t = &e->f.targets[p[i].idx];

		assert_true(t->active);
		assert_int_equal(t->id[IKELB_FAM_V4].type, IKE_GW_ID_IPV4);
	}
	/* every IPv4 slot names one of them, by capacity (b has 3/5) */
	total = plan_slots(e, "gw1") + plan_slots(e, "a") + plan_slots(e, "b");
	assert_int_equal(total, IKELB_SLOTS);
	assert_true(plan_slots(e, "b") > plan_slots(e, "a"));
	/* no IPv6 VIP identity: no IPv6 slot names anything */
	assert_int_equal(fake_dataplane_slots_of(&e->f, IKELB_TABLE_PLAN, IKELB_FAM_V6,
						 IKELB_SLOT_NONE),
			 IKELB_SLOTS);
	done(e);
}

static void test_periodic_refill(void **state)
{
	struct env *e = make(STATIC_CONF, NULL);
	unsigned before = e->f.redirect_reads;

	(void)state;
	loop_advance(e->l, 10 * CLUSTER_REFILL_MS);
	assert_int_equal(e->f.redirect_reads - before, 10);
	done(e);
}

static void test_draining_and_unhealthy_self(void **state)
{
	struct env *e = make(STATIC_CONF, NULL);

	(void)state;
	cluster_refill(e->c);
	assert_true(plan_slots(e, "gw1") > 0);
	cluster_set_draining(e->c, true);
	assert_int_equal(entry(e, "gw1")->state, POOL_DRAINING);
	assert_int_equal(plan_slots(e, "gw1"), 0);
	cluster_set_draining(e->c, false);
	assert_int_equal(entry(e, "gw1")->state, POOL_ACTIVE);
	/* with a tunnels source that fails: unhealthy, with the reason */
	e->self.known = true;
	e->self.ok = false;
	cluster_refill(e->c);
	assert_int_equal(entry(e, "gw1")->state, POOL_UNHEALTHY);
	assert_string_equal(entry(e, "gw1")->reason, "tunnels source failing");
	assert_int_equal(plan_slots(e, "gw1"), 0);
	/* and full once its reading reaches max_tunnels */
	e->self.ok = true;
	e->self.tunnels = 100;
	cluster_refill(e->c);
	assert_int_equal(entry(e, "gw1")->state, POOL_FULL);
	done(e);
}

static void test_auth_redirects_and_pick(void **state)
{
	struct env *e = make(STATIC_CONF, NULL);
	struct ikelb_gw_id id;
	uint32_t idx, a, b;
	uint64_t spi;
	char s[INET6_ADDRSTRLEN];

	(void)state;
	cluster_refill(e->c);
	a = (uint32_t)entry(e, "a")->idx;
	e->f.redirects[a * FAKE_DP_CPUS + 1] = 10; /* XDP's, on CPU 1 */
	for (int i = 0; i < 5; i++)
		cluster_note_redirect(e->c, a);
	cluster_refill(e->c);
	assert_int_equal(entry(e, "a")->redirects, 15);
	/* 15 % full at once: the others get the next clients */
	assert_int_equal(plan_slots(e, "a"), 0);
	/* pick: the plan table's target for the SPI's slot, as XDP picks */
	b = (uint32_t)entry(e, "b")->idx;
	for (spi = 1; spi < 100000; spi++)
		if (e->f.slots[XDP_SLOT(IKELB_TABLE_PLAN, IKELB_FAM_V4, ikelb_slot_of_spi(spi))]
			    .target == b)
			break;
	assert_int_equal(cluster_pick(e->c, IKELB_FAM_V4, spi, &idx, &id), 0);
	assert_int_equal(idx, b);
	assert_int_equal(id.type, IKE_GW_ID_IPV4);
	assert_string_equal(inet_ntop(AF_INET, id.data, s, sizeof(s)), "198.18.0.22");
	/* no IPv6 slots: nothing to pick */
	assert_int_equal(cluster_pick(e->c, IKELB_FAM_V6, spi, &idx, &id), -1);
	done(e);
}

static struct load_report report(const char *node, uint64_t seq, const char *addr)
{
	struct load_report r = { .epoch = 77, .seq = seq, .tunnels = 10, .max_tunnels = 100,
				   .state = REPORT_ACTIVE };

	strcpy(r.cluster, "lab");
	strcpy(r.node_id, node);
	r.address.type = IKE_GW_ID_IPV4;
	r.address.len = 4;
	inet_pton(AF_INET, addr, r.address.data);
	return r;
}

static void test_members(void **state)
{
	struct cluster_key k = { .len = 32 };
	struct members_params mp = { .cluster = "lab", .key = &k, .self_id = "gw1",
				     .dead_after_ms = 3000 };
	struct members *m = members_new(&mp);
	struct env *e = make(STATIC_CONF, m);
	struct load_report r1 = report("gw1", 1, "198.18.0.11"), r2 = report("gw2", 1, "198.18.0.12");
	uint8_t msg[REPORT_MAX];
	int len;

	(void)state;
	members_update_self(m, &r1, loop_now(e->l));
	len = report_encode(&r2, &k, msg, sizeof(msg));
	assert_int_equal(members_handle_datagram(m, msg, (size_t)len, loop_now(e->l), 0),
			 MEMBERS_ACCEPTED);
	cluster_refill(e->c);
	assert_int_equal(entry(e, "gw1")->kind, POOL_SELF);
	assert_int_equal(entry(e, "gw2")->kind, POOL_MEMBER);
	assert_int_equal(entry(e, "gw2")->tunnels, 10);
	assert_int_equal(entry(e, "gw2")->state, POOL_ACTIVE);
	assert_int_equal(e->self.calls, 0); /* members report this node's load */
	/* gw2 falls silent; gw1 goes on reporting */
	for (int i = 0; i < 4; i++) {
		loop_advance(e->l, 1000);
		r1.seq++;
		members_update_self(m, &r1, loop_now(e->l));
	}
	assert_int_equal(entry(e, "gw2")->state, POOL_DEAD); /* refilled on the clock */
	assert_int_equal(plan_slots(e, "gw2"), 0);
	assert_int_equal(entry(e, "gw1")->state, POOL_ACTIVE);
	e->m = m;
	done(e);
}

#define GRANT_CONF(rebalance)                                                             \
	"[cluster]\nname = lab\ninterface = lo\nvirtual_ip = 198.18.0.1\nrebalance = " rebalance \
	"\n[gateway]\naddress = 198.18.0.11\nmax_tunnels = 40\n"

/* A report of node with tunnels of max in state. */
static void feed(struct members *m, struct cluster_key *k, uint64_t now, const char *node,
		 const char *addr, uint32_t tunnels, uint32_t max, enum report_state st)
{
	static uint64_t seq = 100;
	struct load_report r = report(node, ++seq, addr);
	uint8_t msg[REPORT_MAX];
	int len;

	r.tunnels = tunnels;
	r.max_tunnels = max;
	r.state = st;
	if (!strcmp(node, "gw1")) {
		assert_int_equal(members_update_self(m, &r, now), MEMBERS_ACCEPTED);
		return;
	}
	len = report_encode(&r, k, msg, sizeof(msg));
	assert_int_equal(members_handle_datagram(m, msg, (size_t)len, now, 0), MEMBERS_ACCEPTED);
}

static uint32_t granted_to(const struct cluster_grant *g, unsigned n, const char *name)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(g[i].name, name))
			sum += g[i].count;
	return sum;
}

/*
 * The master's grants for migrations: the plan's shares, so in proportion
 * to free capacity; never the requester, nor a draining, full or dead
 * gateway; counted like redirects; to rebalance only with rebalance = on
 * and only toward gateways below the requester.
 */
static void test_grants(void **state)
{
	struct cluster_key k = { .len = 32 };
	struct members_params mp = { .cluster = "lab", .key = &k, .self_id = "gw1",
				     .dead_after_ms = 3000 };
	struct members *m = members_new(&mp);
	struct env *e = make(GRANT_CONF("off"), m);
	struct cluster_grant g[MIGRATION_ENTRIES_MAX];
	enum migration_answer answer;
	uint8_t want[2] = { 30, 5 };
	struct config *on;
	unsigned n;

	(void)state;
	feed(m, &k, loop_now(e->l), "gw1", "198.18.0.11", 30, 40, REPORT_DRAINING);
	feed(m, &k, loop_now(e->l), "gw2", "198.18.0.12", 0, 40, REPORT_ACTIVE);
	feed(m, &k, loop_now(e->l), "gw3", "198.18.0.13", 0, 80, REPORT_ACTIVE);
	feed(m, &k, loop_now(e->l), "gw4", "198.18.0.14", 0, 80, REPORT_DRAINING);
	feed(m, &k, loop_now(e->l), "gw5", "198.18.0.15", 10, 10, REPORT_ACTIVE);
	cluster_refill(e->c);
	n = cluster_grant(e->c, MIGRATION_DRAIN, "gw1", want, g, MIGRATION_ENTRIES_MAX, &answer);
	assert_int_equal(answer, MIGRATION_GRANTED);
	/* 1:2 by free capacity; nothing for IPv6 clients (no IPv6 identity) */
	assert_int_equal(granted_to(g, n, "gw2"), 10);
	assert_int_equal(granted_to(g, n, "gw3"), 20);
	assert_int_equal(granted_to(g, n, "gw1") + granted_to(g, n, "gw4") +
				 granted_to(g, n, "gw5"),
			 0);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(g[i].fam, IKELB_FAM_V4);
		assert_int_equal(g[i].id.type, IKE_GW_ID_IPV4);
		assert_int_equal(g[i].idx, (uint32_t)entry(e, g[i].name)->idx);
	}
	/* counted like redirects: the next plan sees 10/40 and 20/80 */
	assert_int_equal(entry(e, "gw2")->migrations, 10);
	assert_int_equal(entry(e, "gw3")->migrations, 20);
	assert_int_equal(entry(e, "gw3")->redirects, 20);
	assert_int_equal(entry(e, "gw3")->redirects_since_report, 20);
	assert_true(entry(e, "gw2")->est_util > 0.249 && entry(e, "gw2")->est_util < 0.251);
	/* whom the master does not know */
	assert_int_equal(cluster_grant(e->c, MIGRATION_DRAIN, "gw9", want, g, 8, &answer), 0);
	assert_int_equal(answer, MIGRATION_NOT_MEMBER);
	/* rebalancing asked for, but off here */
	assert_int_equal(cluster_grant(e->c, MIGRATION_REBALANCE, "gw5", want, g, 8, &answer), 0);
	assert_int_equal(answer, MIGRATION_NO_REBALANCE);
	on = unit_config(GRANT_CONF("on"));
	cluster_reload(e->c, on);
	/* gw2 (0 % reported) has nobody below it */
	assert_int_equal(cluster_grant(e->c, MIGRATION_REBALANCE, "gw2", want, g, 8, &answer), 0);
	assert_int_equal(answer, MIGRATION_NO_TARGET);
	/* the full gw5 may move clients to those below it; at most max entries */
	want[0] = 6;
	n = cluster_grant(e->c, MIGRATION_REBALANCE, "gw5", want, g, 1, &answer);
	assert_int_equal(answer, MIGRATION_GRANTED);
	assert_int_equal(n, 1);
	assert_true(g[0].count >= 1);
	assert_true(!strcmp(g[0].name, "gw2") || !strcmp(g[0].name, "gw3"));
	cluster_reload(e->c, e->cfg);
	unit_config_free(on);
	e->m = m;
	done(e);
}

#define STEER_CONF                                                                         \
	"[cluster]\nname = lab\ninterface = lo\nvirtual_ip = 198.18.0.1\n"                 \
	"[redirect]\nunsupported = steer\n"                                                 \
	"[gateway]\naddress = 198.18.0.11\nmax_tunnels = 100\nsteer_label = 1\n"           \
	"[target a]\naddress = 198.18.0.21\nmax_tunnels = 100\nsteer_label = 2\n"          \
	"mac = 02:00:00:00:00:21\n"                                                         \
	"[target b]\naddress = 198.18.0.22\nmax_tunnels = 300\nsteer_label = 3\n"          \
	"[target c]\naddress = 198.18.0.23\nmax_tunnels = 300\n"

/* Steering without reports: this node's label is local, a static target's
 * MAC is configured or comes from the neighbour table (asked at most once
 * a second), a target without a label names none; the targets map carries
 * each target's label. */
static void test_steering_static(void **state)
{
	static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x21 }, mac_b[6] = { 0x02, 0, 0, 0, 0, 0x22 };
	struct env *e = make(STEER_CONF, NULL);
	unsigned asks;

	(void)state;
	cluster_refill(e->c);
	assert_int_equal(e->f.labels[1].state, IKELB_STEER_LOCAL);
	assert_int_equal(e->f.labels[1].target, (uint32_t)entry(e, "gw1")->idx);
	assert_int_equal(e->f.labels[2].state, IKELB_STEER_TX);
	assert_memory_equal(e->f.labels[2].mac, mac_a, 6);
	assert_int_equal(e->f.labels[3].state, IKELB_STEER_NO_MAC);
	assert_string_equal(entry(e, "b")->steer_why, "MAC not known");
	assert_int_equal(entry(e, "c")->steer, IKELB_STEER_NONE);
	assert_string_equal(entry(e, "c")->steer_why, "no steer_label");
	for (unsigned l = 4; l < IKELB_STEER_LABELS; l++)
		assert_int_equal(e->f.labels[l].state, IKELB_STEER_NONE);
	assert_int_equal(e->f.targets[entry(e, "gw1")->idx].steer_label, 1);
	assert_int_equal(e->f.targets[entry(e, "a")->idx].steer_label, 2);
	assert_int_equal(e->f.targets[entry(e, "c")->idx].steer_label, 0);
	/* the kernel learns b's MAC: taken at the next lookup, not before */
	asks = e->f.neigh_asks;
	fake_dataplane_put_neigh(&e->f, "198.18.0.22", mac_b);
	loop_advance(e->l, 5 * CLUSTER_REFILL_MS);
	assert_int_equal(e->f.neigh_asks, asks);
	assert_int_equal(e->f.labels[3].state, IKELB_STEER_NO_MAC);
	loop_advance(e->l, 1000);
	assert_int_equal(e->f.neigh_asks, asks + 1);
	assert_int_equal(e->f.labels[3].state, IKELB_STEER_TX);
	assert_memory_equal(e->f.labels[3].mac, mac_b, 6);
	assert_true(entry(e, "b")->has_mac);
	assert_string_equal(entry(e, "b")->steer_why, "");
	/* unchanged labels are not written again */
	asks = e->f.label_writes;
	cluster_refill(e->c);
	assert_int_equal(e->f.label_writes, asks);
	done(e);
}

/* Members report their labels and MACs; a dead member's label says so. */
static void test_steering_members(void **state)
{
	static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x12 };
	struct cluster_key k = { .len = 32 };
	struct members_params mp = { .cluster = "lab", .key = &k, .self_id = "gw1",
				     .dead_after_ms = 3000 };
	struct members *m = members_new(&mp);
	struct env *e = make(STEER_CONF, m);
	struct load_report r1 = report("gw1", 1, "198.18.0.11"), r2 = report("gw2", 1, "198.18.0.12");
	uint8_t msg[REPORT_MAX];
	int len;

	(void)state;
	r1.steer_label = 1;
	r1.mac[0] = 0x02, r1.mac[5] = 0x11;
	r2.steer_label = 4;
	memcpy(r2.mac, mac2, 6);
	members_update_self(m, &r1, loop_now(e->l));
	len = report_encode(&r2, &k, msg, sizeof(msg));
	assert_int_equal(members_handle_datagram(m, msg, (size_t)len, loop_now(e->l), 0),
			 MEMBERS_ACCEPTED);
	cluster_refill(e->c);
	assert_int_equal(e->f.labels[1].state, IKELB_STEER_LOCAL);
	assert_int_equal(e->f.labels[4].state, IKELB_STEER_TX);
	assert_memory_equal(e->f.labels[4].mac, mac2, 6);
	assert_int_equal(e->f.labels[4].target, (uint32_t)entry(e, "gw2")->idx);
	assert_int_equal(e->f.targets[entry(e, "gw2")->idx].steer_label, 4);
	/* gw2 falls silent: its label's packets are dropped, not sent on */
	for (int i = 0; i < 4; i++) {
		loop_advance(e->l, 1000);
		r1.seq++;
		members_update_self(m, &r1, loop_now(e->l));
	}
	assert_int_equal(entry(e, "gw2")->state, POOL_DEAD);
	assert_int_equal(e->f.labels[4].state, IKELB_STEER_DEAD);
	assert_int_equal(entry(e, "gw2")->steer, IKELB_STEER_DEAD);
	e->m = m;
	done(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_tables_written),
		cmocka_unit_test(test_periodic_refill),
		cmocka_unit_test(test_draining_and_unhealthy_self),
		cmocka_unit_test(test_auth_redirects_and_pick),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_steering_static),
		cmocka_unit_test(test_steering_members),
	};

	log_set_level(LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
