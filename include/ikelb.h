/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Map layouts shared by the XDP program (bpf/ikelb.bpf.c) and user space.
 * Every map is pinned under /sys/fs/bpf/ikelb/<cluster>/<map name> and
 * carries BTF, so `bpftool map dump pinned ...` prints these field names.
 */
#ifndef IKELB_IKELB_H
#define IKELB_IKELB_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "ike.h"

#define IKELB_PIN_ROOT "/sys/fs/bpf/ikelb"

/*
 * Target table: XDP hashes SPIi onto one of IKELB_SLOTS slots of the table
 * for the request's address family; each slot names a target index.  User
 * space fills the slots in proportion to the share of new clients each
 * target should get next (the plan), and gives every target a budget: how
 * many redirects the plan expects for it until the next refill.  A target
 * whose budget is used up is replaced by the slot of the spill table, which
 * spreads in proportion to free capacity, so a burst faster than the
 * refills cannot pile onto the target that was emptiest at the last one.
 * Map "slots" holds the tables back to back: entry
 * (table * IKELB_FAMILIES + family) * IKELB_SLOTS + slot.
 */
#define IKELB_SLOT_BITS 10
#define IKELB_SLOTS (1u << IKELB_SLOT_BITS)
#define IKELB_MAX_TARGETS 128
#define IKELB_FAMILIES 2 /* IKELB_FAM_V4: requests to the IPv4 VIP; _V6 */
#define IKELB_FAM_V4 0
#define IKELB_FAM_V6 1
/*
 * One slot: a target index or IKELB_SLOT_NONE.  8 bytes, because the kernel
 * lays array elements out 8 bytes apart and user space writes the slots
 * through an mmap of the map.
 */
struct ikelb_slot {
	__u32 target;
	__u32 pad;
};

#define IKELB_TABLES 2
#define IKELB_TABLE_PLAN 0
#define IKELB_TABLE_SPILL 1
#define IKELB_SLOT_NONE 0xffffffffu

/*
 * Slot of a request: the SPIi as the host loads it from the wire, mixed by a
 * Fibonacci multiply.  A retransmission (same SPIi) gets the same slot.
 */
static inline __u32 ikelb_slot_of_spi(__u64 spi_raw)
{
	return (__u32)((spi_raw * 0x9E3779B97F4A7C15ull) >> (64 - IKELB_SLOT_BITS));
}

#define IKELB_MAX_PORTS 4
/* Longest IKE payload chain the XDP program walks before giving up. */
#define IKELB_MAX_PAYLOADS 32
/* TTL / hop limit of every REDIRECT response. */
#define IKELB_REPLY_TTL 64

enum ikelb_action {
	IKELB_ACT_PASS = 0,
	IKELB_ACT_DROP = 1,
};

/* Map "config", one entry (key 0). */
struct ikelb_config {
	__be32 vip4;
	__u8 vip6[16];
	__u8 vip4_active; /* answer for vip4: this node holds it */
	__u8 vip6_active;
	__u8 unsupported_action; /* enum ikelb_action: no REDIRECT_SUPPORTED */
	__u8 no_target_action; /* enum ikelb_action: table empty / target gone */
	__be16 ports[IKELB_MAX_PORTS]; /* UDP ports, network order; 0 = unused */
	__u8 port_natt[IKELB_MAX_PORTS]; /* 1: IKE behind the non-ESP marker */
};

/* The GW identity a REDIRECT names (RFC 5685). */
struct ikelb_gw_id {
	__u8 type; /* IKE_GW_ID_IPV4 / _IPV6 / _FQDN; 0: none */
	__u8 len; /* 4, 16, or 1..255 */
	__u8 data[IKE_GW_ID_MAX_LEN + 1];
};

/*
 * Map "targets", IKELB_MAX_TARGETS entries indexed by target index.  A
 * request to the IPv4 VIP is sent to id[IKELB_FAM_V4], one to the IPv6 VIP
 * to id[IKELB_FAM_V6] (the same FQDN in both, or each family's address).
 */
struct ikelb_target {
	__u8 active; /* 0: never chosen, even if a slot still names it */
	__u8 pad[3];
	struct ikelb_gw_id id[IKELB_FAMILIES];
};

/*
 * Map "budget", per-CPU, indexed by target index: the plan's slots for this
 * target apply while this CPU's target_stats.redirects < until; 0 = always.
 */
struct ikelb_budget {
	__u64 until;
};

/* Map "target_stats", per-CPU, indexed by target index. */
struct ikelb_target_stats {
	__u64 redirects;
};

/*
 * Map "counters", per-CPU, one entry: one counter per outcome.  The XDP
 * program indexes it as an array of __u64 by enum ikelb_counter, so the
 * enum order and the struct field order must match.
 */
enum ikelb_counter {
	IKELB_CNT_REDIRECTED,
	IKELB_CNT_PASS_NOT_IP, /* not IPv4/IPv6, or headers cut short */
	IKELB_CNT_PASS_OTHER, /* IP, but not UDP to an active VIP's IKE port */
	IKELB_CNT_PASS_FRAGMENT, /* IPv4 fragment to a VIP */
	IKELB_CNT_PASS_IP_UNPARSED, /* IPv4 options / IPv6 extension headers */
	IKELB_CNT_PASS_NOT_IKE, /* NAT-T port without the non-ESP marker */
	IKELB_CNT_PASS_NOT_REQUEST, /* IKE, not an IKEv2 IKE_SA_INIT request */
	IKELB_CNT_NO_SUPPORT, /* request without redirect support */
	IKELB_CNT_NO_TARGET, /* no usable target */
	IKELB_CNT_DROP_MALFORMED, /* lengths, payload chain or nonce invalid */
	IKELB_CNT_ERROR, /* could not resize the frame */
	IKELB_CNT_MAX,
};

struct ikelb_counters {
	__u64 redirected;
	__u64 pass_not_ip;
	__u64 pass_other;
	__u64 pass_fragment;
	__u64 pass_ip_unparsed;
	__u64 pass_not_ike;
	__u64 pass_not_request;
	__u64 no_support;
	__u64 no_target;
	__u64 drop_malformed;
	__u64 error;
};

_Static_assert(sizeof(struct ikelb_counters) == IKELB_CNT_MAX * sizeof(__u64),
	       "enum ikelb_counter and struct ikelb_counters disagree");

/* Printable counter names, in enum order (user space and tests). */
#define IKELB_COUNTER_NAMES                                                 \
	{ "redirected", "pass_not_ip", "pass_other", "pass_fragment",       \
	  "pass_ip_unparsed", "pass_not_ike", "pass_not_request",           \
	  "no_support", "no_target", "drop_malformed", "error" }

#endif
