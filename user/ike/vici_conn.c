// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The asynchronous VICI connection: see vici_conn.h for its contract.
 *
 * Requests wait in one queue; the head is "in flight" once its packet is
 * in the output buffer.  A stream walks three packets (register, command,
 * unregister), the others one.  Every entry point that can call back into
 * the user counts itself in depth, so that a callback may close or free
 * the connection: the dispatch loops notice a close by the generation
 * number, and the outermost entry releases the memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ike/vici_conn.h"

#define READ_CHUNK 65536
#define READS_PER_CALL 16 /* 1 MiB: then the loop gets its turn back */
#define WHY_MAX 512

enum req_kind { REQ_COMMAND, REQ_STREAM, REQ_SUBSCRIBE, REQ_UNSUBSCRIBE };
/* The packet in flight: what its answer must be. */
enum req_step { STEP_REGISTER, STEP_COMMAND, STEP_UNREGISTER };

struct vic_req {
	struct vic_req *next;
	enum req_kind kind;
	enum req_step step;
	char name[VIC_NAME_MAX + 1]; /* command, or event to (un)subscribe */
	char event[VIC_NAME_MAX + 1]; /* a stream's event */
	uint8_t *pkt; /* the command's packet, encoded when queued */
	size_t pkt_len;
	uint64_t deadline;
	vic_reply_fn done;
	vic_event_fn on_event; /* a stream's */
	void *event_ctx;
	void *ctx;
	/* a stream's command outcome, reported once it is unregistered */
	struct vic_node *reply;
	int err;
	char why[WHY_MAX];
};

struct vic_sub {
	char name[VIC_NAME_MAX + 1];
	vic_event_fn fn;
	void *ctx;
};

