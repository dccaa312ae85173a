/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Shared by the benchmark XDP programs (bench/bpf/bench_gen.bpf.c,
 * bench/bpf/bench_sink.bpf.c) and the bench tools: how the generator varies
 * each request and what the sink checks in each response.
 */
#ifndef IKELB_BENCH_XDP_H
#define IKELB_BENCH_XDP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Bytes of the template the generator writes back into every frame: a
 * recycled page holds the previous response (BPF_PROG_RUN does not rewrite
 * recycled pages), which covers Ethernet .. IKE header + REDIRECT notify. */
#define BENCH_GEN_RESTORE 192

/* The first 8 nonce bytes of a request follow from its SPIi, so the sink
 * can check that a response carries the nonce of the request it answers. */
static inline __u64 bench_nonce_of(__u64 spi_raw)
{
	return spi_raw * 0x9E3779B97F4A7C15ull + 0x6b656c62u;
}

/* What the sink expects (global sink_mode). */
enum bench_sink_mode {
	BENCH_SINK_COUNT, /* every UDP frame counts as valid */
	BENCH_SINK_REDIRECT, /* an IKE REDIRECT carrying the nonce of its SPIi */
	BENCH_SINK_REFLECT, /* the request itself, reflected */
	BENCH_SINK_ANSWER, /* any IKE_SA_INIT response (a REDIRECT or a COOKIE) */
};

/* Map sink_per_dst (with sink_count_dst set): answers per destination
 * address (IPv4 in the first 4 bytes), for the flood test. */
#define BENCH_SINK_DSTS 65536

/* Per-CPU counters of the sink (map sink_counts). */
enum bench_sink_counter {
	BENCH_SINK_VALID,
	BENCH_SINK_INVALID,
	BENCH_SINK_PASSED, /* not UDP from an IKE port: left to the stack */
	BENCH_SINK_MAX,
};

#endif
