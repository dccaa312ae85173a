// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"

#define LOOP_EVENTS 32
/* Fake clock: rounds of fd service per step, so that an fd that stays
 * ready (a callback that reads nothing) cannot hang a test. */
#define LOOP_FAKE_IO_ROUNDS 64

struct loop {
	int epfd;
	bool fake;
	bool stopped;
	uint64_t now_ms;
	int64_t wall_offset_ms; /* fake: wall clock = now_ms + this */
	struct loop_timer *timers; /* armed, earliest first */
	/* The watched handle of each fd, so that an event whose handle was
	 * stopped by an earlier callback of the same batch is dropped. */
	struct loop_io **io;
	int n_io;
	struct loop_stats stats;
	/* the wait that began this round: told to the stats at its first
	 * callback (loop_stats_woke) */
	bool round_new;
	uint64_t wait_from_us, wait_due_us;
	bool in_callback;
};

static uint64_t clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t loop_clock_ms(void)
{
	return clock_us() / 1000u;
}

/* The clock the stats are kept on: a fake loop's moves in whole ms. */
static uint64_t stats_clock(const struct loop *l)
{
	return l->fake ? l->now_ms * 1000u : clock_us();
}

/* The thread's CPU account; NULL on a fake loop (its clock is not the
 * CPU's) or when the kernel does not say. */
static const struct loop_cpu *read_cpu(const struct loop *l, struct loop_cpu *c)
{
	struct rusage ru;

	if (l->fake || getrusage(RUSAGE_THREAD, &ru))
		return NULL;
	c->cpu_us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
		    (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
	c->waits = (uint64_t)ru.ru_nvcsw;
	c->preemptions = (uint64_t)ru.ru_nivcsw;
	return c;
}

/* Before a callback: the clock read anew (loop_now() inside it), and the
 * time it begins; the first of a round also ends the round's wait, and
 * reads the thread's CPU account (once per wake-up: what a slow callback
 * of the round is measured against). */
static uint64_t cb_begin(struct loop *l)
{
	uint64_t t = stats_clock(l);
	struct loop_cpu cpu;

	if (!l->fake)
		l->now_ms = t / 1000u;
	if (l->round_new) {
		loop_stats_woke(&l->stats, l->wait_from_us, l->wait_due_us, t, read_cpu(l, &cpu));
		l->round_new = false;
	}
	l->in_callback = true;
	return t;
}

/* After it: the second clock read.  row and due_us were read before the
 * callback ran (it may have freed its handle). */
static void cb_end(struct loop *l, unsigned row, uint64_t start_us, uint64_t due_us)
{
	uint64_t end = stats_clock(l);
	struct loop_cpu cpu;

	l->in_callback = false;
	loop_stats_ran(&l->stats, row, start_us, end, due_us,
		       end - start_us > LOOP_SLOW_US ? read_cpu(l, &cpu) : NULL);
}

/* A round begins: the wait before it, if it waited for a timer. */
static void round_begin(struct loop *l, uint64_t wait_from_us, uint64_t due_us)
{
	l->round_new = true;
	l->wait_from_us = wait_from_us;
	l->wait_due_us = due_us;
}

static struct loop *make(bool fake, uint64_t start)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->fake = fake;
	l->now_ms = fake ? start : loop_clock_ms();
	loop_stats_init(&l->stats);
	return l;
}

struct loop *loop_new(void)
{
	return make(false, 0);
}

struct loop *loop_new_fake(uint64_t start_ms)
{
	return make(true, start_ms);
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->io);
	free(l);
}

uint64_t loop_now(struct loop *l)
{
	return l->now_ms;
}

