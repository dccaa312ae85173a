// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ikelb XDP fast path: answer an IKE_SA_INIT request sent to the VIP with an
 * RFC 5685 REDIRECT, rewritten in place and sent back with XDP_TX.
 *
 * Everything that is not UDP to an active VIP on an IKE port passes
 * untouched.  The wire facts are in ../shared/DESIGN.md and include/ike.h.
 * Only BPF features of Linux 5.15 are used (bounded loops, BTF maps,
 * bpf_xdp_adjust_tail, bpf_csum_diff, mmapable arrays).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ikelb.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_UDP_ 17
#define IP_MF_OFFSET 0x3fff
#define IP_LEN_INVALID 0xffffffffu

/* Largest offset the payload walk follows; keeps packet offsets bounded
 * for the verifier.  Larger IKE_SA_INIT requests are dropped as malformed. */
#define MAX_PKT_OFF 0x3fff


struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikelb_config);
} ikelb_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IKELB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct ikelb_target);
} ikelb_targets SEC(".maps");

/* Mmapable, so the daemon refills it without a syscall per slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IKELB_FAMILIES * IKELB_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} ikelb_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IKELB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct ikelb_target_stats);
} ikelb_tstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikelb_counters);
} ikelb_counters SEC(".maps");

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* What the parser learned about a request; offsets from the frame start. */
struct ike_req {
	__u32 l3_off;
	__u32 l4_off;
	__u32 ike_off;
	__u32 ike_len;
	__u32 nonce_off;
	__u32 nonce_len;
	__u32 ip_end; /* end of the IP packet; link-layer padding may follow */
	__u8 ipv6;
	__u8 natt;
	__u8 reason; /* enum ikelb_counter when the verdict is not "redirect" */
};

/*
 * Per-CPU scratch: the parsed request, the chosen target, and the response,
 * composed here before it is copied into the frame (the request's nonce may
 * overlap where the response puts it).  Keeping them in a map value lets
 * the loops live in global functions, which the verifier checks once
 * instead of once per header layout.
 */
#define SCRATCH_LEN 576
struct ikelb_scratch {
	struct ike_req req;
	__u32 target;
	__u32 len; /* of the composed IKE message */
	__u8 buf[SCRATCH_LEN];
};

/* Verdicts of the classifier. */
enum verdict {
	V_PASS,
	V_DROP,
	V_REDIRECT,
	V_UNSUPPORTED, /* a request without redirect support: by config */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikelb_scratch);
} ikelb_scratch SEC(".maps");

static __always_inline enum verdict pass_because(struct ike_req *r, __u8 why)
{
	r->reason = why;
	return V_PASS;
}

static __always_inline enum verdict drop_malformed(struct ike_req *r)
{
	r->reason = IKELB_CNT_DROP_MALFORMED;
	return V_DROP;
}

/* Skips up to two VLAN tags; returns the L3 offset or -1. */
static __always_inline int parse_l2(void *data, void *data_end, __be16 *proto)
{
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__be16 p;

	if ((void *)(eth + 1) > data_end)
		return -1;
	p = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_tag *tag = data + off;

		if (p != bpf_htons(ETH_P_8021Q) && p != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(tag + 1) > data_end)
			return -1;
		p = tag->proto;
		off += sizeof(*tag);
	}
	*proto = p;
	return off;
}

static __always_inline int port_index(const struct ikelb_config *cfg, __be16 port)
{
#pragma unroll
	for (int i = 0; i < IKELB_MAX_PORTS; i++)
		if (cfg->ports[i] && cfg->ports[i] == port)
			return i;
	return -1;
}

