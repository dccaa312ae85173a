#!/bin/bash
# Load reports that must not steer the master, in the lab of
# scripts/lab.sh with three ikelb-load nodes counting tunnels from files.
# From the client namespace, build/tests/tools/report_send multicasts to the
# cluster's group: reports forged with a wrong key (for a real member and
# for a new node), a real member's old sequence number signed with the
# right key (a replay), a report of that member's older boot, and reports
# of another cluster.  Every one is dropped and counted under its verdict
# in `status --json` reports.receiver, and the master's table does
# not change: same members, loads, states and slots; the real member's
# later reports are still accepted (its replay window was not pushed).
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
SEND=$TOP/build/tests/tools/report_send
e2e_require --no-charon report_send

# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=3 LAB_MAX="100 100 100" LAB_TUNNELS="file file file" LAB_STATUS_MS=500 \
	LAB_CLIENT_NO_CHARON=1
DEAD_MS=$((3 * LAB_STATUS_MS))
is() { [ "$1" = "$2" ]; }
e2e_up
M=$(lab_master)
CL=$LAB_PREFIX-cl
(umask 077
	openssl rand -hex 32 >"$LAB_DIR/wrong.key"
	openssl rand -hex 32 >"$LAB_DIR/other.key")

# snap FILE: the master's status --json
snap() { lab_status "$M" --json >"$1"; }
# rv FILE VERDICT: a receiver counter of the master in FILE
rv() { "$JG" "reports/receiver/$2" <"$1"; }
# table FILE: every target as name/state/tunnels/max/slots4/slots6
table() {
	local n
	for n in $("$JG" targets <"$1" | grep -o '"name":"[^"]*"' | cut -d'"' -f4); do
		printf '%s ' "$n/$("$JG" "targets/name=$n/state" "targets/name=$n/tunnels" \
			"targets/name=$n/max_tunnels" "targets/name=$n/slots_ipv4" \
			"targets/name=$n/slots_ipv6" <"$1" | paste -sd/)"
	done
}
tunnels_of() { "$JG" "targets/name=$2/tunnels" <"$1"; }
# send ARGS...: one load report from the client to the cluster's group
send() {
	ip netns exec "$CL" "$SEND" --group 239.255.75.1 --ifname e0 --port 4510 "$@" >/dev/null
}

echo 10 >"$(lab_node_tunnels_file 1)"
echo 20 >"$(lab_node_tunnels_file 2)"
echo 30 >"$(lab_node_tunnels_file 3)"
follows() { snap "$LAB_DIR/s.json" && [ "$(tunnels_of "$LAB_DIR/s.json" gw2)" = "$1" ]; }
lab_wait_for 5 follows 20 && lab_wait_for 5 eval '[ "$(tunnels_of "$LAB_DIR/s.json" gw3)" = 30 ]'
sleep 0.5 # a refill after the last change
snap "$LAB_DIR/before.json"
BEFORE=$(table "$LAB_DIR/before.json")
diag "before: $BEFORE"
check "the master (gw$M) lists gw1..gw3 as active with 10, 20, 30 tunnels" \
	is "$(echo "$BEFORE" | grep -o 'gw[0-9]/active/[0-9]*' | sort | tr '\n' ' ')" \
	"gw1/active/10 gw2/active/20 gw3/active/30 "
# gw2's boot epoch, as the master logged it when gw2 joined
E2=$(grep -o 'member gw2 joined (epoch 0x[0-9a-f]*' "$LAB_DIR/gw$M/ikelb.log" | grep -o '0x[0-9a-f]*' | head -n 1)
check "gw2's epoch from the master's log ($E2)" test -n "$E2"

K=$LAB_DIR/cluster.key
GW2="--node gw2 --address $(lab_node_ip 2) --address6 $(lab_node_ip6 2) --max 100"
# forged with a wrong key: gw2 empty with a sequence number far ahead, and
# a new, empty, huge gateway
send --key "$LAB_DIR/wrong.key" --cluster lab $GW2 --tunnels 0 --epoch "$E2" --seq 1000000000
send --key "$LAB_DIR/wrong.key" --cluster lab --node gw-evil --address 198.18.0.66 \
	--tunnels 0 --max 100000
# right key, gw2's epoch, its first sequence number again: a replay
send --key "$K" --cluster lab $GW2 --tunnels 0 --epoch "$E2" --seq 1
# right key, a boot of gw2 older than the running one
send --key "$K" --cluster lab $GW2 --tunnels 0 --epoch 1 --seq 1000000000
# another cluster: with its own key, and with ours (the name decides)
send --key "$LAB_DIR/other.key" --cluster other $GW2 --tunnels 0
send --key "$K" --cluster other --node gw-other --address 198.18.0.67 --tunnels 0
sleep 0.3
snap "$LAB_DIR/after.json"
AFTER=$(table "$LAB_DIR/after.json")
diag "after:  $AFTER"
B=$LAB_DIR/before.json A=$LAB_DIR/after.json
for c in received accepted bad_mac replayed old_epoch other_cluster malformed; do
	diag "receiver $c: $(rv "$B" $c) -> $(rv "$A" $c)"
done
d() { echo $(($(rv "$A" "$1") - $(rv "$B" "$1"))); }
check "2 forgeries counted as bad_mac" is "$(d bad_mac)" 2
check "the replay counted as replayed" is "$(d replayed)" 1
check "the older boot counted as old_epoch" is "$(d old_epoch)" 1
check "2 messages of another cluster counted as other_cluster" is "$(d other_cluster)" 2
check "nothing counted as malformed" is "$(d malformed)" 0
check "received grew by the 6 messages plus the members' own reports ($(d received) = 6 + $(d accepted))" \
	is "$(d received)" $((6 + $(d accepted)))
check "the table did not change: members, states, loads and slots" is "$AFTER" "$BEFORE"
check "no target for gw-evil or gw-other" \
	eval '! grep -q "gw-evil\|gw-other" "$A"'

# Had the forgery's sequence number been taken, gw2's real reports would now
# be replays and gw2 would die: it must stay alive and be followed.
echo 25 >"$(lab_node_tunnels_file 2)"
sleep "$(awk -v d=$DEAD_MS 'BEGIN { print (d + 500) / 1000 }')"
snap "$LAB_DIR/later.json"
L=$LAB_DIR/later.json
check "after dead_after_ms, gw2 is still active with its new count 25 (age $("$JG" targets/name=gw2/report_age_ms <"$L") ms)" \
	is "$("$JG" targets/name=gw2/state <"$L")/$(tunnels_of "$L" gw2)" active/25
check "no real report was dropped as a replay or an old boot since" \
	is "$(rv "$L" replayed)/$(rv "$L" old_epoch)" "$(rv "$A" replayed)/$(rv "$A" old_epoch)"
# the other nodes' receivers judged the same (gw3 is a backup: one more view)
snap3() { lab_status 3 --json; }
check "gw3 counted the forgeries too (bad_mac $(snap3 | "$JG" reports/receiver/bad_mac))" \
	test "$(snap3 | "$JG" reports/receiver/bad_mac)" -ge 2

tap_done
