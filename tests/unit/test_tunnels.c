// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Tunnel-count sources: file: and static: (good, bad and missing input),
 * spec parsing, and the vici: source against a small fake charon on a unix
 * socket (stats arithmetic, list-sas with excluded addresses, reconnect).
 * tests/netns/test_tunnels_vici.sh runs the vici and xfrm sources for real.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ike/tunnels.h"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_tunnels.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Reads a file: source holding data; returns tunnels_read's result. */
static int read_with(const void *data, size_t len, uint64_t *n, char *why, size_t whylen)
{
	struct tunnels_src s;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "%s/load", tmpdir);
	write_file(path, data, len);
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_FILE, path, 0), 0);
	rc = tunnels_read(&s, n, why, whylen);
	tunnels_close(&s);
	return rc;
}

static void test_file_good(void **state)
{
	static const struct {
		const char *text;
		uint64_t want;
	} good[] = {
		{ "0", 0 },
		{ "42", 42 },
		{ "42\n", 42 },
		{ "  \t42 \r\n", 42 },
		{ "\n\n7\n\n", 7 },
		{ "0007", 7 },
		{ "18446744073709551615", UINT64_MAX },
	};
	char why[256];
	uint64_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = 12345;
		assert_int_equal(read_with(good[i].text, strlen(good[i].text), &n, why, sizeof(why)),
				 0);
		assert_true(n == good[i].want);
	}
}

static void test_file_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"   \n",
		"-1",
		"+1",
		"1 2",
		"12abc",
		"0x10",
		"1.5",
		"18446744073709551616", /* 2^64 */
		"99999999999999999999999",
		"seven",
	};
	char why[256], path[160];
	uint64_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		assert_int_equal(read_with(bad[i], strlen(bad[i]), &n, why, sizeof(why)), -1);
		snprintf(path, sizeof(path), "file %s/load: not a non-negative integer", tmpdir);
		assert_string_equal(why, path);
	}
	/* an embedded NUL */
	assert_int_equal(read_with("12\0" "3", 4, &n, why, sizeof(why)), -1);
	assert_int_equal(read_with("1\0", 2, &n, why, sizeof(why)), -1);
	/* longer than TUNNELS_FILE_MAX, even if it is whitespace around a number */
	{
		char big[TUNNELS_FILE_MAX + 8];

		memset(big, ' ', sizeof(big));
		big[0] = '5';
		assert_int_equal(read_with(big, sizeof(big), &n, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "longer than"));
		assert_int_equal(read_with(big, TUNNELS_FILE_MAX, &n, why, sizeof(why)), 0);
		assert_int_equal(n, 5);
	}
}

static void test_file_missing_and_not_regular(void **state)
{
	struct tunnels_src s;
	char why[256], want[256];
	uint64_t n;

	(void)state;
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_FILE, "/nonexistent/load", 0), 0);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), -1);
	assert_string_equal(why, "file /nonexistent/load: No such file or directory");
	tunnels_close(&s);

	/* a directory, and a FIFO (which must not block) */
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_FILE, tmpdir, 0), 0);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), -1);
	snprintf(want, sizeof(want), "file %s: not a regular file", tmpdir);
	assert_string_equal(why, want);
	tunnels_close(&s);
	snprintf(want, sizeof(want), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(want, 0600), 0);
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_FILE, want, 0), 0);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a regular file"));
	tunnels_close(&s);
	unlink(want);
}

static void test_file_follows_changes(void **state)
{
	char path[128], why[128];
	struct tunnels_src s;
	uint64_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/load2", tmpdir);
	write_file(path, "3\n", 2);
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_FILE, path, 0), 0);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	write_file(path, "11\n", 3);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 11);
	unlink(path);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), -1);
	tunnels_close(&s);
}

static void test_static_and_specs(void **state)
{
	struct tunnels_src s;
	char why[256];
	uint64_t n = 1;

	(void)state;
	assert_int_equal(tunnels_init_spec(&s, "static:25", why, sizeof(why)), 0);
	assert_int_equal(s.kind, CFG_TUNNELS_STATIC);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 25);
	assert_int_equal(tunnels_init_spec(&s, "static:0", why, sizeof(why)), 0);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);

	assert_int_equal(tunnels_init_spec(&s, "vici:/run/charon.vici", why, sizeof(why)), 0);
	assert_int_equal(s.kind, CFG_TUNNELS_VICI);
	assert_string_equal(s.path, "/run/charon.vici");
	assert_int_equal(tunnels_init_spec(&s, "file:/run/load", why, sizeof(why)), 0);
	assert_int_equal(s.kind, CFG_TUNNELS_FILE);
	assert_string_equal(s.path, "/run/load");
	assert_int_equal(tunnels_init_spec(&s, "xfrm", why, sizeof(why)), 0);
	assert_int_equal(s.kind, CFG_TUNNELS_XFRM);

	static const char *const bad[] = { "static:",   "static:-1", "static:1x", "static: 1",
					   "vici:",	"file:",     "xfrm:",	  "XFRM",
					   "",		"nope:1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		assert_int_equal(tunnels_init_spec(&s, bad[i], why, sizeof(why)), -1);
		assert_true(why[0] != 0);
	}

	/* no source: 0 */
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_NONE, NULL, 0), 0);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
}

