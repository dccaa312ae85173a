// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark 1's baseline for the least this job needs per request: the
 * ikelb program's own validation, then the request reflected (MACs,
 * addresses and ports swapped: every checksum stays valid) with XDP_TX.
 *
 * "The least this job needs": a request may only be answered once it is
 * known to be an IKE_SA_INIT request to a VIP and port this node answers
 * for, addressed to its MAC, with consistent IP, UDP and IKE lengths, from
 * a source an answer may go to, with a correct IPv4 header checksum and UDP
 * checksum, and carrying SA, KE, exactly one Nonce and redirect support:
 * answering anything less is what the VIP must never do (docs/xdp.md).  So
 * with `verify` set (the default) this program runs exactly that, through
 * the same code as ikelb (bpf/parse.h): header parse, lengths, source,
 * checksums, payload walk.  What it leaves out is what ikelb does on top:
 * counting, choosing a target, the answer limits, cookies and building the
 * REDIRECT.  With `verify` clear it leaves out the source and checksum
 * checks too: the payload walk alone (shown beside, not judged).
 *
 * Config: map walk_config (struct ikelb_config: VIPs, ports, MAC), as
 * ikelb's.  Anything that fails a check passes to the stack.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ikelb.h"
#include "parse.h"

/* 1: the validation a request needs before it may be answered; 0: the
 * payload walk (and what it stands on: headers, lengths) alone */
const volatile __u8 verify = 1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikelb_config);
} walk_config SEC(".maps");

/* the parse's findings, in a map value as in ikelb (bpf/request.h) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikelb_request);
} walk_request SEC(".maps");

static __always_inline int reflect(void *data, void *data_end, const struct ikelb_request *r)
{
	struct ethhdr *eth = data;
	struct udphdr *udp = data + hdr_off(r->l4_off);
	__u8 mac[6];
	__be16 port;

	if ((void *)(eth + 1) > data_end || (void *)(udp + 1) > data_end)
		return XDP_PASS;
	if (!r->ipv6) {
		struct iphdr *ip = data + hdr_off(r->l3_off);
		__be32 a;

		if ((void *)(ip + 1) > data_end)
			return XDP_PASS;
		a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
	} else {
		struct ipv6hdr *ip6 = data + hdr_off(r->l3_off);
		struct in6_addr a;

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		a = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = a;
	}
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	__builtin_memcpy(mac, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, mac, 6);
	return XDP_TX;
}

SEC("xdp")
int walk_baseline(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_request *r;
	struct ikelb_config *cfg;
	__u32 zero = 0;
	int out;

	cfg = bpf_map_lookup_elem(&walk_config, &zero);
	r = bpf_map_lookup_elem(&walk_request, &zero);
	if (!cfg || !r)
		return XDP_PASS;
	out = parse_headers(data, data_end, cfg, r);
	forget_header_layout();
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (out == GO_ON)
		out = check_lengths(data, data_end, r);
	if (out == GO_ON && verify)
		out = check_source(data, data_end, cfg, r);
	if (out == GO_ON && verify)
		out = check_checksums(data, data_end, r);
	if (out == GO_ON)
		out = walk_payloads(data, data_end, cfg, r);
	forget_header_layout();
	if (out != GO_ON || !r->supported || r->loop)
		return XDP_PASS;
	return reflect(data, data_end, r);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
