/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Small json-c helpers for the `status --json` sections of every module. */
#ifndef IKELB_BASE_JSON_OUT_H
#define IKELB_BASE_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

static inline void json_add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static inline void json_add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static inline void json_add_bool(json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

#endif
