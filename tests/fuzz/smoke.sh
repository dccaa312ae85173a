#!/bin/bash
# Fuzz smoke test: tests/fuzz/smoke.sh build/fuzz/fuzz_X
# Runs fuzz_X from its seed corpus tests/fuzz/corpus/fuzz_X/ for about 20 s
# or 20000 runs (fixed seed), new inputs going to a scratch directory so the
# committed corpus stays as it is.  Prints TAP: ok 1 - fuzz_X / not ok 1.
set -u
cd "$(dirname "$0")/../.."
bin=${1:?usage: tests/fuzz/smoke.sh build/fuzz/fuzz_NAME}
name=${bin##*/}
seeds=tests/fuzz/corpus/$name
scratch=$(mktemp -d /tmp/ikelb-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

[ -d "$seeds" ] || seeds=
echo "1..1"
if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$bin" -seed=1 -runs="${FUZZ_RUNS:-20000}" -max_total_time="${FUZZ_SECONDS:-20}" \
	-artifact_prefix="$scratch/" "$scratch" $seeds >"$scratch/log" 2>&1; then
	echo "ok 1 - $name"
else
	tail -n 30 "$scratch/log" | sed 's/^/# /'
	for a in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-*; do
		[ -f "$a" ] && echo "# input: $(xxd -p "$a" | tr -d '\n' | head -c 2048)"
	done
	echo "not ok 1 - $name"
	exit 1
fi
