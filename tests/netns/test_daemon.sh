#!/bin/bash
# The real daemon, vrrp = off, with real strongSwan peers:
#
#   client (cli): charon, one connection per client id, all to the VIP
#        |
#   bridge (sw) --- balancer (bal): ikelb-load on e0, VIP 198.18.0.1 and
#        |                          2001:db8::1, static targets gw1, gw2
#        +--------- gw1, gw2: charon, identity gw.ikelb.test
#
# Clients land on the gateways and establish there; status (text and JSON)
# shows the VIPs, XDP and the redirects; pinned maps dump with named fields;
# SIGHUP applies a changed config without a detach and rejects a broken one;
# a second daemon for the cluster and a foreign XDP program are refused;
# SIGTERM leaves nothing behind; after SIGKILL no XDP program stays and the
# next start removes the stale VIPs.  The daemon's /run is a directory of
# the lab (ikelb_start_rundir) so that restarts and the test share it.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/strongswan.sh"
. "$TOP/tests/lib/ikelb.sh"
ikelb_require --charon --bpftool

VIP4=198.18.0.1 VIP6=2001:db8::1
GW1=198.18.0.11 GW1_6=2001:db8::11
GW2=198.18.0.12 GW2_6=2001:db8::12
NAME=lab

lab_init
SW=$(lab_ns sw) && CLI=$(lab_ns cli) && BAL=$(lab_ns bal) && G1=$(lab_ns gw1) &&
	G2=$(lab_ns gw2) || exit 1
lab_bridge "$SW" br0
for n in "$CLI c0 198.18.0.2 2001:db8::2" "$BAL e0 198.18.0.3 2001:db8::3" \
	"$G1 g1 $GW1 $GW1_6" "$G2 g2 $GW2 $GW2_6"; do
	read -r ns dev a4 a6 <<<"$n"
	lab_switch_host "$SW" "s$dev" "$ns" "$dev" "$a4" "$a6" || exit 1
done
RUN=$LAB_DIR/run # the daemon's /run
CONF=$LAB_DIR/ikelb.conf

# conf [TARGET...]: the config on stdout; TARGET is NAME/ADDR/ADDR6/MAX
conf() {
	printf '[cluster]\nname = %s\ninterface = e0\nvirtual_ip = %s\nvirtual_ip6 = %s\n' \
		$NAME $VIP4 $VIP6
	printf 'vrrp = off\n\n[redirect]\nports = 500 4500\n'
	for t in "$@"; do
		IFS=/ read -r n a a6 m <<<"$t"
		printf '\n[target %s]\naddress = %s\naddress6 = %s\nmax_tunnels = %s\n' \
			"$n" "$a" "$a6" "$m"
	done
}
BOTH="gw1/$GW1/$GW1_6/100 gw2/$GW2/$GW2_6/100"

# ---- strongSwan -------------------------------------------------------------
PSK='secrets {
	ike-any {
		secret = ikelb-daemon-test-psk
	}
}'
NCLI=12
sw_conf "$LAB_DIR/cli"
{
	echo "connections {"
	for i in $(seq 1 $((NCLI + 8))); do
		vip=$VIP4
		[ "$i" -gt $((NCLI + 6)) ] && vip=$VIP6
		echo "	c$i {
		version = 2
		remote_addrs = $vip
		local { auth = psk
			id = c$i.ikelb.test }
		remote { auth = psk
			id = gw.ikelb.test }
	}"
	done
	echo "}"
	echo "$PSK"
} >"$LAB_DIR/cli/swanctl.conf"
for g in gw1 gw2; do sw_psk_gateway "$LAB_DIR/$g" "$PSK"; done
sw_start "$CLI" "$LAB_DIR/cli" && sw_load "$CLI" "$LAB_DIR/cli" 2>/dev/null &&
	sw_start "$G1" "$LAB_DIR/gw1" && sw_load "$G1" "$LAB_DIR/gw1" 2>/dev/null &&
	sw_start "$G2" "$LAB_DIR/gw2" && sw_load "$G2" "$LAB_DIR/gw2" 2>/dev/null ||
	{ not_ok "strongSwan started"; tap_done; exit; }

