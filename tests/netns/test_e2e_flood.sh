#!/bin/bash
# End to end: `[redirect] cookies = auto` (the default) and the default
# answer limits under a flood of forged-source IKE_SA_INIT requests, with
# the daemon.  An attacker namespace on the lab's switch runs the
# kernel-side generator (bench/xdp_gen: BPF_PROG_RUN in live-frames mode)
# at its full rate against the IPv4 VIP, every request from one forged
# source, 198.19.0.1 (inside the test's namespaces); its XDP sink counts the
# answers that come back to that address.  Meanwhile real strongSwan
# clients connect through the VIP.  Checked: auto switches cookies on
# (status, log), every real client gets a COOKIE, then its REDIRECT, then
# its IKE SA with that gateway; the forged source gets no more than
# burst_per_source + rate_per_source * time answers; the master's counters
# account for the generator's requests; status lists the forged source as
# the one limited most often; the master keeps the VIP; after the flood
# auto switches cookies off again, and the next client gets no cookie.
#
#   clients (cl) ----+
#   attacker (att) --+-- switch (sw) --+-- gw1 (master): ikelb-load, charon
#                                      +-- gw2: ikelb-load, charon
set -u
. "$(dirname "$0")/../lib/e2e.sh"
GEN=$IKELB_TOP/build/bench/xdp_gen
e2e_require
[ -x "$GEN" ] || { not_ok "missing: build/bench/xdp_gen (make tests)"; tap_done; exit 1; }
LAB_N=2
SECS=5 FORGED=198.19.0.1 CLIENTS=8
e2e_up
M=$(lab_master)
MNS=$(lab_node_ns "$M")
MMAC=$(ip -n "$MNS" -br link show e0 | awk '{ print $3 }')
ATT=$(lab_ns att) &&
	lab_switch_host "$LAB_PREFIX-sw" patt "$ATT" a0 198.18.0.5 2001:db8::5 ||
	{ not_ok "attacker namespace"; e2e_done; exit 1; }
lab_add_clients 1 $((CLIENTS + 1)) >/dev/null

state() { mj "$M" cookies/state; }
check "cookies: setting auto, off while the VIP is quiet" \
	test "$(mj "$M" cookies/setting)/$(state)" = auto/off
read -r RATE BURST THRESHOLD < <(mj "$M" limits/rate_per_source limits/burst_per_source \
	cookies/threshold | tr '\n' ' ')
diag "limits per source: $RATE/s, burst $BURST; cookie threshold $THRESHOLD/s (the defaults)"

# drops on the flood's way to the master: what the attacker's veth and the
# switch's port to the master could not hand on (each veth counts its
# transmit drops; the answers' way back has its own)
path_drops() {
	{
		ip -n "$ATT" -s -j link show a0
		ip -n "$LAB_PREFIX-sw" -s -j link show "p$M"
	} | grep -o '"tx":{[^}]*}' | grep -o '"dropped":[0-9]*' | cut -d: -f2 |
		awk '{ s += $1 } END { print s + 0 }'
}
# requests the clients sent to the VIP (their log: one line per datagram)
client_requests() { grep -cE "sending packet: from [^ ]+ to $LAB_VIP4\[" "$(LAB_CL_DIR)/charon.log"; }

d0=$(path_drops) r0=$(client_requests) req0=$(e2e_counter "$M" requests)
lab_spawn "$LAB_DIR/gen.out" ip netns exec "$ATT" "$GEN" -i a0 -s $FORGED -d "$LAB_VIP4" \
	-M "$MMAC" -m answer -S 1 -P -t $SECS -T 1
GPID=$LAB_PID
t0=$SECONDS
if lab_wait_for 3 eval '[ "$(state)" = on ]'; then
	ok "auto switched cookies on under the flood (within $((SECONDS - t0)) s)"
else
	not_ok "auto switched cookies on under the flood"
fi
check "the master logged the switch" grep -q "cookies on: auto, [0-9]* new requests/s, above the threshold of $THRESHOLD" \
	"$LAB_DIR/gw$M/ikelb.log"
