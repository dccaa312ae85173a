#!/bin/bash
# The request generator (build/tests/tools/ike_gen) against a responder
# that damages every Nth answer on purpose (tests/tools/ike_responder):
# every kind of bad answer is found and counted as what it is, dropped
# answers are lost or retransmitted, duplicates are unmatched, the
# histogram follows the identities, --count-dir files follow arrivals after
# their delay, --rate keeps its schedule, and both output forms agree;
# --reflect takes the bare reflector's echo (and only that) as the answer.
# One namespace, the addresses on lo; a second one for the reflector.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/ikelb.sh"
T=$IKELB_TOOLS
A4=198.18.9.1 A6=2001:db8:9::1

ikelb_require ike_gen ike_responder
lab_init
NS=$(lab_ns g) || exit 1
ip -n "$NS" addr add $A4/32 dev lo
ip -n "$NS" addr add $A6/128 dev lo nodad

# responder NAME ARGS...: ike_responder in the background; sets RPID
responder() {
	local name=$1
	shift
	lab_spawn "$LAB_DIR/$name.rsp" ip netns exec "$NS" "$T/ike_responder" "$@"
	RPID=$LAB_PID
	lab_wait_for 5 grep -q '^ready' "$LAB_DIR/$name.rsp"
}
# gen NAME ARGS...: ike_gen, output in $LAB_DIR/NAME.out; sets RC
gen() {
	local name=$1
	shift
	ip netns exec "$NS" "$T/ike_gen" -q "$@" >"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.err"
	RC=$?
}
# v NAME KEY: the value of KEY in NAME's key=value output
v() { sed -n "s/^$2=//p" "$LAB_DIR/$1.out"; }
is() { [ "$1" = "$2" ]; }
out() { diag "$(tr '\n' ' ' <"$LAB_DIR/$1.out")"; }

# ---- clean answers, round-robin identities ------------------------------------
responder ok --every 0 $A4 500 198.18.9.11 2001:db8:9::12 gw3.example || not_ok "responder up"
gen ok -n 300 -w 8 $A4
out ok
check "300 requests, 300 valid, nothing else, exit 0" \
	is "$(v ok requests)/$(v ok valid)/$(v ok invalid)/$(v ok unmatched)/$(v ok lost)/$RC" \
	300/300/0/0/0/0
check "strongSwan-sized requests: 892 bytes" is "$(v ok size)" 892
check "round-robin identities: 100 redirects each" \
	is "$(v ok redirects.198.18.9.11)/$(v ok redirects.2001:db8:9::12)/$(v ok redirects.gw3.example)" \
	100/100/100
p50=$(v ok lat_p50_us) p99=$(v ok lat_p99_us) mx=$(v ok lat_max_us)
check "latency: 0 < p50 <= p99 <= max ($p50, $p99, $mx us)" \
	awk -v a="$p50" -v b="$p99" -v c="$mx" 'BEGIN { exit !(a > 0 && a <= b && b <= c) }'
# the responder goes on round-robin: answers 300..349, every third (300,
# 303, ... 348) to the first identity: 17
gen json -n 50 --json --size min $A4
check "--json: one document with the counters" \
	is "$("$T/json_get" requests valid redirects/198.18.9.11 size <"$LAB_DIR/json.out" | tr '\n' ' ')" \
	"50 50 17 160 "
lab_stop "$RPID"

# ---- damaged answers -------------------------------------------------------------
# 200 requests, every 10th datagram damaged: 20 of them
for kind in nonce flags extra ident; do
	responder "$kind" --damage $kind --every 10 $A4 500 198.18.9.11 || not_ok "responder up"
	gen "$kind" -n 200 -w 4 $A4
	want=bad_$kind
	[ $kind = extra ] && want=bad_payloads
	out "$kind"
	check "$kind: 20 invalid ($want), 180 valid, exit 1" \
		is "$(v "$kind" invalid)/$(v "$kind" "invalid.$want")/$(v "$kind" valid)/$RC" 20/20/180/1
	lab_stop "$RPID"
done

responder spi --damage spi --every 10 $A4 500 198.18.9.11 || not_ok "responder up"
gen spi -n 200 -w 4 -t 300 $A4
out spi
check "wrong SPIi: 20 unmatched, those 20 requests lost, 180 valid" \
	is "$(v spi unmatched)/$(v spi lost)/$(v spi valid)/$(v spi invalid)/$RC" 20/20/180/0/1
lab_stop "$RPID"

responder dup --damage dup --every 10 $A4 500 198.18.9.11 || not_ok "responder up"
# 205: the last duplicate (of datagram 200) arrives before the run ends
gen dup -n 205 -w 1 $A4
check "duplicates: 20 unmatched, all 205 valid" \
	is "$(v dup unmatched)/$(v dup valid)/$(v dup lost)" 20/205/0
lab_stop "$RPID"

responder drop --damage drop --every 10 $A4 500 198.18.9.11 || not_ok "responder up"
gen drop -n 200 -w 4 -t 200 $A4
check "dropped answers without retries: 20 lost, 180 valid" \
	is "$(v drop lost)/$(v drop valid)/$(v drop retransmits)/$RC" 20/180/0/1
# with retries every drop is made good by a retransmission (the 10th
# datagram after a drop is never the retransmission's)
gen dropr -n 200 -w 1 -t 100 --retries 2 $A4
out dropr
rt=$(v dropr retransmits)
check "dropped answers with --retries 2: none lost, all valid, $rt retransmits" \
	eval '[ "$(v dropr lost)/$(v dropr valid)" = 0/200 ] && [ "$rt" -ge 20 ] && [ "$rt" -le 25 ]'
