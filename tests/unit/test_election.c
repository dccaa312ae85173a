// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The election (vrrp/election.h) on the fake clock, with its real raw
 * socket in a private network namespace: startup as backup, master after
 * the master-down interval, backup again on a better advert (sent from
 * here through the kernel), the takeover from a master gone silent
 * naming it, the resignation, and the retry of a speaker that cannot open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/loop.h"
#include "dataplane/addr.h"
#include "vrrp/election.h"
#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_proto.h"
#include "../lib/unit_env.h"

#define CONF(iface)                                                                        \
	"[cluster]\nname = t\ninterface = " iface "\nvirtual_ip = 198.18.0.1\nvrrp = on\n" \
	"[vrrp]\nvrid = 7\npriority = 100\nadvert_interval_ms = 100\n"                      \
	"vrrp_peers = 198.18.0.20 198.18.0.11\n" "[reports]\nkey_file = /nonexistent/key\n"           \
	"[target a]\naddress = 198.18.0.50\nmax_tunnels = 10\n"

/* priority 100, 10 cs: 3 * 10 + (256 - 100) * 10 / 256 = 36 cs */
#define MDI_MS 360

struct roles {
	int n;
	bool master[8];
	bool silent[8];
	struct ip_addr silent_addr;
};

static void on_role(void *ctx, int fam, bool master, const char *reason,
		    const struct ip_addr *silent_master)
{
	struct roles *r = ctx;

	(void)reason;
	assert_int_equal(fam, IKELB_FAM_V4);
	if (r->n < 8) {
		r->master[r->n] = master;
		r->silent[r->n] = silent_master != NULL;
	}
	if (silent_master)
		r->silent_addr = *silent_master;
	r->n++;
}

/* An advert of VRID 7 for the VIP from 198.18.0.11, as another node's. */
static void send_advert_as(uint8_t priority, const char *from_ip, const char *listed);

static void send_advert(uint8_t priority)
{
	send_advert_as(priority, "198.18.0.11", "198.18.0.1");
}

/* An advert of VRID 7 from from_ip (an address on lo) listing one VIP. */
static void send_advert_as(uint8_t priority, const char *from_ip, const char *listed)
{
	struct ip_addr src = { .family = AF_INET }, dst = { .family = AF_INET };
	struct sockaddr_in from = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	struct in_addr vip;
	struct vrrp_advert a = { .family = AF_INET, .vrid = 7, .priority = priority,
				 .interval_cs = 10, .n_addrs = 1, .addrs = &vip };
	uint8_t pkt[64];
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, VRRP_IPPROTO), ttl = 255, len;

	assert_true(fd >= 0);
	inet_pton(AF_INET, listed, &vip);
	inet_pton(AF_INET, from_ip, &src.v4);
	inet_pton(AF_INET, "127.0.0.1", &dst.v4);
	from.sin_addr = src.v4;
	to.sin_addr = dst.v4;
	assert_int_equal(setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	len = vrrp_encode(pkt, sizeof(pkt), &a, &src, &dst);
	assert_true(len > 0);
	assert_int_equal(sendto(fd, pkt, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)), len);
	close(fd);
	usleep(10000); /* through lo */
}

static void test_backup_master_backup(void **state)
{
	struct loop *l = loop_new_fake(1000);
	struct config *c = unit_config(CONF("lo"));
	struct roles r = { 0 };
	struct election_hooks h = { .ctx = &r, .on_role = on_role };
	struct election *e;
	struct ip_addr m;
	unsigned prio;
	char s[INET6_ADDRSTRLEN];

	(void)state;
	assert_non_null(c);
	e = election_new(l, c, &h);
	election_start(e);
	assert_int_equal(r.n, 1); /* Initialize -> Backup */
	assert_false(r.master[0]);
	loop_advance(l, MDI_MS - 1);
	assert_int_equal(r.n, 1);
	loop_advance(l, 1);
	assert_int_equal(r.n, 2);
	assert_true(r.master[1]);
	assert_false(r.silent[1]); /* nobody was master before */
	assert_true(election_master(e, IKELB_FAM_V4, &m, &prio));
	assert_string_equal(ip_addr_str(&m, s, sizeof(s)), "127.0.0.1"); /* its primary */
	assert_int_equal(prio, 100);
	/* a better node speaks up: back to backup, from the loop's fd callback */
	send_advert(200);
	loop_advance(l, 0);
	assert_int_equal(r.n, 3);
	assert_false(r.master[2]);
	assert_true(election_master(e, IKELB_FAM_V4, &m, &prio));
	assert_string_equal(ip_addr_str(&m, s, sizeof(s)), "198.18.0.11");
	assert_int_equal(prio, 200);
	/* it falls silent: after two of its intervals it counts as silent
	 * (for the other family's takeover), then master again after the
	 * master-down interval, and the hook names the node it takes over from */
	assert_false(election_master_silent(e, IKELB_FAM_V4, &m));
	loop_advance(l, 200);
	assert_false(election_master_silent(e, IKELB_FAM_V4, &m));
	loop_advance(l, 1);
	assert_true(election_master_silent(e, IKELB_FAM_V4, &m));
	assert_string_equal(ip_addr_str(&m, s, sizeof(s)), "198.18.0.11");
	assert_int_equal(r.n, 3);
	loop_advance(l, MDI_MS - 201);
	assert_int_equal(r.n, 4);
	assert_true(r.master[3]);
	assert_true(r.silent[3]);
	assert_string_equal(ip_addr_str(&r.silent_addr, s, sizeof(s)), "198.18.0.11");
	/* stopping resigns */
	election_stop(e);
	assert_int_equal(r.n, 5);
	assert_false(r.master[4]);
	election_free(e);
	unit_config_free(c);
	loop_free(l);
}

