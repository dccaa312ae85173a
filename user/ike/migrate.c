// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Moving this gateway's established clients elsewhere: see migrate.h.
 *
 * The cycle while moving: list this gateway's SAs (list-sas, streamed);
 * classify each (migrate_sas.h) into candidates per family -- those known
 * to support redirects first, then those of unknown support; ask the
 * master for targets for the next MIGRATE_GRANT_SPAN_MS of the rate; then,
 * one at a time and no faster than the pace, redirect the next candidate
 * to the next granted target of its family.  List again every
 * MIGRATE_LIST_EVERY_MS (held clients ripen, new ones come), and when the
 * candidates run out.  Events keep the per-SA table right in between: a
 * new SA's IKE_SA_INIT (support, came by a redirect), charon's refusal to
 * redirect, an SA gone (a redirected one is then moved), a rekeyed SA.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/json_out.h"
#include "base/log.h"
#include "base/loop.h"
#include "ike/authmode_events.h"
#include "ike/migrate.h"
#include "ike/migrate_sas.h"
#include "ike/vici_conn.h"
#include "ike/vici_pair.h"
#include "ike/vici_query.h"

#define CMD_TIMEOUT_MS 1000
#define LIST_TIMEOUT_MS 10000
#define CMD_QUEUE_MS 20
#define QUEUE_MAX (2 * MIGRATION_WANT_MAX)
#define NO_VICI "no [gateway] tunnels = vici:PATH" /* why not connected */

static const char *const events[] = { "log", "ike-rekey", "ike-updown" };
#define N_EVENTS (sizeof(events) / sizeof(events[0]))

/* A client to move, from the last listing. */
struct cand {
	uint32_t id;
	char who[INET6_ADDRSTRLEN + 80]; /* "'remote-id' (remote)", for the log */
};

struct cands {
	struct cand *v;
	size_t n, cap, next; /* v[next..n) are still to move */
};

/* A gateway the master sent clients to (by its name in the grants). */
struct target {
	char name[REPORT_NODE_ID_MAX + 1];
	char gw[IKELB_FAMILIES][IKE_GW_ID_MAX_LEN + 1]; /* the identity per family */
	uint64_t sent, moved;
};

/* Granted targets of one family, in the order to use them. */
struct queue {
	uint8_t t[QUEUE_MAX]; /* indexes into targets */
	unsigned head, n;
};

struct migrate {
	struct loop *loop;
	const struct config *cfg;
	struct migrate_hooks hooks;
	bool available;

	struct vici_pair *vici;
	struct loop_timer step_timer;

	struct migsa_table *tab;
	enum migrate_mode mode;
	uint32_t rate; /* of this drain, or migrate_rate */
	uint32_t quota; /* rebalancing: clients to move, those on their way included */
	uint64_t moved_at_quota; /* n.moved when the quota was set */
	time_t started; /* this drain or rebalancing */
	bool finished_logged;
	struct migsa_pace pace;

	bool listing, listed;
	uint64_t list_due_ms;
	uint64_t held_ripe_ms; /* the first held client may move then */
	struct cands cand[IKELB_FAMILIES];

	bool asking, redirecting;
	bool ask_failing; /* logged once until asking works again */
	uint64_t next_ask_ms, grant_until_ms;
	enum migration_answer last_answer;
	struct queue q[IKELB_FAMILIES];
	struct target tg[IKELB_MAX_TARGETS];
	unsigned n_tg;

	struct migrate_counters n;
};

static bool up(const struct migrate *m)
{
	return vici_pair_up(m->vici);
}

/* Where commands go (redirect, list-sas). */
static struct vic_conn *cmd_conn(const struct migrate *m)
{
	return vici_pair_cmd(m->vici);
}

static uint64_t cmd_deadline(const struct migrate *m, unsigned ms)
{
	return loop_now(m->loop) + ms + CMD_QUEUE_MS * vic_conn_pending(cmd_conn(m));
}

