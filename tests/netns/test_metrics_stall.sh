#!/bin/bash
# HTTP clients that do not behave cost the event loop nothing: while the
# master's /metrics endpoint (on an IPv6 address, [ADDR]:PORT) has all its
# connections taken and more waiting, its loop runs no callback over 5 ms
# by its own doing, every gap above 30 ms between its VRRP adverts at 20 ms
# is a kernel-side delay the loop measured (as in test_stall.sh), and the
# backup never takes over:
#
#   bridge (sw) --- m:   ikelb-load, priority 200, 20 ms adverts,
#        |               [metrics] listen = [2001:db8::11]:9110
#        |--------- b:   ikelb-load, priority 100, 20 ms adverts
#        |--------- cap: a host on the switch
#        +--------- cl:  http_hold from addresses of its own: 3 clients that
#                        pipeline 2000 requests and never read (::a0), 5
#                        that send a header a byte every 500 ms (::a1), 50
#                        that connect and say nothing (::b0..::bf); status
#                        requests meanwhile
#
# Then what the server did: one address got 4 connections (the fifth was
# closed at once), the 16 slots were full and the rest waited, the silent
# and never-reading clients were closed after the idle timeout (10 s);
# with the clients gone a scrape is answered again; and 20 connections
# from one address keep no scraper at another address out.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/ikelb.sh"
ikelb_require vrrp_capture http_hold
command -v curl >/dev/null || { not_ok "missing: curl (package curl); scripts/deps.sh installs it"; tap_done; exit 1; }

INTERVAL_MS=20 SLACK_MS=10 CAPTURE_S=13
VIP=198.18.0.1 URL="http://[2001:db8::11]:9110/metrics"
MAX_CONN=16 PER_CLIENT=4 IDLE_S=10 # metrics_server.h
lab_init
SW=$(lab_ns sw) && M=$(lab_ns m) && B=$(lab_ns b) && C=$(lab_ns cap) && CL=$(lab_ns cl) || exit 1
lab_bridge "$SW" br0
lab_switch_host "$SW" pm "$M" e0 198.18.0.11 2001:db8::11 &&
	lab_switch_host "$SW" pb "$B" e0 198.18.0.12 &&
	lab_switch_host "$SW" pc "$C" e0 198.18.0.13 &&
	lab_switch_host "$SW" pl "$CL" e0 198.18.0.90 2001:db8::90 || exit 1
SILENT_SRC=()
for a in a0 a1 c0 b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf; do
	ip -n "$CL" addr add "2001:db8::$a/64" dev e0 nodad || exit 1
	[[ $a == b* ]] && SILENT_SRC+=("2001:db8::$a")
done
(umask 077 && openssl rand -hex 32 >"$LAB_DIR/cluster.key")

# conf PRIO EXTRA
conf() {
	cat <<EOF
[cluster]
name = mstall
interface = e0
virtual_ip = $VIP
vrrp = on
node_id = n$1
[vrrp]
vrid = 62
priority = $1
advert_interval_ms = $INTERVAL_MS
[reports]
key_file = $LAB_DIR/cluster.key
interval_ms = 100
[gateway]
address = 198.18.0.1${1:0:1}
max_tunnels = 100
tunnels = static:0
$2
EOF
}
conf 200 "[metrics]
listen = [2001:db8::11]:9110" >"$LAB_DIR/m.conf"
conf 100 "" >"$LAB_DIR/b.conf"

has_vip() { ip -n "$1" -4 addr show dev e0 | grep -q "inet $VIP/"; }
# The adverts are captured on m's own interface (vrrp_capture -l), as in
# test_stall.sh.  The master at a real-time priority, as there: what is judged is
# whether its loop waits for an HTTP client, not how busy the machine is.
IKELB_RUN_PREFIX="chrt -f 20" ikelb_start "$M" "$LAB_DIR/m.conf" "$LAB_DIR/m.log"
MP=$IKELB_PID
if ! lab_wait_for 10 has_vip "$M"; then
	not_ok "m (200) takes the VIP"; sed 's/^/# m: /' "$LAB_DIR/m.log" | tail -n 20; tap_done; exit 1
