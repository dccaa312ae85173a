#!/bin/bash
#title 2a. Redirects on the wire (socket generator, every server on a CPU of its own)
#real ikelb's XDP program, libreswan's pluto (--global-redirect) and the reflector answering real UDP datagrams on a veth pair; ike_gen checks every answer
#goal ikelb at least 10x pluto's answers per second of server CPU
#goal p99 at window 1 within 5 us of the reflector's (clean, complete runs)
#
# Benchmark 2a: redirects on the wire with the socket generator
# (tests/tools/ike_gen: sendmmsg/recvmmsg, a closed loop with a window of
# outstanding requests, every answer checked: a REDIRECT carrying the
# request's nonce, or with --reflect the request itself).  The VIP sits
# behind a direct veth pair (client namespace <-> server namespace); on the
# server end, in turn: ikelb's XDP program (tests/tools/xdp_loader, one
# target, every check on and the per-source limit's path at a rate no run
# reaches), libreswan's pluto with --global-redirect (bench/libreswan.sh),
# and the bare reflector.  Two set-ups, each on a veth pair of its own:
#
# Latency (window 1).  The veth as it comes: the server end's XDP runs in
# the softirq of the sender's transmit, the fastest path, so what a program
# adds to a request's round trip shows.  p50/p99 from ROUNDS runs each;
# a run that lost a request, got an invalid answer or where ike_gen failed
# is not clean, and without every run clean there is no figure.
#
# Server CPU (windows 1..256).  One generator thread cannot load an XDP
# server (it tops out near 200k-230k requests/s), so the rate says nothing
# about the server; what does is the CPU the server spends per answer.
# Both ends' NAPI run in threads of their own (threaded NAPI):
#   CPU 0: ike_gen and the client end's NAPI (its receive path);
#   CPU 1: the server's work alone: the server end's NAPI thread (the XDP
#          program, or for pluto the receive path up to its socket) and,
#          for pluto, every thread of pluto (taskset).
# Each run's server CPU time is the run time of those threads (schedstat),
# other work on the machine not counted; its inverse is the answers per
# second one CPU gives that does nothing but serve.  The 10x goal compares
# each server's least CPU per answer over its clean runs.  It includes the
# veth path's own cost per datagram, which the reflector (no work of its
# own) shows: the copy of each datagram into a page for XDP, its release
# against the sender's socket on the other CPU, waking the other end's
# thread.
#
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bench/libreswan.sh
. "$(dirname "$0")/libreswan.sh"
T=$BENCH_TOP/build/tests/tools
bench_need_root
bench_need "$T/ike_gen" "$T/xdp_loader" "$T/tx_csum_off" "$BENCH_TOP/build/bpf/reflector.bpf.o" \
	"$BENCH_TOP/build/bpf/xdp_pass.bpf.o"
lab_init
libreswan_fetch || bench_fail "cannot fetch libreswan (apt-get download libreswan)"

ROUNDS=1 SECS=2 LROUNDS=3
[ "$BENCH_FULL" = 1 ] && ROUNDS=3 SECS=5 LROUNDS=9
WINDOWS=${WINDOWS:-"1 4 16 64 256"}
NCPU=$(nproc)
[ "$NCPU" -ge 2 ] || bench_fail "needs 2 CPUs (one for the server alone)"
GCPU=0 SCPU=$((NCPU - 1))
VIP=198.18.0.1 CLIENT=198.18.0.100 TARGET=198.18.0.11
PASS=$BENCH_TOP/build/bpf/xdp_pass.bpf.o

