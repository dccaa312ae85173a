// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The XDP program (bpf/ikelb.bpf.c) in the real kernel: packets go through
 * BPF_PROG_TEST_RUN, the output frame is compared byte for byte with the
 * frame tests/lib/pkt.c builds from DESIGN.md and the RFCs, and each run
 * checks the XDP action and that exactly the expected counter moved.
 * Needs root (loading BPF).
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

static struct ikelb_bpf *skel;
static int ncpus;
static int prog_fd, cfg_fd, targets_fd, slots_fd, counters_fd, tstats_fd, budget_fd;
static struct ikelb_config cfg;

static const char *const counter_names[] = IKELB_COUNTER_NAMES;

/* ---- maps ---------------------------------------------------------------- */

static void put_config(void)
{
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY), 0);
}

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

/* Per test: both VIPs active, ports 500 and 4500 (NAT-T), both actions
 * PASS, target 1 (198.18.1.1 / 2001:db8:1::1) in every plan slot, the
 * spill tables empty, no budgets, redirect counts zero. */
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
	put_config();
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++)
		set_target(i, 0, NULL, NULL);
	set_target(1, 1, "198.18.1.1", "2001:db8:1::1");
	fill_slots(IKELB_FAM_V4, 1);
	fill_slots(IKELB_FAM_V6, 1);
	fill_spill(IKELB_FAM_V4, IKELB_SLOT_NONE);
	fill_spill(IKELB_FAM_V6, IKELB_SLOT_NONE);
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++) {
		set_budget(i, -1, 0);
		set_tstats(i, -1, 0);
	}
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0; /* every test skips */
	ncpus = libbpf_num_possible_cpus();
	skel = ikelb_bpf__open_and_load();
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

/* Exactly counter `counter` moved, by one, and no target count. */
static void check_counters(const char *what, int counter)
{
	for (int i = 0; i < IKELB_CNT_MAX; i++)
		if (res.cnt[i] != (i == counter))
			fail_msg("%s: counter %s moved by %llu (expected: only %s, by 1)", what,
				 counter_names[i], (unsigned long long)res.cnt[i],
				 counter_names[counter]);
}

/* Action, counter, and the frame unchanged. */
static void expect_verdict(const char *what, const uint8_t *in, size_t len, int action,
			   int counter)
{
	run(in, len);
	if (res.action != action)
		fail_msg("%s: action %s, expected %s", what, action_name(res.action),
			 action_name(action));
	check_counters(what, counter);
	for (int i = 0; i < IKELB_MAX_TARGETS; i++)
		if (res.ts[i])
			fail_msg("%s: target %d redirect count moved", what, i);
	if (res.out_len != len)
		fail_msg("%s: frame length %u, expected %zu unchanged", what, res.out_len, len);
	first_diff(res.out, in, len, what);
}

/* XDP_TX with exactly exp (the first exp_len - pad bytes: link-layer
 * padding content is not specified), counted for target. */
static void expect_redirect(const char *what, const uint8_t *in, size_t len,
			    const uint8_t *exp, size_t exp_len, size_t pad, uint32_t target)
{
	run(in, len);
	if (res.action != XDP_TX_)
		fail_msg("%s: action %s, expected TX", what, action_name(res.action));
	check_counters(what, IKELB_CNT_REDIRECTED);
	for (uint32_t i = 0; i < IKELB_MAX_TARGETS; i++)
		if (res.ts[i] != (i == target))
			fail_msg("%s: target %u redirect count moved by %llu (expected target %u)",
				 what, i, (unsigned long long)res.ts[i], target);
	if (res.out_len != exp_len)
		fail_msg("%s: response of %u bytes, expected %zu", what, res.out_len, exp_len);
	first_diff(res.out, exp, exp_len - pad, what);
}

/* ---- requests ------------------------------------------------------------ */

static const uint8_t spi_a[8] = { 0x5a, 0x17, 0x03, 0xc4, 0x9e, 0x21, 0x66, 0x80 };

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

