/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What strongSwan's vici messages tell auth mode about IKE SAs, and what
 * to do with a client's SA at a VIP.  Pure functions without I/O (the
 * daemon side is authmode.c; ike/migrate.c reads the same messages about
 * a gateway's own SAs), so that every rule here is unit-tested:
 *
 *   - ike-updown, ike-rekey and list-sa messages: the facts of an IKE SA
 *     (charon's list_ike() fields: uniqueid, state, local-host,
 *     initiator-spi, ...; the enclosing section is the connection name);
 *   - charon's "log" events, which carry the SA's unique id: charon logs
 *     every IKE_SA_INIT request it parses with its payload list ("parsed
 *     IKE_SA_INIT request 0 [ SA KE No ... N(REDIR_SUP) ]"), which says
 *     whether the client announced REDIRECT_SUPPORTED (or REDIRECTED_FROM)
 *     before the SA is up; and when a redirect was asked for an SA of a
 *     client that did not, charon logs "client does not support IKE
 *     redirection" instead of sending it.  list-sas shows neither, so these
 *     log lines are the only way strongSwan 5.9 tells;
 *   - a table, by unique id, of what is known and was done per SA;
 *   - the decision for an SA at a VIP: redirect, keep or close.
 */
#ifndef IKELB_AUTHMODE_EVENTS_H
#define IKELB_AUTHMODE_EVENTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "ikelb.h"
#include "ike/vici_codec.h"

#define AUTHEV_CONN_MAX 64 /* connection names we compare (auth_connection) */

/* One IKE SA as charon lists it. */
struct auth_sa {
	uint32_t id; /* charon's unique id, never 0 */
	char conn[AUTHEV_CONN_MAX + 1]; /* connection name; "" if longer */
	bool established; /* state ESTABLISHED */
	bool initiator; /* charon initiated it: not a client of the VIP */
	unsigned version; /* IKE version, 0 if not given */
	struct ip_addr local; /* local-host; family 0 when missing or not an address */
	bool has_spi;
	uint64_t spi_raw; /* initiator SPI: its 8 wire bytes as the host loads them */
	char remote[INET6_ADDRSTRLEN]; /* remote-host, for messages */
	char remote_id[128]; /* remote-id, for messages (cut to fit) */
	bool has_age;
	uint64_t age_s; /* charon's "established": seconds since the SA came up */
};

/*
 * The SA described by one section of charon's list_ike() fields (name =
 * connection name).  0, or -1 when the section has no valid uniqueid.
 */
int authev_sa(const struct vic_node *sec, struct auth_sa *sa);
/* An ike-updown event: *up and the SA.  0, or -1 when malformed. */
int authev_updown(const struct vic_node *msg, bool *up, struct auth_sa *sa);
/* An ike-rekey event: the SA replaced and its successor.  0 or -1. */
int authev_rekey(const struct vic_node *msg, struct auth_sa *old_sa, struct auth_sa *new_sa);
/*
 * charon prints an SPI as 16 hex digits, the wire bytes in order
 * ("%.16"PRIx64 of be64toh(spi)).  *raw gets those 8 bytes as the host
 * loads them from the wire (what the XDP program hashes).  0 or -1.
 */
int authev_spi(const char *hex, uint64_t *raw);

enum authev_log {
	AUTHEV_LOG_OTHER,
	AUTHEV_LOG_INIT_SUPPORTED, /* IKE_SA_INIT request with N(REDIR_SUP) or N(REDIR_FROM) */
	AUTHEV_LOG_INIT_UNSUPPORTED, /* IKE_SA_INIT request with neither */
	AUTHEV_LOG_REFUSED, /* charon did not send a redirect: no support */
};

/* What a "log" event says, and the SA's unique id (*id = 0 if none). */
enum authev_log authev_log(const struct vic_node *msg, uint32_t *id);
/* The same; *redirected_from tells whether a logged IKE_SA_INIT request
 * carried N(REDIR_FROM): the client came here by a redirect. */
enum authev_log authev_log_init(const struct vic_node *msg, uint32_t *id,
				bool *redirected_from);

/* ---- per-SA table ------------------------------------------------------- */

#define AUTHEV_TABLE_SIZE 16384u

enum authev_support { AUTH_SUPPORT_UNKNOWN, AUTH_SUPPORT_YES, AUTH_SUPPORT_NO };
enum authev_fate {
	AUTH_FATE_NONE, /* not handled (yet) */
	AUTH_FATE_REDIRECTED, /* redirect sent; the SA lingers until it goes down */
	AUTH_FATE_KEPT, /* left at the VIP (pass) */
	AUTH_FATE_CLOSING, /* terminate sent */
};

struct authev_entry {
	uint32_t id; /* 0: free */
	uint8_t support; /* enum authev_support */
	uint8_t fate; /* enum authev_fate */
	uint8_t fam; /* with a fate: the VIP's family (IKELB_FAM_*) */
	uint64_t spi_raw; /* with a fate: the SA's initiator SPI */
};

/*
 * charon numbers IKE SAs 1, 2, 3, ...: entry id % size.  An entry is
 * taken over when an SA AUTHEV_TABLE_SIZE ids younger needs it (the older
 * SA is long gone by then).  A restarted charon numbers from 1 again, so
 * a fate only belongs to the SA with the same id AND initiator SPI
 * (authev_handled), and the IKE_SA_INIT of a new SA starts a fresh entry.
 */
struct authev_table {
	struct authev_entry e[AUTHEV_TABLE_SIZE];
};

void authev_table_clear(struct authev_table *t);
/* The entry of id, or NULL. */
struct authev_entry *authev_find(struct authev_table *t, uint32_t id);
/* The entry of id, made (support unknown, fate none) if needed; NULL for id 0. */
struct authev_entry *authev_get(struct authev_table *t, uint32_t id);
/* A fresh entry for a new SA with this id; NULL for id 0. */
struct authev_entry *authev_fresh(struct authev_table *t, uint32_t id);
void authev_forget(struct authev_table *t, uint32_t id);
/* True when this very SA (id and initiator SPI) was already dealt with. */
bool authev_handled(struct authev_table *t, const struct auth_sa *sa);
/* How many entries have this fate. */
unsigned authev_count(const struct authev_table *t, enum authev_fate fate);

/* ---- decisions ---------------------------------------------------------- */

enum authev_scope {
	AUTH_SCOPE_OURS, /* a client's established SA at a VIP: *fam */
	AUTH_SCOPE_NOT_VIP, /* its local address is no VIP */
	AUTH_SCOPE_OTHER_CONN, /* at a VIP, but not auth_connection */
	AUTH_SCOPE_NOT_CLIENT, /* charon initiated it */
	AUTH_SCOPE_NOT_ESTABLISHED,
};

/*
 * Whether auth mode handles the SA.  vips[fam].family is 0 for a VIP not
 * configured; connection "" accepts any connection.
 */
enum authev_scope authev_scope(const struct auth_sa *sa,
			       const struct ip_addr vips[IKELB_FAMILIES], const char *connection,
			       int *fam);

enum authev_action { AUTH_ACT_REDIRECT, AUTH_ACT_KEEP, AUTH_ACT_CLOSE };
enum authev_why { AUTH_WHY_TARGET, AUTH_WHY_UNSUPPORTED, AUTH_WHY_NO_TARGET };

struct authev_decision {
	enum authev_action act;
	enum authev_why why;
};

/*
 * The XDP path's rules after authentication: a client that did not
 * announce support is never redirected (unsupported = pass keeps it, drop
 * closes it); otherwise without a target no_target decides; else redirect.
 * Unknown support is tried: charon refuses when the client cannot follow.
 */
struct authev_decision authev_decide(enum authev_support s, bool has_target,
				     enum ikelb_action unsupported, enum ikelb_action no_target);

#endif
