// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The asynchronous VICI connection against a fake charon: the other end of
 * a real unix socket pair, speaking the VICI wire format, driven from the
 * test thread.  The test drives the connection as an event loop would
 * (on_writable, on_readable, on_time with the test's own clock) and never
 * waits: a peer that never answers, that closes mid-message, that sends
 * garbage, a list-sas stream, events in between, callbacks that queue,
 * close or free.  Packets the fake charon sends are built with the codec
 * (tested on its own in test_vici_codec.c); the first requests are also
 * compared with bytes written by hand.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../lib/fake_charon.h"
#include "ike/vici_conn.h"

/* ---- what the callbacks saw ---------------------------------------------- */

enum action { ACT_NONE, ACT_QUEUE, ACT_CLOSE, ACT_FREE };

struct rec {
	int n_done, err;
	char why[512], reply_k[64];
	bool had_reply;
	int n_events;
	char ev[16][64]; /* "name:k" */
	/* what a callback does, once */
	enum action on_done, on_event;
	struct vic_conn *c;
	struct rec *next_rec; /* ACT_QUEUE: the queued request's record */
};

static void on_done(void *ctx, int err, const char *why, const struct vic_node *reply);

static void act(struct rec *r, enum action a)
{
	switch (a) {
	case ACT_QUEUE:
		assert_int_equal(vic_conn_command(r->c, "queued-in-callback", NULL, 1000, on_done,
						  r->next_rec),
				 0);
		break;
	case ACT_CLOSE:
		vic_conn_close(r->c);
		break;
	case ACT_FREE:
		vic_conn_free(r->c);
		break;
	case ACT_NONE:
		break;
	}
}

static void on_done(void *ctx, int err, const char *why, const struct vic_node *reply)
{
	struct rec *r = ctx;
	const char *k = reply ? vic_find_str(reply, "k") : NULL;
	enum action a = r->on_done;

	r->n_done++;
	r->err = err;
	snprintf(r->why, sizeof(r->why), "%s", why);
	r->had_reply = reply != NULL;
	snprintf(r->reply_k, sizeof(r->reply_k), "%s", k ? k : "");
	/* the contract: a reason exactly when it failed */
	assert_true(err ? *why != '\0' : *why == '\0');
	r->on_done = ACT_NONE;
	act(r, a);
}

static void on_event(void *ctx, const char *name, const struct vic_node *msg)
{
	struct rec *r = ctx;
	const char *k = vic_find_str(msg, "k");
	enum action a = r->on_event;

	if (r->n_events < 16)
		snprintf(r->ev[r->n_events], sizeof(r->ev[0]), "%s:%s", name, k ? k : "");
	r->n_events++;
	r->on_event = ACT_NONE;
	act(r, a);
}

struct closed_rec {
	int n, err;
	char why[512];
};

static void on_closed(void *ctx, int err, const char *why)
{
	struct closed_rec *r = ctx;

	r->n++;
	r->err = err;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- tests ---------------------------------------------------------------- */

static void subscribe(struct peer *p, const char *event, struct rec *events)
{
	struct rec done = { 0 };

	assert_int_equal(vic_conn_subscribe(p->c, event, on_event, events, 1000, on_done, &done),
			 0);
	assert_int_equal(done.n_done, 0); /* never from inside the queuing call */
	drive(p);
	srv_expect(p, VIC_EVENT_REGISTER, event);
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	drive(p);
	assert_int_equal(done.n_done, 1);
	assert_int_equal(done.err, 0);
	assert_false(done.had_reply);
}

static void test_command_with_events_meanwhile(void **state)
{
	struct peer *p = *state;
	struct rec ev = { 0 }, done = { 0 };
	/* CMD_REQUEST "stats", no message, by hand */
	static const uint8_t stats[] = { 0, 0, 0, 7, 0, 5, 's', 't', 'a', 't', 's' };

	subscribe(p, "ike-updown", &ev);
	assert_int_equal(vic_conn_command(p->c, "stats", NULL, 1000, on_done, &done), 0);
	assert_int_equal(vic_conn_pending(p->c), 1);
	assert_int_equal(vic_conn_events(p->c), POLLIN | POLLOUT);
	drive(p);
	srv_expect(p, VIC_CMD_REQUEST, "stats");
	assert_int_equal(p->last_len, sizeof(stats));
	assert_memory_equal(p->last, stats, sizeof(stats));
	assert_int_equal(vic_conn_events(p->c), POLLIN);
	/* two events for us, one for nobody, then the answer */
	srv_kv(p, VIC_EVENT, "ike-updown", "1");
	srv_kv(p, VIC_EVENT, "ike-rekey", "x");
	srv_kv(p, VIC_EVENT, "ike-updown", "2");
	drive(p);
	assert_int_equal(ev.n_events, 2);
	assert_int_equal(done.n_done, 0);
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "3");
	assert_int_equal(drive(p), 0);
	assert_int_equal(done.n_done, 1);
	assert_int_equal(done.err, 0);
	assert_true(done.had_reply);
	assert_string_equal(done.reply_k, "3");
	assert_string_equal(ev.ev[0], "ike-updown:1");
	assert_string_equal(ev.ev[1], "ike-updown:2");
	assert_int_equal(vic_conn_pending(p->c), 0);
	assert_true(vic_conn_is_open(p->c));
	/* events after the answer still arrive */
	srv_kv(p, VIC_EVENT, "ike-updown", "4");
	drive(p);
	assert_int_equal(ev.n_events, 3);
}

/* VICI answers carry no id: the second request waits for the first. */
static void test_one_request_at_a_time(void **state)
{
	struct peer *p = *state;
	struct rec a = { 0 }, b = { 0 };

	assert_int_equal(vic_conn_command(p->c, "a", NULL, 1000, on_done, &a), 0);
	assert_int_equal(vic_conn_command(p->c, "b", NULL, 1000, on_done, &b), 0);
	assert_int_equal(vic_conn_pending(p->c), 2);
	drive(p);
	srv_expect(p, VIC_CMD_REQUEST, "a");
	srv_expect_nothing(p);
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "for-a");
	drive(p);
	assert_int_equal(a.n_done, 1);
	assert_string_equal(a.reply_k, "for-a");
	assert_int_equal(b.n_done, 0);
	srv_expect(p, VIC_CMD_REQUEST, "b");
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "for-b");
	drive(p);
	assert_int_equal(b.n_done, 1);
	assert_string_equal(b.reply_k, "for-b");
}