lab_stop "$RPID"

# ---- port 4500 (non-ESP marker), IPv6 ------------------------------------------------
responder natt --marker $A6 4500 2001:db8:9::11 || not_ok "responder up"
gen natt -n 100 -w 2 -p 4500 $A6
check "IPv6, port 4500 with marker: 100 valid" is "$(v natt valid)/$(v natt marker)/$RC" 100/1/0
gen nomark -n 10 -w 2 -p 4500 --no-marker -t 200 $A6
check "without the marker the responder ignores them: 10 lost" is "$(v nomark lost)" 10
lab_stop "$RPID"

# ---- count files and rate --------------------------------------------------------------
CD=$LAB_DIR/counts
mkdir "$CD"
echo 7 >"$CD/gwa"
responder cnt --every 0 $A4 500 198.18.9.11 2001:db8:9::11 198.18.9.12 || not_ok "responder up"
lab_spawn "$LAB_DIR/cnt.out" ip netns exec "$NS" "$T/ike_gen" -q -n 90 -w 3 --count-dir "$CD" \
	--count-name 198.18.9.11=gwa --count-name 2001:db8:9::11=gwa --count-delay-ms 1500 $A4
gpid=$LAB_PID
sleep 0.7
early="$(cat "$CD/gwa")/$(cat "$CD/198.18.9.12" 2>/dev/null || echo none)"
wait "$gpid"
check "count files untouched before the delay (gwa 7, no file for .12): $early" is "$early" 7/none
check "after the delay: gwa = 7 + 60 (two identities), 198.18.9.12 = 30" \
	is "$(cat "$CD/gwa")/$(cat "$CD/198.18.9.12")" 67/30
check "arrivals reported as the files' numbers" \
	is "$(v cnt arrivals.gwa)/$(v cnt arrivals.198.18.9.12)" 67/30
check "no temporary files left" eval '[ "$(ls -A "$CD" | wc -l)" = 2 ]'
gen rate -r 400 -n 400 $A4
el=$(v rate elapsed_s)
check "--rate 400 -n 400 takes about a second ($el s), all valid" \
	eval 'awk -v e="$el" "BEGIN { exit !(e >= 0.95 && e < 2.5) }" && [ "$(v rate valid)" = 400 ]'
lab_stop "$RPID"

# ---- --reflect: the bare reflector of the benchmarks (bench/bpf/reflector.bpf.c) -------
# A veth pair: the reflector on the far end sends each request back as it
# is; the near end's XDP_PASS lets XDP_TX frames in (docs/design.md), and its
# transmit checksum offload is off, or the reflected partial checksum
# would be dropped (tests/tools/tx_csum_off.c).
if [ -f "$TOP/build/bpf/reflector.bpf.o" ] && [ -f "$TOP/build/bpf/xdp_pass.bpf.o" ] &&
	[ -x "$T/tx_csum_off" ]; then
	RNS=$(lab_ns r) || exit 1
	ip link add rg netns "$NS" type veth peer name rr netns "$RNS"
	ip -n "$NS" link set rg up && ip -n "$RNS" link set rr up
	ip -n "$NS" addr add 198.18.9.100/24 dev rg
	ip -n "$RNS" addr add 198.18.9.200/24 dev rr
	ip -n "$NS" link set dev rg xdpdrv obj "$TOP/build/bpf/xdp_pass.bpf.o" sec xdp
	ip netns exec "$NS" "$T/tx_csum_off" rg
	ip -n "$RNS" link set dev rr xdpdrv obj "$TOP/build/bpf/reflector.bpf.o" sec xdp
	ip -n "$NS" neigh replace 198.18.9.200 lladdr \
		"$(ip -n "$RNS" -br link show rr | awk '{ print $3 }')" dev rg
	gen refl --reflect -n 200 -w 4 198.18.9.200
	out refl
	check "--reflect against the reflector: 200 valid, nothing else, latency measured" \
		eval '[ "$(v refl valid)/$(v refl invalid)/$(v refl lost)/$RC" = 200/0/0/0 ] &&
		awk -v p="$(v refl lat_p50_us)" "BEGIN { exit !(p > 0) }"'
	gen refl4500 --reflect -p 4500 -n 50 198.18.9.200
	check "--reflect on 4500 (marker kept): 50 valid" is "$(v refl4500 valid)/$RC" 50/0
	gen noreflect -n 50 198.18.9.200
	check "without --reflect the reflected requests are invalid (bad_flags)" \
		is "$(v noreflect valid)/$(v noreflect invalid.bad_flags)/$RC" 0/50/1
	responder refl2 --every 0 $A4 500 198.18.9.11 || not_ok "responder up"
	gen refl2 --reflect -n 20 $A4
	check "--reflect against a REDIRECT responder: 20 invalid" \
		is "$(v refl2 valid)/$(v refl2 invalid)/$RC" 0/20/1
	lab_stop "$RPID"
else
	not_ok "built: build/bpf/reflector.bpf.o, build/bpf/xdp_pass.bpf.o, tx_csum_off (run make)"
fi

# ---- usage ----------------------------------------------------------------------------
for bad in "" "-n 0 $A4" "--size big $A4" "--nonce-len 15 $A4" "-w 0 $A4" "bogus" \
	"--count-name a=b $A4" "--count-dir /nonexistent/x $A4"; do
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$T/ike_gen" $bad >/dev/null 2>&1
	check "usage error exits 2: '$bad'" is $? 2
done

tap_done
