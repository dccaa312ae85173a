#!/bin/bash
# Tunnel counting and VICI against real strongSwan 5.9.8 charons in
# namespaces: a gateway (with a second address standing in for the VIP), a
# second gateway, a client with four PSK connections, and a client that does
# not announce REDIRECT_SUPPORTED.
#   - vici: counts the gateway's established IKE_SAs (stats), not half-open
#     ones; with the VIP excluded (list-sas) not the SA at the VIP either;
#   - vic_query_redirect moves the client's SA at the VIP to the second gateway;
#     the event connection (epoll + vic_conn_on_readable) sees it come up there;
#   - a client without REDIRECT_SUPPORTED is not moved;
#   - the gateway's charon killed: the read fails with a reason, and a kept
#     source reconnects once charon is back;
#   - xfrm: the kernel's SAD count of a namespace, as pairs rounded up.
# IKE_SAs are childless: this kernel may lack ESP (then CHILD_SAs cannot be
# installed, and the xfrm check uses larval "acquire" states instead).
set -u
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/netns.sh
source tests/lib/strongswan.sh
source tests/lib/ikelb.sh

T=build/tests/tools
GW=198.18.0.1 VIP=198.18.0.10 GW2=198.18.0.3 CL=198.18.0.2 CL2=198.18.0.4

ikelb_require --charon tunnels_count vici_tool

lab_init
D=$LAB_DIR
sw=$(lab_ns sw) && gw=$(lab_ns gw) && gw2=$(lab_ns gw2) && cl=$(lab_ns cl) && cl2=$(lab_ns cl2) ||
	{ not_ok "namespaces"; tap_done; exit; }
lab_bridge "$sw" br0
lab_switch_host "$sw" pgw "$gw" eth0 $GW && lab_switch_host "$sw" pgw2 "$gw2" eth0 $GW2 &&
	lab_switch_host "$sw" pcl "$cl" eth0 $CL && lab_switch_host "$sw" pcl2 "$cl2" eth0 $CL2 ||
	{ not_ok "switch"; tap_done; exit 1; }
ip -n "$gw" addr add $VIP/24 dev eth0

# ---- charons ------------------------------------------------------------
FLUSH="	filelog { log { flush_line = yes } }"
for n in gw gw2 cl; do sw_conf "$D/$n" "$FLUSH"; done
# follow_redirects = no: charon then does not send REDIRECT_SUPPORTED
sw_conf "$D/cl2" "$FLUSH
	follow_redirects = no"

gw_conf() { # ADDRS ID
	cat <<EOC
connections {
	gw {
		local_addrs = $1
		local {
			auth = psk
			id = $2
		}
		remote {
			auth = psk
		}
	}
}
secrets {
	ike {
		secret = ikelb-test-psk
	}
}
EOC
}
gw_conf "$GW, $VIP" gw.example >"$D/gw/swanctl.conf"
gw_conf "$GW2" gw2.example >"$D/gw2/swanctl.conf"

client_conn() { # NAME REMOTE ID
	cat <<EOC
	$1 {
		remote_addrs = $2
		local {
			auth = psk
			id = $3
		}
		remote {
			auth = psk
		}
	}
EOC
}
{
	echo "connections {"
	client_conn c1 $GW client1.example
	client_conn c2 $GW client2.example
	client_conn c3 $GW client3.example
	client_conn c4 $VIP client4.example
	echo "}"
	echo "secrets { ike { secret = ikelb-test-psk } }"
} >"$D/cl/swanctl.conf"
{
	echo "connections {"
	client_conn c5 $VIP client5.example
	echo "}"
	echo "secrets { ike { secret = ikelb-test-psk } }"
} >"$D/cl2/swanctl.conf"

started=1
for n in gw gw2 cl cl2; do
	# (swanctl complains about credential directories we do not use)
	if sw_start "$LAB_PREFIX-$n" "$D/$n" && sw_load "$LAB_PREFIX-$n" "$D/$n" 2>/dev/null; then
		eval "PID_$n=\$SW_PID"
	else
		started=0
	fi
