// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * XDP_PASS for the peer end of a veth: a frame sent with XDP_TX out of a
 * veth is only delivered when the peer runs NAPI, which an attached XDP
 * program turns on (docs/xdp.md).  Used by the tests, lab and benchmarks.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
