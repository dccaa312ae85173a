#!/bin/bash
# The real daemon next to keepalived (vrrp_version 3):
#
#   bridge (sw) --- a: ikelb-load, vrrp = on, priority 100, 100 ms adverts
#        |--------- k: keepalived, same VRID 51, 0.1 s adverts
#        |--------- x: ikelb-load, vrrp = external, and keepalived
#        +--------- y: keepalived
#   VIPs 198.18.0.1 and 2001:db8::1 (one keepalived instance per family)
#
# Interop (a and k): keepalived with the higher priority makes ikelb-load
# backup (no VIP, no XDP), and the reverse; killing either master lets the
# other take the VIPs; a clean stop of ikelb-load hands over with priority 0.
# vrrp = external (x and y): ikelb-load attaches XDP when keepalived puts the
# VIP on x and detaches when it goes (keepalived preempted by y, or stopped),
# and never adds or removes the VIP itself.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/ikelb.sh"
. "$TOP/tests/lib/keepalived.sh"
ikelb_require --keepalived

VIP4=198.18.0.1 VIP6=2001:db8::1
lab_init
SW=$(lab_ns sw) || exit 1
lab_bridge "$SW" br0
declare -A NS ADDR PID LOG
i=20
for h in a k x y; do
	i=$((i + 1))
	NS[$h]=$(lab_ns "$h") || exit 1
	ADDR[$h]=198.18.0.$i
	lab_switch_host "$SW" "p$h" "${NS[$h]}" e0 "${ADDR[$h]}" "2001:db8::$i" || exit 1
done
(umask 077 && openssl rand -hex 32 >"$LAB_DIR/cluster.key")

now_ms() { date +%s%3N; }
ll6() { ip -n "${NS[$1]}" -6 addr show dev e0 scope link 2>/dev/null | awk '/inet6/ { sub("/.*", "", $2); print $2; exit }'; }
has_vip4() { ip -n "${NS[$1]}" -4 addr show dev e0 2>/dev/null | grep -q "inet $VIP4/"; }
has_vip6() { ip -n "${NS[$1]}" -6 addr show dev e0 2>/dev/null | grep -q "inet6 $VIP6/"; }
has_xdp() { ip -n "${NS[$1]}" link show dev e0 2>/dev/null | grep -q xdp; }
holds() { has_vip4 "$1" && has_vip6 "$1"; }
holds_none() { ! has_vip4 "$1" && ! has_vip6 "$1"; }
# roles M B: M holds both VIPs, B neither; XDP only where ikelb-load is master
# (a), never on a keepalived-only node
roles() {
	holds "$1" && holds_none "$2" || return 1
	case $1 in a) has_xdp a ;; esac && case $2 in a) ! has_xdp a ;; esac
}
stays() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 5; i++)); do "$@" || return 1; sleep 0.2; done
}
where() {
	local h s
	for h in a k x y; do
		s=
		has_vip4 $h && s+=" VIP4"
		has_vip6 $h && s+=" VIP6"
		has_xdp $h && s+=" XDP"
		diag "$h:${s:- nothing}"
	done
}
# cut H / join H: H's switch port down (the node is gone) / up
cut() { ip -n "$SW" link set "p$1" down; }
join() { ip -n "$SW" link set "p$1" up; }
drop_vips() {
	ip -n "${NS[$1]}" addr del "$VIP4/32" dev e0 2>/dev/null
	ip -n "${NS[$1]}" addr del "$VIP6/128" dev e0 2>/dev/null
	return 0
}

# ---- ikelb-load -------------------------------------------------------------
# ik_conf VRRP PRIO: the config of a node
ik_conf() {
	cat <<EOF
[cluster]
name = ka
interface = e0
virtual_ip = $VIP4
virtual_ip6 = $VIP6
vrrp = $1

[vrrp]
vrid = 51
priority = $2
advert_interval_ms = 100
# no VIP lifetime: what is tested is the record of the VIPs a killed daemon
# added, which its next start removes (with a lifetime they would go by
# themselves within 2 s: tests/netns/test_vip_crash.sh)
vip_lifetime_ms = 0

[reports]
key_file = $LAB_DIR/cluster.key
EOF
}
# ik_up H VRRP PRIO: start ikelb-load on H (its /run kept in $LAB_DIR/run-H)
ik_up() {
	local h=$1
	ik_conf "$2" "$3" >"$LAB_DIR/$h.conf"
	LOG[$h]=$LAB_DIR/ikelb-$h.$(now_ms).log
	ikelb_start_rundir "${NS[$h]}" "$LAB_DIR/run-$h" "$LAB_DIR/$h.conf" "${LOG[$h]}"
	PID[$h]=$IKELB_PID
	ikelb_wait_ready "$IKELB_PID" "$LAB_DIR/$h.conf"
}
sj() {
	local h=$1
	shift
	ikelb_ctl "${PID[$h]}" "$LAB_DIR/$h.conf" status --json 2>/dev/null | "$JG" "$@" 2>/dev/null | tr '\n' ' '
}
# view H ROLE MASTER_HOST PRIO: H's status: ROLE for both VIPs, master
# MASTER_HOST (its address; link-local for IPv6) with PRIO
view() {
	local want got x=false
	[ "$2" = master ] && x=true
	want="$2 ${ADDR[$3]} $4 $2 $(ll6 "$3") $4 $x "
	got=$(sj "$1" vips/family=ipv4/role vips/family=ipv4/master vips/family=ipv4/master_priority \
		vips/family=ipv6/role vips/family=ipv6/master vips/family=ipv6/master_priority xdp/attached)
	[ "$got" = "$want" ] && return 0
	[ -n "${VERBOSE:-}" ] && diag "$1 status: '$got', expected '$want'"
	return 1
}
check_view() {
	local name=$1
	shift
	if lab_wait_for 5 view "$@"; then ok "$name"; else VERBOSE=1 view "$@"; not_ok "$name"; fi
}
reason() { sj "$1" "vips/family=ipv$2/reason" | sed 's/ $//'; }