# gw_has GW ID: the gateway's list-sas shows an established IKE SA with ID
gw_has() {
	sw_ctl "${GWNS[$1]}" "$LAB_DIR/$1" --list-sas --raw 2>/dev/null |
		grep 'state=ESTABLISHED' | grep -q "remote-id=$2 "
}
declare -A GWNS=([gw1]=$G1 [gw2]=$G2) GWADDR=([gw1]="$GW1 $GW1_6" [gw2]="$GW2 $GW2_6")

# connect N: client cN initiates to its VIP; sets LANDED to the gateway
# (gw1, gw2) whose charon holds the client's established IKE SA, and whose
# address is the remote host of the client's SA; "" when none
connect() {
	local c=c$1 out host g
	LANDED=
	out=$(sw_ctl "$CLI" "$LAB_DIR/cli" --initiate --ike "$c" --timeout 5 2>&1)
	host=$(sw_ctl "$CLI" "$LAB_DIR/cli" --list-sas --ike "$c" --raw 2>/dev/null |
		grep 'state=ESTABLISHED' | grep -o 'remote-host=[^ ]*' | cut -d= -f2)
	for g in gw1 gw2; do
		if gw_has $g "$c.ikelb.test" && [[ " ${GWADDR[$g]} " == *" $host "* ]]; then
			LANDED=$g
		fi
	done
	if [ -z "$LANDED" ]; then
		diag "$c: no IKE SA via the VIP (client remote host '$host')"
		tail -n 8 <<<"$out" | sed 's/^/#   /'
	fi
}

# ---- helpers on the balancer ------------------------------------------------
# st [--json]: status of the daemon $DPID, with the last config it accepted
st() { ikelb_ctl "$DPID" "$LAB_DIR/accepted.conf" status "$@"; }
sj() { st --json | "$JG" "$@"; }
# xdp_id: the id of the XDP program on e0 as ip sees it ("" when none)
xdp_id() { ip -n "$BAL" -d link show dev e0 | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}'; }
# xdp_link: the id of the BPF link that holds the program $XDP_ID
xdp_link() { ip netns exec "$BAL" bpftool -j link show | "$JG" "prog_id=$XDP_ID/id"; }
has_vip() { ip -n "$BAL" addr show dev e0 | grep -qw "inet6\? $1/\(32\|128\)"; }
no_xdp() { ! ip -n "$BAL" link show dev e0 | grep -q 'xdp'; }
not_running() { ! kill -0 "$1" 2>/dev/null; }
# stop_daemon PID SIGNAL: signal it and wait (5 s at most); sets RC
stop_daemon() {
	kill -"$2" "$1" 2>/dev/null
	lab_wait_for 5 not_running "$1"
	wait "$1" 2>/dev/null
	RC=$?
}
# text_redirects NAME: the REDIRECTS column of the target's row in `status`
text_redirects() { st | awk -v n="$1" '$1 == n && $2 == "static" { print $(NF - 1) }'; }

# ---- start --------------------------------------------------------------------
conf $BOTH >"$CONF"
cp "$CONF" "$LAB_DIR/accepted.conf"
ikelb_start_rundir "$BAL" "$RUN" "$CONF" "$LAB_DIR/daemon1.log"
D1=$IKELB_PID DPID=$IKELB_PID
if ikelb_wait_ready "$D1" "$CONF"; then
	ok "daemon started and answers status"
else
	not_ok "daemon started and answers status"
	sed 's/^/# /' "$LAB_DIR/daemon1.log"
	tap_done
	exit 1
fi
# libmicrohttpd (and the GnuTLS it links) is loaded only for [metrics]
check "without [metrics] neither libmicrohttpd nor GnuTLS is loaded" \
	bash -c "[ -r /proc/$D1/maps ] && ! grep -qE 'libmicrohttpd|libgnutls' /proc/$D1/maps"
check "VIP $VIP4/32 on e0" has_vip $VIP4
check "VIP $VIP6/128 on e0" has_vip $VIP6
XDP_ID=$(xdp_id)
XDP_LINK=$(xdp_link)
check "an XDP program is on e0 (ip -d link: id $XDP_ID)" test -n "$XDP_ID"
check "it is held by a BPF link (bpftool link: id $XDP_LINK)" test -n "$XDP_LINK"
check "the XDP program is named ikelb_xdp" eval \
	'ip netns exec "$BAL" bpftool prog show id "$XDP_ID" | grep -qw ikelb_xdp'

