/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the daemon's modules do to the data path, as one interface: the
 * XDP program (attach, its config, target, budget and label maps, its
 * redirect counts, the mmapped slot tables), the VIPs on the interface
 * (add, remove, ask, announce) and on the loopback device (steering), and
 * the neighbour table.  role.c and cluster.c use only this.  The daemon
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
	/* the program's counters, summed over CPUs: out[IKELB_CNT_MAX] */
	int (*read_counters)(void *ctx, uint64_t *out);
	/* entry idx (0 or 1) of the cookie secrets map */
	int (*set_cookie_secret)(void *ctx, uint32_t idx, const struct ikelb_cookie_secret *s);
	/* the next batch of the sources map (at most *n entries; *n is set to
	 * how many came): 1 when more follow, 0 at the end, -1 on error */
	int (*read_sources)(void *ctx, struct xdp_sources_cursor *cur,
			    struct ikelb_source_key *keys, struct ikelb_source_state *vals,
			    uint32_t *n);
	/* the VIPs on the interface: 1 present, 0 absent, -1 error */
	int (*addr_present)(void *ctx, const struct ip_addr *ip);
	/* lifetime_s: the address's valid lifetime, 0 forever (addr.h) */
	int (*addr_add)(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s);
	/* a VIP held: its lifetime starts again (re-added if it vanished) */
	int (*addr_refresh)(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s);
	int (*addr_del)(void *ctx, const struct ip_addr *ip);
	/* gratuitous ARP / unsolicited NA for a VIP now held */
	int (*announce)(void *ctx, const struct ip_addr *ip);
	/* steering: the entry of label in map "labels" */
	int (*set_label)(void *ctx, uint32_t label, const struct ikelb_steer *e);
	/* steering: the MAC the neighbour table holds for ip on the
	 * interface; 0, or -1 when it holds none */
	int (*neigh_mac)(void *ctx, const struct ip_addr *ip, uint8_t mac[6]);
	/* steering: the VIPs on the loopback device, where a node that is not
	 * master holds them without answering ARP / ND for them */
	int (*lo_present)(void *ctx, const struct ip_addr *ip);
	int (*lo_add)(void *ctx, const struct ip_addr *ip);
	int (*lo_del)(void *ctx, const struct ip_addr *ip);
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

/* The real data path: the loaded program x on ifindex, attached in mode.
 * A VIP's lifetime is renewed on a thread of its own (addr_refresh.h), and
 * the announcements' packet socket is kept (announce.h): neither waits on
 * the event loop. */
struct addr_refresher;
struct dataplane_xdp {
	struct xdp_state *xdp;
	int ifindex;
	enum cfg_xdp_mode mode;
	int packet_fd;
	struct addr_refresher *refresher;
};

/* 0, or -1 when out of memory (logged). */
int dataplane_xdp_init(struct dataplane *dp, struct dataplane_xdp *ctx, struct xdp_state *x,
		       int ifindex, enum cfg_xdp_mode mode);
/* After the modules are gone. */
void dataplane_xdp_close(struct dataplane_xdp *ctx);

#endif
