/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The cluster view: which gateways can receive clients and how loaded they
 * are (this node's own [gateway], static [target]s, members heard through
 * status messages), turned into the XDP target table.
 */
#ifndef IKELB_CLUSTER_H
#define IKELB_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

struct daemon;

enum pool_kind { POOL_SELF, POOL_STATIC, POOL_MEMBER };
enum pool_state { POOL_ACTIVE, POOL_DRAINING, POOL_UNHEALTHY, POOL_FULL, POOL_DEAD };

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
	uint64_t redirects; /* total since the daemon started */
	uint64_t redirects_since_report;
	unsigned slots[2]; /* slots per family */
};

int cluster_start(struct daemon *d);
void cluster_stop(struct daemon *d);
void cluster_config_changed(struct daemon *d);
uint64_t cluster_next_deadline(struct daemon *d, uint64_t t);
void cluster_timers(struct daemon *d, uint64_t now);
void cluster_fd_ready(struct daemon *d, int fd);
/* Rebuilds the target list and refills the slot tables. */
void cluster_refill(struct daemon *d, uint64_t now);
/* The entries of the last refill. */
unsigned cluster_pool(struct daemon *d, const struct pool_entry **out);
const char *pool_state_name(enum pool_state s);
/*
 * The target the XDP path would choose for a request with this SPIi (as
 * the host loads the 8 wire bytes) at the VIP of family fam: the same slot
 * table.  0 with *idx and the GW identity, or -1 when none is usable.
 */
struct ikelb_gw_id;
int cluster_pick(struct daemon *d, int fam, uint64_t spi_raw, uint32_t *idx,
		 struct ikelb_gw_id *id);

#endif
