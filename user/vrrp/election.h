/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* vrrp = on: the VRRPv3 speakers that decide who holds each VIP. */
#ifndef IKELB_ELECTION_H
#define IKELB_ELECTION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct daemon;
struct json_object;

int election_start(struct daemon *d);
/* Resigns (priority 0) where master, closes the sockets. */
void election_stop(struct daemon *d);
uint64_t election_deadline(struct daemon *d, uint64_t t);
void election_timers(struct daemon *d, uint64_t now);
bool election_fd_ready(struct daemon *d, int fd);
/* An interface address changed: the primary address may have. */
void election_addr_changed(struct daemon *d);
void election_text(struct daemon *d, FILE *out);
struct json_object *election_json(struct daemon *d);

#endif
