// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_gen: an IKE_SA_INIT request generator for tests and benchmarks.
 *
 * Sends IKE_SA_INIT requests carrying REDIRECT_SUPPORTED (a random SPIi and
 * a random nonce each) over one connected UDP socket to ADDRESS:PORT, with
 * sendmmsg/recvmmsg, either in a closed loop (at most WINDOW outstanding) or
 * open loop (--rate), and checks every response with redirect_check(): a
 * REDIRECT for that very request.  Reports responses/s, invalid, unmatched
 * and lost requests, latency percentiles and the redirects per gateway
 * identity; --count-dir keeps one file per target with the number of
 * clients that "arrived" there, for `tunnels = file:` sources.
 * See usage() for the options and the output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ike.h"
#include "../lib/pkt.h"
#include "../lib/redirect_check.h"

#define MAX_BATCH 256
#define MAX_WINDOW (1u << 20)
#define MAX_TARGETS 256
#define MAX_NAMES 64
#define RX_BUF 2048
#define NSEC 1000000000ull

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ike_gen [OPTIONS] ADDRESS\n"
		"Sends IKE_SA_INIT requests with REDIRECT_SUPPORTED to ADDRESS (IPv4 or IPv6)\n"
		"and checks that every response is a REDIRECT for that request.\n"
		"  -p, --port P             UDP port (default 500)\n"
		"      --marker, --no-marker  non-ESP marker before the IKE message\n"
		"                           (default: on for port 4500 only)\n"
		"  -s, --source ADDR        bind to this local address;  --sport P  local port\n"
		"  -n, --count N            requests to send (default 1000 without --duration)\n"
		"  -d, --duration SEC       send new requests for SEC seconds (decimals allowed)\n"
		"  -w, --window W           outstanding requests at most (default 1; 4096 with\n"
		"                           --rate); closed loop: a response lets the next go\n"
		"  -r, --rate N             open loop: N new requests per second, on schedule\n"
		"      --size strongswan|min  strongSwan 5.9's IKE_SA_INIT (892 bytes with a\n"
		"                           32-byte nonce; default) or the smallest request\n"
		"                           that gets redirected (SA, KE, Nonce, REDIR_SUP)\n"
		"      --nonce-len N        16..256 (default 32)\n"
		"  -t, --timeout-ms MS      a request unanswered for MS is retransmitted or\n"
		"                           lost (default 1000)\n"
		"      --retries N          retransmissions (same SPIi, same nonce) before a\n"
		"                           request counts as lost (default 0)\n"
		"      --batch N            datagrams per sendmmsg/recvmmsg, 1..%d (default 32)\n"
		"      --count-dir DIR      for each valid redirect, one more arrival in the\n"
		"                           file DIR/NAME of its target (NAME: the identity\n"
		"                           as text); counts add to the number a file held\n"
		"                           when its target first answered; files are\n"
		"                           replaced atomically (rename)\n"
		"      --count-name ID=NAME  file NAME for gateway identity ID (repeatable;\n"
		"                           e.g. a gateway's IPv4 and IPv6 identity -> one file)\n"
		"      --count-delay-ms MS  an arrival counts MS after its redirect (default 0;\n"
		"                           ike_gen waits for pending arrivals before it exits)\n"
		"      --count-flush-ms MS  rewrite changed files at most every MS (default 20)\n"
		"      --log FILE           one line per valid redirect: the ns since the first\n"
		"                           request (monotonic) and the target's name (its\n"
		"                           --count-name, else its identity): an exact record\n"
		"                           of where every client was sent and when\n"
		"      --seed N             seed of the SPIi/nonce generator (default: random)\n"
		"      --reflect            the far end is a bare reflector (benchmarks): a\n"
		"                           response counts when it is the request itself,\n"
		"                           its SPIi, flags (I set, R clear) and nonce\n"
		"      --json               the result as one JSON object\n"
		"  -q, --quiet              no summary line on stderr\n"
		"  -v, --verbose            describe the first 10 invalid responses on stderr\n"
		"Output (stdout), one key=value per line: address, port, marker, size (IKE\n"
		"bytes), window, rate_limit, requests, sent (with retransmits), retransmits,\n"
		"responses, valid, invalid, unmatched (SPIi of no outstanding request: late,\n"
		"duplicate or wrong), lost, send_errors, icmp_errors, elapsed_s, rate (valid\n"
		"responses/s from the first request to the last valid response),\n"
		"rate_lag_max_ms (--rate: how late the latest request went out),\n"
		"lat_{min,mean,p50,p90,p99,max}_us (request to response, from its last\n"
		"transmission), targets_overflow (identities past %d, not in the\n"
		"histogram), invalid.REASON=N (non-zero only), redirects.IDENTITY=N per\n"
		"target; with --count-dir also arrivals.NAME=N (the file's final number).\n"
		"Exit status: 0 when every request got a valid REDIRECT, 1 when any was\n"
		"invalid, unmatched or lost, 2 on usage or setup errors.\n",
		MAX_BATCH, MAX_TARGETS);
}

/* ---- options ------------------------------------------------------------- */

enum req_size { SIZE_STRONGSWAN, SIZE_MIN };

struct count_name {
	char ident[256];
	char name[256];
};

