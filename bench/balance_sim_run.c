// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark 3's simulated side: the burst of tests/lib/balance_sim.c with the
 * same gateways, clients and rate as the lab run, for ikelb's balancer (a
 * cross-check of the measured figures) and for the classic policies (every
 * new client to the gateway with the fewest tunnels, or the lowest
 * utilisation, in its last report), which the lab does not run.
 *
 *   balance_sim_run [-r RATE] [-n CLIENTS] [-s REPORT_MS] [-c CONNECT_MS]
 *                   [-m MAX,MAX,...]
 *
 * Prints one line per policy:
 *   POLICY final=F max=M max_at_ms=T no_target=N tunnels=A/B/...
 *   series=D1,D2,...  (largest deviation within each second, points)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tests/lib/balance_sim.h"

#define MAX_SECONDS 600

struct series {
	double max_in_second[MAX_SECONDS];
};

static void trace(void *arg, uint64_t t_ms, const uint32_t *tunnels, unsigned n_gw,
		  double deviation)
{
	struct series *s = arg;
	uint64_t sec = t_ms / 1000;

	(void)tunnels, (void)n_gw;
	if (sec < MAX_SECONDS && deviation > s->max_in_second[sec])
		s->max_in_second[sec] = deviation;
}

static void run(struct balance_sim_params *p, enum balance_sim_policy pol, const char *name)
{
	struct balance_sim_result r;
	struct series s = { 0 };
	uint64_t secs;

	p->policy = pol;
	p->trace = trace;
	p->trace_arg = &s;
	if (balance_sim_run(p, &r)) {
		fprintf(stderr, "balance_sim_run: %s: %s\n", name, strerror(errno));
		exit(1);
	}
	printf("%s final=%.2f max=%.2f max_at_ms=%llu no_target=%llu tunnels=", name,
	       r.final_dev, r.max_dev, (unsigned long long)r.max_dev_at_ms,
	       (unsigned long long)r.no_target);
	for (unsigned i = 0; i < p->n_gw; i++)
		printf("%s%u", i ? "/" : "", r.tunnels[i]);
	secs = r.duration_ms / 1000 + 1;
	printf(" series=");
	for (uint64_t i = 0; i < secs && i < MAX_SECONDS; i++)
		printf("%s%.2f", i ? "," : "", s.max_in_second[i]);
	printf("\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: balance_sim_run [-r RATE] [-n CLIENTS] [-s REPORT_MS] "
			"[-c CONNECT_MS] [-m MAX,MAX,...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct balance_sim_params p;
	int opt;

	balance_sim_defaults(&p);
	while ((opt = getopt(argc, argv, "r:n:s:c:m:")) != -1) {
		switch (opt) {
		case 'r': p.rate = (uint32_t)atoi(optarg); break;
		case 'n': p.clients = (uint32_t)atoi(optarg); break;
		case 's': p.report_ms = (uint32_t)atoi(optarg); break;
		case 'c': p.connect_ms = (uint32_t)atoi(optarg); break;
		case 'm': {
			char *tok, *save = NULL;

			p.n_gw = 0;
			for (tok = strtok_r(optarg, ",", &save); tok && p.n_gw < BALANCE_SIM_MAX_GW;
			     tok = strtok_r(NULL, ",", &save))
				p.max_tunnels[p.n_gw++] = (uint32_t)atoi(tok);
			break;
		}
		default: usage();
		}
	}
	if (optind != argc || !p.rate || !p.clients || !p.n_gw)
		usage();
	run(&p, BALANCE_SIM_BALANCER, "balancer");
	run(&p, BALANCE_SIM_CLASSIC, "classic_fewest_tunnels");
	run(&p, BALANCE_SIM_CLASSIC_UTIL, "classic_lowest_utilisation");
	return 0;
}
