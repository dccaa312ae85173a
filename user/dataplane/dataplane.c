// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "dataplane/addr.h"
#include "dataplane/announce.h"
#include "dataplane/dataplane.h"
#include "dataplane/xdp.h"

static int x_attach(void *ctx)
{
	struct dataplane_xdp *d = ctx;

	return xdp_attach(d->xdp, d->ifindex, d->mode);
}

static void x_detach(void *ctx)
{
	xdp_detach(((struct dataplane_xdp *)ctx)->xdp);
}

static bool x_attached(void *ctx)
{
	return xdp_attached(((struct dataplane_xdp *)ctx)->xdp);
}

/* The program answers only frames sent to the interface's own MAC (never a
 * broadcast, or another host's frame on a promiscuous port): the data path
 * knows the interface, so it fills the MAC in, whoever wrote the rest. */
static int x_set_config(void *ctx, const struct ikelb_config *c)
{
	struct dataplane_xdp *d = ctx;
	struct ikelb_config full = *c;

	if (addr_own_mac(d->ifindex, full.mac))
		log_err("cannot read the MAC of interface %d: %s (XDP answers nothing)",
			d->ifindex, strerror(errno));
	return xdp_set_config(d->xdp, &full);
}

static int x_set_target(void *ctx, uint32_t idx, const struct ikelb_target *t)
{
	return xdp_set_target(((struct dataplane_xdp *)ctx)->xdp, idx, t);
}

static int x_read_redirects(void *ctx, uint64_t *per)
{
	return xdp_read_redirects_percpu(((struct dataplane_xdp *)ctx)->xdp, per);
}

static int x_set_budgets(void *ctx, const uint64_t *until)
{
	return xdp_set_budgets(((struct dataplane_xdp *)ctx)->xdp, until);
}

static int x_addr_present(void *ctx, const struct ip_addr *ip)
{
	return addr_present(((struct dataplane_xdp *)ctx)->ifindex, ip);
}

static int x_addr_add(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s)
{
	return addr_add(((struct dataplane_xdp *)ctx)->ifindex, ip, lifetime_s);
}

static int x_addr_del(void *ctx, const struct ip_addr *ip)
{
	return addr_del(((struct dataplane_xdp *)ctx)->ifindex, ip);
}

static int x_announce(void *ctx, const struct ip_addr *ip)
{
	return announce_vip(((struct dataplane_xdp *)ctx)->ifindex, ip);
}

static const struct dataplane_ops xdp_ops = {
	.attach = x_attach,
	.detach = x_detach,
	.attached = x_attached,
	.set_config = x_set_config,
	.set_target = x_set_target,
	.read_redirects = x_read_redirects,
	.set_budgets = x_set_budgets,
	.addr_present = x_addr_present,
	.addr_add = x_addr_add,
	.addr_refresh = x_addr_add, /* the same request: create or replace */
	.addr_del = x_addr_del,
	.announce = x_announce,
};

void dataplane_xdp_init(struct dataplane *dp, struct dataplane_xdp *ctx, struct xdp_state *x,
			int ifindex, enum cfg_xdp_mode mode)
{
	*ctx = (struct dataplane_xdp){ .xdp = x, .ifindex = ifindex, .mode = mode };
	*dp = (struct dataplane){ .ops = &xdp_ops, .ctx = ctx, .slots = x->slots,
				  .ncpus = x->ncpus, .ifindex = ifindex };
}
