#!/bin/bash
# Runs a libFuzzer target over its seed corpus, then fuzzes it for a bounded
# time, and prints one TAP line.  Usage: tests/fuzz/smoke.sh build/fuzz/fuzz_X
#   seeds:      tests/fuzz/corpus/fuzz_X/ (read only; new inputs go to a
#               temporary directory that is removed afterwards)
#   dictionary: tests/fuzz/fuzz_X.dict, if present
#   bounds:     FUZZ_TIME seconds (default 20) or FUZZ_RUNS runs (default
#               20000), whichever comes first; -seed=1 for repeatable runs
#   crashes:    written next to the binary, build/fuzz/artifacts/fuzz_X-*
set -u
bin=${1:?usage: $0 build/fuzz/fuzz_NAME}
name=$(basename "$bin")
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus/$name
dict=$here/$name.dict
time_s=${FUZZ_TIME:-20}
runs=${FUZZ_RUNS:-20000}
artifacts=$(dirname "$bin")/artifacts

if [ ! -x "$bin" ]; then
	echo "not ok 1 - $name # $bin is not built (make fuzz)"
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"

args=(-seed=1 -runs="$runs" -max_total_time="$time_s" -timeout=10
	-rss_limit_mb=2048 -max_len=8192 -print_final_stats=1
	-artifact_prefix="$artifacts/$name-")
[ -f "$dict" ] && args+=(-dict="$dict")
dirs=("$work")
if [ -d "$corpus" ]; then
	dirs+=("$corpus")
else
	echo "# no seed corpus in $corpus"
fi

# libFuzzer stops itself; the outer timeout only catches a hang in it.
timeout --kill-after=10 $((time_s + 120)) \
	"$bin" "${args[@]}" "${dirs[@]}" >"$work/log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	grep -E '^(INFO: Seed|#[0-9]+.*(INITED|DONE)|stat::number_of_executed_units)' \
		"$work/log" | sed 's/^/# /'
	echo "ok 1 - $name"
else
	tail -n 60 "$work/log" | sed 's/^/# /'
	echo "not ok 1 - $name (exit $rc; crash inputs in $artifacts)"
fi
echo "1..1"
[ $rc -eq 0 ]
