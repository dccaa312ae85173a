#!/bin/bash
#title 3. Balance under bursts (4 gateways, max tunnels 1:1:2:4, both policies in the real lab)
#real four ikelb-load nodes exchanging signed load reports, the XDP program redirecting ike_gen's requests, tunnels from files the clients' arrivals update; a smaller run with real strongSwan gateways and clients checks that stand-in
#goal at most 2 points from equal utilisation at the end (ikelb's policy)
#goal at most 10 points from equal utilisation at any moment (ikelb's policy)
#
# Benchmark 3: balance under bursts, ikelb's policy against the classic one,
# both run by ikelb-load in the same lab on the same signed load reports:
# [redirect] policy = least-utilization (ikelb's: water-filling on each
# gateway's last report plus the redirects sent to it since) and
# fewest-reported-tunnels (every new client to the gateway with the fewest
# tunnels in its last report).  Bursts alternate between the two, each in
# a fresh lab (scripts/lab.sh): 4 ikelb-load nodes, max_tunnels
# 2000:2000:4000:8000 (1:1:2:4), status every 1 s, tunnels = file:.
# ike_gen sends N clients' IKE_SA_INIT at RATE/s from the client namespace
# and checks every answer; a client redirected to a gateway "arrives" there
# DELAY_MS later (--count-delay-ms: the client's IKE_SA_INIT and IKE_AUTH
# with the gateway before the tunnel is up and counted), when ike_gen adds
# it to that gateway's file, which the gateway's next report reads.
#
# Deviation: the largest |u_i - u*| over the gateways, in percentage points,
# u_i = tunnels_i / max_i, u* = sum tunnels / sum max (equal utilisation at
# that moment).  Computed exactly from ike_gen's log of every redirect
# (--log: when, to which gateway): the tunnels change only when a client
# arrives, so the deviation after every arrival is the deviation at every
# moment.  No per-packet cost is added to the program: the log is the
# client's.
#
# The stand-in checked: REAL_CLIENTS real strongSwan clients (one charon in
# the client namespace) connect at REAL_RATE/s to real strongSwan gateways
# counted over VICI (tunnels = vici, max_tunnels REAL_MAX), once per policy;
# the deviation comes from the client's charon log (every IKE SA's
# "established" line: when, with which gateway), and the same burst runs on
# the file stand-in with the set-up delay those clients took (median).
#
#   bench/balance.sh   quick: 10,000 clients at 1000/s, 1 burst per policy;
#                      BENCH_FULL=1: also at 5000/s, 3 bursts per policy
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
. "$BENCH_TOP/tests/lib/strongswan.sh"
. "$BENCH_TOP/tests/lib/ikelb.sh"
# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=4 LAB_PRIO="200 150 100 90"
# shellcheck source=scripts/lab.sh
. "$BENCH_TOP/scripts/lab.sh"
GEN=$BENCH_TOP/build/tests/tools/ike_gen
bench_need_root
bench_need "$IKELB_LOAD" "$GEN"
N=${BALANCE_CLIENTS:-10000}
DELAY_MS=${DELAY_MS:-200}
RATES="1000" ROUNDS=1
[ "$BENCH_FULL" = 1 ] && RATES="1000 5000" ROUNDS=3
MAX="2000 2000 4000 8000"
REAL_CLIENTS=${REAL_CLIENTS:-200} REAL_RATE=${REAL_RATE:-20} REAL_MAX="100 100 200 400"
[ "$BENCH_FULL" = 1 ] && REAL_CLIENTS=${REAL_CLIENTS_FULL:-400}
POLICIES="least-utilization fewest-reported-tunnels"
lab_init