static __always_inline int ipv6_eq(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/* IPv4/IPv6 up to the UDP header: is this UDP to an active VIP?  On success
 * fills l4_off and ipv6, and *ip_payload with the length the IP header
 * claims for its payload (IP_LEN_INVALID when shorter than the header).
 * The claim is checked only once the UDP port is known to be ours, so that
 * other traffic to the VIP always passes to the stack. */
static __always_inline enum verdict parse_l3(void *data, void *data_end,
					     const struct ikelb_config *cfg,
					     __be16 proto, struct ike_req *r,
					     __u32 *ip_payload)
{
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + r->l3_off;
		__u32 tot;

		if ((void *)(ip + 1) > data_end || ip->version != 4)
			return pass_because(r, IKELB_CNT_PASS_NOT_IP);
		if (!cfg->vip4_active || ip->daddr != cfg->vip4)
			return pass_because(r, IKELB_CNT_PASS_OTHER);
		if (ip->ihl != 5)
			return pass_because(r, IKELB_CNT_PASS_IP_UNPARSED);
		if (ip->frag_off & bpf_htons(IP_MF_OFFSET))
			return pass_because(r, IKELB_CNT_PASS_FRAGMENT);
		if (ip->protocol != IPPROTO_UDP_)
			return pass_because(r, IKELB_CNT_PASS_OTHER);
		tot = bpf_ntohs(ip->tot_len);
		*ip_payload = tot >= sizeof(*ip) ? tot - sizeof(*ip) : IP_LEN_INVALID;
		r->l4_off = r->l3_off + sizeof(*ip);
		r->ipv6 = 0;
		return V_REDIRECT;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + r->l3_off;
		__u32 plen;

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return pass_because(r, IKELB_CNT_PASS_NOT_IP);
		if (!cfg->vip6_active ||
		    !ipv6_eq((const __u8 *)&ip6->daddr, cfg->vip6))
			return pass_because(r, IKELB_CNT_PASS_OTHER);
		if (ip6->nexthdr != IPPROTO_UDP_) {
			/* Extension headers (fragments among them) are not walked. */
			if (ip6->nexthdr == 0 || ip6->nexthdr == 43 ||
			    ip6->nexthdr == 44 || ip6->nexthdr == 60)
				return pass_because(r, IKELB_CNT_PASS_IP_UNPARSED);
			return pass_because(r, IKELB_CNT_PASS_OTHER);
		}
		plen = bpf_ntohs(ip6->payload_len);
		*ip_payload = plen;
		r->l4_off = r->l3_off + sizeof(*ip6);
		r->ipv6 = 1;
		return V_REDIRECT;
	}
	return pass_because(r, IKELB_CNT_PASS_NOT_IP);
}

/* UDP header, port, lengths and the non-ESP marker; fills ike_off/ike_len. */
static __always_inline enum verdict parse_udp(void *data, void *data_end,
					      const struct ikelb_config *cfg,
					      __u32 ip_payload, struct ike_req *r)
{
	struct udphdr *udp = data + (r->l4_off & 0xff);
	__u32 ulen, marker = 0;
	int pi;

	if ((void *)(udp + 1) > data_end)
		return pass_because(r, IKELB_CNT_PASS_NOT_IP);
	pi = port_index(cfg, udp->dest);
	if (pi < 0)
		return pass_because(r, IKELB_CNT_PASS_OTHER);
	if (ip_payload > 0xffff || (void *)udp + ip_payload > data_end)
		return drop_malformed(r);
	r->ip_end = r->l4_off + ip_payload;
	ulen = bpf_ntohs(udp->len);
	if (ulen != ip_payload || ulen < sizeof(*udp))
		return drop_malformed(r);
	r->natt = cfg->port_natt[pi & (IKELB_MAX_PORTS - 1)];
	if (r->natt) {
		__u32 *m = (void *)(udp + 1);

		if (ulen < sizeof(*udp) + IKE_NON_ESP_MARKER_LEN ||
		    (void *)(m + 1) > data_end || *m != 0)
			return pass_because(r, IKELB_CNT_PASS_NOT_IKE);
		marker = IKE_NON_ESP_MARKER_LEN;
	}
	r->ike_off = r->l4_off + sizeof(*udp) + marker;
	r->ike_len = ulen - sizeof(*udp) - marker;
	if (r->ike_len < IKE_HDR_LEN)
		return drop_malformed(r);
	return V_REDIRECT;
}

/* The IKE header of a request we may redirect (DESIGN.md). */
static __always_inline enum verdict check_ike_hdr(void *data, void *data_end,
						  struct ike_req *r)
{
	struct ike_hdr *ike = data + (r->ike_off & 0xff);
	__u64 spi_r;

