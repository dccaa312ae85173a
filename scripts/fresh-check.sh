#!/bin/bash
# The README's commands on a new machine: makes a pristine Debian 12 root
# (debootstrap --variant=minbase bookworm), clones this repository's HEAD
# into /root/ikelb inside it, and runs there, as root, the README's demo
# (scripts/demo.sh) and then its test command (scripts/test.sh).  Nothing
# of this machine's installed packages is visible in there: whatever the
# project needs, scripts/deps.sh must install.
#
#   scripts/fresh-check.sh [--tests-only | --demo-only] [--keep] [-- ARGS]
#     --tests-only / --demo-only   run only one of the two commands
#     --keep                       keep the root afterwards (path printed)
#     ARGS                         passed to scripts/test.sh (a test regex)
#   IKELB_DEPS_SKIP="PKG ..."      leave packages out of scripts/deps.sh inside
#                                  the root, to see the tests and demo fail
#                                  and name what is missing
#   IKELB_FRESH_CACHE=DIR          where the pristine root is cached
#                                  (default /var/cache/ikelb-fresh)
#
# Only the debootstrap output is cached (as a tarball, renewed after 7
# days), never a root with packages added; downloaded .deb files are kept
# in the cache too (apt's archive directory is bind-mounted there) so that
# a second run needs no downloads, but every package is installed anew.
# The cache is also mounted at its own path inside the root, so that a test
# that makes a pristine root of its own in there (tests/sh/test_deb.sh)
# reuses it instead of running debootstrap again.
#
# The root is entered as a new machine would be: a private mount namespace
# and PID namespace, the root bind-mounted onto itself, proc, sysfs, bpffs,
# tmpfs on /run and /tmp, /dev, then pivot_root into it (a plain chroot
# breaks `ip netns exec` and `nsenter -m`).  When the check ends, the PID
# namespace ends with it: no process started in there survives.  The root
# is made and entered by scripts/lib/pristine.sh.
# Ends like the test command, "N passed, N failed, N skipped", the demo
# counted as one test; exit status 0 when everything passed.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/scripts/lib/pristine.sh"
SUITE=$PRISTINE_SUITE
run_tests=1 run_demo=1 keep=0 test_args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--tests-only) run_demo=0 ;;
	--demo-only) run_tests=0 ;;
	--keep) keep=1 ;;
	--) shift; test_args=("$@"); break ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "fresh-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

say() { echo "fresh-check: $*"; }
die() { echo "fresh-check: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, namespaces)"
git -C "$TOP" rev-parse --verify -q HEAD >/dev/null || die "$TOP is not a git checkout with a commit"
[ -z "$(git -C "$TOP" status --porcelain --untracked-files=no)" ] ||
	say "note: uncommitted changes are NOT checked (the root gets a clone of HEAD)"

# The host needs debootstrap (and git, to clone); nothing else of it is used.
if ! command -v debootstrap >/dev/null || ! command -v git >/dev/null; then
	say "installing debootstrap on this host"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap git \
		>/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap git \
		>/dev/null 2>&1; } || die "cannot install debootstrap on this host"
fi

# The pristine root, made once a week: debootstrap's output as it is.
if pristine_stale; then
	say "making a pristine $SUITE root with debootstrap (about 30 s)"
	pristine_make || die "debootstrap failed"
fi

ROOT=$(mktemp -d /var/tmp/ikelb-fresh.XXXXXX)
cleanup() {
	if [ $keep = 1 ]; then say "root kept in $ROOT"; else rm -rf --one-file-system "$ROOT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
pristine_unpack "$ROOT" || die "cannot unpack the pristine root"
git clone -q "$TOP" "$ROOT/root/ikelb" || die "git clone failed"
say "cloned $(git -C "$ROOT/root/ikelb" log -1 --format='%h %s' | cut -c1-70) into $ROOT/root/ikelb"

# The commands, as a root user types them in a login shell on the new
# machine, in the README's order; their results land in /root/fresh-*.
cmds=""
[ $run_demo = 1 ] && cmds+="echo '# scripts/demo.sh'; scripts/demo.sh; echo \$? >/root/fresh-demo.rc; "
[ $run_tests = 1 ] && cmds+="echo '# scripts/test.sh'; scripts/test.sh $(printf '%q ' "${test_args[@]}") | tee /root/fresh-test.out; echo \${PIPESTATUS[0]} >/root/fresh-test.rc; "

pristine_run --bind-cache "$ROOT" "cd /root/ikelb; $cmds" \
	IKELB_DEPS_SKIP="${IKELB_DEPS_SKIP:-}" IKELB_FRESH_CACHE="$PRISTINE_CACHE"

# The verdict, ending like the test command: the demo counts as one test.
pass=0 fail=0 skip=0
if [ $run_tests = 1 ]; then
	line=$(tail -n 1 "$ROOT/root/fresh-test.out" 2>/dev/null)
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		pass=${BASH_REMATCH[1]} fail=${BASH_REMATCH[2]} skip=${BASH_REMATCH[4]:-0}
	else
		fail=1
	fi
	[ "$(cat "$ROOT/root/fresh-test.rc" 2>/dev/null)" = 0 ] || [ "$fail" -gt 0 ] || fail=1
	say "scripts/test.sh: ${line:-no result line}"
fi
if [ $run_demo = 1 ]; then
	if [ "$(cat "$ROOT/root/fresh-demo.rc" 2>/dev/null)" = 0 ]; then
		pass=$((pass + 1)); say "scripts/demo.sh: passed"
	else
		fail=$((fail + 1)); say "scripts/demo.sh: FAILED"
	fi
fi
say "on a pristine $SUITE root: $([ "$fail" = 0 ] && echo passed || echo FAILED)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
