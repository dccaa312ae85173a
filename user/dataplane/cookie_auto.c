// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The cookie "auto" rule: see cookie_auto.h. */
#include <string.h>

#include "dataplane/cookie_auto.h"

void cookie_auto_init(struct cookie_auto *a)
{
	memset(a, 0, sizeof(*a));
}

/* Keeps the samples of the last window: the oldest one goes once the one
 * after it is a whole window old too. */
static void push(struct cookie_auto *a, uint64_t now_ms, uint64_t n)
{
	unsigned next;

	if (a->count == COOKIE_AUTO_RING) {
		a->head = (a->head + 1) % COOKIE_AUTO_RING;
		a->count--;
	}
	while (a->count > 1) {
		next = (a->head + 1) % COOKIE_AUTO_RING;
		if (now_ms - a->t[next] < COOKIE_AUTO_WINDOW_MS)
			break;
		a->head = next;
		a->count--;
	}
	next = (a->head + a->count) % COOKIE_AUTO_RING;
	a->t[next] = now_ms;
	a->n[next] = n;
	a->count++;
}

bool cookie_auto_sample(struct cookie_auto *a, uint64_t now_ms, uint64_t new_requests,
			uint32_t threshold)
{
	uint64_t t0, n0, span;
	bool was = a->on;

	if (a->count) {
		unsigned last = (a->head + a->count - 1) % COOKIE_AUTO_RING;

		if (now_ms < a->t[last])
			now_ms = a->t[last];
	}
	push(a, now_ms, new_requests);
	t0 = a->t[a->head];
	n0 = a->n[a->head];
	span = now_ms - t0;
	/* the counters only grow; a smaller value is taken as no change */
	a->rate = span && new_requests > n0 ? (new_requests - n0) * 1000 / span : 0;
	if (a->rate > threshold / 2)
		a->high_ms = now_ms;
	if (!a->on && a->rate > threshold)
		a->on = true;
	else if (a->on && now_ms - a->high_ms >= COOKIE_AUTO_HOLD_MS)
		a->on = false;
	return a->on != was;
}
