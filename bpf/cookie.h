/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Stateless cookies (RFC 7296 2.6).  A cookie is the secret's version byte
 * and the 8-byte SipHash-2-4, keyed with that secret, of
 *
 *   SPIi (8) | source address (16; IPv4: 4, then 12 zeros) |
 *   source port (2, network order) | IP version (1: 4 or 6) | 5 zeros | Ni
 *
 * (the hash's 8 bytes little-endian, as SipHash defines its output).  A
 * retried request carries it as its first payload, N(COOKIE), with the
 * same SPIi and Ni, from the same address and port: the cookie shows that
 * the initiator receives at the address it claims, and costs the
 * responder no state.  Hashing is done only when cookies are on.
 */
#ifndef IKELB_BPF_COOKIE_H
#define IKELB_BPF_COOKIE_H

#include "bounds.h"
#include "request.h"
#include "siphash.h"

/*
 * Feeds the n bytes (8..IKE_NONCE_MAX) at offset off of the frame to s and
 * finishes the hash of a message of len_before + n bytes (len_before: the
 * whole words fed before): the full words, then the last 1..7 bytes from
 * the word that ends with them.  False when the frame is shorter.
 */
static __always_inline bool siphash_frame(struct siphash *s, void *data, void *data_end,
					  __u32 off, __u32 n, __u64 len_before, __u64 *out)
{
	__u64 tail = 0;
	__u8 *p;
	__u32 i;

	off = msg_off(off);
	if (n < 8 || n > IKE_NONCE_MAX)
		return false;
	for (i = 0; i < IKE_NONCE_MAX / 8; i++) {
		if (i * 8 + 8 > n)
			break;
		p = data + off + i * 8;
		if ((void *)(p + 8) > data_end)
			return false;
		siphash_word(s, *(__u64 *)p);
	}
	if (n & 7) {
		p = data + off + (n - 8);
		if ((void *)(p + 8) > data_end)
			return false;
		tail = *(__u64 *)p >> ((8 - (n & 7)) * 8);
	}
	*out = siphash_final(s, tail, len_before + n);
	return true;
}

/* The hash of the request's fields under key; false when the frame is
 * shorter than the request said (it is not: the request was checked). */
static __always_inline bool cookie_hash(void *data, void *data_end,
					const struct ikelb_request *r,
					const struct ikelb_cookie_secret *key, __u64 *out)
{
	struct udphdr *udp = data + hdr_off(r->l4_off);
	struct ike_hdr *ike = data + hdr_off(r->ike_off);
	struct siphash s;
	__u64 a0, a1, spi;

	if ((void *)(udp + 1) > data_end || (void *)(ike + 1) > data_end)
		return false;
	if (!r->ipv6) {
		struct iphdr *ip = data + hdr_off(r->l3_off);

		if ((void *)(ip + 1) > data_end)
			return false;
		a0 = ip->saddr;
		a1 = 0;
	} else {
		struct ipv6hdr *ip6 = data + hdr_off(r->l3_off);

		if ((void *)(ip6 + 1) > data_end)
			return false;
		a0 = ((__u64 *)&ip6->saddr)[0];
		a1 = ((__u64 *)&ip6->saddr)[1];
	}
	__builtin_memcpy(&spi, ike->spi_i, sizeof(spi));
	siphash_init(&s, key->key[0], key->key[1]);
	siphash_word(&s, spi);
	siphash_word(&s, a0);
	siphash_word(&s, a1);
	/* source port as on the wire, then the IP version, then zeros */
	siphash_word(&s, (__u64)udp->source | (__u64)(r->ipv6 ? 6 : 4) << 16);
	return siphash_frame(&s, data, data_end, r->nonce_off, r->nonce_len, 32, out);
}

/*
 * The current secret: the valid entry whose version is one more than the
 * other's, or the only valid one; NULL when there is none.
 */
static __always_inline struct ikelb_cookie_secret *
current_secret(struct ikelb_cookie_secret *e0, struct ikelb_cookie_secret *e1)
{
	if (!e0->valid)
		return e1->valid ? e1 : NULL;
	if (!e1->valid)
		return e0;
	return (__u8)(e0->version + 1) == e1->version ? e1 : e0;
}

#endif
