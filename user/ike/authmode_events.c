// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* charon's vici messages about IKE SAs, read for auth mode: see authmode_events.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "base/ip.h"
#include "ike/authmode_events.h"

#define LOG_INIT_PREFIX "parsed IKE_SA_INIT request "
#define LOG_REFUSED "client does not support IKE redirection"

int authev_spi(const char *hex, uint64_t *raw)
{
	uint8_t b[8];

	if (!hex || strlen(hex) != 16)
		return -1;
	for (int i = 0; i < 8; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]),
		    lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(raw, b, sizeof(b));
	return 0;
}

static void parse_host(const char *s, struct ip_addr *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (!s)
		return;
	if (inet_pton(AF_INET, s, &ip->v4) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &ip->v6) == 1)
		ip->family = AF_INET6;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static bool is_yes(const char *s)
{
	return s && !strcmp(s, "yes");
}

int authev_sa(const struct vic_node *sec, struct auth_sa *sa)
{
	uint64_t id, version;

	memset(sa, 0, sizeof(*sa));
	if (!sec || sec->type != VIC_N_SECTION)
		return -1;
	if (vic_find_u64(sec, "uniqueid", &id) || id == 0 || id > UINT32_MAX)
		return -1;
	sa->id = (uint32_t)id;
	if (strlen(sec->name) <= AUTHEV_CONN_MAX)
		strcpy(sa->conn, sec->name);
	sa->established = vic_find_str(sec, "state") &&
			  !strcmp(vic_find_str(sec, "state"), "ESTABLISHED");
	sa->initiator = is_yes(vic_find_str(sec, "initiator"));
	if (!vic_find_u64(sec, "version", &version) && version < 10)
		sa->version = (unsigned)version;
	parse_host(vic_find_str(sec, "local-host"), &sa->local);
	sa->has_spi = !authev_spi(vic_find_str(sec, "initiator-spi"), &sa->spi_raw);
	copy_str(sa->remote, sizeof(sa->remote), vic_find_str(sec, "remote-host"));
	copy_str(sa->remote_id, sizeof(sa->remote_id), vic_find_str(sec, "remote-id"));
	sa->has_age = !vic_find_u64(sec, "established", &sa->age_s);
	return 0;
}

/* The first section among the direct children of n. */
static const struct vic_node *first_section(const struct vic_node *n)
{
	for (const struct vic_node *c = n ? n->child : NULL; c; c = c->next)
		if (c->type == VIC_N_SECTION)
			return c;
	return NULL;
}

int authev_updown(const struct vic_node *msg, bool *up, struct auth_sa *sa)
{
	*up = is_yes(vic_find_str(msg, "up"));
	return authev_sa(first_section(msg), sa);
}

int authev_rekey(const struct vic_node *msg, struct auth_sa *old_sa, struct auth_sa *new_sa)
{
	const struct vic_node *sec = first_section(msg);
	const struct vic_node *o = sec ? vic_child(sec, "old") : NULL;
	const struct vic_node *n = sec ? vic_child(sec, "new") : NULL;

	if (authev_sa(o, old_sa) || authev_sa(n, new_sa))
		return -1;
	/* list_ike() runs inside "old" / "new": the name is the section's */
	copy_str(old_sa->conn, sizeof(old_sa->conn),
		 strlen(sec->name) <= AUTHEV_CONN_MAX ? sec->name : "");
	strcpy(new_sa->conn, old_sa->conn);
	return 0;
}

/* Whether the payload list "[ SA KE No N(...) ... ]" (present and closed:
 * the caller checked) has the notify name. */
static bool lists_notify(const char *s, const char *want)
{
	const char *open = strchr(s, '['), *close = strchr(open, ']');

	for (const char *p = open + 1; p < close;) {
		size_t n;

		while (p < close && *p == ' ')
			p++;
		n = strcspn(p, " ]");
		if (n == strlen(want) && !strncmp(p, want, n))
			return true;
		p += n;
	}
	return false;
}

