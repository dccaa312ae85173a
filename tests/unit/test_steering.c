// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The pure parts of steering: which gateway each label names
 * (cluster/steering.h), the charon { } lines for a label and the check of
 * charon's SAs against them (ike/charon_spi.h).  The expected lines and
 * ranges are written out by hand from docs/xdp.md, "Steering", and the
 * wire check in docs/design.md (strongSwan 5.9.8 puts spi_label's most
 * significant byte first on the wire).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/steering.h"
#include "ike/charon_spi.h"
#include "ike/vici_codec.h"

static const uint8_t mac_a[6] = { 0x02, 0xaa, 0, 0, 0, 1 };
static const uint8_t mac_b[6] = { 0x02, 0xbb, 0, 0, 0, 2 };

static struct steer_input input(const char *name, uint8_t label, uint32_t target)
{
	return (struct steer_input){ .name = name, .label = label, .target = target };
}

static void with_mac(struct steer_input *in, const uint8_t mac[6])
{
	in->has_mac = true;
	memcpy(in->mac, mac, 6);
}

static void test_states(void **state)
{
	struct ikelb_steer table[IKELB_STEER_LABELS];
	struct steer_input in[5] = { input("self", 1, 0), input("gw2", 2, 1), input("gw3", 3, 2),
				     input("gw4", 4, 3), input("plain", 0, 4) };
	struct steer_result out[5];

	(void)state;
	in[0].self = true;
	with_mac(&in[1], mac_a);
	in[2].dead = true;
	with_mac(&in[2], mac_b);
	steering_fill(in, 5, table, out);
	assert_int_equal(table[1].state, IKELB_STEER_LOCAL);
	assert_int_equal(table[1].target, 0);
	assert_int_equal(table[2].state, IKELB_STEER_TX);
	assert_memory_equal(table[2].mac, mac_a, 6);
	assert_int_equal(table[2].target, 1);
	assert_int_equal(table[3].state, IKELB_STEER_DEAD);
	assert_int_equal(table[4].state, IKELB_STEER_NO_MAC);
	/* the dead one's MAC is of no use: not in the table */
	assert_memory_equal(table[3].mac, "\0\0\0\0\0\0", 6);
	/* every other label names nobody, label 0 included */
	for (int l = 0; l < IKELB_STEER_LABELS; l++)
		if (l < 1 || l > 4)
			assert_int_equal(table[l].state, IKELB_STEER_NONE);
	assert_int_equal(out[0].state, IKELB_STEER_LOCAL);
	assert_string_equal(out[0].why, "");
	assert_string_equal(out[1].why, "");
	assert_string_equal(out[2].why, "dead: its SAs' packets are dropped");
	assert_string_equal(out[3].why, "MAC not known");
	assert_int_equal(out[4].state, IKELB_STEER_NONE);
	assert_string_equal(out[4].why, "no steer_label");
	assert_string_equal(steering_state_name(IKELB_STEER_TX), "mac");
	assert_string_equal(steering_state_name(IKELB_STEER_LOCAL), "local");
	assert_string_equal(steering_state_name(IKELB_STEER_DEAD), "dead");
	assert_string_equal(steering_state_name(IKELB_STEER_NO_MAC), "no_mac");
	assert_string_equal(steering_state_name(IKELB_STEER_NONE), "none");
}

/* Two live claimants: the label names neither; a live one wins over dead
 * ones; this node counts as live even if its member entry aged out. */
static void test_claims(void **state)
{
	struct ikelb_steer table[IKELB_STEER_LABELS];
	struct steer_input in[6] = { input("gw2", 7, 1), input("gw3", 7, 2), input("old", 8, 3),
				     input("new", 8, 4), input("older", 8, 5), input("self", 9, 6) };
	struct steer_result out[6];

	(void)state;
	with_mac(&in[0], mac_a);
	with_mac(&in[1], mac_b);
	in[2].dead = true;
	with_mac(&in[3], mac_b);
	in[4].dead = true;
	in[5].self = true;
	in[5].dead = true;
	steering_fill(in, 6, table, out);
	assert_int_equal(table[7].state, IKELB_STEER_NONE);
	assert_string_equal(out[0].why, "steer_label 7 also claimed by gw3");
	assert_string_equal(out[1].why, "steer_label 7 also claimed by gw2");
	assert_int_equal(table[8].state, IKELB_STEER_TX);
	assert_memory_equal(table[8].mac, mac_b, 6);
	assert_int_equal(table[8].target, 4);
	assert_string_equal(out[2].why, "steer_label 8 is new's");
	assert_string_equal(out[4].why, "steer_label 8 is new's");
	assert_int_equal(table[9].state, IKELB_STEER_LOCAL);
	/* only dead claimants: the first one's label is dead */
	in[3].dead = true;
	steering_fill(in, 6, table, out);
	assert_int_equal(table[8].state, IKELB_STEER_DEAD);
	assert_int_equal(table[8].target, 3);
	assert_string_equal(out[3].why, "steer_label 8 is old's");
}

