# strongSwan helpers (source after netns.sh): one charon per namespace, each
# with its own strongswan.conf, vici socket and private /run (docs/design.md).

SW_PLUGINS="random nonce openssl kdf hmac sha1 sha2 aes pem pkcs1 pkcs8 x509 pubkey revocation constraints kernel-netlink socket-default vici"

# sw_conf DIR [EXTRA]: write DIR/strongswan.conf; EXTRA goes inside charon { }
sw_conf() {
	local dir=$1 extra=${2:-} d
	mkdir -p "$dir"
	# swanctl --load-all reads these next to swanctl.conf; empty is fine
	for d in x509 x509ca x509aa x509ocsp x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$dir/$d"
	done
	cat >"$dir/strongswan.conf" <<EOC
charon {
	load_modular = no
	load = $SW_PLUGINS
	install_routes = no
	install_virtual_ip = no
	retransmit_tries = 5
	retransmit_timeout = 1.0
	retransmit_base = 1.4
$extra
	filelog {
		log {
			path = $dir/charon.log
			flush_line = yes
			default = 1
			ike = 2
			net = 2
			time_format = %T
			time_add_ms = yes
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
	}
}
swanctl {
	load = pem pkcs1 pkcs8 x509 revocation constraints pubkey openssl random
}
EOC
}

# sw_start NS DIR: start charon in NS with DIR/strongswan.conf; sets SW_PID
sw_start() {
	local ns=$1 dir=$2
	rm -f "$dir/charon.vici"
	lab_spawn "$dir/charon.out" ip netns exec "$ns" env STRONGSWAN_CONF="$dir/strongswan.conf" \
		unshare -m sh -c 'mount -t tmpfs none /run && exec /usr/lib/ipsec/charon'
	SW_PID=$LAB_PID
	lab_wait_for 10 test -S "$dir/charon.vici" || { echo "charon in $ns did not start" >&2; return 1; }
	sw_check_plugins "$ns" "$dir"
}

# The Debian package of each plugin outside libstrongswan itself.
sw_plugin_package() {
	case "$1" in
	openssl) echo libstrongswan-standard-plugins ;;
	*) echo libstrongswan ;;
	esac
}

# sw_check_plugins NS DIR: charon runs, but without a plugin it cannot do
# the lab's crypto (no DH group without openssl): fail, naming the package.
sw_check_plugins() {
	local ns=$1 dir=$2 loaded p missing=""
	loaded=$(sw_ctl "$ns" "$dir" --stats 2>/dev/null | sed -n 's/^loaded plugins: //p')
	for p in $SW_PLUGINS; do
		case " $loaded " in *" $p "*) ;; *) missing="$missing $p ($(sw_plugin_package "$p"))" ;; esac
	done
	[ -z "$missing" ] && return 0
	echo "charon in $ns did not load plugins:$missing; scripts/deps.sh installs them" >&2
	return 1
}

# sw_ctl NS DIR ARGS...: swanctl against the charon of DIR
sw_ctl() {
	local ns=$1 dir=$2
	shift 2
	ip netns exec "$ns" env STRONGSWAN_CONF="$dir/strongswan.conf" \
		swanctl "$@" --uri "unix://$dir/charon.vici"
}

# sw_load NS DIR: load DIR/swanctl.conf
sw_load() {
	sw_ctl "$1" "$2" --load-all --noprompt --file "$2/swanctl.conf" >/dev/null
}

# sw_ike_count NS DIR: number of established IKE SAs
sw_ike_count() {
	sw_ctl "$1" "$2" --list-sas --raw 2>/dev/null | grep -o 'state=ESTABLISHED' | wc -l
}

# sw_psk_conn NAME REMOTE [PORT]: a client connection (client.ikelb.test to
# gw.ikelb.test, PSK), for sw_psk_pair; PORT: IKE from and to that port
sw_psk_conn() {
	local port=${3:-}
	echo "	$1 {
		version = 2
		remote_addrs = $2${port:+
		local_port = $port
		remote_port = $port}
		local { auth = psk
			id = client.ikelb.test }
		remote { auth = psk
			id = gw.ikelb.test }
	}"
}

# sw_psk_gateway DIR SECRETS [REMOTE_ID]: DIR's strongswan.conf, and its
# swanctl.conf with one PSK connection as gw.ikelb.test that accepts
# REMOTE_ID (default: any client), and the secrets section SECRETS
sw_psk_gateway() {
	sw_conf "$1"
	cat >"$1/swanctl.conf" <<EOC
connections {
	any {
		version = 2
		local { auth = psk
			id = gw.ikelb.test }
		remote { auth = psk${3:+
			id = $3} }
	}
}
$2
EOC
}

# sw_psk_pair CLI GW PSK CONNS: a charon in namespace CLI with the client
# connections CONNS (sw_psk_conn's output), and one in GW (gw.ikelb.test)
# that accepts client.ikelb.test, both with the pre-shared key PSK; their
# directories $LAB_DIR/cli and $LAB_DIR/gw; both started and loaded
sw_psk_pair() {
	local cli=$1 gw=$2 secrets
	secrets="secrets {
	ike-1 {
		id-1 = client.ikelb.test
		id-2 = gw.ikelb.test
		secret = $3
	}
}"
	sw_conf "$LAB_DIR/cli"
	printf 'connections {\n%s\n}\n%s\n' "$4" "$secrets" >"$LAB_DIR/cli/swanctl.conf"
	sw_psk_gateway "$LAB_DIR/gw" "$secrets" client.ikelb.test
	sw_start "$cli" "$LAB_DIR/cli" && sw_load "$cli" "$LAB_DIR/cli" 2>/dev/null &&
		sw_start "$gw" "$LAB_DIR/gw" && sw_load "$gw" "$LAB_DIR/gw" 2>/dev/null
}

# sw_remote_host NS DIR CONN: the remote address of the established IKE SA
# of connection CONN of the charon in NS (DIR: its directory)
sw_remote_host() {
	sw_ctl "$1" "$2" --list-sas --ike "$3" --raw 2>/dev/null |
		grep 'state=ESTABLISHED' | grep -o 'remote-host=[^ ]*' | cut -d= -f2
}
