// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Drives user/vici.c against a real charon in tests:
 *   vici_tool SOCKET redirect IKE_ID GATEWAY   prints "matches=N"
 *   vici_tool SOCKET events SECONDS EVENT...   registers, prints "ready", then
 *       each event as one line "NAME path=value ..." (non-blocking mode, epoll)
 *   vici_tool SOCKET call COMMAND              prints the response flattened
 * Failures print "error: REASON" and exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "vici.h"

#define TIMEOUT_MS 5000

static void print_flat(const struct vici_node *n, const char *prefix)
{
	const struct vici_node *c;
	char path[1024];

	for (c = n->child; c; c = c->next) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", c->name);
		switch (c->type) {
		case VICI_N_KV:
			printf(" %s=%s", path, c->value);
			break;
		case VICI_N_SECTION:
			print_flat(c, path);
			break;
		case VICI_N_LIST:
			printf(" %s=[", path);
			for (const struct vici_node *i = c->child; i; i = i->next)
				printf("%s%s", i->value, i->next ? "," : "");
			printf("]");
			break;
		case VICI_N_ITEM:
			break;
		}
	}
}

static void on_event(void *ctx, const char *name, const struct vici_node *msg)
{
	(void)ctx;
	printf("%s", name);
	print_flat(msg, "");
	printf("\n");
	fflush(stdout);
}

static int fail(struct vici_conn *c)
{
	printf("error: %s\n", vici_error(c));
	return 1;
}

static int events(struct vici_conn *c, int secs, char **names, int n)
{
	struct epoll_event ev = { .events = EPOLLIN };
	time_t end = time(NULL) + secs;
	int ep, i;

	vici_set_event_handler(c, on_event, NULL);
	for (i = 0; i < n; i++)
		if (vici_register(c, names[i], TIMEOUT_MS))
			return fail(c);
	printf("ready\n");
	fflush(stdout);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, vici_fd(c), &ev) < 0) {
		printf("error: epoll: %s\n", strerror(errno));
		return 1;
	}
	while (time(NULL) < end) {
		int rc = epoll_wait(ep, &ev, 1, 200);

		if (rc < 0 && errno != EINTR) {
			printf("error: epoll_wait: %s\n", strerror(errno));
			return 1;
		}
		if (rc > 0 && vici_process(c))
			return fail(c);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vici_conn c;
	struct vici_node *r;
	unsigned matches;

	if (argc < 3)
		goto usage;
	vici_conn_init(&c);
	if (vici_connect(&c, argv[1], TIMEOUT_MS))
		return fail(&c);
	if (!strcmp(argv[2], "redirect") && argc == 5) {
		if (vici_redirect(&c, (uint32_t)strtoul(argv[3], NULL, 10), argv[4], TIMEOUT_MS,
				  &matches))
			return fail(&c);
		printf("matches=%u\n", matches);
		return 0;
	}
	if (!strcmp(argv[2], "events") && argc >= 5)
		return events(&c, atoi(argv[3]), argv + 4, argc - 4);
	if (!strcmp(argv[2], "call") && argc == 4) {
		if (vici_call(&c, argv[3], NULL, TIMEOUT_MS, &r))
			return fail(&c);
		printf("%s", argv[3]);
		print_flat(r, "");
		printf("\n");
		vici_free(r);
		return 0;
	}
usage:
	fprintf(stderr, "usage: vici_tool SOCKET redirect IKE_ID GATEWAY | events SECONDS EVENT... "
			"| call COMMAND\n");
	return 2;
}
