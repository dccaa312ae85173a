/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Load reports in the daemon: this node's tunnel count (read by a worker
 * thread, so a hung IKE daemon never stalls the event loop and its VRRP
 * adverts), its signed status messages, and the member table built from
 * everyone's messages.  The status protocol runs when key_file is set.
 */
#ifndef IKELB_REPORTS_H
#define IKELB_REPORTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct daemon;
struct members;
struct json_object;

int reports_start(struct daemon *d);
void reports_stop(struct daemon *d);
/* After a reload: intervals, gateway address, tunnel source. */
int reports_config_changed(struct daemon *d);
uint64_t reports_next_deadline(struct daemon *d, uint64_t t);
void reports_timers(struct daemon *d, uint64_t now);
/* True when fd was the status socket (and has been served). */
bool reports_fd_ready(struct daemon *d, int fd);

/* The member table, or NULL when the status protocol is off. */
struct members *reports_members(struct daemon *d);
/*
 * This node's own load when it has a tunnels source: true with *tunnels,
 * or false with the reason it is unhealthy.  *known is false without a
 * source (balanced like a static target).
 */
bool reports_self_load(struct daemon *d, bool *known, uint64_t *tunnels, char *why,
		       size_t whylen);
const char *reports_node_id(struct daemon *d);
struct ip_addr;
/* VRRP took over from a master at addr that went silent: its member (the
 * one reporting from that address) is taken for dead at once. */
void reports_master_silent(struct daemon *d, const struct ip_addr *addr);

void reports_text(struct daemon *d, FILE *out);
struct json_object *reports_json(struct daemon *d);

#endif
