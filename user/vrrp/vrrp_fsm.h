/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The VRRPv3 state machine of RFC 5798 section 6 as pure logic: no sockets
 * and no clock reads.  The caller feeds events with the current monotonic
 * time in milliseconds and carries out the returned action: first send the
 * advert (if asked), then apply the role change (if any).  Afterwards it
 * waits until vrrp_fsm_deadline() and calls vrrp_fsm_timer().
 *
 * Timer arithmetic is done in centiseconds exactly as the RFC writes it
 * (integer division included) and only then converted to milliseconds.
 */
#ifndef IKELB_VRRP_FSM_H
#define IKELB_VRRP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ip.h"

#define VRRP_REASON_MAX 160
#define VRRP_NO_DEADLINE UINT64_MAX

enum vrrp_state { VRRP_STATE_INIT, VRRP_STATE_BACKUP, VRRP_STATE_MASTER };

struct vrrp_fsm_config {
	uint8_t priority; /* 1..255; 255 only for the address owner */
	uint16_t interval_cs; /* Advertisement_Interval, 1..4095 */
	bool preempt; /* Preempt_Mode */
	struct ip_addr primary; /* our primary address: breaks priority ties */
};

/* What the caller must do after an event, in this order. */
struct vrrp_action {
	bool send; /* send one advert now ... */
	uint8_t send_priority; /* ... with this priority (0: resigning) */
	bool transition; /* the role changed from -> to */
	enum vrrp_state from, to;
	char reason[VRRP_REASON_MAX]; /* for the log, when transition */
	/* Taking over because this master went silent (no priority 0): its
	 * node is probably dead, gateway included. */
	bool master_silent;
	struct ip_addr silent_master;
};

/* A received advert that passed vrrp_decode. */
struct vrrp_fsm_advert {
	uint8_t priority;
	uint16_t interval_cs; /* the sender's Max Adver Int */
	struct ip_addr from; /* the sender's primary (IP source) address */
};

struct vrrp_fsm_stats {
	uint64_t to_master, to_backup, to_init; /* transitions */
	uint64_t adverts_accepted; /* reset the master down timer */
	uint64_t adverts_resign; /* priority 0 received */
	uint64_t adverts_ignored; /* discarded: lower priority, owner, init */
	uint64_t adverts_requested; /* send actions returned */
};

struct vrrp_fsm {
	struct vrrp_fsm_config cfg;
	enum vrrp_state state;
	uint64_t since_ms; /* when the current state began */
	uint16_t master_adver_interval_cs; /* learned in Backup */
	uint64_t adver_timer_ms; /* Master: next advert; else VRRP_NO_DEADLINE */
	uint64_t master_down_timer_ms; /* Backup: takeover; else VRRP_NO_DEADLINE */
	/* The current master as far as we know (ourselves when Master);
	 * priority 0 while a resigning master's skew time runs. */
	bool master_known;
	struct ip_addr master_addr;
	uint8_t master_priority;
	uint64_t master_heard_ms; /* Backup: its last advert that reset our timer */
	/* Backup with preempt: a lower-priority master is being ignored. */
	bool preempting;
	struct ip_addr preempt_addr;
	uint8_t preempt_priority;
	struct vrrp_fsm_stats stats;
};

/* Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, in cs. */
uint32_t vrrp_skew_time_cs(uint8_t priority, uint16_t master_adver_interval_cs);
/* Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time, in cs. */
uint32_t vrrp_master_down_cs(uint8_t priority, uint16_t master_adver_interval_cs);

/* Sets up an FSM in Initialize; nothing happens until vrrp_fsm_startup. */
void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_config *cfg, uint64_t now_ms);
/* Startup event (6.4.1): owner -> Master, everybody else -> Backup. */
void vrrp_fsm_startup(struct vrrp_fsm *f, uint64_t now_ms, struct vrrp_action *act);
/* Shutdown event: a Master resigns with priority 0; -> Initialize. */
void vrrp_fsm_shutdown(struct vrrp_fsm *f, uint64_t now_ms, struct vrrp_action *act);
/* A valid advert for our VRID arrived (6.4.2 / 6.4.3). */
void vrrp_fsm_advert(struct vrrp_fsm *f, uint64_t now_ms, const struct vrrp_fsm_advert *adv,
		     struct vrrp_action *act);
/* Timer check: fires the Adver_Timer or Master_Down_Timer when due; a
 * call before the deadline does nothing, so a spurious wakeup is harmless. */
void vrrp_fsm_timer(struct vrrp_fsm *f, uint64_t now_ms, struct vrrp_action *act);
/* The next time vrrp_fsm_timer must run; VRRP_NO_DEADLINE in Initialize. */
uint64_t vrrp_fsm_deadline(const struct vrrp_fsm *f);
/* A new primary address (the interface's addresses changed). */
void vrrp_fsm_set_primary(struct vrrp_fsm *f, const struct ip_addr *primary);

const char *vrrp_state_name(enum vrrp_state s); /* "INIT", "BACKUP", "MASTER" */

#endif
