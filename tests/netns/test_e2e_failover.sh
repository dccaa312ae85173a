#!/bin/bash
# End to end: the master dies (SIGKILL of ikelb-load and its
# charon, link down: lab_kill_node) while clients are connecting through
# the VIP.  A request sent to the VIP while nobody holds it is retransmitted
# by the client after 1 s, by then to the new master, which redirects it:
# every client establishes its IKE SA.
#
# The master is a gateway too: clients it had redirected to itself and that
# were still in IKE_AUTH with its charon lose their gateway.  The lab's
# clients retry like road-warrior setups do (keyingtries = 0, and only 2
# retransmits so that a retry comes after 4.4 s, not strongSwan's minutes);
# strongSwan retries through the VIP (remote_addrs), so they end on a live
# gateway too.  The new master knows the old one is gone (its adverts
# stopped): it should send no client there, though the dead node's last
# load report is younger than dead_after_ms (1.5 s in the lab).
set -u
. "$(dirname "$0")/../lib/e2e.sh"
e2e_require
LAB_MAX="40 40 80"
LAB_CLIENT_CHARON="	retransmit_tries = 2"
e2e_up
M=$(lab_master)
N_BG=40 N_ALL=56

lab_add_clients 1 $N_ALL "$LAB_VIP4" "keyingtries = 0" >/dev/null
# Clients keep connecting, 4 at a time, while the master dies.
lab_connect 1 $N_BG 4 &
bg=$!
lab_track "$bg"
lab_wait_for 20 eval '[ "$(lab_client_hosts | wc -l)" -ge 8 ]'
before=$(lab_client_hosts | wc -l)
t0=$(date +%s%N)
lab_kill_node "$M"
# One client starts while nobody holds the VIP, so at least one request is
# surely lost and retransmitted (the background ones may all fall before
# the kill or after the takeover).
lab_connect $((N_BG + 1)) $((N_BG + 1)) 1 &
gap=$!
lab_track "$gap"
check "the master gw$M killed while clients connect ($before of $N_BG established)" \
	test "$before" -lt $N_BG
lab_wait_for 10 lab_master
N=$(lab_master)
t1=$(date +%s%N)
check "a new master took the VIP (gw$N, $(((t1 - t0) / 1000000)) ms after the kill)" \
	eval '[ -n "$N" ] && [ "$N" != "$M" ]'
# And a burst just as it took over.
e2e_connect $((N_BG + 2)) $N_ALL 8
wait "$bg"
FAILED=$((FAILED + $?))
wait "$gap"
FAILED=$((FAILED + $?))
lab_untrack "$bg"
lab_untrack "$gap"
t2=$(date +%s%N)
check "every client's initiation succeeded ($FAILED of $N_ALL failed; the last $(((t2 - t0) / 1000000)) ms after the kill)" \
	test "$FAILED" = 0
e2e_landing 1 $N_ALL
check "every client established its IKE SA with the gateway it was last redirected to ($LANDING_BAD not)" \
	test "$LANDING_BAD" = 0
diag "landed per gateway: ${LANDED[1]}/${LANDED[2]}/${LANDED[3]} (gw$M's before its death)"

# Requests lost while nobody held the VIP: retransmitted (message ID 0), then redirected.
retx=0 retried=0
for ((k = 1; k <= N_ALL; k++)); do
	log=$(lab_client_log "$k")
	sed -n '/retransmit 1 of request with message ID 0/,$p' <<<"$log" | grep -q '> redirected to' &&
		retx=$((retx + 1))
	[ "$(grep -c "> initiating IKE_SA .* to $LAB_VIP4\$" <<<"$log")" -gt 1 ] && retried=$((retried + 1))
done
check "requests lost at the VIP were retransmitted and then redirected by the new master ($retx clients)" \
	test "$retx" -ge 1
diag "clients that started over through the VIP after their gateway died: $retried"
r=0
for i in 1 2 3; do [ "$i" != "$M" ] && r=$((r + $(e2e_redirects "$N" gw$i))); done
check "the new master redirected clients to the live gateways ($r)" test "$r" -gt 0
d=$(e2e_redirects "$N" gw$M)
check "the new master sent no client to the dead former master gw$M ($d sent)" test "$d" = 0

e2e_done
