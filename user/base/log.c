// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "base/log.h"

static enum log_level level = LOG_LVL_INFO;

void log_set_level(enum log_level lvl) { level = lvl; }
enum log_level log_get_level(void) { return level; }

/* sd-daemon(3) priority prefixes, so journald keeps the level. */
static const char *const prefix[] = { "<3>error: ", "<4>warning: ", "<6>", "<7>debug: " };
static const char *const plain[] = { "error: ", "warning: ", "", "debug: " };

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
	fprintf(stderr, "%s%s\n", journal ? prefix[lvl] : plain[lvl], buf);
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
	enum log_level lvl = l == LIBBPF_WARN ? LOG_LVL_WARN :
			     l == LIBBPF_INFO ? LOG_LVL_DEBUG : LOG_LVL_DEBUG;
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
