/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The member table: what every node knows about the gateways of its
 * cluster, from their load reports (and its own report, fed in
 * directly).  The balancer reads it to fill the target table.
 *
 * Replay protection, per node id: the table keeps the highest (epoch, seq)
 * pair accepted and accepts only a strictly higher one.  Epochs order by
 * boot time (report_codec.h), so a restarted node's new epoch is higher and
 * is accepted, while a message recorded in an earlier boot is refused even
 * with a high sequence number.  The pair is kept after a member is
 * forgotten (a tombstone), so replays stay refused for the life of the
 * process; only when the table is full of live members and tombstones is
 * the oldest tombstone reused.
 *
 * Time is the caller's monotonic clock in milliseconds (now_ms); the table
 * never reads a clock, so tests drive it with a fake one.
 */
#ifndef IKELB_MEMBERS_H
#define IKELB_MEMBERS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/report_codec.h"

#define MEMBERS_DEFAULT_CAPACITY 256
#define MEMBERS_DEFAULT_FORGET_MS 300000 /* dead members listed for 5 minutes */

struct members_params {
	const char *cluster; /* our cluster name; copied */
	const struct cluster_key *key; /* copied, wiped by members_free */
	const char *self_id; /* our node id: network reports claiming it are dropped */
	uint32_t dead_after_ms; /* no valid report for this long: dead */
	uint32_t forget_after_ms; /* dead and unheard this long: no longer listed;
				   * 0 = MEMBERS_DEFAULT_FORGET_MS, at least dead_after_ms */
	const struct in_addr *vip4; /* NULL when there is none */
	const struct in6_addr *vip6; /* NULL when there is none */
	unsigned capacity; /* node ids remembered; 0 = MEMBERS_DEFAULT_CAPACITY */
};

/* What happened to one datagram (or own report). */
enum members_verdict {
	MEMBERS_ACCEPTED,
	MEMBERS_DROP_MALFORMED,
	MEMBERS_DROP_OVERSIZED,
	MEMBERS_DROP_BAD_MAGIC,
	MEMBERS_DROP_BAD_VERSION,
	MEMBERS_DROP_OTHER_CLUSTER,
	MEMBERS_DROP_BAD_MAC,
	MEMBERS_DROP_REPLAYED, /* known epoch, sequence not above the highest seen */
	MEMBERS_DROP_OLD_EPOCH, /* an epoch older than the node's current one */
	MEMBERS_DROP_SELF, /* from the network, but carrying our own node id */
	MEMBERS_DROP_TABLE_FULL, /* a new node id and no room */
	MEMBERS_DROP_ERROR, /* our side failed (no usable key) */
	MEMBERS_VERDICT_MAX,
};

/*
 * Receiver counters.  received == accepted + every drop counter; each
 * drop counter is indexed by its verdict.  vip_identity counts accepted
 * reports that name a VIP as the gateway (such a member is never usable).
 */
struct members_counters {
	uint64_t received;
	uint64_t verdict[MEMBERS_VERDICT_MAX]; /* [MEMBERS_ACCEPTED] = accepted */
	uint64_t vip_identity;
};

/* Why a member is not a target; MEMBER_USABLE when it is. */
enum member_why {
	MEMBER_USABLE,
	MEMBER_DEAD, /* no valid report within dead_after_ms */
	MEMBER_IS_VIP, /* a gateway identity equals a VIP */
	MEMBER_UNHEALTHY,
	MEMBER_DRAINING,
	MEMBER_FULL, /* tunnels >= max tunnels */
};

/* One listed member, as of now_ms.  Pointers are valid until the next
 * change of the table (any members_* call except the getters). */
struct member_info {
	unsigned index; /* slot, stable while the node id stays in the table */
	const char *node_id;
	const struct cfg_gw_addr *address;
	const struct cfg_gw_addr *address6; /* type 0: none */
	uint32_t tunnels;
	uint32_t max_tunnels;
	enum report_state state;
	const char *reason;
	uint8_t steer_label; /* its reported steering label; 0: none */
	const uint8_t *mac; /* its reported MAC (6 bytes; zero without a label) */
	uint64_t epoch;
	uint64_t seq;
	uint64_t report_ms; /* when the last report was accepted */
	uint64_t age_ms; /* now_ms - report_ms */
	uint64_t reports; /* accepted reports since the member (re)appeared */
	bool self; /* our own report */
	bool alive;
	bool usable; /* a target: alive, active, tunnels < max, not a VIP */
	enum member_why why;
};

struct members;

/* NULL (and a logged reason) when a parameter is unusable. */
struct members *members_new(const struct members_params *p);
void members_free(struct members *m);

/* A datagram from the report socket: decode, authenticate, check replay,
 * record; every datagram is counted under exactly one verdict. */
enum members_verdict members_handle_datagram(struct members *m, const uint8_t *buf,
					     size_t len, uint64_t now_ms);
/* The same, remembering src (the datagram's source address) for the member. */
enum members_verdict members_handle_datagram_from(struct members *m, const uint8_t *buf,
						  size_t len, uint64_t now_ms,
						  const struct ip_addr *src);
/*
 * The member whose reports come from src is dead as of now: VRRP found the
 * master at that address silent, and its gateway most likely died with it,
 * well before dead_after_ms would tell.  Returns how many were marked.
 */
unsigned members_declare_dead(struct members *m, const struct ip_addr *src, uint64_t now_ms);
/* A datagram longer than REPORT_MAX that the socket truncated. */
void members_note_oversized(struct members *m);
/* This node's own report, not sent through the network (multicast loop is
 * off).  Not counted in the receiver counters; replay rules still apply,
 * so the caller increments r->seq for each report. */
enum members_verdict members_update_self(struct members *m, const struct load_report *r,
					 uint64_t now_ms);
/* Logs members that died and forgets those dead for forget_after_ms;
 * call it periodically (e.g. with every own report). */
void members_tick(struct members *m, uint64_t now_ms);

/* Slots to iterate: for (i = 0; i < members_capacity(m); i++) members_get(...) */
unsigned members_capacity(const struct members *m);
/* Fills *out for a listed member in slot i; false for an empty slot. */
bool members_get(const struct members *m, unsigned i, uint64_t now_ms, struct member_info *out);
bool members_find(const struct members *m, const char *node_id, uint64_t now_ms,
		  struct member_info *out);
/* Listed members (alive or dead). */
unsigned members_listed(const struct members *m);
/* Bumped whenever an accepted report or a death/forget changes the table. */
uint64_t members_generation(const struct members *m);

const struct members_counters *members_counters(const struct members *m);
/* "accepted", "malformed", ... (the counter names used by `status`). */
const char *members_verdict_str(enum members_verdict v);
const char *member_why_str(enum member_why w);
/* "received=N accepted=N malformed=N ... vip_identity=N" into buf. */
const char *members_counters_str(const struct members *m, char *buf, size_t len);

#endif
