#!/bin/bash
# End to end: a client that does not announce redirect support
# (strongSwan with charon.follow_redirects = no sends no REDIRECT_SUPPORTED)
# is never redirected (RFC 5685): with `unsupported = pass` its request goes
# to the master's own stack, whose charon answers at the VIP and holds the
# IKE SA; with `unsupported = drop` (applied by SIGHUP) it gets no answer
# at all and never establishes.  The XDP counter no_support counts each
# such request, retransmits included; `redirected` does not move for them,
# but does for a client that supports redirects (the control).
set -u
. "$(dirname "$0")/../lib/e2e.sh"
e2e_require
LAB_UNSUPPORTED=pass
e2e_up
M=$(lab_master)
lab_client_up nr 198.18.0.101 2001:db8::101 "	follow_redirects = no" ||
	{ not_ok "client namespace nr"; tap_done; exit 1; }
LAB_CLIENT=nr lab_add_clients 1 3 >/dev/null
LAB_CLIENT=nr lab_add_clients 4 4 "$LAB_VIP6" >/dev/null
lab_add_clients 1 1 >/dev/null

# counters_now: RED and NOS, the master's redirected and no_support counters
counters_now() {
	RED=$(e2e_counter "$M" redirected)
	NOS=$(e2e_counter "$M" no_support)
}
# master_holds ID VIP: the master's charon has an established IKE SA with
# the client identity ID whose local address is VIP
master_holds() {
	sw_ctl "$(lab_node_ns "$M")" "$(lab_node_sw "$M")" --list-sas --raw 2>/dev/null |
		grep 'state=ESTABLISHED' | grep "local-host=$2 " | grep -q "remote-id=$1 "
}

# ---- unsupported = pass -------------------------------------------------------
counters_now
r0=$RED s0=$NOS
LAB_CLIENT=nr e2e_connect 1 1
check "a client with follow_redirects = no establishes through the IPv4 VIP ($FAILED failed)" \
	test "$FAILED" = 0
log=$(LAB_CLIENT=nr lab_client_log 1)
check "its IKE_SA_INIT carries no REDIRECT_SUPPORTED" \
	eval 'grep -q "generating IKE_SA_INIT request 0" <<<"$log" &&
		! grep "generating IKE_SA_INIT request 0" <<<"$log" | grep -q REDIR_SUP'
check "it was not redirected (its log)" eval '! grep -q "redirected to" <<<"$log"'
host=$(LAB_CLIENT=nr lab_client_hosts | awk '$1 == "c1" { print $2 }')
check "its IKE SA is with the VIP itself ($host)" test "$host" = "$LAB_VIP4"
check "the master gw$M's own charon holds it, answering at the VIP" master_holds c1.nr.ikelb.test "$LAB_VIP4"
counters_now
check "the master counted it in no_support ($s0 -> $NOS)" test "$NOS" -gt "$s0"
check "and not in redirected ($r0 -> $RED)" test "$RED" = "$r0"

s0=$NOS
LAB_CLIENT=nr e2e_connect 4 4
host=$(LAB_CLIENT=nr lab_client_hosts | awk '$1 == "c4" { print $2 }')
check "the same through the IPv6 VIP: established with the VIP ($host), held by gw$M's charon" \
	eval '[ "$FAILED" = 0 ] && [ "$host" = "$LAB_VIP6" ] && master_holds c4.nr.ikelb.test "$LAB_VIP6"'
counters_now
check "counted in no_support ($s0 -> $NOS), not in redirected ($r0 -> $RED)" \
	eval '[ "$NOS" -gt "$s0" ] && [ "$RED" = "$r0" ]'

# The control: a client that supports redirects moves `redirected`.
e2e_connect 1 1
e2e_landing 1 1
counters_now
check "control: a client with redirect support is redirected (redirected $r0 -> $RED)" \
	eval '[ "$LANDING_BAD" = 0 ] && [ "$RED" = $((r0 + 1)) ]'

# ---- unsupported = drop ---------------------------------------------------------
conf=$(lab_node_conf "$M")
reloads=$(mj "$M" reloads)
sed -i 's/^unsupported = pass$/unsupported = drop/' "$conf"
kill -HUP "${LAB_IKELB_PID[$M]}"
reloaded() { [ "$(mj "$M" reloads)" -gt "$reloads" ]; }
check "unsupported = drop applied by SIGHUP on the master" \
	eval 'grep -q "^unsupported = drop$" "$conf" && lab_wait_for 5 reloaded'
check "gw$M is still the master" test "$(lab_master)" = "$M"
counters_now
r0=$RED s0=$NOS
seen() { grep -c 'received packet: from 198.18.0.101\[' "$LAB_DIR/gw$M/sw/charon.log"; }
seen0=$(seen)
# strongSwan retransmits after 1 s and 2.4 s: 3 requests within 3 s.
LAB_CLIENT=nr LAB_CONNECT_TIMEOUT=3 lab_connect 2 2
failed=$?
host=$(LAB_CLIENT=nr lab_client_hosts | awk '$1 == "c2" { print $2 }')
check "a client without redirect support gets no answer (initiation failed: $failed, no IKE SA: '$host')" \
	eval '[ "$failed" = 1 ] && [ -z "$host" ]'
# seen0 > 0: the pass phase above reached that charon, so the log is read right
check "the master's charon never received its requests ($seen0 -> $(seen) packets from it)" \
	eval '[ "$seen0" -gt 0 ] && [ "$(seen)" = "$seen0" ]'
three() { counters_now; [ "$NOS" -ge $((s0 + 3)) ]; }
lab_wait_for 3 three
check "no_support counted its request and retransmits ($s0 -> $NOS, at least 3)" \
	test "$NOS" -ge $((s0 + 3))
check "redirected did not move ($r0 -> $RED)" test "$RED" = "$r0"

e2e_done
