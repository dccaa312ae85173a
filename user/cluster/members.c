// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ip.h"
#include "base/log.h"
#include "cluster/members.h"

/* An old-epoch or a future-epoch report is logged at most this often per
 * node id. */
#define EPOCH_WARN_MS 60000
/* Node ids whose future epochs were logged lately (a node id refused that
 * way gets no slot in the table). */
#define FUTURE_WARNED 8
/* Fresh reports of the previous epoch after a restart that make a conflict:
 * one could be a straggler sent just before the restart. */
#define PREV_FRESH_CONFLICT 2

struct conflict {
	bool on; /* evidence came; over once none came for dead_after_ms */
	enum member_conflict_kind kind;
	bool has_other_src;
	struct ip_addr other_src;
	uint64_t other_epoch;
	uint64_t since_ms, heard_ms;
};

struct member {
	bool used; /* slot holds a node id (listed, or a tombstone) */
	bool listed; /* false once forgotten: only epoch/seq remain */
	bool self;
	bool dead_logged;
	bool vip;
	uint64_t epoch, seq; /* highest accepted pair */
	uint64_t report_ms;
	uint64_t reports;
	uint64_t warned_ms;
	bool warned;
	bool has_src;
	struct ip_addr src; /* source address of the last accepted report */
	bool declared_dead; /* by members_declare_dead, until the next report */
	/* the epoch before the last restart and the highest seq heard of it:
	 * reports above that seq prove it still runs */
	uint64_t prev_epoch, prev_seq;
	unsigned prev_fresh; /* such reports since the restart */
	/* self: the highest pair heard from another sender of our node id */
	uint64_t other_epoch, other_seq;
	struct conflict conflict;
	struct load_report r;
};

struct future_warned {
	char node_id[REPORT_NODE_ID_MAX + 1];
	uint64_t at_ms;
};

struct members {
	char cluster[REPORT_CLUSTER_MAX + 1];
	char self_id[REPORT_NODE_ID_MAX + 1];
	struct cluster_key key, key_previous;
	uint32_t dead_after_ms, forget_after_ms;
	bool has_vip4, has_vip6;
	struct in_addr vip4;
	struct in6_addr vip6;
	unsigned cap;
	struct member *slot;
	struct members_counters cnt;
	uint64_t generation;
	struct future_warned future_warned[FUTURE_WARNED];
};

static const char *const verdict_names[MEMBERS_VERDICT_MAX] = {
	[MEMBERS_ACCEPTED] = "accepted",
	[MEMBERS_DROP_MALFORMED] = "malformed",
	[MEMBERS_DROP_OVERSIZED] = "oversized",
	[MEMBERS_DROP_BAD_MAGIC] = "bad_magic",
	[MEMBERS_DROP_BAD_VERSION] = "bad_version",
	[MEMBERS_DROP_OTHER_CLUSTER] = "other_cluster",
	[MEMBERS_DROP_BAD_MAC] = "bad_mac",
	[MEMBERS_DROP_REPLAYED] = "replayed",
	[MEMBERS_DROP_OLD_EPOCH] = "old_epoch",
	[MEMBERS_DROP_SELF] = "self",
	[MEMBERS_DROP_TABLE_FULL] = "table_full",
	[MEMBERS_DROP_ERROR] = "error",
	[MEMBERS_DROP_FUTURE_EPOCH] = "future_epoch",
	[MEMBERS_DROP_BAD_TTL] = "bad_ttl",
	[MEMBERS_DROP_NOT_PEER] = "not_peer",
};

const char *members_verdict_str(enum members_verdict v)
{
	return (unsigned)v < MEMBERS_VERDICT_MAX ? verdict_names[v] : "invalid";
}

const char *member_why_str(enum member_why w)
{
	static const char *const names[] = { "usable",	  "dead",     "conflict", "vip",
					     "unhealthy", "draining", "full" };

	return (unsigned)w < sizeof(names) / sizeof(names[0]) ? names[w] : "invalid";
}

const char *member_conflict_str(enum member_conflict_kind k)
{
	return k == MEMBER_CONFLICT_EPOCH ? "epoch" : "source";
}

static bool name_ok(const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max + 1) : 0;

	return n >= 1 && n <= max;
}

struct members *members_new(const struct members_params *p)
{
	struct members *m;

