// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * XDP_DROP for everything: the "null" far end of benchmark 2b, which
 * measures what the generator's path costs without any program answering.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
