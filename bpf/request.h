/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the XDP program keeps about the request it is looking at, in a
 * per-CPU map value (maps.h: ikelb_scratch) rather than on the stack.
 */
#ifndef IKELB_BPF_REQUEST_H
#define IKELB_BPF_REQUEST_H

#include "ikelb.h"

/* What the parse learned about a request; offsets from the frame start. */
struct ikelb_request {
	__u32 l3_off;
	__u32 l4_off;
	__u32 ike_off;
	__u32 ike_len;
	__u32 ip_payload; /* the length the IP header claims for its payload */
	__u32 ip_end; /* end of the IP packet; link-layer padding may follow */
	__u32 udp_len;
	__u32 nonce_off;
	__u32 nonce_len;
	__u32 cookie_off; /* data of a first-payload N(COOKIE); 0: none */
	__u32 cookie_len;
	__u8 ipv6;
	__u8 natt;
	__u8 supported; /* REDIRECT_SUPPORTED or REDIRECTED_FROM */
	__u8 loop; /* REDIRECTED_FROM names a VIP of this node */
	/* SA, KE met (the walk keeps its findings in this map value, where the
	 * verifier does not follow each combination of them) */
	__u8 has_sa;
	__u8 has_ke;
};

/* Clock ticks between two answers at a rate, and the rate they are for. */
struct interval {
	__u32 rate;
	__u64 ticks;
};

/*
 * Per-CPU scratch: the parsed request, the chosen target, the answer
 * limits' intervals, and the REDIRECT's identity and Ni gathered before the
 * frame is rewritten (the answer may overwrite the request's nonce).
 * Values kept in a map value rather than on the stack are not tracked per
 * path by the verifier, so the paths of the different header layouts merge
 * before the loops.
 */
#define BODY_MAX (IKE_GW_ID_MAX_LEN + IKE_NONCE_MAX)
struct scratch {
	struct ikelb_request req;
	__u32 target;
	struct interval per_source, total; /* divisions done once per rate */
	/* the REDIRECT's GW identity and Ni, back to back, and a word of
	 * slack for 8-byte reads */
	__u8 body[BODY_MAX + 8];
};

#endif
