/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Surroundings for unit tests of the daemon's modules: a private network
 * and mount namespace (lo up, a tmpfs on /run), so that a test's sockets
 * and run-time files never meet the host's or another test's; configs
 * from text; a key file; waiting for work done on other threads.
 */
#ifndef IKELB_TESTS_UNIT_ENV_H
#define IKELB_TESTS_UNIT_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct loop;


/* Moves this process into new network and mount namespaces with lo up and
 * an empty /run with RUN_DIR in it, as the daemon makes it (needs root);
 * 0, or -1 with a message on stderr. */
int unit_private_namespaces(void);
/* A config from text (errors printed); NULL when it does not parse. */
struct config *unit_config(const char *text);
void unit_config_free(struct config *c);
/* Writes a 32-byte cluster key (hex, mode 0600) to a new temporary file;
 * its path in path[64].  0 or -1. */
int unit_key_file(char path[64], uint8_t fill);
/* Writes such a key over path (a new file renamed onto it, as a key
 * rotated in place); 0 or -1. */
int unit_key_file_at(const char *path, uint8_t fill);
/* Serves l's ready fds (without moving a fake clock) until done(arg) or
 * max_ms of real time; true when done. */
bool unit_pump_until(struct loop *l, bool (*done)(void *arg), void *arg, unsigned max_ms);

#endif
