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

# bench_begin NAME: start a results file (removed from the old run) headed
# by the script's "#title" line
bench_begin() {
	BENCH_NAME=$1
	BENCH_OUT=$BENCH_RESULTS/$1.txt
	mkdir -p "$BENCH_RESULTS"
	: >"$BENCH_OUT.tmp"
	bench_say "## $(sed -n 's/^#title //p' "$BENCH_TOP/bench/$1.sh")"
	bench_say ""
	bench_say "Command: \`${BENCH_CMD:-$([ "$BENCH_FULL" = 1 ] && echo "BENCH_FULL=1 ")bench/$1.sh${BENCH_ARGS:+ $BENCH_ARGS}}\`"
	bench_say ""
}

# bench_goal GOAL VERDICT [DETAIL...]: the line bench/run.sh reads for one of
# the script's "#goal" lines: "Goal: GOAL: VERDICT. DETAIL".  VERDICT is
# "met ...", "NOT met ..." or "FAILED ..." (a figure is missing or a run
# failed: never a pass); the first ". " ends what the goals table shows.
bench_goal() {
	local goal=$1 verdict=$2
	shift 2
	grep -qxF "#goal $goal" "$BENCH_TOP/bench/$BENCH_NAME.sh" ||
		bench_fail "bench_goal: \"$goal\" is not one of the script's #goal lines"
	bench_say "Goal: $goal: $verdict.${*:+ $*}"
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

# median: of the numbers on stdin (one per line); nothing for none
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_is_num X...: every X is a number (a figure that is there)
bench_is_num() {
	local x
	for x in "$@"; do
		[[ $x =~ ^-?[0-9]+(\.[0-9]+)?$ ]] || return 1
	done
}

# ---- CPUs, NAPI threads and CPU time --------------------------------------
# A veth runs NAPI (for XDP) in the softirq of whichever CPU scheduled it,
# mostly the sender's: a benchmark that wants one end's work on a CPU of its
# own makes the device's NAPI threaded and pins the thread.

# bench_napi_threaded NS IF: IF's NAPI runs in a kernel thread from now on.
# Needs NAPI (on a veth: an XDP program attached); the device keeps the
# setting across detach and attach (new NAPIs start threaded), and once set
# it cannot be written again (EIO), so it is left alone then.
bench_napi_threaded() {
	ip netns exec "$1" sh -c "grep -q 1 /sys/class/net/$2/threaded ||
		echo 1 > /sys/class/net/$2/threaded"
}

# bench_napi_pids IF: the PIDs of IF's NAPI threads ("napi/IF-ID"; IF must
# be unique on the machine, and short enough for the 15-byte thread name)
bench_napi_pids() {
	ps -eo pid,comm | awk -v n="napi/$1-" 'index($2, n) == 1 { print $1; f = 1 } END { exit !f }'
}

# bench_napi_pin IF CPU: pin IF's NAPI threads to CPU (waits up to 3 s for
# them to appear); prints their PIDs
bench_napi_pin() {
	local pid pids
	lab_wait_for 3 bench_napi_pids "$1" || return 1
	pids=$(bench_napi_pids "$1") || return 1
	for pid in $pids; do taskset -p -c "$2" "$pid" >/dev/null || return 1; done
	echo $pids
}

# bench_cpu_ns PID...: run time of every thread of the PIDs, ns
# (/proc/PID/task/*/schedstat: a kernel thread's softirq-free NAPI work is
# its own; a gone PID counts 0)
bench_cpu_ns() {
	local p t r s=0
	for p in "$@"; do
		for t in /proc/"$p"/task/*/schedstat; do
			read -r r _ <"$t" 2>/dev/null && s=$((s + r))
		done
	done
	echo $s
}

# bench_cgroup_quota NAME PERCENT: a cpu cgroup (v1 or v2) NAME limited to
# PERCENT of one CPU; prints the directory whose tasks file takes PIDs.
# Removed on exit (its tasks move back to the root first).
bench_cgroup_quota() {
	local name=$1 pct=$2 d
	if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
		d=/sys/fs/cgroup/cpu/$name
		mkdir -p "$d" && echo 100000 >"$d/cpu.cfs_period_us" &&
			echo $((pct * 1000)) >"$d/cpu.cfs_quota_us" || return 1
	elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control ||
			echo +cpu >/sys/fs/cgroup/cgroup.subtree_control || return 1
		d=/sys/fs/cgroup/$name
		mkdir -p "$d" && echo "$((pct * 1000)) 100000" >"$d/cpu.max" || return 1
	else
		return 1
	fi
	lab_on_cleanup "bench_cgroup_remove $d"
	echo "$d"
}

# bench_cgroup_add DIR PID...: the PIDs (kernel threads too) into cgroup DIR
bench_cgroup_add() {
	local d=$1 p f=tasks
	shift
	[ -f "$d/tasks" ] || f=cgroup.threads
	for p in "$@"; do echo "$p" >"$d/$f" || return 1; done
}

bench_cgroup_remove() {
	local d=$1 p root f=tasks
	[ -d "$d" ] || return 0
	root=$(dirname "$d")
	[ -f "$d/tasks" ] || f=cgroup.threads
	for p in $(cat "$d/$f" 2>/dev/null); do echo "$p" >"$root/$f" 2>/dev/null; done
	rmdir "$d" 2>/dev/null
}