	if ((void *)(ike + 1) > data_end)
		return drop_malformed(r);
	if (bpf_ntohl(ike->length) != r->ike_len)
		return drop_malformed(r);
	__builtin_memcpy(&spi_r, ike->spi_r, sizeof(spi_r));
	if (ike->version != IKE_VERSION_2 || ike->exchange != IKE_EXCH_SA_INIT ||
	    (ike->flags & (IKE_FLAG_I | IKE_FLAG_R)) != IKE_FLAG_I ||
	    ike->msg_id != 0 || spi_r != 0)
		return pass_because(r, IKELB_CNT_PASS_NOT_REQUEST);
	return V_REDIRECT;
}

static __always_inline struct ikelb_scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ikelb_scratch, &zero);
}

/*
 * One bounded pass over the payload chain: every payload must fit, exactly
 * one Nonce of 16..256 bytes, and a redirect-support notify for a redirect.
 * Global, so the verifier walks the loop once for every header layout.
 */
__noinline int ikelb_walk_payloads(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_scratch *s = get_scratch();
	struct ike_req *r;
	struct ike_hdr *ike;
	__u32 off, end;
	__u8 next, supported = 0;
	int i;

	if (!s)
		return V_PASS;
	r = &s->req;
	ike = data + (r->ike_off & 0xff);
	off = (r->ike_off & 0xff) + IKE_HDR_LEN;
	end = (r->ike_off & 0xff) + r->ike_len;
	if ((void *)(ike + 1) > data_end)
		return drop_malformed(r);
	next = ike->next_payload;
	r->nonce_len = 0;
	if (end > MAX_PKT_OFF)
		return drop_malformed(r);

	for (i = 0; i < IKELB_MAX_PAYLOADS && next != IKE_PL_NONE; i++) {
		struct ike_notify_hdr *n;
		__u32 plen;

		off &= MAX_PKT_OFF;
		n = data + off;
		if (off + IKE_PAYLOAD_HDR_LEN > end ||
		    (void *)n + IKE_PAYLOAD_HDR_LEN > data_end)
			return drop_malformed(r);
		plen = bpf_ntohs(n->pl.length);
		if (plen < IKE_PAYLOAD_HDR_LEN || off + plen > end)
			return drop_malformed(r);
		if (next == IKE_PL_NONCE) {
			if (r->nonce_len || plen - IKE_PAYLOAD_HDR_LEN < IKE_NONCE_MIN ||
			    plen - IKE_PAYLOAD_HDR_LEN > IKE_NONCE_MAX)
				return drop_malformed(r);
			r->nonce_off = off + IKE_PAYLOAD_HDR_LEN;
			r->nonce_len = plen - IKE_PAYLOAD_HDR_LEN;
		} else if (next == IKE_PL_NOTIFY) {
			if (plen < IKE_NOTIFY_HDR_LEN || (void *)(n + 1) > data_end)
				return drop_malformed(r);
			if (n->type == bpf_htons(IKE_N_REDIRECT_SUPPORTED) ||
			    n->type == bpf_htons(IKE_N_REDIRECTED_FROM))
				supported = 1;
		}
		next = n->pl.next_payload;
		off += plen;
	}
	if (next != IKE_PL_NONE || off != end || !r->nonce_len)
		return drop_malformed(r);
	if (!supported) {
		r->reason = IKELB_CNT_NO_SUPPORT;
		return V_UNSUPPORTED;
	}
	return V_REDIRECT;
}

/* Headers up to the IKE header, inline: few branches, no loops. */
static __always_inline enum verdict classify(void *data, void *data_end,
					     const struct ikelb_config *cfg,
					     struct ike_req *r)
{
	__u32 ip_payload = 0;
	__be16 proto;
	int l3;
	enum verdict v;

	l3 = parse_l2(data, data_end, &proto);
	if (l3 < 0)
		return pass_because(r, IKELB_CNT_PASS_NOT_IP);
	r->l3_off = l3;
	v = parse_l3(data, data_end, cfg, proto, r, &ip_payload);
	if (v != V_REDIRECT)
		return v;
	v = parse_udp(data, data_end, cfg, ip_payload, r);
	if (v != V_REDIRECT)
		return v;
	return check_ike_hdr(data, data_end, r);
}

