#!/bin/bash
# VRRPv3 with real processes on a bridge: vrrp_node (the daemon's VRRP
# modules) against itself and against keepalived (vrrp_version 3).
# Checks behaviour (who is master, who holds the VIP, why), with generous
# time limits; the one timing claim (priority 0 hands over after the skew
# time, well before the master down interval) uses 1 s adverts so that
# the two differ by seconds.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/ikelb.sh"
. "$(dirname "$0")/../lib/keepalived.sh"

NODE=$IKELB_TOOLS/vrrp_node
VIP=198.18.0.100
VIP6=2001:db8::100
ikelb_require --keepalived vrrp_node
lab_init

declare -A NS ADDR PID LOG
SW=$(lab_ns sw) || exit 1
lab_bridge "$SW" br0
# flood ff02::12 without waiting for MLD snooping to learn the members
ip -n "$SW" link set br0 type bridge mcast_snooping 0
i=0
for h in h1 h2 h3 hk; do
	i=$((i + 1))
	NS[$h]=$(lab_ns "$h") || exit 1
	ADDR[$h]=198.18.0.$i
	[ $h = hk ] && ADDR[$h]=198.18.0.9
	lab_switch_host "$SW" "p$i" "${NS[$h]}" eth0 "${ADDR[$h]}" || exit 1
done

now_ms() { date +%s%3N; }

# node_up NAME PRIO [vrrp_node options]: start vrrp_node in NAME's namespace
node_up() {
	local h=$1 prio=$2
	shift 2
	# a node killed earlier in another scenario left its VIPs behind
	ip -n "${NS[$h]}" addr del "$VIP/32" dev eth0 2>/dev/null
	ip -n "${NS[$h]}" addr del "$VIP6/128" dev eth0 2>/dev/null
	LOG[$h]=$LAB_DIR/$h.$(now_ms).log
	lab_spawn "${LOG[$h]}" ip netns exec "${NS[$h]}" "$NODE" -i eth0 -r 51 -p "$prio" "$@"
	PID[$h]=$LAB_PID
}
node_kill() { lab_stop "${PID[$1]}" "${2:-KILL}"; }

# role NAME [6]: the last role vrrp_node printed for IPv4 (or IPv6)
role() {
	local pre=
	[ "${2:-}" = 6 ] && pre="IPV6 "
	grep -E "^${pre}(MASTER|BACKUP|INIT) " "${LOG[$1]}" | tail -n 1 | sed "s/^$pre//" | cut -d' ' -f1
}
reason() {
	local pre=
	[ "${2:-}" = 6 ] && pre="IPV6 "
	grep -E "^${pre}(MASTER|BACKUP|INIT) " "${LOG[$1]}" | tail -n 1 | sed "s/^$pre//" | cut -d' ' -f2-
}
masters() { grep -cE "^${2:-}MASTER " "${LOG[$1]}"; }
has_vip() { ip -n "${NS[$1]}" addr show dev eth0 | grep -q "inet $VIP/"; }
has_vip6() { ip -n "${NS[$1]}" addr show dev eth0 | grep -q "inet6 $VIP6/"; }

# expect [-6] NAME=ROLE...: every node has the role, and the VIP is held
# by exactly the listed MASTER and by no listed BACKUP
expect() {
	local fam='' kv h r vip=has_vip
	if [ "$1" = -6 ]; then fam=6 vip=has_vip6; shift; fi
	for kv in "$@"; do
		h=${kv%=*} r=${kv#*=}
		[ "$(role "$h" $fam)" = "$r" ] || return 1
		if [ "$r" = MASTER ]; then $vip "$h" || return 1; else ! $vip "$h" || return 1; fi
	done
}
# settled SECONDS [-6] NAME=ROLE...: expect holds now and at every check
# for SECONDS more (no second master appears)
settled() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 5; i++)); do expect "$@" || return 1; sleep 0.2; done
}
show() { for h in "$@"; do diag "$h: $(tr '\n' '|' <"${LOG[$h]}")"; done; }

# ---- vrrp_node against itself -----------------------------------------
A=(-a 100 -4 "$VIP" -6 "$VIP6")
node_up h1 100 "${A[@]}"
node_up h2 200 "${A[@]}"
if lab_wait_for 10 expect h1=BACKUP h2=MASTER && lab_wait_for 10 expect -6 h1=BACKUP h2=MASTER &&
	settled 1 h1=BACKUP h2=MASTER && settled 1 -6 h1=BACKUP h2=MASTER; then
	ok "two nodes elect the higher priority, IPv4 and IPv6, one VIP holder"
else
	not_ok "two nodes elect the higher priority, IPv4 and IPv6, one VIP holder"; show h1 h2
