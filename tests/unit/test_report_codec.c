// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The load report codec.  The known-answer messages below were written
 * byte by byte from the layout in docs/report-protocol.md, and their MACs
 * computed independently with
 *   xxd -r -p <<<"$MSG" | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cluster/report_codec.h"

static const char KEY_HEX[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/* cluster "lab", node "gw-a", epoch 0x0123456789abcdef, seq 2, 5/100
 * tunnels, active, 198.18.0.10 and 2001:db8::a, no reason: 98 bytes */
static const char KAT1_HEX[] =
	"494b4c53" "01" "00" "0062" "0123456789abcdef" "0000000000000002" "00000005" "00000064"
	"03" "6c6162" "04" "67772d61" "01" "04" "c612000a" "02" "10"
	"20010db800000000000000000000000a" "00"
	"29e80adebd0a8c4faca1f937842d7312afc896496d9119ad5eed79473896d44d";

/* cluster "lab", node "gw-b", epoch of boot 1700000000000 ms with random
 * 0xabcde, seq 2^32, 0 of 10000000 tunnels, unhealthy "vici: connection
 * refused", FQDN gw-b.example, no address6: 114 bytes */
static const char KAT2_HEX[] =
	"494b4c53" "01" "02" "0072" "18bcfe56800abcde" "0000000100000000" "00000000" "00989680"
	"03" "6c6162" "04" "67772d62" "03" "0c" "67772d622e6578616d706c65" "00" "00"
	"18" "766963693a20636f6e6e656374696f6e2072656675736564"
	"cfe1e6459fd08f32ee37098072fdea78f793031390a0916bea29f92a7766d376";

/* KAT1 as version 2: the same fields and steering label 7, MAC
 * 02:ab:cd:00:00:07: 105 bytes */
static const char KAT3_HEX[] =
	"494b4c53" "02" "00" "0069" "0123456789abcdef" "0000000000000002" "00000005" "00000064"
	"03" "6c6162" "04" "67772d61" "01" "04" "c612000a" "02" "10"
	"20010db800000000000000000000000a" "00" "07" "02abcd000007"
	"539c6397cd08d5e1c494d5e3aa502f518c414c07f82b3b8270c95a42d0b61081";

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static struct cluster_key key_of(const char *hex)
{
	struct cluster_key k = { 0 };

	k.len = unhex(hex, k.bytes);
	return k;
}

static void gw_v4(struct cfg_gw_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->type = IKE_GW_ID_IPV4;
	a->len = 4;
	assert_int_equal(inet_pton(AF_INET, s, a->data), 1);
}

static void gw_v6(struct cfg_gw_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->type = IKE_GW_ID_IPV6;
	a->len = 16;
	assert_int_equal(inet_pton(AF_INET6, s, a->data), 1);
}

static void gw_fqdn(struct cfg_gw_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->type = IKE_GW_ID_FQDN;
	a->len = (uint8_t)strlen(s);
	memcpy(a->data, s, a->len);
}

static struct load_report kat1_report(void)
{
	struct load_report r = { .epoch = 0x0123456789abcdefull, .seq = 2, .tunnels = 5,
				   .max_tunnels = 100, .state = REPORT_ACTIVE };

	strcpy(r.cluster, "lab");
	strcpy(r.node_id, "gw-a");
	gw_v4(&r.address, "198.18.0.10");
	gw_v6(&r.address6, "2001:db8::a");
	return r;
}

static struct load_report kat3_report(void)
{
	static const uint8_t mac[6] = { 0x02, 0xab, 0xcd, 0x00, 0x00, 0x07 };
	struct load_report r = kat1_report();

	r.steer_label = 7;
	memcpy(r.mac, mac, 6);
	return r;
}

static struct load_report kat2_report(void)
{
	struct load_report r = { .epoch = 0x18bcfe56800abcdeull, .seq = 1ull << 32,
				   .tunnels = 0, .max_tunnels = 10000000,
				   .state = REPORT_UNHEALTHY };

	strcpy(r.cluster, "lab");
	strcpy(r.node_id, "gw-b");
	gw_fqdn(&r.address, "gw-b.example");
	strcpy(r.reason, "vici: connection refused");
	return r;
}

/* The MAC recomputed over a mutated message (and its length field set to
 * len), so that a test reaches the check it means instead of the MAC. */
static void resign(uint8_t *msg, size_t len, const struct cluster_key *k)
{
	unsigned n = 0;

	msg[6] = (uint8_t)(len >> 8);
	msg[7] = (uint8_t)len;
	assert_non_null(HMAC(EVP_sha256(), k->bytes, (int)k->len, msg, len - 32, msg + len - 32,
			     &n));
	assert_int_equal(n, 32);
}

static void assert_reports_equal(const struct load_report *a, const struct load_report *b)
{
	assert_string_equal(a->cluster, b->cluster);
	assert_string_equal(a->node_id, b->node_id);
	assert_true(a->epoch == b->epoch);
	assert_true(a->seq == b->seq);
	assert_int_equal(a->tunnels, b->tunnels);
	assert_int_equal(a->max_tunnels, b->max_tunnels);
	assert_int_equal(a->state, b->state);
	assert_string_equal(a->reason, b->reason);
	assert_int_equal(a->address.type, b->address.type);
	assert_int_equal(a->address.len, b->address.len);
	assert_memory_equal(a->address.data, b->address.data, a->address.len);
	assert_int_equal(a->address6.type, b->address6.type);
	assert_int_equal(a->address6.len, b->address6.len);
	assert_memory_equal(a->address6.data, b->address6.data, a->address6.len);
	assert_int_equal(a->steer_label, b->steer_label);
	assert_memory_equal(a->mac, b->mac, 6);
}

/* ---- known answers -------------------------------------------------------- */

static void check_kat(const char *hex, struct load_report want)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t expect[REPORT_MAX], got[REPORT_MAX];
	size_t n = unhex(hex, expect);
	struct load_report r;
	int len;

	len = report_encode(&want, &k, got, sizeof(got));
	assert_int_equal(len, (int)n);
	assert_memory_equal(got, expect, n);
	assert_int_equal(report_decode(expect, n, "lab", &k, &r), REPORT_OK);
	assert_reports_equal(&r, &want);
	/* the FQDN comes back NUL-terminated for printing */
	if (r.address.type == IKE_GW_ID_FQDN)
		assert_int_equal(r.address.data[r.address.len], 0);
}

