#!/bin/bash
# End to end: `[redirect] cookies = on` with the daemon.  Real strongSwan
# clients connect through the VIPs in three rounds (IPv4, IPv4, IPv6); the
# master's XDP program answers each first IKE_SA_INIT with N(COOKIE), the
# client retries with the cookie, gets the REDIRECT and establishes its IKE
# SA with that gateway.  The secret is rotated every 2 s
# (cookie_rotation_ms), so it changes between and during the rounds: every
# client still succeeds.  The daemon's status and the pinned
# cookie_secrets map show the current and the previous secret; every
# redirect followed a valid cookie.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
e2e_require --bpftool
LAB_EXTRA="cookies = on
cookie_rotation_ms = 2000"
e2e_up
M=$(lab_master)
lab_add_clients 1 8 >/dev/null
lab_add_clients 9 12 "$LAB_VIP6" >/dev/null

check "status: cookies on, setting on" \
	test "$(mj "$M" cookies/setting cookies/state | tr '\n' ' ')" = "on on "
check "the program's config map asks for cookies (cookie_mode 1)" eval \
	'ikelb_in "${LAB_IKELB_PID[$M]}" bpftool -j map dump pinned /sys/fs/bpf/ikelb/lab/config |
		grep -q "\"cookie_mode\":1"'
v0=$(mj "$M" cookies/secret_version)

# round FIRST LAST WHAT: connect, then check every client of the round
round() {
	local first=$1 last=$2 what=$3 k bad=0
	e2e_connect "$first" "$last" 4
	check "$what: c$first..c$last initiated successfully ($FAILED failed)" test "$FAILED" = 0
	e2e_landing "$first" "$last"
	check "$what: each has its IKE SA with the gateway the VIP redirected it to" \
		test "$LANDING_BAD" = 0
	for ((k = first; k <= last; k++)); do
		e2e_cookie_then_redirect "$k" || { bad=$((bad + 1)); diag "c$k: no COOKIE before its REDIRECT"; }
	done
	check "$what: each got a COOKIE first, then the REDIRECT" test "$bad" = 0
}

round 1 4 "IPv4, secret version $v0"
sleep 2.5 # at least one rotation
v1=$(mj "$M" cookies/secret_version)
check "the secret rotated ($v0 -> $v1)" test "$v1" != "$v0"
round 5 8 "IPv4, secret version $v1"
sleep 2.5
v2=$(mj "$M" cookies/secret_version)
round 9 12 "IPv6, secret version $v2"
v3=$(mj "$M" cookies/secret_version)
rot=$(mj "$M" cookies/rotations)
diag "secret versions $v0 $v1 $v2 $v3, rotations $rot"
check "rotated every 2 s while the clients connected ($rot new secrets, versions $v0 .. $v3)" \
	eval '[ "$rot" -ge 4 ] && [ "$(mj "$M" cookies/rotation_failures)" = 0 ]'

# The program holds two valid secrets: the current and the one before.
secrets=$(ikelb_in "${LAB_IKELB_PID[$M]}" bpftool -j map dump pinned /sys/fs/bpf/ikelb/lab/cookie_secrets |
	grep -o '"version":[0-9]*,"valid":[0-9]*' | tr '\n' ' ')
diag "cookie_secrets: $secrets"
cur=$(mj "$M" cookies/secret_version)
prev=$(((cur + 255) % 256))
check "the pinned cookie_secrets hold version $cur and $prev, both valid" eval \
	'[[ "$secrets" == *"\"version\":$cur,\"valid\":1"* && "$secrets" == *"\"version\":$prev,\"valid\":1"* ]]'

req=$(e2e_counter "$M" requests) sent=$(e2e_counter "$M" cookie_sent)
valid=$(e2e_counter "$M" cookie_valid) invalid=$(e2e_counter "$M" cookie_invalid)
red=$(e2e_counter "$M" redirected)
diag "master gw$M: requests $req cookie_sent $sent cookie_valid $valid cookie_invalid $invalid redirected $red"
check "12 clients redirected, each after a valid cookie (redirected $red = cookie_valid $valid)" \
	eval '[ "$red" -ge 12 ] && [ "$red" = "$valid" ] && [ "$sent" -ge 12 ]'
check "every request was answered: requests $req = cookies sent + redirects" \
	test "$req" = $((sent + red))
check "the master logged no cookie switch (setting on from the start)" \
	eval '[ "$(grep -c "cookies on:" "$LAB_DIR/gw$M/ikelb.log")" = 1 ] &&
		! grep -q "cookies off" "$LAB_DIR/gw$M/ikelb.log"'
e2e_done
