// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "base/log.h"

static enum log_level level = LOG_LVL_INFO;

/* log_never_block: how stderr is written, and what was dropped */
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static enum { OUT_PLAIN, OUT_PIPE, OUT_SOCKET } out_kind = OUT_PLAIN;
static int out_fd = 2; /* a pipe: our own non-blocking open of it */
static unsigned long long dropped, dropped_told;
static bool torn; /* a line went out in part: the next one starts anew */

void log_set_level(enum log_level lvl) { level = lvl; }
enum log_level log_get_level(void) { return level; }

/* sd-daemon(3) priority prefixes, so journald keeps the level. */
static const char *const prefix[] = { "<3>error: ", "<4>warning: ", "<6>", "<7>debug: " };
static const char *const plain[] = { "error: ", "warning: ", "", "debug: " };

/* One write that never waits: false when nothing (or part) went out. */
static bool put_now(const char *line, size_t len)
{
	ssize_t w = out_kind == OUT_SOCKET ? send(2, line, len, MSG_DONTWAIT | MSG_NOSIGNAL)
					   : write(out_fd, line, len);

	if (w == (ssize_t)len)
		return true;
	if (w > 0)
		torn = true;
	return false;
}

/* A line for a pipe or a socket: whole, or dropped and counted. */
static void emit(const char *prefix, const char *msg, const char *warn)
{
	char line[1200], note[96];
	int n;

	pthread_mutex_lock(&out_mu);
	if (dropped > dropped_told) {
		/* the reader caught up: say what it missed first */
		n = snprintf(note, sizeof(note), "%s%s%llu log lines dropped: stderr was full\n",
			     torn ? "\n" : "", warn, dropped - dropped_told);
		if (n > 0 && put_now(note, (size_t)n)) {
			dropped_told = dropped;
			torn = false;
		}
	}
	n = snprintf(line, sizeof(line), "%s%s%s\n", torn ? "\n" : "", prefix, msg);
	if (n > 0 && (size_t)n >= sizeof(line))
		n = sizeof(line) - 1, line[n - 1] = '\n';
	if (n > 0 && put_now(line, (size_t)n))
		torn = false;
	else
		dropped++;
	pthread_mutex_unlock(&out_mu);
}

void log_never_block(void)
{
	struct stat st;
	int fd;

	if (fstat(2, &st))
		return;
	fflush(stderr);
	if (S_ISSOCK(st.st_mode)) {
		out_kind = OUT_SOCKET; /* MSG_DONTWAIT: the socket's flags stay */
	} else if (S_ISFIFO(st.st_mode) &&
		   (fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0) {
		/* O_NONBLOCK on fd 2 itself would be the pipe's shared file
		 * description: the notify script and whoever else writes to
		 * the pipe would get EAGAIN.  Opening it anew gives us a
		 * description of our own on the same pipe. */
		out_fd = fd;
		out_kind = OUT_PIPE;
	}
}

unsigned long long log_dropped(void)
{
	unsigned long long n;

	pthread_mutex_lock(&out_mu);
	n = dropped;
	pthread_mutex_unlock(&out_mu);
	return n;
}

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	static int journal = -1;
	char buf[1024];
	size_t n;

	if (lvl > level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	if (out_kind == OUT_PLAIN) {
		fprintf(stderr, "%s%s\n", journal ? prefix[lvl] : plain[lvl], buf);
		return;
	}
	emit(journal ? prefix[lvl] : plain[lvl], buf,
	     journal ? prefix[LOG_LVL_WARN] : plain[LOG_LVL_WARN]);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lvl, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	/* libbpf's debug output (verifier logs among it) only with -v */
	enum log_level lvl = l == LIBBPF_WARN ? LOG_LVL_WARN : LOG_LVL_DEBUG;
	char buf[1024];

	if (lvl > level)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_msg(lvl, "libbpf: %s", buf);
	return 0;
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
