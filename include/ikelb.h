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
	/* unsupported_action only: steer the request to a gateway at layer 2,
	 * and every later packet of its SAs after it ("Steering" below) */
	IKELB_ACT_STEER = 2,
};

/* Config "cookie_mode": when a request without a valid COOKIE gets one. */
enum ikelb_cookie_mode {
	IKELB_COOKIES_OFF = 0, /* never: every request is answered with a REDIRECT */
	IKELB_COOKIES_ON = 1, /* always: a REDIRECT only to requests with a valid COOKIE */
};

/*
 * Map "config", one entry (key 0).  User space writes it whole; the XDP
 * program reads it once per frame.
 */
struct ikelb_config {
	__be32 vip4;
	__u8 vip6[16];
	__u8 vip4_active; /* answer for vip4: this node holds it */
	__u8 vip6_active;
	__u8 unsupported_action; /* enum ikelb_action: no REDIRECT_SUPPORTED, or a loop;
				  * IKELB_ACT_STEER turns steering on */
	__u8 no_target_action; /* enum ikelb_action: table empty / target gone */
	__be16 ports[IKELB_MAX_PORTS]; /* UDP ports, network order; 0 = unused */
	__u8 port_natt[IKELB_MAX_PORTS]; /* 1: IKE behind the non-ESP marker */
	/*
	 * Link layer.  Only frames addressed to mac (the interface's own) or,
	 * when it is not all zero, to vrrp_mac (the VRRP virtual MAC
	 * 00:00:5e:00:01:VRID, if the cluster uses one) are answered; the
	 * answer goes out from the address the request was sent to.
	 */
	__u8 mac[6];
	__u8 vrrp_mac[6];
	__u8 answer_tagged; /* 0: 802.1Q / 802.1ad tagged frames pass untouched; 1: answered */
	__u8 cookie_mode; /* enum ikelb_cookie_mode */
	__u8 pad[2];
	/*
	 * Answer limits (REDIRECTs and COOKIE answers alike), token buckets of
	 * `burst` answers refilled at `rate` answers per second: per source
	 * (an IPv4 address, an IPv6 /64), and for the whole node.  A rate of 0
	 * is no limit; a burst of 0 counts as 1.
	 */
	__u32 rate_per_source;
	__u32 burst_per_source;
	__u32 rate_total;
	__u32 burst_total;
};

/*
 * Defaults of the answer limits (the config's [redirect] rate_per_source,
 * burst_per_source, rate_total): they never limit a real client.  A
 * carrier-grade NAT puts thousands (up to tens of thousands) of
 * subscribers behind one public IPv4 address, and after an outage all of
 * them reconnect within seconds, each with two answers when cookies are on
 * (the COOKIE, then the REDIRECT): a burst of 20000 lets 10000 clients
 * behind one address (re)connect at once, and 5000 answers/s 2500 to 5000
 * more every second, while a victim of forged requests gets at most 5000
 * answers a second, none larger than the request that caused it (about
 * 4 Mbit/s of REDIRECTs: no amplification, little reflection).
 */
#define IKELB_DEFAULT_RATE_PER_SOURCE 5000
#define IKELB_DEFAULT_BURST_PER_SOURCE 20000
#define IKELB_DEFAULT_RATE_TOTAL 0 /* no node-wide limit */

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
	__u8 steer_label; /* its label in map "labels"; 0: never steered to */
	__u8 pad[2];
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
 * Map "counters", per-CPU, one entry.  Every frame the XDP program sees
 * moves exactly one outcome counter (enum ikelb_counter below
 * IKELB_CNT_OUTCOMES); the event counters after them count along the way
 * (a request that carries a valid COOKIE and is then redirected moves
 * cookie_valid and redirected).  The program indexes the struct as an
 * array of __u64 by enum ikelb_counter, so the enum order and the struct
 * field order must match.
 */
