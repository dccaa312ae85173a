// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ikelb XDP fast path: answer an IKE_SA_INIT request sent to the VIP with
 * an RFC 5685 REDIRECT (or, with cookies on, first with an RFC 7296 2.6
 * COOKIE), rewritten in place and sent back with XDP_TX.  This file reads
 * top-down as a frame's path; docs/xdp.md describes it, the maps, the
 * counters, the limits, the cookies and the wire facts it relies on.
 *
 *   parse.h    is it for us: headers, lengths, source, checksums, payloads
 *   target.h   which target a new client goes to: slots, budgets, spill
 *   steer.h    steering: frames a REDIRECT cannot serve, sent on at layer 2
 *   cookie.h   stateless cookies (SipHash-2-4, siphash.h)
 *   limits.h   answer limits per source and per node
 *   answer.h   the REDIRECT or COOKIE answer, built in place
 *   maps.h     the maps; bounds.h the verifier's bounds; csum.h checksums
 *
 * Everything that is not an IKE_SA_INIT request to a VIP this node holds
 * passes untouched, unless steering is on ([redirect] unsupported = steer):
 * then what no REDIRECT can serve (requests without redirect support, and
 * every later IKE, ESP and fragment to the VIP) goes on to its gateway at
 * layer 2 (steer.h).  Only BPF features of Linux 5.15 are used.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the checksum and hash code loads words as little-endian: see docs/xdp.md"
#endif

#include "ikelb.h"
#include "maps.h"
#include "parse.h"
#include "cookie.h"
#include "limits.h"
#include "answer.h"
#include "target.h"
#include "steer.h"

/*
 * With cookies on: GO_ON for a request whose first payload is a COOKIE
 * that verifies under the current or the previous secret; any other
 * request is answered with a fresh cookie (within the answer limits).
 * With no secret set, cookies cannot be made and are not asked for.
 */
static __always_inline int check_cookie(struct xdp_md *ctx, const struct ikelb_config *cfg,
					struct ikelb_counters *cnt, struct scratch *s)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ikelb_cookie_secret *e0, *e1, *cur, *e;
	struct ikelb_request *r = &s->req;
	__u32 k0 = 0, k1 = 1;
	__u64 hash = 0, have;
	int out;

	e0 = bpf_map_lookup_elem(&ikelb_cookies, &k0);
	e1 = bpf_map_lookup_elem(&ikelb_cookies, &k1);
	if (!e0 || !e1)
		return IKELB_CNT_ERROR;
	cur = current_secret(e0, e1);
	if (!cur)
		return GO_ON;
	if (r->cookie_off) {
		__u8 *c = data + msg_off(r->cookie_off);

		if ((void *)(c + IKELB_COOKIE_LEN) > data_end)
			return IKELB_CNT_DROP_MALFORMED;
		e = c[0] & 1 ? e1 : e0;
		if (r->cookie_len == IKELB_COOKIE_LEN && e->valid && e->version == c[0]) {
			__builtin_memcpy(&have, c + 1, sizeof(have));
			if (!cookie_hash(data, data_end, r, e, &hash))
				return IKELB_CNT_ERROR;
			if (hash == have) {
				count(cnt, IKELB_CNT_COOKIE_VALID);
				return GO_ON;
			}
		}
		count(cnt, IKELB_CNT_COOKIE_INVALID);
		if (!(r->cookie_len == IKELB_COOKIE_LEN && e == cur && e->version == c[0]))
			hash = 0;
	}
	if (COOKIE_ANSWER_LEN > r->ike_len)
		return IKELB_CNT_DROP_TOO_BIG;
	/* the limits first: a flood that they hold back costs no hash */
	out = check_limits(data, data_end, cfg, s);
	if (out != GO_ON)
		return out;
	if (!hash && !cookie_hash(data, data_end, r, cur, &hash))
		return IKELB_CNT_ERROR;
	return build_cookie(ctx, r, cur->version, hash) ? IKELB_CNT_ERROR : IKELB_CNT_COOKIE_SENT;
}

