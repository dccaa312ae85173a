/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The status view: what `ikelb-load status` shows, as an aligned table
 * for people and as JSON (schema in docs/status-json.md; "schema" is
 * bumped on every incompatible change).  It reads the modules' state and
 * changes nothing.
 *
 * status_view_snapshot reads every figure once into one JSON object:
 * `status --json` prints it and /metrics (daemon/metrics_view.h) is made
 * from it, so the two never disagree in what they count.
 */
#ifndef IKELB_STATUS_VIEW_H
#define IKELB_STATUS_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config/config.h"

struct role;
struct cookies;
struct top_sources;
struct election;
struct cluster;
struct reports;
struct authmode;
struct migrate;
struct migration;
struct rebalance;
struct dataplane;
struct xdp_state;
struct drain;
struct loop;

/* Everything the view shows; modules that do not run are NULL. */
struct status_sources {
	const struct config *cfg;
	const struct dataplane *dp;
	struct xdp_state *xdp; /* program details and counters; NULL in tests */
	const struct role *role;
	const struct cookies *cookies;
	const struct top_sources *top_sources;
	const struct election *election;
	const struct cluster *cluster;
	const struct reports *reports;
	const struct authmode *authmode; /* mode = auth only */
	const struct migrate *migrate; /* moving this gateway's clients */
	const struct migration *migration; /* asking for and granting targets */
	const struct rebalance *rebalance;
	const struct drain *drain;
	const struct loop *loop; /* the event loop's own account; NULL in tests */
	time_t started;
	uint64_t reloads, reload_failures;
};

struct json_object;

void status_view_text(const struct status_sources *s, FILE *out);
/* The figures, read now (the caller puts the object: json_object_put). */
struct json_object *status_view_snapshot(const struct status_sources *s);
/* The snapshot, printed. */
void status_view_json(const struct status_sources *s, FILE *out);

#endif
