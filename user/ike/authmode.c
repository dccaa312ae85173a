// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * [redirect] mode = auth.  The master's own strongSwan terminates IKE at
 * the VIP; once a client's IKE SA there is up (it has authenticated and
 * verified the cluster), this module redirects it over VICI to the gateway
 * the pick hook (cluster_pick) names for its SPIi -- the slot table and the
 * choice of the XDP path -- and reports it through on_redirect, so that it
 * is counted per target as XDP counts its redirects.
 *
 * Two asynchronous VICI connections on the event loop (ike/vici_pair.h):
 * one subscribed to events (ike-updown, ike-rekey, log), one for commands
 * (redirect, terminate, list-sas), each queued with a deadline and
 * completed by a callback; nothing waits for charon.  A charon that does
 * not answer makes a request miss its deadline, which closes the
 * connection: charon is lost.  When charon is missing or lost, reconnect
 * after 0.5 s, doubling up to 10 s; meanwhile the XDP program answers at
 * held VIPs only with auth_fallback = init (authmode_xdp_answers).  Each
 * (re)connect and role change lists the SAs at the VIPs (list-sas,
 * streamed), so that SAs that came up while nobody listened are handled
 * too; when taking over, from the next loop round, after the slot table
 * has been filled.
 *
 * Choices made here:
 *  - A redirected SA is left to charon: the client deletes it as soon as it
 *    is up at the target (milliseconds), else charon deletes it
 *    half_open_timeout after the redirect.  It never counts as one of this
 *    gateway's tunnels (tunnels.c excludes the VIPs); `status` shows it as
 *    lingering meanwhile.
 *  - Redirect support is known before the SA is up, from charon's log of
 *    the client's IKE_SA_INIT (authmode_events.h).  If that line was
 *    missed, the redirect is tried, and charon's refusal then counts the
 *    client as unsupported (the redirect stays counted: charon accepted
 *    the command).
 *  - An SA's fate is recorded when its command is queued, so that an event
 *    or a listing meanwhile does not act twice; a command that fails gives
 *    the SA back to a later event or listing.
 *  - An SA at a VIP this node does not hold (any more) is closed, forced:
 *    the role change reaches us after the address is gone, when charon can
 *    no longer send a redirect or a DELETE from it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/json_out.h"
#include "base/log.h"
#include "base/loop.h"
#include "ike/authmode.h"
#include "ike/authmode_events.h"
#include "ike/vici_conn.h"
#include "ike/vici_pair.h"
#include "ike/vici_query.h"

#define AUTH_CMD_TIMEOUT_MS 1000
#define AUTH_LIST_TIMEOUT_MS 3000
/* a queued command waits for those before it: this much more each */
#define AUTH_CMD_QUEUE_MS 20

static const char *const auth_events[] = { "log", "ike-rekey", "ike-updown" };
#define AUTH_N_EVENTS (sizeof(auth_events) / sizeof(auth_events[0]))

struct auth_counts {
	uint64_t redirected, unsupported, no_target, closed, errors;
};

struct authmode {
	struct loop *loop;
	const struct config *cfg;
	struct authmode_hooks hooks;
	bool held[IKELB_FAMILIES]; /* this node holds the VIP */
	bool role_known[IKELB_FAMILIES]; /* a role was set for it */
	bool xdp_answers; /* last told through the hook */
	struct vici_pair *vici;
	struct loop_timer sweep_timer;
	bool reconcile_due; /* forget what the next listing does not list */
	bool sweeping, sweep_again; /* a list-sas in flight, another wanted */
	struct authev_table tab;
	struct auth_counts n;
};

static bool up(const struct authmode *a)
{
	return vici_pair_up(a->vici);
}

/* Where commands go (redirect, terminate, list-sas). */
static struct vic_conn *cmd_conn(const struct authmode *a)
{
	return vici_pair_cmd(a->vici);
}

static const char *fallback_name(const struct authmode *a)
{
	return a->cfg->auth_fallback == CFG_FALLBACK_INIT ? "init" : "pass";
}

bool authmode_xdp_answers(const struct authmode *a)
{
	return !up(a) && a->cfg->auth_fallback == CFG_FALLBACK_INIT;
}

