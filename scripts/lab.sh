# The ikelb namespace lab, for the demo, the end-to-end tests and the
# benchmarks.  Source it (bash) after tests/lib/netns.sh, strongswan.sh and
# ikelb.sh, call lab_init, then lab_up.  lab_cleanup (the EXIT trap) stops
# every process by PID and deletes every namespace, whatever happened.
#
#   switch ns "sw": bridge br0; every port has XDP_PASS so that XDP_TX
#                   frames from the nodes are delivered (lab_port)
#   node ns gw1..gwN: e0 198.18.0.1N/24, 2001:db8::1N/64; ikelb-load (VRRP,
#                   signed status, tunnels = vici:...) next to a strongSwan
#                   gateway (charon) with the shared identity gw.ikelb.test;
#                   or, with LAB_TUNNELS, tunnels = file:... and no charon
#   client ns "cl": 198.18.0.100/24, 2001:db8::100/64; one charon that holds
#                   many connections to the VIP, each its own IKE SA
#   more client ns: lab_client_up NAME ADDR4 ADDR6 [CHARON_LINES] (e.g. a
#                   charon with follow_redirects = no); LAB_CLIENT=NAME
#                   points lab_add_clients, lab_connect, lab_where at it
#   VIPs: 198.18.0.1 and 2001:db8::1
#
# Settings (environment, before lab_up):
LAB_N=${LAB_N:-3}                          # gateway nodes
LAB_PRIO=${LAB_PRIO:-"200 150 100 90"}     # VRRP priority per node
LAB_MAX=${LAB_MAX:-"40 40 80 80"}          # max_tunnels per node
LAB_ADVERT_MS=${LAB_ADVERT_MS:-200}
LAB_STATUS_MS=${LAB_STATUS_MS:-500}
LAB_UNSUPPORTED=${LAB_UNSUPPORTED:-pass}
LAB_NO_TARGET=${LAB_NO_TARGET:-pass}
LAB_PORTS=${LAB_PORTS:-"500 4500"}
LAB_EXTRA=${LAB_EXTRA:-}                   # extra lines for every node's [redirect]
LAB_CLUSTER_EXTRA=${LAB_CLUSTER_EXTRA:-}   # extra lines for every node's [cluster]
LAB_GATEWAY_EXTRA=${LAB_GATEWAY_EXTRA:-}   # extra lines for every node's [gateway]
LAB_REPORTS_EXTRA=${LAB_REPORTS_EXTRA:-}   # extra lines for every node's [reports]
LAB_VRRP_EXTRA=${LAB_VRRP_EXTRA:-}         # extra lines for every node's [vrrp]
# tunnels source per node: vici (its strongSwan gateway) or file (the number
# in $(lab_node_tunnels_file N), 0 at start; that node runs no strongSwan)
LAB_TUNNELS=${LAB_TUNNELS:-vici}
LAB_CLIENT_NO_CHARON=${LAB_CLIENT_NO_CHARON:-} # 1: client "cl" without charon
LAB_CLIENT_FOLLOW=${LAB_CLIENT_FOLLOW:-yes} # charon.follow_redirects of client "cl"
LAB_CLIENT_CHARON=${LAB_CLIENT_CHARON:-}   # more charon { } lines for client "cl"
LAB_CLIENT=${LAB_CLIENT:-cl}               # the client namespace the helpers use
LAB_CONNECT_TIMEOUT=${LAB_CONNECT_TIMEOUT:-20} # s, for each initiation of lab_connect
# 1: steering (README "Clients without redirect support"): [redirect]
# unsupported = steer, node N's [gateway] steer_label = N, its charon with
# the lines of `ikelb-load strongswan-conf`, and the ARP settings steering
# needs in its namespace
LAB_STEER=${LAB_STEER:-}
LAB_GATEWAY_CONN_EXTRA=${LAB_GATEWAY_CONN_EXTRA:-} # more lines for the gateways' connection
LAB_METRICS=${LAB_METRICS:-}               # PORT: every node serves /metrics on its address
LAB_VIP4=198.18.0.1
LAB_VIP6=2001:db8::1
LAB_PSK=ikelb-lab-secret

