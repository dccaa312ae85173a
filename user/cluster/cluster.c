// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/loop.h"
#include "cluster/balancer.h"
#include "cluster/cluster.h"
#include "cluster/members.h"
#include "cluster/steering.h"
#include "cluster/migration_pick.h"
#include "cluster/targets.h"

/* How often a static target's MAC is looked up in the neighbour table. */
#define NEIGH_LOOKUP_MS 1000

struct cluster {
	struct loop *loop;
	const struct config *cfg;
	const struct dataplane *dp;
	struct members *members;
	char node_id[CFG_NODE_ID_MAX + 1];
	struct cluster_hooks hooks;
	bool draining;
	struct targets tg;
	struct balancer *bal;
	struct pool_entry pool[IKELB_MAX_TARGETS];
	unsigned n_pool;
	/* redirects the XDP program did not count, per target: auth mode's,
	 * and the clients granted to migrations */
	uint64_t auth_redirects[IKELB_MAX_TARGETS];
	uint64_t migrations[IKELB_MAX_TARGETS]; /* of those, granted to migrations */
	struct migration_pick pick;
	struct loop_timer refill;
	/* steering: map "labels" as last written (labels_written: at all) */
	struct ikelb_steer labels[IKELB_STEER_LABELS];
	bool labels_written;
	/* static targets' MACs from the neighbour table, by target index */
	struct {
		uint64_t asked_ms;
		bool found;
		uint8_t mac[6];
	} neigh[IKELB_MAX_TARGETS];
};

_Static_assert((int)CFG_POLICY_LEAST_TUNNELS == (int)BALANCER_LEAST_TUNNELS &&
		       (int)CFG_POLICY_LEAST_UTILIZATION == (int)BALANCER_LEAST_UTILIZATION &&
		       (int)CFG_POLICY_FEWEST_REPORTED == (int)BALANCER_FEWEST_REPORTED,
	       "config and balancer policies disagree");

const char *pool_state_name(enum pool_state s)
{
	static const char *const n[] = { "active", "draining", "unhealthy",
					 "full",   "dead",     "conflict" };

	return s <= POOL_CONFLICT ? n[s] : "?";
}

unsigned cluster_pool(const struct cluster *c, const struct pool_entry **out)
{
	*out = c->pool;
	return c->n_pool;
}

/* The identity used for clients of the VIP of each family: an FQDN serves
 * both, an address only its own family; address6 overrides for IPv6. */
static void gw_ids(const struct cfg_gw_addr *a, const struct cfg_gw_addr *a6,
		   struct ikelb_target *t)
{
	memset(t, 0, sizeof(*t));
	if (a->type == IKE_GW_ID_IPV4 || a->type == IKE_GW_ID_FQDN) {
		t->id[IKELB_FAM_V4].type = a->type;
		t->id[IKELB_FAM_V4].len = a->len;
		memcpy(t->id[IKELB_FAM_V4].data, a->data, a->len);
	}
	if (a6->type) 
		a = a6;
	if (a->type == IKE_GW_ID_IPV6 || a->type == IKE_GW_ID_FQDN) {
		t->id[IKELB_FAM_V6].type = a->type;
		t->id[IKELB_FAM_V6].len = a->len;
		memcpy(t->id[IKELB_FAM_V6].data, a->data, a->len);
	}
}

static void describe(struct pool_entry *e, const struct cfg_gw_addr *a,
		     const struct cfg_gw_addr *a6)
{
	char s1[300], s2[300];

	cfg_gw_addr_str(a, s1, sizeof(s1));
	if (a6->type)
		snprintf(e->address, sizeof(e->address), "%s %s", s1,
			 cfg_gw_addr_str(a6, s2, sizeof(s2)));
	else
		snprintf(e->address, sizeof(e->address), "%s", s1);
}

