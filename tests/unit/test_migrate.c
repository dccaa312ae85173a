// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Moving a gateway's clients (ike/migrate.h) on the fake clock against a
 * fake charon on a unix socket (private mount namespace): a drain lists
 * the SAs, asks for targets for half a second's worth, and redirects one
 * at a time on the pace, the clock deciding when; SAs at a VIP and SAs
 * charon initiated are never touched; those known to follow go first,
 * those of unknown support last, those known not to follow never;
 * charon's refusal makes a client left; held clients go when they ripen;
 * a client counts as moved when its SA goes down; granted targets expire;
 * rebalancing moves no more than it is told; drain off stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/log.h"
#include "base/loop.h"
#include "ike/migrate.h"
#include "ike/vici_codec.h"
#include "../lib/unit_env.h"

#define VICI_PATH "/run/charon.vici"
#define CONF                                                                               \
	"[cluster]\nname = t\ninterface = lo\nvirtual_ip = 198.18.0.1\n"                  \
	"rebalance_hold_ms = 4000\n"                                                        \
	"[reports]\nkey_file = /run/k\n"                                                    \
	"[gateway]\naddress = 198.18.0.11\nmax_tunnels = 100\n"                             \
	"tunnels = vici:" VICI_PATH "\nmigrate_rate = 4\n"

/* ---- a fake charon ---------------------------------------------------------- */

#define MAX_SAS 32
#define MAX_CLIENTS 4

struct fake_sa {
	unsigned id;
	const char *local;
	int age; /* seconds; -1: none */
	bool initiator;
	bool refuse; /* logs "client does not support IKE redirection" on a redirect */
};

struct charon {
	int lfd;
	struct {
		int fd;
		struct vic_reader rd;
		bool events;
	} c[MAX_CLIENTS];
	unsigned n;
	struct fake_sa sa[MAX_SAS];
	unsigned n_sa;
	unsigned listings, redirects;
	unsigned redirected[64]; /* ids, in order */
	uint64_t when[64]; /* the fake clock at each */
	char to[64][32];
	struct loop *l;
};

static void send_pkt(int fd, uint8_t type, const char *name, const struct vic_builder *b)
{
	uint8_t *pkt;
	size_t len;

	assert_int_equal(vic_packet_encode(type, name, b ? b->buf : NULL, b ? b->len : 0, &pkt,
					   &len),
			 0);
	assert_int_equal(write(fd, pkt, len), (ssize_t)len);
	free(pkt);
}

static void charon_listen(struct charon *ch, struct loop *l)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = VICI_PATH };

	memset(ch, 0, sizeof(*ch));
	ch->l = l;
	unlink(VICI_PATH);
	ch->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(ch->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(ch->lfd, 8), 0);
}

static void charon_close(struct charon *ch)
{
	for (unsigned i = 0; i < ch->n; i++) {
		close(ch->c[i].fd);
		vic_reader_free(&ch->c[i].rd);
	}
	close(ch->lfd);
	unlink(VICI_PATH);
}

static void charon_event(struct charon *ch, const char *name, struct vic_builder *b)
{
	for (unsigned i = 0; i < ch->n; i++)
		if (ch->c[i].events)
			send_pkt(ch->c[i].fd, VIC_EVENT, name, b);
	vic_builder_free(b);
}

static void sa_section(struct vic_builder *b, const struct fake_sa *s)
{
	vic_begin_section(b, "gw");
	vic_add_kvf(b, "uniqueid", "%u", s->id);
	vic_add_kv(b, "version", "2");
	vic_add_kv(b, "state", "ESTABLISHED");
	vic_add_kv(b, "local-host", s->local);
	vic_add_kv(b, "remote-host", "198.18.0.100");
	vic_add_kvf(b, "remote-id", "c%u.ikelb.test", s->id);
	vic_add_kv(b, "initiator", s->initiator ? "yes" : "no");
	if (s->age >= 0)
		vic_add_kvf(b, "established", "%d", s->age);
	vic_end_section(b);
}

