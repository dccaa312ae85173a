/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Packet builder for tests, benchmarks and the lab: Ethernet frames with
 * 0..2 VLAN tags, IPv4/IPv6, UDP (optionally behind the non-ESP marker),
 * IKEv2 messages with any payload chain, and the answers ikelb gives: the
 * REDIRECT (RFC 5685) and the COOKIE response (RFC 7296 2.6).  Written from
 * the RFCs and docs/ only, never from the XDP program, so tests can compare
 * the program's output against it.
 * Multi-byte values in the structs are in host order unless named _be.
 */
#ifndef IKELB_TESTS_PKT_H
#define IKELB_TESTS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_FRAME_MAX 4096
#define PKT_IKE_MAX 3072

struct pkt_flow {
	uint8_t src_mac[6], dst_mac[6];
	int nvlan; /* 0..2, outer tag first */
	uint16_t vlan_tpid[2]; /* 0x8100 or 0x88a8 */
	uint16_t vlan_tci[2];
	int family; /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16]; /* IPv4: first 4 bytes */
	uint8_t ttl; /* TTL or hop limit */
	uint8_t tos; /* IPv4 TOS or IPv6 traffic class */
	uint16_t ip_id; /* IPv4 */
	uint16_t frag_off; /* IPv4 flags (DF 0x4000, MF 0x2000) and offset */
	uint32_t flow_label; /* IPv6, 20 bits */
	uint8_t ip_proto; /* 0: UDP (17) */
	uint8_t ip_opt_len; /* IPv4 options (NOPs and an EOL), 0..40, multiple of 4 */
	bool v6_ext; /* IPv6: an 8-byte extension header before the payload */
	uint8_t v6_ext_type; /* its next-header value (0, 43, 44, 60) */
	uint16_t sport, dport;
	bool marker; /* four zero bytes (non-ESP marker) before the payload */
	size_t l2_pad; /* link-layer padding bytes after the IP packet */
};

/* A flow from src to dst (numeric addresses; the family follows from
 * them) with fixed MACs and distinctive TTL/TOS/ID/flow label values. */
bool pkt_flow_init(struct pkt_flow *f, const char *src, const char *dst, uint16_t sport,
		   uint16_t dport);
/* Adds a VLAN tag inside the existing ones; false when two are there. */
bool pkt_flow_add_vlan(struct pkt_flow *f, uint16_t tpid, uint16_t tci);
/* The flow of a reply: MACs, addresses and ports swapped, TTL/hop limit ttl,
 * everything else (VLAN tags, TOS, ID, DF, flow label, marker) kept. */
void pkt_flow_reply(const struct pkt_flow *req, struct pkt_flow *rsp, uint8_t ttl);

/* Offsets into a frame of flow f. */
size_t pkt_l3_off(const struct pkt_flow *f);
size_t pkt_l4_off(const struct pkt_flow *f);
size_t pkt_payload_off(const struct pkt_flow *f); /* after UDP header and marker */

/* Builds the frame of flow f carrying payload (after the marker, if any),
 * with correct lengths, IPv4 header checksum and UDP checksum.  Returns its
 * length (including l2_pad), or 0 when it does not fit in cap. */
size_t pkt_build(uint8_t *out, size_t cap, const struct pkt_flow *f, const void *payload,
		 size_t len);

/* Builds the frame of flow f whose IP packet carries payload as protocol
 * proto, without a UDP header (ESP: RFC 4303).  Returns its length or 0. */
size_t pkt_build_ip(uint8_t *out, size_t cap, const struct pkt_flow *f, uint8_t proto,
		    const void *payload, size_t len);

/*
 * One fragment (RFC 791 2.3 and 3.2; RFC 8200 4.5) of the IP datagram in
 * frame (len bytes, built for flow f, without IPv4 options or IPv6
 * extension headers): bytes [off, off + n) of what the IP header carries
 * (off a multiple of 8), with MF / M set when more follows, identification
 * id (IPv4: its low 16 bits).  IPv4: the header's offset, flags, length
 * and checksum; IPv6: a fragment header after the fixed header.  Returns
 * the fragment's frame length, or 0.
 */
size_t pkt_fragment(uint8_t *out, size_t cap, const uint8_t *frame, size_t len,
		    const struct pkt_flow *f, size_t off, size_t n, bool more, uint32_t id);

/* The frame a steering sends on (docs/xdp.md, "Steering"): frame unchanged
 * but for its Ethernet destination (to) and source (from). */
void pkt_steered(uint8_t *out, const uint8_t *frame, size_t len, const uint8_t to[6],
		 const uint8_t from[6]);

/*
 * Parses an Ethernet frame (0..2 VLAN tags, IPv4 without options or IPv6
 * without extension headers, UDP) into f and the UDP payload's offset and
 * length; with natt, four leading zero bytes are taken as the marker.
 * Returns false for anything else.
 */
bool pkt_parse(const uint8_t *frame, size_t len, bool natt, struct pkt_flow *f,
	       size_t *payload_off, size_t *payload_len);

/* RFC 1071 Internet checksum: one's-complement sum of 16-bit big-endian
 * words, starting from sum (a partial sum), folded but not inverted. */
uint16_t pkt_csum_fold(const void *data, size_t len, uint32_t sum);

/* ---- IKEv2 messages (RFC 7296) ---------------------------------------- */

struct pkt_ike {
	uint8_t buf[PKT_IKE_MAX];
	size_t len;
	size_t link_off; /* the next-payload byte the next payload is linked into */
};

