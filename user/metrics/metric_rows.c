// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Metrics as rows over a JSON snapshot: see metric_rows.h. */
#include "metrics/metric_rows.h"

#include <string.h>

#include <json-c/json.h>

#define PATH_MAX_LEN 128

/* The member at path ("a/b/c") under o; NULL when missing or null. */
static json_object *at(const json_object *o, const char *path)
{
	char buf[PATH_MAX_LEN], *save = NULL, *part;
	json_object *cur = (json_object *)o;

	if (!path)
		return cur;
	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, "/", &save); part && cur; part = strtok_r(NULL, "/", &save))
		if (!json_object_is_type(cur, json_type_object) ||
		    !json_object_object_get_ex(cur, part, &cur))
			return NULL;
	return cur;
}

/* A number or boolean as the text format prints it; false for others. */
static bool value_of(const json_object *v, double scale, char buf[PROM_VALUE_MAX])
{
	json_object *o = (json_object *)v;

	switch (json_object_get_type(o)) {
	case json_type_boolean:
		prom_value_u64(buf, json_object_get_boolean(o) ? 1 : 0);
		return true;
	case json_type_int:
		if (scale != 0 && scale != 1)
			prom_value_double(buf, (double)json_object_get_int64(o) * scale);
		else if (json_object_get_int64(o) >= 0)
			prom_value_u64(buf, json_object_get_uint64(o)); /* exact past 2^63 */
		else
			prom_value_i64(buf, json_object_get_int64(o));
		return true;
	case json_type_double:
		prom_value_double(buf, json_object_get_double(o) * (scale != 0 ? scale : 1));
		return true;
	default:
		return false;
	}
}

struct family {
	const struct metric_row *row;
	FILE *out;
	bool started; /* HELP and TYPE written */
};

static void sample(struct family *f, const struct prom_label *l, unsigned n, const char *v)
{
	if (!f->started) {
		prom_family(f->out, f->row->name, f->row->type, f->row->help);
		f->started = true;
	}
	prom_sample(f->out, f->row->name, l, n, v);
}

static bool listed(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* The samples of one element (or of the snapshot), labels l[0..n) set. */
static void element(struct family *f, const json_object *el, struct prom_label *l, unsigned n)
{
	const struct metric_row *r = f->row;
	json_object *v = at(el, r->value);
	char buf[PROM_VALUE_MAX];

	if (!r->value) {
		sample(f, l, n, "1");
		return;
	}
	if (!v)
		return;
	if (!r->by) {
		if (value_of(v, r->scale, buf))
			sample(f, l, n, buf);
		return;
	}
	l[n].name = r->by;
	if (r->states) {
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
									 : NULL;

		for (const char *const *st = r->states; *st; st++) {
			l[n].value = *st;
			sample(f, l, n + 1, s && !strcmp(s, *st) ? "1" : "0");
		}
		if (s && !listed(r->states, s)) {
			l[n].value = s;
			sample(f, l, n + 1, "1");
		}
	} else if (r->pick) {
		for (const struct metric_pick *p = r->pick; p->member; p++) {
			json_object *m = at(v, p->member);

			l[n].value = p->label;
			if (m && value_of(m, r->scale, buf))
				sample(f, l, n + 1, buf);
		}
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, m) {
			l[n].value = key;
			if (m && !listed(r->except, key) && value_of(m, r->scale, buf))
				sample(f, l, n + 1, buf);
		}
	}
}

/* The labels of an element from its members; false when one is missing. */
static unsigned labels_of(const struct metric_row *r, const json_object *el,
			  struct prom_label *l, bool *ok)
{
	unsigned n = 0;

	*ok = true;
	for (; n < METRIC_ROW_LABELS && r->labels[n].name; n++) {
		json_object *v = at(el, r->labels[n].from);

		if (!v || json_object_is_type(v, json_type_object) ||
		    json_object_is_type(v, json_type_array)) {
			*ok = false;
			break;
		}
		l[n] = (struct prom_label){ r->labels[n].name, json_object_get_string(v) };
	}
	return n;
}

void metric_rows_write(const struct metric_row *rows, size_t n,
		       const struct json_object *snapshot, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		struct family f = { .row = &rows[i], .out = out };
		struct prom_label l[METRIC_ROW_LABELS + 1];
		json_object *arr;
		unsigned nl;
		bool ok;

		if (!rows[i].each) {
			nl = labels_of(&rows[i], snapshot, l, &ok);
			if (ok)
				element(&f, snapshot, l, nl);
			continue;
		}
		arr = at(snapshot, rows[i].each);
		if (!arr || !json_object_is_type(arr, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(arr); k++) {
			json_object *el = json_object_array_get_idx(arr, k);

			nl = labels_of(&rows[i], el, l, &ok);
			if (ok)
				element(&f, el, l, nl);
		}
	}
}
