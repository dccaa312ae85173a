// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The VICI message codec: byte vectors written by hand from strongSwan's
 * vici README (src/libcharon/plugins/vici/README.md), parsing, every
 * malformed-input case, framing, and the way back from a tree to bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/vici_codec.h"

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

static void build_readme(struct vic_builder *b)
{
	vic_builder_init(b);
	assert_int_equal(vic_add_kv(b, "key1", "value1"), 0);
	assert_int_equal(vic_begin_section(b, "section1"), 0);
	assert_int_equal(vic_begin_section(b, "sub-section"), 0);
	assert_int_equal(vic_add_kv(b, "key2", "value2"), 0);
	assert_int_equal(vic_end_section(b), 0);
	assert_int_equal(vic_begin_list(b, "list1"), 0);
	assert_int_equal(vic_add_item(b, "item1"), 0);
	assert_int_equal(vic_add_item(b, "item2"), 0);
	assert_int_equal(vic_end_list(b), 0);
	assert_int_equal(vic_end_section(b), 0);
	assert_int_equal(vic_builder_done(b), 0);
}

static void test_build_readme_example(void **state)
{
	struct vic_builder b;

	(void)state;
	build_readme(&b);
	assert_int_equal(b.len, sizeof(readme_msg));
	assert_memory_equal(b.buf, readme_msg, sizeof(readme_msg));
	vic_builder_free(&b);
}

static void test_build_misuse(void **state)
{
	struct vic_builder b;
	char long_name[257], *big;

	(void)state;
	/* key/value inside a list */
	vic_builder_init(&b);
	vic_begin_list(&b, "l");
	assert_int_equal(vic_add_kv(&b, "k", "v"), -1);
	assert_int_equal(vic_end_list(&b), -1); /* sticky */
	assert_int_equal(vic_builder_done(&b), -1);
	assert_int_equal(errno, EINVAL);
	vic_builder_free(&b);

	/* section end at the root, list end without list, item outside */
	vic_builder_init(&b);
	assert_int_equal(vic_end_section(&b), -1);
	vic_builder_free(&b);
	vic_builder_init(&b);
	assert_int_equal(vic_end_list(&b), -1);
	vic_builder_free(&b);
	vic_builder_init(&b);
	assert_int_equal(vic_add_item(&b, "x"), -1);
	vic_builder_free(&b);

	/* nested list, section in a list */
	vic_builder_init(&b);
	vic_begin_list(&b, "a");
	assert_int_equal(vic_begin_list(&b, "b"), -1);
	vic_builder_free(&b);
	vic_builder_init(&b);
	vic_begin_list(&b, "a");
	assert_int_equal(vic_begin_section(&b, "s"), -1);
	vic_builder_free(&b);

	/* unbalanced at the end */
	vic_builder_init(&b);
	vic_begin_section(&b, "s");
	assert_int_equal(vic_builder_done(&b), -1);
	vic_builder_free(&b);
	vic_builder_init(&b);
	vic_begin_list(&b, "l");
	assert_int_equal(vic_builder_done(&b), -1);
	vic_builder_free(&b);

	/* a 256-byte name, a 65536-byte value */
	memset(long_name, 'n', 256);
	long_name[256] = 0;
	vic_builder_init(&b);
	assert_int_equal(vic_add_kv(&b, long_name, "v"), -1);
	vic_builder_free(&b);
	long_name[255] = 0;
	vic_builder_init(&b);
	assert_int_equal(vic_add_kv(&b, long_name, "v"), 0);
	assert_int_equal(b.len, 1 + 1 + 255 + 2 + 1);
	vic_builder_free(&b);
	big = malloc(65537);
	assert_non_null(big);
	memset(big, 'v', 65536);
	big[65536] = 0;
	vic_builder_init(&b);
	assert_int_equal(vic_add_kv(&b, "k", big), -1);
	vic_builder_free(&b);
	big[65535] = 0;
	vic_builder_init(&b);
	assert_int_equal(vic_add_kv(&b, "k", big), 0);
	assert_int_equal(vic_builder_done(&b), 0);
	vic_builder_free(&b);
	free(big);

	/* too deep */
	vic_builder_init(&b);
	for (int i = 0; i < VIC_MAX_DEPTH; i++)
		assert_int_equal(vic_begin_section(&b, "s"), 0);
	assert_int_equal(vic_begin_section(&b, "s"), -1);
	vic_builder_free(&b);
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
	assert_int_equal(vic_packet_encode(VIC_CMD_REQUEST, "stats", NULL, 0, &p, &len), 0);
	assert_int_equal(len, sizeof(stats));
	assert_memory_equal(p, stats, len);
	free(p);
	assert_int_equal(vic_packet_encode(VIC_EVENT_REGISTER, "ike-updown", NULL, 0, &p, &len),
			 0);
	assert_int_equal(len, sizeof(reg));
	assert_memory_equal(p, reg, len);
	free(p);
	assert_int_equal(vic_packet_encode(VIC_EVENT_CONFIRM, NULL, NULL, 0, &p, &len), 0);
	assert_int_equal(len, sizeof(confirm));
	assert_memory_equal(p, confirm, len);
	free(p);
	/* named type without a name, unnamed with one, message where none goes */
	assert_int_equal(vic_packet_encode(VIC_CMD_REQUEST, NULL, NULL, 0, &p, &len), -1);
	assert_int_equal(vic_packet_encode(VIC_CMD_RESPONSE, "x", NULL, 0, &p, &len), -1);
	assert_int_equal(vic_packet_encode(VIC_EVENT_REGISTER, "x", readme_msg, 3, &p, &len),
			 -1);
	assert_int_equal(vic_packet_encode(8, NULL, NULL, 0, &p, &len), -1);
}

