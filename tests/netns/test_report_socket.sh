#!/bin/bash
# Load reports over real sockets: three nodes on a bridge (a switch
# namespace), senders and a receiver built from the daemon's own modules
# (build/tests/tools/report_send, report_recv).  IPv4 multicast, IPv6
# multicast and unicast peers: members appear; forged, replayed, old-epoch,
# other-cluster, own-id, oversized and malformed messages are dropped,
# counted and change nothing; a node that stops sending is dead after
# dead_after_ms; multicast loop is off (a node does not hear itself).
# Multicast from off the link (TTL / hop limit below 255), unicast from an
# address not among the peers and epochs from the future are dropped too.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/ikelb.sh"
T=$IKELB_TOOLS
PORT=4510
G4=239.255.75.1
G6=ff02::4b4c:1
DEAD=1000

ikelb_require report_send report_recv

lab_init
SW=$(lab_ns sw) && NA=$(lab_ns a) && NB=$(lab_ns b) && NC=$(lab_ns c) || exit 1
lab_bridge "$SW" br0
# flood multicast: no querier in this lab, so snooping would only add timing
ip -n "$SW" link set br0 type bridge mcast_snooping 0
i=0
for ns in "$NA" "$NB" "$NC"; do
	i=$((i + 1))
	lab_switch_host "$SW" "port$i" "$ns" eth0 "198.18.5.$i" "2001:db8:5::$i" || exit 1
done

(umask 077
	openssl rand -hex 32 >"$LAB_DIR/cluster.key"
	openssl rand -hex 32 >"$LAB_DIR/wrong.key"
	openssl rand -hex 32 >"$LAB_DIR/other.key")
K=$LAB_DIR/cluster.key

# send NS ARGS...: one report_send run (cluster lab, our key unless given)
send() {
	local ns=$1
	shift
	ip netns exec "$ns" "$T/report_send" --key "$K" --cluster lab --port $PORT "$@"
}

# receive NAME NS SECONDS ARGS...: report_recv in the background, ready to use
receive() {
	local name=$1 ns=$2 secs=$3
	shift 3
	lab_spawn "$LAB_DIR/$name.out" ip netns exec "$ns" "$T/report_recv" --key "$K" \
		--cluster lab --port $PORT --seconds "$secs" --dead-after-ms $DEAD "$@"
	lab_wait_for 5 grep -q '^ready' "$LAB_DIR/$name.out"
}

