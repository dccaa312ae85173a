// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The XDP program (bpf/ikelb.bpf.c) in the real kernel: packets go through
 * BPF_PROG_TEST_RUN, the output frame is compared byte for byte with the
 * frame tests/lib/pkt.c builds from the RFCs and docs/xdp.md, and each run
 * checks the XDP action and that exactly the expected outcome counter moved
 * (and the expected events with it).  The single cases are a table
 * (xdp_fixtures.h); the sweeps and the scenarios over several packets
 * (budgets, answer limits over time, secret rotation) follow it.  The
 * program is loaded with its test clock on (bpf/limits.h), so the limits
 * run on a time the tests set.  Needs root (loading BPF).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ikelb.h"
#include "ikelb.skel.h"
#include "../lib/pkt.h"
#include "../fixtures/strongswan_v4_500.h"
#include "../fixtures/strongswan_v6_4500.h"

#define XDP_DROP_ 1
#define XDP_PASS_ 2
#define XDP_TX_ 3

#define VIP4 "198.18.0.10"
#define VIP6 "2001:db8::10"
#define CLIENT4 "198.18.0.2"
#define CLIENT6 "2001:db8::2"
#define TARGET4 "198.18.1.1"
#define TARGET6 "2001:db8:1::1"
#define NSEC 1000000000ull

/* pkt_flow_init()'s destination MAC: the interface's own in these tests */
static const uint8_t own_mac[6] = { 0x02, 0x66, 0x77, 0x88, 0x99, 0xaa };
/* the cookie secrets of the base configuration: versions 6 and 7 */
static const uint8_t key6[16] = { 0x06, 0x16, 0x26, 0x36, 0x46, 0x56, 0x66, 0x76,
				  0x86, 0x96, 0xa6, 0xb6, 0xc6, 0xd6, 0xe6, 0xf6 };
static const uint8_t key7[16] = { 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
				  0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x70 };
static const uint8_t key8[16] = { 0x88, 0x08, 0x18, 0x28, 0x38, 0x48, 0x58, 0x68,
				  0x78, 0x98, 0xa8, 0xb8, 0xc8, 0xd8, 0xe8, 0xf8 };

static struct ikelb_bpf *skel;
static int ncpus;
static int prog_fd, cfg_fd, targets_fd, slots_fd, counters_fd, tstats_fd, budget_fd;
static int sources_fd, nodelimit_fd, cookies_fd, labels_fd, frags_fd;
static struct ikelb_config cfg;
static uint8_t cur_version = 7; /* the current cookie secret */
static const uint8_t *cur_key = key7;

static const char *const counter_names[] = IKELB_COUNTER_NAMES;

/* ---- maps ---------------------------------------------------------------- */

static void put_config(void)
{
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY), 0);
}

/* The steering label each target index is written with (set_target). */
static uint8_t label_of[IKELB_MAX_TARGETS];

static void set_gw(struct ikelb_gw_id *gw, const char *text)
{
	struct pkt_gw_ident id;

	memset(gw, 0, sizeof(*gw));
	if (!text)
		return;
	assert_true(pkt_gw_ident_parse(&id, text));
	gw->type = id.type;
	gw->len = id.len;
	memcpy(gw->data, id.data, id.len);
}

/* Target idx; id4/id6 NULL: no identity for that family. */
static void set_target(uint32_t idx, int active, const char *id4, const char *id6)
{
	struct ikelb_target t;

	memset(&t, 0, sizeof(t));
	t.active = (uint8_t)active;
	t.steer_label = label_of[idx % IKELB_MAX_TARGETS];
	set_gw(&t.id[IKELB_FAM_V4], id4);
	set_gw(&t.id[IKELB_FAM_V6], id6);
	assert_int_equal(bpf_map_update_elem(targets_fd, &idx, &t, BPF_ANY), 0);
}

/* Slot `slot` of table (IKELB_TABLE_PLAN / _SPILL) of family fam: entry
 * (table * IKELB_FAMILIES + fam) * IKELB_SLOTS + slot, as include/ikelb.h
 * lays the tables out. */
static void set_table_slot(uint32_t table, uint32_t fam, uint32_t slot, uint32_t target)
{
	uint32_t key = (table * IKELB_FAMILIES + fam) * IKELB_SLOTS + slot;
	struct ikelb_slot v = { .target = target };

	assert_int_equal(bpf_map_update_elem(slots_fd, &key, &v, BPF_ANY), 0);
}

static void fill_table(uint32_t table, uint32_t fam, uint32_t target)
{
	for (uint32_t s = 0; s < IKELB_SLOTS; s++)
		set_table_slot(table, fam, s, target);
}

static void set_slot(uint32_t fam, uint32_t slot, uint32_t target)
{
	set_table_slot(IKELB_TABLE_PLAN, fam, slot, target);
}

static void fill_slots(uint32_t fam, uint32_t target)
{
	fill_table(IKELB_TABLE_PLAN, fam, target);
}

static void fill_spill(uint32_t fam, uint32_t target)
{
	fill_table(IKELB_TABLE_SPILL, fam, target);
}

/* A per-CPU map's entry idx: value v on CPU cpu, 0 on every other CPU
 * (cpu < 0: 0 everywhere).  Both per-CPU maps hold one __u64 per CPU. */
static void set_percpu_u64(int fd, uint32_t idx, int cpu, uint64_t v)
{
	uint64_t vals[ncpus];

	memset(vals, 0, sizeof(vals));
	if (cpu >= 0)
		vals[cpu] = v;
	assert_int_equal(bpf_map_update_elem(fd, &idx, vals, BPF_ANY), 0);
}

/* Target idx's plan slots apply while CPU cpu's redirect count for it is
 * below until (0: no limit); every other CPU gets 0. */
static void set_budget(uint32_t idx, int cpu, uint64_t until)
{
	set_percpu_u64(budget_fd, idx, cpu, until);
}

/* Target idx's redirect count: n on CPU cpu, 0 elsewhere. */
static void set_tstats(uint32_t idx, int cpu, uint64_t n)
{
	set_percpu_u64(tstats_fd, idx, cpu, n);
}

/* Two CPUs' values at once, 0 on the others. */
static void set_percpu_two(int fd, uint32_t idx, int a, uint64_t va, int b, uint64_t vb)
{
	uint64_t vals[ncpus];

	memset(vals, 0, sizeof(vals));
	vals[a] = va;
	vals[b] = vb;
	assert_int_equal(bpf_map_update_elem(fd, &idx, vals, BPF_ANY), 0);
}

/* Target idx's redirect count on CPU cpu alone. */
static uint64_t tstats_on(uint32_t idx, int cpu)
{
	struct ikelb_target_stats v[ncpus];

	assert_int_equal(bpf_map_lookup_elem(tstats_fd, &idx, v), 0);
	return v[cpu].redirects;
}

/* Cookie secret entry (version & 1) := version with key; valid or not. */
static void set_secret(uint8_t version, const uint8_t key[16], int valid)
{
	struct ikelb_cookie_secret s = { .version = version, .valid = (uint8_t)valid };
	uint32_t entry = version & 1;

	memcpy(s.key, key, 16); /* k0, k1: the key's halves, little-endian */
	assert_int_equal(bpf_map_update_elem(cookies_fd, &entry, &s, BPF_ANY), 0);
}

static void clear_secrets(void)
{
	struct ikelb_cookie_secret none = { 0 };

	for (uint32_t e = 0; e < 2; e++)
		assert_int_equal(bpf_map_update_elem(cookies_fd, &e, &none, BPF_ANY), 0);
}

/* Map "labels": label -> state, MAC, target index. */
static void set_label(uint32_t label, uint8_t state, const uint8_t *mac, uint32_t target)
{
	struct ikelb_steer e = { .state = state, .target = target };

	if (mac)
		memcpy(e.mac, mac, 6);
	assert_int_equal(bpf_map_update_elem(labels_fd, &label, &e, BPF_ANY), 0);
}

/* Every label unknown, no fragment recorded. */
static void clear_steering(void)
{
	struct ikelb_frag_key k;

	for (uint32_t l = 0; l < IKELB_STEER_LABELS; l++)
		set_label(l, IKELB_STEER_NONE, NULL, 0);
	while (bpf_map_get_next_key(frags_fd, NULL, &k) == 0)
		assert_int_equal(bpf_map_delete_elem(frags_fd, &k), 0);
	memset(label_of, 0, sizeof(label_of));
}

/* Every source's bucket forgotten, the node's full. */
static void clear_limits(void)
{
	struct ikelb_source_key k, next;
	struct ikelb_node_limit node = { 0 };
	uint32_t zero = 0;

	while (bpf_map_get_next_key(sources_fd, NULL, &k) == 0)
		assert_int_equal(bpf_map_delete_elem(sources_fd, &k), 0);
	(void)next;
	assert_int_equal(bpf_map_update_elem(nodelimit_fd, &zero, &node, BPF_ANY), 0);
}

/* The program's clock (bpf/limits.h, test clock on). */
static void set_now(uint64_t ns)
{
	skel->bss->ikelb_test_now_ns = ns;
}

/* Per test: both VIPs active, ports 500 and 4500 (NAT-T), own MAC, no VRRP
 * MAC, tags not answered, both actions PASS, target 1 in every plan slot,
 * the spill tables empty, no budgets, redirect counts zero, no limits,
 * cookies off with secrets 6 (previous) and 7 (current), the clock at
 * 1000 s. */
static int reset(void **state)
{
	(void)state;
	if (!skel)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	inet_pton(AF_INET, VIP4, &cfg.vip4);
	inet_pton(AF_INET6, VIP6, cfg.vip6);
	cfg.vip4_active = 1;
	cfg.vip6_active = 1;
	cfg.unsupported_action = IKELB_ACT_PASS;
	cfg.no_target_action = IKELB_ACT_PASS;
	cfg.ports[0] = htons(500);
	cfg.ports[1] = htons(4500);
	cfg.port_natt[1] = 1;
	memcpy(cfg.mac, own_mac, 6);
	put_config();
	clear_steering();
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++)
		set_target(i, 0, NULL, NULL);
	set_target(1, 1, TARGET4, TARGET6);
	fill_slots(IKELB_FAM_V4, 1);
	fill_slots(IKELB_FAM_V6, 1);
	fill_spill(IKELB_FAM_V4, IKELB_SLOT_NONE);
	fill_spill(IKELB_FAM_V6, IKELB_SLOT_NONE);
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++) {
		set_budget(i, -1, 0);
		set_tstats(i, -1, 0);
	}
	set_secret(6, key6, 1);
	set_secret(7, key7, 1);
	cur_version = 7;
	cur_key = key7;
	clear_limits();
	set_now(1000 * NSEC);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0; /* every test skips */
	ncpus = libbpf_num_possible_cpus();
	skel = ikelb_bpf__open();
	if (skel) {
		skel->rodata->ikelb_test_clock = 1;
		if (ikelb_bpf__load(skel)) {
			ikelb_bpf__destroy(skel);
			skel = NULL;
		}
	}
	if (!skel || ncpus <= 0) {
		fprintf(stderr, "cannot load the XDP program: %s\n", strerror(errno));
		return -1;
	}
	prog_fd = bpf_program__fd(skel->progs.ikelb_xdp);
	cfg_fd = bpf_map__fd(skel->maps.ikelb_config);
	targets_fd = bpf_map__fd(skel->maps.ikelb_targets);
	slots_fd = bpf_map__fd(skel->maps.ikelb_slots);
	counters_fd = bpf_map__fd(skel->maps.ikelb_counters);
	tstats_fd = bpf_map__fd(skel->maps.ikelb_tstats);
	budget_fd = bpf_map__fd(skel->maps.ikelb_budget);
	sources_fd = bpf_map__fd(skel->maps.ikelb_sources);
	nodelimit_fd = bpf_map__fd(skel->maps.ikelb_nodelimit);
	cookies_fd = bpf_map__fd(skel->maps.ikelb_cookies);
	labels_fd = bpf_map__fd(skel->maps.ikelb_labels);
	frags_fd = bpf_map__fd(skel->maps.ikelb_frags);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ikelb_bpf__destroy(skel);
	skel = NULL;
	return 0;
}

#define NEED_BPF()                                                  \
	do {                                                        \
		if (!skel) {                                        \
			print_message("# needs root to load BPF\n"); \
			skip();                                     \
		}                                                   \
	} while (0)

/* Counters summed over CPUs. */
static void read_counters(uint64_t out[IKELB_CNT_MAX])
{
	struct ikelb_counters v[ncpus];
	uint32_t zero = 0;

	assert_int_equal(bpf_map_lookup_elem(counters_fd, &zero, v), 0);
	memset(out, 0, IKELB_CNT_MAX * sizeof(uint64_t));
	for (int c = 0; c < ncpus; c++)
		for (int i = 0; i < IKELB_CNT_MAX; i++)
			out[i] += ((const uint64_t *)&v[c])[i];
}

static void read_tstats(uint64_t out[IKELB_MAX_TARGETS])
{
	struct ikelb_target_stats v[ncpus];

	for (uint32_t t = 0; t < IKELB_MAX_TARGETS; t++) {
		assert_int_equal(bpf_map_lookup_elem(tstats_fd, &t, v), 0);
		out[t] = 0;
		for (int c = 0; c < ncpus; c++)
			out[t] += v[c].redirects;
	}
}

/* ---- running packets ----------------------------------------------------- */

struct result {
	int action;
	uint8_t out[PKT_FRAME_MAX];
	uint32_t out_len;
	uint64_t cnt[IKELB_CNT_MAX]; /* deltas */
	uint64_t ts[IKELB_MAX_TARGETS];
};

static int run_raw(const uint8_t *in, size_t len, struct result *r)
{
	uint64_t c0[IKELB_CNT_MAX], t0[IKELB_MAX_TARGETS];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = r->out, .data_size_out = sizeof(r->out), .repeat = 1);
	int err;

	read_counters(c0);
	read_tstats(t0);
	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (err)
		return err;
	r->action = (int)o.retval;
	r->out_len = o.data_size_out;
	read_counters(r->cnt);
	read_tstats(r->ts);
	for (int i = 0; i < IKELB_CNT_MAX; i++)
		r->cnt[i] -= c0[i];
	for (int i = 0; i < IKELB_MAX_TARGETS; i++)
		r->ts[i] -= t0[i];
	return 0;
}

static struct result res;

static void run(const uint8_t *in, size_t len)
{
	int err = run_raw(in, len, &res);

	if (err)
		fail_msg("BPF_PROG_TEST_RUN of %zu bytes: %s", len, strerror(-err));
}

static const char *action_name(int a)
{
	return a == XDP_DROP_ ? "DROP" : a == XDP_PASS_ ? "PASS" : a == XDP_TX_ ? "TX" : "?";
}

static void first_diff(const uint8_t *a, const uint8_t *b, size_t len, const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			fail_msg("%s: byte %zu is 0x%02x, expected 0x%02x", what, i, a[i], b[i]);
}

