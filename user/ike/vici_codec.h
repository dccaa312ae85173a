/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * strongSwan's VICI protocol (the "Versatile IKE Control Interface",
 * documented in strongSwan's src/libcharon/plugins/vici/README.md): the
 * message codec, pure (no I/O, no clock, no global state).  Debian ships
 * libvici only as a private library without a header, so this is our own
 * implementation of the documented wire format:
 *
 *   transport: u32 length (network order, excludes itself, <= 512 KiB) | data
 *   packet:    u8 type | [u8 name length | name]  (named types only) | message
 *   message:   elements, each u8 type followed by
 *              SECTION_START, LIST_START: u8 name length | name
 *              KEY_VALUE:                 u8 name length | name | u16 length | value
 *              LIST_ITEM:                 u16 length | value
 *              SECTION_END, LIST_END:     nothing
 *
 * Parts, usable on their own:
 *   - builder: messages to send (vic_builder), packets (vic_packet_encode);
 *   - framing: transport segments out of a byte stream (vic_reader) and
 *     packets out of segments (vic_packet_decode);
 *   - walker: a strict message parser (vic_walk) that checks every length
 *     and the nesting rules and returns an error, never reads out of bounds;
 *   - tree: a parsed message (vic_tree_parse) with look-ups by path, and the
 *     way back to bytes (vic_tree_encode).
 * Every input byte is charon's, i.e. untrusted: all decoders are fuzzed
 * (tests/fuzz/fuzz_vici_codec.c).  The connection on top is vici_conn.h.
 *
 * The prefix vic_ keeps these names apart from libvici's vici_*.
 */
#ifndef IKELB_VICI_CODEC_H
#define IKELB_VICI_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* charon's limit (VICI_MESSAGE_SIZE_MAX) on one transport segment. */
#define VIC_MAX_PACKET (512u * 1024u)
/* Sections nested deeper than this are rejected (charon's are < 10 deep). */
#define VIC_MAX_DEPTH 32
#define VIC_NAME_MAX 255
#define VIC_VALUE_MAX 65535

enum vic_packet_type {
	VIC_CMD_REQUEST = 0, /* named, message */
	VIC_CMD_RESPONSE = 1, /* message */
	VIC_CMD_UNKNOWN = 2,
	VIC_EVENT_REGISTER = 3, /* named */
	VIC_EVENT_UNREGISTER = 4, /* named */
	VIC_EVENT_CONFIRM = 5,
	VIC_EVENT_UNKNOWN = 6,
	VIC_EVENT = 7, /* named, message */
};

enum vic_elem_type {
	VIC_SECTION_START = 1,
	VIC_SECTION_END = 2,
	VIC_KEY_VALUE = 3,
	VIC_LIST_START = 4,
	VIC_LIST_ITEM = 5,
	VIC_LIST_END = 6,
};

/* ---- building messages ------------------------------------------------ */

/*
 * A message under construction.  Errors are sticky: after the first misuse
 * (value too long, key/value inside a list, unbalanced end, ...) every call
 * returns -1 and vic_builder_done reports the first error in errno.
 */
struct vic_builder {
	uint8_t *buf;
	size_t len, cap;
	unsigned depth; /* open sections */
	bool in_list;
	int err; /* errno of the first failure, 0 if none */
};

void vic_builder_init(struct vic_builder *b);
void vic_builder_free(struct vic_builder *b);
/* Names: 0..255 bytes.  Values: 0..65535 bytes. */
int vic_add_kv(struct vic_builder *b, const char *key, const char *value);
int vic_add_kv_bytes(struct vic_builder *b, const char *key, const void *value,
		      size_t len);