struct vic_conn {
	int fd; /* -1: closed */
	char name[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* for messages */
	char err[WHY_MAX];
	struct vic_reader rd;
	uint8_t *out; /* bytes to write: out[out_off..out_len) */
	size_t out_len, out_off, out_cap;
	struct vic_req *head, *tail;
	bool in_flight; /* head's packet is written or being written */
	unsigned n_reqs;
	struct vic_sub *subs;
	unsigned n_subs, cap_subs;
	vic_watch_fn watch;
	void *watch_ctx;
	int told_fd; /* what the watch was told last */
	short told_events;
	uint64_t told_deadline;
	vic_closed_fn closed;
	void *closed_ctx;
	unsigned depth; /* entry points on the stack */
	unsigned gen; /* bumped by every close */
	bool doomed; /* freed from a callback: released on the way out */
};

/* ---- small helpers ----------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void set_err(struct vic_conn *c, const char *fmt,
							   ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

static int fail_errno(int err)
{
	errno = err;
	return -1;
}

static void free_req(struct vic_req *r)
{
	free(r->pkt);
	vic_tree_free(r->reply);
	free(r);
}

static struct vic_sub *find_sub(struct vic_conn *c, const char *name)
{
	for (unsigned i = 0; i < c->n_subs; i++)
		if (!strcmp(c->subs[i].name, name))
			return &c->subs[i];
	return NULL;
}

static void drop_sub(struct vic_conn *c, const char *name)
{
	struct vic_sub *s = find_sub(c, name);

	if (s)
		*s = c->subs[--c->n_subs];
}

static void notify_watch(struct vic_conn *c)
{
	int fd = c->fd;
	short ev = vic_conn_events(c);
	uint64_t dl = vic_conn_deadline(c);

	if (!c->watch || (fd == c->told_fd && ev == c->told_events && dl == c->told_deadline))
		return;
	c->told_fd = fd;
	c->told_events = ev;
	c->told_deadline = dl;
	c->watch(c->watch_ctx, fd, ev, dl);
}

static void enter(struct vic_conn *c)
{
	c->depth++;
}

static void destroy(struct vic_conn *c)
{
	notify_watch(c);
	free(c->subs);
	free(c->out);
	vic_reader_free(&c->rd);
	free(c);
}

/* The end of an entry point: 0 open, -1 closed (or freed). */
static int leave(struct vic_conn *c)
{
	int rc = c->fd >= 0 ? 0 : -1;

	if (--c->depth)
		return rc;
	if (c->doomed) {
		destroy(c);
		return -1;
	}
	notify_watch(c);
	return rc;
}

/* ---- closing ------------------------------------------------------------ */

/*
 * Closes the socket and completes every request with err; closed_cb: tell
 * the closed callback too (a failure, not the caller's own close).
 */
static void shut(struct vic_conn *c, int err, const char *why, bool closed_cb)
{
	struct vic_req *r, *next;
	char reason[WHY_MAX];

	if (c->fd < 0)
		return;
	snprintf(reason, sizeof(reason), "%s", why);
	snprintf(c->err, sizeof(c->err), "%s", reason);
	close(c->fd);
	c->fd = -1;
	c->gen++;
	vic_reader_free(&c->rd);
	c->out_len = c->out_off = 0;
	c->n_subs = 0;
	r = c->head;
	c->head = c->tail = NULL;
	c->in_flight = false;
	c->n_reqs = 0;
	/* the list is ours now: callbacks may reconnect and queue anew */
	for (; r; r = next) {
		next = r->next;
		if (r->done)
			r->done(r->ctx, err, reason, NULL);
		free_req(r);
	}
	if (closed_cb && c->closed)
		c->closed(c->closed_ctx, err, reason);
}

__attribute__((format(printf, 3, 4))) static void fail(struct vic_conn *c, int err,
							const char *fmt, ...)
{
	char why[WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	shut(c, err, why, true);
}

/* ---- writing ----------------------------------------------------------- */

static int out_append(struct vic_conn *c, const uint8_t *p, size_t n)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (n > c->out_cap - c->out_len) {
		size_t cap = c->out_len + n;
		uint8_t *b = realloc(c->out, cap);

		if (!b)
			return -1;
		c->out = b;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

/* Writes what the socket takes now. */
static void flush(struct vic_conn *c)
{
	while (c->fd >= 0 && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_off += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			fail(c, EPIPE, "send to %s: closed by charon", c->name);
		} else {
			int e = n < 0 ? errno : EIO;

			fail(c, e, "send to %s: %s", c->name, strerror(e));
		}
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

/* Puts the head's next packet in the output buffer, if none is in flight. */
static void start_next(struct vic_conn *c)
{
	struct vic_req *r = c->head;
	uint8_t *pkt = NULL;
	size_t len = 0;
	int rc;

	if (!r || c->in_flight || c->fd < 0)
		return;
	switch (r->step) {
	case STEP_COMMAND:
		rc = out_append(c, r->pkt, r->pkt_len);
		break;
	case STEP_REGISTER:
	case STEP_UNREGISTER:
		rc = vic_packet_encode(r->step == STEP_REGISTER ? VIC_EVENT_REGISTER :
								  VIC_EVENT_UNREGISTER,
				       r->kind == REQ_STREAM ? r->event : r->name, NULL, 0, &pkt,
				       &len);
		if (!rc)
			rc = out_append(c, pkt, len);
		free(pkt);
		break;
	default:
		rc = -1;
	}
	if (rc) {
		/* no callbacks from here (it runs inside the queuing calls): the
		 * next entry point tries again, or the deadline fails it */
		set_err(c, "%s: out of memory", c->name);
		return;
	}
	c->in_flight = true;
}

/* The head is done: next one out, then its callback. */
static void complete(struct vic_conn *c, int err, const char *why, const struct vic_node *reply)
{
	struct vic_req *r = c->head;

	c->head = r->next;
	if (!c->head)
		c->tail = NULL;
	c->in_flight = false;
	c->n_reqs--;
	if (err)
		snprintf(c->err, sizeof(c->err), "%s", why);
	start_next(c);
	if (r->done)
		r->done(r->ctx, err, err ? why : "", reply);
	free_req(r);
}

/* ---- reading ----------------------------------------------------------- */

static void on_event_packet(struct vic_conn *c, const struct vic_packet *p)
{
	struct vic_req *r = c->head;
	struct vic_sub *s;
	vic_event_fn fn = NULL;
	void *ctx = NULL;
	struct vic_node *msg;

	if (r && c->in_flight && r->kind == REQ_STREAM && !strcmp(r->event, p->name)) {
		fn = r->on_event;
		ctx = r->event_ctx;
	} else if ((s = find_sub(c, p->name))) {
		fn = s->fn;
		ctx = s->ctx;
	}
	if (!fn)
		return; /* nobody listens: not even parsed */
	msg = vic_tree_parse(p->msg, p->msg_len);
	if (!msg) {
		fail(c, errno == ENOMEM ? ENOMEM : EBADMSG, "%s: malformed '%s' event from charon",
		     c->name, p->name);
		return;
	}
	fn(ctx, p->name, msg);
	vic_tree_free(msg);
}

static void on_confirm(struct vic_conn *c, struct vic_req *r, int err, const char *why)
{
	switch (r->kind) {
	case REQ_SUBSCRIBE:
		if (err)
			drop_sub(c, r->name);
		complete(c, err, why, NULL);
		break;
	case REQ_UNSUBSCRIBE:
		drop_sub(c, r->name);
		complete(c, err, why, NULL);
		break;
	case REQ_STREAM:
		if (r->step == STEP_REGISTER && err) {
			complete(c, err, why, NULL);
		} else if (r->step == STEP_REGISTER) {
			r->step = STEP_COMMAND;
			c->in_flight = false;
			start_next(c);
		} else {
			/* unregistered (an error here changes nothing for the caller) */
			struct vic_node *reply = r->reply;

			r->reply = NULL;
			complete(c, r->err, r->why, reply);
			vic_tree_free(reply);
		}
		break;
	case REQ_COMMAND:
		break; /* not reached: commands get no confirms (checked before) */
	}
}

static void on_response(struct vic_conn *c, struct vic_req *r, const struct vic_packet *p)
{
	struct vic_node *reply = NULL;
	char why[WHY_MAX] = "";
	int err = 0;

	if (p->type == VIC_CMD_UNKNOWN) {
		err = ENOENT;
		snprintf(why, sizeof(why), "charon does not know command '%s'", r->name);
	} else {
		reply = vic_tree_parse(p->msg, p->msg_len);
		if (!reply) {
			fail(c, errno == ENOMEM ? ENOMEM : EBADMSG,
			     "%s: malformed answer to '%s' from charon", c->name, r->name);
			return;
		}
	}
	if (r->kind == REQ_STREAM) {
		r->reply = reply;
		r->err = err;
		snprintf(r->why, sizeof(r->why), "%s", why);
		r->step = STEP_UNREGISTER;
		c->in_flight = false;
		start_next(c);
		return;
	}
	complete(c, err, why, reply);
	vic_tree_free(reply);
}

/* An answer (not an event): it must answer the head's packet in flight. */
static void on_answer(struct vic_conn *c, const struct vic_packet *p)
{
	struct vic_req *r = c->in_flight ? c->head : NULL;
	bool want_confirm = r && r->step != STEP_COMMAND;
	char why[WHY_MAX];

	if (r && !want_confirm && (p->type == VIC_CMD_RESPONSE || p->type == VIC_CMD_UNKNOWN)) {
		on_response(c, r, p);
	} else if (r && want_confirm && p->type == VIC_EVENT_CONFIRM) {
		on_confirm(c, r, 0, "");
	} else if (r && want_confirm && p->type == VIC_EVENT_UNKNOWN) {
		snprintf(why, sizeof(why), "charon does not know event '%s'",
			 r->kind == REQ_STREAM ? r->event : r->name);
		on_confirm(c, r, ENOENT, why);
	} else {
		fail(c, EPROTO, "%s: unexpected packet type %u from charon", c->name, p->type);
	}
}

/* Dispatches the complete packets in the reader, until closed. */
static void dispatch(struct vic_conn *c)
{
	unsigned gen = c->gen;
	struct vic_packet p;
	int rc;

	while (c->gen == gen) {
		rc = vic_reader_next(&c->rd, &p);
		if (rc == 0)
			return;
		if (rc < 0) {
			bool big = errno == EMSGSIZE;

			fail(c, big ? EMSGSIZE : EBADMSG, "%s: %s packet from charon", c->name,
			     big ? "oversized" : "malformed");
			return;
		}
		if (p.type == VIC_EVENT)
			on_event_packet(c, &p);
		else
			on_answer(c, &p);
	}
}

/* ---- API ------------------------------------------------------------------ */

struct vic_conn *vic_conn_new(void)
{
	struct vic_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = -1;
	c->told_fd = -1;
	c->told_deadline = VIC_NO_DEADLINE;
	vic_reader_init(&c->rd);
	return c;
}

void vic_conn_free(struct vic_conn *c)
{
	if (!c)
		return;
	if (c->depth) { /* from a callback: released on the way out */
		c->doomed = true;
		shut(c, ECANCELED, "connection closed", false);
		return;
	}
	enter(c);
	c->doomed = true;
	shut(c, ECANCELED, "connection closed", false);
	leave(c);
}

void vic_conn_set_watch(struct vic_conn *c, vic_watch_fn fn, void *ctx)
{
	c->watch = fn;
	c->watch_ctx = ctx;
	c->told_fd = -1;
	c->told_events = 0;
	c->told_deadline = VIC_NO_DEADLINE;
	if (!c->depth)
		notify_watch(c);
}

void vic_conn_set_closed(struct vic_conn *c, vic_closed_fn fn, void *ctx)
{
	c->closed = fn;
	c->closed_ctx = ctx;
}

void vic_conn_close(struct vic_conn *c)
{
	enter(c);
	shut(c, ECANCELED, "connection closed", false);
	leave(c);
}

bool vic_conn_is_open(const struct vic_conn *c)
{
	return c->fd >= 0;
}

const char *vic_conn_error(const struct vic_conn *c)
{
	return c->err;
}

int vic_conn_fd(const struct vic_conn *c)
{
	return c->fd;
}

short vic_conn_events(const struct vic_conn *c)
{
	if (c->fd < 0)
		return 0;
	return POLLIN | (c->out_off < c->out_len ? POLLOUT : 0);
}

uint64_t vic_conn_deadline(const struct vic_conn *c)
{
	uint64_t dl = VIC_NO_DEADLINE;

	for (const struct vic_req *r = c->head; r; r = r->next)
		if (r->deadline < dl)
			dl = r->deadline;
	return dl;
}

unsigned vic_conn_pending(const struct vic_conn *c)
{
	return c->n_reqs;
}

static int take_fd(struct vic_conn *c, int fd, const char *name)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;

		close(fd);
		set_err(c, "fcntl: %s", strerror(e));
		return fail_errno(e);
	}
	c->fd = fd;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->err[0] = '\0';
	return 0;
}

int vic_conn_adopt(struct vic_conn *c, int fd, const char *name)
{
	int rc;

	enter(c);
	shut(c, ECANCELED, "connection closed", false);
	rc = take_fd(c, fd, name ? name : "vici");
	leave(c);
	return rc;
}

int vic_conn_connect(struct vic_conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc = -1, e;

	enter(c);
	shut(c, ECANCELED, "connection closed", false);
	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		set_err(c, "connect %s: socket path empty or too long", path ? path : "");
		errno = ENAMETOOLONG;
		goto out;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		set_err(c, "socket: %s", strerror(e));
		errno = e;
		goto out;
	}
	/* a unix connect completes or fails at once; EAGAIN: backlog full */
	do
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		e = errno;
		close(fd);
		set_err(c, "connect %s: %s", path, strerror(e));
		errno = e;
		goto out;
	}
	rc = take_fd(c, fd, path);
out:
	e = errno;
	leave(c);
	errno = e;
	return rc;
}

