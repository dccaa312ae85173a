#!/bin/bash
# A real strongSwan client initiates to the VIP; the XDP program (attached
# in native mode on the balancer's veth by tests/tools/xdp_loader) answers
# with a REDIRECT, and the client establishes its IKE SA with the strongSwan
# gateway the target identity names: IPv4 and IPv6 on port 500.  IPv4 on
# port 4500 (non-ESP marker) is followed up to the target (see below).
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

LOADER=$IKELB_TOOLS/xdp_loader
ikelb_require --charon xdp_loader

VIP4=198.18.0.10 VIP6=2001:db8::10
GW4=198.18.0.4 GW6=2001:db8::4

lab_init
SW=$(lab_ns sw) && CLI=$(lab_ns cli) && BAL=$(lab_ns bal) && GW=$(lab_ns gw) || exit 1
lab_bridge "$SW" br0
for n in cli:c0:198.18.0.2:2001:db8::2 bal:b0:198.18.0.3:2001:db8::3 gw:g0:$GW4:$GW6; do
	IFS=: read -r who dev a4 a6 <<<"${n%%:2001*}"
	a6=2001${n#*:2001}
	ns=$LAB_PREFIX-$who
	lab_switch_host "$SW" "sw$dev" "$ns" "$dev" "$a4" "$a6" || exit 1
done
ip -n "$BAL" addr add $VIP4/24 dev b0
ip -n "$BAL" addr add $VIP6/64 dev b0 nodad

# The client's connections to the VIP; every gateway is gw.ikelb.test.
sw_psk_pair "$CLI" "$GW" ikelb-xdp-test-psk "$(sw_psk_conn v4 $VIP4; sw_psk_conn v6 $VIP6; sw_psk_conn v4natt $VIP4 4500)" ||
	{ not_ok "strongSwan started"; tap_done; exit; }

lab_spawn "$LAB_DIR/loader.log" ip netns exec "$BAL" "$LOADER" -i b0 -4 $VIP4 -6 $VIP6 \
	-t $GW4 -T $GW6
LOADER_PID=$LAB_PID
if lab_wait_for 10 grep -q ready "$LAB_DIR/loader.log"; then
	ok "loader attached XDP in native mode"
else
	not_ok "loader attached XDP in native mode"
	sed 's/^/# /' "$LAB_DIR/loader.log"
	tap_done
	exit
fi

remote_host() { sw_remote_host "$CLI" "$LAB_DIR/cli" "$1"; } # CONN

# more_lines FILE PATTERN N: FILE has more than N lines matching PATTERN
more_lines() { test "$(grep -c -- "$2" "$1")" -gt "$3"; }

n=0
# established CONN VIP GW: initiating CONN to VIP ends in an IKE SA with GW
established() {
	local conn=$1 vip=$2 gw=$3 out before
	before=$(grep -c "redirected to $gw" "$LAB_DIR/cli/charon.log")
	n=$((n + 1))
	out=$(sw_ctl "$CLI" "$LAB_DIR/cli" --initiate --ike "$conn" --timeout 15 2>&1)
	check "$conn: initiate to $vip succeeds" grep -q "initiate completed successfully" <<<"$out"
	check "$conn: client log shows the redirect to $gw" \
		lab_wait_for 5 more_lines "$LAB_DIR/cli/charon.log" "redirected to $gw" "$before"
	check "$conn: client's IKE SA is with $gw" test "$(remote_host "$conn")" = "$gw"
	check "$conn: gateway has $n IKE SA(s)" test "$(sw_ike_count "$GW" "$LAB_DIR/gw")" = $n
	if [ "$(remote_host "$conn")" != "$gw" ]; then
		tail -n 15 <<<"$out" | sed 's/^/# /'
	fi
}

established v4 $VIP4 $GW4
established v6 $VIP6 $GW6

# Port 4500: strongSwan adds the non-ESP marker only when it sends from its
# NAT-T port (local_port = 4500).  After the redirect it contacts the target
# on port 500 from that port, and the target's answer from port 500 carries
# no marker, so the client's NAT-T socket never sees it: strongSwan 5.9.8
# cannot finish that IKE SA, whoever redirects.  What ikelb owns is checked:
# the client accepted the REDIRECT that came back on 4500 and took it to
# the target, which parsed its request with REDIRECTED_FROM.
from_before=$(grep -c "N(REDIR_FROM)" "$LAB_DIR/gw/charon.log")
red_before=$(grep -c "redirected to $GW4" "$LAB_DIR/cli/charon.log")
sw_ctl "$CLI" "$LAB_DIR/cli" --initiate --ike v4natt --timeout 2 >/dev/null 2>&1
check "v4natt: request to $VIP4[4500] sent from the NAT-T port (with marker)" \
	lab_wait_for 5 grep -q "sending packet: from 198.18.0.2\[4500\] to $VIP4\[4500\]" \
	"$LAB_DIR/cli/charon.log"
check "v4natt: client log shows the redirect to $GW4" \
	lab_wait_for 5 more_lines "$LAB_DIR/cli/charon.log" "redirected to $GW4" "$red_before"
check "v4natt: the target received the request with REDIRECTED_FROM" \
	lab_wait_for 5 more_lines "$LAB_DIR/gw/charon.log" "N(REDIR_FROM)" "$from_before"

lab_stop "$LOADER_PID"
check "XDP counted 3 redirects" grep -qx "redirected 3" "$LAB_DIR/loader.log"
check "loader exited cleanly and detached" \
	sh -c "! ip -n $BAL link show b0 | grep -q xdp"
if ! grep -qx "redirected 3" "$LAB_DIR/loader.log"; then sed 's/^/# /' "$LAB_DIR/loader.log"; fi
tap_done
