/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * libmicrohttpd, loaded when the metrics are on (dlopen), not linked.
 *
 * Why: Debian's libmicrohttpd links GnuTLS, and GnuTLS initialises itself
 * when it is loaded (p11-kit, its priority config, nettle, gmp): about
 * 2.5 MB resident in a daemon that otherwise needs about 9 MB, for HTTPS,
 * which /metrics never serves.  Loaded only when `[metrics] listen` is
 * set, a node without metrics carries none of it.  The same as systemd
 * does with its optional libraries.
 *
 *     if (mhd_lib_load())               // once; then through mhd_lib.fn
 *         return error;
 *     d = mhd_lib.start_daemon(...);
 *
 * The function types come from <microhttpd.h> (build time); the library
 * is the soname that header's package ships (libmicrohttpd12), a Depends of the Debian package since dpkg-shlibdeps
 * cannot see a dlopen.
 */
#ifndef IKELB_METRICS_MHD_LIB_H
#define IKELB_METRICS_MHD_LIB_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

#define MHD_LIB_SONAME "libmicrohttpd.so.12"

struct mhd_lib {
	__typeof__(&MHD_start_daemon) start_daemon;
	__typeof__(&MHD_stop_daemon) stop_daemon;
	__typeof__(&MHD_run) run;
	__typeof__(&MHD_get_timeout) get_timeout;
	__typeof__(&MHD_get_daemon_info) get_daemon_info;
	__typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
	__typeof__(&MHD_add_response_header) add_response_header;
	__typeof__(&MHD_queue_response) queue_response;
	__typeof__(&MHD_destroy_response) destroy_response;
};

/* Filled by mhd_lib_load(); all NULL before. */
extern struct mhd_lib mhd_lib;

/* Loads the library once (later calls return at once).  0, or -1 with the
 * reason logged (the library or one of its functions missing). */
int mhd_lib_load(void);

#endif