	if (!name_ok(p->cluster, REPORT_CLUSTER_MAX) || !p->key ||
	    p->key->len < CLUSTER_KEY_MIN || p->key->len > CLUSTER_KEY_MAX ||
	    p->dead_after_ms == 0 || (p->self_id && *p->self_id &&
				      !name_ok(p->self_id, REPORT_NODE_ID_MAX))) {
		log_err("reports: member table: invalid cluster name, key, node id or dead_after_ms");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cap = p->capacity ? p->capacity : MEMBERS_DEFAULT_CAPACITY;
	m->slot = calloc(m->cap, sizeof(*m->slot));
	if (!m->slot) {
		free(m);
		return NULL;
	}
	strcpy(m->cluster, p->cluster);
	if (p->self_id)
		strcpy(m->self_id, p->self_id);
	members_set_keys(m, p->key, p->key_previous);
	m->dead_after_ms = p->dead_after_ms;
	m->forget_after_ms = p->forget_after_ms ? p->forget_after_ms : MEMBERS_DEFAULT_FORGET_MS;
	if (m->forget_after_ms < m->dead_after_ms)
		m->forget_after_ms = m->dead_after_ms;
	if (p->vip4) {
		m->has_vip4 = true;
		m->vip4 = *p->vip4;
	}
	if (p->vip6) {
		m->has_vip6 = true;
		m->vip6 = *p->vip6;
	}
	return m;
}

void members_set_keys(struct members *m, const struct cluster_key *key,
		      const struct cluster_key *previous)
{
	m->key = *key;
	cluster_key_clear(&m->key_previous);
	if (previous && previous->len)
		m->key_previous = *previous;
}

void members_free(struct members *m)
{
	if (!m)
		return;
	cluster_key_clear(&m->key);
	cluster_key_clear(&m->key_previous);
	free(m->slot);
	free(m);
}

/* ---- recording reports -------------------------------------------------- */

static struct member *find(const struct members *m, const char *node_id)
{
	for (unsigned i = 0; i < m->cap; i++)
		if (m->slot[i].used && strcmp(m->slot[i].r.node_id, node_id) == 0)
			return &m->slot[i];
	return NULL;
}

/* A free slot, else the tombstone unheard from the longest. */
static struct member *alloc(struct members *m)
{
	struct member *oldest = NULL;

