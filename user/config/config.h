/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The cluster configuration file.  This header is the contract between the
 * parser (config.c, with its tokenizer config_lex.c and its table of keys
 * config_table.c) and the rest of the daemon; every key, its default and
 * its range is in the table, here and in ikelb-load(8).
 *
 * [cluster]   name, interface, virtual_ip, virtual_ip6, vrrp, xdp_mode, node_id,
 *             rebalance, rebalance_threshold, rebalance_hold_ms, state_dir
 * [vrrp]      vrid, priority, advert_interval_ms, preempt, vrrp_peers, vrrp_allow,
 *             notify, announce_count, announce_interval_ms, vip_lifetime_ms
 * [redirect]  ports, natt_ports, unsupported, no_target, policy, mode, vici,
 *             auth_fallback, auth_connection, rate_per_source,
 *             burst_per_source, rate_total, burst_total, cookies,
 *             cookie_threshold, cookie_rotation_ms, answer_tagged
 * [reports]   key_file, key_file_previous, group, port, peers, interval_ms,
 *             dead_after_ms
 *             (once [status] with status_group, status_port, status_peers,
 *             status_interval_ms: those names are refused with the new one)
 * [gateway]   address, address6, max_tunnels, tunnels, migrate_rate, drain_migrate,
 *             steer_label
 * [target NAME] (repeatable) address, address6, max_tunnels, steer_label, mac
 * [metrics]   listen
 *
 * Syntax (config_lex.h): "key = value" lines; "#" or ";" at the start of a
 * line or after a blank starts a comment; no continuation lines; keys and
 * enum values are lower case; booleans are yes/no, true/false, on/off;
 * numbers are plain decimal; lists are separated by blanks and/or commas.
 * Unknown or duplicate sections and keys are errors.
 */
#ifndef IKELB_CONFIG_H
#define IKELB_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ip.h"
#include "ikelb.h"

#define CFG_DEFAULT_PATH "/etc/ikelb/ikelb.conf"
#define CFG_DEFAULT_STATE_DIR "/var/lib/ikelb" /* the units' StateDirectory=ikelb */
#define CFG_VIP_LIFETIME_MIN_MS 2000u /* below that the kernel's 1 s granularity bites */
#define CFG_NAME_MAX 32 /* cluster and target names: [A-Za-z0-9_-], 1..32 */
#define CFG_NODE_ID_MAX 63
#define CFG_MAX_PEERS 32
#define CFG_MAX_TARGETS (IKELB_MAX_TARGETS - 1) /* one index for [gateway] */
#define CFG_MAX_TUNNELS 10000000u
#define CFG_DEAD_AFTER_MAX 3600000u /* ms */
#define CFG_MAX_ERRORS 100 /* then one "too many errors" line */
#define CFG_MAX_RATE 1000000u /* answers/s: at HZ 100 still 6 clock ticks apart */
#define CFG_MAX_BURST 10000000u
/* The program's clock moves a jiffy (1 to 10 ms) at a time: within one, a
 * bucket hands out at most its burst, so a burst must hold rate / 100 for
 * the rate to be reached on every kernel (HZ is 100 at the least). */
#define CFG_MIN_BURST_DIV 100

enum cfg_vrrp { CFG_VRRP_OFF, CFG_VRRP_ON, CFG_VRRP_EXTERNAL };
enum cfg_xdp_mode { CFG_XDP_AUTO, CFG_XDP_NATIVE, CFG_XDP_GENERIC };
enum cfg_redirect_mode { CFG_MODE_INIT, CFG_MODE_AUTH };
enum cfg_policy {
	CFG_POLICY_LEAST_UTILIZATION,
	CFG_POLICY_LEAST_TUNNELS,
	CFG_POLICY_FEWEST_REPORTED, /* the classic policy, for comparison (balancer.h) */
};
enum cfg_auth_fallback { CFG_FALLBACK_PASS, CFG_FALLBACK_INIT };
/* off and on as enum ikelb_cookie_mode; auto: on while the node sees more
 * requests per second than cookie_threshold (dataplane/cookies.h) */
