// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Auth mode (ike/authmode.h) on the fake clock against a fake charon on a
 * unix socket (private mount namespace): a charon that never answers costs
 * the loop nothing and is given up at the request's deadline, with the
 * XDP fallback told through the hook; a charon that answers gets the
 * event registrations, the listing after a takeover, a redirect for an
 * SA that comes up at the VIP (to the target the pick hook names, counted
 * through on_redirect), and the close of the SAs left at a VIP given up;
 * a charon that goes away is reconnected after the backoff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/log.h"
#include "base/loop.h"
#include "ike/authmode.h"
#include "ike/vici_codec.h"
#include "../lib/unit_env.h"

#define VICI_PATH "/run/charon.vici"
#define CONF(fallback)                                                                     \
	"[cluster]\nname = t\ninterface = lo\nvirtual_ip = 198.18.0.1\n"                  \
	"[redirect]\nmode = auth\nvici = " VICI_PATH "\nauth_fallback = " fallback "\n"   \
	"[target a]\naddress = 198.18.0.21\nmax_tunnels = 10\n"

/* ---- a fake charon ---------------------------------------------------------- */

#define MAX_CLIENTS 4

struct charon {
	int lfd;
	bool silent; /* accept and read, never answer */
	struct {
		int fd;
		struct vic_reader rd;
		bool events; /* registered for events */
	} c[MAX_CLIENTS];
	unsigned n;
	/* what was asked */
	unsigned registers, redirects, terminates, listings;
	char registered[128]; /* the event names, in order */
	char last_redirect_to[64];
	uint32_t last_ike_id;
	/* list-sas answers with this SA when set */
	bool list_one;
};

static void charon_listen(struct charon *ch, bool silent)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = VICI_PATH };

	memset(ch, 0, sizeof(*ch));
	ch->silent = silent;
	unlink(VICI_PATH);
	ch->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(ch->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(ch->lfd, 8), 0);
}

static void charon_close(struct charon *ch)
{
	for (unsigned i = 0; i < ch->n; i++) {
		if (ch->c[i].fd >= 0)
			close(ch->c[i].fd);
		vic_reader_free(&ch->c[i].rd);
	}
	ch->n = 0;
	if (ch->lfd >= 0)
		close(ch->lfd);
	ch->lfd = -1;
	unlink(VICI_PATH);
}

static void send_pkt(int fd, uint8_t type, const char *name, const struct vic_builder *b)
{
	uint8_t *pkt;
	size_t len;

	assert_int_equal(vic_packet_encode(type, name, b ? b->buf : NULL, b ? b->len : 0, &pkt,
					   &len),
			 0);
	assert_int_equal(write(fd, pkt, len), (ssize_t)len);
	free(pkt);
}

static void reply_ok(int fd, bool matches)
{
	struct vic_builder b;

	vic_builder_init(&b);
	vic_add_kv(&b, "success", "yes");
	if (matches)
		vic_add_kv(&b, "matches", "1");
	send_pkt(fd, VIC_CMD_RESPONSE, NULL, &b);
	vic_builder_free(&b);
}

/* An IKE SA section as list_ike() writes it. */
static void add_sa(struct vic_builder *b, const char *id, const char *local, const char *spi)
{
	vic_begin_section(b, "vip");
	vic_add_kv(b, "uniqueid", id);
	vic_add_kv(b, "version", "2");
	vic_add_kv(b, "state", "ESTABLISHED");
	vic_add_kv(b, "local-host", local);
	vic_add_kv(b, "remote-host", "198.18.0.2");
	vic_add_kv(b, "remote-id", "c1.ikelb.test");
	vic_add_kv(b, "initiator-spi", spi);
	vic_end_section(b);
}

