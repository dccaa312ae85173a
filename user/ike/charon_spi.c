// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* strongSwan's SPI settings for a steering label: see charon_spi.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ike/charon_spi.h"
#include "ike/vici_codec.h"
#include "ikelb.h"

void charon_spi_lines(uint8_t label, FILE *out)
{
	fprintf(out, "spi_mask = 0x%016" PRIx64 "\n", (uint64_t)IKELB_IKE_SPI_MASK);
	fprintf(out, "spi_label = 0x%016" PRIx64 "\n", (uint64_t)ikelb_ike_spi_label(label));
	fprintf(out, "spi_min = 0x%08" PRIx32 "\n", (uint32_t)ikelb_esp_spi_min(label));
	fprintf(out, "spi_max = 0x%08" PRIx32 "\n", (uint32_t)ikelb_esp_spi_max(label));
}

/* A hex SPI as charon prints it ("2a906fdd6ac4ff8b", "c91b0fa1"): the
 * wire bytes in order.  0, or -1 when it is not one. */
static int hex_spi(const char *s, size_t digits, uint64_t *v)
{
	char *end;

	if (!s || strlen(s) != digits)
		return -1;
	*v = strtoull(s, &end, 16);
	return *end ? -1 : 0;
}

static void note(char *first, size_t len, const char *spi, const char *sa)
{
	if (!first[0])
		snprintf(first, len, "%s of %s", spi, sa);
}

/* The IKE SA's own SPI: the one of the side it stands on (initiator = yes:
 * this charon started it). */
static void check_ike(const struct vic_node *sa, uint8_t label, struct charon_spi_check *c)
{
	const char *init = vic_find_str(sa, "initiator");
	const char *spi = vic_find_str(sa, init && !strcmp(init, "yes") ? "initiator-spi"
									 : "responder-spi");
	uint64_t v;

	c->ike_sas++;
	if (hex_spi(spi, 16, &v) || (uint8_t)(v >> 56) != label) {
		c->ike_wrong++;
		note(c->first_ike, sizeof(c->first_ike), spi ? spi : "(none)", sa->name);
	}
}

static void check_children(const struct vic_node *sa, uint8_t label, struct charon_spi_check *c)
{
	const struct vic_node *children = vic_child(sa, "child-sas");

	for (const struct vic_node *ch = children ? children->child : NULL; ch; ch = ch->next) {
		const char *spi = vic_find_str(ch, "spi-in");
		uint64_t v;

		if (ch->type != VIC_N_SECTION || !spi)
			continue;
		c->child_sas++;
		if (hex_spi(spi, 8, &v) || v < ikelb_esp_spi_min(label) ||
		    v > ikelb_esp_spi_max(label)) {
			c->child_wrong++;
			note(c->first_child, sizeof(c->first_child), spi, ch->name);
		}
	}
}

void charon_spi_check_sa(const struct vic_node *msg, uint8_t label, struct charon_spi_check *c)
{
	for (const struct vic_node *sa = msg ? msg->child : NULL; sa; sa = sa->next) {
		if (sa->type != VIC_N_SECTION)
			continue;
		check_ike(sa, label, c);
		check_children(sa, label, c);
	}
}
