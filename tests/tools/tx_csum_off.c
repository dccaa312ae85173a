// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * tx_csum_off IFNAME: turns off transmit checksum offload on an interface
 * (what `ethtool -K IFNAME tx off` does, without ethtool).
 *
 * Why: a UDP socket's datagram leaves a veth with only the pseudo-header
 * part of its checksum filled in (CHECKSUM_PARTIAL).  An XDP program on the
 * peer that sends the frame back as it is (the benchmarks' bare reflector)
 * returns that partial checksum, and the sender's stack drops the reply
 * (UdpInCsumErrors).  With the offload off the kernel completes the
 * checksum before the frame leaves.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ethtool_value v = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr = { 0 };
	int fd;

	if (argc != 2 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "usage: tx_csum_off IFNAME\n");
		return 2;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	ifr.ifr_data = (void *)&v;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr)) {
		fprintf(stderr, "tx_csum_off: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}
