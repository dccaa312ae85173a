// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The role (dataplane/role.h) on a fake data path and a fake clock: the
 * order of the steps of a takeover and of a resignation, the repeated
 * announcements, the XDP answers auth mode turns off, the VIPs a crashed
 * run left, and vrrp = external following the interface.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/loop.h"
#include "base/rundir.h"
#include "dataplane/role.h"
#include "../lib/fake_dataplane.h"
#include "../lib/unit_env.h"

#define CONF(vrrp)                                                                         \
	"[cluster]\nname = t\ninterface = lo\nvirtual_ip = 198.18.0.1\n"                  \
	"virtual_ip6 = 2001:db8::1\nvrrp = " vrrp "\n"                                       \
	"[vrrp]\nvrid = 7\nannounce_count = 3\nannounce_interval_ms = 100\n"             \
	"[reports]\nkey_file = /nonexistent/key\n"                                       \
	"[target a]\naddress = 198.18.0.50\nmax_tunnels = 10\n"

struct changes {
	int n;
	int fam[8];
	enum vip_role r[8];
};

static void on_changed(void *ctx, int fam, enum vip_role r)
{
	struct changes *c = ctx;

	if (c->n < 8) {
		c->fam[c->n] = fam;
		c->r[c->n] = r;
	}
	c->n++;
}

struct env {
	struct loop *l;
	struct config *cfg;
	struct fake_dataplane f;
	struct changes ch;
	struct role *role;
};

static struct env *make(const char *conf)
{
	static struct env e;
	struct role_hooks h = { .ctx = &e.ch, .on_changed = on_changed };

	memset(&e, 0, sizeof(e));
	e.l = loop_new_fake(1000);
	e.cfg = unit_config(conf);
	assert_non_null(e.cfg);
	fake_dataplane_init(&e.f);
	e.role = role_new(e.l, e.cfg, &e.f.dp, &h);
	assert_non_null(e.role);
	return &e;
}

static void done(struct env *e)
{
	role_free(e->role);
	unit_config_free(e->cfg);
	loop_free(e->l);
}

static void test_takeover_order(void **state)
{
	struct env *e = make(CONF("on"));
	int attach, cfg_on, add;

	(void)state;
	/* made: the config map written, nothing answered, nothing attached */
	assert_int_equal(e->f.n_log, 1);
	assert_string_equal(e->f.log[0], "config v4 off v6 off");
	assert_int_equal(role_set(e->role, IKELB_FAM_V4, ROLE_MASTER, "test"), 0);
	attach = fake_dataplane_step(&e->f, "attach", 0);
	cfg_on = fake_dataplane_step(&e->f, "config v4 on v6 off", 0);
	add = fake_dataplane_step(&e->f, "add 198.18.0.1", 0);
	/* the program answers before the VIP arrives */
	assert_true(attach >= 0 && cfg_on > attach && add > cfg_on);
	assert_int_equal(role_vip(e->role, IKELB_FAM_V4)->role, ROLE_MASTER);
	assert_true(role_vip(e->role, IKELB_FAM_V4)->added);
	assert_string_equal(role_vip(e->role, IKELB_FAM_V4)->reason, "test");
	assert_int_equal(e->ch.n, 1);
	assert_int_equal(e->ch.fam[0], IKELB_FAM_V4);
	assert_int_equal(e->ch.r[0], ROLE_MASTER);
	/* a second call for the same role changes nothing */
	role_set(e->role, IKELB_FAM_V4, ROLE_MASTER, "again");
	assert_int_equal(e->ch.n, 1);
	assert_int_equal(role_vip(e->role, IKELB_FAM_V4)->transitions, 1);
	done(e);
}

