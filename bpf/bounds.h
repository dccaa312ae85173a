/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Verifier bounds.  The program keeps the offsets it parsed in a per-CPU
 * map value (struct ikelb_request, maps.h), where the verifier forgets their
 * range; before such an offset is added to a packet pointer it is masked
 * with the bound it stays below, which lets the verifier prove that every
 * access lies in the window a following data_end check opens.  Each mask
 * is named by the bound it proves.  None changes an offset the program's
 * own checks let through: they are no-ops on every packet the program
 * answers.
 */
#ifndef IKELB_BPF_BOUNDS_H
#define IKELB_BPF_BOUNDS_H

/*
 * Headers in front of the IKE message: Ethernet 14 + two VLAN tags 8 +
 * IPv6 40 + UDP 8 + non-ESP marker 4 = 74 bytes at most.
 */
#define BOUND_HDR_OFF 0xff

/*
 * Anywhere in a request the program answers: requests that end beyond
 * 16 KiB are dropped as malformed before any payload is read.
 */
#define BOUND_MSG_OFF 0x3fff

/*
 * Where a REDIRECT's Ni or identity goes: the IKE header's offset (below
 * BOUND_HDR_OFF) + 28 + 10, plus at most a 16-byte IP identity on the
 * in-place path.
 */
#define BOUND_BODY_OFF 0x1ff

/*
 * After the header parse: the compiler must read the offsets back from the
 * map instead of reusing the constants it stored on each path (and the
 * packet pointers again from the context, forgetting how far each path had
 * checked them), or the verifier would follow every header layout
 * (IPv4/IPv6, 0..2 VLAN tags, marker or not) through the loops separately.
 */
#define forget_header_layout() asm volatile("" ::: "memory")

static __always_inline __u32 hdr_off(__u32 off)
{
	return off & BOUND_HDR_OFF;
}

static __always_inline __u32 msg_off(__u32 off)
{
	return off & BOUND_MSG_OFF;
}

static __always_inline __u32 body_off(__u32 off)
{
	return off & BOUND_BODY_OFF;
}

#endif
