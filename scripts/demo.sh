#!/bin/bash
# The ikelb demo: a namespace lab with three gateways and real strongSwan
# clients.  Installs what it needs, builds, runs, and tears everything down.
# Every step checks that it did what it prints: the demo exits non-zero with
# a one-line reason ("demo: FAILED: ...") when a client does not establish,
# no new master takes the VIP, or anything is left behind.
# Usage (as root): scripts/demo.sh
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# fail REASON: one line, the lab's logs kept for a look, exit 1 (the EXIT
# trap still stops every process and deletes the namespaces)
fail() {
	LAB_KEEP=1
	echo "demo: FAILED: $*${LAB_DIR:+ (logs in $LAB_DIR)}" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || { echo "demo: FAILED: run as root (it builds network namespaces)" >&2; exit 1; }
say "Installing packages (if missing) and building"
scripts/deps.sh || { echo "demo: FAILED: scripts/deps.sh could not install the packages" >&2; exit 1; }
make -j2 lab >build.log 2>&1 || { tail -n 40 build.log; echo "demo: FAILED: build (build.log)" >&2; exit 1; }

source tests/lib/netns.sh
source tests/lib/strongswan.sh
source tests/lib/ikelb.sh
source scripts/lab.sh
LAB_PREFIX=ikdemo$$
lab_init

bar() { # bar COUNT MAX: a bar of COUNT cells, scaled to 40 cells for MAX
	local n=$(($1 * 40 / $2)) s=""
	for ((j = 0; j < n; j++)); do s+="#"; done
	printf '%-40s' "$s"
}

# landing: where the tunnels are, per gateway; sets LANDED (their sum)
landing() {
	local i n max
	LANDED=0
	printf '  %-5s %-14s %-40s %s\n' NODE ADDRESS "TUNNELS (bar = share of max)" ""
	for ((i = 1; i <= LAB_N; i++)); do
		max=$(_lab_word "$i" "$LAB_MAX")
		if kill -0 "${LAB_IKELB_PID[$i]}" 2>/dev/null; then
			n=$(lab_gateway_count "$i")
			LANDED=$((LANDED + n))
			printf '  gw%-3s %-14s %s %3d / %d\n' "$i" "$(lab_node_ip "$i")" "$(bar "$n" "$max")" "$n" "$max"
		else
			printf '  gw%-3s %-14s %-40s (dead)\n' "$i" "$(lab_node_ip "$i")" ""
		fi
	done
}

# connect FIRST LAST: clients cFIRST..cLAST through the VIP, every one must
# establish its IKE SA with a live gateway
connect() {
	local first=$1 last=$2 n=$(($2 - $1 + 1)) failed k host hosts
	lab_add_clients "$first" "$last" >/dev/null || fail "could not configure clients c$first..c$last"
	lab_connect "$first" "$last" 8
	failed=$?
	echo "  $((n - failed)) of $n clients established their IKE SA"
	[ "$failed" = 0 ] || fail "$failed of $n clients (c$first..c$last) did not establish their IKE SA"
	hosts=$(lab_client_hosts)
	for ((k = first; k <= last; k++)); do
		host=$(awk -v c="c$k" '$1 == c { print $2 }' <<<"$hosts")
		[ -n "$host" ] || fail "client c$k has no established IKE SA"
		[ -z "${DEAD_IP:-}" ] || [ "$host" != "$DEAD_IP" ] ||
			fail "client c$k landed on the dead gateway $DEAD_IP"
	done
}

say "Building the lab: switch, 3 gateway nodes (VRRP, ikelb-load, strongSwan), 1 client node"
echo "  gateways gw1 gw2 gw3 at 198.18.0.11-13, max tunnels $LAB_MAX (first three),"
echo "  VRRP priorities $LAB_PRIO, VIPs $LAB_VIP4 and $LAB_VIP6"
start=$SECONDS
if ! lab_up 2>"$LAB_DIR/lab_up.err"; then
	cat "$LAB_DIR/lab_up.err" >&2
	why=$(grep -v '^$' "$LAB_DIR/lab_up.err" | tail -n 1)
	fail "the lab did not come up: ${why:-no master with every gateway in its table}"
fi
cat "$LAB_DIR/lab_up.err" >&2
m=$(lab_master) || fail "no master after the lab came up"
echo "  lab up in $((SECONDS - start)) s; master: gw$m"

say "Connecting 60 strongSwan clients to the VIP $LAB_VIP4"
connect 1 60
echo "  where they landed:"
landing
[ "$LANDED" = 60 ] || fail "the gateways hold $LANDED IKE SAs, not the 60 clients'"
say "The master's view: ikelb-load status (on gw$m)"
lab_status "$m" >"$LAB_DIR/status1.txt" || fail "ikelb-load status on gw$m failed"
sed -n '1,/^XDP counters/p' "$LAB_DIR/status1.txt" | sed '$d' | sed 's/^/  /'

say "Killing the master gw$m (SIGKILL ikelb-load and charon, link down)"
DEAD_IP=$(lab_node_ip "$m")
t0=$(date +%s%N)
lab_kill_node "$m"
lab_wait_for 10 lab_master || fail "no node took the VIP within 10 s of the master's death"
n=$(lab_master)
t1=$(date +%s%N)
[ "$n" != "$m" ] || fail "the dead node gw$m still holds the VIP"
echo "  new master: gw$n, VIP moved after $(((t1 - t0) / 1000000)) ms"

sleep 2 # the dead gateway's reports age out (dead_after_ms)

say "Connecting 30 more clients"
connect 61 90
echo "  none on the dead gw$m; where the tunnels are now:"
landing
lab_status "$n" >"$LAB_DIR/status2.txt" || fail "ikelb-load status on gw$n failed"
sed -n '/^TARGET/,/^$/p' "$LAB_DIR/status2.txt" | sed 's/^/  /'

say "Inspecting the maps with bpftool (inside gw$n's namespaces)"
pin=/sys/fs/bpf/ikelb/lab
bt() { # bt ARGS...: bpftool on the new master, output indented
	ikelb_in "${LAB_IKELB_PID[$n]}" bpftool "$@" >"$LAB_DIR/bpftool.out" 2>&1 ||
		fail "bpftool $* failed: $(head -n 1 "$LAB_DIR/bpftool.out")"
}
echo "  \$ bpftool map show pinned $pin/targets"
bt map show pinned $pin/targets
sed 's/^/  /' "$LAB_DIR/bpftool.out"
echo "  \$ bpftool map dump pinned $pin/counters   (per-CPU, named fields; first CPU)"
bt map dump pinned $pin/counters
sed -n '1,16p' "$LAB_DIR/bpftool.out" | sed 's/^/  /'
echo "  \$ bpftool net show dev e0"
bt net show dev e0
sed 's/^/  /' "$LAB_DIR/bpftool.out"
grep -q 'xdp' "$LAB_DIR/bpftool.out" || fail "no XDP program attached on the new master gw$n"

say "Tearing the lab down"
pids=("${_lab_pids[@]}")
lab_cleanup
trap - EXIT
left=$(ip netns list 2>/dev/null | awk -v p="$LAB_PREFIX-" 'index($1, p) == 1 { print $1 }')
[ -z "$left" ] || { echo "demo: FAILED: namespaces left behind: $left" >&2; exit 1; }
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null && { echo "demo: FAILED: process $p left running" >&2; exit 1; }
done
[ ! -e "$LAB_DIR" ] || { echo "demo: FAILED: $LAB_DIR left behind" >&2; exit 1; }
echo "  nothing left behind; done in $SECONDS s"