static void test_announcements_on_the_clock(void **state)
{
	struct env *e = make(CONF("on"));

	(void)state;
	role_set(e->role, IKELB_FAM_V6, ROLE_MASTER, "test");
	assert_int_equal(e->f.announces[IKELB_FAM_V6], 0); /* from the loop, not inline */
	loop_advance(e->l, 0);
	assert_int_equal(e->f.announces[IKELB_FAM_V6], 1);
	loop_advance(e->l, 99);
	assert_int_equal(e->f.announces[IKELB_FAM_V6], 1);
	loop_advance(e->l, 1);
	assert_int_equal(e->f.announces[IKELB_FAM_V6], 2);
	loop_advance(e->l, 1000);
	assert_int_equal(e->f.announces[IKELB_FAM_V6], 3); /* announce_count */
	/* losing the VIP stops the announcements of a new takeover at once */
	role_set(e->role, IKELB_FAM_V6, ROLE_MASTER, "x");
	role_set(e->role, IKELB_FAM_V6, ROLE_BACKUP, "lost");
	role_set(e->role, IKELB_FAM_V6, ROLE_MASTER, "back");
	role_set(e->role, IKELB_FAM_V6, ROLE_BACKUP, "lost again");
	loop_advance(e->l, 1000);
	assert_int_equal(e->f.announces[IKELB_FAM_V6], 3);
	done(e);
}

static void test_resign_order_and_detach(void **state)
{
	struct env *e = make(CONF("on"));
	unsigned from;
	int cfg_off, del, detach;

	(void)state;
	role_set(e->role, IKELB_FAM_V4, ROLE_MASTER, "m");
	role_set(e->role, IKELB_FAM_V6, ROLE_MASTER, "m");
	from = e->f.n_log;
	role_set(e->role, IKELB_FAM_V4, ROLE_BACKUP, "b");
	/* one VIP still held: the program stays */
	assert_int_equal(fake_dataplane_step(&e->f, "detach", from), -1);
	assert_true(e->f.attached);
	cfg_off = fake_dataplane_step(&e->f, "config v4 off v6 on", from);
	del = fake_dataplane_step(&e->f, "del 198.18.0.1", from);
	assert_true(cfg_off >= 0 && del > cfg_off); /* stop answering, then drop the VIP */
	from = e->f.n_log;
	role_set(e->role, IKELB_FAM_V6, ROLE_BACKUP, "b");
	del = fake_dataplane_step(&e->f, "del 2001:db8::1", from);
	detach = fake_dataplane_step(&e->f, "detach", from);
	assert_true(del >= 0 && detach > del);
	assert_false(role_any_master(e->role));
	assert_int_equal(e->ch.n, 4);
	done(e);
}

static void test_xdp_answers(void **state)
{
	struct env *e = make(CONF("on"));

	(void)state;
	role_set(e->role, IKELB_FAM_V4, ROLE_MASTER, "m");
	assert_int_equal(e->f.config.vip4_active, 1);
	role_set_xdp_answers(e->role, false); /* auth mode: charon answers */
	assert_int_equal(e->f.config.vip4_active, 0);
	assert_int_equal(e->f.config.vip6_active, 0);
	role_set_xdp_answers(e->role, true);
	assert_int_equal(e->f.config.vip4_active, 1);
	done(e);
}

static void test_external_follows_interface(void **state)
{
	struct env *e = make(CONF("external"));

	(void)state;
	role_follow_interface(e->role, "start");
	assert_false(role_any_master(e->role));
	fake_dataplane_put_addr(&e->f, "2001:db8::1", true); /* keepalived added it */
	role_follow_interface(e->role, "changed");
	assert_int_equal(role_vip(e->role, IKELB_FAM_V6)->role, ROLE_MASTER);
	assert_int_equal(role_vip(e->role, IKELB_FAM_V4)->role, ROLE_BACKUP);
	/* not ours to remove */
	assert_false(role_vip(e->role, IKELB_FAM_V6)->added);
	fake_dataplane_put_addr(&e->f, "2001:db8::1", false);
	role_follow_interface(e->role, "changed");
	assert_int_equal(role_vip(e->role, IKELB_FAM_V6)->role, ROLE_BACKUP);
	assert_int_equal(fake_dataplane_step(&e->f, "del 2001:db8::1", 0), -1);
	done(e);
}

