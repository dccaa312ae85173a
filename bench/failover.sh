#!/bin/bash
# Benchmark 4: failover.  Two nodes on a switch, the client sending a request
# to the VIP every 0.5 ms; the probe (bench/failover_probe.c) SIGKILLs the
# master's daemon and measures the time from the kill to the first valid
# answer from the new master, and whether any request after that went
# unanswered.  For ikelb the answer is a REDIRECT carrying the request's
# nonce (the old master's XDP program dies with its daemon); for keepalived
# (vrrp_version 3, same priorities and intervals, moving the same VIP) it is
# the first reply from a UDP responder on the new node.  Measured against
# the VRRP Master_Down_Interval of the backup (priority 100):
# 3 * interval + (256 - 100) * interval / 256.  Then the no-flapping run: a
# 20 ms interval while bench 2a's socket generator (ike_gen, window 16)
# loads the master;
# every role change of either node is counted.  The probe uses IPv4; the
# nodes hold both VIP families, as a dual-stack cluster would.
#
#   bench/failover.sh              quick: 1 trial per interval, 20 s run
#   BENCH_FULL=1 bench/failover.sh 3 trials per interval, 10-minute run
#   FLAP_SECONDS=N                 the no-flapping run's length
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
. "$BENCH_TOP/tests/lib/ikelb.sh"
. "$BENCH_TOP/tests/lib/keepalived.sh"
bench_need_root
PROBE=$BENCH_BIN/failover_probe
GEN=$BENCH_TOP/build/tests/tools/ike_gen
bench_need "$IKELB_LOAD" "$PROBE" "$GEN"
command -v keepalived >/dev/null || bench_fail "keepalived is not installed (scripts/deps.sh)"
INTERVALS=${INTERVALS:-"1000 100 50 20"}
TRIALS=1 FLAP_SECONDS=${FLAP_SECONDS:-20}
[ "$BENCH_FULL" = 1 ] && TRIALS=3 FLAP_SECONDS=${FLAP_SECONDS_FULL:-600}
VIP=198.18.0.1 VIP6=2001:db8::1
PRIO=(0 200 100) # node 1 starts as master; node 2 (priority 100) takes over
lab_init
(umask 077 && openssl rand -hex 32 >"$LAB_DIR/cluster.key")

sw=$(lab_ns sw) || bench_fail "cannot make namespaces"
lab_bridge "$sw" br0
ip -n "$sw" link set br0 type bridge mcast_snooping 0
declare -A NS
for n in 1 2 cl; do
	NS[$n]=$(lab_ns "n$n") || bench_fail "cannot make namespaces"
	if [ $n = cl ]; then
		lab_switch_host "$sw" "p$n" "${NS[$n]}" e0 198.18.0.100
	else
		lab_switch_host "$sw" "p$n" "${NS[$n]}" e0 "198.18.0.1$n" "2001:db8::1$n"
	fi || bench_fail "cannot wire n$n"
done

mdi_ms() { awk -v i="$1" -v p="${PRIO[2]}" 'BEGIN { printf "%.1f", 3 * i + (256 - p) * i / 256 }'; }
has_vip() { ip -n "${NS[$1]}" -4 addr show dev e0 | grep -q "inet $VIP/"; }
drop_vip() {
	local a
	for a in "$VIP/32" "$VIP/24" "$VIP6/128" "$VIP6/64"; do
		ip -n "${NS[$1]}" addr del "$a" dev e0 2>/dev/null
	done
	return 0
}
reset_client() { ip -n "${NS[cl]}" neigh flush dev e0 2>/dev/null; return 0; }

ikelb_conf() { # NODE INTERVAL_MS
	cat <<EOC
[cluster]
name = fo
interface = e0
virtual_ip = $VIP
virtual_ip6 = $VIP6
vrrp = on
node_id = n$1

[vrrp]
vrid = 51
priority = ${PRIO[$1]}
advert_interval_ms = $2
announce_interval_ms = 100

[redirect]
# the probe and the generator each send from one address and expect a
# REDIRECT for every request: no answer limit per source, no cookies
rate_per_source = 0
cookies = off

[reports]
key_file = $LAB_DIR/cluster.key

[gateway]
# never full: the probe's 2000 requests/s must not run out of targets
address = 198.18.0.1$1
address6 = 2001:db8::1$1
max_tunnels = 10000000
tunnels = static:0
EOC
}