done
if [ $started = 0 ]; then
	not_ok "four charons started and configured"
	tap_done
	exit
fi
ok "four charons started and configured"

count() { $T/tunnels_count "$@" 2>&1; }
eq() { # NAME WANT GOT
	if [ "$3" = "$2" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi
}
# established IKE_SAs as swanctl sees them: the independent count
sw_count() { sw_ike_count "$LAB_PREFIX-$1" "$D/$1"; }
initiate() { # NS-SUFFIX CONN
	sw_ctl "$LAB_PREFIX-$1" "$D/$1" --initiate --ike "$2" --timeout 10 >/dev/null 2>&1
}

# ---- three IKE_SAs at the gateway's own address ------------------------
eq "vici: 0 before any client" 0 "$(count vici:$D/gw/charon.vici)"
for c in c1 c2 c3; do initiate cl $c; done
eq "swanctl on the gateway lists 3 established IKE_SAs" 3 "$(sw_count gw)"
eq "vici: 3 established IKE_SAs (stats)" 3 "$(count vici:$D/gw/charon.vici)"
eq "vici with the VIP excluded: 3 (list-sas)" 3 "$(count -x $VIP vici:$D/gw/charon.vici)"

# ---- one at the VIP -----------------------------------------------------
initiate cl c4
eq "swanctl: 4 established" 4 "$(sw_count gw)"
eq "vici: 4 with the SA at the VIP (stats counts every address)" 4 \
	"$(count vici:$D/gw/charon.vici)"
eq "vici with the VIP excluded: 3" 3 "$(count -x $VIP vici:$D/gw/charon.vici)"
eq "vici with an IPv6 and the VIP excluded: 3" 3 \
	"$(count -x 2001:db8::1 -x $VIP vici:$D/gw/charon.vici)"

# ---- a half-open IKE_SA: an IKE_SA_INIT request with nobody behind it --
# Header (SPIi, SPIr 0, SA, v2, IKE_SA_INIT, I, id 0, 152 bytes), SA with one
# IKE proposal (AES-CBC-128, PRF-HMAC-SHA256, HMAC-SHA256-128, Curve25519),
# KE (group 31, u = 9), Nonce (32 bytes).  The answer goes to a closed port.
ike_init_hex() {
	local h="0102030405060708 0000000000000000 21 20 22 08 00000000 00000098"
	h+=" 22 00 0030 00 00 002c 01 01 00 04"
	h+=" 03 00 000c 01 00 000c 800e0080 03 00 0008 02 00 0005"
	h+=" 03 00 0008 03 00 000c 00 00 0008 04 00 001f"
	h+=" 28 00 0028 001f 0000 09$(printf '00%.0s' $(seq 31))"
	h+=" 00 00 0024 $(printf 'a5%.0s' $(seq 32))"
	echo "$h" | tr -d ' ' | sed 's/../\\x&/g'
}
ip netns exec "$cl" bash -c "printf '$(ike_init_hex)' >/dev/udp/$GW/500"
half_open() { $T/vici_tool "$D/gw/charon.vici" call stats | grep -q 'ikesas.half-open=1 '; }
if lab_wait_for 5 half_open; then
	ok "charon reports one half-open IKE_SA"
	eq "vici: half-open not counted (still 4)" 4 "$(count vici:$D/gw/charon.vici)"
	eq "vici with the VIP excluded: half-open not counted (still 3)" 3 \
		"$(count -x $VIP vici:$D/gw/charon.vici)"
else
	not_ok "charon reports one half-open IKE_SA: $($T/vici_tool "$D/gw/charon.vici" call stats)"
fi

# ---- redirect the SA at the VIP to gw2 ----------------------------------
lab_spawn "$D/events.out" $T/vici_tool "$D/gw2/charon.vici" events 30 ike-updown
EV_PID=$LAB_PID
lab_wait_for 5 grep -q '^ready' "$D/events.out" || not_ok "event connection registered"
# unique id of client4's SA at the gateway
uid=$(sw_ctl "$gw" "$D/gw" --list-sas --raw 2>/dev/null |
	grep 'remote-id=client4.example' | grep -o 'uniqueid=[0-9]*' | head -1 | cut -d= -f2)
gone_at_vip() { ! sw_ctl "$gw" "$D/gw" --list-sas --raw 2>/dev/null | grep -q "uniqueid=$uid "; }
if [ -z "$uid" ]; then
	not_ok "client4's IKE_SA found at the VIP"
else
	t0=$(date +%s%N)
	eq "vic_query_redirect of IKE_SA #$uid to $GW2 matches it" "matches=1" \
		"$($T/vici_tool "$D/gw/charon.vici" redirect "$uid" $GW2 2>&1)"
	at_gw2() {
		sw_ctl "$cl" "$D/cl" --list-sas --ike c4 --raw 2>/dev/null |
			grep -q "state=ESTABLISHED.*remote-host=$GW2 "
	}
	check "client4 established with gw2 after the redirect" lab_wait_for 10 at_gw2
	check "the old IKE_SA at the VIP is gone" lab_wait_for 10 gone_at_vip
	diag "old SA at the VIP gone within $((($(date +%s%N) - t0) / 1000000)) ms of the redirect call"
	check "event connection saw client4 come up at gw2" lab_wait_for 5 \
		grep -q "^ike-updown up=yes .*remote-id=client4.example" "$D/events.out"
	eq "vici at gw2: 1" 1 "$(count vici:$D/gw2/charon.vici)"
	eq "vici at the gateway: 3 again" 3 "$(count vici:$D/gw/charon.vici)"
	grep -E 'redirect' "$D/gw/charon.log" | sed 's/^/# gw: /' | head -5
	grep -E 'redirect' "$D/cl/charon.log" | sed 's/^/# client: /' | head -5
fi
got=$($T/vici_tool "$D/gw/charon.vici" redirect 999 $GW2 2>&1)
eq "redirect of an unknown IKE_SA fails with charon's reason" \
	"error: redirect IKE_SA #999 to $GW2: no matching SAs to redirect found" "$got"
lab_stop "$EV_PID"

# ---- a client without REDIRECT_SUPPORTED --------------------------------
initiate cl2 c5
uid5=$(sw_ctl "$gw" "$D/gw" --list-sas --raw 2>/dev/null |
	grep 'remote-id=client5.example' | grep -o 'uniqueid=[0-9]*' | head -1 | cut -d= -f2)
if [ -z "$uid5" ]; then
	not_ok "client5 (no REDIRECT_SUPPORTED) established at the VIP"
else
	if grep -q "IKE_SA_INIT request 0 .*N(REDIR_SUP)" "$D/cl2/charon.log"; then
		not_ok "client5 does not announce REDIRECT_SUPPORTED"
	else
		ok "client5 does not announce REDIRECT_SUPPORTED"
	fi
	# charon only queues the redirect, so the command reports the match;
	# the refusal shows in charon's "log" event, with the SA's unique id
	lab_spawn "$D/log-events.out" $T/vici_tool "$D/gw/charon.vici" events 10 log
	LOG_PID=$LAB_PID
	lab_wait_for 5 grep -q '^ready' "$D/log-events.out" || not_ok "log events registered"
	eq "redirect of client5 is accepted by the command" "matches=1" \
		"$($T/vici_tool "$D/gw/charon.vici" redirect "$uid5" $GW2 2>&1)"
	check "a log event says client5's SA cannot be redirected" lab_wait_for 5 grep -q \
		"^log .*ikesa-uniqueid=$uid5 msg=client does not support IKE redirection" \
		"$D/log-events.out"
	lab_stop "$LOG_PID"
	still() { sw_ctl "$gw" "$D/gw" --list-sas --raw 2>/dev/null | grep -q "uniqueid=$uid5 .*state=ESTABLISHED"; }
	check "client5 stays at the VIP" still
	eq "gw2 still has 1" 1 "$(count vici:$D/gw2/charon.vici)"
fi

# ---- charon gone and back -----------------------------------------------
coproc KEPT { exec $T/tunnels_count -l -t 2000 vici:$D/gw/charon.vici; }
kept_pid=$KEPT_PID
ask() { echo >&"${KEPT[1]}" && read -r -t 10 line <&"${KEPT[0]}" && echo "$line"; }
eq "kept source before: 4 (3 own + client5 at the VIP, stats)" 4 "$(ask)"
lab_stop "$PID_gw"
got=$(ask)
case "$got" in
"error: vici: "*) ok "kept source: the read fails with a reason ($got)" ;;
*) not_ok "kept source: the read fails with a reason (got '$got')" ;;
esac
got=$(count vici:$D/gw/charon.vici)
case "$got" in
"error: vici: connect $D/gw/charon.vici: "*) ok "new source: connect fails with a reason ($got)" ;;
*) not_ok "new source: connect fails with a reason (got '$got')" ;;
esac
if sw_start "$gw" "$D/gw"; then
	eq "kept source reconnects to the new charon: 0" 0 "$(ask)"
