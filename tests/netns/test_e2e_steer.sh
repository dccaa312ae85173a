#!/bin/bash
# End to end: steering of clients that do not follow redirects
# ([redirect] unsupported = steer; README "Clients without redirect
# support"), with real strongSwan.  The lab's gateways run with
# LAB_STEER (scripts/lab.sh): gateway N has steer_label N, its charon the
# lines of `ikelb-load strongswan-conf`, and the ARP settings steering
# needs.  Clients with charon.follow_redirects = no (and mobike = no, so
# that they stay on the VIP) connect to the VIP:
#
#   - the master sends each IKE_SA_INIT on to a gateway at layer 2, by the
#     same tables as a REDIRECT (spread by free capacity: max_tunnels
#     40/40/80, 24 clients on empty gateways: 6/6/12 on average; the
#     master counts each for the gateway that holds it), and every later IKE
#     message by the label in the gateway's SPI; each gateway's charon
#     answers from the VIP, which it holds on lo unless it is the master;
#   - each gateway's charon asks the kernel for ESP SPIs from its own range
#     for the CHILD_SAs of steered clients (the kernel here has no ESP: the
#     SAs cannot be installed); raw ESP and ESP-in-UDP frames with SPIs from
#     each gateway's range arrive at that gateway and nowhere else; an unknown label's and a keepalive are
#     dropped by the master;
#   - the master is killed: the new master steers every later IKE exchange
#     (swanctl --rekey --ike) to the gateway that holds the SA, with nothing
#     handed over, also after a gateway rekeyed the SA itself (its SPI is
#     then SPIi); the dead master's label is dropped as dead;
#   - a backup's VIPs leave lo when its ikelb-load stops, stay after a
#     SIGKILL, and `ikelb-load cleanup` (the units' ExecStopPost=) removes
#     them from the record.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
e2e_require esp_probe
ESP=$IKELB_TOOLS/esp_probe
LAB_STEER=1
LAB_MAX="40 40 80"
# a CHILD_SA makes charon ask the kernel for an ESP SPI ("got SPI", at the
# kernel interface's log level 2), though the kernel cannot install it
LAB_GATEWAY_CHARON+=$'\n\tfilelog {\n\t\tlog {\n\t\t\tknl = 2\n\t\t}\n\t}'
LAB_GATEWAY_CONN_EXTRA="children { net { local_ts = 10.99.0.0/24 } }"
e2e_up
M=$(lab_master)
N_CL=24

# ---- the gateways' set-up ---------------------------------------------------------
vip_on() { # vip_on N DEV: node N has both VIPs on DEV
	ip -n "$(lab_node_ns "$1")" -4 addr show dev "$2" | grep -q "inet $LAB_VIP4/32" &&
		ip -n "$(lab_node_ns "$1")" -6 addr show dev "$2" | grep -q "inet6 $LAB_VIP6/128"
}
vips_placed() { # the master on e0 only, every other live node on lo only
	local i m=$1
	for ((i = 1; i <= LAB_N; i++)); do
		kill -0 "${LAB_IKELB_PID[$i]}" 2>/dev/null || continue
		if [ "$i" = "$m" ]; then
			vip_on "$i" e0 && ! vip_on "$i" lo || return 1
		else
			vip_on "$i" lo && ! vip_on "$i" e0 || return 1
		fi
	done
}
check "the master gw$M holds the VIPs on e0, the other nodes on lo" lab_wait_for 5 vips_placed "$M"
want=$(printf 'spi_mask = 0xff00000000000000\nspi_label = 0x0200000000000000\nspi_min = 0x02000000\nspi_max = 0x02ffffff')
check "ikelb-load strongswan-conf prints gw2's charon lines" \
	test "$("$IKELB_LOAD" strongswan-conf -c "$(lab_node_conf 2)")" = "$want"
labels_used() {
	local i
	for i in 1 2 3; do
		grep -q "using SPI label 0x0${i}00000000000000 and mask 0xff00000000000000" \
			"$(lab_node_sw "$i")/charon.log" || return 1
	done
}
check "each gateway's charon took its label and mask" labels_used

# ---- clients without redirect support ------------------------------------------------
lab_client_up nr 198.18.0.101 2001:db8::101 "	follow_redirects = no" ||
	{ not_ok "client namespace nr"; e2e_done; exit 1; }
