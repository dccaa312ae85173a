#!/bin/bash
# One identity per node, epochs that cannot lock a node out, and drain that
# survives a crash, in the lab of scripts/lab.sh: three ikelb-load nodes
# counting tunnels from files (10, 20, 30), reports every 500 ms (dead after
# 1500 ms), the client namespace sending with build/tests/tools/report_send.
#
#   reports for gw2 whose epochs lie an hour ahead, or at 2^64-1, signed
#   with the cluster key: refused (future_epoch), logged; gw2 keeps being
#   balanced and its own reports keep coming in (no lockout);
#   a key holder's epoch 2 minutes ahead (within the bound) for gw2:
#   taken, but gw2's real epoch goes on: a conflict (gw2 no target); once
#   the forgery stops, gw2's real epoch is taken back and gw2 is a target
#   again, with no restart of anyone;
#   a cloned node: a fourth node with node_id gw2 from another address:
#   a conflict in the master's status (text and JSON), gw2 steers nothing;
#   gw2 itself shows its own id claimed; the clone stopped, gw2 is back;
#   multicast from off the link (TTL below 255) is dropped (bad_ttl);
#   drain on at gw3, then SIGKILL and a restart of its ikelb-load: gw3 is
#   never active in the master's table, its state file kept it drained.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
SEND=$TOP/build/tests/tools/report_send
e2e_require --no-charon report_send

# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=3 LAB_MAX="100 100 100 100" LAB_TUNNELS="file file file file" LAB_STATUS_MS=500 \
	LAB_PRIO="200 150 100 50" LAB_CLIENT_NO_CHARON=1
DEAD_MS=$((3 * LAB_STATUS_MS))
is() { [ "$1" = "$2" ]; }
e2e_up
# gw1 (200) preempts whoever took the VIP first: the checks below judge gw2
# from another node's table
check "gw1 (priority 200) is the master" lab_wait_for 10 eval '[ "$(lab_master)" = 1 ]'
M=1
CL=$LAB_PREFIX-cl
K=$LAB_DIR/cluster.key
MLOG=$LAB_DIR/gw$M/ikelb.log

# mj PATH...: the master's status --json at PATHs; st NAME: gw NAME's state
mj1() { lab_status "$M" --json | "$JG" "$@"; }
st() { mj1 "targets/name=$1/state"; }
send() {
	ip netns exec "$CL" "$SEND" --group 239.255.75.1 --ifname e0 --port 4510 --key "$K" \
		--cluster lab "$@" >/dev/null
}
GW2="--node gw2 --address $(lab_node_ip 2) --address6 $(lab_node_ip6 2) --max 100000 --tunnels 0"
rx() { mj1 "reports/receiver/$1"; }

echo 10 >"$(lab_node_tunnels_file 1)"
echo 20 >"$(lab_node_tunnels_file 2)"
echo 30 >"$(lab_node_tunnels_file 3)"
steady() { [ "$(mj1 targets/name=gw2/tunnels targets/name=gw3/tunnels | paste -sd/)" = 20/30 ]; }
check "the master (gw$M) follows gw2 and gw3 (20, 30 tunnels)" lab_wait_for 5 steady
E2=$(mj1 reports/members/node_id=gw2/epoch)
check "gw2's epoch in the master's status ($E2)" test -n "$E2"

# ---- epochs from the future -------------------------------------------------------
f0=$(rx future_epoch) o0=$(rx old_epoch)
send $GW2 --epoch-ahead-s 3600 --count 3 --interval-ms 100
send $GW2 --epoch 0xffffffffffffffff
sleep 0.3
check "4 reports with epochs an hour ahead or at 2^64-1: future_epoch (+$(($(rx future_epoch) - f0)))" \
	test $(($(rx future_epoch) - f0)) = 4
check "the master logged the refusal" \
	grep -q "member gw2: refused a report from 198.18.0.100 whose epoch" "$MLOG"