static void test_off_holds_everything(void **state)
{
	struct env *e = make(CONF("off"));

	(void)state;
	role_follow_interface(e->role, "start");
	assert_int_equal(role_vip(e->role, IKELB_FAM_V4)->role, ROLE_MASTER);
	assert_int_equal(role_vip(e->role, IKELB_FAM_V6)->role, ROLE_MASTER);
	assert_string_equal(role_vip(e->role, IKELB_FAM_V4)->reason, "vrrp = off");
	done(e);
}

static void test_stale_vips_of_a_crashed_run(void **state)
{
	struct env *e = make(CONF("on"));
	char path[128];
	FILE *f;

	(void)state;
	role_set(e->role, IKELB_FAM_V4, ROLE_MASTER, "m");
	rundir_path(path, sizeof(path), "t", "vips");
	f = fopen(path, "r");
	assert_non_null(f); /* the record of what this run added */
	fclose(f);
	/* the process dies here: a new run finds the VIP and the record */
	role_free(e->role);
	e->role = role_new(e->l, e->cfg, &e->f.dp, NULL);
	assert_non_null(e->role);
	assert_int_equal(e->f.n_on_iface, 1);
	role_clean_stale(e->role);
	assert_int_equal(e->f.n_on_iface, 0);
	assert_null(fopen(path, "r"));
	done(e);
}

/* A VIP this node adds lives vip_lifetime_ms (3 s: three 1 s adverts);
 * the role renews it every third of that while it holds it. */
static void test_vip_lifetime_renewed(void **state)
{
	struct env *e = make(CONF("on"));
	struct config *c2;

	(void)state;
	role_set(e->role, IKELB_FAM_V4, ROLE_MASTER, "m");
	assert_int_equal(e->f.lifetime_s, 3);
	assert_int_equal(e->f.refreshes, 0);
	loop_advance(e->l, 999);
	assert_int_equal(e->f.refreshes, 0);
	loop_advance(e->l, 1);
	assert_int_equal(e->f.refreshes, 1);
	loop_advance(e->l, 3000);
	assert_int_equal(e->f.refreshes, 4);
	assert_int_equal(e->f.lifetime_s, 3);
	/* a reload to no lifetime: forever at once, no more renewals */
	c2 = unit_config("[cluster]\nname = t\ninterface = lo\nvirtual_ip = 198.18.0.1\n"
			 "virtual_ip6 = 2001:db8::1\nvrrp = on\n"
			 "[vrrp]\nvrid = 7\nvip_lifetime_ms = 0\n"
			 "[reports]\nkey_file = /nonexistent/key\n"
			 "[target a]\naddress = 198.18.0.50\nmax_tunnels = 10\n");
	assert_non_null(c2);
	role_reload(e->role, c2);
	assert_int_equal(e->f.refreshes, 5);
	assert_int_equal(e->f.lifetime_s, 0);
	loop_advance(e->l, 10000);
	assert_int_equal(e->f.refreshes, 5);
	/* and back to 3 s: renewed again */
	role_reload(e->role, e->cfg);
	assert_int_equal(e->f.refreshes, 6);
	assert_int_equal(e->f.lifetime_s, 3);
	loop_advance(e->l, 1000);
	assert_int_equal(e->f.refreshes, 7);
	/* given up: no renewal of a VIP it does not hold */
	role_set(e->role, IKELB_FAM_V4, ROLE_BACKUP, "b");
	loop_advance(e->l, 10000);
	assert_int_equal(e->f.refreshes, 7);
	done(e);
	unit_config_free(c2);
}

/* vrrp = off: the VIP is this node's for good; no lifetime. */
static void test_no_lifetime_without_vrrp(void **state)
{
	struct env *e = make(CONF("off"));

	(void)state;
	role_follow_interface(e->role, "start");
	assert_int_equal(e->f.lifetime_s, 0);
	loop_advance(e->l, 10000);
	assert_int_equal(e->f.refreshes, 0);
	done(e);
}

static bool file_has(void *arg)
{
	FILE *f = fopen(arg, "r");
	char line[256];
	int n = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n >= 3;
}

/* The notify script runs as from a shell, whatever the daemon blocks and
 * ignores for itself; and not at all when others may write it. */
