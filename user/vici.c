// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* VICI client: see vici.h for the wire format. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vici.h"

/* Longest message a packet can carry: the segment minus type and name. */
#define VICI_MSG_MAX (VICI_MAX_PACKET - 2 - VICI_NAME_MAX)
#define VICI_READ_CHUNK 65536

/* ---- builder ----------------------------------------------------------- */

void vici_builder_init(struct vici_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void vici_builder_free(struct vici_builder *b)
{
	free(b->buf);
	vici_builder_init(b);
}

static int b_fail(struct vici_builder *b, int err)
{
	if (!b->err)
		b->err = err;
	errno = b->err;
	return -1;
}

static int b_put(struct vici_builder *b, const void *data, size_t n)
{
	if (n > VICI_MSG_MAX - b->len)
		return b_fail(b, E2BIG);
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return b_fail(b, ENOMEM);
		b->buf = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->buf + b->len, data, n);
	b->len += n;
	return 0;
}

static int b_type(struct vici_builder *b, uint8_t type)
{
	return b_put(b, &type, 1);
}

static int b_name(struct vici_builder *b, const char *name)
{
	size_t n = name ? strlen(name) : VICI_NAME_MAX + 1;
	uint8_t len = (uint8_t)n;

	if (n > VICI_NAME_MAX)
		return b_fail(b, EINVAL);
	if (b_put(b, &len, 1))
		return -1;
	return b_put(b, name, n);
}

static int b_value(struct vici_builder *b, const void *value, size_t n)
{
	uint8_t len[2] = { (uint8_t)(n >> 8), (uint8_t)n };

	if (n > VICI_VALUE_MAX || (!value && n))
		return b_fail(b, EINVAL);
	if (b_put(b, len, 2))
		return -1;
	return b_put(b, value, n);
}

/* Checks the state allows an element outside (false) or inside a list. */
static int b_check(struct vici_builder *b, bool want_list)
{
	if (b->err)
		return b_fail(b, b->err);
	if (b->in_list != want_list)
		return b_fail(b, EINVAL);
	return 0;
}

int vici_add_kv_bytes(struct vici_builder *b, const char *key, const void *value, size_t len)
{
	if (b_check(b, false))
		return -1;
	if (len > VICI_VALUE_MAX)
		return b_fail(b, EINVAL);
	if (b_type(b, VICI_KEY_VALUE) || b_name(b, key) || b_value(b, value, len))
		return -1;
	return 0;
}

int vici_add_kv(struct vici_builder *b, const char *key, const char *value)
{
	if (!value)
		return b_fail(b, EINVAL);
	return vici_add_kv_bytes(b, key, value, strlen(value));
}

