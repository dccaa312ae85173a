/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A small client for strongSwan's VICI protocol (the "Versatile IKE Control
 * Interface", documented in strongSwan's src/libcharon/plugins/vici/README.md).
 * Debian ships libvici only as a private library without a header, so this is
 * our own implementation of the documented wire format:
 *
 *   transport: u32 length (network order, excludes itself, <= 512 KiB) | data
 *   packet:    u8 type | [u8 name length | name]  (named types only) | message
 *   message:   elements, each u8 type followed by
 *              SECTION_START, LIST_START: u8 name length | name
 *              KEY_VALUE:                 u8 name length | name | u16 length | value
 *              LIST_ITEM:                 u16 length | value
 *              SECTION_END, LIST_END:     nothing
 *
 * Three layers, usable on their own:
 *   - builder/encoder: messages and packets to send;
 *   - decoder: stream framing (vici_reader), packets, and a strict message
 *     parser (vici_walk, vici_parse) that checks every length and the nesting
 *     rules and returns an error, never reads out of bounds;
 *   - connection: a unix socket to charon, blocking commands with a deadline
 *     and a non-blocking event mode for an epoll loop (vici_process).
 */
#ifndef IKELB_VICI_H
#define IKELB_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

/* charon's limit (VICI_MESSAGE_SIZE_MAX) on one transport segment. */
#define VICI_MAX_PACKET (512u * 1024u)
/* Sections nested deeper than this are rejected (charon's are < 10 deep). */
#define VICI_MAX_DEPTH 32
#define VICI_NAME_MAX 255
#define VICI_VALUE_MAX 65535

enum vici_pkt_type {
	VICI_CMD_REQUEST = 0, /* named, message */
	VICI_CMD_RESPONSE = 1, /* message */
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3, /* named */
	VICI_EVENT_UNREGISTER = 4, /* named */
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7, /* named, message */
};

