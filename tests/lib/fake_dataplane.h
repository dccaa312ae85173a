/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A data path for unit tests (dataplane/dataplane.h): no program, no
 * interface; it records what the modules do to it -- the order of the
 * steps of a role change, the config map, the targets, the slot tables --
 * and plays an interface whose VIPs the test can add and remove.
 */
#ifndef IKELB_TESTS_FAKE_DATAPLANE_H
#define IKELB_TESTS_FAKE_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

#define FAKE_DP_CPUS 2
#define FAKE_DP_LOG 64

struct fake_dataplane {
	struct dataplane dp; /* give &fake.dp to the modules */
	bool attached;
	int fail_attach; /* attach fails while non-zero */
	struct ikelb_config config; /* the last one written */
	unsigned config_writes;
	struct ikelb_target targets[IKELB_MAX_TARGETS];
	unsigned target_writes;
	uint64_t redirects[IKELB_MAX_TARGETS * FAKE_DP_CPUS]; /* what XDP "sent" */
	unsigned redirect_reads;
	uint64_t budgets[IKELB_MAX_TARGETS * FAKE_DP_CPUS];
	uint64_t counters[IKELB_CNT_MAX]; /* what the program "counted", all CPUs */
	int fail_counters; /* reading them fails while non-zero */
	struct ikelb_cookie_secret secrets[2]; /* the cookie_secrets map */
	unsigned secret_writes;
	int fail_secrets; /* writing them fails while non-zero */
	/* the sources map: read in batches of at most what the caller asks */
	struct ikelb_source_key *source_keys;
	struct ikelb_source_state *source_vals;
	unsigned n_sources;
	unsigned source_reads; /* batches read */
	struct ip_addr on_iface[4]; /* the interface's addresses */
	unsigned n_on_iface;
	struct ip_addr on_lo[4]; /* the loopback device's (steering) */
	unsigned n_on_lo;
	struct ikelb_steer labels[IKELB_STEER_LABELS]; /* map "labels" */
	unsigned label_writes;
	/* the neighbour table: address -> MAC (fake_dataplane_put_neigh) */
	struct ip_addr neigh_ip[4];
	uint8_t neigh_mac[4][6];
	unsigned n_neigh, neigh_asks;
	uint32_t lifetime_s; /* of the last VIP added or refreshed */
	unsigned refreshes; /* addr_refresh calls */
	unsigned announces[IKELB_FAMILIES];
	/* the steps in order: "attach", "config", "add 198.18.0.1", ... */
	char log[FAKE_DP_LOG][64];
	unsigned n_log;
	struct ikelb_slot slots[XDP_SLOT_ENTRIES];
};

void fake_dataplane_init(struct fake_dataplane *f);
/* Index of the first log line equal to step, from `from` on; -1 if none. */
int fake_dataplane_step(const struct fake_dataplane *f, const char *step, unsigned from);
/* Plays someone else adding or removing an address (vrrp = external). */
void fake_dataplane_put_addr(struct fake_dataplane *f, const char *ip, bool present);
/* Plays the kernel learning a neighbour's MAC. */
void fake_dataplane_put_neigh(struct fake_dataplane *f, const char *ip, const uint8_t mac[6]);
/* Whether ip is on the loopback device. */
bool fake_dataplane_on_lo(const struct fake_dataplane *f, const char *ip);
/* Slots of table/fam that name target idx. */
unsigned fake_dataplane_slots_of(const struct fake_dataplane *f, unsigned table, unsigned fam,
				 uint32_t idx);

#endif
