// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The migration message codec (cluster/migration_codec.h).  The
 * known-answer messages were written byte by byte from the layout in
 * docs/report-protocol.md, and their MACs computed independently with
 *   xxd -r -p <<<"$MSG" | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f
 * Then: round trips, every field rule, every truncation and bit flip, the
 * size limit (a grant holds what fits), and the verdicts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cluster/migration_codec.h"

static const char KEY_HEX[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/* request: cluster "lab", node "gw1", epoch 0x0123456789abcdef, seq 7,
 * drain, 5 IPv4 targets, 0 IPv6: 67 bytes */
static const char REQ_HEX[] =
	"494b4c4d" "01" "01" "0043" "0123456789abcdef" "0000000000000007"
	"03" "6c6162" "03" "677731" "01" "05" "00"
	"e7e7b4234c94f983ed8cdc338b2ae430601c3055c6d2e1341b27e35b44112f2b";

/* grant: from "gw2" (epoch 0x1111111111111111) to "gw1" (its epoch), for
 * request 7, granted: 2 IPv4 clients to gw3 at 198.18.0.13, 1 IPv6 client
 * to gw2 at 2001:db8::12: 114 bytes */
static const char GRANT_HEX[] =
	"494b4c4d" "01" "02" "0072" "1111111111111111" "0000000000000007"
	"03" "6c6162" "03" "677732" "03" "677731" "0123456789abcdef" "00" "02"
	"00" "02" "03" "677733" "01" "04" "c612000d"
	"01" "01" "03" "677732" "02" "10" "20010db8000000000000000000000012"
	"694775b12680662dc88af2baafb8edebf08bc410bf92a5cb93bfe653bc5b3b6a";

static struct migration_msg m, d; /* large: not on the stack */

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

static struct cluster_key key(void)
{
	struct cluster_key k = { 0 };

	k.len = unhex(KEY_HEX, k.bytes);
	return k;
}

static void request(struct migration_msg *q)
{
	memset(q, 0, sizeof(*q));
	q->kind = MIGRATION_REQUEST;
	strcpy(q->cluster, "lab");
	strcpy(q->node_id, "gw1");
	q->epoch = 0x0123456789abcdefull;
	q->seq = 7;
	q->purpose = MIGRATION_DRAIN;
	q->wanted[0] = 5;
}

static void entry(struct migration_entry *e, uint8_t fam, uint8_t count, const char *name,
		  const char *gw)
{
	memset(e, 0, sizeof(*e));
	e->fam = fam;
	e->count = count;
	strcpy(e->name, name);
	assert_int_equal(cfg_parse_gw_addr(gw, &e->id), 0);
}

static void grant(struct migration_msg *g)
{
	memset(g, 0, sizeof(*g));
	g->kind = MIGRATION_GRANT;
	strcpy(g->cluster, "lab");
	strcpy(g->node_id, "gw2");
	g->epoch = 0x1111111111111111ull;
	g->seq = 7;
	strcpy(g->requester, "gw1");
	g->requester_epoch = 0x0123456789abcdefull;
	g->answer = MIGRATION_GRANTED;
	g->n = 2;
	entry(&g->e[0], 0, 2, "gw3", "198.18.0.13");
	entry(&g->e[1], 1, 1, "gw2", "2001:db8::12");
}

static void encodes_to(const struct migration_msg *msg, const char *hex)
{
	uint8_t want[MIGRATION_MAX], got[MIGRATION_MAX];
	struct cluster_key k = key();
	size_t n = unhex(hex, want);

	assert_int_equal(migration_encode(msg, &k, got, sizeof(got)), (int)n);
	assert_memory_equal(got, want, n);
	assert_int_equal(migration_decode(want, n, "lab", &k, &d), MIGRATION_OK);
}

static void test_known_answers(void **state)
{
	(void)state;
	request(&m);
	encodes_to(&m, REQ_HEX);
	assert_int_equal(d.kind, MIGRATION_REQUEST);
	assert_string_equal(d.node_id, "gw1");
	assert_int_equal(d.epoch, 0x0123456789abcdefull);
	assert_int_equal(d.seq, 7);
	assert_int_equal(d.purpose, MIGRATION_DRAIN);
	assert_int_equal(d.wanted[0], 5);
	assert_int_equal(d.wanted[1], 0);
	grant(&m);
	encodes_to(&m, GRANT_HEX);
	assert_int_equal(d.kind, MIGRATION_GRANT);
	assert_string_equal(d.requester, "gw1");
	assert_int_equal(d.requester_epoch, 0x0123456789abcdefull);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.e[0].name, "gw3");
	assert_int_equal(d.e[0].count, 2);
	assert_int_equal(d.e[1].fam, 1);
	assert_int_equal(d.e[1].id.type, IKE_GW_ID_IPV6);
	assert_memory_equal(&d.e[1].id, &m.e[1].id, sizeof(d.e[1].id));
}

