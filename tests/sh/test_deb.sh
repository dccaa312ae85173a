#!/bin/bash
# The Debian package, as an operator gets it.  Builds it with
# `dpkg-buildpackage -b -us -uc` from a copy of the tree (it writes to the
# parent directory) in a pristine Debian 12 root that has only what
# `apt-get build-dep ./` installs, so a library missing from debian/control's
# Build-Depends fails here.  Runs lintian on the .changes (the .deb files
# and the .buildinfo).  Installs the package with `apt-get install
# ./ikelb_*.deb` into another pristine root and checks there:
# `ikelb-load --version`, `ikelb-load check` on the installed example,
# `systemd-analyze verify` on the installed units, what is installed where
# and with which mode, that no unit is enabled and nothing is started; a
# reinstall (what an upgrade runs) restarts only what runs; then `apt-get
# purge ikelb`, after which the root's file list must be what it was before
# the install.  About 1.5 minutes when the pristine root and the packages
# are cached.
#
# The pristine roots come from scripts/lib/pristine.sh: the cached
# debootstrap output that scripts/fresh-check.sh uses (inside fresh-check's
# root the cache is mounted at the same path, so the test runs there too).
#
# systemd is not PID 1 in the root, so the maintainer scripts' calls of
# systemctl are recorded instead of carried out: /run/systemd/system exists
# (the scripts then act as on a booted machine) and a `systemctl` first in
# dpkg's PATH writes its arguments to a log.  An ikelb-load process started
# by any other means is looked for in /proc.
#
# IKELB_DEB_BUILD_ON_HOST=1 builds on this machine instead (quicker; it
# does not check Build-Depends).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/require.sh"

require_root
# The README builds the package on the machine itself (and so does
# IKELB_DEB_BUILD_ON_HOST=1): that takes dpkg-dev and debhelper.
require_cmd dpkg-buildpackage dpkg-dev
require_cmd dh debhelper
require_cmd lintian lintian
require_cmd debootstrap debootstrap
require_cmd unshare util-linux
. "$TOP/scripts/lib/pristine.sh"

VERSION=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$TOP/Makefile")
ARCH=$(dpkg --print-architecture)
DEB=ikelb_${VERSION}_${ARCH}.deb
CHANGES=ikelb_${VERSION}_${ARCH}.changes
tmp=$(mktemp -d /var/tmp/ikelb-deb.XXXXXX) || exit 1
trap 'rm -rf --one-file-system "$tmp"' EXIT

# show FILE: its last lines as TAP diagnostics
show() { tail -n "${2:-30}" "$1" | sed 's/^/# /'; }

# abort REASON: the steps after this one cannot run
abort() {
	not_ok "$1"
	tap_done
	exit 1
}

# ---- a pristine root ---------------------------------------------------
if pristine_stale; then
	diag "making a pristine $PRISTINE_SUITE root with debootstrap (about 30 s)"
	pristine_make 2>"$tmp/debootstrap.err" || { show "$tmp/debootstrap.err"; abort "debootstrap"; }
fi

diag "pristine root: $PRISTINE_TARBALL, made $(date -u -r "$PRISTINE_TARBALL" '+%F %H:%M UTC')"

# new_root DIR: DIR becomes a pristine root
new_root() {
	mkdir -p "$1" && pristine_unpack "$1"
}

# ---- build -------------------------------------------------------------
# copy_tree DIR: the tree as git knows it (tracked files, and untracked
# ones that are not ignored, as they are in the work tree; without git
# everything but the build output) into DIR
copy_tree() {
	mkdir -p "$1" || return 1
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			tar --null -T - -cf -) | tar -C "$1" -xf -
	else
		tar -C "$TOP" --exclude=./build --exclude=./.git -cf - . | tar -C "$1" -xf -
	fi
}

# take DIR: the files dpkg-buildpackage wrote into DIR, into $OUT
take() { find "$1" -maxdepth 1 -type f -name 'ikelb*' -exec cp -t "$OUT" {} +; }

