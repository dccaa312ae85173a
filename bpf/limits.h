/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Answer limits: a token bucket per source (an IPv4 address, an IPv6 /64)
 * and one for the node, each `burst` answers deep and refilled at `rate`
 * answers per second (struct ikelb_config).  Checked only for a request
 * about to be answered, last before the answer is built.
 *
 * A bucket is one word, the time at which it will be full again (the
 * generic cell rate algorithm's "theoretical arrival time", TAT): with
 * T = 1 s / rate, an answer may go out at time now while
 * max(TAT, now) + T - now <= burst * T, and then TAT becomes
 * max(TAT, now) + T.  Every CPU moves TAT with one compare-and-swap of the
 * whole word, so each answer that goes out advances it by exactly T, and
 * within any interval of length W a bucket lets through at most
 * burst + W / T answers, however many CPUs answer for the same source at
 * once.  A CPU that loses the race three times in a row counts the request
 * as over the limit (never as under it).  What does not hold: a source
 * whose entry the LRU map evicted (more than IKELB_SOURCES_MAX other
 * sources answered since) starts again with a full bucket; the node-wide
 * bucket bounds what that can add.
 */
#ifndef IKELB_BPF_LIMITS_H
#define IKELB_BPF_LIMITS_H

#include "maps.h"

#define NSEC_PER_SEC 1000000000ull
#define LIMIT_CAS_TRIES 3

/*
 * The limits' clock.  Normally jiffies, in ticks of 1 / (HZ << 16) s: the
 * verifier turns bpf_jiffies64() into a plain load on 64-bit JITs, where a
 * nanosecond clock is a helper call (about 30 ns here, with the CPU's
 * return-thunk mitigation).  Its resolution is a jiffy (1 to 10 ms): within
 * one, a bucket hands out its burst and no refill, so a burst below
 * rate / HZ caps the rate at burst * HZ (docs/xdp.md).  Without the
 * kernel's HZ (no kernel config for libbpf to read) the clock is
 * bpf_ktime_get_coarse_ns(), in ns.  Tests set ikelb_test_clock before
 * loading and then the time in ikelb_test_now_ns (ns); the verifier knows
 * both read-only values, so production pays for neither branch.
 */
extern unsigned int CONFIG_HZ __kconfig __weak;
const volatile __u8 ikelb_test_clock = 0;
__u64 ikelb_test_now_ns = 0;

#define JIFFY_SHIFT 16

static __always_inline __u64 clock_now(void)
{
	if (ikelb_test_clock)
		return ikelb_test_now_ns;
	if (CONFIG_HZ)
		return bpf_jiffies64() << JIFFY_SHIFT;
	return bpf_ktime_get_coarse_ns();
}

static __always_inline __u64 clock_per_sec(void)
{
	if (ikelb_test_clock || !CONFIG_HZ)
		return NSEC_PER_SEC;
	return (__u64)CONFIG_HZ << JIFFY_SHIFT;
}

/* 1 s / rate in clock ticks: a division costs more than the rest of the
 * check, so each CPU keeps the last result. */
static __always_inline __u64 interval_of(struct interval *iv, __u32 rate)
{
	if (iv->rate != rate) {
		iv->ticks = clock_per_sec() / rate;
		iv->rate = rate;
	}
	return iv->ticks;
}

static __always_inline __u64 burst_of(__u32 burst, __u64 t)
{
	return (burst ? burst : 1) * t;
}

/* Would an answer fit into the bucket now?  (No change.) */
static __always_inline bool bucket_has_room(const __u64 *tat, __u64 now, __u64 t, __u64 tau)
{
	__u64 old = *(volatile const __u64 *)tat;

	return (old > now ? old : now) + t - now <= tau;
}

/* Takes one answer from the bucket, or says there is none. */
static __always_inline bool bucket_take(__u64 *tat, __u64 now, __u64 t, __u64 tau)
{
#pragma unroll
	for (int i = 0; i < LIMIT_CAS_TRIES; i++) {
		__u64 old = *(volatile __u64 *)tat;
		__u64 next = (old > now ? old : now) + t;

		if (next - now > tau)
			return false;
		if (__sync_val_compare_and_swap(tat, old, next) == old)
			return true;
	}
	return false;
}

/* The source's bucket key: its IPv4 address, or its IPv6 /64. */
static __always_inline bool source_key(void *data, void *data_end, const struct ikelb_request *r,
				       struct ikelb_source_key *k)
{
	if (!r->ipv6) {
		struct iphdr *ip = data + hdr_off(r->l3_off);

		if ((void *)(ip + 1) > data_end)
			return false;
		k->family = IKELB_FAM_V4;
		*(__u64 *)k->prefix = ip->saddr;
	} else {
		struct ipv6hdr *ip6 = data + hdr_off(r->l3_off);

		if ((void *)(ip6 + 1) > data_end)
			return false;
		k->family = IKELB_FAM_V6;
		*(__u64 *)k->prefix = *(__u64 *)&ip6->saddr;
	}
	return true;
}

/* One answer from the source's bucket (made full on first sight). */
static __always_inline bool source_take(void *data, void *data_end,
					const struct ikelb_config *cfg, struct scratch *s,
					__u64 now)
{
	struct ikelb_source_key k = {};
	struct ikelb_source_state *st;
	__u64 t = interval_of(&s->per_source, cfg->rate_per_source);
	__u64 tau = burst_of(cfg->burst_per_source, t);

	if (!source_key(data, data_end, &s->req, &k))
		return false;
	st = bpf_map_lookup_elem(&ikelb_sources, &k);
	if (!st) {
		struct ikelb_source_state fresh = { .tat = now + t };

		if (bpf_map_update_elem(&ikelb_sources, &k, &fresh, BPF_NOEXIST) == 0)
			return true;
		/* another CPU inserted it first */
		st = bpf_map_lookup_elem(&ikelb_sources, &k);
		if (!st)
			return false;
	}
	if (bucket_take(&st->tat, now, t, tau))
		return true;
	__sync_fetch_and_add(&st->limited, 1);
	return false;
}

/*
 * One answer from the source's bucket and the node's: GO_ON, or the limit
 * that says no.  The node's bucket is looked at first without taking from
 * it, so that a node over its limit does not also insert a map entry per
 * request; it is taken from last, so that a request the source's limit
 * drops does not use up the node's.
 */
static __always_inline int check_limits(void *data, void *data_end,
					const struct ikelb_config *cfg, struct scratch *s)
{
	struct ikelb_node_limit *node = NULL;
	__u64 now, t = 0, tau = 0;
	__u32 zero = 0;

	if (!cfg->rate_per_source && !cfg->rate_total)
		return GO_ON;
	now = clock_now();
	if (cfg->rate_total) {
		node = bpf_map_lookup_elem(&ikelb_nodelimit, &zero);
		if (!node)
			return IKELB_CNT_DROP_RATE_TOTAL;
		t = interval_of(&s->total, cfg->rate_total);
		tau = burst_of(cfg->burst_total, t);
		if (!bucket_has_room(&node->tat, now, t, tau))
			return IKELB_CNT_DROP_RATE_TOTAL;
	}
	if (cfg->rate_per_source && !source_take(data, data_end, cfg, s, now))
		return IKELB_CNT_DROP_RATE_SOURCE;
	if (node && !bucket_take(&node->tat, now, t, tau))
		return IKELB_CNT_DROP_RATE_TOTAL;
	return GO_ON;
}

#endif