/* Outcomes decided after the payload walk: they come with 'requests'. */
static bool is_request_outcome(int counter)
{
	switch (counter) {
	case IKELB_CNT_REDIRECTED:
	case IKELB_CNT_COOKIE_SENT:
	case IKELB_CNT_NO_SUPPORT:
	case IKELB_CNT_REDIRECT_LOOP:
	case IKELB_CNT_NO_TARGET:
	case IKELB_CNT_DROP_TOO_BIG:
	case IKELB_CNT_DROP_RATE_SOURCE:
	case IKELB_CNT_DROP_RATE_TOTAL:
		return true;
	default:
		return false;
	}
}

#define EV_COOKIE_VALID (1u << 0)
#define EV_COOKIE_INVALID (1u << 1)
#define EV_STEERED_LOCAL (1u << 2) /* steered to this node: passed */
#define EV_REQUESTS (1u << 3) /* 'requests' moves with a steering outcome */

/* Exactly outcome counter `counter` moved, by one, with 'requests' when it
 * is a request's outcome and the cookie events in `events`; nothing else. */
static void check_counters_ev(const char *what, int counter, unsigned events)
{
	for (int i = 0; i < IKELB_CNT_MAX; i++) {
		uint64_t want = i == counter;

		if (i == IKELB_CNT_REQUESTS)
			want = is_request_outcome(counter) || (events & EV_REQUESTS);
		else if (i == IKELB_CNT_STEERED_LOCAL)
			want = !!(events & EV_STEERED_LOCAL);
		else if (i == IKELB_CNT_COOKIE_VALID)
			want = !!(events & EV_COOKIE_VALID);
		else if (i == IKELB_CNT_COOKIE_INVALID)
			want = !!(events & EV_COOKIE_INVALID);
		if (res.cnt[i] != want)
			fail_msg("%s: counter %s moved by %llu, expected %llu (outcome %s)", what,
				 counter_names[i], (unsigned long long)res.cnt[i],
				 (unsigned long long)want, counter_names[counter]);
	}
}

/* Action, counters, and the frame unchanged. */
static void expect_verdict_ev(const char *what, const uint8_t *in, size_t len, int action,
			      int counter, unsigned events)
{
	run(in, len);
	if (res.action != action)
		fail_msg("%s: action %s, expected %s (counted as %s)", what,
			 action_name(res.action), action_name(action), counter_names[counter]);
	check_counters_ev(what, counter, events);
	for (int i = 0; i < IKELB_MAX_TARGETS; i++)
		if (res.ts[i])
			fail_msg("%s: target %d redirect count moved", what, i);
	if (res.out_len != len)
		fail_msg("%s: frame length %u, expected %zu unchanged", what, res.out_len, len);
	first_diff(res.out, in, len, what);
}

static void expect_verdict(const char *what, const uint8_t *in, size_t len, int action,
			   int counter)
{
	expect_verdict_ev(what, in, len, action, counter, 0);
}

/* XDP_TX with exactly exp (the first exp_len - pad bytes: link-layer
 * padding content is not specified), counted as counter (REDIRECTED for
 * target, or COOKIE_SENT with target counting nothing). */
static void expect_answer(const char *what, const uint8_t *in, size_t len, const uint8_t *exp,
			  size_t exp_len, size_t pad, int counter, uint32_t target, unsigned events)
{
	run(in, len);
	if (res.action != XDP_TX_)
		fail_msg("%s: action %s, expected TX (counted as %s)", what,
			 action_name(res.action), counter_names[counter]);
	check_counters_ev(what, counter, events);
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++)
		if (res.ts[i] != (counter == IKELB_CNT_REDIRECTED && i == target))
			fail_msg("%s: target %u redirect count moved by %llu", what, i,
				 (unsigned long long)res.ts[i]);
	if (res.out_len != exp_len)
		fail_msg("%s: answer of %u bytes, expected %zu", what, res.out_len, exp_len);
	first_diff(res.out, exp, exp_len - pad, what);
}

static void expect_redirect(const char *what, const uint8_t *in, size_t len,
			    const uint8_t *exp, size_t exp_len, size_t pad, uint32_t target)
{
	expect_answer(what, in, len, exp, exp_len, pad, IKELB_CNT_REDIRECTED, target, 0);
}

/*
 * A steering outcome: the action, exactly counter and events, the frame
 * sent on equal to exp (XDP_TX), or unchanged (PASS, DROP), and target
 * `counted`'s redirect count moved by one (a steered IKE_SA_INIT; 0: no
 * target's).
 */
static void expect_steer(const char *what, const uint8_t *in, size_t len, const uint8_t *exp,
			 int action, int counter, unsigned events, uint32_t counted)
{
	run(in, len);
	if (res.action != action)
		fail_msg("%s: action %s, expected %s (counted as %s)", what,
			 action_name(res.action), action_name(action), counter_names[counter]);
	check_counters_ev(what, counter, events);
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++)
		if (res.ts[i] != (uint64_t)(counted && i == counted))
			fail_msg("%s: target %u redirect count moved by %llu", what, i,
				 (unsigned long long)res.ts[i]);
	if (res.out_len != len)
		fail_msg("%s: frame length %u, expected %zu", what, res.out_len, len);
	first_diff(res.out, action == XDP_TX_ ? exp : in, len, what);
}

/* ---- requests ------------------------------------------------------------ */

static const uint8_t spi_a[8] = { 0x5a, 0x17, 0x03, 0xc4, 0x9e, 0x21, 0x66, 0x80 };
/* A gateway's SPI; its first byte is the steering label the tests put in. */
static const uint8_t spi_gw[8] = { 0x3c, 0x9a, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab };

static void nonce_fill(uint8_t *n, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		n[i] = (uint8_t)(seed + i * 13 + (i >> 3));
}

/* A flow from a client to the VIP of family v6 on port (4500: marker). */
static struct pkt_flow flow_to_vip(int v6, uint16_t port)
{
	struct pkt_flow f;

	assert_true(pkt_flow_init(&f, v6 ? CLIENT6 : CLIENT4, v6 ? VIP6 : VIP4, port, port));
	f.marker = port == 4500;
	return f;
}

static size_t frame_of(uint8_t *out, const struct pkt_flow *f, const struct pkt_ike *m)
{
	size_t n = pkt_build(out, PKT_FRAME_MAX, f, m->buf, m->len);

	assert_true(n > 0);
	return n;
}

/* SA, KE (256 bytes of key data, as MODP-2048 has), Nonce,
 * REDIRECT_SUPPORTED: the usual shape, large enough for any REDIRECT. */
