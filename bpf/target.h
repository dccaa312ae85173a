/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Which target a new client goes to: the SPIi hashes onto a slot of the
 * family's plan table; once this CPU has sent the plan's target its
 * budget, the spill table's slot (include/ikelb.h).  Shared by the
 * REDIRECT (ikelb.bpf.c) and the steering of IKE_SA_INIT (steer.h).  And
 * the outcome counters.
 */
#ifndef IKELB_BPF_TARGET_H
#define IKELB_BPF_TARGET_H

#include "bounds.h"
#include "maps.h"
#include "parse.h"

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

#endif
