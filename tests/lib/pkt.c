// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Test packet builder (see pkt.h).  Every field is written from RFC 791,
 * RFC 8200, RFC 768, RFC 1071, RFC 3948, RFC 7296, RFC 5685 and docs/.
 */
#include "pkt.h"

#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>
#include <sys/socket.h>

#define ETH_HDR 14
#define VLAN_HDR 4
#define IP4_HDR 20
#define IP6_HDR 40
#define IP6_EXT 8
#define UDP_HDR 8
#define MARKER 4
#define PROTO_UDP 17

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static size_t addr_len(const struct pkt_flow *f)
{
	return f->family == AF_INET6 ? 16 : 4;
}

bool pkt_flow_init(struct pkt_flow *f, const char *src, const char *dst, uint16_t sport,
		   uint16_t dport)
{
	static const uint8_t smac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t dmac[6] = { 0x02, 0x66, 0x77, 0x88, 0x99, 0xaa };

	memset(f, 0, sizeof(*f));
	if (inet_pton(AF_INET, src, f->src) == 1 && inet_pton(AF_INET, dst, f->dst) == 1)
		f->family = AF_INET;
	else if (inet_pton(AF_INET6, src, f->src) == 1 && inet_pton(AF_INET6, dst, f->dst) == 1)
		f->family = AF_INET6;
	else
		return false;
	memcpy(f->src_mac, smac, 6);
	memcpy(f->dst_mac, dmac, 6);
	/* Values a reply must keep (or reset) are all distinctive. */
	f->ttl = 57;
	f->tos = 0x28;
	f->ip_id = 0xbeef;
	f->frag_off = 0x4000;
	f->flow_label = 0xabcde;
	f->sport = sport;
	f->dport = dport;
	return true;
}

bool pkt_flow_add_vlan(struct pkt_flow *f, uint16_t tpid, uint16_t tci)
{
	if (f->nvlan >= 2)
		return false;
	f->vlan_tpid[f->nvlan] = tpid;
	f->vlan_tci[f->nvlan] = tci;
	f->nvlan++;
	return true;
}

void pkt_flow_reply(const struct pkt_flow *req, struct pkt_flow *rsp, uint8_t ttl)
{
	*rsp = *req;
	memcpy(rsp->src_mac, req->dst_mac, 6);
	memcpy(rsp->dst_mac, req->src_mac, 6);
	memcpy(rsp->src, req->dst, 16);
	memcpy(rsp->dst, req->src, 16);
	rsp->sport = req->dport;
	rsp->dport = req->sport;
	rsp->ttl = ttl;
}

size_t pkt_l3_off(const struct pkt_flow *f)
{
	return ETH_HDR + (size_t)f->nvlan * VLAN_HDR;
}

size_t pkt_l4_off(const struct pkt_flow *f)
{
	if (f->family == AF_INET6)
		return pkt_l3_off(f) + IP6_HDR + (f->v6_ext ? IP6_EXT : 0);
	return pkt_l3_off(f) + IP4_HDR + f->ip_opt_len;
}

size_t pkt_payload_off(const struct pkt_flow *f)
{
	return pkt_l4_off(f) + UDP_HDR + (f->marker ? MARKER : 0);
}