bool authmode_busy(const struct authmode *a)
{
	return up(a) && vic_conn_pending(cmd_conn(a)) > 0;
}

/* Tells the role when the XDP answers at the VIPs go on or off. */
static void tell_xdp_answers(struct authmode *a)
{
	bool answers = authmode_xdp_answers(a);

	if (answers == a->xdp_answers)
		return;
	a->xdp_answers = answers;
	if (a->hooks.on_xdp_answers)
		a->hooks.on_xdp_answers(a->hooks.ctx, answers);
}

static const struct ip_addr *vips_of(const struct authmode *a,
				     struct ip_addr vips[IKELB_FAMILIES])
{
	const struct config *c = a->cfg;

	vips[IKELB_FAM_V4] = c->has_vip4 ? (struct ip_addr){ .family = AF_INET, .v4 = c->vip4 }
					 : (struct ip_addr){ 0 };
	vips[IKELB_FAM_V6] = c->has_vip6 ? (struct ip_addr){ .family = AF_INET6, .v6 = c->vip6 }
					 : (struct ip_addr){ 0 };
	return vips;
}

/* A deadline for a command queued now behind the pending ones. */
static uint64_t cmd_deadline(const struct authmode *a, unsigned timeout_ms)
{
	return loop_now(a->loop) + timeout_ms + AUTH_CMD_QUEUE_MS * vic_conn_pending(cmd_conn(a));
}

/* ---- losing and finding charon ------------------------------------------ */

/* The connection is closed (its pending requests completed with
 * ECANCELED): what it was doing is over. */
static void forget_connection(struct authmode *a)
{
	loop_timer_stop(&a->sweep_timer);
	a->sweeping = a->sweep_again = false;
	/* what was learnt about unfinished handshakes may be stale by the
	 * next connect: events are missed meanwhile */
	for (unsigned i = 0; i < AUTHEV_TABLE_SIZE; i++)
		if (a->tab.e[i].fate == AUTH_FATE_NONE)
			a->tab.e[i] = (struct authev_entry){ 0 };
}

/* Connecting failed (refused, or a subscription not confirmed). */
static void on_vici_failed(void *ctx, const char *why, unsigned retry_ms, bool news)
{
	struct authmode *a = ctx;

	forget_connection(a);
	/* one line per new reason, not one per attempt */
	log_msg(news ? LOG_LVL_WARN : LOG_LVL_DEBUG,
		"auth mode: no vici connection to charon: %s; retrying in %.1f s "
		"(auth_fallback = %s)",
		why, retry_ms / 1000.0, fallback_name(a));
}

static void on_vici_lost(void *ctx, const char *why, unsigned retry_ms)
{
	struct authmode *a = ctx;

	forget_connection(a);
	log_warn("auth mode: lost charon's vici (%s); reconnecting in %.1f s; meanwhile %s",
		 why, retry_ms / 1000.0,
		 authmode_xdp_answers(a) ? "XDP answers at the VIP (auth_fallback = init)"
					 : "IKE at the VIP is passed (auth_fallback = pass)");
	tell_xdp_answers(a);
}

/* A command failed: counted and logged (a broken connection closes
 * itself and is handled by on_vici_lost). */
static void command_failed(struct authmode *a, const char *what, const char *why)
{
	a->n.errors++;
	log_warn("auth mode: %s: %s", what, why);
}

/* ---- acting on one SA ---------------------------------------------------- */

static int gw_str(const struct ikelb_gw_id *id, char *buf, size_t len)
{
	int af = id->type == IKE_GW_ID_IPV4 ? AF_INET : AF_INET6;

	if (id->type == IKE_GW_ID_FQDN) {
		if (id->len >= len || memchr(id->data, 0, id->len))
			return -1;
		memcpy(buf, id->data, id->len);
		buf[id->len] = 0;
		return 0;
	}
	if ((id->type != IKE_GW_ID_IPV4 || id->len != 4) &&
	    (id->type != IKE_GW_ID_IPV6 || id->len != 16))
		return -1;
	return inet_ntop(af, id->data, buf, len) ? 0 : -1;
}

/* What a command needs when it completes. */
struct sa_cmd {
	struct authmode *a;
	uint32_t id;
	uint64_t spi_raw;
	uint8_t fate_before; /* given back when the command fails */
	uint32_t idx; /* redirect: the target */
	char gw[IKE_GW_ID_MAX_LEN + 1];
	char who[200]; /* "'remote-id' (remote)", for the log */
	char why[64]; /* terminate: why */
};

