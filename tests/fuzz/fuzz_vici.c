// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for the VICI decoders: the input is tried as a message
 * (vici_walk, vici_parse, lookups), as one packet, and as a byte stream of
 * packets fed to vici_reader in pieces.  Oracle besides the sanitizers: a
 * message that parses is re-encoded with the builder and must come out
 * byte for byte the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vici.h"

static void rebuild(struct vici_builder *b, const struct vici_node *sec)
{
	const struct vici_node *c, *i;

	for (c = sec->child; c; c = c->next) {
		switch (c->type) {
		case VICI_N_SECTION:
			vici_begin_section(b, c->name);
			rebuild(b, c);
			vici_end_section(b);
			break;
		case VICI_N_KV:
			vici_add_kv_bytes(b, c->name, c->value, c->value_len);
			break;
		case VICI_N_LIST:
			vici_begin_list(b, c->name);
			for (i = c->child; i; i = i->next)
				vici_add_item_bytes(b, i->value, i->value_len);
			vici_end_list(b);
			break;
		case VICI_N_ITEM:
			abort(); /* items live only in lists */
		}
	}
}

static void check_message(const uint8_t *data, size_t size)
{
	struct vici_builder b;
	struct vici_node *r;
	uint64_t v;
	int walk = vici_walk(data, size, NULL, NULL);

	r = vici_parse(data, size);
	if ((walk == 0) != (r != NULL))
		abort();
	if (!r)
		return;
	vici_find_str(r, "ikesas.total");
	vici_find_u64(r, "a.b.c", &v);
	if (r->child)
		vici_find(r, r->child->name);
	vici_builder_init(&b);
	rebuild(&b, r);
	if (vici_builder_done(&b) || b.len != size || (size && memcmp(b.buf, data, size)))
		abort();
	vici_builder_free(&b);
	vici_free(r);
}

static void check_stream(const uint8_t *data, size_t size)
{
	struct vici_reader rd;
	struct vici_packet p;
	size_t off = 0, step = size ? (size_t)data[0] % 7 + 1 : 1;
	int rc = 0;

	vici_reader_init(&rd);
	while (off < size && rc >= 0) {
		size_t n = size - off < step ? size - off : step;

		vici_reader_push(&rd, data + off, n);
		off += n;
		while ((rc = vici_reader_next(&rd, &p)) > 0) {
			if (p.msg) {
				struct vici_node *m = vici_parse(p.msg, p.msg_len);

				vici_free(m);
			} else if (p.msg_len) {
				abort();
			}
		}
	}
	vici_reader_free(&rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vici_packet p;

	check_message(data, size);
	if (!vici_packet_decode(data, size, &p) && p.msg)
		check_message(p.msg, p.msg_len);
	check_stream(data, size);
	return 0;
}