/* A request that passed every check: REDIRECT it, if it may be answered. */
static __always_inline int redirect(struct xdp_md *ctx, const struct ikelb_config *cfg,
				    struct scratch *s)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct choice c = {};
	int out;

	if (!pick_target(data, data_end, cfg, &s->req, &c))
		return IKELB_CNT_NO_TARGET;
	if (redirect_len(&s->req, &c.t->id[s->req.ipv6 ? 1 : 0]) > s->req.ike_len)
		return IKELB_CNT_DROP_TOO_BIG;
	out = check_limits(data, data_end, cfg, s);
	if (out != GO_ON)
		return out;
	s->target = c.idx;
	if (build_redirect(ctx, s, c.t))
		return IKELB_CNT_ERROR;
	c.ts->redirects++;
	return IKELB_CNT_REDIRECTED;
}

/* The XDP verdict of an outcome. */
static __always_inline int verdict(const struct ikelb_config *cfg, int out)
{
	switch (out) {
	case IKELB_CNT_REDIRECTED:
	case IKELB_CNT_COOKIE_SENT:
		return XDP_TX;
	case IKELB_CNT_NO_SUPPORT:
	case IKELB_CNT_REDIRECT_LOOP:
		return cfg->unsupported_action == IKELB_ACT_DROP ? XDP_DROP : XDP_PASS;
	case IKELB_CNT_NO_TARGET:
		return cfg->no_target_action == IKELB_ACT_DROP ? XDP_DROP : XDP_PASS;
	case IKELB_CNT_PASS_NOT_IP:
	case IKELB_CNT_PASS_OTHER:
	case IKELB_CNT_PASS_FRAGMENT:
	case IKELB_CNT_PASS_IP_UNPARSED:
	case IKELB_CNT_PASS_NOT_IKE:
	case IKELB_CNT_PASS_NOT_REQUEST:
	case IKELB_CNT_PASS_TAGGED:
	case IKELB_CNT_PASS_NOT_OUR_MAC:
		return XDP_PASS;
	default:
		/* drops, and errors: a frame possibly half rewritten must
		 * never reach the stack */
		return XDP_DROP;
	}
}

SEC("xdp")
int ikelb_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct scratch *s = get_scratch();
	struct ikelb_config *cfg;
	struct ikelb_counters *cnt;
	__u32 zero = 0;
	int out;

	cfg = bpf_map_lookup_elem(&ikelb_config, &zero);
	cnt = bpf_map_lookup_elem(&ikelb_counters, &zero);
	if (!cfg || !cnt || !s)
		return XDP_PASS;

	out = parse_headers(data, data_end, cfg, &s->req);
	forget_header_layout();
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (out == GO_ON)
		out = check_lengths(data, data_end, &s->req);
	if (out == GO_ON)
		out = check_source(data, data_end, cfg, &s->req);
	if (out == GO_ON)
		out = check_checksums(data, data_end, &s->req);
	if (out == GO_ON)
		out = walk_payloads(data, data_end, cfg, &s->req);
	forget_header_layout();
	if (out == GO_ON) {
		count(cnt, IKELB_CNT_REQUESTS);
		if (!s->req.supported)
			out = steering(cfg) ? STEER_INIT : IKELB_CNT_NO_SUPPORT;
		else if (s->req.loop)
			out = steering(cfg) ? STEER_INIT : IKELB_CNT_REDIRECT_LOOP;
		else if (cfg->cookie_mode == IKELB_COOKIES_ON)
			out = check_cookie(ctx, cfg, cnt, s);
	}
	if (out == GO_ON)
		out = redirect(ctx, cfg, s);
	if (out < GO_ON)
		return ikelb_steer(ctx, out);
	count(cnt, out);
	return verdict(cfg, out);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
