// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The blocking helper on top of the asynchronous connection, against a
 * fake charon in a child process (it must run while the test waits):
 * answers, events while a command waits, a charon that never answers (the
 * wait ends at the deadline), and a request that could not be queued.
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ike/vici_sync.h"

struct child {
	struct vic_conn *c;
	pid_t pid;
};

static void send_pkt(int fd, uint8_t type, const char *name, const char *k)
{
	struct vic_builder b;
	uint8_t *p;
	size_t len;

	vic_builder_init(&b);
	if (k)
		vic_add_kv(&b, "k", k);
	if (vic_packet_encode(type, name, b.buf, b.len, &p, &len) ||
	    write(fd, p, len) != (ssize_t)len)
		_exit(3);
	free(p);
	vic_builder_free(&b);
}

/*
 * charon, as far as these tests need it: confirms registrations; "stats"
 * gets { k = 42 }; "events" gets two "log" events and then { k = done };
 * "hang" gets nothing, ever.
 */
static void serve(int fd)
{
	struct vic_reader r;
	struct vic_packet p;
	uint8_t buf[4096];
	ssize_t n;

	vic_reader_init(&r);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		vic_reader_push(&r, buf, (size_t)n);
		while (vic_reader_next(&r, &p) > 0) {
			if (p.type == VIC_EVENT_REGISTER) {
				send_pkt(fd, VIC_EVENT_CONFIRM, NULL, NULL);
			} else if (!strcmp(p.name, "stats")) {
				send_pkt(fd, VIC_CMD_RESPONSE, NULL, "42");
			} else if (!strcmp(p.name, "events")) {
				send_pkt(fd, VIC_EVENT, "log", "one");
				send_pkt(fd, VIC_EVENT, "log", "two");
				send_pkt(fd, VIC_CMD_RESPONSE, NULL, "done");
			} else if (strcmp(p.name, "hang")) {
				send_pkt(fd, VIC_CMD_UNKNOWN, NULL, NULL);
			}
		}
	}
	_exit(0);
}

static int child_setup(void **state)
{
	struct child *ch = calloc(1, sizeof(*ch));
	int sv[2];

	assert_non_null(ch);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ch->pid = fork();
	assert_true(ch->pid >= 0);
	if (ch->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
		alarm(10);
		close(sv[0]);
		serve(sv[1]);
	}
	close(sv[1]);
	ch->c = vic_conn_new();
	assert_non_null(ch->c);
	assert_int_equal(vic_conn_adopt(ch->c, sv[0], "fake"), 0);
	*state = ch;
	return 0;
}

static int child_teardown(void **state)
{
	struct child *ch = *state;
	int st;

	vic_conn_free(ch->c); /* the child reads EOF and exits */
	assert_int_equal(waitpid(ch->pid, &st, 0), ch->pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(ch);
	return 0;
}

struct events {
	int n;
	char got[4][32];
};

static void on_log(void *ctx, const char *name, const struct vic_node *msg)
{
	struct events *e = ctx;

	if (e->n < 4)
		snprintf(e->got[e->n], sizeof(e->got[0]), "%s:%s", name, vic_find_str(msg, "k"));
	e->n++;
}

static void test_command(void **state)
{
	struct child *ch = *state;
	struct vic_sync_result r;
	struct vic_node *reply;

	assert_int_equal(vic_sync_command(ch->c, "stats", NULL, 2000, &reply, &r), 0);
	assert_non_null(reply); /* a copy: it outlives the callback */
	assert_string_equal(vic_find_str(reply, "k"), "42");
	vic_tree_free(reply);
	assert_int_equal(vic_sync_command(ch->c, "nope", NULL, 2000, &reply, &r), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(reply);
	assert_string_equal(r.why, "charon does not know command 'nope'");
}

static void test_events_while_waiting(void **state)
{
	struct child *ch = *state;
	struct vic_sync_result r;
	struct events e = { 0 };
	struct vic_node *reply;

	assert_int_equal(vic_sync_subscribe(ch->c, "log", on_log, &e, 2000, &r), 0);
	assert_int_equal(vic_sync_command(ch->c, "events", NULL, 2000, &reply, &r), 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.got[0], "log:one");
	assert_string_equal(e.got[1], "log:two");
	assert_string_equal(vic_find_str(reply, "k"), "done");
	vic_tree_free(reply);
}

static void test_never_answered(void **state)
{
	struct child *ch = *state;
	struct vic_sync_result r;
	uint64_t t0 = vic_sync_now(), took;

	assert_int_equal(vic_sync_command(ch->c, "hang", NULL, 200, NULL, &r), -1);
	took = vic_sync_now() - t0;
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(r.err, ETIMEDOUT);
	assert_non_null(strstr(r.why, "no answer to 'hang' from charon in time"));
	print_message("# waited %llu ms for a 200 ms deadline\n", (unsigned long long)took);
	assert_true(took >= 200 && took < 2000);
	assert_false(vic_conn_is_open(ch->c));
}

static void test_not_queued(void **state)
{
	struct child *ch = *state;
	struct vic_sync_result r = { 0 };

	vic_conn_close(ch->c);
	/* queuing fails at once: the reason is the connection's */
	assert_int_equal(vic_sync_finish(ch->c,
					 vic_query_ike_sas(ch->c, vic_sync_deadline(100),
							   vic_sync_count, &r),
					 &r),
			 -1);
	assert_int_equal(errno, ENOTCONN);
	assert_string_equal(r.why, "connection closed");
}

#define CHILD(t) cmocka_unit_test_setup_teardown(t, child_setup, child_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CHILD(test_command),
		CHILD(test_events_while_waiting),
		CHILD(test_never_answered),
		CHILD(test_not_queued),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