static void test_vici_missing_socket(void **state)
{
	struct tunnels_src s;
	char why[256];
	uint64_t n;

	(void)state;
	assert_int_equal(tunnels_init_spec(&s, "vici:/nonexistent/charon.vici", why, sizeof(why)),
			 0);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), -1);
	assert_string_equal(why,
			    "vici: connect /nonexistent/charon.vici: No such file or directory");
	tunnels_close(&s);
}

static struct ip_addr ip(const char *s)
{
	struct ip_addr a = { 0 };

	if (inet_pton(AF_INET, s, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.v6) == 1)
		a.family = AF_INET6;
	return a;
}

/* A list-sa event message: one IKE_SA section per (name, state, local-host). */
static struct vic_node *list_sa_event(int n, const char *const (*sa)[3])
{
	struct vic_builder b;
	struct vic_node *r;

	vic_builder_init(&b);
	for (int i = 0; i < n; i++) {
		vic_begin_section(&b, sa[i][0]);
		vic_add_kv(&b, "uniqueid", "1");
		vic_add_kv(&b, "state", sa[i][1]);
		if (sa[i][2])
			vic_add_kv(&b, "local-host", sa[i][2]);
		vic_begin_section(&b, "child-sas");
		vic_end_section(&b);
		vic_end_section(&b);
	}
	assert_int_equal(vic_builder_done(&b), 0);
	r = vic_tree_parse(b.buf, b.len);
	assert_non_null(r);
	vic_builder_free(&b);
	return r;
}

static const char *const fake_sas[][3] = {
	{ "gw", "ESTABLISHED", "198.18.0.1" },	  /* counted */
	{ "vip", "ESTABLISHED", "198.18.0.10" },  /* at the VIP */
	{ "gw", "CONNECTING", "198.18.0.1" },	  /* half-open */
	{ "gw6", "REKEYING", "2001:db8::1" },	  /* counted: still up */
	{ "vip6", "ESTABLISHED", "2001:db8::a" }, /* at the IPv6 VIP */
	{ "gw", "DELETING", "198.18.0.1" },	  /* going away */
	{ "odd", "ESTABLISHED", NULL },		  /* no local-host: counted */
};
#define N_FAKE_SAS 7

static void test_count_list_sa(void **state)
{
	struct ip_addr ex[2] = { ip("198.18.0.10"), ip("2001:db8::a") };
	struct tunnels_src s;
	struct vic_node *ev;

	(void)state;
	ev = list_sa_event(N_FAKE_SAS, fake_sas);
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_VICI, "/x", 0), 0);
	/* no exclusions: ESTABLISHED x4 + REKEYING x1 */
	assert_int_equal(tunnels_count_list_sa(&s, ev), 5);
	assert_int_equal(tunnels_exclude(&s, ex, 2), 0);
	assert_int_equal(tunnels_count_list_sa(&s, ev), 3);
	vic_tree_free(ev);
	/* exclusions only for vici, and only real addresses */
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_FILE, "/x", 0), 0);
	assert_int_equal(tunnels_exclude(&s, ex, 1), -1);
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_VICI, "/x", 0), 0);
	ex[0].family = 0;
	assert_int_equal(tunnels_exclude(&s, ex, 1), -1);
}

static void test_init_config_auth_mode(void **state)
{
	struct config c;
	struct tunnels_src s;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.has_gateway = true;
	c.tunnels = CFG_TUNNELS_VICI;
	strcpy(c.tunnels_path, "/run/charon.vici");
	c.has_vip4 = c.has_vip6 = true;
	inet_pton(AF_INET, "198.18.0.10", &c.vip4);
	inet_pton(AF_INET6, "2001:db8::a", &c.vip6);
	c.mode = CFG_MODE_INIT;
	assert_int_equal(tunnels_init_config(&s, &c), 0);
	assert_int_equal(s.n_exclude, 0);
	c.mode = CFG_MODE_AUTH;
	assert_int_equal(tunnels_init_config(&s, &c), 0);
	assert_int_equal(s.n_exclude, 2);
	assert_int_equal(s.exclude[0].family, AF_INET);
	assert_memory_equal(&s.exclude[0].v4, &c.vip4, 4);
	assert_int_equal(s.exclude[1].family, AF_INET6);
	c.has_gateway = false;
	assert_int_equal(tunnels_init_config(&s, &c), 0);
	assert_int_equal(s.kind, CFG_TUNNELS_NONE);
}

/* ---- a fake charon ----------------------------------------------------- */

