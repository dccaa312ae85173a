#!/bin/bash
#title Steering: per-packet cost and frames per second (BPF_PROG_RUN)
# Per-packet cost of each steering path of the ikelb XDP program against the
# bare reflector, by bench/xdp_cost's methods (BPF_PROG_RUN of single
# frames; live frames out of a veth), and the frames per second one CPU
# steers.  How and why: the comment at the top of bench/steer_cost.c.
# Needs root (a veth pair in a namespace for the live-frames runs).
#
#   bench/steer_cost.sh [steer_cost options]   (BENCH_FULL=1: 5x the runs)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
BENCH_ARGS="$*"
bench_need_root
bench_need "$BENCH_BIN/steer_cost"
lab_init

if [ "$BENCH_FULL" = 1 ]; then set -- -n 10000 -r 15 -L 500000 "$@"; fi
ns=$(lab_ns steer) || bench_fail "cannot make a namespace"
lab_veth "$ns" va "$ns" vb || bench_fail "cannot make a veth pair"

bench_begin steer_cost
out=$(ip netns exec "$ns" "$BENCH_BIN/steer_cost" -i va -p vb "$@") ||
	bench_fail "steer_cost failed"
echo "$out" | bench_cat
bench_end
