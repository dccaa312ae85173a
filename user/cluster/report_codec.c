// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The load report codec; the wire format is documented in report_codec.h. */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "config/config.h"
#include "cluster/report_codec.h"
#include "cluster/wire.h"

_Static_assert(REPORT_MAC_LEN == CLUSTER_MAC_LEN, "reports are signed with the cluster key's MAC");

#define OFF_VERSION 4
#define OFF_STATE 5
#define OFF_LENGTH 6
#define OFF_EPOCH 8
#define OFF_SEQ 16
#define OFF_TUNNELS 24
#define OFF_MAX 28
#define OFF_CLUSTER REPORT_FIXED_LEN

/* ---- field rules, shared by encoder and decoder ------------------------ */

static bool is_name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

bool report_valid_cluster(const uint8_t *s, size_t n)
{
	if (n < 1 || n > REPORT_CLUSTER_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

static bool valid_text(const uint8_t *s, size_t n, uint8_t lowest)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < lowest || s[i] > 0x7e)
			return false;
	return true;
}

bool report_valid_node_id(const uint8_t *s, size_t n)
{
	return n >= 1 && n <= REPORT_NODE_ID_MAX && valid_text(s, n, 0x21);
}

static bool valid_reason(const uint8_t *s, size_t n)
{
	return n <= REPORT_REASON_MAX && valid_text(s, n, 0x20);
}

/* The rule `address =` in the config follows (cfg_parse_gw_addr), so a
 * report names no gateway that a config could not. */
static bool valid_fqdn(const uint8_t *s, size_t n)
{
	char name[IKE_GW_ID_MAX_LEN + 1];
	struct cfg_gw_addr a;

	if (n < 1 || n > IKE_GW_ID_MAX_LEN || memchr(s, 0, n))
		return false;
	memcpy(name, s, n);
	name[n] = 0;
	return cfg_parse_gw_addr(name, &a) == 0 && a.type == IKE_GW_ID_FQDN;
}

/* A client can be sent there: no unspecified, loopback or multicast address. */
static bool valid_ipv4(const uint8_t *a)
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];

	return v != 0 && a[0] != 127 && (a[0] & 0xf0) != 0xe0 && v != 0xffffffffu;
}

static bool valid_ipv6(const uint8_t *a)
{
	struct in6_addr in;

	memcpy(&in, a, 16);
	return !IN6_IS_ADDR_UNSPECIFIED(&in) && !IN6_IS_ADDR_LOOPBACK(&in) &&
	       !IN6_IS_ADDR_MULTICAST(&in);
}

bool report_valid_gw(uint8_t type, uint8_t len, const uint8_t *data, bool optional)
{
	switch (type) {
	case 0:
		return optional && len == 0;
	case IKE_GW_ID_IPV4:
		return len == 4 && valid_ipv4(data);
	case IKE_GW_ID_IPV6:
		return len == 16 && valid_ipv6(data);
	case IKE_GW_ID_FQDN:
		return valid_fqdn(data, len);
	default:
		return false;
	}
}

static bool valid_numbers(const struct load_report *r)
{
	return r->epoch != 0 && r->seq != 0 && r->max_tunnels >= 1 &&
	       r->max_tunnels <= REPORT_MAX_TUNNELS &&
	       (r->state == REPORT_ACTIVE || r->state == REPORT_DRAINING ||
		r->state == REPORT_UNHEALTHY);
}

/* A label with a MAC frames can be sent to; no label, no MAC. */
static bool valid_steer(uint8_t label, const uint8_t *m)
{
	bool zero = !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);

	return label ? !zero && !(m[0] & 1) : zero;
}

int report_check(const struct load_report *r)
{
	size_t nc = strnlen(r->cluster, sizeof(r->cluster));
	size_t nn = strnlen(r->node_id, sizeof(r->node_id));
	size_t nr = strnlen(r->reason, sizeof(r->reason));

	if (nc == sizeof(r->cluster) || nn == sizeof(r->node_id) || nr == sizeof(r->reason))
		return -1;
	if (!report_valid_cluster((const uint8_t *)r->cluster, nc) ||
	    !report_valid_node_id((const uint8_t *)r->node_id, nn) ||
	    !valid_reason((const uint8_t *)r->reason, nr) || !valid_numbers(r) ||
	    !report_valid_gw(r->address.type, r->address.len, r->address.data, false) ||
	    !report_valid_gw(r->address6.type, r->address6.len, r->address6.data, true) ||
	    !valid_steer(r->steer_label, r->mac))
		return -1;
	return 0;
}

/* ---- encoder ------------------------------------------------------------ */