# pair KEY: namespaces NS_C[KEY], NS_S[KEY] joined by veth IF_C[KEY] <->
# IF_S[KEY] (names unique on the machine: NAPI threads are found by name);
# the client end has XDP_PASS (XDP_TX frames from the server need it)
declare -A NS_C NS_S IF_C IF_S
pair() {
	local k=$1 c s
	c=$(lab_ns "${k}c") && s=$(lab_ns "${k}s") || bench_fail "cannot make namespaces"
	NS_C[$k]=$c NS_S[$k]=$s IF_C[$k]=c$k$$ IF_S[$k]=s$k$$
	lab_veth "$c" "${IF_C[$k]}" "$s" "${IF_S[$k]}" || bench_fail "cannot make a veth pair"
	ip -n "$c" addr add "$CLIENT/24" dev "${IF_C[$k]}"
	ip -n "$s" addr add "$VIP/24" dev "${IF_S[$k]}"
	ip -n "$c" neigh replace "$VIP" lladdr "$(ip -n "$s" -br link show "${IF_S[$k]}" | awk '{ print $3 }')" \
		dev "${IF_C[$k]}"
	ip -n "$c" link set dev "${IF_C[$k]}" xdpdrv obj "$PASS" sec xdp || bench_fail "cannot attach XDP_PASS"
}
pair L # latency: as it comes
pair T # server CPU: both ends threaded, the client's NAPI on the generator's CPU
bench_napi_threaded "${NS_C[T]}" "${IF_C[T]}" && bench_napi_pin "${IF_C[T]}" "$GCPU" >/dev/null ||
	bench_fail "cannot give ${IF_C[T]} a threaded NAPI on CPU $GCPU"
ip -n "${NS_S[T]}" link set dev "${IF_S[T]}" xdpdrv obj "$PASS" sec xdp &&
	bench_napi_threaded "${NS_S[T]}" "${IF_S[T]}" && ip -n "${NS_S[T]}" link set dev "${IF_S[T]}" xdpdrv off ||
	bench_fail "cannot make ${IF_S[T]}'s NAPI threaded"

# server KEY ikelb|libreswan|reflector / server_off KEY SERVER: what answers
# at the VIP of pair KEY; on pair T, SPIDS are the threads whose run time is
# the server's (its end's NAPI thread on the server's CPU; pluto's threads)
server() {
	local k=$1 ns=${NS_S[$1]} dev=${IF_S[$1]} napi
	case $2 in
	ikelb)
		lab_spawn "$LAB_DIR/loader.log" ip netns exec "$ns" "$T/xdp_loader" -i "$dev" -4 "$VIP" \
			-t "$TARGET" -s 1000000000/1000000000
		SPID=$LAB_PID
		lab_wait_for 10 grep -q '^ready' "$LAB_DIR/loader.log" || bench_fail "xdp_loader did not start"
		;;
	libreswan)
		# on pair T, XDP_PASS: the receive path then runs in the NAPI thread
		if [ "$k" = T ]; then
			ip -n "$ns" link set dev "$dev" xdpdrv obj "$PASS" sec xdp || bench_fail "cannot attach XDP_PASS"
		fi
		LS_CPU=$([ "$k" = T ] && echo "$SCPU") libreswan_start "$ns" "$TARGET" ||
			bench_fail "pluto did not start: $(cat "$LAB_DIR/pluto/pluto.out")"
		SPID=$LS_PID
		;;
	reflector)
		ip -n "$ns" link set dev "$dev" xdpdrv obj "$BENCH_TOP/build/bpf/reflector.bpf.o" sec xdp ||
			bench_fail "cannot attach the reflector"
		SPID=
		;;
	esac
	SPIDS=
	if [ "$k" = T ]; then
		napi=$(bench_napi_pin "$dev" "$SCPU") || bench_fail "no NAPI thread of $dev to pin"
		SPIDS="$napi${SPID:+ $SPID}"
	fi
}
server_off() {
	[ -z "$SPID" ] || lab_stop "$SPID"
	[ "$2" = ikelb ] || ip -n "${NS_S[$1]}" link set dev "${IF_S[$1]}" xdpdrv off
}

kv() { sed -n "s/^$2=//p" "$1"; }

