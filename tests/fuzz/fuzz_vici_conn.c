// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for the asynchronous VICI connection: the input is what
 * charon sends, written in pieces into a real socket pair while requests
 * of every kind are pending (a subscription, a list-sas stream, commands,
 * one queued from inside an event callback), with the loop's calls in
 * between and a clock that moves on.  The first input byte sets the piece
 * size.  Oracles besides the sanitizers: every queued request is answered
 * exactly once by the time the connection is freed; a closed connection
 * asks the loop for nothing; the connection never waits on its own.
 */
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike/vici_conn.h"

#define REQS 6

struct state {
	struct vic_conn *c;
	int done[REQS];
	int events;
	bool queued_from_event;
};

struct req {
	struct state *s;
	int i;
};

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void on_done(void *ctx, int err, const char *why, const struct vic_node *reply)
{
	struct req *r = ctx;

	check((err == 0) == (*why == '\0'));
	if (reply)
		vic_find_str(reply, "k");
	r->s->done[r->i]++;
}

static struct req reqs[REQS];

static void on_event(void *ctx, const char *name, const struct vic_node *msg)
{
	struct state *s = ctx;

	(void)name;
	vic_find_str(msg, "k");
	s->events++;
	if (!s->queued_from_event &&
	    vic_conn_command(s->c, "from-event", NULL, 500, on_done, &reqs[REQS - 1]) == 0)
		s->queued_from_event = true;
}

/* Reads (and drops) whatever the client wrote. */
static void drain(int fd)
{
	uint8_t buf[65536];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state s = { 0 };
	size_t off = 1, step;
	uint64_t now = 0;
	int sv[2], queued[REQS] = { 0 };
	struct vic_builder args;

	if (size < 1 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 0;
	step = (size_t)data[0] % 64 + 1;
	s.c = vic_conn_new();
	if (!s.c || vic_conn_adopt(s.c, sv[0], "fuzz")) {
		vic_conn_free(s.c);
		close(sv[1]);
		return 0;
	}
	for (int i = 0; i < REQS; i++)
		reqs[i] = (struct req){ &s, i };
	vic_builder_init(&args);
	vic_add_kv(&args, "noblock", "yes");
	queued[0] = !vic_conn_subscribe(s.c, "log", on_event, &s, 1000, on_done, &reqs[0]);
	queued[1] = !vic_conn_stream(s.c, "list-sas", &args, "list-sa", on_event, &s, 2000,
				     on_done, &reqs[1]);
	queued[2] = !vic_conn_command(s.c, "stats", NULL, 300, on_done, &reqs[2]);
	queued[3] = !vic_conn_command(s.c, "version", NULL, 5000, on_done, &reqs[3]);
	queued[4] = !vic_conn_subscribe(s.c, "ike-updown", on_event, &s, 700, on_done, &reqs[4]);
	vic_builder_free(&args);
	check(queued[0] && queued[1] && queued[2] && queued[3] && queued[4]);
	while (off < size && vic_conn_is_open(s.c)) {
		size_t n = size - off < step ? size - off : step;

		vic_conn_on_writable(s.c);
		drain(sv[1]);
		if (write(sv[1], data + off, n) != (ssize_t)n)
			break;
		off += n;
		vic_conn_on_readable(s.c);
		now += 50;
		vic_conn_on_time(s.c, now);
	}
	if (!vic_conn_is_open(s.c)) {
		check(vic_conn_fd(s.c) == -1 && vic_conn_events(s.c) == 0);
		check(vic_conn_pending(s.c) == 0);
	}
	vic_conn_free(s.c);
	close(sv[1]);
	queued[REQS - 1] = s.queued_from_event;
	for (int i = 0; i < REQS; i++)
		check(s.done[i] == queued[i]);
	return 0;
}
