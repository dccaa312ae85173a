/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Renewing the lifetime of a held VIP off the event loop.  The renewal is
 * an RTM_NEWADDR request, and the kernel serves it under its RTNL lock,
 * which whatever changes an interface, an address or a namespace on the
 * host holds meanwhile: on a busy host a renewal waited 10-25 ms for it,
 * on the loop that sends the VRRP adverts.  A thread of its own sends
 * them; the loop only hands the request over and never waits.
 *
 *     struct addr_refresher *r = addr_refresher_new(ifindex);
 *     addr_refresher_ask(r, &vip, 3);     // returns at once
 *     addr_refresher_cancel(r, &vip);     // before removing the VIP
 *     addr_refresher_free(r);
 *
 * Order: the kernel creates an address that a renewal names, so a renewal
 * must never reach it after the VIP was removed.  addr_refresher_cancel
 * drops a renewal of that address that has not started and waits for one
 * under way (as long as the removal itself would wait for the lock).
 *
 * The thread (base/thread.h) starts with the first request and logs what
 * fails.
 */
#ifndef IKELB_ADDR_REFRESH_H
#define IKELB_ADDR_REFRESH_H

#include <stdint.h>

#include "base/ip.h"

struct addr_refresher;

/* NULL when out of memory (logged). */
struct addr_refresher *addr_refresher_new(int ifindex);
/* ip's lifetime starts again (lifetime_s, addr.h), soon; never waits.
 * A request for the same address that has not started is replaced. */
void addr_refresher_ask(struct addr_refresher *r, const struct ip_addr *ip, uint32_t lifetime_s);
/* No renewal of ip after this returns. */
void addr_refresher_cancel(struct addr_refresher *r, const struct ip_addr *ip);
/* Stops the thread (after the renewal under way, if any). */
void addr_refresher_free(struct addr_refresher *r);

#endif
