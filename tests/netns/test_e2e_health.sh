#!/bin/bash
# End to end: a gateway that cannot take clients gets none.
#  - gw3's IKE daemon dies (SIGKILL of its charon only): its ikelb-load
#    cannot read its tunnels over vici and reports itself unhealthy, with
#    a reason, and the master stops sending clients there;
#  - gw2's ikelb-load dies (its charon lives on): its reports stop, the
#    master calls it dead after dead_after_ms and stops sending clients there.
# The master is gw1 (highest priority), which stays up throughout.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
e2e_require
LAB_MAX="40 40 80"
e2e_up
M=$(lab_master)
check "the master is gw1" test "$M" = 1
lab_add_clients 1 48 >/dev/null

# Before: every gateway gets clients (gw3, with half the capacity, most).
e2e_connect 1 16 8
e2e_landing 1 16
check "16 clients before: all landed (${LANDED[1]}/${LANDED[2]}/${LANDED[3]}), gw3 among them" \
	eval '[ "$FAILED" = 0 ] && [ "$LANDING_BAD" = 0 ] && [ "${LANDED[3]}" -gt 0 ]'

# ---- gw3's charon dies ---------------------------------------------------------
lab_kill_charon 3
t0=$(date +%s%N)
unhealthy() { [ "$(e2e_state "$M" gw3)" = unhealthy ]; }
lab_wait_for 5 unhealthy
st=$(e2e_state "$M" gw3)
check "the master reports gw3 unhealthy ($st, after $((($(date +%s%N) - t0) / 1000000)) ms)" \
	test "$st" = unhealthy
why=$(mj "$M" targets/name=gw3/reason)
check "with a reason naming its vici source in status --json ('$why')" eval '[[ $why == *vici* ]]'
check "and in the status table" eval 'lab_status "$M" | grep -E "^gw3 " | grep -q unhealthy'
check "gw3's own status shows itself unhealthy too" test "$(e2e_state 3 gw3)" = unhealthy
slots=$(mj "$M" targets/name=gw3/slots_ipv4)
check "gw3 has no slot left in the master's IPv4 table ($slots)" test "$slots" = 0
r3=$(e2e_redirects "$M" gw3)
e2e_connect 17 32 8
e2e_landing 17 32
check "16 more clients: all landed on gw1 or gw2 (${LANDED[1]}/${LANDED[2]}/${LANDED[3]}; $FAILED failed)" \
	eval '[ "$FAILED" = 0 ] && [ "$LANDING_BAD" = 0 ] && [ "${LANDED[3]}" = 0 ]'
r3b=$(e2e_redirects "$M" gw3)
check "the master's redirects to gw3 did not grow ($r3 -> $r3b)" test "$r3b" = "$r3"

# ---- gw2's ikelb-load dies --------------------------------------------------------
lab_kill_ikelb 2
t0=$(date +%s%N)
dead() { [ "$(e2e_state "$M" gw2)" = dead ]; }
lab_wait_for 5 dead
st=$(e2e_state "$M" gw2)
check "the master calls gw2 dead once its reports stop ($st, after $((($(date +%s%N) - t0) / 1000000)) ms)" \
	test "$st" = dead
r2=$(e2e_redirects "$M" gw2)
e2e_connect 33 48 8
e2e_landing 33 48
check "16 more clients: all landed on gw1, the last usable gateway (${LANDED[1]}/${LANDED[2]}/${LANDED[3]}; $FAILED failed)" \
	eval '[ "$FAILED" = 0 ] && [ "$LANDING_BAD" = 0 ] && [ "${LANDED[1]}" = 16 ]'
r2b=$(e2e_redirects "$M" gw2)
check "the master's redirects to gw2 did not grow ($r2 -> $r2b)" test "$r2b" = "$r2"

e2e_done
