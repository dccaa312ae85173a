#!/bin/bash
# A real Prometheus scrapes the lab: three gateways (scripts/lab.sh) with
# [metrics] listen on their own addresses, strongSwan clients connecting
# through the VIP, and Prometheus (Debian's package, its own config and
# storage in the lab's directory) in a namespace of its own on the switch,
# listening on 198.18.0.90:9090 there.  Its HTTP API must say what
# `ikelb-load status --json` says once the scrapes have settled: the
# master's redirects per target, its XDP outcome counters, one master.
# Before that, every node's /metrics passes `promtool check metrics`, and
# the endpoint answers other paths and methods with 404 and 405.  The
# README's example scrape config and alert rules pass `promtool check
# config`; the rules run in this Prometheus, evaluate without error, and
# those that must be quiet in a healthy lab (no master, a target down) are.
# Every query of the Grafana dashboard (contrib/grafana/ikelb.json) runs
# in this Prometheus and finds series.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
e2e_require
missing=
for t in prometheus promtool; do command -v $t >/dev/null || missing+=" $t (package prometheus)"; done
command -v curl >/dev/null || missing+=" curl (package curl)"
if [ -n "$missing" ]; then
	not_ok "missing:$missing; scripts/deps.sh installs them"; tap_done; exit 1
fi
LAB_METRICS=9110
e2e_up
M=$(lab_master)
MI=$(lab_node_ip "$M"):$LAB_METRICS
P=$(lab_ns prom) && lab_switch_host "$LAB_PREFIX-sw" pprom "$P" e0 198.18.0.90 2001:db8::90 || {
	not_ok "namespace prom"; tap_done; exit 1
}
PROM=http://198.18.0.90:9090
pcurl() { ip netns exec "$P" curl -s -m 5 "$@"; }

# ---- the exporter, from the monitoring host -------------------------------------------
for ((i = 1; i <= LAB_N; i++)); do
	url=http://$(lab_node_ip "$i"):$LAB_METRICS/metrics
	pcurl -D "$LAB_DIR/head$i.txt" -o "$LAB_DIR/metrics$i.txt" "$url"
	lint=$(promtool check metrics <"$LAB_DIR/metrics$i.txt" 2>&1)
	rc=$?
	check "gw$i's $url passes promtool check metrics ($(grep -vc '^#' "$LAB_DIR/metrics$i.txt") samples${lint:+: $lint})" \
		eval '[ "$rc" = 0 ] && [ -z "$lint" ] && grep -q "^ikelb_build_info" "$LAB_DIR/metrics$i.txt"'
done
check "with [metrics] the daemon loaded libmicrohttpd" grep -q libmicrohttpd "/proc/${LAB_IKELB_PID[1]}/maps"
check "served as the text format, version 0.0.4" \
	grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$LAB_DIR/head$M.txt"
code() { pcurl -o /dev/null -w '%{http_code}' "$@"; }
c404=$(code "http://$MI/") c405=$(code -X POST "http://$MI/metrics") chead=$(code -I "http://$MI/metrics")
check "another path is 404 ($c404), POST is 405 ($c405), HEAD is 200 ($chead)" \
	eval '[ "$c404" = 404 ] && [ "$c405" = 405 ] && [ "$chead" = 200 ]'

# ---- the README's scrape config and alert rules ----------------------------------------------
# readme_block NAME: the yaml block after README's "<!-- NAME: ... -->"
readme_block() {
	awk -v m="<!-- $1:" 'index($0, m) == 1 { f = 1; next }
		f && /^```yaml/ { g = 1; next } g && /^```/ { exit } g' "$E2E_TOP/README.md"
}
mkdir -p "$LAB_DIR/readme"
readme_block prometheus.yml >"$LAB_DIR/readme/prometheus.yml"
readme_block ikelb-alerts.yml >"$LAB_DIR/readme/ikelb-alerts.yml"
n_rules=$(grep -c '^ *- alert:' "$LAB_DIR/readme/ikelb-alerts.yml")
out=$(promtool check config "$LAB_DIR/readme/prometheus.yml" 2>&1)
if [ "$n_rules" -ge 5 ] && grep -q "SUCCESS: $n_rules rules found" <<<"$out"; then
	ok "README's prometheus.yml and its $n_rules alert rules pass promtool check config"