fi

node_up h3 150 "${A[@]}"
if lab_wait_for 10 expect h3=BACKUP && settled 2 h1=BACKUP h2=MASTER h3=BACKUP &&
	settled 1 -6 h1=BACKUP h2=MASTER h3=BACKUP && [ "$(masters h3)" = 0 ]; then
	ok "a third node with lower priority joins as backup; still one master"
else
	not_ok "a third node with lower priority joins as backup; still one master"; show h1 h2 h3
fi

# SIGKILL: no priority 0, the next highest waits for its master down
# interval, 3 * 10 + (106 * 10) / 256 = 34 cs
t0=$(now_ms)
node_kill h2
if lab_wait_for 10 expect h1=BACKUP h3=MASTER; then
	t=$(($(now_ms) - t0))
	diag "SIGKILL takeover after $t ms (master down 340 ms)"
	check "SIGKILL of the master: the next highest (h3) takes over within 5 s" [ "$t" -lt 5000 ]
	case "$(reason h3)" in
	"master down timer expired"*) ok "h3's reason is the master down timer: $(reason h3)" ;;
	*) not_ok "h3's reason is the master down timer: $(reason h3)" ;;
	esac
	lab_wait_for 5 expect -6 h1=BACKUP h3=MASTER
	check "IPv6: h3 takes over too" expect -6 h1=BACKUP h3=MASTER
else
	not_ok "SIGKILL of the master: the next highest (h3) takes over"; show h1 h3
fi

node_up h2 200 "${A[@]}"
if lab_wait_for 10 expect h1=BACKUP h2=MASTER h3=BACKUP && settled 1 h1=BACKUP h2=MASTER h3=BACKUP; then
	ok "restarted h2 (preempt) takes the master role back"
	case "$(reason h3)" in
	"higher priority advert from ${ADDR[h2]}"*) ok "h3 yields to ${ADDR[h2]}: $(reason h3)" ;;
	*) not_ok "h3 yields to ${ADDR[h2]}: $(reason h3)" ;;
	esac
else
	not_ok "restarted h2 (preempt) takes the master role back"; show h1 h2 h3
fi

# without preempt a restarted higher priority node stays backup
node_kill h2
lab_wait_for 10 expect h1=BACKUP h3=MASTER
node_up h2 200 -n "${A[@]}"
if lab_wait_for 10 expect h2=BACKUP && settled 2 h1=BACKUP h2=BACKUP h3=MASTER && [ "$(masters h2)" = 0 ]; then
	ok "restarted h2 without preempt stays backup under a lower-priority master"
else
	not_ok "restarted h2 without preempt stays backup under a lower-priority master"; show h1 h2 h3
fi
# a clean stop resigns with priority 0 and the backup takes over (h1 goes
# first: with preempt off, h2 would follow h1 if h1 won the skew race)
node_kill h1 TERM
node_kill h3 TERM
if lab_wait_for 10 expect h2=MASTER; then
	case "$(reason h2)" in
	"master ${ADDR[h3]} resigned (priority 0)"*) ok "SIGTERM: h3 resigns, h2 takes over: $(reason h2)" ;;
	*) not_ok "SIGTERM: h3 resigns, h2 takes over: $(reason h2)" ;;
	esac
else
	not_ok "SIGTERM: h3 resigns, h2 takes over"; show h1 h2 h3
fi
check "SIGTERM: the resigning node dropped its VIP" bash -c "! ip -n ${NS[h3]} addr show dev eth0 | grep -q 'inet $VIP/'"
node_kill h2 TERM

# Unicast peers (vrrp_peers): the same peer list on every node; a node
# using multicast on the same VRID neither hears them nor is heard.
for h in h1 h2; do ip -n "${NS[$h]}" addr add "2001:db8::${ADDR[$h]##*.}/64" dev eth0 nodad; done
U=(-a 100 -4 "$VIP" -6 "$VIP6" -u "${ADDR[h1]}" -u "${ADDR[h2]}" -u 2001:db8::1 -u 2001:db8::2)
node_up h1 100 "${U[@]}"
node_up h2 200 "${U[@]}"
node_up h3 50 -a 100 -4 $VIP
if lab_wait_for 10 expect h1=BACKUP h2=MASTER h3=MASTER && lab_wait_for 10 expect -6 h1=BACKUP h2=MASTER &&
	settled 1 h1=BACKUP h2=MASTER h3=MASTER; then
	ok "unicast peers elect the higher priority; a multicast node stays apart"
else
	not_ok "unicast peers elect the higher priority; a multicast node stays apart"; show h1 h2 h3
