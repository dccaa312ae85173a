// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Test loader for the XDP program until the daemon does it: loads the
 * skeleton, fills config, one target (index 0) and every slot, attaches
 * through a BPF link in native mode, prints "ready", and on SIGTERM or
 * SIGINT prints the counters to stderr, detaches and exits 0.
 *
 *   xdp_loader -i IF [-4 VIP4] [-6 VIP6] [-t IDENT] [-T IDENT6]
 *              [-p PORT]... [-n NATT_PORT]... [-d]
 * IDENT: the target's identity for requests to VIP4 (IPv4, IPv6 or FQDN),
 * IDENT6 for VIP6.  Ports default to 500 and NAT-T 4500.  -d: drop requests
 * without redirect support and when there is no target (default: pass).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ikelb.h"
#include "ikelb.skel.h"
#include "../lib/pkt.h"

static void usage(void)
{
	fprintf(stderr, "usage: xdp_loader -i IF [-4 VIP4] [-6 VIP6] [-t IDENT] [-T IDENT6] "
			"[-p PORT]... [-n NATT_PORT]... [-d]\n");
	exit(2);
}

static int add_port(struct ikelb_config *c, const char *arg, int natt)
{
	char *end;
	long p = strtol(arg, &end, 10);
	int i;

	if (*end || p < 1 || p > 65535)
		return -1;
	for (i = 0; i < IKELB_MAX_PORTS && c->ports[i]; i++)
		;
	if (i == IKELB_MAX_PORTS)
		return -1;
	c->ports[i] = htons((uint16_t)p);
	c->port_natt[i] = (uint8_t)natt;
	return 0;
}

static int set_ident(struct ikelb_gw_id *gw, const char *text)
{
	struct pkt_gw_ident id;

	if (!pkt_gw_ident_parse(&id, text))
		return -1;
	gw->type = id.type;
	gw->len = id.len;
	memcpy(gw->data, id.data, id.len);
	return 0;
}

static int fill_maps(struct ikelb_bpf *skel, const struct ikelb_config *cfg,
		     const struct ikelb_target *t)
{
	struct ikelb_slot slot = { .target = 0 };
	uint32_t zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(skel->maps.ikelb_config), &zero, cfg, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.ikelb_targets), &zero, t, BPF_ANY))
		return -1;
	/* both tables (plan and spill) name target 0; no budgets */
	for (uint32_t k = 0; k < IKELB_TABLES * IKELB_FAMILIES * IKELB_SLOTS; k++)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.ikelb_slots), &k, &slot, BPF_ANY))
			return -1;
	return 0;
}

static void print_counters(struct ikelb_bpf *skel)
{
	static const char *const names[] = IKELB_COUNTER_NAMES;
	int ncpus = libbpf_num_possible_cpus();
	struct ikelb_counters *v;
	uint32_t zero = 0;

	if (ncpus <= 0 || !(v = calloc((size_t)ncpus, sizeof(*v))))
		return;
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.ikelb_counters), &zero, v)) {
		for (int i = 0; i < IKELB_CNT_MAX; i++) {
			unsigned long long sum = 0;

			for (int c = 0; c < ncpus; c++)
				sum += ((const uint64_t *)&v[c])[i];
			fprintf(stderr, "%s %llu\n", names[i], sum);
		}
	}
	free(v);
}

int main(int argc, char **argv)
{
	struct ikelb_config cfg = { 0 };
	struct ikelb_target tgt = { .active = 1 };
	const char *ifname = NULL;
	struct ikelb_bpf *skel;
	struct bpf_link *link;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	unsigned int ifindex;
	sigset_t sigs;
	int opt, sig, ports = 0;

	while ((opt = getopt(argc, argv, "i:4:6:t:T:p:n:d")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case '4':
			if (inet_pton(AF_INET, optarg, &cfg.vip4) != 1)
				usage();
			cfg.vip4_active = 1;
			break;
		case '6':
			if (inet_pton(AF_INET6, optarg, cfg.vip6) != 1)
				usage();
			cfg.vip6_active = 1;
			break;
		case 't':
		case 'T':
			if (set_ident(&tgt.id[opt == 't' ? IKELB_FAM_V4 : IKELB_FAM_V6], optarg))
				usage();
			break;
		case 'p':
		case 'n':
			if (add_port(&cfg, optarg, opt == 'n'))
				usage();
			ports = 1;
			break;
		case 'd':
			cfg.unsupported_action = IKELB_ACT_DROP;
			cfg.no_target_action = IKELB_ACT_DROP;
			break;
		default:
			usage();
		}
	}
	if (!ifname || optind != argc || !(ifindex = if_nametoindex(ifname)))
		usage();
	if (!ports && (add_port(&cfg, "500", 0) || add_port(&cfg, "4500", 1)))
		return 1;

	/* Signals are taken with sigwait, so block them before anything runs. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	skel = ikelb_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "xdp_loader: loading the program: %s\n", strerror(errno));
		return 1;
	}
	if (fill_maps(skel, &cfg, &tgt)) {
		fprintf(stderr, "xdp_loader: filling maps: %s\n", strerror(errno));
		ikelb_bpf__destroy(skel);
		return 1;
	}
	link = bpf_program__attach_xdp(skel->progs.ikelb_xdp, (int)ifindex);
	if (!link) {
		fprintf(stderr, "xdp_loader: attaching to %s: %s\n", ifname, strerror(errno));
		ikelb_bpf__destroy(skel);
		return 1;
	}
	if (bpf_xdp_query((int)ifindex, 0, &q) || q.attach_mode != XDP_ATTACHED_DRV) {
		fprintf(stderr, "xdp_loader: %s: not attached in native mode\n", ifname);
		bpf_link__destroy(link);
		ikelb_bpf__destroy(skel);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&sigs, &sig);
	print_counters(skel);
	bpf_link__destroy(link);
	ikelb_bpf__destroy(skel);
	return 0;
}
