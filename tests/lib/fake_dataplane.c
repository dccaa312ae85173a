// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
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

static const struct dataplane_ops fake_ops = {
	.attach = f_attach,
	.detach = f_detach,
	.attached = f_attached,
	.set_config = f_set_config,
	.set_target = f_set_target,
	.read_redirects = f_read_redirects,
	.set_budgets = f_set_budgets,
	.addr_present = f_addr_present,
	.addr_add = f_addr_add,
	.addr_refresh = f_addr_refresh,
	.addr_del = f_addr_del,
	.announce = f_announce,
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

unsigned fake_dataplane_slots_of(const struct fake_dataplane *f, unsigned table, unsigned fam,
				 uint32_t idx)
{
	unsigned n = 0;

	for (unsigned k = 0; k < IKELB_SLOTS; k++)
		n += f->slots[XDP_SLOT(table, fam, k)].target == idx;
	return n;
}