static void test_parse_readme(void **state)
{
	struct vic_node *r;
	const struct vic_node *n, *i;

	(void)state;
	r = vic_tree_parse(readme_msg, sizeof(readme_msg));
	assert_non_null(r);
	assert_int_equal(r->type, VIC_N_SECTION);
	assert_string_equal(vic_find_str(r, "key1"), "value1");
	assert_string_equal(vic_find_str(r, "section1.sub-section.key2"), "value2");
	n = vic_find(r, "section1.list1");
	assert_non_null(n);
	assert_int_equal(n->type, VIC_N_LIST);
	i = n->child;
	assert_non_null(i);
	assert_int_equal(i->type, VIC_N_ITEM);
	assert_string_equal(i->value, "item1");
	assert_non_null(i->next);
	assert_string_equal(i->next->value, "item2");
	assert_null(i->next->next);
	/* order of members: key1, then section1 */
	assert_string_equal(r->child->name, "key1");
	assert_string_equal(r->child->next->name, "section1");
	assert_null(r->child->next->next);
	/* misses: unknown names, a path through a key/value, a section as str */
	assert_null(vic_find(r, "nope"));
	assert_null(vic_find(r, "key1.x"));
	assert_null(vic_find(r, "section1.list1.item1"));
	assert_null(vic_find_str(r, "section1"));
	assert_null(vic_find(r, "section1."));
	assert_null(vic_find(r, ""));
	assert_null(vic_child(r, "section1.sub-section"));
	vic_tree_free(r);
}

