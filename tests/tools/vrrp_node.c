// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Test tool: one VRRPv3 router on one interface, built from the daemon's
 * modules (vrrp_speaker = fsm + net + proto).  Prints each role change as
 * one line, "MASTER <reason>" / "BACKUP <reason>" / "INIT <reason>", adds
 * the VIP with ip(8) on becoming master and removes it on leaving, and on
 * SIGTERM / SIGINT resigns (priority 0) and exits.
 *
 *   vrrp_node -i IF -r VRID -p PRIO [-a INTERVAL_MS] [-n] [-4 VIP] [-6 VIP6]
 *             [-u PEER]...       (-n: no preempt; -u: unicast peer)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "vrrp/vrrp_speaker.h"

struct node {
	const char *ifname;
	bool owner; /* priority 255: the VIP is our own address, never touched */
	struct vrrp_speaker sp[2];
	struct ip_addr vip[2];
	bool used[2];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void vip_cmd(const char *op, const struct ip_addr *vip, const char *ifname)
{
	char a[INET6_ADDRSTRLEN], cmd[256];

	ip_addr_str(vip, a, sizeof(a));
	snprintf(cmd, sizeof(cmd), "ip addr %s %s/%d dev %s%s 2>/dev/null", op, a,
		 vip->family == AF_INET ? 32 : 128, ifname,
		 vip->family == AF_INET6 && !strcmp(op, "add") ? " nodad" : "");
	if (system(cmd) != 0 && !strcmp(op, "add"))
		fprintf(stderr, "vrrp_node: %s failed\n", cmd);
}

static void on_role(void *ctx, struct vrrp_speaker *s, const struct vrrp_action *act)
{
	struct node *n = ctx;
	int i = s == &n->sp[0] ? 0 : 1;

	if (n->owner)
		;
	else if (act->to == VRRP_STATE_MASTER)
		vip_cmd("add", &n->vip[i], n->ifname);
	else if (act->from == VRRP_STATE_MASTER)
		vip_cmd("del", &n->vip[i], n->ifname);
	printf("%s%s %s\n", i ? "IPV6 " : "", vrrp_state_name(act->to), act->reason);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: vrrp_node -i IF -r VRID -p PRIO [-a INTERVAL_MS] [-n] "
			"[-4 VIP] [-6 VIP6] [-u PEER]...\n");
	exit(2);
}

static int parse_ip(const char *s, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	return inet_pton(a->family, s, &a->v6) == 1 ? 0 : -1;
}

/* The interface may still lack its link-local address right after it came
 * up: retry for a few seconds. */
static int open_speaker(struct node *n, int i, struct vrrp_speaker_config *c)
{
	for (int tries = 0; tries < 50; tries++) {
		if (vrrp_speaker_open(&n->sp[i], c, now_ms()) == 0)
			return 0;
		if (errno != EADDRNOTAVAIL)
			return -1;
		usleep(100000);
	}
	return -1;
}

static void print_counters(const struct vrrp_speaker *s)
{
	const struct vrrp_counters *c = &s->cnt;

	fprintf(stderr,
		"counters %s: received %llu accepted %llu sent %llu bad_ttl %llu bad_length %llu "
		"bad_version %llu bad_type %llu no_addrs %llu bad_checksum %llu other_vrid %llu "
		"bad_interval %llu own %llu\n",
		s->net.family == AF_INET ? "ipv4" : "ipv6", (unsigned long long)c->received,
		(unsigned long long)c->accepted, (unsigned long long)c->sent,
		(unsigned long long)c->bad_ttl, (unsigned long long)c->bad_length,
		(unsigned long long)c->bad_version, (unsigned long long)c->bad_type,
		(unsigned long long)c->no_addrs, (unsigned long long)c->bad_checksum,
		(unsigned long long)c->other_vrid, (unsigned long long)c->bad_interval,
		(unsigned long long)c->own);
}

int main(int argc, char **argv)
{
	static struct node n;
	struct vrrp_speaker_config c = { .preempt = true, .interval_cs = 100, .on_role = on_role,
					 .ctx = &n };
	struct ip_addr peers[CFG_MAX_PEERS];
	struct pollfd pfd[3];
	sigset_t sigs;
	int opt, sfd;

	while ((opt = getopt(argc, argv, "i:r:p:a:n4:6:u:v")) != -1) {
		switch (opt) {
		case 'i':
			n.ifname = optarg;
			break;
		case 'r':
			c.vrid = (uint8_t)atoi(optarg);
			break;
		case 'p':
			c.priority = (uint8_t)atoi(optarg);
			break;
		case 'a':
			c.interval_cs = (uint16_t)(atoi(optarg) / 10);
			break;
		case 'n':
			c.preempt = false;
			break;
		case '4':
		case '6':
			if (parse_ip(optarg, &n.vip[opt == '6']) < 0 ||
			    n.vip[opt == '6'].family != (opt == '4' ? AF_INET : AF_INET6))
				usage();
			n.used[opt == '6'] = true;
			break;
		case 'u':
			if (c.n_peers == CFG_MAX_PEERS || parse_ip(optarg, &peers[c.n_peers]) < 0)
				usage();
			c.n_peers++;
			break;
		case 'v':
			log_set_level(LOG_LVL_DEBUG);
			break;
		default:
			usage();
		}
	}
	if (!n.ifname || !c.vrid || !c.priority || (!n.used[0] && !n.used[1]))
		usage();
	c.ifname = n.ifname;
	c.peers = peers;
	n.owner = c.priority == 255;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (int i = 0; i < 2; i++) {
		pfd[i + 1] = (struct pollfd){ .fd = -1, .events = POLLIN };
		if (!n.used[i])
			continue;
		c.family = i ? AF_INET6 : AF_INET;
		c.vips = &n.vip[i];
		c.n_vips = 1;
		/* a killed predecessor may have left the VIP behind */
		if (!n.owner)
			vip_cmd("del", &n.vip[i], n.ifname);
		if (open_speaker(&n, i, &c) < 0) {
			fprintf(stderr, "vrrp_node: cannot open the %s speaker on %s\n",
				i ? "IPv6" : "IPv4", n.ifname);
			return 1;
		}
		pfd[i + 1].fd = vrrp_speaker_fd(&n.sp[i]);
		vrrp_speaker_start(&n.sp[i], now_ms());
	}
	for (;;) {
		uint64_t deadline = VRRP_NO_DEADLINE, now = now_ms();
		int timeout;

		for (int i = 0; i < 2; i++)
			if (n.used[i] && vrrp_speaker_deadline(&n.sp[i]) < deadline)
				deadline = vrrp_speaker_deadline(&n.sp[i]);
		timeout = deadline == VRRP_NO_DEADLINE ? -1 :
			  deadline <= now		? 0 :
							  (int)(deadline - now);
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
			return 1;
		if (pfd[0].revents & POLLIN)
			break;
		now = now_ms();
		for (int i = 0; i < 2; i++) {
			if (!n.used[i])
				continue;
			if (pfd[i + 1].revents & POLLIN)
				vrrp_speaker_readable(&n.sp[i], now);
			vrrp_speaker_timer(&n.sp[i], now);
		}
	}
	for (int i = 0; i < 2; i++) {
		if (!n.used[i])
			continue;
		vrrp_speaker_stop(&n.sp[i], now_ms());
		print_counters(&n.sp[i]);
		vrrp_speaker_close(&n.sp[i]);
	}
	return 0;
}
