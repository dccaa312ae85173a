/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Reading the cluster's messages (load reports, migration messages) off
 * the wire: a bounds-checked reader that, once asked for more than is
 * left, stays failed, so a decoder checks once at the end; and big-endian
 * numbers, both ways.  Every byte is an attacker's until the MAC has verified, and the
 * decoders parse only after that, but still never read past the buffer.
 */
#ifndef IKELB_CLUSTER_WIRE_H
#define IKELB_CLUSTER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire_reader {
	const uint8_t *p;
	size_t left;
	bool bad;
};

/* The next n bytes, or NULL (and failed from now on). */
static inline const uint8_t *wire_take(struct wire_reader *rd, size_t n)
{
	const uint8_t *p = rd->p;

	if (rd->bad || n > rd->left) {
		rd->bad = true;
		return NULL;
	}
	rd->p += n;
	rd->left -= n;
	return p;
}

static inline uint8_t wire_take_u8(struct wire_reader *rd)
{
	const uint8_t *p = wire_take(rd, 1);

	return p ? *p : 0;
}

static inline uint16_t wire_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_get_be32(const uint8_t *p)
{
	return (uint32_t)wire_get_be16(p) << 16 | wire_get_be16(p + 2);
}

static inline uint64_t wire_get_be64(const uint8_t *p)
{
	return (uint64_t)wire_get_be32(p) << 32 | wire_get_be32(p + 4);
}

static inline void wire_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put_be32(uint8_t *p, uint32_t v)
{
	wire_put_be16(p, (uint16_t)(v >> 16));
	wire_put_be16(p + 2, (uint16_t)v);
}

static inline void wire_put_be64(uint8_t *p, uint64_t v)
{
	wire_put_be32(p, (uint32_t)(v >> 32));
	wire_put_be32(p + 4, (uint32_t)v);
}

#endif
