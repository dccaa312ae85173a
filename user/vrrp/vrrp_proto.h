/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * VRRPv3 advertisement codec (RFC 5798 section 5).  No sockets here: the
 * caller passes the IP source and destination (needed by the checksum's
 * pseudo-header) and the received TTL / hop limit.
 *
 *   0                   1                   2                   3
 *   |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 *   |(rsvd) |     Max Adver Int     |          Checksum             |
 *   |                     IPvX Address(es)                          |
 */
#ifndef IKELB_VRRP_PROTO_H
#define IKELB_VRRP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ip.h"

#define VRRP_IPPROTO 112
#define VRRP_VERSION 3
#define VRRP_TYPE_ADVERT 1
#define VRRP_HDR_LEN 8
#define VRRP_TTL 255 /* sent, and required on receipt */
#define VRRP_PRIO_RESIGN 0 /* the master is leaving */
#define VRRP_PRIO_OWNER 255 /* the VIP is the router's own address */
#define VRRP_INTERVAL_MAX_CS 4095 /* 12 bits, centiseconds */
#define VRRP_ADDRS_MAX 255
#define VRRP_PKT_MAX (VRRP_HDR_LEN + VRRP_ADDRS_MAX * 16)
#define VRRP_GROUP4 0xe0000012u /* 224.0.0.18, host order */
#define VRRP_GROUP6_STR "ff02::12"

/* A decoded advertisement, or the one to encode. */
struct vrrp_advert {
	int family; /* AF_INET (addresses of 4 bytes) or AF_INET6 (16) */
	uint8_t vrid;
	uint8_t priority;
	uint16_t interval_cs; /* Max Adver Int, 1..4095 */
	uint8_t n_addrs;
	/* n_addrs packed addresses (struct in_addr / in6_addr are packed
	 * byte images); after decoding they point into the packet. */
	const void *addrs;
};

/*
 * Result of decoding a received packet: OK, or why it was dropped.  The
 * enum order is the field order of struct vrrp_counters' drop fields.
 */
enum vrrp_rx {
	VRRP_RX_OK,
	VRRP_RX_BAD_TTL, /* TTL / hop limit not 255: not from this link */
	VRRP_RX_BAD_LENGTH, /* too short, or length disagrees with count */
	VRRP_RX_BAD_VERSION,
	VRRP_RX_BAD_TYPE,
	VRRP_RX_NO_ADDRS, /* Count IPvX Addr 0 */
	VRRP_RX_BAD_CHECKSUM,
	VRRP_RX_OTHER_VRID, /* valid, but another virtual router: normal */
	VRRP_RX_BAD_INTERVAL, /* Max Adver Int 0 */
	/* not from vrrp_decode: the speaker's checks (vrrp_source_allowed,
	 * vrrp_addrs_match) */
	VRRP_RX_ADDR_MISMATCH, /* address list is not ours, priority below 255 */
	VRRP_RX_NOT_ALLOWED, /* source not among the allowed ones */
	VRRP_RX_KINDS,
};

/* Per-speaker packet counters, shown by `status`. */
struct vrrp_counters {
	uint64_t received; /* every packet read from the socket */
	uint64_t accepted; /* valid adverts for our VRID, given to the FSM */
	/* drops, in enum vrrp_rx order from VRRP_RX_BAD_TTL */
	uint64_t bad_ttl;
	uint64_t bad_length;
	uint64_t bad_version;
	uint64_t bad_type;
	uint64_t no_addrs;
	uint64_t bad_checksum;
	uint64_t other_vrid;
	uint64_t bad_interval;
	uint64_t addr_mismatch;
	uint64_t not_allowed;
	/* accepted although the address list is not ours: priority 255, the
	 * address owner (RFC 5798 7.1) */
	uint64_t owner_mismatch;
	/* socket level (vrrp_net) */
	uint64_t own; /* our own advert came back (unicast to self) */
	uint64_t recv_errors;
	uint64_t sent;
	uint64_t send_errors;
};

/* Counts one decode result (OK counts as accepted). */
void vrrp_counters_count(struct vrrp_counters *c, enum vrrp_rx r);
/* The drop counter of a result; NULL for VRRP_RX_OK or out of range. */
uint64_t *vrrp_counters_drop(struct vrrp_counters *c, enum vrrp_rx r);
/* "ok", "bad_ttl", ... as in the counter field names. */
const char *vrrp_rx_name(enum vrrp_rx r);

/* Length of an advert of the family with n addresses; 0 for a bad family. */
size_t vrrp_advert_len(int family, unsigned n_addrs);

/*
 * Encodes *a into buf for sending from src to dst (same family as a).
 * Returns the length, or -1 when buf is too small or the advert is not
 * encodable (family mismatch, no addresses, interval out of range).
 */
int vrrp_encode(void *buf, size_t size, const struct vrrp_advert *a,
		const struct ip_addr *src, const struct ip_addr *dst);

/*
 * Checks a received VRRP message (the IP payload, len bytes) sent from src
 * to dst with the given TTL / hop limit, for virtual router vrid.  On
 * VRRP_RX_OK fills *out (addrs points into pkt).  Checks run in RFC 5798
 * section 7.1 order: TTL, version and type, length, checksum, VRID, then
 * the interval.  src and dst must be of the same family.
 */
enum vrrp_rx vrrp_decode(const void *pkt, size_t len, int ttl,
			 const struct ip_addr *src, const struct ip_addr *dst,
			 uint8_t vrid, struct vrrp_advert *out);

/*
 * RFC 5798 7.1: whether a decoded advert's address list is the configured
 * one (the same count and the same addresses, in any order).  A router
 * that lists other addresses for our VRID is another virtual router (51 is
 * in many examples) or a forgery; its adverts are dropped unless they come
 * from the address owner (priority 255), and logged.
 */
bool vrrp_addrs_match(const struct vrrp_advert *a, const struct ip_addr *vips, unsigned n_vips);

/* Whether src may send us adverts: true when allow is empty (anyone) or
 * src is one of the n_allow addresses. */
bool vrrp_source_allowed(const struct ip_addr *src, const struct ip_addr *allow,
			 unsigned n_allow);

#endif
