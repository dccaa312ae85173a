// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <stdio.h>

#include "base/rundir.h"

void rundir_path(char *buf, size_t len, const char *cluster, const char *suffix)
{
	snprintf(buf, len, "%s/%s.%s", RUN_DIR, cluster, suffix);
}
