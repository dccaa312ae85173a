/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The VICI commands ikelb sends to charon, typed, on an asynchronous
 * connection (vici_conn.h): each builds its request, reads charon's
 * answer, and reports through one callback.  The calls queue and return at
 * once, as vic_conn_command does (0, or -1 with errno; then the callback
 * is never called); the callback is called exactly once, with err 0 or
 * with err != 0 and a reason.  Blocking versions for threads that may
 * wait: vici_sync.h.
 *
 * What charon (strongSwan 5.9.8) does with them, as seen in
 * tests/netns/test_tunnels_vici.sh:
 *   - stats: "ikesas { total, half-open }"; established IKE SAs are total
 *     minus half-open (both read one after the other, so they may cross);
 *   - redirect: charon only queues the redirect, so success means the SA
 *     was found.  It sends INFORMATIONAL { N(REDIRECT) }; the client opens
 *     a new IKE_SA to the gateway (IKE_SA_INIT with REDIRECTED_FROM) and
 *     deletes the old one once the new one is up (milliseconds in a lab);
 *     if it never gets there, charon deletes the old SA itself 30 s after
 *     the redirect.  A client that did not send REDIRECT_SUPPORTED is not
 *     redirected, yet the command still succeeds: charon says so only in a
 *     "log" event (group IKE, ikesa-uniqueid = the SA, msg "client does
 *     not support IKE redirection");
 *   - terminate: with timeout -1 charon does not wait for the peer;
 *   - list-sas: one "list-sa" event per IKE SA (noblock: SAs busy right now
 *     are skipped rather than waited for), then an empty reply.
 */
#ifndef IKELB_VICI_QUERY_H
#define IKELB_VICI_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/vici_conn.h"

/* The outcome of a query; why is "" when err is 0. */
typedef void (*vic_done_fn)(void *ctx, int err, const char *why);
/* The outcome of a count; count is valid when err is 0. */
typedef void (*vic_count_fn)(void *ctx, int err, const char *why, uint64_t count);

/*
 * A reply of the "success = yes / errmsg" kind: 0, or -1 with errno
 * ESRCH (charon says no; why holds its errmsg, or "charon says it failed")
 * or EPROTO (no "success" at all).
 */
int vic_reply_ok(const struct vic_node *reply, char *why, size_t len);
/* Established IKE SAs from a stats reply: 0, or -1 (EPROTO) when charon's
 * ikesas.total / ikesas.half-open are missing. */
int vic_stats_established(const struct vic_node *stats, uint64_t *count);

/* `stats`: charon's established IKE SAs (total - half-open). */
int vic_query_ike_sas(struct vic_conn *c, uint64_t deadline_ms, vic_count_fn done, void *ctx);
/* `redirect` the IKE SA with unique id ike_id (list-sas' and ike-updown's
 * "uniqueid") to gateway (an IPv4/IPv6 address or FQDN); count: charon's
 * "matches".  why on a refusal: "redirect IKE_SA #7 to 198.18.0.3: no
 * matching SAs to redirect found". */
int vic_query_redirect(struct vic_conn *c, uint32_t ike_id, const char *gateway,
		       uint64_t deadline_ms, vic_count_fn done, void *ctx);
/* `terminate` the IKE SA ike_id without waiting for the peer; force: do not
 * even send a DELETE (the local address may be gone). */
int vic_query_terminate(struct vic_conn *c, uint32_t ike_id, bool force, uint64_t deadline_ms,
			vic_done_fn done, void *ctx);
/* `list-sas` with noblock, of connection ike only (NULL: all): each
 * list-sa event to on_sa(sa_ctx), then done(ctx). */
int vic_query_list_sas(struct vic_conn *c, const char *ike, uint64_t deadline_ms,
		       vic_event_fn on_sa, void *sa_ctx, vic_done_fn done, void *ctx);

#endif
