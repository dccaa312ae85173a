// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The Prometheus text exposition format: see prom_text.h. */
#include "metrics/prom_text.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void prom_value_u64(char buf[PROM_VALUE_MAX], uint64_t v)
{
	snprintf(buf, PROM_VALUE_MAX, "%" PRIu64, v);
}

void prom_value_i64(char buf[PROM_VALUE_MAX], int64_t v)
{
	snprintf(buf, PROM_VALUE_MAX, "%" PRId64, v);
}

void prom_value_double(char buf[PROM_VALUE_MAX], double v)
{
	if (isnan(v))
		snprintf(buf, PROM_VALUE_MAX, "NaN");
	else if (isinf(v))
		snprintf(buf, PROM_VALUE_MAX, v > 0 ? "+Inf" : "-Inf");
	else /* 15 digits: exact for what is written in decimal, no 0.1000000001 */
		snprintf(buf, PROM_VALUE_MAX, "%.15g", v);
}

/* s with "\\" and newline escaped, and "\"" too in a label value. */
static void escaped(FILE *out, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '"' && quote)
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

void prom_family(FILE *out, const char *name, enum prom_type type, const char *help)
{
	fprintf(out, "# HELP %s ", name);
	escaped(out, help, false);
	fprintf(out, "\n# TYPE %s %s\n", name, type == PROM_COUNTER ? "counter" : "gauge");
}

void prom_sample(FILE *out, const char *name, const struct prom_label *labels, unsigned n,
		 const char *value)
{
	fputs(name, out);
	for (unsigned i = 0; i < n; i++) {
		fprintf(out, "%c%s=\"", i ? ',' : '{', labels[i].name);
		escaped(out, labels[i].value, true);
		fputc('"', out);
	}
	fprintf(out, "%s %s\n", n ? "}" : "", value);
}

bool prom_name_valid(const char *name, bool label)
{
	const char *first = label ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
				  : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:";
	size_t n = strlen(name);

	if (!n || !strchr(first, name[0]) || (label && !strncmp(name, "__", 2)))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!strchr(first, name[i]) && !(name[i] >= '0' && name[i] <= '9'))
			return false;
	return true;
}
