// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Auth mode's reading of charon's vici messages (user/authmode_events.c):
 * SPI parsing, IKE SA sections as list_ike() writes them, ike-updown and
 * ike-rekey events, the log lines that tell redirect support (copied from
 * strongSwan 5.9.8's log in tests/netns/test_authmode.sh runs), the per-SA
 * table and the decision rules.  The messages are built with the vici
 * builder and parsed back, as the daemon receives them.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ike/authmode_events.h"

/* ---- building messages ---------------------------------------------------- */

static struct vic_node *parse(struct vic_builder *b)
{
	struct vic_node *n;

	assert_int_equal(vic_builder_done(b), 0);
	n = vic_tree_parse(b->buf, b->len);
	assert_non_null(n);
	vic_builder_free(b);
	return n;
}

/* The fields list_ike() writes for an SA (those we read, and some others). */
static void add_ike(struct vic_builder *b, const char *id, const char *local, const char *spi)
{
	if (id)
		vic_add_kv(b, "uniqueid", id);
	vic_add_kv(b, "version", "2");
	vic_add_kv(b, "state", "ESTABLISHED");
	if (local)
		vic_add_kv(b, "local-host", local);
	vic_add_kv(b, "local-port", "4500");
	vic_add_kv(b, "local-id", "vpn.ikelb.test");
	vic_add_kv(b, "remote-host", "198.18.0.2");
	vic_add_kv(b, "remote-port", "4500");
	vic_add_kv(b, "remote-id", "c1.ikelb.test");
	if (spi)
		vic_add_kv(b, "initiator-spi", spi);
	vic_add_kv(b, "responder-spi", "4ff0e740a57c337f");
	vic_begin_list(b, "tasks-passive");
	vic_add_item(b, "IKE_ESTABLISH");
	vic_end_list(b);
}

/* A message with one section NAME holding an SA; up adds "up = yes". */
static struct vic_node *sa_msg(bool up, const char *name, const char *id, const char *local,
				const char *spi)
{
	struct vic_builder b;

	vic_builder_init(&b);
	if (up)
		vic_add_kv(&b, "up", "yes");
	vic_begin_section(&b, name);
	add_ike(&b, id, local, spi);
	vic_end_section(&b);
	return parse(&b);
}

static struct vic_node *log_msg(const char *id, const char *text)
{
	struct vic_builder b;

	vic_builder_init(&b);
	vic_add_kv(&b, "group", "ENC");
	vic_add_kv(&b, "level", "1");
	vic_add_kv(&b, "thread", "13");
	vic_add_kv(&b, "ikesa-name", "(unnamed)");
	if (id)
		vic_add_kv(&b, "ikesa-uniqueid", id);
	vic_add_kv(&b, "msg", text);
	return parse(&b);
}

/* ---- SPI ------------------------------------------------------------------- */

static void test_spi(void **state)
{
	static const uint8_t wire[8] = { 0x02, 0xfd, 0xe0, 0x05, 0x70, 0x8b, 0xdb, 0x78 };
	uint64_t want, raw = 0;

	(void)state;
	memcpy(&want, wire, 8); /* how the host loads these bytes from a packet */
	assert_int_equal(authev_spi("02fde005708bdb78", &raw), 0);
	assert_true(raw == want);
	assert_int_equal(authev_spi("02FDE005708BDB78", &raw), 0);
	assert_true(raw == want);
	assert_int_equal(authev_spi("02fde005708bdb7", &raw), -1);
	assert_int_equal(authev_spi("02fde005708bdb780", &raw), -1);
	assert_int_equal(authev_spi("02fde005708bdbg8", &raw), -1);
	assert_int_equal(authev_spi(" 2fde005708bdb78", &raw), -1);
	assert_int_equal(authev_spi("", &raw), -1);
	assert_int_equal(authev_spi(NULL, &raw), -1);
}

/* ---- SA sections and events -------------------------------------------------- */

static void test_sa_fields(void **state)
{
	struct vic_node *m = sa_msg(false, "vip", "7", "198.18.0.1", "0102030405060708");
	static const uint8_t wire[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct in_addr vip;
	struct auth_sa sa;
	uint64_t spi;

	(void)state;
	memcpy(&spi, wire, 8);
	inet_pton(AF_INET, "198.18.0.1", &vip);
	assert_int_equal(authev_sa(vic_child(m, "vip"), &sa), 0);
	assert_int_equal(sa.id, 7);
	assert_string_equal(sa.conn, "vip");
	assert_true(sa.established);
	assert_false(sa.initiator);
	assert_int_equal(sa.version, 2);
	assert_int_equal(sa.local.family, AF_INET);
	assert_int_equal(sa.local.v4.s_addr, vip.s_addr);
	assert_true(sa.has_spi);
	assert_true(sa.spi_raw == spi);
	assert_string_equal(sa.remote, "198.18.0.2");
	assert_string_equal(sa.remote_id, "c1.ikelb.test");
	vic_tree_free(m);
}

static void test_sa_ipv6_and_initiator(void **state)
{
	struct vic_builder b;
	struct vic_node *m;
	struct in6_addr vip;
	struct auth_sa sa;

	(void)state;
	vic_builder_init(&b);
	vic_begin_section(&b, "vip");
	add_ike(&b, "4294967295", "2001:db8::1", "0000000000000001");
	vic_add_kv(&b, "initiator", "yes");
	vic_end_section(&b);
	m = parse(&b);
	inet_pton(AF_INET6, "2001:db8::1", &vip);
	assert_int_equal(authev_sa(vic_child(m, "vip"), &sa), 0);
	assert_int_equal(sa.id, 4294967295u);
	assert_true(sa.initiator);
	assert_int_equal(sa.local.family, AF_INET6);
	assert_memory_equal(&sa.local.v6, &vip, 16);
	vic_tree_free(m);
}

static void test_sa_bad(void **state)
{
	static const char long_name[] =
		"a123456789b123456789c123456789d123456789e123456789f123456789g1234"; /* 65 */
	struct vic_node *m;
	struct auth_sa sa;

	(void)state;
	m = sa_msg(false, "vip", NULL, "198.18.0.1", "0102030405060708");
	assert_int_equal(authev_sa(vic_child(m, "vip"), &sa), -1); /* no uniqueid */
	vic_tree_free(m);
	m = sa_msg(false, "vip", "0", "198.18.0.1", "0102030405060708");
	assert_int_equal(authev_sa(vic_child(m, "vip"), &sa), -1);
	vic_tree_free(m);
	m = sa_msg(false, "vip", "4294967296", "198.18.0.1", "0102030405060708");
	assert_int_equal(authev_sa(vic_child(m, "vip"), &sa), -1);
	vic_tree_free(m);
	m = sa_msg(false, "vip", "-1", "198.18.0.1", "0102030405060708");
	assert_int_equal(authev_sa(vic_child(m, "vip"), &sa), -1);
	vic_tree_free(m);
	/* usable, but without an address or an SPI we can read */
	m = sa_msg(false, "vip", "3", "%any", "xyz");
	assert_int_equal(authev_sa(vic_child(m, "vip"), &sa), 0);
	assert_int_equal(sa.local.family, 0);
	assert_false(sa.has_spi);
	vic_tree_free(m);
	/* a connection name too long to be auth_connection is kept as "" */
	assert_int_equal(strlen(long_name), AUTHEV_CONN_MAX + 1);
	m = sa_msg(false, long_name, "3", "198.18.0.1", "0102030405060708");
	assert_int_equal(authev_sa(vic_child(m, long_name), &sa), 0);
	assert_string_equal(sa.conn, "");
	vic_tree_free(m);
	assert_int_equal(authev_sa(NULL, &sa), -1);
}

static void test_updown(void **state)
{
	struct vic_node *m;
	struct auth_sa sa;
	bool up = false;

	(void)state;
	m = sa_msg(true, "vip", "12", "198.18.0.1", "0102030405060708");
	assert_int_equal(authev_updown(m, &up, &sa), 0);
	assert_true(up);
	assert_int_equal(sa.id, 12);
	assert_string_equal(sa.conn, "vip");
	vic_tree_free(m);
	m = sa_msg(false, "own", "13", "198.18.0.3", "0102030405060708");
	assert_int_equal(authev_updown(m, &up, &sa), 0);
	assert_false(up);
	assert_string_equal(sa.conn, "own");
	vic_tree_free(m);
}

static void test_updown_without_sa(void **state)
{
	struct vic_builder b;
	struct vic_node *m;
	struct auth_sa sa;
	bool up;

	(void)state;
	vic_builder_init(&b);
	vic_add_kv(&b, "up", "yes");
	m = parse(&b);
	assert_int_equal(authev_updown(m, &up, &sa), -1);
	vic_tree_free(m);
}

static void test_rekey(void **state)
{
	struct auth_sa o, n;
	struct vic_builder b;
	struct vic_node *m;

	(void)state;
	vic_builder_init(&b);
	vic_begin_section(&b, "vip");
	vic_begin_section(&b, "old");
	add_ike(&b, "5", "198.18.0.1", "0102030405060708");
	vic_end_section(&b);
	vic_begin_section(&b, "new");
	add_ike(&b, "9", "198.18.0.1", "1112131415161718");
	vic_end_section(&b);
	vic_end_section(&b);
	m = parse(&b);
	assert_int_equal(authev_rekey(m, &o, &n), 0);
	assert_int_equal(o.id, 5);
	assert_int_equal(n.id, 9);
	assert_string_equal(o.conn, "vip");
	assert_string_equal(n.conn, "vip");
	assert_true(o.spi_raw != n.spi_raw);
	vic_tree_free(m);
	/* without "new" */
	m = sa_msg(false, "vip", "5", "198.18.0.1", "0102030405060708");
	assert_int_equal(authev_rekey(m, &o, &n), -1);
	vic_tree_free(m);
}

/* ---- log lines ------------------------------------------------------------------ */

/* kind of the log line text for SA 21 (and the id it reports) */
static enum authev_log kind_of(const char *text, uint32_t *id)
{
	struct vic_node *m = log_msg("21", text);
	enum authev_log k = authev_log(m, id);

	vic_tree_free(m);
	return k;
}

static void test_log_init(void **state)
{
	uint32_t id;

	(void)state;
	assert_int_equal(kind_of("parsed IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) "
				 "N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) N(REDIR_SUP) ]",
				 &id),
			 AUTHEV_LOG_INIT_SUPPORTED);
	assert_int_equal(id, 21);
	assert_int_equal(kind_of("parsed IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) "
				 "N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG) ]",
				 &id),
			 AUTHEV_LOG_INIT_UNSUPPORTED);
	assert_int_equal(id, 21);
	/* a client redirected here announces support with REDIRECTED_FROM */
	assert_int_equal(kind_of("parsed IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP) "
				 "N(NATD_D_IP) N(REDIR_FROM) ]",
				 &id),
			 AUTHEV_LOG_INIT_SUPPORTED);
	/* the payload names must match whole */
	assert_int_equal(kind_of("parsed IKE_SA_INIT request 0 [ SA KE No N(REDIR_SUPP) ]", &id),
			 AUTHEV_LOG_INIT_UNSUPPORTED);
	assert_int_equal(kind_of("parsed IKE_SA_INIT request 0 [ SA KE No ]", &id),
			 AUTHEV_LOG_INIT_UNSUPPORTED);
	/* REDIRECT in a response, or our own requests, say nothing about a client */
	assert_int_equal(kind_of("parsed IKE_SA_INIT response 0 [ SA KE No N(REDIR_SUP) ]", &id),
			 AUTHEV_LOG_OTHER);
	assert_int_equal(id, 0);
	assert_int_equal(kind_of("generating IKE_SA_INIT request 0 [ SA KE No N(REDIR_SUP) ]",
				 &id),
			 AUTHEV_LOG_OTHER);
	assert_int_equal(kind_of("parsed IKE_AUTH request 1 [ IDi AUTH N(MOBIKE_SUP) ]", &id),
			 AUTHEV_LOG_OTHER);
	/* no payload list at all */
	assert_int_equal(kind_of("parsed IKE_SA_INIT request 0", &id), AUTHEV_LOG_OTHER);
	/* a list cut short tells nothing either way */
	assert_int_equal(kind_of("parsed IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP)", &id),
			 AUTHEV_LOG_OTHER);
}

static void test_log_refused(void **state)
{
	struct vic_node *m;
	uint32_t id;

	(void)state;
	assert_int_equal(kind_of("client does not support IKE redirection", &id),
			 AUTHEV_LOG_REFUSED);
	assert_int_equal(id, 21);
	assert_int_equal(kind_of("redirecting peer to 198.18.0.3", &id), AUTHEV_LOG_OTHER);
	/* without the SA's id the line is of no use */
	m = log_msg(NULL, "client does not support IKE redirection");
	assert_int_equal(authev_log(m, &id), AUTHEV_LOG_OTHER);
	vic_tree_free(m);
	m = log_msg("0", "client does not support IKE redirection");
	assert_int_equal(authev_log(m, &id), AUTHEV_LOG_OTHER);
	vic_tree_free(m);
}

/* ---- table ---------------------------------------------------------------------- */

static struct authev_table tab;

static void test_table(void **state)
{
	struct auth_sa sa = { .id = 5, .spi_raw = 0x1111 };
	struct authev_entry *e;

	(void)state;
	authev_table_clear(&tab);
	assert_null(authev_find(&tab, 5));
	assert_null(authev_get(&tab, 0));
	assert_null(authev_fresh(&tab, 0));
	e = authev_get(&tab, 5);
	assert_non_null(e);
	assert_int_equal(e->support, AUTH_SUPPORT_UNKNOWN);
	assert_int_equal(e->fate, AUTH_FATE_NONE);
	e->support = AUTH_SUPPORT_YES;
	assert_ptr_equal(authev_find(&tab, 5), e);
	assert_ptr_equal(authev_get(&tab, 5), e);
	assert_int_equal(authev_get(&tab, 5)->support, AUTH_SUPPORT_YES);
	assert_false(authev_handled(&tab, &sa));
	e->fate = AUTH_FATE_REDIRECTED;
	e->spi_raw = 0x1111;
	assert_true(authev_handled(&tab, &sa));
	/* another SA under the same id (a restarted charon): not handled */
	sa.spi_raw = 0x2222;
	assert_false(authev_handled(&tab, &sa));
	assert_int_equal(authev_count(&tab, AUTH_FATE_REDIRECTED), 1);
	assert_int_equal(authev_count(&tab, AUTH_FATE_KEPT), 0);
	/* an id AUTHEV_TABLE_SIZE later takes the entry over */
	assert_null(authev_find(&tab, 5 + AUTHEV_TABLE_SIZE));
	e = authev_get(&tab, 5 + AUTHEV_TABLE_SIZE);
	assert_int_equal(e->fate, AUTH_FATE_NONE);
	assert_null(authev_find(&tab, 5));
	assert_int_equal(authev_count(&tab, AUTH_FATE_REDIRECTED), 0);
	/* a new SA's IKE_SA_INIT starts afresh */
	e->fate = AUTH_FATE_KEPT;
	e->support = AUTH_SUPPORT_NO;
	e = authev_fresh(&tab, 5 + AUTHEV_TABLE_SIZE);
	assert_int_equal(e->fate, AUTH_FATE_NONE);
	assert_int_equal(e->support, AUTH_SUPPORT_UNKNOWN);
	authev_forget(&tab, 5 + AUTHEV_TABLE_SIZE);
	assert_null(authev_find(&tab, 5 + AUTHEV_TABLE_SIZE));
	authev_forget(&tab, 77); /* not there: nothing happens */
	/* ids at both ends of the range */
	assert_non_null(authev_get(&tab, UINT32_MAX));
	assert_non_null(authev_find(&tab, UINT32_MAX));
	assert_non_null(authev_get(&tab, 1));
	assert_non_null(authev_find(&tab, 1));
	assert_non_null(authev_find(&tab, UINT32_MAX));
}

/* ---- scope and decision ------------------------------------------------------------ */

static void vips_init(struct ip_addr vips[IKELB_FAMILIES])
{
	memset(vips, 0, IKELB_FAMILIES * sizeof(*vips));
	vips[IKELB_FAM_V4].family = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", &vips[IKELB_FAM_V4].v4);
	vips[IKELB_FAM_V6].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &vips[IKELB_FAM_V6].v6);
}

static struct auth_sa client_at(const char *local)
{
	struct auth_sa sa = { .id = 1, .established = true, .version = 2 };

	strcpy(sa.conn, "vip");
	sa.local.family = strchr(local, ':') ? AF_INET6 : AF_INET;
	inet_pton(sa.local.family, local, &sa.local.v6);
	return sa;
}

static void test_scope(void **state)
{
	struct ip_addr vips[IKELB_FAMILIES];
	struct auth_sa sa;
	int fam;

	(void)state;
	vips_init(vips);
	sa = client_at("198.18.0.1");
	assert_int_equal(authev_scope(&sa, vips, "", &fam), AUTH_SCOPE_OURS);
	assert_int_equal(fam, IKELB_FAM_V4);
	assert_int_equal(authev_scope(&sa, vips, NULL, &fam), AUTH_SCOPE_OURS);
	assert_int_equal(authev_scope(&sa, vips, "vip", &fam), AUTH_SCOPE_OURS);
	assert_int_equal(authev_scope(&sa, vips, "other", &fam), AUTH_SCOPE_OTHER_CONN);
	sa = client_at("2001:db8::1");
	assert_int_equal(authev_scope(&sa, vips, "vip", &fam), AUTH_SCOPE_OURS);
	assert_int_equal(fam, IKELB_FAM_V6);
	/* the gateway's own address, a neighbour of the VIP, the VIP's other family */
	sa = client_at("198.18.0.3");
	assert_int_equal(authev_scope(&sa, vips, "", &fam), AUTH_SCOPE_NOT_VIP);
	assert_int_equal(fam, -1);
	sa = client_at("2001:db8::2");
	assert_int_equal(authev_scope(&sa, vips, "", &fam), AUTH_SCOPE_NOT_VIP);
	sa = client_at("198.18.0.1");
	sa.local.family = 0;
	assert_int_equal(authev_scope(&sa, vips, "", &fam), AUTH_SCOPE_NOT_VIP);
	/* an IPv6 VIP that is not configured matches nothing */
	vips[IKELB_FAM_V6].family = 0;
	sa = client_at("2001:db8::1");
	assert_int_equal(authev_scope(&sa, vips, "", &fam), AUTH_SCOPE_NOT_VIP);
	sa = client_at("198.18.0.1");
	sa.initiator = true;
	assert_int_equal(authev_scope(&sa, vips, "", &fam), AUTH_SCOPE_NOT_CLIENT);
	sa = client_at("198.18.0.1");
	sa.established = false;
	assert_int_equal(authev_scope(&sa, vips, "", &fam), AUTH_SCOPE_NOT_ESTABLISHED);
}

static void test_decide(void **state)
{
	static const struct {
		enum authev_support s;
		bool target;
		enum ikelb_action unsupported, no_target;
		enum authev_action act;
		enum authev_why why;
	} cases[] = {
		{ AUTH_SUPPORT_YES, true, IKELB_ACT_PASS, IKELB_ACT_PASS, AUTH_ACT_REDIRECT,
		  AUTH_WHY_TARGET },
		{ AUTH_SUPPORT_YES, true, IKELB_ACT_DROP, IKELB_ACT_DROP, AUTH_ACT_REDIRECT,
		  AUTH_WHY_TARGET },
		{ AUTH_SUPPORT_UNKNOWN, true, IKELB_ACT_DROP, IKELB_ACT_DROP, AUTH_ACT_REDIRECT,
		  AUTH_WHY_TARGET },
		{ AUTH_SUPPORT_NO, true, IKELB_ACT_PASS, IKELB_ACT_DROP, AUTH_ACT_KEEP,
		  AUTH_WHY_UNSUPPORTED },
		{ AUTH_SUPPORT_NO, true, IKELB_ACT_DROP, IKELB_ACT_PASS, AUTH_ACT_CLOSE,
		  AUTH_WHY_UNSUPPORTED },
		/* no support wins over no target, as in the XDP program */
		{ AUTH_SUPPORT_NO, false, IKELB_ACT_PASS, IKELB_ACT_DROP, AUTH_ACT_KEEP,
		  AUTH_WHY_UNSUPPORTED },
		{ AUTH_SUPPORT_YES, false, IKELB_ACT_DROP, IKELB_ACT_PASS, AUTH_ACT_KEEP,
		  AUTH_WHY_NO_TARGET },
		{ AUTH_SUPPORT_YES, false, IKELB_ACT_PASS, IKELB_ACT_DROP, AUTH_ACT_CLOSE,
		  AUTH_WHY_NO_TARGET },
		{ AUTH_SUPPORT_UNKNOWN, false, IKELB_ACT_PASS, IKELB_ACT_DROP, AUTH_ACT_CLOSE,
		  AUTH_WHY_NO_TARGET },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct authev_decision d = authev_decide(cases[i].s, cases[i].target,
							 cases[i].unsupported, cases[i].no_target);

		assert_int_equal(d.act, cases[i].act);
		assert_int_equal(d.why, cases[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spi),
		cmocka_unit_test(test_sa_fields),
		cmocka_unit_test(test_sa_ipv6_and_initiator),
		cmocka_unit_test(test_sa_bad),
		cmocka_unit_test(test_updown),
		cmocka_unit_test(test_updown_without_sa),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_log_init),
		cmocka_unit_test(test_log_refused),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
