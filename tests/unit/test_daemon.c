// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The daemon's wiring (daemon/daemon.h) on a fake data path and a fake
 * clock: the start (the program before the VIPs), the control requests
 * and the status view, drain, reloads taken and refused, the stop that
 * gives everything back; and with vrrp = on, an election won on the clock
 * reaching the role through the hooks.  /metrics (daemon_metrics) says
 * what `status --json` says.
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
#include <unistd.h>

#include <json-c/json.h>

#include "base/loop.h"
#include "daemon/daemon.h"
#include "../lib/fake_dataplane.h"
#include "../lib/unit_env.h"

#define CONF_PATH "/run/daemon-test.conf"
#define STATE_DIR "/run/state" /* on the test's own /run */
#define DRAIN_FILE STATE_DIR "/lab.drain"

static char key_path[64];

static void write_conf(const char *ports, const char *name, const char *vrrp)
{
	FILE *f = fopen(CONF_PATH, "w");

	assert_non_null(f);
	fprintf(f, "[cluster]\nname = %s\ninterface = lo\nvirtual_ip = 198.18.0.1\n"
		   "virtual_ip6 = 2001:db8::1\nvrrp = %s\nnode_id = gw1\n"
		   "state_dir = " STATE_DIR "\n"
		   "[vrrp]\nvrid = 9\nadvert_interval_ms = 100\nvrrp_peers = 198.18.0.20\n"
		   "[redirect]\nports = %s\n"
		   "[reports]\nkey_file = %s\n" "peers = 198.18.0.20\n"
		   "[gateway]\naddress = 198.18.0.11\nmax_tunnels = 100\ntunnels = static:5\n"
		   "[target a]\naddress = 198.18.0.21\nmax_tunnels = 100\n",
		name, vrrp, ports, key_path);
	fclose(f);
}

struct env {
	struct loop *l;
	struct fake_dataplane f;
	struct daemon *d;
};

static struct env *start(const char *vrrp)
{
	static struct env e;
	struct cfg_errors errs = {};
	struct config *c = malloc(sizeof(*c));

	memset(&e, 0, sizeof(e));
	write_conf("500 4500", "lab", vrrp);
	assert_int_equal(config_load(CONF_PATH, c, &errs), 0);
	e.l = loop_new_fake(5000);
	fake_dataplane_init(&e.f);
	e.d = daemon_new(e.l, CONF_PATH, c, &e.f.dp, NULL);
	assert_non_null(e.d);
	assert_int_equal(daemon_start(e.d), 0);
	return &e;
}

static void stop(struct env *e)
{
	daemon_free(e->d);
	loop_free(e->l);
}

/* The reply to a control request; *rc its result. */
static char *request(struct env *e, const char *req, int *rc)
{
	static char *body;
	size_t len = 0;
	FILE *out;

	free(body);
	body = NULL;
	out = open_memstream(&body, &len);
	*rc = daemon_request(e->d, req, out);
	fclose(out);
	return body;
}

/* Serves the loop until `status` shows text (what the reader thread
 * brings in takes real time); false after 2 s. */
static bool status_shows(struct env *e, const char *text)
{
	int rc;

	for (int i = 0; i < 200; i++) {
		if (strstr(request(e, "status", &rc), text))
			return true;
		loop_run_once(e->l, 10);
	}
	return false;
}

static json_object *status_json(struct env *e)
{
	int rc;
	json_object *o = json_tokener_parse(request(e, "status json", &rc));

	assert_int_equal(rc, 0);
	assert_non_null(o);
	return o;
}

static const char *jpath(json_object *o, const char *a, int i, const char *b)
{
	json_object *x;

	assert_true(json_object_object_get_ex(o, a, &x));
	if (i >= 0)
		x = json_object_array_get_idx(x, (size_t)i);
	if (b)
		assert_true(json_object_object_get_ex(x, b, &x));
	return json_object_get_string(x);
}

