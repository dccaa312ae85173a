/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Metrics as rows over a JSON snapshot: each row names a metric family
 * and says where in the snapshot (a json-c object) its samples are.
 * metric_rows_write walks the rows and writes the families in the text
 * format (prom_text.h).  Whoever makes the snapshot decides what there is
 * to count; the rows only say what it is called in Prometheus, so the
 * snapshot and the metrics cannot disagree.
 *
 * Paths are member names separated by "/" ("reports/receiver").  A row
 *
 *   each      an array: one sample (or set) per element, the rest of the
 *             row relative to the element; NULL: the snapshot itself
 *   labels    up to METRIC_ROW_LABELS labels, each from a member (a string
 *             or a number) of the element; an element without one of
 *             them has no sample
 *   value     the number (or boolean: 0/1) that is the sample; NULL: 1
 *             (an info metric, its labels are the point); null or
 *             missing: no sample; "": the element itself (with by)
 *   scale     the value times scale (0 means 1): ms to seconds
 *   by        a label that the value spreads over:
 *             - with states, the value is a string and there is a sample
 *               per state, 1 for the one it equals and 0 for the others
 *               (a value that is none of them still gets its sample, 1);
 *             - with pick, the value is an object and each picked member
 *               is a sample, labelled with the pick's label value;
 *             - else the value is an object and each member (except those
 *               in except) is a sample, labelled with the member's name.
 *               So a counter that appears in that object (a new XDP
 *               outcome, a new drop reason) is a new label value, with no
 *               change to the rows.
 *
 * A family with no sample in this snapshot is left out (e.g. auth mode's
 * metrics when mode = init).
 */
#ifndef IKELB_METRICS_METRIC_ROWS_H
#define IKELB_METRICS_METRIC_ROWS_H

#include <stddef.h>
#include <stdio.h>

#include "metrics/prom_text.h"

struct json_object;

#define METRIC_ROW_LABELS 3

struct metric_label_src {
	const char *name; /* the label */
	const char *from; /* the member (path) its value comes from */
};

struct metric_pick {
	const char *member; /* in the value's object */
	const char *label; /* the value of the row's "by" label */
};

struct metric_row {
	const char *name;
	enum prom_type type;
	const char *help;
	const char *each;
	struct metric_label_src labels[METRIC_ROW_LABELS];
	const char *value;
	double scale;
	const char *by;
	const char *const *states; /* NULL-terminated */
	const struct metric_pick *pick; /* ends with { NULL } */
	const char *const *except; /* NULL-terminated */
};

/* The families of rows[0..n) from snapshot, in row order. */
void metric_rows_write(const struct metric_row *rows, size_t n,
		       const struct json_object *snapshot, FILE *out);

#endif
