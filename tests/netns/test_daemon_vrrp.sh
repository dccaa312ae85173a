#!/bin/bash
# VRRP election of the real daemon, end to end in the lab
# (scripts/lab.sh): gateway nodes gw1..gw3 with ikelb-load (vrrp = on,
# priorities 200 150 100, adverts every 200 ms) and strongSwan, a client
# namespace, one bridge.
#
#   two, then three nodes elect exactly one master: it alone holds both
#   VIPs and the XDP program, and every node's status agrees on it;
#   broken adverts (TTL, checksum, VRID, version, type, no address,
#   interval 0) from the client are counted by kind and change nothing;
#   so do well-formed ones at priority 254 that list other addresses than
#   the VIPs (another router with our VRID, RFC 5798 7.1: logged once per
#   source) and, once a reload sets vrrp_allow to the nodes' addresses,
#   ones from the client; a well-formed one from an allowed source with a
#   higher priority does take over (control);
#   SIGKILL of the master moves the VIPs and XDP to the next priority after
#   the master down interval; the restarted node cleans its stale VIPs and
#   preempts, the old master drops VIP and XDP; with preempt = no it stays
#   backup; clients that start connecting while the master dies are still
#   redirected and establish; SIGTERM hands over after the skew time,
#   well before master down (1 s adverts).
#
# Time limits are generous (a loaded 2-core CI machine): they check
# behaviour, not speed.  Each node's ikelb-load keeps its /run in the lab
# (ikelb_start_rundir) so that a restart after SIGKILL finds its VIP record.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
INJ=$TOP/build/tests/tools/vrrp_inject
e2e_require --bpftool vrrp_inject

LAB_PRIO="200 150 100"
# gw2, the master that dies in the failover part, is the largest gateway
LAB_MAX="20 200 20"
LAB_ADVERT_MS=200
# VIPs without a lifetime: the SIGKILL part checks that a restart removes
# the VIPs a dead run left behind (the lifetime's own expiry, and the
# units' cleanup, are tests/netns/test_vip_crash.sh)
LAB_VRRP_EXTRA="vip_lifetime_ms = 0"
lab_init

# Each start gets its own log; /run is $LAB_DIR/gwN/run across restarts.
declare -A LOG
lab_start_ikelb() {
	local i=$1
	LOG[$i]=$LAB_DIR/gw$i/ikelb.$(date +%s%N).log
	ikelb_start_rundir "$(lab_node_ns "$i")" "$LAB_DIR/gw$i/run" "$(lab_node_conf "$i")" \
		"${LOG[$i]}"
	LAB_IKELB_PID[$i]=$IKELB_PID
}