enum cfg_cookies { CFG_COOKIES_OFF, CFG_COOKIES_ON, CFG_COOKIES_AUTO };
enum cfg_tunnels {
	CFG_TUNNELS_NONE, /* no source: balanced like a static target */
	CFG_TUNNELS_VICI, /* vici:<socket path> */
	CFG_TUNNELS_XFRM, /* xfrm */
	CFG_TUNNELS_FILE, /* file:<path> */
	CFG_TUNNELS_STATIC, /* static:<N> */
};

/* Where clients are sent: an RFC 5685 GW identity. */
struct cfg_gw_addr {
	uint8_t type; /* IKE_GW_ID_IPV4 / _IPV6 / _FQDN; 0 when unset */
	uint8_t len; /* 4, 16, or the FQDN length 1..255 */
	uint8_t data[IKE_GW_ID_MAX_LEN + 1]; /* FQDN is also NUL-terminated */
};

/* Where a TCP server listens: an address of this host, or 0.0.0.0 / ::
 * for every address of that family; port 0 when unset (off). */
struct cfg_listen {
	struct ip_addr addr;
	uint16_t port;
};

struct cfg_target {
	char name[CFG_NAME_MAX + 1];
	struct cfg_gw_addr address; /* required: IPv4, IPv6 or FQDN */
	struct cfg_gw_addr address6; /* optional IPv6 for the IPv6 VIP's clients;
				      * not when address is IPv6 */
	uint32_t max_tunnels; /* required, 1..CFG_MAX_TUNNELS */
	uint32_t steer_label; /* 1..255; 0: never steered to */
	bool has_mac; /* mac given; else the neighbour table's */
	uint8_t mac[6]; /* its MAC on the cluster's interface */
	int line; /* of the section header, for messages */
};

struct config {
	char path[PATH_MAX];

	/* [cluster] */
	char name[CFG_NAME_MAX + 1]; /* required */
	char interface[IF_NAMESIZE]; /* required */
	bool has_vip4, has_vip6; /* at least one */
	struct in_addr vip4; /* virtual_ip: unicast IPv4 */
	struct in6_addr vip6; /* virtual_ip6: global unicast IPv6 */
	enum cfg_vrrp vrrp; /* off | on | external; default off */
	enum cfg_xdp_mode xdp_mode; /* auto | native | generic; default auto */
	char node_id[CFG_NODE_ID_MAX + 1]; /* [A-Za-z0-9._-]; "" = the host
					    * name (the daemon fills it in) */
	/* rebalancing: a gateway above the mean utilisation by more than
	 * rebalance_threshold points for rebalance_hold_ms moves clients
	 * (cluster/rebalance.h); default off, 10 points, 60 s; the hold time
	 * also keeps a moved client where it landed (ike/migrate_sas.h) */
	bool rebalance;
	uint32_t rebalance_threshold; /* 1..100 */
	uint32_t rebalance_hold_ms; /* 1000..3600000 */
	/* where state that outlives the daemon is kept (drain: <name>.drain);
	 * default CFG_DEFAULT_STATE_DIR */
	char state_dir[PATH_MAX];

	/* [vrrp]: used with vrrp = on */
	uint32_t vrid; /* 1..255, required with vrrp = on */
	uint32_t priority; /* 1..255, default 100; 255 only for the owner of
			    * the VIP address (checked by the daemon) */
	uint32_t advert_interval_ms; /* 10..40950, multiple of 10; default 1000 */
	bool preempt; /* yes | no; default yes */
	/* unicast adverts instead; each family needs its VIP; IPv6 link-local
	 * is allowed (on the cluster interface) */
	struct ip_addr vrrp_peers[CFG_MAX_PEERS];
	unsigned n_vrrp_peers;
	/* adverts are taken only from these sources (and from vrrp_peers);
	 * none: from anyone.  IPv6 entries are link-local (adverts' source) */
	struct ip_addr vrrp_allow[CFG_MAX_PEERS];
	unsigned n_vrrp_allow;
	char notify[PATH_MAX]; /* absolute path of a script, "" = none */
	uint32_t announce_count; /* gratuitous ARP / NA per takeover, 1..10, default 3 */
	uint32_t announce_interval_ms; /* 10..10000, default 500 */
	/* valid lifetime of a VIP this node adds, refreshed while it holds
	 * it, so that the kernel removes it after a crash; 0: forever;
	 * else 2000..3600000 in whole seconds; default 3 advert intervals
	 * rounded up to a second, at least 2000 */
	uint32_t vip_lifetime_ms;

