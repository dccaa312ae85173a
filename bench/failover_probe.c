// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark 4's probe: requests at a fixed pace to the VIP, the SIGKILL of
 * the master's daemon sent by the probe itself (so the kill time is exact),
 * and what came back afterwards.
 *
 *   failover_probe ike  -a VIP [-p PORT] -k PID [-o OLD] [-i US] [-w MS] [-d MS]
 *                       [-A ADVERT_SRC -I IF -P US]
 *   failover_probe echo -a VIP [-p PORT] -k PID  -o OLD  [-i US] [-w MS] [-d MS]
 *                       [-A ADVERT_SRC -I IF -P US]
 *   failover_probe serve -n NAME [-p PORT]
 *
 * ike:   every request is strongSwan's IKE_SA_INIT with SPIi = sequence
 *        number and its own nonce; an answer counts when it is a REDIRECT
 *        for that SPIi carrying exactly that nonce (any other answer is
 *        "invalid").  The old master's XDP program dies with its daemon a
 *        moment after the kill; the new master's first answer is the first
 *        one after the gap that follows.
 * echo:  for keepalived: each request is "seq"; `serve` on every node answers
 *        "NAME seq"; an answer from OLD (the killed node, whose VIP stays
 *        behind) does not count as the takeover.
 * serve: the UDP responder for echo, on every node.
 *
 * One request every US microseconds (default 500); the kill after MS of
 * warm-up (-w, default 1000), then MS more (-d).  With -A, the kill is timed
 * from the master's adverts instead: the probe listens on IF (-I) for VRRP
 * adverts (IPv4, protocol 112) from ADVERT_SRC and, once the warm-up is over,
 * kills P microseconds (-P) after the next one arrives, so that a benchmark
 * can put the kill at any phase of the advert interval (P near 0: just
 * after an advert, the worst case: the backup's master-down timer has just
 * been restarted).  Receive times are the kernel's (SO_TIMESTAMPNS).
 * Prints one line of key=value:
 *   takeover_ms  kill -> first valid answer from the new node: the first
 *                answer to a request sent after the first request (sent
 *                after the kill) that got none; -1 when none came
 *   warm_lost    requests sent more than 5 ms before the kill with no
 *                valid answer
 *   lost_after   requests sent after that first answer that got none
 *                within 200 ms
 *   phase_ms     (with -A) kill - the last advert from ADVERT_SRC before it
 *   old_after, invalid, sent
 * Exits 1 (and prints nothing) when no advert came within 10 s of the
 * warm-up's end: a trial without its figure must not pass.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_xdp.h"
#include "ike.h"
#include "../tests/lib/pkt.h"

#define NONCE_LEN 32
#define VRRP_PROTO 112
#define ADVERT_WAIT_NS 10000000000ll
#define ANSWER_WAIT_NS 200000000ll
#define MAX_REQ (1u << 22)

enum mode { M_IKE, M_ECHO };

struct req {
	int64_t sent; /* ns, CLOCK_REALTIME like SO_TIMESTAMPNS */
	int64_t answered; /* 0: no valid answer yet */
};

struct probe {
	enum mode mode;
	int fd;
	struct sockaddr_storage to;
	socklen_t to_len;
	const char *old;
	struct req *reqs;
	uint32_t n;
	int64_t kill_at; /* ns */
	uint64_t old_after, invalid;
	/* -A: the adverts the kill is timed from */
	int advert_fd;
	struct in_addr advert_src;
	int64_t last_advert; /* ns, receive time */
};

