/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Leveled logging to stderr (journald adds timestamps under systemd).  Any
 * thread may log; a line is written whole, in one write.
 *
 * log_never_block: for the daemon, whose event loop logs.  When stderr is
 * a pipe or a socket (journald's stream, a pipe into a logger), a reader
 * that does not keep up must not stop the loop (the VRRP adverts with
 * it): a line that does not fit is dropped and counted, and the next line
 * written says how many were.  A file or a terminal is written as before.
 */
#ifndef IKELB_LOG_H
#define IKELB_LOG_H

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level lvl);
void log_never_block(void);
/* Lines dropped so far because stderr was full. */
unsigned long long log_dropped(void);
enum log_level log_get_level(void);
/* Route libbpf's messages through this logger. */
void log_route_libbpf(void);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