static struct pool_entry *add_entry(struct cluster *c, enum pool_kind kind, const char *key,
				    const char *name, const struct cfg_gw_addr *a,
				    const struct cfg_gw_addr *a6, uint8_t steer_label, uint64_t now)
{
	struct ikelb_target t;
	struct pool_entry *e;

	if (c->n_pool >= IKELB_MAX_TARGETS)
		return NULL;
	e = &c->pool[c->n_pool++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	describe(e, a, a6);
	gw_ids(a, a6, &t);
	t.steer_label = steer_label;
	e->steer_label = steer_label;
	e->idx = targets_want(&c->tg, key, &t, now);
	if (e->idx < 0)
		log_warn("no free target index for %s", name);
	e->age_ms = -1;
	return e;
}

static enum pool_state member_state(const struct member_info *m, char *reason, size_t len)
{
	switch (m->why) {
	case MEMBER_USABLE:
		return POOL_ACTIVE;
	case MEMBER_DEAD:
		return POOL_DEAD;
	case MEMBER_CONFLICT: {
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

		snprintf(reason, len, "node id claimed by two senders: %s and %s",
			 m->src ? ip_addr_str(m->src, a, sizeof(a)) : "?",
			 m->other_src ? ip_addr_str(m->other_src, b, sizeof(b)) : "?");
		return POOL_CONFLICT;
	}
	case MEMBER_DRAINING:
		return POOL_DRAINING;
	case MEMBER_FULL:
		return POOL_FULL;
	case MEMBER_IS_VIP:
		snprintf(reason, len, "its gateway address is a VIP");
		return POOL_UNHEALTHY;
	case MEMBER_UNHEALTHY:
	default:
		snprintf(reason, len, "%s", m->reason ? m->reason : "");
		return POOL_UNHEALTHY;
	}
}

/* Gateways heard through load reports, this node included. */
static void collect_members(struct cluster *c, struct members *m, uint64_t now)
{
	char key[TARGETS_KEY_MAX];

	for (unsigned i = 0; i < members_capacity(m); i++) {
		struct member_info mi;
		struct pool_entry *e;

		if (!members_get(m, i, now, &mi))
			continue;
		snprintf(key, sizeof(key), "node:%s", mi.node_id);
		e = add_entry(c, mi.self ? POOL_SELF : POOL_MEMBER, key, mi.node_id, mi.address,
			      mi.address6, mi.steer_label, now);
		if (!e)
			continue;
		/* a reported label comes with the MAC it is steered to */
		e->has_mac = mi.steer_label != 0;
		memcpy(e->mac, mi.mac, 6);
		e->has_load = true;
		e->tunnels = mi.tunnels;
		e->max_tunnels = mi.max_tunnels;
		e->age_ms = (int64_t)mi.age_ms;
		e->state = member_state(&mi, e->reason, sizeof(e->reason));
	}
}

/* This node's [gateway] without the report protocol: its own reading, or
 * balanced like a static target when it has no tunnels source. */
static void collect_self(struct cluster *cl, uint64_t now)
{
	const struct config *c = cl->cfg;
	struct pool_entry *e;
	bool known = false;
	uint64_t n = 0;
	bool ok = false;

	e = add_entry(cl, POOL_SELF, "self", cl->node_id, &c->gw_address, &c->gw_address6,
		      (uint8_t)c->gw_steer_label, now);
	if (!e)
		return;
	e->max_tunnels = c->gw_max_tunnels;
	if (cl->hooks.self_load)
		ok = cl->hooks.self_load(cl->hooks.ctx, &known, &n, e->reason, sizeof(e->reason));
	e->has_load = known;
	e->tunnels = n;
	if (known)
		e->age_ms = 0;
	if (known && !ok)
		e->state = POOL_UNHEALTHY;
	else if (cl->draining)
		e->state = POOL_DRAINING;
	else if (known && n >= c->gw_max_tunnels)
		e->state = POOL_FULL;
	else
		e->state = POOL_ACTIVE;
}

static void collect(struct cluster *cl, uint64_t now)
{
	const struct config *c = cl->cfg;
	char key[TARGETS_KEY_MAX];

	cl->n_pool = 0;
	targets_begin(&cl->tg);
	if (cl->members)
		collect_members(cl, cl->members, now);
	else if (c->has_gateway)
		collect_self(cl, now);
	for (unsigned i = 0; i < c->n_targets; i++) {
		const struct cfg_target *t = &c->targets[i];
		struct pool_entry *e;

		snprintf(key, sizeof(key), "static:%s", t->name);
		e = add_entry(cl, POOL_STATIC, key, t->name, &t->address, &t->address6,
			      (uint8_t)t->steer_label, now);
		if (e)
			e->max_tunnels = t->max_tunnels;
		if (e && t->has_mac) {
			e->has_mac = true;
			memcpy(e->mac, t->mac, 6);
		}
	}
	targets_end(&cl->tg, now);
}

/*
 * A static target with a label but no configured MAC: what the neighbour
 * table holds for its address, asked at most every NEIGH_LOOKUP_MS.  A host
 * name has no neighbour entry: such a target needs mac =.
 */
static void neigh_lookup(struct cluster *c, struct pool_entry *e, const struct cfg_target *t,
			 uint64_t now)
{
	const struct cfg_gw_addr *a = t->address.type == IKE_GW_ID_FQDN ? &t->address6
									 : &t->address;
	struct ip_addr ip = { 0 };

	if (e->idx < 0 || !a->type || a->type == IKE_GW_ID_FQDN)
		return;
	if (!c->neigh[e->idx].asked_ms || now >= c->neigh[e->idx].asked_ms + NEIGH_LOOKUP_MS) {
		ip.family = a->type == IKE_GW_ID_IPV4 ? AF_INET : AF_INET6;
		memcpy(&ip.v6, a->data, a->len);
		c->neigh[e->idx].asked_ms = now ? now : 1;
		c->neigh[e->idx].found = c->dp->ops->neigh_mac &&
					 c->dp->ops->neigh_mac(c->dp->ctx, &ip,
							       c->neigh[e->idx].mac) == 0;
	}
	e->has_mac = c->neigh[e->idx].found;
	memcpy(e->mac, c->neigh[e->idx].mac, 6);
}

/* Map "labels" from the pool: only the entries that changed are written. */
static void steer_refresh(struct cluster *c, uint64_t now)
{
	struct ikelb_steer table[IKELB_STEER_LABELS];
	struct steer_input in[IKELB_MAX_TARGETS] = { 0 };
	struct steer_result out[IKELB_MAX_TARGETS];
	unsigned n = 0, k = 0;

	for (unsigned i = 0; i < c->n_pool; i++) {
		struct pool_entry *e = &c->pool[i];

		if (e->kind == POOL_STATIC && e->steer_label && !e->has_mac)
			for (; k < c->cfg->n_targets; k++)
				if (!strcmp(c->cfg->targets[k].name, e->name)) {
					neigh_lookup(c, e, &c->cfg->targets[k], now);
					break;
				}
		in[n++] = (struct steer_input){ .name = e->name, .label = e->steer_label,
						.self = e->kind == POOL_SELF,
						.dead = e->state == POOL_DEAD,
						.has_mac = e->has_mac,
						.target = e->idx >= 0 ? (uint32_t)e->idx : 0 };
		memcpy(in[n - 1].mac, e->mac, 6);
	}
	steering_fill(in, n, table, out);
	for (unsigned i = 0; i < n; i++) {
		c->pool[i].steer = out[i].state;
		snprintf(c->pool[i].steer_why, sizeof(c->pool[i].steer_why), "%s", out[i].why);
	}
	for (uint32_t l = 0; l < IKELB_STEER_LABELS; l++) {
		if (c->labels_written && !memcmp(&c->labels[l], &table[l], sizeof(table[l])))
			continue;
		if (!c->dp->ops->set_label || c->dp->ops->set_label(c->dp->ctx, l, &table[l])) {
			log_err("cannot write steering label %u: %s", l, strerror(errno));
			return; /* all of them again next time */
		}
		c->labels[l] = table[l];
	}
	c->labels_written = true;
}

/* Writes changed target entries: active ones before the slots may name
 * them, deactivated ones after the slots stopped naming them. */
static void write_targets(struct cluster *c, bool active)
{
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++) {
		struct target_slot *s = &c->tg.s[i];

		if (!s->dirty || !!s->t.active != active)
			continue;
		if (c->dp->ops->set_target(c->dp->ctx, i, &s->t))
			log_err("cannot write target %u: %s", i, strerror(errno));
		else
			s->dirty = false;
	}
}