BUILD="DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -b -us -uc"
OUT=$tmp/out
mkdir -p "$OUT"
if [ "${IKELB_DEB_BUILD_ON_HOST:-0}" = 1 ]; then
	copy_tree "$tmp/src/ikelb-$VERSION" || abort "copy the tree"
	if (cd "$tmp/src/ikelb-$VERSION" && eval "$BUILD") >"$tmp/build.log" 2>&1; then
		ok "dpkg-buildpackage -b -us -uc"
	else
		show "$tmp/build.log"
		abort "dpkg-buildpackage -b -us -uc"
	fi
	take "$tmp/src"
else
	B=$tmp/build-root
	new_root "$B" || abort "unpack a pristine root for the build"
	copy_tree "$B/root/src/ikelb-$VERSION" || abort "copy the tree"
	if pristine_run "$B" "apt-get update -qq && cd src/ikelb-$VERSION &&
		apt-get build-dep -y -qq ./ && $BUILD" DEBIAN_FRONTEND=noninteractive \
		>"$tmp/build.log" 2>&1; then
		ok "dpkg-buildpackage -b -us -uc in a pristine root after apt-get build-dep ./"
	else
		show "$tmp/build.log"
		abort "dpkg-buildpackage -b -us -uc in a pristine root after apt-get build-dep ./"
	fi
	take "$B/root/src"
	rm -rf --one-file-system "$B"
fi
check "built $DEB (the Makefile's VERSION, this architecture)" test -s "$OUT/$DEB"
check "built $CHANGES" test -s "$OUT/$CHANGES"
[ -s "$OUT/$DEB" ] || abort "there is a package to check"
depends=$(dpkg-deb -f "$OUT/$DEB" Depends)
diag "Depends: $depends"
check "Depends from the binary's libraries (shlibs): libbpf1, libssl3, libc6" \
	grep -Eq '(^|, )libbpf1( |,|$).*(^|, )libc6( |,|$).*(^|, )libssl3( |,|$)' <<<"$depends"

# ---- lintian -----------------------------------------------------------
lintian -I --fail-on none "$OUT/$CHANGES" >"$tmp/lintian.out" 2>"$tmp/lintian.err"
rc=$?
check "lintian runs on the .changes (status $rc)" test $rc = 0
[ $rc = 0 ] || show "$tmp/lintian.err"
grep -E '^[EWIPX]: ' "$tmp/lintian.out" | sed 's/^/# lintian: /'
check "lintian: no errors" test -z "$(grep '^E: ' "$tmp/lintian.out")"
check "lintian: no warnings" test -z "$(grep '^W: ' "$tmp/lintian.out")"

# ---- install into a pristine root --------------------------------------
R=$tmp/root
new_root "$R" || abort "unpack a pristine root"
cp "$OUT/$DEB" "$R/var/tmp/" || abort "copy the package into the root"

# inroot COMMAND: runs COMMAND in the root (pristine_run); output to stdout
inroot() { pristine_run "$R" "$1" DEBIAN_FRONTEND=noninteractive; }

# systemctl as the maintainer scripts see it (apt runs dpkg with its own
# PATH, DPkg::Path): /run is a fresh tmpfs on every inroot, so this is
# prefixed to the commands that install or remove
RECORD='mkdir -p /run/systemd/system /run/record &&
printf "#!/bin/sh\necho \"\$*\" >>/run/record/systemctl.log\n" >/run/record/systemctl &&
chmod 0755 /run/record/systemctl && : >/run/record/systemctl.log &&
echo "DPkg::Path \"/run/record:/usr/sbin:/usr/bin:/sbin:/bin\";" >/run/record/apt.conf &&
export APT_CONFIG=/run/record/apt.conf'
# ...and printed after them, after a marker line
RECORDED='echo "-- systemctl calls"; cat /run/record/systemctl.log'