enum ikelb_counter {
	IKELB_CNT_REDIRECTED, /* answered with a REDIRECT (XDP_TX) */
	IKELB_CNT_PASS_NOT_IP, /* not IPv4/IPv6, or headers cut short */
	IKELB_CNT_PASS_OTHER, /* IP, but not UDP to an active VIP's IKE port */
	IKELB_CNT_PASS_FRAGMENT, /* IPv4 fragment to a VIP */
	IKELB_CNT_PASS_IP_UNPARSED, /* IPv4 options / IPv6 extension headers */
	IKELB_CNT_PASS_NOT_IKE, /* NAT-T port without the non-ESP marker */
	IKELB_CNT_PASS_NOT_REQUEST, /* IKE, not an IKEv2 IKE_SA_INIT request */
	IKELB_CNT_NO_SUPPORT, /* request without redirect support: by config */
	IKELB_CNT_NO_TARGET, /* no usable target: by config */
	IKELB_CNT_DROP_MALFORMED, /* lengths, payload chain or nonce invalid */
	IKELB_CNT_ERROR, /* could not resize the frame */
	IKELB_CNT_COOKIE_SENT, /* answered with N(COOKIE) (XDP_TX) */
	IKELB_CNT_PASS_TAGGED, /* 802.1Q / 802.1ad tagged, tags not answered */
	IKELB_CNT_PASS_NOT_OUR_MAC, /* to a VIP's IKE port, not to our MAC (or from a group MAC) */
	IKELB_CNT_REDIRECT_LOOP, /* REDIRECTED_FROM names a VIP of ours: like no_support */
	IKELB_CNT_DROP_MISSING_PAYLOAD, /* no SA, KE or Nonce payload (RFC 7296 1.2) */
	IKELB_CNT_DROP_TOO_BIG, /* the answer would be larger than the request */
	IKELB_CNT_DROP_IP_CSUM, /* IPv4 header checksum wrong */
	IKELB_CNT_DROP_UDP_CSUM, /* UDP checksum wrong (or 0 over IPv6) */
	IKELB_CNT_DROP_SPI_ZERO, /* SPIi 0 */
	IKELB_CNT_DROP_SRC_UNSPECIFIED, /* from 0.0.0.0/8 or :: */
	IKELB_CNT_DROP_SRC_LOOPBACK, /* from 127.0.0.0/8 or ::1 */
	IKELB_CNT_DROP_SRC_MULTICAST, /* from 224.0.0.0/4 or ff00::/8 */
	IKELB_CNT_DROP_SRC_BROADCAST, /* from 255.255.255.255 (or the rest of 240.0.0.0/4) */
	IKELB_CNT_DROP_SRC_LINK_LOCAL, /* from 169.254/16 or fe80::/10 to a VIP of wider scope */
	IKELB_CNT_DROP_SRC_VIP, /* from a VIP of this node */
	IKELB_CNT_DROP_SRC_PORT0, /* from UDP port 0 */
	IKELB_CNT_DROP_RATE_SOURCE, /* over the source's answer limit */
	IKELB_CNT_DROP_RATE_TOTAL, /* over the node's answer limit */
	/* steering (unsupported_action IKELB_ACT_STEER): XDP_TX to the
	 * gateway's MAC, or XDP_PASS when it is this node (steered_local) */
	IKELB_CNT_STEERED_INIT, /* IKE_SA_INIT that cannot be redirected, to a target */
	IKELB_CNT_STEERED_IKE, /* another IKEv2 message, by its gateway's SPI label */
	IKELB_CNT_STEERED_ESP, /* ESP or ESP in UDP, by its SPI's label */
	IKELB_CNT_STEERED_FRAGMENT, /* a later IP fragment, as its first fragment went */
	IKELB_CNT_STEER_UNKNOWN_LABEL, /* DROP: no gateway has the label */
	IKELB_CNT_STEER_DEAD, /* DROP: the label's gateway is dead, and its SAs with it */
	IKELB_CNT_STEER_NO_MAC, /* no MAC to send to: an init by no_target_action, else DROP */
	IKELB_CNT_STEER_FRAGMENT_UNKNOWN, /* DROP: a later fragment without a record */
	IKELB_CNT_NATT_KEEPALIVE, /* DROP: a NAT-T keepalive (one byte 0xff on a NAT-T port) */
	IKELB_CNT_OUTCOMES,
	/* events */
	IKELB_CNT_REQUESTS = IKELB_CNT_OUTCOMES, /* well-formed IKE_SA_INIT requests (cookie "auto") */
	IKELB_CNT_COOKIE_VALID, /* requests whose COOKIE verified */
	IKELB_CNT_COOKIE_INVALID, /* requests whose COOKIE did not (answered with a new one) */
	IKELB_CNT_STEERED_LOCAL, /* steered to this node: passed to its own stack */
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
	__u64 cookie_sent;
	__u64 pass_tagged;
	__u64 pass_not_our_mac;
	__u64 redirect_loop;
	__u64 drop_missing_payload;
	__u64 drop_too_big;
	__u64 drop_ip_csum;
	__u64 drop_udp_csum;
	__u64 drop_spi_zero;
	__u64 drop_src_unspecified;
	__u64 drop_src_loopback;
	__u64 drop_src_multicast;
	__u64 drop_src_broadcast;
	__u64 drop_src_link_local;
	__u64 drop_src_vip;
	__u64 drop_src_port0;
	__u64 drop_rate_source;
	__u64 drop_rate_total;
	__u64 steered_init;
	__u64 steered_ike;
	__u64 steered_esp;
	__u64 steered_fragment;
	__u64 steer_unknown_label;
	__u64 steer_dead;
	__u64 steer_no_mac;
	__u64 steer_fragment_unknown;
	__u64 natt_keepalive;
	__u64 requests;
	__u64 cookie_valid;
	__u64 cookie_invalid;
	__u64 steered_local;
};