static void balancer_in(struct cluster *c, const struct pool_entry *e, uint64_t now,
			const uint64_t *redirects, struct balancer_input *in)
{
	const struct ikelb_target *t = &c->tg.s[e->idx].t;

	in->kind = e->has_load ? BALANCER_REPORTED : BALANCER_STATIC;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		in->family[fam] = t->id[fam].type != 0;
	in->eligible = e->state == POOL_ACTIVE;
	in->max_tunnels = e->max_tunnels;
	in->tunnels = e->tunnels;
	in->report_ms = e->age_ms >= 0 ? now - e->age_ms : now;
	in->redirects = redirects[e->idx];
}

/* One table into the mmapped map: only changed slots, one 32-bit store each,
 * so the XDP program always reads a whole, valid index. */
static void publish_table(struct cluster *c, unsigned table, unsigned fam, const uint32_t *src)
{
	struct ikelb_slot *dst = c->dp->slots + XDP_SLOT(table, fam, 0);

	for (unsigned k = 0; k < IKELB_SLOTS; k++)
		if (dst[k].target != src[k])
			__atomic_store_n(&dst[k].target, src[k], __ATOMIC_RELAXED);
}

/*
 * The plan and spill tables, and each target's budget: the plan's arrivals
 * for it until the next refill, split over the CPUs (XDP counts per CPU),
 * on top of what each CPU has sent it so far.  Budgets are written first,
 * so a new plan never starts with an old, used-up budget.
 */
