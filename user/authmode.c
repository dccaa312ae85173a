// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * [redirect] mode = auth (issue 8).  The master's own strongSwan terminates
 * IKE at the VIP; once a client's IKE SA there is up (it has authenticated
 * and verified the cluster), this module redirects it over VICI to the
 * gateway cluster_pick() names for its SPIi, the slot table and choice of
 * the XDP path, and counts it per target as XDP counts its redirects.
 *
 * Two vici connections (vici_conn.h): one for events (ike-updown,
 * ike-rekey, log), read in the epoll loop; one for commands, which are
 * still waited for with vici_sync.h and so block the loop for at most
 * AUTH_CMD_TIMEOUT_MS (a listing: AUTH_LIST_TIMEOUT_MS; charon answers in
 * milliseconds unless it hangs, and then we reconnect).  When charon is missing or goes away, reconnect
 * after 0.5 s, doubling up to 10 s; meanwhile the XDP program answers at
 * held VIPs only with auth_fallback = init (authmode_xdp_answers).  Each
 * (re)connect and role change lists the SAs at the VIPs (list-sas), so that
 * SAs that came up while nobody listened are handled too; when taking
 * over, from the next timer run, after the slot table has been filled.
 *
 * Choices where the issue leaves room:
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
 *  - An SA at a VIP this node does not hold (any more) is closed, forced:
 *    role.c tells us after the address is gone, when charon can no longer
 *    send a redirect or a DELETE from it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "authmode.h"
#include "authmode_events.h"
#include "cluster.h"
#include "daemon.h"
#include "log.h"
#include "vici_conn.h"
#include "vici_query.h"
#include "vici_sync.h"

#define AUTH_CMD_TIMEOUT_MS 1000
#define AUTH_LIST_TIMEOUT_MS 3000
#define AUTH_BACKOFF_MIN_MS 500
#define AUTH_BACKOFF_MAX_MS 10000
/* a connection that lasted this long was not refused: back off from the start */
#define AUTH_STABLE_MS 5000

struct auth_counts {
	uint64_t redirected, unsupported, no_target, closed, errors;
};

static struct {
	bool on; /* mode = auth */
	struct vic_conn *ev, *cmd;
	bool connected;
	bool sweep_due; /* list the SAs at the VIPs at the next timer run */
	bool reconcile_due; /* and forget what is not listed (after a reconnect) */
	char reason[256]; /* why not connected */
	time_t since; /* wall clock of the last connect or loss */
	uint64_t next_try_ms;
	unsigned backoff_ms;
	uint64_t up_ms; /* when the connection came up */
	uint64_t connects, losses;
	struct authev_table tab;
	uint64_t per_target[IKELB_MAX_TARGETS];
	struct auth_counts n;
} A;

static const char *fallback_name(const struct daemon *d)
{
	return d->cfg.auth_fallback == CFG_FALLBACK_INIT ? "init" : "pass";
}

bool authmode_xdp_answers(const struct daemon *d)
{
	if (d->cfg.mode != CFG_MODE_AUTH)
		return true;
	return !A.connected && d->cfg.auth_fallback == CFG_FALLBACK_INIT;
}

static const struct cfg_ip *vips_of(const struct daemon *d, struct cfg_ip vips[IKELB_FAMILIES])
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		vips[fam] = d->vip[fam].configured ? d->vip[fam].ip : (struct cfg_ip){ 0 };
	return vips;
}

/* ---- losing and finding charon ------------------------------------------ */

