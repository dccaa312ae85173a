/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * strongSwan's SPI settings for a steering label (docs/xdp.md, "Steering";
 * docs/design.md, "strongSwan"): the charon { } lines that make a gateway
 * put its label into the first byte of every IKE SPI it picks
 * (charon.spi_mask, spi_label) and pick every inbound ESP SPI from its
 * label's range (charon.spi_min, spi_max), and the check of a running
 * charon's SAs against them.  Pure: the caller talks to charon.
 *
 * VICI cannot tell charon's settings, only its SAs: a charon without SAs,
 * or whose SAs all came before its settings changed, cannot be checked.
 */
#ifndef IKELB_CHARON_SPI_H
#define IKELB_CHARON_SPI_H

#include <stdint.h>
#include <stdio.h>

struct vic_node;

/* The lines for the charon { } section of strongswan.conf, one per key. */
void charon_spi_lines(uint8_t label, FILE *out);

/* What the SAs of a list-sas showed. */
struct charon_spi_check {
	unsigned ike_sas, ike_wrong; /* IKE SAs; those whose own SPI has another label */
	unsigned child_sas, child_wrong; /* CHILD SAs; inbound SPI outside the range */
	char first_ike[160], first_child[160]; /* the first wrong ones, for messages */
};

/*
 * Adds the SAs of one list-sa event message (sections of IKE SAs by
 * connection name, as charon 5.9 sends them) to *c, as label requires.
 */
void charon_spi_check_sa(const struct vic_node *msg, uint8_t label, struct charon_spi_check *c);

#endif