static void step(struct migrate *m);

/* The step runs at due (or earlier, if already asked for earlier). */
static void kick_at(struct migrate *m, uint64_t due)
{
	if (!loop_timer_armed(&m->step_timer) || due < m->step_timer.due_ms)
		loop_timer_at(&m->step_timer, due);
}

static void on_step(void *arg)
{
	step(arg);
}

/* ---- VICI: finding and losing charon ------------------------------------------ */

static void forget_all(struct migrate *m)
{
	migsa_clear(m->tab);
	for (int f = 0; f < IKELB_FAMILIES; f++)
		m->cand[f].n = m->cand[f].next = 0;
	m->listing = m->listed = m->redirecting = false;
	m->n.moving = 0;
}

static void on_vici_failed(void *ctx, const char *why, unsigned retry_ms, bool news)
{
	struct migrate *m = ctx;

	forget_all(m);
	log_msg(news ? LOG_LVL_WARN : LOG_LVL_DEBUG,
		"migrate: no vici connection to this gateway's charon: %s; retrying in %.1f s",
		why, retry_ms / 1000.0);
}

static void on_vici_lost(void *ctx, const char *why, unsigned retry_ms)
{
	struct migrate *m = ctx;

	forget_all(m);
	log_warn("migrate: lost charon's vici (%s); reconnecting in %.1f s", why,
		 retry_ms / 1000.0);
}

/* ---- events ----------------------------------------------------------------- */

static struct target *target_at(struct migrate *m, uint32_t i)
{
	return i < m->n_tg ? &m->tg[i] : NULL;
}

static void sa_down(struct migrate *m, uint32_t id)
{
	uint32_t ti;
	bool accepted;
	struct target *t;

	if (migsa_down(m->tab, id, &ti, &accepted) != MIGSA_REDIRECTED)
		return;
	if (accepted && m->n.moving)
		m->n.moving--;
	m->n.moved++;
	if ((t = target_at(m, ti)))
		t->moved++;
	log_debug("migrate: IKE_SA #%u is gone: its client moved", id);
	kick_at(m, loop_now(m->loop));
}

static void on_log(struct migrate *m, const struct vic_node *msg)
{
	bool from, accepted;
	uint32_t id;
	enum authev_log kind = authev_log_init(msg, &id, &from);

	if (kind == AUTHEV_LOG_INIT_SUPPORTED || kind == AUTHEV_LOG_INIT_UNSUPPORTED) {
		migsa_init_seen(m->tab, id, kind == AUTHEV_LOG_INIT_SUPPORTED, from,
				loop_now(m->loop));
	} else if (kind == AUTHEV_LOG_REFUSED && migsa_refused(m->tab, id, &accepted)) {
		if (accepted && m->n.moving)
			m->n.moving--;
		m->n.refused++;
		m->n.left++;
		log_info("migrate: IKE_SA #%u stays: charon did not redirect it (its client does "
			 "not support redirects)", id);
	}
}

static void on_event(void *ctx, const char *name, const struct vic_node *msg)
{
	struct migrate *m = ctx;
	struct auth_sa sa, sa2;
	bool is_up;

	if (!strcmp(name, "log")) {
		on_log(m, msg);
	} else if (!strcmp(name, "ike-updown")) {
		if (authev_updown(msg, &is_up, &sa) == 0 && !is_up)
			sa_down(m, sa.id);
	} else if (!strcmp(name, "ike-rekey")) {
		if (authev_rekey(msg, &sa, &sa2) == 0)
			migsa_rekeyed(m->tab, sa.id, sa2.id);
	}
}

/* ---- listing ------------------------------------------------------------------ */

struct listing {
	struct migrate *m;
	struct auth_sa *v;
	size_t n, cap;
};