/* charon's log line, with the SA's unique id */
static void charon_log(struct charon *ch, unsigned id, const char *msg)
{
	struct vic_builder b;

	vic_builder_init(&b);
	vic_add_kv(&b, "group", "IKE");
	vic_add_kvf(&b, "ikesa-uniqueid", "%u", id);
	vic_add_kv(&b, "msg", msg);
	charon_event(ch, "log", &b);
}

/* SA id went down (the client deleted it, or charon did) */
static void charon_down(struct charon *ch, unsigned id)
{
	struct vic_builder b;

	for (unsigned i = 0; i < ch->n_sa; i++) {
		if (ch->sa[i].id != id)
			continue;
		vic_builder_init(&b);
		vic_add_kv(&b, "up", "no");
		sa_section(&b, &ch->sa[i]);
		charon_event(ch, "ike-updown", &b);
		ch->sa[i] = ch->sa[--ch->n_sa];
		return;
	}
}

static struct fake_sa *find_sa(struct charon *ch, unsigned id)
{
	for (unsigned i = 0; i < ch->n_sa; i++)
		if (ch->sa[i].id == id)
			return &ch->sa[i];
	return NULL;
}

static void reply_ok(int fd)
{
	struct vic_builder b;

	vic_builder_init(&b);
	vic_add_kv(&b, "success", "yes");
	send_pkt(fd, VIC_CMD_RESPONSE, NULL, &b);
	vic_builder_free(&b);
}

static void answer(struct charon *ch, int fd, const struct vic_packet *p)
{
	struct vic_node *m = p->msg_len ? vic_tree_parse(p->msg, p->msg_len) : NULL;
	struct vic_builder b;
	uint64_t id = 0;

	if (p->type == VIC_EVENT_REGISTER || p->type == VIC_EVENT_UNREGISTER) {
		send_pkt(fd, VIC_EVENT_CONFIRM, NULL, NULL);
	} else if (p->type == VIC_CMD_REQUEST && !strcmp(p->name, "list-sas")) {
		ch->listings++;
		for (unsigned i = 0; i < ch->n_sa; i++) {
			vic_builder_init(&b);
			sa_section(&b, &ch->sa[i]);
			send_pkt(fd, VIC_EVENT, "list-sa", &b);
			vic_builder_free(&b);
		}
		send_pkt(fd, VIC_CMD_RESPONSE, NULL, NULL);
	} else if (p->type == VIC_CMD_REQUEST && !strcmp(p->name, "redirect")) {
		struct fake_sa *s;

		vic_find_u64(m, "ike-id", &id);
		s = find_sa(ch, (unsigned)id);
		if (ch->redirects < 64) {
			ch->redirected[ch->redirects] = (unsigned)id;
			ch->when[ch->redirects] = loop_now(ch->l);
			snprintf(ch->to[ch->redirects], sizeof(ch->to[0]), "%s",
				 vic_find_str(m, "gateway") ?: "?");
		}
		ch->redirects++;
		/* as charon: the refusal is a log line, the command succeeds */
		if (s && s->refuse)
			charon_log(ch, s->id, "client does not support IKE redirection");
		reply_ok(fd);
	} else if (p->type == VIC_CMD_REQUEST) {
		send_pkt(fd, VIC_CMD_UNKNOWN, NULL, NULL);
	}
	vic_tree_free(m);
}