enum authev_log authev_log_init(const struct vic_node *msg, uint32_t *id,
				bool *redirected_from)
{
	const char *text = vic_find_str(msg, "msg"), *open;
	uint64_t n;

	*id = 0;
	*redirected_from = false;
	if (!text || vic_find_u64(msg, "ikesa-uniqueid", &n) || n == 0 || n > UINT32_MAX)
		return AUTHEV_LOG_OTHER;
	/* a list cut short says nothing either way */
	open = strchr(text, '[');
	if (!strncmp(text, LOG_INIT_PREFIX, strlen(LOG_INIT_PREFIX)) && open &&
	    strchr(open, ']')) {
		*id = (uint32_t)n;
		/* either notify says the client can follow a redirect (RFC 5685):
		 * REDIRECTED_FROM is sent instead of REDIRECT_SUPPORTED */
		*redirected_from = lists_notify(text, "N(REDIR_FROM)");
		return *redirected_from || lists_notify(text, "N(REDIR_SUP)")
			       ? AUTHEV_LOG_INIT_SUPPORTED
			       : AUTHEV_LOG_INIT_UNSUPPORTED;
	}
	if (!strcmp(text, LOG_REFUSED)) {
		*id = (uint32_t)n;
		return AUTHEV_LOG_REFUSED;
	}
	return AUTHEV_LOG_OTHER;
}

enum authev_log authev_log(const struct vic_node *msg, uint32_t *id)
{
	bool from;

	return authev_log_init(msg, id, &from);
}

/* ---- per-SA table ------------------------------------------------------- */

void authev_table_clear(struct authev_table *t)
{
	memset(t, 0, sizeof(*t));
}

struct authev_entry *authev_find(struct authev_table *t, uint32_t id)
{
	struct authev_entry *e = &t->e[id % AUTHEV_TABLE_SIZE];

	return id && e->id == id ? e : NULL;
}

struct authev_entry *authev_fresh(struct authev_table *t, uint32_t id)
{
	struct authev_entry *e = &t->e[id % AUTHEV_TABLE_SIZE];

	if (!id)
		return NULL;
	*e = (struct authev_entry){ .id = id };
	return e;
}

struct authev_entry *authev_get(struct authev_table *t, uint32_t id)
{
	struct authev_entry *e = authev_find(t, id);

	return e ? e : authev_fresh(t, id);
}

void authev_forget(struct authev_table *t, uint32_t id)
{
	struct authev_entry *e = authev_find(t, id);

	if (e)
		*e = (struct authev_entry){ 0 };
}

bool authev_handled(struct authev_table *t, const struct auth_sa *sa)
{
	const struct authev_entry *e = authev_find(t, sa->id);

	return e && e->fate != AUTH_FATE_NONE && e->spi_raw == sa->spi_raw;
}

unsigned authev_count(const struct authev_table *t, enum authev_fate fate)
{
	unsigned n = 0;

	for (unsigned i = 0; i < AUTHEV_TABLE_SIZE; i++)
		if (t->e[i].id && t->e[i].fate == fate)
			n++;
	return n;
}

/* ---- decisions ---------------------------------------------------------- */

enum authev_scope authev_scope(const struct auth_sa *sa,
			       const struct ip_addr vips[IKELB_FAMILIES], const char *connection,
			       int *fam)
{
	*fam = -1;
	for (int f = 0; f < IKELB_FAMILIES; f++)
		if (ip_addr_eq(&sa->local, &vips[f]))
			*fam = f;
	if (*fam < 0)
		return AUTH_SCOPE_NOT_VIP;
	if (connection && *connection && strcmp(sa->conn, connection))
		return AUTH_SCOPE_OTHER_CONN;
	if (sa->initiator)
		return AUTH_SCOPE_NOT_CLIENT;
	if (!sa->established)
		return AUTH_SCOPE_NOT_ESTABLISHED;
	return AUTH_SCOPE_OURS;
}

struct authev_decision authev_decide(enum authev_support s, bool has_target,
				     enum ikelb_action unsupported, enum ikelb_action no_target)
{
	if (s == AUTH_SUPPORT_NO)
		return (struct authev_decision){
			unsupported == IKELB_ACT_DROP ? AUTH_ACT_CLOSE : AUTH_ACT_KEEP,
			AUTH_WHY_UNSUPPORTED
		};
	if (!has_target)
		return (struct authev_decision){
			no_target == IKELB_ACT_DROP ? AUTH_ACT_CLOSE : AUTH_ACT_KEEP,
			AUTH_WHY_NO_TARGET
		};
	return (struct authev_decision){ AUTH_ACT_REDIRECT, AUTH_WHY_TARGET };
}