static size_t put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	p[0] = (uint8_t)n;
	memcpy(p + 1, s, n);
	return 1 + n;
}

static size_t put_gw(uint8_t *p, const struct cfg_gw_addr *a)
{
	p[0] = a->type;
	p[1] = a->len;
	memcpy(p + 2, a->data, a->len);
	return 2 + (size_t)a->len;
}

int report_encode(const struct load_report *r, const struct cluster_key *key,
		      uint8_t *out, size_t outsize)
{
	uint8_t buf[REPORT_LONGEST];
	size_t n;

	if (!cluster_key_usable(key) || report_check(r) < 0)
		return -1;
	memcpy(buf, REPORT_MAGIC, 4);
	buf[OFF_VERSION] = r->steer_label ? REPORT_VERSION_STEER : REPORT_VERSION;
	buf[OFF_STATE] = (uint8_t)r->state;
	wire_put_be64(buf + OFF_EPOCH, r->epoch);
	wire_put_be64(buf + OFF_SEQ, r->seq);
	wire_put_be32(buf + OFF_TUNNELS, r->tunnels);
	wire_put_be32(buf + OFF_MAX, r->max_tunnels);
	n = OFF_CLUSTER;
	n += put_str(buf + n, r->cluster);
	n += put_str(buf + n, r->node_id);
	n += put_gw(buf + n, &r->address);
	n += put_gw(buf + n, &r->address6);
	n += put_str(buf + n, r->reason);
	if (r->steer_label) {
		buf[n] = r->steer_label;
		memcpy(buf + n + 1, r->mac, 6);
		n += REPORT_STEER_LEN;
	}
	wire_put_be16(buf + OFF_LENGTH, (uint16_t)(n + REPORT_MAC_LEN));
	if (cluster_key_mac(key, buf, n, buf + n) < 0 || n + REPORT_MAC_LEN > outsize)
		return -1;
	n += REPORT_MAC_LEN;
	memcpy(out, buf, n);
	return (int)n;
}

/* ---- decoder ------------------------------------------------------------ */

/* Copies a length-prefixed string of at most max bytes into dst[max + 1]. */
static const uint8_t *take_str(struct wire_reader *rd, char *dst, size_t max, size_t *len)
{
	size_t n = wire_take_u8(rd);
	const uint8_t *s;

	if (n > max)
		rd->bad = true;
	s = wire_take(rd, n);
	if (!s)
		return NULL;
	memcpy(dst, s, n);
	dst[n] = 0;
	*len = n;
	return s;
}

static bool take_gw(struct wire_reader *rd, struct cfg_gw_addr *a, bool optional)
{
	const uint8_t *d;

	memset(a, 0, sizeof(*a));
	a->type = wire_take_u8(rd);
	a->len = wire_take_u8(rd);
	d = wire_take(rd, a->len);
	if (!d)
		return false;
	memcpy(a->data, d, a->len);
	return report_valid_gw(a->type, a->len, a->data, optional);
}

/* Everything between the fixed header and the MAC. */
static bool parse_body(struct wire_reader *rd, uint8_t version, struct load_report *out)
{
	const uint8_t *s;
	size_t n = 0;

	s = take_str(rd, out->cluster, REPORT_CLUSTER_MAX, &n);
	if (!s || !report_valid_cluster(s, n))
		return false;
	s = take_str(rd, out->node_id, REPORT_NODE_ID_MAX, &n);
	if (!s || !report_valid_node_id(s, n))
		return false;
	if (!take_gw(rd, &out->address, false) || !take_gw(rd, &out->address6, true))
		return false;
	s = take_str(rd, out->reason, REPORT_REASON_MAX, &n);
	if (!s || !valid_reason(s, n))
		return false;
	if (version == REPORT_VERSION_STEER) {
		s = wire_take(rd, REPORT_STEER_LEN);
		if (!s || !s[0] || !valid_steer(s[0], s + 1))
			return false;
		out->steer_label = s[0];
		memcpy(out->mac, s + 1, 6);
	}
	return rd->left == 0;
}

static enum report_err parse(const uint8_t *buf, size_t len, struct load_report *out)
{
	struct wire_reader rd;

