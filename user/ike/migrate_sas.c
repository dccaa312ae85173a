// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* A gateway's knowledge of its own SAs when it moves clients: see migrate_sas.h. */
#include <arpa/inet.h>
#include <string.h>

#include "ike/migrate_sas.h"

void migsa_clear(struct migsa_table *t)
{
	memset(t, 0, sizeof(*t));
}

struct migsa_entry *migsa_find(struct migsa_table *t, uint32_t id)
{
	struct migsa_entry *e = &t->e[id % MIGSA_TABLE_SIZE];

	return id && e->id == id ? e : NULL;
}

static const struct migsa_entry *find_const(const struct migsa_table *t, uint32_t id)
{
	const struct migsa_entry *e = &t->e[id % MIGSA_TABLE_SIZE];

	return id && e->id == id ? e : NULL;
}

/* The entry of id, taken over from whatever SA had it. */
static struct migsa_entry *fresh(struct migsa_table *t, uint32_t id)
{
	struct migsa_entry *e = &t->e[id % MIGSA_TABLE_SIZE];

	*e = (struct migsa_entry){ .id = id };
	return e;
}

static struct migsa_entry *get(struct migsa_table *t, uint32_t id)
{
	struct migsa_entry *e = migsa_find(t, id);

	return e ? e : fresh(t, id);
}

void migsa_init_seen(struct migsa_table *t, uint32_t id, bool supported, bool by_redirect,
		     uint64_t now_ms)
{
	struct migsa_entry *e;

	if (!id)
		return;
	e = fresh(t, id);
	e->support = supported ? MIGSA_YES : MIGSA_NO;
	e->seen_init = true;
	e->by_redirect = by_redirect;
	e->init_ms = now_ms;
}

void migsa_redirecting(struct migsa_table *t, uint32_t id, uint32_t target)
{
	struct migsa_entry *e;

	if (!id)
		return;
	e = get(t, id);
	e->fate = MIGSA_REDIRECTED;
	e->accepted = false;
	e->target = target;
}

bool migsa_accepted(struct migsa_table *t, uint32_t id)
{
	struct migsa_entry *e = migsa_find(t, id);

	if (!e || e->fate != MIGSA_REDIRECTED)
		return false;
	e->accepted = true;
	return true;
}

void migsa_give_back(struct migsa_table *t, uint32_t id)
{
	struct migsa_entry *e = migsa_find(t, id);

	if (e && e->fate == MIGSA_REDIRECTED)
		e->fate = MIGSA_NONE;
}

bool migsa_refused(struct migsa_table *t, uint32_t id, bool *was_accepted)
{
	struct migsa_entry *e = migsa_find(t, id);

	*was_accepted = false;
	if (!e || e->fate != MIGSA_REDIRECTED)
		return false;
	*was_accepted = e->accepted;
	e->fate = MIGSA_REFUSED;
	e->support = MIGSA_NO;
	e->accepted = false;
	return true;
}

enum migsa_fate migsa_down(struct migsa_table *t, uint32_t id, uint32_t *target,
			   bool *was_accepted)
{
	struct migsa_entry *e = migsa_find(t, id);
	enum migsa_fate f;

	*target = 0;
	*was_accepted = false;
	if (!e)
		return MIGSA_NONE;
	f = (enum migsa_fate)e->fate;
	*target = e->target;
	*was_accepted = e->accepted;
	*e = (struct migsa_entry){ 0 };
	return f;
}

void migsa_rekeyed(struct migsa_table *t, uint32_t id, uint32_t new_id)
{
	struct migsa_entry *e = migsa_find(t, id), was;

	if (!e || !new_id)
		return;
	was = *e;
	*e = (struct migsa_entry){ 0 };
	e = fresh(t, new_id);
	*e = was;
	e->id = new_id;
}

static int family_of(const struct ip_addr *a)
{
	return a->family == AF_INET ? IKELB_FAM_V4 : a->family == AF_INET6 ? IKELB_FAM_V6 : -1;
}

