/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config parser: every key parsed to its value, the documented
 * defaults, and every kind of bad input with its exact "FILE:LINE: message".
 * Expected values are written out by hand from config.h and ikelb-load(8),
 * never computed with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/config_table.h"

#define MAX_EXPECT 6

struct bad_case {
	const char *text;
	const char *errs[MAX_EXPECT]; /* in order; NULL-terminated */
};

/* A valid config whose [cluster] comes last, so that appended lines
 * (from line 8 on) land in [cluster] unless they open a section. */
#define HEAD                           \
	"[target gw2]\n"               \
	"address = 198.18.0.12\n"      \
	"max_tunnels = 500\n"          \
	"[cluster]\n"                  \
	"name = lab\n"                 \
	"interface = e0\n"
#define BASE HEAD "virtual_ip = 198.18.0.1\n"

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void assert_ip4(struct in_addr got, const char *want)
{
	struct in_addr w = ip4(want);

	assert_memory_equal(&got, &w, sizeof(w));
}

static void assert_ip6(const struct in6_addr *got, const char *want)
{
	struct in6_addr w = ip6(want);

	assert_memory_equal(got, &w, sizeof(w));
}

static void assert_cfg_ip(const struct ip_addr *got, const char *want)
{
	if (strchr(want, ':')) {
		assert_int_equal(got->family, AF_INET6);
		assert_ip6(&got->v6, want);
	} else {
		assert_int_equal(got->family, AF_INET);
		assert_ip4(got->v4, want);
	}
}

static void assert_gw(const struct cfg_gw_addr *a, int type, const char *want)
{
	char buf[300];

	assert_int_equal(a->type, type);
	assert_string_equal(cfg_gw_addr_str(a, buf, sizeof(buf)), want);
	if (type == IKE_GW_ID_IPV4) {
		struct in_addr w = ip4(want);

		assert_int_equal(a->len, 4);
		assert_memory_equal(a->data, &w, 4);
	} else if (type == IKE_GW_ID_IPV6) {
		struct in6_addr w = ip6(want);

		assert_int_equal(a->len, 16);
		assert_memory_equal(a->data, &w, 16);
	} else if (type == IKE_GW_ID_FQDN) {
		assert_int_equal(a->len, strlen(want));
		assert_memory_equal(a->data, want, strlen(want) + 1);
	}
}

static void print_errors(const struct cfg_errors *e)
{
	unsigned i;

	for (i = 0; i < e->n; i++)
		print_message("#   got: %s\n", e->msg[i]);
}

static void parse_ok(const char *text, struct config *c)
{
	struct cfg_errors e;
	int r = config_parse_string(text, "t.conf", c, &e);

	if (r != 0 || e.n != 0) {
		print_message("# unexpected errors for:\n%s\n", text);
		print_errors(&e);
	}
	assert_int_equal(r, 0);
	assert_int_equal(e.n, 0);
	cfg_errors_free(&e);
}

static void expect_errors(const char *text, const char *const *want)
{
	struct config c;
	struct cfg_errors e;
	unsigned n = 0, i;
	bool same;
	int r;

	while (n < MAX_EXPECT && want[n])
		n++;
	r = config_parse_string(text, "t.conf", &c, &e);
	same = r == -1 && e.n == n;
	for (i = 0; same && i < n; i++)
		same = strcmp(e.msg[i], want[i]) == 0;
	if (!same) {
		print_message("# config:\n%s# expected:\n", text);
		for (i = 0; i < n; i++)
			print_message("#  want: %s\n", want[i]);
		print_errors(&e);
	}
	assert_int_equal(r, -1);
	assert_true(same);
	assert_null(c.targets); /* released on failure */
	cfg_errors_free(&e);
	assert_null(e.msg);
	assert_int_equal(e.n, 0);
}

static void run_cases(const struct bad_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_errors(cases[i].text, cases[i].errs);
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* ---- valid input ---------------------------------------------------------- */

static const char full_config[] =
	"# every key, none at its default\n"
	"[cluster]\n"
	"name = lab-1_x\n"
	"interface = veth.e0\n"
	"virtual_ip = 198.18.0.1\n"
	"virtual_ip6 = 2001:db8::1\n"
	"vrrp = on\n"
	"xdp_mode = native\n"
	"node_id = node-a.lab_1\n"
	"\n"
	"[vrrp]\n"
	"vrid = 51\n"
	"priority = 254\n"
	"advert_interval_ms = 40950\n"
	"preempt = no\n"
	"vrrp_peers = 198.18.0.2, 2001:db8::2 fe80::3\n"
	"notify = /usr/local/bin/ikelb-notify\n"
	"announce_count = 10\n"
	"announce_interval_ms = 20\n"
	"\n"
	"[redirect]\n"
	"ports = 500,4500 1500 , 5500\n"
	"natt_ports = 4500 5500\n"
	"unsupported = drop\n"
	"no_target = drop\n"
	"policy = least-tunnels\n"
	"mode = auth\n"
	"vici = /run/charon.vici\n"
	"auth_fallback = init\n"
	"auth_connection = vip-cluster.1\n"
	"rate_per_source = 0\n"
	"burst_per_source = 7\n"
	"rate_total = 1000000\n"
	"burst_total = 10000000\n"
	"cookies = on\n"
	"cookie_threshold = 10000000\n"
	"cookie_rotation_ms = 1000\n"
	"answer_tagged = yes\n"
	"\n"
	"[reports]\n"
	"key_file = /etc/ikelb/cluster.key\n"
	"port = 4600\n"
	"peers = 198.18.0.10 198.18.0.11 2001:db8::10\n"
	"interval_ms = 250\n"
	"dead_after_ms = 1000\n"
	"\n"
	"[gateway]\n"
	"address = 198.18.0.10\n"
	"address6 = 2001:db8::10\n"
	"max_tunnels = 1000\n"
	"tunnels = vici:/run/strongswan/charon.vici\n"
	"steer_label = 255\n"
	"\n"
	"[target gw2]\n"
	"address = 198.18.0.12\n"
	"address6 = 2001:db8::12\n"
	"max_tunnels = 500\n"
	"steer_label = 1\n"
	"mac = 02:aB:cd:00:0f:9e\n"
	"\n"
	"[target GW-3]\n"
	"address = gw3.example.org\n"
	"max_tunnels = 10000000\n"
	"\n"
	"[metrics]\n"
	"listen = [2001:db8::10]:9110\n";

static void test_every_key(void **state)
{
	struct config c;

	(void)state;
	parse_ok(full_config, &c);
	assert_string_equal(c.path, "t.conf");

	assert_string_equal(c.name, "lab-1_x");
	assert_string_equal(c.interface, "veth.e0");
	assert_true(c.has_vip4);
	assert_true(c.has_vip6);
	assert_ip4(c.vip4, "198.18.0.1");
	assert_ip6(&c.vip6, "2001:db8::1");
	assert_int_equal(c.vrrp, CFG_VRRP_ON);
	assert_int_equal(c.xdp_mode, CFG_XDP_NATIVE);
	assert_string_equal(c.node_id, "node-a.lab_1");

	assert_int_equal(c.vrid, 51);
	assert_int_equal(c.priority, 254);
	assert_int_equal(c.advert_interval_ms, 40950);
	assert_false(c.preempt);
	assert_int_equal(c.n_vrrp_peers, 3);
	assert_cfg_ip(&c.vrrp_peers[0], "198.18.0.2");
	assert_cfg_ip(&c.vrrp_peers[1], "2001:db8::2");
	assert_cfg_ip(&c.vrrp_peers[2], "fe80::3");
	assert_string_equal(c.notify, "/usr/local/bin/ikelb-notify");
	assert_int_equal(c.announce_count, 10);
	assert_int_equal(c.announce_interval_ms, 20);

	assert_int_equal(c.n_ports, 4);
	assert_int_equal(c.ports[0], 500);
	assert_int_equal(c.ports[1], 4500);
	assert_int_equal(c.ports[2], 1500);
	assert_int_equal(c.ports[3], 5500);
	assert_int_equal(c.n_natt_ports, 2);
	assert_int_equal(c.natt_ports[0], 4500);
	assert_int_equal(c.natt_ports[1], 5500);
	assert_int_equal(c.unsupported, IKELB_ACT_DROP);
	assert_int_equal(c.no_target, IKELB_ACT_DROP);
	assert_int_equal(c.policy, CFG_POLICY_LEAST_TUNNELS);
	assert_int_equal(c.mode, CFG_MODE_AUTH);
	assert_string_equal(c.vici, "/run/charon.vici");
	assert_int_equal(c.auth_fallback, CFG_FALLBACK_INIT);
	assert_string_equal(c.auth_connection, "vip-cluster.1");
	assert_int_equal(c.rate_per_source, 0);
	assert_int_equal(c.burst_per_source, 7);
	assert_int_equal(c.rate_total, 1000000);
	assert_int_equal(c.burst_total, 10000000);
	assert_int_equal(c.cookies, CFG_COOKIES_ON);
	assert_int_equal(c.cookie_threshold, 10000000);
	assert_int_equal(c.cookie_rotation_ms, 1000);
	assert_true(c.answer_tagged);

	assert_string_equal(c.key_file, "/etc/ikelb/cluster.key");
	assert_true(config_reports_enabled(&c));
	assert_cfg_ip(&c.reports_group, "239.255.75.1"); /* not set: default */
	assert_int_equal(c.reports_port, 4600);
	assert_int_equal(c.n_reports_peers, 3);
	assert_cfg_ip(&c.reports_peers[0], "198.18.0.10");
	assert_cfg_ip(&c.reports_peers[1], "198.18.0.11");
	assert_cfg_ip(&c.reports_peers[2], "2001:db8::10");
	assert_int_equal(c.reports_interval_ms, 250);
	assert_int_equal(c.dead_after_ms, 1000);

	assert_true(c.has_gateway);
	assert_gw(&c.gw_address, IKE_GW_ID_IPV4, "198.18.0.10");
	assert_gw(&c.gw_address6, IKE_GW_ID_IPV6, "2001:db8::10");
	assert_int_equal(c.gw_max_tunnels, 1000);
	assert_int_equal(c.tunnels, CFG_TUNNELS_VICI);
	assert_string_equal(c.tunnels_path, "/run/strongswan/charon.vici");
	assert_int_equal(c.gw_steer_label, 255);

	assert_int_equal(c.n_targets, 2);
	assert_string_equal(c.targets[0].name, "gw2");
	assert_int_equal(c.targets[0].line, 54);
	assert_gw(&c.targets[0].address, IKE_GW_ID_IPV4, "198.18.0.12");
	assert_gw(&c.targets[0].address6, IKE_GW_ID_IPV6, "2001:db8::12");
	assert_int_equal(c.targets[0].max_tunnels, 500);
	assert_int_equal(c.targets[0].steer_label, 1);
	assert_true(c.targets[0].has_mac);
	assert_memory_equal(c.targets[0].mac, "\x02\xab\xcd\x00\x0f\x9e", 6);
	assert_string_equal(c.targets[1].name, "GW-3");
	assert_int_equal(c.targets[1].line, 61);
	assert_int_equal(c.targets[1].steer_label, 0);
	assert_false(c.targets[1].has_mac);
	assert_false(config_steering(&c)); /* unsupported = drop */
	assert_gw(&c.targets[1].address, IKE_GW_ID_FQDN, "gw3.example.org");
	assert_int_equal(c.targets[1].address6.type, 0);
	assert_int_equal(c.targets[1].max_tunnels, 10000000);

	assert_cfg_ip(&c.metrics_listen.addr, "2001:db8::10");
	assert_int_equal(c.metrics_listen.port, 9110);
	config_free(&c);
	assert_null(c.targets);
	assert_int_equal(c.n_targets, 0);
}

/* The other values of the enums, booleans and tunnel sources. */
static void test_other_values(void **state)
{
	static const struct {
		const char *key, *value;
		size_t off;
		int want;
	} e[] = {
		{ "[cluster]\nvrrp", "external", offsetof(struct config, vrrp),
		  CFG_VRRP_EXTERNAL },
		{ "[cluster]\nvrrp", "off", offsetof(struct config, vrrp),
		  CFG_VRRP_OFF },
		{ "[cluster]\nxdp_mode", "generic",
		  offsetof(struct config, xdp_mode), CFG_XDP_GENERIC },
		{ "[cluster]\nxdp_mode", "auto",
		  offsetof(struct config, xdp_mode), CFG_XDP_AUTO },
		{ "[redirect]\nunsupported", "pass",
		  offsetof(struct config, unsupported), IKELB_ACT_PASS },
		{ "[redirect]\nunsupported", "steer",
		  offsetof(struct config, unsupported), IKELB_ACT_STEER },
		{ "[redirect]\nno_target", "pass",
		  offsetof(struct config, no_target), IKELB_ACT_PASS },
		{ "[redirect]\npolicy", "least-utilization",
		  offsetof(struct config, policy), CFG_POLICY_LEAST_UTILIZATION },
		{ "[redirect]\npolicy", "fewest-reported-tunnels",
		  offsetof(struct config, policy), CFG_POLICY_FEWEST_REPORTED },
		{ "[redirect]\nmode", "init", offsetof(struct config, mode),
		  CFG_MODE_INIT },
		{ "[redirect]\nauth_fallback", "pass",
		  offsetof(struct config, auth_fallback), CFG_FALLBACK_PASS },
		{ "[redirect]\ncookies", "off", offsetof(struct config, cookies),
		  CFG_COOKIES_OFF },
		{ "[redirect]\ncookies", "auto", offsetof(struct config, cookies),
		  CFG_COOKIES_AUTO },
	};
	static const struct {
		const char *value;
		bool want;
	} b[] = { { "yes", true },  { "true", true },   { "on", true },
		  { "no", false },  { "false", false }, { "off", false } };
	char text[512];
	struct config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		/* the key goes first so that [cluster] keys stay in [cluster] */
		snprintf(text, sizeof(text),
			 "%s = %s\n"
			 "%s",
			 e[i].key, e[i].value,
			 strncmp(e[i].key, "[cluster]", 9) ?
				 "[cluster]\nname = lab\ninterface = e0\n"
				 "virtual_ip = 198.18.0.1\n[target a]\n"
				 "address = 198.18.0.12\nmax_tunnels = 1\n" :
				 "name = lab\ninterface = e0\n"
				 "virtual_ip = 198.18.0.1\n[target a]\n"
				 "address = 198.18.0.12\nmax_tunnels = 1\n");
		parse_ok(text, &c);
		assert_int_equal(*(int *)((char *)&c + e[i].off), e[i].want);
		config_free(&c);
	}
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		snprintf(text, sizeof(text), BASE "[vrrp]\npreempt = %s\n",
			 b[i].value);
		parse_ok(text, &c);
		assert_int_equal(c.preempt, b[i].want);
		config_free(&c);
	}

	parse_ok(BASE "[reports]\nkey_file = /k\n[gateway]\n"
		      "address = gw.example\nmax_tunnels = 5\ntunnels = xfrm\n",
		 &c);
	assert_int_equal(c.tunnels, CFG_TUNNELS_XFRM);
	config_free(&c);
	parse_ok(BASE "[reports]\nkey_file = /k\n[gateway]\n"
		      "address = gw.example\nmax_tunnels = 5\n"
		      "tunnels = file:/run/ikelb/load\n",
		 &c);
	assert_int_equal(c.tunnels, CFG_TUNNELS_FILE);
	assert_string_equal(c.tunnels_path, "/run/ikelb/load");
	config_free(&c);
	parse_ok(BASE "[reports]\nkey_file = /k\n[gateway]\n"
		      "address = gw.example\nmax_tunnels = 5\n"
		      "tunnels = static:10000000\n",
		 &c);
	assert_int_equal(c.tunnels, CFG_TUNNELS_STATIC);
	assert_int_equal(c.tunnels_static, 10000000);
	config_free(&c);
	parse_ok(BASE "[reports]\nkey_file = /k\n[gateway]\n"
		      "address = gw.example\nmax_tunnels = 5\n"
		      "tunnels = static:0\n",
		 &c);
	assert_int_equal(c.tunnels, CFG_TUNNELS_STATIC);
	assert_int_equal(c.tunnels_static, 0);
	config_free(&c);

	/* the edges of the ranges */
	parse_ok(BASE "[vrrp]\nvrid = 255\npriority = 1\nadvert_interval_ms = 10\n"
		      "announce_count = 1\nannounce_interval_ms = 10000\n"
		      "[reports]\ninterval_ms = 60000\n"
		      "dead_after_ms = 3600000\nport = 65534\n"
		      "[redirect]\nports = 1 65535\n",
		 &c);
	assert_int_equal(c.vrid, 255);
	assert_int_equal(c.priority, 1);
	assert_int_equal(c.advert_interval_ms, 10);
	assert_int_equal(c.announce_count, 1);
	assert_int_equal(c.announce_interval_ms, 10000);
	assert_int_equal(c.reports_interval_ms, 60000);
	assert_int_equal(c.dead_after_ms, 3600000);
	assert_int_equal(c.reports_port, 65534);
	assert_int_equal(c.n_ports, 2);
	assert_int_equal(c.ports[0], 1);
	assert_int_equal(c.ports[1], 65535);
	assert_int_equal(c.n_natt_ports, 0); /* 4500 not listed */
	config_free(&c);

	/* IPv6-only cluster, IPv6 reports group, leading zeros in numbers */
	parse_ok("[cluster]\nname = a\ninterface = e0\n"
		 "virtual_ip6 = 2001:db8::1\n[target t]\n"
		 "address = 2001:db8::12\nmax_tunnels = 007\n"
		 "[reports]\ngroup = ff02::4510\n",
		 &c);
	assert_false(c.has_vip4);
	assert_true(c.has_vip6);
	assert_cfg_ip(&c.reports_group, "ff02::4510");
	assert_int_equal(c.targets[0].max_tunnels, 7);
	config_free(&c);
}

