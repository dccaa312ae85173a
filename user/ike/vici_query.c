// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Typed VICI queries: see vici_query.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/vici_query.h"

#define WHY_MAX 256

int vic_reply_ok(const struct vic_node *reply, char *why, size_t len)
{
	const char *ok = vic_find_str(reply, "success");
	const char *msg = vic_find_str(reply, "errmsg");

	if (ok && !strcmp(ok, "yes")) {
		snprintf(why, len, "%s", "");
		return 0;
	}
	snprintf(why, len, "%s", msg ? msg : ok ? "charon says it failed" : "no success in the reply");
	errno = ok ? ESRCH : EPROTO;
	return -1;
}

int vic_stats_established(const struct vic_node *stats, uint64_t *count)
{
	uint64_t total, half;

	if (vic_find_u64(stats, "ikesas.total", &total) ||
	    vic_find_u64(stats, "ikesas.half-open", &half)) {
		errno = EPROTO;
		return -1;
	}
	*count = half < total ? total - half : 0;
	return 0;
}

/* What a query's reply callback needs to reach the caller. */
struct query {
	vic_done_fn done;
	vic_count_fn count;
	void *ctx;
	char what[WHY_MAX]; /* "redirect IKE_SA #7 to gw", for refusals */
};

static struct query *query_new(vic_done_fn done, vic_count_fn count, void *ctx)
{
	struct query *q = calloc(1, sizeof(*q));

	if (q) {
		q->done = done;
		q->count = count;
		q->ctx = ctx;
	}
	return q;
}

/* Queues with q as the reply's context; frees q when nothing was queued. */
static int queued(int rc, struct query *q)
{
	if (rc) {
		int e = errno;

		free(q);
		errno = e;
	}
	return rc;
}

static void on_success_reply(void *ctx, int err, const char *why, const struct vic_node *reply)
{
	struct query *q = ctx;
	char msg[WHY_MAX], full[2 * WHY_MAX + 8];
	uint64_t matches = 0;

	if (!err && vic_reply_ok(reply, msg, sizeof(msg))) {
		err = errno;
		snprintf(full, sizeof(full), "%s%s%s", q->what, *q->what ? ": " : "", msg);
		why = full;
	}
	if (!err)
		vic_find_u64(reply, "matches", &matches);
	if (q->done)
		q->done(q->ctx, err, why);
	if (q->count)
		q->count(q->ctx, err, why, matches);
	free(q);
}

static void on_stats_reply(void *ctx, int err, const char *why, const struct vic_node *reply)
{
	struct query *q = ctx;
	uint64_t n = 0;

	if (!err && vic_stats_established(reply, &n)) {
		err = errno;
		why = "no ikesas.total/half-open from charon";
	}
	q->count(q->ctx, err, why, n);
	free(q);
}

static void on_done_reply(void *ctx, int err, const char *why, const struct vic_node *reply)
{
	struct query *q = ctx;

	(void)reply;
	if (q->done)
		q->done(q->ctx, err, why);
	free(q);
}

int vic_query_ike_sas(struct vic_conn *c, uint64_t deadline_ms, vic_count_fn done, void *ctx)
{
	struct query *q = query_new(NULL, done, ctx);

	if (!q || !done) {
		free(q);
		errno = q ? EINVAL : ENOMEM;
		return -1;
	}
	return queued(vic_conn_command(c, "stats", NULL, deadline_ms, on_stats_reply, q), q);
}

/* A command with the success/errmsg kind of reply. */
static int success_command(struct vic_conn *c, const char *cmd, struct vic_builder *b,
			   uint64_t deadline_ms, struct query *q)
{
	int rc = -1;

	if (!q)
		errno = ENOMEM;
	else
		rc = vic_conn_command(c, cmd, b, deadline_ms, on_success_reply, q);
	vic_builder_free(b);
	return queued(rc, q);
}

int vic_query_redirect(struct vic_conn *c, uint32_t ike_id, const char *gateway,
		       uint64_t deadline_ms, vic_count_fn done, void *ctx)
{
	struct query *q = query_new(NULL, done, ctx);
	struct vic_builder b;

	vic_builder_init(&b);
	vic_add_kvf(&b, "ike-id", "%u", ike_id);
	vic_add_kv(&b, "gateway", gateway ? gateway : "");
	if (q)
		snprintf(q->what, sizeof(q->what), "redirect IKE_SA #%u to %s", ike_id,
			 gateway ? gateway : "");
	return success_command(c, "redirect", &b, deadline_ms, q);
}

int vic_query_terminate(struct vic_conn *c, uint32_t ike_id, bool force, uint64_t deadline_ms,
			vic_done_fn done, void *ctx)
{
	struct query *q = query_new(done, NULL, ctx);
	struct vic_builder b;

	vic_builder_init(&b);
	vic_add_kvf(&b, "ike-id", "%u", ike_id);
	if (force)
		vic_add_kv(&b, "force", "yes");
	vic_add_kv(&b, "timeout", "-1"); /* do not wait for the peer */
	return success_command(c, "terminate", &b, deadline_ms, q);
}

int vic_query_list_sas(struct vic_conn *c, const char *ike, uint64_t deadline_ms,
		       vic_event_fn on_sa, void *sa_ctx, vic_done_fn done, void *ctx)
{
	struct query *q = query_new(done, NULL, ctx);
	struct vic_builder b;
	int rc = -1;

	vic_builder_init(&b);
	/* noblock: skip SAs busy right now instead of stalling the listing */
	vic_add_kv(&b, "noblock", "yes");
	if (ike && *ike)
		vic_add_kv(&b, "ike", ike);
	if (!q)
		errno = ENOMEM;
	else
		rc = vic_conn_stream(c, "list-sas", &b, "list-sa", on_sa, sa_ctx, deadline_ms,
				     on_done_reply, q);
	vic_builder_free(&b);
	return queued(rc, q);
}