fi
node_kill h2
if lab_wait_for 10 expect h1=MASTER && lab_wait_for 10 expect -6 h1=MASTER; then
	case "$(reason h1)" in
	*"no advert from ${ADDR[h2]}"*) ok "unicast peers: SIGKILL of the master, h1 takes over: $(reason h1)" ;;
	*) not_ok "unicast peers: h1 takes over after hearing h2: $(reason h1)" ;;
	esac
else
	not_ok "unicast peers: SIGKILL of the master, h1 takes over"; show h1
fi
for h in h1 h3; do node_kill $h TERM; done

# The address owner (priority 255, the VIP is its own address 198.18.0.1)
# is master at once, and takes the VIP back at once after a restart.
# Holding the owner's address, h2 must accept packets from a local source
# address to hear the owner come back (Linux drops them as martians).
ip netns exec "${NS[h2]}" sysctl -qw net.ipv4.conf.eth0.accept_local=1
node_up h1 255 -a 100 -4 "${ADDR[h1]}"
node_up h2 100 -a 100 -4 "${ADDR[h1]}"
if lab_wait_for 10 bash -c "grep -q '^MASTER startup as address owner' ${LOG[h1]}" &&
	lab_wait_for 10 expect h2=BACKUP && settled 1 h2=BACKUP && [ "$(role h1)" = MASTER ]; then
	ok "the address owner (255) is master at once; the other node is backup"
else
	not_ok "the address owner (255) is master at once; the other node is backup"; show h1 h2
	diag "roles $(role h1) $(role h2); h2: $(ip -n "${NS[h2]}" -br addr show dev eth0)"
fi
node_kill h1
if lab_wait_for 10 bash -c "grep -q '^MASTER master down' ${LOG[h2]}"; then
	node_up h1 255 -a 100 -4 "${ADDR[h1]}"
	if lab_wait_for 10 bash -c "grep -q '^BACKUP higher priority advert from ${ADDR[h1]} (priority 255)' ${LOG[h2]}"; then
		ok "owner killed: backup takes over; owner restarted: takes back at once"
	else
		not_ok "owner restarted: takes back at once"; show h1 h2
	fi
else
	not_ok "owner killed: backup takes over"; show h1 h2
fi
for h in h1 h2; do node_kill $h TERM; done

# Skew time with 1 s adverts: master down for priority 100 is
# 3 * 100 + (156 * 100) / 256 = 360 cs, the skew time 60 cs.
node_up h1 100 -a 1000 -4 $VIP
node_up h2 200 -a 1000 -4 $VIP
if lab_wait_for 15 expect h1=BACKUP h2=MASTER; then
	sleep 1.5 # h1 has heard h2's adverts
	t0=$(now_ms)
	node_kill h2 TERM
	lab_wait_for 10 expect h1=MASTER
	t=$(($(now_ms) - t0))
	diag "priority 0 takeover after $t ms (skew 600 ms, master down 3600 ms)"
	case "$(reason h1)" in
	"master ${ADDR[h2]} resigned (priority 0)"*) ok "1 s adverts, SIGTERM: h1 takes over on priority 0" ;;
	*) not_ok "1 s adverts, SIGTERM: h1 takes over on priority 0: $(reason h1)"; show h1 h2 ;;
	esac
	check "SIGTERM: takeover after the skew time, well before master down: $t ms < 2500 ms" \
		[ "$t" -lt 2500 ]
else
	not_ok "1 s adverts: h2 becomes master"; show h1 h2
fi
node_kill h1 TERM

# ---- interop with keepalived --------------------------------------------
# ka_up NAME FAMILY PRIO: keepalived NAME in hk for one family
ka_up() {
	local vip=$VIP/32
	[ "$2" = 6 ] && vip=$VIP6/128
	ka_conf "$1" eth0 "$3" 0.1 "$vip" >"$LAB_DIR/$1.conf"
	ka_start "$1" "${NS[hk]}" "$LAB_DIR/$1.conf"
}
# ka_down NAME: keepalived killed (no priority 0) and the VIPs it left
ka_down() {
	ka_kill "$1"
	ip -n "${NS[hk]}" addr del "$VIP/32" dev eth0 2>/dev/null
	ip -n "${NS[hk]}" addr del "$VIP6/128" dev eth0 2>/dev/null
	return 0
}

# keepalived with the higher priority makes vrrp_node backup
node_up h1 100 -a 100 -4 $VIP
ka_up k1 4 200
if lab_wait_for 10 has_vip hk && lab_wait_for 5 expect h1=BACKUP && settled 2 h1=BACKUP && has_vip hk; then
	ok "keepalived (200) is master, vrrp_node (100) stays backup"
