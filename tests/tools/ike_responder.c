// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ike_responder: a UDP server that answers IKE_SA_INIT requests with the
 * REDIRECT of tests/lib/pkt.c, and damages every Nth answer on purpose, so
 * that tests can check what ike_gen makes of good and bad responses.
 *
 *   ike_responder [--marker] [--damage KIND --every N] ADDRESS PORT IDENT...
 *
 * Answers go round-robin to the identities IDENT (IPv4, IPv6 or FQDN text).
 * KIND: nonce (last Ni byte flipped), flags (I set as well as R), spi (SPIi
 * changed), extra (a Vendor ID payload after the Notify), ident (the
 * identity type 9), drop (no answer), dup (the answer twice).  N counts
 * datagrams received, retransmissions included: datagrams N, 2N, ... are
 * damaged.  Prints "ready" when listening; runs until SIGTERM, then prints
 * "received=N answered=N damaged=N ignored=N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/pkt.h"

enum damage { D_NONE, D_NONCE, D_FLAGS, D_SPI, D_EXTRA, D_IDENT, D_DROP, D_DUP };

static const char *const damage_names[] = { "none",  "nonce", "flags", "spi",
					    "extra", "ident", "drop",  "dup" };

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: ike_responder [--marker] [--damage KIND --every N] ADDRESS PORT "
			"IDENT...\n"
			"KIND: nonce flags spi extra ident drop dup\n");
	exit(2);
}

static int open_socket(const char *addr, int port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		len = sizeof(struct sockaddr_in6);
	} else {
		usage();
	}
	ss.ss_family = len == sizeof(struct sockaddr_in) ? AF_INET : AF_INET6;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len)) {
		perror("ike_responder: socket");
		exit(2);
	}
	return fd;
}

/* The answer to request ike (without marker) in out (after marker room);
 * returns the IKE length, 0 when the request has no nonce. */
static size_t answer(uint8_t *out, size_t cap, const uint8_t *ike, size_t len,
		     const struct pkt_gw_ident *id, enum damage d)
{
	struct pkt_gw_ident bad = *id;
	const uint8_t *nonce;
	size_t nlen, n;

	if (len < 28 || !pkt_ike_find_nonce(ike, len, &nonce, &nlen))
		return 0;
	if (d == D_IDENT)
		bad.type = 9;
	n = pkt_ike_redirect(out, cap, ike, &bad, nonce, nlen);
	if (!n)
		return 0;
	switch (d) {
	case D_NONCE: out[n - 1] ^= 0xff; break;
	case D_FLAGS: out[19] |= 0x08; break;
	case D_SPI: out[0] ^= 0x5a; break;
	case D_EXTRA:
		/* Notify's next payload: Vendor ID; a 4-byte empty one at the end */
		out[28] = 43;
		memset(out + n, 0, 4);
		out[n + 3] = 4;
		n += 4;
		out[24] = (uint8_t)(n >> 24);
		out[25] = (uint8_t)(n >> 16);
		out[26] = (uint8_t)(n >> 8);
		out[27] = (uint8_t)n;
		break;
	default: break;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct pkt_gw_ident ids[16];
	unsigned n_ids = 0, every = 0, next_id = 0;
	unsigned long received = 0, answered = 0, damaged = 0, ignored = 0;
	enum damage kind = D_NONE;
	struct sigaction sa = { .sa_handler = on_term };
	bool marker = false;
	int i = 1, fd;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--marker")) {
			marker = true;
		} else if (!strcmp(argv[i], "--damage") && i + 1 < argc) {
			kind = D_NONE;
			for (unsigned k = 0; k < sizeof(damage_names) / sizeof(*damage_names); k++)
				if (!strcmp(argv[i + 1], damage_names[k]))
					kind = (enum damage)k;
			if (kind == D_NONE)
				usage();
			i++;
		} else if (!strcmp(argv[i], "--every") && i + 1 < argc) {
			every = (unsigned)atoi(argv[++i]);
		} else {
			usage();
		}
	}
	if (argc - i < 3 || (kind != D_NONE && !every))
		usage();
	fd = open_socket(argv[i], atoi(argv[i + 1]));
	for (i += 2; i < argc && n_ids < 16; i++)
		if (!pkt_gw_ident_parse(&ids[n_ids++], argv[i]))
			usage();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		uint8_t req[4096], rsp[PKT_IKE_MAX + 8];
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		size_t mk = marker ? 4 : 0, n;
		enum damage d;
		ssize_t len = recvfrom(fd, req, sizeof(req), 0, (struct sockaddr *)&from, &flen);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			perror("ike_responder: recvfrom");
			return 1;
		}
		received++;
		d = every && received % every == 0 ? kind : D_NONE;
		memset(rsp, 0, mk);
		if ((size_t)len < mk || (mk && memcmp(req, "\0\0\0\0", 4)) ||
		    !(n = answer(rsp + mk, sizeof(rsp) - mk - 4, req + mk, (size_t)len - mk,
				 &ids[next_id % n_ids], d))) {
			ignored++;
			continue;
		}
		next_id++;
		damaged += d != D_NONE;
		if (d == D_DROP)
			continue;
		for (int k = 0; k < (d == D_DUP ? 2 : 1); k++)
			sendto(fd, rsp, mk + n, 0, (struct sockaddr *)&from, flen);
		answered++;
	}
	printf("received=%lu answered=%lu damaged=%lu ignored=%lu\n", received, answered, damaged,
	       ignored);
	return 0;
}