# The slot table before any client: equal capacities, equal shares.
s1=$(sj targets/name=gw1/slots_ipv4) s2=$(sj targets/name=gw2/slots_ipv4)
check "equal max_tunnels: equal IPv4 slot shares ($s1, $s2)" \
	eval '[ "$s1" -gt 0 ] && [ $((s1 - s2)) -ge -1 ] && [ $((s1 - s2)) -le 1 ]'

# ---- clients through the VIP -------------------------------------------------
declare -A got=([gw1]=0 [gw2]=0)
landed_all=1
for i in $(seq 1 $NCLI); do
	connect $i
	if [ -n "$LANDED" ]; then got[$LANDED]=$((got[$LANDED] + 1)); else landed_all=0; fi
done
check "each of $NCLI IPv4 clients established its IKE SA on gw1 or gw2 via the VIP" \
	test $landed_all = 1
check "gw1's charon has exactly its clients' IKE SAs (${got[gw1]})" \
	test "$(sw_ike_count "$G1" "$LAB_DIR/gw1")" = "${got[gw1]}"
check "gw2's charon has exactly its clients' IKE SAs (${got[gw2]})" \
	test "$(sw_ike_count "$G2" "$LAB_DIR/gw2")" = "${got[gw2]}"
# Equal capacities: each should get about half.  At least 3 of 12 each is
# generous (a fair coin per client would miss it 4 % of the time; the
# balancer's redirect feedback narrows the spread much further).
check "clients spread over both targets (gw1 ${got[gw1]}, gw2 ${got[gw2]} of $NCLI)" \
	eval '[ ${got[gw1]} -ge 3 ] && [ ${got[gw2]} -ge 3 ]'

# ---- status, text and JSON ----------------------------------------------------
# Per-target redirects in status are those of the last refill (every 100 ms);
# the counters are read at the request: wait until they agree.
settled() {
	[ "$(sj counters/redirected)" = \
		"$(sj targets/0/redirects targets/1/redirects | awk '{ s += $1 } END { print s }')" ]
}
lab_wait_for 2 settled
ST=$(st)
check "status: VIP $VIP4 MASTER" grep -Eq "^VIP +$VIP4 +MASTER" <<<"$ST"
check "status: VIP $VIP6 MASTER" grep -Eq "^VIP +$VIP6 +MASTER" <<<"$ST"
check "status: XDP attached with the program id on e0" \
	grep -Eq "^XDP attached, (native|generic) mode, program id $XDP_ID\$" <<<"$ST"
r1=$(text_redirects gw1) r2=$(text_redirects gw2)
check "status: gw1's redirects ($r1) cover its ${got[gw1]} clients" \
	eval '[ -n "$r1" ] && [ "$r1" -ge ${got[gw1]} ] && [ "$r1" -gt 0 ]'
check "status: gw2's redirects ($r2) cover its ${got[gw2]} clients" \
	eval '[ -n "$r2" ] && [ "$r2" -ge ${got[gw2]} ] && [ "$r2" -gt 0 ]'
check "status: a load bar in each target's row" \
	test "$(grep -Ec '^gw[12] +static .*\[[#.]{10}\]' <<<"$ST")" = 2
check "status: counter redirected covers all clients" eval \
	'[ "$(awk '\''$1 == "redirected" { print $2 }'\'' <<<"$ST")" -ge $NCLI ]'
[ -n "$r1" ] || sed 's/^/# /' <<<"$ST"

JS=$(st --json)
check "status --json: valid JSON" eval '"$JG" schema <<<"$JS" >/dev/null'
jv() { "$JG" "$@" <<<"$JS" 2>/dev/null; }
check "status --json: vrrp off, cluster $NAME, interface e0" \
	test "$(jv vrrp cluster interface | tr '\n' ' ')" = "off $NAME e0 "
check "status --json: both VIPs master" \
	test "$(jv vips/address=$VIP4/role vips/address=$VIP6/role | tr '\n' ' ')" = "master master "
check "status --json: XDP attached, prog_id $XDP_ID" \
	test "$(jv xdp/attached xdp/prog_id | tr '\n' ' ')" = "true $XDP_ID "
check "status --json: two targets" test "$(jv targets/#)" = 2
check "status --json: redirects per target as in the text" \
	test "$(jv targets/name=gw1/redirects targets/name=gw2/redirects | tr '\n' ' ')" = "$r1 $r2 "