else
	not_ok "keepalived (200) is master, vrrp_node (100) stays backup"; show h1
fi
ka_down k1
if lab_wait_for 10 expect h1=MASTER; then
	case "$(reason h1)" in
	*"no advert from ${ADDR[hk]} (priority 200)"*) ok "keepalived killed: vrrp_node takes over: $(reason h1)" ;;
	*) not_ok "keepalived killed: vrrp_node takes over after hearing it: $(reason h1)" ;;
	esac
else
	not_ok "keepalived killed: vrrp_node takes over"; show h1
fi

# vrrp_node with the higher priority makes keepalived backup
ka_up k2 4 50
sleep 2 # several master down intervals of keepalived (3 * 0.1 s + skew)
if expect h1=MASTER && ! has_vip hk && [ "$(ka_state k2)" = BACKUP ] && [ "$(ka_masters k2)" = 0 ]; then
	ok "vrrp_node (100) stays master, keepalived (50) is backup"
else
	not_ok "vrrp_node (100) stays master, keepalived (50) is backup (keepalived: $(ka_state k2))"
	show h1; tail -n 20 "${KA_LOG[k2]}" | sed 's/^/# /'
fi
node_kill h1 KILL
if lab_wait_for 10 has_vip hk && [ "$(ka_state k2)" = MASTER ]; then
	ok "vrrp_node killed: keepalived takes over"
else
	not_ok "vrrp_node killed: keepalived takes over"; tail -n 20 "${KA_LOG[k2]}" | sed 's/^/# /'
fi
# a restarted vrrp_node preempts keepalived, and its clean stop hands back
node_up h1 100 -a 100 -4 $VIP
if lab_wait_for 10 expect h1=MASTER && lab_wait_for 5 bash -c "! ip -n ${NS[hk]} addr show dev eth0 | grep -q 'inet $VIP/'" &&
	[ "$(ka_state k2)" = BACKUP ]; then
	ok "restarted vrrp_node (100) preempts keepalived (50)"
else
	not_ok "restarted vrrp_node (100) preempts keepalived (50)"; show h1; tail -n 20 "${KA_LOG[k2]}" | sed 's/^/# /'
fi
node_kill h1 TERM
if lab_wait_for 10 has_vip hk && grep -q "priority 0 advertisement" "${KA_LOG[k2]}"; then
	ok "vrrp_node SIGTERM: keepalived hears priority 0 and takes over"
else
	not_ok "vrrp_node SIGTERM: keepalived hears priority 0 and takes over"; tail -n 20 "${KA_LOG[k2]}" | sed 's/^/# /'
fi
lab_stop "${KA_PID[k2]}" TERM

# IPv6: ff02::12 from link-local addresses
node_up h1 100 -a 100 -6 $VIP6
ka_up k3 6 200
if lab_wait_for 10 has_vip6 hk && lab_wait_for 5 expect -6 h1=BACKUP && settled 2 -6 h1=BACKUP && has_vip6 hk; then
	ok "IPv6: keepalived (200) is master, vrrp_node (100) stays backup"
else
	not_ok "IPv6: keepalived (200) is master, vrrp_node (100) stays backup"; show h1
fi
lab_stop "${KA_PID[k3]}" TERM # keepalived resigns with priority 0
if lab_wait_for 10 expect -6 h1=MASTER; then
	case "$(reason h1 6)" in
	"master fe80:"*"resigned (priority 0)"*) ok "IPv6: keepalived stops, vrrp_node takes over: $(reason h1 6)" ;;
	*) not_ok "IPv6: keepalived stops, vrrp_node takes over after its priority 0: $(reason h1 6)" ;;
	esac
else
	not_ok "IPv6: keepalived stops, vrrp_node takes over"; show h1
fi
ka_up k4 6 50
sleep 2
if expect -6 h1=MASTER && ! has_vip6 hk && [ "$(ka_state k4)" = BACKUP ] && [ "$(ka_masters k4)" = 0 ]; then
	ok "IPv6: vrrp_node (100) stays master, keepalived (50) is backup"
else
	not_ok "IPv6: vrrp_node (100) stays master, keepalived (50) is backup"; show h1; tail -n 20 "${KA_LOG[k4]}" | sed 's/^/# /'
fi
node_kill h1 KILL
if lab_wait_for 10 has_vip6 hk && [ "$(ka_state k4)" = MASTER ]; then
	ok "IPv6: vrrp_node killed: keepalived takes over"
else
	not_ok "IPv6: vrrp_node killed: keepalived takes over"; tail -n 20 "${KA_LOG[k4]}" | sed 's/^/# /'
fi
lab_stop "${KA_PID[k4]}" TERM
tap_done
