// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fake_dataplane.h"

__attribute__((format(printf, 2, 3))) static void step(struct fake_dataplane *f,
							const char *fmt, ...)
{
	va_list ap;

	if (f->n_log >= FAKE_DP_LOG)
		return;
	va_start(ap, fmt);
	vsnprintf(f->log[f->n_log++], sizeof(f->log[0]), fmt, ap);
	va_end(ap);
}

static int find(struct fake_dataplane *f, const struct ip_addr *ip)
{
	for (unsigned i = 0; i < f->n_on_iface; i++)
		if (ip_addr_eq(&f->on_iface[i], ip))
			return (int)i;
	return -1;
}

static int f_attach(void *ctx)
{
	struct fake_dataplane *f = ctx;

	step(f, "attach");
	if (f->fail_attach)
		return -1;
	f->attached = true;
	return 0;
}

static void f_detach(void *ctx)
{
	struct fake_dataplane *f = ctx;

	if (f->attached)
		step(f, "detach");
	f->attached = false;
}

static bool f_attached(void *ctx)
{
	return ((struct fake_dataplane *)ctx)->attached;
}

static int f_set_config(void *ctx, const struct ikelb_config *c)
{
	struct fake_dataplane *f = ctx;

	step(f, "config v4 %s v6 %s", c->vip4_active ? "on" : "off", c->vip6_active ? "on" : "off");
	f->config = *c;
	f->config_writes++;
	return 0;
}

static int f_set_target(void *ctx, uint32_t idx, const struct ikelb_target *t)
{
	struct fake_dataplane *f = ctx;

	if (idx >= IKELB_MAX_TARGETS)
		return -1;
	f->targets[idx] = *t;
	f->target_writes++;
	return 0;
}

static int f_read_redirects(void *ctx, uint64_t *per)
{
	struct fake_dataplane *f = ctx;

	memcpy(per, f->redirects, sizeof(f->redirects));
	f->redirect_reads++;
	return 0;
}

static int f_set_budgets(void *ctx, const uint64_t *until)
{
	struct fake_dataplane *f = ctx;

	memcpy(f->budgets, until, sizeof(f->budgets));
	return 0;
}

static int f_read_counters(void *ctx, uint64_t *out)
{
	struct fake_dataplane *f = ctx;

	if (f->fail_counters) {
		errno = EIO;
		return -1;
	}
	memcpy(out, f->counters, sizeof(f->counters));
	return 0;
}

static int f_set_cookie_secret(void *ctx, uint32_t idx, const struct ikelb_cookie_secret *s)
{
	struct fake_dataplane *f = ctx;

	if (f->fail_secrets || idx > 1) {
		errno = EIO;
		return -1;
	}
	f->secrets[idx] = *s;
	f->secret_writes++;
	return 0;
}

/* The cursor's token is the index of the next entry. */
static int f_read_sources(void *ctx, struct xdp_sources_cursor *cur, struct ikelb_source_key *keys,
			  struct ikelb_source_state *vals, uint32_t *n)
{
	struct fake_dataplane *f = ctx;
	uint32_t i = cur->started ? cur->token : 0, got = 0;

	for (; i < f->n_sources && got < *n; i++, got++) {
		keys[got] = f->source_keys[i];
		vals[got] = f->source_vals[i];
	}
	cur->started = true;
	cur->token = i;
	*n = got;
	f->source_reads++;
	return i < f->n_sources;
}

static int f_addr_present(void *ctx, const struct ip_addr *ip)
{
	return find(ctx, ip) >= 0;
}

static int f_addr_add(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s)
{
	struct fake_dataplane *f = ctx;
	char s[INET6_ADDRSTRLEN];

	step(f, "add %s", ip_addr_str(ip, s, sizeof(s)));
	if (find(f, ip) < 0 && f->n_on_iface < 4)
		f->on_iface[f->n_on_iface++] = *ip;
	f->lifetime_s = lifetime_s;
	return 0;
}

/* Not in the step log: it comes on a timer while a VIP is held. */
static int f_addr_refresh(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s)
{
	struct fake_dataplane *f = ctx;

	if (find(f, ip) < 0 && f->n_on_iface < 4)
		f->on_iface[f->n_on_iface++] = *ip;
	f->lifetime_s = lifetime_s;
	f->refreshes++;
	return 0;
}

static int f_addr_del(void *ctx, const struct ip_addr *ip)
{
	struct fake_dataplane *f = ctx;
	char s[INET6_ADDRSTRLEN];
	int i = find(f, ip);

	step(f, "del %s", ip_addr_str(ip, s, sizeof(s)));
	if (i >= 0)
		f->on_iface[i] = f->on_iface[--f->n_on_iface];
	return 0;
}

static int f_announce(void *ctx, const struct ip_addr *ip)
{
	struct fake_dataplane *f = ctx;
	char s[INET6_ADDRSTRLEN];

	step(f, "announce %s", ip_addr_str(ip, s, sizeof(s)));
	f->announces[ip->family == AF_INET6 ? IKELB_FAM_V6 : IKELB_FAM_V4]++;
	return 0;
}

