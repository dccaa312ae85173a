// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * VICI client: byte vectors written by hand from strongSwan's vici README
 * (src/libcharon/plugins/vici/README.md), parsing, every malformed-input
 * case, and the connection logic against a socketpair playing charon.
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vici.h"

/* The README's "Encoding example", byte for byte. */
static const uint8_t readme_msg[] = {
	/* key1 = value1 */
	3, 4, 'k', 'e', 'y', '1', 0, 6, 'v', 'a', 'l', 'u', 'e', '1',
	/* section1 */
	1, 8, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',
	/* sub-section */
	1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',
	/* key2 = value2 */
	3, 4, 'k', 'e', 'y', '2', 0, 6, 'v', 'a', 'l', 'u', 'e', '2',
	/* sub-section end */
	2,
	/* list1 */
	4, 5, 'l', 'i', 's', 't', '1',
	/* item1 */
	5, 0, 5, 'i', 't', 'e', 'm', '1',
	/* item2 */
	5, 0, 5, 'i', 't', 'e', 'm', '2',
	/* list1 end */
	6,
	/* section1 end */
	2,
};
/* The example is complete after "key1 = value1" too (14 bytes). */
#define README_KEY1_END 14

static void build_readme(struct vici_builder *b)
{
	vici_builder_init(b);
	assert_int_equal(vici_add_kv(b, "key1", "value1"), 0);
	assert_int_equal(vici_begin_section(b, "section1"), 0);
	assert_int_equal(vici_begin_section(b, "sub-section"), 0);
	assert_int_equal(vici_add_kv(b, "key2", "value2"), 0);
	assert_int_equal(vici_end_section(b), 0);
	assert_int_equal(vici_begin_list(b, "list1"), 0);
	assert_int_equal(vici_add_item(b, "item1"), 0);
	assert_int_equal(vici_add_item(b, "item2"), 0);
	assert_int_equal(vici_end_list(b), 0);
	assert_int_equal(vici_end_section(b), 0);
	assert_int_equal(vici_builder_done(b), 0);
}

static void test_build_readme_example(void **state)
{
	struct vici_builder b;

	(void)state;
	build_readme(&b);
	assert_int_equal(b.len, sizeof(readme_msg));
	assert_memory_equal(b.buf, readme_msg, sizeof(readme_msg));
	vici_builder_free(&b);
}

static void test_build_misuse(void **state)
{
	struct vici_builder b;
	char long_name[257], *big;

	(void)state;
	/* key/value inside a list */
	vici_builder_init(&b);
	vici_begin_list(&b, "l");
	assert_int_equal(vici_add_kv(&b, "k", "v"), -1);
	assert_int_equal(vici_end_list(&b), -1); /* sticky */
	assert_int_equal(vici_builder_done(&b), -1);
	assert_int_equal(errno, EINVAL);
	vici_builder_free(&b);

	/* section end at the root, list end without list, item outside */
	vici_builder_init(&b);
	assert_int_equal(vici_end_section(&b), -1);
	vici_builder_free(&b);
	vici_builder_init(&b);
	assert_int_equal(vici_end_list(&b), -1);
	vici_builder_free(&b);
	vici_builder_init(&b);
	assert_int_equal(vici_add_item(&b, "x"), -1);
	vici_builder_free(&b);

	/* nested list, section in a list */
	vici_builder_init(&b);
	vici_begin_list(&b, "a");
	assert_int_equal(vici_begin_list(&b, "b"), -1);
	vici_builder_free(&b);
	vici_builder_init(&b);
	vici_begin_list(&b, "a");
	assert_int_equal(vici_begin_section(&b, "s"), -1);
	vici_builder_free(&b);

	/* unbalanced at the end */
	vici_builder_init(&b);
	vici_begin_section(&b, "s");
	assert_int_equal(vici_builder_done(&b), -1);
	vici_builder_free(&b);
	vici_builder_init(&b);
	vici_begin_list(&b, "l");
	assert_int_equal(vici_builder_done(&b), -1);
	vici_builder_free(&b);

	/* a 256-byte name, a 65536-byte value */
	memset(long_name, 'n', 256);
	long_name[256] = 0;
	vici_builder_init(&b);
	assert_int_equal(vici_add_kv(&b, long_name, "v"), -1);
	vici_builder_free(&b);
	long_name[255] = 0;
	vici_builder_init(&b);
	assert_int_equal(vici_add_kv(&b, long_name, "v"), 0);
	assert_int_equal(b.len, 1 + 1 + 255 + 2 + 1);
	vici_builder_free(&b);
	big = malloc(65537);
	assert_non_null(big);
	memset(big, 'v', 65536);
	big[65536] = 0;
	vici_builder_init(&b);
	assert_int_equal(vici_add_kv(&b, "k", big), -1);
	vici_builder_free(&b);
	big[65535] = 0;
	vici_builder_init(&b);
	assert_int_equal(vici_add_kv(&b, "k", big), 0);
	assert_int_equal(vici_builder_done(&b), 0);
	vici_builder_free(&b);
	free(big);

	/* too deep */
	vici_builder_init(&b);
	for (int i = 0; i < VICI_MAX_DEPTH; i++)
		assert_int_equal(vici_begin_section(&b, "s"), 0);
	assert_int_equal(vici_begin_section(&b, "s"), -1);
	vici_builder_free(&b);
}

