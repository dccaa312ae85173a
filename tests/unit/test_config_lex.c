/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The config tokenizer on its own: which tokens, with which lines, come out
 * of a text; every syntax error kind; and that it goes on after one.
 * Expected tokens are written out by hand from config_lex.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/config_lex.h"

/* One token as text: "3 S cluster|", "4 K cluster|x name=lab", "5 E msg". */
static void show(const struct cfg_token *t, char *buf, size_t len)
{
	switch (t->kind) {
	case CFG_TOK_SECTION:
		snprintf(buf, len, "%d S %s|%s", t->line, t->section, t->name);
		break;
	case CFG_TOK_KEY:
		snprintf(buf, len, "%d K %s|%s %s=%s", t->line, t->section, t->name, t->key,
			 t->value);
		break;
	case CFG_TOK_ERROR:
		snprintf(buf, len, "%d E%s %s", t->line, t->header ? "H" : "", t->error);
		break;
	case CFG_TOK_END:
		snprintf(buf, len, "%d END", t->line);
		break;
	}
}

static void expect_tokens(const char *text, size_t len, const char *const *want)
{
	struct cfg_lexer lx;
	struct cfg_token t;
	char got[512];
	size_t i = 0;

	cfg_lexer_init(&lx, text, len);
	do {
		cfg_lexer_next(&lx, &t);
		show(&t, got, sizeof(got));
		if (!want[i] || strcmp(got, want[i]))
			print_message("# token %zu: got \"%s\", want \"%s\"\n", i, got,
				      want[i] ? want[i] : "(none)");
		assert_non_null(want[i]);
		assert_string_equal(got, want[i]);
		i++;
	} while (t.kind != CFG_TOK_END);
	assert_null(want[i]);
	assert_false(lx.oom);
	cfg_lexer_free(&lx);
}

#define EXPECT(text, ...) \
	expect_tokens(text, sizeof(text) - 1, (const char *const[]){ __VA_ARGS__, NULL })

static void test_tokens(void **state)
{
	(void)state;
	EXPECT("\xef\xbb\xbf# comment\r\n"
	       "; another\r\n"
	       "key = before any header\n"
	       "  [ target   gw2 ] ; x\r\n"
	       "address=198.18.0.12 #c\n"
	       "\tmax_tunnels   =   5\t\n"
	       "\n"
	       "[cluster]\n"
	       "notify = /usr/bin/x;y#z ; and # without a blank stay\n"
	       "empty =\n"
	       "last = no newline",
	       "3 K | key=before any header", "4 S target|gw2", "5 K target|gw2 address=198.18.0.12",
	       "6 K target|gw2 max_tunnels=5", "8 S cluster|",
	       "9 K cluster| notify=/usr/bin/x;y#z", "10 K cluster| empty=",
	       "11 K cluster| last=no newline", "11 END");
	/* "=" in a value, blanks inside a value, a header's name with blanks */
	EXPECT("[a b c]\nk = v = w  x\n", "1 S a|b c", "2 K a|b c k=v = w  x", "2 END");
	/* nothing at all */
	EXPECT("", "0 END");
	EXPECT("\n\n  \t\n# x\n", "4 END");
}

static void test_errors(void **state)
{
	static const char nul[] = "[x]\nk = a\0b\nj = c\n";

	(void)state;
	EXPECT("[x]\n[redirect\nk = v\n[y]\nk = w\n", "1 S x|",
	       "2 EH \"[redirect\" is not a section header (no \"]\" at the end)",
	       /* the keys under a bad header belong to no section */
	       "3 K | k=v", "4 S y|", "5 K y| k=w", "5 END");
	EXPECT("[x]\nports = 500\n  4500\nwhat\n= 5\n \t= 6\n",
	       "1 S x|", "2 K x| ports=500",
	       "3 E continuation lines are not supported; put the value on one line",
	       "4 E expected \"key = value\", a [section] or a comment, got \"what\"",
	       "5 E missing key before \"=\"", "6 E missing key before \"=\"", "6 END");
	/* control bytes and quotes are escaped in messages, long text cut */
	EXPECT("\x01\"\\\x7f\n", "1 E expected \"key = value\", a [section] or a comment, "
				 "got \"\\x01\\\"\\\\\\x7f\"", "1 END");
	EXPECT("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	       "1 E expected \"key = value\", a [section] or a comment, got "
	       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"",
	       "1 END");
	/* a NUL byte: the line is an error, the next one is read */
	expect_tokens(nul, sizeof(nul) - 1,
		      (const char *const[]){ "1 S x|", "2 E the line contains a NUL byte",
					     "3 K x| j=c", "3 END", NULL });
	/* a BOM only counts on line 1 */
	EXPECT("[x]\n\xef\xbb\xbfk = v\n", "1 S x|", "2 K x| \xef\xbb\xbfk=v", "2 END");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
