// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * report_send: sends load reports with the fields given, through the
 * daemon's own encoder and socket code, for tests.  Forgeries are made
 * with another key file (--key), replays by repeating --epoch/--seq, other
 * clusters with --cluster; --flip-bit and --pad damage the datagram after
 * signing.  --save writes the first datagram to a file (fuzz seeds).
 *
 * Prints one line: epoch=0x... first_seq=N last_seq=N sent=N destinations=N
 * skipped_local=N
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cluster/keyfile.h"
#include "base/log.h"
#include "report_common.h"
#include "cluster/report_socket.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: report_send --key FILE --cluster NAME --node ID --address A [--address6 A]\n"
		"       [--tunnels N] [--max N] [--state active|draining|unhealthy] [--reason TEXT]\n"
		"       [--epoch N] [--seq N] [--count N] [--interval-ms MS]\n"
		"       [--group G --ifname IF | --peer IP ...] [--port P]\n"
		"       [--flip-bit N] [--pad N] [--save FILE] [--epoch-ahead-s N] [--ttl N]\n"
		"       [--steer-label N --mac MAC]\n");
	exit(2);
}

struct opts {
	const char *key_file, *save, *ifname;
	struct load_report r;
	struct ip_addr group, peers[CFG_MAX_PEERS];
	unsigned n_peers;
	uint16_t port;
	uint64_t count, interval_ms;
	long flip_bit;
	size_t pad;
	uint64_t ahead_s;
	int ttl;
};

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "key", 1, 0, 'k' },	   { "cluster", 1, 0, 'c' },  { "node", 1, 0, 'n' },
		{ "address", 1, 0, 'a' },  { "address6", 1, 0, 'A' }, { "tunnels", 1, 0, 't' },
		{ "max", 1, 0, 'm' },	   { "state", 1, 0, 's' },    { "reason", 1, 0, 'r' },
		{ "epoch", 1, 0, 'e' },	   { "seq", 1, 0, 'q' },      { "count", 1, 0, 'N' },
		{ "interval-ms", 1, 0, 'i' }, { "group", 1, 0, 'g' }, { "ifname", 1, 0, 'I' },
		{ "peer", 1, 0, 'p' },	   { "port", 1, 0, 'P' },     { "flip-bit", 1, 0, 'f' },
		{ "pad", 1, 0, 'x' },	   { "save", 1, 0, 'S' },     { "epoch-ahead-s", 1, 0, 'E' },
		{ "ttl", 1, 0, 'T' },	   { "steer-label", 1, 0, 'L' }, { "mac", 1, 0, 'M' },
		{ 0, 0, 0, 0 },
	};
	int c, st;

	*o = (struct opts){ .port = 4510, .count = 1, .interval_ms = 100, .flip_bit = -1,
			    .ttl = -1 };
	o->r.max_tunnels = 100;
	o->r.seq = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k': o->key_file = optarg; break;
		case 'c': snprintf(o->r.cluster, sizeof(o->r.cluster), "%s", optarg); break;
		case 'n': snprintf(o->r.node_id, sizeof(o->r.node_id), "%s", optarg); break;
		case 'a': o->r.address = gw_arg(optarg); break;
		case 'A': o->r.address6 = gw_arg(optarg); break;
		case 't': o->r.tunnels = (uint32_t)num(optarg, "--tunnels"); break;
		case 'm': o->r.max_tunnels = (uint32_t)num(optarg, "--max"); break;
		case 's':
			st = report_state_parse(optarg);
			if (st < 0)
				die("--state", optarg);
			o->r.state = (enum report_state)st;
			break;
		case 'r': snprintf(o->r.reason, sizeof(o->r.reason), "%s", optarg); break;
		case 'e': o->r.epoch = num(optarg, "--epoch"); break;
		case 'q': o->r.seq = num(optarg, "--seq"); break;
		case 'N': o->count = num(optarg, "--count"); break;
		case 'i': o->interval_ms = num(optarg, "--interval-ms"); break;
		case 'g': o->group = ip_arg(optarg); break;
		case 'I': o->ifname = optarg; break;
		case 'p':
			if (o->n_peers == CFG_MAX_PEERS)
				die("too many peers", optarg);
			o->peers[o->n_peers++] = ip_arg(optarg);
			break;
		case 'P': o->port = (uint16_t)num(optarg, "--port"); break;
		case 'f': o->flip_bit = (long)num(optarg, "--flip-bit"); break;
		case 'x': o->pad = num(optarg, "--pad"); break;
		case 'S': o->save = optarg; break;
		case 'E': o->ahead_s = num(optarg, "--epoch-ahead-s"); break;
		case 'T': o->ttl = (int)num(optarg, "--ttl"); break;
		case 'L': o->r.steer_label = (uint8_t)num(optarg, "--steer-label"); break;
		case 'M':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &o->r.mac[0], &o->r.mac[1],
				   &o->r.mac[2], &o->r.mac[3], &o->r.mac[4], &o->r.mac[5]) != 6)
				die("--mac", optarg);
			break;
		default: usage();
		}
	}
	if (optind != argc || !o->key_file || !o->r.cluster[0] || !o->r.node_id[0] ||
	    !o->r.address.type || !o->count)
		usage();
}

