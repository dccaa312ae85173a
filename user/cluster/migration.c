// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Migration requests and grants: see migration.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/json_out.h"
#include "base/log.h"
#include "base/loop.h"
#include "cluster/migration.h"

/* The last request answered per requester (the master's replay window). */
struct window {
	char node_id[REPORT_NODE_ID_MAX + 1]; /* "": free */
	uint64_t epoch, seq;
	uint64_t used_ms; /* for reuse when full: the least recently used goes */
};

struct migration {
	struct loop *loop;
	struct migration_hooks hooks;
	char cluster[REPORT_CLUSTER_MAX + 1];
	char node_id[REPORT_NODE_ID_MAX + 1];
	uint64_t epoch;
	const struct cluster_key *key;
	const struct cluster_key *key_previous; /* receive only */

	/* this node's open request */
	bool open;
	uint64_t seq; /* of the last request made */
	struct loop_timer deadline;
	/* an answer made here (this node is the master), delivered from the loop */
	struct loop_timer local;
	enum migration_answer local_answer;
	unsigned local_n;
	struct migration_entry local_e[MIGRATION_ENTRIES_MAX];

	struct window win[MIGRATION_WINDOW_NODES];
	struct migration_counters cnt;
};

static const char *const verdict_names[MIGV_MAX] = {
	[MIGV_ANSWERED] = "answered",	    [MIGV_TAKEN] = "taken",
	[MIGV_NOT_MASTER] = "not_master",   [MIGV_NOT_MEMBER] = "not_member",
	[MIGV_REPLAYED] = "replayed",	    [MIGV_STALE] = "stale",
	[MIGV_MALFORMED] = "malformed",	    [MIGV_OVERSIZED] = "oversized",
	[MIGV_BAD_VERSION] = "bad_version", [MIGV_OTHER_CLUSTER] = "other_cluster",
	[MIGV_BAD_MAC] = "bad_mac",	    [MIGV_ERROR] = "error",
};

const char *migration_verdict_str(enum migration_verdict v)
{
	return (unsigned)v < MIGV_MAX ? verdict_names[v] : "?";
}

const struct migration_counters *migration_counters(const struct migration *m)
{
	return &m->cnt;
}

bool migration_asking(const struct migration *m)
{
	return m->open;
}

void migration_set_epoch(struct migration *m, uint64_t epoch)
{
	m->epoch = epoch;
}

static bool is_master(const struct migration *m)
{
	return m->hooks.is_master && m->hooks.is_master(m->hooks.ctx);
}

/* The master's answer as grant entries; counted. */
static unsigned answer_here(struct migration *m, enum migration_purpose purpose,
			    const char *from, const uint8_t wanted[IKELB_FAMILIES],
			    struct migration_entry *e, enum migration_answer *answer)
{
	struct cluster_grant g[MIGRATION_ENTRIES_MAX];
	unsigned n = 0;

	*answer = MIGRATION_NO_TARGET;
	if (m->hooks.grant)
		n = m->hooks.grant(m->hooks.ctx, purpose, from, wanted, g, MIGRATION_ENTRIES_MAX,
				   answer);
	for (unsigned i = 0; i < n; i++) {
		e[i] = (struct migration_entry){ .fam = g[i].fam,
						 .count = (uint8_t)(g[i].count > MIGRATION_WANT_MAX
									    ? MIGRATION_WANT_MAX
									    : g[i].count) };
		snprintf(e[i].name, sizeof(e[i].name), "%s", g[i].name);
		e[i].id = g[i].id;
		m->cnt.granted += e[i].count;
	}
	return n;
}

static void deliver(struct migration *m, int err, enum migration_answer answer,
		    const struct migration_entry *e, unsigned n)
{
	m->open = false;
	loop_timer_stop(&m->deadline);
	for (unsigned i = 0; i < n; i++)
		m->cnt.got += e[i].count;
	if (m->hooks.on_answer)
		m->hooks.on_answer(m->hooks.ctx, err, answer, e, n);
}

static void on_local(void *arg)
{
	struct migration *m = arg;

	if (m->open)
		deliver(m, 0, m->local_answer, m->local_e, m->local_n);
}

static void on_deadline(void *arg)
{
	struct migration *m = arg;

	if (!m->open)
		return;
	m->cnt.unanswered++;
	log_info("migration: no master answered request %llu within %d ms",
		 (unsigned long long)m->seq, MIGRATION_ANSWER_MS);
	deliver(m, ETIMEDOUT, MIGRATION_NO_TARGET, NULL, 0);
}

