#!/bin/bash
# Benchmark 5: footprint of ikelb-load - resident memory (VmRSS) and CPU of
# an idle master, and of the master while the kernel generator of bench 2b
# sends it IKE_SA_INIT requests, read from /proc over a window.  The lab
# (scripts/lab.sh: 3 gateway nodes with strongSwan, VRRP and status at the
# product's default 1 s intervals) is the deployment.  Baselines in the same
# run: keepalived (vrrp_version 3, 1 s adverts, master of its own VIP on its
# own link) for the VRRP part, and the node's strongSwan charon for scale.
# CPU is the run time of all the process's threads (/proc/PID/task/*/
# schedstat) over the window; the XDP program's own work runs in softirq
# and is not the daemon's (this kernel has no IRQ time accounting, so a
# softirq is charged to whatever task it interrupts: the generator here).
#
#   bench/footprint.sh   (window 10 s; BENCH_FULL=1: 60 s)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
. "$BENCH_TOP/tests/lib/strongswan.sh"
. "$BENCH_TOP/tests/lib/ikelb.sh"
LAB_N=${LAB_N:-3} LAB_ADVERT_MS=1000 LAB_STATUS_MS=1000
# the load is one address drawing REDIRECTs as fast as the generator goes:
# no answer limit per source, no cookies (the generator answers none)
LAB_EXTRA="rate_per_source = 0
cookies = off"
. "$BENCH_TOP/scripts/lab.sh"
bench_need_root
bench_need "$IKELB_LOAD" "$BENCH_BIN/xdp_gen"
command -v keepalived >/dev/null || bench_fail "keepalived is not installed (scripts/deps.sh)"
WIN=10
[ "$BENCH_FULL" = 1 ] && WIN=60
lab_init
lab_up || bench_fail "the lab did not come up: $(tail -n 5 "$LAB_DIR"/gw*/ikelb.log)"
m=$(lab_master) || bench_fail "no master"
b=$((m % LAB_N + 1))

# keepalived, VRRP only, master of 198.18.1.1 on a link of its own
if ! kns=$(lab_ns ka) || ! kpeer=$(lab_ns kapeer); then bench_fail "cannot make namespaces"; fi
lab_veth "$kns" eth0 "$kpeer" eth0
ip -n "$kns" addr add 198.18.1.10/24 dev eth0
cat >"$LAB_DIR/keepalived.conf" <<EOC
global_defs {
    vrrp_version 3
    router_id bench
}
vrrp_instance V4 {
    interface eth0
    virtual_router_id 52
    priority 200
    advert_int 1
    virtual_ipaddress {
        198.18.1.1/32
    }
}
EOC
lab_spawn "$LAB_DIR/keepalived.log" ip netns exec "$kns" keepalived -n -l -D -P -R \
	-f "$LAB_DIR/keepalived.conf" -p "$LAB_DIR/ka.pid" -r "$LAB_DIR/ka.vpid"
lab_wait_for 10 test -s "$LAB_DIR/ka.vpid" || bench_fail "keepalived did not start"
lab_wait_for 10 sh -c "ip -n $kns addr show dev eth0 | grep -q 198.18.1.1/" ||
	bench_fail "keepalived did not become master"
sleep 2

# group NAME PID...: what is measured together (keepalived: parent + VRRP child)
declare -A GROUP
GROUP["ikelb-load, master"]=${LAB_IKELB_PID[$m]}
GROUP["ikelb-load, backup"]=${LAB_IKELB_PID[$b]}
GROUP["keepalived (VRRP), master"]="$(cat "$LAB_DIR/ka.pid") $(cat "$LAB_DIR/ka.vpid")"
GROUP["charon (strongSwan), master node"]=${LAB_CHARON_PID[$m]}
ORDER=("ikelb-load, master" "ikelb-load, backup" "keepalived (VRRP), master" "charon (strongSwan), master node")

