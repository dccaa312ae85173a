#!/bin/bash
# No VIP outlives its daemon.  Two nodes of the lab (scripts/lab.sh,
# priorities 200 and 150, adverts every 200 ms: gw2 takes over 680 ms after
# the last advert of gw1), the link of the dead node left up, so that its
# VIP would answer ARP / ND next to the new master's.  A sampler reads both
# nodes' addresses every 50 ms.
#
#   control: SIGKILL of the master and nothing else (VIP lifetime 0): once
#   gw2 takes over, both hold the VIPs -- what the check below must catch;
#   the units' own ExecStopPost= command (read from scripts/ikelb.service,
#   with this build's binary and the node's config), run right after the
#   exit as systemd does: the dead node's VIPs go at once, gw2 takes over
#   after the master-down time, never two holders for more than 100 ms;
#   no systemd at all, [vrrp] vip_lifetime_ms = 2000: the kernel removes
#   the dead node's VIPs by itself within the lifetime (plus its check of
#   about a second).
#
# Each node's /run is a directory of the lab (ikelb_start_rundir), as the
# units' RuntimeDirectory= outlives the daemon: the cleanup finds the record
# of the VIPs the dead run added there.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
e2e_require --no-charon

# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=2 LAB_PRIO="200 150" LAB_MAX="100 100" LAB_TUNNELS="file file" LAB_ADVERT_MS=200 \
	LAB_CLIENT_NO_CHARON=1 LAB_VRRP_EXTRA="vip_lifetime_ms = 0"
SAMPLE_MS=50
MAX_BOTH_MS=100

declare -A LOG
lab_start_ikelb() {
	local i=$1
	LOG[$i]=$LAB_DIR/gw$i/ikelb.$(date +%s%N).log
	ikelb_start_rundir "$(lab_node_ns "$i")" "$LAB_DIR/gw$i/run" "$(lab_node_conf "$i")" \
		"${LOG[$i]}"
	LAB_IKELB_PID[$i]=$IKELB_PID
}

e2e_up
N1=$(lab_node_ns 1) N2=$(lab_node_ns 2)
holds() { ip -n "$1" -o addr show dev e0 2>/dev/null | grep -Eq "inet6? ($LAB_VIP4|$LAB_VIP6)/"; }
is_master() { ip -n "$(lab_node_ns "$1")" -o addr show dev e0 | grep -q "inet $LAB_VIP4/" &&
	ip -n "$(lab_node_ns "$1")" -o addr show dev e0 | grep -q "inet6 $LAB_VIP6/"; }
roles() { is_master "$1" && ! holds "$(lab_node_ns "$2")"; }
check "gw1 (200) is master, gw2 holds nothing" lab_wait_for 10 roles 1 2

# The unit's ExecStopPost=, as systemd would run it for this node.
POST=$(sed -n 's/^ExecStopPost=//p' "$TOP/scripts/ikelb.service")
read -r -a UNIT_CMD <<<"$POST"
check "the unit's ExecStopPost= is \`ikelb-load cleanup -c CONFIG\` ($POST)" \
	eval '[ ${#UNIT_CMD[@]} = 4 ] && [ "${UNIT_CMD[0]##*/}" = ikelb-load ] &&
		[ "${UNIT_CMD[1]}" = cleanup ] && [ "${UNIT_CMD[2]}" = -c ]'
# stop_post N: that command in node N's namespace, with its /run, this
# build's binary and the node's config in place of the installed ones
stop_post() {
	local i=$1 cmd=("${UNIT_CMD[@]}")
	cmd[0]=$IKELB_LOAD
	cmd[3]=$(lab_node_conf "$i")
	ip netns exec "$(lab_node_ns "$i")" unshare -m sh -c \
		'd=$1; shift; mount --bind "$d" /run && exec "$@"' sh "$LAB_DIR/gw$i/run" "${cmd[@]}" \
		>>"$LAB_DIR/gw$i/cleanup.log" 2>&1
}

# sampler OUT: every SAMPLE_MS, "MS HOLDS1 HOLDS2" (1: the node has a VIP)
sampler() {
	local out=$1 t0 next now h1 h2
	t0=${EPOCHREALTIME/./}
	next=$t0
	while :; do
		now=${EPOCHREALTIME/./}
		h1=0 h2=0
		holds "$N1" && h1=1
		holds "$N2" && h2=1
		echo "$(((now - t0) / 1000)) $h1 $h2" >>"$out"
		next=$((next + SAMPLE_MS * 1000))
		now=${EPOCHREALTIME/./}
		[ $next -gt "$now" ] && sleep "$(printf '0.%06d' $((next - now)))"
	done
}
start_sampler() {
	: >"$1"
	sampler "$1" &
	SAMPLER=$!
	lab_track $SAMPLER
}
stop_sampler() { kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; lab_untrack "$SAMPLER"; }
# both FILE: "SAMPLES LONGEST_MS" -- samples with two holders, and the
# longest time from the first to the last sample of a run of them
both() {
	awk '$2 == 1 && $3 == 1 { n++; if (!run) first = $1; run = 1; if ($1 - first > max) max = $1 - first; next }
		{ run = 0 }
		END { print n + 0, max + 0 }' "$1"
}
# first_at FILE COLUMN VALUE: ms of the first sample whose column is VALUE
first_at() { awk -v c="$2" -v v="$3" '$c == v { print $1; exit }' "$1"; }
samples() { wc -l <"$1"; }
kill_master() {
	kill -KILL "${LAB_IKELB_PID[1]}"
	wait "${LAB_IKELB_PID[1]}" 2>/dev/null
	lab_untrack "${LAB_IKELB_PID[1]}"
}
restart_gw1() {
	lab_start_ikelb 1
	lab_wait_for 10 roles 1 2
}

