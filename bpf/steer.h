/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Steering (unsupported_action IKELB_ACT_STEER; docs/xdp.md, "Steering"):
 * a frame to a VIP that no REDIRECT can serve is sent on unchanged but for
 * its Ethernet addresses -- to the chosen gateway's MAC, from this
 * interface's own -- with XDP_TX, or passed to this node's own stack when
 * the gateway is this node.  The gateways hold the VIP on a non-ARPing
 * device and answer the client themselves (layer 2 direct server return).
 *
 *   an IKE_SA_INIT request that cannot be redirected: the target the
 *       REDIRECT would name (target.h), if it can be steered to
 *   any other IKEv2 message: the label of the gateway's SPI, the first
 *       byte of SPIr when the sender is the original initiator (I set),
 *       else of SPIi
 *   ESP, ESP in UDP: the label, the first byte of the SPI
 *   IP fragments: the first by what it carries; the later ones as the
 *       first went (map "frags")
 *   a NAT-T keepalive: dropped, no gateway needs it
 *
 * A label names its gateway in map "labels".  No state is kept per SA: a
 * new master steers the same way at once.  Only the fragments' records
 * live on one node, and they live for the milliseconds between the
 * fragments of a datagram.
 *
 * ikelb_steer is a global function: verified once, on its own, rather
 * than on every path of the program's main function that leads to it.
 */
#ifndef IKELB_BPF_STEER_H
#define IKELB_BPF_STEER_H

#include "answer.h"
#include "target.h"

#define NATT_KEEPALIVE_BYTE 0xff
#define ESP_HDR_LEN 8 /* SPI and sequence number */

/* The IPv6 fragment header (RFC 8200 4.5). */
struct frag6_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3 | M */
	__be32 id;
};

#define IP_OFFSET_MASK 0x1fff
#define FRAG6_MORE 1

/* The label's gateway, when the label says where: sent on, or here. */
static __always_inline bool steerable(const struct ikelb_target *t)
{
	__u32 label = t->steer_label;
	struct ikelb_steer *e;

	if (!label)
		return false;
	e = bpf_map_lookup_elem(&ikelb_labels, &label);
	return e && (e->state == IKELB_STEER_TX || e->state == IKELB_STEER_LOCAL);
}

/*
 * The frame to the label's gateway: outcome `steered` (MACs rewritten, or
 * *local for this node), or why it cannot go.
 */
static __always_inline int to_label(void *data, void *data_end, const struct ikelb_config *cfg,
				    __u32 label, int steered, bool *local)
{
	struct ikelb_steer *e = bpf_map_lookup_elem(&ikelb_labels, &label);
	__u8 *p = data;

	if (!e)
		return IKELB_CNT_STEER_UNKNOWN_LABEL;
	switch (e->state) {
	case IKELB_STEER_TX:
		if ((void *)(p + 12) > data_end)
			return IKELB_CNT_PASS_NOT_IP;
		*(__u32 *)p = *(const __u32 *)e->mac;
		*(__u16 *)(p + 4) = *(const __u16 *)(e->mac + 4);
		*(__u32 *)(p + 6) = *(const __u32 *)cfg->mac;
		*(__u16 *)(p + 10) = *(const __u16 *)(cfg->mac + 4);
		return steered;
	case IKELB_STEER_LOCAL:
		*local = true;
		return steered;
	case IKELB_STEER_DEAD:
		return IKELB_CNT_STEER_DEAD;
	case IKELB_STEER_NO_MAC:
		return IKELB_CNT_STEER_NO_MAC;
	default:
		return IKELB_CNT_STEER_UNKNOWN_LABEL;
	}
}

/*
 * An IKE_SA_INIT request: the target a REDIRECT would name, or, when that
 * one cannot be steered to, its slot's target in the spill table.  Counted
 * like a REDIRECT: a new client for that target (the balancer's estimate).
 */
