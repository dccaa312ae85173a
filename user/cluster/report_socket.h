/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The report socket: one non-blocking UDP socket that sends this node's
 * reports and receives everyone else's.
 *
 * Multicast (no peers): bound to group:port with SO_REUSEADDR, tied to the
 * interface (SO_BINDTODEVICE), joined there, IP_MULTICAST_ALL off; sends
 * out of that interface with TTL / hop limit 255 and multicast loop OFF: a
 * node feeds its own report into its member table directly
 * (members_update_self), so its own datagrams never come back.  Receives
 * only datagrams that arrive with TTL / hop limit 255 (IP_RECVTTL,
 * IPV6_RECVHOPLIMIT): no router forwards a packet without lowering it, so
 * only a sender on the link can be heard (the GTSM idea, RFC 5082, and
 * VRRP's own rule).
 *
 * Unicast (peers given): bound to the wildcard address on port, on any
 * interface (peers may be routed); sends a copy to every peer that is not
 * an address of this host (the same peer list can be used on every node),
 * with the default TTL; receives only from the peers' addresses.  With an
 * IPv6 peer the socket is dual-stack and reaches IPv4 peers through mapped
 * addresses.
 *
 * These checks, like the decoder's size, magic, version, field and cluster
 * name checks, come before any HMAC is computed: a datagram that fails them
 * costs no cryptography.
 *
 * Use in an epoll loop:
 *     report_socket_open(&net, &params);            add report_socket_fd(&net), EPOLLIN
 *     on EPOLLIN:  report_socket_handle_readable(&net, members, now_ms, wall_ms);
 *     every [reports] interval_ms:
 *         r.seq++; (fill tunnels, state)
 *         report_socket_send_report(&net, &r, &key);
 *         members_update_self(members, &r, now_ms);
 *         members_tick(members, now_ms);
 */
#ifndef IKELB_REPORT_SOCKET_H
#define IKELB_REPORT_SOCKET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config/config.h"
#include "cluster/members.h"
#include "cluster/report_codec.h"

#define REPORT_SOCKET_RCVBUF (256 * 1024)
/* Datagrams handled per readable event; the rest wait for the next one,
 * so a flood cannot starve the rest of the event loop. */
#define REPORT_SOCKET_BATCH 64
/* TTL / hop limit of multicast reports, and the only one received. */
#define REPORT_SOCKET_TTL 255

struct report_socket_params {
	const char *ifname; /* multicast: required; unicast: ignored */
	struct ip_addr group; /* multicast group (used when n_peers == 0) */
	const struct ip_addr *peers; /* unicast peers, or NULL */
	unsigned n_peers; /* up to CFG_MAX_PEERS */
	uint16_t port;
};

struct report_socket_stats {
	uint64_t sent; /* datagrams handed to the kernel */
	uint64_t send_errors;
	uint64_t recv_errors;
	uint64_t truncated; /* larger than REPORT_MAX: counted as oversized too */
};

struct report_socket {
	int fd;
	int family;
	bool multicast;
	unsigned n_dst;
	unsigned skipped_local; /* peers that are this host's own addresses */
	struct ip_addr peers[CFG_MAX_PEERS]; /* unicast: the only sources heard */
	unsigned n_peers;
	struct sockaddr_storage dst[CFG_MAX_PEERS];
	socklen_t dst_len[CFG_MAX_PEERS];
	bool send_failing; /* for logging a failure once, not every interval */
	struct report_socket_stats stats;
	/* Other messages on the same socket (migration requests and grants):
	 * a datagram claim() returns true for was its, not a load report's.
	 * NULL: every datagram goes to the member table. */
	bool (*claim)(void *ctx, const uint8_t *buf, size_t len);
	void *claim_ctx;
	uint8_t buf[REPORT_MAX + 1];
};

/* Opens the socket; 0, or -1 with the reason logged (fd is then -1). */
int report_socket_open(struct report_socket *n, const struct report_socket_params *p);
void report_socket_close(struct report_socket *n);
static inline int report_socket_fd(const struct report_socket *n)
{
	return n->fd;
}

/* Sends one datagram to the group or every peer; returns how many
 * destinations took it (errors are counted and logged once per outage). */
unsigned report_socket_send(struct report_socket *n, const void *msg, size_t len);
/* Encodes and signs r, then sends it; -1 when r cannot be encoded. */
int report_socket_send_report(struct report_socket *n, const struct load_report *r,
			   const struct cluster_key *key);

/*
 * Reads up to REPORT_SOCKET_BATCH waiting datagrams and hands each to
 * claim, or else to the member table (now_ms monotonic, wall_ms since
 * 1970); those that fail the socket's checks are counted in the member
 * table (bad_ttl, not_peer, oversized when truncated), migration messages
 * included.  Returns the number read; call again on the next readable
 * event.
 */
unsigned report_socket_handle_readable(struct report_socket *n, struct members *m,
				       uint64_t now_ms, uint64_t wall_ms);

/*
 * Reads one datagram into buf (tools and tests).  Returns its full length
 * (more than size when truncated), 0 with *none set when nothing waits,
 * -1 on error.  *ttl is its TTL / hop limit (multicast sockets), or -1.
 */
ssize_t report_socket_recv(struct report_socket *n, uint8_t *buf, size_t size, bool *none,
			   struct sockaddr_storage *from, int *ttl);

/* Whether the socket takes a datagram from src with ttl (see above):
 * MEMBERS_ACCEPTED, MEMBERS_DROP_BAD_TTL or MEMBERS_DROP_NOT_PEER. */
enum members_verdict report_socket_admits(const struct report_socket *n,
					  const struct ip_addr *src, int ttl);

#endif
