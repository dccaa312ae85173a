#!/bin/bash
# A flood of IKE_SA_INIT requests with forged source addresses at the VIP,
# at the full rate of the kernel-side generator (bench/xdp_gen: BPF_PROG_RUN
# in live-frames mode, from an attacker namespace), while real strongSwan
# clients connect: every real client gets its REDIRECT and its IKE SA with
# the gateway, each forged source gets at most burst + rate * time answers
# (counted where they arrive, by the generator's XDP sink), and the XDP
# program's counters account for every request.  Two floods: 1000 sources
# (198.19.0.1 and up), then one.  Forged addresses stay inside the test's
# namespaces, within 198.18.0.0/15.
#
#   client (cli) ---+
#   attacker (att) -+-- bridge (sw) --+-- balancer (bal): VIP, XDP (xdp_loader -s)
#                                     +-- gateway (gw): charon
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/strongswan.sh"
. "$TOP/tests/lib/ikelb.sh"

LOADER=$TOP/build/tests/tools/xdp_loader
GEN=$TOP/build/bench/xdp_gen
ikelb_require --charon xdp_loader
[ -x "$GEN" ] || { not_ok "missing: build/bench/xdp_gen (make tests)"; tap_done; exit 1; }

VIP4=198.18.0.10 VIP6=2001:db8::10
GW4=198.18.0.4 GW6=2001:db8::4
RATE=10 BURST=20 SECS=3

lab_init
SW=$(lab_ns sw) && CLI=$(lab_ns cli) && BAL=$(lab_ns bal) && GW=$(lab_ns gw) &&
	ATT=$(lab_ns att) || exit 1
lab_bridge "$SW" br0
for n in cli:c0:198.18.0.2:2 bal:b0:198.18.0.3:3 gw:g0:$GW4:4 att:a0:198.18.0.5:5; do
	IFS=: read -r who dev a4 h <<<"$n"
	ns=$LAB_PREFIX-$who
	lab_veth "$ns" "$dev" "$SW" "sw$dev" && lab_port "$SW" br0 "sw$dev" || exit 1
	ip -n "$ns" addr add "$a4/24" dev "$dev"
	ip -n "$ns" addr add "2001:db8::$h/64" dev "$dev" nodad
done
ip -n "$BAL" addr add $VIP4/24 dev b0
ip -n "$BAL" addr add $VIP6/64 dev b0 nodad
BMAC=$(ip -n "$BAL" -br link show b0 | awk '{ print $3 }')

# the client's connections to the VIPs, two per flood; every gateway is gw.ikelb.test
sw_psk_pair "$CLI" "$GW" ikelb-xdp-flood-psk "$(for f in many one; do sw_psk_conn "${f}4" $VIP4; sw_psk_conn "${f}6" $VIP6; done)" ||
	{ not_ok "strongSwan started"; tap_done; exit; }

remote_host() { sw_remote_host "$CLI" "$LAB_DIR/cli" "$1"; } # CONN
counter() { sed -n "s/^$2 //p" "$1"; } # LOG NAME: a counter the loader printed
# drops of the path the flood takes, towards the balancer: what the
# generator's veth could not hand to its peer, what the bridge could not
# hand to the balancer's veth (each veth counts its transmit drops; the
# answers' way back has its own)
path_drops() {
	{
		ip -n "$ATT" -s -j link show a0
		ip -n "$SW" -s -j link show swb0
	} | grep -o '"tx":{[^}]*}' | grep -o '"dropped":[0-9]*' | cut -d: -f2 |
		awk '{ s += $1 } END { print s + 0 }'
}
# requests the client sent to a VIP (its log: one line per datagram)
client_requests() { grep -cE "sending packet: from [^ ]+ to ($VIP4|$VIP6)\[" "$LAB_DIR/cli/charon.log"; }

