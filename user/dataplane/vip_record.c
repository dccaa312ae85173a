// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/rundir.h"
#include "dataplane/vip_record.h"

int vip_record_save(const char *cluster, const struct vip_record *r)
{
	char path[128], tmp[140], s[INET6_ADDRSTRLEN];
	FILE *f;

	rundir_path(path, sizeof(path), cluster, "vips");
	if (!r->n && !r->n_lo) {
		vip_record_remove(cluster);
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		log_warn("cannot record the VIPs in %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "%d\n", r->ifindex);
	for (unsigned i = 0; i < r->n && i < IKELB_FAMILIES; i++)
		fprintf(f, "%s\n", ip_addr_str(&r->ips[i], s, sizeof(s)));
	for (unsigned i = 0; i < r->n_lo && i < IKELB_FAMILIES; i++)
		fprintf(f, "%s lo\n", ip_addr_str(&r->lo_ips[i], s, sizeof(s)));
	if (fclose(f) || rename(tmp, path)) {
		log_warn("cannot record the VIPs in %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int vip_record_load(const char *cluster, struct vip_record *r)
{
	char path[128], line[128];
	FILE *f;

	memset(r, 0, sizeof(*r));
	r->ifindex = -1;
	rundir_path(path, sizeof(path), cluster, "vips");
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		log_warn("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f))
		r->ifindex = atoi(line);
	while (fgets(line, sizeof(line), f)) {
		struct ip_addr ip = { 0 };
		size_t n;
		bool lo;

		line[strcspn(line, "\n")] = 0;
		n = strlen(line);
		lo = n > 3 && !strcmp(line + n - 3, " lo");
		if (lo)
			line[n - 3] = 0;
		ip.family = strchr(line, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(ip.family, line, &ip.v6) != 1)
			continue;
		if (lo && r->n_lo < IKELB_FAMILIES)
			r->lo_ips[r->n_lo++] = ip;
		else if (!lo && r->n < IKELB_FAMILIES)
			r->ips[r->n++] = ip;
	}
	fclose(f);
	return 1;
}

void vip_record_remove(const char *cluster)
{
	char path[128];

	rundir_path(path, sizeof(path), cluster, "vips");
	unlink(path);
}
