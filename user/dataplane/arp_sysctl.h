/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What steering needs of the host's ARP settings.  A node that is not
 * master holds the IPv4 VIP on lo and sends from it (its IKE daemon
 * answers steered clients from the VIP).  With the kernel's defaults it
 * would answer ARP requests for the VIP on the cluster interface
 * (arp_ignore 0) and put the VIP into its own ARP requests as their
 * sender (arp_announce 0), and its neighbours would send the VIP's
 * traffic to it instead of to the master.  So steering needs, on the
 * cluster interface, arp_ignore >= 1 (answer only for addresses of the
 * interface the request came in on) and arp_announce >= 2 (use the
 * interface's own address in requests).  The kernel takes the larger of
 * the "all" and the interface's value.  IPv6 needs nothing: neighbour
 * discovery answers only for addresses of the interface.
 *
 * The daemon does not set them: they are the host's settings (sysctl.d),
 * and the units' sandbox keeps /proc/sys read-only.  It refuses to steer
 * without them, and `ikelb-load check` says what to set.
 */
#ifndef IKELB_ARP_SYSCTL_H
#define IKELB_ARP_SYSCTL_H

#include <stddef.h>

#define ARP_IGNORE_MIN 1
#define ARP_ANNOUNCE_MIN 2

/*
 * 0 when ifname's effective arp_ignore and arp_announce are high enough;
 * -1 with why ("net.ipv4.conf.e0.arp_ignore is 0, steering needs 1 ..."),
 * also when they cannot be read.
 */
int arp_sysctl_check(const char *ifname, char *why, size_t len);

#endif
