// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Load reports (cluster/reports.h) on the fake clock, with the real tunnel
 * reader thread and report socket in a private network namespace: a
 * report per interval carrying a fresh reading, draining reported at
 * once, another node's report taken in and its death on a silent master,
 * and a tunnels source that hangs: the report goes without it, and
 * letting the reports go never waits for the stuck reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/loop.h"
#include "cluster/members.h"
#include "cluster/reports.h"
#include "cluster/report_codec.h"
#include "dataplane/addr.h"
#include "../lib/unit_env.h"

#define PORT 4510
#define PEER "198.18.0.20"

static char key_path[64];

struct env {
	struct loop *l;
	struct config *cfg;
	struct reports *r;
	int changes; /* on_members_changed calls */
};

static void on_members_changed(void *ctx)
{
	((struct env *)ctx)->changes++;
}

static struct config *with_key(const char *gateway);

static struct env *make(const char *gateway)
{
	static struct env e;
	struct reports_hooks h = { .ctx = &e, .on_members_changed = on_members_changed };

	memset(&e, 0, sizeof(e));
	e.l = loop_new_fake(1000);
	e.cfg = with_key(gateway);
	assert_non_null(e.cfg);
	e.r = reports_new(e.l, e.cfg, &h);
	assert_non_null(e.r);
	return &e;
}

static void done(struct env *e)
{
	reports_free(e->r);
	unit_config_free(e->cfg);
	loop_free(e->l);
}

static struct config *with_key(const char *gateway)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "[cluster]\nname = lab\ninterface = lo\nvirtual_ip = 198.18.0.1\nnode_id = gw1\n"
		 "[reports]\nkey_file = %s\n" "peers = 198.18.0.20\n"
		 "port = %d\n" "interval_ms = 1000\n%s",
		 key_path, PORT, gateway);
	return unit_config(text);
}

struct self_seen {
	struct env *e;
	uint64_t seq; /* wait for a report after this one */
	enum report_state state;
};

static bool self_reported(void *arg)
{
	struct self_seen *s = arg;
	struct member_info i;

	return members_find(reports_members(s->e->r), "gw1", loop_now(s->e->l), &i) &&
	       i.seq > s->seq && i.state == s->state;
}

static void send_report_with(const char *node, uint64_t seq, uint8_t key_fill);

/* Another node's report, signed with the cluster key, from the peer
 * 198.18.0.20 (on lo): the socket hears only its peers. */
static void send_report(const char *node, uint64_t seq)
{
	send_report_with(node, seq, 0x5a);
}

static void send_report_with(const char *node, uint64_t seq, uint8_t key_fill)
{
	struct sockaddr_in from = { .sin_family = AF_INET };
	struct load_report rep = { .epoch = 1000, .seq = seq, .tunnels = 3,
				     .max_tunnels = 50, .state = REPORT_ACTIVE };
	struct cluster_key k = { .len = 32 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	uint8_t msg[REPORT_MAX];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), len;

	memset(k.bytes, key_fill, 32);
	strcpy(rep.cluster, "lab");
	strcpy(rep.node_id, node);
	rep.address.type = IKE_GW_ID_IPV4;
	rep.address.len = 4;
	inet_pton(AF_INET, "198.18.0.12", rep.address.data);
	len = report_encode(&rep, &k, msg, sizeof(msg));
	assert_true(len > 0);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	inet_pton(AF_INET, PEER, &from.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	assert_int_equal(sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)), len);
	close(fd);
}

struct member_seen {
	struct env *e;
	int changes;
};

static bool member_arrived(void *arg)
{
	struct member_seen *m = arg;
	struct member_info i;

	return m->e->changes > m->changes &&
	       members_find(reports_members(m->e->r), "gw2", loop_now(m->e->l), &i);
}