struct opts {
	const char *address, *source, *count_dir, *log;
	uint16_t port, sport;
	int marker; /* -1: by port */
	uint64_t count;
	double duration_s;
	uint32_t window;
	double rate;
	enum req_size size;
	size_t nonce_len;
	uint64_t timeout_ns;
	uint32_t retries;
	unsigned batch;
	struct count_name names[MAX_NAMES];
	unsigned n_names;
	uint64_t count_delay_ns, count_flush_ns;
	uint64_t seed;
	bool have_seed, json, quiet, verbose, reflect;
};

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ike_gen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static uint64_t num(const char *s, const char *opt, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-' || v < min || v > max)
		die("%s: '%s' is not a number in %" PRIu64 "..%" PRIu64, opt, s, min, max);
	return v;
}

static double positive(const char *s, const char *opt)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || !*s || *end || !(v > 0) || !isfinite(v))
		die("%s: '%s' is not a positive number", opt, s);
	return v;
}

static void add_count_name(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct count_name *n;

	if (o->n_names == MAX_NAMES)
		die("--count-name: more than %d", MAX_NAMES);
	if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof(n->ident) ||
	    strlen(eq + 1) >= sizeof(n->name) || strchr(eq + 1, '/') || eq[1] == '.')
		die("--count-name: '%s' is not ID=NAME (NAME without '/', not starting with '.')",
		    arg);
	n = &o->names[o->n_names++];
	snprintf(n->ident, sizeof(n->ident), "%.*s", (int)(eq - arg), arg);
	snprintf(n->name, sizeof(n->name), "%s", eq + 1);
}

static void parse(int argc, char **argv, struct opts *o)
{
	enum { O_MARKER = 256, O_NO_MARKER, O_SPORT, O_SIZE, O_NONCE, O_RETRIES, O_BATCH,
	       O_CDIR, O_CNAME, O_CDELAY, O_CFLUSH, O_SEED, O_JSON, O_HELP, O_REFLECT, O_LOG };
	static const struct option lo[] = {
		{ "port", 1, 0, 'p' },	       { "marker", 0, 0, O_MARKER },
		{ "no-marker", 0, 0, O_NO_MARKER }, { "source", 1, 0, 's' },
		{ "sport", 1, 0, O_SPORT },    { "count", 1, 0, 'n' },
		{ "duration", 1, 0, 'd' },     { "window", 1, 0, 'w' },
		{ "rate", 1, 0, 'r' },	       { "size", 1, 0, O_SIZE },
		{ "nonce-len", 1, 0, O_NONCE }, { "timeout-ms", 1, 0, 't' },
		{ "retries", 1, 0, O_RETRIES }, { "batch", 1, 0, O_BATCH },
		{ "count-dir", 1, 0, O_CDIR }, { "count-name", 1, 0, O_CNAME },
		{ "count-delay-ms", 1, 0, O_CDELAY }, { "count-flush-ms", 1, 0, O_CFLUSH },
		{ "seed", 1, 0, O_SEED },      { "json", 0, 0, O_JSON },
		{ "log", 1, 0, O_LOG },
		{ "quiet", 0, 0, 'q' },	       { "verbose", 0, 0, 'v' },
		{ "help", 0, 0, O_HELP },      { "reflect", 0, 0, O_REFLECT },
		{ 0, 0, 0, 0 },
	};
	int c;

	*o = (struct opts){ .port = 500, .marker = -1, .nonce_len = 32,
			    .timeout_ns = 1000 * 1000000ull, .batch = 32,
			    .count_flush_ns = 20 * 1000000ull };
	while ((c = getopt_long(argc, argv, "p:s:n:d:w:r:t:qv", lo, NULL)) != -1) {
		switch (c) {
		case 'p': o->port = (uint16_t)num(optarg, "--port", 1, 65535); break;
		case O_MARKER: o->marker = 1; break;
		case O_NO_MARKER: o->marker = 0; break;
		case 's': o->source = optarg; break;
		case O_SPORT: o->sport = (uint16_t)num(optarg, "--sport", 1, 65535); break;
		case 'n': o->count = num(optarg, "--count", 1, UINT64_MAX); break;
		case 'd': o->duration_s = positive(optarg, "--duration"); break;
		case 'w': o->window = (uint32_t)num(optarg, "--window", 1, MAX_WINDOW); break;
		case 'r': o->rate = positive(optarg, "--rate"); break;
		case O_SIZE:
			if (!strcmp(optarg, "strongswan"))
				o->size = SIZE_STRONGSWAN;
			else if (!strcmp(optarg, "min"))
				o->size = SIZE_MIN;
			else
				die("--size: '%s' is not strongswan or min", optarg);
			break;
		case O_NONCE: o->nonce_len = num(optarg, "--nonce-len", 16, 256); break;
		case 't':
			o->timeout_ns = num(optarg, "--timeout-ms", 1, 3600000) * 1000000ull;
			break;
		case O_RETRIES: o->retries = (uint32_t)num(optarg, "--retries", 0, 100); break;
		case O_BATCH: o->batch = (unsigned)num(optarg, "--batch", 1, MAX_BATCH); break;
		case O_CDIR: o->count_dir = optarg; break;
		case O_CNAME: add_count_name(o, optarg); break;
		case O_CDELAY:
			o->count_delay_ns = num(optarg, "--count-delay-ms", 0, 3600000) * 1000000ull;
			break;
		case O_CFLUSH:
			o->count_flush_ns = num(optarg, "--count-flush-ms", 0, 60000) * 1000000ull;
			break;
		case O_LOG: o->log = optarg; break;
		case O_SEED: o->seed = num(optarg, "--seed", 0, UINT64_MAX); o->have_seed = true; break;
		case O_JSON: o->json = true; break;
		case O_REFLECT: o->reflect = true; break;
		case 'q': o->quiet = true; break;
		case 'v': o->verbose = true; break;
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		exit(2);
	}
	o->address = argv[optind];
	if (!o->count && !o->duration_s)
		o->count = 1000;
	if (!o->window)
		o->window = o->rate > 0 ? 4096 : 1;
	if (o->marker < 0)
		o->marker = o->port == 4500;
	if (o->n_names && !o->count_dir)
		die("--count-name needs --count-dir");
}

/* ---- time and randomness --------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* xoshiro256** (Blackman, Vigna): fast; SPIs and nonces need to be unique
 * and spread, not secret. */
static uint64_t rng_s[4];

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;

	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

/* splitmix64 expands one seed into the four state words. */
static void rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		rng_s[i] = z ^ (z >> 31);
	}
}