	if (len > REPORT_MAX)
		return REPORT_ERR_OVERSIZED;
	if (len < OFF_VERSION + 1)
		return REPORT_ERR_MALFORMED;
	if (memcmp(buf, REPORT_MAGIC, 4) != 0)
		return REPORT_ERR_BAD_MAGIC;
	if (buf[OFF_VERSION] != REPORT_VERSION && buf[OFF_VERSION] != REPORT_VERSION_STEER)
		return REPORT_ERR_BAD_VERSION;
	if (len < REPORT_FIXED_LEN + REPORT_MAC_LEN || wire_get_be16(buf + OFF_LENGTH) != len)
		return REPORT_ERR_MALFORMED;
	memset(out, 0, sizeof(*out));
	out->state = (enum report_state)buf[OFF_STATE];
	out->epoch = wire_get_be64(buf + OFF_EPOCH);
	out->seq = wire_get_be64(buf + OFF_SEQ);
	out->tunnels = wire_get_be32(buf + OFF_TUNNELS);
	out->max_tunnels = wire_get_be32(buf + OFF_MAX);
	if (!valid_numbers(out))
		return REPORT_ERR_MALFORMED;
	rd = (struct wire_reader){ buf + OFF_CLUSTER, len - OFF_CLUSTER - REPORT_MAC_LEN, false };
	return parse_body(&rd, buf[OFF_VERSION], out) ? REPORT_OK : REPORT_ERR_MALFORMED;
}

/* 1 when the message's MAC verifies under key, 0 when not, -1 on failure. */
static int mac_matches(const uint8_t *buf, size_t len, const struct cluster_key *key)
{
	uint8_t want[REPORT_MAC_LEN];
	int match;

	if (cluster_key_mac(key, buf, len - REPORT_MAC_LEN, want) < 0)
		return -1;
	match = CRYPTO_memcmp(want, buf + len - REPORT_MAC_LEN, REPORT_MAC_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return match;
}

enum report_err report_decode2(const uint8_t *buf, size_t len, const char *cluster,
			       const struct cluster_key *key,
			       const struct cluster_key *previous, struct load_report *out,
			       bool *used_previous)
{
	enum report_err e;
	int match;

	*used_previous = false;
	e = parse(buf, len, out);
	if (e != REPORT_OK)
		return e;
	if (!cluster || strcmp(out->cluster, cluster) != 0)
		return REPORT_ERR_OTHER_CLUSTER;
	if (!cluster_key_usable(key))
		return REPORT_ERR_KEY;
	match = mac_matches(buf, len, key);
	if (match == 0 && cluster_key_usable(previous)) {
		match = mac_matches(buf, len, previous);
		*used_previous = match == 1;
	}
	if (match < 0)
		return REPORT_ERR_KEY;
	return match ? REPORT_OK : REPORT_ERR_BAD_MAC;
}

enum report_err report_decode(const uint8_t *buf, size_t len, const char *cluster,
				  const struct cluster_key *key, struct load_report *out)
{
	bool prev;

	return report_decode2(buf, len, cluster, key, NULL, out, &prev);
}

/* ---- names and epochs --------------------------------------------------- */

const char *report_err_str(enum report_err e)
{
	switch (e) {
	case REPORT_OK:
		return "ok";
	case REPORT_ERR_OVERSIZED:
		return "oversized";
	case REPORT_ERR_BAD_MAGIC:
		return "bad magic";
	case REPORT_ERR_BAD_VERSION:
		return "bad version";
	case REPORT_ERR_MALFORMED:
		return "malformed";
	case REPORT_ERR_OTHER_CLUSTER:
		return "other cluster";
	case REPORT_ERR_BAD_MAC:
		return "bad MAC";
	case REPORT_ERR_KEY:
		return "no usable key";
	}
	return "unknown error";
}

static const char *const state_names[] = { "active", "draining", "unhealthy" };

const char *report_state_str(enum report_state s)
{
	return (unsigned)s < 3 ? state_names[s] : "invalid";
}

int report_state_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

uint64_t report_epoch_make(uint64_t boot_ms, uint32_t random)
{
	const uint32_t mask = (1u << REPORT_EPOCH_RANDOM_BITS) - 1;

	return boot_ms << REPORT_EPOCH_RANDOM_BITS | (random & mask);
}

uint64_t report_epoch_ms(uint64_t epoch)
{
	return epoch >> REPORT_EPOCH_RANDOM_BITS;
}

bool report_epoch_ahead(uint64_t epoch, uint64_t wall_ms)
{
	uint64_t boot = report_epoch_ms(epoch);

	return boot > wall_ms && boot - wall_ms > REPORT_EPOCH_AHEAD_MAX_MS;
}

uint64_t report_epoch_new_at(uint64_t wall_ms)
{
	uint32_t rnd;
	uint64_t e;

	if (RAND_bytes((unsigned char *)&rnd, sizeof(rnd)) != 1)
		return 0;
	e = report_epoch_make(wall_ms, rnd);
	return e ? e : 1;
}

uint64_t report_epoch_new(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return report_epoch_new_at((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