# gen KEY SERVER WINDOW ROUND [NOTE]: one run on pair KEY; ike_gen's output,
# its exit status (rc=) and the server's CPU time (server_ns=, pair T) in
# $LAB_DIR/KEY-SERVER-WINDOW-ROUND
gen() {
	local k=$1 s=$2 w=$3 f=$LAB_DIR/$1-$2-$3-$4 refl='' note=${5:-} c0=0 c1=0 rc cpu=''
	[ "$s" = reflector ] && refl=--reflect
	[ "$k" = T ] && cpu="taskset -c $GCPU"
	# shellcheck disable=SC2086
	[ -z "$SPIDS" ] || c0=$(bench_cpu_ns $SPIDS)
	# shellcheck disable=SC2086
	$cpu ip netns exec "${NS_C[$k]}" "$T/ike_gen" -q $refl -w "$w" -d "$SECS" -t 500 "$VIP" >"$f" 2>&1
	rc=$?
	# shellcheck disable=SC2086
	[ -z "$SPIDS" ] || c1=$(bench_cpu_ns $SPIDS)
	echo "rc=$rc" >>"$f"
	line="$(kv "$f" rate | cut -d. -f1)/s valid $(kv "$f" valid) invalid $(kv "$f" invalid) lost $(kv "$f" lost) exit $rc; p50 $(kv "$f" lat_p50_us) us p99 $(kv "$f" lat_p99_us) us"
	if [ "$k" = T ]; then
		echo "server_ns=$((c1 - c0))" >>"$f"
		line+="; server CPU $(awk -v c="$((c1 - c0))" -v n="$(kv "$f" valid)" 'BEGIN { if (n > 0) printf "%.0f", c / n; else print "-" }') ns per answer ($(awk -v c="$((c1 - c0))" -v t="$(kv "$f" elapsed_s)" 'BEGIN { if (t > 0) printf "%.0f", c / t / 1e7; else print "-" }') % busy)"
	fi
	echo "  $s window $w$note: $line" >>"$LAB_DIR/runs-$k.log"
}

SERVERS="reflector ikelb libreswan"
for s in $SERVERS; do # latency: rounds alternate inside each server's runs
	server L "$s"
	gen L "$s" 1 warm " (warm-up)"
	for ((r = 1; r <= LROUNDS; r++)); do gen L "$s" 1 "$r"; done
	server_off L "$s"
done
for ((r = 1; r <= ROUNDS; r++)); do
	for s in $SERVERS; do
		server T "$s"
		gen T "$s" 1 warm " (warm-up)"
		for w in $WINDOWS; do gen T "$s" "$w" "$r"; done
		server_off T "$s"
	done
done

# clean KEY SERVER WINDOW N: all N rounds of it ran clean (ike_gen exit 0:
# every request got its valid answer; and the figures are there)
clean() {
	local r f
	for ((r = 1; r <= $4; r++)); do
		f=$LAB_DIR/$1-$2-$3-$r
		[ -f "$f" ] && [ "$(kv "$f" rc)" = 0 ] && [ "$(kv "$f" lost)" = 0 ] &&
			[ "$(kv "$f" invalid)" = 0 ] && [ "$(kv "$f" valid)" -gt 0 ] &&
			bench_is_num "$(kv "$f" rate)" "$(kv "$f" lat_p99_us)" || return 1
	done
}
# fig KEY SERVER WINDOW N FIELD: median over N rounds
fig() {
	local r
	for ((r = 1; r <= $4; r++)); do kv "$LAB_DIR/$1-$2-$3-$r" "$5"; done | median
}
per_answer() { # SERVER WINDOW: median server ns per answer on pair T
	local r f
	for ((r = 1; r <= ROUNDS; r++)); do
		f=$LAB_DIR/T-$1-$2-$r
		awk -v c="$(kv "$f" server_ns)" -v n="$(kv "$f" valid)" 'BEGIN { if (n > 0) printf "%.1f\n", c / n }'
	done | median
}
declare -A RATE1 P50 P99 BEST BW NSPER NSW
for s in $SERVERS; do
	if clean L "$s" 1 "$LROUNDS"; then
		RATE1[$s]=$(fig L "$s" 1 "$LROUNDS" rate) P50[$s]=$(fig L "$s" 1 "$LROUNDS" lat_p50_us)
		P99[$s]=$(fig L "$s" 1 "$LROUNDS" lat_p99_us)
	fi
	BEST[$s]=0 BW[$s]=none NSW[$s]=none
	for w in $WINDOWS; do
		clean T "$s" "$w" "$ROUNDS" || continue
		rt=$(fig T "$s" "$w" "$ROUNDS" rate)
		if awk -v a="$rt" -v b="${BEST[$s]}" 'BEGIN { exit !(a > b) }'; then
			BEST[$s]=$rt BW[$s]=$w
		fi
		n=$(per_answer "$s" "$w")
		if [ -n "$n" ] && { [ -z "${NSPER[$s]:-}" ] ||
			awk -v a="$n" -v b="${NSPER[$s]}" 'BEGIN { exit !(a < b) }'; }; then
			NSPER[$s]=$n NSW[$s]=$w
		fi
	done
done