now_ms() { date +%s%3N; }
ns() { lab_node_ns "$1"; }
prio() { _lab_word "$1" "$LAB_PRIO"; }
SW=$LAB_PREFIX-sw
CL=$LAB_PREFIX-cl
CL4=198.18.0.100
# ll6 NS: the IPv6 link-local address of e0 in NS (VRRP's IPv6 source)
ll6() { ip -n "$1" -6 addr show dev e0 scope link 2>/dev/null | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }'; }
has_vip4() { ip -n "$(ns "$1")" -4 addr show dev e0 2>/dev/null | grep -q "inet $LAB_VIP4/"; }
has_vip6() { ip -n "$(ns "$1")" -6 addr show dev e0 2>/dev/null | grep -q "inet6 $LAB_VIP6/"; }
has_xdp() { ip -n "$(ns "$1")" link show dev e0 2>/dev/null | grep -q xdp; }
is_master() { has_vip4 "$1" && has_vip6 "$1" && has_xdp "$1"; }
is_backup() { ! has_vip4 "$1" && ! has_vip6 "$1" && ! has_xdp "$1"; }
# roles M [B...]: M holds both VIPs and an XDP program, every B none of them
roles() {
	local m=$1 b
	shift
	is_master "$m" || return 1
	for b; do is_backup "$b" || return 1; done
}
# stays SECONDS M [B...]: roles holds at every check (5 a second) for SECONDS
stays() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 5; i++)); do roles "$@" || return 1; sleep 0.2; done
}
# where: who holds what, for failure messages
where() {
	local i s
	for ((i = 1; i <= LAB_N; i++)); do
		s=
		has_vip4 $i && s+=" VIP4"
		has_vip6 $i && s+=" VIP6"
		has_xdp $i && s+=" XDP"
		diag "gw$i:${s:- nothing}"
	done
}
# sj N PATH...: the values at PATHs of node N's status --json, on one line
sj() {
	local i=$1
	shift
	lab_status "$i" --json 2>/dev/null | "$JG" "$@" 2>/dev/null | tr '\n' ' '
}
# agrees N M: node N's status names M (its primary address, IPv6 link-local
# and priority) as the master of both families, N's role is master exactly
# when N = M, and its XDP program is attached exactly then.
agrees() {
	local i=$1 m=$2 r=backup s=BACKUP x=false want got
	[ "$i" = "$m" ] && r=master s=MASTER x=true
	want="$r $(lab_node_ip "$m") $(prio "$m") $r $(ll6 "$(ns "$m")") $(prio "$m") $s $s $x "
	got=$(sj "$i" vips/family=ipv4/role vips/family=ipv4/master vips/family=ipv4/master_priority \
		vips/family=ipv6/role vips/family=ipv6/master vips/family=ipv6/master_priority \
		vrrp_speakers/family=ipv4/state vrrp_speakers/family=ipv6/state xdp/attached)
	[ "$got" = "$want" ] && return 0
	[ -n "${VERBOSE:-}" ] && diag "gw$i status: '$got', expected '$want'"
	return 1
}
# check_agree NAME N M: agrees, waiting up to 5 s, with a diagnosis on failure
check_agree() {
	if lab_wait_for 5 agrees "$2" "$3"; then ok "$1"; else VERBOSE=1 agrees "$2" "$3"; not_ok "$1"; fi
}
reason() { sj "$1" "vips/family=ipv$2/reason" | sed 's/ $//'; }
# check_reason NAME N FAMILY REASON: node N's reason for its role
check_reason() {
	local r
	r=$(reason "$2" "$3")
	if [ "$r" = "$4" ]; then ok "$1: $r"; else not_ok "$1: '$r', expected '$4'"; fi
}
log_tail() { tail -n "${2:-15}" "${LOG[$1]}" | sed "s/^/# gw$1: /"; }
# map_slots N F: "TARGET_INDEX COUNT" lines for family F (0 IPv4, 1 IPv6) of
# node N's pinned slots map, read through bpftool: what the XDP program sees
map_slots() {
	ikelb_in "${LAB_IKELB_PID[$1]}" bpftool -j map dump pinned /sys/fs/bpf/ikelb/lab/slots |
		grep -o '"formatted":{"key":[0-9]*,"value":{"target":[0-9]*' |
		awk -F'[:,{]+' -v f="$2" '$3 >= f * 1024 && $3 < (f + 1) * 1024 { c[$6]++ }
			END { for (v in c) print v, c[v] }' | sort -n
}
# status_slots N F: the same from node N's status --json (index, slots_ipvX)
status_slots() {
	local v=$((4 + 2 * $2)) t
	for t in gw1 gw2 gw3; do
		sj "$1" "targets/name=$t/index" "targets/name=$t/slots_ipv$v"
		echo
	done | awk 'NF == 2 && $2 > 0 { print $1, $2 }' | sort -n
}
slots_agree() { [ "$(map_slots "$1" "$2")" = "$(status_slots "$1" "$2")" ]; }
# check_slots NAME N: for both families, the map agrees with status
check_slots() {
	local f t
	for f in 0 1; do
		if lab_wait_for 3 slots_agree "$2" $f; then
			ok "$1, IPv$((4 + 2 * f)): the pinned slots map holds the shares status shows"
		else
			not_ok "$1, IPv$((4 + 2 * f)): the pinned slots map holds the shares status shows"
			diag "map (index count): $(map_slots "$2" $f | tr '\n' ' ')"
			diag "status:            $(status_slots "$2" $f | tr '\n' ' ')"
			for t in gw1 gw2 gw3; do
				diag "  $t: $(sj "$2" targets/name=$t/index targets/name=$t/state \
					targets/name=$t/slots_ipv4 targets/name=$t/slots_ipv6)"
			done
		fi
	done
}

