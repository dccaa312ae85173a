/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The metrics view: what GET /metrics shows, in the Prometheus text
 * format, made from the status snapshot (status_view_snapshot), the one
 * place where the daemon's figures are read.  Each metric is one row of
 * metrics_view.c's table (metrics/metric_rows.h says what a row holds).
 *
 * Adding a metric is one row, e.g. for a counter "conflicts" that a
 * module put into its part of the snapshot as reports.receiver.conflicts:
 *
 *   COUNTER("ikelb_reports_node_id_conflicts_total", "Reports ...",
 *           .value = "reports/receiver/conflicts"),
 *
 * A new member of an object that a row spreads over a label (the XDP
 * counters, a speaker's drops, the receiver's verdicts) needs no row: it
 * is a new label value of that metric by itself; one that is not such a
 * reason goes into the row's except list (one line).
 */
#ifndef IKELB_DAEMON_METRICS_VIEW_H
#define IKELB_DAEMON_METRICS_VIEW_H

#include <stddef.h>
#include <stdio.h>

#include "metrics/metric_rows.h"

struct json_object;

/* Every family, from a snapshot made by status_view_snapshot. */
void metrics_view_write(const struct json_object *snapshot, FILE *out);

/* The table, for the tests (names, types, units). */
extern const struct metric_row metrics_view_rows[];
extern const size_t metrics_view_n_rows;

#endif
