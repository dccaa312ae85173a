# shellcheck shell=bash
# Shared by the benchmark scripts (source it, bash).  Each script prints its
# table and writes it to bench/results/<name>.txt; bench/run.sh combines them
# into bench/results/latest.md.  Namespaces and processes go through
# tests/lib/netns.sh, so they are torn down on exit like a test's.
# Figures are ratios against a baseline measured in the same run; tests
# never assert on them.

BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC2034 # used by the scripts and tests/lib/*.sh
IKELB_TOP=$BENCH_TOP
# shellcheck disable=SC2034
BENCH_BIN=$BENCH_TOP/build/bench
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_TOP/bench/results}
BENCH_FULL=${BENCH_FULL:-0}   # 1: the long versions (bench/run.sh --full)
# shellcheck source=tests/lib/netns.sh
. "$BENCH_TOP/tests/lib/netns.sh"
LAB_PREFIX=${LAB_PREFIX:-ikb$$}

# bench_begin NAME TITLE: start a results file (removed from the old run)
bench_begin() {
	BENCH_NAME=$1
	BENCH_OUT=$BENCH_RESULTS/$1.txt
	mkdir -p "$BENCH_RESULTS"
	: >"$BENCH_OUT.tmp"
	bench_say "## $2"
	bench_say ""
	bench_say "Command: \`${BENCH_CMD:-$([ "$BENCH_FULL" = 1 ] && echo "BENCH_FULL=1 ")bench/$1.sh${BENCH_ARGS:+ $BENCH_ARGS}}\`"
	bench_say ""
}

# bench_say TEXT...: one line to the terminal and the results file
bench_say() { echo "$*" | tee -a "$BENCH_OUT.tmp"; }

# bench_cat: stdin to the terminal and the results file
bench_cat() { tee -a "$BENCH_OUT.tmp"; }

# bench_end: the results file is complete (a failed run leaves the old one)
bench_end() { mv "$BENCH_OUT.tmp" "$BENCH_OUT"; }

bench_fail() {
	echo "bench/${BENCH_NAME:-$(basename "$0" .sh)}: $*" >&2
	[ -n "${BENCH_OUT:-}" ] && rm -f "$BENCH_OUT.tmp"
	exit 1
}

# bench_need_root / bench_need FILE...: clear errors instead of odd failures
bench_need_root() { [ "$(id -u)" = 0 ] || bench_fail "needs root (namespaces, XDP)"; }
bench_need() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || bench_fail "$f is missing: run make first"
	done
}

# bench_machine: one line, the machine a result comes from
bench_machine() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	echo "$(nproc) CPUs ($cpu), kernel $(uname -r)"
}

# bench_ratio A B [DIGITS]: A / B
bench_ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b == 0) print "n/a"; else printf "%.*f\n", d, a / b }'; }