# ---- two nodes, then three ------------------------------------------------
LAB_N=2
if ! lab_up; then
	not_ok "the lab comes up with a master"; where; log_tail 1; log_tail 2; tap_done; exit 1
fi
if stays 1 1 2; then
	ok "two nodes: gw1 (200) alone holds the IPv4 VIP, the IPv6 VIP and XDP; gw2 (150) none"
else
	not_ok "two nodes: gw1 (200) alone holds the IPv4 VIP, the IPv6 VIP and XDP; gw2 (150) none"; where
fi
check_agree "two nodes: gw1's status: master of both, XDP attached" 1 1
check_agree "two nodes: gw2's status: backup of both, master gw1 priority 200, no XDP" 2 1
xid=$(ip -n "$(ns 1)" -d link show dev e0 | grep -o 'prog/xdp id [0-9]*' | awk '{ print $3 }')
bid=$(ip netns exec "$(ns 1)" bpftool -j net show dev e0 | "$JG" 0/xdp/devname=e0/id 2>/dev/null)
check "gw1: ip link, bpftool net and status show the same XDP program ($xid)" \
	eval '[ -n "$xid" ] && [ "$bid" = "$xid" ] && [ "$(sj 1 xdp/prog_id)" = "$xid " ]'
check "gw1: the program is ikelb_xdp" eval \
	'ip netns exec "$(ns 1)" bpftool prog show id "$xid" | grep -qw ikelb_xdp'
check "gw2: bpftool net lists no XDP program" eval \
	'[ "$(ip netns exec "$(ns 2)" bpftool -j net show dev e0 | "$JG" 0/xdp/#)" = 0 ]'
# The XDP program picks a target from the slots map; status shows the
# balancer's shares.  They must be one table.
check_slots "two nodes: gw1" 1

tr1=$(sj 1 vips/family=ipv4/transitions vips/family=ipv6/transitions)
LAB_N=3
mkdir -p "$LAB_DIR/gw3/sw"
_lab_node_up 3 # lab.sh's own node setup: charon, config, ikelb-load
if lab_wait_for 10 agrees 3 1 && stays 2 1 2 3; then
	ok "three nodes: gw3 (100) joins as backup; gw1 alone holds VIPs and XDP for 2 s"
else
	not_ok "three nodes: gw3 (100) joins as backup; gw1 alone holds VIPs and XDP for 2 s"; where
fi
for i in 1 2 3; do check_agree "three nodes: gw$i's status agrees: gw1 is master" $i 1; done
check "three nodes: gw1 kept the VIPs throughout (transitions $tr1)" \
	test "$(sj 1 vips/family=ipv4/transitions vips/family=ipv6/transitions)" = "$tr1"
check "three nodes: gw3 never was master" eval '! grep -q ": MASTER" "${LOG[3]}"'