# start_pair ikelb|keepalived INTERVAL: both nodes, node 1 master; sets KILL_PID
declare -A DPID
start_pair() {
	local impl=$1 iv=$2 n
	for n in 1 2; do
		if [ "$impl" = ikelb ]; then
			ikelb_conf "$n" "$iv" >"$LAB_DIR/n$n.conf"
			ikelb_start "${NS[$n]}" "$LAB_DIR/n$n.conf" "$LAB_DIR/n$n-$iv.log"
			DPID[$n]=$IKELB_PID
		else
			ka_conf "n$n" e0 "${PRIO[$n]}" "$(awk -v i="$iv" 'BEGIN { print i / 1000 }')" \
				"$VIP/32" >"$LAB_DIR/ka$n.conf"
			ka_start "ka$n-$iv" "${NS[$n]}" "$LAB_DIR/ka$n.conf" ||
				bench_fail "keepalived n$n did not start"
			DPID[$n]=${KA_PID[ka$n-$iv]}
		fi
		# node 1 first, so that it is master from the start
		[ "$n" = 1 ] && { lab_wait_for 15 has_vip 1 || bench_fail "$impl n1 did not become master"; }
	done
	KILL_PID=${DPID[1]}
	[ "$impl" = keepalived ] && KILL_PID=$(ka_vrrp_pid "ka1-$iv")
	# a few adverts, so that node 2 has learned the master
	sleep "$(awk -v i="$iv" 'BEGIN { s = 5 * i / 1000; print (s < 1) ? 1 : s }')"
	has_vip 2 && bench_fail "$impl: both nodes hold the VIP"
	return 0
}

stop_pair() {
	local n
	# (the killed one: no "Killed" job notice from the shell)
	for n in 2 1; do lab_stop "${DPID[$n]}" 2>/dev/null; done
	drop_vip 1; drop_vip 2; reset_client
}

kv() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; } # kv KEY "K=V K=V..."