/* An FQDN target, a refusal, the rebalance purpose and IPv6 only. */
static void test_round_trips(void **state)
{
	uint8_t buf[MIGRATION_MAX];
	struct cluster_key k = key();
	int n;

	(void)state;
	grant(&m);
	entry(&m.e[0], 0, 64, "static-target_9", "gw9.example.com");
	n = migration_encode(&m, &k, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(migration_decode(buf, (size_t)n, "lab", &k, &d), MIGRATION_OK);
	assert_string_equal((const char *)d.e[0].id.data, "gw9.example.com");
	grant(&m);
	m.n = 0;
	m.answer = MIGRATION_NO_REBALANCE;
	n = migration_encode(&m, &k, buf, sizeof(buf));
	assert_int_equal(migration_decode(buf, (size_t)n, "lab", &k, &d), MIGRATION_OK);
	assert_int_equal(d.answer, MIGRATION_NO_REBALANCE);
	request(&m);
	m.purpose = MIGRATION_REBALANCE;
	m.wanted[0] = 0;
	m.wanted[1] = 64;
	n = migration_encode(&m, &k, buf, sizeof(buf));
	assert_int_equal(migration_decode(buf, (size_t)n, "lab", &k, &d), MIGRATION_OK);
	assert_int_equal(d.wanted[1], 64);
	assert_string_equal(migration_purpose_str(d.purpose), "rebalance");
	assert_string_equal(migration_answer_str(MIGRATION_NO_TARGET), "no target");
}

/* Every rule the decoder enforces, the encoder refuses too. */
static void test_field_rules(void **state)
{
	uint8_t buf[MIGRATION_MAX];
	struct cluster_key k = key(), none = { 0 };

	(void)state;
#define REFUSED(setup, change)                                                       \
	do {                                                                         \
		setup(&m);                                                           \
		change;                                                              \
		assert_int_equal(migration_check(&m), -1);                           \
		assert_int_equal(migration_encode(&m, &k, buf, sizeof(buf)), -1);    \
	} while (0)
	REFUSED(request, m.epoch = 0);
	REFUSED(request, m.seq = 0);
	REFUSED(request, strcpy(m.cluster, "la b"));
	REFUSED(request, m.cluster[0] = 0);
	REFUSED(request, strcpy(m.node_id, "gw 1"));
	REFUSED(request, m.purpose = 3);
	REFUSED(request, m.wanted[0] = 0);
	REFUSED(request, m.wanted[1] = 65);
	REFUSED(request, m.kind = 3);
	REFUSED(grant, m.requester[0] = 0);
	REFUSED(grant, m.requester_epoch = 0);
	REFUSED(grant, m.answer = 4);
	REFUSED(grant, m.answer = MIGRATION_NO_TARGET); /* entries with a refusal */
	REFUSED(grant, m.e[0].fam = 2);
	REFUSED(grant, m.e[0].count = 0);
	REFUSED(grant, m.e[0].count = 65);
	REFUSED(grant, m.e[1].fam = 0; m.e[0].count = 60; m.e[1].count = 5); /* 65 of IPv4 */
	REFUSED(grant, m.e[0].name[0] = 0);
	REFUSED(grant, strcpy(m.e[0].name, "g\tw"));
	REFUSED(grant, m.e[0].id.data[0] = 127); /* loopback */
	REFUSED(grant, m.e[0].id.type = 0);
	REFUSED(grant, m.n = MIGRATION_ENTRIES_MAX + 1);
#undef REFUSED
	request(&m);
	assert_int_equal(migration_encode(&m, &none, buf, sizeof(buf)), -1);
	assert_int_equal(migration_encode(&m, &k, buf, 66), -1);
}

/* Truncated, extended or damaged anywhere: never OK. */
static void test_damage(void **state)
{
	uint8_t buf[MIGRATION_MAX + 8];
	struct cluster_key k = key(), other = key();
	size_t n = unhex(GRANT_HEX, buf);

	(void)state;
	for (size_t len = 0; len < n; len++)
		assert_int_not_equal(migration_decode(buf, len, "lab", &k, &d), MIGRATION_OK);
	buf[n] = 0;
	assert_int_equal(migration_decode(buf, n + 1, "lab", &k, &d), MIGRATION_ERR_MALFORMED);
	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1 << bit);
			assert_int_not_equal(migration_decode(buf, n, "lab", &k, &d), MIGRATION_OK);
			buf[i] ^= (uint8_t)(1 << bit);
		}
	}
	assert_int_equal(migration_decode(buf, n, "lab", &k, &d), MIGRATION_OK);
	assert_int_equal(migration_decode(buf, n, "other", &k, &d), MIGRATION_ERR_OTHER_CLUSTER);
	other.bytes[0] ^= 1;
	assert_int_equal(migration_decode(buf, n, "lab", &other, &d), MIGRATION_ERR_BAD_MAC);
	other.len = 0;
	assert_int_equal(migration_decode(buf, n, "lab", &other, &d), MIGRATION_ERR_KEY);
	assert_int_equal(migration_decode(buf, MIGRATION_MAX + 1, "lab", &k, &d),
			 MIGRATION_ERR_OVERSIZED);
	buf[4] = 2;
	assert_int_equal(migration_decode(buf, n, "lab", &k, &d), MIGRATION_ERR_BAD_VERSION);
	memcpy(buf, "IKLS", 4);
	assert_int_equal(migration_decode(buf, n, "lab", &k, &d), MIGRATION_ERR_BAD_MAGIC);
	assert_false(migration_is_ours(buf, n));
	assert_false(migration_is_ours((const uint8_t *)"IKL", 3));
	assert_true(migration_is_ours((const uint8_t *)"IKLM", 4));
	assert_string_equal(migration_err_str(MIGRATION_ERR_BAD_MAC), "bad_mac");
}