static void test_start_status_stop(void **state)
{
	struct env *e = start("off");
	int attach = fake_dataplane_step(&e->f, "attach", 0), rc;
	json_object *o;
	unsigned from;

	(void)state;
	/* vrrp = off: the program first, then both VIPs */
	assert_true(attach >= 0);
	assert_true(fake_dataplane_step(&e->f, "add 198.18.0.1", 0) > attach);
	assert_true(fake_dataplane_step(&e->f, "add 2001:db8::1", 0) > attach);
	o = status_json(e);
	assert_string_equal(jpath(o, "vips", 0, "role"), "master");
	assert_string_equal(jpath(o, "vips", 1, "role"), "master");
	assert_string_equal(jpath(o, "vrrp", -1, NULL), "off");
	json_object_put(o);
	/* this node's own report (from the loop) puts it in the table */
	loop_advance(e->l, 0);
	assert_true(status_shows(e, "gw1 "));
	o = status_json(e);
	assert_string_equal(jpath(o, "targets", 0, "name"), "gw1");
	assert_string_equal(jpath(o, "targets", 0, "tunnels"), "5");
	assert_string_equal(jpath(o, "targets", 1, "name"), "a");
	json_object_put(o);
	assert_non_null(strstr(request(e, "status", &rc), "VIP 198.18.0.1"));
	assert_int_equal(rc, 0);
	assert_non_null(strstr(request(e, "nonsense", &rc), "unknown request"));
	assert_int_equal(rc, -1);
	/* stopping gives the VIPs back, then the program */
	from = e->f.n_log;
	daemon_free(e->d);
	assert_true(fake_dataplane_step(&e->f, "del 198.18.0.1", from) >= 0);
	assert_true(fake_dataplane_step(&e->f, "detach", from) >
		    fake_dataplane_step(&e->f, "del 2001:db8::1", from));
	loop_free(e->l);
}

