#!/bin/bash
# Runs the benchmarks (`make bench`) and writes bench/results/latest.md: the
# date, the machine, the command, then every benchmark's table.  Each
# benchmark is a script of its own (bench/NAME.sh) that can also run alone.
#
#   bench/run.sh [--full] [NAME...]
#     --full   the long versions (more rounds; the 10-minute no-flapping run)
#     NAME     only these, e.g. xdp_cost failover
# A benchmark that fails is reported as failed in latest.md with its last
# lines of output; the others still run.  Exit status: 0 when all ran.
set -u
cd "$(dirname "$0")/.." || exit 1
ALL="xdp_cost redirect_rate xdp_gen balance failover footprint flood"
full=0 names=()
for a in "$@"; do
	case "$a" in
	--full) full=1 ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) names+=("$a") ;;
	esac
done
[ ${#names[@]} -gt 0 ] || read -r -a names <<<"$ALL"
export BENCH_FULL=$full
limit=$((full ? 3600 : 900))
cmd="bench/run.sh$([ $full = 1 ] && echo " --full")$([ $# -gt 0 ] && [ ${#names[@]} -lt 6 ] && printf ' %s' "${names[@]}")"
[ -n "${MAKELEVEL:-}" ] && [ $# -eq 0 ] && cmd="make bench"

out=bench/results
mkdir -p "$out" build/bench-logs
status=0 parts=()
for n in "${names[@]}"; do
	if [ ! -x "bench/$n.sh" ]; then
		echo "bench: no benchmark $n (bench/$n.sh)" >&2
		status=1
		continue
	fi
	echo "==== $n"
	start=$SECONDS
	# a bound on every benchmark: a runaway one must not hold up the rest.
	# --foreground: in timeout's own process group Ctrl-C would never reach
	# the benchmark, which then ran on unattended (its trap cleans up).
	if timeout --foreground --kill-after=30 "$limit" bash "bench/$n.sh" 2>&1 | tee "build/bench-logs/$n.log"; \
		[ "${PIPESTATUS[0]}" -eq 0 ]; then
		parts+=("$out/$n.txt")
	else
		status=1
		{
			echo "## $n: FAILED"
			echo
			echo '```'
			tail -n 15 "build/bench-logs/$n.log"
			echo '```'
		} >"$out/$n.failed"
		parts+=("$out/$n.failed")
	fi
	echo "==== $n: $((SECONDS - start)) s"
done

# summary FILE: a table row per "Goal: GOAL: VERDICT. more" line of a result
summary() {
	local title
	title=$(sed -n '1s/^## \([^(]*[^( ]\).*/\1/p' "$1")
	awk -v t="$title" 'index($0, "Goal: ") == 1 {
		rest = substr($0, 7); i = index(rest, ": ")
		goal = substr(rest, 1, i - 1); v = substr(rest, i + 2)
		j = index(v, ". "); if (j) v = substr(v, 1, j)
		printf "| %s | %s | %s |\n", t, goal, v }' "$1"
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
	echo "# ikelb benchmarks"
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Machine: $(nproc) CPUs ($cpu), kernel $(uname -r)"
	echo "- Command: \`$cmd\`$([ $full = 1 ] && echo " (full versions)" || echo " (quick versions; \`bench/run.sh --full\` for the long ones)")"
	echo "- Every figure is a ratio against a baseline measured in the same run on the"
	echo "  same machine; other work on the machine shows up as noise."
	echo
	echo "## Goals"
	echo
	echo "| benchmark | goal | result |"
	echo "|---|---|---|"
	for p in "${parts[@]}"; do
		summary "$p"
	done
	for p in "${parts[@]}"; do
		echo
		cat "$p"
	done
} >"$out/latest.md"
rm -f "$out"/*.failed
echo "bench: wrote $out/latest.md"
exit $status
