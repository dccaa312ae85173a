/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The sources the XDP program's answer limit held back most often, for
 * `status`: the TOP_SOURCES_N entries of the `sources` map (an IPv4
 * address or an IPv6 /64 each, docs/xdp.md "Answer limits") with the
 * highest `limited` counts.
 *
 * The map holds up to IKELB_SOURCES_MAX entries, too many to read while a
 * status request waits on the loop.  So the list is made in the
 * background: a sweep reads TOP_SOURCES_BATCH entries per tick
 * (TOP_SOURCES_TICK_MS) and, at its end, replaces the list; a status
 * request only copies the list.  A sweep starts only when the program's
 * drop_rate_source counter has moved since the last one began: while no
 * source is held back, nothing is read.  The list is as of its sweep
 * (entries evicted since are still in it, new ones not yet).
 */
#ifndef IKELB_TOP_SOURCES_H
#define IKELB_TOP_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

#define TOP_SOURCES_N 10
#define TOP_SOURCES_BATCH 4096
#define TOP_SOURCES_TICK_MS 100

struct loop;

struct top_source {
	struct ikelb_source_key key;
	uint64_t limited; /* requests dropped over its limit */
};

struct top_sources_view {
	unsigned n;
	struct top_source top[TOP_SOURCES_N]; /* most limited first */
	int64_t age_ms; /* since the list's sweep ended; -1: no sweep yet */
	uint32_t seen; /* entries that sweep read */
};

/* dp must outlive the module.  NULL (logged) when out of memory. */
struct top_sources *top_sources_new(struct loop *l, const struct dataplane *dp);
void top_sources_free(struct top_sources *t);
void top_sources_view(const struct top_sources *t, struct top_sources_view *v);
/* "198.19.0.1" or "2001:db8:1:2::/64"; buf of at least 48 bytes. */
const char *top_source_str(const struct ikelb_source_key *k, char *buf, size_t len);

#endif
