// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Per-packet cost of each steering path of the ikelb XDP program
 * ([redirect] unsupported = steer, docs/xdp.md "Steering") against the bare
 * reflector (bench/bpf/reflector.bpf.c), by bench/xdp_cost's two methods:
 *
 * A. "program": CALLS runs of BPF_PROG_RUN with repeat = 1, each on a
 *    fresh copy of the frame, the kernel's own timing summed, minus the
 *    same for an empty XDP program (the harness's fixed cost).
 * B. "live frames": BPF_F_TEST_XDP_LIVE_FRAMES, XDP_TX out of IF (-i) to a
 *    veth peer (-p) running bench/bpf/steer_sink.bpf.c, which writes the
 *    frame's first 64 bytes back (so the recycled page holds the input
 *    again) and drops it: the time per frame of the whole path, and its
 *    inverse, the frames per second one CPU sends on.
 *
 * The reflector is timed on a UDP frame of the same length as each
 * variant (it reflects UDP only): what a program that does nothing but
 * send a frame back costs.  ikelb steers every variant to one gateway
 * (label 1, target 0 in every slot).  Before timing, each variant's output
 * is compared byte for byte with the frame tests/lib/pkt.c builds (the
 * input with the gateway's MAC as destination and our own as source); after
 * each round, ikelb's counters must show exactly the expected outcome for
 * every run.  The REDIRECT of strongSwan's request is timed alongside, in
 * the same run.  Rounds interleave the programs; figures are medians.
 *
 *   steer_cost [-n CALLS] [-r ROUNDS] [-L REPEAT] [-b BATCH] [-c CPU] [-i IF -p PEER]
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ikelb.h"
#include "ikelb.skel.h"
#include "reflector.skel.h"
#include "steer_sink.skel.h"
#include "xdp_pass.skel.h"
#include "../tests/lib/pkt.h"

#define VIP4 "198.18.0.1"
#define VIP6 "2001:db8::1"
#define CLIENT4 "198.18.0.100"
#define CLIENT6 "2001:db8::100"
#define TARGET4 "198.18.0.11"
#define TARGET6 "2001:db8::11"
#define MAX_ROUNDS 64
#define LOG_BUF (16u << 20)
#define SINK_RESTORE 64
#define ESP_LEN 1400 /* a full-size ESP packet's IP payload */

enum { P_EMPTY, P_REFLECTOR, P_IKELB, NPROGS };
static const char *const prog_names[NPROGS] = { "empty", "reflector", "ikelb" };
static const char *const counter_names[] = IKELB_COUNTER_NAMES;
static const uint8_t gw_mac[6] = { 0x02, 0xab, 0x00, 0x00, 0x00, 0x01 };

enum kind { K_REDIRECT, K_INIT, K_IKE, K_ESP, K_ESP_UDP, K_FRAGMENT };

struct variant {
	const char *name;
	enum kind kind;
	int v6;
	uint16_t port;
	int counter; /* the outcome every run must have */
	uint8_t frame[PKT_FRAME_MAX], refl[PKT_FRAME_MAX];
	size_t len, refl_len;
	struct pkt_flow flow;
	uint8_t spi[8], nonce[32];
};

static struct variant variants[] = {
	{ .name = "REDIRECT, strongSwan's IKE_SA_INIT, IPv4 500", .kind = K_REDIRECT, .port = 500,
	  .counter = IKELB_CNT_REDIRECTED },
	{ .name = "steered IKE_SA_INIT (no support), IPv4 500", .kind = K_INIT, .port = 500,
	  .counter = IKELB_CNT_STEERED_INIT },
	{ .name = "steered IKE_SA_INIT (no support), IPv6 4500", .kind = K_INIT, .v6 = 1,
	  .port = 4500, .counter = IKELB_CNT_STEERED_INIT },
	{ .name = "steered IKE_AUTH by label, IPv4 4500", .kind = K_IKE, .port = 4500,
	  .counter = IKELB_CNT_STEERED_IKE },
	{ .name = "steered ESP by label, IPv4", .kind = K_ESP, .counter = IKELB_CNT_STEERED_ESP },
	{ .name = "steered ESP by label, IPv6", .kind = K_ESP, .v6 = 1,
	  .counter = IKELB_CNT_STEERED_ESP },
	{ .name = "steered ESP in UDP by label, IPv4", .kind = K_ESP_UDP, .port = 4500,
	  .counter = IKELB_CNT_STEERED_ESP },
	{ .name = "steered later fragment, IPv4", .kind = K_FRAGMENT,
	  .counter = IKELB_CNT_STEERED_FRAGMENT },
};
#define NVAR (sizeof(variants) / sizeof(variants[0]))

struct progs {
	struct ikelb_bpf *ikelb;
	struct reflector_bpf *refl;
	struct xdp_pass_bpf *empty;
	struct steer_sink_bpf *sink;
	struct bpf_link *sink_link, *pass_link;
	int fd[NPROGS];
	long insns;
};

static char *log_buf;
static int ncpus;

static void die(const char *what)
{
	fprintf(stderr, "steer_cost: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- packets ------------------------------------------------------------- */

static void esp_payload(uint8_t *p, size_t len)
{
	static const uint8_t hdr[8] = { 0x01, 0xa1, 0xb2, 0xc3, 0, 0, 0, 9 }; /* label 1 */

	memcpy(p, hdr, 8);
	for (size_t i = 8; i < len; i++)
		p[i] = (uint8_t)(i * 7);
}

static void build_variant(struct variant *v, uint8_t seed)
{
	uint8_t esp[ESP_LEN], whole[PKT_FRAME_MAX];
	struct pkt_flow f;
	struct pkt_ike m;
	size_t n;

	for (int i = 0; i < 8; i++)
		v->spi[i] = (uint8_t)(seed * 16 + i + 1);
	for (int i = 0; i < 32; i++)
		v->nonce[i] = (uint8_t)(0x40 + i);
	if (!pkt_flow_init(&v->flow, v->v6 ? CLIENT6 : CLIENT4, v->v6 ? VIP6 : VIP4, v->port,
			   v->port))
		die("pkt_flow_init");
	v->flow.marker = v->port == 4500;
	switch (v->kind) {
	case K_REDIRECT:
	case K_INIT:
		if (!pkt_ike_strongswan_sa_init(&m, v->spi, v->nonce, 32))
			die("pkt_ike_strongswan_sa_init");
		/* the same request without REDIRECT_SUPPORTED: its last notify
		 * becomes another status type (16388, NAT_DETECTION_SOURCE_IP) */
		if (v->kind == K_INIT) {
			m.buf[m.link_off + 6] = 16388 >> 8;
			m.buf[m.link_off + 7] = 16388 & 0xff;
		}
		v->len = pkt_build(v->frame, sizeof(v->frame), &v->flow, m.buf, m.len);
		break;
	case K_IKE:
		pkt_ike_init(&m, v->spi, IKE_EXCH_AUTH, IKE_FLAG_I);
		m.buf[8] = 1; /* SPIr: label 1 */
		m.buf[15] = 0x77;
		pkt_ike_set_u32(&m, 20, 1);
		memset(esp, 0x5c, 400);
		if (!pkt_ike_add(&m, 46, esp, 400))
			die("pkt_ike_add");
		v->len = pkt_build(v->frame, sizeof(v->frame), &v->flow, m.buf, m.len);
		break;
	case K_ESP:
		esp_payload(esp, ESP_LEN);
		v->len = pkt_build_ip(v->frame, sizeof(v->frame), &v->flow, 50, esp, ESP_LEN);
		break;
	case K_ESP_UDP:
		v->flow.marker = false;
		esp_payload(esp, ESP_LEN - 8);
		v->len = pkt_build(v->frame, sizeof(v->frame), &v->flow, esp, ESP_LEN - 8);
		break;
	case K_FRAGMENT:
		/* the second half of an ESP packet of 2 * 1400 bytes */
		esp_payload(whole, 2 * ESP_LEN);
		{
			static uint8_t big[2 * PKT_FRAME_MAX];
			size_t len = pkt_build_ip(big, sizeof(big), &v->flow, 50, whole, 2 * ESP_LEN);

			if (!len)
				die("pkt_build_ip");
			v->len = pkt_fragment(v->frame, sizeof(v->frame), big, len, &v->flow,
					      ESP_LEN, ESP_LEN, false, 0x1234);
		}
		break;
	}
	if (!v->len)
		die("building a variant");
	/* the reflector's frame: UDP of the same length */
	if (!pkt_flow_init(&f, v->v6 ? CLIENT6 : CLIENT4, v->v6 ? VIP6 : VIP4, 500, 500))
		die("pkt_flow_init");
	n = v->len - pkt_payload_off(&f);
	memset(whole, 0x33, n);
	v->refl_len = pkt_build(v->refl, sizeof(v->refl), &f, whole, n);
	if (v->refl_len != v->len)
		die("the reflector's frame");
}

/* What ikelb sends on: the frame with the gateway's MAC, from our own. */
static void expected(const struct variant *v, uint8_t *out)
{
	pkt_steered(out, v->frame, v->len, gw_mac, v->flow.dst_mac);
}

/* ---- programs ------------------------------------------------------------ */

static long processed_insns(const char *log)
{
	const char *p = NULL, *q = log;

	while ((q = strstr(q, "processed ")))
		p = q++;
	return p ? strtol(p + strlen("processed "), NULL, 10) : -1;
}

/* Steering on, label 1 is the gateway's (target 0, in every slot), the
 * answer limit per source on as in production (never reached). */
static void configure_ikelb(struct ikelb_bpf *s, const struct pkt_flow *own)
{
	struct ikelb_config cfg = { .vip4_active = 1, .vip6_active = 1,
				    .unsupported_action = IKELB_ACT_STEER };
	struct ikelb_target t = { .active = 1, .steer_label = 1 };
	struct ikelb_steer label = { .state = IKELB_STEER_TX };
	struct ikelb_slot slot = { .target = 0 };
	struct pkt_gw_ident id;
	uint32_t zero = 0, one = 1;

	inet_pton(AF_INET, VIP4, &cfg.vip4);
	inet_pton(AF_INET6, VIP6, cfg.vip6);
	cfg.ports[0] = htons(500);
	cfg.ports[1] = htons(4500);
	cfg.port_natt[1] = 1;
	memcpy(cfg.mac, own->dst_mac, 6);
	cfg.rate_per_source = cfg.burst_per_source = 1000000000;
	memcpy(label.mac, gw_mac, 6);
	for (int f = 0; f < IKELB_FAMILIES; f++) {
		if (!pkt_gw_ident_parse(&id, f == IKELB_FAM_V4 ? TARGET4 : TARGET6))
			die("pkt_gw_ident_parse");
		t.id[f].type = id.type;
		t.id[f].len = id.len;
		memcpy(t.id[f].data, id.data, id.len);
	}
	if (bpf_map_update_elem(bpf_map__fd(s->maps.ikelb_config), &zero, &cfg, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->maps.ikelb_targets), &zero, &t, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->maps.ikelb_labels), &one, &label, BPF_ANY))
		die("filling ikelb maps");
	for (uint32_t k = 0; k < IKELB_TABLES * IKELB_FAMILIES * IKELB_SLOTS; k++)
		if (bpf_map_update_elem(bpf_map__fd(s->maps.ikelb_slots), &k, &slot, BPF_ANY))
			die("filling ikelb slots");
}

/* The fragment variant's record, as its first fragment would leave it. */
static void record_fragment(struct progs *ps, const struct variant *v)
{
	struct ikelb_frag_key k = { .id = htons(0x1234), .proto = 50, .family = IKELB_FAM_V4 };
	struct ikelb_frag rec = { .label = 1 };

	memcpy(k.src, v->flow.src, 4);
	memcpy(k.dst, v->flow.dst, 4);
	if (bpf_map_update_elem(bpf_map__fd(ps->ikelb->maps.ikelb_frags), &k, &rec, BPF_ANY))
		die("recording the fragment");
}

static void load_progs(struct progs *ps)
{
	log_buf = malloc(LOG_BUF);
	if (!log_buf)
		die("malloc");
	if (!(ps->empty = xdp_pass_bpf__open_and_load()))
		die("loading xdp_pass");
	if (!(ps->refl = reflector_bpf__open_and_load()))
		die("loading the reflector");
	if (!(ps->ikelb = ikelb_bpf__open()))
		die("opening ikelb");
	if (bpf_program__set_log_buf(ps->ikelb->progs.ikelb_xdp, log_buf, LOG_BUF) ||
	    bpf_program__set_log_level(ps->ikelb->progs.ikelb_xdp, 1))
		die("setting the verifier log");
	log_buf[0] = 0;
	if (ikelb_bpf__load(ps->ikelb))
		die("loading ikelb");
	ps->insns = processed_insns(log_buf);
	ps->fd[P_EMPTY] = bpf_program__fd(ps->empty->progs.xdp_pass);
	ps->fd[P_REFLECTOR] = bpf_program__fd(ps->refl->progs.reflector_xdp);
	ps->fd[P_IKELB] = bpf_program__fd(ps->ikelb->progs.ikelb_xdp);
	configure_ikelb(ps->ikelb, &variants[0].flow);
	record_fragment(ps, &variants[NVAR - 1]);
}

static void ikelb_counters(struct progs *ps, uint64_t out[IKELB_CNT_MAX])
{
	struct ikelb_counters *v = calloc((size_t)ncpus, sizeof(*v));
	uint32_t zero = 0;

	if (!v || bpf_map_lookup_elem(bpf_map__fd(ps->ikelb->maps.ikelb_counters), &zero, v))
		die("reading ikelb counters");
	memset(out, 0, IKELB_CNT_MAX * sizeof(uint64_t));
	for (int c = 0; c < ncpus; c++)
		for (int i = 0; i < IKELB_CNT_MAX; i++)
			out[i] += ((const uint64_t *)&v[c])[i];
	free(v);
}

/* ---- runs ---------------------------------------------------------------- */

static const uint8_t *input(const struct variant *v, int p, size_t *len)
{
	*len = p == P_IKELB ? v->len : v->refl_len;
	return p == P_IKELB ? v->frame : v->refl;
}

static int run_once(int fd, const uint8_t *in, size_t len, uint8_t *out, uint32_t *duration)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = out ? PKT_FRAME_MAX : 0, .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &o))
		die("BPF_PROG_RUN");
	if (duration)
		*duration = o.duration;
	return (int)o.retval;
}