	for (unsigned i = 0; i < m->cap; i++) {
		struct member *e = &m->slot[i];

		if (!e->used)
			return e;
		if (!e->listed && (!oldest || e->report_ms < oldest->report_ms))
			oldest = e;
	}
	if (oldest)
		log_info("reports: reusing the replay record of forgotten member %s",
			 oldest->r.node_id);
	return oldest;
}

static bool gw_is_vip(const struct members *m, const struct cfg_gw_addr *a)
{
	struct in6_addr v6;

	if (a->type == IKE_GW_ID_IPV4)
		return m->has_vip4 && memcmp(a->data, &m->vip4, 4) == 0;
	if (a->type != IKE_GW_ID_IPV6)
		return false;
	memcpy(&v6, a->data, sizeof(v6));
	if (m->has_vip6 && IN6_ARE_ADDR_EQUAL(&v6, &m->vip6))
		return true;
	/* ::ffff:a.b.c.d names the IPv4 VIP too */
	return m->has_vip4 && IN6_IS_ADDR_V4MAPPED(&v6) && memcmp(&v6.s6_addr[12], &m->vip4, 4) == 0;
}

static uint64_t age(uint64_t now_ms, uint64_t then_ms)
{
	return now_ms > then_ms ? now_ms - then_ms : 0;
}

static bool is_dead(const struct members *m, const struct member *e, uint64_t now_ms)
{
	return e->declared_dead || age(now_ms, e->report_ms) >= m->dead_after_ms;
}

static const char *src_str(const struct ip_addr *src, char *buf, size_t len)
{
	if (!src || !src->family)
		return "an unknown address";
	return ip_addr_str(src, buf, len);
}

static void warn_old_epoch(struct member *e, const struct load_report *r,
			   const struct ip_addr *src, uint64_t now_ms)
{
	char a[INET6_ADDRSTRLEN];

	if (e->warned && age(now_ms, e->warned_ms) < EPOCH_WARN_MS)
		return;
	e->warned = true;
	e->warned_ms = now_ms;
	log_warn("reports: member %s: dropped a report of an earlier boot (epoch %#" PRIx64
		 " < %#" PRIx64 ") from %s: a replay, a node whose clock went back, or a "
		 "second node with this node id",
		 r->node_id, r->epoch, e->epoch, src_str(src, a, sizeof(a)));
}

/* Logs a refused future epoch at most once per EPOCH_WARN_MS per node id. */
static void warn_future_epoch(struct members *m, const struct load_report *r,
			      const struct ip_addr *src, uint64_t now_ms, uint64_t wall_ms)
{
	struct future_warned *w = NULL;
	char a[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < FUTURE_WARNED && !w; i++)
		if (!strcmp(m->future_warned[i].node_id, r->node_id))
			w = &m->future_warned[i];
	if (w && age(now_ms, w->at_ms) < EPOCH_WARN_MS)
		return;
	if (!w) {
		/* an unused entry, else the one logged longest ago */
		w = &m->future_warned[0];
		for (unsigned i = 1; i < FUTURE_WARNED && w->node_id[0]; i++)
			if (!m->future_warned[i].node_id[0] || m->future_warned[i].at_ms < w->at_ms)
				w = &m->future_warned[i];
		snprintf(w->node_id, sizeof(w->node_id), "%s", r->node_id);
	}
	w->at_ms = now_ms;
	log_warn("reports: member %s: refused a report from %s whose epoch %#" PRIx64
		 " says it booted %" PRIu64 " s from now (more than %u s ahead of this clock): "
		 "its clock or ours is wrong, or it is forged",
		 r->node_id, src_str(src, a, sizeof(a)), r->epoch,
		 (report_epoch_ms(r->epoch) - wall_ms) / 1000, REPORT_EPOCH_AHEAD_MAX_MS / 1000);
}

static bool in_conflict(const struct members *m, const struct member *e, uint64_t now_ms)
{
	return e->conflict.on && age(now_ms, e->conflict.heard_ms) < m->dead_after_ms;
}

/*
 * Evidence that two senders use e's node id: a (the one recorded, or about
 * to be) and b (the other, kept for `status`).
 */
static void note_conflict(struct members *m, struct member *e, enum member_conflict_kind kind,
			  const struct ip_addr *a_src, uint64_t a_epoch,
			  const struct ip_addr *b_src, uint64_t b_epoch, uint64_t now_ms)
{
	struct conflict *c = &e->conflict;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool began = !in_conflict(m, e, now_ms);

	c->kind = kind;
	c->has_other_src = b_src && b_src->family;
	if (c->has_other_src)
		c->other_src = *b_src;
	c->other_epoch = b_epoch;
	c->heard_ms = now_ms;
	if (!began)
		return;
	c->on = true;
	c->since_ms = now_ms;
	m->cnt.conflicts++;
	m->generation++;
	log_warn("reports: member %s: node id claimed by two senders (%s %#" PRIx64
		 " and %s %#" PRIx64 "): two nodes with one node_id?  %s until only one is "
		 "heard for %u ms",
		 e->r.node_id, e->self ? "this node" : src_str(a_src, a, sizeof(a)), a_epoch,
		 src_str(b_src, b, sizeof(b)), b_epoch,
		 e->self ? "this node keeps its own entry; the other's reports are dropped"
			 : "it is no target",
		 m->dead_after_ms);
}

static void note_accept(struct members *m, struct member *e, const struct load_report *r)
{
	bool vip = gw_is_vip(m, &r->address) || gw_is_vip(m, &r->address6);

	if (!e->listed)
		log_info("reports: member %s joined (epoch %#" PRIx64 ")", r->node_id, r->epoch);
	else if (r->epoch > e->epoch && e->epoch)
		log_info("reports: member %s restarted (epoch %#" PRIx64 " -> %#" PRIx64 ")",
			 r->node_id, e->epoch, r->epoch);
	else if (e->dead_logged)
		log_info("reports: member %s alive again", r->node_id);
	if (vip && !e->vip)
		log_warn("reports: member %s names a virtual IP as its gateway address; "
			 "it is never a target",
			 r->node_id);
	if (vip)
		m->cnt.vip_identity++;
	e->vip = vip;
}

/* Our clock says e's recorded epoch cannot have been a boot: forget it
 * (the pair only; the member stays listed until its next report). */
static void forget_future_record(struct member *e, uint64_t wall_ms)
{
	if (!e->epoch || !report_epoch_ahead(e->epoch, wall_ms))
		return;
	log_warn("reports: member %s: its recorded epoch %#" PRIx64 " lies more than %u s "
		 "ahead of this clock and cannot be a boot: forgotten, its next report is taken",
		 e->r.node_id, e->epoch, REPORT_EPOCH_AHEAD_MAX_MS / 1000);
	e->epoch = e->seq = 0;
	e->prev_epoch = e->prev_seq = 0;
}

/*
 * A report of an epoch below the recorded one.  Fresh reports of the
 * previous epoch (above the highest seq heard of it) prove that it still
 * runs: evidence of a conflict while the recorded epoch is alive, and the
 * previous epoch is taken back once the recorded one is silent.  Returns
 * true when it is to be accepted.
 */
static bool lower_epoch(struct members *m, struct member *e, const struct load_report *r,
			uint64_t now_ms, const struct ip_addr *src)
{
	char a[INET6_ADDRSTRLEN];

	if (!e->prev_epoch || r->epoch != e->prev_epoch || r->seq <= e->prev_seq) {
		warn_old_epoch(e, r, src, now_ms);
		return false;
	}
	e->prev_seq = r->seq;
	if (e->listed && age(now_ms, e->report_ms) < m->dead_after_ms && !e->declared_dead) {
		if (++e->prev_fresh >= PREV_FRESH_CONFLICT)
			note_conflict(m, e, MEMBER_CONFLICT_EPOCH, e->has_src ? &e->src : NULL,
				      e->epoch, src, r->epoch, now_ms);
		return false;
	}
	log_warn("reports: member %s: epoch %#" PRIx64 " went silent while the earlier epoch %#"
		 PRIx64 " goes on from %s: taking the earlier one back",
		 r->node_id, e->epoch, r->epoch, src_str(src, a, sizeof(a)));
	return true;
}

/*
 * Another sender with our node id: shown, never recorded.  Evidence is a
 * foreign epoch that advances (its first report, or an epoch from the
 * future, proves nothing).
 */
static void self_claimed(struct members *m, const struct load_report *r, uint64_t now_ms,
			 uint64_t wall_ms, const struct ip_addr *src)
{
	struct member *e = find(m, r->node_id);

	if (!e || !e->self || r->epoch == e->epoch || report_epoch_ahead(r->epoch, wall_ms))
		return; /* our own report coming back (a loop, a replay) */
	if (r->epoch == e->other_epoch && r->seq > e->other_seq)
		note_conflict(m, e, MEMBER_CONFLICT_EPOCH, NULL, e->epoch, src, r->epoch, now_ms);
	if (r->epoch != e->other_epoch || r->seq > e->other_seq) {
		e->other_epoch = r->epoch;
		e->other_seq = r->seq;
	}
}

static enum members_verdict record(struct members *m, const struct load_report *r,
				   uint64_t now_ms, uint64_t wall_ms, bool self,
				   const struct ip_addr *src)
{
	struct member *e = find(m, r->node_id);
	bool restart, taken_back = false;

	if (!self && report_epoch_ahead(r->epoch, wall_ms)) {
		warn_future_epoch(m, r, src, now_ms, wall_ms);
		return MEMBERS_DROP_FUTURE_EPOCH;
	}
	if (!e) {
		e = alloc(m);
		if (!e)
			return MEMBERS_DROP_TABLE_FULL;
		memset(e, 0, sizeof(*e));
		e->used = true;
	}
	if (self) {
		/* our own epoch is renewed when our clock went back: no replay
		 * rule holds against ourselves */
		if (r->epoch != e->epoch)
			e->epoch = e->seq = 0;
	} else {
		forget_future_record(e, wall_ms);
	}
	if (r->epoch < e->epoch) {
		if (!lower_epoch(m, e, r, now_ms, src))
			return MEMBERS_DROP_OLD_EPOCH;
		taken_back = true;
	} else if (r->epoch == e->epoch && r->seq <= e->seq) {
		return MEMBERS_DROP_REPLAYED;
	}
	restart = e->listed && r->epoch != e->epoch && e->epoch;
	/* same family only: a node listed by both of its addresses in a
	 * dual-stack peers list is heard from both */
	if (src && e->listed && e->has_src && src->family == e->src.family &&
	    !ip_addr_eq(src, &e->src) && age(now_ms, e->report_ms) < m->dead_after_ms &&
	    !e->declared_dead)
		note_conflict(m, e, MEMBER_CONFLICT_SOURCE, src, r->epoch, &e->src, e->epoch,
			      now_ms);
	note_accept(m, e, r);
	if (taken_back)
		log_info("reports: member %s back at epoch %#" PRIx64, r->node_id, r->epoch);
	if (restart) {
		/* remember the epoch left behind: if it goes on, two run */
		e->prev_epoch = e->epoch;
		e->prev_seq = e->seq;
		e->prev_fresh = 0;
	} else if (!e->listed) {
		e->prev_epoch = e->prev_seq = 0;
	}
	if (!e->listed || r->epoch != e->epoch)
		e->reports = 0;
	e->listed = true;
	e->self = self;
	e->dead_logged = false;
	e->epoch = r->epoch;
	e->seq = r->seq;
	e->report_ms = now_ms;
	e->declared_dead = false;
	e->reports++;
	e->r = *r;
	if (src) {
		e->src = *src;
		e->has_src = true;
	}
	m->generation++;
	return MEMBERS_ACCEPTED;
}

static enum members_verdict verdict_of(enum report_err e)
{
	switch (e) {
	case REPORT_OK:
		return MEMBERS_ACCEPTED;
	case REPORT_ERR_OVERSIZED:
		return MEMBERS_DROP_OVERSIZED;
	case REPORT_ERR_BAD_MAGIC:
		return MEMBERS_DROP_BAD_MAGIC;
	case REPORT_ERR_BAD_VERSION:
		return MEMBERS_DROP_BAD_VERSION;
	case REPORT_ERR_MALFORMED:
		return MEMBERS_DROP_MALFORMED;
	case REPORT_ERR_OTHER_CLUSTER:
		return MEMBERS_DROP_OTHER_CLUSTER;
	case REPORT_ERR_BAD_MAC:
		return MEMBERS_DROP_BAD_MAC;
	case REPORT_ERR_KEY:
		break;
	}
	return MEMBERS_DROP_ERROR;
}

enum members_verdict members_handle_datagram(struct members *m, const uint8_t *buf,
					     size_t len, uint64_t now_ms, uint64_t wall_ms)
{
	return members_handle_datagram_from(m, buf, len, now_ms, wall_ms, NULL);
}

enum members_verdict members_handle_datagram_from(struct members *m, const uint8_t *buf,
						  size_t len, uint64_t now_ms, uint64_t wall_ms,
						  const struct ip_addr *src)
{
	struct load_report r;
	enum members_verdict v;
	bool previous = false;

	v = verdict_of(report_decode2(buf, len, m->cluster, &m->key, &m->key_previous, &r,
				      &previous));
	if (v == MEMBERS_ACCEPTED && m->self_id[0] && strcmp(r.node_id, m->self_id) == 0) {
		self_claimed(m, &r, now_ms, wall_ms, src);
		v = MEMBERS_DROP_SELF;
	}
	if (v == MEMBERS_ACCEPTED)
		v = record(m, &r, now_ms, wall_ms, false, src);
	if (v == MEMBERS_ACCEPTED && previous)
		m->cnt.previous_key++;
	m->cnt.received++;
	m->cnt.verdict[v]++;
	if (v != MEMBERS_ACCEPTED)
		log_debug("reports: dropped a %zu-byte datagram: %s", len, members_verdict_str(v));
	return v;
}

void members_note_dropped(struct members *m, enum members_verdict v)
{
	if (v <= MEMBERS_ACCEPTED || v >= MEMBERS_VERDICT_MAX)
		v = MEMBERS_DROP_ERROR;
	m->cnt.received++;
	m->cnt.verdict[v]++;
}

enum members_verdict members_update_self(struct members *m, const struct load_report *r,
					 uint64_t now_ms)
{
	if (report_check(r) < 0)
		return MEMBERS_DROP_MALFORMED;
	if (strcmp(r->cluster, m->cluster) != 0)
		return MEMBERS_DROP_OTHER_CLUSTER;
	if (m->self_id[0] && strcmp(r->node_id, m->self_id) != 0)
		return MEMBERS_DROP_ERROR;
	return record(m, r, now_ms, 0, true, NULL);
}

unsigned members_declare_dead(struct members *m, const struct ip_addr *src, uint64_t now_ms)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->cap; i++) {
		struct member *e = &m->slot[i];

		if (!e->listed || e->self || !ip_addr_eq(&e->src, src) || is_dead(m, e, now_ms))
			continue;
		/* its next valid report revives it */
		e->declared_dead = true;
		e->dead_logged = true;
		m->generation++;
		n++;
		log_info("reports: member %s taken for dead: it was the VRRP master and went silent",
			 e->r.node_id);
	}
	return n;
}