# ---- broken adverts are counted and change nothing ------------------------
CL6=$(ll6 "$CL")
inject() { ip netns exec "$CL" "$INJ" -i e0 "$@"; }
KINDS="bad_ttl bad_length bad_version bad_type no_addrs bad_checksum other_vrid bad_interval recv_errors send_errors"
# snap N FAM: node N's speaker counters (received, accepted, every drop),
# its role, transitions and master for the family
snap() {
	local p=vrrp_speakers/family=ipv$2 k paths=()
	for k in $KINDS; do paths+=("$p/drops/$k"); done
	sj "$1" $p/received $p/accepted "${paths[@]}" "vips/family=ipv$2/role" \
		"vips/family=ipv$2/transitions" "vips/family=ipv$2/master"
}
is_snap() { [ "$(snap "$1" "$2")" = "$3" ]; }
# dropped FAM KIND DESCRIPTION INJECT_ARGS...: three such adverts raise
# received and KIND by 3 on the master (gw1), nothing else; gw2 counts them too
dropped() {
	local fam=$1 kind=$2 what=$3 before want k i=2 b2 n2
	shift 3
	read -r -a before <<<"$(snap 1 "$fam")"
	want=("${before[@]}")
	want[0]=$((before[0] + 3))
	for k in $KINDS; do
		[ "$k" = "$kind" ] && want[i]=$((before[i] + 3))
		i=$((i + 1))
	done
	b2=$(sj 2 "vrrp_speakers/family=ipv$fam/drops/$kind")
	inject "$@" -n 3 -w 20
	if lab_wait_for 3 is_snap 1 "$fam" "${want[*]} "; then
		ok "IPv$fam $what: counted as $kind on the master, nothing else changed"
	else
		not_ok "IPv$fam $what: counted as $kind on the master, nothing else changed"
		diag "before: ${before[*]}"; diag "wanted: ${want[*]}"; diag "now:    $(snap 1 "$fam")"
		diag "(received accepted $KINDS role transitions master)"
	fi
	n2=$(sj 2 "vrrp_speakers/family=ipv$fam/drops/$kind")
	check "IPv$fam $what: the backup gw2 counts it too ($b2-> $n2)" test "$((b2 + 3)) " = "$n2"
}
# Each would make gw1 backup if it were accepted: priority 254 for VRID 51.
A4=(-s "$CL4" -p 254 -a 20 -A "$LAB_VIP4")
A6=(-s "$CL6" -p 254 -a 20 -A "$LAB_VIP6")
dropped 4 bad_ttl "TTL 1" "${A4[@]}" -t 1
dropped 4 bad_checksum "wrong checksum" "${A4[@]}" -x
dropped 4 other_vrid "VRID 52" "${A4[@]}" -r 52
dropped 4 bad_version "version 2" "${A4[@]}" -V 2
dropped 4 bad_type "type 2" "${A4[@]}" -T 2
dropped 4 no_addrs "no address" -s $CL4 -p 254 -a 20
dropped 4 bad_interval "interval 0" "${A4[@]}" -a 0
dropped 6 bad_ttl "hop limit 64" "${A6[@]}" -t 64
dropped 6 bad_checksum "wrong checksum" "${A6[@]}" -x
dropped 6 other_vrid "VRID 52" "${A6[@]}" -r 52
KINDS+=" addr_mismatch not_allowed"
# well-formed, priority 254, but for another router's addresses
dropped 4 addr_mismatch "another address list (198.18.0.99)" -s "$CL4" -p 254 -a 20 \
	-A 198.18.0.99
dropped 4 addr_mismatch "one address too many" "${A4[@]}" -A 198.18.0.99
dropped 6 addr_mismatch "another address list (2001:db8::99)" -s "$CL6" -p 254 -a 20 \
	-A 2001:db8::99
check "the master logged the mismatch once per source ($CL4, $CL6)" eval \
	'[ "$(grep -c "vrrp: advert for VRID 51 on e0 from $CL4 lists other addresses" "${LOG[1]}")" = 1 ] &&
	 [ "$(grep -c "vrrp: advert for VRID 51 on e0 from $CL6 lists other addresses" "${LOG[1]}")" = 1 ]'
# vrrp_allow, changed by a reload: the nodes' own addresses only
ALLOW="vrrp_allow = $(lab_node_ip 1) $(lab_node_ip 2) $(lab_node_ip 3) $(ll6 "$(ns 1)") $(ll6 "$(ns 2)") $(ll6 "$(ns 3)")"
allow() {
	local i
	for i in 1 2 3; do
		sed -i '/^vrrp_allow/d' "$(lab_node_conf $i)"
		[ -n "$1" ] && sed -i "/^advert_interval_ms/a $1" "$(lab_node_conf $i)"
		kill -HUP "${LAB_IKELB_PID[$i]}"
	done
	sleep 0.5
}
allow "$ALLOW"
check "vrrp_allow set by a reload on every node: the allowed sources in status" \
	test "$(sj 1 vrrp_speakers/family=ipv4/allowed_sources/# vrrp_speakers/family=ipv6/allowed_sources/#)" = "3 3 "
dropped 4 not_allowed "a well-formed priority 254 advert from a source not in vrrp_allow" "${A4[@]}"
dropped 6 not_allowed "a well-formed priority 254 advert from a source not in vrrp_allow" "${A6[@]}"
check "vrrp_allow: the nodes still hear each other (gw2's accepted adverts grow)" eval \
	'a=$(sj 2 vrrp_speakers/family=ipv4/accepted); sleep 0.5; [ "$(sj 2 vrrp_speakers/family=ipv4/accepted)" -gt "$a" ]'
allow ""
check "after the broken adverts: still gw1 master, gw2 and gw3 backup" roles 1 2 3

