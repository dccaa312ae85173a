// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for auth mode's reading of charon's messages
 * (user/authmode_events.c): the input is a vici message, read as an
 * ike-updown, an ike-rekey, a log event and a list-sa event, and what comes
 * out goes through the table and the scope check.  Oracle besides the
 * sanitizers: a parsed SA has an id, a log line about an SA names it, and
 * the table finds what it was given.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/authmode_events.h"

static struct authev_table tab;

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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vic_node *m = vic_tree_parse(data, size);
	struct auth_sa a, b;
	uint32_t id;
	bool up;

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
	for (const struct vic_node *c = m->child; c; c = c->next)
		if (authev_sa(c, &a) == 0)
			use_sa(&a);
	authev_count(&tab, AUTH_FATE_KEPT);
	vic_tree_free(m);
	return 0;
}
