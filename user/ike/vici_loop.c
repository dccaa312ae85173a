// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <poll.h>

#include "ike/vici_conn.h"
#include "ike/vici_loop.h"

/* The connection's wishes, recorded in the loop (and nothing else: the
 * connection must not be called from here). */
static void on_watch(void *ctx, int fd, short events, uint64_t deadline_ms)
{
	struct vici_loop *vl = ctx;
	uint32_t want = (events & POLLIN ? LOOP_IN : 0) | (events & POLLOUT ? LOOP_OUT : 0);

	if (fd != vl->io.fd || fd < 0 || !want)
		loop_io_stop(&vl->io);
	if (fd >= 0 && want) {
		if (fd != vl->io.fd)
			loop_io_set_fd(&vl->io, fd);
		loop_io_start(&vl->io, want);
	}
	if (fd < 0 || deadline_ms == VIC_NO_DEADLINE)
		loop_timer_stop(&vl->timer);
	else
		loop_timer_at(&vl->timer, deadline_ms);
}

static void on_io(void *arg, int fd, uint32_t events)
{
	struct vici_loop *vl = arg;

	(void)fd;
	/* an error or hang-up is read: the read says what happened */
	if (events & (LOOP_IN | EPOLLERR | EPOLLHUP)) {
		if (vic_conn_on_readable(vl->conn) < 0)
			return;
	}
	if (events & LOOP_OUT)
		vic_conn_on_writable(vl->conn);
}

static void on_deadline(void *arg)
{
	struct vici_loop *vl = arg;

	vic_conn_on_time(vl->conn, loop_now(vl->loop));
}

void vici_loop_init(struct vici_loop *vl, struct loop *l, struct vic_conn *c, const char *name)
{
	vl->loop = l;
	vl->conn = c;
	loop_io_init(&vl->io, l, name, -1, on_io, vl);
	loop_timer_init(&vl->timer, l, name, on_deadline, vl);
	vic_conn_set_watch(c, on_watch, vl);
}

void vici_loop_stop(struct vici_loop *vl)
{
	loop_io_stop(&vl->io);
	loop_timer_stop(&vl->timer);
}