# verbs LOG: the systemctl verbs (first non-option word) after the marker
verbs() {
	local words w
	sed '1,/^-- systemctl calls$/d' "$1" | while read -ra words; do
		for w in "${words[@]}"; do case "$w" in -*) ;; *) echo "$w"; break ;; esac; done
	done | sort -u | tr '\n' ' '
}

# only_verbs LOG ALLOWED...: every systemctl verb recorded is one of ALLOWED
only_verbs() {
	local log=$1 v
	shift
	for v in $(verbs "$log"); do
		[[ " $* " == *" $v "* ]] || return 1
	done
}

# The file list of the root (this file system only: not /proc, /sys, /run,
# /tmp, /dev, nor the shared archive directory), minus what apt and dpkg
# keep of their own (logs, caches, backups of their state) and man-db's
# cache, which its trigger rebuilds after any package with a man page.
SNAPSHOT='find / -xdev -printf "%y %#m %u:%g %p\n" | LC_ALL=C sort |
grep -Ev " /(var/log/(apt|dpkg)|var/cache/(apt|man)|var/lib/apt/lists|var/lib/dpkg/[a-z]+-old$)"'

# Besides the root: what systemd-analyze verify needs (it runs man(1) for
# Documentation=man:...).  None of ikelb's build dependencies.
if inroot 'apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd man-db' \
	>"$tmp/prepare.log" 2>&1; then
	ok "the root gets systemd and man-db (for systemd-analyze verify)"
else
	show "$tmp/prepare.log"
	abort "the root gets systemd and man-db (for systemd-analyze verify)"
fi
inroot "$SNAPSHOT" >"$tmp/before.list" || abort "list the root's files"

inroot "$RECORD; cd /var/tmp && apt-get install -y ./$DEB; echo \"apt-get: \$?\";
ls -l /proc/[0-9]*/exe 2>/dev/null | grep -c ikelb-load; $RECORDED" >"$tmp/install.log" 2>&1
if grep -qx 'apt-get: 0' "$tmp/install.log"; then
	ok "apt-get install ./$DEB"
else
	show "$tmp/install.log"
	abort "apt-get install ./$DEB"
fi
check "installing starts no ikelb-load" \
	test "$(sed -n '/^apt-get: /{n;p}' "$tmp/install.log")" = 0
check "installing asks systemctl for nothing but daemon-reload (asked: $(verbs "$tmp/install.log"))" \
	only_verbs "$tmp/install.log" daemon-reload

# inroot_is NAME EXPECTED COMMAND: ok when COMMAND's output is EXPECTED
inroot_is() {
	local out
	out=$(inroot "$3" 2>&1)
	if [ "$out" = "$2" ]; then ok "$1"; else not_ok "$1"; diag "got: $out"; fi
}

out=$(inroot 'ikelb-load --version' 2>&1)
check "ikelb-load --version says $VERSION" grep -q "$VERSION" <<<"$out"
out=$(inroot 'ikelb-load check -c /etc/ikelb/ikelb.conf.example' 2>&1)
rc=$?
check "ikelb-load check -c /etc/ikelb/ikelb.conf.example" test $rc = 0
[ -n "$out" ] && diag "$out"
# The command is PID 1 of its namespace, and systemd's tools log to the
# kernel's log when they are PID 1: ask for stderr.
for u in ikelb.service ikelb@.service; do
	out=$(inroot "SYSTEMD_LOG_TARGET=console systemd-analyze verify /lib/systemd/system/$u" 2>&1)
	rc=$?
	if [ $rc = 0 ] && [ -z "$out" ]; then
		ok "$u: systemd-analyze verify, no warnings"
	else
		not_ok "$u: systemd-analyze verify, no warnings (status $rc)"
		sed 's/^/# /' <<<"$out"
	fi
	inroot_is "$u: not enabled" disabled "systemctl is-enabled $u"
