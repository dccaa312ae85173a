// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The RFC 5798 section 6.4 state machine with a fake clock.  Expected
 * timer values are computed by hand from the RFC formulas in centiseconds
 * (integer division), then * 10 for milliseconds.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_proto.h"

#define T0 1000000u /* an arbitrary monotonic start, ms */

static struct ip_addr ip4(const char *s)
{
	struct ip_addr a = { .family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, s, &a.v4), 1);
	return a;
}

static struct ip_addr ip6(const char *s)
{
	struct ip_addr a = { .family = AF_INET6 };

	assert_int_equal(inet_pton(AF_INET6, s, &a.v6), 1);
	return a;
}

static void make(struct vrrp_fsm *f, uint8_t prio, uint16_t interval_cs, bool preempt,
		 const char *primary)
{
	struct vrrp_fsm_config c = {
		.priority = prio,
		.interval_cs = interval_cs,
		.preempt = preempt,
		.primary = strchr(primary, ':') ? ip6(primary) : ip4(primary),
	};

	vrrp_fsm_init(f, &c, T0);
}

static struct vrrp_fsm_advert adv(uint8_t prio, uint16_t interval_cs, const char *from)
{
	struct vrrp_fsm_advert a = {
		.priority = prio,
		.interval_cs = interval_cs,
		.from = strchr(from, ':') ? ip6(from) : ip4(from),
	};
	return a;
}

static void assert_nothing(const struct vrrp_action *a)
{
	assert_false(a->send);
	assert_false(a->transition);
}

/* A backup (priority prio, interval 100 cs, preempt on) started at T0. */
static void backup(struct vrrp_fsm *f, uint8_t prio, bool preempt)
{
	struct vrrp_action a;

	make(f, prio, 100, preempt, "198.18.0.1");
	vrrp_fsm_startup(f, T0, &a);
	assert_int_equal(f->state, VRRP_STATE_BACKUP);
}

/* A node that became master by master-down expiry at T0 + 3600 (prio 100). */
static uint64_t master(struct vrrp_fsm *f, uint8_t prio, const char *primary)
{
	struct vrrp_action a;
	uint64_t t;

	make(f, prio, 100, true, primary);
	vrrp_fsm_startup(f, T0, &a);
	t = vrrp_fsm_deadline(f);
	vrrp_fsm_timer(f, t, &a);
	assert_int_equal(f->state, VRRP_STATE_MASTER);
	return t;
}

/* ---- arithmetic ------------------------------------------------------ */

static void test_skew_and_master_down(void **state)
{
	(void)state;
	/* (256-100)*100/256 = 15600/256 = 60.9 -> 60; 3*100 + 60 = 360 */
	assert_int_equal(vrrp_skew_time_cs(100, 100), 60);
	assert_int_equal(vrrp_master_down_cs(100, 100), 360);
	/* (256-200)*100/256 = 5600/256 = 21.9 -> 21; 300 + 21 */
	assert_int_equal(vrrp_skew_time_cs(200, 100), 21);
	assert_int_equal(vrrp_master_down_cs(200, 100), 321);
	/* (256-254)*100/256 = 200/256 -> 0 */
	assert_int_equal(vrrp_skew_time_cs(254, 100), 0);
	assert_int_equal(vrrp_master_down_cs(254, 100), 300);
	/* (256-1)*100/256 = 25500/256 = 99.6 -> 99 */
	assert_int_equal(vrrp_skew_time_cs(1, 100), 99);
	assert_int_equal(vrrp_master_down_cs(1, 100), 399);
	/* 100 ms adverts: (156*10)/256 = 1560/256 = 6.1 -> 6; 30 + 6 */
	assert_int_equal(vrrp_skew_time_cs(100, 10), 6);
	assert_int_equal(vrrp_master_down_cs(100, 10), 36);
	/* (106*10)/256 = 1060/256 = 4.1 -> 4; 30 + 4 */
	assert_int_equal(vrrp_master_down_cs(150, 10), 34);
	/* the 12-bit maximum: 255*4095/256 = 1044225/256 = 4079.0 -> 4079 */
	assert_int_equal(vrrp_skew_time_cs(1, 4095), 4079);
	assert_int_equal(vrrp_master_down_cs(1, 4095), 3 * 4095 + 4079);
	/* the smallest interval: (156*1)/256 -> 0; master down 3 cs */
	assert_int_equal(vrrp_master_down_cs(100, 1), 3);
}

