// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "cluster/targets.h"

void targets_init(struct targets *tg)
{
	memset(tg, 0, sizeof(*tg));
}

void targets_begin(struct targets *tg)
{
	for (int i = 0; i < IKELB_MAX_TARGETS; i++)
		tg->s[i].seen = false;
}

int targets_find(const struct targets *tg, const char *key)
{
	for (int i = 0; i < IKELB_MAX_TARGETS; i++)
		if (tg->s[i].used && !strcmp(tg->s[i].key, key))
			return i;
	return -1;
}

/* The XDP program reads the identities and the steering label together:
 * a new label is a new index too. */
static bool same_ids(const struct ikelb_target *a, const struct ikelb_target *b)
{
	return !memcmp(a->id, b->id, sizeof(a->id)) && a->steer_label == b->steer_label;
}

static void release(struct target_slot *s, uint64_t now_ms)
{
	s->used = false;
	s->t.active = 0;
	s->dirty = true;
	s->freed_ms = now_ms ? now_ms : 1;
}

/* Never used, or rested long enough since it was freed. */
static int free_index(const struct targets *tg, uint64_t now_ms)
{
	for (int i = 0; i < IKELB_MAX_TARGETS; i++) {
		const struct target_slot *s = &tg->s[i];

		if (!s->used && (!s->freed_ms || now_ms >= s->freed_ms + TARGETS_QUARANTINE_MS))
			return i;
	}
	return -1;
}

int targets_want(struct targets *tg, const char *key, const struct ikelb_target *t,
		 uint64_t now_ms)
{
	int i = targets_find(tg, key);

	if (i >= 0 && same_ids(&tg->s[i].t, t)) {
		tg->s[i].seen = true;
		return i;
	}
	if (i >= 0)
		release(&tg->s[i], now_ms);
	i = free_index(tg, now_ms);
	if (i < 0)
		return -1;
	tg->s[i] = (struct target_slot){ .used = true, .seen = true, .dirty = true,
					 .fresh = true };
	snprintf(tg->s[i].key, sizeof(tg->s[i].key), "%s", key);
	memcpy(tg->s[i].t.id, t->id, sizeof(t->id));
	tg->s[i].t.steer_label = t->steer_label;
	tg->s[i].t.active = 1;
	return i;
}

void targets_end(struct targets *tg, uint64_t now_ms)
{
	for (int i = 0; i < IKELB_MAX_TARGETS; i++)
		if (tg->s[i].used && !tg->s[i].seen)
			release(&tg->s[i], now_ms);
}