uint64_t loop_wall_ms(struct loop *l)
{
	struct timespec ts;

	if (l->fake)
		return (uint64_t)((int64_t)l->now_ms + l->wall_offset_ms);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void loop_set_wall_ms(struct loop *l, uint64_t wall_ms)
{
	if (l->fake)
		l->wall_offset_ms = (int64_t)wall_ms - (int64_t)l->now_ms;
}

void loop_stop(struct loop *l)
{
	l->stopped = true;
}

bool loop_stopped(const struct loop *l)
{
	return l->stopped;
}

const struct loop_stats *loop_stats(const struct loop *l)
{
	return &l->stats;
}

/* ---- fds ------------------------------------------------------------------ */

void loop_io_init(struct loop_io *io, struct loop *l, const char *name, int fd, loop_io_fn fn,
		  void *arg)
{
	*io = (struct loop_io){ .loop = l, .fd = fd, .fn = fn, .arg = arg,
				.stats_row = loop_stats_row(&l->stats, name, LOOP_CB_FD) };
}

void loop_io_set_fd(struct loop_io *io, int fd)
{
	loop_io_stop(io);
	io->fd = fd;
}

static int reserve(struct loop *l, int fd)
{
	int n = l->n_io ? l->n_io : 64;
	struct loop_io **v;

	if (fd < l->n_io)
		return 0;
	while (n <= fd)
		n *= 2;
	v = realloc(l->io, (size_t)n * sizeof(*v));
	if (!v)
		return -1;
	memset(v + l->n_io, 0, (size_t)(n - l->n_io) * sizeof(*v));
	l->io = v;
	l->n_io = n;
	return 0;
}

int loop_io_start(struct loop_io *io, uint32_t events)
{
	struct loop *l = io->loop;
	struct epoll_event ev = { .events = events, .data.fd = io->fd };
	int op = io->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, rc;

	if (!events) {
		loop_io_stop(io);
		return 0;
	}
	if (io->fd < 0) {
		errno = EBADF;
		rc = -1;
	} else {
		rc = reserve(l, io->fd) ? -1 : epoll_ctl(l->epfd, op, io->fd, &ev);
		/* a watched fd that was closed left the set on its own: a new
		 * fd with the same number is added, not modified */
		if (rc && op == EPOLL_CTL_MOD && errno == ENOENT)
			rc = epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev);
	}
	if (rc) {
		int e = errno;

		log_err("event loop: cannot watch fd %d: %s", io->fd, strerror(e));
		errno = e;
		return -1;
	}
	io->events = events;
	l->io[io->fd] = io;
	return 0;
}

void loop_io_stop(struct loop_io *io)
{
	struct loop *l = io->loop;

	if (!io->events)
		return;
	/* fails harmlessly when the fd was closed already (it left the set) */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	if (io->fd < l->n_io && l->io[io->fd] == io)
		l->io[io->fd] = NULL;
	io->events = 0;
}

/* Waits up to timeout_ms and runs the callbacks of ready fds; -1 when
 * epoll fails. */
static int serve_fds(struct loop *l, int timeout_ms, int *served)
{
	struct epoll_event ev[LOOP_EVENTS];
	int n = epoll_wait(l->epfd, ev, LOOP_EVENTS, timeout_ms);

	*served = 0;
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		log_err("event loop: epoll_wait: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int fd = ev[i].data.fd;
		struct loop_io *io = fd < l->n_io ? l->io[fd] : NULL;
		unsigned row;
		uint64_t start;

		/* stopped by an earlier callback of this batch */
		if (!io || !(ev[i].events & (io->events | EPOLLERR | EPOLLHUP)))
			continue;
		row = io->stats_row;
		start = cb_begin(l);
		io->fn(io->arg, fd, ev[i].events);
		cb_end(l, row, start, 0);
		(*served)++;
	}
	return 0;
}

/* ---- timers --------------------------------------------------------------- */

void loop_timer_init(struct loop_timer *t, struct loop *l, const char *name, loop_timer_fn fn,
		     void *arg)
{
	*t = (struct loop_timer){ .loop = l, .fn = fn, .arg = arg,
				  .stats_row = loop_stats_row(&l->stats, name, LOOP_CB_TIMER) };
}

