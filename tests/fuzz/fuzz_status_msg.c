// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer over the status message decoder.  Each input is decoded as
 * received, then again with a correct MAC put over its last 32 bytes, so
 * that the fuzzer also reaches the accepting path.  An accepted message
 * must re-encode to the same bytes (the format is canonical).
 * Seeds: tests/fuzz/corpus/fuzz_status_msg/, made by the encoder
 * (status_send --save) under the key below for cluster "fuzz".
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cluster/status_msg.h"

static const struct cluster_key key = {
	.bytes = { 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a,
		   0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75,
		   0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a },
	.len = 32,
};

static void check_canonical(const uint8_t *msg, size_t len, const struct status_report *r)
{
	uint8_t again[STATUS_MSG_MAX];
	int n = status_msg_encode(r, &key, again, sizeof(again));

	if (n != (int)len || memcmp(again, msg, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct status_report r;
	uint8_t *signed_copy;
	unsigned n = 0;

	if (status_msg_decode(data, size, "fuzz", &key, &r) == STATUS_OK)
		check_canonical(data, size, &r);
	if (size < STATUS_MAC_LEN || size > STATUS_MSG_MAX)
		return 0;
	/* an exact-size heap copy, so ASan sees any over-read */
	signed_copy = malloc(size);
	if (!signed_copy)
		return 0;
	memcpy(signed_copy, data, size);
	if (HMAC(EVP_sha256(), key.bytes, (int)key.len, signed_copy, size - STATUS_MAC_LEN,
		 signed_copy + size - STATUS_MAC_LEN, &n) &&
	    status_msg_decode(signed_copy, size, "fuzz", &key, &r) == STATUS_OK)
		check_canonical(signed_copy, size, &r);
	free(signed_copy);
	return 0;
}
