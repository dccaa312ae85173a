#!/bin/bash
#title 6. The VIP under a forged-source flood (real clients, default limits)
#real the lab's three ikelb-load nodes with the XDP program and strongSwan gateways, real strongSwan clients through the VIP, the kernel-side generator sending forged requests from an attacker's namespace on the same switch
#goal 100 % of real clients established under the flood, cookies off and on
#goal answers to one forged source within its limit (burst + rate x time), cookies off and on
#
# Benchmark 6: the VIP under a forged-source flood.  The namespace lab
# (scripts/lab.sh: 3 nodes running ikelb-load with VRRP and load reports,
# each next to a strongSwan gateway) with the default answer limits; an
# attacker namespace on the lab's switch runs the kernel-side generator
# (bench/xdp_gen: BPF_PROG_RUN in live-frames mode, one thread, as fast as
# it goes) against the IPv4 VIP with forged source addresses (198.19.R.1
# and up for the flood of row R, inside the lab: every row's sources start
# with full buckets), its XDP sink counting the answers per address.
# While it runs, real strongSwan clients connect through the VIP.  Four
# floods: from one forged source and from 1000, each with `cookies = off`
# and `cookies = on` (set on every node by SIGHUP); the baseline is the
# same clients connecting to a quiet VIP.  Per flood: how many clients
# established their IKE SA with the gateway they were sent to (goal: all),
# how long they took against the baseline, and the answers each forged
# source got against its limit, burst_per_source + rate_per_source * time
# (goal: within it).
#
#   bench/flood.sh               quick: 20 clients per flood, 8 s floods
#   BENCH_FULL=1 bench/flood.sh  100 clients per flood, 20 s floods
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
. "$BENCH_TOP/tests/lib/strongswan.sh"
. "$BENCH_TOP/tests/lib/ikelb.sh"
. "$BENCH_TOP/scripts/lab.sh"
bench_need_root
GEN=$BENCH_BIN/xdp_gen
bench_need "$IKELB_LOAD" "$GEN" "$JG" "$BENCH_TOP/build/bpf/xdp_pass.bpf.o"
[ -x /usr/lib/ipsec/charon ] || bench_fail "strongSwan is not installed (scripts/deps.sh)"
CLIENTS=20 FLOOD_S=8
[ "$BENCH_FULL" = 1 ] && CLIENTS=100 FLOOD_S=20
# never full: the floods' REDIRECTs count as arrivals until the next report
LAB_MAX=1000000
LAB_CONNECT_TIMEOUT=30
LAB_EXTRA="cookies = off"
lab_init
bench_begin flood
lab_up || bench_fail "the lab did not come up: $(tail -n 5 "$LAB_DIR"/gw*/ikelb.log)"
M=$(lab_master) || bench_fail "no master"
MMAC=$(ip -n "$(lab_node_ns "$M")" -br link show e0 | awk '{ print $3 }')
ATT=$(lab_ns att) && lab_switch_host "$LAB_PREFIX-sw" patt "$ATT" a0 198.18.0.5 ||
	bench_fail "cannot wire the attacker"
lab_add_clients 1 $((5 * CLIENTS)) >/dev/null || bench_fail "cannot load the clients"
mj() { lab_status "$M" --json | "$JG" "$@"; }
RATE=$(mj limits/rate_per_source) BURST=$(mj limits/burst_per_source)

# cookies MODE: every node's [redirect] cookies, applied by SIGHUP
cookies() {
	local i n
	for ((i = 1; i <= LAB_N; i++)); do
		n=$(lab_status "$i" --json | "$JG" reloads)
		sed -i "s/^cookies = .*/cookies = $1/" "$(lab_node_conf "$i")"
		kill -HUP "${LAB_IKELB_PID[$i]}"
		lab_wait_for 5 eval '[ "$(lab_status "$i" --json | "$JG" reloads)" -gt "$n" ]' ||
			bench_fail "gw$i did not reload"
	done
	[ "$(mj cookies/state)" = "$1" ] || bench_fail "cookies did not turn $1"
}

# landed FIRST LAST: clients established with the gateway the VIP sent them to
landed() {
	local k n=0 host
	declare -A hosts
	while read -r k host; do hosts[$k]=$host; done < <(lab_client_hosts)
	for ((k = $1; k <= $2; k++)); do
		host=${hosts[c$k]:-}
		[ -n "$host" ] && [ "$host" = "$(lab_sent_to "$k")" ] && n=$((n + 1))
	done
	echo "$n"
}