/* Header only: SPIi, SPIr zero, version 0x20, message ID 0, length 28. */
void pkt_ike_init(struct pkt_ike *m, const uint8_t spi_i[8], uint8_t exchange, uint8_t flags);
/* An IKE_SA_INIT request header (I set). */
void pkt_ike_init_request(struct pkt_ike *m, const uint8_t spi_i[8]);
/* Appends a payload with a 4-byte generic header; updates the chain and the
 * IKE length.  The length field is 4 + len.  False when it does not fit. */
bool pkt_ike_add(struct pkt_ike *m, uint8_t type, const void *body, size_t len);
/* Notify: protocol 0, SPI size 0, type, data. */
bool pkt_ike_add_notify(struct pkt_ike *m, uint16_t type, const void *data, size_t len);
bool pkt_ike_add_nonce(struct pkt_ike *m, const uint8_t *nonce, size_t len);
/* A small SA payload (one IKE proposal, AES-CBC-128/SHA256/x25519). */
bool pkt_ike_add_sa(struct pkt_ike *m);
/* KE payload: DH group and len bytes of key data derived from seed. */
bool pkt_ike_add_ke(struct pkt_ike *m, uint16_t group, size_t len, uint8_t seed);
bool pkt_ike_add_vendor(struct pkt_ike *m, const void *vid, size_t len);
/* Overwrites fields of the header (tests of not-a-request cases). */
void pkt_ike_set_u32(struct pkt_ike *m, size_t off, uint32_t v);

/*
 * The IKE_SA_INIT request strongSwan 5.9 sends with its default proposals
 * (SA of two proposals, KE x25519, Nonce, NAT_DETECTION_SOURCE_IP and
 * _DESTINATION_IP, FRAGMENTATION_SUPPORTED, SIGNATURE_HASH_ALGORITHMS,
 * REDIRECT_SUPPORTED), 892 bytes with a 32-byte nonce.  NAT-D hashes and the
 * KE value are filler derived from SPIi.
 */
bool pkt_ike_strongswan_sa_init(struct pkt_ike *m, const uint8_t spi_i[8],
				const uint8_t *nonce, size_t nonce_len);

/* The payloads of an IKE message in order; false when the chain does not
 * walk to the message end.  types may be NULL; *n is set to the count. */
bool pkt_ike_payloads(const uint8_t *ike, size_t len, uint8_t *types, size_t max, size_t *n);
/* The first Nonce payload's data, or false. */
bool pkt_ike_find_nonce(const uint8_t *ike, size_t len, const uint8_t **nonce, size_t *nlen);

/* ---- the REDIRECT response (RFC 5685, docs/xdp.md) --------------------- */

struct pkt_gw_ident {
	uint8_t type; /* 1 IPv4, 2 IPv6, 3 FQDN */
	uint8_t len;
	uint8_t data[255];
};

/* An identity from text: an IPv4 or IPv6 address, else an FQDN. */
bool pkt_gw_ident_parse(struct pkt_gw_ident *id, const char *text);

/* The IKE message: header (SPIi, SPIr 0, next 41, 0x20, 34, R, ID 0) and
 * one REDIRECT notify carrying the identity and the nonce.  Returns its
 * length, or 0 when it does not fit. */
size_t pkt_ike_redirect(uint8_t *out, size_t cap, const uint8_t spi_i[8],
			const struct pkt_gw_ident *id, const uint8_t *nonce, size_t nonce_len);

/* The flow of an answer to a request sent on flow req: pkt_flow_reply()
 * with TTL 64 and TOS / traffic class 0 (a request's ECN bits describe its
 * own path and are not sent back, RFC 3168); the flow label is kept. */
void pkt_flow_answer(const struct pkt_flow *req, struct pkt_flow *rsp);

/* The whole response frame to a request sent on flow req: the answer flow
 * carrying pkt_ike_redirect().  Returns its length or 0. */
size_t pkt_build_redirect(uint8_t *out, size_t cap, const struct pkt_flow *req,
			  const uint8_t spi_i[8], const struct pkt_gw_ident *id,
			  const uint8_t *nonce, size_t nonce_len);

/* ---- cookies (RFC 7296 2.6) ---------------------------------------------- */

#define PKT_COOKIE_LEN 9

/* SipHash-2-4 with a 64-bit output (OpenSSL's): out is the hash's 8 bytes,
 * little-endian.  False when OpenSSL fails. */
bool pkt_siphash(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[8]);

/*
 * The cookie ikelb's XDP program gives a request (docs/xdp.md): the
 * secret's version byte, then SipHash-2-4 (OpenSSL's, 8-byte output) keyed
 * with key of SPIi | source address (16 bytes, IPv4 zero-padded) | source
 * port (network order) | IP version | 5 zero bytes | Ni.  The source is
 * req's.  False when OpenSSL fails.
 */
bool pkt_cookie(uint8_t out[PKT_COOKIE_LEN], uint8_t version, const uint8_t key[16],
		const struct pkt_flow *req, const uint8_t spi_i[8], const uint8_t *nonce,
		size_t nonce_len);

/* Appends N(COOKIE) carrying cookie (call it first: a retried request
 * carries it as its first payload). */
bool pkt_ike_add_cookie(struct pkt_ike *m, const uint8_t *cookie, size_t len);

/* The IKE_SA_INIT response carrying only N(COOKIE): header (SPIi, SPIr 0,
 * next 41, 0x20, 34, R, ID 0) and the notify.  Returns its length or 0. */
size_t pkt_ike_cookie_response(uint8_t *out, size_t cap, const uint8_t spi_i[8],
			       const uint8_t *cookie, size_t len);

/* The whole answer frame carrying pkt_ike_cookie_response(). */
size_t pkt_build_cookie_answer(uint8_t *out, size_t cap, const struct pkt_flow *req,
			       const uint8_t spi_i[8], const uint8_t *cookie, size_t len);

#endif