static void die(const char *what)
{
	fprintf(stderr, "failover_probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void nonce_of(uint64_t seq, uint8_t nonce[NONCE_LEN])
{
	uint64_t spi = htobe64(seq + 1), n0 = bench_nonce_of(spi);

	memcpy(nonce, &n0, 8);
	for (int i = 8; i < NONCE_LEN; i++)
		nonce[i] = (uint8_t)(seq >> (i % 4 * 8)) ^ (uint8_t)i;
}

static void send_req(struct probe *p)
{
	uint8_t buf[PKT_IKE_MAX];
	size_t len;
	uint32_t seq = p->n;

	if (p->mode == M_IKE) {
		struct pkt_ike m;
		uint64_t spi = htobe64((uint64_t)seq + 1);
		uint8_t nonce[NONCE_LEN];

		nonce_of(seq, nonce);
		if (!pkt_ike_strongswan_sa_init(&m, (const uint8_t *)&spi, nonce, NONCE_LEN))
			die("building a request");
		memcpy(buf, m.buf, m.len);
		len = m.len;
	} else {
		len = (size_t)snprintf((char *)buf, sizeof(buf), "%u", seq);
	}
	p->reqs[seq].sent = now_ns();
	p->reqs[seq].answered = 0;
	p->n++;
	if (sendto(p->fd, buf, len, 0, (struct sockaddr *)&p->to, p->to_len) < 0 &&
	    errno != ECONNREFUSED && errno != EHOSTUNREACH && errno != EAGAIN)
		die("sendto");
}

/* The request an IKE answer belongs to, or -1: a REDIRECT with its nonce. */
static int64_t ike_answer(const struct probe *p, const uint8_t *b, size_t len)
{
	uint8_t nonce[NONCE_LEN];
	uint64_t spi;
	size_t id_len, nl;

	if (len < IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN)
		return -1;
	memcpy(&spi, b, 8);
	spi = be64toh(spi);
	if (spi == 0 || spi > p->n || b[17] != IKE_VERSION_2 || b[18] != IKE_EXCH_SA_INIT ||
	    b[19] != IKE_FLAG_R || b[16] != IKE_PL_NOTIFY)
		return -1;
	if (((size_t)b[24] << 24 | (size_t)b[25] << 16 | (size_t)b[26] << 8 | b[27]) != len ||
	    (b[34] << 8 | b[35]) != IKE_N_REDIRECT)
		return -1;
	id_len = b[37];
	nl = len - IKE_HDR_LEN - IKE_REDIRECT_FIXED_LEN - id_len;
	if (IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + id_len > len || nl != NONCE_LEN)
		return -1;
	nonce_of(spi - 1, nonce);
	if (memcmp(b + IKE_HDR_LEN + IKE_REDIRECT_FIXED_LEN + id_len, nonce, NONCE_LEN))
		return -1;
	return (int64_t)(spi - 1);
}

/* "NAME seq": the request, and whether the old node answered. */
static int64_t echo_answer(const struct probe *p, char *b, size_t len, bool *old)
{
	char *sp;
	unsigned long seq;

	b[len] = 0;
	sp = strchr(b, ' ');
	if (!sp)
		return -1;
	*sp = 0;
	seq = strtoul(sp + 1, NULL, 10);
	if (seq >= p->n)
		return -1;
	*old = p->old && !strcmp(b, p->old);
	return (int64_t)seq;
}

static void receive(struct probe *p)
{
	uint8_t buf[PKT_IKE_MAX + 1];
	char cbuf[256];

	for (;;) {
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t r = recvmsg(p->fd, &mh, MSG_DONTWAIT);
		int64_t t = 0, seq;
		bool old = false;

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH)
				continue; /* the stale VIP's ICMP: no answer */
			die("recvmsg");
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			}
		if (!t)
			t = now_ns();
		seq = p->mode == M_IKE ? ike_answer(p, buf, (size_t)r)
				       : echo_answer(p, (char *)buf, (size_t)r, &old);
		if (seq < 0) {
			p->invalid++;
			continue;
		}
		if (p->kill_at && p->reqs[seq].sent >= p->kill_at && old) {
			p->old_after++;
			continue;
		}
		if (!p->reqs[seq].answered)
			p->reqs[seq].answered = t;
	}
}

static bool answered(const struct req *r)
{
	return r->answered && r->answered - r->sent <= ANSWER_WAIT_NS;
}

/* -A: a raw socket for the VRRP group on IF, kernel receive times on. */
static int advert_socket(const char *ifname)
{
	struct ip_mreqn mr = { .imr_ifindex = (int)if_nametoindex(ifname) };
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, VRRP_PROTO), on = 1;

	inet_pton(AF_INET, "224.0.0.18", &mr.imr_multiaddr);
	if (fd < 0 || !mr.imr_ifindex ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)))
		die("advert socket");
	return fd;
}

/* Reads the adverts that arrived; notes when the last one from the master
 * came.  Returns whether one did. */
static bool read_adverts(struct probe *p)
{
	bool seen = false;

	for (;;) {
		uint8_t buf[2048];
		char cbuf[256];
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t r = recvmsg(p->advert_fd, &mh, MSG_DONTWAIT);
		int64_t t = 0;

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return seen;
			die("recvmsg (adverts)");
		}
		if (r < 20 || memcmp(buf + 12, &p->advert_src, 4))
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			}
		p->last_advert = t ? t : now_ns();
		seen = true;
	}
}

/* When the new node answered first: after the gap that follows the kill. */
static int64_t takeover(const struct probe *p)
{
	int64_t first = 0;
	uint32_t i = 0;

	while (i < p->n && (p->reqs[i].sent < p->kill_at || answered(&p->reqs[i])))
		i++;
	for (; i < p->n; i++)
		if (answered(&p->reqs[i]) && (!first || p->reqs[i].answered < first))
			first = p->reqs[i].answered;
	return first;
}