/* ---- 6.4.1 Initialize ------------------------------------------------ */

static void test_startup_owner_goes_master(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;

	(void)state;
	make(&f, 255, 100, true, "198.18.0.1");
	assert_int_equal(f.state, VRRP_STATE_INIT);
	assert_int_equal(vrrp_fsm_deadline(&f), VRRP_NO_DEADLINE);
	vrrp_fsm_startup(&f, T0, &a);
	assert_true(a.send);
	assert_int_equal(a.send_priority, 255);
	assert_true(a.transition);
	assert_int_equal(a.from, VRRP_STATE_INIT);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_non_null(strstr(a.reason, "owner"));
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(f.since_ms, T0);
	/* Adver_Timer = Advertisement_Interval = 100 cs */
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 1000);
	assert_true(f.master_known);
	assert_int_equal(f.master_priority, 255);
	assert_int_equal(ip_addr_cmp(&f.master_addr, &f.cfg.primary), 0);
	assert_int_equal(f.stats.to_master, 1);
}

static void test_startup_backup(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;

	(void)state;
	make(&f, 100, 100, true, "198.18.0.1");
	vrrp_fsm_startup(&f, T0, &a);
	assert_false(a.send);
	assert_true(a.transition);
	assert_int_equal(a.from, VRRP_STATE_INIT);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_string_equal(a.reason, "startup");
	assert_int_equal(f.master_adver_interval_cs, 100);
	/* Master_Down_Interval = 360 cs */
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 3600);
	assert_false(f.master_known);
	assert_int_equal(f.stats.to_backup, 1);
	/* a second startup is not an event in Backup */
	vrrp_fsm_startup(&f, T0 + 5, &a);
	assert_nothing(&a);
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 3600);
}

static void test_init_ignores_everything(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert ad = adv(200, 100, "198.18.0.2");

	(void)state;
	make(&f, 100, 100, true, "198.18.0.1");
	vrrp_fsm_advert(&f, T0, &ad, &a);
	assert_nothing(&a);
	vrrp_fsm_timer(&f, T0 + 1000000, &a);
	assert_nothing(&a);
	vrrp_fsm_shutdown(&f, T0, &a);
	assert_nothing(&a);
	assert_int_equal(f.state, VRRP_STATE_INIT);
}

/* ---- 6.4.2 Backup ---------------------------------------------------- */

static void test_master_down_expiry(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_timer(&f, T0 + 3599, &a); /* early wakeup: nothing */
	assert_nothing(&a);
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	vrrp_fsm_timer(&f, T0 + 3600, &a);
	assert_true(a.send);
	assert_int_equal(a.send_priority, 100);
	assert_true(a.transition);
	assert_int_equal(a.from, VRRP_STATE_BACKUP);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_non_null(strstr(a.reason, "master down timer expired"));
	assert_int_equal(f.since_ms, T0 + 3600);
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 3600 + 1000);
}

static void test_backup_accepts_higher_and_equal(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert hi = adv(200, 100, "198.18.0.2");
	struct vrrp_fsm_advert eq = adv(100, 100, "198.18.0.0"); /* lower address */
	char buf[64];

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_advert(&f, T0 + 1000, &hi, &a);
	assert_nothing(&a);
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 1000 + 3600);
	assert_true(f.master_known);
	assert_string_equal(ip_addr_str(&f.master_addr, buf, sizeof(buf)), "198.18.0.2");
	assert_int_equal(f.master_priority, 200);
	/* "greater than or equal to the local Priority": a backup does not
	 * break ties, even against a lower address */
	vrrp_fsm_advert(&f, T0 + 2000, &eq, &a);
	assert_nothing(&a);
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 2000 + 3600);
	assert_int_equal(f.stats.adverts_accepted, 2);
	/* adverts keep coming: no takeover however long we run */
	for (uint64_t t = T0 + 3000; t < T0 + 60000; t += 1000) {
		vrrp_fsm_advert(&f, t, &hi, &a);
		assert_nothing(&a);
		vrrp_fsm_timer(&f, t + 500, &a);
		assert_nothing(&a);
	}
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
}