# deviation MAXES < EVENTS: EVENTS are "SECONDS GWNAME" lines (gwN), one per
# arrival, in time order; prints "FINAL MAX MAX_AT_S TUNNELS SERIES" with
# TUNNELS as a/b/c/d and SERIES the largest deviation within each second
deviation() {
	awk -v m="$1" 'BEGIN { n = split(m, mx, " "); for (k = 1; k <= n; k++) sm += mx[k] }
		function dev(   k, st, d, x) {
			st = 0; for (k = 1; k <= n; k++) st += t[k]
			d = 0; for (k = 1; k <= n; k++) { x = t[k] / mx[k] - st / sm; if (x < 0) x = -x; if (x > d) d = x }
			return 100 * d }
		{ g = substr($2, 3) + 0; if (g < 1 || g > n) next
		  t[g]++; d = dev(); s = int($1)
		  if (d > best) { best = d; at = $1 }
		  if (!(s in sec) || d > sec[s]) sec[s] = d; if (s > last) last = s }
		END { if (NR == 0) { print "- - - - -"; exit }
		      ser = ""; for (k = 0; k <= last; k++) ser = ser (k ? "," : "") ((k in sec) ? sprintf("%.1f", sec[k]) : "-")
		      tu = ""; for (k = 1; k <= n; k++) tu = tu (k > 1 ? "/" : "") (t[k] + 0)
		      printf "%.2f %.2f %.1f %s %s\n", dev(), best, at, tu, ser }'
}

names=()
for i in 1 2 3 4; do
	names+=(--count-name "$(lab_node_ip "$i")=gw$i" --count-name "$(lab_node_ip6 "$i")=gw$i")
done

