// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * VRRPv3 advert codec.  The known-good packets are adverts captured from
 * keepalived 2.2.7 (vrrp_version 3) with tcpdump; the IPv4 one's checksum
 * was also worked out by hand (below).  Packets with deliberately broken
 * fields get their checksum from sum16() here, written independently of
 * user/base/inet_csum.c.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp/vrrp_proto.h"

static struct ip_addr ip(const char *s)
{
	struct ip_addr a = { .family = strchr(s, ':') ? AF_INET6 : AF_INET };

	assert_int_equal(inet_pton(a.family, s, &a.v6), 1);
	return a;
}

/*
 * keepalived, vrid 51, priority 100, advert_int 1, VIP 198.18.0.100, from
 * 198.18.0.1 to 224.0.0.18.  Checksum by hand (16-bit words, hex):
 *   pseudo-header c612 + 0001 + e000 + 0012 + 0070 (zero, 112) + 000c (len)
 *                 = 1a6a1
 *   message       3133 + 6401 + 0064 + 0000 + c612 + 0064 = 15c0e
 *   1a6a1 + 15c0e = 302af; folded 02af + 3 = 02b2; complement fd4d.
 */
static const uint8_t ka_v4[] = {
	0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0xfd, 0x4d, 0xc6, 0x12, 0x00, 0x64,
};

/* keepalived, vrid 52, priority 200, advert_int 0.5, VIP 2001:db8::100,
 * from fe80::13:e3ff:fe57:2b31 to ff02::12. */
static const uint8_t ka_v6[] = {
	0x31, 0x34, 0xc8, 0x01, 0x00, 0x32, 0xcc, 0x24, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
};

/* Independent RFC 1071 sum over the IPv4 pseudo-header and message. */
static void fix_csum4(uint8_t *p, size_t len, const char *src, const char *dst)
{
	uint8_t buf[12 + 64];
	uint32_t s = 0;
	struct in_addr a;

	assert_true(len <= 64 && len % 2 == 0);
	inet_pton(AF_INET, src, &a);
	memcpy(buf, &a, 4);
	inet_pton(AF_INET, dst, &a);
	memcpy(buf + 4, &a, 4);
	buf[8] = 0;
	buf[9] = 112;
	buf[10] = (uint8_t)(len >> 8);
	buf[11] = (uint8_t)len;
	p[6] = p[7] = 0;
	memcpy(buf + 12, p, len);
	for (size_t i = 0; i < 12 + len; i += 2)
		s += (uint32_t)(buf[i] * 256 + buf[i + 1]);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	p[6] = (uint8_t)(~s >> 8);
	p[7] = (uint8_t)~s;
}

static enum vrrp_rx dec4(const uint8_t *p, size_t len, int ttl, uint8_t vrid,
			 struct vrrp_advert *out)
{
	struct ip_addr src = ip("198.18.0.1"), dst = ip("224.0.0.18");

	return vrrp_decode(p, len, ttl, &src, &dst, vrid, out);
}

/* ---- known-good packets ----------------------------------------------- */

static void test_keepalived_ipv4(void **state)
{
	struct vrrp_advert a;
	char buf[64];
	struct ip_addr vip = { .family = AF_INET };

	(void)state;
	assert_int_equal(dec4(ka_v4, sizeof(ka_v4), 255, 51, &a), VRRP_RX_OK);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.vrid, 51);
	assert_int_equal(a.priority, 100);
	assert_int_equal(a.interval_cs, 100);
	assert_int_equal(a.n_addrs, 1);
	memcpy(&vip.v4, a.addrs, 4);
	assert_string_equal(ip_addr_str(&vip, buf, sizeof(buf)), "198.18.0.100");
}