int migration_ask(struct migration *m, enum migration_purpose purpose,
		  const uint8_t wanted[IKELB_FAMILIES])
{
	struct migration_msg q;
	uint8_t buf[MIGRATION_MAX];
	int len;

	if (m->open) {
		errno = EBUSY;
		return -1;
	}
	if (is_master(m)) {
		m->cnt.asked++;
		m->cnt.answered_locally++;
		m->open = true;
		m->seq++; /* a late grant for an earlier remote request is stale */
		m->local_n = answer_here(m, purpose, m->node_id, wanted, m->local_e,
					 &m->local_answer);
		loop_timer_after(&m->local, 0);
		return 0;
	}
	if (!m->hooks.send || !m->epoch || !m->key) {
		errno = ENOTCONN;
		return -1;
	}
	q = (struct migration_msg){ .kind = MIGRATION_REQUEST, .epoch = m->epoch,
				    .seq = m->seq + 1, .purpose = purpose };
	snprintf(q.cluster, sizeof(q.cluster), "%s", m->cluster);
	snprintf(q.node_id, sizeof(q.node_id), "%s", m->node_id);
	q.wanted[0] = wanted[0] > MIGRATION_WANT_MAX ? MIGRATION_WANT_MAX : wanted[0];
	q.wanted[1] = wanted[1] > MIGRATION_WANT_MAX ? MIGRATION_WANT_MAX : wanted[1];
	len = migration_encode(&q, m->key, buf, sizeof(buf));
	if (len < 0) {
		errno = EINVAL;
		return -1;
	}
	m->seq++;
	m->cnt.asked++;
	m->open = true;
	m->hooks.send(m->hooks.ctx, buf, (size_t)len);
	loop_timer_after(&m->deadline, MIGRATION_ANSWER_MS);
	return 0;
}

/* ---- the master ------------------------------------------------------------ */

/* The requester's window entry (made when needed): the least recently used
 * one is reused when all are taken. */
static struct window *window_of(struct migration *m, const char *node_id)
{
	struct window *lru = &m->win[0];

	for (unsigned i = 0; i < MIGRATION_WINDOW_NODES; i++) {
		struct window *w = &m->win[i];

		if (!strcmp(w->node_id, node_id))
			return w;
		if (!w->node_id[0] || (lru->node_id[0] && w->used_ms < lru->used_ms))
			lru = w;
	}
	*lru = (struct window){ 0 };
	snprintf(lru->node_id, sizeof(lru->node_id), "%s", node_id);
	return lru;
}

static enum migration_verdict on_request(struct migration *m, const struct migration_msg *q)
{
	struct migration_msg g;
	uint8_t buf[MIGRATION_MAX];
	uint64_t epoch = 0;
	struct window *w;
	int len;

	if (!is_master(m))
		return MIGV_NOT_MASTER;
	g = (struct migration_msg){ .kind = MIGRATION_GRANT, .epoch = m->epoch ? m->epoch : 1,
				    .seq = q->seq, .requester_epoch = q->epoch };
	snprintf(g.cluster, sizeof(g.cluster), "%s", m->cluster);
	snprintf(g.node_id, sizeof(g.node_id), "%s", m->node_id);
	snprintf(g.requester, sizeof(g.requester), "%s", q->node_id);
	if (!m->hooks.member_epoch || !m->hooks.member_epoch(m->hooks.ctx, q->node_id, &epoch) ||
	    epoch != q->epoch) {
		/* told, so that it stops asking: nothing is granted */
		g.answer = MIGRATION_NOT_MEMBER;
	} else {
		w = window_of(m, q->node_id);
		if (w->epoch == q->epoch && q->seq <= w->seq)
			return MIGV_REPLAYED;
		w->epoch = q->epoch;
		w->seq = q->seq;
		w->used_ms = loop_now(m->loop);
		g.n = answer_here(m, q->purpose, q->node_id, q->wanted, g.e, &g.answer);
		if (!g.n && g.answer == MIGRATION_GRANTED)
			g.answer = MIGRATION_NO_TARGET;
	}
	/* the entries that fit: the master counted them all, the requester
	 * moves those it is told of; the next report corrects the rest */
	while ((len = migration_encode(&g, m->key, buf, sizeof(buf))) < 0 && g.n > 0)
		g.n--;
	if (len < 0)
		return MIGV_ERROR;
	if (m->hooks.send)
		m->hooks.send(m->hooks.ctx, buf, (size_t)len);
	log_debug("migration: answered %s's request %llu: %s, %u entries", q->node_id,
		  (unsigned long long)q->seq, migration_answer_str(g.answer), g.n);
	return g.answer == MIGRATION_NOT_MEMBER ? MIGV_NOT_MEMBER : MIGV_ANSWERED;
}

/* ---- the requester ----------------------------------------------------------- */

