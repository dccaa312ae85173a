#!/bin/sh
# Installs every Debian 12 package that ikelb's build, tests, demo and
# benchmarks use, on a pristine system (debootstrap --variant=minbase) too:
# libraries, compilers, the peers the tests run (strongSwan with its crypto
# plugins, keepalived) and every command the scripts call.  Idempotent;
# prints nothing when all is there.
#
# IKELB_DEPS_SKIP="PKG ..." leaves packages out: scripts/fresh-check.sh
# uses it to show that the tests and the demo then fail and name them.
set -eu

# Build: compilers, BPF tools, libraries (headers and pkg-config files).
BUILD="make gcc libc6-dev clang llvm libclang-rt-14-dev bpftool libbpf-dev libelf-dev
zlib1g-dev libssl-dev libmnl-dev libjson-c-dev libsystemd-dev libmicrohttpd-dev pkg-config"
# Tests: unit tests, and the real peers and commands of the namespace tests.
#   libstrongswan-standard-plugins: charon's openssl plugin (every DH group
#     and cipher the lab uses); a Recommends that --no-install-recommends skips
#   openssl: the lab's cluster key (openssl rand)
#   man-db: systemd-analyze verify runs `man` for the units' Documentation=
#   git: scripts/fresh-check.sh clones the project
#   prometheus: the metrics test's scraper, and promtool to check the output
#   curl: the metrics tests ask the exporter and Prometheus' HTTP API
TESTS="libcmocka-dev iproute2 procps util-linux systemd man-db openssl git
strongswan-charon strongswan-swanctl strongswan-pki libstrongswan-standard-plugins
keepalived prometheus curl"
# The Debian package (debian/, tests/sh/test_deb.sh): its build, lintian,
# and a pristine Debian 12 root to install it into.
PACKAGE="dpkg-dev debhelper lintian debootstrap"
PKGS="$BUILD $TESTS $PACKAGE"

skip=" ${IKELB_DEPS_SKIP:-} "
missing=""
for p in $PKGS; do
	case "$skip" in *" $p "*) continue ;; esac
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Package scripts must not start the daemons we run by hand in namespaces.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 0755 "$policy" && added_policy=1
fi
trap '[ "$added_policy" = 1 ] && rm -f "$policy"' EXIT
log=$(mktemp)
# shellcheck disable=SC2086
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	rm -f "$log"
	echo "deps: apt-get could not install:$missing" >&2
	exit 1
fi
rm -f "$log"