static void assert_defaults(const struct config *c)
{
	assert_int_equal(c->vrrp, CFG_VRRP_OFF);
	assert_int_equal(c->xdp_mode, CFG_XDP_AUTO);
	assert_string_equal(c->node_id, "");
	assert_int_equal(c->vrid, 0);
	assert_int_equal(c->priority, 100);
	assert_int_equal(c->advert_interval_ms, 1000);
	assert_true(c->preempt);
	assert_int_equal(c->n_vrrp_peers, 0);
	assert_string_equal(c->notify, "");
	assert_int_equal(c->announce_count, 3);
	assert_int_equal(c->announce_interval_ms, 500);
	assert_int_equal(c->n_ports, 2);
	assert_int_equal(c->ports[0], 500);
	assert_int_equal(c->ports[1], 4500);
	assert_int_equal(c->n_natt_ports, 1);
	assert_int_equal(c->natt_ports[0], 4500);
	assert_int_equal(c->unsupported, IKELB_ACT_PASS);
	assert_int_equal(c->no_target, IKELB_ACT_PASS);
	assert_int_equal(c->policy, CFG_POLICY_LEAST_UTILIZATION);
	assert_int_equal(c->mode, CFG_MODE_INIT);
	assert_string_equal(c->vici, "");
	assert_int_equal(c->auth_fallback, CFG_FALLBACK_PASS);
	assert_string_equal(c->auth_connection, "");
	assert_int_equal(c->rate_per_source, 5000);
	assert_int_equal(c->burst_per_source, 20000);
	assert_int_equal(c->rate_total, 0);
	assert_int_equal(c->burst_total, 1);
	assert_int_equal(c->cookies, CFG_COOKIES_AUTO);
	assert_int_equal(c->cookie_threshold, 1000);
	assert_int_equal(c->cookie_rotation_ms, 300000);
	assert_false(c->answer_tagged);
	assert_string_equal(c->key_file, "");
	assert_false(config_reports_enabled(c));
	assert_cfg_ip(&c->reports_group, "239.255.75.1");
	assert_int_equal(c->reports_port, 4510);
	assert_int_equal(c->n_reports_peers, 0);
	assert_int_equal(c->reports_interval_ms, 1000);
	assert_int_equal(c->dead_after_ms, 3000);
	assert_int_equal(c->tunnels, CFG_TUNNELS_NONE);
	assert_string_equal(c->state_dir, "/var/lib/ikelb");
	assert_int_equal(c->n_vrrp_allow, 0);
	assert_int_equal(c->vip_lifetime_ms, 3000); /* 3 intervals of 1 s */
	assert_string_equal(c->key_file_previous, "");
	assert_false(c->rebalance);
	assert_int_equal(c->rebalance_threshold, 10);
	assert_int_equal(c->rebalance_hold_ms, 60000);
	assert_int_equal(c->migrate_rate, 5);
	assert_false(c->drain_migrate);
	assert_int_equal(c->metrics_listen.addr.family, 0); /* metrics off */
	assert_int_equal(c->metrics_listen.port, 0);
}

/* The VIP's lifetime follows the advert interval unless it is given. */
static void test_vip_lifetime(void **state)
{
	static const struct { const char *lines; uint32_t want; } cases[] = {
		{ "", 3000 },
		{ "advert_interval_ms = 200\n", 2000 }, /* 600 ms: the least, 2 s */
		{ "advert_interval_ms = 1500\n", 5000 }, /* 4.5 s, up to whole seconds */
		{ "advert_interval_ms = 40950\n", 123000 },
		{ "vip_lifetime_ms = 0\n", 0 },
		{ "advert_interval_ms = 100\nvip_lifetime_ms = 60000\n", 60000 },
	};
	char text[512];
	struct config c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), BASE "[vrrp]\n%s", cases[i].lines);
		parse_ok(text, &c);
		assert_int_equal(c.vip_lifetime_ms, cases[i].want);
		config_free(&c);
	}
	parse_ok(BASE "[vrrp]\nvrrp_allow = 198.18.0.2, fe80::2\n", &c);
	assert_int_equal(c.n_vrrp_allow, 2);
	assert_cfg_ip(&c.vrrp_allow[1], "fe80::2");
	config_free(&c);
}

static void test_defaults(void **state)
{
	struct config c;

	(void)state;
	config_defaults(&c);
	assert_defaults(&c);
	assert_false(c.has_gateway);
	assert_int_equal(c.n_targets, 0);
	assert_null(c.targets);

	parse_ok(BASE, &c);
	assert_defaults(&c);
	assert_string_equal(c.name, "lab");
	assert_string_equal(c.interface, "e0");
	assert_true(c.has_vip4);
	assert_false(c.has_vip6);
	assert_false(c.has_gateway);
	assert_int_equal(c.n_targets, 1);
	assert_int_equal(c.targets[0].address6.type, 0);
	config_free(&c);
}

static void test_derived_defaults(void **state)
{
	struct config c;

	(void)state;
	/* dead_after_ms follows interval_ms: 3 intervals */
	parse_ok(BASE "[reports]\ninterval_ms = 500\n", &c);
	assert_int_equal(c.dead_after_ms, 1500);
	config_free(&c);
	/* natt_ports: 4500 when it is one of the ports, else none */
	parse_ok(BASE "[redirect]\nports = 4500 500\n", &c);
	assert_int_equal(c.n_natt_ports, 1);
	assert_int_equal(c.natt_ports[0], 4500);
	config_free(&c);
	parse_ok(BASE "[redirect]\nports = 500\n", &c);
	assert_int_equal(c.n_natt_ports, 0);
	config_free(&c);
	/* an empty natt_ports says: no port carries the non-ESP marker */
	parse_ok(BASE "[redirect]\nnatt_ports =\n", &c);
	assert_int_equal(c.n_natt_ports, 0);
	config_free(&c);
	/* burst_total: one second of rate_total, unless given */
	parse_ok(BASE "[redirect]\nrate_total = 50000\n", &c);
	assert_int_equal(c.burst_total, 50000);
	config_free(&c);
	parse_ok(BASE "[redirect]\nrate_total = 50000\nburst_total = 500\n", &c);
	assert_int_equal(c.burst_total, 500);
	config_free(&c);
	/* a burst of exactly rate / 100 is enough */
	parse_ok(BASE "[redirect]\nrate_per_source = 1000000\nburst_per_source = 10000\n", &c);
	assert_int_equal(c.burst_per_source, 10000);
	config_free(&c);
	/* no [gateway]/[target]: members come from load reports */
	parse_ok("[cluster]\nname = a\ninterface = e0\nvirtual_ip = 198.18.0.1\n"
		 "[reports]\nkey_file = /etc/ikelb/key\n",
		 &c);
	assert_int_equal(c.n_targets, 0);
	assert_false(c.has_gateway);
	config_free(&c);
}

