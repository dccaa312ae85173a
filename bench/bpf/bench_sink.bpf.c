// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark sink on the client's veth: counts the responses that come back
 * and drops them (so the page returns to the sender's pool), checking each
 * by sink_mode (bench/bench_xdp.h).  Frames that are not UDP from an IKE
 * port (ARP, ND) pass to the stack untouched.
 *
 * With sink_restore set it also writes the request template back into the
 * first BENCH_GEN_RESTORE bytes before dropping: the page then goes back
 * to the sender's BPF_PROG_RUN page pool holding the request again, since
 * recycled pages are not rewritten by the kernel (bench/xdp_cost.c).  With
 * sink_restore 2 the request gets a new SPIi too (its UDP checksum fixed),
 * so that every request the sender sees is a fresh one; its nonce is then
 * the template's (sink_nonce0: its first 8 bytes, what the check expects).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ikelb.h"
#include "../bench_xdp.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_UDP_ 17

__u32 sink_mode; /* enum bench_sink_mode */
__u32 sink_nonce_off; /* BENCH_SINK_REFLECT: nonce offset from the IKE header */
__u32 sink_nonce_len; /* BENCH_SINK_REDIRECT: the requests' nonce length */
__u32 sink_restore; /* 1: write sink_tmpl back before the drop */
__u32 sink_count_dst; /* 1: count answers per destination (sink_per_dst) */
__u8 sink_tmpl[BENCH_GEN_RESTORE];
__u32 sink_spi_off; /* sink_restore 2: frame offsets of SPIi and of the UDP checksum */
__u32 sink_csum_off;
__u64 sink_tmpl_spi; /* the template's SPIi, raw */
__u64 sink_nonce0; /* not 0: every request's first nonce bytes (else bench_nonce_of(SPIi)) */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BENCH_SINK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sink_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BENCH_SINK_DSTS);
	__type(key, __u8[16]);
	__type(value, __u64);
} sink_per_dst SEC(".maps");

/* One more answer to the frame's destination address. */
static __always_inline void count_dst(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	__u8 key[16] = {};
	__u64 one = 1, *c;

	if ((void *)(eth + 1) > data_end)
		return;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return;
		__builtin_memcpy(key, &ip->daddr, 4);
	} else {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return;
		__builtin_memcpy(key, &ip6->daddr, 16);
	}
	c = bpf_map_lookup_elem(&sink_per_dst, key);
	if (c)
		__sync_fetch_and_add(c, 1);
	else if (bpf_map_update_elem(&sink_per_dst, key, &one, BPF_NOEXIST))
		if ((c = bpf_map_lookup_elem(&sink_per_dst, key)))
			__sync_fetch_and_add(c, 1);
}

static __always_inline int count(__u32 what, int verdict)
{
	__u64 *c = bpf_map_lookup_elem(&sink_counts, &what);

	if (c)
		(*c)++;
	return verdict;
}

/* The UDP payload after the marker, or NULL when not UDP from 500/4500. */
static __always_inline void *ike_of(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;

	if ((void *)(eth + 1) > data_end)
		return NULL;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		udp = (void *)(ip + 1);
		if ((void *)(udp + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP_)
			return NULL;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end || ip6->nexthdr != IPPROTO_UDP_)
			return NULL;
	} else {
		return NULL;
	}
	if (udp->source == bpf_htons(IKE_PORT))
		return udp + 1;
	if (udp->source == bpf_htons(IKE_NATT_PORT))
		return (void *)(udp + 1) + IKE_NON_ESP_MARKER_LEN;
	return NULL;
}

static __always_inline int nonce_matches(void *data_end, const struct ike_hdr *ike, void *nonce)
{
	__u64 spi;

	if (nonce + 8 > data_end)
		return 0;
	if (sink_nonce0)
		return *(__u64 *)nonce == sink_nonce0;
	__builtin_memcpy(&spi, ike->spi_i, 8);
	return *(__u64 *)nonce == bench_nonce_of(spi);
}