/* SA, KE, Nonce, REDIRECT_SUPPORTED: the usual shape. */
static void basic_request(struct pkt_ike *m, const uint8_t spi[8], const uint8_t *nonce,
			  size_t nonce_len)
{
	pkt_ike_init_request(m, spi);
	assert_true(pkt_ike_add_sa(m));
	assert_true(pkt_ike_add_ke(m, 31, 32, spi[0]));
	assert_true(pkt_ike_add_nonce(m, nonce, nonce_len));
	assert_true(pkt_ike_add_notify(m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
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

static void check_verdict(const char *what, const struct pkt_flow *f, const struct pkt_ike *m,
			  int action, int counter)
{
	uint8_t in[PKT_FRAME_MAX];
	size_t len = frame_of(in, f, m);

	expect_verdict(what, in, len, action, counter);
}

/* ---- the expected frame itself ------------------------------------------ */

/* DESIGN.md's example: IPv4 target, 32-byte Ni: notify 46, message 74. */
static void test_expected_redirect_example(void **state)
{
	uint8_t out[512], nonce[32];
	struct pkt_gw_ident id = ident("198.18.1.1");

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

/* ---- redirects ----------------------------------------------------------- */

static void test_redirect_families_and_ports(void **state)
{
	uint8_t nonce[32];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 7);
	basic_request(&m, spi_a, nonce, 32);
	for (int v6 = 0; v6 <= 1; v6++) {
		for (int p = 0; p < 2; p++) {
			struct pkt_flow f = flow_to_vip(v6, p ? 4500 : 500);
			char what[64];

			snprintf(what, sizeof(what), "%s port %d", v6 ? "IPv6" : "IPv4",
				 p ? 4500 : 500);
			check_redirect(what, &f, &m, nonce, 32, v6 ? "2001:db8:1::1" : "198.18.1.1",
				       1);
		}
	}
}

/* The client's source port need not be the port it hit (NAT). */
static void test_redirect_other_source_port(void **state)
{
	uint8_t nonce[32];
	struct pkt_ike m;
	struct pkt_flow f = flow_to_vip(0, 4500);

	(void)state;
	NEED_BPF();
	f.sport = 61234;
	nonce_fill(nonce, 32, 8);
	basic_request(&m, spi_a, nonce, 32);
	check_redirect("4500 from 61234", &f, &m, nonce, 32, "198.18.1.1", 1);
}

static void test_redirect_vlan(void **state)
{
	uint8_t nonce[32];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 9);
	basic_request(&m, spi_a, nonce, 32);
	for (int v6 = 0; v6 <= 1; v6++) {
		for (int port = 500; port <= 4500; port += 4000) {
			struct pkt_flow one = flow_to_vip(v6, (uint16_t)port);
			struct pkt_flow two = flow_to_vip(v6, (uint16_t)port);
			const char *to = v6 ? "2001:db8:1::1" : "198.18.1.1";

			assert_true(pkt_flow_add_vlan(&one, 0x8100, 0x2064));
			assert_true(pkt_flow_add_vlan(&two, 0x88a8, 0x00c8));
			assert_true(pkt_flow_add_vlan(&two, 0x8100, 0x3064));
			check_redirect("one VLAN tag", &one, &m, nonce, 32, to, 1);
			check_redirect("two VLAN tags", &two, &m, nonce, 32, to, 1);
		}
	}
}

static void test_redirected_from(void **state)
{
	static const uint8_t from4[] = { 1, 4, 198, 18, 0, 10 };
	uint8_t nonce[32];
	struct pkt_ike m;
	struct pkt_flow f = flow_to_vip(0, 500), g = flow_to_vip(1, 500);

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 10);
	pkt_ike_init_request(&m, spi_a);
	assert_true(pkt_ike_add_sa(&m));
	assert_true(pkt_ike_add_ke(&m, 31, 32, 1));
	assert_true(pkt_ike_add_nonce(&m, nonce, 32));
	assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECTED_FROM, from4, sizeof(from4)));
	check_redirect("REDIRECTED_FROM v4", &f, &m, nonce, 32, "198.18.1.1", 1);
	check_redirect("REDIRECTED_FROM v6", &g, &m, nonce, 32, "2001:db8:1::1", 1);
}

