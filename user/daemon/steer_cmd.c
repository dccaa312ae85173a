// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The steering commands: see steer_cmd.h. */
#include <net/if.h>
#include <string.h>

#include "daemon/steer_cmd.h"
#include "dataplane/arp_sysctl.h"
#include "ike/charon_spi.h"
#include "ike/vici_conn.h"
#include "ike/vici_sync.h"

#define CHARON_TIMEOUT_MS 3000

int steer_cmd_strongswan_conf(const struct config *c, FILE *out, FILE *err)
{
	if (!c->has_gateway || !c->gw_steer_label) {
		fprintf(err, "ikelb-load: %s has no [gateway] steer_label: this node's charon "
			     "needs no steering settings\n", c->path);
		return 1;
	}
	charon_spi_lines((uint8_t)c->gw_steer_label, out);
	return 0;
}

struct sa_walk {
	uint8_t label;
	struct charon_spi_check check;
};

static void on_sa(void *ctx, const char *event, const struct vic_node *msg)
{
	struct sa_walk *w = ctx;

	(void)event;
	charon_spi_check_sa(msg, w->label, &w->check);
}

/* The charon this node counts its tunnels with, or auth mode's. */
static const char *charon_socket(const struct config *c)
{
	if (c->tunnels == CFG_TUNNELS_VICI)
		return c->tunnels_path;
	return c->vici[0] ? c->vici : NULL;
}

static unsigned check_charon(const struct config *c, FILE *out)
{
	const char *path = charon_socket(c);
	struct sa_walk w = { .label = (uint8_t)c->gw_steer_label };
	struct vic_sync_result r = { 0 };
	struct vic_conn *v;
	const struct charon_spi_check *k = &w.check;
	unsigned warnings = 0;

	if (!path) {
		fprintf(out, "note: no VICI socket in the config (tunnels = vici:PATH): charon's "
			     "spi_label, spi_mask, spi_min and spi_max are not checked\n");
		return 0;
	}
	v = vic_conn_new();
	if (!v || vic_conn_connect(v, path) ||
	    vic_sync_finish(v, vic_query_list_sas(v, NULL, vic_sync_deadline(CHARON_TIMEOUT_MS),
						  on_sa, &w, vic_sync_done, &r),
			    &r)) {
		fprintf(out, "warning: cannot list charon's SAs at %s (%s): its SPI settings are "
			     "not checked\n", path, v ? (r.why[0] ? r.why : vic_conn_error(v)) :
							"out of memory");
		vic_conn_free(v);
		return 1;
	}
	vic_conn_free(v);
	if (!k->ike_sas) {
		fprintf(out, "note: charon at %s has no SAs, and VICI does not show its settings: "
			     "whether its SPIs carry steer_label %u cannot be told until it has some\n",
			path, w.label);
		return 0;
	}
	if (k->ike_wrong) {
		fprintf(out, "warning: charon at %s: %u of %u IKE SAs have an SPI without "
			     "steer_label %u (first: %s): put the lines of `ikelb-load "
			     "strongswan-conf` into its charon { } section and restart it; the "
			     "packets of those SAs are steered elsewhere\n",
			path, k->ike_wrong, k->ike_sas, w.label, k->first_ike);
		warnings++;
	}
	if (k->child_wrong) {
		fprintf(out, "warning: charon at %s: %u of %u CHILD SAs have an inbound SPI "
			     "outside 0x%08x..0x%08x (first: %s)\n",
			path, k->child_wrong, k->child_sas, ikelb_esp_spi_min(w.label),
			ikelb_esp_spi_max(w.label), k->first_child);
		warnings++;
	}
	if (!warnings)
		fprintf(out, "charon at %s: its %u IKE SAs and %u CHILD SAs carry steer_label %u\n",
			path, k->ike_sas, k->child_sas, w.label);
	return warnings;
}

unsigned steer_cmd_check(const struct config *c, FILE *out)
{
	unsigned warnings = 0;
	char why[512];

	if (!config_steering(c)) {
		if (c->gw_steer_label)
			fprintf(out, "note: [gateway] steer_label is set, but [redirect] unsupported "
				     "is not steer: nothing is steered\n");
		return 0;
	}
	if (c->has_vip4 && if_nametoindex(c->interface) &&
	    arp_sysctl_check(c->interface, why, sizeof(why))) {
		fprintf(out, "warning: %s (ikelb-load run refuses to start)\n", why);
		warnings++;
	}
	if (!c->has_gateway)
		return warnings;
	if (!c->gw_steer_label) {
		fprintf(out, "warning: [gateway] has no steer_label: no client is steered to this "
			     "gateway\n");
		return warnings + 1;
	}
	return warnings + check_charon(c, out);
}
