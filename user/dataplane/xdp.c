// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ikelb.skel.h"
#include "base/log.h"
#include "dataplane/xdp.h"

#define BPFFS "/sys/fs/bpf"

int xdp_ensure_bpffs(void)
{
	struct statfs st;

	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
		log_err("cannot mount bpffs at %s: %s", BPFFS, strerror(errno));
		return -1;
	}
	log_info("mounted bpffs at %s", BPFFS);
	return 0;
}

static void pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static const char *const pinned[] = { XDP_PIN_CONFIG,	    XDP_PIN_TARGETS,
				      XDP_PIN_SLOTS,	    XDP_PIN_TARGET_STATS,
				      XDP_PIN_COUNTERS,	    XDP_PIN_BUDGET,
				      XDP_PIN_SOURCES,	    XDP_PIN_NODE_LIMIT,
				      XDP_PIN_COOKIE_SECRETS, XDP_PIN_LABELS,
				      XDP_PIN_FRAGS };

void xdp_unpin_dir(const char *cluster)
{
	char dir[128], p[256];

	snprintf(dir, sizeof(dir), "%s/%s", IKELB_PIN_ROOT, cluster);
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		pin_path(p, sizeof(p), dir, pinned[i]);
		unlink(p);
	}
	rmdir(dir);
	rmdir(IKELB_PIN_ROOT); /* only succeeds when no other cluster is pinned */
}

static struct bpf_map *map_by_pin_name(struct ikelb_bpf *s, const char *name)
{
	if (!strcmp(name, XDP_PIN_CONFIG))
		return s->maps.ikelb_config;
	if (!strcmp(name, XDP_PIN_TARGETS))
		return s->maps.ikelb_targets;
	if (!strcmp(name, XDP_PIN_SLOTS))
		return s->maps.ikelb_slots;
	if (!strcmp(name, XDP_PIN_TARGET_STATS))
		return s->maps.ikelb_tstats;
	if (!strcmp(name, XDP_PIN_BUDGET))
		return s->maps.ikelb_budget;
	if (!strcmp(name, XDP_PIN_SOURCES))
		return s->maps.ikelb_sources;
	if (!strcmp(name, XDP_PIN_NODE_LIMIT))
		return s->maps.ikelb_nodelimit;
	if (!strcmp(name, XDP_PIN_COOKIE_SECRETS))
		return s->maps.ikelb_cookies;
	if (!strcmp(name, XDP_PIN_LABELS))
		return s->maps.ikelb_labels;
	if (!strcmp(name, XDP_PIN_FRAGS))
		return s->maps.ikelb_frags;
	return s->maps.ikelb_counters;
}

static int pin_maps(struct xdp_state *x, const char *cluster)
{
	char p[256];

	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s/%s", IKELB_PIN_ROOT, cluster);
	xdp_unpin_dir(cluster);
	if ((mkdir(IKELB_PIN_ROOT, 0700) && errno != EEXIST) ||
	    (mkdir(x->pin_dir, 0700) && errno != EEXIST)) {
		log_err("cannot create %s: %s", x->pin_dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		pin_path(p, sizeof(p), x->pin_dir, pinned[i]);
		if (bpf_map__pin(map_by_pin_name(x->skel, pinned[i]), p)) {
			log_err("cannot pin map at %s: %s", p, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int map_slots(struct xdp_state *x)
{
	size_t len = sizeof(struct ikelb_slot) * XDP_SLOT_ENTRIES;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(x->skel->maps.ikelb_slots), 0);

	if (p == MAP_FAILED) {
		log_err("cannot mmap the slots map: %s", strerror(errno));
		return -1;
	}
	x->slots = p;
	for (size_t i = 0; i < XDP_SLOT_ENTRIES; i++)
		x->slots[i].target = IKELB_SLOT_NONE;
	return 0;
}

int xdp_open(struct xdp_state *x, const char *cluster)
{
	memset(x, 0, sizeof(*x));
	x->link_fd = -1;
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		log_err("cannot count CPUs: %s", strerror(-x->ncpus));
		return -1;
	}
	if (xdp_ensure_bpffs())
		return -1;
	x->skel = ikelb_bpf__open_and_load();
	if (!x->skel) {
		log_err("cannot load the XDP program: %s (run with -v for the verifier log)",
			strerror(errno));
		return -1;
	}
	if (map_slots(x) || pin_maps(x, cluster)) {
		xdp_close(x);
		return -1;
	}
	return 0;
}

static int other_program(int ifindex, uint32_t *id, char *name, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	uint32_t ilen = sizeof(info);
	int fd;

	if (bpf_xdp_query(ifindex, 0, &q) || !q.prog_id)
		return 0;
	*id = q.prog_id;
	snprintf(name, len, "?");
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
			snprintf(name, len, "%s", info.name);
		close(fd);
	}
	return 1;
}

static int link_in_mode(struct xdp_state *x, int ifindex, uint32_t flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = flags);

	return bpf_link_create(bpf_program__fd(x->skel->progs.ikelb_xdp), ifindex,
			       BPF_XDP, &o);
}

int xdp_check_free(int ifindex)
{
	char name[BPF_OBJ_NAME_LEN], ifname[IF_NAMESIZE] = "?";
	uint32_t id;

	if (!other_program(ifindex, &id, name, sizeof(name)))
		return 0;
	if_indextoname(ifindex, ifname);
	log_err("another XDP program (id %u, name %s) is attached to %s; refusing to "
		"replace it (remove it first, e.g. `ip link set dev %s xdp off`)",
		id, name, ifname, ifname);
	return -1;
}

int xdp_attach(struct xdp_state *x, int ifindex, enum cfg_xdp_mode mode)
{
	struct bpf_prog_info info = {};
	uint32_t ilen = sizeof(info);
	int fd = -1;

	if (x->link_fd >= 0)
		return 0;
	if (xdp_check_free(ifindex))
		return -1;
	if (mode != CFG_XDP_GENERIC) {
		fd = link_in_mode(x, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd >= 0)
			snprintf(x->mode, sizeof(x->mode), "native");
		else if (mode == CFG_XDP_NATIVE) {
			log_err("cannot attach XDP in native mode: %s", strerror(errno));
			return -1;
		} else
			log_info("native XDP unavailable (%s); using generic mode",
				 strerror(errno));
	}
	if (fd < 0) {
		fd = link_in_mode(x, ifindex, XDP_FLAGS_SKB_MODE);
		if (fd < 0) {
			log_err("cannot attach XDP in generic mode: %s", strerror(errno));
			return -1;
		}
		snprintf(x->mode, sizeof(x->mode), "generic");
	}
	x->link_fd = fd;
	x->ifindex = ifindex;
	if (!bpf_obj_get_info_by_fd(bpf_program__fd(x->skel->progs.ikelb_xdp), &info, &ilen))
		x->prog_id = info.id;
	log_info("XDP program %u attached in %s mode", x->prog_id, x->mode);
	return 0;
}

bool xdp_attached(const struct xdp_state *x)
{
	return x->link_fd >= 0;
}

void xdp_detach(struct xdp_state *x)
{
	if (x->link_fd < 0)
		return;
	close(x->link_fd);
	x->link_fd = -1;
	x->mode[0] = 0;
	log_info("XDP program %u detached", x->prog_id);
}

void xdp_close(struct xdp_state *x)
{
	xdp_detach(x);
	if (x->slots)
		munmap(x->slots, sizeof(struct ikelb_slot) * XDP_SLOT_ENTRIES);
	x->slots = NULL;
	if (x->pin_dir[0]) {
		xdp_unpin_dir(x->pin_dir + strlen(IKELB_PIN_ROOT) + 1);
		x->pin_dir[0] = 0;
	}
	ikelb_bpf__destroy(x->skel);
	x->skel = NULL;
}

int xdp_set_config(struct xdp_state *x, const struct ikelb_config *c)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(bpf_map__fd(x->skel->maps.ikelb_config), &zero, c, 0);
}