static void basic_request(struct pkt_ike *m, const uint8_t spi[8], const uint8_t *nonce,
			  size_t nonce_len)
{
	pkt_ike_init_request(m, spi);
	assert_true(pkt_ike_add_sa(m));
	assert_true(pkt_ike_add_ke(m, 14, 256, spi[0]));
	assert_true(pkt_ike_add_nonce(m, nonce, nonce_len));
	assert_true(pkt_ike_add_notify(m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
}

/* The same with 32 bytes of key data (x25519). */
static void small_request(struct pkt_ike *m, const uint8_t spi[8], const uint8_t *nonce,
			  size_t nonce_len)
{
	pkt_ike_init_request(m, spi);
	assert_true(pkt_ike_add_sa(m));
	assert_true(pkt_ike_add_ke(m, 31, 32, spi[0]));
	assert_true(pkt_ike_add_nonce(m, nonce, nonce_len));
	assert_true(pkt_ike_add_notify(m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
}

static size_t small_request_len(void)
{
	uint8_t nonce[32] = { 0 };
	struct pkt_ike m;

	small_request(&m, spi_a, nonce, 32);
	return m.len;
}

static struct pkt_gw_ident ident(const char *text)
{
	struct pkt_gw_ident id;

	assert_true(pkt_gw_ident_parse(&id, text));
	return id;
}

/* Request m on flow f is answered with a REDIRECT to `to` (target idx). */
static void check_redirect(const char *what, const struct pkt_flow *f, const struct pkt_ike *m,
			   const uint8_t *nonce, size_t nonce_len, const char *to, uint32_t idx)
{
	uint8_t in[PKT_FRAME_MAX], exp[PKT_FRAME_MAX];
	struct pkt_gw_ident id = ident(to);
	size_t len = frame_of(in, f, m);
	size_t exp_len = pkt_build_redirect(exp, sizeof(exp), f, m->buf, &id, nonce, nonce_len);

	assert_true(exp_len > 0);
	expect_redirect(what, in, len, exp, exp_len, f->l2_pad, idx);
}

/* Request m on flow f is answered with the current secret's cookie. */
static void check_cookie_answer(const char *what, const struct pkt_flow *f,
				const struct pkt_ike *m, const uint8_t *nonce, size_t nonce_len,
				unsigned events)
{
	uint8_t in[PKT_FRAME_MAX], exp[PKT_FRAME_MAX], cookie[PKT_COOKIE_LEN];
	size_t len = frame_of(in, f, m), exp_len;

	assert_true(pkt_cookie(cookie, cur_version, cur_key, f, m->buf, nonce, nonce_len));
	exp_len = pkt_build_cookie_answer(exp, sizeof(exp), f, m->buf, cookie, sizeof(cookie));
	assert_true(exp_len > 0);
	expect_answer(what, in, len, exp, exp_len, f->l2_pad, IKELB_CNT_COOKIE_SENT, 0, events);
}

static void check_verdict(const char *what, const struct pkt_flow *f, const struct pkt_ike *m,
			  int action, int counter)
{
	uint8_t in[PKT_FRAME_MAX];
	size_t len = frame_of(in, f, m);

	expect_verdict(what, in, len, action, counter);
}

/* The UDP header length and IP length to set in a built frame. */
static void set16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#include "xdp_fixtures.h"

/* ---- the table ------------------------------------------------------------ */

/* A fixture's request, as built. */
struct built {
	struct pkt_flow flow;
	struct pkt_ike m;
	uint8_t spi[8];
	uint8_t nonce[256];
	size_t nonce_len;
	uint8_t frame[PKT_FRAME_MAX];
	size_t len;
};

static void fx_mac(uint8_t mac[6], uint8_t which)
{
	static const uint8_t macs[][6] = {
		[MAC_OWN] = { 0x02, 0x66, 0x77, 0x88, 0x99, 0xaa },
		[MAC_BROADCAST] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		[MAC_MULTICAST4] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		[MAC_MULTICAST6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
		[MAC_OTHER] = { 0x02, 0x66, 0x77, 0x88, 0x99, 0xab },
		[MAC_VRRP] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33 },
		[MAC_GW1] = { 0x02, 0xab, 0x00, 0x00, 0x00, 0x01 },
		[MAC_GW5] = { 0x02, 0xab, 0x00, 0x00, 0x00, 0x05 },
	};

	memcpy(mac, macs[which], 6);
}

/* The cookie a MSG_COOKIE request carries; its length. */
static size_t fx_cookie_of(const struct built *b, uint8_t kind, uint8_t *out)
{
	struct pkt_flow other = b->flow;

	switch (kind) {
	case COOKIE_PREVIOUS:
		assert_true(pkt_cookie(out, 6, key6, &b->flow, b->spi, b->nonce, b->nonce_len));
		return PKT_COOKIE_LEN;
	case COOKIE_BAD_HASH:
		assert_true(pkt_cookie(out, 7, key7, &b->flow, b->spi, b->nonce, b->nonce_len));
		out[PKT_COOKIE_LEN - 1] ^= 0x01;
		return PKT_COOKIE_LEN;
	case COOKIE_OLD_VERSION:
		assert_true(pkt_cookie(out, 5, key7, &b->flow, b->spi, b->nonce, b->nonce_len));
		return PKT_COOKIE_LEN;
	case COOKIE_OTHER_PORT:
		other.sport++;
		assert_true(pkt_cookie(out, 7, key7, &other, b->spi, b->nonce, b->nonce_len));
		return PKT_COOKIE_LEN;
	case COOKIE_SHORT:
		assert_true(pkt_cookie(out, 7, key7, &b->flow, b->spi, b->nonce, b->nonce_len));
		return PKT_COOKIE_LEN - 1;
	case COOKIE_LONG:
		assert_true(pkt_cookie(out, 7, key7, &b->flow, b->spi, b->nonce, b->nonce_len));
		out[PKT_COOKIE_LEN] = 0x42;
		return PKT_COOKIE_LEN + 1;
	default:
		assert_true(pkt_cookie(out, 7, key7, &b->flow, b->spi, b->nonce, b->nonce_len));
		return PKT_COOKIE_LEN;
	}
}

static void fx_payloads_after_sa(struct built *b, bool ke, bool nonce, bool support)
{
	if (ke)
		assert_true(pkt_ike_add_ke(&b->m, 14, 256, b->spi[0]));
	if (nonce)
		assert_true(pkt_ike_add_nonce(&b->m, b->nonce, b->nonce_len));
	if (support)
		assert_true(pkt_ike_add_notify(&b->m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
}

static void fx_message(const struct fx_input *in, struct built *b)
{
	static const uint8_t natd[20] = { 9, 8, 7 }, sk[64] = { 0x5c };
	struct pkt_ike *m = &b->m;
	uint8_t cookie[PKT_COOKIE_LEN + 1];
	struct pkt_gw_ident id;
	size_t clen;

	switch (in->msg) {
	case MSG_SMALL:
		small_request(m, b->spi, b->nonce, b->nonce_len);
		break;
	case MSG_STRONGSWAN:
		assert_true(pkt_ike_strongswan_sa_init(m, b->spi, b->nonce, b->nonce_len));
		break;
	case MSG_NO_SA:
		pkt_ike_init_request(m, b->spi);
		fx_payloads_after_sa(b, true, true, true);
		break;
	case MSG_NO_KE:
	case MSG_NO_NONCE:
		pkt_ike_init_request(m, b->spi);
		assert_true(pkt_ike_add_sa(m));
		fx_payloads_after_sa(b, in->msg != MSG_NO_KE, in->msg != MSG_NO_NONCE, true);
		break;
	case MSG_NONCE_SUPPORT:
		pkt_ike_init_request(m, b->spi);
		fx_payloads_after_sa(b, false, true, true);
		break;
	case MSG_NO_SUPPORT:
		pkt_ike_init_request(m, b->spi);
		assert_true(pkt_ike_add_sa(m));
		fx_payloads_after_sa(b, true, true, false);
		assert_true(pkt_ike_add_notify(m, 16388, natd, sizeof(natd)));
		assert_true(pkt_ike_add_notify(m, IKE_N_REDIRECT, natd, sizeof(natd)));
		break;
	case MSG_FROM:
		id = ident(in->from);
		memmove(id.data + 2, id.data, id.len);
		id.data[0] = id.type;
		id.data[1] = id.len;
		pkt_ike_init_request(m, b->spi);
		assert_true(pkt_ike_add_sa(m));
		fx_payloads_after_sa(b, true, true, false);
		assert_true(pkt_ike_add_notify(m, IKE_N_REDIRECTED_FROM, id.data,
					       (size_t)id.len + 2));
		break;
	case MSG_COOKIE:
		clen = fx_cookie_of(b, in->cookie, cookie);
		pkt_ike_init_request(m, b->spi);
		assert_true(pkt_ike_add_cookie(m, cookie, clen));
		assert_true(pkt_ike_add_sa(m));
		fx_payloads_after_sa(b, true, true, true);
		break;
	case MSG_COOKIE_LATE:
		clen = fx_cookie_of(b, COOKIE_CURRENT, cookie);
		pkt_ike_init_request(m, b->spi);
		assert_true(pkt_ike_add_sa(m));
		assert_true(pkt_ike_add_cookie(m, cookie, clen));
		fx_payloads_after_sa(b, true, true, true);
		break;
	case MSG_AUTH:
		pkt_ike_init(m, b->spi, IKE_EXCH_AUTH, IKE_FLAG_I);
		memcpy(m->buf + 8, spi_gw, 8); /* SPIr set */
		m->buf[8] = in->label ? in->label : 0x3c;
		pkt_ike_set_u32(m, 20, 1); /* message ID 1 */
		assert_true(pkt_ike_add(m, 46 /* Encrypted and Authenticated */, sk, sizeof(sk)));
		break;
	case MSG_RESPONDER:
		/* the gateway initiated this SA (it rekeyed it): its SPI is SPIi */
		pkt_ike_init(m, spi_gw, IKE_EXCH_INFORMATIONAL, IKE_FLAG_R);
		m->buf[0] = in->label;
		memcpy(m->buf + 8, b->spi, 8);
		m->buf[8] = 5; /* the client's own SPI: label 5's gateway if it were read */
		pkt_ike_set_u32(m, 20, 3);
		assert_true(pkt_ike_add(m, 46, sk, sizeof(sk)));
		break;
	default:
		basic_request(m, b->spi, b->nonce, b->nonce_len);
	}
	for (int i = 0; i < 2; i++)
		if (in->ike[i].set)
			m->buf[in->ike[i].off] = in->ike[i].val;
}

/* ESP (RFC 4303): SPI, sequence number, then 112 bytes standing for the
 * encrypted payload and ICV. */
static size_t fx_esp(uint8_t *out, uint8_t label)
{
	uint32_t spi = (uint32_t)label << 24 | 0xa1b2c3;

	set16(out, spi >> 16);
	set16(out + 2, spi & 0xffff);
	set16(out + 4, 0);
	set16(out + 6, 7);
	for (int i = 0; i < 112; i++)
		out[8 + i] = (uint8_t)(0xe0 ^ i * 5);
	return 120;
}

/* The frame of a fixture's input: built whole, then cut to a fragment. */
static void fx_frame(const struct fx_input *in, struct built *b)
{
	static const uint8_t ka = 0xff, three[3] = { 1, 2, 3 };
	uint8_t esp[128], whole[PKT_FRAME_MAX];
	size_t n;

	switch (in->msg) {
	case MSG_ESP:
		b->len = pkt_build_ip(b->frame, sizeof(b->frame), &b->flow, 50, esp, fx_esp(esp, in->label));
		break;
	case MSG_ESP_UDP:
		b->flow.marker = false;
		b->len = pkt_build(b->frame, sizeof(b->frame), &b->flow, esp, fx_esp(esp, in->label));
		break;
	case MSG_KEEPALIVE:
		b->flow.marker = false;
		b->len = pkt_build(b->frame, sizeof(b->frame), &b->flow, &ka, 1);
		break;
	case MSG_SHORT_UDP:
		b->flow.marker = false;
		b->len = pkt_build(b->frame, sizeof(b->frame), &b->flow, three, sizeof(three));
		break;
	default:
		fx_message(in, b);
		b->len = frame_of(b->frame, &b->flow, &b->m);
	}
	assert_true(b->len > 0);
	if (in->frag == FRAG_NONE)
		return;
	memcpy(whole, b->frame, b->len);
	n = b->len - pkt_l4_off(&b->flow) - b->flow.l2_pad; /* what IP carries */
	assert_true(n > FX_FRAG_SPLIT);
	if (in->frag == FRAG_FIRST)
		b->len = pkt_fragment(b->frame, sizeof(b->frame), whole, b->len, &b->flow, 0,
				      FX_FRAG_SPLIT, true, FX_FRAG_ID);
	else
		b->len = pkt_fragment(b->frame, sizeof(b->frame), whole, b->len, &b->flow,
				      FX_FRAG_SPLIT, n - FX_FRAG_SPLIT, false, FX_FRAG_ID);
	assert_true(b->len > 0);
}

static void fx_build(const struct fx_input *in, struct built *b)
{
	uint16_t port = in->port ? in->port : 500;

	memset(b, 0, sizeof(*b));
	b->flow = flow_to_vip(in->v6, port);
	if (in->src)
		assert_true(inet_pton(in->v6 ? AF_INET6 : AF_INET, in->src, b->flow.src) == 1);
	if (in->dst)
		assert_true(inet_pton(in->v6 ? AF_INET6 : AF_INET, in->dst, b->flow.dst) == 1);
	if (in->sport)
		b->flow.sport = in->sport;
	if (in->sport0)
		b->flow.sport = 0;
	if (in->tags >= 1)
		assert_true(pkt_flow_add_vlan(&b->flow, in->tags == 2 ? 0x88a8 : 0x8100, 0x2064));
	if (in->tags == 2)
		assert_true(pkt_flow_add_vlan(&b->flow, 0x8100, 0x3064));
	fx_mac(b->flow.dst_mac, in->dst_mac);
	if (in->src_mac_group)
		b->flow.src_mac[0] |= 1;
	b->flow.tos = in->tos;
	if (!in->spi_zero)
		memcpy(b->spi, spi_a, 8);
	b->nonce_len = in->nonce_len ? in->nonce_len : 32;
	nonce_fill(b->nonce, b->nonce_len, 0x31);
	fx_frame(in, b);
	for (int i = 0; i < 2; i++) {
		const struct fx_frame_byte *p = &in->frame[i];

		if (p->at == FX_L3)
			b->frame[pkt_l3_off(&b->flow) + p->off] = p->val;
		else if (p->at == FX_L4)
			b->frame[pkt_l4_off(&b->flow) + p->off] = p->val;
	}
}

static void run_fixture(const struct xdp_fixture *fx)
{
	uint8_t exp[PKT_FRAME_MAX], cookie[PKT_COOKIE_LEN];
	struct pkt_gw_ident id;
	struct built b;
	size_t exp_len;

	reset(NULL);
	if (fx->setup)
		fx->setup();
	fx_build(&fx->in, &b);
	switch (fx->answer) {
	case ANSWER_STEER: {
		/* the same frame built for the gateway's MAC, from our own */
		struct built e;

		fx_build(&fx->in, &e);
		fx_mac(e.flow.dst_mac, fx->to);
		memcpy(e.flow.src_mac, own_mac, 6);
		fx_frame(&fx->in, &e);
		assert_int_equal(e.len, b.len);
		expect_steer(fx->description, b.frame, b.len, e.frame, XDP_TX_, fx->counter,
			     fx->events, fx->counted);
		break;
	}
	case ANSWER_REDIRECT:
		id = ident(fx->target ? fx->target : fx->in.v6 ? TARGET6 : TARGET4);
		exp_len = pkt_build_redirect(exp, sizeof(exp), &b.flow, b.spi, &id, b.nonce,
					     b.nonce_len);
		assert_true(exp_len > 0);
		expect_answer(fx->description, b.frame, b.len, exp, exp_len, 0, fx->counter,
			      fx->target_idx ? fx->target_idx : 1, fx->events);
		break;
	case ANSWER_COOKIE:
		assert_true(pkt_cookie(cookie, cur_version, cur_key, &b.flow, b.spi, b.nonce,
				       b.nonce_len));
		exp_len = pkt_build_cookie_answer(exp, sizeof(exp), &b.flow, b.spi, cookie,
						  sizeof(cookie));
		assert_true(exp_len > 0 && exp_len <= b.len);
		expect_answer(fx->description, b.frame, b.len, exp, exp_len, 0, fx->counter, 0,
			      fx->events);
		break;
	default:
		if (fx->counted || (fx->events & (EV_STEERED_LOCAL | EV_REQUESTS)))
			expect_steer(fx->description, b.frame, b.len, NULL, fx->verdict,
				     fx->counter, fx->events, fx->counted);
		else
			expect_verdict_ev(fx->description, b.frame, b.len, fx->verdict,
					  fx->counter, fx->events);
	}
}

static void test_fixture_table(void **state)
{
	(void)state;
	NEED_BPF();
	for (size_t i = 0; i < sizeof(xdp_fixtures) / sizeof(xdp_fixtures[0]); i++)
		run_fixture(&xdp_fixtures[i]);
	print_message("# %zu fixtures\n", sizeof(xdp_fixtures) / sizeof(xdp_fixtures[0]));
}

/* ---- the expected frames themselves ------------------------------------ */

/* docs/xdp.md's example: IPv4 target, 32-byte Ni: notify 46, message 74. */
static void test_expected_redirect_example(void **state)
{
	uint8_t out[512], nonce[32];
	struct pkt_gw_ident id = ident(TARGET4);

	(void)state;
	nonce_fill(nonce, sizeof(nonce), 1);
	assert_int_equal(pkt_ike_redirect(out, sizeof(out), spi_a, &id, nonce, 32), 74);
	assert_memory_equal(out, spi_a, 8);
	assert_int_equal(out[16], 41);
	assert_int_equal(out[17], 0x20);
	assert_int_equal(out[18], 34);
	assert_int_equal(out[19], 0x20);
	assert_int_equal(out[27], 74);
	assert_int_equal(out[28 + 3], 46); /* notify length */
	assert_int_equal(out[28 + 6] << 8 | out[28 + 7], 16407);
	assert_int_equal(out[28 + 8], 1);
	assert_int_equal(out[28 + 9], 4);
}

/* RFC 7296 2.6 / docs/xdp.md: the COOKIE response is the header and one
 * Notify of type 16390 with the 9-byte cookie: 45 bytes. */
static void test_expected_cookie_example(void **state)
{
	uint8_t out[128], cookie[PKT_COOKIE_LEN] = { 7, 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	assert_int_equal(pkt_ike_cookie_response(out, sizeof(out), spi_a, cookie, 9), 45);
	assert_memory_equal(out, spi_a, 8);
	for (int i = 8; i < 16; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(out[16], 41);
	assert_int_equal(out[17], 0x20);
	assert_int_equal(out[18], 34);
	assert_int_equal(out[19], 0x20);
	assert_int_equal(out[27], 45);
	assert_int_equal(out[28], 0); /* next payload */
	assert_int_equal(out[28 + 3], 17); /* notify length */
	assert_int_equal(out[28 + 4], 0); /* protocol */
	assert_int_equal(out[28 + 5], 0); /* SPI size */
	assert_int_equal(out[28 + 6] << 8 | out[28 + 7], 16390);
	assert_memory_equal(out + 36, cookie, 9);
}

/* RFC 1071 section 3's example: words 0001 f203 f4f5 f6f7 sum to ddf2. */
static void test_csum_vector(void **state)
{
	static const uint8_t w[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(pkt_csum_fold(w, sizeof(w), 0), 0xddf2);
}

/* A frame built by pkt.c checks out as zero sums (IPv4 header, UDP). */
static void test_builder_checksums(void **state)
{
	uint8_t in[PKT_FRAME_MAX], nonce[32];
	struct pkt_flow f = flow_to_vip(0, 500), g = flow_to_vip(1, 4500);
	struct pkt_ike m;
	size_t len;
	uint8_t ph[40] = { 0 };

	(void)state;
	nonce_fill(nonce, 32, 3);
	basic_request(&m, spi_a, nonce, 32);
	len = frame_of(in, &f, &m);
	assert_int_equal(pkt_csum_fold(in + 14, 20, 0), 0xffff);
	memcpy(ph, f.src, 4);
	memcpy(ph + 4, f.dst, 4);
	ph[9] = 17;
	ph[10] = (uint8_t)((len - 34) >> 8);
	ph[11] = (uint8_t)(len - 34);
	assert_int_equal(pkt_csum_fold(in + 34, len - 34, pkt_csum_fold(ph, 12, 0)), 0xffff);
	len = frame_of(in, &g, &m);
	memset(ph, 0, sizeof(ph));
	memcpy(ph, g.src, 16);
	memcpy(ph + 16, g.dst, 16);
	ph[34] = (uint8_t)((len - 54) >> 8);
	ph[35] = (uint8_t)(len - 54);
	ph[39] = 17;
	assert_int_equal(pkt_csum_fold(in + 54, len - 54, pkt_csum_fold(ph, 40, 0)), 0xffff);
}

/* The slot of an SPIi (hand-computed: K = 0x9E3779B97F4A7C15, top 10 bits
 * of SPIi * K as the little-endian host loads the wire bytes). */
static uint32_t slot_of(const uint8_t spi[8])
{
	uint64_t v;

	memcpy(&v, spi, 8);
	return (uint32_t)((v * 0x9E3779B97F4A7C15ull) >> (64 - 10));
}

static void test_slot_vectors(void **state)
{
	static const uint8_t one[8] = { 1 }, two[8] = { 2 },
			     seq[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	/* 1 * K = 0x9E37...: top ten bits 10 0111 1000 = 632; 2 * K = 0x3C6E...: 241 */
	assert_int_equal(slot_of(one), 632);
	assert_int_equal(slot_of(two), 241);
	assert_int_equal(slot_of(seq), 673);
	assert_int_equal(ikelb_slot_of_spi(1), 632);
	assert_int_equal(ikelb_slot_of_spi(2), 241);
	assert_int_equal(ikelb_slot_of_spi(0x0807060504030201ull), 673);
}

/* pkt_ike_strongswan_sa_init() has the capture's shape: payload types and
 * lengths, and the SA payload byte for byte. */
static void test_strongswan_builder_matches_fixture(void **state)
{
	struct pkt_flow f;
	size_t off, len, n1, n2, nonce_len;
	const uint8_t *ike, *nonce;
	uint8_t t1[16], t2[16];
	struct pkt_ike m;
	size_t p1 = 28, p2 = 28;

	(void)state;
	assert_true(pkt_parse(strongswan_v4_500, sizeof(strongswan_v4_500), false, &f, &off, &len));
	ike = strongswan_v4_500 + off;
	assert_true(pkt_ike_find_nonce(ike, len, &nonce, &nonce_len));
	assert_true(pkt_ike_strongswan_sa_init(&m, ike, nonce, nonce_len));
	assert_int_equal(m.len, len);
	assert_int_equal(m.len, 892);
	assert_memory_equal(m.buf, ike, 28);
	assert_true(pkt_ike_payloads(ike, len, t1, 16, &n1));
	assert_true(pkt_ike_payloads(m.buf, m.len, t2, 16, &n2));
	assert_int_equal(n1, n2);
	assert_memory_equal(t1, t2, n1);
	for (size_t i = 0; i < n1; i++) {
		size_t l1 = (size_t)(ike[p1 + 2] << 8 | ike[p1 + 3]);
		size_t l2 = (size_t)(m.buf[p2 + 2] << 8 | m.buf[p2 + 3]);

		assert_int_equal(l1, l2);
		if (t1[i] == 33 || t1[i] == 40) /* SA and Nonce exactly */
			assert_memory_equal(ike + p1, m.buf + p2, l1);
		p1 += l1;
		p2 += l2;
	}
}

/* ---- real strongSwan requests ---------------------------------------------- */

/*
 * The captured frames (tests/fixtures/capture.sh) carry only the
 * pseudo-header part of their UDP checksum: they were captured on a veth
 * whose sender left the checksum to "hardware" (CHECKSUM_PARTIAL).  A NIC
 * delivers complete checksums; this completes it the same way (RFC 768).
 */
static void complete_udp_checksum(uint8_t *frame, size_t len, bool v6)
{
	size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20), ulen = len - l4;
	uint8_t ph[40] = { 0 };
	uint16_t sum;

	if (v6) {
		memcpy(ph, frame + l3 + 8, 32);
		ph[34] = (uint8_t)(ulen >> 8);
		ph[35] = (uint8_t)ulen;
		ph[39] = 17;
	} else {
		memcpy(ph, frame + l3 + 12, 8);
		ph[9] = 17;
		ph[10] = (uint8_t)(ulen >> 8);
		ph[11] = (uint8_t)ulen;
	}
	frame[l4 + 6] = frame[l4 + 7] = 0;
	sum = (uint16_t)~pkt_csum_fold(frame + l4, ulen, pkt_csum_fold(ph, v6 ? 40 : 12, 0));
	set16(frame + l4 + 6, sum ? sum : 0xffff);
}

static void check_capture(const char *what, const uint8_t *captured, size_t len, bool v6,
			  const char *to)
{
	uint8_t frame[PKT_FRAME_MAX], exp[PKT_FRAME_MAX];
	struct pkt_gw_ident id = ident(to);
	size_t off, ike_len, nonce_len, exp_len;
	const uint8_t *nonce;
	struct pkt_flow f;

	memcpy(frame, captured, len);
	memcpy(cfg.mac, frame, 6); /* the capture's destination is our MAC here */
	put_config();
	/* as captured, the checksum is only partial: not answered */
	expect_verdict(what, frame, len, XDP_DROP_, IKELB_CNT_DROP_UDP_CSUM);
	complete_udp_checksum(frame, len, v6);
	assert_true(pkt_parse(frame, len, v6, &f, &off, &ike_len));
	assert_int_equal(f.marker, v6);
	assert_true(pkt_ike_find_nonce(frame + off, ike_len, &nonce, &nonce_len));
	exp_len = pkt_build_redirect(exp, sizeof(exp), &f, frame + off, &id, nonce, nonce_len);
	assert_true(exp_len > 0);
	expect_redirect(what, frame, len, exp, exp_len, f.l2_pad, 1);
}

/* A real strongSwan 5.9.8 request, IPv4 on 500 and IPv6 on 4500. */
static void test_strongswan_capture(void **state)
{
	(void)state;
	NEED_BPF();
	check_capture("strongSwan IPv4 500", strongswan_v4_500, sizeof(strongswan_v4_500), false,
		      TARGET4);
	check_capture("strongSwan IPv6 4500", strongswan_v6_4500, sizeof(strongswan_v6_4500),
		      true, TARGET6);
}

/* ---- sweeps ------------------------------------------------------------------ */

static void test_target_identities(void **state)
{
	char fqdn255_[256], what[64];
	const char *ids[] = { "198.18.7.9", "2001:db8:77::1:2", "g", "gw1.example", fqdn255_,
			      "gw-2.ikelb.test" };
	uint8_t nonce[32];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	for (int i = 0; i < 255; i++)
		fqdn255_[i] = (char)(i % 64 == 63 ? '.' : 'a' + i % 26);
	fqdn255_[255] = 0;
	assert_int_equal(strlen("gw1.example") % 2, 1);
	nonce_fill(nonce, 32, 11);
	basic_request(&m, spi_a, nonce, 32);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		for (int v6 = 0; v6 <= 1; v6++) {
			struct pkt_flow f = flow_to_vip(v6, 500);

			/* the other family's identity must not be used */
			set_target(5, 1, v6 ? "198.18.99.99" : ids[i], v6 ? ids[i] : "2001:db8::99");
			fill_slots(v6 ? IKELB_FAM_V6 : IKELB_FAM_V4, 5);
			snprintf(what, sizeof(what), "identity %.20s (len %zu) v%d", ids[i],
				 strlen(ids[i]), v6 ? 6 : 4);
			check_redirect(what, &f, &m, nonce, 32, ids[i], 5);
		}
	}
}

static void test_nonce_sizes(void **state)
{
	static const size_t sizes[] = { 16, 17, 31, 32, 33, 64, 255, 256 };
	uint8_t nonce[256];
	char what[48];

	(void)state;
	NEED_BPF();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int v6 = 0; v6 <= 1; v6++) {
			struct pkt_flow f = flow_to_vip(v6, v6 ? 4500 : 500);
			struct pkt_ike m;

			nonce_fill(nonce, sizes[i], (uint8_t)(i * 17));
			basic_request(&m, spi_a, nonce, sizes[i]);
			snprintf(what, sizeof(what), "nonce of %zu v%d", sizes[i], v6 ? 6 : 4);
			check_redirect(what, &f, &m, nonce, sizes[i], v6 ? TARGET6 : TARGET4, 1);
		}
	}
}

/* The nonce last in the packet (copied up to the frame's end), first,
 * and between notifies and vendor IDs. */
static void test_nonce_position(void **state)
{
	static const uint8_t vid[16] = { 0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc,
					 0x22, 0x86, 0x13, 0x2c, 0x35, 0xa9, 0x1e, 0x0b };
	static const uint8_t natd[20] = { 1, 2, 3 };
	uint8_t nonce[33];
	struct pkt_flow f4 = flow_to_vip(0, 500), f6 = flow_to_vip(1, 4500);
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 33, 12);

	pkt_ike_init_request(&m, spi_a); /* Nonce last */
	assert_true(pkt_ike_add_sa(&m));
	assert_true(pkt_ike_add_ke(&m, 19, 64, 2));
	assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
	assert_true(pkt_ike_add_vendor(&m, vid, sizeof(vid)));
	assert_true(pkt_ike_add_nonce(&m, nonce, 33));
	check_redirect("nonce last v4", &f4, &m, nonce, 33, TARGET4, 1);
	check_redirect("nonce last v6", &f6, &m, nonce, 33, TARGET6, 1);

	pkt_ike_init_request(&m, spi_a); /* Nonce first */
	assert_true(pkt_ike_add_nonce(&m, nonce, 33));
	assert_true(pkt_ike_add_sa(&m));
	assert_true(pkt_ike_add_ke(&m, 14, 256, 3));
	assert_true(pkt_ike_add_vendor(&m, vid, 3));
	assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
	check_redirect("nonce first v4", &f4, &m, nonce, 33, TARGET4, 1);
	check_redirect("nonce first v6", &f6, &m, nonce, 33, TARGET6, 1);

	pkt_ike_init_request(&m, spi_a); /* between notifies and vendor IDs */
	assert_true(pkt_ike_add_notify(&m, 16388, natd, sizeof(natd)));
	assert_true(pkt_ike_add_vendor(&m, vid, sizeof(vid)));
	assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
	assert_true(pkt_ike_add_nonce(&m, nonce, 33));
	assert_true(pkt_ike_add_vendor(&m, vid, 1));
	assert_true(pkt_ike_add_notify(&m, 16389, natd, sizeof(natd)));
	assert_true(pkt_ike_add_sa(&m));
	assert_true(pkt_ike_add_ke(&m, 19, 64, 4));
	check_redirect("nonce in the middle v4", &f4, &m, nonce, 33, TARGET4, 1);
	check_redirect("nonce in the middle v6", &f6, &m, nonce, 33, TARGET6, 1);
}

/* Every alignment of identity and nonce against 8-byte copies, with the
 * nonce ending the frame: nonce 16..24 and 249..256 bytes, identities of
 * 1..9, 16 and 255 bytes; through scratch (the nonce before where the
 * answer puts it) and in place (SA and KE first). */
static void test_copy_alignments(void **state)
{
	static const char *const ids[] = { "a", "ab", "abc", "abcd", "abcde", "abcdef",
					   "abcdefg", "abcdefgh", "abcdefghi", "2001:db8::7", "198.18.3.3" };
	char fqdn[256], what[64];
	uint8_t nonce[256];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	memset(fqdn, 'q', 255);
	fqdn[255] = 0;
	for (size_t n = 16; n <= 256; n = n == 24 ? 249 : n + 1) {
		for (size_t i = 0; i <= sizeof(ids) / sizeof(ids[0]); i++) {
			const char *id = i < sizeof(ids) / sizeof(ids[0]) ? ids[i] : fqdn;
			int v6 = (int)(n + i) & 1;
			struct pkt_flow f = flow_to_vip(v6, v6 ? 4500 : 500);

			set_target(3, 1, id, id);
			fill_slots(v6, 3);
			nonce_fill(nonce, n, (uint8_t)(n + i));
			/* the nonce first: through scratch */
			pkt_ike_init_request(&m, spi_a);
			assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
			assert_true(pkt_ike_add_nonce(&m, nonce, n));
			assert_true(pkt_ike_add_sa(&m));
			assert_true(pkt_ike_add_ke(&m, 14, 256, 5));
			snprintf(what, sizeof(what), "nonce %zu, identity of %zu", n, strlen(id));
			check_redirect(what, &f, &m, nonce, n, id, 3);
			/* the nonce last after SA and KE: in place */
			pkt_ike_init_request(&m, spi_a);
			assert_true(pkt_ike_add_sa(&m));
			assert_true(pkt_ike_add_ke(&m, 14, 256, 2));
			assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
			assert_true(pkt_ike_add_nonce(&m, nonce, n));
			snprintf(what, sizeof(what), "MOVE nonce %zu, identity of %zu", n, strlen(id));
			check_redirect(what, &f, &m, nonce, n, id, 3);
			for (int pad = 1; pad <= 7; pad += 3) {
				struct pkt_flow g = f;

				g.l2_pad = (size_t)pad;
				check_redirect("MOVE padded", &g, &m, nonce, n, id, 3);
			}
		}
	}
}

/* Shorter answer: a strongSwan-sized request, IPv4 identity. */
static void test_frame_shrinks(void **state)
{
	uint8_t nonce[32], spi[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	struct pkt_ike m;
	struct pkt_flow f = flow_to_vip(0, 4500);

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 15);
	assert_true(pkt_ike_strongswan_sa_init(&m, spi, nonce, 32));
	check_redirect("shrinks to 74", &f, &m, nonce, 32, TARGET4, 1);
	assert_int_equal(res.out_len, 14 + 20 + 8 + 4 + 74);
}

/* An answer whose UDP checksum computes to 0 carries 0xffff (RFC 768;
 * mandatory for IPv6): the last two nonce bytes are chosen to get there. */
static void test_udp_checksum_zero(void **state)
{
	uint8_t nonce[32], exp[PKT_FRAME_MAX];
	struct pkt_gw_ident id;

	(void)state;
	NEED_BPF();
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, 500);
		const char *to = v6 ? TARGET6 : TARGET4;
		size_t ck = pkt_l4_off(&f) + 6, len = 0;
		struct pkt_ike m;
		uint32_t x;

		id = ident(to);
		nonce_fill(nonce, 32, 33);
		for (x = 0; x <= 0xffff; x++) {
			nonce[30] = (uint8_t)(x >> 8);
			nonce[31] = (uint8_t)x;
			len = pkt_build_redirect(exp, sizeof(exp), &f, spi_a, &id, nonce, 32);
			if (exp[ck] == 0xff && exp[ck + 1] == 0xff)
				break;
		}
		assert_true(x <= 0xffff);
		assert_true(len > 0);
		basic_request(&m, spi_a, nonce, 32);
		check_redirect("UDP checksum 0xffff", &f, &m, nonce, 32, to, 1);
	}
}

/* Link-layer padding after the IP packet stays after the answer. */
static void test_l2_padding(void **state)
{
	uint8_t nonce[16];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 16, 16);
	basic_request(&m, spi_a, nonce, 16);
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, 500);

		f.l2_pad = 6;
		check_redirect("padded", &f, &m, nonce, 16, v6 ? TARGET6 : TARGET4, 1);
		cfg.cookie_mode = IKELB_COOKIES_ON;
		put_config();
		check_cookie_answer("padded, cookie", &f, &m, nonce, 16, 0);
		cfg.cookie_mode = IKELB_COOKIES_OFF;
		put_config();
	}
}

