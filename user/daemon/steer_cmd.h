/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The command line's steering commands: `ikelb-load strongswan-conf`
 * prints the charon { } lines of this node's strongswan.conf, and
 * `ikelb-load check` adds, for a config that steers, what it can see of
 * this host: the ARP settings (dataplane/arp_sysctl.h) and whether the
 * running charon's SAs carry this node's label (over VICI, which shows
 * SAs, not settings: ike/charon_spi.h).  These are warnings: the file
 * itself is valid.
 */
#ifndef IKELB_STEER_CMD_H
#define IKELB_STEER_CMD_H

#include <stdio.h>

#include "config/config.h"

/* The lines for [gateway] steer_label; 0, or 1 with the reason on err. */
int steer_cmd_strongswan_conf(const struct config *c, FILE *out, FILE *err);
/* Warnings (lines "warning: ...") and notes about steering on this host;
 * returns the number of warnings. */
unsigned steer_cmd_check(const struct config *c, FILE *out);

#endif