# ---- keepalived -------------------------------------------------------------
# ka_up NAME H PRIO: keepalived NAME on H, one instance per family
ka_up() {
	ka_conf "$1" e0 "$3" 0.1 "$VIP4/32" "$VIP6/128" >"$LAB_DIR/$1.conf"
	ka_start "$1" "${NS[$2]}" "$LAB_DIR/$1.conf"
}
ka_tail() { tail -n 12 "${KA_LOG[$1]}" | sed "s/^/# $1: /"; }
ik_tail() { tail -n 12 "${LOG[$1]}" | sed "s/^/# ikelb $1: /"; }

# ---- interop: keepalived (200) master, ikelb-load (100) backup --------------
ka_up k1 k 200
ik_up a on 100 || { not_ok "ikelb-load on a ready"; ik_tail a; tap_done; exit 1; }
if lab_wait_for 10 roles k a && stays 2 roles k a; then
	ok "keepalived (200) holds both VIPs; ikelb-load (100) has no VIP and no XDP, for 2 s"
else
	not_ok "keepalived (200) holds both VIPs; ikelb-load (100) has no VIP and no XDP, for 2 s"; where; ik_tail a
fi
check_view "ikelb-load's status: backup, master keepalived's address, priority 200" a backup k 200
check "keepalived stays master (IPv4 and IPv6), entered MASTER once each" \
	eval '[ "$(ka_state k1 k1_v4) $(ka_state k1 k1_v6) $(ka_masters k1)" = "MASTER MASTER 2" ]'
check "ikelb-load never was master" eval '! grep -q ": MASTER" "${LOG[a]}"'

# keepalived crashes: SIGKILL, the node cut off (its stale VIPs stay there)
t0=$(now_ms)
ka_kill k1
cut k
if lab_wait_for 10 holds a && lab_wait_for 2 has_xdp a; then
	diag "keepalived killed: ikelb-load holds the VIPs after $(($(now_ms) - t0)) ms"
	ok "keepalived killed: ikelb-load takes both VIPs and attaches XDP"
else
	not_ok "keepalived killed: ikelb-load takes both VIPs and attaches XDP"; where; ik_tail a
fi
case "$(reason a 4)" in
"master down timer expired: no advert from ${ADDR[k]} (priority 200)") ok "its reason: $(reason a 4)" ;;
*) not_ok "its reason names keepalived's silence: '$(reason a 4)'" ;;
esac
check_view "ikelb-load's status: master of both, priority 100" a master a 100
drop_vips k
join k

# ---- interop: ikelb-load (100) master, keepalived (50) backup ---------------
tr=$(sj a vips/family=ipv4/transitions vips/family=ipv6/transitions)
ka_up k2 k 50
sleep 1 # keepalived's master down interval is 3 * 0.1 s + skew: it has decided
if stays 2 roles a k && [ "$(ka_state k2 k2_v4) $(ka_state k2 k2_v6)" = "BACKUP BACKUP" ] &&
	[ "$(ka_masters k2)" = 0 ]; then
	ok "ikelb-load (100) stays master with VIPs and XDP; keepalived (50) is backup, never master"
else
	not_ok "ikelb-load (100) stays master with VIPs and XDP; keepalived (50) is backup, never master"
	where; ka_tail k2
fi
check "ikelb-load kept the VIPs throughout (transitions $tr)" \
	test "$(sj a vips/family=ipv4/transitions vips/family=ipv6/transitions)" = "$tr"

# ikelb-load crashes: SIGKILL, the node cut off
kill -KILL "${PID[a]}"
cut a
if lab_wait_for 10 holds k && [ "$(ka_state k2 k2_v4) $(ka_state k2 k2_v6)" = "MASTER MASTER" ]; then
	ok "ikelb-load killed: keepalived takes both VIPs"
else
	not_ok "ikelb-load killed: keepalived takes both VIPs"; where; ka_tail k2
