#!/bin/bash
# shellcheck disable=SC2016 # eval and lab_wait_for get their commands in single quotes
# [redirect] mode = auth with real strongSwan 5.9 everywhere:
#
#   clients (cli: follows redirects; cln: follow_redirects = no)
#        |
#   bridge (sw) --- master (bal): ikelb-load, vrrp = off, mode = auth; its own
#        |          charon terminates IKE at the VIPs 198.18.0.1, 2001:db8::1
#        |          (connection "vip") and is a gateway at 198.18.0.3 ("own")
#        +--------- gw1, gw2: charon gateways, static [target]s
#
# Certificates made at setup: a CA; a cluster certificate for the identity
# vpn.ikelb.test (the VIP); one certificate per gateway with its own key,
# naming both its own host name and vpn.ikelb.test.  Clients trust only the
# CA and expect vpn.ikelb.test, at the VIP and after the redirect alike:
# every gateway proves the cluster identity, none shares the VIP's key.
# Clients authenticate with a PSK.  IKE SAs only: this kernel has no ESP.
#
# A client authenticates the cluster at the VIP, is redirected after that
# to the target the balancer picks, establishes there, and its SA at the
# VIP goes away; many clients spread over the targets and the per-target
# counts in `status` match where they landed; SAs at the VIP are not this
# gateway's tunnels; clients without redirect support are kept or closed
# (unsupported = pass / drop); SAs up before ikelb-load connects are found
# by list-sas (and charon's refusal to redirect a client whose support was
# not known is seen); charon on the master restarted: ikelb-load
# reconnects and works again; with auth_fallback = init and charon down
# the XDP program answers (an init-mode redirect); a redirected SA whose
# client cannot reach the target lingers until charon's half-open timeout,
# not counted as a tunnel; without targets SAs stay (no_target = pass);
# SIGTERM closes what is still at the VIP.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/netns.sh"
. "$TOP/tests/lib/strongswan.sh"
. "$TOP/tests/lib/ikelb.sh"
ikelb_require --charon --pki

VIP4=198.18.0.1 VIP6=2001:db8::1
BAL=198.18.0.3 BAL6=2001:db8::3
GW1=198.18.0.11 GW1_6=2001:db8::11
GW2=198.18.0.12 GW2_6=2001:db8::12
ID=vpn.ikelb.test
PSK=ikelb-authmode-test-psk

lab_init
D=$LAB_DIR
SW=$(lab_ns sw) && CLI=$(lab_ns cli) && CLN=$(lab_ns cln) && NB=$(lab_ns bal) &&
	G1=$(lab_ns gw1) && G2=$(lab_ns gw2) || exit 1
lab_bridge "$SW" br0
for n in "$CLI c0 198.18.0.2 2001:db8::2" "$CLN n0 198.18.0.4 2001:db8::4" \
	"$NB e0 $BAL $BAL6" "$G1 g1 $GW1 $GW1_6" "$G2 g2 $GW2 $GW2_6"; do
	read -r ns dev a4 a6 <<<"$n"
	lab_switch_host "$SW" "s$dev" "$ns" "$dev" "$a4" "$a6" || exit 1
done

# ---- certificates -----------------------------------------------------------
P=$D/pki
mkdir -p "$P"
# issue NAME CN SAN...: $P/NAME.key and $P/NAME.pem, signed by the CA
issue() {
	local name=$1 cn=$2 san=() s
	shift 2
	for s in "$@"; do san+=(--san "$s"); done
	pki --gen --type ecdsa --size 256 --outform pem >"$P/$name.key" 2>/dev/null &&
		pki --pub --in "$P/$name.key" --type ecdsa 2>/dev/null |
		pki --issue --cacert "$P/ca.pem" --cakey "$P/ca.key" --type pub \
			--dn "O=ikelb test, CN=$cn" "${san[@]}" --flag serverAuth --lifetime 2 \
			--outform pem >"$P/$name.pem" 2>/dev/null
}
pki --gen --type ecdsa --size 256 --outform pem >"$P/ca.key" 2>/dev/null &&
	pki --self --ca --lifetime 2 --in "$P/ca.key" --type ecdsa \
		--dn "O=ikelb test, CN=ikelb test CA" --outform pem >"$P/ca.pem" 2>/dev/null &&
	issue cluster $ID $ID && issue bal bal.ikelb.test bal.ikelb.test $ID &&
	issue gw1 gw1.ikelb.test gw1.ikelb.test $ID && issue gw2 gw2.ikelb.test gw2.ikelb.test $ID