static void on_list_sa(void *ctx, const char *event, const struct vic_node *msg)
{
	struct listing *l = ctx;
	struct auth_sa sa;

	(void)event;
	for (const struct vic_node *c = msg->child; c; c = c->next) {
		if (authev_sa(c, &sa))
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 64;
			struct auth_sa *v = realloc(l->v, cap * sizeof(*v));

			if (!v)
				return;
			l->v = v;
			l->cap = cap;
		}
		l->v[l->n++] = sa;
	}
}

static void vips_of(const struct config *c, struct ip_addr vips[IKELB_FAMILIES])
{
	vips[IKELB_FAM_V4] = c->has_vip4 ? (struct ip_addr){ .family = AF_INET, .v4 = c->vip4 }
					 : (struct ip_addr){ 0 };
	vips[IKELB_FAM_V6] = c->has_vip6 ? (struct ip_addr){ .family = AF_INET6, .v6 = c->vip6 }
					 : (struct ip_addr){ 0 };
}

static void add_cand(struct cands *c, const struct auth_sa *sa)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct cand *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].id = sa->id;
	snprintf(c->v[c->n].who, sizeof(c->v[c->n].who), "'%.60s' (%s)", sa->remote_id,
		 sa->remote);
	c->n++;
}

static uint32_t cands_left(const struct migrate *m)
{
	uint32_t n = 0;

	for (int f = 0; f < IKELB_FAMILIES; f++)
		n += (uint32_t)(m->cand[f].n - m->cand[f].next);
	return n;
}

/* The classes of the listed SAs become the candidates and the counts. */
static void take_listing(struct migrate *m, const struct listing *l)
{
	struct ip_addr vips[IKELB_FAMILIES];
	uint64_t now = loop_now(m->loop);
	uint32_t held = 0, left = 0, moving = 0;
	uint64_t ripe = UINT64_MAX;

	vips_of(m->cfg, vips);
	for (int f = 0; f < IKELB_FAMILIES; f++)
		m->cand[f].n = m->cand[f].next = 0;
	/* those known to follow first, then those that may */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < l->n; i++) {
			int fam;
			enum migsa_class c = migsa_classify(m->tab, &l->v[i], vips,
							    m->cfg->rebalance_hold_ms, now, &fam);

			if (c == (pass ? MIGSA_TRY : MIGSA_MOVE))
				add_cand(&m->cand[fam], &l->v[i]);
			if (pass)
				continue;
			held += c == MIGSA_HELD;
			left += c == MIGSA_LEFT;
			moving += c == MIGSA_MOVING;
			if (c == MIGSA_HELD) {
				uint64_t at = migsa_held_until(m->tab, &l->v[i],
							       m->cfg->rebalance_hold_ms, now);

				ripe = at < ripe ? at : ripe;
			}
		}
	}
	m->held_ripe_ms = ripe;
	if (cands_left(m) || held)
		m->finished_logged = false; /* new clients came meanwhile */
	m->n.held = held;
	m->n.left = left;
	m->n.remaining = cands_left(m) + held;
	log_debug("migrate: listed %zu SAs: %u to move, %u held, %u left, %u moving", l->n,
		  cands_left(m), held, left, moving);
}

static void on_listed(void *ctx, int err, const char *why)
{
	struct listing *l = ctx;
	struct migrate *m = l->m;
	uint64_t now = loop_now(m->loop);

	if (err != ECANCELED) {
		m->listing = false;
		if (err) {
			log_warn("migrate: list-sas: %s", why);
			m->list_due_ms = now + MIGRATE_ASK_RETRY_MS;
		} else {
			take_listing(m, l);
			m->listed = true;
			m->list_due_ms = now + (cands_left(m) || m->n.held || m->n.moving
							? MIGRATE_LIST_EVERY_MS
							: MIGRATE_LIST_IDLE_MS);
			/* and as soon as a held client may move */
			if (m->held_ripe_ms < m->list_due_ms)
				m->list_due_ms = m->held_ripe_ms;
		}
		kick_at(m, now);
	}
	free(l->v);
	free(l);
}