	/* [redirect] */
	uint16_t ports[IKELB_MAX_PORTS]; /* default 500 4500 */
	unsigned n_ports;
	/* subset of ports; default: 4500 if it is one of ports; "" = none */
	uint16_t natt_ports[IKELB_MAX_PORTS];
	unsigned n_natt_ports;
	enum ikelb_action unsupported; /* pass | drop | steer; default pass */
	enum ikelb_action no_target; /* pass | drop; default pass */
	enum cfg_policy policy; /* least-utilization | least-tunnels | fewest-reported-tunnels */
	enum cfg_redirect_mode mode; /* init | auth; default init */
	char vici[PATH_MAX]; /* auth mode: strongSwan's vici socket path */
	enum cfg_auth_fallback auth_fallback; /* pass | init; default pass */
	/* [A-Za-z0-9._-]{1,64}; "" = any SA at a VIP */
	char auth_connection[CFG_NAME_MAX * 2 + 1];
	/* Answer limits of the XDP program (docs/xdp.md), REDIRECTs and
	 * COOKIEs alike: answers per second and burst per source (an IPv4
	 * address, an IPv6 /64) and for the whole node; a rate of 0 is no
	 * limit.  A burst holds at least rate / CFG_MIN_BURST_DIV. */
	uint32_t rate_per_source; /* 0..CFG_MAX_RATE, default 5000 */
	uint32_t burst_per_source; /* 1..CFG_MAX_BURST, default 20000 */
	uint32_t rate_total; /* 0..CFG_MAX_RATE, default 0 */
	uint32_t burst_total; /* 1..CFG_MAX_BURST, default rate_total (at least 1) */
	enum cfg_cookies cookies; /* off | on | auto; default auto */
	uint32_t cookie_threshold; /* requests/s that switch auto on; 1..10000000, default 1000 */
	uint32_t cookie_rotation_ms; /* secret lifetime; 1000..86400000, default 300000 */
	bool answer_tagged; /* answer 802.1Q/802.1ad tagged frames; default no */

	/* [reports]: load reports run when key_file is set; required with
	 * vrrp = on, and with a [gateway] that has a tunnels source.  The key
	 * file itself is read and checked by the reports module. */
	char key_file[PATH_MAX];
	bool has_key_file;
	/* a second key accepted on receive only, during a key rotation */
	char key_file_previous[PATH_MAX];
	/* group: IPv4 multicast outside 224.0.0.0/24, or IPv6 multicast of at
	 * least link-local scope; default 239.255.75.1 */
	struct ip_addr reports_group;
	uint16_t reports_port; /* port: default 4510; not one of the IKE ports */
	/* peers: unicast instead of the group (setting both is an error) */
	struct ip_addr reports_peers[CFG_MAX_PEERS];
	unsigned n_reports_peers;
	uint32_t reports_interval_ms; /* interval_ms: 50..60000, default 1000 */
	/* > reports_interval_ms, <= CFG_DEAD_AFTER_MAX;
	 * default 3 * reports_interval_ms */
	uint32_t dead_after_ms;

	/* [gateway]: this node is a VPN gateway too */
	bool has_gateway;
	struct cfg_gw_addr gw_address; /* required in the section; never a VIP */
	/* optional IPv6 literal for the IPv6 VIP's clients, when address is
	 * IPv4 or a host name */
	struct cfg_gw_addr gw_address6;
	uint32_t gw_max_tunnels; /* required in the section, 1..CFG_MAX_TUNNELS */
	enum cfg_tunnels tunnels; /* required when key_file is set */
	char tunnels_path[PATH_MAX]; /* vici: socket, file: path */
	uint32_t tunnels_static; /* static:N, 0..CFG_MAX_TUNNELS */
	/* 1..255, unique in the cluster: the label of this gateway's SPIs
	 * (ikelb-load strongswan-conf); 0: never steered to */
	uint32_t gw_steer_label;
	/* moving this gateway's clients elsewhere (needs tunnels = vici:):
	 * at most migrate_rate per second (1..100, default 5); drain_migrate:
	 * `drain on` migrates without --migrate (default no) */
	uint32_t migrate_rate;
	bool drain_migrate;