/* ---- targets: slots, budgets and the spill table ------------------------------ */

/* A request with SPIi `spi` on flow f goes to target `idx` with id `to`. */
static void check_spi(const struct pkt_flow *f, const uint8_t spi[8], const char *to,
		      uint32_t idx)
{
	uint8_t nonce[32];
	struct pkt_ike m;

	nonce_fill(nonce, 32, spi[1]);
	basic_request(&m, spi, nonce, 32);
	check_redirect("SPI to target", f, &m, nonce, 32, to, idx);
}

static void test_retransmission_same_target(void **state)
{
	static const uint8_t spi[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	struct pkt_flow f = flow_to_vip(0, 500);
	uint32_t s = slot_of(spi);

	(void)state;
	NEED_BPF();
	set_target(2, 1, "198.18.1.2", NULL);
	set_target(3, 1, "198.18.1.3", NULL);
	for (uint32_t i = 0; i < IKELB_SLOTS; i++)
		set_slot(IKELB_FAM_V4, i, i == s ? 3 : 2);
	for (int i = 0; i < 3; i++)
		check_spi(&f, spi, "198.18.1.3", 3);
}

/* Slot v4 s -> target 10 + s % 3, slot v6 s -> target 20 + s % 2: every
 * SPIi lands where the table says, per family. */
static void test_spread_follows_slots(void **state)
{
	uint64_t want[IKELB_MAX_TARGETS] = { 0 }, t0[IKELB_MAX_TARGETS], t1[IKELB_MAX_TARGETS];
	struct pkt_flow f4 = flow_to_vip(0, 500), f6 = flow_to_vip(1, 500);
	uint64_t x = 0x243f6a8885a308d3ull;
	char a4[32], a6[48];

	(void)state;
	NEED_BPF();
	for (uint32_t t = 10; t < 13; t++) {
		snprintf(a4, sizeof(a4), "198.18.2.%u", t);
		set_target(t, 1, a4, NULL);
	}
	for (uint32_t t = 20; t < 22; t++) {
		snprintf(a6, sizeof(a6), "2001:db8:2::%u", t);
		set_target(t, 1, NULL, a6);
	}
	for (uint32_t s = 0; s < IKELB_SLOTS; s++) {
		set_slot(IKELB_FAM_V4, s, 10 + s % 3);
		set_slot(IKELB_FAM_V6, s, 20 + s % 2);
	}
	read_tstats(t0);
	for (int i = 0; i < 60; i++) {
		uint8_t spi[8];
		uint32_t s, t;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(spi, &x, 8);
		s = slot_of(spi);
		t = 10 + s % 3;
		snprintf(a4, sizeof(a4), "198.18.2.%u", t);
		check_spi(&f4, spi, a4, t);
		want[t]++;
		t = 20 + s % 2;
		snprintf(a6, sizeof(a6), "2001:db8:2::%u", t);
		check_spi(&f6, spi, a6, t);
		want[t]++;
	}
	read_tstats(t1);
	for (int t = 0; t < IKELB_MAX_TARGETS; t++)
		assert_int_equal(t1[t] - t0[t], want[t]);
	for (int t = 10; t < 13; t++)
		assert_true(want[t] > 0); /* 60 random SPIs reach all three */
}

/*
 * include/ikelb.h: each CPU counts its redirects per target; while a CPU's
 * count for the plan slot's target is below that CPU's budget "until" the
 * plan table's target is used, at or past it the target in the same slot of
 * the family's spill table (if usable); until = 0 is no limit.
 * BPF_PROG_TEST_RUN runs the program on the CPU that calls it, so these
 * tests pin the test thread to one CPU and set budgets and counts per CPU.
 */
static cpu_set_t saved_affinity;
static bool affinity_saved;

static void pin_to(int cpu)
{
	cpu_set_t set;

	if (!affinity_saved) {
		assert_int_equal(sched_getaffinity(0, sizeof(saved_affinity), &saved_affinity), 0);
		affinity_saved = true;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	assert_int_equal(sched_getcpu(), cpu);
}

static int unpin(void **state)
{
	(void)state;
	if (affinity_saved)
		sched_setaffinity(0, sizeof(saved_affinity), &saved_affinity);
	affinity_saved = false;
	return 0;
}

/* Up to max CPUs this thread may run on (and the maps have a value for). */
static int usable_cpus(int *out, int max)
{
	cpu_set_t set;
	int n = 0;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < ncpus && c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			out[n++] = c;
	return n;
}

/* The targets of these tests: 2 in the plan, 3 and 4 in the spill tables,
 * 5 in every spill slot but the request's (a wrong slot shows as 5). */
static const char *const id4[] = { [2] = "198.18.1.2", [3] = "198.18.1.3",
				   [4] = "198.18.1.4", [5] = "198.18.1.5" };
static const char *const id6[] = { [2] = "2001:db8:1::2", [3] = "2001:db8:1::3",
				   [4] = "2001:db8:1::4", [5] = "2001:db8:1::5" };

static void budget_targets(void)
{
	for (uint32_t t = 2; t <= 5; t++)
		set_target(t, 1, id4[t], id6[t]);
}

/* Spill table of family fam: `target` in spi_a's slot, 5 in all others. */
static void spill_at_spi_a(uint32_t fam, uint32_t target)
{
	uint32_t s = slot_of(spi_a);

	fill_spill(fam, 5);
	set_table_slot(IKELB_TABLE_SPILL, fam, s, target);
}

/* One request with SPIi spi_a to the VIP of family v6 on port (500/4500),
 * answered with a REDIRECT to target idx, counted for idx alone. */
static void expect_target(const char *what, int v6, uint16_t port, uint32_t idx)
{
	struct pkt_flow f = flow_to_vip(v6, port);
	uint8_t nonce[32];
	struct pkt_ike m;

	nonce_fill(nonce, 32, (uint8_t)(idx * 16 + port));
	basic_request(&m, spi_a, nonce, 32);
	check_redirect(what, &f, &m, nonce, 32, v6 ? id6[idx] : id4[idx], idx);
}

static void test_budget_zero_is_unlimited(void **state)
{
	int cpu;

	(void)state;
	NEED_BPF();
	assert_int_equal(usable_cpus(&cpu, 1), 1);
	pin_to(cpu);
	budget_targets();
	fill_slots(IKELB_FAM_V4, 2);
	fill_slots(IKELB_FAM_V6, 2);
	fill_spill(IKELB_FAM_V4, 3);
	fill_spill(IKELB_FAM_V6, 4);
	/* until = 0 on every CPU, however many redirects this CPU has sent */
	set_tstats(2, cpu, 1000000);
	for (int i = 0; i < 10; i++) {
		expect_target("budget 0, IPv4", 0, i % 2 ? 4500 : 500, 2);
		expect_target("budget 0, IPv6", 1, i % 2 ? 500 : 4500, 2);
	}
	assert_int_equal(tstats_on(2, cpu), 1000020);
}

/*
 * A budget of 4 on this CPU: the first four requests, of both families,
 * go to the plan's target 2; from the fifth on, IPv4 requests go to the
 * IPv4 spill table's target in their slot (3), IPv6 ones to the IPv6 spill
 * table's (4).  The spill target's own budget plays no part.
 */
static void test_budget_then_spill(void **state)
{
	int cpu;

	(void)state;
	NEED_BPF();
	assert_int_equal(usable_cpus(&cpu, 1), 1);
	pin_to(cpu);
	budget_targets();
	fill_slots(IKELB_FAM_V4, 2);
	fill_slots(IKELB_FAM_V6, 2);
	spill_at_spi_a(IKELB_FAM_V4, 3);
	spill_at_spi_a(IKELB_FAM_V6, 4);
	set_budget(2, cpu, 4);
	set_budget(3, cpu, 1); /* used up after the first spill: irrelevant */
	expect_target("plan 1 of 4, IPv4", 0, 500, 2);
	expect_target("plan 2 of 4, IPv6", 1, 500, 2);
	expect_target("plan 3 of 4, IPv4 4500", 0, 4500, 2);
	expect_target("plan 4 of 4, IPv6 4500", 1, 4500, 2);
	assert_int_equal(tstats_on(2, cpu), 4);
	for (int i = 0; i < 3; i++) {
		expect_target("past the budget, IPv4", 0, i ? 4500 : 500, 3);
		expect_target("past the budget, IPv6", 1, i ? 500 : 4500, 4);
	}
	assert_int_equal(tstats_on(2, cpu), 4);
	assert_int_equal(tstats_on(3, cpu), 3);
	assert_int_equal(tstats_on(4, cpu), 3);
	assert_int_equal(tstats_on(5, cpu), 0);
	/* until is compared with the CPU's running count, not counted from the
	 * moment it is set: count 1000, until 1003 leaves three */
	set_tstats(2, cpu, 1000);
	set_budget(2, cpu, 1003);
	expect_target("count 1000, until 1003: 1", 1, 500, 2);
	expect_target("count 1001, until 1003: 2", 0, 500, 2);
	expect_target("count 1002, until 1003: 3", 0, 4500, 2);
	expect_target("count 1003, until 1003", 0, 500, 3);
	expect_target("count 1003, until 1003", 1, 500, 4);
	/* a budget of 1, and a new budget lets the plan's target back in */
	set_tstats(2, cpu, 0);
	set_budget(2, cpu, 1);
	expect_target("until 1: the first", 1, 4500, 2);
	expect_target("until 1: the second", 1, 4500, 4);
	set_budget(2, cpu, 2);
	expect_target("until raised to 2", 0, 4500, 2);
	expect_target("until 2 reached", 0, 4500, 3);
}

/* The budget is used up, but the spill slot has nothing usable: the plan's
 * target is still the answer (never no-target, never a wrong slot). */
static void test_spill_unusable_keeps_plan(void **state)
{
	static const char *const why[] = { "spill slot empty", "spill index out of range",
					   "spill target never filled", "spill target inactive",
					   "spill target without this family's identity",
					   "spill target's identity is the VIP" };
	const uint32_t bad[] = { IKELB_SLOT_NONE, IKELB_MAX_TARGETS, 0, 6, 7, 8 };
	int cpu;

	(void)state;
	NEED_BPF();
	assert_int_equal(usable_cpus(&cpu, 1), 1);
	pin_to(cpu);
	budget_targets();
	set_target(6, 0, "198.18.1.6", "2001:db8:1::6");
	set_target(8, 1, VIP4, VIP6);
	fill_slots(IKELB_FAM_V4, 2);
	fill_slots(IKELB_FAM_V6, 2);
	set_tstats(2, cpu, 5);
	set_budget(2, cpu, 5);
	for (int v6 = 0; v6 <= 1; v6++) {
		uint32_t fam = v6 ? IKELB_FAM_V6 : IKELB_FAM_V4;

		/* target 7 has only the other family's identity */
		set_target(7, 1, v6 ? "198.18.1.7" : NULL, v6 ? NULL : "2001:db8:1::7");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			spill_at_spi_a(fam, bad[i]);
			expect_target(why[i], v6, 500, 2);
		}
		/* the same state with a usable spill slot does spill */
		spill_at_spi_a(fam, 3);
		expect_target("spill target usable", v6, 500, 3);
	}
}

/*
 * Budgets and counts are per CPU: on CPU a only a's budget and a's count
 * matter, whatever CPU b's say, and the other way round.
 */
static void test_budget_per_cpu(void **state)
{
	int cpus[2], a, b;

	(void)state;
	NEED_BPF();
	if (usable_cpus(cpus, 2) < 2) {
		print_message("# needs two CPUs to run on\n");
		skip();
	}
	a = cpus[0], b = cpus[1];
	budget_targets();
	fill_slots(IKELB_FAM_V4, 2);
	fill_slots(IKELB_FAM_V6, 2);
	spill_at_spi_a(IKELB_FAM_V4, 3);
	spill_at_spi_a(IKELB_FAM_V6, 4);

	/* b has used up its budget; a has none (0): a sends to the plan */
	pin_to(a);
	set_percpu_two(tstats_fd, 2, a, 0, b, 50);
	set_percpu_two(budget_fd, 2, a, 0, b, 1);
	for (int i = 0; i < 3; i++)
		expect_target("CPU a without a budget, CPU b's used up", i % 2, 500, 2);
	assert_int_equal(tstats_on(2, a), 3);
	assert_int_equal(tstats_on(2, b), 50);

	/* a's budget 5 (count 3): two more, then the spill; b's count of 50
	 * is not a's */
	set_percpu_two(budget_fd, 2, a, 5, b, 0);
	expect_target("CPU a, count 3 of 5", 0, 500, 2);
	expect_target("CPU a, count 4 of 5", 1, 500, 2);
	expect_target("CPU a, count 5 of 5", 0, 500, 3);
	expect_target("CPU a, count 5 of 5", 1, 500, 4);
	assert_int_equal(tstats_on(2, a), 5);
	assert_int_equal(tstats_on(2, b), 50);

	/* on b the same maps: b's budget is 0, so no limit there */
	pin_to(b);
	expect_target("CPU b without a budget, CPU a's used up", 0, 500, 2);
	expect_target("CPU b without a budget, CPU a's used up", 1, 4500, 2);
	assert_int_equal(tstats_on(2, b), 52);
	assert_int_equal(tstats_on(2, a), 5);

	/* b's own budget: 53 with count 52 leaves one */
	set_percpu_two(budget_fd, 2, a, 0, b, 53);
	expect_target("CPU b, count 52 of 53", 1, 500, 2);
	expect_target("CPU b, count 53 of 53", 1, 500, 4);
	expect_target("CPU b, count 53 of 53", 0, 500, 3);
	assert_int_equal(tstats_on(3, b), 1);
	assert_int_equal(tstats_on(3, a), 1);
}

/* ---- not redirected ---------------------------------------------------------- */

/* Valid IKE, but not an IKEv2 IKE_SA_INIT request: passed to the stack. */
static void test_not_request(void **state)
{
	static const struct {
		const char *what;
		size_t off;
		uint8_t val;
	} cases[] = {
		{ "IKE_AUTH", 18, IKE_EXCH_AUTH },
		{ "INFORMATIONAL", 18, IKE_EXCH_INFORMATIONAL },
		{ "R set", 19, IKE_FLAG_I | IKE_FLAG_R },
		{ "R only", 19, IKE_FLAG_R },
		{ "I clear", 19, 0 },
		{ "message ID 1", 23, 1 },
		{ "message ID 2^24", 20, 1 },
		{ "SPIr not 0", 15, 1 },
		{ "SPIr high byte", 8, 0x80 },
		{ "IKEv1", 17, 0x10 },
		{ "version 3.0", 17, 0x30 },
	};
	uint8_t nonce[32];

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 21);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int v6 = 0; v6 <= 1; v6++) {
			struct pkt_flow f = flow_to_vip(v6, v6 ? 500 : 4500);
			struct pkt_ike m;

			basic_request(&m, spi_a, nonce, 32);
			m.buf[cases[i].off] = cases[i].val;
			check_verdict(cases[i].what, &f, &m, XDP_PASS_, IKELB_CNT_PASS_NOT_REQUEST);
		}
	}
}

