#!/bin/sh
# Runs every test: installs the Debian packages it needs, builds, runs
# tests/run.sh (which ends with "N passed, N failed, N skipped").  When the
# packages or the build fail, that counts as one failure.
# Usage (as root): scripts/test.sh [REGEX]
set -u
cd "$(dirname "$0")/.."
if ! scripts/deps.sh; then
	echo "FAIL deps: scripts/deps.sh could not install the packages"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
if ! make -j2 tests >build.log 2>&1; then
	tail -n 60 build.log
	echo "FAIL build: see build.log"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
exec tests/run.sh "$@"
