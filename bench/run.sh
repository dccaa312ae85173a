#!/bin/bash
# Runs the benchmarks (`make bench`) and writes bench/results/latest.md: the
# date, the machine, the command, the goals table, then every benchmark's
# own table.  Each benchmark is a script of its own (bench/NAME.sh) that can
# also run alone.
#
#   bench/run.sh [--full] [--note TEXT] [NAME...]
#     --full       the long versions (more rounds and trials; 10-minute runs)
#     --note TEXT  a line for the header, e.g. "the machine was shared"
#     NAME         only these, e.g. xdp_cost failover
#
# Every goal a benchmark declares (its "#goal" lines) is a row of the goals
# table.  Its result is the benchmark's "Goal: GOAL: VERDICT." line; a
# benchmark that failed, or a goal without such a line, is a FAILED row: a
# missing figure never passes.  When every benchmark ran (no NAME), the
# table also replaces the one between the markers in README.md.
# Exit status: 0 when every benchmark ran and every goal got a verdict
# (met or not met); 1 otherwise.
set -u
cd "$(dirname "$0")/.." || exit 1
ALL="xdp_cost redirect_rate server_cpu balance failover footprint flood"
full=0 note='' names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--full) full=1 ;;
	--note) note=${2:?--note needs a text}; shift ;;
	-h | --help) sed -n '2,19p' "$0"; exit 0 ;;
	*) names+=("$1") ;;
	esac
	shift
done
subset=1
[ ${#names[@]} -gt 0 ] || { read -r -a names <<<"$ALL"; subset=0; }
export BENCH_FULL=$full
limit=$((full ? 7200 : 1800))
cmd="bench/run.sh$([ $full = 1 ] && echo " --full")$([ $subset = 1 ] && printf ' %s' "${names[@]}")"
[ -n "${MAKELEVEL:-}" ] && [ $subset = 0 ] && [ $full = 0 ] && cmd="make bench"

out=bench/results
mkdir -p "$out" build/bench-logs
status=0 ran=() failed=()
for n in "${names[@]}"; do
	if [ ! -f "bench/$n.sh" ]; then
		echo "bench: no benchmark $n (bench/$n.sh)" >&2
		exit 2
	fi
	echo "==== $n"
	start=$SECONDS
	rm -f "$out/$n.txt"
	# a bound on every benchmark: a runaway one must not hold up the rest.
	# --foreground: in timeout's own process group Ctrl-C would never reach
	# the benchmark, which then ran on unattended (its trap cleans up).
	timeout --foreground --kill-after=30 "$limit" bash "bench/$n.sh" 2>&1 |
		tee "build/bench-logs/$n.log"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ] && [ -s "$out/$n.txt" ]; then
		ran+=("$n")
	else
		status=1
		failed+=("$n")
		why=$([ "$rc" -eq 124 ] && echo "timed out after $limit s" || echo "exit status $rc")
		{
			echo "## $(sed -n 's/^#title //p' "bench/$n.sh"): FAILED ($why)"
			echo
			echo '```'
			tail -n 15 "build/bench-logs/$n.log"
			echo '```'
		} >"$out/$n.failed"
	fi
	echo "==== $n: $((SECONDS - start)) s"
done

# rows NAME: the goals table's rows of one benchmark
rows() {
	local n=$1 title real goal line v
	title=$(sed -n 's/^#title //p' "bench/$n.sh")
	real=$(sed -n 's/^#real //p' "bench/$n.sh")
	title=${title%% (*}
	while IFS= read -r goal; do
		if [ -f "$out/$n.failed" ]; then
			v="**FAILED**: the benchmark did not complete ($(sed -n '1s/.*FAILED (\(.*\))$/\1/p' "$out/$n.failed"); its last lines are below)"
		else
			line=$(grep -F -m1 "Goal: $goal: " "$out/$n.txt")
			v=${line#"Goal: $goal: "}
			# the verdict and its figures, up to the first full stop that ends a sentence
			v=$(awk '{ i = index($0, ". "); print i ? substr($0, 1, i) : $0 }' <<<"$v")
			if [ -z "$line" ]; then
				v="**FAILED**: no figure (the benchmark printed no verdict for this goal)"
			fi
			case $v in
			met*) ;;
			NOT*) v="**$v**" ;;
			'**FAILED'*) ;;
			*) v="**FAILED**: $v" ;;
			esac
		fi
		case $v in '**FAILED'*) status=1 ;; esac
		echo "| $title | $real | $goal | $v |"
	done < <(sed -n 's/^#goal //p' "bench/$n.sh")
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
table=$(
	echo "| benchmark | what runs for real | goal | result |"
	echo "|---|---|---|---|"
	for n in "${names[@]}"; do rows "$n"; done
)
# rows() ran in a subshell: FAILED rows set the status here
grep -q '\*\*FAILED' <<<"$table" && status=1
header=$(
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Machine: $(nproc) CPUs ($cpu), kernel $(uname -r)"
	echo "- Command: \`$cmd\`$([ $full = 1 ] && echo " (full versions)" ||
		echo " (quick versions: fewer rounds, trials and seconds; \`bench/run.sh --full\` runs the goals' versions)")"
	[ -z "$note" ] || echo "- Note: $note"
)
{
	echo "# ikelb benchmarks"
	echo
	echo "$header"
	echo "- Every figure is measured against a baseline in the same run on the same"
	echo "  machine; other work on the machine shows up as noise."
	echo
	echo "## Goals"
	echo
	echo "$table"
	for n in "${names[@]}"; do
		echo
		if [ -f "$out/$n.failed" ]; then cat "$out/$n.failed"; else cat "$out/$n.txt"; fi
	done
} >"$out/latest.md"
rm -f "$out"/*.failed
echo "bench: wrote $out/latest.md"

# README.md: the header and the table between the markers, for a whole run
if [ $subset = 0 ] && grep -q '^<!-- bench-table-begin -->$' README.md &&
	grep -q '^<!-- bench-table-end -->$' README.md; then
	{
		sed '/^<!-- bench-table-begin -->$/q' README.md
		echo
		echo "$header"
		echo
		echo "$table"
		echo
		sed -n '/^<!-- bench-table-end -->$/,$p' README.md
	} >README.md.tmp && mv README.md.tmp README.md && echo "bench: updated the table in README.md"
fi
[ ${#failed[@]} -eq 0 ] || echo "bench: FAILED: ${failed[*]}" >&2
exit $status