static void test_backup_learns_master_adver_interval(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert fast = adv(200, 50, "198.18.0.2");
	struct vrrp_fsm_advert slow = adv(200, 400, "198.18.0.2");

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_advert(&f, T0 + 100, &fast, &a);
	assert_int_equal(f.master_adver_interval_cs, 50);
	/* 3*50 + (156*50)/256 = 150 + 7800/256 (30.5 -> 30) = 180 cs */
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 100 + 1800);
	vrrp_fsm_advert(&f, T0 + 200, &slow, &a);
	/* 3*400 + (156*400)/256 = 1200 + 62400/256 (243.75 -> 243) = 1443 cs */
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 200 + 14430);
	/* our own sending interval is unchanged */
	vrrp_fsm_timer(&f, T0 + 200 + 14430, &a);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 200 + 14430 + 1000);
}

static void test_backup_preempt_on_ignores_lower(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert lo = adv(50, 100, "198.18.0.9");

	(void)state;
	backup(&f, 100, true);
	/* discarded: the master down timer keeps running from startup */
	vrrp_fsm_advert(&f, T0 + 1000, &lo, &a);
	assert_nothing(&a);
	vrrp_fsm_advert(&f, T0 + 2000, &lo, &a);
	vrrp_fsm_advert(&f, T0 + 3000, &lo, &a);
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 3600);
	assert_int_equal(f.stats.adverts_ignored, 3);
	vrrp_fsm_timer(&f, T0 + 3600, &a);
	assert_true(a.send);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_non_null(strstr(a.reason, "preempting"));
	assert_non_null(strstr(a.reason, "198.18.0.9"));
}

static void test_backup_preempt_off_accepts_lower(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert lo = adv(50, 100, "198.18.0.9");

	(void)state;
	backup(&f, 100, false);
	for (uint64_t t = T0 + 1000; t < T0 + 30000; t += 1000) {
		vrrp_fsm_advert(&f, t, &lo, &a);
		assert_nothing(&a);
		assert_int_equal(vrrp_fsm_deadline(&f), t + 3600);
		vrrp_fsm_timer(&f, t + 999, &a);
		assert_nothing(&a);
	}
	assert_int_equal(f.state, VRRP_STATE_BACKUP);
	assert_int_equal(f.master_priority, 50);
	/* and when the lower master dies, we do take over */
	vrrp_fsm_timer(&f, T0 + 29000 + 3600, &a);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
}

static void test_backup_priority_zero_skew(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert hi = adv(200, 100, "198.18.0.2");
	struct vrrp_fsm_advert bye = adv(0, 100, "198.18.0.2");

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_advert(&f, T0 + 1000, &hi, &a);
	vrrp_fsm_advert(&f, T0 + 1500, &bye, &a);
	assert_nothing(&a);
	/* Master_Down_Timer = Skew_Time = (156*100)/256 = 60 cs */
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 1500 + 600);
	assert_int_equal(f.stats.adverts_resign, 1);
	assert_int_equal(f.master_priority, 0);
	vrrp_fsm_timer(&f, T0 + 2099, &a);
	assert_nothing(&a);
	vrrp_fsm_timer(&f, T0 + 2100, &a);
	assert_true(a.send);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_non_null(strstr(a.reason, "resigned"));
}

static void test_backup_priority_zero_uses_learned_interval(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert hi = adv(200, 10, "198.18.0.2");
	struct vrrp_fsm_advert bye = adv(0, 10, "198.18.0.2");

	(void)state;
	make(&f, 150, 100, true, "198.18.0.1");
	vrrp_fsm_startup(&f, T0, &a);
	vrrp_fsm_advert(&f, T0 + 10, &hi, &a);
	/* learned 10 cs: 3*10 + (106*10)/256 (4.1 -> 4) = 34 cs */
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 10 + 340);
	vrrp_fsm_advert(&f, T0 + 20, &bye, &a);
	/* Skew_Time = 4 cs */
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 20 + 40);
}