/* A peer that never answers: the deadline fails the request, and nothing
 * in the connection ever waits. */
static void test_peer_never_answers(void **state)
{
	struct peer *p = *state;
	struct rec a = { 0 }, b = { 0 };
	struct closed_rec closed = { 0 };
	uint64_t t0 = wall_ms();

	vic_conn_set_closed(p->c, on_closed, &closed);
	assert_int_equal(vic_conn_command(p->c, "stats", NULL, 5100, on_done, &a), 0);
	assert_int_equal(vic_conn_command(p->c, "later", NULL, 9000, on_done, &b), 0);
	assert_int_equal(vic_conn_deadline(p->c), 5100);
	for (int i = 0; i < 10; i++)
		assert_int_equal(drive(p), 0); /* nothing to read: returns at once */
	srv_expect(p, VIC_CMD_REQUEST, "stats");
	assert_int_equal(vic_conn_on_time(p->c, 5099), 0);
	assert_int_equal(a.n_done, 0);
	/* the answer may still come: only a new connection is in step */
	assert_int_equal(vic_conn_on_time(p->c, 5100), -1);
	assert_int_equal(a.n_done, 1);
	assert_int_equal(a.err, ETIMEDOUT);
	assert_non_null(strstr(a.why, "no answer to 'stats' from charon in time"));
	assert_int_equal(b.n_done, 1);
	assert_int_equal(b.err, ETIMEDOUT);
	assert_false(vic_conn_is_open(p->c));
	assert_int_equal(vic_conn_fd(p->c), -1);
	assert_int_equal(vic_conn_events(p->c), 0);
	assert_int_equal(closed.n, 1);
	assert_int_equal(closed.err, ETIMEDOUT);
	assert_string_equal(vic_conn_error(p->c), a.why);
	/* all of it took no time: the test's clock is not the wall clock */
	assert_true(wall_ms() - t0 < 1000);
	/* closed: nothing more is taken */
	errno = 0;
	assert_int_equal(vic_conn_command(p->c, "stats", NULL, 1, on_done, &a), -1);
	assert_int_equal(errno, ENOTCONN);
	assert_int_equal(a.n_done, 1);
}

