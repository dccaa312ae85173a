// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/json_out.h"
#include "base/log.h"
#include "base/loop.h"
#include "ikelb.h"
#include "vrrp/election.h"
#include "vrrp/vrrp_speaker.h"

struct family_speaker {
	struct election *e;
	int fam;
	bool wanted; /* vrrp = on and the family has a VIP */
	bool open;
	struct vrrp_speaker s;
	struct ip_addr vip;
	struct ip_addr allow[VRRP_SPEAKER_ALLOW_MAX];
	struct loop_io io;
	struct loop_timer timer; /* the speaker's next deadline, or the retry */
};

struct election {
	struct loop *loop;
	const struct config *cfg;
	struct election_hooks hooks;
	struct family_speaker sp[IKELB_FAMILIES];
};

static const char *fam_name(int fam)
{
	return fam == IKELB_FAM_V6 ? "IPv6" : "IPv4";
}

/* The event loop's name of a speaker's callbacks: its socket (adverts
 * received) and its timer (adverts sent, master down). */
static const char *speaker_name(int fam)
{
	return fam == IKELB_FAM_V6 ? "vrrp.ipv6" : "vrrp.ipv4";
}

/* The speaker's timer follows its FSM's deadline after every event. */
static void rearm(struct family_speaker *f)
{
	uint64_t dl = vrrp_speaker_deadline(&f->s);

	if (dl == VRRP_NO_DEADLINE)
		loop_timer_stop(&f->timer);
	else
		loop_timer_at(&f->timer, dl);
}

static void on_speaker_role(void *ctx, struct vrrp_speaker *s, const struct vrrp_action *act)
{
	struct family_speaker *f = ctx;
	struct election *e = f->e;

	(void)s;
	if (e->hooks.on_role)
		e->hooks.on_role(e->hooks.ctx, f->fam, act->to == VRRP_STATE_MASTER, act->reason,
				 act->to == VRRP_STATE_MASTER && act->master_silent
					 ? &act->silent_master
					 : NULL);
}

static void on_readable(void *arg, int fd, uint32_t events)
{
	struct family_speaker *f = arg;

	(void)fd;
	(void)events;
	vrrp_speaker_readable(&f->s, loop_now(f->e->loop));
	rearm(f);
}

static int open_one(struct family_speaker *f);

static void on_timer(void *arg)
{
	struct family_speaker *f = arg;

	if (!f->open) {
		if (open_one(f))
			loop_timer_after(&f->timer, ELECTION_RETRY_MS);
		return;
	}
	vrrp_speaker_timer(&f->s, loop_now(f->e->loop));
	rearm(f);
}

/* Opens and starts one speaker; -1 when it cannot open (yet). */
static int open_one(struct family_speaker *f)
{
	struct election *e = f->e;
	struct vrrp_speaker_config sc;
	int af = f->fam == IKELB_FAM_V6 ? AF_INET6 : AF_INET;
	uint64_t now = loop_now(e->loop);

	if (vrrp_speaker_config_from(&sc, e->cfg, af, &f->vip, f->allow))
		return -1;
	sc.on_role = on_speaker_role;
	sc.ctx = f;
	if (vrrp_speaker_open(&f->s, &sc, now))
		return -1;
	loop_io_init(&f->io, e->loop, speaker_name(f->fam), vrrp_speaker_fd(&f->s), on_readable,
		     f);
	if (loop_io_start(&f->io, LOOP_IN)) {
		vrrp_speaker_close(&f->s);
		return -1;
	}
	f->open = true;
	vrrp_speaker_start(&f->s, now);
	rearm(f);
	return 0;
}

struct election *election_new(struct loop *l, const struct config *c,
			      const struct election_hooks *h)
{
	struct election *e = calloc(1, sizeof(*e));

	if (!e) {
		log_err("out of memory");
		return NULL;
	}
	e->loop = l;
	e->cfg = c;
	if (h)
		e->hooks = *h;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct family_speaker *f = &e->sp[fam];

		f->e = e;
		f->fam = fam;
		f->wanted = c->vrrp == CFG_VRRP_ON &&
			    (fam == IKELB_FAM_V6 ? c->has_vip6 : c->has_vip4);
		loop_timer_init(&f->timer, l, speaker_name(fam), on_timer, f);
	}
	return e;
}

void election_start(struct election *e)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct family_speaker *f = &e->sp[fam];

		if (!f->wanted || f->open)
			continue;
		if (open_one(f)) {
			log_warn("VRRP for the %s VIP not started yet; retrying", fam_name(fam));
			loop_timer_after(&f->timer, ELECTION_RETRY_MS);
		}
	}
}

void election_stop(struct election *e)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct family_speaker *f = &e->sp[fam];

		loop_timer_stop(&f->timer);
		if (!f->open)
			continue;
		/* A master resigns with priority 0: backups take over after their
		 * skew time instead of the whole master-down interval. */
		vrrp_speaker_stop(&f->s, loop_now(e->loop));
		loop_io_stop(&f->io);
		vrrp_speaker_close(&f->s);
		f->open = false;
	}
}

void election_free(struct election *e)
{
	if (!e)
		return;
	election_stop(e);
	free(e);
}