fi
ikelb_start "$B" "$LAB_DIR/b.conf" "$LAB_DIR/b.log"
BP=$IKELB_PID
vrrp_state() { ikelb_ctl "$1" "$2" status --json 2>/dev/null | "$JG" vrrp_speakers/0/state 2>/dev/null; }
if lab_wait_for 10 eval '[ "$(vrrp_state "$BP" "$LAB_DIR/b.conf")" = BACKUP ]' && has_vip "$M"; then
	ok "m is master, b backup"
else
	not_ok "m is master, b backup"; tail -n 20 "$LAB_DIR/b.log" | sed 's/^/# b: /'; tap_done; exit 1
fi
scrape() { ip netns exec "$CL" curl -sf -m 2 "$URL"; }
check "m answers GET $URL" eval 'scrape | grep -q "^ikelb_build_info"'

LOOP_BEFORE=$(ikelb_loop_figures "$MP" "$LAB_DIR/m.conf")
lab_spawn "$LAB_DIR/cap.txt" ip netns exec "$M" "$IKELB_TOOLS/vrrp_capture" -l -i e0 -t $CAPTURE_S
CAP=$LAB_PID
sleep 0.5

# ---- the clients, while the capture runs -------------------------------------------
mark() { echo "$(date +%s%6N) $*" >>"$LAB_DIR/marks.txt"; } # for the diagnostics
hold() { # hold NAME N MODE SRC...
	local name=$1
	shift
	mark "hold $name $*"
	lab_spawn "$LAB_DIR/$name.log" ip netns exec "$CL" "$IKELB_TOOLS/http_hold" 2001:db8::11 9110 "$@"
	eval "HOLD_$name=\$LAB_PID"
	lab_wait_for 5 grep -q "^ready" "$LAB_DIR/$name.log" ||
		diag "$name: not ready: $(head -n 3 "$LAB_DIR/$name.log")"
	mark "$name ready"
}
hold noread 3 noread 2001:db8::a0
hold drip 5 drip 2001:db8::a1
hold silent 50 silent "${SILENT_SRC[@]}"
answered=0
for i in $(seq 10); do
	mark status
	ikelb_ctl "$MP" "$LAB_DIR/m.conf" status >/dev/null 2>&1 && answered=$((answered + 1))
	sleep 0.5
done
wait "$CAP"
lab_untrack "$CAP"

# ---- what the capture shows ------------------------------------------------------------
n_m=$(awk '$2 == "198.18.0.11" && $4 == 200' "$LAB_DIR/cap.txt" | wc -l)
n_other=$(awk '$2 != "198.18.0.11" || $4 != 200' "$LAB_DIR/cap.txt" | wc -l)
gaps=$(awk '$2 == "198.18.0.11" { if (t) { g = ($1 - t) / 1000; if (g > max) max = g;
	if (g > '$((INTERVAL_MS + SLACK_MS))') n++ } t = $1 }
	END { printf "%.1f %d", max, n }' "$LAB_DIR/cap.txt")