# run NAME SOURCES COOKIES ROUND: one round of clients, under a flood from
# SOURCES forged addresses (0: no flood); prints a table row and sets
# SUCCESS, SECS (the clients' time), MAXANS, LIMIT
run() {
	local name=$1 sources=$2 ck=$3 r=$4 first last t0 red0 red1 val0 val1 sent gsecs pps gpid=
	first=$(((r - 1) * CLIENTS + 1)) last=$((r * CLIENTS))
	cookies "$ck"
	read -r red0 val0 < <(mj counters/redirected counters/cookie_valid | tr '\n' ' ')
	if [ "$sources" -gt 0 ]; then
		lab_spawn "$LAB_DIR/gen-$r.out" ip netns exec "$ATT" "$GEN" -i a0 -s "198.19.$((r * 16)).1" \
			-d "$LAB_VIP4" -M "$MMAC" -m answer -S "$sources" -P -t "$FLOOD_S" -T 1 -R 65536
		gpid=$LAB_PID
		sleep 0.5
	fi
	t0=$(date +%s.%N)
	lab_connect "$first" "$last" 8
	SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	if [ -n "$gpid" ]; then
		kill -0 "$gpid" 2>/dev/null || bench_fail "$name: the flood ended before the clients did ($SECS s); make FLOOD_S longer"
		wait "$gpid" 2>/dev/null
		lab_untrack "$gpid"
		grep -q '^sent' "$LAB_DIR/gen-$r.out" || bench_fail "$name: the generator failed: $(cat "$LAB_DIR/gen-$r.out")"
	fi
	read -r red1 val1 < <(mj counters/redirected counters/cookie_valid | tr '\n' ' ')
	SUCCESS=$(landed "$first" "$last")
	if [ -z "$gpid" ]; then
		MAXANS=- LIMIT=- pps=-
	else
		sent=$(awk '/^sent/ { print $2 }' "$LAB_DIR/gen-$r.out")
		gsecs=$(awk '/^sent/ { print $8 }' "$LAB_DIR/gen-$r.out")
		pps=$(awk -v n="$sent" -v s="$gsecs" 'BEGIN { printf "%.2f", n / s / 1e6 }')
		MAXANS=$(awk '/^answered_sources/ { print $4 }' "$LAB_DIR/gen-$r.out")
		LIMIT=$(awk -v b="$BURST" -v r="$RATE" -v s="$gsecs" 'BEGIN { printf "%d", b + r * s }')
	fi
	REDIRECTS=$((red1 - red0)) UNPROVEN=$((red1 - red0 - (val1 - val0)))
	printf '| %s | %s | %s | %d / %d | %s | %s | %s | %s | %d | %d |\n' "$name" "$ck" "$pps" \
		"$SUCCESS" "$CLIENTS" "$SECS" "$(bench_ratio "$SECS" "${BASE_SECS:-$SECS}")" \
		"$MAXANS" "$LIMIT" "$REDIRECTS" "$UNPROVEN" | bench_cat
}

bench_say "Real: 3 nodes of ikelb-load (VRRP, signed load reports, the XDP program native on"
bench_say "veth), strongSwan 5.9.8 gateways and clients that establish IKE SAs; the flood:"
bench_say "bench/xdp_gen (BPF_PROG_RUN, live frames), one thread sending as fast as it can"
bench_say "from an attacker namespace, every request a full strongSwan IKE_SA_INIT with its"
bench_say "own SPIi and nonce.  Machine: $(bench_machine); the generator, the program's"
bench_say "softirq, the daemons and the charons share it.  Default answer limits: ${RATE}/s,"
bench_say "burst $BURST per source.  $CLIENTS clients per row (8 at a time), each its own"
bench_say "connection from 198.18.0.100; each flood lasts $FLOOD_S s and begins 0.5 s before them."
bench_say ""
bench_say "| flood | cookies | generator Mpps | clients established | clients' time, s | x quiet | max answers to one forged source | its limit | REDIRECTs | of which without a valid cookie |"
bench_say "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
fails=0 over=0 worst=0 worst_limit=0 unproven=0
run "none (baseline)" 0 off 1
BASE_SECS=$SECS
[ "$SUCCESS" = "$CLIENTS" ] || fails=$((fails + 1))
r=2
for src in 1 1000; do
	for ck in off on; do
		run "$src forged source$([ "$src" = 1 ] || echo s)" "$src" "$ck" "$r"
		r=$((r + 1))
		[ "$SUCCESS" = "$CLIENTS" ] || fails=$((fails + 1))
		[ "$MAXANS" -le "$LIMIT" ] || over=$((over + 1))
		[ "$ck" = off ] || [ "$UNPROVEN" = 0 ] || unproven=$((unproven + 1))
		if awk -v a="$MAXANS" -v b="$LIMIT" -v w="$worst" -v wl="$worst_limit" \
			'BEGIN { exit !(wl == 0 || a / b > w / wl) }'; then
			worst=$MAXANS worst_limit=$LIMIT
		fi
	done
done
bench_say ""
bench_say "\"REDIRECTs\": the master's redirected counter over the row; \"without a valid"
bench_say "cookie\": less its cookie_valid counter.  With cookies off, all but the row's clients'"
bench_say "went to forged sources.  With cookies on a REDIRECT follows a valid cookie only, which"
bench_say "a forged source never receives (it gets COOKIE answers, 45 bytes of IKE each): it"
bench_say "never gets a REDIRECT and never counts as a client sent to a gateway.  A few more"
bench_say "REDIRECTs than clients: strongSwan 5.9.8 at times ignores the REDIRECT to its cookie"
bench_say "retry and retransmits the retry, which is answered again (docs/xdp.md \"Cookies\"),"
bench_say "and real clients retransmit under load.  \"Its limit\": burst_per_source +"
bench_say "rate_per_source x the generator's time (which overruns the flood's length by up to"
bench_say "one of its 65536-frame calls).  \"Clients' time\": from the first initiation to the"
bench_say "last IKE SA, 8 at a time."
bench_say ""
if [ "$unproven" = 0 ]; then
	bench_say "With cookies on, no REDIRECT went out without a valid cookie in any row."
else
	bench_say "With cookies on, $unproven rows show REDIRECTs without a valid cookie: see the table."
fi
bench_say ""
if [ "$fails" = 0 ]; then
	bench_goal "100 % of real clients established under the flood, cookies off and on" "met ($CLIENTS of $CLIENTS in every row)"
else
	bench_goal "100 % of real clients established under the flood, cookies off and on" "NOT met ($fails rows short, see the table)"
fi
if [ "$over" = 0 ]; then
	bench_goal "answers to one forged source within its limit (burst + rate x time), cookies off and on" "met (at most $worst against $worst_limit)"
else
	bench_goal "answers to one forged source within its limit (burst + rate x time), cookies off and on" "NOT met ($over rows over, see the table)"
fi
bench_end