static void test_backup_higher_priority_master_after_preempt_attempt(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert lo = adv(50, 100, "198.18.0.9");
	struct vrrp_fsm_advert hi = adv(200, 100, "198.18.0.2");

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_advert(&f, T0 + 1000, &lo, &a);
	assert_true(f.preempting);
	/* a higher master shows up: follow it, stop preempting */
	vrrp_fsm_advert(&f, T0 + 2000, &hi, &a);
	assert_false(f.preempting);
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 2000 + 3600);
	vrrp_fsm_timer(&f, T0 + 5600, &a);
	assert_non_null(strstr(a.reason, "no advert from 198.18.0.2"));
}

static void test_backup_shutdown(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_shutdown(&f, T0 + 10, &a);
	assert_false(a.send); /* only a master resigns */
	assert_true(a.transition);
	assert_int_equal(a.from, VRRP_STATE_BACKUP);
	assert_int_equal(a.to, VRRP_STATE_INIT);
	assert_string_equal(a.reason, "shutdown");
	assert_int_equal(vrrp_fsm_deadline(&f), VRRP_NO_DEADLINE);
	vrrp_fsm_timer(&f, T0 + 100000, &a);
	assert_nothing(&a);
}

/* ---- 6.4.3 Master ---------------------------------------------------- */

static void test_master_sends_every_interval(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	uint64_t t = master(&f, 100, "198.18.0.1");
	unsigned sent = 0;

	(void)state;
	for (uint64_t now = t; now < t + 10000; now += 100) {
		vrrp_fsm_timer(&f, now, &a);
		assert_false(a.transition);
		if (a.send) {
			assert_int_equal(a.send_priority, 100);
			sent++;
		}
	}
	/* at t + 1000, 2000, ..., 9000 */
	assert_int_equal(sent, 9);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
}

static void test_master_yields_to_higher_priority(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	uint64_t t = master(&f, 100, "198.18.0.1");
	struct vrrp_fsm_advert hi = adv(200, 50, "198.18.0.2");
	char buf[64];

	(void)state;
	vrrp_fsm_advert(&f, t + 300, &hi, &a);
	assert_false(a.send);
	assert_true(a.transition);
	assert_int_equal(a.from, VRRP_STATE_MASTER);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_non_null(strstr(a.reason, "higher priority advert from 198.18.0.2"));
	assert_int_equal(f.master_adver_interval_cs, 50);
	/* 3*50 + (156*50)/256 = 180 cs */
	assert_int_equal(vrrp_fsm_deadline(&f), t + 300 + 1800);
	assert_string_equal(ip_addr_str(&f.master_addr, buf, sizeof(buf)), "198.18.0.2");
	assert_int_equal(f.master_priority, 200);
	assert_int_equal(f.stats.to_backup, 2);
}

static void test_master_tie_higher_address_wins(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	uint64_t t = master(&f, 100, "198.18.0.255");
	/* 198.18.1.1 > 198.18.0.255 as a big-endian number (a little-endian
	 * compare of the raw words would say the opposite) */
	struct vrrp_fsm_advert eq_hi = adv(100, 100, "198.18.1.1");

	(void)state;
	vrrp_fsm_advert(&f, t + 10, &eq_hi, &a);
	assert_true(a.transition);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_non_null(strstr(a.reason, "198.18.1.1"));
}

static void test_master_tie_lower_address_loses(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	uint64_t t = master(&f, 100, "198.18.1.1");
	struct vrrp_fsm_advert eq_lo = adv(100, 100, "198.18.0.255");
	struct vrrp_fsm_advert self = adv(100, 100, "198.18.1.1");

	(void)state;
	vrrp_fsm_advert(&f, t + 10, &eq_lo, &a);
	assert_nothing(&a);
	vrrp_fsm_advert(&f, t + 20, &self, &a);
	assert_nothing(&a);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_deadline(&f), t + 1000);
}

static void test_master_tie_ipv6(void **state)
{
	struct vrrp_fsm f, g;
	struct vrrp_action a;
	uint64_t t = master(&f, 100, "fe80::ff");
	struct vrrp_fsm_advert hi = adv(100, 100, "fe80::1:0");
	struct vrrp_fsm_advert lo = adv(100, 100, "fe80::fe");

	(void)state;
	vrrp_fsm_advert(&f, t + 10, &lo, &a);
	assert_nothing(&a);
	vrrp_fsm_advert(&f, t + 20, &hi, &a);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	t = master(&g, 100, "fe80::1:0");
	vrrp_fsm_advert(&g, t + 10, &(struct vrrp_fsm_advert){ .priority = 100,
							      .interval_cs = 100,
							      .from = ip6("fe80::ff") },
			&a);
	assert_nothing(&a);
}