echo 5 >"$(lab_node_tunnels_file 2)" # the emptiest: it must have slots
sleep "$(awk -v d=$DEAD_MS 'BEGIN { print (d + 500) / 1000 }')"
check "after dead_after_ms gw2 is active with its new count 5, its epoch unchanged" \
	is "$(mj1 targets/name=gw2/state targets/name=gw2/tunnels reports/members/node_id=gw2/epoch | paste -sd/)" \
	"active/5/$E2"
check "gw2, the emptiest, keeps being balanced: it has slots ($(mj1 targets/name=gw2/slots_ipv4))" \
	test "$(mj1 targets/name=gw2/slots_ipv4)" -gt 0
check "none of gw2's real reports was dropped as an old epoch" is "$(rx old_epoch)" "$o0"

# ---- a key holder's epoch within the bound ----------------------------------------
c0=$(rx conflicts)
send $GW2 --epoch-ahead-s 120 --count 3 --interval-ms 200
conflicted() { [ "$(st gw2)" = conflict ]; }
if lab_wait_for 4 conflicted; then
	ok "a forged epoch 2 minutes ahead, while gw2's real one goes on: gw2 in conflict"
	check "in conflict, gw2 has no slots" \
		is "$(mj1 targets/name=gw2/slots_ipv4 targets/name=gw2/slots_ipv6 | paste -sd/)" 0/0
	check "the conflict names gw2 (198.18.0.12) and the forger (198.18.0.100)" \
		is "$(mj1 reports/members/node_id=gw2/source reports/members/node_id=gw2/conflict/other_source | sort | paste -sd/)" \
		"198.18.0.100/198.18.0.12"
else
	not_ok "a forged epoch 2 minutes ahead, while gw2's real one goes on: gw2 in conflict"
	diag "gw2: $(mj1 targets/name=gw2 reports/members/node_id=gw2)"
fi
back() { [ "$(mj1 targets/name=gw2/state reports/members/node_id=gw2/epoch | paste -sd/)" = "active/$E2" ]; }
check "the forgery stopped: gw2's real epoch is taken back, gw2 active again (no restart)" \
	lab_wait_for 8 back
check "the master logged taking it back" grep -q "member gw2 back at epoch $E2" "$MLOG"
check "conflicts counted: $(($(rx conflicts) - c0))" test $(($(rx conflicts) - c0)) -ge 1

# ---- multicast from off the link --------------------------------------------------
t0=$(rx bad_ttl)
send --node gw-far --address 198.18.0.77 --ttl 1
sleep 0.3
check "a report with TTL 1 (routed here) counted as bad_ttl, no target gw-far" \
	eval '[ $(($(rx bad_ttl) - t0)) = 1 ] && ! lab_status "$M" --json | grep -q gw-far'

# ---- a cloned node: node_id gw2 from another machine ---------------------------------
N4=$(lab_ns gw4)
lab_switch_host "$LAB_PREFIX-sw" p4 "$N4" e0 "$(lab_node_ip 4)" "$(lab_node_ip6 4)"
echo 40 >"$(lab_node_tunnels_file 4)"
mkdir -p "$LAB_DIR/gw4"
_lab_node_conf 4 | sed 's/^node_id = gw4$/node_id = gw2/' >"$(lab_node_conf 4)"
ikelb_start "$N4" "$(lab_node_conf 4)" "$LAB_DIR/gw4/ikelb.log"
CLONE=$IKELB_PID
c0=$(rx conflicts)
if lab_wait_for 5 conflicted; then
	ok "a clone of gw2 (198.18.0.14) starts: the master shows gw2 in conflict"
else
	not_ok "a clone of gw2 (198.18.0.14) starts: the master shows gw2 in conflict"
	diag "gw2: $(mj1 targets/name=gw2 reports/members/node_id=gw2)"
fi
J=$(lab_status "$M" --json)
diag "gw2 on the master: $("$JG" reports/members/node_id=gw2 <<<"$J")"
check "conflict: gw2 has no slots" \
	is "$("$JG" targets/name=gw2/slots_ipv4 targets/name=gw2/slots_ipv6 <<<"$J" | paste -sd/)" 0/0
