// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * vrrp = on: one VRRPv3 speaker per VIP family decides the role of that
 * VIP.  The speakers report transitions; role_set() does the work.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "dataplane/addr.h"
#include "cluster/cluster.h"
#include "daemon/daemon.h"
#include "vrrp/election.h"
#include "base/log.h"
#include "cluster/reports.h"
#include "vrrp/vrrp_speaker.h"

#define OPEN_RETRY_MS 1000

struct family_speaker {
	bool wanted; /* vrrp = on and the family has a VIP */
	bool open;
	struct vrrp_speaker s;
	struct ip_addr vip;
	uint64_t retry_ms;
};

static struct family_speaker sp[IKELB_FAMILIES];

static void note_master(struct daemon *d, int fam, const struct vrrp_speaker *s)
{
	struct vip_state *v = &d->vip[fam];

	v->master.family = 0;
	if (s->fsm.master_known) {
		v->master = s->fsm.master_addr;
		v->master_prio = s->fsm.master_priority;
	}
}

static void on_role(void *ctx, struct vrrp_speaker *s, const struct vrrp_action *act)
{
	struct daemon *d = ctx;
	int fam = s == &sp[IKELB_FAM_V6].s ? IKELB_FAM_V6 : IKELB_FAM_V4;

	if (act->to == VRRP_STATE_MASTER && act->master_silent) {
		/* Before the VIP arrives: no client may be sent to the gateway
		 * of the node that just died. */
		reports_master_silent(d, &act->silent_master);
		cluster_refill(d, now_ms());
	}
	note_master(d, fam, s);
	role_set(d, fam, act->to == VRRP_STATE_MASTER ? ROLE_MASTER : ROLE_BACKUP,
		 act->reason);
}

/* Opens and starts one speaker; on failure (e.g. no IPv6 link-local
 * address yet) it is retried from the timers. */
static int open_one(struct daemon *d, int fam, uint64_t now)
{
	struct family_speaker *f = &sp[fam];
	struct vrrp_speaker_config sc;
	int af = fam == IKELB_FAM_V6 ? AF_INET6 : AF_INET;

	if (vrrp_speaker_config_from(&sc, &d->cfg, af, &f->vip))
		return -1;
	sc.on_role = on_role;
	sc.ctx = d;
	if (vrrp_speaker_open(&f->s, &sc, now)) {
		f->retry_ms = now + OPEN_RETRY_MS;
		return -1;
	}
	if (daemon_watch(d, vrrp_speaker_fd(&f->s))) {
		vrrp_speaker_close(&f->s);
		return -1;
	}
	f->open = true;
	vrrp_speaker_start(&f->s, now);
	note_master(d, fam, &f->s);
	return 0;
}

/* Priority 255 claims to own the address: it must be the interface's own. */
static int check_owner(struct daemon *d, int fam)
{
	char s[INET6_ADDRSTRLEN];

	if (d->cfg.priority != 255)
		return 0;
	if (addr_present(d->ifindex, &d->vip[fam].ip) == 1)
		return 0;
	log_err("priority 255 means this node owns %s, but it is not an address of %s",
		ip_addr_str(&d->vip[fam].ip, s, sizeof(s)), d->cfg.interface);
	return -1;
}

int election_start(struct daemon *d)
{
	uint64_t now = now_ms();

	memset(sp, 0, sizeof(sp));
	if (d->cfg.vrrp != CFG_VRRP_ON)
		return 0;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		if (!d->vip[fam].configured)
			continue;
		if (check_owner(d, fam))
			return -1;
		sp[fam].wanted = true;
		if (open_one(d, fam, now))
			log_warn("VRRP for the %s VIP not started yet; retrying",
				 fam == IKELB_FAM_V6 ? "IPv6" : "IPv4");
	}
	return 0;
}

void election_stop(struct daemon *d)
{
	uint64_t now = now_ms();

	(void)d;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		if (!sp[fam].open)
			continue;
		/* A master resigns with priority 0: backups take over after their
		 * skew time instead of the whole master-down interval. */
		vrrp_speaker_stop(&sp[fam].s, now);
		vrrp_speaker_close(&sp[fam].s);
		sp[fam].open = false;
	}
}

uint64_t election_deadline(struct daemon *d, uint64_t t)
{
	(void)d;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		uint64_t x;

		if (!sp[fam].wanted)
			continue;
		x = sp[fam].open ? vrrp_speaker_deadline(&sp[fam].s) : sp[fam].retry_ms;
		if (x < t)
			t = x;
	}
	return t;
}