/* A request still queued at its deadline fails alone. */
static void test_queued_request_times_out(void **state)
{
	struct peer *p = *state;
	struct rec a = { 0 }, b = { 0 }, c = { 0 };

	assert_int_equal(vic_conn_command(p->c, "a", NULL, 1000, on_done, &a), 0);
	assert_int_equal(vic_conn_command(p->c, "b", NULL, 50, on_done, &b), 0);
	assert_int_equal(vic_conn_command(p->c, "c", NULL, 2000, on_done, &c), 0);
	assert_int_equal(vic_conn_deadline(p->c), 50);
	drive(p);
	assert_int_equal(vic_conn_on_time(p->c, 60), 0);
	assert_int_equal(b.n_done, 1);
	assert_int_equal(b.err, ETIMEDOUT);
	assert_non_null(strstr(b.why, "'b' still queued at its deadline"));
	assert_int_equal(a.n_done, 0);
	assert_int_equal(vic_conn_pending(p->c), 2);
	assert_int_equal(vic_conn_deadline(p->c), 1000);
	srv_expect(p, VIC_CMD_REQUEST, "a");
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "1");
	drive(p);
	assert_int_equal(a.n_done, 1);
	assert_int_equal(a.err, 0);
	srv_expect(p, VIC_CMD_REQUEST, "c"); /* b never went out */
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "2");
	drive(p);
	assert_int_equal(c.n_done, 1);
	assert_int_equal(c.err, 0);
}

static void test_peer_closes_mid_message(void **state)
{
	struct peer *p = *state;
	struct rec a = { 0 };
	struct closed_rec closed = { 0 };
	static const uint8_t part[] = { 0, 0, 0, 20, 1, 3, 1, 'k' };

	vic_conn_set_closed(p->c, on_closed, &closed);
	assert_int_equal(vic_conn_command(p->c, "stats", NULL, 1000, on_done, &a), 0);
	drive(p);
	srv_raw(p, part, sizeof(part));
	close(p->srv);
	p->srv = -1;
	assert_int_equal(drive(p), -1);
	assert_int_equal(a.n_done, 1);
	assert_int_equal(a.err, EPIPE);
	assert_string_equal(a.why, "fake: closed by charon");
	assert_int_equal(closed.n, 1);
	assert_int_equal(closed.err, EPIPE);
	assert_false(vic_conn_is_open(p->c));
}

