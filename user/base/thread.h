/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The daemon's helper threads (the tunnel reader, the VIP lifetime
 * renewer): work that may wait, off the event loop.  thread_start makes
 * one with every signal blocked (signals are the loop's, through its
 * signalfd) and with normal scheduling (SCHED_OTHER) whatever the loop
 * thread has: when the daemon runs at a real-time priority (the units'
 * CPUSchedulingPolicy=fifo, README "Lifecycle"), a helper busy at that
 * priority on the loop's CPU would hold the loop off until it blocked.
 *
 * A mutex that the loop shares with a helper is made by thread_mutex_init:
 * with priority inheritance, so that a helper holding it runs at the
 * loop's priority until it lets go.  Without it, a helper preempted while
 * holding the mutex (by the loop it just woke, or by any other task) keeps
 * the loop waiting for as long as the scheduler keeps the helper off the
 * CPU: the loop's account showed 7 ms.
 */
#ifndef IKELB_BASE_THREAD_H
#define IKELB_BASE_THREAD_H

#include <pthread.h>

/* 0, or an errno value (pthread_create's). */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);
void thread_mutex_init(pthread_mutex_t *m);

#endif