/* Same slot for the same SPIi while the table is unchanged. */
static __always_inline struct ikelb_target *pick_target(void *data, void *data_end,
							struct ike_req *r, __u32 *idx)
{
	struct ike_hdr *ike = data + (r->ike_off & 0xff);
	struct ikelb_target *t;
	struct ikelb_gw_id *gw;
	__u32 slot, *ip;
	__u64 spi;

	if ((void *)(ike + 1) > data_end)
		return NULL;
	__builtin_memcpy(&spi, ike->spi_i, sizeof(spi));
	slot = ikelb_slot_of_spi(spi) + (r->ipv6 ? IKELB_SLOTS : 0);
	ip = bpf_map_lookup_elem(&ikelb_slots, &slot);
	if (!ip)
		return NULL;
	*idx = *ip;
	t = bpf_map_lookup_elem(&ikelb_targets, idx);
	if (!t || !t->active)
		return NULL;
	gw = &t->id[r->ipv6 ? IKELB_FAM_V6 : IKELB_FAM_V4];
	if (!gw->type || !gw->len)
		return NULL;
	return t;
}

/*
 * The copies below are global functions: a loop whose exit teaches the
 * verifier a bound on a length would otherwise multiply the states of
 * every loop after it.  They work on the scratch entry; bytes written past
 * the end of a copy are overwritten later (or are zero padding).
 */

/* GW identity of the chosen target into the notify. */
__noinline int ikelb_copy_id(struct xdp_md *ctx)
{
	struct ikelb_scratch *s = get_scratch();
	struct ikelb_target *t;
	struct ikelb_gw_id *gw;
	__u8 *id;
	__u32 i, id_len;

	if (!s || !ctx)
		return -1;
	t = bpf_map_lookup_elem(&ikelb_targets, &s->target);
	if (!t)
		return -1;
	gw = &t->id[s->req.ipv6 ? 1 : 0];
	id = s->buf + IKE_HDR_LEN + IKE_NOTIFY_HDR_LEN;
	id_len = gw->len;
	id[0] = gw->type;
	id[1] = id_len;
	for (i = 0; i < (IKE_GW_ID_MAX_LEN + 1) / 8; i++) {
		if (i * 8 >= id_len)
			break;
		*(__u64 *)(id + 2 + i * 8) = *(const __u64 *)(gw->data + i * 8);
	}
	return id_len;
}

/* The request's nonce data, byte for byte, after the identity. */
__noinline int ikelb_copy_nonce(struct xdp_md *ctx, __u32 id_len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_scratch *s = get_scratch();
	__u32 i, ni, nonce_len, nonce_off;

	if (!s)
		return -1;
	nonce_len = s->req.nonce_len;
	nonce_off = s->req.nonce_off & MAX_PKT_OFF;
	ni = IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + (id_len & 0xff);
	for (i = 0; i < IKE_NONCE_MAX / 8; i++) {
		__u8 *src = data + nonce_off + i * 8;
		__u8 *dst = s->buf + ni + i * 8;

		if (i * 8 >= nonce_len)
			break;
		if ((void *)(src + 8) <= data_end) {
			*(__u64 *)dst = *(__u64 *)src;
			continue;
		}
		/* the nonce ends the packet: the last few bytes one by one */
		for (__u32 k = 0; k < 7; k++) {
			if (i * 8 + k >= nonce_len)
				break;
			if ((void *)(src + k + 1) > data_end)
				return -1;
			dst[k] = src[k];
		}
		break;
	}
	return 0;
}

/* The composed IKE message from scratch into the (resized) frame. */
__noinline int ikelb_copy_out(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_scratch *s = get_scratch();
	__u32 i, len, ike_off;

	if (!s)
		return -1;
	len = s->len;
	ike_off = s->req.ike_off & 0xff;
	for (i = 0; i < (IKE_REDIRECT_MAX_LEN + 7) / 8; i++) {
		__u8 *dst = data + ike_off + i * 8;
		const __u8 *src = s->buf + i * 8;

		if (i * 8 >= len)
			break;
		if ((void *)(dst + 8) <= data_end) {
			*(__u64 *)dst = *(const __u64 *)src;
			continue;
		}
		for (__u32 k = 0; k < 7; k++) {
			if (i * 8 + k >= len)
				break;
			if ((void *)(dst + k + 1) > data_end)
				return -1;
			dst[k] = src[k];
		}
		break;
	}
	return 0;
}

