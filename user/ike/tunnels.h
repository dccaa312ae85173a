/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * This node's active tunnel count, from the `tunnels =` setting of
 * [gateway] (config.h: enum cfg_tunnels, tunnels_path, tunnels_static).
 * What each source reports:
 *
 *   vici:<socket>  strongSwan's established IKE_SAs.  Without exclusions one
 *                  cheap `stats` command: ikesas.total - ikesas.half-open,
 *                  i.e. every IKE_SA past IKE_AUTH (ESTABLISHED, and briefly
 *                  REKEYING/REKEYED/DELETING ones; half-open SAs are never
 *                  counted).  With excluded local addresses (the VIP in
 *                  auth mode): a `list-sas` stream, counting IKE_SAs in
 *                  state ESTABLISHED or REKEYING whose local-host is not
 *                  excluded; this costs one event per IKE_SA.  The socket
 *                  stays connected between reads and is reopened after a
 *                  failure.  A read blocks for up to timeout_ms: call
 *                  tunnels_read from a thread that may wait.
 *   xfrm           the kernel's SAD count (XFRM_MSG_GETSADINFO) of this
 *                  network namespace, halved and rounded up: an IPsec
 *                  tunnel is a pair of SAs, one per direction.  It counts
 *                  CHILD_SA pairs, not IKE_SAs: a peer with two CHILD_SAs
 *                  counts twice, a rekeying one briefly too, and larval
 *                  (acquire) states are part of the kernel's count.  Needs
 *                  CAP_NET_ADMIN.
 *   file:<path>    a non-negative decimal integer, optionally surrounded by
 *                  whitespace, read anew each time.
 *   static:<N>     N.
 *   (none)         0.
 */
#ifndef IKELB_TUNNELS_H
#define IKELB_TUNNELS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "ike/vici_codec.h"

struct vic_conn;

#define TUNNELS_MAX_EXCLUDE 8
#define TUNNELS_VICI_TIMEOUT_MS 1000
#define TUNNELS_FILE_MAX 64 /* bytes: a number and some whitespace */

struct mnl_socket;

struct tunnels_src {
	enum cfg_tunnels kind;
	char path[PATH_MAX]; /* vici: socket; file: path */
	uint64_t value; /* static */
	int timeout_ms; /* vici: per read, default TUNNELS_VICI_TIMEOUT_MS */
	struct ip_addr exclude[TUNNELS_MAX_EXCLUDE]; /* vici: local addresses */
	unsigned n_exclude;
	struct vic_conn *vici; /* NULL until first used; blocking use (vici_sync.h) */
	struct mnl_socket *nl; /* xfrm */
	uint32_t nl_seq;
};

/* A source of the given kind (path: vici/file; value: static).  0 or -1. */
int tunnels_init(struct tunnels_src *s, enum cfg_tunnels kind, const char *path,
		 uint64_t value);
/* The source named by the [gateway] section of a loaded config. */
int tunnels_init_config(struct tunnels_src *s, const struct config *c);
/*
 * Parses a `tunnels =` value ("vici:/run/charon.vici", "xfrm",
 * "file:/path", "static:12"); 0, or -1 with the reason in why.
 */
int tunnels_init_spec(struct tunnels_src *s, const char *spec, char *why, size_t whylen);
/*
 * vici only: IKE_SAs whose local address is one of these are not counted
 * (switches to the list-sas method).  0, or -1 (too many, or not vici).
 */
int tunnels_exclude(struct tunnels_src *s, const struct ip_addr *addrs, unsigned n);
/*
 * The current count.  0 and *count, or -1 with a short reason in why, e.g.
 * "vici: connect /run/charon.vici: No such file or directory" or
 * "file /run/load: not a non-negative integer" -- the node then reports
 * itself unhealthy rather than a stale number.
 */
int tunnels_read(struct tunnels_src *s, uint64_t *count, char *why, size_t whylen);
void tunnels_close(struct tunnels_src *s);

/*
 * Counts the IKE_SAs of one list-sa event that the list-sas method counts
 * (state ESTABLISHED or REKEYING, local-host not excluded).
 */
uint64_t tunnels_count_list_sa(const struct tunnels_src *s, const struct vic_node *event);
/* Strict file contents check: 0 and *out, or -1. */
int tunnels_parse_number(const char *buf, size_t len, uint64_t *out);

#endif