static void test_length_mismatch(void **state)
{
	uint8_t nonce[32], in[PKT_FRAME_MAX];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 22);
	for (int v6 = 0; v6 <= 1; v6++) {
		for (int port = 500; port <= 4500; port += 4000) {
			struct pkt_flow f = flow_to_vip(v6, (uint16_t)port);
			size_t l3 = pkt_l3_off(&f), l4 = pkt_l4_off(&f), len;
			size_t iplen_off = l3 + (v6 ? 4 : 2), ulen;

			basic_request(&m, spi_a, nonce, 32);
			len = frame_of(in, &f, &m);
			ulen = len - l4;
			for (int d = -1; d <= 1; d += 2) {
				/* IKE length off by one */
				pkt_ike_set_u32(&m, 24, (uint32_t)((int)m.len + d));
				check_verdict("IKE length", &f, &m, XDP_DROP_,
					      IKELB_CNT_DROP_MALFORMED);
				pkt_ike_set_u32(&m, 24, (uint32_t)m.len);
				/* UDP length off by one */
				len = frame_of(in, &f, &m);
				set16(in + l4 + 4, (size_t)((int)ulen + d));
				expect_verdict("UDP length", in, len, XDP_DROP_,
					       IKELB_CNT_DROP_MALFORMED);
			}
			/* IP length beyond the frame */
			len = frame_of(in, &f, &m);
			set16(in + iplen_off, (in[iplen_off] << 8 | in[iplen_off + 1]) + 1);
			expect_verdict("IP length beyond the frame", in, len, XDP_DROP_,
				       IKELB_CNT_DROP_MALFORMED);
			/* IP and UDP lengths 4 short of the frame: the IKE length
			 * no longer matches (the rest is link-layer padding) */
			len = frame_of(in, &f, &m);
			set16(in + iplen_off, (in[iplen_off] << 8 | in[iplen_off + 1]) - 4);
			set16(in + l4 + 4, ulen - 4);
			expect_verdict("IP and UDP 4 short", in, len, XDP_DROP_,
				       IKELB_CNT_DROP_MALFORMED);
			/* IP 4 bytes longer than UDP and IKE (both consistent) */
			f.l2_pad = 4;
			len = frame_of(in, &f, &m);
			f.l2_pad = 0;
			set16(in + iplen_off, (in[iplen_off] << 8 | in[iplen_off + 1]) + 4);
			expect_verdict("IP 4 longer than UDP", in, len, XDP_DROP_,
				       IKELB_CNT_DROP_MALFORMED);
			/* a UDP payload shorter than an IKE header cannot say
			 * it is a request: the stack's business */
			len = pkt_build(in, sizeof(in), &f, m.buf, 27);
			expect_verdict("27-byte IKE", in, len, XDP_PASS_,
				       IKELB_CNT_PASS_NOT_REQUEST);
			len = pkt_build(in, sizeof(in), &f, m.buf, 0);
			expect_verdict("empty IKE", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_REQUEST);
		}
	}
	{ /* IPv4 total length shorter than its own header */
		struct pkt_flow f = flow_to_vip(0, 500);
		size_t len;

		basic_request(&m, spi_a, nonce, 32);
		len = frame_of(in, &f, &m);
		set16(in + 16, 19);
		expect_verdict("IPv4 length 19", in, len, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
	}
}

