#!/bin/bash
# Runs every test and ends with one line "N passed, N failed, N skipped".
# Each test program speaks TAP ("ok", "not ok", "# SKIP reason"); a program
# that exits non-zero without reporting a failure, or reports nothing, is a
# failure too.  Usage: tests/run.sh [REGEX]  (only tests whose name matches)
set -u
cd "$(dirname "$0")/.."
B=build
LOGS=$B/test-logs
mkdir -p "$LOGS"
filter=${1:-}
pass=0 fail=0 skip=0
failed_names=()

# name|command, in the order they run: fast ones first.
items=()
for t in $B/tests/unit/test_* $B/tests/bpf/test_*; do
	[ -x "$t" ] && items+=("${t#$B/tests/}|env CMOCKA_MESSAGE_OUTPUT=TAP $t")
done
for t in $B/san/tests/unit/test_* $B/san/tests/bpf/test_*; do
	[ -x "$t" ] && items+=("san/${t#$B/san/tests/}|env CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $t")
done
for f in $B/fuzz/fuzz_*; do
	[ -x "$f" ] && items+=("fuzz/${f##*/}|tests/fuzz/smoke.sh $f")
done
for s in tests/sh/test_*.sh tests/netns/test_*.sh; do
	[ -f "$s" ] && items+=("${s#tests/}|bash $s")
done

run_one() {
	local name=$1 cmd=$2 log=$LOGS/${1//\//_}.log rc
	local p=0 f=0 s=0
	local start=$SECONDS
	timeout --kill-after=10 "${TEST_TIMEOUT:-600}" $cmd >"$log" 2>&1 </dev/null
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"not ok "*"# SKIP"* | "ok "*"# SKIP"* | "ok "*"# skip"*)
			s=$((s + 1)); echo "  skip $name: ${line#*# [Ss][Kk][Ii][Pp]}" ;;
		"not ok "*) f=$((f + 1)); echo "  FAIL $name: ${line#not ok }" ;;
		"ok "*) p=$((p + 1)) ;;
		esac
	done <"$log"
	if [ $rc -ne 0 ] && [ $f -eq 0 ]; then
		f=1; echo "  FAIL $name: exited with status $rc"
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		f=1; echo "  FAIL $name: reported no results"
	fi
	printf '%-40s %3d passed %3d failed %3d skipped  (%ds)\n' "$name" $p $f $s $((SECONDS - start))
	if [ $f -ne 0 ]; then
		echo "---- last lines of $log"
		tail -n 40 "$log" | sed 's/^/    /'
		echo "----"
		failed_names+=("$name")
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

for it in "${items[@]}"; do
	name=${it%%|*}
	[ -n "$filter" ] && ! [[ $name =~ $filter ]] && continue
	run_one "$name" "${it#*|}"
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
