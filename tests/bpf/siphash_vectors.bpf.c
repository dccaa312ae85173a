// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * For tests/bpf/test_siphash.c: the frame holds a 16-byte SipHash key and
 * then msg_len (8..256) bytes of message; the program hashes the message
 * with the code the XDP program makes its cookies with (bpf/cookie.h:
 * siphash_frame, bpf/siphash.h) and writes the 8-byte result over the
 * frame's first 8 bytes, little-endian.  XDP_PASS when it could, XDP_DROP
 * when the frame is shorter than msg_len says.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "cookie.h"

__u32 msg_len; /* set by the test before each run */

SEC("xdp")
int siphash_vectors(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 *key = data, h;
	struct siphash s;

	if ((void *)(key + 2) > data_end)
		return XDP_DROP;
	siphash_init(&s, key[0], key[1]);
	if (!siphash_frame(&s, data, data_end, 16, msg_len, 0, &h))
		return XDP_DROP;
	*key = h;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