static void test_kat_ipv4_ipv6(void **state)
{
	(void)state;
	check_kat(KAT1_HEX, kat1_report());
}

static void test_kat_fqdn_unhealthy(void **state)
{
	(void)state;
	check_kat(KAT2_HEX, kat2_report());
}

/* Version 2: a steering label and MAC after the reason; version 1's bytes
 * are unchanged for a gateway without a label (KAT1). */
static void test_kat_steer(void **state)
{
	(void)state;
	check_kat(KAT3_HEX, kat3_report());
}

/* Version 2's own rules: a label 1..255 with a unicast MAC that is not
 * zero; version 1 carries neither, version 2 both. */
static void test_steer_malformed(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t buf[REPORT_MAX], v1[REPORT_MAX];
	struct load_report r;
	size_t n = unhex(KAT3_HEX, buf), n1;

	(void)state;
	assert_int_equal(n, 105);
	buf[73 - 7] = 0; /* label 0 */
	resign(buf, n, &k);
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_MALFORMED);
	unhex(KAT3_HEX, buf);
	buf[73 - 6] |= 1; /* a group MAC */
	resign(buf, n, &k);
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_MALFORMED);
	unhex(KAT3_HEX, buf);
	memset(buf + 73 - 6, 0, 6); /* no MAC */
	resign(buf, n, &k);
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_MALFORMED);
	/* version 2 without the steering bytes; version 1 with them */
	n1 = unhex(KAT1_HEX, v1);
	v1[4] = 2;
	resign(v1, n1, &k);
	assert_int_equal(report_decode(v1, n1, "lab", &k, &r), REPORT_ERR_MALFORMED);
	unhex(KAT3_HEX, buf);
	buf[4] = 1;
	resign(buf, n, &k);
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_MALFORMED);
	/* one byte of them missing */
	unhex(KAT3_HEX, buf);
	memmove(buf + 72, buf + 73, 32);
	resign(buf, n - 1, &k);
	assert_int_equal(report_decode(buf, n - 1, "lab", &k, &r), REPORT_ERR_MALFORMED);
	/* the encoder refuses what the decoder would */
	r = kat3_report();
	r.mac[0] = 0x01;
	assert_int_equal(report_encode(&r, &k, buf, sizeof(buf)), -1);
	r = kat3_report();
	memset(r.mac, 0, 6);
	assert_int_equal(report_encode(&r, &k, buf, sizeof(buf)), -1);
	r = kat1_report();
	r.mac[5] = 1; /* a MAC without a label */
	assert_int_equal(report_encode(&r, &k, buf, sizeof(buf)), -1);
}