# The control: the same adverts, well-formed, from a fake master at
# priority 254 (0.3 s interval, sent every 0.1 s): every node yields.
lab_spawn "$LAB_DIR/fake6.log" ip netns exec "$CL" "$INJ" -i e0 "${A6[@]}" -a 30 -n 150 -w 100
F6=$LAB_PID
v6_gone() { ! has_vip6 1 && ! has_vip6 2 && ! has_vip6 3 && has_vip4 1 && has_xdp 1; }
if lab_wait_for 5 v6_gone; then
	ok "IPv6 fake master (254): gw1 drops only the IPv6 VIP, keeps the IPv4 VIP and XDP"
else
	not_ok "IPv6 fake master (254): gw1 drops only the IPv6 VIP, keeps the IPv4 VIP and XDP"; where
fi
check_reason "IPv6 fake master: gw1's reason" 1 6 "higher priority advert from $CL6 (priority 254)"
check "IPv6 fake master: gw1's status names it master, priority 254; IPv4 unchanged" test \
	"$(sj 1 vips/family=ipv6/role vips/family=ipv6/master vips/family=ipv6/master_priority vips/family=ipv4/role xdp/attached)" \
	= "backup $CL6 254 master true "
lab_spawn "$LAB_DIR/fake4.log" ip netns exec "$CL" "$INJ" -i e0 "${A4[@]}" -a 30 -n 150 -w 100
F4=$LAB_PID
all_gone() { is_backup 1 && is_backup 2 && is_backup 3; }
if lab_wait_for 5 all_gone; then
	ok "IPv4 fake master too: gw1 drops the IPv4 VIP and detaches XDP; no node holds anything"
else
	not_ok "IPv4 fake master too: gw1 drops the IPv4 VIP and detaches XDP; no node holds anything"; where
fi
check "fake masters: gw1's status: backup of both, XDP not attached" test \
	"$(sj 1 vips/family=ipv4/role vips/family=ipv4/master xdp/attached xdp/prog_id)" = "backup $CL4 false null "
lab_stop $F4
lab_stop $F6
if lab_wait_for 5 roles 1 2 3; then
	ok "fake masters gone: gw1 takes both VIPs back, XDP attached again"
else
	not_ok "fake masters gone: gw1 takes both VIPs back, XDP attached again"; where
fi
check_reason "fake master gone: gw1's IPv4 reason" 1 4 \
	"master down timer expired: no advert from $CL4 (priority 254)"
check_agree "fake masters gone: gw1's status agrees" 1 1
check_agree "fake masters gone: gw3's status agrees" 3 1

# ---- SIGKILL of the master ---------------------------------------------------
# The node crashes: its daemon dies without priority 0 and the node is cut
# off the switch (its stale VIPs stay on its e0, unreachable).
t_kill=$(date +%s)
tr2=$(sj 2 vips/family=ipv4/transitions | tr -d ' ')
t0=$(now_ms)
kill -KILL "${LAB_IKELB_PID[1]}"
ip -n "$SW" link set p1 down
if lab_wait_for 10 roles 2 3; then
	t=$(($(now_ms) - t0))
	# master down of gw2: 3 * 20 cs + (256 - 150) * 20 / 256 cs = 68 cs; its
	# last advert was at most 200 ms before the kill
	diag "SIGKILL: gw2 holds the VIPs and XDP after $t ms (master down 680 ms)"
	check "SIGKILL: gw2 (150) takes over after the master down interval: 300 ms < $t ms < 3000 ms" \
		eval '[ $t -gt 300 ] && [ $t -lt 3000 ]'
else
	not_ok "SIGKILL: gw2 (150) takes over (VIPs and XDP), gw3 stays backup"; where; log_tail 2
fi
wait "${LAB_IKELB_PID[1]}" 2>/dev/null
if stays 1 2 3; then ok "SIGKILL: one master afterwards (gw2), for 1 s"; else not_ok "SIGKILL: one master afterwards (gw2), for 1 s"; where; fi
check_agree "SIGKILL: gw2's status: master of both, priority 150" 2 2
check_agree "SIGKILL: gw3's status: master gw2, priority 150" 3 2
check_reason "SIGKILL: gw2's IPv4 reason" 2 4 "master down timer expired: no advert from $(lab_node_ip 1) (priority 200)"
check_reason "SIGKILL: gw2's IPv6 reason" 2 6 "master down timer expired: no advert from $(ll6 "$(ns 1)") (priority 200)"
check "SIGKILL: gw2's since and transitions moved" eval \
	'read -r since trans <<<"$(sj 2 vips/family=ipv4/since vips/family=ipv4/transitions)"; [ "$since" -ge $t_kill ] && [ "$trans" = $((tr2 + 1)) ]'
