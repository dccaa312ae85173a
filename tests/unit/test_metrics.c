// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The metrics exposition: the text format's escaping and values
 * (metrics/prom_text.h), rows over a JSON snapshot (metrics/metric_rows.h)
 * in each of their forms, and ikelb's own table (daemon/metrics_view.h):
 * valid names, Prometheus' conventions (prefix, _total on counters and
 * only there, base units), one family per name.  Expected texts are
 * written out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "daemon/metrics_view.h"
#include "metrics/metric_rows.h"
#include "metrics/prom_text.h"

static char *text;

/* What fn wrote to a FILE, in text (freed by the next call). */
#define CAPTURE(call)                                           \
	do {                                                    \
		size_t len_ = 0;                                \
		FILE *out = (free(text), text = NULL,            \
			     open_memstream(&text, &len_));     \
		assert_non_null(out);                           \
		call;                                           \
		fclose(out);                                    \
	} while (0)

static void test_values(void **state)
{
	char b[PROM_VALUE_MAX];

	(void)state;
	prom_value_u64(b, 0);
	assert_string_equal(b, "0");
	prom_value_u64(b, UINT64_MAX);
	assert_string_equal(b, "18446744073709551615");
	prom_value_i64(b, INT64_MIN);
	assert_string_equal(b, "-9223372036854775808");
	prom_value_double(b, 0.35);
	assert_string_equal(b, "0.35");
	prom_value_double(b, 0.1 + 0.2); /* 15 digits: no 0.30000000000000004 */
	assert_string_equal(b, "0.3");
	prom_value_double(b, 1e-7);
	assert_string_equal(b, "1e-07");
	prom_value_double(b, 1796415220.0);
	assert_string_equal(b, "1796415220");
	prom_value_double(b, NAN);
	assert_string_equal(b, "NaN");
	prom_value_double(b, INFINITY);
	assert_string_equal(b, "+Inf");
	prom_value_double(b, -INFINITY);
	assert_string_equal(b, "-Inf");
	prom_value_double(b, -1.5e300);
	assert_string_equal(b, "-1.5e+300");
}

static void test_lines(void **state)
{
	struct prom_label l[] = { { "target", "gw1" }, { "why", "a \"b\" \\c\nd" } };

	(void)state;
	CAPTURE(prom_family(out, "ikelb_x_total", PROM_COUNTER, "Line one\nwith \\ and \"quotes\"."));
	assert_string_equal(text, "# HELP ikelb_x_total Line one\\nwith \\\\ and \"quotes\".\n"
				  "# TYPE ikelb_x_total counter\n");
	CAPTURE(prom_family(out, "ikelb_y", PROM_GAUGE, ""));
	assert_string_equal(text, "# HELP ikelb_y \n# TYPE ikelb_y gauge\n");
	CAPTURE(prom_sample(out, "ikelb_y", NULL, 0, "3"));
	assert_string_equal(text, "ikelb_y 3\n");
	CAPTURE(prom_sample(out, "ikelb_y", l, 1, "NaN"));
	assert_string_equal(text, "ikelb_y{target=\"gw1\"} NaN\n");
	CAPTURE(prom_sample(out, "ikelb_y", l, 2, "1"));
	assert_string_equal(text, "ikelb_y{target=\"gw1\",why=\"a \\\"b\\\" \\\\c\\nd\"} 1\n");
	/* UTF-8 passes as it is */
	l[0].value = "gr\xc3\xbc\xc3\x9f";
	CAPTURE(prom_sample(out, "ikelb_y", l, 1, "1"));
	assert_string_equal(text, "ikelb_y{target=\"gr\xc3\xbc\xc3\x9f\"} 1\n");
}

static void test_names(void **state)
{
	(void)state;
	assert_true(prom_name_valid("ikelb_xdp_packets_total", false));
	assert_true(prom_name_valid("a:b_c9", false));
	assert_true(prom_name_valid("_x", false));
	assert_false(prom_name_valid("", false));
	assert_false(prom_name_valid("9x", false));
	assert_false(prom_name_valid("ikelb-x", false));
	assert_false(prom_name_valid("ikelb x", false));
	assert_true(prom_name_valid("target", true));
	assert_true(prom_name_valid("_t9", true));
	assert_false(prom_name_valid("a:b", true));
	assert_false(prom_name_valid("__name__", true));
	assert_false(prom_name_valid("", true));
}

/* ---- rows over a snapshot -------------------------------------------------- */