else
	not_ok "README's prometheus.yml and its $n_rules alert rules pass promtool check config"
	diag "$out"
fi

# ---- Prometheus -------------------------------------------------------------------------
{
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n'
	printf 'rule_files:\n  - %s\n' "$LAB_DIR/readme/ikelb-alerts.yml"
	printf 'scrape_configs:\n  - job_name: ikelb\n    static_configs:\n      - targets:\n'
	for ((i = 1; i <= LAB_N; i++)); do printf "          - '%s:%s'\n" "$(lab_node_ip "$i")" "$LAB_METRICS"; done
} >"$LAB_DIR/prometheus.yml"
check "promtool check config on the test's Prometheus config" \
	eval 'promtool check config "$LAB_DIR/prometheus.yml" >/dev/null 2>&1'
lab_spawn "$LAB_DIR/prometheus.log" ip netns exec "$P" prometheus \
	--config.file="$LAB_DIR/prometheus.yml" --storage.tsdb.path="$LAB_DIR/prometheus-data" \
	--web.listen-address=198.18.0.90:9090 --log.level=warn
PROM_PID=$LAB_PID
if ! lab_wait_for 30 pcurl -f "$PROM/-/ready"; then
	not_ok "Prometheus ready at $PROM"; tail -n 20 "$LAB_DIR/prometheus.log" | sed 's/^/# /'
	e2e_done; exit 1
fi
ok "Prometheus ready at $PROM (in its namespace, storage in the lab directory)"

# q EXPR: the value of the first series of an instant query, or nothing
q() {
	pcurl -G --data-urlencode "query=$1" "$PROM/api/v1/query" | "$JG" data/result/0/value/1 2>/dev/null
}
check "Prometheus scrapes all $LAB_N nodes (up == 1)" \
	lab_wait_for 15 eval '[ "$(q "count(up{job=\"ikelb\"} == 1)")" = "$LAB_N" ]'

# ---- clients through the VIP ----------------------------------------------------------------
lab_add_clients 1 24 >/dev/null
e2e_connect 1 24 8
check "24 strongSwan clients through the VIP: all initiations succeed ($FAILED failed)" test "$FAILED" = 0