static void test_keepalived_ipv6(void **state)
{
	struct ip_addr src = ip("fe80::13:e3ff:fe57:2b31"), dst = ip("ff02::12");
	struct ip_addr vip = { .family = AF_INET6 };
	struct vrrp_advert a;
	char buf[64];

	(void)state;
	assert_int_equal(vrrp_decode(ka_v6, sizeof(ka_v6), 255, &src, &dst, 52, &a), VRRP_RX_OK);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.priority, 200);
	assert_int_equal(a.interval_cs, 50);
	assert_int_equal(a.n_addrs, 1);
	memcpy(&vip.v6, a.addrs, 16);
	assert_string_equal(ip_addr_str(&vip, buf, sizeof(buf)), "2001:db8::100");
}

/* Our encoder produces keepalived's bytes exactly. */
static void test_encode_matches_keepalived(void **state)
{
	struct ip_addr src4 = ip("198.18.0.1"), dst4 = ip("224.0.0.18");
	struct ip_addr src6 = ip("fe80::13:e3ff:fe57:2b31"), dst6 = ip("ff02::12");
	struct ip_addr vip4 = ip("198.18.0.100"), vip6 = ip("2001:db8::100");
	struct vrrp_advert a4 = { .family = AF_INET, .vrid = 51, .priority = 100,
				  .interval_cs = 100, .n_addrs = 1, .addrs = &vip4.v4 };
	struct vrrp_advert a6 = { .family = AF_INET6, .vrid = 52, .priority = 200,
				  .interval_cs = 50, .n_addrs = 1, .addrs = &vip6.v6 };
	uint8_t out[64];

	(void)state;
	assert_int_equal(vrrp_encode(out, sizeof(out), &a4, &src4, &dst4), sizeof(ka_v4));
	assert_memory_equal(out, ka_v4, sizeof(ka_v4));
	assert_int_equal(vrrp_encode(out, sizeof(out), &a6, &src6, &dst6), sizeof(ka_v6));
	assert_memory_equal(out, ka_v6, sizeof(ka_v6));
}

/* ---- round trips ----------------------------------------------------- */

static void test_round_trip_ipv4_many(void **state)
{
	struct ip_addr src = ip("198.18.3.7"), dst = ip("198.18.3.8"); /* unicast peer */
	struct in_addr addrs[3];
	struct vrrp_advert a = { .family = AF_INET, .vrid = 255, .priority = 0,
				 .interval_cs = 4095, .n_addrs = 3, .addrs = addrs };
	struct vrrp_advert b;
	uint8_t out[64];

	(void)state;
	inet_pton(AF_INET, "198.18.0.100", &addrs[0]);
	inet_pton(AF_INET, "198.18.0.101", &addrs[1]);
	inet_pton(AF_INET, "198.19.255.255", &addrs[2]);
	assert_int_equal(vrrp_encode(out, sizeof(out), &a, &src, &dst), 8 + 3 * 4);
	assert_int_equal(out[0], 0x31);
	assert_int_equal(out[3], 3);
	assert_int_equal(out[4], 0x0f); /* reserved bits zero, interval high */
	assert_int_equal(out[5], 0xff);
	assert_int_equal(vrrp_decode(out, 20, 255, &src, &dst, 255, &b), VRRP_RX_OK);
	assert_int_equal(b.vrid, 255);
	assert_int_equal(b.priority, 0);
	assert_int_equal(b.interval_cs, 4095);
	assert_int_equal(b.n_addrs, 3);
	assert_memory_equal(b.addrs, addrs, sizeof(addrs));
}

static void test_round_trip_ipv6(void **state)
{
	struct ip_addr src = ip("fe80::1"), dst = ip("ff02::12");
	struct in6_addr addrs[2];
	struct vrrp_advert a = { .family = AF_INET6, .vrid = 7, .priority = 254,
				 .interval_cs = 1, .n_addrs = 2, .addrs = addrs };
	struct vrrp_advert b;
	uint8_t out[64];

	(void)state;
	inet_pton(AF_INET6, "2001:db8::1", &addrs[0]);
	inet_pton(AF_INET6, "2001:db8:ffff::ffff", &addrs[1]);
	assert_int_equal(vrrp_encode(out, sizeof(out), &a, &src, &dst), 8 + 2 * 16);
	assert_int_equal(vrrp_decode(out, 40, 255, &src, &dst, 7, &b), VRRP_RX_OK);
	assert_int_equal(b.priority, 254);
	assert_int_equal(b.interval_cs, 1);
	assert_int_equal(b.n_addrs, 2);
	assert_memory_equal(b.addrs, addrs, sizeof(addrs));
}