static void publish(struct cluster *c, const uint64_t *per)
{
	int nc = c->dp->ncpus;
	uint64_t until[IKELB_MAX_TARGETS * nc];

	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++) {
		uint64_t share = (balancer_budget(c->bal, i) + nc - 1) / nc + 1;

		/* per NULL: the counts could not be read; 0 is "no limit" to XDP,
		 * where a budget from 0 would put every target over it at once */
		for (int c = 0; c < nc; c++)
			until[i * nc + c] = per ? per[i * nc + c] + share : 0;
	}
	if (c->dp->ops->set_budgets(c->dp->ctx, until))
		log_warn("cannot write the redirect budgets: %s", strerror(errno));
	for (unsigned fam = 0; fam < IKELB_FAMILIES; fam++) {
		publish_table(c, IKELB_TABLE_PLAN, fam, balancer_table(c->bal, fam));
		publish_table(c, IKELB_TABLE_SPILL, fam, balancer_spill(c->bal, fam));
	}
}

/* Balancer inputs from the pool, then its figures back into the pool. */
static void fill(struct cluster *c, uint64_t now, const uint64_t *redirects,
		 const uint64_t *per)
{
	struct balancer_input in[IKELB_MAX_TARGETS] = {};

	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++)
		if (c->tg.s[i].fresh) {
			balancer_forget(c->bal, i);
			c->tg.s[i].fresh = false;
		}
	for (unsigned i = 0; i < c->n_pool; i++)
		if (c->pool[i].idx >= 0)
			balancer_in(c, &c->pool[i], now, redirects, &in[c->pool[i].idx]);
	if (balancer_refill(c->bal, now, in, IKELB_MAX_TARGETS, NULL) < 0)
		log_err("balancer refill failed: %s", strerror(errno));
	publish(c, per);
	for (unsigned i = 0; i < c->n_pool; i++) {
		struct pool_entry *e = &c->pool[i];
		const struct balancer_figures *f;

		if (e->idx < 0)
			continue;
		f = balancer_figures(c->bal, e->idx);
		e->redirects = redirects[e->idx];
		e->redirects_since_report = f->since_report;
		e->migrations = c->migrations[e->idx];
		e->est_util = f->utilization;
		e->slots[0] = f->slots[0];
		e->slots[1] = f->slots[1];
	}
}

