# TAP helpers for shell tests: source this, call ok/not_ok/skip, and end with
# tap_done (exits non-zero when any check failed).
_tap_n=0
_tap_fail=0
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
# check NAME CMD...: ok when CMD succeeds
check() { local n=$1; shift; if "$@"; then ok "$n"; else not_ok "$n"; fi; }
diag() { echo "# $*"; }
tap_done() { echo "1..$_tap_n"; [ "$_tap_fail" -eq 0 ]; }
