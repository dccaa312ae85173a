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

#include "daemon/ctl.h"
#include "base/log.h"

void ctl_path(char *buf, size_t len, const char *cluster, const char *suffix)
{
	snprintf(buf, len, "%s/%s.%s", CTL_RUN_DIR, cluster, suffix);
}

static int sun_for(struct sockaddr_un *sun, const char *cluster)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	ctl_path(sun->sun_path, sizeof(sun->sun_path), cluster, "sock");
	return 0;
}

int ctl_lock(const char *cluster)
{
	char path[128], pid[32] = "";
	int fd;

	if (mkdir(CTL_RUN_DIR, 0755) && errno != EEXIST) {
		log_err("cannot create %s: %s", CTL_RUN_DIR, strerror(errno));
		return -1;
	}
	ctl_path(path, sizeof(path), cluster, "lock");
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

int ctl_listen(const char *cluster)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sun_for(&sun, cluster);
	unlink(sun.sun_path); /* stale: the lock proves no daemon owns it */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || chmod(sun.sun_path, 0660) ||
	    listen(fd, 8)) {
		log_err("cannot listen on %s: %s", sun.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void ctl_unlink(const char *cluster)
{
	struct sockaddr_un sun;
	char lock[128];

	sun_for(&sun, cluster);
	unlink(sun.sun_path);
	ctl_path(lock, sizeof(lock), cluster, "lock");
	unlink(lock);
}

/* Reads one request line; a client has 1 s to send it. */
static int read_request(int fd, char *buf, size_t len)
{
	struct timeval tv = { .tv_sec = 1 };
	size_t got = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n <= 0)
			break;
		got += n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = 0;
	if (!memchr(buf, '\n', got + 1) && got == len - 1)
		return -1;
	buf[strcspn(buf, "\r\n")] = 0;
	return got ? 0 : -1;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= w;
	}
}

void ctl_serve_one(int listen_fd, ctl_handler h, void *ctx)
{
	char req[CTL_REQ_MAX], *body = NULL;
	size_t len = 0;
	FILE *out;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC), rc;

	if (fd < 0)
		return;
	out = open_memstream(&body, &len);
	if (!out) {
		close(fd);
		return;
	}
	if (read_request(fd, req, sizeof(req))) {
		rc = -1;
		fprintf(out, "bad request\n");
	} else {
		rc = h(ctx, req, out);
	}
	fclose(out);
	write_all(fd, rc ? "error: " : "ok\n", rc ? 7 : 3);
	write_all(fd, body, len);
	free(body);
	close(fd);
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
