# Shared part of the end-to-end tests (tests/netns/test_e2e_*.sh): each file
# builds its own lab (scripts/lab.sh) with e2e_up and checks what real
# strongSwan clients and gateways see.  Source it (bash) first thing.
E2E_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$E2E_TOP/tests/lib/tap.sh"
. "$E2E_TOP/tests/lib/netns.sh"
. "$E2E_TOP/tests/lib/strongswan.sh"
. "$E2E_TOP/tests/lib/ikelb.sh"
. "$E2E_TOP/scripts/lab.sh"
E2E_START=$SECONDS

# e2e_require [--no-charon] [--bpftool] [TOOL...]: ikelb_require for the
# lab, with strongSwan unless --no-charon
e2e_require() {
	local charon=--charon a args=(--openssl) # the lab's cluster key
	for a in "$@"; do
		case "$a" in --no-charon) charon= ;; *) args+=("$a") ;; esac
	done
	ikelb_require $charon "${args[@]}"
}

# e2e_logs: the end of every log of the lab, as TAP diagnostics
e2e_logs() {
	local f
	for f in "$LAB_DIR"/gw*/ikelb.log "$LAB_DIR"/gw*/sw/charon.out "$LAB_DIR"/*/charon.out; do
		[ -s "$f" ] || continue
		diag "---- ${f#"$LAB_DIR"/}"
		tail -n 15 "$f" | sed 's/^/#   /'
	done
}

# e2e_up: the lab with a master elected, or a failed check and the end
e2e_up() {
	local t=$SECONDS
	lab_init
	if lab_up; then
		[ -n "${LAB_KEEP:-}" ] && diag "lab in $LAB_DIR (kept: LAB_KEEP)"
		ok "lab up: $LAB_N gateways, master gw$(lab_master) ($((SECONDS - t)) s)"
	else
		not_ok "lab up"
		e2e_logs
		tap_done
		exit 1
	fi
}

# e2e_done: the lab's logs if a check failed, the time the file took, the plan
e2e_done() {
	[ "$_tap_fail" -gt 0 ] && e2e_logs
	diag "took $((SECONDS - E2E_START)) s"
	tap_done
}

# mj N PATH...: values from node N's `status --json`
mj() {
	local n=$1
	shift
	lab_status "$n" --json | "$JG" "$@"
}

# e2e_counter N NAME: the XDP counter NAME of node N (summed over CPUs)
e2e_counter() { mj "$1" "counters/$2"; }

# e2e_redirects N GW: redirects node N's XDP sent to gateway GW (gw1, ...)
e2e_redirects() { mj "$1" "targets/name=$2/redirects"; }

# e2e_state N GW: GW's state in node N's table
e2e_state() { mj "$1" "targets/name=$2/state"; }

# e2e_reported N GW COUNT: node N's table shows GW with COUNT tunnels
e2e_reported() { [ "$(mj "$1" "targets/name=$2/tunnels")" = "$3" ]; }

# e2e_map_slots N: "FAMILY INDEX COUNT" lines: how many slots of node N's
# pinned slots map (the plan tables, IPv4 then IPv6: include/ikelb.h) name
# each target index, as bpftool reads the map
e2e_map_slots() {
	ikelb_in "${LAB_IKELB_PID[$1]}" bpftool -j map dump pinned "/sys/fs/bpf/ikelb/lab/slots" |
		grep -o '"formatted":{"key":[0-9]*,"value":{"target":[0-9]*' |
		awk -F'[:,{]+' '$3 < 2048 { n[($3 >= 1024 ? "ipv6" : "ipv4") " " $6]++ }
			END { for (k in n) print k, n[k] }'
}

# e2e_landing FIRST LAST: checks clients cFIRST..cLAST (of $LAB_CLIENT): each
# has an established IKE SA, the VIP redirected it (its charon log) to the address
# that SA has as remote host, and that gateway's charon holds an established
# IKE SA with the client's identity (a dead gateway's cannot be asked: the
# client's side must do).  Sets LANDED[N] (clients per node), LANDING_BAD,
# and SENT[N] (clients the VIP redirected to node N, landed or not).
declare -A LANDED SENT
e2e_landing() {
	local first=$1 last=$2 k i n host sent c ids=() hosts
	declare -A hosts
	for ((i = 1; i <= LAB_N; i++)); do
		LANDED[$i]=0 SENT[$i]=0
		if kill -0 "${LAB_CHARON_PID[$i]}" 2>/dev/null; then
			ids[$i]=" $(lab_gateway_ids "$i" | tr '\n' ' ') "
		else
			ids[$i]=dead
		fi
	done
	while read -r c host; do hosts[$c]=$host; done < <(lab_client_hosts)
	LANDING_BAD=0
	for ((k = first; k <= last; k++)); do
		host=${hosts[c$k]:-}
		sent=$(lab_sent_to "$k")
		n=$(lab_node_of "$sent")
		[ -n "$n" ] && SENT[$n]=$((SENT[$n] + 1))
		if [ -n "$host" ] && [ "$sent" = "$host" ] && [ -n "$n" ] &&
			{ [ "${ids[$n]}" = dead ] || [[ ${ids[$n]} == *" c$k.$LAB_CLIENT.ikelb.test "* ]]; }; then
			LANDED[$n]=$((LANDED[$n] + 1))
		else
			LANDING_BAD=$((LANDING_BAD + 1))
			diag "c$k: IKE SA with '$host', redirected to '$sent', gateway ${n:+gw$n}" \
				"${n:+holds: $([[ ${ids[$n]} == *" c$k.$LAB_CLIENT.ikelb.test "* ]] && echo yes || echo no)}"
			[ "$LANDING_BAD" -le 3 ] && lab_client_log "$k" | grep -v 'activating\|queueing' |
				tail -n 6 | sed 's/^/#   /'
		fi
	done
	return 0
}

# e2e_connect FIRST LAST [PARALLEL]: lab_connect; sets FAILED, and shows
# the log of the first failures as diagnostics
e2e_connect() {
	local k shown=0
	lab_connect "$@"
	FAILED=$?
	[ "$FAILED" = 0 ] && return 0
	for ((k = $1; k <= $2 && shown < 2; k++)); do
		grep -q 'initiate completed successfully' "$(LAB_CL_DIR)/init-c$k.log" 2>/dev/null && continue
		shown=$((shown + 1))
		diag "c$k ($LAB_CLIENT) failed:"
		lab_client_log "$k" | grep -v 'activating\|queueing' | tail -n 8 | sed 's/^/#   /'
	done
}

# e2e_check_held: a check per gateway: its strongSwan holds exactly the IKE
# SAs of the clients that landed there (LANDED, from e2e_landing)
e2e_check_held() {
	local i n
	for ((i = 1; i <= LAB_N; i++)); do
		n=$(lab_gateway_count "$i")
		check "gw$i's strongSwan holds exactly the $n IKE SAs of the clients that landed there" \
			test "$n" = "${LANDED[$i]}"
	done
}

# within VALUE EXPECTED TOLERANCE
within() { [ "$1" -ge $(($2 - $3)) ] && [ "$1" -le $(($2 + $3)) ]; }

# e2e_chi2 "O1 O2 O3" "E1 E2 E3": Pearson's chi-square of observed counts
# against expected ones.  Clients arriving faster than the refills land by
# the hash of their SPIi (a multinomial draw by the tables' shares); with
# three gateways (2 degrees of freedom) the right split stays below
# E2E_CHI2_MAX in 999 runs of 1000.
E2E_CHI2_MAX=13.8
e2e_chi2() {
	awk -v o="$1" -v e="$2" 'BEGIN {
		n = split(o, ov, " "); split(e, ev, " ")
		for (i = 1; i <= n; i++) x += (ov[i] - ev[i]) ^ 2 / ev[i]
		printf "%.1f", x
	}'
}
# e2e_chi2_ok X: X is below E2E_CHI2_MAX
e2e_chi2_ok() { awk -v x="$1" -v m="$E2E_CHI2_MAX" 'BEGIN { exit !(x < m) }'; }

# e2e_cookie_then_redirect K: client cK's log shows a COOKIE, then (later) a REDIRECT
e2e_cookie_then_redirect() {
	lab_client_log "$1" | awk '
		/parsed IKE_SA_INIT response 0 \[ N\(COOKIE\) \]/ && !c { c = NR }
		/redirected to / && !r { r = NR }
		END { exit !(c && r && c < r) }'
}
