# shellcheck shell=bash
# libreswan's pluto for benchmark 2a (source it after bench/lib.sh).
# libreswan conflicts with strongSwan as a package, so its Debian package is
# downloaded (`apt-get download`, with the three libraries it needs that
# this machine lacks) into build/bench-cache and unpacked there (`dpkg -x`);
# pluto then runs from that folder in a namespace of its own, with a private
# /run and its helper directory bind-mounted at /usr/libexec/ipsec, an NSS
# database made with the unpacked certutil, and --logfile /dev/null so that
# it is measured at its best.  Nothing is installed on the system.

LS_CACHE=$BENCH_TOP/build/bench-cache
LS_ROOT=$LS_CACHE/root
LS_LIB=$LS_ROOT/usr/lib/x86_64-linux-gnu
LS_PKGS="libreswan libnss3-tools libevent-pthreads-2.1-7 libldns3"

# libreswan_fetch: download and unpack once; 0 when pluto is there
libreswan_fetch() {
	local d
	[ -x "$LS_ROOT/usr/libexec/ipsec/pluto" ] && [ -x "$LS_ROOT/usr/bin/certutil" ] && return 0
	mkdir -p "$LS_CACHE/debs" || return 1
	# shellcheck disable=SC2086
	(cd "$LS_CACHE/debs" && apt-get download -q $LS_PKGS >/dev/null 2>&1) ||
		{ apt-get update -qq >/dev/null 2>&1 &&
			(cd "$LS_CACHE/debs" && apt-get download -q $LS_PKGS >/dev/null 2>&1); } ||
		return 1
	rm -rf "$LS_ROOT" && mkdir -p "$LS_ROOT" || return 1
	for d in "$LS_CACHE"/debs/*.deb; do
		dpkg -x "$d" "$LS_ROOT" || return 1
	done
	[ -x "$LS_ROOT/usr/libexec/ipsec/pluto" ]
}

libreswan_version() { dpkg-deb -f "$LS_CACHE"/debs/libreswan_*.deb Version 2>/dev/null; }

# libreswan_start NS TARGET: pluto in NS answering every IKE_SA_INIT at NS's
# addresses with a REDIRECT to TARGET; with LS_CPU set, pluto and its
# threads run on that CPU only; sets LS_PID
libreswan_start() {
	local ns=$1 target=$2 dir=$LAB_DIR/pluto
	# a new database every time: certutil -N on an existing one asks for
	# its password (and, without a terminal, asks again for ever)
	rm -rf "$dir" && mkdir -p "$dir/nss" || return 1
	LD_LIBRARY_PATH=$LS_LIB "$LS_ROOT/usr/bin/certutil" -N -d "sql:$dir/nss" --empty-password \
		</dev/null >"$dir/certutil.out" 2>&1 || return 1
	printf 'config setup\n\tnssdir=%s\n' "$dir/nss" >"$dir/ipsec.conf"
	# --config first: its defaults would override options given before it
	# shellcheck disable=SC2016 # expanded by the inner shell
	lab_spawn "$dir/pluto.out" ${LS_CPU:+taskset -c "$LS_CPU"} ip netns exec "$ns" unshare -m sh -c '
		mount -t tmpfs none /run && mkdir /run/pluto &&
		mount -t tmpfs none /usr/libexec && mkdir /usr/libexec/ipsec &&
		mount --bind "$1/usr/libexec/ipsec" /usr/libexec/ipsec &&
		exec env LD_LIBRARY_PATH="$2" /usr/libexec/ipsec/pluto --config "$3/ipsec.conf" \
			--nofork --logfile /dev/null --rundir /run/pluto --nssdir "$3/nss" \
			--secretsfile /dev/null --ipsecdir "$3" \
			--global-redirect yes --global-redirect-to "$4"' \
		sh "$LS_ROOT" "$LS_LIB" "$dir" "$target"
	# shellcheck disable=SC2034 # for the caller
	LS_PID=$LAB_PID
	# pluto listens once it has found the interfaces
	lab_wait_for 10 sh -c "ip netns exec $ns ss -Hlun 'sport = :500' | grep -q ." || return 1
}
