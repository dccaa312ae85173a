/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * [redirect] mode = auth: the master's own strongSwan terminates IKE at the
 * VIP; after a client has authenticated, ikelb-load redirects its IKE SA
 * over VICI to the gateway the balancer picks (the same slot table the XDP
 * path uses).  The XDP program does not answer at the VIP meanwhile, unless
 * VICI is down and auth_fallback = init.
 */
#ifndef IKELB_AUTHMODE_H
#define IKELB_AUTHMODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ikelb.h"

struct daemon;
struct json_object;

int authmode_start(struct daemon *d);
void authmode_stop(struct daemon *d);
uint64_t authmode_deadline(struct daemon *d, uint64_t t);
void authmode_timers(struct daemon *d, uint64_t now);
bool authmode_fd_ready(struct daemon *d, int fd);
/* A VIP changed role (after role_set did its work). */
void authmode_role_changed(struct daemon *d, int fam, bool master);
/* Whether the XDP program should answer IKE_SA_INIT at held VIPs. */
bool authmode_xdp_answers(const struct daemon *d);
/* Adds the redirects this module sent, per target index, to out[]. */
void authmode_add_redirects(struct daemon *d, uint64_t out[IKELB_MAX_TARGETS]);
void authmode_text(struct daemon *d, FILE *out);
struct json_object *authmode_json(struct daemon *d);

#endif