_Static_assert(sizeof(struct ikelb_counters) == IKELB_CNT_MAX * sizeof(__u64),
	       "enum ikelb_counter and struct ikelb_counters disagree");

/* Printable counter names, in enum order (user space and tests). */
#define IKELB_COUNTER_NAMES                                                          \
	{ "redirected",		  "pass_not_ip",	  "pass_other",                   \
	  "pass_fragment",	  "pass_ip_unparsed",	  "pass_not_ike",                 \
	  "pass_not_request",	  "no_support",		  "no_target",                    \
	  "drop_malformed",	  "error",		  "cookie_sent",                  \
	  "pass_tagged",	  "pass_not_our_mac",	  "redirect_loop",                \
	  "drop_missing_payload", "drop_too_big",	  "drop_ip_csum",                 \
	  "drop_udp_csum",	  "drop_spi_zero",	  "drop_src_unspecified",         \
	  "drop_src_loopback",	  "drop_src_multicast",	  "drop_src_broadcast",           \
	  "drop_src_link_local",  "drop_src_vip",	  "drop_src_port0",               \
	  "drop_rate_source",	  "drop_rate_total",	  "steered_init",                 \
	  "steered_ike",	  "steered_esp",	  "steered_fragment",             \
	  "steer_unknown_label",  "steer_dead",		  "steer_no_mac",                 \
	  "steer_fragment_unknown", "natt_keepalive",	  "requests",                     \
	  "cookie_valid",	  "cookie_invalid",	  "steered_local" }

/*
 * Map "sources": LRU hash, the answer limit state of each source that was
 * answered recently.  Key: the source's IPv4 address, or its IPv6 /64.
 */
#define IKELB_SOURCES_MAX 65536
struct ikelb_source_key {
	__u8 prefix[8]; /* IPv4: the address, then zeros; IPv6: the first 64 bits */
	__u32 family; /* IKELB_FAM_V4 or IKELB_FAM_V6 */
};

/*
 * The source's token bucket, kept as the time at which its bucket will be
 * full again ("theoretical arrival time" of the generic cell rate
 * algorithm): an answer is allowed while that time lies at most
 * burst / rate seconds ahead, and moves it 1 / rate seconds on.  One word,
 * so that every CPU updates it with one compare-and-swap.
 */
struct ikelb_source_state {
	__u64 tat; /* in the program's clock ticks (docs/xdp.md) */
	__u64 limited; /* requests of this source dropped over its limit */
};