static void charon_pump(struct charon *ch)
{
	int fd;

	while (ch->n < MAX_CLIENTS && (fd = accept4(ch->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		ch->c[ch->n].fd = fd;
		vic_reader_init(&ch->c[ch->n].rd);
		ch->n++;
	}
	for (unsigned i = 0; i < ch->n; i++) {
		uint8_t buf[65536];
		struct vic_packet p;
		ssize_t r;

		while ((r = read(ch->c[i].fd, buf, sizeof(buf))) > 0)
			assert_int_equal(vic_reader_push(&ch->c[i].rd, buf, (size_t)r), 0);
		while (vic_reader_next(&ch->c[i].rd, &p) == 1) {
			if (p.type == VIC_EVENT_REGISTER)
				ch->c[i].events = true;
			answer(ch, ch->c[i].fd, &p);
		}
	}
}

static void add(struct charon *ch, unsigned id, const char *local, int age)
{
	ch->sa[ch->n_sa++] = (struct fake_sa){ .id = id, .local = local, .age = age };
}

/* ---- the mover and the master ---------------------------------------------------- */

struct env {
	struct loop *l;
	struct config *cfg;
	struct charon ch;
	struct migrate *m;
	unsigned asks;
	enum migration_purpose purpose;
	uint8_t wanted[2];
};

static int ask(void *ctx, enum migration_purpose purpose, const uint8_t wanted[IKELB_FAMILIES])
{
	struct env *e = ctx;

	e->asks++;
	e->purpose = purpose;
	memcpy(e->wanted, wanted, 2);
	return 0;
}

/* The mover's status (migrate_json), kept until the next call. */
static json_object *status;

static struct env *make(void)
{
	static struct env e;
	struct migrate_hooks h = { .ctx = &e, .ask = ask };

	memset(&e, 0, sizeof(e));
	e.l = loop_new_fake(100000);
	e.cfg = unit_config(CONF);
	assert_non_null(e.cfg);
	charon_listen(&e.ch, e.l);
	e.m = migrate_new(e.l, e.cfg, &h);
	assert_non_null(e.m);
	return &e;
}

static void done(struct env *e)
{
	json_object_put(status);
	status = NULL;
	migrate_free(e->m);
	charon_close(&e->ch);
	unit_config_free(e->cfg);
	loop_free(e->l);
}

/* A few rounds of charon and the loop, the clock standing still. */
static void settle(struct env *e)
{
	for (int i = 0; i < 6; i++) {
		charon_pump(&e->ch);
		loop_run_once(e->l, 0);
	}
}

/* Moves the clock ms by ms, charon answering in between. */
static void run_for(struct env *e, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		loop_advance(e->l, 1);
		settle(e);
	}
}

/* The master grants count targets at gw for IPv4 clients. */
static void grant(struct env *e, const char *name, const char *gw, uint8_t count)
{
	struct migration_entry t = { .fam = IKELB_FAM_V4, .count = count };

	snprintf(t.name, sizeof(t.name), "%s", name);
	assert_int_equal(cfg_parse_gw_addr(gw, &t.id), 0);
	migrate_answer(e->m, 0, MIGRATION_GRANTED, &t, 1);
	settle(e);
}

static json_object *value(struct env *e, const char *key)
{
	if (status)
		json_object_put(status);
	status = migrate_json(e->m);
	return json_object_object_get(status, key);
}

static int64_t n(struct env *e, const char *key)
{
	return json_object_get_int64(value(e, key));
}

static bool yes(struct env *e, const char *key)
{
	return json_object_get_boolean(value(e, key));
}

static void test_drain_on_the_pace(void **state)
{
	struct env *e = make();

	(void)state;
	for (unsigned id = 1; id <= 6; id++)
		add(&e->ch, id, "198.18.0.11", 100);
	add(&e->ch, 7, "198.18.0.1", 100); /* at the VIP: auth mode's */
	add(&e->ch, 8, "198.18.0.11", 100);
	e->ch.sa[7].initiator = true; /* charon's own: not a client */
	settle(e);
	assert_true(yes(e, "connected"));
	assert_int_equal(e->ch.listings, 0); /* nothing listed while not moving */
	assert_int_equal(migrate_drain(e->m, 4), 0);
	settle(e);
	assert_int_equal(e->ch.listings, 1);
	/* half a second of 4/s: 2 targets asked for, for IPv4 clients */
	assert_int_equal(e->asks, 1);
	assert_int_equal(e->purpose, MIGRATION_DRAIN);
	assert_int_equal(e->wanted[0], 2);
	assert_int_equal(e->wanted[1], 0);
	assert_int_equal(n(e, "remaining"), 6);
	grant(e, "gw2", "198.18.0.12", 2);
	assert_int_equal(e->ch.redirects, 1); /* the first at once */
	assert_string_equal(e->ch.to[0], "198.18.0.12");
	run_for(e, 249);
	assert_int_equal(e->ch.redirects, 1); /* not before 250 ms */
	run_for(e, 1);
	assert_int_equal(e->ch.redirects, 2);
	assert_int_equal(e->asks, 2); /* the queue ran empty: asked again */
	grant(e, "gw3", "198.18.0.13", 2);
	grant(e, "gw3", "198.18.0.13", 2); /* the old answer's targets are dropped */
	run_for(e, 2000);
	assert_int_equal(e->ch.redirects, 4);
	assert_int_equal(e->asks, 3); /* and no answer yet */
	grant(e, "gw3", "198.18.0.13", 2);
	run_for(e, 300);
	assert_int_equal(e->ch.redirects, 6);
	for (unsigned i = 1; i < 6; i++)
		assert_true(e->ch.when[i] - e->ch.when[i - 1] >= 250);
	for (unsigned i = 0; i < 6; i++)
		assert_true(e->ch.redirected[i] >= 1 && e->ch.redirected[i] <= 6);
	assert_int_equal(n(e, "sent"), 6);
	assert_int_equal(n(e, "moving"), 6);
	assert_int_equal(n(e, "moved"), 0);
	assert_true(n(e, "expired") >= 2);
	/* the clients delete their old SAs from their targets */
	for (unsigned id = 1; id <= 6; id++)
		charon_down(&e->ch, id);
	settle(e);
	assert_int_equal(n(e, "moved"), 6);
	assert_int_equal(n(e, "moving"), 0);
	/* listed again: nothing left to move: done */
	run_for(e, MIGRATE_LIST_EVERY_MS);
	assert_true(yes(e, "done"));
	assert_int_equal(n(e, "remaining"), 0);
	assert_int_equal(e->ch.redirects, 6); /* never the VIP's nor charon's own */
	migrate_stop(e->m);
	assert_int_equal(migrate_mode(e->m), MIGRATE_OFF);
	done(e);
}

static void init_log(struct env *e, unsigned id, const char *notifies)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "parsed IKE_SA_INIT request 0 [ SA KE No %s ]", notifies);
	charon_log(&e->ch, id, msg);
}

