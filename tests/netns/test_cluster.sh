#!/bin/bash
# Cluster status end to end, in the lab of scripts/lab.sh: four
# ikelb-load nodes with VRRP and signed status every 500 ms; gw1..gw3 count
# tunnels from files, gw4 from its real strongSwan gateway over VICI.
# Requests come from build/tests/tools/ike_gen in the client namespace.
#   - the master's table follows the reports (file counts and real IKE SAs):
#     tunnels and utilisation within a few intervals, slots toward the
#     emptier gateways
#   - a full gateway and a draining one (`ikelb-load drain on` on that node)
#     get no slots and no redirects; `drain off` brings it back; when every
#     gateway is full or draining nobody is redirected (no_target), and one
#     tunnel below max_tunnels is enough to get clients again
#   - a node whose ikelb-load stops (SIGSTOP, then SIGKILL) is dead and has
#     no slots within dead_after_ms (+ margin), and gets no redirects
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
GEN=$TOP/build/tests/tools/ike_gen
e2e_require ike_gen

# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=4 LAB_PRIO="200 150 100 90" LAB_MAX="100 100 100 100" \
	LAB_TUNNELS="file file file vici" LAB_STATUS_MS=500
DEAD_MS=$((3 * LAB_STATUS_MS)) # the default dead_after_ms
FOLLOW_MS=3000                 # reports followed within (6 intervals)
is() { [ "$1" = "$2" ]; }
e2e_up
M=$(lab_master)
check "gw1 (highest priority) is the master" is "$M" 1
CL=$LAB_PREFIX-cl

ms() { echo $(($(date +%s%N) / 1000000)); }
# snap: the master's status --json into $LAB_DIR/snap.json
snap() { lab_status "$M" --json >"$LAB_DIR/snap.json"; }
# t NODE FIELD: a field of target NODE in the last snap
t() { "$JG" "targets/name=$1/$2" <"$LAB_DIR/snap.json" 2>/dev/null; }
j() { "$JG" "$@" <"$LAB_DIR/snap.json" 2>/dev/null; }
# setfile N COUNT: node N's tunnels file, replaced atomically
setfile() {
	echo "$2" >"$LAB_DIR/tunnels/.tmp" && mv "$LAB_DIR/tunnels/.tmp" "$(lab_node_tunnels_file "$1")"
}
# follow NODE FIELD VALUE: until the master shows it; sets WAITED (ms)
follow() {
	local t0
	t0=$(ms)
	while [ $(($(ms) - t0)) -lt $FOLLOW_MS ]; do
		snap
		[ "$(t "$1" "$2")" = "$3" ] && { WAITED=$(($(ms) - t0)); return 0; }
		sleep 0.05
	done
	WAITED=$(($(ms) - t0))
	return 1
}
# shares: "gwN=slots ..." of the last snap
shares() {
	local i s=""
	for i in 1 2 3 4; do s+="gw$i=$(t "gw$i" slots_ipv4) "; done
	echo "$s"
}
# monotonic: in the last snap, a lower utilisation never has fewer IPv4
# slots than a higher one (water-filling toward equal utilisation)
monotonic() {
	local i k
	for i in 1 2 3 4; do
		for k in 1 2 3 4; do
			awk -v ui="$(t "gw$i" utilization)" -v uk="$(t "gw$k" utilization)" \
				-v si="$(t "gw$i" slots_ipv4)" -v sk="$(t "gw$k" slots_ipv4)" \
				'BEGIN { exit !(ui >= uk || si >= sk) }' || return 1
		done
	done
}
# gen NAME ARGS...: ike_gen from the client to the IPv4 VIP; key=value output
# in $LAB_DIR/NAME.gen
gen() {
	local name=$1
	shift
	ip netns exec "$CL" "$GEN" -q "$@" $LAB_VIP4 >"$LAB_DIR/$name.gen" 2>&1
}
g() { local v; v=$(sed -n "s/^$2=//p" "$LAB_DIR/$1.gen"); echo "${v:-0}"; }

# ---- the table follows the reports ------------------------------------------------
# gw4's tunnels: three real IKE SAs, straight to its address (not the VIP)
lab_add_clients 1 3 "$(lab_node_ip 4)" >/dev/null
lab_connect 1 3 3
check "3 strongSwan clients established at gw4 (charon counts $(lab_gateway_count 4))" \
	test "$(lab_gateway_count 4)" = 3
setfile 1 30
setfile 2 80
setfile 3 10
t0=$(ms)
follow gw4 tunnels 3 && follow gw1 tunnels 30 && follow gw2 tunnels 80 && follow gw3 tunnels 10
rc=$?
el=$(($(ms) - t0))
diag "reported: $(for i in 1 2 3 4; do printf 'gw%s=%s/%s ' $i "$(t gw$i tunnels)" "$(t gw$i utilization)"; done)"
check "the master's table shows the VICI count (3) and the file counts (30 80 10) after ${el} ms" \
	test $rc = 0