static __always_inline int init_label(void *data, void *data_end, const struct ikelb_config *cfg,
				      const struct ikelb_request *r, __u32 *label)
{
	struct ike_hdr *ike = data + hdr_off(r->ike_off);
	struct ikelb_target *t;
	struct choice c = {};
	__u32 slot, idx;
	__u64 spi;

	if (!pick_target(data, data_end, cfg, r, &c))
		return IKELB_CNT_NO_TARGET;
	if (!steerable(c.t)) {
		if ((void *)(ike + 1) > data_end)
			return IKELB_CNT_NO_TARGET;
		__builtin_memcpy(&spi, ike->spi_i, sizeof(spi));
		slot = ikelb_slot_of_spi(spi) + (r->ipv6 ? IKELB_SLOTS : 0);
		idx = slot_target(slot + IKELB_FAMILIES * IKELB_SLOTS);
		t = usable_target(cfg, idx, r->ipv6);
		if (!t || !steerable(t))
			return IKELB_CNT_STEER_NO_MAC;
		c.ts = bpf_map_lookup_elem(&ikelb_tstats, &idx);
		if (!c.ts)
			return IKELB_CNT_STEER_NO_MAC;
		c.t = t;
	}
	c.ts->redirects++;
	*label = c.t->steer_label;
	return GO_ON;
}

/* An IKE message's label: the first byte of the gateway's SPI, SPIr when
 * the sender is the SA's original initiator, else SPIi. */
static __always_inline int ike_label(void *data, void *data_end, __u32 off, __u32 *label)
{
	struct ike_hdr *ike = data + hdr_off(off);
	__u64 spi_i, spi_r, spi;

	if ((void *)(ike + 1) > data_end || (ike->version & IKE_MAJOR_MASK) != IKE_VERSION_2)
		return IKELB_CNT_PASS_NOT_REQUEST;
	/* both loaded, one chosen: a pointer chosen by the flag would be
	 * a variable offset the verifier no longer bounds */
	__builtin_memcpy(&spi_i, ike->spi_i, sizeof(spi_i));
	__builtin_memcpy(&spi_r, ike->spi_r, sizeof(spi_r));
	spi = ike->flags & IKE_FLAG_I ? spi_r : spi_i;
	/* no gateway SPI yet: not a message of an SA (a broken request) */
	if (!spi)
		return IKELB_CNT_PASS_NOT_REQUEST;
	*label = (__u32)(spi & 0xff); /* the first byte on the wire */
	return GO_ON;
}

/* ESP's label: the first byte of its SPI.  No label is 0, so the
 * reserved SPIs 0..255 never reach a gateway. */
static __always_inline int esp_label(void *data, void *data_end, __u32 off, __u32 *label)
{
	__u8 *spi = data + hdr_off(off);

	if ((void *)(spi + ESP_HDR_LEN) > data_end)
		return IKELB_CNT_PASS_OTHER;
	*label = spi[0];
	return GO_ON;
}

/* UDP to a NAT-T port without the non-ESP marker: a keepalive (RFC 3948
 * 2.3: one byte 0xff), or ESP in UDP. */
static __always_inline int natt_label(void *data, void *data_end, __u32 l4, __u32 *label)
{
	struct udphdr *udp = data + hdr_off(l4);
	__u8 *p = (__u8 *)(udp + 1);

	if ((void *)(p + 1) > data_end)
		return IKELB_CNT_PASS_NOT_IKE;
	if (udp->len == bpf_htons(sizeof(*udp) + 1) && p[0] == NATT_KEEPALIVE_BYTE)
		return IKELB_CNT_NATT_KEEPALIVE;
	if (bpf_ntohs(udp->len) < sizeof(*udp) + ESP_HDR_LEN)
		return IKELB_CNT_PASS_NOT_IKE;
	return esp_label(data, data_end, l4 + sizeof(*udp), label);
}

/*
 * What a first fragment carries decides where it goes, as for a whole
 * datagram: ESP, ESP in UDP, an IKE_SA_INIT request (whose payloads may
 * lie in the later fragments: it is steered, never answered), another IKE
 * message.  Anything else is passed.  Sets *steered to its outcome.
 */