max_gap=${gaps% *} n_late=${gaps#* }
expected=$((CAPTURE_S * 1000 / INTERVAL_MS))
check "the master's adverts were captured ($n_m in $CAPTURE_S s, about $expected expected)" \
	test "$n_m" -ge $((expected * 9 / 10))
diag "largest gap between two of them: $max_gap ms; $n_late above $((INTERVAL_MS + SLACK_MS)) ms"
ikelb_loop_judge "$MP" "$LAB_DIR/m.conf" "$LOOP_BEFORE" "$n_late" $((INTERVAL_MS + SLACK_MS))
check "no other advert: the backup never spoke up ($n_other)" test "$n_other" = 0
check "b never became master" eval '! grep -q "VIP $VIP: MASTER" "$LAB_DIR/b.log"'

check "the control socket answered meanwhile ($answered of 10 status requests)" test "$answered" = 10

# ---- what the server did with the clients -----------------------------------------------
closed_at() { # closed_at NAME MS: connections of NAME closed by then (its own clock)
	awk -v t="$2" '$1 == "t" && $2 <= t { c = $6 } END { print c + 0 }' "$LAB_DIR/$1.log"
}
last_closed() { awk '$1 == "t" { c = $6 } END { print c + 0 }' "$LAB_DIR/$1.log"; }
first_close() { awk '$1 == "t" && $6 > 0 { print $2; exit }' "$LAB_DIR/$1.log"; }
check "5 from one address: the fifth was closed at once ($(closed_at drip 1000) within 1 s)" \
	test "$(closed_at drip 1000)" = $((5 - PER_CLIENT))
silent_first=$(first_close silent)
check "the 16 slots full, the rest waited: no silent client was closed before the idle timeout (first after ${silent_first:-?} ms)" \
	eval '[ "${silent_first:-99999}" -ge $(((IDLE_S - 1) * 1000)) ]'
served=$((MAX_CONN - 3 - PER_CLIENT))
check "those served were closed after it: $(closed_at silent $(((IDLE_S + 3) * 1000))) of 50 within $((IDLE_S + 3)) s, $served expected at least" \
	test "$(closed_at silent $(((IDLE_S + 3) * 1000)))" -ge "$served"
check "the clients that never read were closed after it too (their writes stalled: $(closed_at noread $(((IDLE_S + 3) * 1000))) of 3 within $((IDLE_S + 3)) s)" \
	test "$(closed_at noread $(((IDLE_S + 3) * 1000)))" = 3
diag "drip clients still open (a byte every 500 ms keeps one alive): $((5 - $(last_closed drip))) of 5"
lab_stop "$HOLD_noread"; lab_stop "$HOLD_drip"; lab_stop "$HOLD_silent"
check "with the clients gone, a scrape is answered again" lab_wait_for 15 eval 'scrape | grep -q "^ikelb_build_info"'

# ---- one address cannot keep another out ----------------------------------------------------
hold one 20 silent 2001:db8::c0
lab_wait_for 3 eval '[ "$(last_closed one)" -ge $((20 - PER_CLIENT)) ]'
scrapes=0
for i in $(seq 5); do scrape >/dev/null && scrapes=$((scrapes + 1)); done
check "20 silent connections from one address: all but $PER_CLIENT closed at once ($(last_closed one)), and scrapes from another address are answered ($scrapes of 5)" \
	eval '[ "$(last_closed one)" = $((20 - PER_CLIENT)) ] && [ "$scrapes" = 5 ]'
lab_stop "$HOLD_one"
sent=$(scrape | awk '/^ikelb_vrrp_adverts_sent_total\{family="ipv4"\}/ { print $2 }')
check "the scrape counts the adverts m sent (${sent:-none}; at least $n_m captured)" \
	eval '[ "${sent:-0}" -ge "$n_m" ]'
check "m is still master" has_vip "$M"
if [ "$_tap_fail" -gt 0 ]; then
	# each gap, after what the test last did
	awk -v lim=$(((INTERVAL_MS + SLACK_MS) * 1000)) 'FILENAME ~ /marks/ { mt[++n] = $1; $1 = ""; mw[n] = $0; next }
		$2 == "198.18.0.11" { if (t && $1 - t > lim) { w = "before the first mark"
			for (i = 1; i <= n && mt[i] <= t; i++) w = sprintf("%.1f ms after%s", (t - mt[i]) / 1000, mw[i])
			printf "# gap %.1f ms, %s\n", ($1 - t) / 1000, w } t = $1 }' \
		"$LAB_DIR/marks.txt" "$LAB_DIR/cap.txt" | head -n 10
	diag "m: $(kill -0 "$MP" 2>/dev/null && echo alive || echo gone), status: $(ikelb_ctl "$MP" "$LAB_DIR/m.conf" status 2>&1 | head -n 1)"
	ikelb_in "$MP" ss -tan | awk '{ print $1 }' | sort | uniq -c | sed 's/^/# m sockets: /'
	tail -n 15 "$LAB_DIR/m.log" | sed 's/^/# m: /'
	for f in noread drip silent one; do tail -n 3 "$LAB_DIR/$f.log" | sed "s/^/# $f: /"; done
fi
tap_done