check "status --json: max_tunnels 100 each" \
	test "$(jv targets/name=gw1/max_tunnels targets/name=gw2/max_tunnels | tr '\n' ' ')" = "100 100 "
check "status --json: counters/redirected = the redirects' sum" \
	test "$(jv counters/redirected)" = $((r1 + r2))
check "status --json: pin_dir" test "$(jv xdp/pin_dir)" = "/sys/fs/bpf/ikelb/$NAME"
# --json is stable, documented JSON: every key is in docs/status-json.md.
DOC=$TOP/docs/status-json.md
undocumented=$(grep -o '^  "[a-z_0-9]*"' <<<"$JS" | tr -d ' "' | while read -r k; do
	grep -qw -- "$k" "$DOC" 2>/dev/null || echo "$k"; done)
check "status --json: every top-level key is documented in docs/status-json.md" \
	test -z "$undocumented"
[ -z "$undocumented" ] || diag "undocumented: $(echo $undocumented)"

# ---- pinned maps -------------------------------------------------------------
P=/sys/fs/bpf/ikelb/$NAME
for m in config targets slots target_stats counters; do
	check "pinned map $P/$m" ikelb_in "$D1" test -e "$P/$m"
done
DUMP=$(ikelb_in "$D1" bpftool map dump pinned "$P/counters" 2>&1)
check "bpftool map dump of the counters shows named fields" eval \
	'grep -q "\"redirected\": [0-9]" <<<"$DUMP" && grep -q "\"no_support\": [0-9]" <<<"$DUMP"'
# per-CPU: the redirected values over all CPUs add up to the counter
sum=$(grep -o '"redirected": [0-9]*' <<<"$DUMP" | awk '{ s += $2 } END { print s + 0 }')
check "the dumped per-CPU redirected values add up to status ($sum)" \
	test "$sum" = "$(jv counters/redirected)"
check "bpftool map dump of the config shows named fields" eval \
	'ikelb_in "$D1" bpftool map dump pinned "$P/config" | grep -q "\"vip4\""'

# ---- SIGHUP: a changed config ------------------------------------------------
lab_spawn "$LAB_DIR/addrmon.log" ip -n "$BAL" monitor address
MON=$LAB_PID
conf "gw1/$GW1/$GW1_6/200" >"$CONF"
cp "$CONF" "$LAB_DIR/accepted.conf"
kill -HUP "$D1"
reloaded() { [ "$(sj reloads)" = 1 ]; }
check "SIGHUP: reload done (status reloads = 1)" lab_wait_for 5 reloaded
check "SIGHUP: the log says so" grep -q "config reloaded" "$LAB_DIR/daemon1.log"
check "SIGHUP: status shows only gw1" test "$(sj targets/# targets/0/name | tr '\n' ' ')" = "1 gw1 "
check "SIGHUP: gw1's max_tunnels is now 200" test "$(sj targets/name=gw1/max_tunnels)" = 200
check "SIGHUP: the same XDP program stays on e0" test "$(xdp_id)" = "$XDP_ID"
check "SIGHUP: the same BPF link stays (no detach)" test "$(xdp_link)" = "$XDP_LINK"
check "SIGHUP: no detach in the log" eval '! grep -q detached "$LAB_DIR/daemon1.log"'
check "SIGHUP: VIPs still there" eval 'has_vip $VIP4 && has_vip $VIP6'
before2=$(sw_ike_count "$G2" "$LAB_DIR/gw2")
all_gw1=1
for i in $(seq $((NCLI + 1)) $((NCLI + 4))); do
	connect $i
	[ "$LANDED" = gw1 ] || all_gw1=0
done
check "SIGHUP: 4 new clients all established on gw1" test $all_gw1 = 1
check "SIGHUP: gw2 got none" test "$(sw_ike_count "$G2" "$LAB_DIR/gw2")" = "$before2"
vip_deleted() { grep -Eq "^Deleted.*($VIP4|$VIP6)/" "$LAB_DIR/addrmon.log"; }
check "SIGHUP: the VIPs were never removed (ip monitor address)" eval '! vip_deleted'

