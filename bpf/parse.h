/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Parsing and checking a request, in the order the program does it:
 *
 *   parse_eth .. parse_ike_hdr   is it an IKE_SA_INIT request to a VIP we
 *                                hold, on an IKE port, to our MAC?  Decided
 *                                from the headers' kinds alone: anything else
 *                                passes untouched, whatever its lengths.
 *   check_lengths                IP, UDP and IKE lengths agree
 *   check_source                 never answer a source that cannot be real
 *   check_checksums              IPv4 header and UDP checksums
 *   walk_payloads                SA, KE, exactly one Nonce, redirect support,
 *                                a first-payload COOKIE, REDIRECTED_FROM
 *
 * Each returns GO_ON, or the outcome (enum ikelb_counter) that ends the
 * frame's path.  GO_ON is neither an outcome nor an XDP verdict.  The
 * header parsers move a cursor (after xdp-tools' parsing_helpers.h): its
 * offset is a constant on every path through them, and the bounds checks
 * live in cursor_pull, not in the callers.
 */
#ifndef IKELB_BPF_PARSE_H
#define IKELB_BPF_PARSE_H

#include "bounds.h"
#include "csum.h"
#include "request.h"

#define GO_ON (-1)

/*
 * With steering on (IKELB_ACT_STEER), the frames to a VIP that a REDIRECT
 * cannot serve are handed to the steering (steer.h) as one of these kinds:
 * like GO_ON, neither outcomes nor verdicts.  Each is produced only where
 * the path without steering ends in an outcome of its own, so that the
 * REDIRECT path pays nothing for them.
 */
#define STEER_INIT (-2) /* an IKE_SA_INIT request that cannot be redirected */
#define STEER_IKE (-3) /* another IKE message: by its gateway's SPI */
#define STEER_ESP (-4) /* ESP (IP protocol 50): by its SPI */
#define STEER_NATT (-5) /* UDP to a NAT-T port without the marker: ESP in UDP, keepalive */
#define STEER_FRAG (-6) /* an IP fragment */

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_UDP_ 17
#define IPPROTO_ESP_ 50
#define IPPROTO_FRAGMENT_ 44 /* the IPv6 fragment header */
#define IP_MF_OFFSET 0x3fff
#define IP_LEN_INVALID 0xffffffffu

struct cursor {
	void *data;
	void *end;
	__u32 off; /* from data */
};

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* The next len bytes, or NULL when the frame ends first; moves past them. */
static __always_inline void *cursor_pull(struct cursor *c, __u32 len)
{
	void *p = c->data + c->off;

	if (p + len > c->end)
		return NULL;
	c->off += len;
	return p;
}

/* Ethernet and up to two VLAN tags (answered only when configured). */
static __always_inline int parse_eth(struct cursor *c, const struct ikelb_config *cfg,
				     __be16 *proto)
{
	struct ethhdr *eth = cursor_pull(c, sizeof(*eth));
	__be16 p;

	if (!eth)
		return IKELB_CNT_PASS_NOT_IP;
	p = eth->h_proto;
	if (p == bpf_htons(ETH_P_8021Q) || p == bpf_htons(ETH_P_8021AD)) {
		if (!cfg->answer_tagged)
			return IKELB_CNT_PASS_TAGGED;
#pragma unroll
		for (int i = 0; i < 2; i++) {
			struct vlan_tag *tag;

			if (p != bpf_htons(ETH_P_8021Q) && p != bpf_htons(ETH_P_8021AD))
				break;
			tag = cursor_pull(c, sizeof(*tag));
			if (!tag)
				return IKELB_CNT_PASS_NOT_IP;
			p = tag->proto;
		}
	}
	*proto = p;
	return GO_ON;
}

static __always_inline bool steering(const struct ikelb_config *cfg)
{
	return cfg->unsupported_action == IKELB_ACT_STEER;
}

static __always_inline int ipv6_eq(const void *a, const void *b)
{
	const __u32 *x = a, *y = b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/*
 * IPv4 up to the UDP header: UDP to the active IPv4 VIP, unfragmented,
 * without options.  The length the header claims is only checked once the
 * request is known to be ours, so that other traffic to the VIP always
 * passes to the stack.
 */
static __always_inline int parse_ipv4(struct cursor *c, const struct ikelb_config *cfg,
				      struct ikelb_request *r)
{
	__u32 l3 = c->off;
	struct iphdr *ip = cursor_pull(c, sizeof(*ip));
	__u32 tot;

	if (!ip || ip->version != 4)
		return IKELB_CNT_PASS_NOT_IP;
	if (!cfg->vip4_active || ip->daddr != cfg->vip4)
		return IKELB_CNT_PASS_OTHER;
	if (ip->ihl != 5)
		return IKELB_CNT_PASS_IP_UNPARSED;
	r->l3_off = l3;
	r->l4_off = c->off;
	r->ipv6 = 0;
	if (ip->frag_off & bpf_htons(IP_MF_OFFSET))
		return steering(cfg) ? STEER_FRAG : IKELB_CNT_PASS_FRAGMENT;
	if (ip->protocol != IPPROTO_UDP_)
		return ip->protocol == IPPROTO_ESP_ && steering(cfg) ? STEER_ESP
								   : IKELB_CNT_PASS_OTHER;
	tot = bpf_ntohs(ip->tot_len);
	r->ip_payload = tot >= sizeof(*ip) ? tot - sizeof(*ip) : IP_LEN_INVALID;
	return GO_ON;
}

/* IPv6 up to the UDP header: UDP right after the header (extension
 * headers, fragments among them, are not walked) to the active IPv6 VIP. */
static __always_inline int parse_ipv6(struct cursor *c, const struct ikelb_config *cfg,
				      struct ikelb_request *r)
{
	__u32 l3 = c->off;
	struct ipv6hdr *ip6 = cursor_pull(c, sizeof(*ip6));

	if (!ip6 || ip6->version != 6)
		return IKELB_CNT_PASS_NOT_IP;
	if (!cfg->vip6_active || !ipv6_eq(&ip6->daddr, cfg->vip6))
		return IKELB_CNT_PASS_OTHER;
	r->l3_off = l3;
	r->l4_off = c->off;
	r->ipv6 = 1;
	if (ip6->nexthdr != IPPROTO_UDP_) {
		if (steering(cfg) && ip6->nexthdr == IPPROTO_FRAGMENT_)
			return STEER_FRAG;
		if (steering(cfg) && ip6->nexthdr == IPPROTO_ESP_)
			return STEER_ESP;
		if (ip6->nexthdr == 0 || ip6->nexthdr == 43 || ip6->nexthdr == 44 ||
		    ip6->nexthdr == 60)
			return IKELB_CNT_PASS_IP_UNPARSED;
		return IKELB_CNT_PASS_OTHER;
	}
	r->ip_payload = bpf_ntohs(ip6->payload_len);
	return GO_ON;
}

static __always_inline int port_index(const struct ikelb_config *cfg, __be16 port)
{
#pragma unroll
	for (int i = 0; i < IKELB_MAX_PORTS; i++)
		if (cfg->ports[i] && cfg->ports[i] == port)
			return i;
	return -1;
}

static __always_inline bool mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

static __always_inline bool mac_zero(const __u8 *a)
{
	return (*(const __u32 *)a | *(const __u16 *)(a + 4)) == 0;
}

/*
 * Sent to this interface's own MAC (or the VRRP virtual MAC, if the cluster
 * uses one), from a unicast MAC: an answer then leaves from the address the
 * request was sent to, towards one host.  Broadcast, multicast and (on a
 * promiscuous interface) other hosts' frames are not ours to answer.
 */
static __always_inline bool our_mac(const struct ethhdr *eth, const struct ikelb_config *cfg)
{
	if (eth->h_source[0] & 1)
		return false;
	if (mac_eq(eth->h_dest, cfg->mac))
		return !mac_zero(cfg->mac);
	return !mac_zero(cfg->vrrp_mac) && mac_eq(eth->h_dest, cfg->vrrp_mac);
}

/* UDP to one of our IKE ports, on 4500 behind the non-ESP marker. */
static __always_inline int parse_udp(struct cursor *c, const struct ikelb_config *cfg,
				     struct ikelb_request *r)
{
	struct udphdr *udp = cursor_pull(c, sizeof(*udp));
	__u32 *marker;
	int pi;

	if (!udp)
		return IKELB_CNT_PASS_NOT_IP;
	pi = port_index(cfg, udp->dest);
	if (pi < 0)
		return IKELB_CNT_PASS_OTHER;
	if (!our_mac(c->data, cfg))
		return IKELB_CNT_PASS_NOT_OUR_MAC;
	r->natt = cfg->port_natt[pi & (IKELB_MAX_PORTS - 1)];
	if (r->natt) {
		marker = cursor_pull(c, IKE_NON_ESP_MARKER_LEN);
		if (!marker || *marker != 0)
			return steering(cfg) ? STEER_NATT : IKELB_CNT_PASS_NOT_IKE;
	}
	r->ike_off = c->off;
	return GO_ON;
}

/*
 * An IKE_SA_INIT request of IKEv2 (any minor version: RFC 7296 3.1 says a
 * receiver ignores it): I set, R clear, message ID 0, SPIr 0.  Anything
 * else sent to the VIP (IKE_AUTH, INFORMATIONAL, IKEv1 for the node's own
 * daemon) is not ours, whatever its lengths.
 */
static __always_inline int parse_ike_hdr(struct cursor *c, const struct ikelb_config *cfg)
{
	struct ike_hdr *ike = cursor_pull(c, sizeof(*ike));
	__u64 spi_r;

	if (!ike)
		return IKELB_CNT_PASS_NOT_REQUEST;
	__builtin_memcpy(&spi_r, ike->spi_r, sizeof(spi_r));
	if ((ike->version & IKE_MAJOR_MASK) != IKE_VERSION_2 ||
	    ike->exchange != IKE_EXCH_SA_INIT ||
	    (ike->flags & (IKE_FLAG_I | IKE_FLAG_R)) != IKE_FLAG_I || ike->msg_id != 0 ||
	    spi_r != 0)
		return steering(cfg) ? STEER_IKE : IKELB_CNT_PASS_NOT_REQUEST;
	return GO_ON;
}

/* Ethernet .. IKE header, inline: few branches, no loops. */
static __always_inline int parse_headers(void *data, void *data_end,
					 const struct ikelb_config *cfg, struct ikelb_request *r)
{
	struct cursor c = { .data = data, .end = data_end };
	__be16 proto = 0;
	int out;

	out = parse_eth(&c, cfg, &proto);
	if (out != GO_ON)
		return out;
	if (proto == bpf_htons(ETH_P_IP))
		out = parse_ipv4(&c, cfg, r);
	else if (proto == bpf_htons(ETH_P_IPV6))
		out = parse_ipv6(&c, cfg, r);
	else
		out = IKELB_CNT_PASS_NOT_IP;
	if (out != GO_ON)
		return out;
	out = parse_udp(&c, cfg, r);
	if (out != GO_ON)
		return out;
	return parse_ike_hdr(&c, cfg);
}

/*
 * The IP packet lies in the frame, the UDP length is the IP payload's, the
 * IKE length the UDP payload's (after the marker), and the message ends
 * within BOUND_MSG_OFF.  Sets ip_end and ike_len.
 */
static __always_inline int check_lengths(void *data, void *data_end, struct ikelb_request *r)
{
	struct udphdr *udp = data + hdr_off(r->l4_off);
	struct ike_hdr *ike = data + hdr_off(r->ike_off);
	__u32 ulen, ip_payload = r->ip_payload;

	if ((void *)(udp + 1) > data_end || (void *)(ike + 1) > data_end)
		return IKELB_CNT_DROP_MALFORMED;
	if (ip_payload > 0xffff || (void *)udp + ip_payload > data_end)
		return IKELB_CNT_DROP_MALFORMED;
	ulen = bpf_ntohs(udp->len);
	if (ulen != ip_payload)
		return IKELB_CNT_DROP_MALFORMED;
	r->ip_end = r->l4_off + ip_payload;
	/* the IKE header lies inside the datagram: ike_off - l4_off is the
	 * UDP header and the marker */
	if (ulen < r->ike_off - r->l4_off + IKE_HDR_LEN)
		return IKELB_CNT_DROP_MALFORMED;
	r->ike_len = ulen - (r->ike_off - r->l4_off);
	if (bpf_ntohl(ike->length) != r->ike_len || r->ip_end > BOUND_MSG_OFF)
		return IKELB_CNT_DROP_MALFORMED;
	return GO_ON;
}

/*
 * Sources no answer may go to (RFC 6890): unspecified, loopback, multicast,
 * limited broadcast and the rest of 240.0.0.0/4, link-local towards a VIP
 * that is not, a VIP of this node, port 0; and SPIi 0, which no initiator
 * picks (RFC 7296 2.6).
 */
static __always_inline int check_source(void *data, void *data_end,
					const struct ikelb_config *cfg, const struct ikelb_request *r)
{
	struct udphdr *udp = data + hdr_off(r->l4_off);
	struct ike_hdr *ike = data + hdr_off(r->ike_off);
	__u64 spi;

	if ((void *)(udp + 1) > data_end || (void *)(ike + 1) > data_end)
		return IKELB_CNT_DROP_MALFORMED;
	if (!r->ipv6) {
		struct iphdr *ip = data + hdr_off(r->l3_off);
		__u32 a;

		if ((void *)(ip + 1) > data_end)
			return IKELB_CNT_DROP_MALFORMED;
		a = bpf_ntohl(ip->saddr);
		if ((a >> 24) == 0)
			return IKELB_CNT_DROP_SRC_UNSPECIFIED;
		if ((a >> 24) == 127)
			return IKELB_CNT_DROP_SRC_LOOPBACK;
		if ((a >> 28) == 0xe)
			return IKELB_CNT_DROP_SRC_MULTICAST;
		if ((a >> 28) == 0xf)
			return IKELB_CNT_DROP_SRC_BROADCAST;
		if ((a >> 16) == 0xa9fe && (bpf_ntohl(cfg->vip4) >> 16) != 0xa9fe)
			return IKELB_CNT_DROP_SRC_LINK_LOCAL;
		if (ip->saddr == cfg->vip4)
			return IKELB_CNT_DROP_SRC_VIP;
	} else {
		struct ipv6hdr *ip6 = data + hdr_off(r->l3_off);
		const __u32 *a;

		if ((void *)(ip6 + 1) > data_end)
			return IKELB_CNT_DROP_MALFORMED;
		a = (const __u32 *)&ip6->saddr;
		if ((a[0] | a[1] | a[2]) == 0 && (a[3] == 0 || a[3] == bpf_htonl(1)))
			return a[3] ? IKELB_CNT_DROP_SRC_LOOPBACK : IKELB_CNT_DROP_SRC_UNSPECIFIED;
		if ((bpf_ntohl(a[0]) >> 24) == 0xff)
			return IKELB_CNT_DROP_SRC_MULTICAST;
		if ((bpf_ntohl(a[0]) >> 22) == (0xfe80 >> 6) &&
		    (bpf_ntohl(*(const __u32 *)cfg->vip6) >> 22) != (0xfe80 >> 6))
			return IKELB_CNT_DROP_SRC_LINK_LOCAL;
		if (ipv6_eq(a, cfg->vip6))
			return IKELB_CNT_DROP_SRC_VIP;
	}
	if (udp->source == 0)
		return IKELB_CNT_DROP_SRC_PORT0;
	__builtin_memcpy(&spi, ike->spi_i, sizeof(spi));
	if (spi == 0)
		return IKELB_CNT_DROP_SPI_ZERO;
	return GO_ON;
}

/*
 * The IPv4 header checksum, and the UDP checksum over the pseudo-header
 * and the datagram (RFC 768; over IPv4 a checksum of 0 means none was
 * sent, over IPv6 it is mandatory, RFC 8200 8.1).
 */
static __always_inline int check_checksums(void *data, void *data_end, struct ikelb_request *r)
{
	struct udphdr *udp = data + hdr_off(r->l4_off);
	__u64 sum;

	if ((void *)(udp + 1) > data_end)
		return IKELB_CNT_DROP_MALFORMED;
	if (!r->ipv6) {
		struct iphdr *ip = data + hdr_off(r->l3_off);

		if ((void *)(ip + 1) > data_end)
			return IKELB_CNT_DROP_MALFORMED;
		if (!ipv4_csum_ok(ip))
			return IKELB_CNT_DROP_IP_CSUM;
		if (udp->check == 0)
			return GO_ON;
		sum = (__u64)ip->saddr + ip->daddr;
	} else {
		struct ipv6hdr *ip6 = data + hdr_off(r->l3_off);
		const __u64 *a;

		if ((void *)(ip6 + 1) > data_end)
			return IKELB_CNT_DROP_MALFORMED;
		if (udp->check == 0)
			return IKELB_CNT_DROP_UDP_CSUM;
		a = (const __u64 *)&ip6->saddr; /* source, then destination */
		sum = csum_word(a[0]) + csum_word(a[1]) + csum_word(a[2]) + csum_word(a[3]);
	}
	/* pseudo-header: protocol and UDP length (the length as in the header) */
	sum += bpf_htons(IPPROTO_UDP_) + (__u32)udp->len;
	r->udp_len = r->ip_end - r->l4_off;
	sum += csum_bytes(data, data_end, &r->l4_off, &r->udp_len);
	if (csum_fold(sum) != 0xffff)
		return IKELB_CNT_DROP_UDP_CSUM;
	return GO_ON;
}

/*
 * One bounded pass over the payload chain: every payload fits, SA and KE
 * are there (RFC 7296 1.2), exactly one Nonce of 16..256 bytes; notes
 * redirect support, a REDIRECTED_FROM that names one of our VIPs, and an
 * N(COOKIE) that comes first (RFC 7296 2.6: where a retried request
 * carries it).
 */
static __always_inline int walk_payloads(void *data, void *data_end,
					 const struct ikelb_config *cfg, struct ikelb_request *r)
{
	struct ike_hdr *ike = data + hdr_off(r->ike_off);
	__u32 off, end;
	__u8 next;
	int i;

	if ((void *)(ike + 1) > data_end)
		return IKELB_CNT_DROP_MALFORMED;
	off = hdr_off(r->ike_off) + IKE_HDR_LEN;
	end = hdr_off(r->ike_off) + r->ike_len;
	next = ike->next_payload;
	r->nonce_len = 0;
	PUT(r->cookie_off, 0);
	PUT(r->cookie_len, 0);
	PUT(r->supported, 0);
	PUT(r->loop, 0);
	PUT(r->has_sa, 0);
	PUT(r->has_ke, 0);
	if (end > BOUND_MSG_OFF)
		return IKELB_CNT_DROP_MALFORMED;

	for (i = 0; i < IKELB_MAX_PAYLOADS && next != IKE_PL_NONE; i++) {
		struct ike_notify_hdr *n;
		__u32 plen;

		off = msg_off(off);
		n = data + off;
		if (off + IKE_PAYLOAD_HDR_LEN > end ||
		    (void *)n + IKE_PAYLOAD_HDR_LEN > data_end)
			return IKELB_CNT_DROP_MALFORMED;
		plen = bpf_ntohs(n->pl.length);
		if (plen < IKE_PAYLOAD_HDR_LEN || off + plen > end)
			return IKELB_CNT_DROP_MALFORMED;
		if (next == IKE_PL_NONCE) {
			if (r->nonce_len || plen - IKE_PAYLOAD_HDR_LEN < IKE_NONCE_MIN ||
			    plen - IKE_PAYLOAD_HDR_LEN > IKE_NONCE_MAX)
				return IKELB_CNT_DROP_MALFORMED;
			r->nonce_off = off + IKE_PAYLOAD_HDR_LEN;
			r->nonce_len = plen - IKE_PAYLOAD_HDR_LEN;
		} else if (next == IKE_PL_NOTIFY) {
			if (plen < IKE_NOTIFY_HDR_LEN || (void *)(n + 1) > data_end)
				return IKELB_CNT_DROP_MALFORMED;
			if (n->type == bpf_htons(IKE_N_REDIRECT_SUPPORTED)) {
				PUT(r->supported, 1);
			} else if (n->type == bpf_htons(IKE_N_REDIRECTED_FROM)) {
				/* GW identity type, length, identity (RFC 5685) */
				__u8 *id = (__u8 *)(n + 1);

				PUT(r->supported, 1);
				if (plen == IKE_NOTIFY_HDR_LEN + 2 + 4 &&
				    (void *)(id + 2 + 4) <= data_end && id[0] == IKE_GW_ID_IPV4 &&
				    id[1] == 4 && *(__u32 *)(id + 2) == cfg->vip4)
					PUT(r->loop, 1);
				if (plen == IKE_NOTIFY_HDR_LEN + 2 + 16 &&
				    (void *)(id + 2 + 16) <= data_end && id[0] == IKE_GW_ID_IPV6 &&
				    id[1] == 16 && ipv6_eq(id + 2, cfg->vip6))
					PUT(r->loop, 1);
			} else if (n->type == bpf_htons(IKE_N_COOKIE) && i == 0) {
				PUT(r->cookie_off, off + IKE_NOTIFY_HDR_LEN);
				PUT(r->cookie_len, plen - IKE_NOTIFY_HDR_LEN);
			}
		} else if (next == IKE_PL_SA) {
			PUT(r->has_sa, 1);
		} else if (next == IKE_PL_KE) {
			PUT(r->has_ke, 1);
		}
		next = n->pl.next_payload;
		off += plen;
	}
	if (next != IKE_PL_NONE || off != end)
		return IKELB_CNT_DROP_MALFORMED;
	if (!RELOAD(r->has_sa) || !RELOAD(r->has_ke) || !r->nonce_len)
		return IKELB_CNT_DROP_MISSING_PAYLOAD;
	return GO_ON;
}

#endif