void election_timers(struct daemon *d, uint64_t now)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct family_speaker *f = &sp[fam];

		if (f->open)
			vrrp_speaker_timer(&f->s, now);
		else if (f->wanted && now >= f->retry_ms)
			open_one(d, fam, now);
	}
}

bool election_fd_ready(struct daemon *d, int fd)
{
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		struct family_speaker *f = &sp[fam];

		if (f->open && fd == vrrp_speaker_fd(&f->s)) {
			vrrp_speaker_readable(&f->s, now_ms());
			note_master(d, fam, &f->s);
			return true;
		}
	}
	return false;
}

void election_addr_changed(struct daemon *d)
{
	(void)d;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++)
		if (sp[fam].open)
			vrrp_speaker_refresh_primary(&sp[fam].s);
}

static const struct vrrp_speaker *speaker(int fam)
{
	return sp[fam].open ? &sp[fam].s : NULL;
}

void election_text(struct daemon *d, FILE *out)
{
	char a[INET6_ADDRSTRLEN];

	if (d->cfg.vrrp != CFG_VRRP_ON)
		return;
	for (int fam = 0; fam < IKELB_FAMILIES; fam++) {
		const struct vrrp_speaker *s = speaker(fam);
		const struct vrrp_counters *c;

		if (!sp[fam].wanted)
			continue;
		if (!s) {
			fprintf(out, "VRRP %s: not started (retrying)\n", fam ? "IPv6" : "IPv4");
			continue;
		}
		c = &s->cnt;
		fprintf(out, "VRRP %s vrid %u priority %u: %s, primary %s; adverts sent %llu, "
			"received %llu, accepted %llu\n", fam ? "IPv6" : "IPv4", d->cfg.vrid,
			d->cfg.priority, vrrp_state_name(s->fsm.state),
			ip_addr_str(&s->fsm.cfg.primary, a, sizeof(a)),
			(unsigned long long)c->sent, (unsigned long long)c->received,
			(unsigned long long)c->accepted);
		fprintf(out, "  drops: bad_ttl %llu bad_length %llu bad_version %llu bad_type %llu "
			"no_addrs %llu bad_checksum %llu other_vrid %llu bad_interval %llu "
			"recv_errors %llu send_errors %llu\n",
			(unsigned long long)c->bad_ttl, (unsigned long long)c->bad_length,
			(unsigned long long)c->bad_version, (unsigned long long)c->bad_type,
			(unsigned long long)c->no_addrs, (unsigned long long)c->bad_checksum,
			(unsigned long long)c->other_vrid, (unsigned long long)c->bad_interval,
			(unsigned long long)c->recv_errors, (unsigned long long)c->send_errors);
	}
}

static void jadd_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

struct json_object *election_json(struct daemon *d)
{
	json_object *a = json_object_new_array();
	char ip[INET6_ADDRSTRLEN];

	for (int fam = 0; fam < IKELB_FAMILIES && d->cfg.vrrp == CFG_VRRP_ON; fam++) {
		const struct vrrp_speaker *s = speaker(fam);
		json_object *o, *drops;
		const struct vrrp_counters *c;

		if (!sp[fam].wanted)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "family", json_object_new_string(fam ? "ipv6" : "ipv4"));
		json_object_object_add(o, "vrid", json_object_new_int(d->cfg.vrid));
		json_object_object_add(o, "priority", json_object_new_int(d->cfg.priority));
		json_object_object_add(o, "state",
				       json_object_new_string(s ? vrrp_state_name(s->fsm.state)
								: "NOT_STARTED"));
		if (s) {
			c = &s->cnt;
			json_object_object_add(o, "primary", json_object_new_string(
				ip_addr_str(&s->fsm.cfg.primary, ip, sizeof(ip))));
			json_object_object_add(o, "master_adver_interval_ms",
					       json_object_new_int(s->fsm.master_adver_interval_cs * 10));
			jadd_u64(o, "sent", c->sent);
			jadd_u64(o, "received", c->received);
			jadd_u64(o, "accepted", c->accepted);
			drops = json_object_new_object();
			for (int r = VRRP_RX_BAD_TTL; r < VRRP_RX_KINDS; r++)
				jadd_u64(drops, vrrp_rx_name(r),
					 *vrrp_counters_drop((struct vrrp_counters *)c, r));
			jadd_u64(drops, "recv_errors", c->recv_errors);
			jadd_u64(drops, "send_errors", c->send_errors);
			json_object_object_add(o, "drops", drops);
		}
		json_object_array_add(a, o);
	}
	return a;
}