static void answer(struct charon *ch, int fd, const struct vic_packet *p)
{
	struct vic_node *m = p->msg_len ? vic_tree_parse(p->msg, p->msg_len) : NULL;
	struct vic_builder b;
	uint64_t id = 0;

	if (p->type == VIC_EVENT_REGISTER || p->type == VIC_EVENT_UNREGISTER) {
		if (p->type == VIC_EVENT_REGISTER) {
			ch->registers++;
			size_t used = strlen(ch->registered);

			snprintf(ch->registered + used, sizeof(ch->registered) - used, "%.32s ",
				 p->name);
		}
		send_pkt(fd, VIC_EVENT_CONFIRM, NULL, NULL);
	} else if (p->type == VIC_CMD_REQUEST && !strcmp(p->name, "redirect")) {
		ch->redirects++;
		vic_find_u64(m, "ike-id", &id);
		ch->last_ike_id = (uint32_t)id;
		snprintf(ch->last_redirect_to, sizeof(ch->last_redirect_to), "%s",
			 vic_find_str(m, "peer-ip") ? vic_find_str(m, "peer-ip")
						    : vic_find_str(m, "gateway") ?: "?");
		reply_ok(fd, true);
	} else if (p->type == VIC_CMD_REQUEST && !strcmp(p->name, "terminate")) {
		ch->terminates++;
		vic_find_u64(m, "ike-id", &id);
		ch->last_ike_id = (uint32_t)id;
		reply_ok(fd, false);
	} else if (p->type == VIC_CMD_REQUEST && !strcmp(p->name, "list-sas")) {
		ch->listings++;
		if (ch->list_one) {
			vic_builder_init(&b);
			add_sa(&b, "9", "198.18.0.1", "0000000000000009");
			send_pkt(fd, VIC_EVENT, "list-sa", &b);
			vic_builder_free(&b);
		}
		send_pkt(fd, VIC_CMD_RESPONSE, NULL, NULL);
	} else if (p->type == VIC_CMD_REQUEST) {
		send_pkt(fd, VIC_CMD_UNKNOWN, NULL, NULL);
	}
	vic_tree_free(m);
}