/* Signs the report and applies the requested damage; returns the length. */
static size_t build(const struct opts *o, const struct cluster_key *key, uint8_t *buf,
		    size_t size)
{
	int len = report_encode(&o->r, key, buf, size);

	if (len < 0)
		die("cannot encode", "a field is invalid (see report_codec.h)");
	if (o->flip_bit >= 0) {
		if ((size_t)o->flip_bit >= (size_t)len * 8)
			die("--flip-bit", "beyond the message");
		buf[o->flip_bit / 8] ^= (uint8_t)(1u << (o->flip_bit % 8));
	}
	if (o->pad > size - (size_t)len)
		die("--pad", "too large");
	memset(buf + len, 0, o->pad);
	return (size_t)len + o->pad;
}

static void save(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		die("cannot write", path);
}

int main(int argc, char **argv)
{
	struct report_socket_params np = { 0 };
	struct report_socket net = { .fd = -1 };
	struct cluster_key key;
	struct opts o;
	uint8_t buf[4096];
	unsigned long long sent = 0;
	char err[512];
	bool send;

	log_set_level(LOG_LVL_WARN);
	parse(argc, argv, &o);
	if (keyfile_load(o.key_file, &key, err, sizeof(err)) != KEYFILE_OK)
		die("key", err);
	if (!o.r.epoch)
		o.r.epoch = report_epoch_new();
	if (o.ahead_s)
		o.r.epoch = report_epoch_make(report_epoch_ms(o.r.epoch) + o.ahead_s * 1000,
					      (uint32_t)o.r.epoch);
	send = o.group.family || o.n_peers;
	np = (struct report_socket_params){ .ifname = o.ifname, .group = o.group,
					 .peers = o.peers, .n_peers = o.n_peers, .port = o.port };
	if (send && report_socket_open(&net, &np) < 0)
		return 1;
	if (send && o.ttl >= 0 &&
	    (net.family == AF_INET
		     ? setsockopt(net.fd, IPPROTO_IP, IP_MULTICAST_TTL, &o.ttl, sizeof(o.ttl))
		     : setsockopt(net.fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &o.ttl, sizeof(o.ttl))))
		die("--ttl", strerror(errno));
	for (uint64_t i = 0; i < o.count; i++) {
		size_t len = build(&o, &key, buf, sizeof(buf));

		if (i == 0 && o.save)
			save(o.save, buf, len);
		if (send)
			sent += report_socket_send(&net, buf, len);
		if (i + 1 < o.count) {
			o.r.seq++;
			usleep((useconds_t)(o.interval_ms * 1000));
		}
	}
	printf("epoch=%#llx first_seq=%llu last_seq=%llu sent=%llu destinations=%u "
	       "skipped_local=%u\n",
	       (unsigned long long)o.r.epoch, (unsigned long long)(o.r.seq - (o.count - 1)),
	       (unsigned long long)o.r.seq, sent, net.n_dst, net.skipped_local);
	report_socket_close(&net);
	cluster_key_clear(&key);
	return send && sent == 0 ? 1 : 0;
}