# trial ikelb|keepalived INTERVAL: sets TAKE, LOST, WARM
trial() {
	local impl=$1 iv=$2 mode=ike out after
	after=$(awk -v m="$(mdi_ms "$iv")" 'BEGIN { printf "%d", m + 1500 }')
	start_pair "$impl" "$iv"
	[ "$impl" = keepalived ] && mode="echo -p $ECHO_PORT"
	# shellcheck disable=SC2086
	out=$(ip netns exec "${NS[cl]}" "$PROBE" $mode -a "$VIP" -k "$KILL_PID" -o n1 -w 1000 \
		-d "$after") || bench_fail "the probe failed"
	echo "  $impl ${iv} ms: $out" >>"$LAB_DIR/trials.log"
	stop_pair
	TAKE=$(kv takeover_ms "$out")
	LOST=$(kv lost_after "$out")
	WARM=$(kv warm_lost "$out")
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { sort -n | tail -n 1; }

# keepalived's answers come from a UDP responder on each node (a port of
# its own, so that it never answers the IKE probe)
ECHO_PORT=4999
for n in 1 2; do
	lab_spawn "$LAB_DIR/serve$n.log" ip netns exec "${NS[$n]}" "$PROBE" serve -n "n$n" -p $ECHO_PORT
done

declare -A T L W
for iv in $INTERVALS; do
	for ((r = 1; r <= TRIALS; r++)); do
		for impl in ikelb keepalived; do
			trial "$impl" "$iv"
			T[$impl,$iv]+="$TAKE "
			L[$impl,$iv]=$((${L[$impl,$iv]:-0} + LOST))
			W[$impl,$iv]=$((${W[$impl,$iv]:-0} + WARM))
		done
	done
done

# ---- no flapping: 20 ms adverts while the master is loaded -----------------
start_pair ikelb 20
roles() { cat "$LAB_DIR"/n1-20.log "$LAB_DIR"/n2-20.log | grep -cE "VIP [^ ]+: (MASTER|BACKUP)"; }
masters0=$(roles)
# (ike_gen's exit status says whether every request got its REDIRECT)
ip netns exec "${NS[cl]}" "$GEN" -q -w 16 -d "$FLAP_SECONDS" -t 500 "$VIP" >"$LAB_DIR/flapgen.out" 2>&1
flaprc=$?
changes=$(($(roles) - masters0))
for n in 1 2; do
	grep -E "VIP [^ ]+: (MASTER|BACKUP)" "$LAB_DIR/n$n-20.log" | grep -v "(startup)" |
		sed "s/^/  n$n: /"
done >"$LAB_DIR/flaps.log"
holder=$(has_vip 1 && echo n1)$(has_vip 2 && echo n2)
flapload=$(awk -F= '/^(rate|valid|invalid|lost)=/ { v[$1] = $2 }
	END { printf "%.0f REDIRECTs/s, %d valid, %d invalid, %d lost", v["rate"], v["valid"], v["invalid"], v["lost"] }' \
	"$LAB_DIR/flapgen.out")
stop_pair

bench_begin failover "4. Failover (SIGKILL of the master's daemon; requests every 0.5 ms)"
bench_say "Takeover: from the SIGKILL to the first valid answer from the new master, measured"
bench_say "by the client; $TRIALS trial(s) per interval$([ "$TRIALS" -gt 1 ] && echo ", median (max)"); MDI = Master_Down_Interval of"
bench_say "the backup (priority ${PRIO[2]}). Lost: requests after that first answer left unanswered."
bench_say ""
bench_say "| advert interval | MDI | ikelb takeover | ikelb - MDI | goal <= MDI + 20 ms | ikelb lost after | keepalived takeover | keepalived lost after | ikelb / keepalived |"
bench_say "|---:|---:|---:|---:|---|---:|---:|---:|---:|"
all_met=1
for iv in $INTERVALS; do
	mdi=$(mdi_ms "$iv")
	ik=$(echo "${T[ikelb,$iv]}" | tr ' ' '\n' | grep . | median)
	ikmax=$(echo "${T[ikelb,$iv]}" | tr ' ' '\n' | grep . | maxof)
	ka=$(echo "${T[keepalived,$iv]}" | tr ' ' '\n' | grep . | median)
	show() { if [ "$TRIALS" -gt 1 ]; then echo "$1 ms ($2)"; else echo "$1 ms"; fi; }
	if awk -v t="$ikmax" -v m="$mdi" 'BEGIN { exit !(t >= 0 && t <= m + 20) }' && [ "${L[ikelb,$iv]}" = 0 ]; then
		verdict=met
	else
		verdict="NOT met"
		all_met=0
	fi
	bench_say "| $iv ms | $mdi ms | $(show "$ik" "$ikmax") | $(awk -v t="$ikmax" -v m="$mdi" 'BEGIN { printf "%+.1f ms", t - m }') | $verdict | ${L[ikelb,$iv]} | $(show "$ka" "$(echo "${T[keepalived,$iv]}" | tr ' ' '\n' | grep . | maxof)") | ${L[keepalived,$iv]} | $(bench_ratio "$ik" "$ka")x |"
done
bench_say ""
bench_say "No-flapping run: $FLAP_SECONDS s at a 20 ms advert interval$([ "$FLAP_SECONDS" -lt 600 ] && echo " (the quick version; the goal's run is 10 minutes: bench/run.sh --full)")," \
	"master loaded by bench 2a's generator ($flapload): $changes role changes, VIP held by ${holder:-nobody} at the end."
bench_say ""
bench_say "Trials:"
bench_cat <"$LAB_DIR/trials.log"
if [ "$changes" != 0 ]; then
	bench_say ""
	bench_say "Role changes in the no-flapping run (n1's first MASTER line is the initial election):"
	bench_cat <"$LAB_DIR/flaps.log"
fi
bench_say ""
[ "$changes" = 0 ] && [ "$holder" = n1 ] && [ "$flaprc" = 0 ] || all_met=0
if [ "$all_met" = 1 ]; then
	bench_say "Goal: takeover within MDI + 20 ms at every interval down to 20 ms, nothing lost after it, no flapping: met$([ "$FLAP_SECONDS" -lt 600 ] && echo " (flapping: quick run only)")."
else
	bench_say "Goal: takeover within MDI + 20 ms at every interval down to 20 ms, nothing lost after it, no flapping: NOT met (see the table)."
fi
bench_end