static void test_parse_values(void **state)
{
	/* a = "1\0" 2 bytes, b = "" , c = "18446744073709551615", d = "x7" */
	static const uint8_t m[] = {
		3, 1, 'a', 0, 2, '1', 0, 3, 1, 'b', 0, 0, 3, 1, 'c', 0, 20, '1', '8', '4',
		'4', '6', '7', '4', '4', '0', '7', '3', '7', '0', '9', '5', '5', '1', '6', '1', '5',
		3, 1, 'd', 0, 2, 'x', '7', 4, 1, 'l', 6,
	};
	struct vic_node *r;
	const struct vic_node *a;
	uint64_t v;

	(void)state;
	r = vic_tree_parse(m, sizeof(m));
	assert_non_null(r);
	a = vic_find(r, "a");
	assert_non_null(a);
	assert_int_equal(a->value_len, 2);
	assert_memory_equal(a->value, "1\0", 3);
	assert_null(vic_find_str(r, "a")); /* embedded NUL: not a string */
	assert_string_equal(vic_find_str(r, "b"), "");
	assert_int_equal(vic_find_u64(r, "b", &v), -1);
	assert_int_equal(vic_find_u64(r, "c", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vic_find_u64(r, "d", &v), -1);
	assert_non_null(vic_find(r, "l"));
	assert_null(vic_find(r, "l")->child); /* empty list */
	vic_tree_free(r);

	assert_int_equal(vic_parse_u64("18446744073709551616", &v), -1);
	assert_int_equal(vic_parse_u64("-1", &v), -1);
	assert_int_equal(vic_parse_u64("+1", &v), -1);
	assert_int_equal(vic_parse_u64(" 1", &v), -1);
	assert_int_equal(vic_parse_u64("1 ", &v), -1);
	assert_int_equal(vic_parse_u64("007", &v), 0);
	assert_int_equal(v, 7);

	/* the empty message is a valid empty root */
	r = vic_tree_parse(NULL, 0);
	assert_non_null(r);
	assert_null(r->child);
	vic_tree_free(r);
}

static void expect_bad(const uint8_t *m, size_t len)
{
	errno = 0;
	assert_null(vic_tree_parse(m, len));
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(vic_walk(m, len, NULL, NULL), -1);
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
			struct vic_node *r = vic_tree_parse(copy, k);

			assert_non_null(r);
			vic_tree_free(r);
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
	uint8_t m[(VIC_MAX_DEPTH + 1) * 4];
	size_t len;
	struct vic_node *r;

	(void)state;
	/* VIC_MAX_DEPTH nested sections "s", closed: accepted */
	len = 0;
	for (int i = 0; i < VIC_MAX_DEPTH; i++) {
		m[len++] = 1;
		m[len++] = 1;
		m[len++] = 's';
	}
	for (int i = 0; i < VIC_MAX_DEPTH; i++)
		m[len++] = 2;
	r = vic_tree_parse(m, len);
	assert_non_null(r);
	/* the innermost section is at depth VIC_MAX_DEPTH */
	{
		const struct vic_node *n = r;
		int d = 0;

		while (n->child) {
			n = n->child;
			d++;
		}
		assert_int_equal(d, VIC_MAX_DEPTH);
	}
	vic_tree_free(r);
	/* one more level: rejected */
	len = 0;
	for (int i = 0; i <= VIC_MAX_DEPTH; i++) {
		m[len++] = 1;
		m[len++] = 1;
		m[len++] = 's';
	}
	for (int i = 0; i <= VIC_MAX_DEPTH; i++)
		m[len++] = 2;
	expect_bad(m, len);
}

static int count_cb(void *ctx, const struct vic_elem *e)
{
	int *n = ctx;

	(void)e;
	return ++*n == 3 ? 42 : 0;
}

static void test_walk_stops(void **state)
{
	int n = 0;

	(void)state;
	assert_int_equal(vic_walk(readme_msg, sizeof(readme_msg), count_cb, &n), 42);
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
	struct vic_packet p;

	(void)state;
	assert_int_equal(vic_packet_decode(event, sizeof(event), &p), 0);
	assert_int_equal(p.type, VIC_EVENT);
	assert_string_equal(p.name, "ev");
	assert_int_equal(p.msg_len, 6);
	assert_ptr_equal(p.msg, event + 4);
	assert_int_equal(vic_packet_decode(confirm, 1, &p), 0);
	assert_int_equal(p.type, VIC_EVENT_CONFIRM);
	assert_int_equal(vic_packet_decode(unknown_trailing, 2, &p), -1);
	assert_int_equal(vic_packet_decode(named_cut, sizeof(named_cut), &p), -1);
	assert_int_equal(vic_packet_decode(event, 1, &p), -1);
	assert_int_equal(vic_packet_decode(name_nul, sizeof(name_nul), &p), -1);
	assert_int_equal(vic_packet_decode(type8, 1, &p), -1);
	assert_int_equal(vic_packet_decode(type8, 0, &p), -1);
}

static void test_reader(void **state)
{
	/* EVENT_CONFIRM, then CMD_RESPONSE { k = v } */
	static const uint8_t stream[] = { 0, 0, 0, 1, 5, 0, 0, 0, 7, 1, 3, 1, 'k', 0, 1, 'v' };
	static const uint8_t huge[] = { 0, 8, 0, 1 }; /* 512 KiB + 1 */
	static const uint8_t max[] = { 0, 8, 0, 0 }; /* 512 KiB: allowed */
	static const uint8_t empty[] = { 0, 0, 0, 0 };
	struct vic_reader r;
	struct vic_packet p;
	int got = 0;

	(void)state;
	vic_reader_init(&r);
	for (size_t i = 0; i < sizeof(stream); i++) {
		assert_int_equal(vic_reader_push(&r, &stream[i], 1), 0);
		int rc = vic_reader_next(&r, &p);

		if (i == 4) {
			assert_int_equal(rc, 1);
			assert_int_equal(p.type, VIC_EVENT_CONFIRM);
			got++;
		} else if (i == sizeof(stream) - 1) {
			assert_int_equal(rc, 1);
			assert_int_equal(p.type, VIC_CMD_RESPONSE);
			assert_int_equal(p.msg_len, 6);
			got++;
		} else {
			assert_int_equal(rc, 0);
		}
	}
	assert_int_equal(got, 2);
	assert_int_equal(vic_reader_next(&r, &p), 0);
	vic_reader_free(&r);

	vic_reader_init(&r);
	vic_reader_push(&r, huge, 4);
	assert_int_equal(vic_reader_next(&r, &p), -1);
	assert_int_equal(errno, EMSGSIZE);
	vic_reader_free(&r);

	vic_reader_init(&r);
	vic_reader_push(&r, max, 4);
	assert_int_equal(vic_reader_next(&r, &p), 0); /* waits for the data */
	vic_reader_free(&r);

	vic_reader_init(&r);
	vic_reader_push(&r, empty, 4);
	assert_int_equal(vic_reader_next(&r, &p), -1);
	assert_int_equal(errno, EBADMSG);
	vic_reader_free(&r);
}

static void test_tree_encode_and_dup(void **state)
{
	struct vic_builder b;
	struct vic_node *r, *copy;

	(void)state;
	r = vic_tree_parse(readme_msg, sizeof(readme_msg));
	assert_non_null(r);
	/* back to the same bytes */
	vic_builder_init(&b);
	assert_int_equal(vic_tree_encode(r, &b), 0);
	assert_int_equal(vic_builder_done(&b), 0);
	assert_int_equal(b.len, sizeof(readme_msg));
	assert_memory_equal(b.buf, readme_msg, sizeof(readme_msg));
	vic_builder_free(&b);
	/* a copy that outlives the original */
	copy = vic_tree_dup(r);
	vic_tree_free(r);
	assert_non_null(copy);
	assert_string_equal(vic_find_str(copy, "section1.sub-section.key2"), "value2");
	assert_string_equal(vic_find(copy, "section1.list1")->child->next->value, "item2");
	vic_tree_free(copy);
	/* the empty message */
	r = vic_tree_parse(NULL, 0);
	copy = vic_tree_dup(r);
	assert_non_null(copy);
	assert_null(copy->child);
	vic_tree_free(copy);
	vic_tree_free(r);
}

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
		cmocka_unit_test(test_tree_encode_and_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
