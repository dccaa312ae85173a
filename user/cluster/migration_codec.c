// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Migration messages; the wire format is documented in migration_codec.h. */
#include <string.h>
#include <openssl/crypto.h>

#include "cluster/migration_codec.h"
#include "cluster/wire.h"

#define MAC_LEN CLUSTER_MAC_LEN
#define OFF_VERSION 4
#define OFF_KIND 5
#define OFF_LENGTH 6
#define OFF_EPOCH 8
#define OFF_SEQ 16
#define OFF_CLUSTER 24

/* ---- field rules ---------------------------------------------------------- */

static bool valid_str(const char *s, size_t max, bool (*rule)(const uint8_t *, size_t))
{
	size_t n = strnlen(s, max + 1);

	return n <= max && rule((const uint8_t *)s, n);
}

static bool valid_entries(const struct migration_msg *m)
{
	unsigned sum[2] = { 0, 0 };

	if (m->n > MIGRATION_ENTRIES_MAX || (m->answer != MIGRATION_GRANTED && m->n))
		return false;
	for (unsigned i = 0; i < m->n; i++) {
		const struct migration_entry *e = &m->e[i];

		if (e->fam > 1 || e->count < 1 || e->count > MIGRATION_WANT_MAX ||
		    !valid_str(e->name, REPORT_NODE_ID_MAX, report_valid_node_id) ||
		    !report_valid_gw(e->id.type, e->id.len, e->id.data, false))
			return false;
		sum[e->fam] += e->count;
	}
	return sum[0] <= MIGRATION_WANT_MAX && sum[1] <= MIGRATION_WANT_MAX;
}

int migration_check(const struct migration_msg *m)
{
	if (m->epoch == 0 || m->seq == 0 ||
	    !valid_str(m->cluster, REPORT_CLUSTER_MAX, report_valid_cluster) ||
	    !valid_str(m->node_id, REPORT_NODE_ID_MAX, report_valid_node_id))
		return -1;
	switch (m->kind) {
	case MIGRATION_REQUEST:
		if ((m->purpose != MIGRATION_DRAIN && m->purpose != MIGRATION_REBALANCE) ||
		    m->wanted[0] > MIGRATION_WANT_MAX || m->wanted[1] > MIGRATION_WANT_MAX ||
		    (!m->wanted[0] && !m->wanted[1]))
			return -1;
		return 0;
	case MIGRATION_GRANT:
		if (!valid_str(m->requester, REPORT_NODE_ID_MAX, report_valid_node_id) ||
		    m->requester_epoch == 0 || (unsigned)m->answer > MIGRATION_NO_TARGET ||
		    !valid_entries(m))
			return -1;
		return 0;
	}
	return -1;
}

bool migration_is_ours(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, MIGRATION_MAGIC, 4);
}

/* ---- encoder -------------------------------------------------------------- */

/* A bounded writer: once out of room it stays failed. */
struct writer {
	uint8_t *p;
	size_t n, cap;
	bool bad;
};

static void put(struct writer *w, const void *b, size_t n)
{
	if (w->bad || n > w->cap - w->n) {
		w->bad = true;
		return;
	}
	memcpy(w->p + w->n, b, n);
	w->n += n;
}