static void test_encode_refuses(void **state)
{
	struct ip_addr src = ip("198.18.0.1"), dst = ip("224.0.0.18"), d6 = ip("ff02::12");
	struct in_addr v;
	struct vrrp_advert a = { .family = AF_INET, .vrid = 1, .priority = 100,
				 .interval_cs = 100, .n_addrs = 1, .addrs = &v };
	uint8_t out[64];

	(void)state;
	inet_pton(AF_INET, "198.18.0.100", &v);
	assert_int_equal(vrrp_encode(out, 11, &a, &src, &dst), -1); /* too small */
	assert_int_equal(vrrp_encode(out, 12, &a, &src, &dst), 12);
	assert_int_equal(vrrp_encode(out, 64, &a, &src, &d6), -1); /* family mix */
	a.interval_cs = 0;
	assert_int_equal(vrrp_encode(out, 64, &a, &src, &dst), -1);
	a.interval_cs = 4096;
	assert_int_equal(vrrp_encode(out, 64, &a, &src, &dst), -1);
	a.interval_cs = 100;
	a.n_addrs = 0;
	assert_int_equal(vrrp_encode(out, 64, &a, &src, &dst), -1);
}

/* ---- drops ------------------------------------------------------------ */

static void test_drop_ttl(void **state)
{
	struct vrrp_advert a;

	(void)state;
	assert_int_equal(dec4(ka_v4, sizeof(ka_v4), 254, 51, &a), VRRP_RX_BAD_TTL);
	assert_int_equal(dec4(ka_v4, sizeof(ka_v4), 64, 51, &a), VRRP_RX_BAD_TTL);
	assert_int_equal(dec4(ka_v4, sizeof(ka_v4), -1, 51, &a), VRRP_RX_BAD_TTL);
	assert_int_equal(dec4(ka_v4, sizeof(ka_v4), 256, 51, &a), VRRP_RX_BAD_TTL);
}

static void test_drop_version_and_type(void **state)
{
	uint8_t p[12];
	struct vrrp_advert a;

	(void)state;
	memcpy(p, ka_v4, sizeof(p));
	p[0] = 0x21; /* VRRPv2 */
	fix_csum4(p, sizeof(p), "198.18.0.1", "224.0.0.18");
	assert_int_equal(dec4(p, sizeof(p), 255, 51, &a), VRRP_RX_BAD_VERSION);
	p[0] = 0x32; /* type 2 */
	fix_csum4(p, sizeof(p), "198.18.0.1", "224.0.0.18");
	assert_int_equal(dec4(p, sizeof(p), 255, 51, &a), VRRP_RX_BAD_TYPE);
	p[0] = 0x30; /* type 0 */
	fix_csum4(p, sizeof(p), "198.18.0.1", "224.0.0.18");
	assert_int_equal(dec4(p, sizeof(p), 255, 51, &a), VRRP_RX_BAD_TYPE);
}

static void test_drop_other_vrid(void **state)
{
	struct vrrp_advert a;

	(void)state;
	assert_int_equal(dec4(ka_v4, sizeof(ka_v4), 255, 52, &a), VRRP_RX_OTHER_VRID);
	assert_int_equal(dec4(ka_v4, sizeof(ka_v4), 255, 1, &a), VRRP_RX_OTHER_VRID);
}

