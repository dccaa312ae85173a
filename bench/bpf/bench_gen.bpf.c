// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark traffic generator, run with BPF_PROG_RUN in live-frames mode
 * (bench/xdp_gen.c): every frame becomes a fresh IKE_SA_INIT request from
 * the template with its own SPIi and nonce, sent with XDP_TX out of the
 * interface the run names.  A page that comes back to the run's page pool
 * still holds whatever the far end made of it, so the template's first
 * BENCH_GEN_RESTORE bytes are written back every time.
 *
 * The far end may also have shrunk the frame, and the kernel resets a
 * recycled frame's length only when the program moved a packet pointer
 * (reset_ctx(), ctx_was_changed() in net/bpf/test_run.c): without that the
 * next request would go out cut to the previous response's length.  So the
 * program moves data_meta (8 bytes of metadata that nobody reads), which
 * makes the kernel rebuild the frame from the full-length context.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../bench_xdp.h"

/* Set by user space before the run. */
__u8 gen_tmpl[BENCH_GEN_RESTORE];
/* Spoofed sources (tests/netns/test_xdp_flood.sh): with gen_src_count > 1,
 * frame n carries source address template + (n mod gen_src_count) in its
 * last 32 bits (at gen_src_off), checksums fixed up. */
__u32 gen_src_count;
__u32 gen_src_off; /* frame offset of the source address's last 4 bytes */
__u32 gen_ipcsum_off; /* frame offset of the IPv4 header checksum; 0: IPv6 */
__u32 gen_tmpl_src; /* the template's last 4 source bytes, raw */
__u32 gen_spi_off; /* frame offset of SPIi */
__u32 gen_nonce_off; /* frame offset of the nonce data */
__u32 gen_csum_off; /* frame offset of the UDP checksum */
__u64 gen_tmpl_spi; /* the template's SPIi and first nonce bytes, raw */
__u64 gen_tmpl_nonce;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gen_seq SEC(".maps");

static __always_inline __u16 fold(__u64 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, spi_off = gen_spi_off & 0xff, nonce_off = gen_nonce_off & 0x7ff;
	__u32 csum_off = gen_csum_off & 0xff, src_off = gen_src_off & 0xff;
	__u32 ipc_off = gen_ipcsum_off & 0xff;
	__u64 *seq, oldv[3] = {}, newv[3] = {};
	__u16 *csum;
	__s64 d;

	if (bpf_xdp_adjust_meta(ctx, -8))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	seq = bpf_map_lookup_elem(&gen_seq, &zero);
	if (!seq || data + BENCH_GEN_RESTORE > data_end)
		return XDP_DROP;
#pragma unroll
	for (int i = 0; i < BENCH_GEN_RESTORE / 8; i++)
		((__u64 *)data)[i] = ((const __u64 *)gen_tmpl)[i];
	if (data + spi_off + 8 > data_end || data + nonce_off + 8 > data_end ||
	    data + csum_off + 2 > data_end)
		return XDP_DROP;
	/* a distinct, never-zero SPIi per CPU and frame */
	newv[0] = ((__u64)(bpf_get_smp_processor_id() + 1) << 56) | ++*seq;
	newv[1] = bench_nonce_of(newv[0]);
	oldv[0] = gen_tmpl_spi;
	oldv[1] = gen_tmpl_nonce;
	*(__u64 *)(data + spi_off) = newv[0];
	*(__u64 *)(data + nonce_off) = newv[1];
	if (gen_src_count > 1) {
		__u32 idx = (__u32)(*seq % gen_src_count);

		if (data + src_off + 4 > data_end)
			return XDP_DROP;
		oldv[2] = gen_tmpl_src;
		newv[2] = bpf_htonl(bpf_ntohl(gen_tmpl_src) + idx);
		*(__u32 *)(data + src_off) = (__u32)newv[2];
		if (ipc_off) {
			__u16 *ipc = data + ipc_off;

			if ((void *)(ipc + 1) > data_end)
				return XDP_DROP;
			d = bpf_csum_diff((__be32 *)&oldv[2], 4, (__be32 *)&newv[2], 4,
					  (__u16)~*ipc);
			*ipc = ~fold((__u64)d);
		}
	}
	csum = data + csum_off;
	if (*csum) { /* IPv4 may send none; then there is nothing to fix */
		__u16 c;

		d = bpf_csum_diff((__be32 *)oldv, 24, (__be32 *)newv, 24, (__u16)~*csum);
		/* a __u16, not the int ~ makes of it: a computed 0 goes out as
		 * 0xffff (0 would say "no checksum"; over IPv6 it is dropped) */
		c = ~fold((__u64)d);
		*csum = c ? c : 0xffff;
	}
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