/* The table entry of the command's SA, if it still is that SA's. */
static struct authev_entry *entry_of_cmd(const struct sa_cmd *x)
{
	struct authev_entry *e = authev_find(&x->a->tab, x->id);

	return e && e->spi_raw == x->spi_raw ? e : NULL;
}

static struct sa_cmd *new_cmd(struct authmode *a, uint32_t id, const struct authev_entry *e)
{
	struct sa_cmd *x = calloc(1, sizeof(*x));

	if (!x) {
		command_failed(a, "command", "out of memory");
		return NULL;
	}
	x->a = a;
	x->id = id;
	x->spi_raw = e ? e->spi_raw : 0;
	x->fate_before = e ? e->fate : AUTH_FATE_NONE;
	return x;
}

/* A failed command's SA is back to what it was, for a later try. */
static void give_back(const struct sa_cmd *x, uint8_t fate_now)
{
	struct authev_entry *e = entry_of_cmd(x);

	if (e && e->fate == fate_now)
		e->fate = x->fate_before;
}

static void on_terminated(void *ctx, int err, const char *why)
{
	struct sa_cmd *x = ctx;
	struct authmode *a = x->a;
	char what[64];

	if (err == ECANCELED) {
		/* closed with the command pending: a later listing retries */
	} else if (err) {
		snprintf(what, sizeof(what), "terminate IKE_SA #%u", x->id);
		command_failed(a, what, why);
		give_back(x, AUTH_FATE_CLOSING);
	} else {
		a->n.closed++;
		log_info("auth mode: IKE_SA #%u at the VIP closed: %s", x->id, x->why);
	}
	free(x);
}

static void close_sa(struct authmode *a, uint32_t ike_id, struct authev_entry *e, bool force,
		     const char *why)
{
	struct sa_cmd *x = new_cmd(a, ike_id, e);
	char what[64];

	if (!x)
		return;
	snprintf(x->why, sizeof(x->why), "%s", why);
	if (e)
		e->fate = AUTH_FATE_CLOSING;
	if (vic_query_terminate(cmd_conn(a), ike_id, force, cmd_deadline(a, AUTH_CMD_TIMEOUT_MS),
				on_terminated, x)) {
		snprintf(what, sizeof(what), "terminate IKE_SA #%u", ike_id);
		command_failed(a, what, vic_conn_error(cmd_conn(a)));
		give_back(x, AUTH_FATE_CLOSING);
		free(x);
	}
}

static void on_redirected(void *ctx, int err, const char *why, uint64_t matches)
{
	struct sa_cmd *x = ctx;
	struct authmode *a = x->a;
	char what[64];

	(void)matches;
	if (err == ECANCELED) {
		give_back(x, AUTH_FATE_REDIRECTED);
	} else if (err) {
		snprintf(what, sizeof(what), "redirect IKE_SA #%u", x->id);
		command_failed(a, what, why);
		give_back(x, AUTH_FATE_REDIRECTED);
	} else {
		a->n.redirected++;
		if (a->hooks.on_redirect)
			a->hooks.on_redirect(a->hooks.ctx, x->idx);
		log_info("auth mode: IKE_SA #%u of %s redirected to %s", x->id, x->who, x->gw);
	}
	free(x);
}

static void redirect_sa(struct authmode *a, const struct auth_sa *sa, struct authev_entry *e,
			uint32_t idx, const char *gw)
{
	struct sa_cmd *x = new_cmd(a, sa->id, e);
	char what[64];

	if (!x)
		return;
	x->idx = idx;
	snprintf(x->gw, sizeof(x->gw), "%s", gw);
	snprintf(x->who, sizeof(x->who), "'%s' (%s)", sa->remote_id, sa->remote);
	e->fate = AUTH_FATE_REDIRECTED;
	if (vic_query_redirect(cmd_conn(a), sa->id, gw, cmd_deadline(a, AUTH_CMD_TIMEOUT_MS),
			       on_redirected, x)) {
		snprintf(what, sizeof(what), "redirect IKE_SA #%u", sa->id);
		command_failed(a, what, vic_conn_error(cmd_conn(a)));
		give_back(x, AUTH_FATE_REDIRECTED);
		free(x);
	}
}