void members_tick(struct members *m, uint64_t now_ms)
{
	for (unsigned i = 0; i < m->cap; i++) {
		struct member *e = &m->slot[i];
		uint64_t a = age(now_ms, e->report_ms);

		if (!e->listed)
			continue;
		if (e->conflict.on && !in_conflict(m, e, now_ms)) {
			log_info("reports: member %s: conflict over: one sender for %u ms",
				 e->r.node_id, m->dead_after_ms);
			e->conflict.on = false;
			e->prev_fresh = 0;
			m->generation++;
		}
		if (a >= m->forget_after_ms) {
			log_info("reports: member %s forgotten (no report for %" PRIu64 " ms)",
				 e->r.node_id, a);
			e->listed = false;
			m->generation++;
		} else if (a >= m->dead_after_ms && !e->dead_logged) {
			log_info("reports: member %s dead (no valid report for %" PRIu64 " ms)",
				 e->r.node_id, a);
			e->dead_logged = true;
			m->generation++;
		}
	}
}

/* ---- queries ------------------------------------------------------------ */

static enum member_why why_of(const struct members *m, const struct member *e, uint64_t now_ms)
{
	if (is_dead(m, e, now_ms))
		return MEMBER_DEAD;
	if (!e->self && in_conflict(m, e, now_ms))
		return MEMBER_CONFLICT;
	if (e->vip)
		return MEMBER_IS_VIP;
	if (e->r.state == REPORT_UNHEALTHY)
		return MEMBER_UNHEALTHY;
	if (e->r.state == REPORT_DRAINING)
		return MEMBER_DRAINING;
	if (e->r.tunnels >= e->r.max_tunnels)
		return MEMBER_FULL;
	return MEMBER_USABLE;
}

