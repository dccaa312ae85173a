#!/bin/sh
# Runs every test: installs the Debian packages it needs, builds, runs
# tests/run.sh (which ends with "N passed, N failed, N skipped").
# Usage: sudo scripts/test.sh [REGEX]
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make -j2 tests >build.log 2>&1 || { tail -n 60 build.log; echo "build failed (see build.log)"; exit 1; }
exec tests/run.sh "$@"