# flood NAME SOURCES: one flood with real clients connecting
flood() {
	local name=$1 sources=$2 log=$LAB_DIR/loader-$1.log gen=$LAB_DIR/gen-$1.out
	local d0 d1 r0 r1 pids=() p sent req red lim tot other max secs arrived
	lab_spawn "$log" ip netns exec "$BAL" "$LOADER" -i b0 -4 $VIP4 -6 $VIP6 \
		-t $GW4 -T $GW6 -s $RATE/$BURST
	local lpid=$LAB_PID
	if ! lab_wait_for 10 grep -q ready "$log"; then
		not_ok "$name: loader attached XDP"; sed 's/^/# /' "$log"; return
	fi
	d0=$(path_drops) r0=$(client_requests)
	lab_spawn "$gen" ip netns exec "$ATT" "$GEN" -i a0 -s 198.19.0.1 -d $VIP4 -M "$BMAC" \
		-m answer -S "$sources" -P -t $SECS -T 1
	local gpid=$LAB_PID
	sleep 0.5 # the flood is on
	for c in "${name}4" "${name}6"; do
		sw_ctl "$CLI" "$LAB_DIR/cli" --initiate --ike "$c" --timeout 30 \
			>"$LAB_DIR/init-$c.out" 2>&1 &
		pids+=($!)
		lab_track $!
	done
	lab_stop_wait() { wait "$1" 2>/dev/null; lab_untrack "$1"; }
	lab_stop_wait "$gpid"
	for p in "${pids[@]}"; do lab_stop_wait "$p"; done
	d1=$(path_drops) r1=$(client_requests)
	lab_stop "$lpid"
	for c in "${name}4" "${name}6"; do
		check "$name: client $c established" \
			grep -q "initiate completed successfully" "$LAB_DIR/init-$c.out"
	done
	check "$name: its IKE SAs are with the gateway" \
		test "$(remote_host "${name}4")/$(remote_host "${name}6")" = "$GW4/$GW6"
	diag "$name: $(head -n 1 "$gen")"
	sent=$(awk '/^sent/ { print $2 }' "$gen")
	secs=$(awk '/^sent/ { print $8 }' "$gen")
	read -r _ srcs _ max < <(grep '^answered_sources' "$gen")
	check "$name: the generator ran and the program answered it (sent $sent, answered sources ${srcs:-?})" \
		test "${sent:-0}" -gt 10000 -a "${srcs:-0}" -ge 1 -a "${srcs:-0}" -le "$sources"
	check "$name: no forged source got more than burst + rate * $secs s answers (max ${max:-?})" \
		awk -v m="${max:-999999}" -v s="$secs" -v r=$RATE -v b=$BURST \
		'BEGIN { exit !(m <= b + r * (s + 0.5)) }'
	req=$(counter "$log" requests) red=$(counter "$log" redirected)
	lim=$(counter "$log" drop_rate_source) tot=$(counter "$log" drop_rate_total)
	other=0
	for k in cookie_sent no_support no_target redirect_loop drop_too_big error; do
		other=$((other + $(counter "$log" $k)))
	done
	diag "$name: requests $req redirected $red drop_rate_source $lim, path drops $((d1 - d0)), client requests $((r1 - r0))"
	check "$name: every request counted once: requests = redirected + drop_rate_source" \
		test "$req" = $((red + lim)) -a "$tot" = 0 -a "$other" = 0
	# what reached the program: the generator's frames less the path's
	# drops, and the client's requests (all or fewer: some may be dropped)
	arrived=$((sent - (d1 - d0)))
	check "$name: the generator's frames are accounted for ($sent sent, $((d1 - d0)) dropped on the path, $req counted)" \
		test "$req" -ge "$arrived" -a "$req" -le $((arrived + r1 - r0))
	check "$name: the forged sources were held back ($lim dropped over the limit)" \
		test "$lim" -gt 0
	# charon would take an established IKE SA of the same configuration
	# for the next flood's: close them
	for c in "${name}4" "${name}6"; do
		sw_ctl "$CLI" "$LAB_DIR/cli" --terminate --ike "$c" --timeout 5 >/dev/null 2>&1
	done
}

flood many 1000
flood one 1
tap_done
