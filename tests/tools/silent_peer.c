// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Test tool: the peer that never answers, on a unix stream socket.
 *
 *   silent_peer listen PATH   accepts every connection on PATH, reads what
 *                             comes and never writes (a hung IKE daemon's
 *                             VICI socket)
 *   silent_peer connect PATH  connects to PATH and says nothing; when the
 *                             server drops it, connects again (a control
 *                             client that stays silent, for ever)
 *
 * Runs until killed.  "ready" on stdout once listening / first connected.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CONNS 64

static int addr_of(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	strcpy(sun->sun_path, path);
	return 0;
}

static int do_listen(const char *path)
{
	struct pollfd p[MAX_CONNS + 1];
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), n = 1;

	unlink(path);
	if (fd < 0 || addr_of(path, &sun) || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(fd, 64)) {
		perror("silent_peer: listen");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	p[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			return 1;
		if ((p[0].revents & POLLIN) && n <= MAX_CONNS) {
			int c = accept(fd, NULL, NULL);

			if (c >= 0)
				p[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
		}
		for (int i = 1; i < n; i++) {
			char buf[4096];

			if (!p[i].revents)
				continue;
			if (read(p[i].fd, buf, sizeof(buf)) <= 0) {
				close(p[i].fd);
				p[i--] = p[--n];
			}
		}
	}
}

static int do_connect(const char *path)
{
	struct sockaddr_un sun;
	int first = 1;

	if (addr_of(path, &sun))
		return 1;
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char c;

		if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
			if (fd >= 0)
				close(fd);
			usleep(10000);
			continue;
		}
		if (first) {
			printf("ready\n");
			fflush(stdout);
			first = 0;
		}
		while (read(fd, &c, 1) > 0) /* until the server drops us */
			;
		close(fd);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2]);
	fprintf(stderr, "usage: silent_peer listen|connect PATH\n");
	return 2;
}
