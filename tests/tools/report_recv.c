// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * report_recv: receives load reports for a while with the daemon's own
 * socket, member table and clock handling (an epoll loop, as the daemon
 * runs it), then prints the member table and the counters:
 *
 *   ready                                  (once the socket is open)
 *   member node=gw-a alive=1 usable=1 why=usable state=active tunnels=3
 *          max=100 address=198.18.0.1 address6=- epoch=0x.. seq=N
 *          age_ms=N reports=N reason="..."  (one line each)
 *   counters received=N accepted=N malformed=N ... vip_identity=N
 *   net truncated=N recv_errors=N
 *
 * Member events (joined, dead, restarted) are logged to stderr.
 */
#include <getopt.h>
#include <inttypes.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "cluster/keyfile.h"
#include "base/log.h"
#include "cluster/members.h"
#include "report_common.h"
#include "cluster/report_socket.h"

#define TICK_MS 50

static void usage(void)
{
	fprintf(stderr,
		"usage: report_recv --key FILE --cluster NAME --seconds S\n"
		"       [--group G --ifname IF | --peer IP ...] [--port P] [--self ID]\n"
		"       [--dead-after-ms MS] [--forget-after-ms MS] [--vip4 IP] [--vip6 IP] [-v]\n");
	exit(2);
}

struct opts {
	const char *key_file, *cluster, *self, *ifname;
	struct ip_addr group, peers[CFG_MAX_PEERS], vip4, vip6;
	unsigned n_peers;
	uint16_t port;
	uint64_t run_ms;
	uint32_t dead_ms, forget_ms;
};

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "key", 1, 0, 'k' },	     { "cluster", 1, 0, 'c' },
		{ "self", 1, 0, 'n' },	     { "group", 1, 0, 'g' },
		{ "ifname", 1, 0, 'I' },     { "peer", 1, 0, 'p' },
		{ "port", 1, 0, 'P' },	     { "seconds", 1, 0, 's' },
		{ "dead-after-ms", 1, 0, 'd' }, { "forget-after-ms", 1, 0, 'f' },
		{ "vip4", 1, 0, '4' },	     { "vip6", 1, 0, '6' },
		{ "verbose", 0, 0, 'v' },    { 0, 0, 0, 0 },
	};
	int c;

	*o = (struct opts){ .port = 4510, .dead_ms = 3000 };
	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 'k': o->key_file = optarg; break;
		case 'c': o->cluster = optarg; break;
		case 'n': o->self = optarg; break;
		case 'g': o->group = ip_arg(optarg); break;
		case 'I': o->ifname = optarg; break;
		case 'p':
			if (o->n_peers == CFG_MAX_PEERS)
				die("too many peers", optarg);
			o->peers[o->n_peers++] = ip_arg(optarg);
			break;
		case 'P': o->port = (uint16_t)num(optarg, "--port"); break;
		case 's': o->run_ms = (uint64_t)(strtod(optarg, NULL) * 1000); break;
		case 'd': o->dead_ms = (uint32_t)num(optarg, "--dead-after-ms"); break;
		case 'f': o->forget_ms = (uint32_t)num(optarg, "--forget-after-ms"); break;
		case '4': o->vip4 = ip_arg(optarg); break;
		case '6': o->vip6 = ip_arg(optarg); break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		default: usage();
		}
	}
	if (optind != argc || !o->key_file || !o->cluster || !o->run_ms)
		usage();
}

static void print_table(const struct members *m, uint64_t now)
{
	char a[300], a6[300], cnt[1024];
	struct member_info i;

	for (unsigned s = 0; s < members_capacity(m); s++) {
		if (!members_get(m, s, now, &i))
			continue;
		printf("member node=%s alive=%d usable=%d why=%s state=%s tunnels=%u max=%u "
		       "address=%s address6=%s epoch=%#" PRIx64 " seq=%" PRIu64
		       " age_ms=%" PRIu64 " reports=%" PRIu64 " reason=\"%s\"\n",
		       i.node_id, i.alive, i.usable, member_why_str(i.why),
		       report_state_str(i.state), i.tunnels, i.max_tunnels,
		       gw_str(i.address, a, sizeof(a)), gw_str(i.address6, a6, sizeof(a6)),
		       i.epoch, i.seq, i.age_ms, i.reports, i.reason);
	}
	printf("counters %s\n", members_counters_str(m, cnt, sizeof(cnt)));
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int run(struct report_socket *net, struct members *m, uint64_t run_ms)
{
	uint64_t start = mono_ms(), now = start, last_tick = start;
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, report_socket_fd(net), &ev) < 0) {
		perror("epoll");
		return -1;
	}
	while (now - start < run_ms) {
		uint64_t left = run_ms - (now - start);
		int n = epoll_wait(ep, &ev, 1, (int)(left < TICK_MS ? left : TICK_MS));

		now = mono_ms();
		if (n > 0)
			report_socket_handle_readable(net, m, now, wall_ms());
		if (now - last_tick >= TICK_MS) {
			members_tick(m, now);
			last_tick = now;
		}
	}
	close(ep);
	return 0;
}

int main(int argc, char **argv)
{
	struct report_socket_params np;
	struct members_params mp;
	struct report_socket net;
	struct cluster_key key;
	struct members *m;
	struct opts o;
	char err[512];
	int rc;

	parse(argc, argv, &o);
	if (keyfile_load(o.key_file, &key, err, sizeof(err)) != KEYFILE_OK)
		die("key", err);
	mp = (struct members_params){
		.cluster = o.cluster, .key = &key, .self_id = o.self,
		.dead_after_ms = o.dead_ms, .forget_after_ms = o.forget_ms,
		.vip4 = o.vip4.family ? &o.vip4.v4 : NULL,
		.vip6 = o.vip6.family ? &o.vip6.v6 : NULL,
	};
	m = members_new(&mp);
	cluster_key_clear(&key);
	if (!m)
		return 1;
	np = (struct report_socket_params){ .ifname = o.ifname, .group = o.group,
					 .peers = o.peers, .n_peers = o.n_peers, .port = o.port };
	if (report_socket_open(&net, &np) < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	rc = run(&net, m, o.run_ms);
	print_table(m, mono_ms());
	printf("net truncated=%" PRIu64 " recv_errors=%" PRIu64 "\n", net.stats.truncated,
	       net.stats.recv_errors);
	report_socket_close(&net);
	members_free(m);
	return rc < 0 ? 1 : 0;
}
