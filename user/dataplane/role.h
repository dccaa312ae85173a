/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Who holds each VIP, and the one transition that moves a VIP and the XDP
 * program together.  Becoming master: attach XDP, let it answer for the
 * VIP, add the VIP, announce it (gratuitous ARP / unsolicited NA, repeated
 * on a timer).  Becoming backup (or stopping): stop answering, drop the
 * VIP, detach XDP when no VIP is held.  In this order the VIP never
 * arrives before the program that answers for it.
 *
 * Steering ([redirect] unsupported = steer): the master steers clients to
 * the other gateways at layer 2, so every node that is not master holds
 * each VIP on the loopback device, where it accepts packets for it and
 * answers from it but never claims it on the LAN (no ARP reply with
 * arp_ignore, no ND for an address that is not on the interface).  The
 * VIP moves from lo to the interface when the node becomes master, and
 * back; it is present throughout, so the node's IKE daemon never sees its
 * address go.  Both kinds are in the record of VIPs added (RUN_DIR), and
 * both go when the daemon stops.
 *
 * Who decides: with vrrp = on the election (vrrp/election.h) calls
 * role_set; with vrrp = off this node always holds the VIPs, and with
 * vrrp = external whoever puts a VIP on the interface does
 * (role_follow_interface).  IPv4 and IPv6 VIPs have separate roles.
 *
 * The role owns its state; it reaches the data path only through the
 * struct dataplane it was made with, and tells others of a change only
 * through its hook.
 */
#ifndef IKELB_ROLE_H
#define IKELB_ROLE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/ip.h"
#include "config/config.h"
#include "dataplane/dataplane.h"
#include "ikelb.h"

struct loop;

enum vip_role { ROLE_BACKUP, ROLE_MASTER };

/* The VIP of one address family and who holds it. */
struct vip_state {
	bool configured;
	struct ip_addr ip;
	enum vip_role role;
	bool added; /* we added the address (and remove it when we stop) */
	bool on_lo; /* we hold it on the loopback device (steering) */
	time_t since; /* wall clock of the last role change; 0: none yet */
	char reason[160];
	unsigned announce_left; /* gratuitous ARP / NA still to send */
	uint64_t transitions;
};

struct role_hooks {
	void *ctx;
	/* A VIP changed role, after the transition's work was done. */
	void (*on_changed)(void *ctx, int fam, enum vip_role r);
};

/*
 * c must stay valid until role_reload or role_free; dp for the life of
 * the role.  Writes the XDP config map; NULL (logged) when that fails.
 */
struct role *role_new(struct loop *l, const struct config *c, const struct dataplane *dp,
		      const struct role_hooks *h);
/* Frees; call role_set(..., ROLE_BACKUP, ...) first to give VIPs up. */
void role_free(struct role *r);
/* New settings (ports, actions, notify, announcements); the VIPs and the
 * VRRP mode stay (a reload may not change them). */
int role_reload(struct role *r, const struct config *c);

/* The transition of fam's VIP to r (nothing when it is in r already). */
int role_set(struct role *r, int fam, enum vip_role to, const char *reason);
/* vrrp = off: master of every VIP; external: master of the VIPs found on
 * the interface, backup of the others. */
void role_follow_interface(struct role *r, const char *why);
/* Whether the XDP program answers IKE_SA_INIT at the VIPs held (auth
 * mode turns that off while charon redirects); rewrites the config map. */
void role_set_xdp_answers(struct role *r, bool answers);
/* Whether the XDP program asks requests for a cookie (the cookies module
 * decides: dataplane/cookies.h); rewrites the config map. */
void role_set_cookies(struct role *r, bool on);
/* Writes the XDP config map from the config, the VIPs held and the cookie
 * state. */
int role_push_config(struct role *r);
/* Removes VIPs a crashed run left behind (recorded in RUN_DIR). */
void role_clean_stale(struct role *r);
/* Steering: every VIP this node is not master of, held on lo. */
void role_hold_backups(struct role *r);
/* The daemon stops: the VIPs on lo go, and none goes there any more. */
void role_stopping(struct role *r);

const struct vip_state *role_vip(const struct role *r, int fam);
bool role_any_master(const struct role *r);
const char *role_name(enum vip_role r);

#endif
