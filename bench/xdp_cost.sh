#!/bin/bash
# Benchmark 1: per-packet cost of the ikelb XDP program against the bare
# reflector, through BPF_PROG_RUN on strongSwan's IKE_SA_INIT (IPv4/IPv6,
# ports 500/4500), and the instruction count the verifier accepted.  How it
# measures, and why a plain large repeat count would be wrong: see the
# comment at the top of bench/xdp_cost.c.  Needs root (a veth pair in a
# namespace for the live-frames runs).
#
#   bench/xdp_cost.sh [xdp_cost options]   (BENCH_FULL=1: 5x the runs)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
BENCH_ARGS="$*"
bench_need_root
bench_need "$BENCH_BIN/xdp_cost"
lab_init

if [ "$BENCH_FULL" = 1 ]; then set -- -n 10000 -r 15 -L 500000 "$@"; fi
ns=$(lab_ns cost) || bench_fail "cannot make a namespace"
lab_veth "$ns" va "$ns" vb || bench_fail "cannot make a veth pair"

bench_begin xdp_cost "1. Per-packet cost (BPF_PROG_RUN, strongSwan IKE_SA_INIT)"
out=$(ip netns exec "$ns" "$BENCH_BIN/xdp_cost" -i va -p vb "$@") ||
	bench_fail "xdp_cost failed"
echo "$out" | bench_cat
bench_end
