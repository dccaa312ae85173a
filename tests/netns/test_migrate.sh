#!/bin/bash
# shellcheck disable=SC2016,SC2034 # eval and lab_wait_for get their commands in single quotes; LAB_* are read by scripts/lab.sh
# Moving established clients, with real strongSwan everywhere (the lab of
# scripts/lab.sh: gw1 40, gw2 40, gw3 80 tunnels; gw2 is the VRRP master,
# so gw1 asks it for targets over the report socket; IKE SAs are the
# tunnels, this kernel has no ESP):
#
#   1. drain with migration: 30 clients straight on gw1, `drain on --migrate
#      --rate 10/s` there: every client ends with an IKE SA on gw2 or gw3,
#      1:2 by free capacity, none lost, gw1 at 0; the rate, measured from
#      gw1's charon log, is held; the master counted every client it
#      granted like a redirect;
#   2. clients that cannot follow: gw3 drains (no migration), so nobody may
#      be sent there; two clients with follow_redirects = no and three that
#      can are set up at gw1 before its ikelb-load restarts (their support
#      and arrival are unknown then: held until they are rebalance_hold_ms
#      old, then tried), and one that cannot after (known from charon's
#      log: never tried): the three move to gw2, the three that cannot stay
#      and are counted, two of them refused by charon;
#   3. rebalancing: 40 more clients through the VIP spread over gw1..gw3;
#      then gw4 (80) joins empty with rebalance = on: after the hold time the
#      full gateways move clients to it at migrate_rate until every
#      utilisation is within the threshold of the mean, without moving any
#      client twice.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
e2e_require

HOLD_MS=6000
THRESHOLD=10
# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=3 LAB_PRIO="100 200 150 90" LAB_MAX="40 40 80 80" LAB_STATUS_MS=500 \
	LAB_CLUSTER_EXTRA="rebalance_hold_ms = $HOLD_MS
rebalance_threshold = $THRESHOLD"
e2e_up
check "gw2 (highest priority) is the master" lab_wait_for 10 eval '[ "$(lab_master)" = 2 ]'
M=2

ms() { echo $(($(date +%s%N) / 1000000)); }
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi; }
ctl() { local n=$1; shift; ikelb_ctl "${LAB_IKELB_PID[$n]}" "$(lab_node_conf "$n")" "$@"; }
# mig N KEY...: values of node N's migration object, on one line
mig() { local n=$1; shift; mj "$n" "${@/#/migration/}" | paste -sd ' '; }
# clients_at N: the client identities node N's charon holds, sorted
clients_at() { lab_gateway_ids "$1" | sort; }
# day_ms: lines starting HH:MM:SS.mmm (charon's log) as ms of the day
day_ms() { awk '{ split($1, t, /[:.]/); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }'; }
# charon_ms N PATTERN: the time of day (ms) of each line of node N's
# charon log matching PATTERN
charon_ms() { grep -E "$2" "$LAB_DIR/gw$1/sw/charon.log" | day_ms; }
now_ms() { date +%T.%3N | day_ms; }
# max_per_second: the most lines of stdin (times in ms, sorted) within any
# 990 ms: charon logs a redirect a few ms after ikelb-load asked for it, and
# that jitter (up to 10 ms) must not count as an 11th in a second; a rate of
# 11/s would put 11 within 910 ms
max_per_second() {
	awk '{ t[NR] = $1 } END { m = 0; j = 1
		for (i = 1; i <= NR; i++) { while (t[i] - t[j] >= 990) j++; if (i - j + 1 > m) m = i - j + 1 }
		print m }'
}

# ---- 1. drain with migration -------------------------------------------------------
lab_add_clients 1 30 "$(lab_node_ip 1)" >/dev/null
e2e_connect 1 30 8
check "30 clients established straight at gw1 ($FAILED failed)" \
	eval '[ "$FAILED" = 0 ] && [ "$(lab_gateway_count 1)" = 30 ]'
check "gw1's ikelb-load can move clients: connected to its charon" \
	eval '[ "$(mig 1 available connected mode)" = "true true off" ]'
R0=$(charon_ms 1 "redirecting peer to" | wc -l)
C2=$(mj $M targets/name=gw2/migrations) C3=$(mj $M targets/name=gw3/migrations)
t0=$(ms)
is "drain on --migrate --rate 10/s answers" "drain on, moving clients at 10 per second" \
	"$(ctl 1 drain on --migrate --rate 10/s)"
