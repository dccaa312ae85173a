// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_proto.h"

#define CS_TO_MS 10u

uint32_t vrrp_skew_time_cs(uint8_t priority, uint16_t master_adver_interval_cs)
{
	return ((256u - priority) * master_adver_interval_cs) / 256u;
}

uint32_t vrrp_master_down_cs(uint8_t priority, uint16_t master_adver_interval_cs)
{
	return 3u * master_adver_interval_cs +
	       vrrp_skew_time_cs(priority, master_adver_interval_cs);
}

const char *vrrp_state_name(enum vrrp_state s)
{
	switch (s) {
	case VRRP_STATE_INIT:
		return "INIT";
	case VRRP_STATE_BACKUP:
		return "BACKUP";
	case VRRP_STATE_MASTER:
		return "MASTER";
	}
	return "?";
}

static void action_clear(struct vrrp_action *act)
{
	memset(act, 0, sizeof(*act));
}

static void request_send(struct vrrp_fsm *f, struct vrrp_action *act, uint8_t priority)
{
	act->send = true;
	act->send_priority = priority;
	f->stats.adverts_requested++;
}

static void set_reason(struct vrrp_action *act, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_reason(struct vrrp_action *act, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(act->reason, sizeof(act->reason), fmt, ap);
	va_end(ap);
}

/* Enters a state; the reason must already be in act. */
static void enter(struct vrrp_fsm *f, enum vrrp_state to, uint64_t now_ms,
		  struct vrrp_action *act)
{
	act->transition = true;
	act->from = f->state;
	act->to = to;
	f->state = to;
	f->since_ms = now_ms;
	f->preempting = false;
	f->adver_timer_ms = VRRP_NO_DEADLINE;
	f->master_down_timer_ms = VRRP_NO_DEADLINE;
	switch (to) {
	case VRRP_STATE_MASTER:
		f->stats.to_master++;
		f->master_known = true;
		f->master_addr = f->cfg.primary;
		f->master_priority = f->cfg.priority;
		f->adver_timer_ms = now_ms + (uint64_t)f->cfg.interval_cs * CS_TO_MS;
		break;
	case VRRP_STATE_BACKUP:
		f->stats.to_backup++;
		break;
	case VRRP_STATE_INIT:
		f->stats.to_init++;
		f->master_known = false;
		break;
	}
}

static void arm_master_down(struct vrrp_fsm *f, uint64_t now_ms)
{
	f->master_down_timer_ms =
		now_ms + (uint64_t)vrrp_master_down_cs(f->cfg.priority,
						       f->master_adver_interval_cs) * CS_TO_MS;
}

static uint16_t sane_interval(uint16_t cs)
{
	/* vrrp_decode rejects 0; a zero here would make every timer instant */
	return cs ? cs : 1;
}

void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_config *cfg, uint64_t now_ms)
{
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	f->cfg.interval_cs = sane_interval(cfg->interval_cs);
	if (f->cfg.priority == VRRP_PRIO_RESIGN)
		f->cfg.priority = 1; /* 0 is not a priority, only a signal */
	f->state = VRRP_STATE_INIT;
	f->since_ms = now_ms;
	f->master_adver_interval_cs = f->cfg.interval_cs;
	f->adver_timer_ms = VRRP_NO_DEADLINE;
	f->master_down_timer_ms = VRRP_NO_DEADLINE;
}

void vrrp_fsm_set_primary(struct vrrp_fsm *f, const struct ip_addr *primary)
{
	f->cfg.primary = *primary;
	if (f->state == VRRP_STATE_MASTER)
		f->master_addr = *primary;
}

void vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now_ms, struct vrrp_action *act)
{
	action_clear(act);
	if (f->state != VRRP_STATE_INIT)
		return;
	if (f->cfg.priority == VRRP_PRIO_OWNER) {
		request_send(f, act, f->cfg.priority);
		set_reason(act, "startup as address owner (priority 255)");
		enter(f, VRRP_STATE_MASTER, now_ms, act);
		return;
	}
	set_reason(act, "startup");
	enter(f, VRRP_STATE_BACKUP, now_ms, act);
	f->master_adver_interval_cs = f->cfg.interval_cs;
	arm_master_down(f, now_ms);
}

void vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now_ms, struct vrrp_action *act)
{
	action_clear(act);
	if (f->state == VRRP_STATE_INIT)
		return;
	if (f->state == VRRP_STATE_MASTER)
		request_send(f, act, VRRP_PRIO_RESIGN);
	set_reason(act, "shutdown");
	enter(f, VRRP_STATE_INIT, now_ms, act);
}

