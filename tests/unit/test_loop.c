// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The event loop (base/loop.h): timers on the fake and the real clock, fd
 * callbacks, and handles stopped from inside callbacks; the loop's account
 * of its callbacks (base/loop_stats.h) on the fake clock and as a pure
 * core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/loop.h"
#include "base/loop_stats.h"

struct rec {
	struct loop *l;
	int fired;
	uint64_t at[16]; /* loop_now() in each call */
	struct loop_timer *stop_timer; /* stopped by this callback */
	struct loop_io *stop_io;
	struct loop_timer *self;
	uint64_t rearm_after; /* one-shot: re-arm itself this far ahead */
};

static const struct loop_cb_stats *row_of(struct loop *l, const char *name,
					  enum loop_cb_kind kind)
{
	const struct loop_stats *s = loop_stats(l);

	for (unsigned i = 0; i < s->n_rows; i++)
		if (s->row[i].kind == kind && !strcmp(s->row[i].name, name))
			return &s->row[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void on_timer(void *arg)
{
	struct rec *r = arg;

	if (r->fired < 16)
		r->at[r->fired] = loop_now(r->l);
	r->fired++;
	if (r->stop_timer)
		loop_timer_stop(r->stop_timer);
	if (r->stop_io)
		loop_io_stop(r->stop_io);
	if (r->rearm_after && r->fired < 3)
		loop_timer_after(r->self, r->rearm_after);
}

static void test_one_shot_fake_clock(void **state)
{
	struct loop *l = loop_new_fake(1000);
	struct loop_timer t;
	struct rec r = { .l = l };

	(void)state;
	assert_non_null(l);
	assert_int_equal(loop_now(l), 1000);
	loop_timer_init(&t, l, "t.t", on_timer, &r);
	loop_timer_after(&t, 50);
	assert_true(loop_timer_armed(&t));
	loop_advance(l, 49);
	assert_int_equal(r.fired, 0);
	loop_advance(l, 1);
	assert_int_equal(r.fired, 1);
	assert_int_equal(r.at[0], 1050); /* the clock reads the due time inside */
	assert_false(loop_timer_armed(&t));
	loop_advance(l, 1000);
	assert_int_equal(r.fired, 1);
	/* a time in the past fires at the next step */
	loop_timer_at(&t, 10);
	loop_advance(l, 0);
	assert_int_equal(r.fired, 2);
	loop_free(l);
}

static void test_periodic_fake_clock(void **state)
{
	struct loop *l = loop_new_fake(0);
	struct loop_timer t;
	struct rec r = { .l = l };

	(void)state;
	loop_timer_init(&t, l, "t.t", on_timer, &r);
	loop_timer_every(&t, 20);
	loop_advance(l, 100); /* 20, 40, 60, 80, 100 */
	assert_int_equal(r.fired, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(r.at[i], 20 * (i + 1));
	assert_int_equal(loop_now(l), 100);
	loop_timer_stop(&t);
	loop_advance(l, 100);
	assert_int_equal(r.fired, 5);
	loop_free(l);
}

static void test_order_and_stop_from_callback(void **state)
{
	struct loop *l = loop_new_fake(0);
	struct loop_timer a, b, c;
	struct rec ra = { .l = l }, rb = { .l = l }, rc = { .l = l };

	(void)state;
	loop_timer_init(&a, l, "t.a", on_timer, &ra);
	loop_timer_init(&b, l, "t.b", on_timer, &rb);
	loop_timer_init(&c, l, "t.c", on_timer, &rc);
	loop_timer_at(&c, 30);
	loop_timer_at(&b, 20);
	loop_timer_at(&a, 20); /* same time as b, armed later: fires after b */
	rb.stop_timer = &c; /* b stops c before it is due */
	loop_advance(l, 40);
	assert_int_equal(rb.fired, 1);
	assert_int_equal(ra.fired, 1);
	assert_int_equal(rc.fired, 0);
	assert_false(loop_timer_armed(&c));
	/* a one-shot that re-arms itself from its callback */
	ra.rearm_after = 5;
	ra.self = &a;
	ra.fired = 0;
	loop_timer_after(&a, 5);
	loop_advance(l, 100);
	assert_int_equal(ra.fired, 3);
	assert_int_equal(ra.at[0] + 5, ra.at[1]);
	loop_free(l);
}

struct io_rec {
	int calls;
	int fd;
	struct loop_io *stop; /* stopped by this callback */
};

static void on_io(void *arg, int fd, uint32_t events)
{
	struct io_rec *r = arg;
	char buf[64];

	r->calls++;
	r->fd = fd;
	assert_true(events & LOOP_IN);
	if (read(fd, buf, sizeof(buf)) < 0)
		fail_msg("read");
	if (r->stop)
		loop_io_stop(r->stop);
}

static void test_fd_callbacks(void **state)
{
	struct loop *l = loop_new_fake(0);
	int p1[2], p2[2];
	struct loop_io a, b;
	struct io_rec ra = { 0 }, rb = { 0 };

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p1), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p2), 0);
	loop_io_init(&a, l, "io.a", p1[0], on_io, &ra);
	loop_io_init(&b, l, "io.b", p2[0], on_io, &rb);
	assert_int_equal(loop_io_start(&a, LOOP_IN), 0);
	assert_int_equal(loop_io_start(&b, LOOP_IN), 0);
	loop_advance(l, 10);
	assert_int_equal(ra.calls + rb.calls, 0); /* nothing to read */
	assert_int_equal(write(p1[1], "x", 1), 1);
	loop_advance(l, 0);
	assert_int_equal(ra.calls, 1);
	assert_int_equal(ra.fd, p1[0]);
	assert_int_equal(rb.calls, 0);
	/* both ready in one batch; whichever runs first stops the other,
	 * whose event of the same batch must then be dropped */
	ra.stop = &b;
	rb.stop = &a;
	assert_int_equal(write(p1[1], "x", 1), 1);
	assert_int_equal(write(p2[1], "y", 1), 1);
	loop_run_once(l, 0);
	assert_int_equal(ra.calls - 1 + rb.calls, 1);
	assert_false(loop_io_active(&a) && loop_io_active(&b));
	loop_io_stop(&a);
	loop_io_stop(&b);
	/* a stopped handle can watch again */
	ra.stop = NULL;
	assert_int_equal(loop_io_start(&a, LOOP_IN), 0);
	assert_int_equal(write(p1[1], "z", 1), 1);
	ra.calls = 0;
	loop_advance(l, 0);
	assert_int_equal(ra.calls, 1);
	loop_io_stop(&a);
	for (int i = 0; i < 2; i++) {
		close(p1[i]);
		close(p2[i]);
	}
	loop_free(l);
}