check "SIGKILL: the dead gw1 left its VIPs (stale), but no XDP program (its link died with it)" \
	eval 'has_vip4 1 && has_vip6 1 && ! has_xdp 1'
ST2=$(lab_status 2) ST3=$(lab_status 3)
check "SIGKILL: gw2's status text: MASTER, since, reason, master and priority" grep -Eq \
	"^VIP +$LAB_VIP4 +MASTER +since [0-9-]+ [0-9:]+ \(master down timer expired: no advert from $(lab_node_ip 1) \(priority 200\)\), master $(lab_node_ip 2) priority 150\$" <<<"$ST2"
check "SIGKILL: gw3's status text: BACKUP, master gw2, priority 150" grep -Eq \
	"^VIP +$LAB_VIP6 +BACKUP +since [0-9-]+ [0-9:]+ \(.*\), master $(ll6 "$(ns 2)") priority 150\$" <<<"$ST3"
check "SIGKILL: gw2's status text: XDP attached" grep -Eq "^XDP attached, (native|generic) mode, program id [0-9]+\$" <<<"$ST2"
check "SIGKILL: gw3's status text: XDP not attached" grep -q "^XDP not attached\$" <<<"$ST3"

# ---- the restart cleans the stale VIPs and preempts ---------------------------
cat >"$LAB_DIR/notify.sh" <<EOF
#!/bin/sh
echo "\$*" >>"$LAB_DIR/notify.log"
EOF
chmod +x "$LAB_DIR/notify.sh"
sed -i "/^advert_interval_ms/a notify = $LAB_DIR/notify.sh" "$(lab_node_conf 1)"
lab_spawn "$LAB_DIR/mon1.log" ip -n "$(ns 1)" monitor address
MON=$LAB_PID
sleep 0.2 # the monitor listens
tr2=$(sj 2 vips/family=ipv4/transitions | tr -d ' ')
ip -n "$SW" link set p1 up
lab_start_ikelb 1
if lab_wait_for 10 roles 1 2 3 && stays 1 1 2 3; then
	ok "restart with preempt: gw1 takes both VIPs and XDP back; gw2 drops VIPs and detaches XDP"
else
	not_ok "restart with preempt: gw1 takes both VIPs and XDP back; gw2 drops VIPs and detaches XDP"
	where; log_tail 1
fi
lab_stop $MON
check "restart: the log says the stale VIPs were removed" eval \
	'grep -q "removing VIP $LAB_VIP4 left behind" "${LOG[1]}" && grep -q "removing VIP $LAB_VIP6 left behind" "${LOG[1]}"'
# ip monitor address: each VIP deleted (stale), then added (as master)
vip_events() {
	awk -v a="inet $LAB_VIP4/" -v b="inet6 $LAB_VIP6/" '
		index($0, a) { printf "%s", ($1 == "Deleted" ? "-" : "+") "v4 " }
		index($0, b) { printf "%s", ($1 == "Deleted" ? "-" : "+") "v6 " }' "$LAB_DIR/mon1.log"
}
ev=$(vip_events)
check "restart: ip monitor on gw1 saw each stale VIP deleted before it was added again ($ev)" \
	eval '[[ "$ev" == *-v4*+v4* ]] && [[ "$ev" == *-v6*+v6* ]]'
check_reason "restart: gw1's IPv4 reason" 1 4 \
	"master down timer expired: preempting lower priority master $(lab_node_ip 2) (priority 150)"
