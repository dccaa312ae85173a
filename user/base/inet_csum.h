/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
 * complement sum.  Data may be summed in pieces (pseudo-header, then the
 * message); every piece but the last must have an even length.
 */
#ifndef IKELB_INET_CSUM_H
#define IKELB_INET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at p to a running sum (start with 0). */
uint32_t inet_csum_add(uint32_t sum, const void *p, size_t len);
/* Folds a running sum into the checksum field value, in host order. */
uint16_t inet_csum_fold(uint32_t sum);

#endif
