// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ikelb XDP fast path: answer an IKE_SA_INIT request sent to the VIP with
 * an RFC 5685 REDIRECT (or, with cookies on, first with an RFC 7296 2.6
 * COOKIE), rewritten in place and sent back with XDP_TX.  This file reads
 * top-down as a frame's path; docs/xdp.md describes it, the maps, the
 * counters, the limits, the cookies and the wire facts it relies on.
 *
 *   parse.h    is it for us: headers, lengths, source, checksums, payloads
 *   cookie.h   stateless cookies (SipHash-2-4, siphash.h)
 *   limits.h   answer limits per source and per node
 *   answer.h   the REDIRECT or COOKIE answer, built in place
 *   maps.h     the maps; bounds.h the verifier's bounds; csum.h checksums
 *
 * Everything that is not an IKE_SA_INIT request to a VIP this node holds
 * passes untouched.  Only BPF features of Linux 5.15 are used.
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

/*
 * A target a REDIRECT may name for a request of this family: active, with
 * an identity, and not a VIP of this node (a client sent there would come
 * straight back).  The slot was read once by the caller: user space may
 * rewrite it meanwhile.
 */
static __always_inline struct ikelb_target *usable_target(const struct ikelb_config *cfg,
							  __u32 idx, __u8 ipv6)
{
	struct ikelb_target *t = bpf_map_lookup_elem(&ikelb_targets, &idx);
	struct ikelb_gw_id *gw;

	if (!t || !t->active)
		return NULL;
	gw = &t->id[ipv6 ? 1 : 0];
	if (!gw->type || !gw->len)
		return NULL;
	if (gw->type == IKE_GW_ID_IPV4 && *(const __u32 *)gw->data == cfg->vip4)
		return NULL;
	if (gw->type == IKE_GW_ID_IPV6 && ipv6_eq(gw->data, cfg->vip6))
		return NULL;
	return t;
}

/* This CPU has sent the plan's share of redirects to idx until the refill. */
static __always_inline bool over_budget(__u32 idx, const struct ikelb_target_stats *ts)
{
	struct ikelb_budget *b = bpf_map_lookup_elem(&ikelb_budget, &idx);

	return b && b->until && ts->redirects >= b->until;
}

/* The slot's target index, read once (user space rewrites the mmapped
 * table while the program reads it). */
static __always_inline __u32 slot_target(__u32 slot)
{
	struct ikelb_slot *sl = bpf_map_lookup_elem(&ikelb_slots, &slot);

	return sl ? *(volatile __u32 *)&sl->target : IKELB_SLOT_NONE;
}

/* What the chosen target is, for the answer and the count. */
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
static __always_inline bool pick_target(void *data, void *data_end,
					const struct ikelb_config *cfg, const struct ikelb_request *r,
					struct choice *c)
{
	struct ike_hdr *ike = data + hdr_off(r->ike_off);
	struct ikelb_target_stats *ts;
	struct ikelb_target *t;
	__u32 slot, idx;
	__u64 spi;

	if ((void *)(ike + 1) > data_end)
		return false;
	__builtin_memcpy(&spi, ike->spi_i, sizeof(spi));
	slot = ikelb_slot_of_spi(spi) + (r->ipv6 ? IKELB_SLOTS : 0);
	c->idx = slot_target(slot);
	c->t = usable_target(cfg, c->idx, r->ipv6);
	c->ts = bpf_map_lookup_elem(&ikelb_tstats, &c->idx);
	if (!c->t || !c->ts)
		return false;
	if (!over_budget(c->idx, c->ts))
		return true;
	idx = slot_target(slot + IKELB_FAMILIES * IKELB_SLOTS);
	t = usable_target(cfg, idx, r->ipv6);
	ts = t ? bpf_map_lookup_elem(&ikelb_tstats, &idx) : NULL;
	if (ts) {
		c->idx = idx;
		c->t = t;
		c->ts = ts;
	}
	return true;
}

static __always_inline void count(struct ikelb_counters *c, __u32 which)
{
	if (which < IKELB_CNT_MAX)
		((__u64 *)c)[which]++;
}

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
	if (!hash && !cookie_hash(data, data_end, r, cur, &hash))
		return IKELB_CNT_ERROR;
	out = check_limits(data, data_end, cfg, s);
	if (out != GO_ON)
		return out;
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
			out = IKELB_CNT_NO_SUPPORT;
		else if (s->req.loop)
			out = IKELB_CNT_REDIRECT_LOOP;
		else if (cfg->cookie_mode == IKELB_COOKIES_ON)
			out = check_cookie(ctx, cfg, cnt, s);
	}
	if (out == GO_ON)
		out = redirect(ctx, cfg, s);
	count(cnt, out);
	return verdict(cfg, out);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