static int f_set_label(void *ctx, uint32_t label, const struct ikelb_steer *e)
{
	struct fake_dataplane *f = ctx;

	if (label >= IKELB_STEER_LABELS)
		return -1;
	f->labels[label] = *e;
	f->label_writes++;
	return 0;
}

static int f_neigh_mac(void *ctx, const struct ip_addr *ip, uint8_t mac[6])
{
	struct fake_dataplane *f = ctx;

	f->neigh_asks++;
	for (unsigned i = 0; i < f->n_neigh; i++)
		if (ip_addr_eq(&f->neigh_ip[i], ip)) {
			memcpy(mac, f->neigh_mac[i], 6);
			return 0;
		}
	return -1;
}

static int find_lo(struct fake_dataplane *f, const struct ip_addr *ip)
{
	for (unsigned i = 0; i < f->n_on_lo; i++)
		if (ip_addr_eq(&f->on_lo[i], ip))
			return (int)i;
	return -1;
}

static int f_lo_present(void *ctx, const struct ip_addr *ip)
{
	return find_lo(ctx, ip) >= 0;
}

static int f_lo_add(void *ctx, const struct ip_addr *ip)
{
	struct fake_dataplane *f = ctx;
	char s[INET6_ADDRSTRLEN];

	step(f, "lo add %s", ip_addr_str(ip, s, sizeof(s)));
	if (find_lo(f, ip) < 0 && f->n_on_lo < 4)
		f->on_lo[f->n_on_lo++] = *ip;
	return 0;
}

static int f_lo_del(void *ctx, const struct ip_addr *ip)
{
	struct fake_dataplane *f = ctx;
	char s[INET6_ADDRSTRLEN];
	int i = find_lo(f, ip);

	step(f, "lo del %s", ip_addr_str(ip, s, sizeof(s)));
	if (i >= 0)
		f->on_lo[i] = f->on_lo[--f->n_on_lo];
	return 0;
}

static const struct dataplane_ops fake_ops = {
	.attach = f_attach,
	.detach = f_detach,
	.attached = f_attached,
	.set_config = f_set_config,
	.set_target = f_set_target,
	.read_redirects = f_read_redirects,
	.set_budgets = f_set_budgets,
	.read_counters = f_read_counters,
	.set_cookie_secret = f_set_cookie_secret,
	.read_sources = f_read_sources,
	.addr_present = f_addr_present,
	.addr_add = f_addr_add,
	.addr_refresh = f_addr_refresh,
	.addr_del = f_addr_del,
	.announce = f_announce,
	.set_label = f_set_label,
	.neigh_mac = f_neigh_mac,
	.lo_present = f_lo_present,
	.lo_add = f_lo_add,
	.lo_del = f_lo_del,
};

void fake_dataplane_init(struct fake_dataplane *f)
{
	memset(f, 0, sizeof(*f));
	f->dp = (struct dataplane){ .ops = &fake_ops, .ctx = f, .slots = f->slots,
				    .ncpus = FAKE_DP_CPUS, .ifindex = 1 };
	for (size_t i = 0; i < XDP_SLOT_ENTRIES; i++)
		f->slots[i].target = IKELB_SLOT_NONE;
}

int fake_dataplane_step(const struct fake_dataplane *f, const char *s, unsigned from)
{
	for (unsigned i = from; i < f->n_log; i++)
		if (!strcmp(f->log[i], s))
			return (int)i;
	return -1;
}

void fake_dataplane_put_addr(struct fake_dataplane *f, const char *ip, bool present)
{
	struct ip_addr a = { .family = strchr(ip, ':') ? AF_INET6 : AF_INET };
	int i;

	inet_pton(a.family, ip, &a.v6);
	i = find(f, &a);
	if (present && i < 0 && f->n_on_iface < 4)
		f->on_iface[f->n_on_iface++] = a;
	else if (!present && i >= 0)
		f->on_iface[i] = f->on_iface[--f->n_on_iface];
}

void fake_dataplane_put_neigh(struct fake_dataplane *f, const char *ip, const uint8_t mac[6])
{
	struct ip_addr a = { .family = strchr(ip, ':') ? AF_INET6 : AF_INET };

	inet_pton(a.family, ip, &a.v6);
	if (f->n_neigh < 4) {
		f->neigh_ip[f->n_neigh] = a;
		memcpy(f->neigh_mac[f->n_neigh++], mac, 6);
	}
}

bool fake_dataplane_on_lo(const struct fake_dataplane *f, const char *ip)
{
	struct ip_addr a = { .family = strchr(ip, ':') ? AF_INET6 : AF_INET };

	inet_pton(a.family, ip, &a.v6);
	for (unsigned i = 0; i < f->n_on_lo; i++)
		if (ip_addr_eq(&f->on_lo[i], &a))
			return true;
	return false;
}

unsigned fake_dataplane_slots_of(const struct fake_dataplane *f, unsigned table, unsigned fam,
				 uint32_t idx)
{
	unsigned n = 0;

	for (unsigned k = 0; k < IKELB_SLOTS; k++)
		n += f->slots[XDP_SLOT(table, fam, k)].target == idx;
	return n;
}
