/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * An asynchronous VICI connection to charon, driven by the caller's event
 * loop (any loop: epoll, poll, a callback loop), in the manner of
 * strongSwan's davici.  No call blocks, sleeps or reads a clock; time
 * comes in as a parameter (milliseconds of the caller's monotonic clock).
 * The message codec is vici_codec.h; typed queries on top are
 * vici_query.h; a blocking helper for threads that may wait is
 * vici_sync.h.
 *
 * CONTRACT
 *
 * Life cycle.  vic_conn_new() makes a closed connection; vic_conn_connect()
 * opens it (a non-blocking connect(2) to charon's unix socket: it succeeds
 * or fails at once, e.g. ENOENT, ECONNREFUSED, or EAGAIN when charon's
 * listen backlog is full -- retry later).  vic_conn_close() closes it, and
 * it may be opened again; vic_conn_free() closes and frees it.  Both may be
 * called from inside any callback of the same connection (the memory is
 * released once that callback returns).
 *
 * Driving it.  While open, the connection has one fd.  The loop waits on
 * it for vic_conn_events() (always POLLIN; POLLOUT while requests wait to
 * be written) and until vic_conn_deadline(), and then calls
 * vic_conn_on_readable() / vic_conn_on_writable() / vic_conn_on_time(now).
 * Each does what can be done without blocking and returns.  To learn when
 * the fd, the events or the deadline change, set a watch callback
 * (vic_conn_set_watch): it is called after any call that changed one of
 * them, with fd -1 once closed.  The watch callback must only record what
 * it is told (re-arm the loop), not call the connection.
 *
 * Requests.  vic_conn_command(), vic_conn_stream(), vic_conn_subscribe()
 * and vic_conn_unsubscribe() queue a request and return at once: 0, or -1
 * with errno (ENOTCONN: not open; EINVAL: a name empty or over 255 bytes,
 * an unfinished message; E2BIG: a message over 512 KiB; EBUSY: the event
 * is already subscribed or streamed; ENOENT: unsubscribing an event not
 * subscribed; ENOMEM).  A queued request's done callback is called exactly
 * once, never from inside the call that queued it: with err 0, or with
 * err != 0 and a reason in why.  Requests go out one at a time, in order
 * (VICI answers carry no request id, so the next is written only when the
 * previous one is answered).
 *   err           why (examples)
 *   0             ""
 *   ENOENT        charon does not know the command or event
 *   ETIMEDOUT     the request's deadline passed (unanswered: the connection
 *                 is closed, since a late answer would be taken for the
 *                 next request's; still queued: only that request fails)
 *   EPIPE         charon closed the connection (also mid-message)
 *   EBADMSG       malformed data from charon; EMSGSIZE: an oversized packet;
 *   EPROTO        a packet that answers nothing that was asked;
 *                 these close the connection too
 *   ECANCELED     vic_conn_close()/vic_conn_free() with the request pending
 *   other errno   socket errors
 * When the connection closes, every pending request completes with that
 * error, subscriptions end, and the closed callback (vic_conn_set_closed)
 * is called once -- unless the caller closed it.  vic_conn_error() keeps
 * the last reason of either kind, e.g. "connect /run/charon.vici: No such
 * file or directory" or "/run/charon.vici: closed by charon".
 *
 * Messages.  Replies and events reach callbacks as a parsed tree
 * (vici_codec.h: vic_find_str, ...) that lives only during the call
 * (vic_tree_dup to keep it).  A command's reply is its CMD_RESPONSE;
 * subscribe/unsubscribe and a failed request get reply NULL.
 *
 * Events.  vic_conn_subscribe(event, on_event) registers with charon;
 * from then on each such event goes to on_event, until unsubscribed or
 * closed.  vic_conn_stream(cmd, event) is a command whose results charon
 * sends as events (list-sas / list-sa): it registers for event, sends the
 * command, delivers each event to on_event, unregisters, and then calls
 * done with the command's reply (or its error: a refused registration
 * ends it before the command is sent; a refused command is still
 * unregistered).  Its deadline covers all of it.  Events arrive at any
 * time, also while a request is pending; one no one listens to is dropped.
 *
 * Callbacks may queue new requests and close or free the connection.  Not
 * thread-safe: one thread drives one connection.
 */