/* list-sas: register, command, the events, the reply, unregister. */
static void test_stream(void **state)
{
	struct peer *p = *state;
	struct rec sas = { 0 }, other = { 0 }, done = { 0 };
	struct vic_packet pkt;
	/* EVENT_REGISTER list-sa | CMD_REQUEST list-sas | EVENT_UNREGISTER list-sa */
	static const uint8_t reg[] = { 0, 0, 0, 9, 3, 7, 'l', 'i', 's', 't', '-', 's', 'a' };
	static const uint8_t unreg[] = { 0, 0, 0, 9, 4, 7, 'l', 'i', 's', 't', '-', 's', 'a' };
	struct vic_builder args;

	subscribe(p, "ike-updown", &other);
	vic_builder_init(&args);
	vic_add_kv(&args, "noblock", "yes");
	assert_int_equal(vic_conn_stream(p->c, "list-sas", &args, "list-sa", on_event, &sas, 1000,
					 on_done, &done),
			 0);
	vic_builder_free(&args); /* copied when queued */
	drive(p);
	assert_int_equal(srv_next(p, &pkt), 1);
	assert_int_equal(p->last_len, sizeof(reg));
	assert_memory_equal(p->last, reg, sizeof(reg));
	srv_expect_nothing(p); /* the command waits for the confirm */
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	drive(p);
	assert_int_equal(srv_next(p, &pkt), 1);
	assert_int_equal(pkt.type, VIC_CMD_REQUEST);
	assert_string_equal(pkt.name, "list-sas");
	{
		struct vic_node *m = vic_tree_parse(pkt.msg, pkt.msg_len);

		assert_non_null(m);
		assert_string_equal(vic_find_str(m, "noblock"), "yes");
		vic_tree_free(m);
	}
	srv_kv(p, VIC_EVENT, "list-sa", "sa1");
	srv_kv(p, VIC_EVENT, "ike-updown", "up");
	srv_kv(p, VIC_EVENT, "list-sa", "sa2");
	srv_kv(p, VIC_EVENT, "list-sa", "sa3");
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "listed");
	drive(p);
	assert_int_equal(sas.n_events, 3);
	assert_string_equal(sas.ev[0], "list-sa:sa1");
	assert_string_equal(sas.ev[2], "list-sa:sa3");
	assert_int_equal(other.n_events, 1);
	assert_string_equal(other.ev[0], "ike-updown:up");
	assert_int_equal(done.n_done, 0); /* not before it is unregistered */
	assert_int_equal(srv_next(p, &pkt), 1);
	assert_int_equal(p->last_len, sizeof(unreg));
	assert_memory_equal(p->last, unreg, sizeof(unreg));
	srv_kv(p, VIC_EVENT, "list-sa", "late"); /* before the confirm: still ours */
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	srv_kv(p, VIC_EVENT, "list-sa", "after");
	drive(p);
	assert_int_equal(done.n_done, 1);
	assert_int_equal(done.err, 0);
	assert_string_equal(done.reply_k, "listed");
	assert_int_equal(sas.n_events, 4); /* "after" is no one's */
	assert_string_equal(sas.ev[3], "list-sa:late");
	assert_true(vic_conn_is_open(p->c));
}

/* A streamed command charon does not know: still unregistered, then ENOENT. */
static void test_stream_unknown_command(void **state)
{
	struct peer *p = *state;
	struct rec sas = { 0 }, done = { 0 };

	assert_int_equal(vic_conn_stream(p->c, "list-nothing", NULL, "list-sa", on_event, &sas,
					 1000, on_done, &done),
			 0);
	drive(p);
	srv_expect(p, VIC_EVENT_REGISTER, "list-sa");
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	drive(p);
	srv_expect(p, VIC_CMD_REQUEST, "list-nothing");
	srv_pkt(p, VIC_CMD_UNKNOWN, NULL, NULL);
	drive(p);
	srv_expect(p, VIC_EVENT_UNREGISTER, "list-sa");
	assert_int_equal(done.n_done, 0);
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	drive(p);
	assert_int_equal(done.n_done, 1);
	assert_int_equal(done.err, ENOENT);
	assert_string_equal(done.why, "charon does not know command 'list-nothing'");
	assert_true(vic_conn_is_open(p->c));
}

static void test_unknown_command_and_event(void **state)
{
	struct peer *p = *state;
	struct rec a = { 0 }, ev = { 0 }, sub = { 0 };

	assert_int_equal(vic_conn_command(p->c, "nope", NULL, 1000, on_done, &a), 0);
	drive(p);
	srv_expect(p, VIC_CMD_REQUEST, "nope");
	srv_pkt(p, VIC_CMD_UNKNOWN, NULL, NULL);
	drive(p);
	assert_int_equal(a.err, ENOENT);
	assert_string_equal(a.why, "charon does not know command 'nope'");
	assert_true(vic_conn_is_open(p->c)); /* still in step */

	assert_int_equal(vic_conn_subscribe(p->c, "ike-state", on_event, &ev, 1000, on_done, &sub),
			 0);
	drive(p);
	srv_expect(p, VIC_EVENT_REGISTER, "ike-state");
	srv_pkt(p, VIC_EVENT_UNKNOWN, NULL, NULL);
	drive(p);
	assert_int_equal(sub.err, ENOENT);
	assert_string_equal(sub.why, "charon does not know event 'ike-state'");
	srv_kv(p, VIC_EVENT, "ike-state", "x"); /* no one listens */
	drive(p);
	assert_int_equal(ev.n_events, 0);
	/* and it may be asked for again */
	assert_int_equal(vic_conn_subscribe(p->c, "ike-state", on_event, &ev, 1000, NULL, NULL), 0);
	assert_true(vic_conn_is_open(p->c));
}