/* "ipv4" speaker's counter from the JSON status. */
static uint64_t drops(struct election *e, const char *name)
{
	json_object *a = election_json(e), *sp, *d, *v;
	uint64_t n;

	sp = json_object_array_get_idx(a, 0);
	assert_true(json_object_object_get_ex(sp, "drops", &d));
	assert_true(json_object_object_get_ex(d, name, &v));
	n = json_object_get_uint64(v);
	json_object_put(a);
	return n;
}

/* A master ignores adverts from outside vrrp_peers and adverts that list
 * other addresses, however high their priority; the owner's (255) counts. */
static void test_only_allowed_sources_and_our_addresses(void **state)
{
	struct loop *l = loop_new_fake(1000);
	struct config *c = unit_config(CONF("lo"));
	struct roles r = { 0 };
	struct election_hooks h = { .ctx = &r, .on_role = on_role };
	struct election *e;
	struct config *c2;
	struct ip_addr m;
	unsigned prio;
	char s[INET6_ADDRSTRLEN];

	(void)state;
	assert_non_null(c);
	e = election_new(l, c, &h);
	election_start(e);
	loop_advance(l, MDI_MS);
	assert_int_equal(r.n, 2);
	assert_true(r.master[1]);
	/* a host that is not a peer */
	send_advert_as(254, "198.18.0.12", "198.18.0.1");
	loop_advance(l, 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(drops(e, "not_allowed"), 1);
	/* a peer, but for other addresses: another virtual router on VRID 7 */
	send_advert_as(254, "198.18.0.11", "198.18.0.99");
	send_advert_as(254, "198.18.0.11", "198.18.0.99");
	loop_advance(l, 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(drops(e, "addr_mismatch"), 2);
	/* the address owner is believed whatever it lists (RFC 5798 7.1) */
	send_advert_as(255, "198.18.0.11", "198.18.0.99");
	loop_advance(l, 0);
	assert_int_equal(r.n, 3);
	assert_false(r.master[2]);
	/* a reload allows one more source, at once */
	c2 = unit_config("[cluster]\nname = t\ninterface = lo\nvirtual_ip = 198.18.0.1\n"
			 "vrrp = on\n[vrrp]\nvrid = 7\npriority = 100\nadvert_interval_ms = 100\n"
			 "vrrp_peers = 198.18.0.20 198.18.0.11\nvrrp_allow = 198.18.0.12\n"
			 "[reports]\nkey_file = /nonexistent/key\n"
			 "[target a]\naddress = 198.18.0.50\nmax_tunnels = 10\n");
	assert_non_null(c2);
	election_reload(e, c2);
	send_advert_as(254, "198.18.0.12", "198.18.0.1");
	loop_advance(l, 0);
	assert_true(election_master(e, IKELB_FAM_V4, &m, &prio));
	assert_string_equal(ip_addr_str(&m, s, sizeof(s)), "198.18.0.12");
	assert_int_equal(drops(e, "not_allowed"), 1);
	election_free(e);
	unit_config_free(c2);
	unit_config_free(c);
	loop_free(l);
}

static void test_retry_while_it_cannot_open(void **state)
{
	struct loop *l = loop_new_fake(0);
	struct config *c = unit_config(CONF("nosuch0"));
	struct roles r = { 0 };
	struct election_hooks h = { .ctx = &r, .on_role = on_role };
	struct election *e;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_non_null(c);
	e = election_new(l, c, &h);
	election_start(e);
	out = open_memstream(&text, &len);
	election_text(e, out);
	fclose(out);
	assert_non_null(strstr(text, "VRRP IPv4: not started (retrying)"));
	free(text);
	loop_advance(l, 10 * ELECTION_RETRY_MS); /* tries on, quietly */
	assert_int_equal(r.n, 0);
	election_free(e);
	unit_config_free(c);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_master_backup),
		cmocka_unit_test(test_only_allowed_sources_and_our_addresses),
		cmocka_unit_test(test_retry_while_it_cannot_open),
	};
	struct ip_addr a = { .family = AF_INET };

	if (unit_private_namespaces())
		return 1;
	/* the address the other node speaks from, on lo */
	inet_pton(AF_INET, "198.18.0.11", &a.v4);
	if (addr_add((int)if_nametoindex("lo"), &a, 0))
		return 1;
	/* a host that is not in vrrp_peers */
	inet_pton(AF_INET, "198.18.0.12", &a.v4);
	if (addr_add((int)if_nametoindex("lo"), &a, 0))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