static void test_drop_checksum(void **state)
{
	struct ip_addr src = ip("198.18.0.1"), other = ip("198.18.0.2");
	struct ip_addr uni = ip("198.18.0.9"), grp = ip("224.0.0.18");
	uint8_t p[12];
	struct vrrp_advert a;

	(void)state;
	memcpy(p, ka_v4, sizeof(p));
	p[11] ^= 0x01; /* the VIP changed in transit */
	assert_int_equal(dec4(p, sizeof(p), 255, 51, &a), VRRP_RX_BAD_CHECKSUM);
	memcpy(p, ka_v4, sizeof(p));
	p[6] ^= 0x80; /* the checksum itself */
	assert_int_equal(dec4(p, sizeof(p), 255, 51, &a), VRRP_RX_BAD_CHECKSUM);
	/* the pseudo-header is covered: same bytes, other source / dest */
	assert_int_equal(vrrp_decode(ka_v4, 12, 255, &other, &grp, 51, &a), VRRP_RX_BAD_CHECKSUM);
	assert_int_equal(vrrp_decode(ka_v4, 12, 255, &src, &uni, 51, &a), VRRP_RX_BAD_CHECKSUM);
	/* a VRRPv2-style checksum without pseudo-header (RFC 3768): the sum of
	 * the message words with checksum 0 is 15c0e -> 5c0f -> a3f0 */
	memcpy(p, ka_v4, sizeof(p));
	p[6] = 0xa3;
	p[7] = 0xf0;
	assert_int_equal(dec4(p, sizeof(p), 255, 51, &a), VRRP_RX_BAD_CHECKSUM);
}

static void test_drop_checksum_ipv6(void **state)
{
	struct ip_addr src = ip("fe80::13:e3ff:fe57:2b31"), dst = ip("ff02::12");
	struct ip_addr src2 = ip("fe80::13:e3ff:fe57:2b32");
	uint8_t p[sizeof(ka_v6)];
	struct vrrp_advert a;

	(void)state;
	assert_int_equal(vrrp_decode(ka_v6, sizeof(ka_v6), 255, &src2, &dst, 52, &a),
			 VRRP_RX_BAD_CHECKSUM);
	memcpy(p, ka_v6, sizeof(p));
	p[2] = 201;
	assert_int_equal(vrrp_decode(p, sizeof(p), 255, &src, &dst, 52, &a),
			 VRRP_RX_BAD_CHECKSUM);
	assert_int_equal(vrrp_decode(ka_v6, sizeof(ka_v6), 64, &src, &dst, 52, &a),
			 VRRP_RX_BAD_TTL);
}

static void test_drop_length(void **state)
{
	uint8_t p[16];
	struct vrrp_advert a;
	struct ip_addr src6 = ip("fe80::1"), dst6 = ip("ff02::12");

	(void)state;
	assert_int_equal(dec4(ka_v4, 0, 255, 51, &a), VRRP_RX_BAD_LENGTH);
	assert_int_equal(dec4(ka_v4, 7, 255, 51, &a), VRRP_RX_BAD_LENGTH);
	/* header only, count says 1 */
	assert_int_equal(dec4(ka_v4, 8, 255, 51, &a), VRRP_RX_BAD_LENGTH);
	assert_int_equal(dec4(ka_v4, 11, 255, 51, &a), VRRP_RX_BAD_LENGTH);
	/* a trailing byte */
	memcpy(p, ka_v4, 12);
	p[12] = 0;
	assert_int_equal(dec4(p, 13, 255, 51, &a), VRRP_RX_BAD_LENGTH);
	/* count 2, one address, checksum right for what is there */
	memcpy(p, ka_v4, 12);
	p[3] = 2;
	fix_csum4(p, 12, "198.18.0.1", "224.0.0.18");
	assert_int_equal(dec4(p, 12, 255, 51, &a), VRRP_RX_BAD_LENGTH);
	/* an IPv4-sized advert over IPv6: 1 address needs 24 bytes */
	assert_int_equal(vrrp_decode(ka_v4, 12, 255, &src6, &dst6, 51, &a), VRRP_RX_BAD_LENGTH);
	/* 16 bytes = 8 + 2 * 4 over IPv4 with count 2 would be consistent;
	 * over IPv6 with count 1 it is short */
	assert_int_equal(vrrp_decode(ka_v6, 16, 255, &src6, &dst6, 52, &a), VRRP_RX_BAD_LENGTH);
}