empty() { [ "$(lab_gateway_count 1)" = 0 ]; }
lab_wait_for 20 empty
check "gw1 ends at 0 IKE SAs ($(($(ms) - t0)) ms)" empty
diag "where the clients are: $(lab_where | tr '\n' ' ')"
declare -A at
while read -r c host; do at[$c]=$host; done < <(lab_client_hosts)
lost=0 wrong=0 n2=0 n3=0
for k in $(seq 1 30); do
	case "${at[c$k]:-}" in
	"$(lab_node_ip 2)") n2=$((n2 + 1)) ;;
	"$(lab_node_ip 3)") n3=$((n3 + 1)) ;;
	"") lost=$((lost + 1)); diag "c$k has no IKE SA" ;;
	*) wrong=$((wrong + 1)); diag "c$k is at ${at[c$k]}" ;;
	esac
done
check "none lost: each of the 30 clients has an established IKE SA at gw2 or gw3 ($lost lost, $wrong elsewhere)" \
	test $((lost + wrong)) = 0
ids() { seq -f 'c%g.cl.ikelb.test' "$1" "$2" | sort; }
check "gw2's and gw3's charons hold exactly these 30 clients" \
	eval '[ "$(clients_at 2; clients_at 3)" != "" ] &&
		[ "$( (clients_at 2; clients_at 3) | sort)" = "$(ids 1 30)" ]'
check "spread by free capacity (gw2 40, gw3 80 free): gw2 $n2, gw3 $n3; 10/20 +-3 each" \
	eval 'within $n2 10 3 && within $n3 20 3'
charon_ms 1 "redirecting peer to" | tail -n +$((R0 + 1)) >"$LAB_DIR/drain.times"
nr=$(wc -l <"$LAB_DIR/drain.times")
peak=$(max_per_second <"$LAB_DIR/drain.times")
span=$(($(tail -n 1 "$LAB_DIR/drain.times") - $(head -n 1 "$LAB_DIR/drain.times")))
diag "gw1's charon sent $nr redirects in $span ms, at most $peak within any 990 ms"
check "the rate is held (gw1's charon log): 30 redirects, at most 10 within any second (10 ms for charon's jitter), 29 gaps in at least 2800 ms" \
	eval '[ "$nr" = 30 ] && [ "$peak" -le 10 ] && [ "$span" -ge 2800 ]'
check "status at gw1: moved 30, moving 0, remaining 0, left 0, rate 10, done" \
	eval '[ "$(mig 1 moved moving remaining left rate done)" = "30 0 0 0 10 true" ]'
sent=$(mig 1 targets/name=gw2/sent targets/name=gw3/sent)
check "status at gw1: the targets it was given are gw2 and gw3 only, 30 in all ($sent)" \
	eval '[ "$(mig 1 "targets/#")" = 2 ] && [ $((${sent// /+})) = 30 ]'
g2=$(($(mj $M targets/name=gw2/migrations) - C2)) g3=$(($(mj $M targets/name=gw3/migrations) - C3))
check "the master (gw2) granted them: gw2 $g2, gw3 $g3 more migrations; gw1 got $((g2 + g3)) targets and used 30" \
	eval '[ $((g2 + g3)) = "$(mig 1 messages/got)" ] &&
		[ $((g2 + g3 - $(mig 1 expired))) = 30 ]'
check "the master counted them as redirects too" \
	eval '[ "$(mj $M targets/name=gw2/redirects)" -ge "$(mj $M targets/name=gw2/migrations)" ] &&
		[ "$(mj $M targets/name=gw3/redirects)" -ge "$(mj $M targets/name=gw3/migrations)" ]'
check "gw1 asked over the network and took every answer; the master answered them" \
	eval '[ "$(mig 1 messages/asked)" = "$(mig 1 messages/receiver/taken)" ] &&
		[ "$(mig 1 messages/answered_locally)" = 0 ] &&
		[ "$(mig $M messages/receiver/answered)" -ge "$(mig 1 messages/asked)" ]'
