// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/log.h"
#include "base/thread.h"
#include "base/loop.h"
#include "ike/tunnel_reader.h"
#include "ike/tunnels.h"

/*
 * Shared by the loop side and the thread, guarded by mu.  refs: one for
 * the loop side (until tunnel_reader_free), one for the thread (until it
 * returns).  The eventfd belongs to the shared state, so a thread that
 * finishes after the loop side let go writes to a live fd nobody reads.
 */
struct shared {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs;
	bool want, quit;
	int done_fd;
	struct tunnel_reading last;
	struct tunnels_src src; /* the thread's alone */
};

struct tunnel_reader {
	struct loop *loop;
	struct shared *sh;
	struct loop_io io;
	bool busy;
	tunnel_reader_fn fn;
	void *arg;
};

static void put(struct shared *sh)
{
	bool last;

	pthread_mutex_lock(&sh->mu);
	last = --sh->refs == 0;
	pthread_mutex_unlock(&sh->mu);
	if (!last)
		return;
	tunnels_close(&sh->src);
	close(sh->done_fd);
	pthread_cond_destroy(&sh->cv);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
}

static void *reader_main(void *arg)
{
	struct shared *sh = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&sh->mu);
	for (;;) {
		struct tunnel_reading t = {};

		while (!sh->want && !sh->quit)
			pthread_cond_wait(&sh->cv, &sh->mu);
		if (sh->quit)
			break;
		sh->want = false;
		pthread_mutex_unlock(&sh->mu);
		/* may take long, or forever: nobody waits for it */
		t.ok = tunnels_read(&sh->src, &t.count, t.why, sizeof(t.why)) == 0;
		pthread_mutex_lock(&sh->mu);
		if (sh->quit)
			break;
		sh->last = t;
		/* the loop is told with the mutex free: it reads `last` at once */
		pthread_mutex_unlock(&sh->mu);
		if (write(sh->done_fd, &one, sizeof(one)) < 0) {
			pthread_mutex_lock(&sh->mu);
			break;
		}
		pthread_mutex_lock(&sh->mu);
	}
	pthread_mutex_unlock(&sh->mu);
	put(sh);
	return NULL;
}

static void on_done(void *arg, int fd, uint32_t events)
{
	struct tunnel_reader *r = arg;
	struct tunnel_reading t;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&r->sh->mu);
	t = r->sh->last;
	pthread_mutex_unlock(&r->sh->mu);
	r->busy = false;
	r->fn(r->arg, &t);
}

struct tunnel_reader *tunnel_reader_new(struct loop *l, const struct config *c,
					tunnel_reader_fn fn, void *arg)
{
	struct tunnel_reader *r = calloc(1, sizeof(*r));
	struct shared *sh = calloc(1, sizeof(*sh));
	pthread_t th;

	if (!r || !sh)
		goto nomem;
	/* tunnels_init_config also leaves SAs at the VIPs out in auth mode */
	if (tunnels_init_config(&sh->src, c)) {
		log_err("cannot set up the tunnels source of [gateway]");
		goto fail;
	}
	sh->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sh->done_fd < 0) {
		log_err("tunnel reader: eventfd: %s", strerror(errno));
		tunnels_close(&sh->src);
		goto fail;
	}
	thread_mutex_init(&sh->mu);
	pthread_cond_init(&sh->cv, NULL);
	sh->refs = 2;
	r->loop = l;
	r->sh = sh;
	r->fn = fn;
	r->arg = arg;
	loop_io_init(&r->io, l, "tunnels.count", sh->done_fd, on_done, r);
	if (loop_io_start(&r->io, LOOP_IN))
		goto fail_started;
	if (thread_start(&th, reader_main, sh)) {
		log_err("cannot start the tunnel reader thread");
		loop_io_stop(&r->io);
		goto fail_started;
	}
	pthread_detach(th);
	return r;

fail_started:
	sh->refs = 1;
	put(sh);
	free(r);
	return NULL;
nomem:
	log_err("out of memory");
fail:
	free(sh);
	free(r);
	return NULL;
}

bool tunnel_reader_ask(struct tunnel_reader *r)
{
	if (r->busy)
		return false;
	pthread_mutex_lock(&r->sh->mu);
	r->sh->want = true;
	pthread_cond_signal(&r->sh->cv);
	pthread_mutex_unlock(&r->sh->mu);
	r->busy = true;
	return true;
}

bool tunnel_reader_busy(const struct tunnel_reader *r)
{
	return r->busy;
}

void tunnel_reader_free(struct tunnel_reader *r)
{
	if (!r)
		return;
	loop_io_stop(&r->io);
	pthread_mutex_lock(&r->sh->mu);
	r->sh->quit = true;
	pthread_cond_signal(&r->sh->cv);
	pthread_mutex_unlock(&r->sh->mu);
	put(r->sh);
	free(r);
}

bool tunnel_reader_same_source(const struct config *a, const struct config *b)
{
	/* the kind of source, its path or number, and what it leaves out */
	return a->has_gateway == b->has_gateway && a->tunnels == b->tunnels &&
	       !strcmp(a->tunnels_path, b->tunnels_path) &&
	       a->tunnels_static == b->tunnels_static && a->mode == b->mode &&
	       a->has_vip4 == b->has_vip4 && a->has_vip6 == b->has_vip6 &&
	       a->vip4.s_addr == b->vip4.s_addr && !memcmp(&a->vip6, &b->vip6, sizeof(a->vip6));
}
