// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Placeholder: mode = auth is being built (issue 8). */
#include <json-c/json.h>

#include "authmode.h"
#include "daemon.h"

int authmode_start(struct daemon *d)
{
	return d->cfg.mode == CFG_MODE_AUTH ? -1 : 0;
}

void authmode_stop(struct daemon *d) { (void)d; }
uint64_t authmode_deadline(struct daemon *d, uint64_t t) { (void)d; return t; }
void authmode_timers(struct daemon *d, uint64_t now) { (void)d; (void)now; }
bool authmode_fd_ready(struct daemon *d, int fd) { (void)d; (void)fd; return false; }
void authmode_role_changed(struct daemon *d, int fam, bool master) { (void)d; (void)fam; (void)master; }
bool authmode_xdp_answers(const struct daemon *d) { return d->cfg.mode == CFG_MODE_INIT; }
void authmode_add_redirects(struct daemon *d, uint64_t out[IKELB_MAX_TARGETS]) { (void)d; (void)out; }
void authmode_text(struct daemon *d, FILE *out) { (void)d; (void)out; }
struct json_object *authmode_json(struct daemon *d) { (void)d; return NULL; }
