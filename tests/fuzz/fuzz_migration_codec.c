// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer over the migration messages: the decoder, and what a node does
 * with a message (cluster/migration.c) as the master and as a gateway
 * waiting for a grant.  Each input is taken as received, then again with a
 * correct MAC over its last 32 bytes, so that the fuzzer also reaches the
 * accepting path.  An accepted message must re-encode to the same bytes
 * (the format is canonical); a grant the gateway takes must answer its
 * open request.
 * Seeds: tests/fuzz/corpus/fuzz_migration_codec/, messages for cluster
 * "fuzz" under the key below (the layout of docs/report-protocol.md).
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/loop.h"
#include "base/log.h"
#include "cluster/migration.h"

static const struct cluster_key key = {
	.bytes = { 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a,
		   0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75,
		   0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a },
	.len = 32,
};

static struct loop *loop;
static struct migration *master, *gateway;
static unsigned answers;

static void check_canonical(const uint8_t *msg, size_t len, const struct migration_msg *m)
{
	static uint8_t again[MIGRATION_MAX];
	int n = migration_encode(m, &key, again, sizeof(again));

	if (n != (int)len || memcmp(again, msg, len) != 0)
		abort();
}

static void on_send(void *ctx, const uint8_t *msg, size_t len)
{
	static struct migration_msg m;

	(void)ctx;
	/* what a node sends decodes */
	if (migration_decode(msg, len, "fuzz", &key, &m) != MIGRATION_OK)
		abort();
}

static bool yes(void *ctx)
{
	(void)ctx;
	return true;
}

static bool member_epoch(void *ctx, const char *node_id, uint64_t *epoch)
{
	(void)ctx;
	(void)node_id;
	*epoch = 1;
	return true;
}

static unsigned grant(void *ctx, enum migration_purpose purpose, const char *from,
		      const uint8_t wanted[IKELB_FAMILIES], struct cluster_grant *out,
		      unsigned max, enum migration_answer *answer)
{
	(void)ctx;
	(void)purpose;
	if (!from || !*from || wanted[0] > MIGRATION_WANT_MAX || wanted[1] > MIGRATION_WANT_MAX ||
	    !max)
		abort();
	out[0] = (struct cluster_grant){ .fam = 0, .count = wanted[0] ? wanted[0] : 1 };
	strcpy(out[0].name, "gw3");
	cfg_parse_gw_addr("198.18.0.13", &out[0].id);
	*answer = MIGRATION_GRANTED;
	return 1;
}

static void on_answer(void *ctx, int err, enum migration_answer answer,
		      const struct migration_entry *e, unsigned n)
{
	(void)ctx;
	(void)err;
	(void)answer;
	if (n > MIGRATION_ENTRIES_MAX || (n && !e))
		abort();
	answers++;
}

static void setup(void)
{
	struct migration_hooks mh = { .send = on_send, .is_master = yes,
				      .member_epoch = member_epoch, .grant = grant };
	struct migration_hooks gh = { .send = on_send, .on_answer = on_answer };
	struct migration_params mp = { .cluster = "fuzz", .node_id = "master", .epoch = 2,
				       .key = &key };
	struct migration_params gp = { .cluster = "fuzz", .node_id = "gw1", .epoch = 1,
				       .key = &key };

	log_set_level(LOG_LVL_ERR);
	loop = loop_new_fake(1000);
	master = migration_new(loop, &mp, &mh);
	gateway = migration_new(loop, &gp, &gh);
	if (!loop || !master || !gateway)
		abort();
}

static void take(const uint8_t *msg, size_t len)
{
	static struct migration_msg m;
	static const uint8_t want[2] = { 1, 1 };
	unsigned before = answers;

	if (migration_decode(msg, len, "fuzz", &key, &m) == MIGRATION_OK)
		check_canonical(msg, len, &m);
	/* the gateway has a request open (sequence 1, 2, ... in turn) */
	if (!migration_asking(gateway))
		migration_ask(gateway, MIGRATION_DRAIN, want);
	migration_handle_datagram(master, msg, len);
	migration_handle_datagram(gateway, msg, len);
	if (answers > before && migration_asking(gateway))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	unsigned n = 0;

	if (!loop)
		setup();
	/* exact-size heap copies, so ASan sees any over-read */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	take(copy, size);
	if (size >= 32 && size <= MIGRATION_MAX &&
	    HMAC(EVP_sha256(), key.bytes, (int)key.len, copy, size - 32, copy + size - 32, &n))
		take(copy, size);
	free(copy);
	return 0;
}
