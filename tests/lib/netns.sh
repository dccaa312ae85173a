# Namespace lab helpers for tests, the demo and benchmarks.  Source this file
# (bash).  Every namespace and background process made through these helpers
# is recorded, and lab_cleanup (installed by lab_init as the EXIT trap)
# stops the processes by PID and deletes the namespaces, even after a failure.
# Addresses: only 198.18.0.0/15 and 2001:db8::/32, multicast 239.0.0.0/8 and ff0x::.

IKELB_TOP=${IKELB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_PREFIX=${LAB_PREFIX:-ikt$$}
LAB_DIR=${LAB_DIR:-}
_lab_ns=()
_lab_pids=()
_lab_cleanups=()

lab_init() {
	[ -n "$LAB_DIR" ] || LAB_DIR=$(mktemp -d /tmp/ikelb-lab.XXXXXX)
	mkdir -p "$LAB_DIR"
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

# lab_on_cleanup CMD...: run CMD during cleanup, before processes are stopped
lab_on_cleanup() { _lab_cleanups+=("$*"); }

lab_cleanup() {
	local rc=$? p i ns
	trap - EXIT
	for ((i = ${#_lab_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_lab_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	for p in "${_lab_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${_lab_pids[@]}"; do
		for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# lab_ns usually runs in $(...), a subshell whose _lab_ns is lost:
	# the prefix (unique per lab) finds its namespaces.
	for ns in "${_lab_ns[@]}" $(ip netns list 2>/dev/null | awk -v p="$LAB_PREFIX-" \
		'index($1, p) == 1 { print $1 }'); do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$LAB_DIR" ] && [ -z "${LAB_KEEP:-}" ]; then rm -rf "$LAB_DIR"; fi
	return $rc
}

# lab_ns NAME: make namespace $LAB_PREFIX-NAME with lo up; prints its name
lab_ns() {
	local ns=$LAB_PREFIX-$1
	ip netns add "$ns" || return 1
	_lab_ns+=("$ns")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	echo "$ns"
}

# lab_veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both up,
# with transmit checksum offload off at both ends: a veth otherwise hands a
# local socket's UDP datagram on with only the pseudo-header part of its
# checksum (CHECKSUM_PARTIAL), and the XDP program, which verifies UDP
# checksums, drops it (a physical NIC delivers complete checksums).
lab_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" || return 1
	ip netns exec "$1" "$IKELB_TOP/build/tests/tools/tx_csum_off" "$2" &&
		ip netns exec "$3" "$IKELB_TOP/build/tests/tools/tx_csum_off" "$4" || return 1
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# lab_bridge NS BR: a bridge (the switch) in NS
lab_bridge() {
	ip -n "$1" link add "$2" type bridge && ip -n "$1" link set "$2" up &&
		ip netns exec "$1" sysctl -qw net.ipv6.conf."$2".accept_dad=0
}

# lab_port NS BR IF: IF in NS joins bridge BR, with XDP_PASS attached so that
# XDP_TX frames from its veth peer are delivered (a veth drops XDP_TX frames
# unless its peer runs an XDP program: docs/design.md, "Test facts").
lab_port() {
	ip -n "$1" link set "$3" master "$2" && lab_xdp_pass "$1" "$3"
}

# lab_switch_host SW PORT NS DEV ADDR4 [ADDR6]: NS on the switch of namespace
# SW (bridge br0, made by lab_bridge) through its interface DEV, the switch's
# port PORT; ADDR4/24 and ADDR6/64 (no DAD) on DEV
lab_switch_host() {
	local sw=$1 port=$2 ns=$3 dev=$4 a4=$5 a6=${6:-}
	lab_veth "$ns" "$dev" "$sw" "$port" && lab_port "$sw" br0 "$port" &&
		ip -n "$ns" addr add "$a4/24" dev "$dev" || return 1
	[ -z "$a6" ] || ip -n "$ns" addr add "$a6/64" dev "$dev" nodad
}

lab_xdp_pass() {
	ip -n "$1" link set dev "$2" xdpdrv obj "$IKELB_TOP/build/bpf/xdp_pass.bpf.o" sec xdp
}

# lab_spawn LOG CMD...: CMD in the background, output to LOG; sets LAB_PID
lab_spawn() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 </dev/null &
	LAB_PID=$!
	_lab_pids+=("$LAB_PID")
}

# lab_track PID...: background jobs started with & outside lab_spawn, so
# that cleanup stops them too
lab_track() { _lab_pids+=("$@"); }

# lab_stop PID [SIGNAL]: signal a recorded process and wait for it
lab_stop() {
	local p=$1 sig=${2:-TERM} i
	kill -"$sig" "$p" 2>/dev/null
	for i in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	wait "$p" 2>/dev/null
	kill -0 "$p" 2>/dev/null || lab_untrack "$p"
	return 0
}

# lab_untrack PID: a process that is gone (waited for) leaves the list, so
# cleanup never signals whatever reuses its PID later
lab_untrack() {
	local q keep=()
	for q in "${_lab_pids[@]}"; do [ "$q" = "$1" ] || keep+=("$q"); done
	_lab_pids=("${keep[@]}")
}

# lab_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
lab_wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