void cluster_refill(struct cluster *c)
{
	int nc = c->dp->ncpus;
	uint64_t now = loop_now(c->loop);
	uint64_t redirects[IKELB_MAX_TARGETS] = { 0 }, per[IKELB_MAX_TARGETS * nc];
	bool read_ok;

	collect(c, now);
	write_targets(c, true);
	steer_refresh(c, now);
	read_ok = c->dp->ops->read_redirects(c->dp->ctx, per) == 0;
	if (!read_ok)
		memset(per, 0, sizeof(per));
	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++) {
		for (int k = 0; k < nc; k++)
			redirects[i] += per[i * nc + k];
		redirects[i] += c->auth_redirects[i];
	}
	fill(c, now, redirects, read_ok ? per : NULL);
	write_targets(c, false);
}

void cluster_note_redirect(struct cluster *c, uint32_t idx)
{
	if (idx < IKELB_MAX_TARGETS)
		c->auth_redirects[idx]++;
}

static void on_refill(void *arg)
{
	cluster_refill(arg);
}

struct cluster *cluster_new(struct loop *l, const struct cluster_params *p,
			    const struct cluster_hooks *h)
{
	struct cluster *c = calloc(1, sizeof(*c));

	if (!c) {
		log_err("out of memory");
		return NULL;
	}
	c->loop = l;
	c->cfg = p->cfg;
	c->dp = p->dp;
	c->members = p->members;
	snprintf(c->node_id, sizeof(c->node_id), "%s", p->node_id ? p->node_id : "");
	if (h)
		c->hooks = *h;
	targets_init(&c->tg);
	c->bal = balancer_new(NULL);
	if (!c->bal) {
		log_err("cannot create the balancer: %s", strerror(errno));
		free(c);
		return NULL;
	}
	balancer_set_policy(c->bal, (enum balancer_policy)c->cfg->policy);
	migration_pick_init(&c->pick);
	loop_timer_init(&c->refill, l, "cluster.refill", on_refill, c);
	loop_timer_every(&c->refill, CLUSTER_REFILL_MS);
	return c;
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	loop_timer_stop(&c->refill);
	balancer_free(c->bal);
	free(c);
}

void cluster_reload(struct cluster *c, const struct config *cfg)
{
	c->cfg = cfg;
	balancer_set_policy(c->bal, (enum balancer_policy)cfg->policy);
	cluster_refill(c);
}

void cluster_set_draining(struct cluster *c, bool draining)
{
	c->draining = draining;
	cluster_refill(c);
}

int cluster_pick(const struct cluster *c, int fam, uint64_t spi_raw, uint32_t *idx,
		 struct ikelb_gw_id *id)
{
	uint32_t i;
	const struct target_slot *t;

	if (fam < 0 || fam >= IKELB_FAMILIES || !c->dp->slots)
		return -1;
	i = c->dp->slots[XDP_SLOT(IKELB_TABLE_PLAN, fam, ikelb_slot_of_spi(spi_raw))].target;
	if (i >= IKELB_MAX_TARGETS)
		return -1;
	t = &c->tg.s[i];
	if (!t->used || !t->t.active || !t->t.id[fam].type || !t->t.id[fam].len)
		return -1;
	*idx = i;
	*id = t->t.id[fam];
	return 0;
}

