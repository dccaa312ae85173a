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
 * off + len.  32 bytes per round in four independent 32-bit accumulations
 * (a 64-bit word split in two would cost two more instructions per word,
 * and one sum would be a chain the CPU cannot run in parallel); the last
 * 0..31 bytes in 8-byte words, the final 1..7 bytes from an 8-byte load
 * that ends where the data ends.
 */
static __always_inline __u64 csum_bytes(void *data, void *data_end, __u32 *off_p, __u32 *len_p)
{
	__u64 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	__u32 i, off = msg_off(*off_p), len = *len_p, tail, rest;
	__u8 *p;

	if (len > CSUM_MAX_LEN || len < 8)
		return ~0ull;
	for (i = 0; i < CSUM_MAX_LEN / 32; i++) {
		if (i * 32 + 32 > len)
			break;
		/* a fresh pointer each round: one checked further and further
		 * out would differ on each path out of the loop */
		p = data + msg_off(off + i * 32);
		if ((void *)(p + 32) > data_end)
			return ~0ull;
		s0 += (__u64) * (__u32 *)p + *(__u32 *)(p + 16);
		s1 += (__u64) * (__u32 *)(p + 4) + *(__u32 *)(p + 20);
		s2 += (__u64) * (__u32 *)(p + 8) + *(__u32 *)(p + 24);
		s3 += (__u64) * (__u32 *)(p + 12) + *(__u32 *)(p + 28);
	}
	off = msg_off(RELOAD(*off_p));
	len = RELOAD(*len_p);
	tail = len & ~31u;
	for (i = 0; i < 3; i++) {
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
	return s0 + s1 + s2 + s3;
}

#endif
