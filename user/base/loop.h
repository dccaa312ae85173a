/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The event loop: one thread, one epoll set, one monotonic clock.  Modules
 * register callbacks -- "call me when this fd is readable", "call me at
 * this time", "call me every N ms" -- and the loop calls them; nobody asks
 * every module whether an fd is its own or when its next deadline is.  In
 * the spirit of keepalived's lib/scheduler.c and strongSwan's watcher.
 *
 *     struct loop *l = loop_new();
 *     loop_io_init(&io, l, "ctl.accept", fd, on_readable, arg);
 *     loop_io_start(&io, LOOP_IN);
 *     loop_timer_init(&t, l, "cluster.refill", on_tick, arg);
 *     loop_timer_every(&t, 100);
 *     loop_run(l);                                 // until loop_stop(l)
 *
 * Handles (struct loop_io, struct loop_timer) belong to the module that
 * embeds them: the loop never allocates or frees one.  A handle must be
 * stopped before its memory goes away; stopping, starting and re-arming
 * any handle (also another module's, also from inside its own callback)
 * is always allowed.  Callbacks must not block: everything that can wait
 * (a peer that does not answer, a hung file system) is non-blocking on the
 * loop or runs on a thread of its own.
 *
 * Time: loop_now() is monotonic milliseconds (CLOCK_MONOTONIC), read anew
 * before each callback.  A loop made with loop_new_fake() has a clock that
 * moves only in loop_advance() (and loop_fake_spend()): unit tests drive
 * timers exactly, while fds (socketpairs, real sockets) still work, polled
 * without waiting.
 *
 * Accounting: every handle names its callback (a short constant such as
 * "vrrp.ipv4" or "ctl.client"; base/loop_stats.h).  The loop reads the
 * clock before and after each callback and keeps, per name, how long the
 * callbacks ran and how late the timers fired, and how late it woke from
 * its waits; loop_stats() shows it (`status`), and what was slow or late
 * is logged, rate-limited.
 */
#ifndef IKELB_BASE_LOOP_H
#define IKELB_BASE_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "base/loop_stats.h"

#define LOOP_IN EPOLLIN
#define LOOP_OUT EPOLLOUT

struct loop;

/* events: what happened (LOOP_IN, LOOP_OUT, EPOLLERR, EPOLLHUP). */
typedef void (*loop_io_fn)(void *arg, int fd, uint32_t events);
typedef void (*loop_timer_fn)(void *arg);

/* An fd watched by the loop (level-triggered). */
struct loop_io {
	struct loop *loop;
	unsigned stats_row; /* its name's row in the loop's stats */
	int fd;
	uint32_t events; /* 0 while stopped */
	loop_io_fn fn;
	void *arg;
};

/* A one-shot or periodic timer. */
struct loop_timer {
	struct loop *loop;
	unsigned stats_row;
	loop_timer_fn fn;
	void *arg;
	uint64_t due_ms; /* while armed */
	uint64_t late_from_ms; /* its due time, or when it was armed if later */
	uint64_t period_ms; /* 0: one-shot */
	bool armed;
	struct loop_timer *next; /* armed timers, by due time */
};

/* A loop on the real monotonic clock; NULL (errno set) on failure. */
struct loop *loop_new(void);
/* A loop whose clock starts at start_ms and moves only in loop_advance. */
struct loop *loop_new_fake(uint64_t start_ms);
/* Every handle must have been stopped before. */
void loop_free(struct loop *l);

/* Monotonic milliseconds: the loop's clock. */
uint64_t loop_now(struct loop *l);
/* CLOCK_MONOTONIC in milliseconds, for code off the loop (threads). */
uint64_t loop_clock_ms(void);
/* The wall clock (CLOCK_REALTIME) in ms since 1970: for what is compared
 * with other hosts (load report epochs), never for timers.  A fake loop's
 * wall clock is set by loop_set_wall_ms and moves with loop_advance. */
uint64_t loop_wall_ms(struct loop *l);
void loop_set_wall_ms(struct loop *l, uint64_t wall_ms);

/* Runs until loop_stop; 0, or -1 when epoll fails (logged). */
int loop_run(struct loop *l);
/* Waits at most max_wait_ms (-1: until the next timer) for events and
 * runs what is due once; 0 or -1.  A fake clock does not move: the wait
 * is for fds only (-1 is 0 then). */
int loop_run_once(struct loop *l, int max_wait_ms);
/* loop_run returns after the callback that called this. */
void loop_stop(struct loop *l);
bool loop_stopped(const struct loop *l);

/*
 * Fake clock only: moves the clock forward by ms.  Timers due on the way
 * fire in order, each at its own due time (loop_now() is that time inside
 * the callback, unless a callback before it spent time); ready fds are
 * served before each timer and at the end.
 */
void loop_advance(struct loop *l, uint64_t ms);
/* Fake clock only, from inside a callback: the callback runs ms longer
 * (the clock moves, nothing fires): a slow callback, for the tests. */
void loop_fake_spend(struct loop *l, uint64_t ms);

/* What the loop measured of its callbacks (base/loop_stats.h). */
const struct loop_stats *loop_stats(const struct loop *l);

/* name: a short constant naming the callback in the loop's stats. */
void loop_io_init(struct loop_io *io, struct loop *l, const char *name, int fd, loop_io_fn fn,
		  void *arg);
/* Another fd for a stopped handle (its name and callback stay). */
void loop_io_set_fd(struct loop_io *io, int fd);
/* Watches io->fd for events (LOOP_IN and/or LOOP_OUT); changes the set if
 * already watched.  0, or -1 with errno (logged). */
int loop_io_start(struct loop_io *io, uint32_t events);
void loop_io_stop(struct loop_io *io);
static inline bool loop_io_active(const struct loop_io *io)
{
	return io->events != 0;
}

void loop_timer_init(struct loop_timer *t, struct loop *l, const char *name, loop_timer_fn fn,
		     void *arg);
/* One shot at due_ms on the loop's clock (now when already past). */
void loop_timer_at(struct loop_timer *t, uint64_t due_ms);
/* One shot delay_ms from now. */
void loop_timer_after(struct loop_timer *t, uint64_t delay_ms);
/*
 * Every period_ms, the first time period_ms from now.  A loop that fell
 * behind by more than a period fires once and goes on from the current
 * time, rather than firing every missed period in a burst.
 */
void loop_timer_every(struct loop_timer *t, uint64_t period_ms);
void loop_timer_stop(struct loop_timer *t);
static inline bool loop_timer_armed(const struct loop_timer *t)
{
	return t->armed;
}

#endif