void loop_timer_stop(struct loop_timer *t)
{
	struct loop_timer **p;

	if (!t->armed)
		return;
	for (p = &t->loop->timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

/* The clock when a timer is armed: outside callbacks (setting up) it was
 * not read for a while. */
static uint64_t arm_now(struct loop *l)
{
	if (!l->in_callback && !l->fake)
		l->now_ms = loop_clock_ms();
	return l->now_ms;
}

/* Into the armed list, after the timers due at the same time (so timers
 * due together fire in the order they were armed). */
static void arm(struct loop_timer *t, uint64_t due, uint64_t period)
{
	struct loop *l = t->loop;
	struct loop_timer **p;

	loop_timer_stop(t);
	t->due_ms = due;
	/* a timer armed for a time already past is not late for that */
	t->late_from_ms = due > arm_now(l) ? due : l->now_ms;
	t->period_ms = period;
	for (p = &t->loop->timers; *p && (*p)->due_ms <= due; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	t->armed = true;
}

void loop_timer_at(struct loop_timer *t, uint64_t due_ms)
{
	arm(t, due_ms, 0);
}

void loop_timer_after(struct loop_timer *t, uint64_t delay_ms)
{
	arm(t, arm_now(t->loop) + delay_ms, 0);
}

void loop_timer_every(struct loop_timer *t, uint64_t period_ms)
{
	if (!period_ms)
		period_ms = 1;
	arm(t, arm_now(t->loop) + period_ms, period_ms);
}

/* Fires the first timer if it is due by `by`; false when none is. */
static bool fire_one(struct loop *l, uint64_t by)
{
	struct loop_timer *t = l->timers;
	unsigned row;
	uint64_t start, due_us;

	if (!t || t->due_ms > by)
		return false;
	l->timers = t->next;
	t->next = NULL;
	t->armed = false;
	if (l->fake && t->due_ms > l->now_ms)
		l->now_ms = t->due_ms;
	start = cb_begin(l);
	row = t->stats_row;
	due_us = t->late_from_ms * 1000u;
	if (t->period_ms) {
		uint64_t next = t->due_ms + t->period_ms;

		if (next <= l->now_ms) /* fell behind: no burst of catch-ups */
			next = l->now_ms + t->period_ms;
		arm(t, next, t->period_ms);
	}
	t->fn(t->arg);
	cb_end(l, row, start, due_us);
	return true;
}

static void fire_due(struct loop *l)
{
	/* only what is due now: a timer re-armed for "now" by a callback
	 * waits for the next round, after the fds had their turn */
	uint64_t now;
	unsigned n = 0, max = 0;

	if (!l->fake)
		l->now_ms = loop_clock_ms();
	now = l->now_ms;
	for (struct loop_timer *t = l->timers; t && t->due_ms <= now; t = t->next)
		max++;
	while (n++ < max && !l->stopped)
		if (!fire_one(l, now))
			break;
}

/* ---- running -------------------------------------------------------------- */

/* ms until the first timer, rounded up so that the wait never ends just
 * before it is due (a busy loop); -1 without timers. */
static int wait_ms(struct loop *l, int max_wait_ms)
{
	uint64_t now_us, due_us, ms;

	if (!l->timers) {
		round_begin(l, 0, 0);
		return max_wait_ms;
	}
	now_us = clock_us();
	due_us = l->timers->due_ms * 1000u;
	round_begin(l, now_us, due_us);
	ms = due_us > now_us ? (due_us - now_us + 999u) / 1000u : 0;
	if (max_wait_ms >= 0 && ms > (uint64_t)max_wait_ms)
		return max_wait_ms;
	return ms > 3600000u ? 3600000 : (int)ms;
}

int loop_run_once(struct loop *l, int max_wait_ms)
{
	int served;

	if (l->fake) {
		/* fds may take real time (another thread's work); the clock
		 * still moves only in loop_advance */
		round_begin(l, 0, 0);
		if (serve_fds(l, max_wait_ms > 0 ? max_wait_ms : 0, &served))
			return -1;
		fire_due(l);
		return 0;
	}
	if (serve_fds(l, wait_ms(l, max_wait_ms), &served))
		return -1;
	fire_due(l);
	return 0;
}

int loop_run(struct loop *l)
{
	l->stopped = false;
	while (!l->stopped)
		if (loop_run_once(l, -1))
			return -1;
	return 0;
}

static void fake_serve_fds(struct loop *l)
{
	int served;

	for (int i = 0; i < LOOP_FAKE_IO_ROUNDS; i++)
		if (serve_fds(l, 0, &served) || !served)
			return;
}

void loop_advance(struct loop *l, uint64_t ms)
{
	uint64_t until = l->now_ms + ms;

	if (!l->fake)
		return;
	/* one round: a timer made late by a callback before it is told so */
	round_begin(l, 0, 0);
	fake_serve_fds(l);
	while (fire_one(l, until))
		fake_serve_fds(l);
	if (l->now_ms < until)
		l->now_ms = until;
	fake_serve_fds(l);
}

void loop_fake_spend(struct loop *l, uint64_t ms)
{
	if (l->fake)
		l->now_ms += ms;
}