static void rng_fill(uint8_t *p, size_t n)
{
	while (n) {
		uint64_t r = rng_next();
		size_t k = n < 8 ? n : 8;

		memcpy(p, &r, k);
		p += k;
		n -= k;
	}
}

/* ---- the request template -------------------------------------------------- */

/* One request is the template with its own SPIi (bytes 0..7) and nonce
 * data (nonce_off..) spliced in by the iovecs of send_batch(). */
struct tmpl {
	struct pkt_ike m;
	size_t nonce_off;
};

static void tmpl_build(struct tmpl *t, const struct opts *o)
{
	static const uint8_t spi[8] = { 1 }, zero_nonce[IKE_NONCE_MAX];
	const uint8_t *nonce;
	size_t nlen;
	bool ok;

	if (o->size == SIZE_STRONGSWAN) {
		ok = pkt_ike_strongswan_sa_init(&t->m, spi, zero_nonce, o->nonce_len);
	} else {
		/* SA, KE and Nonce are mandatory (RFC 7296 1.2) */
		pkt_ike_init_request(&t->m, spi);
		ok = pkt_ike_add_sa(&t->m) && pkt_ike_add_ke(&t->m, 31, 32, 1) &&
		     pkt_ike_add_nonce(&t->m, zero_nonce, o->nonce_len) &&
		     pkt_ike_add_notify(&t->m, IKE_N_REDIRECT_SUPPORTED, NULL, 0);
	}
	if (!ok || !pkt_ike_find_nonce(t->m.buf, t->m.len, &nonce, &nlen) ||
	    nlen != o->nonce_len)
		die("cannot build the request template");
	t->nonce_off = (size_t)(nonce - t->m.buf);
}

/* ---- outstanding requests ---------------------------------------------------- */

struct req {
	uint8_t spi[8];
	uint8_t nonce[IKE_NONCE_MAX];
	uint64_t sent_ns; /* last transmission */
	uint32_t tries; /* transmissions so far */
	int32_t hnext; /* hash chain */
	int32_t prev, next; /* deadline list: transmission order */
};

/* A fixed pool of WINDOW requests, found by SPIi through a chained hash,
 * and kept in a list in order of transmission: the timeout is the same for
 * all, so the list head is always the next to expire. */
struct pool {
	struct req *r;
	int32_t *free; /* stack of free indices */
	uint32_t n_free, size;
	int32_t *bucket;
	uint32_t mask;
	int32_t head, tail;
};

static uint32_t spi_hash(const struct pool *p, const uint8_t spi[8])
{
	uint64_t k;

	memcpy(&k, spi, 8);
	return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & p->mask;
}

static void pool_init(struct pool *p, uint32_t size)
{
	uint32_t nb = 2;

	while (nb < 2 * size)
		nb <<= 1;
	p->r = calloc(size, sizeof(*p->r));
	p->free = calloc(size, sizeof(*p->free));
	p->bucket = malloc(nb * sizeof(*p->bucket));
	if (!p->r || !p->free || !p->bucket)
		die("out of memory for a window of %u", size);
	for (uint32_t i = 0; i < nb; i++)
		p->bucket[i] = -1;
	for (uint32_t i = 0; i < size; i++)
		p->free[i] = (int32_t)(size - 1 - i);
	p->n_free = p->size = size;
	p->mask = nb - 1;
	p->head = p->tail = -1;
}

static uint32_t pool_outstanding(const struct pool *p)
{
	return p->size - p->n_free;
}

static int32_t pool_find(const struct pool *p, const uint8_t spi[8])
{
	int32_t i = p->bucket[spi_hash(p, spi)];

	while (i >= 0 && memcmp(p->r[i].spi, spi, 8))
		i = p->r[i].hnext;
	return i;
}

static void list_append(struct pool *p, int32_t i)
{
	p->r[i].prev = p->tail;
	p->r[i].next = -1;
	if (p->tail >= 0)
		p->r[p->tail].next = i;
	else
		p->head = i;
	p->tail = i;
}

static void list_remove(struct pool *p, int32_t i)
{
	struct req *q = &p->r[i];

	if (q->prev >= 0)
		p->r[q->prev].next = q->next;
	else
		p->head = q->next;
	if (q->next >= 0)
		p->r[q->next].prev = q->prev;
	else
		p->tail = q->prev;
}

