# What a test needs from the machine (source after tap.sh).  A missing peer
# or command is a FAILURE that names its Debian package (scripts/deps.sh
# installs them all), never a skip: a green run must mean the real peers
# ran.  Only a test run without root is skipped, since nothing can run.

# require_root: skip the whole file (and exit) when not root
require_root() {
	[ "$(id -u)" = 0 ] && return 0
	skip "needs root (network namespaces, BPF)"
	tap_done
	exit 0
}

# require_cmd CMD PACKAGE: fail the file (and exit) when CMD is missing
require_cmd() {
	command -v "$1" >/dev/null 2>&1 && return 0
	not_ok "$1 is missing: install Debian package $2 (scripts/deps.sh does)"
	tap_done
	exit 1
}

# require_strongswan: charon and swanctl (their plugins are checked when a
# charon starts: sw_check_plugins)
require_strongswan() {
	[ -x /usr/lib/ipsec/charon ] || {
		not_ok "/usr/lib/ipsec/charon is missing: install Debian package strongswan-charon (scripts/deps.sh does)"
		tap_done
		exit 1
	}
	require_cmd swanctl strongswan-swanctl
}

# require_built FILE...: fail when something of ours is not built
require_built() {
	local f
	for f in "$@"; do
		[ -e "$f" ] && continue
		not_ok "$f is not built (run make)"
		tap_done
		exit 1
	done
}
