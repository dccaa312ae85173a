#!/bin/bash
#title 2b. Answers per second of one server CPU (kernel-side generator, veth)
#real ikelb's XDP program (every check on, the per-source limit's path) and the reflector in the kernel, answering on a veth pair
#goal ikelb at least 0.67x the reflector's answers per second of server CPU
#
# Benchmark 2b: how many answers one CPU gives that does nothing but the
# server's path, ikelb's XDP program against the bare reflector, on
# strongSwan's IKE_SA_INIT (IPv4 and IPv6, ports 500 and 4500).  The server
# runs in BPF_PROG_RUN's live-frames loop on one CPU (a frame from the page
# pool, the program, XDP_TX onto the client's veth), saturated by
# construction: it never waits for a request.  The client end is the veth
# peer, its NAPI in a thread of its own (threaded NAPI) at a real-time
# priority on the same CPU: it checks every answer (a REDIRECT carrying the
# request's nonce, or the reflected request), writes a fresh request (a new
# SPIi) into the page and drops it, back to the server's pool, whenever
# the loop yields.  The figure is the loop's own CPU time (the thread's
# CLOCK_THREAD_CPUTIME_ID) per answer: the client's work runs in its own
# thread and is not counted, nor is other work on the machine.  How and why
# in detail: bench/xdp_cost.c, mode S.  Rounds alternate the programs; the
# ratio is reflector ns / ikelb ns of the medians.  ikelb runs with the
# answer limit per source on at a rate no run reaches (the daemon's default
# has it on), so every request takes the limit's path and is answered.
#
#   bench/server_cpu.sh   (BENCH_FULL=1: 15 rounds of 500000 frames, else 7 of 100000)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_need_root
bench_need "$BENCH_BIN/xdp_cost"
lab_init

ROUNDS=7 FRAMES=100000
[ "$BENCH_FULL" = 1 ] && ROUNDS=15 FRAMES=500000
CPU=$(($(nproc) - 1))
ns=$(lab_ns srv) || bench_fail "cannot make a namespace"
# unique names: the client end's NAPI thread is found by its name
lab_veth "$ns" "s$$" "$ns" "c$$" || bench_fail "cannot make a veth pair"
out=$(ip netns exec "$ns" "$BENCH_BIN/xdp_cost" -S -c "$CPU" -i "s$$" -p "c$$" -r "$ROUNDS" \
	-L "$FRAMES") || bench_fail "xdp_cost -S failed"
fig() { awk -v k="$1" '$1 == "figure" && $2 == k { printf "%.1f\n", $3 }' <<<"$out"; }

bench_begin server_cpu
grep -v '^figure ' <<<"$out" | bench_cat
bench_say ""
mr=$(fig server_reflector_v4_500) mi=$(fig server_ikelb_v4_500)
worst=
for v in v4_500 v4_4500 v6_500 v6_4500; do
	r=$(bench_ratio "$(fig "server_reflector_$v")" "$(fig "server_ikelb_$v")" 2)
	[ "$r" = n/a ] && { worst=n/a; break; }
	worst=$(awk -v a="$r" -v b="${worst:-99}" 'BEGIN { print (a < b) ? a : b }')
done
goal="ikelb at least 0.67x the reflector's answers per second of server CPU"
if ! bench_is_num "$mr" "$mi" "$worst"; then
	bench_goal "$goal" "FAILED (no figure)"
elif awk -v r="$worst" 'BEGIN { exit !(r >= 0.67) }'; then
	bench_goal "$goal" "met, worst ${worst}x" "IPv4 port 500: ikelb $mi ns of server CPU per answer, the reflector $mr ns."
else
	bench_goal "$goal" "NOT met, worst ${worst}x" \
		"What limits it: the program's own work. IPv4 port 500: ikelb $mi ns of server CPU per answer," \
		"the reflector $mr ns, of which the path around the program (a frame from the pool, the" \
		"transmit onto the client's ring) is the same for both; bench 1 (method A) has the" \
		"programs' own costs: the checksum over the request, the payload walk, the answer limit's" \
		"lookup and the answer."
fi
bench_end
