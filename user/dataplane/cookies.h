/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The XDP program's cookies (RFC 7296 2.6, docs/xdp.md "Cookies") on the
 * daemon's side: the secrets, and when the program asks for cookies.
 *
 * Secrets: a fresh 16-byte key from OpenSSL's RAND_bytes is written into
 * the cookie_secrets map at the start (version 1, entry 1) and every
 * cookie_rotation_ms after, as version + 1 into entry version & 1; the
 * program accepts cookies of the current and the previous secret, so a
 * cookie stays good for one to two rotation intervals.  The entry a
 * rotation overwrites is first marked invalid, then filled, then marked
 * valid (three map writes): the program, reading the entry while it is
 * written, never sees a valid entry with half a key.
 *
 * When: `[redirect] cookies` off or on says so; auto follows the rule of
 * dataplane/cookie_auto.h, on the program's counters read every
 * COOKIE_AUTO_SAMPLE_MS (one lookup of the per-CPU counters map: nothing
 * on the loop waits).  Each switch is logged and told through the hook
 * (the daemon passes it to role_set_cookies, which writes the config map).
 */
#ifndef IKELB_COOKIES_H
#define IKELB_COOKIES_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"
#include "dataplane/dataplane.h"

struct loop;

struct cookies_hooks {
	void *ctx;
	/* The program should ask for cookies (on) or not, from now on. */
	void (*on_change)(void *ctx, bool on);
};

/* What `status` shows. */
struct cookies_view {
	enum cfg_cookies setting;
	bool on; /* the program asks for cookies */
	time_t since; /* wall clock of the last switch (or the start) */
	uint64_t switches; /* since the start */
	uint64_t rate; /* new requests per second, as auto last measured it */
	uint32_t threshold;
	uint8_t version; /* of the current secret */
	time_t rotated; /* wall clock of the last new secret */
	uint64_t rotations; /* new secrets since the start (the first included) */
	uint32_t rotation_ms;
	uint64_t rotation_failures; /* rotations that could not be written */
};

/*
 * c must stay valid until cookies_reload or cookies_free; dp for the life
 * of the module.  Writes the first secret and, with cookies = on, tells
 * the hook at once.  NULL (logged) when no secret could be made or
 * written.
 */
struct cookies *cookies_new(struct loop *l, const struct config *c, const struct dataplane *dp,
			    const struct cookies_hooks *h);
void cookies_free(struct cookies *k);
/* A new setting, threshold or rotation interval, in force at once. */
void cookies_reload(struct cookies *k, const struct config *c);
/* A new secret now (as the rotation timer does); 0 or -1 (logged). */
int cookies_rotate(struct cookies *k);
bool cookies_on(const struct cookies *k);
void cookies_view(const struct cookies *k, struct cookies_view *v);
const char *cookies_setting_name(enum cfg_cookies s);

#endif