/* The largest grant: 64 entries of the longest names and host names do
 * not fit into MIGRATION_MAX, so the encoder refuses; those of short IPv4
 * identities do. */
static void test_size_limit(void **state)
{
	uint8_t buf[MIGRATION_MAX];
	struct cluster_key k = key();
	char name[64], fqdn[256];
	int n;

	(void)state;
	grant(&m);
	m.n = MIGRATION_ENTRIES_MAX;
	for (unsigned i = 0; i < m.n; i++)
		entry(&m.e[i], (uint8_t)(i & 1), 1, "g", "198.18.0.13");
	n = migration_encode(&m, &k, buf, sizeof(buf));
	assert_true(n > 0 && n <= MIGRATION_MAX);
	assert_int_equal(migration_decode(buf, (size_t)n, "lab", &k, &d), MIGRATION_OK);
	assert_int_equal(d.n, MIGRATION_ENTRIES_MAX);
	memset(name, 'n', 63);
	name[63] = 0;
	for (int i = 0; i < 255; i++)
		fqdn[i] = i % 64 == 63 ? '.' : 'a';
	fqdn[255] = 0;
	for (unsigned i = 0; i < m.n; i++)
		entry(&m.e[i], (uint8_t)(i & 1), 1, name, fqdn);
	assert_int_equal(migration_check(&m), 0);
	assert_int_equal(migration_encode(&m, &k, buf, sizeof(buf)), -1);
	m.n = 2;
	assert_true(migration_encode(&m, &k, buf, sizeof(buf)) > 0);
	m.n = 3;
	assert_int_equal(migration_encode(&m, &k, buf, sizeof(buf)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_field_rules),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_size_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