	/* [target NAME]: gateways that do not run ikelb */
	struct cfg_target *targets;
	unsigned n_targets;

	/* [metrics]: Prometheus metrics over HTTP, off unless listen is set */
	struct cfg_listen metrics_listen; /* "ADDR:PORT" or "[ADDR6]:PORT" */
};

/*
 * Problems found in a config file: "FILE:LINE: message" each, in line
 * order; "FILE: message" when the file cannot be read at all.  At most
 * CFG_MAX_ERRORS, then one "too many errors" line.
 */
struct cfg_errors {
	char **msg;
	unsigned n;
};

/* Fills *c with the table's defaults. */
void config_defaults(struct config *c);
/*
 * Parses and validates; returns 0, or -1 with every problem in *errs (the
 * caller frees them with cfg_errors_free; *errs is overwritten, not appended
 * to).  *c is only valid on success and must be released with config_free;
 * on failure nothing in it needs freeing.  No side effects: host names are
 * only checked for syntax, the key file is not opened.  Files larger than
 * 1 MiB are refused.
 */
int config_load(const char *path, struct config *c, struct cfg_errors *errs);
/* The same for text in memory; name is used in messages. */
int config_parse_string(const char *text, const char *name, struct config *c,
			struct cfg_errors *errs);
void config_free(struct config *c);
void cfg_errors_free(struct cfg_errors *errs);

/*
 * Parses an IPv4/IPv6 literal or an FQDN into a GW identity; 0 or -1 (and
 * *out zeroed).  Addresses must be usable unicast (not unspecified,
 * loopback, multicast, broadcast, IPv6 link-local or v4-mapped); names are
 * RFC 1123 (labels 1..63 of A-Z a-z 0-9 -, not starting or ending in "-",
 * last label not all digits), 255 characters at most.
 */
int cfg_parse_gw_addr(const char *s, struct cfg_gw_addr *out);
/* Formats a GW identity ("198.18.0.10", "2001:db8::a", "gw.example"); ""
 * when unset.  A host name is cut to fit len; an address needs
 * INET6_ADDRSTRLEN bytes, else the result is "". */
const char *cfg_gw_addr_str(const struct cfg_gw_addr *a, char *buf, size_t len);
/* The config file's name of a policy ("least-utilization", ...). */
const char *cfg_policy_name(enum cfg_policy p);
/* Just [cluster] name, without validating the rest; 0 or -1. */
int config_cluster_name(const char *path, char *out, size_t len);
/* True when load reports run (key_file set). */
bool config_reports_enabled(const struct config *c);
/* True when the XDP program steers what it cannot redirect
 * ([redirect] unsupported = steer). */
bool config_steering(const struct config *c);
/*
 * The files the daemon trusts with its privileges: the config file itself
 * and the notify script.  Each must be a regular file owned by root or
 * the daemon's effective user and writable by nobody else (no group or
 * world write bit).  0, or -1 with "FILE: reason" lines in *errs (the
 * caller frees them).
 */
int config_check_files(const struct config *c, struct cfg_errors *errs);
/* One file by that rule: 0, or -1 with the reason in why ("group-writable
 * (mode 0664); chmod g-w it"). */
int config_file_trusted(const char *path, char *why, size_t len);
/*
 * Whether a reload (SIGHUP) may replace the running config with next: NULL
 * when it may, else the first key next changes that needs a restart, as
 * "[section] key" (e.g. "[cluster] interface").  Decided by each key's
 * row in the config table (config_table.h: CFG_RESTART); [target NAME]
 * keys are always live.
 */
const char *config_reload_refusal(const struct config *running, const struct config *next);

#endif