export LAB_CLIENT=nr
lab_add_clients 1 $N_CL "$LAB_VIP4" "mobike = no" >/dev/null
lab_add_clients 31 34 "$LAB_VIP6" "mobike = no" >/dev/null
e2e_connect 1 $N_CL 8
check "$N_CL clients with follow_redirects = no establish through the IPv4 VIP ($FAILED failed)" \
	test "$FAILED" = 0
e2e_connect 31 34 4
check "4 more through the IPv6 VIP ($FAILED failed)" test "$FAILED" = 0
hosts=$(lab_client_hosts)
check "every client's IKE SA is with the VIP itself" \
	eval '[ "$(grep -c " $LAB_VIP4$" <<<"$hosts")" = $N_CL ] && [ "$(grep -c " $LAB_VIP6$" <<<"$hosts")" = 4 ]'
check "none was redirected (no REDIRECT_SUPPORTED, none sent)" \
	eval '! grep -q "redirected to" "$(LAB_CL_DIR)/charon.log"'

# Where each client's SA is: the gateway whose charon holds its identity.
declare -A HOLDER
holders() {
	local i id
	HOLDER=()
	for ((i = 1; i <= LAB_N; i++)); do
		kill -0 "${LAB_CHARON_PID[$i]}" 2>/dev/null || continue
		for id in $(lab_gateway_ids "$i"); do
			HOLDER[${id%%.*}]=$((${HOLDER[${id%%.*}]:-0} * 10 + i))
		done
	done
}
holders
HELD=(0 0 0 0) ALL=(0 0 0 0) bad=0
for k in $(seq 1 $N_CL) 31 32 33 34; do
	h=${HOLDER[c$k]:-0}
	if [ "$h" -ge 1 ] && [ "$h" -le 3 ]; then
		ALL[$h]=$((ALL[h] + 1))
		[ "$k" -le "$N_CL" ] && HELD[$h]=$((HELD[h] + 1))
	else
		bad=$((bad + 1))
	fi
done
check "each client's IKE SA is held by exactly one gateway's charon ($bad not)" test "$bad" = 0
# Each IKE_SA_INIT went where the master's tables said: it counted one
# steered request per client for the gateway that holds the client's SA
# (its figures are those of its last refill: at most 100 ms old).
sent_is() {
	sent="$(e2e_redirects "$M" gw1)/$(e2e_redirects "$M" gw2)/$(e2e_redirects "$M" gw3)"
	[ "$sent" = "$1" ]
}
held="${ALL[1]}/${ALL[2]}/${ALL[3]}"
lab_wait_for 2 sent_is "$held"
sent_is "$held"
check "the master counted each client for the gateway that holds it ($sent, held $held)" \
	test "$sent" = "$held"
# The 24 arrive within a refill or two, faster than the plan: the spill
# table spreads them by the hash of their SPIi, 1:1:2 by free capacity, so
# the counts are random (e2e_chi2); all to one gateway gives 24 or more.
# (How close the balancer brings loads: tests/unit/test_balancer.c,
# bench/balance.sh.)
got="${HELD[1]}/${HELD[2]}/${HELD[3]}"
chi2=$(e2e_chi2 "${HELD[1]} ${HELD[2]} ${HELD[3]}" "6 6 12")
check "spread 1:1:2 by free capacity: $got, chi-square $chi2 against 6/6/12 (below $E2E_CHI2_MAX)" \
	e2e_chi2_ok "$chi2"
at_vip() { # gateway N has established SAs, and every one is local at a VIP
	local sas
	sas=$(sw_ctl "$(lab_node_ns "$1")" "$(lab_node_sw "$1")" --list-sas --raw 2>/dev/null |
		grep 'state=ESTABLISHED') || return 1
	! grep -v -q "local-host=\($LAB_VIP4\|$LAB_VIP6\) " <<<"$sas"
}
check "every gateway's charon answered from the VIP (local address of all its SAs)" \
	eval 'at_vip 1 && at_vip 2 && at_vip 3'
# The gateway's SPI on the wire carries its label: the client sees it as
# the responder SPI's first byte.
spis=$(sw_ctl "$(lab_client_ns)" "$(LAB_CL_DIR)" --list-sas --raw 2>/dev/null |
	sed -n 's/^list-sa event {\(c[0-9]*\) {.* responder-spi=\([0-9a-f]*\) .*/\1 \2/p')
