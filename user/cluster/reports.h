/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Load reports in the daemon: every interval, this node's tunnel count
 * (ike/tunnel_reader.h: read off the loop), its signed report sent to the
 * cluster, and the member table built from everyone's reports.  The
 * report protocol runs when key_file is set; without it only the tunnel
 * count is kept, for this node's own entry in the cluster view.
 *
 * Each report carries a reading taken for it: the master adds only the
 * redirects sent after a report's arrival, so an older count would lose
 * the clients sent in between.  A reading that takes longer than half an
 * interval makes the report say unhealthy instead of waiting.
 */
#ifndef IKELB_REPORTS_H
#define IKELB_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/ip.h"
#include "config/config.h"

struct loop;
struct members;
struct json_object;

struct reports_hooks {
	void *ctx;
	/* The member table changed: a report was accepted, a member died. */
	void (*on_members_changed)(void *ctx);
	/* This node's MAC on the cluster interface (reported with its
	 * steering label); 0 or -1.  NULL: none known. */
	int (*own_mac)(void *ctx, uint8_t mac[6]);
	/* This node's own report went out (its tunnels just read), after
	 * on_members_changed; NULL: not wanted. */
	void (*on_own_report)(void *ctx);
	/* Migration messages (cluster/migration_codec.h) on the report socket:
	 * true when it was one; NULL: none are expected. */
	bool (*claim)(void *ctx, const uint8_t *buf, size_t len);
};

/* c must stay valid until reports_reload or reports_free.  NULL (logged)
 * when the key, the socket or the tunnels source cannot be set up. */
struct reports *reports_new(struct loop *l, const struct config *c,
			    const struct reports_hooks *h);
/* Never waits for a tunnel reading in progress. */
void reports_free(struct reports *r);
/*
 * Before a reload: reads the keys c names (key_file, key_file_previous),
 * changing nothing yet.  -1 with the reason in err when they cannot be
 * used: the daemon then refuses the whole reload.
 */
int reports_prepare(struct reports *r, const struct config *c, char *err, size_t errlen);
/* After a reload: the keys reports_prepare read (compared by content: a
 * key rotated in place is taken), intervals, gateway, tunnels source
 * (restarted when it changed); the next report goes out at once.  -1 when
 * the new source cannot be set up (this node then reports unhealthy). */
int reports_reload(struct reports *r, const struct config *c);
/* Draining: reported from the next report on, which goes out at once. */
void reports_set_draining(struct reports *r, bool draining);

/* The member table, or NULL when the report protocol is off. */
struct members *reports_members(struct reports *r);
/*
 * This node's own load when it has a tunnels source: true with *tunnels,
 * or false with the reason it is unhealthy.  *known is false without a
 * source (balanced like a static target).
 */
bool reports_self_load(struct reports *r, bool *known, uint64_t *tunnels, char *why,
		       size_t whylen);
const char *reports_node_id(const struct reports *r);
/* VRRP took over from a master at addr that went silent: its member (the
 * one reporting from that address) is taken for dead at once. */
void reports_master_silent(struct reports *r, const struct ip_addr *addr);

/* For the migration messages, which share the report protocol's socket and
 * key: this node's boot epoch (0 when the protocol is off), the key (NULL
 * then), and sending a signed message to the group or the peers. */
uint64_t reports_epoch(const struct reports *r);
const struct cluster_key *reports_key(const struct reports *r);
/* key_file_previous (accepted on receive, never sent with), updated in
 * place by a reload; NULL when reports are off, len 0 when none is set. */
const struct cluster_key *reports_key_previous(const struct reports *r);
void reports_send(struct reports *r, const uint8_t *msg, size_t len);

void reports_text(const struct reports *r, FILE *out);
struct json_object *reports_json(const struct reports *r);

#endif
