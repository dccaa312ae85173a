# ikelb-load in the lab (source after netns.sh).  Each daemon runs in its own
# network namespace AND its own mount namespace, with a private /run (control
# socket, lock) and, through `ip netns exec`, a private /sys whose bpffs the
# daemon mounts: several nodes of one cluster can run on one machine.
# Inspect a node with ikelb_in PID CMD... (nsenter into its namespaces).

IKELB_LOAD=${IKELB_LOAD:-$IKELB_TOP/build/ikelb-load}
# IKELB_RUN_PREFIX: a command that starts the daemon, e.g. "chrt -f 20"
IKELB_TOOLS=$IKELB_TOP/build/tests/tools
JG=$IKELB_TOOLS/json_get

# ikelb_require [--charon] [--pki] [--keepalived] [--bpftool] [--openssl] [TOOL...]:
# what the test needs, or the end of it: a skip when not root (namespaces),
# a failure when a peer's package is missing (scripts/deps.sh installs
# them) or something of ours is not built: ikelb-load, json_get, the lab's
# XDP_PASS object, each TOOL of build/tests/tools/.  After tap.sh, netns.sh.
ikelb_require() {
	local t missing=
	if [ "$(id -u)" != 0 ]; then skip "needs root (namespaces)"; tap_done; exit 0; fi
	for t in "$@"; do
		case "$t" in
		--charon)
			[ -x /usr/lib/ipsec/charon ] || missing+=" charon (package strongswan-charon)"
			command -v swanctl >/dev/null || missing+=" swanctl (package strongswan-swanctl)" ;;
		--pki) command -v pki >/dev/null || missing+=" pki (package strongswan-pki)" ;;
		--keepalived) command -v keepalived >/dev/null ||
			missing+=" keepalived (package keepalived)" ;;
		--bpftool) command -v bpftool >/dev/null || missing+=" bpftool (package bpftool)" ;;
		--openssl) command -v openssl >/dev/null || missing+=" openssl (package openssl)" ;;
		*) [ -x "$IKELB_TOOLS/$t" ] || missing+=" build/tests/tools/$t (make tests)" ;;
		esac
	done
	[ -x "$IKELB_LOAD" ] && [ -x "$JG" ] && [ -f "$IKELB_TOP/build/bpf/xdp_pass.bpf.o" ] ||
		missing+=" ikelb-load, json_get or xdp_pass.bpf.o (make tests)"
	if [ -n "$missing" ]; then
		not_ok "missing:$missing; scripts/deps.sh installs the packages"
		tap_done
		exit 1
	fi
}

# ikelb_start NS CONF LOG [ARGS...]: start `ikelb-load run`; sets IKELB_PID
ikelb_start() {
	local ns=$1 conf=$2 log=$3
	shift 3
	lab_spawn "$log" ${IKELB_RUN_PREFIX:-} ip netns exec "$ns" unshare -m sh -c \
		'mount -t tmpfs none /run && c=$1 && shift && exec "$0" run -c "$c" "$@"' \
		"$IKELB_LOAD" "$conf" "$@"
	IKELB_PID=$LAB_PID
}

# ikelb_start_rundir NS DIR CONF LOG [ARGS...]: like ikelb_start, but with
# DIR bind-mounted on /run: the control socket, lock and VIP record outlive
# the daemon (a restart after a crash sees them) and the test sees them.
ikelb_start_rundir() {
	local ns=$1 dir=$2 conf=$3 log=$4
	shift 4
	mkdir -p "$dir"
	lab_spawn "$log" ${IKELB_RUN_PREFIX:-} ip netns exec "$ns" unshare -m sh -c \
		'mount --bind "$1" /run && c=$2 && shift 2 && exec "$0" run -c "$c" "$@"' \
		"$IKELB_LOAD" "$dir" "$conf" "$@"
	IKELB_PID=$LAB_PID
}

# The daemon process itself (lab_spawn's PID is ip/unshare, which exec into it).
ikelb_in() {
	local pid=$1
	shift
	nsenter -t "$pid" -m -n "$@"
}

# ikelb_ctl PID CONF ARGS...: an ikelb-load command next to a running daemon
ikelb_ctl() {
	local pid=$1 conf=$2
	shift 2
	nsenter -t "$pid" -m -n "$IKELB_LOAD" "$@" -c "$conf"
}

# ikelb_wait_ready PID CONF [SECONDS]: until `status` answers
ikelb_wait_ready() {
	lab_wait_for "${3:-10}" ikelb_ctl "$1" "$2" status
}

# ikelb_loop_figures PID CONF: what the daemon's event loop has measured
# (status --json, "loop"; docs/status-json.md) as "RAN WAITED NOT_RUN
# WAKEUPS": slow callbacks that ran or waited in the kernel (the daemon's
# doing), slow ones the kernel did not run, and late wake-ups from a wait
# (the kernel's).
ikelb_loop_figures() {
	ikelb_ctl "$1" "$2" status --json |
		"$JG" loop/slow_ran loop/slow_waited loop/slow_not_run loop/late_wakeups | paste -sd ' '
}

# ikelb_loop_judge PID CONF BEFORE GAPS LIMIT_MS: the checks of a test that
# captured a master's adverts, once the capture is over.  BEFORE: what
# ikelb_loop_figures said when it began; GAPS: how many gaps between two
# adverts were above LIMIT_MS.  The daemon is judged by its own loop's
# account, kernel-side delays are said apart:
#  - no callback was slow by its own doing meanwhile (on the CPU, or
#    waiting in the kernel): fails naming them, whether or not an advert
#    was late for it;
#  - every gap above LIMIT_MS had a kernel-side delay the loop measured
#    meanwhile (a late wake-up, or a callback the kernel did not run): a
#    gap that the loop cannot account for fails.
ikelb_loop_judge() {
	local pid=$1 conf=$2 before=$3 gaps=$4 limit=$5 after b_ran b_wait b_nr b_wake
	local ran wait nr wake
	after=$(ikelb_loop_figures "$pid" "$conf")
	# four counts each, or nothing can be judged (status failed, the
	# daemon is gone): a failure, never zeros
	if ! [[ $before =~ ^[0-9]+( [0-9]+){3}$ && $after =~ ^[0-9]+( [0-9]+){3}$ ]]; then
		not_ok "the loop's own account, before and after the capture ('$before', '$after')"
		return
	fi
	read -r b_ran b_wait b_nr b_wake <<<"$before"
	read -r ran wait nr wake <<<"$after"
	ran=$((ran - b_ran)) wait=$((wait - b_wait)) nr=$((nr - b_nr)) wake=$((wake - b_wake))
	check "the loop did nothing slow itself meanwhile (callbacks over 5 ms that ran: $ran, that waited in the kernel: $wait)" \
		test $((ran + wait)) = 0
	diag "kernel-side delays meanwhile, as the loop measured them: $wake late wake-ups, $nr callbacks the kernel did not run"
	check "every gap above $limit ms is one of them ($gaps gaps)" test "$gaps" -le $((wake + nr))
	if [ $((ran + wait)) != 0 ] || [ "$gaps" -gt $((wake + nr)) ]; then
		ikelb_ctl "$pid" "$conf" status | sed -n '/^event loop/,$p' | sed 's/^/# loop: /'
	fi
}