check "conflict: the target's reason names both addresses" \
	eval '"$JG" targets/name=gw2/reason <<<"$J" | grep -q "node id claimed by two senders: 198.18.0.1[24] and 198.18.0.1[24]"'
check "conflict: reports.members[gw2].conflict names the other sender" \
	eval 'case $("$JG" reports/members/node_id=gw2/conflict/other_source <<<"$J") in 198.18.0.12|198.18.0.14) true ;; *) false ;; esac'
check "conflict: counted ($(($("$JG" reports/receiver/conflicts <<<"$J") - c0)))" \
	test $(($("$JG" reports/receiver/conflicts <<<"$J") - c0)) -ge 1
check "conflict: the status text says so" eval \
	'lab_status "$M" | grep -q "^conflict: node id gw2 claimed by .*; it is no target$"'
check "conflict: the master logged it" \
	grep -q "member gw2: node id claimed by two senders" "$MLOG"
# gw2 hears its own node id from the clone: shown, its own entry kept
own() { [ "$(lab_status 2 --json | "$JG" reports/members/node_id=gw2/conflict/other_source 2>/dev/null)" = "$(lab_node_ip 4)" ]; }
check "gw2's own status shows its node id claimed by 198.18.0.14" lab_wait_for 5 own
check "gw2 keeps its own entry (self, active)" \
	is "$(lab_status 2 --json | "$JG" targets/name=gw2/kind targets/name=gw2/state | paste -sd/)" self/active
lab_stop "$CLONE" TERM
resolved() { back && [ "$(mj1 reports/members/node_id=gw2/conflict)" = null ]; }
check "the clone stopped: gw2 is the one sender again, active with its own epoch and load" \
	lab_wait_for 10 resolved
check "gw2's load is its own (5), not the clone's (40)" is "$(mj1 targets/name=gw2/tunnels)" 5

# ---- drain survives a crash ---------------------------------------------------------
C3=$(lab_node_conf 3)
check "drain on at gw3" is "$(ikelb_ctl "${LAB_IKELB_PID[3]}" "$C3" drain on)" "drain on"
check "gw3's state file exists" test -e "$LAB_DIR/gw3/state/lab.drain"
check "the master lists gw3 draining" lab_wait_for 3 eval '[ "$(st gw3)" = draining ]'
E3=$(mj1 reports/members/node_id=gw3/epoch)
lab_kill_ikelb 3
lab_untrack "${LAB_IKELB_PID[3]}"
lab_start_ikelb 3
# sample the master's view of gw3 until its new epoch has been seen for 1 s
seen=() t_new=
for ((k = 0; k < 100; k++)); do
	read -r s e <<<"$(mj1 targets/name=gw3/state reports/members/node_id=gw3/epoch | paste -sd' ')"
	seen+=("$s")
	if [ "$e" != "$E3" ] && [ -z "$t_new" ]; then t_new=$k; fi
	[ -n "$t_new" ] && [ $((k - t_new)) -ge 10 ] && break
	sleep 0.1
done
diag "the master's gw3 after the restart: $(printf '%s\n' "${seen[@]}" | uniq -c | tr -s ' \n' ' ')"
check "gw3 restarted (a new epoch reached the master)" test -n "$t_new"
check "gw3 was never active in the master's table across the crash" \
	eval '! printf "%s\n" "${seen[@]}" | grep -qx active'
check "the restarted gw3 says drain on (restored)" \
	is "$(ikelb_ctl "${LAB_IKELB_PID[3]}" "$C3" drain)" "drain on"
check "its status: the reason of the drain, from the state file" \
	is "$(lab_status 3 --json | "$JG" drain/reason)" "ikelb-load drain on"
check "drain off: the state file goes, the master lists gw3 active" eval \
	'[ "$(ikelb_ctl "${LAB_IKELB_PID[3]}" "$C3" drain off)" = "drain off" ] &&
	 [ ! -e "$LAB_DIR/gw3/state/lab.drain" ] && lab_wait_for 3 eval "[ \"\$(st gw3)\" = active ]"'
e2e_done