static void test_drain(void **state)
{
	struct env *e = start("off");
	json_object *o;
	int rc;

	(void)state;
	assert_string_equal(request(e, "drain", &rc), "drain off\n");
	assert_string_equal(request(e, "drain on", &rc), "drain on\n");
	assert_int_equal(rc, 0);
	o = status_json(e);
	assert_true(json_object_get_boolean(json_object_object_get(o, "draining")));
	json_object_put(o);
	/* this node's own entry, from its own report: draining */
	assert_true(status_shows(e, "draining"));
	o = status_json(e);
	assert_string_equal(jpath(o, "targets", 0, "name"), "gw1");
	assert_string_equal(jpath(o, "targets", 0, "state"), "draining");
	json_object_put(o);
	assert_string_equal(request(e, "drain off", &rc), "drain off\n");
	/* moving the clients needs a VICI tunnels source (here static:5):
	 * refused with the reason, and the drain stays as it was */
	assert_string_equal(request(e, "drain on migrate", &rc),
			    "cannot move clients: needs [gateway] tunnels = vici:PATH\n");
	assert_int_equal(rc, -1);
	assert_string_equal(request(e, "drain", &rc), "drain off\n");
	request(e, "drain on migrate 0", &rc);
	assert_int_equal(rc, -1);
	request(e, "drain on migrate 101", &rc);
	assert_int_equal(rc, -1);
	request(e, "drain on migrate 5x", &rc);
	assert_int_equal(rc, -1);
	request(e, "drain on migratex", &rc);
	assert_int_equal(rc, -1);
	o = status_json(e);
	assert_string_equal(jpath(o, "migration", -1, "available"), "false");
	assert_string_equal(jpath(o, "migration", -1, "mode"), "off");
	json_object_put(o);
	assert_true(status_shows(e, "migration: not available"));
	stop(e);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Drain outlives the daemon: a restart (after a crash too) stays drained. */
static void test_drain_survives_a_restart(void **state)
{
	struct env *e = start("off");
	json_object *o, *d;
	int rc;

	(void)state;
	assert_false(exists(DRAIN_FILE));
	assert_string_equal(request(e, "drain on", &rc), "drain on\n");
	assert_true(exists(DRAIN_FILE));
	stop(e); /* or killed: the file is all there is */
	e = start("off");
	assert_string_equal(request(e, "drain", &rc), "drain on\n");
	o = status_json(e);
	assert_true(json_object_get_boolean(json_object_object_get(o, "draining")));
	assert_true(json_object_object_get_ex(o, "drain", &d));
	assert_string_equal(jpath(d, "reason", -1, NULL), "ikelb-load drain on");
	assert_string_equal(jpath(d, "state_file", -1, NULL), DRAIN_FILE);
	assert_true(json_object_get_boolean(json_object_object_get(d, "saved")));
	assert_non_null(json_object_object_get(d, "since"));
	json_object_put(o);
	/* its first own report already says draining */
	assert_true(status_shows(e, "draining"));
	assert_string_equal(request(e, "drain off", &rc), "drain off\n");
	assert_false(exists(DRAIN_FILE));
	stop(e);
	e = start("off");
	assert_string_equal(request(e, "drain", &rc), "drain off\n");
	/* a state that cannot be saved: applied, but the caller hears it */
	assert_int_equal(rename(STATE_DIR, STATE_DIR ".x"), 0);
	assert_int_equal(symlink("/proc/nonexistent", STATE_DIR), 0);
	assert_non_null(strstr(request(e, "drain on", &rc), "drain on in memory only: cannot"));
	assert_int_equal(rc, -1);
	assert_true(status_shows(e, "NOT SAVED"));
	o = status_json(e);
	assert_true(json_object_get_boolean(json_object_object_get(o, "draining")));
	json_object_put(o);
	unlink(STATE_DIR);
	assert_int_equal(rename(STATE_DIR ".x", STATE_DIR), 0);
	/* the next request saves it */
	assert_string_equal(request(e, "drain on", &rc), "drain on\n");
	assert_true(exists(DRAIN_FILE));
	assert_string_equal(request(e, "drain off", &rc), "drain off\n");
	stop(e);
}

/* A key rotated in place is read again on SIGHUP (the path is the same);
 * a broken key file refuses the reload and keeps the running key. */
static void test_reload_reads_the_key_again(void **state)
{
	struct env *e = start("off");
	json_object *o;
	FILE *f;

	(void)state;
	f = fopen(key_path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", "not a key");
	fclose(f);
	daemon_reload(e->d);
	o = status_json(e);
	assert_string_equal(jpath(o, "reload_failures", -1, NULL), "1");
	json_object_put(o);
	assert_int_equal(unit_key_file_at(key_path, 0x77), 0);
	daemon_reload(e->d);
	o = status_json(e);
	assert_string_equal(jpath(o, "reloads", -1, NULL), "1");
	json_object_put(o);
	stop(e);
	assert_int_equal(unit_key_file_at(key_path, 0x5a), 0);
}

static void test_reloads(void **state)
{
	struct env *e = start("off");
	json_object *o;

	(void)state;
	assert_int_equal(e->f.config.ports[0], htons(500));
	/* a port: taken in place */
	write_conf("600", "lab", "off");
	daemon_reload(e->d);
	assert_int_equal(e->f.config.ports[0], htons(600));
	/* a broken file: refused */
	unlink(CONF_PATH);
	daemon_reload(e->d);
	/* the cluster name: needs a restart, refused */
	write_conf("700", "other", "off");
	daemon_reload(e->d);
	assert_int_equal(e->f.config.ports[0], htons(600));
	o = status_json(e);
	assert_string_equal(jpath(o, "reloads", -1, NULL), "1");
	assert_string_equal(jpath(o, "reload_failures", -1, NULL), "2");
	assert_string_equal(jpath(o, "cluster", -1, NULL), "lab");
	json_object_put(o);
	stop(e);
}

/* Limits, tags and cookies from the config reach the program's config
 * map; auto switches the map's cookie mode on the program's counters;
 * `status` shows them, with the sources limited most often. */
static void test_defence(void **state)
{
	struct env *e = start("off");
	struct ikelb_source_key keys[2] = {
		{ .prefix = { 198, 19, 0, 1 }, .family = IKELB_FAM_V4 },
		{ .prefix = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x42 }, .family = IKELB_FAM_V6 },
	};
	struct ikelb_source_state vals[2] = { { .limited = 7 }, { .limited = 900 } };
	json_object *o;
	char *text;
	int rc;

	(void)state;
	/* the defaults */
	assert_int_equal(e->f.config.rate_per_source, 5000);
	assert_int_equal(e->f.config.burst_per_source, 20000);
	assert_int_equal(e->f.config.rate_total, 0);
	assert_int_equal(e->f.config.answer_tagged, 0);
	assert_int_equal(e->f.config.cookie_mode, IKELB_COOKIES_OFF);
	assert_int_equal(e->f.secrets[1].version, 1);
	assert_int_equal(e->f.secrets[1].valid, 1);
	/* a flood: auto turns cookies on in the map within a sample */
	e->f.source_keys = keys;
	e->f.source_vals = vals;
	e->f.n_sources = 2;
	for (int i = 0; i < 5; i++) {
		e->f.counters[IKELB_CNT_REQUESTS] += 10000;
		e->f.counters[IKELB_CNT_DROP_RATE_SOURCE] += 900;
		loop_advance(e->l, 100);
	}
	assert_int_equal(e->f.config.cookie_mode, IKELB_COOKIES_ON);
	o = status_json(e);
	assert_string_equal(jpath(o, "cookies", -1, "setting"), "auto");
	assert_string_equal(jpath(o, "cookies", -1, "state"), "on");
	assert_string_equal(jpath(o, "cookies", -1, "switches"), "1");
	assert_string_equal(jpath(o, "cookies", -1, "new_requests_per_s"), "100000");
	assert_string_equal(jpath(o, "cookies", -1, "secret_version"), "1");
	assert_string_equal(jpath(o, "limits", -1, "rate_per_source"), "5000");
	assert_string_equal(jpath(o, "limits", -1, "burst_total"), "1");
	assert_string_equal(jpath(o, "limits", -1, "sources_seen"), "2");
	json_object *lim, *src;

	assert_true(json_object_object_get_ex(o, "limits", &lim));
	src = json_object_array_get_idx(json_object_object_get(lim, "limited_sources"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(src, "source")),
			    "2001:db8:0:42::/64");
	assert_int_equal(json_object_get_int(json_object_object_get(src, "prefix_len")), 64);
	assert_int_equal(json_object_get_int(json_object_object_get(src, "limited")), 900);
	src = json_object_array_get_idx(json_object_object_get(lim, "limited_sources"), 1);
	assert_string_equal(json_object_get_string(json_object_object_get(src, "source")),
			    "198.19.0.1");
	json_object_put(o);
	text = request(e, "status", &rc);
	assert_non_null(strstr(text, "Cookies: auto: on since"));
	assert_non_null(strstr(text, "Answer limits: per source 5000/s, burst 20000; node none"));
	assert_non_null(strstr(text, "2001:db8:0:42::/64"));
	/* quiet again: off 10 s after the last sample above half the
	 * threshold (the window empties 900 ms after the flood) */
	loop_advance(e->l, 10800);
	assert_int_equal(e->f.config.cookie_mode, IKELB_COOKIES_ON);
	loop_advance(e->l, 100);
	assert_int_equal(e->f.config.cookie_mode, IKELB_COOKIES_OFF);
	/* a reload: new limits, tags answered, cookies on, in place */
	write_conf("500 4500\nrate_per_source = 10\nburst_per_source = 30\nrate_total = 1000\n"
		   "answer_tagged = yes\ncookies = on",
		   "lab", "off");
	daemon_reload(e->d);
	assert_int_equal(e->f.config.rate_per_source, 10);
	assert_int_equal(e->f.config.burst_per_source, 30);
	assert_int_equal(e->f.config.rate_total, 1000);
	assert_int_equal(e->f.config.burst_total, 1000);
	assert_int_equal(e->f.config.answer_tagged, 1);
	assert_int_equal(e->f.config.cookie_mode, IKELB_COOKIES_ON);
	stop(e);
}

/* The value of the sample line that starts with head ("name{labels} "). */
static long long metric(const char *text, const char *head)
{
	char line[256];
	const char *p;

	snprintf(line, sizeof(line), "\n%s ", head);
	p = strstr(text, line);
	if (!p) {
		print_message("# no line %s\n", head);
		fail();
	}
	return atoll(p + strlen(line));
}

static void test_metrics_match_status(void **state)
{
	struct env *e = start("off");
	char *m = NULL, head[128];
	size_t len = 0, n;
	json_object *o, *targets;
	FILE *out;

	(void)state;
	loop_advance(e->l, 0);
	assert_true(status_shows(e, "gw1 "));
	/* XDP "sent" 3 + 4 clients to target index 1, 2 to index 0 */
	e->f.redirects[1 * FAKE_DP_CPUS + 0] = 3;
	e->f.redirects[1 * FAKE_DP_CPUS + 1] = 4;
	e->f.redirects[0 * FAKE_DP_CPUS + 1] = 2;
	loop_advance(e->l, 200); /* refills read them */
	o = status_json(e);
	out = open_memstream(&m, &len);
	assert_int_equal(daemon_metrics(e->d, out), 0);
	fclose(out);
	assert_true(json_object_object_get_ex(o, "targets", &targets));
	n = json_object_array_length(targets);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(targets, i);
		const char *name = json_object_get_string(json_object_object_get(t, "name"));
		long long want = json_object_get_int64(json_object_object_get(t, "redirects"));

		snprintf(head, sizeof(head), "ikelb_redirects_total{target=\"%s\"}", name);
		assert_int_equal(metric(m, head), want);
		/* and that is what XDP "sent" to its index */
		assert_int_equal(want, json_object_get_int(json_object_object_get(t, "index")) ? 7 : 2);
		snprintf(head, sizeof(head), "ikelb_target_max_tunnels{target=\"%s\"}", name);
		assert_int_equal(metric(m, head), 100);
	}
	assert_int_equal(metric(m, "ikelb_target_tunnels{target=\"gw1\"}"), 5);
	assert_null(strstr(m, "ikelb_target_tunnels{target=\"a\"}")); /* static: unknown */
	assert_int_equal(metric(m, "ikelb_role{family=\"ipv4\",role=\"master\"}"), 1);
	assert_int_equal(metric(m, "ikelb_role{family=\"ipv6\",role=\"backup\"}"), 0);
	assert_int_equal(metric(m, "ikelb_draining"), 0);
	assert_int_equal(metric(m, "ikelb_build_info{version=\"" IKELB_VERSION "\"}"), 1);
	assert_int_equal(metric(m, "process_start_time_seconds"),
			 json_object_get_int64(json_object_object_get(o, "started")));
	assert_int_equal(metric(m, "ikelb_reports_sent_total"),
			 json_object_get_int64(json_object_object_get(
				 json_object_object_get(o, "reports"), "sent")));
	/* no auth mode, no VRRP: their families are left out */
	assert_null(strstr(m, "ikelb_auth_"));
	assert_null(strstr(m, "ikelb_vrrp_adverts"));
	json_object_put(o);
	free(m);
	stop(e);
}

static void test_vrrp_wins_on_the_clock(void **state)
{
	struct env *e = start("on");
	json_object *o;

	(void)state;
	assert_int_equal(fake_dataplane_step(&e->f, "attach", 0), -1); /* backup */
	/* priority 100, 10 cs: master after 36 cs, election -> role via hooks */
	loop_advance(e->l, 360);
	assert_true(fake_dataplane_step(&e->f, "attach", 0) >= 0);
	assert_true(fake_dataplane_step(&e->f, "add 198.18.0.1", 0) >= 0);
	o = status_json(e);
	assert_string_equal(jpath(o, "vips", 0, "role"), "master");
	assert_string_equal(jpath(o, "vrrp_speakers", 0, "state"), "MASTER");
	json_object_put(o);
	stop(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_status_stop),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_drain_survives_a_restart),
		cmocka_unit_test(test_reload_reads_the_key_again),
		cmocka_unit_test(test_reloads),
		cmocka_unit_test(test_defence),
		cmocka_unit_test(test_vrrp_wins_on_the_clock),
		cmocka_unit_test(test_metrics_match_status),
	};
	int rc;

	if (unit_private_namespaces() || unit_key_file(key_path, 0x5a))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(key_path);
	return rc;
}