enum vici_elem_type {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

/* ---- building messages ------------------------------------------------ */

/*
 * A message under construction.  Errors are sticky: after the first misuse
 * (value too long, key/value inside a list, unbalanced end, ...) every call
 * returns -1 and vici_builder_done reports the first error in errno.
 */
struct vici_builder {
	uint8_t *buf;
	size_t len, cap;
	unsigned depth; /* open sections */
	bool in_list;
	int err; /* errno of the first failure, 0 if none */
};

void vici_builder_init(struct vici_builder *b);
void vici_builder_free(struct vici_builder *b);
/* Names: 0..255 bytes.  Values: 0..65535 bytes. */
int vici_add_kv(struct vici_builder *b, const char *key, const char *value);
int vici_add_kv_bytes(struct vici_builder *b, const char *key, const void *value,
		      size_t len);
int vici_add_kvf(struct vici_builder *b, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vici_begin_section(struct vici_builder *b, const char *name);
int vici_end_section(struct vici_builder *b);
int vici_begin_list(struct vici_builder *b, const char *name);
int vici_add_item(struct vici_builder *b, const char *value);
int vici_add_item_bytes(struct vici_builder *b, const void *value, size_t len);
int vici_end_list(struct vici_builder *b);
/* 0 when the message is complete and balanced; else -1 with errno. */
int vici_builder_done(const struct vici_builder *b);

/* True for the packet types that carry a name / a message. */
bool vici_pkt_named(uint8_t type);
bool vici_pkt_has_msg(uint8_t type);

/*
 * A whole transport segment (length prefix included) in a new buffer.  name
 * is required for named types and must be NULL otherwise; msg only for types
 * with a message.  -1 with errno EINVAL / E2BIG / ENOMEM.
 */
int vici_packet_encode(uint8_t type, const char *name, const uint8_t *msg, size_t msg_len,
		       uint8_t **out, size_t *out_len);

/* ---- decoding ---------------------------------------------------------- */

struct vici_packet {
	uint8_t type;
	char name[VICI_NAME_MAX + 1]; /* "" for unnamed types */
	const uint8_t *msg; /* into the decoded data; NULL/0 for types without */
	size_t msg_len;
};

/*
 * One packet from the data of one transport segment (without the length
 * prefix).  Strict: unknown types, names with NUL bytes, and bytes after a
 * packet that has no message are errors.  -1 with errno EBADMSG.
 */
int vici_packet_decode(const uint8_t *data, size_t len, struct vici_packet *p);

/* Reassembles transport segments from a byte stream (partial reads). */
struct vici_reader {
	uint8_t *buf;
	size_t len, cap, off; /* unread bytes are buf[off..len) */
};

void vici_reader_init(struct vici_reader *r);
void vici_reader_free(struct vici_reader *r);
/* Appends received bytes; -1 with ENOMEM. */
int vici_reader_push(struct vici_reader *r, const void *data, size_t len);
/*
 * 1 and the next complete packet in *p (valid until the next push), 0 when
 * more bytes are needed, -1 with errno EMSGSIZE (segment over
 * VICI_MAX_PACKET) or EBADMSG (empty or malformed packet).  After -1 the
 * stream is unusable.
 */
int vici_reader_next(struct vici_reader *r, struct vici_packet *p);

/* One element as vici_walk sees it; name and value are not NUL-terminated. */
struct vici_elem {
	uint8_t type; /* enum vici_elem_type */
	unsigned depth; /* sections around it: 0 = the root */
	const char *name; /* SECTION_START, KEY_VALUE, LIST_START */
	size_t name_len;
	const uint8_t *value; /* KEY_VALUE, LIST_ITEM */
	size_t value_len;
};

/* Returns 0 to continue; anything else stops the walk and is returned. */
typedef int (*vici_walk_fn)(void *ctx, const struct vici_elem *e);

/*
 * Checks a message and calls fn for each element in order.  Returns 0, fn's
 * non-zero return, or -1 with errno EBADMSG when the message is malformed:
 * unknown element type, a length past the end, a name containing NUL,
 * key/values or sections inside a list, nested lists, items outside a list,
 * unbalanced ends, sections nested deeper than VICI_MAX_DEPTH.  fn may have
 * seen the elements before the error.
 */
int vici_walk(const uint8_t *msg, size_t len, vici_walk_fn fn, void *ctx);

enum vici_node_type { VICI_N_SECTION, VICI_N_KV, VICI_N_LIST, VICI_N_ITEM };

/*
 * A parsed message: the root is a section named "".  Sections hold their
 * members and lists their items as a child chain in message order.  Names
 * and values are NUL-terminated copies; a value may itself contain NUL bytes
 * (value_len is exact).  Duplicate names are kept; lookups find the first.
 */
struct vici_node {
	enum vici_node_type type;
	const char *name; /* "" for the root and list items */
	const char *value; /* KV and ITEM; NULL otherwise */
	size_t value_len;
	struct vici_node *child; /* first member / item */
	struct vici_node *next; /* next sibling */
};

/* A tree in one allocation, or NULL with errno EBADMSG / ENOMEM. */
struct vici_node *vici_parse(const uint8_t *msg, size_t len);
void vici_free(struct vici_node *root);

/* Direct child of a section or list by name; NULL if none. */
const struct vici_node *vici_child(const struct vici_node *n, const char *name);
/*
 * Node by a dot-separated path of names from a section ("ikesas.total");
 * NULL if a part is missing or an inner part is not a section.
 */
const struct vici_node *vici_find(const struct vici_node *n, const char *path);
/* The value of a key/value by path, if it holds no NUL byte; else NULL. */
const char *vici_find_str(const struct vici_node *n, const char *path);
/* A key/value that is a plain decimal number (no sign, no spaces): 0 or -1. */
int vici_find_u64(const struct vici_node *n, const char *path, uint64_t *out);
/* Parses such a decimal string: 0 or -1. */
int vici_parse_u64(const char *s, uint64_t *out);

/* ---- connection -------------------------------------------------------- */

struct vici_conn;
/*
 * Called for each EVENT packet, with the parsed message.  It must not issue
 * commands on the same connection (those calls fail with EBUSY); use a
 * second connection for commands.
 */
typedef void (*vici_event_fn)(void *ctx, const char *event, const struct vici_node *msg);

struct vici_conn {
	int fd; /* -1 when closed; always O_NONBLOCK */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vici_reader rd;
	vici_event_fn on_event;
	void *ctx;
	bool busy; /* inside a command or an event handler */
	char err[256]; /* the last failure, for messages */
};

void vici_conn_init(struct vici_conn *c);
/* Sets the event handler (NULL: events are read and dropped). */
void vici_set_event_handler(struct vici_conn *c, vici_event_fn fn, void *ctx);
/*
 * Connects to charon's unix socket (closing any previous connection).
 * 0, or -1 with errno and vici_error() like "connect /run/charon.vici: No
 * such file or directory".
 */
int vici_connect(struct vici_conn *c, const char *path, int timeout_ms);
/* Uses an already connected stream socket (tests); takes ownership of fd. */
int vici_attach_fd(struct vici_conn *c, int fd);
void vici_close(struct vici_conn *c);
bool vici_connected(const struct vici_conn *c);
const char *vici_error(const struct vici_conn *c);

/*
 * Sends command cmd with the message of args (NULL: empty) and waits up to
 * timeout_ms (< 0: forever) for the response, delivering events that arrive
 * meanwhile to the handler.  0 and *resp (free with vici_free), or -1 with
 * errno and vici_error():
 *   ENOENT   charon does not know the command (CMD_UNKNOWN);
 *   ETIMEDOUT, EPIPE (closed by charon), EPROTO/EBADMSG/EMSGSIZE (bad data),
 *   and socket errors: the connection is closed, since a late response
 *   would be taken for the next command's.
 *   EBUSY    called from an event handler of this connection.
 */
int vici_call(struct vici_conn *c, const char *cmd, const struct vici_builder *args,
	      int timeout_ms, struct vici_node **resp);
/* Registers / unregisters for an event; ENOENT when charon has no such event. */
int vici_register(struct vici_conn *c, const char *event, int timeout_ms);
int vici_unregister(struct vici_conn *c, const char *event, int timeout_ms);
/*
 * A streaming command (list-sas with its list-sa events, ...): registers
 * for event, calls cmd, unregisters.  Meanwhile events of that name go to
 * fn, and others (from earlier registrations) to the connection's handler.
 */
int vici_call_stream(struct vici_conn *c, const char *cmd, const struct vici_builder *args,
		     const char *event, vici_event_fn fn, void *ctx, int timeout_ms,
		     struct vici_node **resp);

/* For an epoll loop: the fd to wait on (EPOLLIN), or -1. */
int vici_fd(const struct vici_conn *c);
/*
 * Reads what is available without blocking and delivers every complete
 * EVENT to the handler.  0 when the connection is still open, -1 (and the
 * connection closed) on end of stream, socket error or malformed data; any
 * packet other than an EVENT is malformed here, since no command is active.
 */
int vici_process(struct vici_conn *c);

/*
 * The "redirect" command: asks charon to redirect the IKE_SA with unique id
 * ike_id (list-sas' "uniqueid", ike-updown's as well) to gateway (an IPv4 or
 * IPv6 address or an FQDN).  0 and *matches (may be NULL), or -1 with errno
 * and vici_error() (charon's errmsg, e.g. "no matching SAs to redirect
 * found").  Seen with strongSwan 5.9.8 (tests/netns/test_tunnels_vici.sh):
 *   - charon only queues the redirect: success means the SA was found;
 *   - it sends INFORMATIONAL { N(REDIRECT) }; the client opens a new IKE_SA
 *     to gateway (IKE_SA_INIT with REDIRECTED_FROM) and deletes the old one
 *     once the new one is up (milliseconds in a lab);
 *   - if the client never gets there, the old SA stays until charon deletes
 *     it itself, 30 s after the redirect;
 *   - a client that did not send REDIRECT_SUPPORTED is not redirected, yet
 *     the command still succeeds: charon reports it only as a "log" event
 *     (group IKE, ikesa-uniqueid = ike_id, msg "client does not support IKE
 *     redirection").
 */
int vici_redirect(struct vici_conn *c, uint32_t ike_id, const char *gateway,
		  int timeout_ms, unsigned *matches);

#endif