static void test_drop_no_addrs(void **state)
{
	uint8_t p[8];
	struct vrrp_advert a;

	(void)state;
	memcpy(p, ka_v4, 8);
	p[3] = 0;
	fix_csum4(p, 8, "198.18.0.1", "224.0.0.18");
	assert_int_equal(dec4(p, 8, 255, 51, &a), VRRP_RX_NO_ADDRS);
}

static void test_drop_interval_zero(void **state)
{
	uint8_t p[12];
	struct vrrp_advert a;

	(void)state;
	memcpy(p, ka_v4, sizeof(p));
	p[4] = 0xf0; /* reserved bits set are ignored, the interval is 0 */
	p[5] = 0;
	fix_csum4(p, sizeof(p), "198.18.0.1", "224.0.0.18");
	assert_int_equal(dec4(p, sizeof(p), 255, 51, &a), VRRP_RX_BAD_INTERVAL);
	/* reserved bits with a real interval: accepted, bits masked */
	p[4] = 0xf0;
	p[5] = 0x64;
	fix_csum4(p, sizeof(p), "198.18.0.1", "224.0.0.18");
	assert_int_equal(dec4(p, sizeof(p), 255, 51, &a), VRRP_RX_OK);
	assert_int_equal(a.interval_cs, 100);
	/* the independent checksum agrees with keepalived's on its packet */
	memcpy(p, ka_v4, sizeof(p));
	fix_csum4(p, sizeof(p), "198.18.0.1", "224.0.0.18");
	assert_memory_equal(p, ka_v4, sizeof(p));
}

/* RFC 5798 7.1: the advert's address list against the configured VIPs. */
static void test_addrs_match(void **state)
{
	struct ip_addr vips[2] = { ip("198.18.0.1"), ip("198.18.0.2") };
	struct ip_addr vip6 = ip("2001:db8::1");
	uint8_t list[3 * 4];
	struct vrrp_advert a = { .family = AF_INET, .addrs = list };

	(void)state;
	memcpy(list, &vips[0].v4, 4);
	a.n_addrs = 1;
	assert_true(vrrp_addrs_match(&a, vips, 1));
	/* another router's address with our VRID (51 is everyone's example) */
	inet_pton(AF_INET, "198.18.0.100", list);
	assert_false(vrrp_addrs_match(&a, vips, 1));
	/* two of ours, in any order; not one of them, not one more */
	memcpy(list, &vips[1].v4, 4);
	memcpy(list + 4, &vips[0].v4, 4);
	a.n_addrs = 2;
	assert_true(vrrp_addrs_match(&a, vips, 2));
	a.n_addrs = 1;
	assert_false(vrrp_addrs_match(&a, vips, 2));
	memcpy(list + 8, &vips[0].v4, 4);
	a.n_addrs = 3;
	assert_false(vrrp_addrs_match(&a, vips, 2));
	/* a repeat cannot stand in for a missing address */
	memcpy(list + 4, &vips[1].v4, 4);
	a.n_addrs = 2;
	assert_false(vrrp_addrs_match(&a, vips, 2));
	/* the other family's VIP never matches */
	a.n_addrs = 1;
	assert_false(vrrp_addrs_match(&a, &vip6, 1));
	a.family = AF_INET6;
	a.addrs = &vip6.v6;
	assert_true(vrrp_addrs_match(&a, &vip6, 1));
	assert_false(vrrp_addrs_match(&a, vips, 1));
}

static void test_source_allowed(void **state)
{
	struct ip_addr allow[2] = { ip("198.18.0.11"), ip("fe80::11") };
	struct ip_addr a = ip("198.18.0.11"), b = ip("198.18.0.66"), c = ip("fe80::11");

	(void)state;
	/* no list: anyone */
	assert_true(vrrp_source_allowed(&b, NULL, 0));
	assert_true(vrrp_source_allowed(&a, allow, 2));
	assert_true(vrrp_source_allowed(&c, allow, 2));
	assert_false(vrrp_source_allowed(&b, allow, 2));
	b = ip("fe80::12");
	assert_false(vrrp_source_allowed(&b, allow, 2));
}