# More charon { } lines for every gateway.  By default: every client of a
# client namespace has the same address, which strongSwan's per-IP defences
# against half-open IKE_SAs would hold against them (it ignores an address
# with 5 half-open IKE_SAs, block_threshold, and asks for cookies from 3):
# out of reach in the lab's gateways.
LAB_GATEWAY_CHARON=${LAB_GATEWAY_CHARON:-"	block_threshold = 100000
	cookie_threshold = 100000
	cookie_threshold_ip = 10000"}

declare -A LAB_IKELB_PID LAB_CHARON_PID

lab_node_ns() { echo "$LAB_PREFIX-gw$1"; }
lab_node_ip() { echo "198.18.0.1$1"; }
lab_node_ip6() { echo "2001:db8::1$1"; }
lab_node_conf() { echo "$LAB_DIR/gw$1/ikelb.conf"; }
lab_node_sw() { echo "$LAB_DIR/gw$1/sw"; }
LAB_CL_DIR() { echo "$LAB_DIR/$LAB_CLIENT"; }
lab_client_ns() { echo "$LAB_PREFIX-$LAB_CLIENT"; }
# Every file source lives in one directory, named after its node (gwN), so
# that a request generator can keep them all (ike_gen --count-dir).
lab_node_tunnels_file() { echo "$LAB_DIR/tunnels/gw$1"; }
lab_node_source() { _lab_word "$1" "$LAB_TUNNELS"; }

_lab_word() { # _lab_word N "a b c": the Nth word (1-based), or the last
	local n=$1 w
	read -r -a w <<<"$2"
	[ "$n" -le "${#w[@]}" ] && echo "${w[$((n - 1))]}" || echo "${w[-1]}"
}

_lab_node_conf() {
	local i=$1
	cat <<EOF
[cluster]
name = lab
interface = e0
virtual_ip = $LAB_VIP4
virtual_ip6 = $LAB_VIP6
vrrp = on
node_id = gw$i
state_dir = $LAB_DIR/gw$i/state
$LAB_CLUSTER_EXTRA

[vrrp]
vrid = 51
priority = $(_lab_word "$i" "$LAB_PRIO")
advert_interval_ms = $LAB_ADVERT_MS
announce_interval_ms = 100
$LAB_VRRP_EXTRA

[redirect]
ports = $LAB_PORTS
unsupported = $([ -n "$LAB_STEER" ] && echo steer || echo "$LAB_UNSUPPORTED")
no_target = $LAB_NO_TARGET
$LAB_EXTRA

[reports]
key_file = $LAB_DIR/cluster.key
interval_ms = $LAB_STATUS_MS
$LAB_REPORTS_EXTRA

[gateway]
address = $(lab_node_ip "$i")
address6 = $(lab_node_ip6 "$i")
max_tunnels = $(_lab_word "$i" "$LAB_MAX")
tunnels = $(_lab_node_tunnels "$i")
$([ -n "$LAB_STEER" ] && echo "steer_label = $i")
$LAB_GATEWAY_EXTRA
EOF
	[ -z "$LAB_METRICS" ] || printf '\n[metrics]\nlisten = %s:%s\n' "$(lab_node_ip "$i")" "$LAB_METRICS"
}

_lab_node_tunnels() {
	case $(lab_node_source "$1") in
	file) echo "file:$(lab_node_tunnels_file "$1")" ;;
	*) echo "vici:$(lab_node_sw "$1")/charon.vici" ;;
	esac
}

# A strongSwan gateway: any client with the lab PSK, identity gw.ikelb.test.
_lab_gateway_swanctl() {
	cat <<EOF
connections {
	gw {
		version = 2
		local {
			auth = psk
			id = gw.ikelb.test
		}
		remote {
			auth = psk
		}
		$LAB_GATEWAY_CONN_EXTRA
	}
}
secrets {
	ike-lab {
		secret = $LAB_PSK
	}
}
EOF
}

_lab_node_up() {
	local i=$1 ns dir steer=
	ns=$(lab_ns "gw$i")
	dir=$(lab_node_sw "$i")
	lab_switch_host "$LAB_PREFIX-sw" "p$i" "$ns" e0 "$(lab_node_ip "$i")" "$(lab_node_ip6 "$i")"
	_lab_node_conf "$i" >"$(lab_node_conf "$i")"
	if [ -n "$LAB_STEER" ]; then
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 || return 1
		steer=$("$IKELB_LOAD" strongswan-conf -c "$(lab_node_conf "$i")") || return 1
		steer=$(sed 's/^/\t/' <<<"$steer")
	fi
	if [ "$(lab_node_source "$i")" = file ]; then
		mkdir -p "$LAB_DIR/tunnels"
		echo 0 >"$(lab_node_tunnels_file "$i")"
	else
		sw_conf "$dir" "$LAB_GATEWAY_CHARON
$steer"
		_lab_gateway_swanctl >"$dir/swanctl.conf"
		sw_start "$ns" "$dir" || return 1
		LAB_CHARON_PID[$i]=$SW_PID
		sw_load "$ns" "$dir" || return 1
	fi
	lab_start_ikelb "$i"
}

# lab_join N: node N (LAB_N + 1) joins the running lab -- its switch port,
# strongSwan and ikelb-load -- and LAB_N grows
lab_join() {
	local i=$1
	mkdir -p "$LAB_DIR/gw$i/sw"
	_lab_node_up "$i" || return 1
	LAB_N=$i
}

