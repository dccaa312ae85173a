/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Judges an IKE message received in answer to an IKE_SA_INIT request: is it
 * the REDIRECT that docs/design.md and RFC 5685 describe, for this request?
 * Written from the RFCs and docs/design.md only (never from the XDP program), for
 * the request generator (tests/tools/ike_gen) and tests.
 */
#ifndef IKELB_TESTS_REDIRECT_CHECK_H
#define IKELB_TESTS_REDIRECT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

/* Verdicts, in the order the checks run: the first failing check names it. */
enum redirect_verdict {
	REDIRECT_OK = 0,
	REDIRECT_SHORT,	       /* fewer than 28 bytes */
	REDIRECT_BAD_LENGTH,   /* IKE length field != message length */
	REDIRECT_BAD_SPI_I,    /* SPIi is not the request's */
	REDIRECT_BAD_SPI_R,    /* SPIr is not zero */
	REDIRECT_BAD_VERSION,  /* not 0x20 */
	REDIRECT_BAD_EXCHANGE, /* not IKE_SA_INIT */
	REDIRECT_BAD_FLAGS,    /* R clear or I set */
	REDIRECT_BAD_MSGID,    /* message ID not 0 */
	REDIRECT_BAD_CHAIN,    /* payload chain does not walk to the end */
	REDIRECT_BAD_PAYLOADS, /* not exactly one payload, a Notify */
	REDIRECT_BAD_NOTIFY,   /* protocol ID, SPI size or type not 0, 0, REDIRECT */
	REDIRECT_BAD_IDENT,    /* GW identity type, length or text malformed */
	REDIRECT_BAD_NONCE,    /* Ni not the request's, byte for byte */
	REDIRECT_VERDICTS
};

/* A short name for the verdict ("ok", "bad_nonce", ...). */
const char *redirect_verdict_name(enum redirect_verdict v);

/*
 * Checks ike (len bytes, without a non-ESP marker) against the request's
 * SPIi and nonce.  On REDIRECT_OK, *id holds the gateway identity.
 */
enum redirect_verdict redirect_check(const uint8_t *ike, size_t len, const uint8_t spi_i[8],
				     const uint8_t *nonce, size_t nonce_len,
				     struct pkt_gw_ident *id);

/* The identity as text: dotted quad, RFC 5952 IPv6, or the FQDN. */
const char *redirect_ident_str(const struct pkt_gw_ident *id, char *buf, size_t len);

#endif