static void test_target_identities(void **state)
{
	char fqdn255[256], what[64];
	const char *ids[] = { "198.18.7.9", "2001:db8:77::1:2", "g", "gw1.example", fqdn255,
			      "gw-2.ikelb.test" };
	uint8_t nonce[32];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	for (int i = 0; i < 255; i++)
		fqdn255[i] = (char)(i % 64 == 63 ? '.' : 'a' + i % 26);
	fqdn255[255] = 0;
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
			check_redirect(what, &f, &m, nonce, sizes[i],
				       v6 ? "2001:db8:1::1" : "198.18.1.1", 1);
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
	check_redirect("nonce last v4", &f4, &m, nonce, 33, "198.18.1.1", 1);
	check_redirect("nonce last v6", &f6, &m, nonce, 33, "2001:db8:1::1", 1);

	pkt_ike_init_request(&m, spi_a); /* Nonce first */
	assert_true(pkt_ike_add_nonce(&m, nonce, 33));
	assert_true(pkt_ike_add_sa(&m));
	assert_true(pkt_ike_add_ke(&m, 14, 256, 3));
	assert_true(pkt_ike_add_vendor(&m, vid, 3));
	assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
	check_redirect("nonce first v4", &f4, &m, nonce, 33, "198.18.1.1", 1);
	check_redirect("nonce first v6", &f6, &m, nonce, 33, "2001:db8:1::1", 1);

	pkt_ike_init_request(&m, spi_a); /* between notifies and vendor IDs */
	assert_true(pkt_ike_add_notify(&m, 16388, natd, sizeof(natd)));
	assert_true(pkt_ike_add_vendor(&m, vid, sizeof(vid)));
	assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
	assert_true(pkt_ike_add_nonce(&m, nonce, 33));
	assert_true(pkt_ike_add_vendor(&m, vid, 1));
	assert_true(pkt_ike_add_notify(&m, 16389, natd, sizeof(natd)));
	assert_true(pkt_ike_add_sa(&m));
	check_redirect("nonce in the middle v4", &f4, &m, nonce, 33, "198.18.1.1", 1);
	check_redirect("nonce in the middle v6", &f6, &m, nonce, 33, "2001:db8:1::1", 1);
}

/* Every alignment of identity and nonce against 8-byte copies, with the
 * nonce ending the frame: nonce 16..24 and 249..256 bytes, identities of
 * 1..9, 16 and 255 bytes. */
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
			pkt_ike_init_request(&m, spi_a);
			assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
			assert_true(pkt_ike_add_nonce(&m, nonce, n));
			snprintf(what, sizeof(what), "nonce %zu, identity of %zu", n, strlen(id));
			check_redirect(what, &f, &m, nonce, n, id, 3);
			/* REVIEW: nonce last after SA/KE: the in-frame move path */
			pkt_ike_init_request(&m, spi_a);
			assert_true(pkt_ike_add_sa(&m));
			assert_true(pkt_ike_add_ke(&m, 19, 64, 2));
			assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
			assert_true(pkt_ike_add_nonce(&m, nonce, n));
			snprintf(what, sizeof(what), "MOVE nonce %zu, identity of %zu", n, strlen(id));
			check_redirect(what, &f, &m, nonce, n, id, 3);
			for (int pad = 1; pad <= 7; pad += 3) {
				struct pkt_flow g = f;
				g.l2_pad = pad;
				check_redirect("MOVE padded", &g, &m, nonce, n, id, 3);
			}
		}
	}
}

/* A real strongSwan 5.9.8 request (tests/fixtures/capture.sh). */
static void check_fixture(const char *what, const uint8_t *frame, size_t len, bool natt,
			  const char *to)
{
	struct pkt_flow f;
	size_t off, ike_len, nonce_len, exp_len;
	const uint8_t *nonce;
	struct pkt_gw_ident id = ident(to);
	uint8_t exp[PKT_FRAME_MAX];

	assert_true(pkt_parse(frame, len, natt, &f, &off, &ike_len));
	assert_int_equal(f.marker, natt);
	assert_true(pkt_ike_find_nonce(frame + off, ike_len, &nonce, &nonce_len));
	exp_len = pkt_build_redirect(exp, sizeof(exp), &f, frame + off, &id, nonce, nonce_len);
	assert_true(exp_len > 0);
	expect_redirect(what, frame, len, exp, exp_len, f.l2_pad, 1);
}