uint16_t pkt_csum_fold(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += get16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The UDP checksum over the pseudo-header (RFC 768 / RFC 8200 8.1), the
 * UDP header and data, with 0 sent as 0xffff. */
static uint16_t udp_csum(const struct pkt_flow *f, const uint8_t *udp, size_t ulen)
{
	uint8_t ph[40];
	size_t al = addr_len(f), phl;
	uint16_t sum;

	memset(ph, 0, sizeof(ph));
	memcpy(ph, f->src, al);
	memcpy(ph + al, f->dst, al);
	if (f->family == AF_INET6) {
		put32(ph + 32, (uint32_t)ulen);
		ph[39] = PROTO_UDP;
		phl = 40;
	} else {
		ph[9] = PROTO_UDP;
		put16(ph + 10, (uint16_t)ulen);
		phl = 12;
	}
	sum = pkt_csum_fold(ph, phl, 0);
	sum = (uint16_t)~pkt_csum_fold(udp, ulen, sum);
	return sum ? sum : 0xffff;
}

static size_t put_l2(uint8_t *out, const struct pkt_flow *f)
{
	size_t off = 12;
	int i;

	memcpy(out, f->dst_mac, 6);
	memcpy(out + 6, f->src_mac, 6);
	for (i = 0; i < f->nvlan; i++) {
		put16(out + off, f->vlan_tpid[i]);
		put16(out + off + 2, f->vlan_tci[i]);
		off += VLAN_HDR;
	}
	put16(out + off, f->family == AF_INET6 ? 0x86dd : 0x0800);
	return off + 2;
}

static void put_ip4(uint8_t *ip, const struct pkt_flow *f, size_t l4_len)
{
	size_t hl = IP4_HDR + f->ip_opt_len;

	ip[0] = 0x40 | (uint8_t)(hl / 4);
	ip[1] = f->tos;
	put16(ip + 2, (uint16_t)(hl + l4_len));
	put16(ip + 4, f->ip_id);
	put16(ip + 6, f->frag_off);
	ip[8] = f->ttl;
	ip[9] = f->ip_proto ? f->ip_proto : PROTO_UDP;
	put16(ip + 10, 0);
	memcpy(ip + 12, f->src, 4);
	memcpy(ip + 16, f->dst, 4);
	memset(ip + IP4_HDR, 1 /* NOP */, f->ip_opt_len);
	if (f->ip_opt_len)
		ip[hl - 1] = 0; /* End of Option List */
	put16(ip + 10, (uint16_t)~pkt_csum_fold(ip, hl, 0));
}

static void put_ip6(uint8_t *ip, const struct pkt_flow *f, size_t l4_len)
{
	uint8_t proto = f->ip_proto ? f->ip_proto : PROTO_UDP;
	size_t ext = f->v6_ext ? IP6_EXT : 0;

	put32(ip, 6u << 28 | (uint32_t)f->tos << 20 | (f->flow_label & 0xfffff));
	put16(ip + 4, (uint16_t)(ext + l4_len));
	ip[6] = f->v6_ext ? f->v6_ext_type : proto;
	ip[7] = f->ttl;
	memcpy(ip + 8, f->src, 16);
	memcpy(ip + 24, f->dst, 16);
	if (ext) {
		memset(ip + IP6_HDR, 0, IP6_EXT);
		ip[IP6_HDR] = proto;
	}
}

size_t pkt_build(uint8_t *out, size_t cap, const struct pkt_flow *f, const void *payload,
		 size_t len)
{
	size_t l4 = pkt_l4_off(f), mk = f->marker ? MARKER : 0;
	size_t ulen = UDP_HDR + mk + len, total = l4 + ulen + f->l2_pad;
	uint8_t *udp = out + l4;

	if (total > cap || ulen > 0xffff || f->ip_opt_len > 40 || f->ip_opt_len % 4)
		return 0;
	memset(out, 0, total);
	put_l2(out, f);
	put16(udp, f->sport);
	put16(udp + 2, f->dport);
	put16(udp + 4, (uint16_t)ulen);
	memcpy(udp + UDP_HDR + mk, payload, len); /* the marker is the zeros before */
	put16(udp + 6, udp_csum(f, udp, ulen));
	if (f->family == AF_INET6)
		put_ip6(out + pkt_l3_off(f), f, ulen);
	else
		put_ip4(out + pkt_l3_off(f), f, ulen);
	return total;
}

size_t pkt_build_ip(uint8_t *out, size_t cap, const struct pkt_flow *f, uint8_t proto,
		    const void *payload, size_t len)
{
	size_t l4 = pkt_l4_off(f), total = l4 + len + f->l2_pad;
	struct pkt_flow g = *f;

	if (total > cap || len > 0xffff - IP6_EXT || f->ip_opt_len > 40 || f->ip_opt_len % 4)
		return 0;
	g.ip_proto = proto;
	memset(out, 0, total);
	put_l2(out, &g);
	memcpy(out + l4, payload, len);
	if (g.family == AF_INET6)
		put_ip6(out + pkt_l3_off(&g), &g, len);
	else
		put_ip4(out + pkt_l3_off(&g), &g, len);
	return total;
}

size_t pkt_fragment(uint8_t *out, size_t cap, const uint8_t *frame, size_t len,
		    const struct pkt_flow *f, size_t off, size_t n, bool more, uint32_t id)
{
	size_t l3 = pkt_l3_off(f), hl = f->family == AF_INET6 ? IP6_HDR : IP4_HDR;
	size_t carried, total;
	const uint8_t *ip = frame + l3;
	uint8_t *o;

	if (f->ip_opt_len || f->v6_ext || off % 8 || l3 + hl > len)
		return 0;
	carried = f->family == AF_INET6 ? get16(ip + 4) : (size_t)get16(ip + 2) - IP4_HDR;
	if (off + n > carried || l3 + hl + carried > len)
		return 0;
	total = l3 + hl + (f->family == AF_INET6 ? IP6_EXT : 0) + n;
	if (total > cap)
		return 0;
	memcpy(out, frame, l3 + hl);
	o = out + l3;
	if (f->family == AF_INET6) {
		uint8_t *fh = o + IP6_HDR;

		fh[0] = ip[6]; /* what the datagram carries */
		fh[1] = 0;
		put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
		put32(fh + 4, id);
		o[6] = 44; /* Fragment */
		put16(o + 4, (uint16_t)(IP6_EXT + n));
		memcpy(fh + IP6_EXT, ip + IP6_HDR + off, n);
	} else {
		put16(o + 2, (uint16_t)(IP4_HDR + n));
		put16(o + 4, (uint16_t)id);
		/* DF off: a datagram that is fragmented may be */
		put16(o + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
		put16(o + 10, 0);
		put16(o + 10, (uint16_t)~pkt_csum_fold(o, IP4_HDR, 0));
		memcpy(o + IP4_HDR, ip + IP4_HDR + off, n);
	}
	return total;
}

void pkt_steered(uint8_t *out, const uint8_t *frame, size_t len, const uint8_t to[6],
		 const uint8_t from[6])
{
	memmove(out, frame, len);
	memcpy(out, to, 6);
	memcpy(out + 6, from, 6);
}

bool pkt_parse(const uint8_t *frame, size_t len, bool natt, struct pkt_flow *f,
	       size_t *payload_off, size_t *payload_len)
{
	size_t off = 12, l4, ip_end, ulen;
	uint16_t type;

	memset(f, 0, sizeof(*f));
	if (len < ETH_HDR)
		return false;
	memcpy(f->dst_mac, frame, 6);
	memcpy(f->src_mac, frame + 6, 6);
	type = get16(frame + off);
	while ((type == 0x8100 || type == 0x88a8) && f->nvlan < 2) {
		if (off + VLAN_HDR + 2 > len)
			return false;
		f->vlan_tpid[f->nvlan] = type;
		f->vlan_tci[f->nvlan] = get16(frame + off + 2);
		f->nvlan++;
		off += VLAN_HDR;
		type = get16(frame + off);
	}
	off += 2;
	if (type == 0x0800) {
		const uint8_t *ip = frame + off;

		if (off + IP4_HDR > len || ip[0] != 0x45 || ip[9] != PROTO_UDP)
			return false;
		f->family = AF_INET;
		f->tos = ip[1];
		f->ip_id = get16(ip + 4);
		f->frag_off = get16(ip + 6);
		f->ttl = ip[8];
		memcpy(f->src, ip + 12, 4);
		memcpy(f->dst, ip + 16, 4);
		ip_end = off + get16(ip + 2);
		l4 = off + IP4_HDR;
	} else if (type == 0x86dd) {
		const uint8_t *ip = frame + off;
		uint32_t w;

		if (off + IP6_HDR > len || ip[0] >> 4 != 6 || ip[6] != PROTO_UDP)
			return false;
		w = get32(ip);
		f->family = AF_INET6;
		f->tos = (w >> 20) & 0xff;
		f->flow_label = w & 0xfffff;
		f->ttl = ip[7];
		memcpy(f->src, ip + 8, 16);
		memcpy(f->dst, ip + 24, 16);
		ip_end = off + IP6_HDR + get16(ip + 4);
		l4 = off + IP6_HDR;
	} else {
		return false;
	}
	if (ip_end > len || l4 + UDP_HDR > ip_end)
		return false;
	f->sport = get16(frame + l4);
	f->dport = get16(frame + l4 + 2);
	ulen = get16(frame + l4 + 4);
	if (ulen != ip_end - l4)
		return false;
	f->l2_pad = len - ip_end;
	*payload_off = l4 + UDP_HDR;
	*payload_len = ulen - UDP_HDR;
	if (natt && *payload_len >= MARKER && !memcmp(frame + *payload_off, "\0\0\0\0", MARKER)) {
		f->marker = true;
		*payload_off += MARKER;
		*payload_len -= MARKER;
	}
	return true;
}

/* ---- IKE ---------------------------------------------------------------- */

void pkt_ike_init(struct pkt_ike *m, const uint8_t spi_i[8], uint8_t exchange, uint8_t flags)
{
	memset(m->buf, 0, 28);
	memcpy(m->buf, spi_i, 8);
	m->buf[17] = 0x20;
	m->buf[18] = exchange;
	m->buf[19] = flags;
	m->len = 28;
	m->link_off = 16;
	put32(m->buf + 24, 28);
}

void pkt_ike_init_request(struct pkt_ike *m, const uint8_t spi_i[8])
{
	pkt_ike_init(m, spi_i, 34 /* IKE_SA_INIT */, 0x08 /* I */);
}

bool pkt_ike_add(struct pkt_ike *m, uint8_t type, const void *body, size_t len)
{
	uint8_t *p = m->buf + m->len;

	if (len > 0xffff - 4 || m->len + 4 + len > sizeof(m->buf))
		return false;
	m->buf[m->link_off] = type;
	p[0] = 0;
	p[1] = 0;
	put16(p + 2, (uint16_t)(4 + len));
	if (len)
		memcpy(p + 4, body, len);
	m->link_off = m->len;
	m->len += 4 + len;
	put32(m->buf + 24, (uint32_t)m->len);
	return true;
}

bool pkt_ike_add_notify(struct pkt_ike *m, uint16_t type, const void *data, size_t len)
{
	uint8_t body[PKT_IKE_MAX];

	if (len + 4 > sizeof(body))
		return false;
	body[0] = 0; /* protocol ID */
	body[1] = 0; /* SPI size */
	put16(body + 2, type);
	if (len)
		memcpy(body + 4, data, len);
	return pkt_ike_add(m, 41, body, 4 + len);
}

bool pkt_ike_add_nonce(struct pkt_ike *m, const uint8_t *nonce, size_t len)
{
	return pkt_ike_add(m, 40, nonce, len);
}

bool pkt_ike_add_vendor(struct pkt_ike *m, const void *vid, size_t len)
{
	return pkt_ike_add(m, 43, vid, len);
}

bool pkt_ike_add_ke(struct pkt_ike *m, uint16_t group, size_t len, uint8_t seed)
{
	uint8_t body[4 + 1024];
	size_t i;

	if (len > 1024)
		return false;
	put16(body, group);
	put16(body + 2, 0);
	for (i = 0; i < len; i++)
		body[4 + i] = (uint8_t)(seed * 31 + i * 7);
	return pkt_ike_add(m, 34, body, 4 + len);
}

/* One transform (RFC 7296 3.3.2); keylen 0 means no Key Length attribute. */
static size_t put_transform(uint8_t *p, bool last, uint8_t type, uint16_t id, uint16_t keylen)
{
	size_t len = keylen ? 12 : 8;

	p[0] = last ? 0 : 3;
	p[1] = 0;
	put16(p + 2, (uint16_t)len);
	p[4] = type;
	p[5] = 0;
	put16(p + 6, id);
	if (keylen) {
		put16(p + 8, 0x8000 | 14); /* TV format, Key Length */
		put16(p + 10, keylen);
	}
	return len;
}

struct xform {
	uint8_t type;
	uint16_t id, keylen;
};

/* One IKE proposal (RFC 7296 3.3.1) of n transforms. */
static size_t put_proposal(uint8_t *p, bool last, uint8_t num, const struct xform *x, size_t n)
{
	size_t len = 8, i;

	p[0] = last ? 0 : 2;
	p[1] = 0;
	p[4] = num;
	p[5] = 1; /* IKE */
	p[6] = 0; /* SPI size */
	p[7] = (uint8_t)n;
	for (i = 0; i < n; i++)
		len += put_transform(p + len, i + 1 == n, x[i].type, x[i].id, x[i].keylen);
	put16(p + 2, (uint16_t)len);
	return len;
}

enum { ENCR = 1, PRF = 2, INTEG = 3, DH_ = 4 };

bool pkt_ike_add_sa(struct pkt_ike *m)
{
	static const struct xform x[] = {
		{ ENCR, 12, 128 }, { PRF, 5, 0 }, { INTEG, 12, 0 }, { DH_, 31, 0 },
	};
	uint8_t body[64];

	return pkt_ike_add(m, 33, body, put_proposal(body, true, 1, x, 4));
}

/* strongSwan 5.9's default IKE proposals, as captured. */
static const struct xform sw_p1[] = {
	{ ENCR, 12, 128 }, { ENCR, 12, 192 }, { ENCR, 12, 256 }, { ENCR, 13, 128 },
	{ ENCR, 13, 192 }, { ENCR, 13, 256 }, { ENCR, 23, 128 }, { ENCR, 23, 192 },
	{ ENCR, 23, 256 }, { ENCR, 24, 128 }, { ENCR, 24, 192 }, { ENCR, 24, 256 },
	{ ENCR, 3, 0 },	   { INTEG, 12, 0 },  { INTEG, 13, 0 },	 { INTEG, 14, 0 },
	{ INTEG, 2, 0 },   { PRF, 5, 0 },     { PRF, 6, 0 },	 { PRF, 7, 0 },
	{ PRF, 2, 0 },	   { DH_, 31, 0 },     { DH_, 32, 0 },	 { DH_, 19, 0 },
	{ DH_, 20, 0 },	   { DH_, 21, 0 },     { DH_, 28, 0 },	 { DH_, 29, 0 },
	{ DH_, 30, 0 },	   { DH_, 15, 0 },     { DH_, 16, 0 },	 { DH_, 17, 0 },
	{ DH_, 18, 0 },	   { DH_, 14, 0 },
};
static const struct xform sw_p2[] = {
	{ ENCR, 20, 128 }, { ENCR, 20, 192 }, { ENCR, 20, 256 }, { ENCR, 16, 128 },
	{ ENCR, 16, 192 }, { ENCR, 16, 256 }, { ENCR, 28, 0 },	 { ENCR, 19, 128 },
	{ ENCR, 19, 192 }, { ENCR, 19, 256 }, { ENCR, 18, 128 }, { ENCR, 18, 192 },
	{ ENCR, 18, 256 }, { ENCR, 15, 128 }, { ENCR, 15, 192 }, { ENCR, 15, 256 },
	{ ENCR, 14, 128 }, { ENCR, 14, 192 }, { ENCR, 14, 256 }, { PRF, 5, 0 },
	{ PRF, 6, 0 },	   { PRF, 7, 0 },     { PRF, 2, 0 },	 { DH_, 31, 0 },
	{ DH_, 32, 0 },	   { DH_, 19, 0 },     { DH_, 20, 0 },	 { DH_, 21, 0 },
	{ DH_, 28, 0 },	   { DH_, 29, 0 },     { DH_, 30, 0 },	 { DH_, 15, 0 },
	{ DH_, 16, 0 },	   { DH_, 17, 0 },     { DH_, 18, 0 },	 { DH_, 14, 0 },
};

bool pkt_ike_strongswan_sa_init(struct pkt_ike *m, const uint8_t spi_i[8],
				const uint8_t *nonce, size_t nonce_len)
{
	static const uint8_t sig_hash[] = { 0, 2, 0, 3, 0, 4, 0, 5 };
	uint8_t sa[1024], natd[20];
	size_t len, i;

	pkt_ike_init_request(m, spi_i);
	len = put_proposal(sa, false, 1, sw_p1, sizeof(sw_p1) / sizeof(sw_p1[0]));
	len += put_proposal(sa + len, true, 2, sw_p2, sizeof(sw_p2) / sizeof(sw_p2[0]));
	for (i = 0; i < sizeof(natd); i++)
		natd[i] = spi_i[i % 8] ^ (uint8_t)i;
	return pkt_ike_add(m, 33, sa, len) && pkt_ike_add_ke(m, 31, 32, spi_i[0]) &&
	       pkt_ike_add_nonce(m, nonce, nonce_len) &&
	       pkt_ike_add_notify(m, 16388, natd, sizeof(natd)) &&
	       pkt_ike_add_notify(m, 16389, natd, sizeof(natd)) &&
	       pkt_ike_add_notify(m, 16430, NULL, 0) &&
	       pkt_ike_add_notify(m, 16431, sig_hash, sizeof(sig_hash)) &&
	       pkt_ike_add_notify(m, 16406, NULL, 0);
}

void pkt_ike_set_u32(struct pkt_ike *m, size_t off, uint32_t v)
{
	if (off + 4 <= sizeof(m->buf))
		put32(m->buf + off, v);
}

bool pkt_ike_payloads(const uint8_t *ike, size_t len, uint8_t *types, size_t max, size_t *n)
{
	size_t off = 28;
	uint8_t next;

	*n = 0;
	if (len < 28)
		return false;
	next = ike[16];
	while (next) {
		size_t plen;

		if (off + 4 > len)
			return false;
		plen = get16(ike + off + 2);
		if (plen < 4 || off + plen > len)
			return false;
		if (types && *n < max)
			types[*n] = next;
		(*n)++;
		next = ike[off];
		off += plen;
	}
	return off == len;
}

bool pkt_ike_find_nonce(const uint8_t *ike, size_t len, const uint8_t **nonce, size_t *nlen)
{
	size_t off = 28;
	uint8_t next = len >= 28 ? ike[16] : 0;

	while (next && off + 4 <= len) {
		size_t plen = get16(ike + off + 2);

		if (plen < 4 || off + plen > len)
			return false;
		if (next == 40) {
			*nonce = ike + off + 4;
			*nlen = plen - 4;
			return true;
		}
		next = ike[off];
		off += plen;
	}
	return false;
}

/* ---- REDIRECT ------------------------------------------------------------ */

bool pkt_gw_ident_parse(struct pkt_gw_ident *id, const char *text)
{
	size_t n = strlen(text);

	memset(id, 0, sizeof(*id));
	if (inet_pton(AF_INET, text, id->data) == 1) {
		id->type = 1;
		id->len = 4;
	} else if (inet_pton(AF_INET6, text, id->data) == 1) {
		id->type = 2;
		id->len = 16;
	} else if (n >= 1 && n <= 255) {
		id->type = 3;
		id->len = (uint8_t)n;
		memcpy(id->data, text, n);
	} else {
		return false;
	}
	return true;
}

size_t pkt_ike_redirect(uint8_t *out, size_t cap, const uint8_t spi_i[8],
			const struct pkt_gw_ident *id, const uint8_t *nonce, size_t nonce_len)
{
	size_t notify = 8 + 2 + id->len + nonce_len, len = 28 + notify;
	uint8_t *n = out + 28;

	if (len > cap)
		return 0;
	memcpy(out, spi_i, 8);
	memset(out + 8, 0, 8); /* SPIr */
	out[16] = 41; /* Notify */
	out[17] = 0x20;
	out[18] = 34; /* IKE_SA_INIT */
	out[19] = 0x20; /* R */
	put32(out + 20, 0);
	put32(out + 24, (uint32_t)len);
	n[0] = 0;
	n[1] = 0;
	put16(n + 2, (uint16_t)notify);
	n[4] = 0; /* protocol ID */
	n[5] = 0; /* SPI size */
	put16(n + 6, 16407); /* REDIRECT */
	n[8] = id->type;
	n[9] = id->len;
	memcpy(n + 10, id->data, id->len);
	memcpy(n + 10 + id->len, nonce, nonce_len);
	return len;
}

void pkt_flow_answer(const struct pkt_flow *req, struct pkt_flow *rsp)
{
	pkt_flow_reply(req, rsp, 64);
	rsp->tos = 0;
}

size_t pkt_build_redirect(uint8_t *out, size_t cap, const struct pkt_flow *req,
			  const uint8_t spi_i[8], const struct pkt_gw_ident *id,
			  const uint8_t *nonce, size_t nonce_len)
{
	uint8_t ike[PKT_IKE_MAX];
	struct pkt_flow rsp;
	size_t len = pkt_ike_redirect(ike, sizeof(ike), spi_i, id, nonce, nonce_len);

	if (!len)
		return 0;
	pkt_flow_answer(req, &rsp);
	return pkt_build(out, cap, &rsp, ike, len);
}

/* ---- COOKIE ------------------------------------------------------------- */

bool pkt_siphash(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[8])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	unsigned int size = 8;
	OSSL_PARAM params[] = { OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size),
				OSSL_PARAM_END };
	size_t outl = 0;
	bool ok = ctx && EVP_MAC_init(ctx, key, 16, params) && EVP_MAC_update(ctx, msg, len) &&
		  EVP_MAC_final(ctx, out, &outl, 8) && outl == 8;

	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok;
}