# lab_reload N: node N's config written anew (from the settings now) and
# applied by SIGHUP
lab_reload() {
	_lab_node_conf "$1" >"$(lab_node_conf "$1")" && kill -HUP "${LAB_IKELB_PID[$1]}"
}

# lab_start_ikelb N: (re)start node N's ikelb-load
lab_start_ikelb() {
	local i=$1
	ikelb_start "$(lab_node_ns "$i")" "$(lab_node_conf "$i")" "$LAB_DIR/gw$i/ikelb.log"
	LAB_IKELB_PID[$i]=$IKELB_PID
}

# lab_client_up NAME ADDR4 ADDR6 [CHARON_LINES]: client namespace NAME on the
# switch, with a charon (LAB_CHARON_PID[NAME]) that has no connections yet;
# CHARON_LINES go into its strongswan.conf charon { } section
lab_client_up() {
	local name=$1 a4=$2 a6=$3 extra=${4:-} ns dir=$LAB_DIR/$1
	ns=$(lab_ns "$name") || return 1
	mkdir -p "$dir"
	lab_switch_host "$LAB_PREFIX-sw" "p$name" "$ns" e0 "$a4" "$a6" || return 1
	# A vici initiate holds one of charon's threads until its IKE SA is up:
	# 16 threads (the default) starve with a dozen initiates in flight.
	# Log lines name their IKE_SA (<cK|ID>): lab_client_log.
	sw_conf "$dir" "	threads = 48
	filelog {
		log {
			ike_name = yes
		}
	}
$extra"
	printf 'connections {\n}\nsecrets {\n\tike-lab {\n\t\tsecret = %s\n\t}\n}\n' \
		"$LAB_PSK" >"$dir/swanctl.conf"
	[ -n "$LAB_CLIENT_NO_CHARON" ] && [ "$name" = cl ] && return 0
	sw_start "$ns" "$dir" || return 1
	LAB_CHARON_PID[$name]=$SW_PID
}

# lab_up: the whole lab, with a master elected
lab_up() {
	local sw i
	sw=$(lab_ns sw)
	lab_bridge "$sw" br0
	(umask 077 && openssl rand -hex 32 >"$LAB_DIR/cluster.key") || {
		echo "lab: cannot make the cluster key: openssl (Debian package openssl) missing?" >&2
		return 1
	}
	for ((i = 1; i <= LAB_N; i++)); do
		mkdir -p "$LAB_DIR/gw$i/sw"
		_lab_node_up "$i" || return 1
	done
	lab_client_up cl 198.18.0.100 2001:db8::100 "	follow_redirects = $LAB_CLIENT_FOLLOW
$LAB_CLIENT_CHARON" || return 1
	lab_wait_for 15 lab_master_is_ready
}

# The node holding the IPv4 VIP (its number), or nothing.
lab_master() {
	local i
	for ((i = 1; i <= LAB_N; i++)); do
		kill -0 "${LAB_IKELB_PID[$i]:-0}" 2>/dev/null || continue
		if ip -n "$(lab_node_ns "$i")" -4 addr show dev e0 2>/dev/null |
			grep -q "inet $LAB_VIP4/"; then
			echo "$i"
			return 0
		fi
	done
	return 1
}

# A master whose table names every live gateway.
lab_master_is_ready() {
	local m n
	m=$(lab_master) || return 1
	n=$(ikelb_ctl "${LAB_IKELB_PID[$m]}" "$(lab_node_conf "$m")" status --json 2>/dev/null |
		grep -c '"state":"active"')
	[ "$n" -ge "${LAB_READY_TARGETS:-$LAB_N}" ]
}

# lab_status N [--json]: `ikelb-load status` of node N
lab_status() {
	local i=$1
	shift
	ikelb_ctl "${LAB_IKELB_PID[$i]}" "$(lab_node_conf "$i")" status "$@"
}

# lab_add_clients FIRST LAST [VIP] [EXTRA]: connections cFIRST..cLAST to the
# VIP (or another address), identity cK.<client namespace name>.ikelb.test;
# EXTRA: more lines for each connection (e.g. local_port = 4500)
lab_add_clients() {
	local first=$1 last=$2 vip=${3:-$LAB_VIP4} extra=${4:-} k dir
	dir=$(LAB_CL_DIR)
	{
		echo "connections {"
		for ((k = first; k <= last; k++)); do
			cat <<EOF
	c$k {
		version = 2
		remote_addrs = $vip
		$extra
		local {
			auth = psk
			id = c$k.$LAB_CLIENT.ikelb.test
		}
		remote {
			auth = psk
			id = gw.ikelb.test
		}
	}
EOF
		done
		echo "}"
	} >"$dir/conn-$first-$last.conf"
	# swanctl.conf includes every connection file written so far
	{
		cat "$dir"/conn-*.conf
		printf 'secrets {\n\tike-lab {\n\t\tsecret = %s\n\t}\n}\n' "$LAB_PSK"
	} >"$dir/swanctl.conf"
	sw_load "$(lab_client_ns)" "$dir"
}