/* The target for this SA: the plan table's for its SPIi, as XDP would
 * choose it for its IKE_SA_INIT before any budget runs out (auth mode does
 * not use the spill table; see README, Limits). */
static bool pick(struct authmode *a, int fam, const struct auth_sa *sa, uint32_t *idx, char *gw,
		 size_t len)
{
	struct ikelb_gw_id id;

	return sa->has_spi && a->hooks.pick &&
	       a->hooks.pick(a->hooks.ctx, fam, sa->spi_raw, idx, &id) == 0 &&
	       *idx < IKELB_MAX_TARGETS && gw_str(&id, gw, len) == 0;
}

/* The entry of this SA; what another SA under its id left there is dropped. */
static struct authev_entry *entry_of(struct authmode *a, const struct auth_sa *sa)
{
	struct authev_entry *e = authev_get(&a->tab, sa->id);

	if (e->fate != AUTH_FATE_NONE && e->spi_raw != sa->spi_raw)
		e = authev_fresh(&a->tab, sa->id);
	return e;
}

static void decide_and_act(struct authmode *a, const struct auth_sa *sa, int fam)
{
	struct authev_entry *e = entry_of(a, sa);
	enum authev_support s = sa->version == 1 ? AUTH_SUPPORT_NO : e->support;
	char gw[IKE_GW_ID_MAX_LEN + 1];
	uint32_t idx = 0;
	bool target = s != AUTH_SUPPORT_NO && pick(a, fam, sa, &idx, gw, sizeof(gw));
	struct authev_decision dec = authev_decide(s, target, a->cfg->unsupported,
						   a->cfg->no_target);
	const char *why = dec.why == AUTH_WHY_UNSUPPORTED ? "the client cannot follow a redirect"
							  : "no usable target";

	e->spi_raw = sa->spi_raw;
	e->fam = (uint8_t)fam;
	e->fate = AUTH_FATE_NONE;
	if (dec.why == AUTH_WHY_UNSUPPORTED)
		a->n.unsupported++;
	else if (dec.why == AUTH_WHY_NO_TARGET)
		a->n.no_target++;
	switch (dec.act) {
	case AUTH_ACT_REDIRECT:
		redirect_sa(a, sa, e, idx, gw);
		break;
	case AUTH_ACT_KEEP:
		e->fate = AUTH_FATE_KEPT;
		log_info("auth mode: IKE_SA #%u of '%s' (%s) stays at the VIP: %s", sa->id,
			 sa->remote_id, sa->remote, why);
		break;
	case AUTH_ACT_CLOSE:
		close_sa(a, sa->id, e, false, why);
		break;
	}
}

/* An IKE SA that is up, from an event or a listing. */
static void handle_sa(struct authmode *a, const struct auth_sa *sa)
{
	struct ip_addr vips[IKELB_FAMILIES];
	struct authev_entry *e;
	int fam;

	if (!up(a) ||
	    authev_scope(sa, vips_of(a, vips), a->cfg->auth_connection, &fam) != AUTH_SCOPE_OURS)
		return;
	if (a->held[fam]) {
		if (!authev_handled(&a->tab, sa))
			decide_and_act(a, sa, fam);
		return;
	}
	/* a VIP we do not hold (any more): nothing may stay there */
	if (!a->role_known[fam] || (authev_handled(&a->tab, sa) &&
				   authev_find(&a->tab, sa->id)->fate == AUTH_FATE_CLOSING))
		return;
	e = entry_of(a, sa);
	e->spi_raw = sa->spi_raw;
	e->fam = (uint8_t)fam;
	close_sa(a, sa->id, e, true, "this node does not hold the VIP");
}

/*
 * The VIP of fam is gone: close the SAs known to be there, by id, since
 * charon may already have moved them to another local address (MOBIKE).
 */
static void close_known(struct authmode *a, int fam)
{
	for (unsigned i = 0; i < AUTHEV_TABLE_SIZE && up(a); i++) {
		struct authev_entry *e = &a->tab.e[i];

		if (e->id && e->fam == fam &&
		    (e->fate == AUTH_FATE_KEPT || e->fate == AUTH_FATE_REDIRECTED))
			close_sa(a, e->id, e, true, "this node does not hold the VIP");
	}
}

