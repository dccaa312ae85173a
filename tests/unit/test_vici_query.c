// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The typed VICI queries against a fake charon (fake_charon.h): the
 * requests they send (the redirect byte for byte, written by hand from
 * strongSwan's vici README), how charon's answers are read, and that
 * transport failures reach the caller with their reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/fake_charon.h"
#include "ike/vici_query.h"

struct result {
	int n, err;
	char why[512];
	uint64_t count;
	int n_sas;
	char sas[8][32];
};

static void on_done(void *ctx, int err, const char *why)
{
	struct result *r = ctx;

	r->n++;
	r->err = err;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

static void on_count(void *ctx, int err, const char *why, uint64_t count)
{
	struct result *r = ctx;

	on_done(ctx, err, why);
	r->count = count;
}

static void on_sa(void *ctx, const char *event, const struct vic_node *msg)
{
	struct result *r = ctx;

	assert_string_equal(event, "list-sa");
	if (r->n_sas < 8 && msg->child)
		snprintf(r->sas[r->n_sas], sizeof(r->sas[0]), "%s", msg->child->name);
	r->n_sas++;
}

static struct vic_node *tree(const char *const *kv)
{
	struct vic_builder b;
	struct vic_node *t;

	vic_builder_init(&b);
	for (; kv[0]; kv += 2)
		vic_add_kv(&b, kv[0], kv[1]);
	t = vic_tree_parse(b.buf, b.len);
	vic_builder_free(&b);
	assert_non_null(t);
	return t;
}

static void srv_reply(struct peer *p, const char *const *kv)
{
	struct vic_builder b;

	vic_builder_init(&b);
	for (; kv[0]; kv += 2)
		vic_add_kv(&b, kv[0], kv[1]);
	srv_pkt(p, VIC_CMD_RESPONSE, NULL, &b);
	vic_builder_free(&b);
}

/* The next request's message, parsed (free with vic_tree_free). */
static struct vic_node *srv_request(struct peer *p, const char *cmd)
{
	struct vic_packet pkt;
	struct vic_node *m;

	assert_int_equal(srv_next(p, &pkt), 1);
	assert_int_equal(pkt.type, VIC_CMD_REQUEST);
	assert_string_equal(pkt.name, cmd);
	m = vic_tree_parse(pkt.msg, pkt.msg_len);
	assert_non_null(m);
	return m;
}

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_reply_ok(void **state)
{
	struct vic_node *t;
	char why[128];

	(void)state;
	t = tree(KV("success", "yes"));
	assert_int_equal(vic_reply_ok(t, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	vic_tree_free(t);
	t = tree(KV("success", "no", "errmsg", "no matching SAs to redirect found"));
	errno = 0;
	assert_int_equal(vic_reply_ok(t, why, sizeof(why)), -1);
	assert_int_equal(errno, ESRCH);
	assert_string_equal(why, "no matching SAs to redirect found");
	vic_tree_free(t);
	t = tree(KV("success", "no"));
	assert_int_equal(vic_reply_ok(t, why, sizeof(why)), -1);
	assert_string_equal(why, "charon says it failed");
	vic_tree_free(t);
	t = tree(KV("other", "yes"));
	assert_int_equal(vic_reply_ok(t, why, sizeof(why)), -1);
	assert_int_equal(errno, EPROTO);
	vic_tree_free(t);
}

static void test_stats_established(void **state)
{
	struct vic_builder b;
	struct vic_node *t;
	uint64_t n = 99;

	(void)state;
	vic_builder_init(&b);
	vic_begin_section(&b, "ikesas");
	vic_add_kv(&b, "total", "5");
	vic_add_kv(&b, "half-open", "2");
	vic_end_section(&b);
	t = vic_tree_parse(b.buf, b.len);
	vic_builder_free(&b);
	assert_int_equal(vic_stats_established(t, &n), 0);
	assert_int_equal(n, 3);
	vic_tree_free(t);
	/* read one after the other in charon: they may cross */
	vic_builder_init(&b);
	vic_begin_section(&b, "ikesas");
	vic_add_kv(&b, "total", "1");
	vic_add_kv(&b, "half-open", "2");
	vic_end_section(&b);
	t = vic_tree_parse(b.buf, b.len);
	vic_builder_free(&b);
	assert_int_equal(vic_stats_established(t, &n), 0);
	assert_int_equal(n, 0);
	vic_tree_free(t);
	t = tree(KV("total", "5"));
	assert_int_equal(vic_stats_established(t, &n), -1);
	assert_int_equal(errno, EPROTO);
	vic_tree_free(t);
}

static void test_ike_sas(void **state)
{
	struct peer *p = *state;
	struct result r = { 0 };
	struct vic_builder b;

	assert_int_equal(vic_query_ike_sas(p->c, 1000, on_count, &r), 0);
	drive(p);
	vic_tree_free(srv_request(p, "stats"));
	vic_builder_init(&b);
	vic_begin_section(&b, "ikesas");
	vic_add_kv(&b, "total", "7");
	vic_add_kv(&b, "half-open", "3");
	vic_end_section(&b);
	srv_pkt(p, VIC_CMD_RESPONSE, NULL, &b);
	vic_builder_free(&b);
	drive(p);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.count, 4);
	/* an answer without the numbers */
	assert_int_equal(vic_query_ike_sas(p->c, 1000, on_count, &r), 0);
	drive(p);
	vic_tree_free(srv_request(p, "stats"));
	srv_reply(p, KV("uptime", "1"));
	drive(p);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.err, EPROTO);
	assert_string_equal(r.why, "no ikesas.total/half-open from charon");
}

static void test_redirect(void **state)
{
	struct peer *p = *state;
	struct result r = { 0 };
	/* CMD_REQUEST "redirect" { ike-id = 7 gateway = 198.18.0.3 }, by hand */
	static const uint8_t want[] = {
		0,   0,	  0,   42,  0,	 8,   'r', 'e', 'd', 'i', 'r', 'e', 'c', 't', 3,   6,
		'i', 'k', 'e', '-', 'i', 'd', 0,   1,	'7', 3,	  7,   'g', 'a', 't', 'e', 'w',
		'a', 'y', 0,   10,  '1', '9', '8', '.', '1', '8', '.', '0', '.', '3',
	};
	struct vic_packet pkt;

	assert_int_equal(vic_query_redirect(p->c, 7, "198.18.0.3", 1000, on_count, &r), 0);
	drive(p);
	assert_int_equal(srv_next(p, &pkt), 1);
	assert_int_equal(p->last_len, sizeof(want));
	assert_memory_equal(p->last, want, sizeof(want));
	srv_reply(p, KV("success", "yes", "matches", "1"));
	drive(p);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.err, 0);
	assert_string_equal(r.why, "");
	assert_int_equal(r.count, 1);

	assert_int_equal(vic_query_redirect(p->c, 999, "gw.example", 1000, on_count, &r), 0);
	drive(p);
	vic_tree_free(srv_request(p, "redirect"));
	srv_reply(p, KV("success", "no", "errmsg", "no matching SAs to redirect found"));
	drive(p);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.err, ESRCH);
	assert_string_equal(r.why,
			    "redirect IKE_SA #999 to gw.example: no matching SAs to redirect found");
	assert_true(vic_conn_is_open(p->c));
}

