// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Renewing a held VIP's lifetime off the event loop: see addr_refresh.h. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/thread.h"
#include "dataplane/addr.h"
#include "dataplane/addr_refresh.h"
#include "ikelb.h"

struct request {
	bool pending;
	struct ip_addr ip;
	uint32_t lifetime_s;
};

struct addr_refresher {
	int ifindex;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a request, quit, or a renewal done */
	struct request req[IKELB_FAMILIES]; /* at most one per VIP */
	bool busy; /* a renewal of `current` is under way */
	struct ip_addr current;
	bool started, quit;
	pthread_t thread;
};

static void *refresher_main(void *arg)
{
	struct addr_refresher *r = arg;
	char s[INET6_ADDRSTRLEN];

	pthread_mutex_lock(&r->mu);
	for (;;) {
		struct request *q = NULL;
		struct request job;

		for (int i = 0; i < IKELB_FAMILIES && !q; i++)
			if (r->req[i].pending)
				q = &r->req[i];
		if (r->quit)
			break;
		if (!q) {
			pthread_cond_wait(&r->cv, &r->mu);
			continue;
		}
		job = *q;
		q->pending = false;
		r->busy = true;
		r->current = job.ip;
		pthread_mutex_unlock(&r->mu);
		/* the same request as adding it: create or replace */
		if (addr_add(r->ifindex, &job.ip, job.lifetime_s))
			log_warn("cannot renew the lifetime of VIP %s",
				 ip_addr_str(&job.ip, s, sizeof(s)));
		pthread_mutex_lock(&r->mu);
		r->busy = false;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct addr_refresher *addr_refresher_new(int ifindex)
{
	struct addr_refresher *r = calloc(1, sizeof(*r));

	if (!r) {
		log_err("out of memory");
		return NULL;
	}
	r->ifindex = ifindex;
	thread_mutex_init(&r->mu);
	pthread_cond_init(&r->cv, NULL);
	return r;
}

/* With r->mu held. */
static int start(struct addr_refresher *r)
{
	int rc;

	if (r->started)
		return 0;
	rc = thread_start(&r->thread, refresher_main, r);
	if (rc) {
		log_err("cannot start the VIP lifetime thread: %s", strerror(rc));
		return -1;
	}
	r->started = true;
	return 0;
}

void addr_refresher_ask(struct addr_refresher *r, const struct ip_addr *ip, uint32_t lifetime_s)
{
	struct request *q = NULL;
	char s[INET6_ADDRSTRLEN];
	bool ran;

	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < IKELB_FAMILIES && !q; i++)
		if (r->req[i].pending && ip_addr_eq(&r->req[i].ip, ip))
			q = &r->req[i];
	for (int i = 0; i < IKELB_FAMILIES && !q; i++)
		if (!r->req[i].pending)
			q = &r->req[i];
	if (!q)
		q = &r->req[0];
	*q = (struct request){ .pending = true, .ip = *ip, .lifetime_s = lifetime_s };
	ran = start(r) == 0;
	if (!ran)
		q->pending = false;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	/* no thread: at least the lifetime must not run out */
	if (!ran && addr_add(r->ifindex, ip, lifetime_s))
		log_warn("cannot renew the lifetime of VIP %s", ip_addr_str(ip, s, sizeof(s)));
}

void addr_refresher_cancel(struct addr_refresher *r, const struct ip_addr *ip)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < IKELB_FAMILIES; i++)
		if (r->req[i].pending && ip_addr_eq(&r->req[i].ip, ip))
			r->req[i].pending = false;
	while (r->busy && ip_addr_eq(&r->current, ip))
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

void addr_refresher_free(struct addr_refresher *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->quit = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->started)
		pthread_join(r->thread, NULL);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