#ifndef IKELB_VICI_CONN_H
#define IKELB_VICI_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/vici_codec.h"

#define VIC_NO_DEADLINE UINT64_MAX

struct vic_conn;

/* A request's outcome; reply as described above. */
typedef void (*vic_reply_fn)(void *ctx, int err, const char *why, const struct vic_node *reply);
/* An event message. */
typedef void (*vic_event_fn)(void *ctx, const char *event, const struct vic_node *msg);
/* What the loop should wait for now (events: POLLIN, POLLOUT). */
typedef void (*vic_watch_fn)(void *ctx, int fd, short events, uint64_t deadline_ms);
/* The connection failed and is closed now. */
typedef void (*vic_closed_fn)(void *ctx, int err, const char *why);

/* A closed connection, or NULL (ENOMEM). */
struct vic_conn *vic_conn_new(void);
void vic_conn_free(struct vic_conn *c);
void vic_conn_set_watch(struct vic_conn *c, vic_watch_fn fn, void *ctx);
void vic_conn_set_closed(struct vic_conn *c, vic_closed_fn fn, void *ctx);

/* Closes what was open, then connects to path: 0, or -1 with errno. */
int vic_conn_connect(struct vic_conn *c, const char *path);
/* Takes a connected stream socket (tests, socket activation); name is used
 * in messages.  0, or -1 with errno (the fd is closed then). */
int vic_conn_adopt(struct vic_conn *c, int fd, const char *name);
void vic_conn_close(struct vic_conn *c);
bool vic_conn_is_open(const struct vic_conn *c);
const char *vic_conn_error(const struct vic_conn *c);

/* For the loop: the fd (-1 when closed), what to wait for (0 when closed),
 * and the earliest request deadline (VIC_NO_DEADLINE: none). */
int vic_conn_fd(const struct vic_conn *c);
short vic_conn_events(const struct vic_conn *c);
uint64_t vic_conn_deadline(const struct vic_conn *c);
/* Requests queued or in flight. */
unsigned vic_conn_pending(const struct vic_conn *c);

/*
 * The loop's calls.  on_readable reads what is there (a bounded amount
 * per call, so a flood cannot hold the loop) and dispatches complete
 * packets; on_writable writes what it can; on_time fails the requests
 * whose deadline is at or before now.  Each returns 0 while the
 * connection is open, -1 once it is closed.
 */
int vic_conn_on_readable(struct vic_conn *c);
int vic_conn_on_writable(struct vic_conn *c);
int vic_conn_on_time(struct vic_conn *c, uint64_t now_ms);

/* Command cmd with the message in args (NULL: empty); the builder is
 * copied, so it may be freed at once. */
int vic_conn_command(struct vic_conn *c, const char *cmd, const struct vic_builder *args,
		     uint64_t deadline_ms, vic_reply_fn done, void *ctx);
/* A command whose results come as events, each to on_event(event_ctx). */
int vic_conn_stream(struct vic_conn *c, const char *cmd, const struct vic_builder *args,
		    const char *event, vic_event_fn on_event, void *event_ctx,
		    uint64_t deadline_ms, vic_reply_fn done, void *ctx);
/* Events named event go to on_event(event_ctx, ...) once charon confirms;
 * done (may be NULL) learns whether it did. */
int vic_conn_subscribe(struct vic_conn *c, const char *event, vic_event_fn on_event,
		       void *event_ctx, uint64_t deadline_ms, vic_reply_fn done, void *ctx);
int vic_conn_unsubscribe(struct vic_conn *c, const char *event, uint64_t deadline_ms,
			 vic_reply_fn done, void *ctx);

#endif
