/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * [redirect] mode = auth: the master's own strongSwan terminates IKE at the
 * VIP; after a client has authenticated, ikelb-load redirects its IKE SA
 * over VICI to the gateway the balancer picks (the same slot table the XDP
 * path uses).  The XDP program does not answer at the VIP meanwhile, unless
 * VICI is down and auth_fallback = init.
 *
 * The module learns of role changes through authmode_role_changed and
 * tells what it decides through its hooks: whether XDP answers, which
 * target it sent a client to; it asks the cluster view for a target
 * through the pick hook.
 */
#ifndef IKELB_AUTHMODE_H
#define IKELB_AUTHMODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "ikelb.h"

struct loop;
struct json_object;

struct authmode_hooks {
	void *ctx;
	/* Whether the XDP program should answer IKE_SA_INIT at held VIPs. */
	void (*on_xdp_answers)(void *ctx, bool answers);
	/* A client's SA was redirected to target idx (counted like XDP's). */
	void (*on_redirect)(void *ctx, uint32_t idx);
	/* The target for a client with this SPIi at fam's VIP (cluster_pick):
	 * 0 with *idx and *id, or -1 when none is usable. */
	int (*pick)(void *ctx, int fam, uint64_t spi_raw, uint32_t *idx, struct ikelb_gw_id *id);
};

/* mode = auth only.  c must stay valid until authmode_reload or
 * authmode_free.  Connects to charon from the loop, with backoff. */
struct authmode *authmode_new(struct loop *l, const struct config *c,
			      const struct authmode_hooks *h);
void authmode_free(struct authmode *a);
/* New actions (unsupported, no_target), connection and fallback. */
void authmode_reload(struct authmode *a, const struct config *c);
/* fam's VIP is held now (master) or not (after the role did its work). */
void authmode_role_changed(struct authmode *a, int fam, bool master);
/* Whether the XDP program should answer IKE_SA_INIT at held VIPs. */
bool authmode_xdp_answers(const struct authmode *a);
/* Commands to charon are still on their way (a stopping daemon lets the
 * terminates of the SAs at the VIP go out before it exits). */
bool authmode_busy(const struct authmode *a);

void authmode_text(const struct authmode *a, FILE *out);
struct json_object *authmode_json(const struct authmode *a);

#endif
