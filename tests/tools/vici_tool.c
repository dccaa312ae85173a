// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Drives the VICI client (user/vici_conn.c, vici_query.c, vici_sync.c)
 * against a real charon in tests:
 *   vici_tool SOCKET redirect IKE_ID GATEWAY   prints "matches=N"
 *   vici_tool SOCKET events SECONDS EVENT...   registers, prints "ready", then
 *       each event as one line "NAME path=value ..." (the connection driven
 *       by an epoll loop, as the daemon drives it)
 *   vici_tool SOCKET call COMMAND              prints the response flattened
 * Failures print "error: REASON" and exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "ike/vici_conn.h"
#include "ike/vici_query.h"
#include "ike/vici_sync.h"

#define TIMEOUT_MS 5000

static void print_flat(const struct vic_node *n, const char *prefix)
{
	const struct vic_node *c;
	char path[1024];

	for (c = n->child; c; c = c->next) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", c->name);
		switch (c->type) {
		case VIC_N_KV:
			printf(" %s=%s", path, c->value);
			break;
		case VIC_N_SECTION:
			print_flat(c, path);
			break;
		case VIC_N_LIST:
			printf(" %s=[", path);
			for (const struct vic_node *i = c->child; i; i = i->next)
				printf("%s%s", i->value, i->next ? "," : "");
			printf("]");
			break;
		case VIC_N_ITEM:
			break;
		}
	}
}

static void on_event(void *ctx, const char *name, const struct vic_node *msg)
{
	(void)ctx;
	printf("%s", name);
	print_flat(msg, "");
	printf("\n");
	fflush(stdout);
}

static int fail(const char *why)
{
	printf("error: %s\n", why);
	return 1;
}

static int events(struct vic_conn *c, int secs, char **names, int n)
{
	struct epoll_event ev = { .events = EPOLLIN };
	time_t end = time(NULL) + secs;
	struct vic_sync_result r;
	int ep, i;

	for (i = 0; i < n; i++)
		if (vic_sync_subscribe(c, names[i], on_event, NULL, TIMEOUT_MS, &r))
			return fail(r.why);
	printf("ready\n");
	fflush(stdout);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, vic_conn_fd(c), &ev) < 0) {
		printf("error: epoll: %s\n", strerror(errno));
		return 1;
	}
	while (time(NULL) < end) {
		int rc = epoll_wait(ep, &ev, 1, 200);

		if (rc < 0 && errno != EINTR) {
			printf("error: epoll_wait: %s\n", strerror(errno));
			return 1;
		}
		if (rc > 0 && vic_conn_on_readable(c))
			return fail(vic_conn_error(c));
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vic_sync_result res = { 0 };
	struct vic_conn *c;
	struct vic_node *r;

	if (argc < 3)
		goto usage;
	c = vic_conn_new();
	if (!c)
		return fail("out of memory");
	if (vic_conn_connect(c, argv[1]))
		return fail(vic_conn_error(c));
	if (!strcmp(argv[2], "redirect") && argc == 5) {
		/* the query the daemon uses */
		if (vic_sync_finish(c,
				    vic_query_redirect(c, (uint32_t)strtoul(argv[3], NULL, 10),
						       argv[4], vic_sync_deadline(TIMEOUT_MS),
						       vic_sync_count, &res),
				    &res))
			return fail(res.why);
		printf("matches=%llu\n", (unsigned long long)res.count);
		vic_conn_free(c);
		return 0;
	}
	if (!strcmp(argv[2], "events") && argc >= 5)
		return events(c, atoi(argv[3]), argv + 4, argc - 4);
	if (!strcmp(argv[2], "call") && argc == 4) {
		if (vic_sync_command(c, argv[3], NULL, TIMEOUT_MS, &r, &res))
			return fail(res.why);
		printf("%s", argv[3]);
		print_flat(r, "");
		printf("\n");
		vic_tree_free(r);
		vic_conn_free(c);
		return 0;
	}
usage:
	fprintf(stderr, "usage: vici_tool SOCKET redirect IKE_ID GATEWAY | events SECONDS EVENT... "
			"| call COMMAND\n");
	return 2;
}
