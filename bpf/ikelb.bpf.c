// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ikelb XDP fast path: answer an IKE_SA_INIT request sent to the VIP with an
 * RFC 5685 REDIRECT, rewritten in place and sent back with XDP_TX.
 *
 * Everything that is not UDP to an active VIP on an IKE port passes
 * untouched.  The wire facts are in ../shared/DESIGN.md and include/ike.h.
 * Only BPF features of Linux 5.15 are used (bounded loops, BTF maps,
 * a global function, bpf_xdp_adjust_tail, mmapable arrays).
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
	__uint(max_entries, IKELB_TABLES * IKELB_FAMILIES * IKELB_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ikelb_slot);
} ikelb_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IKELB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct ikelb_target_stats);
} ikelb_tstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IKELB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct ikelb_budget);
} ikelb_budget SEC(".maps");

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
 * Per-CPU scratch: the parsed request, the chosen target, and the REDIRECT's
 * identity and nonce, gathered before the frame is rewritten (the response
 * overwrites the request's nonce).  Results kept in a map value rather than
 * on the stack are not tracked per path by the verifier, so the paths of
 * the different header layouts merge before the loops.
 */
#define BODY_MAX (IKE_GW_ID_MAX_LEN + IKE_NONCE_MAX)
struct ikelb_scratch {
	struct ike_req req;
	__u32 target;
	/* the REDIRECT's GW identity and Ni, back to back, and a word of slack
	 * for 8-byte reads */
	__u8 body[BODY_MAX + 8];
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
 */
static __always_inline int walk_payloads(struct xdp_md *ctx)
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

static __always_inline struct ikelb_target *usable_target(__u32 idx, __u8 ipv6)
{
	struct ikelb_target *t = bpf_map_lookup_elem(&ikelb_targets, &idx);

	if (!t || !t->active || !t->id[ipv6 ? 1 : 0].type || !t->id[ipv6 ? 1 : 0].len)
		return NULL;
	return t;
}

/* This CPU has sent the plan's share of redirects to idx until the refill. */
static __always_inline bool over_budget(__u32 idx, const struct ikelb_target_stats *ts)
{
	struct ikelb_budget *b = bpf_map_lookup_elem(&ikelb_budget, &idx);

	return b && b->until && ts->redirects >= b->until;
}

/* What the chosen target is, for the response and the count. */
struct choice {
	__u32 idx;
	struct ikelb_target *t;
	struct ikelb_target_stats *ts;
};

/*
 * The plan's target for the request's slot, or the spill table's once the
 * plan's target has had its budget.  Same answer for the same SPIi while
 * the tables (and budgets) are unchanged.
 */
static __always_inline bool pick_target(void *data, void *data_end, struct ike_req *r,
					struct choice *c)
{
	struct ike_hdr *ike = data + (r->ike_off & 0xff);
	struct ikelb_target_stats *ts;
	struct ikelb_target *t;
	struct ikelb_slot *sl;
	__u32 slot;
	__u64 spi;

	if ((void *)(ike + 1) > data_end)
		return false;
	__builtin_memcpy(&spi, ike->spi_i, sizeof(spi));
	slot = ikelb_slot_of_spi(spi) + (r->ipv6 ? IKELB_SLOTS : 0);
	sl = bpf_map_lookup_elem(&ikelb_slots, &slot);
	if (!sl)
		return false;
	c->idx = sl->target;
	c->t = usable_target(c->idx, r->ipv6);
	c->ts = bpf_map_lookup_elem(&ikelb_tstats, &c->idx);
	if (!c->t || !c->ts)
		return false;
	if (!over_budget(c->idx, c->ts))
		return true;
	slot += IKELB_FAMILIES * IKELB_SLOTS;
	sl = bpf_map_lookup_elem(&ikelb_slots, &slot);
	if (!sl || !(t = usable_target(sl->target, r->ipv6)))
		return true;
	ts = bpf_map_lookup_elem(&ikelb_tstats, &sl->target);
	if (ts) {
		c->idx = sl->target;
		c->t = t;
		c->ts = ts;
	}
	return true;
}

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* One's-complement sum of an 8-byte word as loaded from memory. */
static __always_inline __u64 csum_word(__u64 w)
{
	return (w & 0xffffffff) + (w >> 32);
}

/* The first n (1..8) bytes of a loaded word; the rest is not ours. */
static __always_inline __u64 first_bytes(__u64 w, __u32 n)
{
	return n >= 8 ? w : w & ((1ull << (n * 8)) - 1);
}

/*
 * The response is written straight into the frame, where the request was.
 * Its checksum is summed as it is written: the IKE and notify headers from
 * their words, the identity and the nonce while they are copied (8 bytes at
 * a time).  Function calls are kept few: on CPUs with return-thunk
 * mitigations (e.g. AMD's Safe RET) each costs about 15 ns, several times
 * the whole of a bare reflector.
 */

/*
 * The notify's identity and nonce, gathered into scratch before the frame
 * is rewritten (the response may overwrite the request's nonce).  Returns
 * their total length, or -1.  The one global function: its two loops,
 * inlined after the payload walk and before the copy-out, would multiply
 * the verifier's states past its limit.
 */
__noinline int ikelb_gather(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_scratch *s = get_scratch();
	struct ikelb_target *t;
	struct ikelb_gw_id *gw;
	__u32 i, id_len, n, off;
	__u8 *src;

	if (!s)
		return -1;
	t = bpf_map_lookup_elem(&ikelb_targets, &s->target);
	if (!t)
		return -1;
	gw = &t->id[s->req.ipv6 ? 1 : 0];
	id_len = gw->len;
	for (i = 0; i < (IKE_GW_ID_MAX_LEN + 1) / 8; i++) {
		if (i * 8 >= id_len)
			break;
		*(__u64 *)(s->body + i * 8) = *(const __u64 *)(gw->data + i * 8);
	}
	n = s->req.nonce_len;
	off = s->req.nonce_off & MAX_PKT_OFF;
	if (n < 8 || n > IKE_NONCE_MAX)
		return -1;
	for (i = 0; i < IKE_NONCE_MAX / 8; i++) {
		if (i * 8 >= n)
			break;
		src = data + off + i * 8;
		if ((void *)(src + 8) <= data_end) {
			*(__u64 *)(s->body + id_len + i * 8) = *(__u64 *)src;
			continue;
		}
		/* the nonce ends the packet: its last 8 bytes, overlapping */
		src = data + off + (n - 8);
		if ((void *)(src + 8) > data_end)
			return -1;
		*(__u64 *)(s->body + id_len + (n - 8)) = *(__u64 *)src;
		break;
	}
	return id_len + n;
}

/*
 * Copies the gathered body (n bytes, at least 8) into the frame at off and
 * returns its folded sum, or -1.  Words that run past n are stored whole
 * when the frame has room (link-layer padding, if any, takes them).
 */
static __always_inline int put_body(void *data, void *data_end, __u32 off,
				    const __u8 *src, __u32 n)
{
	__u64 sum = 0;
	__u8 *dst;

	if (n < 8 || n > BODY_MAX)
		return -1;
	for (__u32 i = 0; i < (BODY_MAX + 7) / 8; i++) {
		__u64 w;

		if (i * 8 >= n)
			break;
		dst = data + (off & 0x3ff) + i * 8;
		w = *(const __u64 *)(src + i * 8);
		sum += csum_word(first_bytes(w, n - i * 8));
		if ((void *)(dst + 8) <= data_end) {
			*(__u64 *)dst = w;
			continue;
		}
		/* the frame ends here: the body's last 8 bytes, overlapping */
		dst = data + (off & 0x3ff) + (n - 8);
		if ((void *)(dst + 8) > data_end)
			return -1;
		*(__u64 *)dst = *(const __u64 *)(src + (n - 8));
		break;
	}
	return csum_fold(sum);
}

/*
 * IKE header and notify header over the request's header.  The request's
 * SPIi, zero SPIr, version, exchange type and zero message ID stay as they
 * are (check_ike_hdr verified them).  Returns their sum, or 0 if the frame
 * is too short.
 */
static __always_inline __u64 put_headers(void *data, void *data_end, const struct ike_req *r,
					 const struct ikelb_gw_id *gw, __u32 len)
{
	struct ike_hdr *h = data + (r->ike_off & 0xff);
	__u32 *w = (__u32 *)h;
	__u8 *id = (__u8 *)h + IKE_HDR_LEN + IKE_NOTIFY_HDR_LEN;
	__u32 flags, pl_len, n_type;
	__u16 id_hdr;

	if ((void *)(id + 2) > data_end)
		return 0;
	/*
	 * Whole words built in registers and summed from there: reading the
	 * words back after byte and half-word stores would stall on store
	 * forwarding.  Word 4 is next payload, version, exchange type, flags;
	 * check_ike_hdr allowed one version and exchange type only.
	 */
	flags = bpf_htonl((__u32)IKE_PL_NOTIFY << 24 | (__u32)IKE_VERSION_2 << 16 |
			  (__u32)IKE_EXCH_SA_INIT << 8 | IKE_FLAG_R);
	pl_len = bpf_htonl(len - IKE_HDR_LEN); /* next payload none, flags 0, length */
	n_type = bpf_htonl(IKE_N_REDIRECT);    /* protocol 0, SPI size 0, type */
	id_hdr = *(const __u16 *)gw; /* type and length, as they go on the wire */
	w[4] = flags;
	w[6] = bpf_htonl(len);
	w[7] = pl_len;
	w[8] = n_type;
	*(__u16 *)id = id_hdr;
	/* words 2, 3 (SPIr) and 5 (message ID) are zero */
	return (__u64)w[0] + w[1] + flags + bpf_htonl(len) + pl_len + n_type + id_hdr;
}

static __always_inline void swap_mac(struct ethhdr *eth)
{
	__u8 *p = (__u8 *)eth;
	__u32 d0 = *(__u32 *)p, s0 = *(__u32 *)(p + 6);
	__u16 d1 = *(__u16 *)(p + 4), s1 = *(__u16 *)(p + 10);

	*(__u32 *)p = s0;
	*(__u16 *)(p + 4) = s1;
	*(__u32 *)(p + 6) = d0;
	*(__u16 *)(p + 10) = d1;
}

/*
 * Addresses and ports swapped, lengths, TTL and checksums of the response.
 * Like put_headers, every sum is taken from registers, never from memory
 * just written in smaller pieces.
 */
static __always_inline int rewrite_headers(void *data, void *data_end,
					   const struct ike_req *r, __u32 ike_len,
					   __u64 payload_sum)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u32 ulen = sizeof(*udp) + (r->natt ? IKE_NON_ESP_MARKER_LEN : 0) + ike_len;
	__be16 sport, dport, ulen_be = bpf_htons(ulen);
	__u64 sum = payload_sum;
	__u16 csum;

	if ((void *)(eth + 1) > data_end)
		return -1;
	swap_mac(eth);
	if (!r->ipv6) {
		struct iphdr *ip = data + (r->l3_off & 0xff);
		__u32 *w = (__u32 *)ip;
		__u32 w0, w2, saddr, daddr;

		if ((void *)(ip + 1) > data_end)
			return -1;
		saddr = w[3];
		daddr = w[4];
		/* version, IHL, TOS and the new total length */
		w0 = bpf_htonl((bpf_ntohl(w[0]) & 0xffff0000) | (sizeof(*ip) + ulen));
		/* the new TTL, the protocol (parse_l3 allowed UDP only), a zero checksum */
		w2 = bpf_htonl((__u32)IKELB_REPLY_TTL << 24 | (__u32)IPPROTO_UDP_ << 16);
		w[0] = w0;
		w[2] = w2;
		w[3] = daddr;
		w[4] = saddr;
		ip->check = ~csum_fold((__u64)w0 + w[1] + w2 + saddr + daddr);
		sum += (__u64)saddr + daddr;
		udp = (void *)(ip + 1);
	} else {
		struct ipv6hdr *ip6 = data + (r->l3_off & 0xff);
		__u64 *a = (__u64 *)&ip6->saddr; /* source, then destination */
		__u64 s0, s1, d0, d1;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		s0 = a[0];
		s1 = a[1];
		d0 = a[2];
		d1 = a[3];
		a[0] = d0;
		a[1] = d1;
		a[2] = s0;
		a[3] = s1;
		ip6->payload_len = ulen_be;
		ip6->hop_limit = IKELB_REPLY_TTL;
		sum += csum_word(s0) + csum_word(s1) + csum_word(d0) + csum_word(d1);
		udp = (void *)(ip6 + 1);
	}
	if ((void *)(udp + 1) > data_end)
		return -1;
	sport = udp->source;
	dport = udp->dest;
	udp->source = dport;
	udp->dest = sport;
	udp->len = ulen_be;
	/* pseudo-header protocol and length, then the UDP header itself */
	sum += bpf_htons(IPPROTO_UDP_) + (__u32)ulen_be;
	sum += (__u32)sport + dport + ulen_be;
	csum = ~csum_fold(sum);
	udp->check = csum ? csum : 0xffff;
	return 0;
}

/*
 * The common case, without scratch: an IP identity (4 or 16 bytes) and a
 * nonce that lies at least a word beyond where the response puts it (as in
 * every real client's request: SA and KE come first), so the nonce moves
 * down within the frame in ascending words and the frame only shrinks.
 * Returns the sum of the identity and the moved nonce, -1 when the request
 * does not qualify (the frame is then untouched), or -2 when the frame
 * turned out too short part way (cannot happen after walk_payloads; the
 * nonce may then be half moved, so the request must not be answered).
 */
static __always_inline int move_body(void *data, void *data_end, const struct ike_req *r,
				     const struct ikelb_gw_id *gw)
{
	__u32 n = r->nonce_len, id_len = gw->len;
	__u32 src_off = r->nonce_off & MAX_PKT_OFF;
	__u32 dst_off = (r->ike_off & 0xff) + IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + id_len;
	__u8 *id = data + (r->ike_off & 0xff) + IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN;
	__u64 sum = 0, w;
	__u8 *src, *dst;

	if ((id_len != 4 && id_len != 16) || dst_off + 8 > src_off || n < 8 ||
	    n > IKE_NONCE_MAX || (void *)(id + 16) > data_end)
		return -1;
	for (__u32 i = 0; i < IKE_NONCE_MAX / 8; i++) {
		if (i * 8 >= n)
			break;
		src = data + src_off + i * 8;
		dst = data + (dst_off & 0x1ff) + i * 8;
		if ((void *)(src + 8) <= data_end && (void *)(dst + 8) <= data_end) {
			/* bytes past the nonce go too: resize() cuts them off */
			w = *(__u64 *)src;
			*(__u64 *)dst = w;
			sum += csum_word(first_bytes(w, n - i * 8));
			continue;
		}
		/* the nonce's last 8 bytes, overlapping what is already moved;
		 * only its last n - i * 8 bytes are new to the sum */
		src = data + src_off + (n - 8);
		dst = data + (dst_off & 0x1ff) + (n - 8);
		if ((void *)(src + 8) > data_end || (void *)(dst + 8) > data_end)
			return -2;
		w = *(__u64 *)src;
		*(__u64 *)dst = w;
		sum += csum_word(w >> ((8 - (n - i * 8)) * 8));
		break;
	}
	if (id_len == 4) {
		*(__u32 *)id = *(const __u32 *)gw->data;
		sum += *(const __u32 *)gw->data;
	} else {
		((__u64 *)id)[0] = ((const __u64 *)gw->data)[0];
		((__u64 *)id)[1] = ((const __u64 *)gw->data)[1];
		sum += csum_word(((const __u64 *)gw->data)[0]) +
		       csum_word(((const __u64 *)gw->data)[1]);
	}
	return csum_fold(sum);
}

/*
 * Resizes the frame to the response: relative to the IP packet's end rather
 * than data_end, which would need pointer subtraction (CAP_PERFMON);
 * link-layer padding, if any, stays.
 */
static __always_inline int resize(struct xdp_md *ctx, const struct ike_req *r, __u32 len)
{
	return bpf_xdp_adjust_tail(ctx, (int)((r->ike_off & 0xff) + len) -
						(int)(r->ip_end & MAX_PKT_OFF));
}

/* Turns the request into the REDIRECT response; 0 when ready for XDP_TX. */
static __always_inline int build_redirect(struct xdp_md *ctx, struct ikelb_scratch *s,
					  const struct ikelb_target *t)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct ikelb_gw_id *gw;
	struct ike_req *r;
	__u32 len;
	int body, body_sum;
	__u64 sum;

	r = &s->req;
	gw = &t->id[r->ipv6 ? 1 : 0];
	len = IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + gw->len + r->nonce_len;
	body_sum = move_body(data, data_end, r, gw);
	if (body_sum == -2)
		return -1;
	if (body_sum >= 0) {
		sum = put_headers(data, data_end, r, gw, len);
		if (!sum || resize(ctx, r, len))
			return -1;
	} else {
		/* anything else goes through scratch */
		body = ikelb_gather(ctx);
		if (body < 8 || body > BODY_MAX)
			return -1;
		len = IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + body;
		if (resize(ctx, r, len))
			return -1;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		sum = put_headers(data, data_end, r, gw, len);
		if (!sum)
			return -1;
		/* the body starts at an even offset of the UDP datagram */
		body_sum = put_body(data, data_end, (r->ike_off & 0xff) + IKE_HDR_LEN +
				    IKE_REDIRECT_FIXED_LEN, s->body, body);
		if (body_sum < 0)
			return -1;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	return rewrite_headers(data, data_end, r, len, sum + (__u64)body_sum);
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
	struct choice c = {};
	__u32 zero = 0;
	enum verdict v;

	cfg = bpf_map_lookup_elem(&ikelb_config, &zero);
	cnt = bpf_map_lookup_elem(&ikelb_counters, &zero);
	if (!cfg || !cnt || !s)
		return XDP_PASS;

	v = classify(data, data_end, cfg, &s->req);
	if (v == V_REDIRECT)
		v = walk_payloads(ctx);
	if (v == V_UNSUPPORTED)
		v = cfg->unsupported_action == IKELB_ACT_DROP ? V_DROP : V_PASS;
	if (v != V_REDIRECT) {
		count(cnt, s->req.reason);
		return v == V_DROP ? XDP_DROP : XDP_PASS;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (!pick_target(data, data_end, &s->req, &c)) {
		count(cnt, IKELB_CNT_NO_TARGET);
		return cfg->no_target_action == IKELB_ACT_DROP ? XDP_DROP : XDP_PASS;
	}
	s->target = c.idx;
	if (build_redirect(ctx, s, c.t)) {
		/* Possibly half rewritten: never let it reach the stack. */
		count(cnt, IKELB_CNT_ERROR);
		return XDP_DROP;
	}
	c.ts->redirects++;
	count(cnt, IKELB_CNT_REDIRECTED);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