/* ---- round trips ---------------------------------------------------------- */

static void test_round_trip_longest(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	struct load_report r = kat1_report(), back;
	uint8_t msg[REPORT_MAX];
	char fqdn[256];
	int len;

	(void)state;
	memset(r.cluster, 'c', 32);
	r.cluster[32] = 0;
	memset(r.node_id, '~', 63);
	r.node_id[63] = 0;
	/* four labels of 63: the longest valid name, 255 bytes */
	memset(fqdn, 'a', 255);
	fqdn[63] = fqdn[127] = fqdn[191] = '.';
	fqdn[255] = 0;
	gw_fqdn(&r.address, fqdn);
	gw_fqdn(&r.address6, fqdn);
	memset(r.reason, ' ', 127);
	r.reason[127] = 0;
	r.state = REPORT_DRAINING;
	r.tunnels = UINT32_MAX;
	r.max_tunnels = 1;
	r.epoch = UINT64_MAX;
	r.seq = UINT64_MAX;
	r.steer_label = 255;
	memset(r.mac, 0xfe, 6);
	len = report_encode(&r, &k, msg, sizeof(msg));
	/* 32 fixed + 33 + 64 + 2 * 257 + 128 + 7 steering + 32 MAC */
	assert_int_equal(len, 810);
	assert_int_equal(len, REPORT_LONGEST);
	assert_int_equal(report_decode(msg, (size_t)len, r.cluster, &k, &back), REPORT_OK);
	assert_reports_equal(&back, &r);
	/* one byte short of the space needed */
	assert_int_equal(report_encode(&r, &k, msg, 809), -1);
}

static void test_round_trip_shortest(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	struct load_report r = { .epoch = 1, .seq = 1, .max_tunnels = 1 }, back;
	uint8_t msg[REPORT_MAX];
	int len;

	(void)state;
	strcpy(r.cluster, "x");
	strcpy(r.node_id, "n");
	gw_fqdn(&r.address, "g");
	len = report_encode(&r, &k, msg, sizeof(msg));
	/* 32 fixed + 2 + 2 + 3 + 2 + 1 + 32 MAC */
	assert_int_equal(len, 74);
	assert_int_equal(report_decode(msg, (size_t)len, "x", &k, &back), REPORT_OK);
	assert_reports_equal(&back, &r);
}

/* ---- decode errors ---------------------------------------------------------- */

static size_t kat1(uint8_t *buf)
{
	return unhex(KAT1_HEX, buf);
}

static void test_oversized(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t buf[REPORT_MAX + 1] = { 0 };
	struct load_report r;

	(void)state;
	kat1(buf);
	assert_int_equal(report_decode(buf, REPORT_MAX + 1, "lab", &k, &r),
			 REPORT_ERR_OVERSIZED);
	/* never read: a huge length with a tiny buffer is safe */
	assert_int_equal(report_decode(buf, 65536, "lab", &k, &r), REPORT_ERR_OVERSIZED);
	/* 1024 bytes is not oversized, but a 98-byte message padded to it is malformed */
	assert_int_equal(report_decode(buf, REPORT_MAX, "lab", &k, &r),
			 REPORT_ERR_MALFORMED);
}

static void test_bad_magic_and_version(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t buf[REPORT_MAX];
	struct load_report r;
	size_t n;

	(void)state;
	for (int i = 0; i < 4; i++) {
		n = kat1(buf);
		buf[i] ^= 0x20;
		resign(buf, n, &k);
		assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_BAD_MAGIC);
	}
	n = kat1(buf);
	buf[4] = 3;
	resign(buf, n, &k);
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_BAD_VERSION);
	buf[4] = 0;
	resign(buf, n, &k);
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_BAD_VERSION);
}

/* Byte offsets in KAT1 */
#define K1_STATE 5
#define K1_EPOCH 8
#define K1_SEQ 16
#define K1_MAX 28
#define K1_CLUSTER_LEN 32
#define K1_CLUSTER 33
#define K1_NODE_LEN 36
#define K1_NODE 37
#define K1_ADDR_TYPE 41
#define K1_ADDR_LEN 42
#define K1_ADDR 43
#define K1_ADDR6_TYPE 47
#define K1_ADDR6_LEN 48
#define K1_REASON_LEN 65