# ---- control: SIGKILL and nothing else ------------------------------------------
S=$LAB_DIR/control.samples
start_sampler "$S"
sleep 0.3
kill_master
sleep 2.5
stop_sampler
read -r n longest <<<"$(both "$S")"
diag "control: $n of $(samples "$S") samples with two holders, the longest run $longest ms"
check "control: without a cleanup, the dead gw1 and gw2 both hold the VIPs ($n samples)" \
	test "$n" -ge 10
stop_post 1
check "control: the cleanup afterwards removes gw1's VIPs" eval '! holds "$N1"'
check "control: gw1 back, master again" restart_gw1

# ---- the unit's ExecStopPost= after SIGKILL ----------------------------------------
S=$LAB_DIR/unit.samples
start_sampler "$S"
sleep 0.3
t0=${EPOCHREALTIME/./}
kill_master
stop_post 1
t_clean=$(((${EPOCHREALTIME/./} - t0) / 1000))
sleep 2.5
stop_sampler
read -r n longest <<<"$(both "$S")"
gone=$(first_at "$S" 2 0) took=$(first_at "$S" 3 1)
diag "ExecStopPost: cleanup done $t_clean ms after the kill; samples: gw1's VIPs gone at $gone ms, gw2 holds from $took ms; $n of $(samples "$S") samples with two holders (longest run $longest ms)"
check "ExecStopPost: never two holders for more than $MAX_BOTH_MS ms ($n samples, longest $longest ms)" \
	test "$longest" -le $MAX_BOTH_MS
check "ExecStopPost: gw2 took the VIPs (after the master-down time)" \
	eval '[ -n "$took" ] && is_master 2 && ! holds "$N1"'
check "ExecStopPost: the cleanup says it removed both VIPs" eval \
	'grep -q "removed VIP $LAB_VIP4 left behind" "$LAB_DIR/gw1/cleanup.log" &&
	 grep -q "removed VIP $LAB_VIP6 left behind" "$LAB_DIR/gw1/cleanup.log"'
check "ExecStopPost: the record, socket and lock are gone from gw1's /run" \
	eval '[ -z "$(ls "$LAB_DIR/gw1/run/ikelb" 2>/dev/null)" ]'
check "gw1 back, master again" restart_gw1

# ---- no systemd: the VIP's lifetime ---------------------------------------------------
sed -i 's/^vip_lifetime_ms = 0$/vip_lifetime_ms = 2000/' "$(lab_node_conf 1)"
lab_stop "${LAB_IKELB_PID[1]}" TERM
check "gw1 restarted with vip_lifetime_ms = 2000, master again" restart_gw1
life() { ip -n "$N1" -o addr show dev e0 | grep "inet $LAB_VIP4/" | grep -o 'valid_lft [0-9a-z]*'; }
check "gw1's VIP has a lifetime of at most 2 s ($(life))" eval \
	'l=$(life); [[ $l =~ ^valid_lft\ [12]sec$ ]]'
sleep 3 # renewed: still there after more than its lifetime
check "gw1's VIP is renewed while the daemon runs ($(life))" eval \
	'is_master 1 && [[ $(life) =~ ^valid_lft\ [12]sec$ ]]'
S=$LAB_DIR/lifetime.samples
start_sampler "$S"
sleep 0.3
kill_master
sleep 5
stop_sampler
gone=$(awk '$2 == 0 { print $1; exit }' "$S")
killed=$(awk 'NR == 1 { print $1 + 300 }' "$S")
read -r n longest <<<"$(both "$S")"
diag "lifetime: gw1's VIPs gone $((gone - killed)) ms after the kill (no cleanup ran); $n samples with two holders (longest run $longest ms)"
check "lifetime: the kernel removed the dead gw1's VIPs within 2 s + 1.5 s" \
	eval '[ -n "$gone" ] && [ $((gone - killed)) -le 3500 ] && ! holds "$N1"'
check "lifetime: gw2 holds them now" is_master 2
e2e_done