static void put_u8(struct writer *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_be64(struct writer *w, uint64_t v)
{
	uint8_t b[8];

	wire_put_be64(b, v);
	put(w, b, 8);
}

static void put_str(struct writer *w, const char *s)
{
	size_t n = strlen(s);

	put_u8(w, (uint8_t)n);
	put(w, s, n);
}

int migration_encode(const struct migration_msg *m, const struct cluster_key *key,
		     uint8_t *out, size_t outsize)
{
	uint8_t buf[MIGRATION_MAX];
	struct writer w = { buf, 0, sizeof(buf) - MAC_LEN, false };

	if (!cluster_key_usable(key) || migration_check(m) < 0)
		return -1;
	put(&w, MIGRATION_MAGIC, 4);
	put_u8(&w, MIGRATION_VERSION);
	put_u8(&w, (uint8_t)m->kind);
	put(&w, "\0\0", 2); /* the length, below */
	put_be64(&w, m->epoch);
	put_be64(&w, m->seq);
	put_str(&w, m->cluster);
	put_str(&w, m->node_id);
	if (m->kind == MIGRATION_REQUEST) {
		put_u8(&w, (uint8_t)m->purpose);
		put_u8(&w, m->wanted[0]);
		put_u8(&w, m->wanted[1]);
	} else {
		put_str(&w, m->requester);
		put_be64(&w, m->requester_epoch);
		put_u8(&w, (uint8_t)m->answer);
		put_u8(&w, (uint8_t)m->n);
		for (unsigned i = 0; i < m->n; i++) {
			put_u8(&w, m->e[i].fam);
			put_u8(&w, m->e[i].count);
			put_str(&w, m->e[i].name);
			put_u8(&w, m->e[i].id.type);
			put_u8(&w, m->e[i].id.len);
			put(&w, m->e[i].id.data, m->e[i].id.len);
		}
	}
	if (w.bad || w.n + MAC_LEN > outsize)
		return -1;
	buf[OFF_LENGTH] = (uint8_t)((w.n + MAC_LEN) >> 8);
	buf[OFF_LENGTH + 1] = (uint8_t)(w.n + MAC_LEN);
	if (cluster_key_mac(key, buf, w.n, buf + w.n) < 0)
		return -1;
	memcpy(out, buf, w.n + MAC_LEN);
	return (int)(w.n + MAC_LEN);
}

/* ---- decoder -------------------------------------------------------------- */

static uint64_t take_be64(struct wire_reader *rd)
{
	const uint8_t *p = wire_take(rd, 8);

	return p ? wire_get_be64(p) : 0;
}

/* A length-prefixed string of at most max bytes into dst[max + 1]; the
 * rules are checked afterwards (migration_check). */
static void take_str(struct wire_reader *rd, char *dst, size_t max)
{
	size_t n = wire_take_u8(rd);
	const uint8_t *s;

	if (n > max)
		rd->bad = true;
	s = wire_take(rd, n);
	dst[0] = 0;
	if (!s)
		return;
	if (memchr(s, 0, n))
		rd->bad = true;
	memcpy(dst, s, n);
	dst[n] = 0;
}

static void take_entry(struct wire_reader *rd, struct migration_entry *e)
{
	const uint8_t *d;

	e->fam = wire_take_u8(rd);
	e->count = wire_take_u8(rd);
	take_str(rd, e->name, REPORT_NODE_ID_MAX);
	memset(&e->id, 0, sizeof(e->id));
	e->id.type = wire_take_u8(rd);
	e->id.len = wire_take_u8(rd);
	d = wire_take(rd, e->id.len);
	if (d)
		memcpy(e->id.data, d, e->id.len);
}

static enum migration_err parse(const uint8_t *buf, size_t len, struct migration_msg *m)
{
	struct wire_reader rd;

	if (len > MIGRATION_MAX)
		return MIGRATION_ERR_OVERSIZED;
	if (len < 4 || memcmp(buf, MIGRATION_MAGIC, 4))
		return len < 4 ? MIGRATION_ERR_MALFORMED : MIGRATION_ERR_BAD_MAGIC;
	if (len < OFF_VERSION + 1)
		return MIGRATION_ERR_MALFORMED;
	if (buf[OFF_VERSION] != MIGRATION_VERSION)
		return MIGRATION_ERR_BAD_VERSION;
	if (len < OFF_CLUSTER + MAC_LEN ||
	    (size_t)(buf[OFF_LENGTH] << 8 | buf[OFF_LENGTH + 1]) != len)
		return MIGRATION_ERR_MALFORMED;
	memset(m, 0, sizeof(*m));
	m->kind = (enum migration_kind)buf[OFF_KIND];
	m->epoch = wire_get_be64(buf + OFF_EPOCH);
	m->seq = wire_get_be64(buf + OFF_SEQ);
	rd = (struct wire_reader){ buf + OFF_CLUSTER, len - OFF_CLUSTER - MAC_LEN, false };
	take_str(&rd, m->cluster, REPORT_CLUSTER_MAX);
	take_str(&rd, m->node_id, REPORT_NODE_ID_MAX);
	if (m->kind == MIGRATION_REQUEST) {
		m->purpose = (enum migration_purpose)wire_take_u8(&rd);
		m->wanted[0] = wire_take_u8(&rd);
		m->wanted[1] = wire_take_u8(&rd);
	} else if (m->kind == MIGRATION_GRANT) {
		take_str(&rd, m->requester, REPORT_NODE_ID_MAX);
		m->requester_epoch = take_be64(&rd);
		m->answer = (enum migration_answer)wire_take_u8(&rd);
		m->n = wire_take_u8(&rd);
		if (m->n > MIGRATION_ENTRIES_MAX)
			return MIGRATION_ERR_MALFORMED;
		for (unsigned i = 0; i < m->n && !rd.bad; i++)
			take_entry(&rd, &m->e[i]);
	} else {
		return MIGRATION_ERR_MALFORMED;
	}
	if (rd.bad || rd.left != 0 || migration_check(m) < 0)
		return MIGRATION_ERR_MALFORMED;
	return MIGRATION_OK;
}

enum migration_err migration_decode(const uint8_t *buf, size_t len, const char *cluster,
				    const struct cluster_key *key, struct migration_msg *out)
{
	uint8_t want[MAC_LEN];
	enum migration_err e = parse(buf, len, out);
	bool match;

	if (e != MIGRATION_OK)
		return e;
	if (!cluster || strcmp(out->cluster, cluster))
		return MIGRATION_ERR_OTHER_CLUSTER;
	if (!cluster_key_usable(key) || cluster_key_mac(key, buf, len - MAC_LEN, want) < 0)
		return MIGRATION_ERR_KEY;
	match = CRYPTO_memcmp(want, buf + len - MAC_LEN, MAC_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return match ? MIGRATION_OK : MIGRATION_ERR_BAD_MAC;
}

const char *migration_err_str(enum migration_err e)
{
	switch (e) {
	case MIGRATION_OK:
		return "ok";
	case MIGRATION_ERR_OVERSIZED:
		return "oversized";
	case MIGRATION_ERR_BAD_MAGIC:
		return "bad_magic";
	case MIGRATION_ERR_BAD_VERSION:
		return "bad_version";
	case MIGRATION_ERR_MALFORMED:
		return "malformed";
	case MIGRATION_ERR_OTHER_CLUSTER:
		return "other_cluster";
	case MIGRATION_ERR_BAD_MAC:
		return "bad_mac";
	case MIGRATION_ERR_KEY:
		return "error";
	}
	return "?";
}

const char *migration_purpose_str(enum migration_purpose p)
{
	return p == MIGRATION_DRAIN ? "drain" : p == MIGRATION_REBALANCE ? "rebalance" : "?";
}

const char *migration_answer_str(enum migration_answer a)
{
	static const char *const n[] = { "granted", "rebalance is off at the master",
					 "not a live member at the master", "no target" };

	return (unsigned)a <= MIGRATION_NO_TARGET ? n[a] : "?";
}
