/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config file's syntax, without knowing a single section or key: cuts
 * text into tokens, each with its line number.
 *
 *   file    = line *("\n" line)          (a "\r" before "\n" is a blank)
 *   line    = blank | comment | header | key-line
 *   comment = "#" or ";" at the start of the line or after a blank, to
 *             the end of the line (also after a header or a value)
 *   header  = "[" word [blanks name] "]"    e.g. "[cluster]", "[target gw2]"
 *   key-line= key "=" value              blanks around key and value are
 *                                        not part of them
 *
 * A UTF-8 byte order mark before line 1 is skipped.  Not allowed, each an
 * error token with its line: a NUL byte, a "[" line without "]" at the end,
 * an indented line without "=" (a continuation line), a line with neither
 * "[" nor "=", an empty key.  After an error token the lexer goes on with
 * the next line, so every problem of a file is found in one pass.
 *
 * Nothing is looked up here: a key token carries the words of the header
 * above it, and whether those name a known section or key is the table's
 * business (config_table.h).  Tokens point into the lexer's buffer and are
 * valid until the next call.
 */
#ifndef IKELB_CONFIG_LEX_H
#define IKELB_CONFIG_LEX_H

#include <stdbool.h>
#include <stddef.h>

enum cfg_token_kind {
	CFG_TOK_END, /* no more lines (or out of memory: see cfg_lexer.oom) */
	CFG_TOK_SECTION, /* section = first word inside [ ], name = the rest */
	CFG_TOK_KEY, /* section/name of the header above ("" before any) */
	CFG_TOK_ERROR, /* error: what is wrong, without "FILE:LINE: " */
};

struct cfg_token {
	enum cfg_token_kind kind;
	int line; /* 1-based */
	const char *section, *name; /* SECTION and KEY */
	const char *key, *value; /* KEY; value may be "" */
	const char *error; /* ERROR */
	bool header; /* ERROR on a "[" line: the keys below belong to no section */
};

struct cfg_lexer {
	const char *p, *end; /* unread input */
	int line;
	char *buf; /* the current line, cut into tokens */
	size_t cap;
	char section[64], name[64]; /* words of the last header, cut to fit */
	char error[320];
	bool oom;
};

/* text need not be NUL-terminated; it must outlive the lexer's use. */
void cfg_lexer_init(struct cfg_lexer *lx, const char *text, size_t len);
/* The next token; CFG_TOK_END at the end (check oom then). */
enum cfg_token_kind cfg_lexer_next(struct cfg_lexer *lx, struct cfg_token *t);
void cfg_lexer_free(struct cfg_lexer *lx);

/* Space, tab, CR, FF, VT: what separates words and may surround values. */
bool cfg_is_blank(char ch);
/*
 * Text from the file made fit for a message: printable ASCII as is, '"'
 * and '\' escaped, anything else as \xHH, cut after CFG_QUOTE_MAX bytes
 * with "...".  cfg_quote puts it in double quotes.  size: CFG_QUOTE_BUF.
 */
#define CFG_QUOTE_MAX 64
#define CFG_QUOTE_BUF (CFG_QUOTE_MAX * 4 + 16)
const char *cfg_escape(const char *s, char *buf, size_t size);
const char *cfg_quote(const char *s, char *buf, size_t size);

#endif
