// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ikelb-load: the command line. */
#include <getopt.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/cleanup.h"
#include "daemon/ctl.h"
#include "daemon/daemon.h"
#include "daemon/steer_cmd.h"
#include "base/log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ikelb-load COMMAND [OPTIONS]\n"
		"IKEv2 redirect load balancer for VPN gateway clusters.\n\n"
		"Commands:\n"
		"  run [-c FILE] [-v]        run the daemon in the foreground\n"
		"  status [-c FILE] [--json] show role, XDP, targets and counters\n"
		"  check [-c FILE]           validate a config file (and who may write it;\n"
		"                            when it steers, this host's ARP settings and\n"
		"                            charon's SPIs)\n"
		"  strongswan-conf [-c FILE] the charon { } lines of this gateway's\n"
		"                            strongswan.conf for its steer_label\n"
		"  drain [on|off] [-c FILE]  stop (on) or resume (off) sending new clients\n"
		"                            to this gateway, kept across restarts;\n"
		"                            without an argument, show whether it is drained\n"
		"  drain on --migrate [--rate N/s]\n"
		"                            and move its established clients to other\n"
		"                            gateways, N per second (RFC 5685 redirects)\n"
		"  cleanup [-c FILE]         remove what a daemon that did not stop left\n"
		"                            behind: its VIPs, pins, socket (ExecStopPost=)\n"
		"  --version, --help\n\n"
		"Options:\n"
		"  -c, --config FILE  config file (default %s)\n"
		"  -v, --verbose      debug logging (libbpf and verifier messages too)\n"
		"  -j, --json         status as JSON\n"
		"  -m, --migrate      drain on: move established clients elsewhere\n"
		"  -r, --rate N[/s]   ... at most N per second (default [gateway] migrate_rate)\n\n"
		"See ikelb-load(8).\n",
		CFG_DEFAULT_PATH);
}

/* The capabilities `run` needs, named when missing.  CAP_PERFMON: without
 * it the verifier rejects packet-pointer arithmetic with variable offsets
 * (Spectre v1 sanitation), which every parser of variable headers uses. */
static int check_caps(void)
{
	static const struct {
		int cap;
		const char *name;
	} need[] = { { CAP_BPF, "CAP_BPF" },
		     { CAP_PERFMON, "CAP_PERFMON" },
		     { CAP_NET_ADMIN, "CAP_NET_ADMIN" },
		     { CAP_NET_RAW, "CAP_NET_RAW" } };
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	char missing[128] = "";

	if (syscall(SYS_capget, &h, data))
		return 0; /* cannot tell: let the operations fail with their own errors */
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int c = need[i].cap;

		if (!(data[c / 32].effective & (1u << (c % 32)))) {
			strcat(missing, missing[0] ? ", " : "");
			strcat(missing, need[i].name);
		}
	}
	if (!missing[0])
		return 0;
	fprintf(stderr, "ikelb-load: missing privileges: %s (run as root, or grant them, "
			"e.g. with the systemd unit)\n", missing);
	return -1;
}

/*
 * The control request for `drain ARG [--migrate [--rate N/s]]`, or -1 with
 * the reason on stderr: the rate is 1..100 clients per second, written
 * "N" or "N/s", and goes with --migrate only.
 */
static int drain_request(const char *arg, bool migrate, const char *rate, char *req,
			 size_t len)
{
	unsigned long n = 0;
	char *end = NULL;

	if ((migrate || rate) && (!arg || strcmp(arg, "on"))) {
		fprintf(stderr, "ikelb-load: --migrate and --rate go with `drain on`\n");
		return -1;
	}
	if (rate && !migrate) {
		fprintf(stderr, "ikelb-load: --rate goes with --migrate\n");
		return -1;
	}
	if (rate) {
		n = rate[0] >= '0' && rate[0] <= '9' ? strtoul(rate, &end, 10) : 0;
		if (!n || n > 100 || (*end && strcmp(end, "/s"))) {
			fprintf(stderr, "ikelb-load: --rate %s: expected N or N/s, N from 1 to 100\n",
				rate);
			return -1;
		}
	}
	if (!arg)
		snprintf(req, len, "drain");
	else if (!migrate)
		snprintf(req, len, "drain %s", arg);
	else if (n)
		snprintf(req, len, "drain on migrate %lu", n);
	else
		snprintf(req, len, "drain on migrate");
	return 0;
}