static const char *snapshot_text =
	"{ \"version\": \"1.2.3\", \"started\": 1796415220, \"draining\": true,"
	"  \"xdp\": { \"attached\": false },"
	"  \"big\": 18446744073709551615, \"neg\": -3, \"ratio\": 0.375, \"none\": null,"
	"  \"counters\": { \"redirected\": 7, \"pass_other\": 2, \"newly_added\": 1 },"
	"  \"vips\": [ { \"family\": \"ipv4\", \"role\": \"master\", \"n\": 2 },"
	"              { \"family\": \"ipv6\", \"role\": \"backup\", \"n\": 0 },"
	"              { \"role\": \"master\", \"n\": 5 } ],"
	"  \"targets\": [ { \"name\": \"gw1\", \"state\": \"active\", \"age_ms\": 250,"
	"                   \"tunnels\": 14, \"s4\": 768, \"s6\": 0, \"idx\": 0 },"
	"                 { \"name\": \"gw \\\"2\\\"\", \"state\": \"migrating\", \"age_ms\": null,"
	"                   \"tunnels\": null, \"s4\": 256, \"idx\": 1 } ],"
	"  \"rx\": { \"received\": 9, \"accepted\": 8, \"bad_mac\": 1, \"extra\": 4,"
	"            \"text\": \"x\", \"nested\": { \"a\": 1 } },"
	"  \"off\": null }";

static const char *const fam_states[] = { "master", "backup", NULL };
static const char *const t_states[] = { "active", "dead", NULL };
static const char *const not_verdicts[] = { "received", "extra", NULL };
static const struct metric_pick slot_pick[] = { { "s4", "ipv4" }, { "s6", "ipv6" },
						{ "s8", "other" }, { NULL, NULL } };

static const struct metric_row rows[] = {
	{ "t_info", PROM_GAUGE, "Info.", .labels = { { "version", "version" } } },
	{ "t_started", PROM_GAUGE, "Scalar.", .value = "started" },
	{ "t_draining", PROM_GAUGE, "Bool.", .value = "draining" },
	{ "t_attached", PROM_GAUGE, "Nested bool.", .value = "xdp/attached" },
	{ "t_big", PROM_COUNTER, "Past 2^63.", .value = "big" },
	{ "t_neg", PROM_GAUGE, "Negative.", .value = "neg" },
	{ "t_ratio", PROM_GAUGE, "Double.", .value = "ratio" },
	{ "t_none", PROM_GAUGE, "Null: no family.", .value = "none" },
	{ "t_missing", PROM_GAUGE, "Missing: no family.", .value = "no/such" },
	{ "t_off", PROM_GAUGE, "Under null: no family.", .value = "off/x" },
	{ "t_text", PROM_GAUGE, "A string is no value.", .value = "version" },
	{ "t_packets_total", PROM_COUNTER, "Every member.", .value = "counters",
	  .by = "outcome" },
	{ "t_role", PROM_GAUGE, "States.", .each = "vips", .labels = { { "family", "family" } },
	  .value = "role", .by = "role", .states = fam_states },
	{ "t_changes_total", PROM_COUNTER, "Per element.", .each = "vips",
	  .labels = { { "family", "family" } }, .value = "n" },
	{ "t_state", PROM_GAUGE, "A state not listed.", .each = "targets",
	  .labels = { { "target", "name" }, { "index", "idx" } }, .value = "state", .by = "state",
	  .states = t_states },
	{ "t_age_seconds", PROM_GAUGE, "Scaled; null skipped.", .each = "targets",
	  .labels = { { "target", "name" } }, .value = "age_ms", .scale = 0.001 },
	{ "t_slots", PROM_GAUGE, "Picked members of the element.", .each = "targets",
	  .labels = { { "target", "name" } }, .value = "", .by = "family", .pick = slot_pick },
	{ "t_rx_total", PROM_COUNTER, "Members but some.", .value = "rx", .by = "verdict",
	  .except = not_verdicts },
	{ "t_no_array", PROM_GAUGE, "each is not an array.", .each = "rx", .value = "a" },
};

