// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "base/sock.h"

int sock_setopt(int fd, int level, int name, const void *val, socklen_t len, const char *who,
		const char *what)
{
	int e;

	if (setsockopt(fd, level, name, val, len) == 0)
		return 0;
	e = errno;
	log_err("%s: socket option %s: %s", who, what, strerror(e));
	errno = e;
	return -1;
}

int sock_setint(int fd, int level, int name, int val, const char *who, const char *what)
{
	return sock_setopt(fd, level, name, &val, sizeof(val), who, what);
}
