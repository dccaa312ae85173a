// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The REDIRECT checker of the request generator (tests/lib/redirect_check.c)
 * against a response written out byte by byte from RFC 7296 and RFC 5685
 * (the 74-byte IPv4 example of docs/design.md), and against every way of
 * damaging it: each damage must give its own verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../lib/redirect_check.h"

static const uint8_t SPI[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

static uint8_t nonce[32];

/* IKE header, then one Notify(REDIRECT) with IPv4 identity 198.18.0.11 and
 * the 32-byte nonce 0x00..0x1f.  74 = 28 + 46; notify 46 = 8 + 2 + 4 + 32. */
static void example(uint8_t m[74])
{
	static const uint8_t head[28 + 14] = {
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* SPIi */
		0, 0, 0, 0, 0, 0, 0, 0, /* SPIr */
		41, 0x20, 34, 0x20, /* next Notify, v2.0, IKE_SA_INIT, R */
		0, 0, 0, 0, /* message ID */
		0, 0, 0, 74, /* length */
		0, 0, 0, 46, /* Notify: next none, flags, length */
		0, 0, 0x40, 0x17, /* protocol 0, SPI size 0, type 16407 */
		1, 4, 198, 18, 0, 11, /* GW ident IPv4, length 4, address */
	};

	memcpy(m, head, sizeof(head));
	memcpy(m + sizeof(head), nonce, 32);
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 32; i++)
		nonce[i] = (uint8_t)i;
	return 0;
}

static enum redirect_verdict check(const uint8_t *m, size_t len, struct pkt_gw_ident *id)
{
	return redirect_check(m, len, SPI, nonce, sizeof(nonce), id);
}

static void test_example_ok(void **state)
{
	struct pkt_gw_ident id;
	uint8_t m[74];
	char s[64];

	(void)state;
	example(m);
	assert_int_equal(check(m, sizeof(m), &id), REDIRECT_OK);
	assert_int_equal(id.type, 1);
	assert_int_equal(id.len, 4);
	assert_string_equal(redirect_ident_str(&id, s, sizeof(s)), "198.18.0.11");
}

/* The test builder of pkt.c (written independently) agrees, for IPv6 and
 * FQDN identities too. */
static void test_builder_identities(void **state)
{
	static const char *const idents[] = { "2001:db8::11", "gw-1.ikelb.test", "a" };
	uint8_t m[512];
	char s[300];

	(void)state;
	for (size_t i = 0; i < sizeof(idents) / sizeof(idents[0]); i++) {
		struct pkt_gw_ident in, out;
		size_t len;

		assert_true(pkt_gw_ident_parse(&in, idents[i]));
		len = pkt_ike_redirect(m, sizeof(m), SPI, &in, nonce, sizeof(nonce));
		assert_int_equal(check(m, len, &out), REDIRECT_OK);
		assert_string_equal(redirect_ident_str(&out, s, sizeof(s)), idents[i]);
	}
}

/* example() with byte off set to val: the verdict the damage must give */
struct damage {
	size_t off;
	uint8_t val;
	enum redirect_verdict v;
};

static void test_each_damage(void **state)
{
	static const struct damage d[] = {
		{ 27, 75, REDIRECT_BAD_LENGTH },   { 0, 0x10, REDIRECT_BAD_SPI_I },
		{ 7, 0x89, REDIRECT_BAD_SPI_I },   { 15, 1, REDIRECT_BAD_SPI_R },
		{ 17, 0x21, REDIRECT_BAD_VERSION }, { 17, 0x10, REDIRECT_BAD_VERSION },
		{ 18, 35, REDIRECT_BAD_EXCHANGE },  { 19, 0x00, REDIRECT_BAD_FLAGS },
		{ 19, 0x28, REDIRECT_BAD_FLAGS },   { 19, 0x08, REDIRECT_BAD_FLAGS },
		{ 23, 1, REDIRECT_BAD_MSGID },	     { 20, 0x80, REDIRECT_BAD_MSGID },
		{ 31, 45, REDIRECT_BAD_CHAIN },	     { 28, 40, REDIRECT_BAD_CHAIN },
		{ 16, 40, REDIRECT_BAD_PAYLOADS },  { 32, 1, REDIRECT_BAD_NOTIFY },
		{ 33, 4, REDIRECT_BAD_NOTIFY },     { 35, 0x16, REDIRECT_BAD_NOTIFY },
		{ 36, 0, REDIRECT_BAD_IDENT },	     { 36, 4, REDIRECT_BAD_IDENT },
		{ 36, 2, REDIRECT_BAD_IDENT },	     { 37, 5, REDIRECT_BAD_IDENT },
		{ 37, 3, REDIRECT_BAD_IDENT },	     { 42, 1, REDIRECT_BAD_NONCE },
		{ 73, 0, REDIRECT_BAD_NONCE },
	};
	struct pkt_gw_ident id;
	uint8_t m[74];

	(void)state;
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		example(m);
		m[d[i].off] = d[i].val;
		if (check(m, sizeof(m), &id) != d[i].v)
			fail_msg("byte %zu = %u: got %s, want %s", d[i].off, d[i].val,
				 redirect_verdict_name(check(m, sizeof(m), &id)),
				 redirect_verdict_name(d[i].v));
	}
}

static void test_lengths(void **state)
{
	struct pkt_gw_ident id;
	uint8_t m[80];

	(void)state;
	example(m);
	assert_int_equal(check(m, 27, &id), REDIRECT_SHORT);
	/* one nonce byte short, in every length field: the nonce is wrong */
	m[27] = 73;
	m[31] = 45;
	assert_int_equal(check(m, 73, &id), REDIRECT_BAD_NONCE);
	/* one byte more in every length field */
	example(m);
	m[74] = 0x20;
	m[27] = 75;
	m[31] = 47;
	assert_int_equal(check(m, 75, &id), REDIRECT_BAD_NONCE);
	/* a second payload after the Notify */
	example(m);
	m[28] = 43; /* next: Vendor ID */
	m[27] = 78;
	memcpy(m + 74, "\0\0\0\4", 4);
	assert_int_equal(check(m, 78, &id), REDIRECT_BAD_PAYLOADS);
}

/* FQDN identities: LDH labels separated by single dots. */
static void test_fqdn(void **state)
{
	static const struct {
		const char *name;
		bool ok;
	} c[] = {
		{ "gw.example", true },	  { "gw_1.example-2", true }, { "x", true },
		{ ".", false },		  { "..", false },	      { "a..b", false },
		{ ".a", false },	  { "a.", false },	      { "a/b", false },
		{ "a b", false },	  { "../etc", false },
	};
	uint8_t m[512];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct pkt_gw_ident in = { .type = 3 }, out;
		size_t len;

		in.len = (uint8_t)strlen(c[i].name);
		memcpy(in.data, c[i].name, in.len);
		len = pkt_ike_redirect(m, sizeof(m), SPI, &in, nonce, sizeof(nonce));
		if ((check(m, len, &out) == REDIRECT_OK) != c[i].ok)
			fail_msg("FQDN '%s' judged %s", c[i].name,
				 redirect_verdict_name(check(m, len, &out)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_example_ok, setup),
		cmocka_unit_test_setup(test_builder_identities, setup),
		cmocka_unit_test_setup(test_each_damage, setup),
		cmocka_unit_test_setup(test_lengths, setup),
		cmocka_unit_test_setup(test_fqdn, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