static void go_down(struct daemon *d, const char *why)
{
	if (!A.connected)
		return;
	snprintf(A.reason, sizeof(A.reason), "%s", why && *why ? why : "connection lost");
	vic_conn_close(A.ev);
	vic_conn_close(A.cmd);
	A.connected = false;
	A.losses++;
	A.since = time(NULL);
	/* a connection that drops soon after it came up (charon refusing
	 * something of ours) backs off further; one that lasted starts over */
	if (now_ms() - A.up_ms >= AUTH_STABLE_MS || !A.backoff_ms)
		A.backoff_ms = AUTH_BACKOFF_MIN_MS;
	else if ((A.backoff_ms *= 2) > AUTH_BACKOFF_MAX_MS)
		A.backoff_ms = AUTH_BACKOFF_MAX_MS;
	A.next_try_ms = now_ms() + A.backoff_ms;
	log_warn("auth mode: lost charon's vici (%s); reconnecting in %.1f s; meanwhile %s",
		 A.reason, A.backoff_ms / 1000.0,
		 authmode_xdp_answers(d) ? "XDP answers at the VIP (auth_fallback = init)"
					 : "IKE at the VIP is passed (auth_fallback = pass)");
	role_push_config(d);
}

static void retry_later(struct daemon *d, uint64_t now, const char *why)
{
	bool news = strcmp(A.reason, why) != 0;

	A.backoff_ms = A.backoff_ms ? A.backoff_ms * 2 : AUTH_BACKOFF_MIN_MS;
	if (A.backoff_ms > AUTH_BACKOFF_MAX_MS)
		A.backoff_ms = AUTH_BACKOFF_MAX_MS;
	A.next_try_ms = now + A.backoff_ms;
	snprintf(A.reason, sizeof(A.reason), "%s", why);
	/* one line per new reason, not one per attempt */
	log_msg(news ? LOG_LVL_WARN : LOG_LVL_DEBUG,
		"auth mode: no vici connection to charon: %s; retrying in %.1f s "
		"(auth_fallback = %s)",
		why, A.backoff_ms / 1000.0, fallback_name(d));
}