static void test_unsubscribe(void **state)
{
	struct peer *p = *state;
	struct rec ev = { 0 }, done = { 0 };

	subscribe(p, "log", &ev);
	assert_int_equal(vic_conn_unsubscribe(p->c, "log", 1000, on_done, &done), 0);
	drive(p);
	srv_expect(p, VIC_EVENT_UNREGISTER, "log");
	srv_kv(p, VIC_EVENT, "log", "before-confirm");
	srv_pkt(p, VIC_EVENT_CONFIRM, NULL, NULL);
	srv_kv(p, VIC_EVENT, "log", "after");
	drive(p);
	assert_int_equal(done.n_done, 1);
	assert_int_equal(done.err, 0);
	assert_int_equal(ev.n_events, 1);
	assert_string_equal(ev.ev[0], "log:before-confirm");
}

/* Hostile input: each one a clean error, the connection closed, every
 * pending request told. */
static void expect_broken(struct peer *p, const void *bytes, size_t n, int err, const char *why)
{
	struct rec a = { 0 }, b = { 0 };
	struct closed_rec closed = { 0 };

	vic_conn_set_closed(p->c, on_closed, &closed);
	assert_int_equal(vic_conn_command(p->c, "stats", NULL, 1000, on_done, &a), 0);
	assert_int_equal(vic_conn_command(p->c, "next", NULL, 1000, on_done, &b), 0);
	drive(p);
	srv_raw(p, bytes, n);
	assert_int_equal(drive(p), -1);
	assert_int_equal(a.n_done, 1);
	assert_int_equal(a.err, err);
	assert_string_equal(a.why, why);
	assert_int_equal(b.n_done, 1);
	assert_int_equal(b.err, err);
	assert_int_equal(closed.n, 1);
	assert_false(vic_conn_is_open(p->c));
}

static void test_malformed_answer(void **state)
{
	/* CMD_RESPONSE whose message opens a section and never closes it */
	static const uint8_t bad[] = { 0, 0, 0, 4, 1, 1, 1, 's' };

	expect_broken(*state, bad, sizeof(bad), EBADMSG,
		      "fake: malformed answer to 'stats' from charon");
}

static void test_malformed_packet(void **state)
{
	/* packet type 9 does not exist */
	static const uint8_t bad[] = { 0, 0, 0, 1, 9 };

	expect_broken(*state, bad, sizeof(bad), EBADMSG, "fake: malformed packet from charon");
}

static void test_oversized_packet(void **state)
{
	static const uint8_t huge[] = { 0, 8, 0, 1, 1 }; /* 512 KiB + 1 */

	expect_broken(*state, huge, sizeof(huge), EMSGSIZE, "fake: oversized packet from charon");
}

static void test_wrong_answer(void **state)
{
	/* EVENT_CONFIRM is no answer to a command */
	static const uint8_t confirm[] = { 0, 0, 0, 1, 5 };

	expect_broken(*state, confirm, sizeof(confirm), EPROTO,
		      "fake: unexpected packet type 5 from charon");
}

static void test_answer_to_nothing(void **state)
{
	struct peer *p = *state;
	struct closed_rec closed = { 0 };

	vic_conn_set_closed(p->c, on_closed, &closed);
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "x");
	assert_int_equal(drive(p), -1);
	assert_int_equal(closed.n, 1);
	assert_int_equal(closed.err, EPROTO);
}