/* A new request with a fresh random SPIi (unique among outstanding ones)
 * and nonce; not yet in the transmission list.  -1 when the pool is full. */
static int32_t pool_new(struct pool *p, size_t nonce_len)
{
	int32_t i;
	uint32_t h;

	if (!p->n_free)
		return -1;
	i = p->free[--p->n_free];
	do
		rng_fill(p->r[i].spi, 8);
	while (pool_find(p, p->r[i].spi) >= 0);
	rng_fill(p->r[i].nonce, nonce_len);
	p->r[i].tries = 0;
	h = spi_hash(p, p->r[i].spi);
	p->r[i].hnext = p->bucket[h];
	p->bucket[h] = i;
	return i;
}

/* The request is answered or given up: out of the hash and the list. */
static void pool_release(struct pool *p, int32_t i)
{
	int32_t *link = &p->bucket[spi_hash(p, p->r[i].spi)];

	while (*link != i)
		link = &p->r[*link].hnext;
	*link = p->r[i].hnext;
	list_remove(p, i);
	p->free[p->n_free++] = i;
}

/* ---- latency histogram ----------------------------------------------------------- */

/* Log-linear buckets: exact below 128 ns, then 64 per power of two
 * (under 1.6 % error), up to any 64-bit value. */
#define LAT_SUB 64
#define LAT_BUCKETS (60 * LAT_SUB + 2 * LAT_SUB)

struct latency {
	uint64_t n, sum, min, max;
	uint64_t b[LAT_BUCKETS];
};

static unsigned lat_shift(uint64_t v)
{
	int msb = 63 - __builtin_clzll(v | 1);

	return msb < 7 ? 0 : (unsigned)(msb - 6);
}

static void lat_add(struct latency *l, uint64_t v)
{
	unsigned s = lat_shift(v);

	l->b[s * LAT_SUB + (v >> s)]++;
	l->n++;
	l->sum += v;
	if (l->n == 1 || v < l->min)
		l->min = v;
	if (v > l->max)
		l->max = v;
}

/* The value at quantile q: the middle of the first bucket at which the
 * cumulative count reaches ceil(q * n). */
static double lat_quantile_us(const struct latency *l, double q)
{
	uint64_t want = (uint64_t)ceil(q * (double)l->n), acc = 0;

	if (!l->n)
		return 0;
	if (!want)
		want = 1;
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		acc += l->b[i];
		if (acc >= want) {
			unsigned s = i < 2 * LAT_SUB ? 0 : i / LAT_SUB - 1;
			uint64_t lo = (uint64_t)(i - s * LAT_SUB) << s;

			double mid = (double)lo + (double)((1ull << s) - 1) / 2.0;

			/* the bucket's middle, but never outside what was seen */
			mid = fmin(fmax(mid, (double)l->min), (double)l->max);
			return mid / 1000.0;
		}
	}
	return (double)l->max / 1000.0;
}

/* ---- targets and arrival files ------------------------------------------------------ */

struct cfile {
	char name[256];
	uint64_t base, arrived;
	bool dirty;
};

struct target {
	struct pkt_gw_ident id;
	char text[256];
	uint64_t redirects;
	int file; /* index into files, -1 without --count-dir */
};

struct arrival {
	uint64_t due_ns;
	int file;
};

struct targets {
	struct target t[MAX_TARGETS];
	unsigned n, overflow;
	struct cfile f[MAX_TARGETS];
	unsigned n_files;
	int dirfd;
	/* arrivals waiting for their delay: a FIFO ring (one delay for all) */
	struct arrival *q;
	size_t q_cap, q_head, q_len;
	uint64_t next_flush_ns;
	bool dirty; /* some file waits for the next flush */
};

static uint64_t file_read_number(int dirfd, const char *name)
{
	char buf[64];
	unsigned long long v;
	ssize_t n;
	char *end;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		die("count file %s: not a number", name);
	return v;
}

/* Replaced through a rename so that a reader never sees half a number. */
static void file_write_number(int dirfd, const char *name, uint64_t v)
{
	char tmp[300];
	int fd;

	snprintf(tmp, sizeof(tmp), ".%s.ike_gen", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || dprintf(fd, "%" PRIu64 "\n", v) < 0 || close(fd) < 0 ||
	    renameat(dirfd, tmp, dirfd, name) < 0)
		die("count file %s: %s", name, strerror(errno));
}

static int file_for(struct targets *ts, const struct opts *o, const char *ident)
{
	const char *name = ident;

	for (unsigned i = 0; i < o->n_names; i++)
		if (!strcmp(o->names[i].ident, ident))
			name = o->names[i].name;
	for (unsigned i = 0; i < ts->n_files; i++)
		if (!strcmp(ts->f[i].name, name))
			return (int)i;
	snprintf(ts->f[ts->n_files].name, sizeof(ts->f[0].name), "%s", name);
	ts->f[ts->n_files].base = file_read_number(ts->dirfd, name);
	return (int)ts->n_files++;
}

/* The target of this identity, added on first sight; NULL past MAX_TARGETS. */
static struct target *target_get(struct targets *ts, const struct opts *o,
				 const struct pkt_gw_ident *id)
{
	struct target *t;

	for (unsigned i = 0; i < ts->n; i++) {
		t = &ts->t[i];
		if (t->id.type == id->type && t->id.len == id->len &&
		    !memcmp(t->id.data, id->data, id->len))
			return t;
	}
	if (ts->n == MAX_TARGETS)
		return NULL;
	t = &ts->t[ts->n++];
	t->id = *id;
	redirect_ident_str(id, t->text, sizeof(t->text));
	t->file = o->count_dir ? file_for(ts, o, t->text) : -1;
	return t;
}

