// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Test loader for the XDP program without the daemon: loads the skeleton,
 * fills config (with the interface's own MAC), one target (index 0) and
 * every slot, attaches through a BPF link in native mode, prints "ready",
 * and on SIGTERM or SIGINT prints the counters (and the sources the
 * answer limit held back) to stderr, detaches and exits 0.
 *
 *   xdp_loader -i IF [-4 VIP4] [-6 VIP6] [-t IDENT] [-T IDENT6]
 *              [-p PORT]... [-n NATT_PORT]... [-d] [-g] [-v VRRP_MAC]
 *              [-s RATE[/BURST]] [-S RATE[/BURST]] [-c]
 *
 * IDENT: the target's identity for requests to VIP4 (IPv4, IPv6 or FQDN),
 * IDENT6 for VIP6.  Ports default to 500 and NAT-T 4500.  -d: drop requests
 * without redirect support and when there is no target (default: pass).
 * -g: answer VLAN-tagged frames.  -v: the VRRP virtual MAC frames may also
 * be sent to.  -s: answers per second and burst per source, -S: for the
 * node (default: no limits; BURST defaults to RATE).  -c: cookies on, with
 * a random secret of version 1; each SIGUSR1 rotates it (a new random
 * secret, version + 1) and prints "rotated VERSION".
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
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ikelb.h"
#include "ikelb.skel.h"
#include "../lib/pkt.h"

static void usage(void)
{
	fprintf(stderr, "usage: xdp_loader -i IF [-4 VIP4] [-6 VIP6] [-t IDENT] [-T IDENT6] "
			"[-p PORT]... [-n NATT_PORT]... [-d] [-g] [-v VRRP_MAC] "
			"[-s RATE[/BURST]] [-S RATE[/BURST]] [-c]\n");
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

/* RATE[/BURST]; BURST defaults to RATE. */
static int parse_limit(const char *arg, uint32_t *rate, uint32_t *burst)
{
	char *end;
	unsigned long r = strtoul(arg, &end, 10), b = r;

	if (end == arg || r > 0xffffffff)
		return -1;
	if (*end == '/') {
		const char *s = end + 1;

		b = strtoul(s, &end, 10);
		if (end == s || b > 0xffffffff)
			return -1;
	}
	if (*end)
		return -1;
	*rate = (uint32_t)r;
	*burst = (uint32_t)b;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc = -1;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
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

/*
 * A new random secret of this version, into entry version & 1: the
 * program then takes it for the current one, and the other entry's for
 * the previous (include/ikelb.h).
 */
static int put_secret(struct ikelb_bpf *skel, uint8_t version)
{
	struct ikelb_cookie_secret s = { .version = version, .valid = 1 };
	uint32_t entry = version & 1;

	if (getrandom(s.key, sizeof(s.key), 0) != sizeof(s.key))
		return -1;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.ikelb_cookies), &entry, &s, BPF_ANY);
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

/* "limited ADDRESS N" for every source the per-source limit held back. */
static void print_limited(struct ikelb_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.ikelb_sources);
	struct ikelb_source_key k, next;
	struct ikelb_source_state st;
	char buf[INET6_ADDRSTRLEN];
	uint8_t a[16];
	int more = !bpf_map_get_next_key(fd, NULL, &k);

	while (more) {
		if (!bpf_map_lookup_elem(fd, &k, &st) && st.limited) {
			memset(a, 0, sizeof(a));
			memcpy(a, k.prefix, 8);
			inet_ntop(k.family == IKELB_FAM_V6 ? AF_INET6 : AF_INET, a, buf, sizeof(buf));
			fprintf(stderr, "limited %s%s %llu\n", buf,
				k.family == IKELB_FAM_V6 ? "/64" : "",
				(unsigned long long)st.limited);
		}
		more = !bpf_map_get_next_key(fd, &k, &next);
		k = next;
	}
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
	uint8_t version = 1;
	sigset_t sigs;
	int opt, sig, ports = 0;

	while ((opt = getopt(argc, argv, "i:4:6:t:T:p:n:dgv:s:S:c")) != -1) {
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
		case 'g':
			cfg.answer_tagged = 1;
			break;
		case 'v':
			if (parse_mac(optarg, cfg.vrrp_mac))
				usage();
			break;
		case 's':
			if (parse_limit(optarg, &cfg.rate_per_source, &cfg.burst_per_source))
				usage();
			break;
		case 'S':
			if (parse_limit(optarg, &cfg.rate_total, &cfg.burst_total))
				usage();
			break;
		case 'c':
			cfg.cookie_mode = IKELB_COOKIES_ON;
			break;
		default:
			usage();
		}
	}
	if (!ifname || optind != argc || !(ifindex = if_nametoindex(ifname)))
		usage();
	if (!ports && (add_port(&cfg, "500", 0) || add_port(&cfg, "4500", 1)))
		return 1;
	if (if_mac(ifname, cfg.mac)) {
		fprintf(stderr, "xdp_loader: the MAC of %s: %s\n", ifname, strerror(errno));
		return 1;
	}

	/* Signals are taken with sigwait, so block them before anything runs. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	skel = ikelb_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "xdp_loader: loading the program: %s\n", strerror(errno));
		return 1;
	}
	if (fill_maps(skel, &cfg, &tgt) ||
	    (cfg.cookie_mode == IKELB_COOKIES_ON && put_secret(skel, version))) {
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
	for (;;) {
		sigwait(&sigs, &sig);
		if (sig != SIGUSR1)
			break;
		if (cfg.cookie_mode != IKELB_COOKIES_ON)
			continue;
		if (put_secret(skel, ++version)) {
			fprintf(stderr, "xdp_loader: rotating the secret: %s\n", strerror(errno));
			continue;
		}
		printf("rotated %u\n", version);
		fflush(stdout);
	}
	print_counters(skel);
	print_limited(skel);
	bpf_link__destroy(link);
	ikelb_bpf__destroy(skel);
	return 0;
}