int vic_conn_on_readable(struct vic_conn *c)
{
	uint8_t buf[READ_CHUNK];
	unsigned gen = c->gen;

	enter(c);
	for (int i = 0; i < READS_PER_CALL && c->fd >= 0 && c->gen == gen; i++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			if (vic_reader_push(&c->rd, buf, (size_t)n))
				fail(c, ENOMEM, "%s: out of memory", c->name);
			else
				dispatch(c);
		} else if (n == 0 || errno == ECONNRESET) {
			/* a reset only says charon closed with our bytes unread */
			fail(c, EPIPE, "%s: closed by charon", c->name);
		} else if (errno == EINTR) {
			i--;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else {
			int e = errno;

			fail(c, e, "recv from %s: %s", c->name, strerror(e));
		}
	}
	if (c->gen == gen) { /* the next request, queued by an answer */
		start_next(c);
		flush(c);
	}
	return leave(c);
}

int vic_conn_on_writable(struct vic_conn *c)
{
	enter(c);
	start_next(c);
	flush(c);
	return leave(c);
}

int vic_conn_on_time(struct vic_conn *c, uint64_t now_ms)
{
	unsigned gen = c->gen;

	enter(c);
	if (c->in_flight && c->head->deadline <= now_ms) {
		/* the answer may still come: only a new connection is in step */
		fail(c, ETIMEDOUT, "%s: no answer to '%s' from charon in time", c->name,
		     c->head->name);
	}
	while (c->fd >= 0 && c->gen == gen) {
		struct vic_req **pp = c->in_flight ? &c->head->next : &c->head, *r;
		char why[WHY_MAX];

		while (*pp && (*pp)->deadline > now_ms)
			pp = &(*pp)->next;
		if (!*pp)
			break;
		r = *pp;
		*pp = r->next;
		if (c->tail == r) {
			c->tail = NULL;
			for (struct vic_req *t = c->head; t; t = t->next)
				c->tail = t;
		}
		c->n_reqs--;
		snprintf(why, sizeof(why), "%s: '%s' still queued at its deadline", c->name,
			 r->name);
		snprintf(c->err, sizeof(c->err), "%s", why);
		if (r->kind == REQ_SUBSCRIBE)
			drop_sub(c, r->name);
		if (r->done)
			r->done(r->ctx, ETIMEDOUT, why, NULL);
		free_req(r);
	}
	if (c->gen == gen)
		start_next(c);
	return leave(c);
}