cpu_ns() { # PID...: run time of every thread, ns
	local p t s=0
	for p in "$@"; do
		for t in /proc/"$p"/task/*/schedstat; do
			read -r r _ <"$t" 2>/dev/null && s=$((s + r))
		done
	done
	echo $s
}
rss_kb() { # PID...: VmRSS summed
	local p s=0 v
	for p in "$@"; do
		v=$(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo $s
}

# measure LABEL: every group over WIN seconds; sets CPU[label,name], RSS[...]
declare -A CPU RSS
measure() {
	local label=$1 n i t0 t1 r
	declare -A c0 rmax
	for n in "${ORDER[@]}"; do
		# shellcheck disable=SC2086
		c0[$n]=$(cpu_ns ${GROUP[$n]})
		rmax[$n]=0
	done
	t0=$(date +%s%N)
	for ((i = 0; i < WIN; i++)); do
		sleep 1
		for n in "${ORDER[@]}"; do
			# shellcheck disable=SC2086
			r=$(rss_kb ${GROUP[$n]})
			[ "$r" -gt "${rmax[$n]}" ] && rmax[$n]=$r
		done
	done
	t1=$(date +%s%N)
	for n in "${ORDER[@]}"; do
		# shellcheck disable=SC2086
		CPU[$label,$n]=$(awk -v c="$(($(cpu_ns ${GROUP[$n]}) - c0[$n]))" -v t="$((t1 - t0))" \
			'BEGIN { printf "%.2f", 100 * c / t }')
		RSS[$label,$n]=$(awk -v k="${rmax[$n]}" 'BEGIN { printf "%.1f", k / 1024 }')
	done
}

for n in "${ORDER[@]}"; do
	# shellcheck disable=SC2086
	kill -0 ${GROUP[$n]} 2>/dev/null || bench_fail "$n is not running"
done
measure idle

# the load: bench 2b's generator from the client namespace, through the switch
mns=$(lab_node_ns "$m")
mmac=$(ip -n "$mns" -br link show e0 | awk '{ print $3 }')
ip netns exec "$(lab_client_ns)" "$BENCH_BIN/xdp_gen" -i e0 -s 198.18.0.100 -d "$LAB_VIP4" \
	-M "$mmac" -t "$((WIN + 2))" >"$LAB_DIR/gen.out" 2>&1 &
gpid=$!
lab_track "$gpid"
sleep 1
measure load
wait "$gpid" || bench_fail "the generator failed: $(cat "$LAB_DIR/gen.out")"
lab_untrack "$gpid"
load=$(awk '{ printf "%.2f Mpps of REDIRECTs (%s invalid)", $10 / 1e6, $6 }' "$LAB_DIR/gen.out")
[ "$(lab_master)" = "$m" ] || bench_fail "the master changed under load"

bench_begin footprint "5. Footprint (VmRSS, CPU of one core)"
bench_say "Lab: $LAB_N gateway nodes, VRRP adverts and status every 1 s; window ${WIN} s;"
bench_say "load: bench 2b's generator through the lab switch, $load."
bench_say ""
bench_say "| process | RSS idle, MB | CPU idle, % | RSS under load, MB | CPU under load, % |"
bench_say "|---|---:|---:|---:|---:|"
for n in "${ORDER[@]}"; do
	bench_say "| $n | ${RSS[idle,$n]} | ${CPU[idle,$n]} | ${RSS[load,$n]} | ${CPU[load,$n]} |"
done
bench_say ""
mr=${RSS[idle,ikelb-load, master]} mc=${CPU[idle,ikelb-load, master]}
lr=${RSS[load,ikelb-load, master]}
kr=${RSS[idle,keepalived (VRRP), master]}
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { print (v < l) ? "met" : "NOT met" }'; }
bench_say "Goal: under 10 MB resident: $(verdict "$(awk -v a="$mr" -v b="$lr" 'BEGIN { print (a > b) ? a : b }')" 10)" \
	"(master ${mr} MB idle, ${lr} MB under load; keepalived ${kr} MB, ratio $(bench_ratio "$mr" "$kr")x)."
bench_say "Goal: under 1 % of a core when idle: $(verdict "$mc" 1) (master ${mc} %;" \
	"keepalived ${CPU[idle,keepalived (VRRP), master]} %)."
bench_end