static void start_list(struct migrate *m)
{
	struct listing *l = calloc(1, sizeof(*l));

	if (!l) {
		log_err("out of memory");
		return;
	}
	l->m = m;
	if (vic_query_list_sas(cmd_conn(m), NULL, cmd_deadline(m, LIST_TIMEOUT_MS), on_list_sa, l,
			       on_listed, l)) {
		log_warn("migrate: list-sas: %s", vic_conn_error(cmd_conn(m)));
		free(l);
		m->list_due_ms = loop_now(m->loop) + MIGRATE_ASK_RETRY_MS;
		kick_at(m, m->list_due_ms);
		return;
	}
	m->listing = true;
}

/* ---- targets from the master ------------------------------------------------- */

static uint32_t target_index(struct migrate *m, const char *name)
{
	for (uint32_t i = 0; i < m->n_tg; i++)
		if (!strcmp(m->tg[i].name, name))
			return i;
	if (m->n_tg == IKELB_MAX_TARGETS) {
		/* more names than targets exist: the oldest name is reused */
		memmove(m->tg, m->tg + 1, (IKELB_MAX_TARGETS - 1) * sizeof(m->tg[0]));
		m->n_tg--;
	}
	memset(&m->tg[m->n_tg], 0, sizeof(m->tg[0]));
	snprintf(m->tg[m->n_tg].name, sizeof(m->tg[0].name), "%s", name);
	return m->n_tg++;
}

static unsigned queued(const struct migrate *m)
{
	return m->q[0].n + m->q[1].n;
}

static void drop_targets(struct migrate *m)
{
	m->n.expired += queued(m);
	m->q[0].n = m->q[1].n = 0;
}

void migrate_answer(struct migrate *m, int err, enum migration_answer answer,
		    const struct migration_entry *e, unsigned n)
{
	uint64_t now = loop_now(m->loop);
	unsigned got = 0;

	m->asking = false;
	if (m->mode == MIGRATE_OFF)
		return;
	drop_targets(m);
	for (unsigned i = 0; !err && answer == MIGRATION_GRANTED && i < n; i++) {
		struct queue *q = &m->q[e[i].fam & 1];
		uint32_t ti = target_index(m, e[i].name);

		if (cfg_gw_addr_str(&e[i].id, m->tg[ti].gw[e[i].fam & 1], IKE_GW_ID_MAX_LEN + 1)[0] ==
		    0)
			continue;
		for (unsigned k = 0; k < e[i].count && q->n < QUEUE_MAX; k++) {
			q->t[(q->head + q->n) % QUEUE_MAX] = (uint8_t)ti;
			q->n++;
			got++;
		}
	}
	if (!got) {
		m->n.no_target++;
		if (err || answer != m->last_answer)
			log_info("migrate: no target from the master: %s; asking again in %d ms",
				 err ? "no answer" : migration_answer_str(answer),
				 MIGRATE_ASK_RETRY_MS);
		m->next_ask_ms = now + MIGRATE_ASK_RETRY_MS;
	}
	m->last_answer = err ? MIGRATION_NO_TARGET : answer;
	m->grant_until_ms = now + MIGRATE_GRANT_TTL_MS;
	kick_at(m, now);
}

/* Clients that may still be sent off now: all while draining; to
 * rebalance, the quota less those on their way. */
static uint32_t allowed(const struct migrate *m)
{
	/* the quota came with a tunnel count that still held those on their
	 * way and those gone since */
	uint64_t busy = m->n.moving + (m->redirecting ? 1 : 0) + (m->n.moved - m->moved_at_quota);

	if (m->mode == MIGRATE_DRAIN)
		return UINT32_MAX;
	if (m->mode == MIGRATE_REBALANCE)
		return m->quota > busy ? m->quota - busy : 0;
	return 0;
}

