// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "vrrp/vrrp_speaker.h"

unsigned vrrp_allowed_sources(const struct config *c, int family, struct ip_addr *out,
			      unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->n_vrrp_allow && n < max; i++)
		if (c->vrrp_allow[i].family == family)
			out[n++] = c->vrrp_allow[i];
	for (unsigned i = 0; i < c->n_vrrp_peers && n < max; i++) {
		const struct ip_addr *p = &c->vrrp_peers[i];

		if (p->family == family &&
		    (family == AF_INET || IN6_IS_ADDR_LINKLOCAL(&p->v6)))
			out[n++] = *p;
	}
	return n;
}

void vrrp_speaker_set_allow(struct vrrp_speaker *s, const struct ip_addr *allow, unsigned n)
{
	if (n > VRRP_SPEAKER_ALLOW_MAX)
		n = VRRP_SPEAKER_ALLOW_MAX;
	memcpy(s->allow, allow, n * sizeof(*allow));
	s->n_allow = n;
}

int vrrp_speaker_config_from(struct vrrp_speaker_config *sc, const struct config *c, int family,
			     struct ip_addr *vip_storage, struct ip_addr *allow_storage)
{
	memset(sc, 0, sizeof(*sc));
	memset(vip_storage, 0, sizeof(*vip_storage));
	vip_storage->family = family;
	if (family == AF_INET && c->has_vip4)
		vip_storage->v4 = c->vip4;
	else if (family == AF_INET6 && c->has_vip6)
		vip_storage->v6 = c->vip6;
	else
		return -1;
	sc->family = family;
	sc->ifname = c->interface;
	sc->vrid = (uint8_t)c->vrid;
	sc->priority = (uint8_t)c->priority;
	sc->interval_cs = (uint16_t)(c->advert_interval_ms / 10);
	sc->preempt = c->preempt;
	sc->vips = vip_storage;
	sc->n_vips = 1;
	sc->peers = c->vrrp_peers;
	sc->n_peers = c->n_vrrp_peers;
	sc->n_allow = vrrp_allowed_sources(c, family, allow_storage, VRRP_SPEAKER_ALLOW_MAX);
	sc->allow = allow_storage;
	return 0;
}

int vrrp_speaker_open(struct vrrp_speaker *s, const struct vrrp_speaker_config *c,
		      uint64_t now_ms)
{
	struct vrrp_net_config nc = {
		.family = c->family,
		.ifname = c->ifname,
		.peers = c->peers,
		.n_peers = c->n_peers,
		/* the owner's VIP is its own address, and may be the primary */
		.exclude = c->vips,
		.n_exclude = c->priority == VRRP_PRIO_OWNER ? 0 : c->n_vips,
	};
	struct vrrp_fsm_config fc = {
		.priority = c->priority,
		.interval_cs = c->interval_cs,
		.preempt = c->preempt,
	};

	memset(s, 0, sizeof(*s));
	s->net.fd = -1;
	if (c->n_vips == 0 || c->n_vips > VRRP_NET_MAX_VIPS || c->vrid == 0 ||
	    c->priority == 0 || c->interval_cs == 0 || c->interval_cs > VRRP_INTERVAL_MAX_CS) {
		log_err("vrrp: invalid speaker settings");
		errno = EINVAL;
		return -1;
	}
	for (unsigned i = 0; i < c->n_vips; i++)
		if (c->vips[i].family != c->family) {
			errno = EINVAL;
			return -1;
		}
	if (vrrp_net_open(&s->net, &nc) < 0)
		return -1;
	memcpy(s->vips, c->vips, c->n_vips * sizeof(*c->vips));
	s->n_vips = c->n_vips;
	s->vrid = c->vrid;
	vrrp_speaker_set_allow(s, c->allow, c->allow ? c->n_allow : 0);
	s->on_role = c->on_role;
	s->ctx = c->ctx;
	fc.primary = s->net.primary;
	vrrp_fsm_init(&s->fsm, &fc, now_ms);
	return 0;
}

static void send_advert(struct vrrp_speaker *s, uint8_t priority)
{
	uint8_t addrs[VRRP_NET_MAX_VIPS * 16];
	size_t alen = s->net.family == AF_INET ? 4 : 16;
	struct vrrp_advert a = {
		.family = s->net.family,
		.vrid = s->vrid,
		.priority = priority,
		.interval_cs = s->fsm.cfg.interval_cs,
		.n_addrs = (uint8_t)s->n_vips,
		.addrs = addrs,
	};

	for (unsigned i = 0; i < s->n_vips; i++)
		memcpy(addrs + i * alen, &s->vips[i].v6, alen);
	vrrp_net_send(&s->net, &a, &s->cnt);
}