static int cmd_check(const char *path)
{
	struct cfg_errors e = {};
	struct config c;
	int rc;

	rc = config_load(path, &c, &e);
	if (rc == 0 && config_check_files(&c, &e))
		config_free(&c);
	if (e.n) {
		for (unsigned i = 0; i < e.n; i++)
			fprintf(stderr, "%s\n", e.msg[i]);
		fprintf(stderr, "%s: %u error%s\n", path, e.n, e.n == 1 ? "" : "s");
		cfg_errors_free(&e);
		return 1;
	}
	printf("%s: OK (cluster %s, interface %s, %u static target%s%s)\n", path, c.name,
	       c.interface, c.n_targets, c.n_targets == 1 ? "" : "s",
	       c.has_gateway ? ", this node is a gateway" : "");
	steer_cmd_check(&c, stdout);
	config_free(&c);
	return 0;
}

static int cmd_strongswan_conf(const char *path)
{
	struct cfg_errors e = {};
	struct config c;
	int rc;

	if (config_load(path, &c, &e)) {
		for (unsigned i = 0; i < e.n; i++)
			fprintf(stderr, "%s\n", e.msg[i]);
		cfg_errors_free(&e);
		return 1;
	}
	rc = steer_cmd_strongswan_conf(&c, stdout, stderr);
	config_free(&c);
	return rc;
}

/* Sends a control request to the daemon of the config's cluster.  A config
 * with errors is still good enough when its cluster name can be read. */
static int cmd_ctl(const char *path, const char *req)
{
	struct cfg_errors e = {};
	char name[CFG_NAME_MAX + 1];
	struct config c;
	int rc;

	if (config_load(path, &c, &e) == 0) {
		snprintf(name, sizeof(name), "%s", c.name);
		config_free(&c);
	} else {
		for (unsigned i = 0; i < e.n; i++)
			fprintf(stderr, "warning: %s\n", e.msg[i]);
		cfg_errors_free(&e);
		if (config_cluster_name(path, name, sizeof(name))) {
			fprintf(stderr, "ikelb-load: no usable [cluster] name in %s\n", path);
			return 1;
		}
		fprintf(stderr, "warning: %s has errors; asking the daemon of cluster \"%s\" "
				"anyway\n", path, name);
	}
	rc = ctl_request(name, req, stdout);
	if (rc == 2)
		fprintf(stderr, "ikelb-load: the daemon for cluster \"%s\" is not running "
				"(no control socket %s/%s.sock)\n", name, RUN_DIR, name);
	else if (rc < 0)
		perror("ikelb-load: control socket");
	return rc == 0 ? 0 : rc == 2 ? 3 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },	    { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	    { "migrate", no_argument, NULL, 'm' },
		{ "rate", required_argument, NULL, 'r' },   {}
	};
	const char *path = CFG_DEFAULT_PATH, *cmd = NULL, *arg = NULL, *rate = NULL;
	bool json = false, verbose = false, migrate = false;
	int o;

	while ((o = getopt_long(argc, argv, "c:vjhmr:", opts, NULL)) != -1) {
		switch (o) {
		case 'c': path = optarg; break;
		case 'm': migrate = true; break;
		case 'r': rate = optarg; break;
		case 'v': verbose = true; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("ikelb-load %s\n", IKELB_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		cmd = argv[optind++];
	if (optind < argc)
		arg = argv[optind++];
	if (!cmd || optind < argc) {
		usage(stderr);
		return 2;
	}
	if ((migrate || rate) && strcmp(cmd, "drain")) {
		fprintf(stderr, "ikelb-load: --migrate and --rate go with `drain on`\n");
		return 2;
	}
	log_set_level(verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	log_route_libbpf();
	if (!strcmp(cmd, "run") && !arg)
		return check_caps() ? 1 : daemon_run(path);
	if (!strcmp(cmd, "check") && !arg)
		return cmd_check(path);
	if (!strcmp(cmd, "strongswan-conf") && !arg)
		return cmd_strongswan_conf(path);
	if (!strcmp(cmd, "cleanup") && !arg)
		return cleanup_run(path);
	if (!strcmp(cmd, "status") && !arg)
		return cmd_ctl(path, json ? "status json" : "status");
	if (!strcmp(cmd, "drain") && (!arg || !strcmp(arg, "on") || !strcmp(arg, "off"))) {
		char req[48];

		if (drain_request(arg, migrate, rate, req, sizeof(req)))
			return 2;
		return cmd_ctl(path, req);
	}
	fprintf(stderr, "ikelb-load: unknown command or argument \"%s%s%s\"\n", cmd,
		arg ? " " : "", arg ? arg : "");
	usage(stderr);
	return 2;
}