bad=0
while read -r c spi; do
	[ "${spi:0:2}" = "0${HOLDER[$c]:-x}" ] || { bad=$((bad + 1)); diag "$c: SPIr $spi, held by gw${HOLDER[$c]:-?}"; }
done <<<"$spis"
check "each SA's responder SPI starts with its gateway's label ($bad not)" test "$bad" = 0
ok_check=0
for i in 1 2 3; do
	out=$(ip netns exec "$(lab_node_ns "$i")" "$IKELB_LOAD" check -c "$(lab_node_conf "$i")" 2>&1)
	grep -q "carry steer_label $i" <<<"$out" && ! grep -q "^warning" <<<"$out" &&
		ok_check=$((ok_check + 1)) || diag "gw$i check: $out"
done
check "ikelb-load check on each gateway: charon's SAs carry its label, no warning" \
	test "$ok_check" = 3
si=$(e2e_counter "$M" steered_init) sk=$(e2e_counter "$M" steered_ike)
sl=$(e2e_counter "$M" steered_local) rd=$(e2e_counter "$M" redirected)
check "the master counted the steering: steered_init $si, steered_ike $sk (>= $((N_CL + 4)) each), steered_local $sl (>= gw$M's ${HELD[$M]}), redirected $rd" \
	eval '[ "$si" -ge $((N_CL + 4)) ] && [ "$sk" -ge $((N_CL + 4)) ] &&
		[ "$sl" -ge "${HELD[$M]}" ] && [ "$rd" = 0 ]'
r=$(mj "$M" "targets/name=gw3/redirects")
check "steered clients count as new clients of their target (gw3: $r >= ${HELD[3]})" \
	test "$r" -ge "${HELD[3]}"
# The gateways' ESP SPIs: each one's from its own range (charon.spi_min,
# spi_max), for a CHILD_SA of a client that steering brought to it.
lab_add_clients 41 46 "$LAB_VIP4" "mobike = no
		children { t { remote_ts = 10.99.0.0/24 } }" >/dev/null
for ((k = 41; k <= 46; k++)); do
	sw_ctl "$(lab_client_ns)" "$(LAB_CL_DIR)" --initiate --child t --ike "c$k" --timeout 10 \
		>/dev/null 2>&1 # the kernel cannot install it: the CHILD_SA fails
done
bad_spi() { # every SPI a gateway asked for starts with its label
	local i s
	for ((i = 1; i <= LAB_N; i++)); do
		for s in $(sed -n 's/.*got SPI \([0-9a-f]*\).*/\1/p' "$(lab_node_sw "$i")/charon.log"); do
			[ "${s:0:2}" = "0$i" ] || return 0
		done
	done
	return 1
}
n_spi=$(cat "$LAB_DIR"/gw*/sw/charon.log | grep -c "got SPI")
check "gateways asked the kernel for $n_spi ESP SPIs for steered clients' CHILD_SAs, each from its own range" \
	eval '[ "$n_spi" -ge 6 ] && ! bad_spi'
st=$(mj "$M" "targets/name=gw2/steer")
check "status --json: gw2's label is steered to its MAC (steer: $st)" test "$st" = mac