static void check_outputs(struct progs *ps)
{
	static uint8_t out[PKT_FRAME_MAX], want[PKT_FRAME_MAX];

	for (size_t i = 0; i < NVAR; i++) {
		const struct variant *v = &variants[i];

		if (v->kind == K_REDIRECT)
			continue; /* bench/xdp_cost checks the REDIRECT itself */
		expected(v, want);
		if (run_once(ps->fd[P_IKELB], v->frame, v->len, out, NULL) != XDP_TX ||
		    memcmp(out, want, v->len)) {
			fprintf(stderr, "steer_cost: %s: not the frame expected\n", v->name);
			exit(1);
		}
	}
}

static double program_ns(int fd, const uint8_t *in, size_t len, unsigned calls)
{
	uint64_t sum = 0;
	uint32_t d;

	for (unsigned k = 0; k < calls; k++) {
		run_once(fd, in, len, NULL, &d);
		sum += d;
	}
	return (double)sum / calls;
}

static double live_ns(int fd, const uint8_t *in, size_t len, unsigned repeat, unsigned batch,
		      int ifindex)
{
	struct xdp_md ctx = { .data_end = (uint32_t)len, .ingress_ifindex = (uint32_t)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (uint32_t)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat,
		    .batch_size = batch, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	if (bpf_prog_test_run_opts(fd, &o))
		die("BPF_PROG_RUN (live frames)");
	return o.duration;
}

static uint64_t sink_count(struct progs *ps, uint32_t which)
{
	uint64_t v[1024], sum = 0;

	if (ncpus > 1024 || bpf_map_lookup_elem(bpf_map__fd(ps->sink->maps.sink_counts), &which, v))
		die("reading the sink's counters");
	for (int c = 0; c < ncpus; c++)
		sum += v[c];
	return sum;
}

/* One live figure; measured again (up to 5 times) when the sink did not
 * see every frame, or saw one not to where it should go. */
static double live_figure(struct progs *ps, int p, const struct variant *v, unsigned repeat,
			  unsigned batch, int ifindex, unsigned *retries)
{
	size_t len;
	const uint8_t *in = input(v, p, &len);

	memcpy(ps->sink->bss->sink_tmpl, in, SINK_RESTORE);
	if (p == P_IKELB)
		memcpy(ps->sink->bss->sink_want_mac, gw_mac, 6);
	else
		memcpy(ps->sink->bss->sink_want_mac, in + 6, 6); /* reflected: to the sender */
	for (int a = 0; a < 5; a++) {
		uint64_t ok0 = sink_count(ps, 0), bad0 = sink_count(ps, 1);
		double ns = live_ns(ps->fd[p], in, len, repeat, batch, ifindex);

		if (sink_count(ps, 0) - ok0 == repeat && sink_count(ps, 1) == bad0)
			return ns;
		++*retries;
	}
	fprintf(stderr, "steer_cost: live %s on %s: frames lost in 5 runs\n", prog_names[p],
		v->name);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static unsigned num(const char *s, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v < lo || v > hi) {
		fprintf(stderr, "usage: steer_cost [-n CALLS] [-r ROUNDS] [-L REPEAT] [-b BATCH] "
				"[-c CPU] [-i IF -p PEER]\n");
		exit(2);
	}
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	unsigned calls = 2000, rounds = 15, repeat = 100000, batch = 64, retries = 0;
	static double prog_r[NVAR][NPROGS][MAX_ROUNDS], live_r[NVAR][NPROGS][MAX_ROUNDS];
	double pm[NVAR][NPROGS], lm[NVAR][NPROGS];
	const char *ifname = NULL, *peer = NULL;
	struct progs ps = { 0 };
	int opt, cpu = -1, ifindex = 0;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "n:r:L:b:c:i:p:")) != -1) {
		switch (opt) {
		case 'n': calls = num(optarg, 1, 100000000); break;
		case 'r': rounds = num(optarg, 1, MAX_ROUNDS); break;
		case 'L': repeat = num(optarg, 1, 1000000000); break;
		case 'b': batch = num(optarg, 1, 256); break;
		case 'c': cpu = (int)num(optarg, 0, 4095); break;
		case 'i': ifname = optarg; break;
		case 'p': peer = optarg; break;
		default: num("x", 0, 0);
		}
	}
	if (optind != argc || !ifname != !peer)
		num("x", 0, 0);
	ncpus = libbpf_num_possible_cpus();
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? (int)sysconf(_SC_NPROCESSORS_ONLN) - 1 : cpu, &set);
	if (ncpus <= 0 || sched_setaffinity(0, sizeof(set), &set))
		die("pinning");
	for (size_t i = 0; i < NVAR; i++)
		build_variant(&variants[i], (uint8_t)i);
	load_progs(&ps);
	if (ifname) {
		if (!(ifindex = (int)if_nametoindex(ifname)) || !if_nametoindex(peer))
			die(ifname);
		if (!(ps.sink = steer_sink_bpf__open_and_load()))
			die("loading the sink");
		ps.sink_link = bpf_program__attach_xdp(ps.sink->progs.steer_sink,
						       (int)if_nametoindex(peer));
		ps.pass_link = bpf_program__attach_xdp(ps.empty->progs.xdp_pass, ifindex);
		if (!ps.sink_link || !ps.pass_link)
			die("attaching");
	}
	check_outputs(&ps);
	for (unsigned r = 0; r < rounds; r++) {
		for (size_t i = 0; i < NVAR; i++) {
			uint64_t c0[IKELB_CNT_MAX], c1[IKELB_CNT_MAX];

			ikelb_counters(&ps, c0);
			for (int p = 0; p < NPROGS; p++) {
				size_t len;
				const uint8_t *in = input(&variants[i], p, &len);

				prog_r[i][p][r] = program_ns(ps.fd[p], in, len, calls);
			}
			ikelb_counters(&ps, c1);
			if (c1[variants[i].counter] - c0[variants[i].counter] != calls) {
				fprintf(stderr, "steer_cost: %s: not every run was %s\n",
					variants[i].name, counter_names[variants[i].counter]);
				return 1;
			}
			/* the REDIRECT rewrites more than the sink restores:
			 * bench/xdp_cost's live runs measure it */
			for (int p = P_REFLECTOR;
			     ifname && variants[i].kind != K_REDIRECT && p <= P_IKELB; p++)
				live_r[i][p][r] = live_figure(&ps, p, &variants[i], repeat, batch,
							      ifindex, &retries);
		}
	}
	for (size_t i = 0; i < NVAR; i++)
		for (int p = 0; p < NPROGS; p++) {
			pm[i][p] = median(prog_r[i][p], rounds);
			lm[i][p] = ifname && p ? median(live_r[i][p], rounds) : 0;
		}
	printf("Method A (program): %u runs of repeat=1 per figure, fresh frame each, "
	       "kernel-timed; median of %u rounds; net = minus the empty program.  The "
	       "reflector on a UDP frame of the same length.\n\n",
	       calls, rounds);
	printf("| path | bytes | empty ns | reflector ns | ikelb ns | reflector net | ikelb net | "
	       "ikelb / reflector (net) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < NVAR; i++) {
		double *m = pm[i];

		printf("| %s | %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %.2fx |\n", variants[i].name,
		       variants[i].len, m[P_EMPTY], m[P_REFLECTOR], m[P_IKELB],
		       m[P_REFLECTOR] - m[P_EMPTY], m[P_IKELB] - m[P_EMPTY],
		       (m[P_IKELB] - m[P_EMPTY]) / (m[P_REFLECTOR] - m[P_EMPTY]));
	}
	if (ifname) {
		printf("\nMethod B (live frames): BPF_F_TEST_XDP_LIVE_FRAMES, repeat %u in batches "
		       "of %u, XDP_TX out of a veth whose peer restores the frame and drops it "
		       "(one CPU); median of %u rounds; %u runs measured again.\n\n",
		       repeat, batch, rounds, retries);
		printf("| path | reflector ns/frame | ikelb ns/frame | ikelb / reflector | "
		       "ikelb Mframes/s |\n|---|---:|---:|---:|---:|\n");
		for (size_t i = 0; i < NVAR; i++)
			if (variants[i].kind != K_REDIRECT)
				printf("| %s | %.0f | %.0f | %.3fx | %.2f |\n", variants[i].name,
			       lm[i][P_REFLECTOR], lm[i][P_IKELB],
			       lm[i][P_IKELB] / lm[i][P_REFLECTOR], 1000.0 / lm[i][P_IKELB]);
	}
	printf("\nVerifier: ikelb processed %ld insns.\n", ps.insns);
	bpf_link__destroy(ps.sink_link);
	bpf_link__destroy(ps.pass_link);
	steer_sink_bpf__destroy(ps.sink);
	ikelb_bpf__destroy(ps.ikelb);
	reflector_bpf__destroy(ps.refl);
	xdp_pass_bpf__destroy(ps.empty);
	free(log_buf);
	return 0;
}