static void backup_advert(struct vrrp_fsm *f, uint64_t now_ms, const struct vrrp_fsm_advert *adv)
{
	if (adv->priority == VRRP_PRIO_RESIGN) {
		/* the master is leaving: take over after Skew_Time only */
		f->stats.adverts_resign++;
		f->master_known = true;
		f->master_addr = adv->from;
		f->master_priority = VRRP_PRIO_RESIGN;
		f->preempting = false;
		f->master_down_timer_ms =
			now_ms + (uint64_t)vrrp_skew_time_cs(f->cfg.priority,
							     f->master_adver_interval_cs) * CS_TO_MS;
		return;
	}
	if (!f->cfg.preempt || adv->priority >= f->cfg.priority) {
		f->stats.adverts_accepted++;
		f->master_adver_interval_cs = sane_interval(adv->interval_cs);
		arm_master_down(f, now_ms);
		f->master_heard_ms = now_ms;
		f->master_known = true;
		f->master_addr = adv->from;
		f->master_priority = adv->priority;
		f->preempting = false;
		return;
	}
	/* preempt: ignore the lower-priority master until our timer fires */
	f->stats.adverts_ignored++;
	f->preempting = true;
	f->preempt_addr = adv->from;
	f->preempt_priority = adv->priority;
}

static void master_advert(struct vrrp_fsm *f, uint64_t now_ms, const struct vrrp_fsm_advert *adv,
			  struct vrrp_action *act)
{
	char from[INET6_ADDRSTRLEN];
	int cmp;

	if (adv->priority == VRRP_PRIO_RESIGN) {
		/* another master resigned: reassert at once */
		f->stats.adverts_resign++;
		request_send(f, act, f->cfg.priority);
		f->adver_timer_ms = now_ms + (uint64_t)f->cfg.interval_cs * CS_TO_MS;
		return;
	}
	cmp = ip_addr_cmp(&adv->from, &f->cfg.primary);
	if (adv->priority < f->cfg.priority || (adv->priority == f->cfg.priority && cmp <= 0)) {
		/* RFC 5798 6.4.3 discards it; keepalived would send an advert
		 * here.  Our next advert is at most one interval away. */
		f->stats.adverts_ignored++;
		return;
	}
	ip_addr_str(&adv->from, from, sizeof(from));
	if (adv->priority > f->cfg.priority)
		set_reason(act, "higher priority advert from %s (priority %u)", from,
			   adv->priority);
	else
		set_reason(act, "equal priority advert from higher address %s (priority %u)",
			   from, adv->priority);
	f->stats.adverts_accepted++;
	enter(f, VRRP_STATE_BACKUP, now_ms, act);
	f->master_adver_interval_cs = sane_interval(adv->interval_cs);
	arm_master_down(f, now_ms);
	f->master_heard_ms = now_ms;
	f->master_known = true;
	f->master_addr = adv->from;
	f->master_priority = adv->priority;
}

void vrrp_fsm_advert(struct vrrp_fsm *f, uint64_t now_ms, const struct vrrp_fsm_advert *adv,
		     struct vrrp_action *act)
{
	action_clear(act);
	/* RFC 5798 7.1: the address owner discards adverts; in Initialize
	 * nobody listens */
	if (f->state == VRRP_STATE_INIT || f->cfg.priority == VRRP_PRIO_OWNER) {
		f->stats.adverts_ignored++;
		return;
	}
	if (f->state == VRRP_STATE_BACKUP)
		backup_advert(f, now_ms, adv);
	else
		master_advert(f, now_ms, adv, act);
}

static void takeover_reason(const struct vrrp_fsm *f, struct vrrp_action *act)
{
	char a[INET6_ADDRSTRLEN];

	if (f->preempting)
		set_reason(act, "master down timer expired: preempting lower priority master %s (priority %u)",
			   ip_addr_str(&f->preempt_addr, a, sizeof(a)), f->preempt_priority);
	else if (f->master_known && f->master_priority == VRRP_PRIO_RESIGN)
		set_reason(act, "master %s resigned (priority 0), skew time expired",
			   ip_addr_str(&f->master_addr, a, sizeof(a)));
	else if (f->master_known) {
		set_reason(act, "master down timer expired: no advert from %s (priority %u)",
			   ip_addr_str(&f->master_addr, a, sizeof(a)), f->master_priority);
		act->master_silent = true;
		act->silent_master = f->master_addr;
	}
	else
		set_reason(act, "master down timer expired");
}

void vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now_ms, struct vrrp_action *act)
{
	action_clear(act);
	if (f->state == VRRP_STATE_MASTER && now_ms >= f->adver_timer_ms) {
		request_send(f, act, f->cfg.priority);
		f->adver_timer_ms = now_ms + (uint64_t)f->cfg.interval_cs * CS_TO_MS;
	} else if (f->state == VRRP_STATE_BACKUP && now_ms >= f->master_down_timer_ms) {
		request_send(f, act, f->cfg.priority);
		takeover_reason(f, act);
		enter(f, VRRP_STATE_MASTER, now_ms, act);
	}
}

uint64_t vrrp_fsm_deadline(const struct vrrp_fsm *f)
{
	switch (f->state) {
	case VRRP_STATE_MASTER:
		return f->adver_timer_ms;
	case VRRP_STATE_BACKUP:
		return f->master_down_timer_ms;
	case VRRP_STATE_INIT:
		break;
	}
	return VRRP_NO_DEADLINE;
}