static void stop_loop(void *arg)
{
	loop_stop(arg);
}

static void test_real_clock(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer t, s;
	struct rec r = { .l = l };
	uint64_t t0 = loop_clock_ms();

	(void)state;
	loop_timer_init(&t, l, "t.t", on_timer, &r);
	loop_timer_init(&s, l, "t.s", stop_loop, l);
	loop_timer_every(&t, 10);
	loop_timer_after(&s, 105);
	assert_int_equal(loop_run(l), 0);
	/* 10, 20, ... 100 ms: 10 runs, give or take a late one on a busy machine */
	assert_in_range(r.fired, 8, 10);
	assert_true(loop_clock_ms() - t0 >= 105);
	assert_true(r.at[0] - t0 >= 10);
	for (int i = 1; i < r.fired && i < 16; i++)
		assert_true(r.at[i] > r.at[i - 1]);
	loop_timer_stop(&t);
	loop_free(l);
}

static void stall(void *arg)
{
	(void)arg;
	usleep(60 * 1000);
}

static void test_no_catch_up_burst(void **state)
{
	struct loop *l = loop_new();
	struct loop_timer t, st, s;
	struct rec r = { .l = l };

	(void)state;
	loop_timer_init(&t, l, "t.t", on_timer, &r);
	loop_timer_init(&st, l, "t.st", stall, NULL);
	loop_timer_init(&s, l, "t.s", stop_loop, l);
	loop_timer_every(&t, 10);
	loop_timer_after(&st, 5); /* blocks 60 ms: six periods missed */
	loop_timer_after(&s, 95);
	loop_run(l);
	/* without the rule: 9 runs by 95 ms, six of them at once after the
	 * stall; with it, one run then, the next a period later */
	assert_in_range(r.fired, 2, 6);
	assert_true(r.at[0] >= 60);
	assert_true(r.at[1] - r.at[0] >= 9);
	/* the loop saw it on the real clock: the stall was slow, and the
	 * periodic timer due meanwhile fired late */
	assert_int_equal(row_of(l, "t.st", LOOP_CB_TIMER)->slow, 1);
	assert_true(row_of(l, "t.st", LOOP_CB_TIMER)->max_run_us >= 60000);
	assert_true(row_of(l, "t.t", LOOP_CB_TIMER)->late >= 1);
	loop_timer_stop(&t);
	loop_free(l);
}

