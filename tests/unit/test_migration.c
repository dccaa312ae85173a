// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Migration requests and grants (cluster/migration.h) between a gateway and
 * the master, on a fake clock, the "network" being the test handing each
 * sent message to the other side: a request answered with the master's
 * targets; a recorded request answered once, a recorded grant taken once;
 * a request of no live member refused; no master: the request times out;
 * the master asking itself (answered from the loop, never from inside the
 * call); damaged, foreign and forged messages counted, never believed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "base/loop.h"
#include "cluster/migration.h"

struct node {
	struct migration *m;
	bool master;
	uint64_t member_epoch; /* what the member table says of the other node */
	uint8_t sent[MIGRATION_MAX];
	size_t sent_len;
	unsigned sends;
	/* the last answer */
	unsigned answers;
	int err;
	enum migration_answer answer;
	struct migration_entry e[MIGRATION_ENTRIES_MAX];
	unsigned n;
	/* what the grant hook was asked */
	unsigned grants;
	char from[64];
	enum migration_purpose purpose;
	uint8_t wanted[2];
};

static struct loop *l;
static struct cluster_key key;
static struct node gw1, gw2;

static void on_send(void *ctx, const uint8_t *msg, size_t len)
{
	struct node *n = ctx;

	memcpy(n->sent, msg, len);
	n->sent_len = len;
	n->sends++;
}

static bool is_master(void *ctx)
{
	return ((struct node *)ctx)->master;
}

static bool member_epoch(void *ctx, const char *node_id, uint64_t *epoch)
{
	struct node *n = ctx;

	(void)node_id;
	*epoch = n->member_epoch;
	return n->member_epoch != 0;
}

static unsigned grant(void *ctx, enum migration_purpose purpose, const char *from,
		      const uint8_t wanted[IKELB_FAMILIES], struct cluster_grant *out,
		      unsigned max, enum migration_answer *answer)
{
	struct node *n = ctx;

	assert_true(max >= 1);
	n->grants++;
	snprintf(n->from, sizeof(n->from), "%s", from);
	n->purpose = purpose;
	memcpy(n->wanted, wanted, 2);
	out[0] = (struct cluster_grant){ .fam = 0, .count = wanted[0], .idx = 3 };
	strcpy(out[0].name, "gw3");
	cfg_parse_gw_addr("198.18.0.13", &out[0].id);
	*answer = MIGRATION_GRANTED;
	return 1;
}

static void on_answer(void *ctx, int err, enum migration_answer answer,
		      const struct migration_entry *e, unsigned n)
{
	struct node *x = ctx;

	x->answers++;
	x->err = err;
	x->answer = answer;
	x->n = n;
	if (n)
		memcpy(x->e, e, n * sizeof(*e));
}

static void make(struct node *n, const char *id, uint64_t epoch)
{
	struct migration_hooks h = { .ctx = n,
				     .send = on_send,
				     .is_master = is_master,
				     .member_epoch = member_epoch,
				     .grant = grant,
				     .on_answer = on_answer };
	struct migration_params p = { .cluster = "lab", .node_id = id, .epoch = epoch,
				      .key = &key };

	memset(n, 0, sizeof(*n));
	n->m = migration_new(l, &p, &h);
	assert_non_null(n->m);
}

static int setup(void **state)
{
	(void)state;
	l = loop_new_fake(1000);
	memset(&key, 0x42, sizeof(key.bytes));
	key.len = 32;
	make(&gw1, "gw1", 0x100);
	make(&gw2, "gw2", 0x200);
	gw2.master = true;
	gw2.member_epoch = 0x100; /* gw1 is a live member at the master */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	migration_free(gw1.m);
	migration_free(gw2.m);
	loop_free(l);
	return 0;
}

/* What from sent, received by to. */
static void deliver(struct node *from, struct node *to)
{
	migration_handle_datagram(to->m, from->sent, from->sent_len);
}

static uint64_t verdict(struct node *n, enum migration_verdict v)
{
	return migration_counters(n->m)->verdict[v];
}

