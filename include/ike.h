/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * IKEv2 wire constants (RFC 7296, RFC 5685, RFC 3948) shared by the XDP
 * program, the daemon and the tests.  Multi-byte fields are big-endian on
 * the wire; the structs below are packed wire images.
 */
#ifndef IKELB_IKE_H
#define IKELB_IKE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define IKE_PORT 500
#define IKE_NATT_PORT 4500
#define IKE_NON_ESP_MARKER_LEN 4

#define IKE_HDR_LEN 28
#define IKE_PAYLOAD_HDR_LEN 4
#define IKE_NOTIFY_HDR_LEN 8 /* generic payload header + proto, spi size, type */

#define IKE_VERSION_2 0x20
#define IKE_MAJOR_MASK 0xf0

#define IKE_FLAG_R 0x20
#define IKE_FLAG_V 0x10
#define IKE_FLAG_I 0x08

#define IKE_EXCH_SA_INIT 34
#define IKE_EXCH_AUTH 35
#define IKE_EXCH_CREATE_CHILD_SA 36
#define IKE_EXCH_INFORMATIONAL 37

#define IKE_PL_NONE 0
#define IKE_PL_SA 33
#define IKE_PL_KE 34
#define IKE_PL_IDI 35
#define IKE_PL_NONCE 40
#define IKE_PL_NOTIFY 41
#define IKE_PL_DELETE 42
#define IKE_PL_VENDOR 43

#define IKE_N_COOKIE 16390
#define IKE_N_REDIRECT_SUPPORTED 16406
#define IKE_N_REDIRECT 16407
#define IKE_N_REDIRECTED_FROM 16408

/* RFC 5685 gateway identity types */
#define IKE_GW_ID_IPV4 1
#define IKE_GW_ID_IPV6 2
#define IKE_GW_ID_FQDN 3
#define IKE_GW_ID_MAX_LEN 255

#define IKE_COOKIE_MAX 64 /* RFC 7296 2.6: 1..64 bytes of data */

#define IKE_NONCE_MIN 16
#define IKE_NONCE_MAX 256

/* A REDIRECT notify: header, GW ident type, GW ident length, ident, Ni. */
#define IKE_REDIRECT_FIXED_LEN (IKE_NOTIFY_HDR_LEN + 2)

/*
 * The layouts are naturally aligned, so packing changes nothing but the
 * code: user space packs them (it may read them from unaligned buffers),
 * the BPF program does not, so that clang loads 16- and 32-bit fields
 * whole instead of byte by byte (x86 and arm64 JITs load unaligned packet
 * data fine).
 */
#ifdef __bpf__
#define IKE_PACKED
#else
#define IKE_PACKED __attribute__((packed))
#endif

struct ike_hdr {
	__u8 spi_i[8];
	__u8 spi_r[8];
	__u8 next_payload;
	__u8 version;
	__u8 exchange;
	__u8 flags;
	__be32 msg_id;
	__be32 length;
} IKE_PACKED;

struct ike_payload_hdr {
	__u8 next_payload;
	__u8 flags; /* critical bit 0x80, rest reserved */
	__be16 length; /* including this header */
} IKE_PACKED;

struct ike_notify_hdr {
	struct ike_payload_hdr pl;
	__u8 protocol_id;
	__u8 spi_size;
	__be16 type;
} IKE_PACKED;

_Static_assert(sizeof(struct ike_hdr) == IKE_HDR_LEN, "IKE header layout");
_Static_assert(sizeof(struct ike_payload_hdr) == IKE_PAYLOAD_HDR_LEN, "payload header layout");
_Static_assert(sizeof(struct ike_notify_hdr) == IKE_NOTIFY_HDR_LEN, "notify header layout");

#endif