/* ---- the loop's account of its callbacks ------------------------------------- */

struct spender {
	struct loop *l;
	uint64_t spend_ms; /* how long the callback "runs" on the fake clock */
	int calls;
	uint64_t at; /* loop_now() when it began */
};

static void spend(void *arg)
{
	struct spender *s = arg;

	s->calls++;
	s->at = loop_now(s->l);
	loop_fake_spend(s->l, s->spend_ms);
}

static void spend_io(void *arg, int fd, uint32_t events)
{
	char buf[8];

	(void)events;
	if (read(fd, buf, sizeof(buf)) < 0)
		fail_msg("read");
	spend(arg);
}

static void test_stats_fake_clock(void **state)
{
	struct loop *l = loop_new_fake(1000);
	struct loop_timer a, b, c, a2;
	struct spender sa = { .l = l, .spend_ms = 8 }, sb = { .l = l, .spend_ms = 1 },
		       sc = { .l = l }, sa2 = { .l = l, .spend_ms = 2 };
	const struct loop_stats *st = loop_stats(l);
	const struct loop_cb_stats *ra, *rb, *rc;

	(void)state;
	loop_timer_init(&a, l, "slow.one", spend, &sa);
	loop_timer_init(&b, l, "late.one", spend, &sb);
	loop_timer_init(&c, l, "every.20", spend, &sc);
	loop_timer_init(&a2, l, "slow.one", spend, &sa2); /* the same name: one row */
	loop_timer_at(&a, 1010);
	loop_timer_at(&b, 1012); /* due while a runs: fires at 1018, 6 ms late */
	loop_timer_at(&a2, 1030);
	loop_timer_every(&c, 20); /* 1020, 1040: on time */
	loop_advance(l, 45);
	assert_int_equal(sa.calls + sb.calls + sa2.calls, 3);
	assert_int_equal(sa.at, 1010);
	assert_int_equal(sb.at, 1018);
	assert_int_equal(sc.calls, 2);
	assert_int_equal(loop_now(l), 1045);
	ra = row_of(l, "slow.one", LOOP_CB_TIMER);
	rb = row_of(l, "late.one", LOOP_CB_TIMER);
	rc = row_of(l, "every.20", LOOP_CB_TIMER);
	assert_int_equal(ra->calls, 2);
	assert_int_equal(ra->slow, 1); /* 8 ms; the 2 ms run is not slow */
	assert_int_equal(ra->max_run_us, 8000);
	assert_int_equal(ra->run_us, 10000);
	assert_int_equal(ra->late, 0);
	assert_int_equal(rb->late, 1);
	assert_int_equal(rb->max_late_us, 6000);
	assert_int_equal(rb->slow, 0);
	assert_int_equal(rc->late + rc->slow, 0);
	assert_int_equal(rc->max_late_us, 0);
	assert_int_equal(st->calls, 5);
	assert_int_equal(st->slow, 1);
	assert_int_equal(st->late, 1);
	assert_int_equal(st->late_wakeups, 0); /* a fake loop never sleeps */
	/* a timer 5 ms late is not late yet; 5.001 would be */
	sa.spend_ms = 5;
	loop_timer_at(&a, 1050);
	loop_timer_at(&b, 1050);
	loop_advance(l, 10);
	assert_int_equal(rb->late, 1);
	assert_int_equal(rb->max_late_us, 6000);
	assert_int_equal(ra->slow, 1);
	/* a timer armed for a time already past is not late for that */
	loop_timer_at(&b, 1000);
	loop_advance(l, 0);
	assert_int_equal(sb.calls, 3);
	assert_int_equal(rb->late, 1);
	assert_int_equal(rb->max_late_us, 6000);
	loop_timer_stop(&c);
	loop_free(l);
}