static void test_ask_and_grant(void **state)
{
	const uint8_t want[2] = { 5, 0 };
	uint8_t request[MIGRATION_MAX], answer[MIGRATION_MAX];
	size_t req_len, ans_len;

	(void)state;
	assert_int_equal(migration_ask(gw1.m, MIGRATION_DRAIN, want), 0);
	assert_true(migration_asking(gw1.m));
	assert_int_equal(gw1.sends, 1);
	/* one request at a time */
	assert_int_equal(migration_ask(gw1.m, MIGRATION_DRAIN, want), -1);
	assert_int_equal(errno, EBUSY);
	memcpy(request, gw1.sent, req_len = gw1.sent_len);
	deliver(&gw1, &gw2);
	assert_int_equal(gw2.grants, 1);
	assert_string_equal(gw2.from, "gw1");
	assert_int_equal(gw2.purpose, MIGRATION_DRAIN);
	assert_int_equal(gw2.wanted[0], 5);
	assert_int_equal(verdict(&gw2, MIGV_ANSWERED), 1);
	assert_int_equal(migration_counters(gw2.m)->granted, 5);
	memcpy(answer, gw2.sent, ans_len = gw2.sent_len);
	deliver(&gw2, &gw1);
	assert_int_equal(gw1.answers, 1);
	assert_int_equal(gw1.err, 0);
	assert_int_equal(gw1.answer, MIGRATION_GRANTED);
	assert_int_equal(gw1.n, 1);
	assert_string_equal(gw1.e[0].name, "gw3");
	assert_int_equal(gw1.e[0].count, 5);
	assert_false(migration_asking(gw1.m));
	assert_int_equal(verdict(&gw1, MIGV_TAKEN), 1);
	assert_int_equal(migration_counters(gw1.m)->got, 5);
	/* recorded and played again: the master answers a request once ... */
	migration_handle_datagram(gw2.m, request, req_len);
	assert_int_equal(verdict(&gw2, MIGV_REPLAYED), 1);
	assert_int_equal(gw2.grants, 1);
	/* ... and the gateway takes a grant once */
	migration_handle_datagram(gw1.m, answer, ans_len);
	assert_int_equal(verdict(&gw1, MIGV_STALE), 1);
	assert_int_equal(gw1.answers, 1);
	/* the next request has a new sequence number: answered */
	assert_int_equal(migration_ask(gw1.m, MIGRATION_REBALANCE, want), 0);
	deliver(&gw1, &gw2);
	assert_int_equal(gw2.grants, 2);
	/* an answer to the old request, even signed, is not this one's */
	migration_handle_datagram(gw1.m, answer, ans_len);
	assert_int_equal(gw1.answers, 1);
	deliver(&gw2, &gw1);
	assert_int_equal(gw1.answers, 2);
	/* the requests each side received, all counted */
	assert_int_equal(migration_counters(gw2.m)->received, 3);
	assert_int_equal(migration_counters(gw1.m)->received, 4);
	assert_int_equal(migration_counters(gw1.m)->asked, 2);
}

/* Nobody answers: the request times out after MIGRATION_ANSWER_MS. */
static void test_no_master(void **state)
{
	const uint8_t want[2] = { 0, 3 };

	(void)state;
	gw2.master = false;
	assert_int_equal(migration_ask(gw1.m, MIGRATION_DRAIN, want), 0);
	deliver(&gw1, &gw2);
	assert_int_equal(verdict(&gw2, MIGV_NOT_MASTER), 1);
	assert_int_equal(gw2.sends, 0);
	loop_advance(l, MIGRATION_ANSWER_MS - 1);
	assert_int_equal(gw1.answers, 0);
	loop_advance(l, 1);
	assert_int_equal(gw1.answers, 1);
	assert_int_equal(gw1.err, ETIMEDOUT);
	assert_int_equal(migration_counters(gw1.m)->unanswered, 1);
	assert_false(migration_asking(gw1.m));
}

/* A request of a node that is no live member here (or of an epoch that is
 * not its current one) is refused, so that it stops asking. */
static void test_not_member(void **state)
{
	const uint8_t want[2] = { 1, 0 };

	(void)state;
	gw2.member_epoch = 0x99; /* gw1 restarted, the master has not heard */
	assert_int_equal(migration_ask(gw1.m, MIGRATION_DRAIN, want), 0);
	deliver(&gw1, &gw2);
	assert_int_equal(verdict(&gw2, MIGV_NOT_MEMBER), 1);
	assert_int_equal(gw2.grants, 0);
	deliver(&gw2, &gw1);
	assert_int_equal(gw1.answers, 1);
	assert_int_equal(gw1.err, 0);
	assert_int_equal(gw1.answer, MIGRATION_NOT_MEMBER);
	assert_int_equal(gw1.n, 0);
}

/* The master draining itself answers its own request, on the next loop
 * round, without the network. */
static void test_master_asks_itself(void **state)
{
	const uint8_t want[2] = { 2, 0 };

	(void)state;
	assert_int_equal(migration_ask(gw2.m, MIGRATION_DRAIN, want), 0);
	assert_int_equal(gw2.sends, 0);
	assert_int_equal(gw2.answers, 0);
	assert_string_equal(gw2.from, "gw2");
	loop_advance(l, 0);
	assert_int_equal(gw2.answers, 1);
	assert_int_equal(gw2.n, 1);
	assert_int_equal(gw2.e[0].count, 2);
	assert_int_equal(migration_counters(gw2.m)->answered_locally, 1);
	/* no master and no load reports: nobody to ask */
	migration_free(gw1.m);
	{
		struct migration_params p = { .cluster = "lab", .node_id = "gw1" };
		struct migration_hooks h = { .ctx = &gw1, .is_master = is_master };

		gw1.m = migration_new(l, &p, &h);
	}
	assert_int_equal(migration_ask(gw1.m, MIGRATION_DRAIN, want), -1);
	assert_int_equal(errno, ENOTCONN);
}