/* Map "node_limit", one entry: the node-wide bucket (rate_total), the same
 * algorithm as a source's. */
struct ikelb_node_limit {
	__u64 tat;
};

/*
 * Map "cookie_secrets", two entries: the secrets RFC 7296 2.6 cookies are
 * made with.  A cookie is the secret's version byte followed by an 8-byte
 * SipHash-2-4 (keyed with `key`) of SPIi, the source address and port, and
 * Ni (docs/xdp.md gives the exact input).  A secret of version v lives in
 * entry v & 1.  The current secret is the valid entry whose version is
 * one more (mod 256) than the other's, or the only valid one; cookies of
 * both valid entries are accepted.  To rotate, user space writes a new
 * key with version current + 1 into the other entry: cookies of the
 * secret before the previous one then stop verifying.
 */
#define IKELB_COOKIE_LEN 9
struct ikelb_cookie_secret {
	__u8 version;
	__u8 valid;
	__u8 pad[6];
	__u64 key[2]; /* SipHash key k0, k1 (the key's bytes 0..7 and 8..15,
		       * little-endian) */
};

/*
 * Steering (unsupported_action IKELB_ACT_STEER; docs/xdp.md, "Steering").
 * Clients that cannot be redirected are sent on at layer 2 to a gateway
 * that holds the VIP on a non-ARPing device, and every later packet of
 * their SAs follows by a label each gateway's IKE daemon puts into its own
 * SPIs: the first byte on the wire of the gateway's IKE SPI (strongSwan:
 * charon.spi_mask / spi_label) and of the ESP SPIs it picks for inbound
 * IPsec SAs (charon.spi_min / spi_max: a range of its own per label).
 * Labels are 1..255; 0 is never a label.
 */
#define IKELB_STEER_LABELS 256
/* charon.spi_mask, and charon.spi_label for label l, as strongSwan 5.9
 * reads them: the value's most significant byte is the SPI's first byte
 * on the wire (checked on the wire, docs/design.md). */
#define IKELB_IKE_SPI_MASK 0xff00000000000000ull
static inline __u64 ikelb_ike_spi_label(__u8 label)
{
	return (__u64)label << 56;
}

/* charon.spi_min / spi_max for label l: ESP SPIs whose first byte is l. */
static inline __u32 ikelb_esp_spi_min(__u8 label)
{
	return (__u32)label << 24;
}

static inline __u32 ikelb_esp_spi_max(__u8 label)
{
	return (__u32)label << 24 | 0xffffffu;
}

/* What map "labels" says about a label. */
enum ikelb_steer_state {
	IKELB_STEER_NONE = 0, /* no gateway has it: steer_unknown_label */
	IKELB_STEER_TX = 1, /* XDP_TX to mac */
	IKELB_STEER_LOCAL = 2, /* this node: XDP_PASS */
	IKELB_STEER_DEAD = 3, /* its gateway died, and its SAs with it: steer_dead */
	IKELB_STEER_NO_MAC = 4, /* its gateway's MAC is not known: steer_no_mac */
};

/* Map "labels", IKELB_STEER_LABELS entries indexed by label. */
struct ikelb_steer {
	__u8 mac[6]; /* the gateway's MAC (IKELB_STEER_TX) */
	__u8 state; /* enum ikelb_steer_state */
	__u8 pad;
	__u32 target; /* its target index (for people reading the map) */
};

/*
 * Map "frags": LRU hash, where the first fragment of an IP datagram to a
 * VIP went, so that its later fragments (no ports, no SPI) follow.  Key:
 * RFC 791 / RFC 8200's reassembly key; IPv4 addresses in the first 4
 * bytes, the IPv4 ID in the low 16 bits of id.
 */
#define IKELB_FRAGS_MAX 16384
struct ikelb_frag_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 id; /* network order */
	__u8 proto; /* of what the fragments carry */
	__u8 family; /* IKELB_FAM_V4 or IKELB_FAM_V6 */
	__u8 pad[2];
};

struct ikelb_frag {
	__u8 label; /* as map "labels"; 0: the first fragment was passed */
	__u8 pad[7];
};

#endif
