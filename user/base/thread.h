/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The daemon's helper threads (the tunnel reader, the VIP lifetime
 * renewer): work that may wait, off the event loop.  thread_start makes
 * one with every signal blocked (signals are the loop's, through its
 * signalfd) and with normal scheduling (SCHED_OTHER) whatever the loop
 * thread has: when the daemon runs at a real-time priority (the units'
 * CPUSchedulingPolicy=fifo, README "Lifecycle"), a helper busy at that
 * priority on the loop's CPU would hold the loop off until it blocked.
 */
#ifndef IKELB_BASE_THREAD_H
#define IKELB_BASE_THREAD_H

#include <pthread.h>

/* 0, or an errno value (pthread_create's). */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
