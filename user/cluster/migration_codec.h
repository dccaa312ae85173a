/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Migration messages: a gateway that moves established clients elsewhere
 * (a drain with --migrate, or rebalancing) asks the master for targets
 * (request), and the master answers with them (grant).  They travel on
 * the load report socket, signed with the cluster key like load reports
 * (docs/report-protocol.md, "Migration messages").  Format version 1, all
 * integers big-endian, no padding, nothing optional:
 *
 *  off  size  field
 *    0     4  magic "IKLM" (49 4b 4c 4d)
 *    4     1  version = 1
 *    5     1  kind: 1 request, 2 grant
 *    6     2  length of the whole message, MAC included
 *    8     8  epoch: the sender's load report epoch, never 0
 *   16     8  sequence: a request's number (1, 2, ... within the
 *             requester's epoch); a grant repeats the request's
 *   24     1  cluster name length n, 1..32
 *   25     n  cluster name, [A-Za-z0-9_-]
 *          1  node id length, 1..63; node id of the sender (0x21..0x7e)
 *   request:
 *          1  purpose: 1 drain, 2 rebalance
 *          1  targets wanted for clients of IPv4 addresses, 0..64
 *          1  targets wanted for clients of IPv6 addresses, 0..64 (not both 0)
 *   grant:
 *          1  requester node id length, 1..63; requester node id
 *          8  the requester's epoch (from its request)
 *          1  answer: 0 granted, 1 refused (rebalance is off at the
 *             master), 2 refused (the requester is no live member there),
 *             3 no target
 *          1  entries m: 0..64, 0 unless granted
 *          m  entries: family (0 IPv4, 1 IPv6) | count 1..64 | target name
 *             length 1..63 | name (0x21..0x7e) | GW identity type 1..3 |
 *             identity length 4, 16 or 1..255 | identity; the counts of a
 *             family add up to at most the number wanted (64)
 *         32  HMAC-SHA256 under the cluster key over every byte before it
 *
 * A message is at most MIGRATION_MAX bytes (the report socket's limit): a
 * grant holds as many entries as fit.  The decoder is strict and the
 * encoding canonical, as for load reports; nothing is believed before the
 * MAC matches.  Every input byte is an attacker's: fuzzed by
 * tests/fuzz/fuzz_migration_codec.c.
 */
#ifndef IKELB_MIGRATION_CODEC_H
#define IKELB_MIGRATION_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/keyfile.h"
#include "cluster/report_codec.h"

#define MIGRATION_MAGIC "IKLM"
#define MIGRATION_VERSION 1
#define MIGRATION_MAX REPORT_MAX
#define MIGRATION_WANT_MAX 64 /* targets per family and request */
#define MIGRATION_ENTRIES_MAX 64

enum migration_kind { MIGRATION_REQUEST = 1, MIGRATION_GRANT = 2 };
enum migration_purpose { MIGRATION_DRAIN = 1, MIGRATION_REBALANCE = 2 };
enum migration_answer {
	MIGRATION_GRANTED = 0,
	MIGRATION_NO_REBALANCE = 1,
	MIGRATION_NOT_MEMBER = 2,
	MIGRATION_NO_TARGET = 3,
};

/* One target of a grant: count clients of family fam go there. */
struct migration_entry {
	uint8_t fam; /* IKELB_FAM_V4 / _V6: the clients' address family */
	uint8_t count;
	char name[REPORT_NODE_ID_MAX + 1]; /* the target, as the master names it */
	struct cfg_gw_addr id; /* where the clients are sent */
};

struct migration_msg {
	enum migration_kind kind;
	char cluster[REPORT_CLUSTER_MAX + 1];
	char node_id[REPORT_NODE_ID_MAX + 1]; /* the sender */
	uint64_t epoch, seq;
	/* request */
	enum migration_purpose purpose;
	uint8_t wanted[2]; /* per family */
	/* grant */
	char requester[REPORT_NODE_ID_MAX + 1];
	uint64_t requester_epoch;
	enum migration_answer answer;
	unsigned n;
	struct migration_entry e[MIGRATION_ENTRIES_MAX];
};

enum migration_err {
	MIGRATION_OK = 0,
	MIGRATION_ERR_OVERSIZED = -1,
	MIGRATION_ERR_BAD_MAGIC = -2, /* not a migration message */
	MIGRATION_ERR_BAD_VERSION = -3,
	MIGRATION_ERR_MALFORMED = -4,
	MIGRATION_ERR_OTHER_CLUSTER = -5,
	MIGRATION_ERR_BAD_MAC = -6,
	MIGRATION_ERR_KEY = -7, /* our key is unusable */
};

/* True when buf starts with the migration magic (the socket's dispatch). */
bool migration_is_ours(const uint8_t *buf, size_t len);
/* Checks every field as the decoder does; 0 or -1. */
int migration_check(const struct migration_msg *m);
/* Encodes and signs m: the length, or -1 (an invalid field, an unusable
 * key, more than fits into outsize or MIGRATION_MAX). */
int migration_encode(const struct migration_msg *m, const struct cluster_key *key,
		     uint8_t *out, size_t outsize);
/* Decodes and authenticates buf; *out is valid only with MIGRATION_OK. */
enum migration_err migration_decode(const uint8_t *buf, size_t len, const char *cluster,
				    const struct cluster_key *key, struct migration_msg *out);
const char *migration_err_str(enum migration_err e);
const char *migration_purpose_str(enum migration_purpose p);
const char *migration_answer_str(enum migration_answer a);

#endif
