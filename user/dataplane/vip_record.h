/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The record of the VIPs a run added, RUN_DIR/<cluster>.vips: the
 * interface index on the first line, then one address per line; an
 * address followed by " lo" is one held on the loopback device (steering:
 * role.h), a line that readers knowing only addresses skip.  It is
 * written (atomically: a temporary file renamed) whenever the set changes
 * and removed when it is empty, so that after a crash whoever comes next
 * -- `ikelb-load cleanup` from the units' ExecStopPost=, or the next
 * start (role_clean_stale) -- removes exactly what the dead run added.
 */
#ifndef IKELB_VIP_RECORD_H
#define IKELB_VIP_RECORD_H

#include "base/ip.h"
#include "ikelb.h"

struct vip_record {
	int ifindex;
	struct ip_addr ips[IKELB_FAMILIES];
	unsigned n;
	struct ip_addr lo_ips[IKELB_FAMILIES]; /* on lo */
	unsigned n_lo;
};

/* Writes r (n == n_lo == 0: removes the record); 0 or -1 (logged). */
int vip_record_save(const char *cluster, const struct vip_record *r);
/* 1 with *r filled, 0 when there is no record, -1 when it is unreadable
 * (logged).  Lines that are not addresses are skipped. */
int vip_record_load(const char *cluster, struct vip_record *r);
void vip_record_remove(const char *cluster);

#endif