static void test_reports_with_fresh_readings(void **state)
{
	static struct env e;
	struct reports_hooks h = { .ctx = &e, .on_members_changed = on_members_changed };
	struct self_seen seen = { .e = &e, .state = REPORT_ACTIVE };
	struct member_seen ms = { .e = &e };
	struct member_info i;
	struct ip_addr src = { .family = AF_INET };
	bool known;
	uint64_t n, seq;
	char why[160];

	(void)state;
	e.l = loop_new_fake(1000);
	e.cfg = with_key("[gateway]\naddress = 198.18.0.11\nmax_tunnels = 100\n"
			 "tunnels = static:7\n");
	assert_non_null(e.cfg);
	e.r = reports_new(e.l, e.cfg, &h);
	assert_non_null(e.r);
	assert_string_equal(reports_node_id(e.r), "gw1");
	/* the first report waits for the reader's first reading */
	assert_true(unit_pump_until(e.l, self_reported, &seen, 2000));
	assert_true(members_find(reports_members(e.r), "gw1", loop_now(e.l), &i));
	assert_int_equal(i.tunnels, 7);
	assert_true(i.self);
	assert_true(e.changes >= 1);
	assert_true(reports_self_load(e.r, &known, &n, why, sizeof(why)));
	assert_true(known);
	assert_int_equal(n, 7);
	/* the next one a whole interval later */
	seq = seen.seq = i.seq;
	loop_advance(e.l, 999);
	assert_false(unit_pump_until(e.l, self_reported, &seen, 50));
	loop_advance(e.l, 1);
	assert_true(unit_pump_until(e.l, self_reported, &seen, 2000));
	/* draining goes out at once, not at the next interval */
	members_find(reports_members(e.r), "gw1", loop_now(e.l), &i);
	seen.seq = i.seq;
	seen.state = REPORT_DRAINING;
	reports_set_draining(e.r, true);
	loop_advance(e.l, 0);
	assert_true(unit_pump_until(e.l, self_reported, &seen, 2000));
	assert_true(i.seq > seq);
	/* another node's report: in the table, and the hook runs */
	ms.changes = e.changes;
	send_report("gw2", 1);
	assert_true(unit_pump_until(e.l, member_arrived, &ms, 2000));
	assert_true(members_find(reports_members(e.r), "gw2", loop_now(e.l), &i));
	assert_true(i.alive);
	/* VRRP took over from the master at its address: dead at once */
	inet_pton(AF_INET, PEER, &src.v4);
	reports_master_silent(e.r, &src);
	assert_true(members_find(reports_members(e.r), "gw2", loop_now(e.l), &i));
	assert_false(i.alive);
	done(&e);
}

static uint64_t verdict(struct env *e, enum members_verdict v)
{
	return members_counters(reports_members(e->r))->verdict[v];
}

struct verdicts_seen {
	struct env *e;
	uint64_t want; /* received */
};

static bool received(void *arg)
{
	struct verdicts_seen *v = arg;

	return members_counters(reports_members(v->e->r))->received >= v->want;
}

/* SIGHUP reads the key files again, whatever their paths: a key rotated
 * in place is taken, the previous one accepted on receive only. */
