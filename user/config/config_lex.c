/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config file's tokenizer: see config_lex.h for the syntax.  Our own
 * rather than libinih's: Debian builds inih without line numbers, with a
 * 200-byte line buffer that cuts long values silently, ";" as its only
 * inline comment and ":" as a second separator -- a reader in front of it
 * had to undo all of that, and inih's callback added nothing the reader
 * did not already know.
 */
#include "config/config_lex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cfg_is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

const char *cfg_escape(const char *s, char *buf, size_t size)
{
	size_t o = 0, i;

	for (i = 0; s[i] && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == CFG_QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '"' || ch == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

const char *cfg_quote(const char *s, char *buf, size_t size)
{
	buf[0] = '"';
	cfg_escape(s, buf + 1, size - 2);
	strcat(buf, "\"");
	return buf;
}

void cfg_lexer_init(struct cfg_lexer *lx, const char *text, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = text;
	lx->end = text + len;
}

void cfg_lexer_free(struct cfg_lexer *lx)
{
	free(lx->buf);
	lx->buf = NULL;
	lx->cap = 0;
}

__attribute__((format(printf, 3, 4))) static enum cfg_token_kind
error(struct cfg_lexer *lx, struct cfg_token *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lx->error, sizeof(lx->error), fmt, ap);
	va_end(ap);
	t->kind = CFG_TOK_ERROR;
	t->error = lx->error;
	return t->kind;
}

static char *trim(char *s)
{
	size_t n;

	while (cfg_is_blank(*s))
		s++;
	n = strlen(s);
	while (n && cfg_is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/*
 * Copies the next line into buf with its comment cut off; NULL at the end
 * of the input.  *indented: the line starts with a blank; *nul: it holds a
 * NUL byte (and is then handed back empty).
 */
static char *next_line(struct cfg_lexer *lx, bool *indented, bool *nul)
{
	const char *start = lx->p, *nl;
	size_t len, i;
	char *s;

	if (lx->p >= lx->end)
		return NULL;
	nl = memchr(start, '\n', (size_t)(lx->end - start));
	len = (size_t)((nl ? nl : lx->end) - start);
	lx->p = nl ? nl + 1 : lx->end;
	lx->line++;
	if (len + 1 > lx->cap) {
		char *b = realloc(lx->buf, len + 1);

		if (!b) {
			lx->oom = true;
			lx->p = lx->end;
			return NULL;
		}
		lx->buf = b;
		lx->cap = len + 1;
	}
	s = lx->buf;
	memcpy(s, start, len);
	s[len] = '\0';
	*nul = memchr(start, '\0', len) != NULL;
	if (*nul) {
		s[0] = '\0';
		return s;
	}
	if (lx->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3; /* UTF-8 byte order mark */
	for (i = 0; s[i]; i++) {
		if ((s[i] == '#' || s[i] == ';') && (i == 0 || cfg_is_blank(s[i - 1]))) {
			s[i] = '\0';
			break;
		}
	}
	*indented = cfg_is_blank(s[0]);
	return trim(s);
}

/* s: a trimmed line starting with "[". */
static enum cfg_token_kind header(struct cfg_lexer *lx, struct cfg_token *t, char *s)
{
	size_t n = strlen(s);
	char q[CFG_QUOTE_BUF], *word, *rest;

	if (s[n - 1] != ']') {
		lx->section[0] = lx->name[0] = '\0';
		t->header = true;
		return error(lx, t, "%s is not a section header (no \"]\" at the end)",
			     cfg_quote(s, q, sizeof(q)));
	}
	s[n - 1] = '\0';
	word = s + 1;
	while (cfg_is_blank(*word))
		word++;
	rest = word + strcspn(word, " \t");
	if (*rest)
		*rest++ = '\0';
	rest = trim(rest);
	snprintf(lx->section, sizeof(lx->section), "%s", word);
	snprintf(lx->name, sizeof(lx->name), "%s", rest);
	t->kind = CFG_TOK_SECTION;
	t->section = word;
	t->name = rest;
	return t->kind;
}

/* s: a trimmed line that is not a header. */
static enum cfg_token_kind key_line(struct cfg_lexer *lx, struct cfg_token *t, char *s,
				    bool indented)
{
	char *eq = strchr(s, '='), *key = s, q[CFG_QUOTE_BUF];
	size_t n;

	if (!eq) {
		if (indented)
			return error(lx, t, "continuation lines are not supported; put the "
					    "value on one line");
		return error(lx, t, "expected \"key = value\", a [section] or a comment, got %s",
			     cfg_quote(s, q, sizeof(q)));
	}
	*eq = '\0';
	n = strlen(key);
	while (n && cfg_is_blank(key[n - 1]))
		key[--n] = '\0';
	if (n == 0)
		return error(lx, t, "missing key before \"=\"");
	t->kind = CFG_TOK_KEY;
	t->section = lx->section;
	t->name = lx->name;
	t->key = key;
	t->value = trim(eq + 1);
	return t->kind;
}

enum cfg_token_kind cfg_lexer_next(struct cfg_lexer *lx, struct cfg_token *t)
{
	bool indented = false, nul = false;
	char *s;

	memset(t, 0, sizeof(*t));
	while ((s = next_line(lx, &indented, &nul))) {
		t->line = lx->line;
		if (nul)
			return error(lx, t, "the line contains a NUL byte");
		if (s[0] == '[')
			return header(lx, t, s);
		if (s[0])
			return key_line(lx, t, s, indented);
	}
	t->kind = CFG_TOK_END;
	t->line = lx->line;
	return t->kind;
}