/* IKE header and notify header of the response; returns the IKE length. */
static __always_inline __u32 compose_headers(struct ikelb_scratch *s, void *data,
					     void *data_end, __u32 id_len)
{
	struct ike_hdr *req = data + (s->req.ike_off & 0xff);
	struct ike_hdr *rsp = (struct ike_hdr *)s->buf;
	struct ike_notify_hdr *n = (struct ike_notify_hdr *)(s->buf + IKE_HDR_LEN);
	__u32 nonce_len = s->req.nonce_len;
	__u32 notify_len = IKE_REDIRECT_FIXED_LEN + id_len + nonce_len;
	__u32 len = IKE_HDR_LEN + notify_len;

	if ((void *)(req + 1) > data_end || id_len > IKE_GW_ID_MAX_LEN ||
	    nonce_len > IKE_NONCE_MAX || len > IKE_REDIRECT_MAX_LEN)
		return 0;
	__builtin_memcpy(rsp->spi_i, req->spi_i, 8);
	__builtin_memset(rsp->spi_r, 0, 8);
	rsp->next_payload = IKE_PL_NOTIFY;
	rsp->version = IKE_VERSION_2;
	rsp->exchange = IKE_EXCH_SA_INIT;
	rsp->flags = IKE_FLAG_R;
	rsp->msg_id = 0;
	rsp->length = bpf_htonl(len);
	n->pl.next_payload = IKE_PL_NONE;
	n->pl.flags = 0;
	n->pl.length = bpf_htons(notify_len);
	n->protocol_id = 0;
	n->spi_size = 0;
	n->type = bpf_htons(IKE_N_REDIRECT);
	/* zero padding to a multiple of 4 for bpf_csum_diff */
	*(__u32 *)(s->buf + len) = 0;
	return len;
}

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* One's-complement sum of the composed IKE message (zero-padded to 4). */
static __always_inline __u64 csum_scratch(struct ikelb_scratch *s, __u32 len)
{
	__u32 len4 = (len + 3) & ~3u;
	__u32 first = len4 > 288 ? 288 : len4;
	__s64 a, b = 0;

	if (first > 288)
		return 0;
	a = bpf_csum_diff(NULL, 0, (__be32 *)s->buf, first, 0);
	if (len4 > 288) {
		__u32 rest = len4 - 288;

		if (rest > SCRATCH_LEN - 288)
			return 0;
		b = bpf_csum_diff(NULL, 0, (__be32 *)(s->buf + 288), rest, 0);
	}
	return (__u64)(__u32)a + (__u64)(__u32)b;
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 tmp[6];

	__builtin_memcpy(tmp, eth->h_source, 6);
	__builtin_memcpy(eth->h_source, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, tmp, 6);
}

