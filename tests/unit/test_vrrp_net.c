// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The socket layer's pure parts: IPv4 header parsing, primary address. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp/vrrp_net.h"

/* 198.18.0.1 -> 224.0.0.18, TTL 255, proto 112, then a 12-byte advert. */
static void make_pkt(uint8_t *b, unsigned ihl_words, unsigned tot)
{
	memset(b, 0, 96);
	b[0] = (uint8_t)(0x40 | ihl_words);
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 255;
	b[9] = 112;
	b[12] = 198, b[13] = 18, b[14] = 0, b[15] = 1;
	b[16] = 224, b[17] = 0, b[18] = 0, b[19] = 18;
	for (unsigned i = ihl_words * 4; i < 96; i++)
		b[i] = (uint8_t)(0xa0 + i);
}

static void test_strip_plain(void **state)
{
	uint8_t b[96];
	struct vrrp_packet p = { .ttl = -1 };
	char s[64];

	(void)state;
	make_pkt(b, 5, 32);
	assert_true(vrrp_ipv4_strip(b, 32, &p));
	assert_ptr_equal(p.data, b + 20);
	assert_int_equal(p.len, 12);
	assert_int_equal(p.ttl, 255);
	assert_string_equal(inet_ntop(AF_INET, &p.src.v4, s, sizeof(s)), "198.18.0.1");
	assert_string_equal(inet_ntop(AF_INET, &p.dst.v4, s, sizeof(s)), "224.0.0.18");
	assert_int_equal(p.src.family, AF_INET);
}

static void test_strip_options_and_padding(void **state)
{
	uint8_t b[96];
	struct vrrp_packet p = { .ttl = 7 }; /* from IP_RECVTTL: kept */

	(void)state;
	make_pkt(b, 6, 36); /* one option word (router alert, say) */
	assert_true(vrrp_ipv4_strip(b, 60, &p)); /* 24 bytes of padding after */
	assert_ptr_equal(p.data, b + 24);
	assert_int_equal(p.len, 12);
	assert_int_equal(p.ttl, 7);
	make_pkt(b, 15, 60 + 12);
	assert_true(vrrp_ipv4_strip(b, 72, &p));
	assert_int_equal(p.len, 12);
}

static void test_strip_bad(void **state)
{
	uint8_t b[96];
	struct vrrp_packet p = { .ttl = -1 };

	(void)state;
	make_pkt(b, 5, 32);
	assert_false(vrrp_ipv4_strip(b, 19, &p)); /* short header */
	assert_false(vrrp_ipv4_strip(b, 31, &p)); /* total length > read */
	make_pkt(b, 4, 32); /* IHL below 5 */
	assert_false(vrrp_ipv4_strip(b, 32, &p));
	make_pkt(b, 8, 28); /* total length inside the header */
	assert_false(vrrp_ipv4_strip(b, 32, &p));
	make_pkt(b, 15, 32); /* IHL past the end */
	assert_false(vrrp_ipv4_strip(b, 32, &p));
	make_pkt(b, 5, 32);
	b[0] = 0x65; /* not IPv4 */
	assert_false(vrrp_ipv4_strip(b, 32, &p));
	/* a header with an empty payload is fine here; the codec drops it */
	make_pkt(b, 5, 20);
	assert_true(vrrp_ipv4_strip(b, 20, &p));
	assert_int_equal(p.len, 0);
}

static void test_primary_address_lo(void **state)
{
	struct ip_addr a, ex = { .family = AF_INET };

	(void)state;
	/* lo has 127.0.0.1 and no link-local IPv6 address */
	assert_int_equal(vrrp_primary_address(AF_INET, "lo", NULL, 0, &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(ntohl(a.v4.s_addr), 0x7f000001);
	inet_pton(AF_INET, "127.0.0.1", &ex.v4);
	errno = 0;
	assert_int_equal(vrrp_primary_address(AF_INET, "lo", &ex, 1, &a), -1);
	assert_int_equal(errno, EADDRNOTAVAIL);
	assert_int_equal(vrrp_primary_address(AF_INET6, "lo", NULL, 0, &a), -1);
	assert_int_equal(vrrp_primary_address(AF_INET, "no-such-if0", NULL, 0, &a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strip_plain),
		cmocka_unit_test(test_strip_options_and_padding),
		cmocka_unit_test(test_strip_bad),
		cmocka_unit_test(test_primary_address_lo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