static void arrival_push(struct targets *ts, uint64_t due, int file)
{
	if (ts->q_len == ts->q_cap) {
		size_t cap = ts->q_cap ? 2 * ts->q_cap : 1024;
		struct arrival *q = malloc(cap * sizeof(*q));

		if (!q)
			die("out of memory for pending arrivals");
		for (size_t i = 0; i < ts->q_len; i++)
			q[i] = ts->q[(ts->q_head + i) % ts->q_cap];
		free(ts->q);
		ts->q = q;
		ts->q_cap = cap;
		ts->q_head = 0;
	}
	ts->q[(ts->q_head + ts->q_len++) % ts->q_cap] = (struct arrival){ due, file };
}

static void flush_files(struct targets *ts)
{
	for (unsigned i = 0; i < ts->n_files; i++)
		if (ts->f[i].dirty) {
			file_write_number(ts->dirfd, ts->f[i].name,
					  ts->f[i].base + ts->f[i].arrived);
			ts->f[i].dirty = false;
		}
}

/* Arrivals whose delay is over count; changed files are rewritten at most
 * every flush interval, and always when force is set. */
static void arrivals_run(struct targets *ts, const struct opts *o, uint64_t now, bool force)
{
	while (ts->q_len && ts->q[ts->q_head].due_ns <= now) {
		struct cfile *f = &ts->f[ts->q[ts->q_head].file];

		f->arrived++;
		f->dirty = ts->dirty = true;
		ts->q_head = (ts->q_head + 1) % ts->q_cap;
		ts->q_len--;
	}
	if (ts->dirty && (force || now >= ts->next_flush_ns)) {
		flush_files(ts);
		ts->dirty = false;
		ts->next_flush_ns = now + o->count_flush_ns;
	}
}

/* ---- the generator ------------------------------------------------------------------ */

struct gen {
	struct opts o;
	int fd;
	FILE *log; /* --log */
	struct tmpl tmpl;
	struct pool pool;
	struct latency lat;
	struct targets ts;
	uint64_t start_ns, stop_issue_ns, last_valid_ns, end_ns;
	uint64_t requests, sent, retransmits, responses, valid, invalid, unmatched, lost;
	uint64_t send_errors, icmp_errors, lag_max_ns;
	uint64_t invalid_by[REDIRECT_VERDICTS + 1]; /* + bad marker */
	unsigned verbose_left;
	/* batches */
	struct mmsghdr tx[MAX_BATCH];
	struct iovec tx_iov[MAX_BATCH][5];
	int32_t tx_req[MAX_BATCH];
	unsigned tx_n;
	struct mmsghdr rx[MAX_BATCH];
	struct iovec rx_iov[MAX_BATCH];
	uint8_t rx_buf[MAX_BATCH][RX_BUF];
};

