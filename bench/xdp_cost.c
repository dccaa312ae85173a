// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark 1: per-packet cost of the ikelb XDP program against the bare
 * reflector (bench/bpf/reflector.bpf.c) built by the same make, on the IKE_SA_INIT
 * strongSwan 5.9 sends (tests/lib/pkt.h, 892 bytes of IKE: 934..958-byte
 * frames), IPv4 and IPv6, ports 500 and 4500.  Prints a markdown table.
 *
 *   xdp_cost [-n CALLS] [-r ROUNDS] [-L REPEAT] [-b BATCH] [-c CPU] [-i IF -p PEER] [-N | -T]
 *
 * Why not one BPF_PROG_RUN with a large repeat count: for XDP the kernel
 * runs the program again on the same buffer, which after the first run
 * holds the REDIRECT response, so every later run would measure the pass
 * path.  Two measurements that each see a fresh request every time:
 *
 * A. "program": CALLS runs with repeat = 1, each on a fresh copy of the
 *    frame, summing the duration the kernel reports (it times only the
 *    program call and the bh disable/enable around it).  The same is done
 *    for an empty XDP program (bpf/xdp_pass.bpf.c): its time is the fixed
 *    cost of the harness, subtracted to get each program's net cost.
 *
 * B. "live": BPF_F_TEST_XDP_LIVE_FRAMES with a large repeat count (-L).
 *    XDP_TX becomes a transmit out of IF (-i); the veth peer (-p) runs
 *    bench/bpf/bench_sink.bpf.c, which drops.  The kernel hands the program pages
 *    from a page pool and initialises a page from the template only when
 *    the pool first allocates it: a recycled page is NOT rewritten
 *    (Documentation/bpf/bpf_prog_run.rst, net/bpf/test_run.c), so alone
 *    this would again feed responses back in.  The sink therefore writes the
 *    template's first BENCH_GEN_RESTORE bytes back (everything either
 *    program changes) before it drops, and the page returns to the pool
 *    holding the request.  The time covers what a frame costs end to end:
 *    program, frame update, veth transmit, and the peer's XDP restore and
 *    drop (its softirq runs at each batch's local_bh_enable, inside the
 *    timed loop) - a stand-in for a driver's per-packet cost, the same for
 *    both programs: the sink calls the tail helper on every frame, growing
 *    ikelb's shortened frames back and the reflector's by 0, so neither is
 *    charged a helper call the other is not.  A run in which
 *    the veth dropped a frame (its page then comes back unrestored) is
 *    measured again.
 *
 * Both are checked, not assumed: before timing, every packet variant is run
 * once and its output compared byte for byte with the expected REDIRECT or
 * reflected frame (built by tests/lib/pkt.c); after timing, ikelb's own
 * counters must show exactly one redirect per run and nothing else, and
 * the sink must have seen every live frame (validating the REDIRECT and its
 * nonce in a separate pass).  Rounds interleave the programs so that noise
 * from other work on the machine hits all of them alike; figures are
 * medians over rounds.  Also prints what the verifier accepted: processed
 * instructions (log_level 1, "processed N insns"), xlated and jited sizes.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_sink.skel.h"
#include "bench_xdp.h"
#include "ikelb.h"
#include "ikelb.skel.h"
#include "reflector.skel.h"
#include "xdp_pass.skel.h"
#include "../tests/lib/pkt.h"

#define VIP4 "198.18.0.1"
#define VIP6 "2001:db8::1"
#define CLIENT4 "198.18.0.100"
#define CLIENT6 "2001:db8::100"
#define TARGET4 "198.18.0.11"
#define TARGET6 "2001:db8::11"
#define NONCE_LEN 32
#define MAX_ROUNDS 64
#define LOG_BUF (16u << 20)

enum { P_EMPTY, P_REFLECTOR, P_IKELB, NPROGS };
static const char *const counter_names[] = IKELB_COUNTER_NAMES;
static const char *const prog_names[NPROGS] = { "empty", "reflector", "ikelb" };

struct variant {
	const char *name, *src, *dst;
	uint16_t port;
	uint8_t frame[PKT_FRAME_MAX];
	size_t len;
	struct pkt_flow flow;
	uint8_t spi[8], nonce[NONCE_LEN];
	size_t nonce_off; /* from the IKE header */
};

