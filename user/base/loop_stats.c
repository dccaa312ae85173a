// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The event loop's account of its time: see loop_stats.h. */
#include <string.h>

#include <json-c/json.h>

#include "base/json_out.h"
#include "base/log.h"
#include "base/loop_stats.h"

#define OTHER_ROW (LOOP_STATS_ROWS - 1)

static const char *kind_name(enum loop_cb_kind k)
{
	return k == LOOP_CB_TIMER ? "timer" : "fd";
}

const char *loop_slow_cause_name(enum loop_slow_cause c)
{
	return c == LOOP_SLOW_WAITED ? "waited" : c == LOOP_SLOW_NOT_RUN ? "not_run" : "ran";
}

void loop_stats_init(struct loop_stats *s)
{
	memset(s, 0, sizeof(*s));
}

unsigned loop_stats_row(struct loop_stats *s, const char *name, enum loop_cb_kind kind)
{
	struct loop_cb_stats *r;

	if (!name || !*name)
		name = "unnamed";
	for (unsigned i = 0; i < s->n_rows; i++)
		if (s->row[i].kind == kind && !strncmp(s->row[i].name, name, LOOP_NAME_MAX - 1))
			return i;
	if (s->n_rows == OTHER_ROW) {
		/* one row for every name past the table; its kind is the first's */
		snprintf(s->row[OTHER_ROW].name, LOOP_NAME_MAX, "other");
		s->row[OTHER_ROW].kind = kind;
		s->n_rows = LOOP_STATS_ROWS;
	}
	if (s->n_rows == LOOP_STATS_ROWS)
		return OTHER_ROW;
	r = &s->row[s->n_rows];
	snprintf(r->name, LOOP_NAME_MAX, "%s", name);
	r->kind = kind;
	return s->n_rows++;
}

/* Whether a line may be logged now; says the left-out count once. */
static bool may_log(struct loop_stats *s, uint64_t now_us, uint64_t *left_out)
{
	if (now_us - s->log_window_start_us >= LOOP_LOG_WINDOW_US ||
	    s->log_window_start_us > now_us) {
		s->log_window_start_us = now_us;
		s->log_in_window = 0;
	}
	if (s->log_in_window >= LOOP_LOG_BURST) {
		s->log_left_out++;
		return false;
	}
	s->log_in_window++;
	*left_out = s->log_left_out;
	s->log_left_out = 0;
	return true;
}

static void left_out_note(char *buf, size_t len, uint64_t n)
{
	if (n)
		snprintf(buf, len, " (and %llu more slow or late callbacks not logged)",
			 (unsigned long long)n);
	else
		buf[0] = 0;
}

