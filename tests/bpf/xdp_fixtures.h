/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The XDP program's packet cases as a table, one row per case (after
 * katran's KatranTestFixtures.h): a description, the input (a request
 * described by struct fx_input, built by tests/lib/pkt.c), changes to the
 * tests' base configuration, the expected verdict, the expected output
 * (the frame unchanged, or the REDIRECT or COOKIE answer, built by
 * tests/lib/pkt.c from the RFCs, never by the program), and the one outcome
 * counter that must move (plus the events that must move with it).
 * tests/bpf/test_xdp.c runs every row; its sweeps (every truncation, every
 * nonce size, every copy alignment) and scenarios (budgets, limits over
 * time, secret rotation) build rows of the same kind as they go.
 *
 * The base configuration (test_xdp.c, reset()): VIPs 198.18.0.10 and
 * 2001:db8::10 held, ports 500 and 4500 (NAT-T), own MAC
 * 02:66:77:88:99:aa, no VRRP MAC, tagged frames not answered, both actions
 * PASS, target 1 (198.18.1.1 / 2001:db8:1::1) in every plan slot, no
 * limits, cookies off with secrets of versions 6 (previous) and 7
 * (current), steering off (no label known, no target labelled).  The
 * steering rows' base (fx_steer) is under "configurations".
 *
 * Include only from test_xdp.c, after the helpers the setup functions use.
 */
#ifndef IKELB_TESTS_XDP_FIXTURES_H
#define IKELB_TESTS_XDP_FIXTURES_H

/* What the request is. */
enum fx_msg {
	MSG_BASIC, /* SA, KE (256 bytes of key data), Nonce, REDIRECT_SUPPORTED */
	MSG_SMALL, /* the same with 32 bytes of key data */
	MSG_STRONGSWAN, /* strongSwan 5.9's IKE_SA_INIT (892 bytes) */
	MSG_NO_SA, /* KE, Nonce, REDIRECT_SUPPORTED */
	MSG_NO_KE, /* SA, Nonce, REDIRECT_SUPPORTED */
	MSG_NO_NONCE, /* SA, KE, REDIRECT_SUPPORTED */
	MSG_NONCE_SUPPORT, /* Nonce and REDIRECT_SUPPORTED only */
	MSG_NO_SUPPORT, /* SA, KE, Nonce, other notifies (a REDIRECT among them) */
	MSG_FROM, /* SA, KE, Nonce, REDIRECTED_FROM naming fx_input.from */
	MSG_COOKIE, /* N(COOKIE) (fx_input.cookie) first, then as MSG_BASIC */
	MSG_COOKIE_LATE, /* SA, then a valid N(COOKIE), KE, Nonce, REDIRECT_SUPPORTED */
	MSG_AUTH, /* an IKE_AUTH request (I set, message ID 1): Encrypted payload;
		   * SPIr's first byte fx_input.label (0: 0x3c) */
	MSG_RESPONDER, /* an INFORMATIONAL response of the SA's responder (I
			* clear): SPIi's first byte fx_input.label, SPIr's 5 */
	MSG_ESP, /* ESP (IP protocol 50), SPI fx_input.label << 24 | 0xa1b2c3 */
	MSG_ESP_UDP, /* the same ESP in UDP (no marker; port 4500) */
	MSG_KEEPALIVE, /* a NAT-T keepalive: one byte 0xff (no marker; port 4500) */
	MSG_SHORT_UDP, /* three bytes 1, 2, 3 (no marker; port 4500) */
};

/* Which part of the datagram the frame is (IP fragments). */
enum fx_frag {
	FRAG_NONE,
	FRAG_FIRST, /* offset 0, more follow: the first FX_FRAG_SPLIT bytes */
	FRAG_LATER, /* the rest, from offset FX_FRAG_SPLIT */
};
#define FX_FRAG_SPLIT 64
#define FX_FRAG_ID 0x4d2e

/* Which cookie a MSG_COOKIE request carries. */
enum fx_cookie {
	COOKIE_CURRENT, /* made with the current secret (version 7) */
	COOKIE_PREVIOUS, /* made with the previous secret (version 6) */
	COOKIE_BAD_HASH, /* the current one with its last byte changed */
	COOKIE_OLD_VERSION, /* version 5: no secret of that version any more */
	COOKIE_OTHER_PORT, /* made for another source port */
	COOKIE_SHORT, /* 8 bytes */
	COOKIE_LONG, /* the current one and a byte more */
};

/* Where the frame is sent to (Ethernet destination). */
enum fx_mac {
	MAC_OWN, /* the interface's own MAC */
	MAC_BROADCAST, /* ff:ff:ff:ff:ff:ff */
	MAC_MULTICAST4, /* 01:00:5e:00:00:01 */
	MAC_MULTICAST6, /* 33:33:00:00:00:01 */
	MAC_OTHER, /* another host's unicast MAC */
	MAC_VRRP, /* the VRRP virtual MAC 00:00:5e:00:01:33 */
	MAC_GW1, /* label 1's gateway (fx_steer) */
	MAC_GW5, /* label 5's gateway (fx_steer) */
};

/* A byte of the IKE message set before the frame is built (checksums
 * stay right); set = 1 marks the entry as used. */
struct fx_ike_byte {
	uint8_t set;
	uint16_t off;
	uint8_t val;
};
#define IKE_BYTE(o, v) { .set = 1, .off = (o), .val = (v) }

/* A byte of the built frame changed afterwards (checksums left as they
 * were): at an offset from the IP header (FX_L3) or the UDP header (FX_L4). */
enum { FX_NONE, FX_L3, FX_L4 };
struct fx_frame_byte {
	uint8_t at;
	uint16_t off;
	uint8_t val;
};

