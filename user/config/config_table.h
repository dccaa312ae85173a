/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config file as a table (config_table.c): one row per section, one
 * row per key.  The parser (config.c), the defaults, the reload decision
 * and the tests all read these rows; nothing else lists the keys.
 *
 * A key's row says: its section and name; its type (how a value is parsed
 * and how two values are compared); the range or names its value may
 * take; its default, written as it would be in the file (and parsed by the
 * same type at config_defaults()); where the value lands (an offset in
 * struct config, or in struct cfg_target for [target NAME]); whether it is
 * required; whether a reload (SIGHUP) may change it; and an old name that
 * is refused with a pointer to the new one.
 *
 * Adding a key is one row in cfg_keys[] plus its field in struct config
 * (and its lines in ikelb-load(8) and the example config), e.g.
 *
 *   KEY("reports", "burst", cfg_u32, C(reports_burst), CFG_LIVE,
 *       .min = 1, .max = 100, .def = "10"),
 *
 * A new section is one row in cfg_sections[].  A rule that relates keys
 * goes in config.c's checks, which find rows by field offset; a value of
 * a new kind needs a struct cfg_type (parse and same) next to the others.
 */
#ifndef IKELB_CONFIG_TABLE_H
#define IKELB_CONFIG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Whether SIGHUP may change a key (config_reload_refusal). */
enum cfg_reload {
	CFG_LIVE, /* the daemon applies the new value in place */
	CFG_RESTART, /* needs new sockets, a new program or new pins */
	/* the value may change in place, but setting or unsetting the key
	 * needs a restart (the row has an off_given flag) */
	CFG_LIVE_WHILE_SET,
};

struct cfg_key;

/*
 * How values of one kind are read and compared.  parse gets the trimmed
 * value and the struct the row's offsets point into (struct config or
 * struct cfg_target); true, or false with what is wrong in why (e.g.
 * "\"70000\" is out of range (1..65535)"; the caller puts "[section] key: "
 * in front).  same compares the field(s) of two such structs.
 */
struct cfg_type {
	bool (*parse)(const struct cfg_key *k, const char *value, void *base, char *why,
		      size_t why_len);
	bool (*same)(const struct cfg_key *k, const void *a, const void *b);
};

extern const struct cfg_type cfg_u32, cfg_port, cfg_bool, cfg_enum, cfg_token,
	cfg_name, cfg_ifname, cfg_path, cfg_ipv4, cfg_ipv6, cfg_gw_addr, cfg_gw_addr6,
	cfg_mcast, cfg_peers, cfg_ports, cfg_tunnels, cfg_listen, cfg_mac;

struct cfg_key {
	const char *section; /* a cfg_sections[] name */
	const char *name;
	const char *label; /* "[section] name", for messages */
	const struct cfg_type *type;
	size_t off; /* of the field */
	size_t off_count; /* lists: of their unsigned count */
	size_t off_given; /* a bool set when the key parsed; 0: none */
	uint32_t min, max, step; /* numbers; tokens: max length + 1 */
	const char *const *names; /* enums: value i is names[i] */
	const char *what; /* tokens: what the value must be */
	const char *def; /* default as written in the file; NULL: zero */
	bool required;
	enum cfg_reload reload;
	const char *was; /* the key's old name, refused with a hint */
};

struct cfg_section {
	const char *name;
	const char *was; /* the section's old name, refused with a hint */
	bool named; /* [target NAME]: repeatable, keys in a struct cfg_target */
	size_t off_present; /* a bool in struct config set by the header; 0: none */
};

extern const struct cfg_key cfg_keys[];
extern const size_t cfg_n_keys;
extern const struct cfg_section cfg_sections[];
extern const size_t cfg_n_sections;

/* The row of key name in section (NULL: unknown). */
const struct cfg_key *cfg_key_find(const char *section, const char *name);
/* The row whose old name is name in section (NULL: none). */
const struct cfg_key *cfg_key_renamed(const char *section, const char *name);
/* The section of that name (NULL: unknown). */
const struct cfg_section *cfg_section_find(const char *name);
/* The section whose old name is name (NULL: none). */
const struct cfg_section *cfg_section_renamed(const char *name);
/*
 * The row of the key stored at off: in struct config (named false), or in
 * struct cfg_target (named true).  NULL when no row stores a key there.
 */
const struct cfg_key *cfg_key_at(size_t off, bool named);

/* [A-Za-z0-9_-], 1..CFG_NAME_MAX: cluster and target names. */
bool cfg_valid_name(const char *s);
/* The same gateway: equal addresses, or host names equal but for case. */
bool cfg_gw_addr_equal(const struct cfg_gw_addr *a, const struct cfg_gw_addr *b);

#endif
