// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Test tool: HTTP clients that hold a server's connections and do not
 * behave, for the metrics server's stall test.
 *
 *   http_hold ADDR PORT N MODE [SRC...]
 *
 * opens N TCP connections to ADDR (IPv4 or IPv6) PORT, one after the
 * other, from the source addresses SRC in turn (default: any), and then
 * per MODE:
 *   silent   says nothing
 *   drip     sends a request line and then one header byte every 500 ms,
 *            never ending the header (slowloris)
 *   noread   sends 2000 pipelined "GET /metrics" requests and never reads
 *            an answer, with a 4 KiB receive buffer, so the server's
 *            writes back up at once (and not after megabytes)
 *
 * Prints "ready N" once every connection was made (connect() returned),
 * then every 500 ms "t MS open K closed C": how many the server has
 * closed (EOF or reset) so far.  Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define PIPELINED 2000
#define REQUEST "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
#define PIPELINE_BYTES ((sizeof(REQUEST) - 1) * PIPELINED)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static socklen_t sockaddr_of(const char *addr, int port, struct sockaddr_storage *out)
{
	struct sockaddr_storage ss = {};
	socklen_t len;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1)
			return 0;
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)port);
		if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
			return 0;
		len = sizeof(*a);
	}
	*out = ss;
	return len;
}

static int connect_to(const char *addr, int port, const char *src, int rcvbuf)
{
	struct sockaddr_storage ss, from;
	socklen_t len = sockaddr_of(addr, port, &ss), flen = src ? sockaddr_of(src, 0, &from) : 0;
	int fd;

	if (!len || (src && !flen)) {
		fprintf(stderr, "http_hold: bad address\n");
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* before connect: the window the server sees is small from the start */
	if (fd >= 0 && rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd >= 0 && src && bind(fd, (struct sockaddr *)&from, flen)) {
		perror("http_hold: bind");
		close(fd);
		return -1;
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
		perror("http_hold: connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* As much of the pipelined requests as the socket takes now. */
static void push(int fd, size_t *off)
{
	static const char req[] = REQUEST;

	while (*off < PIPELINE_BYTES) {
		size_t at = *off % (sizeof(req) - 1);
		ssize_t n = send(fd, req + at, sizeof(req) - 1 - at, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		*off += (size_t)n;
	}
}

int main(int argc, char **argv)
{
	struct pollfd p[MAX_CONNS];
	size_t sent[MAX_CONNS] = {};
	int n, port, closed = 0, mode;
	long long start, next_tick, next_drip;

	if (argc < 5 || (n = atoi(argv[3])) < 1 || n > MAX_CONNS ||
	    (port = atoi(argv[2])) < 1 || port > 65535) {
		fprintf(stderr, "usage: http_hold ADDR PORT N silent|drip|noread [SRC...]\n");
		return 2;
	}
	mode = !strcmp(argv[4], "silent") ? 0 : !strcmp(argv[4], "drip") ? 1
		: !strcmp(argv[4], "noread") ? 2 : -1;
	if (mode < 0) {
		fprintf(stderr, "http_hold: unknown mode %s\n", argv[4]);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		p[i].fd = connect_to(argv[1], port, argc > 5 ? argv[5 + i % (argc - 5)] : NULL,
				     mode == 2 ? 4096 : 0);
		if (p[i].fd < 0)
			return 1;
		p[i].events = POLLIN;
		if (mode == 1 && send(p[i].fd, "GET /metrics HTTP/1.1\r\nX-Drip: ", 31, MSG_NOSIGNAL) < 0)
			p[i].events = 0;
		if (mode == 2)
			push(p[i].fd, &sent[i]);
	}
	printf("ready %d\n", n);
	fflush(stdout);
	start = now_ms();
	next_tick = start;
	next_drip = start + 500;
	for (;;) {
		long long t = now_ms();

		if (t >= next_tick) {
			printf("t %lld open %d closed %d\n", t - start, n - closed, closed);
			fflush(stdout);
			next_tick += 500;
		}
		for (int i = 0; i < n; i++) {
			/* noread: never POLLIN (its answers wait unread); POLLOUT
			 * while requests are left to send */
			p[i].events = p[i].fd < 0 ? 0 : mode != 2 ? POLLIN
				    : POLLRDHUP | (sent[i] < PIPELINE_BYTES ? POLLOUT : 0);
		}
		if (poll(p, (nfds_t)n, 100) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n; i++) {
			char buf[4096];
			bool gone;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (p[i].revents & POLLOUT)
				push(p[i].fd, &sent[i]);
			gone = p[i].revents & (POLLRDHUP | POLLHUP | POLLERR);
			if (!gone && (p[i].revents & POLLIN)) {
				ssize_t r = read(p[i].fd, buf, sizeof(buf));

				gone = r == 0 || (r < 0 && errno != EAGAIN);
			}
			if (gone) {
				close(p[i].fd);
				p[i].fd = -1;
				closed++;
			}
		}
		if (mode == 1 && now_ms() >= next_drip) {
			for (int i = 0; i < n; i++)
				if (p[i].fd >= 0)
					send(p[i].fd, "x", 1, MSG_NOSIGNAL);
			next_drip += 500;
		}
	}
}
