// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ip.h"
#include "base/log.h"
#include "cluster/members.h"

/* An old-epoch report is logged at most this often per member. */
#define OLD_EPOCH_WARN_MS 60000

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
	struct ip_addr src; /* source address of the last accepted report */
	bool declared_dead; /* by members_declare_dead, until the next report */
	struct load_report r;
};

struct members {
	char cluster[REPORT_CLUSTER_MAX + 1];
	char self_id[REPORT_NODE_ID_MAX + 1];
	struct cluster_key key;
	uint32_t dead_after_ms, forget_after_ms;
	bool has_vip4, has_vip6;
	struct in_addr vip4;
	struct in6_addr vip6;
	unsigned cap;
	struct member *slot;
	struct members_counters cnt;
	uint64_t generation;
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
};

const char *members_verdict_str(enum members_verdict v)
{
	return (unsigned)v < MEMBERS_VERDICT_MAX ? verdict_names[v] : "invalid";
}

const char *member_why_str(enum member_why w)
{
	static const char *const names[] = { "usable", "dead",	   "vip",
					     "unhealthy", "draining", "full" };

	return (unsigned)w < sizeof(names) / sizeof(names[0]) ? names[w] : "invalid";
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
	m->key = *p->key;
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

void members_free(struct members *m)
{
	if (!m)
		return;
	cluster_key_clear(&m->key);
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

static void warn_old_epoch(struct member *e, const struct load_report *r, uint64_t now_ms)
{
	if (e->warned && age(now_ms, e->warned_ms) < OLD_EPOCH_WARN_MS)
		return;
	e->warned = true;
	e->warned_ms = now_ms;
	log_warn("reports: member %s: dropped a report from an older boot (epoch %#" PRIx64
		 " < %#" PRIx64 "): a replay, or its clock went back",
		 r->node_id, r->epoch, e->epoch);
}

static void note_accept(struct members *m, struct member *e, const struct load_report *r)
{
	bool vip = gw_is_vip(m, &r->address) || gw_is_vip(m, &r->address6);

	if (!e->listed)
		log_info("reports: member %s joined (epoch %#" PRIx64 ")", r->node_id, r->epoch);
	else if (r->epoch != e->epoch)
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

static enum members_verdict record(struct members *m, const struct load_report *r,
				   uint64_t now_ms, bool self, const struct ip_addr *src)
{
	struct member *e = find(m, r->node_id);

	if (!e) {
		e = alloc(m);
		if (!e)
			return MEMBERS_DROP_TABLE_FULL;
		memset(e, 0, sizeof(*e));
		e->used = true;
	}
	if (r->epoch < e->epoch) {
		warn_old_epoch(e, r, now_ms);
		return MEMBERS_DROP_OLD_EPOCH;
	}
	if (r->epoch == e->epoch && r->seq <= e->seq)
		return MEMBERS_DROP_REPLAYED;
	note_accept(m, e, r);
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
	if (src)
		e->src = *src;
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
					     size_t len, uint64_t now_ms)
{
	return members_handle_datagram_from(m, buf, len, now_ms, NULL);
}

enum members_verdict members_handle_datagram_from(struct members *m, const uint8_t *buf,
						  size_t len, uint64_t now_ms,
						  const struct ip_addr *src)
{
	struct load_report r;
	enum members_verdict v;

	v = verdict_of(report_decode(buf, len, m->cluster, &m->key, &r));
	if (v == MEMBERS_ACCEPTED && m->self_id[0] && strcmp(r.node_id, m->self_id) == 0)
		v = MEMBERS_DROP_SELF;
	if (v == MEMBERS_ACCEPTED)
		v = record(m, &r, now_ms, false, src);
	m->cnt.received++;
	m->cnt.verdict[v]++;
	if (v != MEMBERS_ACCEPTED)
		log_debug("reports: dropped a %zu-byte datagram: %s", len, members_verdict_str(v));
	return v;
}

void members_note_oversized(struct members *m)
{
	m->cnt.received++;
	m->cnt.verdict[MEMBERS_DROP_OVERSIZED]++;
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
	return record(m, r, now_ms, true, NULL);
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
		snprintf(buf + off, len - off, " vip_identity=%" PRIu64, m->cnt.vip_identity);
	return buf;
}
