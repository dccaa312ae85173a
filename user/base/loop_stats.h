/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The event loop's own account of its time (base/loop.h keeps one): how
 * long each callback ran, how late each timer fired, and how late the
 * loop woke from its wait, per callback name.  That is what tells whether
 * a late VRRP advert was the daemon's fault (a callback ran long, so the
 * advert timer fired late) or the kernel's (the loop slept through the
 * advert's due time: its thread was not run).
 *
 * A pure core: every time is a parameter, in microseconds on the loop's
 * clock (the loop reads it twice per callback, before and after), and so
 * is the thread's CPU account (struct loop_cpu: the loop reads it once per
 * wake-up, and after a slow callback).
 *
 * Words:
 *   slow      a callback that ran longer than LOOP_SLOW_US, by cause:
 *             ran       on the CPU for longer than that (at most the CPU
 *                       time of its round): work on the loop;
 *             waited    not that long on the CPU, and the thread slept in
 *                       the kernel meanwhile (a voluntary context switch):
 *                       a call that blocked -- the daemon's fault as much
 *                       as "ran", the loop must not block;
 *             not_run   neither: it was preempted or its CPU was taken
 *                       (interrupts, a virtual CPU the host did not run):
 *                       the kernel's;
 *   late      a timer that fired more than LOOP_SLOW_US after its due time
 *             (whatever made it late: a slow callback before it, or a late
 *             wake-up);
 *   woke late the loop asked epoll_wait to return at the first timer's due
 *             time, and it returned more than LOOP_SLOW_US after that (or
 *             after the wait began, if that was later).  The loop ran no
 *             code meanwhile: the delay is the kernel's (the thread was not
 *             scheduled, or the virtual CPU did not run).
 *
 * Each handle names its callback when it is initialised: a short constant
 * ("vrrp.ipv4", "ctl.client"); handles of one name and kind (fd or timer)
 * share a row.  At most LOOP_STATS_ROWS rows: further names share the
 * last row, "other".
 *
 * A late timer's log line says where its delay went: the loop was still
 * running callbacks when it fell due (the wait began after it), the loop
 * slept past it (woke late: the kernel's), or callbacks of the same round
 * ran before it (the longest named).
 *
 * Slow callbacks and late timers are logged, at most
 * LOOP_LOG_BURST lines per LOOP_LOG_WINDOW_US; the lines left out are
 * counted and said in the next line logged.
 */
#ifndef IKELB_BASE_LOOP_STATS_H
#define IKELB_BASE_LOOP_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LOOP_SLOW_US 5000u
#define LOOP_NAME_MAX 24 /* with the NUL */
#define LOOP_STATS_ROWS 48
#define LOOP_LOG_BURST 5
#define LOOP_LOG_WINDOW_US 10000000u

enum loop_cb_kind { LOOP_CB_FD, LOOP_CB_TIMER };
enum loop_slow_cause { LOOP_SLOW_RAN, LOOP_SLOW_WAITED, LOOP_SLOW_NOT_RUN, LOOP_SLOW_CAUSES };

/* The loop thread's account from the kernel (getrusage RUSAGE_THREAD). */
struct loop_cpu {
	uint64_t cpu_us; /* user and system time */
	uint64_t waits; /* voluntary context switches: it slept in the kernel */
	uint64_t preemptions; /* involuntary ones */
};

/* One callback name. */
struct loop_cb_stats {
	char name[LOOP_NAME_MAX];
	enum loop_cb_kind kind;
	uint64_t calls;
	uint64_t run_us; /* all runs together */
	uint64_t slow; /* runs longer than LOOP_SLOW_US */
	uint64_t slow_by[LOOP_SLOW_CAUSES];
	uint64_t max_run_us;
	uint64_t late; /* timers: fired more than LOOP_SLOW_US late */
	uint64_t max_late_us;
};

struct loop_stats {
	struct loop_cb_stats row[LOOP_STATS_ROWS];
	unsigned n_rows;
	uint64_t calls, slow, late;
	uint64_t slow_by[LOOP_SLOW_CAUSES];
	uint64_t late_wakeups, max_wake_late_us;
	/* the current round (one wait and the callbacks after it): what
	 * delayed a timer that fires late in it */
	uint64_t round_wait_from_us, round_wait_due_us, round_woke_us;
	struct loop_cpu round_cpu; /* when the round began */
	bool round_cpu_known;
	unsigned round_slowest; /* row; valid while round_slowest_us */
	uint64_t round_slowest_us;
	/* the log's rate limit */
	uint64_t log_window_start_us;
	unsigned log_in_window;
	uint64_t log_left_out;
};

void loop_stats_init(struct loop_stats *s);
/* The row of a name and kind, made on first use. */
unsigned loop_stats_row(struct loop_stats *s, const char *name, enum loop_cb_kind kind);

/* A round begins: the loop waited from wait_from_us for the first timer,
 * due at due_us (0: no timer, or a fake clock), and woke at now_us; cpu
 * is the thread's account then (NULL: unknown). */
void loop_stats_woke(struct loop_stats *s, uint64_t wait_from_us, uint64_t due_us,
		     uint64_t now_us, const struct loop_cpu *cpu);
/* A callback of row ran from start_us to end_us; a timer's was due at
 * due_us (0 for an fd); cpu: the thread's account after a slow one (NULL:
 * unknown, and then a slow callback counts as "ran").  Logs what was slow
 * or late (rate-limited). */
void loop_stats_ran(struct loop_stats *s, unsigned row, uint64_t start_us, uint64_t end_us,
		    uint64_t due_us, const struct loop_cpu *cpu);
const char *loop_slow_cause_name(enum loop_slow_cause c);

struct json_object;
/* The "loop" object of `status --json` (docs/status-json.md). */
struct json_object *loop_stats_json(const struct loop_stats *s);
/* The lines of `status`: a summary, then every name that was slow or late. */
void loop_stats_text(const struct loop_stats *s, FILE *out);

#endif