check "utilisation = tunnels / max (0.3 0.8 0.1 0.03)" awk -v a="$(t gw1 utilization)" \
	-v b="$(t gw2 utilization)" -v c="$(t gw3 utilization)" -v d="$(t gw4 utilization)" \
	'BEGIN { e = 0.001; exit !(a - 0.3 < e && 0.3 - a < e && b - 0.8 < e && 0.8 - b < e &&
		c - 0.1 < e && 0.1 - c < e && d - 0.03 < e && 0.03 - d < e) }'
sleep 0.3 # a refill after the last report
snap
diag "slots: $(shares)"
check "slots: gw2 (80 %) none, gw4 (3 %) some; fewer slots never for the emptier" \
	eval '[ "$(t gw2 slots_ipv4)" = 0 ] && [ "$(t gw4 slots_ipv4)" -gt 0 ] && monotonic'

setfile 2 5
setfile 3 90
t0=$(ms)
follow gw2 tunnels 5 && follow gw3 tunnels 90
rc=$?
el=$(($(ms) - t0))
check "changed counts (gw2 80 -> 5, gw3 10 -> 90) followed within ${el} ms (< $FOLLOW_MS)" test $rc = 0
sleep 0.3
snap
diag "slots: $(shares)"
check "the slots moved: gw2 (5 %) has some, gw3 (90 %) none; monotonic" \
	eval '[ "$(t gw2 slots_ipv4)" -gt 0 ] && [ "$(t gw3 slots_ipv4)" = 0 ] && monotonic'

# ---- a full gateway ---------------------------------------------------------------
setfile 2 100
follow gw2 state full
check "gw2 at max_tunnels (100/100) is full after $WAITED ms" is "$(t gw2 state)" full
sleep 0.3
snap
r2=$(t gw2 redirects)
check "the full gw2 has no slots" is "$(t gw2 slots_ipv4)/$(t gw2 slots_ipv6)" 0/0
gen full -n 300 -w 4
diag "redirects: $(grep '^redirects' "$LAB_DIR/full.gen" | tr '\n' ' ')"
check "300 requests, all valid REDIRECTs" is "$(g full valid)/$(g full invalid)/$(g full lost)" 300/0/0
snap
check "none to the full gw2 (ike_gen: $(g full redirects.198.18.0.12); its counter $r2 -> $(t gw2 redirects))" \
	eval '[ "$(g full redirects.198.18.0.12)" = 0 ] && [ "$(t gw2 redirects)" = "$r2" ]'
setfile 2 5
follow gw2 state active
check "gw2 below max again is active ($WAITED ms)" is "$(t gw2 state)" active

# ---- a draining gateway -----------------------------------------------------------
C4=$(lab_node_conf 4)
out=$(ikelb_ctl "${LAB_IKELB_PID[4]}" "$C4" drain on)
check "drain on at gw4 answers 'drain on'" is "$out" "drain on"
check "gw4's own status shows draining" \
	eval '[ "$(lab_status 4 --json | "$JG" draining)" = true ] && lab_status 4 | head -n 1 | grep -q DRAINING'
follow gw4 state draining
check "the master lists gw4 as draining after $WAITED ms" is "$(t gw4 state)" draining
sleep 0.3
snap
r4=$(t gw4 redirects)
check "the draining gw4 has no slots" is "$(t gw4 slots_ipv4)/$(t gw4 slots_ipv6)" 0/0
gen drain -n 300 -w 4
snap
check "300 requests: none to the draining gw4 (ike_gen: $(g drain redirects.198.18.0.14); counter $r4 -> $(t gw4 redirects))" \
	eval '[ "$(g drain valid)" = 300 ] && [ "$(g drain redirects.198.18.0.14)" = 0 ] &&
		[ "$(t gw4 redirects)" = "$r4" ]'

# ---- every gateway full or draining: no target at all ------------------------------
setfile 1 100
setfile 2 100
setfile 3 100
follow gw1 state full && follow gw2 state full && follow gw3 state full
check "gw1..gw3 at max are full (gw4 draining) after $WAITED ms" \
	is "$(t gw1 state)/$(t gw2 state)/$(t gw3 state)/$(t gw4 state)" full/full/full/draining
sleep 0.3
snap
nt=$(j counters/no_target)
check "no slot names any gateway" \
	is "$(($(t gw1 slots_ipv4) + $(t gw2 slots_ipv4) + $(t gw3 slots_ipv4) + $(t gw4 slots_ipv4)))" 0
gen none -n 40 -w 40 -t 300
snap
check "40 requests: no REDIRECT (no_target = pass), all counted as no_target ($nt -> $(j counters/no_target))" \
	eval '[ "$(g none valid)/$(g none invalid)/$(g none lost)" = 0/0/40 ] &&
		[ "$(j counters/no_target)" = $((nt + 40)) ]'