static void test_notify_signals(void **state)
{
	static const char script[] = "/run/notify.sh", out[] = "/run/notify.out";
	struct env *e;
	char text[512], line[256];
	sigset_t block, old;
	FILE *f;

	(void)state;
	f = fopen(script, "w");
	assert_non_null(f);
	/* the shell's own status, read with builtins before it forks anything
	 * (dash blocks every signal around its forks) */
	fprintf(f, "#!/bin/sh\necho \"$*\" >%s.tmp\n"
		   "while read -r k v; do case $k in SigBlk:|SigIgn:) echo \"$k $v\";; esac\n"
		   "done </proc/$$/status >>%s.tmp\nmv %s.tmp %s\n",
		out, out, out, out);
	fclose(f);
	assert_int_equal(chmod(script, 0755), 0);
	snprintf(text, sizeof(text), "%s", CONF("on"));
	*strstr(text, "[reports]") = 0;
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 "notify = %s\n[reports]\nkey_file = /nonexistent/key\n"
		 "[target a]\naddress = 198.18.0.50\nmax_tunnels = 10\n", script);
	/* what the daemon does to itself (daemon.c, setup_signals) */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	e = make(text);
	role_set(e->role, IKELB_FAM_V4, ROLE_MASTER, "m");
	assert_true(unit_pump_until(e->l, file_has, (void *)out, 3000));
	f = fopen(out, "r");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "MASTER IPv4 198.18.0.1\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "SigBlk: 0000000000000000\n");
	assert_non_null(fgets(line, sizeof(line), f));
	assert_string_equal(line, "SigIgn: 0000000000000000\n");
	fclose(f);
	unlink(out);
	/* group-writable since the config was read: not run */
	assert_int_equal(chmod(script, 0775), 0);
	role_set(e->role, IKELB_FAM_V4, ROLE_BACKUP, "b");
	assert_false(unit_pump_until(e->l, file_has, (void *)out, 300));
	done(e);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	unlink(script);
}

#define STEER_CONF(vrrp, unsupported)                                                     \
	"[cluster]\nname = t\ninterface = lo\nvirtual_ip = 198.18.0.1\n"                  \
	"virtual_ip6 = 2001:db8::1\nvrrp = " vrrp "\n"                                       \
	"[vrrp]\nvrid = 7\n[reports]\nkey_file = /nonexistent/key\n"                       \
	"[redirect]\nunsupported = " unsupported "\n"                                        \
	"[target a]\naddress = 198.18.0.50\nmax_tunnels = 10\n"

static bool record_has(const char *line)
{
	char path[128], buf[128];
	bool found = false;
	FILE *f;

	rundir_path(path, sizeof(path), "t", "vips");
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		found |= !strncmp(buf, line, strlen(line)) && buf[strlen(line)] == '\n';
	fclose(f);
	return found;
}

/*
 * Steering: a backup holds each VIP on lo; a takeover puts it on the
 * interface before it leaves lo, a resignation on lo before it leaves the
 * interface (never missing); both kinds are recorded; stopping takes them
 * all away, and none goes to lo any more.
 */
