/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The XDP program's life in the daemon: load the skeleton, pin its maps
 * under /sys/fs/bpf/ikelb/<cluster>/, attach through a BPF link (so a dead
 * daemon leaves no program behind), and access to the maps.
 */
#ifndef IKELB_XDP_H
#define IKELB_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "ikelb.h"

struct ikelb_bpf;

struct xdp_state {
	struct ikelb_bpf *skel;
	int link_fd; /* -1 when detached */
	int ifindex;
	uint32_t prog_id;
	char mode[8]; /* "native" / "generic" while attached */
	struct ikelb_slot *slots; /* mmapped: XDP_SLOT_ENTRIES, see include/ikelb.h */
	char pin_dir[128];
	int ncpus;
};

#define XDP_SLOT_ENTRIES (IKELB_TABLES * IKELB_FAMILIES * IKELB_SLOTS)
/* Entry of a slot in the map: see include/ikelb.h. */
#define XDP_SLOT(table, fam, slot) \
	(((table) * IKELB_FAMILIES + (fam)) * IKELB_SLOTS + (slot))

/* Names of the pinned maps, relative to the pin directory. */
#define XDP_PIN_CONFIG "config"
#define XDP_PIN_TARGETS "targets"
#define XDP_PIN_SLOTS "slots"
#define XDP_PIN_TARGET_STATS "target_stats"
#define XDP_PIN_COUNTERS "counters"
#define XDP_PIN_BUDGET "budget"
#define XDP_PIN_SOURCES "sources"
#define XDP_PIN_NODE_LIMIT "node_limit"
#define XDP_PIN_COOKIE_SECRETS "cookie_secrets"
#define XDP_PIN_LABELS "labels"
#define XDP_PIN_FRAGS "frags"

/* Loads the program and pins its maps (stale pins of this cluster are
 * replaced).  Returns 0 or -1 with the reason logged. */
int xdp_open(struct xdp_state *x, const char *cluster);
/* -1 (logged, naming it) when another XDP program is on the interface. */
int xdp_check_free(int ifindex);
/* Attaches to ifindex in the requested mode; refuses when another XDP
 * program is on the interface. */
int xdp_attach(struct xdp_state *x, int ifindex, enum cfg_xdp_mode mode);
void xdp_detach(struct xdp_state *x);
bool xdp_attached(const struct xdp_state *x);
/* Detaches, unpins, and frees everything. */
void xdp_close(struct xdp_state *x);

int xdp_set_config(struct xdp_state *x, const struct ikelb_config *c);
int xdp_get_config(struct xdp_state *x, struct ikelb_config *c);
int xdp_set_target(struct xdp_state *x, uint32_t idx, const struct ikelb_target *t);
/* Sums of the per-CPU counters. */
int xdp_read_counters(struct xdp_state *x, uint64_t out[IKELB_CNT_MAX]);
/* Redirects per target index and CPU since load (monotonic):
 * per[target * ncpus + cpu]. */
int xdp_read_redirects_percpu(struct xdp_state *x, uint64_t *per);
/* Writes every target's per-CPU budget: until[target * ncpus + cpu]. */
int xdp_set_budgets(struct xdp_state *x, const uint64_t *until);
/* Map "labels": what steering does with SPIs of this label. */
int xdp_set_label(struct xdp_state *x, uint32_t label, const struct ikelb_steer *e);

/* Entry idx (0 or 1) of the cookie secrets map. */
int xdp_set_cookie_secret(struct xdp_state *x, uint32_t idx, const struct ikelb_cookie_secret *s);

/* Where a walk over the sources map is: zeroed, it starts at the beginning. */
struct xdp_sources_cursor {
	bool started;
	uint32_t token; /* the kernel's batch position (a hash bucket) */
};
/* The next batch of the sources map, at most *n entries (*n is set to how
 * many came): 1 when more follow, 0 at the end, -1 on error.  Entries
 * added or evicted meanwhile may be missed or seen twice. */
int xdp_read_sources(struct xdp_state *x, struct xdp_sources_cursor *cur,
		     struct ikelb_source_key *keys, struct ikelb_source_state *vals, uint32_t *n);

/* Ensures bpffs is mounted at /sys/fs/bpf. */
int xdp_ensure_bpffs(void);
/* Removes the pin directory of a cluster (stale pins after a crash). */
void xdp_unpin_dir(const char *cluster);

#endif
