/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Building an answer in place: the request's frame becomes the IKE_SA_INIT
 * response (SPIi copied, SPIr 0, R set, message ID 0) with one Notify,
 * REDIRECT (RFC 5685) or COOKIE (RFC 7296 2.6), sent back from the address
 * and port the request was sent to.  The frame only ever shrinks: the
 * program never answers with more bytes than the request had.
 *
 * Checksums are summed as the answer is written, from the words in
 * registers: reading words back after byte and half-word stores would
 * stall on store forwarding.  Function calls are kept few: on CPUs with
 * return-thunk mitigations (e.g. AMD's Safe RET) each costs about 15 ns,
 * several times the whole of a bare reflector.
 */
#ifndef IKELB_BPF_ANSWER_H
#define IKELB_BPF_ANSWER_H

#include "bounds.h"
#include "csum.h"
#include "maps.h"

/* TOS / traffic class of every answer: 0.  The request's ECN bits say what
 * its own path saw; copied back they would tell a path's congestion (CE)
 * to the wrong sender (RFC 3168). */
#define IPV4_W0_KEEP 0xff000000u /* version and IHL */
#define IPV6_W0_KEEP 0xf00fffffu /* version and flow label */

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ikelb_scratch, &zero);
}

/*
 * IKE header and Notify header over the request's header, for an answer of
 * len bytes whose Notify is of type ntype.  The request's SPIi, zero SPIr,
 * exchange type and zero message ID stay as they are (parse_ike_hdr
 * checked them); next payload, version (2.0, whatever minor version the
 * request had), flags and lengths are written.  Returns their sum, or 0
 * when the frame is too short.
 */
static __always_inline __u64 put_headers(void *data, void *data_end, const struct ikelb_request *r,
					 __u32 len, __u16 ntype)
{
	struct ike_hdr *h = data + hdr_off(r->ike_off);
	__u32 *w = (__u32 *)h;
	__u32 word4, pl_len, n_type;

	if ((void *)(w + 9) > data_end)
		return 0;
	/* word 4: next payload, version, exchange type, flags (R only) */
	word4 = bpf_htonl((__u32)IKE_PL_NOTIFY << 24 | (__u32)IKE_VERSION_2 << 16 |
			  (__u32)IKE_EXCH_SA_INIT << 8 | IKE_FLAG_R);
	pl_len = bpf_htonl(len - IKE_HDR_LEN); /* next payload none, flags 0, length */
	n_type = bpf_htonl(ntype); /* protocol 0, SPI size 0, type */
	w[4] = word4;
	w[6] = bpf_htonl(len);
	w[7] = pl_len;
	w[8] = n_type;
	/* words 2, 3 (SPIr) and 5 (message ID) are zero */
	return (__u64)w[0] + w[1] + word4 + bpf_htonl(len) + pl_len + n_type;
}

/*
 * The notify's identity and nonce, gathered into scratch before the frame
 * is rewritten (the answer may overwrite the request's nonce).  Returns
 * their total length, or -1.  A global function: its two loops, inlined
 * after the payload walk and before the copy-out, would multiply the
 * verifier's states past its limit.
 */