static void test_master_discards_lower_priority(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	uint64_t t = master(&f, 100, "198.18.0.1");
	struct vrrp_fsm_advert lo = adv(99, 100, "198.18.0.200");

	(void)state;
	/* RFC 5798 6.4.3: discard (keepalived would answer with an advert) */
	vrrp_fsm_advert(&f, t + 10, &lo, &a);
	assert_nothing(&a);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
	assert_int_equal(vrrp_fsm_deadline(&f), t + 1000);
	assert_int_equal(f.stats.adverts_ignored, 1);
}

static void test_master_priority_zero_reasserts(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	uint64_t t = master(&f, 100, "198.18.0.1");
	struct vrrp_fsm_advert bye = adv(0, 100, "198.18.0.2");

	(void)state;
	vrrp_fsm_advert(&f, t + 400, &bye, &a);
	assert_true(a.send);
	assert_int_equal(a.send_priority, 100);
	assert_false(a.transition);
	/* Adver_Timer reset to Advertisement_Interval */
	assert_int_equal(vrrp_fsm_deadline(&f), t + 400 + 1000);
}

static void test_master_shutdown_resigns(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	uint64_t t = master(&f, 100, "198.18.0.1");

	(void)state;
	vrrp_fsm_shutdown(&f, t + 10, &a);
	assert_true(a.send);
	assert_int_equal(a.send_priority, 0);
	assert_true(a.transition);
	assert_int_equal(a.from, VRRP_STATE_MASTER);
	assert_int_equal(a.to, VRRP_STATE_INIT);
	assert_string_equal(a.reason, "shutdown");
	assert_int_equal(f.state, VRRP_STATE_INIT);
	assert_int_equal(vrrp_fsm_deadline(&f), VRRP_NO_DEADLINE);
	assert_false(f.master_known);
	assert_int_equal(f.stats.to_init, 1);
	/* and it can start again */
	vrrp_fsm_startup(&f, t + 20, &a);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_int_equal(vrrp_fsm_deadline(&f), t + 20 + 3600);
}

static void test_owner_discards_adverts(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert other_owner = adv(255, 100, "198.18.0.200");

	(void)state;
	make(&f, 255, 100, true, "198.18.0.1");
	vrrp_fsm_startup(&f, T0, &a);
	/* RFC 5798 7.1: the address owner discards received adverts */
	vrrp_fsm_advert(&f, T0 + 10, &other_owner, &a);
	assert_nothing(&a);
	assert_int_equal(f.state, VRRP_STATE_MASTER);
}

/* Two FSMs wired back to back, each advert delivered at once. */
static void deliver(struct vrrp_fsm *to, uint64_t now, const struct vrrp_fsm *from,
		    const struct vrrp_action *a, struct vrrp_action *out)
{
	struct vrrp_fsm_advert ad = { .priority = a->send_priority,
				      .interval_cs = from->cfg.interval_cs,
				      .from = from->cfg.primary };

	vrrp_fsm_advert(to, now, &ad, out);
}

static void test_two_routers_elect_and_preempt(void **state)
{
	struct vrrp_fsm hi, lo;
	struct vrrp_action a, b;
	uint64_t now;

	(void)state;
	/* lo starts alone and becomes master after 3*100 + (156*100)/256 cs */
	make(&lo, 100, 100, true, "198.18.0.2");
	vrrp_fsm_startup(&lo, T0, &a);
	vrrp_fsm_timer(&lo, T0 + 3600, &a);
	assert_int_equal(lo.state, VRRP_STATE_MASTER);
	/* hi starts at T0 + 4000, ignores lo's adverts, preempts after its
	 * own master down interval 3*100 + (56*100)/256 = 321 cs */
	make(&hi, 200, 100, true, "198.18.0.1");
	vrrp_fsm_startup(&hi, T0 + 4000, &a);
	for (now = T0 + 4000; now <= T0 + 4000 + 3210; now += 10) {
		vrrp_fsm_timer(&lo, now, &a);
		if (a.send)
			deliver(&hi, now, &lo, &a, &b);
		vrrp_fsm_timer(&hi, now, &a);
		if (a.send) {
			assert_int_equal(now, T0 + 4000 + 3210);
			deliver(&lo, now, &hi, &a, &b);
			assert_int_equal(b.to, VRRP_STATE_BACKUP);
		}
	}
	assert_int_equal(hi.state, VRRP_STATE_MASTER);
	assert_int_equal(lo.state, VRRP_STATE_BACKUP);
	/* hi resigns: lo takes over after its skew time, 60 cs */
	vrrp_fsm_shutdown(&hi, now, &a);
	deliver(&lo, now, &hi, &a, &b);
	assert_int_equal(vrrp_fsm_deadline(&lo), now + 600);
}

