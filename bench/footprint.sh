#!/bin/bash
#title 5. Footprint (peak resident memory across the daemon's life, CPU of one core)
#real three ikelb-load nodes with strongSwan gateways on a namespace switch, loaded by the kernel-side generator; keepalived beside them
#goal under 10 MB resident at every moment (VmHWM across start, attach, load, reload and failover)
#goal under 1 % of a core when idle
#
# Benchmark 5: footprint of ikelb-load.  The lab (scripts/lab.sh: 3 gateway
# nodes with strongSwan, VRRP and status at the product's default 1 s
# intervals) is the deployment.  Memory is the kernel's peak resident set
# of each process (VmHWM in /proc/PID/status: the high-water mark since the
# process started, so no start-up or failover peak is missed between two
# samples), read after each phase of a node's life: start and the master's
# XDP attach (the lab up), an idle window, a load window (the kernel-side
# generator through the lab switch, 256 sources so that the answers are
# REDIRECTs, not the answer limit's drops), a reload (SIGHUP) of the master,
# the master's death and a backup's takeover (it attaches XDP and adds the
# VIPs), and a reload of the new master.  CPU is the run time of all the
# process's threads (/proc/PID/task/*/schedstat) over a window; the XDP
# program's own work runs in softirq and is not the daemon's (this kernel
# has no IRQ time accounting, so a softirq is charged to whatever task it
# interrupts: the generator here).  Baselines in the same run: keepalived
# (vrrp_version 3, 1 s adverts, master of its own VIP on its own link) for
# the VRRP part, and the node's strongSwan charon for scale.
#
#   bench/footprint.sh   (windows 10 s; BENCH_FULL=1: 60 s)
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

# the processes measured: the master, the backup that will take over from
# it, keepalived (parent + VRRP child), the master node's charon
declare -A GROUP
GROUP[master]=${LAB_IKELB_PID[$m]}
GROUP[backup]=${LAB_IKELB_PID[$b]}
GROUP[keepalived]="$(cat "$LAB_DIR/ka.pid") $(cat "$LAB_DIR/ka.vpid")"
GROUP[charon]=${LAB_CHARON_PID[$m]}
ORDER=(master backup keepalived charon)
declare -A LABEL=([master]="ikelb-load, first master (gw$m)" [backup]="ikelb-load, backup that takes over (gw$b)"
	[keepalived]="keepalived (VRRP), master" [charon]="charon (strongSwan), gw$m")

