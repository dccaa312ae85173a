#!/bin/bash
# The ikelb-load command line without a running daemon: `check` on the
# example config and on broken configs (exit 1, each error as FILE:LINE:
# message, at the line that is wrong), --version, --help, unknown commands
# and options (exit 2), `status` with no daemon (exit 3), and `run` that
# cannot start: missing capabilities, a missing interface, a bad config;
# `strongswan-conf`, and `check`'s and `run`'s steering checks of the ARP
# settings in a namespace of their own.
# Expected lines are those of the files written here; the version comes
# from the Makefile; the capabilities from ikelb-load(8).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
B=$TOP/build/ikelb-load
if [ ! -x "$B" ]; then
	not_ok "build/ikelb-load built (run make)"
	tap_done
	exit 1
fi
tmp=$(mktemp -d /tmp/ikelb-cli.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
NAME=cli$$ # a cluster name no daemon on this machine uses

# run_b ARGS...: ikelb-load; sets RC and OUT (stdout and stderr)
run_b() {
	OUT=$(timeout 10 "$B" "$@" 2>&1)
	RC=$?
}

# ---- check ---------------------------------------------------------------
cp "$TOP/scripts/ikelb.conf.example" "$tmp/example.conf"
run_b check -c "$tmp/example.conf"
check "check: the example config is valid (exit 0)" test $RC -eq 0
check "check: the example config reports OK" grep -q "example.conf: OK" <<<"$OUT"
[ $RC -eq 0 ] || sed 's/^/# /' <<<"$OUT"

base() {
	cat <<EOF
[cluster]
name = $NAME
interface = e0
virtual_ip = 198.18.0.1
virtual_ip6 = 2001:db8::1
vrrp = off

[target gw1]
address = 198.18.0.11
max_tunnels = 100
EOF
}
base >"$tmp/base.conf"
run_b check -c "$tmp/base.conf"
check "check: the base of the broken configs is valid" test $RC -eq 0

n_case=0
# broken LINE WORD DESCRIPTION CONFIG: check exits 1 and prints exactly
# one error, at FILE:LINE, that contains WORD
broken() {
	local line=$1 word=$2 what=$3 f errs
	n_case=$((n_case + 1))
	f=$tmp/broken$n_case.conf
	printf '%s\n' "$4" >"$f"
	run_b check -c "$f"
	errs=$(grep -c "^$f:[0-9]*: " <<<"$OUT")
	if [ $RC -eq 1 ] && [ "$errs" -eq 1 ] && grep -qF -- "$f:$line: " <<<"$OUT" &&
		grep "^$f:$line: " <<<"$OUT" | grep -qiF -- "$word"; then
		ok "check: $what -> exit 1, $(basename "$f"):$line: ...$word..."
	else
		not_ok "check: $what -> exit 1, $(basename "$f"):$line: ...$word... (exit $RC)"
		sed 's/^/# /' <<<"$OUT"
	fi
}

# The base has 10 lines; appended sections start at line 11.
broken 4 colour "unknown key" "$(base | sed '3a colour = blue')"
broken 11 nonsense "unknown section" "$(base; echo "[nonsense]")"
broken 12 198.18.0.1 "a target at the IPv4 VIP" \
	"$(base; printf '[target gw2]\naddress = 198.18.0.1\nmax_tunnels = 5\n')"
broken 12 2001:db8::1 "a target at the IPv6 VIP" \
	"$(base; printf '[target gw2]\naddress = 2001:db8::1\nmax_tunnels = 5\n')"
broken 10 max_tunnels "max_tunnels = 0" "$(base | sed 's/^max_tunnels = 100/max_tunnels = 0/')"
broken 10 max_tunnels "max_tunnels above 10000000" \
	"$(base | sed 's/^max_tunnels = 100/max_tunnels = 10000001/')"
broken 10 max_tunnels "max_tunnels not a number" \
	"$(base | sed 's/^max_tunnels = 100/max_tunnels = 12x/')"
broken 5 virtual_ip "a duplicate key" "$(base | sed '4a virtual_ip = 198.18.0.2')"
broken 11 gw1 "a duplicate target" \
	"$(base; printf '[target gw1]\naddress = 198.18.0.12\nmax_tunnels = 5\n')"
broken 12 198.18.0.11 "two targets at one address" \
	"$(base; printf '[target gw2]\naddress = 198.18.0.11\nmax_tunnels = 5\n')"
broken 4 virtual_ip "a bad IPv4 address" \
	"$(base | sed 's/^virtual_ip = .*/virtual_ip = 198.18.0.300/')"
broken 5 virtual_ip6 "a bad IPv6 address" \
	"$(base | sed 's/^virtual_ip6 = .*/virtual_ip6 = 2001:db8::zz/')"
# a missing key: at the header of its section
broken 1 virtual_ip "no VIP" "$(base | sed '/^virtual_ip/d')"
broken 3 interface "an interface name over 15 characters" \
	"$(base | sed 's/^interface = .*/interface = this-name-is-too-long-for-linux/')"
broken 2 name "a cluster name with a blank" "$(base | sed 's/^name = .*/name = bad name/')"
broken 6 vrrp "vrrp not off|on|external" "$(base | sed 's/^vrrp = off/vrrp = sometimes/')"
broken 7 xdp_mode "xdp_mode not native|generic|auto" "$(base | sed '6a xdp_mode = fast')"
broken 12 ports "a port above 65535" "$(base; printf '[redirect]\nports = 500 70000\n')"
broken 12 unsupported "unsupported not pass|drop" \
	"$(base; printf '[redirect]\nunsupported = maybe\n')"
broken 12 no_target "no_target not pass|drop" "$(base; printf '[redirect]\nno_target = maybe\n')"
broken 5 what "a line that is not key = value" "$(base | sed '4a what')"
broken 7 rebalance_threshold "rebalance_threshold = 0" "$(base | sed '6a rebalance_threshold = 0')"
broken 7 rebalance_hold_ms "rebalance_hold_ms below 1000" "$(base | sed '6a rebalance_hold_ms = 999')"
broken 7 rebalance "rebalance not on|off" "$(base | sed '6a rebalance = sometimes')"
broken 14 migrate_rate "migrate_rate above 100" \
	"$(base; printf '[gateway]\naddress = 198.18.0.21\nmax_tunnels = 10\nmigrate_rate = 101\n')"
broken 14 drain_migrate "drain_migrate without a VICI tunnels source" \
	"$(base; printf '[gateway]\naddress = 198.18.0.21\nmax_tunnels = 10\ndrain_migrate = yes\n')"

# Every error of a file is printed, each with its own line, and counted.
f=$tmp/many.conf
cat >"$f" <<EOF
[cluster]
name = $NAME
colour = blue
interface = e0
virtual_ip = 198.18.0.1

[target gw2]
address = 198.18.0.1
max_tunnels = 0

[target gw2]
address = 198.18.0.13
max_tunnels = 5

[redirect]
ports = 500 70000
unsupported = maybe
[nonsense]
EOF
run_b check -c "$f"
check "check: a file with 7 errors exits 1" test $RC -eq 1
for l in 3 8 9 11 16 17 18; do
	check "check: a file with 7 errors: line $l reported" grep -q "^$f:$l: " <<<"$OUT"
done
check "check: a file with 7 errors: 7 error lines" \
	test "$(grep -c "^$f:[0-9]*: " <<<"$OUT")" -eq 7
[ $RC -eq 1 ] || sed 's/^/# /' <<<"$OUT"

# ---- who may write what the daemon trusts ----------------------------------
cp "$tmp/base.conf" "$tmp/gw.conf"
chmod 0664 "$tmp/gw.conf"
run_b check -c "$tmp/gw.conf"
check "check: a group-writable config -> exit 1, refused with the reason" \
	eval '[ $RC -eq 1 ] && grep -q "gw.conf: refused: group-writable (mode 0664); chmod g-w it" <<<"$OUT"'
chmod 0602 "$tmp/gw.conf"
run_b check -c "$tmp/gw.conf"
check "check: a world-writable config -> exit 1, refused" \
	eval '[ $RC -eq 1 ] && grep -q "refused: writable by others (mode 0602)" <<<"$OUT"'
printf '#!/bin/sh\n' >"$tmp/notify.sh"
chmod 0757 "$tmp/notify.sh"
{ base; printf '[vrrp]\nnotify = %s\n' "$tmp/notify.sh"; } >"$tmp/notify.conf"
run_b check -c "$tmp/notify.conf"
check "check: a world-writable notify script -> exit 1, refused with the reason" \
	eval '[ $RC -eq 1 ] && grep -q "notify.sh: \[vrrp\] notify script: refused: writable by others" <<<"$OUT"'
chmod 0755 "$tmp/notify.sh"
run_b check -c "$tmp/notify.conf"
check "check: the same script, 0755 -> valid" test $RC -eq 0

run_b check -c "$tmp/does-not-exist.conf"
check "check: a missing file -> exit 1 and names the file" \
	eval '[ $RC -eq 1 ] && grep -q "does-not-exist.conf" <<<"$OUT"'

# ---- version, help, usage errors ------------------------------------------
version=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
run_b --version
check "--version exits 0" test $RC -eq 0
check "--version prints ikelb-load $version" test "$OUT" = "ikelb-load $version"
run_b --help
check "--help exits 0 and shows the usage" eval '[ $RC -eq 0 ] && grep -q "Usage: ikelb-load" <<<"$OUT"'
for c in run status check drain cleanup; do
	check "--help names the command $c" grep -q "^ *$c " <<<"$OUT"
done
# ikelb-load(8) and --help agree: `drain` alone shows, changes nothing
check "--help: drain without an argument shows the state" \
	grep -q "without an argument, show whether it is drained" <<<"$OUT"
check "ikelb-load(8): drain without an argument shows the state" \
	grep -q "^Without an argument, show whether" "$TOP/scripts/ikelb-load.8"
run_b frobnicate
check "unknown command -> exit 2" test $RC -eq 2
check "unknown command -> names it" grep -q frobnicate <<<"$OUT"
run_b --frobnicate
check "unknown option -> exit 2" test $RC -eq 2
run_b
check "no command -> exit 2 and the usage" eval '[ $RC -eq 2 ] && grep -q "Usage:" <<<"$OUT"'
run_b check extra -c "$tmp/base.conf"
check "extra argument -> exit 2" test $RC -eq 2
run_b --help
check "--help shows drain on --migrate [--rate N/s]" \
	grep -q "drain on --migrate \[--rate N/s\]" <<<"$OUT"
# drain's options: exit 2 and a reason before any daemon is asked
for args in "drain on --migrate --rate 0" "drain on --migrate --rate 101" \
	"drain on --migrate --rate 10/m" "drain on --migrate --rate x" "drain on --rate 10" \
	"drain off --migrate" "drain --migrate" "status --migrate" "check --rate 5"; do
	# shellcheck disable=SC2086 # the words are the arguments
	run_b $args -c "$tmp/base.conf"
	check "$args -> exit 2 with a reason" \
		eval '[ $RC -eq 2 ] && grep -q -- "--rate\|--migrate" <<<"$OUT"'
done
for args in "drain on --migrate" "drain on --migrate --rate 10/s" "drain on -m -r 100"; do
	# shellcheck disable=SC2086
	run_b $args -c "$tmp/base.conf"
	check "$args: understood; no daemon -> exit 3" test $RC -eq 3
done

# ---- status without a daemon ------------------------------------------------
run_b status -c "$tmp/base.conf"
check "status, no daemon -> exit 3" test $RC -eq 3
check "status, no daemon -> says it is not running" grep -q "not running" <<<"$OUT"
run_b status --json -c "$tmp/base.conf"
check "status --json, no daemon -> exit 3" test $RC -eq 3
# A broken file whose cluster name is readable still reaches the daemon
# (an operator needs `status` most right after a rejected reload).
run_b status -c "$tmp/many.conf"
check "status with a broken config -> errors as warnings, then asks the daemon (exit 3)" \
	eval '[ $RC -eq 3 ] && grep -q "warning: .*many.conf:3: " <<<"$OUT" && grep -q "not running" <<<"$OUT"'
printf '[cluster]\nname = bad name\n' >"$tmp/noname.conf"
run_b status -c "$tmp/noname.conf"
check "status with no usable cluster name -> exit 1" \
	eval '[ $RC -eq 1 ] && grep -q "no usable \\[cluster\\] name" <<<"$OUT"'

# ---- cleanup after a daemon that did not stop -----------------------------------
if [ "$(id -u)" != 0 ]; then
	skip "not root: cleanup"
else
	# a private network and mount namespace: an interface holding the
	# VIP a "dead run" recorded, its pins' place, its socket
	sed 's/^interface = .*/interface = d0/' "$tmp/base.conf" >"$tmp/d0.conf"
	OUT=$(timeout 10 unshare -m -n sh -c '
		B=$0 C=$1 N=$2
		mount -t tmpfs none /run && mkdir /run/ikelb || exit 9
		ip link add d0 type veth peer name d1 && ip link set d0 up &&
			ip addr add 198.18.0.1/32 dev d0 && ip addr add 198.18.0.5/32 dev d0 || exit 9
		printf "%s\n198.18.0.1\n" "$(ip -o link show d0 | cut -d: -f1)" >/run/ikelb/$N.vips
		touch /run/ikelb/$N.sock
		# a daemon holds the lock: nothing is touched
		flock /run/ikelb/$N.lock sleep 2 & sleep 0.3
		"$B" cleanup -c "$C"; echo "held: $?"
		ip -4 -o addr show dev d0 | grep -c "198.18.0.1/32" | sed "s/^/vip while held: /"
		wait
		"$B" cleanup -c "$C"; echo "free: $?"
		ip -4 -o addr show dev d0 | grep -c "198.18.0.1/32" | sed "s/^/vip after: /"
		ip -4 -o addr show dev d0 | grep -c "198.18.0.5/32" | sed "s/^/other address after: /"
		ls /run/ikelb | sed "s/^/left: /"
		"$B" cleanup -c "$C"; echo "again: $?"
	' "$B" "$tmp/d0.conf" "$NAME" 2>&1)
	check "cleanup while a daemon holds the lock -> exit 1, names it, touches nothing" \
		eval 'grep -qx "held: 1" <<<"$OUT" && grep -q "another ikelb-load runs" <<<"$OUT" &&
			grep -qx "vip while held: 1" <<<"$OUT"'
	check "cleanup after it -> exit 0, the recorded VIP removed (log says so)" \
		eval 'grep -qx "free: 0" <<<"$OUT" && grep -qx "vip after: 0" <<<"$OUT" &&
			grep -q "removed VIP 198.18.0.1 left behind" <<<"$OUT"'
	check "cleanup leaves addresses it did not record" grep -qx "other address after: 1" <<<"$OUT"
	check "cleanup removes the record, the socket and the lock" eval '! grep -q "^left: " <<<"$OUT"'
	check "cleanup with nothing left -> exit 0" grep -qx "again: 0" <<<"$OUT"
	[ "$_tap_fail" = 0 ] || sed 's/^/# /' <<<"$OUT"
fi

# ---- run that cannot start --------------------------------------------------
if ! command -v setpriv >/dev/null; then
	not_ok "setpriv is missing: install Debian package util-linux (scripts/deps.sh does)"
else
	# nobody must be able to reach the binary wherever the checkout lives
	# (a clone under /root, mode 0700, is the usual case for root): a copy
	# in a directory of its own that everyone may enter
	nob=$tmp/nobody
	mkdir -p "$nob" && chmod 0755 "$tmp" "$nob" && cp "$B" "$nob/ikelb-load" &&
		chmod 0755 "$nob/ikelb-load"
	start=$SECONDS
	OUT=$(timeout 10 setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$nob/ikelb-load" run -c "$tmp/base.conf" 2>&1)
	RC=$?
	check "run as nobody, no capabilities -> exits non-zero at once" \
		eval '[ $RC -ne 0 ] && [ $RC -ne 124 ] && [ $((SECONDS - start)) -le 2 ]'
	for cap in CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_NET_RAW; do
		check "run as nobody -> the message names $cap" grep -qw $cap <<<"$OUT"
	done
	[ $RC -ne 0 ] || sed 's/^/# /' <<<"$OUT"
	if [ "$(id -u)" = 0 ]; then
		# root without two of them: exactly those two are named
		OUT=$(timeout 10 setpriv --inh-caps=-bpf,-perfmon --bounding-set=-bpf,-perfmon \
			unshare -m -n sh -c 'mount -t tmpfs none /run && exec "$0" run -c "$1"' \
			"$B" "$tmp/base.conf" 2>&1)
		RC=$?
		check "run as root without CAP_BPF, CAP_PERFMON -> exit non-zero" \
			eval '[ $RC -ne 0 ] && [ $RC -ne 124 ]'
		check "run as root without CAP_BPF, CAP_PERFMON -> names those two only" eval \
			'grep -qw CAP_BPF <<<"$OUT" && grep -qw CAP_PERFMON <<<"$OUT" &&
			! grep -qw CAP_NET_ADMIN <<<"$OUT" && ! grep -qw CAP_NET_RAW <<<"$OUT"'
	else
		skip "not root: run with some capabilities dropped"
	fi
fi

# ---- steering: strongswan-conf, check's warnings ----------------------------------
steer_conf() { # steer_conf [LABEL]: base with unsupported = steer and a [gateway]
	base
	printf '[redirect]\nunsupported = steer\n[gateway]\naddress = 198.18.0.10\nmax_tunnels = 5\n'
	[ -z "${1:-}" ] || echo "steer_label = $1"
}
steer_conf 17 >"$tmp/steer.conf"
run_b strongswan-conf -c "$tmp/steer.conf"
check "strongswan-conf: label 17 -> exit 0, exactly the four charon lines" \
	eval '[ $RC -eq 0 ] && [ "$OUT" = "$(printf "spi_mask = 0xff00000000000000\nspi_label = 0x1100000000000000\nspi_min = 0x11000000\nspi_max = 0x11ffffff")" ]'
steer_conf >"$tmp/nolabel.conf"
run_b strongswan-conf -c "$tmp/nolabel.conf"
check "strongswan-conf: no steer_label -> exit 1, says so" \
	eval '[ $RC -eq 1 ] && grep -q "has no \[gateway\] steer_label" <<<"$OUT"'
run_b strongswan-conf -c "$tmp/does-not-exist.conf"
check "strongswan-conf: a missing file -> exit 1" test $RC -eq 1
run_b check -c "$tmp/nolabel.conf"
check "check: steering with a [gateway] without label -> OK (exit 0) and a warning" \
	eval '[ $RC -eq 0 ] && grep -q "^warning: \[gateway\] has no steer_label" <<<"$OUT"'
if [ "$(id -u)" = 0 ]; then
	# a fresh namespace: its e0 has the kernel's ARP defaults (0 and 0)
	sed 's/^interface = .*/interface = e0/' "$tmp/steer.conf" >"$tmp/steer-e0.conf"
	OUT=$(timeout 10 unshare -n sh -c 'ip link add e0 type veth peer name e1 && exec "$0" check -c "$1"' \
		"$B" "$tmp/steer-e0.conf" 2>&1)
	RC=$?
	check "check: steering with the ARP defaults -> exit 0, a warning naming the sysctls" \
		eval '[ $RC -eq 0 ] && grep -q "^warning: net.ipv4.conf.e0.arp_ignore is 0 and arp_announce 0" <<<"$OUT"'
	OUT=$(timeout 10 unshare -n sh -c 'ip link add e0 type veth peer name e1 &&
		sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.e0.arp_announce=2 &&
		exec "$0" check -c "$1"' "$B" "$tmp/steer-e0.conf" 2>&1)
	check "check: with arp_ignore 1 (all) and arp_announce 2 (e0): OK, no ARP warning" \
		eval 'grep -q "steer-e0.conf: OK" <<<"$OUT" && ! grep -q "arp_ignore" <<<"$OUT"'
	OUT=$(timeout 10 unshare -m -n sh -c 'ip link add e0 type veth peer name e1 && ip link set e0 up &&
		mount -t tmpfs none /run && exec "$0" run -c "$1"' "$B" "$tmp/steer-e0.conf" 2>&1)
	RC=$?
	check "run: steering with the ARP defaults -> refused (exit 1), naming the sysctls" \
		eval '[ $RC -eq 1 ] && grep -q "unsupported = steer: net.ipv4.conf.e0.arp_ignore is 0" <<<"$OUT"'
else
	skip "not root: check and run with a steering config in a namespace"
	skip "not root"
	skip "not root"
fi

if [ "$(id -u)" != 0 ]; then
	skip "not root: run with a missing interface"
	skip "not root: run with a broken config"
else
	# a private network namespace (no e0 in it) and a private /run
	sed 's/^interface = .*/interface = nosuch0/' "$tmp/base.conf" >"$tmp/noif.conf"
	OUT=$(timeout 10 unshare -m -n sh -c \
		'mount -t tmpfs none /run && exec "$0" run -c "$1"' "$B" "$tmp/noif.conf" 2>&1)
	RC=$?
	check "run, interface missing -> exit non-zero, message names it" \
		eval '[ $RC -ne 0 ] && [ $RC -ne 124 ] && grep -q "nosuch0" <<<"$OUT"'
	[ $RC -ne 0 ] || sed 's/^/# /' <<<"$OUT"
	OUT=$(timeout 10 unshare -m -n sh -c \
		'mount -t tmpfs none /run && exec "$0" run -c "$1"' "$B" "$tmp/many.conf" 2>&1)
	RC=$?
	check "run, broken config -> exit 1 with FILE:LINE errors" \
		eval '[ $RC -eq 1 ] && grep -q "many.conf:16: " <<<"$OUT"'
fi
tap_done