/* Takes connections and answers what came; never waits. */
static void charon_pump(struct charon *ch)
{
	int fd;

	while (ch->n < MAX_CLIENTS && (fd = accept4(ch->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		ch->c[ch->n].fd = fd;
		vic_reader_init(&ch->c[ch->n].rd);
		ch->n++;
	}
	for (unsigned i = 0; i < ch->n; i++) {
		uint8_t buf[65536];
		struct vic_packet p;
		ssize_t r;

		if (ch->c[i].fd < 0)
			continue;
		while ((r = read(ch->c[i].fd, buf, sizeof(buf))) > 0)
			assert_int_equal(vic_reader_push(&ch->c[i].rd, buf, (size_t)r), 0);
		while (vic_reader_next(&ch->c[i].rd, &p) == 1) {
			if (p.type == VIC_EVENT_REGISTER)
				ch->c[i].events = true;
			if (!ch->silent)
				answer(ch, ch->c[i].fd, &p);
		}
	}
}

/* An event to every connection registered for events. */
static void charon_event(struct charon *ch, const char *name, struct vic_builder *b)
{
	for (unsigned i = 0; i < ch->n; i++)
		if (ch->c[i].fd >= 0 && ch->c[i].events)
			send_pkt(ch->c[i].fd, VIC_EVENT, name, b);
	vic_builder_free(b);
}

/* ---- auth mode and its hooks ------------------------------------------------ */

struct hooks {
	int answers_calls;
	bool answers;
	unsigned redirects[IKELB_MAX_TARGETS];
	int picks;
};

static void on_xdp_answers(void *ctx, bool answers)
{
	struct hooks *h = ctx;

	h->answers_calls++;
	h->answers = answers;
}

static void on_redirect(void *ctx, uint32_t idx)
{
	((struct hooks *)ctx)->redirects[idx]++;
}

static int pick(void *ctx, int fam, uint64_t spi_raw, uint32_t *idx, struct ikelb_gw_id *id)
{
	struct hooks *h = ctx;

	(void)spi_raw;
	h->picks++;
	if (fam != IKELB_FAM_V4)
		return -1;
	*idx = 3;
	memset(id, 0, sizeof(*id));
	id->type = IKE_GW_ID_IPV4;
	id->len = 4;
	inet_pton(AF_INET, "198.18.0.21", id->data);
	return 0;
}

struct env {
	struct loop *l;
	struct config *cfg;
	struct charon ch;
	struct hooks h;
	struct authmode *a;
};

static struct env *make(const char *conf, bool silent)
{
	static struct env e;
	struct authmode_hooks ah = { .ctx = &e.h, .on_xdp_answers = on_xdp_answers,
				     .on_redirect = on_redirect, .pick = pick };

	memset(&e, 0, sizeof(e));
	e.l = loop_new_fake(1000);
	e.cfg = unit_config(conf);
	assert_non_null(e.cfg);
	charon_listen(&e.ch, silent);
	e.a = authmode_new(e.l, e.cfg, &ah);
	assert_non_null(e.a);
	return &e;
}

static void done(struct env *e)
{
	authmode_free(e->a);
	charon_close(&e->ch);
	unit_config_free(e->cfg);
	loop_free(e->l);
}

/* A few rounds of charon and the loop, the clock standing still. */
static void settle(struct env *e)
{
	for (int i = 0; i < 20; i++) {
		charon_pump(&e->ch);
		loop_run_once(e->l, 1);
	}
}

static json_object *js(struct env *e, const char *key)
{
	static json_object *o;

	if (o)
		json_object_put(o);
	o = authmode_json(e->a);
	return json_object_object_get(o, key);
}

static bool connected(struct env *e)
{
	return json_object_get_boolean(js(e, "connected"));
}

static void test_silent_charon(void **state)
{
	struct env *e = make(CONF("init"), true);
	uint64_t t0 = loop_clock_ms();

	(void)state;
	/* not connected yet: XDP answers (fallback init) */
	assert_true(authmode_xdp_answers(e->a));
	settle(e);
	assert_false(connected(e));
	assert_int_equal(e->ch.n, 2); /* both connections made, nothing answered */
	/* the loop never waited for charon */
	assert_true(loop_clock_ms() - t0 < 500);
	/* the registrations miss their deadline: given up, retried later */
	loop_advance(e->l, 1000);
	settle(e);
	assert_false(connected(e));
	assert_non_null(strstr(json_object_get_string(js(e, "reason")), "register"));
	assert_true(json_object_get_int64(js(e, "next_retry_ms")) > 0);
	loop_advance(e->l, 600);
	settle(e);
	assert_true(e->ch.n > 2); /* it came back for another try */
	assert_true(loop_clock_ms() - t0 < 1000);
	done(e);
}

static void updown(struct env *e, const char *id, const char *spi)
{
	struct vic_builder b;

	vic_builder_init(&b);
	vic_add_kv(&b, "up", "yes");
	add_sa(&b, id, "198.18.0.1", spi);
	charon_event(&e->ch, "ike-updown", &b);
}

static void test_redirects_and_closes(void **state)
{
	struct env *e = make(CONF("init"), false);

	(void)state;
	settle(e);
	assert_true(connected(e));
	/* the three events, then the listing's stream of list-sa */
	assert_string_equal(e->ch.registered, "log ike-rekey ike-updown list-sa ");
	assert_int_equal(e->h.answers_calls, 1); /* on at the start, off once connected */
	assert_false(e->h.answers);
	/* this node takes the VIP over: the SAs there are listed */
	e->ch.list_one = true;
	authmode_role_changed(e->a, IKELB_FAM_V4, true);
	loop_advance(e->l, 0);
	settle(e);
	assert_true(e->ch.listings >= 1);
	/* the listed SA #9 and a new one (#5) are redirected to the pick */
	updown(e, "5", "0000000000000005");
	settle(e);
	assert_int_equal(e->ch.redirects, 2);
	assert_string_equal(e->ch.last_redirect_to, "198.18.0.21");
	assert_int_equal(e->h.redirects[3], 2);
	assert_int_equal(json_object_get_int64(js(e, "redirected")), 2);
	/* the same SA again (a second event): not redirected twice */
	updown(e, "5", "0000000000000005");
	settle(e);
	assert_int_equal(e->ch.redirects, 2);
	/* the VIP is given up: what is still there is closed */
	authmode_role_changed(e->a, IKELB_FAM_V4, false);
	settle(e);
	assert_int_equal(e->ch.terminates, 2);
	assert_int_equal(json_object_get_int64(js(e, "closed")), 2);
	assert_false(authmode_busy(e->a));
	done(e);
}

static void test_charon_goes_away(void **state)
{
	struct env *e = make(CONF("pass"), false);

	(void)state;
	settle(e);
	assert_true(connected(e));
	assert_false(authmode_xdp_answers(e->a));
	/* charon dies: lost, XDP stays off (fallback pass), reconnect later */
	charon_close(&e->ch);
	settle(e);
	assert_false(connected(e));
	assert_int_equal(json_object_get_int64(js(e, "losses")), 1);
	assert_false(authmode_xdp_answers(e->a));
	charon_listen(&e->ch, false);
	loop_advance(e->l, 500); /* the first backoff */
	settle(e);
	assert_true(connected(e));
	assert_int_equal(json_object_get_int64(js(e, "connects")), 2);
	done(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silent_charon),
		cmocka_unit_test(test_redirects_and_closes),
		cmocka_unit_test(test_charon_goes_away),
	};

	log_set_level(LOG_LVL_WARN);
	if (unit_private_namespaces())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