void election_reload(struct election *e, const struct config *c)
{
	e->cfg = c;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct family_speaker *f = &e->sp[fam];
		int af = fam == IKELB_FAM_V6 ? AF_INET6 : AF_INET;
		unsigned n = vrrp_allowed_sources(c, af, f->allow, VRRP_SPEAKER_ALLOW_MAX);

		if (f->open)
			vrrp_speaker_set_allow(&f->s, f->allow, n);
	}
}

void election_addr_changed(struct election *e)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		if (e->sp[fam].open)
			vrrp_speaker_refresh_primary(&e->sp[fam].s);
}

static const struct vrrp_speaker *speaker(const struct election *e, int fam)
{
	return e->sp[fam].open ? &e->sp[fam].s : NULL;
}

bool election_master_silent(const struct election *e, int fam, struct ip_addr *addr)
{
	const struct vrrp_speaker *s = speaker(e, fam);
	uint64_t now = loop_now(e->loop);

	if (!s || s->fsm.state != VRRP_STATE_BACKUP || !s->fsm.master_known ||
	    s->fsm.master_priority == VRRP_PRIO_RESIGN ||
	    now <= s->fsm.master_heard_ms + 2u * s->fsm.master_adver_interval_cs * 10u)
		return false;
	*addr = s->fsm.master_addr;
	return true;
}

bool election_master(const struct election *e, int fam, struct ip_addr *addr,
		     unsigned *priority)
{
	const struct vrrp_speaker *s = speaker(e, fam);

	if (!s || !s->fsm.master_known)
		return false;
	*addr = s->fsm.master_addr;
	*priority = s->fsm.master_priority;
	return true;
}

void election_text(const struct election *e, FILE *out)
{
	const struct config *cfg = e->cfg;
	char a[INET6_ADDRSTRLEN];

	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		const struct vrrp_speaker *s = speaker(e, fam);
		const struct vrrp_counters *c;

		if (!e->sp[fam].wanted)
			continue;
		if (!s) {
			fprintf(out, "VRRP %s: not started (retrying)\n", fam_name(fam));
			continue;
		}
		c = &s->cnt;
		fprintf(out, "VRRP %s vrid %u priority %u: %s, primary %s; adverts sent %llu, "
			"received %llu, accepted %llu\n", fam_name(fam), cfg->vrid,
			cfg->priority, vrrp_state_name(s->fsm.state),
			ip_addr_str(&s->fsm.cfg.primary, a, sizeof(a)),
			(unsigned long long)c->sent, (unsigned long long)c->received,
			(unsigned long long)c->accepted);
		fprintf(out, "  drops:");
		for (int r = VRRP_RX_BAD_TTL; r < VRRP_RX_KINDS; r++)
			fprintf(out, " %s %llu", vrrp_rx_name(r),
				(unsigned long long)*vrrp_counters_drop((struct vrrp_counters *)c, r));
		fprintf(out, " recv_errors %llu send_errors %llu\n",
			(unsigned long long)c->recv_errors, (unsigned long long)c->send_errors);
		fprintf(out, "  sources: %s; owner_mismatch %llu\n",
			s->n_allow ? "only the allowed ones" : "any",
			(unsigned long long)c->owner_mismatch);
	}
}

struct json_object *election_json(const struct election *e)
{
	json_object *a = json_object_new_array();
	char ip[INET6_ADDRSTRLEN];

	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		const struct vrrp_speaker *s = speaker(e, fam);
		json_object *o, *drops, *allow;
		struct vrrp_counters c;

		if (!e->sp[fam].wanted)
			continue;
		o = json_object_new_object();
		json_add_str(o, "family", fam ? "ipv6" : "ipv4");
		json_object_object_add(o, "vrid", json_object_new_int((int)e->cfg->vrid));
		json_object_object_add(o, "priority", json_object_new_int((int)e->cfg->priority));
		json_add_str(o, "state", s ? vrrp_state_name(s->fsm.state) : "NOT_STARTED");
		if (s) {
			c = s->cnt;
			json_add_str(o, "primary", ip_addr_str(&s->fsm.cfg.primary, ip, sizeof(ip)));
			json_object_object_add(o, "master_adver_interval_ms",
					       json_object_new_int(s->fsm.master_adver_interval_cs * 10));
			json_add_u64(o, "sent", c.sent);
			json_add_u64(o, "received", c.received);
			json_add_u64(o, "accepted", c.accepted);
			drops = json_object_new_object();
			for (int r = VRRP_RX_BAD_TTL; r < VRRP_RX_KINDS; r++)
				json_add_u64(drops, vrrp_rx_name(r), *vrrp_counters_drop(&c, r));
			json_add_u64(drops, "recv_errors", c.recv_errors);
			json_add_u64(drops, "send_errors", c.send_errors);
			json_object_object_add(o, "drops", drops);
			json_add_u64(o, "owner_mismatch", c.owner_mismatch);
			allow = json_object_new_array();
			for (unsigned i = 0; i < s->n_allow; i++)
				json_object_array_add(allow, json_object_new_string(ip_addr_str(
								     &s->allow[i], ip, sizeof(ip))));
			json_object_object_add(o, "allowed_sources", allow);
		}
		json_object_array_add(a, o);
	}
	return a;
}