/* ---- master_silent: the known master's adverts stopped -------------------- */

/* The takeover action at the backup's deadline. */
static void take_over(struct vrrp_fsm *f, struct vrrp_action *a)
{
	vrrp_fsm_timer(f, vrrp_fsm_deadline(f), a);
	assert_true(a->transition);
	assert_int_equal(a->to, VRRP_STATE_MASTER);
}

static void assert_silent_master(const struct vrrp_action *a, const char *addr)
{
	struct ip_addr want = strchr(addr, ':') ? ip6(addr) : ip4(addr);
	char buf[64];

	assert_true(a->master_silent);
	assert_int_equal(a->silent_master.family, want.family);
	if (ip_addr_cmp(&a->silent_master, &want) != 0)
		fail_msg("silent master %s, expected %s",
			 ip_addr_str(&a->silent_master, buf, sizeof(buf)), addr);
}

static void test_silent_master_flagged(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert hi = adv(200, 100, "198.18.0.2");

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_advert(&f, T0 + 1000, &hi, &a);
	assert_false(a.master_silent);
	vrrp_fsm_advert(&f, T0 + 2000, &hi, &a);
	/* no advert for Master_Down_Interval (360 cs) */
	vrrp_fsm_timer(&f, T0 + 2000 + 3599, &a);
	assert_false(a.master_silent);
	vrrp_fsm_timer(&f, T0 + 2000 + 3600, &a);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_silent_master(&a, "198.18.0.2");
	/* only the takeover says so: the next advert as master does not */
	vrrp_fsm_timer(&f, T0 + 2000 + 3600 + 1000, &a);
	assert_true(a.send);
	assert_false(a.master_silent);
}

static void test_silent_master_ipv6(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert hi = adv(200, 100, "fe80::2");

	(void)state;
	make(&f, 100, 100, true, "fe80::1");
	vrrp_fsm_startup(&f, T0, &a);
	vrrp_fsm_advert(&f, T0 + 1000, &hi, &a);
	take_over(&f, &a);
	assert_silent_master(&a, "fe80::2");
}

/* The master we know is the last one heard: another higher one took over,
 * then went silent. */
static void test_silent_master_is_the_latest(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert first = adv(150, 100, "198.18.0.2");
	struct vrrp_fsm_advert second = adv(200, 100, "198.18.0.3");

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_advert(&f, T0 + 1000, &first, &a);
	vrrp_fsm_advert(&f, T0 + 2000, &second, &a);
	take_over(&f, &a);
	assert_silent_master(&a, "198.18.0.3");
}

/* Preempt off: a lower-priority master is the master all the same; when it
 * goes silent, it is the silent one. */
static void test_silent_lower_master_preempt_off(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert lo = adv(50, 100, "198.18.0.9");

	(void)state;
	backup(&f, 100, false);
	vrrp_fsm_advert(&f, T0 + 1000, &lo, &a);
	take_over(&f, &a);
	assert_silent_master(&a, "198.18.0.9");
}

/* We were master (nobody known before: not silent), a higher master made
 * us backup, then it fell silent. */
static void test_silent_master_after_yielding(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert hi = adv(200, 100, "198.18.0.2");

	(void)state;
	make(&f, 100, 100, true, "198.18.0.1");
	vrrp_fsm_startup(&f, T0, &a);
	take_over(&f, &a);
	assert_false(a.master_silent);
	vrrp_fsm_advert(&f, T0 + 4000, &hi, &a);
	assert_int_equal(a.to, VRRP_STATE_BACKUP);
	assert_false(a.master_silent);
	take_over(&f, &a);
	assert_silent_master(&a, "198.18.0.2");
}

