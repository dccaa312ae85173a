/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Socket options with the failure logged once, in one form for every module. */
#ifndef IKELB_BASE_SOCK_H
#define IKELB_BASE_SOCK_H

#include <sys/socket.h>

/*
 * setsockopt(fd, level, name, val, len); on failure logs
 * "<who>: socket option <what>: <strerror>" and returns -1 (errno kept).
 */
int sock_setopt(int fd, int level, int name, const void *val, socklen_t len, const char *who,
		const char *what);
/* The same for an int option. */
int sock_setint(int fd, int level, int name, int val, const char *who, const char *what);

#endif