__noinline int ikelb_gather(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct scratch *s = get_scratch();
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
	off = msg_off(s->req.nonce_off);
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
 * when the frame has room (the resize cuts them off).
 */
static __always_inline int put_body(void *data, void *data_end, __u32 off, const __u8 *src,
				    __u32 n)
{
	__u64 sum = 0;
	__u8 *dst;

	if (n < 8 || n > BODY_MAX)
		return -1;
	for (__u32 i = 0; i < (BODY_MAX + 7) / 8; i++) {
		__u64 w;

		if (i * 8 >= n)
			break;
		dst = data + body_off(off) + i * 8;
		w = *(const __u64 *)(src + i * 8);
		sum += csum_word(first_bytes(w, n - i * 8));
		if ((void *)(dst + 8) <= data_end) {
			*(__u64 *)dst = w;
			continue;
		}
		/* the frame ends here: the body's last 8 bytes, overlapping */
		dst = data + body_off(off) + (n - 8);
		if ((void *)(dst + 8) > data_end)
			return -1;
		*(__u64 *)dst = *(const __u64 *)(src + (n - 8));
		break;
	}
	return csum_fold(sum);
}

/*
 * The common case, without scratch: an IP identity (4 or 16 bytes) and a
 * nonce that lies at least a word beyond where the answer puts it (as in
 * every real client's request: SA and KE come first), so the nonce moves
 * down within the frame in ascending words.  Writes the identity's type,
 * length and data and the nonce; returns their sum, -1 when the request
 * does not qualify (the frame is then untouched), or -2 when the frame
 * turned out too short part way (cannot happen after walk_payloads; the
 * nonce may then be half moved, so the request must not be answered).
 */
static __always_inline int move_body(void *data, void *data_end, const struct ikelb_request *r,
				     const struct ikelb_gw_id *gw, __u16 id_hdr)
{
	__u32 n = r->nonce_len, id_len = id_hdr >> 8;
	__u32 src_off = msg_off(r->nonce_off);
	__u32 dst_off = hdr_off(r->ike_off) + IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + id_len;
	__u8 *id = data + hdr_off(r->ike_off) + IKE_HDR_LEN + IKE_NOTIFY_HDR_LEN;
	__u64 sum = 0, w;
	__u8 *src, *dst;

	if ((id_len != 4 && id_len != 16) || dst_off + 8 > src_off || n < 8 ||
	    n > IKE_NONCE_MAX || (void *)(id + 2 + 16) > data_end)
		return -1;
	for (__u32 i = 0; i < IKE_NONCE_MAX / 8; i++) {
		if (i * 8 >= n)
			break;
		src = data + src_off + i * 8;
		dst = data + body_off(dst_off) + i * 8;
		if ((void *)(src + 8) <= data_end && (void *)(dst + 8) <= data_end) {
			/* bytes past the nonce go too: the resize cuts them off */
			w = *(__u64 *)src;
			*(__u64 *)dst = w;
			sum += csum_word(first_bytes(w, n - i * 8));
			continue;
		}
		/* the nonce's last 8 bytes, overlapping what is already moved;
		 * only its last n - i * 8 bytes are new to the sum */
		src = data + src_off + (n - 8);
		dst = data + body_off(dst_off) + (n - 8);
		if ((void *)(src + 8) > data_end || (void *)(dst + 8) > data_end)
			return -2;
		w = *(__u64 *)src;
		*(__u64 *)dst = w;
		sum += csum_word(w >> ((8 - (n - i * 8)) * 8));
		break;
	}
	*(__u16 *)id = id_hdr;
	sum += id_hdr;
	if (id_len == 4) {
		*(__u32 *)(id + 2) = *(const __u32 *)gw->data;
		sum += *(const __u32 *)gw->data;
	} else {
		*(__u64 *)(id + 2) = ((const __u64 *)gw->data)[0];
		*(__u64 *)(id + 10) = ((const __u64 *)gw->data)[1];
		sum += csum_word(((const __u64 *)gw->data)[0]) +
		       csum_word(((const __u64 *)gw->data)[1]);
	}
	return csum_fold(sum);
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
 * MACs, addresses and ports swapped; lengths, TTL, TOS and checksums of
 * the answer, whose IKE message is ike_len bytes and sums to payload_sum.
 */
static __always_inline int rewrite_headers(void *data, void *data_end, const struct ikelb_request *r,
					   __u32 ike_len, __u64 payload_sum)
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
		struct iphdr *ip = data + hdr_off(r->l3_off);
		__u32 *w = (__u32 *)ip;
		__u32 w0, w2, saddr, daddr;

		if ((void *)(ip + 1) > data_end)
			return -1;
		saddr = w[3];
		daddr = w[4];
		/* version and IHL, TOS 0, the new total length */
		w0 = bpf_htonl((bpf_ntohl(w[0]) & IPV4_W0_KEEP) | (sizeof(*ip) + ulen));
		/* the new TTL, the protocol (UDP), a zero checksum */
		w2 = bpf_htonl((__u32)IKELB_REPLY_TTL << 24 | (__u32)IPPROTO_UDP_ << 16);
		w[0] = w0;
		w[2] = w2;
		w[3] = daddr;
		w[4] = saddr;
		ip->check = ~csum_fold((__u64)w0 + w[1] + w2 + saddr + daddr);
		sum += (__u64)saddr + daddr;
		udp = (void *)(ip + 1);
	} else {
		struct ipv6hdr *ip6 = data + hdr_off(r->l3_off);
		__u32 *w = (__u32 *)ip6;
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
		w[0] &= bpf_htonl(IPV6_W0_KEEP); /* traffic class 0 */
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
 * Cuts the frame to the answer: relative to the IP packet's end rather
 * than data_end, which would need pointer subtraction (CAP_PERFMON);
 * link-layer padding, if any, stays.
 */
static __always_inline int resize(struct xdp_md *ctx, const struct ikelb_request *r, __u32 len)
{
	return bpf_xdp_adjust_tail(ctx, (int)(hdr_off(r->ike_off) + len) -
						(int)msg_off(r->ip_end));
}

/* The REDIRECT's IKE length for identity gw. */
static __always_inline __u32 redirect_len(const struct ikelb_request *r, const struct ikelb_gw_id *gw)
{
	return IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + gw->len + r->nonce_len;
}

/* Turns the request into the REDIRECT answer; 0 when ready for XDP_TX. */
static __always_inline int build_redirect(struct xdp_md *ctx, struct scratch *s,
					  const struct ikelb_target *t)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_request *r = &s->req;
	const struct ikelb_gw_id *gw = &t->id[r->ipv6 ? 1 : 0];
	/* the identity's type and length (as they go on the wire), read once:
	 * user space may rewrite the target meanwhile, and the answer's
	 * length, header and body must agree, and never exceed the request */
	__u16 id_hdr = *(volatile const __u16 *)gw;
	__u32 len = IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + (id_hdr >> 8) + r->nonce_len;
	int body, body_sum;
	__u64 sum;

	if (len > r->ike_len)
		return -1;
	body_sum = move_body(data, data_end, r, gw, id_hdr);
	if (body_sum == -2)
		return -1;
	if (body_sum >= 0) {
		sum = put_headers(data, data_end, r, len, IKE_N_REDIRECT);
		if (!sum || resize(ctx, r, len))
			return -1;
	} else {
		/* anything else goes through scratch */
		body = ikelb_gather(ctx);
		/* gathered from the target as it was then: the same length */
		if (body < 8 || body > BODY_MAX || (__u32)body != (id_hdr >> 8) + r->nonce_len)
			return -1;
		len = IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + body;
		if (resize(ctx, r, len))
			return -1;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
		sum = put_headers(data, data_end, r, len, IKE_N_REDIRECT);
		if (!sum)
			return -1;
		{
			/* GW identity type and length, then the body at an even
			 * offset of the datagram */
			__u8 *id = data + hdr_off(r->ike_off) + IKE_HDR_LEN + IKE_NOTIFY_HDR_LEN;
			if ((void *)(id + 2) > data_end)
				return -1;
			*(__u16 *)id = id_hdr;
			sum += id_hdr;
		}
		body_sum = put_body(data, data_end,
				    hdr_off(r->ike_off) + IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN, s->body,
				    body);
		if (body_sum < 0)
			return -1;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	return rewrite_headers(data, data_end, r, len, sum + (__u64)body_sum);
}

#define COOKIE_ANSWER_LEN (IKE_HDR_LEN + IKE_NOTIFY_HDR_LEN + IKELB_COOKIE_LEN)

/*
 * Turns the request into an IKE_SA_INIT response carrying only N(COOKIE):
 * version, then the hash's 8 bytes.  0 when ready for XDP_TX.
 */
static __always_inline int build_cookie(struct xdp_md *ctx, const struct ikelb_request *r,
					__u8 version, __u64 hash)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *c = data + hdr_off(r->ike_off) + IKE_HDR_LEN + IKE_NOTIFY_HDR_LEN;
	__u64 sum, first = (__u64)version | hash << 8;
	__u8 last = (__u8)(hash >> 56);

	if ((void *)(c + IKELB_COOKIE_LEN) > data_end)
		return -1;
	/* the cookie starts at an even offset of the datagram: its first 8
	 * bytes sum as a word, its ninth as the high byte of a 16-bit word
	 * (the low byte in memory order) */
	*(__u64 *)c = first;
	c[8] = last;
	sum = put_headers(data, data_end, r, COOKIE_ANSWER_LEN, IKE_N_COOKIE);
	if (!sum || resize(ctx, r, COOKIE_ANSWER_LEN))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	return rewrite_headers(data, data_end, r, COOKIE_ANSWER_LEN,
			       sum + csum_word(first) + last);
}

#endif
