// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* RFC 1071 checksum against the RFC's own worked example (section 3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/inet_csum.h"

/* RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 2ddf0, folded ddf2. */
static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

static void test_rfc1071_example(void **state)
{
	(void)state;
	assert_int_equal(inet_csum_fold(inet_csum_add(0, rfc, sizeof(rfc))), 0xffff & ~0xddf2);
}

static void test_pieces(void **state)
{
	uint32_t s;

	(void)state;
	/* summing in even pieces gives the same */
	s = inet_csum_add(0, rfc, 2);
	s = inet_csum_add(s, rfc + 2, 4);
	s = inet_csum_add(s, rfc + 6, 2);
	assert_int_equal(inet_csum_fold(s), 0xffff & ~0xddf2);
}

static void test_odd_length(void **state)
{
	static const uint8_t b[] = { 0x12, 0x34, 0x56 };

	(void)state;
	/* 1234 + 5600 = 6834 -> 97cb */
	assert_int_equal(inet_csum_fold(inet_csum_add(0, b, 3)), 0x97cb);
}

static void test_many_carries(void **state)
{
	uint8_t ff[4096];

	(void)state;
	for (unsigned i = 0; i < sizeof(ff); i++)
		ff[i] = 0xff;
	/* any number of ffff words sums to ffff (negative zero): checksum 0 */
	assert_int_equal(inet_csum_fold(inet_csum_add(0, ff, sizeof(ff))), 0);
	/* 0001 + 2047 * ffff: ffff adds nothing, the sum is 0001 -> fffe */
	ff[0] = 0;
	ff[1] = 1;
	assert_int_equal(inet_csum_fold(inet_csum_add(0, ff, sizeof(ff))), 0xfffe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_odd_length),
		cmocka_unit_test(test_many_carries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
