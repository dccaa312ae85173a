#!/bin/bash
# End to end: strongSwan clients connecting to the IPv6 VIP
# (2001:db8::1) are redirected to a gateway's IPv6 address (an IPv6 GW
# identity: the IPv6 slot table) and establish their IKE SA there, spread
# like IPv4 clients in proportion to free capacity: 16 clients on empty
# gateways of max_tunnels 40/40/80 give 4/4/8 on average.
set -u
. "$(dirname "$0")/../lib/e2e.sh"
e2e_require
e2e_up
M=$(lab_master)
N6=16
# What XDP reads: the pinned slots map.  Before any client every gateway is
# empty, so both families' tables give each gateway slots in proportion to
# max_tunnels: 1024 * 40/160, 40/160, 80/160 = 256/256/512, as `status` says.
if command -v bpftool >/dev/null; then
	map=$(e2e_map_slots "$M")
	for fam in ipv4 ipv6; do
		want="" have=""
		for i in 1 2 3; do
			idx=$(mj "$M" "targets/name=gw$i/index")
			want+="$(mj "$M" "targets/name=gw$i/slots_$fam") "
			have+="$(awk -v f=$fam -v i="$idx" '$1 == f && $2 == i { print $3 }' <<<"$map") "
		done
		check "the master's pinned $fam slot table names gw1/gw2/gw3 256/256/512 times (map: ${have% }; status: ${want% })" \
			test "$have" = "256 256 512 "
	done
else
	skip "bpftool not installed (slot map check)"
fi

lab_add_clients 1 $N6 "$LAB_VIP6" >/dev/null
r0=$(e2e_counter "$M" redirected)
e2e_connect 1 $N6 4
check "$N6 clients through the IPv6 VIP $LAB_VIP6: all initiations succeed ($FAILED failed)" \
	test "$FAILED" = 0
e2e_landing 1 $N6
check "each was redirected to a gateway and established its IKE SA with it ($LANDING_BAD not)" \
	test "$LANDING_BAD" = 0
v6=0
while read -r c host; do
	case $host in 2001:db8::1[1-9]) v6=$((v6 + 1)) ;; esac
done < <(lab_client_hosts)
check "all $N6 IKE SAs are with a gateway's IPv6 address ($v6)" test "$v6" = $N6
# 16 clients, 4 at a time, arrive within a few refills: each lands by the
# hash of its SPIi (seen: 2/3/11 to 4/6/6), so the split is judged as a
# draw of 1:1:2 (e2e_chi2); all to one gateway gives 16 or more.
got="${LANDED[1]}/${LANDED[2]}/${LANDED[3]}"
chi2=$(e2e_chi2 "${LANDED[1]} ${LANDED[2]} ${LANDED[3]}" "4 4 8")
check "spread 1:1:2 by free capacity: $got, chi-square $chi2 against 4/4/8 (below $E2E_CHI2_MAX)" \
	e2e_chi2_ok "$chi2"

e2e_check_held
r=$(e2e_counter "$M" redirected)
check "the master counted the redirects ($r0 -> $r, +$N6; retransmits may add 2)" \
	eval '[ "$r" -ge $((r0 + N6)) ] && [ "$r" -le $((r0 + N6 + 2)) ]'

e2e_done