static void test_steering_holds_on_lo(void **state)
{
	struct env *e = make(STEER_CONF("on", "steer"));
	int add, lo_del, lo_add, del;

	(void)state;
	role_hold_backups(e->role);
	assert_true(fake_dataplane_on_lo(&e->f, "198.18.0.1"));
	assert_true(fake_dataplane_on_lo(&e->f, "2001:db8::1"));
	assert_true(role_vip(e->role, IKELB_FAM_V4)->on_lo);
	assert_int_equal(e->f.n_on_iface, 0);
	assert_true(record_has("198.18.0.1 lo"));
	assert_true(record_has("2001:db8::1 lo"));
	assert_int_equal(e->f.announces[IKELB_FAM_V4], 0);

	role_set(e->role, IKELB_FAM_V4, ROLE_MASTER, "m");
	add = fake_dataplane_step(&e->f, "add 198.18.0.1", 0);
	lo_del = fake_dataplane_step(&e->f, "lo del 198.18.0.1", 0);
	assert_true(add >= 0 && lo_del > add);
	assert_false(fake_dataplane_on_lo(&e->f, "198.18.0.1"));
	assert_true(fake_dataplane_on_lo(&e->f, "2001:db8::1")); /* still backup there */
	assert_true(record_has("198.18.0.1"));
	assert_false(record_has("198.18.0.1 lo"));

	role_set(e->role, IKELB_FAM_V4, ROLE_BACKUP, "b");
	lo_add = fake_dataplane_step(&e->f, "lo add 198.18.0.1", (unsigned)lo_del);
	del = fake_dataplane_step(&e->f, "del 198.18.0.1", (unsigned)lo_del);
	assert_true(lo_add > lo_del && del > lo_add);
	assert_true(fake_dataplane_on_lo(&e->f, "198.18.0.1"));
	assert_int_equal(e->f.n_on_iface, 0);

	/* a master stops: nothing stays on lo, and resigning adds none */
	role_set(e->role, IKELB_FAM_V6, ROLE_MASTER, "m");
	role_stopping(e->role);
	role_set(e->role, IKELB_FAM_V6, ROLE_BACKUP, "stopping");
	assert_int_equal(e->f.n_on_lo, 0);
	assert_int_equal(e->f.n_on_iface, 0);
	assert_false(record_has("198.18.0.1 lo"));
	done(e);
}

/* Without steering nothing goes to lo; a reload turns it on and off; a
 * VIP someone else put on lo stays theirs. */
static void test_steering_reload_and_foreign(void **state)
{
	struct env *e = make(STEER_CONF("on", "pass"));
	struct config *steer = unit_config(STEER_CONF("on", "steer"));
	struct config *pass = unit_config(STEER_CONF("on", "pass"));
	struct ip_addr v6 = { .family = AF_INET6 };

	(void)state;
	role_hold_backups(e->role);
	assert_int_equal(e->f.n_on_lo, 0);
	inet_pton(AF_INET6, "2001:db8::1", &v6.v6);
	e->f.on_lo[e->f.n_on_lo++] = v6; /* by hand */
	role_reload(e->role, steer);
	assert_true(fake_dataplane_on_lo(&e->f, "198.18.0.1"));
	assert_false(role_vip(e->role, IKELB_FAM_V6)->on_lo);
	role_reload(e->role, pass);
	assert_false(fake_dataplane_on_lo(&e->f, "198.18.0.1"));
	assert_true(fake_dataplane_on_lo(&e->f, "2001:db8::1"));
	role_reload(e->role, e->cfg);
	unit_config_free(steer);
	unit_config_free(pass);
	done(e);
}

/* A crashed run's VIPs on lo go at the next start, whatever the record's
 * interface says. */
static void test_steering_stale_lo(void **state)
{
	struct env *e = make(STEER_CONF("on", "steer"));

	(void)state;
	role_hold_backups(e->role);
	assert_int_equal(e->f.n_on_lo, 2);
	role_free(e->role);
	e->role = role_new(e->l, e->cfg, &e->f.dp, NULL);
	assert_non_null(e->role);
	role_clean_stale(e->role);
	assert_int_equal(e->f.n_on_lo, 0);
	assert_false(record_has("198.18.0.1 lo"));
	done(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_takeover_order),
		cmocka_unit_test(test_announcements_on_the_clock),
		cmocka_unit_test(test_resign_order_and_detach),
		cmocka_unit_test(test_xdp_answers),
		cmocka_unit_test(test_external_follows_interface),
		cmocka_unit_test(test_off_holds_everything),
		cmocka_unit_test(test_stale_vips_of_a_crashed_run),
		cmocka_unit_test(test_vip_lifetime_renewed),
		cmocka_unit_test(test_no_lifetime_without_vrrp),
		cmocka_unit_test(test_notify_signals),
		cmocka_unit_test(test_steering_holds_on_lo),
		cmocka_unit_test(test_steering_reload_and_foreign),
		cmocka_unit_test(test_steering_stale_lo),
	};

	if (unit_private_namespaces())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