static __always_inline int valid_redirect(void *data_end, struct ike_hdr *ike)
{
	struct ike_notify_hdr *n = (void *)(ike + 1);
	__u8 *id = (void *)(n + 1);
	__u32 id_len, len;

	if ((void *)(id + 2) > data_end)
		return 0;
	id_len = id[1];
	len = IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + id_len + sink_nonce_len;
	if (ike->version != IKE_VERSION_2 || ike->exchange != IKE_EXCH_SA_INIT ||
	    ike->flags != IKE_FLAG_R || ike->msg_id != 0 || ike->next_payload != IKE_PL_NOTIFY ||
	    bpf_ntohl(ike->length) != len || n->type != bpf_htons(IKE_N_REDIRECT) ||
	    n->pl.next_payload != IKE_PL_NONE)
		return 0;
	return nonce_matches(data_end, ike, (void *)(id + 2) + id_len);
}

static __always_inline __u16 fold(__u64 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* A new SPIi (never 0, distinct per CPU and frame) into the restored
 * request, its UDP checksum fixed (as bench_gen does). */
static __always_inline void new_spi(void *data, void *data_end)
{
	__u32 zero = 0, spi_off = sink_spi_off & 0xff, csum_off = sink_csum_off & 0xff;
	__u64 *seq = bpf_map_lookup_elem(&sink_seq, &zero);
	__u64 oldv[1], newv[1];
	__u16 *csum;
	__s64 d;

	if (!seq || data + spi_off + 8 > data_end || data + csum_off + 2 > data_end)
		return;
	oldv[0] = sink_tmpl_spi;
	newv[0] = ((__u64)(bpf_get_smp_processor_id() + 1) << 56) | ++*seq;
	*(__u64 *)(data + spi_off) = newv[0];
	csum = data + csum_off;
	if (*csum) {
		__u16 c;

		d = bpf_csum_diff((__be32 *)oldv, 8, (__be32 *)newv, 8, (__u16)~*csum);
		c = ~fold((__u64)d);
		*csum = c ? c : 0xffff; /* 0 would say "no checksum" */
	}
}

/*
 * The frame grown back to BENCH_GEN_RESTORE bytes if it shrank (growing
 * zeroes the new bytes; they are overwritten here), then the template.
 * The tail helper is called for every frame, with 0 when nothing shrank:
 * the sink stands in for a driver and must cost the same per frame
 * whichever program answered, or a program that shortens its frames would
 * be charged a helper call the other is not.
 */
static __always_inline void restore(struct xdp_md *ctx)
{
	__u32 len = (__u32)bpf_xdp_get_buff_len(ctx);
	int grow = len < BENCH_GEN_RESTORE ? BENCH_GEN_RESTORE - (int)len : 0;
	void *data, *data_end;

	if (bpf_xdp_adjust_tail(ctx, grow))
		return;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + BENCH_GEN_RESTORE > data_end)
		return;
#pragma unroll
	for (int i = 0; i < BENCH_GEN_RESTORE / 8; i++)
		((__u64 *)data)[i] = ((const __u64 *)sink_tmpl)[i];
	if (sink_restore == 2)
		new_spi(data, data_end);
}

SEC("xdp")
int bench_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ike_hdr *ike = ike_of(data, data_end);
	int ok;

	if (!ike)
		return count(BENCH_SINK_PASSED, XDP_PASS);
	if ((void *)(ike + 1) > data_end)
		return count(BENCH_SINK_INVALID, XDP_DROP);
	if (sink_mode == BENCH_SINK_REDIRECT)
		ok = valid_redirect(data_end, ike);
	else if (sink_mode == BENCH_SINK_REFLECT)
		ok = ike->flags == IKE_FLAG_I &&
		     nonce_matches(data_end, ike, (void *)ike + (sink_nonce_off & 0x7ff));
	else if (sink_mode == BENCH_SINK_ANSWER)
		ok = ike->exchange == IKE_EXCH_SA_INIT && ike->flags == IKE_FLAG_R &&
		     ike->next_payload == IKE_PL_NOTIFY;
	else
		ok = 1;
	if (ok && sink_count_dst)
		count_dst(data, data_end);
	if (sink_restore)
		restore(ctx);
	return count(ok ? BENCH_SINK_VALID : BENCH_SINK_INVALID, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
