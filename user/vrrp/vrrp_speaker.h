/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * One VRRPv3 virtual router on one interface for one address family: the
 * state machine (vrrp_fsm) wired to its socket (vrrp_net) and codec
 * (vrrp_proto).  The owner runs the event loop:
 *
 *   vrrp_speaker_open(&s, &cfg);             epoll_ctl(ADD, vrrp_speaker_fd(&s), EPOLLIN)
 *   vrrp_speaker_start(&s, now);             // Initialize -> Backup (or Master)
 *   loop: arm a timer for vrrp_speaker_deadline(&s) (monotonic ms)
 *         fd readable -> vrrp_speaker_readable(&s, now)
 *         timer       -> vrrp_speaker_timer(&s, now)
 *   vrrp_speaker_stop(&s, now);              // a Master resigns with priority 0
 *   vrrp_speaker_close(&s);
 *
 * Role changes are reported through the on_role callback after the advert
 * that goes with them has been sent; the callback does the transition
 * (VIP, XDP, announcements, notify script).  IPv4 and IPv6 are separate
 * virtual routers (RFC 5798): each family has its own speaker and role.
 *
 * What reaches the state machine: a packet from an allowed source (when
 * vrrp_allow or vrrp_peers name any of the family: only those), that
 * vrrp_decode finds valid for our VRID, whose address list is ours (RFC
 * 5798 7.1; the address owner's, priority 255, is taken anyway).  A
 * mismatching list is logged once per source (the last
 * VRRP_SPEAKER_LOGGED sources are remembered); every drop is counted.
 * VRRPv3 has no authentication: these checks keep out other virtual
 * routers and hosts off the list, not a host that forges an allowed
 * source address (README.md, "Trust model").
 */
#ifndef IKELB_VRRP_SPEAKER_H
#define IKELB_VRRP_SPEAKER_H

#include "config/config.h"
#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_net.h"
#include "vrrp/vrrp_proto.h"

#define VRRP_SPEAKER_LOGGED 16
#define VRRP_SPEAKER_ALLOW_MAX (2 * CFG_MAX_PEERS)

struct vrrp_speaker;
/* act->transition is true; act->from, act->to, act->reason say what. */
typedef void (*vrrp_role_cb)(void *ctx, struct vrrp_speaker *s, const struct vrrp_action *act);

struct vrrp_speaker_config {
	int family; /* AF_INET or AF_INET6 */
	const char *ifname;
	uint8_t vrid; /* 1..255 */
	uint8_t priority; /* 1..255 */
	uint16_t interval_cs; /* 1..4095 */
	bool preempt;
	const struct ip_addr *vips; /* advertised, of this family; 1..VRRP_NET_MAX_VIPS */
	unsigned n_vips;
	const struct ip_addr *peers; /* unicast peers (see vrrp_net_config) */
	unsigned n_peers;
	const struct ip_addr *allow; /* the only sources heard; none: anyone */
	unsigned n_allow;
	vrrp_role_cb on_role;
	void *ctx;
};

struct vrrp_speaker {
	struct vrrp_fsm fsm; /* state, since, master, stats: for `status` */
	struct vrrp_net net;
	struct vrrp_counters cnt; /* packets: for `status` */
	uint8_t vrid;
	struct ip_addr vips[VRRP_NET_MAX_VIPS];
	unsigned n_vips;
	struct ip_addr allow[VRRP_SPEAKER_ALLOW_MAX];
	unsigned n_allow;
	struct ip_addr logged[VRRP_SPEAKER_LOGGED]; /* mismatching sources logged */
	unsigned n_logged;
	vrrp_role_cb on_role;
	void *ctx;
};

/*
 * Fills *sc for one family from the [cluster] / [vrrp] config (interval
 * from advert_interval_ms, the family's VIP, vrrp_peers, the allowed
 * sources into allow_storage[VRRP_SPEAKER_ALLOW_MAX]).  Returns -1 when
 * the config has no VIP of that family.
 */
int vrrp_speaker_config_from(struct vrrp_speaker_config *sc, const struct config *c, int family,
			     struct ip_addr *vip_storage, struct ip_addr *allow_storage);
/*
 * The sources of family's adverts the config allows into out[max]: those of
 * vrrp_allow and of vrrp_peers (IPv6: only link-local peers, since adverts
 * come from link-local).  0: no list, anyone is heard.
 */
unsigned vrrp_allowed_sources(const struct config *c, int family, struct ip_addr *out,
			      unsigned max);
/* A reload changed the allowed sources. */
void vrrp_speaker_set_allow(struct vrrp_speaker *s, const struct ip_addr *allow, unsigned n);

/* Opens the socket, finds the primary address; 0, or -1 (logged). */
int vrrp_speaker_open(struct vrrp_speaker *s, const struct vrrp_speaker_config *c,
		      uint64_t now_ms);
static inline int vrrp_speaker_fd(const struct vrrp_speaker *s) { return s->net.fd; }
static inline enum vrrp_state vrrp_speaker_state(const struct vrrp_speaker *s)
{
	return s->fsm.state;
}
void vrrp_speaker_start(struct vrrp_speaker *s, uint64_t now_ms);
/* Reads and handles the pending packets (level-triggered epoll). */
void vrrp_speaker_readable(struct vrrp_speaker *s, uint64_t now_ms);
/* Runs due timers; harmless when called early. */
void vrrp_speaker_timer(struct vrrp_speaker *s, uint64_t now_ms);
/* Monotonic ms of the next timer; VRRP_NO_DEADLINE when stopped. */
uint64_t vrrp_speaker_deadline(const struct vrrp_speaker *s);
/* Shutdown event: sends priority 0 when Master, reports -> INIT. */
void vrrp_speaker_stop(struct vrrp_speaker *s, uint64_t now_ms);
/* Re-reads the primary address (netlink saw an address change). */
int vrrp_speaker_refresh_primary(struct vrrp_speaker *s);
void vrrp_speaker_close(struct vrrp_speaker *s);

#endif