/* Priority 0: the master resigned; it is not silent, and its node is not
 * known to be dead. */
static void test_resigned_master_not_silent(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert hi = adv(200, 100, "198.18.0.2");
	struct vrrp_fsm_advert bye = adv(0, 100, "198.18.0.2");

	(void)state;
	backup(&f, 100, true);
	vrrp_fsm_advert(&f, T0 + 1000, &hi, &a);
	vrrp_fsm_advert(&f, T0 + 1500, &bye, &a);
	take_over(&f, &a);
	assert_int_equal(vrrp_fsm_deadline(&f), T0 + 1500 + 600 + 1000); /* after skew */
	assert_non_null(strstr(a.reason, "resigned"));
	assert_false(a.master_silent);
}

/* Preempting a lower-priority master that is still advertising. */
static void test_preempting_not_silent(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;
	struct vrrp_fsm_advert lo = adv(50, 100, "198.18.0.9");

	(void)state;
	backup(&f, 100, true);
	for (uint64_t t = T0 + 500; t < T0 + 3600; t += 1000)
		vrrp_fsm_advert(&f, t, &lo, &a);
	take_over(&f, &a);
	assert_non_null(strstr(a.reason, "preempting"));
	assert_false(a.master_silent);
}

/* Startup with no master ever heard: nobody to take for dead. */
static void test_no_master_known_not_silent(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_action a;

	(void)state;
	backup(&f, 100, true);
	take_over(&f, &a);
	assert_int_equal(f.since_ms, T0 + 3600);
	assert_false(a.master_silent);
	/* nor after a shutdown and a new start, though a master was known
	 * before the shutdown */
	vrrp_fsm_shutdown(&f, T0 + 4000, &a);
	vrrp_fsm_startup(&f, T0 + 5000, &a);
	take_over(&f, &a);
	assert_false(a.master_silent);
	/* the address owner's startup */
	make(&f, 255, 100, true, "198.18.0.1");
	vrrp_fsm_startup(&f, T0, &a);
	assert_int_equal(a.to, VRRP_STATE_MASTER);
	assert_false(a.master_silent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skew_and_master_down),
		cmocka_unit_test(test_startup_owner_goes_master),
		cmocka_unit_test(test_startup_backup),
		cmocka_unit_test(test_init_ignores_everything),
		cmocka_unit_test(test_master_down_expiry),
		cmocka_unit_test(test_backup_accepts_higher_and_equal),
		cmocka_unit_test(test_backup_learns_master_adver_interval),
		cmocka_unit_test(test_backup_preempt_on_ignores_lower),
		cmocka_unit_test(test_backup_preempt_off_accepts_lower),
		cmocka_unit_test(test_backup_priority_zero_skew),
		cmocka_unit_test(test_backup_priority_zero_uses_learned_interval),
		cmocka_unit_test(test_backup_higher_priority_master_after_preempt_attempt),
		cmocka_unit_test(test_backup_shutdown),
		cmocka_unit_test(test_master_sends_every_interval),
		cmocka_unit_test(test_master_yields_to_higher_priority),
		cmocka_unit_test(test_master_tie_higher_address_wins),
		cmocka_unit_test(test_master_tie_lower_address_loses),
		cmocka_unit_test(test_master_tie_ipv6),
		cmocka_unit_test(test_master_discards_lower_priority),
		cmocka_unit_test(test_master_priority_zero_reasserts),
		cmocka_unit_test(test_master_shutdown_resigns),
		cmocka_unit_test(test_owner_discards_adverts),
		cmocka_unit_test(test_two_routers_elect_and_preempt),
		cmocka_unit_test(test_silent_master_flagged),
		cmocka_unit_test(test_silent_master_ipv6),
		cmocka_unit_test(test_silent_master_is_the_latest),
		cmocka_unit_test(test_silent_lower_master_preempt_off),
		cmocka_unit_test(test_silent_master_after_yielding),
		cmocka_unit_test(test_resigned_master_not_silent),
		cmocka_unit_test(test_preempting_not_silent),
		cmocka_unit_test(test_no_master_known_not_silent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