# ---- raw ESP: by the SPI's range ----------------------------------------------------------
# probe VIP [udp]: 20 frames per label 1..3 and 99 (nobody's) from the
# client; prints "N SPI COUNT" for every frame each gateway received
probe() {
	local vip=$1 how=${2:-} i pids=() out
	for ((i = 1; i <= LAB_N; i++)); do
		kill -0 "${LAB_IKELB_PID[$i]}" 2>/dev/null || continue
		ip netns exec "$(lab_node_ns "$i")" "$ESP" recv e0 3 "$vip" >"$LAB_DIR/esp-$i.out" &
		pids+=($!)
		lab_track $!
	done
	for ((i = 1; i <= LAB_N; i++)); do
		kill -0 "${LAB_IKELB_PID[$i]}" 2>/dev/null || continue
		lab_wait_for 2 grep -q ready "$LAB_DIR/esp-$i.out"
	done
	for l in 01 02 03 63; do
		ip netns exec "$(lab_client_ns)" "$ESP" send "$vip" "${l}a1b2c3" 20 $how
	done
	for i in "${pids[@]}"; do wait "$i"; lab_untrack "$i"; done
	for ((i = 1; i <= LAB_N; i++)); do
		[ -f "$LAB_DIR/esp-$i.out" ] || continue
		sed -n "s/^\([0-9a-f]\{8\}\) \([0-9]*\)$/$i \1 \2/p" "$LAB_DIR/esp-$i.out"
		rm -f "$LAB_DIR/esp-$i.out"
	done
}
# expect_only OUT N...: node N received 20 frames of SPI 0Na1b2c3, for each
# N given, and nothing else reached anyone
expect_only() {
	local out=$1 n
	shift
	for n in "$@"; do
		grep -qx "$n 0${n}a1b2c3 20" <<<"$out" || return 1
	done
	[ "$(wc -l <<<"$out")" = $# ]
}
u0=$(e2e_counter "$M" steer_unknown_label) e0=$(e2e_counter "$M" steered_esp)
out=$(probe "$LAB_VIP4")
check "ESP over IPv4: each gateway got the 20 frames of its own SPI range, nobody label 99's" \
	expect_only "$out" 1 2 3
[ "$_tap_fail" -gt 0 ] && diag "received: $(tr '\n' ';' <<<"$out")"
out=$(probe "$LAB_VIP4" udp)
check "ESP in UDP (port 4500) over IPv4: the same" expect_only "$out" 1 2 3
out=$(probe "$LAB_VIP6")
check "ESP over IPv6: the same" expect_only "$out" 1 2 3
u1=$(e2e_counter "$M" steer_unknown_label) e1=$(e2e_counter "$M" steered_esp)
check "the master counted 180 steered ESP frames ($((e1 - e0))) and dropped 60 of label 99 ($((u1 - u0)))" \
	eval '[ $((e1 - e0)) = 180 ] && [ $((u1 - u0)) = 60 ]'
k0=$(e2e_counter "$M" natt_keepalive)
ip netns exec "$(lab_client_ns)" "$ESP" send "$LAB_VIP4" 0 5 keepalive
keepalives() { [ "$(e2e_counter "$M" natt_keepalive)" = $((k0 + 5)) ]; }
check "NAT-T keepalives are counted and dropped by the master" lab_wait_for 2 keepalives

# ---- failover: the new master steers at once ----------------------------------------
# A gateway rekeys one SA itself: from then on the gateway's SPI is SPIi.
G=""
for i in 1 2 3; do [ "$i" != "$M" ] && [ "${HELD[$i]}" -gt 0 ] && { G=$i; break; }; done
C=""
for ((k = 1; k <= N_CL; k++)); do [ "${HOLDER[c$k]}" = "$G" ] && { C=c$k; break; }; done
gw_spi_of() { # gw_spi_of N CLIENT: "SPIi SPIr" of the SA with CLIENT at node N
	sw_ctl "$(lab_node_ns "$1")" "$(lab_node_sw "$1")" --list-sas --raw 2>/dev/null |
		grep "state=ESTABLISHED" | grep "remote-id=$2.nr.ikelb.test " |
		sed -n 's/.* initiator-spi=\([0-9a-f]*\) responder-spi=\([0-9a-f]*\) .*/\1 \2/p' | head -n 1
}
id=$(sw_ctl "$(lab_node_ns "$G")" "$(lab_node_sw "$G")" --list-sas --raw 2>/dev/null |
	grep "remote-id=$C.nr.ikelb.test " | sed -n 's/.* {uniqueid=\([0-9]*\) .*/\1/p' | head -n 1)
sw_ctl "$(lab_node_ns "$G")" "$(lab_node_sw "$G")" --rekey --ike-id "$id" >/dev/null 2>&1
gw_initiated() { local s; s=$(gw_spi_of "$G" "$C"); [ "${s:0:2}" = "0$G" ]; }
check "gw$G rekeyed $C's IKE SA itself: its SPI is now the SA's SPIi ($(gw_spi_of "$G" "$C"))" \
	lab_wait_for 10 gw_initiated

declare -A BEFORE
for ((k = 1; k <= N_CL; k++)); do BEFORE[c$k]=${HOLDER[c$k]}; done
lab_kill_node "$M"
lab_wait_for 10 eval '[ -n "$(lab_master)" ]'
N=$(lab_master)
check "a new master took over (gw$N) and holds the VIPs on e0, gw$M is gone" \
	eval '[ -n "$N" ] && [ "$N" != "$M" ] && lab_wait_for 5 vips_placed "$N"'
k0=$(e2e_counter "$N" steered_ike)
# up to 3 clients of each surviving gateway, and the one gw$G rekeyed
REKEY=()
[ -n "$C" ] && REKEY+=("$C $G")
for ((k = 1; k <= N_CL; k++)); do
	h=${BEFORE[c$k]} n_h=0
	[ "$h" = "$M" ] || [ "c$k" = "$C" ] && continue
	for x in "${REKEY[@]}"; do [ "${x#* }" = "$h" ] && n_h=$((n_h + 1)); done
	[ $n_h -lt 3 ] && REKEY+=("c$k $h")
done
declare -A OLD
for x in "${REKEY[@]}"; do OLD[${x% *}]=$(gw_spi_of "${x#* }" "${x% *}"); done
pids=()
for x in "${REKEY[@]}"; do
	sw_ctl "$(lab_client_ns)" "$(LAB_CL_DIR)" --rekey --ike "${x% *}" >/dev/null 2>&1 &
	pids+=($!)
	lab_track $!
done
for p in "${pids[@]}"; do wait "$p"; lab_untrack "$p"; done
rekeyed() { # every REKEY client's SA at its old gateway has a new SPI pair
	local x c h s
	for x in "${REKEY[@]}"; do
		c=${x% *} h=${x#* }
		s=$(gw_spi_of "$h" "$c")
		[ -n "$s" ] && [ "$s" != "${OLD[$c]}" ] || return 1
	done
}
check "after the failover, ${#REKEY[@]} clients rekeyed their IKE SAs through the VIP with the same gateways (${REKEY[*]})" \
	lab_wait_for 20 rekeyed
holders
moved=0
for x in "${REKEY[@]}"; do [ "${HOLDER[${x% *}]:-0}" = "${x#* }" ] || moved=$((moved + 1)); done
check "each is still held by that gateway alone ($moved not)" test "$moved" = 0
k1=$(e2e_counter "$N" steered_ike)
check "the new master steered their IKE messages by label (steered_ike $k0 -> $k1)" \
	test "$k1" -ge $((k0 + ${#REKEY[@]}))
d0=$(e2e_counter "$N" steer_dead)
ip netns exec "$(lab_client_ns)" "$ESP" send "$LAB_VIP4" "0${M}a1b2c3" 10
dead_dropped() { [ "$(e2e_counter "$N" steer_dead)" = $((d0 + 10)) ]; }
check "ESP for the dead gw$M's SAs is dropped as dead by the new master" lab_wait_for 3 dead_dropped

# ---- the VIPs on lo outlive no daemon -------------------------------------------------
B=""
for ((i = 1; i <= LAB_N; i++)); do
	[ "$i" != "$M" ] && [ "$i" != "$N" ] && B=$i
done
none_on_lo() { ! ip -n "$(lab_node_ns "$1")" addr show dev lo | grep -q "$LAB_VIP4/\|$LAB_VIP6/"; }
check "gw$B (a backup) holds the VIPs on lo" vip_on "$B" lo
lab_stop "${LAB_IKELB_PID[$B]}" TERM
check "its ikelb-load stops (SIGTERM): the VIPs leave lo" none_on_lo "$B"
ikelb_start_rundir "$(lab_node_ns "$B")" "$LAB_DIR/gw$B/run" "$(lab_node_conf "$B")" \
	"$LAB_DIR/gw$B/ikelb2.log"
LAB_IKELB_PID[$B]=$IKELB_PID
check "started again, with a /run that outlives it: the VIPs on lo again" \
	lab_wait_for 10 vip_on "$B" lo
lab_kill_ikelb "$B"
check "after a SIGKILL they stay (its steered SAs keep working until the cleanup)" \
	vip_on "$B" lo
grep -q " lo$" "$LAB_DIR/gw$B/run/ikelb/lab.vips" 2>/dev/null && rec=yes || rec=no
ip netns exec "$(lab_node_ns "$B")" unshare -m sh -c \
	'mount --bind "$1" /run && exec "$0" cleanup -c "$2"' "$IKELB_LOAD" "$LAB_DIR/gw$B/run" \
	"$(lab_node_conf "$B")" >"$LAB_DIR/gw$B/cleanup.log" 2>&1
check "ikelb-load cleanup removes them, from the record's \"lo\" lines (record had them: $rec)" \
	eval '[ $rec = yes ] && none_on_lo "$B" && grep -q "removed VIP $LAB_VIP4 from lo" "$LAB_DIR/gw$B/cleanup.log"'

e2e_done