/* ---- events -------------------------------------------------------------- */

static void sa_down(struct authmode *a, const struct auth_sa *sa)
{
	if (authev_handled(&a->tab, sa))
		authev_forget(&a->tab, sa->id);
}

/* A rekeyed SA keeps what was decided for it under its new id. */
static void sa_rekeyed(struct authmode *a, const struct auth_sa *old_sa,
		       const struct auth_sa *new_sa)
{
	struct authev_entry was, *e;

	if (!authev_handled(&a->tab, old_sa))
		return;
	was = *authev_find(&a->tab, old_sa->id);
	authev_forget(&a->tab, old_sa->id);
	e = authev_fresh(&a->tab, new_sa->id);
	if (!e)
		return;
	e->support = was.support;
	e->fate = was.fate;
	e->fam = was.fam;
	e->spi_raw = new_sa->spi_raw;
}

/* charon did not send our redirect: the client never announced support. */
static void refused(struct authmode *a, uint32_t ike_id)
{
	struct authev_entry *e = authev_find(&a->tab, ike_id);

	if (!e || e->fate != AUTH_FATE_REDIRECTED)
		return;
	e->support = AUTH_SUPPORT_NO;
	e->fate = AUTH_FATE_KEPT;
	a->n.unsupported++;
	log_info("auth mode: IKE_SA #%u: charon did not redirect it (the client does not "
		 "support redirects)", ike_id);
	if (a->cfg->unsupported == IKELB_ACT_DROP)
		close_sa(a, ike_id, e, false, "the client cannot follow a redirect");
}

static void on_log(struct authmode *a, const struct vic_node *msg)
{
	uint32_t id;
	enum authev_log kind = authev_log(msg, &id);
	struct authev_entry *e;

	if (kind == AUTHEV_LOG_INIT_SUPPORTED || kind == AUTHEV_LOG_INIT_UNSUPPORTED) {
		e = authev_fresh(&a->tab, id);
		if (e)
			e->support = kind == AUTHEV_LOG_INIT_SUPPORTED ? AUTH_SUPPORT_YES
								       : AUTH_SUPPORT_NO;
	} else if (kind == AUTHEV_LOG_REFUSED) {
		refused(a, id);
	}
}

static void on_event(void *ctx, const char *name, const struct vic_node *msg)
{
	struct authmode *a = ctx;
	struct auth_sa sa, sa2;
	bool is_up;

	if (!strcmp(name, "log")) {
		on_log(a, msg);
	} else if (!strcmp(name, "ike-updown")) {
		if (authev_updown(msg, &is_up, &sa))
			log_debug("auth mode: ike-updown event without an IKE SA");
		else if (is_up)
			handle_sa(a, &sa);
		else
			sa_down(a, &sa);
	} else if (!strcmp(name, "ike-rekey")) {
		if (authev_rekey(msg, &sa, &sa2) == 0)
			sa_rekeyed(a, &sa, &sa2);
	}
}

/* ---- listing the SAs at the VIPs ----------------------------------------- */

struct sa_list {
	struct authmode *a;
	struct ip_addr vips[IKELB_FAMILIES];
	bool forget_unlisted;
	struct auth_sa *v;
	size_t n, cap;
};

