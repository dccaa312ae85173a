/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Internet checksums (RFC 1071) in registers.  Words are summed as the CPU
 * loads them (little-endian: the program is built for little-endian hosts
 * only, see docs/xdp.md): the one's-complement sum does not depend on byte
 * order as long as every byte keeps its parity, so an 8-byte word loaded at
 * an even offset from the start of the summed data adds up like its four
 * big-endian 16-bit words, and the folded result is the checksum field as
 * it lies in memory.
 */
#ifndef IKELB_BPF_CSUM_H
#define IKELB_BPF_CSUM_H

#include "bounds.h"

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* One's-complement sum of an 8-byte word as loaded from memory. */
static __always_inline __u64 csum_word(__u64 w)
{
	return (w & 0xffffffff) + (w >> 32);
}

/* The first n (1..8) bytes of a loaded word; the rest is not ours. */
static __always_inline __u64 first_bytes(__u64 w, __u32 n)
{
	return n >= 8 ? w : w & ((1ull << (n * 8)) - 1);
}

/* An IPv4 header without options (20 bytes) sums to 0xffff when its
 * checksum is right. */
static __always_inline bool ipv4_csum_ok(const struct iphdr *ip)
{
	const __u32 *w = (const __u32 *)ip;

	return csum_fold((__u64)w[0] + w[1] + w[2] + w[3] + w[4]) == 0xffff;
}

/* Largest UDP datagram whose checksum is verified: the answered requests
 * end within BOUND_MSG_OFF (bounds.h). */
#define CSUM_MAX_LEN (BOUND_MSG_OFF + 1)

/* A value the verifier must not know: read from memory the compiler
 * cannot see into, so that the paths out of a loop (one per round it
 * stopped in) look alike to the verifier from here on and are followed
 * once, not once per round. */
#define RELOAD(x) (*(volatile typeof(x) *)&(x))
/* The same for a fact a loop finds: stored at once, not carried in a
 * register (where the verifier would follow each value separately). */
#define PUT(x, v) (*(volatile typeof(x) *)&(x) = (v))

/*
 * Unfolded sum of the len bytes at offset off of the frame (off even, both
 * read from *off_p and *len_p), or ~0 when the frame is shorter than
 * off + len.  64 bytes per round in 32-bit loads and two accumulations (a
 * 64-bit word split in two costs two more instructions per word; the JIT
 * has few registers to spare); the last 0..63 bytes in 8-byte words, the
 * final 1..7 bytes from an 8-byte load that ends where the data ends.
 */
#define CSUM_ROUND 64
static __always_inline __u64 csum_bytes(void *data, void *data_end, __u32 *off_p, __u32 *len_p)
{
	__u64 s0 = 0, s1 = 0;
	__u32 i, off = msg_off(*off_p), len = *len_p, tail, rest;
	__u32 *w;
	__u8 *p;

	if (len > CSUM_MAX_LEN || len < 8)
		return ~0ull;
	for (i = 0; i < CSUM_MAX_LEN / CSUM_ROUND; i++) {
		if (i * CSUM_ROUND + CSUM_ROUND > len)
			break;
		/* a fresh pointer each round: one checked further and further
		 * out would differ on each path out of the loop */
		w = data + msg_off(off + i * CSUM_ROUND);
		if ((void *)(w + CSUM_ROUND / 4) > data_end)
			return ~0ull;
		s0 += (__u64)w[0] + w[2] + w[4] + w[6] + w[8] + w[10] + w[12] + w[14];
		s1 += (__u64)w[1] + w[3] + w[5] + w[7] + w[9] + w[11] + w[13] + w[15];
	}
	off = msg_off(RELOAD(*off_p));
	len = RELOAD(*len_p);
	tail = len & ~(CSUM_ROUND - 1);
	for (i = 0; i < CSUM_ROUND / 8 - 1; i++) {
		if (tail + 8 > len)
			break;
		p = data + off + msg_off(tail);
		if ((void *)(p + 8) > data_end)
			return ~0ull;
		s0 += csum_word(*(__u64 *)p);
		tail += 8;
	}
	rest = len & 7;
	if (rest) {
		/* the last rest bytes sit at the top of the word that ends
		 * with the data; shifted down they are where a load at their
		 * own (even) offset would put them */
		p = data + off + msg_off(len - 8);
		if ((void *)(p + 8) > data_end)
			return ~0ull;
		s1 += csum_word(*(__u64 *)p >> ((8 - rest) * 8));
	}
	return s0 + s1;
}

#endif
