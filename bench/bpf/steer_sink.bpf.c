// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The far end of bench/steer_cost's live runs: counts every frame, writes
 * the template's first STEER_SINK_RESTORE bytes back into it (everything
 * the steering or the reflector changes: MACs, addresses, ports) so that
 * the page returns to BPF_PROG_RUN's pool as the frame it was, and drops
 * it.  Counts separately the frames whose Ethernet destination is
 * sink_want_mac (steered to the gateway) and the others.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define STEER_SINK_RESTORE 64

__u8 sink_tmpl[STEER_SINK_RESTORE];
__u8 sink_want_mac[6];

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} sink_counts SEC(".maps"); /* 0: to sink_want_mac, 1: other */

SEC("xdp")
int steer_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	__u32 which;
	__u64 *c;

	if ((void *)(p + STEER_SINK_RESTORE) > data_end)
		return XDP_DROP;
	which = 0;
#pragma unroll
	for (int i = 0; i < 6; i++)
		which |= p[i] != sink_want_mac[i];
	c = bpf_map_lookup_elem(&sink_counts, &which);
	if (c)
		(*c)++;
	__builtin_memcpy(p, sink_tmpl, STEER_SINK_RESTORE);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
