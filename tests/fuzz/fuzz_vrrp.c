// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer target for everything a VRRP packet from the wire touches: the
 * IPv4 header parser, the advert decoder, the address list and source
 * checks, and the state machine fed with what decodes.  The first byte picks the mode:
 *   bit 0: IPv6 (else IPv4, the input starting with the IP header)
 *   bit 1: TTL 255 (else the second byte is the TTL)
 *   bit 2: fix the checksum up, so that mutations reach the later checks
 *   bits 3-4: the local FSM's role before the packet (init/backup/master)
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/inet_csum.h"
#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_net.h"
#include "vrrp/vrrp_proto.h"

static void fix_checksum(uint8_t *p, size_t len, const struct ip_addr *src,
			 const struct ip_addr *dst)
{
	size_t alen = src->family == AF_INET ? 4 : 16;
	uint8_t tail[8] = { 0 };
	uint32_t s = 0;
	uint16_t c;

	if (len < VRRP_HDR_LEN)
		return;
	p[6] = p[7] = 0;
	s = inet_csum_add(s, &src->v6, alen);
	s = inet_csum_add(s, &dst->v6, alen);
	if (src->family == AF_INET) {
		tail[1] = VRRP_IPPROTO, tail[2] = (uint8_t)(len >> 8), tail[3] = (uint8_t)len;
		s = inet_csum_add(s, tail, 4);
	} else {
		tail[2] = (uint8_t)(len >> 8), tail[3] = (uint8_t)len, tail[7] = VRRP_IPPROTO;
		s = inet_csum_add(s, tail, 8);
	}
	c = inet_csum_fold(inet_csum_add(s, p, len));
	p[6] = (uint8_t)(c >> 8);
	p[7] = (uint8_t)c;
}

static void drive_fsm(unsigned role, const struct vrrp_advert *a, const struct ip_addr *from)
{
	struct vrrp_fsm_config c = { .priority = 100, .interval_cs = 100, .preempt = true };
	struct vrrp_fsm_advert fa = { .priority = a->priority, .interval_cs = a->interval_cs,
				      .from = *from };
	struct vrrp_fsm f;
	struct vrrp_action act;
	uint64_t now = 1000;

	c.primary.family = from->family;
	vrrp_fsm_init(&f, &c, now);
	if (role >= 1)
		vrrp_fsm_startup(&f, now, &act);
	if (role >= 2) {
		now = vrrp_fsm_deadline(&f);
		vrrp_fsm_timer(&f, now, &act);
	}
	vrrp_fsm_advert(&f, now + 1, &fa, &act);
	if (f.state > VRRP_STATE_MASTER)
		abort();
	if (act.transition && act.to != f.state)
		abort();
	if (vrrp_fsm_deadline(&f) != VRRP_NO_DEADLINE && vrrp_fsm_deadline(&f) <= now)
		abort();
	/* the longest timer: master down with interval 4095 cs */
	if (vrrp_fsm_deadline(&f) != VRRP_NO_DEADLINE &&
	    vrrp_fsm_deadline(&f) > now + 1 + 10u * vrrp_master_down_cs(1, 4095))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[VRRP_PKT_MAX + 64];
	struct vrrp_packet pkt = { .ttl = -1 };
	struct vrrp_advert a;
	uint8_t mode;
	int ttl = 255;

	if (size < 2 || size - 2 > sizeof(buf))
		return 0;
	mode = data[0];
	if (!(mode & 2))
		ttl = data[1];
	size -= 2;
	/* a copy of exactly the input size, so ASan sees any overread */
	memcpy(buf, data + 2, size);
	if (mode & 1) {
		pkt.data = buf;
		pkt.len = size;
		pkt.src.family = pkt.dst.family = AF_INET6;
		inet_pton(AF_INET6, "fe80::2", &pkt.src.v6);
		inet_pton(AF_INET6, VRRP_GROUP6_STR, &pkt.dst.v6);
	} else if (!vrrp_ipv4_strip(buf, size, &pkt)) {
		return 0;
	}
	if (mode & 4)
		fix_checksum((uint8_t *)pkt.data, pkt.len, &pkt.src, &pkt.dst);
	{
		uint8_t *copy = malloc(pkt.len ? pkt.len : 1);

		memcpy(copy, pkt.data, pkt.len);
		if (vrrp_decode(copy, pkt.len, ttl, &pkt.src, &pkt.dst, 51, &a) == VRRP_RX_OK) {
			struct ip_addr vips[2] = { { .family = a.family }, { .family = a.family } };

			if (a.n_addrs == 0 || a.interval_cs == 0 || a.interval_cs > 4095 ||
			    vrrp_advert_len(a.family, a.n_addrs) != pkt.len)
				abort();
			/* the speaker's checks: the advert's own first address
			 * must match a one-VIP list of it exactly when n is 1 */
			memcpy(&vips[0].v6, a.addrs, a.family == AF_INET ? 4 : 16);
			if (vrrp_addrs_match(&a, vips, 1) != (a.n_addrs == 1))
				abort();
			vrrp_addrs_match(&a, vips, 2);
			if (!vrrp_source_allowed(&pkt.src, &pkt.src, 1) ||
			    !vrrp_source_allowed(&pkt.src, NULL, 0))
				abort();
			drive_fsm((mode >> 3) & 3, &a, &pkt.src);
		}
		free(copy);
	}
	return 0;
}