# lab_down: stop everything a lab started (the next burst needs a fresh one)
lab_down() {
	local p ns
	for p in "${LAB_IKELB_PID[@]}" "${LAB_CHARON_PID[@]}"; do lab_stop "$p"; done
	LAB_IKELB_PID=() LAB_CHARON_PID=()
	for ns in $(ip netns list | awk -v p="$LAB_PREFIX-" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$ns"
	done
	rm -rf "$LAB_DIR/tunnels" "$LAB_DIR"/gw* "$LAB_DIR/cl"
}

# burst POLICY RATE CLIENTS DELAY_MS TAG: the file stand-in; sets RESULT
# (deviation's output) and GENLINE
burst() {
	local policy=$1 rate=$2 n=$3 delay=$4 g=$LAB_DIR/gen-$5 log=$LAB_DIR/log-$5
	LAB_EXTRA="policy = $policy
cookies = off" LAB_TUNNELS="file file file file" LAB_MAX=$MAX LAB_STATUS_MS=1000 \
		LAB_CLIENT_NO_CHARON=1
	lab_up || bench_fail "the lab did not come up: $(tail -n 3 "$LAB_DIR"/gw*/ikelb.log)"
	sleep 2 # every node's first report in the master's table
	ip netns exec "$(lab_client_ns)" "$GEN" -q -n "$n" -r "$rate" -t 2000 --count-dir "$LAB_DIR/tunnels" \
		--count-delay-ms "$delay" --log "$log" "${names[@]}" "$LAB_VIP4" >"$g" 2>&1
	GENLINE=$(grep -E '^(valid|invalid|lost|rate|rate_lag_max_ms)=' "$g" | tr '\n' ' ')
	[ "$(sed -n 's/^valid=//p' "$g")" = "$n" ] ||
		bench_fail "$policy: not every request got a valid REDIRECT: ${GENLINE:-$(tail -n 3 "$g")}" \
			"(master's log: $(tail -n 3 "$LAB_DIR/gw$(lab_master || echo 1)/ikelb.log" | tr '\n' ' '))"
	RESULT=$(awk -v d="$delay" '{ printf "%.6f %s\n", $1 / 1e9 + d / 1000, $2 }' "$log" | deviation "$MAX")
	lab_down
}

# real POLICY TAG: real strongSwan gateways and clients; sets RESULT,
# REAL_DELAY_MS (median redirect -> established), REAL_RATE_GOT, REAL_OK
real() {
	local policy=$1 tag=$2 k t0 pids=() est=$LAB_DIR/est-$2 dir
	LAB_EXTRA="policy = $policy" LAB_TUNNELS=vici LAB_MAX=$REAL_MAX LAB_STATUS_MS=1000 \
		LAB_CLIENT_NO_CHARON=
	lab_up || bench_fail "the lab did not come up: $(tail -n 3 "$LAB_DIR"/gw*/ikelb.log)"
	lab_add_clients 1 "$REAL_CLIENTS" >/dev/null || bench_fail "cannot load the clients' connections"
	sleep 2
	dir=$(LAB_CL_DIR)
	t0=$(date +%s%N)
	for ((k = 1; k <= REAL_CLIENTS; k++)); do
		# on schedule: client k at (k - 1) / REAL_RATE s
		while [ $(($(date +%s%N) - t0)) -lt $(((k - 1) * 1000000000 / REAL_RATE)) ]; do sleep 0.002; done
		sw_ctl "$(lab_client_ns)" "$dir" --initiate --ike "c$k" --timeout 30 >/dev/null 2>&1 &
		pids+=($!)
		lab_track $!
	done
	REAL_OK=0
	for k in "${pids[@]}"; do
		wait "$k" && REAL_OK=$((REAL_OK + 1))
		lab_untrack "$k"
	done
	REAL_RATE_GOT=$(awk -v n="$REAL_CLIENTS" -v t="$(($(date +%s%N) - t0))" 'BEGIN { printf "%.0f", n / (t / 1e9) }')
	# every IKE SA established with a gateway, by the client's log: "TIME SEQ gwN"
	# (HH:MM:SS.mmm of the day; a day's wrap is taken as such)
	grep -E "IKE_SA c[0-9]+\[[0-9]+\] established between" "$dir/charon.log" |
		sed -n 's/^\([0-9:.]*\) .*<\(c[0-9]*\)|.*\.\.\.\(198\.18\.0\.1[0-9]\)\[.*/\1 \2 \3/p' >"$est.raw"
	grep -E "> redirected to " "$dir/charon.log" |
		sed -n 's/^\([0-9:.]*\) .*<\(c[0-9]*\)|.*> redirected to \([^ ]*\)$/\1 \2 \3/p' >"$est.redir"
	tosec='{ split($1, h, ":"); s = h[1] * 3600 + h[2] * 60 + h[3]; if (NR == 1) b = s; if (s < b) s += 86400 }'
	awk "$tosec"' { print s - b, $2, $3 }' "$est.raw" >"$est.sec"
	while read -r s c a; do
		echo "$s gw$(lab_node_of "$a")"
	done <"$est.sec" >"$est"
	RESULT=$(deviation "$REAL_MAX" <"$est")
	# set-up delay: each client's first redirect to its first IKE SA with a gateway
	REAL_DELAY_MS=$(awk "$tosec"' FNR == NR { if (!($2 in r)) r[$2] = s; next }
		($2 in r) && !($2 in e) { e[$2] = s; printf "%.0f\n", 1000 * (s - r[$2]) }' \
		"$est.redir" "$est.raw" | median)
	lab_down
}

declare -A R
verdict_end="met" verdict_any="met" worst_end=0 worst_any=0 missing=
for rate in $RATES; do
	for ((r = 1; r <= ROUNDS; r++)); do
		for p in $POLICIES; do
			burst "$p" "$rate" "$N" "$DELAY_MS" "$p-$rate-$r"
			R[$p,$rate,$r]=$RESULT
			echo "  $p, $rate/s, burst $r: $GENLINE" >>"$LAB_DIR/runs.log"
			[ "$p" = least-utilization ] || continue
			read -r fin mx _ <<<"$RESULT"
			if ! bench_is_num "$fin" "$mx"; then missing+=" $rate/s#$r"; continue; fi
			awk -v a="$fin" -v b="$worst_end" 'BEGIN { exit !(a > b) }' && worst_end=$fin
			awk -v a="$mx" -v b="$worst_any" 'BEGIN { exit !(a > b) }' && worst_any=$mx
		done
	done
done
awk -v a="$worst_end" 'BEGIN { exit !(a > 2) }' && verdict_end="NOT met"
awk -v a="$worst_any" 'BEGIN { exit !(a > 10) }' && verdict_any="NOT met"

# the stand-in checked against real strongSwan, per policy
declare -A RR RD RG RO RS
for p in $POLICIES; do
	real "$p" "real-$p"
	RR[$p]=$RESULT RD[$p]=$REAL_DELAY_MS RG[$p]=$REAL_RATE_GOT RO[$p]=$REAL_OK
	MAX_SAVED=$MAX MAX=$REAL_MAX
	burst "$p" "${RG[$p]}" "$REAL_CLIENTS" "${RD[$p]:-0}" "standin-$p"
	MAX=$MAX_SAVED
	RS[$p]=$RESULT
	echo "  $p, stand-in of the real run ($REAL_CLIENTS clients at ${RG[$p]}/s, delay ${RD[$p]} ms): $GENLINE" >>"$LAB_DIR/runs.log"
done

row() { # LABEL HOW RESULT
	local fin mx at tu
	read -r fin mx at tu _ <<<"$3"
	echo "| $1 | $2 | $fin | $mx ($at s) | $tu |"
}
bench_begin balance
bench_say "Lab: 4 ikelb-load nodes, max_tunnels $(tr ' ' ':' <<<"$MAX"), status every 1 s, tunnels from files;"
bench_say "$N clients per burst; each client counts at its gateway $DELAY_MS ms after its REDIRECT (its"
bench_say "IKE_SA_INIT and IKE_AUTH there); both policies run by ikelb-load, bursts alternating. Deviation"
bench_say "from equal utilisation in percentage points, exact: after every arrival, from ike_gen's log."
bench_say ""
bench_say "| clients/s, burst | policy | deviation at the end | largest deviation (when) | end tunnels |"
bench_say "|---|---|---:|---:|---|"
for rate in $RATES; do
	for ((r = 1; r <= ROUNDS; r++)); do
		for p in $POLICIES; do
			label=$([ "$p" = least-utilization ] && echo "ikelb's (least-utilization)" || echo "classic (fewest-reported-tunnels)")
			bench_say "$(row "$rate, $r" "$label" "${R[$p,$rate,$r]}")"
		done
	done
done
bench_say ""
bench_say "Largest deviation within each second (points):"
bench_say ""
for rate in $RATES; do
	for p in $POLICIES; do
		bench_say "- $rate/s, $p, burst 1: $(awk '{ print $5 }' <<<"${R[$p,$rate,1]}")"
	done
done
bench_say ""
bench_say "The file stand-in checked: $REAL_CLIENTS real strongSwan clients (one charon) to 4 real strongSwan"
bench_say "gateways (tunnels = vici), max_tunnels $(tr ' ' ':' <<<"$REAL_MAX"), deviation from the client's log of every"
bench_say "IKE SA established; beside it, the stand-in with the same clients, rate and set-up delay."
bench_say ""
bench_say "| policy | run | clients/s | set-up delay, ms (median) | deviation at the end | largest deviation (when) | end tunnels |"
bench_say "|---|---|---:|---:|---:|---:|---|"
for p in $POLICIES; do
	read -r fin mx at tu _ <<<"${RR[$p]}"
	bench_say "| $p | real strongSwan (${RO[$p]} of $REAL_CLIENTS up) | ${RG[$p]} | ${RD[$p]:--} | $fin | $mx ($at s) | $tu |"
	read -r fin mx at tu _ <<<"${RS[$p]}"
	bench_say "| $p | file stand-in | ${RG[$p]} | ${RD[$p]:--} | $fin | $mx ($at s) | $tu |"
done
bench_say ""
bench_say "Runs:"
bench_cat <"$LAB_DIR/runs.log"
bench_say ""
g1="at most 2 points from equal utilisation at the end (ikelb's policy)"
g2="at most 10 points from equal utilisation at any moment (ikelb's policy)"
if [ -n "$missing" ]; then
	bench_goal "$g1" "FAILED (no figure:$missing)"
	bench_goal "$g2" "FAILED (no figure:$missing)"
else
	cl_end=$(for rate in $RATES; do for ((r = 1; r <= ROUNDS; r++)); do awk '{ print $1 }' <<<"${R[fewest-reported-tunnels,$rate,$r]}"; done; done | sort -g | tail -n 1)
	cl_any=$(for rate in $RATES; do for ((r = 1; r <= ROUNDS; r++)); do awk '{ print $2 }' <<<"${R[fewest-reported-tunnels,$rate,$r]}"; done; done | sort -g | tail -n 1)
	bench_goal "$g1" "$verdict_end, worst $worst_end" "The classic policy, measured in the same lab: worst $cl_end."
	bench_goal "$g2" "$verdict_any, worst $worst_any" "The classic policy, measured in the same lab: worst $cl_any."
fi
bench_end
