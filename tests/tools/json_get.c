// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * json_get PATH...: reads one JSON document from stdin (strict syntax) and
 * prints the value at each PATH on its own line, for shell tests (jq is not
 * among the dependencies).  A PATH is components separated by '/':
 *   NAME       member of an object
 *   N          element N of an array
 *   KEY=VALUE  the first element of an array that is an object whose
 *              member KEY is the string VALUE (or prints as VALUE)
 *   #          the number of elements or members
 * Strings print without quotes, everything else as JSON.
 * Exit status: 0, 1 when a PATH does not exist, 2 when stdin is not JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* json-c represents null as a NULL member: this stands for it ("null"). */
static json_object *null_value;

static json_object *read_stdin(void)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	do {
		if (len + 4096 > cap) {
			char *p = realloc(buf, cap = len + 65536);

			if (!p)
				goto out;
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, stdin);
		len += n;
	} while (n);
	o = json_tokener_parse_ex(tok, buf ? buf : "", (int)len);
	if (o && json_tokener_get_parse_end(tok) < len &&
	    strspn(buf + json_tokener_get_parse_end(tok), " \t\r\n") !=
		    len - json_tokener_get_parse_end(tok)) {
		json_object_put(o); /* trailing garbage */
		o = NULL;
	}
out:
	free(buf);
	json_tokener_free(tok);
	return o;
}

static const char *text_of(json_object *o)
{
	if (json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
}

static json_object *select_elem(json_object *arr, const char *comp)
{
	const char *eq = strchr(comp, '=');
	char key[256];
	size_t n = (size_t)(eq - comp);

	if (n >= sizeof(key))
		return NULL;
	memcpy(key, comp, n);
	key[n] = 0;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *v;

		if (json_object_object_get_ex(e, key, &v) && v && !strcmp(text_of(v), eq + 1))
			return e;
	}
	return NULL;
}

/* Walks one component; *count is set when the component is '#'. */
static json_object *step(json_object *o, const char *comp, json_object **count)
{
	json_object *v = NULL;
	char *end;

	if (!strcmp(comp, "#")) {
		size_t n = json_object_is_type(o, json_type_array) ? json_object_array_length(o)
			 : json_object_is_type(o, json_type_object) ? (size_t)json_object_object_length(o)
								      : 0;
		*count = json_object_new_int64((int64_t)n);
		return *count;
	}
	if (json_object_is_type(o, json_type_array)) {
		long i;

		if (strchr(comp, '='))
			return select_elem(o, comp);
		i = strtol(comp, &end, 10);
		if (*end || i < 0 || (size_t)i >= json_object_array_length(o))
			return NULL;
		return json_object_array_get_idx(o, (size_t)i);
	}
	if (json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, comp, &v))
		return v ? v : null_value;
	return NULL;
}

static int print_path(json_object *root, const char *path)
{
	char *copy = strdup(path), *save = NULL;
	json_object *o = root, *count = NULL;
	int rc = 0;

	for (char *c = strtok_r(copy, "/", &save); c && o; c = strtok_r(NULL, "/", &save))
		o = step(o, c, &count);
	if (o)
		printf("%s\n", text_of(o));
	else
		rc = 1;
	json_object_put(count);
	free(copy);
	return rc;
}

int main(int argc, char **argv)
{
	json_object *root = read_stdin();
	int rc = 0;

	null_value = json_object_new_string("null");
	if (!root) {
		fprintf(stderr, "json_get: stdin is not one valid JSON document\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (print_path(root, argv[i])) {
			fprintf(stderr, "json_get: no %s\n", argv[i]);
			rc = 1;
		}
	json_object_put(root);
	json_object_put(null_value);
	return rc;
}