static void test_packet_encode(void **state)
{
	/* CMD_REQUEST "stats", no message: 1 + 1 + 5 bytes of data */
	static const uint8_t stats[] = { 0, 0, 0, 7, 0, 5, 's', 't', 'a', 't', 's' };
	/* EVENT_REGISTER "ike-updown": 1 + 1 + 10 */
	static const uint8_t reg[] = { 0,   0,	 0,   12,  3,	10,  'i', 'k',
				       'e', '-', 'u', 'p', 'd', 'o', 'w', 'n' };
	static const uint8_t confirm[] = { 0, 0, 0, 1, 5 };
	uint8_t *p;
	size_t len;

	(void)state;
	assert_int_equal(vici_packet_encode(VICI_CMD_REQUEST, "stats", NULL, 0, &p, &len), 0);
	assert_int_equal(len, sizeof(stats));
	assert_memory_equal(p, stats, len);
	free(p);
	assert_int_equal(vici_packet_encode(VICI_EVENT_REGISTER, "ike-updown", NULL, 0, &p, &len),
			 0);
	assert_int_equal(len, sizeof(reg));
	assert_memory_equal(p, reg, len);
	free(p);
	assert_int_equal(vici_packet_encode(VICI_EVENT_CONFIRM, NULL, NULL, 0, &p, &len), 0);
	assert_int_equal(len, sizeof(confirm));
	assert_memory_equal(p, confirm, len);
	free(p);
	/* named type without a name, unnamed with one, message where none goes */
	assert_int_equal(vici_packet_encode(VICI_CMD_REQUEST, NULL, NULL, 0, &p, &len), -1);
	assert_int_equal(vici_packet_encode(VICI_CMD_RESPONSE, "x", NULL, 0, &p, &len), -1);
	assert_int_equal(vici_packet_encode(VICI_EVENT_REGISTER, "x", readme_msg, 3, &p, &len),
			 -1);
	assert_int_equal(vici_packet_encode(8, NULL, NULL, 0, &p, &len), -1);
}

static void test_parse_readme(void **state)
{
	struct vici_node *r;
	const struct vici_node *n, *i;

	(void)state;
	r = vici_parse(readme_msg, sizeof(readme_msg));
	assert_non_null(r);
	assert_int_equal(r->type, VICI_N_SECTION);
	assert_string_equal(vici_find_str(r, "key1"), "value1");
	assert_string_equal(vici_find_str(r, "section1.sub-section.key2"), "value2");
	n = vici_find(r, "section1.list1");
	assert_non_null(n);
	assert_int_equal(n->type, VICI_N_LIST);
	i = n->child;
	assert_non_null(i);
	assert_int_equal(i->type, VICI_N_ITEM);
	assert_string_equal(i->value, "item1");
	assert_non_null(i->next);
	assert_string_equal(i->next->value, "item2");
	assert_null(i->next->next);
	/* order of members: key1, then section1 */
	assert_string_equal(r->child->name, "key1");
	assert_string_equal(r->child->next->name, "section1");
	assert_null(r->child->next->next);
	/* misses: unknown names, a path through a key/value, a section as str */
	assert_null(vici_find(r, "nope"));
	assert_null(vici_find(r, "key1.x"));
	assert_null(vici_find(r, "section1.list1.item1"));
	assert_null(vici_find_str(r, "section1"));
	assert_null(vici_find(r, "section1."));
	assert_null(vici_find(r, ""));
	assert_null(vici_child(r, "section1.sub-section"));
	vici_free(r);
}

