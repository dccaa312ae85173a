// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The HTTP server of /metrics: see metrics_server.h. */
#include "metrics/metrics_server.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "base/loop.h"
#include "metrics/mhd_lib.h"
#include "metrics/prom_text.h"

#define METRICS_FULL_POLL_MS 100

struct metrics_server {
	struct loop *loop;
	struct MHD_Daemon *mhd;
	struct loop_io io; /* MHD's epoll fd */
	struct loop_timer deadline; /* MHD_get_timeout */
	metrics_render_fn render;
	void *ctx;
	struct MHD_Response *body; /* the last one made, NULL before the first */
	uint64_t body_ms; /* when, on the loop's clock */
	bool full; /* every connection slot taken at the last run */
	bool starting; /* MHD's messages are errors until it runs */
	char where[64];
};

/* MHD's own messages: why it could not start, or what a client did
 * wrong (which is no business of the log unless debugging). */
static void on_mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct metrics_server *s = arg;
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	if (s->starting)
		log_err("metrics on %s: %s", s->where, msg);
	else
		log_debug("metrics on %s: %s", s->where, msg);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text,
				  bool allow)
{
	struct MHD_Response *r = mhd_lib.create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO; /* MHD closes the connection */
	mhd_lib.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		mhd_lib.add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ok = mhd_lib.queue_response(c, status, r);
	mhd_lib.destroy_response(r);
	return ok;
}

/* The metrics now, or the body made less than METRICS_RENDER_MIN_MS ago;
 * NULL when they cannot be made.  MHD counts the connections a response
 * is queued to: the old one goes when the last of them has sent it. */
static struct MHD_Response *current_body(struct metrics_server *s)
{
	uint64_t now = loop_now(s->loop);
	struct MHD_Response *r;
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int rc;

	if (s->body && now - s->body_ms < METRICS_RENDER_MIN_MS)
		return s->body;
	out = open_memstream(&body, &len);
	if (!out)
		return NULL;
	rc = s->render(s->ctx, out);
	if (fclose(out) || rc) {
		free(body);
		return NULL;
	}
	r = mhd_lib.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return NULL;
	}
	mhd_lib.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_CONTENT_TYPE);
	if (s->body)
		mhd_lib.destroy_response(s->body);
	s->body = r;
	s->body_ms = now;
	return r;
}

/*
 * MHD calls this when a request's header is in (*req still NULL), then
 * with each piece of its body, then once more with none.  A 404 or 405 is
 * answered at once, without reading a body (MHD then closes the
 * connection); GET /metrics at the end (a body, which it should not have,
 * is read and thrown away), so that the connection can be kept alive.
 */
static enum MHD_Result on_request(void *arg, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **req)
{
	struct metrics_server *s = arg;
	struct MHD_Response *r;

	(void)version;
	(void)upload_data;
	if (strcmp(url, METRICS_PATH))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: try " METRICS_PATH "\n", false);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", true);
	if (!*req) {
		*req = s; /* the header is in: on to the (empty) body */
		return MHD_YES;
	}
	if (*upload_size)
		return MHD_NO; /* a GET with a body (one that could trickle in
				* forever, holding a slot): closed */
	r = current_body(s);
	if (!r)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot make the metrics\n",
				  false);
	return mhd_lib.queue_response(c, MHD_HTTP_OK, r);
}

static unsigned connections(struct metrics_server *s)
{
	const union MHD_DaemonInfo *i =
		mhd_lib.get_daemon_info(s->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return i ? i->num_connections : 0;
}

/*
 * What is ready, then the next deadline MHD asks for: never waits.
 *
 * With every slot taken, MHD takes its listening socket out of its epoll
 * set; it puts it back at the start of the MHD_run after the one in which
 * a slot came free.  Nothing may call that run (no fd ready, no deadline
 * when no connection is left), so it is called at once; and while all
 * slots are taken, at least every METRICS_FULL_POLL_MS.
 */
static void run(struct metrics_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;
	bool full, deadline;

	mhd_lib.run(s->mhd);
	full = connections(s) >= METRICS_MAX_CONNECTIONS;
	if (s->full && !full)
		mhd_lib.run(s->mhd); /* puts the listening socket back */
	s->full = full;
	deadline = mhd_lib.get_timeout(s->mhd, &ms) == MHD_YES;
	if (full && (!deadline || ms > METRICS_FULL_POLL_MS)) {
		ms = METRICS_FULL_POLL_MS;
		deadline = true;
	}
	if (deadline)
		loop_timer_after(&s->deadline, ms);
	else
		loop_timer_stop(&s->deadline);
}

static void on_ready(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	run(arg);
}

static void on_deadline(void *arg)
{
	run(arg);
}

struct metrics_server *metrics_server_new(struct loop *l, const struct cfg_listen *where,
					  metrics_render_fn render, void *ctx)
{
	struct metrics_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss = {};
	bool v6 = where->addr.family == AF_INET6;
	const union MHD_DaemonInfo *info;
	char ip[INET6_ADDRSTRLEN];

	if (!s) {
		log_err("metrics: out of memory");
		return NULL;
	}
	/* at the start only (`listen` needs a restart): a read of the
	 * library from disk, once, like reading the config */
	if (mhd_lib_load()) {
		free(s);
		return NULL;
	}
	s->loop = l;
	s->render = render;
	s->ctx = ctx;
	s->starting = true;
	ip_addr_str(&where->addr, ip, sizeof(ip));
	snprintf(s->where, sizeof(s->where), v6 ? "[%s]:%u" : "%s:%u", ip, where->port);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = where->addr.v6;
		a->sin6_port = htons(where->port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr = where->addr.v4;
		a->sin_port = htons(where->port);
	}
	/* no MHD_USE_INTERNAL_POLLING_THREAD: the loop drives it */
	s->mhd = mhd_lib.start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
				  where->port, NULL, NULL, on_request, s,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, /* first: for all */
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNECTIONS,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_MAX_PER_CLIENT,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_IDLE_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				  (size_t)METRICS_CONNECTION_MEMORY, MHD_OPTION_END);
	info = s->mhd ? mhd_lib.get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		log_err("metrics: cannot serve http://%s%s", s->where, METRICS_PATH);
		metrics_server_free(s);
		return NULL;
	}
	s->starting = false;
	loop_io_init(&s->io, l, "metrics.http", info->epoll_fd, on_ready, s);
	loop_timer_init(&s->deadline, l, "metrics.http", on_deadline, s);
	if (loop_io_start(&s->io, LOOP_IN)) {
		metrics_server_free(s);
		return NULL;
	}
	log_info("metrics: serving http://%s%s", s->where, METRICS_PATH);
	return s;
}

void metrics_server_free(struct metrics_server *s)
{
	if (!s)
		return;
	if (s->io.loop)
		loop_io_stop(&s->io);
	if (s->deadline.loop)
		loop_timer_stop(&s->deadline);
	if (s->mhd)
		mhd_lib.stop_daemon(s->mhd);
	if (s->body)
		mhd_lib.destroy_response(s->body);
	free(s);
}
