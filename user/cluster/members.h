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
 * Epochs from the future: a report whose epoch's boot time is more than
 * REPORT_EPOCH_AHEAD_MAX_MS after the receiver's wall clock is refused
 * (future_epoch) and never recorded, so it cannot pin a node's replay
 * record; a recorded epoch that the wall clock finds that far ahead (our
 * clock was stepped back) cannot be genuine and is forgotten, so the node's
 * next report is taken without a restart of anyone.
 *
 * One identity per node id: two nodes sending under one node id (cloned
 * machines; node_id defaults to the host name) are a conflict.  Evidence,
 * each only from reports that pass the MAC and are fresh, so that no replay
 * of a recording can raise it:
 *   - source: an accepted report comes from another address than the
 *     member's last accepted report, while the member is alive;
 *   - epoch: after a member restarted (a higher epoch was accepted), its
 *     previous epoch goes on with sequence numbers above the highest
 *     accepted of it (twice: one straggler of a real restart is not a
 *     clone).  A recording cannot hold such numbers.
 * A member in conflict is no target (why = conflict, no slots) until no
 * evidence came for dead_after_ms: the other claimant has gone as quietly
 * as a dead member.  When the recorded epoch falls silent for
 * dead_after_ms while the previous one still advances, the previous one is
 * taken back (the surviving clone, or the genuine node after a forged
 * higher epoch), so that no node stays locked out.  Our own node id heard
 * from the network (another node with our id) is shown as a conflict too,
 * but never costs this node its own entry: a replayed recording of our
 * previous boot must not take our gateway out.
 *
 * Time is the caller's: now_ms is a monotonic clock in milliseconds
 * (ageing, conflicts), wall_ms the wall clock in ms since 1970 (epochs);
 * the table never reads a clock, so tests drive it with fake ones.
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
	/* a second key accepted during a key rotation (never used to send);
	 * NULL or empty: none */
	const struct cluster_key *key_previous;
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
	MEMBERS_DROP_FUTURE_EPOCH, /* epoch too far ahead of our wall clock */
	MEMBERS_DROP_BAD_TTL, /* multicast with a TTL / hop limit below 255 */
	MEMBERS_DROP_NOT_PEER, /* unicast from an address not in peers */
	MEMBERS_VERDICT_MAX,
};

/*
 * Receiver counters.  received == accepted + every drop counter; each
 * drop counter is indexed by its verdict.  vip_identity counts accepted
 * reports that name a VIP as the gateway (such a member is never usable);
 * previous_key those accepted under the previous key of a rotation;
 * conflicts the conflicts that began (one per episode, not per report).
 */
struct members_counters {
	uint64_t received;
	uint64_t verdict[MEMBERS_VERDICT_MAX]; /* [MEMBERS_ACCEPTED] = accepted */
	uint64_t vip_identity;
	uint64_t previous_key;
	uint64_t conflicts;
};

/* Why a member is not a target; MEMBER_USABLE when it is. */
enum member_why {
	MEMBER_USABLE,
	MEMBER_DEAD, /* no valid report within dead_after_ms */
	MEMBER_CONFLICT, /* its node id is claimed by two senders */
	MEMBER_IS_VIP, /* a gateway identity equals a VIP */
	MEMBER_UNHEALTHY,
	MEMBER_DRAINING,
	MEMBER_FULL, /* tunnels >= max tunnels */
};

/* What shows that two senders use one node id. */
enum member_conflict_kind {
	MEMBER_CONFLICT_SOURCE, /* accepted reports from two addresses */
	MEMBER_CONFLICT_EPOCH, /* two boot epochs both still advancing */
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
	bool usable; /* a target: alive, active, tunnels < max, not a VIP, no conflict */
	enum member_why why;
	const struct ip_addr *src; /* of the last accepted report; NULL: unknown */
	/* a conflict over this node id, shown until it is resolved (for self
	 * too, whose own entry stays usable) */
	bool conflict;
	enum member_conflict_kind conflict_kind;
	const struct ip_addr *other_src; /* the other claimant's, NULL: unknown */
	uint64_t other_epoch; /* the other claimant's */
	uint64_t conflict_since_ms; /* when this conflict began */
	uint64_t conflict_heard_ms; /* the latest evidence */
};

struct members;

/* NULL (and a logged reason) when a parameter is unusable. */
struct members *members_new(const struct members_params *p);
void members_free(struct members *m);

/* New keys after a reload (copied; previous NULL or empty: none). */
void members_set_keys(struct members *m, const struct cluster_key *key,
		      const struct cluster_key *previous);

/* A datagram from the report socket: decode, authenticate, check the
 * epoch against wall_ms and the replay window, record; every datagram is
 * counted under exactly one verdict. */
enum members_verdict members_handle_datagram(struct members *m, const uint8_t *buf,
					     size_t len, uint64_t now_ms, uint64_t wall_ms);
/* The same, remembering src (the datagram's source address) for the
 * member and its conflicts. */
enum members_verdict members_handle_datagram_from(struct members *m, const uint8_t *buf,
						  size_t len, uint64_t now_ms, uint64_t wall_ms,
						  const struct ip_addr *src);
/*
 * The member whose reports come from src is dead as of now: VRRP found the
 * master at that address silent, and its gateway most likely died with it,
 * well before dead_after_ms would tell.  Returns how many were marked.
 */
unsigned members_declare_dead(struct members *m, const struct ip_addr *src, uint64_t now_ms);
/* A datagram the socket dropped before decoding (oversized, bad_ttl,
 * not_peer): counted like the others. */
void members_note_dropped(struct members *m, enum members_verdict v);
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
/* Members in conflict as of now_ms (self included). */
unsigned members_conflicts(const struct members *m, uint64_t now_ms);
/* Bumped whenever an accepted report or a death/forget changes the table. */
uint64_t members_generation(const struct members *m);

const struct members_counters *members_counters(const struct members *m);
/* "accepted", "malformed", ... (the counter names used by `status`). */
const char *members_verdict_str(enum members_verdict v);
const char *member_why_str(enum member_why w);
const char *member_conflict_str(enum member_conflict_kind k); /* "source", "epoch" */
/* "received=N accepted=N malformed=N ... vip_identity=N previous_key=N
 * conflicts=N" into buf. */
const char *members_counters_str(const struct members *m, char *buf, size_t len);

#endif