/* ---- migration grants ------------------------------------------------------- */

static const struct pool_entry *find_gateway(const struct cluster *c, const char *name)
{
	for (unsigned i = 0; i < c->n_pool; i++)
		if (c->pool[i].kind != POOL_STATIC && !strcmp(c->pool[i].name, name))
			return &c->pool[i];
	return NULL;
}

static double level_of(const struct pool_entry *e)
{
	if (!e->max_tunnels)
		return 0;
	return e->has_load ? (double)e->tunnels / (double)e->max_tunnels : e->est_util;
}

/* The plan's slots of each target that may take clients of fam from `from`. */
static bool weights(const struct cluster *c, int fam, const struct pool_entry *from,
		    bool rebalance, uint32_t w[IKELB_MAX_TARGETS])
{
	bool any = false;

	memset(w, 0, IKELB_MAX_TARGETS * sizeof(w[0]));
	for (unsigned i = 0; i < c->n_pool; i++) {
		const struct pool_entry *e = &c->pool[i];
		const struct ikelb_target *t;

		if (e == from || e->idx < 0 || e->state != POOL_ACTIVE ||
		    (rebalance && e->est_util >= level_of(from)))
			continue;
		t = &c->tg.s[e->idx].t;
		if (!t->active || !t->id[fam].type)
			continue;
		w[e->idx] = balancer_figures(c->bal, (unsigned)e->idx)->slots[fam];
		any |= w[e->idx] > 0;
	}
	return any;
}

static const struct pool_entry *entry_of_idx(const struct cluster *c, uint32_t idx)
{
	for (unsigned i = 0; i < c->n_pool; i++)
		if (c->pool[i].idx == (int)idx)
			return &c->pool[i];
	return NULL;
}

unsigned cluster_grant(struct cluster *c, enum migration_purpose purpose, const char *from,
		       const uint8_t wanted[IKELB_FAMILIES], struct cluster_grant *out,
		       unsigned max, enum migration_answer *answer)
{
	const struct pool_entry *src = find_gateway(c, from);
	bool rebalance = purpose == MIGRATION_REBALANCE;
	unsigned n_out = 0, granted = 0;

	*answer = MIGRATION_NO_TARGET;
	if (!src) {
		*answer = MIGRATION_NOT_MEMBER;
		return 0;
	}
	if (rebalance && !c->cfg->rebalance) {
		*answer = MIGRATION_NO_REBALANCE;
		return 0;
	}
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		uint32_t w[IKELB_MAX_TARGETS], n[IKELB_MAX_TARGETS] = { 0 };

		if (!wanted[fam] || !weights(c, fam, src, rebalance, w))
			continue;
		migration_pick(&c->pick, (unsigned)fam, w, wanted[fam], n);
		for (uint32_t idx = 0; idx < IKELB_MAX_TARGETS; idx++) {
			const struct pool_entry *e;
			const struct ikelb_gw_id *id = &c->tg.s[idx].t.id[fam];

			if (!n[idx] || n_out == max || !(e = entry_of_idx(c, idx)))
				continue;
			out[n_out] = (struct cluster_grant){ .fam = (uint8_t)fam, .count = n[idx],
							     .idx = idx };
			snprintf(out[n_out].name, sizeof(out[n_out].name), "%.*s",
				 (int)sizeof(out[n_out].name) - 1, e->name);
			out[n_out].id.type = id->type;
			out[n_out].id.len = id->len;
			memcpy(out[n_out].id.data, id->data, id->len);
			c->auth_redirects[idx] += n[idx];
			c->migrations[idx] += n[idx];
			granted += n[idx];
			n_out++;
		}
	}
	if (granted) {
		*answer = MIGRATION_GRANTED;
		/* the next grant and the XDP program see these clients counted */
		cluster_refill(c);
	}
	return n_out;
}
