// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The metrics view: one row per metric family, each naming where in the
 * status snapshot (docs/status-json.md) its samples are.  Names follow
 * Prometheus' conventions: the ikelb_ prefix (but process_start_time_seconds,
 * the name every exporter uses), base units (seconds, ratios), _total on
 * counters.  Labels are bounded: target names (at most IKELB_MAX_TARGETS
 * targets, named by the config or by authenticated load reports),
 * families (2), and reasons, states and outcomes that the code names.
 */
#include "daemon/metrics_view.h"

#define COUNTER(n, h, ...) { .name = n, .type = PROM_COUNTER, .help = h, __VA_ARGS__ }
#define GAUGE(n, h, ...) { .name = n, .type = PROM_GAUGE, .help = h, __VA_ARGS__ }
/* per element of vips[], vrrp_speakers[], targets[] */
#define VIP .each = "vips", .labels = { { "family", "family" } }
#define SPEAKER .each = "vrrp_speakers", .labels = { { "family", "family" } }
#define TARGET .each = "targets", .labels = { { "target", "name" } }
/* per callback name of the event loop */
#define LOOP_CB .each = "loop/callbacks_by_name", \
		.labels = { { "callback", "name" }, { "kind", "kind" } }

static const char *const roles[] = { "master", "backup", NULL };
static const char *const on_off[] = { "on", "off", NULL };
static const char *const vrrp_states[] = { "INIT", "BACKUP", "MASTER", "NOT_STARTED", NULL };
static const char *const target_states[] = { "active", "draining", "unhealthy", "full",
					     "dead", NULL };
/* members of a speaker's "drops" that are errors, not dropped adverts */
static const char *const not_drops[] = { "recv_errors", "send_errors", NULL };
/* members of reports.receiver that are not a verdict */
static const char *const not_verdicts[] = { "received", "vip_identity", "previous_key",
					     "conflicts", NULL };
/* members of counters that count events along the way, not a packet's
 * outcome: each outcome counter counts a packet once, these do not */
static const char *const xdp_events[] = { "requests", "cookie_valid", "cookie_invalid",
					   "steered_local", NULL };
static const struct metric_pick slots[] = { { "slots_ipv4", "ipv4" },
					    { "slots_ipv6", "ipv6" },
					    { NULL, NULL } };
static const struct metric_pick slow_causes[] = { { "slow_ran", "ran" },
						  { "slow_waited", "waited" },
						  { "slow_not_run", "not_run" },
						  { NULL, NULL } };
static const struct metric_pick auth_sas[] = { { "lingering", "lingering" },
					       { "kept", "kept" },
					       { "closing", "closing" },
					       { NULL, NULL } };