/* Every prefix of a valid request: cut inside the headers up to the UDP
 * header passes as "not IP", inside the marker as "not IKE", inside the
 * IKE header as "not a request"; cut later, the IP length exceeds the
 * frame. */
static void test_truncation_every_offset(void **state)
{
	static const struct {
		int v6, port, vlans;
	} flows[] = { { 0, 500, 0 }, { 0, 4500, 1 }, { 1, 500, 2 }, { 1, 4500, 0 } };
	uint8_t nonce[32], in[PKT_FRAME_MAX];
	char what[64];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	cfg.answer_tagged = 1;
	put_config();
	nonce_fill(nonce, 32, 23);
	basic_request(&m, spi_a, nonce, 32);
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		struct pkt_flow f = flow_to_vip(flows[i].v6, (uint16_t)flows[i].port);
		size_t len, udp_end, ike_at;

		for (int v = 0; v < flows[i].vlans; v++)
			assert_true(pkt_flow_add_vlan(&f, v ? 0x8100 : 0x88a8, (uint16_t)(100 + v)));
		len = frame_of(in, &f, &m);
		udp_end = pkt_l4_off(&f) + 8;
		ike_at = pkt_payload_off(&f);
		/* the kernel refuses test frames shorter than an Ethernet header */
		for (size_t cut = 0; cut < 14; cut++)
			assert_int_equal(run_raw(in, cut, &res), -EINVAL);
		for (size_t cut = 14; cut < len; cut++) {
			int c = cut < udp_end	      ? IKELB_CNT_PASS_NOT_IP :
				cut < ike_at	      ? IKELB_CNT_PASS_NOT_IKE :
				cut < ike_at + 28 ? IKELB_CNT_PASS_NOT_REQUEST :
						      IKELB_CNT_DROP_MALFORMED;

			snprintf(what, sizeof(what), "flow %zu cut at %zu of %zu", i, cut, len);
			expect_verdict(what, in, cut, c == IKELB_CNT_DROP_MALFORMED ? XDP_DROP_ : XDP_PASS_,
				       c);
		}
	}
}

/* Offsets of the payloads of basic_request(): SA, KE, Nonce, Notify. */
static void payload_offsets(const struct pkt_ike *m, size_t off[4])
{
	size_t o = 28;

	for (int i = 0; i < 4; i++) {
		off[i] = o;
		o += (size_t)(m->buf[o + 2] << 8 | m->buf[o + 3]);
	}
	assert_int_equal(o, m->len);
}

static void test_bad_payload_lengths(void **state)
{
	uint8_t nonce[32];
	struct pkt_ike m;
	size_t off[4];

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 24);
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, v6 ? 500 : 4500);

		for (int p = 0; p < 4; p++) {
			for (int l = 0; l < 4; l++) { /* 0 and shorter than the header */
				basic_request(&m, spi_a, nonce, 32);
				payload_offsets(&m, off);
				set16(m.buf + off[p] + 2, (size_t)l);
				check_verdict("payload length < 4", &f, &m, XDP_DROP_,
					      IKELB_CNT_DROP_MALFORMED);
			}
			/* one byte beyond the message end, and far beyond */
			basic_request(&m, spi_a, nonce, 32);
			payload_offsets(&m, off);
			set16(m.buf + off[p] + 2, m.len - off[p] + 1);
			check_verdict("payload beyond the end", &f, &m, XDP_DROP_,
				      IKELB_CNT_DROP_MALFORMED);
			set16(m.buf + off[p] + 2, 0xffff);
			check_verdict("payload length 0xffff", &f, &m, XDP_DROP_,
				      IKELB_CNT_DROP_MALFORMED);
		}
		for (int l = 0; l < 4; l++) { /* a notify shorter than its own header */
			uint8_t body[3] = { 0 };

			basic_request(&m, spi_a, nonce, 32);
			assert_true(pkt_ike_add(&m, IKE_PL_NOTIFY, body, (size_t)l));
			check_verdict("notify of 4..7 bytes", &f, &m, XDP_DROP_,
				      IKELB_CNT_DROP_MALFORMED);
		}
		/* the last payload names a next one, but the message ends */
		basic_request(&m, spi_a, nonce, 32);
		m.buf[m.link_off] = IKE_PL_VENDOR;
		check_verdict("chain runs past the end", &f, &m, XDP_DROP_,
			      IKELB_CNT_DROP_MALFORMED);
		/* bytes after the last payload, inside the IKE length */
		basic_request(&m, spi_a, nonce, 32);
		memset(m.buf + m.len, 0, 4);
		m.len += 4;
		pkt_ike_set_u32(&m, 24, (uint32_t)m.len);
		check_verdict("trailing bytes", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
		/* no payload at all: SA, KE and Nonce missing */
		pkt_ike_init_request(&m, spi_a);
		check_verdict("header only", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MISSING_PAYLOAD);
	}
}

/* n payloads: SA, KE, n - 4 vendor IDs, the Nonce, REDIRECT_SUPPORTED. */
static void chain_of(struct pkt_ike *m, int n, const uint8_t *nonce)
{
	pkt_ike_init_request(m, spi_a);
	assert_true(pkt_ike_add_sa(m));
	assert_true(pkt_ike_add_ke(m, 31, 32, 9));
	for (int i = 0; i < n - 4; i++)
		assert_true(pkt_ike_add_vendor(m, &i, (size_t)(i % 5)));
	assert_true(pkt_ike_add_nonce(m, nonce, 16));
	assert_true(pkt_ike_add_notify(m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
}

static void test_chain_bound(void **state)
{
	uint8_t nonce[16];
	struct pkt_ike m;
	size_t n;

	(void)state;
	NEED_BPF();
	assert_int_equal(IKELB_MAX_PAYLOADS, 32);
	nonce_fill(nonce, 16, 25);
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, 500);

		chain_of(&m, 32, nonce);
		assert_true(pkt_ike_payloads(m.buf, m.len, NULL, 0, &n));
		assert_int_equal(n, 32);
		check_redirect("32 payloads", &f, &m, nonce, 16, v6 ? TARGET6 : TARGET4, 1);
		chain_of(&m, 33, nonce);
		check_verdict("33 payloads", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
		chain_of(&m, 60, nonce);
		check_verdict("60 payloads", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
	}
}

static void test_nonce_bounds(void **state)
{
	static const size_t bad[] = { 0, 1, 15, 257, 300 };
	uint8_t nonce[300];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, sizeof(nonce), 26);
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, v6 ? 4500 : 500);

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			basic_request(&m, spi_a, nonce, bad[i]);
			check_verdict("nonce size", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
		}
		pkt_ike_init_request(&m, spi_a); /* no Nonce */
		assert_true(pkt_ike_add_sa(&m));
		assert_true(pkt_ike_add_ke(&m, 31, 32, 1));
		assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
		check_verdict("no nonce", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MISSING_PAYLOAD);
		basic_request(&m, spi_a, nonce, 32); /* two */
		assert_true(pkt_ike_add_nonce(&m, nonce, 32));
		check_verdict("two nonces", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
		pkt_ike_init_request(&m, spi_a); /* no Nonce, no support */
		assert_true(pkt_ike_add_sa(&m));
		check_verdict("no nonce, no support", &f, &m, XDP_DROP_,
			      IKELB_CNT_DROP_MISSING_PAYLOAD);
	}
}

static void test_ip_not_parsed(void **state)
{
	static const uint8_t ext[] = { 0, 43, 44, 60 };
	static const uint16_t frags[] = { 0x2000, 0x6000, 0x0001, 0x1fff, 0x4001 };
	uint8_t nonce[32];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 27);
	basic_request(&m, spi_a, nonce, 32);
	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		struct pkt_flow f = flow_to_vip(0, 500);

		f.frag_off = frags[i];
		check_verdict("IPv4 fragment", &f, &m, XDP_PASS_, IKELB_CNT_PASS_FRAGMENT);
	}
	for (int n = 4; n <= 40; n += 36) {
		struct pkt_flow f = flow_to_vip(0, 500);

		f.ip_opt_len = (uint8_t)n;
		check_verdict("IPv4 options", &f, &m, XDP_PASS_, IKELB_CNT_PASS_IP_UNPARSED);
	}
	for (size_t i = 0; i < sizeof(ext); i++) {
		struct pkt_flow f = flow_to_vip(1, 500);

		f.v6_ext = true;
		f.v6_ext_type = ext[i];
		check_verdict("IPv6 extension header", &f, &m, XDP_PASS_,
			      IKELB_CNT_PASS_IP_UNPARSED);
	}
}

static void test_not_for_us(void **state)
{
	uint8_t nonce[32], in[PKT_FRAME_MAX];
	struct pkt_ike m;
	struct pkt_flow f;
	size_t len;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 28);
	basic_request(&m, spi_a, nonce, 32);
	assert_true(pkt_flow_init(&f, CLIENT4, "198.18.0.11", 500, 500));
	check_verdict("not the IPv4 VIP", &f, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
	assert_true(pkt_flow_init(&f, CLIENT6, "2001:db8::11", 500, 500));
	check_verdict("not the IPv6 VIP", &f, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
	assert_true(pkt_flow_init(&f, CLIENT6, "2001:db9::10", 500, 500));
	check_verdict("IPv6 VIP but for the first bytes", &f, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
	assert_true(pkt_flow_init(&f, VIP4, CLIENT4, 500, 500));
	check_verdict("from the VIP", &f, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
	for (int v6 = 0; v6 <= 1; v6++) {
		static const uint16_t ports[] = { 501, 4501, 0, 53, 1500 };
		static const uint8_t protos[] = { 6, 1, 58, 50 };

		for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			f = flow_to_vip(v6, 500);
			f.dport = ports[i];
			check_verdict("other port", &f, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
		}
		for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
			f = flow_to_vip(v6, 500);
			f.ip_proto = protos[i];
			check_verdict("not UDP", &f, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
		}
		/* a broken length on a port that is not ours is the stack's business */
		f = flow_to_vip(v6, 500);
		f.dport = 53;
		len = frame_of(in, &f, &m);
		set16(in + pkt_l4_off(&f) + 4, 9);
		expect_verdict("bad UDP length, other port", in, len, XDP_PASS_,
			       IKELB_CNT_PASS_OTHER);
		len = frame_of(in, &f, &m);
		in[pkt_l3_off(&f) + (v6 ? 4 : 2)] = 0xff;
		expect_verdict("IP length beyond frame, other port", in, len, XDP_PASS_,
			       IKELB_CNT_PASS_OTHER);
	}
	/* no ports configured at all */
	memset(cfg.ports, 0, sizeof(cfg.ports));
	put_config();
	f = flow_to_vip(0, 500);
	check_verdict("no ports", &f, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
}

static void test_vip_inactive(void **state)
{
	uint8_t nonce[32];
	struct pkt_ike m;
	struct pkt_flow f4 = flow_to_vip(0, 500), f6 = flow_to_vip(1, 500);

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 29);
	basic_request(&m, spi_a, nonce, 32);
	cfg.vip4_active = 0;
	put_config();
	check_verdict("IPv4 VIP inactive", &f4, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
	check_redirect("IPv6 VIP still active", &f6, &m, nonce, 32, TARGET6, 1);
	cfg.vip4_active = 1;
	cfg.vip6_active = 0;
	put_config();
	check_verdict("IPv6 VIP inactive", &f6, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
	check_redirect("IPv4 VIP still active", &f4, &m, nonce, 32, TARGET4, 1);
}

static void test_not_ip(void **state)
{
	uint8_t nonce[32], in[PKT_FRAME_MAX];
	struct pkt_ike m;
	struct pkt_flow f = flow_to_vip(0, 500);
	size_t len;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 30);
	basic_request(&m, spi_a, nonce, 32);
	len = frame_of(in, &f, &m);
	in[12] = 0x08, in[13] = 0x06; /* ARP */
	expect_verdict("ARP", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IP);
	len = frame_of(in, &f, &m);
	in[14] = 0x65; /* version 6 in an IPv4 frame */
	expect_verdict("IPv4 type, version 6", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IP);
	f = flow_to_vip(1, 500);
	len = frame_of(in, &f, &m);
	in[14] = 0x45; /* version 4 in an IPv6 frame */
	expect_verdict("IPv6 type, version 4", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IP);
	/* three VLAN tags: the third is not looked into */
	assert_true(pkt_flow_add_vlan(&f, 0x88a8, 1));
	assert_true(pkt_flow_add_vlan(&f, 0x8100, 2));
	len = frame_of(in, &f, &m);
	memmove(in + 22, in + 18, len - 18);
	in[18] = 0x81, in[19] = 0x00, in[20] = 0, in[21] = 3;
	expect_verdict("three VLAN tags, not configured", in, len + 4, XDP_PASS_,
		       IKELB_CNT_PASS_TAGGED);
	cfg.answer_tagged = 1;
	put_config();
	expect_verdict("three VLAN tags", in, len + 4, XDP_PASS_, IKELB_CNT_PASS_NOT_IP);
}

static void test_natt_not_ike(void **state)
{
	static const uint8_t esp[] = { 0x00, 0x00, 0x12, 0x34, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc, 0xdd,
				       0xee, 0xff, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	static const uint8_t keepalive[] = { 0xff };
	uint8_t nonce[32], in[PKT_FRAME_MAX];
	struct pkt_ike m;
	size_t len;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 31);
	basic_request(&m, spi_a, nonce, 32);
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, 4500);

		f.marker = false;
		check_verdict("4500 without marker", &f, &m, XDP_PASS_, IKELB_CNT_PASS_NOT_IKE);
		len = pkt_build(in, sizeof(in), &f, esp, sizeof(esp));
		expect_verdict("ESP", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IKE);
		len = pkt_build(in, sizeof(in), &f, keepalive, sizeof(keepalive));
		expect_verdict("NAT-T keepalive", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IKE);
		len = pkt_build(in, sizeof(in), &f, esp, 3);
		expect_verdict("three zero bytes", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IKE);
		len = pkt_build(in, sizeof(in), &f, esp, 0);
		expect_verdict("empty UDP", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IKE);
		for (int b = 0; b < 4; b++) { /* non-zero marker, byte by byte */
			struct pkt_flow g = flow_to_vip(v6, 4500);

			len = frame_of(in, &g, &m);
			in[pkt_payload_off(&g) - 4 + b] = 0x01;
			expect_verdict("non-zero marker", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IKE);
		}
		f.marker = true; /* the marker and nothing after it: no IKE header */
		len = pkt_build(in, sizeof(in), &f, esp, 0);
		expect_verdict("marker only", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_REQUEST);
	}
}

static void check_no_target(const char *what, const struct pkt_flow *f, const struct pkt_ike *m)
{
	cfg.no_target_action = IKELB_ACT_PASS;
	put_config();
	check_verdict(what, f, m, XDP_PASS_, IKELB_CNT_NO_TARGET);
	cfg.no_target_action = IKELB_ACT_DROP;
	put_config();
	check_verdict(what, f, m, XDP_DROP_, IKELB_CNT_NO_TARGET);
}

static void test_no_target(void **state)
{
	uint8_t nonce[32];
	struct pkt_ike m;
	struct ikelb_target t;
	uint32_t idx = 6;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 32);
	basic_request(&m, spi_a, nonce, 32);
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, v6 ? 500 : 4500);
		uint32_t fam = v6 ? IKELB_FAM_V6 : IKELB_FAM_V4;

		fill_slots(fam, IKELB_SLOT_NONE);
		check_no_target("empty target table", &f, &m);
		fill_slots(fam, IKELB_MAX_TARGETS);
		check_no_target("slot index out of range", &f, &m);
		fill_slots(fam, 0);
		check_no_target("slot names a never-filled target", &f, &m);
		set_target(idx, 0, "198.18.1.6", "2001:db8:1::6");
		fill_slots(fam, idx);
		check_no_target("target inactive", &f, &m);
		set_target(idx, 1, v6 ? "198.18.1.6" : NULL, v6 ? NULL : "2001:db8:1::6");
		check_no_target("no identity for the family", &f, &m);
		set_target(idx, 1, "198.18.1.6", "2001:db8:1::6");
		assert_int_equal(bpf_map_lookup_elem(targets_fd, &idx, &t), 0);
		t.id[fam].len = 0;
		assert_int_equal(bpf_map_update_elem(targets_fd, &idx, &t, BPF_ANY), 0);
		check_no_target("identity of length 0", &f, &m);
		set_target(idx, 1, VIP4, VIP6);
		check_no_target("identity is the VIP", &f, &m);
		/* the other family's table still works */
		{
			struct pkt_flow g = flow_to_vip(!v6, 500);

			check_redirect("other family", &g, &m, nonce, 32, v6 ? TARGET4 : TARGET6, 1);
		}
		reset(NULL);
	}
}

