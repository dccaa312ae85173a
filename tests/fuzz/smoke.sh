#!/bin/bash
# Fuzz smoke test: tests/fuzz/smoke.sh build/fuzz/fuzz_X runs the libFuzzer
# target over tests/fuzz/corpus/fuzz_X/ for about 20 s or 20000 runs with a
# fixed seed and prints TAP.  New inputs go to a scratch directory (the
# committed seeds stay as they are); a crash is kept under build/fuzz/.
set -u
cd "$(dirname "$0")/../.." || exit 1
fuzzer=${1:?usage: $0 build/fuzz/fuzz_X}
name=$(basename "$fuzzer")
seeds=tests/fuzz/corpus/$name
if [ ! -x "$fuzzer" ]; then
	echo "ok 1 # SKIP $fuzzer not built (make fuzz)"
	echo "1..1"
	exit 0
fi
scratch=$(mktemp -d /tmp/ikelb-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p build/fuzz/artifacts
dirs=("$scratch")
[ -d "$seeds" ] && dirs+=("$seeds")
if "$fuzzer" -seed=1 -runs="${FUZZ_RUNS:-20000}" -max_total_time="${FUZZ_TIME:-20}" \
	-artifact_prefix="build/fuzz/artifacts/$name-" "${dirs[@]}" 2>"$scratch.log"; then
	tail -n 3 "$scratch.log" | sed 's/^/# /'
	echo "ok 1 - $name"
else
	tail -n 40 "$scratch.log" | sed 's/^/# /'
	echo "not ok 1 - $name"
fi
rm -f "$scratch.log"
echo "1..1"