# ---- SIGHUP: broken configs -------------------------------------------------
GOOD=$(cat "$CONF")
{ echo "$GOOD"; printf '\n[target gw3]\naddress = 198.18.0.300\nmax_tunnels = 0\n'; } >"$CONF"
kill -HUP "$D1"
failed() { [ "$(sj reload_failures)" = "$1" ]; }
check "broken config: reload rejected (status reload_failures = 1)" lab_wait_for 5 failed 1
check "broken config: the errors are logged as FILE:LINE" eval \
	'grep -q "$CONF:17: .*198.18.0.300" "$LAB_DIR/daemon1.log" &&
	grep -q "$CONF:18: .*max_tunnels" "$LAB_DIR/daemon1.log"'
check "broken config: the log says the old config stays" grep -q "rejected" "$LAB_DIR/daemon1.log"
check "broken config: the daemon runs on" kill -0 "$D1"
check "broken config: status unchanged (gw1 only, max 200)" \
	test "$(sj targets/# targets/0/name targets/0/max_tunnels | tr '\n' ' ')" = "1 gw1 200 "
check "broken config: reloads still 1" test "$(sj reloads)" = 1
check "broken config: XDP and VIP stay" eval \
	'[ "$(xdp_id)" = "$XDP_ID" ] && has_vip $VIP4'
# The operator's first move after a failed reload: status needs only the
# cluster name from the file, and the daemon is running.
check "broken config on disk: status still reaches the daemon" \
	eval 'ikelb_ctl "$D1" "$CONF" status >/dev/null 2>&1'
# A valid config that changes what only a restart can change.
echo "$GOOD" | sed 's/^interface = e0/interface = lo/' >"$CONF"
kill -HUP "$D1"
check "changed interface: reload rejected (reload_failures = 2)" lab_wait_for 5 failed 2
check "changed interface: the log names it" grep -q "changes \[cluster\] interface" "$LAB_DIR/daemon1.log"
check "changed interface: still on e0 with the same program" eval \
	'[ "$(sj interface)" = e0 ] && [ "$(xdp_id)" = "$XDP_ID" ]'
echo "$GOOD" >"$CONF"

# ---- IPv6 ----------------------------------------------------------------------
connect $((NCLI + 7))
check "IPv6: a client of $VIP6 established on gw1 at $GW1_6" eval \
	'[ "$LANDED" = gw1 ] && sw_ctl "$CLI" "$LAB_DIR/cli" --list-sas --ike c$((NCLI + 7)) --raw |
	grep -q "remote-host=$GW1_6 "'
check "IPv6: gw1's redirects count it" test "$(sj targets/name=gw1/redirects)" -gt "$r1"

# ---- a second daemon for the cluster ------------------------------------------
ikelb_start_rundir "$BAL" "$RUN" "$CONF" "$LAB_DIR/second.log"
D2=$IKELB_PID
lab_wait_for 5 not_running $D2
wait $D2 2>/dev/null
RC=$?
check "second daemon, same cluster: exits non-zero at once" eval '[ $RC -ne 0 ] && not_running $D2'
check "second daemon: says another runs, with its pid" \
	grep -q "another ikelb-load runs for cluster \"$NAME\" (pid $D1" "$LAB_DIR/second.log"
[ $RC -ne 0 ] || sed 's/^/# /' "$LAB_DIR/second.log"
check "second daemon: the first keeps its XDP program, VIP and socket" eval \
	'[ "$(xdp_id)" = "$XDP_ID" ] && has_vip $VIP4 && st >/dev/null'
check "second daemon: it did not touch the VIP record" test -s "$RUN/ikelb/$NAME.vips"

# ---- a foreign XDP program on the interface ------------------------------------
ip -n "$BAL" link add x0 type veth peer name x1 && ip -n "$BAL" link set x1 up &&
	ip -n "$BAL" link set x0 up &&
	ip -n "$BAL" link set dev x0 xdpgeneric obj "$TOP/build/bpf/xdp_pass.bpf.o" sec xdp
FID=$(ip -n "$BAL" -d link show dev x0 | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}')
printf '[cluster]\nname = other\ninterface = x0\nvirtual_ip = 198.18.1.1\nvrrp = off\n[target t]\naddress = 198.18.1.11\nmax_tunnels = 10\n' \
	>"$LAB_DIR/other.conf"