static void test_malformed_event(void **state)
{
	struct peer *p = *state;
	struct rec ev = { 0 }, a = { 0 };
	/* EVENT "log" whose message has a list item outside a list */
	static const uint8_t bad[] = { 0, 0, 0, 8, 7, 3, 'l', 'o', 'g', 5, 0, 0 };

	subscribe(p, "log", &ev);
	assert_int_equal(vic_conn_command(p->c, "stats", NULL, 1000, on_done, &a), 0);
	drive(p);
	srv_raw(p, bad, sizeof(bad));
	assert_int_equal(drive(p), -1);
	assert_int_equal(ev.n_events, 0);
	assert_int_equal(a.err, EBADMSG);
	assert_string_equal(a.why, "fake: malformed 'log' event from charon");
}

/* An event split over many reads, byte by byte. */
static void test_event_in_pieces(void **state)
{
	struct peer *p = *state;
	struct rec ev = { 0 };
	struct vic_builder b;
	uint8_t *pkt;
	size_t len;

	subscribe(p, "log", &ev);
	vic_builder_init(&b);
	vic_add_kv(&b, "k", "whole");
	assert_int_equal(vic_packet_encode(VIC_EVENT, "log", b.buf, b.len, &pkt, &len), 0);
	vic_builder_free(&b);
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(ev.n_events, 0);
		srv_raw(p, pkt + i, 1);
		assert_int_equal(drive(p), 0);
	}
	free(pkt);
	assert_int_equal(ev.n_events, 1);
	assert_string_equal(ev.ev[0], "log:whole");
}

static void test_callback_queues(void **state)
{
	struct peer *p = *state;
	struct rec second = { 0 }, first = { .on_done = ACT_QUEUE, .next_rec = &second };

	first.c = p->c;
	assert_int_equal(vic_conn_command(p->c, "first", NULL, 1000, on_done, &first), 0);
	drive(p);
	srv_expect(p, VIC_CMD_REQUEST, "first");
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "1");
	drive(p);
	assert_int_equal(first.n_done, 1);
	srv_expect(p, VIC_CMD_REQUEST, "queued-in-callback");
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "2");
	drive(p);
	assert_int_equal(second.n_done, 1);
	assert_string_equal(second.reply_k, "2");
}

static void test_callback_closes(void **state)
{
	struct peer *p = *state;
	struct rec ev = { 0 }, a = { 0 };
	struct closed_rec closed = { 0 };

	subscribe(p, "log", &ev);
	vic_conn_set_closed(p->c, on_closed, &closed);
	ev.c = p->c;
	ev.on_event = ACT_CLOSE;
	assert_int_equal(vic_conn_command(p->c, "stats", NULL, 1000, on_done, &a), 0);
	drive(p);
	srv_kv(p, VIC_EVENT, "log", "1");
	srv_kv(p, VIC_EVENT, "log", "2"); /* read with the first, never delivered */
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "x");
	assert_int_equal(drive(p), -1);
	assert_int_equal(ev.n_events, 1);
	assert_int_equal(a.n_done, 1);
	assert_int_equal(a.err, ECANCELED);
	assert_int_equal(closed.n, 0); /* the caller's own close */
	/* and it can be opened again */
	{
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(vic_conn_adopt(p->c, sv[0], "again"), 0);
		close(p->srv);
		p->srv = sv[1];
		assert_true(vic_conn_is_open(p->c));
	}
}

static void test_callback_frees(void **state)
{
	struct peer *p = *state;
	struct rec a = { .on_done = ACT_FREE }, b = { 0 };

	a.c = p->c;
	assert_int_equal(vic_conn_command(p->c, "a", NULL, 1000, on_done, &a), 0);
	assert_int_equal(vic_conn_command(p->c, "b", NULL, 1000, on_done, &b), 0);
	drive(p);
	srv_kv(p, VIC_CMD_RESPONSE, NULL, "1");
	assert_int_equal(vic_conn_on_readable(p->c), -1); /* freed on the way out */
	p->c = NULL;
	assert_int_equal(a.n_done, 1);
	assert_int_equal(a.err, 0);
	assert_int_equal(b.n_done, 1);
	assert_int_equal(b.err, ECANCELED);
}