/* Comments, blanks, BOM, CRLF, indentation, spacing around "=". */
static void test_syntax(void **state)
{
	struct config c;

	(void)state;
	parse_ok("\xef\xbb\xbf# comment\r\n"
		 "; another\r\n"
		 "  [cluster]   # trailing comment\r\n"
		 "name=lab\r\n"
		 "\tinterface   =   e0\t; comment\r\n"
		 "virtual_ip = 198.18.0.1 # comment\r\n"
		 "   \r\n"
		 "[ target   gw2 ] ; x\r\n"
		 "address = 198.18.0.12 ;x\n"
		 "max_tunnels = 5\n"
		 "[vrrp]\n"
		 "notify = /usr/bin/x;y # ; and # without a blank stay\n"
		 "[reports]\n"
		 "key_file = /etc/ikelb/key#1\n"
		 "[gateway]\n"
		 "address = 198.18.0.10\n"
		 "max_tunnels = 9\n"
		 "tunnels = static:3",
		 &c);
	assert_string_equal(c.name, "lab");
	assert_string_equal(c.notify, "/usr/bin/x;y");
	assert_string_equal(c.interface, "e0");
	assert_string_equal(c.targets[0].name, "gw2");
	assert_string_equal(c.key_file, "/etc/ikelb/key#1");
	assert_int_equal(c.tunnels_static, 3); /* last line without newline */
	config_free(&c);
}

/* Values of any length arrive whole, also around 200 bytes, where line
 * readers with a fixed buffer (libinih's) cut them. */
static void test_long_values(void **state)
{
	char fqdn[300], path[400], text[2048], want[300];
	struct config c;
	size_t i;

	(void)state;
	/* 255 characters: 3 labels of 63 with a dot each, then 63 more */
	for (i = 0; i < 3; i++) {
		memset(fqdn + i * 64, 'a' + (int)i, 63);
		fqdn[i * 64 + 63] = '.';
	}
	memset(fqdn + 192, 'd', 63);
	fqdn[255] = '\0';
	assert_int_equal(strlen(fqdn), 255);
	path[0] = '/';
	memset(path + 1, 'p', 299);
	path[300] = '\0';
	snprintf(text, sizeof(text),
		 BASE "[reports]\nkey_file = %s   # comment\n[gateway]\n"
		      "address = %s\nmax_tunnels = 1\ntunnels = file:%s\n",
		 path, fqdn, path);
	assert_true(strlen(text) < sizeof(text) - 1);
	parse_ok(text, &c);
	assert_string_equal(c.key_file, path);
	assert_gw(&c.gw_address, IKE_GW_ID_FQDN, fqdn);
	assert_string_equal(c.tunnels_path, path);
	config_free(&c);

	/* across a 200-byte line buffer the value stays whole */
	for (i = 180; i <= 220; i++) {
		path[0] = '/';
		memset(path + 1, 'a' + (int)(i % 26), i - 1);
		path[i] = '\0';
		snprintf(text, sizeof(text), BASE "[vrrp]\nnotify = %s\n", path);
		parse_ok(text, &c);
		assert_int_equal(strlen(c.notify), i);
		assert_string_equal(c.notify, path);
		config_free(&c);
	}
	memset(path + 1, 'p', 299);
	path[300] = '\0';

	/* one more character is too many */
	snprintf(text, sizeof(text),
		 BASE "[gateway]\naddress = x%s\nmax_tunnels = 1\n", fqdn);
	snprintf(want, sizeof(want),
		 "t.conf:9: [gateway] address: \"x%.63s...\" is too long for a "
		 "host name (at most 255 characters)",
		 fqdn);
	expect_errors(text, (const char *const[]){ want, NULL });
}

static void test_gw_addr(void **state)
{
	static const char *const bad[] = {
		"", "198.18.0.300", "1.2.3", "2001:db8::1::2", "fe80::5",
		"224.0.0.5", "0.0.0.0", "255.255.255.255", "127.0.0.1", "::1",
		"::", "::ffff:198.18.0.1", "-gw.example", "gw-.example",
		"gw_1.example", "a..b", ".a", "a.", "gw.123", "g w",
		"gw.example/x",
	};
	struct cfg_gw_addr a;
	char buf[300], longname[300];
	size_t i;

	(void)state;
	assert_int_equal(cfg_parse_gw_addr("198.18.0.10", &a), 0);
	assert_gw(&a, IKE_GW_ID_IPV4, "198.18.0.10");
	assert_int_equal(cfg_parse_gw_addr("2001:db8::a", &a), 0);
	assert_gw(&a, IKE_GW_ID_IPV6, "2001:db8::a");
	assert_int_equal(cfg_parse_gw_addr("2001:DB8:0:0::A", &a), 0);
	assert_gw(&a, IKE_GW_ID_IPV6, "2001:db8::a");
	assert_int_equal(cfg_parse_gw_addr("gw.example", &a), 0);
	assert_gw(&a, IKE_GW_ID_FQDN, "gw.example");
	assert_int_equal(cfg_parse_gw_addr("GW-2", &a), 0);
	assert_gw(&a, IKE_GW_ID_FQDN, "GW-2");
	assert_int_equal(cfg_parse_gw_addr("1gw.example.123a", &a), 0);
	assert_gw(&a, IKE_GW_ID_FQDN, "1gw.example.123a");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0xaa, sizeof(a));
		if (cfg_parse_gw_addr(bad[i], &a) != -1)
			print_message("# accepted: \"%s\"\n", bad[i]);
		assert_int_equal(cfg_parse_gw_addr(bad[i], &a), -1);
		assert_int_equal(a.type, 0);
	}
	/* a label of 64 characters, and 256 characters in all */
	memset(longname, 'a', 64);
	strcpy(longname + 64, ".example");
	assert_int_equal(cfg_parse_gw_addr(longname, &a), -1);
	for (i = 0; i < 5; i++) {
		memset(longname + i * 51, 'a', 50);
		longname[i * 51 + 50] = '.';
	}
	strcpy(longname + 255, "b");
	assert_int_equal(strlen(longname), 256);
	assert_int_equal(cfg_parse_gw_addr(longname, &a), -1);

	/* formatting: unset is empty, a short buffer is cut, not overrun */
	memset(&a, 0, sizeof(a));
	assert_string_equal(cfg_gw_addr_str(&a, buf, sizeof(buf)), "");
	assert_int_equal(cfg_parse_gw_addr("gw.example", &a), 0);
	assert_string_equal(cfg_gw_addr_str(&a, buf, 5), "gw.e");
}

/* ---- bad input -------------------------------------------------------------- */

static void test_bad_cluster(void **state)
{
	static const struct bad_case cases[] = {
		{ HEAD "virtual_ip = 198.18.0.300\n",
		  { "t.conf:7: [cluster] virtual_ip: \"198.18.0.300\" is not an "
		    "IPv4 address" } },
		{ HEAD "virtual_ip = 198.18.0.1 extra\n",
		  { "t.conf:7: [cluster] virtual_ip: \"198.18.0.1 extra\" is not "
		    "an IPv4 address" } },
		{ HEAD "virtual_ip = 2001:db8::1\n",
		  { "t.conf:7: [cluster] virtual_ip: \"2001:db8::1\" is not an "
		    "IPv4 address (an IPv6 VIP goes in virtual_ip6)" } },
		{ HEAD "virtual_ip = 224.0.0.5\n",
		  { "t.conf:7: [cluster] virtual_ip: \"224.0.0.5\" is not a "
		    "unicast IPv4 address" } },
		{ HEAD "virtual_ip = 0.0.0.0\n",
		  { "t.conf:7: [cluster] virtual_ip: \"0.0.0.0\" is not a unicast "
		    "IPv4 address" } },
		{ HEAD "virtual_ip = 127.0.0.1\n",
		  { "t.conf:7: [cluster] virtual_ip: \"127.0.0.1\" is not a "
		    "unicast IPv4 address" } },
		{ HEAD "virtual_ip =\n",
		  { "t.conf:7: [cluster] virtual_ip: \"\" is not an IPv4 "
		    "address" } },
		{ HEAD "virtual_ip6 = 2001:db8::zz\n",
		  { "t.conf:7: [cluster] virtual_ip6: \"2001:db8::zz\" is not an "
		    "IPv6 address" } },
		{ HEAD "virtual_ip6 = 198.18.0.1\n",
		  { "t.conf:7: [cluster] virtual_ip6: \"198.18.0.1\" is not an "
		    "IPv6 address (an IPv4 VIP goes in virtual_ip)" } },
		{ HEAD "virtual_ip6 = fe80::1\n",
		  { "t.conf:7: [cluster] virtual_ip6: \"fe80::1\" is not a global "
		    "unicast IPv6 address" } },
		{ HEAD "virtual_ip6 = ff02::1\n",
		  { "t.conf:7: [cluster] virtual_ip6: \"ff02::1\" is not a global "
		    "unicast IPv6 address" } },
		{ HEAD,
		  { "t.conf:4: [cluster] virtual_ip or virtual_ip6 is "
		    "required" } },
		{ "[target gw2]\naddress = 198.18.0.12\nmax_tunnels = 500\n"
		  "[cluster]\ninterface = e0\nvirtual_ip = 198.18.0.1\n",
		  { "t.conf:4: [cluster] name is required" } },
		{ "[target gw2]\naddress = 198.18.0.12\nmax_tunnels = 500\n"
		  "[cluster]\nname = lab\nvirtual_ip = 198.18.0.1\n",
		  { "t.conf:4: [cluster] interface is required" } },
		{ "[cluster]\nname = bad/name\ninterface = e0\n"
		  "virtual_ip = 198.18.0.1\n[target a]\n"
		  "address = 198.18.0.12\nmax_tunnels = 1\n",
		  { "t.conf:2: [cluster] name: \"bad/name\" is not a valid name "
		    "(1 to 32 characters from A-Z a-z 0-9 _ -)" } },
		{ "[cluster]\nname = abcdefghijklmnopqrstuvwxyz0123456\n"
		  "interface = e0\nvirtual_ip = 198.18.0.1\n[target a]\n"
		  "address = 198.18.0.12\nmax_tunnels = 1\n",
		  { "t.conf:2: [cluster] name: "
		    "\"abcdefghijklmnopqrstuvwxyz0123456\" is not a valid name "
		    "(1 to 32 characters from A-Z a-z 0-9 _ -)" } },
		{ "[cluster]\nname = l\xc3\xa4\x62\ninterface = e0\n"
		  "virtual_ip = 198.18.0.1\n[target a]\n"
		  "address = 198.18.0.12\nmax_tunnels = 1\n",
		  { "t.conf:2: [cluster] name: \"l\\xc3\\xa4b\" is not a valid "
		    "name (1 to 32 characters from A-Z a-z 0-9 _ -)" } },
		{ BASE "interface = abcdefghijklmnop\n",
		  { "t.conf:8: [cluster] duplicate key \"interface\" (first at "
		    "line 6)" } },
		{ "[cluster]\nname = lab\ninterface = abcdefghijklmnop\n"
		  "virtual_ip = 198.18.0.1\n[target a]\n"
		  "address = 198.18.0.12\nmax_tunnels = 1\n",
		  { "t.conf:3: [cluster] interface: \"abcdefghijklmnop\" is not "
		    "an interface name (1 to 15 characters, no spaces, \"/\" or "
		    "\":\")" } },
		{ "[cluster]\nname = lab\ninterface = eth0/1\n"
		  "virtual_ip = 198.18.0.1\n[target a]\n"
		  "address = 198.18.0.12\nmax_tunnels = 1\n",
		  { "t.conf:3: [cluster] interface: \"eth0/1\" is not an "
		    "interface name (1 to 15 characters, no spaces, \"/\" or "
		    "\":\")" } },
		{ BASE "vrrp = maybe\n",
		  { "t.conf:8: [cluster] vrrp: \"maybe\" is not one of off, on, "
		    "external" } },
		{ BASE "vrrp = ON\n",
		  { "t.conf:8: [cluster] vrrp: \"ON\" is not one of off, on, "
		    "external" } },
		{ BASE "xdp_mode = fast\n",
		  { "t.conf:8: [cluster] xdp_mode: \"fast\" is not one of auto, "
		    "native, generic" } },
		{ BASE "node_id = a b\n",
		  { "t.conf:8: [cluster] node_id: \"a b\" is not a valid node id "
		    "(1 to 63 characters from A-Z a-z 0-9 . _ -)" } },
		{ BASE "node_id = "
		       "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		       "abcdefghijkl\n",
		  { "t.conf:8: [cluster] node_id: "
		    "\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijkl\" is not a valid node id (1 to 63 characters "
		    "from A-Z a-z 0-9 . _ -)" } },
		{ BASE "colour = red\n",
		  { "t.conf:8: [cluster] unknown key \"colour\"" } },
		{ BASE "Name = lab\n",
		  { "t.conf:8: [cluster] unknown key \"Name\"" } },
		{ BASE "a:b = c\n",
		  { "t.conf:8: [cluster] unknown key \"a:b\"" } },
		{ BASE "name = lab2\n",
		  { "t.conf:8: [cluster] duplicate key \"name\" (first at line "
		    "5)" } },
		{ BASE "vrrp = on\n",
		  { "t.conf:8: [cluster] vrrp: \"on\" needs [vrrp] vrid",
		    "t.conf:8: [cluster] vrrp: \"on\" needs [reports] "
		    "key_file" } },
	};

	(void)state;
	RUN(cases);
}