# lab_connect FIRST LAST [PARALLEL]: initiate cFIRST..cLAST, each giving up
# after LAB_CONNECT_TIMEOUT s; returns the number that failed.
# What swanctl printed for cK (its IKE SA's log) is in $(LAB_CL_DIR)/init-cK.log.
lab_connect() {
	local first=$1 last=$2 par=${3:-8} k failed=0 pids=()
	for ((k = first; k <= last; k++)); do
		sw_ctl "$(lab_client_ns)" "$(LAB_CL_DIR)" --initiate --ike "c$k" \
			--timeout "$LAB_CONNECT_TIMEOUT" \
			>"$(LAB_CL_DIR)/init-c$k.log" 2>&1 &
		pids+=($!)
		if [ ${#pids[@]} -ge "$par" ]; then
			wait "${pids[0]}" || failed=$((failed + 1))
			pids=("${pids[@]:1}")
		fi
	done
	for k in "${pids[@]}"; do wait "$k" || failed=$((failed + 1)); done
	return $((failed > 255 ? 255 : failed))
}

# lab_where: "ADDRESS COUNT" per gateway of the client's established IKE SAs
lab_where() {
	sw_ctl "$(lab_client_ns)" "$(LAB_CL_DIR)" --list-sas --raw 2>/dev/null |
		grep -o 'state=ESTABLISHED [^}]*remote-host=[^ ]*' |
		sed 's/.*remote-host=//' | sort | uniq -c | awk '{ print $2, $1 }'
}

# lab_client_hosts: "cK ADDRESS" per established IKE SA of the client
lab_client_hosts() {
	sw_ctl "$(lab_client_ns)" "$(LAB_CL_DIR)" --list-sas --raw 2>/dev/null |
		sed -n 's/^list-sa event {\(c[0-9]*\) {.* state=ESTABLISHED .* remote-host=\([^ ]*\) .*/\1 \2/p'
}

# lab_client_log K: the lines of the client's charon log about cK's IKE_SAs
# (swanctl's own output, init-cK.log, may miss the first ones)
lab_client_log() {
	grep -F "<c$1|" "$(LAB_CL_DIR)/charon.log" 2>/dev/null
}

# lab_sent_to K: where the VIP last redirected client cK, or nothing
lab_sent_to() {
	lab_client_log "$1" | sed -n 's/.*> redirected to \([^ ]*\)$/\1/p' | tail -n 1
}

# lab_gateway_ids N: the remote identities of node N's established IKE SAs
lab_gateway_ids() {
	sw_ctl "$(lab_node_ns "$1")" "$(lab_node_sw "$1")" --list-sas --raw 2>/dev/null |
		grep 'state=ESTABLISHED' | grep -o 'remote-id=[^ ]*' | cut -d= -f2
}

# lab_node_of ADDRESS: the node (N) whose IPv4 or IPv6 address it is
lab_node_of() {
	local i
	for ((i = 1; i <= LAB_N; i++)); do
		if [ "$1" = "$(lab_node_ip "$i")" ] || [ "$1" = "$(lab_node_ip6 "$i")" ]; then
			echo "$i"
			return 0
		fi
	done
	return 1
}

# lab_gateway_count N: established IKE SAs at node N's strongSwan
lab_gateway_count() {
	if [ "$(lab_node_source "$1")" = file ]; then
		cat "$(lab_node_tunnels_file "$1")"
	else
		sw_ike_count "$(lab_node_ns "$1")" "$(lab_node_sw "$1")"
	fi
}

# lab_kill_node N: the node dies: ikelb-load and charon killed, link down
# (bash's "Killed" job notices go to /dev/null with the rest)
lab_kill_node() {
	local i=$1
	{
		kill -KILL "${LAB_IKELB_PID[$i]}" ${LAB_CHARON_PID[$i]:-}
		ip -n "$(lab_node_ns "$i")" link set e0 down
		ip -n "$LAB_PREFIX-sw" link set "p$i" down
		wait "${LAB_IKELB_PID[$i]}" ${LAB_CHARON_PID[$i]:-}
	} 2>/dev/null
	return 0
}

# lab_kill_charon N: only node N's IKE daemon dies (SIGKILL)
lab_kill_charon() {
	{
		kill -KILL "${LAB_CHARON_PID[$1]}"
		wait "${LAB_CHARON_PID[$1]}"
	} 2>/dev/null
	return 0
}

# lab_kill_ikelb N: only node N's ikelb-load dies (SIGKILL)
lab_kill_ikelb() {
	{
		kill -KILL "${LAB_IKELB_PID[$1]}"
		wait "${LAB_IKELB_PID[$1]}"
	} 2>/dev/null
	return 0
}