static void test_strongswan_fixture(void **state)
{
	(void)state;
	NEED_BPF();
	check_fixture("strongSwan IPv4 500", strongswan_v4_500, sizeof(strongswan_v4_500), false,
		      "198.18.1.1");
	check_fixture("strongSwan IPv6 4500", strongswan_v6_4500, sizeof(strongswan_v6_4500), true,
		      "2001:db8:1::1");
	/* dropping requests without support leaves supported ones alone */
	cfg.unsupported_action = IKELB_ACT_DROP;
	put_config();
	check_fixture("strongSwan, unsupported_action DROP", strongswan_v4_500,
		      sizeof(strongswan_v4_500), false, "198.18.1.1");
}

/* pkt_ike_strongswan_sa_init() has the fixture's shape: payload types and
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

/* Response longer than the request: minimal request, 255-byte FQDN.
 * BPF_PROG_TEST_RUN puts the frame in a page with XDP_PACKET_HEADROOM in
 * front and room for skb_shared_info behind, so bpf_xdp_adjust_tail can
 * grow it by far more than the 253 bytes a REDIRECT ever adds. */
static void test_frame_grows(void **state)
{
	char fqdn[256];
	uint8_t nonce[256];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	memset(fqdn, 'x', 255);
	fqdn[255] = 0;
	for (int n = 16; n <= 256; n += 240) {
		for (int v6 = 0; v6 <= 1; v6++) {
			struct pkt_flow f = flow_to_vip(v6, 500);

			set_target(9, 1, fqdn, fqdn);
			fill_slots(v6, 9);
			nonce_fill(nonce, (size_t)n, 14);
			pkt_ike_init_request(&m, spi_a);
			assert_true(pkt_ike_add_nonce(&m, nonce, (size_t)n));
			assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
			/* 28 + 10 + 255 + n against 28 + 4 + n + 8 */
			check_redirect("grows by 253", &f, &m, nonce, (size_t)n, fqdn, 9);
			assert_int_equal(res.out_len,
					 pkt_l4_off(&f) + 8 + 28 + 10 + 255 + (size_t)n);
		}
	}
}

/* Response shorter: a strongSwan-sized request, IPv4 identity. */
static void test_frame_shrinks(void **state)
{
	uint8_t nonce[32], spi[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	struct pkt_ike m;
	struct pkt_flow f = flow_to_vip(0, 4500);

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 15);
	assert_true(pkt_ike_strongswan_sa_init(&m, spi, nonce, 32));
	check_redirect("shrinks to 74", &f, &m, nonce, 32, "198.18.1.1", 1);
	assert_int_equal(res.out_len, 14 + 20 + 8 + 4 + 74);
}

/* A response whose UDP checksum computes to 0 carries 0xffff (RFC 768;
 * mandatory for IPv6): the last two nonce bytes are chosen to get there. */
static void test_udp_checksum_zero(void **state)
{
	uint8_t nonce[32], exp[PKT_FRAME_MAX];
	struct pkt_gw_ident id;

	(void)state;
	NEED_BPF();
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, 500);
		const char *to = v6 ? "2001:db8:1::1" : "198.18.1.1";
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

/* Link-layer padding after the IP packet stays after the response. */
static void test_l2_padding(void **state)
{
	uint8_t nonce[16];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 16, 16);
	pkt_ike_init_request(&m, spi_a);
	assert_true(pkt_ike_add_nonce(&m, nonce, 16));
	assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, 500);

		f.l2_pad = 6;
		check_redirect("padded", &f, &m, nonce, 16, v6 ? "2001:db8:1::1" : "198.18.1.1",
			       1);
	}
}

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