static const char *expected =
	"# HELP t_info Info.\n# TYPE t_info gauge\nt_info{version=\"1.2.3\"} 1\n"
	"# HELP t_started Scalar.\n# TYPE t_started gauge\nt_started 1796415220\n"
	"# HELP t_draining Bool.\n# TYPE t_draining gauge\nt_draining 1\n"
	"# HELP t_attached Nested bool.\n# TYPE t_attached gauge\nt_attached 0\n"
	"# HELP t_big Past 2^63.\n# TYPE t_big counter\nt_big 18446744073709551615\n"
	"# HELP t_neg Negative.\n# TYPE t_neg gauge\nt_neg -3\n"
	"# HELP t_ratio Double.\n# TYPE t_ratio gauge\nt_ratio 0.375\n"
	"# HELP t_packets_total Every member.\n# TYPE t_packets_total counter\n"
	"t_packets_total{outcome=\"redirected\"} 7\n"
	"t_packets_total{outcome=\"pass_other\"} 2\n"
	"t_packets_total{outcome=\"newly_added\"} 1\n"
	"# HELP t_role States.\n# TYPE t_role gauge\n"
	"t_role{family=\"ipv4\",role=\"master\"} 1\n"
	"t_role{family=\"ipv4\",role=\"backup\"} 0\n"
	"t_role{family=\"ipv6\",role=\"master\"} 0\n"
	"t_role{family=\"ipv6\",role=\"backup\"} 1\n"
	"# HELP t_changes_total Per element.\n# TYPE t_changes_total counter\n"
	"t_changes_total{family=\"ipv4\"} 2\n"
	"t_changes_total{family=\"ipv6\"} 0\n"
	"# HELP t_state A state not listed.\n# TYPE t_state gauge\n"
	"t_state{target=\"gw1\",index=\"0\",state=\"active\"} 1\n"
	"t_state{target=\"gw1\",index=\"0\",state=\"dead\"} 0\n"
	"t_state{target=\"gw \\\"2\\\"\",index=\"1\",state=\"active\"} 0\n"
	"t_state{target=\"gw \\\"2\\\"\",index=\"1\",state=\"dead\"} 0\n"
	"t_state{target=\"gw \\\"2\\\"\",index=\"1\",state=\"migrating\"} 1\n"
	"# HELP t_age_seconds Scaled; null skipped.\n# TYPE t_age_seconds gauge\n"
	"t_age_seconds{target=\"gw1\"} 0.25\n"
	"# HELP t_slots Picked members of the element.\n# TYPE t_slots gauge\n"
	"t_slots{target=\"gw1\",family=\"ipv4\"} 768\n"
	"t_slots{target=\"gw1\",family=\"ipv6\"} 0\n"
	"t_slots{target=\"gw \\\"2\\\"\",family=\"ipv4\"} 256\n"
	"# HELP t_rx_total Members but some.\n# TYPE t_rx_total counter\n"
	"t_rx_total{verdict=\"accepted\"} 8\n"
	"t_rx_total{verdict=\"bad_mac\"} 1\n";

static void test_rows(void **state)
{
	json_object *snap = json_tokener_parse(snapshot_text);

	(void)state;
	assert_non_null(snap);
	CAPTURE(metric_rows_write(rows, sizeof(rows) / sizeof(rows[0]), snap, out));
	if (strcmp(text, expected))
		print_message("# got:\n%s", text);
	assert_string_equal(text, expected);
	/* an empty snapshot: nothing at all */
	json_object_put(snap);
	snap = json_object_new_object();
	CAPTURE(metric_rows_write(rows, sizeof(rows) / sizeof(rows[0]), snap, out));
	assert_string_equal(text, "");
	json_object_put(snap);
}

/* ---- ikelb's table --------------------------------------------------------- */

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && !strcmp(s + n - m, end);
}

static void test_table(void **state)
{
	(void)state;
	assert_true(metrics_view_n_rows > 30);
	for (size_t i = 0; i < metrics_view_n_rows; i++) {
		const struct metric_row *r = &metrics_view_rows[i];

		print_message("# %s\n", r->name);
		assert_true(prom_name_valid(r->name, false));
		assert_true(!strncmp(r->name, "ikelb_", 6) ||
			    !strcmp(r->name, "process_start_time_seconds"));
		/* _total on every counter and only there */
		assert_int_equal(ends_with(r->name, "_total"), r->type == PROM_COUNTER);
		/* base units: seconds, not ms; a scaled value says its unit */
		assert_null(strstr(r->name, "_ms"));
		assert_null(strstr(r->name, "milli"));
		if (r->scale != 0)
			assert_true(ends_with(r->name, "_seconds") ||
				    ends_with(r->name, "_seconds_total"));
		/* info metrics are gauges of 1 and say so */
		if (!r->value)
			assert_true(ends_with(r->name, "_info") && r->type == PROM_GAUGE);
		assert_true(strlen(r->help) > 10 && ends_with(r->help, "."));
		for (unsigned k = 0; k < METRIC_ROW_LABELS && r->labels[k].name; k++) {
			assert_true(prom_name_valid(r->labels[k].name, true));
			assert_non_null(r->labels[k].from);
		}
		if (r->by) {
			assert_true(prom_name_valid(r->by, true));
			assert_non_null(r->value);
		}
		/* one family per name */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(metrics_view_rows[j].name, r->name);
	}
}

/* README's "Metrics" names every metric (tests run from the top of the
 * source tree). */
static void test_readme(void **state)
{
	FILE *f = fopen("README.md", "r");
	char *readme = NULL, word[128];
	size_t len = 0;

	(void)state;
	if (!f) {
		print_message("# README.md not found: not run from the source tree\n");
		skip();
	}
	assert_true(getdelim(&readme, &len, 0, f) > 0);
	fclose(f);
	for (size_t i = 0; i < metrics_view_n_rows; i++) {
		snprintf(word, sizeof(word), "`%s`", metrics_view_rows[i].name);
		if (!strstr(readme, word))
			print_message("# README.md does not name %s\n", word);
		assert_non_null(strstr(readme, word));
	}
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_readme),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(text);
	return rc;
}
