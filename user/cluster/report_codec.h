/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Load reports: the signed message each gateway sends every [reports]
 * interval_ms.  Wire format version 1, and version 2 from a gateway with a
 * steering label (also docs/report-protocol.md); all integers big-endian,
 * no padding, no optional parts:
 *
 *  off  size  field
 *    0     4  magic "IKLS" (49 4b 4c 53)
 *    4     1  version = 1
 *    5     1  state: 0 active, 1 draining, 2 unhealthy
 *    6     2  length of the whole message, MAC included
 *    8     8  boot epoch: (boot time, ms since 1970) << 20 | 20 random bits
 *   16     8  sequence number: 1, 2, ... within the epoch
 *   24     4  active tunnels
 *   28     4  max tunnels, 1..REPORT_MAX_TUNNELS
 *   32     1  cluster name length n, 1..32
 *   33     n  cluster name, [A-Za-z0-9_-]
 *          1  node id length, 1..63
 *          .  node id, printable ASCII without space (0x21..0x7e)
 *          1  address type: 1 IPv4, 2 IPv6, 3 FQDN (RFC 5685 GW identity)
 *          1  address length: 4, 16, or 1..255 for an FQDN
 *          .  address
 *          1  address6 type: 0 none, or 1..3 as above
 *          1  address6 length: 0 with type 0
 *          .  address6
 *          1  reason length, 0..REPORT_REASON_MAX
 *          .  reason, printable ASCII (0x20..0x7e), usually set when unhealthy
 *   version 2 only:
 *          1  steering label, 1..255 (the label of the gateway's SPIs)
 *          6  the gateway's MAC on the cluster interface: unicast, not zero
 *         32  HMAC-SHA256 under the cluster key over every byte before it
 *
 * A gateway without a label sends version 1, byte for byte what nodes
 * that know only version 1 accept; one with a label sends version 2, which
 * they drop (bad version): every node must understand version 2 before a
 * gateway is given a label.
 * The encoding is canonical: a message decodes only if re-encoding its
 * fields gives the same bytes.  A receiver checks in this order: size,
 * magic, version, structure and field values, cluster name, MAC.  The
 * cluster name comes before the MAC because other clusters on the same
 * group may use other keys: their messages count as "other cluster", not
 * as forgeries.  Nothing in a message is believed before the MAC matches.
 */
#ifndef IKELB_REPORT_CODEC_H
#define IKELB_REPORT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "cluster/keyfile.h"

#define REPORT_MAGIC "IKLS"
#define REPORT_VERSION 1
#define REPORT_VERSION_STEER 2 /* version 1 and the steering label and MAC */
#define REPORT_STEER_LEN 7
#define REPORT_MAX 1024 /* larger datagrams are dropped unread */
#define REPORT_MAC_LEN 32
#define REPORT_FIXED_LEN 32 /* magic .. max tunnels */
#define REPORT_CLUSTER_MAX CFG_NAME_MAX
#define REPORT_NODE_ID_MAX CFG_NODE_ID_MAX
#define REPORT_REASON_MAX 127
#define REPORT_MAX_TUNNELS CFG_MAX_TUNNELS
/* Longest message the encoder can produce (810 bytes). */
#define REPORT_LONGEST                                                          \
	(REPORT_FIXED_LEN + 1 + REPORT_CLUSTER_MAX + 1 + REPORT_NODE_ID_MAX +       \
	 2 * (2 + IKE_GW_ID_MAX_LEN) + 1 + REPORT_REASON_MAX + REPORT_STEER_LEN +   \
	 REPORT_MAC_LEN)
_Static_assert(REPORT_LONGEST <= REPORT_MAX, "load report limit");

/* Epoch layout: boot time in ms in the high bits, random low bits. */
#define REPORT_EPOCH_RANDOM_BITS 20
/*
 * How far ahead of the receiver's wall clock an epoch's boot time may be.
 * A boot cannot lie in the future: beyond this bound the sender's clock
 * (or ours) is wrong, or the epoch is forged.  Clocks kept by NTP differ
 * by milliseconds; five minutes leaves room for a node that booted before
 * its clock was set.
 */
#define REPORT_EPOCH_AHEAD_MAX_MS (5u * 60u * 1000u)

enum report_state {
	REPORT_ACTIVE = 0,
	REPORT_DRAINING = 1,
	REPORT_UNHEALTHY = 2,
};

/* One report, decoded; strings are NUL-terminated. */
struct load_report {
	char cluster[REPORT_CLUSTER_MAX + 1];
	char node_id[REPORT_NODE_ID_MAX + 1];
	uint64_t epoch; /* never 0 */
	uint64_t seq; /* never 0 */
	struct cfg_gw_addr address; /* where this node's clients are sent */
	struct cfg_gw_addr address6; /* type 0: none */
	uint32_t tunnels;
	uint32_t max_tunnels;
	enum report_state state;
	char reason[REPORT_REASON_MAX + 1];
	/* steering: the gateway's label (0: none, version 1) and its MAC
	 * (all zero without a label) */
	uint8_t steer_label;
	uint8_t mac[6];
};

/* Decoder verdicts; each is counted separately by the receiver. */
enum report_err {
	REPORT_OK = 0,
	REPORT_ERR_OVERSIZED = -1, /* longer than REPORT_MAX */
	REPORT_ERR_BAD_MAGIC = -2, /* not a load report at all */
	REPORT_ERR_BAD_VERSION = -3, /* a load report of another version */
	REPORT_ERR_MALFORMED = -4, /* truncated, inconsistent or invalid field */
	REPORT_ERR_OTHER_CLUSTER = -5, /* well-formed, for another cluster */
	REPORT_ERR_BAD_MAC = -6, /* forged, corrupted, or a different key */
	REPORT_ERR_KEY = -7, /* our key is unusable (not loaded): nothing accepted */
};

/*
 * Encodes r (r->cluster included) and signs it with key.  Returns the
 * message length, or -1 when r holds a value the decoder would refuse,
 * the key is unusable or out is too small (REPORT_LONGEST always fits).
 */
int report_encode(const struct load_report *r, const struct cluster_key *key,
		      uint8_t *out, size_t outsize);

/*
 * Decodes and authenticates buf.  Only a message for `cluster` whose MAC
 * verifies under key is REPORT_OK; *out is valid only then.  Reads nothing
 * when len > REPORT_MAX.
 */
enum report_err report_decode(const uint8_t *buf, size_t len, const char *cluster,
				  const struct cluster_key *key, struct load_report *out);
/*
 * The same with a second key, accepted on receive during a key rotation
 * (NULL or an empty key: none).  Every check but the MAC runs once, before
 * any HMAC; the MAC is tried under key, then under previous.  *used_previous
 * says which one verified (valid when REPORT_OK).
 */
enum report_err report_decode2(const uint8_t *buf, size_t len, const char *cluster,
			       const struct cluster_key *key,
			       const struct cluster_key *previous, struct load_report *out,
			       bool *used_previous);

/* Checks every field as the decoder does (cluster included); 0 or -1. */
int report_check(const struct load_report *r);
/* The field rules, shared with the migration messages (migration_codec.h):
 * a cluster name, a node id, a GW identity (type 0 only when optional). */
bool report_valid_cluster(const uint8_t *s, size_t n);
bool report_valid_node_id(const uint8_t *s, size_t n);
bool report_valid_gw(uint8_t type, uint8_t len, const uint8_t *data, bool optional);

const char *report_err_str(enum report_err e);
const char *report_state_str(enum report_state s);
/* "active", "draining", "unhealthy" -> state; -1 when unknown. */
int report_state_parse(const char *s);

/* The epoch for this boot time and random value (see the layout above). */
uint64_t report_epoch_make(uint64_t boot_ms, uint32_t random);
/* The boot time an epoch carries, in ms since 1970. */
uint64_t report_epoch_ms(uint64_t epoch);
/* The epoch's boot time is more than REPORT_EPOCH_AHEAD_MAX_MS after
 * wall_ms (ms since 1970): no genuine boot, as far as this clock knows. */
bool report_epoch_ahead(uint64_t epoch, uint64_t wall_ms);
/* A fresh epoch: the wall clock now plus RAND_bytes; 0 on failure. */
uint64_t report_epoch_new(void);
/* The same for the wall clock wall_ms (ms since 1970). */
uint64_t report_epoch_new_at(uint64_t wall_ms);

#endif