cap() { [ -n "${1:-}" ] && awk -v n="$1" 'BEGIN { printf "%.0f", 1e9 / n }'; }
bench_begin redirect_rate
bench_say "ike_gen to the VIP behind a direct veth pair; strongSwan-sized IKE_SA_INIT (892 bytes), every"
bench_say "answer checked; libreswan $(libreswan_version) (pluto --global-redirect yes, --logfile /dev/null)."
bench_say "A figure only from clean runs (no loss, no invalid answer, ike_gen exit 0)."
bench_say ""
bench_say "Latency at window 1 ($LROUNDS runs of $SECS s each, median; the server end's XDP in the sender's softirq):"
bench_say ""
bench_say "| server | answers/s | p50 us | p99 us |"
bench_say "|---|---:|---:|---:|"
for s in $SERVERS; do
	bench_say "| $s | $([ -n "${RATE1[$s]:-}" ] && printf %.0f "${RATE1[$s]}" || echo "no clean run") | ${P50[$s]:--} | ${P99[$s]:--} |"
done
bench_say ""
bench_say "Server CPU (windows $WINDOWS; $ROUNDS round(s) of $SECS s, median; ike_gen on CPU $GCPU, the server's"
bench_say "work alone on CPU $SCPU):"
bench_say ""
bench_say "| server | best window (clean) | answers/s | least server CPU per answer, ns (window) | answers per second of one server CPU |"
bench_say "|---|---:|---:|---:|---:|"
for s in $SERVERS; do
	bench_say "| $s | ${BW[$s]} | $(printf %.0f "${BEST[$s]}") | ${NSPER[$s]:--} (${NSW[$s]}) | $(cap "${NSPER[$s]:-}") |"
done
bench_say ""
bench_say "Server CPU per answer: the run time of the server's threads (the server end's NAPI thread;"
bench_say "pluto's threads) over the valid answers. The rates are what one generator thread gets: it,"
bench_say "not the XDP servers, is their limit."
bench_say ""
bench_say "Runs, latency set-up:"
bench_cat <"$LAB_DIR/runs-L.log"
bench_say ""
bench_say "Runs, server CPU set-up:"
bench_cat <"$LAB_DIR/runs-T.log"
bench_say ""

g1="ikelb at least 10x pluto's answers per second of server CPU"
if [ -z "${NSPER[ikelb]:-}" ] || [ -z "${NSPER[libreswan]:-}" ]; then
	bench_goal "$g1" "FAILED (no clean run of $([ -z "${NSPER[ikelb]:-}" ] && echo ikelb || echo pluto))"
else
	r=$(bench_ratio "${NSPER[libreswan]}" "${NSPER[ikelb]}" 1)
	if awk -v r="$r" 'BEGIN { exit !(r >= 10) }'; then
		bench_goal "$g1" "met, ${r}x" "ikelb ${NSPER[ikelb]} ns of server CPU per answer, pluto ${NSPER[libreswan]} ns."
	else
		bench_goal "$g1" "NOT met, ${r}x" "ikelb ${NSPER[ikelb]} ns of server CPU per answer, pluto ${NSPER[libreswan]} ns." \
			"What limits it: the veth path's cost per datagram on the server's CPU, which the reflector" \
			"(no work of its own) shows: ${NSPER[reflector]:-?} ns per answer here (the copy of each datagram" \
			"into a page for XDP, its release against the sender's socket on the other CPU, waking the" \
			"other end's thread: cross-CPU work that is dear in a VM); the programs' own costs are" \
			"bench 1 and 2b."
	fi
fi
g2="p99 at window 1 within 5 us of the reflector's (clean, complete runs)"
if [ -z "${P99[ikelb]:-}" ] || [ -z "${P99[reflector]:-}" ]; then
	bench_goal "$g2" "FAILED (a window-1 run of $([ -z "${P99[ikelb]:-}" ] && echo ikelb || echo the reflector) was not clean)"
else
	d99=$(awk -v a="${P99[ikelb]}" -v b="${P99[reflector]}" 'BEGIN { printf "%.1f", a - b }')
	v=$(awk -v d="$d99" 'BEGIN { print (d <= 5) ? "met" : "NOT met" }')
	bench_goal "$g2" "$v ($(awk -v d="$d99" 'BEGIN { printf "%s us %s", (d < 0) ? -d : d, (d < 0) ? "less" : "more" }'))" "ikelb ${P99[ikelb]} us, reflector ${P99[reflector]} us."
fi
bench_end
