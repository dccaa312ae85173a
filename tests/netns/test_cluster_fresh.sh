#!/bin/bash
# A load report carries the tunnel count as of the report (the
# master counts the redirects it sends after a report on top of the count
# in it, so a count older than its report loses the clients redirected in
# between and a burst overshoots).  Two ikelb-load nodes of the lab
# (scripts/lab.sh), status every 1000 ms, tunnels from files; a clock
# writes "milliseconds since T0" into both files every 10 ms, so each report
# shows when its count was read.  Staleness = when the master got the report
# (now - report_age_ms in its status --json) - the count.  Reports must be
# fresh in any phase: also after a reload (SIGHUP) that happens just after
# a report, which restarts the tunnel reading at that moment.  A third node
# counts its real strongSwan gateway's IKE SAs over VICI: restarted, its
# first reports must say what it counts, not "unhealthy: not read yet".
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
e2e_require

# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=3 LAB_MAX="10000000 10000000 100" LAB_TUNNELS="file file vici" LAB_STATUS_MS=1000 \
	LAB_CLIENT_NO_CHARON=1
FRESH_MS=250 # the largest staleness accepted (network, polling and clock steps)
e2e_up
M=$(lab_master)
T0=${EPOCHREALTIME/./}
nowms() { local n=${EPOCHREALTIME/./}; echo $(((n - T0) / 1000)); }
for i in 1 2; do
	# shellcheck disable=SC2016
	lab_spawn "$LAB_DIR/clock$i.log" bash -c 'while :; do n=${EPOCHREALTIME/./}
		echo $(((n - $1) / 1000)) >"$2.t" && mv "$2.t" "$2"; sleep 0.01; done' \
		clock "$T0" "$(lab_node_tunnels_file $i)"
done

# reports NODE K: the next K reports of NODE as the master sees them; prints
# the staleness of each, sets WORST (ms), UNHEALTHY (states other than
# active seen) and AGE (of the last report when it was seen)
reports() {
	local node=$1 k=0 last="" j tn age st rcv now end=$((SECONDS + 2 * $2 + 5))
	WORST=0 UNHEALTHY=""
	while [ $k -lt "$2" ]; do
		if [ $SECONDS -ge $end ]; then
			diag "no new report of $node within $((2 * $2 + 5)) s"
			WORST=999999
			return 1
		fi
		j=$(lab_status "$M" --json)
		now=$(nowms)
		read -r tn age st < <("$JG" "targets/name=$node/tunnels" "targets/name=$node/report_age_ms" \
			"targets/name=$node/state" <<<"$j" | paste -sd' ')
		[ "$st" = active ] || UNHEALTHY+="$st "
		if [ -n "$last" ] && [ "$tn" != "$last" ]; then
			rcv=$((now - age))
			STALE+="$((rcv - tn)) "
			[ $((rcv - tn)) -gt "$WORST" ] && WORST=$((rcv - tn))
			k=$((k + 1))
			AGE=$age
		fi
		last=$tn
		sleep 0.02
	done
}

for n in gw1 gw2; do
	STALE=""
	reports $n 3
	diag "$n: staleness of 3 reports (ms): $STALE"
	check "$n's reports carry counts at most $FRESH_MS ms old (worst $WORST)" \
		test "$WORST" -le $FRESH_MS
done

# A reload just after gw2's report: its tunnel reading restarts now, about
# one interval before gw2's next report.
STALE=""
reports gw2 1
kill -HUP "${LAB_IKELB_PID[2]}"
diag "SIGHUP to gw2 $AGE ms after the master got its report"
STALE=""
reports gw2 4
diag "gw2 after the reload: staleness of 4 reports (ms): $STALE"
check "after a reload, gw2's reports carry counts at most $FRESH_MS ms old (worst $WORST)" \
	test "$WORST" -le $FRESH_MS
check "gw2 stayed active through the reload (${UNHEALTHY:-no other state seen})" test -z "$UNHEALTHY"

# Restarts of gw3 (VICI): the master hears each new boot at once; every
# state it shows for gw3 in the 1.5 s after must be active.  (Whether the
# first report goes out before the first reading is a race: three tries.)
states=""
for _ in 1 2 3; do
	lab_stop "${LAB_IKELB_PID[3]}"
	lab_start_ikelb 3
	ikelb_wait_ready "${LAB_IKELB_PID[3]}" "$(lab_node_conf 3)" || states+="not-ready "
	t0=$(nowms)
	while [ $(($(nowms) - t0)) -lt 1500 ]; do
		states+="$(lab_status "$M" --json | "$JG" targets/name=gw3/state targets/name=gw3/reason |
			paste -sd: | tr ' ' _) "
		sleep 0.05
	done
	states+="restart "
done
diag "gw3's states after 3 restarts: $(tr ' ' '\n' <<<"$states" | uniq -c | tr -s ' \n' ' ')"
# every sample (a missing gw3 is an empty one) must say active
samples=$(tr ' ' '\n' <<<"$states" | grep -v '^restart$' | grep .)
check "the restarted gw3 was active in every one of $(wc -l <<<"$samples") samples" \
	eval '[ -n "$samples" ] && ! grep -qv "^active:" <<<"$samples"'

tap_done