static void test_bad_vrrp(void **state)
{
	static const struct bad_case cases[] = {
		{ BASE "[vrrp]\nvrid = 0\n",
		  { "t.conf:9: [vrrp] vrid: \"0\" is out of range (1..255)" } },
		{ BASE "[vrrp]\nvrid = 256\n",
		  { "t.conf:9: [vrrp] vrid: \"256\" is out of range (1..255)" } },
		{ BASE "[vrrp]\nvrid = 99999999999999999999\n",
		  { "t.conf:9: [vrrp] vrid: \"99999999999999999999\" is out of "
		    "range (1..255)" } },
		{ BASE "[vrrp]\nvrid = -1\n",
		  { "t.conf:9: [vrrp] vrid: \"-1\" is not a number (expected "
		    "1..255)" } },
		{ BASE "[vrrp]\nvrid = +5\n",
		  { "t.conf:9: [vrrp] vrid: \"+5\" is not a number (expected "
		    "1..255)" } },
		{ BASE "[vrrp]\nvrid = 12x\n",
		  { "t.conf:9: [vrrp] vrid: \"12x\" is not a number (expected "
		    "1..255)" } },
		{ BASE "[vrrp]\nvrid = 0x10\n",
		  { "t.conf:9: [vrrp] vrid: \"0x10\" is not a number (expected "
		    "1..255)" } },
		{ BASE "[vrrp]\nvrid = 1 2\n",
		  { "t.conf:9: [vrrp] vrid: \"1 2\" is not a number (expected "
		    "1..255)" } },
		{ BASE "[vrrp]\nvrid =\n",
		  { "t.conf:9: [vrrp] vrid: \"\" is not a number (expected "
		    "1..255)" } },
		{ BASE "[vrrp]\npriority = 0\n",
		  { "t.conf:9: [vrrp] priority: \"0\" is out of range "
		    "(1..255)" } },
		{ BASE "[vrrp]\npriority = 256\n",
		  { "t.conf:9: [vrrp] priority: \"256\" is out of range "
		    "(1..255)" } },
		{ BASE "[vrrp]\nadvert_interval_ms = 1005\n",
		  { "t.conf:9: [vrrp] advert_interval_ms: \"1005\" is not a "
		    "multiple of 10" } },
		{ BASE "[vrrp]\nadvert_interval_ms = 0\n",
		  { "t.conf:9: [vrrp] advert_interval_ms: \"0\" is out of range "
		    "(10..40950)" } },
		{ BASE "[vrrp]\nadvert_interval_ms = 40960\n",
		  { "t.conf:9: [vrrp] advert_interval_ms: \"40960\" is out of "
		    "range (10..40950)" } },
		{ BASE "[vrrp]\npreempt = maybe\n",
		  { "t.conf:9: [vrrp] preempt: \"maybe\" is not a boolean "
		    "(yes/no, true/false, on/off)" } },
		{ BASE "[vrrp]\npreempt = YES\n",
		  { "t.conf:9: [vrrp] preempt: \"YES\" is not a boolean "
		    "(yes/no, true/false, on/off)" } },
		{ BASE "[vrrp]\nvrrp_peers = 198.18.0.2 nothere\n",
		  { "t.conf:9: [vrrp] vrrp_peers: \"nothere\" is not an IP "
		    "address" } },
		{ BASE "[vrrp]\nvrrp_peers = 198.18.0.2, 198.18.0.2\n",
		  { "t.conf:9: [vrrp] vrrp_peers: \"198.18.0.2\" is listed "
		    "twice" } },
		{ BASE "[vrrp]\nvrrp_peers = 224.0.0.18\n",
		  { "t.conf:9: [vrrp] vrrp_peers: \"224.0.0.18\" is not a usable "
		    "unicast address" } },
		{ BASE "[vrrp]\nvrrp_allow = 2001:db8::2\n",
		  { "t.conf:9: [vrrp] vrrp_allow: 2001:db8::2 is not link-local (IPv6 "
		    "adverts come from link-local addresses, RFC 5798)" } },
		{ BASE "[vrrp]\nvrrp_allow = 198.18.0.2 nothere\n",
		  { "t.conf:9: [vrrp] vrrp_allow: \"nothere\" is not an IP address" } },
		{ BASE "[vrrp]\nvip_lifetime_ms = 1000\n",
		  { "t.conf:9: [vrrp] vip_lifetime_ms: 1000 is neither 0 (forever) nor at "
		    "least 2000" } },
		{ BASE "[vrrp]\nvip_lifetime_ms = 2500\n",
		  { "t.conf:9: [vrrp] vip_lifetime_ms: \"2500\" is not a multiple of 1000" } },
		{ BASE "[reports]\nkey_file_previous = /k0\n",
		  { "t.conf:9: [reports] key_file_previous: needs key_file" } },
		{ BASE "state_dir = var/lib\n",
		  { "t.conf:8: [cluster] state_dir: \"var/lib\" is not an absolute path" } },
		{ BASE "[vrrp]\nvrrp_peers = 198.18.0.2,\n",
		  { "t.conf:9: [vrrp] vrrp_peers: \"198.18.0.2,\" has an empty "
		    "list item" } },
		{ BASE "[vrrp]\nvrrp_peers = 2001:db8::2\n",
		  { "t.conf:9: [vrrp] vrrp_peers: an IPv6 peer needs "
		    "virtual_ip6" } },
		{ "[cluster]\nname = a\ninterface = e0\n"
		  "virtual_ip6 = 2001:db8::1\n[target t]\n"
		  "address = 2001:db8::12\nmax_tunnels = 1\n"
		  "[vrrp]\nvrrp_peers = 2001:db8::2 198.18.0.2\n",
		  { "t.conf:9: [vrrp] vrrp_peers: an IPv4 peer needs "
		    "virtual_ip" } },
		{ BASE "[vrrp]\nvrrp_peers = 198.18.1.1 198.18.1.2 198.18.1.3 "
		       "198.18.1.4 198.18.1.5 198.18.1.6 198.18.1.7 198.18.1.8 "
		       "198.18.1.9 198.18.1.10 198.18.1.11 198.18.1.12 "
		       "198.18.1.13 198.18.1.14 198.18.1.15 198.18.1.16 "
		       "198.18.1.17 198.18.1.18 198.18.1.19 198.18.1.20 "
		       "198.18.1.21 198.18.1.22 198.18.1.23 198.18.1.24 "
		       "198.18.1.25 198.18.1.26 198.18.1.27 198.18.1.28 "
		       "198.18.1.29 198.18.1.30 198.18.1.31 198.18.1.32 "
		       "198.18.1.33\n",
		  { "t.conf:9: [vrrp] vrrp_peers: more than 32 addresses" } },
		{ BASE "[vrrp]\nnotify = notify.sh\n",
		  { "t.conf:9: [vrrp] notify: \"notify.sh\" is not an absolute "
		    "path" } },
		{ BASE "[vrrp]\nannounce_count = 11\n",
		  { "t.conf:9: [vrrp] announce_count: \"11\" is out of range "
		    "(1..10)" } },
		{ BASE "[vrrp]\nannounce_interval_ms = 5\n",
		  { "t.conf:9: [vrrp] announce_interval_ms: \"5\" is out of "
		    "range (10..10000)" } },
		{ BASE "[vrrp]\nvrid = 1\nvrid = 2\n",
		  { "t.conf:10: [vrrp] duplicate key \"vrid\" (first at line "
		    "9)" } },
		{ BASE "[vrrp]\nweight = 3\n",
		  { "t.conf:9: [vrrp] unknown key \"weight\"" } },
	};

	(void)state;
	RUN(cases);
}

