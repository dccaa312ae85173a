/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) with a 64-bit output, fed in 8-byte little-endian words.  Plain C
 * on __u64 so that the XDP program and the unit tests compile the same
 * code: tests/unit/test_siphash.c checks it against the reference vectors
 * of the paper's authors, tests/bpf/ runs it in the kernel.
 *
 *   struct siphash s;
 *   siphash_init(&s, k0, k1);           the key's bytes 0..7 and 8..15, LE
 *   siphash_word(&s, m);                each full 8-byte word of the message
 *   h = siphash_final(&s, tail, len);   the last len % 8 bytes (in the low
 *                                       bytes of tail) and the total length
 */
#ifndef IKELB_BPF_SIPHASH_H
#define IKELB_BPF_SIPHASH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SIPHASH_INLINE static inline __attribute__((always_inline))

struct siphash {
	__u64 v0, v1, v2, v3;
};

SIPHASH_INLINE __u64 siphash_rotl(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

SIPHASH_INLINE void siphash_round(struct siphash *s)
{
	s->v0 += s->v1;
	s->v1 = siphash_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = siphash_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = siphash_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = siphash_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = siphash_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = siphash_rotl(s->v2, 32);
}

SIPHASH_INLINE void siphash_init(struct siphash *s, __u64 k0, __u64 k1)
{
	s->v0 = k0 ^ 0x736f6d6570736575ull; /* "somepseudorandomlygeneratedbytes" */
	s->v1 = k1 ^ 0x646f72616e646f6dull;
	s->v2 = k0 ^ 0x6c7967656e657261ull;
	s->v3 = k1 ^ 0x7465646279746573ull;
}

/* One full 8-byte word of the message: two compression rounds. */
SIPHASH_INLINE void siphash_word(struct siphash *s, __u64 m)
{
	s->v3 ^= m;
	siphash_round(s);
	siphash_round(s);
	s->v0 ^= m;
}

/*
 * The last block (the len % 8 bytes after the last full word, in the low
 * bytes of tail, the rest zero, and the message length in the top byte)
 * and the four finalization rounds.
 */
SIPHASH_INLINE __u64 siphash_final(struct siphash *s, __u64 tail, __u64 len)
{
	siphash_word(s, tail | len << 56);
	s->v2 ^= 0xff;
	siphash_round(s);
	siphash_round(s);
	siphash_round(s);
	siphash_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

#endif