int xdp_get_config(struct xdp_state *x, struct ikelb_config *c)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.ikelb_config), &zero, c);
}

int xdp_set_target(struct xdp_state *x, uint32_t idx, const struct ikelb_target *t)
{
	return bpf_map_update_elem(bpf_map__fd(x->skel->maps.ikelb_targets), &idx, t, 0);
}

int xdp_read_counters(struct xdp_state *x, uint64_t out[IKELB_CNT_MAX])
{
	struct ikelb_counters per[x->ncpus];
	uint32_t zero = 0;

	memset(out, 0, sizeof(uint64_t) * IKELB_CNT_MAX);
	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.ikelb_counters), &zero, per))
		return -1;
	for (int c = 0; c < x->ncpus; c++) {
		const uint64_t *v = (const uint64_t *)&per[c];

		for (int i = 0; i < IKELB_CNT_MAX; i++)
			out[i] += v[i];
	}
	return 0;
}

int xdp_read_redirects_percpu(struct xdp_state *x, uint64_t *per)
{
	/* One batched lookup instead of a syscall per target: the daemon reads
	 * these on every refill of the slot table. */
	uint32_t keys[IKELB_MAX_TARGETS], count = IKELB_MAX_TARGETS, out_batch;
	uint64_t vals[IKELB_MAX_TARGETS * x->ncpus];
	int fd = bpf_map__fd(x->skel->maps.ikelb_tstats);
	int err;

	memset(per, 0, sizeof(uint64_t) * IKELB_MAX_TARGETS * x->ncpus);
	err = bpf_map_lookup_batch(fd, NULL, &out_batch, keys, vals, &count, NULL);
	if (err && errno != ENOENT)
		return -1;
	for (uint32_t i = 0; i < count; i++)
		if (keys[i] < IKELB_MAX_TARGETS)
			memcpy(per + (size_t)keys[i] * x->ncpus, vals + (size_t)i * x->ncpus,
			       sizeof(uint64_t) * x->ncpus);
	return 0;
}

int xdp_set_label(struct xdp_state *x, uint32_t label, const struct ikelb_steer *e)
{
	return bpf_map_update_elem(bpf_map__fd(x->skel->maps.ikelb_labels), &label, e, 0);
}

int xdp_set_budgets(struct xdp_state *x, const uint64_t *until)
{
	uint32_t keys[IKELB_MAX_TARGETS], count = IKELB_MAX_TARGETS;

	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++)
		keys[i] = i;
	return bpf_map_update_batch(bpf_map__fd(x->skel->maps.ikelb_budget), keys, until,
				    &count, NULL);
}

int xdp_set_cookie_secret(struct xdp_state *x, uint32_t idx, const struct ikelb_cookie_secret *s)
{
	return bpf_map_update_elem(bpf_map__fd(x->skel->maps.ikelb_cookies), &idx, s, 0);
}

int xdp_read_sources(struct xdp_state *x, struct xdp_sources_cursor *cur,
		     struct ikelb_source_key *keys, struct ikelb_source_state *vals, uint32_t *n)
{
	uint32_t out = 0;
	int err;

	err = bpf_map_lookup_batch(bpf_map__fd(x->skel->maps.ikelb_sources),
				   cur->started ? &cur->token : NULL, &out, keys, vals, n, NULL);
	if (err && errno != ENOENT) {
		*n = 0;
		return -1;
	}
	cur->started = true;
	cur->token = out;
	return err ? 0 : 1;
}