static void test_bad_redirect(void **state)
{
	static const struct bad_case cases[] = {
		{ BASE "[redirect]\nports = 70000\n",
		  { "t.conf:9: [redirect] ports: \"70000\" is out of range "
		    "(1..65535)" } },
		{ BASE "[redirect]\nports = 0\n",
		  { "t.conf:9: [redirect] ports: \"0\" is out of range "
		    "(1..65535)" } },
		{ BASE "[redirect]\nports = abc\n",
		  { "t.conf:9: [redirect] ports: \"abc\" is not a number "
		    "(expected 1..65535)" } },
		{ BASE "[redirect]\nports = 500 500\n",
		  { "t.conf:9: [redirect] ports: port 500 is listed twice" } },
		{ BASE "[redirect]\nports = 1 2 3 4 5\n",
		  { "t.conf:9: [redirect] ports: more than 4 ports" } },
		{ BASE "[redirect]\nports =\n",
		  { "t.conf:9: [redirect] ports: empty list, expected 1 to 4 "
		    "ports" } },
		{ BASE "[redirect]\nports = 500,,4500\n",
		  { "t.conf:9: [redirect] ports: \"500,,4500\" has an empty list "
		    "item" } },
		{ BASE "[redirect]\nports = , 500\n",
		  { "t.conf:9: [redirect] ports: \", 500\" has an empty list "
		    "item" } },
		{ BASE "[redirect]\nnatt_ports = 4501\n",
		  { "t.conf:9: [redirect] natt_ports: 4501 is not in ports" } },
		{ BASE "[redirect]\nnatt_ports = 4500\nports = 500\n",
		  { "t.conf:9: [redirect] natt_ports: 4500 is not in ports" } },
		{ BASE "[redirect]\nunsupported = reject\n",
		  { "t.conf:9: [redirect] unsupported: \"reject\" is not one of "
		    "pass, drop, steer" } },
		{ BASE "[redirect]\nno_target = steer\n",
		  { "t.conf:9: [redirect] no_target: \"steer\" is not one of "
		    "pass, drop" } },
		{ BASE "[redirect]\nunsupported = steer\nmode = auth\nvici = /run/c.vici\n",
		  { "t.conf:9: [redirect] unsupported: \"steer\" needs mode = init (in auth "
		    "mode charon terminates IKE at the VIP)" } },
		{ BASE "[redirect]\nno_target = reject\n",
		  { "t.conf:9: [redirect] no_target: \"reject\" is not one of "
		    "pass, drop" } },
		{ BASE "[redirect]\npolicy = random\n",
		  { "t.conf:9: [redirect] policy: \"random\" is not one of "
		    "least-utilization, least-tunnels, fewest-reported-tunnels" } },
		{ BASE "[redirect]\nmode = post\n",
		  { "t.conf:9: [redirect] mode: \"post\" is not one of init, "
		    "auth" } },
		{ BASE "[redirect]\nmode = auth\n",
		  { "t.conf:9: [redirect] mode: \"auth\" needs vici (the "
		    "strongSwan vici socket path)" } },
		{ BASE "[redirect]\nvici = run/charon.vici\nmode = auth\n",
		  { "t.conf:9: [redirect] vici: \"run/charon.vici\" is not an "
		    "absolute path" } },
		{ BASE "[redirect]\nauth_fallback = drop\n",
		  { "t.conf:9: [redirect] auth_fallback: \"drop\" is not one of "
		    "pass, init" } },
		{ BASE "[redirect]\nrate_per_source = 1000001\n",
		  { "t.conf:9: [redirect] rate_per_source: \"1000001\" is out of range "
		    "(0..1000000)" } },
		{ BASE "[redirect]\nburst_per_source = 0\n",
		  { "t.conf:9: [redirect] burst_per_source: \"0\" is out of range "
		    "(1..10000000)" } },
		{ BASE "[redirect]\nrate_total = -1\n",
		  { "t.conf:9: [redirect] rate_total: \"-1\" is not a number "
		    "(expected 0..1000000)" } },
		{ BASE "[redirect]\nburst_total = 10000001\n",
		  { "t.conf:9: [redirect] burst_total: \"10000001\" is out of range "
		    "(1..10000000)" } },
		{ BASE "[redirect]\nburst_per_source = 49\nrate_per_source = 4901\n",
		  { "t.conf:9: [redirect] burst_per_source: 49 is less than "
		    "rate_per_source / 100 (50): the XDP program's clock moves a jiffy "
		    "(up to 10 ms) at a time, and within one a bucket hands out no more "
		    "than its burst" } },
		{ BASE "[redirect]\nrate_per_source = 3000000\n",
		  { "t.conf:9: [redirect] rate_per_source: \"3000000\" is out of range "
		    "(0..1000000)" } },
		{ BASE "[redirect]\nburst_per_source = 49\n",
		  { "t.conf:9: [redirect] burst_per_source: 49 is less than "
		    "rate_per_source / 100 (50): the XDP program's clock moves a jiffy "
		    "(up to 10 ms) at a time, and within one a bucket hands out no more "
		    "than its burst" } },
		{ BASE "[redirect]\nrate_total = 200000\nburst_total = 1999\n",
		  { "t.conf:10: [redirect] burst_total: 1999 is less than rate_total / 100 "
		    "(2000): the XDP program's clock moves a jiffy (up to 10 ms) at a "
		    "time, and within one a bucket hands out no more than its burst" } },
		{ BASE "[redirect]\ncookies = maybe\n",
		  { "t.conf:9: [redirect] cookies: \"maybe\" is not one of off, on, "
		    "auto" } },
		{ BASE "[redirect]\ncookie_threshold = 0\n",
		  { "t.conf:9: [redirect] cookie_threshold: \"0\" is out of range "
		    "(1..10000000)" } },
		{ BASE "[redirect]\ncookie_rotation_ms = 999\n",
		  { "t.conf:9: [redirect] cookie_rotation_ms: \"999\" is out of range "
		    "(1000..86400000)" } },
		{ BASE "[redirect]\nanswer_tagged = 1\n",
		  { "t.conf:9: [redirect] answer_tagged: \"1\" is not a boolean (yes/no, "
		    "true/false, on/off)" } },
		{ BASE "[redirect]\nauth_connection = a b\n",
		  { "t.conf:9: [redirect] auth_connection: \"a b\" is not a "
		    "valid connection name (1 to 64 characters from A-Z a-z "
		    "0-9 . _ -)" } },
		{ BASE "[redirect]\nauth_connection = "
		       "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		       "abcdefghijklm\n",
		  { "t.conf:9: [redirect] auth_connection: "
		    "\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
		    "abcdefghijkl...\" is not a valid connection name (1 to 64 "
		    "characters from A-Z a-z 0-9 . _ -)" } },
	};

	(void)state;
	RUN(cases);
}

static void test_bad_reports(void **state)
{
	static const struct bad_case cases[] = {
		{ BASE "[reports]\nkey_file = cluster.key\n",
		  { "t.conf:9: [reports] key_file: \"cluster.key\" is not an "
		    "absolute path" } },
		{ BASE "[reports]\ngroup = 198.18.0.5\n",
		  { "t.conf:9: [reports] group: \"198.18.0.5\" is not a "
		    "multicast group (e.g. 239.255.75.1 or ff02::4510)" } },
		{ BASE "[reports]\ngroup = 224.0.0.18\n",
		  { "t.conf:9: [reports] group: \"224.0.0.18\" is not a "
		    "multicast group (e.g. 239.255.75.1 or ff02::4510)" } },
		{ BASE "[reports]\ngroup = ff01::1\n",
		  { "t.conf:9: [reports] group: \"ff01::1\" is not a "
		    "multicast group (e.g. 239.255.75.1 or ff02::4510)" } },
		{ BASE "[reports]\ngroup = 2001:db8::5\n",
		  { "t.conf:9: [reports] group: \"2001:db8::5\" is not a "
		    "multicast group (e.g. 239.255.75.1 or ff02::4510)" } },
		{ BASE "[reports]\nport = 0\n",
		  { "t.conf:9: [reports] port: \"0\" is out of range "
		    "(1..65535)" } },
		{ BASE "[reports]\nport = 65536\n",
		  { "t.conf:9: [reports] port: \"65536\" is out of range "
		    "(1..65535)" } },
		{ BASE "[reports]\nkey_file = /k\nport = 500\n",
		  { "t.conf:10: [reports] port: 500 is also in [redirect] "
		    "ports" } },
		{ BASE "[reports]\nkey_file = /k\n[redirect]\nports = 500 4510\n",
		  { "t.conf:11: [redirect] ports: 4510 is also the [reports] "
		    "port" } },
		{ BASE "[reports]\ngroup = 239.1.1.1\n"
		       "peers = 198.18.0.2\n",
		  { "t.conf:10: [reports] peers: use either peers or "
		    "group, not both" } },
		{ BASE "[reports]\npeers = 198.18.0.2 ::1\n",
		  { "t.conf:9: [reports] peers: \"::1\" is not a usable "
		    "unicast address" } },
		{ BASE "[reports]\ninterval_ms = 49\n",
		  { "t.conf:9: [reports] interval_ms: \"49\" is out of "
		    "range (50..60000)" } },
		{ BASE "[reports]\ninterval_ms = 60001\n",
		  { "t.conf:9: [reports] interval_ms: \"60001\" is out of "
		    "range (50..60000)" } },
		{ BASE "[reports]\ndead_after_ms = 1000\n",
		  { "t.conf:9: [reports] dead_after_ms: 1000 must be more than "
		    "interval_ms (1000)" } },
		{ BASE "[reports]\ndead_after_ms = 400\ninterval_ms = 500\n",
		  { "t.conf:9: [reports] dead_after_ms: 400 must be more than "
		    "interval_ms (500)" } },
		{ BASE "[reports]\ndead_after_ms = 3600001\n",
		  { "t.conf:9: [reports] dead_after_ms: \"3600001\" is out of "
		    "range (1..3600000)" } },
	};

	(void)state;
	RUN(cases);
}

/* [metrics] listen: either family, every address, loopback, a port. */
static void test_metrics_listen(void **state)
{
	static const struct {
		const char *value, *addr;
		unsigned port;
	} good[] = {
		{ "127.0.0.1:9110", "127.0.0.1", 9110 },
		{ "0.0.0.0:1", "0.0.0.0", 1 },
		{ "198.18.0.11:65535", "198.18.0.11", 65535 },
		{ "[::1]:9110", "::1", 9110 },
		{ "[::]:9110", "::", 9110 },
		{ "[2001:db8::11]:80", "2001:db8::11", 80 },
	};
	char text[256];
	struct config c;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), BASE "[metrics]\nlisten = %s\n", good[i].value);
		parse_ok(text, &c);
		assert_cfg_ip(&c.metrics_listen.addr, good[i].addr);
		assert_int_equal(c.metrics_listen.port, good[i].port);
		config_free(&c);
	}
}

static void test_bad_metrics(void **state)
{
#define LISTEN_ERR(v, what) { BASE "[metrics]\nlisten = " v "\n", \
	{ "t.conf:9: [metrics] listen: \"" v "\" is not ADDRESS:PORT" what } }
	static const struct bad_case cases[] = {
		LISTEN_ERR("9110", " (e.g. 127.0.0.1:9110, [::1]:9110)"),
		LISTEN_ERR("127.0.0.1", " (e.g. 127.0.0.1:9110, [::1]:9110)"),
		LISTEN_ERR("[::1]", " (e.g. 127.0.0.1:9110, [::1]:9110)"),
		LISTEN_ERR("[::1:9110", " (e.g. 127.0.0.1:9110, [::1]:9110)"),
		LISTEN_ERR("::1:9110", " (an IPv6 address goes in brackets: [2001:db8::1]:9110)"),
		LISTEN_ERR("localhost:9110", ": not an IPv4 address before the colon"),
		LISTEN_ERR("[198.18.0.1]:9110", ": not an IPv6 address in the brackets"),
		LISTEN_ERR("198.18.0.1:0", ": the port must be 1..65535"),
		LISTEN_ERR("198.18.0.1:65536", ": the port must be 1..65535"),
		LISTEN_ERR("198.18.0.1:", ": the port must be 1..65535"),
		LISTEN_ERR("198.18.0.1:91x", ": the port must be 1..65535"),
		LISTEN_ERR("239.1.1.1:9110", ": the address must be one of this host's, 0.0.0.0 or [::]"),
		LISTEN_ERR("255.255.255.255:9110",
			   ": the address must be one of this host's, 0.0.0.0 or [::]"),
		LISTEN_ERR("[fe80::1]:9110", ": the address must be one of this host's, 0.0.0.0 or [::]"),
		LISTEN_ERR("[ff02::1]:9110", ": the address must be one of this host's, 0.0.0.0 or [::]"),
		{ BASE "[metrics]\nport = 9110\n",
		  { "t.conf:9: [metrics] unknown key \"port\"" } },
	};
#undef LISTEN_ERR

	(void)state;
	RUN(cases);
}