static void test_terminate(void **state)
{
	struct peer *p = *state;
	struct result r = { 0 };
	struct vic_node *m;

	assert_int_equal(vic_query_terminate(p->c, 12, true, 1000, on_done, &r), 0);
	drive(p);
	m = srv_request(p, "terminate");
	assert_string_equal(vic_find_str(m, "ike-id"), "12");
	assert_string_equal(vic_find_str(m, "force"), "yes");
	assert_string_equal(vic_find_str(m, "timeout"), "-1");
	vic_tree_free(m);
	srv_reply(p, KV("success", "yes"));
	drive(p);
	assert_int_equal(r.err, 0);

	assert_int_equal(vic_query_terminate(p->c, 13, false, 1000, on_done, &r), 0);
	drive(p);
	m = srv_request(p, "terminate");
	assert_null(vic_find(m, "force"));
	vic_tree_free(m);
	srv_reply(p, KV("success", "no", "errmsg", "no matching SAs to terminate found"));
	drive(p);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.err, ESRCH);
	assert_string_equal(r.why, "no matching SAs to terminate found");
}

static void test_list_sas(void **state)
{
	struct peer *p = *state;
	struct result r = { 0 };
	struct vic_node *m;
	struct vic_builder b;

	assert_int_equal(vic_query_list_sas(p->c, "vip", 1000, on_sa, &r, on_done, &r), 0);
	drive(p);
	srv_expect(p, VIC_EVENT_REGISTER, "list-sa");
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	drive(p);
	m = srv_request(p, "list-sas");
	assert_string_equal(vic_find_str(m, "noblock"), "yes");
	assert_string_equal(vic_find_str(m, "ike"), "vip");
	vic_tree_free(m);
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vip-%d", i);
		vic_builder_init(&b);
		vic_begin_section(&b, name);
		vic_add_kv(&b, "state", "ESTABLISHED");
		vic_end_section(&b);
		srv_pkt(p, VIC_EVENT, "list-sa", &b);
		vic_builder_free(&b);
	}
	srv_pkt(p, VIC_CMD_RESPONSE, NULL, NULL);
	drive(p);
	srv_expect(p, VIC_EVENT_UNREGISTER, "list-sa");
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	drive(p);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n_sas, 3);
	assert_string_equal(r.sas[2], "vip-2");

	/* without a connection name: every SA */
	assert_int_equal(vic_query_list_sas(p->c, NULL, 1000, on_sa, &r, on_done, &r), 0);
	drive(p);
	srv_expect(p, VIC_EVENT_REGISTER, "list-sa");
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	drive(p);
	m = srv_request(p, "list-sas");
	assert_null(vic_find(m, "ike"));
	vic_tree_free(m);
	vic_conn_close(p->c); /* r is told before it goes out of scope */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.err, ECANCELED);
}

static void test_transport_failure(void **state)
{
	struct peer *p = *state;
	struct result r = { 0 }, c = { 0 };

	assert_int_equal(vic_query_redirect(p->c, 7, "198.18.0.3", 1000, on_count, &r), 0);
	assert_int_equal(vic_query_terminate(p->c, 7, false, 1000, on_done, &c), 0);
	drive(p);
	close(p->srv);
	p->srv = -1;
	drive(p);
	assert_int_equal(r.err, EPIPE);
	assert_string_equal(r.why, "fake: closed by charon");
	assert_int_equal(c.err, EPIPE);
	/* closed: refused at once, and the callback is never called */
	errno = 0;
	assert_int_equal(vic_query_ike_sas(p->c, 1000, on_count, &r), -1);
	assert_int_equal(errno, ENOTCONN);
	assert_int_equal(r.n, 1);
}

#define PEER(t) cmocka_unit_test_setup_teardown(t, peer_setup, peer_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_ok),
		cmocka_unit_test(test_stats_established),
		PEER(test_ike_sas),
		PEER(test_redirect),
		PEER(test_terminate),
		PEER(test_list_sas),
		PEER(test_transport_failure),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