const struct metric_row metrics_view_rows[] = {
	/* the daemon */
	GAUGE("ikelb_build_info", "The version of ikelb-load; always 1.",
	      .labels = { { "version", "version" } }),
	GAUGE("ikelb_cluster_info",
	      "The cluster this node is in, its node id and its redirect mode (init or auth); "
	      "always 1.",
	      .labels = { { "cluster", "cluster" }, { "node_id", "reports/node_id" },
			  { "mode", "mode" } }),
	GAUGE("process_start_time_seconds", "When ikelb-load started, in Unix seconds.",
	      .value = "started"),
	COUNTER("ikelb_config_reloads_total", "Config reloads (SIGHUP) applied.",
		.value = "reloads"),
	COUNTER("ikelb_config_reload_failures_total",
		"Config reloads refused: a bad file, or a change that needs a restart.",
		.value = "reload_failures"),
	COUNTER("ikelb_log_lines_dropped_total",
		"Log lines dropped because stderr (a pipe or journald's socket) was full: the "
		"daemon never waits for its reader.",
		.value = "log_lines_dropped"),
	GAUGE("ikelb_draining",
	      "1 while this gateway drains (ikelb-load drain on): it takes no new clients.",
	      .value = "draining"),
	GAUGE("ikelb_xdp_attached", "1 while the XDP program is attached to the interface.",
	      .value = "xdp/attached"),

	/* roles */
	GAUGE("ikelb_role",
	      "This node's role for the VIP of a family: 1 for the role it has, 0 for the other.",
	      VIP, .value = "role", .by = "role", .states = roles),
	COUNTER("ikelb_role_changes_total", "Role changes of this node for the VIP of a family.",
		VIP, .value = "transitions"),
	GAUGE("ikelb_role_changed_timestamp_seconds",
	      "When this node's role for the VIP of a family last changed, in Unix seconds.", VIP,
	      .value = "since"),
	GAUGE("ikelb_vrrp_master_priority",
	      "VRRP priority of the current master of a family, as far as this node knows.", VIP,
	      .value = "master_priority"),

	/* VRRP: one virtual router (speaker) per family */
	GAUGE("ikelb_vrrp_state",
	      "State of this node's VRRP virtual router of a family: 1 for the state it is in.",
	      SPEAKER, .value = "state", .by = "state", .states = vrrp_states),
	GAUGE("ikelb_vrrp_advert_interval_seconds",
	      "The master's VRRP advertisement interval, as this node's virtual router uses it.",
	      SPEAKER, .value = "master_adver_interval_ms", .scale = 0.001),
	COUNTER("ikelb_vrrp_adverts_sent_total", "VRRP advertisements sent.", SPEAKER,
		.value = "sent"),
	COUNTER("ikelb_vrrp_adverts_received_total", "VRRP advertisements received, before checks.",
		SPEAKER, .value = "received"),
	COUNTER("ikelb_vrrp_adverts_accepted_total",
		"VRRP advertisements that passed every check and reached the state machine.",
		SPEAKER, .value = "accepted"),
	COUNTER("ikelb_vrrp_adverts_dropped_total", "VRRP advertisements dropped, by reason.",
		SPEAKER, .value = "drops", .by = "reason", .except = not_drops),
	COUNTER("ikelb_vrrp_receive_errors_total", "Errors reading the VRRP socket.", SPEAKER,
		.value = "drops/recv_errors"),
	COUNTER("ikelb_vrrp_send_errors_total", "VRRP advertisements that could not be sent.",
		SPEAKER, .value = "drops/send_errors"),

	/* the XDP program: every counter of enum ikelb_counter, by its name */
	COUNTER("ikelb_xdp_packets_total",
		"Packets the XDP program handled, by outcome, summed over CPUs.",
		.value = "counters", .by = "outcome", .except = xdp_events),
	COUNTER("ikelb_xdp_requests_total",
		"Well-formed IKE_SA_INIT requests the XDP program saw at a VIP (what cookies = "
		"auto measures), summed over CPUs.",
		.value = "counters/requests"),
	COUNTER("ikelb_xdp_cookies_valid_total",
		"Requests whose COOKIE the XDP program verified, summed over CPUs.",
		.value = "counters/cookie_valid"),
	COUNTER("ikelb_xdp_cookies_invalid_total",
		"Requests whose COOKIE did not verify (answered with a new one), summed over CPUs.",
		.value = "counters/cookie_invalid"),
	GAUGE("ikelb_cookies_state",
	      "Whether the XDP program asks requests for a cookie now ([redirect] cookies; "
	      "auto turns them on under a flood): 1 for the state it is in.",
	      .value = "cookies/state", .by = "state", .states = on_off),
	COUNTER("ikelb_cookies_switches_total", "Changes of the cookie state.",
		.value = "cookies/switches"),
	COUNTER("ikelb_cookie_secret_rotations_total", "Cookie secrets rotated.",
		.value = "cookies/rotations"),
	COUNTER("ikelb_cookie_secret_rotation_failures_total",
		"Cookie secret rotations that failed (the previous secrets stay).",
		.value = "cookies/rotation_failures"),
	GAUGE("ikelb_answer_limit_per_source_per_second", "[redirect] rate_per_source: answers per second "
	      "to one source (0: no limit).", .value = "limits/rate_per_source"),
	GAUGE("ikelb_answer_limit_node_per_second", "[redirect] rate_total: answers per second of the "
	      "node (0: no limit).", .value = "limits/rate_total"),
	COUNTER("ikelb_xdp_steered_local_total",
		"Packets steered to this node's own stack (its gateway's SAs), summed over CPUs.",
		.value = "counters/steered_local"),

	/* targets */
	GAUGE("ikelb_target_info",
	      "A target this node knows: its kind (self, member, static) and the identities "
	      "clients are sent to; always 1.",
	      .each = "targets",
	      .labels = { { "target", "name" }, { "kind", "kind" }, { "address", "address" } }),
	GAUGE("ikelb_target_state",
	      "State of a target (active, draining, unhealthy, full, dead): 1 for the state it "
	      "is in.",
	      TARGET, .value = "state", .by = "state", .states = target_states),
	GAUGE("ikelb_target_tunnels",
	      "Tunnels of a target at its last load report (none for static targets).", TARGET,
	      .value = "tunnels"),
	GAUGE("ikelb_target_max_tunnels", "Capacity of a target: its max_tunnels.", TARGET,
	      .value = "max_tunnels"),
	GAUGE("ikelb_target_utilization_ratio",
	      "Tunnels over max_tunnels of a target (for a static target the balancer's "
	      "estimate).",
	      TARGET, .value = "utilization"),
	GAUGE("ikelb_target_report_age_seconds", "Age of a target's last load report.", TARGET,
	      .value = "report_age_ms", .scale = 0.001),
	COUNTER("ikelb_redirects_total",
		"Clients this node redirected to a target since it started (XDP's REDIRECTs and "
		"auth mode's redirects).",
		TARGET, .value = "redirects"),
	GAUGE("ikelb_target_redirects_since_report",
	      "Clients redirected to a target since its last load report.", TARGET,
	      .value = "redirects_since_report"),
	GAUGE("ikelb_target_slots",
	      "Slots of a family's plan table (of 1024) that name a target: its share of the "
	      "next clients.",
	      TARGET, .value = "", .by = "family", .pick = slots),

	/* load reports */
	GAUGE("ikelb_reports_enabled", "1 when load reports run ([reports] key_file is set).",
	      .value = "reports/enabled"),
	COUNTER("ikelb_reports_sent_total", "Load reports this node sent.",
		.value = "reports/sent"),
	COUNTER("ikelb_reports_send_errors_total", "Load reports that could not be sent.",
		.value = "reports/send_errors"),
	COUNTER("ikelb_reports_received_total",
		"Load report datagrams received, by the receiver's verdict: accepted, or why not.",
		.value = "reports/receiver", .by = "verdict", .except = not_verdicts),
	COUNTER("ikelb_reports_vip_identity_total",
		"Accepted load reports that named a VIP as the gateway's address.",
		.value = "reports/receiver/vip_identity"),
	COUNTER("ikelb_reports_previous_key_total",
		"Accepted load reports that verified under key_file_previous (a key rotation).",
		.value = "reports/receiver/previous_key"),
	COUNTER("ikelb_reports_conflicts_total",
		"Node-id conflicts that began: one node id from two sources or two live epochs.",
		.value = "reports/receiver/conflicts"),
	GAUGE("ikelb_reports_conflicts", "Node ids in conflict now (they steer nothing).",
	      .value = "reports/conflicts_now"),

	/* mode = auth: redirects after authentication, over VICI */
	GAUGE("ikelb_auth_vici_connected",
	      "1 while both VICI connections to the master's strongSwan are up.",
	      .value = "auth_mode/connected"),
	COUNTER("ikelb_auth_vici_connects_total", "VICI connections made.",
		.value = "auth_mode/connects"),
	COUNTER("ikelb_auth_vici_losses_total", "VICI connections lost.",
		.value = "auth_mode/losses"),
	COUNTER("ikelb_auth_vici_errors_total", "VICI commands that failed.",
		.value = "auth_mode/errors"),
	GAUGE("ikelb_auth_xdp_answers",
	      "1 while the XDP program answers at held VIPs instead (VICI down and "
	      "auth_fallback = init).",
	      .value = "auth_mode/xdp_answers"),
	COUNTER("ikelb_auth_redirects_total",
		"IKE SAs at a VIP that charon redirected after authentication.",
		.value = "auth_mode/redirected"),
	COUNTER("ikelb_auth_unsupported_total",
		"Clients at a VIP that did not announce redirect support.",
		.value = "auth_mode/unsupported"),
	COUNTER("ikelb_auth_no_target_total", "IKE SAs at a VIP with no usable target.",
		.value = "auth_mode/no_target"),
	COUNTER("ikelb_auth_closed_total",
		"IKE SAs at a VIP terminated: unsupported or no_target = drop, or a VIP given up.",
		.value = "auth_mode/closed"),
	GAUGE("ikelb_auth_sas",
	      "IKE SAs still at the VIP: lingering after a redirect, kept (pass), closing.",
	      .value = "auth_mode", .by = "state", .pick = auth_sas),

	/* the event loop's account of its own time (base/loop_stats.h) */
	GAUGE("ikelb_loop_slow_threshold_seconds",
	      "A callback that runs longer than this is slow; a timer that fires this long after "
	      "its due time is late.",
	      .value = "loop/slow_us", .scale = 1e-6),
	COUNTER("ikelb_loop_callbacks_total",
		"Callbacks the event loop ran, by callback name and kind (fd or timer).", LOOP_CB,
		.value = "calls"),
	COUNTER("ikelb_loop_callback_seconds_total",
		"Time the event loop spent in callbacks, by callback name and kind.", LOOP_CB,
		.value = "run_us", .scale = 1e-6),
	COUNTER("ikelb_loop_slow_callbacks_total",
		"Callbacks that took longer than the slow threshold, by callback name, kind and "
		"cause: ran (on the CPU), waited (blocked in the kernel), not_run (the kernel did "
		"not run the thread).",
		LOOP_CB, .value = "", .by = "cause", .pick = slow_causes),
	GAUGE("ikelb_loop_callback_max_seconds",
	      "The longest run of a callback since the daemon started, by callback name and kind.",
	      LOOP_CB, .value = "max_run_us", .scale = 1e-6),
	COUNTER("ikelb_loop_late_timers_total",
		"Timers that fired later than the slow threshold after their due time, by name.",
		LOOP_CB, .value = "late"),
	GAUGE("ikelb_loop_timer_max_late_seconds",
	      "How late a timer fired at worst since the daemon started, by name.", LOOP_CB,
	      .value = "max_late_us", .scale = 1e-6),
	COUNTER("ikelb_loop_late_wakeups_total",
		"Waits for a timer from which the event loop woke later than the slow threshold: "
		"the kernel did not run its thread in time.",
		.value = "loop/late_wakeups"),
	GAUGE("ikelb_loop_wakeup_max_late_seconds",
	      "How late the event loop woke from a wait at worst since the daemon started.",
	      .value = "loop/max_wake_late_us", .scale = 1e-6),
};

const size_t metrics_view_n_rows = sizeof(metrics_view_rows) / sizeof(metrics_view_rows[0]);

void metrics_view_write(const struct json_object *snapshot, FILE *out)
{
	metric_rows_write(metrics_view_rows, metrics_view_n_rows, snapshot, out);
}
