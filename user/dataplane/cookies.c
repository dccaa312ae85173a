// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The cookie secrets and the cookie switch: see cookies.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/log.h"
#include "base/loop.h"
#include "dataplane/cookie_auto.h"
#include "dataplane/cookies.h"

struct cookies {
	struct loop *loop;
	const struct config *cfg;
	const struct dataplane *dp;
	struct cookies_hooks hooks;
	struct loop_timer rotate, sample;
	struct cookie_auto rule;
	bool on;
	time_t since;
	uint64_t switches;
	uint8_t version; /* of the current secret; 0 before the first */
	/* what the map's two entries hold (a rotation rewrites one in steps) */
	struct ikelb_cookie_secret entry[2];
	time_t rotated;
	uint64_t rotations, rotation_failures;
	bool read_failed; /* logged once */
	uint64_t new_requests; /* the last sample's count (it only grows) */
};

const char *cookies_setting_name(enum cfg_cookies s)
{
	return s == CFG_COOKIES_ON ? "on" : s == CFG_COOKIES_AUTO ? "auto" : "off";
}

/* The key's bytes 0..7 and 8..15 as SipHash's k0, k1 (little-endian). */
static uint64_t le64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static int write_entry(struct cookies *k, uint32_t idx, const struct ikelb_cookie_secret *s)
{
	return k->dp->ops->set_cookie_secret(k->dp->ctx, idx, s);
}

int cookies_rotate(struct cookies *k)
{
	uint8_t version = (uint8_t)(k->version + 1), key[16];
	uint32_t idx = version & 1;
	struct ikelb_cookie_secret e = k->entry[idx];
	int rc = -1;

	if (RAND_bytes(key, sizeof(key)) != 1) {
		log_err("cookies: no random bytes for a new secret (OpenSSL RAND_bytes failed)");
		goto out;
	}
	/* entry idx holds the secret before the current one: the program
	 * stops accepting it first (only the valid byte changes), then the
	 * new key goes in while the entry is invalid, then it is valid */
	e.valid = 0;
	if (write_entry(k, idx, &e))
		goto fail;
	e.version = version;
	e.key[0] = le64(key);
	e.key[1] = le64(key + 8);
	if (write_entry(k, idx, &e))
		goto fail;
	e.valid = 1;
	if (write_entry(k, idx, &e))
		goto fail;
	k->entry[idx] = e;
	k->version = version;
	k->rotated = time(NULL);
	k->rotations++;
	log_debug("cookies: secret version %u", version);
	rc = 0;
	goto out;
fail:
	log_err("cookies: cannot write a new secret into the cookie_secrets map: %s",
		strerror(errno));
	/* whatever the map holds now, it is not valid */
	k->entry[idx].valid = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(&e, sizeof(e));
	if (rc)
		k->rotation_failures++;
	return rc;
}

static void on_rotate(void *arg)
{
	cookies_rotate(arg);
}

/* What the setting and the rule say now; a change is logged and told. */
static void apply(struct cookies *k, const char *why)
{
	enum cfg_cookies s = k->cfg->cookies;
	bool on = s == CFG_COOKIES_ON || (s == CFG_COOKIES_AUTO && k->rule.on);

	if (on == k->on)
		return;
	k->on = on;
	k->since = time(NULL);
	k->switches++;
	log_info("cookies %s: %s", on ? "on" : "off", why);
	if (k->hooks.on_change)
		k->hooks.on_change(k->hooks.ctx, on);
}

static void on_sample(void *arg)
{
	struct cookies *k = arg;
	uint64_t c[IKELB_CNT_MAX], n;
	char why[160];

	if (k->dp->ops->read_counters(k->dp->ctx, c)) {
		if (!k->read_failed)
			log_err("cookies: cannot read the XDP counters: %s (auto stays %s)",
				strerror(errno), k->rule.on ? "on" : "off");
		k->read_failed = true;
		return;
	}
	k->read_failed = false;
	/* A request is counted before its cookie is checked, but a CPU may
	 * count both between the reads of the two fields: never below the
	 * last sample, never below zero. */
	n = c[IKELB_CNT_REQUESTS] > c[IKELB_CNT_COOKIE_VALID] ?
		    c[IKELB_CNT_REQUESTS] - c[IKELB_CNT_COOKIE_VALID] :
		    0;
	if (n > k->new_requests)
		k->new_requests = n;
	if (!cookie_auto_sample(&k->rule, loop_now(k->loop), k->new_requests,
				k->cfg->cookie_threshold))
		return;
	if (k->rule.on)
		snprintf(why, sizeof(why), "auto, %llu new requests/s, above the threshold of %u",
			 (unsigned long long)k->rule.rate, k->cfg->cookie_threshold);
	else
		snprintf(why, sizeof(why),
			 "auto, at most %u new requests/s (half the threshold) for %d s",
			 k->cfg->cookie_threshold / 2, COOKIE_AUTO_HOLD_MS / 1000);
	apply(k, why);
}

struct cookies *cookies_new(struct loop *l, const struct config *c, const struct dataplane *dp,
			    const struct cookies_hooks *h)
{
	struct cookies *k = calloc(1, sizeof(*k));

	if (!k) {
		log_err("out of memory");
		return NULL;
	}
	k->loop = l;
	k->cfg = c;
	k->dp = dp;
	if (h)
		k->hooks = *h;
	k->since = time(NULL);
	cookie_auto_init(&k->rule);
	loop_timer_init(&k->rotate, l, "cookies.rotate", on_rotate, k);
	loop_timer_init(&k->sample, l, "cookies.sample", on_sample, k);
	/* version 1 goes into entry 1; entry 0 holds nothing valid */
	if (write_entry(k, 0, &k->entry[0])) {
		log_err("cookies: cannot write the cookie_secrets map: %s", strerror(errno));
		cookies_free(k);
		return NULL;
	}
	if (cookies_rotate(k)) {
		cookies_free(k);
		return NULL;
	}
	loop_timer_every(&k->rotate, c->cookie_rotation_ms);
	/* sampled whatever the setting: status shows the rate, and a switch
	 * to auto starts from what the rule has seen */
	loop_timer_every(&k->sample, COOKIE_AUTO_SAMPLE_MS);
	apply(k, "cookies = on");
	return k;
}

void cookies_reload(struct cookies *k, const struct config *c)
{
	char why[64];
	uint32_t was = k->cfg->cookie_rotation_ms;

	k->cfg = c;
	if (c->cookie_rotation_ms != was)
		loop_timer_every(&k->rotate, c->cookie_rotation_ms);
	snprintf(why, sizeof(why), "cookies = %s (reload)", cookies_setting_name(c->cookies));
	apply(k, why);
}

void cookies_free(struct cookies *k)
{
	if (!k)
		return;
	loop_timer_stop(&k->rotate);
	loop_timer_stop(&k->sample);
	OPENSSL_cleanse(k->entry, sizeof(k->entry));
	free(k);
}

bool cookies_on(const struct cookies *k)
{
	return k->on;
}

void cookies_view(const struct cookies *k, struct cookies_view *v)
{
	*v = (struct cookies_view){
		.setting = k->cfg->cookies,
		.on = k->on,
		.since = k->since,
		.switches = k->switches,
		.rate = k->rule.rate,
		.threshold = k->cfg->cookie_threshold,
		.version = k->version,
		.rotated = k->rotated,
		.rotations = k->rotations,
		.rotation_ms = k->cfg->cookie_rotation_ms,
		.rotation_failures = k->rotation_failures,
	};
}