static void test_counters(void **state)
{
	struct vrrp_counters c = { 0 };

	(void)state;
	vrrp_counters_count(&c, VRRP_RX_OK);
	vrrp_counters_count(&c, VRRP_RX_BAD_TTL);
	vrrp_counters_count(&c, VRRP_RX_BAD_LENGTH);
	vrrp_counters_count(&c, VRRP_RX_BAD_VERSION);
	vrrp_counters_count(&c, VRRP_RX_BAD_TYPE);
	vrrp_counters_count(&c, VRRP_RX_NO_ADDRS);
	vrrp_counters_count(&c, VRRP_RX_BAD_CHECKSUM);
	vrrp_counters_count(&c, VRRP_RX_OTHER_VRID);
	vrrp_counters_count(&c, VRRP_RX_OTHER_VRID);
	vrrp_counters_count(&c, VRRP_RX_BAD_INTERVAL);
	vrrp_counters_count(&c, VRRP_RX_ADDR_MISMATCH);
	vrrp_counters_count(&c, VRRP_RX_NOT_ALLOWED);
	vrrp_counters_count(&c, VRRP_RX_NOT_ALLOWED);
	vrrp_counters_count(&c, VRRP_RX_KINDS); /* out of range: ignored */
	assert_int_equal(c.accepted, 1);
	assert_int_equal(c.bad_ttl, 1);
	assert_int_equal(c.bad_length, 1);
	assert_int_equal(c.bad_version, 1);
	assert_int_equal(c.bad_type, 1);
	assert_int_equal(c.no_addrs, 1);
	assert_int_equal(c.bad_checksum, 1);
	assert_int_equal(c.other_vrid, 2);
	assert_int_equal(c.bad_interval, 1);
	assert_int_equal(c.addr_mismatch, 1);
	assert_int_equal(c.not_allowed, 2);
	assert_int_equal(c.received + c.own + c.sent + c.send_errors + c.recv_errors +
				 c.owner_mismatch, 0);
	assert_string_equal(vrrp_rx_name(VRRP_RX_ADDR_MISMATCH), "addr_mismatch");
	assert_string_equal(vrrp_rx_name(VRRP_RX_NOT_ALLOWED), "not_allowed");
	assert_string_equal(vrrp_rx_name(VRRP_RX_BAD_CHECKSUM), "bad_checksum");
	assert_string_equal(vrrp_rx_name(VRRP_RX_OTHER_VRID), "other_vrid");
	assert_string_equal(vrrp_rx_name(VRRP_RX_OK), "ok");
	assert_null(vrrp_counters_drop(&c, VRRP_RX_OK));
}

static void test_addr_cmp(void **state)
{
	struct ip_addr a = ip("198.18.1.1"), b = ip("198.18.0.255");
	struct ip_addr c = ip("fe80::1:0"), d = ip("fe80::ff");

	(void)state;
	assert_true(ip_addr_cmp(&a, &b) > 0);
	assert_true(ip_addr_cmp(&b, &a) < 0);
	assert_int_equal(ip_addr_cmp(&a, &a), 0);
	assert_true(ip_addr_cmp(&c, &d) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalived_ipv4),
		cmocka_unit_test(test_keepalived_ipv6),
		cmocka_unit_test(test_encode_matches_keepalived),
		cmocka_unit_test(test_round_trip_ipv4_many),
		cmocka_unit_test(test_round_trip_ipv6),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_drop_ttl),
		cmocka_unit_test(test_drop_version_and_type),
		cmocka_unit_test(test_drop_other_vrid),
		cmocka_unit_test(test_drop_checksum),
		cmocka_unit_test(test_drop_checksum_ipv6),
		cmocka_unit_test(test_drop_length),
		cmocka_unit_test(test_drop_no_addrs),
		cmocka_unit_test(test_drop_interval_zero),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_addr_cmp),
		cmocka_unit_test(test_addrs_match),
		cmocka_unit_test(test_source_allowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