int vic_add_kvf(struct vic_builder *b, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vic_begin_section(struct vic_builder *b, const char *name);
int vic_end_section(struct vic_builder *b);
int vic_begin_list(struct vic_builder *b, const char *name);
int vic_add_item(struct vic_builder *b, const char *value);
int vic_add_item_bytes(struct vic_builder *b, const void *value, size_t len);
int vic_end_list(struct vic_builder *b);
/* 0 when the message is complete and balanced; else -1 with errno. */
int vic_builder_done(const struct vic_builder *b);

/* True for the packet types that carry a name / a message. */
bool vic_packet_named(uint8_t type);
bool vic_packet_has_msg(uint8_t type);

/*
 * A whole transport segment (length prefix included) in a new buffer.  name
 * is required for named types and must be NULL otherwise; msg only for types
 * with a message.  -1 with errno EINVAL / E2BIG / ENOMEM.
 */
int vic_packet_encode(uint8_t type, const char *name, const uint8_t *msg, size_t msg_len,
		       uint8_t **out, size_t *out_len);

/* ---- decoding ---------------------------------------------------------- */

struct vic_packet {
	uint8_t type;
	char name[VIC_NAME_MAX + 1]; /* "" for unnamed types */
	const uint8_t *msg; /* into the decoded data; NULL/0 for types without */
	size_t msg_len;
};

/*
 * One packet from the data of one transport segment (without the length
 * prefix).  Strict: unknown types, names with NUL bytes, and bytes after a
 * packet that has no message are errors.  -1 with errno EBADMSG.
 */
int vic_packet_decode(const uint8_t *data, size_t len, struct vic_packet *p);

/* Reassembles transport segments from a byte stream (partial reads). */
struct vic_reader {
	uint8_t *buf;
	size_t len, cap, off; /* unread bytes are buf[off..len) */
};

void vic_reader_init(struct vic_reader *r);
void vic_reader_free(struct vic_reader *r);
/* Appends received bytes; -1 with ENOMEM. */
int vic_reader_push(struct vic_reader *r, const void *data, size_t len);
/*
 * 1 and the next complete packet in *p (valid until the next push), 0 when
 * more bytes are needed, -1 with errno EMSGSIZE (segment over
 * VIC_MAX_PACKET) or EBADMSG (empty or malformed packet).  After -1 the
 * stream is unusable.
 */
int vic_reader_next(struct vic_reader *r, struct vic_packet *p);

/* One element as vic_walk sees it; name and value are not NUL-terminated. */
struct vic_elem {
	uint8_t type; /* enum vic_elem_type */
	unsigned depth; /* sections around it: 0 = the root */
	const char *name; /* SECTION_START, KEY_VALUE, LIST_START */
	size_t name_len;
	const uint8_t *value; /* KEY_VALUE, LIST_ITEM */
	size_t value_len;
};

/* Returns 0 to continue; anything else stops the walk and is returned. */
typedef int (*vic_walk_fn)(void *ctx, const struct vic_elem *e);

/*
 * Checks a message and calls fn for each element in order.  Returns 0, fn's
 * non-zero return, or -1 with errno EBADMSG when the message is malformed:
 * unknown element type, a length past the end, a name containing NUL,
 * key/values or sections inside a list, nested lists, items outside a list,
 * unbalanced ends, sections nested deeper than VIC_MAX_DEPTH.  fn may have
 * seen the elements before the error.
 */
int vic_walk(const uint8_t *msg, size_t len, vic_walk_fn fn, void *ctx);

enum vic_node_type { VIC_N_SECTION, VIC_N_KV, VIC_N_LIST, VIC_N_ITEM };

/*
 * A parsed message: the root is a section named "".  Sections hold their
 * members and lists their items as a child chain in message order.  Names
 * and values are NUL-terminated copies; a value may itself contain NUL bytes
 * (value_len is exact).  Duplicate names are kept; lookups find the first.
 */
struct vic_node {
	enum vic_node_type type;
	const char *name; /* "" for the root and list items */
	const char *value; /* KV and ITEM; NULL otherwise */
	size_t value_len;
	struct vic_node *child; /* first member / item */
	struct vic_node *next; /* next sibling */
};

/* A tree in one allocation, or NULL with errno EBADMSG / ENOMEM. */
struct vic_node *vic_tree_parse(const uint8_t *msg, size_t len);
void vic_tree_free(struct vic_node *root);
/*
 * Appends the members of section n (the root: the whole message) to b, so
 * that a parsed message encodes back to the same bytes.  0 or -1 (b's
 * sticky error, see vic_builder_done).
 */
int vic_tree_encode(const struct vic_node *n, struct vic_builder *b);
/* A copy of a tree that outlives the original (trees handed to callbacks
 * live only during the call); NULL with errno ENOMEM. */
struct vic_node *vic_tree_dup(const struct vic_node *root);

/* Direct child of a section or list by name; NULL if none. */
const struct vic_node *vic_child(const struct vic_node *n, const char *name);
/*
 * Node by a dot-separated path of names from a section ("ikesas.total");
 * NULL if a part is missing or an inner part is not a section.
 */
const struct vic_node *vic_find(const struct vic_node *n, const char *path);
/* The value of a key/value by path, if it holds no NUL byte; else NULL. */
const char *vic_find_str(const struct vic_node *n, const char *path);
/* A key/value that is a plain decimal number (no sign, no spaces): 0 or -1. */
int vic_find_u64(const struct vic_node *n, const char *path, uint64_t *out);
/* Parses such a decimal string: 0 or -1. */
int vic_parse_u64(const char *s, uint64_t *out);

#endif