fi
wait "${PID[a]}" 2>/dev/null
check "the killed ikelb-load left its VIPs (stale) but no XDP program" eval 'holds a && ! has_xdp a'

# The restart cleans the stale VIPs and preempts keepalived (100 > 50) ...
join a
ik_up a on 100
if lab_wait_for 10 roles a k && lab_wait_for 5 eval '[ "$(ka_state k2 k2_v4) $(ka_state k2 k2_v6)" = "BACKUP BACKUP" ]'; then
	ok "restarted ikelb-load preempts keepalived: VIPs and XDP on a, keepalived backup"
else
	not_ok "restarted ikelb-load preempts keepalived: VIPs and XDP on a, keepalived backup"; where; ka_tail k2
fi
check "the restart removed the stale VIPs first" eval \
	'grep -q "removing VIP $VIP4 left behind" "${LOG[a]}" && grep -q "removing VIP $VIP6 left behind" "${LOG[a]}"'
# ... and its clean stop resigns with priority 0: keepalived takes over
# after its skew time (3 * 0.1 s + skew without it)
lab_stop "${PID[a]}" TERM
if lab_wait_for 10 roles k a && grep -q "priority 0 advertisement" "${KA_LOG[k2]}"; then
	ok "ikelb-load SIGTERM: keepalived hears priority 0 and takes both VIPs; a keeps neither VIP nor XDP"
else
	not_ok "ikelb-load SIGTERM: keepalived hears priority 0 and takes both VIPs; a keeps neither VIP nor XDP"
	where; ka_tail k2
fi
lab_stop "${KA_PID[k2]}" TERM
lab_wait_for 5 holds_none k

# ---- vrrp = external ---------------------------------------------------------
ik_up x external 100 || { not_ok "ikelb-load (external) on x ready"; ik_tail x; tap_done; exit 1; }
check "external, no VIP yet: no XDP, both VIPs backup, no VRRP speaker of its own" test \
	"$(sj x vrrp vips/family=ipv4/role vips/family=ipv6/role xdp/attached vrrp_speakers/#)" \
	= "external backup backup false 0 "
check "external, no VIP yet: nothing on e0" eval '! has_xdp x && holds_none x'

ka_up kx x 150
xdp_with_vip() { holds x && has_xdp x && [ "$(sj x xdp/attached)" = "true " ]; }
if lab_wait_for 10 xdp_with_vip; then
	ok "external: keepalived on x puts the VIPs there; ikelb-load attaches XDP"
else
	not_ok "external: keepalived on x puts the VIPs there; ikelb-load attaches XDP"; where; ik_tail x
fi
check "external: status: master of both, reason: the VIP appeared" test \
	"$(sj x vips/family=ipv4/role vips/family=ipv6/role vips/family=ipv4/reason)" \
	= "master master VIP address changed on the interface "
tr=$(sj x vips/family=ipv4/transitions)

# keepalived on y with a higher priority takes the VIPs away from x
ka_up ky y 250
no_xdp_no_vip() { holds_none x && ! has_xdp x && [ "$(sj x xdp/attached vips/family=ipv4/role vips/family=ipv6/role)" = "false backup backup " ]; }
if lab_wait_for 10 holds y && lab_wait_for 5 no_xdp_no_vip; then
	ok "external: the VIPs move to keepalived on y (250); ikelb-load on x detaches XDP"
else
	not_ok "external: the VIPs move to keepalived on y (250); ikelb-load on x detaches XDP"; where; ka_tail kx
fi
# ... and come back when it stops
lab_stop "${KA_PID[ky]}" TERM
if lab_wait_for 10 xdp_with_vip; then
	ok "external: keepalived on y stops, the VIPs return to x, XDP attached again"
else
	not_ok "external: keepalived on y stops, the VIPs return to x, XDP attached again"; where; ka_tail kx
fi
check "external: two more transitions ($tr -> $(sj x vips/family=ipv4/transitions))" \
	test "$(sj x vips/family=ipv4/transitions)" = "$((tr + 2)) "

# ikelb-load stops while keepalived holds the VIPs: they are not its own
lab_stop "${PID[x]}" TERM
check "external: ikelb-load stopped: XDP detached, keepalived's VIPs stay" eval '! has_xdp x && holds x'
ik_up x external 100
check "external: restarted with the VIPs present: XDP attached at once" lab_wait_for 5 xdp_with_vip
check "external: the reason says the VIP was found" test \
	"$(sj x vips/family=ipv4/reason)" = "VIP found on the interface "

# keepalived stops: the VIPs go, and so does XDP
lab_stop "${KA_PID[kx]}" TERM
if lab_wait_for 10 no_xdp_no_vip; then
	ok "external: keepalived on x stops; VIPs gone, ikelb-load detaches XDP"
else
	not_ok "external: keepalived on x stops; VIPs gone, ikelb-load detaches XDP"; where; ik_tail x
fi
lab_stop "${PID[x]}" TERM
tap_done