static enum migration_verdict on_grant(struct migration *m, const struct migration_msg *g)
{
	if (!m->open || strcmp(g->requester, m->node_id) || g->requester_epoch != m->epoch ||
	    g->seq != m->seq)
		return MIGV_STALE;
	deliver(m, 0, g->answer, g->e, g->n);
	return MIGV_TAKEN;
}

static enum migration_verdict verdict_of(enum migration_err e)
{
	switch (e) {
	case MIGRATION_OK:
		return MIGV_ANSWERED;
	case MIGRATION_ERR_OVERSIZED:
		return MIGV_OVERSIZED;
	case MIGRATION_ERR_BAD_VERSION:
		return MIGV_BAD_VERSION;
	case MIGRATION_ERR_OTHER_CLUSTER:
		return MIGV_OTHER_CLUSTER;
	case MIGRATION_ERR_BAD_MAC:
		return MIGV_BAD_MAC;
	case MIGRATION_ERR_KEY:
		return MIGV_ERROR;
	case MIGRATION_ERR_BAD_MAGIC:
	case MIGRATION_ERR_MALFORMED:
		break;
	}
	return MIGV_MALFORMED;
}

void migration_handle_datagram(struct migration *m, const uint8_t *buf, size_t len)
{
	static struct migration_msg msg; /* ~22 KiB: not on the stack; one thread */
	enum migration_err e = migration_decode(buf, len, m->cluster, m->key, &msg);
	enum migration_verdict v;

	/* in a key rotation, a peer that still sends with the old key */
	if (e == MIGRATION_ERR_BAD_MAC && cluster_key_usable(m->key_previous))
		e = migration_decode(buf, len, m->cluster, m->key_previous, &msg);
	v = verdict_of(e);

	if (e == MIGRATION_OK && !strcmp(msg.node_id, m->node_id))
		v = MIGV_STALE; /* our own, looped back by a peer list naming us */
	else if (e == MIGRATION_OK)
		v = msg.kind == MIGRATION_REQUEST ? on_request(m, &msg) : on_grant(m, &msg);
	m->cnt.received++;
	m->cnt.verdict[v]++;
	if (e != MIGRATION_OK)
		log_debug("migration: dropped a %zu-byte message: %s", len, migration_err_str(e));
}

/* ---- life ---------------------------------------------------------------------- */

struct migration *migration_new(struct loop *l, const struct migration_params *p,
				const struct migration_hooks *h)
{
	struct migration *m = calloc(1, sizeof(*m));

	if (!m) {
		log_err("out of memory");
		return NULL;
	}
	m->loop = l;
	if (h)
		m->hooks = *h;
	snprintf(m->cluster, sizeof(m->cluster), "%s", p->cluster ? p->cluster : "");
	snprintf(m->node_id, sizeof(m->node_id), "%s", p->node_id ? p->node_id : "");
	m->epoch = p->epoch;
	m->key = p->key;
	m->key_previous = p->key_previous;
	loop_timer_init(&m->deadline, l, "migration.deadline", on_deadline, m);
	loop_timer_init(&m->local, l, "migration.local", on_local, m);
	return m;
}

void migration_free(struct migration *m)
{
	if (!m)
		return;
	loop_timer_stop(&m->deadline);
	loop_timer_stop(&m->local);
	free(m);
}

/* ---- status ---------------------------------------------------------------------- */

void migration_text(const struct migration *m, FILE *out)
{
	const struct migration_counters *c = &m->cnt;

	fprintf(out, "migration messages: asked %llu (answered here %llu, unanswered %llu), "
		     "clients got %llu, granted to others %llu\n",
		(unsigned long long)c->asked, (unsigned long long)c->answered_locally,
		(unsigned long long)c->unanswered, (unsigned long long)c->got,
		(unsigned long long)c->granted);
	fprintf(out, "  received=%llu", (unsigned long long)c->received);
	for (int v = 0; v < MIGV_MAX; v++)
		fprintf(out, " %s=%llu", verdict_names[v], (unsigned long long)c->verdict[v]);
	fputc('\n', out);
}

struct json_object *migration_json(const struct migration *m)
{
	const struct migration_counters *c = &m->cnt;
	json_object *o = json_object_new_object(), *rx = json_object_new_object();

	json_add_u64(o, "asked", c->asked);
	json_add_u64(o, "answered_locally", c->answered_locally);
	json_add_u64(o, "unanswered", c->unanswered);
	json_add_u64(o, "got", c->got);
	json_add_u64(o, "granted", c->granted);
	json_add_u64(rx, "received", c->received);
	for (int v = 0; v < MIGV_MAX; v++)
		json_add_u64(rx, verdict_names[v], c->verdict[v]);
	json_object_object_add(o, "receiver", rx);
	return o;
}