struct fx_input {
	uint8_t v6; /* to the IPv6 VIP (from 2001:db8::2), else the IPv4 one (from 198.18.0.2) */
	uint16_t port; /* 0: 500; 4500 puts the non-ESP marker in */
	const char *src; /* another source address */
	const char *dst; /* another destination (a VIP a setup configured) */
	uint16_t sport; /* another source port */
	uint8_t sport0; /* source port 0 */
	uint8_t tags; /* 1: an 802.1Q tag; 2: 802.1ad and 802.1Q */
	uint8_t dst_mac; /* enum fx_mac */
	uint8_t src_mac_group; /* the source MAC has the group bit set */
	uint8_t tos; /* IPv4 TOS / IPv6 traffic class */
	uint8_t msg; /* enum fx_msg */
	uint8_t cookie; /* enum fx_cookie, for MSG_COOKIE */
	const char *from; /* MSG_FROM: the identity REDIRECTED_FROM names */
	uint16_t nonce_len; /* 0: 32 */
	uint8_t spi_zero; /* SPIi 0 */
	uint8_t label; /* the gateway SPI's first byte (MSG_AUTH, _RESPONDER, _ESP*) */
	uint8_t frag; /* enum fx_frag */
	struct fx_ike_byte ike[2];
	struct fx_frame_byte frame[2];
};

enum fx_answer {
	ANSWER_NONE, /* no answer: the frame comes back unchanged */
	ANSWER_REDIRECT, /* the REDIRECT to target / target_idx */
	ANSWER_COOKIE, /* N(COOKIE) with the current secret */
	ANSWER_STEER, /* the frame sent on (XDP_TX) to MAC `to`, from our own */
};

/* Events that must move besides the outcome: EV_COOKIE_VALID,
 * EV_COOKIE_INVALID, EV_STEERED_LOCAL ('requests' follows from the
 * outcome: every outcome decided after the payload walk comes with it; for
 * steering outcomes, EV_REQUESTS says so). */

struct xdp_fixture {
	const char *description;
	struct fx_input in;
	void (*setup)(void); /* changes against the base; NULL: none */
	int verdict;
	uint8_t answer; /* enum fx_answer */
	const char *target; /* ANSWER_REDIRECT: the identity; NULL: target 1's */
	uint32_t target_idx; /* ANSWER_REDIRECT: the target counted; 0: 1 */
	int counter; /* enum ikelb_counter: the outcome */
	unsigned events;
	uint8_t to; /* ANSWER_STEER: enum fx_mac of the gateway */
	uint32_t counted; /* steering: the target whose redirect count moves; 0: none */
};

/* ---- configurations ------------------------------------------------------ */

static void fx_tagged(void)
{
	cfg.answer_tagged = 1;
	put_config();
}

static void fx_vrrp_mac(void)
{
	static const uint8_t vmac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33 };

	memcpy(cfg.vrrp_mac, vmac, 6);
	put_config();
}

static void fx_no_mac(void)
{
	memset(cfg.mac, 0, 6);
	put_config();
}

static void fx_unsupported_drop(void)
{
	cfg.unsupported_action = IKELB_ACT_DROP;
	put_config();
}

static void fx_no_target_drop(void)
{
	cfg.no_target_action = IKELB_ACT_DROP;
	put_config();
}

static void fx_cookies(void)
{
	cfg.cookie_mode = IKELB_COOKIES_ON;
	put_config();
}

static void fx_cookies_no_secret(void)
{
	fx_cookies();
	clear_secrets();
}

/* The VIPs link-local: a link-local source is then of the same scope. */
static void fx_link_local_vips(void)
{
	inet_pton(AF_INET, "169.254.0.10", &cfg.vip4);
	inet_pton(AF_INET6, "fe80::10", cfg.vip6);
	put_config();
}

/* Target 1's identities are the VIPs themselves. */
static void fx_target_is_vip(void)
{
	set_target(1, 1, VIP4, VIP6);
}

static void fx_target_is_vip_drop(void)
{
	fx_target_is_vip();
	fx_no_target_drop();
}

/* Target 9: a 255-character FQDN, in every slot. */
static char fqdn255[256];
static void fx_target_fqdn255(void)
{
	for (int i = 0; i < 255; i++)
		fqdn255[i] = (char)(i % 64 == 63 ? '.' : 'a' + i % 26);
	fqdn255[255] = 0;
	set_target(9, 1, fqdn255, fqdn255);
	fill_slots(IKELB_FAM_V4, 9);
	fill_slots(IKELB_FAM_V6, 9);
}

/* Target 9 with an FQDN of extra + the length that makes the REDIRECT to a
 * MSG_SMALL request (32-byte nonce) exactly as long as the request:
 * 28 + 10 + length + 32 = the request's IKE length. */
static char fqdn_fit[256];
static void target_fqdn_fit(int extra)
{
	size_t n = (size_t)((int)small_request_len() - 28 - 10 - 32 + extra);

	memset(fqdn_fit, 'f', n);
	fqdn_fit[n] = 0;
	set_target(9, 1, fqdn_fit, fqdn_fit);
	fill_slots(IKELB_FAM_V4, 9);
	fill_slots(IKELB_FAM_V6, 9);
}

static void fx_target_fits(void)
{
	target_fqdn_fit(0);
}

static void fx_target_one_too_long(void)
{
	target_fqdn_fit(1);
}

static void fx_cookies_target_is_vip(void)
{
	fx_cookies();
	fx_target_is_vip();
}

/*
 * Steering on: label 1 is gateway MAC_GW1's (target 1, in every plan
 * slot), label 2 this node's (target 2), label 3 a dead gateway's, label 4
 * one whose MAC is not known (target 4), label 5 MAC_GW5's (target 5);
 * target 6 has no label; no other label is known.
 */