/* ---- answer limits ------------------------------------------------------------- */

/* A request from src (port 500 to the VIP of its family), SPIi spi. */
static size_t limit_request(uint8_t *frame, struct pkt_flow *f, const char *src, uint8_t spi0,
			    struct pkt_ike *m, uint8_t *nonce)
{
	uint8_t spi[8];
	bool v6 = strchr(src, ':') != NULL;

	memcpy(spi, spi_a, 8);
	spi[0] = spi0;
	*f = flow_to_vip(v6, 500);
	assert_true(inet_pton(v6 ? AF_INET6 : AF_INET, src, f->src) == 1);
	nonce_fill(nonce, 32, spi0);
	basic_request(m, spi, nonce, 32);
	return frame_of(frame, f, m);
}

/* A request from src is answered (REDIRECT, or COOKIE with cookies on). */
static void limit_answered(const char *what, const char *src, uint8_t spi0)
{
	uint8_t in[PKT_FRAME_MAX], nonce[32];
	struct pkt_flow f;
	struct pkt_ike m;

	limit_request(in, &f, src, spi0, &m, nonce);
	if (cfg.cookie_mode == IKELB_COOKIES_ON)
		check_cookie_answer(what, &f, &m, nonce, 32, 0);
	else
		check_redirect(what, &f, &m, nonce, 32, f.family == AF_INET6 ? TARGET6 : TARGET4,
			       1);
}

/* A request from src is dropped over a limit (counter). */
static void limit_dropped(const char *what, const char *src, uint8_t spi0, int counter)
{
	uint8_t in[PKT_FRAME_MAX], nonce[32];
	struct pkt_flow f;
	struct pkt_ike m;
	size_t len = limit_request(in, &f, src, spi0, &m, nonce);

	expect_verdict(what, in, len, XDP_DROP_, counter);
}

/* The sources map's entry of src (its /32 or /64), or false. */
static bool source_entry(const char *src, struct ikelb_source_state *st)
{
	struct ikelb_source_key k = { 0 };
	uint8_t a[16];

	if (strchr(src, ':')) {
		assert_true(inet_pton(AF_INET6, src, a) == 1);
		memcpy(k.prefix, a, 8);
		k.family = IKELB_FAM_V6;
	} else {
		assert_true(inet_pton(AF_INET, src, a) == 1);
		memcpy(k.prefix, a, 4);
		k.family = IKELB_FAM_V4;
	}
	return bpf_map_lookup_elem(sources_fd, &k, st) == 0;
}

static int count_sources(void)
{
	struct ikelb_source_key k, next;
	int n = 0;

	if (bpf_map_get_next_key(sources_fd, NULL, &k))
		return 0;
	do
		n++;
	while (bpf_map_get_next_key(sources_fd, &k, &next) == 0 && (k = next, 1));
	return n;
}

/* 10 answers/s, a burst of 3: three at once, then one every 100 ms; a
 * source's own bucket, its limited count in the map. */
static void test_limit_per_source(void **state)
{
	struct ikelb_source_state st;
	uint64_t t = 1000 * NSEC;

	(void)state;
	NEED_BPF();
	cfg.rate_per_source = 10;
	cfg.burst_per_source = 3;
	put_config();
	set_now(t);
	limit_answered("burst 1 of 3", CLIENT4, 1);
	limit_answered("burst 2 of 3", CLIENT4, 2);
	limit_answered("burst 3 of 3", CLIENT4, 3);
	limit_dropped("burst used up", CLIENT4, 4, IKELB_CNT_DROP_RATE_SOURCE);
	limit_dropped("still used up", CLIENT4, 5, IKELB_CNT_DROP_RATE_SOURCE);
	assert_true(source_entry(CLIENT4, &st));
	assert_int_equal(st.limited, 2);
	limit_answered("another source has its own bucket", "198.18.0.3", 6);
	set_now(t + 99 * NSEC / 1000);
	limit_dropped("99 ms later: not yet", CLIENT4, 7, IKELB_CNT_DROP_RATE_SOURCE);
	set_now(t + 100 * NSEC / 1000);
	limit_answered("100 ms later: one", CLIENT4, 8);
	limit_dropped("and only one", CLIENT4, 9, IKELB_CNT_DROP_RATE_SOURCE);
	set_now(t + 300 * NSEC / 1000);
	limit_answered("300 ms: two more (1 of 2)", CLIENT4, 10);
	limit_answered("300 ms: two more (2 of 2)", CLIENT4, 11);
	limit_dropped("300 ms: no third", CLIENT4, 12, IKELB_CNT_DROP_RATE_SOURCE);
	set_now(t + 3600 * NSEC);
	for (int i = 0; i < 3; i++)
		limit_answered("an hour later: the burst again, not more", CLIENT4,
			       (uint8_t)(20 + i));
	limit_dropped("an hour later: the fourth", CLIENT4, 30, IKELB_CNT_DROP_RATE_SOURCE);
	assert_true(source_entry(CLIENT4, &st));
	assert_int_equal(st.limited, 6);
	assert_true(source_entry("198.18.0.3", &st));
	assert_int_equal(st.limited, 0);
}

/* IPv6 sources share a bucket per /64; a burst of 0 counts as 1. */
static void test_limit_ipv6_prefix(void **state)
{
	struct ikelb_source_state st;

	(void)state;
	NEED_BPF();
	cfg.rate_per_source = 1;
	cfg.burst_per_source = 0;
	put_config();
	limit_answered("first of the /64", "2001:db8:0:1::2", 1);
	limit_dropped("same /64, other address", "2001:db8:0:1:ffff::3", 2,
		      IKELB_CNT_DROP_RATE_SOURCE);
	limit_answered("next /64", "2001:db8:0:2::2", 3);
	assert_true(source_entry("2001:db8:0:1::99", &st));
	assert_int_equal(st.limited, 1);
	assert_int_equal(count_sources(), 2);
}

/* The node's limit over all sources; looked at before a source's bucket is
 * made, taken from after it allowed the answer. */
static void test_limit_total(void **state)
{
	uint64_t t = 2000 * NSEC;

	(void)state;
	NEED_BPF();
	cfg.rate_total = 5;
	cfg.burst_total = 2;
	put_config();
	set_now(t);
	limit_answered("node burst 1 of 2", "198.18.0.21", 1);
	limit_answered("node burst 2 of 2", "198.18.0.22", 2);
	limit_dropped("node burst used up", "198.18.0.23", 3, IKELB_CNT_DROP_RATE_TOTAL);
	set_now(t + 200 * NSEC / 1000);
	limit_answered("200 ms later: one", "198.18.0.24", 4);
	limit_dropped("and only one", "198.18.0.25", 5, IKELB_CNT_DROP_RATE_TOTAL);
	assert_int_equal(count_sources(), 0); /* no per-source limit: no entries */
	/* both: a source over its own limit does not use the node's */
	cfg.rate_per_source = 1;
	cfg.burst_per_source = 1;
	put_config();
	set_now(t + 10 * NSEC);
	limit_answered("both limits: first", "198.18.0.26", 6);
	limit_dropped("both limits: the source's", "198.18.0.26", 7, IKELB_CNT_DROP_RATE_SOURCE);
	limit_answered("both limits: the node's second", "198.18.0.27", 8);
	limit_dropped("both limits: the node's", "198.18.0.28", 9, IKELB_CNT_DROP_RATE_TOTAL);
	/* the node over its limit makes no entry for a new source */
	assert_int_equal(count_sources(), 2);
}

/* Rate 0: no limit, and no map entries. */
static void test_limit_off(void **state)
{
	(void)state;
	NEED_BPF();
	cfg.burst_per_source = 1;
	cfg.burst_total = 1;
	put_config();
	for (int i = 0; i < 50; i++)
		limit_answered("rates 0: unlimited", CLIENT4, (uint8_t)(i + 1));
	assert_int_equal(count_sources(), 0);
}

/* Cookie answers are answers too; requests not answered take nothing. */
static void test_limit_what_counts(void **state)
{
	uint8_t in[PKT_FRAME_MAX], nonce[32];
	struct pkt_flow f = flow_to_vip(0, 500);
	struct pkt_ike m;
	size_t len;

	(void)state;
	NEED_BPF();
	cfg.rate_per_source = 1;
	cfg.burst_per_source = 2;
	put_config();
	/* no support, no target, malformed: nothing taken */
	nonce_fill(nonce, 32, 40);
	pkt_ike_init_request(&m, spi_a);
	assert_true(pkt_ike_add_sa(&m));
	assert_true(pkt_ike_add_ke(&m, 31, 32, 1));
	assert_true(pkt_ike_add_nonce(&m, nonce, 32));
	for (int i = 0; i < 3; i++)
		check_verdict("no support", &f, &m, XDP_PASS_, IKELB_CNT_NO_SUPPORT);
	fill_slots(IKELB_FAM_V4, IKELB_SLOT_NONE);
	basic_request(&m, spi_a, nonce, 32);
	for (int i = 0; i < 3; i++)
		check_verdict("no target", &f, &m, XDP_PASS_, IKELB_CNT_NO_TARGET);
	fill_slots(IKELB_FAM_V4, 1);
	len = frame_of(in, &f, &m);
	in[pkt_l4_off(&f) + 7] ^= 0x40;
	for (int i = 0; i < 3; i++)
		expect_verdict("bad checksum", in, len, XDP_DROP_, IKELB_CNT_DROP_UDP_CSUM);
	assert_int_equal(count_sources(), 0);
	/* a cookie answer, then a redirect: the burst of 2 */
	cfg.cookie_mode = IKELB_COOKIES_ON;
	put_config();
	limit_answered("cookie answer 1 of 2", CLIENT4, 41);
	cfg.cookie_mode = IKELB_COOKIES_OFF;
	put_config();
	limit_answered("redirect 2 of 2", CLIENT4, 42);
	cfg.cookie_mode = IKELB_COOKIES_ON;
	put_config();
	limit_dropped("a cookie answer over the limit", CLIENT4, 43, IKELB_CNT_DROP_RATE_SOURCE);
}

/* ---- cookies over time ------------------------------------------------------------ */

