#!/bin/bash
# The cluster key rotated under SIGHUP, as README.md ("Rotate the cluster
# key") and ikelb-load(8) say, across the three nodes of the lab
# (scripts/lab.sh, tunnels from files, reports every 200 ms), one node at a
# time, half a second apart, so that nodes in different steps meet:
#
#   0. each node gets its own copy of the key (a new path, the same key);
#   1. the new key as key_file_previous: accepted, not yet sent with;
#   2. the new key moved into key_file (rotated in place: the same path),
#      the old one as key_file_previous;
#   3. key_file_previous removed.
#
# Every node takes its 4 reloads, counts no bad_mac, and accepted every
# report every other node sent meanwhile (sequence numbers against accepted
# counts: no report lost, so no gap longer than one interval); the nodes
# that sent with the new key while others had not switched were heard
# through the previous key.  Afterwards the old key is refused.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
TOP=$E2E_TOP
SEND=$TOP/build/tests/tools/report_send
e2e_require --no-charon report_send

# shellcheck disable=SC2034 # settings of scripts/lab.sh
LAB_N=3 LAB_MAX="100 100 100" LAB_TUNNELS="file file file" LAB_STATUS_MS=200 \
	LAB_CLIENT_NO_CHARON=1
STEP_PAUSE=0.5
e2e_up
CL=$LAB_PREFIX-cl

# sj N PATH...: values of node N's status --json, on one line
sj() { lab_status "$1" --json | "$JG" "${@:2}" | paste -sd' '; }
# pairs N: "MEMBER SEQ REPORTS" of every other node, in node N's table
pairs() {
	local j
	for j in 1 2 3; do
		[ "$j" = "$1" ] && continue
		echo "gw$j $(sj "$1" "reports/members/node_id=gw$j/seq" "reports/members/node_id=gw$j/reports")"
	done
}
# set_key N KEY VALUE: KEY = VALUE in node N's [reports] (VALUE empty: removed)
set_key() {
	local f
	f=$(lab_node_conf "$1")
	sed -i "/^$2 = /d" "$f"
	[ -n "$3" ] && sed -i "/^\[reports\]$/a $2 = $3" "$f"
	return 0
}
hup() { kill -HUP "${LAB_IKELB_PID[$1]}"; sleep $STEP_PAUSE; }

declare -A BASE
for i in 1 2 3; do
	BASE[$i]=$(pairs $i)
	BASE_BAD[$i]=$(sj $i reports/receiver/bad_mac)
done
diag "before: $(for i in 1 2 3; do echo "gw$i sees: $(echo ${BASE[$i]})"; done | paste -sd';')"

# 0. own copies
for i in 1 2 3; do
	(umask 077 && cp "$LAB_DIR/cluster.key" "$LAB_DIR/gw$i/cluster.key")
	sed -i "s#^key_file = .*#key_file = $LAB_DIR/gw$i/cluster.key#" "$(lab_node_conf $i)"
	hup $i
done
# 1. the new key, accepted on receive only
(umask 077 && openssl rand -hex 32 >"$LAB_DIR/cluster.key.new")
for i in 1 2 3; do
	(umask 077 && cp "$LAB_DIR/cluster.key.new" "$LAB_DIR/gw$i/cluster.key.new")
	set_key $i key_file_previous "$LAB_DIR/gw$i/cluster.key.new"
	hup $i
done
# 2. sent with: the same key_file path, a new key in it
for i in 1 2 3; do
	mv "$LAB_DIR/gw$i/cluster.key" "$LAB_DIR/gw$i/cluster.key.old"
	mv "$LAB_DIR/gw$i/cluster.key.new" "$LAB_DIR/gw$i/cluster.key"
	set_key $i key_file_previous "$LAB_DIR/gw$i/cluster.key.old"
	hup $i
done
# 3. the old key goes
for i in 1 2 3; do
	set_key $i key_file_previous ""
	rm "$LAB_DIR/gw$i/cluster.key.old"
	hup $i
done
sleep 0.5

for i in 1 2 3; do
	read -r reloads failures bad prev <<<"$(sj $i reloads reload_failures reports/receiver/bad_mac reports/receiver/previous_key)"
	check "gw$i: its 4 reloads taken, none refused ($reloads, $failures)" test "$reloads/$failures" = 4/0
	check "gw$i: no report dropped as bad_mac during the rotation (${BASE_BAD[$i]} -> $bad)" \
		test "$bad" = "${BASE_BAD[$i]}"
	check "gw$i: reports of nodes in another step were heard through the previous key ($prev)" \
		test "$prev" -gt 0
	lost=$(join <(echo "${BASE[$i]}") <(pairs $i) |
		awk '{ d_seq = $4 - $2; d_acc = $5 - $3; printf "%s sent %d accepted %d; ", $1, d_seq, d_acc
			if (d_seq != d_acc || d_seq < 20) bad = 1 } END { exit bad }')
	rc=$?
	check "gw$i: accepted every report the others sent meanwhile: $lost" test $rc = 0
	for j in 1 2 3; do
		[ $j = $i ] && continue
		age=$(sj $i "reports/members/node_id=gw$j/age_ms")
		check "gw$i: gw$j heard within one interval ($age ms)" test "$age" -le 400
	done
done

# the old key is refused now; the new one is the cluster's
old_bad=$(sj 1 reports/receiver/bad_mac)
ip netns exec "$CL" "$SEND" --group 239.255.75.1 --ifname e0 --port 4510 \
	--key "$LAB_DIR/cluster.key" --cluster lab --node gw-old --address 198.18.0.66 >/dev/null
ip netns exec "$CL" "$SEND" --group 239.255.75.1 --ifname e0 --port 4510 \
	--key "$LAB_DIR/cluster.key.new" --cluster lab --node gw-new --address 198.18.0.67 >/dev/null
sleep 0.3
check "after the rotation a report signed with the old key is bad_mac" \
	test "$(sj 1 reports/receiver/bad_mac)" = $((old_bad + 1))
check "and one signed with the new key is taken" \
	test "$(sj 1 reports/members/node_id=gw-new/node_id)" = gw-new
check "no node refused a reload (log)" eval '! grep -q "stays in force" "$LAB_DIR"/gw*/ikelb.log'
e2e_done
