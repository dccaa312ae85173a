/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The cluster view: which gateways can receive clients and how loaded they
 * are -- this node's own [gateway], static [target]s, members heard
 * through load reports -- turned into the XDP target table, the slot
 * tables and the budgets (balancer.h) every CLUSTER_REFILL_MS, on every
 * change of the member table, and after a reload or drain; and the
 * steering labels (steering.h): which gateway each label names, with the
 * MAC members report, static targets configure, or the neighbour table
 * holds.
 *
 * It reads the member table and this node's load (through its hook) and
 * writes the data path through its struct dataplane; it calls nobody.
 */
#ifndef IKELB_CLUSTER_H
#define IKELB_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/migration_codec.h"
#include "config/config.h"
#include "dataplane/dataplane.h"
#include "ikelb.h"

struct loop;
struct members;

#define CLUSTER_REFILL_MS 100

enum pool_kind { POOL_SELF, POOL_STATIC, POOL_MEMBER };
enum pool_state { POOL_ACTIVE, POOL_DRAINING, POOL_UNHEALTHY, POOL_FULL, POOL_DEAD, POOL_CONFLICT };

/* One gateway as `status` shows it. */
struct pool_entry {
	enum pool_kind kind;
	char name[80];
	char address[600]; /* identities, printable */
	int idx; /* target index, -1 if none */
	bool has_load; /* reported tunnels (members, self with a source) */
	uint64_t tunnels, max_tunnels;
	double est_util; /* estimated utilisation the balancer used */
	enum pool_state state;
	char reason[128];
	int64_t age_ms; /* of the last report, -1 if none */
	uint64_t redirects; /* total since the daemon started (steered clients too) */
	uint64_t redirects_since_report;
	uint64_t migrations; /* clients granted to it by migrations (in redirects) */
	unsigned slots[2]; /* slots per family */
	/* steering (cluster/steering.h) */
	uint8_t steer_label; /* 0: none */
	bool has_mac; /* mac known: reported, configured or from the neighbour table */
	uint8_t mac[6];
	enum ikelb_steer_state steer; /* what its label does; NONE: nothing */
	char steer_why[96]; /* why it is not steered to; "" when it is */
};

struct cluster_hooks {
	void *ctx;
	/* This node's own load (reports_self_load): true with *tunnels, or
	 * false with why; *known false without a tunnels source. */
	bool (*self_load)(void *ctx, bool *known, uint64_t *tunnels, char *why, size_t whylen);
};

struct cluster_params {
	const struct config *cfg; /* valid until cluster_reload / cluster_free */
	const struct dataplane *dp;
	struct members *members; /* NULL: no report protocol */
	const char *node_id; /* this node's name in the table; copied */
};

/* Starts the periodic refill; NULL (logged) on failure. */
struct cluster *cluster_new(struct loop *l, const struct cluster_params *p,
			    const struct cluster_hooks *h);
void cluster_free(struct cluster *c);
/* New config (policy, targets, max tunnels, ...); refills at once. */
void cluster_reload(struct cluster *c, const struct config *cfg);
/* This node takes no new clients (its own entry); refills at once. */
void cluster_set_draining(struct cluster *c, bool draining);
/* Rebuilds the target list and refills the slot tables now. */
void cluster_refill(struct cluster *c);
/* A redirect sent by auth mode to target idx: counted with XDP's. */
void cluster_note_redirect(struct cluster *c, uint32_t idx);

/* Target idx gets count clients of family fam (a migration grant). */
struct cluster_grant {
	uint8_t fam;
	uint32_t count;
	uint32_t idx;
	char name[REPORT_NODE_ID_MAX + 1];
	struct cfg_gw_addr id;
};

/*
 * The master's answer to gateway `from` (a target's name: its node id),
 * which moves away up to wanted[fam] clients of each family for purpose:
 * the plan's shares among the usable targets other than `from` -- to
 * rebalance, only those whose estimated utilisation is below `from`'s, and
 * only with rebalance = on -- picked smoothly (migration_pick.h) and
 * counted like redirects (and as migrations).  At most max entries;
 * *answer is MIGRATION_GRANTED when there are any, else why not.
 */
unsigned cluster_grant(struct cluster *c, enum migration_purpose purpose, const char *from,
		       const uint8_t wanted[IKELB_FAMILIES], struct cluster_grant *out,
		       unsigned max, enum migration_answer *answer);

/* The entries of the last refill. */
unsigned cluster_pool(const struct cluster *c, const struct pool_entry **out);
const char *pool_state_name(enum pool_state s);
/*
 * The target the XDP path would choose for a request with this SPIi (as
 * the host loads the 8 wire bytes) at the VIP of family fam: the same slot
 * table.  0 with *idx and the GW identity, or -1 when none is usable.
 */
int cluster_pick(const struct cluster *c, int fam, uint64_t spi_raw, uint32_t *idx,
		 struct ikelb_gw_id *id);

#endif
