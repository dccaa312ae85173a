// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The VICI message codec: see vici_codec.h for the wire format. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/vici_codec.h"

/* Longest message a packet can carry: the segment minus type and name. */
#define VIC_MSG_MAX (VIC_MAX_PACKET - 2 - VIC_NAME_MAX)

/* ---- builder ----------------------------------------------------------- */

void vic_builder_init(struct vic_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void vic_builder_free(struct vic_builder *b)
{
	free(b->buf);
	vic_builder_init(b);
}

static int b_fail(struct vic_builder *b, int err)
{
	if (!b->err)
		b->err = err;
	errno = b->err;
	return -1;
}

static int b_put(struct vic_builder *b, const void *data, size_t n)
{
	if (n > VIC_MSG_MAX - b->len)
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

static int b_type(struct vic_builder *b, uint8_t type)
{
	return b_put(b, &type, 1);
}

static int b_name(struct vic_builder *b, const char *name)
{
	size_t n = name ? strlen(name) : VIC_NAME_MAX + 1;
	uint8_t len = (uint8_t)n;

	if (n > VIC_NAME_MAX)
		return b_fail(b, EINVAL);
	if (b_put(b, &len, 1))
		return -1;
	return b_put(b, name, n);
}

static int b_value(struct vic_builder *b, const void *value, size_t n)
{
	uint8_t len[2] = { (uint8_t)(n >> 8), (uint8_t)n };

	if (n > VIC_VALUE_MAX || (!value && n))
		return b_fail(b, EINVAL);
	if (b_put(b, len, 2))
		return -1;
	return b_put(b, value, n);
}

/* Checks the state allows an element outside (false) or inside a list. */
static int b_check(struct vic_builder *b, bool want_list)
{
	if (b->err)
		return b_fail(b, b->err);
	if (b->in_list != want_list)
		return b_fail(b, EINVAL);
	return 0;
}

int vic_add_kv_bytes(struct vic_builder *b, const char *key, const void *value, size_t len)
{
	if (b_check(b, false))
		return -1;
	if (len > VIC_VALUE_MAX)
		return b_fail(b, EINVAL);
	if (b_type(b, VIC_KEY_VALUE) || b_name(b, key) || b_value(b, value, len))
		return -1;
	return 0;
}

int vic_add_kv(struct vic_builder *b, const char *key, const char *value)
{
	if (!value)
		return b_fail(b, EINVAL);
	return vic_add_kv_bytes(b, key, value, strlen(value));
}

int vic_add_kvf(struct vic_builder *b, const char *key, const char *fmt, ...)
{
	char buf[VIC_VALUE_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return b_fail(b, EINVAL);
	return vic_add_kv_bytes(b, key, buf, (size_t)n);
}

int vic_begin_section(struct vic_builder *b, const char *name)
{
	if (b_check(b, false))
		return -1;
	if (b->depth >= VIC_MAX_DEPTH)
		return b_fail(b, EINVAL);
	if (b_type(b, VIC_SECTION_START) || b_name(b, name))
		return -1;
	b->depth++;
	return 0;
}

int vic_end_section(struct vic_builder *b)
{
	if (b_check(b, false))
		return -1;
	if (!b->depth)
		return b_fail(b, EINVAL);
	if (b_type(b, VIC_SECTION_END))
		return -1;
	b->depth--;
	return 0;
}

int vic_begin_list(struct vic_builder *b, const char *name)
{
	if (b_check(b, false))
		return -1;
	if (b_type(b, VIC_LIST_START) || b_name(b, name))
		return -1;
	b->in_list = true;
	return 0;
}

int vic_add_item_bytes(struct vic_builder *b, const void *value, size_t len)
{
	if (b_check(b, true))
		return -1;
	if (len > VIC_VALUE_MAX)
		return b_fail(b, EINVAL);
	if (b_type(b, VIC_LIST_ITEM) || b_value(b, value, len))
		return -1;
	return 0;
}

int vic_add_item(struct vic_builder *b, const char *value)
{
	if (!value)
		return b_fail(b, EINVAL);
	return vic_add_item_bytes(b, value, strlen(value));
}

int vic_end_list(struct vic_builder *b)
{
	if (b_check(b, true))
		return -1;
	if (b_type(b, VIC_LIST_END))
		return -1;
	b->in_list = false;
	return 0;
}

int vic_builder_done(const struct vic_builder *b)
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

bool vic_packet_named(uint8_t type)
{
	return type == VIC_CMD_REQUEST || type == VIC_EVENT_REGISTER ||
	       type == VIC_EVENT_UNREGISTER || type == VIC_EVENT;
}

bool vic_packet_has_msg(uint8_t type)
{
	return type == VIC_CMD_REQUEST || type == VIC_CMD_RESPONSE || type == VIC_EVENT;
}

int vic_packet_encode(uint8_t type, const char *name, const uint8_t *msg, size_t msg_len,
		       uint8_t **out, size_t *out_len)
{
	size_t name_len = name ? strlen(name) : 0, len, off = 0;
	uint8_t *p;

	if (type > VIC_EVENT || vic_packet_named(type) != (name != NULL) ||
	    (!vic_packet_has_msg(type) && msg_len) || (msg_len && !msg) ||
	    name_len > VIC_NAME_MAX) {
		errno = EINVAL;
		return -1;
	}
	len = 1 + (name ? 1 + name_len : 0);
	if (msg_len > VIC_MAX_PACKET - len) {
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

int vic_packet_decode(const uint8_t *data, size_t len, struct vic_packet *p)
{
	size_t off = 1;

	memset(p, 0, sizeof(*p));
	if (len < 1 || data[0] > VIC_EVENT)
		return bad_msg();
	p->type = data[0];
	if (vic_packet_named(p->type)) {
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
	if (vic_packet_has_msg(p->type)) {
		p->msg = data + off;
		p->msg_len = len - off;
	} else if (off != len) {
		return bad_msg();
	}
	return 0;
}

/* ---- stream reassembly ------------------------------------------------- */

void vic_reader_init(struct vic_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void vic_reader_free(struct vic_reader *r)
{
	free(r->buf);
	vic_reader_init(r);
}

int vic_reader_push(struct vic_reader *r, const void *data, size_t n)
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

int vic_reader_next(struct vic_reader *r, struct vic_packet *p)
{
	size_t avail = r->len - r->off;
	const uint8_t *h;
	uint32_t seg;

	if (avail < 4) /* also while buf is still NULL */
		return 0;
	h = r->buf + r->off;
	seg = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (seg > VIC_MAX_PACKET) {
		errno = EMSGSIZE;
		return -1;
	}
	if (avail - 4 < seg)
		return 0;
	if (vic_packet_decode(h + 4, seg, p))
		return -1;
	r->off += 4 + seg;
	return 1;
}

/* ---- message walker ---------------------------------------------------- */

static int take_name(const uint8_t *m, size_t len, size_t *off, struct vic_elem *e)
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

static int take_value(const uint8_t *m, size_t len, size_t *off, struct vic_elem *e)
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
		     bool *in_list, struct vic_elem *e)
{
	memset(e, 0, sizeof(*e));
	e->type = m[(*off)++];
	e->depth = *depth;
	switch (e->type) {
	case VIC_SECTION_START:
		if (*in_list || *depth >= VIC_MAX_DEPTH || take_name(m, len, off, e))
			return -1;
		++*depth;
		return 0;
	case VIC_SECTION_END:
		if (*in_list || !*depth)
			return -1;
		e->depth = --*depth;
		return 0;
	case VIC_KEY_VALUE:
		if (*in_list || take_name(m, len, off, e))
			return -1;
		return take_value(m, len, off, e);
	case VIC_LIST_START:
		if (*in_list || take_name(m, len, off, e))
			return -1;
		*in_list = true;
		return 0;
	case VIC_LIST_ITEM:
		if (!*in_list)
			return -1;
		return take_value(m, len, off, e);
	case VIC_LIST_END:
		if (!*in_list)
			return -1;
		*in_list = false;
		return 0;
	default:
		return -1;
	}
}

int vic_walk(const uint8_t *msg, size_t len, vic_walk_fn fn, void *ctx)
{
	unsigned depth = 0;
	bool in_list = false;
	size_t off = 0;

	if (len && !msg)
		return bad_msg();
	while (off < len) {
		struct vic_elem e;
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

static int count_elem(void *ctx, const struct vic_elem *e)
{
	struct tree_size *s = ctx;

	if (e->type == VIC_SECTION_END || e->type == VIC_LIST_END)
		return 0;
	s->nodes++;
	s->bytes += e->name_len + 1 + (e->value ? e->value_len + 1 : 0);
	return 0;
}

struct tree_fill {
	struct vic_node *nodes; /* nodes[0] is the root */
	size_t used;
	char *strs;
	/* open containers, innermost last, and their last child */
	struct vic_node *open[VIC_MAX_DEPTH + 2];
	struct vic_node *last[VIC_MAX_DEPTH + 2];
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

static int fill_elem(void *ctx, const struct vic_elem *e)
{
	struct tree_fill *t = ctx;
	struct vic_node *n;

	if (e->type == VIC_SECTION_END || e->type == VIC_LIST_END) {
		t->top--;
		return 0;
	}
	n = &t->nodes[t->used++];
	n->name = e->name ? copy_str(t, e->name, e->name_len) : copy_str(t, "", 0);
	if (e->value) {
		n->value = copy_str(t, e->value, e->value_len);
		n->value_len = e->value_len;
	}
	n->type = e->type == VIC_SECTION_START ? VIC_N_SECTION :
		  e->type == VIC_KEY_VALUE	? VIC_N_KV :
		  e->type == VIC_LIST_START	? VIC_N_LIST :
						  VIC_N_ITEM;
	if (t->last[t->top])
		t->last[t->top]->next = n;
	else
		t->open[t->top]->child = n;
	t->last[t->top] = n;
	if (n->type == VIC_N_SECTION || n->type == VIC_N_LIST) {
		t->top++;
		t->open[t->top] = n;
		t->last[t->top] = NULL;
	}
	return 0;
}

struct vic_node *vic_tree_parse(const uint8_t *msg, size_t len)
{
	struct tree_size s = { 1, 1 }; /* the root and its name "" */
	struct tree_fill t = { 0 };
	struct vic_node *nodes;

	if (vic_walk(msg, len, count_elem, &s))
		return NULL;
	/* bounded by the message length, so no overflow */
	nodes = calloc(1, s.nodes * sizeof(*nodes) + s.bytes);
	if (!nodes)
		return NULL;
	t.nodes = nodes;
	t.strs = (char *)(nodes + s.nodes);
	t.used = 1;
	nodes[0].type = VIC_N_SECTION;
	nodes[0].name = copy_str(&t, "", 0);
	t.open[0] = nodes;
	vic_walk(msg, len, fill_elem, &t);
	return nodes;
}

void vic_tree_free(struct vic_node *root)
{
	free(root);
}

static const struct vic_node *child_n(const struct vic_node *n, const char *name, size_t len)
{
	const struct vic_node *c;

	if (!n || (n->type != VIC_N_SECTION && n->type != VIC_N_LIST))
		return NULL;
	for (c = n->child; c; c = c->next)
		if (strlen(c->name) == len && !memcmp(c->name, name, len))
			return c;
	return NULL;
}

const struct vic_node *vic_child(const struct vic_node *n, const char *name)
{
	return name ? child_n(n, name, strlen(name)) : NULL;
}

const struct vic_node *vic_find(const struct vic_node *n, const char *path)
{
	const char *dot;

	if (!path)
		return NULL;
	while ((dot = strchr(path, '.'))) {
		n = child_n(n, path, (size_t)(dot - path));
		if (!n || n->type != VIC_N_SECTION)
			return NULL;
		path = dot + 1;
	}
	return child_n(n, path, strlen(path));
}

const char *vic_find_str(const struct vic_node *n, const char *path)
{
	n = vic_find(n, path);
	if (!n || n->type != VIC_N_KV || strlen(n->value) != n->value_len)
		return NULL;
	return n->value;
}

int vic_parse_u64(const char *s, uint64_t *out)
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

int vic_find_u64(const struct vic_node *n, const char *path, uint64_t *out)
{
	return vic_parse_u64(vic_find_str(n, path), out);
}

int vic_tree_encode(const struct vic_node *n, struct vic_builder *b)
{
	const struct vic_node *c, *i;

	for (c = n ? n->child : NULL; c; c = c->next) {
		switch (c->type) {
		case VIC_N_SECTION:
			vic_begin_section(b, c->name);
			vic_tree_encode(c, b);
			vic_end_section(b);
			break;
		case VIC_N_KV:
			vic_add_kv_bytes(b, c->name, c->value, c->value_len);
			break;
		case VIC_N_LIST:
			vic_begin_list(b, c->name);
			for (i = c->child; i; i = i->next)
				vic_add_item_bytes(b, i->value, i->value_len);
			vic_end_list(b);
			break;
		case VIC_N_ITEM: /* only in lists, handled there */
			break;
		}
	}
	return b->err ? -1 : 0;
}

struct vic_node *vic_tree_dup(const struct vic_node *root)
{
	struct vic_builder b;
	struct vic_node *copy = NULL;

	vic_builder_init(&b);
	if (!vic_tree_encode(root, &b) && !vic_builder_done(&b))
		copy = vic_tree_parse(b.buf, b.len);
	vic_builder_free(&b);
	if (!copy)
		errno = ENOMEM;
	return copy;
}