/* Sets n bytes at off, re-signs, expects MALFORMED. */
static void expect_malformed(size_t off, const uint8_t *bytes, size_t n)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t buf[REPORT_MAX];
	struct load_report r;
	size_t len = kat1(buf);

	memcpy(buf + off, bytes, n);
	resign(buf, len, &k);
	assert_int_equal(report_decode(buf, len, "lab", &k, &r), REPORT_ERR_MALFORMED);
}

static void test_malformed_fields(void **state)
{
	static const uint8_t zero8[8] = { 0 };
	static const uint8_t max0[4] = { 0, 0, 0, 0 };
	static const uint8_t max_big[4] = { 0x00, 0x98, 0x96, 0x81 }; /* 10000001 */

	(void)state;
	expect_malformed(K1_STATE, (const uint8_t[]){ 3 }, 1);
	expect_malformed(K1_STATE, (const uint8_t[]){ 0xff }, 1);
	expect_malformed(K1_EPOCH, zero8, 8);
	expect_malformed(K1_SEQ, zero8, 8);
	expect_malformed(K1_MAX, max0, 4);
	expect_malformed(K1_MAX, max_big, 4);
	/* cluster "lab" -> "l b" / "l.b"; lengths that shift the rest */
	expect_malformed(K1_CLUSTER + 1, (const uint8_t[]){ ' ' }, 1);
	expect_malformed(K1_CLUSTER + 1, (const uint8_t[]){ '.' }, 1);
	expect_malformed(K1_CLUSTER_LEN, (const uint8_t[]){ 0 }, 1);
	expect_malformed(K1_CLUSTER_LEN, (const uint8_t[]){ 33 }, 1);
	expect_malformed(K1_CLUSTER_LEN, (const uint8_t[]){ 0xff }, 1);
	/* node id with a space, a control character, a non-ASCII byte, empty */
	expect_malformed(K1_NODE + 2, (const uint8_t[]){ ' ' }, 1);
	expect_malformed(K1_NODE + 2, (const uint8_t[]){ '\n' }, 1);
	expect_malformed(K1_NODE + 2, (const uint8_t[]){ 0xc3 }, 1);
	expect_malformed(K1_NODE_LEN, (const uint8_t[]){ 0 }, 1);
	/* address: no type, unknown type, wrong length, unusable addresses */
	expect_malformed(K1_ADDR_TYPE, (const uint8_t[]){ 0 }, 1);
	expect_malformed(K1_ADDR_TYPE, (const uint8_t[]){ 4 }, 1);
	expect_malformed(K1_ADDR_TYPE, (const uint8_t[]){ IKE_GW_ID_IPV6 }, 1);
	expect_malformed(K1_ADDR_LEN, (const uint8_t[]){ 3 }, 1);
	expect_malformed(K1_ADDR, (const uint8_t[]){ 0, 0, 0, 0 }, 4);
	expect_malformed(K1_ADDR, (const uint8_t[]){ 127, 0, 0, 1 }, 4);
	expect_malformed(K1_ADDR, (const uint8_t[]){ 239, 255, 75, 1 }, 4);
	expect_malformed(K1_ADDR, (const uint8_t[]){ 255, 255, 255, 255 }, 4);
	/* address given as FQDN with a byte outside [A-Za-z0-9._-] */
	expect_malformed(K1_ADDR_TYPE, (const uint8_t[]){ IKE_GW_ID_FQDN, 4, 'a', '/', 'b', 'c' }, 6);
	/* address6: none with a length, IPv6 multicast / unspecified / loopback */
	expect_malformed(K1_ADDR6_TYPE, (const uint8_t[]){ 0 }, 1);
	expect_malformed(K1_ADDR6_LEN + 1, (const uint8_t[]){ 0xff, 0x02 }, 2);
	expect_malformed(K1_ADDR6_LEN + 1,
			 (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 16);
	expect_malformed(K1_ADDR6_LEN + 1,
			 (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 16);
	/* reason claims a byte that is not there */
	expect_malformed(K1_REASON_LEN, (const uint8_t[]){ 1 }, 1);
}

static void test_malformed_unspecified_v6(void **state)
{
	/* the zero8 case above only broke the prefix; make sure a genuinely
	 * unspecified / loopback address6 is rejected, and a valid one passes */
	struct cluster_key k = key_of(KEY_HEX);
	struct load_report r = kat1_report(), back;
	uint8_t buf[REPORT_MAX];
	int len;

	(void)state;
	gw_v6(&r.address6, "2001:db8::b");
	len = report_encode(&r, &k, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(report_decode(buf, (size_t)len, "lab", &k, &back), REPORT_OK);
	gw_v6(&r.address6, "::");
	assert_int_equal(report_encode(&r, &k, buf, sizeof(buf)), -1);
	gw_v6(&r.address6, "::1");
	assert_int_equal(report_encode(&r, &k, buf, sizeof(buf)), -1);
	gw_v6(&r.address6, "ff05::1");
	assert_int_equal(report_encode(&r, &k, buf, sizeof(buf)), -1);
}

static void test_malformed_lengths(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t buf[REPORT_MAX];
	struct load_report r;
	size_t n = kat1(buf);

	(void)state;
	/* the length field disagrees with the datagram, both ways */
	buf[7] = 0x61;
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_MALFORMED);
	buf[7] = 0x63;
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_MALFORMED);
	/* a trailing byte after the reason, with a consistent length and MAC */
	n = kat1(buf);
	memmove(buf + n - 31, buf + n - 32, 32);
	buf[n - 32] = 'x';
	resign(buf, n + 1, &k);
	assert_int_equal(report_decode(buf, n + 1, "lab", &k, &r), REPORT_ERR_MALFORMED);
}

static void test_other_cluster(void **state)
{
	struct cluster_key k = key_of(KEY_HEX), other = key_of(KEY_HEX);
	struct load_report rep = kat1_report(), r;
	uint8_t buf[REPORT_MAX];
	size_t n = kat1(buf);
	int len;

	(void)state;
	assert_int_equal(report_decode(buf, n, "lab2", &k, &r), REPORT_ERR_OTHER_CLUSTER);
	assert_int_equal(report_decode(buf, n, "la", &k, &r), REPORT_ERR_OTHER_CLUSTER);
	assert_int_equal(report_decode(buf, n, "LAB", &k, &r), REPORT_ERR_OTHER_CLUSTER);
	/* another cluster with another key: "other cluster", not a forgery */
	other.bytes[0] ^= 1;
	strcpy(rep.cluster, "other");
	len = report_encode(&rep, &other, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(report_decode(buf, (size_t)len, "lab", &k, &r),
			 REPORT_ERR_OTHER_CLUSTER);
	assert_int_equal(report_decode(buf, (size_t)len, "other", &other, &r), REPORT_OK);
}

static void test_bad_mac(void **state)
{
	struct cluster_key k = key_of(KEY_HEX), wrong = key_of(KEY_HEX);
	struct load_report rep = kat1_report(), r;
	uint8_t buf[REPORT_MAX];
	int len;

	(void)state;
	wrong.bytes[31] ^= 0x80;
	len = report_encode(&rep, &wrong, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(report_decode(buf, (size_t)len, "lab", &k, &r), REPORT_ERR_BAD_MAC);
	/* a longer key with the same prefix is a different key */
	wrong = key_of(KEY_HEX);
	wrong.bytes[32] = 0x20;
	wrong.len = 33;
	len = report_encode(&rep, &wrong, buf, sizeof(buf));
	assert_int_equal(report_decode(buf, (size_t)len, "lab", &k, &r), REPORT_ERR_BAD_MAC);
	/* a forger changing a field without the key */
	len = (int)kat1(buf);
	buf[27] = 0; /* 5 tunnels -> 0 */
	assert_int_equal(report_decode(buf, (size_t)len, "lab", &k, &r), REPORT_ERR_BAD_MAC);
}

static void test_unusable_key(void **state)
{
	struct cluster_key none = { 0 }, k = key_of(KEY_HEX);
	struct load_report rep = kat1_report(), r;
	uint8_t buf[REPORT_MAX];
	size_t n = kat1(buf);

	(void)state;
	/* an unloaded (empty) key must never verify anything: HMAC with an
	 * empty key is computable by anyone */
	assert_int_equal(report_decode(buf, n, "lab", &none, &r), REPORT_ERR_KEY);
	assert_int_equal(report_decode(buf, n, "lab", NULL, &r), REPORT_ERR_KEY);
	assert_int_equal(report_encode(&rep, &none, buf, sizeof(buf)), -1);
	k.len = 31;
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_ERR_KEY);
	assert_int_equal(report_encode(&rep, &k, buf, sizeof(buf)), -1);
}

static void test_every_bit_flip_fails(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t buf[REPORT_MAX];
	struct load_report r;
	size_t n = kat1(buf);

	(void)state;
	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (report_decode(buf, n, "lab", &k, &r) == REPORT_OK)
			fail_msg("flipping bit %zu still decodes", bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(report_decode(buf, n, "lab", &k, &r), REPORT_OK);
}

static void test_every_truncation_fails(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t full[REPORT_MAX], buf[REPORT_MAX];
	struct load_report r;
	size_t n = unhex(KAT2_HEX, full);

	(void)state;
	for (size_t len = 0; len < n; len++) {
		/* a heap copy of exactly len bytes, so ASan sees any over-read */
		uint8_t *cut = malloc(len ? len : 1);

		memcpy(cut, full, len);
		assert_int_equal(report_decode(cut, len, "lab", &k, &r), REPORT_ERR_MALFORMED);
		free(cut);
		/* cut, but with the length field and MAC made consistent */
		if (len >= REPORT_FIXED_LEN + REPORT_MAC_LEN) {
			memcpy(buf, full, len - 32);
			resign(buf, len, &k);
			assert_int_equal(report_decode(buf, len, "lab", &k, &r),
					 REPORT_ERR_MALFORMED);
		}
	}
}

/* ---- encoder refusals --------------------------------------------------------- */

static void test_encode_refuses_invalid(void **state)
{
	struct cluster_key k = key_of(KEY_HEX);
	uint8_t buf[REPORT_MAX];
	struct load_report r;

	(void)state;
#define REFUSE(mutation)                                                          \
	do {                                                                       \
		r = kat1_report();                                                 \
		mutation;                                                          \
		assert_int_equal(report_encode(&r, &k, buf, sizeof(buf)), -1); \
		assert_int_equal(report_check(&r), -1);                     \
	} while (0)
	REFUSE(r.cluster[0] = 0);
	REFUSE(strcpy(r.cluster, "a b"));
	REFUSE(memset(r.cluster, 'a', sizeof(r.cluster))); /* unterminated */
	REFUSE(r.node_id[0] = 0);
	REFUSE(strcpy(r.node_id, "a b"));
	REFUSE(r.epoch = 0);
	REFUSE(r.seq = 0);
	REFUSE(r.max_tunnels = 0);
	REFUSE(r.max_tunnels = REPORT_MAX_TUNNELS + 1);
	REFUSE(r.state = (enum report_state)3);
	REFUSE(r.address.type = 0);
	REFUSE(r.address.len = 5);
	REFUSE(r.address6.len = 4);
	REFUSE(strcpy(r.reason, "tab\there"));
#undef REFUSE
	r = kat1_report();
	assert_int_equal(report_check(&r), 0);
}

/* ---- names and epochs ----------------------------------------------------------- */

static void test_epoch(void **state)
{
	uint64_t e;
	struct timespec ts;
	uint64_t now_ms;

	(void)state;
	/* 1700000000000 = 0x18bcfe56800, then 20 bits of 0xabcde */
	assert_true(report_epoch_make(1700000000000ull, 0xabcde) == 0x18bcfe56800abcdeull);
	assert_true(report_epoch_make(1700000000000ull, 0xfffabcde) == 0x18bcfe56800abcdeull);
	/* one millisecond later beats any random part of the earlier boot */
	assert_true(report_epoch_make(1700000000001ull, 0) >
		    report_epoch_make(1700000000000ull, 0xfffff));
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	e = report_epoch_new();
	assert_true(e != 0);
	assert_true((e >> 20) >= now_ms && (e >> 20) <= now_ms + 1000);
}

static void test_epoch_ahead(void **state)
{
	uint64_t wall = 1700000000000ull, e;

	(void)state;
	e = report_epoch_make(wall + REPORT_EPOCH_AHEAD_MAX_MS, 0xfffff);
	assert_true(report_epoch_ms(e) == wall + REPORT_EPOCH_AHEAD_MAX_MS);
	assert_false(report_epoch_ahead(e, wall));
	e = report_epoch_make(wall + REPORT_EPOCH_AHEAD_MAX_MS + 1, 0);
	assert_true(report_epoch_ahead(e, wall));
	assert_false(report_epoch_ahead(e, wall + 1));
	/* the past, and the very far future */
	assert_false(report_epoch_ahead(1, wall));
	assert_true(report_epoch_ahead(UINT64_MAX, wall));
	assert_false(report_epoch_ahead(report_epoch_make(wall, 1), wall));
	/* a new epoch for a given clock carries it */
	e = report_epoch_new_at(wall);
	assert_true(report_epoch_ms(e) == wall);
}

static void test_previous_key(void **state)
{
	struct cluster_key k = key_of(KEY_HEX), prev = key_of(KEY_HEX), other = key_of(KEY_HEX);
	struct load_report rep = kat1_report(), r;
	uint8_t buf[REPORT_MAX];
	bool used;
	int len;

	(void)state;
	prev.bytes[0] ^= 1;
	other.bytes[1] ^= 1;
	len = report_encode(&rep, &k, buf, sizeof(buf));
	assert_int_equal(report_decode2(buf, (size_t)len, "lab", &k, &prev, &r, &used), REPORT_OK);
	assert_false(used);
	len = report_encode(&rep, &prev, buf, sizeof(buf));
	assert_int_equal(report_decode2(buf, (size_t)len, "lab", &k, &prev, &r, &used), REPORT_OK);
	assert_true(used);
	assert_int_equal(r.tunnels, rep.tunnels);
	/* without it, or under a third key: a forgery */
	assert_int_equal(report_decode(buf, (size_t)len, "lab", &k, &r), REPORT_ERR_BAD_MAC);
	assert_int_equal(report_decode2(buf, (size_t)len, "lab", &k, NULL, &r, &used),
			 REPORT_ERR_BAD_MAC);
	len = report_encode(&rep, &other, buf, sizeof(buf));
	assert_int_equal(report_decode2(buf, (size_t)len, "lab", &k, &prev, &r, &used),
			 REPORT_ERR_BAD_MAC);
	assert_false(used);
	/* an empty previous key verifies nothing (HMAC with no key is anyone's) */
	prev.len = 0;
	len = report_encode(&rep, &k, buf, sizeof(buf));
	buf[len - 1] ^= 1;
	assert_int_equal(report_decode2(buf, (size_t)len, "lab", &k, &prev, &r, &used),
			 REPORT_ERR_BAD_MAC);
	/* the cheap checks come first: another cluster costs no HMAC at all */
	strcpy(rep.cluster, "other");
	len = report_encode(&rep, &other, buf, sizeof(buf));
	assert_int_equal(report_decode2(buf, (size_t)len, "lab", &k, &prev, &r, &used),
			 REPORT_ERR_OTHER_CLUSTER);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(report_state_parse("active"), REPORT_ACTIVE);
	assert_int_equal(report_state_parse("draining"), REPORT_DRAINING);
	assert_int_equal(report_state_parse("unhealthy"), REPORT_UNHEALTHY);
	assert_int_equal(report_state_parse("up"), -1);
	assert_string_equal(report_state_str(REPORT_UNHEALTHY), "unhealthy");
	assert_string_equal(report_err_str(REPORT_ERR_OTHER_CLUSTER), "other cluster");
	assert_string_equal(report_err_str(REPORT_ERR_BAD_MAC), "bad MAC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_ipv4_ipv6),
		cmocka_unit_test(test_kat_fqdn_unhealthy),
		cmocka_unit_test(test_round_trip_longest),
		cmocka_unit_test(test_round_trip_shortest),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_bad_magic_and_version),
		cmocka_unit_test(test_kat_steer),
		cmocka_unit_test(test_steer_malformed),
		cmocka_unit_test(test_malformed_fields),
		cmocka_unit_test(test_malformed_unspecified_v6),
		cmocka_unit_test(test_malformed_lengths),
		cmocka_unit_test(test_other_cluster),
		cmocka_unit_test(test_bad_mac),
		cmocka_unit_test(test_unusable_key),
		cmocka_unit_test(test_every_bit_flip_fails),
		cmocka_unit_test(test_every_truncation_fails),
		cmocka_unit_test(test_encode_refuses_invalid),
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_epoch_ahead),
		cmocka_unit_test(test_previous_key),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
