// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The daemon's helper threads: see thread.h. */
#include <sched.h>
#include <signal.h>

#include "base/thread.h"

int thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	struct sched_param normal = { .sched_priority = 0 };
	pthread_attr_t a;
	sigset_t all, old;
	int rc;

	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_OTHER);
	pthread_attr_setschedparam(&a, &normal);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, &a, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
	return rc;
}

void thread_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	/* fails only where the kernel lacks PI futexes: a plain mutex then */
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	if (pthread_mutex_init(m, &a))
		pthread_mutex_init(m, NULL);
	pthread_mutexattr_destroy(&a);
}
