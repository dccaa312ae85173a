#!/bin/bash
# End to end: a client that starts on port 4500 (IKE behind the
# non-ESP marker) is redirected.
#
# strongSwan 5.9 adds the marker only when neither port is 500, so the
# client's connection has local_port = remote_port = 4500.  After the
# REDIRECT it contacts the gateway on port 500 (RFC 5685 names no port),
# still from its port 4500:
#  - with charon's default sockets (port 500, port_nat_t 4500) its 4500
#    socket does ESP-in-UDP decapsulation, and the gateway's answer, from
#    port 500 and so without the marker, is taken by the kernel for ESP and
#    never reaches charon: the REDIRECT works, the IKE SA does not complete
#    (client "cl" below, with the facts ikelb controls checked);
#  - with charon.port = 4500 and port_nat_t = 4501 on the client, its port
#    4500 socket is a plain IKE socket: the whole exchange completes
#    (client "p45"), over IPv4 and IPv6.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
e2e_require
e2e_up
M=$(lab_master)
ON4500="local_port = 4500
		remote_port = 4500"

# ---- strongSwan with its default sockets -----------------------------------------
lab_add_clients 1 1 "$LAB_VIP4" "$ON4500" >/dev/null
r0=$(e2e_counter "$M" redirected)
LAB_CONNECT_TIMEOUT=2 lab_connect 1 1
log=$(lab_client_log 1)
check "default client: its IKE_SA_INIT went to the VIP's port 4500" \
	grep -q "sending packet: from 198.18.0.100\[4500\] to $LAB_VIP4\[4500\]" <<<"$log"
sent=$(lab_sent_to 1)
n=$(lab_node_of "$sent")
check "it accepted the REDIRECT on port 4500 (its log: redirected to '$sent')" test -n "$n"
r=$(e2e_counter "$M" redirected)
check "the master counted it as redirected ($r0 -> $r)" test "$r" -gt "$r0"
g=$LAB_DIR/gw$n/sw/charon.log
check "the gateway gw${n:-?} received its follow-up IKE_SA_INIT (from port 4500 to port 500)" \
	grep -q "received packet: from 198.18.0.100\[4500\] to $(lab_node_ip "${n:-0}")\[500\]" "$g"
check "carrying REDIRECTED_FROM with the VIP (gw${n:-?}: client got redirected from $LAB_VIP4)" \
	grep -q "client got redirected from $LAB_VIP4\$" "$g"
if [ -n "$(lab_client_hosts)" ]; then
	diag "default client: the IKE SA completed"
else
	diag "default client: the IKE SA did not complete (the gateway's answer to port 4500 lacks the marker; see the top of this file)"
fi

# ---- strongSwan with its IKE socket on 4500 ------------------------------------------
LAB_CLIENT=p45
lab_client_up p45 198.18.0.104 2001:db8::104 "	port = 4500
	port_nat_t = 4501" || { not_ok "client namespace p45"; tap_done; exit 1; }
lab_add_clients 1 4 "$LAB_VIP4" "$ON4500" >/dev/null
lab_add_clients 5 8 "$LAB_VIP6" "$ON4500" >/dev/null
r0=$(e2e_counter "$M" redirected)
e2e_connect 1 8 4
check "client with port = 4500, port_nat_t = 4501: 4 IPv4 and 4 IPv6 clients via port 4500 established ($FAILED failed)" \
	test "$FAILED" = 0
on4500=0
for k in 1 2 3 4 5 6 7 8; do
	lab_client_log $k |
		grep -q "sending packet: from [0-9a-f:.]*\[4500\] to \($LAB_VIP4\|$LAB_VIP6\)\[4500\]" &&
		on4500=$((on4500 + 1))
done
check "each started at the VIP's port 4500 ($on4500 of 8)" test "$on4500" = 8
e2e_landing 1 8
check "each was redirected and established its IKE SA with that gateway ($LANDING_BAD not)" \
	test "$LANDING_BAD" = 0
r=$(e2e_counter "$M" redirected)
check "the master counted 8 redirects ($r0 -> $r; retransmits may add 2)" \
	eval '[ "$r" -ge $((r0 + 8)) ] && [ "$r" -le $((r0 + 10)) ]'

e2e_done