else
	not_ok "gateway charon restarted"
fi
eval "exec ${KEPT[1]}>&-"
wait "$kept_pid" 2>/dev/null

# ---- xfrm ---------------------------------------------------------------
xf=$(lab_ns xf)
ip -n "$xf" link add x0 type veth peer name x1
ip -n "$xf" link set x0 up && ip -n "$xf" link set x1 up
ip -n "$xf" addr add 198.18.5.1/24 dev x0
ip -n "$xf" route add 198.18.6.0/24 dev x0
sad() { ip -n "$xf" xfrm state count | grep -o '[0-9]*'; }
eq "xfrm: 0 in an empty namespace" 0 "$(ip netns exec "$xf" $T/tunnels_count xfrm)"
key=0x00112233445566778899aabbccddeeff
if ip -n "$xf" xfrm state add src 198.18.5.1 dst 198.18.6.1 proto esp spi 0x1001 \
	mode tunnel enc 'cbc(aes)' $key 2>/dev/null; then
	diag "kernel has ESP: counting real SAs"
	ip -n "$xf" xfrm state add src 198.18.6.1 dst 198.18.5.1 proto esp spi 0x1002 \
		mode tunnel enc 'cbc(aes)' $key
	ip -n "$xf" xfrm state add src 198.18.5.1 dst 198.18.6.2 proto esp spi 0x1003 \
		mode tunnel enc 'cbc(aes)' $key
else
	# No ESP here (CONFIG_INET_ESP off): SAs cannot be added, but an
	# outbound policy with a listener for acquires makes the kernel insert
	# one larval SA per template, and those are in the SAD count.
	diag "kernel without ESP: counting larval (acquire) SAs"
	lab_spawn "$D/acquire.out" ip netns exec "$xf" ip xfrm monitor acquire
	sleep 0.3
	for i in 1 2 3; do
		ip -n "$xf" xfrm policy add src 198.18.5.1/32 dst 198.18.6.$i/32 dir out \
			tmpl src 198.18.5.1 dst 198.18.7.$i proto esp mode tunnel
		ip netns exec "$xf" bash -c "echo x >/dev/udp/198.18.6.$i/9" 2>/dev/null
	done
fi
eq "kernel SAD count is 3" 3 "$(sad)"
eq "xfrm: 3 SAs count as 2 tunnels (pairs, rounded up)" 2 \
	"$(ip netns exec "$xf" $T/tunnels_count xfrm)"

tap_done
