// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/authmode.h"
#include "cluster/balancer.h"
#include "cluster/cluster.h"
#include "daemon/daemon.h"
#include "base/log.h"
#include "cluster/members.h"
#include "cluster/reports.h"

static struct pool_entry pool[IKELB_MAX_TARGETS];
static unsigned n_pool;
static struct balancer *bal;

_Static_assert((int)CFG_POLICY_LEAST_TUNNELS == (int)BALANCER_LEAST_TUNNELS &&
		       (int)CFG_POLICY_LEAST_UTILIZATION == (int)BALANCER_LEAST_UTILIZATION,
	       "config and balancer policies disagree");

const char *pool_state_name(enum pool_state s)
{
	static const char *const n[] = { "active", "draining", "unhealthy", "full", "dead" };

	return s <= POOL_DEAD ? n[s] : "?";
}

unsigned cluster_pool(struct daemon *d, const struct pool_entry **out)
{
	(void)d;
	*out = pool;
	return n_pool;
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

static struct pool_entry *add_entry(struct daemon *d, enum pool_kind kind, const char *key,
				    const char *name, const struct cfg_gw_addr *a,
				    const struct cfg_gw_addr *a6, uint64_t now)
{
	struct ikelb_target t;
	struct pool_entry *e;

	if (n_pool >= IKELB_MAX_TARGETS)
		return NULL;
	e = &pool[n_pool++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	describe(e, a, a6);
	gw_ids(a, a6, &t);
	e->idx = targets_want(&d->tg, key, &t, now);
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

/* Gateways heard through status messages, this node included. */
static void collect_members(struct daemon *d, struct members *m, uint64_t now)
{
	char key[TARGETS_KEY_MAX];

	for (unsigned i = 0; i < members_capacity(m); i++) {
		struct member_info mi;
		struct pool_entry *e;

		if (!members_get(m, i, now, &mi))
			continue;
		snprintf(key, sizeof(key), "node:%s", mi.node_id);
		e = add_entry(d, mi.self ? POOL_SELF : POOL_MEMBER, key, mi.node_id, mi.address,
			      mi.address6, now);
		if (!e)
			continue;
		e->has_load = true;
		e->tunnels = mi.tunnels;
		e->max_tunnels = mi.max_tunnels;
		e->age_ms = (int64_t)mi.age_ms;
		e->state = member_state(&mi, e->reason, sizeof(e->reason));
	}
}

/* This node's [gateway] without the status protocol: its own reading, or
 * balanced like a static target when it has no tunnels source. */
static void collect_self(struct daemon *d, uint64_t now)
{
	const struct config *c = &d->cfg;
	struct pool_entry *e;
	bool known;
	uint64_t n = 0;
	bool ok;

	e = add_entry(d, POOL_SELF, "self", reports_node_id(d), &c->gw_address,
		      &c->gw_address6, now);
	if (!e)
		return;
	e->max_tunnels = c->gw_max_tunnels;
	ok = reports_self_load(d, &known, &n, e->reason, sizeof(e->reason));
	e->has_load = known;
	e->tunnels = n;
	if (known)
		e->age_ms = 0;
	if (known && !ok)
		e->state = POOL_UNHEALTHY;
	else if (d->draining)
		e->state = POOL_DRAINING;
	else if (known && n >= c->gw_max_tunnels)
		e->state = POOL_FULL;
	else
		e->state = POOL_ACTIVE;
}

static void collect(struct daemon *d, uint64_t now)
{
	const struct config *c = &d->cfg;
	struct members *m = reports_members(d);
	char key[TARGETS_KEY_MAX];

	n_pool = 0;
	targets_begin(&d->tg);
	if (m)
		collect_members(d, m, now);
	else if (c->has_gateway)
		collect_self(d, now);
	for (unsigned i = 0; i < c->n_targets; i++) {
		const struct cfg_target *t = &c->targets[i];
		struct pool_entry *e;

		snprintf(key, sizeof(key), "static:%s", t->name);
		e = add_entry(d, POOL_STATIC, key, t->name, &t->address, &t->address6, now);
		if (e)
			e->max_tunnels = t->max_tunnels;
	}
	targets_end(&d->tg, now);
}

/* Writes changed target entries: active ones before the slots may name
 * them, deactivated ones after the slots stopped naming them. */
static void write_targets(struct daemon *d, bool active)
{
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++) {
		struct target_slot *s = &d->tg.s[i];

		if (!s->dirty || !!s->t.active != active)
			continue;
		if (xdp_set_target(&d->xdp, i, &s->t))
			log_err("cannot write target %u: %s", i, strerror(errno));
		else
			s->dirty = false;
	}
}

static void balancer_in(struct daemon *d, const struct pool_entry *e, uint64_t now,
			const uint64_t *redirects, struct balancer_input *in)
{
	const struct ikelb_target *t = &d->tg.s[e->idx].t;

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
static void publish_table(struct daemon *d, unsigned table, unsigned fam, const uint32_t *src)
{
	struct ikelb_slot *dst = d->xdp.slots + XDP_SLOT(table, fam, 0);

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
static void publish(struct daemon *d, const uint64_t *per)
{
	int nc = d->xdp.ncpus;
	uint64_t until[IKELB_MAX_TARGETS * nc];

	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++) {
		uint64_t share = (balancer_budget(bal, i) + nc - 1) / nc + 1;

		/* per NULL: the counts could not be read; 0 is "no limit" to XDP,
		 * where a budget from 0 would put every target over it at once */
		for (int c = 0; c < nc; c++)
			until[i * nc + c] = per ? per[i * nc + c] + share : 0;
	}
	if (xdp_set_budgets(&d->xdp, until))
		log_warn("cannot write the redirect budgets: %s", strerror(errno));
	for (unsigned fam = 0; fam < IKELB_FAMILIES; fam++) {
		publish_table(d, IKELB_TABLE_PLAN, fam, balancer_table(bal, fam));
		publish_table(d, IKELB_TABLE_SPILL, fam, balancer_spill(bal, fam));
	}
}

/* Balancer inputs from the pool, then its figures back into the pool. */
static void fill(struct daemon *d, uint64_t now, const uint64_t *redirects, const uint64_t *per)
{
	struct balancer_input in[IKELB_MAX_TARGETS] = {};

	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++)
		if (d->tg.s[i].fresh) {
			balancer_forget(bal, i);
			d->tg.s[i].fresh = false;
		}
	for (unsigned i = 0; i < n_pool; i++)
		if (pool[i].idx >= 0)
			balancer_in(d, &pool[i], now, redirects, &in[pool[i].idx]);
	if (balancer_refill(bal, now, in, IKELB_MAX_TARGETS, NULL) < 0)
		log_err("balancer refill failed: %s", strerror(errno));
	publish(d, per);
	for (unsigned i = 0; i < n_pool; i++) {
		struct pool_entry *e = &pool[i];
		const struct balancer_figures *f;

		if (e->idx < 0)
			continue;
		f = balancer_figures(bal, e->idx);
		e->redirects = redirects[e->idx];
		e->redirects_since_report = f->since_report;
		e->est_util = f->utilization;
		e->slots[0] = f->slots[0];
		e->slots[1] = f->slots[1];
	}
}

void cluster_refill(struct daemon *d, uint64_t now)
{
	uint64_t redirects[IKELB_MAX_TARGETS] = { 0 }, per[IKELB_MAX_TARGETS * d->xdp.ncpus];

	collect(d, now);
	write_targets(d, true);
	bool read_ok = xdp_read_redirects_percpu(&d->xdp, per) == 0;

	if (!read_ok)
		memset(per, 0, sizeof(per));
	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++)
		for (int c = 0; c < d->xdp.ncpus; c++)
			redirects[i] += per[i * d->xdp.ncpus + c];
	authmode_add_redirects(d, redirects);
	fill(d, now, redirects, read_ok ? per : NULL);
	write_targets(d, false);
}

int cluster_start(struct daemon *d)
{
	if (reports_start(d))
		return -1;
	bal = balancer_new(NULL);
	if (!bal) {
		log_err("cannot create the balancer: %s", strerror(errno));
		return -1;
	}
	balancer_set_policy(bal, (enum balancer_policy)d->cfg.policy);
	return 0;
}

void cluster_stop(struct daemon *d)
{
	reports_stop(d);
	balancer_free(bal);
	bal = NULL;
}

void cluster_config_changed(struct daemon *d)
{
	if (reports_config_changed(d))
		log_err("the new tunnels source failed to start; this gateway reports unhealthy");
	balancer_set_policy(bal, (enum balancer_policy)d->cfg.policy);
	cluster_refill(d, now_ms());
}

uint64_t cluster_next_deadline(struct daemon *d, uint64_t t)
{
	return reports_next_deadline(d, t);
}

void cluster_timers(struct daemon *d, uint64_t now)
{
	reports_timers(d, now);
}

void cluster_fd_ready(struct daemon *d, int fd)
{
	reports_fd_ready(d, fd);
}

int cluster_pick(struct daemon *d, int fam, uint64_t spi_raw, uint32_t *idx,
		 struct ikelb_gw_id *id)
{
	uint32_t i;
	const struct target_slot *t;

	if (fam < 0 || fam >= IKELB_FAMILIES || !d->xdp.slots)
		return -1;
	i = d->xdp.slots[XDP_SLOT(IKELB_TABLE_PLAN, fam, ikelb_slot_of_spi(spi_raw))].target;
	if (i >= IKELB_MAX_TARGETS)
		return -1;
	t = &d->tg.s[i];
	if (!t->used || !t->t.active || !t->t.id[fam].type || !t->t.id[fam].len)
		return -1;
	*idx = i;
	*id = t->t.id[fam];
	return 0;
}