static void test_stats_fd_and_names(void **state)
{
	struct loop *l = loop_new_fake(0);
	struct spender s = { .l = l, .spend_ms = 7 };
	struct loop_io io;
	struct loop_timer t;
	const struct loop_stats *st = loop_stats(l);
	int p[2];
	char name[LOOP_NAME_MAX];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p), 0);
	loop_io_init(&io, l, "peer.conn", p[0], spend_io, &s);
	loop_timer_init(&t, l, "peer.conn", spend, &s); /* same name, a timer: its own row */
	assert_int_equal(loop_io_start(&io, LOOP_IN), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	loop_advance(l, 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(row_of(l, "peer.conn", LOOP_CB_FD)->slow, 1);
	assert_int_equal(row_of(l, "peer.conn", LOOP_CB_FD)->max_run_us, 7000);
	assert_int_equal(row_of(l, "peer.conn", LOOP_CB_TIMER)->calls, 0);
	/* loop_io_set_fd: the same row for the next fd */
	loop_io_set_fd(&io, p[1]);
	assert_false(loop_io_active(&io));
	assert_int_equal(loop_io_start(&io, LOOP_IN), 0);
	assert_int_equal(write(p[0], "y", 1), 1);
	loop_advance(l, 0);
	assert_int_equal(row_of(l, "peer.conn", LOOP_CB_FD)->calls, 2);
	loop_io_stop(&io);
	/* more names than rows: the rest share "other" */
	for (int i = 0; i < LOOP_STATS_ROWS + 5; i++) {
		struct loop_timer x;

		snprintf(name, sizeof(name), "name.%d", i);
		loop_timer_init(&x, l, name, spend, &s);
	}
	assert_int_equal(st->n_rows, LOOP_STATS_ROWS);
	assert_string_equal(st->row[LOOP_STATS_ROWS - 1].name, "other");
	/* a name too long is cut, not overrun */
	loop_timer_init(&t, l, "a.name.longer.than.the.row.holds", spend, &s);
	assert_int_equal(strlen(st->row[LOOP_STATS_ROWS - 1].name), 5);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* The pure core: waits, the log's rate limit, the JSON. */
static void test_stats_core(void **state)
{
	struct loop_stats s;
	unsigned t, f;
	json_object *o, *rows, *e;

	(void)state;
	loop_stats_init(&s);
	t = loop_stats_row(&s, "vrrp.ipv4", LOOP_CB_TIMER);
	f = loop_stats_row(&s, "ctl.client", LOOP_CB_FD);
	assert_int_not_equal(t, f);
	assert_int_equal(loop_stats_row(&s, "vrrp.ipv4", LOOP_CB_TIMER), t);
	/* slept from 1.000 s for a timer due at 1.020 s, woke at 1.061 s: the
	 * kernel ran the thread 41 ms late; the timer fired 41.5 ms late */
	loop_stats_woke(&s, 1000000, 1020000, 1061000, NULL);
	assert_int_equal(s.late_wakeups, 1);
	assert_int_equal(s.max_wake_late_us, 41000);
	loop_stats_ran(&s, t, 1061500, 1061600, 1020000, NULL);
	assert_int_equal(s.row[t].late, 1);
	assert_int_equal(s.row[t].max_late_us, 41500);
	assert_int_equal(s.row[t].slow, 0);
	/* a wait that began after the timer was due (callbacks ran long):
	 * woke 2 ms after it began, not late; no timer: never late */
	loop_stats_woke(&s, 2100000, 2000000, 2102000, NULL);
	loop_stats_woke(&s, 0, 0, 9000000, NULL);
	loop_stats_woke(&s, 3000000, 3010000, 3014999, NULL); /* 4.999 ms */
	assert_int_equal(s.late_wakeups, 1);
	/* the log's rate limit: 5 lines a window, the rest counted */
	loop_stats_woke(&s, 0, 0, 20000000, NULL);
	for (int i = 0; i < 20; i++)
		loop_stats_ran(&s, f, 20000000 + i * 10000, 20000000 + i * 10000 + 6000, 0, NULL);
	assert_int_equal(s.row[f].slow, 20);
	assert_int_equal(s.log_left_out, 15);
	loop_stats_ran(&s, f, 30500000, 30506000, 0, NULL); /* a new window: logged, said */
	assert_int_equal(s.log_left_out, 0);
	assert_int_equal(s.log_in_window, 1);
	/* the JSON: figures per name, late only for timers */
	o = loop_stats_json(&s);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "slow_us")), 5000);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "slow")), 21);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "late_timers")), 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "late_wakeups")), 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "max_wake_late_us")),
			 41000);
	rows = json_object_object_get(o, "callbacks_by_name");
	assert_int_equal(json_object_array_length(rows), 2);
	e = json_object_array_get_idx(rows, (size_t)f);
	assert_string_equal(json_object_get_string(json_object_object_get(e, "name")),
			    "ctl.client");
	assert_string_equal(json_object_get_string(json_object_object_get(e, "kind")), "fd");
	assert_int_equal(json_object_get_int64(json_object_object_get(e, "max_run_us")), 6000);
	assert_true(json_object_object_get_ex(e, "late", NULL));
	assert_null(json_object_object_get(e, "late"));
	e = json_object_array_get_idx(rows, (size_t)t);
	assert_string_equal(json_object_get_string(json_object_object_get(e, "kind")), "timer");
	assert_int_equal(json_object_get_int64(json_object_object_get(e, "late")), 1);
	json_object_put(o);
}

