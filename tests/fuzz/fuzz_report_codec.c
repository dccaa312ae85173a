// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * libFuzzer over the load report decoder.  Each input is decoded as
 * received, then again with a correct MAC put over its last 32 bytes, so
 * that the fuzzer also reaches the accepting path.  An accepted message
 * must re-encode to the same bytes (the format is canonical).
 * Seeds: tests/fuzz/corpus/fuzz_report_codec/, made by the encoder
 * (report_send --save) under the key below for cluster "fuzz".
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cluster/report_codec.h"

static const struct cluster_key key = {
	.bytes = { 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a,
		   0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75,
		   0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a, 0x66, 0x75, 0x7a, 0x7a },
	.len = 32,
};

static void check_canonical(const uint8_t *msg, size_t len, const struct load_report *r)
{
	uint8_t again[REPORT_MAX];
	int n = report_encode(r, &key, again, sizeof(again));

	if (n != (int)len || memcmp(again, msg, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_report r;
	uint8_t *signed_copy;
	unsigned n = 0;

	if (report_decode(data, size, "fuzz", &key, &r) == REPORT_OK)
		check_canonical(data, size, &r);
	if (size < REPORT_MAC_LEN || size > REPORT_MAX)
		return 0;
	/* an exact-size heap copy, so ASan sees any over-read */
	signed_copy = malloc(size);
	if (!signed_copy)
		return 0;
	memcpy(signed_copy, data, size);
	if (HMAC(EVP_sha256(), key.bytes, (int)key.len, signed_copy, size - REPORT_MAC_LEN,
		 signed_copy + size - REPORT_MAC_LEN, &n) &&
	    report_decode(signed_copy, size, "fuzz", &key, &r) == REPORT_OK)
		check_canonical(signed_copy, size, &r);
	free(signed_copy);
	return 0;
}