static __always_inline int first_fragment(void *data, void *data_end,
					  const struct ikelb_config *cfg, struct ikelb_request *r,
					  __u8 proto, __u32 l4, __u32 *label, int *steered)
{
	struct udphdr *udp = data + hdr_off(l4);
	struct ike_hdr *ike;
	__u32 off = l4 + sizeof(*udp);
	__u64 spi_r;
	int pi;

	if (proto == IPPROTO_ESP_) {
		*steered = IKELB_CNT_STEERED_ESP;
		return esp_label(data, data_end, l4, label);
	}
	if (proto != IPPROTO_UDP_ || (void *)(udp + 1) > data_end)
		return IKELB_CNT_PASS_FRAGMENT;
	pi = port_index(cfg, udp->dest);
	if (pi < 0)
		return IKELB_CNT_PASS_FRAGMENT;
	if (cfg->port_natt[pi & (IKELB_MAX_PORTS - 1)]) {
		__u32 *marker = data + hdr_off(off);

		if ((void *)(marker + 1) > data_end)
			return IKELB_CNT_PASS_FRAGMENT;
		if (*marker) {
			*steered = IKELB_CNT_STEERED_ESP;
			return esp_label(data, data_end, off, label);
		}
		off += IKE_NON_ESP_MARKER_LEN;
	}
	ike = data + hdr_off(off);
	if ((void *)(ike + 1) > data_end)
		return IKELB_CNT_PASS_FRAGMENT;
	__builtin_memcpy(&spi_r, ike->spi_r, sizeof(spi_r));
	if ((ike->version & IKE_MAJOR_MASK) == IKE_VERSION_2 &&
	    ike->exchange == IKE_EXCH_SA_INIT &&
	    (ike->flags & (IKE_FLAG_I | IKE_FLAG_R)) == IKE_FLAG_I && ike->msg_id == 0 &&
	    spi_r == 0) {
		*steered = IKELB_CNT_STEERED_INIT;
		r->ike_off = off;
		return init_label(data, data_end, cfg, r, label);
	}
	*steered = IKELB_CNT_STEERED_IKE;
	return ike_label(data, data_end, off, label);
}

/*
 * An IP fragment to a VIP.  The first (offset 0) goes by what it carries,
 * and where it went is recorded under the datagram's reassembly key; a
 * later one goes where the record says.  A later fragment without a
 * record (it overtook its first, or the record was lost: evicted, or
 * another node was master then) is dropped: it cannot be completed
 * anywhere it could be sent, and the client sends the message again.
 */
static __always_inline int frag_label(void *data, void *data_end, const struct ikelb_config *cfg,
				      struct ikelb_request *r, __u32 *label, int *steered)
{
	struct ikelb_frag_key k = {};
	struct ikelb_frag rec = {}, *f;
	__u32 l3 = hdr_off(r->l3_off), l4;
	bool first, more;
	__u8 proto;
	int out;

	if (!r->ipv6) {
		struct iphdr *ip = data + l3;

		if ((void *)(ip + 1) > data_end)
			return IKELB_CNT_PASS_NOT_IP;
		*(__u32 *)k.src = ip->saddr;
		*(__u32 *)k.dst = ip->daddr;
		k.id = ip->id;
		k.family = IKELB_FAM_V4;
		proto = ip->protocol;
		first = !(ip->frag_off & bpf_htons(IP_OFFSET_MASK));
		more = true; /* a first fragment has MF set, or it is none */
		l4 = l3 + sizeof(*ip);
	} else {
		struct ipv6hdr *ip6 = data + l3;
		struct frag6_hdr *fh = (void *)(ip6 + 1);

		if ((void *)(fh + 1) > data_end)
			return IKELB_CNT_PASS_NOT_IP;
		__builtin_memcpy(k.src, &ip6->saddr, 16);
		__builtin_memcpy(k.dst, &ip6->daddr, 16);
		k.id = fh->id;
		k.family = IKELB_FAM_V6;
		proto = fh->nexthdr;
		first = !(fh->frag_off & bpf_htons(0xfff8));
		more = fh->frag_off & bpf_htons(FRAG6_MORE);
		l4 = l3 + sizeof(*ip6) + sizeof(*fh);
	}
	k.proto = proto;
	if (!first) {
		*steered = IKELB_CNT_STEERED_FRAGMENT;
		f = bpf_map_lookup_elem(&ikelb_frags, &k);
		if (!f)
			return IKELB_CNT_STEER_FRAGMENT_UNKNOWN;
		if (!f->label)
			return IKELB_CNT_PASS_FRAGMENT;
		*label = f->label;
		return GO_ON;
	}
	out = first_fragment(data, data_end, cfg, r, proto, l4, label, steered);
	/* an IPv6 "atomic" fragment (offset 0, M clear) has no later ones */
	if (more) {
		rec.label = out == GO_ON ? (__u8)*label : 0;
		bpf_map_update_elem(&ikelb_frags, &k, &rec, BPF_ANY);
	}
	return out;
}