static void on_list_sa(void *ctx, const char *event, const struct vic_node *msg)
{
	struct sa_list *l = ctx;
	struct auth_sa sa;
	int fam;

	(void)event;
	for (const struct vic_node *c = msg->child; c; c = c->next) {
		if (authev_sa(c, &sa) || authev_scope(&sa, l->vips, NULL, &fam) == AUTH_SCOPE_NOT_VIP)
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

/*
 * Fates of SAs charon no longer has (gone while we were not listening).
 * Only after a reconnect: list-sas skips SAs busy at that moment (noblock),
 * and events keep the table right otherwise.
 */
static void reconcile(struct authmode *a, const struct sa_list *l)
{
	for (unsigned i = 0; i < AUTHEV_TABLE_SIZE; i++) {
		struct authev_entry *e = &a->tab.e[i];
		bool listed = false;

		if (!e->id || e->fate == AUTH_FATE_NONE)
			continue;
		for (size_t j = 0; j < l->n && !listed; j++)
			listed = l->v[j].id == e->id && l->v[j].spi_raw == e->spi_raw;
		if (!listed)
			*e = (struct authev_entry){ 0 };
	}
}

static void sweep(struct authmode *a, bool forget_unlisted);

static void on_listed(void *ctx, int err, const char *why)
{
	struct sa_list *l = ctx;
	struct authmode *a = l->a;

	if (err == ECANCELED || !up(a)) {
		/* closed meanwhile: the next connect lists again */
	} else if (err) {
		command_failed(a, "list-sas", why);
	} else {
		if (l->forget_unlisted)
			reconcile(a, l);
		for (size_t i = 0; i < l->n && up(a); i++)
			handle_sa(a, &l->v[i]);
	}
	free(l->v);
	free(l);
	if (err == ECANCELED)
		return;
	a->sweeping = false;
	if (a->sweep_again && up(a)) {
		bool forget = a->reconcile_due;

		a->sweep_again = a->reconcile_due = false;
		sweep(a, forget);
	}
}

static void sweep(struct authmode *a, bool forget_unlisted)
{
	struct sa_list *l;

	if (a->sweeping) {
		a->sweep_again = true;
		a->reconcile_due |= forget_unlisted;
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		command_failed(a, "list-sas", "out of memory");
		return;
	}
	l->a = a;
	l->forget_unlisted = forget_unlisted;
	vips_of(a, l->vips);
	/* only the VIP's connection: the gateway's own tunnels may be many */
	if (vic_query_list_sas(cmd_conn(a),
			       a->cfg->auth_connection[0] ? a->cfg->auth_connection : NULL,
			       cmd_deadline(a, AUTH_LIST_TIMEOUT_MS), on_list_sa, l, on_listed, l)) {
		command_failed(a, "list-sas", vic_conn_error(cmd_conn(a)));
		free(l);
		return;
	}
	a->sweeping = true;
}

/* ---- connection ----------------------------------------------------------- */

static void on_vici_up(void *ctx)
{
	struct authmode *a = ctx;

	log_info("auth mode: %sconnected to charon (vici %s)",
		 vici_pair_connects(a->vici) > 1 ? "re" : "", a->cfg->vici);
	tell_xdp_answers(a);
	a->reconcile_due = true;
	loop_timer_after(&a->sweep_timer, 0);
}

/* List the SAs at the VIPs (after a connect or a takeover). */
static void on_sweep(void *arg)
{
	struct authmode *a = arg;
	bool forget = a->reconcile_due;

	if (!up(a))
		return;
	a->reconcile_due = false;
	sweep(a, forget);
}

/* ---- the module's life ------------------------------------------------------- */

struct authmode *authmode_new(struct loop *l, const struct config *c,
			      const struct authmode_hooks *h)
{
	struct authmode *a = calloc(1, sizeof(*a));
	struct vici_pair_hooks vici_hooks = { .ctx = a,
					      .on_event = on_event,
					      .on_up = on_vici_up,
					      .on_failed = on_vici_failed,
					      .on_lost = on_vici_lost };

	if (!a) {
		log_err("out of memory");
		return NULL;
	}
	a->loop = l;
	a->cfg = c;
	if (h)
		a->hooks = *h;
	a->xdp_answers = true; /* what the role starts with */
	a->vici = vici_pair_new(l, "auth", auth_events, AUTH_N_EVENTS, &vici_hooks);
	if (!a->vici) {
		log_err("out of memory");
		free(a);
		return NULL;
	}
	loop_timer_init(&a->sweep_timer, l, "auth.sweep", on_sweep, a);
	tell_xdp_answers(a);
	vici_pair_start(a->vici, c->vici);
	return a;
}

void authmode_free(struct authmode *a)
{
	if (!a)
		return;
	loop_timer_stop(&a->sweep_timer);
	/* the pair is down first: callbacks of cancelled requests do nothing */
	vici_pair_free(a->vici);
	free(a);
}

void authmode_reload(struct authmode *a, const struct config *c)
{
	a->cfg = c;
	vici_pair_set_path(a->vici, c->vici);
	tell_xdp_answers(a);
}

/* Losing a VIP is handled now (the daemon may be stopping); taking one
 * over from the next loop round, when the slot table has targets. */
void authmode_role_changed(struct authmode *a, int fam, bool master)
{
	a->held[fam] = master;
	a->role_known[fam] = true;
	if (!up(a))
		return;
	if (master) {
		loop_timer_after(&a->sweep_timer, 0);
		return;
	}
	close_known(a, fam);
	sweep(a, false);
}

/* ---- status ------------------------------------------------------------------ */

static void fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

void authmode_text(const struct authmode *a, FILE *out)
{
	enum vici_pair_state state = vici_pair_state(a->vici);
	char since[32];

	fmt_time(vici_pair_since(a->vici), since, sizeof(since));
	fprintf(out, "\nauth mode: vici %s\n", a->cfg->vici);
	if (up(a))
		fprintf(out, "  connected since %s", since);
	else if (state == VICI_PAIR_CONNECTING)
		fprintf(out, "  CONNECTING (waiting for charon to confirm the event registrations)");
	else
		fprintf(out, "  NOT CONNECTED since %s: %s; next try in %.1f s", since,
			vici_pair_reason(a->vici), vici_pair_retry_in_ms(a->vici) / 1000.0);
	fprintf(out, " (%llu connects, %llu losses)\n",
		(unsigned long long)vici_pair_connects(a->vici),
		(unsigned long long)vici_pair_losses(a->vici));
	fprintf(out, "  XDP answers at held VIPs: %s (auth_fallback = %s)\n",
		authmode_xdp_answers(a) ? "yes" : "no", fallback_name(a));
	if (a->cfg->auth_connection[0])
		fprintf(out, "  connection: %s\n", a->cfg->auth_connection);
	fprintf(out, "  redirected %llu  unsupported %llu  no_target %llu  closed %llu  errors %llu\n",
		(unsigned long long)a->n.redirected, (unsigned long long)a->n.unsupported,
		(unsigned long long)a->n.no_target, (unsigned long long)a->n.closed,
		(unsigned long long)a->n.errors);
	fprintf(out, "  SAs at the VIP: %u lingering after a redirect, %u kept, %u closing\n",
		authev_count(&a->tab, AUTH_FATE_REDIRECTED), authev_count(&a->tab, AUTH_FATE_KEPT),
		authev_count(&a->tab, AUTH_FATE_CLOSING));
}

struct json_object *authmode_json(const struct authmode *a)
{
	struct json_object *o = json_object_new_object();
	enum vici_pair_state state = vici_pair_state(a->vici);

	json_add_str(o, "vici", a->cfg->vici);
	json_add_bool(o, "connected", up(a));
	json_object_object_add(o, "since", json_object_new_int64(vici_pair_since(a->vici)));
	json_object_object_add(o, "reason", up(a) ? NULL : json_object_new_string(
		state == VICI_PAIR_CONNECTING ? "waiting for charon to confirm the event registrations"
					      : vici_pair_reason(a->vici)));
	json_object_object_add(o, "next_retry_ms", state == VICI_PAIR_DOWN
				? json_object_new_int64((int64_t)vici_pair_retry_in_ms(a->vici))
				: NULL);
	json_add_u64(o, "connects", vici_pair_connects(a->vici));
	json_add_u64(o, "losses", vici_pair_losses(a->vici));
	json_add_str(o, "auth_fallback", fallback_name(a));
	json_add_bool(o, "xdp_answers", authmode_xdp_answers(a));
	json_object_object_add(o, "connection", a->cfg->auth_connection[0]
							? json_object_new_string(a->cfg->auth_connection)
							: NULL);
	json_add_u64(o, "redirected", a->n.redirected);
	json_add_u64(o, "unsupported", a->n.unsupported);
	json_add_u64(o, "no_target", a->n.no_target);
	json_add_u64(o, "closed", a->n.closed);
	json_add_u64(o, "errors", a->n.errors);
	json_add_u64(o, "lingering", authev_count(&a->tab, AUTH_FATE_REDIRECTED));
	json_add_u64(o, "kept", authev_count(&a->tab, AUTH_FATE_KEPT));
	json_add_u64(o, "closing", authev_count(&a->tab, AUTH_FATE_CLOSING));
	return o;
}
