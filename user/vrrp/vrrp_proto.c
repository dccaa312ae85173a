// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/inet_csum.h"
#include "vrrp/vrrp_proto.h"

_Static_assert(offsetof(struct vrrp_counters, not_allowed) -
			       offsetof(struct vrrp_counters, bad_ttl) ==
		       (VRRP_RX_NOT_ALLOWED - VRRP_RX_BAD_TTL) * sizeof(uint64_t),
	       "enum vrrp_rx and struct vrrp_counters disagree");

static const char *const rx_names[VRRP_RX_KINDS] = {
	"ok",	    "bad_ttl",	    "bad_length", "bad_version",   "bad_type",
	"no_addrs", "bad_checksum", "other_vrid", "bad_interval", "addr_mismatch",
	"not_allowed",
};

const char *vrrp_rx_name(enum vrrp_rx r)
{
	return (unsigned)r < VRRP_RX_KINDS ? rx_names[r] : "?";
}

uint64_t *vrrp_counters_drop(struct vrrp_counters *c, enum vrrp_rx r)
{
	if (r <= VRRP_RX_OK || r >= VRRP_RX_KINDS)
		return NULL;
	return &c->bad_ttl + (r - VRRP_RX_BAD_TTL);
}

void vrrp_counters_count(struct vrrp_counters *c, enum vrrp_rx r)
{
	uint64_t *drop = vrrp_counters_drop(c, r);

	if (r == VRRP_RX_OK)
		c->accepted++;
	else if (drop)
		(*drop)++;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

size_t vrrp_advert_len(int family, unsigned n_addrs)
{
	size_t alen = addr_len(family);

	return alen ? VRRP_HDR_LEN + n_addrs * alen : 0;
}

/* The pseudo-header of RFC 5798 5.2.8: IPv4 as for UDP (RFC 768), IPv6 as
 * in RFC 2460 section 8.1, both with protocol / next header 112. */
static uint32_t pseudo_sum(const struct ip_addr *src, const struct ip_addr *dst,
			   size_t len)
{
	uint32_t sum = 0;

	if (src->family == AF_INET) {
		uint8_t tail[4] = { 0, VRRP_IPPROTO, (uint8_t)(len >> 8), (uint8_t)len };

		sum = inet_csum_add(sum, &src->v4, 4);
		sum = inet_csum_add(sum, &dst->v4, 4);
		return inet_csum_add(sum, tail, sizeof(tail));
	}
	uint8_t tail[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			    (uint8_t)len, 0, 0, 0, VRRP_IPPROTO };

	sum = inet_csum_add(sum, &src->v6, 16);
	sum = inet_csum_add(sum, &dst->v6, 16);
	return inet_csum_add(sum, tail, sizeof(tail));
}

static bool families_ok(int family, const struct ip_addr *src, const struct ip_addr *dst)
{
	return addr_len(family) && src->family == family && dst->family == family;
}

int vrrp_encode(void *buf, size_t size, const struct vrrp_advert *a,
		const struct ip_addr *src, const struct ip_addr *dst)
{
	size_t len = vrrp_advert_len(a->family, a->n_addrs);
	uint8_t *p = buf;
	uint16_t csum;

	if (!families_ok(a->family, src, dst) || a->n_addrs == 0 || !a->addrs ||
	    a->interval_cs == 0 || a->interval_cs > VRRP_INTERVAL_MAX_CS || len > size)
		return -1;
	p[0] = VRRP_VERSION << 4 | VRRP_TYPE_ADVERT;
	p[1] = a->vrid;
	p[2] = a->priority;
	p[3] = a->n_addrs;
	p[4] = (uint8_t)(a->interval_cs >> 8); /* top 4 bits reserved, zero */
	p[5] = (uint8_t)a->interval_cs;
	p[6] = p[7] = 0;
	memcpy(p + VRRP_HDR_LEN, a->addrs, len - VRRP_HDR_LEN);
	csum = inet_csum_fold(inet_csum_add(pseudo_sum(src, dst, len), p, len));
	p[6] = (uint8_t)(csum >> 8);
	p[7] = (uint8_t)csum;
	return (int)len;
}

enum vrrp_rx vrrp_decode(const void *pkt, size_t len, int ttl,
			 const struct ip_addr *src, const struct ip_addr *dst,
			 uint8_t vrid, struct vrrp_advert *out)
{
	const uint8_t *p = pkt;
	int family = src->family;

	if (ttl != VRRP_TTL)
		return VRRP_RX_BAD_TTL;
	if (len < VRRP_HDR_LEN || !families_ok(family, src, dst))
		return VRRP_RX_BAD_LENGTH;
	if (p[0] >> 4 != VRRP_VERSION)
		return VRRP_RX_BAD_VERSION;
	if ((p[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_RX_BAD_TYPE;
	if (p[3] == 0)
		return VRRP_RX_NO_ADDRS;
	if (len != vrrp_advert_len(family, p[3]))
		return VRRP_RX_BAD_LENGTH;
	/* summing the packet with its checksum in place gives zero */
	if (inet_csum_fold(inet_csum_add(pseudo_sum(src, dst, len), p, len)) != 0)
		return VRRP_RX_BAD_CHECKSUM;
	if (p[1] != vrid)
		return VRRP_RX_OTHER_VRID;
	out->family = family;
	out->vrid = p[1];
	out->priority = p[2];
	out->n_addrs = p[3];
	out->interval_cs = (uint16_t)((p[4] & 0x0f) << 8 | p[5]);
	out->addrs = p + VRRP_HDR_LEN;
	if (out->interval_cs == 0)
		return VRRP_RX_BAD_INTERVAL;
	return VRRP_RX_OK;
}


bool vrrp_addrs_match(const struct vrrp_advert *a, const struct ip_addr *vips, unsigned n_vips)
{
	size_t alen = addr_len(a->family);
	const uint8_t *p = a->addrs;

	if (!alen || a->n_addrs != n_vips)
		return false;
	/* every advertised address is one of ours; with equal counts and
	 * our list free of repeats, that is the same set */
	for (unsigned i = 0; i < a->n_addrs; i++) {
		bool found = false;

		for (unsigned j = 0; j < n_vips && !found; j++)
			found = vips[j].family == a->family &&
				!memcmp(p + i * alen, &vips[j].v6, alen);
		if (!found)
			return false;
		for (unsigned k = 0; k < i; k++)
			if (!memcmp(p + i * alen, p + k * alen, alen))
				return false; /* a repeat hides one of ours */
	}
	return true;
}

bool vrrp_source_allowed(const struct ip_addr *src, const struct ip_addr *allow,
			 unsigned n_allow)
{
	if (!n_allow)
		return true;
	for (unsigned i = 0; i < n_allow; i++)
		if (ip_addr_eq(src, &allow[i]))
			return true;
	return false;
}
