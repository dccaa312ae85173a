// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The sources limited most often, swept in the background: see top_sources.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/loop.h"
#include "dataplane/top_sources.h"

struct top_list {
	unsigned n;
	struct top_source top[TOP_SOURCES_N];
};

struct top_sources {
	struct loop *loop;
	const struct dataplane *dp;
	struct loop_timer tick;
	/* the published list */
	struct top_list list;
	uint64_t swept_ms; /* when its sweep ended */
	bool have_list;
	uint32_t seen;
	/* the sweep under way */
	bool sweeping;
	struct xdp_sources_cursor cur;
	struct top_list next;
	uint32_t next_seen;
	uint64_t drops_at_start; /* drop_rate_source when it began */
	uint64_t drops_swept; /* ... when the last complete one began */
	bool failed; /* logged once */
	struct ikelb_source_key keys[TOP_SOURCES_BATCH];
	struct ikelb_source_state vals[TOP_SOURCES_BATCH];
};

/* Puts a source into a list kept in order (most limited first; on a tie
 * the one already there stays ahead), if it is among the TOP_SOURCES_N. */
static void consider(struct top_list *l, const struct ikelb_source_key *k, uint64_t limited)
{
	unsigned i;

	if (!limited || (l->n == TOP_SOURCES_N && limited <= l->top[l->n - 1].limited))
		return;
	i = l->n < TOP_SOURCES_N ? l->n++ : TOP_SOURCES_N - 1;
	for (; i > 0 && l->top[i - 1].limited < limited; i--)
		l->top[i] = l->top[i - 1];
	l->top[i] = (struct top_source){ .key = *k, .limited = limited };
}

static void failed(struct top_sources *t, const char *what)
{
	if (!t->failed)
		log_err("limited sources: cannot read %s: %s", what, strerror(errno));
	t->failed = true;
}

static void on_tick(void *arg)
{
	struct top_sources *t = arg;
	uint32_t n = TOP_SOURCES_BATCH;
	int more;

	if (!t->sweeping) {
		uint64_t c[IKELB_CNT_MAX];

		if (t->dp->ops->read_counters(t->dp->ctx, c)) {
			failed(t, "the XDP counters");
			return;
		}
		if (c[IKELB_CNT_DROP_RATE_SOURCE] == t->drops_swept)
			return;
		t->sweeping = true;
		t->drops_at_start = c[IKELB_CNT_DROP_RATE_SOURCE];
		memset(&t->cur, 0, sizeof(t->cur));
		memset(&t->next, 0, sizeof(t->next));
		t->next_seen = 0;
	}
	more = t->dp->ops->read_sources(t->dp->ctx, &t->cur, t->keys, t->vals, &n);
	if (more < 0) {
		failed(t, "the sources map");
		t->sweeping = false; /* again from the start at the next tick */
		return;
	}
	t->failed = false;
	for (uint32_t i = 0; i < n && i < TOP_SOURCES_BATCH; i++)
		consider(&t->next, &t->keys[i], t->vals[i].limited);
	t->next_seen += n;
	if (more)
		return;
	t->list = t->next;
	t->seen = t->next_seen;
	t->swept_ms = loop_now(t->loop);
	t->have_list = true;
	t->drops_swept = t->drops_at_start;
	t->sweeping = false;
}

struct top_sources *top_sources_new(struct loop *l, const struct dataplane *dp)
{
	struct top_sources *t = calloc(1, sizeof(*t));

	if (!t) {
		log_err("out of memory");
		return NULL;
	}
	t->loop = l;
	t->dp = dp;
	loop_timer_init(&t->tick, l, "top_sources.sweep", on_tick, t);
	loop_timer_every(&t->tick, TOP_SOURCES_TICK_MS);
	return t;
}

void top_sources_free(struct top_sources *t)
{
	if (!t)
		return;
	loop_timer_stop(&t->tick);
	free(t);
}

void top_sources_view(const struct top_sources *t, struct top_sources_view *v)
{
	memset(v, 0, sizeof(*v));
	v->n = t->list.n;
	memcpy(v->top, t->list.top, sizeof(v->top));
	v->age_ms = t->have_list ? (int64_t)(loop_now(t->loop) - t->swept_ms) : -1;
	v->seen = t->seen;
}

const char *top_source_str(const struct ikelb_source_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	uint8_t b[16] = { 0 };

	if (k->family == IKELB_FAM_V6) {
		memcpy(b, k->prefix, 8);
		inet_ntop(AF_INET6, b, a, sizeof(a));
		snprintf(buf, len, "%s/64", a);
	} else {
		inet_ntop(AF_INET, k->prefix, a, sizeof(a));
		snprintf(buf, len, "%s", a);
	}
	return buf;
}
