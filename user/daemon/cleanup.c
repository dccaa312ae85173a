// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "base/log.h"
#include "base/rundir.h"
#include "config/config.h"
#include "daemon/cleanup.h"
#include "daemon/ctl.h"
#include "dataplane/addr.h"
#include "dataplane/vip_record.h"
#include "dataplane/xdp.h"

/* The cluster's name and interface; a config with errors is good enough
 * when its name can be read (the daemon may have died of that config). */
static int read_config(const char *path, char *name, size_t nlen, char *ifname, size_t ilen)
{
	struct cfg_errors e = {};
	struct config c;

	ifname[0] = 0;
	if (config_load(path, &c, &e) == 0) {
		snprintf(name, nlen, "%s", c.name);
		snprintf(ifname, ilen, "%s", c.interface);
		config_free(&c);
		return 0;
	}
	cfg_errors_free(&e);
	if (config_cluster_name(path, name, nlen)) {
		log_err("cleanup: no usable [cluster] name in %s", path);
		return -1;
	}
	log_warn("cleanup: %s has errors; cleaning up after cluster \"%s\" anyway", path, name);
	return 0;
}

static void remove_vips(const char *cluster, const char *ifname)
{
	struct vip_record rec;
	char s[INET6_ADDRSTRLEN];
	int want = ifname[0] ? (int)if_nametoindex(ifname) : 0;

	if (vip_record_load(cluster, &rec) != 1)
		return;
	/* steering's VIPs on lo: whatever the interface is now */
	for (unsigned i = 0; i < rec.n_lo; i++) {
		int lo = (int)if_nametoindex("lo");

		ip_addr_str(&rec.lo_ips[i], s, sizeof(s));
		if (lo && addr_present(lo, &rec.lo_ips[i]) == 1 && addr_del(lo, &rec.lo_ips[i]) == 0)
			log_info("cleanup: removed VIP %s from lo, left behind by a daemon that did "
				 "not stop", s);
	}
	if (want && rec.ifindex != want) {
		/* the interface was made again since: its index is not the record's */
		log_warn("cleanup: the VIP record names interface index %d, %s is %d: left alone",
			 rec.ifindex, ifname, want);
		return;
	}
	for (unsigned i = 0; i < rec.n; i++) {
		ip_addr_str(&rec.ips[i], s, sizeof(s));
		if (addr_present(rec.ifindex, &rec.ips[i]) != 1)
			continue;
		if (addr_del(rec.ifindex, &rec.ips[i]) == 0)
			log_info("cleanup: removed VIP %s left behind by a daemon that did not stop", s);
	}
	vip_record_remove(cluster);
}

static bool bpffs_mounted(void)
{
	struct statfs st;

	return statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

int cleanup_run(const char *cfg_path)
{
	char name[CFG_NAME_MAX + 1], ifname[IF_NAMESIZE], path[128];
	int lock;

	if (read_config(cfg_path, name, sizeof(name), ifname, sizeof(ifname)))
		return 1;
	/* a running daemon holds the lock: then nothing here is left over */
	lock = ctl_lock(name);
	if (lock < 0)
		return 1;
	remove_vips(name, ifname);
	if (bpffs_mounted())
		xdp_unpin_dir(name);
	rundir_path(path, sizeof(path), name, "sock");
	unlink(path);
	rundir_path(path, sizeof(path), name, "lock");
	unlink(path);
	close(lock);
	return 0;
}