/* A request on flow f carrying the cookie of (version, key). */
static size_t cookie_request(uint8_t *frame, const struct pkt_flow *f, uint8_t version,
			     const uint8_t key[16], struct pkt_ike *m, uint8_t *nonce)
{
	uint8_t cookie[PKT_COOKIE_LEN];

	nonce_fill(nonce, 32, version);
	assert_true(pkt_cookie(cookie, version, key, f, spi_a, nonce, 32));
	pkt_ike_init_request(m, spi_a);
	assert_true(pkt_ike_add_cookie(m, cookie, sizeof(cookie)));
	assert_true(pkt_ike_add_sa(m));
	assert_true(pkt_ike_add_ke(m, 31, 32, 1));
	assert_true(pkt_ike_add_nonce(m, nonce, 32));
	assert_true(pkt_ike_add_notify(m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
	return frame_of(frame, f, m);
}

static void cookie_valid(const char *what, const struct pkt_flow *f, uint8_t version,
			 const uint8_t key[16])
{
	uint8_t in[PKT_FRAME_MAX], exp[PKT_FRAME_MAX], nonce[32];
	struct pkt_gw_ident id = ident(f->family == AF_INET6 ? TARGET6 : TARGET4);
	struct pkt_ike m;
	size_t len = cookie_request(in, f, version, key, &m, nonce), exp_len;

	exp_len = pkt_build_redirect(exp, sizeof(exp), f, spi_a, &id, nonce, 32);
	expect_answer(what, in, len, exp, exp_len, 0, IKELB_CNT_REDIRECTED, 1, EV_COOKIE_VALID);
}

static void cookie_invalid(const char *what, const struct pkt_flow *f, uint8_t version,
			   const uint8_t key[16])
{
	uint8_t in[PKT_FRAME_MAX], nonce[32];
	struct pkt_ike m;

	cookie_request(in, f, version, key, &m, nonce);
	check_cookie_answer(what, f, &m, nonce, 32, EV_COOKIE_INVALID);
}

/* Rotating the secret: the new one makes the cookies, the one before
 * still verifies, the one before that no longer; versions wrap at 256. */
static void test_cookie_rotation(void **state)
{
	static const uint8_t key255[16] = { 0xff }, key0[16] = { 0x00, 0x01 };
	struct pkt_flow f4 = flow_to_vip(0, 500), f6 = flow_to_vip(1, 4500);

	(void)state;
	NEED_BPF();
	cfg.cookie_mode = IKELB_COOKIES_ON;
	put_config();
	cookie_valid("version 7 (current)", &f4, 7, key7);
	cookie_valid("version 6 (previous)", &f6, 6, key6);
	cookie_invalid("version 8 not yet set", &f4, 8, key8);
	/* rotate: version 8 replaces 6 */
	set_secret(8, key8, 1);
	cur_version = 8;
	cur_key = key8;
	cookie_valid("after rotation: version 8", &f4, 8, key8);
	cookie_valid("after rotation: version 7 still", &f6, 7, key7);
	cookie_invalid("after rotation: version 6 no more", &f4, 6, key6);
	{
		uint8_t nonce[32];
		struct pkt_ike m;

		nonce_fill(nonce, 32, 3);
		basic_request(&m, spi_a, nonce, 32);
		check_cookie_answer("after rotation: new cookies are version 8", &f6, &m, nonce, 32,
				    0);
	}
	/* versions wrap: 255, then 0 */
	set_secret(255, key255, 1);
	set_secret(0, key0, 1);
	cur_version = 0;
	cur_key = key0;
	cookie_valid("version 0 after 255 (current)", &f4, 0, key0);
	cookie_valid("version 255 (previous)", &f4, 255, key255);
	cookie_invalid("the key of version 8 under version 0", &f6, 0, key8);
	/* one secret only */
	set_secret(1, key0, 0);
	cookie_valid("the only valid secret", &f6, 0, key0);
}

/* ---- steering over several packets ---------------------------------------------- */

/* A fixture input's frame, and the same frame as steered to `to`. */
static void steer_frames(const struct fx_input *in, uint8_t to, struct built *b, struct built *e)
{
	fx_build(in, b);
	fx_build(in, e);
	fx_mac(e->flow.dst_mac, to);
	memcpy(e->flow.src_mac, own_mac, 6);
	fx_frame(in, e);
	assert_int_equal(e->len, b->len);
}

/* Input in is steered to `to` (TX), counted as counter. */
static void steered(const char *what, const struct fx_input *in, uint8_t to, int counter,
		    uint32_t counted)
{
	/* a whole request was walked: it counts as one */
	unsigned ev = counter == IKELB_CNT_STEERED_INIT && !in->frag ? EV_REQUESTS : 0;
	struct built b, e;

	steer_frames(in, to, &b, &e);
	expect_steer(what, b.frame, b.len, e.frame, XDP_TX_, counter, ev, counted);
}

/* Input in gets action / counter, its frame unchanged. */
static void not_steered(const char *what, const struct fx_input *in, int action, int counter,
			unsigned events)
{
	struct built b;

	fx_build(in, &b);
	expect_steer(what, b.frame, b.len, NULL, action, counter, events, 0);
}

static int frag_records(void)
{
	struct ikelb_frag_key k, next;
	int n = 0;

	if (bpf_map_get_next_key(frags_fd, NULL, &k))
		return 0;
	do
		n++;
	while (bpf_map_get_next_key(frags_fd, &k, &next) == 0 && (k = next, 1));
	return n;
}

/*
 * The later fragment of a datagram goes where its first went, for every
 * kind of first fragment and both families; a later fragment that
 * overtook its first is dropped, the ones after the first then follow it;
 * a record whose gateway died since says so; a passed first fragment
 * makes its later ones pass; the record is per datagram (addresses,
 * protocol, ID, family).
 */
static void test_steer_fragments(void **state)
{
	static const struct {
		const char *what;
		struct fx_input in;
		uint8_t to;
		int first;
	} kinds[] = {
		{ "IKE_AUTH, IPv4 500", { .msg = MSG_AUTH, .label = 1 }, MAC_GW1,
		  IKELB_CNT_STEERED_IKE },
		{ "IKE_AUTH, IPv6 4500", { .v6 = 1, .port = 4500, .msg = MSG_AUTH, .label = 5 },
		  MAC_GW5, IKELB_CNT_STEERED_IKE },
		{ "ESP, IPv6", { .v6 = 1, .msg = MSG_ESP, .label = 5 }, MAC_GW5,
		  IKELB_CNT_STEERED_ESP },
		{ "ESP, IPv4", { .msg = MSG_ESP, .label = 1 }, MAC_GW1, IKELB_CNT_STEERED_ESP },
		{ "ESP in UDP, IPv4", { .port = 4500, .msg = MSG_ESP_UDP, .label = 1 }, MAC_GW1,
		  IKELB_CNT_STEERED_ESP },
		{ "IKE_SA_INIT without support, IPv6", { .v6 = 1, .msg = MSG_NO_SUPPORT }, MAC_GW1,
		  IKELB_CNT_STEERED_INIT },
	};

	(void)state;
	NEED_BPF();
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct fx_input in = kinds[i].in;
		uint32_t counted = kinds[i].first == IKELB_CNT_STEERED_INIT ? 1 : 0;

		reset(NULL);
		fx_steer();
		in.frag = FRAG_FIRST;
		steered(kinds[i].what, &in, kinds[i].to, kinds[i].first, counted);
		assert_int_equal(frag_records(), 1);
		in.frag = FRAG_LATER;
		steered(kinds[i].what, &in, kinds[i].to, IKELB_CNT_STEERED_FRAGMENT, 0);
		steered("a retransmitted later fragment", &in, kinds[i].to,
			IKELB_CNT_STEERED_FRAGMENT, 0);
	}

	/* a later fragment that overtook its first: dropped; the next ones follow */
	reset(NULL);
	fx_steer();
	{
		struct fx_input later = { .v6 = 1, .msg = MSG_AUTH, .label = 1, .frag = FRAG_LATER };
		struct fx_input first = later;

		first.frag = FRAG_FIRST;
		not_steered("later before first", &later, XDP_DROP_,
			    IKELB_CNT_STEER_FRAGMENT_UNKNOWN, 0);
		assert_int_equal(frag_records(), 0);
		steered("then the first", &first, MAC_GW1, IKELB_CNT_STEERED_IKE, 0);
		steered("then the later one again", &later, MAC_GW1, IKELB_CNT_STEERED_FRAGMENT, 0);

		/* the gateway dies between the fragments */
		set_label(1, IKELB_STEER_DEAD, NULL, 1);
		not_steered("its gateway died since the first", &later, XDP_DROP_,
			    IKELB_CNT_STEER_DEAD, 0);
		set_label(1, IKELB_STEER_LOCAL, NULL, 1);
		not_steered("the label is now this node's", &later, XDP_PASS_,
			    IKELB_CNT_STEERED_FRAGMENT, EV_STEERED_LOCAL);
	}

	/* a passed first fragment: its later ones pass too */
	reset(NULL);
	fx_steer();
	{
		struct fx_input in = { .port = 53, .frag = FRAG_FIRST };

		not_steered("first to port 53", &in, XDP_PASS_, IKELB_CNT_PASS_FRAGMENT, 0);
		in.frag = FRAG_LATER;
		not_steered("later to port 53", &in, XDP_PASS_, IKELB_CNT_PASS_FRAGMENT, 0);
	}

	/* the record is per datagram: another family, protocol or ID has none */
	reset(NULL);
	fx_steer();
	{
		struct fx_input v4 = { .msg = MSG_AUTH, .label = 1, .frag = FRAG_FIRST };
		struct fx_input v6 = { .v6 = 1, .msg = MSG_AUTH, .label = 1, .frag = FRAG_LATER };
		struct fx_input esp = { .msg = MSG_ESP, .label = 1, .frag = FRAG_LATER };
		struct built b;

		steered("first, IPv4", &v4, MAC_GW1, IKELB_CNT_STEERED_IKE, 0);
		not_steered("later, IPv6, same ID", &v6, XDP_DROP_,
			    IKELB_CNT_STEER_FRAGMENT_UNKNOWN, 0);
		not_steered("later, ESP, same ID", &esp, XDP_DROP_,
			    IKELB_CNT_STEER_FRAGMENT_UNKNOWN, 0);
		v4.frag = FRAG_LATER;
		fx_build(&v4, &b);
		b.frame[pkt_l3_off(&b.flow) + 5] ^= 1; /* another ID (checksum left) */
		expect_steer("later, IPv4, another ID", b.frame, b.len, NULL, XDP_DROP_,
			     IKELB_CNT_STEER_FRAGMENT_UNKNOWN, 0, 0);
	}
}

/*
 * A steered IKE_SA_INIT is a new client of its target, like a REDIRECT:
 * a retransmission goes to the same target, it counts against the
 * target's budget, and past the budget the spill table's target in its
 * slot takes it.
 */
static void test_steer_init_budget(void **state)
{
	struct fx_input in = { .msg = MSG_NO_SUPPORT };
	int cpu;

	(void)state;
	NEED_BPF();
	assert_int_equal(usable_cpus(&cpu, 1), 1);
	pin_to(cpu);
	fx_steer();
	spill_at_spi_a(IKELB_FAM_V4, 5);
	spill_at_spi_a(IKELB_FAM_V6, 5);
	set_budget(1, cpu, 3);
	for (int i = 0; i < 3; i++) {
		in.v6 = (uint8_t)(i & 1);
		steered("within the budget (retransmissions: the same)", &in, MAC_GW1,
			IKELB_CNT_STEERED_INIT, 1);
	}
	assert_int_equal(tstats_on(1, cpu), 3);
	steered("past the budget: the spill slot's target", &in, MAC_GW5, IKELB_CNT_STEERED_INIT,
		5);
	in.v6 = 0;
	steered("past the budget, IPv4", &in, MAC_GW5, IKELB_CNT_STEERED_INIT, 5);
	assert_int_equal(tstats_on(5, cpu), 2);
	/* redirect-capable clients share the same budget */
	{
		uint8_t nonce[32];
		struct pkt_ike m;
		struct pkt_flow f = flow_to_vip(0, 500);

		nonce_fill(nonce, 32, 0x31);
		basic_request(&m, spi_a, nonce, 32);
		check_redirect("a REDIRECT past the same budget", &f, &m, nonce, 32,
			       "198.18.1.5", 5);
	}
}

/*
 * Every prefix of every kind of frame steering looks at: never a crash or
 * an error, exactly one outcome each time, and whatever is sent on is the
 * frame cut as it came, with only its Ethernet addresses changed.
 */
static void test_steer_truncation(void **state)
{
	static const struct fx_input kinds[] = {
		{ .msg = MSG_AUTH, .label = 1 },
		{ .v6 = 1, .port = 4500, .msg = MSG_RESPONDER, .label = 1 },
		{ .msg = MSG_ESP, .label = 1 },
		{ .v6 = 1, .port = 4500, .msg = MSG_ESP_UDP, .label = 1 },
		{ .port = 4500, .msg = MSG_KEEPALIVE },
		{ .v6 = 1, .msg = MSG_NO_SUPPORT },
		{ .msg = MSG_AUTH, .label = 1, .frag = FRAG_FIRST },
		{ .v6 = 1, .msg = MSG_ESP, .label = 1, .frag = FRAG_FIRST },
		{ .v6 = 1, .msg = MSG_NO_SUPPORT, .frag = FRAG_FIRST },
	};
	uint8_t exp[PKT_FRAME_MAX];
	char what[64];

	(void)state;
	NEED_BPF();
	fx_steer();
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct built b;

		fx_build(&kinds[i], &b);
		for (size_t cut = 14; cut <= b.len; cut++) {
			uint64_t outcomes = 0;

			snprintf(what, sizeof(what), "kind %zu cut at %zu of %zu", i, cut, b.len);
			run(b.frame, cut);
			for (int c = 0; c < IKELB_CNT_OUTCOMES; c++)
				outcomes += res.cnt[c];
			if (outcomes != 1 || res.cnt[IKELB_CNT_ERROR])
				fail_msg("%s: %llu outcomes", what, (unsigned long long)outcomes);
			if (res.out_len != cut)
				fail_msg("%s: %u bytes out", what, res.out_len);
			if (res.action == XDP_TX_) {
				pkt_steered(exp, b.frame, cut, gw1_mac, own_mac);
				first_diff(res.out, exp, cut, what);
			} else {
				first_diff(res.out, b.frame, cut, what);
			}
		}
		/* the next kind starts without this one's fragment record */
		clear_steering();
		fx_steer();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_vector),
		cmocka_unit_test(test_expected_redirect_example),
		cmocka_unit_test(test_expected_cookie_example),
		cmocka_unit_test(test_builder_checksums),
		cmocka_unit_test(test_slot_vectors),
		cmocka_unit_test(test_strongswan_builder_matches_fixture),
		cmocka_unit_test_setup(test_fixture_table, reset),
		cmocka_unit_test_setup(test_strongswan_capture, reset),
		cmocka_unit_test_setup(test_target_identities, reset),
		cmocka_unit_test_setup(test_nonce_sizes, reset),
		cmocka_unit_test_setup(test_nonce_position, reset),
		cmocka_unit_test_setup(test_copy_alignments, reset),
		cmocka_unit_test_setup(test_frame_shrinks, reset),
		cmocka_unit_test_setup(test_udp_checksum_zero, reset),
		cmocka_unit_test_setup(test_l2_padding, reset),
		cmocka_unit_test_setup(test_retransmission_same_target, reset),
		cmocka_unit_test_setup(test_spread_follows_slots, reset),
		cmocka_unit_test_setup_teardown(test_budget_zero_is_unlimited, reset, unpin),
		cmocka_unit_test_setup_teardown(test_budget_then_spill, reset, unpin),
		cmocka_unit_test_setup_teardown(test_spill_unusable_keeps_plan, reset, unpin),
		cmocka_unit_test_setup_teardown(test_budget_per_cpu, reset, unpin),
		cmocka_unit_test_setup(test_not_request, reset),
		cmocka_unit_test_setup(test_length_mismatch, reset),
		cmocka_unit_test_setup(test_truncation_every_offset, reset),
		cmocka_unit_test_setup(test_bad_payload_lengths, reset),
		cmocka_unit_test_setup(test_chain_bound, reset),
		cmocka_unit_test_setup(test_nonce_bounds, reset),
		cmocka_unit_test_setup(test_ip_not_parsed, reset),
		cmocka_unit_test_setup(test_not_for_us, reset),
		cmocka_unit_test_setup(test_vip_inactive, reset),
		cmocka_unit_test_setup(test_not_ip, reset),
		cmocka_unit_test_setup(test_natt_not_ike, reset),
		cmocka_unit_test_setup(test_no_target, reset),
		cmocka_unit_test_setup(test_limit_per_source, reset),
		cmocka_unit_test_setup(test_limit_ipv6_prefix, reset),
		cmocka_unit_test_setup(test_limit_total, reset),
		cmocka_unit_test_setup(test_limit_off, reset),
		cmocka_unit_test_setup(test_limit_what_counts, reset),
		cmocka_unit_test_setup(test_cookie_rotation, reset),
		cmocka_unit_test_setup(test_steer_fragments, reset),
		cmocka_unit_test_setup(test_steer_truncation, reset),
		cmocka_unit_test_setup_teardown(test_steer_init_budget, reset, unpin),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