/* The verdict of a steering outcome. */
static __always_inline int steer_verdict(const struct ikelb_config *cfg, int out, int steered,
					 bool local)
{
	switch (out) {
	case IKELB_CNT_STEERED_INIT:
	case IKELB_CNT_STEERED_IKE:
	case IKELB_CNT_STEERED_ESP:
	case IKELB_CNT_STEERED_FRAGMENT:
		return local ? XDP_PASS : XDP_TX;
	case IKELB_CNT_NO_TARGET:
		return cfg->no_target_action == IKELB_ACT_DROP ? XDP_DROP : XDP_PASS;
	case IKELB_CNT_STEER_NO_MAC:
		/* a new client may be served here (as with no target); a
		 * packet of an SA only where its gateway is */
		if (steered == IKELB_CNT_STEERED_INIT)
			return cfg->no_target_action == IKELB_ACT_DROP ? XDP_DROP : XDP_PASS;
		return XDP_DROP;
	case IKELB_CNT_PASS_NOT_IP:
	case IKELB_CNT_PASS_OTHER:
	case IKELB_CNT_PASS_FRAGMENT:
	case IKELB_CNT_PASS_NOT_IKE:
	case IKELB_CNT_PASS_NOT_REQUEST:
	case IKELB_CNT_PASS_NOT_OUR_MAC:
		return XDP_PASS;
	default:
		/* unknown or dead labels, fragments without a record,
		 * keepalives: nothing anywhere needs them */
		return XDP_DROP;
	}
}

/*
 * A frame the main function handed over as `kind` (parse.h: STEER_*):
 * counts its outcome and returns its verdict.
 */
__noinline int ikelb_steer(struct xdp_md *ctx, int kind)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct scratch *s = get_scratch();
	struct ikelb_counters *cnt;
	struct ikelb_config *cfg;
	int out, steered = IKELB_CNT_STEERED_IKE;
	__u32 zero = 0, label = 0;
	bool local = false;

	cfg = bpf_map_lookup_elem(&ikelb_config, &zero);
	cnt = bpf_map_lookup_elem(&ikelb_counters, &zero);
	if (!cfg || !cnt || !s)
		return XDP_PASS;
	if (data + sizeof(struct ethhdr) > data_end)
		return XDP_PASS;
	/* what parse_udp checks for IKE, for ESP and fragments too: never
	 * send on a frame that was not sent to this node */
	if (!our_mac(data, cfg)) {
		out = IKELB_CNT_PASS_NOT_OUR_MAC;
	} else if (kind == STEER_INIT) {
		steered = IKELB_CNT_STEERED_INIT;
		out = init_label(data, data_end, cfg, &s->req, &label);
	} else if (kind == STEER_IKE) {
		out = ike_label(data, data_end, s->req.ike_off, &label);
	} else if (kind == STEER_ESP) {
		steered = IKELB_CNT_STEERED_ESP;
		out = esp_label(data, data_end, s->req.l4_off, &label);
	} else if (kind == STEER_NATT) {
		steered = IKELB_CNT_STEERED_ESP;
		out = natt_label(data, data_end, s->req.l4_off, &label);
	} else if (kind == STEER_FRAG) {
		out = frag_label(data, data_end, cfg, &s->req, &label, &steered);
	} else {
		out = IKELB_CNT_PASS_OTHER;
	}
	if (out == GO_ON)
		out = to_label(data, data_end, cfg, label & (IKELB_STEER_LABELS - 1), steered,
			       &local);
	count(cnt, out);
	if (local)
		count(cnt, IKELB_CNT_STEERED_LOCAL);
	return steer_verdict(cfg, out, steered, local);
}

#endif