static void ask(struct migrate *m)
{
	uint8_t wanted[IKELB_FAMILIES] = { 0, 0 };
	uint32_t per = (uint32_t)ceil(m->rate * MIGRATE_GRANT_SPAN_MS / 1000.0), room = allowed(m);
	enum migration_purpose why = m->mode == MIGRATE_DRAIN ? MIGRATION_DRAIN
							      : MIGRATION_REBALANCE;

	if (per > MIGRATION_WANT_MAX)
		per = MIGRATION_WANT_MAX;
	if (per > room)
		per = room;
	for (int f = 0; f < IKELB_FAMILIES; f++) {
		size_t left = m->cand[f].n - m->cand[f].next;

		wanted[f] = (uint8_t)(left < per ? left : per);
	}
	if (!wanted[0] && !wanted[1])
		return;
	errno = 0;
	if (!m->hooks.ask || m->hooks.ask(m->hooks.ctx, why, wanted)) {
		if (!m->ask_failing)
			log_warn("migrate: cannot ask the master for targets (%s); asking again "
				 "every %d ms", errno == ENOTCONN ? "no master, and no load reports "
								 "to reach one"
								 : strerror(errno),
				 MIGRATE_ASK_RETRY_MS);
		m->ask_failing = true;
		m->n.no_target++;
		m->next_ask_ms = loop_now(m->loop) + MIGRATE_ASK_RETRY_MS;
		kick_at(m, m->next_ask_ms);
		return;
	}
	m->ask_failing = false;
	m->asking = true;
}

/* ---- redirecting -------------------------------------------------------------- */

struct redirect_cmd {
	struct migrate *m;
	uint32_t id, ti;
	char gw[IKE_GW_ID_MAX_LEN + 1];
	char who[sizeof(((struct cand *)0)->who)];
};

static void on_redirected(void *ctx, int err, const char *why, uint64_t matches)
{
	struct redirect_cmd *x = ctx;
	struct migrate *m = x->m;
	struct target *t;

	(void)matches;
	if (err == ECANCELED) {
		free(x); /* closed: the table went with it */
		return;
	}
	m->redirecting = false;
	if (err) {
		migsa_give_back(m->tab, x->id);
		if (err == ESRCH && strstr(why, "no matching")) {
			log_debug("migrate: IKE_SA #%u went away before its redirect", x->id);
		} else {
			m->n.failed++;
			log_warn("migrate: redirect IKE_SA #%u: %s", x->id, why);
		}
	} else if (migsa_accepted(m->tab, x->id)) {
		m->n.sent++;
		m->n.moving++;
		if ((t = target_at(m, x->ti)))
			t->sent++;
		log_info("migrate: IKE_SA #%u of %s redirected to %s (%s)", x->id, x->who, x->gw,
			 t ? t->name : "?");
	}
	free(x);
	kick_at(m, loop_now(m->loop));
}

/* The next candidate of fam that is still to move, or NULL. */
static const struct cand *next_cand(struct migrate *m, int fam)
{
	struct cands *c = &m->cand[fam];

	while (c->next < c->n) {
		const struct cand *x = &c->v[c->next];
		const struct migsa_entry *e = migsa_find(m->tab, x->id);

		if (!e || (e->fate == MIGSA_NONE && e->support != MIGSA_NO))
			return x;
		c->next++; /* redirected, refused or unsupported since the listing */
		if (m->n.remaining)
			m->n.remaining--;
	}
	return NULL;
}

/* A family with a candidate and a granted target, or -1. */
static int ready_family(struct migrate *m)
{
	for (int f = 0; f < IKELB_FAMILIES; f++)
		if (m->q[f].n && next_cand(m, f))
			return f;
	return -1;
}