unsigned members_capacity(const struct members *m)
{
	return m->cap;
}

bool members_get(const struct members *m, unsigned i, uint64_t now_ms, struct member_info *out)
{
	const struct member *e;

	if (i >= m->cap || !m->slot[i].listed)
		return false;
	e = &m->slot[i];
	*out = (struct member_info){
		.index = i,
		.node_id = e->r.node_id,
		.address = &e->r.address,
		.address6 = &e->r.address6,
		.tunnels = e->r.tunnels,
		.max_tunnels = e->r.max_tunnels,
		.state = e->r.state,
		.reason = e->r.reason,
		.steer_label = e->r.steer_label,
		.mac = e->r.mac,
		.epoch = e->epoch,
		.seq = e->seq,
		.report_ms = e->report_ms,
		.age_ms = age(now_ms, e->report_ms),
		.reports = e->reports,
		.self = e->self,
		.src = e->has_src ? &e->src : NULL,
		.conflict = in_conflict(m, e, now_ms),
		.conflict_kind = e->conflict.kind,
		.other_src = e->conflict.has_other_src ? &e->conflict.other_src : NULL,
		.other_epoch = e->conflict.other_epoch,
		.conflict_since_ms = e->conflict.since_ms,
		.conflict_heard_ms = e->conflict.heard_ms,
	};
	out->why = why_of(m, e, now_ms);
	out->alive = out->why != MEMBER_DEAD;
	out->usable = out->why == MEMBER_USABLE;
	return true;
}

