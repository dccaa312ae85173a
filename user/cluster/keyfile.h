/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The cluster key that authenticates load reports, loaded from the
 * [reports] key_file.  Format (docs/report-protocol.md): hex text, 64 to 128
 * hex digits (32 to 64 bytes of key), surrounding whitespace ignored:
 *
 *     (umask 077; openssl rand -hex 32 > /etc/ikelb/cluster.key)
 *
 * The file is refused unless it is a regular file (a symlink to one is
 * fine), owned by root or by the daemon's effective user, with no
 * permission bits for others and not group-writable (0600 or 0640).
 */
#ifndef IKELB_KEYFILE_H
#define IKELB_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLUSTER_KEY_MIN 32 /* bytes: HMAC-SHA256's output size */
#define CLUSTER_KEY_MAX 64 /* bytes: SHA-256's block size */
#define KEYFILE_MAX_SIZE 4096 /* larger files are not key files */

struct cluster_key {
	uint8_t bytes[CLUSTER_KEY_MAX];
	size_t len; /* 0: no key loaded */
};

enum keyfile_err {
	KEYFILE_OK = 0,
	KEYFILE_ERR_MISSING = -1, /* no such file */
	KEYFILE_ERR_UNREADABLE = -2, /* open or read failed */
	KEYFILE_ERR_NOT_REGULAR = -3, /* directory, FIFO, device, ... */
	KEYFILE_ERR_PERMISSIONS = -4, /* others have access, or group may write */
	KEYFILE_ERR_OWNER = -5, /* neither root nor the effective user */
	KEYFILE_ERR_MALFORMED = -6, /* not hex text, or too large */
	KEYFILE_ERR_TOO_SHORT = -7, /* fewer than CLUSTER_KEY_MIN bytes */
	KEYFILE_ERR_TOO_LONG = -8, /* more than CLUSTER_KEY_MAX bytes */
};

/*
 * Loads the key from path into *key.  Returns KEYFILE_OK, or a negative
 * enum keyfile_err with a message naming the file and the reason in err
 * (e.g. "key_file /etc/ikelb/k: readable by others (mode 0644); chmod 600
 * it").  *key is zeroed on failure.
 */
int keyfile_load(const char *path, struct cluster_key *key, char *err, size_t errlen);

/* Wipes the key from memory. */
void cluster_key_clear(struct cluster_key *key);

#define CLUSTER_MAC_LEN 32 /* HMAC-SHA256 */

/* A key of a usable length (a loaded one; NULL is not). */
bool cluster_key_usable(const struct cluster_key *key);
/* HMAC-SHA256 of data[0..len) under key into out: what signs load reports
 * and migration messages.  0, or -1 (OpenSSL failed). */
int cluster_key_mac(const struct cluster_key *key, const uint8_t *data, size_t len,
		    uint8_t out[CLUSTER_MAC_LEN]);

#endif
