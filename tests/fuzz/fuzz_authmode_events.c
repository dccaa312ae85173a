// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for auth mode's reading of charon's messages
 * (user/authmode_events.c): the input is a vici message, read as an
 * ike-updown, an ike-rekey, a log event and a list-sa event, and what comes
 * out goes through the table and the scope check, and through the
 * migration's table and rules (user/ike/migrate_sas.c).  Oracle besides
 * the sanitizers: a parsed SA has an id, a log line about an SA names it,
 * the table finds what it was given, a client's SA has a family.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/authmode_events.h"
#include "ike/migrate_sas.h"

static struct authev_table tab;
static struct migsa_table mtab;

static void migrate_sa(const struct auth_sa *sa, const struct ip_addr *vips)
{
	enum migsa_class c;
	uint64_t until;
	int fam;

	c = migsa_classify(&mtab, sa, vips, 60000, 1000, &fam);
	if (c != MIGSA_NOT_OURS && (fam < 0 || fam >= IKELB_FAMILIES))
		abort();
	until = migsa_held_until(&mtab, sa, 60000, 1000);
	if ((c == MIGSA_HELD) != (until > 1000) && c != MIGSA_MOVING && c != MIGSA_LEFT &&
	    c != MIGSA_NOT_OURS)
		abort();
	migsa_redirecting(&mtab, sa->id, 1);
}

static void use_sa(const struct auth_sa *sa)
{
	struct ip_addr vips[IKELB_FAMILIES] = { { .family = AF_INET }, { .family = AF_INET6 } };
	struct authev_entry *e;
	int fam;

	if (sa->id == 0)
		abort();
	inet_pton(AF_INET, "198.18.0.1", &vips[IKELB_FAM_V4].v4);
	inet_pton(AF_INET6, "2001:db8::1", &vips[IKELB_FAM_V6].v6);
	if (authev_scope(sa, vips, "vip", &fam) == AUTH_SCOPE_OURS &&
	    (fam < 0 || fam >= IKELB_FAMILIES))
		abort();
	e = authev_get(&tab, sa->id);
	if (!e || authev_find(&tab, sa->id) != e)
		abort();
	e->fate = AUTH_FATE_KEPT;
	e->spi_raw = sa->spi_raw;
	if (!authev_handled(&tab, sa))
		abort();
	migrate_sa(sa, vips);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vic_node *m = vic_tree_parse(data, size);
	struct auth_sa a, b;
	uint32_t id;
	bool up, from;

	if (!m)
		return 0;
	if (authev_updown(m, &up, &a) == 0)
		use_sa(&a);
	if (authev_rekey(m, &a, &b) == 0) {
		use_sa(&a);
		use_sa(&b);
	}
	if (authev_log(m, &id) != AUTHEV_LOG_OTHER && id == 0)
		abort();
	switch (authev_log_init(m, &id, &from)) {
	case AUTHEV_LOG_INIT_SUPPORTED:
	case AUTHEV_LOG_INIT_UNSUPPORTED:
		migsa_init_seen(&mtab, id, true, from, 1000);
		if (!migsa_find(&mtab, id))
			abort();
		break;
	case AUTHEV_LOG_REFUSED:
		migsa_refused(&mtab, id, &from);
		break;
	case AUTHEV_LOG_OTHER:
		if (from)
			abort();
		break;
	}
	for (const struct vic_node *c = m->child; c; c = c->next)
		if (authev_sa(c, &a) == 0)
			use_sa(&a);
	authev_count(&tab, AUTH_FATE_KEPT);
	vic_tree_free(m);
	return 0;
}