static struct vic_req *new_req(struct vic_conn *c, enum req_kind kind, const char *name,
			       uint64_t deadline, vic_reply_fn done, void *ctx)
{
	struct vic_req *r;

	if (c->fd < 0 || c->doomed) {
		errno = ENOTCONN;
		return NULL;
	}
	if (!name || !*name || strlen(name) > VIC_NAME_MAX) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->kind = kind;
	r->step = kind == REQ_COMMAND ? STEP_COMMAND :
		  kind == REQ_UNSUBSCRIBE ? STEP_UNREGISTER :
					    STEP_REGISTER;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->deadline = deadline;
	r->done = done;
	r->ctx = ctx;
	return r;
}

static int enqueue(struct vic_conn *c, struct vic_req *r)
{
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->n_reqs++;
	enter(c);
	start_next(c); /* only fills the buffer: no I/O, no callbacks */
	leave(c);
	return 0;
}

static int encode_command(struct vic_req *r, const struct vic_builder *args)
{
	if (args && vic_builder_done(args))
		return -1;
	return vic_packet_encode(VIC_CMD_REQUEST, r->name, args ? args->buf : NULL,
				 args ? args->len : 0, &r->pkt, &r->pkt_len);
}

int vic_conn_command(struct vic_conn *c, const char *cmd, const struct vic_builder *args,
		     uint64_t deadline_ms, vic_reply_fn done, void *ctx)
{
	struct vic_req *r = new_req(c, REQ_COMMAND, cmd, deadline_ms, done, ctx);

	if (!r)
		return -1;
	if (encode_command(r, args)) {
		int e = errno;

		free_req(r);
		return fail_errno(e);
	}
	return enqueue(c, r);
}

