// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cluster/keyfile.h"

static int fail(int code, char *err, size_t errlen, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(int code, char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "key_file %s: %s", path, why);
	return code;
}

/*
 * Others must have no access at all; the group may read (root:ikelb 0640)
 * but not write, since a writer could swap the key under the cluster.
 */
static int check_stat(const struct stat *st, const char *path, char *err, size_t errlen)
{
	unsigned mode = st->st_mode & 07777;

	if (!S_ISREG(st->st_mode))
		return fail(KEYFILE_ERR_NOT_REGULAR, err, errlen, path, "%s",
			    S_ISDIR(st->st_mode) ? "is a directory, not a regular file" :
						   "not a regular file");
	if (mode & S_IRWXO)
		return fail(KEYFILE_ERR_PERMISSIONS, err, errlen, path,
			    "accessible by others (mode %04o); chmod 600 it", mode);
	if (mode & S_IWGRP)
		return fail(KEYFILE_ERR_PERMISSIONS, err, errlen, path,
			    "group-writable (mode %04o); chmod 600 it", mode);
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return fail(KEYFILE_ERR_OWNER, err, errlen, path,
			    "owned by uid %u, neither root nor this process's user (uid %u)",
			    (unsigned)st->st_uid, (unsigned)geteuid());
	return KEYFILE_OK;
}

static int hex_value(char c)
{
	return OPENSSL_hexchar2int((unsigned char)c);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int parse_hex(const char *text, size_t n, struct cluster_key *key, const char *path,
		     char *err, size_t errlen)
{
	size_t start = 0, end = n, digits, i;

	while (start < end && is_space(text[start]))
		start++;
	while (end > start && is_space(text[end - 1]))
		end--;
	for (i = start; i < end; i++)
		if (hex_value(text[i]) < 0)
			return fail(KEYFILE_ERR_MALFORMED, err, errlen, path,
				    "not hex text (byte %zu); make one with: openssl rand -hex 32",
				    i);
	digits = end - start;
	if (digits % 2)
		return fail(KEYFILE_ERR_MALFORMED, err, errlen, path,
			    "odd number of hex digits (%zu)", digits);
	if (digits / 2 < CLUSTER_KEY_MIN)
		return fail(KEYFILE_ERR_TOO_SHORT, err, errlen, path,
			    "key too short: %zu bytes, at least %d needed (%d hex digits)",
			    digits / 2, CLUSTER_KEY_MIN, 2 * CLUSTER_KEY_MIN);
	if (digits / 2 > CLUSTER_KEY_MAX)
		return fail(KEYFILE_ERR_TOO_LONG, err, errlen, path,
			    "key too long: %zu bytes, at most %d", digits / 2, CLUSTER_KEY_MAX);
	for (i = 0; i < digits / 2; i++)
		key->bytes[i] = (uint8_t)(hex_value(text[start + 2 * i]) << 4 |
					  hex_value(text[start + 2 * i + 1]));
	key->len = digits / 2;
	return KEYFILE_OK;
}

static int read_all(int fd, char *buf, size_t size, size_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < size) {
		r = read(fd, buf + *got, size - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

int keyfile_load(const char *path, struct cluster_key *key, char *err, size_t errlen)
{
	char text[KEYFILE_MAX_SIZE + 1];
	struct stat st;
	size_t n = 0;
	int fd, rc;

	cluster_key_clear(key);
	if (err && errlen)
		err[0] = 0;
	if (!path || !*path)
		return fail(KEYFILE_ERR_MISSING, err, errlen, "(none)", "no key_file configured");
	/* O_NONBLOCK: opening a FIFO must not hang the daemon */
	fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(errno == ENOENT ? KEYFILE_ERR_MISSING : KEYFILE_ERR_UNREADABLE, err,
			    errlen, path, "%s", errno == ENOENT ? "does not exist" : strerror(errno));
	/* checked on the opened file, so a rename in between changes nothing */
	if (fstat(fd, &st) < 0) {
		rc = fail(KEYFILE_ERR_UNREADABLE, err, errlen, path, "%s", strerror(errno));
		goto out;
	}
	rc = check_stat(&st, path, err, errlen);
	if (rc)
		goto out;
	if (read_all(fd, text, sizeof(text), &n) < 0) {
		rc = fail(KEYFILE_ERR_UNREADABLE, err, errlen, path, "%s", strerror(errno));
		goto out;
	}
	if (n > KEYFILE_MAX_SIZE) {
		rc = fail(KEYFILE_ERR_MALFORMED, err, errlen, path,
			  "larger than %d bytes: not a key file", KEYFILE_MAX_SIZE);
		goto out;
	}
	rc = parse_hex(text, n, key, path, err, errlen);
out:
	OPENSSL_cleanse(text, sizeof(text));
	close(fd);
	if (rc)
		cluster_key_clear(key);
	return rc;
}

void cluster_key_clear(struct cluster_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}

bool cluster_key_usable(const struct cluster_key *key)
{
	return key && key->len >= CLUSTER_KEY_MIN && key->len <= CLUSTER_KEY_MAX;
}

int cluster_key_mac(const struct cluster_key *key, const uint8_t *data, size_t len,
		    uint8_t out[CLUSTER_MAC_LEN])
{
	unsigned int n = 0;

	if (!HMAC(EVP_sha256(), key->bytes, (int)key->len, data, len, out, &n) ||
	    n != CLUSTER_MAC_LEN)
		return -1;
	return 0;
}