static struct variant variants[] = {
	{ .name = "IPv4, port 500", .src = CLIENT4, .dst = VIP4, .port = 500 },
	{ .name = "IPv4, port 4500", .src = CLIENT4, .dst = VIP4, .port = 4500 },
	{ .name = "IPv6, port 500", .src = CLIENT6, .dst = VIP6, .port = 500 },
	{ .name = "IPv6, port 4500", .src = CLIENT6, .dst = VIP6, .port = 4500 },
};
#define NVAR (sizeof(variants) / sizeof(variants[0]))

struct opts {
	unsigned calls, rounds, batch, live_repeat;
	int cpu;
	const char *ifname, *peer;
};

struct progs {
	struct ikelb_bpf *ikelb;
	struct reflector_bpf *refl;
	struct xdp_pass_bpf *empty;
	struct bench_sink_bpf *sink;
	struct bpf_link *sink_link, *pass_link;
	int fd[NPROGS];
	long insns[NPROGS]; /* processed, from the verifier log */
	struct bpf_prog_info info[NPROGS];
};

static char *log_buf;

static void die(const char *what)
{
	fprintf(stderr, "xdp_cost: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- packets ------------------------------------------------------------ */

static void build_variant(struct variant *v, uint8_t seed)
{
	struct pkt_ike m;
	const uint8_t *n;
	size_t nlen;
	uint64_t spi;

	for (int i = 0; i < 8; i++)
		v->spi[i] = (uint8_t)(seed * 16 + i + 1);
	memcpy(&spi, v->spi, 8);
	/* the first nonce bytes follow from SPIi, as the sink checks */
	uint64_t n0 = bench_nonce_of(spi);
	memcpy(v->nonce, &n0, 8);
	for (int i = 8; i < NONCE_LEN; i++)
		v->nonce[i] = (uint8_t)(0xa0 + i);
	if (!pkt_flow_init(&v->flow, v->src, v->dst, v->port, v->port))
		die("pkt_flow_init");
	v->flow.marker = v->port == 4500;
	if (!pkt_ike_strongswan_sa_init(&m, v->spi, v->nonce, NONCE_LEN))
		die("pkt_ike_strongswan_sa_init");
	if (!pkt_ike_find_nonce(m.buf, m.len, &n, &nlen))
		die("pkt_ike_find_nonce");
	v->nonce_off = (size_t)(n - m.buf);
	v->len = pkt_build(v->frame, sizeof(v->frame), &v->flow, m.buf, m.len);
	if (!v->len)
		die("pkt_build");
}

/* The response each program must produce, built independently. */
static size_t expected(const struct variant *v, int prog, uint8_t *out)
{
	struct pkt_gw_ident id;
	struct pkt_flow r;

	if (prog == P_IKELB) {
		if (!pkt_gw_ident_parse(&id, v->flow.family == AF_INET ? TARGET4 : TARGET6))
			die("pkt_gw_ident_parse");
		return pkt_build_redirect(out, PKT_FRAME_MAX, &v->flow, v->spi, &id, v->nonce,
					  NONCE_LEN);
	}
	pkt_flow_reply(&v->flow, &r, v->flow.ttl);
	return pkt_build(out, PKT_FRAME_MAX, &r, v->frame + pkt_payload_off(&v->flow),
			 v->len - pkt_payload_off(&v->flow));
}

/* ---- programs ----------------------------------------------------------- */

static long processed_insns(const char *log)
{
	const char *p = NULL, *q = log;

	while ((q = strstr(q, "processed ")))
		p = q++;
	return p ? strtol(p + strlen("processed "), NULL, 10) : -1;
}

static void verifier_log(struct bpf_program *p)
{
	if (bpf_program__set_log_buf(p, log_buf, LOG_BUF) || bpf_program__set_log_level(p, 1))
		die("setting the verifier log");
	log_buf[0] = 0;
}

static void prog_info(struct progs *ps, int i, struct bpf_program *p)
{
	uint32_t len = sizeof(ps->info[i]);

	ps->fd[i] = bpf_program__fd(p);
	ps->insns[i] = processed_insns(log_buf);
	memset(&ps->info[i], 0, sizeof(ps->info[i]));
	if (bpf_obj_get_info_by_fd(ps->fd[i], &ps->info[i], &len))
		die("bpf_obj_get_info_by_fd");
}

/*
 * The answer limit per source is on, as in production (the node-wide one
 * is off there by default), but at a rate no run reaches (a billion answers
 * per second, as deep a bucket), so that every timed request takes the
 * limit's path and is answered.  -N: no limits; -T: the node-wide one too.
 */
static bool limits_off, limit_total;

static void configure_ikelb(struct ikelb_bpf *s)
{
	struct ikelb_config cfg = { .vip4_active = 1, .vip6_active = 1 };
	struct ikelb_target t = { .active = 1 };
	struct ikelb_slot slot = { .target = 0 };
	struct pkt_gw_ident id;
	uint32_t zero = 0;

	inet_pton(AF_INET, VIP4, &cfg.vip4);
	inet_pton(AF_INET6, VIP6, cfg.vip6);
	cfg.ports[0] = htons(500);
	cfg.ports[1] = htons(4500);
	cfg.port_natt[1] = 1;
	memcpy(cfg.mac, variants[0].flow.dst_mac, 6); /* every variant's */
	if (!limits_off)
		cfg.rate_per_source = cfg.burst_per_source = 1000000000;
	if (!limits_off && limit_total)
		cfg.rate_total = cfg.burst_total = 1000000000;
	for (int f = 0; f < IKELB_FAMILIES; f++) {
		if (!pkt_gw_ident_parse(&id, f == IKELB_FAM_V4 ? TARGET4 : TARGET6))
			die("pkt_gw_ident_parse");
		t.id[f].type = id.type;
		t.id[f].len = id.len;
		memcpy(t.id[f].data, id.data, id.len);
	}
	if (bpf_map_update_elem(bpf_map__fd(s->maps.ikelb_config), &zero, &cfg, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(s->maps.ikelb_targets), &zero, &t, BPF_ANY))
		die("filling ikelb maps");
	/* every slot of every table names target 0; budgets stay 0 (no limit) */
	for (uint32_t k = 0; k < IKELB_TABLES * IKELB_FAMILIES * IKELB_SLOTS; k++)
		if (bpf_map_update_elem(bpf_map__fd(s->maps.ikelb_slots), &k, &slot, BPF_ANY))
			die("filling ikelb slots");
}

static void load_progs(struct progs *ps)
{
	log_buf = malloc(LOG_BUF);
	if (!log_buf)
		die("malloc");
	if (!(ps->empty = xdp_pass_bpf__open()))
		die("opening xdp_pass");
	verifier_log(ps->empty->progs.xdp_pass);
	if (xdp_pass_bpf__load(ps->empty))
		die("loading xdp_pass");
	prog_info(ps, P_EMPTY, ps->empty->progs.xdp_pass);

	if (!(ps->refl = reflector_bpf__open()))
		die("opening the reflector");
	verifier_log(ps->refl->progs.reflector_xdp);
	if (reflector_bpf__load(ps->refl))
		die("loading the reflector");
	prog_info(ps, P_REFLECTOR, ps->refl->progs.reflector_xdp);

	if (!(ps->ikelb = ikelb_bpf__open()))
		die("opening ikelb");
	verifier_log(ps->ikelb->progs.ikelb_xdp);
	if (ikelb_bpf__load(ps->ikelb))
		die("loading ikelb");
	prog_info(ps, P_IKELB, ps->ikelb->progs.ikelb_xdp);
	configure_ikelb(ps->ikelb);
}

static void ikelb_counters(struct progs *ps, uint64_t out[IKELB_CNT_MAX])
{
	int ncpus = libbpf_num_possible_cpus();
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

/* ---- runs --------------------------------------------------------------- */

static int run_once(int fd, const struct variant *v, uint8_t *out, uint32_t *out_len,
		    uint32_t *duration)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = v->frame, .data_size_in = (uint32_t)v->len,
		    .data_out = out, .data_size_out = out ? PKT_FRAME_MAX : 0, .repeat = 1);

	if (bpf_prog_test_run_opts(fd, &o))
		die("BPF_PROG_RUN");
	if (out_len)
		*out_len = o.data_size_out;
	if (duration)
		*duration = o.duration;
	return (int)o.retval;
}

/* Every variant once through each program, output compared byte for byte. */
static void check_outputs(struct progs *ps)
{
	static uint8_t out[PKT_FRAME_MAX], want[PKT_FRAME_MAX];

	for (size_t i = 0; i < NVAR; i++) {
		for (int p = P_REFLECTOR; p <= P_IKELB; p++) {
			uint32_t len;
			size_t wlen = expected(&variants[i], p, want);
			int ret = run_once(ps->fd[p], &variants[i], out, &len, NULL);

			if (ret != XDP_TX || !wlen || len != wlen || memcmp(out, want, wlen)) {
				fprintf(stderr, "xdp_cost: %s on %s: not the expected response "
						"(action %d, %u bytes, want %zu)\n",
					prog_names[p], variants[i].name, ret, len, wlen);
				exit(1);
			}
		}
	}
}

/* Method A: mean kernel-reported ns over calls single runs. */
static double program_ns(int fd, const struct variant *v, unsigned calls)
{
	uint64_t sum = 0;
	uint32_t d;

	for (unsigned k = 0; k < calls; k++) {
		run_once(fd, v, NULL, NULL, &d);
		sum += d;
	}
	return (double)sum / calls;
}

/* Method B: ns per frame of one live run of repeat frames. */
static double live_ns(int fd, const struct variant *v, unsigned repeat, unsigned batch,
		      int ifindex)
{
	struct xdp_md ctx = { .data_end = (uint32_t)v->len, .ingress_ifindex = (uint32_t)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = v->frame, .data_size_in = (uint32_t)v->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat,
		    .batch_size = batch, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	if (bpf_prog_test_run_opts(fd, &o))
		die("BPF_PROG_RUN (live frames)");
	return o.duration;
}

static uint64_t sink_count(struct progs *ps, int which)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t v[1024], sum = 0;
	uint32_t key = (uint32_t)which;

	if (ncpus > 1024 || bpf_map_lookup_elem(bpf_map__fd(ps->sink->maps.sink_counts), &key, v))
		die("reading the sink's counters");
	for (int c = 0; c < ncpus; c++)
		sum += v[c];
	return sum;
}

static void attach_sink(struct progs *ps, const char *peer)
{
	int ifindex = (int)if_nametoindex(peer);

	if (!ifindex)
		die(peer);
	if (!(ps->sink = bench_sink_bpf__open_and_load()))
		die("loading the sink");
	ps->sink_link = bpf_program__attach_xdp(ps->sink->progs.bench_sink, ifindex);
	if (!ps->sink_link)
		die("attaching the sink");
}

/* The sink writes this variant's request back into every page. */
static void sink_template(struct progs *ps, const struct variant *v)
{
	memcpy(ps->sink->bss->sink_tmpl, v->frame, BENCH_GEN_RESTORE);
	ps->sink->bss->sink_restore = 1;
}

/*
 * A live pass over several pool recycles with the sink validating every
 * response (a REDIRECT with the request's nonce, or the reflected request):
 * the timed runs only count, so that both programs pay the same there.
 */
static void check_live(struct progs *ps, const struct opts *o, int ifindex)
{
	unsigned n = 8 * o->batch;

	for (size_t i = 0; i < NVAR; i++) {
		sink_template(ps, &variants[i]);
		for (int p = P_REFLECTOR; p <= P_IKELB; p++) {
			uint64_t ok0 = sink_count(ps, BENCH_SINK_VALID);
			uint64_t bad0 = sink_count(ps, BENCH_SINK_INVALID);

			ps->sink->bss->sink_mode =
				p == P_IKELB ? BENCH_SINK_REDIRECT : BENCH_SINK_REFLECT;
			ps->sink->bss->sink_nonce_off = (uint32_t)variants[i].nonce_off;
			ps->sink->bss->sink_nonce_len = NONCE_LEN;
			live_ns(ps->fd[p], &variants[i], n, o->batch, ifindex);
			if (sink_count(ps, BENCH_SINK_VALID) - ok0 != n ||
			    sink_count(ps, BENCH_SINK_INVALID) != bad0) {
				fprintf(stderr, "xdp_cost: live %s on %s: the sink did not get "
						"%u valid responses\n",
					prog_names[p], variants[i].name, n);
				exit(1);
			}
		}
	}
	ps->sink->bss->sink_mode = BENCH_SINK_COUNT;
}

/*
 * One live figure, measured again (up to 5 times) when a frame went astray:
 * a transmit the veth could not take (its ring full while the peer's NAPI
 * was deferred) returns the page unrestored, and the program would then
 * see its own response.  A clean run has the sink count every frame and,
 * for ikelb, one redirect per frame and no other outcome.
 */
static double live_figure(struct progs *ps, int p, const struct variant *v,
			  const struct opts *o, int ifindex, unsigned *retries)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		uint64_t c0[IKELB_CNT_MAX], c1[IKELB_CNT_MAX], s0, s1;
		double ns;
		int clean;

		ikelb_counters(ps, c0);
		s0 = sink_count(ps, BENCH_SINK_VALID);
		ns = live_ns(ps->fd[p], v, o->live_repeat, o->batch, ifindex);
		ikelb_counters(ps, c1);
		s1 = sink_count(ps, BENCH_SINK_VALID);
		clean = s1 - s0 == o->live_repeat;
		for (int i = 0; i < IKELB_CNT_MAX && p == P_IKELB; i++)
			clean &= c1[i] - c0[i] == (i == IKELB_CNT_REDIRECTED || i == IKELB_CNT_REQUESTS
							   ? o->live_repeat
							   : 0);
		if (clean)
			return ns;
		++*retries;
	}
	fprintf(stderr, "xdp_cost: live %s on %s: frames lost in 5 runs\n", prog_names[p],
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

/* ---- output ------------------------------------------------------------- */

static void print_verifier(const struct progs *ps)
{
	printf("\nWhat the verifier accepted (same build):\n\n");
	printf("| program | processed insns | xlated insns | jited bytes |\n");
	printf("|---|---:|---:|---:|\n");
	for (int p = 0; p < NPROGS; p++)
		printf("| %s | %ld | %u | %u |\n", prog_names[p], ps->insns[p],
		       ps->info[p].xlated_prog_len / 8, ps->info[p].jited_prog_len);
}

static void print_goal(double prog_m[NVAR][NPROGS], double live_m[NVAR][NPROGS])
{
	double worst = 0, delta = 0;

	for (size_t i = 0; i < NVAR; i++) {
		double r = live_m[i][P_IKELB] / live_m[i][P_REFLECTOR];

		worst = r > worst ? r : worst;
		delta += (prog_m[i][P_IKELB] - prog_m[i][P_REFLECTOR]) / NVAR;
	}
	printf("\nGoal: ikelb at most 1.5x the reflector per packet (live frames): ");
	if (worst <= 1.5) {
		printf("met, worst %.3fx.\n", worst);
		return;
	}
	printf("NOT met, worst %.3fx.  What limits it: the program's own work, %.0f ns "
	       "more than the reflector per request (method A): it verifies the UDP "
	       "checksum over the whole request, parses it (a bounded walk over its 9 "
	       "payloads), looks its source up in the answer limit's LRU hash and writes "
	       "the REDIRECT, where the reflector swaps three fields; the fixed cost of a "
	       "frame on this path (transmit, the peer's restore and drop) is about "
	       "%.0f ns.\n",
	       worst, delta, live_m[0][P_REFLECTOR]);
}

static void usage(void)
{
	fprintf(stderr, "usage: xdp_cost [-n CALLS] [-r ROUNDS] [-L REPEAT] [-b BATCH] [-c CPU] "
			"[-i IF -p PEER] [-N | -T]\n");
	exit(2);
}

static unsigned num(const char *s, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v < lo || v > hi)
		usage();
	return (unsigned)v;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

int main(int argc, char **argv)
{
	struct opts o = { .calls = 2000, .rounds = 15, .batch = 64, .live_repeat = 100000,
			  .cpu = -1 };
	static double prog_r[NVAR][NPROGS][MAX_ROUNDS], live_r[NVAR][NPROGS][MAX_ROUNDS];
	double prog_m[NVAR][NPROGS], live_m[NVAR][NPROGS];
	uint64_t c0[IKELB_CNT_MAX], c1[IKELB_CNT_MAX];
	unsigned retries = 0;
	struct progs ps = { 0 };
	int opt, ifindex = 0;

	while ((opt = getopt(argc, argv, "n:r:L:b:c:i:p:NT")) != -1) {
		switch (opt) {
		case 'L': o.live_repeat = num(optarg, 1, 1000000000); break;
		case 'n': o.calls = num(optarg, 1, 100000000); break;
		case 'r': o.rounds = num(optarg, 1, MAX_ROUNDS); break;
		case 'b': o.batch = num(optarg, 1, 256); break;
		case 'c': o.cpu = (int)num(optarg, 0, 4095); break;
		case 'i': o.ifname = optarg; break;
		case 'p': o.peer = optarg; break;
		case 'N': limits_off = true; break;
		case 'T': limit_total = true; break;
		default: usage();
		}
	}
	if (optind != argc || !o.ifname != !o.peer)
		usage();
	pin(o.cpu);
	for (size_t i = 0; i < NVAR; i++)
		build_variant(&variants[i], (uint8_t)i);
	load_progs(&ps);
	if (o.ifname) {
		if (!(ifindex = (int)if_nametoindex(o.ifname)))
			die(o.ifname);
		attach_sink(&ps, o.peer);
		/* the run's rx queue must be registered for XDP: a program on IF */
		ps.pass_link = bpf_program__attach_xdp(ps.empty->progs.xdp_pass, ifindex);
		if (!ps.pass_link)
			die("attaching XDP_PASS");
	}

	check_outputs(&ps);
	if (o.ifname)
		check_live(&ps, &o, ifindex);
	for (unsigned r = 0; r < o.rounds; r++) {
		for (size_t i = 0; i < NVAR; i++) {
			ikelb_counters(&ps, c0);
			for (int p = 0; p < NPROGS; p++)
				prog_r[i][p][r] = program_ns(ps.fd[p], &variants[i], o.calls);
			ikelb_counters(&ps, c1);
			for (int k = 0; k < IKELB_CNT_MAX; k++)
				if (c1[k] - c0[k] != (k == IKELB_CNT_REDIRECTED ||
							      k == IKELB_CNT_REQUESTS ? o.calls : 0)) {
					fprintf(stderr, "xdp_cost: not every timed run was a "
							"redirect (%s moved by %llu)\n",
						counter_names[k],
						(unsigned long long)(c1[k] - c0[k]));
					return 1;
				}
			if (!o.ifname)
				continue;
			sink_template(&ps, &variants[i]);
			for (int p = P_REFLECTOR; p <= P_IKELB; p++)
				live_r[i][p][r] = live_figure(&ps, p, &variants[i], &o, ifindex,
							      &retries);
		}
	}
	for (size_t i = 0; i < NVAR; i++)
		for (int p = 0; p < NPROGS; p++) {
			prog_m[i][p] = median(prog_r[i][p], o.rounds);
			live_m[i][p] = o.ifname && p ? median(live_r[i][p], o.rounds) : 0;
		}

	printf("Method A (program): %u runs of repeat=1 per figure, fresh frame each, "
	       "kernel-timed; median of %u rounds; net = minus the empty program.  ikelb "
	       "with %s, cookies off.\n\n",
	       o.calls, o.rounds,
	       limits_off    ? "no answer limits" :
	       limit_total ? "the answer limits per source and per node on (never reached)" :
			       "the answer limit per source on (never reached), as the daemon's "
			       "default");
	printf("| packet | bytes | empty ns | reflector ns | ikelb ns | reflector net | "
	       "ikelb net | ikelb - reflector | ikelb / reflector |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < NVAR; i++) {
		double *m = prog_m[i];

		printf("| %s | %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2fx |\n",
		       variants[i].name, variants[i].len, m[P_EMPTY], m[P_REFLECTOR], m[P_IKELB],
		       m[P_REFLECTOR] - m[P_EMPTY], m[P_IKELB] - m[P_EMPTY],
		       m[P_IKELB] - m[P_REFLECTOR], m[P_IKELB] / m[P_REFLECTOR]);
	}
	if (o.ifname) {
		printf("\nMethod B (live frames): BPF_F_TEST_XDP_LIVE_FRAMES, repeat %u in "
		       "batches of %u, XDP_TX to a veth whose peer writes the request back "
		       "into the page and drops; median of %u rounds; %u runs measured again "
		       "after a lost frame.\n\n",
		       o.live_repeat, o.batch, o.rounds, retries);
		printf("| packet | reflector ns/pkt | ikelb ns/pkt | ikelb / reflector | "
		       "goal <= 1.5x |\n");
		printf("|---|---:|---:|---:|---|\n");
		for (size_t i = 0; i < NVAR; i++) {
			double ratio = live_m[i][P_IKELB] / live_m[i][P_REFLECTOR];

			printf("| %s | %.0f | %.0f | %.3fx | %s |\n", variants[i].name,
			       live_m[i][P_REFLECTOR], live_m[i][P_IKELB], ratio,
			       ratio <= 1.5 ? "met" : "missed");
		}
	}
	if (o.ifname)
		print_goal(prog_m, live_m);
	print_verifier(&ps);
	bpf_link__destroy(ps.pass_link);
	bpf_link__destroy(ps.sink_link);
	bench_sink_bpf__destroy(ps.sink);
	ikelb_bpf__destroy(ps.ikelb);
	reflector_bpf__destroy(ps.refl);
	xdp_pass_bpf__destroy(ps.empty);
	free(log_buf);
	return 0;
}