static const uint8_t gw1_mac[6] = { 0x02, 0xab, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t gw5_mac[6] = { 0x02, 0xab, 0x00, 0x00, 0x00, 0x05 };

static void fx_steer(void)
{
	cfg.unsupported_action = IKELB_ACT_STEER;
	put_config();
	set_label(1, IKELB_STEER_TX, gw1_mac, 1);
	set_label(2, IKELB_STEER_LOCAL, NULL, 2);
	set_label(3, IKELB_STEER_DEAD, NULL, 3);
	set_label(4, IKELB_STEER_NO_MAC, NULL, 4);
	set_label(5, IKELB_STEER_TX, gw5_mac, 5);
	for (uint32_t t = 1; t <= 5; t++) {
		char a4[32], a6[48];

		snprintf(a4, sizeof(a4), "198.18.1.%u", t);
		snprintf(a6, sizeof(a6), "2001:db8:1::%u", t);
		label_of[t] = (uint8_t)t;
		set_target(t, t != 3, a4, a6);
	}
	set_target(6, 1, "198.18.1.6", "2001:db8:1::6");
}

/* Steering; every plan slot (both families) names target idx. */
static void steer_plan(uint32_t idx)
{
	fx_steer();
	fill_slots(IKELB_FAM_V4, idx);
	fill_slots(IKELB_FAM_V6, idx);
}

static void fx_steer_local(void)
{
	steer_plan(2);
}

static void fx_steer_no_mac(void)
{
	steer_plan(4);
}

static void fx_steer_no_mac_drop(void)
{
	steer_plan(4);
	fx_no_target_drop();
}

static void fx_steer_no_mac_spill(void)
{
	steer_plan(4);
	fill_spill(IKELB_FAM_V4, 5);
	fill_spill(IKELB_FAM_V6, 5);
}

static void fx_steer_unlabelled(void)
{
	steer_plan(6);
}

static void fx_steer_no_target(void)
{
	steer_plan(IKELB_SLOT_NONE);
}

static void fx_steer_tagged(void)
{
	fx_steer();
	fx_tagged();
}

static void fx_steer_vrrp_mac(void)
{
	fx_steer();
	fx_vrrp_mac();
}

/* ---- the table ------------------------------------------------------------ */

#define V4 .v6 = 0
#define V6 .v6 = 1
#define P4500 .port = 4500
#define REQ .counter = IKELB_CNT_REDIRECTED, .verdict = XDP_TX_, .answer = ANSWER_REDIRECT
#define COOKIE .counter = IKELB_CNT_COOKIE_SENT, .verdict = XDP_TX_, .answer = ANSWER_COOKIE
#define PASS(c) .counter = (c), .verdict = XDP_PASS_
#define DROP(c) .counter = (c), .verdict = XDP_DROP_
#define STEER(c, m) .counter = (c), .verdict = XDP_TX_, .answer = ANSWER_STEER, .to = (m)
#define LOCAL(c) .counter = (c), .verdict = XDP_PASS_, .events = EV_STEERED_LOCAL
#define LOCAL_REQ(c) .counter = (c), .verdict = XDP_PASS_, .events = EV_STEERED_LOCAL | EV_REQUESTS
#define NOSUP .msg = MSG_NO_SUPPORT

static const struct xdp_fixture xdp_fixtures[] = {
	/* ---- redirects: families, ports, shapes ---- */
	{ "IPv4 port 500", { V4 }, NULL, REQ },
	{ "IPv4 port 4500 (marker)", { V4, P4500 }, NULL, REQ },
	{ "IPv6 port 500", { V6 }, NULL, REQ },
	{ "IPv6 port 4500 (marker)", { V6, P4500 }, NULL, REQ },
	{ "4500 from source port 61234 (NAT)", { V4, P4500, .sport = 61234 }, NULL, REQ },
	{ "strongSwan-shaped request, IPv4", { V4, .msg = MSG_STRONGSWAN }, NULL, REQ },
	{ "strongSwan-shaped request, IPv6 4500", { V6, P4500, .msg = MSG_STRONGSWAN }, NULL, REQ },
	{ "V flag set (ignored, RFC 7296 3.1)", { V4, .ike = { IKE_BYTE(19, 0x18) } }, NULL, REQ },
	{ "REDIRECTED_FROM another gateway, IPv4", { V4, .msg = MSG_FROM, .from = "198.18.5.5" },
	  NULL, REQ },
	{ "REDIRECTED_FROM another gateway, IPv6", { V6, .msg = MSG_FROM, .from = "2001:db8:5::5" },
	  NULL, REQ },
	{ "REDIRECTED_FROM an FQDN", { V6, .msg = MSG_FROM, .from = "vpn.example" }, NULL, REQ },

	/* ---- VLAN tags: passed untouched unless configured ---- */
	{ "one 802.1Q tag, not configured", { V4, .tags = 1 }, NULL,
	  PASS(IKELB_CNT_PASS_TAGGED) },
	{ "QinQ, not configured", { V6, .tags = 2 }, NULL, PASS(IKELB_CNT_PASS_TAGGED) },
	{ "one tag, IPv4 500, configured", { V4, .tags = 1 }, fx_tagged, REQ },
	{ "one tag, IPv4 4500, configured", { V4, P4500, .tags = 1 }, fx_tagged, REQ },
	{ "one tag, IPv6 500, configured", { V6, .tags = 1 }, fx_tagged, REQ },
	{ "one tag, IPv6 4500, configured", { V6, P4500, .tags = 1 }, fx_tagged, REQ },
	{ "QinQ, IPv4 500, configured", { V4, .tags = 2 }, fx_tagged, REQ },
	{ "QinQ, IPv4 4500, configured", { V4, P4500, .tags = 2 }, fx_tagged, REQ },
	{ "QinQ, IPv6 500, configured", { V6, .tags = 2 }, fx_tagged, REQ },
	{ "QinQ, IPv6 4500, configured", { V6, P4500, .tags = 2 }, fx_tagged, REQ },

	/* ---- never a reflector: link layer ---- */
	{ "to the broadcast MAC", { V4, .dst_mac = MAC_BROADCAST }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "to an IPv4 multicast MAC", { V4, .dst_mac = MAC_MULTICAST4 }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "to an IPv6 multicast MAC", { V6, .dst_mac = MAC_MULTICAST6 }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "to another host's MAC (promiscuous)", { V4, .dst_mac = MAC_OTHER }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "to the VRRP MAC, none configured", { V4, .dst_mac = MAC_VRRP }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "to the VRRP MAC, configured: answered from it", { V4, .dst_mac = MAC_VRRP },
	  fx_vrrp_mac, REQ },
	{ "to the VRRP MAC, configured, IPv6", { V6, .dst_mac = MAC_VRRP }, fx_vrrp_mac, REQ },
	{ "to our own MAC, VRRP MAC configured too", { V6 }, fx_vrrp_mac, REQ },
	{ "own MAC not configured (all zero)", { V4 }, fx_no_mac,
	  PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "from a group MAC", { V4, .src_mac_group = 1 }, NULL, PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },

	/* ---- never a reflector: sources ---- */
	{ "from 255.255.255.255", { V4, .src = "255.255.255.255" }, NULL,
	  DROP(IKELB_CNT_DROP_SRC_BROADCAST) },
	{ "from 240.1.2.3 (reserved)", { V4, .src = "240.1.2.3" }, NULL,
	  DROP(IKELB_CNT_DROP_SRC_BROADCAST) },
	{ "from 224.0.0.1", { V4, .src = "224.0.0.1" }, NULL, DROP(IKELB_CNT_DROP_SRC_MULTICAST) },
	{ "from 239.255.255.250", { V4, .src = "239.255.255.250" }, NULL,
	  DROP(IKELB_CNT_DROP_SRC_MULTICAST) },
	{ "from 127.0.0.1", { V4, .src = "127.0.0.1" }, NULL, DROP(IKELB_CNT_DROP_SRC_LOOPBACK) },
	{ "from 127.1.2.3", { V4, .src = "127.1.2.3" }, NULL, DROP(IKELB_CNT_DROP_SRC_LOOPBACK) },
	{ "from 0.0.0.0", { V4, .src = "0.0.0.0" }, NULL, DROP(IKELB_CNT_DROP_SRC_UNSPECIFIED) },
	{ "from 0.1.2.3", { V4, .src = "0.1.2.3" }, NULL, DROP(IKELB_CNT_DROP_SRC_UNSPECIFIED) },
	{ "from 169.254.1.1 to a global VIP", { V4, .src = "169.254.1.1" }, NULL,
	  DROP(IKELB_CNT_DROP_SRC_LINK_LOCAL) },
	{ "from the IPv4 VIP itself", { V4, .src = VIP4 }, NULL, DROP(IKELB_CNT_DROP_SRC_VIP) },
	{ "from ff02::1", { V6, .src = "ff02::1" }, NULL, DROP(IKELB_CNT_DROP_SRC_MULTICAST) },
	{ "from ff05::1:3", { V6, .src = "ff05::1:3" }, NULL, DROP(IKELB_CNT_DROP_SRC_MULTICAST) },
	{ "from ::1", { V6, .src = "::1" }, NULL, DROP(IKELB_CNT_DROP_SRC_LOOPBACK) },
	{ "from ::", { V6, .src = "::" }, NULL, DROP(IKELB_CNT_DROP_SRC_UNSPECIFIED) },
	{ "from fe80::1 to a global VIP", { V6, .src = "fe80::1" }, NULL,
	  DROP(IKELB_CNT_DROP_SRC_LINK_LOCAL) },
	{ "from febf::1 (fe80::/10) to a global VIP", { V6, .src = "febf::1" }, NULL,
	  DROP(IKELB_CNT_DROP_SRC_LINK_LOCAL) },
	{ "from the IPv6 VIP itself", { V6, .src = VIP6 }, NULL, DROP(IKELB_CNT_DROP_SRC_VIP) },
	{ "from port 0, IPv4", { V4, .sport0 = 1 }, NULL, DROP(IKELB_CNT_DROP_SRC_PORT0) },
	{ "from port 0, IPv6 4500", { V6, P4500, .sport0 = 1 }, NULL,
	  DROP(IKELB_CNT_DROP_SRC_PORT0) },
	{ "from 169.254.1.1 to a link-local VIP",
	  { V4, .src = "169.254.1.1", .dst = "169.254.0.10" }, fx_link_local_vips, REQ },
	{ "from fe80::1 to a link-local VIP", { V6, .src = "fe80::1", .dst = "fe80::10" },
	  fx_link_local_vips, REQ },
	{ "from fec0::1 (not link-local)", { V6, .src = "fec0::1" }, NULL, REQ },
	{ "from 198.19.255.255 (an ordinary unicast address)", { V4, .src = "198.19.255.255" },
	  NULL, REQ },

	/* ---- never an amplifier ---- */
	{ "answer larger than the request (255-byte FQDN, small request)",
	  { V4, .msg = MSG_SMALL }, fx_target_fqdn255, DROP(IKELB_CNT_DROP_TOO_BIG) },
	{ "answer larger than the request, IPv6 4500", { V6, P4500, .msg = MSG_SMALL },
	  fx_target_fqdn255, DROP(IKELB_CNT_DROP_TOO_BIG) },
	{ "answer exactly as large as the request", { V4, .msg = MSG_SMALL }, fx_target_fits,
	  REQ, .target = fqdn_fit, .target_idx = 9 },
	{ "answer one byte larger than the request", { V6, .msg = MSG_SMALL },
	  fx_target_one_too_long, DROP(IKELB_CNT_DROP_TOO_BIG) },
	{ "255-byte FQDN, request large enough", { V4 }, fx_target_fqdn255, REQ,
	  .target = fqdn255, .target_idx = 9 },
	{ "no SA payload", { V4, .msg = MSG_NO_SA }, NULL,
	  DROP(IKELB_CNT_DROP_MISSING_PAYLOAD) },
	{ "no KE payload", { V6, .msg = MSG_NO_KE }, NULL, DROP(IKELB_CNT_DROP_MISSING_PAYLOAD) },
	{ "no Nonce payload", { V4, P4500, .msg = MSG_NO_NONCE }, NULL,
	  DROP(IKELB_CNT_DROP_MISSING_PAYLOAD) },
	{ "Nonce and REDIRECT_SUPPORTED only", { V6, .msg = MSG_NONCE_SUPPORT }, NULL,
	  DROP(IKELB_CNT_DROP_MISSING_PAYLOAD) },
	{ "IPv4 header checksum wrong", { V4, .frame = { { FX_L3, 10, 0x12 } } }, NULL,
	  DROP(IKELB_CNT_DROP_IP_CSUM) },
	{ "UDP checksum wrong, IPv4", { V4, .frame = { { FX_L4, 7, 0x5a } } }, NULL,
	  DROP(IKELB_CNT_DROP_UDP_CSUM) },
	{ "UDP checksum wrong, IPv4 4500", { V4, P4500, .frame = { { FX_L4, 6, 0x01 } } }, NULL,
	  DROP(IKELB_CNT_DROP_UDP_CSUM) },
	{ "UDP checksum wrong, IPv6", { V6, .frame = { { FX_L4, 7, 0x5a } } }, NULL,
	  DROP(IKELB_CNT_DROP_UDP_CSUM) },
	{ "a payload byte corrupted (UDP checksum), IPv6 4500",
	  { V6, P4500, .frame = { { FX_L4, 200, 0xee } } }, NULL, DROP(IKELB_CNT_DROP_UDP_CSUM) },
	{ "UDP checksum 0 over IPv4 (none sent): answered",
	  { V4, .frame = { { FX_L4, 6, 0 }, { FX_L4, 7, 0 } } }, NULL, REQ },
	{ "UDP checksum 0 over IPv6 (mandatory)",
	  { V6, .frame = { { FX_L4, 6, 0 }, { FX_L4, 7, 0 } } }, NULL,
	  DROP(IKELB_CNT_DROP_UDP_CSUM) },

	/* ---- conformance ---- */
	{ "minor version 2.1 (ignored)", { V4, .ike = { IKE_BYTE(17, 0x21) } }, NULL, REQ },
	{ "minor version 2.15, IPv6 4500", { V6, P4500, .ike = { IKE_BYTE(17, 0x2f) } }, NULL,
	  REQ },
	{ "IKE_AUTH with an IKE length that disagrees: not ours",
	  { V4, .msg = MSG_AUTH, .ike = { IKE_BYTE(27, 0x99) } }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_REQUEST) },
	{ "IKE_AUTH with a UDP length that disagrees: not ours",
	  { V6, .msg = MSG_AUTH, .frame = { { FX_L4, 5, 0x21 } } }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_REQUEST) },
	{ "INFORMATIONAL with an odd IKE length: not ours",
	  { V4, P4500, .msg = MSG_AUTH, .ike = { IKE_BYTE(18, IKE_EXCH_INFORMATIONAL),
						   IKE_BYTE(26, 0x7f) } },
	  NULL, PASS(IKELB_CNT_PASS_NOT_REQUEST) },
	{ "IKEv1 with an odd IKE length: not ours",
	  { V4, .ike = { IKE_BYTE(17, 0x10), IKE_BYTE(27, 0x01) } }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_REQUEST) },
	{ "IKE_AUTH with a bad UDP checksum: not ours", { V4, .msg = MSG_AUTH,
	  .frame = { { FX_L4, 7, 0x77 } } }, NULL, PASS(IKELB_CNT_PASS_NOT_REQUEST) },
	{ "TOS with ECN CE: answer TOS 0", { V4, .tos = 0x03 }, NULL, REQ },
	{ "TOS 0xff: answer TOS 0", { V4, P4500, .tos = 0xff }, NULL, REQ },
	{ "traffic class with ECN CE: answer 0", { V6, .tos = 0xb7 }, NULL, REQ },
	{ "SPIi 0", { V4, .spi_zero = 1 }, NULL, DROP(IKELB_CNT_DROP_SPI_ZERO) },
	{ "SPIi 0, IPv6 4500", { V6, P4500, .spi_zero = 1 }, NULL, DROP(IKELB_CNT_DROP_SPI_ZERO) },
	{ "REDIRECTED_FROM names the IPv4 VIP", { V4, .msg = MSG_FROM, .from = VIP4 }, NULL,
	  PASS(IKELB_CNT_REDIRECT_LOOP) },
	{ "REDIRECTED_FROM names the IPv6 VIP", { V6, .msg = MSG_FROM, .from = VIP6 }, NULL,
	  PASS(IKELB_CNT_REDIRECT_LOOP) },
	{ "REDIRECTED_FROM names the IPv4 VIP, to the IPv6 VIP",
	  { V6, P4500, .msg = MSG_FROM, .from = VIP4 }, NULL, PASS(IKELB_CNT_REDIRECT_LOOP) },
	{ "REDIRECTED_FROM a VIP, unsupported = drop", { V4, .msg = MSG_FROM, .from = VIP4 },
	  fx_unsupported_drop, DROP(IKELB_CNT_REDIRECT_LOOP) },
	{ "the target's identity is the IPv4 VIP", { V4 }, fx_target_is_vip,
	  PASS(IKELB_CNT_NO_TARGET) },
	{ "the target's identity is the IPv6 VIP", { V6 }, fx_target_is_vip,
	  PASS(IKELB_CNT_NO_TARGET) },
	{ "the target's identity is a VIP, no_target = drop", { V6, P4500 },
	  fx_target_is_vip_drop, DROP(IKELB_CNT_NO_TARGET) },

	/* ---- cookies (RFC 7296 2.6) ---- */
	{ "cookies off: a request without one is redirected", { V4 }, NULL, REQ },
	{ "cookies off: a request with one is redirected", { V4, .msg = MSG_COOKIE }, NULL, REQ },
	{ "cookies on, none sent: N(COOKIE) back", { V4 }, fx_cookies, COOKIE },
	{ "cookies on, none sent, IPv6", { V6 }, fx_cookies, COOKIE },
	{ "cookies on, none sent, IPv4 4500", { V4, P4500 }, fx_cookies, COOKIE },
	{ "cookies on, none sent, IPv6 4500, nonce of 17", { V6, P4500, .nonce_len = 17 },
	  fx_cookies, COOKIE },
	{ "cookies on, none sent, nonce of 256", { V4, .nonce_len = 256 }, fx_cookies, COOKIE },
	{ "cookies on, strongSwan-shaped request", { V4, .msg = MSG_STRONGSWAN }, fx_cookies,
	  COOKIE },
	{ "cookies on, current secret's cookie: redirected", { V4, .msg = MSG_COOKIE },
	  fx_cookies, REQ, .events = EV_COOKIE_VALID },
	{ "cookies on, current secret's cookie, IPv6 4500", { V6, P4500, .msg = MSG_COOKIE },
	  fx_cookies, REQ, .events = EV_COOKIE_VALID },
	{ "cookies on, current cookie, nonce of 23", { V6, .msg = MSG_COOKIE, .nonce_len = 23 },
	  fx_cookies, REQ, .events = EV_COOKIE_VALID },
	{ "cookies on, previous secret's cookie: redirected",
	  { V4, .msg = MSG_COOKIE, .cookie = COOKIE_PREVIOUS }, fx_cookies, REQ,
	  .events = EV_COOKIE_VALID },
	{ "cookies on, a wrong hash: a new cookie",
	  { V4, .msg = MSG_COOKIE, .cookie = COOKIE_BAD_HASH }, fx_cookies, COOKIE,
	  .events = EV_COOKIE_INVALID },
	{ "cookies on, an expired version: a new cookie",
	  { V6, .msg = MSG_COOKIE, .cookie = COOKIE_OLD_VERSION }, fx_cookies, COOKIE,
	  .events = EV_COOKIE_INVALID },
	{ "cookies on, a cookie of another source port: a new cookie",
	  { V4, P4500, .msg = MSG_COOKIE, .cookie = COOKIE_OTHER_PORT }, fx_cookies, COOKIE,
	  .events = EV_COOKIE_INVALID },
	{ "cookies on, a cookie of 8 bytes: a new cookie",
	  { V4, .msg = MSG_COOKIE, .cookie = COOKIE_SHORT }, fx_cookies, COOKIE,
	  .events = EV_COOKIE_INVALID },
	{ "cookies on, a cookie of 10 bytes: a new cookie",
	  { V6, .msg = MSG_COOKIE, .cookie = COOKIE_LONG }, fx_cookies, COOKIE,
	  .events = EV_COOKIE_INVALID },
	{ "cookies on, a valid cookie not first: a new cookie", { V4, .msg = MSG_COOKIE_LATE },
	  fx_cookies, COOKIE },
	{ "cookies on, no secret set: redirected as if off", { V4 }, fx_cookies_no_secret, REQ },
	{ "cookies on, no support: by config, no cookie", { V4, .msg = MSG_NO_SUPPORT },
	  fx_cookies, PASS(IKELB_CNT_NO_SUPPORT) },
	{ "cookies on, a valid cookie, the target is a VIP", { V4, .msg = MSG_COOKIE },
	  fx_cookies_target_is_vip, PASS(IKELB_CNT_NO_TARGET), .events = EV_COOKIE_VALID },

	/* ---- not redirected ---- */
	{ "no redirect support, pass", { V4, .msg = MSG_NO_SUPPORT }, NULL,
	  PASS(IKELB_CNT_NO_SUPPORT) },
	{ "no redirect support, IPv6 4500, pass", { V6, P4500, .msg = MSG_NO_SUPPORT }, NULL,
	  PASS(IKELB_CNT_NO_SUPPORT) },
	{ "no redirect support, drop", { V4, .msg = MSG_NO_SUPPORT }, fx_unsupported_drop,
	  DROP(IKELB_CNT_NO_SUPPORT) },
	{ "no redirect support, IPv6 4500, drop", { V6, P4500, .msg = MSG_NO_SUPPORT },
	  fx_unsupported_drop, DROP(IKELB_CNT_NO_SUPPORT) },
	{ "strongSwan request, unsupported = drop leaves it alone", { V4, .msg = MSG_STRONGSWAN },
	  fx_unsupported_drop, REQ },

	/* ---- steering: IKE_SA_INIT without redirect support ---- */
	{ "steer: no redirect support, IPv4 500: to target 1's MAC", { V4, NOSUP }, fx_steer,
	  STEER(IKELB_CNT_STEERED_INIT, MAC_GW1), .events = EV_REQUESTS, .counted = 1 },
	{ "steer: no redirect support, IPv4 4500", { V4, P4500, NOSUP }, fx_steer,
	  STEER(IKELB_CNT_STEERED_INIT, MAC_GW1), .events = EV_REQUESTS, .counted = 1 },
	{ "steer: no redirect support, IPv6 500", { V6, NOSUP }, fx_steer,
	  STEER(IKELB_CNT_STEERED_INIT, MAC_GW1), .events = EV_REQUESTS, .counted = 1 },
	{ "steer: no redirect support, IPv6 4500", { V6, P4500, NOSUP }, fx_steer,
	  STEER(IKELB_CNT_STEERED_INIT, MAC_GW1), .events = EV_REQUESTS, .counted = 1 },
	{ "steer: no redirect support, QinQ, tags answered: kept", { V6, .tags = 2, NOSUP },
	  fx_steer_tagged, STEER(IKELB_CNT_STEERED_INIT, MAC_GW1), .events = EV_REQUESTS,
	  .counted = 1 },
	{ "steer: no redirect support, tagged, tags not answered", { V4, .tags = 1, NOSUP },
	  fx_steer, PASS(IKELB_CNT_PASS_TAGGED) },
	{ "steer: sent to the VRRP MAC, steered from our own", { V4, .dst_mac = MAC_VRRP, NOSUP },
	  fx_steer_vrrp_mac, STEER(IKELB_CNT_STEERED_INIT, MAC_GW1), .events = EV_REQUESTS,
	  .counted = 1 },
	{ "steer: REDIRECTED_FROM our VIP (a loop): steered", { V4, .msg = MSG_FROM, .from = VIP4 },
	  fx_steer, STEER(IKELB_CNT_STEERED_INIT, MAC_GW1), .events = EV_REQUESTS, .counted = 1 },
	{ "steer: a client with redirect support is redirected", { V4 }, fx_steer, REQ },
	{ "steer: strongSwan with redirect support is redirected", { V6, P4500, .msg = MSG_STRONGSWAN },
	  fx_steer, REQ },
	{ "steer: the target is this node: passed", { V4, NOSUP }, fx_steer_local,
	  LOCAL_REQ(IKELB_CNT_STEERED_INIT), .counted = 2 },
	{ "steer: the target is this node, IPv6 4500", { V6, P4500, NOSUP }, fx_steer_local,
	  LOCAL_REQ(IKELB_CNT_STEERED_INIT), .counted = 2 },
	{ "steer: the target's MAC unknown: by no_target (pass)", { V4, NOSUP }, fx_steer_no_mac,
	  PASS(IKELB_CNT_STEER_NO_MAC), .events = EV_REQUESTS },
	{ "steer: the target's MAC unknown: by no_target (drop)", { V6, NOSUP },
	  fx_steer_no_mac_drop, DROP(IKELB_CNT_STEER_NO_MAC), .events = EV_REQUESTS },
	{ "steer: the target's MAC unknown: the spill slot's target", { V4, P4500, NOSUP },
	  fx_steer_no_mac_spill, STEER(IKELB_CNT_STEERED_INIT, MAC_GW5), .events = EV_REQUESTS,
	  .counted = 5 },
	{ "steer: the target has no label", { V6, NOSUP }, fx_steer_unlabelled,
	  PASS(IKELB_CNT_STEER_NO_MAC), .events = EV_REQUESTS },
	{ "steer: no target at all", { V4, NOSUP }, fx_steer_no_target,
	  PASS(IKELB_CNT_NO_TARGET) },
	{ "steer: to the broadcast MAC", { V4, .dst_mac = MAC_BROADCAST, NOSUP }, fx_steer,
	  PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "steer: malformed request: dropped, not steered", { V4, NOSUP, .ike = { IKE_BYTE(27, 0x99) } },
	  fx_steer, DROP(IKELB_CNT_DROP_MALFORMED) },

	/* ---- steering: later IKE messages by the gateway SPI's label ---- */
	{ "steer: IKE_AUTH, SPIr label 1, IPv4 500", { V4, .msg = MSG_AUTH, .label = 1 }, fx_steer,
	  STEER(IKELB_CNT_STEERED_IKE, MAC_GW1) },
	{ "steer: IKE_AUTH, SPIr label 1, IPv4 4500", { V4, P4500, .msg = MSG_AUTH, .label = 1 },
	  fx_steer, STEER(IKELB_CNT_STEERED_IKE, MAC_GW1) },
	{ "steer: IKE_AUTH, SPIr label 5, IPv6 500", { V6, .msg = MSG_AUTH, .label = 5 }, fx_steer,
	  STEER(IKELB_CNT_STEERED_IKE, MAC_GW5) },
	{ "steer: IKE_AUTH, SPIr label 1, IPv6 4500", { V6, P4500, .msg = MSG_AUTH, .label = 1 },
	  fx_steer, STEER(IKELB_CNT_STEERED_IKE, MAC_GW1) },
	{ "steer: from the SA's responder (I clear): SPIi's label", { V4, .msg = MSG_RESPONDER,
	  .label = 1 }, fx_steer, STEER(IKELB_CNT_STEERED_IKE, MAC_GW1) },
	{ "steer: from the SA's responder, IPv6 4500", { V6, P4500, .msg = MSG_RESPONDER,
	  .label = 1 }, fx_steer, STEER(IKELB_CNT_STEERED_IKE, MAC_GW1) },
	{ "steer: label of this node: passed", { V4, .msg = MSG_AUTH, .label = 2 }, fx_steer,
	  LOCAL(IKELB_CNT_STEERED_IKE) },
	{ "steer: label of a dead gateway: dropped", { V4, .msg = MSG_AUTH, .label = 3 }, fx_steer,
	  DROP(IKELB_CNT_STEER_DEAD) },
	{ "steer: label whose MAC is unknown: dropped", { V6, .msg = MSG_AUTH, .label = 4 },
	  fx_steer, DROP(IKELB_CNT_STEER_NO_MAC) },
	{ "steer: label nobody has: dropped", { V4, P4500, .msg = MSG_AUTH, .label = 9 }, fx_steer,
	  DROP(IKELB_CNT_STEER_UNKNOWN_LABEL) },
	{ "steer: label 0 (never a label): dropped", { V6, .msg = MSG_AUTH, .label = 0x00,
	  .ike = { IKE_BYTE(8, 0x00) } }, fx_steer, DROP(IKELB_CNT_STEER_UNKNOWN_LABEL) },
	{ "steer: IKEv1: not ours", { V4, .ike = { IKE_BYTE(17, 0x10) } }, fx_steer,
	  PASS(IKELB_CNT_PASS_NOT_REQUEST) },
	{ "steer: IKE_SA_INIT with message ID 1: no gateway SPI, not ours",
	  { V4, .ike = { IKE_BYTE(23, 1) } }, fx_steer, PASS(IKELB_CNT_PASS_NOT_REQUEST) },
	{ "steer: IKE_AUTH to another host's MAC", { V4, .msg = MSG_AUTH, .label = 1,
	  .dst_mac = MAC_OTHER }, fx_steer, PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "steer off: IKE_AUTH label 1 is not ours", { V4, .msg = MSG_AUTH, .label = 1 }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_REQUEST) },

	/* ---- steering: ESP and ESP in UDP by the SPI's label ---- */
	{ "steer: ESP, label 1, IPv4", { V4, .msg = MSG_ESP, .label = 1 }, fx_steer,
	  STEER(IKELB_CNT_STEERED_ESP, MAC_GW1) },
	{ "steer: ESP, label 5, IPv6", { V6, .msg = MSG_ESP, .label = 5 }, fx_steer,
	  STEER(IKELB_CNT_STEERED_ESP, MAC_GW5) },
	{ "steer: ESP, label of this node", { V6, .msg = MSG_ESP, .label = 2 }, fx_steer,
	  LOCAL(IKELB_CNT_STEERED_ESP) },
	{ "steer: ESP, dead gateway", { V4, .msg = MSG_ESP, .label = 3 }, fx_steer,
	  DROP(IKELB_CNT_STEER_DEAD) },
	{ "steer: ESP, SPI 0x00a1b2c3 (label 0)", { V4, .msg = MSG_ESP, .label = 0 }, fx_steer,
	  DROP(IKELB_CNT_STEER_UNKNOWN_LABEL) },
	{ "steer: ESP to another host's MAC", { V4, .msg = MSG_ESP, .label = 1,
	  .dst_mac = MAC_OTHER }, fx_steer, PASS(IKELB_CNT_PASS_NOT_OUR_MAC) },
	{ "steer: ESP not to a VIP", { V4, .msg = MSG_ESP, .label = 1, .dst = "198.18.0.11" },
	  fx_steer, PASS(IKELB_CNT_PASS_OTHER) },
	{ "steer off: ESP is not ours", { V6, .msg = MSG_ESP, .label = 1 }, NULL,
	  PASS(IKELB_CNT_PASS_OTHER) },
	{ "steer: ESP in UDP, label 1, IPv4", { V4, P4500, .msg = MSG_ESP_UDP, .label = 1 },
	  fx_steer, STEER(IKELB_CNT_STEERED_ESP, MAC_GW1) },
	{ "steer: ESP in UDP, label 5, IPv6", { V6, P4500, .msg = MSG_ESP_UDP, .label = 5 },
	  fx_steer, STEER(IKELB_CNT_STEERED_ESP, MAC_GW5) },
	{ "steer: ESP in UDP, label of this node", { V4, P4500, .msg = MSG_ESP_UDP, .label = 2 },
	  fx_steer, LOCAL(IKELB_CNT_STEERED_ESP) },
	{ "steer: ESP in UDP, unknown label", { V6, P4500, .msg = MSG_ESP_UDP, .label = 77 },
	  fx_steer, DROP(IKELB_CNT_STEER_UNKNOWN_LABEL) },
	{ "steer: NAT-T keepalive, IPv4", { V4, P4500, .msg = MSG_KEEPALIVE }, fx_steer,
	  DROP(IKELB_CNT_NATT_KEEPALIVE) },
	{ "steer: NAT-T keepalive, IPv6", { V6, P4500, .msg = MSG_KEEPALIVE }, fx_steer,
	  DROP(IKELB_CNT_NATT_KEEPALIVE) },
	{ "steer off: NAT-T keepalive passed", { V4, P4500, .msg = MSG_KEEPALIVE }, NULL,
	  PASS(IKELB_CNT_PASS_NOT_IKE) },
	{ "steer: three bytes on 4500: not ours", { V4, P4500, .msg = MSG_SHORT_UDP }, fx_steer,
	  PASS(IKELB_CNT_PASS_NOT_IKE) },

	/* ---- steering: IP fragments (sequences: test_steer_fragments) ---- */
	{ "steer: first fragment of an IKE_AUTH, IPv4", { V4, .msg = MSG_AUTH, .label = 1,
	  .frag = FRAG_FIRST }, fx_steer, STEER(IKELB_CNT_STEERED_IKE, MAC_GW1) },
	{ "steer: first fragment of an IKE_AUTH, IPv6 4500", { V6, P4500, .msg = MSG_AUTH,
	  .label = 5, .frag = FRAG_FIRST }, fx_steer, STEER(IKELB_CNT_STEERED_IKE, MAC_GW5) },
	{ "steer: first fragment of ESP, IPv6", { V6, .msg = MSG_ESP, .label = 1,
	  .frag = FRAG_FIRST }, fx_steer, STEER(IKELB_CNT_STEERED_ESP, MAC_GW1) },
	{ "steer: first fragment of ESP in UDP, IPv4", { V4, P4500, .msg = MSG_ESP_UDP,
	  .label = 1, .frag = FRAG_FIRST }, fx_steer, STEER(IKELB_CNT_STEERED_ESP, MAC_GW1) },
	{ "steer: first fragment of an IKE_SA_INIT, IPv4", { V4, NOSUP, .frag = FRAG_FIRST },
	  fx_steer, STEER(IKELB_CNT_STEERED_INIT, MAC_GW1), .counted = 1 },
	{ "steer: first fragment to another port", { V4, .port = 53, .frag = FRAG_FIRST },
	  fx_steer, PASS(IKELB_CNT_PASS_FRAGMENT) },
	{ "steer: a later fragment without a record, IPv4", { V4, .msg = MSG_AUTH, .label = 1,
	  .frag = FRAG_LATER }, fx_steer, DROP(IKELB_CNT_STEER_FRAGMENT_UNKNOWN) },
	{ "steer: a later fragment without a record, IPv6", { V6, .msg = MSG_ESP, .label = 1,
	  .frag = FRAG_LATER }, fx_steer, DROP(IKELB_CNT_STEER_FRAGMENT_UNKNOWN) },
	{ "steer off: a fragment passes", { V4, .msg = MSG_AUTH, .label = 1, .frag = FRAG_FIRST },
	  NULL, PASS(IKELB_CNT_PASS_FRAGMENT) },
	{ "steer off: an IPv6 fragment passes as unparsed", { V6, .msg = MSG_AUTH, .label = 1,
	  .frag = FRAG_LATER }, NULL, PASS(IKELB_CNT_PASS_IP_UNPARSED) },
};

#undef V4
#undef V6
#undef P4500
#undef REQ
#undef COOKIE
#undef PASS
#undef DROP
#undef STEER
#undef LOCAL
#undef LOCAL_REQ
#undef NOSUP

#endif