#define INVALID_MARKER REDIRECT_VERDICTS

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void socket_open(struct gen *g)
{
	struct sockaddr_storage dst = { 0 }, src = { 0 };
	int family, size = 8 << 20;
	socklen_t len;

	if (inet_pton(AF_INET, g->o.address, &((struct sockaddr_in *)&dst)->sin_addr) == 1) {
		family = AF_INET;
		((struct sockaddr_in *)&dst)->sin_port = htons(g->o.port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, g->o.address,
			     &((struct sockaddr_in6 *)&dst)->sin6_addr) == 1) {
		family = AF_INET6;
		((struct sockaddr_in6 *)&dst)->sin6_port = htons(g->o.port);
		len = sizeof(struct sockaddr_in6);
	} else {
		die("'%s' is not an IPv4 or IPv6 address", g->o.address);
	}
	dst.ss_family = (sa_family_t)family;
	g->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (g->fd < 0)
		die("socket: %s", strerror(errno));
	/* room for a whole window of responses; FORCE works as root */
	if (setsockopt(g->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(g->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(g->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (g->o.source || g->o.sport) {
		src.ss_family = (sa_family_t)family;
		if (family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&src;

			s->sin_port = htons(g->o.sport);
			if (g->o.source && inet_pton(AF_INET, g->o.source, &s->sin_addr) != 1)
				die("--source '%s' is not an IPv4 address", g->o.source);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&src;

			s->sin6_port = htons(g->o.sport);
			if (g->o.source && inet_pton(AF_INET6, g->o.source, &s->sin6_addr) != 1)
				die("--source '%s' is not an IPv6 address", g->o.source);
		}
		if (bind(g->fd, (struct sockaddr *)&src, len))
			die("bind: %s", strerror(errno));
	}
	/* connected: the kernel delivers only datagrams from ADDRESS:PORT */
	if (connect(g->fd, (struct sockaddr *)&dst, len))
		die("connect %s port %u: %s", g->o.address, g->o.port, strerror(errno));
}

/* The iovecs of request i: marker, SPIi, template up to the nonce, the
 * nonce, the rest of the template. */
static void tx_add(struct gen *g, int32_t i)
{
	static const uint8_t marker[IKE_NON_ESP_MARKER_LEN];
	const struct tmpl *t = &g->tmpl;
	struct iovec *v = g->tx_iov[g->tx_n];
	size_t n = 0, nend = t->nonce_off + g->o.nonce_len;

	if (g->o.marker)
		v[n++] = (struct iovec){ (void *)marker, sizeof(marker) };
	v[n++] = (struct iovec){ g->pool.r[i].spi, 8 };
	v[n++] = (struct iovec){ (void *)(t->m.buf + 8), t->nonce_off - 8 };
	v[n++] = (struct iovec){ g->pool.r[i].nonce, g->o.nonce_len };
	if (nend < t->m.len)
		v[n++] = (struct iovec){ (void *)(t->m.buf + nend), t->m.len - nend };
	g->tx[g->tx_n].msg_hdr = (struct msghdr){ .msg_iov = v, .msg_iovlen = n };
	g->tx_req[g->tx_n++] = i;
}

/* Sends the batch; every request in it is stamped and joins the end of
 * the transmission list, sent or not (an unsent one times out). */
static void tx_flush(struct gen *g)
{
	unsigned off = 0;
	uint64_t now = now_ns();

	for (unsigned k = 0; k < g->tx_n; k++) {
		struct req *q = &g->pool.r[g->tx_req[k]];

		q->sent_ns = now;
		q->tries++;
		list_append(&g->pool, g->tx_req[k]);
	}
	while (off < g->tx_n) {
		int r = sendmmsg(g->fd, g->tx + off, g->tx_n - off, 0);

		if (r > 0) {
			off += (unsigned)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == ECONNREFUSED) { /* an earlier ICMP error, reported now */
			g->icmp_errors++;
			continue;
		}
		if (g->send_errors++ == 0 && !g->o.quiet)
			fprintf(stderr, "ike_gen: send: %s\n", strerror(errno));
		off++;
	}
	g->sent += g->tx_n;
	g->tx_n = 0;
}

static void tx_queue(struct gen *g, int32_t i)
{
	tx_add(g, i);
	if (g->tx_n == g->o.batch)
		tx_flush(g);
}

static bool may_issue(const struct gen *g, uint64_t now)
{
	if (interrupted || (g->o.count && g->requests >= g->o.count))
		return false;
	return !g->o.duration_s || now < g->stop_issue_ns;
}

/* When the next new request is due (open loop). */
static uint64_t rate_due(const struct gen *g)
{
	return g->start_ns + (uint64_t)((double)g->requests * 1e9 / g->o.rate);
}

/* New requests: up to the window (closed loop) or as scheduled (open). */
static void issue(struct gen *g, uint64_t now)
{
	while (may_issue(g, now) && pool_outstanding(&g->pool) < g->o.window) {
		int32_t i;

		if (g->o.rate > 0) {
			uint64_t due = rate_due(g);

			if (due > now)
				break;
			if (now - due > g->lag_max_ns)
				g->lag_max_ns = now - due;
		}
		i = pool_new(&g->pool, g->o.nonce_len);
		g->requests++;
		tx_queue(g, i);
	}
	if (g->tx_n)
		tx_flush(g);
}

/* Requests unanswered for the timeout: retransmitted, or lost. */
static void expire(struct gen *g, uint64_t now)
{
	while (g->pool.head >= 0) {
		int32_t i = g->pool.head;
		struct req *q = &g->pool.r[i];

		if (q->sent_ns + g->o.timeout_ns > now)
			break;
		if (q->tries <= g->o.retries) {
			list_remove(&g->pool, i);
			g->retransmits++;
			tx_queue(g, i);
		} else {
			g->lost++;
			pool_release(&g->pool, i);
		}
	}
	if (g->tx_n)
		tx_flush(g);
}

static void hexdump_head(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len && i < 48; i++)
		fprintf(stderr, "%02x", p[i]);
	fprintf(stderr, len > 48 ? "...\n" : "\n");
}

static void count_invalid(struct gen *g, unsigned why, const uint8_t *p, size_t len)
{
	g->invalid++;
	g->invalid_by[why]++;
	if (g->o.verbose && g->verbose_left) {
		g->verbose_left--;
		fprintf(stderr, "ike_gen: invalid response (%s), %zu bytes: ",
			why == INVALID_MARKER ? "bad_marker" : redirect_verdict_name(why), len);
		hexdump_head(p, len);
	}
}

static void valid_redirect(struct gen *g, const struct pkt_gw_ident *id, uint64_t now)
{
	struct target *t = target_get(&g->ts, &g->o, id);

	g->valid++;
	g->last_valid_ns = now;
	if (!t) {
		g->ts.overflow++;
		return;
	}
	t->redirects++;
	if (t->file >= 0)
		arrival_push(&g->ts, now + g->o.count_delay_ns, t->file);
	if (g->log && fprintf(g->log, "%" PRIu64 " %s\n", now - g->start_ns,
			      t->file >= 0 ? g->ts.f[t->file].name : t->text) < 0)
		die("--log: %s", strerror(errno));
}

/* --reflect: the request came back as it was sent (SPIi already matched). */
static void on_reflection(struct gen *g, const uint8_t *p, size_t len, const struct req *q,
			  uint64_t now)
{
	const uint8_t *nonce;
	size_t nlen;

	if (len != g->tmpl.m.len) {
		count_invalid(g, REDIRECT_BAD_LENGTH, p, len);
		return;
	}
	if ((p[19] & (IKE_FLAG_I | IKE_FLAG_R)) != IKE_FLAG_I) {
		count_invalid(g, REDIRECT_BAD_FLAGS, p, len);
		return;
	}
	if (!pkt_ike_find_nonce(p, len, &nonce, &nlen) || nlen != g->o.nonce_len ||
	    memcmp(nonce, q->nonce, nlen)) {
		count_invalid(g, REDIRECT_BAD_NONCE, p, len);
		return;
	}
	lat_add(&g->lat, now - q->sent_ns);
	g->valid++;
	g->last_valid_ns = now;
}

static void on_response(struct gen *g, const uint8_t *p, size_t len, uint64_t now)
{
	struct pkt_gw_ident id;
	enum redirect_verdict v;
	struct req *q;
	int32_t i;

	g->responses++;
	if (g->o.marker) {
		if (len < IKE_NON_ESP_MARKER_LEN || memcmp(p, "\0\0\0\0", IKE_NON_ESP_MARKER_LEN)) {
			count_invalid(g, INVALID_MARKER, p, len);
			return;
		}
		p += IKE_NON_ESP_MARKER_LEN;
		len -= IKE_NON_ESP_MARKER_LEN;
	}
	if (len < IKE_HDR_LEN) {
		count_invalid(g, REDIRECT_SHORT, p, len);
		return;
	}
	i = pool_find(&g->pool, p);
	if (i < 0) {
		g->unmatched++;
		return;
	}
	q = &g->pool.r[i];
	if (g->o.reflect) {
		on_reflection(g, p, len, q, now);
		pool_release(&g->pool, i);
		return;
	}
	v = redirect_check(p, len, q->spi, q->nonce, g->o.nonce_len, &id);
	if (v == REDIRECT_OK) {
		lat_add(&g->lat, now - q->sent_ns);
		valid_redirect(g, &id, now);
	} else {
		count_invalid(g, v, p, len);
	}
	pool_release(&g->pool, i);
}

/* Everything the socket holds now. */
static void receive(struct gen *g)
{
	for (;;) {
		int r = recvmmsg(g->fd, g->rx, g->o.batch, MSG_DONTWAIT, NULL);
		uint64_t now = now_ns();

		if (r < 0) {
			if (errno == ECONNREFUSED) {
				g->icmp_errors++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				die("receive: %s", strerror(errno));
			return;
		}
		for (int k = 0; k < r; k++)
			on_response(g, g->rx_buf[k], g->rx[k].msg_len, now);
		if ((unsigned)r < g->o.batch)
			return;
	}
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Sleeps until a response arrives or the next thing is due: a timeout, a
 * scheduled request, an arrival, the end of --duration. */
static void wait_event(struct gen *g, uint64_t now)
{
	uint64_t next = now + NSEC;
	struct pollfd pfd = { .fd = g->fd, .events = POLLIN };
	struct timespec ts;

	if (g->pool.head >= 0)
		next = min_u64(next, g->pool.r[g->pool.head].sent_ns + g->o.timeout_ns);
	if (may_issue(g, now) && pool_outstanding(&g->pool) < g->o.window) {
		if (g->o.rate <= 0)
			return; /* closed loop with room in the window: go on */
		next = min_u64(next, rate_due(g));
	}
	if (g->o.duration_s && now < g->stop_issue_ns)
		next = min_u64(next, g->stop_issue_ns);
	if (g->ts.q_len)
		next = min_u64(next, g->ts.q[g->ts.q_head].due_ns);
	if (g->ts.dirty)
		next = min_u64(next, g->ts.next_flush_ns);
	next = next > now ? next - now : 0;
	ts.tv_sec = (time_t)(next / NSEC);
	ts.tv_nsec = (long)(next % NSEC);
	if (ppoll(&pfd, 1, &ts, NULL) < 0 && errno != EINTR)
		die("poll: %s", strerror(errno));
}

static bool finished(const struct gen *g, uint64_t now)
{
	return !may_issue(g, now) && pool_outstanding(&g->pool) == 0 && g->ts.q_len == 0;
}

static void run(struct gen *g)
{
	uint64_t now;

	g->start_ns = now_ns();
	g->stop_issue_ns = g->start_ns + (uint64_t)(g->o.duration_s * 1e9);
	g->ts.next_flush_ns = g->start_ns;
	for (;;) {
		now = now_ns();
		issue(g, now);
		receive(g);
		now = now_ns();
		expire(g, now);
		if (g->o.count_dir)
			arrivals_run(&g->ts, &g->o, now, false);
		if (finished(g, now))
			break;
		wait_event(g, now);
		receive(g);
	}
	g->end_ns = now_ns();
	if (g->o.count_dir)
		arrivals_run(&g->ts, &g->o, g->end_ns, true);
}

/* ---- report ---------------------------------------------------------------------- */

static double elapsed_s(const struct gen *g)
{
	return (double)(g->end_ns - g->start_ns) / 1e9;
}

static double rate(const struct gen *g)
{
	if (!g->valid || g->last_valid_ns <= g->start_ns)
		return 0;
	return (double)g->valid * 1e9 / (double)(g->last_valid_ns - g->start_ns);
}

static const char *invalid_name(unsigned i)
{
	return i == INVALID_MARKER ? "bad_marker" : redirect_verdict_name(i);
}

/* Three decimals in both outputs (json-c would print 17 digits). */
static json_object *fixed3(double v)
{
	char s[64];

	snprintf(s, sizeof(s), "%.3f", v);
	return json_object_new_double_s(v, s);
}

/* Everything reported, as a JSON object; the key=value form prints it flat. */
static json_object *result(const struct gen *g)
{
	json_object *o = json_object_new_object(), *inv = json_object_new_object(),
		    *red = json_object_new_object(), *arr = json_object_new_object();
	const struct latency *l = &g->lat;
#define I(k, v) json_object_object_add(o, k, json_object_new_int64((int64_t)(v)))
#define D(k, v) json_object_object_add(o, k, fixed3(v))

	json_object_object_add(o, "address", json_object_new_string(g->o.address));
	I("port", g->o.port);
	I("marker", g->o.marker);
	I("size", g->tmpl.m.len);
	I("window", g->o.window);
	D("rate_limit", g->o.rate);
	I("requests", g->requests);
	I("sent", g->sent);
	I("retransmits", g->retransmits);
	I("responses", g->responses);
	I("valid", g->valid);
	I("invalid", g->invalid);
	I("unmatched", g->unmatched);
	I("lost", g->lost);
	I("send_errors", g->send_errors);
	I("icmp_errors", g->icmp_errors);
	D("elapsed_s", elapsed_s(g));
	D("rate", rate(g));
	D("rate_lag_max_ms", (double)g->lag_max_ns / 1e6);
	D("lat_min_us", (double)l->min / 1e3);
	D("lat_mean_us", l->n ? (double)l->sum / (double)l->n / 1e3 : 0);
	D("lat_p50_us", lat_quantile_us(l, 0.50));
	D("lat_p90_us", lat_quantile_us(l, 0.90));
	D("lat_p99_us", lat_quantile_us(l, 0.99));
	D("lat_max_us", (double)l->max / 1e3);
	I("targets_overflow", g->ts.overflow);
#undef I
#undef D
	for (unsigned i = 0; i <= REDIRECT_VERDICTS; i++)
		if (g->invalid_by[i])
			json_object_object_add(inv, invalid_name(i),
					       json_object_new_int64((int64_t)g->invalid_by[i]));
	for (unsigned i = 0; i < g->ts.n; i++)
		json_object_object_add(red, g->ts.t[i].text,
				       json_object_new_int64((int64_t)g->ts.t[i].redirects));
	for (unsigned i = 0; i < g->ts.n_files; i++)
		json_object_object_add(arr, g->ts.f[i].name,
				       json_object_new_int64(
					       (int64_t)(g->ts.f[i].base + g->ts.f[i].arrived)));
	json_object_object_add(o, "invalid_reasons", inv);
	json_object_object_add(o, "redirects", red);
	json_object_object_add(o, "arrivals", arr);
	return o;
}

static void print_flat(json_object *o, const char *prefix)
{
	json_object_object_foreach(o, k, v)
	{
		if (json_object_is_type(v, json_type_object)) {
			const char *p = !strcmp(k, "invalid_reasons") ? "invalid." : NULL;
			char sub[64];

			snprintf(sub, sizeof(sub), "%s.", k);
			print_flat(v, p ? p : sub);
		} else {
			printf("%s%s=%s\n", prefix, k, json_object_get_string(v));
		}
	}
}

static void report(const struct gen *g)
{
	json_object *o = result(g);

	if (g->o.json)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_flat(o, "");
	json_object_put(o);
	if (!g->o.quiet)
		fprintf(stderr,
			"ike_gen: %" PRIu64 " requests, %" PRIu64 " valid redirects in %.3f s "
			"(%.0f/s), %" PRIu64 " invalid, %" PRIu64 " unmatched, %" PRIu64
			" lost; latency p50 %.1f us, p99 %.1f us\n",
			g->requests, g->valid, elapsed_s(g), rate(g), g->invalid, g->unmatched,
			g->lost, lat_quantile_us(&g->lat, 0.5), lat_quantile_us(&g->lat, 0.99));
}

int main(int argc, char **argv)
{
	static struct gen g; /* large: the receive buffers */
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t seed;

	parse(argc, argv, &g.o);
	if (g.o.have_seed)
		seed = g.o.seed;
	else if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		die("getrandom: %s", strerror(errno));
	rng_seed(seed);
	tmpl_build(&g.tmpl, &g.o);
	pool_init(&g.pool, g.o.window);
	g.ts.dirfd = -1;
	if (g.o.count_dir) {
		g.ts.dirfd = open(g.o.count_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (g.ts.dirfd < 0)
			die("--count-dir %s: %s", g.o.count_dir, strerror(errno));
	}
	for (unsigned k = 0; k < MAX_BATCH; k++) {
		g.rx_iov[k] = (struct iovec){ g.rx_buf[k], RX_BUF };
		g.rx[k].msg_hdr = (struct msghdr){ .msg_iov = &g.rx_iov[k], .msg_iovlen = 1 };
	}
	g.verbose_left = 10;
	if (g.o.log && !(g.log = fopen(g.o.log, "we")))
		die("--log %s: %s", g.o.log, strerror(errno));
	socket_open(&g);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	run(&g);
	if (g.log && fclose(g.log))
		die("--log %s: %s", g.o.log, strerror(errno));
	report(&g);
	return g.invalid || g.unmatched || g.lost ? 1 : 0;
}
