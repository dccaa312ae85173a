// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "base/log.h"
#include "dataplane/addr.h"
#include "dataplane/addr_refresh.h"
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

static int x_read_counters(void *ctx, uint64_t *out)
{
	return xdp_read_counters(((struct dataplane_xdp *)ctx)->xdp, out);
}

static int x_set_cookie_secret(void *ctx, uint32_t idx, const struct ikelb_cookie_secret *s)
{
	return xdp_set_cookie_secret(((struct dataplane_xdp *)ctx)->xdp, idx, s);
}

static int x_read_sources(void *ctx, struct xdp_sources_cursor *cur, struct ikelb_source_key *keys,
			  struct ikelb_source_state *vals, uint32_t *n)
{
	return xdp_read_sources(((struct dataplane_xdp *)ctx)->xdp, cur, keys, vals, n);
}

static int x_addr_present(void *ctx, const struct ip_addr *ip)
{
	return addr_present(((struct dataplane_xdp *)ctx)->ifindex, ip);
}

static int x_addr_add(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s)
{
	return addr_add(((struct dataplane_xdp *)ctx)->ifindex, ip, lifetime_s);
}

/* Handed to the refresher's thread: the kernel's RTNL lock is waited for
 * there, not on the loop. */
static int x_addr_refresh(void *ctx, const struct ip_addr *ip, uint32_t lifetime_s)
{
	struct dataplane_xdp *d = ctx;

	addr_refresher_ask(d->refresher, ip, lifetime_s);
	return 0;
}

static int x_addr_del(void *ctx, const struct ip_addr *ip)
{
	struct dataplane_xdp *d = ctx;

	/* a renewal after the removal would add it again */
	addr_refresher_cancel(d->refresher, ip);
	return addr_del(d->ifindex, ip);
}

static int x_announce(void *ctx, const struct ip_addr *ip)
{
	struct dataplane_xdp *d = ctx;

	return announce_vip(&d->packet_fd, d->ifindex, ip);
}

static int x_set_label(void *ctx, uint32_t label, const struct ikelb_steer *e)
{
	return xdp_set_label(((struct dataplane_xdp *)ctx)->xdp, label, e);
}

static int x_neigh_mac(void *ctx, const struct ip_addr *ip, uint8_t mac[6])
{
	return addr_neigh_mac(((struct dataplane_xdp *)ctx)->ifindex, ip, mac);
}

static int lo_index(void)
{
	return (int)if_nametoindex("lo");
}

static int x_lo_present(void *ctx, const struct ip_addr *ip)
{
	(void)ctx;
	return addr_present(lo_index(), ip);
}

static int x_lo_add(void *ctx, const struct ip_addr *ip)
{
	(void)ctx;
	return addr_add(lo_index(), ip, 0); /* forever: see role.c, lo_hold */
}

static int x_lo_del(void *ctx, const struct ip_addr *ip)
{
	(void)ctx;
	return addr_del(lo_index(), ip);
}

static const struct dataplane_ops xdp_ops = {
	.attach = x_attach,
	.detach = x_detach,
	.attached = x_attached,
	.set_config = x_set_config,
	.set_target = x_set_target,
	.read_redirects = x_read_redirects,
	.set_budgets = x_set_budgets,
	.read_counters = x_read_counters,
	.set_cookie_secret = x_set_cookie_secret,
	.read_sources = x_read_sources,
	.addr_present = x_addr_present,
	.addr_add = x_addr_add,
	.addr_refresh = x_addr_refresh,
	.addr_del = x_addr_del,
	.announce = x_announce,
	.set_label = x_set_label,
	.neigh_mac = x_neigh_mac,
	.lo_present = x_lo_present,
	.lo_add = x_lo_add,
	.lo_del = x_lo_del,
};

int dataplane_xdp_init(struct dataplane *dp, struct dataplane_xdp *ctx, struct xdp_state *x,
		       int ifindex, enum cfg_xdp_mode mode)
{
	*ctx = (struct dataplane_xdp){ .xdp = x, .ifindex = ifindex, .mode = mode,
				       .packet_fd = -1,
				       .refresher = addr_refresher_new(ifindex) };
	*dp = (struct dataplane){ .ops = &xdp_ops, .ctx = ctx, .slots = x->slots,
				  .ncpus = x->ncpus, .ifindex = ifindex };
	return ctx->refresher ? 0 : -1;
}

void dataplane_xdp_close(struct dataplane_xdp *ctx)
{
	addr_refresher_free(ctx->refresher);
	ctx->refresher = NULL;
	announce_close(&ctx->packet_fd);
}
