/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Stable indexes into the XDP "targets" map.  The XDP program may read an
 * entry while user space writes it, so an entry that slots can name is never
 * rewritten with a different identity or steering label: a changed one gets
 * a new index,
 * and a freed index rests (inactive) for TARGETS_QUARANTINE_MS before reuse.
 */
#ifndef IKELB_TARGETS_H
#define IKELB_TARGETS_H

#include <stdbool.h>
#include <stdint.h>

#include "ikelb.h"

#define TARGETS_KEY_MAX 80
#define TARGETS_QUARANTINE_MS 2000

struct target_slot {
	bool used; /* a key owns this index */
	bool seen; /* marked during a sync */
	bool dirty; /* map entry must be written */
	bool fresh; /* newly given to a key: forget what was learnt about it */
	char key[TARGETS_KEY_MAX]; /* "self", "static:NAME", "node:ID" */
	struct ikelb_target t; /* what the map holds (active flag included) */
	uint64_t freed_ms; /* when the key went away; 0 = never used */
};

struct targets {
	struct target_slot s[IKELB_MAX_TARGETS];
};

void targets_init(struct targets *tg);
/* A sync: begin, then want() every current target, then end(). */
void targets_begin(struct targets *tg);
/* Index for key with these identities and steering label (t->active is
 * ignored); -1 if full. */
int targets_want(struct targets *tg, const char *key, const struct ikelb_target *t,
		 uint64_t now_ms);
/* Keys not wanted in this sync lose their index (entry made inactive). */
void targets_end(struct targets *tg, uint64_t now_ms);
/* Index of a key, or -1. */
int targets_find(const struct targets *tg, const char *key);

#endif