static void test_bad_gateway(void **state)
{
	static const struct bad_case cases[] = {
		{ BASE "[gateway]\n",
		  { "t.conf:8: [gateway] address is required",
		    "t.conf:8: [gateway] max_tunnels is required" } },
		{ BASE "[gateway]\naddress = 198.18.0.11\nmax_tunnels = 1\ndrain_migrate = yes\n",
		  { "t.conf:11: [gateway] drain_migrate: needs tunnels = vici:PATH (clients are "
		    "moved by asking strongSwan over VICI)" } },
		{ BASE "[gateway]\naddress = 198.18.0.11\nmax_tunnels = 1\nmigrate_rate = 0\n",
		  { "t.conf:11: [gateway] migrate_rate: \"0\" is out of range (1..100)" } },
		{ BASE "[gateway]\naddress = 198.18.0.1\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: 198.18.0.1 is the cluster's "
		    "virtual_ip (a VIP is never a target)" } },
		{ BASE "[gateway]\naddress = 198.18.0.12\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: 198.18.0.12 is already the "
		    "address of [target gw2] (line 2)" } },
		{ BASE "[gateway]\naddress = 198.18.0.300\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: \"198.18.0.300\" is not an "
		    "IPv4 address" } },
		{ BASE "[gateway]\naddress = 1.2.3\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: \"1.2.3\" is not an IPv4 "
		    "address" } },
		{ BASE "[gateway]\naddress = 2001:db8::1::2\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: \"2001:db8::1::2\" is not an "
		    "IPv6 address" } },
		{ BASE "[gateway]\naddress = fe80::5\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: \"fe80::5\" is not a usable "
		    "unicast address" } },
		{ BASE "[gateway]\naddress = gw..example\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: \"gw..example\" is not an IP "
		    "address or a valid host name (RFC 1123)" } },
		{ BASE "[gateway]\naddress = -gw.example\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: \"-gw.example\" is not an IP "
		    "address or a valid host name (RFC 1123)" } },
		{ BASE "[gateway]\naddress = gw_1.example\nmax_tunnels = 1\n",
		  { "t.conf:9: [gateway] address: \"gw_1.example\" is not an IP "
		    "address or a valid host name (RFC 1123)" } },
		{ BASE "[gateway]\naddress = gw.example\naddress6 = 198.18.0.5\n"
		       "max_tunnels = 1\n",
		  { "t.conf:10: [gateway] address6: \"198.18.0.5\" is not an "
		    "IPv6 address" } },
		{ BASE "[gateway]\naddress = gw.example\naddress6 = gw.example\n"
		       "max_tunnels = 1\n",
		  { "t.conf:10: [gateway] address6: \"gw.example\" is not an "
		    "IPv6 address" } },
		{ BASE "[gateway]\naddress = gw.example\naddress6 = ::\n"
		       "max_tunnels = 1\n",
		  { "t.conf:10: [gateway] address6: \"::\" is not a usable "
		    "unicast address" } },
		{ BASE "[gateway]\naddress = 2001:db8::10\n"
		       "address6 = 2001:db8::11\nmax_tunnels = 1\n",
		  { "t.conf:10: [gateway] address6: not allowed when address is "
		    "an IPv6 address" } },
		{ BASE "[gateway]\naddress = gw.example\nmax_tunnels = 0\n",
		  { "t.conf:10: [gateway] max_tunnels: \"0\" is out of range "
		    "(1..10000000)" } },
		{ BASE "[gateway]\naddress = gw.example\nmax_tunnels = 10000001\n",
		  { "t.conf:10: [gateway] max_tunnels: \"10000001\" is out of "
		    "range (1..10000000)" } },
		{ BASE "[reports]\nkey_file = /k\n[gateway]\naddress = gw.example\n"
		       "max_tunnels = 1\n",
		  { "t.conf:10: [gateway] tunnels is required when [reports] "
		    "key_file is set (vici:PATH, xfrm, file:PATH or "
		    "static:N)" } },
		{ BASE "[gateway]\naddress = gw.example\nmax_tunnels = 1\n"
		       "tunnels = xfrm\n",
		  { "t.conf:11: [gateway] tunnels: needs [reports] key_file (load "
		    "reports carry the count)" } },
		{ BASE "[reports]\nkey_file = /k\n[gateway]\naddress = gw.example\n"
		       "max_tunnels = 1\ntunnels = bogus\n",
		  { "t.conf:13: [gateway] tunnels: \"bogus\" is not a tunnel "
		    "source (vici:PATH, xfrm, file:PATH or static:N)" } },
		{ BASE "[reports]\nkey_file = /k\n[gateway]\naddress = gw.example\n"
		       "max_tunnels = 1\ntunnels = vici:run/charon.vici\n",
		  { "t.conf:13: [gateway] tunnels: \"vici:run/charon.vici\" is "
		    "not a tunnel source: PATH must be an absolute path" } },
		{ BASE "[reports]\nkey_file = /k\n[gateway]\naddress = gw.example\n"
		       "max_tunnels = 1\ntunnels = file:\n",
		  { "t.conf:13: [gateway] tunnels: \"file:\" is not a tunnel "
		    "source: PATH must be an absolute path" } },
		{ BASE "[reports]\nkey_file = /k\n[gateway]\naddress = gw.example\n"
		       "max_tunnels = 1\ntunnels = static:x\n",
		  { "t.conf:13: [gateway] tunnels: \"static:x\" is not a tunnel "
		    "source: N in static:N must be a number 0..10000000" } },
		{ BASE "[reports]\nkey_file = /k\n[gateway]\naddress = gw.example\n"
		       "max_tunnels = 1\ntunnels = static:10000001\n",
		  { "t.conf:13: [gateway] tunnels: \"static:10000001\" is not a "
		    "tunnel source: N in static:N must be a number "
		    "0..10000000" } },
		{ BASE "[reports]\nkey_file = /k\n[gateway]\naddress = gw.example\n"
		       "max_tunnels = 1\ntunnels = XFRM\n",
		  { "t.conf:13: [gateway] tunnels: \"XFRM\" is not a tunnel "
		    "source (vici:PATH, xfrm, file:PATH or static:N)" } },
		{ BASE "[gateway]\naddress = gw.example\nmax_tunnels = 1\n"
		       "[gateway]\n",
		  { "t.conf:11: duplicate section [gateway] (first at line 8)" } },
	};

	(void)state;
	RUN(cases);
}