/*
 * Serves `conns` connections one after the other.  Requests are answered
 * like charon: stats with ikesas.total=5, half-open=2 (a second stats on the
 * first connection gets an oversized length instead), list-sas with the
 * fake_sas as list-sa events, (un)registration with a confirm.
 */
static void send_pkt(int fd, uint8_t type, const char *name, const struct vic_builder *b)
{
	uint8_t *p;
	size_t len;

	if (vic_packet_encode(type, name, b ? b->buf : NULL, b ? b->len : 0, &p, &len) ||
	    write(fd, p, len) != (ssize_t)len)
		_exit(3);
	free(p);
}

static void fake_list_sas(int fd)
{
	for (int i = 0; i < N_FAKE_SAS; i++) {
		struct vic_builder b;

		vic_builder_init(&b);
		vic_begin_section(&b, fake_sas[i][0]);
		vic_add_kv(&b, "state", fake_sas[i][1]);
		if (fake_sas[i][2])
			vic_add_kv(&b, "local-host", fake_sas[i][2]);
		vic_end_section(&b);
		send_pkt(fd, VIC_EVENT, "list-sa", &b);
		vic_builder_free(&b);
	}
	send_pkt(fd, VIC_CMD_RESPONSE, NULL, NULL);
}

static void fake_serve(int fd, int conn_no)
{
	struct vic_reader r;
	struct vic_packet p;
	uint8_t buf[4096];
	ssize_t n;
	int stats = 0;

	vic_reader_init(&r);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		vic_reader_push(&r, buf, (size_t)n);
		while (vic_reader_next(&r, &p) > 0) {
			if (p.type == VIC_EVENT_REGISTER || p.type == VIC_EVENT_UNREGISTER) {
				send_pkt(fd, VIC_EVENT_CONFIRM, NULL, NULL);
			} else if (!strcmp(p.name, "list-sas")) {
				fake_list_sas(fd);
			} else if (!strcmp(p.name, "stats") && conn_no == 0 && stats++ == 1) {
				static const uint8_t huge[] = { 0x7f, 0, 0, 0 };

				if (write(fd, huge, 4) != 4)
					_exit(3);
			} else if (!strcmp(p.name, "stats")) {
				struct vic_builder b;

				vic_builder_init(&b);
				vic_begin_section(&b, "ikesas");
				vic_add_kv(&b, "total", "5");
				vic_add_kv(&b, "half-open", "2");
				vic_end_section(&b);
				send_pkt(fd, VIC_CMD_RESPONSE, NULL, &b);
				vic_builder_free(&b);
			} else {
				send_pkt(fd, VIC_CMD_UNKNOWN, NULL, NULL);
			}
		}
	}
	vic_reader_free(&r);
}

static pid_t fake_charon(const char *path, int conns)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd;
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* never outlive a failed test */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(10);
		for (int i = 0; i < conns; i++) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0)
				_exit(2);
			fake_serve(fd, i);
			close(fd);
		}
		_exit(0);
	}
	close(lfd);
	return pid;
}

static void test_vici_stats_and_reconnect(void **state)
{
	struct tunnels_src s;
	char path[128], why[256];
	uint64_t n = 0;
	pid_t pid;
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/charon.vici", tmpdir);
	pid = fake_charon(path, 2);
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_VICI, path, 0), 0);
	s.timeout_ms = 2000;
	/* total 5 - half-open 2 */
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	/* same connection: charon answers garbage, the read fails with a reason */
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "vici: stats: "));
	assert_non_null(strstr(why, "oversized"));
	/* next read: a new connection */
	n = 0;
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	tunnels_close(&s);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* charon gone: the socket file is left, nobody listens */
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "Connection refused"));
	tunnels_close(&s);
	unlink(path);
}

static void test_vici_list_with_exclusions(void **state)
{
	struct ip_addr ex[2] = { ip("198.18.0.10"), ip("2001:db8::a") };
	struct tunnels_src s;
	char path[128], why[256];
	uint64_t n = 0;
	pid_t pid;
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/charon2.vici", tmpdir);
	pid = fake_charon(path, 1);
	assert_int_equal(tunnels_init(&s, CFG_TUNNELS_VICI, path, 0), 0);
	assert_int_equal(tunnels_exclude(&s, ex, 2), 0);
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	/* again on the same connection: the stream stayed in step */
	n = 0;
	assert_int_equal(tunnels_read(&s, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 3);
	tunnels_close(&s);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_good),
		cmocka_unit_test(test_file_bad),
		cmocka_unit_test(test_file_missing_and_not_regular),
		cmocka_unit_test(test_file_follows_changes),
		cmocka_unit_test(test_static_and_specs),
		cmocka_unit_test(test_vici_missing_socket),
		cmocka_unit_test(test_count_list_sa),
		cmocka_unit_test(test_init_config_auth_mode),
		cmocka_unit_test(test_vici_stats_and_reconnect),
		cmocka_unit_test(test_vici_list_with_exclusions),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
