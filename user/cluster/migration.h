/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Migration requests and grants on the load report socket: a gateway that
 * moves established clients away (ike/migrate.h) asks the master for
 * targets, and the master -- the one place that decides where clients go
 * -- answers from its cluster view (cluster_grant), counting each client
 * like a redirect.  Wire format: migration_codec.h.
 *
 * The requester: migration_ask() signs a request (its load report epoch,
 * a sequence number) and multicasts it like a report; the one answer it
 * takes is a grant naming this node, its epoch and that sequence, within
 * MIGRATION_ANSWER_MS.  When this node is the master itself, or without
 * load reports, the request is answered here, without the network (still
 * never from inside migration_ask).
 *
 * The master (is_master: it holds the VIP of the first configured
 * family): a request is answered only when its epoch is the requester's
 * current load report epoch in the member table (a live member) and its
 * sequence is above the last one answered for that node in that epoch;
 * so a recorded request is never answered twice while the master runs.
 *
 * Every datagram is counted under one verdict (migration_counters), as
 * the member table counts reports.  It runs on the loop; nothing waits.
 */
#ifndef IKELB_MIGRATION_H
#define IKELB_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cluster/cluster.h"
#include "cluster/migration_codec.h"

struct loop;
struct json_object;

#define MIGRATION_ANSWER_MS 1000
#define MIGRATION_WINDOW_NODES 256 /* requesters whose last sequence is kept */

struct migration_hooks {
	void *ctx;
	/* Sends a message to the cluster (NULL: no load reports). */
	void (*send)(void *ctx, const uint8_t *msg, size_t len);
	/* This node answers requests now. */
	bool (*is_master)(void *ctx);
	/* The current load report epoch of node_id if it is a live member. */
	bool (*member_epoch)(void *ctx, const char *node_id, uint64_t *epoch);
	/* The master's answer (cluster_grant). */
	unsigned (*grant)(void *ctx, enum migration_purpose purpose, const char *from,
			  const uint8_t wanted[IKELB_FAMILIES], struct cluster_grant *out,
			  unsigned max, enum migration_answer *answer);
	/* The answer to this node's request: err 0 with answer and entries,
	 * or ETIMEDOUT (no master answered). */
	void (*on_answer)(void *ctx, int err, enum migration_answer answer,
			  const struct migration_entry *e, unsigned n);
};

struct migration_params {
	const char *cluster;
	const char *node_id; /* this node; copied */
	uint64_t epoch; /* this node's load report epoch; 0: no load reports */
	const struct cluster_key *key; /* valid while this module lives; NULL: none */
	/* key_file_previous, accepted on receive as load reports accept it (a
	 * key rotation must not stop migrations); NULL or len 0: none */
	const struct cluster_key *key_previous;
};

/* What happened to the migration messages this node received. */
enum migration_verdict {
	MIGV_ANSWERED, /* a request this node answered (as the master) */
	MIGV_TAKEN, /* the grant this node waited for */
	MIGV_NOT_MASTER, /* a request, but this node does not answer them */
	MIGV_NOT_MEMBER, /* a request from no live member, or of an old epoch */
	MIGV_REPLAYED, /* a request whose sequence was answered before */
	MIGV_STALE, /* a grant for another node or for no open request */
	MIGV_MALFORMED,
	MIGV_OVERSIZED,
	MIGV_BAD_VERSION,
	MIGV_OTHER_CLUSTER,
	MIGV_BAD_MAC,
	MIGV_ERROR, /* our side failed (no usable key) */
	MIGV_MAX,
};

struct migration_counters {
	uint64_t received;
	uint64_t verdict[MIGV_MAX];
	uint64_t asked; /* requests this node made */
	uint64_t answered_locally; /* ... answered by this node as the master */
	uint64_t unanswered; /* ... that timed out */
	uint64_t granted; /* clients this node granted to others' requests */
	uint64_t got; /* clients granted to this node's requests */
};

struct migration *migration_new(struct loop *l, const struct migration_params *p,
				const struct migration_hooks *h);
void migration_free(struct migration *m);
/* This node's load report epoch (0: none), e.g. after a restart of reports. */
void migration_set_epoch(struct migration *m, uint64_t epoch);

/* Asks for up to wanted[fam] targets: 0, or -1 with errno EBUSY (a request
 * is open) or ENOTCONN (not the master, and no load reports to ask one). */
int migration_ask(struct migration *m, enum migration_purpose purpose,
		  const uint8_t wanted[IKELB_FAMILIES]);
bool migration_asking(const struct migration *m);
/* A datagram that migration_is_ours() from the report socket. */
void migration_handle_datagram(struct migration *m, const uint8_t *buf, size_t len);

const struct migration_counters *migration_counters(const struct migration *m);
const char *migration_verdict_str(enum migration_verdict v);
void migration_text(const struct migration *m, FILE *out);
struct json_object *migration_json(const struct migration *m);

#endif