cpu_ns() { bench_cpu_ns "$@"; }
kb() { # FIELD PID...: a /proc/PID/status field summed (kB); "-" when a PID is gone
	local f=$1 p s=0 v
	shift
	for p in "$@"; do
		v=$(awk -v f="$f:" '$1 == f { print $2 }' /proc/"$p"/status 2>/dev/null)
		[ -n "$v" ] || { echo -; return; }
		s=$((s + v))
	done
	echo $s
}
mb() { [ "$1" = - ] && echo - || awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# peak PHASE: every group's VmHWM now
declare -A HWM RSS CPU
PHASES=()
peak() {
	local n
	PHASES+=("$1")
	for n in "${ORDER[@]}"; do
		# shellcheck disable=SC2086
		HWM[$1,$n]=$(mb "$(kb VmHWM ${GROUP[$n]})")
	done
}

# window LABEL: every group's CPU over WIN seconds, and VmRSS at its end
window() {
	local label=$1 n t0 t1
	declare -A c0
	for n in "${ORDER[@]}"; do
		# shellcheck disable=SC2086
		c0[$n]=$(cpu_ns ${GROUP[$n]})
	done
	t0=$(date +%s%N)
	sleep "$WIN"
	t1=$(date +%s%N)
	for n in "${ORDER[@]}"; do
		# shellcheck disable=SC2086
		CPU[$label,$n]=$(awk -v c="$(($(cpu_ns ${GROUP[$n]}) - c0[$n]))" -v t="$((t1 - t0))" \
			'BEGIN { printf "%.2f", 100 * c / t }')
		# shellcheck disable=SC2086
		RSS[$label,$n]=$(mb "$(kb VmRSS ${GROUP[$n]})")
	done
}

for n in "${ORDER[@]}"; do
	# shellcheck disable=SC2086
	kill -0 ${GROUP[$n]} 2>/dev/null || bench_fail "$n is not running"
done
peak "start, master attached"
window idle
peak idle

# the load: the kernel-side generator from the client namespace, through the switch
mns=$(lab_node_ns "$m")
mmac=$(ip -n "$mns" -br link show e0 | awk '{ print $3 }')
ip netns exec "$(lab_client_ns)" "$BENCH_BIN/xdp_gen" -i e0 -s 198.18.0.100 -d "$LAB_VIP4" \
	-M "$mmac" -S 256 -m answer -t "$((WIN + 2))" >"$LAB_DIR/gen.out" 2>&1 &
gpid=$!
lab_track "$gpid"
sleep 1
window load
wait "$gpid" || bench_fail "the generator failed: $(cat "$LAB_DIR/gen.out")"
lab_untrack "$gpid"
load=$(awk '/^sent/ { printf "%.2f M answers/s (%s invalid)", $10 / 1e6, $6 }' "$LAB_DIR/gen.out")
[ "$(lab_master)" = "$m" ] || bench_fail "the master changed under load"
peak load

lab_reload "$m" || bench_fail "cannot reload gw$m"
sleep 2
kill -0 "${LAB_IKELB_PID[$m]}" || bench_fail "gw$m died on reload"
peak "reload of the master"

lab_kill_node "$m"
nm=
for ((i = 0; i < 150; i++)); do
	nm=$(lab_master) && [ "$nm" != "$m" ] && break
	sleep 0.1
done
[ -n "$nm" ] && [ "$nm" != "$m" ] || bench_fail "no node took over from gw$m"
[ "$nm" = "$b" ] || bench_fail "gw$nm took over, not gw$b (priorities: $LAB_PRIO)"
sleep 2 # the takeover's announcements and first refills
peak "failover: the backup took over"
lab_reload "$b" || bench_fail "cannot reload gw$b"
sleep 2
peak "reload of the new master"

bench_begin footprint
bench_say "Lab: $LAB_N gateway nodes, VRRP adverts and status every 1 s; windows of ${WIN} s; load: the"
bench_say "kernel-side generator through the lab switch, 256 sources, $load."
bench_say ""
bench_say "Peak resident memory (VmHWM, MB) after each phase:"
bench_say ""
hdr="| process |" sep="|---|"
for ph in "${PHASES[@]}"; do hdr+=" $ph |"; sep+="---:|"; done
bench_say "$hdr"
bench_say "$sep"
for n in "${ORDER[@]}"; do
	row="| ${LABEL[$n]} |"
	for ph in "${PHASES[@]}"; do row+=" ${HWM[$ph,$n]} |"; done
	bench_say "$row"
done
bench_say ""
bench_say "(gw$m is killed in the failover: \"-\" after it.)"
bench_say ""
bench_say "| process | RSS idle, MB | CPU idle, % | RSS under load, MB | CPU under load, % |"
bench_say "|---|---:|---:|---:|---:|"
for n in "${ORDER[@]}"; do
	bench_say "| ${LABEL[$n]} | ${RSS[idle,$n]} | ${CPU[idle,$n]} | ${RSS[load,$n]} | ${CPU[load,$n]} |"
done
bench_say ""
worst=0 missing=
for ph in "${PHASES[@]}"; do
	for n in master backup; do
		v=${HWM[$ph,$n]}
		if [ "$v" = - ]; then
			[ "$n" = master ] && [ "$ph" = "failover: the backup took over" -o "$ph" = "reload of the new master" ] ||
				missing+=" $n/$ph"
			continue
		fi
		bench_is_num "$v" || missing+=" $n/$ph"
		awk -v a="$v" -v b="$worst" 'BEGIN { exit !(a > b) }' && worst=$v
	done
done
kw=$(for ph in "${PHASES[@]}"; do echo "${HWM[$ph,keepalived]}"; done | grep -v '^-$' | sort -g | tail -n 1)
g1="under 10 MB resident at every moment (VmHWM across start, attach, load, reload and failover)"
if [ -n "$missing" ]; then
	bench_goal "$g1" "FAILED (no figure:$missing)"
else
	v=$(awk -v w="$worst" 'BEGIN { print (w < 10) ? "met" : "NOT met" }')
	bench_goal "$g1" "$v, peak $worst MB with [metrics] off, the default (serving /metrics adds about 2.6 MB)" "Resident when idle: ${RSS[idle,master]} MB; keepalived's peak $kw MB." \
		"The lab's nodes serve no /metrics: serving them loads libmicrohttpd and the GnuTLS it links, about 2.6 MB more (docs/design.md, \"Memory\").$([ "$v" != met ] && echo " What limits it: mostly shared libraries' pages (libcrypto alone about 3.4 MB, libc 1.6 MB); the daemon's own heap and stacks are about 2 MB.")"
fi
mc=${CPU[idle,master]}
g2="under 1 % of a core when idle"
if ! bench_is_num "$mc"; then
	bench_goal "$g2" "FAILED (no figure)"
else
	bench_goal "$g2" "$(awk -v v="$mc" 'BEGIN { print (v < 1) ? "met" : "NOT met" }'), $mc %" \
		"keepalived ${CPU[idle,keepalived]} %."
fi
bench_end