static void test_support_hold_refusal(void **state)
{
	struct env *e = make();

	(void)state;
	settle(e);
	/* seen while listening: 1 can follow, 2 cannot, 3 came by a redirect */
	init_log(e, 1, "N(NATD_S_IP) N(REDIR_SUP)");
	init_log(e, 2, "N(NATD_S_IP)");
	init_log(e, 3, "N(REDIR_FROM)");
	settle(e);
	add(&e->ch, 5, "198.18.0.11", 100); /* unseen, old: tried, and refused */
	e->ch.sa[0].refuse = true;
	add(&e->ch, 4, "198.18.0.11", 0); /* unseen, young: held */
	add(&e->ch, 3, "198.18.0.11", 0);
	add(&e->ch, 2, "198.18.0.11", 0);
	add(&e->ch, 1, "198.18.0.11", 0);
	assert_int_equal(migrate_drain(e->m, 0), 0); /* migrate_rate: 4 */
	settle(e);
	assert_int_equal(n(e, "rate"), 4);
	assert_int_equal(n(e, "held"), 2);
	assert_int_equal(n(e, "left"), 1);
	assert_int_equal(n(e, "remaining"), 4); /* 1 and 5, 3 and 4 held */
	assert_int_equal(e->wanted[0], 2);
	grant(e, "gw2", "198.18.0.12", 2);
	run_for(e, 300);
	/* the one known to follow first, then the one of unknown support */
	assert_int_equal(e->ch.redirects, 2);
	assert_int_equal(e->ch.redirected[0], 1);
	assert_int_equal(e->ch.redirected[1], 5);
	assert_int_equal(n(e, "refused"), 1);
	assert_int_equal(n(e, "left"), 2);
	assert_int_equal(n(e, "moving"), 1);
	/* 3 came by a redirect 4 s ago: it may move; 4 is not old enough:
	 * charon's age of 4 (seconds) may be 3.001 */
	e->ch.sa[1].age = 4;
	run_for(e, 4000 - 300);
	run_for(e, 100);
	assert_int_equal(e->ch.redirects, 2);
	if (e->asks < 2)
		run_for(e, 100);
	grant(e, "gw2", "198.18.0.12", 2);
	run_for(e, 300);
	assert_int_equal(e->ch.redirects, 3);
	assert_int_equal(e->ch.redirected[2], 3);
	/* 4 is old enough at charon's age 5 */
	e->ch.sa[1].age = 5;
	run_for(e, 1000);
	if (e->ch.redirects < 4) {
		grant(e, "gw2", "198.18.0.12", 1);
		run_for(e, 300);
	}
	assert_int_equal(e->ch.redirects, 4);
	assert_int_equal(e->ch.redirected[3], 4);
	/* never 2 (known not to follow) */
	for (unsigned i = 0; i < 4; i++)
		assert_int_not_equal(e->ch.redirected[i], 2);
	done(e);
}

