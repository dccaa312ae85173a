/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The rule behind `[redirect] cookies = auto`: whether the XDP program
 * should ask clients for a cookie (RFC 7296 2.6) now.  Pure: the caller
 * passes the time and the program's counters; dataplane/cookies.c samples
 * them on the loop.
 *
 * What is measured: new requests per second, the program's `requests`
 * less its `cookie_valid`.  With cookies on, a client sends two requests
 * (the first, answered with a cookie, then the same with the cookie); the
 * second is the same client once more, so the measure does not double
 * when cookies switch on, which would keep them on by itself.
 *
 * The rule, with a sample every COOKIE_AUTO_SAMPLE_MS and the rate taken
 * over the last COOKIE_AUTO_WINDOW_MS (less at the very start):
 *   - on as soon as the rate is above the threshold;
 *   - off once the rate has stayed at or below half the threshold for
 *     COOKIE_AUTO_HOLD_MS.
 * The gap between the two levels keeps a rate around the threshold from
 * flapping; the hold keeps a flood that pauses for a few seconds from
 * turning cookies off between its bursts.
 */
#ifndef IKELB_COOKIE_AUTO_H
#define IKELB_COOKIE_AUTO_H

#include <stdbool.h>
#include <stdint.h>

#define COOKIE_AUTO_SAMPLE_MS 100
#define COOKIE_AUTO_WINDOW_MS 1000
#define COOKIE_AUTO_HOLD_MS 10000
#define COOKIE_AUTO_RING (COOKIE_AUTO_WINDOW_MS / COOKIE_AUTO_SAMPLE_MS + 1)

struct cookie_auto {
	bool on;
	uint64_t rate; /* new requests per second at the last sample */
	uint64_t high_ms; /* the last sample whose rate was above threshold / 2 */
	/* the samples of the last window, oldest at head */
	uint64_t t[COOKIE_AUTO_RING], n[COOKIE_AUTO_RING];
	unsigned head, count;
};

/* Off, no samples. */
void cookie_auto_init(struct cookie_auto *a);
/*
 * One sample: the time (ms, never going back) and the count of new
 * requests since the program was loaded (requests - cookie_valid).
 * Returns true when a->on changed.
 */
bool cookie_auto_sample(struct cookie_auto *a, uint64_t now_ms, uint64_t new_requests,
			uint32_t threshold);

#endif