static void redirect_next(struct migrate *m, int fam, uint64_t now)
{
	struct queue *q = &m->q[fam];
	struct cands *c = &m->cand[fam];
	const struct cand *x = next_cand(m, fam);
	struct redirect_cmd *r = calloc(1, sizeof(*r));

	if (!r) {
		log_err("out of memory");
		return;
	}
	r->m = m;
	r->id = x->id;
	r->ti = q->t[q->head];
	snprintf(r->gw, sizeof(r->gw), "%s", m->tg[r->ti].gw[fam]);
	snprintf(r->who, sizeof(r->who), "%s", x->who);
	q->head = (q->head + 1) % QUEUE_MAX;
	q->n--;
	c->next++;
	if (m->n.remaining)
		m->n.remaining--;
	migsa_redirecting(m->tab, r->id, r->ti);
	migsa_pace_took(&m->pace, now);
	if (vic_query_redirect(cmd_conn(m), r->id, r->gw, cmd_deadline(m, CMD_TIMEOUT_MS),
			       on_redirected, r)) {
		log_warn("migrate: redirect IKE_SA #%u: %s", r->id, vic_conn_error(cmd_conn(m)));
		migsa_give_back(m->tab, r->id);
		m->n.failed++;
		free(r);
		return;
	}
	m->redirecting = true;
}

static void finished(struct migrate *m)
{
	if (m->finished_logged || m->mode != MIGRATE_DRAIN || m->n.moving || m->n.held)
		return;
	m->finished_logged = true;
	log_info("migrate: drain done: every client that can follow a redirect has been moved "
		 "(%llu moved; %u stay: they cannot follow a redirect)",
		 (unsigned long long)m->n.moved, m->n.left);
}

static void step(struct migrate *m)
{
	uint64_t now = loop_now(m->loop);
	int fam;

	if (m->mode == MIGRATE_OFF || !up(m) || m->listing)
		return;
	if (!m->listed || now >= m->list_due_ms) {
		if (!m->redirecting)
			start_list(m);
		return;
	}
	if (queued(m) && now >= m->grant_until_ms)
		drop_targets(m);
	if (!allowed(m)) {
		kick_at(m, m->list_due_ms);
		return;
	}
	fam = ready_family(m);
	if (fam < 0) {
		bool any = next_cand(m, 0) || next_cand(m, 1);

		if (!any) {
			/* the candidates ran out: list again once those on their
			 * way are gone, or at the next listing */
			if (!m->n.moving && !m->redirecting && m->n.held == 0)
				finished(m);
			kick_at(m, m->list_due_ms);
		} else if (!m->asking && !m->redirecting && now >= m->next_ask_ms) {
			ask(m);
		} else if (!m->asking) {
			kick_at(m, m->next_ask_ms);
		}
		return;
	}
	if (m->redirecting)
		return;
	if (!migsa_pace_due(&m->pace, now)) {
		kick_at(m, migsa_pace_next(&m->pace));
		return;
	}
	redirect_next(m, fam, now);
}

/* ---- connecting ------------------------------------------------------------------ */

static void on_vici_up(void *ctx)
{
	struct migrate *m = ctx;

	log_info("migrate: %sconnected to this gateway's charon (vici %s)",
		 vici_pair_connects(m->vici) > 1 ? "re" : "", vici_pair_path(m->vici));
	kick_at(m, loop_now(m->loop));
}

/* ---- the module's life ------------------------------------------------------------- */

static void configure(struct migrate *m, const struct config *c)
{
	m->cfg = c;
	m->available = c->has_gateway && c->tunnels == CFG_TUNNELS_VICI;
	if (m->mode == MIGRATE_REBALANCE || (m->mode == MIGRATE_OFF))
		m->rate = c->migrate_rate;
	migsa_pace_set(&m->pace, m->rate ? m->rate : 1);
}

