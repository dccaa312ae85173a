// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The control server (daemon/ctl.h) on a fake clock: requests answered,
 * and clients that say nothing, say too much or read nothing cost the loop
 * nothing and are dropped at their deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/loop.h"
#include "daemon/ctl.h"
#include "../lib/unit_env.h"

#define BIG (4u << 20) /* a reply larger than any socket buffer */

struct handler_state {
	int calls;
	char last[CTL_REQ_MAX];
};

static int handler(void *ctx, const char *req, FILE *out)
{
	struct handler_state *h = ctx;

	h->calls++;
	snprintf(h->last, sizeof(h->last), "%s", req);
	if (!strcmp(req, "big")) {
		for (unsigned i = 0; i < BIG / 64; i++)
			fprintf(out, "%063u\n", i);
		return 0;
	}
	if (!strcmp(req, "fail")) {
		fprintf(out, "no such thing\n");
		return -1;
	}
	fprintf(out, "you said %s\n", req);
	return 0;
}

static int connect_client(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	rundir_path(sun.sun_path, sizeof(sun.sun_path), "t", "sock");
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Everything the server sent, once it closed (the client reads without
 * waiting; the fake loop does the server's work in between). */
static char *reply_of(struct loop *l, int fd)
{
	static char buf[4096];
	size_t got = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 2000; i++) {
		ssize_t n;

		loop_advance(l, 0);
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		else
			usleep(1000);
	}
	buf[got] = 0;
	return buf;
}

static bool closed_by_server(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno == ECONNRESET);
}

struct env {
	struct loop *l;
	struct ctl_server *s;
	struct handler_state h;
};

static int setup(void **state)
{
	static struct env e;

	memset(&e, 0, sizeof(e));
	e.l = loop_new_fake(0);
	e.s = ctl_server_new(e.l, "t", handler, &e.h);
	assert_non_null(e.s);
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	ctl_server_free(e->s);
	loop_free(e->l);
	return 0;
}

static void test_request_and_reply(void **state)
{
	struct env *e = *state;
	int fd = connect_client();

	assert_int_equal(write(fd, "hello\n", 6), 6);
	assert_string_equal(reply_of(e->l, fd), "ok\nyou said hello\n");
	close(fd);
	fd = connect_client();
	assert_int_equal(write(fd, "fail\n", 5), 5);
	assert_string_equal(reply_of(e->l, fd), "error: no such thing\n");
	close(fd);
	/* a request ended by EOF instead of a newline, sent in pieces */
	fd = connect_client();
	assert_int_equal(write(fd, "hel", 3), 3);
	loop_advance(e->l, 10);
	assert_int_equal(write(fd, "lo", 2), 2);
	shutdown(fd, SHUT_WR);
	assert_string_equal(reply_of(e->l, fd), "ok\nyou said hello\n");
	close(fd);
	assert_int_equal(ctl_server_clients(e->s), 0);
}

static void test_silent_client_dropped_at_deadline(void **state)
{
	struct env *e = *state;
	int silent = connect_client(), fd;

	loop_advance(e->l, 0);
	assert_int_equal(ctl_server_clients(e->s), 1);
	/* meanwhile another client is served */
	fd = connect_client();
	assert_int_equal(write(fd, "x\n", 2), 2);
	assert_string_equal(reply_of(e->l, fd), "ok\nyou said x\n");
	close(fd);
	loop_advance(e->l, CTL_DEADLINE_MS - 1);
	assert_false(closed_by_server(silent));
	loop_advance(e->l, 1);
	assert_true(closed_by_server(silent));
	assert_int_equal(ctl_server_clients(e->s), 0);
	assert_int_equal(e->h.calls, 1);
	close(silent);
}

static void test_too_long_request(void **state)
{
	struct env *e = *state;
	char req[CTL_REQ_MAX + 10];
	int fd = connect_client();

	memset(req, 'a', sizeof(req));
	assert_int_equal(write(fd, req, sizeof(req)), (ssize_t)sizeof(req));
	assert_string_equal(reply_of(e->l, fd), "error: bad request\n");
	assert_int_equal(e->h.calls, 0);
	close(fd);
}

static void test_full_house_waits_in_backlog(void **state)
{
	struct env *e = *state;
	int silent[CTL_MAX_CLIENTS], fd;
	struct pollfd p;

	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		silent[i] = connect_client();
	loop_advance(e->l, 0);
	assert_int_equal(ctl_server_clients(e->s), CTL_MAX_CLIENTS);
	fd = connect_client(); /* accepted by the kernel, not yet by the server */
	assert_int_equal(write(fd, "late\n", 5), 5);
	loop_advance(e->l, 100);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(e->h.calls, 0);
	/* the silent ones reach their deadline: the waiting one is served */
	loop_advance(e->l, CTL_DEADLINE_MS);
	assert_string_equal(reply_of(e->l, fd), "ok\nyou said late\n");
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		assert_true(closed_by_server(silent[i]));
		close(silent[i]);
	}
	close(fd);
}

static void test_client_that_reads_nothing(void **state)
{
	struct env *e = *state;
	int fd = connect_client(), other;
	uint64_t t0 = loop_clock_ms();

	assert_int_equal(write(fd, "big\n", 4), 4);
	loop_advance(e->l, 0); /* the server writes what fits and returns */
	assert_true(loop_clock_ms() - t0 < 1000);
	other = connect_client();
	assert_int_equal(write(other, "y\n", 2), 2);
	assert_string_equal(reply_of(e->l, other), "ok\nyou said y\n");
	close(other);
	loop_advance(e->l, CTL_DEADLINE_MS);
	assert_int_equal(ctl_server_clients(e->s), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_and_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_client_dropped_at_deadline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_too_long_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_house_waits_in_backlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_that_reads_nothing, setup, teardown),
	};

	if (unit_private_namespaces())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