static void test_parse_values(void **state)
{
	/* a = "1\0" 2 bytes, b = "" , c = "18446744073709551615", d = "x7" */
	static const uint8_t m[] = {
		3, 1, 'a', 0, 2, '1', 0, 3, 1, 'b', 0, 0, 3, 1, 'c', 0, 20, '1', '8', '4',
		'4', '6', '7', '4', '4', '0', '7', '3', '7', '0', '9', '5', '5', '1', '6', '1', '5',
		3, 1, 'd', 0, 2, 'x', '7', 4, 1, 'l', 6,
	};
	struct vici_node *r;
	const struct vici_node *a;
	uint64_t v;

	(void)state;
	r = vici_parse(m, sizeof(m));
	assert_non_null(r);
	a = vici_find(r, "a");
	assert_non_null(a);
	assert_int_equal(a->value_len, 2);
	assert_memory_equal(a->value, "1\0", 3);
	assert_null(vici_find_str(r, "a")); /* embedded NUL: not a string */
	assert_string_equal(vici_find_str(r, "b"), "");
	assert_int_equal(vici_find_u64(r, "b", &v), -1);
	assert_int_equal(vici_find_u64(r, "c", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vici_find_u64(r, "d", &v), -1);
	assert_non_null(vici_find(r, "l"));
	assert_null(vici_find(r, "l")->child); /* empty list */
	vici_free(r);

	assert_int_equal(vici_parse_u64("18446744073709551616", &v), -1);
	assert_int_equal(vici_parse_u64("-1", &v), -1);
	assert_int_equal(vici_parse_u64("+1", &v), -1);
	assert_int_equal(vici_parse_u64(" 1", &v), -1);
	assert_int_equal(vici_parse_u64("1 ", &v), -1);
	assert_int_equal(vici_parse_u64("007", &v), 0);
	assert_int_equal(v, 7);

	/* the empty message is a valid empty root */
	r = vici_parse(NULL, 0);
	assert_non_null(r);
	assert_null(r->child);
	vici_free(r);
}

static void expect_bad(const uint8_t *m, size_t len)
{
	errno = 0;
	assert_null(vici_parse(m, len));
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(vici_walk(m, len, NULL, NULL), -1);
}

static void test_truncated_every_offset(void **state)
{
	uint8_t *copy;

	(void)state;
	for (size_t k = 1; k < sizeof(readme_msg); k++) {
		/* an exact-size heap copy, so ASan catches any read past k */
		copy = malloc(k);
		assert_non_null(copy);
		memcpy(copy, readme_msg, k);
		if (k == README_KEY1_END) {
			struct vici_node *r = vici_parse(copy, k);

			assert_non_null(r);
			vici_free(r);
		} else {
			expect_bad(copy, k);
		}
		free(copy);
	}
}

static void test_malformed(void **state)
{
	static const struct {
		const char *what;
		uint8_t m[16];
		size_t len;
	} bad[] = {
		{ "type 0", { 0 }, 1 },
		{ "type 7", { 7 }, 1 },
		{ "type 255", { 255 }, 1 },
		{ "section end at root", { 2 }, 1 },
		{ "list end without list", { 6 }, 1 },
		{ "item outside list", { 5, 0, 0 }, 3 },
		{ "kv name past end", { 3, 10, 'a', 'b', 'c' }, 5 },
		{ "kv value past end", { 3, 1, 'k', 0, 16, 'a', 'b', 'c' }, 8 },
		{ "kv value length cut", { 3, 1, 'k', 0 }, 4 },
		{ "kv without name length", { 3 }, 1 },
		{ "item value past end", { 4, 1, 'l', 5, 0, 9, 'x', 6 }, 8 },
		{ "kv in list", { 4, 1, 'l', 3, 1, 'k', 0, 0, 6 }, 9 },
		{ "section in list", { 4, 1, 'l', 1, 1, 's', 2, 6 }, 8 },
		{ "list in list", { 4, 1, 'l', 4, 1, 'm', 6, 6 }, 8 },
		{ "section end in list", { 1, 1, 's', 4, 1, 'l', 2, 6, 2 }, 9 },
		{ "unclosed section", { 1, 1, 's' }, 3 },
		{ "unclosed list", { 4, 1, 'l' }, 3 },
		{ "extra section end", { 1, 1, 's', 2, 2 }, 5 },
		{ "NUL in a name", { 3, 2, 'a', 0, 0, 0 }, 6 },
		{ "NUL in a section name", { 1, 1, 0, 2 }, 4 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *copy = malloc(bad[i].len);

		assert_non_null(copy);
		memcpy(copy, bad[i].m, bad[i].len);
		print_message("# %s\n", bad[i].what);
		expect_bad(copy, bad[i].len);
		free(copy);
	}
}

static void test_depth_limit(void **state)
{
	uint8_t m[(VICI_MAX_DEPTH + 1) * 4];
	size_t len;
	struct vici_node *r;

	(void)state;
	/* VICI_MAX_DEPTH nested sections "s", closed: accepted */
	len = 0;
	for (int i = 0; i < VICI_MAX_DEPTH; i++) {
		m[len++] = 1;
		m[len++] = 1;
		m[len++] = 's';
	}
	for (int i = 0; i < VICI_MAX_DEPTH; i++)
		m[len++] = 2;
	r = vici_parse(m, len);
	assert_non_null(r);
	/* the innermost section is at depth VICI_MAX_DEPTH */
	{
		const struct vici_node *n = r;
		int d = 0;

		while (n->child) {
			n = n->child;
			d++;
		}
		assert_int_equal(d, VICI_MAX_DEPTH);
	}
	vici_free(r);
	/* one more level: rejected */
	len = 0;
	for (int i = 0; i <= VICI_MAX_DEPTH; i++) {
		m[len++] = 1;
		m[len++] = 1;
		m[len++] = 's';
	}
	for (int i = 0; i <= VICI_MAX_DEPTH; i++)
		m[len++] = 2;
	expect_bad(m, len);
}

static int count_cb(void *ctx, const struct vici_elem *e)
{
	int *n = ctx;

	(void)e;
	return ++*n == 3 ? 42 : 0;
}

static void test_walk_stops(void **state)
{
	int n = 0;

	(void)state;
	assert_int_equal(vici_walk(readme_msg, sizeof(readme_msg), count_cb, &n), 42);
	assert_int_equal(n, 3);
}

static void test_packet_decode(void **state)
{
	static const uint8_t event[] = { 7, 2, 'e', 'v', 3, 1, 'k', 0, 1, 'v' };
	static const uint8_t unknown_trailing[] = { 2, 0 };
	static const uint8_t named_cut[] = { 7, 5, 'a', 'b' };
	static const uint8_t name_nul[] = { 3, 2, 'a', 0 };
	static const uint8_t type8[] = { 8 };
	static const uint8_t confirm[] = { 5 };
	struct vici_packet p;

	(void)state;
	assert_int_equal(vici_packet_decode(event, sizeof(event), &p), 0);
	assert_int_equal(p.type, VICI_EVENT);
	assert_string_equal(p.name, "ev");
	assert_int_equal(p.msg_len, 6);
	assert_ptr_equal(p.msg, event + 4);
	assert_int_equal(vici_packet_decode(confirm, 1, &p), 0);
	assert_int_equal(p.type, VICI_EVENT_CONFIRM);
	assert_int_equal(vici_packet_decode(unknown_trailing, 2, &p), -1);
	assert_int_equal(vici_packet_decode(named_cut, sizeof(named_cut), &p), -1);
	assert_int_equal(vici_packet_decode(event, 1, &p), -1);
	assert_int_equal(vici_packet_decode(name_nul, sizeof(name_nul), &p), -1);
	assert_int_equal(vici_packet_decode(type8, 1, &p), -1);
	assert_int_equal(vici_packet_decode(type8, 0, &p), -1);
}

static void test_reader(void **state)
{
	/* EVENT_CONFIRM, then CMD_RESPONSE { k = v } */
	static const uint8_t stream[] = { 0, 0, 0, 1, 5, 0, 0, 0, 7, 1, 3, 1, 'k', 0, 1, 'v' };
	static const uint8_t huge[] = { 0, 8, 0, 1 }; /* 512 KiB + 1 */
	static const uint8_t max[] = { 0, 8, 0, 0 }; /* 512 KiB: allowed */
	static const uint8_t empty[] = { 0, 0, 0, 0 };
	struct vici_reader r;
	struct vici_packet p;
	int got = 0;

	(void)state;
	vici_reader_init(&r);
	for (size_t i = 0; i < sizeof(stream); i++) {
		assert_int_equal(vici_reader_push(&r, &stream[i], 1), 0);
		int rc = vici_reader_next(&r, &p);

		if (i == 4) {
			assert_int_equal(rc, 1);
			assert_int_equal(p.type, VICI_EVENT_CONFIRM);
			got++;
		} else if (i == sizeof(stream) - 1) {
			assert_int_equal(rc, 1);
			assert_int_equal(p.type, VICI_CMD_RESPONSE);
			assert_int_equal(p.msg_len, 6);
			got++;
		} else {
			assert_int_equal(rc, 0);
		}
	}
	assert_int_equal(got, 2);
	assert_int_equal(vici_reader_next(&r, &p), 0);
	vici_reader_free(&r);

	vici_reader_init(&r);
	vici_reader_push(&r, huge, 4);
	assert_int_equal(vici_reader_next(&r, &p), -1);
	assert_int_equal(errno, EMSGSIZE);
	vici_reader_free(&r);

	vici_reader_init(&r);
	vici_reader_push(&r, max, 4);
	assert_int_equal(vici_reader_next(&r, &p), 0); /* waits for the data */
	vici_reader_free(&r);

	vici_reader_init(&r);
	vici_reader_push(&r, empty, 4);
	assert_int_equal(vici_reader_next(&r, &p), -1);
	assert_int_equal(errno, EBADMSG);
	vici_reader_free(&r);
}

/* ---- connection against a socketpair ----------------------------------- */

/* Server-side packets, by hand. */
/* CMD_RESPONSE { ikesas { total = 3 half-open = 1 } } */
static const uint8_t resp_stats[] = {
	0,   0,	  0,   34,  1,	 1,   6,   'i', 'k', 'e', 's', 'a', 's', 3, 5, 't', 'o',
	't', 'a', 'l', 0,   1,	 '3', 3,   9,	'h', 'a', 'l', 'f', '-', 'o', 'p', 'e', 'n',
	0,   1,	  '1', 2,
};
/* EVENT "list-sa" { c1 { state = ESTABLISHED } } */
static const uint8_t ev_list_sa[] = {
	0,   0,	  0,   34,  7,	 7,   'l', 'i', 's', 't', '-', 's', 'a', 1,   2,	  'c', '1',
	3,   5,	  's', 't', 'a', 't', 'e', 0,	11,  'E', 'S', 'T', 'A', 'B', 'L', 'I', 'S',
	'H', 'E', 'D', 2,
};
static const uint8_t pkt_confirm[] = { 0, 0, 0, 1, 5 };
static const uint8_t pkt_cmd_unknown[] = { 0, 0, 0, 1, 2 };
static const uint8_t pkt_empty_resp[] = { 0, 0, 0, 1, 1 };

struct pair {
	struct vici_conn c;
	int srv;
};

static int pair_setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	int sv[2];

	assert_non_null(p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	vici_conn_init(&p->c);
	assert_int_equal(vici_attach_fd(&p->c, sv[0]), 0);
	snprintf(p->c.path, sizeof(p->c.path), "test");
	p->srv = sv[1];
	*state = p;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *p = *state;

	vici_close(&p->c);
	if (p->srv >= 0)
		close(p->srv);
	free(p);
	return 0;
}

static void srv_send(struct pair *p, const void *b, size_t n)
{
	assert_int_equal(write(p->srv, b, n), (ssize_t)n);
}

/* Everything the client has sent so far. */
static size_t srv_recv(struct pair *p, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(p->srv, buf, cap, MSG_DONTWAIT);

	return n < 0 ? 0 : (size_t)n;
}

struct events {
	int n;
	char names[8][32];
	char state[8][32];
	struct vici_conn *c;
	int nested_rc, nested_errno;
};

static void on_event(void *ctx, const char *name, const struct vici_node *msg)
{
	struct events *e = ctx;
	const char *st = vici_find_str(msg, "c1.state");

	if (e->n < 8) {
		snprintf(e->names[e->n], sizeof(e->names[0]), "%s", name);
		snprintf(e->state[e->n], sizeof(e->state[0]), "%s", st ? st : "");
	}
	e->n++;
	if (e->c) {
		e->nested_rc = vici_call(e->c, "stats", NULL, 100, NULL);
		e->nested_errno = errno;
	}
}

static void test_call_with_events(void **state)
{
	struct pair *p = *state;
	struct events ev = { 0 };
	struct vici_node *r;
	uint64_t v;
	uint8_t sent[64];
	static const uint8_t req[] = { 0, 0, 0, 7, 0, 5, 's', 't', 'a', 't', 's' };

	vici_set_event_handler(&p->c, on_event, &ev);
	srv_send(p, ev_list_sa, sizeof(ev_list_sa));
	srv_send(p, ev_list_sa, sizeof(ev_list_sa));
	srv_send(p, resp_stats, sizeof(resp_stats));
	assert_int_equal(vici_call(&p->c, "stats", NULL, 1000, &r), 0);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.names[1], "list-sa");
	assert_string_equal(ev.state[0], "ESTABLISHED");
	assert_int_equal(vici_find_u64(r, "ikesas.total", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(vici_find_u64(r, "ikesas.half-open", &v), 0);
	assert_int_equal(v, 1);
	vici_free(r);
	assert_int_equal(srv_recv(p, sent, sizeof(sent)), sizeof(req));
	assert_memory_equal(sent, req, sizeof(req));
	assert_true(vici_connected(&p->c));
}

static void test_call_unknown(void **state)
{
	struct pair *p = *state;
	struct vici_node *r = NULL;

	srv_send(p, pkt_cmd_unknown, sizeof(pkt_cmd_unknown));
	assert_int_equal(vici_call(&p->c, "nope", NULL, 1000, &r), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(r);
	assert_non_null(strstr(vici_error(&p->c), "nope"));
	/* the stream is still in step: the next command works */
	assert_true(vici_connected(&p->c));
	srv_send(p, resp_stats, sizeof(resp_stats));
	assert_int_equal(vici_call(&p->c, "stats", NULL, 1000, &r), 0);
	vici_free(r);
}

static void test_peer_closes_mid_packet(void **state)
{
	struct pair *p = *state;

	/* charon half-closes: the request still goes out, the answer stops */
	srv_send(p, resp_stats, 10);
	shutdown(p->srv, SHUT_WR);
	assert_int_equal(vici_call(&p->c, "stats", NULL, 1000, NULL), -1);
	assert_int_equal(errno, EPIPE);
	assert_non_null(strstr(vici_error(&p->c), "closed"));
	assert_false(vici_connected(&p->c));
	/* and stays failed, with a reason */
	assert_int_equal(vici_call(&p->c, "stats", NULL, 1000, NULL), -1);
	assert_int_equal(errno, ENOTCONN);
}

static void test_timeout(void **state)
{
	struct pair *p = *state;

	assert_int_equal(vici_call(&p->c, "stats", NULL, 100, NULL), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_false(vici_connected(&p->c));
	assert_non_null(strstr(vici_error(&p->c), "in time"));
}

static void test_oversized(void **state)
{
	struct pair *p = *state;
	static const uint8_t huge[] = { 0, 8, 0, 1, 1 };

	srv_send(p, huge, sizeof(huge));
	assert_int_equal(vici_call(&p->c, "stats", NULL, 1000, NULL), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_false(vici_connected(&p->c));
}

static void test_malformed_response(void **state)
{
	struct pair *p = *state;
	/* CMD_RESPONSE whose message opens a section and never closes it */
	static const uint8_t bad[] = { 0, 0, 0, 4, 1, 1, 1, 's' };

	srv_send(p, bad, sizeof(bad));
	assert_int_equal(vici_call(&p->c, "stats", NULL, 1000, NULL), -1);
	assert_int_equal(errno, EBADMSG);
	assert_false(vici_connected(&p->c));
}

static void test_wrong_answer_type(void **state)
{
	struct pair *p = *state;

	/* EVENT_CONFIRM is no answer to a command */
	srv_send(p, pkt_confirm, sizeof(pkt_confirm));
	assert_int_equal(vici_call(&p->c, "stats", NULL, 1000, NULL), -1);
	assert_int_equal(errno, EPROTO);
	assert_false(vici_connected(&p->c));
}

static void test_stream(void **state)
{
	struct pair *p = *state;
	struct events ev = { 0 };
	uint8_t sent[128];
	/* EVENT_REGISTER list-sa | CMD_REQUEST list-sas | EVENT_UNREGISTER list-sa */
	static const uint8_t want[] = {
		0, 0,	0,   9,	  3,   7,   'l', 'i', 's', 't', '-', 's', 'a', 0,   0,	0,   10,
		0, 8,	'l', 'i', 's', 't', '-', 's', 'a', 's', 0,   0,	  0,   9,   4,	7,   'l',
		'i', 's', 't', '-', 's', 'a',
	};

	/* EVENT "ike-updown" { up = yes }, from an earlier registration */
	static const uint8_t ev_updown[] = { 0,	  0,   0,   21,	 7,   10,  'i', 'k', 'e',
					     '-', 'u', 'p', 'd', 'o', 'w', 'n', 3,   2,
					     'u', 'p', 0,   3,	 'y', 'e', 's' };
	struct events other = { 0 };

	vici_set_event_handler(&p->c, on_event, &other);
	srv_send(p, pkt_confirm, sizeof(pkt_confirm));
	srv_send(p, ev_list_sa, sizeof(ev_list_sa));
	srv_send(p, ev_updown, sizeof(ev_updown));
	srv_send(p, ev_list_sa, sizeof(ev_list_sa));
	srv_send(p, ev_list_sa, sizeof(ev_list_sa));
	srv_send(p, pkt_empty_resp, sizeof(pkt_empty_resp));
	srv_send(p, pkt_confirm, sizeof(pkt_confirm));
	assert_int_equal(
		vici_call_stream(&p->c, "list-sas", NULL, "list-sa", on_event, &ev, 1000, NULL), 0);
	assert_int_equal(ev.n, 3);
	assert_string_equal(ev.names[2], "list-sa");
	assert_int_equal(other.n, 1);
	assert_string_equal(other.names[0], "ike-updown");
	assert_ptr_equal(p->c.ctx, &other); /* handler restored */
	assert_int_equal(srv_recv(p, sent, sizeof(sent)), sizeof(want));
	assert_memory_equal(sent, want, sizeof(want));
}

static void test_register_unknown(void **state)
{
	struct pair *p = *state;
	static const uint8_t unknown[] = { 0, 0, 0, 1, 6 };

	srv_send(p, unknown, sizeof(unknown));
	assert_int_equal(vici_register(&p->c, "ike-state-change", 1000), -1);
	assert_int_equal(errno, ENOENT);
	assert_true(vici_connected(&p->c));
}

static void test_process_incremental(void **state)
{
	struct pair *p = *state;
	struct events ev = { 0 };

	vici_set_event_handler(&p->c, on_event, &ev);
	/* nothing there: fine, nothing delivered */
	assert_int_equal(vici_process(&p->c), 0);
	assert_int_equal(ev.n, 0);
	/* half an event, then the rest plus a whole one */
	srv_send(p, ev_list_sa, 17);
	assert_int_equal(vici_process(&p->c), 0);
	assert_int_equal(ev.n, 0);
	srv_send(p, ev_list_sa + 17, sizeof(ev_list_sa) - 17);
	srv_send(p, ev_list_sa, sizeof(ev_list_sa));
	assert_int_equal(vici_process(&p->c), 0);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.state[1], "ESTABLISHED");
	/* charon goes away in the middle of an event */
	srv_send(p, ev_list_sa, 20);
	close(p->srv);
	p->srv = -1;
	assert_int_equal(vici_process(&p->c), -1);
	assert_false(vici_connected(&p->c));
	assert_non_null(strstr(vici_error(&p->c), "closed"));
}

static void test_process_rejects_non_event(void **state)
{
	struct pair *p = *state;

	srv_send(p, pkt_empty_resp, sizeof(pkt_empty_resp));
	assert_int_equal(vici_process(&p->c), -1);
	assert_int_equal(errno, EPROTO);
	assert_false(vici_connected(&p->c));
}

static void test_no_command_from_handler(void **state)
{
	struct pair *p = *state;
	struct events ev = { .c = &p->c };

	vici_set_event_handler(&p->c, on_event, &ev);
	srv_send(p, ev_list_sa, sizeof(ev_list_sa));
	assert_int_equal(vici_process(&p->c), 0);
	assert_int_equal(ev.n, 1);
	assert_int_equal(ev.nested_rc, -1);
	assert_int_equal(ev.nested_errno, EBUSY);
	assert_true(vici_connected(&p->c));
}

static void test_redirect(void **state)
{
	struct pair *p = *state;
	unsigned matches = 0;
	uint8_t sent[64];
	/* CMD_REQUEST "redirect" { ike-id = 7 gateway = 198.18.0.3 } */
	static const uint8_t want[] = {
		0,   0,	  0,   42,  0,	 8,   'r', 'e', 'd', 'i', 'r', 'e', 'c', 't', 3,   6,
		'i', 'k', 'e', '-', 'i', 'd', 0,   1,	'7', 3,	  7,   'g', 'a', 't', 'e', 'w',
		'a', 'y', 0,   10,  '1', '9', '8', '.', '1', '8', '.', '0', '.', '3',
	};
	/* CMD_RESPONSE { success = yes matches = 1 } */
	static const uint8_t ok[] = { 0,   0,	0,   27,  1,   3,   7,	 's', 'u', 'c', 'c', 'e',
				      's', 's', 0,   3,	  'y', 'e', 's', 3,   7,   'm', 'a', 't',
				      'c', 'h', 'e', 's', 0,   1,   '1' };
	/* CMD_RESPONSE { success = no errmsg = none } */
	static const uint8_t no[] = { 0,   0,	0,   28,  1,   3,   7,	 's', 'u', 'c',
				      'c', 'e', 's', 's', 0,   2,   'n', 'o', 3,   6,
				      'e', 'r', 'r', 'm', 's', 'g', 0,	 4,   'n', 'o', 'n',
				      'e' };

	srv_send(p, ok, sizeof(ok));
	assert_int_equal(vici_redirect(&p->c, 7, "198.18.0.3", 1000, &matches), 0);
	assert_int_equal(matches, 1);
	assert_int_equal(srv_recv(p, sent, sizeof(sent)), sizeof(want));
	assert_memory_equal(sent, want, sizeof(want));

	srv_send(p, no, sizeof(no));
	assert_int_equal(vici_redirect(&p->c, 7, "198.18.0.3", 1000, &matches), -1);
	assert_non_null(strstr(vici_error(&p->c), "none"));
	assert_true(vici_connected(&p->c));
}

/* A request larger than the socket buffer: written in pieces. */
static void test_big_request(void **state)
{
	struct pair *p = *state;
	struct vici_builder b;
	char *v = malloc(60001);
	size_t total = 0, want;
	pid_t pid;
	int st;

	assert_non_null(v);
	memset(v, 'x', 60000);
	v[60000] = 0;
	vici_builder_init(&b);
	for (int i = 0; i < 8; i++)
		vici_add_kv(&b, "k", v);
	assert_int_equal(vici_builder_done(&b), 0);
	free(v);
	/* data: type + name length + "big" + message */
	want = 4 + 1 + 1 + 3 + b.len;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t buf[65536];
		ssize_t n;

		while (total < want && (n = read(p->srv, buf, sizeof(buf))) > 0)
			total += (size_t)n;
		if (total == want)
			srv_send(p, pkt_empty_resp, sizeof(pkt_empty_resp));
		_exit(total == want ? 0 : 1);
	}
	assert_int_equal(vici_call(&p->c, "big", &b, 5000, NULL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	vici_builder_free(&b);
}

static void test_connect_missing(void **state)
{
	struct vici_conn c;

	(void)state;
	vici_conn_init(&c);
	assert_int_equal(vici_connect(&c, "/nonexistent/charon.vici", 100), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(vici_error(&c),
			    "connect /nonexistent/charon.vici: No such file or directory");
	assert_false(vici_connected(&c));
	assert_int_equal(vici_call(&c, "stats", NULL, 100, NULL), -1);
	vici_close(&c);
}

#define PAIR(t) cmocka_unit_test_setup_teardown(t, pair_setup, pair_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_readme_example),
		cmocka_unit_test(test_build_misuse),
		cmocka_unit_test(test_packet_encode),
		cmocka_unit_test(test_parse_readme),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_truncated_every_offset),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_walk_stops),
		cmocka_unit_test(test_packet_decode),
		cmocka_unit_test(test_reader),
		PAIR(test_call_with_events),
		PAIR(test_call_unknown),
		PAIR(test_peer_closes_mid_packet),
		PAIR(test_timeout),
		PAIR(test_oversized),
		PAIR(test_malformed_response),
		PAIR(test_wrong_answer_type),
		PAIR(test_stream),
		PAIR(test_register_unknown),
		PAIR(test_process_incremental),
		PAIR(test_process_rejects_non_event),
		PAIR(test_no_command_from_handler),
		PAIR(test_redirect),
		PAIR(test_big_request),
		cmocka_unit_test(test_connect_missing),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