/* Carries out an FSM action: the advert first, then the role change. */
static void apply(struct vrrp_speaker *s, const struct vrrp_action *act)
{
	if (act->send)
		send_advert(s, act->send_priority);
	if (act->transition && s->on_role)
		s->on_role(s->ctx, s, act);
}

void vrrp_speaker_start(struct vrrp_speaker *s, uint64_t now_ms)
{
	struct vrrp_action act;

	vrrp_fsm_startup(&s->fsm, now_ms, &act);
	apply(s, &act);
}

void vrrp_speaker_stop(struct vrrp_speaker *s, uint64_t now_ms)
{
	struct vrrp_action act;

	vrrp_fsm_shutdown(&s->fsm, now_ms, &act);
	apply(s, &act);
}

/* A mismatching address list is logged once per source (RFC 5798 7.1
 * asks for a log, a flood must not fill it). */
static void log_mismatch(struct vrrp_speaker *s, const struct ip_addr *src,
			 const struct vrrp_advert *adv)
{
	char a[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < s->n_logged && i < VRRP_SPEAKER_LOGGED; i++)
		if (ip_addr_eq(&s->logged[i], src))
			return;
	s->logged[s->n_logged++ % VRRP_SPEAKER_LOGGED] = *src;
	if (adv->priority == VRRP_PRIO_OWNER)
		log_warn("vrrp: advert for VRID %u on %s from %s lists other addresses than ours "
			 "(%u of them); taken anyway: priority 255 is the address owner",
			 s->vrid, s->net.ifname, ip_addr_str(src, a, sizeof(a)), adv->n_addrs);
	else
		log_warn("vrrp: advert for VRID %u on %s from %s lists other addresses than ours "
			 "(%u of them, priority %u): another virtual router with our VRID, or a "
			 "forgery; dropped (RFC 5798 7.1)",
			 s->vrid, s->net.ifname, ip_addr_str(src, a, sizeof(a)), adv->n_addrs,
			 adv->priority);
}

/* The speaker's own checks after vrrp_decode said OK (see the header). */
static enum vrrp_rx check_advert(struct vrrp_speaker *s, const struct vrrp_packet *pkt,
				 const struct vrrp_advert *adv)
{
	if (vrrp_addrs_match(adv, s->vips, s->n_vips))
		return VRRP_RX_OK;
	log_mismatch(s, &pkt->src, adv);
	if (adv->priority != VRRP_PRIO_OWNER)
		return VRRP_RX_ADDR_MISMATCH;
	s->cnt.owner_mismatch++;
	return VRRP_RX_OK;
}

void vrrp_speaker_readable(struct vrrp_speaker *s, uint64_t now_ms)
{
	struct vrrp_packet pkt;
	struct vrrp_advert adv;
	struct vrrp_action act;

	/* bounded, so that a flood cannot starve the rest of the loop; the
	 * fd stays readable for the next round (level-triggered) */
	for (int budget = 256; budget > 0 && vrrp_net_recv(&s->net, &pkt, &s->cnt) == 1;
	     budget--) {
		enum vrrp_rx r = VRRP_RX_NOT_ALLOWED;
		struct vrrp_fsm_advert fa = { .from = pkt.src };

		if (vrrp_source_allowed(&pkt.src, s->allow, s->n_allow))
			r = vrrp_decode(pkt.data, pkt.len, pkt.ttl, &pkt.src, &pkt.dst, s->vrid,
					&adv);
		if (r == VRRP_RX_OK)
			r = check_advert(s, &pkt, &adv);
		vrrp_counters_count(&s->cnt, r);
		if (r != VRRP_RX_OK) {
			if (r != VRRP_RX_OTHER_VRID)
				log_debug("vrrp: dropped advert on %s: %s", s->net.ifname,
					  vrrp_rx_name(r));
			continue;
		}
		fa.priority = adv.priority;
		fa.interval_cs = adv.interval_cs;
		vrrp_fsm_advert(&s->fsm, now_ms, &fa, &act);
		apply(s, &act);
	}
}

void vrrp_speaker_timer(struct vrrp_speaker *s, uint64_t now_ms)
{
	struct vrrp_action act;

	vrrp_fsm_timer(&s->fsm, now_ms, &act);
	apply(s, &act);
}

uint64_t vrrp_speaker_deadline(const struct vrrp_speaker *s)
{
	return vrrp_fsm_deadline(&s->fsm);
}

int vrrp_speaker_refresh_primary(struct vrrp_speaker *s)
{
	if (vrrp_net_refresh_primary(&s->net) < 0)
		return -1;
	vrrp_fsm_set_primary(&s->fsm, &s->net.primary);
	return 0;
}

void vrrp_speaker_close(struct vrrp_speaker *s)
{
	vrrp_net_close(&s->net);
}