/* ---- budgets and the spill table ------------------------------------------ */

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
					   "spill target without this family's identity" };
	const uint32_t bad[] = { IKELB_SLOT_NONE, IKELB_MAX_TARGETS, 0, 6, 7 };
	int cpu;

	(void)state;
	NEED_BPF();
	assert_int_equal(usable_cpus(&cpu, 1), 1);
	pin_to(cpu);
	budget_targets();
	set_target(6, 0, "198.18.1.6", "2001:db8:1::6");
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

/* ---- not redirected --------------------------------------------------------- */

static void test_no_support(void **state)
{
	uint8_t nonce[32];
	struct pkt_ike m;

	(void)state;
	NEED_BPF();
	nonce_fill(nonce, 32, 20);
	pkt_ike_init_request(&m, spi_a);
	assert_true(pkt_ike_add_sa(&m));
	assert_true(pkt_ike_add_ke(&m, 31, 32, 1));
	assert_true(pkt_ike_add_nonce(&m, nonce, 32));
	assert_true(pkt_ike_add_notify(&m, 16388, nonce, 20)); /* other notifies only */
	assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT, nonce, 20));
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pkt_flow f = flow_to_vip(v6, v6 ? 4500 : 500);

		cfg.unsupported_action = IKELB_ACT_PASS;
		put_config();
		check_verdict("no support, pass", &f, &m, XDP_PASS_, IKELB_CNT_NO_SUPPORT);
		cfg.unsupported_action = IKELB_ACT_DROP;
		put_config();
		check_verdict("no support, drop", &f, &m, XDP_DROP_, IKELB_CNT_NO_SUPPORT);
	}
}

/* Valid IKE, but not an IKEv2 IKE_SA_INIT request. */
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
		{ "version 2.1", 17, 0x21 },
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
	{ /* the V flag is ignored (RFC 7296 3.1) */
		struct pkt_flow f = flow_to_vip(0, 500);
		struct pkt_ike m;

		basic_request(&m, spi_a, nonce, 32);
		m.buf[19] |= IKE_FLAG_V;
		check_redirect("V flag set", &f, &m, nonce, 32, "198.18.1.1", 1);
	}
}

