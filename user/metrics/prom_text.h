/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The Prometheus text exposition format, version 0.0.4: what a scraper
 * reads from GET /metrics.  A metric family is a "# HELP" and a "# TYPE"
 * line, then its samples, all in one group:
 *
 *     # HELP ikelb_redirects_total REDIRECTs sent to a target.
 *     # TYPE ikelb_redirects_total counter
 *     ikelb_redirects_total{target="gw1"} 14
 *
 * This file only writes the format: it escapes label values ("\\", "\"",
 * newline) and help texts ("\\", newline), and prints values the way the
 * format reads them (NaN, +Inf, -Inf).  Which metrics there are is the
 * caller's business (daemon/metrics_view.c); names are checked by
 * prom_name_valid, in the unit tests, not on every write.
 */
#ifndef IKELB_METRICS_PROM_TEXT_H
#define IKELB_METRICS_PROM_TEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What the text format says after "# TYPE name". */
enum prom_type { PROM_COUNTER, PROM_GAUGE };

/* The Content-Type of a response that holds this format. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_label {
	const char *name; /* [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" */
	const char *value; /* any UTF-8 */
};

/* A value as the format prints it; PROM_VALUE_MAX bytes hold any. */
#define PROM_VALUE_MAX 32
void prom_value_u64(char buf[PROM_VALUE_MAX], uint64_t v);
void prom_value_i64(char buf[PROM_VALUE_MAX], int64_t v);
void prom_value_double(char buf[PROM_VALUE_MAX], double v);

/* The "# HELP" and "# TYPE" lines that start a family. */
void prom_family(FILE *out, const char *name, enum prom_type type, const char *help);
/* One sample line: name{labels} value (no braces without labels). */
void prom_sample(FILE *out, const char *name, const struct prom_label *labels, unsigned n,
		 const char *value);

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, with label true, a label
 * name ([a-zA-Z_][a-zA-Z0-9_]*, not "__" first: reserved). */
bool prom_name_valid(const char *name, bool label);

#endif
