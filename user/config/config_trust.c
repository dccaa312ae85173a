// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The files the daemon runs or believes with its privileges (CAP_NET_ADMIN
 * and the others): whoever may write them may steer the node, so they are
 * refused unless only root or the daemon's own user can (config.h).  The
 * key file has its own, stricter rule (cluster/keyfile.h: not readable by
 * others either).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t len, const char *fmt,
							...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

int config_file_trusted(const char *path, char *why, size_t len)
{
	struct stat st;
	unsigned mode;

	/* stat, not lstat: a symlink to a trusted file is fine (as for the key) */
	if (stat(path, &st) < 0)
		return refuse(why, len, "%s", strerror(errno));
	mode = st.st_mode & 07777;
	if (!S_ISREG(st.st_mode))
		return refuse(why, len, "not a regular file");
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return refuse(why, len,
			      "owned by uid %u, neither root nor this process's user (uid %u)",
			      (unsigned)st.st_uid, (unsigned)geteuid());
	if (mode & S_IWOTH)
		return refuse(why, len, "writable by others (mode %04o); chmod o-w it", mode);
	if (mode & S_IWGRP)
		return refuse(why, len, "group-writable (mode %04o); chmod g-w it", mode);
	return 0;
}

static int add(struct cfg_errors *errs, const char *what, const char *path, const char *why)
{
	char **m = realloc(errs->msg, (errs->n + 1) * sizeof(*m));
	char *msg = NULL;

	if (!m)
		return -1;
	errs->msg = m;
	if (asprintf(&msg, "%s: %s%srefused: %s", path, what, *what ? ": " : "", why) < 0)
		return -1;
	errs->msg[errs->n++] = msg;
	return 0;
}

int config_check_files(const struct config *c, struct cfg_errors *errs)
{
	char why[256];
	int rc = 0;

	errs->msg = NULL;
	errs->n = 0;
	if (config_file_trusted(c->path, why, sizeof(why))) {
		add(errs, "", c->path, why);
		rc = -1;
	}
	if (c->notify[0] && config_file_trusted(c->notify, why, sizeof(why))) {
		add(errs, "[vrrp] notify script", c->notify, why);
		rc = -1;
	}
	return rc;
}
