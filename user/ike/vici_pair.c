// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A command and an event connection to charon, up when every subscription
 * is confirmed: see vici_pair.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/loop.h"
#include "ike/vici_loop.h"
#include "ike/vici_pair.h"

#define SUBSCRIBE_TIMEOUT_MS 1000
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 10000
/* a connection that lasted this long was not refused: back off from the start */
#define STABLE_MS 5000

struct vici_pair {
	struct loop *loop;
	struct vici_pair_hooks hooks;
	const char *const *events;
	unsigned n_events;
	struct vic_conn *ev, *cmd;
	struct vici_loop ev_loop, cmd_loop;
	struct loop_timer retry;
	enum vici_pair_state state;
	bool trying; /* started, not stopped: reconnect when down */
	unsigned confirmed; /* subscriptions confirmed while connecting */
	char path[PATH_MAX];
	char reason[256]; /* why not up */
	time_t since; /* wall clock of the last connect or loss */
	uint64_t next_try_ms;
	unsigned backoff_ms;
	uint64_t up_ms; /* when the pair came up */
	uint64_t connects, losses;
};

static void close_both(struct vici_pair *p)
{
	/* pending requests complete with ECANCELED: their callbacks see
	 * that the pair is no longer up */
	vic_conn_close(p->ev);
	vic_conn_close(p->cmd);
}

static void retry_in(struct vici_pair *p, unsigned ms)
{
	p->next_try_ms = loop_now(p->loop) + ms;
	loop_timer_at(&p->retry, p->next_try_ms);
}

/* Connecting failed (refused, or a subscription not confirmed). */
static void connect_failed(struct vici_pair *p, const char *why)
{
	bool news;

	p->state = VICI_PAIR_DOWN;
	close_both(p);
	if (!why || !*why)
		why = "connection failed";
	news = strcmp(p->reason, why) != 0;
	p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (p->backoff_ms > BACKOFF_MAX_MS)
		p->backoff_ms = BACKOFF_MAX_MS;
	snprintf(p->reason, sizeof(p->reason), "%s", why);
	retry_in(p, p->backoff_ms);
	if (p->hooks.on_failed)
		p->hooks.on_failed(p->hooks.ctx, p->reason, p->backoff_ms, news);
}

static void lost(struct vici_pair *p, const char *why)
{
	uint64_t now = loop_now(p->loop);

	if (p->state != VICI_PAIR_UP)
		return;
	snprintf(p->reason, sizeof(p->reason), "%s", why && *why ? why : "connection lost");
	p->state = VICI_PAIR_DOWN;
	close_both(p);
	p->losses++;
	p->since = time(NULL);
	/* a connection that drops soon after it came up (charon refusing
	 * something of ours) backs off further; one that lasted starts over */
	if (now - p->up_ms >= STABLE_MS || !p->backoff_ms)
		p->backoff_ms = BACKOFF_MIN_MS;
	else if ((p->backoff_ms *= 2) > BACKOFF_MAX_MS)
		p->backoff_ms = BACKOFF_MAX_MS;
	retry_in(p, p->backoff_ms);
	if (p->hooks.on_lost)
		p->hooks.on_lost(p->hooks.ctx, p->reason, p->backoff_ms);
}

/* Either connection closed on its own (error, charon gone, a deadline). */
static void on_closed(void *ctx, int err, const char *why)
{
	struct vici_pair *p = ctx;

	(void)err;
	if (p->state == VICI_PAIR_CONNECTING)
		connect_failed(p, why);
	else
		lost(p, why);
}

static void came_up(struct vici_pair *p)
{
	p->state = VICI_PAIR_UP;
	p->connects++;
	p->since = time(NULL);
	p->up_ms = loop_now(p->loop);
	p->reason[0] = 0;
	if (p->hooks.on_up)
		p->hooks.on_up(p->hooks.ctx);
}

static void on_subscribed(void *ctx, int err, const char *why, const struct vic_node *reply)
{
	struct vici_pair *p = ctx;
	char what[320];

	(void)reply;
	if (p->state != VICI_PAIR_CONNECTING)
		return; /* cancelled: closed meanwhile */
	if (err) {
		snprintf(what, sizeof(what), "register for events: %s", why);
		connect_failed(p, what);
		return;
	}
	if (++p->confirmed == p->n_events)
		came_up(p);
}