/* Why a slow callback was slow: the thread's CPU account at the round's
 * start and after it. */
static void test_stats_slow_causes(void **state)
{
	struct loop_stats s;
	struct loop_cpu at = { .cpu_us = 1000, .waits = 10, .preemptions = 3 }, after;
	unsigned r;
	json_object *o;

	(void)state;
	loop_stats_init(&s);
	r = loop_stats_row(&s, "x", LOOP_CB_FD);
	/* 12 ms, 11 of them on the CPU: it ran */
	loop_stats_woke(&s, 0, 0, 100000, &at);
	after = (struct loop_cpu){ .cpu_us = 12000, .waits = 10, .preemptions = 3 };
	loop_stats_ran(&s, r, 100000, 112000, 0, &after);
	/* 12 ms, 1 on the CPU, and it slept in the kernel: it waited */
	loop_stats_woke(&s, 0, 0, 200000, &at);
	after = (struct loop_cpu){ .cpu_us = 2000, .waits = 11, .preemptions = 3 };
	loop_stats_ran(&s, r, 200000, 212000, 0, &after);
	/* 12 ms, 1 on the CPU, no sleep (preempted, or the CPU taken): not run */
	loop_stats_woke(&s, 0, 0, 300000, &at);
	after = (struct loop_cpu){ .cpu_us = 2000, .waits = 10, .preemptions = 3 };
	loop_stats_ran(&s, r, 300000, 312000, 0, &after);
	after.preemptions = 4;
	loop_stats_ran(&s, r, 312000, 324000, 0, &after);
	/* no account: the daemon's, to be safe */
	loop_stats_woke(&s, 0, 0, 400000, NULL);
	loop_stats_ran(&s, r, 400000, 412000, 0, &after);
	assert_int_equal(s.row[r].slow, 5);
	assert_int_equal(s.row[r].slow_by[LOOP_SLOW_RAN], 2);
	assert_int_equal(s.row[r].slow_by[LOOP_SLOW_WAITED], 1);
	assert_int_equal(s.row[r].slow_by[LOOP_SLOW_NOT_RUN], 2);
	assert_int_equal(s.slow_by[LOOP_SLOW_NOT_RUN], 2);
	o = loop_stats_json(&s);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "slow_not_run")), 2);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "slow_waited")), 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "slow_ran")), 2);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_shot_fake_clock),
		cmocka_unit_test(test_periodic_fake_clock),
		cmocka_unit_test(test_order_and_stop_from_callback),
		cmocka_unit_test(test_fd_callbacks),
		cmocka_unit_test(test_real_clock),
		cmocka_unit_test(test_no_catch_up_burst),
		cmocka_unit_test(test_stats_fake_clock),
		cmocka_unit_test(test_stats_fd_and_names),
		cmocka_unit_test(test_stats_core),
		cmocka_unit_test(test_stats_slow_causes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
