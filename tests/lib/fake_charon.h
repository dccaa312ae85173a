/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A fake charon for the VICI unit tests (cmocka): the other end of a unix
 * socket pair that reads the client's packets and writes charon's, both
 * in the VICI wire format, from the test thread.  peer_setup makes the
 * pair and a connection (vici_conn.h) that has adopted the client's end;
 * drive() is one round of an event loop.
 */
#ifndef IKELB_TEST_FAKE_CHARON_H
#define IKELB_TEST_FAKE_CHARON_H

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike/vici_conn.h"

struct peer {
	struct vic_conn *c;
	int srv; /* charon's end */
	struct vic_reader rd; /* what the client sent */
	uint8_t last[4096]; /* the raw bytes of the last packet read, if small */
	size_t last_len;
};

static inline int peer_setup(void **state)
{
	struct peer *p = calloc(1, sizeof(*p));
	int sv[2];

	assert_non_null(p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->c = vic_conn_new();
	assert_non_null(p->c);
	assert_int_equal(vic_conn_adopt(p->c, sv[0], "fake"), 0);
	p->srv = sv[1];
	vic_reader_init(&p->rd);
	*state = p;
	return 0;
}

static inline int peer_teardown(void **state)
{
	struct peer *p = *state;

	vic_conn_free(p->c);
	if (p->srv >= 0)
		close(p->srv);
	vic_reader_free(&p->rd);
	free(p);
	return 0;
}

static inline void srv_raw(struct peer *p, const void *b, size_t n)
{
	assert_int_equal(write(p->srv, b, n), (ssize_t)n);
}

static inline void srv_pkt(struct peer *p, uint8_t type, const char *name, const struct vic_builder *b)
{
	uint8_t *pkt;
	size_t len;

	assert_int_equal(vic_packet_encode(type, name, b ? b->buf : NULL, b ? b->len : 0, &pkt,
					   &len),
			 0);
	srv_raw(p, pkt, len);
	free(pkt);
}

/* A message { k = v } (v NULL: empty). */
static inline void srv_kv(struct peer *p, uint8_t type, const char *name, const char *v)
{
	struct vic_builder b;

	vic_builder_init(&b);
	if (v)
		vic_add_kv(&b, "k", v);
	srv_pkt(p, type, name, &b);
	vic_builder_free(&b);
}

/* The next packet the client sent, if any has arrived whole: 1 or 0. */
static inline int srv_next(struct peer *p, struct vic_packet *pkt)
{
	uint8_t buf[65536];
	ssize_t n;
	int rc;

	while ((n = recv(p->srv, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		assert_int_equal(vic_reader_push(&p->rd, buf, (size_t)n), 0);
	rc = vic_reader_next(&p->rd, pkt);
	assert_true(rc >= 0);
	if (rc > 0) {
		/* the segment just taken, length prefix included */
		size_t seg = 1 + (pkt->type == VIC_CMD_REQUEST || pkt->type == VIC_EVENT_REGISTER ||
						  pkt->type == VIC_EVENT_UNREGISTER ?
					  1 + strlen(pkt->name) :
					  0) +
			     pkt->msg_len;

		p->last_len = 0;
		if (seg + 4 <= sizeof(p->last)) {
			memcpy(p->last, p->rd.buf + p->rd.off - seg - 4, seg + 4);
			p->last_len = seg + 4;
		}
	}
	return rc;
}

static inline void srv_expect(struct peer *p, uint8_t type, const char *name)
{
	struct vic_packet pkt;

	assert_int_equal(srv_next(p, &pkt), 1);
	assert_int_equal(pkt.type, type);
	assert_string_equal(pkt.name, name);
}

static inline void srv_expect_nothing(struct peer *p)
{
	struct vic_packet pkt;

	assert_int_equal(srv_next(p, &pkt), 0);
}

/* One round of the loop: write, then read. */
static inline int drive(struct peer *p)
{
	vic_conn_on_writable(p->c);
	return vic_conn_on_readable(p->c);
}

#endif