int vici_add_kvf(struct vici_builder *b, const char *key, const char *fmt, ...)
{
	char buf[VICI_VALUE_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return b_fail(b, EINVAL);
	return vici_add_kv_bytes(b, key, buf, (size_t)n);
}

int vici_begin_section(struct vici_builder *b, const char *name)
{
	if (b_check(b, false))
		return -1;
	if (b->depth >= VICI_MAX_DEPTH)
		return b_fail(b, EINVAL);
	if (b_type(b, VICI_SECTION_START) || b_name(b, name))
		return -1;
	b->depth++;
	return 0;
}

int vici_end_section(struct vici_builder *b)
{
	if (b_check(b, false))
		return -1;
	if (!b->depth)
		return b_fail(b, EINVAL);
	if (b_type(b, VICI_SECTION_END))
		return -1;
	b->depth--;
	return 0;
}

int vici_begin_list(struct vici_builder *b, const char *name)
{
	if (b_check(b, false))
		return -1;
	if (b_type(b, VICI_LIST_START) || b_name(b, name))
		return -1;
	b->in_list = true;
	return 0;
}

int vici_add_item_bytes(struct vici_builder *b, const void *value, size_t len)
{
	if (b_check(b, true))
		return -1;
	if (len > VICI_VALUE_MAX)
		return b_fail(b, EINVAL);
	if (b_type(b, VICI_LIST_ITEM) || b_value(b, value, len))
		return -1;
	return 0;
}

int vici_add_item(struct vici_builder *b, const char *value)
{
	if (!value)
		return b_fail(b, EINVAL);
	return vici_add_item_bytes(b, value, strlen(value));
}

int vici_end_list(struct vici_builder *b)
{
	if (b_check(b, true))
		return -1;
	if (b_type(b, VICI_LIST_END))
		return -1;
	b->in_list = false;
	return 0;
}

int vici_builder_done(const struct vici_builder *b)
{
	if (b->err) {
		errno = b->err;
		return -1;
	}
	if (b->depth || b->in_list) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- packets ----------------------------------------------------------- */

bool vici_pkt_named(uint8_t type)
{
	return type == VICI_CMD_REQUEST || type == VICI_EVENT_REGISTER ||
	       type == VICI_EVENT_UNREGISTER || type == VICI_EVENT;
}

bool vici_pkt_has_msg(uint8_t type)
{
	return type == VICI_CMD_REQUEST || type == VICI_CMD_RESPONSE || type == VICI_EVENT;
}

int vici_packet_encode(uint8_t type, const char *name, const uint8_t *msg, size_t msg_len,
		       uint8_t **out, size_t *out_len)
{
	size_t name_len = name ? strlen(name) : 0, len, off = 0;
	uint8_t *p;

	if (type > VICI_EVENT || vici_pkt_named(type) != (name != NULL) ||
	    (!vici_pkt_has_msg(type) && msg_len) || (msg_len && !msg) ||
	    name_len > VICI_NAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	len = 1 + (name ? 1 + name_len : 0);
	if (msg_len > VICI_MAX_PACKET - len) {
		errno = E2BIG;
		return -1;
	}
	len += msg_len;
	p = malloc(4 + len);
	if (!p)
		return -1;
	p[off++] = (uint8_t)(len >> 24);
	p[off++] = (uint8_t)(len >> 16);
	p[off++] = (uint8_t)(len >> 8);
	p[off++] = (uint8_t)len;
	p[off++] = type;
	if (name) {
		p[off++] = (uint8_t)name_len;
		memcpy(p + off, name, name_len);
		off += name_len;
	}
	if (msg_len)
		memcpy(p + off, msg, msg_len);
	*out = p;
	*out_len = 4 + len;
	return 0;
}

static int bad_msg(void)
{
	errno = EBADMSG;
	return -1;
}

int vici_packet_decode(const uint8_t *data, size_t len, struct vici_packet *p)
{
	size_t off = 1;

	memset(p, 0, sizeof(*p));
	if (len < 1 || data[0] > VICI_EVENT)
		return bad_msg();
	p->type = data[0];
	if (vici_pkt_named(p->type)) {
		size_t n;

		if (len < 2)
			return bad_msg();
		n = data[1];
		off = 2;
		if (n > len - off || memchr(data + off, 0, n))
			return bad_msg();
		memcpy(p->name, data + off, n);
		p->name[n] = 0;
		off += n;
	}
	if (vici_pkt_has_msg(p->type)) {
		p->msg = data + off;
		p->msg_len = len - off;
	} else if (off != len) {
		return bad_msg();
	}
	return 0;
}

/* ---- stream reassembly ------------------------------------------------- */

void vici_reader_init(struct vici_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void vici_reader_free(struct vici_reader *r)
{
	free(r->buf);
	vici_reader_init(r);
}

int vici_reader_push(struct vici_reader *r, const void *data, size_t n)
{
	if (r->off) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (n > r->cap - r->len) {
		size_t cap = r->cap ? r->cap : 4096;
		uint8_t *p;

		while (cap - r->len < n) {
			if (cap > SIZE_MAX / 2) {
				errno = ENOMEM;
				return -1;
			}
			cap *= 2;
		}
		p = realloc(r->buf, cap);
		if (!p)
			return -1;
		r->buf = p;
		r->cap = cap;
	}
	if (n)
		memcpy(r->buf + r->len, data, n);
	r->len += n;
	return 0;
}

int vici_reader_next(struct vici_reader *r, struct vici_packet *p)
{
	size_t avail = r->len - r->off;
	const uint8_t *h;
	uint32_t seg;

	if (avail < 4) /* also while buf is still NULL */
		return 0;
	h = r->buf + r->off;
	seg = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (seg > VICI_MAX_PACKET) {
		errno = EMSGSIZE;
		return -1;
	}
	if (avail - 4 < seg)
		return 0;
	if (vici_packet_decode(h + 4, seg, p))
		return -1;
	r->off += 4 + seg;
	return 1;
}

/* ---- message walker ---------------------------------------------------- */

static int take_name(const uint8_t *m, size_t len, size_t *off, struct vici_elem *e)
{
	size_t n;

	if (*off >= len)
		return -1;
	n = m[(*off)++];
	if (n > len - *off || memchr(m + *off, 0, n))
		return -1;
	e->name = (const char *)m + *off;
	e->name_len = n;
	*off += n;
	return 0;
}

static int take_value(const uint8_t *m, size_t len, size_t *off, struct vici_elem *e)
{
	size_t n;

	if (len - *off < 2)
		return -1;
	n = (size_t)m[*off] << 8 | m[*off + 1];
	*off += 2;
	if (n > len - *off)
		return -1;
	e->value = m + *off;
	e->value_len = n;
	*off += n;
	return 0;
}

/* Decodes the element at *off, enforcing the nesting rules; 0 or -1. */
static int next_elem(const uint8_t *m, size_t len, size_t *off, unsigned *depth,
		     bool *in_list, struct vici_elem *e)
{
	memset(e, 0, sizeof(*e));
	e->type = m[(*off)++];
	e->depth = *depth;
	switch (e->type) {
	case VICI_SECTION_START:
		if (*in_list || *depth >= VICI_MAX_DEPTH || take_name(m, len, off, e))
			return -1;
		++*depth;
		return 0;
	case VICI_SECTION_END:
		if (*in_list || !*depth)
			return -1;
		e->depth = --*depth;
		return 0;
	case VICI_KEY_VALUE:
		if (*in_list || take_name(m, len, off, e))
			return -1;
		return take_value(m, len, off, e);
	case VICI_LIST_START:
		if (*in_list || take_name(m, len, off, e))
			return -1;
		*in_list = true;
		return 0;
	case VICI_LIST_ITEM:
		if (!*in_list)
			return -1;
		return take_value(m, len, off, e);
	case VICI_LIST_END:
		if (!*in_list)
			return -1;
		*in_list = false;
		return 0;
	default:
		return -1;
	}
}

int vici_walk(const uint8_t *msg, size_t len, vici_walk_fn fn, void *ctx)
{
	unsigned depth = 0;
	bool in_list = false;
	size_t off = 0;

	if (len && !msg)
		return bad_msg();
	while (off < len) {
		struct vici_elem e;
		int rc;

		if (next_elem(msg, len, &off, &depth, &in_list, &e))
			return bad_msg();
		if (fn && (rc = fn(ctx, &e)))
			return rc;
	}
	if (depth || in_list)
		return bad_msg();
	return 0;
}

/* ---- tree -------------------------------------------------------------- */

struct tree_size {
	size_t nodes, bytes;
};

static int count_elem(void *ctx, const struct vici_elem *e)
{
	struct tree_size *s = ctx;

	if (e->type == VICI_SECTION_END || e->type == VICI_LIST_END)
		return 0;
	s->nodes++;
	s->bytes += e->name_len + 1 + (e->value ? e->value_len + 1 : 0);
	return 0;
}

struct tree_fill {
	struct vici_node *nodes; /* nodes[0] is the root */
	size_t used;
	char *strs;
	/* open containers, innermost last, and their last child */
	struct vici_node *open[VICI_MAX_DEPTH + 2];
	struct vici_node *last[VICI_MAX_DEPTH + 2];
	unsigned top;
};

static const char *copy_str(struct tree_fill *t, const void *s, size_t n)
{
	char *p = t->strs;

	memcpy(p, s, n);
	p[n] = 0;
	t->strs += n + 1;
	return p;
}

static int fill_elem(void *ctx, const struct vici_elem *e)
{
	struct tree_fill *t = ctx;
	struct vici_node *n;

	if (e->type == VICI_SECTION_END || e->type == VICI_LIST_END) {
		t->top--;
		return 0;
	}
	n = &t->nodes[t->used++];
	n->name = e->name ? copy_str(t, e->name, e->name_len) : copy_str(t, "", 0);
	if (e->value) {
		n->value = copy_str(t, e->value, e->value_len);
		n->value_len = e->value_len;
	}
	n->type = e->type == VICI_SECTION_START ? VICI_N_SECTION :
		  e->type == VICI_KEY_VALUE	? VICI_N_KV :
		  e->type == VICI_LIST_START	? VICI_N_LIST :
						  VICI_N_ITEM;
	if (t->last[t->top])
		t->last[t->top]->next = n;
	else
		t->open[t->top]->child = n;
	t->last[t->top] = n;
	if (n->type == VICI_N_SECTION || n->type == VICI_N_LIST) {
		t->top++;
		t->open[t->top] = n;
		t->last[t->top] = NULL;
	}
	return 0;
}

struct vici_node *vici_parse(const uint8_t *msg, size_t len)
{
	struct tree_size s = { 1, 1 }; /* the root and its name "" */
	struct tree_fill t = { 0 };
	struct vici_node *nodes;

	if (vici_walk(msg, len, count_elem, &s))
		return NULL;
	/* bounded by the message length, so no overflow */
	nodes = calloc(1, s.nodes * sizeof(*nodes) + s.bytes);
	if (!nodes)
		return NULL;
	t.nodes = nodes;
	t.strs = (char *)(nodes + s.nodes);
	t.used = 1;
	nodes[0].type = VICI_N_SECTION;
	nodes[0].name = copy_str(&t, "", 0);
	t.open[0] = nodes;
	vici_walk(msg, len, fill_elem, &t);
	return nodes;
}

void vici_free(struct vici_node *root)
{
	free(root);
}

static const struct vici_node *child_n(const struct vici_node *n, const char *name, size_t len)
{
	const struct vici_node *c;

	if (!n || (n->type != VICI_N_SECTION && n->type != VICI_N_LIST))
		return NULL;
	for (c = n->child; c; c = c->next)
		if (strlen(c->name) == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

const struct vici_node *vici_child(const struct vici_node *n, const char *name)
{
	return name ? child_n(n, name, strlen(name)) : NULL;
}

const struct vici_node *vici_find(const struct vici_node *n, const char *path)
{
	const char *dot;

	if (!path)
		return NULL;
	while ((dot = strchr(path, '.'))) {
		n = child_n(n, path, (size_t)(dot - path));
		if (!n || n->type != VICI_N_SECTION)
			return NULL;
		path = dot + 1;
	}
	return child_n(n, path, strlen(path));
}

const char *vici_find_str(const struct vici_node *n, const char *path)
{
	n = vici_find(n, path);
	if (!n || n->type != VICI_N_KV || strlen(n->value) != n->value_len)
		return NULL;
	return n->value;
}

int vici_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int vici_find_u64(const struct vici_node *n, const char *path, uint64_t *out)
{
	return vici_parse_u64(vici_find_str(n, path), out);
}

/* ---- connection -------------------------------------------------------- */

void vici_conn_init(struct vici_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	vici_reader_init(&c->rd);
}

void vici_set_event_handler(struct vici_conn *c, vici_event_fn fn, void *ctx)
{
	c->on_event = fn;
	c->ctx = ctx;
}

__attribute__((format(printf, 2, 3))) static void set_err(struct vici_conn *c,
							   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* Records the failure, closes the connection, returns -1 with errno err. */
__attribute__((format(printf, 3, 4))) static int conn_fail(struct vici_conn *c, int err,
							    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	vici_close(c);
	errno = err;
	return -1;
}

void vici_close(struct vici_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	vici_reader_free(&c->rd);
}

bool vici_connected(const struct vici_conn *c)
{
	return c->fd >= 0;
}

const char *vici_error(const struct vici_conn *c)
{
	return c->err;
}

int vici_fd(const struct vici_conn *c)
{
	return c->fd;
}

int vici_attach_fd(struct vici_conn *c, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	vici_close(c);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;

		close(fd);
		set_err(c, "fcntl: %s", strerror(e));
		errno = e;
		return -1;
	}
	c->fd = fd;
	c->err[0] = 0;
	return 0;
}

int vici_connect(struct vici_conn *c, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 0 };
	int fd, rc, e;

	vici_close(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		set_err(c, "connect %s: socket path empty or too long", path);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		set_err(c, "socket: %s", strerror(e));
		errno = e;
		return -1;
	}
	/* A unix connect waits only while the listen backlog is full; bound it. */
	if (timeout_ms > 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	do
		rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (rc < 0 && errno == EINTR);
	if (rc < 0 && errno != EISCONN) {
		e = errno;
		close(fd);
		set_err(c, "connect %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	tv.tv_sec = tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return vici_attach_fd(c, fd);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Waits for events on the socket until the deadline: 1 ready, 0 timeout, -1. */
static int wait_fd(struct vici_conn *c, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	int rc;

	for (;;) {
		int left = -1;

		if (deadline >= 0) {
			int64_t d = deadline - now_ms();

			left = d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
		}
		rc = poll(&pfd, 1, left);
		if (rc > 0)
			return 1;
		if (rc == 0 && deadline >= 0 && now_ms() >= deadline)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static int send_all(struct vici_conn *c, const uint8_t *p, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(c, POLLOUT, deadline);

			if (rc == 0)
				return conn_fail(c, ETIMEDOUT, "send to %s: timed out", c->path);
			if (rc < 0)
				return conn_fail(c, errno, "poll: %s", strerror(errno));
			continue;
		}
		if (errno == EPIPE)
			return conn_fail(c, EPIPE, "send to %s: closed by charon", c->path);
		return conn_fail(c, errno, "send to %s: %s", c->path, strerror(errno));
	}
	return 0;
}

/*
 * One read without blocking: 1 data appended, 0 nothing available, -1
 * failure (connection closed, errno and message set).
 */
static int read_some(struct vici_conn *c)
{
	uint8_t buf[VICI_READ_CHUNK];
	ssize_t n;

	do
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		if (vici_reader_push(&c->rd, buf, (size_t)n))
			return conn_fail(c, ENOMEM, "out of memory");
		return 1;
	}
	if (n == 0)
		return conn_fail(c, EPIPE, "%s: closed by charon", c->path);
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	return conn_fail(c, errno, "recv from %s: %s", c->path, strerror(errno));
}

/* The next packet, reading until the deadline; 0 or -1 (closed). */
static int next_packet(struct vici_conn *c, struct vici_packet *p, int64_t deadline)
{
	for (;;) {
		int rc = vici_reader_next(&c->rd, p);

		if (rc > 0)
			return 0;
		if (rc < 0)
			return conn_fail(c, errno, "%s: %s from charon", c->path,
					 errno == EMSGSIZE ? "oversized packet" : "malformed packet");
		rc = read_some(c);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		rc = wait_fd(c, POLLIN, deadline);
		if (rc == 0)
			return conn_fail(c, ETIMEDOUT, "%s: no answer from charon in time", c->path);
		if (rc < 0)
			return conn_fail(c, errno, "poll: %s", strerror(errno));
	}
}

/* Parses an EVENT and hands it to the handler; 0 or -1 (closed). */
static int dispatch_event(struct vici_conn *c, const struct vici_packet *p)
{
	struct vici_node *msg;
	char name[sizeof(p->name)];

	msg = vici_parse(p->msg, p->msg_len);
	if (!msg)
		return conn_fail(c, errno, "%s: malformed '%s' event from charon", c->path,
				 p->name);
	memcpy(name, p->name, sizeof(name));
	if (c->on_event) {
		bool was_busy = c->busy;

		c->busy = true; /* no commands from inside the handler */
		c->on_event(c->ctx, name, msg);
		c->busy = was_busy;
	}
	vici_free(msg);
	return 0;
}

static int send_packet(struct vici_conn *c, uint8_t type, const char *name,
		       const struct vici_builder *args, int64_t deadline)
{
	uint8_t *pkt;
	size_t len;
	int rc;

	if (args && vici_builder_done(args)) {
		set_err(c, "bad '%s' request: %s", name, strerror(errno));
		return -1;
	}
	if (vici_packet_encode(type, name, args ? args->buf : NULL, args ? args->len : 0, &pkt,
			       &len)) {
		set_err(c, "bad '%s' request: %s", name, strerror(errno));
		return -1;
	}
	rc = send_all(c, pkt, len, deadline);
	free(pkt);
	return rc;
}

static int check_usable(struct vici_conn *c)
{
	if (c->busy) {
		set_err(c, "command issued from an event handler");
		errno = EBUSY;
		return -1;
	}
	if (c->fd < 0) {
		if (!c->err[0])
			set_err(c, "not connected");
		errno = ENOTCONN;
		return -1;
	}
	return 0;
}

/*
 * Sends one request and waits for the packet that answers it, delivering
 * events meanwhile.  want: the success type; fail: the "unknown" type.
 */
static int exchange(struct vici_conn *c, uint8_t type, const char *name,
		    const struct vici_builder *args, uint8_t want, uint8_t fail, int timeout_ms,
		    struct vici_node **resp)
{
	int64_t deadline = deadline_of(timeout_ms);
	struct vici_packet p;
	int rc = -1;

	if (check_usable(c))
		return -1;
	c->busy = true;
	if (send_packet(c, type, name, args, deadline))
		goto out;
	for (;;) {
		if (next_packet(c, &p, deadline))
			goto out;
		if (p.type != VICI_EVENT)
			break;
		if (dispatch_event(c, &p))
			goto out;
		if (c->fd < 0) {
			set_err(c, "connection closed by an event handler");
			errno = ECANCELED;
			goto out;
		}
	}
	if (p.type == fail) {
		set_err(c, "charon does not know %s '%s'",
			type == VICI_CMD_REQUEST ? "command" : "event", name);
		errno = ENOENT;
		goto out;
	}
	if (p.type != want) {
		conn_fail(c, EPROTO, "%s: unexpected packet type %u from charon", c->path, p.type);
		goto out;
	}
	if (resp) {
		*resp = vici_parse(p.msg, p.msg_len);
		if (!*resp) {
			conn_fail(c, errno, "%s: malformed '%s' response from charon", c->path,
				  name);
			goto out;
		}
	}
	rc = 0;
out:
	c->busy = false;
	return rc;
}

int vici_call(struct vici_conn *c, const char *cmd, const struct vici_builder *args,
	      int timeout_ms, struct vici_node **resp)
{
	struct vici_node *r = NULL;

	if (exchange(c, VICI_CMD_REQUEST, cmd, args, VICI_CMD_RESPONSE, VICI_CMD_UNKNOWN,
		     timeout_ms, &r))
		return -1;
	if (resp)
		*resp = r;
	else
		vici_free(r);
	return 0;
}

int vici_register(struct vici_conn *c, const char *event, int timeout_ms)
{
	return exchange(c, VICI_EVENT_REGISTER, event, NULL, VICI_EVENT_CONFIRM,
			VICI_EVENT_UNKNOWN, timeout_ms, NULL);
}

int vici_unregister(struct vici_conn *c, const char *event, int timeout_ms)
{
	return exchange(c, VICI_EVENT_UNREGISTER, event, NULL, VICI_EVENT_CONFIRM,
			VICI_EVENT_UNKNOWN, timeout_ms, NULL);
}

static int left_ms(int64_t deadline)
{
	int64_t d;

	if (deadline < 0)
		return -1;
	d = deadline - now_ms();
	return d <= 0 ? 0 : d > INT32_MAX ? INT32_MAX : (int)d;
}

/* During a streaming command: its events to its handler, others as before. */
struct stream_route {
	const char *event;
	vici_event_fn fn, old_fn;
	void *ctx, *old_ctx;
};

static void route_event(void *ctx, const char *event, const struct vici_node *msg)
{
	struct stream_route *r = ctx;

	if (!strcmp(event, r->event))
		r->fn(r->ctx, event, msg);
	else if (r->old_fn)
		r->old_fn(r->old_ctx, event, msg);
}

int vici_call_stream(struct vici_conn *c, const char *cmd, const struct vici_builder *args,
		     const char *event, vici_event_fn fn, void *ctx, int timeout_ms,
		     struct vici_node **resp)
{
	struct stream_route route = { event, fn, c->on_event, ctx, c->ctx };
	int64_t deadline = deadline_of(timeout_ms);
	char err[sizeof(c->err)];
	int rc, e;

	if (vici_register(c, event, left_ms(deadline)))
		return -1;
	vici_set_event_handler(c, route_event, &route);
	rc = vici_call(c, cmd, args, left_ms(deadline), resp);
	e = errno;
	vici_set_event_handler(c, route.old_fn, route.old_ctx);
	if (rc) {
		/* still registered when charon refused the command */
		memcpy(err, c->err, sizeof(err));
		if (vici_connected(c))
			vici_unregister(c, event, left_ms(deadline));
		memcpy(c->err, err, sizeof(err));
		errno = e;
		return -1;
	}
	if (vici_unregister(c, event, left_ms(deadline))) {
		if (resp) {
			vici_free(*resp);
			*resp = NULL;
		}
		return -1;
	}
	return 0;
}

int vici_process(struct vici_conn *c)
{
	struct vici_packet p;
	int rc;

	if (check_usable(c))
		return -1;
	for (;;) {
		while ((rc = vici_reader_next(&c->rd, &p)) > 0) {
			if (p.type != VICI_EVENT)
				return conn_fail(c, EPROTO,
						 "%s: unexpected packet type %u from charon",
						 c->path, p.type);
			if (dispatch_event(c, &p))
				return -1;
			if (c->fd < 0) {
				set_err(c, "connection closed by an event handler");
				errno = ECANCELED;
				return -1;
			}
		}
		if (rc < 0)
			return conn_fail(c, errno, "%s: %s from charon", c->path,
					 errno == EMSGSIZE ? "oversized packet" : "malformed packet");
		rc = read_some(c);
		if (rc <= 0)
			return rc;
	}
}

int vici_redirect(struct vici_conn *c, uint32_t ike_id, const char *gateway,
		  int timeout_ms, unsigned *matches)
{
	struct vici_builder b;
	struct vici_node *r = NULL;
	const char *ok, *msg;
	uint64_t m = 0;
	int rc = -1;

	vici_builder_init(&b);
	vici_add_kvf(&b, "ike-id", "%u", ike_id);
	vici_add_kv(&b, "gateway", gateway ? gateway : "");
	if (vici_call(c, "redirect", &b, timeout_ms, &r))
		goto out;
	ok = vici_find_str(r, "success");
	msg = vici_find_str(r, "errmsg");
	vici_find_u64(r, "matches", &m);
	if (!ok || strcmp(ok, "yes")) {
		set_err(c, "redirect IKE_SA #%u to %s: %s", ike_id, gateway,
			msg ? msg : "failed");
		errno = ok ? ESRCH : EPROTO;
		goto out;
	}
	if (matches)
		*matches = m > UINT32_MAX ? UINT32_MAX : (unsigned)m;
	rc = 0;
out:
	vici_free(r);
	vici_builder_free(&b);
	return rc;
}