/* A command failed: counted; a broken connection is a lost charon. */
static void command_failed(struct daemon *d, const char *what, const char *detail)
{
	A.n.errors++;
	log_warn("auth mode: %s: %s", what, detail);
	if (!vic_conn_is_open(A.cmd))
		go_down(d, vic_conn_error(A.cmd));
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

/* 0, or -1 with the reason in err. */
static int terminate_sa(uint32_t ike_id, bool force, char *err, size_t len)
{
	struct vic_sync_result r = { 0 };
	int rc;

	rc = vic_sync_finish(A.cmd,
			     vic_query_terminate(A.cmd, ike_id, force,
						 vic_sync_deadline(AUTH_CMD_TIMEOUT_MS), vic_sync_done,
						 &r),
			     &r);
	snprintf(err, len, "%s", r.why);
	return rc;
}

static void close_sa(struct daemon *d, uint32_t ike_id, struct authev_entry *e, bool force,
		     const char *why)
{
	char what[64], err[512];

	if (terminate_sa(ike_id, force, err, sizeof(err))) {
		snprintf(what, sizeof(what), "terminate IKE_SA #%u", ike_id);
		command_failed(d, what, err);
		return;
	}
	A.n.closed++;
	if (e)
		e->fate = AUTH_FATE_CLOSING;
	log_info("auth mode: IKE_SA #%u at the VIP closed: %s", ike_id, why);
}

static void redirect_sa(struct daemon *d, const struct auth_sa *sa, struct authev_entry *e,
			uint32_t idx, const char *gw)
{
	char what[320];

	struct vic_sync_result r = { 0 };

	if (vic_sync_finish(A.cmd,
			    vic_query_redirect(A.cmd, sa->id, gw,
					       vic_sync_deadline(AUTH_CMD_TIMEOUT_MS), vic_sync_count,
					       &r),
			    &r)) {
		snprintf(what, sizeof(what), "redirect IKE_SA #%u", sa->id);
		command_failed(d, what, r.why);
		return;
	}
	A.n.redirected++;
	A.per_target[idx]++;
	e->fate = AUTH_FATE_REDIRECTED;
	log_info("auth mode: IKE_SA #%u of '%s' (%s) redirected to %s", sa->id, sa->remote_id,
		 sa->remote, gw);
}

/* The target for this SA: the plan table's for its SPIi, as XDP would
 * choose it for its IKE_SA_INIT before any budget runs out (auth mode does
 * not use the spill table; see README, Limits). */
static bool pick(struct daemon *d, int fam, const struct auth_sa *sa, uint32_t *idx, char *gw,
		 size_t len)
{
	struct ikelb_gw_id id;

	return sa->has_spi && cluster_pick(d, fam, sa->spi_raw, idx, &id) == 0 &&
	       *idx < IKELB_MAX_TARGETS && gw_str(&id, gw, len) == 0;
}

/* The entry of this SA; what another SA under its id left there is dropped. */
static struct authev_entry *entry_of(const struct auth_sa *sa)
{
	struct authev_entry *e = authev_get(&A.tab, sa->id);

	if (e->fate != AUTH_FATE_NONE && e->spi_raw != sa->spi_raw)
		e = authev_fresh(&A.tab, sa->id);
	return e;
}

static void decide_and_act(struct daemon *d, const struct auth_sa *sa, int fam)
{
	struct authev_entry *e = entry_of(sa);
	enum authev_support s = sa->version == 1 ? AUTH_SUPPORT_NO : e->support;
	char gw[IKE_GW_ID_MAX_LEN + 1];
	uint32_t idx = 0;
	bool target = s != AUTH_SUPPORT_NO && pick(d, fam, sa, &idx, gw, sizeof(gw));
	struct authev_decision dec = authev_decide(s, target, d->cfg.unsupported,
						   d->cfg.no_target);
	const char *why = dec.why == AUTH_WHY_UNSUPPORTED ? "the client cannot follow a redirect"
							  : "no usable target";

	e->spi_raw = sa->spi_raw;
	e->fam = (uint8_t)fam;
	e->fate = AUTH_FATE_NONE;
	if (dec.why == AUTH_WHY_UNSUPPORTED)
		A.n.unsupported++;
	else if (dec.why == AUTH_WHY_NO_TARGET)
		A.n.no_target++;
	switch (dec.act) {
	case AUTH_ACT_REDIRECT:
		redirect_sa(d, sa, e, idx, gw);
		break;
	case AUTH_ACT_KEEP:
		e->fate = AUTH_FATE_KEPT;
		log_info("auth mode: IKE_SA #%u of '%s' (%s) stays at the VIP: %s", sa->id,
			 sa->remote_id, sa->remote, why);
		break;
	case AUTH_ACT_CLOSE:
		close_sa(d, sa->id, e, false, why);
		break;
	}
}

/* An IKE SA that is up, from an event or a listing. */
static void handle_sa(struct daemon *d, const struct auth_sa *sa)
{
	struct cfg_ip vips[IKELB_FAMILIES];
	struct authev_entry *e;
	int fam;

	if (!A.connected ||
	    authev_scope(sa, vips_of(d, vips), d->cfg.auth_connection, &fam) != AUTH_SCOPE_OURS)
		return;
	if (d->vip[fam].role == ROLE_MASTER) {
		if (!authev_handled(&A.tab, sa))
			decide_and_act(d, sa, fam);
		return;
	}
	/* a VIP we do not hold (any more): nothing may stay there */
	if (!d->vip[fam].since || (authev_handled(&A.tab, sa) &&
				   authev_find(&A.tab, sa->id)->fate == AUTH_FATE_CLOSING))
		return;
	e = entry_of(sa);
	e->spi_raw = sa->spi_raw;
	e->fam = (uint8_t)fam;
	close_sa(d, sa->id, e, true, "this node does not hold the VIP");
}

/*
 * The VIP of fam is gone: close the SAs known to be there, by id, since
 * charon may already have moved them to another local address (MOBIKE).
 */
static void close_known(struct daemon *d, int fam)
{
	for (unsigned i = 0; i < AUTHEV_TABLE_SIZE && A.connected; i++) {
		struct authev_entry *e = &A.tab.e[i];

		if (e->id && e->fam == fam &&
		    (e->fate == AUTH_FATE_KEPT || e->fate == AUTH_FATE_REDIRECTED))
			close_sa(d, e->id, e, true, "this node does not hold the VIP");
	}
}

/* ---- events -------------------------------------------------------------- */

static void sa_down(const struct auth_sa *sa)
{
	if (authev_handled(&A.tab, sa))
		authev_forget(&A.tab, sa->id);
}

/* A rekeyed SA keeps what was decided for it under its new id. */
static void sa_rekeyed(const struct auth_sa *old_sa, const struct auth_sa *new_sa)
{
	struct authev_entry was, *e;

	if (!authev_handled(&A.tab, old_sa))
		return;
	was = *authev_find(&A.tab, old_sa->id);
	authev_forget(&A.tab, old_sa->id);
	e = authev_fresh(&A.tab, new_sa->id);
	if (!e)
		return;
	e->support = was.support;
	e->fate = was.fate;
	e->fam = was.fam;
	e->spi_raw = new_sa->spi_raw;
}

/* charon did not send our redirect: the client never announced support. */
static void refused(struct daemon *d, uint32_t ike_id)
{
	struct authev_entry *e = authev_find(&A.tab, ike_id);

	if (!e || e->fate != AUTH_FATE_REDIRECTED)
		return;
	e->support = AUTH_SUPPORT_NO;
	e->fate = AUTH_FATE_KEPT;
	A.n.unsupported++;
	log_info("auth mode: IKE_SA #%u: charon did not redirect it (the client does not "
		 "support redirects)", ike_id);
	if (d->cfg.unsupported == IKELB_ACT_DROP)
		close_sa(d, ike_id, e, false, "the client cannot follow a redirect");
}

static void on_log(struct daemon *d, const struct vic_node *msg)
{
	uint32_t id;
	enum authev_log kind = authev_log(msg, &id);

	if (kind == AUTHEV_LOG_INIT_SUPPORTED || kind == AUTHEV_LOG_INIT_UNSUPPORTED)
		authev_fresh(&A.tab, id)->support = kind == AUTHEV_LOG_INIT_SUPPORTED
							    ? AUTH_SUPPORT_YES
							    : AUTH_SUPPORT_NO;
	else if (kind == AUTHEV_LOG_REFUSED)
		refused(d, id);
}

static void on_event(void *ctx, const char *name, const struct vic_node *msg)
{
	struct daemon *d = ctx;
	struct auth_sa sa, sa2;
	bool up;

	if (!strcmp(name, "log")) {
		on_log(d, msg);
	} else if (!strcmp(name, "ike-updown")) {
		if (authev_updown(msg, &up, &sa))
			log_debug("auth mode: ike-updown event without an IKE SA");
		else if (up)
			handle_sa(d, &sa);
		else
			sa_down(&sa);
	} else if (!strcmp(name, "ike-rekey")) {
		if (authev_rekey(msg, &sa, &sa2) == 0)
			sa_rekeyed(&sa, &sa2);
	}
}

/* ---- listing the SAs at the VIPs ----------------------------------------- */

struct sa_list {
	const struct cfg_ip *vips;
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
 * Only after a reconnect: list-sas skips SAs busy at that moment (noblock,
 * so that a slow SA cannot stall the loop), and events keep the table
 * right otherwise.
 */
static void reconcile(const struct sa_list *l)
{
	for (unsigned i = 0; i < AUTHEV_TABLE_SIZE; i++) {
		struct authev_entry *e = &A.tab.e[i];
		bool listed = false;

		if (!e->id || e->fate == AUTH_FATE_NONE)
			continue;
		for (size_t j = 0; j < l->n && !listed; j++)
			listed = l->v[j].id == e->id && l->v[j].spi_raw == e->spi_raw;
		if (!listed)
			*e = (struct authev_entry){ 0 };
	}
}

static void sweep(struct daemon *d, bool forget_unlisted)
{
	struct cfg_ip vips[IKELB_FAMILIES];
	struct sa_list l = { .vips = vips_of(d, vips) };
	struct vic_sync_result r = { 0 };

	/* only the VIP's connection: the gateway's own tunnels may be many */
	if (vic_sync_finish(A.cmd,
			    vic_query_list_sas(A.cmd, d->cfg.auth_connection,
					       vic_sync_deadline(AUTH_LIST_TIMEOUT_MS), on_list_sa,
					       &l, vic_sync_done, &r),
			    &r)) {
		command_failed(d, "list-sas", r.why);
	} else {
		if (forget_unlisted)
			reconcile(&l);
		for (size_t i = 0; i < l.n; i++)
			handle_sa(d, &l.v[i]);
	}
	free(l.v);
}

/* ---- connection ----------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t len, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int open_connections(struct daemon *d, char *why, size_t len)
{
	static const char *const events[] = { "log", "ike-rekey", "ike-updown" };

	struct vic_sync_result r;

	if (vic_conn_connect(A.cmd, d->cfg.vici) || vic_conn_connect(A.ev, d->cfg.vici))
		return fail(why, len, "%s",
			    vic_conn_is_open(A.cmd) ? vic_conn_error(A.ev) : vic_conn_error(A.cmd));
	for (unsigned i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (vic_sync_subscribe(A.ev, events[i], on_event, d, AUTH_CMD_TIMEOUT_MS, &r))
			return fail(why, len, "register for %s: %s", events[i], r.why);
	if (daemon_watch(d, vic_conn_fd(A.ev)))
		return fail(why, len, "epoll: %s", strerror(errno));
	return 0;
}

/* What was learnt about unfinished handshakes may be stale now. */
static void forget_support(void)
{
	for (unsigned i = 0; i < AUTHEV_TABLE_SIZE; i++)
		if (A.tab.e[i].fate == AUTH_FATE_NONE)
			A.tab.e[i] = (struct authev_entry){ 0 };
}

static void try_connect(struct daemon *d, uint64_t now)
{
	char why[256];

	forget_support();
	if (open_connections(d, why, sizeof(why))) {
		vic_conn_close(A.ev);
		vic_conn_close(A.cmd);
		retry_later(d, now, why);
		return;
	}
	A.connected = true;
	A.connects++;
	A.since = time(NULL);
	A.up_ms = now;
	A.reason[0] = 0;
	log_info("auth mode: %sconnected to charon (vici %s)", A.connects > 1 ? "re" : "",
		 d->cfg.vici);
	role_push_config(d);
	A.sweep_due = A.reconcile_due = true;
	/* what came after the registrations (read by the loop from now on) */
	if (vic_conn_on_readable(A.ev) < 0)
		go_down(d, vic_conn_error(A.ev));
}

/* ---- daemon hooks ---------------------------------------------------------- */

int authmode_start(struct daemon *d)
{
	if (d->cfg.mode != CFG_MODE_AUTH)
		return 0;
	memset(&A, 0, sizeof(A));
	A.ev = vic_conn_new();
	A.cmd = vic_conn_new();
	if (!A.ev || !A.cmd) {
		log_err("auth mode: out of memory");
		vic_conn_free(A.ev);
		vic_conn_free(A.cmd);
		return -1;
	}
	A.on = true;
	A.since = time(NULL);
	snprintf(A.reason, sizeof(A.reason), "not connected yet");
	try_connect(d, now_ms());
	return 0;
}

void authmode_stop(struct daemon *d)
{
	(void)d;
	if (!A.on)
		return;
	vic_conn_free(A.ev);
	vic_conn_free(A.cmd);
	A.ev = A.cmd = NULL;
	A.connected = false;
	A.on = false;
}

uint64_t authmode_deadline(struct daemon *d, uint64_t t)
{
	(void)d;
	if (!A.on)
		return t;
	if (A.connected)
		return A.sweep_due ? 0 : t;
	return A.next_try_ms < t ? A.next_try_ms : t;
}

void authmode_timers(struct daemon *d, uint64_t now)
{
	if (A.on && !A.connected && now >= A.next_try_ms)
		try_connect(d, now);
	if (A.on && A.connected && A.sweep_due) {
		bool forget = A.reconcile_due;

		A.sweep_due = A.reconcile_due = false;
		sweep(d, forget);
	}
}

bool authmode_fd_ready(struct daemon *d, int fd)
{
	if (!A.on || !A.connected || fd != vic_conn_fd(A.ev))
		return false;
	if (vic_conn_on_readable(A.ev) < 0)
		go_down(d, vic_conn_error(A.ev));
	return true;
}

/* Losing a VIP is handled now (the daemon may be stopping); taking one
 * over from the next timer run, when the slot table has targets. */
void authmode_role_changed(struct daemon *d, int fam, bool master)
{
	if (!A.on || !A.connected)
		return;
	if (master) {
		A.sweep_due = true;
		return;
	}
	close_known(d, fam);
	sweep(d, false);
}

void authmode_add_redirects(struct daemon *d, uint64_t out[IKELB_MAX_TARGETS])
{
	(void)d;
	if (!A.on)
		return;
	for (int i = 0; i < IKELB_MAX_TARGETS; i++)
		out[i] += A.per_target[i];
}

/* ---- status ------------------------------------------------------------------ */

static void fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static int64_t retry_in_ms(void)
{
	uint64_t now = now_ms();

	return A.next_try_ms > now ? (int64_t)(A.next_try_ms - now) : 0;
}

void authmode_text(struct daemon *d, FILE *out)
{
	char since[32];

	if (!A.on)
		return;
	fmt_time(A.since, since, sizeof(since));
	fprintf(out, "\nauth mode: vici %s\n", d->cfg.vici);
	if (A.connected)
		fprintf(out, "  connected since %s", since);
	else
		fprintf(out, "  NOT CONNECTED since %s: %s; next try in %.1f s", since, A.reason,
			retry_in_ms() / 1000.0);
	fprintf(out, " (%llu connects, %llu losses)\n", (unsigned long long)A.connects,
		(unsigned long long)A.losses);
	fprintf(out, "  XDP answers at held VIPs: %s (auth_fallback = %s)\n",
		authmode_xdp_answers(d) ? "yes" : "no", fallback_name(d));
	if (d->cfg.auth_connection[0])
		fprintf(out, "  connection: %s\n", d->cfg.auth_connection);
	fprintf(out, "  redirected %llu  unsupported %llu  no_target %llu  closed %llu  errors %llu\n",
		(unsigned long long)A.n.redirected, (unsigned long long)A.n.unsupported,
		(unsigned long long)A.n.no_target, (unsigned long long)A.n.closed,
		(unsigned long long)A.n.errors);
	fprintf(out, "  SAs at the VIP: %u lingering after a redirect, %u kept, %u closing\n",
		authev_count(&A.tab, AUTH_FATE_REDIRECTED), authev_count(&A.tab, AUTH_FATE_KEPT),
		authev_count(&A.tab, AUTH_FATE_CLOSING));
}

static void jadd_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

struct json_object *authmode_json(struct daemon *d)
{
	struct json_object *o;

	if (!A.on)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "vici", json_object_new_string(d->cfg.vici));
	json_object_object_add(o, "connected", json_object_new_boolean(A.connected));
	json_object_object_add(o, "since", json_object_new_int64(A.since));
	json_object_object_add(o, "reason", A.connected ? NULL : json_object_new_string(A.reason));
	json_object_object_add(o, "next_retry_ms",
			       A.connected ? NULL : json_object_new_int64(retry_in_ms()));
	jadd_u64(o, "connects", A.connects);
	jadd_u64(o, "losses", A.losses);
	json_object_object_add(o, "auth_fallback", json_object_new_string(fallback_name(d)));
	json_object_object_add(o, "xdp_answers", json_object_new_boolean(authmode_xdp_answers(d)));
	json_object_object_add(o, "connection", d->cfg.auth_connection[0]
							? json_object_new_string(d->cfg.auth_connection)
							: NULL);
	jadd_u64(o, "redirected", A.n.redirected);
	jadd_u64(o, "unsupported", A.n.unsupported);
	jadd_u64(o, "no_target", A.n.no_target);
	jadd_u64(o, "closed", A.n.closed);
	jadd_u64(o, "errors", A.n.errors);
	jadd_u64(o, "lingering", authev_count(&A.tab, AUTH_FATE_REDIRECTED));
	jadd_u64(o, "kept", authev_count(&A.tab, AUTH_FATE_KEPT));
	jadd_u64(o, "closing", authev_count(&A.tab, AUTH_FATE_CLOSING));
	return o;
}
