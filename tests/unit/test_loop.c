// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The event loop (base/loop.h): timers on the fake and the real clock, fd
 * callbacks, and handles stopped from inside callbacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <unistd.h>

#include "base/loop.h"

struct rec {
	struct loop *l;
	int fired;
	uint64_t at[16]; /* loop_now() in each call */
	struct loop_timer *stop_timer; /* stopped by this callback */
	struct loop_io *stop_io;
	struct loop_timer *self;
	uint64_t rearm_after; /* one-shot: re-arm itself this far ahead */
};

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
	loop_timer_init(&t, l, on_timer, &r);
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
	loop_timer_init(&t, l, on_timer, &r);
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
	loop_timer_init(&a, l, on_timer, &ra);
	loop_timer_init(&b, l, on_timer, &rb);
	loop_timer_init(&c, l, on_timer, &rc);
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
	loop_io_init(&a, l, p1[0], on_io, &ra);
	loop_io_init(&b, l, p2[0], on_io, &rb);
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
	loop_timer_init(&t, l, on_timer, &r);
	loop_timer_init(&s, l, stop_loop, l);
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
	loop_timer_init(&t, l, on_timer, &r);
	loop_timer_init(&st, l, stall, NULL);
	loop_timer_init(&s, l, stop_loop, l);
	loop_timer_every(&t, 10);
	loop_timer_after(&st, 5); /* blocks 60 ms: six periods missed */
	loop_timer_after(&s, 95);
	loop_run(l);
	/* without the rule: 9 runs by 95 ms, six of them at once after the
	 * stall; with it, one run then, the next a period later */
	assert_in_range(r.fired, 2, 6);
	assert_true(r.at[0] >= 60);
	assert_true(r.at[1] - r.at[0] >= 9);
	loop_timer_stop(&t);
	loop_free(l);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
