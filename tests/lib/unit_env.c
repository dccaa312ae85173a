// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/loop.h"
#include "base/rundir.h"
#include "unit_env.h"

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

int unit_private_namespaces(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		fprintf(stderr, "unshare: %s (these tests need root)\n", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", "/run", "tmpfs", 0, "mode=0755") || mkdir(RUN_DIR, 0755) || lo_up()) {
		fprintf(stderr, "private /run or lo: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

struct config *unit_config(const char *text)
{
	struct config *c = malloc(sizeof(*c));
	struct cfg_errors e = {};

	if (!c)
		return NULL;
	if (config_parse_string(text, "test.conf", c, &e)) {
		for (unsigned i = 0; i < e.n; i++)
			fprintf(stderr, "%s\n", e.msg[i]);
		cfg_errors_free(&e);
		free(c);
		return NULL;
	}
	cfg_errors_free(&e);
	return c;
}

void unit_config_free(struct config *c)
{
	if (!c)
		return;
	config_free(c);
	free(c);
}

int unit_key_file(char path[64], uint8_t fill)
{
	int fd;

	snprintf(path, 64, "/tmp/ikelb-unit-key.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	fchmod(fd, 0600);
	for (int i = 0; i < 32; i++)
		dprintf(fd, "%02x", fill);
	dprintf(fd, "\n");
	close(fd);
	return 0;
}

int unit_key_file_at(const char *path, uint8_t fill)
{
	char tmp[80];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	for (int i = 0; i < 32; i++)
		dprintf(fd, "%02x", fill);
	dprintf(fd, "\n");
	close(fd);
	return rename(tmp, path);
}

bool unit_pump_until(struct loop *l, bool (*done)(void *arg), void *arg, unsigned max_ms)
{
	for (unsigned i = 0; i < max_ms; i++) {
		loop_run_once(l, 0);
		if (done(arg))
			return true;
		usleep(1000);
	}
	return done(arg);
}