void loop_stats_woke(struct loop_stats *s, uint64_t wait_from_us, uint64_t due_us,
		     uint64_t now_us, const struct loop_cpu *cpu)
{
	uint64_t from = due_us > wait_from_us ? due_us : wait_from_us;

	s->round_cpu_known = cpu != NULL;
	if (cpu)
		s->round_cpu = *cpu;
	s->round_wait_from_us = wait_from_us;
	s->round_wait_due_us = due_us;
	s->round_woke_us = now_us;
	s->round_slowest_us = 0;
	if (!due_us || now_us <= from || now_us - from <= LOOP_SLOW_US)
		return;
	s->late_wakeups++;
	if (now_us - from > s->max_wake_late_us)
		s->max_wake_late_us = now_us - from;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Where the delay of a timer due at due_us that began at start_us went:
 * still running callbacks when it fell due (the wait began after it),
 * asleep past it (the kernel woke the loop late), callbacks of this round
 * before it. */
static void late_why(const struct loop_stats *s, uint64_t due_us, uint64_t start_us, char *buf,
		     size_t len)
{
	uint64_t from = s->round_wait_from_us, woke = s->round_woke_us;
	uint64_t busy_before = from > due_us ? from - due_us : 0;
	uint64_t asleep = s->round_wait_due_us && woke > max64(due_us, from) ?
				  woke - max64(due_us, from) : 0;
	uint64_t round = start_us > max64(woke, due_us) ? start_us - max64(woke, due_us) : 0;
	int n = 0;

	buf[0] = 0;
	if (busy_before >= 100)
		n += snprintf(buf + n, len - (size_t)n, "%s%.1f ms still in earlier callbacks",
			      n ? ", " : ": ", busy_before / 1000.0);
	if (asleep >= 100 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n,
			      "%s%.1f ms asleep past it (the kernel woke the loop late)", n ? ", " : ": ",
			      asleep / 1000.0);
	if (round >= 100 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "%s%.1f ms in callbacks before it",
			      n ? ", " : ": ", round / 1000.0);
	if (round >= 100 && s->round_slowest_us && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (longest %s %.1f ms)",
			 s->row[s->round_slowest].name, s->round_slowest_us / 1000.0);
}

/* Why a callback that took run_us was slow; *on_us: its time on the CPU
 * at most (the CPU time of its round so far). */
static enum loop_slow_cause slow_cause(const struct loop_stats *s, uint64_t run_us,
				       const struct loop_cpu *cpu, uint64_t *on_us)
{
	const struct loop_cpu *r = &s->round_cpu;

	*on_us = run_us;
	if (!cpu || !s->round_cpu_known || cpu->cpu_us < r->cpu_us)
		return LOOP_SLOW_RAN;
	if (cpu->cpu_us - r->cpu_us < run_us)
		*on_us = cpu->cpu_us - r->cpu_us;
	if (*on_us > LOOP_SLOW_US)
		return LOOP_SLOW_RAN;
	return cpu->waits > r->waits ? LOOP_SLOW_WAITED : LOOP_SLOW_NOT_RUN;
}

static const char *const cause_text[] = {
	[LOOP_SLOW_RAN] = "it ran",
	[LOOP_SLOW_WAITED] = "it waited in the kernel",
	[LOOP_SLOW_NOT_RUN] = "the kernel did not run it",
};

void loop_stats_ran(struct loop_stats *s, unsigned row, uint64_t start_us, uint64_t end_us,
		    uint64_t due_us, const struct loop_cpu *cpu)
{
	struct loop_cb_stats *r = &s->row[row < LOOP_STATS_ROWS ? row : OTHER_ROW];
	uint64_t run = end_us > start_us ? end_us - start_us : 0, late = 0, left_out;
	char why[240], more[80];

	if (due_us && start_us > due_us)
		late = start_us - due_us;
	s->calls++;
	r->calls++;
	r->run_us += run;
	if (run > r->max_run_us)
		r->max_run_us = run;
	if (late > r->max_late_us)
		r->max_late_us = late;
	if (late > LOOP_SLOW_US) {
		s->late++;
		r->late++;
		late_why(s, due_us, start_us, why, sizeof(why));
		if (may_log(s, end_us, &left_out)) {
			left_out_note(more, sizeof(more), left_out);
			log_warn("event loop: timer %s fired %.1f ms late%s%s", r->name,
				 late / 1000.0, why, more);
		}
	}
	if (run > LOOP_SLOW_US) {
		uint64_t on;
		enum loop_slow_cause c = slow_cause(s, run, cpu, &on);

		s->slow++;
		s->slow_by[c]++;
		r->slow++;
		r->slow_by[c]++;
		if (may_log(s, end_us, &left_out)) {
			left_out_note(more, sizeof(more), left_out);
			log_warn("event loop: %s callback %s took %.1f ms (slow: over %u ms; "
				 "on the CPU %s%.1f ms: %s)%s",
				 kind_name(r->kind), r->name, run / 1000.0, LOOP_SLOW_US / 1000,
				 on < run ? "at most " : "", on / 1000.0, cause_text[c], more);
		}
	}
	if (run > s->round_slowest_us) {
		s->round_slowest_us = run;
		s->round_slowest = (unsigned)(r - s->row);
	}
}

/* "slow_ran", "slow_waited", "slow_not_run" */
static void add_cause(json_object *o, enum loop_slow_cause c, uint64_t n)
{
	char key[24];

	snprintf(key, sizeof(key), "slow_%s", loop_slow_cause_name(c));
	json_add_u64(o, key, n);
}

json_object *loop_stats_json(const struct loop_stats *s)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_add_u64(o, "slow_us", LOOP_SLOW_US);
	json_add_u64(o, "callbacks", s->calls);
	json_add_u64(o, "slow", s->slow);
	for (int c = 0; c < LOOP_SLOW_CAUSES; c++)
		add_cause(o, (enum loop_slow_cause)c, s->slow_by[c]);
	json_add_u64(o, "late_timers", s->late);
	json_add_u64(o, "late_wakeups", s->late_wakeups);
	json_add_u64(o, "max_wake_late_us", s->max_wake_late_us);
	for (unsigned i = 0; i < s->n_rows; i++) {
		const struct loop_cb_stats *r = &s->row[i];
		json_object *e = json_object_new_object();
		bool timer = r->kind == LOOP_CB_TIMER;

		json_add_str(e, "name", r->name);
		json_add_str(e, "kind", kind_name(r->kind));
		json_add_u64(e, "calls", r->calls);
		json_add_u64(e, "run_us", r->run_us);
		json_add_u64(e, "slow", r->slow);
		for (int c = 0; c < LOOP_SLOW_CAUSES; c++)
			add_cause(e, (enum loop_slow_cause)c, r->slow_by[c]);
		json_add_u64(e, "max_run_us", r->max_run_us);
		json_object_object_add(e, "late", timer ? json_object_new_uint64(r->late) : NULL);
		json_object_object_add(e, "max_late_us",
				       timer ? json_object_new_uint64(r->max_late_us) : NULL);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "callbacks_by_name", a);
	return o;
}

