// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The benchmarks' baseline: the least an XDP responder can do.  UDP over
 * IPv4 or IPv6 (no VLAN, no options) goes back where it came from with MACs,
 * addresses and ports swapped, by XDP_TX; swapping leaves every checksum
 * valid, so nothing else is touched.  Anything else passes (ARP, ND).
 * Built with the same flags as the ikelb program so that bench/ compares
 * like with like.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_UDP_ 17

static __always_inline void swap_ports(struct udphdr *udp)
{
	__be16 p = udp->source;

	udp->source = udp->dest;
	udp->dest = p;
}

SEC("xdp")
int reflector_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u8 mac[6];

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		__be32 a;

		udp = (void *)(ip + 1);
		if ((void *)(udp + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP_)
			return XDP_PASS;
		a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct in6_addr a;

		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > data_end || ip6->nexthdr != IPPROTO_UDP_)
			return XDP_PASS;
		a = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = a;
	} else {
		return XDP_PASS;
	}
	swap_ports(udp);
	__builtin_memcpy(mac, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, mac, 6);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
