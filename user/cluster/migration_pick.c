// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Targets for migrated clients, smooth weighted round robin: see migration_pick.h. */
#include <string.h>

#include "cluster/migration_pick.h"

void migration_pick_init(struct migration_pick *p)
{
	memset(p, 0, sizeof(*p));
}

unsigned migration_pick(struct migration_pick *p, unsigned fam,
			const uint32_t w[IKELB_MAX_TARGETS], unsigned k,
			uint32_t n[IKELB_MAX_TARGETS])
{
	int64_t *credit, total = 0;

	if (fam >= IKELB_FAMILIES)
		return 0;
	credit = p->credit[fam];
	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++) {
		if (!w[i])
			credit[i] = 0;
		total += w[i];
	}
	if (!total)
		return 0;
	for (unsigned j = 0; j < k; j++) {
		int best = -1;

		for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++) {
			if (!w[i])
				continue;
			credit[i] += w[i];
			if (best < 0 || credit[i] > credit[best])
				best = (int)i;
		}
		credit[best] -= total;
		n[best]++;
	}
	/* weights change between calls (the plan follows the loads): a credit
	 * earned under old weights is worth at most one round of the new */
	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++)
		credit[i] = credit[i] > total ? total : credit[i] < -total ? -total : credit[i];
	return k;
}