bool members_find(const struct members *m, const char *node_id, uint64_t now_ms,
		  struct member_info *out)
{
	const struct member *e = find(m, node_id);

	return e && members_get(m, (unsigned)(e - m->slot), now_ms, out);
}

unsigned members_listed(const struct members *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->cap; i++)
		n += m->slot[i].listed;
	return n;
}

unsigned members_conflicts(const struct members *m, uint64_t now_ms)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->cap; i++)
		n += m->slot[i].listed && in_conflict(m, &m->slot[i], now_ms);
	return n;
}

uint64_t members_generation(const struct members *m)
{
	return m->generation;
}

const struct members_counters *members_counters(const struct members *m)
{
	return &m->cnt;
}

const char *members_counters_str(const struct members *m, char *buf, size_t len)
{
	size_t off;
	int n;

	n = snprintf(buf, len, "received=%" PRIu64, m->cnt.received);
	off = n > 0 ? (size_t)n : 0;
	for (unsigned v = 0; v < MEMBERS_VERDICT_MAX && off < len; v++) {
		n = snprintf(buf + off, len - off, " %s=%" PRIu64, verdict_names[v],
			     m->cnt.verdict[v]);
		off += n > 0 ? (size_t)n : 0;
	}
	if (off < len)
		snprintf(buf + off, len - off,
			 " vip_identity=%" PRIu64 " previous_key=%" PRIu64 " conflicts=%" PRIu64,
			 m->cnt.vip_identity, m->cnt.previous_key, m->cnt.conflicts);
	return buf;
}