done
inroot_is "no unit of ours under /etc/systemd" "" 'find /etc/systemd -name "ikelb*"'
inroot_is "ikelb.service runs /usr/sbin/ikelb-load" \
	"/usr/sbin/ikelb-load run -c /etc/ikelb/ikelb.conf" \
	'sed -n "s/^ExecStart=//p" /lib/systemd/system/ikelb.service'
inroot_is "the man page: man -w ikelb-load" /usr/share/man/man8/ikelb-load.8.gz 'man -w ikelb-load'
inroot_is "/etc/ikelb: mode 0750, root's" "750 root:root" 'stat -c "%a %U:%G" /etc/ikelb'
# shellcheck disable=SC2016 # expanded inside the root
inroot_is "the example config is a conffile" /etc/ikelb/ikelb.conf.example \
	'dpkg-query -W -f="\${Conffiles}\n" ikelb | awk "NF {print \$1}"'

# What an upgrade runs: configure with the old version.  Units that run
# are restarted (try-restart), none is started.
inroot "$RECORD; cd /var/tmp && apt-get install -y --reinstall ./$DEB; echo \"apt-get: \$?\";
$RECORDED" >"$tmp/reinstall.log" 2>&1
check "apt-get install --reinstall (an upgrade's scripts)" grep -qx 'apt-get: 0' "$tmp/reinstall.log"
check "an upgrade only try-restarts (asked: $(verbs "$tmp/reinstall.log"))" \
	only_verbs "$tmp/reinstall.log" daemon-reload try-restart
check "an upgrade try-restarts ikelb.service" \
	grep -qx 'try-restart ikelb\.service' <(sed '1,/^-- systemctl calls$/d' "$tmp/reinstall.log")
check "an upgrade try-restarts the instances of ikelb@.service" \
	grep -qx 'try-restart ikelb@\*\.service' <(sed '1,/^-- systemctl calls$/d' "$tmp/reinstall.log")
inroot_is "ikelb.service still not enabled after the upgrade" disabled 'systemctl is-enabled ikelb.service'

# The check below can fail: with the package installed, the file list differs.
inroot "$SNAPSHOT" >"$tmp/installed.list"
check "the file list shows the installed package (the comparison can fail)" \
	grep -q ' /etc/ikelb/ikelb.conf.example$' <(diff "$tmp/before.list" "$tmp/installed.list")

inroot "$RECORD; apt-get purge -y ikelb && apt-get autoremove --purge -y; echo \"apt-get: \$?\";
$RECORDED" >"$tmp/purge.log" 2>&1
if grep -qx 'apt-get: 0' "$tmp/purge.log"; then
	ok "apt-get purge ikelb, then autoremove --purge (its dependencies)"
else
	show "$tmp/purge.log"
	not_ok "apt-get purge ikelb, then autoremove --purge (its dependencies)"
fi
check "removing asks systemctl only to stop and reload (asked: $(verbs "$tmp/purge.log"))" \
	only_verbs "$tmp/purge.log" stop daemon-reload
check "removing stops ikelb.service and the ikelb@ instances" \
	grep -q '^stop ikelb\.service ikelb@\*\.service$' <(sed '1,/^-- systemctl calls$/d' "$tmp/purge.log")
# shellcheck disable=SC2016 # expanded inside the root
inroot_is "dpkg knows no ikelb" "" 'dpkg-query -W -f="\${Status}\n" ikelb 2>/dev/null'
inroot_is "/etc/ikelb is gone" gone 'test -e /etc/ikelb && echo there || echo gone'
inroot "$SNAPSHOT" >"$tmp/after.list"
if diff "$tmp/before.list" "$tmp/after.list" >"$tmp/left.diff"; then
	ok "after the purge the root's files are those before the install"
else
	not_ok "after the purge the root's files are those before the install"
	sed 's/^/# /' "$tmp/left.diff" | head -n 40
fi
tap_done