setfile 2 99
follow gw2 state active
sleep 0.3
gen one -n 100 -w 4
check "gw2 one below max is active ($WAITED ms) and gets all 100 requests" \
	is "$(g one valid)/$(g one redirects.198.18.0.12)" 100/100
setfile 1 30
setfile 2 5
setfile 3 90
follow gw1 tunnels 30 && follow gw2 tunnels 5 && follow gw3 tunnels 90

out=$(ikelb_ctl "${LAB_IKELB_PID[4]}" "$C4" drain off)
check "drain off answers 'drain off'" is "$out" "drain off"
follow gw4 state active
check "gw4 is active again after $WAITED ms" is "$(t gw4 state)" active
sleep 0.3
gen undrain -n 300 -w 4
diag "redirects: $(grep '^redirects' "$LAB_DIR/undrain.gen" | tr '\n' ' ')"
check "gw4 (3 %, the emptiest) gets redirects again: $(g undrain redirects.198.18.0.14) of 300" \
	test "$(g undrain redirects.198.18.0.14)" -gt 0
check "the tunnels of the drained gateway stayed up (charon: $(lab_gateway_count 4))" \
	test "$(lab_gateway_count 4)" = 3

# ---- a node that stops reporting --------------------------------------------------
setfile 3 0
follow gw3 tunnels 0
sleep 0.3
snap
s3=$(t gw3 slots_ipv4)
check "gw3 back to 0 tunnels has slots ($s3)" test "${s3:-0}" -gt 0
lab_on_cleanup "kill -CONT ${LAB_IKELB_PID[3]}"
kill -STOP "${LAB_IKELB_PID[3]}"
t0=$(ms)
while [ $(($(ms) - t0)) -lt $((DEAD_MS + 3000)) ]; do
	snap
	[ "$(t gw3 state)" = dead ] && break
	sleep 0.05
done
el=$(($(ms) - t0))
check "SIGSTOPped gw3 is dead after $el ms (dead_after_ms $DEAD_MS, +1000 margin)" \
	eval '[ "$(t gw3 state)" = dead ] && [ $el -le $((DEAD_MS + 1000)) ]'
check "... and not before dead_after_ms - one interval" test $el -ge $((DEAD_MS - LAB_STATUS_MS - 100))
check "the dead gw3 has no slots" is "$(t gw3 slots_ipv4)/$(t gw3 slots_ipv6)" 0/0
gen dead -n 300 -w 4
check "300 requests, none to the dead gw3 ($(g dead redirects.198.18.0.13))" \
	eval '[ "$(g dead valid)" = 300 ] && [ "$(g dead redirects.198.18.0.13)" = 0 ]'
kill -CONT "${LAB_IKELB_PID[3]}"
follow gw3 state active
check "SIGCONT: gw3 reports again and is active after $WAITED ms" is "$(t gw3 state)" active

setfile 2 0
follow gw2 tunnels 0
sleep 0.3
snap
check "gw2 at 0 tunnels has slots ($(t gw2 slots_ipv4))" test "$(t gw2 slots_ipv4)" -gt 0
kill -KILL "${LAB_IKELB_PID[2]}"
{ wait "${LAB_IKELB_PID[2]}"; } 2>/dev/null
t0=$(ms)
while [ $(($(ms) - t0)) -lt $((DEAD_MS + 3000)) ]; do
	snap
	[ "$(t gw2 state)" = dead ] && break
	sleep 0.05
done
el=$(($(ms) - t0))
check "SIGKILLed gw2 is dead with no slots after $el ms (<= $DEAD_MS + 1000)" \
	eval '[ "$(t gw2 state)/$(t gw2 slots_ipv4)" = dead/0 ] && [ $el -le $((DEAD_MS + 1000)) ]'
gen killed -n 300 -w 4
diag "redirects: $(grep '^redirects' "$LAB_DIR/killed.gen" | tr '\n' ' ')"
check "300 requests, none to the killed gw2 ($(g killed redirects.198.18.0.12))" \
	eval '[ "$(g killed valid)" = 300 ] && [ "$(g killed redirects.198.18.0.12)" = 0 ]'
ip netns exec "$CL" "$GEN" -q -n 300 -w 4 -p 4500 $LAB_VIP6 >"$LAB_DIR/v6.gen" 2>&1
diag "IPv6: $(grep '^redirects' "$LAB_DIR/v6.gen" | tr '\n' ' ')"
check "300 requests to the IPv6 VIP on port 4500: IPv6 identities only, none to the killed gw2" \
	eval '[ "$(g v6 valid)" = 300 ] && [ "$(g v6 redirects.2001:db8::12)" = 0 ] &&
		[ $(($(g v6 redirects.2001:db8::11) + $(g v6 redirects.2001:db8::13) +
			$(g v6 redirects.2001:db8::14))) = 300 ]'
check "the master is still gw1" is "$(lab_master)" 1

tap_done