struct migrate *migrate_new(struct loop *l, const struct config *c,
			    const struct migrate_hooks *h)
{
	struct migrate *m = calloc(1, sizeof(*m));
	struct vici_pair_hooks vici_hooks = { .ctx = m,
					      .on_event = on_event,
					      .on_up = on_vici_up,
					      .on_failed = on_vici_failed,
					      .on_lost = on_vici_lost };

	if (!m || !(m->tab = calloc(1, sizeof(*m->tab)))) {
		log_err("out of memory");
		free(m);
		return NULL;
	}
	m->loop = l;
	if (h)
		m->hooks = *h;
	configure(m, c);
	m->vici = vici_pair_new(l, "migrate", events, N_EVENTS, &vici_hooks);
	if (!m->vici) {
		log_err("out of memory");
		free(m->tab);
		free(m);
		return NULL;
	}
	loop_timer_init(&m->step_timer, l, "migrate.step", on_step, m);
	if (m->available)
		vici_pair_start(m->vici, c->tunnels_path);
	else
		vici_pair_stop(m->vici, NO_VICI);
	return m;
}

void migrate_free(struct migrate *m)
{
	if (!m)
		return;
	loop_timer_stop(&m->step_timer);
	/* the pair is down first: callbacks of cancelled requests do nothing */
	vici_pair_free(m->vici);
	for (int f = 0; f < IKELB_FAMILIES; f++)
		free(m->cand[f].v);
	free(m->tab);
	free(m);
}

void migrate_reload(struct migrate *m, const struct config *c)
{
	bool was = m->available;

	configure(m, c);
	if (m->available && was && !strcmp(vici_pair_path(m->vici), c->tunnels_path))
		return;
	/* another charon, or none: start over */
	if (m->available)
		vici_pair_start(m->vici, c->tunnels_path);
	else
		vici_pair_stop(m->vici, NO_VICI);
	forget_all(m);
	if (!m->available)
		migrate_stop(m);
}

bool migrate_available(const struct migrate *m, const char **why)
{
	if (why)
		*why = m->available ? "" : "needs [gateway] tunnels = vici:PATH";
	return m->available;
}

static void start(struct migrate *m, enum migrate_mode mode, uint32_t rate)
{
	uint64_t now = loop_now(m->loop);

	if (m->mode != mode) {
		m->started = time(NULL);
		m->finished_logged = false;
		m->listed = false; /* a fresh look at what there is */
		m->next_ask_ms = now;
	}
	m->mode = mode;
	m->rate = rate;
	migsa_pace_set(&m->pace, rate);
	kick_at(m, now);
}

int migrate_drain(struct migrate *m, uint32_t rate)
{
	if (!m->available) {
		errno = ENOTSUP;
		return -1;
	}
	if (!rate)
		rate = m->cfg->migrate_rate;
	if (m->mode != MIGRATE_DRAIN || rate != m->rate)
		log_info("migrate: moving every client that can follow a redirect off this "
			 "gateway, %u per second", rate);
	start(m, MIGRATE_DRAIN, rate);
	return 0;
}

void migrate_rebalance(struct migrate *m, uint32_t clients)
{
	if (!m->available || m->mode == MIGRATE_DRAIN)
		return;
	if (!clients) {
		if (m->mode == MIGRATE_REBALANCE) {
			log_info("migrate: rebalancing done (%llu moved so far)",
				 (unsigned long long)m->n.moved);
			migrate_stop(m);
		}
		return;
	}
	if (m->mode != MIGRATE_REBALANCE)
		log_info("migrate: rebalancing: moving %u clients toward the cluster's mean, %u "
			 "per second", clients, m->cfg->migrate_rate);
	m->quota = clients;
	m->moved_at_quota = m->n.moved;
	start(m, MIGRATE_REBALANCE, m->cfg->migrate_rate);
}

void migrate_stop(struct migrate *m)
{
	if (m->mode == MIGRATE_DRAIN)
		log_info("migrate: stopped (%llu moved, %u on their way)",
			 (unsigned long long)m->n.moved, m->n.moving);
	m->mode = MIGRATE_OFF;
	m->quota = 0;
	m->rate = m->cfg->migrate_rate;
	drop_targets(m);
	loop_timer_stop(&m->step_timer);
}

