// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/rundir.h"
#include "daemon/ctl.h"

static int sun_for(struct sockaddr_un *sun, const char *cluster)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	rundir_path(sun->sun_path, sizeof(sun->sun_path), cluster, "sock");
	return 0;
}

int ctl_lock(const char *cluster)
{
	char path[128], pid[32] = "";
	int fd;

	if (mkdir(RUN_DIR, 0755) && errno != EEXIST) {
		log_err("cannot create %s: %s", RUN_DIR, strerror(errno));
		return -1;
	}
	rundir_path(path, sizeof(path), cluster, "lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		log_err("another ikelb-load runs for cluster \"%s\" (pid %s, lock %s)",
			cluster, pid[0] ? pid : "?", path);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%d\n", (int)getpid());
	return fd;
}

struct ctl_client {
	struct ctl_server *srv;
	int fd; /* -1: free slot */
	struct loop_io io;
	struct loop_timer deadline;
	char req[CTL_REQ_MAX];
	size_t req_len;
	char *reply; /* once the request is complete */
	size_t reply_len, reply_off;
};

struct ctl_server {
	struct loop *loop;
	char cluster[64];
	int fd;
	struct loop_io io;
	ctl_handler handler;
	void *ctx;
	unsigned n_clients;
	struct ctl_client c[CTL_MAX_CLIENTS];
};

static void drop(struct ctl_client *c)
{
	struct ctl_server *s = c->srv;

	loop_io_stop(&c->io);
	loop_timer_stop(&c->deadline);
	close(c->fd);
	c->fd = -1;
	free(c->reply);
	c->reply = NULL;
	/* a slot is free again: take the next waiting connection */
	if (s->n_clients-- == CTL_MAX_CLIENTS)
		loop_io_start(&s->io, LOOP_IN);
}

static void on_deadline(void *arg)
{
	struct ctl_client *c = arg;

	log_debug("control socket: a client did not finish within %d ms; dropped",
		  CTL_DEADLINE_MS);
	drop(c);
}

/* The whole request is in (a line, or EOF): the reply, ready to send. */
static void answer(struct ctl_client *c, bool bad)
{
	struct ctl_server *s = c->srv;
	char *body = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&body, &len);
	int rc = -1;

	if (!out) {
		drop(c);
		return;
	}
	if (bad) {
		fprintf(out, "bad request\n");
	} else {
		c->req[strcspn(c->req, "\r\n")] = 0;
		rc = s->handler(s->ctx, c->req, out);
	}
	fclose(out);
	c->reply = malloc(len + 8);
	if (!c->reply) {
		free(body);
		drop(c);
		return;
	}
	c->reply_len = (size_t)sprintf(c->reply, "%s", rc ? "error: " : "ok\n");
	memcpy(c->reply + c->reply_len, body, len);
	c->reply_len += len;
	c->reply_off = 0;
	free(body);
	loop_io_start(&c->io, LOOP_OUT);
}

static void client_read(struct ctl_client *c)
{
	ssize_t n = read(c->fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		drop(c);
		return;
	}
	c->req_len += (size_t)n;
	c->req[c->req_len] = 0;
	if (memchr(c->req, '\n', c->req_len))
		answer(c, false);
	else if (n == 0)
		answer(c, c->req_len == 0); /* EOF ends a request without newline */
	else if (c->req_len == sizeof(c->req) - 1)
		answer(c, true); /* too long for any request */
}

static void client_write(struct ctl_client *c)
{
	ssize_t n = send(c->fd, c->reply + c->reply_off, c->reply_len - c->reply_off,
			 MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop(c);
		return;
	}
	c->reply_off += (size_t)n;
	if (c->reply_off == c->reply_len)
		drop(c);
}

static void on_client(void *arg, int fd, uint32_t events)
{
	struct ctl_client *c = arg;

	(void)fd;
	if (c->reply && (events & (LOOP_OUT | EPOLLERR | EPOLLHUP)))
		client_write(c);
	else if (!c->reply)
		client_read(c);
}

static void on_accept(void *arg, int fd, uint32_t events)
{
	struct ctl_server *s = arg;

	(void)events;
	while (s->n_clients < CTL_MAX_CLIENTS) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_client *c = NULL;

		if (cfd < 0)
			return;
		for (unsigned i = 0; i < CTL_MAX_CLIENTS && !c; i++)
			if (s->c[i].fd < 0)
				c = &s->c[i];
		c->fd = cfd;
		c->req_len = 0;
		c->reply = NULL;
		loop_io_init(&c->io, s->loop, "ctl.client", cfd, on_client, c);
		if (loop_io_start(&c->io, LOOP_IN)) {
			close(cfd);
			c->fd = -1;
			continue;
		}
		loop_timer_after(&c->deadline, CTL_DEADLINE_MS);
		s->n_clients++;
	}
	/* all slots taken: the next connections wait in the backlog */
	loop_io_stop(&s->io);
}

struct ctl_server *ctl_server_new(struct loop *l, const char *cluster, ctl_handler h,
				  void *ctx)
{
	struct ctl_server *s = calloc(1, sizeof(*s));
	struct sockaddr_un sun;

	if (!s) {
		log_err("out of memory");
		return NULL;
	}
	s->loop = l;
	s->handler = h;
	s->ctx = ctx;
	snprintf(s->cluster, sizeof(s->cluster), "%s", cluster);
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++) {
		s->c[i].srv = s;
		s->c[i].fd = -1;
		loop_timer_init(&s->c[i].deadline, l, "ctl.client", on_deadline, &s->c[i]);
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		log_err("control socket: %s", strerror(errno));
		free(s);
		return NULL;
	}
	sun_for(&sun, cluster);
	unlink(sun.sun_path); /* stale: the lock proves no daemon owns it */
	if (bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) || chmod(sun.sun_path, 0660) ||
	    listen(s->fd, 64)) {
		log_err("cannot listen on %s: %s", sun.sun_path, strerror(errno));
		close(s->fd);
		free(s);
		return NULL;
	}
	loop_io_init(&s->io, l, "ctl.accept", s->fd, on_accept, s);
	if (loop_io_start(&s->io, LOOP_IN)) {
		close(s->fd);
		unlink(sun.sun_path);
		free(s);
		return NULL;
	}
	return s;
}

void ctl_server_free(struct ctl_server *s)
{
	struct sockaddr_un sun;

	if (!s)
		return;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0)
			drop(&s->c[i]);
	loop_io_stop(&s->io);
	close(s->fd);
	sun_for(&sun, s->cluster);
	unlink(sun.sun_path);
	free(s);
}

unsigned ctl_server_clients(const struct ctl_server *s)
{
	return s->n_clients;
}

int ctl_request(const char *cluster, const char *request, FILE *out)
{
	struct sockaddr_un sun;
	char buf[4096];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), first = 1, rc = -1;
	struct timeval tv = { .tv_sec = 5 };
	ssize_t n;

	if (fd < 0)
		return -1;
	sun_for(&sun, cluster);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = errno;

		close(fd);
		return (e == ENOENT || e == ECONNREFUSED) ? 2 : -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	dprintf(fd, "%s\n", request);
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t skip = 0;

		if (first) {
			rc = strncmp(buf, "ok\n", n < 3 ? (size_t)n : 3) ? 1 : 0;
			skip = rc ? 7 : 3;
			if ((size_t)n < skip)
				skip = n;
			first = 0;
		}
		fwrite(buf + skip, 1, n - skip, out);
	}
	close(fd);
	return rc;
}
