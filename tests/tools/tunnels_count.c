// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Prints a node's tunnel count for a `tunnels =` spec, or "error: REASON".
 *   tunnels_count [-x ADDR]... [-t MS] [-l] SPEC
 * -x: a local address whose IKE_SAs are not counted (vici; repeatable).
 * -l: one read per line on stdin, with one source kept open throughout
 *     (tests the reconnect behaviour); otherwise one read.
 * Exit status: 0 when the (last) read succeeded, 1 when it failed, 2 usage.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ike/tunnels.h"

static int usage(void)
{
	fprintf(stderr, "usage: tunnels_count [-x ADDR]... [-t MS] [-l] SPEC\n");
	return 2;
}

static int read_once(struct tunnels_src *s)
{
	char why[512];
	uint64_t n;

	if (tunnels_read(s, &n, why, sizeof(why))) {
		printf("error: %s\n", why);
		fflush(stdout);
		return 1;
	}
	printf("%llu\n", (unsigned long long)n);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct ip_addr ex[TUNNELS_MAX_EXCLUDE];
	unsigned n_ex = 0;
	struct tunnels_src s;
	int timeout = -1, loop = 0, opt, rc = 0;
	char why[512], line[64];

	while ((opt = getopt(argc, argv, "x:t:l")) != -1) {
		switch (opt) {
		case 'x':
			if (n_ex == TUNNELS_MAX_EXCLUDE)
				return usage();
			memset(&ex[n_ex], 0, sizeof(ex[n_ex]));
			if (inet_pton(AF_INET, optarg, &ex[n_ex].v4) == 1)
				ex[n_ex].family = AF_INET;
			else if (inet_pton(AF_INET6, optarg, &ex[n_ex].v6) == 1)
				ex[n_ex].family = AF_INET6;
			else
				return usage();
			n_ex++;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'l':
			loop = 1;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	if (tunnels_init_spec(&s, argv[optind], why, sizeof(why))) {
		printf("error: %s\n", why);
		return 2;
	}
	if (timeout > 0)
		s.timeout_ms = timeout;
	if (n_ex && tunnels_exclude(&s, ex, n_ex)) {
		printf("error: exclusions need a vici source\n");
		return 2;
	}
	if (!loop)
		rc = read_once(&s);
	else
		while (fgets(line, sizeof(line), stdin))
			rc = read_once(&s);
	tunnels_close(&s);
	return rc;
}