enum migrate_mode migrate_mode(const struct migrate *m)
{
	return m->mode;
}

/* ---- status --------------------------------------------------------------------------- */

const struct migrate_counters *migrate_counters(const struct migrate *m)
{
	return &m->n;
}

static const char *mode_name(enum migrate_mode mode)
{
	return mode == MIGRATE_DRAIN ? "drain" : mode == MIGRATE_REBALANCE ? "rebalance" : "off";
}

void migrate_text(const struct migrate *m, FILE *out)
{
	const struct migrate_counters *n = &m->n;

	if (!m->available) {
		fprintf(out, "\nmigration: not available (needs [gateway] tunnels = vici:PATH)\n");
		return;
	}
	fprintf(out, "\nmigration: %s", mode_name(m->mode));
	if (m->mode != MIGRATE_OFF)
		fprintf(out, " at %u/s", m->rate);
	fprintf(out, " (hold %u ms), vici %s %s\n", m->cfg->rebalance_hold_ms,
		vici_pair_path(m->vici), up(m) ? "connected" : vici_pair_reason(m->vici));
	fprintf(out, "  moved %llu  moving %u  remaining %u (held %u)  left %u\n",
		(unsigned long long)n->moved, n->moving, n->remaining, n->held, n->left);
	fprintf(out, "  sent %llu  refused %llu  failed %llu  no_target %llu  expired %llu\n",
		(unsigned long long)n->sent, (unsigned long long)n->refused,
		(unsigned long long)n->failed, (unsigned long long)n->no_target,
		(unsigned long long)n->expired);
	if (m->n_tg) {
		fprintf(out, "  to:");
		for (unsigned i = 0; i < m->n_tg; i++)
			fprintf(out, " %s %llu", m->tg[i].name, (unsigned long long)m->tg[i].sent);
		fputc('\n', out);
	}
}

struct json_object *migrate_json(const struct migrate *m)
{
	const struct migrate_counters *n = &m->n;
	json_object *o = json_object_new_object(), *to = json_object_new_array();

	json_add_bool(o, "available", m->available);
	json_object_object_add(o, "vici", m->available
						  ? json_object_new_string(vici_pair_path(m->vici))
						  : NULL);
	json_add_bool(o, "connected", up(m));
	json_object_object_add(o, "reason",
			       up(m) ? NULL : json_object_new_string(vici_pair_reason(m->vici)));
	json_add_str(o, "mode", mode_name(m->mode));
	json_add_u64(o, "rate", m->rate);
	json_add_u64(o, "hold_ms", m->cfg->rebalance_hold_ms);
	json_object_object_add(o, "started", m->mode != MIGRATE_OFF
						     ? json_object_new_int64(m->started)
						     : NULL);
	json_add_bool(o, "done", m->finished_logged);
	json_add_u64(o, "moved", n->moved);
	json_add_u64(o, "moving", n->moving);
	json_add_u64(o, "remaining", n->remaining);
	json_add_u64(o, "held", n->held);
	json_add_u64(o, "left", n->left);
	json_add_u64(o, "sent", n->sent);
	json_add_u64(o, "refused", n->refused);
	json_add_u64(o, "failed", n->failed);
	json_add_u64(o, "no_target", n->no_target);
	json_add_u64(o, "expired", n->expired);
	for (unsigned i = 0; i < m->n_tg; i++) {
		json_object *t = json_object_new_object();

		json_add_str(t, "name", m->tg[i].name);
		json_add_u64(t, "sent", m->tg[i].sent);
		json_add_u64(t, "moved", m->tg[i].moved);
		json_object_array_add(to, t);
	}
	json_object_object_add(o, "targets", to);
	return o;
}