e2e_connect 1 "$CLIENTS" 4
connected_in=$((SECONDS - t0))
wait "$GPID" 2>/dev/null
lab_untrack "$GPID"
d1=$(path_drops) r1=$(client_requests)
diag "generator: $(head -n 1 "$LAB_DIR/gen.out"); the clients took $connected_in s from the flood's start"
check "every real client initiated successfully during the flood ($FAILED of $CLIENTS failed)" \
	test "$FAILED" = 0
e2e_landing 1 "$CLIENTS"
check "each has its IKE SA with the gateway the VIP redirected it to" test "$LANDING_BAD" = 0
bad=0
for ((k = 1; k <= CLIENTS; k++)); do
	e2e_cookie_then_redirect "$k" || bad=$((bad + 1))
done
check "each got a COOKIE before its REDIRECT ($bad did not)" test "$bad" = 0
check "gw$M kept the VIP through the flood" test "$(lab_master)" = "$M"

sent=$(awk '/^sent/ { print $2 }' "$LAB_DIR/gen.out")
secs=$(awk '/^sent/ { print $8 }' "$LAB_DIR/gen.out")
got=$(awk -v a=$FORGED '$1 == "answers" && $2 == a { print $3 }' "$LAB_DIR/gen.out")
check "the generator ran ($sent requests in $secs s) and was answered (${got:-0} answers to $FORGED)" \
	test "${sent:-0}" -gt 100000 -a "${got:-0}" -gt 0
check "$FORGED got at most burst + rate * time answers (${got:-?} <= $BURST + $RATE * $secs s)" \
	awk -v m="${got:-999999999}" -v s="${secs:-0}" -v r="$RATE" -v b="$BURST" \
	'BEGIN { exit !(m <= b + r * (s + 0.5)) }'

# The counters: every request counted once, under one answer or limit.
c() { e2e_counter "$M" "$1"; }
req=$(($(c requests) - req0)) red=$(c redirected) cks=$(c cookie_sent) lim=$(c drop_rate_source)
other=0
for k in drop_rate_total no_support redirect_loop no_target drop_too_big error drop_malformed; do
	other=$((other + $(c $k)))
done
diag "master gw$M: requests $req redirected $red cookie_sent $cks drop_rate_source $lim others $other;" \
	"cookie_valid $(c cookie_valid) cookie_invalid $(c cookie_invalid);" \
	"path drops $((d1 - d0)), client requests $((r1 - r0))"
check "every request counted once: requests = redirected + cookie_sent + drop_rate_source" \
	test "$(c requests)" = $((red + cks + lim)) -a "$other" = 0
arrived=$((sent - (d1 - d0)))
check "the generator's requests are accounted for ($sent sent, $((d1 - d0)) dropped on the way, $req counted)" \
	test "$req" -ge "$arrived" -a "$req" -le $((arrived + r1 - r0))
check "$FORGED was held back: drop_rate_source $lim = requests less its answers" \
	test "$lim" -gt 0 -a "$lim" -le "$req"

# status: the forged source is the one limited most often, with every drop
top_is_forged() {
	[ "$(mj "$M" limits/limited_sources/0/source limits/limited_sources/0/limited \
		limits/limited_sources/\# | tr '\n' ' ')" = "$FORGED $lim 1 " ]
}
check "status: $FORGED is the only source limited, $lim times" lab_wait_for 5 top_is_forged
lab_status "$M" | sed -n '/^Answer limits/,/^XDP counters/p' | sed 's/^/#   /'

# After the flood: off again, 10 s after the rate fell to half the threshold.
if lab_wait_for 20 eval '[ "$(state)" = off ]'; then
	ok "auto switched cookies off after the flood ($((SECONDS - t0)) s after it began)"
else
	not_ok "auto switched cookies off after the flood"
fi
check "the master logged it" grep -q "cookies off: auto, at most $((THRESHOLD / 2)) new requests/s" \
	"$LAB_DIR/gw$M/ikelb.log"
check "status counts two switches" test "$(mj "$M" cookies/switches)" = 2
k=$((CLIENTS + 1))
e2e_connect "$k" "$k"
e2e_landing "$k" "$k"
check "a client after the flood is redirected without a cookie" eval \
	'[ "$FAILED$LANDING_BAD" = 00 ] &&
		! lab_client_log "$k" | grep -q "N(COOKIE)"'
e2e_done