check_reason "restart: gw2's IPv4 reason" 2 4 "higher priority advert from $(lab_node_ip 1) (priority 200)"
check_reason "restart: gw2's IPv6 reason" 2 6 "higher priority advert from $(ll6 "$(ns 1)") (priority 200)"
for i in 1 2 3; do check_agree "restart: gw$i's status agrees: gw1 is master" $i 1; done
check "restart: gw2 counted one more transition" test "$(sj 2 vips/family=ipv4/transitions)" = "$((tr2 + 1)) "
notified() { grep -qx "MASTER IPv4 $LAB_VIP4" "$LAB_DIR/notify.log" && grep -qx "MASTER IPv6 $LAB_VIP6" "$LAB_DIR/notify.log"; }
check "restart: gw1's notify script ran with MASTER IPv4/IPv6 and the VIP" lab_wait_for 3 notified

# ---- preempt = no -------------------------------------------------------------
kill -KILL "${LAB_IKELB_PID[1]}"
ip -n "$SW" link set p1 down
lab_wait_for 10 roles 2 3 || { not_ok "gw2 takes over again"; where; }
wait "${LAB_IKELB_PID[1]}" 2>/dev/null
sed -i '/^priority/a preempt = no' "$(lab_node_conf 1)"
tr2=$(sj 2 vips/family=ipv4/transitions vips/family=ipv6/transitions)
ip -n "$SW" link set p1 up
lab_start_ikelb 1
# gw1's master down interval is 640 ms: 2 s are three of them
if lab_wait_for 10 agrees 1 2 && stays 2 2 1 3; then
	ok "preempt = no: the restarted gw1 (200) stays backup under gw2 (150), no VIP, no XDP"
else
	not_ok "preempt = no: the restarted gw1 (200) stays backup under gw2 (150), no VIP, no XDP"
	where; log_tail 1
fi
check "preempt = no: gw1 never was master" eval '! grep -q ": MASTER" "${LOG[1]}"'
check "preempt = no: gw2 kept the VIPs throughout" \
	test "$(sj 2 vips/family=ipv4/transitions vips/family=ipv6/transitions)" = "$tr2"
check "preempt = no: the notify script heard BACKUP" grep -qx "BACKUP IPv4 $LAB_VIP4" "$LAB_DIR/notify.log"

# ---- a backup holds no VIP, even one it did not add --------------------------
# A backup holds neither VIP nor XDP (docs/design.md, "Roles").  gw3 restarts with the VIPs
# already on e0 but no record of having added them (as after a crash whose
# /run was lost, or a VIP configured by hand): it is a backup under gw2, and
# a backup holding the VIP answers ARP / ND for it next to the master.
lab_stop "${LAB_IKELB_PID[3]}" TERM
ip -n "$(ns 3)" addr add $LAB_VIP4/32 dev e0
ip -n "$(ns 3)" addr add $LAB_VIP6/128 dev e0 nodad
lab_start_ikelb 3
if lab_wait_for 10 agrees 3 2 && lab_wait_for 3 is_backup 3; then
	ok "gw3, restarted as backup with the VIPs on e0 (not added by it), does not keep them"
else
	not_ok "gw3, restarted as backup with the VIPs on e0 (not added by it), does not keep them"
	where
fi
# whatever happened, the failover below needs gw3 without VIPs
ip -n "$(ns 3)" addr del $LAB_VIP4/32 dev e0 2>/dev/null
ip -n "$(ns 3)" addr del $LAB_VIP6/128 dev e0 2>/dev/null

# ---- clients that start connecting while the master dies ----------------------
# gw2 drops off the switch first, so that no request reaches it; then the
# clients start, then its processes die.  Their first IKE_SA_INIT waits for
# the VIP's new owner (ARP / ND) or is lost and retransmitted (after 1 s);
# either way it reaches the new master gw1, which must redirect it to a
# live gateway.  The dead gw2 had the largest share (max_tunnels 200 of
# 240): a new master that still counts it as a target strands most clients
# (they retransmit to it for 16 s and give up).
# Eight clients: each blocking initiate holds one of the client charon's 16
# threads.
NC=8
lab_add_clients 1 6 >/dev/null
lab_add_clients 7 $NC $LAB_VIP6 >/dev/null
red0=$(sj 1 counters/redirected | tr -d ' ')
ip -n "$SW" link set p2 down
pids=()
for ((k = 1; k <= NC; k++)); do
	sw_ctl "$CL" "$(LAB_CL_DIR)" --initiate --ike "c$k" --timeout 40 >"$LAB_DIR/init-c$k.log" 2>&1 &
	pids+=($!)
	lab_track $!
