// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark 2b: a kernel-side IKE_SA_INIT generator that is not the limit.
 * BPF_PROG_RUN in live-frames mode runs bench/bpf/bench_gen.bpf.c, which turns
 * every frame into a fresh copy of the template (strongSwan's IKE_SA_INIT,
 * tests/lib/pkt.h) with its own SPIi and nonce and sends it with XDP_TX out
 * of IF.  bench/bpf/bench_sink.bpf.c on IF counts the responses that come back,
 * checking each (a REDIRECT carrying the request's nonce, or the reflected
 * request), and drops them.  One generator thread per CPU; the far end's
 * XDP runs in the same CPU's softirq, so the rate is that of the whole
 * path, which is what the ikelb-versus-reflector ratio compares.
 *
 *   xdp_gen -i IF -s SRC -d VIP -M PEER_MAC [-p PORT] [-m redirect|reflect|answer]
 *           [-t SECONDS] [-T THREADS] [-b BATCH] [-R REPEAT] [-S SOURCES] [-P]
 *
 * Prints one line: "sent N valid N invalid N seconds S pps P".  For the
 * flood test (tests/netns/test_xdp_flood.sh): -S spoofs SOURCES source
 * addresses, SRC and the ones after it (its last 32 bits counted up); -m
 * answer takes any IKE_SA_INIT response (a COOKIE too) as valid; -P then
 * prints "answers ADDRESS N" for every address answered, and
 * "answered_sources N max N".
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_gen.skel.h"
#include "bench_sink.skel.h"
#include "bench_xdp.h"
#include "ikelb.h"
#include "../tests/lib/pkt.h"

#define NONCE_LEN 32
#define MAX_THREADS 64

struct gen {
	int prog_fd, ifindex;
	uint8_t frame[PKT_FRAME_MAX];
	size_t len;
	unsigned batch, repeat;
	double stop_at;
	atomic_ullong sent;
	atomic_int failed;
};

struct worker {
	struct gen *g;
	int cpu;
	pthread_t tid;
};