ikelb_start_rundir "$BAL" "$LAB_DIR/run-other" "$LAB_DIR/other.conf" "$LAB_DIR/other.log"
D3=$IKELB_PID
ended_or_up() { not_running $D3 || grep -q "running: cluster other" "$LAB_DIR/other.log"; }
lab_wait_for 5 ended_or_up
running=0 vip_taken=0
kill -0 $D3 2>/dev/null && running=1
ip -n "$BAL" addr show dev x0 | grep -q 198.18.1.1 && vip_taken=1
stop_daemon $D3 TERM
check "foreign XDP program: the message names it (id $FID, xdp_pass)" \
	grep -q "another XDP program (id $FID, name xdp_pass)" "$LAB_DIR/other.log"
check "foreign XDP program: the daemon refuses to run (exits non-zero)" \
	eval '[ $running = 0 ] && [ $RC -ne 0 ]'
check "foreign XDP program: it stays attached" \
	eval 'ip -n "$BAL" -d link show dev x0 | grep -q "prog/xdp id $FID"'
check "foreign XDP program: it did not take the VIP 198.18.1.1" test $vip_taken = 0
check "foreign XDP program: no VIP 198.18.1.1 left on x0" \
	eval '! ip -n "$BAL" addr show dev x0 | grep -q 198.18.1.1'
if [ $running = 1 ]; then sed 's/^/# /' "$LAB_DIR/other.log"; fi

# keep PID: a process in PID's mount and network namespaces; sets KEEP
keep() {
	lab_spawn /dev/null nsenter -t "$1" -m -n sleep 120
	KEEP=$LAB_PID
	KEPT=$1
	lab_wait_for 5 joined
}
joined() {
	local a b
	a=$(readlink /proc/$KEEP/ns/mnt) && b=$(readlink /proc/$KEPT/ns/mnt) && [ "$a" = "$b" ]
}
# bpffs: the daemon's bpffs is still mounted where KEEP looks
bpffs() { [ "$(ikelb_in "$KEEP" stat -f -c %T /sys/fs/bpf)" = bpf_fs ]; }

# ---- SIGTERM ---------------------------------------------------------------------
# A process in the daemon's namespaces keeps its private bpffs alive after it
# exits, so that the pins can be looked at afterwards.
keep "$D1"
check "SIGTERM: the pins are there before" ikelb_in "$KEEP" test -e "$P/counters"
stop_daemon "$D1" TERM
check "SIGTERM: the daemon exited with status 0" eval 'not_running $D1 && [ $RC -eq 0 ]'
check "SIGTERM: the log says why" grep -q "received, stopping" "$LAB_DIR/daemon1.log"
check "SIGTERM: no XDP program on e0" no_xdp
check "SIGTERM: no VIP $VIP4" eval '! has_vip $VIP4'
check "SIGTERM: no VIP $VIP6" eval '! has_vip $VIP6'
check "SIGTERM: ip monitor saw the VIPs go (it would have seen a flap)" lab_wait_for 2 vip_deleted
lab_stop "$MON"
check "SIGTERM: no pins left ($P)" eval 'bpffs && ! ikelb_in "$KEEP" test -e "$P"'
check "SIGTERM: no /sys/fs/bpf/ikelb left" eval 'bpffs && ! ikelb_in "$KEEP" test -e /sys/fs/bpf/ikelb'
check "SIGTERM: no control socket, lock or VIP record in /run/ikelb" \
	test -z "$(ls -A "$RUN/ikelb" 2>/dev/null)"
lab_stop "$KEEP" KILL
ls -A "$RUN/ikelb" 2>/dev/null | sed 's/^/# left: /'

# ---- SIGKILL and the next start ----------------------------------------------------
# As under systemd, the next start shares the crashed daemon's /run and
# bpffs: it runs in the namespaces a keeper process holds on to.
ikelb_start_rundir "$BAL" "$RUN" "$CONF" "$LAB_DIR/daemon2.log"
D4=$IKELB_PID DPID=$IKELB_PID
check "restart: ready" ikelb_wait_ready "$D4" "$CONF"
check "restart: the VIP record lists both VIPs" eval \
	'grep -qx "$VIP4" "$RUN/ikelb/$NAME.vips" && grep -qx "$VIP6" "$RUN/ikelb/$NAME.vips"'
