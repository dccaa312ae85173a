#!/bin/bash
# The systemd units and `make install`: install into a temporary DESTDIR,
# check the tree, and run `systemd-analyze verify` on copies of both units
# whose ExecStart points into that tree (verify wants the binary to exist
# and resolves Documentation=man:ikelb-load(8) through MANPATH).  Any line
# verify prints is a failure.  Then the unit settings the daemon relies on:
# Type=notify, reload by SIGHUP, exactly the capabilities `run` checks for
# (user/daemon/main.c: CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW), a
# runtime directory /run/ikelb that outlives a crash (the stale-VIP record),
# `ikelb-load cleanup` after every exit (ExecStopPost=), a state
# directory for the drain state, and a real-time policy for the event loop
# (SCHED_FIFO below the kernel's interrupt threads at 50).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/require.sh"

require_cmd systemd-analyze systemd
# verify runs man(1) for Documentation=man:...; without it every unit "fails"
require_cmd man man-db
tmp=$(mktemp -d /tmp/ikelb-systemd.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
D=$tmp/root
UNITS=$D/lib/systemd/system
MAN=$D/usr/local/share/man

if make -s -C "$TOP" install DESTDIR="$D" PREFIX=/usr/local >"$tmp/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr/local"
else
	not_ok "make install DESTDIR=... PREFIX=/usr/local"
	sed 's/^/# /' "$tmp/install.log"
fi
check "installed: the binary, executable" test -x "$D/usr/local/sbin/ikelb-load"
check "installed: ikelb.service" test -f "$UNITS/ikelb.service"
check "installed: ikelb@.service" test -f "$UNITS/ikelb@.service"
check "installed: the man page ikelb-load(8)" test -s "$MAN/man8/ikelb-load.8"
check "installed: the example config" test -s "$D/etc/ikelb/ikelb.conf.example"
quiet() { "$@" >/dev/null 2>&1; }
check "installed binary runs (--version)" quiet "$D/usr/local/sbin/ikelb-load" --version
check "installed example config passes check" \
	quiet "$D/usr/local/sbin/ikelb-load" check -c "$D/etc/ikelb/ikelb.conf.example"

# verify_unit NAME [ENV...]: systemd-analyze verify on a copy of the
# installed unit NAME whose binary path points into $D; prints its output
verify_unit() {
	local name=$1 dir=$tmp/verify
	shift
	mkdir -p "$dir"
	sed "s#/usr/local/sbin/ikelb-load#$D/usr/local/sbin/ikelb-load#g" \
		"$UNITS/$name" >"$dir/$name"
	(cd "$dir" && env "$@" systemd-analyze verify "./$name" 2>&1)
}

for u in ikelb.service ikelb@.service; do
	out=$(verify_unit "$u" MANPATH="$MAN")
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		ok "$u: systemd-analyze verify, no warnings"
	else
		not_ok "$u: systemd-analyze verify, no warnings (status $rc)"
		sed 's/^/# /' <<<"$out"
	fi
done
# The check above can fail: without the man page, verify complains.
out=$(verify_unit ikelb.service MANPATH="$tmp/nowhere")
check "verify notices a missing man page (the check can fail)" grep -q 'ikelb-load(8)' <<<"$out"

# key UNIT KEY: the values of KEY= in the installed UNIT, one per line
key() { sed -n "s/^$2=//p" "$UNITS/$1"; }

# words: sorted, one per line
words() { tr ' ' '\n' | sed '/^$/d' | sort; }

NEED=$(echo CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_NET_RAW | words)
for u in ikelb.service ikelb@.service; do
	check "$u: Type=notify" test "$(key $u Type)" = notify
	check "$u: ExecReload sends SIGHUP to the main PID" \
		grep -Eq '^/bin/kill (-HUP|-s HUP) \$MAINPID$' <<<"$(key $u ExecReload)"
	caps=$(key $u CapabilityBoundingSet | words)
	if [ "$caps" = "$NEED" ]; then
		ok "$u: CapabilityBoundingSet is exactly CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_NET_RAW"
	else
		not_ok "$u: CapabilityBoundingSet is exactly CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_NET_RAW"
		diag "got: $(echo $caps)"
	fi
	amb=$(key $u AmbientCapabilities | words)
	check "$u: AmbientCapabilities within the bounding set" \
		test -z "$(comm -23 <(echo "$amb") <(echo "$NEED"))"
	check "$u: RuntimeDirectory=ikelb (the control socket, lock and VIP record)" \
		test "$(key $u RuntimeDirectory)" = ikelb
	check "$u: the runtime directory survives a crash and restart" \
		grep -Eqx 'yes|restart' <<<"$(key $u RuntimeDirectoryPreserve)"
	check "$u: NoNewPrivileges=yes" test "$(key $u NoNewPrivileges)" = yes
	run=$(key $u ExecStart)
	pre=$(key $u ExecStartPre)
	check "$u: ExecStart is \`ikelb-load run -c FILE\`" \
		grep -Eq '^/usr/local/sbin/ikelb-load run -c /etc/ikelb/' <<<"$run"
	check "$u: ExecStartPre checks the same config" test "$pre" = "${run/ run / check }"
	post=$(key $u ExecStopPost)
	check "$u: ExecStopPost cleans up after the same config (no VIP outlives the daemon)" \
		test "$post" = "${run/ run / cleanup }"
	check "$u: StateDirectory=ikelb (the drain state, /var/lib/ikelb)" \
		test "$(key $u StateDirectory)" = ikelb
	prio=$(key $u CPUSchedulingPriority)
	check "$u: the daemon runs SCHED_FIFO ($(key $u CPUSchedulingPolicy)) at 1..49, below the interrupt threads ($prio)" \
		eval '[ "$(key $u CPUSchedulingPolicy)" = fifo ] && [[ $prio =~ ^[0-9]+$ ]] && [ "$prio" -ge 1 ] && [ "$prio" -le 49 ]'
done
check "ikelb@.service: the config is named by the instance" \
	grep -q '/etc/ikelb/%i.conf$' <<<"$(key ikelb@.service ExecStart)"
tap_done
