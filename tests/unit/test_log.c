// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The log (base/log.h): with log_never_block, a stderr pipe that nobody
 * reads never stops the caller; what did not fit is counted and said. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

static void test_pipe_never_blocks(void **state)
{
	int p[2], saved = dup(2);
	char buf[65536];
	ssize_t n;
	unsigned long long before = log_dropped();

	(void)state;
	assert_true(saved >= 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	assert_true(dup2(p[1], 2) == 2);
	log_never_block();
	/* far more than a pipe holds (64 KiB): this returns, dropping */
	for (int i = 0; i < 2000; i++)
		log_info("line %d of a reader that does not read %0200d", i, 0);
	assert_true(log_dropped() > before);
	/* the reader catches up: the next line first says what it missed */
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	log_warn("after");
	n = read(p[0], buf, sizeof(buf) - 1);
	dup2(saved, 2);
	close(saved);
	assert_true(n > 0);
	buf[n] = 0;
	assert_non_null(strstr(buf, "log lines dropped: stderr was full\n"));
	assert_non_null(strstr(buf, "warning: after\n"));
	assert_true(strstr(buf, "dropped") < strstr(buf, "after"));
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_never_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