keep "$D4"
old_map=$(ikelb_in "$KEEP" bpftool -j map show pinned "$P/counters" | "$JG" id)
stop_daemon "$D4" KILL
check "SIGKILL: no XDP program stays on e0 (the BPF link died with it)" lab_wait_for 5 no_xdp
check "SIGKILL: the VIPs stay behind (stale)" eval 'has_vip $VIP4 && has_vip $VIP6'
check "SIGKILL: the VIP record stays" test -s "$RUN/ikelb/$NAME.vips"
check "SIGKILL: the pins stay (map id $old_map)" ikelb_in "$KEEP" test -e "$P/counters"

# This start also has unequal capacities: a fresh program has sent no
# redirects yet, so the slot shares are the capacity shares, 1:3.
conf "gw1/$GW1/$GW1_6/100" "gw2/$GW2/$GW2_6/300" >"$CONF"
cp "$CONF" "$LAB_DIR/accepted.conf"
lab_spawn "$LAB_DIR/daemon3.log" nsenter -t "$KEEP" -m -n "$IKELB_LOAD" run -c "$CONF"
D5=$LAB_PID DPID=$LAB_PID
check "after SIGKILL: the next start is ready" ikelb_wait_ready "$D5" "$CONF"
check "after SIGKILL: it removed the stale VIP $VIP4 (log)" \
	grep -q "removing VIP $VIP4 left behind" "$LAB_DIR/daemon3.log"
check "after SIGKILL: it removed the stale VIP $VIP6 (log)" \
	grep -q "removing VIP $VIP6 left behind" "$LAB_DIR/daemon3.log"
check "after SIGKILL: XDP attached again, VIPs held" eval \
	'[ -n "$(xdp_id)" ] && has_vip $VIP4 && has_vip $VIP6 &&
	[ "$(sj xdp/prog_id)" = "$(xdp_id)" ]'
new_map=$(ikelb_in "$D5" bpftool -j map show pinned "$P/counters" | "$JG" id)
maps=$(ikelb_in "$D5" bpftool -j prog show id "$(xdp_id)" | "$JG" map_ids)
check "after SIGKILL: the stale pins are replaced by the new program's maps" eval \
	'[ -n "$new_map" ] && [ "$new_map" != "$old_map" ] && grep -Eq "[[,]$new_map[],]" <<<"$maps"'
s1=$(sj targets/name=gw1/slots_ipv4) s2=$(sj targets/name=gw2/slots_ipv4)
check "max_tunnels 100 and 300: IPv4 slot shares 1:3 ($s1, $s2)" \
	eval '[ "$s1" -gt 0 ] && [ $((3 * s1 - s2)) -ge -4 ] && [ $((3 * s1 - s2)) -le 4 ]'
s1=$(sj targets/name=gw1/slots_ipv6) s2=$(sj targets/name=gw2/slots_ipv6)
check "max_tunnels 100 and 300: IPv6 slot shares 1:3 ($s1, $s2)" \
	eval '[ "$s1" -gt 0 ] && [ $((3 * s1 - s2)) -ge -4 ] && [ $((3 * s1 - s2)) -le 4 ]'
connect $((NCLI + 5))
check "after SIGKILL: a client establishes via the VIP" test -n "$LANDED"
stop_daemon "$D5" TERM
check "after SIGKILL: a clean stop removes the VIPs it took over" \
	eval '[ $RC -eq 0 ] && ! has_vip $VIP4 && ! has_vip $VIP6 && no_xdp'
check "after SIGKILL: nothing left in /run/ikelb" test -z "$(ls -A "$RUN/ikelb" 2>/dev/null)"
check "after SIGKILL: no pins left" eval 'bpffs && ! ikelb_in "$KEEP" test -e /sys/fs/bpf/ikelb'
lab_stop "$KEEP" KILL

# A VIP the operator put there is not ours to remove.
ip -n "$BAL" addr add $VIP4/32 dev e0
ikelb_start_rundir "$BAL" "$RUN" "$CONF" "$LAB_DIR/daemon4.log"
D6=$IKELB_PID
check "VIP present before the start: ready" ikelb_wait_ready "$D6" "$CONF"
stop_daemon "$D6" INT
check "SIGINT: exit status 0" test $RC = 0
check "VIP present before the start: still there after the stop" has_vip $VIP4
check "VIP present before the start: the VIP the daemon added is gone" eval '! has_vip $VIP6'
tap_done
