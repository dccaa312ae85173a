# keepalived (VRRPv3) in the lab, for interop tests and benchmarks: source
# after netns.sh.  Every instance runs VRRP only, with its VRRP child not
# respawned, so that killing the child is the SIGKILL of a VRRP daemon.
declare -A KA_PID KA_LOG

# ka_conf NAME IF PRIO INTERVAL_S VIP...: a config on stdout: vrrp_version
# 3, VRID 51, one instance per VIP (ADDR/LEN), named NAME_v4 or NAME_v6
ka_conf() {
	local name=$1 ifname=$2 prio=$3 interval=$4 vip
	shift 4
	printf 'global_defs {\n    vrrp_version 3\n    router_id %s\n%s}\n' "$name" \
		"${KA_GLOBAL_EXTRA:+    $KA_GLOBAL_EXTRA
}"
	for vip in "$@"; do
		cat <<EOC
vrrp_instance ${name}_v$([[ $vip == *:* ]] && echo 6 || echo 4) {
    interface $ifname
    virtual_router_id 51
    priority $prio
    advert_int $interval
    virtual_ipaddress {
        $vip
    }
}
EOC
	done
}

# ka_start NAME NS CONF: keepalived NAME in NS; its log is KA_LOG[NAME]
# ($LAB_DIR/NAME.log), its PID KA_PID[NAME]; fails when the VRRP child
# does not run within 10 s
ka_start() {
	local name=$1 ns=$2 conf=$3
	rm -f "$LAB_DIR/$name.pid" "$LAB_DIR/$name.vpid"
	KA_LOG[$name]=$LAB_DIR/$name.log
	lab_spawn "${KA_LOG[$name]}" ip netns exec "$ns" keepalived -n -l -D -P -R \
		-f "$conf" -p "$LAB_DIR/$name.pid" -r "$LAB_DIR/$name.vpid"
	KA_PID[$name]=$LAB_PID
	lab_wait_for 10 test -s "$LAB_DIR/$name.vpid"
}

# ka_vrrp_pid NAME: the PID of keepalived NAME's VRRP child
ka_vrrp_pid() { cat "$LAB_DIR/$1.vpid"; }

# ka_kill NAME: SIGKILL of the VRRP child (no priority 0 is sent; its VIPs
# stay on the interface), then the parent is stopped
ka_kill() {
	kill -KILL "$(ka_vrrp_pid "$1")" 2>/dev/null
	lab_stop "${KA_PID[$1]}" TERM
}

# ka_state NAME [INSTANCE]: the last state (MASTER, BACKUP) keepalived NAME
# logged, for one instance or any
ka_state() {
	grep -E "${2:+\($2\) }Entering (MASTER|BACKUP) STATE" "${KA_LOG[$1]}" | tail -n 1 |
		sed 's/.*Entering \([A-Z]*\) STATE.*/\1/'
}

# ka_masters NAME: how often keepalived NAME became master
ka_masters() { grep -c "Entering MASTER STATE" "${KA_LOG[$1]}"; }
