/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The XDP program's maps.  The layouts user space shares are in
 * include/ikelb.h; user space pins them under
 * /sys/fs/bpf/ikelb/<cluster>/ (user/xdp.c).  Include once, from the
 * program's main file.
 */
#ifndef IKELB_BPF_MAPS_H
#define IKELB_BPF_MAPS_H

#include "ikelb.h"
#include "request.h"

/* Config, written by user space whole (struct ikelb_config). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikelb_config);
} ikelb_config SEC(".maps");

/* The targets' identities, by target index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IKELB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct ikelb_target);
} ikelb_targets SEC(".maps");

/* Plan and spill tables.  Mmapable, so the daemon refills them without a
 * syscall per slot (and may do so while the program reads them). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IKELB_TABLES * IKELB_FAMILIES * IKELB_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ikelb_slot);
} ikelb_slots SEC(".maps");

/* Redirects per target, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IKELB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct ikelb_target_stats);
} ikelb_tstats SEC(".maps");

/* Per-target budgets, per CPU (include/ikelb.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IKELB_MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct ikelb_budget);
} ikelb_budget SEC(".maps");

/* Outcome and event counters, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikelb_counters);
} ikelb_counters SEC(".maps");

/*
 * Answer limit per source.  Shared by all CPUs (a per-CPU map would let a
 * source that spreads over CPUs have a bucket on each); the common LRU
 * list is left out (BPF_F_NO_COMMON_LRU) so that a flood of new sources
 * takes per-CPU locks when it inserts, not one global lock.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IKELB_SOURCES_MAX);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct ikelb_source_key);
	__type(value, struct ikelb_source_state);
} ikelb_sources SEC(".maps");

/* The node-wide answer limit. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikelb_node_limit);
} ikelb_nodelimit SEC(".maps");

/* The cookie secrets, current and previous (include/ikelb.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct ikelb_cookie_secret);
} ikelb_cookies SEC(".maps");

/* Steering: what each label says (include/ikelb.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IKELB_STEER_LABELS);
	__type(key, __u32);
	__type(value, struct ikelb_steer);
} ikelb_labels SEC(".maps");

/*
 * Steering: where the first fragment of a datagram went.  Shared by all
 * CPUs: a NIC spreads fragments by their addresses alone, but the first
 * and the later fragments of a datagram may still reach different CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IKELB_FRAGS_MAX);
	__type(key, struct ikelb_frag_key);
	__type(value, struct ikelb_frag);
} ikelb_frags SEC(".maps");

/* Per-CPU scratch (request.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} ikelb_scratch SEC(".maps");

#endif