static void test_keys_read_again_on_reload(void **state)
{
	char prev_path[64], text[1200];
	struct env *e = make("");
	struct verdicts_seen v = { .e = e };
	struct config *c2;
	char err[512];

	(void)state;
	send_report_with("gw2", 1, 0x5a);
	v.want = 1;
	assert_true(unit_pump_until(e->l, received, &v, 2000));
	assert_true(verdict(e, MEMBERS_ACCEPTED) == 1);
	/* the key file gets a new key; the config does not change */
	assert_int_equal(unit_key_file_at(key_path, 0x77), 0);
	assert_int_equal(reports_prepare(e->r, e->cfg, err, sizeof(err)), 0);
	assert_int_equal(reports_reload(e->r, e->cfg), 0);
	send_report_with("gw2", 2, 0x5a);
	send_report_with("gw2", 3, 0x77);
	v.want = 3;
	assert_true(unit_pump_until(e->l, received, &v, 2000));
	assert_true(verdict(e, MEMBERS_DROP_BAD_MAC) == 1);
	assert_true(verdict(e, MEMBERS_ACCEPTED) == 2);
	/* the old one as key_file_previous: both accepted */
	assert_int_equal(unit_key_file(prev_path, 0x5a), 0);
	snprintf(text, sizeof(text),
		 "[cluster]\nname = lab\ninterface = lo\nvirtual_ip = 198.18.0.1\nnode_id = gw1\n"
		 "[reports]\nkey_file = %s\nkey_file_previous = %s\npeers = 198.18.0.20\n"
		 "port = %d\ninterval_ms = 1000\n",
		 key_path, prev_path, PORT);
	c2 = unit_config(text);
	assert_non_null(c2);
	assert_int_equal(reports_prepare(e->r, c2, err, sizeof(err)), 0);
	assert_int_equal(reports_reload(e->r, c2), 0);
	send_report_with("gw2", 4, 0x5a);
	send_report_with("gw2", 5, 0x77);
	v.want = 5;
	assert_true(unit_pump_until(e->l, received, &v, 2000));
	assert_true(verdict(e, MEMBERS_ACCEPTED) == 4);
	assert_true(members_counters(reports_members(e->r))->previous_key == 1);
	/* a key file that cannot be used refuses the reload, changes nothing */
	unlink(prev_path);
	err[0] = 0;
	assert_int_equal(reports_prepare(e->r, c2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[reports] key_file_previous: key_file"));
	assert_non_null(strstr(err, "does not exist"));
	send_report_with("gw2", 6, 0x5a);
	v.want = 6;
	assert_true(unit_pump_until(e->l, received, &v, 2000));
	assert_true(verdict(e, MEMBERS_ACCEPTED) == 5);
	reports_free(e->r);
	unit_config_free(c2);
	unit_config_free(e->cfg);
	loop_free(e->l);
	assert_int_equal(unit_key_file_at(key_path, 0x5a), 0);
}

/* A VICI peer that takes connections and never says a word. */
static int hung_vici(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static void test_hung_source_never_holds_anything_up(void **state)
{
	struct env *e;
	int hung = hung_vici("/run/hung.vici");
	bool known;
	uint64_t n, t0;
	char why[160];

	(void)state;
	struct self_seen seen;
	struct member_info i;

	e = make("[gateway]\naddress = 198.18.0.11\nmax_tunnels = 100\n"
		 "tunnels = vici:/run/hung.vici\n");
	loop_advance(e->l, 0);
	usleep(50000); /* the reader sits in its read */
	loop_advance(e->l, 0);
	assert_false(reports_self_load(e->r, &known, &n, why, sizeof(why)));
	assert_true(known);
	assert_string_equal(why, "not read yet");
	/* half an interval later the report goes without the reading,
	 * unhealthy; and so on every interval while the reader is stuck */
	seen = (struct self_seen){ .e = e, .seq = 0, .state = REPORT_UNHEALTHY };
	loop_advance(e->l, 499);
	assert_false(self_reported(&seen));
	loop_advance(e->l, 1);
	assert_true(self_reported(&seen));
	loop_advance(e->l, 5000);
	assert_true(members_find(reports_members(e->r), "gw1", loop_now(e->l), &i));
	assert_int_equal(i.seq, 6);
	assert_int_equal(i.state, REPORT_UNHEALTHY);
	assert_string_equal(i.reason, "not read yet");
	assert_false(reports_self_load(e->r, &known, &n, why, sizeof(why)));
	/* the end does not wait for it */
	t0 = loop_clock_ms();
	done(e);
	assert_true(loop_clock_ms() - t0 < 200);
	usleep(1200 * 1000); /* the abandoned reader gives up (VICI timeout) and cleans up */
	close(hung);
}

static bool reading_in(void *arg)
{
	struct env *e = arg;
	bool known;
	uint64_t n;
	char why[160];

	reports_self_load(e->r, &known, &n, why, sizeof(why));
	return strcmp(why, "not read yet") != 0;
}

static void test_fifo_source_is_refused(void **state)
{
	struct env *e;
	bool known;
	uint64_t n;
	char why[160];

	(void)state;
	unlink("/run/tunnels.fifo");
	assert_int_equal(mkfifo("/run/tunnels.fifo", 0600), 0);
	e = make("[gateway]\naddress = 198.18.0.11\nmax_tunnels = 100\n"
		 "tunnels = file:/run/tunnels.fifo\n");
	loop_advance(e->l, 0);
	assert_true(unit_pump_until(e->l, reading_in, e, 2000));
	assert_false(reports_self_load(e->r, &known, &n, why, sizeof(why)));
	assert_non_null(strstr(why, "not a regular file"));
	done(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports_with_fresh_readings),
		cmocka_unit_test(test_hung_source_never_holds_anything_up),
		cmocka_unit_test(test_fifo_source_is_refused),
		cmocka_unit_test(test_keys_read_again_on_reload),
	};
	int rc;

	struct ip_addr peer = { .family = AF_INET };

	inet_pton(AF_INET, PEER, &peer.v4);
	if (unit_private_namespaces() || unit_key_file(key_path, 0x5a) ||
	    addr_add((int)if_nametoindex("lo"), &peer, 0))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(key_path);
	return rc;
}
