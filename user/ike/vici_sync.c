// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Blocking use of an asynchronous VICI connection: see vici_sync.h. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ike/vici_sync.h"

uint64_t vic_sync_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t vic_sync_deadline(int timeout_ms)
{
	return vic_sync_now() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
}

void vic_sync_done(void *ctx, int err, const char *why)
{
	struct vic_sync_result *r = ctx;

	r->finished = true;
	r->err = err;
	snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
}

void vic_sync_count(void *ctx, int err, const char *why, uint64_t count)
{
	struct vic_sync_result *r = ctx;

	vic_sync_done(ctx, err, why);
	r->count = count;
}

/* One round of poll(2) on the connection, then its calls. */
static void run_once(struct vic_conn *c)
{
	struct pollfd p = { .fd = vic_conn_fd(c), .events = vic_conn_events(c) };
	uint64_t now = vic_sync_now(), dl = vic_conn_deadline(c);
	int timeout = -1, rc;

	if (dl != VIC_NO_DEADLINE)
		timeout = dl <= now ? 0 : dl - now > INT_MAX ? INT_MAX : (int)(dl - now);
	rc = poll(&p, 1, timeout);
	if (rc < 0 && errno != EINTR) {
		/* cannot wait any more: the pending requests fail with a reason */
		vic_conn_close(c);
		return;
	}
	if (rc > 0 && (p.revents & POLLOUT))
		vic_conn_on_writable(c);
	if (rc > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)))
		vic_conn_on_readable(c);
	vic_conn_on_time(c, vic_sync_now());
}

int vic_sync_finish(struct vic_conn *c, int queued, struct vic_sync_result *r)
{
	if (queued) {
		r->finished = true;
		r->err = errno ? errno : EINVAL;
		snprintf(r->why, sizeof(r->why), "%s",
			 r->err == ENOTCONN && *vic_conn_error(c) ? vic_conn_error(c) :
								     strerror(r->err));
		errno = r->err;
		return -1;
	}
	/* the request ends at the latest at its deadline: answered, failed,
	 * or failed with the connection (which answers all it holds) */
	while (!r->finished) {
		if (!vic_conn_is_open(c)) { /* r was not c's request: nothing to wait for */
			vic_sync_done(r, ENOTCONN,
				      *vic_conn_error(c) ? vic_conn_error(c) : "not connected");
			break;
		}
		run_once(c);
	}
	errno = r->err;
	return r->err ? -1 : 0;
}

struct command_wait {
	struct vic_sync_result *r;
	struct vic_node **reply;
};

static void on_reply(void *ctx, int err, const char *why, const struct vic_node *reply)
{
	struct command_wait *w = ctx;

	if (!err && w->reply) {
		*w->reply = vic_tree_dup(reply);
		if (!*w->reply) {
			err = ENOMEM;
			why = "out of memory";
		}
	}
	vic_sync_done(w->r, err, why);
}

int vic_sync_command(struct vic_conn *c, const char *cmd, const struct vic_builder *args,
		     int timeout_ms, struct vic_node **reply, struct vic_sync_result *r)
{
	struct command_wait w = { r, reply };

	memset(r, 0, sizeof(*r));
	if (reply)
		*reply = NULL;
	return vic_sync_finish(c,
			       vic_conn_command(c, cmd, args, vic_sync_deadline(timeout_ms),
						on_reply, &w),
			       r);
}

static void on_confirmed(void *ctx, int err, const char *why, const struct vic_node *reply)
{
	(void)reply;
	vic_sync_done(ctx, err, why);
}

int vic_sync_subscribe(struct vic_conn *c, const char *event, vic_event_fn fn, void *ctx,
		       int timeout_ms, struct vic_sync_result *r)
{
	memset(r, 0, sizeof(*r));
	return vic_sync_finish(c,
			       vic_conn_subscribe(c, event, fn, ctx, vic_sync_deadline(timeout_ms),
						  on_confirmed, r),
			       r);
}
