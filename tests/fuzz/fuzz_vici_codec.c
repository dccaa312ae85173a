// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for the VICI decoders: the input is tried as a message
 * (vic_walk, vic_tree_parse, lookups), as one packet, and as a byte stream of
 * packets fed to vic_reader in pieces.  Oracle besides the sanitizers: a
 * message that parses is re-encoded with the builder and must come out
 * byte for byte the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/vici_codec.h"

static void rebuild(struct vic_builder *b, const struct vic_node *sec)
{
	const struct vic_node *c, *i;

	for (c = sec->child; c; c = c->next) {
		switch (c->type) {
		case VIC_N_SECTION:
			vic_begin_section(b, c->name);
			rebuild(b, c);
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
		case VIC_N_ITEM:
			abort(); /* items live only in lists */
		}
	}
}

static void same_bytes(const struct vic_node *r, const uint8_t *data, size_t size)
{
	struct vic_builder b;

	vic_builder_init(&b);
	if (vic_tree_encode(r, &b) || vic_builder_done(&b) || b.len != size ||
	    (size && memcmp(b.buf, data, size)))
		abort();
	vic_builder_free(&b);
}

static void check_message(const uint8_t *data, size_t size)
{
	struct vic_builder b;
	struct vic_node *r, *copy;
	uint64_t v;
	int walk = vic_walk(data, size, NULL, NULL);

	r = vic_tree_parse(data, size);
	if ((walk == 0) != (r != NULL))
		abort();
	if (!r)
		return;
	vic_find_str(r, "ikesas.total");
	vic_find_u64(r, "a.b.c", &v);
	if (r->child)
		vic_find(r, r->child->name);
	vic_builder_init(&b);
	rebuild(&b, r);
	if (vic_builder_done(&b) || b.len != size || (size && memcmp(b.buf, data, size)))
		abort();
	vic_builder_free(&b);
	same_bytes(r, data, size);
	copy = vic_tree_dup(r);
	if (!copy)
		abort();
	vic_tree_free(r);
	same_bytes(copy, data, size);
	vic_tree_free(copy);
}

static void check_stream(const uint8_t *data, size_t size)
{
	struct vic_reader rd;
	struct vic_packet p;
	size_t off = 0, step = size ? (size_t)data[0] % 7 + 1 : 1;
	int rc = 0;

	vic_reader_init(&rd);
	while (off < size && rc >= 0) {
		size_t n = size - off < step ? size - off : step;

		vic_reader_push(&rd, data + off, n);
		off += n;
		while ((rc = vic_reader_next(&rd, &p)) > 0) {
			if (p.msg) {
				struct vic_node *m = vic_tree_parse(p.msg, p.msg_len);

				vic_tree_free(m);
			} else if (p.msg_len) {
				abort();
			}
		}
	}
	vic_reader_free(&rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vic_packet p;

	check_message(data, size);
	if (!vic_packet_decode(data, size, &p) && p.msg)
		check_message(p.msg, p.msg_len);
	check_stream(data, size);
	return 0;
}