/* Addresses and ports swapped, lengths, TTL and checksums of the response. */
static __always_inline int rewrite_headers(void *data, void *data_end,
					   const struct ike_req *r, __u32 ike_len,
					   __u64 payload_sum)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u32 ulen = sizeof(*udp) + (r->natt ? IKE_NON_ESP_MARKER_LEN : 0) + ike_len;
	__u64 sum = payload_sum;
	__be16 port;
	__u16 csum;

	if ((void *)(eth + 1) > data_end)
		return -1;
	swap_mac(eth);
	if (!r->ipv6) {
		struct iphdr *ip = data + (r->l3_off & 0xff);
		__be32 a;
		__u32 *w = (__u32 *)ip;
		__u64 hs;

		if ((void *)(ip + 1) > data_end)
			return -1;
		a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
		ip->tot_len = bpf_htons(sizeof(*ip) + ulen);
		ip->ttl = IKELB_REPLY_TTL;
		ip->check = 0;
		hs = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];
		ip->check = ~csum_fold(hs);
		sum += (__u64)ip->saddr + ip->daddr;
		udp = (void *)(ip + 1);
	} else {
		struct ipv6hdr *ip6 = data + (r->l3_off & 0xff);
		struct in6_addr a;
		__u32 *s6, *d6;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		a = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = a;
		ip6->payload_len = bpf_htons(ulen);
		ip6->hop_limit = IKELB_REPLY_TTL;
		s6 = (__u32 *)&ip6->saddr;
		d6 = (__u32 *)&ip6->daddr;
		sum += (__u64)s6[0] + s6[1] + s6[2] + s6[3];
		sum += (__u64)d6[0] + d6[1] + d6[2] + d6[3];
		udp = (void *)(ip6 + 1);
	}
	if ((void *)(udp + 1) > data_end)
		return -1;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	udp->len = bpf_htons(ulen);
	udp->check = 0;
	/* pseudo-header protocol and length, then the UDP header itself */
	sum += bpf_htons(IPPROTO_UDP_) + (__u32)udp->len;
	sum += (__u32)udp->source + udp->dest + udp->len;
	csum = ~csum_fold(sum);
	udp->check = csum ? csum : 0xffff;
	return 0;
}

/*
 * Turns the request into the REDIRECT response; 0 when ready for XDP_TX.
 * Global for the same reason as ikelb_walk_payloads.
 */
__noinline int ikelb_build_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_scratch *s = get_scratch();
	struct ike_req *r;
	__u32 len, frame_len;
	int id_len;
	__u64 sum;

	if (!s)
		return -1;
	r = &s->req;
	id_len = ikelb_copy_id(ctx);
	if (id_len < 0 || ikelb_copy_nonce(ctx, id_len))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	len = compose_headers(s, data, data_end, id_len & 0xff);
	if (!len)
		return -1;
	s->len = len;
	sum = csum_scratch(s, len);
	/* Resized relative to the IP packet's end rather than data_end, which
	 * would need pointer subtraction (CAP_PERFMON); padding, if any, stays. */
	frame_len = (r->ike_off & 0xff) + len;
	if (bpf_xdp_adjust_tail(ctx, (int)frame_len - (int)(r->ip_end & MAX_PKT_OFF)))
		return -1;
	if (ikelb_copy_out(ctx))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	return rewrite_headers(data, data_end, r, len, sum);
}

static __always_inline void count(struct ikelb_counters *c, __u32 reason)
{
	if (reason < IKELB_CNT_MAX)
		((__u64 *)c)[reason]++;
}

SEC("xdp")
int ikelb_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_scratch *s = get_scratch();
	struct ikelb_config *cfg;
	struct ikelb_counters *cnt;
	struct ikelb_target_stats *ts;
	__u32 zero = 0, idx = 0;
	enum verdict v;

	cfg = bpf_map_lookup_elem(&ikelb_config, &zero);
	cnt = bpf_map_lookup_elem(&ikelb_counters, &zero);
	if (!cfg || !cnt || !s)
		return XDP_PASS;

	v = classify(data, data_end, cfg, &s->req);
	if (v == V_REDIRECT)
		v = ikelb_walk_payloads(ctx);
	if (v == V_UNSUPPORTED)
		v = cfg->unsupported_action == IKELB_ACT_DROP ? V_DROP : V_PASS;
	if (v != V_REDIRECT) {
		count(cnt, s->req.reason);
		return v == V_DROP ? XDP_DROP : XDP_PASS;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (!pick_target(data, data_end, &s->req, &idx)) {
		count(cnt, IKELB_CNT_NO_TARGET);
		return cfg->no_target_action == IKELB_ACT_DROP ? XDP_DROP : XDP_PASS;
	}
	s->target = idx;
	if (ikelb_build_redirect(ctx)) {
		/* Possibly half rewritten: never let it reach the stack. */
		count(cnt, IKELB_CNT_ERROR);
		return XDP_DROP;
	}
	ts = bpf_map_lookup_elem(&ikelb_tstats, &idx);
	if (ts)
		ts->redirects++;
	count(cnt, IKELB_CNT_REDIRECTED);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
