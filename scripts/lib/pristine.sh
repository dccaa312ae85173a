# shellcheck shell=bash
# A pristine Debian 12 root, as a new machine has it, and commands run
# inside one (bash; source this file).  Used by scripts/fresh-check.sh (the
# README's commands on a new machine) and tests/sh/test_deb.sh (the package
# installed on one).
#
# The root is debootstrap --variant=minbase bookworm, cached as a tarball
# in $PRISTINE_CACHE (IKELB_FRESH_CACHE, default /var/cache/ikelb-fresh)
# and made again when older than 7 days.  Only debootstrap's output is
# cached, never a root with packages added.  Downloaded .deb files are kept
# in $PRISTINE_CACHE/archives (bind-mounted as apt's archive directory), so
# a second root needs no downloads, but every package is installed anew.
#
# A command runs in the root as a new machine would run it: a private mount
# namespace and PID namespace, the root bind-mounted onto itself, proc,
# sysfs, bpffs, tmpfs on /run and /tmp, /dev, then pivot_root into it (a
# plain chroot breaks `ip netns exec` and `nsenter -m`).  When the command
# ends, the PID namespace ends with it: no process started in there
# survives.  Needs root, debootstrap and util-linux (unshare).

PRISTINE_SUITE=bookworm
PRISTINE_MIRROR=http://deb.debian.org/debian
PRISTINE_CACHE=${IKELB_FRESH_CACHE:-/var/cache/ikelb-fresh}
PRISTINE_TARBALL=$PRISTINE_CACHE/$PRISTINE_SUITE-minbase.tar

# pristine_stale: true when the cached root is missing or older than 7 days
pristine_stale() {
	[ -z "$(find "$PRISTINE_TARBALL" -mtime -7 2>/dev/null)" ]
}

# pristine_make: runs debootstrap and caches its output (about 30 s); on
# failure prints the end of debootstrap's log on stderr and returns 1
pristine_make() {
	local tmp rc=0
	mkdir -p "$PRISTINE_CACHE/archives/partial" || return 1
	tmp=$(mktemp -d /var/tmp/ikelb-debootstrap.XXXXXX) || return 1
	if ! debootstrap --variant=minbase "$PRISTINE_SUITE" "$tmp/root" "$PRISTINE_MIRROR" \
		>"$tmp/log" 2>&1; then
		tail -n 20 "$tmp/log" >&2
		echo "debootstrap failed" >&2
		rc=1
	# Written aside and renamed: a concurrent user of the cache sees the
	# old tarball or the new one, never half of one.
	elif ! { tar -C "$tmp/root" -cf "$tmp/root.tar" . &&
		mv "$tmp/root.tar" "$PRISTINE_TARBALL"; }; then
		echo "cannot write $PRISTINE_TARBALL" >&2
		rc=1
	fi
	rm -rf --one-file-system "$tmp"
	return $rc
}

# pristine_unpack ROOT: unpacks the cached root into the empty directory
# ROOT, with what every Debian 12 machine has besides: its updates and
# security suites and a resolver.  Nothing else is added.
pristine_unpack() {
	local root=$1
	mkdir -p "$PRISTINE_CACHE/archives/partial" || return 1
	tar -C "$root" -xf "$PRISTINE_TARBALL" || {
		echo "cannot unpack $PRISTINE_TARBALL" >&2
		return 1
	}
	cat >"$root/etc/apt/sources.list" <<EOF
deb $PRISTINE_MIRROR $PRISTINE_SUITE main
deb $PRISTINE_MIRROR $PRISTINE_SUITE-updates main
deb http://deb.debian.org/debian-security $PRISTINE_SUITE-security main
EOF
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

# pristine_run [--bind-cache] ROOT COMMAND [VAR=VALUE...]: runs
# `bash -c COMMAND` as root in /root of ROOT, with a login's environment
# (PATH, HOME, USER, LOGNAME, SHELL, TERM=dumb, LANG=C.UTF-8) plus VARs;
# its status is the command's.  --bind-cache also mounts the cache at its
# own path inside, so that a run of this file in there (a test inside
# fresh-check's root) reuses the cached root and packages.
pristine_run() {
	local bind_cache=0
	[ "$1" = --bind-cache ] && { bind_cache=1; shift; }
	local root=$1 cmd=$2
	shift 2
	[ $bind_cache = 1 ] && { mkdir -p "$root$PRISTINE_CACHE" || return 1; }
	# shellcheck disable=SC2016
	unshare --mount --pid --fork --propagation private env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		ROOT="$root" CACHE="$PRISTINE_CACHE" BIND_CACHE=$bind_cache CMD="$cmd" \
		bash -c '
set -e
cd "$ROOT"
mount --bind "$ROOT" "$ROOT"
cd "$ROOT"
mount -t proc proc proc
mount -t sysfs sysfs sys
mount -t bpf bpf sys/fs/bpf
mount -t tmpfs tmpfs run
mount -t tmpfs tmpfs tmp
mount --rbind /dev dev
mount --bind "$CACHE/archives" var/cache/apt/archives
[ "$BIND_CACHE" = 0 ] || mount --bind "$CACHE" "./$CACHE"
mkdir -p .oldroot
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot
cd /root
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 "$@" bash -c "$CMD"
' pristine "$@"
}
