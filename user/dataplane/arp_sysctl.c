// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The ARP settings steering needs: see arp_sysctl.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/arp_sysctl.h"

/* /proc/sys/net/ipv4/conf/DEV/NAME, or -1 with errno. */
static int read_conf(const char *dev, const char *name)
{
	char path[128];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", dev, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1) {
		v = -1;
		errno = EINVAL;
	}
	fclose(f);
	return v;
}

/* The kernel's effective value: the larger of "all" and the device's. */
static int effective(const char *ifname, const char *name, char *why, size_t len)
{
	int all = read_conf("all", name), dev = read_conf(ifname, name);

	if (all < 0 || dev < 0) {
		snprintf(why, len, "cannot read net.ipv4.conf.%s.%s: %s", all < 0 ? "all" : ifname,
			 name, strerror(errno));
		return -1;
	}
	return all > dev ? all : dev;
}

int arp_sysctl_check(const char *ifname, char *why, size_t len)
{
	int ignore = effective(ifname, "arp_ignore", why, len), announce;

	if (ignore < 0)
		return -1;
	announce = effective(ifname, "arp_announce", why, len);
	if (announce < 0)
		return -1;
	if (ignore >= ARP_IGNORE_MIN && announce >= ARP_ANNOUNCE_MIN)
		return 0;
	snprintf(why, len,
		 "net.ipv4.conf.%s.arp_ignore is %d and arp_announce %d; steering needs at "
		 "least %d and %d (sysctl -w net.ipv4.conf.%s.arp_ignore=%d "
		 "net.ipv4.conf.%s.arp_announce=%d), or a node that is not master answers ARP "
		 "for the VIP it holds on lo",
		 ifname, ignore, announce, ARP_IGNORE_MIN, ARP_ANNOUNCE_MIN, ifname,
		 ARP_IGNORE_MIN, ifname, ARP_ANNOUNCE_MIN);
	return -1;
}