/*
 * When the SA may move: hold_ms after it came by a redirect; unseen, it
 * may have come by one, so once it is surely hold_ms old.  charon's age is
 * the difference of two clocks in whole seconds, so it may be a second
 * more than the SA's real age: an age of hold_s + 1 whole seconds is at
 * least hold_s real ones.
 */
static uint64_t free_at(const struct migsa_entry *e, const struct auth_sa *sa,
			uint32_t hold_ms, uint64_t now_ms)
{
	uint64_t hold_s = (hold_ms + 999) / 1000;

	if (e && e->seen_init)
		return e->by_redirect ? e->init_ms + hold_ms : now_ms;
	if (sa->has_age && sa->age_s <= hold_s)
		return now_ms + (hold_s + 1 - sa->age_s) * 1000;
	return now_ms;
}

static bool held(const struct migsa_entry *e, const struct auth_sa *sa, uint32_t hold_ms,
		 uint64_t now_ms)
{
	return free_at(e, sa, hold_ms, now_ms) > now_ms;
}

uint64_t migsa_held_until(const struct migsa_table *t, const struct auth_sa *sa,
			  uint32_t hold_ms, uint64_t now_ms)
{
	uint64_t at = free_at(find_const(t, sa->id), sa, hold_ms, now_ms);

	return at > now_ms ? at : now_ms;
}

enum migsa_class migsa_classify(const struct migsa_table *t, const struct auth_sa *sa,
				const struct ip_addr vips[IKELB_FAMILIES], uint32_t hold_ms,
				uint64_t now_ms, int *fam)
{
	const struct migsa_entry *e = find_const(t, sa->id);

	*fam = family_of(&sa->local);
	if (!sa->established || sa->initiator || *fam < 0)
		return MIGSA_NOT_OURS;
	for (int f = 0; f < IKELB_FAMILIES; f++)
		if (ip_addr_eq(&sa->local, &vips[f]))
			return MIGSA_NOT_OURS;
	if (e && e->fate == MIGSA_REDIRECTED)
		return MIGSA_MOVING;
	if (sa->version == 1 || (e && (e->fate == MIGSA_REFUSED || e->support == MIGSA_NO)))
		return MIGSA_LEFT;
	if (held(e, sa, hold_ms, now_ms))
		return MIGSA_HELD;
	return e && e->support == MIGSA_YES ? MIGSA_MOVE : MIGSA_TRY;
}

const char *migsa_class_name(enum migsa_class c)
{
	static const char *const n[] = { "move", "try", "held", "left", "moving", "not ours" };

	return (unsigned)c < sizeof(n) / sizeof(n[0]) ? n[c] : "?";
}

/* ---- the pace ----------------------------------------------------------- */

#define SLOT_UNITS 1000u /* a slot is 1000 units of 1/rate ms: 1000/rate ms */

void migsa_pace_set(struct migsa_pace *p, uint32_t rate)
{
	uint64_t next = migsa_pace_next(p);

	rate = rate ? rate : 1;
	/* the next slot stays where it was, to the ms, in the new units */
	if (p->any && rate != p->rate)
		p->next_units = next * rate;
	p->rate = rate;
}

uint64_t migsa_pace_next(const struct migsa_pace *p)
{
	return p->any ? (p->next_units + p->rate - 1) / p->rate : 0;
}

bool migsa_pace_due(const struct migsa_pace *p, uint64_t now_ms)
{
	return !p->any || now_ms * p->rate >= p->next_units;
}

void migsa_pace_took(struct migsa_pace *p, uint64_t now_ms)
{
	uint64_t now = now_ms * p->rate;
	/* in the first ms of its slot (or early): on schedule; later: anew */
	bool on_time = p->any && now < p->next_units + p->rate;

	p->next_units = (on_time ? p->next_units : now) + SLOT_UNITS;
	p->any = true;
}