keys=$(lab_status 1 --json | awk '/^  "migration": ?\{/ { f = 1; next } f && /^  \}/ { f = 0 }
	f && match($0, /^    "[^"]*"/) { print substr($0, 6, RLENGTH - 6) }')
undocumented=$(for k in $keys; do grep -q "\`$k\`" "$TOP/docs/status-json.md" || echo "$k"; done)
check "status --json: the $(wc -w <<<"$keys") keys of migration are documented in docs/status-json.md" \
	eval '[ "$(wc -w <<<"$keys")" -gt 10 ] && [ -z "$undocumented" ]'
[ -z "$undocumented" ] || diag "undocumented: $undocumented"
check "status text at gw1 shows the migration" \
	eval 'lab_status 1 | grep -Eq "^  moved 30  moving 0  remaining 0 \(held 0\)  left 0"'

# ---- 2. clients that cannot follow ---------------------------------------------------
is "drain off at gw1 answers" "drain off" "$(ctl 1 drain off)"
check "status at gw1: migration off" eval '[ "$(mig 1 mode)" = off ]'
is "drain on at gw3 (no migration): nobody may be sent there" "drain on" "$(ctl 3 drain on)"
check "the master lists gw3 as draining" lab_wait_for 5 eval '[ "$(mj $M targets/name=gw3/state)" = draining ]'
LAB_CLIENT=nf
lab_client_up nf 198.18.0.102 2001:db8::102 "	follow_redirects = no" ||
	{ not_ok "client namespace nf"; e2e_done; exit 1; }
lab_add_clients 1 3 "$(lab_node_ip 1)" >/dev/null
e2e_connect 1 2 2
check "nf's c1, c2 (follow_redirects = no) are up at gw1 ($FAILED failed)" test "$FAILED" = 0
LAB_CLIENT=cl
lab_add_clients 31 33 "$(lab_node_ip 1)" >/dev/null
e2e_connect 31 33 3
check "c31..c33 (they can follow) are up at gw1 ($FAILED failed)" test "$FAILED" = 0
lab_stop "${LAB_IKELB_PID[1]}"
lab_start_ikelb 1
check "gw1's ikelb-load restarted: it knows nothing of these five" \
	lab_wait_for 10 eval '[ "$(mig 1 connected)" = true ]'
LAB_CLIENT=nf
e2e_connect 3 3 1
LAB_CLIENT=cl
check "nf's c3 (follow_redirects = no) is up at gw1 after the restart ($FAILED failed)" \
	test "$FAILED" = 0
R0=$(charon_ms 1 "vici redirect IKE_SA" | wc -l)
is "drain on --migrate at gw1 (the rate from [gateway] migrate_rate: 5)" \
	"drain on, moving clients at 5 per second" "$(ctl 1 drain on --migrate)"
held() { [ "$(mig 1 held)" = 5 ]; }
check "the five set up before the restart are held (arrival unknown, younger than $HOLD_MS ms)" \
	lab_wait_for 2 held
three_left() { [ "$(lab_gateway_count 1)" = 3 ] && [ "$(mig 1 remaining moving)" = "0 0" ]; }
check "gw1 ends with the 3 that cannot follow" lab_wait_for 20 three_left
LAB_CLIENT=nf
check "the client that cannot follow still has c1..c3 at gw1" \
	eval '[ "$(lab_where)" = "$(lab_node_ip 1) 3" ]'
LAB_CLIENT=cl
check "c31..c33 moved to gw2 (gw3 drains)" \
	eval '[ "$(lab_client_hosts | awk "\$1 ~ /^c3[123]\$/ { print \$2 }" | sort -u)" = "$(lab_node_ip 2)" ]'
check "status at gw1: moved 3, left 3 (refused 2: those of unknown support were tried)" \
	eval '[ "$(mig 1 moved left refused remaining)" = "3 3 2 0" ]'
check "charon refused to redirect the two of unknown support" eval \
	'[ "$(grep -c "client does not support IKE redirection" "$LAB_DIR/gw1/sw/charon.log")" = 2 ]'
c3id=$(sw_ctl "$(lab_node_ns 1)" "$(lab_node_sw 1)" --list-sas --raw 2>/dev/null |
	grep 'remote-id=c3.nf.ikelb.test ' | grep -o 'uniqueid=[0-9]*' | cut -d= -f2)
check "the one known not to follow (its IKE_SA_INIT seen) was never tried (IKE_SA #$c3id)" \
	eval '[ -n "$c3id" ] && ! grep -q "vici redirect IKE_SA #$c3id " "$LAB_DIR/gw1/sw/charon.log"'
first=$(charon_ms 1 "vici redirect IKE_SA" | tail -n +$((R0 + 1)) | head -n 1)
est=$(grep -E "IKE_SA gw\[[0-9]+\] established between .*\[c(1|2)\.nf\.ikelb\.test\]" \
	"$LAB_DIR/gw1/sw/charon.log" | head -n 1 | day_ms)
check "no redirect of the held ones before the first was $HOLD_MS ms old ($((first - est)) ms)" \
	eval '[ -n "$first" ] && [ -n "$est" ] && [ $((first - est)) -ge $((HOLD_MS - 100)) ]'

# ---- 3. rebalancing -----------------------------------------------------------------------
ctl 1 drain off >/dev/null
ctl 3 drain off >/dev/null
lab_add_clients 34 73 >/dev/null
e2e_connect 34 73 8
check "40 more clients through the VIP ($FAILED failed)" test "$FAILED" = 0
for i in 1 2 3; do load[i]=$(lab_gateway_count $i); done
diag "loads before gw4 joins: gw1 ${load[1]}/40, gw2 ${load[2]}/40, gw3 ${load[3]}/80"
LAB_CLUSTER_EXTRA="$LAB_CLUSTER_EXTRA
rebalance = on"
for i in 1 2 3; do lab_reload $i; done
check "rebalance on after SIGHUP on gw1..gw3" lab_wait_for 5 eval \
	'[ "$(for i in 1 2 3; do mig $i rebalance/enabled; done | sort -u)" = true ]'
sleep 1.5
check "nobody moves while the cluster is balanced" eval \
	'[ "$(for i in 1 2 3; do mig $i rebalance/phase; done | sort -u)" = idle ]'
mark=$(wc -l <"$LAB_DIR/cl/charon.log")
for i in 1 2 3; do before[i]=$(charon_ms $i "vici redirect IKE_SA" | wc -l); done
t_join=$(now_ms)
lab_join 4 || { not_ok "gw4 joins"; e2e_done; exit 1; }
ok "gw4 (80, empty) joins with rebalance = on"
total=$(( $(lab_gateway_count 1) + $(lab_gateway_count 2) + $(lab_gateway_count 3) ))
mean=$((100 * total / 240))
diag "$total clients on 240 places: the mean is $mean %"
# balanced: every gateway within the threshold of the mean, nobody moving
balanced() {
	local i u
	for i in 1 2 3 4; do
		u=$((100 * $(lab_gateway_count $i) / $(_lab_word $i "$LAB_MAX")))
		[ $((u - mean)) -le "$THRESHOLD" ] && [ $((mean - u)) -le "$THRESHOLD" ] || return 1
		[ "$(mig $i moving)" = 0 ] || return 1
	done
	[ "$(for i in 1 2 3 4; do mig $i rebalance/phase; done | sort -u)" = idle ]
}
check "rebalanced: every utilisation within $THRESHOLD points of the mean" lab_wait_for 40 balanced
for i in 1 2 3 4; do
	diag "gw$i: $(lab_gateway_count $i) of $(_lab_word $i "$LAB_MAX"); moved $(mig $i moved)"
done
first=
for i in 1 2 3; do
	t=$(charon_ms $i "vici redirect IKE_SA" | tail -n +$((before[i] + 1)) | head -n 1)
	[ -n "$t" ] && { [ -z "$first" ] || [ "$t" -lt "$first" ]; } && first=$t
done
check "clients moved to gw4, the first no sooner than the hold time after it joined ($((first - t_join)) ms)" \
	eval '[ -n "$first" ] && [ $((first - t_join)) -ge $HOLD_MS ] && [ "$(lab_gateway_count 4)" -gt 0 ]'
peaks=
for i in 1 2 3; do
	peaks+=" $(charon_ms $i "vici redirect IKE_SA" | tail -n +$((before[i] + 1)) | max_per_second)"
done
check "each gateway moved at most migrate_rate (5) clients within any second (their charons' logs:$peaks)" \
	eval '[ "$(tr " " "\n" <<<"$peaks" | sort -n | tail -n 1)" -le 5 ]'
twice=$(tail -n +$((mark + 1)) "$LAB_DIR/cl/charon.log" | grep -E "parsed INFORMATIONAL request [0-9]+ \[ N\(REDIR\) \]" |
	grep -o '<c[0-9]*|' | sort | uniq -c | awk '$1 > 1' | wc -l)
check "no client was moved twice (each told to go at most once since gw4 joined)" test "$twice" = 0
dests=$(tail -n +$((mark + 1)) "$LAB_DIR/cl/charon.log" | grep -o "> redirected to [^ ]*" |
	sort | uniq -c | tr '\n' ' ')
check "the clients went to gw4 only, the one below the mean ($dests)" \
	eval '[ "$(tail -n +$((mark + 1)) "$LAB_DIR/cl/charon.log" | grep -o "> redirected to [^ ]*" | sort -u)" = "> redirected to $(lab_node_ip 4)" ]'
lost=$((73 - $(lab_client_hosts | wc -l)))
check "none lost: 73 clients with an established IKE SA" test "$lost" = 0
e2e_done
