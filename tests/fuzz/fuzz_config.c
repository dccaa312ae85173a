/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * libFuzzer target for the config parser (tokenizer, table and checks):
 * any text either parses into a config that keeps the documented
 * invariants, or yields at least one "NAME:LINE: message"; never a crash,
 * a leak or undefined behaviour.  A config that parses is also compared
 * with itself and with a fixed one by the reload decision: a config never
 * needs a restart to become itself, and the decision is symmetric.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define NAME "fuzz.conf"

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_gw(const struct cfg_gw_addr *a, int required)
{
	char buf[IKE_GW_ID_MAX_LEN + 1];

	check(!required || a->type != 0);
	if (a->type == IKE_GW_ID_IPV4)
		check(a->len == 4);
	else if (a->type == IKE_GW_ID_IPV6)
		check(a->len == 16);
	else if (a->type == IKE_GW_ID_FQDN)
		check(a->len >= 1 && a->data[a->len] == '\0' &&
		      strlen((const char *)a->data) == a->len);
	else
		check(a->type == 0);
	/* what the daemon writes into the target map parses back the same */
	if (a->type) {
		struct cfg_gw_addr b;

		cfg_gw_addr_str(a, buf, sizeof(buf));
		check(cfg_parse_gw_addr(buf, &b) == 0);
		check(b.type == a->type && b.len == a->len &&
		      !memcmp(a->data, b.data, a->len));
	}
}

static void check_config(const struct config *c)
{
	unsigned i, j;

	check(c->name[0] && strlen(c->name) <= CFG_NAME_MAX);
	check(c->interface[0]);
	check(c->has_vip4 || c->has_vip6);
	check(c->n_ports >= 1 && c->n_ports <= IKELB_MAX_PORTS);
	check(c->n_natt_ports <= c->n_ports);
	for (i = 0; i < c->n_natt_ports; i++) {
		int found = 0;

		for (j = 0; j < c->n_ports; j++)
			found |= c->ports[j] == c->natt_ports[i];
		check(found);
	}
	check(c->vrid <= 255 && c->priority >= 1 && c->priority <= 255);
	check(c->advert_interval_ms % 10 == 0);
	check(c->dead_after_ms > c->reports_interval_ms);
	check(c->n_vrrp_peers <= CFG_MAX_PEERS &&
	      c->n_reports_peers <= CFG_MAX_PEERS);
	check(c->vrrp != CFG_VRRP_ON || (c->vrid && config_reports_enabled(c)));
	check(c->mode != CFG_MODE_AUTH || c->vici[0] == '/');
	check(c->n_targets <= CFG_MAX_TARGETS);
	if (c->has_gateway) {
		check_gw(&c->gw_address, 1);
		check_gw(&c->gw_address6, 0);
		check(c->gw_max_tunnels >= 1);
	}
	for (i = 0; i < c->n_targets; i++) {
		check(c->targets[i].name[0]);
		check_gw(&c->targets[i].address, 1);
		check_gw(&c->targets[i].address6, 0);
		check(c->targets[i].max_tunnels >= 1 &&
		      c->targets[i].max_tunnels <= CFG_MAX_TUNNELS);
	}
}

static const char base_text[] =
	"[cluster]\nname = lab\ninterface = e0\nvirtual_ip = 198.18.0.1\n"
	"vrrp = on\n[vrrp]\nvrid = 51\n[reports]\nkey_file = /k\n";

static void check_reload(const struct config *c)
{
	struct config base;
	struct cfg_errors e;

	check(config_reload_refusal(c, c) == NULL);
	check(config_parse_string(base_text, "base", &base, &e) == 0);
	check((config_reload_refusal(c, &base) == NULL) ==
	      (config_reload_refusal(&base, c) == NULL));
	config_free(&base);
	cfg_errors_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct cfg_errors e;
	char *text;
	unsigned i;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_parse_string(text, NAME, &c, &e) == 0) {
		check(e.n == 0);
		check_config(&c);
		check_reload(&c);
		config_free(&c);
	} else {
		check(e.n >= 1 && e.n <= CFG_MAX_ERRORS + 1);
		check(c.targets == NULL);
		for (i = 0; i < e.n; i++) {
			const char *m = e.msg[i];

			check(!strncmp(m, NAME ":", sizeof(NAME)));
			check(m[sizeof(NAME)] >= '1' && m[sizeof(NAME)] <= '9');
			check(!strchr(m, '\n'));
		}
	}
	cfg_errors_free(&e);
	free(text);
	return 0;
}
