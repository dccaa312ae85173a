#!/bin/sh
# Installs every Debian 12 package that ikelb's build, tests, demo and
# benchmarks need.  Idempotent; prints nothing when all is there.
set -eu

PKGS="make gcc clang llvm libclang-rt-14-dev bpftool libbpf-dev libelf-dev zlib1g-dev
libssl-dev libmnl-dev libjson-c-dev libsystemd-dev libcmocka-dev pkg-config
iproute2 procps util-linux systemd strongswan-charon strongswan-swanctl strongswan-pki
keepalived"

missing=""
for p in $PKGS; do
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
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
