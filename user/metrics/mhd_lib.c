// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* libmicrohttpd, loaded when the metrics are on: see mhd_lib.h. */
#include "metrics/mhd_lib.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/log.h"

struct mhd_lib mhd_lib;

static bool loaded;

int mhd_lib_load(void)
{
	static const struct {
		const char *name;
		size_t off;
	} fns[] = {
#define F(field, sym) { #sym, offsetof(struct mhd_lib, field) }
		F(start_daemon, MHD_start_daemon),
		F(stop_daemon, MHD_stop_daemon),
		F(run, MHD_run),
		F(get_timeout, MHD_get_timeout),
		F(get_daemon_info, MHD_get_daemon_info),
		F(create_response_from_buffer, MHD_create_response_from_buffer),
		F(add_response_header, MHD_add_response_header),
		F(queue_response, MHD_queue_response),
		F(destroy_response, MHD_destroy_response),
#undef F
	};
	struct mhd_lib got = {};
	void *h;

	if (loaded)
		return 0;
	h = dlopen(MHD_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_err("metrics: cannot load %s (Debian package libmicrohttpd12): %s",
			MHD_LIB_SONAME, dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		void *p = dlsym(h, fns[i].name);

		if (!p) {
			log_err("metrics: %s has no %s", MHD_LIB_SONAME, fns[i].name);
			dlclose(h);
			return -1;
		}
		*(void **)((char *)&got + fns[i].off) = p;
	}
	mhd_lib = got;
	loaded = true; /* kept loaded: a reload may start the server again */
	return 0;
}