static bool streamed(const struct vic_conn *c, const char *event)
{
	for (const struct vic_req *r = c->head; r; r = r->next)
		if (r->kind == REQ_STREAM && !strcmp(r->event, event))
			return true;
	return false;
}

int vic_conn_stream(struct vic_conn *c, const char *cmd, const struct vic_builder *args,
		    const char *event, vic_event_fn on_event, void *event_ctx,
		    uint64_t deadline_ms, vic_reply_fn done, void *ctx)
{
	struct vic_req *r;

	if (!event || !*event || strlen(event) > VIC_NAME_MAX || !on_event)
		return fail_errno(c->fd < 0 ? ENOTCONN : EINVAL);
	/* its unregistration would end the subscription */
	if (c->fd >= 0 && find_sub(c, event))
		return fail_errno(EBUSY);
	r = new_req(c, REQ_STREAM, cmd, deadline_ms, done, ctx);
	if (!r)
		return -1;
	snprintf(r->event, sizeof(r->event), "%s", event);
	r->on_event = on_event;
	r->event_ctx = event_ctx;
	if (encode_command(r, args)) {
		int e = errno;

		free_req(r);
		return fail_errno(e);
	}
	return enqueue(c, r);
}

int vic_conn_subscribe(struct vic_conn *c, const char *event, vic_event_fn on_event,
		       void *event_ctx, uint64_t deadline_ms, vic_reply_fn done, void *ctx)
{
	struct vic_req *r;
	struct vic_sub *s;

	if (c->fd >= 0 && event && (find_sub(c, event) || streamed(c, event)))
		return fail_errno(EBUSY);
	if (!on_event)
		return fail_errno(c->fd < 0 ? ENOTCONN : EINVAL);
	r = new_req(c, REQ_SUBSCRIBE, event, deadline_ms, done, ctx);
	if (!r)
		return -1;
	if (c->n_subs == c->cap_subs) {
		unsigned cap = c->cap_subs ? 2 * c->cap_subs : 4;

		s = realloc(c->subs, cap * sizeof(*s));
		if (!s) {
			free_req(r);
			return fail_errno(ENOMEM);
		}
		c->subs = s;
		c->cap_subs = cap;
	}
	/* listening from now on: events come only after charon confirms */
	s = &c->subs[c->n_subs++];
	snprintf(s->name, sizeof(s->name), "%s", event);
	s->fn = on_event;
	s->ctx = event_ctx;
	return enqueue(c, r);
}

int vic_conn_unsubscribe(struct vic_conn *c, const char *event, uint64_t deadline_ms,
			 vic_reply_fn done, void *ctx)
{
	struct vic_req *r;

	if (c->fd >= 0 && (!event || !find_sub(c, event)))
		return fail_errno(ENOENT);
	r = new_req(c, REQ_UNSUBSCRIBE, event, deadline_ms, done, ctx);
	if (!r)
		return -1;
	return enqueue(c, r);
}
