/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the daemon's modules do to the data path, as one interface: the
 * XDP program (attach, its config, target and budget maps, its redirect
 * counts, the mmapped slot tables) and the VIPs on the interface (add,
 * remove, ask, announce).  role.c and cluster.c use only this.  The daemon
 * passes the real one (dataplane_xdp_init: xdp.c, addr.c, announce.c);
 * unit tests pass a fake that records the calls (tests/lib/fake_dataplane).
 */
#ifndef IKELB_DATAPLANE_H
#define IKELB_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ip.h"
#include "config/config.h"
#include "dataplane/xdp.h"
#include "ikelb.h"

struct dataplane_ops {
	/* the XDP program: attach in the configured mode (0 or -1, logged) */
	int (*attach)(void *ctx);
	void (*detach)(void *ctx);
	bool (*attached)(void *ctx);
	int (*set_config)(void *ctx, const struct ikelb_config *c);
	int (*set_target)(void *ctx, uint32_t idx, const struct ikelb_target *t);
	/* redirects per target and CPU since load: per[target * ncpus + cpu] */
	int (*read_redirects)(void *ctx, uint64_t *per);
	/* every target's per-CPU budget: until[target * ncpus + cpu] */
	int (*set_budgets)(void *ctx, const uint64_t *until);
	/* the VIPs on the interface: 1 present, 0 absent, -1 error */
	int (*addr_present)(void *ctx, const struct ip_addr *ip);
	/* lifetime_s: the address's valid lifetime, 0 forever (addr.h) */
	int (*addr_add)(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s);
	/* a VIP held: its lifetime starts again (re-added if it vanished) */
	int (*addr_refresh)(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s);
	int (*addr_del)(void *ctx, const struct ip_addr *ip);
	/* gratuitous ARP / unsolicited NA for a VIP now held */
	int (*announce)(void *ctx, const struct ip_addr *ip);
};

struct dataplane {
	const struct dataplane_ops *ops;
	void *ctx;
	/* the slot tables the XDP program reads: XDP_SLOT_ENTRIES, indexed
	 * by XDP_SLOT (dataplane/xdp.h, include/ikelb.h) */
	struct ikelb_slot *slots;
	int ncpus; /* of the per-CPU maps */
	int ifindex;
};

/* The real data path: the loaded program x on ifindex, attached in mode. */
struct dataplane_xdp {
	struct xdp_state *xdp;
	int ifindex;
	enum cfg_xdp_mode mode;
};

void dataplane_xdp_init(struct dataplane *dp, struct dataplane_xdp *ctx, struct xdp_state *x,
			int ifindex, enum cfg_xdp_mode mode);

#endif