/* Rebalancing moves what it is told, counting those on their way and
 * those gone since; no target: asked again a second later. */
static void test_rebalance_quota(void **state)
{
	struct env *e = make();

	(void)state;
	for (unsigned id = 1; id <= 10; id++)
		add(&e->ch, id, "198.18.0.11", 100);
	settle(e);
	migrate_rebalance(e->m, 3);
	settle(e);
	assert_int_equal(migrate_mode(e->m), MIGRATE_REBALANCE);
	assert_int_equal(e->purpose, MIGRATION_REBALANCE);
	assert_int_equal(e->wanted[0], 2);
	migrate_answer(e->m, 0, MIGRATION_NO_TARGET, NULL, 0);
	settle(e);
	assert_int_equal(n(e, "no_target"), 1);
	run_for(e, MIGRATE_ASK_RETRY_MS - 1);
	assert_int_equal(e->asks, 1);
	run_for(e, 1);
	assert_int_equal(e->asks, 2);
	grant(e, "gw4", "198.18.0.14", 2);
	run_for(e, 300);
	assert_int_equal(e->ch.redirects, 2);
	charon_down(&e->ch, e->ch.redirected[0]);
	charon_down(&e->ch, e->ch.redirected[1]);
	settle(e);
	assert_int_equal(e->wanted[0], 1); /* one more of the 3 */
	grant(e, "gw4", "198.18.0.14", 1);
	run_for(e, 300);
	assert_int_equal(e->ch.redirects, 3);
	run_for(e, 2000);
	assert_int_equal(e->ch.redirects, 3); /* the quota is spent */
	/* the next report says 1 too many still (the third is on its way) */
	migrate_rebalance(e->m, 1);
	run_for(e, 1000);
	assert_int_equal(e->ch.redirects, 3);
	migrate_rebalance(e->m, 0);
	assert_int_equal(migrate_mode(e->m), MIGRATE_OFF);
	done(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drain_on_the_pace),
		cmocka_unit_test(test_support_hold_refusal),
		cmocka_unit_test(test_rebalance_quota),
	};

	log_set_level(LOG_LVL_WARN);
	if (unit_private_namespaces())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