static void test_free_with_pending(void **state)
{
	struct peer *p = *state;
	struct rec a = { 0 }, b = { 0 }, ev = { 0 };
	struct closed_rec closed = { 0 };

	vic_conn_set_closed(p->c, on_closed, &closed);
	assert_int_equal(vic_conn_subscribe(p->c, "log", on_event, &ev, 1000, on_done, &a), 0);
	assert_int_equal(vic_conn_command(p->c, "b", NULL, 1000, on_done, &b), 0);
	vic_conn_free(p->c);
	p->c = NULL;
	assert_int_equal(a.err, ECANCELED);
	assert_int_equal(b.err, ECANCELED);
	assert_string_equal(b.why, "connection closed");
	assert_int_equal(closed.n, 0);
}

/* A request larger than the socket buffer goes out over several calls. */
static void test_big_request(void **state)
{
	struct peer *p = *state;
	struct rec a = { 0 };
	struct vic_builder b;
	struct vic_packet pkt;
	char *v = malloc(60001);
	int rounds = 0, got;

	assert_non_null(v);
	memset(v, 'x', 60000);
	v[60000] = 0;
	vic_builder_init(&b);
	for (int i = 0; i < 8; i++)
		vic_add_kv(&b, "k", v);
	free(v);
	assert_int_equal(vic_conn_command(p->c, "big", &b, 1000, on_done, &a), 0);
	do {
		vic_conn_on_writable(p->c);
		got = srv_next(p, &pkt);
		rounds++;
		assert_true(rounds < 1000);
	} while (!got);
	assert_true(rounds > 1); /* it did not fit at once */
	assert_int_equal(vic_conn_events(p->c), POLLIN);
	assert_string_equal(pkt.name, "big");
	assert_int_equal(pkt.msg_len, b.len);
	assert_memory_equal(pkt.msg, b.buf, b.len);
	vic_builder_free(&b);
	srv_kv(p, VIC_CMD_RESPONSE, NULL, NULL);
	drive(p);
	assert_int_equal(a.err, 0);
}

struct watch_rec {
	int n, fd;
	short events;
	uint64_t deadline;
};

static void on_watch(void *ctx, int fd, short events, uint64_t deadline_ms)
{
	struct watch_rec *w = ctx;

	w->n++;
	w->fd = fd;
	w->events = events;
	w->deadline = deadline_ms;
}

static void test_watch(void **state)
{
	struct peer *p = *state;
	struct watch_rec w = { 0 };
	struct rec a = { 0 };
	int fd = vic_conn_fd(p->c), n;

	vic_conn_set_watch(p->c, on_watch, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.fd, fd);
	assert_int_equal(w.events, POLLIN);
	assert_true(w.deadline == VIC_NO_DEADLINE);
	assert_int_equal(vic_conn_command(p->c, "stats", NULL, 700, on_done, &a), 0);
	assert_int_equal(w.events, POLLIN | POLLOUT);
	assert_int_equal(w.deadline, 700);
	vic_conn_on_writable(p->c);
	assert_int_equal(w.events, POLLIN);
	assert_int_equal(w.deadline, 700);
	n = w.n;
	vic_conn_on_readable(p->c); /* nothing changed: not called */
	assert_int_equal(w.n, n);
	srv_kv(p, VIC_CMD_RESPONSE, NULL, NULL);
	vic_conn_on_readable(p->c);
	assert_true(w.deadline == VIC_NO_DEADLINE);
	vic_conn_close(p->c);
	assert_int_equal(w.fd, -1);
	assert_int_equal(w.events, 0);
}