# Once no client is connecting, the master's figures stand still and the
# next scrapes bring them in.  Status's redirects per target are the
# cluster's snapshot (every 100 ms), the XDP outcome is read live: settled
# only when the snapshot has caught up with the live count (a scrape of
# the old snapshot just after the last client would otherwise match it).
want=() got=()
redirects_settled() {
	local i sum=0 live
	live=$(e2e_counter "$M" redirected)
	for ((i = 1; i <= LAB_N; i++)); do
		want[$i]=$(e2e_redirects "$M" "gw$i")
		got[$i]=$(q "ikelb_redirects_total{instance=\"$MI\",target=\"gw$i\"}")
		[ -n "${want[$i]}" ] && [ "${want[$i]}" = "${got[$i]}" ] || return 1
		sum=$((sum + want[$i]))
	done
	[ -n "$live" ] && [ "$sum" = "$live" ] &&
		[ "$(q "ikelb_xdp_packets_total{instance=\"$MI\",outcome=\"redirected\"}")" = "$live" ]
}
lab_wait_for 20 redirects_settled
settled=$?
check "Prometheus' ikelb_redirects_total per target equals status --json's redirects: $(for ((i = 1; i <= LAB_N; i++)); do printf 'gw%s %s/%s ' "$i" "${got[$i]:-none}" "${want[$i]:-none}"; done)" \
	test "$settled" = 0
total=$(q "sum(ikelb_redirects_total{instance=\"$MI\"})")
check "and they add up to at least the 24 clients ($total)" eval '[ "${total:-0}" -ge 24 ]'
for o in redirected pass_other no_support; do
	w=$(e2e_counter "$M" "$o") g=$(q "ikelb_xdp_packets_total{instance=\"$MI\",outcome=\"$o\"}")
	# pass_other moves with every packet to the node: a scrape later, at most more
	if [ "$o" = pass_other ]; then
		check "XDP outcome $o through Prometheus ($g) is what status said a moment later ($w) at most" \
			eval '[ -n "$g" ] && [ "$g" -le "$w" ]'
	else
		check "XDP outcome $o through Prometheus ($g) equals status --json's ($w)" \
			eval '[ -n "$g" ] && [ "$g" = "$w" ]'
	fi
done
masters=$(q 'sum(ikelb_role{family="ipv4",role="master"})')
which=$(pcurl -G --data-urlencode 'query=ikelb_role{family="ipv4",role="master"} == 1' \
	"$PROM/api/v1/query" | "$JG" data/result/0/metric/instance 2>/dev/null)
check "exactly one IPv4 master across the cluster ($masters), the one that holds the VIP ($which)" \
	eval '[ "$masters" = 1 ] && [ "$which" = "$MI" ]'
active=$(q "count(ikelb_target_state{instance=\"$MI\",state=\"active\"} == 1)")
check "the master sees $LAB_N active targets ($active)" test "$active" = "$LAB_N"
tunnels_24() { tun=$(q "sum(ikelb_target_tunnels{instance=\"$MI\"})"); [ "$tun" = 24 ]; }
lab_wait_for 10 tunnels_24
check "and their tunnels through Prometheus add up to the clients (${tun:-none}, 24 expected)" tunnels_24

# The README's rules, evaluated by this Prometheus all along
rules() { pcurl "$PROM/api/v1/rules" >"$LAB_DIR/rules.json"; }
rule() { "$JG" "data/groups/0/rules/$1/$2" <"$LAB_DIR/rules.json" 2>/dev/null; }
rules
bad=() n_eval=$("$JG" "data/groups/0/rules/#" <"$LAB_DIR/rules.json" 2>/dev/null)
for ((k = 0; k < ${n_eval:-0}; k++)); do
	[ "$(rule "$k" health)" = ok ] || bad+=("$(rule "$k" name): $(rule "$k" health) $(rule "$k" lastError)")
done
check "Prometheus evaluates all ${n_eval:-0} of README's alert rules without error${bad:+: ${bad[*]}}" \
	eval '[ "${n_eval:-0}" = "$n_rules" ] && [ ${#bad[@]} = 0 ]'
for a in IkelbNoMaster IkelbTargetDown IkelbNoTarget IkelbForgedReports; do
	st=$("$JG" "data/groups/0/rules/name=$a/state" <"$LAB_DIR/rules.json" 2>/dev/null)
	check "alert $a is quiet in the healthy lab ($st)" test "$st" = inactive
done

# The dashboard's queries ($__rate_interval as Grafana makes it of a 1 s
# scrape interval: at least four of them)
DASH=$E2E_TOP/contrib/grafana/ikelb.json
n_panels=$("$JG" 'panels/#' <"$DASH") n_expr=0 empty=()
for ((k = 0; k < ${n_panels:-0}; k++)); do
	n_t=$("$JG" "panels/$k/targets/#" <"$DASH")
	for ((t = 0; t < n_t; t++)); do
		e=$("$JG" "panels/$k/targets/$t/expr" <"$DASH")
		e=${e//\$__rate_interval/1m}
		r=$(pcurl -G --data-urlencode "query=$e" "$PROM/api/v1/query")
		n_expr=$((n_expr + 1))
		[ "$("$JG" status <<<"$r" 2>/dev/null)" = success ] &&
			[ "$("$JG" 'data/result/#' <<<"$r" 2>/dev/null)" -ge 1 ] ||
			empty+=("$("$JG" "panels/$k/title" <"$DASH"): $e: $(head -c 200 <<<"$r")")
	done
done
check "all $n_expr queries of the Grafana dashboard's $n_panels panels run and find series${empty:+; not: ${empty[*]}}" \
	eval '[ "$n_expr" -ge 12 ] && [ ${#empty[@]} = 0 ]'

lab_stop "$PROM_PID"
check "Prometheus stopped (by its PID)" eval '! kill -0 "$PROM_PID" 2>/dev/null'
[ "$_tap_fail" -gt 0 ] && tail -n 20 "$LAB_DIR/prometheus.log" | sed 's/^/# prometheus: /'
e2e_done