static void serve(const char *name, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char in[2048], out[2200];

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(fd, in, sizeof(in) - 1, 0, (struct sockaddr *)&from, &fl);
		int n;

		if (r < 0)
			continue;
		in[r] = 0;
		n = snprintf(out, sizeof(out), "%s %s", name, in);
		sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: failover_probe ike|echo -a VIP [-p PORT] -k PID [-o OLD] "
			"[-i US] [-w MS] [-d MS] [-A ADVERT_SRC -I IF -P US]\n"
			"       failover_probe serve -n NAME [-p PORT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct probe p = { 0 };
	const char *vip = NULL, *name = NULL;
	long interval_us = 500, warm_ms = 1000, after_ms = 2000, phase_us = -1;
	const char *advert_src = NULL, *advert_if = NULL;
	int opt, port = 500, one = 1;
	pid_t victim = 0;
	int64_t start, stop, next, first, kill_due = 0, warm_end, phase = -1;
	uint64_t warm_lost = 0, lost_after = 0;

	if (argc < 2)
		usage();
	while ((opt = getopt(argc - 1, argv + 1, "a:p:k:o:i:w:d:n:A:I:P:")) != -1) {
		switch (opt) {
		case 'a': vip = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'k': victim = (pid_t)atoi(optarg); break;
		case 'o': p.old = optarg; break;
		case 'i': interval_us = atol(optarg); break;
		case 'w': warm_ms = atol(optarg); break;
		case 'd': after_ms = atol(optarg); break;
		case 'n': name = optarg; break;
		case 'A': advert_src = optarg; break;
		case 'I': advert_if = optarg; break;
		case 'P': phase_us = atol(optarg); break;
		default: usage();
		}
	}
	if (!strcmp(argv[1], "serve")) {
		if (!name)
			usage();
		serve(name, port);
	}
	if (strcmp(argv[1], "ike") && strcmp(argv[1], "echo"))
		usage();
	p.mode = strcmp(argv[1], "ike") ? M_ECHO : M_IKE;
	if (!vip || victim <= 0 || interval_us < 10 || warm_ms < 1 || after_ms < 1 ||
	    (p.mode == M_ECHO && !p.old) || !advert_src != !advert_if ||
	    !advert_src != (phase_us < 0))
		usage();
	p.advert_fd = -1;
	if (advert_src) {
		if (inet_pton(AF_INET, advert_src, &p.advert_src) != 1)
			usage();
		p.advert_fd = advert_socket(advert_if);
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)&p.to;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, vip, &a->sin_addr) != 1)
			usage();
		p.to_len = sizeof(*a);
	}
	p.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (p.fd < 0 || setsockopt(p.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		die("socket");
	p.reqs = calloc(MAX_REQ, sizeof(*p.reqs));
	if (!p.reqs)
		die("calloc");

	start = now_ns();
	warm_end = start + warm_ms * 1000000ll;
	stop = warm_end + after_ms * 1000000ll;
	if (advert_src)
		stop += ADVERT_WAIT_NS; /* moved to the kill once it is known */
	else
		kill_due = warm_end;
	next = start;
	while (now_ns() < stop + ANSWER_WAIT_NS) {
		int64_t t = now_ns(), wait;
		struct pollfd pf = { .fd = p.fd, .events = POLLIN };
		struct timespec ts;

		if (advert_src && read_adverts(&p) && !kill_due && p.last_advert >= warm_end)
			kill_due = p.last_advert + phase_us * 1000;
		if (advert_src && !kill_due && t > warm_end + ADVERT_WAIT_NS) {
			fprintf(stderr, "failover_probe: no advert from %s within %lld s\n", advert_src,
				ADVERT_WAIT_NS / 1000000000);
			return 1;
		}
		if (!p.kill_at && kill_due && t >= kill_due) {
			p.kill_at = now_ns();
			if (kill(victim, SIGKILL))
				die("kill");
			if (advert_src) {
				phase = p.kill_at - p.last_advert;
				stop = p.kill_at + after_ms * 1000000ll;
			}
		}
		if (t >= next && t < stop && p.n < MAX_REQ) {
			send_req(&p);
			next += interval_us * 1000;
		}
		receive(&p);
		wait = next - now_ns();
		if (kill_due && !p.kill_at && kill_due - now_ns() < wait)
			wait = kill_due - now_ns();
		if (wait > 0) {
			ts.tv_sec = 0;
			ts.tv_nsec = wait > 1000000 ? 1000000 : wait;
			ppoll(&pf, 1, &ts, NULL);
		}
	}
	first = takeover(&p);
	for (uint32_t i = 0; i < p.n; i++) {
		const struct req *r = &p.reqs[i];

		if (r->sent < p.kill_at - 5000000) /* not racing the kill */
			warm_lost += !answered(r);
		else if (first && r->sent > first)
			lost_after += !answered(r);
	}
	printf("takeover_ms=%.1f warm_lost=%llu lost_after=%llu old_after=%llu invalid=%llu "
	       "sent=%u",
	       first ? (double)(first - p.kill_at) / 1e6 : -1.0,
	       (unsigned long long)warm_lost, (unsigned long long)lost_after,
	       (unsigned long long)p.old_after, (unsigned long long)p.invalid, p.n);
	if (phase >= 0)
		printf(" phase_ms=%.2f", (double)phase / 1e6);
	printf("\n");
	return 0;
}