static void test_refused_requests(void **state)
{
	struct peer *p = *state;
	struct rec a = { 0 }, ev = { 0 };
	struct vic_builder b;
	char long_name[300];

	memset(long_name, 'n', 256);
	long_name[256] = 0;
	errno = 0;
	assert_int_equal(vic_conn_command(p->c, "", NULL, 1000, on_done, &a), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vic_conn_command(p->c, long_name, NULL, 1000, on_done, &a), -1);
	assert_int_equal(errno, EINVAL);
	vic_builder_init(&b);
	vic_begin_section(&b, "open");
	assert_int_equal(vic_conn_command(p->c, "x", &b, 1000, on_done, &a), -1);
	assert_int_equal(errno, EINVAL);
	vic_builder_free(&b);
	subscribe(p, "list-sa", &ev);
	assert_int_equal(vic_conn_subscribe(p->c, "list-sa", on_event, &ev, 1000, on_done, &a), -1);
	assert_int_equal(errno, EBUSY);
	/* a stream's unregistration would end the subscription */
	assert_int_equal(vic_conn_stream(p->c, "list-sas", NULL, "list-sa", on_event, &ev, 1000,
					 on_done, &a),
			 -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(vic_conn_unsubscribe(p->c, "log", 1000, on_done, &a), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(a.n_done, 0); /* refused requests are never answered */
	assert_int_equal(vic_conn_pending(p->c), 0);
	vic_conn_close(p->c);
	assert_int_equal(vic_conn_command(p->c, "x", NULL, 1000, on_done, &a), -1);
	assert_int_equal(errno, ENOTCONN);
}

/* connect(2) to a real listening unix socket, and the ways it fails. */
static void test_connect(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/test_vici_conn_XXXXXX";
	struct vic_conn *c = vic_conn_new();
	struct rec a = { 0 };
	struct peer p = { 0 };
	int lfd;

	(void)state;
	assert_non_null(c);
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/charon.vici", dir);
	/* nobody there */
	errno = 0;
	assert_int_equal(vic_conn_connect(c, "/nonexistent/charon.vici"), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(vic_conn_error(c),
			    "connect /nonexistent/charon.vici: No such file or directory");
	assert_false(vic_conn_is_open(c));
	/* a socket file nobody listens on */
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(vic_conn_connect(c, sa.sun_path), -1);
	assert_int_equal(errno, ECONNREFUSED);
	/* listening: connected at once, and it works */
	assert_int_equal(listen(lfd, 4), 0);
	assert_int_equal(vic_conn_connect(c, sa.sun_path), 0);
	assert_true(vic_conn_is_open(c));
	p.c = c;
	p.srv = accept(lfd, NULL, NULL);
	assert_true(p.srv >= 0);
	vic_reader_init(&p.rd);
	assert_int_equal(vic_conn_command(c, "version", NULL, 1000, on_done, &a), 0);
	drive(&p);
	srv_expect(&p, VIC_CMD_REQUEST, "version");
	srv_kv(&p, VIC_CMD_RESPONSE, NULL, "5.9.8");
	drive(&p);
	assert_string_equal(a.reply_k, "5.9.8");
	/* connecting again closes what was open */
	assert_int_equal(vic_conn_command(c, "version", NULL, 1000, on_done, &a), 0);
	assert_int_equal(vic_conn_connect(c, "/nonexistent/charon.vici"), -1);
	assert_int_equal(a.n_done, 2);
	assert_int_equal(a.err, ECANCELED);
	vic_conn_free(c);
	vic_reader_free(&p.rd);
	close(p.srv);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
}

#define PEER(t) cmocka_unit_test_setup_teardown(t, peer_setup, peer_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PEER(test_command_with_events_meanwhile),
		PEER(test_one_request_at_a_time),
		PEER(test_peer_never_answers),
		PEER(test_queued_request_times_out),
		PEER(test_peer_closes_mid_message),
		PEER(test_stream),
		PEER(test_stream_unknown_command),
		PEER(test_unknown_command_and_event),
		PEER(test_unsubscribe),
		PEER(test_malformed_answer),
		PEER(test_malformed_packet),
		PEER(test_oversized_packet),
		PEER(test_wrong_answer),
		PEER(test_answer_to_nothing),
		PEER(test_malformed_event),
		PEER(test_event_in_pieces),
		PEER(test_callback_queues),
		PEER(test_callback_closes),
		PEER(test_callback_frees),
		PEER(test_free_with_pending),
		PEER(test_big_request),
		PEER(test_watch),
		PEER(test_refused_requests),
		cmocka_unit_test(test_connect),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
