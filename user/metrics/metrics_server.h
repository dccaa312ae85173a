/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The HTTP server of /metrics, on the event loop: libmicrohttpd in its
 * "external event loop" mode (no thread of its own).  Its epoll fd is one
 * fd on the loop; when it is readable, or when the deadline MHD asks for
 * (MHD_get_timeout) comes, the loop calls MHD_run, which does what is
 * ready and never waits.  So a client that says nothing, sends a byte a
 * second or never reads its answer costs the loop nothing.
 *
 * Bounds: METRICS_MAX_CONNECTIONS connections at once (with all taken,
 * new ones wait in the listen backlog), at most METRICS_MAX_PER_CLIENT of
 * them from one address (more are closed at once: one client cannot keep
 * a scraper at another address out), each closed after
 * METRICS_IDLE_TIMEOUT_S seconds without traffic either way, each with
 * METRICS_CONNECTION_MEMORY bytes for its request (a longer request line
 * or header gets an error).  A client that sends a byte every few
 * seconds keeps its connection, as with any HTTP server: the per-address
 * limit is what bounds it.
 *
 * Answers: GET (or HEAD) /metrics is 200 with the body the render
 * callback writes, in the text format (PROM_CONTENT_TYPE); any other
 * method on /metrics is 405, any other path 404.  A body is made at most
 * once per METRICS_RENDER_MIN_MS: requests within that time get the same
 * one (one MHD response queued to each), so a client that pipelines
 * thousands of requests costs no more rendering than one scraper.
 */
#ifndef IKELB_METRICS_SERVER_H
#define IKELB_METRICS_SERVER_H

#include <stdio.h>

#include "config/config.h"

#define METRICS_PATH "/metrics"
#define METRICS_MAX_CONNECTIONS 16
#define METRICS_MAX_PER_CLIENT 4
#define METRICS_IDLE_TIMEOUT_S 10
#define METRICS_CONNECTION_MEMORY (32 * 1024)
#define METRICS_RENDER_MIN_MS 250

struct loop;

/* Writes the body of a scrape; 0, or -1: the scrape gets a 500. */
typedef int (*metrics_render_fn)(void *ctx, FILE *out);

/* Listens on where (its port must be set); NULL (logged) on failure. */
struct metrics_server *metrics_server_new(struct loop *l, const struct cfg_listen *where,
					  metrics_render_fn render, void *ctx);
/* Closes every connection and the listening socket. */
void metrics_server_free(struct metrics_server *s);

#endif
