#!/bin/bash
# The ikelb demo: a namespace lab with three gateways and real strongSwan
# clients.  Installs what it needs, builds, runs, and tears everything down.
# Usage: sudo scripts/demo.sh        (about two minutes)
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it builds network namespaces)"; exit 1; }
say "Installing packages (if missing) and building"
scripts/deps.sh || exit 1
make -j2 all >build.log 2>&1 || { tail -n 40 build.log; echo "build failed (build.log)"; exit 1; }

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

landing() {
	local i n max
	printf '  %-5s %-14s %-40s %s\n' NODE ADDRESS "TUNNELS (bar = share of max)" ""
	for ((i = 1; i <= LAB_N; i++)); do
		max=$(_lab_word "$i" "$LAB_MAX")
		if kill -0 "${LAB_IKELB_PID[$i]}" 2>/dev/null; then
			n=$(lab_gateway_count "$i")
			printf '  gw%-3s %-14s %s %3d / %d\n' "$i" "$(lab_node_ip "$i")" "$(bar "$n" "$max")" "$n" "$max"
		else
			printf '  gw%-3s %-14s %-40s (dead)\n' "$i" "$(lab_node_ip "$i")" ""
		fi
	done
}

say "Building the lab: switch, 3 gateway nodes (VRRP, ikelb-load, strongSwan), 1 client node"
echo "  gateways gw1 gw2 gw3 at 198.18.0.11-13, max tunnels $LAB_MAX (first three),"
echo "  VRRP priorities $LAB_PRIO, VIPs $LAB_VIP4 and $LAB_VIP6"
start=$SECONDS
lab_up || { echo "lab did not come up; logs in $LAB_DIR"; LAB_KEEP=1; exit 1; }
m=$(lab_master)
echo "  lab up in $((SECONDS - start)) s; master: gw$m"

say "Connecting 60 strongSwan clients to the VIP $LAB_VIP4"
lab_add_clients 1 60 >/dev/null
lab_connect 1 60 8
echo "  $((60 - $?)) of 60 clients established their IKE SA; where they landed:"
landing
say "The master's view: ikelb-load status (on gw$m)"
lab_status "$m" | sed -n '1,/^XDP counters/p' | sed '$d' | sed 's/^/  /'

say "Killing the master gw$m (SIGKILL ikelb-load and charon, link down)"
t0=$(date +%s%N)
lab_kill_node "$m"
lab_wait_for 10 lab_master >/dev/null
n=$(lab_master)
t1=$(date +%s%N)
echo "  new master: gw$n, VIP moved after $(((t1 - t0) / 1000000)) ms"

sleep 2 # the dead gateway's reports age out (dead_after_ms)

say "Connecting 30 more clients"
lab_add_clients 61 90 >/dev/null
lab_connect 61 90 8
echo "  $((30 - $?)) of 30 clients established; where the tunnels are now:"
landing
lab_status "$n" | sed -n '/^TARGET/,/^$/p' | sed 's/^/  /'

say "Inspecting the maps with bpftool (inside gw$n's namespaces)"
pin=/sys/fs/bpf/ikelb/lab
echo "  \$ bpftool map show pinned $pin/targets"
ikelb_in "${LAB_IKELB_PID[$n]}" bpftool map show pinned $pin/targets | sed 's/^/  /'
echo "  \$ bpftool map dump pinned $pin/counters   (per-CPU, named fields; first CPU)"
ikelb_in "${LAB_IKELB_PID[$n]}" bpftool map dump pinned $pin/counters | sed -n '1,16p' | sed 's/^/  /'
echo "  \$ bpftool net show dev e0"
ikelb_in "${LAB_IKELB_PID[$n]}" bpftool net show dev e0 | sed 's/^/  /'

say "Tearing the lab down"
lab_cleanup
trap - EXIT
echo "  done in $SECONDS s"