# field FILE NODE KEY: KEY=value of the member line of NODE
field() {
	awk -v n="node=$2" -v k="$3=" '$1 == "member" && $2 == n {
		for (i = 3; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$1"
}
# counter FILE NAME
counter() {
	awk -v k="$2=" '$1 == "counters" {
		for (i = 2; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$1"
}
# every datagram counted exactly once
counters_add_up() {
	awk '$1 == "counters" { s = 0; r = -1
		for (i = 2; i <= NF; i++) { split($i, kv, "=")
			if (kv[1] == "received") r = kv[2]
			else if (kv[1] != "vip_identity" && kv[1] != "previous_key" &&
				 kv[1] != "conflicts") s += kv[2] }
		exit !(r == s) }' "$1"
}
is() { [ "$1" = "$2" ]; }
has_member() { grep -q "^member node=$2 " "$1"; }

# ---- IPv4 multicast ---------------------------------------------------------
M4="--group $G4 --ifname eth0"
receive r4 "$NC" 4 $M4 --self gw-c || not_ok "ipv4: receiver ready"
receive loop4 "$NA" 4 $M4 || not_ok "ipv4: receiver on a ready"
lab_spawn "$LAB_DIR/a4.out" ip netns exec "$NA" "$T/report_send" --key "$K" --cluster lab \
	--port $PORT $M4 --node gw-a --address 198.18.5.1 --tunnels 10 --max 100 \
	--epoch 0x1000 --count 60 --interval-ms 100
a4_pid=$LAB_PID
send "$NB" $M4 --node gw-b --address 198.18.5.2 --address6 2001:db8:5::2 --tunnels 20 \
	--max 50 --epoch 0x2000 --count 3 --interval-ms 50 >/dev/null
sleep 1.4 # > DEAD: gw-b is dead now
# forged with a wrong key: a tempting load for gw-a, and a new node
send "$NB" $M4 --key "$LAB_DIR/wrong.key" --node gw-a --address 198.18.5.1 --tunnels 0 \
	--max 100 --epoch 0x1000 --seq 100000 >/dev/null
send "$NB" $M4 --key "$LAB_DIR/wrong.key" --node gw-evil --address 198.18.5.9 >/dev/null
# gw-b's own datagram replayed, and a message of an older boot of gw-b
send "$NA" $M4 --node gw-b --address 198.18.5.2 --tunnels 777 --max 50 --epoch 0x2000 \
	--seq 2 >/dev/null
send "$NA" $M4 --node gw-b --address 198.18.5.2 --tunnels 777 --max 50 --epoch 0x1fff \
	--seq 100 >/dev/null
# another cluster with its own key; the receiver's own node id; damaged ones
send "$NB" $M4 --key "$LAB_DIR/other.key" --cluster other --node gw-x \
	--address 198.18.5.8 >/dev/null
send "$NB" $M4 --node gw-c --address 198.18.5.3 >/dev/null
send "$NB" $M4 --node gw-y --address 198.18.5.7 --pad 1100 >/dev/null
send "$NB" $M4 --node gw-y --address 198.18.5.7 --pad 1 >/dev/null
# routed here (TTL 64 left), and a boot an hour from now
send "$NB" $M4 --node gw-z --address 198.18.5.6 --ttl 64 >/dev/null
send "$NB" $M4 --node gw-f --address 198.18.5.5 --epoch-ahead-s 3600 >/dev/null
lab_wait_for 5 grep -q '^counters' "$LAB_DIR/r4.out"
lab_wait_for 5 grep -q '^counters' "$LAB_DIR/loop4.out"
lab_stop "$a4_pid"
O=$LAB_DIR/r4.out
diag "$(grep -v '^ready' "$O")"
check "ipv4: gw-a is a usable member" is "$(field "$O" gw-a usable)" 1
check "ipv4: gw-a keeps its own load, not the forged one" is "$(field "$O" gw-a tunnels)" 10
a_seq=$(field "$O" gw-a seq)
check "ipv4: gw-a's sequence was not pushed up by the forgery" \
	eval '[ "${a_seq:-0}" -ge 1 ] && [ "${a_seq:-0}" -lt 100 ]'
check "ipv4: gw-b listed with both identities" \
	is "$(field "$O" gw-b address)/$(field "$O" gw-b address6)" "198.18.5.2/2001:db8:5::2"
check "ipv4: gw-b stopped sending and is dead" is "$(field "$O" gw-b alive)/$(field "$O" gw-b why)" 0/dead
b_age=$(field "$O" gw-b age_ms)
check "ipv4: gw-b's last report is older than dead_after_ms" [ "${b_age:-0}" -ge $DEAD ]
check "ipv4: the replays did not change gw-b" is "$(field "$O" gw-b tunnels)/$(field "$O" gw-b seq)" 20/3
check "ipv4: the receiver logged gw-b's death" grep -q "member gw-b dead" "$O"
check "ipv4: no member from forged, other-cluster or damaged messages" \
	eval '! grep -Eq "^member node=(gw-evil|gw-x|gw-y|gw-c) " "$O"'
check "ipv4: 2 forgeries counted as bad_mac" is "$(counter "$O" bad_mac)" 2
check "ipv4: the replay counted as replayed" is "$(counter "$O" replayed)" 1
check "ipv4: the older boot counted as old_epoch" is "$(counter "$O" old_epoch)" 1
check "ipv4: the other cluster counted" is "$(counter "$O" other_cluster)" 1
check "ipv4: our own node id from the network counted as self" is "$(counter "$O" self)" 1
check "ipv4: the 1100-byte datagram counted as oversized" is "$(counter "$O" oversized)" 1
check "ipv4: the padded datagram counted as malformed" is "$(counter "$O" malformed)" 1
check "ipv4: TTL 64 (not from this link) counted as bad_ttl" is "$(counter "$O" bad_ttl)" 1
check "ipv4: an epoch an hour ahead counted as future_epoch" is "$(counter "$O" future_epoch)" 1
check "ipv4: no member gw-z or gw-f" eval '! has_member "$O" gw-z && ! has_member "$O" gw-f'
check "ipv4: every datagram counted once" counters_add_up "$O"
check "ipv4: multicast loop off: gw-a's own node does not hear gw-a" \
	eval '! has_member "$LAB_DIR/loop4.out" gw-a && has_member "$LAB_DIR/loop4.out" gw-b'

# ---- IPv6 multicast (link-local scope group) ----------------------------------
M6="--group $G6 --ifname eth0"
# a long dead_after_ms here: these checks are about delivery, not ageing
receive r6 "$NC" 2 $M6 --dead-after-ms 30000 || not_ok "ipv6: receiver ready"
send "$NA" $M6 --node gw-a --address 2001:db8:5::1 --tunnels 1 --max 10 --count 5 >/dev/null &
p1=$!
send "$NB" $M6 --node gw-b --address gw-b.example --state draining --count 5 >/dev/null &
p2=$!
lab_track $p1 $p2
wait $p1 $p2
lab_untrack $p1
lab_untrack $p2
send "$NB" $M6 --key "$LAB_DIR/wrong.key" --node gw-b --address gw-b.example --seq 1000 \
	>/dev/null
send "$NB" $M6 --node gw-z --address 2001:db8:5::6 --ttl 1 >/dev/null
lab_wait_for 5 grep -q '^counters' "$LAB_DIR/r6.out"
O=$LAB_DIR/r6.out
diag "$(grep -v '^ready' "$O")"
check "ipv6: gw-a usable, IPv6 identity" \
	is "$(field "$O" gw-a usable)/$(field "$O" gw-a address)" 1/2001:db8:5::1
check "ipv6: gw-b alive but draining, FQDN identity" \
	is "$(field "$O" gw-b alive)/$(field "$O" gw-b why)/$(field "$O" gw-b address)" \
	1/draining/gw-b.example
check "ipv6: 10 reports accepted" is "$(counter "$O" accepted)" 10
check "ipv6: the forgery counted as bad_mac" is "$(counter "$O" bad_mac)" 1
check "ipv6: hop limit 1 counted as bad_ttl, no member gw-z" \
	eval '[ "$(counter "$O" bad_ttl)" = 1 ] && ! has_member "$O" gw-z'
check "ipv6: every datagram counted once" counters_add_up "$O"

# ---- unicast peers (IPv4 and IPv6 on one dual-stack socket) -------------------
PEERS="--peer 198.18.5.1 --peer 2001:db8:5::2 --peer 198.18.5.3"
receive ru "$NC" 2 $PEERS --dead-after-ms 30000 || not_ok "unicast: receiver ready"
out_a=$(send "$NA" --peer 198.18.5.3 --peer 198.18.5.1 --node gw-a --address 198.18.5.1 \
	--tunnels 3 --count 5)
send "$NB" --peer 2001:db8:5::3 --node gw-b --address 2001:db8:5::2 --tunnels 4 --count 5 \
	>/dev/null
send "$NB" --peer 2001:db8:5::3 --key "$LAB_DIR/wrong.key" --node gw-b --address 2001:db8:5::2 \
	--seq 99 >/dev/null
# b's IPv4 address is not a peer: dropped before any HMAC, even signed right
send "$NB" --peer 198.18.5.3 --node gw-b --address 2001:db8:5::2 --seq 100 >/dev/null
lab_wait_for 5 grep -q '^counters' "$LAB_DIR/ru.out"
O=$LAB_DIR/ru.out
diag "$(grep -v '^ready' "$O")"
diag "gw-a sender: $out_a"
check "unicast: a sender skips its own address in the peer list" \
	eval '[[ $out_a == *"destinations=1 skipped_local=1"* ]]'
check "unicast: gw-a (IPv4 peer) is a member" is "$(field "$O" gw-a tunnels)/$(field "$O" gw-a usable)" 3/1
check "unicast: gw-b (IPv6 peer) is a member" is "$(field "$O" gw-b tunnels)/$(field "$O" gw-b usable)" 4/1
check "unicast: the forgery counted as bad_mac" is "$(counter "$O" bad_mac)" 1
check "unicast: 10 reports accepted" is "$(counter "$O" accepted)" 10
check "unicast: from an address not among the peers: not_peer" is "$(counter "$O" not_peer)" 1
check "unicast: every datagram counted once" counters_add_up "$O"

tap_done