void loop_stats_text(const struct loop_stats *s, FILE *out)
{
	const struct loop_cb_stats *longest = NULL;

	for (unsigned i = 0; i < s->n_rows; i++)
		if (!longest || s->row[i].max_run_us > longest->max_run_us)
			longest = &s->row[i];
	fprintf(out, "event loop: %llu callbacks, %llu slow (over %u ms: %llu ran, %llu waited, "
		"%llu not run), %llu timers late, %llu late wake-ups (worst %.1f ms)",
		(unsigned long long)s->calls, (unsigned long long)s->slow, LOOP_SLOW_US / 1000,
		(unsigned long long)s->slow_by[LOOP_SLOW_RAN],
		(unsigned long long)s->slow_by[LOOP_SLOW_WAITED],
		(unsigned long long)s->slow_by[LOOP_SLOW_NOT_RUN], (unsigned long long)s->late,
		(unsigned long long)s->late_wakeups, s->max_wake_late_us / 1000.0);
	if (longest && longest->calls)
		fprintf(out, "; longest %s %.1f ms", longest->name, longest->max_run_us / 1000.0);
	fputc('\n', out);
	for (unsigned i = 0; i < s->n_rows; i++) {
		const struct loop_cb_stats *r = &s->row[i];

		if (!r->slow && !r->late)
			continue;
		fprintf(out, "  %-24s %-5s %llu slow (%llu ran, %llu waited, %llu not run; longest "
			"%.1f ms)", r->name, kind_name(r->kind), (unsigned long long)r->slow,
			(unsigned long long)r->slow_by[LOOP_SLOW_RAN],
			(unsigned long long)r->slow_by[LOOP_SLOW_WAITED],
			(unsigned long long)r->slow_by[LOOP_SLOW_NOT_RUN], r->max_run_us / 1000.0);
		if (r->kind == LOOP_CB_TIMER)
			fprintf(out, ", %llu late (latest %.1f ms)", (unsigned long long)r->late,
				r->max_late_us / 1000.0);
		fputc('\n', out);
	}
}