static void die(const char *what)
{
	fprintf(stderr, "xdp_gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static void if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		die(ifname);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

/* The template and where the generator and the sink find its fields. */
static void build_template(struct gen *g, struct bench_gen_bpf *gen, struct bench_sink_bpf *sink,
			   struct pkt_flow *f)
{
	uint8_t spi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, nonce[NONCE_LEN];
	const uint8_t *n;
	struct pkt_ike m;
	size_t nlen, ike_off = pkt_payload_off(f);
	uint64_t spi_raw, n0;

	memcpy(&spi_raw, spi, 8);
	n0 = bench_nonce_of(spi_raw);
	memcpy(nonce, &n0, 8);
	for (int i = 8; i < NONCE_LEN; i++)
		nonce[i] = (uint8_t)(0x40 + i);
	if (!pkt_ike_strongswan_sa_init(&m, spi, nonce, NONCE_LEN) ||
	    !pkt_ike_find_nonce(m.buf, m.len, &n, &nlen))
		die("building the request");
	g->len = pkt_build(g->frame, sizeof(g->frame), f, m.buf, m.len);
	if (!g->len || g->len < BENCH_GEN_RESTORE)
		die("pkt_build");
	memcpy(gen->bss->gen_tmpl, g->frame, BENCH_GEN_RESTORE);
	gen->bss->gen_spi_off = (uint32_t)ike_off;
	gen->bss->gen_nonce_off = (uint32_t)(ike_off + (size_t)(n - m.buf));
	gen->bss->gen_csum_off = (uint32_t)(pkt_l4_off(f) + 6);
	gen->bss->gen_tmpl_spi = spi_raw;
	gen->bss->gen_tmpl_nonce = n0;
	sink->bss->sink_nonce_off = (uint32_t)(n - m.buf);
	sink->bss->sink_nonce_len = NONCE_LEN;
	/* the source address's last 4 bytes, for -S */
	gen->bss->gen_src_off = (uint32_t)(pkt_l3_off(f) + (f->family == AF_INET6 ? 8 + 12 : 12));
	gen->bss->gen_ipcsum_off = f->family == AF_INET6 ? 0 : (uint32_t)(pkt_l3_off(f) + 10);
	memcpy(&gen->bss->gen_tmpl_src, g->frame + gen->bss->gen_src_off, 4);
}

/* "answers ADDRESS N" per address the sink counted, then the summary. */
static void print_answers(struct bench_sink_bpf *s, int v6)
{
	int fd = bpf_map__fd(s->maps.sink_per_dst);
	uint8_t k[16], next[16];
	char buf[INET6_ADDRSTRLEN];
	unsigned long long n, max = 0, sources = 0;
	int more = !bpf_map_get_next_key(fd, NULL, k);

	while (more) {
		if (!bpf_map_lookup_elem(fd, k, &n)) {
			inet_ntop(v6 ? AF_INET6 : AF_INET, k, buf, sizeof(buf));
			printf("answers %s %llu\n", buf, n);
			max = n > max ? n : max;
			sources++;
		}
		more = !bpf_map_get_next_key(fd, k, next);
		memcpy(k, next, 16);
	}
	printf("answered_sources %llu max %llu\n", sources, max);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct gen *g = w->g;
	struct xdp_md ctx = { .data_end = (uint32_t)g->len, .ingress_ifindex = (uint32_t)g->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = g->frame, .data_size_in = (uint32_t)g->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = g->repeat,
		    .batch_size = g->batch, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (now() < g->stop_at) {
		if (bpf_prog_test_run_opts(g->prog_fd, &o)) {
			fprintf(stderr, "xdp_gen: BPF_PROG_RUN: %s\n", strerror(errno));
			atomic_store(&g->failed, 1);
			break;
		}
		atomic_fetch_add(&g->sent, g->repeat);
	}
	return NULL;
}

static uint64_t sink_count(struct bench_sink_bpf *s, int which)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t v[1024], sum = 0;
	uint32_t key = (uint32_t)which;

	if (ncpus > 1024 || bpf_map_lookup_elem(bpf_map__fd(s->maps.sink_counts), &key, v))
		die("reading the sink's counters");
	for (int c = 0; c < ncpus; c++)
		sum += v[c];
	return sum;
}

static void usage(void)
{
	fprintf(stderr, "usage: xdp_gen -i IF -s SRC -d VIP -M PEER_MAC [-p PORT] "
			"[-m redirect|reflect|answer] [-t SECONDS] [-T THREADS] [-b BATCH] "
			"[-R REPEAT] [-S SOURCES] [-P]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *src = NULL, *dst = NULL, *mode = "redirect";
	struct gen g = { .batch = 64, .repeat = 1u << 20 };
	struct worker w[MAX_THREADS];
	struct bench_gen_bpf *gen;
	struct bench_sink_bpf *sink;
	struct bpf_link *link;
	struct pkt_flow f;
	uint8_t peer_mac[6];
	int opt, port = 500, nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN), have_mac = 0;
	int per_dst = 0;
	unsigned long sources = 1;
	double secs = 5, t0, t1;
	uint64_t v0, v1, bad0, bad1;

	while ((opt = getopt(argc, argv, "i:s:d:M:p:m:t:T:b:R:S:P")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 'M': if (parse_mac(optarg, peer_mac)) usage(); have_mac = 1; break;
		case 'p': port = atoi(optarg); break;
		case 'm': mode = optarg; break;
		case 't': secs = atof(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		case 'b': g.batch = (unsigned)atoi(optarg); break;
		case 'R': g.repeat = (unsigned)atoi(optarg); break;
		case 'S': sources = strtoul(optarg, NULL, 10); break;
		case 'P': per_dst = 1; break;
		default: usage();
		}
	}
	if (!ifname || !src || !dst || !have_mac || optind != argc || port < 1 || port > 65535 ||
	    nthreads < 1 || nthreads > MAX_THREADS || secs <= 0 || !g.batch || g.batch > 256 ||
	    !g.repeat || !sources || sources > BENCH_SINK_DSTS ||
	    (strcmp(mode, "redirect") && strcmp(mode, "reflect") && strcmp(mode, "answer")))
		usage();
	if (!(g.ifindex = (int)if_nametoindex(ifname)))
		die(ifname);
	if (!pkt_flow_init(&f, src, dst, (uint16_t)port, (uint16_t)port))
		die("pkt_flow_init");
	f.marker = port == 4500;
	if_mac(ifname, f.src_mac);
	memcpy(f.dst_mac, peer_mac, 6);

	if (!(gen = bench_gen_bpf__open_and_load()) || !(sink = bench_sink_bpf__open_and_load()))
		die("loading the generator and the sink");
	build_template(&g, gen, sink, &f);
	sink->bss->sink_mode = !strcmp(mode, "redirect") ? BENCH_SINK_REDIRECT :
			       !strcmp(mode, "answer")	 ? BENCH_SINK_ANSWER :
							   BENCH_SINK_REFLECT;
	sink->bss->sink_count_dst = (uint32_t)per_dst;
	gen->bss->gen_src_count = (uint32_t)sources;
	link = bpf_program__attach_xdp(sink->progs.bench_sink, g.ifindex);
	if (!link)
		die("attaching the sink");
	g.prog_fd = bpf_program__fd(gen->progs.bench_gen);

	v0 = sink_count(sink, BENCH_SINK_VALID);
	bad0 = sink_count(sink, BENCH_SINK_INVALID);
	t0 = now();
	g.stop_at = t0 + secs;
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .g = &g, .cpu = i % (int)sysconf(_SC_NPROCESSORS_ONLN) };
		if (pthread_create(&w[i].tid, NULL, work, &w[i]))
			die("pthread_create");
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].tid, NULL);
	usleep(100000); /* the last responses still in flight */
	t1 = now() - 0.1;
	v1 = sink_count(sink, BENCH_SINK_VALID);
	bad1 = sink_count(sink, BENCH_SINK_INVALID);
	bpf_link__destroy(link);
	if (atomic_load(&g.failed))
		return 1;
	printf("sent %llu valid %llu invalid %llu seconds %.3f pps %.0f\n",
	       (unsigned long long)atomic_load(&g.sent), (unsigned long long)(v1 - v0),
	       (unsigned long long)(bad1 - bad0), t1 - t0, (double)(v1 - v0) / (t1 - t0));
	if (per_dst)
		print_answers(sink, f.family == AF_INET6);
	bench_sink_bpf__destroy(sink);
	bench_gen_bpf__destroy(gen);
	return 0;
}