check "certificates made with pki (CA, cluster, one per gateway)" \
	test -s "$P/gw2.pem" -a -s "$P/cluster.pem"

# ---- strongSwan ---------------------------------------------------------------
# gw_conn NAME ADDRS CERT: a gateway connection proving $ID with CERT
gw_conn() {
	cat <<EOF
	$1 {
		version = 2
		local_addrs = $2
		local {
			auth = pubkey
			certs = $3.pem
			id = $ID
		}
		remote {
			auth = psk
		}
	}
EOF
}
psk() { printf 'secrets {\n\tike-any {\n\t\tsecret = %s\n\t}\n}\n' $PSK; }
# gateway DIR CERT ADDRS [CONN CERT ADDRS]...: swanctl.conf and credentials
gateway() {
	local dir=$1
	shift
	{
		echo "connections {"
		while [ $# -ge 3 ]; do
			gw_conn "$1" "$2" "$3"
			cp "$P/$3.pem" "$dir/x509/" && cp "$P/$3.key" "$dir/ecdsa/"
			shift 3
		done
		echo "}"
		psk
	} >"$dir/swanctl.conf"
}
# client_conns PREFIX FIRST LAST VIP: one connection per client id
client_conns() {
	for i in $(seq "$2" "$3"); do
		cat <<EOF
	$1$i {
		version = 2
		remote_addrs = $4
		local {
			auth = psk
			id = $1$i.ikelb.test
		}
		remote {
			auth = pubkey
			id = $ID
			cacerts = ca.pem
		}
	}
EOF
	done
}
NC4=12 # c1..c12 to the IPv4 VIP; c13, c14 to the IPv6 VIP; c15.. spare
client() { # DIR PREFIX: swanctl.conf of a client charon
	{
		echo "connections {"
		if [ "$2" = c ]; then
			client_conns c 1 $NC4 $VIP4
			client_conns c $((NC4 + 1)) $((NC4 + 2)) $VIP6
			client_conns c $((NC4 + 3)) $((NC4 + 7)) $VIP4
		else
			client_conns n 1 4 $VIP4
		fi
		echo "}"
		psk
	} >"$1/swanctl.conf"
	cp "$P/ca.pem" "$1/x509ca/"
}
# charon deletes a redirected SA this long after the redirect if the client
# does not (the default is 30 s)
sw_conf "$D/bal" "	half_open_timeout = 3"
gateway "$D/bal" vip "$VIP4, $VIP6" cluster own "$BAL, $BAL6" bal
for g in gw1 gw2; do sw_conf "$D/$g"; done
gateway "$D/gw1" gw "$GW1, $GW1_6" gw1
gateway "$D/gw2" gw "$GW2, $GW2_6" gw2
sw_conf "$D/cli"
client "$D/cli" c
# follow_redirects = no: this charon does not send REDIRECT_SUPPORTED
sw_conf "$D/cln" "	follow_redirects = no"
client "$D/cln" n

declare -A NS=([bal]=$NB [gw1]=$G1 [gw2]=$G2 [cli]=$CLI [cln]=$CLN)
started=1
for n in bal gw1 gw2 cli cln; do
	if sw_start "${NS[$n]}" "$D/$n" && sw_load "${NS[$n]}" "$D/$n" 2>"$D/$n.load.err"; then
		eval "SWPID_$n=\$SW_PID"
	else
		started=0
		diag "charon $n: $(tail -3 "$D/$n.load.err" "$D/$n/charon.out" 2>/dev/null)"
	fi
done
if [ $started = 0 ]; then not_ok "five charons started and configured"; tap_done; exit; fi
ok "five charons started and configured"

# sas NODE: its charon's IKE SAs, one line each
sas() { sw_ctl "${NS[$1]}" "$D/$1" --list-sas --raw 2>/dev/null; }
# at_vip ID: the master's charon has an SA with client ID at a VIP
at_vip() { sas bal | grep "remote-id=$1 " | grep -Eq "local-host=($VIP4|$VIP6) "; }
initiate() { # CLIENTNS CONN
	sw_ctl "${NS[$1]}" "$D/$1" --initiate --ike "$2" --timeout 8 >"$D/initiate.$2" 2>&1
}

# ---- SAs at the VIP before ikelb-load runs ------------------------------------------
# The VIP is already there (ikelb-load leaves it alone then), and two
# clients are up at it: ikelb-load learns of them from list-sas when it
# connects, without having seen their IKE_SA_INIT in charon's log.
PRE=c$((NC4 + 5))
ip -n "$NB" addr add $VIP4/32 dev e0
initiate cli $PRE
initiate cln n4
check "before ikelb-load: $PRE and n4 (no redirect support) are up at the VIP" \
	eval 'at_vip $PRE.ikelb.test && at_vip n4.ikelb.test'

# ---- ikelb-load -------------------------------------------------------------------
(umask 077; openssl rand -hex 32 >"$D/cluster.key")
CONF=$D/ikelb.conf
# conf [KEY=VALUE...]: the config with [redirect] settings overridden
conf() {
	local unsupported=pass fallback=pass notargets='' dead='' kv
	for kv in "$@"; do eval "$kv"; done
	cat <<EOF
[cluster]
name = am
interface = e0
virtual_ip = $VIP4
virtual_ip6 = $VIP6
vrrp = off
state_dir = $LAB_DIR/state

[redirect]
ports = 500 4500
mode = auth
vici = $D/bal/charon.vici
auth_fallback = $fallback
auth_connection = vip
unsupported = $unsupported

[reports]
key_file = $D/cluster.key
interval_ms = 200
EOF
	[ -n "$notargets" ] && return
	cat <<EOF

[gateway]
address = $BAL
address6 = $BAL6
max_tunnels = 100
tunnels = vici:$D/bal/charon.vici
EOF
	if [ -n "$dead" ]; then
		# an address nobody answers at
		printf '\n[target gw3]\naddress = 198.18.0.13\nmax_tunnels = 100\n'
		return
	fi
	cat <<EOF

[target gw1]
address = $GW1
address6 = $GW1_6
max_tunnels = 100

[target gw2]
address = $GW2
address6 = $GW2_6
max_tunnels = 100
EOF
}
conf >"$CONF"
ikelb_start "$NB" "$CONF" "$D/ikelb.log"
DPID=$IKELB_PID
if ! ikelb_wait_ready "$DPID" "$CONF"; then
	not_ok "ikelb-load started"
	sed 's/^/# /' "$D/ikelb.log"
	tap_done
	exit 1
fi
ok "ikelb-load started in auth mode"

st() { ikelb_ctl "$DPID" "$CONF" status "$@"; }
sj() { st --json | "$JG" "$@"; }
am() { sj "auth_mode/$1"; } # am KEY: a value of the auth_mode object
eq() { # NAME WANT GOT
	if [ "$3" = "$2" ]; then ok "$1"; else not_ok "$1 (want '$2', got '$3')"; fi
}
reload() { # KEY=VALUE...: a new config, applied by SIGHUP
	conf "$@" >"$CONF"
	local n
	n=$(sj reloads)
	kill -HUP "$DPID"
	lab_wait_for 5 eval '[ "$(sj reloads)" = $((n + 1)) ]'
}

connected() { [ "$(am connected)" = true ]; }
check "status: connected to the master's charon" lab_wait_for 5 connected
eq "status: mode auth" auth "$(sj mode)"
eq "status: XDP does not answer at the VIPs (auth_fallback = pass, connected)" false \
	"$(am xdp_answers)"
check "status text: the auth mode section says connected" eval \
	'st | grep -Eq "^  connected since .*\(1 connects, 0 losses\)"'
# every key of the auth_mode object is in docs/status-json.md
keys=$(st --json | awk '/^  "auth_mode": ?\{/ { f = 1; next } f && /^  \}/ { f = 0 }
	f && match($0, /^    "[^"]*"/) { print substr($0, 6, RLENGTH - 6) }')
undocumented=$(for k in $keys; do grep -q "\`$k\`" "$TOP/docs/status-json.md" || echo "$k"; done)
check "status --json: the $(wc -w <<<"$keys") keys of auth_mode are documented in docs/status-json.md" \
	eval '[ "$(wc -w <<<"$keys")" = "$(sj "auth_mode/#")" ] && [ -z "$undocumented" ]'
[ -z "$undocumented" ] || diag "undocumented: $undocumented"
check "VIP $VIP4 and XDP on the master's e0" eval \
	'ip -n "$NB" addr show dev e0 | grep -q "inet $VIP4/32" && ip -n "$NB" link show dev e0 | grep -q xdp'

# ---- where clients are ----------------------------------------------------------------
declare -A ADDR_OF=([bal]="$BAL $BAL6" [gw1]="$GW1 $GW1_6" [gw2]="$GW2 $GW2_6")
# the name of the node holding an address, as `status` names its target
node_of() {
	local n
	for n in bal gw1 gw2; do
		[[ " ${ADDR_OF[$n]} " == *" $1 "* ]] && { echo "$n"; return; }
	done
}
# where CLIENTNS CONN: the remote host of the client's established SA that
# is not at a VIP ("" if none)
where() {
	sas "$1" | grep "^list-sa event {$2 " | grep 'state=ESTABLISHED' |
		grep -o 'remote-host=[^ ]*' | cut -d= -f2 | grep -vx -e $VIP4 -e $VIP6 | head -1
}
# connect N: client cN initiates, is redirected and lands; sets LANDED
# (bal, gw1, gw2) from the address of its SA and the target's own charon
connect() {
	local c=c$1 host
	LANDED=
	initiate cli "$c"
	lab_wait_for 5 eval '[ -n "$(where cli $c)" ]'
	host=$(where cli "$c")
	[ -n "$host" ] || { diag "$c: not at a gateway: $(tail -n 3 "$D/initiate.$c")"; return; }
	LANDED=$(node_of "$host")
	if ! sas "$LANDED" | grep 'state=ESTABLISHED' | grep -q "remote-id=$c.ikelb.test "; then
		diag "$c: $LANDED's charon does not list it"
		LANDED=
	fi
}

# ---- the SAs that were there before -------------------------------------------------------
gone() { ! at_vip "$1"; }
check "$PRE, up before ikelb-load, is redirected and lands at a gateway" \
	lab_wait_for 5 eval '[ -n "$(where cli $PRE)" ]'
check "$PRE's SA at the VIP goes away" lab_wait_for 5 gone $PRE.ikelb.test
refused() { grep -q "IKE_SA #[0-9]*: charon did not redirect it" "$D/ikelb.log"; }
check "n4's support was unknown: charon refused the redirect, and ikelb-load saw that" \
	lab_wait_for 3 refused
check "charon logged the refusal" grep -q "client does not support IKE redirection" \
	"$D/bal/charon.log"
check "n4 stays at the VIP (unsupported = pass)" at_vip n4.ikelb.test
eq "status: unsupported 1, kept 1" "1 1" "$(am unsupported) $(am kept)"
# both redirects were accepted by charon, so both count
eq "status: redirected 2" 2 "$(am redirected)"
R0=$(am redirected)
SELF=$(sj targets/kind=self/name)
declare -A R0T
for t in "$SELF" gw1 gw2; do R0T[$t]=$(sj "targets/name=$t/redirects"); done

# ---- one client -------------------------------------------------------------------------
connect 1
check "c1 is established at a gateway after the redirect ($LANDED)" test -n "$LANDED"
check "c1 first authenticated the cluster identity $ID at the VIP" grep -Eq \
	"IKE_SA c1\[[0-9]+\] established between 198.18.0.2\[c1.ikelb.test\]\.\.\.$VIP4\[$ID\]" \
	"$D/cli/charon.log"
check "the client was told to go there by an INFORMATIONAL with N(REDIR)" grep -Eq \
	"parsed INFORMATIONAL request [0-9]+ \[ N\(REDIR\) \]" "$D/cli/charon.log"
check "c1 verified $ID again at the gateway (the gateway's own certificate)" eval \
	'sas cli | grep "^list-sa event {c1 " | grep "state=ESTABLISHED" | grep -q "remote-id=$ID "'
check "c1's SA at the VIP goes away" lab_wait_for 5 gone c1.ikelb.test
settled() { # redirects in status are those of the last refill (100 ms)
	[ "$(sj targets/name=gw1/redirects targets/name=gw2/redirects targets/kind=self/redirects |
		awk '{ s += $1 } END { print s }')" = "$(am redirected)" ]
}
lab_wait_for 2 settled
eq "status: auth_mode redirected one more" $((R0 + 1)) "$(am redirected)"
if [ -n "$LANDED" ]; then
	TN=$LANDED
	[ "$LANDED" = bal ] && TN=$SELF
	eq "status: the target c1 landed on ($TN) has its redirect counted" $((R0T[$TN] + 1)) \
		"$(sj "targets/name=$TN/redirects")"
fi
eq "status: the XDP program redirected nobody" 0 "$(sj counters/redirected)"

# ---- many clients, both families ---------------------------------------------------------
declare -A got=([bal]=0 [gw1]=0 [gw2]=0)
[ -n "$LANDED" ] && got[$LANDED]=1
all=1
for i in $(seq 2 $((NC4 + 2))); do
	connect "$i"
	if [ -n "$LANDED" ]; then got[$LANDED]=$((got[$LANDED] + 1)); else all=0; fi
done
N=$((NC4 + 2))
check "each of $N clients (2 via $VIP6) established at a gateway after its redirect" test $all = 1
check "c13 and c14 landed on IPv6 addresses of gateways" eval \
	'[[ "$(where cli c13) $(where cli c14)" =~ ^2001:db8::[0-9]+\ 2001:db8::[0-9]+$ ]]'
only_n4_at_vip() {
	[ "$(sas bal | grep -E "local-host=($VIP4|$VIP6) " | grep -o 'remote-id=[^ ]*')" = \
		remote-id=n4.ikelb.test ]
}
check "no client SA left at the VIPs but n4" lab_wait_for 6 only_n4_at_vip
lab_wait_for 2 settled
eq "status: auth_mode redirected $N more" $((R0 + N)) "$(am redirected)"
r_bal=$(($(sj "targets/name=$SELF/redirects") - R0T[$SELF]))
r_gw1=$(($(sj targets/name=gw1/redirects) - R0T[gw1]))
r_gw2=$(($(sj targets/name=gw2/redirects) - R0T[gw2]))
eq "status: per-target redirects since = where clients landed (self gw1 gw2)" \
	"${got[bal]} ${got[gw1]} ${got[gw2]}" "$r_bal $r_gw1 $r_gw2"
# Equal capacities: a third each.  The balancer counts every redirect, so
# look at all of them (N clients, $PRE and n4): its feedback keeps a burst
# from herding; at least 3 of 16 each (a fair die per client would miss
# that 10 % of the time, herding always).
t_bal=$(sj "targets/name=$SELF/redirects") t_gw1=$(sj targets/name=gw1/redirects)
t_gw2=$(sj targets/name=gw2/redirects)
check "redirects spread over the three gateways (self $t_bal, gw1 $t_gw1, gw2 $t_gw2; landed since: ${got[bal]} ${got[gw1]} ${got[gw2]})" \
	eval '[ "$t_bal" -ge 3 ] && [ "$t_gw1" -ge 3 ] && [ "$t_gw2" -ge 3 ]'
own_sas() { sas bal | grep 'state=ESTABLISHED' | grep -c "local-host=\($BAL\|$BAL6\) "; }
own() { [ "$(sj targets/kind=self/tunnels)" = "$(own_sas)" ]; }
check "status: this gateway's tunnels are the $(own_sas) SAs at its own address, not n4 at the VIP" \
	lab_wait_for 3 own
eq "status: the XDP program still redirected nobody" 0 "$(sj counters/redirected)"
eq "status: auth_mode errors 0" 0 "$(am errors)"

# ---- a client without redirect support ----------------------------------------------------
initiate cln n1
check "n1 (no REDIRECT_SUPPORTED) is established at the VIP (unsupported = pass)" at_vip n1.ikelb.test
sleep 0.5
check "n1 is still at the VIP" at_vip n1.ikelb.test
eq "status: unsupported 2" 2 "$(am unsupported)"
eq "status: kept 2 (n1, n4)" 2 "$(am kept)"
eq "status: redirected still $((R0 + N))" $((R0 + N)) "$(am redirected)"
n1=$(sas bal | grep 'remote-id=n1.ikelb.test ' | grep -o 'uniqueid=[0-9]*' | cut -d= -f2)
check "support was known before n1's SA was up: charon was never asked to redirect #$n1" \
	eval '[ -n "$n1" ] && ! grep -q "vici redirect IKE_SA #$n1 " "$D/bal/charon.log"'
n_own=$(own_sas)
n_all=$(sas bal | grep -c 'state=ESTABLISHED')
check "the master's charon holds n1 and n4 at the VIP besides its own $n_own" \
	test "$n_all" = $((n_own + 2))
sleep 0.5
eq "status: n1 and n4 are not this gateway's tunnels" "$n_own" "$(sj targets/kind=self/tunnels)"

reload unsupported=drop
initiate cln n2
closed() { [ "$(am closed)" = 1 ]; }
check "n2 (no support, unsupported = drop) is closed" lab_wait_for 3 closed
check "n2 is gone from the master" lab_wait_for 3 gone n2.ikelb.test
n2_gone() { ! sas cln | grep "^list-sa event {n2 " | grep -q ESTABLISHED; }
check "n2 is gone from its client" lab_wait_for 3 n2_gone
eq "status: unsupported 3" 3 "$(am unsupported)"
check "n1, kept before, stays at the VIP" at_vip n1.ikelb.test

# ---- charon on the master restarted ------------------------------------------------------
lab_stop "$SWPID_bal"
lost() { [ "$(am connected)" = false ]; }
check "status: charon gone, not connected" lab_wait_for 3 lost
JS=$(st --json)
reason=$("$JG" auth_mode/reason <<<"$JS") retry=$("$JG" auth_mode/next_retry_ms <<<"$JS")
check "status: a reason ($reason) and the next retry ($retry ms)" \
	eval '[ -n "$reason" ] && [ "$retry" -ge 0 ] && [ "$retry" -le 10000 ]'
check "status text: NOT CONNECTED with the reason" eval 'st | grep -q "NOT CONNECTED since"'
check "the log says so" grep -q "auth mode: lost charon's vici" "$D/ikelb.log"
eq "status: XDP still does not answer (auth_fallback = pass)" false "$(am xdp_answers)"
sleep 1.5 # a few failed attempts: the backoff grows
sw_start "$NB" "$D/bal"; SWPID_bal=$SW_PID; sw_load "$NB" "$D/bal" 2>/dev/null
check "ikelb-load reconnects to the new charon" lab_wait_for 12 connected
eq "status: 2 connects, 1 loss" "2 1" "$(am connects) $(am losses)"
check "the log says reconnected" grep -q "auth mode: reconnected to charon" "$D/ikelb.log"
eq "status: nothing kept at the VIP any more (charon's SAs went with it)" 0 "$(am kept)"
before=$(am redirected)
connect $((NC4 + 3))
check "a client after the restart is redirected again ($LANDED)" test -n "$LANDED"
eq "status: redirected $((before + 1))" $((before + 1)) "$(am redirected)"

# ---- auth_fallback = init with charon down ------------------------------------------------
reload fallback=init
lab_stop "$SWPID_bal"
answers() { [ "$(am xdp_answers)" = true ]; }
check "charon down, auth_fallback = init: XDP answers at the VIP" lab_wait_for 3 answers
# this gateway's own charon is down too: no client must be sent there
self_down() { [ "$(sj targets/kind=self/state)" = unhealthy ]; }
check "status: this gateway is unhealthy without its charon" lab_wait_for 3 self_down
before=$(am redirected)
connect $((NC4 + 4))
check "a client gets an init-mode redirect from XDP and lands ($LANDED)" test -n "$LANDED"
eq "status: the XDP program redirected it" 1 "$(sj counters/redirected)"
eq "status: auth_mode did not" "$before" "$(am redirected)"
sw_start "$NB" "$D/bal"; SWPID_bal=$SW_PID; sw_load "$NB" "$D/bal" 2>/dev/null
check "charon back: reconnected" lab_wait_for 12 connected
eq "status: XDP does not answer again" false "$(am xdp_answers)"

# ---- a redirect the client cannot follow ---------------------------------------------------
# The only target is an address nobody answers at (this gateway drains):
# the client follows the redirect but never gets there, so its SA at the
# VIP lingers until charon deletes it, half_open_timeout (3 s here) after
# the redirect.  Meanwhile it is not one of this gateway's tunnels.
LG=c$((NC4 + 7))
reload dead=1
ikelb_ctl "$DPID" "$CONF" drain on >/dev/null
only_gw3() { [ "$(sj targets/state=active/name)" = gw3 ]; }
check "status: gw3 is the only active target" lab_wait_for 5 only_gw3
initiate cli $LG
lingering() { [ "$(am lingering)" = 1 ]; }
check "$LG redirected to gw3 lingers at the VIP" eval 'lab_wait_for 2 lingering && at_vip $LG.ikelb.test'
sleep 0.5
eq "status: the lingering SA is not one of this gateway's tunnels" "$(own_sas)" \
	"$(sj targets/kind=self/tunnels)"
check "charon deletes it after its half-open timeout" lab_wait_for 8 gone $LG.ikelb.test
eq "status: lingering 0" 0 "$(am lingering)"
ikelb_ctl "$DPID" "$CONF" drain off >/dev/null

# ---- no target ----------------------------------------------------------------------------
NT=c$((NC4 + 6))
reload notargets=1
# this node's own entry lasts until its last load report is dead
no_active() { ! sj targets/state=active/name >/dev/null 2>&1; }
check "status: no active target after a reload without [gateway] and [target]s" \
	lab_wait_for 5 no_active
before=$(am no_target)
initiate cli $NT
check "without any target a client stays at the VIP (no_target = pass)" at_vip $NT.ikelb.test
eq "status: no_target one more" $((before + 1)) "$(am no_target)"

# ---- stopping closes what is at the VIP --------------------------------------------------
reload unsupported=pass fallback=init
initiate cln n3
check "n3 (no support) kept at the VIP" at_vip n3.ikelb.test
check "$NT is still at the VIP" at_vip $NT.ikelb.test
kill -TERM "$DPID"
lab_wait_for 5 eval '! kill -0 $DPID 2>/dev/null'
check "ikelb-load stopped" eval '! kill -0 $DPID 2>/dev/null'
check "stopping closed n3's SA at the VIP" lab_wait_for 3 gone n3.ikelb.test
check "stopping closed $NT's SA at the VIP" lab_wait_for 3 gone $NT.ikelb.test
check "the log says why" grep -q "closed: this node does not hold the VIP" "$D/ikelb.log"
check "no failed vici command logged" eval '! grep -Eq "auth mode: ((redirect|terminate) IKE_SA #[0-9]+|list-sas):" "$D/ikelb.log"'
if [ "${_tap_fail:-0}" != 0 ]; then
	diag "ikelb-load log:"
	sed 's/^/#   /' "$D/ikelb.log" | tail -40
fi
tap_done
