// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Loading the cluster key: every refusal, and good keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cluster/keyfile.h"

#define HEX32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define NOBODY 65534

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ikelb-keyfile.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	/* others may traverse, so that permission cases test the file itself */
	return chmod(dir, 0711);
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static const char *path_of(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* dir/name -> dir/target */
static void link_to(const char *name, const char *target)
{
	char from[128], to[128];

	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s/%s", dir, target);
	unlink(from);
	assert_int_equal(symlink(to, from), 0);
}

/* Writes bytes to dir/name with mode; returns the path. */
static const char *write_key(const char *name, const void *data, size_t len, mode_t mode)
{
	const char *p = path_of(name);
	int fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

static const char *write_text(const char *name, const char *text, mode_t mode)
{
	return write_key(name, text, strlen(text), mode);
}

/* Loads path, expects code, and checks the message names the file. */
static void expect(const char *path, int code, const char *why)
{
	struct cluster_key k;
	char err[512];

	memset(&k, 0xee, sizeof(k));
	assert_int_equal(keyfile_load(path, &k, err, sizeof(err)), code);
	if (code == KEYFILE_OK)
		return;
	if (!strstr(err, path) || !strstr(err, why))
		fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err, path, why);
	/* nothing of a refused key survives */
	assert_true(k.len == 0);
	for (size_t i = 0; i < sizeof(k.bytes); i++)
		assert_int_equal(k.bytes[i], 0);
}

/* ---- good keys ------------------------------------------------------------- */

static void test_good_key(void **state)
{
	const char *p = write_text("good", HEX32 "\n", 0600);
	struct cluster_key k;
	char err[256];

	(void)state;
	assert_int_equal(keyfile_load(p, &k, err, sizeof(err)), KEYFILE_OK);
	assert_int_equal(k.len, 32);
	for (int i = 0; i < 32; i++)
		assert_int_equal(k.bytes[i], i);
	cluster_key_clear(&k);
	assert_int_equal(k.len, 0);
}

static void test_good_variants(void **state)
{
	char hex64[129];
	struct cluster_key k;
	char err[256];

	(void)state;
	/* group-readable, for root:ikelb 0640 */
	expect(write_text("g", HEX32, 0640), KEYFILE_OK, "");
	expect(write_text("r", HEX32, 0400), KEYFILE_OK, "");
	/* upper case, CRLF, surrounding blanks */
	expect(write_text("u", "  " "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
			       "\r\n",
			  0600),
	       KEYFILE_OK, "");
	/* the longest key, 64 bytes */
	for (int i = 0; i < 64; i++)
		sprintf(hex64 + 2 * i, "%02x", 255 - i);
	assert_int_equal(keyfile_load(write_text("l", hex64, 0600), &k, err, sizeof(err)),
			 KEYFILE_OK);
	assert_int_equal(k.len, 64);
	assert_int_equal(k.bytes[0], 255);
	assert_int_equal(k.bytes[63], 192);
	/* a symlink to a good key file is fine (e.g. from a secrets mount) */
	link_to("link", "good2");
	write_text("good2", HEX32, 0600);
	expect(path_of("link"), KEYFILE_OK, "");
}

/* ---- refusals ---------------------------------------------------------------- */

static void test_missing(void **state)
{
	(void)state;
	expect(path_of("nope"), KEYFILE_ERR_MISSING, "does not exist");
	link_to("dangling", "nope");
	expect(path_of("dangling"), KEYFILE_ERR_MISSING, "does not exist");
	expect("", KEYFILE_ERR_MISSING, "no key_file");
}

static void test_not_regular(void **state)
{
	(void)state;
	mkdir(path_of("adir"), 0700);
	expect(path_of("adir"), KEYFILE_ERR_NOT_REGULAR, "directory");
	/* a FIFO must be refused, not block the daemon */
	unlink(path_of("fifo"));
	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	expect(path_of("fifo"), KEYFILE_ERR_NOT_REGULAR, "not a regular file");
	expect("/dev/null", KEYFILE_ERR_NOT_REGULAR, "not a regular file");
}

static void test_permissions(void **state)
{
	static const mode_t bad[] = { 0644, 0604, 0602, 0601, 0666, 0777, 0620, 0660 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", bad[i]);
		expect(write_text("perm", HEX32, bad[i]), KEYFILE_ERR_PERMISSIONS, mode);
	}
	expect(write_text("perm", HEX32, 0644), KEYFILE_ERR_PERMISSIONS, "chmod 600");
}

static void test_owner(void **state)
{
	const char *p;

	(void)state;
	if (geteuid() != 0) {
		print_message("# skipped: only root can give a file to another owner\n");
		skip();
	}
	p = write_text("owner", HEX32, 0600);
	assert_int_equal(chown(p, NOBODY, NOBODY), 0);
	expect(p, KEYFILE_ERR_OWNER, "owned by uid 65534");
}

/* In a child that is not root, when we are (root reads any file). */
static void test_unreadable(void **state)
{
	const char *p = write_text("unreadable", HEX32, 0600);
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		assert_int_equal(chmod(p, 0), 0);
		expect(p, KEYFILE_ERR_UNREADABLE, "ermission denied");
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cluster_key k;
		char err[512];
		int rc;

		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(2);
		rc = keyfile_load(p, &k, err, sizeof(err));
		_exit(rc == KEYFILE_ERR_UNREADABLE && strstr(err, p) &&
				      strstr(err, "ermission denied") ?
			      0 :
			      1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_too_short(void **state)
{
	(void)state;
	/* 31 bytes */
	expect(write_text("s", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e\n",
			  0600),
	       KEYFILE_ERR_TOO_SHORT, "at least 32");
	expect(write_text("s", "", 0600), KEYFILE_ERR_TOO_SHORT, "0 bytes");
	expect(write_text("s", "\n", 0600), KEYFILE_ERR_TOO_SHORT, "0 bytes");
}

static void test_too_long(void **state)
{
	char hex[131];

	(void)state;
	memset(hex, 'a', 130); /* 65 bytes */
	hex[130] = 0;
	expect(write_text("t", hex, 0600), KEYFILE_ERR_TOO_LONG, "at most 64");
}

static void test_malformed(void **state)
{
	uint8_t raw[32];
	char big[KEYFILE_MAX_SIZE + 2];

	(void)state;
	expect(write_text("m", HEX32 "0", 0600), KEYFILE_ERR_MALFORMED, "odd number");
	expect(write_text("m", "zz" HEX32, 0600), KEYFILE_ERR_MALFORMED, "not hex");
	expect(write_text("m", "00010203 0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
			  0600),
	       KEYFILE_ERR_MALFORMED, "not hex");
	/* 32 raw bytes are not the format: refused, not read as a weak key */
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(0x80 + i);
	expect(write_key("m", raw, sizeof(raw), 0600), KEYFILE_ERR_MALFORMED, "not hex");
	memset(big, '0', sizeof(big));
	expect(write_key("m", big, sizeof(big), 0600), KEYFILE_ERR_MALFORMED, "larger than");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_key),
		cmocka_unit_test(test_good_variants),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_too_short),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