/* The charon lines for a label, exactly. */
static void test_charon_lines(void **state)
{
	static const struct {
		uint8_t label;
		const char *want;
	} cases[] = {
		{ 1, "spi_mask = 0xff00000000000000\nspi_label = 0x0100000000000000\n"
		     "spi_min = 0x01000000\nspi_max = 0x01ffffff\n" },
		{ 42, "spi_mask = 0xff00000000000000\nspi_label = 0x2a00000000000000\n"
		      "spi_min = 0x2a000000\nspi_max = 0x2affffff\n" },
		{ 255, "spi_mask = 0xff00000000000000\nspi_label = 0xff00000000000000\n"
		       "spi_min = 0xff000000\nspi_max = 0xffffffff\n" },
	};
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fmemopen(buf, sizeof(buf), "w");

		assert_non_null(f);
		charon_spi_lines(cases[i].label, f);
		fclose(f);
		assert_string_equal(buf, cases[i].want);
	}
}

/* A list-sa event as charon 5.9.8 sends it: one IKE SA named conn, local
 * side initiator or not, and CHILD SAs with these inbound SPIs. */
static struct vic_node *list_sa(const char *conn, bool initiator, const char *spi_i,
				const char *spi_r, const char *const *child_in, int n_child)
{
	struct vic_builder b;
	struct vic_node *t;
	char name[32];

	vic_builder_init(&b);
	vic_begin_section(&b, conn);
	vic_add_kv(&b, "uniqueid", "3");
	vic_add_kv(&b, "state", "ESTABLISHED");
	if (initiator)
		vic_add_kv(&b, "initiator", "yes");
	vic_add_kv(&b, "initiator-spi", spi_i);
	vic_add_kv(&b, "responder-spi", spi_r);
	vic_begin_section(&b, "child-sas");
	for (int i = 0; i < n_child; i++) {
		snprintf(name, sizeof(name), "c-%d", i + 1);
		vic_begin_section(&b, name);
		vic_add_kv(&b, "spi-in", child_in[i]);
		vic_add_kv(&b, "spi-out", "c1234567");
		vic_end_section(&b);
	}
	vic_end_section(&b);
	vic_end_section(&b);
	assert_int_equal(vic_builder_done(&b), 0);
	t = vic_tree_parse(b.buf, b.len);
	assert_non_null(t);
	vic_builder_free(&b);
	return t;
}

static void test_charon_check(void **state)
{
	static const char *const good[] = { "2a000001", "2affffff" };
	static const char *const bad[] = { "2a4f1152", "c91b0fa1" };
	struct charon_spi_check c = { 0 };
	struct vic_node *t;

	(void)state;
	/* responder: its own SPI is SPIr, labelled */
	t = list_sa("gw", false, "229d6dabab5adbe6", "2a906fdd6ac4ff8b", good, 2);
	charon_spi_check_sa(t, 42, &c);
	vic_tree_free(t);
	assert_int_equal(c.ike_sas, 1);
	assert_int_equal(c.ike_wrong, 0);
	assert_int_equal(c.child_sas, 2);
	assert_int_equal(c.child_wrong, 0);
	/* initiator (it rekeyed the SA): its own SPI is SPIi */
	t = list_sa("gw", true, "2a01020304050607", "9999999999999999", NULL, 0);
	charon_spi_check_sa(t, 42, &c);
	vic_tree_free(t);
	assert_int_equal(c.ike_wrong, 0);
	/* a charon without the settings: the other side's SPI does not count */
	t = list_sa("other", false, "2a9d6dabab5adbe6", "c0906fdd6ac4ff8b", bad, 2);
	charon_spi_check_sa(t, 42, &c);
	vic_tree_free(t);
	assert_int_equal(c.ike_sas, 3);
	assert_int_equal(c.ike_wrong, 1);
	assert_string_equal(c.first_ike, "c0906fdd6ac4ff8b of other");
	assert_int_equal(c.child_sas, 4);
	assert_int_equal(c.child_wrong, 1);
	assert_string_equal(c.first_child, "c91b0fa1 of c-2");
	/* a broken SPI is a wrong one, never a crash */
	t = list_sa("x", false, "0", "2a", NULL, 0);
	charon_spi_check_sa(t, 42, &c);
	vic_tree_free(t);
	assert_int_equal(c.ike_wrong, 2);
	charon_spi_check_sa(NULL, 42, &c);
	assert_int_equal(c.ike_sas, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_charon_lines),
		cmocka_unit_test(test_charon_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