static void test_bad_targets(void **state)
{
	static const struct bad_case cases[] = {
		{ BASE "[target]\n",
		  { "t.conf:8: section [target] needs a name: [target NAME]" } },
		{ BASE "[target bad!]\naddress = 198.18.0.13\n",
		  { "t.conf:8: [target NAME]: \"bad!\" is not a valid name (1 to "
		    "32 characters from A-Z a-z 0-9 _ -)" } },
		{ BASE "[target a b]\n",
		  { "t.conf:8: [target NAME]: \"a b\" is not a valid name (1 to "
		    "32 characters from A-Z a-z 0-9 _ -)" } },
		{ BASE "[target gw2]\naddress = 198.18.0.13\n",
		  { "t.conf:8: duplicate section [target gw2] (first at line "
		    "1)" } },
		{ BASE "[target gw3]\n",
		  { "t.conf:8: [target gw3] address is required",
		    "t.conf:8: [target gw3] max_tunnels is required" } },
		{ BASE "[target gw3]\naddress = 198.18.0.1\nmax_tunnels = 5\n",
		  { "t.conf:9: [target gw3] address: 198.18.0.1 is the cluster's "
		    "virtual_ip (a VIP is never a target)" } },
		{ BASE "virtual_ip6 = 2001:db8::1\n[target gw3]\n"
		       "address = 198.18.0.13\naddress6 = 2001:db8::1\n"
		       "max_tunnels = 5\n",
		  { "t.conf:11: [target gw3] address6: 2001:db8::1 is the "
		    "cluster's virtual_ip6 (a VIP is never a target)" } },
		{ BASE "virtual_ip6 = 2001:db8::1\n[target gw3]\n"
		       "address = 2001:db8::1\nmax_tunnels = 5\n",
		  { "t.conf:10: [target gw3] address: 2001:db8::1 is the "
		    "cluster's virtual_ip6 (a VIP is never a target)" } },
		{ BASE "[target gw3]\naddress = 198.18.0.12\nmax_tunnels = 5\n",
		  { "t.conf:9: [target gw3] address: 198.18.0.12 is already the "
		    "address of [target gw2] (line 2)" } },
		{ BASE "[target gw3]\naddress = GW.Example\nmax_tunnels = 5\n"
		       "[target gw4]\naddress = gw.example\nmax_tunnels = 5\n",
		  { "t.conf:12: [target gw4] address: gw.example is already the "
		    "address of [target gw3] (line 9)" } },
		{ BASE "[target gw3]\naddress = gw3.example\n"
		       "address6 = 2001:db8::3\nmax_tunnels = 5\n"
		       "[target gw4]\naddress = 2001:db8::3\nmax_tunnels = 5\n",
		  { "t.conf:13: [target gw4] address: 2001:db8::3 is already the "
		    "address6 of [target gw3] (line 10)" } },
		{ BASE "[target gw3]\naddress = 2001:db8::3\n"
		       "address6 = 2001:db8::4\nmax_tunnels = 5\n",
		  { "t.conf:10: [target gw3] address6: not allowed when address "
		    "is an IPv6 address" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = -5\n",
		  { "t.conf:10: [target gw3] max_tunnels: \"-5\" is not a number "
		    "(expected 1..10000000)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\n"
		       "tunnels = xfrm\n",
		  { "t.conf:11: [target gw3] unknown key \"tunnels\"" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\n"
		       "address = gw4.example\n",
		  { "t.conf:11: [target gw3] duplicate key \"address\" (first at "
		    "line 9)" } },
	};

	(void)state;
	RUN(cases);
}

/* Steering: labels, MACs, and what goes with them. */
static void test_bad_steering(void **state)
{
	static const struct bad_case cases[] = {
		{ BASE "[gateway]\naddress = 198.18.0.11\nmax_tunnels = 5\nsteer_label = 0\n",
		  { "t.conf:11: [gateway] steer_label: \"0\" is out of range (1..255)" } },
		{ BASE "[gateway]\naddress = 198.18.0.11\nmax_tunnels = 5\nsteer_label = 256\n",
		  { "t.conf:11: [gateway] steer_label: \"256\" is out of range (1..255)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = x\n",
		  { "t.conf:11: [target gw3] steer_label: \"x\" is not a number (expected "
		    "1..255)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 4\n"
		       "mac = 02:00:00:00:00\n",
		  { "t.conf:12: [target gw3] mac: \"02:00:00:00:00\" is not a MAC address "
		    "(aa:bb:cc:dd:ee:ff)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 4\n"
		       "mac = 02-00-00-00-00-01\n",
		  { "t.conf:12: [target gw3] mac: \"02-00-00-00-00-01\" is not a MAC address "
		    "(aa:bb:cc:dd:ee:ff)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 4\n"
		       "mac = 02:00:00:00:00:0g\n",
		  { "t.conf:12: [target gw3] mac: \"02:00:00:00:00:0g\" is not a MAC address "
		    "(aa:bb:cc:dd:ee:ff)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 4\n"
		       "mac = 02:00:00:00:00:01:02\n",
		  { "t.conf:12: [target gw3] mac: \"02:00:00:00:00:01:02\" is not a MAC "
		    "address (aa:bb:cc:dd:ee:ff)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 4\n"
		       "mac = 01:00:5e:00:00:01\n",
		  { "t.conf:12: [target gw3] mac: \"01:00:5e:00:00:01\" is a group MAC address, "
		    "not a host's" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 4\n"
		       "mac = 00:00:00:00:00:00\n",
		  { "t.conf:12: [target gw3] mac: \"00:00:00:00:00:00\" is not a usable MAC "
		    "address (all zero)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\n"
		       "mac = 02:00:00:00:00:01\n",
		  { "t.conf:11: [target gw3] mac: needs steer_label (a MAC is only used to "
		    "steer to the target)" } },
		{ BASE "[gateway]\naddress = 198.18.0.11\nmax_tunnels = 5\nsteer_label = 3\n"
		       "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 3\n",
		  { "t.conf:15: [target gw3] steer_label: 3 is already the [gateway]'s "
		    "(line 11)" } },
		{ BASE "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 9\n"
		       "[target gw4]\naddress = gw4.example\nmax_tunnels = 5\nsteer_label = 9\n",
		  { "t.conf:15: [target gw4] steer_label: 9 is already the one of [target gw3] "
		    "(line 11)" } },
	};
	struct config c;

	(void)state;
	RUN(cases);
	/* steering on, with labels everywhere, is fine */
	parse_ok(BASE "[redirect]\nunsupported = steer\n"
		      "[gateway]\naddress = 198.18.0.11\nmax_tunnels = 5\nsteer_label = 3\n"
		      "[target gw3]\naddress = gw3.example\nmax_tunnels = 5\nsteer_label = 4\n"
		      "mac = 02:00:00:00:00:04\n",
		 &c);
	assert_true(config_steering(&c));
	assert_int_equal(c.unsupported, IKELB_ACT_STEER);
	assert_int_equal(c.gw_steer_label, 3);
	config_free(&c);
}

static void test_bad_structure(void **state)
{
	static const struct bad_case cases[] = {
		{ "", { "t.conf:1: the file is empty (only comments and blank "
			"lines)" } },
		{ "# only\n; comments\n\n   \n",
		  { "t.conf:1: the file is empty (only comments and blank "
		    "lines)" } },
		{ "[target gw2]\naddress = 198.18.0.12\nmax_tunnels = 500\n",
		  { "t.conf:1: [cluster] section is missing (name, interface and "
		    "virtual_ip or virtual_ip6 are required)" } },
		{ "[cluster]\nname = lab\ninterface = e0\n"
		  "virtual_ip = 198.18.0.1\n",
		  { "t.conf:1: no targets: add a [gateway] or [target NAME] "
		    "section, or set [reports] key_file so that gateways report "
		    "themselves" } },
		{ "name = lab\n" BASE,
		  { "t.conf:1: key \"name\" is outside of any section" } },
		{ BASE "[cluster]\nname = other\n",
		  { "t.conf:8: duplicate section [cluster] (first at line 4)" } },
		{ BASE "[cluster x]\n",
		  { "t.conf:8: section [cluster] takes no name, got \"x\"" } },
		{ BASE "[Cluster]\n",
		  { "t.conf:8: unknown section [Cluster] (expected cluster, vrrp, "
		    "redirect, reports, gateway, target NAME or metrics)" } },
		{ BASE "[foo]\nbar = 1\n",
		  { "t.conf:8: unknown section [foo] (expected cluster, vrrp, "
		    "redirect, reports, gateway, target NAME or metrics)" } },
		{ BASE "[]\n",
		  { "t.conf:8: unknown section [] (expected cluster, vrrp, "
		    "redirect, reports, gateway, target NAME or metrics)" } },
		{ BASE "[redirect\n",
		  { "t.conf:8: \"[redirect\" is not a section header (no \"]\" at "
		    "the end)" } },
		{ BASE "= 5\n", { "t.conf:8: missing key before \"=\"" } },
		{ BASE "what\n",
		  { "t.conf:8: expected \"key = value\", a [section] or a "
		    "comment, got \"what\"" } },
		{ BASE "name: lab\n",
		  { "t.conf:8: expected \"key = value\", a [section] or a "
		    "comment, got \"name: lab\"" } },
		{ BASE "[redirect]\nports = 500\n  4500\n",
		  { "t.conf:10: continuation lines are not supported; put the "
		    "value on one line" } },
		{ BASE "\x01\x7f\n",
		  { "t.conf:8: expected \"key = value\", a [section] or a "
		    "comment, got \"\\x01\\x7f\"" } },
		/* quoting: escapes and a cut after 64 bytes */
		{ BASE "xdp_mode = \"a\\b"
		       "cccccccccccccccccccccccccccccccccccccccccccccccccccccc"
		       "cccccccccccccccc\n",
		  { "t.conf:8: [cluster] xdp_mode: \"\\\"a\\\\b"
		    "cccccccccccccccccccccccccccccccccccccccccccccccccccccc"
		    "cccccc...\" is not one of auto, native, generic" } },
		/* every problem is reported, in file order */
		{ "[cluster]\n"
		  "name = lab\n"
		  "virtual_ip = 198.18.0.300\n"
		  "[target gw2]\n"
		  "address = 198.18.0.12\n"
		  "[redirect]\n"
		  "mode = auth\n"
		  "natt_ports = 4501\n",
		  { "t.conf:1: [cluster] interface is required",
		    "t.conf:3: [cluster] virtual_ip: \"198.18.0.300\" is not an "
		    "IPv4 address",
		    "t.conf:4: [target gw2] max_tunnels is required",
		    "t.conf:7: [redirect] mode: \"auth\" needs vici (the "
		    "strongSwan vici socket path)",
		    "t.conf:8: [redirect] natt_ports: 4501 is not in ports" } },
	};

	(void)state;
	RUN(cases);
}

/* ---- renamed section and keys ---------------------------------------------- */

static void test_renamed(void **state)
{
	static const struct bad_case cases[] = {
		/* the old section: named, and its keys still read, so that the
		 * old key names are named in the same run */
		{ BASE "[status]\nkey_file = /k\nstatus_port = 4600\n"
		       "status_interval_ms = 200\nstatus_group = 239.1.1.1\n"
		       "status_peers = 198.18.0.2\ndead_after_ms = 9000\n",
		  { "t.conf:8: section [status] is now called [reports]",
		    "t.conf:10: [status] key \"status_port\" is now called "
		    "\"port\"",
		    "t.conf:11: [status] key \"status_interval_ms\" is now "
		    "called \"interval_ms\"",
		    "t.conf:12: [status] key \"status_group\" is now called "
		    "\"group\"",
		    "t.conf:13: [status] key \"status_peers\" is now called "
		    "\"peers\"" } },
		/* old key names in the new section */
		{ BASE "[reports]\nstatus_port = 4600\n",
		  { "t.conf:9: [reports] key \"status_port\" is now called "
		    "\"port\"" } },
		/* both: the second is a duplicate of the first */
		{ BASE "[status]\n[reports]\n",
		  { "t.conf:8: section [status] is now called [reports]",
		    "t.conf:9: duplicate section [reports] (first at line 8)" } },
		/* new names elsewhere are not known */
		{ BASE "[vrrp]\nport = 4600\n",
		  { "t.conf:9: [vrrp] unknown key \"port\"" } },
	};
	struct config c;

	(void)state;
	RUN(cases);
	/* the new spelling of the old example */
	parse_ok(BASE "[reports]\nkey_file = /k\nport = 4600\ninterval_ms = 200\n"
		      "group = 239.1.1.1\n",
		 &c);
	assert_int_equal(c.reports_port, 4600);
	assert_int_equal(c.reports_interval_ms, 200);
	assert_int_equal(c.dead_after_ms, 600);
	assert_cfg_ip(&c.reports_group, "239.1.1.1");
	config_free(&c);
}

/* ---- reload -------------------------------------------------------------------- */

/*
 * Which keys SIGHUP may change, written out by hand (they are the settings
 * that need new sockets, a new program or new pins: the cluster's name,
 * interface, VIPs, VRRP and its mode, XDP mode, [vrrp]'s election
 * settings, auth mode and its socket, and the load reports' key, group,
 * port and peers).  These are the keys the table had when the decision
 * moved into it; a key added later carries its decision in its own row.
 */
static const struct reload_case {
	const char *section, *key, *value; /* the changed value */
	bool refused;
} reload_cases[] = {
	{ "cluster", "name", "lab2", true },
	{ "cluster", "interface", "e1", true },
	{ "cluster", "virtual_ip", "198.18.0.2", true },
	{ "cluster", "virtual_ip6", "2001:db8::2", true },
	{ "cluster", "vrrp", "external", true },
	{ "cluster", "xdp_mode", "native", true },
	{ "cluster", "node_id", "n1", false },
	{ "cluster", "state_dir", "/var/lib/other", true },
	{ "cluster", "rebalance", "on", false },
	{ "cluster", "rebalance_threshold", "20", false },
	{ "cluster", "rebalance_hold_ms", "5000", false },
	{ "vrrp", "vrid", "52", true },
	{ "vrrp", "priority", "150", true },
	{ "vrrp", "advert_interval_ms", "200", true },
	{ "vrrp", "preempt", "no", true },
	{ "vrrp", "vrrp_peers", "198.18.0.5", true },
	{ "vrrp", "vrrp_allow", "198.18.0.5 fe80::5", false },
	{ "vrrp", "notify", "/bin/true", false },
	{ "vrrp", "vip_lifetime_ms", "9000", false },
	{ "vrrp", "announce_count", "5", false },
	{ "vrrp", "announce_interval_ms", "100", false },
	{ "redirect", "ports", "500", false },
	{ "redirect", "natt_ports", "", false },
	{ "redirect", "unsupported", "drop", false },
	{ "redirect", "no_target", "drop", false },
	{ "redirect", "policy", "least-tunnels", false },
	{ "redirect", "mode", "init", true },
	{ "redirect", "vici", "/run/other.vici", true },
	{ "redirect", "auth_fallback", "init", false },
	{ "redirect", "auth_connection", "c1", false },
	/* a key rotated in place or moved: read again on every reload */
	{ "reports", "key_file", "/k2", false },
	{ "reports", "key_file_previous", "/k0", false },
	{ "reports", "group", "239.1.1.1", true },
	{ "reports", "port", "4600", true },
	{ "reports", "peers", "198.18.0.7", true },
	{ "reports", "interval_ms", "500", false },
	{ "reports", "dead_after_ms", "9000", false },
	{ "gateway", "address", "198.18.0.11", false },
	{ "gateway", "address6", "2001:db8::10", false },
	{ "gateway", "max_tunnels", "20", false },
	{ "gateway", "tunnels", "static:5", false },
	{ "gateway", "steer_label", "7", false },
	{ "gateway", "migrate_rate", "9", false },
	{ "target", "address", "198.18.0.13", false },
	{ "target", "address6", "2001:db8::13", false },
	{ "target", "max_tunnels", "6", false },
	{ "target", "steer_label", "8", false },
	{ "metrics", "listen", "198.18.0.10:9111", true },
};

/* The running config of the reload cases, in file order. */
static const struct { const char *section, *key, *value; } reload_base[] = {
	{ "cluster", "name", "lab" },
	{ "cluster", "interface", "e0" },
	{ "cluster", "virtual_ip", "198.18.0.1" },
	{ "cluster", "virtual_ip6", "2001:db8::1" },
	{ "cluster", "vrrp", "on" },
	{ "vrrp", "vrid", "51" },
	{ "redirect", "mode", "auth" },
	{ "redirect", "vici", "/run/charon.vici" },
	{ "reports", "key_file", "/k" },
	{ "gateway", "address", "198.18.0.10" },
	{ "gateway", "max_tunnels", "10" },
	{ "gateway", "tunnels", "xfrm" },
	{ "target", "address", "198.18.0.12" },
	{ "target", "max_tunnels", "5" },
	{ "metrics", "listen", "127.0.0.1:9110" },
};

/* The base config with one key set to value (section NULL: unchanged). */
static void reload_text(char *out, size_t size, const char *section, const char *key,
			const char *value)
{
	static const char *const order[] = { "cluster", "vrrp", "redirect", "reports",
					     "gateway", "target", "metrics" };
	size_t o = 0, i, j;
	bool done = false;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		o += (size_t)snprintf(out + o, size - o, "[%s%s]\n", order[i],
				      strcmp(order[i], "target") ? "" : " t");
		for (j = 0; j < sizeof(reload_base) / sizeof(reload_base[0]); j++) {
			bool hit = section && !strcmp(reload_base[j].section, section) &&
				   !strcmp(reload_base[j].key, key);

			if (strcmp(reload_base[j].section, order[i]))
				continue;
			o += (size_t)snprintf(out + o, size - o, "%s = %s\n", reload_base[j].key,
					      hit ? value : reload_base[j].value);
			done = done || hit;
		}
		if (section && !done && !strcmp(section, order[i])) {
			o += (size_t)snprintf(out + o, size - o, "%s = %s\n", key, value);
			done = true;
		}
	}
	assert_true(o < size);
}

static void test_reload_refusal(void **state)
{
	char text[1024], label[64];
	struct config run, next;
	const char *why;
	size_t i;

	(void)state;
	reload_text(text, sizeof(text), NULL, NULL, NULL);
	parse_ok(text, &run);
	parse_ok(text, &next);
	assert_null(config_reload_refusal(&run, &next));
	config_free(&next);
	for (i = 0; i < sizeof(reload_cases) / sizeof(reload_cases[0]); i++) {
		const struct reload_case *r = &reload_cases[i];

		reload_text(text, sizeof(text), r->section, r->key, r->value);
		parse_ok(text, &next);
		why = config_reload_refusal(&run, &next);
		snprintf(label, sizeof(label), "[%s] %s", r->section, r->key);
		print_message("# %s = %s: %s\n", label, r->value, why ? why : "live");
		if (r->refused) {
			assert_non_null(why);
			assert_string_equal(why, label);
		} else {
			assert_null(why);
		}
		/* and back: the same answer */
		why = config_reload_refusal(&next, &run);
		assert_true((why != NULL) == r->refused);
		config_free(&next);
	}
	/* a VIP that goes away: its has_ flag changes */
	reload_text(text, sizeof(text), NULL, NULL, NULL);
	*strstr(text, "virtual_ip6") = '#';
	parse_ok(text, &next);
	assert_false(next.has_vip6);
	assert_string_equal(config_reload_refusal(&run, &next), "[cluster] virtual_ip6");
	config_free(&next);
	/* key_file may change in place, but not come or go: that starts or
	 * stops the report protocol (its socket) */
	reload_text(text, sizeof(text), NULL, NULL, NULL);
	parse_ok(text, &next);
	assert_true(next.has_key_file);
	next.has_key_file = false;
	next.key_file[0] = 0;
	assert_string_equal(config_reload_refusal(&run, &next), "[reports] key_file");
	assert_string_equal(config_reload_refusal(&next, &run), "[reports] key_file");
	config_free(&next);
	config_free(&run);

	/* each case's row says the same: the table is where it is decided */
	for (i = 0; i < sizeof(reload_cases) / sizeof(reload_cases[0]); i++) {
		const struct cfg_key *k = cfg_key_find(reload_cases[i].section,
						       reload_cases[i].key);

		assert_non_null(k);
		assert_int_equal(k->reload == CFG_RESTART, reload_cases[i].refused);
	}
}

/* ---- the files the daemon trusts --------------------------------------------------- */

static void test_file_trust(void **state)
{
	char dir[] = "/tmp/ikelb-trust.XXXXXX", path[64], script[64], why[256];
	struct cfg_errors e;
	struct config c;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	snprintf(script, sizeof(script), "%s/notify.sh", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, BASE "[vrrp]\nnotify = %s\n", script);
	fclose(f);
	f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n");
	fclose(f);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(script, 0755), 0);
	assert_int_equal(config_load(path, &c, &e), 0);
	assert_int_equal(config_check_files(&c, &e), 0);
	assert_int_equal(e.n, 0);
	/* group- or world-writable: refused, with the reason */
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(config_file_trusted(path, why, sizeof(why)), -1);
	assert_string_equal(why, "group-writable (mode 0664); chmod g-w it");
	assert_int_equal(chmod(path, 0646), 0);
	assert_int_equal(config_file_trusted(path, why, sizeof(why)), -1);
	assert_string_equal(why, "writable by others (mode 0646); chmod o-w it");
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(chmod(script, 0775), 0);
	assert_int_equal(config_check_files(&c, &e), -1);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msg[0], "notify.sh: [vrrp] notify script: refused: "
					  "group-writable (mode 0775)"));
	cfg_errors_free(&e);
	/* owned by someone else (neither root nor us) */
	assert_int_equal(chmod(script, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(script, 4242, 4242), 0);
		assert_int_equal(config_file_trusted(script, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "owned by uid 4242, neither root nor"));
	}
	/* not there, not a file */
	assert_int_equal(config_file_trusted(dir, why, sizeof(why)), -1);
	assert_string_equal(why, "not a regular file");
	unlink(script);
	assert_int_equal(config_check_files(&c, &e), -1);
	assert_non_null(strstr(e.msg[0], "No such file or directory"));
	cfg_errors_free(&e);
	config_free(&c);
	unlink(path);
	rmdir(dir);
}

/* ---- the table itself ------------------------------------------------------------ */

static void test_table(void **state)
{
	char label[64];
	struct config c;
	size_t i, j;

	(void)state;
	for (i = 0; i < cfg_n_keys; i++) {
		const struct cfg_key *k = &cfg_keys[i];
		const struct cfg_section *s = cfg_section_find(k->section);

		assert_non_null(s);
		snprintf(label, sizeof(label), "[%s] %s", k->section, k->name);
		assert_string_equal(k->label, label);
		assert_non_null(k->type);
		assert_ptr_equal(cfg_key_find(k->section, k->name), k);
		/* the field lies inside its struct */
		assert_true(k->off < (s->named ? sizeof(struct cfg_target) : sizeof(struct config)));
		/* cross-field checks find singleton keys by their field */
		assert_ptr_equal(cfg_key_at(k->off, s->named), k);
		/* an old name is not also a current one */
		if (k->was)
			assert_null(cfg_key_find(k->section, k->was));
		for (j = 0; j < i; j++)
			assert_false(!strcmp(cfg_keys[j].section, k->section) &&
				     !strcmp(cfg_keys[j].name, k->name));
	}
	for (i = 0; i < cfg_n_sections; i++)
		if (cfg_sections[i].was)
			assert_null(cfg_section_find(cfg_sections[i].was));
	/* every default parses (config_defaults would abort) */
	config_defaults(&c);
	assert_int_equal(c.reports_port, 4510);
}

/* ---- limits and files --------------------------------------------------------- */

static void test_too_many_targets(void **state)
{
	size_t size = 200 * 80, o;
	char *text = malloc(size);
	struct config c;
	struct cfg_errors e;
	unsigned i;

	(void)state;
	assert_non_null(text);
	o = (size_t)snprintf(text, size, "%s", BASE);
	/* gw2 is the first target; 126 more make 127, the 128th is refused */
	for (i = 1; i <= 127; i++)
		o += (size_t)snprintf(text + o, size - o,
				      "[target t%u]\naddress = 198.18.%u.%u\n"
				      "max_tunnels = 1\n",
				      i, 2 + i / 200, 1 + i % 200);
	assert_int_equal(config_parse_string(text, "t.conf", &c, &e), -1);
	assert_int_equal(e.n, 1);
	/* line 8 + 3 * 126 = 386 */
	assert_string_equal(e.msg[0],
			    "t.conf:386: [target t127]: more than 127 targets");
	cfg_errors_free(&e);

	/* exactly 127 are fine */
	*strstr(text, "[target t127]") = '\0';
	parse_ok(text, &c);
	assert_int_equal(c.n_targets, 127);
	assert_string_equal(c.targets[126].name, "t126");
	assert_int_equal(c.targets[126].max_tunnels, 1);
	config_free(&c);
	free(text);
}

static void test_error_cap(void **state)
{
	char text[4096], *p = text;
	struct config c;
	struct cfg_errors e;
	unsigned i;

	(void)state;
	p += sprintf(p, "%s", BASE);
	for (i = 0; i < 150; i++)
		p += sprintf(p, "junk%u\n", i);
	assert_int_equal(config_parse_string(text, "t.conf", &c, &e), -1);
	assert_int_equal(e.n, CFG_MAX_ERRORS + 1);
	assert_string_equal(e.msg[0], "t.conf:8: expected \"key = value\", a "
				      "[section] or a comment, got \"junk0\"");
	assert_string_equal(e.msg[99], "t.conf:107: expected \"key = value\", "
				       "a [section] or a comment, got "
				       "\"junk99\"");
	assert_string_equal(e.msg[100],
			    "t.conf:108: too many errors, not reporting more");
	cfg_errors_free(&e);
}

static char *write_temp(const void *data, size_t len)
{
	char *path = strdup("/tmp/test_config_XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void test_load_file(void **state)
{
	static const char nul[] = BASE "[vrrp]\nvrid = 5\0junk\n";
	struct config c;
	struct cfg_errors e;
	char *path, want[256];
	char *big;
	int r;

	(void)state;
	path = write_temp(full_config, strlen(full_config));
	r = config_load(path, &c, &e);
	unlink(path); /* first, so a failing check leaves nothing behind */
	assert_int_equal(r, 0);
	assert_int_equal(e.n, 0);
	assert_string_equal(c.path, path);
	assert_string_equal(c.name, "lab-1_x");
	assert_int_equal(c.n_targets, 2);
	config_free(&c);
	cfg_errors_free(&e);
	free(path);

	/* messages carry the path as given */
	path = write_temp(BASE "[vrrp]\nvrid = 0\n",
			  strlen(BASE "[vrrp]\nvrid = 0\n"));
	r = config_load(path, &c, &e);
	unlink(path);
	assert_int_equal(r, -1);
	assert_int_equal(e.n, 1);
	snprintf(want, sizeof(want),
		 "%s:9: [vrrp] vrid: \"0\" is out of range (1..255)", path);
	assert_string_equal(e.msg[0], want);
	cfg_errors_free(&e);

	/* a NUL byte cannot be in a string; in a file it is an error */
	free(path);
	path = write_temp(nul, sizeof(nul) - 1);
	r = config_load(path, &c, &e);
	unlink(path);
	assert_int_equal(r, -1);
	assert_int_equal(e.n, 1);
	snprintf(want, sizeof(want), "%s:9: the line contains a NUL byte",
		 path);
	assert_string_equal(e.msg[0], want);
	cfg_errors_free(&e);

	/* gone: one message, no line */
	assert_int_equal(config_load(path, &c, &e), -1);
	assert_int_equal(e.n, 1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
		 path);
	assert_string_equal(e.msg[0], want);
	cfg_errors_free(&e);
	free(path);

	/* a directory */
	assert_int_equal(config_load("/", &c, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], "/: cannot read: Is a directory");
	cfg_errors_free(&e);

	/* 1 MiB is the limit */
	big = malloc(1024 * 1024 + 1);
	assert_non_null(big);
	memset(big, '\n', 1024 * 1024 + 1);
	path = write_temp(big, 1024 * 1024 + 1);
	r = config_load(path, &c, &e);
	unlink(path);
	assert_int_equal(r, -1);
	assert_int_equal(e.n, 1);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	assert_string_equal(e.msg[0], want);
	cfg_errors_free(&e);
	free(path);
	free(big);
}

/* The shipped example must stay a valid config (tests run from the top
 * of the source tree). */
static void test_example_config(void **state)
{
	const char *path = "scripts/ikelb.conf.example";
	struct config c;
	struct cfg_errors e;

	(void)state;
	if (access(path, R_OK) != 0) {
		print_message("# %s not found: not run from the source tree\n",
			      path);
		skip();
	}
	if (config_load(path, &c, &e) != 0)
		print_errors(&e);
	assert_int_equal(e.n, 0);
	assert_string_equal(c.name, "lab");
	assert_int_equal(c.vrrp, CFG_VRRP_ON);
	assert_int_equal(c.vrid, 51);
	assert_int_equal(c.priority, 150);
	assert_true(config_reports_enabled(&c));
	assert_int_equal(c.tunnels, CFG_TUNNELS_VICI);
	assert_string_equal(c.tunnels_path, "/run/charon.vici");
	assert_gw(&c.gw_address6, IKE_GW_ID_IPV6, "2001:db8::10");
	assert_int_equal(c.n_targets, 1);
	assert_string_equal(c.targets[0].name, "gw9");
	assert_cfg_ip(&c.metrics_listen.addr, "127.0.0.1");
	assert_int_equal(c.metrics_listen.port, 9110);
	config_free(&c);
	cfg_errors_free(&e);
}

/* The lenient reader behind `status` and `drain`: only [cluster] name. */
static void test_cluster_name(void **state)
{
	static const char broken[] = "[target x]\nbogus\n[cluster]\n"
				     "name = lab-2   # comment\nvrid = 999\n";
	static const char bad_name[] = "[cluster]\nname = bad/name\n";
	static const char other[] = "[target cluster]\nname = x\n[cluster x]\nname = y\n";
	char name[64] = "", *path;

	(void)state;
	path = write_temp(broken, strlen(broken));
	assert_int_equal(config_cluster_name(path, name, sizeof(name)), 0);
	unlink(path);
	free(path);
	assert_string_equal(name, "lab-2");
	path = write_temp(bad_name, strlen(bad_name));
	assert_int_equal(config_cluster_name(path, name, sizeof(name)), -1);
	unlink(path);
	free(path);
	path = write_temp(other, strlen(other));
	assert_int_equal(config_cluster_name(path, name, sizeof(name)), -1);
	unlink(path);
	free(path);
	assert_int_equal(config_cluster_name("/nonexistent/x.conf", name, sizeof(name)), -1);
}

static void test_string_name(void **state)
{
	struct config c;
	struct cfg_errors e;

	(void)state;
	assert_int_equal(config_parse_string("", NULL, &c, &e), -1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], "<string>:1: the file is empty (only "
				      "comments and blank lines)");
	cfg_errors_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_other_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_derived_defaults),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_gw_addr),
		cmocka_unit_test(test_bad_cluster),
		cmocka_unit_test(test_bad_vrrp),
		cmocka_unit_test(test_bad_redirect),
		cmocka_unit_test(test_bad_reports),
		cmocka_unit_test(test_bad_gateway),
		cmocka_unit_test(test_metrics_listen),
		cmocka_unit_test(test_bad_metrics),
		cmocka_unit_test(test_bad_targets),
		cmocka_unit_test(test_bad_steering),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_too_many_targets),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_string_name),
		cmocka_unit_test(test_cluster_name),
		cmocka_unit_test(test_renamed),
		cmocka_unit_test(test_reload_refusal),
		cmocka_unit_test(test_vip_lifetime),
		cmocka_unit_test(test_file_trust),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