bool pkt_cookie(uint8_t out[PKT_COOKIE_LEN], uint8_t version, const uint8_t key[16],
		const struct pkt_flow *req, const uint8_t spi_i[8], const uint8_t *nonce,
		size_t nonce_len)
{
	uint8_t msg[32 + 256];

	if (nonce_len > 256)
		return false;
	memset(msg, 0, 32);
	memcpy(msg, spi_i, 8);
	memcpy(msg + 8, req->src, addr_len(req));
	put16(msg + 24, req->sport);
	msg[26] = req->family == AF_INET6 ? 6 : 4;
	memcpy(msg + 32, nonce, nonce_len);
	out[0] = version;
	return pkt_siphash(key, msg, 32 + nonce_len, out + 1);
}

bool pkt_ike_add_cookie(struct pkt_ike *m, const uint8_t *cookie, size_t len)
{
	return pkt_ike_add_notify(m, 16390, cookie, len);
}

size_t pkt_ike_cookie_response(uint8_t *out, size_t cap, const uint8_t spi_i[8],
			       const uint8_t *cookie, size_t len)
{
	struct pkt_ike m;

	pkt_ike_init(&m, spi_i, 34 /* IKE_SA_INIT */, 0x20 /* R */);
	if (!pkt_ike_add_cookie(&m, cookie, len) || m.len > cap)
		return 0;
	memcpy(out, m.buf, m.len);
	return m.len;
}

size_t pkt_build_cookie_answer(uint8_t *out, size_t cap, const struct pkt_flow *req,
			       const uint8_t spi_i[8], const uint8_t *cookie, size_t len)
{
	uint8_t ike[PKT_IKE_MAX];
	struct pkt_flow rsp;
	size_t n = pkt_ike_cookie_response(ike, sizeof(ike), spi_i, cookie, len);

	if (!n)
		return 0;
	pkt_flow_answer(req, &rsp);
	return pkt_build(out, cap, &rsp, ike, n);
}