static void test_bad_messages(void **state)
{
	const uint8_t want[2] = { 1, 1 };
	struct cluster_key wrong = key;
	uint8_t junk[8] = { 'I', 'K', 'L', 'M', 1, 1, 0, 8 };
	struct migration *other;
	struct migration_params p = { .cluster = "other", .node_id = "gw1", .epoch = 0x100,
				      .key = &wrong };
	struct migration_hooks h = { .ctx = &gw1, .send = on_send };

	(void)state;
	migration_handle_datagram(gw2.m, junk, sizeof(junk));
	assert_int_equal(verdict(&gw2, MIGV_MALFORMED), 1);
	migration_handle_datagram(gw2.m, junk, MIGRATION_MAX + 1);
	assert_int_equal(verdict(&gw2, MIGV_OVERSIZED), 1);
	/* another cluster on the same group */
	other = migration_new(l, &p, &h);
	assert_int_equal(migration_ask(other, MIGRATION_DRAIN, want), 0);
	deliver(&gw1, &gw2);
	assert_int_equal(verdict(&gw2, MIGV_OTHER_CLUSTER), 1);
	migration_free(other);
	/* our cluster, a wrong key: forged */
	wrong.bytes[0] ^= 1;
	p.cluster = "lab";
	other = migration_new(l, &p, &h);
	assert_int_equal(migration_ask(other, MIGRATION_DRAIN, want), 0);
	deliver(&gw1, &gw2);
	assert_int_equal(verdict(&gw2, MIGV_BAD_MAC), 1);
	migration_free(other);
	/* our own message coming back (a peer list naming us) */
	assert_int_equal(migration_ask(gw2.m, MIGRATION_DRAIN, want), 0);
	loop_advance(l, 0);
	gw2.master = false;
	gw1.master = true;
	assert_int_equal(migration_ask(gw2.m, MIGRATION_DRAIN, want), 0);
	migration_handle_datagram(gw2.m, gw2.sent, gw2.sent_len);
	assert_int_equal(verdict(&gw2, MIGV_STALE), 1);
	assert_int_equal(gw2.grants, 1); /* only its own local one */
	assert_int_equal(migration_counters(gw2.m)->received, 5);
	assert_string_equal(migration_verdict_str(MIGV_NOT_MEMBER), "not_member");
}

/* In a key rotation the master accepts key_file_previous, as for load
 * reports; without it a message under the old key is forged. */
static void test_previous_key(void **state)
{
	const uint8_t want[2] = { 1, 0 };
	struct cluster_key old = key, neither;
	struct migration *asker;
	struct node gw3;
	struct migration_params p = { .cluster = "lab", .node_id = "gw1", .epoch = 0x100,
				      .key = &old };
	struct migration_hooks h = { .ctx = &gw1, .send = on_send };
	struct migration_hooks mh = { .ctx = &gw3,
				      .send = on_send,
				      .is_master = is_master,
				      .member_epoch = member_epoch,
				      .grant = grant,
				      .on_answer = on_answer };
	struct migration_params mp = { .cluster = "lab", .node_id = "gw3", .epoch = 0x300,
				       .key = &key, .key_previous = &old };

	(void)state;
	old.bytes[0] ^= 7;
	asker = migration_new(l, &p, &h);
	assert_int_equal(migration_ask(asker, MIGRATION_DRAIN, want), 0);
	deliver(&gw1, &gw2); /* gw2 knows no previous key */
	assert_int_equal(verdict(&gw2, MIGV_BAD_MAC), 1);
	memset(&gw3, 0, sizeof(gw3));
	gw3.master = true;
	gw3.member_epoch = 0x100;
	gw3.m = migration_new(l, &mp, &mh);
	assert_non_null(gw3.m);
	deliver(&gw1, &gw3);
	assert_int_equal(verdict(&gw3, MIGV_BAD_MAC), 0);
	assert_int_equal(verdict(&gw3, MIGV_ANSWERED), 1);
	assert_int_equal(gw3.grants, 1);
	/* a key that is neither: still forged */
	neither = old;
	neither.bytes[1] ^= 1;
	p.key = &neither;
	migration_free(asker);
	asker = migration_new(l, &p, &h);
	assert_int_equal(migration_ask(asker, MIGRATION_DRAIN, want), 0);
	deliver(&gw1, &gw3);
	assert_int_equal(verdict(&gw3, MIGV_BAD_MAC), 1);
	migration_free(asker);
	migration_free(gw3.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ask_and_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master_asks_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_previous_key, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