/* The UDP header length and IP length to set in a built frame. */
static void set16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
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
			/* UDP payload shorter than an IKE header */
			len = pkt_build(in, sizeof(in), &f, m.buf, 27);
			expect_verdict("27-byte IKE", in, len, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
			len = pkt_build(in, sizeof(in), &f, m.buf, 0);
			expect_verdict("empty IKE", in, len, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
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
 * header passes as "not IP"; cut later, the IP length exceeds the frame. */
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
	nonce_fill(nonce, 32, 23);
	basic_request(&m, spi_a, nonce, 32);
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		struct pkt_flow f = flow_to_vip(flows[i].v6, (uint16_t)flows[i].port);
		size_t len, udp_end;

		for (int v = 0; v < flows[i].vlans; v++)
			assert_true(pkt_flow_add_vlan(&f, v ? 0x8100 : 0x88a8, (uint16_t)(100 + v)));
		len = frame_of(in, &f, &m);
		udp_end = pkt_l4_off(&f) + 8;
		/* the kernel refuses test frames shorter than an Ethernet header */
		for (size_t cut = 0; cut < 14; cut++)
			assert_int_equal(run_raw(in, cut, &res), -EINVAL);
		for (size_t cut = 14; cut < len; cut++) {
			int drop = cut >= udp_end;

			snprintf(what, sizeof(what), "flow %zu cut at %zu of %zu", i, cut, len);
			expect_verdict(what, in, cut, drop ? XDP_DROP_ : XDP_PASS_,
				       drop ? IKELB_CNT_DROP_MALFORMED : IKELB_CNT_PASS_NOT_IP);
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
		/* no payload at all */
		pkt_ike_init_request(&m, spi_a);
		check_verdict("header only", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
	}
}

/* n payloads: the Nonce, REDIRECT_SUPPORTED and n - 2 vendor IDs. */
static void chain_of(struct pkt_ike *m, int n, const uint8_t *nonce)
{
	pkt_ike_init_request(m, spi_a);
	assert_true(pkt_ike_add_nonce(m, nonce, 16));
	for (int i = 0; i < n - 2; i++)
		assert_true(pkt_ike_add_vendor(m, &i, i % 5));
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
		check_redirect("32 payloads", &f, &m, nonce, 16, v6 ? "2001:db8:1::1" : "198.18.1.1",
			       1);
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
		assert_true(pkt_ike_add_notify(&m, IKE_N_REDIRECT_SUPPORTED, NULL, 0));
		check_verdict("no nonce", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
		basic_request(&m, spi_a, nonce, 32); /* two */
		assert_true(pkt_ike_add_nonce(&m, nonce, 32));
		check_verdict("two nonces", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
		pkt_ike_init_request(&m, spi_a); /* no Nonce, no support */
		assert_true(pkt_ike_add_sa(&m));
		check_verdict("no nonce, no support", &f, &m, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
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
	check_redirect("IPv6 VIP still active", &f6, &m, nonce, 32, "2001:db8:1::1", 1);
	cfg.vip4_active = 1;
	cfg.vip6_active = 0;
	put_config();
	check_verdict("IPv6 VIP inactive", &f6, &m, XDP_PASS_, IKELB_CNT_PASS_OTHER);
	check_redirect("IPv4 VIP still active", &f4, &m, nonce, 32, "198.18.1.1", 1);
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
		len = frame_of(in, &f, &m);
		in[pkt_l4_off(&f) + 8 + 3] = 0; /* non-zero marker, byte by byte */
		for (int b = 0; b < 4; b++) {
			struct pkt_flow g = flow_to_vip(v6, 4500);

			len = frame_of(in, &g, &m);
			in[pkt_payload_off(&g) - 4 + b] = 0x01;
			expect_verdict("non-zero marker", in, len, XDP_PASS_, IKELB_CNT_PASS_NOT_IKE);
		}
		f.marker = true; /* the marker and nothing after it */
		len = pkt_build(in, sizeof(in), &f, esp, 0);
		expect_verdict("marker only", in, len, XDP_DROP_, IKELB_CNT_DROP_MALFORMED);
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
		/* the other family's table still works */
		{
			struct pkt_flow g = flow_to_vip(!v6, 500);

			check_redirect("other family", &g, &m, nonce, 32,
				       v6 ? "198.18.1.1" : "2001:db8:1::1", 1);
		}
		reset(NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_vector),
		cmocka_unit_test(test_expected_redirect_example),
		cmocka_unit_test(test_builder_checksums),
		cmocka_unit_test(test_slot_vectors),
		cmocka_unit_test(test_strongswan_builder_matches_fixture),
		cmocka_unit_test_setup(test_redirect_families_and_ports, reset),
		cmocka_unit_test_setup(test_redirect_other_source_port, reset),
		cmocka_unit_test_setup(test_redirect_vlan, reset),
		cmocka_unit_test_setup(test_redirected_from, reset),
		cmocka_unit_test_setup(test_target_identities, reset),
		cmocka_unit_test_setup(test_nonce_sizes, reset),
		cmocka_unit_test_setup(test_nonce_position, reset),
		cmocka_unit_test_setup(test_copy_alignments, reset),
		cmocka_unit_test_setup(test_strongswan_fixture, reset),
		cmocka_unit_test_setup(test_frame_grows, reset),
		cmocka_unit_test_setup(test_frame_shrinks, reset),
		cmocka_unit_test_setup(test_udp_checksum_zero, reset),
		cmocka_unit_test_setup(test_l2_padding, reset),
		cmocka_unit_test_setup(test_retransmission_same_target, reset),
		cmocka_unit_test_setup(test_spread_follows_slots, reset),
		cmocka_unit_test_setup_teardown(test_budget_zero_is_unlimited, reset, unpin),
		cmocka_unit_test_setup_teardown(test_budget_then_spill, reset, unpin),
		cmocka_unit_test_setup_teardown(test_spill_unusable_keeps_plan, reset, unpin),
		cmocka_unit_test_setup_teardown(test_budget_per_cpu, reset, unpin),
		cmocka_unit_test_setup(test_no_support, reset),
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
