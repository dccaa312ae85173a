#!/bin/bash
# A burst of new clients against unequal loads and capacities ends near
# equal utilisation, in the lab of scripts/lab.sh: four
# ikelb-load nodes with max_tunnels 250:250:500:1000 (1:1:2:4) and 125, 25,
# 50, 0 tunnels at the start (50 %, 10 %, 10 %, 0 %), status every 500 ms,
# tunnels counted from files.  build/tests/tools/ike_gen sends 1000
# IKE_SA_INIT requests to the VIP and, for every REDIRECT, adds the client
# to its target's file (--count-dir): the reports follow the arrivals.
# Twice from the same start: as fast as the generator goes, and at 1000/s.
# Ideal end: (200 + 1000) / 2000 = 60 % everywhere, i.e. 25, 125, 250 and
# 600 new clients.  The bounds are generous (every gateway within 20 and 10
# points of 60 %); benchmark 3 (bench/balance.sh) measures the exact deviation.
# Both the master's view (status --json) and the generator's own count of
# REDIRECTs (independent of the daemon) are checked.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
GEN=$TOP/build/tests/tools/ike_gen
e2e_require --no-charon ike_gen

# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=4 LAB_PRIO="200 150 100 90" LAB_MAX="250 250 500 1000" \
	LAB_TUNNELS="file file file file" LAB_STATUS_MS=500 LAB_CLIENT_NO_CHARON=1
# ike_gen answers no COOKIE: cookies off, or "auto" would ask for them once
# the requests come faster than its threshold (this test is about balance)
LAB_EXTRA="cookies = off"
INIT="125 25 50 0"
N=1000 RATE=${BURST_RATE:-1000}
is() { [ "$1" = "$2" ]; }
e2e_up
M=$(lab_master)
CL=$LAB_PREFIX-cl # the generator's namespace: the lab's client, without charon
snap() { lab_status "$M" --json >"$LAB_DIR/snap.json"; }
t() { "$JG" "targets/name=$1/$2" <"$LAB_DIR/snap.json" 2>/dev/null; }

# load: every node's file back to its starting load, until the master shows it
load() {
	for i in 1 2 3 4; do
		echo "$(_lab_word $i "$INIT")" >"$LAB_DIR/tunnels/.t" &&
			mv "$LAB_DIR/tunnels/.t" "$(lab_node_tunnels_file $i)"
	done
	lab_wait_for 5 loaded
}
loaded() {
	snap
	for i in 1 2 3 4; do
		[ "$(t gw$i tunnels)" = "$(_lab_word $i "$INIT")" ] || return 1
	done
}
settled() {
	snap
	for i in 1 2 3 4; do
		[ "$(t gw$i tunnels)" = "$(cat "$(lab_node_tunnels_file $i)")" ] || return 1
	done
}
# worst: the largest |utilisation - ideal| of "u1 u2 u3 u4" on stdin
worst() { awk -v i="$IDEAL" '{ for (k = 1; k <= NF; k++) { d = $k - i; if (d < 0) d = -d
	if (d > w) w = d } } END { printf "%.3f", w }'; }

# the generator's arrivals go to the files the nodes read
names=()
for i in 1 2 3 4; do
	names+=(--count-name "$(lab_node_ip $i)=gw$i" --count-name "$(lab_node_ip6 $i)=gw$i")
done
IDEAL=$(awk -v n="$N" 'BEGIN { print (200 + n) / 2000 }')

# burst NAME BOUND ARGS...: from the starting loads, N requests to the VIP
# with ike_gen ARGS; the end must be within BOUND of IDEAL everywhere
burst() {
	local name=$1 bound=$2 G=$LAB_DIR/$1.gen i max init got u gen_u="" mst_u="" r0=()
	shift 2
	check "$name: the master (gw$M) shows the starting loads $INIT" load
	sleep 0.3
	snap
	for i in 1 2 3 4; do r0[i]=$(t gw$i redirects); done
	diag "$name: slots before: $(for i in 1 2 3 4; do printf 'gw%s=%s ' $i "$(t gw$i slots_ipv4)"; done)"
	ip netns exec "$CL" "$GEN" -q -n "$N" -t 2000 --count-dir "$LAB_DIR/tunnels" \
		"${names[@]}" "$@" $LAB_VIP4 >"$G"
	g() { local v; v=$(sed -n "s/^$1=//p" "$G"); echo "${v:-0}"; }
	diag "$name: ike_gen: $(grep -E '^(valid|elapsed_s|rate|rate_lag_max_ms|lat_p99_us)=' "$G" | tr '\n' ' ')"
	check "$name: $N requests, $N valid REDIRECTs" \
		is "$(g requests)/$(g valid)/$(g invalid)/$(g unmatched)/$(g lost)" "$N/$N/0/0/0"
	for i in 1 2 3 4; do
		max=$(_lab_word $i "$LAB_MAX") init=$(_lab_word $i "$INIT")
		got=$(g "redirects.$(lab_node_ip $i)")
		u=$(awk -v a="$init" -v b="$got" -v m="$max" 'BEGIN { printf "%.4f", (a + b) / m }')
		gen_u+="$u "
		diag "$name: gw$i: max $max, start $init, +$got -> $((init + got)) ($u; ideal $IDEAL)"
		[ "$(cat "$(lab_node_tunnels_file $i)")" = $((init + got)) ] ||
			not_ok "$name: gw$i's file counts every arrival"
	done
	check "$name: by the generator's count, every gateway within $bound of $IDEAL (worst $(worst <<<"$gen_u"))" \
		awk -v w="$(worst <<<"$gen_u")" -v b="$bound" 'BEGIN { exit !(w <= b) }'
	check "$name: the master's table caught up with the files" lab_wait_for 5 settled
	for i in 1 2 3 4; do
		mst_u+="$(t gw$i utilization) "
		got=$(g "redirects.$(lab_node_ip $i)")
		[ $(($(t gw$i redirects) - r0[i])) = "$got" ] ||
			not_ok "$name: the master counted the $got redirects to gw$i ($(t gw$i redirects) - ${r0[i]})"
	done
	diag "$name: master's utilisations: $mst_u"
	check "$name: by the master's table, every gateway within $bound of $IDEAL (worst $(worst <<<"$mst_u"))" \
		awk -v w="$(worst <<<"$mst_u")" -v b="$bound" 'BEGIN { exit !(w <= b) }'
}

# As fast as the generator goes (about 20 ms here, less than one refill of
# the slot table): the table the master holds when the burst starts must
# already spread it in proportion to the free capacity.
burst fast 0.20 -w 16
# Clients arriving at 1000/s (benchmark 3): the master corrects the table
# between reports from its redirect counts.
burst paced 0.10 -r "$RATE"

tap_done
