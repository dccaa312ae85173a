#!/bin/bash
# Cookies (RFC 7296 2.6) with real strongSwan clients: the XDP program
# (tests/tools/xdp_loader -c) answers a first IKE_SA_INIT with N(COOKIE),
# the client retries with the cookie, gets the REDIRECT and establishes its
# IKE SA with the gateway; IPv4 and IPv6.  The secret is rotated between
# clients (SIGUSR1 to the loader), once and then twice in a row: the
# clients that come after still succeed, with cookies of the new secret.
#
#   client (cli) --+                      +-- balancer (bal): VIP, XDP
#                  +-- bridge (sw) -------+
#                                         +-- gateway (gw): charon
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/strongswan.sh"
. "$TOP/tests/lib/ikelb.sh"

LOADER=$TOP/build/tests/tools/xdp_loader
ikelb_require --charon xdp_loader

VIP4=198.18.0.10 VIP6=2001:db8::10
GW4=198.18.0.4 GW6=2001:db8::4

lab_init
SW=$(lab_ns sw) && CLI=$(lab_ns cli) && BAL=$(lab_ns bal) && GW=$(lab_ns gw) || exit 1
lab_bridge "$SW" br0
for n in cli:c0:198.18.0.2:2 bal:b0:198.18.0.3:3 gw:g0:$GW4:4; do
	IFS=: read -r who dev a4 h <<<"$n"
	ns=$LAB_PREFIX-$who
	lab_veth "$ns" "$dev" "$SW" "sw$dev" && lab_port "$SW" br0 "sw$dev" || exit 1
	ip -n "$ns" addr add "$a4/24" dev "$dev"
	ip -n "$ns" addr add "2001:db8::$h/64" dev "$dev" nodad
done
ip -n "$BAL" addr add $VIP4/24 dev b0
ip -n "$BAL" addr add $VIP6/64 dev b0 nodad

# The client's connections to the VIP; every gateway is gw.ikelb.test.
sw_psk_pair "$CLI" "$GW" ikelb-xdp-cookie-psk "$(sw_psk_conn v4 $VIP4; sw_psk_conn v6 $VIP6)" ||
	{ not_ok "strongSwan started"; tap_done; exit; }

lab_spawn "$LAB_DIR/loader.log" ip netns exec "$BAL" "$LOADER" -i b0 -4 $VIP4 -6 $VIP6 \
	-t $GW4 -T $GW6 -c
LOADER_PID=$LAB_PID
if lab_wait_for 10 grep -q ready "$LAB_DIR/loader.log"; then
	ok "loader attached XDP in native mode, cookies on"
else
	not_ok "loader attached XDP in native mode, cookies on"
	sed 's/^/# /' "$LAB_DIR/loader.log"
	tap_done
	exit
fi

remote_host() { sw_remote_host "$CLI" "$LAB_DIR/cli" "$1"; } # CONN
more_lines() { test "$(grep -c -- "$2" "$1")" -gt "$3"; } # FILE PATTERN N
counter() { sed -n "s/^$1 //p" "$LAB_DIR/loader.log"; }
COOKIE_LINE='IKE_SA_INIT response 0 \[ N(COOKIE) \]'

n=0
# established CONN VIP GW: initiating CONN to VIP goes through a cookie and
# a redirect and ends in an IKE SA with GW
established() {
	local conn=$1 vip=$2 gw=$3 out cookies redirects
	cookies=$(grep -c "$COOKIE_LINE" "$LAB_DIR/cli/charon.log")
	redirects=$(grep -c "redirected to $gw" "$LAB_DIR/cli/charon.log")
	n=$((n + 1))
	out=$(sw_ctl "$CLI" "$LAB_DIR/cli" --initiate --ike "$conn" --timeout 15 2>&1)
	check "$conn: initiate to $vip succeeds" grep -q "initiate completed successfully" <<<"$out"
	check "$conn: the client got a COOKIE from $vip" \
		more_lines "$LAB_DIR/cli/charon.log" "$COOKIE_LINE" "$cookies"
	check "$conn: then the redirect to $gw" \
		more_lines "$LAB_DIR/cli/charon.log" "redirected to $gw" "$redirects"
	check "$conn: the client's IKE SA is with $gw" test "$(remote_host "$conn")" = "$gw"
	check "$conn: the gateway has $n IKE SA(s)" test "$(sw_ike_count "$GW" "$LAB_DIR/gw")" = $n
	if [ "$(remote_host "$conn")" != "$gw" ]; then
		tail -n 15 <<<"$out" | sed 's/^/# /'
	fi
}
# closes CONN's IKE SA (charon would take it for the next initiation)
terminate() {
	sw_ctl "$CLI" "$LAB_DIR/cli" --terminate --ike "$1" --timeout 5 >/dev/null 2>&1
	n=$((n - 1))
	lab_wait_for 5 test "$(sw_ike_count "$GW" "$LAB_DIR/gw")" = $n
}
rotate() { # TIMES: SIGUSR1 to the loader, each answered by "rotated N"
	local i v
	for i in $(seq "$1"); do
		v=$(grep -c '^rotated' "$LAB_DIR/loader.log")
		kill -USR1 "$LOADER_PID"
		lab_wait_for 5 more_lines "$LAB_DIR/loader.log" '^rotated' "$v" || return 1
	done
}

established v4 $VIP4 $GW4
established v6 $VIP6 $GW6
check "secret rotated (version 2)" rotate 1
terminate v4
established v4 $VIP4 $GW4
check "secret rotated twice more (version 4)" rotate 2
terminate v6
established v6 $VIP6 $GW6
check "the loader reports version 4" grep -qx "rotated 4" "$LAB_DIR/loader.log"

lab_stop "$LOADER_PID"
sent=$(counter cookie_sent) valid=$(counter cookie_valid) red=$(counter redirected)
req=$(counter requests)
diag "requests $req cookie_sent $sent cookie_valid $valid cookie_invalid $(counter cookie_invalid) redirected $red"
check "XDP sent at least 4 cookies and redirected 4 clients, each after a valid cookie" \
	test "${sent:-0}" -ge 4 -a "${red:-0}" -ge 4 -a "$red" = "$valid"
check "no cookie went stale: none invalid" test "$(counter cookie_invalid)" = 0
check "every request was answered: requests = cookies sent + redirects" \
	test "$req" = $((sent + red))
check "loader exited cleanly and detached" sh -c "! ip -n $BAL link show b0 | grep -q xdp"
tap_done
