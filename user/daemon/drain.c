// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon/drain.h"

void drain_init(struct drain *d, const char *state_dir, const char *cluster)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s/%s.drain", state_dir, cluster);
	d->saved = true;
}

bool drain_restore(struct drain *d)
{
	char line[DRAIN_REASON_MAX + 16];
	FILE *f = fopen(d->path, "re");

	if (!f) {
		int err = errno;

		/* a file that is there but unreadable was written by a drain */
		if (err != ENOENT)
			log_warn("drain: cannot read %s: %s; taken as drained", d->path,
				 strerror(err));
		d->on = err != ENOENT;
		snprintf(d->reason, sizeof(d->reason), "%s", d->on ? "unreadable state file" : "");
		return d->on;
	}
	d->on = true;
	snprintf(d->reason, sizeof(d->reason), "restored from %.100s", d->path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "since ", 6))
			d->since = (time_t)strtoll(line + 6, NULL, 10);
		else if (!strncmp(line, "reason ", 7))
			snprintf(d->reason, sizeof(d->reason), "%.*s", DRAIN_REASON_MAX - 1, line + 7);
	}
	fclose(f);
	return true;
}

static int fail(struct drain *d, const char *what)
{
	snprintf(d->error, sizeof(d->error), "cannot %s %s: %.80s", what, d->path, strerror(errno));
	d->saved = false;
	return -1;
}

static int save(struct drain *d)
{
	char tmp[PATH_MAX + 8], *slash;
	FILE *f;

	if (!d->on) {
		if (unlink(d->path) && errno != ENOENT)
			return fail(d, "remove");
		d->saved = true;
		return 0;
	}
	/* the directory, when no StateDirectory= made it */
	snprintf(tmp, sizeof(tmp), "%s", d->path);
	slash = strrchr(tmp, '/');
	if (slash && slash != tmp) {
		*slash = 0;
		if (mkdir(tmp, 0750) && errno != EEXIST)
			return fail(d, "make the directory of");
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->path);
	f = fopen(tmp, "we");
	if (!f)
		return fail(d, "write");
	/* no fsync: the loop must not wait for a disk, and the state is the
	 * file's existence, which the rename makes atomic (an empty file
	 * after a power loss still reads as drained) */
	fprintf(f, "drain on\nsince %lld\nreason %s\n", (long long)d->since, d->reason);
	if (fclose(f)) {
		unlink(tmp);
		return fail(d, "write");
	}
	if (rename(tmp, d->path)) {
		unlink(tmp);
		return fail(d, "rename onto");
	}
	d->saved = true;
	return 0;
}

int drain_set(struct drain *d, bool on, const char *reason, time_t now)
{
	if (d->on != on || !d->saved) {
		d->on = on;
		d->since = now;
		snprintf(d->reason, sizeof(d->reason), "%s", reason ? reason : "");
	}
	d->error[0] = 0;
	return save(d);
}