static void try_connect(struct vici_pair *p)
{
	uint64_t dl = loop_now(p->loop) + SUBSCRIBE_TIMEOUT_MS;
	char why[320];

	if (vic_conn_connect(p->cmd, p->path) || vic_conn_connect(p->ev, p->path)) {
		snprintf(why, sizeof(why), "%s",
			 vic_conn_is_open(p->cmd) ? vic_conn_error(p->ev) : vic_conn_error(p->cmd));
		connect_failed(p, why);
		return;
	}
	p->state = VICI_PAIR_CONNECTING;
	p->confirmed = 0;
	for (unsigned i = 0; i < p->n_events; i++) {
		if (vic_conn_subscribe(p->ev, p->events[i], p->hooks.on_event, p->hooks.ctx, dl,
				       on_subscribed, p)) {
			snprintf(why, sizeof(why), "register for %s: %s", p->events[i],
				 vic_conn_error(p->ev));
			connect_failed(p, why);
			return;
		}
	}
}

static void on_retry(void *arg)
{
	struct vici_pair *p = arg;

	if (p->state == VICI_PAIR_DOWN && p->trying)
		try_connect(p);
}

struct vici_pair *vici_pair_new(struct loop *l, const char *name, const char *const *events,
				unsigned n_events, const struct vici_pair_hooks *h)
{
	struct vici_pair *p = calloc(1, sizeof(*p));
	char cb[64];

	if (!p)
		return NULL;
	p->ev = vic_conn_new();
	p->cmd = vic_conn_new();
	if (!p->ev || !p->cmd) {
		vic_conn_free(p->ev);
		vic_conn_free(p->cmd);
		free(p);
		return NULL;
	}
	p->loop = l;
	if (h)
		p->hooks = *h;
	p->events = events;
	p->n_events = n_events;
	/* the loop copies the names (base/loop_stats.h) */
	snprintf(cb, sizeof(cb), "%s.vici.events", name);
	vici_loop_init(&p->ev_loop, l, p->ev, cb);
	snprintf(cb, sizeof(cb), "%s.vici.cmd", name);
	vici_loop_init(&p->cmd_loop, l, p->cmd, cb);
	vic_conn_set_closed(p->ev, on_closed, p);
	vic_conn_set_closed(p->cmd, on_closed, p);
	snprintf(cb, sizeof(cb), "%s.retry", name);
	loop_timer_init(&p->retry, l, cb, on_retry, p);
	p->since = time(NULL);
	snprintf(p->reason, sizeof(p->reason), "not connected yet");
	return p;
}

void vici_pair_free(struct vici_pair *p)
{
	if (!p)
		return;
	p->state = VICI_PAIR_DOWN; /* callbacks of cancelled requests do nothing */
	loop_timer_stop(&p->retry);
	vici_loop_stop(&p->ev_loop);
	vici_loop_stop(&p->cmd_loop);
	vic_conn_free(p->ev);
	vic_conn_free(p->cmd);
	free(p);
}

/* DOWN, closed, no try due. */
static void reset(struct vici_pair *p, const char *reason)
{
	p->state = VICI_PAIR_DOWN;
	close_both(p);
	loop_timer_stop(&p->retry);
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	p->backoff_ms = 0;
}

void vici_pair_start(struct vici_pair *p, const char *path)
{
	reset(p, "not connected yet");
	vici_pair_set_path(p, path);
	p->trying = true;
	loop_timer_after(&p->retry, 0);
}

void vici_pair_set_path(struct vici_pair *p, const char *path)
{
	snprintf(p->path, sizeof(p->path), "%s", path);
}

void vici_pair_stop(struct vici_pair *p, const char *reason)
{
	reset(p, reason);
	p->trying = false;
}

struct vic_conn *vici_pair_cmd(const struct vici_pair *p)
{
	return p->cmd;
}

enum vici_pair_state vici_pair_state(const struct vici_pair *p)
{
	return p->state;
}

bool vici_pair_up(const struct vici_pair *p)
{
	return p->state == VICI_PAIR_UP;
}

const char *vici_pair_path(const struct vici_pair *p)
{
	return p->path;
}

const char *vici_pair_reason(const struct vici_pair *p)
{
	return p->reason;
}

time_t vici_pair_since(const struct vici_pair *p)
{
	return p->since;
}

uint64_t vici_pair_retry_in_ms(const struct vici_pair *p)
{
	uint64_t now = loop_now(p->loop);

	if (!p->trying)
		return 0;
	return p->next_try_ms > now ? p->next_try_ms - now : 0;
}

uint64_t vici_pair_connects(const struct vici_pair *p)
{
	return p->connects;
}

uint64_t vici_pair_losses(const struct vici_pair *p)
{
	return p->losses;
}