done
lab_kill_node 2
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); lab_untrack "$p"; done
hosts=$(lab_where)
diag "failover: established at: $(echo $hosts)"
diag "failover: $(grep -c "retransmit 1 of request with message ID 0" "$(LAB_CL_DIR)/charon.log") first requests were retransmitted"
check "failover: all $NC clients (6 IPv4, 2 IPv6) initiated successfully ($failed failed)" test $failed = 0
n_est=$(awk '{ s += $2 } END { print s + 0 }' <<<"$hosts")
check "failover: $NC IKE SAs established ($n_est)" test "$n_est" = $NC
check "failover: all at gw1 or gw3 (live gateways), none at the dead gw2 or the VIP" eval \
	'[ -z "$(awk '\''$1 !~ /^(198\.18\.0\.1[13]|2001:db8::1[13])$/'\'' <<<"$hosts")" ]'
check "failover: gw1 is the master now, gw3 backup" roles 1 3
check "failover: gw1 sent no client to the dead gw2 (its redirects to gw2: $(sj 1 targets/name=gw2/redirects))" \
	test "$(sj 1 targets/name=gw2/redirects)" = "0 "
red1=$(sj 1 counters/redirected | tr -d ' ')
check "failover: gw1's XDP program redirected them ($red0 -> $red1)" \
	eval '[ $((red1 - red0)) -ge $NC ]'
check_slots "failover: gw1 (gw2 dead)" 1
if [ $failed != 0 ]; then
	for ((k = 1; k <= NC; k++)); do
		grep -q "completed successfully" "$LAB_DIR/init-c$k.log" ||
			tail -n 1 "$LAB_DIR/init-c$k.log" | sed "s/^/# c$k: /"
	done
	grep -o "redirected to [^ ]*" "$(LAB_CL_DIR)/charon.log" | sort | uniq -c | sed 's/^/# client: /'
	grep -E "MASTER|member gw2" "${LOG[1]}" | sed 's/^/# gw1: /'
fi

# ---- SIGTERM: priority 0, the backup takes over after the skew time ------------
# 1 s adverts: gw3 (100) waits Skew_Time = (256 - 100) * 100 / 256 = 60 cs
# after a priority 0 advert, but Master_Down_Interval = 3 * 100 + 60 = 360 cs
# without one.
lab_stop "${LAB_IKELB_PID[3]}" TERM
lab_stop "${LAB_IKELB_PID[1]}" TERM
for i in 1 3; do
	sed -i -e 's/^advert_interval_ms = .*/advert_interval_ms = 1000/' -e '/^preempt/d' \
		"$(lab_node_conf $i)"
	lab_start_ikelb $i
done
heard() { [ "$(sj 3 vrrp_speakers/family=ipv4/accepted vrrp_speakers/family=ipv6/accepted | awk '{ print ($1 >= 2 && $2 >= 2) }')" = 1 ]; }
if lab_wait_for 15 roles 1 3 && lab_wait_for 5 heard && agrees 3 1; then
	t0=$(now_ms)
	kill -TERM "${LAB_IKELB_PID[1]}"
	lab_wait_for 10 roles 3 1
	t=$(($(now_ms) - t0))
	diag "SIGTERM: gw3 holds the VIPs and XDP after $t ms (skew 600 ms, master down 3600 ms)"
	check "SIGTERM: gw3 takes over after the skew time, well before master down: 550 ms < $t ms < 2500 ms" \
		eval '[ $t -gt 550 ] && [ $t -lt 2500 ]'
	check_reason "SIGTERM: gw3's IPv4 reason" 3 4 "master $(lab_node_ip 1) resigned (priority 0), skew time expired"
	check_reason "SIGTERM: gw3's IPv6 reason" 3 6 "master $(ll6 "$(ns 1)") resigned (priority 0), skew time expired"
	check "SIGTERM: gw1 exited and left no VIP and no XDP" eval \
		'lab_wait_for 5 eval "! kill -0 ${LAB_IKELB_PID[1]} 2>/dev/null" && is_backup 1'
	check_agree "SIGTERM: gw3's status: master of both, priority 100" 3 3
else
	not_ok "1 s adverts: gw1 master, gw3 backup having heard it"; where; log_tail 1; log_tail 3
fi
tap_done
