// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* REDIRECT response checks (see redirect_check.h): RFC 7296 section 3.1
 * (header), 3.2 (payload chain), 3.10 (Notify), RFC 5685 section 8.1
 * (REDIRECT data: GW ident type, length, identity, then Ni). */
#include "redirect_check.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define IKE_HDR 28
#define NOTIFY_HDR 8
#define N_REDIRECT 16407

static const char *const names[REDIRECT_VERDICTS] = {
	[REDIRECT_OK] = "ok",
	[REDIRECT_SHORT] = "short",
	[REDIRECT_BAD_LENGTH] = "bad_length",
	[REDIRECT_BAD_SPI_I] = "bad_spi_i",
	[REDIRECT_BAD_SPI_R] = "bad_spi_r",
	[REDIRECT_BAD_VERSION] = "bad_version",
	[REDIRECT_BAD_EXCHANGE] = "bad_exchange",
	[REDIRECT_BAD_FLAGS] = "bad_flags",
	[REDIRECT_BAD_MSGID] = "bad_msgid",
	[REDIRECT_BAD_CHAIN] = "bad_chain",
	[REDIRECT_BAD_PAYLOADS] = "bad_payloads",
	[REDIRECT_BAD_NOTIFY] = "bad_notify",
	[REDIRECT_BAD_IDENT] = "bad_ident",
	[REDIRECT_BAD_NONCE] = "bad_nonce",
};

const char *redirect_verdict_name(enum redirect_verdict v)
{
	return (unsigned)v < REDIRECT_VERDICTS ? names[v] : "?";
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool ldh(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Dot-separated labels of 1..63 letters, digits, '-' or '_' (RFC 1035 with
 * the underscore real names carry); no empty label, so no "." or "..". */
static bool fqdn_ok(const uint8_t *s, size_t n)
{
	size_t label = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (ldh(s[i]) && ++label <= 63) {
			continue;
		} else {
			return false;
		}
	}
	return label > 0;
}

static enum redirect_verdict check_header(const uint8_t *ike, size_t len, const uint8_t spi_i[8])
{
	if (len < IKE_HDR)
		return REDIRECT_SHORT;
	if (get32(ike + 24) != len)
		return REDIRECT_BAD_LENGTH;
	if (memcmp(ike, spi_i, 8))
		return REDIRECT_BAD_SPI_I;
	if (!all_zero(ike + 8, 8))
		return REDIRECT_BAD_SPI_R;
	if (ike[17] != 0x20)
		return REDIRECT_BAD_VERSION;
	if (ike[18] != 34)
		return REDIRECT_BAD_EXCHANGE;
	if (!(ike[19] & 0x20) || (ike[19] & 0x08))
		return REDIRECT_BAD_FLAGS;
	if (get32(ike + 20) != 0)
		return REDIRECT_BAD_MSGID;
	return REDIRECT_OK;
}

/* The REDIRECT data: ident type | ident len | identity | Ni. */
static enum redirect_verdict check_data(const uint8_t *d, size_t n, const uint8_t *nonce,
					size_t nonce_len, struct pkt_gw_ident *id)
{
	uint8_t type, ilen;

	if (n < 2)
		return REDIRECT_BAD_IDENT;
	type = d[0];
	ilen = d[1];
	if ((size_t)ilen + 2 > n || (type == 1 && ilen != 4) || (type == 2 && ilen != 16) ||
	    (type == 3 && !fqdn_ok(d + 2, ilen)) || type < 1 || type > 3)
		return REDIRECT_BAD_IDENT;
	if (n - 2 - ilen != nonce_len || memcmp(d + 2 + ilen, nonce, nonce_len))
		return REDIRECT_BAD_NONCE;
	memset(id, 0, sizeof(*id));
	id->type = type;
	id->len = ilen;
	memcpy(id->data, d + 2, ilen);
	return REDIRECT_OK;
}

enum redirect_verdict redirect_check(const uint8_t *ike, size_t len, const uint8_t spi_i[8],
				     const uint8_t *nonce, size_t nonce_len,
				     struct pkt_gw_ident *id)
{
	enum redirect_verdict v = check_header(ike, len, spi_i);
	const uint8_t *n = ike + IKE_HDR;
	uint8_t type;
	size_t count;

	if (v != REDIRECT_OK)
		return v;
	if (!pkt_ike_payloads(ike, len, &type, 1, &count))
		return REDIRECT_BAD_CHAIN;
	if (count != 1 || type != 41)
		return REDIRECT_BAD_PAYLOADS;
	/* one payload that walks to the end: its length is len - 28 */
	if (len - IKE_HDR < NOTIFY_HDR || n[4] != 0 || n[5] != 0 ||
	    (n[6] << 8 | n[7]) != N_REDIRECT)
		return REDIRECT_BAD_NOTIFY;
	return check_data(n + NOTIFY_HDR, len - IKE_HDR - NOTIFY_HDR, nonce, nonce_len, id);
}

const char *redirect_ident_str(const struct pkt_gw_ident *id, char *buf, size_t len)
{
	if (id->type == 1 || id->type == 2) {
		if (!inet_ntop(id->type == 1 ? AF_INET : AF_INET6, id->data, buf, (socklen_t)len))
			snprintf(buf, len, "?");
	} else {
		snprintf(buf, len, "%.*s", id->len, (const char *)id->data);
	}
	return buf;
}
